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
/// (`None` when it exports no policy interface at all: see [`not_a_policy`]). A component of a
/// version this host does not implement is refused with the version it was built for and the
/// ones this host implements, before its imports (of that version too) would fail to link with
/// a message about one of their functions.
pub(crate) fn contract_of(engine: &Engine, component: &Component, origin: &str) -> Result<Option<Contract>, PolicyError> {
    let exported = exports(engine, component);
    let versions: Vec<&str> = exported.iter().filter_map(|name| name.strip_prefix(POLICY_EXPORT)).collect();
    let implemented = implemented();
    let refused = |message: String| PolicyError::NotAPolicy { origin: origin.to_string(), message };
    match versions.as_slice() {
        [version] => {
            Contract::of(version).map(Some).ok_or_else(|| refused(format!("it was built for openclaw:bedrock@{version}; this host implements {implemented}")))
        }
        [] => Ok(None),
        _ => Err(refused(format!("it exports the policy interface of several versions ({}); this host implements {implemented}", versions.join(", ")))),
    }
}

fn exports(engine: &Engine, component: &Component) -> Vec<String> {
    component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect()
}

/// The refusal of a component that exports no policy interface: what it exports instead, and,
/// when its imports do not link either, that first (the linker's words name the import).
pub(crate) fn not_a_policy(engine: &Engine, component: &Component, origin: &str, link: Option<&wasmtime::Error>) -> PolicyError {
    let exported = exports(engine, component);
    let unversioned = exported.iter().any(|name| name == POLICY_EXPORT.trim_end_matches('@'));
    let what = match exported.as_slice() {
        _ if unversioned => "an unversioned `openclaw:bedrock/policy` (build it against a versioned WIT package)".to_string(),
        [] => "nothing".to_string(),
        names => format!("only {}", bounded_list(names)),
    };
    let message = format!("it exports {what}, no `openclaw:bedrock/policy@VERSION` interface; this host implements {}", implemented());
    match link {
        Some(error) => PolicyError::Link { origin: origin.to_string(), message: format!("{}; {message}", one_line(error)) },
        None => PolicyError::NotAPolicy { origin: origin.to_string(), message },
    }
}

/// The versions this host implements, for messages: `openclaw:bedrock@0.1.0, @0.2.0`.
fn implemented() -> String {
    let versions: Vec<String> = Contract::ALL.iter().map(|contract| format!("@{}", contract.as_str())).collect();
    format!("openclaw:bedrock{}", versions.join(", "))
}

/// A few names, quoted, for a one-line message (a component may export hundreds).
fn bounded_list(names: &[String]) -> String {
    const SHOWN: usize = 5;
    let shown: Vec<String> = names.iter().take(SHOWN).map(|name| format!("`{}`", name.chars().take(100).collect::<String>())).collect();
    match names.len().saturating_sub(SHOWN) {
        0 => shown.join(", "),
        more => format!("{} and {more} more", shown.join(", ")),
    }
}

/// Why a component of a version this host implements does not link: its imports differ from
/// that version's (built from an edited copy of the WIT, or needing an interface the host does
/// not provide).
pub(crate) fn link_error(contract: Contract, error: &wasmtime::Error, origin: &str) -> PolicyError {
    PolicyError::Link {
        origin: origin.to_string(),
        message: format!(
            "it exports the policy interface of {contract}, but its imports do not match that version as this host implements it: {}",
            one_line(error)
        ),
    }
}

/// Binds a linked component to the bindings of its contract version.
pub(crate) fn bind(contract: Contract, instance_pre: InstancePre<HostState>, origin: &str) -> Result<PolicyPre, PolicyError> {
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
