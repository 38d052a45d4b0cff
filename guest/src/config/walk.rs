//! Walks a parsed config document: collects the values of the keys this provider owns from
//! both of their locations and reports every problem on the way.
//!
//! Two kinds of objects are walked. Sections the provider owns (`models.bedrockDiscovery`,
//! `plugins.entries.amazon-bedrock` and everything under it) are strict: every unknown key is an
//! error. Containers shared with the rest of OpenClaw (the root, `models`, `agents`,
//! `agents.defaults`, `agents.defaults.model`, `plugins`, `plugins.entries`) keep other keys and
//! ignore them, except a near miss of one of ours, which would otherwise be dropped silently.

use super::credentials::{is_credential_key, report_credential, scan_for_aws_credentials, scan_for_credentials};
use super::fields::{DISCOVERY_FIELDS, DISCOVERY_KEYS, FieldValue, validate_field};
use crate::diagnostics::{Diagnostics, child_path};
use crate::json5::{Member, Position, Value, ValueKind};
use crate::model_ref::{ModelReference, foreign_provider, parse_model_name, parse_model_reference};
use crate::suggest::{did_you_mean, near_miss, normalize_key};

/// A value and where it was read from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Located<T> {
    pub value: T,
    pub path: String,
    pub position: Position,
}

/// A valid model reference of ours, as written (trimmed) and parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModelSetting {
    pub text: String,
    pub reference: ModelReference,
}

/// What `agents.defaults.model(.primary)` holds. That location is shared by every provider of
/// OpenClaw, so it may name another provider's model: that is not an error there, only not ours.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum AgentsModel {
    Ours(Located<ModelSetting>),
    Foreign { model: Located<String>, provider: String },
}

/// The discovery fields read from one location, indexed like [`DISCOVERY_FIELDS`].
pub(crate) type FieldSet = [Option<Located<FieldValue>>; DISCOVERY_FIELDS.len()];

/// Everything the walk collected (only valid values; problems went to the diagnostics).
#[derive(Debug, Default)]
pub(crate) struct ConfigInput {
    /// The top-level `model`.
    pub legacy_model: Option<Located<ModelSetting>>,
    /// `agents.defaults.model.primary`, or `agents.defaults.model` as a string.
    pub agents_model: Option<AgentsModel>,
    /// `models.bedrockDiscovery`.
    pub legacy_discovery: FieldSet,
    /// `plugins.entries.amazon-bedrock.config.discovery`.
    pub plugin_discovery: FieldSet,
    /// `plugins.entries.amazon-bedrock.config.aliases`: each name and the reference it stands for.
    pub aliases: Vec<(String, Located<ModelSetting>)>,
    /// Where the aliases object is.
    pub aliases_path: Option<String>,
}

/// Our keys at the root, and OpenClaw keys there that are near misses of ours but legitimate
/// (`agent` is the single-agent section of older OpenClaw releases).
const ROOT_KEYS: [&str; 4] = ["model", "models", "agents", "plugins"];
const ROOT_OTHERS: [&str; 1] = ["agent"];
/// `agents.defaults.models` is OpenClaw's model catalogue, one letter from our `model`.
const AGENT_DEFAULTS_OTHERS: [&str; 1] = ["models"];
/// The Bedrock plugin's id, and spellings of it that are meant for it.
const PLUGIN_ID: &str = "amazon-bedrock";
const PLUGIN_ID_ALIASES: [&str; 3] = ["bedrock", "aws-bedrock", "awsbedrock"];
const PLUGIN_ENTRY_KEYS: [&str; 2] = ["enabled", "config"];
const PLUGIN_CONFIG_KEYS: [&str; 2] = ["discovery", "aliases"];
/// Longest model name an alias may define (names are sent as a request's `model`).
const ALIAS_NAME_MAX: usize = 256;
/// Provider ids under `models.providers` whose sections are checked for credentials.
const PROVIDER_IDS: [&str; 2] = ["amazonbedrock", "bedrock"];

