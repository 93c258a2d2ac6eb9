//! The check catalog's vocabulary: a check is a stable id, what it needs
//! before it can run, and one async function from the run's context to an
//! [`Outcome`] (one uniform signature for every prober, as in
//! blackbox_exporter).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::facts::Facts;
use crate::ids::{self, CheckId};
use crate::model::route::Route;
use crate::outcome::Outcome;
use crate::suite::Suite;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a check receives: the suite, the run's shared, memoized facts, and
/// which checks run (so that work done ahead for a later check is only done
/// when that check runs).
pub struct Ctx {
    pub suite: Arc<Suite>,
    pub facts: Arc<Facts>,
    pub planned: std::collections::BTreeSet<CheckId>,
    /// The route's blame, computed once per route ([`crate::checks::blame`]).
    pub blame: BlameMemo,
}

/// A deployment one field away from a layout that fits the intent: the check
/// that owns that field, what is wrong and the fix. Every other check reads
/// its own symptom as a consequence of this, not as a failure of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blame {
    pub check: CheckId,
    pub message: String,
    pub hint: String,
}

/// The run's route and what it blames, kept for as long as the facts keep
/// that route: a `--wait` retry that refreshed them gets a new route, and so
/// a new blame.
#[derive(Debug, Default)]
pub struct BlameMemo(pub(crate) std::sync::Mutex<Option<RouteBlame>>);

/// A route and what it blames (`None`: nothing, the deployment is as meant or too far off).
pub(crate) type RouteBlame = (Arc<Route>, Option<Arc<Blame>>);

impl Ctx {
    pub fn new(suite: Arc<Suite>, facts: Arc<Facts>, planned: std::collections::BTreeSet<CheckId>) -> Ctx {
        Ctx { suite, facts, planned, blame: BlameMemo::default() }
    }

    pub fn runs(&self, id: CheckId) -> bool {
        self.planned.contains(&id)
    }
}

pub type CheckFn = fn(Arc<Ctx>) -> BoxFuture<'static, Outcome>;

/// Whether a suite gives a check what it needs, decided before the run.
pub type AppliesFn = fn(&Suite) -> Result<(), NotApplicable>;

/// What the suite lacks for a check, in the user's words: the missing key
/// ("needs `[cloudfront] distribution_id`"). The check is reported skipped
/// with it, and the checks that require it inherit it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{needs}")]
pub struct NotApplicable {
    pub needs: String,
}

impl NotApplicable {
    pub fn new(needs: impl Into<String>) -> NotApplicable {
        NotApplicable { needs: needs.into() }
    }
}

pub struct CheckDef {
    /// Stable id `area.name`: JUnit name, CLI filter key, libtest trial name.
    pub id: CheckId,
    /// One line: what it verifies.
    pub summary: &'static str,
    /// For `wsconform explain`: why it matters and how to fix a failure.
    pub explain: &'static str,
    /// The AWS documentation page(s) behind the rule.
    pub docs: &'static str,
    /// Checks that must pass first; otherwise this one is skipped, naming them.
    pub requires: &'static [CheckId],
    /// Checks that must have finished first (any verdict): ordering only.
    pub after: &'static [CheckId],
    pub applies: AppliesFn,
    pub run: CheckFn,
}

impl std::fmt::Debug for CheckDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckDef").field("id", &self.id).finish_non_exhaustive()
    }
}

/// `applies` for checks that every suite can run.
pub fn always(_: &Suite) -> Result<(), NotApplicable> {
    Ok(())
}

/// How long one attempt of check `id` may take. Every check gets the suite's
/// `timeout`; `e2e.keepalive` with `roundtrip.hold` gets the hold on top (plus
/// its closing ping's timeout): the hold is the check's work, not a delay
/// inside someone else's budget.
pub fn attempt_budget(id: CheckId, suite: &Suite) -> std::time::Duration {
    match (id, suite.roundtrip.hold) {
        (ids::E2E_KEEPALIVE, Some(hold)) => suite.check_timeout + hold + suite.roundtrip.timeout,
        _ => suite.check_timeout,
    }
}

/// Whether a timed-out attempt of `id` may be retried as a whole: not a
/// hold, which would repeat minutes of idling under `--wait`.
pub fn retried_whole(id: CheckId, suite: &Suite) -> bool {
    attempt_budget(id, suite) == suite.check_timeout
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn a_hold_is_the_keepalive_checks_own_budget() {
        let text = "name='t'\nregion='us-east-1'\nurl='wss://h.example.com/p'\ntimeout='30s'\n[roundtrip]\ntimeout='5s'\nhold='11m'\nping_interval='1m'\n";
        let s = Suite::parse("t.toml", text, &|_| None).unwrap();
        assert_eq!(attempt_budget(ids::E2E_KEEPALIVE, &s), Duration::from_secs(30 + 660 + 5));
        assert!(!retried_whole(ids::E2E_KEEPALIVE, &s));
        assert_eq!(attempt_budget(ids::E2E_ECHO, &s), Duration::from_secs(30));
        assert!(retried_whole(ids::E2E_ECHO, &s));
    }
}
