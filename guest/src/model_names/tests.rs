use super::*;
use crate::control_plane::FoundationModelRecord;

fn alias(name: &str, target: &str) -> ModelAlias {
    ModelAlias { name: name.into(), target: target.into() }
}

fn catalog(ids: &[&str]) -> Catalog {
    Catalog {
        region: "us-east-1".into(),
        models: ids.iter().map(|id| FoundationModelRecord { model_id: id.to_string(), ..FoundationModelRecord::default() }).collect(),
        profiles: Vec::new(),
        fetched_at: 0,
        stale: false,
        stale_reason: None,
    }
}

fn target_of<'a>(names: &'a [(String, String)], name: &str) -> Option<&'a str> {
    names.iter().find(|(known, _)| known == name).map(|(_, target)| target.as_str())
}

#[test]
fn bedrock_ids_give_anthropic_names() {
    let cases = [
        ("anthropic.claude-sonnet-4-6-20251001-v1:0", Some(("claude-sonnet-4-6", "20251001"))),
        ("anthropic.claude-3-5-sonnet-20241022-v2:0", Some(("claude-3-5-sonnet", "20241022"))),
        // Provisioned-throughput variants, undated ids, other providers, broken versions.
        ("anthropic.claude-3-haiku-20240307-v1:0:200k", None),
        ("anthropic.claude-instant-v1", None),
        ("amazon.nova-pro-v1:0", None),
        ("anthropic.claude-x-2025010-v1:0", None),
        ("anthropic.claude-x-20250101-v:0", None),
        ("anthropic.titan-20250101-v1:0", None),
    ];
    for (id, want) in cases {
        assert_eq!(anthropic_parts(id), want, "{id}");
    }
}

#[test]
fn a_catalog_names_its_claude_models_and_the_newest_takes_the_undated_name() {
    let names = names(
        &[],
        Some(&catalog(&[
            "anthropic.claude-sonnet-4-6-20251001-v1:0",
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "amazon.nova-pro-v1:0",
        ])),
    );
    let cases = [
        ("claude-sonnet-4-6", Some("anthropic.claude-sonnet-4-6-20251001-v1:0")),
        ("claude-sonnet-4-6-latest", Some("anthropic.claude-sonnet-4-6-20251001-v1:0")),
        ("claude-sonnet-4-6-20251001", Some("anthropic.claude-sonnet-4-6-20251001-v1:0")),
        ("claude-3-5-sonnet", Some("anthropic.claude-3-5-sonnet-20241022-v2:0")),
        ("claude-3-5-sonnet-20240620", Some("anthropic.claude-3-5-sonnet-20240620-v1:0")),
        // Not in the catalog: the built-in table still names it.
        ("claude-haiku-4-5", Some("anthropic.claude-haiku-4-5-20251001-v1:0")),
        ("claude-haiku-4-5-20251001", Some("anthropic.claude-haiku-4-5-20251001-v1:0")),
        ("nova-pro", None),
        ("claude-unknown", None),
    ];
    for (name, want) in cases {
        assert_eq!(target_of(&names, name), want, "{name}");
    }
    let mut seen = std::collections::HashSet::new();
    assert!(names.iter().all(|(name, _)| seen.insert(name.clone())), "each name once: {names:?}");
}

#[test]
fn the_configs_aliases_come_first() {
    let aliases = [alias("claude-haiku-4-5", "us.anthropic.claude-haiku-4-5-20251001-v1:0"), alias("fast", "amazon.nova-micro-v1:0")];
    let names = names(&aliases, Some(&catalog(&["anthropic.claude-haiku-4-5-20251001-v1:0"])));
    assert_eq!(target_of(&names, "claude-haiku-4-5"), Some("us.anthropic.claude-haiku-4-5-20251001-v1:0"));
    assert_eq!(target_of(&names, "fast"), Some("amazon.nova-micro-v1:0"));
    let cases = [
        ("fast", "amazon.nova-micro-v1:0"),
        ("claude-haiku-4-5", "us.anthropic.claude-haiku-4-5-20251001-v1:0"),
        ("claude-sonnet-4-5", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        ("claude-3-7-sonnet-latest", "anthropic.claude-3-7-sonnet-20250219-v1:0"),
        ("amazon.nova-pro-v1:0", "amazon.nova-pro-v1:0"),
        ("FAST", "FAST"),
    ];
    for (model, want) in cases {
        assert_eq!(expand(model, &aliases, None), want, "{model}");
    }
    // With a catalog, its names come before the table's.
    let newer = catalog(&["anthropic.claude-sonnet-4-5-20250929-v2:0"]);
    assert_eq!(expand("claude-sonnet-4-5", &aliases, Some(&newer)), "anthropic.claude-sonnet-4-5-20250929-v2:0");
    assert_eq!(expand("fast", &aliases, Some(&newer)), "amazon.nova-micro-v1:0");
    let needs = [("claude-sonnet-4-6", true), ("claude-sonnet-4-5", false), ("claude-haiku-4-5", false), ("fast", false), ("amazon.nova-pro-v1:0", false)];
    for (model, want) in needs {
        assert_eq!(may_need_catalog(model, &aliases), want, "{model}");
    }
}

#[test]
fn every_built_in_alias_names_a_dated_model() {
    for (alias, dated) in ANTHROPIC_ALIASES {
        assert!(ANTHROPIC_MODELS.iter().any(|(name, _)| *name == dated), "{alias} -> {dated}");
    }
    for (name, id) in ANTHROPIC_MODELS {
        assert_eq!(anthropic_parts(id).map(|(base, date)| format!("{base}-{date}")).as_deref(), Some(name), "{id}");
    }
}
