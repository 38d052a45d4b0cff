//! The fields of the discovery section (`models.bedrockDiscovery` and
//! `plugins.entries.amazon-bedrock.config.discovery`): their types, ranges and defaults.

use crate::diagnostics::{Diagnostics, index_path};
use crate::json5::{Integer, Value, ValueKind};
use crate::region::check_region_name;

/// What values a discovery field takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldKind {
    /// `true` or `false`; unset by default.
    Flag,
    /// A non-empty AWS region name; unset by default.
    Region,
    /// A list of non-blank provider names; empty by default.
    ProviderList,
    /// A whole number in `min..=max`.
    Count {
        /// Smallest accepted value.
        min: u64,
        /// Largest accepted value (the WIT field's integer type bounds it).
        max: u64,
        /// The value when the field is not configured.
        default: u64,
    },
}

/// One field of the discovery section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DiscoveryField {
    /// The key in the file, e.g. `refreshInterval`.
    pub key: &'static str,
    /// The setting name reported in `sources`, e.g. `discovery.refreshInterval`.
    pub setting: &'static str,
    /// Its values.
    pub kind: FieldKind,
}

/// Index of each field in [`DISCOVERY_FIELDS`].
pub(crate) const ENABLED: usize = 0;
pub(crate) const REGION: usize = 1;
pub(crate) const PROVIDER_FILTER: usize = 2;
pub(crate) const REFRESH_INTERVAL: usize = 3;
pub(crate) const DEFAULT_CONTEXT_WINDOW: usize = 4;
pub(crate) const DEFAULT_MAX_TOKENS: usize = 5;

const U32_MAX: u64 = u32::MAX as u64;

/// Every field of the discovery section, in the order `sources` lists them.
pub const DISCOVERY_FIELDS: [DiscoveryField; 6] = [
    DiscoveryField { key: "enabled", setting: "discovery.enabled", kind: FieldKind::Flag },
    DiscoveryField { key: "region", setting: "discovery.region", kind: FieldKind::Region },
    DiscoveryField { key: "providerFilter", setting: "discovery.providerFilter", kind: FieldKind::ProviderList },
    DiscoveryField { key: "refreshInterval", setting: "discovery.refreshInterval", kind: FieldKind::Count { min: 0, max: u64::MAX, default: 3600 } },
    DiscoveryField { key: "defaultContextWindow", setting: "discovery.defaultContextWindow", kind: FieldKind::Count { min: 1, max: U32_MAX, default: 32000 } },
    DiscoveryField { key: "defaultMaxTokens", setting: "discovery.defaultMaxTokens", kind: FieldKind::Count { min: 1, max: U32_MAX, default: 4096 } },
];

/// The keys of [`DISCOVERY_FIELDS`], for suggestions.
pub(crate) const DISCOVERY_KEYS: [&str; 6] = {
    let mut keys = [""; 6];
    let mut index = 0;
    while index < DISCOVERY_FIELDS.len() {
        keys[index] = DISCOVERY_FIELDS[index].key;
        index += 1;
    }
    keys
};

/// A validated field value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum FieldValue {
    Flag(bool),
    Text(String),
    List(Vec<String>),
    Count(u64),
}

impl FieldValue {
    /// The value as a message shows it when two locations disagree.
    pub(crate) fn display(&self) -> String {
        match self {
            FieldValue::Flag(flag) => flag.to_string(),
            FieldValue::Text(text) => format!("{text:?}"),
            FieldValue::List(items) => format!("{items:?}"),
            FieldValue::Count(count) => count.to_string(),
        }
    }
}

/// Validates `value` for `field` at `path`; `None` (with errors recorded) when it is invalid.
pub(crate) fn validate_field(field: &DiscoveryField, value: &Value, path: &str, diagnostics: &mut Diagnostics) -> Option<FieldValue> {
    let found = value.describe();
    let problem = match (field.kind, &value.kind) {
        (FieldKind::Flag, ValueKind::Bool(flag)) => return Some(FieldValue::Flag(*flag)),
        (FieldKind::Flag, _) => format!("expected a boolean (true or false), found {found}"),
        (FieldKind::Region, ValueKind::String(text)) if text.trim().is_empty() => {
            format!(
                "expected a non-empty region name, found {found} (leave the key out to use AWS_REGION, AWS_DEFAULT_REGION, the profile's region or us-east-1)"
            )
        }
        (FieldKind::Region, ValueKind::String(text)) => match check_region_name(text.trim()) {
            Ok(()) => return Some(FieldValue::Text(text.trim().to_string())),
            Err(problem) => problem,
        },
        (FieldKind::Region, _) => format!("expected a region name (a string such as \"us-east-1\"), found {found}"),
        (FieldKind::ProviderList, ValueKind::Array(items)) => return validate_provider_list(items, path, diagnostics),
        (FieldKind::ProviderList, _) => format!("expected a list of provider names such as [\"anthropic\"], found {found}"),
        (FieldKind::Count { min, max, .. }, ValueKind::Number(number)) => match number.integer() {
            Integer::Exact(count) if count >= i128::from(min) && count <= i128::from(max) => {
                return u64::try_from(count).ok().map(FieldValue::Count);
            }
            Integer::Exact(count) if count < i128::from(min) => format!("expected an integer >= {min}, found {found}"),
            Integer::Exact(_) | Integer::OutOfRange => format!("expected an integer between {min} and {max}, found {found} (out of range)"),
            Integer::Fractional => format!("expected an integer >= {min}, found {found} (not a whole number)"),
            Integer::NotFinite => format!("expected an integer >= {min}, found {found}"),
        },
        (FieldKind::Count { min, .. }, _) => format!("expected an integer >= {min}, found {found}"),
    };
    diagnostics.error(path, value.position, problem);
    None
}

fn validate_provider_list(items: &[Value], path: &str, diagnostics: &mut Diagnostics) -> Option<FieldValue> {
    let mut names = Vec::with_capacity(items.len());
    let mut valid = true;
    for (index, item) in items.iter().enumerate() {
        match &item.kind {
            ValueKind::String(name) if !name.trim().is_empty() => names.push(name.clone()),
            _ => {
                let item_path = index_path(path, index);
                diagnostics.error(&item_path, item.position, format!("expected a provider name such as \"anthropic\", found {}", item.describe()));
                valid = false;
            }
        }
    }
    valid.then_some(FieldValue::List(names))
}
