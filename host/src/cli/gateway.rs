//! `openclaw-bedrock gateway`: the long-running OpenAI-compatible server.

use super::config::Loaded;
use super::{Context, handshake, problems};
use anyhow::Context as _;
use clap::Args;
use openclaw_host::aws::model::Guardrail;
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::environment;
use openclaw_host::gateway::openai::PromptCache;
use openclaw_host::gateway::{ClientKey, DEFAULT_LISTEN, Gateway, GatewayHandle, GatewayOptions};
use openclaw_host::keys::KeysOptions;
use openclaw_host::keys::prices::Prices;
use openclaw_host::sandbox::Limits;
use openclaw_host::state::StateOptions;
use openclaw_host::telemetry::access_log::{AccessLog, Sink};
use openclaw_host::telemetry::otlp::{OtlpConfig, OtlpError, Protocol};
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub(super) struct GatewayArgs {
    /// Where to listen; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Require `Authorization: Bearer <value of VAR>` from clients (and enable
    /// `POST /admin/policy`).
    #[arg(long, value_name = "VAR")]
    api_key_env: Option<String>,
    /// Seconds streams may run on after SIGINT/SIGTERM before the gateway exits.
    #[arg(long, value_name = "SECS", default_value_t = 10)]
    grace_period: u64,
    /// Seconds to keep serving after SIGINT/SIGTERM with `/readyz` answering 503 (from the
    /// signal on), before the gateway stops accepting: time for a load balancer to take it out
    /// of rotation (more than its health-check interval times its fall count).
    #[arg(long, value_name = "SECS", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=3600))]
    drain_period: u64,
    /// Write one JSON line per request (time, request id, client key id, model asked, target,
    /// region, policy, plan version, status, error class, latency, TTFT, tokens; never prompt
    /// text or a secret) to PATH (appended to, created 0600), or to stderr with `-` or `stderr`.
    #[arg(long, value_name = "PATH|-")]
    access_log: Option<String>,
    /// Export traces and metrics over OTLP to this collector: http://127.0.0.1:4318 for
    /// HTTP/protobuf (spans go to URL/v1/traces), http://127.0.0.1:4317 with `--otlp-protocol
    /// grpc`, https:// for TLS. Default: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT or
    /// OTEL_EXPORTER_OTLP_ENDPOINT when set, else no export. Headers (a vendor's key): set
    /// OTEL_EXPORTER_OTLP_HEADERS=name=value,...
    #[arg(long, value_name = "URL")]
    otlp_endpoint: Option<String>,
    /// The OTLP protocol: `http/protobuf` or `grpc`. Default: OTEL_EXPORTER_OTLP_PROTOCOL when
    /// set, else http/protobuf.
    #[arg(long, value_name = "PROTOCOL", value_parser = parse_otlp_protocol)]
    otlp_protocol: Option<Protocol>,
    /// A PEM file of CA certificates to trust for an https:// OTLP endpoint instead of the
    /// system's roots. Default: OTEL_EXPORTER_OTLP_CERTIFICATE when set.
    #[arg(long, value_name = "PATH")]
    otlp_ca: Option<PathBuf>,
    /// Most chat requests in flight; more get 503.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=16384))]
    max_in_flight: u32,
    /// Time limit for one chat call, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
    /// Prompt caching: `auto` puts a cache point after the system prompts and after the tools
    /// of every Chat Completions request (clients may add their own with `cache_control`).
    #[arg(long, value_name = "MODE", value_enum, default_value_t = PromptCache::Off)]
    prompt_cache: PromptCache,
    /// Most megabytes of state kept in the state directory (stored Responses API responses);
    /// past it, the records closest to expiry are dropped.
    #[arg(long, value_name = "MB", default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    state_max_mb: u64,
    /// Most days a stored record lives (stored responses expire after it).
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3650))]
    state_max_age_days: u64,
    /// A Bedrock guardrail on every model call, `ID:VERSION` (the guardrail's id or ARN, and a
    /// version number or DRAFT): Converse and InvokeModel alike, fallbacks included, so no
    /// client can leave it out. An intervention answers with OpenAI's `content_filter` or
    /// Anthropic's `refusal`; the log says which guardrail acted and why, never the text.
    #[arg(long, value_name = "ID:VERSION", value_parser = parse_guardrail)]
    guardrail: Option<Guardrail>,
    /// Ask Bedrock for the guardrail's trace (logged: which guardrail, its reason, no text).
    #[arg(long, requires = "guardrail")]
    guardrail_trace: bool,
    /// For a parent process (the OpenClaw plugin): require a key made for this launch, print
    /// one JSON ready line `{"ready", "url", "key", "pid", "version"}` instead of the address
    /// line, and exit when stdin closes. Loopback addresses only.
    #[arg(long, conflicts_with = "api_key_env")]
    handshake: bool,
    /// Model prices for key budgets: a file shaped like the bundled data/model-prices.json
    /// (default: the bundled one).
    #[arg(long, value_name = "FILE")]
    prices: Option<PathBuf>,
    /// Serve the admin endpoints (`/admin/policy`, `/admin/keys...`, behind the master key) on
    /// this address only, not on `--listen`: a listener you can keep private. Needs
    /// --api-key-env.
    #[arg(long, value_name = "ADDR", requires = "api_key_env")]
    admin_listen: Option<SocketAddr>,
}

