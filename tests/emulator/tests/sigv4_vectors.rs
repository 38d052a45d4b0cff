//! The emulator's SigV4 verifier against AWS's published v4 test suite, as shipped in the
//! `aws-sigv4` crate package (`aws-signing-test-suite/v4`): every signed request is accepted,
//! its canonical request and string to sign match the suite's, and mutated copies are rejected.

mod common;

use std::path::Path;

use bedrock_emulator::clock;
use bedrock_emulator::sigv4::{self, CanonicalOptions, RequestParts};

/// Parses a suite request file: request line, headers (continuation lines folded in), body.
fn parse_request(text: &str) -> RequestParts {
    let (head, body) = match text.split_once("\n\n") {
        Some((head, body)) => (head, body),
        None => (text, ""),
    };
    let mut lines = head.lines();
    let request_line = lines.next().expect("request line");
    let method = request_line.split(' ').next().expect("method").to_string();
    let target = request_line[method.len() + 1..].trim_end_matches(" HTTP/1.1");
    let (raw_path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in lines {
        if line.starts_with(' ') || line.starts_with('\t') {
            if let Some(last) = headers.last_mut() {
                last.1.push('\n');
                last.1.push_str(line);
            }
        } else if let Some((name, value)) = line.split_once(':') {
            headers.push((name.to_string(), value.to_string()));
        }
    }
    let content_length = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("content-length")).and_then(|(_, v)| v.trim().parse::<usize>().ok());
    let body = match content_length {
        Some(len) => body.as_bytes()[..len.min(body.len())].to_vec(),
        None => body.trim_end_matches('\n').as_bytes().to_vec(),
    };
    RequestParts { method, raw_path: raw_path.to_string(), raw_query: raw_query.to_string(), headers, body }
}

struct Case {
    name: String,
    context: serde_json::Value,
    dir: std::path::PathBuf,
}

fn suite_dir() -> std::path::PathBuf {
    common::package_dir("aws-sigv4").join("aws-signing-test-suite").join("v4")
}

