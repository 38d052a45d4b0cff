//! The control-plane catalog against the emulator: both listings (every profile page, at the
//! same time), enum values as sent, and the cache: hits without a call, refresh after the
//! interval or on request, the cache turned off, stale-on-error, partial results never cached,
//! single-flight. Disk behaviour is in `aws_catalog_disk.rs`.

mod aws_catalog_support;
mod aws_common;

use std::time::Duration;

use aws_catalog_support::{Logs, MINUTE, ONE_FETCH, bedrock, catalog_files, http_error, keyed, listing_calls, operations, request};
use aws_common::REGION;
use bedrock_emulator::{Fault, FaultRule};
use openclaw_host::aws::Bedrock;
use openclaw_host::aws::model::{CatalogRequest, ErrorClass};

#[tokio::test]
async fn every_page_and_every_record_arrive_with_enum_values_as_sent() {
    let emulator = aws_common::start().await;
    let bedrock = bedrock(&keyed(&emulator)).await;
    let catalog = bedrock.list_catalog(request(MINUTE, false)).await.expect("catalog");
    assert_eq!((catalog.models.len(), catalog.profiles.len()), (39, 36), "all profiles although the emulator pages by 10");
    assert_eq!(listing_calls(&emulator), ONE_FETCH);
    assert_eq!((catalog.region.as_str(), catalog.stale, catalog.stale_reason.as_deref()), (REGION, false, None));
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs();
    assert!(catalog.fetched_at <= now && catalog.fetched_at + 60 > now, "fetched_at {} is now", catalog.fetched_at);

    let model = |id: &str| catalog.models.iter().find(|m| m.model_id == id).unwrap_or_else(|| panic!("{id} listed"));
    let premier = model("amazon.nova-premier-v1:0");
    assert_eq!(premier.input_modalities, ["TEXT", "IMAGE", "VIDEO"]);
    assert_eq!(premier.inference_types_supported, ["INFERENCE_PROFILE"]);
    assert_eq!(premier.provider_name, "Amazon");
    assert_eq!(model("meta.llama3-8b-instruct-v1:0").lifecycle_status.as_deref(), Some("LEGACY"));
    assert_eq!(model("cohere.command-light-text-v14").response_streaming_supported, Some(false));

    let profile = |id: &str| catalog.profiles.iter().find(|p| p.id == id).unwrap_or_else(|| panic!("{id} listed"));
    let application = profile("k3m9x2pq7v4z");
    assert_eq!((application.profile_type.as_str(), application.status.as_str()), ("APPLICATION", "ACTIVE"));
    assert!(application.arn.ends_with(":application-inference-profile/k3m9x2pq7v4z"), "{}", application.arn);
    let regions: Vec<&str> = application.model_arns.iter().map(|arn| arn.split(':').nth(3).unwrap_or_default()).collect();
    assert_eq!(regions, ["us-east-1", "us-east-2", "us-west-2"], "model ARNs in the order sent");
    assert_eq!(profile("global.anthropic.claude-sonnet-4-5-20250929-v1:0").profile_type, "SYSTEM_DEFINED");
    let mut ids: Vec<&str> = catalog.profiles.iter().map(|p| p.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 36, "no page twice");
}

#[tokio::test]
async fn both_listings_run_at_the_same_time() {
    // The log records a request when it is answered. Whichever listing is held back, the other
    // one finishes meanwhile: the listings overlap, in either order.
    let emulator = aws_common::start().await;
    let bedrock = bedrock(&keyed(&emulator)).await;
    for (delayed, other) in [("ListFoundationModels", "ListInferenceProfiles"), ("ListInferenceProfiles", "ListFoundationModels")] {
        emulator.log().clear();
        // One listing is held at the emulator until the other has been answered: they run at
        // the same time, or this waits forever (bounded below).
        emulator.faults().push(FaultRule::new(Fault::Hold).operation(delayed));
        let listing = bedrock.list_catalog(request(Duration::ZERO, false));
        let release = async {
            emulator.log().wait_for(|entry| entry.operation == other).await;
            emulator.faults().release_held();
        };
        let (listed, ()) = tokio::time::timeout(Duration::from_secs(60), async { tokio::join!(listing, release) })
            .await
            .unwrap_or_else(|_| panic!("{delayed} held: the listings ran one after the other"));
        listed.unwrap_or_else(|e| panic!("{delayed}: {e}"));
        let ops = operations(&emulator);
        assert_eq!(ops.len(), 5, "{ops:?}");
        assert_ne!(ops[0], delayed, "the other listing finished while {delayed} was held back: {ops:?}");
    }
}

