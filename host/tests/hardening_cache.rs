//! Precompiled code is only ever run when it is this host's own output for this exact component
//! (issue 12, findings 1 and 2): a hostile compile cache entry is refused or replaced, never
//! executed, with one warning line; a `.cwasm` the host cannot vouch for is refused by `--policy`
//! and by `policy check`, which never runs it.
//!
//! The tests run the binary as a user does. They run as root (as CI does) to plant files owned
//! by another uid.

use openclaw_test_support::{Run, TestGuest, TestHome, run_in_home};
use sha2::{Digest, Sha256};
use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
use std::path::{Path, PathBuf};

fn openclaw(home: &TestHome, args: &[&str]) -> Run {
    run_in_home(env!("CARGO_BIN_EXE_openclaw-bedrock"), home, &[], args)
}

fn cache_dir(home: &TestHome) -> PathBuf {
    home.state_dir().join("openclaw-bedrock").join("cache").join("policies")
}

/// The compile cache's `.cwasm` entries.
fn entries(home: &TestHome) -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> =
        std::fs::read_dir(cache_dir(home)).map(|dir| dir.filter_map(Result::ok).map(|entry| entry.path()).collect()).unwrap_or_default();
    found.sort();
    found
}

/// The policy `config show` reports: (name, sha256), after checking the run succeeded.
fn shown_policy(run: &Run) -> (String, String) {
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    let report = run.json();
    (report["policy"]["name"].as_str().unwrap_or_default().to_string(), report["policy"]["sha256"].as_str().unwrap_or_default().to_string())
}

/// A home whose cache holds the embedded policy's entry, plus that entry's path, the policy as
/// first shown, and another component's sealed artifact (from this same home, so sealed with
/// the same key: only the component digest tells it apart).
struct Primed {
    home: TestHome,
    entry: PathBuf,
    default: (String, String),
    foreign: Vec<u8>,
}

/// A home primed once (two compiles), which each case copies.
struct Template {
    home: TestHome,
    entry: PathBuf,
    default: (String, String),
    foreign: Vec<u8>,
}

fn template() -> Template {
    let home = TestHome::new().expect("home");
    let default = shown_policy(&openclaw(&home, &["config", "show", "--json"]));
    let [entry] = entries(&home).try_into().unwrap_or_else(|found: Vec<PathBuf>| panic!("one cache entry, found {found:?}"));
    let alt = TestGuest::AltPolicy.path().display().to_string();
    let alt_shown = shown_policy(&openclaw(&home, &["--policy", &alt, "config", "show", "--json"]));
    assert_ne!(alt_shown.0, default.0, "the alternative policy names itself differently");
    let foreign_entry = entries(&home).into_iter().find(|path| *path != entry).expect("the alternative policy's entry");
    let foreign = std::fs::read(&foreign_entry).expect("foreign entry");
    std::fs::remove_file(&foreign_entry).expect("remove");
    Template { home, entry, default, foreign }
}

/// A fresh home with the template's state directory.
fn primed(template: &Template) -> Primed {
    let home = TestHome::new().expect("home");
    copy_tree(&template.home.state_dir(), &home.state_dir());
    let entry = cache_dir(&home).join(template.entry.file_name().expect("entry name"));
    Primed { home, entry, default: template.default.clone(), foreign: template.foreign.clone() }
}

/// Copies a directory tree of plain files, keeping modes.
fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    std::fs::set_permissions(to, std::fs::metadata(from).expect("stat").permissions()).expect("chmod");
    for entry in std::fs::read_dir(from).expect("read_dir").map(|entry| entry.expect("entry")) {
        let target = to.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).expect("copy");
        }
    }
}

/// What a hostile case does to the cache.
type Plant = fn(&Primed);

fn chown(path: &Path, uid: u32) {
    std::os::unix::fs::chown(path, Some(uid), Some(uid)).expect("chown (the tests run as root)");
}

