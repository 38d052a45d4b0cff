//! `openclaw policy check`, `openclaw policy test`, `openclaw policy compile`.

use super::config::PolicyReport;
use super::{Context, print_json};
use anyhow::Context as _;
use clap::Subcommand;
use openclaw_host::conformance::{self, Corpus};
use openclaw_host::runtime::{PolicyHost, PolicySource};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub(super) enum PolicyCommand {
    /// Does this component implement the openclaw:bedrock world and pass its self-check?
    Check {
        /// The component (.wasm or .cwasm).
        file: PathBuf,
        /// Print one JSON document.
        #[arg(long)]
        json: bool,
    },
    /// Run the config conformance corpus against the policy (`--policy`, else the default).
    Test {
        /// The corpus directory (*.case.json, *.json5, model-references.json).
        #[arg(long, value_name = "DIR")]
        cases: PathBuf,
        /// Print one JSON document with every case's result.
        #[arg(long)]
        json: bool,
    },
    /// Precompile a component for this host, so `--policy OUT` loads without compiling.
    Compile {
        /// The component (.wasm).
        file: PathBuf,
        /// Where to write the precompiled component (.cwasm).
        #[arg(short, long, value_name = "OUT")]
        output: PathBuf,
    },
}

pub(super) async fn run(context: &Context, command: PolicyCommand) -> anyhow::Result<ExitCode> {
    match command {
        PolicyCommand::Check { file, json } => check(file, json).await,
        PolicyCommand::Test { cases, json } => test(context, cases, json).await,
        PolicyCommand::Compile { file, output } => compile(file, output).await,
    }
}

#[derive(Serialize)]
struct CheckReport<'a> {
    ok: bool,
    policy: Option<PolicyReport<'a>>,
    load_ms: Option<f64>,
    error: Option<String>,
}

async fn check(file: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    // The embedded policy hosts the engine; the file is loaded beside it, never swapped in.
    let host = PolicyHost::builder().build(PolicySource::Embedded).await.context("cannot start the policy host")?;
    match host.check(PolicySource::File(file)).await {
        Ok(policy) => {
            if json {
                let load_ms = Some(policy.load_time().as_secs_f64() * 1e3);
                print_json(&CheckReport { ok: true, policy: Some(PolicyReport::new(&policy)), load_ms, error: None })?;
            } else {
                println!("ok: {} implements openclaw:bedrock and passed its self-check: {}", policy.origin(), policy.info());
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            if json {
                print_json(&CheckReport { ok: false, policy: None, load_ms: None, error: Some(error.to_string()) })?;
            } else {
                eprintln!("refused: {error}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

#[derive(Serialize)]
struct TestReport<'a> {
    policy: PolicyReport<'a>,
    passed: usize,
    failed: usize,
    results: &'a [conformance::CaseResult],
}

async fn test(context: &Context, cases: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    let corpus = Corpus::load(&cases)?;
    let host = context.host().await?;
    let policy = host.current();
    let results = conformance::run(&host, Some(Arc::clone(&policy)), &corpus).await;
    let failed = results.iter().filter(|result| !result.passed()).count();
    let passed = results.len() - failed;
    if json {
        print_json(&TestReport { policy: PolicyReport::new(&policy), passed, failed, results: &results })?;
    } else {
        println!("policy {} [{}]", policy.info(), policy.origin());
        for result in &results {
            if result.passed() {
                println!("ok    {}", result.name);
            } else {
                println!("FAIL  {}", result.name);
                for failure in &result.failures {
                    println!("      {failure}");
                }
            }
        }
        println!("{passed} passed, {failed} failed");
    }
    Ok(if failed == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

async fn compile(file: PathBuf, output: PathBuf) -> anyhow::Result<ExitCode> {
    let host = PolicyHost::builder().build(PolicySource::Embedded).await.context("cannot start the policy host")?;
    // Check before compiling: a precompiled file that could not run is no use to anyone.
    let policy = host.check(PolicySource::File(file.clone())).await?;
    let wasm = std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
    let compiled = host.precompile(&wasm)?;
    std::fs::write(&output, compiled).with_context(|| format!("cannot write {}", output.display()))?;
    println!("{} -> {} ({})", file.display(), output.display(), policy.info());
    Ok(ExitCode::SUCCESS)
}
