//! The module graph of a Rust crate, read from its sources the way rustc finds its modules:
//! `mod x;` from the root, `x.rs` or `x/mod.rs`, `#[path = "..."]` honoured (one file can be
//! two modules), with comments, strings and char literals skipped. For the import-cycle check
//! (`tests/import_cycles.rs`, which states the rule); plain Rust, no parser crate.
//!
//! Module `A` depends on module `B` (both top-level modules of the crate) when any file of `A`
//! names `B` through a path that starts at the crate: `use crate::b::X`, `crate::b::f()` in
//! code, `super::...` climbing out of `A`, or a name the crate root re-exports from `B`.

mod tokens;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use tokens::{Kind, Token, lex};

/// The top-level modules of one crate and the dependencies between them, each with the
/// places that make it.
pub struct ModuleGraph {
    /// The top-level modules.
    pub modules: BTreeSet<String>,
    /// (from, to) and the places (file, line) that make the dependency.
    pub edges: BTreeMap<(String, String), Vec<(PathBuf, usize)>>,
}

/// A path as written: its segments (`crate`, `super`, `self`, names, `*`) and its line.
struct WrittenPath {
    segments: Vec<String>,
    /// The name it is bound to when it is a `use` (its last segment, or its `as` alias).
    bound: Option<String>,
    line: usize,
}

impl ModuleGraph {
    /// Reads the crate whose root file (`lib.rs`, `main.rs`) is `root`.
    pub fn read(root: &Path) -> Result<Self, String> {
        let root_text = std::fs::read_to_string(root).map_err(|e| format!("{}: {e}", root.display()))?;
        let root_tokens = lex(&root_text);
        let mut files = Vec::new();
        collect_modules(root, &root_tokens, &[], true, &mut files)?;
        let modules: BTreeSet<String> = files.iter().filter_map(|(_, module, _)| module.first().cloned()).collect();
        // What the root re-exports: `pub use config::Settings` makes `crate::Settings` config's.
        let mut reexports = BTreeMap::new();
        for (path, _, _) in scan_paths(&root_tokens, &[]).into_iter().filter(|(_, module, is_use)| module.is_empty() && *is_use) {
            if let (Some(bound), Some(first)) = (&path.bound, path.segments.iter().find(|s| !matches!(s.as_str(), "crate" | "self")))
                && modules.contains(first)
                && bound != "*"
            {
                reexports.insert(bound.clone(), first.clone());
            }
        }
        let mut edges: BTreeMap<(String, String), Vec<(PathBuf, usize)>> = BTreeMap::new();
        for (file, module, tokens) in &files {
            for (path, inner, _) in scan_paths(tokens, module) {
                let Some(from) = inner.first() else { continue };
                let Some(target) = resolve(&path.segments, &inner) else { continue };
                let to = match target.first() {
                    Some(first) if modules.contains(first) => first.clone(),
                    Some(first) if reexports.contains_key(first) => reexports[first].clone(),
                    _ => continue,
                };
                if &to == from {
                    continue;
                }
                let place = (file.clone(), path.line);
                let places = edges.entry((from.clone(), to)).or_default();
                if places.last() != Some(&place) {
                    places.push(place);
                }
            }
        }
        Ok(ModuleGraph { modules, edges })
    }

    /// Every set of modules that reach each other (strongly connected, more than one), sorted.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let reach = |from: &String| {
            let mut seen = BTreeSet::new();
            let mut stack = vec![from.clone()];
            while let Some(module) = stack.pop() {
                for (a, b) in self.edges.keys() {
                    if *a == module && seen.insert(b.clone()) {
                        stack.push(b.clone());
                    }
                }
            }
            seen
        };
        let reachable: BTreeMap<&String, BTreeSet<String>> = self.modules.iter().map(|m| (m, reach(m))).collect();
        let mut cycles: Vec<Vec<String>> = Vec::new();
        for module in &self.modules {
            if !reachable[module].contains(module) || cycles.iter().any(|c| c.contains(module)) {
                continue;
            }
            let set: Vec<String> =
                self.modules.iter().filter(|other| reachable[module].contains(*other) && reachable[*other].contains(module)).cloned().collect();
            cycles.push(set);
        }
        cycles
    }

    /// Every dependency between the cycle's modules with the first line that makes it.
    pub fn steps_inside(&self, cycle: &[String], base: &Path) -> String {
        let steps = self.edges.iter().filter(|((a, b), _)| cycle.contains(a) && cycle.contains(b));
        let shown = steps.map(|((a, b), places)| format!("{a} -> {b} at {}:{}", places[0].0.strip_prefix(base).unwrap_or(&places[0].0).display(), places[0].1));
        shown.collect::<Vec<_>>().join(", ")
    }

    /// One shortest way round the cycle from its first module, each step with the first line
    /// that makes it: `gateway -> plan (host/src/gateway/mod.rs:12) -> gateway (...)`.
    pub fn describe(&self, cycle: &[String], base: &Path) -> String {
        let start = &cycle[0];
        // Breadth-first from start back to start, inside the cycle's modules.
        let mut previous: BTreeMap<String, String> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start.clone()]);
        'search: while let Some(module) = queue.pop_front() {
            for (a, b) in self.edges.keys() {
                if *a == module && cycle.contains(b) && !previous.contains_key(b) {
                    previous.insert(b.clone(), module.clone());
                    if b == start {
                        break 'search;
                    }
                    queue.push_back(b.clone());
                }
            }
        }
        let mut steps = vec![start.clone()];
        let mut at = previous.get(start).cloned();
        while let Some(module) = at {
            if &module == start {
                break;
            }
            steps.push(module.clone());
            at = previous.get(&module).cloned();
        }
        steps.push(start.clone());
        steps.reverse();
        let mut text = start.clone();
        for pair in steps.windows(2) {
            let (file, line) = &self.edges[&(pair[0].clone(), pair[1].clone())][0];
            let shown = file.strip_prefix(base).unwrap_or(file).display().to_string();
            text.push_str(&format!(" -> {} ({shown}:{line})", pair[1]));
        }
        text
    }
}

