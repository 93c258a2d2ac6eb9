//! `wsconform trace`: the hop chain of docs/architecture.md, hop by hop, as the
//! suite's checks observed it. The checks run once (as `run` would); this
//! module only regroups their verdicts by hop and points at the first hop
//! that breaks, with its hint. Rendering is pure and deterministic (no
//! timings, no ports) so the output can be snapshot-tested.

use std::fmt::Write as _;
use std::time::Duration;

use crate::events::SuiteResult;
use crate::ids::{self, CheckId};
use crate::model::route::Layout;
use crate::outcome::{CheckReport, Status};
use crate::plan::Filters;
use crate::run::{BadInput, RunOptions, SandboxOverride, SuiteSource, load_suite, run};
use crate::runner::RunnerOptions;
use crate::suite::Suite;

/// A trace is one run of the suite's checks: bounded like a CI run without `--wait`.
const TRACE_DEADLINE: Duration = Duration::from_secs(120);

/// One hop of the chain and the checks that judge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hop {
    pub name: &'static str,
    /// The checks of this hop.
    pub checks: &'static [CheckId],
    /// A whole area (`e2e`): its checks, including ones newer than this table.
    pub area: Option<&'static str>,
}

/// The hop chain, client first (docs/architecture.md, The hop chain and the layouts).
pub const HOPS: &[Hop] = &[
    Hop { name: "DNS", checks: &[ids::DNS_RESOLVES, ids::DNS_ALIAS_TARGET, ids::ROUTE53_ALIAS], area: None },
    Hop { name: "certificate", checks: &[ids::TLS_CERTIFICATE, ids::ACM_CERTIFICATE], area: None },
    Hop { name: "CloudFront distribution", checks: &[ids::CLOUDFRONT_DISTRIBUTION], area: None },
    Hop { name: "behavior", checks: &[ids::CLOUDFRONT_PATH_PATTERN], area: None },
    Hop { name: "origin", checks: &[ids::CLOUDFRONT_ORIGIN], area: None },
    Hop { name: "forwarding / Host API Gateway sees", checks: &[ids::CLOUDFRONT_FORWARDING], area: None },
    Hop { name: "API mapping or stage path", checks: &[ids::APIGW_MAPPING, ids::APIGW_DOMAIN], area: None },
    Hop {
        name: "API + stage",
        checks: &[ids::APIGW_API, ids::APIGW_STAGE, ids::APIGW_EXECUTE_API_DISABLED],
        area: None,
    },
    Hop {
        name: "routes → integrations, authorizer, Lambda permissions",
        checks: &[ids::APIGW_ROUTES, ids::APIGW_INTEGRATIONS, ids::APIGW_AUTHORIZER],
        area: None,
    },
    Hop { name: "live: connect → echo → @connections", checks: &[], area: Some("e2e") },
];

/// Checks no hop claims (a catalog newer than this table) land here, last.
const OTHER_HOP: &str = "other checks";

impl Hop {
    pub fn claims(&self, id: CheckId) -> bool {
        self.checks.contains(&id) || self.area == Some(id.area())
    }
}

/// How a hop fared: the worst of its checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    Passed,
    /// Works, with a warning worth fixing (`!`).
    Warned,
    Broken,
    /// Skipped, not applicable to the layout, or not in the plan.
    NotApplicable,
}

impl Mark {
    pub fn symbol(self) -> &'static str {
        match self {
            Mark::Passed => "✓",
            Mark::Warned => "!",
            Mark::Broken => "✗",
            Mark::NotApplicable => "–",
        }
    }

    fn of_status(s: Status) -> Mark {
        match s {
            Status::Pass => Mark::Passed,
            Status::Fail | Status::Error => Mark::Broken,
            Status::Skip => Mark::NotApplicable,
        }
    }

    /// A check's mark: a passing check with warnings is `Warned`.
    pub fn of_report(r: &CheckReport) -> Mark {
        match Mark::of_status(r.outcome.status()) {
            Mark::Passed if !r.outcome.warnings.is_empty() => Mark::Warned,
            m => m,
        }
    }

    /// Broken if any check broke; passed if any passed; else not applicable.
    pub fn of_hop(statuses: impl IntoIterator<Item = Status>) -> Mark {
        let marks: Vec<Mark> = statuses.into_iter().map(Mark::of_status).collect();
        if marks.contains(&Mark::Broken) {
            Mark::Broken
        } else if marks.contains(&Mark::Passed) {
            Mark::Passed
        } else {
            Mark::NotApplicable
        }
    }
}

