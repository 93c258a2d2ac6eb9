//! `--metrics PATH`: the run as Prometheus gauges in the text exposition
//! format, for node_exporter's textfile collector (written atomically, so the
//! collector never scrapes half a file). Each family is written once with all
//! its samples; a repeated label set is dropped because the collector rejects
//! the whole file on duplicates.

use std::collections::HashSet;
use std::fmt::Write as _;
use std::path::PathBuf;

use super::{Reporter, write_atomically};
use crate::events::{Event, SuiteResult};
use crate::ids;
use crate::outcome::Status;
use crate::stats::phase_timings;

/// Escapes a label value: `\` → `\\`, `"` → `\"`, newline → `\n`.
pub fn escape_label(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: shortest exact decimal, never exponent notation.
fn value(v: f64) -> String {
    if v.is_finite() { format!("{v}") } else { "NaN".to_owned() }
}

struct Family {
    name: &'static str,
    help: &'static str,
    samples: Vec<(String, f64)>,
    seen: HashSet<String>,
}

impl Family {
    fn new(name: &'static str, help: &'static str) -> Self {
        Self { name, help, samples: vec![], seen: HashSet::new() }
    }

    fn add(&mut self, labels: &[(&str, &str)], v: f64) {
        let labels = labels.iter().map(|(k, v)| format!("{k}=\"{}\"", escape_label(v))).collect::<Vec<_>>().join(",");
        if self.seen.insert(labels.clone()) {
            self.samples.push((labels, v));
        }
    }

    fn write(&self, out: &mut String) {
        if self.samples.is_empty() {
            return;
        }
        let _ = writeln!(out, "# HELP {} {}", self.name, self.help);
        let _ = writeln!(out, "# TYPE {} gauge", self.name);
        for (labels, v) in &self.samples {
            let _ = writeln!(out, "{}{{{labels}}} {}", self.name, value(*v));
        }
    }
}

/// The host a suite's certificate was checked for: evidence `host`, else the URL's host.
fn cert_host(suite: &SuiteResult, evidence_host: Option<&str>) -> Option<String> {
    evidence_host.map(str::to_owned).or_else(|| url::Url::parse(&suite.header.url).ok()?.host_str().map(str::to_owned))
}

/// The exposition text for a finished run.
pub fn render(results: &[SuiteResult]) -> String {
    let mut run_ts = Family::new("wsconform_run_timestamp_seconds", "When the suite's last run started (unix time).");
    let mut suite_ok = Family::new("wsconform_suite_success", "Whether no check of the suite failed or errored.");
    let mut check_ok =
        Family::new("wsconform_check_success", "Whether the check passed (1); fail, error and skip are 0.");
    let mut check_s = Family::new("wsconform_check_duration_seconds", "Wall time of the check, retries included.");
    let mut phase_s = Family::new("wsconform_phase_seconds", "Duration of a connection phase measured by the check.");
    let mut days = Family::new("wsconform_certificate_days_left", "Whole days until the served certificate expires.");
    for s in results {
        let suite = s.header.name.as_str();
        run_ts.add(&[("suite", suite)], s.started_at.timestamp_millis() as f64 / 1e3);
        suite_ok.add(&[("suite", suite)], f64::from(u8::from(s.succeeded())));
        for r in &s.reports {
            let labels = [("suite", suite), ("check", r.id.as_str())];
            check_ok.add(&labels, f64::from(u8::from(r.outcome.status() == Status::Pass)));
            check_s.add(&labels, r.duration.as_secs_f64());
            for (phase, ms) in phase_timings(&r.outcome.evidence) {
                phase_s.add(&[("suite", suite), ("check", r.id.as_str()), ("phase", phase)], ms / 1e3);
            }
            if r.id == ids::TLS_CERTIFICATE {
                let ev = &r.outcome.evidence;
                let left = ev.measurements().certificate.map(|c| c.days_left as f64);
                if let (Some(left), Some(host)) = (left, cert_host(s, ev.get("host"))) {
                    days.add(&[("suite", suite), ("host", &host)], left);
                }
            }
        }
    }
    let mut out = String::new();
    for f in [&run_ts, &suite_ok, &check_ok, &check_s, &phase_s, &days] {
        f.write(&mut out);
    }
    out
}

pub struct MetricsReporter {
    path: PathBuf,
}

impl MetricsReporter {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl Reporter for MetricsReporter {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        match event {
            Event::RunFinished { results, .. } => write_atomically(&self.path, render(results).as_bytes()),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::outcome::{Evidence, Outcome};
    use crate::stats::tests::{check, suite};

    fn run() -> Vec<SuiteResult> {
        vec![suite(
            "chat",
            vec![
                check(
                    ids::TLS_CERTIFICATE,
                    Outcome::pass("ok").with_evidence(
                        Evidence::new().with_certificate_expiry(1_798_628_800, 42).with("issuer", "CN=x"),
                    ),
                    4,
                ),
                check(
                    ids::E2E_CONNECT,
                    Outcome::pass("ok").with_evidence(
                        Evidence::new()
                            .with_timing("dns", Duration::from_micros(1500))
                            .with_timing("tls", Duration::from_millis(20)),
                    ),
                    1250,
                ),
                check(
                    ids::E2E_ECHO,
                    Outcome::fail("no echo", "route")
                        .with_evidence(Evidence::new().with_timing("rtt", Duration::from_micros(12_500))),
                    9,
                ),
            ],
        )]
    }

    #[test]
    fn exposition_text_for_a_small_run() {
        let expected = r#"# HELP wsconform_run_timestamp_seconds When the suite's last run started (unix time).
# TYPE wsconform_run_timestamp_seconds gauge
wsconform_run_timestamp_seconds{suite="chat"} 1795000000
# HELP wsconform_suite_success Whether no check of the suite failed or errored.
# TYPE wsconform_suite_success gauge
wsconform_suite_success{suite="chat"} 0
# HELP wsconform_check_success Whether the check passed (1); fail, error and skip are 0.
# TYPE wsconform_check_success gauge
wsconform_check_success{suite="chat",check="tls.certificate"} 1
wsconform_check_success{suite="chat",check="e2e.connect"} 1
wsconform_check_success{suite="chat",check="e2e.echo"} 0
# HELP wsconform_check_duration_seconds Wall time of the check, retries included.
# TYPE wsconform_check_duration_seconds gauge
wsconform_check_duration_seconds{suite="chat",check="tls.certificate"} 0.004
wsconform_check_duration_seconds{suite="chat",check="e2e.connect"} 1.25
wsconform_check_duration_seconds{suite="chat",check="e2e.echo"} 0.009
# HELP wsconform_phase_seconds Duration of a connection phase measured by the check.
# TYPE wsconform_phase_seconds gauge
wsconform_phase_seconds{suite="chat",check="e2e.connect",phase="dns"} 0.0015
wsconform_phase_seconds{suite="chat",check="e2e.connect",phase="tls"} 0.02
wsconform_phase_seconds{suite="chat",check="e2e.echo",phase="rtt"} 0.0125
# HELP wsconform_certificate_days_left Whole days until the served certificate expires.
# TYPE wsconform_certificate_days_left gauge
wsconform_certificate_days_left{suite="chat",host="ws.example.com"} 42
"#;
        assert_eq!(render(&run()), expected);
    }

    #[test]
    fn labels_are_escaped_and_duplicates_dropped() {
        assert_eq!(escape_label("a\\b\"c\nd"), r#"a\\b\"c\nd"#);
        let mut s = run();
        s[0].header.name = "x\"}\n".into();
        s[0].reports[0].outcome.evidence.set("host", "h\\1");
        // The same suite twice would be a duplicate series.
        s.push(s[0].clone());
        let text = render(&s);
        assert!(text.contains(r#"wsconform_suite_success{suite="x\"}\n"} 0"#), "{text}");
        assert!(text.contains(r#"wsconform_certificate_days_left{suite="x\"}\n",host="h\\1"} 42"#), "{text}");
        assert_eq!(text.matches("wsconform_suite_success{").count(), 1);
        assert!(text.lines().all(|l| !l.is_empty()), "no raw newline inside a sample");
    }

    #[test]
    fn no_certificate_no_days_left() {
        let mut s = run();
        s[0].reports.remove(0);
        s[0].header.url = "not a url".into();
        let text = render(&s);
        assert!(!text.contains("days_left"));
        assert!(render(&[]).is_empty());
    }

    #[test]
    fn the_reporter_writes_at_run_finished() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wsconform.prom");
        let mut r = MetricsReporter::new(&path);
        r.on_event(&Event::RunStarted { suites: vec![] }).unwrap();
        assert!(!path.exists());
        r.on_event(&Event::RunFinished { results: run(), duration: Duration::from_secs(1), interrupted: false })
            .unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), render(&run()));
    }
}
