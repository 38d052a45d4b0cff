//! `openclaw gateway`: the long-running OpenAI-compatible server.

use super::Context;
use anyhow::Context as _;
use clap::Args;
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::environment;
use openclaw_host::gateway::{ClientKey, DEFAULT_LISTEN, Gateway, GatewayOptions};
use openclaw_host::runtime::{Limits, PolicyHost};
use std::io::Write as _;
use std::net::SocketAddr;
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
    /// Most chat requests in flight; more get 503.
    #[arg(long, value_name = "N", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=16384))]
    max_in_flight: u32,
    /// Time limit for one chat call, in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..=3600))]
    request_timeout: u64,
}

pub(super) async fn run(context: &Context, args: GatewayArgs) -> anyhow::Result<ExitCode> {
    let client_key = match &args.api_key_env {
        None => None,
        Some(var) => {
            let value = std::env::var(var).with_context(|| format!("--api-key-env {var}: the variable is not set"))?;
            Some(ClientKey::new(&value).with_context(|| format!("--api-key-env {var}: the variable is blank"))?)
        }
    };
    if client_key.is_none() && !args.listen.ip().is_loopback() {
        eprintln!("warning: listening on {} without client authentication: anyone who can reach it can use your AWS credentials; set --api-key-env", args.listen);
    }
    // One instance slot per request in flight, plus a few for swaps' self-checks and /v1/models.
    let limits = Limits { max_instances: args.max_in_flight + 16, ..Limits::default() };
    let host = PolicyHost::builder()
        .limits(limits)
        .compile_cache(environment::state_dir().join("cache").join("policies"))
        .build(context.policy_source())
        .await
        .context("cannot load the policy")?;
    let environment = Arc::new(environment::region_environment().await);
    let bedrock: Arc<dyn BedrockAccess> = Arc::new(openclaw_host::aws::Bedrock::from_process_env().await);
    let options = GatewayOptions {
        listen: args.listen,
        client_key,
        grace_period: Duration::from_secs(args.grace_period),
        policy_file: context.policy.clone(),
        config_path: Some(environment::config_path(context.config.as_deref()).path),
        max_in_flight: args.max_in_flight as usize,
        request_timeout: Duration::from_secs(args.request_timeout),
        ..GatewayOptions::default()
    };
    let gateway = Gateway::bind(options, Arc::new(host), Capabilities { environment, bedrock: Some(bedrock) }).await?;
    let handle = gateway.handle();
    tracing::info!(policy = %handle.policy().info(), "gateway ready");
    // Signals are caught from before the address line: a client may send one right after it.
    let shutdown = shutdown_signal()?;
    let hangups = handle.reload_on_sighup();
    {
        let mut stdout = std::io::stdout().lock();
        writeln!(stdout, "listening on http://{}", gateway.local_addr())?;
        stdout.flush()?;
    }
    gateway.serve(shutdown).await;
    hangups.abort();
    Ok(ExitCode::SUCCESS)
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
