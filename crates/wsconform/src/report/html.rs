//! `wsconform report --history PATH`: one self-contained HTML page from the
//! run history (inline CSS and inline SVG, no scripts, no external assets, so
//! it can be archived as a CI artifact or mailed). Per suite: latency over
//! time, certificate days left, a pass/fail strip and the last run's failures.

use std::fmt::Write as _;
use std::ops::Range;
use std::path::Path;

use super::history::{HistoryLine, HistorySuite};
use crate::stats::phase_of;

/// Runs drawn per chart at most; longer histories are bucketed, keeping each
/// bucket's worst value so spikes and failures stay visible.
const MAX_POINTS: usize = 240;

/// The phases drawn, with their colours (colour-blind-safe Okabe–Ito palette).
const PHASES: [(&str, &str); 5] =
    [("dns", "#0072B2"), ("tcp", "#E69F00"), ("tls", "#009E73"), ("upgrade", "#CC79A7"), ("rtt", "#D55E00")];

const WIDTH: f64 = 1000.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;

/// Escapes text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// One run of one suite.
struct Run<'a> {
    timestamp: &'a str,
    /// Unix seconds, when the timestamp parses.
    t: Option<f64>,
    interrupted: bool,
    suite: &'a HistorySuite,
}

impl Run<'_> {
    /// The largest value any check reported for `phase` (ms).
    fn phase(&self, phase: &str) -> Option<f64> {
        self.suite
            .checks
            .iter()
            .flat_map(|c| &c.values)
            .filter(|(k, _)| phase_of(k) == Some(phase))
            .map(|(_, v)| *v)
            .reduce(f64::max)
    }

    /// The smallest certificate `days_left` in the run.
    fn days_left(&self) -> Option<f64> {
        self.suite.checks.iter().filter_map(|c| c.values.get("days_left").copied()).reduce(f64::min)
    }

    /// 0 pass, 1 skipped/interrupted only, 2 error, 3 fail: higher is worse.
    fn severity(&self) -> u8 {
        if self.suite.failed > 0 {
            3
        } else if self.suite.errored > 0 {
            2
        } else if self.interrupted || self.suite.passed == 0 {
            1
        } else {
            0
        }
    }
}

