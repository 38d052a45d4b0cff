//! Model names clients send that are not Bedrock references: Anthropic's API names
//! (`claude-sonnet-4-5`, `claude-haiku-4-5-20251001`, ...), which Claude Code and the
//! `anthropic` SDKs send, and the aliases the config defines
//! (`plugins.entries.amazon-bedrock.config.aliases`). Each name stands for a model reference,
//! which is then resolved like any other (BEHAVIOUR.md section 6): a profile-only model becomes
//! the configured region's geography profile.
//!
//! Where the names come from, first listing wins: the config's aliases, then names derived from
//! the region's catalog (`anthropic.claude-<name>-<yyyymmdd>-v<n>:<m>` is Anthropic's
//! `claude-<name>-<yyyymmdd>`, and `claude-<name>` / `claude-<name>-latest` is the newest such
//! date), then the built-in table of Anthropic's published names for the Claude models Bedrock
//! offers (used when there is no catalog).

use crate::control_plane::Catalog;
use openclaw_domain::ModelAlias;

/// Anthropic's dated API names and the Bedrock model ids of the same models.
const ANTHROPIC_MODELS: [(&str, &str); 12] = [
    ("claude-3-haiku-20240307", "anthropic.claude-3-haiku-20240307-v1:0"),
    ("claude-3-5-haiku-20241022", "anthropic.claude-3-5-haiku-20241022-v1:0"),
    ("claude-3-5-sonnet-20240620", "anthropic.claude-3-5-sonnet-20240620-v1:0"),
    ("claude-3-5-sonnet-20241022", "anthropic.claude-3-5-sonnet-20241022-v2:0"),
    ("claude-3-7-sonnet-20250219", "anthropic.claude-3-7-sonnet-20250219-v1:0"),
    ("claude-sonnet-4-20250514", "anthropic.claude-sonnet-4-20250514-v1:0"),
    ("claude-opus-4-20250514", "anthropic.claude-opus-4-20250514-v1:0"),
    ("claude-opus-4-1-20250805", "anthropic.claude-opus-4-1-20250805-v1:0"),
    ("claude-sonnet-4-5-20250929", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
    ("claude-haiku-4-5-20251001", "anthropic.claude-haiku-4-5-20251001-v1:0"),
    ("claude-opus-4-5-20251101", "anthropic.claude-opus-4-5-20251101-v1:0"),
    ("claude-3-opus-20240229", "anthropic.claude-3-opus-20240229-v1:0"),
];

/// Anthropic's undated aliases and the dated name each stands for.
const ANTHROPIC_ALIASES: [(&str, &str); 10] = [
    ("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"),
    ("claude-3-5-sonnet-latest", "claude-3-5-sonnet-20241022"),
    ("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"),
    ("claude-sonnet-4-0", "claude-sonnet-4-20250514"),
    ("claude-opus-4-0", "claude-opus-4-20250514"),
    ("claude-opus-4-1", "claude-opus-4-1-20250805"),
    ("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"),
    ("claude-haiku-4-5", "claude-haiku-4-5-20251001"),
    ("claude-opus-4-5", "claude-opus-4-5-20251101"),
    ("claude-3-opus-latest", "claude-3-opus-20240229"),
];

/// Every name and the model reference it stands for, first listing wins: the config's
/// aliases, the names `catalog` gives its Anthropic models, the built-in table.
pub fn names(aliases: &[ModelAlias], catalog: Option<&Catalog>) -> Vec<(String, String)> {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut add = |name: String, target: String| {
        if !names.iter().any(|(known, _)| *known == name) {
            names.push((name, target));
        }
    };
    for alias in aliases {
        add(alias.name.clone(), alias.target.clone());
    }
    if let Some(catalog) = catalog {
        for (name, target) in catalog_names(catalog) {
            add(name, target);
        }
    }
    for (name, target) in built_in() {
        add(name.to_string(), target.to_string());
    }
    names
}

/// The reference `model` stands for when it is a name, looked up in the order [`names`]
/// lists them (the config's aliases, `catalog`'s names, the built-in table); else `model`.
/// A qualified name (`amazon-bedrock/fast`) is the name.
pub fn expand<'a>(model: &'a str, aliases: &'a [ModelAlias], catalog: Option<&Catalog>) -> std::borrow::Cow<'a, str> {
    let written = model;
    let model = crate::model_ref::unqualified(written);
    if let Some(alias) = aliases.iter().find(|alias| alias.name == model) {
        return alias.target.as_str().into();
    }
    // Only `claude-` names come from a catalog or the table: anything else is itself.
    if !model.starts_with("claude-") {
        return written.into();
    }
    if let Some((_, target)) = catalog.and_then(|catalog| catalog_names(catalog).into_iter().find(|(name, _)| name == model)) {
        return target.into();
    }
    match built_in().find(|(name, _)| *name == model) {
        Some((_, target)) => target.into(),
        None => written.into(),
    }
}

/// Whether `model` could be a name only a catalog knows (an Anthropic name the config and
/// the built-in table do not define): only then is a catalog worth fetching to expand it.
pub fn may_need_catalog(model: &str, aliases: &[ModelAlias]) -> bool {
    crate::model_ref::unqualified(model).starts_with("claude-") && expand(model, aliases, None) == model
}

/// The built-in names: each dated name, then each undated alias.
fn built_in() -> impl Iterator<Item = (&'static str, &'static str)> {
    let dated = ANTHROPIC_MODELS.iter().copied();
    let undated = ANTHROPIC_ALIASES.iter().filter_map(|(alias, dated)| Some((*alias, ANTHROPIC_MODELS.iter().find(|(name, _)| name == dated)?.1)));
    dated.chain(undated)
}

/// The Anthropic name parts of a Bedrock id `anthropic.claude-<name>-<yyyymmdd>-v<n>:<m>`:
/// (`claude-<name>`, `yyyymmdd`). Other forms (provisioned-throughput variants such as
/// `...-v1:0:200k`, undated ids) give none.
fn anthropic_parts(model_id: &str) -> Option<(&str, &str)> {
    let rest = model_id.strip_prefix("anthropic.")?;
    let (dated, version) = rest.rsplit_once("-v")?;
    let (major, minor) = version.split_once(':')?;
    if major.is_empty() || !major.bytes().all(|b| b.is_ascii_digit()) || minor.is_empty() || !minor.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let (name, date) = dated.rsplit_once('-')?;
    (name.starts_with("claude-") && date.len() == 8 && date.bytes().all(|b| b.is_ascii_digit())).then_some((name, date))
}

/// Names for the catalog's Anthropic models: the dated name of each, and the undated and
/// `-latest` names of the newest date (the highest version on a tie).
fn catalog_names(catalog: &Catalog) -> Vec<(String, String)> {
    let mut dated: Vec<(&str, &str, &str)> =
        catalog.models.iter().filter_map(|model| anthropic_parts(&model.model_id).map(|(name, date)| (name, date, model.model_id.as_str()))).collect();
    // Newest first within a name, so the first of each name is the one its aliases mean.
    dated.sort_by(|a, b| a.0.cmp(b.0).then(b.1.cmp(a.1)).then(b.2.cmp(a.2)));
    let mut names = Vec::with_capacity(dated.len() * 3);
    for (index, (name, date, id)) in dated.iter().enumerate() {
        names.push((format!("{name}-{date}"), id.to_string()));
        if index == 0 || dated[index - 1].0 != *name {
            names.push((name.to_string(), id.to_string()));
            names.push((format!("{name}-latest"), id.to_string()));
        }
    }
    names
}

#[cfg(test)]
mod tests;
