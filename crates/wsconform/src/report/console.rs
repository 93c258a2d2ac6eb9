//! The console: a line per finished check, a live line listing running
//! checks on a TTY (plain lines only in CI and cron), and a summary that
//! repeats every failure and every warning with its hint.

use std::collections::BTreeSet;
use std::io::Write;
use std::time::{Duration, Instant};

use super::{Reporter, warned, warnings_label};
use crate::events::{Counts, Event, SuiteHeader};
use crate::outcome::{CheckReport, Status};

pub struct ConsoleReporter<W: Write + Send> {
    out: W,
    /// Live status line and colors.
    tty: bool,
    color: bool,
    verbose: bool,
    /// `--fix`: each fix's commands under it, not only its field change.
    fix_commands: bool,
    suites: Vec<SuiteHeader>,
    running: BTreeSet<(usize, crate::ids::CheckId)>,
    done: usize,
    total: usize,
    live_line_shown: bool,
    last_draw: Option<Instant>,
}

impl<W: Write + Send> ConsoleReporter<W> {
    pub fn new(out: W, tty: bool, color: bool, verbose: bool) -> Self {
        Self {
            out,
            tty,
            color,
            verbose,
            fix_commands: false,
            suites: vec![],
            running: BTreeSet::new(),
            done: 0,
            total: 0,
            live_line_shown: false,
            last_draw: None,
        }
    }

    /// Shows each fix's commands (`run --fix`).
    pub fn with_fix_commands(mut self, on: bool) -> Self {
        self.fix_commands = on;
        self
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color { format!("\x1b[{code}m{text}\x1b[0m") } else { text.to_owned() }
    }

    fn label(&self, s: Status) -> String {
        let (code, text) = match s {
            Status::Pass => ("32", "PASS "),
            Status::Fail => ("31;1", "FAIL "),
            Status::Error => ("33;1", "ERROR"),
            Status::Skip => ("2", "SKIP "),
        };
        self.paint(code, text)
    }

    fn name(&self, suite: usize, id: crate::ids::CheckId) -> String {
        if self.suites.len() > 1 { format!("{}: {id}", self.suites[suite].name) } else { id.to_string() }
    }

    fn clear_live(&mut self) -> std::io::Result<()> {
        if self.live_line_shown {
            write!(self.out, "\r\x1b[2K")?;
            self.live_line_shown = false;
        }
        Ok(())
    }

    fn draw_live(&mut self, force: bool) -> std::io::Result<()> {
        if !self.tty || self.running.is_empty() {
            return Ok(());
        }
        // Redraw at most 20 times a second.
        if !force && self.last_draw.is_some_and(|t| t.elapsed() < Duration::from_millis(50)) {
            return Ok(());
        }
        self.clear_live()?;
        let names: Vec<String> = self.running.iter().map(|(s, id)| self.name(*s, *id)).collect();
        let mut line = format!("[{}/{}] running: {}", self.done, self.total, names.join(", "));
        if line.chars().count() > 110 {
            line = line.chars().take(107).collect::<String>() + "...";
        }
        write!(self.out, "{}", self.paint("2", &line))?;
        self.out.flush()?;
        self.live_line_shown = true;
        self.last_draw = Some(Instant::now());
        Ok(())
    }

