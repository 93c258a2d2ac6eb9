//! The check catalog's vocabulary: a check is a stable id, what it needs
//! before it can run, and one async function from the run's context to an
//! [`Outcome`] (one uniform signature for every prober, as in
//! blackbox_exporter).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::facts::Facts;
use crate::outcome::Outcome;
use crate::suite::Suite;

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What a check receives: the suite, the run's shared, memoized facts, and
/// which checks run (so that work done ahead for a later check is only done
/// when that check runs).
pub struct Ctx {
    pub suite: Arc<Suite>,
    pub facts: Arc<Facts>,
    pub planned: std::collections::BTreeSet<&'static str>,
}

impl Ctx {
    pub fn runs(&self, id: &str) -> bool {
        self.planned.contains(id)
    }
}

pub type CheckFn = fn(Arc<Ctx>) -> BoxFuture<'static, Outcome>;

/// Whether a suite gives a check what it needs, decided before the run.
/// `Err` names the missing suite key, e.g. "needs `[cloudfront] distribution_id`".
pub type AppliesFn = fn(&Suite) -> Result<(), String>;

pub struct CheckDef {
    /// Stable id `area.name`: JUnit name, CLI filter key, libtest trial name.
    pub id: &'static str,
    /// One line: what it verifies.
    pub summary: &'static str,
    /// For `wsconform explain`: why it matters and how to fix a failure.
    pub explain: &'static str,
    /// The AWS documentation page(s) behind the rule.
    pub docs: &'static str,
    /// Checks that must pass first; otherwise this one is skipped, naming them.
    pub requires: &'static [&'static str],
    /// Checks that must have finished first (any verdict): ordering only.
    pub after: &'static [&'static str],
    pub applies: AppliesFn,
    pub run: CheckFn,
}

impl std::fmt::Debug for CheckDef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CheckDef").field("id", &self.id).finish_non_exhaustive()
    }
}

/// `applies` for checks that every suite can run.
pub fn always(_: &Suite) -> Result<(), String> {
    Ok(())
}
