//! What a check found: a verdict, the evidence behind it, and whether trying
//! again later could change it.

use std::fmt;
use std::time::Duration;

use serde::Serialize;

use crate::ids::CheckId;

/// The verdict of one check. `Fail` means the deployment is wrong; `Error`
/// means the harness could not find out (no credentials, timeout reaching AWS);
/// `Unknown` means the evidence there is decides neither way (a field the
/// endpoint does not report, a refusal that may be the authorizer's): never a
/// pass, never a guessed failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Pass {
        summary: String,
    },
    Fail {
        message: String,
        hint: Option<String>,
    },
    Error {
        cause: String,
    },
    /// `message` reads `unknown: {why}` (see [`Verdict::unknown`]).
    Unknown {
        message: String,
    },
    Skip {
        reason: String,
        because: SkipCause,
    },
}

/// Why a check did not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipCause {
    /// This prerequisite did not pass, or was not selected to run. In a chain
    /// of skips it is the root: every link names it once.
    Prerequisite(CheckId),
    /// The suite lacks a key the check needs ("needs `[api] stage`"); the
    /// checks that require this one inherit the reason.
    SuiteLacks,
    /// There is nothing for the check to judge here (no CloudFront in the
    /// route, an IP address for a host, an endpoint without GetConnection).
    NothingToJudge,
}

impl SkipCause {
    /// Whether a check that requires the skipped one repeats its reason
    /// instead of wrapping it ("needs X, which was skipped: …").
    fn propagates(self) -> bool {
        !matches!(self, SkipCause::NothingToJudge)
    }
}

/// The states as they appear in reports: an [`Verdict::Unknown`] is reported
/// as `error` (JUnit `<error>`, exit 1), with its message saying `unknown:`;
/// [`Verdict::is_unknown`] tells it apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    Error,
    Skip,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Error => "error",
            Status::Skip => "skip",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Verdict {
    pub fn status(&self) -> Status {
        match self {
            Verdict::Pass { .. } => Status::Pass,
            Verdict::Fail { .. } => Status::Fail,
            Verdict::Error { .. } | Verdict::Unknown { .. } => Status::Error,
            Verdict::Skip { .. } => Status::Skip,
        }
    }

    /// The one-line text a report shows next to the status.
    pub fn message(&self) -> &str {
        match self {
            Verdict::Pass { summary } => summary,
            Verdict::Fail { message, .. } => message,
            Verdict::Error { cause } => cause,
            Verdict::Unknown { message } => message,
            Verdict::Skip { reason, .. } => reason,
        }
    }

    /// An unknown verdict: `why` the evidence decides neither way.
    pub fn unknown(why: impl fmt::Display) -> Verdict {
        Verdict::Unknown { message: format!("unknown: {why}") }
    }

    pub fn is_unknown(&self) -> bool {
        matches!(self, Verdict::Unknown { .. })
    }

    /// The prerequisite a skip names as its root cause, if any.
    pub fn skipped_because(&self) -> Option<CheckId> {
        match self {
            Verdict::Skip { because: SkipCause::Prerequisite(id), .. } => Some(*id),
            _ => None,
        }
    }

    /// The skip a check that requires this one gets when this one did not
    /// pass: a chain of skips names its root cause once, not every link.
    pub fn skip_for_dependent(&self, dep: CheckId) -> Option<Verdict> {
        let what = match self {
            Verdict::Pass { .. } => return None,
            Verdict::Skip { reason, because } if because.propagates() => {
                return Some(Verdict::Skip { reason: reason.clone(), because: *because });
            }
            Verdict::Fail { .. } => "failed",
            Verdict::Error { .. } | Verdict::Unknown { .. } => "errored",
            Verdict::Skip { .. } => "was skipped",
        };
        Some(Verdict::Skip {
            reason: format!("needs {dep}, which {what}: {}", self.message()),
            because: SkipCause::Prerequisite(dep),
        })
    }

    pub fn hint(&self) -> Option<&str> {
        match self {
            Verdict::Fail { hint, .. } => hint.as_deref(),
            _ => None,
        }
    }
}

/// Ordered key/value observations: they land in JUnit `system-out`, the JSON
/// report and `--verbose` console output. Keys are dotted (`answers`,
/// `timing.tls_ms`). Numbers that reports aggregate (phase durations, a
/// certificate's expiry) are also kept typed in [`Measurements`], so no
/// report parses them back out of text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Evidence {
    entries: Vec<(String, String)>,
    // Boxed: an `Outcome` travels by value through every judge's `Result`.
    measurements: Box<Measurements>,
}