#[test]
fn hostile_cache_entries_are_refused_or_replaced_never_run() {
    // (case, what is planted, a phrase of the warning, whether the entry is then a sound file)
    let cases: [(&str, Plant, &str, bool); 8] = [
        (
            "foreign: another component's artifact under the default's name",
            |p| std::fs::write(&p.entry, &p.foreign).expect("write"),
            "compile of another component",
            true,
        ),
        (
            "tampered: one byte of the image changed",
            |p| {
                let mut bytes = std::fs::read(&p.entry).expect("read");
                let last = bytes.len() - 1;
                bytes[last] ^= 0x55;
                std::fs::write(&p.entry, bytes).expect("write");
            },
            "seal does not verify",
            true,
        ),
        (
            "corrupted: the middle of the image (code) overwritten with int3",
            |p| {
                let mut bytes = std::fs::read(&p.entry).expect("read");
                let middle = bytes.len() / 2;
                bytes[middle - 4096..middle + 4096].fill(0xCC);
                std::fs::write(&p.entry, bytes).expect("write");
            },
            "seal does not verify",
            true,
        ),
        ("planted by another uid (a sound artifact, but not this user's file)", |p| chown(&p.entry, 4242), "owned by uid 4242", true),
        (
            "writable by others",
            |p| std::fs::set_permissions(&p.entry, std::fs::Permissions::from_mode(0o666)).expect("chmod"),
            "writable by group and others",
            true,
        ),
        (
            "symlinked to another component's artifact",
            |p| {
                let elsewhere = p.home.path().join("elsewhere.cwasm");
                std::fs::write(&elsewhere, &p.foreign).expect("write");
                std::fs::remove_file(&p.entry).expect("remove");
                std::os::unix::fs::symlink(&elsewhere, &p.entry).expect("symlink");
            },
            "symbolic link",
            true,
        ),
        (
            "a directory in the entry's place",
            |p| {
                std::fs::remove_file(&p.entry).expect("remove");
                std::fs::create_dir_all(p.entry.join("inside")).expect("mkdir");
            },
            "a directory, not a regular file",
            false,
        ),
        (
            "the cache directory writable by others, holding another component's artifact",
            |p| {
                std::fs::write(&p.entry, &p.foreign).expect("write");
                std::fs::set_permissions(cache_dir(&p.home), std::fs::Permissions::from_mode(0o777)).expect("chmod");
            },
            "compile cache off",
            false,
        ),
    ];
    let template = template();
    for (case, plant, warning, replaced) in cases {
        let primed = primed(&template);
        plant(&primed);
        let run = openclaw(&primed.home, &["config", "show", "--json"]);
        // Never executed: the default policy answered (another component's code would name
        // itself; corrupted code would have crashed the process).
        assert_eq!(shown_policy(&run), primed.default, "{case}: {}", run.stderr);
        let warnings: Vec<&str> = run.stderr.lines().filter(|line| line.contains(warning)).collect();
        assert_eq!(warnings.len(), 1, "{case}: one warning line saying {warning:?} in {:?}", run.stderr);
        let metadata = std::fs::symlink_metadata(&primed.entry).expect("the entry's place");
        if replaced {
            assert!(metadata.is_file() && metadata.uid() == 0 && metadata.mode() & 0o022 == 0, "{case}: the entry was replaced by a sound file");
            let again = openclaw(&primed.home, &["config", "show", "--json"]);
            assert_eq!(shown_policy(&again), primed.default, "{case}");
            assert!(!again.stderr.contains("compile cache"), "{case}: the replacement is used without a warning: {}", again.stderr);
        }
        let leftovers: Vec<PathBuf> = entries(&primed.home).into_iter().filter(|path| path.to_string_lossy().ends_with(".tmp")).collect();
        assert!(leftovers.is_empty(), "{case}: temporary files left: {leftovers:?}");
    }
}

#[test]
fn a_cache_directory_owned_by_another_user_is_not_used() {
    let primed = primed(&template());
    std::fs::write(&primed.entry, &primed.foreign).expect("write");
    chown(&cache_dir(&primed.home), 4242);
    let run = openclaw(&primed.home, &["config", "show", "--json"]);
    assert_eq!(shown_policy(&run), primed.default, "{}", run.stderr);
    assert!(run.stderr.contains("compile cache off") && run.stderr.contains("owned by uid 4242"), "{}", run.stderr);
}

#[test]
fn a_key_others_can_read_is_refused() {
    let primed = primed(&template());
    let key = home_key(&primed.home);
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let run = openclaw(&primed.home, &["config", "show", "--json"]);
    assert_eq!(shown_policy(&run), primed.default, "{}", run.stderr);
    assert!(run.stderr.contains("compile cache off") && run.stderr.contains("accessible by others"), "{}", run.stderr);
}

