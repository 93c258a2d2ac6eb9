//! Runs planned checks: concurrently (bounded), each attempt under a time
//! limit, retryable outcomes retried with backoff until `--wait` runs out,
//! everything stopped by the global deadline or an interrupt. Emits
//! [`Event`]s; never writes output itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::{Semaphore, mpsc, watch};
use tokio_util::sync::CancellationToken;

use crate::check::{CheckDef, Ctx};
use crate::events::{Event, SuiteHeader, SuiteResult};
use crate::ids::CheckId;
use crate::outcome::{Attempt, CheckReport, Outcome, SkipCause, Verdict};
use crate::plan::{Decision, Plan};
use crate::secret::Redactor;

#[derive(Debug, Clone)]
pub struct RunnerOptions {
    /// At most this many checks run at once, across all suites.
    pub concurrency: usize,
    /// Retry retryable outcomes until this long after the start (`--wait`).
    pub wait: Option<Duration>,
    /// Stop everything this long after the start: unfinished checks become errors.
    pub deadline: Option<Duration>,
    /// Cancelled on SIGINT/SIGTERM: unfinished checks become errors "interrupted".
    pub interrupt: CancellationToken,
}

impl Default for RunnerOptions {
    fn default() -> Self {
        Self { concurrency: 16, wait: None, deadline: None, interrupt: CancellationToken::new() }
    }
}

pub struct Runner {
    opts: RunnerOptions,
    started: Instant,
    permits: Arc<Semaphore>,
    /// Cancelled by the interrupt or the deadline, whichever comes first.
    stop: CancellationToken,
    deadline_hit: Arc<AtomicBool>,
    events: mpsc::UnboundedSender<Event>,
}

/// One suite's share of a run.
pub struct SuiteJob {
    pub index: usize,
    pub header: SuiteHeader,
    pub plan: Plan,
    pub ctx: Arc<Ctx>,
}

impl Runner {
    pub fn new(opts: RunnerOptions, events: mpsc::UnboundedSender<Event>) -> Runner {
        let started = Instant::now();
        let stop = opts.interrupt.child_token();
        let deadline_hit = Arc::new(AtomicBool::new(false));
        if let Some(limit) = opts.deadline {
            let (stop, hit) = (stop.clone(), deadline_hit.clone());
            tokio::spawn(async move {
                tokio::select! {
                    _ = tokio::time::sleep(limit) => {
                        hit.store(true, Ordering::SeqCst);
                        stop.cancel();
                    }
                    _ = stop.cancelled() => {}
                }
            });
        }
        let permits = Arc::new(Semaphore::new(opts.concurrency.max(1)));
        Runner { opts, started, permits, stop, deadline_hit, events }
    }

    pub fn interrupted(&self) -> bool {
        self.opts.interrupt.is_cancelled()
    }

    fn emit(&self, e: Event) {
        // A closed channel means nobody listens any more; the run still completes.
        let _ = self.events.send(e);
    }

    /// Why the run stopped, as the cause of an unfinished check.
    fn stop_cause(&self) -> String {
        if self.deadline_hit.load(Ordering::SeqCst) {
            let limit = self.opts.deadline.map(|d| humantime::format_duration(d).to_string()).unwrap_or_default();
            format!("deadline exceeded: the run's deadline of {limit} passed before this check finished")
        } else {
            "interrupted".into()
        }
    }