#[tokio::test]
async fn a_hung_listing_times_out() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    let bedrock = Bedrock::builder(env.aws_environment()).max_attempts(1).catalog_timeout(Duration::from_millis(300)).build().await;
    emulator.faults().push(FaultRule::new(Fault::Hang).operation("ListInferenceProfiles"));
    // The bound only keeps a broken timeout from hanging the suite.
    let listing = tokio::time::timeout(Duration::from_secs(60), bedrock.list_catalog(request(MINUTE, false))).await;
    let error = listing.expect("the listing's own timeout fires").expect_err("hung");
    assert_eq!(error.class, ErrorClass::Timeout, "{error}");
    assert!(error.message.contains("ListInferenceProfiles"), "{error}");
}

#[tokio::test]
async fn the_cache_answers_until_the_interval_ends_or_a_refresh_is_asked_for() {
    let emulator = aws_common::start().await;
    let bedrock = bedrock(&keyed(&emulator)).await;
    let first = bedrock.list_catalog(request(MINUTE, false)).await.expect("first");
    // (what the request is, how many fetches it makes)
    let cases: &[(&str, CatalogRequest, usize)] = &[
        ("fresh entry", request(MINUTE, false), 0),
        ("fresh entry again", request(MINUTE, false), 0),
        ("refresh asked for", request(MINUTE, true), 1),
        ("cache off", request(Duration::ZERO, false), 1),
        ("cache off and refresh", request(Duration::ZERO, true), 1),
        ("fresh entry after all that", request(MINUTE, false), 0),
    ];
    for (name, request, fetches) in cases {
        emulator.log().clear();
        let catalog = bedrock.list_catalog(request.clone()).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(listing_calls(&emulator), (ONE_FETCH.0 * fetches, ONE_FETCH.1 * fetches), "{name}");
        assert_eq!((&catalog.models, &catalog.profiles, catalog.stale), (&first.models, &first.profiles, false), "{name}");
    }

    // Fetched again once the interval has passed. The entry is at least `short + 100 ms` old
    // when asked with `short`, however slow the machine: no race in this direction.
    let short = Duration::from_millis(300);
    bedrock.list_catalog(request(MINUTE, true)).await.expect("refresh");
    tokio::time::sleep(short + Duration::from_millis(100)).await;
    emulator.log().clear();
    bedrock.list_catalog(request(short, false)).await.expect("expired");
    assert_eq!(listing_calls(&emulator), ONE_FETCH, "after the interval");
}

#[tokio::test]
async fn a_failed_refresh_serves_the_last_good_catalog_as_stale() {
    let emulator = aws_common::start().await;
    let bedrock = bedrock(&keyed(&emulator)).await;
    let good = bedrock.list_catalog(request(MINUTE, false)).await.expect("good");
    // (fault, operation, words of the reason)
    let cases = [
        (http_error("ThrottlingException"), "ListFoundationModels", "ThrottlingException"),
        (http_error("InternalServerException"), "ListInferenceProfiles", "InternalServerException"),
        (Fault::ConnectionReset, "ListFoundationModels", ""),
    ];
    for (fault, operation, reason) in cases {
        emulator.faults().push(FaultRule::new(fault.clone()).operation(operation));
        let stale = bedrock.list_catalog(request(MINUTE, true)).await.unwrap_or_else(|e| panic!("{fault:?}: {e}"));
        assert!(stale.stale, "{fault:?}");
        let why = stale.stale_reason.clone().unwrap_or_else(|| panic!("{fault:?}: a reason"));
        assert!(why.contains(reason) && !why.contains('\n'), "{fault:?}: {why}");
        assert_eq!((&stale.models, &stale.profiles, stale.fetched_at), (&good.models, &good.profiles, good.fetched_at), "{fault:?}");
    }
    // Once the service answers again the catalog is fresh and no longer stale.
    let again = bedrock.list_catalog(request(MINUTE, true)).await.expect("recovered");
    assert!(!again.stale && again.stale_reason.is_none());
}

