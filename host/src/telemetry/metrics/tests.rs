use super::*;

#[test]
fn renders_counters_and_histograms_under_the_names_of_before() {
    let metrics = Metrics::new(&["/v1/chat/completions", "/healthz", "other"], &SinkCounts::default());
    metrics.request(0, 200, "m\"x", Duration::from_micros(300));
    metrics.request(2, 404, "", Duration::from_micros(10));
    metrics.swap(false);
    metrics.guest_failure("trap");
    metrics.tokens(3, 5);
    metrics.stream_open(1);
    let text = metrics.render("p 1.0");
    // (a line the exposition must hold)
    let expected = [
        "openclaw_gateway_requests_total{route=\"/v1/chat/completions\",status=\"200\",model=\"m\\\"x\"} 1",
        "openclaw_gateway_requests_total{route=\"other\",status=\"404\",model=\"\"} 1",
        "openclaw_gateway_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"0.0005\"} 1",
        "openclaw_gateway_request_duration_seconds_bucket{route=\"/v1/chat/completions\",le=\"+Inf\"} 1",
        "openclaw_gateway_request_duration_seconds_count{route=\"/v1/chat/completions\"} 1",
        "# TYPE openclaw_gateway_time_to_first_token_seconds histogram",
        "openclaw_gateway_policy_swaps_total{outcome=\"refused\"} 1",
        "openclaw_gateway_policy_swaps_total{outcome=\"ok\"} 0",
        "openclaw_gateway_guest_failures_total{kind=\"trap\"} 1",
        "openclaw_gateway_tokens_total{kind=\"input\"} 3",
        "openclaw_gateway_tokens_total{kind=\"output\"} 5",
        "openclaw_gateway_routing_total{source=\"plan\"} 0",
        "openclaw_gateway_streams_open 1",
        "openclaw_gateway_access_log_dropped_total 0",
        "openclaw_gateway_policy_info{policy=\"p 1.0\"} 1",
    ];
    for line in expected {
        assert!(text.lines().any(|l| l == line), "{line:?} missing from:\n{text}");
    }
    assert!(!text.contains("route=\"/healthz\""), "a route that served nothing has no histogram: {text}");
    assert!(!text.contains("openclaw_gateway_spans_total"), "no span counters without an exporter: {text}");
}

#[test]
fn model_labels_are_bounded_and_cut() {
    let metrics = Metrics::default();
    for i in 0..(MAX_LABEL_SETS + 50) {
        metrics.request(0, 200, &format!("m{i}"), Duration::ZERO);
    }
    metrics.request(0, 200, &"x".repeat(500), Duration::ZERO);
    let rows = metrics.snapshot().requests;
    assert_eq!(rows.len(), MAX_LABEL_SETS + 1, "the bound, plus model `other`");
    let other = rows.iter().find(|row| row.2 == "other").expect("an `other` row");
    assert_eq!(other.3, 51, "every request past the bound counts under `other`");
    assert_eq!(rows.iter().map(|row| row.3).sum::<u64>(), MAX_LABEL_SETS as u64 + 51);
}

#[test]
fn a_long_model_label_is_cut_to_its_bound() {
    let metrics = Metrics::default();
    metrics.request(0, 200, &"é".repeat(500), Duration::ZERO);
    let rows = metrics.snapshot().requests;
    assert_eq!(rows[0].2.chars().count(), 128);
}

#[test]
fn counts_from_many_threads_add_up() {
    let metrics = Metrics::default();
    std::thread::scope(|scope| {
        for thread in 0..4 {
            let metrics = metrics.clone();
            scope.spawn(move || {
                for i in 0..1000 {
                    metrics.request(0, 200, &format!("m{}", (i + thread) % 7), Duration::from_micros(i));
                }
            });
        }
    });
    let snapshot = metrics.snapshot();
    assert_eq!(snapshot.requests.iter().map(|row| row.3).sum::<u64>(), 4000);
    assert_eq!(snapshot.requests.len(), 7);
    assert_eq!(snapshot.latency[0].1.count, 4000);
}