    pub async fn run_suite(self: &Arc<Self>, job: SuiteJob) -> SuiteResult {
        let started_at = chrono::Utc::now();
        let t0 = Instant::now();
        let SuiteJob { index, header, plan, ctx } = job;
        let redactor = ctx.suite.redactor.clone();

        // Each reported check publishes its final status for the checks that wait on it.
        let mut senders = HashMap::new();
        let mut receivers = HashMap::new();
        for e in plan.reported() {
            let (tx, rx) = watch::channel(None::<Verdict>);
            senders.insert(e.def.id, tx);
            receivers.insert(e.def.id, rx);
        }
        let receivers = Arc::new(receivers);

        let mut tasks = Vec::new();
        for entry in plan.reported() {
            let def = entry.def;
            let tx = senders.remove(&def.id).expect("one sender per reported check");
            let decision = entry.decision.clone();
            let (this, ctx, receivers, redactor) = (self.clone(), ctx.clone(), receivers.clone(), redactor.clone());
            let not_run: Vec<CheckId> = plan
                .entries
                .iter()
                .filter(|e| !e.decision.reported() && def.requires.contains(&e.def.id))
                .map(|e| e.def.id)
                .collect();
            tasks.push((
                def.id,
                tokio::spawn(async move {
                    let mut report = match decision {
                        Decision::NotApplicable { reason } => skipped(def.id, reason, SkipCause::SuiteLacks),
                        _ => this.run_check(index, def, ctx, &receivers, &not_run).await,
                    };
                    redact(&mut report.outcome, &redactor);
                    for a in &mut report.retries {
                        redact(&mut a.outcome, &redactor);
                    }
                    let _ = tx.send(Some(report.outcome.verdict.clone()));
                    this.emit(Event::CheckFinished { suite: index, report: report.clone() });
                    report
                }),
            ));
        }

        let mut reports = Vec::with_capacity(tasks.len());
        for (id, t) in tasks {
            match t.await {
                Ok(r) => reports.push(r),
                // The task body catches check panics itself; this is the runner's own bug.
                Err(e) => reports.push(CheckReport {
                    id,
                    outcome: Outcome::error(format!("internal error: {e}")),
                    retries: vec![],
                    duration: Duration::ZERO,
                    started_at: None,
                }),
            }
        }

        // What the control plane revealed (layout, discovered ids), from what
        // the checks fetched: reporting costs no AWS call of its own.
        let mut route = Vec::new();
        if !ctx.facts.aws.calls().is_empty() {
            let discovered = ctx.facts.aws.discovered_so_far();
            for (k, v) in discovered.properties() {
                ctx.facts.set_property(&k, v);
            }
            route = discovered.route.iter().map(|hop| redactor.redact(hop)).collect();
        }
        let properties =
            ctx.facts.properties().into_iter().map(|(k, v)| (redactor.redact(&k), redactor.redact(&v))).collect();
        let result = SuiteResult {
            header,
            route,
            reports,
            properties,
            aws_calls: ctx.facts.aws.calls(),
            duration: t0.elapsed(),
            started_at,
            interrupted: self.stop.is_cancelled(),
        };
        self.emit(Event::SuiteFinished { suite: index, result: result.clone() });
        result
    }

