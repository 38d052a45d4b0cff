//! The display order and de-duplication of discovered models (BEHAVIOUR.md 5.5).

use std::collections::HashSet;

use super::{ModelInfo, ModelKind};

/// Where a model goes: `global.` system profiles, then every other profile (geography system
/// profiles and application profiles), then foundation models.
fn group(model: &ModelInfo) -> u8 {
    match model.kind {
        ModelKind::SystemProfile if model.id.get(..7).is_some_and(|prefix| prefix.eq_ignore_ascii_case("global.")) => 0,
        ModelKind::SystemProfile | ModelKind::ApplicationProfile => 1,
        ModelKind::Foundation => 2,
    }
}

/// Sorts `models` by group, then by name ignoring case, then by name, then by id (so the order
/// is total and does not depend on the catalog's), and keeps the first of ids that are equal
/// ignoring case.
pub fn order(mut models: Vec<ModelInfo>) -> Vec<ModelInfo> {
    models.sort_by_cached_key(|model| (group(model), model.name.to_lowercase(), model.name.clone(), model.id.clone()));
    let mut seen = HashSet::with_capacity(models.len());
    models.retain(|model| seen.insert(model.id.to_lowercase()));
    models
}
