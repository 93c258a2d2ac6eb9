//! `--history PATH`: one JSON line per run appended to a file (JSON Lines),
//! the input of the HTML report and of trend monitoring. Only numbers and
//! verdict messages are kept; messages are already redacted by the runner.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Reporter;
use crate::events::{Event, SuiteResult};
use crate::outcome::{CheckReport, Status};
use crate::stats::phase_timings;

/// One run: every suite it ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// RFC 3339, when the run started (the earliest suite start).
    pub timestamp: String,
    pub duration_ms: u64,
    #[serde(default)]
    pub interrupted: bool,
    pub suites: Vec<HistorySuite>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistorySuite {
    pub name: String,
    pub url: String,
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
    pub duration_ms: u64,
    pub checks: Vec<HistoryCheck>,
}

impl HistorySuite {
    /// No check failed or errored (as `SuiteResult::succeeded`).
    pub fn succeeded(&self) -> bool {
        self.failed == 0 && self.errored == 0
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryCheck {
    pub id: String,
    /// `pass`, `fail`, `error` or `skip`.
    pub status: String,
    pub duration_ms: u64,
    /// The verdict's message, kept only for failures and errors.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// Numeric evidence: `timing.*_ms`, `rtt_ms`, `days_left`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub values: BTreeMap<String, f64>,
}

fn history_check(r: &CheckReport) -> HistoryCheck {
    let status = r.outcome.status();
    let measured = r.outcome.evidence.measurements();
    let mut values: BTreeMap<String, f64> =
        phase_timings(&r.outcome.evidence).into_iter().map(|(phase, ms)| (format!("timing.{phase}_ms"), ms)).collect();
    if let Some(c) = measured.certificate {
        values.insert("days_left".into(), c.days_left as f64);
    }
    HistoryCheck {
        id: r.id.as_str().to_owned(),
        status: status.as_str().to_owned(),
        duration_ms: r.duration.as_millis() as u64,
        message: matches!(status, Status::Fail | Status::Error).then(|| r.outcome.verdict.message().to_owned()),
        values,
    }
}

fn history_suite(s: &SuiteResult) -> HistorySuite {
    HistorySuite {
        name: s.header.name.clone(),
        url: s.header.url.clone(),
        passed: s.count(Status::Pass),
        failed: s.count(Status::Fail),
        errored: s.count(Status::Error),
        skipped: s.count(Status::Skip),
        duration_ms: s.duration.as_millis() as u64,
        checks: s.reports.iter().map(history_check).collect(),
    }
}

/// The history record of a finished run; `fallback_time` stamps a run without suites.
pub fn history_line(
    results: &[SuiteResult],
    duration: Duration,
    interrupted: bool,
    fallback_time: chrono::DateTime<chrono::Utc>,
) -> HistoryLine {
    let started = results.iter().map(|s| s.started_at).min().unwrap_or(fallback_time);
    HistoryLine {
        timestamp: started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        duration_ms: duration.as_millis() as u64,
        interrupted,
        suites: results.iter().map(history_suite).collect(),
    }
}

/// Appends `line` as one JSON line. The whole line goes to the kernel in one
/// `write` on an `O_APPEND` descriptor, so concurrent runs (cron overlapping
/// a manual run) never interleave within a line.
pub fn append_line(path: &Path, line: &HistoryLine) -> super::Result<()> {
    let mut bytes = serde_json::to_vec(line)?;
    bytes.push(b'\n');
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(super::Error::file("create", dir))?;
    }
    let mut file =
        std::fs::OpenOptions::new().create(true).append(true).open(path).map_err(super::Error::file("open", path))?;
    file.write_all(&bytes).map_err(super::Error::file("append to", path))?;
    Ok(())
}

/// A history file's runs plus how many lines could not be read (a run
/// killed mid-write, a hand edit); blank lines are not counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    pub lines: Vec<HistoryLine>,
    pub malformed: usize,
}

pub fn parse_history(text: &str) -> History {
    let mut h = History::default();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        match serde_json::from_str::<HistoryLine>(line) {
            Ok(l) => h.lines.push(l),
            Err(_) => h.malformed += 1,
        }
    }
    h
}

