//! `openclaw chat`: one prompt, the reply streamed to stdout as it arrives.

use super::Context;
use super::config::Loaded;
use clap::Args;
use openclaw_host::aws::model::{ContentBlock, Message, Role, StreamEvent};
use openclaw_host::capability::{BedrockAccess, Capabilities};
use openclaw_host::types::ChatRequest;
use std::io::Write as _;
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
    if loaded.outcome.is_err() {
        loaded.print_diagnostics();
        eprintln!("{}: invalid; fix the errors above (openclaw config validate)", loaded.source.origin);
        return Ok(ExitCode::FAILURE);
    }
    let bedrock: Arc<dyn BedrockAccess> = Arc::new(openclaw_host::aws::Bedrock::from_process_env().await);
    let capabilities = Capabilities { environment: Arc::clone(&loaded.environment), bedrock: Some(bedrock) };
    let request = ChatRequest {
        config: loaded.source.clone(),
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
    let started = Instant::now();
    let instance = loaded.host.instance_with(capabilities).await?;
    let mut stream = match instance.chat(&request).await? {
        Ok(stream) => stream,
        Err(error) => {
            eprintln!("error: {}: {}", class_word(&error), error.message);
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut stdout = std::io::stdout().lock();
    let mut first_token: Option<Duration> = None;
    let mut printed_any = false;
    loop {
        match stream.next().await? {
            Ok(Some(StreamEvent::TextDelta { text, .. })) => {
                first_token.get_or_insert_with(|| started.elapsed());
                stdout.write_all(text.as_bytes())?;
                stdout.flush()?;
                printed_any = true;
            }
            Ok(Some(StreamEvent::Metadata { usage, latency_ms })) if args.verbose => {
                eprintln!(
                    "usage: {} input, {} output, {} total tokens; bedrock latency {latency_ms} ms",
                    usage.input_tokens, usage.output_tokens, usage.total_tokens
                );
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(error) => {
                if printed_any {
                    writeln!(stdout)?;
                }
                eprintln!("error: {}: {}", class_word(&error), error.message);
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    if printed_any {
        writeln!(stdout)?;
    }
    if args.verbose {
        let target = stream.target().await?;
        let region = stream.region().await?;
        let ttft = first_token.map_or_else(|| "no output".to_string(), |t| format!("{} ms to first token", t.as_millis()));
        eprintln!("model: {target} in {region}; {ttft}; {} ms in all", started.elapsed().as_millis());
    }
    Ok(ExitCode::SUCCESS)
}

/// The error class as the CLI names it (`rate_limit`, `not_found`, ...).
fn class_word(error: &openclaw_host::aws::model::ApiError) -> String {
    super::enum_name(&error.class)
}
