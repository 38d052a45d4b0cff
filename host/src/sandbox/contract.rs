//! Which contract version a component implements (and, from 0.3.0, which parts it exports),
//! and the bindings of each version behind one type, so that the rest of the host calls a
//! policy without caring which version it is.

use super::error::{PolicyError, one_line};
use super::parts::{Part, Parts};
use crate::bindings::{self as newest, since_v0_1, since_v0_2};
use crate::instance_state::HostState;
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
    /// `openclaw:bedrock@0.3.0`: the policy in parts (`identity` and any of `config`,
    /// `discovery`, `routing`, `chat`); the default policy provides the parts a component
    /// does not export, and every part is handed the settings the config part read.
    #[serde(rename = "0.3.0")]
    V0_3,
}

impl Contract {
    /// Every version this host implements, oldest first.
    pub const ALL: [Contract; 3] = [Contract::V0_1, Contract::V0_2, Contract::V0_3];

    /// The version number, e.g. `0.2.0`.
    pub fn as_str(self) -> &'static str {
        match self {
            Contract::V0_1 => since_v0_1::CONTRACT,
            Contract::V0_2 => since_v0_2::CONTRACT,
            Contract::V0_3 => newest::CONTRACT,
        }
    }

    /// Whether components of this version compute routing plans.
    pub fn plans(self) -> bool {
        match self {
            Contract::V0_1 => false,
            Contract::V0_2 | Contract::V0_3 => true,
        }
    }

    /// Whether the host reads the config through the config part and hands every other part
    /// the settings (0.3.0 on); older versions read the config text in every call themselves.
    pub fn hands_settings(self) -> bool {
        match self {
            Contract::V0_1 | Contract::V0_2 => false,
            Contract::V0_3 => true,
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
    V0_2(since_v0_2::BedrockPolicyPre<HostState>),
    V0_3(newest::PartsPre),
}

/// An instance's exports, in the bindings of its contract version.
pub(crate) enum PolicyBindings {
    V0_1(since_v0_1::BedrockPolicy),
    V0_2(since_v0_2::BedrockPolicy),
    V0_3(newest::Parts),
}

impl PolicyPre {
    /// The contract version.
    pub(crate) fn contract(&self) -> Contract {
        match self {
            PolicyPre::V0_1(_) => Contract::V0_1,
            PolicyPre::V0_2(_) => Contract::V0_2,
            PolicyPre::V0_3(_) => Contract::V0_3,
        }
    }

    /// The parts the component exports itself (every one before 0.3.0).
    pub(crate) fn parts(&self) -> Parts {
        match self {
            PolicyPre::V0_1(_) | PolicyPre::V0_2(_) => Parts::WHOLE,
            PolicyPre::V0_3(pre) => Parts::from_exported(pre.exported()),
        }
    }

    /// The compiled component.
    pub(crate) fn component(&self) -> &Component {
        match self {
            PolicyPre::V0_1(pre) => pre.instance_pre().component(),
            PolicyPre::V0_2(pre) => pre.instance_pre().component(),
            PolicyPre::V0_3(pre) => pre.component(),
        }
    }

    /// Instantiates it in `store`.
    pub(crate) async fn instantiate(&self, store: &mut wasmtime::Store<HostState>) -> wasmtime::Result<PolicyBindings> {
        Ok(match self {
            PolicyPre::V0_1(pre) => PolicyBindings::V0_1(pre.instantiate_async(store).await?),
            PolicyPre::V0_2(pre) => PolicyBindings::V0_2(pre.instantiate_async(store).await?),
            PolicyPre::V0_3(pre) => PolicyBindings::V0_3(pre.instantiate_async(store).await?),
        })
    }
}

impl PolicyBindings {
    /// The contract version.
    pub(crate) fn contract(&self) -> Contract {
        match self {
            PolicyBindings::V0_1(_) => Contract::V0_1,
            PolicyBindings::V0_2(_) => Contract::V0_2,
            PolicyBindings::V0_3(_) => Contract::V0_3,
        }
    }

    /// Whether the instance exports `part` itself (a whole policy exports every one).
    pub(crate) fn has(&self, part: Part) -> bool {
        let PolicyBindings::V0_3(parts) = self else { return true };
        match part {
            Part::Config => parts.config.is_some(),
            Part::Discovery => parts.discovery.is_some(),
            Part::Routing => parts.routing.is_some(),
            Part::Chat => parts.chat.is_some(),
        }
    }
}

/// Where every contract interface lives: `openclaw:bedrock/<interface>@<version>`.
const PACKAGE: &str = "openclaw:bedrock/";
/// The exports that say which version a component implements: 0.1.0 and 0.2.0 export
/// `policy` (0.2.0 also `routing`); 0.3.0 exports `identity` and its parts.
const CONTRACT_EXPORTS: [&str; 6] = ["policy", "identity", "config", "discovery", "routing", "chat"];

/// The contract exports of a component: (interface, version, whole name).
fn contract_exports(exported: &[String]) -> Vec<(&str, &str, &str)> {
    exported
        .iter()
        .filter_map(|name| {
            let (interface, version) = name.strip_prefix(PACKAGE)?.split_once('@')?;
            CONTRACT_EXPORTS.contains(&interface).then_some((interface, version, name.as_str()))
        })
        .collect()
}

/// The contract version a compiled component exports, read from its type before it is linked
/// (`None` when it exports no contract interface at all: see [`not_a_policy`]). A component of
/// a version this host does not implement is refused with the version it was built for and the
/// ones this host implements, before its imports (of that version too) would fail to link with
/// a message about one of their functions; so is one that mixes versions, and a 0.3.0 one
/// without `identity` or without any part.
pub(crate) fn contract_of(engine: &Engine, component: &Component, origin: &str) -> Result<Option<Contract>, PolicyError> {
    let exported = exports(engine, component);
    let ours = contract_exports(&exported);
    let mut versions: Vec<&str> = ours.iter().map(|(_, version, _)| *version).collect();
    versions.sort_unstable();
    versions.dedup();
    let implemented = implemented();
    let refused = |message: String| PolicyError::NotAPolicy { origin: origin.to_string(), message };
    let version = match versions.as_slice() {
        [] => return Ok(None),
        [version] => *version,
        _ => {
            let names: Vec<String> = ours.iter().map(|(_, _, name)| name.to_string()).collect();
            return Err(refused(format!(
                "it exports interfaces of several contract versions ({}: {}); a component implements one version; this host implements {implemented}",
                versions.iter().map(|version| format!("@{version}")).collect::<Vec<_>>().join(", "),
                bounded_list(&names)
            )));
        }
    };
    let Some(contract) = Contract::of(version) else {
        return Err(refused(format!("it was built for openclaw:bedrock@{version}; this host implements {implemented}")));
    };
    let has = |interface: &str| ours.iter().any(|(name, _, _)| *name == interface);
    let names = || bounded_list(&ours.iter().map(|(_, _, name)| name.to_string()).collect::<Vec<_>>());
    match contract {
        Contract::V0_1 | Contract::V0_2 if !has("policy") => {
            Err(refused(format!("it exports {} but not `{PACKAGE}policy@{version}`, which every {contract} policy exports", names())))
        }
        Contract::V0_3 if !has("identity") => Err(refused(format!(
            "it exports {} but not `{PACKAGE}identity@{version}`, which every {contract} policy exports (its self-check says who it is)",
            names()
        ))),
        Contract::V0_3 if !Part::ALL.iter().any(|part| has(part.as_str())) => Err(refused(format!(
            "it exports no part: config, discovery, routing or chat (it exports only {}); every {contract} policy exports at least one",
            names()
        ))),
        _ => Ok(Some(contract)),
    }
}

fn exports(engine: &Engine, component: &Component) -> Vec<String> {
    component.component_type().exports(engine).map(|(name, _)| name.to_string()).collect()
}

/// The refusal of a component that exports no policy interface: what it exports instead, and,
/// when its imports do not link either, that first (the linker's words name the import).
pub(crate) fn not_a_policy(engine: &Engine, component: &Component, origin: &str, link: Option<&wasmtime::Error>) -> PolicyError {
    let exported = exports(engine, component);
    let unversioned = exported.iter().any(|name| name.strip_prefix(PACKAGE).is_some_and(|interface| CONTRACT_EXPORTS.contains(&interface)));
    let what = match exported.as_slice() {
        _ if unversioned => "an unversioned `openclaw:bedrock` interface (build it against a versioned WIT package)".to_string(),
        [] => "nothing".to_string(),
        names => format!("only {}", bounded_list(names)),
    };
    let message = format!(
        "it exports {what}, no `{PACKAGE}identity@VERSION` interface (nor, before 0.3.0, `{PACKAGE}policy@VERSION`); this host implements {}",
        implemented()
    );
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
        message: format!("it exports the interfaces of {contract}, but its imports do not match that version as this host implements it: {}", one_line(error)),
    }
}

