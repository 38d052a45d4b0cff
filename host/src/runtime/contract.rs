//! Which contract version a component implements, and the bindings of each version behind one
//! type, so that the rest of the host calls a policy without caring which version it is.

use super::error::{PolicyError, one_line};
use crate::state::HostState;
use crate::{bindings as newest, since_v0_1};
use wasmtime::Engine;
use wasmtime::component::{Component, InstancePre};

/// A version of the `openclaw:bedrock` contract this host implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub enum Contract {
    /// `openclaw:bedrock@0.1.0`: every request calls the policy's `chat`.
    #[serde(rename = "0.1.0")]
    V0_1,
    /// `openclaw:bedrock@0.2.0`: adds the `routing` export; requests are served from its plan.
    #[serde(rename = "0.2.0")]
    V0_2,
}

impl Contract {
    /// Every version this host implements, oldest first.
    pub const ALL: [Contract; 2] = [Contract::V0_1, Contract::V0_2];

    /// The version number, e.g. `0.2.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Contract::V0_1 => since_v0_1::CONTRACT,
            Contract::V0_2 => newest::CONTRACT,
        }
    }

    /// Whether components of this version compute routing plans.
    pub fn plans(self) -> bool {
        match self {
            Contract::V0_1 => false,
            Contract::V0_2 => true,
        }
    }

    fn of(version: &str) -> Option<Contract> {
        Contract::ALL.into_iter().find(|contract| contract.as_str() == version)
    }
}

impl std::fmt::Display for Contract {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "openclaw:bedrock@{}", self.as_str())
    }
}

/// A linked component, ready to instantiate, with the bindings of its contract version.
#[derive(Clone)]
pub(crate) enum PolicyPre {
    V0_1(since_v0_1::BedrockPolicyPre<HostState>),
    V0_2(newest::BedrockPolicyPre<HostState>),
}

/// An instance's exports, in the bindings of its contract version.
pub(crate) enum PolicyBindings {
    V0_1(since_v0_1::BedrockPolicy),
    V0_2(newest::BedrockPolicy),
}

impl PolicyPre {
    /// The contract version.
    pub(crate) fn contract(&self) -> Contract {
        match self {
            PolicyPre::V0_1(_) => Contract::V0_1,
            PolicyPre::V0_2(_) => Contract::V0_2,
        }
    }

    /// The compiled component.
    pub(crate) fn component(&self) -> &Component {
        match self {
            PolicyPre::V0_1(pre) => pre.instance_pre().component(),
            PolicyPre::V0_2(pre) => pre.instance_pre().component(),
        }
    }

    /// Instantiates it in `store`.
    pub(crate) async fn instantiate(&self, store: &mut wasmtime::Store<HostState>) -> wasmtime::Result<PolicyBindings> {
        Ok(match self {
            PolicyPre::V0_1(pre) => PolicyBindings::V0_1(pre.instantiate_async(store).await?),
            PolicyPre::V0_2(pre) => PolicyBindings::V0_2(pre.instantiate_async(store).await?),
        })
    }
}

/// The prefix of the policy export's name; the version follows it.
const POLICY_EXPORT: &str = "openclaw:bedrock/policy@";

/// The contract version a compiled component exports, read from its type before it is linked
/// (`None` when it exports no policy interface at all). A component of a version this host
/// does not implement is refused with both sides named, before its imports (of that version
/// too) would fail to link.
pub(crate) fn contract_of(engine: &Engine, component: &Component, origin: &str) -> Result<Option<Contract>, PolicyError> {
    let exported: Vec<String> = component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect();
    let versions: Vec<&str> = exported.iter().filter_map(|name| name.strip_prefix(POLICY_EXPORT)).collect();
    let implemented = Contract::ALL.map(Contract::as_str).join(", ");
    let refused = |message: String| PolicyError::NotAPolicy { origin: origin.to_string(), message };
    match versions.as_slice() {
        [version] => {
            Contract::of(version).map(Some).ok_or_else(|| refused(format!("it was built for openclaw:bedrock@{version}; this host implements {implemented}")))
        }
        [] => Ok(None),
        _ => Err(refused(format!("it exports the policy interface of several versions ({})", versions.join(", ")))),
    }
}

/// Binds a linked component to the bindings of its contract version.
pub(crate) fn bind(contract: Option<Contract>, instance_pre: InstancePre<HostState>, origin: &str) -> Result<PolicyPre, PolicyError> {
    let implemented = Contract::ALL.map(Contract::as_str).join(", ");
    let Some(contract) = contract else {
        return Err(PolicyError::NotAPolicy {
            origin: origin.to_string(),
            message: format!("it exports no `openclaw:bedrock/policy` interface (this host implements {implemented})"),
        });
    };
    let not_a_policy = |error: wasmtime::Error| PolicyError::NotAPolicy { origin: origin.to_string(), message: format!("as {contract}: {}", one_line(&error)) };
    Ok(match contract {
        Contract::V0_1 => PolicyPre::V0_1(since_v0_1::BedrockPolicyPre::new(instance_pre).map_err(not_a_policy)?),
        Contract::V0_2 => PolicyPre::V0_2(newest::BedrockPolicyPre::new(instance_pre).map_err(not_a_policy)?),
    })
}

/// Runs `$body` with `$policy` bound to the instance's `policy` export, whatever its version:
/// the generated types differ per version, and the same conversions (`Into`) exist for each.
macro_rules! with_policy_export {
    ($bindings:expr, $policy:ident => $body:expr) => {
        match $bindings {
            $crate::runtime::contract::PolicyBindings::V0_1(bindings) => {
                let $policy = bindings.openclaw_bedrock_policy();
                $body
            }
            $crate::runtime::contract::PolicyBindings::V0_2(bindings) => {
                let $policy = bindings.openclaw_bedrock_policy();
                $body
            }
        }
    };
}
pub(crate) use with_policy_export;