/// What a check measured, typed: the connection phases it timed, in the
/// order it timed them, and the certificate it saw.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Measurements {
    /// `(phase, duration)`: `dns`, `tcp`, `tls`, `upgrade`, `rtt`, `pong`…
    pub phases: Vec<(String, Duration)>,
    /// The served or issued certificate's `notAfter` (unix seconds) and the
    /// whole days left from the check's clock.
    pub certificate: Option<CertificateExpiry>,
}

impl Measurements {
    /// Adds or replaces `phase`, keeping the order phases were first measured in.
    fn set_phase(&mut self, phase: &str, d: Duration) {
        match self.phases.iter_mut().find(|(p, _)| p == phase) {
            Some(slot) => slot.1 = d,
            None => self.phases.push((phase.to_owned(), d)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CertificateExpiry {
    pub not_after: i64,
    pub days_left: i64,
}

impl Evidence {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds or replaces `key`.
    pub fn set(&mut self, key: impl Into<String>, value: impl fmt::Display) {
        let key = key.into();
        let value = value.to_string();
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    pub fn with(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        self.set(key, value);
        self
    }

    /// Records a phase duration: typed, and as `timing.<phase>_ms` with
    /// sub-millisecond precision for people.
    pub fn timing(&mut self, phase: &str, d: Duration) {
        self.set(format!("timing.{phase}_ms"), format!("{:.1}", d.as_secs_f64() * 1e3));
        self.measurements.set_phase(phase, d);
    }

    /// Records a certificate's expiry: typed, and as `days_left` for people.
    pub fn certificate_expiry(&mut self, not_after: i64, days_left: i64) {
        self.set("days_left", days_left);
        self.measurements.certificate = Some(CertificateExpiry { not_after, days_left });
    }

    pub fn with_timing(mut self, phase: &str, d: Duration) -> Self {
        self.timing(phase, d);
        self
    }

    pub fn with_certificate_expiry(mut self, not_after: i64, days_left: i64) -> Self {
        self.certificate_expiry(not_after, days_left);
        self
    }

    pub fn measurements(&self) -> &Measurements {
        &self.measurements
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn extend(&mut self, other: Evidence) {
        for (k, v) in other.entries {
            self.set(k, v);
        }
        for (phase, d) in &other.measurements.phases {
            self.measurements.set_phase(phase, *d);
        }
        if other.measurements.certificate.is_some() {
            self.measurements.certificate = other.measurements.certificate;
        }
    }

    pub(crate) fn map_values(&mut self, f: impl Fn(&str) -> String) {
        for (_, v) in &mut self.entries {
            *v = f(v);
        }
    }
}

/// What one attempt of a check produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub verdict: Verdict,
    pub evidence: Evidence,
    /// Whether the same check could pass later without anyone changing the
    /// deployment (DNS not propagated yet, CloudFront `InProgress`, a
    /// connection error). Only retryable outcomes are retried by `--wait`.
    pub retryable: bool,
    /// Findings that do not break clients today but deserve fixing (no AAAA
    /// alias while IPv6 is enabled, an emulator that does not enforce a
    /// quota). They never change the status; they change the exit code only
    /// under `--strict`.
    pub warnings: Vec<Warning>,
    /// The failure's fixes as data ([`crate::fix`]), beside the hint, for machines; read with
    /// [`Outcome::fixes`].
    fixes: Vec<crate::fix::Fix>,
}

/// An advisory finding: what is worth fixing and how.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

impl Outcome {
    pub fn pass(summary: impl Into<String>) -> Self {
        Self::from(Verdict::Pass { summary: summary.into() })
    }

    pub fn fail(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self::from(Verdict::Fail { message: message.into(), hint: Some(hint.into()) })
    }

    /// Adds the failure's fix as data.
    pub fn with_fix(mut self, fix: crate::fix::Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    /// The failure's fixes as data, in the order they were found.
    pub fn fixes(&self) -> &[crate::fix::Fix] {
        &self.fixes
    }

    pub fn fail_without_hint(message: impl Into<String>) -> Self {
        Self::from(Verdict::Fail { message: message.into(), hint: None })
    }

    pub fn error(cause: impl Into<String>) -> Self {
        Self::from(Verdict::Error { cause: cause.into() })
    }

    pub fn unknown(why: impl fmt::Display) -> Self {
        Self::from(Verdict::unknown(why))
    }

    /// Nothing to judge here (no CloudFront in the route, no host to resolve).
    pub fn skip(reason: impl Into<String>) -> Self {
        Self::from(Verdict::Skip { reason: reason.into(), because: SkipCause::NothingToJudge })
    }

    /// The suite lacks a key the check needs: `reason` names it.
    pub fn skip_suite_lacks(reason: impl Into<String>) -> Self {
        Self::from(Verdict::Skip { reason: reason.into(), because: SkipCause::SuiteLacks })
    }

    pub fn with_evidence(mut self, evidence: Evidence) -> Self {
        self.evidence.extend(evidence);
        self
    }

    pub fn evidence(mut self, key: impl Into<String>, value: impl fmt::Display) -> Self {
        self.evidence.set(key, value);
        self
    }

    pub fn retryable(mut self) -> Self {
        self.retryable = true;
        self
    }

    /// Adds an advisory finding; the verdict stays as it is.
    pub fn warn(mut self, message: impl Into<String>, hint: impl Into<String>) -> Self {
        let hint = hint.into();
        self.warnings.push(Warning { message: message.into(), hint: (!hint.is_empty()).then_some(hint) });
        self
    }

    pub fn status(&self) -> Status {
        self.verdict.status()
    }
}

impl From<Verdict> for Outcome {
    fn from(verdict: Verdict) -> Self {
        Self { verdict, evidence: Evidence::new(), retryable: false, warnings: Vec::new(), fixes: Vec::new() }
    }
}

/// The whole record of a check in a run: the final outcome plus how it got there.
#[derive(Debug, Clone)]
pub struct CheckReport {
    pub id: CheckId,
    pub outcome: Outcome,
    /// Earlier attempts that were retried (`--wait`), oldest first.
    pub retries: Vec<Attempt>,
    /// Wall time of all attempts, including backoff.
    pub duration: Duration,
    pub started_at: Option<chrono::DateTime<chrono::Utc>>,
}

#[derive(Debug, Clone)]
pub struct Attempt {
    pub outcome: Outcome,
    pub duration: Duration,
}

impl CheckReport {
    /// The report of a check that never ran (skipped, or stopped before it started).
    pub fn unrun(id: CheckId, outcome: Outcome) -> CheckReport {
        CheckReport { id, outcome, retries: vec![], duration: Duration::ZERO, started_at: None }
    }

    pub fn attempts(&self) -> usize {
        self.retries.len() + 1
    }

    pub fn area(&self) -> &'static str {
        self.id.area()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;

    #[test]
    fn evidence_set_replaces_and_keeps_order() {
        let mut e = Evidence::new().with("a", 1).with("b", 2);
        e.set("a", 3);
        assert_eq!(e.iter().collect::<Vec<_>>(), vec![("a", "3"), ("b", "2")]);
    }

    #[test]
    fn status_of_each_verdict() {
        assert_eq!(Outcome::pass("x").status(), Status::Pass);
        assert_eq!(Outcome::fail("x", "y").status(), Status::Fail);
        assert_eq!(Outcome::error("x").status(), Status::Error);
        assert_eq!(Outcome::skip("x").status(), Status::Skip);
        assert_eq!(Outcome::fail("m", "h").verdict.hint(), Some("h"));
        let u = Outcome::unknown("the endpoint does not report it");
        assert_eq!((u.status(), u.verdict.message()), (Status::Error, "unknown: the endpoint does not report it"));
        assert!(u.verdict.is_unknown() && !Outcome::error("x").verdict.is_unknown());
    }

    #[test]
    fn a_chain_of_skips_names_its_root_once() {
        let failed = Outcome::fail("no such stage", "create it").verdict;
        let first = failed.skip_for_dependent(ids::APIGW_STAGE).unwrap();
        assert_eq!(first.message(), "needs apigw.stage, which failed: no such stage");
        assert_eq!(first.skipped_because(), Some(ids::APIGW_STAGE));
        let second = first.skip_for_dependent(ids::E2E_CONNECT).unwrap();
        assert_eq!(second, first, "the second link repeats the root");
        let lacks = Outcome::skip_suite_lacks("needs `[api] stage`").verdict;
        assert_eq!(lacks.skip_for_dependent(ids::E2E_CONNECT).unwrap(), lacks);
        let moot = Outcome::skip("no CloudFront in the route").verdict;
        assert_eq!(
            moot.skip_for_dependent(ids::CLOUDFRONT_ORIGIN).unwrap().message(),
            "needs cloudfront.origin, which was skipped: no CloudFront in the route"
        );
        assert_eq!(Outcome::pass("ok").verdict.skip_for_dependent(ids::E2E_CONNECT), None);
    }
}