/// Runs the suite's checks once and renders the hop chain.
pub async fn trace(
    src: SuiteSource,
    sandbox: Option<SandboxOverride>,
    emulator: Option<std::sync::Arc<dyn crate::emulator::Emulator>>,
) -> Result<String, BadInput> {
    let suite = load_suite(&src)?;
    let summary = run(RunOptions {
        suites: vec![src],
        filters: Filters::default(),
        runner: RunnerOptions { deadline: Some(TRACE_DEADLINE), ..RunnerOptions::default() },
        sandbox,
        emulator,
        reporters: Vec::new(),
    })
    .await?;
    let result = summary.results.first().ok_or_else(|| BadInput(format!("{}: the suite did not run", suite.source)))?;
    Ok(render(result, &implied_layout(&suite)))
}

/// The layout the suite's tables imply, for when the route reaches no API
/// and so could not tell (docs/architecture.md: which tables exist decides A, B/D or C).
pub fn implied_layout(suite: &Suite) -> String {
    match (suite.cloudfront.is_some(), suite.custom_domain.is_some()) {
        (true, false) => Layout::A.to_string(),
        (true, true) => format!("{} or {}", Layout::B, Layout::D),
        (false, true) => Layout::C.to_string(),
        (false, false) => "no CloudFront and no custom domain: the execute-api host directly".to_owned(),
    }
}

fn property<'a>(result: &'a SuiteResult, key: &str) -> Option<&'a str> {
    result.properties.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// The hop chain as text. `fallback_layout` is shown when the run could not
/// infer the layout from the route.
pub fn render(result: &SuiteResult, fallback_layout: &str) -> String {
    let mut out = String::new();
    let h = &result.header;
    let _ = writeln!(out, "trace: {} — {} in {}", h.name, h.url, h.region);
    match property(result, "discovered.layout") {
        Some(l) => {
            let _ = writeln!(out, "layout: {l}");
        }
        None => {
            let _ = writeln!(out, "layout: {fallback_layout} — implied by the suite (the route does not tell)");
        }
    }
    if !result.route.is_empty() {
        let _ = writeln!(out, "route:");
        for (i, segment) in result.route.iter().enumerate() {
            let arrow = if i == 0 { " " } else { "→" };
            let _ = writeln!(out, "  {arrow} {}", scrub(segment));
        }
    }
    out.push('\n');

    let mut groups: Vec<(&str, Vec<&CheckReport>)> =
        HOPS.iter().map(|hop| (hop.name, result.reports.iter().filter(|r| hop.claims(r.id)).collect())).collect();
    let others: Vec<&CheckReport> = result.reports.iter().filter(|r| !HOPS.iter().any(|h| h.claims(r.id))).collect();
    if !others.is_empty() {
        groups.push((OTHER_HOP, others));
    }

    let mut first_broken: Option<&str> = None;
    for (name, mut reports) in groups {
        // Catalog order within a hop: the run finishes checks in any order.
        reports.sort_by_key(|r| catalog_index(&r.id));
        let mut mark = Mark::of_hop(reports.iter().map(|r| r.outcome.status()));
        if mark == Mark::Passed && reports.iter().any(|r| !r.outcome.warnings.is_empty()) {
            mark = Mark::Warned;
        }
        let is_first = mark == Mark::Broken && first_broken.is_none();
        if is_first {
            first_broken = Some(name);
            let _ = writeln!(out, "{} {name}  <── first broken hop", mark.symbol());
        } else {
            let _ = writeln!(out, "{} {name}", mark.symbol());
        }
        if reports.is_empty() {
            let _ = writeln!(out, "    – not checked (no check of this hop is in the plan)");
        }
        for r in &reports {
            let v = &r.outcome.verdict;
            let _ = writeln!(out, "    {} {}: {}", Mark::of_report(r).symbol(), r.id, scrub(v.message()));
            for w in &r.outcome.warnings {
                let _ = writeln!(out, "      warning: {}", scrub(&w.message));
                if let Some(h) = &w.hint {
                    let _ = writeln!(out, "      hint: {}", scrub(h));
                }
            }
        }
        if is_first {
            let hints: Vec<&str> = reports.iter().filter_map(|r| r.outcome.verdict.hint()).collect();
            if hints.is_empty() {
                let _ = writeln!(out, "    hint: the harness could not find out (see the error above)");
            }
            for hint in hints {
                let _ = writeln!(out, "    hint: {}", scrub(hint));
            }
        }
    }
    out.push('\n');
    match first_broken {
        Some(name) => {
            let _ = writeln!(out, "first broken hop: {name}");
        }
        None => {
            let warnings: usize = result.reports.iter().map(|r| r.outcome.warnings.len()).sum();
            if warnings == 0 {
                let _ = writeln!(out, "every hop works");
            } else {
                let _ = writeln!(out, "every hop works ({}, marked !)", crate::report::warnings_label(warnings));
            }
        }
    }
    out
}

