//! `openclaw-bedrock policy check`, `openclaw-bedrock policy test`, `openclaw-bedrock policy compile`.

use super::config::PolicyReport;
use super::{Context, print_json};
use anyhow::Context as _;
use clap::Subcommand;
use openclaw_host::conformance::{self, Corpus};
use openclaw_host::environment;
use openclaw_host::files::{self, ReadSpec};
use openclaw_host::sandbox::{CompileOutcome, LoadedPolicy, Parts, PolicyError, PolicyHost, PolicySource};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, Subcommand)]
pub(super) enum PolicyCommand {
    /// Does this component implement the openclaw:bedrock world and pass its self-check?
    /// A .cwasm is loaded only when its seal shows this host compiled it; none other is run.
    Check {
        /// The component (.wasm, or a .cwasm made by `policy compile` here).
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
        /// Run only the cases with every one of these tags (comma-separated): `contract` judges
        /// them by what every policy must satisfy instead of the default policy's exact answers;
        /// `config`, `discovery`, `references` pick a kind of case; `behaviour` (cites a section
        /// of BEHAVIOUR.md) and `default-policy` (a decision of the default policy) pick a basis;
        /// `§5.4` (or `5.4`) the cases citing that section of BEHAVIOUR.md (`§5`: 5 and 5.x).
        #[arg(long, value_name = "TAGS")]
        tags: Option<String>,
    },
    /// Precompile a component for this host, so `--policy OUT` loads without compiling. The
    /// output is sealed with this state directory's key: only this host loads it.
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
        PolicyCommand::Check { file, json } => check(context, file, json).await,
        PolicyCommand::Test { cases, json, tags } => test(context, cases, json, tags.as_deref()).await,
        PolicyCommand::Compile { file, output } => compile(context, file, output).await,
    }
}

#[derive(Serialize)]
struct CheckReport<'a> {
    ok: bool,
    policy: Option<PolicyReport<'a>>,
    /// For a precompiled file: what its seal vouches for.
    precompiled: Option<PrecompiledReport>,
    /// How the component's code was obtained: `hit` (mapped from the compile cache), `miss`
    /// (compiled now), `precompiled` (a sealed .cwasm).
    cache: Option<&'static str>,
    /// `sha256:` and 12 hex digits: what the gateway's `openclaw-policy` header carries.
    digest: Option<&'a str>,
    /// Who provides each part: `own` (the component) or `default` (the default policy, for a
    /// part a 0.3.0 component does not export).
    parts: Option<Parts>,
    load_ms: Option<f64>,
    error: Option<String>,
}

#[derive(Serialize)]
struct PrecompiledReport {
    /// Always true when present: the seal verified under this state directory's key.
    sealed_by_this_host: bool,
    /// SHA-256 of the .wasm component it was compiled from.
    component_sha256: String,
    /// SHA-256 of the .cwasm file.
    file_sha256: String,
}

/// What `policy check` says of a precompiled file, whatever the verdict.
const PRECOMPILED_PROMISE: &str = "a precompiled file is native code: `policy check` runs one only when its seal proves this \
     host compiled it (with `openclaw-bedrock policy compile` or its cache, under this state directory's key) from the component it \
     names; it cannot vet machine code from anywhere else and never runs it. Vet the .wasm instead";

/// A host with the compile cache whose key seals and verifies precompiled files.
async fn sealing_host(context: &Context) -> anyhow::Result<PolicyHost> {
    context.host_builder().build(PolicySource::Embedded).await.context("cannot start the policy host")
}