/// Where `segments` (as written in `module`) lead, from the crate root; `None` when they do not
/// start at the crate (`crate`, `super`, `self`) or climb above it.
fn resolve(segments: &[String], module: &[String]) -> Option<Vec<String>> {
    let first = segments.first()?;
    let (mut base, rest): (Vec<String>, &[String]) = match first.as_str() {
        "crate" => (Vec::new(), &segments[1..]),
        "self" => (module.to_vec(), &segments[1..]),
        "super" => {
            let climbs = segments.iter().take_while(|s| *s == "super").count();
            (module.get(..module.len().checked_sub(climbs)?)?.to_vec(), &segments[climbs..])
        }
        _ => return None,
    };
    base.extend(rest.iter().take_while(|s| *s != "self" && *s != "super").cloned());
    Some(base)
}

/// The inline modules (`mod x { ... }`) open at a point of a file, followed token by token.
#[derive(Default)]
struct InlineModules {
    /// Each open module's name and the brace depth outside it.
    open: Vec<(String, usize)>,
    depth: usize,
}

impl InlineModules {
    /// Follows the token at `i` (braces, and `mod x {` opening a module); returns how many
    /// tokens it took.
    fn follow(&mut self, tokens: &[Token], i: usize) -> usize {
        match &tokens[i].kind {
            Kind::Punct('{') => self.depth += 1,
            Kind::Punct('}') => {
                self.depth = self.depth.saturating_sub(1);
                if self.open.last().is_some_and(|(_, depth)| *depth == self.depth) {
                    self.open.pop();
                }
            }
            Kind::Ident(word) if word == "mod" => {
                if let (Some(Kind::Ident(name)), Some(Kind::Punct('{'))) = (kind_at(tokens, i + 1), kind_at(tokens, i + 2)) {
                    self.open.push((name.clone(), self.depth));
                    self.depth += 1;
                    return 3;
                }
            }
            _ => {}
        }
        1
    }

    /// `module` with the open inline modules appended.
    fn within(&self, module: &[String]) -> Vec<String> {
        module.iter().cloned().chain(self.open.iter().map(|(name, _)| name.clone())).collect()
    }
}

fn kind_at(tokens: &[Token], i: usize) -> Option<&Kind> {
    tokens.get(i).map(|t| &t.kind)
}

