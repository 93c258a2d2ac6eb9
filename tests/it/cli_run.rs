//! The binary end to end against the embedded sandbox: a passing run and its
//! reports, an interrupted run (SIGINT/SIGTERM to a real child process), and
//! secrets that must appear in no output.

use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn wsconform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_wsconform"));
    c.current_dir(env!("CARGO_MANIFEST_DIR")).env("CI", "true").env_remove("GITHUB_STEP_SUMMARY");
    c
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn the_readme_first_command_passes_and_writes_valid_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = wsconform().args(["run", "suites/sandbox.toml", "--reports-dir"]).arg(dir.path()).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("23 passed, 0 failed, 0 errored, 1 skipped"), "{stdout}");

    support::junit10::assert_valid(&read(&dir.path().join("sandbox.xml")));
    let json: serde_json::Value = serde_json::from_str(&read(&dir.path().join("sandbox.json"))).unwrap();
    assert_eq!(json["summary"]["passed"], 23);
    // Every AWS call is made once per run, however many checks need it. One
    // operation makes two distinct calls: route53.alias looks up each name a
    // hosted zone for ws.example.com can have (ws.example.com., example.com.),
    // because Route 53 lists zones from DNSName on (a parent's zone sorts
    // before the host) and emulators match DNSName exactly.
    let calls = json["aws_calls"].as_object().unwrap();
    assert!(calls.len() >= 8, "{calls:?}");
    for (op, n) in calls {
        let want = if op == "route53.ListHostedZonesByName" { 2 } else { 1 };
        assert_eq!(n, want, "{op} was called {n} times");
    }
    assert_eq!(json["suite"]["properties"]["discovered.api_id"], "a1b2c3d4e5");
}

#[test]
fn a_failing_scenario_exits_1_with_the_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = wsconform()
        .args(["run", "--sandbox=pattern-case", "--only", "cloudfront.*", "--reports-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  cloudfront.path-pattern"), "{stdout}");
    assert!(stdout.contains("hint: "), "{stdout}");
    assert!(stdout.contains("Prod*"), "the hint names the value to set: {stdout}");
}

/// `wsconform fix` prints the report's fixes as a script and runs nothing; a file that is not a report is bad input.
#[test]
fn fix_prints_the_reports_fixes_as_a_script() {
    let dir = tempfile::tempdir().unwrap();
    let out = wsconform()
        .args(["run", "--sandbox=lambda-permission-wrong-route", "--only", "apigw.*", "--reports-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let report = dir.path().join("sandbox-b.json");
    let json: serde_json::Value = serde_json::from_str(&read(&report)).unwrap();
    let check = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "apigw.integrations").unwrap();
    assert_eq!(check["fixes"][0]["resource"]["kind"], "AWS::Lambda::Function", "{check}");

    let out = wsconform().arg("fix").arg(&report).output().unwrap();
    let script = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{script}{}", String::from_utf8_lossy(&out.stderr));
    assert!(script.starts_with("#!/bin/sh\n"), "{script}");
    let grant = "--source-arn 'arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/*/$default'";
    let line =
        script.lines().find(|l| l.starts_with("aws lambda add-permission")).unwrap_or_else(|| panic!("{script}"));
    assert!(line.contains(grant) && line.contains("--principal apigateway.amazonaws.com"), "{line}");
    // Nothing else in it runs: every other line is a comment, blank or `set -eu`.
    assert!(
        script.lines().all(|l| l.starts_with('#') || l.is_empty() || l == "set -eu" || l.starts_with("aws ")),
        "{script}"
    );

    let out = wsconform().arg("fix").arg(dir.path().join("sandbox-b.xml")).output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not JSON"));
}

#[test]
fn run_fix_shows_the_commands_on_the_console_and_the_summary_keeps_them() {
    let dir = tempfile::tempdir().unwrap();
    let summary = dir.path().join("summary.md");
    let run = |fix: bool| {
        let mut cmd = wsconform();
        cmd.args(["run", "--sandbox=lambda-permission-wrong-route", "--only", "apigw.*", "--summary"]).arg(&summary);
        if fix {
            cmd.arg("--fix");
        }
        let out = cmd.output().unwrap();
        assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = run(false);
    assert!(plain.contains("fix: Policy.Statement"), "the field change shows without --fix: {plain}");
    assert!(!plain.contains("$ aws lambda add-permission"), "{plain}");
    assert!(plain.contains("run with --fix to see them"), "{plain}");
    let with = run(true);
    let line = with
        .lines()
        .find(|l| l.trim_start().starts_with("$ aws lambda add-permission"))
        .unwrap_or_else(|| panic!("{with}"));
    assert!(line.contains("--principal apigateway.amazonaws.com"), "{line}");
    let md = read(&summary);
    assert!(md.contains("🔧 **fix:** Policy.Statement") && md.contains("```sh\n"), "{md}");
    assert!(md.contains("\naws lambda add-permission --function-name"), "{md}");
}

fn interrupt_with(signal: &str) {
    let dir = tempfile::tempdir().unwrap();
    // echo-silent: e2e.echo waits for its 10 s roundtrip timeout, so the run is busy when the signal comes.
    let child = wsconform()
        .args(["run", "--sandbox=echo-silent", "--reports-dir"])
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(2500));
    let t0 = Instant::now();
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let out = child.wait_with_output().unwrap();
    assert!(t0.elapsed() < Duration::from_secs(5), "took {:?} to stop", t0.elapsed());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(130), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    let xml = read(&dir.path().join("sandbox-b.xml"));
    support::junit10::assert_valid(&xml);
    let json: serde_json::Value = serde_json::from_str(&read(&dir.path().join("sandbox-b.json"))).unwrap();
    assert_eq!(json["suite"]["interrupted"], true);
    let echo = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "e2e.echo").unwrap();
    assert_eq!(echo["status"], "error");
    assert_eq!(echo["message"], "interrupted");
}