async fn check(context: &Context, file: PathBuf, json: bool) -> anyhow::Result<ExitCode> {
    // The embedded policy hosts the engine; the file is loaded beside it, never swapped in.
    let host = sealing_host(context).await?;
    // Before anything maps a precompiled file, its seal must verify; nothing is mapped here.
    let loaded = match host.inspect_precompiled(&file) {
        Ok(precompiled) => host.check(PolicySource::File(file)).await.map(|policy| (policy, precompiled)),
        Err(error) => Err(error),
    };
    match loaded {
        Ok((policy, precompiled)) => {
            let precompiled =
                precompiled.map(|info| PrecompiledReport { sealed_by_this_host: true, component_sha256: info.component_sha256, file_sha256: info.file_sha256 });
            if json {
                let load_ms = Some(policy.load_time().as_secs_f64() * 1e3);
                let cache = Some(cache_word(policy.compile_outcome()));
                let digest = Some(policy.digest_id());
                let parts = Some(policy.parts());
                print_json(&CheckReport { ok: true, policy: Some(PolicyReport::new(&policy)), precompiled, cache, digest, parts, load_ms, error: None })?;
            } else if let Some(precompiled) = precompiled {
                println!(
                    "ok: {} is this host's own precompiled build of component sha256 {} (its seal verifies), implements openclaw:bedrock \
                     and passed its self-check: {}; parts: {}. The seal vouches for where the code came from, not for what the \
                     component does: vet the .wasm with `openclaw-bedrock policy check`.",
                    policy.origin(),
                    precompiled.component_sha256,
                    policy.info(),
                    policy.parts()
                );
            } else {
                // One line: who provides each part goes last.
                println!(
                    "ok: {} implements openclaw:bedrock and passed its self-check: {} (compile cache: {}); parts: {}",
                    policy.origin(),
                    policy.info_line(),
                    cache_word(policy.compile_outcome()),
                    policy.parts()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            let message = match error {
                PolicyError::Unverified { .. } => format!("{error}; {PRECOMPILED_PROMISE}"),
                _ => error.to_string(),
            };
            if json {
                let report =
                    CheckReport { ok: false, policy: None, precompiled: None, cache: None, digest: None, parts: None, load_ms: None, error: Some(message) };
                print_json(&report)?;
            } else {
                eprintln!("refused: {message}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

/// How a loaded component's code was obtained, as `policy check` and `policy test` say it.
fn cache_word(outcome: CompileOutcome) -> &'static str {
    match outcome {
        CompileOutcome::Cached => "hit",
        CompileOutcome::Compiled => "miss",
        CompileOutcome::Precompiled => "precompiled",
    }
}

#[derive(Serialize)]
struct TestReport<'a> {
    policy: PolicyReport<'a>,
    /// How the policy's code was obtained (see `policy check`).
    cache: &'static str,
    /// `contract` (what every policy must satisfy) or `default-policy` (its exact answers).
    tier: &'static str,
    /// Who provides each part (see `policy check`): the corpus runs against the composition.
    parts: Parts,
    passed: usize,
    failed: usize,
    results: &'a [conformance::CaseResult],
}

async fn test(context: &Context, cases: PathBuf, json: bool, tags: Option<&str>) -> anyhow::Result<ExitCode> {
    let selection = match tags {
        Some(tags) => conformance::Selection::parse(tags).map_err(|why| anyhow::anyhow!("--tags: {why}"))?,
        None => conformance::Selection::all(),
    };
    let tier = if selection.contract() { "contract" } else { "default-policy" };
    let corpus = Corpus::load(&cases)?;
    let host = context.host().await?;
    let policy = host.current();
    let results = conformance::run_selected(&host, Some(Arc::clone(&policy)), &corpus, &selection).await;
    if results.is_empty() {
        // A selection that matches nothing would pass vacuously.
        anyhow::bail!("no case in {} has every tag of --tags {}", cases.display(), tags.unwrap_or_default());
    }
    let failed = results.iter().filter(|result| !result.passed()).count();
    let passed = results.len() - failed;
    if json {
        let cache = cache_word(policy.compile_outcome());
        print_json(&TestReport { policy: PolicyReport::new(&policy), cache, tier, parts: policy.parts(), passed, failed, results: &results })?;
    } else {
        println!("policy {} [{}] (compile cache: {}; tier: {tier})", policy.info(), policy.origin(), cache_word(policy.compile_outcome()));
        println!("parts: {}", policy.parts());
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

async fn compile(context: &Context, file: PathBuf, output: PathBuf) -> anyhow::Result<ExitCode> {
    let host = sealing_host(context).await?;
    if host.inspect_precompiled(&file)?.is_some() {
        anyhow::bail!("{} is already precompiled; compile the .wasm component it came from", file.display());
    }
    // Read once: the bytes checked are the bytes compiled.
    let wasm = files::read_regular(&file, ReadSpec::POLICY)?;
    let source = PolicySource::Bytes { origin: file.display().to_string(), bytes: wasm.into() };
    // Check before sealing: a precompiled file that could not run is no use to anyone. The
    // check compiles (or maps the cached compile) once; that code is what gets sealed.
    let policy: LoadedPolicy = host.check(source).await?;
    let compiled = host.precompile_loaded(&policy)?;
    std::fs::write(&output, compiled).with_context(|| format!("cannot write {}", output.display()))?;
    println!(
        "{} -> {} ({}); sealed with the key in {}: only openclaw with this state directory loads it",
        file.display(),
        output.display(),
        policy.info(),
        environment::policy_cache_dir().display()
    );
    Ok(ExitCode::SUCCESS)
}
