//! What a policy decides, in the domain types both sides of the contract share
//! (`openclaw-domain`, defined once): callers never touch generated bindings. Serialized
//! (snake_case fields and enum values) they form the JSON that `openclaw-bedrock config show --json`
//! prints and the conformance corpus compares against.

pub use openclaw_domain::{
    ChatRequest, ConfigOutcome, ConfigSource, Diagnostic, DiscoverRequest, Discovery, DiscoverySettings, ModelCost, ModelInfo, ModelKind, ModelReference,
    PolicyInfo, ProbeRequest, ProbeResult, ProbeStatus, ReferenceKind, RegionEnvironment, RegionSource, ResolvedRegion, SettingSource, Settings, Severity,
};