pub(super) async fn run(context: &Context, args: GatewayArgs) -> anyhow::Result<ExitCode> {
    let launch_key = if args.handshake {
        handshake::check_listen(args.listen)?;
        Some(handshake::LaunchKey::new()?)
    } else {
        None
    };
    let client_key = match &args.api_key_env {
        None => launch_key.as_ref().map(handshake::LaunchKey::client_key),
        Some(var) => {
            let value = std::env::var(var).with_context(|| format!("--api-key-env {var}: the variable is not set"))?;
            Some(ClientKey::new(&value).with_context(|| format!("--api-key-env {var}: the variable is blank"))?)
        }
    };
    if client_key.is_none() && !args.listen.ip().is_loopback() {
        eprintln!(
            "warning: listening on {} without client authentication: anyone who can reach it can use your AWS credentials; set --api-key-env",
            args.listen
        );
    }
    // Two instance slots per request in flight (a 0.3.0 component's request may hold the
    // default policy's instance, for the parts it leaves to it, beside its own), plus a few for
    // swaps' self-checks and /v1/models.
    let limits = Limits { max_instances: args.max_in_flight.saturating_mul(2).saturating_add(16), ..Limits::default() };
    let host = context.host_builder().limits(limits).build(context.policy_source()).await.context("cannot load the policy")?;
    let environment = Arc::new(environment::region_environment().await);
    let bedrock = context.bedrock(&startup_region(context).await?).await?;
    if let Some(emulation) = context.emulation() {
        eprintln!("emulator: every Bedrock call goes to the {}", emulation.describe());
    }
    warn_unless_credentials_resolve(Arc::clone(&bedrock), context.tag());
    let access_log = match &args.access_log {
        None => AccessLog::off(),
        Some(sink) => AccessLog::open(Sink::parse(sink)).with_context(|| format!("--access-log {sink}: cannot open it"))?,
    };
    let otlp = otlp_config(&args).context("OTLP export")?;
    if let Some(config) = &otlp {
        tracing::info!(endpoint = %config.endpoint, protocol = config.protocol.as_str(), "exporting traces and metrics over OTLP");
    }
    let options = GatewayOptions {
        listen: args.listen,
        client_key,
        grace_period: Duration::from_secs(args.grace_period),
        policy_file: context.policy.clone(),
        config_path: Some(environment::config_path(context.config.as_deref()).path),
        max_in_flight: args.max_in_flight as usize,
        request_timeout: Duration::from_secs(args.request_timeout),
        access_log,
        otlp,
        aws_profile_files: aws_profile_files(),
        prompt_cache: args.prompt_cache,
        guardrail: args.guardrail.map(|guardrail| Guardrail { trace: args.guardrail_trace, ..guardrail }),
        // The state layer's files: `<state dir>/openclaw-bedrock/state` (its key beside it).
        state: StateOptions {
            dir: Some(environment::own_dir(&environment::state_dir()).join("state")),
            max_bytes: args.state_max_mb << 20,
            max_age: Duration::from_secs(args.state_max_age_days * 24 * 3600),
        },
        // Virtual keys (`openclaw-bedrock keys ...`): their journal beside the state.
        keys: Some(KeysOptions { dir: super::keys::keys_dir(), prices: Arc::new(prices(args.prices.as_deref())?) }),
        admin_listen: args.admin_listen,
        ..GatewayOptions::default()
    };
    let gateway = Gateway::bind(options, Arc::new(host), Capabilities { environment, bedrock: Some(bedrock) }).await?;
    let handle = gateway.handle();
    tracing::info!(policy = %handle.policy().info(), "gateway ready");
    // Signals are caught from before the address line: a client may send one right after it.
    let signal = shutdown_signal()?;
    let parent_gone = args.handshake;
    let stop = async move {
        tokio::select! {
            () = signal => {}
            () = handshake::parent_gone(), if parent_gone => {}
        }
    };
    let shutdown = drain_then_stop(stop, handle.clone(), Duration::from_secs(args.drain_period));
    let hangups = handle.reload_on_sighup();
    match &launch_key {
        Some(key) => handshake::announce(gateway.local_addr(), key)?,
        None => {
            let mut stdout = std::io::stdout().lock();
            writeln!(stdout, "listening on http://{}", gateway.local_addr())?;
            stdout.flush()?;
            if let Some(admin) = gateway.admin_addr() {
                eprintln!("admin endpoints on http://{admin} only");
            }
        }
    }
    gateway.serve(shutdown).await;
    hangups.abort();
    Ok(ExitCode::SUCCESS)
}

