use super::*;

/// Our tree as a `serde_json` value, for comparison with the `json5` crate (the last of
/// duplicate keys wins, as there).
fn to_json(value: &Value) -> serde_json::Value {
    match &value.kind {
        ValueKind::Null => serde_json::Value::Null,
        ValueKind::Bool(flag) => serde_json::Value::Bool(*flag),
        ValueKind::Number(number) => serde_json::Number::from_f64(number.value()).map_or(serde_json::Value::Null, serde_json::Value::Number),
        ValueKind::String(text) => serde_json::Value::String(text.clone()),
        ValueKind::Array(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        ValueKind::Object(members) => {
            let mut object = serde_json::Map::new();
            for member in members {
                object.insert(member.key.clone(), to_json(&member.value));
            }
            serde_json::Value::Object(object)
        }
    }
}

/// Numbers compare by value (the crate keeps integers as integers, we keep floats).
fn same_tree(ours: &serde_json::Value, theirs: &serde_json::Value) -> bool {
    use serde_json::Value as J;
    match (ours, theirs) {
        (J::Number(left), J::Number(right)) => left.as_f64() == right.as_f64(),
        (J::Array(left), J::Array(right)) => left.len() == right.len() && left.iter().zip(right).all(|(l, r)| same_tree(l, r)),
        (J::Object(left), J::Object(right)) => left.len() == right.len() && left.iter().all(|(key, l)| right.get(key).is_some_and(|r| same_tree(l, r))),
        _ => ours == theirs,
    }
}

#[test]
fn agrees_with_the_json5_crate() {
    let documents = [
        "{}",
        "[]",
        "null",
        "true",
        "  false  ",
        "42",
        "-7",
        "+7",
        ".5",
        "5.",
        "-.25e2",
        "1e3",
        "1E-2",
        "0x1F",
        "-0xff",
        "0",
        "-0",
        "\"double\"",
        "'single'",
        r#"'it\'s "quoted"'"#,
        r#""escapes \b\f\n\r\t\v\0 \\ \/ \" \a""#,
        r#""\x41\u00e9\u4e2d\uD83D\uDE00""#,
        "'line \\\ncontinued'",
        "'line \\\r\ncontinued'",
        "{a: 1, b: [1, 2, 3,], c: {d: 'e'},}",
        "{$dollar: 1, _under: 2, caf\u{e9}: 3, \"quoted key\": 4, 'single key': 5}",
        "// comment\n{/* block */ a: /* inside */ 1 // trailing\n}",
        "/* only */ [1, /* two */ 2]",
        "{\n  models: {\n    bedrockDiscovery: {\n      enabled: true,\n      region: 'us-east-1',\n      providerFilter: ['anthropic',],\n    },\n  },\n}",
        "\u{FEFF}{a: 1}",
        "{a: 1}\r\n",
        "[1, [2, [3, [4]]]]",
        "{a: 1, a: 2}",
        "\"\u{2028}\u{2029}\"",
        "{\\u0061b: 1}",
        "123456789012345678901234567890",
        "1.7976931348623157e308",
    ];
    for document in documents {
        let ours = parse(document).unwrap_or_else(|error| panic!("{document:?}: {error:?}"));
        let theirs: serde_json::Value = json5::from_str(document).unwrap_or_else(|error| panic!("json5 crate on {document:?}: {error}"));
        assert!(same_tree(&to_json(&ours), &theirs), "{document:?}: ours {:?}, theirs {theirs:?}", to_json(&ours));
    }
}

#[test]
fn rejects_what_the_json5_crate_rejects() {
    let documents = [
        "",
        "{",
        "[1,,2]",
        "{a 1}",
        "{,}",
        "01",
        "1.2.3",
        "0x",
        "'open",
        "\"a\nb\"",
        "{a: yes}",
        "/* open",
        "[1] 2",
        "{'a': 1,,}",
        "+",
        ".",
        "1e",
        "\\u0041",
        "{a: 1}}",
    ];
    for document in documents {
        assert!(parse(document).is_err(), "we accepted {document:?}");
        assert!(json5::from_str::<serde_json::Value>(document).is_err(), "the crate accepted {document:?}");
    }
}

#[test]
fn non_finite_numbers() {
    let cases = [("Infinity", f64::INFINITY), ("-Infinity", f64::NEG_INFINITY), ("+Infinity", f64::INFINITY)];
    for (document, expected) in cases {
        match parse(document).map(|value| value.kind) {
            Ok(ValueKind::Number(number)) => assert_eq!(number.value(), expected, "{document}"),
            other => panic!("{document}: {other:?}"),
        }
    }
    match parse("-NaN").map(|value| value.kind) {
        Ok(ValueKind::Number(number)) => assert!(number.value().is_nan()),
        other => panic!("-NaN: {other:?}"),
    }
}

fn at(line: u32, column: u32) -> Position {
    Position { line, column }
}

#[test]
fn positions_of_keys_and_values() {
    // (document, key path of a member, expected key position, expected value position)
    let text = "\u{FEFF}{\r\n  // note\r\n  a: 1,\r\n\t'b': [true, 'x'],\n  \"c\": {d: -2.5}, caf\u{e9}: 'ü', e: 3\r}";
    let root = parse(text).expect("parses");
    let members = root.as_object().expect("object");
    assert_eq!(root.position, at(1, 1));
    let found: Vec<(&str, Position, Position)> = members.iter().map(|member| (member.key.as_str(), member.key_position, member.value.position)).collect();
    assert_eq!(
        found,
        [("a", at(3, 3), at(3, 6)), ("b", at(4, 2), at(4, 7)), ("c", at(5, 3), at(5, 8)), ("caf\u{e9}", at(5, 19), at(5, 25)), ("e", at(5, 30), at(5, 33)),]
    );
    let ValueKind::Array(items) = &members[1].value.kind else { panic!("array") };
    assert_eq!(items[1].position, at(4, 14));
    let inner = members[2].value.as_object().expect("object");
    assert_eq!((inner[0].key_position, inner[0].value.position), (at(5, 9), at(5, 12)));
}

#[test]
fn line_continuations_and_separators_count_as_line_breaks() {
    let text = "{a: 'x\\\r\ny', b: 1,\u{2028}c: 2}";
    let root = parse(text).expect("parses");
    let members = root.as_object().expect("object");
    assert_eq!(members[0].value.as_str(), Some("xy"));
    assert_eq!(members[1].key_position, at(2, 5));
    assert_eq!(members[2].key_position, at(3, 1));
}

#[test]
fn syntax_errors_say_where_and_what() {
    let cases: [(&str, Position, &str); 17] = [
        ("", at(1, 1), "empty"),
        ("  // nothing\n", at(2, 1), "empty"),
        ("{\n  a: 1\n  b: 2\n}", at(3, 3), "expected `,` or `}`"),
        ("{\n  a: 1,\n", at(1, 1), "never closed"),
        ("[1, 2", at(1, 1), "never closed"),
        ("{a: 'x}", at(1, 5), "unterminated string"),
        ("{a: \"x\ny\"}", at(1, 5), "line break"),
        ("{a: 01}", at(1, 5), "start with `0`"),
        ("{a: yes}", at(1, 5), "strings must be quoted"),
        ("{a: '\\uD800'}", at(1, 6), "lone UTF-16 surrogate"),
        ("{a: '\\uDC00x'}", at(1, 6), "lone UTF-16 surrogate"),
        ("{a: '\\uD800\\u0041'}", at(1, 6), "lone UTF-16 surrogate"),
        ("{a: '\\x4'}", at(1, 6), "hex digits"),
        ("{a: 1} x", at(1, 8), "after the end"),
        ("/* never", at(1, 1), "unterminated block comment"),
        ("{a-b: 1}", at(1, 3), "expected `:`"),
        ("{a: 12abc}", at(1, 7), "after a number"),
    ];
    for (document, position, fragment) in cases {
        let error = parse(document).expect_err(document);
        assert_eq!(error.position, position, "{document:?}: {}", error.message);
        assert!(error.message.contains(fragment), "{document:?}: {}", error.message);
    }
}

#[test]
fn nesting_is_limited() {
    let deep_ok = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
    assert!(parse(&deep_ok).is_ok());
    let too_deep = format!("{}{}", "[".repeat(MAX_DEPTH + 1), "]".repeat(MAX_DEPTH + 1));
    let error = parse(&too_deep).expect_err("too deep");
    assert_eq!(error.position, at(1, MAX_DEPTH as u32 + 1));
    assert!(error.message.contains("nesting deeper than 128"), "{}", error.message);
    let hostile = "{a:".repeat(100_000);
    assert!(parse(&hostile).is_err());
}

#[test]
fn integers_are_decided_from_the_literal() {
    let cases = [
        ("3600", Integer::Exact(3600)),
        ("3.6e3", Integer::Exact(3600)),
        ("3600.0", Integer::Exact(3600)),
        ("0xE10", Integer::Exact(3600)),
        ("-5", Integer::Exact(-5)),
        ("-0", Integer::Exact(0)),
        ("0.0e5", Integer::Exact(0)),
        ("18446744073709551615", Integer::Exact(18446744073709551615)),
        ("18446744073709551616", Integer::Exact(18446744073709551616)),
        ("3600.5", Integer::Fractional),
        ("1e-3", Integer::Fractional),
        (".5", Integer::Fractional),
        ("12345e-2", Integer::Fractional),
        ("1200e-2", Integer::Exact(12)),
        ("1e30", Integer::Exact(1_000_000_000_000_000_000_000_000_000_000)),
        ("1e300", Integer::OutOfRange),
        ("1e999999999999", Integer::OutOfRange),
        ("1e-999999999999", Integer::Fractional),
        ("0x1ffffffffffffffffffffffffffffffff", Integer::OutOfRange),
        ("Infinity", Integer::NotFinite),
        ("NaN", Integer::NotFinite),
    ];
    for (literal, expected) in cases {
        match parse(literal).map(|value| value.kind) {
            Ok(ValueKind::Number(number)) => assert_eq!(number.integer(), expected, "{literal}"),
            other => panic!("{literal}: {other:?}"),
        }
    }
}

#[test]
fn garbage_never_panics() {
    let pieces = [
        "{", "}", "[", "]", ":", ",", "'", "\"", "\\", "/", "*", "a", "1", ".", "e", "-", "x", "u", "\n", "\r", " ", "\u{FEFF}", "é", "\u{2028}", "0x",
        "Infinity", "//", "/*", "*/", "\\u", "D800",
    ];
    // A deterministic pseudo-random walk over the pieces (no dependency needed).
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let mut document = String::new();
        let length = (state % 24) as usize;
        for _ in 0..length {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            document.push_str(pieces[(state % pieces.len() as u64) as usize]);
        }
        if let Ok(value) = parse(&document) {
            let _ = value.describe();
        }
        state = state.wrapping_add(0x632B_E59B_D9B4_E019);
    }
}
