//! The example policies of `examples/policies/` (one rule, three languages), built on demand once
//! per test run into `<target>/wasm-examples/`: Rust with cargo for wasm32-wasip2, Python with
//! componentize-py (importable by [`crate::PYTHON_VAR`]'s interpreter), JavaScript with the
//! jco pinned in its `package-lock.json` (`npm ci` first when its `node_modules` is missing).
//!
//! A component newer than every file it is built from is reused, so a second test binary (or a
//! second run) pays nothing. When a toolchain is missing the test is skipped with a note saying
//! what to install, unless [`crate::REQUIRE_CLIENTS_VAR`]`=1` (CI), where it fails.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use std::time::SystemTime;

/// One example policy: the same routing rule in each language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExamplePolicy {
    /// `examples/policies/rust/` (wit-bindgen).
    Rust,
    /// `examples/policies/python/` (componentize-py).
    Python,
    /// `examples/policies/js/` (jco + componentize-js).
    Js,
}

/// Why an example could not be built: the tool that is missing and how to install it.
#[derive(Debug, Clone)]
struct Missing {
    why: String,
    install: &'static str,
}

impl ExamplePolicy {
    /// Every example, in the order the tables list them.
    pub const ALL: [Self; 3] = [Self::Rust, Self::Python, Self::Js];

    /// The language, as its directory names it.
    pub fn language(self) -> &'static str {
        match self {
            Self::Rust => "rust",
            Self::Python => "python",
            Self::Js => "js",
        }
    }

    /// The name its `self-check` reports.
    pub fn name(self) -> String {
        format!("family-router-{}", self.language())
    }

    /// Its source directory.
    pub fn dir(self) -> PathBuf {
        repository().join("examples").join("policies").join(self.language())
    }

    /// The built component, building it first if needed (once per process). `None` after a
    /// note on stderr when its toolchain is missing; under `OPENCLAW_REQUIRE_CLIENTS=1` a
    /// missing toolchain fails `test` instead. A failed build always fails `test`.
    pub fn component(self, test: &str) -> Option<PathBuf> {
        static BUILT: [OnceLock<Result<PathBuf, Missing>>; 3] = [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let index = Self::ALL.iter().position(|example| *example == self).expect("listed in ALL");
        match BUILT[index].get_or_init(|| self.build()) {
            Ok(path) => Some(path.clone()),
            Err(missing) => {
                let required = std::env::var(crate::REQUIRE_CLIENTS_VAR).is_ok_and(|v| v == "1");
                assert!(
                    !required,
                    "{test}: {}=1 but the {} example cannot be built: {} ({})",
                    crate::REQUIRE_CLIENTS_VAR,
                    self.language(),
                    missing.why,
                    missing.install
                );
                // The real stderr: libtest captures `eprintln!`, and a skip must show.
                use std::io::Write as _;
                let _ = writeln!(std::io::stderr(), "SKIPPED {test} for the {} example: {} ({})", self.language(), missing.why, missing.install);
                None
            }
        }
    }

    fn build(self) -> Result<PathBuf, Missing> {
        let out_dir = output_dir();
        std::fs::create_dir_all(&out_dir).unwrap_or_else(|e| panic!("cannot create {}: {e}", out_dir.display()));
        let output = out_dir.join(format!("family_router_{}.wasm", self.language()));
        let dir = self.dir();
        let sources: Vec<PathBuf> = match self {
            Self::Rust => vec![dir.join("src"), dir.join("Cargo.toml"), dir.join("Cargo.lock")],
            Self::Python => vec![dir.join("app.py")],
            Self::Js => vec![dir.join("app.js"), dir.join("package.json"), dir.join("package-lock.json")],
        };
        let inputs: Vec<PathBuf> = sources.into_iter().chain([repository().join("wit")]).collect();
        if newer_than_all(&output, &inputs) {
            return Ok(output);
        }
        // Written aside and renamed: a concurrent reader never sees half a component.
        let aside = output.with_extension("building");
        match self {
            Self::Rust => {
                let target_dir = out_dir.join("rust");
                let mut cargo = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
                cargo.current_dir(&dir).args(["build", "--release", "--target", "wasm32-wasip2", "--target-dir"]).arg(&target_dir);
                without_outer_cargo_settings(&mut cargo);
                run(&mut cargo, "cargo build --target wasm32-wasip2 (rustup target add wasm32-wasip2)");
                let built = target_dir.join("wasm32-wasip2").join("release").join("family_router.wasm");
                std::fs::copy(&built, &aside).unwrap_or_else(|e| panic!("cannot copy {}: {e}", built.display()));
            }
            Self::Python => componentize_python(&dir, "app", &aside)?,
            Self::Js => {
                if Command::new("npm").arg("--version").output().is_err() {
                    return Err(Missing { why: "`npm` is not on PATH".into(), install: "install Node.js 20 and npm (apt-get install nodejs npm)" });
                }
                // npm records what it installed in node_modules/.package-lock.json.
                if !newer_than_all(&dir.join("node_modules").join(".package-lock.json"), &[dir.join("package-lock.json")]) {
                    run(Command::new("npm").current_dir(&dir).args(["ci", "--no-audit", "--no-fund"]), "npm ci");
                }
                // The build script of package.json, with the output sent here (the last `-o` wins).
                run(Command::new("npm").current_dir(&dir).args(["run", "--silent", "build", "--", "-o"]).arg(&aside), "npm run build (jco componentize)");
            }
        }
        std::fs::rename(&aside, &output).unwrap_or_else(|e| panic!("cannot move {} into place: {e}", aside.display()));
        Ok(output)
    }
}

