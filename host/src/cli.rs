//! The command line: argument definitions and dispatch, one file per command group.

mod chat;
mod config;
mod demo;
mod emulate;
mod gateway;
mod handshake;
mod healthcheck;
mod keys;
mod models;
mod models_list;
mod policy;
mod problems;

use anyhow::Context as _;
use clap::{Parser, Subcommand};
use openclaw_host::capability::BedrockAccess;
use openclaw_host::environment;
use openclaw_host::sandbox::{PolicyHost, PolicyHostBuilder, PolicySource};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

/// The Amazon Bedrock provider of the OpenClaw gateway.
#[derive(Debug, Parser)]
#[command(name = "openclaw-bedrock", version, about, propagate_version = true)]
pub struct Cli {
    /// Run this policy component (.wasm, or .cwasm precompiled for this host) instead of the
    /// embedded default.
    #[arg(long, global = true, value_name = "FILE")]
    policy: Option<PathBuf>,
    /// The config file (default: OPENCLAW_CONFIG_PATH, else $OPENCLAW_STATE_DIR/openclaw.json,
    /// else ~/.openclaw/openclaw.json).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Talk to the bundled Bedrock emulator, started in this process on 127.0.0.1 with its own
    /// credentials, instead of Amazon Bedrock (no AWS account needed; every line it affects
    /// says so).
    #[arg(long, global = true)]
    emulate: bool,
    /// The most the compile cache may take (bytes, or a number with KiB, MiB or GiB; `0` keeps
    /// nothing), for the commands that compile a policy; the least recently used entries go
    /// first. Overrides OPENCLAW_POLICY_CACHE_MAX (default: 512MiB).
    #[arg(long, global = true, value_name = "SIZE", value_parser = openclaw_host::sandbox::parse_size)]
    policy_cache_max: Option<u64>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check and show the config file.
    #[command(subcommand)]
    Config(config::ConfigCommand),
    /// Check, test and precompile policy components.
    #[command(subcommand)]
    Policy(policy::PolicyCommand),
    /// The provider's models: status and probe.
    #[command(subcommand)]
    Models(models::ModelsCommand),
    /// Send one prompt and stream the reply to stdout as it arrives.
    Chat(chat::ChatArgs),
    /// Serve the OpenAI-compatible API (chat completions, models) through the policy.
    Gateway(gateway::GatewayArgs),
    /// The whole path in one run: credentials, region, discovery, a probe, a streamed chat,
    /// and how to start the gateway (with --emulate: no AWS account needed).
    Demo(demo::DemoArgs),
    /// Exit 0 when a gateway's /healthz answers 200 (the container image's HEALTHCHECK).
    Healthcheck(healthcheck::HealthcheckArgs),
    /// Virtual client keys: limits, budgets, usage (in the state directory the gateway uses).
    #[command(subcommand)]
    Keys(keys::KeysCommand),
}

/// Logs go to stderr, filtered by `RUST_LOG` (default: warnings and errors).
pub fn init_logging() {
    use tracing_subscriber::Layer as _;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn"));
    let quiet_sdk = filter.max_level_hint().is_none_or(|most| most < tracing::level_filters::LevelFilter::DEBUG);
    // The AWS SDK's TRACE output prints secrets: `aws_runtime::env_config` logs the value of
    // AWS_BEARER_TOKEN_BEDROCK and friends, and the orchestrator dumps its runtime components,
    // environment included. Whatever RUST_LOG asks for, TRACE from the SDK's crates is dropped
    // (a cap, not a level: it never makes them louder). Unless RUST_LOG asks for DEBUG, the
    // SDK's own events are dropped whatever their level: its warnings print its internal
    // structs (an IMDS token request, response headers, `SdkBody`), and every failure they
    // describe reaches the user once, in words, through the command's own output.
    // `RUST_LOG=debug` shows them.
    let sdk_cap =
        tracing_subscriber::filter::filter_fn(move |metadata| !is_sdk_target(metadata.target()) || !(quiet_sdk || *metadata.level() == tracing::Level::TRACE));
    let layer = tracing_subscriber::fmt::layer().with_writer(std::io::stderr).with_target(true).with_filter(filter).with_filter(sdk_cap);
    tracing_subscriber::registry().with(layer).init();
}

/// Whether a log target is one of the AWS SDK's crates (`aws_config`, `aws_smithy_runtime`, ...).
fn is_sdk_target(target: &str) -> bool {
    target.starts_with("aws_")
}

/// Output piped into a reader that stops early (`openclaw-bedrock models list | head -1`) ends the
/// command quietly with exit 0, as the reader asked for no more: Rust ignores SIGPIPE, so a
/// write to the closed pipe fails, and `print!` panics on that failure (exit 101 and a panic
/// message). This hook turns exactly that panic into a quiet exit; every other panic is
/// reported as before. (Restoring SIGPIPE's default would also kill the process when one of
/// its sockets' peers leaves: vectored socket writes do not suppress the signal.)
pub fn exit_quietly_when_stdout_closes() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload().downcast_ref::<String>().map(String::as_str).or_else(|| info.payload().downcast_ref::<&str>().copied()).unwrap_or("");
        if is_closed_stdout(message) {
            std::process::exit(0);
        }
        report(info);
    }));
}