/// Every suite name in order of first appearance, with its runs in time order.
fn by_suite(history: &[HistoryLine]) -> Vec<(&str, Vec<Run<'_>>)> {
    let mut out: Vec<(&str, Vec<Run<'_>>)> = Vec::new();
    for line in history {
        let t = chrono::DateTime::parse_from_rfc3339(&line.timestamp).ok().map(|d| d.timestamp_millis() as f64 / 1e3);
        for suite in &line.suites {
            let run = Run { timestamp: &line.timestamp, t, interrupted: line.interrupted, suite };
            match out.iter_mut().find(|(n, _)| *n == suite.name) {
                Some((_, runs)) => runs.push(run),
                None => out.push((&suite.name, vec![run])),
            }
        }
    }
    for (_, runs) in &mut out {
        // Concurrent runs may append out of order; unparsable times keep their place.
        if runs.iter().all(|r| r.t.is_some()) {
            runs.sort_by(|a, b| a.t.unwrap_or_default().total_cmp(&b.t.unwrap_or_default()));
        }
    }
    out
}

/// Splits `0..n` into at most `max` contiguous, non-empty buckets.
fn buckets(n: usize, max: usize) -> Vec<Range<usize>> {
    let k = n.min(max.max(1));
    (0..k).map(|b| b * n / k..(b + 1) * n / k).filter(|r| !r.is_empty()).collect()
}

/// A round upper bound for an axis: 1, 2, 2.5, 5 × 10^k.
fn nice_ceil(v: f64) -> f64 {
    if !(v.is_finite() && v > 0.0) {
        return 1.0;
    }
    let mag = 10f64.powf(v.log10().floor());
    [1.0, 2.0, 2.5, 5.0, 10.0].iter().map(|m| m * mag).find(|x| *x >= v).unwrap_or(10.0 * mag)
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 { format!("1 {word}") } else { format!("{n} {word}s") }
}

fn fmt_num(v: f64) -> String {
    if v.abs() >= 100.0 || v.fract() == 0.0 { format!("{v:.0}") } else { format!("{v:.1}") }
}

fn fmt_time(ts: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(ts)
        .map_or_else(|_| ts.to_owned(), |d| d.to_utc().format("%Y-%m-%d %H:%M").to_string())
}

/// An axis end label: with seconds when the whole axis spans less than an
/// hour (otherwise both ends of a short series read the same minute).
fn fmt_axis_time(ts: &str, span: (&str, &str)) -> String {
    let parse = |t: &str| chrono::DateTime::parse_from_rfc3339(t).ok();
    match (parse(ts), parse(span.0), parse(span.1)) {
        (Some(d), Some(a), Some(b)) if (b - a).num_seconds().abs() < 3600 => {
            d.to_utc().format("%Y-%m-%d %H:%M:%S").to_string()
        }
        _ => fmt_time(ts),
    }
}

struct Series {
    name: String,
    color: &'static str,
    /// Per bucket, the value (None: not measured in that bucket).
    values: Vec<Option<f64>>,
}

/// A line chart over bucketed runs; `xs` are the buckets' x positions in 0..=1.
fn line_chart(title: &str, unit: &str, xs: &[f64], labels: (&str, &str), series: &[Series]) -> String {
    const H: f64 = 220.0;
    const TOP: f64 = 28.0;
    const BOTTOM: f64 = 26.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let all = || series.iter().flat_map(|s| s.values.iter().flatten().copied());
    let hi = nice_ceil(all().fold(0.0, f64::max));
    let lo = {
        let m = all().fold(0.0, f64::min);
        if m < 0.0 { -nice_ceil(-m) } else { 0.0 }
    };
    let x = |f: f64| LEFT + f * plot_w;
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * plot_h;

    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart" viewBox="0 0 {WIDTH} {H}" width="{WIDTH}" height="{H}" role="img" aria-label="{t}"><title>{t}</title>"#,
        t = escape(title)
    );
    let _ = write!(svg, r#"<text x="{LEFT}" y="16" class="title">{}</text>"#, escape(title));
    for i in 0..=4 {
        let v = lo + (hi - lo) * f64::from(i) / 4.0;
        let yy = y(v);
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{yy:.1}" x2="{:.1}" y2="{yy:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="ylab">{} {}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            fmt_num(v),
            escape(unit)
        );
    }
    if lo < 0.0 {
        let _ = write!(
            svg,
            r#"<line x1="{LEFT}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" class="zero"/>"#,
            y(0.0),
            WIDTH - RIGHT
        );
    }
    let _ = write!(
        svg,
        r#"<text x="{LEFT}" y="{0:.1}" class="xlab">{1}</text><text x="{2:.1}" y="{0:.1}" class="xlab end">{3}</text>"#,
        H - 8.0,
        escape(&fmt_axis_time(labels.0, labels)),
        WIDTH - RIGHT,
        escape(&fmt_axis_time(labels.1, labels))
    );
    let mut legend_x = WIDTH - RIGHT;
    for s in series.iter().rev() {
        if s.values.iter().all(Option::is_none) {
            continue;
        }
        let _ = write!(
            svg,
            r#"<text x="{legend_x:.1}" y="16" class="legend end" fill="{}">■ {}</text>"#,
            s.color,
            escape(&s.name)
        );
        legend_x -= 14.0 + 8.0 * s.name.chars().count() as f64;
    }
    let dots = xs.len() <= 60;
    for s in series {
        let mut d = String::new();
        let mut pen_down = false;
        for (xf, v) in xs.iter().zip(&s.values) {
            match v {
                Some(v) => {
                    let _ = write!(d, "{}{:.1},{:.1} ", if pen_down { 'L' } else { 'M' }, x(*xf), y(*v));
                    pen_down = true;
                }
                // A gap: the phase was not measured (the connect failed), don't bridge it.
                None => pen_down = false,
            }
        }
        if !d.is_empty() {
            let _ = write!(svg, r#"<path d="{}" stroke="{}" class="line"/>"#, d.trim_end(), s.color);
        }
        if dots {
            for (xf, v) in xs.iter().zip(&s.values) {
                if let Some(v) = v {
                    let _ = write!(svg, r#"<circle cx="{:.1}" cy="{:.1}" r="2.5" fill="{}"/>"#, x(*xf), y(*v), s.color);
                }
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// One coloured cell per bucket of runs, the worst run's colour.
fn strip(runs: &[Run<'_>], bs: &[Range<usize>]) -> String {
    const H: f64 = 30.0;
    let plot_w = WIDTH - LEFT - RIGHT;
    let w = plot_w / bs.len().max(1) as f64;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="strip" viewBox="0 0 {WIDTH} {H}" width="{WIDTH}" height="{H}" role="img" aria-label="pass/fail per run"><text x="{:.1}" y="19" class="ylab">runs</text>"#,
        LEFT - 6.0
    );
    for (i, b) in bs.iter().enumerate() {
        let worst = runs[b.clone()].iter().max_by_key(|r| r.severity());
        let Some(worst) = worst else { continue };
        let class = ["pass", "skip", "error", "fail"][usize::from(worst.severity())];
        let s = worst.suite;
        let tip = format!(
            "{}{}: {} passed, {} failed, {} errored, {} skipped",
            fmt_time(worst.timestamp),
            if b.len() > 1 { format!(" (worst of {} runs)", b.len()) } else { String::new() },
            s.passed,
            s.failed,
            s.errored,
            s.skipped
        );
        let _ = write!(
            svg,
            r#"<rect x="{:.2}" y="4" width="{:.2}" height="22" class="{class}"><title>{}</title></rect>"#,
            LEFT + i as f64 * w,
            (w - if w > 3.0 { 1.0 } else { 0.0 }).max(0.5),
            escape(&tip)
        );
    }
    svg.push_str("</svg>");
    svg
}

fn suite_section(out: &mut String, name: &str, runs: &[Run<'_>]) {
    let (Some(first), Some(last)) = (runs.first(), runs.last()) else { return };
    let passed = runs.iter().filter(|r| r.severity() == 0).count();
    let _ = write!(
        out,
        r#"<section><h2>{}</h2><p class="meta">{} · {}, {} passed · last run {} <span class="badge {}">{}</span></p>"#,
        escape(name),
        escape(&last.suite.url),
        plural(runs.len(), "run"),
        passed,
        escape(&fmt_time(last.timestamp)),
        ["pass", "skip", "error", "fail"][usize::from(last.severity())],
        ["passed", "incomplete", "errored", "failed"][usize::from(last.severity())],
    );

    let bs = buckets(runs.len(), MAX_POINTS);
    // x positions: by time when every run has a time and they span some time, else by run index.
    let times: Option<Vec<f64>> = runs.iter().map(|r| r.t).collect();
    let xs: Vec<f64> = match times {
        Some(ts) if ts.len() > 1 && ts[ts.len() - 1] > ts[0] => {
            let (t0, span) = (ts[0], ts[ts.len() - 1] - ts[0]);
            bs.iter().map(|b| (ts[b.start] + ts[b.end - 1]) / 2.0).map(|t| (t - t0) / span).collect()
        }
        _ if bs.len() > 1 => (0..bs.len()).map(|i| i as f64 / (bs.len() - 1) as f64).collect(),
        _ => vec![0.5],
    };
    let worst = |f: &dyn Fn(&Run<'_>) -> Option<f64>, pick: fn(f64, f64) -> f64| -> Vec<Option<f64>> {
        bs.iter().map(|b| runs[b.clone()].iter().filter_map(f).reduce(pick)).collect()
    };
    let labels = (first.timestamp, last.timestamp);
    let phases: Vec<Series> = PHASES
        .iter()
        .map(|(p, color)| Series { name: (*p).to_owned(), color, values: worst(&|r| r.phase(p), f64::max) })
        .collect();
    out.push_str(&strip(runs, &bs));
    if phases.iter().any(|s| s.values.iter().any(Option::is_some)) {
        out.push_str(&line_chart("Latency per phase (worst check, ms)", "ms", &xs, labels, &phases));
    } else {
        out.push_str(r#"<p class="none">No phase timings recorded.</p>"#);
    }
    let days = [Series { name: "days left".into(), color: "#0072B2", values: worst(&|r| r.days_left(), f64::min) }];
    if days[0].values.iter().any(Option::is_some) {
        out.push_str(&line_chart("Certificate days left", "d", &xs, labels, &days));
    } else {
        out.push_str(r#"<p class="none">No certificate observed.</p>"#);
    }

    let failures: Vec<_> = last.suite.checks.iter().filter(|c| c.status == "fail" || c.status == "error").collect();
    if failures.is_empty() {
        out.push_str(r#"<p class="none">No failures in the last run.</p>"#);
    } else {
        out.push_str(
            "<table><caption>Failures in the last run</caption><tr><th>check</th><th>status</th><th>message</th></tr>",
        );
        for c in failures {
            let _ = write!(
                out,
                r#"<tr><td><code>{}</code></td><td class="{}">{}</td><td>{}</td></tr>"#,
                escape(&c.id),
                escape(&c.status),
                escape(&c.status),
                escape(c.message.as_deref().unwrap_or(""))
            );
        }
        out.push_str("</table>");
    }
    out.push_str("</section>");
}

const STYLE: &str = "body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;background:#fff}\
h1{font-size:22px}h2{font-size:18px;margin:0 0 4px}section{margin:0 0 32px;max-width:1000px}\
.meta{color:#555;margin:0 0 8px}.none{color:#555}svg{display:block;max-width:100%;height:auto;margin:4px 0}\
.title{font-weight:600;font-size:13px}.grid{stroke:#e3e3e3}.zero{stroke:#888}\
.ylab{font-size:11px;fill:#555;text-anchor:end}.xlab{font-size:11px;fill:#555}.end{text-anchor:end}\
.legend{font-size:12px}.line{fill:none;stroke-width:1.6}\
rect.pass{fill:#2ca02c}rect.fail{fill:#d62728}rect.error{fill:#ff7f0e}rect.skip{fill:#aaa}\
.badge{padding:1px 6px;border-radius:3px;color:#fff}.badge.pass{background:#2ca02c}\
.badge.fail{background:#d62728}.badge.error{background:#ff7f0e}.badge.skip{background:#999}\
table{border-collapse:collapse;margin-top:8px}caption{text-align:left;font-weight:600}\
td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}\
td.fail{color:#d62728}td.error{color:#b35900}";

/// The whole page for `history` (oldest run first).
pub fn render_html(history: &[HistoryLine]) -> String {
    let mut out = String::new();
    out.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">");
    let _ = write!(out, "<title>wsconform report</title><style>{STYLE}</style></head><body><h1>wsconform report</h1>");
    let suites = by_suite(history);
    if suites.is_empty() {
        out.push_str(r#"<p class="none">No runs recorded yet.</p>"#);
    } else {
        let _ =
            write!(out, r#"<p class="meta">{}, {}.</p>"#, plural(history.len(), "run"), plural(suites.len(), "suite"));
        for (name, runs) in &suites {
            suite_section(&mut out, name, runs);
        }
    }
    out.push_str("</body></html>\n");
    out
}

/// Reads the history at `history` and writes the page to `out` atomically;
/// returns how many runs it shows and how many malformed lines it skipped.
pub fn write_report(history: &Path, out: &Path) -> super::Result<(usize, usize)> {
    let h = super::history::read_history_counted(history)?;
    super::write_atomically(out, render_html(&h.lines).as_bytes())?;
    Ok((h.lines.len(), h.malformed))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::ids;
    use crate::report::history::HistoryCheck;

    fn check(id: crate::ids::CheckId, status: &str, values: &[(&str, f64)], message: Option<&str>) -> HistoryCheck {
        HistoryCheck {
            id: id.into(),
            status: status.into(),
            duration_ms: 5,
            message: message.map(str::to_owned),
            values: values.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect::<BTreeMap<_, _>>(),
        }
    }

    /// `n` runs a minute apart; every 7th run's echo fails, the certificate ages a day per run.
    pub(crate) fn synthetic(n: usize, name: &str) -> Vec<HistoryLine> {
        (0..n)
            .map(|i| {
                let t = chrono::DateTime::from_timestamp(1_795_000_000 + 3600 * i as i64, 0).unwrap_or_default();
                let wobble = ((i * 37) % 11) as f64;
                let echo_fails = i % 7 == 6;
                let checks = vec![
                    check(ids::DNS_RESOLVES, "pass", &[("timing.dns_ms", 3.0 + wobble / 2.0)], None),
                    check(ids::TLS_CERTIFICATE, "pass", &[("days_left", 60.0 - i as f64)], None),
                    check(
                        ids::E2E_CONNECT,
                        "pass",
                        &[
                            ("timing.dns_ms", 1.0),
                            ("timing.tcp_ms", 12.0 + wobble),
                            ("timing.tls_ms", 30.0 + 2.0 * wobble),
                            ("timing.upgrade_ms", 45.0 + wobble),
                        ],
                        None,
                    ),
                    if echo_fails {
                        check(ids::E2E_ECHO, "fail", &[], Some("no reply within 5s <script>alert(1)</script>"))
                    } else {
                        check(ids::E2E_ECHO, "pass", &[("timing.rtt_ms", 20.0 + 3.0 * wobble)], None)
                    },
                ];
                HistoryLine {
                    timestamp: t.to_rfc3339(),
                    duration_ms: 900,
                    interrupted: false,
                    suites: vec![HistorySuite {
                        name: name.into(),
                        url: "wss://ws.example.com/Prod".into(),
                        passed: if echo_fails { 3 } else { 4 },
                        failed: usize::from(echo_fails),
                        errored: 0,
                        skipped: 0,
                        duration_ms: 900,
                        checks,
                    }],
                }
            })
            .collect()
    }

    fn no_external_refs(html: &str) {
        assert!(!html.contains("http://") && !html.contains("https://"), "external reference");
        assert!(!html.contains("<script") && !html.contains("<link") && !html.contains("src="));
    }

    #[test]
    fn report_file_from_a_history_file() {
        let dir = tempfile::tempdir().unwrap();
        let (history, out) = (dir.path().join("h.jsonl"), dir.path().join("r/report.html"));
        for l in synthetic(3, "chat") {
            crate::report::history::append_line(&history, &l).unwrap();
        }
        std::fs::write(&history, std::fs::read_to_string(&history).unwrap() + "not json\n").unwrap();
        assert_eq!(write_report(&history, &out).unwrap(), (3, 1));
        assert!(std::fs::read_to_string(&out).unwrap().contains("3 runs, 1 suite."));
        assert!(write_report(&dir.path().join("missing"), &out).is_err());
    }

    #[test]
    fn empty_history_renders_a_page() {
        let html = render_html(&[]);
        assert!(html.starts_with("<!DOCTYPE html>") && html.contains("No runs recorded yet."));
        no_external_refs(&html);
    }

    #[test]
    fn one_run_draws_points() {
        let html = render_html(&synthetic(1, "chat"));
        assert!(html.contains("<svg"));
        assert!(html.contains("<circle"), "a single run is visible as dots");
        assert!(html.contains("No failures in the last run."));
        no_external_refs(&html);
    }

    #[test]
    fn text_is_escaped() {
        let html = render_html(&synthetic(7, "<script>alert('x')</script>"));
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(html.contains("Failures in the last run"), "run 7 failed");
        assert!(html.contains("no reply within 5s &lt;script&gt;"));
        no_external_refs(&html);
    }

    #[test]
    fn long_history_is_downsampled() {
        let html = render_html(&synthetic(1500, "chat"));
        assert!(html.contains("<svg"));
        assert_eq!(html.matches("<rect").count(), MAX_POINTS, "one cell per bucket");
        assert!(!html.contains("<circle"), "no dots on dense charts");
        assert!(html.contains("rect x=") && html.contains(r#"class="fail""#), "failures survive bucketing");
        assert!(html.len() < 400_000, "{} bytes", html.len());
        no_external_refs(&html);
    }

    #[test]
    fn gaps_are_not_bridged_and_axes_are_nice() {
        let mut h = synthetic(3, "chat");
        h[1].suites[0].checks.retain(|c| c.id != ids::E2E_CONNECT.as_str() && c.id != ids::DNS_RESOLVES.as_str());
        let html = render_html(&h);
        // tcp was measured in runs 1 and 3 only: two separate moves, no line.
        let tcp = html.split(r##"stroke="#E69F00""##).next().and_then(|s| s.rsplit("<path d=\"").next()).unwrap_or("");
        assert_eq!(tcp.matches('M').count(), 2, "{tcp}");
        assert!(!tcp.contains('L'), "{tcp}");
        assert_eq!(nice_ceil(0.0), 1.0);
        assert_eq!(nice_ceil(73.0), 100.0);
        assert_eq!(nice_ceil(21.0), 25.0);
        assert_eq!(buckets(5, 240), (0..5).map(|i| i..i + 1).collect::<Vec<_>>());
        assert_eq!(buckets(1000, 240).iter().map(|r| r.len()).sum::<usize>(), 1000);
    }

    #[test]
    fn unparsable_timestamps_fall_back_to_run_order() {
        let mut h = synthetic(4, "chat");
        for l in &mut h {
            l.timestamp = "yesterday".into();
        }
        let html = render_html(&h);
        assert!(html.contains("<svg") && html.contains(">yesterday<"), "raw timestamp as axis label");
        assert!(html.contains(r#"<circle cx="64.0""#) && html.contains(r#"<circle cx="984.0""#), "spread by index");
    }

    #[test]
    fn an_expired_certificate_goes_below_zero() {
        let html = render_html(&synthetic(70, "chat"));
        assert!(html.contains(r#"class="zero""#), "negative days left draw a zero line");
    }

    #[test]
    #[ignore = "writes wsconform-report.html in the temp dir for a visual check"]
    fn write_sample_page() {
        let path = std::env::temp_dir().join("wsconform-report.html");
        std::fs::write(path, render_html(&synthetic(30, "chat-staging"))).unwrap();
    }
}
