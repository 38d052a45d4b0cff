//! The catalog cache on disk against the emulator: a new process answers from it without a
//! call, the cache turned off neither reads nor writes it, stale serving from it, keys kept
//! apart, bad files ignored, an unwritable directory tolerated, and no secret in any file.

mod aws_catalog_support;
mod aws_common;

use std::time::Duration;

use aws_catalog_support::{MINUTE, ONE_FETCH, bedrock, catalog_dir, catalog_files, http_error, keyed, listing_calls, request};
use aws_common::TestEnv;
use bedrock_emulator::{DEFAULT_ACCESS_KEY_ID, DEFAULT_BEARER_TOKEN, DEFAULT_SECRET_ACCESS_KEY, FaultRule};

#[tokio::test]
async fn a_new_process_answers_from_the_disk_without_a_call() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    let first = bedrock(&env).await.list_catalog(request(MINUTE, false)).await.expect("first");
    let files = catalog_files(&env);
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].extension().is_some_and(|e| e == "json"), "{files:?}");

    // (what the new process asks, how many fetches it makes)
    let cases = [("fresh on disk", request(MINUTE, false), 0), ("refresh", request(MINUTE, true), 1)];
    for (name, request, fetches) in cases {
        emulator.log().clear();
        let catalog = bedrock(&env).await.list_catalog(request).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(listing_calls(&emulator), (ONE_FETCH.0 * fetches, ONE_FETCH.1 * fetches), "{name}");
        assert_eq!((&catalog.models, &catalog.profiles, catalog.stale), (&first.models, &first.profiles, false), "{name}");
    }
    assert_eq!(catalog_files(&env), files, "one file per key, replaced in place, no temporary left");

    // Too old for the request: fetched again.
    tokio::time::sleep(Duration::from_millis(250)).await;
    emulator.log().clear();
    bedrock(&env).await.list_catalog(request(Duration::from_millis(200), false)).await.expect("old");
    assert_eq!(listing_calls(&emulator), ONE_FETCH);
}

#[tokio::test]
async fn a_failed_refresh_in_a_new_process_serves_the_disk_entry_as_stale() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    let good = bedrock(&env).await.list_catalog(request(MINUTE, false)).await.expect("good");
    tokio::time::sleep(Duration::from_millis(150)).await;
    emulator.faults().push(FaultRule::new(http_error("ServiceUnavailableException")).operation("ListFoundationModels"));
    let stale = bedrock(&env).await.list_catalog(request(Duration::from_millis(100), false)).await.expect("stale");
    assert!(stale.stale && stale.stale_reason.as_deref().is_some_and(|r| r.contains("ServiceUnavailableException")), "{stale:?}");
    assert_eq!((stale.models, stale.profiles, stale.fetched_at), (good.models, good.profiles, good.fetched_at));
}

#[tokio::test]
async fn the_cache_turned_off_neither_reads_nor_writes() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    bedrock(&env).await.list_catalog(request(Duration::ZERO, false)).await.expect("uncached");
    assert!(!catalog_dir(&env).exists(), "nothing written");

    bedrock(&env).await.list_catalog(request(MINUTE, false)).await.expect("cached");
    let file = catalog_files(&env).pop().expect("a file");
    let before = std::fs::read(&file).expect("read");
    tokio::time::sleep(Duration::from_millis(10)).await;
    emulator.log().clear();
    bedrock(&env).await.list_catalog(request(Duration::ZERO, false)).await.expect("uncached");
    assert_eq!(listing_calls(&emulator), ONE_FETCH, "a fresh file is not read");
    assert_eq!(std::fs::read(&file).expect("read"), before, "nor rewritten");
}

