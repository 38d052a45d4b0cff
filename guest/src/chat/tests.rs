use super::*;
use crate::config::ConfigSource;
use crate::control_plane::fake::FakeControlPlane;
use crate::runtime::fake::{Answer, FakeRuntime, error, text};
use crate::runtime::{Message, Role, Usage};
use std::time::Duration;

/// A case of `model_region_and_limits`: model, config, max tokens, then the target, region
/// and max tokens sent, or the class of the error.
type LimitCase<'a> = (Option<&'a str>, Option<&'a str>, Option<u32>, Result<(&'a str, &'a str, u32), ErrorClass>);
/// A case of `fallback_decisions`: name, model, answers, the texts delivered (or the texts
/// delivered and the error's message), the targets called, the target reported at the end.
type FallbackCase<'a> = (&'a str, &'a str, Vec<Answer>, Result<Vec<&'a str>, (Vec<&'a str>, &'a str)>, Vec<&'a str>, &'a str);

const US: &str = "us.anthropic.claude-sonnet-4-6-20251001-v1:0";
const GLOBAL: &str = "global.anthropic.claude-sonnet-4-6-20251001-v1:0";

/// A control plane without a catalog: every reference is sent as given.
fn no_catalog() -> FakeControlPlane {
    FakeControlPlane::failing(ErrorClass::Unknown, "no catalog in this test")
}

fn request(model: Option<&str>, config: Option<&str>) -> ChatRequest {
    ChatRequest {
        config: ConfigSource { origin: "openclaw.json".into(), text: config.map(str::to_string) },
        settings: None,
        model: model.map(str::to_string),
        system: vec!["be brief".into()],
        messages: vec![Message::user_text("hello")],
        max_tokens: None,
        temperature: Some(0.5),
        top_p: None,
        stop_sequences: Vec::new(),
        tools: Vec::new(),
        timeout: Duration::from_secs(30),
    }
}

/// Reads a stream to its end: the events, then the error that ended it, if any.
fn drain<R: Runtime>(chat: &mut ChatStream<R>) -> (Vec<StreamEvent>, Option<ApiError>) {
    let mut events = Vec::new();
    for _ in 0..100 {
        match chat.next_event() {
            Ok(Some(event)) => events.push(event),
            Ok(None) => return (events, None),
            Err(error) => return (events, Some(error)),
        }
    }
    panic!("the stream does not end");
}

fn ok(events: &[&str]) -> Answer {
    Ok(events.iter().map(|piece| Ok(text(piece))).collect())
}

fn failing(class: ErrorClass, message: &str) -> Answer {
    Ok(vec![Err(error(class, message))])
}

fn refused(class: ErrorClass, message: &str) -> Answer {
    Err(error(class, message))
}

#[test]
fn model_region_and_limits() {
    let config = "{ model: \"bedrock/mistral.mistral-large-2407-v1:0\", models: { bedrockDiscovery: { region: \"eu-west-1\", defaultMaxTokens: 1000 } } }";
    let arn = "arn:aws:bedrock:ap-south-1:123456789012:application-inference-profile/a1b2c3d4e5f6";
    let qualified = format!("amazon-bedrock/{arn}");
    let cases: Vec<LimitCase> = vec![
        (None, Some(config), None, Ok(("mistral.mistral-large-2407-v1:0", "eu-west-1", 8192))),
        (Some(US), Some(config), Some(64), Ok((US, "eu-west-1", 64))),
        (Some(qualified.as_str()), Some(config), None, Ok((arn, "ap-south-1", 1000))),
        (Some(US), None, None, Ok((US, "us-west-2", 64_000))),
        (Some("mistral.unknown-model-v1:0"), Some(config), None, Ok(("mistral.unknown-model-v1:0", "eu-west-1", 1000))),
        (Some("mistral.unknown-model-v1:0"), None, None, Ok(("mistral.unknown-model-v1:0", "us-west-2", 4096))),
        (None, None, None, Err(ErrorClass::Format)),
        (None, Some("{ gateway: {} }"), None, Err(ErrorClass::Format)),
        (Some("openai/gpt-5"), Some(config), None, Err(ErrorClass::Format)),
        (Some("not a model"), Some(config), None, Err(ErrorClass::Format)),
        (Some(US), Some("{ models: { bedrockDiscovery: { refreshInterval: \"often\" } } }"), None, Err(ErrorClass::Format)),
    ];
    let environment = RegionEnvironment { aws_region: Some("us-west-2".into()), ..RegionEnvironment::default() };
    for (model, config, max_tokens, expected) in cases {
        let runtime = FakeRuntime::new(vec![ok(&["hi"])]);
        let mut chat_request = request(model, config);
        chat_request.max_tokens = max_tokens;
        match (start_chat(chat_request, &environment, &runtime, &no_catalog()), expected) {
            (Ok(chat), Ok((target, region, tokens))) => {
                assert_eq!((chat.target(), chat.region()), (target, region), "{model:?}");
                let sent = &runtime.requests.borrow()[0];
                assert_eq!((sent.model_id.as_str(), sent.region.as_str(), sent.inference.max_tokens), (target, region, Some(tokens)), "{model:?}");
                assert_eq!(
                    (sent.system.clone(), sent.messages.clone(), sent.inference.temperature),
                    (vec!["be brief".to_string()], vec![Message::user_text("hello")], Some(0.5))
                );
            }
            (Err(error), Err(class)) => {
                assert_eq!(error.class, class, "{model:?} {config:?}");
                assert!(runtime.requests.borrow().is_empty(), "{model:?}");
            }
            (outcome, expected) => panic!("{model:?} {config:?}: {:?} instead of {expected:?}", outcome.map(|chat| chat.target().to_string())),
        }
    }
    let message = start_chat(request(None, None), &environment, &FakeRuntime::default(), &no_catalog()).err().map(|error| error.message);
    assert_eq!(message.as_deref(), Some(NO_MODEL));
    let message = start_chat(request(Some("not a model"), None), &environment, &FakeRuntime::default(), &no_catalog()).err().map(|error| error.message);
    assert!(message.is_some_and(|message| message.contains("accepted forms")));
}

