//! What CI reads besides the console: GitHub Actions annotations (exact
//! workflow commands, escaping, none outside GitHub Actions) and both JUnit
//! flavors against the Jenkins xunit-plugin junit-10 schema. With
//! `xmllint` and a `junit-10.xsd` (`tests/junit-10.xsd`, or the path in
//! `WSCONFORM_JUNIT_XSD`) the schema itself judges; without them that trial
//! is ignored with its reason and the structural checker of
//! `tests/support/junit10.rs` judges alone. Each trial says which validator it used.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use wsconform::events::{Event, SuiteHeader, SuiteResult};
use wsconform::outcome::{Attempt, CheckReport, Outcome};
use wsconform::report::{Reporter, annotations::AnnotationReporter, junit};

fn main() {
    let args = Arguments::from_args();
    let trials = vec![
        Trial::test("annotations_for_failures_errors_and_warnings", annotations_for_failures_errors_and_warnings),
        Trial::test("annotations_are_escaped", annotations_are_escaped),
        Trial::test("annotations_only_under_github_actions", annotations_only_under_github_actions),
        Trial::test("junit_flavors_structural_checker", junit_flavors_structural_checker),
        Trial::ignorable_test("junit_flavors_xmllint_schema", junit_flavors_xmllint_schema),
    ];
    libtest_mimic::run(&args, trials).exit();
}

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Failed::from(format!($($msg)+)));
        }
    };
}

fn report(id: &'static str, outcome: Outcome, retries: Vec<Outcome>) -> CheckReport {
    CheckReport {
        id,
        outcome,
        retries: retries.into_iter().map(|o| Attempt { outcome: o, duration: Duration::from_millis(5) }).collect(),
        duration: Duration::from_millis(12),
        started_at: None,
    }
}

fn result(source: &str, reports: Vec<CheckReport>) -> SuiteResult {
    SuiteResult {
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

/// A run with every state and retry kind the JUnit writer has.
fn every_state() -> SuiteResult {
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
fn flavors(dir: &Path) -> Result<Vec<(junit::Flavor, PathBuf)>, Failed> {
    let mut out = Vec::new();
    for flavor in [junit::Flavor::Default, junit::Flavor::Strict] {
        let single = dir.join(format!("{flavor:?}-all.xml"));
        let mut r = junit::JunitReporter::new(junit::Target::Single(single.clone())).with_flavor(flavor);
        let results = vec![every_state(), every_state()];
        r.on_event(&Event::RunFinished { results, duration: Duration::from_secs(2), interrupted: false })?;
        let d = dir.to_owned();
        let mut r = junit::JunitReporter::new(junit::Target::PerSuite(Box::new(move |n| {
            d.join(format!("{flavor:?}-{n}.xml"))
        })))
        .with_flavor(flavor);
        r.on_event(&Event::SuiteFinished { suite: 0, result: every_state() })?;
        out.push((flavor, single));
        out.push((flavor, dir.join(format!("{flavor:?}-chat-staging.xml"))));
    }
    Ok(out)
}

fn junit_flavors_structural_checker() -> Result<(), Failed> {
    println!("validator: the structural junit-10 checker (tests/support/junit10.rs)");
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

/// `tests/junit-10.xsd`, or the file `WSCONFORM_JUNIT_XSD` names.
fn schema() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("WSCONFORM_JUNIT_XSD") {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("WSCONFORM_JUNIT_XSD={} is not a file", p.display())) };
    }
    let vendored = manifest_dir().join("tests/junit-10.xsd");
    if vendored.is_file() {
        return Ok(vendored);
    }
    Err("no junit-10.xsd: vendor it as tests/junit-10.xsd or set WSCONFORM_JUNIT_XSD; \
         the structural checker judged alone"
        .into())
}

fn junit_flavors_xmllint_schema() -> Result<Completion, Failed> {
    let xsd = match schema() {
        Ok(p) => p,
        Err(reason) => return Ok(Completion::ignored_with(reason)),
    };
    if Command::new("xmllint").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Ok(Completion::ignored_with(
            "xmllint not found (Debian: libxml2-utils); the structural checker judged alone",
        ));
    }
    println!("validator: xmllint --schema {}", xsd.display());
    let dir = tempfile::tempdir()?;
    for (flavor, path) in flavors(dir.path())? {
        let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&path).output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match flavor {
            junit::Flavor::Strict => ensure!(out.status.success(), "{}: {stderr}", path.display()),
            junit::Flavor::Default => {
                ensure!(!out.status.success(), "the default flavor validated: {stderr}");
                let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("validity error")).collect();
                ensure!(
                    errors.len() == 2
                        && errors[0].contains("attribute 'skipped': The attribute 'skipped' is not allowed")
                        && errors[1].contains("attribute 'timestamp': The attribute 'timestamp' is not allowed"),
                    "only quick-junit's extras on <testsuites> may fail the default flavor:\n{stderr}"
                );
            }
        }
    }
    Ok(Completion::Completed)
}