/// Walks the document; `root` must be an object (anything else is reported).
pub(crate) fn walk_document(root: &Value, diagnostics: &mut Diagnostics) -> ConfigInput {
    let mut walker = Walker { diagnostics, input: ConfigInput::default(), alias_names: alias_names(root) };
    let Some(members) = root.as_object() else {
        walker.diagnostics.error("", root.position, format!("the config must be an object at the top level, found {}", root.describe()));
        return walker.input;
    };
    for member in members_that_count(members, &ROOT_KEYS, "", walker.diagnostics) {
        let path = child_path("", &member.key);
        match member.key.as_str() {
            "model" => {
                walker.input.legacy_model = walker.read_our_model(&member.value, &path, true);
            }
            "models" => walker.walk_models(&member.value, &path),
            "agents" => walker.walk_agents(&member.value, &path),
            "plugins" => walker.walk_plugins(&member.value, &path),
            _ => walker.check_shared_key(member, &path, &ROOT_KEYS, &ROOT_OTHERS),
        }
    }
    // AWS credentials are refused wherever they are, in sections of OpenClaw's too.
    scan_for_aws_credentials(root, "", walker.diagnostics);
    walker.input
}

struct Walker<'d> {
    diagnostics: &'d mut Diagnostics,
    input: ConfigInput,
    /// The names `aliases` defines, read ahead: `model` may name one before it is defined.
    alias_names: Vec<String>,
}

/// The keys of `plugins.entries.amazon-bedrock.config.aliases`, if it is an object (its values
/// are checked when the walk gets there).
fn alias_names(root: &Value) -> Vec<String> {
    let mut value = root;
    for key in ["plugins", "entries", PLUGIN_ID, "config", "aliases"] {
        let Some(member) = value.as_object().and_then(|members| members.iter().rev().find(|member| member.key == key)) else { return Vec::new() };
        value = &member.value;
    }
    value.as_object().map(|members| members.iter().map(|member| member.key.clone()).collect()).unwrap_or_default()
}

