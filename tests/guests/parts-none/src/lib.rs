//! A 0.3.0 component that exports `identity` and no part: the host must refuse it, saying it
//! exports no part.

wit_bindgen::generate!({
    path: "../../../wit",
    inline: "
        package test:parts-none;
        world identity-only {
            export openclaw:bedrock/identity@0.3.0;
        }
    ",
    world: "test:parts-none/identity-only",
    generate_all,
});

use exports::openclaw::bedrock::identity::{Guest, PolicyInfo};

struct PartsNone;

impl Guest for PartsNone {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "parts-none".into(), version: "0.1.0".into(), contract: "0.3.0".into() })
    }
}

export!(PartsNone);
