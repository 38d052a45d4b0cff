//! `openclaw-bedrock config validate` and `openclaw-bedrock config show`.

use super::{Context, print_json};
use clap::Subcommand;
use openclaw_host::environment::{self, ConfigPath};
use openclaw_host::sandbox::{LoadedPolicy, PolicyError, PolicyHost};
use openclaw_host::types::{ConfigOutcome, ConfigSource, Diagnostic, RegionEnvironment, Settings, Severity};
use serde::Serialize;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub(super) enum ConfigCommand {
    /// Check the config file: exit 0 when valid, 1 when not; diagnostics on stderr.
    Validate {
        /// Print one JSON document with the verdict and every diagnostic.
        #[arg(long)]
        json: bool,
    },
    /// Show the resolved settings: config path, default model, discovery, region.
    Show {
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
}

pub(super) async fn run(context: &Context, command: ConfigCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConfigCommand::Validate { json } => match Loaded::load(context).await {
            Ok(loaded) => validate(&loaded, json),
            // The file itself is the problem (unreadable, not UTF-8, too large or too complex):
            // `--json` still gets its document.
            Err(error) if json && error.is::<UnusableConfig>() => {
                let path = environment::config_path(context.config.as_deref());
                let diagnostic = Diagnostic { severity: Severity::Error, path: String::new(), line: 0, column: 0, message: error.to_string() };
                print_json(&ValidateReport {
                    config_found: path.path.symlink_metadata().is_ok(),
                    config_path: &path,
                    valid: false,
                    diagnostics: &[diagnostic],
                })?;
                Ok(ExitCode::FAILURE)
            }
            Err(error) => Err(error),
        },
        ConfigCommand::Show { json } => show(&Loaded::load(context).await?, json),
    }
}

/// A config file the policy could not even judge: unreadable, not UTF-8, too large, or so
/// complex that reading it ran the policy out of memory or time.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(super) struct UnusableConfig(String);

/// A config file, read and run through the policy, with the host that ran it.
pub(super) struct Loaded {
    pub(super) path: ConfigPath,
    pub(super) source: ConfigSource,
    pub(super) outcome: ConfigOutcome,
    pub(super) policy: Arc<LoadedPolicy>,
    pub(super) host: PolicyHost,
    pub(super) environment: Arc<RegionEnvironment>,
}

impl Loaded {
    /// Resolves the config path, reads the file and runs it through the policy.
    pub(super) async fn load(context: &Context) -> anyhow::Result<Self> {
        let path = environment::config_path(context.config.as_deref());
        let source = environment::read_config(&path.path).map_err(|error| UnusableConfig(error.to_string()))?;
        let host = context.host().await?;
        let region_environment = Arc::new(environment::region_environment().await);
        let mut instance = host.instance(Arc::clone(&region_environment)).await?;
        let outcome = instance.load_config(&source).await.map_err(|error| match error {
            PolicyError::MemoryCap { .. } | PolicyError::Deadline { .. } => anyhow::Error::new(UnusableConfig(format!(
                "config file {} is too large or too complex for the policy to read ({error}); shorten it",
                source.origin
            ))),
            error => error.into(),
        })?;
        let policy = host.current();
        Ok(Self { path, source, outcome, policy, host, environment: region_environment })
    }

    fn diagnostics(&self) -> &[Diagnostic] {
        match &self.outcome {
            Ok(settings) => &settings.warnings,
            Err(diagnostics) => diagnostics,
        }
    }

    pub(super) fn print_diagnostics(&self) {
        for diagnostic in self.diagnostics() {
            eprintln!("{}", diagnostic.render(&self.source.origin));
        }
    }

    fn exit_code(&self) -> ExitCode {
        if self.outcome.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
    }
}

#[derive(Serialize)]
struct ValidateReport<'a> {
    config_path: &'a ConfigPath,
    config_found: bool,
    valid: bool,
    diagnostics: &'a [Diagnostic],
}

fn validate(loaded: &Loaded, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(&ValidateReport {
            config_path: &loaded.path,
            config_found: loaded.source.text.is_some(),
            valid: loaded.outcome.is_ok(),
            diagnostics: loaded.diagnostics(),
        })?;
        return Ok(loaded.exit_code());
    }
    loaded.print_diagnostics();
    match (&loaded.outcome, &loaded.source.text) {
        (Ok(_), Some(_)) => println!("{}: valid", loaded.source.origin),
        (Ok(_), None) => println!("{}: not found; every setting has its default", loaded.source.origin),
        (Err(diagnostics), _) => {
            let errors = diagnostics.iter().filter(|d| d.severity == openclaw_host::types::Severity::Error).count();
            eprintln!("{}: invalid ({errors} error{})", loaded.source.origin, if errors == 1 { "" } else { "s" });
        }
    }
    Ok(loaded.exit_code())
}

