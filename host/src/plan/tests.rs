use super::*;
use crate::types::Discovery;
use std::time::Duration;

fn route(target: &str) -> Route {
    Route { target: target.into(), region: "us-east-1".into(), max_tokens: 4096, fallbacks: Vec::new() }
}

fn discovery() -> Discovery {
    Discovery { runs: true, reason: "test".into(), region: "us-east-1".into(), models: Vec::new(), stale: false, stale_reason: None, fetched_at: Some(1) }
}

fn plan(valid_for: Option<Duration>) -> RoutingPlan {
    RoutingPlan::new([("a".to_string(), route("a-target")), ("a".to_string(), route("shadowed"))], Some(route("default-target")), discovery(), valid_for)
}

#[test]
fn a_plan_routes_exact_references_and_the_default() {
    let plan = plan(None);
    // (model, target)
    let cases = [(Some("a"), Some("a-target")), (None, Some("default-target")), (Some("A"), None), (Some("b"), None)];
    for (model, target) in cases {
        assert_eq!(plan.route(model).map(|route| route.target.as_str()), target, "{model:?}");
    }
    assert_eq!(plan.routes.len(), 1, "a reference listed twice keeps its first route");
}

#[tokio::test]
async fn serving_remembers_what_it_may_within_its_bound() {
    let policy = crate::sandbox::PolicyHost::builder().build(crate::sandbox::PolicySource::Embedded).await.expect("loads").current();
    let serving = Serving::new(Arc::clone(&policy), Arc::new(ConfigSource::default()), Some(Arc::new(plan(None))), 1);
    assert_eq!(serving.route(Some("b")), None);
    serving.remember(Some("b"), &route("b-target"));
    assert_eq!(serving.route(Some("b")).map(|route| route.target), Some("b-target".to_string()));
    serving.remember(Some("b"), &route("other"));
    assert_eq!(serving.route(Some("b")).map(|route| route.target), Some("b-target".to_string()), "the first resolution stays");
    for index in 0..MAX_REMEMBERED + 10 {
        serving.remember(Some(&format!("ref-{index}")), &route("x"));
    }
    let kept = (0..MAX_REMEMBERED + 10).filter(|index| serving.route(Some(&format!("ref-{index}"))).is_some()).count();
    assert_eq!(kept, MAX_REMEMBERED - 1, "bounded: the first resolution took one place");
    // A plan that must not serve (the catalog cache is off) routes nothing and remembers nothing.
    let off = Serving::new(Arc::clone(&policy), Arc::new(ConfigSource::default()), Some(Arc::new(plan(Some(Duration::ZERO)))), 2);
    off.remember(Some("b"), &route("b-target"));
    assert_eq!((off.route(Some("a")), off.route(Some("b")), off.expired()), (None, None, false));
    let expired = Serving::new(Arc::clone(&policy), Arc::new(ConfigSource::default()), Some(Arc::new(plan(Some(Duration::from_nanos(1))))), 3);
    std::thread::sleep(Duration::from_millis(2));
    assert!(expired.expired());
    let unplanned = Serving::new(policy, Arc::new(ConfigSource::default()), None, 4);
    assert_eq!((unplanned.route(None), unplanned.expired()), (None, false));
}

#[tokio::test]
async fn a_plan_for_a_policy_swapped_out_since_does_not_replace_its_successors() {
    use crate::sandbox::{PolicyHost, PolicySource};
    let host = Arc::new(PolicyHost::builder().build(PolicySource::Embedded).await.expect("loads"));
    let first = host.current();
    let planner = Planner::start(Arc::clone(&host), crate::capability::Capabilities::default(), Arc::new(ConfigSource::default())).await;
    // The same component loaded again is another policy: swapped in, then planned.
    let second = host.swap(PolicySource::Embedded).await.expect("swaps");
    assert!(!Arc::ptr_eq(&first, &second));
    planner.replan(Some(Arc::clone(&second)), None, false, "swap").await.expect("plans");
    // (policy handed to replan, policy served after it)
    let cases = [(Arc::clone(&first), Arc::clone(&second)), (Arc::clone(&second), Arc::clone(&second))];
    for (handed, served) in cases {
        let _ = planner.replan(Some(handed), None, false, "a late plan").await;
        assert!(Arc::ptr_eq(planner.current().policy(), &served), "the current policy keeps serving");
    }
}