/// Whether a panic message is `print!`'s for a write to a closed pipe.
fn is_closed_stdout(message: &str) -> bool {
    message.starts_with("failed printing to stdout") && message.contains(&format!("(os error {})", libc::EPIPE))
}

/// Whether a command failed only because its stdout was closed (a `writeln!` to it).
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| cause.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe))
}

/// Runs a parsed command line: exit 0 on success, 1 on a failure the user can act on.
pub fn run(cli: Cli) -> ExitCode {
    // The gateway serves many connections at once: it gets a worker per core.
    let runtime = match &cli.command {
        Command::Gateway(_) => tokio::runtime::Builder::new_multi_thread().enable_all().build(),
        _ => tokio::runtime::Builder::new_current_thread().enable_all().build(),
    };
    let runtime = match runtime {
        Ok(runtime) => runtime,
        Err(error) => return fail(&anyhow::anyhow!("cannot start the async runtime: {error}")),
    };
    match runtime.block_on(dispatch(cli)) {
        Ok(code) => code,
        // The reader of our output stopped reading (see `exit_quietly_when_stdout_closes`).
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => fail(&error),
    }
}

async fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    let context = Context {
        policy: cli.policy,
        config: cli.config,
        emulate: cli.emulate,
        policy_cache_max: cli.policy_cache_max,
        emulation: tokio::sync::OnceCell::new(),
    };
    match cli.command {
        Command::Config(command) => config::run(&context, command).await,
        Command::Policy(command) => policy::run(&context, command).await,
        Command::Models(command) => models::run(&context, command).await,
        Command::Chat(args) => chat::run(&context, args).await,
        Command::Gateway(args) => gateway::run(&context, args).await,
        Command::Demo(args) => demo::run(&context, args).await,
        Command::Healthcheck(args) => healthcheck::run(args).await,
        Command::Keys(command) => keys::run(command).await,
    }
}

fn fail(error: &anyhow::Error) -> ExitCode {
    eprintln!("error: {}", format!("{error:#}").replace('\n', " "));
    ExitCode::FAILURE
}

/// What every command may need from the global flags.
struct Context {
    policy: Option<PathBuf>,
    config: Option<PathBuf>,
    /// `--emulate`: Bedrock is the bundled emulator, started on first use.
    emulate: bool,
    /// `--policy-cache-max`: the compile cache's cap, over the environment's.
    policy_cache_max: Option<u64>,
    emulation: tokio::sync::OnceCell<emulate::Emulation>,
}

impl Context {
    /// The policy source the global flag names.
    fn policy_source(&self) -> PolicySource {
        self.policy.clone().map_or(PolicySource::Embedded, PolicySource::File)
    }

    /// A host running the selected policy, with the compile cache in the state directory.
    async fn host(&self) -> anyhow::Result<PolicyHost> {
        self.host_builder().build(self.policy_source()).await.context("cannot load the policy")
    }

    /// A policy host builder with the compile cache in the state directory, capped by
    /// `--policy-cache-max` when given (else by OPENCLAW_POLICY_CACHE_MAX or the default).
    fn host_builder(&self) -> PolicyHostBuilder {
        let builder = PolicyHost::builder().compile_cache(environment::policy_cache_dir());
        match self.policy_cache_max {
            Some(bytes) => builder.compile_cache_max(bytes),
            None => builder,
        }
    }

    /// The Bedrock capability every command calls through: Amazon Bedrock with the process's
    /// AWS environment, or with `--emulate` the bundled emulator, started (once) for `region`,
    /// the region the config resolves to. This is the one place that decides which.
    async fn bedrock(&self, region: &str) -> anyhow::Result<Arc<dyn BedrockAccess>> {
        if !self.emulate {
            return Ok(Arc::new(openclaw_host::aws::Bedrock::from_process_env().await));
        }
        let emulation = self.emulation.get_or_try_init(|| emulate::Emulation::start(region)).await?;
        Ok(Arc::new(emulation.bedrock()))
    }

    /// The running emulator, once [`Context::bedrock`] started one.
    fn emulation(&self) -> Option<&emulate::Emulation> {
        self.emulation.get()
    }

    /// ` [emulator]` after every line the emulator answered, else nothing.
    fn tag(&self) -> &'static str {
        if self.emulate { emulate::TAG } else { "" }
    }
}

/// Prints a value as one pretty JSON document on stdout.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// An enum value's name as the JSON output spells it (`rate_limit`, `bare_id`, ...).
fn enum_name(value: &impl serde::Serialize) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
}
