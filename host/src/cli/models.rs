//! `openclaw-bedrock models status`: config, default model, region, discovery state, credentials, and
//! (with `--probe`) one tiny live call that says whether Bedrock really answers.

use super::config::{Loaded, PolicyReport};
use super::models_list::EmulatorReport;
use super::{Context, print_json, problems};
use clap::{Args, Subcommand};
use openclaw_host::aws::model::{ApiError, CredentialDescription, VisibleSource};
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::environment::ConfigPath;
use openclaw_host::types::{ConfigSource, ProbeRequest, ProbeResult, ProbeStatus, ResolvedRegion, Settings};
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
pub(super) struct CredentialsReport {
    pub(super) ok: bool,
    #[serde(flatten)]
    pub(super) description: Option<CredentialDescription>,
    pub(super) error: Option<ApiError>,
    pub(super) visible_sources: Vec<VisibleSource>,
}

#[derive(Serialize)]
pub(super) struct DiscoveryReport {
    /// `true`, `false`, or null (auto).
    enabled: Option<bool>,
    /// Whether discovery runs, after auto-enable.
    pub(super) runs: bool,
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
    /// Null unless `--emulate`.
    emulator: Option<EmulatorReport>,
    discovery: DiscoveryReport,
    credentials: &'a CredentialsReport,
    probe: Option<&'a ProbeResult>,
}

/// What `models status` finds out, shared with `openclaw-bedrock demo`.
pub(super) struct Status {
    pub(super) bedrock: Arc<dyn BedrockAccess>,
    pub(super) credentials: CredentialsReport,
    pub(super) discovery: DiscoveryReport,
}

impl Status {
    /// Builds the Bedrock capability (through [`Context::bedrock`]), resolves credentials and
    /// decides whether discovery runs.
    pub(super) async fn gather(context: &Context, settings: &Settings) -> anyhow::Result<Self> {
        let bedrock = context.bedrock(&settings.region.name).await?;
        let visible_sources = bedrock.visible_sources();
        let credentials = match bedrock.resolve_credentials().await {
            Ok(description) => CredentialsReport { ok: true, description: Some(description), error: None, visible_sources },
            Err(error) => CredentialsReport { ok: false, description: None, error: Some(error), visible_sources },
        };
        let discovery = discovery_state(settings, &credentials.visible_sources);
        Ok(Self { bedrock, credentials, discovery })
    }

    /// Sends the probe through a fresh instance of the policy.
    pub(super) async fn probe(&self, loaded: &Loaded, config: &ConfigSource, max_tokens: u32, timeout: Duration) -> anyhow::Result<ProbeResult> {
        let capabilities = Capabilities { environment: Arc::clone(&loaded.environment), bedrock: Some(Arc::clone(&self.bedrock)) };
        let request = ProbeRequest { config: config.clone(), settings: None, max_tokens, timeout };
        let mut instance = loaded.host.instance_with(capabilities).await?;
        Ok(instance.probe(&request).await?)
    }
}

async fn status(context: &Context, args: StatusArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(context).await?;
    let Ok(settings) = &loaded.outcome else {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw-bedrock config validate)", loaded.source.origin);
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
    let status = Status::gather(context, settings).await?;
    let probe = if args.probe || args.probe_provider.is_some() {
        Some(status.probe(&loaded, &loaded.source, args.probe_max_tokens, Duration::from_millis(args.probe_timeout)).await?)
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
        emulator: context.emulation().map(|e| EmulatorReport { endpoint: e.endpoint(), region: e.region().to_string() }),
        discovery: status.discovery,
        credentials: &status.credentials,
        probe: probe.as_ref(),
    };
    if args.json {
        print_json(&report)?;
    } else {
        loaded.print_diagnostics();
        print!("{}", render_rows(&rows(context, &report.header(), report.credentials, &report.discovery, report.probe)));
    }
    let failed = (args.check && !status.credentials.ok) || probe.as_ref().is_some_and(|probe| probe.status != ProbeStatus::Ok);
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

/// The rows about the config: path, default model, region.
pub(super) struct Header<'a> {
    pub(super) config_path: &'a ConfigPath,
    pub(super) config_found: bool,
    pub(super) default_model: Option<&'a str>,
    pub(super) region: &'a ResolvedRegion,
}