fn home_key(home: &TestHome) -> PathBuf {
    home.state_dir().join("openclaw-bedrock").join("cache").join("policies.key")
}

#[test]
fn the_key_is_private_and_created_once() {
    let home = TestHome::new().expect("home");
    assert_eq!(openclaw(&home, &["config", "show"]).code, Some(0));
    let key = home_key(&home);
    let first = std::fs::read(&key).expect("key");
    let metadata = std::fs::metadata(&key).expect("key");
    assert_eq!((first.len(), metadata.mode() & 0o777), (32, 0o600));
    assert_eq!(openclaw(&home, &["config", "show"]).code, Some(0));
    assert_eq!(std::fs::read(&key).expect("key"), first, "the key is kept, not drawn again");
}

/// `policy compile` output, from `home`.
fn compile_alt(home: &TestHome, dir: &Path) -> PathBuf {
    let output = dir.join("alt.cwasm");
    let run = openclaw(home, &["policy", "compile", &TestGuest::AltPolicy.path().display().to_string(), "-o", &output.display().to_string()]);
    assert_eq!(run.code, Some(0), "{}", run.all_output());
    output
}

#[test]
fn a_precompiled_policy_runs_only_on_the_host_that_sealed_it() {
    let home = TestHome::new().expect("home");
    let other_home = TestHome::new().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let own = compile_alt(&home, dir.path());
    let foreign_dir = tempfile::tempdir().expect("dir");
    let foreign = compile_alt(&other_home, foreign_dir.path());
    // The image without its seal: what another tool (or an older openclaw) would write.
    let bare = dir.path().join("bare.cwasm");
    let sealed = std::fs::read(&own).expect("own");
    let elf_at = sealed.windows(4).position(|window| window == b"\x7fELF").expect("the image");
    std::fs::write(&bare, &sealed[elf_at..]).expect("write");

    // Its own output loads, and reports the digest the file watcher computes (the file's).
    let own_path = own.display().to_string();
    let (name, sha256) = shown_policy(&openclaw(&home, &["--policy", &own_path, "config", "show", "--json"]));
    assert_eq!((name.as_str(), sha256), ("alt-policy", hex::encode(Sha256::digest(&sealed))));

    // (file, what the refusal says)
    let refused = [(&foreign, "seal does not verify"), (&bare, "without this host's seal")];
    for (file, why) in refused {
        let path = file.display().to_string();
        let run = openclaw(&home, &["--policy", &path, "config", "show", "--json"]);
        assert_eq!(run.code, Some(1), "{path}: {}", run.all_output());
        assert!(run.stderr.contains("refusing precompiled policy") && run.stderr.contains(why), "{path}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "one line: {}", run.stderr);
    }
}

#[test]
fn policy_check_vets_a_precompiled_file_only_when_it_can() {
    let home = TestHome::new().expect("home");
    let other_home = TestHome::new().expect("home");
    let dir = tempfile::tempdir().expect("dir");
    let own = compile_alt(&home, dir.path()).display().to_string();
    let foreign_dir = tempfile::tempdir().expect("dir");
    let foreign = compile_alt(&other_home, foreign_dir.path()).display().to_string();

    let ok = openclaw(&home, &["policy", "check", &own]);
    assert_eq!(ok.code, Some(0), "{}", ok.all_output());
    assert!(ok.stdout.contains("this host's own precompiled build of component sha256") && ok.stdout.contains("vet the .wasm"), "{}", ok.stdout);
    let report = openclaw(&home, &["policy", "check", &own, "--json"]).json();
    assert_eq!(report["precompiled"]["sealed_by_this_host"], true);
    assert_eq!(report["precompiled"]["component_sha256"].as_str().map(str::len), Some(64));

    let refused = openclaw(&home, &["policy", "check", &foreign]);
    assert_eq!(refused.code, Some(1), "{}", refused.all_output());
    assert!(refused.stderr.contains("cannot vet machine code from anywhere else and never runs it"), "{}", refused.stderr);
    let report = openclaw(&home, &["policy", "check", &foreign, "--json"]).json();
    assert_eq!((report["ok"].as_bool(), report["policy"].is_null()), (Some(false), true));
}