#[test]
fn fallback_decisions() {
    let throttled = || failing(ErrorClass::RateLimit, "ThrottlingException");
    let cases: Vec<FallbackCase> = vec![
        ("plain success", US, vec![ok(&["a", "b"])], Ok(vec!["a", "b"]), vec![US], US),
        ("throttled first next", US, vec![throttled(), ok(&["g"])], Ok(vec!["g"]), vec![US, GLOBAL], GLOBAL),
        ("overloaded first next", US, vec![failing(ErrorClass::Overloaded, "ModelNotReady"), ok(&["g"])], Ok(vec!["g"]), vec![US, GLOBAL], GLOBAL),
        ("throttled call", US, vec![refused(ErrorClass::RateLimit, "429"), ok(&["g"])], Ok(vec!["g"]), vec![US, GLOBAL], GLOBAL),
        ("fallback unknown", US, vec![throttled(), refused(ErrorClass::NotFound, "no global")], Err((vec![], "ThrottlingException")), vec![US, GLOBAL], US),
        (
            "fallback invalid in stream",
            US,
            vec![throttled(), failing(ErrorClass::Format, "invalid")],
            Err((vec![], "ThrottlingException")),
            vec![US, GLOBAL],
            US,
        ),
        (
            "fallback throttled too",
            US,
            vec![throttled(), failing(ErrorClass::RateLimit, "global busy")],
            Err((vec![], "global busy")),
            vec![US, GLOBAL],
            GLOBAL,
        ),
        (
            "fallback denied",
            US,
            vec![refused(ErrorClass::Overloaded, "503"), refused(ErrorClass::Auth, "denied")],
            Err((vec![], "denied")),
            vec![US, GLOBAL],
            GLOBAL,
        ),
        ("after output", US, vec![Ok(vec![Ok(text("a")), Err(error(ErrorClass::RateLimit, "late"))])], Err((vec!["a"], "late")), vec![US], US),
        (
            "fallback fails after output",
            US,
            vec![throttled(), Ok(vec![Ok(text("g")), Err(error(ErrorClass::NotFound, "gone"))])],
            Err((vec!["g"], "gone")),
            vec![US, GLOBAL],
            GLOBAL,
        ),
        ("other class", US, vec![failing(ErrorClass::Auth, "denied")], Err((vec![], "denied")), vec![US], US),
        ("global throttled", GLOBAL, vec![throttled()], Err((vec![], "ThrottlingException")), vec![GLOBAL], GLOBAL),
        (
            "foundation model",
            "anthropic.claude-v2:1",
            vec![throttled()],
            Err((vec![], "ThrottlingException")),
            vec!["anthropic.claude-v2:1"],
            "anthropic.claude-v2:1",
        ),
    ];
    for (name, model, answers, expected, targets, final_target) in cases {
        let runtime = FakeRuntime::new(answers);
        let outcome = start_chat(request(Some(model), None), &RegionEnvironment::default(), &runtime, &no_catalog()).map(|mut chat| {
            let drained = drain(&mut chat);
            assert_eq!((chat.target(), chat.region()), (final_target, "us-east-1"), "{name}");
            drained
        });
        let texts = |events: &[StreamEvent]| -> Vec<String> {
            events.iter().filter_map(|event| if let StreamEvent::TextDelta { text, .. } = event { Some(text.clone()) } else { None }).collect()
        };
        match (outcome, expected) {
            (Ok((events, None)), Ok(expected)) => assert_eq!(texts(&events), expected, "{name}"),
            (Ok((events, Some(error))), Err((expected_events, message))) => {
                assert_eq!((texts(&events), error.message.as_str()), (expected_events.iter().map(|s| s.to_string()).collect(), message), "{name}");
            }
            (Err(error), Err((expected_events, message))) => {
                assert!(expected_events.is_empty(), "{name}");
                assert_eq!(error.message, message, "{name}");
            }
            (outcome, expected) => panic!("{name}: {outcome:?} instead of {expected:?}"),
        }
        assert_eq!(runtime.targets(), targets, "{name}");
        let logged_fallback = runtime.logs.borrow().iter().any(|(level, line)| *level == LogLevel::Warn && line.starts_with("falling back"));
        assert_eq!(logged_fallback, targets.len() > 1, "{name}");
    }
}

