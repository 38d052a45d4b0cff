use super::*;

#[test]
fn every_basis_names_a_section_of_the_behaviour_document() {
    // (basis, parsed, or the words of the error)
    let cases: [(&str, Result<Basis, &str>); 8] = [
        ("BEHAVIOUR.md §5.3", Ok(Basis::Behaviour("5.3"))),
        (
            "default policy, BEHAVIOUR.md §2: a key given twice keeps the last",
            Ok(Basis::Policy { section: "2", decision: "a key given twice keeps the last".into() }),
        ),
        ("BEHAVIOUR.md §9", Err("BEHAVIOUR.md has no section \"9\"")),
        ("default policy, BEHAVIOUR.md §5.7: x", Err("no section \"5.7\"")),
        ("default policy, BEHAVIOUR.md §2:  ", Err("a decision after the colon")),
        ("default policy: no section cited", Err("`basis` must be")),
        ("BEHAVIOUR.md 2", Err("`basis` must be")),
        ("", Err("`basis` must be")),
    ];
    for (text, expected) in cases {
        match (Basis::parse(text), expected) {
            (Ok(parsed), Ok(expected)) => assert_eq!(parsed, expected, "{text:?}"),
            (Err(error), Err(words)) => assert!(error.contains(words), "{text:?}: {error}"),
            (got, _) => panic!("{text:?}: {got:?}"),
        }
    }
}

#[test]
fn the_sections_are_the_headings_of_the_behaviour_document() {
    let document = include_str!("../../../BEHAVIOUR.md");
    let headings: Vec<&str> = document
        .lines()
        .filter_map(|line| line.strip_prefix("### ").or_else(|| line.strip_prefix("## ")))
        .filter_map(|heading| heading.split_once(' ').map(|(number, _)| number.trim_end_matches('.')))
        .collect();
    assert_eq!(headings, BEHAVIOUR_SECTIONS, "BEHAVIOUR.md's numbered headings");
    for (section, tag) in BEHAVIOUR_SECTIONS.iter().zip(SECTION_TAGS) {
        assert_eq!(tag.strip_prefix('§'), Some(*section));
    }
}

#[test]
fn a_case_is_tagged_with_its_section_and_the_sections_above_it() {
    // (kind, basis, tags)
    let cases: [(&'static str, &str, &[&str]); 3] = [
        ("config", "BEHAVIOUR.md §2", &["config", "behaviour", "§2"]),
        ("discovery", "default policy, BEHAVIOUR.md §5.4: dropped", &["discovery", "default-policy", "§5", "§5.4"]),
        ("discovery", "BEHAVIOUR.md §5", &["discovery", "behaviour", "§5"]),
    ];
    for (kind, basis, expected) in cases {
        let basis = Basis::parse(basis).expect(basis);
        assert_eq!(case_tags(kind, Some(&basis)), expected, "{basis:?}");
    }
    // (--tags, selects a case tagged `discovery, default-policy, §5, §5.4`)
    let tags = ["discovery", "default-policy", "§5", "§5.4"];
    for (list, selects) in [("§5.4", true), ("5.4", true), ("§5", true), ("§5.3", false), ("discovery,§5", true), ("config,§5", false)] {
        assert_eq!(Selection::parse(list).expect(list).selects(&tags), selects, "--tags {list}");
    }
    let error = Selection::parse("§9").expect_err("no such section");
    assert!(error.contains("unknown tag \"§9\"") && error.contains("§5.6"), "{error}");
}
