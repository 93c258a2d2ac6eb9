//! What CI reads besides the console: GitHub Actions annotations (exact
//! workflow commands, escaping, none outside GitHub Actions) and both JUnit
//! flavors against the Jenkins xunit-plugin junit-10 rules, judged here by the
//! structural checker of `tests/it/support/junit10.rs`. The schema itself
//! judges in the witness binary (`cargo test --test witness junit_schema`:
//! `xmllint` and a `junit-10.xsd`, or ignored with its reason). Each test
//! says which validator it used.

use crate::support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use wsconform::events::{Event, SuiteResult};
use wsconform::outcome::Outcome;
use wsconform::report::{Reporter, annotations::AnnotationReporter, junit};

use crate::support::Failed;
use crate::support::ci_runs::{flavors, report, result};

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Failed::from(format!($($msg)+)));
        }
    };
}

/// The reporter's output for one run of `results`.
fn annotate(results: Vec<SuiteResult>) -> String {
    let mut r = AnnotationReporter::new(Vec::new());
    r.on_event(&Event::RunStarted { suites: results.iter().map(|s| s.header.clone()).collect() }).unwrap();
    for (i, s) in results.iter().enumerate() {
        for rep in &s.reports {
            r.on_event(&Event::CheckFinished { suite: i, report: rep.clone() }).unwrap();
        }
        r.on_event(&Event::SuiteFinished { suite: i, result: s.clone() }).unwrap();
    }
    r.on_event(&Event::RunFinished { results, duration: Duration::from_secs(1), interrupted: false }).unwrap();
    String::from_utf8(r.into_inner()).unwrap()
}

const SUITE: &str = r#"name = "chat-staging"
region = "ap-northeast-1"
url = "wss://ws.example.com/chat"

[custom_domain]
name = "ws.example.com"
mapping_key = "chat"

[cloudfront]
distribution_id = "E2ABCDEF123456"
"#;

#[test]
fn annotations_for_failures_errors_and_warnings() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("staging.toml");
    std::fs::write(&path, SUITE)?;
    let file = path.display().to_string();
    let out = annotate(vec![result(
        &file,
        vec![
            report("dns.resolves", Outcome::pass("2 addresses"), vec![]),
            report(
                "cloudfront.path-pattern",
                Outcome::fail("behavior #1 PathPattern `chat*` does not match `/Chat`", "set PathPattern to `Chat*`"),
                vec![],
            ),
            report(
                "apigw.mapping",
                Outcome::fail("the API mapping `chat` points at stage `Dev`", "point the mapping at stage `Prod`"),
                vec![],
            ),
            report("apigw.stage", Outcome::error("timed out reaching AWS"), vec![]),
            report(
                "route53.alias",
                Outcome::pass("ALIAS ok").warn("ws.example.com has no AAAA record", "add an ALIAS AAAA record"),
                vec![],
            ),
            report("e2e.echo", Outcome::skip("needs e2e.connect"), vec![]),
        ],
    )]);
    // Escaped as a property: a temporary directory may hold `:` or `,` on some systems.
    let file = wsconform::report::annotations::property(&file);
    let want = format!(
        "::error title=cloudfront.path-pattern,file={file},line=9::behavior #1 PathPattern `chat*` does not match `/Chat` — hint: set PathPattern to `Chat*`\n\
         ::error title=apigw.mapping,file={file},line=7::the API mapping `chat` points at stage `Dev` — hint: point the mapping at stage `Prod`\n\
         ::error title=apigw.stage,file={file},line=3::timed out reaching AWS\n\
         ::warning title=route53.alias,file={file},line=3::ws.example.com has no AAAA record — hint: add an ALIAS AAAA record\n"
    );
    ensure!(out == want, "--- want\n{want}--- got\n{out}");

    // A suite that is not a file (the sandbox's own): no file, no line.
    let out = annotate(vec![result(
        "<sandbox layout b>",
        vec![report("cloudfront.origin", Outcome::fail("origin is http-only", "set https-only"), vec![])],
    )]);
    ensure!(out == "::error title=cloudfront.origin::origin is http-only — hint: set https-only\n", "got {out:?}");
    Ok(())
}