    fn finished(&mut self, suite: usize, r: &CheckReport) -> std::io::Result<()> {
        self.clear_live()?;
        let status = r.outcome.status();
        let ms = if status == Status::Skip { String::new() } else { format!("{} ms", r.duration.as_millis()) };
        let retries = if r.retries.is_empty() { String::new() } else { format!(" (after {} attempts)", r.attempts()) };
        let warnings = &r.outcome.warnings;
        let warned = if warnings.is_empty() { String::new() } else { format!(" ({})", warnings_label(warnings.len())) };
        writeln!(
            self.out,
            "  {} {:<28} {:>8}  {}{}{}",
            self.label(status),
            self.name(suite, r.id),
            ms,
            r.outcome.verdict.message(),
            warned,
            retries
        )?;
        if let Some(h) = r.outcome.verdict.hint() {
            writeln!(self.out, "  {:>5} {}", "", self.paint("36", &format!("hint: {h}")))?;
        }
        for w in warnings {
            writeln!(
                self.out,
                "  {} {:<28} {:>8}  {}",
                self.paint("33", "WARN "),
                self.name(suite, r.id),
                "",
                w.message
            )?;
            if let Some(h) = &w.hint {
                writeln!(self.out, "  {:>5} {}", "", self.paint("36", &format!("hint: {h}")))?;
            }
        }
        for fix in r.outcome.fixes() {
            writeln!(
                self.out,
                "  {:>5} {}",
                "",
                self.paint("36", &format!("fix: {} on {}", fix.summary(), fix.target()))
            )?;
            if self.fix_commands {
                // Shell-quoted, so no value runs as shell syntax; a newline inside quotes is shown as `\n`,
                // so no value starts a console line either (`wsconform fix` prints it exactly).
                for line in fix.shell().unwrap_or_default() {
                    let shown = line.replace('\n', "\\n").replace('\r', "\\r");
                    let note = if shown == line {
                        ""
                    } else {
                        "   # newlines shown as \\n: `wsconform fix` prints it exactly"
                    };
                    writeln!(self.out, "  {:>5}   $ {shown}{note}", "")?;
                }
            }
        }
        if self.verbose {
            for (k, v) in r.outcome.evidence.iter() {
                writeln!(self.out, "          {k}: {v}")?;
            }
        }
        Ok(())
    }
}

/// A finding as the summary lists it: suite, check ids, message, hint.
type Group<'a> = (&'a str, Vec<&'static str>, &'a str, Option<&'a str>);

/// Findings with the same suite, message and hint, listed once with all
/// their check ids: one missing credential is one line, not ten.
fn group<'a>(findings: impl IntoIterator<Item = (&'a str, &'static str, &'a str, Option<&'a str>)>) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    for (suite, id, message, hint) in findings {
        match groups.iter_mut().find(|g| g.0 == suite && g.2 == message && g.3 == hint) {
            Some(g) => g.1.push(id),
            None => groups.push((suite, vec![id], message, hint)),
        }
    }
    groups
}

fn group_failures<'a>(failures: &[(&'a str, &'a CheckReport)]) -> Vec<Group<'a>> {
    group(
        failures
            .iter()
            .map(|(suite, r)| (*suite, r.id.as_str(), r.outcome.verdict.message(), r.outcome.verdict.hint())),
    )
}

/// Every warning of every check, grouped like failures.
fn group_warnings<'a>(reports: &[(&'a str, &'a CheckReport)]) -> Vec<Group<'a>> {
    group(reports.iter().flat_map(|(suite, r)| {
        r.outcome.warnings.iter().map(move |w| (*suite, r.id.as_str(), w.message.as_str(), w.hint.as_deref()))
    }))
}

