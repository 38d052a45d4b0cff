//! Linking a 0.3.0 component part by part. A component exports `identity` and any of
//! `config`, `discovery`, `routing` and `chat` (the small worlds of `wit/world.wit`), so the
//! world-level `BedrockPolicyPre::new`, which needs every export, cannot bind a partial one:
//! each part's export indices are looked up on their own, only for the parts present.

use super::{
    generated_chat as chat, generated_config as config, generated_discovery as discovery, generated_identity as identity, generated_routing as routing,
};
use crate::instance_state::HostState;
use wasmtime::component::{Component, InstancePre};

/// A linked 0.3.0 component, ready to instantiate, with the export indices of the parts it
/// exports (`None` for a part it leaves to the default policy).
#[derive(Clone)]
pub(crate) struct PartsPre {
    instance_pre: InstancePre<HostState>,
    identity: identity::GuestIndices,
    config: Option<config::GuestIndices>,
    discovery: Option<discovery::GuestIndices>,
    routing: Option<routing::GuestIndices>,
    chat: Option<chat::GuestIndices>,
}

/// An instance's exports, one per part it exports.
pub(crate) struct Parts {
    pub(crate) identity: identity::Guest,
    pub(crate) config: Option<config::Guest>,
    pub(crate) discovery: Option<discovery::Guest>,
    pub(crate) routing: Option<routing::Guest>,
    pub(crate) chat: Option<chat::Guest>,
}

/// The export name of one of the contract's interfaces, e.g. `openclaw:bedrock/routing@0.3.0`.
fn export_name(interface: &str) -> String {
    format!("openclaw:bedrock/{interface}@{}", super::CONTRACT)
}

impl PartsPre {
    /// Binds the parts `component` exports; a part whose functions do not match the contract's
    /// is an error naming the export. `identity` is required.
    pub(crate) fn new(instance_pre: InstancePre<HostState>) -> wasmtime::Result<Self> {
        let exports = |interface: &str| instance_pre.component().get_export_index(None, export_name(interface)).is_some();
        let (has_config, has_discovery, has_routing, has_chat) = (exports("config"), exports("discovery"), exports("routing"), exports("chat"));
        Ok(Self {
            identity: identity::GuestIndices::new(&instance_pre)?,
            config: has_config.then(|| config::GuestIndices::new(&instance_pre)).transpose()?,
            discovery: has_discovery.then(|| discovery::GuestIndices::new(&instance_pre)).transpose()?,
            routing: has_routing.then(|| routing::GuestIndices::new(&instance_pre)).transpose()?,
            chat: has_chat.then(|| chat::GuestIndices::new(&instance_pre)).transpose()?,
            instance_pre,
        })
    }

    /// The compiled component.
    pub(crate) fn component(&self) -> &Component {
        self.instance_pre.component()
    }

    /// Which parts it exports: config, discovery, routing, chat.
    pub(crate) fn exported(&self) -> [bool; 4] {
        [self.config.is_some(), self.discovery.is_some(), self.routing.is_some(), self.chat.is_some()]
    }

    /// Instantiates it in `store` and loads the exports of its parts.
    pub(crate) async fn instantiate_async(&self, store: &mut wasmtime::Store<HostState>) -> wasmtime::Result<Parts> {
        let instance = self.instance_pre.instantiate_async(&mut *store).await?;
        Ok(Parts {
            identity: self.identity.load(&mut *store, &instance)?,
            config: self.config.as_ref().map(|indices| indices.load(&mut *store, &instance)).transpose()?,
            discovery: self.discovery.as_ref().map(|indices| indices.load(&mut *store, &instance)).transpose()?,
            routing: self.routing.as_ref().map(|indices| indices.load(&mut *store, &instance)).transpose()?,
            chat: self.chat.as_ref().map(|indices| indices.load(&mut *store, &instance)).transpose()?,
        })
    }
}
