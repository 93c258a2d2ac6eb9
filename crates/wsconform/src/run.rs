//! One run, start to finish: load and plan every suite (bad input stops
//! everything before anything runs), start the sandbox where a suite asks
//! for it, run the checks, feed the reporters, and tell the exit code.

use std::sync::Arc;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::check::Ctx;
use crate::emulator::{Emulator, EmulatorPlan, RunningEmulator};
use crate::events::{Counts, Event, SuiteHeader, SuiteResult};
use crate::facts::Facts;
use crate::plan::{Filters, Plan, plan};
use crate::report::Reporter;
use crate::runner::{Runner, RunnerOptions, SuiteJob};
use crate::suite::Suite;

/// Exit codes CI understands (the README's exit codes).
pub mod exit {
    pub const PASSED: i32 = 0;
    pub const FAILED: i32 = 1;
    pub const BAD_INPUT: i32 = 2;
    pub const INTERRUPTED: i32 = 130;
}

pub use crate::suite::SuiteSource;

/// Runs the sandbox for suites instead of (or in addition to) their `[sandbox]` table.
#[derive(Debug, Clone, Default)]
pub struct SandboxOverride {
    pub scenario: Option<String>,
    pub layout: Option<String>,
    pub latency_ms: Option<u64>,
}

pub struct RunOptions {
    pub suites: Vec<SuiteSource>,
    pub filters: Filters,
    pub runner: RunnerOptions,
    pub sandbox: Option<SandboxOverride>,
    /// Starts what `[sandbox]` / `--sandbox` ask for (the binary's sandbox);
    /// `None` refuses such suites.
    pub emulator: Option<Arc<dyn Emulator>>,
    /// Reporters fed with every event (console, files…).
    pub reporters: Vec<Box<dyn Reporter>>,
}

#[derive(Debug)]
pub struct RunSummary {
    pub results: Vec<SuiteResult>,
    pub interrupted: bool,
    /// Reports that could not be written.
    pub report_errors: Vec<String>,
    /// Per suite, in the order of `results`: `[checks] strict = true`.
    pub strict: Vec<bool>,
}

impl RunSummary {
    pub fn counts(&self) -> Counts {
        Counts::of(&self.results)
    }

    /// The exit code with each suite's own `[checks] strict`.
    pub fn exit_code(&self) -> i32 {
        self.exit_code_with(false)
    }

    /// The exit code; `strict` (`--strict`) treats every suite as strict.
    /// Warnings never change it unless their suite is strict.
    pub fn exit_code_with(&self, strict: bool) -> i32 {
        let c = self.counts();
        if self.interrupted {
            exit::INTERRUPTED
        } else if c.failed > 0 || c.errored > 0 || !self.report_errors.is_empty() || self.strict_warnings(strict) > 0 {
            exit::FAILED
        } else {
            exit::PASSED
        }
    }

    /// Checks whose warnings fail the run: those with warnings in a strict
    /// suite (every suite when `strict`).
    pub fn strict_warnings(&self, strict: bool) -> usize {
        self.results
            .iter()
            .enumerate()
            .filter(|(i, _)| strict || self.strict.get(*i).copied().unwrap_or(false))
            .map(|(_, s)| crate::report::warned(&s.reports))
            .sum()
    }
}

/// Input that stops the run before anything runs (exit code 2).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct BadInput(pub String);

pub fn load_suite(src: &SuiteSource) -> Result<Suite, BadInput> {
    match src {
        SuiteSource::File(p) => Suite::from_file(p).map_err(|e| BadInput(e.to_string())),
        SuiteSource::Text { name, text } => {
            Suite::parse(name, text, &|k| std::env::var(k).ok()).map_err(|e| BadInput(e.to_string()))
        }
    }
}

/// The suite and its plan, as `list` shows them and `run` executes them.
pub fn load_and_plan(src: &SuiteSource, filters: &Filters) -> Result<(Suite, Plan), BadInput> {
    let suite = load_suite(src)?;
    let catalog = crate::checks::catalog();
    let plan = plan(&catalog, &suite, filters).map_err(|e| BadInput(format!("{}: {e}", suite.source)))?;
    Ok((suite, plan))
}

pub fn header(suite: &Suite, plan: &Plan) -> SuiteHeader {
    let mut warnings = Vec::new();
    if suite.tls.allow_plaintext {
        warnings.push(
            "`tls.allow_plaintext = true`: ws:// and http:// to hosts that are not loopback are allowed for this suite"
                .to_string(),
        );
    }
    if suite.url.scheme() == "ws" {
        warnings.push(format!("the public URL {} is plain ws:// (no TLS)", suite.display_url()));
    }
    SuiteHeader {
        name: suite.name.clone(),
        source: suite.source.clone(),
        region: suite.region.clone(),
        url: suite.redactor.redact(&suite.display_url()),
        checks: plan.reported().map(|e| e.def.id).collect(),
        warnings,
    }
}