/// The region the config resolves to, which an emulator must answer for; only read with
/// `--emulate` (Bedrock itself answers in every region). An invalid config is reported by the
/// requests that use it, so it falls back to the default region here.
async fn startup_region(context: &Context) -> anyhow::Result<String> {
    if !context.emulate {
        return Ok(openclaw_host::aws::FALLBACK_REGION.to_string());
    }
    let loaded = Loaded::load(context).await?;
    Ok(loaded.outcome.as_ref().map_or_else(|_| openclaw_host::aws::FALLBACK_REGION.to_string(), |settings| settings.region.name.clone()))
}

/// Resolves the credentials once in the background and, when they do not resolve, says so in
/// one line: the gateway still starts (they may appear later), and `/readyz` answers 503 meanwhile.
fn warn_unless_credentials_resolve(bedrock: Arc<dyn BedrockAccess>, tag: &'static str) {
    tokio::spawn(async move {
        if let Err(error) = bedrock.resolve_credentials().await {
            eprintln!("warning: credentials: {}; /readyz answers 503 until they resolve{tag}", problems::sentence(&error));
        }
    });
}

/// Completes after `signal` and `drain`: at the signal readiness turns off (503) and the
/// gateway keeps serving for `drain`; then the returned future completes and the gateway stops
/// accepting.
async fn drain_then_stop(signal: impl std::future::Future<Output = ()>, gateway: GatewayHandle, drain: Duration) {
    signal.await;
    gateway.start_draining();
    if !drain.is_zero() {
        tracing::info!(seconds = drain.as_secs(), "still serving until the drain period ends");
        tokio::time::sleep(drain).await;
    }
}

/// Listens for SIGINT and SIGTERM now; the future completes on the first of them.
#[cfg(unix)]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("cannot listen for SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("cannot listen for SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        tracing::info!("shutdown requested");
    })
}

/// Completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> anyhow::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// The AWS shared config and credentials files this process's environment names: a change to
/// either (the profile's region, credentials appearing or going) makes a new plan.
fn aws_profile_files() -> Vec<std::path::PathBuf> {
    let aws = openclaw_host::aws::AwsEnvironment::from_process();
    [aws.config_file(), aws.credentials_file()].into_iter().flatten().collect()
}

/// The OTLP export the flags and the `OTEL_*` variables ask for (flags first), if any.
fn otlp_config(args: &GatewayArgs) -> Result<Option<OtlpConfig>, OtlpError> {
    let config = match &args.otlp_endpoint {
        Some(endpoint) => Some(OtlpConfig::with_vars(endpoint)?),
        None => OtlpConfig::from_env()?,
    };
    Ok(config.map(|mut config| {
        config.protocol = args.otlp_protocol.unwrap_or(config.protocol);
        config.ca_file = args.otlp_ca.clone().or(config.ca_file);
        config
    }))
}

fn parse_otlp_protocol(name: &str) -> Result<Protocol, String> {
    Protocol::parse(name).map_err(|error| error.to_string())
}

/// The prices key budgets use: `--prices FILE`, else the bundled table.
fn prices(file: Option<&std::path::Path>) -> anyhow::Result<Prices> {
    let Some(file) = file else { return Ok(Prices::bundled()) };
    let text = std::fs::read_to_string(file).with_context(|| format!("--prices {}: cannot read it", file.display()))?;
    Prices::parse(&text).with_context(|| format!("--prices {}", file.display()))
}

/// `--guardrail ID:VERSION`: an id (letters and digits) or a guardrail ARN, then a version
/// number or `DRAFT` after the last colon.
fn parse_guardrail(text: &str) -> Result<Guardrail, String> {
    let Some((identifier, version)) = text.trim().rsplit_once(':') else {
        return Err("expected ID:VERSION, e.g. gr1a2b3c4d5e:1 or gr1a2b3c4d5e:DRAFT".into());
    };
    let id_ok = if identifier.starts_with("arn:") {
        identifier.contains(":guardrail/") && identifier.len() <= 2048
    } else {
        !identifier.is_empty() && identifier.len() <= 64 && identifier.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    };
    if !id_ok {
        return Err(format!("`{identifier}` is not a guardrail id (lower-case letters and digits) or guardrail ARN"));
    }
    let version_ok =
        version == "DRAFT" || (!version.is_empty() && version.len() <= 8 && version.bytes().all(|b| b.is_ascii_digit()) && !version.starts_with('0'));
    if !version_ok {
        return Err(format!("`{version}` is not a guardrail version (a number from 1, or DRAFT)"));
    }
    Ok(Guardrail { identifier: identifier.to_string(), version: version.to_string(), trace: false })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guardrail_flags() {
        let arn = "arn:aws:bedrock:us-east-1:123456789012:guardrail/gr1a2b3c4d5e";
        let cases = [
            ("gr1a2b3c4d5e:1", Ok(("gr1a2b3c4d5e", "1"))),
            ("gr1a2b3c4d5e:DRAFT", Ok(("gr1a2b3c4d5e", "DRAFT"))),
            (&format!("{arn}:12") as &str, Ok((arn, "12"))),
            ("gr1a2b3c4d5e", Err("expected ID:VERSION")),
            ("GR-1:1", Err("is not a guardrail id")),
            ("gr1:0", Err("is not a guardrail version")),
            ("gr1:draft", Err("is not a guardrail version")),
            ("arn:aws:s3:::bucket:1", Err("is not a guardrail id")),
        ];
        for (text, expected) in cases {
            let got = parse_guardrail(text);
            match expected {
                Ok((id, version)) => assert_eq!(got, Ok(Guardrail { identifier: id.into(), version: version.into(), trace: false }), "{text}"),
                Err(part) => assert!(got.as_ref().is_err_and(|e| e.contains(part)), "{text}: {got:?}"),
            }
        }
    }
}