#[test]
fn non_text_events_count_as_delivered() {
    let start = Ok(StreamEvent::MessageStart(Role::Assistant));
    let runtime = FakeRuntime::new(vec![Ok(vec![start, Err(error(ErrorClass::RateLimit, "late"))]), ok(&["never"])]);
    let mut chat = start_chat(request(Some(US), None), &RegionEnvironment::default(), &runtime, &no_catalog()).expect("starts");
    assert_eq!(chat.next_event(), Ok(Some(StreamEvent::MessageStart(Role::Assistant))));
    assert_eq!(chat.next_event().map_err(|error| error.message), Err("late".to_string()));
    assert_eq!(chat.next_event(), Ok(None));
    assert_eq!(runtime.targets(), vec![US]);
}

#[test]
fn events_pass_through_unchanged() {
    let events = vec![
        StreamEvent::MessageStart(Role::Assistant),
        StreamEvent::ReasoningDelta { index: 0, text: "think".into() },
        StreamEvent::ToolUseStart { index: 1, id: "t1".into(), name: "lookup".into() },
        StreamEvent::ToolUseDelta { index: 1, text: "{}".into() },
        StreamEvent::BlockStop(1),
        StreamEvent::MessageStop("tool_use".into()),
        StreamEvent::Metadata { usage: Usage { input_tokens: 3, output_tokens: 4, total_tokens: 7, ..Usage::default() }, latency_ms: 9 },
    ];
    let runtime = FakeRuntime::new(vec![Ok(events.iter().cloned().map(Ok).collect())]);
    let mut chat = start_chat(request(Some(US), None), &RegionEnvironment::default(), &runtime, &no_catalog()).expect("starts");
    assert_eq!(drain(&mut chat), (events, None));
}

#[test]
fn a_profile_only_model_is_called_through_its_profile() {
    let mut sonnet = crate::control_plane::fake::model("anthropic.claude-sonnet-4-6-20251001-v1:0", "Claude Sonnet 4.6", "Anthropic");
    sonnet.inference_types_supported = vec!["INFERENCE_PROFILE".into()];
    let profile = crate::control_plane::fake::system_profile(US, "US Anthropic Claude Sonnet 4.6", &sonnet.model_id, &["us-east-1", "us-west-2"]);
    let catalog = crate::control_plane::Catalog { models: vec![sonnet.clone()], profiles: vec![profile], ..Default::default() };
    let plane = FakeControlPlane::serving(catalog);
    let runtime = FakeRuntime::new(vec![failing(ErrorClass::RateLimit, "ThrottlingException"), ok(&["g"])]);
    let mut chat = start_chat(request(Some(&sonnet.model_id), None), &RegionEnvironment::default(), &runtime, &plane).expect("starts");
    assert_eq!(drain(&mut chat), (vec![text("g")], None));
    assert_eq!(runtime.targets(), vec![US, GLOBAL]);
    assert_eq!(runtime.requests.borrow()[0].inference.max_tokens, Some(64_000));
    let unknown = start_chat(request(Some("anthropic.claude-sonnet-9"), None), &RegionEnvironment::default(), &runtime, &plane).err();
    assert_eq!(unknown.map(|error| error.class), Some(ErrorClass::NotFound));
    assert_eq!(runtime.requests.borrow().len(), 2);
}
