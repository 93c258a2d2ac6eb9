//! `wsconform init` and `wsconform trace` against the in-process sandbox:
//! init discovers each layout and writes a suite that then passes every
//! check; trace prints the hop chain and points at the first broken hop.

use std::future::Future;
use std::time::Duration;

use wsconform::Filters;
use wsconform::RunnerOptions;
use wsconform::outcome::Status;
use wsconform::run::{RunOptions, SandboxOverride, SuiteSource, load_suite, run};
use wsconform_cli::emulator::own_suite;

/// Every test's sandbox work ends within this.
const BOUND: Duration = Duration::from_secs(60);

async fn bounded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(BOUND, fut).await.unwrap_or_else(|_| panic!("{what} took longer than {BOUND:?}"))
}

fn sandbox(layout: &str, scenario: &str) -> Option<SandboxOverride> {
    Some(SandboxOverride { scenario: Some(scenario.into()), layout: Some(layout.into()), latency_ms: None })
}

/// The sandbox's certificates are valid for 365 days from the second they
/// are made; a check that runs after the next second boundary sees 364
/// whole days. Both are right, so the snapshot does not tell them apart.
fn stable(out: &str) -> String {
    out.replace("364 days left", "365 days left")
}

/// `init` on `layout`, then the written suite parses and passes every check.
async fn init_then_run(layout: &str, url: &str) -> String {
    let text = bounded(
        "init",
        wsconform::init::init(
            url,
            "ap-northeast-1",
            sandbox(layout, "good"),
            Some(&wsconform_cli::emulator::InProcess),
        ),
    )
    .await
    .unwrap_or_else(|e| panic!("init layout {layout}: {e}"));
    let src = SuiteSource::Text { name: format!("<init layout {layout}>"), text: text.clone() };
    let suite =
        load_suite(&src).unwrap_or_else(|e| panic!("layout {layout}: the written suite does not parse: {e}\n{text}"));
    assert_eq!(suite.url.as_str(), url);
    assert_eq!(suite.sandbox.as_ref().map(|s| s.layout.as_str()), Some(layout), "{text}");
    assert_eq!(suite.api.stage.as_deref(), Some("Prod"), "{text}");
    assert!(suite.api.id.is_some(), "{text}");

    // The `[sandbox]` table alone makes the file self-contained: no override.
    let summary = bounded(
        "run",
        run(RunOptions {
            suites: vec![src],
            filters: Filters::default(),
            runner: RunnerOptions { deadline: Some(BOUND), ..RunnerOptions::default() },
            sandbox: None,
            emulator: Some(wsconform_cli::emulator::InProcess::shared()),
            reporters: vec![],
        }),
    )
    .await
    .unwrap_or_else(|e| panic!("layout {layout}: {e}"));
    let broken: Vec<String> = summary.results[0]
        .reports
        .iter()
        .filter(|r| matches!(r.outcome.status(), Status::Fail | Status::Error))
        .map(|r| format!("{}: {}", r.id, r.outcome.verdict.message()))
        .collect();
    assert!(broken.is_empty(), "layout {layout}: {broken:#?}\n{text}");
    assert!(summary.counts().passed >= 17, "layout {layout}: {:?}\n{text}", summary.counts());
    text
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_layout_a_finds_the_distribution_and_no_custom_domain() {
    let text = init_then_run("a", "wss://ws.example.com/Prod").await;
    let suite = load_suite(&SuiteSource::Text { name: "a".into(), text: text.clone() }).expect("parses");
    assert!(suite.custom_domain.is_none(), "{text}");
    assert!(suite.cloudfront.is_some(), "{text}");
    assert_eq!(suite.api.execute_api, Some(wsconform::suite::ExecuteApi::Enabled), "{text}");
    assert!(text.contains("# layout: A "), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_layout_b_finds_distribution_domain_and_mapping() {
    let text = init_then_run("b", "wss://ws.example.com/websocket").await;
    let suite = load_suite(&SuiteSource::Text { name: "b".into(), text: text.clone() }).expect("parses");
    let cd = suite.custom_domain.as_ref().expect("a custom domain");
    assert_eq!(cd.name, "ws.example.com");
    assert_eq!(cd.mapping_key.as_deref(), Some("websocket"));
    assert!(suite.cloudfront.is_some(), "{text}");
    assert_eq!(suite.api.execute_api, Some(wsconform::suite::ExecuteApi::Disabled), "{text}");
    insta::assert_snapshot!("init-b", text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_layout_c_finds_no_distribution() {
    let text = init_then_run("c", "wss://ws.example.com/chat").await;
    let suite = load_suite(&SuiteSource::Text { name: "c".into(), text: text.clone() }).expect("parses");
    assert!(suite.cloudfront.is_none(), "{text}");
    assert_eq!(suite.custom_domain.as_ref().and_then(|c| c.mapping_key.as_deref()), Some("chat"), "{text}");
    assert!(text.contains("no CloudFront distribution has the alias ws.example.com"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_layout_d_finds_the_origin_custom_domain() {
    let text = init_then_run("d", "wss://ws.example.com/ws").await;
    let suite = load_suite(&SuiteSource::Text { name: "d".into(), text: text.clone() }).expect("parses");
    assert!(suite.cloudfront.is_some(), "{text}");
    let domain = suite.custom_domain.as_ref().expect("the origin's custom domain");
    assert_eq!(domain.name, "origin-ws.example.com", "{text}");
    assert_eq!(domain.mapping_key.as_deref(), Some("ws"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_rejects_a_url_without_host() {
    let err = bounded(
        "init",
        wsconform::init::init(
            "ws.example.com/Prod",
            "ap-northeast-1",
            sandbox("b", "good"),
            Some(&wsconform_cli::emulator::InProcess),
        ),
    )
    .await
    .expect_err("no scheme, no host");
    assert!(err.to_string().contains("not a URL with a host"), "{err}");
}

/// A host nothing serves: no distribution, no custom domain, no API. The
/// file says so, still parses, and leaves the unknown keys commented out.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn init_for_an_unknown_host_writes_what_it_could_not_find() {
    let url = "wss://other.example.com/Prod";
    let text = bounded(
        "init",
        wsconform::init::init(url, "ap-northeast-1", sandbox("b", "good"), Some(&wsconform_cli::emulator::InProcess)),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    let suite = load_suite(&SuiteSource::Text { name: "unknown".into(), text: text.clone() }).expect("parses");
    assert!(suite.cloudfront.is_none() && suite.custom_domain.is_none(), "{text}");
    assert!(suite.api.id.is_none() && suite.api.stage.is_none(), "{text}");
    assert!(text.contains("other.example.com is not an API Gateway custom domain"), "{text}");
    assert!(text.contains("# id = \"\""), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_good_layout_b_has_no_broken_hop() {
    let out = bounded(
        "trace",
        wsconform::trace::trace(
            own_suite("b"),
            sandbox("b", "good"),
            Some(wsconform_cli::emulator::InProcess::shared()),
        ),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.ends_with("every hop works\n"), "{out}");
    insta::assert_snapshot!("trace-good-b", stable(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn trace_pattern_case_breaks_at_the_behavior() {
    let out = bounded(
        "trace",
        wsconform::trace::trace(
            own_suite("a"),
            sandbox("a", "pattern-case"),
            Some(wsconform_cli::emulator::InProcess::shared()),
        ),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}"));
    assert!(out.contains("✗ behavior  <── first broken hop\n"), "{out}");
    assert_eq!(out.matches("<── first broken hop").count(), 1, "{out}");
    assert!(out.contains("hint: set behavior #0 PathPattern to `Prod*`"), "{out}");
    insta::assert_snapshot!("trace-pattern-case-a", stable(&out));
}
