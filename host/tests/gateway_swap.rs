//! The sandbox per request and live swaps under load: streams in flight finish on the policy
//! they started with, requests after a swap use the new one, a broken component changes
//! nothing, a trap fails only its own request, and shutdown lets streams finish.

mod gateway_common;

use bedrock_emulator::{Fault, FaultRule};
use gateway_common::{Response, Setup, TestGateway, embedded_policy_file, eventually};
use openclaw_host::sandbox::Limits;
use openclaw_test_support::TestGuest;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::{Duration, Instant};

const ALT_PREFIX: &str = "[alt-policy] ";

/// Replaces the watched file atomically (write aside, rename).
fn install(source: &Path, target: &Path) {
    let aside = target.with_extension("incoming");
    std::fs::copy(source, &aside).expect("copy");
    std::fs::rename(&aside, target).expect("rename");
}

fn install_bytes(bytes: &[u8], target: &Path) {
    let aside = target.with_extension("incoming");
    std::fs::write(&aside, bytes).expect("write");
    std::fs::rename(&aside, target).expect("rename");
}

/// Checks one streamed response: complete, and its text shows the policy its header names.
fn check_stream(response: &Response) -> bool {
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.events().last().map(String::as_str), Some("[DONE]"), "{}", response.body);
    let on_alt = response.header("openclaw-policy").expect("policy header").starts_with("alt-policy");
    let text = response.streamed_text();
    let echo = text.strip_prefix(ALT_PREFIX).unwrap_or(&text);
    assert_eq!(text.starts_with(ALT_PREFIX), on_alt, "the output shows the policy the request started on: {text:?}");
    assert_eq!(echo, "Echo: one two three four five six seven", "{text:?}");
    on_alt
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swapping_under_load_fails_no_request_and_each_shows_its_policy() {
    let gateway = Arc::new(TestGateway::start().await);
    // Each stream takes ~120 ms, so many are in flight at every swap.
    gateway.emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: 12 }).operation("ConverseStream").times(1_000_000));
    let stop = Arc::new(AtomicBool::new(false));
    // Streams finished so far on the default policy [0] and on alt-policy [1]: the test swaps
    // once enough requests ran on each, instead of guessing how long that takes.
    let served: Arc<[AtomicU32; 2]> = Arc::new([AtomicU32::new(0), AtomicU32::new(0)]);
    let served_at_least = async |on_alt: bool, count: u32| {
        let served = Arc::clone(&served);
        let enough = eventually(Duration::from_secs(120), async move || served[usize::from(on_alt)].load(Ordering::Relaxed) >= count).await;
        assert!(enough, "{count} streams on {} in time", if on_alt { "alt-policy" } else { "the default" });
    };
    let mut workers = Vec::new();
    for _ in 0..64 {
        let (gateway, stop, served) = (Arc::clone(&gateway), Arc::clone(&stop), Arc::clone(&served));
        workers.push(tokio::spawn(async move {
            let (mut on_alt, mut on_default) = (0u32, 0u32);
            for _ in 0..500 {
                if stop.load(Ordering::Relaxed) {
                    break;
                }
                let alt = check_stream(&gateway.chat("one two three four five six seven", true).await);
                served[usize::from(alt)].fetch_add(1, Ordering::Relaxed);
                if alt {
                    on_alt += 1;
                } else {
                    on_default += 1;
                }
            }
            (on_alt, on_default)
        }));
    }
    let garbage: &[u8] = b"\0asm\x0d\0\x01\0not a component at all";
    for round in 0..3 {
        for (source, name) in [(TestGuest::AltPolicy.path(), "alt-policy"), (embedded_policy_file(), "openclaw-default")] {
            let on_alt = name == "alt-policy";
            // Load on the current policy first: some streams are in flight at every swap.
            let before = served[usize::from(!on_alt)].load(Ordering::Relaxed);
            served_at_least(!on_alt, before + 24).await;
            install(&source, &gateway.policy_file);
            let loaded = gateway.handle.reload().await.unwrap_or_else(|e| panic!("round {round}: {name} loads: {e}"));
            assert_eq!(loaded.info().name, name);
            // A request that starts after the swap runs the new policy.
            let after = gateway.chat("one two three four five six seven", true).await;
            assert_eq!(check_stream(&after), name == "alt-policy", "round {round}: after swapping to {name}");
            // A broken component during load changes nothing.
            let broken = if round % 2 == 0 { std::fs::read(TestGuest::Refuses.path()).expect("refuses.wasm") } else { garbage.to_vec() };
            install_bytes(&broken, &gateway.policy_file);
            assert!(gateway.handle.reload().await.is_err(), "round {round}: the broken component is refused");
            assert_eq!(gateway.handle.policy().info().name, name, "round {round}: the old policy keeps serving");
            let still = gateway.chat("one two three four five six seven", true).await;
            assert_eq!(check_stream(&still), name == "alt-policy");
        }
    }
    stop.store(true, Ordering::Relaxed);
    let (mut on_alt, mut on_default) = (0, 0);
    for worker in workers {
        let (alt, default) = tokio::time::timeout(Duration::from_secs(60), worker).await.expect("workers stop").expect("no request failed");
        on_alt += alt;
        on_default += default;
    }
    assert!(on_alt > 64 && on_default > 64, "both policies served the load: {on_alt} on alt-policy, {on_default} on the default");
    let (ok, refused) = gateway.handle.swap_counts();
    assert!(ok >= 6 && refused >= 6, "swaps counted: {ok} ok, {refused} refused");
    let metrics = gateway.handle.metrics();
    assert!(metrics.contains("openclaw_gateway_requests_total{route=\"/v1/chat/completions\",status=\"200\""), "{metrics}");
    assert!(!metrics.contains("status=\"500\""), "{metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watched_policy_file_is_swapped_in_and_a_broken_one_refused() {
    let gateway = TestGateway::start().await;
    install(&TestGuest::AltPolicy.path(), &gateway.policy_file);
    let swapped = eventually(Duration::from_secs(20), async || gateway.handle.policy().info().name == "alt-policy").await;
    assert!(swapped, "the watcher swapped the new file in");
    assert!(gateway.chat("one two three four five six seven", true).await.streamed_text().starts_with(ALT_PREFIX));
    install_bytes(b"garbage", &gateway.policy_file);
    let refused = eventually(Duration::from_secs(20), async || gateway.handle.swap_counts().1 >= 1).await;
    assert!(refused, "the watcher tried the broken file and refused it");
    assert_eq!(gateway.handle.policy().info().name, "alt-policy");
    assert!(gateway.handle.metrics().contains("openclaw_gateway_policy_swaps_total{outcome=\"refused\"} 1"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trap_fails_its_request_only() {
    // The deadline applies to the normal requests too: generous enough for a loaded machine.
    let limits = Limits { call_deadline: Duration::from_secs(5), memory_bytes: 32 << 20, ..Limits::default() };
    let gateway = Arc::new(TestGateway::start_with(Setup { policy: TestGuest::Hostile.path(), limits, ..Setup::default() }).await);
    gateway.emulator.faults().push(FaultRule::new(Fault::DelayEvents { ms: 20 }).operation("ConverseStream").times(1_000_000));
    let mut normal = Vec::new();
    for i in 0..16 {
        let gateway = Arc::clone(&gateway);
        normal.push(tokio::spawn(async move { gateway.chat(&format!("request {i} goes fine"), i % 2 == 0).await }));
    }
    let mut hostile = Vec::new();
    for (mode, code) in [("trap", "policy_trap"), ("spin", "policy_deadline"), ("hog", "policy_memory"), ("trap", "policy_trap")] {
        for stream in [false, true] {
            let gateway = Arc::clone(&gateway);
            hostile.push(tokio::spawn(async move { (mode, code, gateway.chat(mode, stream).await) }));
        }
    }
    for task in hostile {
        let (mode, code, response) = task.await.expect("task");
        assert_eq!(response.status, 500, "{mode}: {}", response.body);
        let error = &response.json()["error"];
        assert_eq!(error["code"], code, "{mode}: {error}");
        assert!(!error["message"].as_str().unwrap_or("").contains("backtrace"), "no stack: {error}");
    }
    for (i, task) in normal.into_iter().enumerate() {
        let response = task.await.expect("task");
        assert_eq!(response.status, 200, "{}", response.body);
        let text = if i % 2 == 0 { response.streamed_text() } else { response.text() };
        assert_eq!(text, format!("[hostile] Echo: request {i} goes fine"));
    }
    let metrics = gateway.handle.metrics();
    for line in ["kind=\"trap\"} 4", "kind=\"deadline\"} 2", "kind=\"memory\"} 2"] {
        assert!(metrics.contains(line), "{line}: {metrics}");
    }
    assert_eq!(gateway.chat("after the storm", false).await.text(), "[hostile] Echo: after the storm");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_stops_accepting_and_lets_streams_finish() {
    // A grace period no loaded machine reaches: the stream, held at Bedrock, decides the end.
    let mut gateway = TestGateway::start_with(Setup { options: Box::new(|o| o.grace_period = Duration::from_secs(120)), ..Setup::default() }).await;
    gateway.emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 2 }).operation("ConverseStream"));
    let addr = gateway.addr;
    let body = gateway_common::chat_body("one two three four five six seven", true).to_string().into_bytes();
    let stream = tokio::spawn(gateway_common::send(addr, "POST", "/v1/chat/completions", &[("content-type", "application/json")], body));
    gateway.emulator.faults().wait_held(1).await;
    let serving = gateway.begin_shutdown();
    let closed = eventually(Duration::from_secs(30), async || tokio::net::TcpStream::connect(addr).await.is_err()).await;
    assert!(closed, "no new connections once shutdown began");
    assert!(!serving.is_finished(), "the gateway waits for the stream in flight");
    gateway.emulator.faults().release_held();
    let response = stream.await.expect("the stream's task");
    check_default_stream(&response);
    tokio::time::timeout(Duration::from_secs(60), serving).await.expect("serve returns after the streams finished").expect("serve task");

    // A stream longer than the grace period is cut when the grace period ends.
    let mut short = TestGateway::start_with(Setup { options: Box::new(|o| o.grace_period = Duration::from_millis(300)), ..Setup::default() }).await;
    short.emulator.faults().push(FaultRule::new(Fault::HoldAfter { events: 2 }).operation("ConverseStream"));
    let addr = short.addr;
    let long = tokio::spawn(async move {
        let body = gateway_common::chat_body("one two three four five six seven", true).to_string().into_bytes();
        gateway_common::send(addr, "POST", "/v1/chat/completions", &[("content-type", "application/json")], body).await
    });
    short.emulator.faults().wait_held(1).await;
    let started = Instant::now();
    // Held until the test ends: only the grace period can end this serve.
    tokio::time::timeout(Duration::from_secs(60), short.begin_shutdown()).await.expect("serve returns at the end of the grace period").expect("serve task");
    assert!(started.elapsed() >= Duration::from_millis(300), "it waited the grace period: {:?}", started.elapsed());
    let cut = long.await.expect("the long stream's task");
    assert!(!cut.complete || !cut.events().iter().any(|e| e == "[DONE]"), "the stream was cut: {}", cut.body);
    short.emulator.faults().release_held();
}

fn check_default_stream(response: &Response) {
    assert_eq!(response.status, 200, "{}", response.body);
    assert_eq!(response.streamed_text(), "Echo: one two three four five six seven");
    assert_eq!(response.events().last().map(String::as_str), Some("[DONE]"));
}
