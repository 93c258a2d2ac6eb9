//! Reliability (docs/faults.md): every sandbox fault, asked for with
//! `[sandbox] faults = [..]`, makes the run report the right check with the
//! right status (Fail: the deployment is wrong; Error: the harness could not
//! find out) and a message naming the fault — no panic, no hang, and the
//! run ends within its expected time bound. Runs go four at a time to keep
//! the wall time low; each is bounded by `RunnerOptions.deadline`.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use wsconform::Filters;
use wsconform::RunnerOptions;
use wsconform::outcome::Status;
use wsconform::run::{RunOptions, SuiteSource, run};
use wsconform_sandbox::faults::NAMES;
use wsconform_sandbox::model::Layout;
use wsconform_sandbox::suite_for_layout;

/// The suite's check timeout and `[roundtrip] timeout`.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);
/// Start-up, teardown and scheduling on a loaded machine.
const SLACK: Duration = Duration::from_secs(1);
/// Runs at once.
const BATCH: usize = 4;

struct Case {
    fault: &'static str,
    layout: Layout,
    /// Checks that must not pass: id (a trailing `*` matches a prefix), the
    /// statuses allowed, and words of which the message contains at least one.
    expect: &'static [(&'static str, &'static [Status], &'static [&'static str])],
    /// Check timeouts on the critical path (0: the fault is answered at once).
    timeouts: u32,
    /// Checks whose message must also name the phase of the connection that
    /// failed or timed out (`dns.resolves`, `tls.certificate`, the execute-api
    /// door probe, `e2e.connect`): id and words.
    phase: &'static [(&'static str, &'static str)],
}

use Status::{Error, Fail};

const FAIL: &[Status] = &[Fail];
const ERROR: &[Status] = &[Error];
/// The check's own time limit and the runner's are both the suite's 2 s: either may end it first.
const EITHER: &[Status] = &[Fail, Error];

const TIMED_OUT: &[&str] = &["timed out"];
const CONTROL_PLANE: &[&str] = &[
    "dns.alias-target",
    "route53.alias",
    "acm.certificate",
    "cloudfront.*",
    "apigw.api",
    "apigw.routes",
    "apigw.stage",
    "apigw.domain",
    "apigw.mapping",
    // What lies behind the route: GetRoutes, GetIntegrations, GetAuthorizer, Lambda.
    "apigw.integrations",
    "apigw.authorizer",
    // Its live probe's 403 proves the door closed only with `$connect`'s authorization known (GetRoutes).
    "apigw.execute-api-disabled",
];

const CASES: &[Case] = &[
    Case {
        fault: "dns-silent",
        layout: Layout::B,
        expect: &[
            ("dns.resolves", ERROR, TIMED_OUT),
            ("tls.certificate", ERROR, TIMED_OUT),
            ("apigw.execute-api-disabled", ERROR, TIMED_OUT),
            ("e2e.connect", ERROR, TIMED_OUT),
        ],
        timeouts: 1,
        phase: &[
            ("dns.resolves", "timed out resolving ws.example.com through 127.0.0.1:"),
            ("tls.certificate", "timed out in the DNS lookup"),
            ("apigw.execute-api-disabled", "timed out in the DNS lookup"),
            ("e2e.connect", "timed out in the DNS lookup"),
        ],
    },
    Case {
        fault: "dns-slow",
        layout: Layout::B,
        expect: &[
            ("dns.resolves", ERROR, TIMED_OUT),
            ("tls.certificate", ERROR, TIMED_OUT),
            ("apigw.execute-api-disabled", ERROR, TIMED_OUT),
            ("e2e.connect", ERROR, TIMED_OUT),
        ],
        timeouts: 1,
        phase: &[
            ("dns.resolves", "timed out resolving ws.example.com through 127.0.0.1:"),
            ("tls.certificate", "timed out in the DNS lookup"),
            ("apigw.execute-api-disabled", "timed out in the DNS lookup"),
            ("e2e.connect", "timed out in the DNS lookup"),
        ],
    },
    Case {
        fault: "dns-servfail",
        layout: Layout::B,
        expect: &[
            ("dns.resolves", FAIL, &["SERVFAIL"]),
            ("tls.certificate", ERROR, &["SERVFAIL"]),
            ("e2e.connect", ERROR, &["SERVFAIL"]),
        ],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "dns-nxdomain",
        layout: Layout::B,
        expect: &[
            ("dns.resolves", FAIL, &["NXDOMAIN"]),
            ("tls.certificate", ERROR, &["NXDOMAIN"]),
            ("e2e.connect", ERROR, &["NXDOMAIN"]),
        ],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "tcp-refused",
        layout: Layout::B,
        expect: &[("tls.certificate", ERROR, &["Connection refused"]), ("e2e.connect", ERROR, &["Connection refused"])],
        timeouts: 0,
        phase: &[("tls.certificate", "TCP connect to"), ("e2e.connect", "TCP connect to")],
    },
    Case {
        fault: "tcp-reset",
        layout: Layout::B,
        expect: &[("tls.certificate", FAIL, &["reset"]), ("e2e.connect", FAIL, &["reset"])],
        timeouts: 0,
        phase: &[("tls.certificate", "TLS handshake with"), ("e2e.connect", "TLS handshake with")],
    },
    Case {
        fault: "tcp-reset",
        layout: Layout::C,
        // Layout C's front is the gateway, which the execute-api probe reaches too.
        expect: &[
            ("tls.certificate", FAIL, &["reset"]),
            ("apigw.execute-api-disabled", ERROR, &["reset"]),
            ("e2e.connect", FAIL, &["reset"]),
        ],
        timeouts: 0,
        phase: &[("tls.certificate", "TLS handshake with"), ("e2e.connect", "TLS handshake with")],
    },
    Case {
        fault: "tls-stall",
        layout: Layout::B,
        expect: &[("tls.certificate", ERROR, TIMED_OUT), ("e2e.connect", ERROR, TIMED_OUT)],
        timeouts: 1,
        phase: &[
            ("tls.certificate", "timed out in the TLS handshake with"),
            ("e2e.connect", "timed out in the TLS handshake with"),
        ],
    },
    Case {
        fault: "gateway-silent",
        layout: Layout::B,
        // tls.certificate also knocks on the gateway (the custom domain's regional target).
        expect: &[
            ("tls.certificate", ERROR, TIMED_OUT),
            ("apigw.execute-api-disabled", ERROR, TIMED_OUT),
            ("e2e.connect", ERROR, TIMED_OUT),
        ],
        timeouts: 1,
        phase: &[
            ("tls.certificate", "timed out in the TLS handshake with"),
            ("apigw.execute-api-disabled", "timed out in the TLS handshake with"),
            ("e2e.connect", "timed out in the upgrade with"),
        ],
    },
    Case {
        fault: "upgrade-500",
        layout: Layout::B,
        expect: &[("e2e.connect", FAIL, &["HTTP 500"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "upgrade-502",
        layout: Layout::B,
        expect: &[("e2e.connect", FAIL, &["HTTP 502"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "upgrade-502",
        layout: Layout::C,
        expect: &[("e2e.connect", FAIL, &["HTTP 502"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "upgrade-403",
        layout: Layout::B,
        expect: &[("e2e.connect", FAIL, &["HTTP 403"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "bad-accept",
        layout: Layout::B,
        expect: &[("e2e.connect", FAIL, &["Sec-WebSocket-Accept"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "bad-accept",
        layout: Layout::C,
        expect: &[("e2e.connect", FAIL, &["Sec-WebSocket-Accept"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "drop-after-upgrade",
        layout: Layout::B,
        expect: &[("e2e.echo", FAIL, &["close_notify", "closed"]), ("e2e.keepalive", FAIL, &["no pong"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "silent-after-upgrade",
        layout: Layout::B,
        // The echo waits out its time limit, then the keepalive (after it) waits out its own.
        expect: &[
            ("e2e.echo", EITHER, &["no matching reply within 2s", "timed out"]),
            ("e2e.keepalive", EITHER, &["no matching frame before the timeout", "timed out"]),
        ],
        timeouts: 2,
        phase: &[],
    },
    Case {
        fault: "drop-mid-echo",
        layout: Layout::B,
        expect: &[("e2e.echo", FAIL, &["close_notify", "closed"]), ("e2e.keepalive", FAIL, &["closed"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "huge-frame",
        layout: Layout::B,
        expect: &[("e2e.echo", FAIL, &["Message too long"]), ("e2e.keepalive", FAIL, &["closed"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "control-plane-5xx",
        layout: Layout::B,
        expect: &[("*control-plane", ERROR, &["InternalFailure"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "control-plane-throttle",
        layout: Layout::B,
        expect: &[("*control-plane", ERROR, &["Throttling", "TooManyRequests"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "control-plane-slow",
        layout: Layout::B,
        expect: &[("*control-plane", ERROR, TIMED_OUT)],
        // The checks time out; the discovery summary makes no call of its own.
        timeouts: 1,
        phase: &[],
    },
    Case {
        fault: "cloudfront-deploying",
        layout: Layout::B,
        // Without --wait the first answer stands (tests/it/wait.rs waits it out).
        expect: &[("cloudfront.distribution", FAIL, &["InProgress"])],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "regional-cert-expired",
        layout: Layout::B,
        expect: &[
            ("tls.certificate", FAIL, &["at the regional target", "expired"]),
            ("e2e.post", FAIL, &["certificate expired"]),
            ("e2e.connection-info", FAIL, &["certificate expired"]),
            ("e2e.disconnect", FAIL, &["certificate expired"]),
        ],
        timeouts: 0,
        phase: &[],
    },
    Case {
        fault: "mgmt-bad-signature",
        layout: Layout::B,
        expect: &[
            ("e2e.post", FAIL, &["SignatureDoesNotMatch"]),
            ("e2e.connection-info", FAIL, &["SignatureDoesNotMatch"]),
            ("e2e.disconnect", FAIL, &["HTTP 403"]),
        ],
        timeouts: 0,
        phase: &[],
    },
];

fn suite(layout: Layout, faults: &[&str]) -> SuiteSource {
    let names: Vec<String> = faults.iter().map(|f| format!("\"{f}\"")).collect();
    // The sandbox's own suite ends with its `[sandbox]` table: the faults go in it.
    // e2e.limits (its own connection) stays off: each case is about the faulty hop.
    let base = suite_for_layout(layout).replace("limits = true\n", "limits = false\ntimeout = \"2s\"\n");
    let text = format!("timeout = \"2s\"\n{base}faults = [{}]\n\n[dns]\ntimeout = \"1s\"\n", names.join(", "));
    SuiteSource::Text { name: format!("<faults {} on {}>", faults.join(","), layout.name()), text }
}

async fn run_faults(layout: Layout, faults: &[&str], deadline: Duration) -> (wsconform::RunSummary, Duration) {
    run_faults_filtered(layout, faults, deadline, Filters::default()).await
}

async fn run_faults_filtered(
    layout: Layout,
    faults: &[&str],
    deadline: Duration,
    filters: Filters,
) -> (wsconform::RunSummary, Duration) {
    let t = Instant::now();
    let summary = run(RunOptions {
        suites: vec![suite(layout, faults)],
        filters,
        runner: RunnerOptions { deadline: Some(deadline), ..RunnerOptions::default() },
        sandbox: None,
        emulator: Some(wsconform_cli::emulator::InProcess::shared()),
        reporters: vec![],
    })
    .await
    .unwrap_or_else(|e| panic!("{faults:?}: {e}"));
    (summary, t.elapsed())
}

fn matches(pattern: &str, id: &str) -> bool {
    if pattern == "*control-plane" {
        return CONTROL_PLANE.iter().any(|p| matches(p, id));
    }
    match pattern.strip_suffix('*') {
        Some(prefix) => id.starts_with(prefix),
        None => pattern == id,
    }
}

/// What is wrong with one run, if anything.
fn judge(case: &Case, summary: &wsconform::RunSummary, took: Duration) -> Vec<String> {
    let who = format!("{} (layout {})", case.fault, case.layout.name());
    let mut problems = Vec::new();
    let bound = CHECK_TIMEOUT * case.timeouts + SLACK;
    if took > bound {
        problems.push(format!("{who}: took {took:?}, bound {bound:?}"));
    }
    let reports = &summary.results[0].reports;
    let mut seen = BTreeSet::new();
    for r in reports {
        let msg = r.outcome.verdict.message();
        if msg.contains("panic") {
            problems.push(format!("{who}: {} panicked: {msg}", r.id));
        }
        let status = r.outcome.status();
        if !matches!(status, Fail | Error) {
            continue;
        }
        let Some(&(pattern, want, words)) = case.expect.iter().find(|(p, _, _)| matches(p, &r.id)) else {
            problems.push(format!("{who}: {} is {status} but not expected to fail: {msg}", r.id));
            continue;
        };
        seen.insert(pattern);
        if !want.contains(&status) {
            problems.push(format!("{who}: {} is {status}, want {want:?}: {msg}", r.id));
        }
        if !words.iter().any(|w| msg.contains(w)) {
            problems.push(format!("{who}: {} message names none of {words:?}: {msg}", r.id));
        }
        for &(_, phase) in case.phase.iter().filter(|(id, _)| *id == r.id) {
            if !msg.contains(phase) {
                problems.push(format!("{who}: {} message does not name the phase `{phase}`: {msg}", r.id));
            }
        }
    }
    for (pattern, _, _) in case.expect {
        if !seen.contains(pattern) {
            problems.push(format!("{who}: {pattern} did not fail"));
        }
    }
    problems
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_is_reported_by_the_right_check_in_time() {
    wsconform::install_crypto_provider();
    for name in NAMES {
        assert!(CASES.iter().any(|c| c.fault == name), "fault {name} has no case");
    }
    let mut problems = Vec::new();
    for batch in CASES.chunks(BATCH) {
        let runs = batch.iter().map(|case| async move {
            let deadline = CHECK_TIMEOUT * (case.timeouts + 2);
            let (summary, took) = run_faults(case.layout, &[case.fault], deadline).await;
            judge(case, &summary, took)
        });
        problems.extend(futures_util::future::join_all(runs).await.into_iter().flatten());
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn faults_combine_in_one_run() {
    wsconform::install_crypto_provider();
    let (summary, took) = run_faults(Layout::B, &["dns-servfail", "control-plane-5xx"], CHECK_TIMEOUT * 2).await;
    let case = Case {
        fault: "dns-servfail,control-plane-5xx",
        layout: Layout::B,
        expect: &[
            ("dns.resolves", FAIL, &["SERVFAIL"]),
            ("tls.certificate", ERROR, &["SERVFAIL"]),
            ("e2e.connect", ERROR, &["SERVFAIL"]),
            ("*control-plane", ERROR, &["InternalFailure"]),
        ],
        timeouts: 0,
        phase: &[],
    };
    let problems = judge(&case, &summary, took);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

// AWS: CloudFront Developer Guide, "Request and response behavior for custom origins" — CloudFront sets `Via: http-version alphanumeric-string.cloudfront.net (CloudFront)` in its responses to viewers; a layout c suite (`[custom_domain]`, no `[cloudfront]`) whose upgrade answers 502 without those headers is API Gateway's, even when no control-plane check runs to read the route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_layout_c_502_never_blames_cloudfront_without_the_control_plane() {
    wsconform::install_crypto_provider();
    let only = Filters { only: vec!["e2e.connect".into()], skip: vec![] };
    let (summary, _) = run_faults_filtered(Layout::C, &["upgrade-502"], CHECK_TIMEOUT * 2, only).await;
    let reports = &summary.results[0].reports;
    assert!(reports.iter().all(|r| r.id == "e2e.connect"), "{:?}", reports.iter().map(|r| &r.id).collect::<Vec<_>>());
    let o = &reports.iter().find(|r| r.id == "e2e.connect").expect("e2e.connect ran").outcome;
    let said = format!("{} / {}", o.verdict.message(), o.verdict.hint().unwrap_or_default());
    assert_eq!(o.status(), Fail, "{said}");
    assert!(said.contains("HTTP 502 from API Gateway") && said.contains("the $connect integration failed"), "{said}");
    assert!(!said.contains("CloudFront"), "{said}");
}

/// The check timeout and `[roundtrip] timeout` for the scenarios whose
/// answer the checks read: an answer must end the wait far sooner.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(5);

/// A scenario whose failure is *answered* (by API Gateway on the socket or by
/// `@connections`): the checks that must not pass, each check's own time
/// bound (well under [`ANSWER_TIMEOUT`]), whether the verdicts are retryable,
/// and the evidence a passing check must show.
struct Answered {
    scenario: &'static str,
    expect: &'static [(&'static str, &'static [Status], &'static [&'static str])],
    bounds: &'static [(&'static str, Duration)],
    retryable: bool,
    evidence: &'static [(&'static str, &'static str)],
}

const THROTTLED: &[&str] = &["throttled", "LimitExceededException"];

const ANSWERED: &[Answered] = &[
    Answered {
        scenario: "no-default-route",
        expect: &[
            ("apigw.routes", FAIL, &["$default"]),
            ("e2e.echo", FAIL, &["no route for the message: API Gateway answered {\"message\": \"Forbidden\"}"]),
        ],
        bounds: &[("e2e.echo", Duration::from_secs(1))],
        retryable: false,
        evidence: &[("e2e.echo", "request_id")],
    },
    Answered {
        scenario: "integration-error",
        expect: &[(
            "e2e.echo",
            FAIL,
            &["the integration failed: API Gateway answered {\"message\": \"Internal server error\"}"],
        )],
        bounds: &[("e2e.echo", Duration::from_secs(1))],
        retryable: false,
        evidence: &[("e2e.echo", "reply")],
    },
    Answered {
        scenario: "mgmt-throttled",
        // Retried (3 calls, each with the SDK's 3 attempts), then reported as throttling, not as the endpoint.
        expect: &[
            ("e2e.post", FAIL, THROTTLED),
            ("e2e.connection-info", FAIL, THROTTLED),
            ("e2e.disconnect", FAIL, THROTTLED),
        ],
        bounds: &[
            ("e2e.post", Duration::from_secs(2)),
            ("e2e.connection-info", Duration::from_secs(2)),
            ("e2e.disconnect", Duration::from_secs(2)),
        ],
        retryable: true,
        evidence: &[("e2e.post", "throttled_calls")],
    },
    Answered {
        scenario: "delete-response-lost",
        // The delete worked; its answer was lost; the retry's 410 Gone proves it: a pass.
        expect: &[],
        bounds: &[("e2e.disconnect", Duration::from_secs(2))],
        retryable: false,
        evidence: &[("e2e.disconnect", "first_delete"), ("e2e.disconnect", "delete")],
    },
];

fn scenario_suite(layout: Layout, scenario: &str) -> SuiteSource {
    let base = suite_for_layout(layout)
        .replace("limits = true\n", "limits = false\ntimeout = \"5s\"\n")
        .replace("scenario = \"good\"", &format!("scenario = \"{scenario}\""));
    assert!(base.contains(scenario), "the sandbox suite names its scenario");
    let text = format!("timeout = \"5s\"\n{base}\n[dns]\ntimeout = \"1s\"\n");
    SuiteSource::Text { name: format!("<scenario {scenario} on {}>", layout.name()), text }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_failures_end_the_wait_and_name_the_answer() {
    wsconform::install_crypto_provider();
    let mut problems = Vec::new();
    for a in ANSWERED {
        let t = Instant::now();
        let summary = run(RunOptions {
            suites: vec![scenario_suite(Layout::B, a.scenario)],
            filters: Filters::default(),
            runner: RunnerOptions { deadline: Some(ANSWER_TIMEOUT * 3), ..RunnerOptions::default() },
            sandbox: None,
            emulator: Some(wsconform_cli::emulator::InProcess::shared()),
            reporters: vec![],
        })
        .await
        .unwrap_or_else(|e| panic!("{}: {e}", a.scenario));
        let took = t.elapsed();
        let case = Case { fault: a.scenario, layout: Layout::B, expect: a.expect, timeouts: 0, phase: &[] };
        // The run's own bound is the checks' below: judge the verdicts only.
        problems.extend(judge(&case, &summary, Duration::ZERO));
        let reports = &summary.results[0].reports;
        for &(id, bound) in a.bounds {
            match reports.iter().find(|r| r.id == id) {
                Some(r) if r.duration >= bound => {
                    problems.push(format!("{}: {id} took {:?}, bound {bound:?}", a.scenario, r.duration))
                }
                Some(_) => {}
                None => problems.push(format!("{}: {id} did not run", a.scenario)),
            }
        }
        for r in reports.iter().filter(|r| r.outcome.status() == Fail) {
            if r.outcome.retryable != a.retryable {
                problems.push(format!("{}: {} retryable is {}", a.scenario, r.id, r.outcome.retryable));
            }
        }
        for &(id, key) in a.evidence {
            let has = reports.iter().find(|r| r.id == id).is_some_and(|r| r.outcome.evidence.get(key).is_some());
            if !has {
                problems.push(format!("{}: {id} has no `{key}` evidence", a.scenario));
            }
        }
        let slowest = a.bounds.iter().map(|(_, b)| *b).sum::<Duration>() + SLACK * 2;
        if took > slowest {
            problems.push(format!("{}: the run took {took:?}, bound {slowest:?}", a.scenario));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Peak resident set of this process (Linux), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Set in the child process that runs `huge_frame_alone` by itself.
const ALONE: &str = "WSCONFORM_IT_ALONE";

/// The peak resident set is the process's, and in this binary other modules'
/// tests run beside this one: the measurement runs in a child process of
/// this test binary that runs nothing else.
#[test]
fn huge_frame_is_refused_without_allocating_it() {
    let out = std::process::Command::new(std::env::current_exe().expect("the test binary"))
        .args(["--exact", "fault_matrix::huge_frame_alone", "--include-ignored", "--test-threads=1", "--nocapture"])
        .env(ALONE, "1")
        .output()
        .expect("the test binary runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "huge_frame_alone failed:\n{stdout}\n{stderr}");
    assert!(stdout.contains("test result: ok. 1 passed"), "huge_frame_alone did not run:\n{stdout}\n{stderr}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "measures the process: run alone by huge_frame_is_refused_without_allocating_it"]
async fn huge_frame_alone() {
    if std::env::var_os(ALONE).is_none() {
        eprintln!("huge_frame_alone measures the process: huge_frame_is_refused_without_allocating_it runs it alone");
        return;
    }
    wsconform::install_crypto_provider();
    // A run without the fault first: the high-water mark then holds what any run needs (the
    // sandbox, every check's clients — 32 MiB and growing with the catalog), and the growth
    // measured next is the frame's.
    let _ = run_faults(Layout::B, &[], CHECK_TIMEOUT * 2).await;
    let before = peak_rss_kib();
    let (summary, took) = run_faults(Layout::B, &["huge-frame"], CHECK_TIMEOUT * 2).await;
    let after = peak_rss_kib();
    let echo = summary.results[0].reports.iter().find(|r| r.id == "e2e.echo").expect("e2e.echo ran");
    assert_eq!(echo.outcome.status(), Fail, "{}", echo.outcome.verdict.message());
    // The client's cap (1 MiB message, 256 KiB frame) refuses the 64 MiB header.
    assert!(echo.outcome.verdict.message().contains("67108864 > 262144"), "{}", echo.outcome.verdict.message());
    assert!(took < CHECK_TIMEOUT + SLACK, "took {took:?}");
    if let (Some(b), Some(a)) = (before, after) {
        // Far below the 64 MiB the frame announces (the sandbox streams 4 MiB of it at most).
        assert!(a.saturating_sub(b) < 32 * 1024, "peak RSS grew by {} KiB", a - b);
    }
}