pub async fn run(opts: RunOptions) -> Result<RunSummary, BadInput> {
    crate::install_crypto_provider();
    let RunOptions { suites, filters, runner: runner_opts, sandbox, emulator, reporters } = opts;

    // Everything is validated before anything runs.
    let mut planned = Vec::new();
    for src in &suites {
        let (suite, plan) = load_and_plan(src, &filters)?;
        if let Some(e) = emulator.as_deref().and_then(|e| crate::emulator::unknown_fault(&suite, e)) {
            return Err(BadInput(e.to_string()));
        }
        planned.push((suite, plan));
    }
    let mut sandboxes = Vec::new();
    for (suite, _) in &mut planned {
        if let Some(plan) = sandbox_for(suite, sandbox.as_ref()) {
            sandboxes.push(start_emulator(emulator.as_deref(), &plan, suite).await?);
        }
    }

    let strict: Vec<bool> = planned.iter().map(|(s, _)| s.checks.strict).collect();

    let (tx, mut rx) = mpsc::unbounded_channel::<Event>();
    let pump = tokio::spawn(async move {
        let mut reporters = reporters;
        let mut errors = Vec::new();
        while let Some(event) = rx.recv().await {
            for r in &mut reporters {
                if let Err(e) = r.on_event(&event) {
                    errors.push(e.to_string());
                }
            }
        }
        errors
    });

    let started = Instant::now();
    // At most this many suites are under way at once: a suite's connections
    // and pools live until it ends, so with many suites this keeps memory and
    // file descriptors bounded while the check budget stays the same.
    let suite_permits = Arc::new(tokio::sync::Semaphore::new((runner_opts.concurrency / 2).max(1)));
    let mut runner_opts = runner_opts;
    if runner_opts.deadline.is_none() {
        runner_opts.deadline = Some(default_deadline(runner_opts.wait, planned.iter().map(|(s, p)| (s, p))));
    }
    let runner = Arc::new(Runner::new(runner_opts, tx.clone()));
    let mut headers = Vec::new();
    let mut jobs = Vec::new();
    for (index, (suite, plan)) in planned.into_iter().enumerate() {
        let header = header(&suite, &plan);
        headers.push(header.clone());
        jobs.push((index, header, plan, Arc::new(suite)));
    }
    let _ = tx.send(Event::RunStarted { suites: headers });
    let results = futures_util::future::join_all(jobs.into_iter().map(|(index, header, plan, suite)| {
        let (runner, permits) = (runner.clone(), suite_permits.clone());
        async move {
            let _permit = permits.acquire_owned().await.ok();
            let facts = Arc::new(Facts::new(suite.clone()));
            // Every AWS SDK client goes through the one network world (resolver,
            // connect_to, TLS roots). Building it reads config only; no packet is sent.
            if let Ok(net) = facts.net().await {
                facts.aws.set_http_client(net.sdk_http_client());
            }
            let planned = plan.entries.iter().filter(|e| e.decision.runs()).map(|e| e.def.id).collect();
            let ctx = Arc::new(Ctx::new(suite, facts, planned));
            runner.run_suite(SuiteJob { index, header, plan, ctx }).await
        }
    }))
    .await;
    let interrupted = runner.interrupted();
    let _ = tx.send(Event::RunFinished { results: results.clone(), duration: started.elapsed(), interrupted });
    drop(runner);
    drop(tx);
    let report_errors = pump.await.unwrap_or_else(|e| vec![format!("a reporter failed: {e}")]);
    for sb in sandboxes {
        sb.shutdown().await;
    }
    Ok(RunSummary { results, interrupted, report_errors, strict })
}

/// The run's deadline when `--deadline` is not given: 10 minutes (or `--wait`
/// plus 2 minutes), and never shorter than the longest planned attempt plus 2
/// minutes, so a `roundtrip.hold = "11m"` proving API Gateway's idle timeout
/// is not cut off by the default.
pub fn default_deadline<'a>(
    wait: Option<std::time::Duration>,
    planned: impl Iterator<Item = (&'a Suite, &'a crate::plan::Plan)>,
) -> std::time::Duration {
    use std::time::Duration;
    let margin = Duration::from_secs(120);
    let base = wait.map_or(Duration::from_secs(600), |w| w + margin);
    let longest = planned
        .flat_map(|(suite, plan)| {
            plan.entries.iter().filter(|e| e.decision.runs()).map(|e| crate::check::attempt_budget(e.def.id, suite))
        })
        .max()
        .unwrap_or_default();
    base.max(longest + margin)
}

/// What the sandbox should emulate for a suite: the command line's
/// `--sandbox` wins over the suite's `[sandbox]` table.
fn sandbox_for(suite: &Suite, cli: Option<&SandboxOverride>) -> Option<EmulatorPlan> {
    let from_suite = suite.sandbox.as_ref();
    if cli.is_none() && from_suite.is_none() {
        return None;
    }
    let layout = cli
        .and_then(|c| c.layout.clone())
        .or_else(|| from_suite.map(|s| s.layout.clone()))
        .unwrap_or_else(|| "b".into());
    let scenario = cli
        .and_then(|c| c.scenario.clone())
        .or_else(|| from_suite.map(|s| s.scenario.clone()))
        .unwrap_or_else(|| "good".into());
    let latency_ms = cli.and_then(|c| c.latency_ms).or_else(|| from_suite.map(|s| s.latency_ms)).unwrap_or(0);
    Some(EmulatorPlan { layout, scenario, latency_ms })
}

