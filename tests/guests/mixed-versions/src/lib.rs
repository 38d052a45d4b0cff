//! A component that exports interfaces of two contract versions (0.3.0's `identity` and
//! 0.2.0's `routing`): the host must refuse it, naming both versions.

wit_bindgen::generate!({
    path: ["../../../wit", "../../../wit/v0.2.0"],
    inline: "
        package test:mixed-versions;
        world mixed {
            export openclaw:bedrock/identity@0.3.0;
            export openclaw:bedrock/routing@0.2.0;
        }
    ",
    world: "test:mixed-versions/mixed",
    generate_all,
});

use exports::openclaw::bedrock0_2_0::routing::{Guest as Routing, PlanRequest, Resolution, ResolveRequest, RoutingPlan};
use exports::openclaw::bedrock0_3_0::identity::{Guest as Identity, PolicyInfo};
use openclaw::bedrock0_2_0::types::{ApiError, ErrorClass};

struct MixedVersions;

fn refused() -> ApiError {
    ApiError { class: ErrorClass::Unknown, code: None, message: "mixed-versions never routes".into(), http_status: None, retryable: false }
}

impl Identity for MixedVersions {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "mixed-versions".into(), version: "0.1.0".into(), contract: "0.3.0".into() })
    }
}

impl Routing for MixedVersions {
    fn plan(_request: PlanRequest) -> Result<RoutingPlan, ApiError> {
        Err(refused())
    }

    fn resolve(_request: ResolveRequest) -> Result<Resolution, ApiError> {
        Err(refused())
    }
}

export!(MixedVersions);
