//! Builds the default policy (`guest/`) as a wasm32-wasip2 component and embeds it.
//!
//! The nested `cargo build` runs with its own target directory (`<target>/wasm`): sharing the
//! outer one would deadlock on cargo's build lock. Its output is copied to `OUT_DIR` together
//! with its SHA-256, so the host can key its compile cache without hashing at start-up.

use sha2::{Digest, Sha256};
use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const GUEST_PACKAGE: &str = "openclaw-policy";
const GUEST_ARTIFACT: &str = "openclaw_policy.wasm";
const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "policy";

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let workspace = manifest_dir.parent().expect("host/ lives in the workspace").to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));

    for watched in ["guest/src", "guest/Cargo.toml", "wit", "Cargo.toml", "Cargo.lock"] {
        println!("cargo:rerun-if-changed={}", workspace.join(watched).display());
    }
    println!("cargo:rerun-if-env-changed=OPENCLAW_POLICY_WASM");

    // An escape hatch for packagers who build the guest themselves.
    let wasm = match env::var_os("OPENCLAW_POLICY_WASM") {
        Some(path) => PathBuf::from(path),
        None => build_guest(&workspace, &out_dir),
    };
    let bytes = std::fs::read(&wasm).unwrap_or_else(|e| fail(&format!("cannot read the built policy {}: {e}", wasm.display())));
    let embedded = out_dir.join(GUEST_ARTIFACT);
    std::fs::write(&embedded, &bytes).unwrap_or_else(|e| fail(&format!("cannot write {}: {e}", embedded.display())));
    let digest = hex::encode(Sha256::digest(&bytes));
    std::fs::write(out_dir.join("openclaw_policy.sha256"), digest).unwrap_or_else(|e| fail(&format!("cannot write the policy digest: {e}")));
}

fn build_guest(workspace: &Path, out_dir: &Path) -> PathBuf {
    let target_dir = outer_target_dir(out_dir).unwrap_or_else(|| workspace.join("target")).join("wasm");
    let cargo = env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command.current_dir(workspace).args(["build", "--package", GUEST_PACKAGE, "--target", TARGET, "--profile", PROFILE]).arg("--target-dir").arg(&target_dir);
    // The outer build's settings (flags, profile overrides, jobserver) must not leak into the
    // guest build: they are meant for the host target.
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        let inherited_cargo_setting = key.starts_with("CARGO_") && !matches!(&*key, "CARGO_HOME" | "CARGO_NET_OFFLINE");
        if inherited_cargo_setting || matches!(&*key, "RUSTFLAGS" | "RUSTC_WRAPPER" | "RUSTC_WORKSPACE_WRAPPER" | "RUSTDOCFLAGS") {
            command.env_remove(&*key);
        }
    }
    let status = command.status().unwrap_or_else(|e| fail(&format!("cannot run cargo to build the policy component: {e}")));
    if !status.success() {
        fail(&format!("building the default policy for {TARGET} failed (is the target installed? run `rustup target add {TARGET}`)"));
    }
    target_dir.join(TARGET).join(PROFILE).join(GUEST_ARTIFACT)
}

/// The outer target directory: the nearest ancestor of `OUT_DIR` that cargo tagged.
fn outer_target_dir(out_dir: &Path) -> Option<PathBuf> {
    out_dir.ancestors().find(|dir| dir.join("CACHEDIR.TAG").is_file()).map(Path::to_path_buf)
}

fn fail(message: &str) -> ! {
    eprintln!("error: {message}");
    std::process::exit(1);
}
