//! Reporters against a hand-built run: JUnit validates against the junit-10
//! rules, JSON has the documented shape, and the console, JUnit, JSON,
//! Markdown and metrics outputs match their insta snapshots
//! (`tests/it/snapshots/`; `INSTA_UPDATE=always cargo test --test it reports`
//! or `cargo insta review` accepts a change).

use crate::support;

use std::collections::BTreeMap;
use std::time::Duration;

use wsconform::events::{Event, SuiteHeader, SuiteResult};
use wsconform::ids::{self, CheckId};
use wsconform::outcome::{Attempt, CheckReport, Evidence, Outcome};
use wsconform::report::{Reporter, console::ConsoleReporter, json, junit, markdown};

fn report(id: &str, outcome: Outcome, retries: Vec<Outcome>, ms: u64) -> CheckReport {
    CheckReport {
        id: CheckId::parse(id).expect("a catalog id"),
        outcome,
        retries: retries.into_iter().map(|o| Attempt { outcome: o, duration: Duration::from_millis(5) }).collect(),
        duration: Duration::from_millis(ms),
        started_at: None,
    }
}

fn result() -> SuiteResult {
    let started_at = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().to_utc();
    SuiteResult {
        route: Vec::new(),
        header: SuiteHeader {
            name: "chat-staging".into(),
            source: "suites/staging.toml".into(),
            region: "ap-northeast-1".into(),
            url: "wss://ws.example.com/Prod".into(),
            checks: vec![
                CheckId::parse("dns.resolves").unwrap(),
                CheckId::parse("route53.alias").unwrap(),
                CheckId::parse("cloudfront.path-pattern").unwrap(),
                CheckId::parse("cloudfront.distribution").unwrap(),
                CheckId::parse("apigw.stage").unwrap(),
                CheckId::parse("e2e.echo").unwrap(),
            ],
            warnings: vec![],
        },
        reports: vec![
            report(
                "dns.resolves",
                Outcome::pass("2 addresses")
                    .with_evidence(
                        Evidence::new().with("answers", "127.0.1.1").with_timing("dns", Duration::from_micros(1200)),
                    ),
                vec![],
                3,
            ),
            report(
                "route53.alias",
                Outcome::pass("ws.example.com is an ALIAS to d111111abcdef8.cloudfront.net").warn(
                    "ws.example.com has no AAAA record in zone example.com. although the distribution has IPv6 enabled: \
                     IPv6 clients fall back to IPv4",
                    "add an ALIAS AAAA record for ws.example.com with the A record's target",
                ),
                vec![],
                2,
            ),
            report(
                "cloudfront.path-pattern",
                Outcome::fail(
                    "behavior #1 PathPattern `prod*` does not match `/Prod` (case-sensitive)",
                    "set PathPattern to `Prod*`",
                ),
                vec![],
                1,
            ),
            report(
                "cloudfront.distribution",
                Outcome::pass("Deployed, Enabled"),
                vec![Outcome::fail("Status is InProgress", "wait").retryable()],
                1205,
            ),
            report(
                "apigw.stage",
                Outcome::error("timed out reaching AWS <&> \"quotes\""),
                vec![Outcome::error("throttled").retryable()],
                30_000,
            ),
            report("e2e.echo", Outcome::skip("needs e2e.connect, which failed: 403"), vec![], 0),
        ],
        properties: vec![("layout".into(), "a".into())],
        aws_calls: BTreeMap::from([("cloudfront.GetDistribution".into(), 1)]),
        duration: Duration::from_millis(31_234),
        started_at,
        interrupted: false,
    }
}

