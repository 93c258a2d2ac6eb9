//! What the runner tells reporters (docs/architecture.md, Observe, judge, report). Every reporter consumes the
//! same stream, as in cargo-nextest. Outcomes in events are already redacted.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::outcome::{CheckReport, Outcome, Status};

/// A suite as reports describe it.
#[derive(Debug, Clone)]
pub struct SuiteHeader {
    pub name: String,
    pub source: String,
    pub region: String,
    /// The public URL without query (its values may be secrets).
    pub url: String,
    /// The ids that will be reported, in catalog order.
    pub checks: Vec<crate::ids::CheckId>,
    /// Loud notes about weakened security (`tls.allow_plaintext`), shown in every report.
    pub warnings: Vec<String>,
}

/// Everything known about a suite once it has run.
#[derive(Debug, Clone)]
pub struct SuiteResult {
    pub header: SuiteHeader,
    pub reports: Vec<CheckReport>,
    /// Findings such as the inferred layout and discovered ids.
    pub properties: Vec<(String, String)>,
    /// The hops of the route a request takes (`discovered.route`, as a list),
    /// when the run computed it; `trace` draws them.
    pub route: Vec<String>,
    /// `service.Operation` → calls made.
    pub aws_calls: BTreeMap<String, u64>,
    pub duration: Duration,
    pub started_at: chrono::DateTime<chrono::Utc>,
    pub interrupted: bool,
}

impl SuiteResult {
    pub fn count(&self, status: Status) -> usize {
        self.reports.iter().filter(|r| r.outcome.status() == status).count()
    }

    pub fn succeeded(&self) -> bool {
        self.count(Status::Fail) == 0 && self.count(Status::Error) == 0
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: usize,
    pub failed: usize,
    pub errored: usize,
    pub skipped: usize,
}

impl Counts {
    pub fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.passed += 1,
            Status::Fail => self.failed += 1,
            Status::Error => self.errored += 1,
            Status::Skip => self.skipped += 1,
        }
    }

    pub fn of(results: &[SuiteResult]) -> Counts {
        let mut c = Counts::default();
        for r in results.iter().flat_map(|s| &s.reports) {
            c.add(r.outcome.status());
        }
        c
    }

    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errored + self.skipped
    }
}

#[derive(Debug, Clone)]
pub enum Event {
    RunStarted {
        suites: Vec<SuiteHeader>,
    },
    CheckStarted {
        suite: usize,
        id: crate::ids::CheckId,
    },
    /// An attempt ended with a retryable outcome; the check runs again after `delay`.
    CheckRetrying {
        suite: usize,
        id: crate::ids::CheckId,
        attempt: usize,
        outcome: Outcome,
        delay: Duration,
    },
    CheckFinished {
        suite: usize,
        report: CheckReport,
    },
    SuiteFinished {
        suite: usize,
        result: SuiteResult,
    },
    RunFinished {
        results: Vec<SuiteResult>,
        duration: Duration,
        interrupted: bool,
    },
}
