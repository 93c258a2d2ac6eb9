//! A Markdown summary for CI pages (`--summary PATH`, and appended to
//! `$GITHUB_STEP_SUMMARY` when set).

use std::io::Write;
use std::path::PathBuf;

use super::{Reporter, warned, warnings_label, write_atomically};
use crate::events::{Counts, Event, SuiteResult};
use crate::outcome::Status;

pub struct MarkdownReporter {
    path: Option<PathBuf>,
    /// Appended to, as GitHub Actions expects for `$GITHUB_STEP_SUMMARY`.
    append_to: Option<PathBuf>,
}

impl MarkdownReporter {
    pub fn new(path: Option<PathBuf>, append_to: Option<PathBuf>) -> Self {
        Self { path, append_to }
    }
}

fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// A fenced code block that `text` cannot close: the fence is longer than any run of backticks in
/// it (CommonMark: a closing fence is at least as long as the opening one).
fn fenced(info: &str, text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{info}\n{}\n{fence}\n", text.trim_matches('\n'))
}

fn icon(s: Status) -> &'static str {
    match s {
        Status::Pass => "✅ pass",
        Status::Fail => "❌ fail",
        Status::Error => "⚠️ error",
        Status::Skip => "⏭️ skip",
    }
}

pub fn render(results: &[SuiteResult]) -> String {
    let c = Counts::of(results);
    let warned = results.iter().map(|s| warned(&s.reports)).sum::<usize>();
    let warned = if warned == 0 { String::new() } else { format!(", {warned} warned") };
    let mut out = format!(
        "## wsconform: {} passed, {} failed, {} errored, {} skipped{warned}\n\n",
        c.passed, c.failed, c.errored, c.skipped
    );
    for s in results {
        out.push_str(&format!("### {} — `{}` ({})\n\n", cell(&s.header.name), s.header.url, s.header.region));
        for w in &s.header.warnings {
            out.push_str(&format!("> **warning:** {}\n\n", cell(w)));
        }
        if s.interrupted {
            out.push_str("> **interrupted**: unfinished checks are reported as errors.\n\n");
        }
        for (k, v) in &s.properties {
            out.push_str(&format!("- {}: `{}`\n", cell(k), cell(v)));
        }
        out.push_str("\n| status | check | result | time |\n|---|---|---|---|\n");
        for r in &s.reports {
            let mut msg = cell(r.outcome.verdict.message());
            if let Some(h) = r.outcome.verdict.hint() {
                msg.push_str(&format!("<br>**hint:** {}", cell(h)));
            }
            for w in &r.outcome.warnings {
                msg.push_str(&format!("<br>🔶 **warning:** {}", cell(&w.message)));
                if let Some(h) = &w.hint {
                    msg.push_str(&format!("<br>**hint:** {}", cell(h)));
                }
            }
            for fix in r.outcome.fixes() {
                msg.push_str(&format!("<br>🔧 **fix:** {}", cell(&fix.summary())));
            }
            let mut status = icon(r.outcome.status()).to_owned();
            if !r.outcome.warnings.is_empty() {
                status.push_str(&format!(" ({})", warnings_label(r.outcome.warnings.len())));
            }
            out.push_str(&format!("| {} | `{}` | {} | {} ms |\n", status, r.id, msg, r.duration.as_millis()));
        }
        out.push('\n');
        // The commands, as `wsconform fix` prints them: for a person to review, never run by wsconform.
        let script: String =
            s.reports.iter().map(|r| crate::fix::check_script(r.id.as_str(), r.outcome.fixes())).collect();
        if !script.is_empty() {
            out.push_str(
                "<details><summary>Fixes as commands (review before running; wsconform runs none)</summary>\n\n",
            );
            out.push_str(&fenced("sh", &script));
            out.push_str("\n</details>\n\n");
        }
    }
    out
}

impl Reporter for MarkdownReporter {
    fn on_event(&mut self, event: &Event) -> super::Result<()> {
        let Event::RunFinished { results, .. } = event else { return Ok(()) };
        let text = render(results);
        if let Some(p) = &self.path {
            write_atomically(p, text.as_bytes())?;
        }
        if let Some(p) = &self.append_to {
            let mut f =
                std::fs::OpenOptions::new().create(true).append(true).open(p).map_err(super::Error::file("open", p))?;
            f.write_all(text.as_bytes()).map_err(super::Error::file("append to", p))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fence_is_longer_than_any_backtick_run_in_its_text() {
        assert_eq!(fenced("sh", "echo hi"), "```sh\necho hi\n```\n");
        let hostile = "a ```` b\n```\nrm";
        let block = fenced("sh", hostile);
        assert!(block.starts_with("`````sh\n") && block.ends_with("\n`````\n"), "{block}");
    }
}