#[test]
fn junit_validates_and_carries_every_state() {
    let xml = junit::render(&[result()]).unwrap();
    support::junit10::assert_valid(&xml);
    assert!(xml.contains(r#"<testcase name="cloudfront.path-pattern" classname="cloudfront""#), "{xml}");
    assert!(xml.contains("hint: set PathPattern to `Prod*`"));
    assert!(xml.contains("<flakyFailure"), "retried then passed → flakyFailure");
    assert!(xml.contains("<rerunError"), "retried and still errored → rerunError");
    assert!(xml.contains(r#"<skipped message="needs e2e.connect"#));
    assert!(xml.contains("answers: 127.0.1.1"), "evidence in system-out");
    assert!(xml.contains(r#"<property name="layout" value="a"/>"#));
    assert!(xml.contains(r#"time="1.205""#), "times in seconds");
    // A warning is shown in system-out; its testcase stays a pass (no failure element).
    let case = xml.split("<testcase").find(|c| c.contains(r#"name="route53.alias""#)).unwrap();
    assert!(case.contains("warning: ws.example.com has no AAAA record"), "{case}");
    assert!(case.contains("hint: add an ALIAS AAAA record for ws.example.com"), "{case}");
    assert!(!case.contains("<failure") && !case.contains("<error"), "{case}");
    assert!(xml.contains(r#"failures="1""#), "{xml}");
}

#[test]
fn the_validator_rejects_what_junit_10_forbids() {
    let bad = r#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="x"><properties/></testcase></testsuite></testsuites>"#;
    assert!(!support::junit10::validate(bad).is_empty());
    let bad = r#"<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="x"><flakyFailure message="m"/></testcase></testsuite></testsuites>"#;
    assert!(support::junit10::validate(bad).iter().any(|e| e.contains("`type`")));
    let bad = r#"<testsuites><testsuite name="s" failures="0" errors="0"/></testsuites>"#;
    assert!(support::junit10::validate(bad).iter().any(|e| e.contains("`tests`")));
}

#[test]
fn json_has_the_documented_shape() {
    let v = json::suite_json(&result());
    assert_eq!(v["suite"]["name"], "chat-staging");
    assert_eq!(v["suite"]["properties"]["layout"], "a");
    let checks = v["checks"].as_array().unwrap();
    assert_eq!(checks.len(), 6);
    let c = &checks[2];
    for key in ["id", "status", "message", "hint", "warnings", "evidence", "duration_ms", "attempts"] {
        assert!(c.get(key).is_some(), "missing {key}");
    }
    assert_eq!(c["status"], "fail");
    assert_eq!(c["warnings"], serde_json::json!([]), "always present");
    assert_eq!(checks[3]["attempts"], 2);
    assert_eq!(checks[0]["evidence"]["answers"], "127.0.1.1");
    let w = &checks[1];
    assert_eq!(w["status"], "pass");
    assert_eq!(w["warnings"].as_array().unwrap().len(), 1);
    assert!(w["warnings"][0]["message"].as_str().unwrap().contains("no AAAA record"));
    assert!(w["warnings"][0]["hint"].as_str().unwrap().starts_with("add an ALIAS AAAA record"));
    assert_eq!(v["summary"]["warned"], 1);
    assert_eq!(v["summary"]["passed"], 3);
    assert_eq!(v["summary"]["failed"], 1);
    assert_eq!(v["summary"]["errored"], 1);
    assert_eq!(v["summary"]["skipped"], 1);
    assert_eq!(v["aws_calls"]["cloudfront.GetDistribution"], 1);
}

#[test]
fn json_and_junit_files_are_written_per_suite() {
    let dir = tempfile::tempdir().unwrap();
    let (d1, d2) = (dir.path().to_owned(), dir.path().to_owned());
    let mut reporters: Vec<Box<dyn Reporter>> = vec![
        Box::new(junit::JunitReporter::new(junit::Target::PerSuite(Box::new(move |n| d1.join(format!("{n}.xml")))))),
        Box::new(json::JsonReporter::new(json::Target::PerSuite(Box::new(move |n| d2.join(format!("{n}.json")))))),
    ];
    let e = Event::SuiteFinished { suite: 0, result: result() };
    for r in &mut reporters {
        r.on_event(&e).unwrap();
    }
    support::junit10::assert_valid(&std::fs::read_to_string(dir.path().join("chat-staging.xml")).unwrap());
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("chat-staging.json")).unwrap()).unwrap();
    assert_eq!(v["suite"]["name"], "chat-staging");
}

#[test]
fn markdown_lists_hints_and_warnings() {
    let md = markdown::render(&[result()]);
    assert!(md.contains("## wsconform: 3 passed, 1 failed, 1 errored, 1 skipped, 1 warned\n"), "{md}");
    assert!(md.contains("**hint:** set PathPattern to `Prod*`"));
    assert!(md.contains("| ✅ pass (1 warning) | `route53.alias` |"), "{md}");
    assert!(md.contains("<br>🔶 **warning:** ws.example.com has no AAAA record"), "{md}");
    assert!(md.contains("<br>**hint:** add an ALIAS AAAA record for ws.example.com"), "{md}");
}

#[test]
fn console_output_matches_snapshot() {
    let r = result();
    let mut c = ConsoleReporter::new(Vec::new(), false, false, true);
    c.on_event(&Event::RunStarted { suites: vec![r.header.clone()] }).unwrap();
    for rep in &r.reports {
        c.on_event(&Event::CheckStarted { suite: 0, id: rep.id }).unwrap();
    }
    c.on_event(&Event::CheckRetrying {
        suite: 0,
        id: ids::CLOUDFRONT_DISTRIBUTION,
        attempt: 1,
        outcome: Outcome::fail("Status is InProgress", "wait").retryable(),
        delay: Duration::from_secs(1),
    })
    .unwrap();
    for rep in &r.reports {
        c.on_event(&Event::CheckFinished { suite: 0, report: rep.clone() }).unwrap();
    }
    c.on_event(&Event::SuiteFinished { suite: 0, result: r.clone() }).unwrap();
    c.on_event(&Event::RunFinished { results: vec![r], duration: Duration::from_millis(31_250), interrupted: false })
        .unwrap();
    let out = String::from_utf8(c.into_inner()).unwrap();
    insta::assert_snapshot!("console", out);
}

#[test]
fn junit_output_matches_snapshot() {
    // Deterministic as rendered: the run's fixed start and durations, no uuid.
    insta::assert_snapshot!("junit", junit::render(&[result()]).unwrap());
    let strict = junit::render_flavor(&[result()], junit::Flavor::Strict).unwrap();
    insta::assert_snapshot!("junit-strict", strict);
}

#[test]
fn json_output_matches_snapshot() {
    let json = serde_json::to_string_pretty(&json::suite_json(&result())).unwrap();
    insta::assert_snapshot!("json", json);
}

#[test]
fn markdown_output_matches_snapshot() {
    insta::assert_snapshot!("markdown", markdown::render(&[result()]));
}

#[test]
fn metrics_output_matches_snapshot() {
    // With a certificate, so that every family is in the snapshot.
    let mut r = result();
    r.reports.push(report(
        "tls.certificate",
        Outcome::pass("valid 42 days").with_evidence(
            Evidence::new()
                .with("host", "ws.example.com")
                .with_certificate_expiry(1_798_628_800, 42)
                .with_timing("tls", Duration::from_micros(8500)),
        ),
        vec![],
        9,
    ));
    insta::assert_snapshot!("metrics", wsconform::report::metrics::render(&[r]));
}