#[test]
fn annotations_are_escaped() -> Result<(), Failed> {
    let dir = tempfile::tempdir()?;
    let sub = dir.path().join("a,b:c");
    std::fs::create_dir(&sub)?;
    let path = sub.join("s.toml");
    std::fs::write(&path, SUITE)?;
    let file = path.display().to_string();
    let out = annotate(vec![result(
        &file,
        vec![report(
            "cloudfront.forwarding",
            Outcome::fail("100% of requests: 403,\r\nHost a:b", "line one\nline two"),
            vec![],
        )],
    )]);
    let escaped = file.replace('%', "%25").replace(':', "%3A").replace(',', "%2C");
    ensure!(escaped.contains("a%2Cb%3Ac"), "{escaped}");
    let want = format!(
        "::error title=cloudfront.forwarding,file={escaped},line=9::100%25 of requests: 403,%0D%0AHost a:b — hint: line one%0Aline two\n"
    );
    ensure!(out == want, "--- want\n{want}--- got\n{out}");
    Ok(())
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn wsconform(reports: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wsconform"));
    c.current_dir(manifest_dir())
        .env("CI", "true")
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .args(["run", "suites/sandbox.toml", "--sandbox=host-not-forwarded", "--only", "cloudfront.*", "--reports-dir"])
        .arg(reports);
    c
}

#[test]
fn annotations_only_under_github_actions() -> Result<(), Failed> {
    let text = std::fs::read_to_string(manifest_dir().join("suites/sandbox.toml"))?;
    let line =
        text.lines().position(|l| l.trim() == "[cloudfront]").ok_or("suites/sandbox.toml has no [cloudfront]")? + 1;
    let dir = tempfile::tempdir()?;

    let out = wsconform(dir.path()).env("GITHUB_ACTIONS", "true").args(["--junit-flavor", "strict"]).output()?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    ensure!(out.status.code() == Some(1), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let want = format!("::error title=cloudfront.forwarding,file=suites/sandbox.toml,line={line}::behavior #0 ");
    let annotations: Vec<&str> = stdout.lines().filter(|l| l.starts_with("::")).collect();
    ensure!(annotations.len() == 1 && annotations[0].starts_with(&want), "want one line starting {want}\n{stdout}");
    ensure!(annotations[0].contains(" — hint: "), "{stdout}");
    let xml = std::fs::read_to_string(dir.path().join("sandbox.xml"))?;
    let errors = support::junit10::validate_strict(&xml);
    ensure!(errors.is_empty(), "--junit-flavor strict: {errors:?}\n{xml}");

    // GitLab (or no CI at all): nothing; the JUnit report carries the findings.
    for env in [Some(("GITLAB_CI", "true")), Some(("GITHUB_ACTIONS", "false")), None] {
        let mut c = wsconform(dir.path());
        if let Some((k, v)) = env {
            c.env(k, v);
        }
        let out = c.output()?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        ensure!(out.status.code() == Some(1), "{stdout}");
        ensure!(stdout.contains("FAIL  cloudfront.forwarding"), "{stdout}");
        ensure!(!stdout.lines().any(|l| l.starts_with("::")), "{env:?}: a workflow command was printed\n{stdout}");
        let xml = std::fs::read_to_string(dir.path().join("sandbox.xml"))?;
        ensure!(xml.contains("<testsuites name=\"wsconform\" tests=\"4\" skipped=\"1\""), "default flavor: {xml}");
    }
    Ok(())
}

#[test]
fn junit_flavors_structural_checker() -> Result<(), Failed> {
    println!("validator: the structural junit-10 checker (tests/it/support/junit10.rs)");
    let dir = tempfile::tempdir()?;
    for (flavor, path) in flavors(dir.path())? {
        let xml = std::fs::read_to_string(&path)?;
        let strict = support::junit10::validate_strict(&xml);
        match flavor {
            junit::Flavor::Strict => ensure!(strict.is_empty(), "{}: {strict:?}\n{xml}", path.display()),
            junit::Flavor::Default => {
                // Valid but for quick-junit's extras on <testsuites>, which the default keeps.
                let lenient = support::junit10::validate(&xml);
                ensure!(lenient.is_empty(), "{}: {lenient:?}", path.display());
                ensure!(
                    strict
                        == vec![
                            "<testsuites> has attribute `skipped` the schema does not allow".to_string(),
                            "<testsuites> has attribute `timestamp` the schema does not allow".to_string(),
                        ],
                    "{}: {strict:?}",
                    path.display()
                );
            }
        }
    }
    Ok(())
}
