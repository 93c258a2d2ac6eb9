//! `--wait`: only failures that could pass later are retried; a retry sees
//! the deployment as it is now (facts are fetched again); attempts appear in
//! the reports (JUnit flakyFailure / rerunFailure).

use crate::support;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

fn run(dir: &Path, suite_extra: &str, args: &[&str]) -> (Option<i32>, serde_json::Value, String, Duration) {
    let suite = dir.join("wait.toml");
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/suites/sandbox.toml"))
        .unwrap()
        .replace("name = \"sandbox\"", "name = \"wait\"")
        .replace("scenario = \"good\"\n", &format!("scenario = \"good\"\n{suite_extra}"));
    std::fs::write(&suite, text).unwrap();
    let t = Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_wsconform"))
        .arg("run")
        .arg(&suite)
        .args(args)
        .arg("--reports-dir")
        .arg(dir)
        .env("CI", "true")
        .output()
        .unwrap();
    let took = t.elapsed();
    let json = serde_json::from_str(&std::fs::read_to_string(dir.join("wait.json")).unwrap()).unwrap();
    let xml = std::fs::read_to_string(dir.join("wait.xml")).unwrap();
    support::junit10::assert_valid(&xml);
    (out.status.code(), json, xml, took)
}

fn check<'a>(json: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    json["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap()
}

#[test]
fn a_deploy_in_progress_is_waited_out_and_reported_as_flaky() {
    let dir = tempfile::tempdir().unwrap();
    let (code, json, xml, took) = run(
        dir.path(),
        "faults = [\"cloudfront-deploying\"]\n",
        &["--wait", "20s", "--only", "cloudfront.distribution"],
    );
    let c = check(&json, "cloudfront.distribution");
    assert_eq!(c["status"], "pass", "{c}");
    assert!(c["attempts"].as_u64().unwrap() >= 2, "{c}");
    assert!(c["retries"][0]["message"].as_str().unwrap().contains("InProgress"), "{c}");
    assert!(xml.contains("<flakyFailure"), "{xml}");
    assert_eq!(code, Some(0));
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

#[test]
fn a_wrong_path_pattern_is_not_retried() {
    let dir = tempfile::tempdir().unwrap();
    let (code, json, _, took) = run(dir.path(), "", &["--wait", "30s", "--sandbox=pattern-case"]);
    assert_eq!(code, Some(1));
    for id in ["cloudfront.path-pattern", "e2e.connect"] {
        let c = check(&json, id);
        assert_eq!(c["status"], "fail", "{c}");
        assert_eq!(c["attempts"], 1, "{id} was retried: {c}");
    }
    assert!(took < Duration::from_secs(5), "a permanent failure waited: {took:?}");
}

#[test]
fn a_distribution_that_stays_in_progress_fails_with_its_attempts() {
    let dir = tempfile::tempdir().unwrap();
    let (code, json, xml, took) = run(
        dir.path(),
        "",
        &["--wait", "2s", "--sandbox=distribution-in-progress", "--only", "cloudfront.distribution"],
    );
    assert_eq!(code, Some(1));
    let c = check(&json, "cloudfront.distribution");
    assert_eq!(c["status"], "fail", "{c}");
    assert!(c["attempts"].as_u64().unwrap() >= 2, "{c}");
    assert!(xml.contains("<rerunFailure"), "{xml}");
    assert!(took < Duration::from_secs(6), "took {took:?}");
}