async fn start_emulator(
    emulator: Option<&dyn Emulator>,
    plan: &EmulatorPlan,
    suite: &mut Suite,
) -> Result<Box<dyn RunningEmulator>, BadInput> {
    let Some(emulator) = emulator else { return Err(BadInput(crate::emulator::missing(&suite.source))) };
    let source = suite.source.clone();
    emulator.start(plan, suite).await.map_err(|e| BadInput(format!("{source}: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids;
    use crate::outcome::{CheckReport, Outcome};
    use std::time::Duration;

    fn suite(name: &str, outcomes: Vec<Outcome>) -> SuiteResult {
        SuiteResult {
            route: Vec::new(),
            header: SuiteHeader {
                name: name.into(),
                source: "<test>".into(),
                region: "ap-northeast-1".into(),
                url: "wss://ws.example.com/Prod".into(),
                checks: Vec::new(),
                warnings: Vec::new(),
            },
            reports: outcomes
                .into_iter()
                .map(|outcome| CheckReport {
                    id: ids::ROUTE53_ALIAS,
                    outcome,
                    retries: Vec::new(),
                    duration: Duration::ZERO,
                    started_at: None,
                })
                .collect(),
            properties: Vec::new(),
            aws_calls: Default::default(),
            duration: Duration::ZERO,
            started_at: chrono::Utc::now(),
            interrupted: false,
        }
    }

    fn summary(results: Vec<SuiteResult>, strict: Vec<bool>) -> RunSummary {
        RunSummary { results, interrupted: false, report_errors: Vec::new(), strict }
    }

    fn warned() -> Outcome {
        Outcome::pass("ALIAS ok").warn("no AAAA record", "add an ALIAS AAAA record")
    }

    #[test]
    fn warnings_change_the_exit_code_only_when_strict() {
        let only_warnings = summary(vec![suite("s", vec![warned(), Outcome::pass("ok")])], vec![false]);
        assert_eq!(only_warnings.exit_code(), exit::PASSED);
        assert_eq!(only_warnings.exit_code_with(false), exit::PASSED);
        assert_eq!(only_warnings.exit_code_with(true), exit::FAILED, "--strict");
        assert_eq!(only_warnings.strict_warnings(true), 1);

        // `[checks] strict = true` on one suite: its warnings fail the run, another suite's do not.
        let strict_suite = summary(vec![suite("s", vec![warned()])], vec![true]);
        assert_eq!(strict_suite.exit_code(), exit::FAILED);
        let lenient_warns =
            summary(vec![suite("a", vec![warned()]), suite("b", vec![Outcome::pass("ok")])], vec![false, true]);
        assert_eq!(lenient_warns.exit_code(), exit::PASSED);
        assert_eq!(lenient_warns.strict_warnings(false), 0);

        // Nothing to warn about: strict changes nothing.
        let clean = summary(vec![suite("s", vec![Outcome::pass("ok")])], vec![true]);
        assert_eq!(clean.exit_code_with(true), exit::PASSED);
        // A failure is a failure either way; an interruption wins.
        let failed = summary(vec![suite("s", vec![Outcome::fail("x", "y")])], vec![false]);
        assert_eq!(failed.exit_code(), exit::FAILED);
        let interrupted = RunSummary { interrupted: true, ..summary(vec![suite("s", vec![warned()])], vec![true]) };
        assert_eq!(interrupted.exit_code_with(true), exit::INTERRUPTED);
    }

    #[test]
    fn the_default_deadline_fits_the_longest_planned_attempt() {
        let parse = |extra: &str| {
            let text = format!("name='t'\nregion='us-east-1'\nurl='wss://h.example.com/p'\ntimeout='30s'\n{extra}");
            Suite::parse("t.toml", &text, &|_| None).unwrap()
        };
        let catalog = crate::checks::catalog();
        let plain = parse("");
        let p = plan(&catalog, &plain, &Filters::default()).unwrap();
        assert_eq!(default_deadline(None, std::iter::once((&plain, &p))), Duration::from_secs(600));
        assert_eq!(
            default_deadline(Some(Duration::from_secs(900)), std::iter::once((&plain, &p))),
            Duration::from_secs(1020)
        );
        // An 11-minute hold: the keepalive's budget (30 s + 11 min + 5 s) plus 2 minutes.
        let held = parse("[roundtrip]\ntimeout='5s'\nhold='11m'\nping_interval='1m'\n");
        let p = plan(&catalog, &held, &Filters::default()).unwrap();
        assert_eq!(default_deadline(None, std::iter::once((&held, &p))), Duration::from_secs(30 + 660 + 5 + 120));
    }
}
