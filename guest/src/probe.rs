//! The probe behind `openclaw-bedrock models status --probe` (BEHAVIOUR.md section 7): one tiny
//! ConverseStream request to the default model, judged honestly.

pub use openclaw_domain::{ProbeRequest, ProbeResult, ProbeStatus};

use std::time::Instant;

use crate::control_plane::ControlPlane;
use crate::region::{RegionEnvironment, resolve_region};
use crate::resolve::resolve;
use crate::runtime::{ApiError, ConverseOptions, ConverseRequest, ErrorClass, InferenceConfig, LogLevel, Message, Runtime, StreamEvent};
use crate::target::settings_of;

/// The prompt the probe sends.
pub const PROBE_PROMPT: &str = "Reply with OK.";

/// Probes the default model of `request.config`.
///
/// An invalid config is reported as `format` with the config's first error (the region is then
/// the environment's); no default model is `no-model` without a call. The reference is resolved
/// ([`resolve`]: a profile-only model goes through its profile; an unknown bare id is
/// `not-found` without a call). Otherwise one ConverseStream request goes out and events are read until the first output (`ok`), a clean
/// message stop (`ok`), an error (its class decides), the end of the stream without either
/// (`unknown`), or the time limit (`timeout`).
pub fn probe(request: &ProbeRequest, environment: &RegionEnvironment, runtime: &dyn Runtime, control_plane: &dyn ControlPlane) -> ProbeResult {
    let settings = match settings_of(request.settings.clone(), &request.config, environment) {
        Ok(settings) => settings,
        Err(error) => return refused(ProbeStatus::Format, None, resolve_region(None, environment).name, error),
    };
    let (Some(model), Some(reference)) = (settings.default_model.clone(), settings.default_model_reference.as_ref()) else {
        let error = ApiError::policy(ErrorClass::NotFound, "no default model is configured (set `model` or `agents.defaults.model.primary`)");
        return refused(ProbeStatus::NoModel, None, settings.region.name, error);
    };
    let target = match resolve(reference, &settings, control_plane, runtime) {
        Ok(resolved) => resolved.target,
        Err(error) => return refused(ProbeStatus::of_class(error.class), Some(model), settings.region.name, error),
    };
    let call = ConverseRequest {
        model_id: target.model_id.clone(),
        region: target.region.clone(),
        system: Vec::new(),
        messages: vec![Message::user_text(PROBE_PROMPT)],
        inference: InferenceConfig { max_tokens: Some(request.max_tokens), ..InferenceConfig::default() },
        tools: Vec::new(),
        timeout: request.timeout,
        options: ConverseOptions::default(),
    };
    let started = Instant::now();
    let outcome = judge(runtime, &call, started);
    let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let status = outcome.as_ref().err().map_or(ProbeStatus::Ok, |error| ProbeStatus::of_class(error.class));
    let status_text = format!("{status:?}");
    let latency_text = latency_ms.to_string();
    runtime.log(
        LogLevel::Info,
        "probe finished",
        &[("target", &target.model_id), ("region", &target.region), ("status", &status_text), ("latency_ms", &latency_text)],
    );
    ProbeResult { status, model: Some(model), target: Some(target.model_id), region: target.region, latency_ms, error: outcome.err() }
}

/// A probe that ended before any call.
fn refused(status: ProbeStatus, model: Option<String>, region: String, error: ApiError) -> ProbeResult {
    ProbeResult { status, model, target: None, region, latency_ms: 0, error: Some(error) }
}

