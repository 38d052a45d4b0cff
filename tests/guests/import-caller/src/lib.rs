//! A policy that calls every host import once, for the tests of the imports through the
//! sandbox. The config text handed to `load-config` is `<converse model> <invoke model>`; each
//! import's outcome comes back as one warning whose path names the import:
//!
//! | path | message |
//! |---|---|
//! | `log` | `emitted` (after one `emit` per level, message `import-caller <level>`, field `probe=1`) |
//! | `environment` | `aws-region=<value or -> profile=<value or ->` |
//! | `credentials.visible-sources` | the kinds, comma-separated (`-` when none) |
//! | `credentials.resolve` | `<kind> <source> key=<access key id or ->`, or `error <class>: <message>` |
//! | `runtime.converse` | `<text> stop=<reason> out=<output tokens>`, or the error |
//! | `runtime.converse-stream` | the text deltas joined, `stop=<reason>`, or the error |
//! | `runtime.invoke-model` | `<content type> <body>` (the first 500 bytes), or the error |
//! | `runtime.invoke-model-with-response-stream` | `chunks=<n> <the chunks joined>` (first 500 bytes), or the error |
//! | `control-plane.list-catalog` | `region=<r> models=<n> profiles=<n>`, or the error |
//!
//! The converse calls ask for `hello imports`; the invocation sends an Anthropic Messages body.
//! Settings are marked `import-caller`; probe and chat are not offered.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, ContentBlock, Diagnostic, DiscoverRequest, Discovery, Guest, ModelReference,
    NoChat, PolicyInfo, ProbeRequest, ProbeResult, Role, Settings, StreamEvent, chat_unsupported, control_plane, credentials,
    discover_unsupported, environment, finding, info, log, marked_settings, probe_unsupported, runtime,
};

/// How much of a body or chunk stream is reported.
const BODY_LIMIT: usize = 500;
const TIMEOUT_MS: u32 = 30_000;

struct ImportCaller;

impl Guest for ImportCaller {
    type ChatStream = NoChat;

    fn self_check() -> Result<PolicyInfo, String> {
        Ok(info("import-caller"))
    }

    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        let text = source.text.unwrap_or_default();
        let mut words = text.split_whitespace();
        let (converse_model, invoke_model) = match (words.next(), words.next()) {
            (Some(converse), Some(invoke)) => (converse.to_string(), invoke.to_string()),
            _ => return Ok(marked_settings("import-caller", vec![finding("error", format!("expected `<converse model> <invoke model>`, found {text:?}"))])),
        };
        Ok(marked_settings("import-caller", call_every_import(&converse_model, &invoke_model)))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("import-caller does not parse {text}"))
    }

    fn probe(_request: ProbeRequest) -> ProbeResult {
        probe_unsupported("import-caller")
    }

    fn chat(_request: ChatRequest) -> Result<ChatStream, ApiError> {
        Err(chat_unsupported("import-caller"))
    }

    fn discover(_request: DiscoverRequest) -> Result<Discovery, ApiError> {
        Ok(discover_unsupported("import-caller"))
    }
}

fn error_text(error: &ApiError) -> String {
    format!("error {:?}: {}", error.class, error.message)
}

fn outcome<T>(result: Result<T, ApiError>, describe: impl FnOnce(T) -> String) -> String {
    match result {
        Ok(value) => describe(value),
        Err(error) => error_text(&error),
    }
}

fn truncated(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(BODY_LIMIT)]).into_owned()
}

