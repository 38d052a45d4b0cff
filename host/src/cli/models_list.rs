//! `openclaw-bedrock models list`: the discovered models as a table or one JSON document. With
//! `--emulate` the emulator's catalog answers, and every row says so.

use super::config::Loaded;
use super::{Context, print_json};
use clap::Args;
use openclaw_host::capability::Capabilities;
use openclaw_host::types::{Discovery, ModelInfo, ModelKind, Settings};
use serde::Serialize;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// With `--emulate`: what answered.
#[derive(Serialize)]
pub(super) struct EmulatorReport {
    pub(super) endpoint: String,
    pub(super) region: String,
}

#[derive(Debug, Args)]
pub(super) struct ListArgs {
    /// Print one JSON document.
    #[arg(long)]
    json: bool,
    /// Ask Bedrock now instead of answering from the cache.
    #[arg(long)]
    refresh: bool,
    /// Show only this provider's models (provider name or id prefix, case-insensitive:
    /// `anthropic`, `Mistral AI`, `mistral`).
    #[arg(long, value_name = "PROVIDER")]
    provider: Option<String>,
}

/// One listed model with its tags.
#[derive(Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    model: &'a ModelInfo,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct ListReport<'a> {
    region: &'a str,
    runs: bool,
    reason: &'a str,
    stale: bool,
    stale_reason: Option<&'a str>,
    fetched_at: Option<u64>,
    default_model: Option<&'a str>,
    /// Null unless `--emulate`: what answered.
    emulator: Option<EmulatorReport>,
    models: Vec<Row<'a>>,
}

pub(super) async fn run(context: &Context, args: ListArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(context).await?;
    let Ok(settings) = &loaded.outcome else {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw-bedrock config validate)", loaded.source.origin);
        return Ok(ExitCode::FAILURE);
    };
    // Through the one place that decides between Bedrock and `--emulate`'s emulator.
    let bedrock = context.bedrock(&settings.region.name).await?;
    if let Some(emulation) = context.emulation()
        && !args.json
    {
        eprintln!("emulator: the models come from the {}", emulation.describe());
    }
    let capabilities = Capabilities { environment: Arc::clone(&loaded.environment), bedrock: Some(bedrock) };
    let mut instance = loaded.host.instance_with(capabilities).await?;
    let spinner = (!args.json && std::io::stderr().is_terminal()).then(|| Spinner::start(format!("discovering models in {}", settings.region.name)));
    let outcome = instance.discover(&loaded.source, args.refresh).await;
    drop(spinner);
    let discovery = match outcome? {
        Ok(discovery) => discovery,
        Err(error) => {
            eprintln!("error: discovery failed: {}{}", printable(&error.message), context.tag());
            return Ok(ExitCode::FAILURE);
        }
    };
    let rows: Vec<Row<'_>> = discovery
        .models
        .iter()
        .filter(|model| args.provider.as_deref().is_none_or(|wanted| provider_matches(model, wanted)))
        .map(|model| Row { model, tags: tags(model, settings, &discovery) })
        .collect();
    if args.json {
        print_json(&ListReport {
            region: &discovery.region,
            runs: discovery.runs,
            reason: &discovery.reason,
            stale: discovery.stale,
            stale_reason: discovery.stale_reason.as_deref(),
            fetched_at: discovery.fetched_at,
            default_model: settings.default_model.as_deref(),
            emulator: context.emulation().map(|e| EmulatorReport { endpoint: e.endpoint(), region: e.region().to_string() }),
            models: rows,
        })?;
        return Ok(ExitCode::SUCCESS);
    }
    let tag = context.tag();
    if !discovery.runs {
        eprintln!("discovery is off: {}", printable(&discovery.reason));
    } else if discovery.stale {
        eprintln!("warning: the model list is stale (refresh failed: {}){tag}", printable(discovery.stale_reason.as_deref().unwrap_or("unknown error")));
    }
    print!("{}", render(&rows, tag));
    Ok(ExitCode::SUCCESS)
}

/// The provider filter's rule (BEHAVIOUR.md 5.3): the provider name or the id's provider
/// prefix, trimmed and case-insensitive.
fn provider_matches(model: &ModelInfo, wanted: &str) -> bool {
    let wanted = wanted.trim().to_lowercase();
    let prefix = model.base_model_id.split('.').next().unwrap_or_default().to_lowercase();
    model.provider.to_lowercase() == wanted || prefix == wanted
}

fn tags(model: &ModelInfo, settings: &Settings, discovery: &Discovery) -> Vec<&'static str> {
    let mut tags = Vec::new();
    let is_default = settings
        .default_model_reference
        .as_ref()
        .is_some_and(|reference| reference.target.eq_ignore_ascii_case(&model.id) || reference.resource_id.eq_ignore_ascii_case(&model.id));
    if is_default {
        tags.push("default");
    }
    match model.kind {
        ModelKind::SystemProfile => tags.push("profile"),
        ModelKind::ApplicationProfile => tags.push("application-profile"),
        ModelKind::Foundation => {}
    }
    if model.reasoning {
        tags.push("reasoning");
    }
    if discovery.stale {
        tags.push("stale");
    }
    tags
}

