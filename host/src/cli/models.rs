//! `openclaw models status`: config, default model, region, discovery state, credentials, and
//! (with `--probe`) one tiny live call that says whether Bedrock really answers.

use super::config::PolicyReport;
use super::{Context, print_json};
use clap::{Args, Subcommand};
use openclaw_host::aws::model::{ApiError, CredentialDescription, VisibleSource};
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::environment::ConfigPath;
use openclaw_host::types::{ProbeRequest, ProbeResult, ProbeStatus, ResolvedRegion, Settings};
use serde::Serialize;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Subcommand)]
pub(super) enum ModelsCommand {
    /// Show the provider's state; `--probe` sends one tiny request to the default model.
    Status(StatusArgs),
    /// List the discovered models (from the cache unless `--refresh` or the cache is stale).
    List(super::models_list::ListArgs),
}

#[derive(Debug, Args)]
pub(super) struct StatusArgs {
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
    /// Print only the default model reference.
    #[arg(long, conflicts_with_all = ["json", "check"])]
    plain: bool,
    /// Exit 0 when credentials resolve, 1 when they do not.
    #[arg(long)]
    check: bool,
    /// Probe the default model with one tiny streaming request.
    #[arg(long)]
    probe: bool,
    /// Probe this provider (`amazon-bedrock`, or its alias `bedrock`); implies --probe.
    #[arg(long, value_name = "PROVIDER", value_parser = parse_provider)]
    probe_provider: Option<String>,
    /// The probe's time limit, in ms.
    #[arg(long, value_name = "MS", default_value_t = 8000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    probe_timeout: u64,
    /// Most tokens the probe asks for.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..))]
    probe_max_tokens: u32,
}

/// The provider id is `amazon-bedrock`; `bedrock` is accepted everywhere as an alias.
fn parse_provider(value: &str) -> Result<String, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "amazon-bedrock" | "bedrock" => Ok("amazon-bedrock".to_string()),
        other => Err(format!("unknown provider `{other}`: this is the Amazon Bedrock provider (`amazon-bedrock`, alias `bedrock`)")),
    }
}

pub(super) async fn run(context: &Context, command: ModelsCommand) -> anyhow::Result<ExitCode> {
    match command {
        ModelsCommand::Status(args) => status(context, args).await,
        ModelsCommand::List(args) => super::models_list::run(context, args).await,
    }
}

#[derive(Serialize)]
struct CredentialsReport {
    ok: bool,
    #[serde(flatten)]
    description: Option<CredentialDescription>,
    error: Option<ApiError>,
    visible_sources: Vec<VisibleSource>,
}

#[derive(Serialize)]
struct DiscoveryReport {
    /// `true`, `false`, or null (auto).
    enabled: Option<bool>,
    /// Whether discovery runs, after auto-enable.
    runs: bool,
    /// Why, in words.
    reason: String,
}

#[derive(Serialize)]
struct StatusReport<'a> {
    provider: &'static str,
    config_path: &'a ConfigPath,
    config_found: bool,
    policy: PolicyReport<'a>,
    default_model: Option<&'a str>,
    region: &'a ResolvedRegion,
    discovery: DiscoveryReport,
    credentials: &'a CredentialsReport,
    probe: Option<&'a ProbeResult>,
}

async fn status(context: &Context, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let loaded = super::config::Loaded::load(context).await?;
    let Ok(settings) = &loaded.outcome else {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw config validate)", loaded.source.origin);
        return Ok(ExitCode::FAILURE);
    };
    if args.plain {
        return Ok(match &settings.default_model {
            Some(model) => {
                println!("{model}");
                ExitCode::SUCCESS
            }
            None => {
                eprintln!("no default model is configured (set `model` in {})", loaded.source.origin);
                ExitCode::FAILURE
            }
        });
    }
    let bedrock: Arc<dyn BedrockAccess> = Arc::new(openclaw_host::aws::Bedrock::from_process_env().await);
    let visible_sources = bedrock.visible_sources();
    let credentials = match bedrock.resolve_credentials().await {
        Ok(description) => CredentialsReport { ok: true, description: Some(description), error: None, visible_sources },
        Err(error) => CredentialsReport { ok: false, description: None, error: Some(error), visible_sources },
    };
    let discovery = discovery_state(settings, &credentials.visible_sources);
    let probe = if args.probe || args.probe_provider.is_some() {
        let capabilities = Capabilities { environment: Arc::clone(&loaded.environment), bedrock: Some(Arc::clone(&bedrock)) };
        let request = ProbeRequest { config: loaded.source.clone(), max_tokens: args.probe_max_tokens, timeout: Duration::from_millis(args.probe_timeout) };
        let mut instance = loaded.host.instance_with(capabilities).await?;
        Some(instance.probe(&request).await?)
    } else {
        None
    };
    let report = StatusReport {
        provider: "amazon-bedrock",
        config_path: &loaded.path,
        config_found: loaded.source.text.is_some(),
        policy: PolicyReport::new(&loaded.policy),
        default_model: settings.default_model.as_deref(),
        region: &settings.region,
        discovery,
        credentials: &credentials,
        probe: probe.as_ref(),
    };
    if args.json {
        print_json(&report)?;
    } else {
        loaded.print_diagnostics();
        print!("{}", render(&report));
    }
    let failed = (args.check && !credentials.ok) || probe.as_ref().is_some_and(|probe| probe.status != ProbeStatus::Ok);
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// Whether discovery runs: `enabled` as set, or (unset) when a credential source is visible
/// without a network call.
fn discovery_state(settings: &Settings, visible: &[VisibleSource]) -> DiscoveryReport {
    let enabled = settings.discovery.enabled;
    let (runs, reason) = match enabled {
        Some(true) => (true, "enabled in the config".to_string()),
        Some(false) => (false, "disabled in the config".to_string()),
        None => match visible.first() {
            Some(source) => (true, format!("auto: a credential source is visible ({})", source.description)),
            None => (false, "auto: no credential source is visible without a network call".to_string()),
        },
    };
    DiscoveryReport { enabled, runs, reason }
}

fn render(report: &StatusReport<'_>) -> String {
    let credentials = match (&report.credentials.description, &report.credentials.error) {
        (Some(description), _) => {
            let mut text = description.source.clone();
            if let Some(key) = &description.access_key_id {
                text.push_str(&format!(", access key {key}"));
            }
            if let Some(expires) = description.expires_at {
                text.push_str(&format!(", expires at {expires} (unix seconds)"));
            }
            text
        }
        (None, Some(error)) => format!("none resolved: {}", error.message),
        (None, None) => "none resolved".to_string(),
    };
    let found = if report.config_found { "" } else { " (not found: defaults apply)" };
    let mut rows = vec![
        ("config", format!("{}{found}", report.config_path.path.display())),
        ("default model", report.default_model.unwrap_or("(none)").to_string()),
        ("region", format!("{} ({})", report.region.name, report.region.source)),
        ("discovery", format!("{} ({})", if report.discovery.runs { "on" } else { "off" }, report.discovery.reason)),
        ("credentials", credentials),
    ];
    if let Some(probe) = report.probe {
        let mut line = format!("{} in {} ms", probe.status.as_str(), probe.latency_ms);
        if let Some(target) = &probe.target {
            line.push_str(&format!(", {target} in {}", probe.region));
        }
        if let Some(error) = &probe.error {
            line.push_str(&format!(": {}", error.message));
        }
        rows.push(("probe", line));
    }
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter().map(|(label, value)| format!("{label:<width$}  {value}\n")).collect()
}