impl<W: Write + Send> Reporter for ConsoleReporter<W> {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        match event {
            Event::RunStarted { suites } => {
                self.suites = suites.clone();
                self.total = suites.iter().map(|s| s.checks.len()).sum();
                for s in suites {
                    writeln!(self.out, "wsconform: suite {} ({}) — {} in {}", s.name, s.source, s.url, s.region)?;
                    for w in &s.warnings {
                        writeln!(self.out, "  {}", self.paint("33;1", &format!("WARNING: {w}")))?;
                    }
                }
            }
            Event::CheckStarted { suite, id } => {
                self.running.insert((*suite, *id));
                self.draw_live(false)?;
            }
            Event::CheckRetrying { suite, id, attempt, outcome, delay } => {
                self.clear_live()?;
                writeln!(
                    self.out,
                    "  {} {:<28} attempt {attempt}: {} — retrying in {}",
                    self.paint("33", "RETRY"),
                    self.name(*suite, *id),
                    outcome.verdict.message(),
                    humantime::format_duration(*delay)
                )?;
                self.draw_live(true)?;
            }
            Event::CheckFinished { suite, report } => {
                self.running.remove(&(*suite, report.id));
                self.done += 1;
                self.finished(*suite, report)?;
                self.draw_live(true)?;
            }
            Event::SuiteFinished { result, .. } => {
                self.clear_live()?;
                for (k, v) in &result.properties {
                    writeln!(self.out, "  {k}: {v}")?;
                }
            }
            Event::RunFinished { results, duration, interrupted } => {
                self.clear_live()?;
                let c = Counts::of(results);
                writeln!(self.out)?;
                if *interrupted {
                    writeln!(
                        self.out,
                        "{}",
                        self.paint("33;1", "interrupted: unfinished checks are reported as errors")
                    )?;
                }
                let all: Vec<(&str, &CheckReport)> =
                    results.iter().flat_map(|s| s.reports.iter().map(move |r| (s.header.name.as_str(), r))).collect();
                let failures: Vec<(&str, &CheckReport)> = all
                    .iter()
                    .copied()
                    .filter(|(_, r)| matches!(r.outcome.status(), Status::Fail | Status::Error))
                    .collect();
                for (title, groups) in [("failures:", group_failures(&failures)), ("warnings:", group_warnings(&all))] {
                    if groups.is_empty() {
                        continue;
                    }
                    writeln!(self.out, "{title}")?;
                    for (suite, ids, message, hint) in groups {
                        writeln!(self.out, "  {suite}: {} — {message}", ids.join(", "))?;
                        if let Some(h) = hint {
                            writeln!(self.out, "      hint: {h}")?;
                        }
                    }
                    writeln!(self.out)?;
                }
                let commands =
                    all.iter().flat_map(|(_, r)| r.outcome.fixes()).filter(|f| !f.commands.is_empty()).count();
                if commands > 0 && !self.fix_commands {
                    writeln!(
                        self.out,
                        "{commands} {} a command: run with --fix to see them, or `wsconform fix REPORT.json` on a \
                         --json report for a script to review (wsconform never runs them)\n",
                        if commands == 1 { "fix has" } else { "fixes have" }
                    )?;
                }
                let warned = results.iter().map(|s| warned(&s.reports)).sum::<usize>();
                let warned = if warned == 0 { String::new() } else { format!(", {warned} warned") };
                writeln!(
                    self.out,
                    "{} passed, {} failed, {} errored, {} skipped{warned} in {:.2}s",
                    c.passed,
                    c.failed,
                    c.errored,
                    c.skipped,
                    duration.as_secs_f64()
                )?;
            }
        }
        self.out.flush()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;
    use crate::outcome::Outcome;
    use std::time::Duration;

    fn report(id: crate::ids::CheckId, o: Outcome) -> CheckReport {
        CheckReport { id, outcome: o, retries: vec![], duration: Duration::ZERO, started_at: None }
    }

    #[test]
    fn warnings_show_on_the_check_line_and_in_the_summary() {
        use crate::events::{SuiteHeader, SuiteResult};
        let aaaa = |o: Outcome| o.warn("ws.example.com has no AAAA record", "add an ALIAS AAAA record");
        let header = SuiteHeader {
            name: "s".into(),
            source: "<test>".into(),
            region: "ap-northeast-1".into(),
            url: "wss://ws.example.com/Prod".into(),
            checks: vec![ids::ROUTE53_ALIAS, ids::DNS_RESOLVES],
            warnings: vec![],
        };
        let result = SuiteResult {
            route: Vec::new(),
            header: header.clone(),
            reports: vec![
                report(ids::ROUTE53_ALIAS, aaaa(Outcome::pass("ALIAS ok"))),
                report(ids::DNS_RESOLVES, Outcome::pass("ok")),
            ],
            properties: vec![],
            aws_calls: Default::default(),
            duration: Duration::ZERO,
            started_at: chrono::Utc::now(),
            interrupted: false,
        };
        let mut c = ConsoleReporter::new(Vec::new(), false, false, false);
        c.on_event(&Event::RunStarted { suites: vec![header] }).unwrap();
        for r in &result.reports {
            c.on_event(&Event::CheckFinished { suite: 0, report: r.clone() }).unwrap();
        }
        c.on_event(&Event::RunFinished { results: vec![result], duration: Duration::ZERO, interrupted: false })
            .unwrap();
        let out = String::from_utf8(c.into_inner()).unwrap();
        assert!(out.contains("  PASS  route53.alias                    0 ms  ALIAS ok (1 warning)\n"), "{out}");
        assert!(
            out.contains("  WARN  route53.alias                          ws.example.com has no AAAA record\n        hint: add an ALIAS AAAA record\n"),
            "{out}"
        );
        assert!(
            out.contains("\nwarnings:\n  s: route53.alias — ws.example.com has no AAAA record\n      hint: add an ALIAS AAAA record\n"),
            "{out}"
        );
        assert!(!out.contains("failures:"), "{out}");
        assert!(out.ends_with("2 passed, 0 failed, 0 errored, 0 skipped, 1 warned in 0.00s\n"), "{out}");
    }

