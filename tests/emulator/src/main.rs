//! `bedrock-emulator`: serves the emulator until killed. See the library docs for the flags.

#![forbid(unsafe_code)]

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, bail};
use bedrock_emulator::{Catalog, Emulator, StaticCredentials, TlsOptions};
use clap::Parser;

/// An Amazon Bedrock emulator on loopback, for tests.
#[derive(Debug, Parser)]
#[command(name = "bedrock-emulator", version)]
struct Args {
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    listen: String,
    /// Region requests must be signed for.
    #[arg(long, default_value = "us-east-1")]
    region: String,
    /// A ListFoundationModels response (`{"modelSummaries": [...]}`) to serve instead of the
    /// built-in models.
    #[arg(long)]
    catalog: Option<PathBuf>,
    /// A ListInferenceProfiles response (`{"inferenceProfileSummaries": [...]}`) to serve
    /// instead of the built-in profiles.
    #[arg(long)]
    profiles: Option<PathBuf>,
    /// Access key id to accept (repeatable; pairs with --secret-key in order).
    #[arg(long = "access-key")]
    access_keys: Vec<String>,
    /// Secret key of the access key at the same position.
    #[arg(long = "secret-key")]
    secret_keys: Vec<String>,
    /// Session token required with the most recent --access-key (repeatable, one per key at most).
    #[arg(long = "session-token")]
    session_tokens: Vec<String>,
    /// Bearer token to accept (repeatable).
    #[arg(long = "bearer-token")]
    bearer_tokens: Vec<String>,
    /// The Authorization value the container credentials endpoint expects.
    #[arg(long)]
    container_token: Option<String>,
    /// A web identity token STS AssumeRoleWithWebIdentity accepts (repeatable).
    #[arg(long = "web-identity-token")]
    web_identity_tokens: Vec<String>,
    /// Serve HTTPS with a self-signed certificate for 127.0.0.1, ::1 and localhost.
    #[arg(long, requires = "cert_out")]
    tls: bool,
    /// Where to write the certificate as PEM (with --tls).
    #[arg(long)]
    cert_out: Option<PathBuf>,
}

/// Pairs the repeated key flags. clap keeps each flag's values in order, but not their
/// interleaving, so session tokens attach to keys by position.
fn credentials(args: &Args) -> anyhow::Result<Vec<StaticCredentials>> {
    if args.access_keys.len() != args.secret_keys.len() {
        bail!("each --access-key needs one --secret-key ({} keys, {} secrets)", args.access_keys.len(), args.secret_keys.len());
    }
    if args.session_tokens.len() > args.access_keys.len() {
        bail!("more --session-token values than --access-key values");
    }
    Ok(args
        .access_keys
        .iter()
        .zip(&args.secret_keys)
        .enumerate()
        .map(|(i, (id, secret))| {
            let pair = StaticCredentials::new(id, secret);
            match args.session_tokens.get(i) {
                Some(token) => pair.with_session_token(token),
                None => pair,
            }
        })
        .collect())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt().with_env_filter(tracing_subscriber::EnvFilter::from_default_env()).with_writer(std::io::stderr).init();
    let args = Args::parse();
    let catalog = Catalog::from_files(args.catalog.as_deref(), args.profiles.as_deref(), &args.region)?;
    let mut builder = Emulator::builder().listen(args.listen.clone()).region(args.region.clone()).catalog(catalog);
    for pair in credentials(&args)? {
        builder = builder.credentials(pair);
    }
    for token in &args.bearer_tokens {
        builder = builder.bearer_token(token.clone());
    }
    if let Some(token) = &args.container_token {
        builder = builder.container_token(token.clone());
    }
    for token in &args.web_identity_tokens {
        builder = builder.web_identity_token(token.clone());
    }
    if args.tls {
        builder = builder.tls(TlsOptions { cert_out: args.cert_out.clone() });
    }
    let emulator = builder.start().await.context("starting the emulator")?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "listening on {}", emulator.endpoint())?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c().await.context("waiting for Ctrl-C")?;
    emulator.shutdown().await;
    Ok(())
}