fn catalog_index(id: &str) -> usize {
    crate::checks::catalog().iter().position(|c| c.id == id).unwrap_or(usize::MAX)
}

/// Drops what changes from run to run: loopback ports (`127.0.0.1:53412` →
/// `127.0.0.1:<port>`) and durations (`0.6 ms` → `<t> ms`).
pub fn scrub(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let starts_number = c.is_ascii_digit() && (i == 0 || !is_word(chars[i - 1]));
        if !starts_number {
            out.push(c);
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && (chars[j].is_ascii_digit() || chars[j] == '.') {
            j += 1;
        }
        let number: String = chars[i..j].iter().collect();
        let dots = number.matches('.').count();
        let is_ipv4 = dots == 3 && number.split('.').all(|p| !p.is_empty());
        if is_ipv4 && j < chars.len() && chars[j] == ':' && chars.get(j + 1).is_some_and(char::is_ascii_digit) {
            let mut k = j + 1;
            while k < chars.len() && chars[k].is_ascii_digit() {
                k += 1;
            }
            out.push_str(&number);
            if number.starts_with("127.") {
                out.push_str(":<port>");
            } else {
                out.extend(&chars[j..k]);
            }
            i = k;
            continue;
        }
        // `12 ms`, `0.6ms`, `3 µs`: a duration.
        let rest: String = chars[j..].iter().take(4).collect();
        let unit = rest.trim_start_matches(' ');
        let is_duration = dots <= 1
            && ["ms", "µs"]
                .iter()
                .any(|u| unit.strip_prefix(u).is_some_and(|after| after.chars().next().is_none_or(|c| !is_word(c))));
        out.push_str(if is_duration { "<t>" } else { &number });
        i = j;
    }
    out
}

