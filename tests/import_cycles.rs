//! No import cycles between the top-level modules of a crate (issue 12, "the house in order").
//!
//! The rule, per crate (the host library, the guest library and the domain types): module
//! `A` depends on module `B` when any file of `A` (`A` itself, its submodules, inline modules
//! and `#[cfg(test)]` code included) names `B` through a path that starts at the crate: `use
//! crate::b::X`, `crate::b::f()` in code, `super::...` climbing out of `A`, or a name the crate
//! root re-exports from `B` (`crate::Settings` when `lib.rs` has `pub use config::Settings`).
//! The dependencies between top-level modules must form no cycle: `gateway -> plan -> gateway`
//! fails, naming each step and a line that makes it. Paths into other crates (`openclaw_host::`
//! from the binary) and the crate roots' own code are no module's dependencies.
//!
//! Cycles the tree has today are listed in [`KNOWN_CYCLES`], each with why it is there; the test
//! also fails when one of them is gone, so the list stays true.
//!
//! The module tree is read as rustc finds it (`openclaw_test_support::module_graph`, plain
//! Rust, no parser crate).

use openclaw_test_support::module_graph::ModuleGraph;
use std::collections::BTreeSet;
use std::path::Path;

/// A cycle the tree has on purpose (or until its owner untangles it).
struct KnownCycle {
    /// The crate (as [`CRATES`] names it).
    krate: &'static str,
    /// The top-level modules in the cycle (one strongly connected set), sorted.
    modules: &'static [&'static str],
    /// Why it is there.
    reason: &'static str,
}

const KNOWN_CYCLES: &[KnownCycle] = &[];

/// The crates checked: name, root file (relative to the repository).
/// (The `openclaw-bedrock` binary has a single top-level module, `cli`, so it can have no such cycle.)
const CRATES: &[(&str, &str)] = &[("host", "host/src/lib.rs"), ("guest", "guest/src/lib.rs"), ("domain", "domain/src/lib.rs")];

#[test]
fn no_import_cycles_between_top_level_modules() {
    let repository = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut found = Vec::new();
    for (name, root) in CRATES {
        let graph = ModuleGraph::read(&repository.join(root)).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert!(graph.modules.len() > 1, "{name}: no top-level modules found under {root}");
        for cycle in graph.cycles() {
            let described = format!("{} (every step inside: {})", graph.describe(&cycle, &repository), graph.steps_inside(&cycle, &repository));
            found.push((name.to_string(), cycle, described));
        }
    }
    let mut failures = Vec::new();
    for (krate, modules, described) in &found {
        if !KNOWN_CYCLES.iter().any(|known| known.krate == krate && known.modules.iter().copied().eq(modules.iter().map(String::as_str))) {
            failures.push(format!("{krate}: import cycle among {modules:?}: {described}"));
        }
    }
    for known in KNOWN_CYCLES {
        assert!(!known.reason.trim().is_empty(), "{}: {:?} needs a reason", known.krate, known.modules);
        if !found.iter().any(|(krate, modules, _)| krate == known.krate && known.modules.iter().copied().eq(modules.iter().map(String::as_str))) {
            failures.push(format!("{}: {:?} is no longer a cycle: remove it from KNOWN_CYCLES", known.krate, known.modules));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The checker itself, on a small tree written for it: each way of naming a module counts, and
/// what is not a dependency (comments, strings, other crates, a submodule's own `super`) does not.
#[test]
fn the_checker_sees_every_kind_of_path_and_nothing_else() {
    let dir = tempfile::tempdir().expect("tempdir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("dir");
        std::fs::write(path, text).expect("write");
    };
    write("lib.rs", "mod a;\nmod b;\nmod c;\nmod d;\nmod e;\nmod f;\npub use f::Named;\n#[path = \"shared/g.rs\"]\nmod g;\n");
    // a -> b through a grouped `use crate::{...}`; b -> a through code climbing with `super`.
    write("a/mod.rs", "use crate::{b::One, x::y};\nmod inner;\n");
    write("b.rs", "mod deep;\n");
    write("b/deep.rs", "fn f() { super::super::a::g(); }\n");
    // c names d only in a comment, a string, a char literal and another crate's path.
    write("c.rs", "// crate::d::X\n/* crate::d /* nested */ */\nconst S: &str = \"crate::d::X\";\nconst C: char = '\"'; fn f<'a>() { other_crate::d::x(); }\n");
    // d's inline test module climbs with `super` to d itself, then names e.
    write("d.rs", "mod tests { use super::*; use super::super::e::Y; }\n");
    // e names the root's re-export of f's `Named`: e -> f, and f -> e closes a second cycle.
    write("e.rs", "fn f(_: crate::Named) {}\n");
    write("f.rs", "pub struct Named; use crate::e as _;\n");
    // g is compiled from another directory and names c.
    write("shared/g.rs", "use crate::c::S;\n");
    write("a/inner.rs", "use super::super::c::C;\n");
    let graph = ModuleGraph::read(&dir.path().join("lib.rs")).expect("reads");
    let edges: BTreeSet<(String, String)> = graph.edges.keys().cloned().collect();
    let expected: BTreeSet<(String, String)> =
        [("a", "b"), ("b", "a"), ("d", "e"), ("e", "f"), ("f", "e"), ("g", "c"), ("a", "c")].into_iter().map(|(x, y)| (x.into(), y.into())).collect();
    assert_eq!(edges, expected);
    assert_eq!(graph.cycles(), vec![vec!["a".to_string(), "b".to_string()], vec!["e".to_string(), "f".to_string()]]);
    let described = graph.describe(&graph.cycles()[0], dir.path());
    assert_eq!(described, "a -> b (a/mod.rs:1) -> a (b/deep.rs:1)");
}