/// Follows `mod x;` declarations from `file` (module path `module`), adding (file, module
/// path, tokens) for it and every file below it.
fn collect_modules(file: &Path, tokens: &[Token], module: &[String], mod_rs: bool, out: &mut Vec<(PathBuf, Vec<String>, Vec<Token>)>) -> Result<(), String> {
    out.push((file.to_path_buf(), module.to_vec(), tokens.to_vec()));
    let parent = file.parent().unwrap_or(Path::new("."));
    // Where `mod x;` looks for x: beside a root or mod.rs, in a directory named after others.
    let own_dir = if mod_rs { parent.to_path_buf() } else { parent.join(file.file_stem().unwrap_or_default()) };
    let mut inline = InlineModules::default();
    let mut path_attribute: Option<String> = None;
    let mut i = 0;
    while i < tokens.len() {
        match (&tokens[i].kind, kind_at(tokens, i + 1), kind_at(tokens, i + 2)) {
            (Kind::Punct('#'), _, Some(Kind::Ident(name))) if name == "path" => {
                if let Some(Kind::Str(value)) = kind_at(tokens, i + 4) {
                    path_attribute = Some(value.clone());
                }
            }
            (Kind::Ident(word), Some(Kind::Ident(name)), Some(Kind::Punct(';'))) if word == "mod" => {
                let child: Vec<String> = inline.within(module).into_iter().chain([name.clone()]).collect();
                let inline_dir = inline.open.iter().fold(own_dir.clone(), |dir, (n, _)| dir.join(n));
                // A file given by `#[path]` owns its directory, as a mod.rs does.
                let (path, child_mod_rs) = match path_attribute.take() {
                    Some(path) if inline.open.is_empty() => (parent.join(path), true),
                    Some(path) => (inline_dir.join(path), true),
                    None if inline_dir.join(format!("{name}.rs")).exists() => (inline_dir.join(format!("{name}.rs")), false),
                    None => (inline_dir.join(name).join("mod.rs"), true),
                };
                let text = std::fs::read_to_string(&path).map_err(|e| format!("mod {name} ({}): {e}", path.display()))?;
                collect_modules(&path, &lex(&text), &child, child_mod_rs, out)?;
            }
            (Kind::Ident(word), ..) if word == "mod" => path_attribute = None,
            _ => {}
        }
        i += inline.follow(tokens, i);
    }
    Ok(())
}

/// Every crate-relative path in a file's tokens, with the module (inline modules included) it
/// is written in, and whether it is in a `use`.
fn scan_paths(tokens: &[Token], module: &[String]) -> Vec<(WrittenPath, Vec<String>, bool)> {
    let mut out = Vec::new();
    let mut inline = InlineModules::default();
    let mut i = 0;
    while i < tokens.len() {
        let previous_is_path = i > 0 && matches!(tokens[i - 1].kind, Kind::Colons | Kind::Punct('$'));
        match (&tokens[i].kind, kind_at(tokens, i + 1)) {
            (Kind::Ident(word), _) if word == "use" => {
                let mut j = i + 1;
                let mut paths = Vec::new();
                use_tree(tokens, &mut j, Vec::new(), &mut paths);
                let here = inline.within(module);
                out.extend(paths.into_iter().map(|p| (p, here.clone(), true)));
                i = j;
            }
            (Kind::Ident(word), Some(Kind::Colons)) if !previous_is_path && matches!(word.as_str(), "crate" | "super" | "self") => {
                let line = tokens[i].line;
                let mut segments = vec![word.clone()];
                let mut j = i + 1;
                while let (Some(Kind::Colons), Some(Kind::Ident(next))) = (kind_at(tokens, j), kind_at(tokens, j + 1)) {
                    segments.push(next.clone());
                    j += 2;
                }
                out.push((WrittenPath { segments, bound: None, line }, inline.within(module), false));
                i = j;
            }
            _ => i += inline.follow(tokens, i),
        }
    }
    out
}

/// Parses one use tree (`a::b::{c, d::*, e as f}`) from `tokens[*i]`, prefixed by `prefix`.
fn use_tree(tokens: &[Token], i: &mut usize, prefix: Vec<String>, out: &mut Vec<WrittenPath>) {
    let mut segments = prefix;
    let line = tokens.get(*i).map_or(0, |t| t.line);
    if matches!(tokens.get(*i).map(|t| &t.kind), Some(Kind::Colons)) {
        *i += 1; // `use ::std::...`
    }
    loop {
        match tokens.get(*i).map(|t| &t.kind) {
            Some(Kind::Ident(name)) => segments.push(name.clone()),
            Some(Kind::Punct('*')) => segments.push("*".into()),
            Some(Kind::Punct('{')) => {
                *i += 1;
                while let Some(token) = tokens.get(*i) {
                    match token.kind {
                        Kind::Punct('}') => {
                            *i += 1;
                            break;
                        }
                        Kind::Punct(',') => *i += 1,
                        _ => use_tree(tokens, i, segments.clone(), out),
                    }
                }
                return;
            }
            _ => return,
        }
        *i += 1;
        match tokens.get(*i).map(|t| &t.kind) {
            Some(Kind::Colons) => *i += 1,
            Some(Kind::Ident(word)) if word == "as" => {
                let bound = tokens.get(*i + 1).and_then(|t| if let Kind::Ident(n) = &t.kind { Some(n.clone()) } else { None });
                *i += 2;
                out.push(WrittenPath { segments, bound, line });
                return;
            }
            _ => {
                let bound = segments.last().filter(|s| *s != "self").cloned().or_else(|| segments.iter().rev().nth(1).cloned());
                out.push(WrittenPath { segments, bound, line });
                return;
            }
        }
    }
}
