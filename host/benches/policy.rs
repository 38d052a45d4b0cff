//! Policy loading, call and discovery costs, side by side in one run, printed as a table.
//!
//! `cargo bench -p openclaw-host --bench policy` (release build). Targets: a precompiled
//! (cached) load under 1 ms; instantiate + `load-config` under 15 µs median; discovery mapping
//! of 10,000 models and 2,000 profiles in the guest under 20 ms; `openclaw-bedrock models list` from a
//! warm disk cache, as a whole process, under 30 ms wall.

use openclaw_host::aws::model::{Catalog, FoundationModelRecord, InferenceProfileRecord, SourceKind, VisibleSource};
use openclaw_host::capability::Capabilities;
use openclaw_host::conformance::StaticCatalog;
use openclaw_host::sandbox::{PolicyHost, PolicySource};
use openclaw_host::types::{ConfigSource, RegionEnvironment};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A config as a user writes it: comments, both locations, several keys.
const REALISTIC_CONFIG: &str = r#"// OpenClaw gateway config
{
  model: "us.anthropic.claude-sonnet-4-6-20251001-v1:0",
  agents: { defaults: { model: { primary: "amazon-bedrock/us.anthropic.claude-sonnet-4-6-20251001-v1:0" } } },
  models: {
    bedrockDiscovery: {
      enabled: true,
      region: "us-east-1",
      providerFilter: ["anthropic", "Meta", "mistral"],
      refreshInterval: 3600,
      defaultContextWindow: 32000,
      defaultMaxTokens: 4096,
    },
  },
  gateway: { port: 18789, bind: "loopback" },
  channels: { telegram: { enabled: false } },
}
"#;

struct Row {
    what: &'static str,
    samples: Vec<Duration>,
}

impl Row {
    fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.samples.clone();
        sorted.sort();
        sorted[((sorted.len() - 1) as f64 * p).round() as usize]
    }
}

fn show(duration: Duration) -> String {
    let micros = duration.as_secs_f64() * 1e6;
    if micros >= 1000.0 { format!("{:.2} ms", micros / 1000.0) } else { format!("{micros:.1} µs") }
}

async fn sample<F, Fut>(what: &'static str, iterations: usize, mut run: F) -> Row
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    for _ in 0..iterations.min(20) {
        run().await; // warm-up
    }
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let started = Instant::now();
        run().await;
        samples.push(started.elapsed());
    }
    Row { what, samples }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let cache = tempfile::tempdir().expect("temporary cache dir");
    let wasm: Arc<[u8]> = Arc::from(PolicySource::embedded_bytes());
    let uncached = PolicyHost::builder().build(PolicySource::Embedded).await.expect("host");
    let cached = PolicyHost::builder().compile_cache(cache.path()).build(PolicySource::Embedded).await.expect("host");
    let precompiled_path = cache.path().join("policy.cwasm");
    std::fs::write(&precompiled_path, cached.precompile_sealed(&wasm).expect("precompile")).expect("write .cwasm");
    let bytes = || PolicySource::Bytes { origin: "bench".into(), bytes: Arc::clone(&wasm) };
    let environment = Arc::new(RegionEnvironment { aws_region: Some("eu-west-1".into()), ..RegionEnvironment::default() });
    let config = ConfigSource { origin: "openclaw.json".into(), text: Some(REALISTIC_CONFIG.into()) };

    let mut rows = vec![
        sample("load: compile from wasm + link + self-check", 10, || async {
            uncached.check(bytes()).await.expect("loads");
        })
        .await,
        sample("load: compile cache hit + link + self-check", 200, || async {
            cached.check(bytes()).await.expect("loads");
        })
        .await,
        sample("load: precompiled .cwasm file + link + self-check", 200, || async {
            cached.check(PolicySource::File(precompiled_path.clone())).await.expect("loads");
        })
        .await,
    ];
    rows.push(
        sample("instantiate from the pre (pooling)", 5000, || async {
            std::hint::black_box(cached.instance(Arc::clone(&environment)).await.expect("instance"));
        })
        .await,
    );
    rows.push(
        sample("instantiate + load-config (realistic config)", 5000, || async {
            let mut instance = cached.instance(Arc::clone(&environment)).await.expect("instance");
            std::hint::black_box(instance.load_config(&config).await.expect("runs").expect("valid"));
        })
        .await,
    );
    let mut reused = cached.instance(Arc::clone(&environment)).await.expect("instance");
    let mut load_config_only = Vec::with_capacity(5000);
    for _ in 0..5000 {
        let started = Instant::now();
        std::hint::black_box(reused.load_config(&config).await.expect("runs").expect("valid"));
        load_config_only.push(started.elapsed());
    }
    rows.push(Row { what: "load-config alone (one instance, reused)", samples: load_config_only });

    rows.push(discovery_mapping(&cached).await);
    rows.push(models_list_process().await);

    println!("component: {} bytes; {} cores", wasm.len(), std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("| {:<52} | {:>7} | {:>10} | {:>10} |", "what", "samples", "median", "p90");
    println!("|{:-<54}|{:->9}|{:->12}|{:->12}|", "", "", "", "");
    for row in &rows {
        println!("| {:<52} | {:>7} | {:>10} | {:>10} |", row.what, row.samples.len(), show(row.percentile(0.5)), show(row.percentile(0.9)));
    }
}

