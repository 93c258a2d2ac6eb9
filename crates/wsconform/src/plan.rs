//! Which checks a run executes: the suite's and the command line's
//! `only`/`skip` glob patterns, each check's applicability, and the
//! prerequisites a selected check pulls in.

use std::collections::BTreeSet;

use globset::{Glob, GlobMatcher};

use crate::check::CheckDef;
use crate::ids::CheckId;
use crate::suite::Suite;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Run,
    /// Not selected, but a selected check needs it.
    RunAsPrerequisite {
        of: CheckId,
    },
    /// The suite lacks what it needs: reported as skipped with this reason.
    NotApplicable {
        reason: String,
    },
    /// Filtered out by `only`/`skip`: not reported.
    NotSelected {
        why: String,
    },
}

impl Decision {
    pub fn runs(&self) -> bool {
        matches!(self, Decision::Run | Decision::RunAsPrerequisite { .. })
    }

    /// Whether the check appears in reports (run or skipped with a reason).
    pub fn reported(&self) -> bool {
        !matches!(self, Decision::NotSelected { .. })
    }
}

#[derive(Debug, Clone)]
pub struct PlanEntry {
    pub def: &'static CheckDef,
    pub decision: Decision,
}

#[derive(Debug, Clone)]
pub struct Plan {
    pub entries: Vec<PlanEntry>,
}

impl Plan {
    pub fn reported(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|e| e.decision.reported())
    }

    pub fn decision(&self, id: CheckId) -> Option<&Decision> {
        self.entries.iter().find(|e| e.def.id == id).map(|e| &e.decision)
    }
}

/// Patterns from the command line; they replace the suite's `only` and add to its `skip`.
#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub only: Vec<String>,
    pub skip: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct PlanError {
    pub message: String,
}

