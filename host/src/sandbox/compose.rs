//! The calls the rest of the host makes on a policy, composed from its parts.
//!
//! A component of contract 0.1.0 or 0.2.0 answers every call itself, from the config text. A
//! 0.3.0 component exports some parts; the host asks the default policy (the embedded
//! component, one instance started beside the component's at its first such call) for the
//! others, per call. The order is the contract's (`wit/world.wit`): the config part's
//! `load-config` reads the file into settings (an invalid file is the call's `format` error,
//! [`invalid_config`]), the discovery part's `discover` lists the models from them, and the
//! routing part's `plan` routes from both; `resolve`, `discover`, `probe` and `chat` are
//! handed the settings too.
//!
//! Settings are remembered per loaded policy, for the last config file and region environment
//! it read ([`SettingsMemo`]): the WIT promises a config part is called when the file changes,
//! and a request that misses the plan (a fresh instance each time) must not read the file again.

use super::error::PolicyError;
use super::instance::{ChatStream, PolicyInstance};
use super::parts::Part;
use crate::aws::model::ApiError;
use crate::types::{
    ChatRequest, ConfigOutcome, ConfigSource, DiscoverRequest, Discovery, ModelReference, ProbeRequest, ProbeResult, ProbeStatus, RegionEnvironment, Settings,
};
use openclaw_domain::{PlanRequest, Resolution, ResolveRequest, RoutingPlan, invalid_config};
use std::borrow::Cow;
use std::sync::{Arc, Mutex};

impl PolicyInstance {
    /// The instance that answers for `part`: this one when its component exports it, else the
    /// default policy's (started now if it is not yet).
    async fn part(&mut self, part: Part) -> Result<&mut PolicyInstance, PolicyError> {
        if self.exports(part) {
            return Ok(self);
        }
        if self.default.is_none() {
            let default = self.policy().and_then(|policy| policy.default.clone()).ok_or(PolicyError::MissingPart { part, call: part.as_str() })?;
            let pre = default.pre.clone();
            let instance = PolicyInstance::start(&self.engine, &pre, &self.limits, self.capabilities.clone(), Ok(default)).await?;
            self.default = Some(Box::new(instance));
        }
        self.default.as_deref_mut().ok_or(PolicyError::MissingPart { part, call: part.as_str() })
    }

    /// The settings to hand a 0.3.0 part: read by the config part (or remembered), `Ok(None)`
    /// for older versions, which read the text themselves; an invalid file is the call's error.
    async fn settings(&mut self, config: &ConfigSource) -> Result<Result<Option<Settings>, ApiError>, PolicyError> {
        if !self.contract().hands_settings() {
            return Ok(Ok(None));
        }
        let environment = Arc::clone(&self.capabilities.environment);
        let remembered = self.policy().and_then(|policy| policy.settings.get(config, &environment));
        let outcome = match remembered {
            Some(outcome) => outcome,
            None => {
                let outcome = self.load_config(config).await?;
                if let Some(policy) = self.policy() {
                    policy.settings.keep(config, &environment, &outcome);
                }
                outcome
            }
        };
        Ok(outcome.map(Some).map_err(|diagnostics| invalid_config(&config.origin, &diagnostics)))
    }

    /// Parses and validates a config file (the config part).
    pub async fn load_config(&mut self, source: &ConfigSource) -> Result<ConfigOutcome, PolicyError> {
        self.part(Part::Config).await?.own_load_config(source).await
    }

    /// Parses one model reference (the config part).
    pub async fn parse_model_reference(&mut self, text: &str) -> Result<Result<ModelReference, String>, PolicyError> {
        self.part(Part::Config).await?.own_parse_model_reference(text).await
    }

    /// Decides whether discovery runs and lists the models (the discovery part).
    pub async fn discover(&mut self, config: &ConfigSource, refresh: bool) -> Result<Result<Discovery, ApiError>, PolicyError> {
        let settings = match self.settings(config).await? {
            Ok(settings) => settings,
            Err(error) => return Ok(Err(error)),
        };
        let request = DiscoverRequest { config: config.clone(), settings, refresh };
        self.part(Part::Discovery).await?.own_discover(&request).await
    }

    /// Computes the routing plan (contract 0.2.0 on): from 0.3.0, the settings and the
    /// discovery part's models first, then the routing part's plan from both. A discovery
    /// that fails fails the plan with its error (the previous plan keeps serving).
    pub async fn plan(&mut self, config: &ConfigSource, refresh: bool) -> Result<Result<RoutingPlan, ApiError>, PolicyError> {
        let settings = match self.settings(config).await? {
            Ok(settings) => settings,
            Err(error) => return Ok(Err(error)),
        };
        let discovery = match &settings {
            Some(settings) => {
                let request = DiscoverRequest { config: config.clone(), settings: Some(settings.clone()), refresh };
                match self.part(Part::Discovery).await?.own_discover(&request).await? {
                    Ok(discovery) => Some(discovery),
                    Err(error) => return Ok(Err(error)),
                }
            }
            None => None,
        };
        // The catalog was fetched for discovery already when it was asked to refresh.
        let refresh = refresh && discovery.is_none();
        let request = PlanRequest { config: config.clone(), settings, discovery, refresh };
        self.part(Part::Routing).await?.own_plan(&request).await
    }