    async fn run_check(
        &self,
        suite: usize,
        def: &'static CheckDef,
        ctx: Arc<Ctx>,
        receivers: &HashMap<CheckId, watch::Receiver<Option<Verdict>>>,
        not_run: &[CheckId],
    ) -> CheckReport {
        // Wait for prerequisites and ordering constraints, holding no permit.
        for dep in def.requires.iter().chain(def.after) {
            if let Some(rx) = receivers.get(dep) {
                let mut rx = rx.clone();
                tokio::select! {
                    _ = rx.wait_for(Option::is_some) => {}
                    _ = self.stop.cancelled() => return errored(def.id, self.stop_cause()),
                }
            }
        }
        if let Some(dep) = def.requires.iter().find(|d| not_run.contains(d)) {
            let reason = format!("needs {dep}, which was not selected to run");
            return skipped(def.id, reason, SkipCause::Prerequisite(*dep));
        }
        for dep in def.requires {
            let verdict = receivers.get(dep).and_then(|rx| rx.borrow().clone());
            if let Some(skip) = verdict.and_then(|v| v.skip_for_dependent(*dep)) {
                return CheckReport::unrun(def.id, Outcome::from(skip));
            }
        }

        let _permit = tokio::select! {
            p = self.permits.clone().acquire_owned() => p.ok(),
            _ = self.stop.cancelled() => return errored(def.id, self.stop_cause()),
        };
        self.emit(Event::CheckStarted { suite, id: def.id });
        let started_at = Some(chrono::Utc::now());
        let t0 = Instant::now();
        let mut retries = Vec::new();
        let wait_until = self.opts.wait.map(|w| self.started + w);
        loop {
            let attempt_t0 = Instant::now();
            let outcome = self.attempt(def, &ctx).await;
            let stopped = self.stop.is_cancelled();
            let delay = backoff(retries.len());
            let may_retry =
                outcome.retryable && !stopped && wait_until.is_some_and(|until| Instant::now() + delay < until);
            if !may_retry {
                return CheckReport { id: def.id, outcome, retries, duration: t0.elapsed(), started_at };
            }
            let mut shown = outcome.clone();
            redact(&mut shown, &ctx.suite.redactor);
            self.emit(Event::CheckRetrying { suite, id: def.id, attempt: retries.len() + 1, outcome: shown, delay });
            retries.push(Attempt { outcome, duration: attempt_t0.elapsed() });
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.stop.cancelled() => {
                    return CheckReport { id: def.id, outcome: Outcome::error(self.stop_cause()), retries, duration: t0.elapsed(), started_at };
                }
            }
            ctx.facts.refresh();
        }
    }

    /// One attempt, in its own task so that a panicking check becomes an error.
    async fn attempt(&self, def: &'static CheckDef, ctx: &Arc<Ctx>) -> Outcome {
        let limit = crate::check::attempt_budget(def.id, &ctx.suite);
        let whole_retry = crate::check::retried_whole(def.id, &ctx.suite);
        let mut handle = tokio::spawn((def.run)(ctx.clone()));
        tokio::select! {
            r = tokio::time::timeout(limit, &mut handle) => match r {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(e)) if e.is_panic() => Outcome::error(format!("the check panicked: {}", panic_message(e.into_panic()))),
                Ok(Err(e)) => Outcome::error(format!("the check was cancelled: {e}")),
                Err(_) => {
                    handle.abort();
                    let o = Outcome::error(format!(
                        "timed out after {} ({})",
                        humantime::format_duration(limit),
                        if whole_retry { "the suite's `timeout`" } else { "the suite's `timeout` + `roundtrip.hold`" }
                    ));
                    if whole_retry { o.retryable() } else { o }
                }
            },
            _ = self.stop.cancelled() => {
                handle.abort();
                Outcome::error(self.stop_cause())
            }
        }
    }
}

fn skipped(id: CheckId, reason: String, because: SkipCause) -> CheckReport {
    CheckReport::unrun(id, Outcome::from(Verdict::Skip { reason, because }))
}

fn errored(id: CheckId, cause: String) -> CheckReport {
    CheckReport::unrun(id, Outcome::error(cause))
}

/// 1 s, 2 s, 4 s … capped at 30 s.
pub fn backoff(retries_so_far: usize) -> Duration {
    Duration::from_secs(1u64 << retries_so_far.min(5)).min(Duration::from_secs(30))
}