#[tokio::test]
async fn keys_keep_identities_and_endpoints_apart() {
    let emulator = aws_common::start().await;
    let home = TestEnv::new();
    let state = home.home().join("state").display().to_string();
    // The same emulator by another name is another endpoint for the key.
    let other_endpoint = format!("http://localhost:{}", emulator.local_addr().port());
    let keys = |env: TestEnv| env.set("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID).set("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY);
    // Each environment shares one state directory; each is a new key, so each fetches.
    let envs = [
        ("keys", keys(TestEnv::for_emulator(&emulator))),
        ("bearer token", TestEnv::for_emulator(&emulator).set("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN)),
        ("keys, another endpoint", keys(TestEnv::for_emulator(&emulator).set("AWS_ENDPOINT_URL_BEDROCK", &other_endpoint))),
    ];
    for (count, (name, env)) in envs.into_iter().enumerate() {
        let env = env.set("OPENCLAW_STATE_DIR", &state);
        for fetches in [1, 0] {
            emulator.log().clear();
            bedrock(&env).await.list_catalog(request(MINUTE, false)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(listing_calls(&emulator), (ONE_FETCH.0 * fetches, ONE_FETCH.1 * fetches), "{name}");
        }
        let files = std::fs::read_dir(home.home().join("state/openclaw-bedrock/cache/catalog")).expect("state dir").count();
        assert_eq!(files, count + 1, "{name}: a file per key");
    }
}

#[tokio::test]
async fn bad_cache_files_are_ignored_and_replaced() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    bedrock(&env).await.list_catalog(request(MINUTE, false)).await.expect("good");
    let file = catalog_files(&env).pop().expect("a file");
    let good = std::fs::read_to_string(&file).expect("read");
    let cases: [(&str, Vec<u8>); 9] = [
        ("empty", Vec::new()),
        ("not JSON", b"\0\x01garbage\xff".to_vec()),
        ("half a file", good.as_bytes()[..good.len() / 2].to_vec()),
        ("a JSON array", b"[1, 2, 3]".to_vec()),
        ("foreign JSON", br#"{"hello": "world"}"#.to_vec()),
        ("another format", good.replacen(r#""format":"openclaw-catalog""#, r#""format":"other-tool""#, 1).into_bytes()),
        ("another version", good.replacen(r#""version":1"#, r#""version":2"#, 1).into_bytes()),
        ("another key", good.replacen(r#""key":""#, r#""key":"0"#, 1).into_bytes()),
        ("a corrupt catalog", good.replacen(r#""models":["#, r#""models":7,"x":["#, 1).into_bytes()),
    ];
    for (name, text) in cases {
        assert_ne!(text, good.as_bytes(), "{name}: the case changes the file");
        std::fs::write(&file, &text).expect("write");
        emulator.log().clear();
        let catalog = bedrock(&env).await.list_catalog(request(MINUTE, false)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!((listing_calls(&emulator), catalog.stale), (ONE_FETCH, false), "{name}: ignored, fetched");
        let rewritten = std::fs::read_to_string(&file).expect("read");
        assert!(rewritten.starts_with(r#"{"format":"openclaw-catalog","version":1,"#), "{name}: replaced by a good file");

        // A bad file and a failing service: the error, not a crash.
        std::fs::write(&file, &text).expect("write");
        emulator.faults().push(FaultRule::new(http_error("ThrottlingException")).operation("ListFoundationModels"));
        let error = bedrock(&env).await.list_catalog(request(MINUTE, false)).await.expect_err(name);
        assert_eq!(error.code.as_deref(), Some("ThrottlingException"), "{name}");
    }
}

#[tokio::test]
async fn an_unwritable_cache_directory_only_costs_a_warning() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    // A regular file where the state directory should be: nothing can be created below it.
    let blocker = env.write("blocker", "not a directory");
    let env = env.set("OPENCLAW_STATE_DIR", &blocker.display().to_string());
    let bedrock = bedrock(&env).await;
    let first = bedrock.list_catalog(request(MINUTE, false)).await.expect("works without a disk cache");
    emulator.log().clear();
    let again = bedrock.list_catalog(request(MINUTE, false)).await.expect("from memory");
    assert_eq!((listing_calls(&emulator), first), ((0, 0), again));
}

#[tokio::test]
async fn no_secret_in_cache_file_names_or_bytes() {
    let emulator = aws_common::start().await;
    let cases = [
        ("bearer token", TestEnv::for_emulator(&emulator).set("AWS_BEARER_TOKEN_BEDROCK", DEFAULT_BEARER_TOKEN), vec![DEFAULT_BEARER_TOKEN]),
        ("keys", keyed(&emulator), vec![DEFAULT_SECRET_ACCESS_KEY, DEFAULT_ACCESS_KEY_ID]),
    ];
    for (name, env, secrets) in cases {
        bedrock(&env).await.list_catalog(request(MINUTE, false)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let files = catalog_files(&env);
        assert_eq!(files.len(), 1, "{name}");
        for file in files {
            aws_common::assert_no_secret(name, file.display().to_string().as_bytes(), &secrets);
            aws_common::assert_no_secret(name, &std::fs::read(&file).expect("read"), &secrets);
        }
    }
}
