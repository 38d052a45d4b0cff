use super::*;
use crate::region::RegionSource;

fn load(text: &str) -> Result<Settings, Vec<Diagnostic>> {
    load_config(&ConfigSource { origin: "test.json5".to_string(), text: Some(text.to_string()) }, &RegionEnvironment::default())
}

fn located(diagnostics: &[Diagnostic]) -> Vec<(&str, u32, u32)> {
    diagnostics.iter().map(|d| (d.path.as_str(), d.line, d.column)).collect()
}

#[test]
fn missing_file_gives_every_default() {
    let settings = load_config(&ConfigSource::default(), &RegionEnvironment::default()).expect("defaults");
    assert_eq!(settings.default_model, None);
    assert_eq!(
        settings.discovery,
        DiscoverySettings {
            enabled: None,
            region: None,
            provider_filter: vec![],
            refresh_interval: 3600,
            default_context_window: 32000,
            default_max_tokens: 4096
        }
    );
    assert_eq!((settings.region.name.as_str(), settings.region.source), ("us-east-1", RegionSource::Default));
    assert!(settings.sources.is_empty() && settings.warnings.is_empty());
}

#[test]
fn errors_are_located_at_keys_and_values() {
    /// (path, line, column) of one diagnostic.
    type At = (&'static str, u32, u32);
    // (document, where every diagnostic is, in order)
    let cases: [(&str, &[At]); 6] = [
        ("{models: {bedrockDiscovery: {refreshIntrval: 1}}}", &[("models.bedrockDiscovery.refreshIntrval", 1, 30)]),
        ("{models: {bedrockDiscovery: {refreshInterval: -5}}}", &[("models.bedrockDiscovery.refreshInterval", 1, 47)]),
        ("{\n  model: 'x y',\n  modle: 1,\n}", &[("model", 2, 10), ("modle", 3, 3)]),
        ("{\r\n  models: {\r\n    bedrockDiscover: {},\r\n  },\r\n}", &[("models.bedrockDiscover", 3, 5)]),
        ("\u{FEFF}{models: 5}", &[("models", 1, 10)]),
        ("{é: 1, models: {bedrockDiscovery: {enabled: 'no'}}}", &[("models.bedrockDiscovery.enabled", 1, 45)]),
    ];
    for (document, expected) in cases {
        let diagnostics = load(document).expect_err(document);
        assert_eq!(located(&diagnostics), expected, "{document:?}: {diagnostics:#?}");
    }
}

#[test]
fn credential_values_are_never_echoed() {
    let secret = "AKIAFAKEFAKEFAKE1234";
    let keys =
        ["accessKeyId", "secret_access_key", "SESSION-TOKEN", "apiKey", "bearerToken", "awsAccessKeyId", "secretKey", "token", "password", "credentials"];
    let sections = [
        "models.bedrockDiscovery",
        "plugins.entries.amazon-bedrock",
        "plugins.entries.amazon-bedrock.config",
        "plugins.entries.amazon-bedrock.config.discovery",
        "models.providers.amazon-bedrock",
        "models.providers.bedrock.nested.deeper",
    ];
    for section in sections {
        for key in keys {
            // Build `{a: {b: {key: "secret"}}}` for the section's path, quoting `amazon-bedrock`.
            let mut document = format!("{{\"{key}\": \"{secret}\"}}");
            for part in section.rsplit('.') {
                document = format!("{{\"{part}\": {document}}}");
            }
            let diagnostics = load(&document).expect_err(&document);
            let credential_errors: Vec<&Diagnostic> = diagnostics.iter().filter(|d| d.message.contains("looks like a credential")).collect();
            assert_eq!(credential_errors.len(), 1, "{document}: {diagnostics:#?}");
            assert_eq!(credential_errors[0].path, format!("{section}.{key}"));
            assert!(credential_errors[0].message.contains(key));
            assert!(diagnostics.iter().all(|d| !d.message.contains(secret) && !d.path.contains(secret)), "{document}: {diagnostics:#?}");
        }
    }
    // Not ours: other providers and other plugins keep their keys.
    assert!(load("{models: {providers: {openai: {apiKey: 'sk'}}}, plugins: {entries: {other: {config: {token: 't'}}}}}").is_ok());
}

#[test]
fn unquoted_secrets_are_not_echoed_by_syntax_errors() {
    let diagnostics = load("{models: {bedrockDiscovery: {secretAccessKey: wJalrXUtnFEMIFAKESECRET}}}").expect_err("syntax");
    assert_eq!(diagnostics.len(), 1);
    assert!(!diagnostics[0].message.contains("wJalr"), "{}", diagnostics[0].message);
}

#[test]
fn hostile_documents_fail_cleanly() {
    let deep = format!("{{models: {}{}}}", "{a: ".repeat(500), "}".repeat(500));
    let cases = [
        deep,
        "{models: {bedrockDiscovery: {refreshInterval: 1e999999999}}}".to_string(),
        format!("{{models: {{bedrockDiscovery: {{refreshInterval: {}}}}}}}", "9".repeat(5000)),
        format!("{{model: '{}'}}", "a.".repeat(5000)),
        "{model: '\\uDEAD'}".to_string(),
        "{models: {bedrockDiscovery: {providerFilter: [[[[[]]]]]}}}".to_string(),
        "\u{FEFF}".to_string(),
    ];
    for document in cases {
        let diagnostics = load(&document).expect_err(&document[..document.len().min(60)]);
        assert!(!diagnostics.is_empty());
        assert!(diagnostics.iter().all(|d| !d.message.contains('\n') && d.message.chars().count() < 1200));
    }
    // A second BOM after the first is whitespace to JSON5.
    assert!(load("\u{FEFF}\u{FEFF}{}").is_ok());
}

#[test]
fn diagnostics_come_in_file_order() {
    let document = "{\n  plugins: {entries: {'amazon-bedrock': {bad: 1}}},\n  models: {bedrockDiscovery: {enabled: 1}},\n  model: 5,\n}";
    let diagnostics = load(document).expect_err("invalid");
    let lines: Vec<u32> = diagnostics.iter().map(|d| d.line).collect();
    assert_eq!(lines, [2, 3, 4]);
}

#[test]
fn many_duplicates_cost_linear_time_and_warn_once() {
    let document = format!("{{models: {{bedrockDiscovery: {{{}}}}}}}", "region: 'us-east-1', ".repeat(50_000));
    let settings = load(&document).expect("valid");
    assert_eq!(settings.warnings.len(), 1);
    assert_eq!(settings.discovery.region.as_deref(), Some("us-east-1"));
}
