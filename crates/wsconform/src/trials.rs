//! `cargo test` integration: every check of every suite becomes a
//! libtest-mimic trial named by its id, so filters, `--list`, `--ignored`
//! and nextest work. A user's own `tests/conformance.rs` is four lines:
//!
//! ```no_run
//! fn main() {
//!     let args = libtest_mimic::Arguments::from_args();
//!     let trials = wsconform::trials(&["suites/staging.toml".into()], &args);
//!     libtest_mimic::run(&args, trials).exit();
//! }
//! ```

// The example is a whole test target (`harness = false`), so it needs its `main`.
#![allow(clippy::needless_doctest_main)]

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use libtest_mimic::{Arguments, Completion, Failed, Trial};

use crate::emulator::Emulator;
use crate::outcome::{Outcome, Status, Warning};
use crate::plan::Filters;
use crate::run::{RunOptions, RunSummary, SuiteSource, load_and_plan};
use crate::runner::RunnerOptions;

/// Trials for the checks of `suites`. The checks run once, together (they
/// share facts and run concurrently), when the first selected trial starts;
/// each trial then reports its own check. A skipped check is an ignored trial.
/// Set `WSCONFORM_REPORTS=DIR` to also write JUnit and JSON reports there.
pub fn trials(suites: &[PathBuf], args: &Arguments) -> Vec<Trial> {
    trials_with(suites, args, None)
}

/// [`trials`], with an emulator for suites that have a `[sandbox]` table.
pub fn trials_with(suites: &[PathBuf], args: &Arguments, emulator: Option<Arc<dyn Emulator>>) -> Vec<Trial> {
    let sources: Vec<SuiteSource> = suites.iter().cloned().map(SuiteSource::File).collect();
    let mut trials = Vec::new();
    let mut names = Vec::new();
    for src in &sources {
        match load_and_plan(src, &Filters::default()) {
            Ok((suite, plan)) => {
                for e in plan.reported() {
                    let name = if sources.len() > 1 {
                        format!("{}::{}", suite.name, e.def.id)
                    } else {
                        e.def.id.as_str().to_owned()
                    };
                    names.push((suite.name.clone(), e.def.id, name, suite.checks.strict));
                }
            }
            Err(e) => {
                let msg = e.0.clone();
                trials.push(Trial::test(format!("suite-file::{}", src_name(src)), move || Err(msg.into())));
            }
        }
    }

    // Run only the checks the command line selects (plus their prerequisites).
    let selected: Vec<String> = names
        .iter()
        .filter(|(_, _, n, _)| !args.is_filtered_out(&Trial::test(n.clone(), || Ok(()))))
        .map(|(_, id, _, _)| id.to_string())
        .collect();
    let shared: Arc<OnceLock<Result<RunSummary, String>>> = Arc::new(OnceLock::new());
    for (suite_name, id, name, strict) in names {
        let (shared, sources, selected) = (shared.clone(), sources.clone(), selected.clone());
        let emulator = emulator.clone();
        trials.push(Trial::ignorable_test(name, move || {
            let summary = shared.get_or_init(|| run_once(sources, selected, emulator));
            let summary = summary.as_ref().map_err(|e| Failed::from(e.as_str()))?;
            let report = summary
                .results
                .iter()
                .filter(|s| s.header.name == suite_name)
                .flat_map(|s| &s.reports)
                .find(|r| r.id == id)
                .ok_or_else(|| Failed::from(format!("{id} did not run")))?;
            judge_trial(id, &report.outcome, strict)
        }));
    }
    trials
}

/// One check as a trial: a failure or error fails it; a warning is printed
/// to stderr and fails it only when its suite is strict (`[checks] strict`).
fn judge_trial(id: crate::ids::CheckId, o: &Outcome, strict: bool) -> Result<Completion, Failed> {
    let warnings = warning_lines(&o.warnings);
    match o.status() {
        Status::Pass if strict && !o.warnings.is_empty() => {
            Err(format!("{id}: warning (the suite is strict: `[checks] strict = true`){warnings}").into())
        }
        Status::Pass => {
            if !o.warnings.is_empty() {
                eprintln!("{id}: warning (does not fail the test){warnings}");
            }
            Ok(Completion::Completed)
        }
        Status::Skip => Ok(Completion::ignored_with(o.verdict.message())),
        Status::Fail | Status::Error => {
            let mut msg = format!("{}: {}", o.status(), o.verdict.message());
            if let Some(h) = o.verdict.hint() {
                msg.push_str(&format!("\nhint: {h}"));
            }
            msg.push_str(&warnings);
            for (k, v) in o.evidence.iter() {
                msg.push_str(&format!("\n  {k}: {v}"));
            }
            Err(msg.into())
        }
    }
}

fn warning_lines(warnings: &[Warning]) -> String {
    let mut out = String::new();
    for w in warnings {
        out.push_str(&format!("\nwarning: {}", w.message));
        if let Some(h) = &w.hint {
            out.push_str(&format!("\nhint: {h}"));
        }
    }
    out
}

fn src_name(src: &SuiteSource) -> String {
    match src {
        SuiteSource::File(p) => p.display().to_string(),
        SuiteSource::Text { name, .. } => name.clone(),
    }
}

fn run_once(
    suites: Vec<SuiteSource>,
    only: Vec<String>,
    emulator: Option<Arc<dyn Emulator>>,
) -> Result<RunSummary, String> {
    let mut reporters: Vec<Box<dyn crate::report::Reporter>> = Vec::new();
    if let Some(dir) = std::env::var_os("WSCONFORM_REPORTS").map(PathBuf::from) {
        use crate::report::{file_stem, json, junit};
        let d = dir.clone();
        reporters.push(Box::new(junit::JunitReporter::new(junit::Target::PerSuite(Box::new(move |n| {
            d.join(format!("{}.xml", file_stem(n)))
        })))));
        reporters.push(Box::new(json::JsonReporter::new(json::Target::PerSuite(Box::new(move |n| {
            dir.join(format!("{}.json", file_stem(n)))
        })))));
    }
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| e.to_string())?;
    let only = if only.is_empty() { vec!["__nothing_selected__".into()] } else { only };
    rt.block_on(crate::run::run(RunOptions {
        suites,
        filters: Filters { only, skip: vec![] },
        runner: RunnerOptions { deadline: Some(std::time::Duration::from_secs(300)), ..RunnerOptions::default() },
        sandbox: None,
        emulator,
        reporters,
    }))
    .map_err(|e| e.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;

    #[test]
    fn a_warning_passes_the_trial_unless_the_suite_is_strict() {
        let o = Outcome::pass("ALIAS ok").warn("no AAAA record", "add the AAAA alias");
        assert!(matches!(judge_trial(ids::ROUTE53_ALIAS, &o, false), Ok(Completion::Completed)));
        let Err(failed) = judge_trial(ids::ROUTE53_ALIAS, &o, true) else { panic!("strict: a warning fails") };
        let msg = failed.message().unwrap_or_default();
        assert!(msg.contains("warning: no AAAA record\nhint: add the AAAA alias"), "{msg}");
        assert!(msg.contains("strict"), "{msg}");
        assert!(matches!(
            judge_trial(crate::ids::CheckId::for_test("x.y"), &Outcome::pass("ok"), true),
            Ok(Completion::Completed)
        ));
        let Err(failed) =
            judge_trial(crate::ids::CheckId::for_test("x.y"), &Outcome::fail("bad", "fix").warn("w", "h"), false)
        else {
            panic!("a failure fails")
        };
        assert!(failed.message().unwrap_or_default().contains("hint: fix\nwarning: w\nhint: h"));
    }
}