#[tokio::test]
async fn the_real_error_is_logged_once_per_failure_streak() {
    let logs = Logs::default();
    let _guard = tracing::subscriber::set_default(logs.subscriber());
    let emulator = aws_common::start().await;
    let bedrock = bedrock(&keyed(&emulator)).await;
    bedrock.list_catalog(request(MINUTE, false)).await.expect("good");
    let fail = || emulator.faults().push(FaultRule::new(http_error("ThrottlingException")).operation("ListFoundationModels"));
    for _ in 0..3 {
        fail();
        assert!(bedrock.list_catalog(request(MINUTE, true)).await.expect("stale").stale);
    }
    assert_eq!(logs.count("catalog refresh failed"), 1, "one warning for the streak:\n{}", logs.text());
    assert!(logs.text().contains("ThrottlingException"), "{}", logs.text());
    bedrock.list_catalog(request(MINUTE, true)).await.expect("recovered");
    fail();
    assert!(bedrock.list_catalog(request(MINUTE, true)).await.expect("stale").stale);
    assert_eq!(logs.count("catalog refresh failed"), 2, "a new streak warns again:\n{}", logs.text());
}

#[tokio::test]
async fn a_partial_or_failed_listing_is_an_error_and_never_cached() {
    let emulator = aws_common::start().await;
    let env = keyed(&emulator);
    let bedrock = bedrock(&env).await;
    // (what fails, the rules that make it fail, the class of the error)
    let cases: Vec<(&str, Vec<FaultRule>, ErrorClass)> = vec![
        ("models", vec![FaultRule::new(http_error("AccessDeniedException")).operation("ListFoundationModels")], ErrorClass::Auth),
        ("first profile page", vec![FaultRule::new(http_error("ThrottlingException")).operation("ListInferenceProfiles")], ErrorClass::RateLimit),
        (
            "second profile page",
            vec![
                // The first page passes through a harmless rule; the second meets the error.
                FaultRule::new(Fault::DelayHeaders { ms: 0 }).operation("ListInferenceProfiles"),
                FaultRule::new(http_error("InternalServerException")).operation("ListInferenceProfiles"),
            ],
            ErrorClass::Unknown,
        ),
    ];
    for (name, rules, class) in cases {
        for rule in rules {
            emulator.faults().push(rule);
        }
        let error = bedrock.list_catalog(request(MINUTE, false)).await.expect_err(name);
        assert_eq!(error.class, class, "{name}: {error}");
        assert!(catalog_files(&env).is_empty(), "{name}: nothing on disk");
        // Not cached: the next request fetches again.
        emulator.log().clear();
        let next = bedrock.list_catalog(request(Duration::ZERO, false)).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(next.profiles.len(), 36, "{name}");
    }
    let catalog = bedrock.list_catalog(request(MINUTE, false)).await.expect("fetched whole");
    assert_eq!((catalog.profiles.len(), catalog.stale), (36, false));
}

#[tokio::test]
async fn concurrent_requests_share_one_fetch() {
    let emulator = aws_common::start().await;
    // (what the emulator does first, whether the requests succeed)
    let cases = [(Fault::DelayHeaders { ms: 300 }, true), (http_error("ThrottlingException"), false)];
    for (fault, succeeds) in cases {
        // A cold cache each time: with a last good catalog a failure would be served stale.
        let env = keyed(&emulator);
        let bedrock = bedrock(&env).await;
        emulator.log().clear();
        emulator.faults().push(FaultRule::new(fault.clone()).operation("ListFoundationModels"));
        let mut tasks = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let bedrock = bedrock.clone();
            // refresh: each would fetch on its own; together they share the one in flight.
            tasks.spawn(async move { bedrock.list_catalog(request(MINUTE, true)).await });
        }
        let results = tasks.join_all().await;
        let (models, profiles) = listing_calls(&emulator);
        assert_eq!(models, 1, "{fault:?}: one fetch for eight requests");
        // A failed model listing cancels the profile pages still to come.
        assert!(if succeeds { profiles == ONE_FETCH.1 } else { profiles <= ONE_FETCH.1 }, "{fault:?}: {profiles} profile pages");
        assert!(results.iter().all(|r| r.is_ok() == succeeds), "{fault:?}: {results:?}");
        assert!(results.windows(2).all(|w| w[0] == w[1]), "{fault:?}: the same outcome for all");
        // The failure left nothing behind: a plain request fetches.
        if !succeeds {
            assert!(catalog_files(&env).is_empty());
            emulator.log().clear();
            bedrock.list_catalog(request(MINUTE, false)).await.expect("fetched");
            assert_eq!(listing_calls(&emulator), ONE_FETCH);
        }
    }
}
