//! What a judge found, gathered into one verdict.

use std::fmt;

use crate::fix::Fix;
use crate::outcome::{Evidence, Outcome, Verdict};

/// Problems a rule found, turned into one [`Outcome`]: all messages and
/// hints joined, retryable only when every problem is (e.g. `InProgress`).
#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<(String, String, bool)>,
    warnings: Vec<(String, String)>,
    unknowns: Vec<String>,
    evidence: Evidence,
    fixes: Vec<Fix>,
}

impl Findings {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn fail(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        self.items.push((message.into(), hint.into(), false));
    }

    /// A problem with its fix as data (the hint says it in words).
    pub fn fail_with_fix(&mut self, message: impl Into<String>, hint: impl Into<String>, fix: Fix) {
        self.fail(message, hint);
        self.fixes.push(fix);
    }

    /// A problem that may go away by itself (propagation in progress).
    pub fn fail_retryable(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        self.items.push((message.into(), hint.into(), true));
    }

    /// A fact the verdict needs that nobody returned (a field the endpoint
    /// does not report). Without a failure the outcome is *unknown* (an
    /// error that says what could not be established), never a pass.
    pub fn unknown(&mut self, what: impl Into<String>) {
        self.unknowns.push(what.into());
    }

    /// An advisory finding: reported with its hint, never a failure.
    pub fn warn(&mut self, message: impl Into<String>, hint: impl Into<String>) {
        self.warnings.push((message.into(), hint.into()));
    }

    /// An advisory finding with its fix as data.
    pub fn warn_with_fix(&mut self, message: impl Into<String>, hint: impl Into<String>, fix: Fix) {
        self.warn(message, hint);
        self.fixes.push(fix);
    }

    pub fn evidence(&mut self, key: impl Into<String>, value: impl fmt::Display) {
        self.evidence.set(key, value);
    }

    pub fn certificate_expiry(&mut self, not_after: i64, days_left: i64) {
        self.evidence.certificate_expiry(not_after, days_left);
    }

    pub fn outcome(self, pass_summary: impl Into<String>) -> Outcome {
        let warnings = self.warnings;
        let fixes = self.fixes;
        // A warning's fix rides on a pass or an unknown too: it is advice with its command.
        let with_warnings = |o: Outcome| {
            let o = warnings.into_iter().fold(o, |o, (m, h)| o.warn(m, h));
            fixes.into_iter().fold(o, Outcome::with_fix)
        };
        let unknown = (!self.unknowns.is_empty()).then(|| Verdict::unknown(self.unknowns.join("; ")));
        if self.items.is_empty() {
            let out = match unknown {
                Some(unknown) => Outcome::from(unknown),
                None => Outcome::pass(pass_summary),
            };
            return with_warnings(out.with_evidence(self.evidence));
        }
        let retryable = self.items.iter().all(|(_, _, r)| *r);
        let message = self
            .items
            .iter()
            .map(|(m, _, _)| m.as_str())
            .chain(unknown.as_ref().map(Verdict::message))
            .collect::<Vec<_>>()
            .join("; ");
        let hint = self.items.iter().map(|(_, h, _)| h.as_str()).filter(|h| !h.is_empty()).collect::<Vec<_>>();
        let out =
            if hint.is_empty() { Outcome::fail_without_hint(message) } else { Outcome::fail(message, hint.join("; ")) };
        let out = with_warnings(out.with_evidence(self.evidence));
        if retryable { out.retryable() } else { out }
    }
}
