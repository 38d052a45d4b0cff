//! `gateway --handshake`: the machine handshake a parent process (the OpenClaw plugin in
//! `packages/amazon-bedrock`) starts the gateway with.
//!
//! - The gateway requires a key made for this launch ([`LaunchKey`]), which no one else knows.
//! - Its first stdout line is one JSON object, the ready line: `{"ready": true, "url":
//!   "http://127.0.0.1:PORT", "key": "<per-launch key>", "pid": N, "version": "X.Y.Z"}`. The
//!   key goes only to the parent's pipe: it guards the loopback port against other local users,
//!   it is not an AWS credential, and it dies with the process.
//! - It exits (as on SIGTERM) when its stdin reaches end of file: the parent holds the write end
//!   of that pipe, so the gateway goes when the parent goes, however the parent ends (exit,
//!   crash, SIGKILL), and no gateway is left orphaned.

use openclaw_host::gateway::ClientKey;
use serde_json::json;
use std::io::{Read as _, Write as _};
use std::net::SocketAddr;

/// A random key for one launch: 32 bytes from the OS, hex.
pub(super) struct LaunchKey(String);

impl LaunchKey {
    pub(super) fn new() -> anyhow::Result<Self> {
        let mut bytes = [0u8; 32];
        getrandom::getrandom(&mut bytes).map_err(|error| anyhow::anyhow!("--handshake: cannot make a launch key: {error}"))?;
        Ok(Self(hex::encode(bytes)))
    }

    /// The gateway's client key for it.
    pub(super) fn client_key(&self) -> ClientKey {
        ClientKey::new(&self.0).expect("64 hex digits are not blank")
    }
}

/// The ready line, exactly as printed (without the newline).
pub(super) fn ready_line(addr: SocketAddr, key: &LaunchKey) -> String {
    json!({
        "ready": true,
        "url": format!("http://{addr}"),
        "key": key.0,
        "pid": std::process::id(),
        "version": env!("CARGO_PKG_VERSION"),
    })
    .to_string()
}

/// Prints the ready line on stdout and flushes it.
pub(super) fn announce(addr: SocketAddr, key: &LaunchKey) -> std::io::Result<()> {
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{}", ready_line(addr, key))?;
    stdout.flush()
}

/// Completes when stdin reaches end of file (or fails): the parent closed its end of the pipe.
/// Whatever arrives on stdin before that is read and dropped (the parent sends nothing).
pub(super) async fn parent_gone() {
    let (sender, receiver) = tokio::sync::oneshot::channel::<()>();
    // A plain thread, not `spawn_blocking`: the runtime would wait for this read at shutdown.
    let spawned = std::thread::Builder::new().name("handshake-stdin".into()).spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut buffer = [0u8; 256];
        while matches!(stdin.read(&mut buffer), Ok(n) if n > 0) {}
        let _ = sender.send(());
    });
    if spawned.is_err() {
        // Without the watcher the gateway cannot follow its parent: stop rather than orphan.
        return;
    }
    let _ = receiver.await;
    tracing::info!("the parent closed stdin: shutting down");
}

/// Refuses `--handshake` with a listen address that is not loopback: the handshake is for a
/// parent on this machine.
pub(super) fn check_listen(listen: SocketAddr) -> anyhow::Result<()> {
    if listen.ip().is_loopback() {
        Ok(())
    } else {
        anyhow::bail!("--handshake: --listen {listen} is not a loopback address; the handshake serves a parent process on this machine (use 127.0.0.1:0)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line_is_one_json_object_with_url_and_key() {
        let key = LaunchKey::new().unwrap();
        let line = ready_line("127.0.0.1:4242".parse().unwrap(), &key);
        assert!(!line.contains('\n'));
        let value: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(value["ready"], true);
        assert_eq!(value["url"], "http://127.0.0.1:4242");
        let printed = value["key"].as_str().unwrap();
        assert_eq!(printed.len(), 64);
        assert!(key.client_key().accepts(Some(format!("Bearer {printed}").as_bytes())));
    }

    #[test]
    fn launch_keys_differ() {
        assert_ne!(LaunchKey::new().unwrap().0, LaunchKey::new().unwrap().0);
    }

    #[test]
    fn only_loopback_listens_pass() {
        let cases = [("127.0.0.1:0", true), ("[::1]:0", true), ("0.0.0.0:0", false), ("192.168.1.2:80", false)];
        for (listen, ok) in cases {
            assert_eq!(check_listen(listen.parse().unwrap()).is_ok(), ok, "{listen}");
        }
    }
}