/// Tokens in a compact form: 200000 → `200k`, 1000000 → `1M`.
fn compact(tokens: u32) -> String {
    match tokens {
        t if t >= 1_000_000 && t % 1_000_000 == 0 => format!("{}M", t / 1_000_000),
        t if t >= 1000 && t % 1000 == 0 => format!("{}k", t / 1000),
        t => t.to_string(),
    }
}

/// The table; `tag` ends every model's row (` [emulator]` with `--emulate`).
fn render(rows: &[Row<'_>], tag: &str) -> String {
    let header = ["ID", "NAME", "INPUT", "CONTEXT", "MAX OUT", "TAGS"].map(String::from);
    let mut table: Vec<[String; 6]> = vec![header];
    for row in rows {
        let model = row.model;
        // Names and ids come from the catalog (a remote service, or a cache file): a terminal must
        // never receive their escape sequences.
        table.push([
            printable(&model.id),
            printable(&model.name),
            printable(&model.input.join("+")),
            compact(model.context_window),
            compact(model.max_tokens),
            row.tags.join(","),
        ]);
    }
    let mut widths = [0usize; 6];
    for line in &table {
        for (width, cell) in widths.iter_mut().zip(line) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for (index, line) in table.iter().enumerate() {
        let cells: Vec<String> = line.iter().zip(widths).map(|(cell, width)| format!("{cell:<width$}")).collect();
        out.push_str(cells.join("  ").trim_end());
        if index > 0 {
            out.push_str(tag);
        }
        out.push('\n');
    }
    out
}

/// `text` without terminal control: escape sequences (CSI `ESC [ ... final`, OSC `ESC ] ...
/// BEL|ST`, and two-character ones) are removed whole, other control characters (C0, DEL, C1)
/// and bidirectional overrides dropped.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(ch) = chars.next() {
        match ch {
            '\x1b' => match chars.next() {
                Some('[') => skip_csi(&mut chars),
                Some(']' | 'P' | '_' | '^') => skip_string(&mut chars),
                _ => {}
            },
            '\u{9b}' => skip_csi(&mut chars),
            '\u{9d}' | '\u{90}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            ch if ch.is_control() || matches!(ch, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') => {}
            ch => out.push(ch),
        }
    }
    out
}

/// Skips a CSI sequence's parameters up to and including its final byte (`@` to `~`).
fn skip_csi(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    for ch in chars.by_ref() {
        if ('\u{40}'..='\u{7e}').contains(&ch) {
            break;
        }
    }
}

/// Skips a control string up to its terminator: BEL, ST (`ESC \\` or U+9C).
fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(ch) = chars.next() {
        match ch {
            '\x07' | '\u{9c}' => break,
            '\x1b' => {
                if chars.peek() == Some(&'\\') {
                    chars.next();
                }
                break;
            }
            _ => {}
        }
    }
}

/// A progress indicator on stderr while discovery runs; only on a terminal.
struct Spinner {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Spinner {
    fn start(message: String) -> Self {
        let done = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&done);
        let thread = std::thread::spawn(move || {
            // Only show it when discovery is slow enough to be noticed (a warm cache is not).
            std::thread::park_timeout(Duration::from_millis(150));
            let frames = ['|', '/', '-', '\\'];
            let mut frame = 0;
            while !flag.load(Ordering::Relaxed) {
                eprint!("\r{} {message}…", frames[frame % frames.len()]);
                frame += 1;
                std::thread::park_timeout(Duration::from_millis(100));
            }
            if frame > 0 {
                eprint!("\r\x1b[2K");
            }
        });
        Self { done, thread: Some(thread) }
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::printable;

    #[test]
    fn terminal_control_never_reaches_the_table() {
        // (catalog text, what is printed)
        let cases = [
            ("Claude Sonnet 4.6", "Claude Sonnet 4.6"),
            ("\x1b[2J\x1b[31mRed\x1b[0m name", "Red name"),
            ("title\x1b]0;pwned\x07 set", "title set"),
            ("link \x1b]8;;http://x\x1b\\text\x1b]8;;\x1b\\", "link text"),
            ("bell\x07 and\r return\n", "bell and return"),
            ("c1 \u{9b}31mcsi", "c1 csi"),
            ("\u{202e}reversed", "reversed"),
            ("trailing escape \x1b", "trailing escape "),
            ("Mistral Large (24.07) — ünïcode", "Mistral Large (24.07) — ünïcode"),
        ];
        for (text, printed) in cases {
            assert_eq!(printable(text), printed, "{text:?}");
        }
    }
}