fn panic_message(p: Box<dyn std::any::Any + Send>) -> String {
    p.downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

fn redact(o: &mut Outcome, r: &Redactor) {
    if r.is_empty() {
        return;
    }
    o.verdict = match &o.verdict {
        Verdict::Pass { summary } => Verdict::Pass { summary: r.redact(summary) },
        Verdict::Fail { message, hint } => {
            Verdict::Fail { message: r.redact(message), hint: hint.as_deref().map(|h| r.redact(h)) }
        }
        Verdict::Error { cause } => Verdict::Error { cause: r.redact(cause) },
        Verdict::Unknown { message } => Verdict::Unknown { message: r.redact(message) },
        Verdict::Skip { reason, because } => Verdict::Skip { reason: r.redact(reason), because: *because },
    };
    o.evidence.map_values(|v| r.redact(v));
    r.redact_warnings(&mut o.warnings);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;

    #[test]
    fn redaction_masks_verdict_evidence_and_warnings() {
        let mut r = Redactor::default();
        r.add("tok-9f8e7d");
        let mut o = Outcome::fail("saw tok-9f8e7d", "drop tok-9f8e7d")
            .evidence("header", "tok-9f8e7d")
            .warn("warned tok-9f8e7d", "rotate tok-9f8e7d");
        redact(&mut o, &r);
        let shown = format!("{o:?}");
        assert!(!shown.contains("tok-9f8e7d"), "{shown}");
        assert!(shown.contains("warned ***") && shown.contains("rotate ***"), "{shown}");
    }
    use crate::check::{BoxFuture, always};
    use crate::facts::Facts;
    use crate::plan::{Filters, plan};
    use crate::suite::Suite;
    use std::sync::atomic::AtomicUsize;

    static FLAKY_CALLS: AtomicUsize = AtomicUsize::new(0);

    fn ok(_: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
        Box::pin(async { Outcome::pass("fine") })
    }
    fn bad(_: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
        Box::pin(async { Outcome::fail("token s3cr3t-value leaked?", "set X to Y") })
    }
    fn boom(_: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
        Box::pin(async { panic!("kaboom") })
    }
    fn slow(_: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
        Box::pin(async {
            tokio::time::sleep(Duration::from_secs(30)).await;
            Outcome::pass("late")
        })
    }
    fn flaky(_: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
        Box::pin(async {
            if FLAKY_CALLS.fetch_add(1, Ordering::SeqCst) == 0 {
                Outcome::fail("not yet", "wait").retryable()
            } else {
                Outcome::pass("now")
            }
        })
    }

    const BASE: CheckDef = CheckDef {
        id: CheckId::for_test(""),
        summary: "",
        explain: "",
        docs: "",
        requires: &[],
        after: &[],
        applies: always,
        run: ok,
    };
    static OK: CheckDef = CheckDef { id: CheckId::for_test("t.ok"), ..BASE };
    static BAD: CheckDef = CheckDef { id: CheckId::for_test("t.bad"), run: bad, ..BASE };
    static AFTER_BAD: CheckDef =
        CheckDef { id: CheckId::for_test("t.after-bad"), requires: &[CheckId::for_test("t.bad")], ..BASE };
    static BOOM: CheckDef = CheckDef { id: CheckId::for_test("t.boom"), run: boom, ..BASE };
    static SLOW: CheckDef = CheckDef { id: CheckId::for_test("t.slow"), run: slow, ..BASE };
    static FLAKY: CheckDef = CheckDef { id: CheckId::for_test("t.flaky"), run: flaky, ..BASE };

    fn ctx(extra: &str) -> Arc<Ctx> {
        let env = |k: &str| (k == "TOKEN").then(|| "s3cr3t-value".to_string());
        let text =
            format!("name='t'\nregion='us-east-1'\nurl='wss://h/p'\ntimeout='1s'\n[api]\nid='${{TOKEN}}'\n{extra}");
        let suite = Arc::new(Suite::parse("t.toml", &text, &env).unwrap());
        Arc::new(Ctx::new(suite.clone(), Arc::new(Facts::new(suite)), Default::default()))
    }

    async fn run(cat: &[&'static CheckDef], opts: RunnerOptions) -> (SuiteResult, Vec<Event>) {
        let ctx = ctx("");
        let plan = plan(cat, &ctx.suite, &Filters::default()).unwrap();
        let (tx, mut rx) = mpsc::unbounded_channel();
        let runner = Arc::new(Runner::new(opts, tx));
        let header = SuiteHeader {
            name: "t".into(),
            source: "t.toml".into(),
            region: "us-east-1".into(),
            url: "wss://h/p".into(),
            checks: vec![],
            warnings: vec![],
        };
        let result = runner.run_suite(SuiteJob { index: 0, header, plan, ctx }).await;
        drop(runner);
        let mut events = vec![];
        while let Some(e) = rx.recv().await {
            events.push(e);
        }
        (result, events)
    }

    fn status_of(r: &SuiteResult, id: &str) -> (Status, String) {
        let c = r.reports.iter().find(|c| c.id == id).unwrap();
        (c.outcome.status(), c.outcome.verdict.message().to_owned())
    }

    #[tokio::test]
    async fn failed_prerequisite_skips_dependent_and_secrets_are_masked() {
        let (r, events) = run(&[&OK, &BAD, &AFTER_BAD], RunnerOptions::default()).await;
        assert_eq!(status_of(&r, "t.ok").0, Status::Pass);
        assert_eq!(status_of(&r, "t.bad"), (Status::Fail, "token *** leaked?".into()));
        let (s, m) = status_of(&r, "t.after-bad");
        assert_eq!(s, Status::Skip);
        assert_eq!(m, "needs t.bad, which failed: token *** leaked?");
        let after = r.reports.iter().find(|c| c.id == "t.after-bad").unwrap();
        assert_eq!(after.outcome.verdict.skipped_because(), Some(CheckId::for_test("t.bad")));
        assert!(!format!("{events:?}").contains("s3cr3t-value"));
    }

    #[tokio::test]
    async fn panic_and_timeout_become_errors() {
        let (r, _) = run(&[&BOOM, &SLOW], RunnerOptions::default()).await;
        assert_eq!(status_of(&r, "t.boom"), (Status::Error, "the check panicked: kaboom".into()));
        let (s, m) = status_of(&r, "t.slow");
        assert_eq!(s, Status::Error);
        assert!(m.starts_with("timed out after 1s"), "{m}");
    }

    #[tokio::test]
    async fn retryable_outcome_is_retried_within_wait_and_recorded() {
        FLAKY_CALLS.store(0, Ordering::SeqCst);
        let opts = RunnerOptions { wait: Some(Duration::from_secs(5)), ..RunnerOptions::default() };
        let (r, events) = run(&[&FLAKY], opts).await;
        let report = r.reports.iter().find(|c| c.id == "t.flaky").unwrap();
        assert_eq!(report.outcome.status(), Status::Pass);
        assert_eq!(report.attempts(), 2);
        assert!(events.iter().any(|e| matches!(e, Event::CheckRetrying { attempt: 1, .. })));
    }

    #[tokio::test]
    async fn without_wait_retryable_failures_are_final() {
        FLAKY_CALLS.store(0, Ordering::SeqCst);
        let (r, _) = run(&[&FLAKY], RunnerOptions::default()).await;
        assert_eq!(status_of(&r, "t.flaky").0, Status::Fail);
    }

    #[tokio::test]
    async fn interrupt_turns_unfinished_checks_into_errors() {
        let interrupt = CancellationToken::new();
        let trigger = interrupt.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(100)).await;
            trigger.cancel();
        });
        let t0 = Instant::now();
        let (r, _) = run(&[&OK, &SLOW], RunnerOptions { interrupt, ..RunnerOptions::default() }).await;
        assert!(t0.elapsed() < Duration::from_millis(900));
        assert_eq!(status_of(&r, "t.slow"), (Status::Error, "interrupted".into()));
        assert!(r.interrupted);
    }

    #[tokio::test]
    async fn deadline_stops_the_run() {
        let opts = RunnerOptions { deadline: Some(Duration::from_millis(200)), ..RunnerOptions::default() };
        let (r, _) = run(&[&SLOW], opts).await;
        assert!(status_of(&r, "t.slow").1.starts_with("deadline exceeded"));
    }
}
