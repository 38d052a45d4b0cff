//! Virtual keys at the gateway (issue 26, docs/keys.md), one process on the embedded store:
//! who gets in (and in which API's words), revocation at the next request, and the limits
//! exact under concurrent load: a 60-per-minute key gets exactly 60 of 200 concurrent
//! requests, a concurrency-5 key exactly 5 of 20 held requests, a budget of 7 worst cases
//! exactly 7 of 50 held requests, and its spend equals their real cost to the pico-dollar.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{MODEL, Response, Setup, TestGateway, send};
use openclaw_host::gateway::ClientKey;
use openclaw_host::keys::admin::{self, KeySpec};
use openclaw_host::keys::journal::Journal;
use openclaw_host::keys::prices::{Prices, usd};
use openclaw_host::keys::time::Period;
use openclaw_host::keys::{KeysOptions, time};
use openclaw_host::telemetry::access_log::{AccessLog, Sink};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::sync::Arc;

const MASTER: &str = "the-operators-master-key";

/// A gateway keeping keys in a directory of its own, with the master key.
async fn gateway(dir: &Path) -> TestGateway {
    gateway_logging(dir, AccessLog::off()).await
}

/// [`gateway`] writing its access log to `access_log`.
async fn gateway_logging(dir: &Path, access_log: AccessLog) -> TestGateway {
    let keys = KeysOptions { dir: dir.to_path_buf(), prices: Arc::new(Prices::bundled()) };
    TestGateway::start_with(Setup {
        options: Box::new(move |options| {
            options.keys = Some(keys);
            options.client_key = ClientKey::new(MASTER);
            options.access_log = access_log;
        }),
        ..Setup::default()
    })
    .await
}

/// Creates a key as `keys create` does (a journal of its own, as the CLI's process has).
fn create(dir: &Path, spec: KeySpec) -> (String, String) {
    let issued = admin::create(&mut Journal::open(dir).expect("journal"), KeySpec { name: Some("team".into()), ..spec }).expect("create");
    (issued.key.id, issued.token)
}

fn bearer(token: &str) -> String {
    format!("Bearer {token}")
}

async fn chat_as(gateway: &TestGateway, token: &str, body: &[u8]) -> Response {
    let authorization = bearer(token);
    send(gateway.addr, "POST", "/v1/chat/completions", &[("authorization", &authorization), ("content-type", "application/json")], body.to_vec()).await
}

async fn messages_as(gateway: &TestGateway, token: &str, model: &str) -> Response {
    let body = json!({ "model": model, "max_tokens": 50, "messages": [{ "role": "user", "content": "hi" }] });
    send(gateway.addr, "POST", "/v1/messages", &[("x-api-key", token), ("content-type", "application/json")], body.to_string().into_bytes()).await
}

fn chat_body(max_tokens: u32, stream: bool) -> Vec<u8> {
    json!({ "model": MODEL, "max_tokens": max_tokens, "stream": stream, "messages": [{ "role": "user", "content": "hello" }] }).to_string().into_bytes()
}

/// How many of `responses` had each status, sorted by status.
fn statuses(responses: &[Response]) -> Vec<(u16, usize)> {
    let mut counts = std::collections::BTreeMap::new();
    for response in responses {
        *counts.entry(response.status).or_insert(0) += 1;
    }
    counts.into_iter().collect()
}

/// A gateway's address, for tasks that outlive a borrow of it.
struct Addressed(std::net::SocketAddr);

impl Addressed {
    /// `count` copies of one chat request at once.
    async fn concurrently(&self, token: &str, body: Vec<u8>, count: usize) -> Vec<Response> {
        let (addr, authorization) = (self.0, bearer(token));
        let tasks: Vec<_> = (0..count)
            .map(|_| {
                let (authorization, body) = (authorization.clone(), body.clone());
                tokio::spawn(async move {
                    send(addr, "POST", "/v1/chat/completions", &[("authorization", &authorization), ("content-type", "application/json")], body).await
                })
            })
            .collect();
        let mut responses = Vec::new();
        for task in tasks {
            responses.push(task.await.expect("request task"));
        }
        responses
    }
}

async fn concurrently(gateway: &TestGateway, token: &str, body: Vec<u8>, count: usize) -> Vec<Response> {
    Addressed(gateway.addr).concurrently(token, body, count).await
}

