//! `openclaw-bedrock demo`: the whole path in one run, each step on its own line as it happens:
//! config, region, credentials, discovery, a probe, a streamed chat, and how to start the
//! gateway. With `--emulate` it needs no AWS account; without it, it talks to Bedrock.

use super::chat::{Replied, class_word, stream_reply};
use super::config::Loaded;
use super::models::{Header, Status, probe_line, render_rows, rows};
use super::{Context, problems};
use clap::Args;
use openclaw_host::aws::model::{ContentBlock, Message, Role};
use openclaw_host::capability::Capabilities;
use openclaw_host::types::{ChatRequest, ModelInfo, ProbeStatus};
use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Args)]
pub(super) struct DemoArgs {
    /// The prompt of the streamed chat.
    #[arg(long, value_name = "TEXT", default_value = "Hello from openclaw, is Bedrock answering?")]
    prompt: String,
    /// Most tokens the chat asks for.
    #[arg(long, value_name = "N", default_value_t = 64, value_parser = clap::value_parser!(u32).range(1..))]
    max_tokens: u32,
    /// Time limit for the probe and for the chat, in ms each.
    #[arg(long, value_name = "MS", default_value_t = 30_000, value_parser = clap::value_parser!(u64).range(1..=600_000))]
    timeout: u64,
}

/// The label column's width (as `models status` prints it).
const WIDTH: usize = "default model".len();

pub(super) async fn run(context: &Context, args: DemoArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(context).await?;
    let Ok(settings) = &loaded.outcome else {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw-bedrock config validate)", loaded.source.origin);
        return Ok(ExitCode::FAILURE);
    };
    loaded.print_diagnostics();
    let tag = context.tag();
    let timeout = Duration::from_millis(args.timeout);
    let mut out = std::io::stdout().lock();
    let status = Status::gather(context, settings).await?;
    let header = Header {
        config_path: &loaded.path,
        config_found: loaded.source.text.is_some(),
        default_model: settings.default_model.as_deref(),
        region: &settings.region,
    };
    write!(out, "{}", render_rows(&rows(context, &header, &status.credentials, &status.discovery, None)))?;
    out.flush()?;
    // The first step that fails stops the calls after it: they would fail for the same reason,
    // and a problem is said once.
    let mut stopped: Option<&'static str> = (!status.credentials.ok).then_some("no credentials (above)");

    // Discovery: what `models list` would show.
    let mut discovered = Vec::new();
    let models = match stopped {
        Some(why) => format!("not listed: {why}"),
        None => {
            let capabilities = Capabilities { environment: Arc::clone(&loaded.environment), bedrock: Some(Arc::clone(&status.bedrock)) };
            match loaded.host.instance_with(capabilities).await?.discover(&loaded.source, false).await? {
                Ok(discovery) if !discovery.runs => format!("not listed: discovery is off ({})", discovery.reason),
                Ok(discovery) => {
                    let stale = if discovery.stale { " (stale: the refresh failed)" } else { "" };
                    let line = format!("{} discovered in {}{stale} (openclaw-bedrock models list shows them){tag}", discovery.models.len(), discovery.region);
                    discovered = discovery.models;
                    line
                }
                Err(error) => {
                    stopped = Some("discovery failed (above)");
                    format!("discovery failed: {}{tag}", problems::sentence(&error))
                }
            }
        }
    };
    row(&mut out, "models", &models)?;

    // A fresh machine has no config file and so no default model: the run then borrows one
    // from the discovered list, and says so, rather than stopping at `no_model`.
    let mut config = loaded.source.clone();
    let mut model_used = settings.default_model.clone();
    if settings.default_model.is_none()
        && config.text.is_none()
        && let Some(model) = pick_model(&discovered)
    {
        config.text = Some(format!("{{ model: {} }}", serde_json::to_string(&model.id)?));
        let path = loaded.path.path.display();
        let line = format!(
            "{} ({}), the first {} model discovered: no model is configured; set `model` in {path} to choose{tag}",
            model.id, model.name, model.provider
        );
        row(&mut out, "using", &line)?;
        model_used = Some(model.id.clone());
    }

    let probe_text = match stopped {
        Some(why) => format!("not sent: {why}"),
        None => {
            let probe = status.probe(&loaded, &config, 8, timeout).await?;
            if probe.status != ProbeStatus::Ok {
                stopped = Some("the probe failed (above)");
            }
            probe_line(&probe, tag)
        }
    };
    row(&mut out, "probe", &probe_text)?;

    row(&mut out, "chat", &format!("> {}", args.prompt))?;
    let chat = match stopped {
        Some(why) => format!("not sent: {why}"),
        None => {
            write!(out, "{:<WIDTH$}  < ", "")?;
            out.flush()?;
            let request = ChatRequest {
                config,
                settings: None,
                model: None,
                system: Vec::new(),
                messages: vec![Message { role: Role::User, content: vec![ContentBlock::Text(args.prompt.clone())] }],
                max_tokens: Some(args.max_tokens),
                temperature: None,
                top_p: None,
                stop_sequences: Vec::new(),
                tools: Vec::new(),
                timeout,
            };
            match stream_reply(&loaded, Arc::clone(&status.bedrock), &request, &mut out, false).await? {
                Replied::Done { target, region, first_token, total } => {
                    let ttft = first_token.map_or_else(|| "no text".to_string(), |t| format!("first token in {} ms", t.as_millis()));
                    format!("streamed from {target} in {region}: {ttft}, {} ms in all{tag}", total.as_millis())
                }
                Replied::Failed(error) => {
                    stopped = Some("the chat failed");
                    writeln!(out)?;
                    let error = super::chat::explain(status.bedrock.as_ref(), error).await;
                    format!("failed: {}: {}{tag}", class_word(&error), problems::sentence(&error))
                }
            }
        }
    };
    row(&mut out, "", &chat)?;
    let failed = stopped.is_some();

    let flag = if context.emulate { " --emulate" } else { "" };
    row(&mut out, "gateway", &format!("start it with `openclaw-bedrock{flag} gateway` (http://127.0.0.1:18789, OpenAI API), then:"))?;
    // Without a configured default model the request names the one this run used.
    let model_field = match (&settings.default_model, &model_used) {
        (None, Some(model)) => format!("\"model\": \"bedrock/{model}\", "),
        _ => String::new(),
    };
    let body = format!("{{{model_field}\"messages\": [{{\"role\": \"user\", \"content\": \"hi\"}}]}}");
    row(&mut out, "", &format!("curl -s localhost:18789/v1/chat/completions -H 'content-type: application/json' -d '{body}'"))?;
    if !context.emulate {
        row(&mut out, "", "(without an AWS account: openclaw-bedrock --emulate demo)")?;
    }
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// The model a run without a configured one uses: the first Anthropic model in display order
/// (the provider's documentation centres on Claude), else the first model.
fn pick_model(models: &[ModelInfo]) -> Option<&ModelInfo> {
    models.iter().find(|model| model.provider.eq_ignore_ascii_case("anthropic")).or_else(|| models.first())
}

/// One aligned row, flushed so that each step shows as it completes.
fn row(out: &mut impl std::io::Write, label: &str, value: &str) -> std::io::Result<()> {
    writeln!(out, "{label:<WIDTH$}  {value}")?;
    out.flush()
}
