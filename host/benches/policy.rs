//! Policy loading and call costs, side by side in one run, printed as a table.
//!
//! `cargo bench -p openclaw-host --bench policy` (release build). Targets: a precompiled
//! (cached) load under 1 ms; instantiate + `load-config` under 15 µs median.

use openclaw_host::runtime::{PolicyHost, PolicySource};
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
    std::fs::write(&precompiled_path, uncached.precompile(&wasm).expect("precompile")).expect("write .cwasm");
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

    println!("component: {} bytes; {} cores", wasm.len(), std::thread::available_parallelism().map_or(0, |n| n.get()));
    println!("| {:<52} | {:>7} | {:>10} | {:>10} |", "what", "samples", "median", "p90");
    println!("|{:-<54}|{:->9}|{:->12}|{:->12}|", "", "", "", "");
    for row in &rows {
        println!("| {:<52} | {:>7} | {:>10} | {:>10} |", row.what, row.samples.len(), show(row.percentile(0.5)), show(row.percentile(0.9)));
    }
}