fn dir() -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().expect("dir");
    let keys = temp.path().join("keys");
    (temp, keys)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn who_gets_in_and_in_which_apis_words() {
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (id, token) = create(&dir, KeySpec { models: Some(Some(vec![MODEL.into(), "claude-haiku-4-5".into()])), ..KeySpec::default() });
    let (revoked_id, revoked) = create(&dir, KeySpec::default());
    admin::revoke(&mut Journal::open(&dir).expect("journal"), &revoked_id).expect("revoke");
    let wrong_secret = format!("{}{}", &token[..token.len() - 4], "0000");
    let unknown_id = format!("ocb_{}{}", "0".repeat(12), &token[16..]);
    let body = chat_body(50, false);
    // (token, status, OpenAI error code)
    let cases: [(&str, u16, Option<&str>); 6] = [
        (&token, 200, None),
        (MASTER, 200, None),
        (&wrong_secret, 401, Some("invalid_api_key")),
        (&unknown_id, 401, Some("invalid_api_key")),
        (&revoked, 401, Some("invalid_api_key")),
        ("ocb_malformed", 401, Some("invalid_api_key")),
    ];
    for (presented, status, code) in cases {
        let response = chat_as(&gateway, presented, &body).await;
        assert_eq!(response.status, status, "{presented}: {}", response.body);
        assert_eq!(response.json()["error"]["code"].as_str(), code, "{presented}");
    }
    assert_eq!(send(gateway.addr, "POST", "/v1/chat/completions", &[], body.clone()).await.status, 401, "no key at all");
    // Anthropic's path: its own error shape, and 403 for a model the key may not use.
    let cases = [
        (&token, "claude-haiku-4-5", 200, None),
        (&token, "claude-sonnet-4-5", 403, Some("permission_error")),
        (&wrong_secret, "claude-haiku-4-5", 401, Some("authentication_error")),
    ];
    for (presented, model, status, kind) in cases {
        let response = messages_as(&gateway, presented, model).await;
        assert_eq!(response.status, status, "{model}: {}", response.body);
        assert_eq!(response.json()["error"]["type"].as_str(), kind, "{model}");
    }
    // A key may not reach the admin API; the master key may.
    let listed = send(gateway.addr, "GET", "/admin/keys", &[("authorization", &bearer(&token))], Vec::new()).await;
    assert_eq!(listed.status, 401);
    let listed = send(gateway.addr, "GET", "/admin/keys", &[("authorization", &bearer(MASTER))], Vec::new()).await;
    let listing = listed.json();
    let ids: Vec<&str> = listing["keys"].as_array().expect("keys").iter().filter_map(|k| k["id"].as_str()).collect();
    assert!(ids.contains(&id.as_str()) && ids.contains(&revoked_id.as_str()), "{}", listed.body);
    // The token never shows in a listing.
    assert!(!listed.body.contains(&token[16..]), "{}", listed.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revocation_or_rotation_counts_from_the_next_request() {
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (id, token) = create(&dir, KeySpec::default());
    let body = chat_body(20, false);
    assert_eq!(chat_as(&gateway, &token, &body).await.status, 200);
    // Rotation with a grace period: both secrets work; without one, only the new.
    let rotated = admin::rotate(&mut Journal::open(&dir).expect("journal"), &id, Some("1h")).expect("rotate").token;
    assert_eq!((chat_as(&gateway, &token, &body).await.status, chat_as(&gateway, &rotated, &body).await.status), (200, 200));
    let again = admin::rotate(&mut Journal::open(&dir).expect("journal"), &id, None).expect("rotate").token;
    assert_eq!((chat_as(&gateway, &rotated, &body).await.status, chat_as(&gateway, &again, &body).await.status), (401, 200));
    // Revoked through the admin API: the very next request is refused.
    let revoked = send(gateway.addr, "POST", &format!("/admin/keys/{id}/revoke"), &[("authorization", &bearer(MASTER))], Vec::new()).await;
    assert_eq!((revoked.status, revoked.json()["state"].as_str()), (200, Some("revoked")), "{}", revoked.body);
    assert_eq!(chat_as(&gateway, &again, &body).await.status, 401);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_60_per_minute_key_gets_exactly_60_of_200_concurrent_requests() {
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (_, token) = create(&dir, KeySpec { rpm: Some(Some(60)), ..KeySpec::default() });
    let responses = concurrently(&gateway, &token, chat_body(20, false), 200).await;
    assert_eq!(statuses(&responses), [(200, 60), (429, 140)]);
    let refused = responses.iter().find(|r| r.status == 429).expect("a refusal");
    assert_eq!(refused.json()["error"]["code"], "rate_limit_exceeded");
    let retry_after: u64 = refused.header("retry-after").and_then(|v| v.parse().ok()).expect("retry-after");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    assert_eq!(refused.header("x-ratelimit-limit-requests"), Some("60"));
    assert_eq!(refused.header("x-ratelimit-remaining-requests"), Some("0"));
    let admitted = responses.iter().find(|r| r.status == 200).expect("an answer");
    assert_eq!(admitted.header("x-ratelimit-limit-requests"), Some("60"));
    // The Anthropic path names the same window its own way.
    let refused = messages_as(&gateway, &token, MODEL).await;
    assert_eq!((refused.status, refused.header("anthropic-ratelimit-requests-limit")), (429, Some("60")));
    assert_eq!(refused.json()["error"]["type"], "rate_limit_error");
}

/// `count` copies of one request at once against an emulator that holds every request it
/// gets until `admitted` have arrived (and a moment more, for the others to be refused), then
/// lets them answer.
async fn held_load(gateway: &TestGateway, token: &str, body: Vec<u8>, count: usize, admitted: usize) -> Vec<Response> {
    let faults = gateway.emulator.faults().clone();
    faults.push(FaultRule::new(Fault::Hold).times(u32::try_from(count).expect("count")));
    let load = tokio::spawn({
        let (addr, token) = (gateway.addr, token.to_string());
        async move {
            let gateway = Addressed(addr);
            gateway.concurrently(&token, body, count).await
        }
    });
    faults.wait_held(admitted).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(faults.held(), admitted, "no more than {admitted} reached Bedrock");
    faults.release_held();
    let responses = load.await.expect("load");
    faults.clear();
    responses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_concurrency_5_key_holds_exactly_5_streams_and_gets_its_leases_back() {
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (_, token) = create(&dir, KeySpec { concurrency: Some(Some(5)), ..KeySpec::default() });
    let responses = held_load(&gateway, &token, chat_body(20, true), 20, 5).await;
    assert_eq!(statuses(&responses), [(200, 5), (429, 15)]);
    assert!(responses.iter().filter(|r| r.status == 200).all(|r| r.complete && r.body.contains("[DONE]")));
    // Every lease came back when its stream ended.
    let after = concurrently(&gateway, &token, chat_body(20, true), 5).await;
    assert_eq!(statuses(&after), [(200, 5)]);
}

/// The worst case of a request body for the bundled price of `MODEL` (every prompt byte a
/// token at the dearest prompt price, every allowed output token).
fn worst_case(body: &[u8], max_tokens: u64) -> u64 {
    let price = Prices::bundled().of(MODEL).expect("priced");
    price.worst_case(body.len() as u64, max_tokens)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_of_7_worst_cases_admits_exactly_7_of_50_and_spends_their_real_cost() {
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    // A body whose worst case is a whole number of micro-dollars, so the budget is exact.
    let body = (0..5)
        .map(|pad| json!({ "model": MODEL, "max_tokens": 100, "messages": [{ "role": "user", "content": format!("hello{}", " ".repeat(pad)) }] }))
        .map(|body| body.to_string().into_bytes())
        .find(|body| worst_case(body, 100).is_multiple_of(1_000_000))
        .expect("a body of whole micro-dollars");
    let budget = 7 * worst_case(&body, 100);
    let (id, token) = create(&dir, KeySpec { budget_usd: Some(Some(usd(budget))), budget_period: Some(Period::Day), ..KeySpec::default() });
    let responses = held_load(&gateway, &token, body, 50, 7).await;
    assert_eq!(statuses(&responses), [(200, 7), (429, 43)]);
    let refused = responses.iter().find(|r| r.status == 429).expect("refused");
    assert_eq!((refused.json()["error"]["type"].as_str(), refused.json()["error"]["code"].as_str()), (Some("insufficient_quota"), Some("insufficient_quota")));
    // Spent: the real cost of the seven answers, to the pico-dollar.
    let price = Prices::bundled().of(MODEL).expect("priced");
    let real: u64 = responses
        .iter()
        .filter(|r| r.status == 200)
        .map(|r| {
            let usage: &Value = &r.json()["usage"];
            let (input, output) = (usage["prompt_tokens"].as_u64().expect("prompt"), usage["completion_tokens"].as_u64().expect("completion"));
            input * price.input + output * price.output
        })
        .sum();
    let journal = Journal::open(&dir).expect("journal");
    assert_eq!(journal.ledger.period_spend(&id, Period::Day, time::now()), real);
    assert!(real < budget);
    // Anthropic's words for an exhausted budget: 402 billing_error.
    let big = messages_as(&gateway, &token, MODEL).await;
    assert_eq!(big.status, 200, "{}", big.body);
    admin::set(&mut Journal::open(&dir).expect("journal"), &id, KeySpec { budget_usd: Some(Some("0.000001".into())), ..KeySpec::default() }).expect("set");
    let poor = messages_as(&gateway, &token, MODEL).await;
    assert_eq!((poor.status, poor.json()["error"]["type"].as_str()), (402, Some("billing_error")), "{}", poor.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_cannot_reserve_past_its_keys_tokens_per_minute_and_unpriced_models_are_refused_by_name() {
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (_, token) = create(&dir, KeySpec { tpm: Some(Some(5_000)), ..KeySpec::default() });
    let cases = [(100, 200), (1_000_000, 429)];
    for (max_tokens, status) in cases {
        let response = chat_as(&gateway, &token, &chat_body(max_tokens, false)).await;
        assert_eq!(response.status, status, "{max_tokens}: {}", response.body);
    }
    let answered = chat_as(&gateway, &token, &chat_body(100, false)).await;
    assert_eq!(answered.header("x-ratelimit-limit-tokens"), Some("5000"));
    // A compressed body is bounded by its decoded length: 20 kB of prompt in a few hundred bytes.
    let large = json!({ "model": MODEL, "max_tokens": 10, "messages": [{ "role": "user", "content": "a".repeat(20_000) }] }).to_string();
    let gzipped = openclaw_test_support::compress::compress("gzip", large.as_bytes());
    assert!(gzipped.len() < 1000);
    let headers = [("authorization", bearer(&token)), ("content-type", "application/json".into()), ("content-encoding", "gzip".into())];
    let headers: Vec<(&str, &str)> = headers.iter().map(|(name, value)| (*name, value.as_str())).collect();
    let refused = send(gateway.addr, "POST", "/v1/chat/completions", &headers, gzipped).await;
    assert_eq!((refused.status, refused.json()["error"]["type"].as_str()), (429, Some("tokens")), "{}", refused.body);
    let (_, budgeted) = create(&dir, KeySpec { budget_usd: Some(Some("5".into())), ..KeySpec::default() });
    let unpriced = "mistral.mistral-7b-instruct-v0:2";
    let body = json!({ "model": unpriced, "max_tokens": 10, "messages": [{ "role": "user", "content": "hi" }] }).to_string().into_bytes();
    let refused = chat_as(&gateway, &budgeted, &body).await;
    assert_eq!((refused.status, refused.json()["error"]["code"].as_str()), (403, Some("model_not_priced")), "{}", refused.body);
    assert!(refused.json()["error"]["message"].as_str().is_some_and(|m| m.contains(unpriced)), "{}", refused.body);
}

const CLIENTS: &str = r#"
import json, sys
import anthropic, openai
base_url, model, limited, narrow, poor = sys.argv[1:6]
ask = [{"role": "user", "content": "hi"}]
def failure(call):
    try:
        call()
    except openai.APIStatusError as error:
        return [type(error).__name__, error.status_code, error.code, error.response.headers.get("retry-after") is not None]
    except anthropic.APIStatusError as error:
        return [type(error).__name__, error.status_code, error.body["error"]["type"], error.response.headers.get("retry-after") is not None]
    return None
out = {}
chat = openai.OpenAI(base_url=base_url + "/v1", api_key=limited, max_retries=0, timeout=30)
first = chat.chat.completions.with_raw_response.create(model=model, max_tokens=20, messages=ask)
out["first"] = [first.http_response.status_code, first.headers.get("x-ratelimit-limit-requests"), first.headers.get("x-ratelimit-remaining-requests")]
out["second"] = failure(lambda: chat.chat.completions.create(model=model, max_tokens=20, messages=ask))
messages = anthropic.Anthropic(base_url=base_url, api_key=narrow, max_retries=0, timeout=30)
out["allowed"] = messages.messages.create(model=model, max_tokens=20, messages=ask).type
out["not_allowed"] = failure(lambda: messages.messages.create(model="claude-sonnet-4-5", max_tokens=20, messages=ask))
poor_chat = openai.OpenAI(base_url=base_url + "/v1", api_key=poor, max_retries=0, timeout=30)
out["budget_openai"] = failure(lambda: poor_chat.chat.completions.create(model=model, max_tokens=20, messages=ask))
poor_messages = anthropic.Anthropic(base_url=base_url, api_key=poor, max_retries=0, timeout=30)
out["budget_anthropic"] = failure(lambda: poor_messages.messages.create(model=model, max_tokens=20, messages=ask))
print(json.dumps(out))
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_openai_and_anthropic_clients_see_their_own_conventions() {
    let Some(python) = openclaw_test_support::python_with("the_openai_and_anthropic_clients_see_their_own_conventions", &["openai", "anthropic"]) else {
        return;
    };
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (_, limited) = create(&dir, KeySpec { rpm: Some(Some(1)), ..KeySpec::default() });
    let (_, narrow) = create(&dir, KeySpec { models: Some(Some(vec![MODEL.into()])), ..KeySpec::default() });
    let (_, poor) = create(&dir, KeySpec { budget_usd: Some(Some("0.000001".into())), ..KeySpec::default() });
    let base_url = format!("http://{}", gateway.addr);
    let out = openclaw_test_support::python_json(&python, &["-c", CLIENTS, &base_url, MODEL, &limited, &narrow, &poor]).await;
    let cases = [
        ("first", json!([200, "1", "0"])),
        ("second", json!(["RateLimitError", 429, "rate_limit_exceeded", true])),
        ("allowed", json!("message")),
        ("not_allowed", json!(["PermissionDeniedError", 403, "permission_error", false])),
        ("budget_openai", json!(["RateLimitError", 429, "insufficient_quota", false])),
        ("budget_anthropic", json!(["PaymentRequiredError", 402, "billing_error", false])),
    ];
    for (case, expected) in cases {
        assert_eq!(out[case], expected, "{case}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_metrics_and_the_access_log_name_the_key_never_its_secret() {
    let (temp, dir) = dir();
    let log = temp.path().join("access.jsonl");
    let gateway = gateway_logging(&dir, AccessLog::open(Sink::File(log.clone())).expect("access log")).await;
    let (id, token) = create(&dir, KeySpec { rpm: Some(Some(2)), budget_usd: Some(Some("10".into())), ..KeySpec::default() });
    let answers: Vec<Response> = vec![chat_as(&gateway, &token, &chat_body(20, false)).await, chat_as(&gateway, &token, &chat_body(20, true)).await];
    assert!(answers.iter().all(|a| a.status == 200), "{answers:?}");
    assert_eq!(chat_as(&gateway, &token, &chat_body(20, false)).await.status, 429);
    let secret = &token[token.len() - 64..];
    // The usage report: two settled requests, their tokens and their cost.
    let usage = admin::usage(&mut Journal::open(&dir).expect("journal"), Some("1d")).expect("usage");
    let row = usage.iter().find(|row| row.id == id).expect("the key's row");
    let price = Prices::bundled().of(MODEL).expect("priced");
    let whole = &answers[0].json()["usage"];
    assert_eq!(row.totals.requests, 2);
    assert!(row.totals.input_tokens >= whole["prompt_tokens"].as_u64().expect("prompt"));
    assert_eq!(row.totals.pico_usd, row.totals.input_tokens * price.input + row.totals.output_tokens * price.output);
    // Metrics by key id and name.
    let metrics = send(gateway.addr, "GET", "/metrics", &[("authorization", &bearer(MASTER))], Vec::new()).await.body;
    let labels = format!("key_id=\"{id}\",key_name=\"team\"");
    for series in [
        format!("openclaw_gateway_key_requests_total{{{labels}}} 2"),
        format!("openclaw_gateway_key_limited_total{{{labels},limit=\"requests\"}} 1"),
        format!("openclaw_gateway_key_tokens_total{{{labels},kind=\"output\"}} {}", row.totals.output_tokens),
    ] {
        assert!(metrics.contains(&series), "{series} in:\n{metrics}");
    }
    // The access log names the key by its id on every line of it.
    let logged =
        gateway_common::eventually(std::time::Duration::from_secs(30), async || std::fs::read_to_string(&log).unwrap_or_default().lines().count() >= 3).await;
    assert!(logged);
    let text = std::fs::read_to_string(&log).expect("log");
    let keyed: Vec<Value> =
        text.lines().map(|line| serde_json::from_str::<Value>(line).expect("json")).filter(|line| line["route"] == "/v1/chat/completions").collect();
    assert_eq!(keyed.len(), 3, "{text}");
    assert!(keyed.iter().all(|line| line["client_key_id"] == id.as_str()), "{text}");
    assert!(!text.contains(secret) && !metrics.contains(secret));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_mid_stream_gives_its_lease_back_and_is_charged_the_worst_case() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let (_temp, dir) = dir();
    let gateway = gateway(&dir).await;
    let (id, token) = create(&dir, KeySpec { concurrency: Some(Some(1)), budget_usd: Some(Some("10".into())), ..KeySpec::default() });
    let faults = gateway.emulator.faults().clone();
    faults.push(FaultRule::new(Fault::HoldAfter { events: 2 }).times(1));
    let body = chat_body(20, true);
    let mut stream = tokio::net::TcpStream::connect(gateway.addr).await.expect("connect");
    let head = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\nauthorization: Bearer {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    stream.write_all(&body).await.expect("body");
    let mut first = vec![0u8; 4096];
    let read = stream.read(&mut first).await.expect("the stream begins");
    assert!(String::from_utf8_lossy(&first[..read]).starts_with("HTTP/1.1 200"));
    faults.wait_held(1).await;
    // The one lease is held: a second request is refused until the client leaves.
    assert_eq!(chat_as(&gateway, &token, &chat_body(20, false)).await.status, 429);
    drop(stream);
    let back =
        gateway_common::eventually(std::time::Duration::from_secs(10), async || chat_as(&gateway, &token, &chat_body(20, false)).await.status == 200).await;
    assert!(back, "the lease came back when the client left");
    faults.release_held();
    // Charged: the left stream's worst case (its usage never came), plus the answer after it.
    let price = Prices::bundled().of(MODEL).expect("priced");
    let journal = Journal::open(&dir).expect("journal");
    let usage = journal.ledger.usage_since(&id, 0);
    assert_eq!(usage.requests, 2);
    let after = usage.input_tokens * price.input + usage.output_tokens * price.output;
    assert_eq!(usage.pico_usd, worst_case(&body, 20) + after);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_listener_of_its_own_takes_the_admin_endpoints_off_the_main_one() {
    let (_temp, dir) = dir();
    let keys = KeysOptions { dir: dir.clone(), prices: Arc::new(Prices::bundled()) };
    let admin_port = openclaw_test_support::free_port();
    let admin_addr = std::net::SocketAddr::from(([127, 0, 0, 1], admin_port));
    let gateway = TestGateway::start_with(Setup {
        options: Box::new(move |options| {
            options.keys = Some(keys);
            options.client_key = ClientKey::new(MASTER);
            options.admin_listen = Some(admin_addr);
        }),
        ..Setup::default()
    })
    .await;
    let master = bearer(MASTER);
    let spec = json!({ "name": "made-over-http", "rpm": 5 }).to_string().into_bytes();
    let headers = [("authorization", master.as_str()), ("content-type", "application/json")];
    // (listener, method, path, status)
    let cases = [
        (gateway.addr, "POST", "/admin/keys", 404),
        (admin_addr, "POST", "/admin/keys", 201),
        (admin_addr, "GET", "/admin/keys", 200),
        (admin_addr, "GET", "/v1/models", 404),
        (gateway.addr, "GET", "/v1/models", 200),
    ];
    for (addr, method, path, status) in cases {
        let body = if method == "POST" { spec.clone() } else { Vec::new() };
        let response = send(addr, method, path, &headers, body).await;
        assert_eq!(response.status, status, "{method} {path} on {addr}: {}", response.body);
    }
    let listed = send(admin_addr, "GET", "/admin/keys", &headers, Vec::new()).await.json();
    assert_eq!(listed["keys"][0]["name"], "made-over-http");
    assert_eq!(listed["keys"][0]["rpm"], 5);
}
