//! The WIT is complete (issue 13): `wit/` resolves from the repository alone, every package its
//! worlds use is in `wit/deps/`, and a policy's own world that adds `wasi:http` (as `world.wit`
//! describes) resolves too, so `wit-bindgen`, `cargo component`, `componentize-py` and `jco`
//! need nothing from elsewhere.

use std::path::{Path, PathBuf};
use wit_parser::{Resolve, WorldItem};

fn wit_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join("wit")
}

/// The packages' names as `namespace:name@version`.
fn package_names(resolve: &Resolve) -> Vec<String> {
    let mut names: Vec<String> = resolve.packages.iter().map(|(_, package)| package.name.to_string()).collect();
    names.sort();
    names
}

/// Every interface a world imports or exports, named `namespace:name/interface@version`, with
/// a check that each belongs to a package of `resolve`.
fn world_interfaces(resolve: &Resolve, package: &str, world: &str) -> Vec<String> {
    let (_, found) = resolve.packages.iter().find(|(_, p)| p.name.to_string() == package).unwrap_or_else(|| panic!("package {package}"));
    let world = &resolve.worlds[*found.worlds.get(world).unwrap_or_else(|| panic!("world {world} in {package}"))];
    let mut names = Vec::new();
    for item in world.imports.values().chain(world.exports.values()) {
        if let WorldItem::Interface { id, .. } = item {
            let owner = resolve.interfaces[*id].package.expect("a named interface belongs to a package");
            assert!(resolve.packages.get(owner).is_some(), "{package}/{}: its interface's package is resolved", world.name);
            names.push(resolve.id_of(*id).unwrap_or_else(|| format!("(an inline interface of {})", world.name)));
        }
    }
    names
}

#[test]
fn the_wit_directory_resolves_with_its_deps_alone() {
    // (directory, main package, world, interfaces the world must name)
    let cases = [
        (
            wit_dir(),
            "openclaw:bedrock@0.3.0",
            "bedrock-policy",
            &[
                "openclaw:bedrock/log@0.3.0",
                "openclaw:bedrock/identity@0.3.0",
                "openclaw:bedrock/config@0.3.0",
                "openclaw:bedrock/discovery@0.3.0",
                "openclaw:bedrock/routing@0.3.0",
                "openclaw:bedrock/chat@0.3.0",
            ][..],
        ),
        // The small worlds: identity and one part each.
        (wit_dir(), "openclaw:bedrock@0.3.0", "routing-policy", &["openclaw:bedrock/identity@0.3.0", "openclaw:bedrock/routing@0.3.0"][..]),
        (wit_dir(), "openclaw:bedrock@0.3.0", "config-policy", &["openclaw:bedrock/identity@0.3.0", "openclaw:bedrock/config@0.3.0"][..]),
        (wit_dir(), "openclaw:bedrock@0.3.0", "discovery-policy", &["openclaw:bedrock/identity@0.3.0", "openclaw:bedrock/discovery@0.3.0"][..]),
        (wit_dir(), "openclaw:bedrock@0.3.0", "chat-policy", &["openclaw:bedrock/identity@0.3.0", "openclaw:bedrock/chat@0.3.0"][..]),
        (
            wit_dir().join("v0.2.0"),
            "openclaw:bedrock@0.2.0",
            "bedrock-policy",
            &["openclaw:bedrock/log@0.2.0", "openclaw:bedrock/policy@0.2.0", "openclaw:bedrock/routing@0.2.0"][..],
        ),
        (wit_dir().join("v0.1.0"), "openclaw:bedrock@0.1.0", "bedrock-policy", &["openclaw:bedrock/log@0.1.0", "openclaw:bedrock/policy@0.1.0"][..]),
    ];
    for (dir, package, world, expected) in cases {
        let mut resolve = Resolve::default();
        let (main, _) = resolve.push_dir(&dir).unwrap_or_else(|e| panic!("{} resolves: {e:#}", dir.display()));
        assert_eq!(resolve.packages[main].name.to_string(), package);
        let interfaces = world_interfaces(&resolve, package, world);
        for name in expected {
            assert!(interfaces.iter().any(|found| found == name), "{package} {world}: {name} in {interfaces:?}");
        }
        // Every world of every package resolves (the deps' own worlds included).
        for (_, each) in resolve.worlds.iter() {
            let owner = each.package.map(|id| resolve.packages[id].name.to_string()).unwrap_or_default();
            world_interfaces(&resolve, &owner, &each.name);
        }
    }
}

#[test]
fn the_deps_hold_wasi_http_and_what_it_uses_at_one_version() {
    let mut resolve = Resolve::default();
    resolve.push_dir(wit_dir()).expect("wit/ resolves");
    let names = package_names(&resolve);
    for package in ["wasi:http@0.2.12", "wasi:io@0.2.12", "wasi:clocks@0.2.12", "wasi:random@0.2.12", "wasi:cli@0.2.12"] {
        assert!(names.iter().any(|name| name == package), "{package} in {names:?}");
    }
    let versions: Vec<&str> = names.iter().filter(|name| name.starts_with("wasi:")).filter_map(|name| name.split_once('@').map(|(_, v)| v)).collect();
    assert!(versions.windows(2).all(|pair| pair[0] == pair[1]), "one WASI version: {names:?}");
}

#[test]
fn a_policy_world_with_wasi_http_resolves_from_the_repository() {
    let mut resolve = Resolve::default();
    resolve.push_dir(wit_dir()).expect("wit/ resolves");
    // The world `world.wit` tells a policy that sends its own requests to write.
    let own = "package example:my-policy;\n\
               world my-policy {\n  include openclaw:bedrock/routing-policy@0.3.0;\n  import wasi:http/outgoing-handler@0.2.12;\n}\n";
    let package = resolve.push_str("my-policy.wit", own).unwrap_or_else(|e| panic!("the world resolves: {e:#}"));
    let world = resolve.select_world(&[package], Some("my-policy")).expect("world");
    // Elaborated: the interfaces outgoing-handler uses are imported too.
    let imports: Vec<String> =
        resolve.worlds[world].imports.values().filter_map(|item| if let WorldItem::Interface { id, .. } = item { resolve.id_of(*id) } else { None }).collect();
    for name in ["wasi:http/outgoing-handler@0.2.12", "wasi:http/types@0.2.12", "wasi:io/streams@0.2.12", "openclaw:bedrock/runtime@0.3.0"] {
        assert!(imports.iter().any(|found| found == name), "{name} in {imports:?}");
    }
}