fn cases() -> Vec<Case> {
    let mut cases: Vec<Case> = std::fs::read_dir(suite_dir())
        .expect("the aws-sigv4 package ships aws-signing-test-suite/v4")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("context.json").exists())
        .map(|entry| {
            let context = serde_json::from_str(&std::fs::read_to_string(entry.path().join("context.json")).unwrap()).unwrap();
            Case { name: entry.file_name().to_string_lossy().into_owned(), context, dir: entry.path() }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn read(dir: &Path, file: &str) -> Option<String> {
    std::fs::read_to_string(dir.join(file)).ok()
}

/// Verifies a signed request as the emulator would, at the suite's timestamp.
fn verify(request: &RequestParts, case: &Case, secret: &str) -> Result<(), bedrock_emulator::ApiError> {
    let signature = sigv4::parse(request)?.ok_or_else(sigv4::missing_authentication)?;
    let region = case.context["region"].as_str().unwrap();
    let service = case.context["service"].as_str().unwrap();
    let now = clock::parse_iso8601(case.context["timestamp"].as_str().unwrap()).unwrap();
    sigv4::check_scope(&signature, &[region], service)?;
    sigv4::check_time(&signature, now)?;
    sigv4::check_signature(request, &signature, secret, options(case))
}

fn options(case: &Case) -> CanonicalOptions {
    CanonicalOptions { normalize_path: case.context["normalize"].as_bool().unwrap_or(true) }
}

fn secret(case: &Case) -> &str {
    case.context["credentials"]["secret_access_key"].as_str().unwrap()
}

#[test]
fn every_signed_request_in_the_suite_is_accepted_with_the_suites_canonical_forms() {
    let cases = cases();
    assert!(cases.len() >= 30, "expected the full v4 suite, found {} cases", cases.len());
    let mut checked = 0;
    for case in &cases {
        for form in ["header", "query"] {
            let Some(signed) = read(&case.dir, &format!("{form}-signed-request.txt")) else { continue };
            let request = parse_request(&signed);
            let signature = sigv4::parse(&request).unwrap_or_else(|e| panic!("{} {form}: {e}", case.name)).expect("signed");
            if let Some(expected) = read(&case.dir, &format!("{form}-canonical-request.txt")) {
                let mut ours = sigv4::canonical_request(&request, &signature, options(case));
                if ours != expected && case.context["omit_session_token"] == true {
                    ours = sigv4::canonical_request_token_appended(&request, &signature, options(case));
                }
                assert_eq!(ours, expected, "{} {form} canonical request", case.name);
                if let Some(sts) = read(&case.dir, &format!("{form}-string-to-sign.txt")) {
                    assert_eq!(sigv4::string_to_sign(&signature, &expected), sts, "{} {form} string to sign", case.name);
                }
            }
            if let Some(expected) = read(&case.dir, &format!("{form}-signature.txt")) {
                assert_eq!(signature.signature, expected.trim(), "{} {form} signature", case.name);
            }
            verify(&request, case, secret(case)).unwrap_or_else(|e| panic!("{} {form} rejected: {e}", case.name));
            checked += 1;
        }
    }
    assert!(checked >= 60, "only {checked} signed requests checked");
}

#[test]
fn mutated_copies_of_every_signed_request_are_rejected() {
    type Mutation = (&'static str, fn(&mut RequestParts));
    let mutations: &[Mutation] = &[
        ("method changed", |r| r.method = if r.method == "GET" { "POST".into() } else { "GET".into() }),
        ("path changed", |r| r.raw_path.push('x')),
        ("query parameter added", |r| r.raw_query = if r.raw_query.is_empty() { "extra=1".into() } else { format!("{}&extra=1", r.raw_query) }),
        ("host changed", |r| {
            for (k, v) in r.headers.iter_mut() {
                if k.eq_ignore_ascii_case("host") {
                    v.push_str(".evil");
                }
            }
        }),
        ("body changed", |r| r.body.extend_from_slice(b"!")),
    ];
    for case in cases() {
        for form in ["header", "query"] {
            let Some(signed) = read(&case.dir, &format!("{form}-signed-request.txt")) else { continue };
            for (what, mutate) in mutations {
                let mut request = parse_request(&signed);
                mutate(&mut request);
                let error = verify(&request, &case, secret(&case)).expect_err(&format!("{} {form}: {what} accepted", case.name));
                assert_eq!(error.code, "InvalidSignatureException", "{} {form}: {what}: {error}", case.name);
            }
            let request = parse_request(&signed);
            let error = verify(&request, &case, "not-the-secret").expect_err("wrong secret accepted");
            assert_eq!(error.code, "InvalidSignatureException", "{} {form}: wrong secret", case.name);
        }
    }
}

#[test]
fn signature_timing_and_scope_are_checked_like_aws() {
    let case = cases().into_iter().find(|c| c.name == "get-vanilla").expect("get-vanilla");
    let request = parse_request(&read(&case.dir, "header-signed-request.txt").unwrap());
    let signature = sigv4::parse(&request).unwrap().unwrap();
    let signed_at = clock::parse_amz_date("20150830T123600Z").unwrap();
    let minutes = |m: u64| std::time::Duration::from_secs(60 * m);
    let cases: &[(std::time::SystemTime, Option<&str>)] = &[
        (signed_at + minutes(4), None),
        (signed_at - minutes(4), None),
        (signed_at + minutes(6), Some("Signature expired: 20150830T123600Z is now earlier than 20150830T123700Z (20150830T124200Z - 5 min.)")),
        (signed_at - minutes(6), Some("Signature not yet current: 20150830T123600Z is still later than 20150830T123500Z (20150830T123000Z + 5 min.)")),
    ];
    for (now, expected) in cases {
        match (sigv4::check_time(&signature, *now), expected) {
            (Ok(()), None) => {}
            (Err(error), Some(message)) => {
                assert_eq!((error.status, error.code.as_str(), error.message.as_str()), (403, "InvalidSignatureException", *message));
            }
            (got, want) => panic!("at {now:?}: got {got:?}, want {want:?}"),
        }
    }
    assert!(sigv4::check_scope(&signature, &["us-west-2"], "service").unwrap_err().message.contains("scoped to a valid region"));
    assert!(sigv4::check_scope(&signature, &["us-east-1"], "bedrock").unwrap_err().message.contains("scoped to correct service: 'bedrock'"));
}

#[test]
fn suite_cases_without_context_still_match_the_canonical_path() {
    // `double-encode-path` and `double-url-encode` ship without context.json or a signature, so
    // only their canonical URI (line 2 of the canonical request) can be checked.
    for name in ["double-encode-path", "double-url-encode"] {
        let dir = suite_dir().join(name);
        let request = parse_request(&read(&dir, "request.txt").expect("request.txt"));
        let canonical = read(&dir, "header-canonical-request.txt").expect("canonical request");
        let expected_uri = canonical.lines().nth(1).expect("canonical URI line");
        assert_eq!(sigv4::canonical_uri(&request.raw_path, CanonicalOptions::default()), expected_uri, "{name}");
    }
}
