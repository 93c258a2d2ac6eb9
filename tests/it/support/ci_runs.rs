//! The hand-built runs CI's outputs are judged on (GitHub Actions
//! annotations, both JUnit flavors): shared by `ci_output` and the witness
//! binary's junit-10 schema trial.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use wsconform::events::{Event, SuiteHeader, SuiteResult};
use wsconform::outcome::{Attempt, CheckReport, Outcome};
use wsconform::report::{Reporter, junit};

pub fn report(id: &str, outcome: Outcome, retries: Vec<Outcome>) -> CheckReport {
    CheckReport {
        id: wsconform::ids::CheckId::parse(id).expect("a catalog id"),
        outcome,
        retries: retries.into_iter().map(|o| Attempt { outcome: o, duration: Duration::from_millis(5) }).collect(),
        duration: Duration::from_millis(12),
        started_at: None,
    }
}

pub fn result(source: &str, reports: Vec<CheckReport>) -> SuiteResult {
    SuiteResult {
        route: Vec::new(),
        header: SuiteHeader {
            name: "chat-staging".into(),
            source: source.into(),
            region: "ap-northeast-1".into(),
            url: "wss://ws.example.com/chat".into(),
            checks: reports.iter().map(|r| r.id).collect(),
            warnings: vec![],
        },
        reports,
        properties: vec![("layout".into(), "c".into())],
        aws_calls: BTreeMap::from([("apigatewayv2.GetApiMappings".into(), 1)]),
        duration: Duration::from_millis(1234),
        started_at: chrono::DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().to_utc(),
        interrupted: false,
    }
}

/// A run with every state and retry kind the JUnit writer has.
pub fn every_state() -> SuiteResult {
    result(
        "suites/staging.toml",
        vec![
            report("dns.resolves", Outcome::pass("2 addresses"), vec![]),
            report(
                "route53.alias",
                Outcome::pass("ALIAS ok").warn("no AAAA record", "add an ALIAS AAAA record"),
                vec![],
            ),
            report("cloudfront.path-pattern", Outcome::fail("`prod*` does not match `/Prod`", "set `Prod*`"), vec![]),
            report("cloudfront.distribution", Outcome::pass("Deployed"), vec![Outcome::fail("InProgress", "wait")]),
            report("apigw.stage", Outcome::error("timed out <&> \"quotes\""), vec![Outcome::error("throttled")]),
            report("e2e.echo", Outcome::skip("needs e2e.connect"), vec![]),
        ],
    )
}

/// Both flavors, each as one file and as the per-suite file the reporter writes.
pub fn flavors(dir: &Path) -> Result<Vec<(junit::Flavor, PathBuf)>, String> {
    let mut out = Vec::new();
    for flavor in [junit::Flavor::Default, junit::Flavor::Strict] {
        let single = dir.join(format!("{flavor:?}-all.xml"));
        let mut r = junit::JunitReporter::new(junit::Target::Single(single.clone())).with_flavor(flavor);
        let results = vec![every_state(), every_state()];
        r.on_event(&Event::RunFinished { results, duration: Duration::from_secs(2), interrupted: false })
            .map_err(|e| e.to_string())?;
        let d = dir.to_owned();
        let mut r = junit::JunitReporter::new(junit::Target::PerSuite(Box::new(move |n| {
            d.join(format!("{flavor:?}-{n}.xml"))
        })))
        .with_flavor(flavor);
        r.on_event(&Event::SuiteFinished { suite: 0, result: every_state() }).map_err(|e| e.to_string())?;
        out.push((flavor, single));
        out.push((flavor, dir.join(format!("{flavor:?}-chat-staging.xml"))));
    }
    Ok(out)
}