/// A Python component of the tests' own (`tests/guests/python-*/app.py`, world
/// `routing-policy`), built like the Python example into `<target>/wasm-examples/<name>.wasm`
/// once per process; `None` (with a `SKIPPED` line) when componentize-py is missing and
/// `OPENCLAW_REQUIRE_CLIENTS` is not `1`.
pub fn python_test_guest(name: &str, test: &str) -> Option<PathBuf> {
    static BUILT: std::sync::Mutex<Vec<(String, PathBuf)>> = std::sync::Mutex::new(Vec::new());
    let mut built = BUILT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, path)) = built.iter().find(|(built_name, _)| built_name == name) {
        return Some(path.clone());
    }
    let dir = repository().join("tests").join("guests").join(name);
    let output = output_dir().join(format!("{}.wasm", name.replace('-', "_")));
    std::fs::create_dir_all(output_dir()).unwrap_or_else(|e| panic!("cannot create {}: {e}", output_dir().display()));
    if !newer_than_all(&output, &[dir.join("app.py"), repository().join("wit")]) {
        let aside = output.with_extension("building");
        if let Err(missing) = componentize_python(&dir, "app", &aside) {
            let required = std::env::var(crate::REQUIRE_CLIENTS_VAR).is_ok_and(|v| v == "1");
            assert!(!required, "{test}: {}=1 but {name} cannot be built: {} ({})", crate::REQUIRE_CLIENTS_VAR, missing.why, missing.install);
            use std::io::Write as _;
            let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {} ({})", missing.why, missing.install);
            return None;
        }
        std::fs::rename(&aside, &output).unwrap_or_else(|e| panic!("cannot move {} into place: {e}", aside.display()));
    }
    built.push((name.to_string(), output.clone()));
    Some(output)
}

/// Builds the Python module `module` of `dir` into a component of world `routing-policy` at
/// `output`, with the componentize-py of `OPENCLAW_PYTHON` (or `python3`).
fn componentize_python(dir: &Path, module: &str, output: &Path) -> Result<(), Missing> {
    let python = crate::python();
    let probe = Command::new(&python).args(["-c", "import componentize_py"]).output();
    if !probe.as_ref().is_ok_and(|output| output.status.success()) {
        let why = match probe {
            // The traceback's last line says why (`ModuleNotFoundError: ...`).
            Ok(output) => {
                format!("`{python}` cannot import componentize_py: {}", String::from_utf8_lossy(&output.stderr).trim().lines().last().unwrap_or_default())
            }
            Err(error) => format!("cannot run `{python}`: {error}"),
        };
        return Err(Missing { why, install: "python3 -m pip install componentize-py==0.25.1, or point OPENCLAW_PYTHON at an interpreter that has it" });
    }
    // The console script's own entry point, run by the interpreter that has it.
    let mut componentize = Command::new(&python);
    componentize
        .current_dir(dir)
        .args(["-c", "import sys, componentize_py; sys.argv[0] = 'componentize-py'; sys.exit(componentize_py.script())"])
        .arg("-d")
        .arg(repository().join("wit"))
        .args(["-w", "routing-policy", "componentize", "-p", ".", module, "-o"])
        .arg(output);
    run(&mut componentize, "componentize-py");
    Ok(())
}

/// An `openclaw` state directory the example tests share (`OPENCLAW_STATE_DIR` for the CLI):
/// its compile cache holds each component compiled once, for every later run and gateway. An
/// interpreter in a component (Python's, JavaScript's) takes minutes to compile on a busy
/// machine, and under a second to map from the cache.
pub fn state_dir() -> PathBuf {
    output_dir().join("state")
}

/// The compile cache of [`state_dir`], for a host built in the test process.
pub fn compile_cache_dir() -> PathBuf {
    state_dir().join("openclaw-bedrock").join("cache").join("policies")
}

/// The repository's root.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("..")
}

/// `<target>/wasm-examples/`, beside the test guests' own target directory.
fn output_dir() -> PathBuf {
    Path::new(env!("OUT_DIR"))
        .ancestors()
        .find(|dir| dir.join("CACHEDIR.TAG").is_file())
        .map_or_else(|| repository().join("target"), Path::to_path_buf)
        .join("wasm-examples")
}

/// Runs a build step; a failure fails the test with what the tool said.
fn run(command: &mut Command, what: &str) {
    let output = command.output().unwrap_or_else(|e| panic!("cannot run {what}: {e}"));
    assert!(
        output.status.success(),
        "{what} failed ({}):\n{}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Whether `file` exists and is newer than every file under `inputs`.
fn newer_than_all(file: &Path, inputs: &[PathBuf]) -> bool {
    let Some(built) = modified(file) else { return false };
    inputs.iter().all(|input| newest(input).is_some_and(|newest| newest < built))
}

fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|metadata| metadata.modified()).ok()
}

/// The newest modification time of a file, or of any file under a directory.
fn newest(path: &Path) -> Option<SystemTime> {
    if !path.is_dir() {
        return modified(path);
    }
    let mut newest = modified(path)?;
    for entry in std::fs::read_dir(path).ok()? {
        newest = newest.max(self::newest(&entry.ok()?.path())?);
    }
    Some(newest)
}

/// The test process's cargo settings (target dir, flags, jobserver) are for the host target:
/// they must not reach the example's own wasm build.
fn without_outer_cargo_settings(command: &mut Command) {
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if (key.starts_with("CARGO_") && !matches!(&*key, "CARGO_HOME" | "CARGO_NET_OFFLINE"))
            || matches!(&*key, "RUSTFLAGS" | "RUSTC_WRAPPER" | "RUSTC_WORKSPACE_WRAPPER")
        {
            command.env_remove(&*key);
        }
    }
}
