//! `openclaw-bedrock keys ...`: virtual client keys in the state directory the gateway uses
//! (`<state dir>/openclaw-bedrock/keys`); a running gateway sees each change at its next
//! request. The operations are the admin API's ([`openclaw_host::keys::admin`]).

use super::print_json;
use clap::{Args, Subcommand};
use openclaw_host::environment;
use openclaw_host::keys::admin::{self, Issued, KeySpec, KeyView, UsageRow};
use openclaw_host::keys::journal::Journal;
use openclaw_host::keys::time::Period;
use std::path::PathBuf;
use std::process::ExitCode;

/// The keys' directory: `<state dir>/openclaw-bedrock/keys`, the gateway's and the CLI's.
pub(super) fn keys_dir() -> PathBuf {
    environment::own_dir(&environment::state_dir()).join("keys")
}

#[derive(Debug, Subcommand)]
pub(super) enum KeysCommand {
    /// Create a key and print its token (shown this once: only a digest is stored).
    Create(CreateArgs),
    /// List every key.
    List(JsonArg),
    /// Show one key.
    Show(IdArgs),
    /// Change a key's settings (`none` removes a limit).
    Set(SetArgs),
    /// Revoke a key (refused from the gateway's next request on).
    Revoke(IdArgs),
    /// Give a key a new secret; the old one works for `--grace` more.
    Rotate(RotateArgs),
    /// Start a key's spend this budget period from zero.
    ResetSpend(IdArgs),
    /// Settled requests, tokens and spend per key.
    Usage(UsageArgs),
}

