//! Starting an emulator in-process: [`Emulator::builder`] and the [`RunningEmulator`] handle.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::catalog::Catalog;
use crate::credentials_endpoints::ImdsSessions;
use crate::errors::EmulatorError;
use crate::faults::{FaultQueue, RequestLog, RequestLogEntry};
use crate::identity::{CredentialStore, DEFAULT_CONTAINER_AUTHORIZATION_TOKEN, DEFAULT_WEB_IDENTITY_TOKEN, IssuedCredentials, StaticCredentials};
use crate::state::State;

/// Entry point: `Emulator::builder()`.
#[derive(Debug)]
pub struct Emulator;

impl Emulator {
    /// A builder with the defaults: `127.0.0.1:0`, `us-east-1`, the built-in catalog, the
    /// documented test credentials, plain HTTP.
    pub fn builder() -> EmulatorBuilder {
        EmulatorBuilder::default()
    }
}

/// How the emulator serves TLS.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Where to write the self-signed certificate as PEM, if anywhere.
    pub cert_out: Option<PathBuf>,
}

/// Configures and starts an emulator.
#[derive(Debug, Clone)]
pub struct EmulatorBuilder {
    listen: String,
    region: String,
    catalog: Option<Catalog>,
    credentials: Vec<StaticCredentials>,
    bearer_tokens: Vec<String>,
    tls: Option<TlsOptions>,
    container_token: String,
    web_identity_tokens: Vec<String>,
}

impl Default for EmulatorBuilder {
    fn default() -> Self {
        EmulatorBuilder {
            listen: "127.0.0.1:0".into(),
            region: "us-east-1".into(),
            catalog: None,
            credentials: Vec::new(),
            bearer_tokens: Vec::new(),
            tls: None,
            container_token: DEFAULT_CONTAINER_AUTHORIZATION_TOKEN.into(),
            web_identity_tokens: vec![DEFAULT_WEB_IDENTITY_TOKEN.into()],
        }
    }
}

impl EmulatorBuilder {
    /// The address to listen on (`HOST:PORT`; port 0 picks a free one).
    pub fn listen(mut self, addr: impl Into<String>) -> Self {
        self.listen = addr.into();
        self
    }

    /// The region requests must be signed for, and of the built-in catalog's ARNs.
    pub fn region(mut self, region: impl Into<String>) -> Self {
        self.region = region.into();
        self
    }

    /// The catalog to serve instead of the built-in one.
    pub fn catalog(mut self, catalog: Catalog) -> Self {
        self.catalog = Some(catalog);
        self
    }

    /// Accepts a key pair (repeatable). With no pair and no bearer token, the defaults apply.
    pub fn credentials(mut self, credentials: StaticCredentials) -> Self {
        self.credentials.push(credentials);
        self
    }

    /// Accepts a bearer token (repeatable).
    pub fn bearer_token(mut self, token: impl Into<String>) -> Self {
        self.bearer_tokens.push(token.into());
        self
    }

    /// Serves HTTPS with a fresh self-signed certificate.
    pub fn tls(mut self, options: TlsOptions) -> Self {
        self.tls = Some(options);
        self
    }

    /// The `Authorization` value the container credentials endpoint expects.
    pub fn container_token(mut self, token: impl Into<String>) -> Self {
        self.container_token = token.into();
        self
    }

    /// Accepts a web identity token in STS `AssumeRoleWithWebIdentity` (besides the default).
    pub fn web_identity_token(mut self, token: impl Into<String>) -> Self {
        self.web_identity_tokens.push(token.into());
        self
    }

    /// Binds and starts serving.
    pub async fn start(self) -> Result<RunningEmulator, EmulatorError> {
        let listener = TcpListener::bind(&self.listen).await.map_err(|source| EmulatorError::Listen { addr: self.listen.clone(), source })?;
        let addr = listener.local_addr().map_err(|source| EmulatorError::Listen { addr: self.listen.clone(), source })?;
        let (acceptor, certificate_pem) = match &self.tls {
            None => (None, None),
            Some(options) => {
                let (acceptor, pem) = tls_acceptor()?;
                if let Some(path) = &options.cert_out {
                    std::fs::write(path, &pem).map_err(|source| EmulatorError::WriteCertificate { path: path.clone(), source })?;
                }
                (Some(acceptor), Some(pem))
            }
        };
        let state = Arc::new(State {
            catalog: self.catalog.unwrap_or_else(|| Catalog::builtin(&self.region)),
            region: self.region,
            credentials: CredentialStore::new(self.credentials, self.bearer_tokens),
            faults: FaultQueue::default(),
            log: RequestLog::default(),
            imds: ImdsSessions::default(),
            container_token: self.container_token,
            web_identity_tokens: self.web_identity_tokens,
            prompt_cache: Default::default(),
        });
        let (shutdown, shutdown_rx) = watch::channel(false);
        let task = tokio::spawn(crate::server::accept_loop(listener, state.clone(), acceptor.clone(), shutdown_rx));
        tracing::info!(%addr, tls = acceptor.is_some(), "bedrock emulator listening");
        Ok(RunningEmulator { addr, tls: acceptor.is_some(), certificate_pem, state, shutdown, task })
    }
}

fn tls_acceptor() -> Result<(TlsAcceptor, String), EmulatorError> {
    let names = vec!["127.0.0.1".to_string(), "::1".to_string(), "localhost".to_string()];
    let certified = rcgen::generate_simple_self_signed(names).map_err(|e| EmulatorError::Tls(e.to_string()))?;
    let pem = certified.cert.pem();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(rustls::pki_types::PrivatePkcs8KeyDer::from(certified.signing_key.serialize_der()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| EmulatorError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(|e| EmulatorError::Tls(e.to_string()))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok((TlsAcceptor::from(Arc::new(config)), pem))
}

/// A started emulator. Dropping it leaves the server running until the runtime ends; call
/// [`RunningEmulator::shutdown`] to stop it.
#[derive(Debug)]
pub struct RunningEmulator {
    addr: SocketAddr,
    tls: bool,
    certificate_pem: Option<String>,
    state: Arc<State>,
    shutdown: watch::Sender<bool>,
    task: JoinHandle<()>,
}

impl RunningEmulator {
    /// The base URL, e.g. `http://127.0.0.1:41234` (`https://` with TLS).
    pub fn endpoint(&self) -> String {
        format!("{}://{}", if self.tls { "https" } else { "http" }, self.addr)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The region requests must be signed for.
    pub fn region(&self) -> &str {
        &self.state.region
    }

    /// The self-signed certificate as PEM, with TLS.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// The fault queue (push rules to perturb the next matching requests).
    pub fn faults(&self) -> &FaultQueue {
        &self.state.faults
    }

    /// The request log so far.
    pub fn request_log(&self) -> Vec<RequestLogEntry> {
        self.state.log.entries()
    }

    /// The shared request log handle (to clear it).
    pub fn log(&self) -> &RequestLog {
        &self.state.log
    }

    /// The catalog served.
    pub fn catalog(&self) -> &Catalog {
        &self.state.catalog
    }

    /// Issues temporary credentials as STS would, valid for `lifetime`.
    pub fn issue_credentials(&self, lifetime: Duration) -> IssuedCredentials {
        self.state.credentials.issue(&format!("arn:aws:iam::{}:role/emulator-test-role", crate::catalog::ACCOUNT_ID), lifetime)
    }

    /// Expires every temporary credential issued so far.
    pub fn expire_issued_credentials(&self) {
        self.state.credentials.expire_issued();
    }

    /// Stops accepting and closes open connections.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        let _ = self.task.await;
    }
}