#[test]
fn sigint_writes_every_report_and_exits_130() {
    interrupt_with("-INT");
}

#[test]
fn sigterm_writes_every_report_and_exits_130() {
    interrupt_with("-TERM");
}

#[test]
fn secrets_from_the_environment_appear_in_no_output() {
    // Not `Authorization`: the sandbox's layout b forwards viewer headers with AllViewer, which
    // CloudFront never applies to Authorization (only a cache policy carries it).
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("secret.toml");
    let text = read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/suites/sandbox.toml")))
        .replace("name = \"sandbox\"", "name = \"secret\"")
        .replace(
            "[roundtrip]\n",
            "[roundtrip]\nheaders = { X-Auth-Token = \"Bearer ${WSC_TEST_TOKEN}\", X-Literal = \"literal-header-value\" }\nquery = { ticket = \"${WSC_TEST_TICKET}\" }\n",
        );
    std::fs::write(&suite, text).unwrap();
    let (token, ticket) = ("tok-9f8e7d6c5b4a", "tkt 1+2/3=secret");
    let reports = dir.path().join("reports");
    let out = wsconform()
        .arg("run")
        .arg(&suite)
        .arg("--verbose")
        .arg("--reports-dir")
        .arg(&reports)
        .arg("--summary")
        .arg(dir.path().join("summary.md"))
        .arg("--history")
        .arg(dir.path().join("history.jsonl"))
        .arg("--metrics")
        .arg(dir.path().join("metrics.prom"))
        .env("WSC_TEST_TOKEN", token)
        .env("WSC_TEST_TICKET", ticket)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let mut outputs =
        vec![("stdout".to_string(), stdout), ("stderr".into(), String::from_utf8_lossy(&out.stderr).into())];
    for name in ["reports/secret.xml", "reports/secret.json", "summary.md", "history.jsonl", "metrics.prom"] {
        outputs.push((name.into(), read(&dir.path().join(name))));
    }
    let encoded: String = url::form_urlencoded::byte_serialize(ticket.as_bytes()).collect();
    for (name, text) in &outputs {
        for secret in [token, ticket, encoded.as_str(), "literal-header-value"] {
            assert!(!text.contains(secret), "{name} contains a secret `{secret}`:\n{text}");
        }
    }
}

