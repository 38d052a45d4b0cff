//! The deployment files, checked offline: the Kubernetes manifests and the Dockerfile pass the
//! structural check (`host/deploy/check-manifests.py`, PyYAML), the config file they ship is
//! valid, and the real binary accepts the Deployment's arguments and serves `/healthz`.

use openclaw_test_support::TestHome;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Command, Stdio};

const BINARY: &str = env!("CARGO_BIN_EXE_openclaw-bedrock");

fn checker() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("deploy").join("check-manifests.py")
}

#[test]
fn the_manifests_pass_the_structural_check_and_the_binary_takes_their_arguments() {
    let Some(python) = openclaw_test_support::python_with("the manifests' structural check", &["yaml"]) else { return };
    let output = Command::new(python).arg(checker()).output().expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "the manifests fail their check:\n{stdout}{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let config_file = report["config_file"].as_str().expect("config file").to_string();
    let deployed: Vec<String> = report["gateway_args"].as_array().expect("args").iter().map(|a| a.as_str().expect("string").to_string()).collect();

    let home = TestHome::empty().expect("home");
    let mut validate = Command::new(BINARY);
    home.apply(&mut validate);
    let validate = validate.args(["config", "validate", "--config", &config_file]).output().expect("openclaw runs");
    assert!(validate.status.success(), "the shipped config: {}", String::from_utf8_lossy(&validate.stderr));

    // The Deployment's arguments as they are, but listening on a free loopback port, reading
    // the repository's copy of the ConfigMap's file, and draining for 1 s.
    let args: Vec<String> = deployed
        .iter()
        .map(|arg| match arg.split_once('=') {
            Some(("--listen", _)) => "--listen=127.0.0.1:0".to_string(),
            Some(("--config", _)) => format!("--config={config_file}"),
            Some(("--drain-period", _)) => "--drain-period=1".to_string(),
            _ => arg.clone(),
        })
        .collect();
    let mut gateway = Command::new(BINARY);
    home.apply(&mut gateway);
    let mut child =
        gateway.args(&args).env("OPENCLAW_API_KEY", "deploy-check-key").stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("the gateway starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let first = lines.next().expect("an address line").expect("text");
    let addr = first.strip_prefix("listening on http://").unwrap_or_else(|| panic!("{first}")).to_string();
    let mut stream = std::net::TcpStream::connect(&addr).expect("connect");
    write!(stream, "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").expect("request");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    let terminated = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill runs");
    assert!(terminated.success());
    let status = child.wait().expect("the gateway exits");
    assert_eq!(status.code(), Some(0), "exit after SIGTERM");
}
