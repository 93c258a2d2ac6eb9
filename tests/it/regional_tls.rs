//! `tls.certificate` also judges the custom domain's regional target (with
//! the custom domain as SNI): a good edge certificate does not hide an
//! expired one where CloudFront and `@connections` actually connect.

use std::time::Duration;

use wsconform::Filters;
use wsconform::RunnerOptions;
use wsconform::outcome::Status;
use wsconform::run::{RunOptions, SuiteSource, run};

async fn tls_check(faults: &str) -> (Status, String, Option<String>) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/suites/sandbox.toml"))
        .unwrap()
        .replace("scenario = \"good\"\n", &format!("scenario = \"good\"\nfaults = [{faults}]\n"));
    let summary = run(RunOptions {
        suites: vec![SuiteSource::Text { name: "regional.toml".into(), text }],
        filters: Filters { only: vec!["tls.certificate".into()], skip: vec![] },
        runner: RunnerOptions { deadline: Some(Duration::from_secs(30)), ..RunnerOptions::default() },
        sandbox: None,
        emulator: Some(wsconform_cli::emulator::InProcess::shared()),
        reporters: vec![],
    })
    .await
    .unwrap();
    let r = &summary.results[0].reports[0];
    (
        r.outcome.status(),
        r.outcome.verdict.message().to_owned(),
        r.outcome.evidence.get("regional.days_left").map(str::to_owned),
    )
}

#[tokio::test]
async fn the_regional_target_is_judged_too() {
    wsconform::install_crypto_provider();
    let (status, message, days) = tls_check("").await;
    assert_eq!(status, Status::Pass, "{message}");
    assert!(message.contains("regional target d-abcde12345"), "{message}");
    assert!(days.is_some());

    let (status, message, _) = tls_check("\"regional-cert-expired\"").await;
    assert_eq!(status, Status::Fail, "{message}");
    assert!(message.starts_with("at the regional target d-abcde12345"), "{message}");
    assert!(message.contains("expired"), "{message}");
}
