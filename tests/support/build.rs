//! Builds the test components in `tests/guests/` for wasm32-wasip2, in a target directory of
//! their own (sharing the outer one would deadlock on cargo's build lock), and the default
//! policy built against each frozen contract (the guest's `contract-v0-1` and `contract-v0-2`
//! features), so that the host's 0.1.0 and 0.2.0 paths are tested with the real policy.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";
const PROFILE: &str = "policy";
/// The components, by crate name; their wasm files use underscores.
const GUESTS: [&str; 14] = [
    "hostile",
    "alt-policy",
    "refuses",
    "unlinkable",
    "not-a-policy",
    "http-caller",
    "import-caller",
    "panics",
    "wrong-contract",
    "parts-routing",
    "parts-config",
    "parts-discovery",
    "parts-none",
    "mixed-versions",
];
/// The default policy's builds for frozen contracts: (feature, output file).
const DEFAULT_POLICY_BUILDS: [(&str, &str); 2] = [("contract-v0-1", "default_policy_v0_1.wasm"), ("contract-v0-2", "default_policy_v0_2.wasm")];

fn main() {
    let manifest_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let tests_dir = manifest_dir.parent().expect("support/ lives in tests/").to_path_buf();
    let workspace = tests_dir.parent().expect("tests/ lives in the workspace").to_path_buf();
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    let guests = tests_dir.join("guests");
    for watched in [
        guests.join("Cargo.toml"),
        guests.join("Cargo.lock"),
        workspace.join("wit"),
        workspace.join("guest").join("src"),
        workspace.join("guest").join("Cargo.toml"),
    ] {
        println!("cargo:rerun-if-changed={}", watched.display());
    }
    for guest in ["kit"].iter().chain(GUESTS.iter()) {
        println!("cargo:rerun-if-changed={}", guests.join(guest).join("src").display());
        println!("cargo:rerun-if-changed={}", guests.join(guest).join("Cargo.toml").display());
    }

    let target_dir = out_dir
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| workspace.join("target"))
        .join("wasm-test-guests");
    let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command.current_dir(&guests).args(["build", "--workspace", "--target", TARGET, "--profile", PROFILE]).arg("--target-dir").arg(&target_dir);
    without_outer_settings(&mut command);
    let status = command.status().unwrap_or_else(|e| panic!("cannot run cargo for the test guests: {e}"));
    assert!(status.success(), "building the test guests for {TARGET} failed (rustup target add {TARGET})");

    let built = target_dir.join(TARGET).join(PROFILE);
    for guest in GUESTS {
        let file = format!("{}.wasm", guest.replace('-', "_"));
        std::fs::copy(built.join(&file), out_dir.join(&file)).unwrap_or_else(|e| panic!("cannot copy {file}: {e}"));
    }

    for (feature, file) in DEFAULT_POLICY_BUILDS {
        // One target directory per feature: switching features in one would rebuild each time.
        let default_dir = target_dir.with_file_name(format!("wasm-default-policy-{}", feature.trim_start_matches("contract-")));
        let mut command = Command::new(env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        command
            .current_dir(&workspace)
            .args(["build", "--package", "openclaw-policy", "--features", feature, "--target", TARGET, "--profile", PROFILE])
            .arg("--target-dir")
            .arg(&default_dir);
        without_outer_settings(&mut command);
        let status = command.status().unwrap_or_else(|e| panic!("cannot run cargo for the default policy ({feature}): {e}"));
        assert!(status.success(), "building the default policy with {feature} failed");
        let built = default_dir.join(TARGET).join(PROFILE).join("openclaw_policy.wasm");
        std::fs::copy(&built, out_dir.join(file)).unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.display()));
    }
}

/// The outer build's settings (flags, profile overrides, jobserver) are meant for the host
/// target: they must not leak into a nested wasm build.
fn without_outer_settings(command: &mut Command) {
    for (key, _) in env::vars_os() {
        let key = key.to_string_lossy();
        if (key.starts_with("CARGO_") && !matches!(&*key, "CARGO_HOME" | "CARGO_NET_OFFLINE"))
            || matches!(&*key, "RUSTFLAGS" | "RUSTC_WRAPPER" | "RUSTC_WORKSPACE_WRAPPER")
        {
            command.env_remove(&*key);
        }
    }
}