/// Reads a history file, skipping and counting malformed lines.
pub fn read_history_counted(path: &Path) -> super::Result<History> {
    let bytes = std::fs::read(path).map_err(super::Error::file("read", path))?;
    Ok(parse_history(&String::from_utf8_lossy(&bytes)))
}

/// Reads a history file's runs, oldest first; malformed lines are skipped.
pub fn read_history(path: &Path) -> super::Result<Vec<HistoryLine>> {
    Ok(read_history_counted(path)?.lines)
}

pub struct HistoryReporter {
    path: PathBuf,
}

impl HistoryReporter {
    pub fn new(path: impl Into<PathBuf>) -> Self {
        Self { path: path.into() }
    }
}

impl Reporter for HistoryReporter {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        if let Event::RunFinished { results, duration, interrupted } = event {
            append_line(&self.path, &history_line(results, *duration, *interrupted, chrono::Utc::now()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;
    use crate::outcome::{Evidence, Outcome};
    use crate::stats::tests::{check, suite};

    fn run() -> Vec<SuiteResult> {
        vec![suite(
            "chat",
            vec![
                check(
                    ids::TLS_CERTIFICATE,
                    Outcome::pass("ok").with_evidence(
                        Evidence::new()
                            .with_certificate_expiry(1_798_628_800, 42)
                            .with("issuer", "CN=x")
                            .with_timing("tls", Duration::from_micros(3500)),
                    ),
                    4,
                ),
                check(ids::E2E_ECHO, Outcome::fail("no echo", "check the route").evidence("timing.rtt_ms", "bad"), 9),
                check(ids::E2E_CONNECT, Outcome::skip("no"), 0),
            ],
        )]
    }

    fn finished() -> Event {
        Event::RunFinished { results: run(), duration: Duration::from_millis(1234), interrupted: false }
    }

    #[test]
    fn a_line_keeps_counts_numbers_and_failure_messages() {
        let l = history_line(&run(), Duration::from_millis(1234), false, chrono::Utc::now());
        assert_eq!(l.timestamp, "2026-11-18T11:06:40.000Z");
        assert_eq!(l.duration_ms, 1234);
        let s = &l.suites[0];
        assert_eq!((s.passed, s.failed, s.errored, s.skipped, s.duration_ms), (1, 1, 0, 1, 1500));
        assert!(!s.succeeded());
        let cert = &s.checks[0];
        assert_eq!(cert.values, BTreeMap::from([("days_left".into(), 42.0), ("timing.tls_ms".into(), 3.5)]));
        assert_eq!(cert.message, None, "no message for passes");
        assert_eq!(s.checks[1].message.as_deref(), Some("no echo"));
        assert!(s.checks[1].values.is_empty(), "text evidence is not a measurement");
    }

    #[test]
    fn appends_lines_and_skips_malformed_ones() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/history.jsonl");
        let mut r = HistoryReporter::new(&path);
        r.on_event(&finished()).unwrap();
        r.on_event(&Event::CheckStarted { suite: 0, id: ids::DNS_RESOLVES }).unwrap();
        r.on_event(&finished()).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        assert_eq!(read_history(&path).unwrap().len(), 2);

        // A run killed mid-write leaves half a line; the next run appends after it.
        let mut f = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(b"{\"timestamp\":\"2026-\n\n").unwrap();
        r.on_event(&finished()).unwrap();
        let h = read_history_counted(&path).unwrap();
        assert_eq!((h.lines.len(), h.malformed), (3, 1));
        assert_eq!(h.lines[2].suites[0].checks[0].values.get("days_left"), Some(&42.0));
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        assert!(read_history(&dir.path().join("none.jsonl")).is_err());
    }

    #[test]
    fn concurrent_appends_do_not_interleave() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("h.jsonl");
        let line = history_line(&run(), Duration::from_millis(1), false, chrono::Utc::now());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    for _ in 0..25 {
                        append_line(&path, &line).unwrap();
                    }
                });
            }
        });
        let h = read_history_counted(&path).unwrap();
        assert_eq!((h.lines.len(), h.malformed), (100, 0));
    }
}