fn is_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::SuiteHeader;
    use crate::outcome::Outcome;

    fn report(id: crate::ids::CheckId, outcome: Outcome) -> CheckReport {
        CheckReport { id, outcome, retries: Vec::new(), duration: Duration::ZERO, started_at: None }
    }

    fn result(reports: Vec<CheckReport>, properties: Vec<(&str, &str)>) -> SuiteResult {
        SuiteResult {
            route: Vec::new(),
            header: SuiteHeader {
                name: "t".into(),
                source: "<test>".into(),
                region: "ap-northeast-1".into(),
                url: "wss://ws.example.com/Prod".into(),
                checks: Vec::new(),
                warnings: Vec::new(),
            },
            reports,
            properties: properties.into_iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect(),
            aws_calls: Default::default(),
            duration: Duration::ZERO,
            started_at: chrono::Utc::now(),
            interrupted: false,
        }
    }

    #[test]
    fn every_catalog_check_belongs_to_one_hop() {
        for c in crate::checks::catalog() {
            let n = HOPS.iter().filter(|h| h.claims(c.id)).count();
            assert_eq!(n, 1, "{} is claimed by {n} hops", c.id);
        }
    }

    #[test]
    fn hop_mark_is_the_worst_check() {
        assert_eq!(Mark::of_hop([Status::Pass, Status::Skip]), Mark::Passed);
        assert_eq!(Mark::of_hop([Status::Pass, Status::Fail]), Mark::Broken);
        assert_eq!(Mark::of_hop([Status::Error]), Mark::Broken);
        assert_eq!(Mark::of_hop([Status::Skip]), Mark::NotApplicable);
        assert_eq!(Mark::of_hop([]), Mark::NotApplicable);
    }

    #[test]
    fn all_passing_chain_has_no_broken_hop() {
        let r = result(
            vec![report(ids::DNS_RESOLVES, Outcome::pass("ws.example.com → 127.0.1.1"))],
            vec![("discovered.layout", "C (custom domain, no CloudFront)")],
        );
        let text = render(&r, "unused");
        assert!(text.contains("✓ DNS\n"), "{text}");
        assert!(text.contains("layout: C (custom domain, no CloudFront)\n"), "{text}");
        assert!(text.contains("– behavior\n    – not checked"), "{text}");
        assert!(!text.contains("first broken hop:"), "{text}");
        assert!(text.ends_with("every hop works\n"), "{text}");
    }

    #[test]
    fn first_broken_hop_is_marked_once_with_its_hint() {
        let mut r = result(
            vec![
                report(ids::E2E_CONNECT, Outcome::fail("HTTP 403", "fix the behavior")),
                report(
                    ids::CLOUDFRONT_PATH_PATTERN,
                    Outcome::fail("`prod*` misses `/Prod`", "set PathPattern to `Prod*`"),
                ),
                report(ids::DNS_RESOLVES, Outcome::pass("ok")),
            ],
            vec![],
        );
        r.route = vec!["viewer https://ws.example.com/Prod".into(), "no API for Host x (403)".into()];
        let text = render(&r, "A (CloudFront → execute-api host)");
        assert_eq!(text.matches("<── first broken hop").count(), 1, "{text}");
        assert!(text.contains("✗ behavior  <── first broken hop\n"), "{text}");
        assert!(text.contains("    hint: set PathPattern to `Prod*`\n"), "{text}");
        // Later broken hops are marked but their hints are not the point.
        assert!(text.contains("✗ live: connect → echo → @connections\n"), "{text}");
        assert!(!text.contains("hint: fix the behavior"), "{text}");
        assert!(text.contains("— implied by the suite (the route does not tell)"), "{text}");
        assert!(text.contains("  → no API for Host x (403)\n"), "{text}");
        assert!(text.ends_with("first broken hop: behavior\n"), "{text}");
    }

    #[test]
    fn a_warning_marks_its_hop_with_a_bang_and_breaks_nothing() {
        let r = result(
            vec![
                report(
                    ids::ROUTE53_ALIAS,
                    Outcome::pass("ws.example.com is an ALIAS to d1.cloudfront.net")
                        .warn("ws.example.com has no AAAA record", "add an ALIAS AAAA record"),
                ),
                report(ids::DNS_RESOLVES, Outcome::pass("ok")),
                report(ids::TLS_CERTIFICATE, Outcome::pass("ok")),
            ],
            vec![],
        );
        let text = render(&r, "x");
        assert!(text.contains("! DNS\n"), "{text}");
        assert!(text.contains("    ✓ dns.resolves: ok\n"), "{text}");
        assert!(
            text.contains(
                "    ! route53.alias: ws.example.com is an ALIAS to d1.cloudfront.net\n      warning: ws.example.com has no AAAA record\n      hint: add an ALIAS AAAA record\n"
            ),
            "{text}"
        );
        assert!(text.contains("✓ certificate\n"), "{text}");
        assert!(!text.contains("first broken hop"), "{text}");
        assert!(text.ends_with("every hop works (1 warning, marked !)\n"), "{text}");
    }

    #[test]
    fn an_error_is_a_broken_hop_without_hint() {
        let r = result(vec![report(ids::APIGW_API, Outcome::error("no AWS credentials found"))], vec![]);
        let text = render(&r, "x");
        assert!(text.contains("✗ API + stage  <── first broken hop\n"), "{text}");
        assert!(text.contains("could not find out"), "{text}");
    }

    #[test]
    fn scrub_drops_ports_and_durations_only() {
        assert_eq!(scrub("echo in 0.6 ms"), "echo in <t> ms");
        assert_eq!(scrub("took 12ms."), "took <t>ms.");
        assert_eq!(scrub("resolver 127.0.0.1:53412 said"), "resolver 127.0.0.1:<port> said");
        assert_eq!(scrub("ws.example.com → 127.0.1.1"), "ws.example.com → 127.0.1.1");
        assert_eq!(scrub("365 days left, TLSv1_3, 10 mss"), "365 days left, TLSv1_3, 10 mss");
        assert_eq!(scrub("203.0.113.9:443 and d-abc12 ms"), "203.0.113.9:443 and d-abc12 ms");
    }

    #[test]
    fn implied_layout_follows_the_tables() {
        let parse = |extra: &str| {
            let text =
                format!("name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n{extra}");
            Suite::parse("<t>", &text, &|_| None).expect("parses")
        };
        assert!(implied_layout(&parse("[cloudfront]\ndistribution_id = \"discover\"")).starts_with("A "));
        assert!(implied_layout(&parse("[custom_domain]\nname = \"ws.example.com\"")).starts_with("C "));
        assert!(implied_layout(&parse("")).contains("execute-api host directly"));
    }
}
