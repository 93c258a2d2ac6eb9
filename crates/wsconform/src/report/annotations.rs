//! GitHub Actions annotations: under `GITHUB_ACTIONS=true` every check
//! failure (or error) and every check warning is also printed as a workflow
//! command, so the pull request shows it on the suite file:
//!
//! ```text
//! ::error title=cloudfront.path-pattern,file=suites/staging.toml,line=19::behavior #1 … — hint: set PathPattern to `Prod*`
//! ::warning title=route53.alias,file=suites/staging.toml,line=3::ws.example.com has no AAAA record … — hint: add …
//! ```
//!
//! `line` is the suite key the finding is about (`[cloudfront]` for
//! `cloudfront.*`, `[custom_domain] mapping_key` for `apigw.mapping`, …),
//! else the `url` line. A suite that is not a file (the sandbox's own) gets
//! neither `file` nor `line`. Messages come from the events, which are
//! already redacted. GitLab needs nothing: its JUnit report carries the same.

use std::collections::HashMap;
use std::io::Write;

use super::Reporter;
use crate::events::{Event, SuiteHeader};
use crate::ids::{self, CheckId};
use crate::outcome::{CheckReport, Status};

/// Whether the annotations are wanted: GitHub Actions sets `GITHUB_ACTIONS=true`.
pub fn enabled(env: impl Fn(&str) -> Option<String>) -> bool {
    env("GITHUB_ACTIONS").as_deref() == Some("true")
}

/// Where a suite's findings point: its file and, per key, the key's line.
struct SuiteFile {
    path: String,
    text: String,
}

pub struct AnnotationReporter<W: Write + Send> {
    out: W,
    /// By suite index: the suite file, when the suite came from one.
    files: HashMap<usize, SuiteFile>,
}

impl<W: Write + Send> AnnotationReporter<W> {
    pub fn new(out: W) -> Self {
        Self { out, files: HashMap::new() }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn locate(&mut self, index: usize, header: &SuiteHeader) {
        // The suite was read from this path a moment ago; a built-in suite
        // (`--sandbox` without a file) has no file to point at.
        if let Ok(text) = std::fs::read_to_string(&header.source) {
            self.files.insert(index, SuiteFile { path: header.source.clone(), text });
        }
    }

    fn properties(&self, suite: usize, id: CheckId) -> String {
        let mut props = vec![format!("title={}", property(&id))];
        if let Some(f) = self.files.get(&suite) {
            props.push(format!("file={}", property(&f.path)));
            if let Some(line) = suite_keys(id).iter().find_map(|k| crate::suite::key_line(&f.text, k)) {
                props.push(format!("line={line}"));
            }
        }
        props.join(",")
    }

    fn annotate(&mut self, suite: usize, r: &CheckReport) -> std::io::Result<()> {
        let props = self.properties(suite, r.id);
        // The field changes, short; the commands are for `wsconform fix` (annotations are one message).
        let fixes: String = r.outcome.fixes().iter().map(|f| format!(" — fix: {}", f.summary())).collect();
        let more = if r.outcome.fixes().iter().any(|f| !f.commands.is_empty()) {
            " (`wsconform fix REPORT.json` prints the commands)"
        } else {
            ""
        };
        let failed = matches!(r.outcome.status(), Status::Fail | Status::Error);
        if failed {
            let text = with_hint(r.outcome.verdict.message(), r.outcome.verdict.hint());
            writeln!(self.out, "::error {props}::{}", data(&format!("{text}{fixes}{more}")))?;
        }
        for (i, w) in r.outcome.warnings.iter().enumerate() {
            let text = with_hint(&w.message, w.hint.as_deref());
            // A passing check's fixes are its warnings': said once, on the first.
            let tail = if failed || i > 0 { String::new() } else { format!("{fixes}{more}") };
            writeln!(self.out, "::warning {props}::{}", data(&format!("{text}{tail}")))?;
        }
        Ok(())
    }
}

fn with_hint(message: &str, hint: Option<&str>) -> String {
    match hint {
        Some(h) if !h.is_empty() => format!("{message} — hint: {h}"),
        _ => message.to_owned(),
    }
}

/// The suite keys a check's findings are about, most specific first; the
/// `url` line when none is written.
fn suite_keys(id: CheckId) -> &'static [&'static str] {
    match id {
        ids::APIGW_MAPPING => &["custom_domain.mapping_key", "custom_domain", "url"],
        ids::APIGW_DOMAIN => &["custom_domain.name", "custom_domain", "url"],
        ids::APIGW_API => &["api.id", "api", "url"],
        ids::APIGW_STAGE => &["api.stage", "api", "url"],
        ids::APIGW_ROUTES => &["api.routes", "api", "url"],
        ids::APIGW_EXECUTE_API_DISABLED => &["api.execute_api", "api", "url"],
        ids::DNS_ALIAS_TARGET => &["dns.alias_target", "url"],
        id if id.area() == "cloudfront" => &["cloudfront", "url"],
        _ => &["url"],
    }
}