fn matchers(patterns: &[String], catalog: &[&'static CheckDef]) -> Result<Vec<(String, GlobMatcher)>, PlanError> {
    patterns
        .iter()
        .map(|p| {
            let m = Glob::new(p)
                .map_err(|e| PlanError { message: format!("`{p}` is not a check pattern: {e}") })?
                .compile_matcher();
            if !catalog.iter().any(|c| m.is_match(c.id)) {
                let best = catalog
                    .iter()
                    .map(|c| (strsim::jaro_winkler(p, &c.id), c.id))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .filter(|(s, _)| *s > 0.75);
                let mut message = format!("no check matches `{p}`");
                if let Some((_, id)) = best {
                    message.push_str(&format!(" (did you mean `{id}`?)"));
                }
                message.push_str("; `wsconform list SUITE` shows every check id");
                return Err(PlanError { message });
            }
            Ok((p.clone(), m))
        })
        .collect()
}

pub fn plan(catalog: &[&'static CheckDef], suite: &Suite, filters: &Filters) -> Result<Plan, PlanError> {
    let only_patterns = if filters.only.is_empty() { &suite.checks.only } else { &filters.only };
    let only = matchers(only_patterns, catalog)?;
    let mut skip_patterns = suite.checks.skip.clone();
    skip_patterns.extend(filters.skip.iter().cloned());
    let skip = matchers(&skip_patterns, catalog)?;

    let mut entries: Vec<PlanEntry> = catalog
        .iter()
        .map(|def| {
            let decision = if let Some((p, _)) = skip.iter().find(|(_, m)| m.is_match(def.id)) {
                Decision::NotSelected { why: format!("skipped by `{p}`") }
            } else if !only.is_empty() && !only.iter().any(|(_, m)| m.is_match(def.id)) {
                Decision::NotSelected { why: "not matched by `only`".into() }
            } else {
                Decision::Run
            };
            PlanEntry { def, decision }
        })
        .collect();

    // Pull in prerequisites of selected checks (transitively), unless the user skipped them.
    let mut queue: Vec<CheckId> = entries.iter().filter(|e| e.decision.runs()).map(|e| e.def.id).collect();
    let mut seen: BTreeSet<CheckId> = queue.iter().copied().collect();
    while let Some(id) = queue.pop() {
        let Some(def) = catalog.iter().find(|c| c.id == id) else { continue };
        for req in def.requires {
            if let Some(e) = entries.iter_mut().find(|e| e.def.id == *req) {
                let explicitly_skipped = skip.iter().any(|(_, m)| m.is_match(req));
                if !e.decision.runs() && !explicitly_skipped {
                    e.decision = Decision::RunAsPrerequisite { of: id };
                }
                if seen.insert(e.def.id) && e.decision.runs() {
                    queue.push(e.def.id);
                }
            }
        }
    }

    for e in &mut entries {
        if e.decision.runs()
            && let Err(lacks) = (e.def.applies)(suite)
        {
            e.decision = Decision::NotApplicable { reason: lacks.needs };
        }
    }
    Ok(Plan { entries })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::{Ctx, always};
    use crate::ids;
    use crate::outcome::Outcome;
    use std::sync::Arc;

    fn pass(_: Arc<Ctx>) -> crate::check::BoxFuture<'static, Outcome> {
        Box::pin(async { Outcome::pass("ok") })
    }

    fn needs_cloudfront(s: &Suite) -> Result<(), crate::check::NotApplicable> {
        s.cloudfront
            .as_ref()
            .map(|_| ())
            .ok_or_else(|| crate::check::NotApplicable::new("needs `[cloudfront] distribution_id`"))
    }

    pub static A: CheckDef = CheckDef {
        id: ids::E2E_CONNECT,
        summary: "",
        explain: "",
        docs: "",
        requires: &[],
        after: &[],
        applies: always,
        run: pass,
    };
    pub static B: CheckDef = CheckDef { id: ids::E2E_ECHO, requires: &[ids::E2E_CONNECT], ..A };
    pub static C: CheckDef = CheckDef { id: ids::CLOUDFRONT_ORIGIN, applies: needs_cloudfront, ..A };

    fn suite() -> Suite {
        Suite::parse("t.toml", "name='t'\nregion='us-east-1'\nurl='wss://h/p'\n", &|_| None).unwrap()
    }

    fn decisions(p: &Plan) -> Vec<(CheckId, Decision)> {
        p.entries.iter().map(|e| (e.def.id, e.decision.clone())).collect()
    }

    #[test]
    fn only_pulls_in_prerequisites_and_checks_applicability() {
        let cat = [&A, &B, &C];
        let p = plan(&cat, &suite(), &Filters { only: vec![ids::E2E_ECHO.into()], skip: vec![] }).unwrap();
        assert_eq!(
            decisions(&p),
            vec![
                (ids::E2E_CONNECT, Decision::RunAsPrerequisite { of: ids::E2E_ECHO }),
                (ids::E2E_ECHO, Decision::Run),
                (ids::CLOUDFRONT_ORIGIN, Decision::NotSelected { why: "not matched by `only`".into() }),
            ]
        );
        let p = plan(&cat, &suite(), &Filters::default()).unwrap();
        assert_eq!(
            p.decision(ids::CLOUDFRONT_ORIGIN),
            Some(&Decision::NotApplicable { reason: "needs `[cloudfront] distribution_id`".into() })
        );
    }

    #[test]
    fn explicit_skip_of_a_prerequisite_is_kept() {
        let cat = [&A, &B, &C];
        let p =
            plan(&cat, &suite(), &Filters { only: vec!["e2e.*".into()], skip: vec![ids::E2E_CONNECT.into()] }).unwrap();
        assert!(!p.decision(ids::E2E_CONNECT).unwrap().runs());
        assert!(p.decision(ids::E2E_ECHO).unwrap().runs());
    }

    #[test]
    fn unknown_pattern_is_an_error_with_a_suggestion() {
        let e = plan(&[&A, &B, &C], &suite(), &Filters { only: vec!["e2e.ecko".into()], skip: vec![] }).unwrap_err();
        assert!(e.message.contains("did you mean `e2e.echo`"), "{}", e.message);
    }
}
