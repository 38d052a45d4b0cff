//! A hostile policy: what it does is chosen by the config text it is handed.
//! - `snoop [ADDR]`: looks for secrets in its environment, on disk and on the network (a TCP
//!   connection to `ADDR`, a listener the test holds open, so a refusal is the sandbox's and not
//!   a closed port's), and reports every finding as a warning (the sandbox must leave it nothing
//!   to find), then one warning at path `snoop` saying it ran;
//! - `spin`: loops forever (the deadline must stop it);
//! - `hog`: allocates without bound (the memory cap must stop it);
//! - `trap`: hits `unreachable`;
//! - `panic`: writes a line to stderr (with control characters in it), then panics with the
//!   message `hostile panicked on purpose` (Rust prints it to stderr, then traps);
//! - `flood`: writes 1 MiB of lines to stderr, then panics with `hostile panicked after a flood`;
//! - anything else: answers normally, marked `hostile`.
//!
//! `probe` misbehaves the same way by its config text (`spin`, `hog`, `trap`, `panic`, `flood`),
//! else reports `unknown`. `chat` chooses by the first user message: those five give a stream
//! whose first `next()` misbehaves so; anything else relays the host's `converse-stream` (the
//! request's model as is, else `hostile`) after a first text delta `[hostile] `.

use guest_kit::{
    ApiError, ChatRequest, ChatStream, ConfigSource, Diagnostic, DiscoverRequest, Discovery, Guest, GuestChatStream, ModelReference,
    PolicyInfo, ProbeRequest, ProbeResult, RelayStream, Settings, StreamEvent, discover_unsupported, environment_region, finding,
    first_user_text, info, marked_settings, probe_unsupported,
};

struct Hostile;

impl Guest for Hostile {
    type ChatStream = HostileStream;

    fn self_check() -> Result<PolicyInfo, String> {
        Ok(info("hostile"))
    }

    fn load_config(source: ConfigSource) -> Result<Settings, Vec<Diagnostic>> {
        let text = source.text.as_deref().map(str::trim);
        if let Some(misbehaviour) = text.and_then(Misbehaviour::parse) {
            return misbehaviour.act();
        }
        let findings = match text.and_then(|t| t.strip_prefix("snoop")) {
            Some(rest) => snoop(rest.trim()),
            None => Vec::new(),
        };
        Ok(marked_settings("hostile", findings))
    }

    fn parse_model_reference(text: String) -> Result<ModelReference, String> {
        Err(format!("hostile does not parse {text}"))
    }

    fn probe(request: ProbeRequest) -> ProbeResult {
        match request.config.text.as_deref().map(str::trim).and_then(Misbehaviour::parse) {
            Some(misbehaviour) => misbehaviour.act(),
            None => probe_unsupported("hostile"),
        }
    }

    fn chat(request: ChatRequest) -> Result<ChatStream, ApiError> {
        let stream = match first_user_text(&request).and_then(Misbehaviour::parse) {
            Some(misbehaviour) => HostileStream::Misbehaving(misbehaviour),
            None => HostileStream::Relay(RelayStream::start(request, "hostile", Some("[hostile] "))?),
        };
        Ok(ChatStream::new(stream))
    }

    fn discover(_request: DiscoverRequest) -> Result<Discovery, ApiError> {
        Ok(discover_unsupported("hostile"))
    }
}

/// What a hostile call does instead of answering.
#[derive(Clone, Copy)]
enum Misbehaviour {
    Spin,
    Hog,
    Trap,
    Panic,
    Flood,
}

impl Misbehaviour {
    fn parse(text: &str) -> Option<Self> {
        match text {
            "spin" => Some(Self::Spin),
            "hog" => Some(Self::Hog),
            "trap" => Some(Self::Trap),
            "panic" => Some(Self::Panic),
            "flood" => Some(Self::Flood),
            _ => None,
        }
    }

    fn act<T>(self) -> T {
        match self {
            Self::Spin => spin(),
            Self::Hog => hog(),
            Self::Trap => std::process::abort(),
            Self::Panic => {
                eprintln!("hostile: about to fail \x1b[31mred\x07 on purpose");
                panic!("hostile panicked on purpose")
            }
            Self::Flood => {
                let line = format!("{}\n", "flood ".repeat(16));
                for _ in 0..(1 << 20) / line.len() {
                    eprint!("{line}");
                }
                panic!("hostile panicked after a flood")
            }
        }
    }
}

/// A hostile chat stream: one that misbehaves on its first `next()`, or a relay.
enum HostileStream {
    Misbehaving(Misbehaviour),
    Relay(RelayStream),
}

impl GuestChatStream for HostileStream {
    fn target(&self) -> String {
        match self {
            Self::Misbehaving(_) => "hostile".into(),
            Self::Relay(relay) => relay.target(),
        }
    }

    fn region(&self) -> String {
        match self {
            Self::Misbehaving(_) => environment_region(),
            Self::Relay(relay) => relay.region(),
        }
    }

    fn next(&self) -> Result<Option<StreamEvent>, ApiError> {
        match self {
            Self::Misbehaving(misbehaviour) => misbehaviour.act(),
            Self::Relay(relay) => relay.next(),
        }
    }
}

/// Everything a guest could try to learn about the host's secrets.
fn snoop(listener: &str) -> Vec<Diagnostic> {
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
    let address = if listener.is_empty() { "127.0.0.1:1" } else { listener };
    if let Ok(stream) = std::net::TcpStream::connect(address) {
        found.push(finding("net", format!("connected to {:?}", stream.peer_addr())));
    }
    found.push(finding("snoop", format!("ran: environment, arguments, 5 paths, {address}")));
    found
}

fn spin<T>() -> T {
    let mut counter: u64 = 0;
    loop {
        counter = std::hint::black_box(counter.wrapping_add(1));
    }
}

fn hog<T>() -> T {
    let mut hoard: Vec<Vec<u8>> = Vec::new();
    loop {
        hoard.push(vec![1u8; 1 << 20]);
        std::hint::black_box(&hoard);
    }
}

guest_kit::export_policy!(Hostile);