/// Escapes a workflow command's message (GitHub's `escapeData`).
pub fn data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a workflow command's property value (GitHub's `escapeProperty`).
pub fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

impl<W: Write + Send> Reporter for AnnotationReporter<W> {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        match event {
            Event::RunStarted { suites } => {
                self.files.clear();
                for (i, h) in suites.iter().enumerate() {
                    self.locate(i, h);
                }
            }
            Event::RunFinished { results, .. } => {
                for (i, s) in results.iter().enumerate() {
                    for r in &s.reports {
                        self.annotate(i, r)?;
                    }
                }
                self.out.flush()?;
            }
            _ => {}
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_workflow_command_rules() {
        assert_eq!(data("100% a:b, c\r\nd"), "100%25 a:b, c%0D%0Ad");
        assert_eq!(property("100% a:b, c\r\nd"), "100%25 a%3Ab%2C c%0D%0Ad");
    }

    #[test]
    fn only_github_actions_enables_them() {
        assert!(enabled(|k| (k == "GITHUB_ACTIONS").then(|| "true".to_string())));
        assert!(!enabled(|k| (k == "GITHUB_ACTIONS").then(|| "false".to_string())));
        assert!(!enabled(|k| (k == "GITLAB_CI").then(|| "true".to_string())));
        assert!(!enabled(|_| None));
    }

    #[test]
    fn a_failure_names_its_field_change_and_a_warning_carries_a_passing_checks_fix() {
        use crate::outcome::Outcome;
        let report =
            |id, outcome| CheckReport { id, outcome, retries: vec![], duration: Default::default(), started_at: None };
        let mut a = AnnotationReporter::new(Vec::new());
        let failed =
            Outcome::fail("PathPattern is `prod*`", "set it").with_fix(crate::fix::example("Prod*\n::error::x"));
        a.annotate(0, &report(ids::CLOUDFRONT_PATH_PATTERN, failed)).unwrap();
        let warned = Outcome::pass("ok").warn("one", "h1").warn("two", "h2").with_fix(crate::fix::example("Prod*"));
        a.annotate(0, &report(ids::CLOUDFRONT_DISTRIBUTION, warned)).unwrap();
        let out = String::from_utf8(a.into_inner()).unwrap();
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 3, "a value's newline is escaped, no forged command: {out}");
        assert!(
            lines[0]
                .ends_with("PathPattern: prod* → Prod* ::error::x (`wsconform fix REPORT.json` prints the commands)"),
            "{out}"
        );
        assert!(lines[1].contains("one — hint: h1 — fix: "), "{out}");
        assert!(!lines[2].contains("fix:"), "said once: {out}");
    }

    #[test]
    fn every_check_falls_back_to_the_url() {
        for c in crate::checks::catalog() {
            assert_eq!(suite_keys(c.id).last(), Some(&"url"), "{}", c.id);
        }
    }
}
