//! Latency statistics over repeated runs (`--repeat N`): per suite × check ×
//! phase, the count, p50, p95 and max of every phase the checks measured.
//! Pure functions; the console and JSON outputs are the caller's.

use std::collections::HashMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::events::SuiteResult;
use crate::outcome::Evidence;

/// The phase a history file's value key measures, in milliseconds:
/// `timing.tls_ms` → `tls`, `rtt_ms` (older files) → `rtt`. Other keys are
/// not phases.
pub fn phase_of(key: &str) -> Option<&str> {
    if key == "rtt_ms" {
        return Some("rtt");
    }
    let phase = key.strip_prefix("timing.")?.strip_suffix("_ms")?;
    (!phase.is_empty()).then_some(phase)
}

/// The phase timings of one outcome's evidence, in milliseconds, in the
/// order the check measured them.
pub fn phase_timings(evidence: &Evidence) -> Vec<(&str, f64)> {
    // Nanoseconds over 1e6: exact for whole microseconds, unlike `as_secs_f64() * 1e3`.
    evidence.measurements().phases.iter().map(|(phase, d)| (phase.as_str(), d.as_nanos() as f64 / 1e6)).collect()
}

/// The nearest-rank percentile (`p` in 0..=100) of ascending `sorted` values:
/// the smallest value such that at least p % of the values are ≤ it.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let n = sorted.len();
    if n == 0 {
        return None;
    }
    let rank = (p.clamp(0.0, 100.0) / 100.0 * n as f64).ceil() as usize;
    Some(sorted[rank.clamp(1, n) - 1])
}

/// One phase of one check of one suite over all repeats.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PhaseStats {
    pub suite: String,
    pub check: String,
    pub phase: String,
    /// Runs that recorded this phase (a failed connect records fewer phases).
    pub count: usize,
    pub p50_ms: f64,
    pub p95_ms: f64,
    pub max_ms: f64,
}

/// Statistics for every phase seen in `runs` (one `Vec<SuiteResult>` per
/// repeat), in order of first appearance (suite, check catalog order, phase).
pub fn phase_stats(runs: &[Vec<SuiteResult>]) -> Vec<PhaseStats> {
    let mut order: Vec<(String, String, String)> = Vec::new();
    let mut samples: HashMap<(String, String, String), Vec<f64>> = HashMap::new();
    for suite in runs.iter().flatten() {
        for report in &suite.reports {
            for (phase, ms) in phase_timings(&report.outcome.evidence) {
                let key = (suite.header.name.clone(), report.id.as_str().to_owned(), phase.to_owned());
                let values = samples.entry(key.clone()).or_insert_with(|| {
                    order.push(key);
                    Vec::new()
                });
                values.push(ms);
            }
        }
    }
    order
        .into_iter()
        .filter_map(|key| {
            let mut values = samples.remove(&key)?;
            values.sort_by(f64::total_cmp);
            let (suite, check, phase) = key;
            Some(PhaseStats {
                suite,
                check,
                phase,
                count: values.len(),
                p50_ms: percentile(&values, 50.0)?,
                p95_ms: percentile(&values, 95.0)?,
                max_ms: *values.last()?,
            })
        })
        .collect()
}

