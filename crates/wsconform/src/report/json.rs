//! `reports/<suite>.json`: one object per suite (an array when one file
//! holds several suites).

use std::path::PathBuf;

use serde_json::{Value, json};

use super::{Reporter, warned, write_atomically};
use crate::events::{Event, SuiteResult};
use crate::outcome::{CheckReport, Status};

pub struct JsonReporter {
    /// One file per suite, or all suites in one file.
    target: Target,
}

pub enum Target {
    PerSuite(Box<dyn Fn(&str) -> PathBuf + Send>),
    Single(PathBuf),
}

impl JsonReporter {
    pub fn new(target: Target) -> Self {
        Self { target }
    }
}

pub fn check_json(r: &CheckReport) -> Value {
    let evidence: serde_json::Map<String, Value> =
        r.outcome.evidence.iter().map(|(k, v)| (k.to_owned(), Value::String(v.to_owned()))).collect();
    let mut check = json!({
        "id": r.id,
        "status": r.outcome.status().as_str(),
        "message": r.outcome.verdict.message(),
        "hint": r.outcome.verdict.hint(),
        "warnings": r.outcome.warnings.iter().map(|w| json!({
            "message": w.message,
            "hint": w.hint,
        })).collect::<Vec<_>>(),
        "evidence": evidence,
        "duration_ms": r.duration.as_millis() as u64,
        "attempts": r.attempts(),
        "retries": r.retries.iter().map(|a| json!({
            "status": a.outcome.status().as_str(),
            "message": a.outcome.verdict.message(),
            "duration_ms": a.duration.as_millis() as u64,
        })).collect::<Vec<_>>(),
    });
    // `status` keeps its four values; these tell an unknown `error` from a
    // harness error, and name the prerequisite a skip follows from.
    if r.outcome.verdict.is_unknown() {
        check["unknown"] = Value::Bool(true);
    }
    // Only failures that carry them: `wsconform fix REPORT.json` reads them back.
    if !r.outcome.fixes().is_empty() {
        check["fixes"] = serde_json::to_value(r.outcome.fixes()).unwrap_or_default();
    }
    if let Some(root) = r.outcome.verdict.skipped_because() {
        check["skipped_because"] = Value::String(root.to_string());
    }
    check
}

pub fn suite_json(s: &SuiteResult) -> Value {
    let properties: serde_json::Map<String, Value> =
        s.properties.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect();
    json!({
        "suite": {
            "name": s.header.name,
            "source": s.header.source,
            "region": s.header.region,
            "url": s.header.url,
            "started_at": s.started_at.to_rfc3339(),
            "properties": properties,
            "warnings": s.header.warnings,
            "interrupted": s.interrupted,
        },
        "checks": s.reports.iter().map(check_json).collect::<Vec<_>>(),
        "summary": {
            "passed": s.count(Status::Pass),
            "failed": s.count(Status::Fail),
            "errored": s.count(Status::Error),
            "skipped": s.count(Status::Skip),
            "warned": warned(&s.reports),
            "duration_ms": s.duration.as_millis() as u64,
        },
        "aws_calls": s.aws_calls,
    })
}

impl Reporter for JsonReporter {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        match (event, &self.target) {
            (Event::SuiteFinished { result, .. }, Target::PerSuite(path)) => {
                let text = serde_json::to_string_pretty(&suite_json(result))?;
                write_atomically(&path(&result.header.name), text.as_bytes())
            }
            (Event::RunFinished { results, .. }, Target::Single(path)) => {
                let value = match results.as_slice() {
                    [one] => suite_json(one),
                    many => Value::Array(many.iter().map(suite_json).collect()),
                };
                write_atomically(path, serde_json::to_string_pretty(&value)?.as_bytes())
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;
    use crate::outcome::Outcome;
    use std::time::Duration;

    fn report(outcome: Outcome) -> CheckReport {
        CheckReport { id: ids::ROUTE53_ALIAS, outcome, retries: vec![], duration: Duration::ZERO, started_at: None }
    }

    #[test]
    fn warnings_are_always_present_with_message_and_hint() {
        let none = check_json(&report(Outcome::pass("ok")));
        assert_eq!(none["warnings"], json!([]));
        let one = check_json(&report(Outcome::pass("ok").warn("no AAAA record", "add the AAAA alias").warn("m", "")));
        assert_eq!(one["status"], "pass");
        assert_eq!(
            one["warnings"],
            json!([{"message": "no AAAA record", "hint": "add the AAAA alias"}, {"message": "m", "hint": null}])
        );
    }

    #[test]
    fn an_unknown_is_an_error_marked_unknown_and_a_skip_names_its_root() {
        let u = check_json(&report(Outcome::unknown("the endpoint does not report HostedZoneId")));
        assert_eq!((&u["status"], &u["unknown"]), (&json!("error"), &json!(true)));
        assert_eq!(u["message"], "unknown: the endpoint does not report HostedZoneId");
        let e = check_json(&report(Outcome::error("no credentials")));
        assert_eq!(e.get("unknown"), None);
        let failed = Outcome::fail("no stage", "create it").verdict;
        let skip = Outcome::from(failed.skip_for_dependent(ids::APIGW_STAGE).unwrap());
        let s = check_json(&report(skip));
        assert_eq!((&s["status"], &s["skipped_because"]), (&json!("skip"), &json!("apigw.stage")));
    }
}