/// Binds a linked component to the bindings of its contract version.
pub(crate) fn bind(contract: Contract, instance_pre: InstancePre<HostState>, origin: &str) -> Result<PolicyPre, PolicyError> {
    let not_a_policy = |error: wasmtime::Error| PolicyError::NotAPolicy { origin: origin.to_string(), message: format!("as {contract}: {}", one_line(&error)) };
    Ok(match contract {
        Contract::V0_1 => PolicyPre::V0_1(since_v0_1::BedrockPolicyPre::new(instance_pre).map_err(not_a_policy)?),
        Contract::V0_2 => PolicyPre::V0_2(since_v0_2::BedrockPolicyPre::new(instance_pre).map_err(not_a_policy)?),
        Contract::V0_3 => PolicyPre::V0_3(newest::PartsPre::new(instance_pre).map_err(not_a_policy)?),
    })
}

/// Runs a call on an instance's bindings, whatever its version: `$policy` is bound to the
/// `policy` export of a 0.1.0 or 0.2.0 instance (the generated types differ per version, and
/// the same conversions, `Into`, exist for each), `$parts` to a 0.3.0 instance's parts.
macro_rules! call_policy {
    ($bindings:expr, $policy:ident => $whole:expr, $parts:ident => $by_part:expr) => {
        match $bindings {
            $crate::sandbox::contract::PolicyBindings::V0_1(bindings) => {
                let $policy = bindings.openclaw_bedrock_policy();
                $whole
            }
            $crate::sandbox::contract::PolicyBindings::V0_2(bindings) => {
                let $policy = bindings.openclaw_bedrock_policy();
                $whole
            }
            $crate::sandbox::contract::PolicyBindings::V0_3($parts) => $by_part,
        }
    };
}
pub(crate) use call_policy;