    /// The console's text for one suite of `reports`.
    fn render(reports: Vec<CheckReport>, fix_commands: bool) -> String {
        use crate::events::{SuiteHeader, SuiteResult};
        let header = SuiteHeader {
            name: "s".into(),
            source: "<test>".into(),
            region: "ap-northeast-1".into(),
            url: "wss://ws.example.com/Prod".into(),
            checks: reports.iter().map(|r| r.id).collect(),
            warnings: vec![],
        };
        let result = SuiteResult {
            route: Vec::new(),
            header: header.clone(),
            reports,
            properties: vec![],
            aws_calls: Default::default(),
            duration: Duration::ZERO,
            started_at: chrono::Utc::now(),
            interrupted: false,
        };
        let mut c = ConsoleReporter::new(Vec::new(), false, false, false).with_fix_commands(fix_commands);
        c.on_event(&Event::RunStarted { suites: vec![header] }).unwrap();
        for r in &result.reports {
            c.on_event(&Event::CheckFinished { suite: 0, report: r.clone() }).unwrap();
        }
        c.on_event(&Event::RunFinished { results: vec![result], duration: Duration::ZERO, interrupted: false })
            .unwrap();
        String::from_utf8(c.into_inner()).unwrap()
    }

    #[test]
    fn a_fix_shows_under_its_hint_and_its_commands_only_with_fix() {
        let hostile = "Prod*\n  PASS  forged line";
        let failing = || {
            let o = Outcome::fail("behavior #0 PathPattern is `prod*`", "set it to `Prod*`");
            report(ids::CLOUDFRONT_PATH_PATTERN, o.with_fix(crate::fix::example(hostile)))
        };
        let out = render(vec![failing()], false);
        assert!(
            out.contains("        hint: set it to `Prod*`\n        fix: DistributionConfig.CacheBehaviors.Items[0].PathPattern: prod* → Prod*   PASS  forged line on AWS::CloudFront::Distribution E2SANDBOXWS01 (global)\n"),
            "{out}"
        );
        assert!(!out.contains("\n  PASS  forged"), "a value cannot start a line: {out}");
        assert!(!out.contains("$ sh -c"), "{out}");
        assert!(out.contains("1 fix has a command: run with --fix"), "{out}");
        let out = render(vec![failing()], true);
        let commands: Vec<&str> = out.lines().filter_map(|l| l.strip_prefix("          $ ")).collect();
        assert_eq!(commands.len(), 3, "the three CloudFront steps: {out}");
        assert!(
            commands[1].ends_with(
                "'Prod*\\n  PASS  forged line'   # newlines shown as \\n: `wsconform fix` prints it exactly"
            ),
            "{out}"
        );
        assert!(!out.contains("\n  PASS  forged"), "a value cannot start a line: {out}");
        assert!(!out.contains("run with --fix"), "{out}");
        assert!(!render(vec![report(ids::DNS_RESOLVES, Outcome::pass("ok"))], false).contains("fix"));
    }

    #[test]
    fn identical_warnings_are_grouped_like_failures() {
        let w = |id, o: Outcome| report(id, o.warn("emulator does not enforce the quota", ""));
        let (a, b) = (w(ids::E2E_LIMITS, Outcome::pass("ok")), w(ids::E2E_ECHO, Outcome::fail("silent", "fix")));
        let groups = group_warnings(&[("s", &a), ("s", &b)]);
        assert_eq!(
            groups,
            vec![(
                "s",
                vec![ids::E2E_LIMITS.as_str(), ids::E2E_ECHO.as_str()],
                "emulator does not enforce the quota",
                None
            )]
        );
    }

    #[test]
    fn identical_failures_are_listed_once() {
        let no_creds = "no AWS credentials: looked in the environment, profile, SSO, web identity, IMDS";
        let (a, b, c) = (
            report(ids::APIGW_API, Outcome::error(no_creds)),
            report(ids::APIGW_STAGE, Outcome::error(no_creds)),
            report(ids::E2E_CONNECT, Outcome::fail("HTTP 403", "fix the path")),
        );
        let failures = [("s", &a), ("s", &b), ("s", &c)];
        let groups = group_failures(&failures);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].1, vec![ids::APIGW_API, ids::APIGW_STAGE]);
        assert_eq!(groups[1], ("s", vec![ids::E2E_CONNECT.as_str()], "HTTP 403", Some("fix the path")));
    }
}