/// A plain-text table for the console, one row per phase, times in ms.
pub fn render_table(stats: &[PhaseStats]) -> String {
    if stats.is_empty() {
        return "no phase timings recorded\n".to_owned();
    }
    let header = ["suite", "check", "phase", "n", "p50 ms", "p95 ms", "max ms"];
    let rows: Vec<[String; 7]> = stats
        .iter()
        .map(|s| {
            [
                s.suite.clone(),
                s.check.clone(),
                s.phase.clone(),
                s.count.to_string(),
                format!("{:.1}", s.p50_ms),
                format!("{:.1}", s.p95_ms),
                format!("{:.1}", s.max_ms),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[&str]| {
        let mut l = String::new();
        for (i, (cell, w)) in cells.iter().zip(widths).enumerate() {
            if i > 0 {
                l.push_str("  ");
            }
            // Text columns left-aligned, numbers right-aligned.
            if i < 3 {
                let _ = write!(l, "{cell:<w$}");
            } else {
                let _ = write!(l, "{cell:>w$}");
            }
        }
        out.push_str(l.trim_end());
        out.push('\n');
    };
    line(&header);
    for row in &rows {
        line(&row.iter().map(String::as_str).collect::<Vec<_>>());
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use std::collections::BTreeMap;
    use std::time::Duration;

    use super::*;
    use crate::events::SuiteHeader;
    use crate::ids;
    use crate::outcome::{CheckReport, Outcome};

    pub(crate) fn suite(name: &str, reports: Vec<CheckReport>) -> SuiteResult {
        SuiteResult {
            route: Vec::new(),
            header: SuiteHeader {
                name: name.into(),
                source: "suites/x.toml".into(),
                region: "us-east-1".into(),
                url: "wss://ws.example.com/Prod".into(),
                checks: reports.iter().map(|r| r.id).collect(),
                warnings: vec![],
            },
            reports,
            properties: vec![],
            aws_calls: BTreeMap::new(),
            duration: Duration::from_millis(1500),
            started_at: chrono::DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default(),
            interrupted: false,
        }
    }

    pub(crate) fn check(id: crate::ids::CheckId, outcome: Outcome, ms: u64) -> CheckReport {
        CheckReport { id, outcome, retries: vec![], duration: Duration::from_millis(ms), started_at: None }
    }

    #[test]
    fn phase_names() {
        assert_eq!(phase_of("timing.tls_ms"), Some("tls"));
        assert_eq!(phase_of("rtt_ms"), Some("rtt"));
        assert_eq!(phase_of("timing._ms"), None);
        assert_eq!(phase_of("timing.tls"), None);
        assert_eq!(phase_of("days_left"), None);
    }

    #[test]
    fn nearest_rank_percentiles() {
        let v: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 95.0), Some(95.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&[7.5], 50.0), Some(7.5));
        assert_eq!(percentile(&[7.5], 95.0), Some(7.5));
        assert_eq!(percentile(&[], 50.0), None);
    }

    #[test]
    fn stats_over_repeats() {
        // 100 repeats, tls 1..=100 ms in shuffled order; dns only in half of them.
        let runs: Vec<Vec<SuiteResult>> = (1..=100u32)
            .map(|i| {
                let tls = (i * 37) % 100 + 1;
                let mut ev =
                    Evidence::new().with_timing("tls", Duration::from_millis(tls.into())).with("answers", "127.0.0.1");
                if i % 2 == 0 {
                    ev.timing("dns", Duration::from_micros(2500));
                }
                // Text that looks like a timing is not a measurement.
                ev.set("timing.bogus_ms", "7");
                vec![suite("s", vec![check(ids::E2E_CONNECT, Outcome::pass("ok").with_evidence(ev), 10)])]
            })
            .collect();
        let stats = phase_stats(&runs);
        assert_eq!(stats.len(), 2, "{stats:?}");
        let tls = &stats[0];
        assert_eq!(
            (tls.suite.as_str(), tls.check.as_str(), tls.phase.as_str()),
            ("s", ids::E2E_CONNECT.as_str(), "tls")
        );
        assert_eq!((tls.count, tls.p50_ms, tls.p95_ms, tls.max_ms), (100, 50.0, 95.0, 100.0));
        assert_eq!((stats[1].phase.as_str(), stats[1].count, stats[1].max_ms), ("dns", 50, 2.5));
        let json = serde_json::to_value(&stats).unwrap_or_default();
        assert_eq!(json[0]["p95_ms"], 95.0);
    }

    #[test]
    fn no_timings_no_stats() {
        assert!(phase_stats(&[]).is_empty());
        let runs = vec![vec![suite("s", vec![check(ids::DNS_RESOLVES, Outcome::fail("no", "fix"), 1)])]];
        assert!(phase_stats(&runs).is_empty());
        assert_eq!(render_table(&[]), "no phase timings recorded\n");
    }

    #[test]
    fn table_is_aligned() {
        let s = |phase: &str, p50| PhaseStats {
            suite: "chat".into(),
            check: ids::E2E_ECHO.into(),
            phase: phase.into(),
            count: 3,
            p50_ms: p50,
            p95_ms: 120.25,
            max_ms: 130.0,
        };
        let t = render_table(&[s("rtt", 1.0), s("upgrade", 1234.5)]);
        assert_eq!(
            t,
            "suite  check     phase    n  p50 ms  p95 ms  max ms\n\
             chat   e2e.echo  rtt      3     1.0   120.2   130.0\n\
             chat   e2e.echo  upgrade  3  1234.5   120.2   130.0\n"
        );
    }
}