#[derive(Serialize)]
struct ShowReport<'a> {
    config_path: &'a ConfigPath,
    config_found: bool,
    policy: PolicyReport<'a>,
    settings: &'a Settings,
}

/// The policy that resolved the settings, as reports show it.
#[derive(Serialize)]
pub(super) struct PolicyReport<'a> {
    name: &'a str,
    version: &'a str,
    contract: &'a str,
    origin: &'a str,
    sha256: &'a str,
}

impl<'a> PolicyReport<'a> {
    pub(super) fn new(policy: &'a LoadedPolicy) -> Self {
        let info = policy.info();
        Self { name: &info.name, version: &info.version, contract: &info.contract, origin: policy.origin(), sha256: policy.digest() }
    }
}

fn show(loaded: &Loaded, json: bool) -> anyhow::Result<ExitCode> {
    let Ok(settings) = &loaded.outcome else {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw-bedrock config validate)", loaded.source.origin);
        return Ok(ExitCode::FAILURE);
    };
    if json {
        print_json(&ShowReport { config_path: &loaded.path, config_found: loaded.source.text.is_some(), policy: PolicyReport::new(&loaded.policy), settings })?;
        return Ok(ExitCode::SUCCESS);
    }
    loaded.print_diagnostics();
    print!("{}", render_settings(loaded, settings));
    Ok(ExitCode::SUCCESS)
}

/// The human-readable settings table.
fn render_settings(loaded: &Loaded, settings: &Settings) -> String {
    let source_of = |setting: &str| match settings.source_of(setting) {
        Some(path) => format!("(from {path})"),
        None => "(default)".to_string(),
    };
    let found = if loaded.source.text.is_some() { "" } else { " (not found: defaults apply)" };
    let discovery = &settings.discovery;
    let enabled = match discovery.enabled {
        Some(true) => "true".to_string(),
        Some(false) => "false".to_string(),
        None => "auto (runs when a credential source is visible)".to_string(),
    };
    let filter = if discovery.provider_filter.is_empty() {
        "[] (all providers)".to_string()
    } else {
        format!("[{}]", discovery.provider_filter.iter().map(|p| format!("{p:?}")).collect::<Vec<_>>().join(", "))
    };
    let refresh = match discovery.refresh_interval {
        0 => "0 (cache off)".to_string(),
        seconds => format!("{seconds} s"),
    };
    let model = match (&settings.default_model, &settings.default_model_reference) {
        (Some(model), Some(reference)) => format!("{model} [{}] {}", super::enum_name(&reference.kind), source_of("model")),
        (Some(model), None) => format!("{model} {}", source_of("model")),
        (None, _) => "(none)".to_string(),
    };
    let rows = [
        ("config file", format!("{}{found} [{}]", loaded.path.path.display(), loaded.path.source)),
        ("policy", format!("{} [{}]", loaded.policy.info(), loaded.policy.origin())),
        ("default model", model),
        (
            "region",
            match settings.region.source {
                openclaw_host::types::RegionSource::Default => format!("{} (default)", settings.region.name),
                source => format!("{} (from {source})", settings.region.name),
            },
        ),
        ("discovery.enabled", format!("{enabled} {}", source_of("discovery.enabled"))),
        (
            "discovery.region",
            match &discovery.region {
                Some(region) => format!("{region} {}", source_of("discovery.region")),
                None => "(not set)".to_string(),
            },
        ),
        ("discovery.providerFilter", format!("{filter} {}", source_of("discovery.providerFilter"))),
        ("discovery.refreshInterval", format!("{refresh} {}", source_of("discovery.refreshInterval"))),
        ("discovery.defaultContextWindow", format!("{} {}", discovery.default_context_window, source_of("discovery.defaultContextWindow"))),
        ("discovery.defaultMaxTokens", format!("{} {}", discovery.default_max_tokens, source_of("discovery.defaultMaxTokens"))),
    ];
    let width = rows.iter().map(|(label, _)| label.len()).max().unwrap_or(0);
    rows.iter().map(|(label, value)| format!("{label:<width$}  {value}\n")).collect()
}