impl StatusReport<'_> {
    fn header(&self) -> Header<'_> {
        Header { config_path: self.config_path, config_found: self.config_found, default_model: self.default_model, region: self.region }
    }
}

/// The report's rows, label and value. With `--emulate` the first row says what answers and
/// every row the emulator answered ends in ` [emulator]`; a failure's row ends with what to do.
pub(super) fn rows(
    context: &Context,
    header: &Header<'_>,
    credentials: &CredentialsReport,
    discovery: &DiscoveryReport,
    probe: Option<&ProbeResult>,
) -> Vec<(&'static str, String)> {
    let tag = context.tag();
    let credentials_error = credentials.error.clone();
    let credentials = match (&credentials.description, &credentials.error) {
        (Some(description), _) => {
            let mut text = description.source.clone();
            if let Some(key) = &description.access_key_id {
                text.push_str(&format!(", access key {key}"));
            }
            if let Some(expires) = description.expires_at {
                text.push_str(&format!(", expires at {expires} (unix seconds)"));
            }
            format!("{text}{tag}")
        }
        (None, Some(error)) => format!("none resolved: {}", problems::sentence(error)),
        (None, None) => "none resolved".to_string(),
    };
    let found = if header.config_found { "" } else { " (not found: defaults apply)" };
    let mut rows = Vec::new();
    if let Some(emulation) = context.emulation() {
        rows.push(("emulator", emulation.describe()));
    }
    rows.extend([
        ("config", format!("{}{found}", header.config_path.path.display())),
        ("default model", header.default_model.unwrap_or("(none)").to_string()),
        ("region", format!("{} ({})", header.region.name, header.region.source)),
        ("discovery", format!("{} ({}){tag}", if discovery.runs { "on" } else { "off" }, discovery.reason)),
        ("credentials", credentials),
    ]);
    if let Some(probe) = probe {
        // A probe without credentials fails for the reason the credentials row gives: one
        // problem, one line.
        let line = match (&credentials_error, &probe.error) {
            (Some(_), Some(error)) if is_credential_failure(error) => {
                format!("{} in {} ms: not sent, no credentials (above){tag}", probe.status.as_str(), probe.latency_ms)
            }
            _ => probe_line(probe, tag),
        };
        rows.push(("probe", line));
    }
    rows
}

/// Whether a call failed because credentials did not resolve (no request reached Bedrock).
pub(super) fn is_credential_failure(error: &ApiError) -> bool {
    error.class == openclaw_host::aws::ErrorClass::Auth && error.code.is_none() && error.http_status.is_none()
}

/// `ok in 10 ms, MODEL in REGION`, or the failure in words with what to do next.
pub(super) fn probe_line(probe: &ProbeResult, tag: &str) -> String {
    let mut line = format!("{} in {} ms", probe.status.as_str(), probe.latency_ms);
    if let Some(target) = &probe.target {
        line.push_str(&format!(", {target} in {}", probe.region));
    }
    match &probe.error {
        Some(_) | None if probe.status == ProbeStatus::NoModel => {
            line.push_str(": no default model is configured; set `model` in the config file (openclaw-bedrock models list shows the ids)")
        }
        Some(error) => line.push_str(&format!(": {}", problems::sentence(error))),
        None => {}
    }
    format!("{line}{tag}")
}

/// Rows as two aligned columns.
pub(super) fn render_rows(rows: &[(&str, String)]) -> String {
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter().map(|(label, value)| format!("{label:<width$}  {value}\n")).collect()
}