/// Sends the call and reads until the outcome is known.
fn judge(runtime: &dyn Runtime, call: &ConverseRequest, started: Instant) -> Result<(), ApiError> {
    let mut stream = runtime.converse_stream(call)?;
    loop {
        match stream.next()? {
            Some(event) if event.is_output() => return Ok(()),
            Some(StreamEvent::MessageStop(_)) => return Ok(()),
            Some(_) if started.elapsed() > call.timeout => {
                return Err(ApiError::policy(ErrorClass::Timeout, format!("no output within {} ms", call.timeout.as_millis())));
            }
            Some(_) => {}
            None => return Err(ApiError::policy(ErrorClass::Unknown, "the stream ended without output and without a message stop")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ConfigSource;
    use crate::control_plane::fake::FakeControlPlane;
    use crate::runtime::fake::{Answer, FakeRuntime, error, text};
    use crate::runtime::{Role, Usage};
    use std::time::Duration;

    const MODEL: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";

    /// A control plane without a catalog: every reference is sent as given.
    fn no_catalog() -> FakeControlPlane {
        FakeControlPlane::failing(ErrorClass::Unknown, "no catalog in this test")
    }

    fn request(config: Option<&str>) -> ProbeRequest {
        ProbeRequest {
            config: ConfigSource { origin: "openclaw.json".into(), text: config.map(str::to_string) },
            settings: None,
            max_tokens: 8,
            timeout: Duration::from_secs(8),
        }
    }

    fn with_model(model: &str) -> String {
        format!("{{ model: \"{model}\", models: {{ bedrockDiscovery: {{ region: \"eu-west-1\" }} }} }}")
    }

    #[test]
    fn outcomes() {
        use ProbeStatus::{Auth, Format, NotFound, Overloaded, RateLimit, Timeout, Unknown};
        let start = Ok(StreamEvent::MessageStart(Role::Assistant));
        let stop = Ok(StreamEvent::MessageStop("end_turn".into()));
        let metadata = Ok(StreamEvent::Metadata { usage: Usage::default(), latency_ms: 3 });
        let cases: Vec<(&str, Answer, ProbeStatus)> = vec![
            ("text", Ok(vec![start.clone(), Ok(text("OK"))]), ProbeStatus::Ok),
            ("reasoning", Ok(vec![start.clone(), Ok(StreamEvent::ReasoningDelta { index: 0, text: "hm".into() })]), ProbeStatus::Ok),
            ("clean stop", Ok(vec![start.clone(), stop.clone(), metadata.clone()]), ProbeStatus::Ok),
            ("no stop", Ok(vec![start.clone(), metadata]), Unknown),
            ("empty", Ok(vec![]), Unknown),
            ("auth", Err(error(ErrorClass::Auth, "denied")), Auth),
            ("throttled", Err(error(ErrorClass::RateLimit, "slow down")), RateLimit),
            ("unavailable", Err(error(ErrorClass::Overloaded, "503")), Overloaded),
            ("timeout", Err(error(ErrorClass::Timeout, "hang")), Timeout),
            ("validation", Err(error(ErrorClass::Format, "on-demand throughput isn't supported")), Format),
            ("too long", Err(error(ErrorClass::ContextOverflow, "too long")), Format),
            ("unknown model", Err(error(ErrorClass::NotFound, "no such model")), NotFound),
            ("model error", Err(error(ErrorClass::ModelError, "boom")), Unknown),
            ("network", Err(error(ErrorClass::Network, "reset")), Unknown),
            ("unknown", Err(error(ErrorClass::Unknown, "?")), Unknown),
            ("mid-stream", Ok(vec![start.clone(), Err(error(ErrorClass::ModelError, "ModelStreamErrorException"))]), Unknown),
            ("mid-stream throttle", Ok(vec![start, Err(error(ErrorClass::RateLimit, "ThrottlingException"))]), RateLimit),
        ];
        for (name, answer, status) in cases {
            let expected_error = match &answer {
                Err(error) => Some(error.clone()),
                Ok(events) => events.iter().find_map(|event| event.clone().err()),
            };
            let runtime = FakeRuntime::new(vec![answer]);
            let result = probe(&request(Some(&with_model(MODEL))), &RegionEnvironment::default(), &runtime, &no_catalog());
            assert_eq!(result.status, status, "{name}");
            assert_eq!((result.model.as_deref(), result.target.as_deref(), result.region.as_str()), (Some(MODEL), Some(MODEL), "eu-west-1"), "{name}");
            if expected_error.is_some() {
                assert_eq!(result.error, expected_error, "{name}");
            }
            assert_eq!(result.error.is_none(), status == ProbeStatus::Ok, "{name}");
            let sent = runtime.requests.borrow();
            assert_eq!(sent.len(), 1, "{name}");
            assert_eq!(
                (sent[0].inference.max_tokens, sent[0].timeout, sent[0].messages.clone()),
                (Some(8), Duration::from_secs(8), vec![Message::user_text(PROBE_PROMPT)])
            );
        }
    }

    /// Config text, then the status, model, target and region reported and the calls made.
    type ConfigCase<'a> = (Option<String>, ProbeStatus, Option<&'a str>, Option<&'a str>, &'a str, usize);

    #[test]
    fn references_and_configs() {
        let arn = "arn:aws:bedrock:ap-south-1:123456789012:inference-profile/apac.meta.llama3-3-70b-instruct-v1:0";
        let qualified_arn = format!("bedrock/{arn}");
        let cases: Vec<ConfigCase> = vec![
            (Some(with_model(&qualified_arn)), ProbeStatus::Ok, Some(&qualified_arn), Some(arn), "ap-south-1", 1),
            (
                Some(with_model("amazon-bedrock/mistral.mistral-large-2407-v1:0")),
                ProbeStatus::Ok,
                Some("amazon-bedrock/mistral.mistral-large-2407-v1:0"),
                Some("mistral.mistral-large-2407-v1:0"),
                "eu-west-1",
                1,
            ),
            (None, ProbeStatus::NoModel, None, None, "us-west-2", 0),
            (Some("{ gateway: { port: 1 } }".into()), ProbeStatus::NoModel, None, None, "us-west-2", 0),
            (Some("{ model: \"openai/gpt-5\" }".into()), ProbeStatus::Format, None, None, "us-west-2", 0),
            (Some("{ model: ".into()), ProbeStatus::Format, None, None, "us-west-2", 0),
        ];
        let environment = RegionEnvironment { aws_region: Some("us-west-2".into()), ..RegionEnvironment::default() };
        for (config, status, model, target, region, calls) in cases {
            let runtime = FakeRuntime::new(vec![Result::Ok(vec![Result::Ok(text("OK"))])]);
            let result = probe(&request(config.as_deref()), &environment, &runtime, &no_catalog());
            assert_eq!(
                (result.status, result.model.as_deref(), result.target.as_deref(), result.region.as_str()),
                (status, model, target, region),
                "{config:?}"
            );
            assert_eq!(runtime.requests.borrow().len(), calls, "{config:?}");
            assert_eq!(result.error.is_some(), status != ProbeStatus::Ok, "{config:?}");
            if calls == 1 {
                assert_eq!(runtime.requests.borrow()[0].region, region);
            }
        }
    }

    #[test]
    fn an_unknown_model_is_not_found_without_a_call() {
        let catalog = crate::control_plane::Catalog {
            models: vec![crate::control_plane::fake::model("mistral.mistral-large-2407-v1:0", "Mistral Large", "Mistral AI")],
            ..Default::default()
        };
        let runtime = FakeRuntime::default();
        let result =
            probe(&request(Some(&with_model("mistral.mistral-larg-2407-v1:0"))), &RegionEnvironment::default(), &runtime, &FakeControlPlane::serving(catalog));
        assert_eq!((result.status, result.target.as_deref(), result.region.as_str()), (ProbeStatus::NotFound, None, "eu-west-1"));
        assert!(result.error.is_some_and(|error| error.message.contains("closest: `mistral.mistral-large-2407-v1:0`")));
        assert!(runtime.requests.borrow().is_empty());
    }
}