fn call_every_import(converse_model: &str, invoke_model: &str) -> Vec<Diagnostic> {
    let mut found = Vec::new();

    for level in [log::Level::Trace, log::Level::Debug, log::Level::Info, log::Level::Warn, log::Level::Error] {
        log::emit(level, &format!("import-caller {level:?}"), &[("probe".to_string(), "1".to_string())]);
    }
    found.push(finding("log", "emitted".into()));

    let env = environment::get_region_environment();
    let or_dash = |value: Option<String>| value.unwrap_or_else(|| "-".into());
    found.push(finding("environment", format!("aws-region={} profile={}", or_dash(env.aws_region.clone()), or_dash(env.profile))));
    let region = env.aws_region.filter(|r| !r.trim().is_empty()).unwrap_or_else(|| "us-east-1".into());

    let visible: Vec<String> = credentials::visible_sources().iter().map(|source| format!("{:?}", source.kind)).collect();
    found.push(finding("credentials.visible-sources", if visible.is_empty() { "-".into() } else { visible.join(",") }));
    found.push(finding(
        "credentials.resolve",
        outcome(credentials::resolve(), |d| format!("{:?} {} key={}", d.kind, d.source, d.access_key_id.unwrap_or_else(|| "-".into()))),
    ));

    let request = runtime::ConverseRequest {
        model_id: converse_model.to_string(),
        region: region.clone(),
        system: vec!["be brief".into()],
        messages: vec![runtime::Message { role: Role::User, content: vec![ContentBlock::Text("hello imports".into())] }],
        inference: runtime::InferenceConfig { max_tokens: Some(50), temperature: Some(0.5), top_p: None, stop_sequences: Vec::new() },
        tools: Vec::new(),
        timeout_ms: TIMEOUT_MS,
    };
    found.push(finding(
        "runtime.converse",
        outcome(runtime::converse(&request), |response| {
            let text: String = response.content.iter().filter_map(|block| if let ContentBlock::Text(t) = block { Some(t.as_str()) } else { None }).collect();
            format!("{text} stop={} out={}", response.stop_reason, response.usage.output_tokens)
        }),
    ));
    found.push(finding(
        "runtime.converse-stream",
        outcome(runtime::converse_stream(&request), |stream| {
            let (mut text, mut stop) = (String::new(), String::from("-"));
            loop {
                match stream.next() {
                    Ok(Some(StreamEvent::TextDelta(delta))) => text.push_str(&delta.text),
                    Ok(Some(StreamEvent::MessageStop(reason))) => stop = reason,
                    Ok(Some(_)) => {}
                    Ok(None) => break format!("{text} stop={stop}"),
                    Err(error) => break format!("{text} {}", error_text(&error)),
                }
            }
        }),
    ));

    let body = br#"{"anthropic_version":"bedrock-2023-05-31","max_tokens":50,"messages":[{"role":"user","content":"hello invoke"}]}"#;
    let invoke = runtime::InvokeRequest {
        model_id: invoke_model.to_string(),
        region: region.clone(),
        body: body.to_vec(),
        content_type: "application/json".into(),
        accept: "application/json".into(),
        timeout_ms: TIMEOUT_MS,
    };
    found.push(finding("runtime.invoke-model", outcome(runtime::invoke_model(&invoke), |r| format!("{} {}", r.content_type, truncated(&r.body)))));
    found.push(finding(
        "runtime.invoke-model-with-response-stream",
        outcome(runtime::invoke_model_with_response_stream(&invoke), |stream| {
            let (mut count, mut joined) = (0usize, Vec::new());
            loop {
                match stream.next() {
                    Ok(Some(chunk)) => {
                        count += 1;
                        joined.extend_from_slice(&chunk);
                    }
                    Ok(None) => break format!("chunks={count} {}", truncated(&joined)),
                    Err(error) => break format!("chunks={count} {}", error_text(&error)),
                }
            }
        }),
    ));

    let catalog = control_plane::list_catalog(&control_plane::CatalogRequest { region, max_age_seconds: 0, refresh: true });
    found.push(finding(
        "control-plane.list-catalog",
        outcome(catalog, |c| format!("region={} models={} profiles={}", c.region, c.models.len(), c.profiles.len())),
    ));
    found
}

guest_kit::export_policy!(ImportCaller);