#[derive(Debug, Args)]
pub(super) struct JsonArg {
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
pub(super) struct IdArgs {
    /// The key's id (12 hex digits, as `keys list` shows).
    id: String,
    #[command(flatten)]
    json: JsonArg,
}

#[derive(Debug, Args)]
pub(super) struct CreateArgs {
    /// The key's name (who it is for).
    #[arg(long)]
    name: String,
    /// The models it may call, comma-separated (as clients name them, or Bedrock ids).
    #[arg(long, value_name = "LIST")]
    models: Option<String>,
    /// Requests per minute (any 60-second window).
    #[arg(long, value_name = "N")]
    rpm: Option<u32>,
    /// Tokens per minute (reserved at admission, settled to real usage).
    #[arg(long, value_name = "N")]
    tpm: Option<u64>,
    /// Requests in flight at once (streams until they end).
    #[arg(long, value_name = "N")]
    concurrency: Option<u32>,
    /// Spend per period, in USD.
    #[arg(long, value_name = "USD")]
    budget_usd: Option<String>,
    /// The budget's period (UTC).
    #[arg(long, value_name = "PERIOD", value_enum, requires = "budget_usd")]
    budget_period: Option<Period>,
    /// When it stops working: a duration (30d), a date (2027-01-31) or 2027-01-31T12:00:00Z.
    #[arg(long, value_name = "WHEN")]
    expires: Option<String>,
    #[command(flatten)]
    json: JsonArg,
}

#[derive(Debug, Args)]
pub(super) struct SetArgs {
    /// The key's id.
    id: String,
    /// A new name.
    #[arg(long)]
    name: Option<String>,
    /// The models it may call, comma-separated, or `none` for any.
    #[arg(long, value_name = "LIST|none")]
    models: Option<String>,
    /// Requests per minute, or `none`.
    #[arg(long, value_name = "N|none")]
    rpm: Option<String>,
    /// Tokens per minute, or `none`.
    #[arg(long, value_name = "N|none")]
    tpm: Option<String>,
    /// Requests in flight, or `none`.
    #[arg(long, value_name = "N|none")]
    concurrency: Option<String>,
    /// Spend per period in USD, or `none`.
    #[arg(long, value_name = "USD|none")]
    budget_usd: Option<String>,
    /// The budget's period.
    #[arg(long, value_name = "PERIOD", value_enum)]
    budget_period: Option<Period>,
    /// When it stops working, or `none`.
    #[arg(long, value_name = "WHEN|none")]
    expires: Option<String>,
    #[command(flatten)]
    json: JsonArg,
}

#[derive(Debug, Args)]
pub(super) struct RotateArgs {
    /// The key's id.
    id: String,
    /// How long the old secret keeps working (90s, 15m, 12h, 7d); default: it stops now.
    #[arg(long, value_name = "DURATION")]
    grace: Option<String>,
    #[command(flatten)]
    json: JsonArg,
}

#[derive(Debug, Args)]
pub(super) struct UsageArgs {
    /// From when (whole UTC days): a duration back from now (7d), a date or a time; default:
    /// the start of this month.
    #[arg(long, value_name = "WHEN")]
    since: Option<String>,
    #[command(flatten)]
    json: JsonArg,
}

fn models_list(text: &str) -> Vec<String> {
    text.split(',').map(|m| m.trim().to_string()).filter(|m| !m.is_empty()).collect()
}

/// A `set` value: absent (unchanged), `none` (removed), or a value.
fn setting<T: std::str::FromStr>(flag: &str, value: Option<String>) -> anyhow::Result<Option<Option<T>>> {
    match value.as_deref().map(str::trim) {
        None => Ok(None),
        Some("none") => Ok(Some(None)),
        Some(text) => text.parse().map(|v| Some(Some(v))).map_err(|_| anyhow::anyhow!("--{flag}: `{text}` is not a number or `none`")),
    }
}

pub(super) async fn run(command: KeysCommand) -> anyhow::Result<ExitCode> {
    // File operations with fsync: off the async runtime's thread.
    tokio::task::spawn_blocking(move || run_blocking(command)).await?
}

fn run_blocking(command: KeysCommand) -> anyhow::Result<ExitCode> {
    let mut journal = Journal::open(&keys_dir())?;
    match command {
        KeysCommand::Create(args) => {
            let spec = KeySpec {
                name: Some(args.name),
                models: args.models.as_deref().map(|m| Some(models_list(m))),
                rpm: args.rpm.map(Some),
                tpm: args.tpm.map(Some),
                concurrency: args.concurrency.map(Some),
                budget_usd: args.budget_usd.map(Some),
                budget_period: args.budget_period,
                expires: args.expires.map(Some),
            };
            issued(&admin::create(&mut journal, spec)?, args.json.json, "created")
        }
        KeysCommand::List(args) => {
            let keys = admin::list(&mut journal)?;
            if args.json {
                print_json(&serde_json::json!({ "keys": keys }))?;
            } else if keys.is_empty() {
                println!("no keys: create one with `openclaw-bedrock keys create --name NAME`");
            } else {
                println!("{:<12}  {:<20}  {:<7}  {:>6}  {:>9}  {:>4}  {:>14}  {:>14}  EXPIRES", "ID", "NAME", "STATE", "RPM", "TPM", "CONC", "BUDGET", "SPENT");
                for key in &keys {
                    println!("{}", row(key));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        KeysCommand::Show(args) => shown(&admin::show(&mut journal, &args.id)?, args.json.json),
        KeysCommand::Set(args) => {
            let spec = KeySpec {
                name: args.name,
                models: match args.models.as_deref().map(str::trim) {
                    None => None,
                    Some("none") => Some(None),
                    Some(list) => Some(Some(models_list(list))),
                },
                rpm: setting("rpm", args.rpm)?,
                tpm: setting("tpm", args.tpm)?,
                concurrency: setting("concurrency", args.concurrency)?,
                budget_usd: args.budget_usd.map(|usd| (usd.trim() != "none").then_some(usd)),
                budget_period: args.budget_period,
                expires: args.expires.map(|when| (when.trim() != "none").then_some(when)),
            };
            shown(&admin::set(&mut journal, &args.id, spec)?, args.json.json)
        }
        KeysCommand::Revoke(args) => shown(&admin::revoke(&mut journal, &args.id)?, args.json.json),
        KeysCommand::Rotate(args) => issued(&admin::rotate(&mut journal, &args.id, args.grace.as_deref())?, args.json.json, "rotated"),
        KeysCommand::ResetSpend(args) => shown(&admin::reset_spend(&mut journal, &args.id)?, args.json.json),
        KeysCommand::Usage(args) => {
            let rows = admin::usage(&mut journal, args.since.as_deref())?;
            if args.json.json {
                print_json(&serde_json::json!({ "usage": rows }))?;
            } else {
                println!("{:<12}  {:<20}  {:>9}  {:>12}  {:>12}  {:>14}", "ID", "NAME", "REQUESTS", "INPUT", "OUTPUT", "SPENT USD");
                for row in &rows {
                    println!("{}", usage_row(row));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn limit(value: Option<impl ToString>) -> String {
    value.map_or_else(|| "-".to_string(), |v| v.to_string())
}

fn row(key: &KeyView) -> String {
    let budget = key.budget_usd.as_ref().map(|usd| format!("{usd}/{}", key.budget_period.map_or("", period_name)));
    format!(
        "{:<12}  {:<20}  {:<7}  {:>6}  {:>9}  {:>4}  {:>14}  {:>14}  {}",
        key.id,
        key.name,
        key.state,
        limit(key.rpm),
        limit(key.tpm),
        limit(key.concurrency),
        limit(budget),
        key.spent_usd,
        key.expires.as_deref().unwrap_or("-")
    )
}

fn usage_row(row: &UsageRow) -> String {
    format!(
        "{:<12}  {:<20}  {:>9}  {:>12}  {:>12}  {:>14}",
        row.id, row.name, row.totals.requests, row.totals.input_tokens, row.totals.output_tokens, row.spent_usd
    )
}

fn period_name(period: Period) -> &'static str {
    match period {
        Period::Day => "day",
        Period::Week => "week",
        Period::Month => "month",
    }
}

fn shown(key: &KeyView, json: bool) -> anyhow::Result<ExitCode> {
    if json {
        print_json(key)?;
    } else {
        println!("{}", row(key));
        if let Some(models) = &key.models {
            println!("models: {}", models.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn issued(issued: &Issued, json: bool, what: &str) -> anyhow::Result<ExitCode> {
    if json {
        print_json(issued)?;
    } else {
        println!("{what} key {} ({})", issued.key.id, issued.key.name);
        println!("token: {}", issued.token);
        println!("the token is shown this once (only its digest is stored): hand it to the client now");
    }
    Ok(ExitCode::SUCCESS)
}
