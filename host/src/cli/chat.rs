//! `openclaw-bedrock chat`: one prompt, the reply streamed to stdout as it arrives.

use super::config::Loaded;
use super::{Context, problems};
use clap::Args;
use openclaw_host::aws::model::{ApiError, ContentBlock, Message, Role, StreamEvent};
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::types::ChatRequest;
use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

#[derive(Debug, Args)]
pub(super) struct ChatArgs {
    /// A model reference (bare id, `bedrock/<id>`, or an ARN); default: the configured model.
    #[arg(long, value_name = "MODEL")]
    model: Option<String>,
    /// Most tokens to generate (default: the policy's choice for the model).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    max_tokens: Option<u32>,
    /// Time limit for the whole reply, in ms.
    #[arg(long, value_name = "MS", default_value_t = 120_000, value_parser = clap::value_parser!(u64).range(1..=3_600_000))]
    timeout: u64,
    /// Print the model called, time to first token and usage on stderr.
    #[arg(long, short)]
    verbose: bool,
    /// The prompt.
    #[arg(required = true)]
    prompt: Vec<String>,
}

pub(super) async fn run(context: &Context, args: ChatArgs) -> anyhow::Result<ExitCode> {
    let loaded = Loaded::load(context).await?;
    let Ok(settings) = &loaded.outcome else {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw-bedrock config validate)", loaded.source.origin);
        return Ok(ExitCode::FAILURE);
    };
    let bedrock = context.bedrock(&settings.region.name).await?;
    if let Some(emulation) = context.emulation() {
        eprintln!("emulator: the reply comes from the {}", emulation.describe());
    }
    let request = ChatRequest {
        config: loaded.source.clone(),
        settings: None,
        model: args.model,
        system: Vec::new(),
        messages: vec![Message { role: Role::User, content: vec![ContentBlock::Text(args.prompt.join(" "))] }],
        max_tokens: args.max_tokens,
        temperature: None,
        top_p: None,
        stop_sequences: Vec::new(),
        tools: Vec::new(),
        timeout: Duration::from_millis(args.timeout),
    };
    let mut stdout = std::io::stdout().lock();
    let outcome = stream_reply(&loaded, Arc::clone(&bedrock), &request, &mut stdout, args.verbose).await?;
    match outcome {
        Replied::Done { target, region, first_token, total } => {
            if args.verbose {
                let ttft = first_token.map_or_else(|| "no output".to_string(), |t| format!("{} ms to first token", t.as_millis()));
                eprintln!("model: {target} in {region}; {ttft}; {} ms in all{}", total.as_millis(), context.tag());
            }
            Ok(ExitCode::SUCCESS)
        }
        Replied::Failed(error) => {
            let error = explain(bedrock.as_ref(), error).await;
            eprintln!("error: {}: {}{}", class_word(&error), problems::sentence(&error), context.tag());
            Ok(ExitCode::FAILURE)
        }
    }
}

/// A call that failed because credentials did not resolve carries the SDK's view of it; the
/// capability's own resolution says it in words (what was tried, which profile is missing).
pub(super) async fn explain(bedrock: &dyn BedrockAccess, error: ApiError) -> ApiError {
    if !super::models::is_credential_failure(&error) {
        return error;
    }
    bedrock.resolve_credentials().await.err().unwrap_or(error)
}

/// How a streamed reply ended.
pub(super) enum Replied {
    /// Every event arrived.
    Done { target: String, region: String, first_token: Option<Duration>, total: Duration },
    /// Bedrock (or the policy's judgement of it) failed, before or during the output.
    Failed(ApiError),
}

/// Runs one chat through a fresh instance of the policy and writes the text to `out` as it
/// arrives, then a newline. A failure after output began keeps what was written.
pub(super) async fn stream_reply(
    loaded: &Loaded,
    bedrock: Arc<dyn BedrockAccess>,
    request: &ChatRequest,
    out: &mut impl Write,
    verbose: bool,
) -> anyhow::Result<Replied> {
    let capabilities = Capabilities { environment: Arc::clone(&loaded.environment), bedrock: Some(bedrock) };
    let started = Instant::now();
    let instance = loaded.host.instance_with(capabilities).await?;
    let mut stream = match instance.chat(request).await? {
        Ok(stream) => stream,
        Err(error) => return Ok(Replied::Failed(error)),
    };
    let mut first_token: Option<Duration> = None;
    let mut printed_any = false;
    loop {
        match stream.next().await? {
            Ok(Some(StreamEvent::TextDelta { text, .. })) => {
                first_token.get_or_insert_with(|| started.elapsed());
                out.write_all(text.as_bytes())?;
                out.flush()?;
                printed_any = true;
            }
            Ok(Some(StreamEvent::Metadata { usage, latency_ms })) if verbose => {
                eprintln!(
                    "usage: {} input, {} output, {} total tokens; bedrock latency {latency_ms} ms",
                    usage.input_tokens, usage.output_tokens, usage.total_tokens
                );
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => {
                if printed_any {
                    writeln!(out)?;
                }
                return Ok(Replied::Failed(error));
            }
        }
    }
    if printed_any {
        writeln!(out)?;
    }
    let target = stream.target().await?;
    let region = stream.region().await?;
    Ok(Replied::Done { target, region, first_token, total: started.elapsed() })
}

/// The error class as the CLI names it (`rate_limit`, `not_found`, ...).
pub(super) fn class_word(error: &ApiError) -> String {
    super::enum_name(&error.class)
}
