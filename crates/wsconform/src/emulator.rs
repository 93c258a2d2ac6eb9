//! The seam between a run and an emulated deployment.
//!
//! A suite with a `[sandbox]` table (or a run with `--sandbox`) asks for an
//! emulated deployment instead of AWS. The library does not carry one: it
//! has no server code at all. The `wsconform` binary plugs the in-process
//! sandbox (the `wsconform-sandbox` crate) in through [`Emulator`]; a build
//! without it refuses such suites with a clear error.

use std::future::Future;
use std::pin::Pin;

use crate::suite::{Suite, SuiteError, SuiteSource};

/// A boxed, sendable future (what a trait method can return).
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What to emulate for one suite: the command line's `--sandbox` over the
/// suite's `[sandbox]` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmulatorPlan {
    pub layout: String,
    pub scenario: String,
    pub latency_ms: u64,
}

/// Something that stands up an emulated deployment for a suite.
pub trait Emulator: Send + Sync {
    /// The names `[sandbox] faults` may use.
    fn fault_names(&self) -> &[&'static str];

    /// The layout when none is given: the scenario's own.
    fn layout_for(&self, layout: Option<&str>, scenario: Option<&str>) -> String;

    /// The emulator's own suite for `layout` (a `--sandbox` run without a suite file).
    fn own_suite(&self, layout: &str) -> SuiteSource;

    /// Starts the deployment and points `suite` at it (resolver, addresses,
    /// CA, control-plane endpoint, credentials).
    fn start<'a>(
        &'a self,
        plan: &'a EmulatorPlan,
        suite: &'a mut Suite,
    ) -> BoxFuture<'a, Result<Box<dyn RunningEmulator>, StartError>>;
}

/// Why an emulated deployment could not start (a port it could not bind, a
/// scenario and layout that cannot go together), in the emulator's words.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct StartError {
    pub reason: String,
}

impl From<String> for StartError {
    fn from(reason: String) -> StartError {
        StartError { reason }
    }
}

/// A started deployment; [`RunningEmulator::shutdown`] stops every server
/// and waits for them.
pub trait RunningEmulator: Send {
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()>;
}

/// The error for a suite asking for an emulator this build does not have.
pub fn missing(source: &str) -> String {
    format!("{source}: this build has no sandbox (build the `wsconform` binary with its `sandbox` feature)")
}

/// `[sandbox] faults` against the emulator's names: the first unknown one, at its entry.
pub fn unknown_fault(suite: &Suite, emulator: &dyn Emulator) -> Option<SuiteError> {
    suite.sandbox.as_ref().and_then(|sb| sb.unknown_fault(&suite.source, emulator.fault_names()))
}
