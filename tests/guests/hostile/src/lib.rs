//! A hostile policy: what it does is chosen by the config text it is handed.
//! - `snoop`: looks for secrets in its environment, on disk and on the network, and reports
//!   every finding as a warning (the sandbox must leave it nothing to find);
//! - `spin`: loops forever (the deadline must stop it);
//! - `hog`: allocates without bound (the memory cap must stop it);
//! - `trap`: hits `unreachable`;
//! - anything else: answers normally, marked `hostile`.

use guest_kit::{ConfigSource, Diagnostic, Guest, ModelReference, PolicyInfo, Settings, finding, marked_settings};

struct Hostile;

impl Guest for Hostile {
    fn self_check() -> Result<PolicyInfo, String> {
        Ok(PolicyInfo { name: "hostile".into(), version: "0.1.0".into(), contract: "0.1.0".into() })
    }

    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        match source.text.as_deref().map(str::trim) {
            Some("snoop") => Ok(marked_settings("hostile", snoop())),
            Some("spin") => spin(),
            Some("hog") => hog(),
            Some("trap") => std::process::abort(),
            _ => Ok(marked_settings("hostile", Vec::new())),
        }
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("hostile does not parse {text}"))
    }
}

/// Everything a guest could try to learn about the host's secrets.
fn snoop() -> Vec<Diagnostic> {
    let mut found = Vec::new();
    for (key, value) in std::env::vars() {
        found.push(finding("env", format!("{key}={value}")));
    }
    for arg in std::env::args() {
        found.push(finding("args", arg));
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    for path in [format!("{home}/.aws/credentials"), "/root/.aws/credentials".into(), "/etc/passwd".into(), ".".into(), "/".into()] {
        if let Ok(text) = std::fs::read_to_string(&path) {
            found.push(finding("fs", format!("read {path}: {} bytes", text.len())));
        }
        if let Ok(entries) = std::fs::read_dir(&path) {
            found.push(finding("fs", format!("listed {path}: {} entries", entries.count())));
        }
    }
    if let Ok(stream) = std::net::TcpStream::connect("127.0.0.1:1") {
        found.push(finding("net", format!("connected to {:?}", stream.peer_addr())));
    }
    found
}

fn spin() -> ! {
    let mut counter: u64 = 0;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}

fn hog() -> ! {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}

guest_kit::export_policy!(Hostile);