    /// Resolves one reference the plan does not cover (the routing part, contract 0.2.0 on).
    pub async fn resolve(&mut self, config: &ConfigSource, model: Option<&str>) -> Result<Result<Resolution, ApiError>, PolicyError> {
        let settings = match self.settings(config).await? {
            Ok(settings) => settings,
            Err(error) => return Ok(Err(error)),
        };
        let request = ResolveRequest { config: config.clone(), settings, model: model.map(str::to_string) };
        self.part(Part::Routing).await?.own_resolve(&request).await
    }

    /// Sends one tiny request to the default model and judges the outcome (the chat part).
    /// An invalid config is `format` with the config's error, as the default policy reports it.
    pub async fn probe(&mut self, request: &ProbeRequest) -> Result<ProbeResult, PolicyError> {
        let settings = match self.settings(&request.config).await? {
            Ok(settings) => settings,
            Err(error) => {
                let region = openclaw_domain::resolve_region(None, &self.capabilities.environment).name;
                return Ok(ProbeResult { status: ProbeStatus::Format, model: None, target: None, region, latency_ms: 0, error: Some(error) });
            }
        };
        let request = with_settings(request, settings, |request, settings| ProbeRequest { settings: Some(settings), ..request.clone() });
        self.part(Part::Chat).await?.own_probe(&request).await
    }

    /// Starts a streamed chat (the chat part); the stream keeps the instance that serves it
    /// for its whole life.
    pub async fn chat(mut self, request: &ChatRequest) -> Result<Result<ChatStream, ApiError>, PolicyError> {
        let settings = match self.settings(&request.config).await? {
            Ok(settings) => settings,
            Err(error) => return Ok(Err(error)),
        };
        let request = with_settings(request, settings, |request, settings| ChatRequest { settings: Some(settings), ..request.clone() });
        let policy = self.policy().cloned();
        if self.exports(Part::Chat) {
            return self.own_chat(&request, policy).await;
        }
        self.part(Part::Chat).await?;
        match self.default.take() {
            Some(default) => default.own_chat(&request, policy).await,
            None => Err(PolicyError::MissingPart { part: Part::Chat, call: "chat" }),
        }
    }
}

/// `request` as it is (older versions: no settings to hand), or a copy with `settings`.
fn with_settings<'a, T: Clone>(request: &'a T, settings: Option<Settings>, fill: impl FnOnce(&T, Settings) -> T) -> Cow<'a, T> {
    match settings {
        Some(settings) => Cow::Owned(fill(request, settings)),
        None => Cow::Borrowed(request),
    }
}

/// The settings a policy's config part made of the last config file and region environment
/// it read (one entry: a host serves one config at a time; its size is the file's, which the
/// host bounds when it reads it).
#[derive(Default)]
pub(crate) struct SettingsMemo(Mutex<Option<Remembered>>);

struct Remembered {
    config: ConfigSource,
    environment: RegionEnvironment,
    outcome: ConfigOutcome,
}

impl SettingsMemo {
    fn get(&self, config: &ConfigSource, environment: &RegionEnvironment) -> Option<ConfigOutcome> {
        let remembered = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        remembered.as_ref().filter(|kept| kept.config == *config && kept.environment == *environment).map(|kept| kept.outcome.clone())
    }

    fn keep(&self, config: &ConfigSource, environment: &RegionEnvironment, outcome: &ConfigOutcome) {
        let mut remembered = self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        *remembered = Some(Remembered { config: config.clone(), environment: environment.clone(), outcome: outcome.clone() });
    }
}

#[cfg(test)]
mod tests {
    use super::SettingsMemo;
    use crate::types::{ConfigOutcome, ConfigSource, RegionEnvironment};

    #[test]
    fn settings_are_remembered_for_the_last_file_and_environment_only() {
        let file = |text: &str| ConfigSource { origin: "openclaw.json".into(), text: Some(text.into()) };
        let region = |name: &str| RegionEnvironment { aws_region: Some(name.into()), ..RegionEnvironment::default() };
        let invalid: ConfigOutcome = Err(Vec::new());
        let memo = SettingsMemo::default();
        assert_eq!(memo.get(&file("a"), &region("us-east-1")), None, "nothing read yet");
        memo.keep(&file("a"), &region("us-east-1"), &invalid);
        // (file, environment, remembered)
        let cases = [("a", "us-east-1", true), ("b", "us-east-1", false), ("a", "eu-west-1", false)];
        for (text, name, remembered) in cases {
            assert_eq!(memo.get(&file(text), &region(name)).is_some(), remembered, "{text} {name}");
        }
        memo.keep(&file("b"), &region("us-east-1"), &invalid);
        assert_eq!(memo.get(&file("a"), &region("us-east-1")), None, "one file at a time");
        assert_eq!(memo.get(&file("b"), &region("us-east-1")), Some(invalid));
    }
}
