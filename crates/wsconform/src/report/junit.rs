//! JUnit XML via quick-junit: one `<testsuite>` per suite, one `<testcase>`
//! per check (classname = area, name = id). Shaped for the Jenkins
//! xunit-plugin junit-10 schema: evidence goes in `<system-out>` (no
//! `<properties>` in a testcase), retries as Surefire's flaky/rerun elements.
//! The default flavor keeps what quick-junit writes on `<testsuites>`
//! (`skipped`, `timestamp`, `uuid`), which most consumers read; the strict
//! flavor drops those three so the file validates against junit-10 exactly.

use std::path::PathBuf;

use quick_junit::{FlakyOrRerun, NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::{Reporter, write_atomically};
use crate::events::{Event, SuiteResult};
use crate::outcome::{Attempt, CheckReport, Status};

pub enum Target {
    PerSuite(Box<dyn Fn(&str) -> PathBuf + Send>),
    Single(PathBuf),
}

/// `--junit-flavor`: which JUnit dialect to write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Flavor {
    /// quick-junit's output: junit-10 plus `skipped`, `timestamp` and `uuid` on `<testsuites>`.
    #[default]
    Default,
    /// Exactly the Jenkins xunit-plugin junit-10 schema, for consumers that validate it.
    Strict,
}

pub struct JunitReporter {
    target: Target,
    flavor: Flavor,
}

impl JunitReporter {
    pub fn new(target: Target) -> Self {
        Self { target, flavor: Flavor::Default }
    }

    pub fn with_flavor(mut self, flavor: Flavor) -> Self {
        self.flavor = flavor;
        self
    }
}

fn rerun(a: &Attempt) -> TestRerun {
    let kind = if a.outcome.status() == Status::Error { NonSuccessKind::Error } else { NonSuccessKind::Failure };
    let mut r = TestRerun::new(kind);
    // junit-10 requires `type` on rerun elements.
    r.set_type(a.outcome.status().as_str()).set_message(a.outcome.verdict.message());
    r
}

/// `<system-out>`: the warnings first (they do not fail the testcase, so
/// this is where CI shows them), then the evidence, then the fixes.
fn evidence_text(r: &CheckReport) -> String {
    let mut out = String::new();
    for w in &r.outcome.warnings {
        out.push_str(&format!("warning: {}\n", w.message));
        if let Some(h) = &w.hint {
            out.push_str(&format!("hint: {h}\n"));
        }
    }
    for (k, v) in r.outcome.evidence.iter() {
        out.push_str(&format!("{k}: {v}\n"));
    }
    out.push_str(&format!("attempts: {}\n", r.attempts()));
    // The fixes as `wsconform fix` prints them: comments, then the shell-quoted commands.
    out.push_str(&crate::fix::check_script(r.id.as_str(), r.outcome.fixes()));
    out
}

pub fn testcase(r: &CheckReport) -> TestCase {
    let status = match r.outcome.status() {
        Status::Pass => {
            let mut s = TestCaseStatus::success();
            if !r.retries.is_empty() {
                s.add_reruns(r.retries.iter().map(rerun));
            }
            s
        }
        st @ (Status::Fail | Status::Error) => {
            let kind = if st == Status::Fail { NonSuccessKind::Failure } else { NonSuccessKind::Error };
            let mut s = TestCaseStatus::non_success(kind);
            s.set_message(r.outcome.verdict.message()).set_type(st.as_str());
            let mut body = r.outcome.verdict.message().to_owned();
            if let Some(h) = r.outcome.verdict.hint() {
                body.push_str(&format!("\nhint: {h}"));
            }
            s.set_description(body);
            if !r.retries.is_empty() {
                s.add_reruns(r.retries.iter().map(rerun));
                s.set_rerun_kind(FlakyOrRerun::Rerun);
            }
            s
        }
        Status::Skip => {
            let mut s = TestCaseStatus::skipped();
            s.set_message(r.outcome.verdict.message());
            s
        }
    };
    let mut tc = TestCase::new(r.id, status);
    tc.set_classname(r.area()).set_time(r.duration).set_system_out(evidence_text(r));
    tc
}

pub fn testsuite(s: &SuiteResult) -> TestSuite {
    let mut ts = TestSuite::new(s.header.name.as_str());
    ts.set_timestamp(s.started_at).set_time(s.duration);
    let mut props = vec![
        Property::new("source", s.header.source.as_str()),
        Property::new("region", s.header.region.as_str()),
        Property::new("url", s.header.url.as_str()),
    ];
    props.extend(s.properties.iter().map(|(k, v)| Property::new(k.as_str(), v.as_str())));
    props.extend(s.header.warnings.iter().map(|w| Property::new("warning", w.as_str())));
    if s.interrupted {
        props.push(Property::new("interrupted", "true"));
    }
    for (op, n) in &s.aws_calls {
        props.push(Property::new(format!("aws_calls.{op}"), n.to_string()));
    }
    ts.add_properties(props);
    ts.add_test_cases(s.reports.iter().map(testcase));
    ts
}

pub fn render(results: &[SuiteResult]) -> super::Result<String> {
    render_flavor(results, Flavor::Default)
}