impl Walker<'_> {
    /// The members of a container we need; an error when it is not an object.
    fn object<'v>(&mut self, value: &'v Value, path: &str) -> Option<&'v [Member]> {
        let members = value.as_object();
        if members.is_none() {
            self.diagnostics.error(path, value.position, format!("expected an object, found {}", value.describe()));
        }
        members
    }

    /// A key of a shared container that is not ours: ignored, unless it is a near miss of ours.
    fn check_shared_key(&mut self, member: &Member, path: &str, ours: &[&str], others: &[&str]) {
        if others.contains(&member.key.as_str()) {
            return;
        }
        if let Some(meant) = near_miss(&member.key, ours) {
            self.diagnostics.error(path, member.key_position, format!("unknown key `{}`: did you mean `{meant}`?", member.key));
        }
    }

    /// A key of a section we own that is not one of `known`: a credential or an unknown key.
    fn reject_strict_key(&mut self, member: &Member, path: &str, known: &[&str]) {
        if is_credential_key(&member.key) {
            report_credential(&member.key, path, member.key_position, self.diagnostics);
            return;
        }
        let message = match did_you_mean(&member.key, known) {
            Some(meant) => format!("unknown key `{}`: did you mean `{meant}`?", member.key),
            None => format!("unknown key `{}` (known keys: {})", member.key, known.join(", ")),
        };
        self.diagnostics.error(path, member.key_position, message);
        scan_for_credentials(&member.value, path, self.diagnostics);
    }

    fn walk_models(&mut self, value: &Value, path: &str) {
        let Some(members) = self.object(value, path) else { return };
        for member in members_that_count(members, &["bedrockDiscovery", "providers"], path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            match member.key.as_str() {
                "bedrockDiscovery" => {
                    self.input.legacy_discovery = self.read_discovery(&member.value, &member_path);
                }
                "providers" => self.scan_provider_sections(&member.value, &member_path),
                _ => self.check_shared_key(member, &member_path, &["bedrockDiscovery"], &[]),
            }
        }
    }

    /// `models.providers.amazon-bedrock` and `models.providers.bedrock` belong to OpenClaw's
    /// provider catalogue, but no credential may hide there either.
    fn scan_provider_sections(&mut self, value: &Value, path: &str) {
        let Some(members) = value.as_object() else { return };
        for member in members.iter().filter(|member| PROVIDER_IDS.contains(&normalize_key(&member.key).as_str())) {
            scan_for_credentials(&member.value, &child_path(path, &member.key), self.diagnostics);
        }
    }

    /// A shared container holding one key of ours (`owned`, read by `read`); `others` are
    /// OpenClaw keys there that are near misses of `owned` but legitimate.
    fn walk_shared(&mut self, value: &Value, path: &str, owned: &str, others: &[&str], read: fn(&mut Self, &Value, &str)) {
        let Some(members) = self.object(value, path) else { return };
        for member in members_that_count(members, &[owned], path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            if member.key == owned {
                read(self, &member.value, &member_path);
            } else {
                self.check_shared_key(member, &member_path, &[owned], others);
            }
        }
    }

    fn walk_agents(&mut self, value: &Value, path: &str) {
        self.walk_shared(value, path, "defaults", &[], Self::walk_agent_defaults);
    }

    fn walk_agent_defaults(&mut self, value: &Value, path: &str) {
        self.walk_shared(value, path, "model", &AGENT_DEFAULTS_OTHERS, Self::read_agents_model);
    }

    /// `agents.defaults.model`: a reference string, or `{ primary, fallbacks }` (fallbacks are
    /// OpenClaw's, not ours).
    fn read_agents_model(&mut self, value: &Value, path: &str) {
        match &value.kind {
            ValueKind::String(_) => self.input.agents_model = self.read_shared_model(value, path),
            ValueKind::Object(members) => {
                for member in members_that_count(members, &["primary"], path, self.diagnostics) {
                    let member_path = child_path(path, &member.key);
                    match member.key.as_str() {
                        "primary" => {
                            self.input.agents_model = self.read_shared_model(&member.value, &member_path);
                        }
                        _ => self.check_shared_key(member, &member_path, &["primary"], &["fallbacks"]),
                    }
                }
            }
            _ => self.diagnostics.error(
                path,
                value.position,
                format!("expected a model reference (a string) or an object with `primary`, found {}", value.describe()),
            ),
        }
    }

    /// A model reference in the shared agents location: another provider's model is noted
    /// (and later warned about), ours must be valid.
    fn read_shared_model(&mut self, value: &Value, path: &str) -> Option<AgentsModel> {
        if let Some(text) = value.as_str()
            && let Some(provider) = foreign_provider(text)
        {
            let model = Located { value: text.trim().to_string(), path: path.to_string(), position: value.position };
            return Some(AgentsModel::Foreign { model, provider: provider.to_string() });
        }
        self.read_our_model(value, path, true).map(AgentsModel::Ours)
    }

    /// A model reference that must be ours (in the top-level `model`, another provider's model
    /// is an error: that key belongs to this provider); with `names_allowed`, also a model name
    /// (an alias, an Anthropic name) that stands for one.
    fn read_our_model(&mut self, value: &Value, path: &str, names_allowed: bool) -> Option<Located<ModelSetting>> {
        let Some(text) = value.as_str() else {
            let message = format!("expected a model reference (a string such as \"us.anthropic.claude-sonnet-4-6-20251001-v1:0\"), found {}", value.describe());
            self.diagnostics.error(path, value.position, message);
            return None;
        };
        let parsed = parse_model_reference(text).or_else(|problem| {
            // A default model may be a name: an alias of this file, or an Anthropic name.
            let is_name = |name: &str| names_allowed && (self.alias_names.iter().any(|alias| alias == name) || name.starts_with("claude-"));
            parse_model_name(text, is_name).ok_or(problem)
        });
        match parsed {
            Ok(reference) => {
                Some(Located { value: ModelSetting { text: text.trim().to_string(), reference }, path: path.to_string(), position: value.position })
            }
            Err(problem) => {
                self.diagnostics.error(path, value.position, problem);
                None
            }
        }
    }

    fn walk_plugins(&mut self, value: &Value, path: &str) {
        self.walk_shared(value, path, "entries", &[], Self::walk_plugin_entries);
    }

    fn walk_plugin_entries(&mut self, value: &Value, path: &str) {
        let Some(members) = self.object(value, path) else { return };
        for member in members_that_count(members, &[PLUGIN_ID], path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            if member.key == PLUGIN_ID {
                self.read_plugin_entry(&member.value, &member_path);
            } else if PLUGIN_ID_ALIASES.contains(&member.key.to_ascii_lowercase().as_str()) {
                let message = format!("unknown plugin id `{}`: did you mean `{PLUGIN_ID}`? (plugin entries are keyed by the plugin id)", member.key);
                self.diagnostics.error(&member_path, member.key_position, message);
            } else {
                self.check_shared_key(member, &member_path, &[PLUGIN_ID], &[]);
            }
        }
    }

    /// `plugins.entries.amazon-bedrock`: strict, `{ enabled, config: { discovery } }`.
    fn read_plugin_entry(&mut self, value: &Value, path: &str) {
        let Some(members) = self.object(value, path) else { return };
        for member in members_that_count(members, &PLUGIN_ENTRY_KEYS, path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            match member.key.as_str() {
                "enabled" => {
                    // Whether OpenClaw loads the plugin at all is the host's business; it only
                    // has to be a boolean.
                    if !matches!(member.value.kind, ValueKind::Bool(_)) {
                        let message = format!("expected a boolean (true or false), found {}", member.value.describe());
                        self.diagnostics.error(&member_path, member.value.position, message);
                    }
                }
                "config" => {
                    self.read_plugin_config(&member.value, &member_path);
                }
                _ => self.reject_strict_key(member, &member_path, &PLUGIN_ENTRY_KEYS),
            }
        }
    }

    fn read_plugin_config(&mut self, value: &Value, path: &str) {
        let Some(members) = self.object(value, path) else { return };
        for member in members_that_count(members, &PLUGIN_CONFIG_KEYS, path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            match member.key.as_str() {
                "discovery" => {
                    self.input.plugin_discovery = self.read_discovery(&member.value, &member_path);
                }
                "aliases" => {
                    self.read_aliases(&member.value, &member_path);
                }
                _ => self.reject_strict_key(member, &member_path, &PLUGIN_CONFIG_KEYS),
            }
        }
    }

    /// `aliases`: an object from model name to model reference. A name is what a client sends
    /// as its `model` (no blanks, at most [`ALIAS_NAME_MAX`] characters); the reference is
    /// checked like `model`. A repeated name: the last one counts, with a warning.
    fn read_aliases(&mut self, value: &Value, path: &str) {
        let Some(members) = self.object(value, path) else { return };
        self.input.aliases_path = Some(path.to_string());
        let names: Vec<&str> = members.iter().map(|member| member.key.as_str()).collect();
        for member in members_that_count(members, &names, path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            let name = member.key.as_str();
            if name.is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) || name.chars().count() > ALIAS_NAME_MAX {
                let problem = format!("expected a model name without blanks of at most {ALIAS_NAME_MAX} characters, found {name:?}");
                self.diagnostics.error(&member_path, member.key_position, problem);
                continue;
            }
            if let Some(target) = self.read_our_model(&member.value, &member_path, false) {
                self.input.aliases.push((name.to_string(), target));
            }
        }
    }

    /// A discovery section (strict), from either location.
    fn read_discovery(&mut self, value: &Value, path: &str) -> FieldSet {
        let mut fields = FieldSet::default();
        let Some(members) = self.object(value, path) else { return fields };
        for member in members_that_count(members, &DISCOVERY_KEYS, path, self.diagnostics) {
            let member_path = child_path(path, &member.key);
            let Some(index) = DISCOVERY_KEYS.iter().position(|key| *key == member.key) else {
                self.reject_strict_key(member, &member_path, &DISCOVERY_KEYS);
                continue;
            };
            fields[index] = validate_field(&DISCOVERY_FIELDS[index], &member.value, &member_path, self.diagnostics).map(|field_value| Located {
                value: field_value,
                path: member_path,
                position: member.value.position,
            });
        }
        fields
    }
}

/// The members of an object that count, in order: of several members with the same key among
/// `handled` (the keys this walk reads there), only the last counts, as in JSON; a warning at
/// it says which earlier one it replaces, so that nothing is dropped silently. Linear in the
/// number of members for each handled key, whatever the document.
fn members_that_count<'v>(members: &'v [Member], handled: &[&str], path: &str, diagnostics: &mut Diagnostics) -> Vec<&'v Member> {
    let mut replaced = vec![false; members.len()];
    for key in handled {
        let occurrences: Vec<usize> = members.iter().enumerate().filter(|(_, member)| member.key == *key).map(|(index, _)| index).collect();
        if let [.., previous, last] = occurrences.as_slice() {
            for &index in &occurrences[..occurrences.len() - 1] {
                replaced[index] = true;
            }
            let (earlier, winner) = (&members[*previous], &members[*last]);
            let message = format!(
                "duplicate key `{key}`: this one replaces the one at line {}, column {}, which is ignored",
                earlier.key_position.line, earlier.key_position.column
            );
            diagnostics.warning(&child_path(path, key), winner.key_position, message);
        }
    }
    members.iter().zip(replaced).filter(|(_, replaced)| !replaced).map(|(member, _)| member).collect()
}
