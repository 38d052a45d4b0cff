//! What a client controls is bounded (issue 12, findings 3 and 4): slow bodies cannot hold
//! memory or slots past the body deadline, and idle connections cannot keep others out.
//!
//! No wall-clock upper bound is asserted: the deadlines here are events the test waits for,
//! and the generous timeouts only turn a hang into a failure.

mod gateway_common;

use gateway_common::{Setup, TestGateway, send};
use std::time::Duration;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// Turns a hang into a failure; never a performance bound.
const HANG: Duration = Duration::from_secs(180);

/// This process's resident set, in bytes.
fn rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    let kib = status.lines().find_map(|line| line.strip_prefix("VmRSS:")).and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok());
    kib.expect("VmRSS") * 1024
}

/// Reads a response's status line (or nothing when the server closed without one).
async fn status_of(stream: &mut TcpStream) -> Option<u16> {
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response).await;
    let text = String::from_utf8_lossy(&response);
    text.strip_prefix("HTTP/1.1 ").and_then(|rest| rest.get(..3)).and_then(|code| code.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_hold_neither_memory_nor_slots_past_the_body_deadline() {
    const CLIENTS: usize = 40;
    const DECLARED: usize = 16_000_000;
    const SENT: usize = 15 << 20;
    let gateway = TestGateway::start_with(Setup { options: Box::new(|options| options.body_read_timeout = Duration::from_secs(3)), ..Setup::default() }).await;
    // One buffer shared by every client: the clients themselves hold no per-client copy.
    let body: &'static [u8] = Box::leak(vec![b' '; SENT].into_boxed_slice());
    let before = rss();
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::channel::<()>(CLIENTS);
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        let (addr, sent_tx) = (gateway.addr, sent_tx.clone());
        clients.push(tokio::spawn(async move {
            let mut stream = TcpStream::connect(addr).await.expect("connect");
            let head = format!("POST /v1/chat/completions HTTP/1.1\r\nhost: gateway\r\ncontent-type: application/json\r\ncontent-length: {DECLARED}\r\n\r\n");
            // A client the gateway refuses at once sees its write fail: that is fine too.
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body).await;
            let _ = sent_tx.send(()).await;
            // Then it stalls, never sending the rest; the gateway must answer and close.
            status_of(&mut stream).await
        }));
    }
    drop(sent_tx);
    tokio::time::timeout(HANG, async { while sent_rx.recv().await.is_some() {} }).await.expect("every client sent most of its body");
    let grown = rss().saturating_sub(before);
    // 40 clients x 15 MiB would be 600 MiB buffered; the body budget is 64 MiB.
    assert!(grown < 200 << 20, "RSS grew by {} MiB while slow clients stalled", grown >> 20);

    let mut statuses = Vec::new();
    for client in clients {
        statuses.push(tokio::time::timeout(HANG, client).await.expect("every stalled client is answered").expect("client task"));
    }
    // The ones admitted ran into the body deadline (408); the others were refused at once
    // (503: the body budget was spent) or cut off while sending.
    assert!(statuses.iter().all(|status| matches!(status, None | Some(408 | 503))), "{statuses:?}");
    assert!(statuses.contains(&Some(408)), "some clients were admitted and timed out: {statuses:?}");
    // Their slots and budget are free again: a normal request is served.
    let chat = gateway.chat("after the slow clients", false).await;
    assert_eq!((chat.status, chat.text()), (200, "Echo: after the slow clients".to_string()), "{}", chat.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_do_not_starve_healthz() {
    const CAP: usize = 32;
    let gateway = TestGateway::start_with(Setup {
        options: Box::new(|options| {
            options.max_connections = CAP;
            // Idle connections never time out here: only the cap's eviction can make room.
            options.header_read_timeout = Duration::from_secs(3600);
        }),
        ..Setup::default()
    })
    .await;
    let mut idle = Vec::new();
    for _ in 0..CAP * 3 {
        idle.push(TcpStream::connect(gateway.addr).await.expect("connect"));
    }
    for round in 0..3 {
        let health = tokio::time::timeout(HANG, send(gateway.addr, "GET", "/healthz", &[], Vec::new())).await.expect("/healthz is served");
        assert_eq!(health.status, 200, "round {round}");
    }
    // The connections idle the longest were closed to make room: the first ones see the end.
    let mut first = idle.remove(0);
    let mut byte = [0u8; 1];
    let read = tokio::time::timeout(HANG, first.read(&mut byte)).await.expect("the oldest idle connection is closed");
    assert!(matches!(read, Ok(0) | Err(_)), "{read:?}");
    drop(idle);
}