pub fn render_flavor(results: &[SuiteResult], flavor: Flavor) -> super::Result<String> {
    let mut report = Report::new("wsconform");
    report.add_test_suites(results.iter().map(testsuite));
    if let Some(first) = results.first() {
        report.set_timestamp(first.started_at);
    }
    report.set_time(results.iter().map(|r| r.duration).max().unwrap_or_default());
    let xml = report.to_string()?;
    match flavor {
        Flavor::Default => Ok(xml),
        Flavor::Strict => strip_testsuites_attributes(&xml, &["skipped", "timestamp", "uuid"]),
    }
}

/// Rewrites the root `<testsuites>` start tag without `drop`'s attributes;
/// every other byte stays as quick-junit wrote it.
fn strip_testsuites_attributes(xml: &str, drop: &[&str]) -> super::Result<String> {
    let xml_error = |e: &dyn std::fmt::Display| super::Error::Xml(e.to_string());
    use quick_xml::events::{BytesStart, Event as Xml};
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        let start = reader.buffer_position() as usize;
        match reader.read_event().map_err(|e| xml_error(&e))? {
            Xml::Start(e) | Xml::Empty(e) if e.name().as_ref() == b"testsuites" => {
                let end = reader.buffer_position() as usize;
                let empty = xml[..end].ends_with("/>");
                let mut tag = BytesStart::new("testsuites");
                for a in e.attributes() {
                    let a = a.map_err(|e| xml_error(&e))?;
                    if !drop.iter().any(|d| a.key.as_ref() == d.as_bytes()) {
                        tag.push_attribute(a);
                    }
                }
                let mut out = quick_xml::Writer::new(Vec::new());
                out.write_event(if empty { Xml::Empty(tag) } else { Xml::Start(tag) }).map_err(|e| xml_error(&e))?;
                let tag = String::from_utf8(out.into_inner()).map_err(|e| xml_error(&e))?;
                return Ok(format!("{}{tag}{}", &xml[..start], &xml[end..]));
            }
            Xml::Eof => return Err(super::Error::Xml("no <testsuites> element".into())),
            _ => {}
        }
    }
}

impl Reporter for JunitReporter {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        match (event, &self.target) {
            (Event::SuiteFinished { result, .. }, Target::PerSuite(path)) => {
                let xml = render_flavor(std::slice::from_ref(result), self.flavor)?;
                write_atomically(&path(&result.header.name), xml.as_bytes())
            }
            (Event::RunFinished { results, .. }, Target::Single(path)) => {
                write_atomically(path, render_flavor(results, self.flavor)?.as_bytes())
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

    #[test]
    fn warnings_go_to_system_out_and_the_testcase_stays_a_pass() {
        let r = CheckReport {
            id: ids::ROUTE53_ALIAS,
            outcome: Outcome::pass("ALIAS ok").warn("no AAAA record", "add the AAAA alias").evidence("zone", "Z1"),
            retries: vec![],
            duration: Duration::ZERO,
            started_at: None,
        };
        let text = evidence_text(&r);
        assert!(text.starts_with("warning: no AAAA record\nhint: add the AAAA alias\nzone: Z1\n"), "{text}");
        let tc = testcase(&r);
        assert!(matches!(tc.status, TestCaseStatus::Success { .. }), "{:?}", tc.status);
    }

    #[test]
    fn fixes_go_to_system_out_as_the_fix_script_has_them() {
        let r = CheckReport {
            id: ids::CLOUDFRONT_PATH_PATTERN,
            outcome: Outcome::fail("PathPattern is `prod*`", "set it").with_fix(crate::fix::example("<Prod&*>")),
            retries: vec![],
            duration: Duration::ZERO,
            started_at: None,
        };
        let text = evidence_text(&r);
        assert!(
            text.contains("attempts: 1\n\n# cloudfront.path-pattern: AWS::CloudFront::Distribution E2SANDBOXWS01"),
            "{text}"
        );
        assert!(text.ends_with(&crate::fix::check_script("cloudfront.path-pattern", r.outcome.fixes())), "{text}");
        // quick-junit escapes it in the XML.
        let mut report = quick_junit::Report::new("wsconform");
        let mut suite = TestSuite::new("s");
        suite.add_test_case(testcase(&r));
        report.add_test_suite(suite);
        let xml = report.to_string().unwrap();
        assert!(xml.contains("&apos;&lt;Prod&amp;*&gt;&apos;") || xml.contains("'&lt;Prod&amp;*&gt;'"), "{xml}");
    }

    #[test]
    fn the_strict_flavor_drops_only_the_testsuites_extras() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="wsconform" tests="1" skipped="0" failures="0" errors="0" uuid="u" timestamp="2026-11-21T10:00:00.000Z" time="1.5">
    <testsuite name="s" tests="1" skipped="0" failures="0" errors="0" timestamp="2026-11-21T10:00:00.000Z"/>
</testsuites>
"#;
        let strict = strip_testsuites_attributes(xml, &["skipped", "timestamp", "uuid"]).unwrap();
        assert_eq!(
            strict,
            xml.replace(
                r#" skipped="0" failures="0" errors="0" uuid="u" timestamp="2026-11-21T10:00:00.000Z" time"#,
                r#" failures="0" errors="0" time"#
            )
        );
        assert!(strict.contains(r#"<testsuite name="s" tests="1" skipped="0" failures="0" errors="0" timestamp="#));
    }
}