/// A synthetic catalog: `models` foundation models over seven providers (a fifth of them
/// profile-only, some legacy, some embeddings) and `profiles` system profiles over them.
fn synthetic_catalog(models: usize, profiles: usize) -> Catalog {
    let providers = [
        ("anthropic", "Anthropic"),
        ("meta", "Meta"),
        ("mistral", "Mistral AI"),
        ("amazon", "Amazon"),
        ("cohere", "Cohere"),
        ("deepseek", "DeepSeek"),
        ("openai", "OpenAI"),
    ];
    let geographies = ["us", "eu", "apac", "global", "jp"];
    let model_records: Vec<FoundationModelRecord> = (0..models)
        .map(|i| {
            let (prefix, provider) = providers[i % providers.len()];
            let id = format!("{prefix}.model-{i:05}-v1:0");
            FoundationModelRecord {
                model_arn: format!("arn:aws:bedrock:us-east-1::foundation-model/{id}"),
                model_name: format!("Model {i:05}"),
                provider_name: provider.into(),
                input_modalities: if i % 3 == 0 { vec!["TEXT".into(), "IMAGE".into()] } else { vec!["TEXT".into()] },
                output_modalities: if i % 17 == 0 { vec!["EMBEDDING".into()] } else { vec!["TEXT".into()] },
                response_streaming_supported: Some(i % 13 != 0),
                customizations_supported: Vec::new(),
                inference_types_supported: if i % 5 == 0 { vec!["INFERENCE_PROFILE".into()] } else { vec!["ON_DEMAND".into()] },
                lifecycle_status: Some(if i % 11 == 0 { "LEGACY".into() } else { "ACTIVE".into() }),
                model_id: id,
            }
        })
        .collect();
    let profile_records = (0..profiles)
        .map(|i| {
            let base = &model_records[(i * 5) % model_records.len()];
            let geography = geographies[i % geographies.len()];
            let id = format!("{geography}.{}", base.model_id);
            InferenceProfileRecord {
                arn: format!("arn:aws:bedrock:us-east-1:123456789012:inference-profile/{id}"),
                name: format!("{} {}", geography.to_uppercase(), base.model_name),
                description: None,
                status: "ACTIVE".into(),
                profile_type: "SYSTEM_DEFINED".into(),
                model_arns: vec![base.model_arn.clone()],
                id,
            }
        })
        .collect();
    Catalog { region: "us-east-1".into(), models: model_records, profiles: profile_records, fetched_at: 0, stale: false, stale_reason: None }
}

/// `discover` on 10,000 models and 2,000 profiles: the catalog crosses into the guest, the
/// policy filters, describes, orders and de-duplicates, and the list crosses back.
async fn discovery_mapping(host: &PolicyHost) -> Row {
    let visible = vec![VisibleSource { kind: SourceKind::Environment, description: "environment".into() }];
    let catalog = Arc::new(StaticCatalog::from_records(synthetic_catalog(10_000, 2_000), visible));
    let config = ConfigSource { origin: "openclaw.json".into(), text: Some("{ models: { bedrockDiscovery: { enabled: true } } }".into()) };
    sample("discover: 10,000 models + 2,000 profiles", 30, || {
        let catalog = Arc::clone(&catalog);
        let config = config.clone();
        async move {
            let capabilities = Capabilities { environment: Arc::default(), bedrock: Some(catalog) };
            let mut instance = host.instance_with(capabilities).await.expect("instance");
            let discovery = instance.discover(&config, false).await.expect("runs").expect("discovers");
            assert!(discovery.models.len() > 5_000, "the synthetic catalog keeps most models");
        }
    })
    .await
}

/// `openclaw-bedrock models list --json` as a whole process, from a warm disk cache: the emulator
/// answers the first run only.
async fn models_list_process() -> Row {
    let binary = std::path::Path::new(env!("CARGO_BIN_EXE_openclaw-bedrock"));
    let emulator = bedrock_emulator::Emulator::builder().start().await.expect("emulator");
    let home = tempfile::tempdir().expect("home");
    let state = home.path().join(".openclaw");
    std::fs::create_dir_all(&state).expect("state dir");
    std::fs::write(state.join("openclaw.json"), "{ models: { bedrockDiscovery: { enabled: true } } }").expect("config");
    let endpoint = emulator.endpoint();
    let run = move || {
        let output = std::process::Command::new(binary)
            .args(["models", "list", "--json"])
            .env_clear()
            .env("HOME", home.path())
            .env("AWS_ENDPOINT_URL", &endpoint)
            .env("AWS_REGION", "us-east-1")
            .env("AWS_ACCESS_KEY_ID", bedrock_emulator::DEFAULT_ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", bedrock_emulator::DEFAULT_SECRET_ACCESS_KEY)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .expect("openclaw runs");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    };
    let run = Arc::new(run);
    // The first run fetches and fills the caches (catalog and compiled policy).
    let first = Arc::clone(&run);
    tokio::task::spawn_blocking(move || first()).await.expect("first run");
    let calls_before = emulator.request_log().len();
    let row = sample("models list (process, warm disk cache)", 30, || {
        let run = Arc::clone(&run);
        async move { tokio::task::spawn_blocking(move || run()).await.expect("run") }
    })
    .await;
    assert_eq!(emulator.request_log().len(), calls_before, "warm runs make no Bedrock call");
    row
}