#[test]
fn list_and_explain_describe_the_catalog() {
    let out = wsconform().args(["list", "suites/sandbox.toml", "--only", "e2e.post"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("e2e.post") && stdout.lines().any(|l| l.contains("e2e.post") && l.trim_end().ends_with("run"))
    );
    assert!(stdout.lines().any(|l| l.contains("e2e.echo") && l.contains("run (needed by e2e.post)")), "{stdout}");
    assert!(stdout.lines().any(|l| l.contains("dns.resolves") && l.contains("not selected")), "{stdout}");

    let out = wsconform().args(["explain", "cloudfront.path-pattern"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout.contains("AWS documentation: https://docs.aws.amazon.com/"), "{stdout}");

    let out = wsconform().args(["explain", "cloudfront.path-patern"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `cloudfront.path-pattern`?"));
}

/// `cmd` with no AWS credentials anywhere: no keys, no profile files (an empty
/// `home`), no web identity or container endpoints, IMDS not disabled.
fn without_credentials(mut cmd: Command, home: &Path) -> Command {
    cmd.env("HOME", home)
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_CONFIG_FILE", home.join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("none"));
    for var in [
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        cmd.env_remove(var);
    }
    cmd
}

#[test]
fn missing_credentials_are_one_clear_error_naming_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("nocreds.toml");
    // A control plane nobody listens on: the credential lookup fails before any request.
    std::fs::write(
        &suite,
        "name = \"nocreds\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n\
         [api]\nid = \"a1b2c3d4e5\"\nstage = \"Prod\"\n[cloudfront]\ndistribution_id = \"E2SANDBOXWS01\"\n\
         [aws]\nendpoint_url = \"http://127.0.0.1:9\"\n[checks]\nonly = [\"cloudfront.*\", \"apigw.api\", \"apigw.stage\"]\n",
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    // No credentials anywhere. The endpoint is on loopback, so the lookup never
    // goes on to the instance metadata service (no AWS_EC2_METADATA_DISABLED needed).
    let out = without_credentials(wsconform(), home.path())
        .arg("run")
        .arg(&suite)
        .arg("--reports-dir")
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    let summary = stdout.split("failures:").nth(1).expect("a failures section");
    assert_eq!(summary.matches("no AWS credentials found").count(), 1, "one line, not one per check:\n{summary}");
    assert!(summary.contains("environment variables") && summary.contains("never instance metadata"), "{summary}");
    assert!(!summary.contains("(IMDS)"), "{summary}");
}

#[test]
fn the_foreground_sandbox_prints_a_suite_any_run_can_use() {
    let dir = tempfile::tempdir().unwrap();
    let printed = dir.path().join("sb.toml");
    let mut sandbox = wsconform()
        .args(["sandbox", "--scenario", "good", "--print-suite"])
        .arg(&printed)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = Instant::now();
    while !printed.exists() && t0.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    // Give the writer a moment to finish the file after creating it.
    std::thread::sleep(Duration::from_millis(200));
    let out = wsconform()
        .arg("run")
        .arg(&printed)
        .arg("--reports-dir")
        .arg(dir.path())
        .env("AWS_ACCESS_KEY_ID", wsconform_sandbox::model::ACCESS_KEY_ID)
        .env("AWS_SECRET_ACCESS_KEY", wsconform_sandbox::model::SECRET_ACCESS_KEY)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .output()
        .unwrap();
    let _ = Command::new("kill").args(["-INT", &sandbox.id().to_string()]).status();
    let stopped = sandbox.wait().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("23 passed, 0 failed"), "{stdout}");
    assert!(stopped.success(), "the sandbox stops cleanly on Ctrl-C");
}

#[test]
fn a_live_only_run_makes_no_aws_call() {
    // `e2e.connect` alone needs neither the control plane nor credentials:
    // nothing is fetched ahead for checks that do not run (the management
    // client for e2e.post would look up the custom domain's regional target).
    let dir = tempfile::tempdir().unwrap();
    let out = wsconform()
        .args(["run", "suites/sandbox.toml", "--only", "e2e.connect", "--reports-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let json: serde_json::Value = serde_json::from_str(&read(&dir.path().join("sandbox.json"))).unwrap();
    assert_eq!(json["aws_calls"], serde_json::json!({}));

    // One control-plane check makes its own call and nothing more, reports included.
    let out = wsconform()
        .args(["run", "suites/sandbox.toml", "--only", "cloudfront.distribution", "--reports-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let json: serde_json::Value = serde_json::from_str(&read(&dir.path().join("sandbox.json"))).unwrap();
    assert_eq!(json["aws_calls"], serde_json::json!({"cloudfront.GetDistribution": 1}));
}

/// A loopback WebSocket endpoint that answers each message with `reply(msg)`
/// (nothing for `None`), as a local emulator does: it enforces no quota.
fn start_ws_endpoint(
    reply: fn(tokio_tungstenite::tungstenite::Message) -> Option<tokio_tungstenite::tungstenite::Message>,
) -> std::net::SocketAddr {
    use futures_util::{SinkExt, StreamExt};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    listener.set_nonblocking(true).unwrap();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            while let Ok((tcp, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else { return };
                    while let Some(Ok(msg)) = ws.next().await {
                        if let Some(answer) = reply(msg)
                            && ws.send(answer).await.is_err()
                        {
                            break;
                        }
                    }
                });
            }
        });
    });
    addr
}

/// Accepts everything and answers only pings: `e2e.limits` passes with a warning.
fn start_quota_blind_endpoint() -> std::net::SocketAddr {
    use tokio_tungstenite::tungstenite::Message;
    start_ws_endpoint(|msg| match msg {
        Message::Ping(p) => Some(Message::Pong(p)),
        _ => None,
    })
}

#[test]
fn warnings_alone_exit_0_and_1_under_strict() {
    let addr = start_quota_blind_endpoint();
    let dir = tempfile::tempdir().unwrap();
    let suite_text = |strict: &str| {
        format!(
            "name = \"emulator\"\nregion = \"us-east-1\"\nurl = \"ws://{addr}/\"\n\n[checks]\nonly = [\"e2e.limits\"]\n{strict}\n\n[roundtrip]\nlimits = true\ntimeout = \"1s\"\n"
        )
    };
    let (lenient, strict) = (dir.path().join("lenient.toml"), dir.path().join("strict.toml"));
    std::fs::write(&lenient, suite_text("")).unwrap();
    std::fs::write(&strict, suite_text("strict = true")).unwrap();
    let run = |suite: &Path, extra: &[&str]| {
        let reports =
            dir.path().join(format!("reports-{}-{}", suite.file_stem().unwrap().to_string_lossy(), extra.len()));
        let out = wsconform().arg("run").arg(suite).args(extra).arg("--reports-dir").arg(&reports).output().unwrap();
        let json: serde_json::Value = serde_json::from_str(&read(&reports.join("emulator.json"))).unwrap();
        (out, json)
    };

    // Only warnings: the gate passes, and says what is worth fixing.
    let (out, json) = run(&lenient, &[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(stdout.contains("PASS  e2e.limits") && stdout.contains("(1 warning)"), "{stdout}");
    assert!(stdout.contains("WARN  e2e.limits"), "{stdout}");
    assert!(stdout.contains("\nwarnings:\n  emulator: e2e.limits — "), "{stdout}");
    assert_eq!(json["summary"]["warned"], 1, "{json}");
    assert_eq!(json["summary"]["failed"], 0, "{json}");
    let limits = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "e2e.limits").unwrap();
    assert_eq!(limits["status"], "pass");
    assert_eq!(limits["warnings"].as_array().unwrap().len(), 1, "{limits}");

    // --strict: the same run fails, and says why.
    let (out, json) = run(&lenient, &["--strict"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{}\n{stderr}", String::from_utf8_lossy(&out.stdout));
    assert!(stderr.contains("warnings fail this run (--strict"), "{stderr}");
    assert_eq!(json["summary"]["failed"], 0, "statuses are unchanged: {json}");

    // `[checks] strict = true` in the suite does the same.
    let (out, _) = run(&strict, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
}

#[test]
fn strict_changes_nothing_for_a_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = wsconform()
        .args(["run", "suites/sandbox.toml", "--strict", "--only", "dns.*", "--reports-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{}", String::from_utf8_lossy(&out.stderr));
    assert!(!stdout.contains("WARN"), "{stdout}");
}

/// A hold longer than the check timeout (reduced scale: 1 s timeout, 2 s hold)
/// runs on its own budget instead of timing out.
#[test]
fn a_keepalive_hold_longer_than_the_timeout_has_its_own_budget() {
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("hold.toml");
    let text = read(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/suites/sandbox.toml")))
        .replace("name = \"sandbox\"", "name = \"hold\"\ntimeout = \"1s\"")
        .replace("[roundtrip]\n", "[roundtrip]\nhold = \"2s\"\nping_interval = \"500ms\"\n");
    std::fs::write(&suite, text).unwrap();
    let t = std::time::Instant::now();
    let out = wsconform()
        .args(["run", "--only", "e2e.keepalive", "--verbose", "--reports-dir"])
        .arg(dir.path())
        .arg(&suite)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("held: 2s") && stdout.contains("pings: 4"), "{stdout}");
    assert!(t.elapsed() < std::time::Duration::from_secs(20), "bounded: {:?}", t.elapsed());
}

/// A loopback endpoint that counts the connections it gets: a stand-in for
/// the instance metadata service, which nothing may ask against a loopback emulator.
fn start_counting_listener() -> (std::net::SocketAddr, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming() {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(conn);
        }
    });
    (addr, count)
}

/// Answers every text message with `{"connectionId":"c1","echo":…}`, as a
/// local emulator's echo backend does.
fn start_echo_endpoint() -> std::net::SocketAddr {
    use tokio_tungstenite::tungstenite::Message;
    start_ws_endpoint(|msg| match msg {
        Message::Text(t) => {
            Some(Message::text(serde_json::json!({"connectionId": "c1", "echo": t.as_str()}).to_string()))
        }
        Message::Ping(p) => Some(Message::Pong(p)),
        _ => None,
    })
}

/// One credential chain for every AWS client: against a loopback emulator
/// without keys, the `@connections` client (like the control plane's) looks
/// in the environment and the profile only, and never asks the instance
/// metadata service. It used to build its own SDK config with the default
/// chain, which went on to IMDS.
#[test]
fn no_client_asks_imds_against_a_loopback_emulator() {
    let (imds, asked) = start_counting_listener();
    let ws = start_echo_endpoint();
    let (management, _) = start_counting_listener();
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("local.toml");
    std::fs::write(
        &suite,
        format!(
            "name = \"local\"\nregion = \"us-east-1\"\nurl = \"ws://{ws}/\"\n\n\
             [aws]\nendpoint_url = \"http://127.0.0.1:9\"\n\n\
             [checks]\nonly = [\"e2e.post\"]\n\n\
             [roundtrip]\ntimeout = \"2s\"\nconnection_id = \"/connectionId\"\nmanagement_endpoint = \"http://{management}\"\n"
        ),
    )
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = wsconform()
        .arg("run")
        .arg(&suite)
        .arg("--reports-dir")
        .arg(dir.path())
        .env("HOME", home.path())
        .env("AWS_EC2_METADATA_SERVICE_ENDPOINT", format!("http://{imds}"))
        .env_remove("AWS_EC2_METADATA_DISABLED")
        .env("AWS_CONFIG_FILE", home.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", home.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_WEB_IDENTITY_TOKEN_FILE")
        .env_remove("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        .env_remove("AWS_CONTAINER_CREDENTIALS_FULL_URI")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value = serde_json::from_str(&read(&dir.path().join("local.json"))).unwrap();
    let post = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "e2e.post").expect("e2e.post ran");
    let echo = json["checks"].as_array().unwrap().iter().find(|c| c["id"] == "e2e.echo").unwrap();
    assert_eq!(echo["status"], "pass", "the echo found the connection id: {stdout}");
    assert_ne!(post["status"], "pass", "{stdout}");
    let message = post["message"].as_str().unwrap();
    assert!(message.contains("never instance metadata"), "the short chain is named: {message}");
    assert_eq!(asked.load(std::sync::atomic::Ordering::SeqCst), 0, "IMDS was asked: {stdout}");
}
