//! wsconform: proves that a WebSocket API on AWS API Gateway, served through
//! CloudFront and/or an API Gateway custom domain, works as deployed.
//!
//! The pipeline (docs/architecture.md): [`Suite`] → plan → runner (checks run
//! concurrently against shared, memoized facts) → events → reporters.
//!
//! The public API is what the `wsconform` binary, [`trials`] and a crate that
//! embeds the gate need: load a suite ([`suite`]), run it ([`run()`], with
//! [`RunOptions`]), read the verdicts ([`outcome`], [`events`]) and write
//! them ([`report`]), name checks ([`ids`], [`catalog`]), plug in an emulated
//! deployment ([`emulator`]), and `init`/`trace`. The engine behind it
//! (facts, the route model, the judges, the network world, the runner) is
//! crate-private; [`test_support`] opens the few internals the integration
//! tests exercise directly, and is no stable API.

pub mod emulator;
pub mod events;
pub mod fix;
pub mod ids;
pub mod init;
pub mod outcome;
pub mod report;
pub mod run;
pub mod suite;
pub mod trace;
pub mod trials;

mod check;
mod checks;
mod facts;
mod model;
mod net;
mod partition;
mod plan;
mod runner;
mod secret;
mod stats;
mod sync;

pub use check::CheckDef;
pub use checks::{catalog, find};
pub use ids::CheckId;
pub use net::dns::DEFAULT_QUERY_TIMEOUT;
pub use outcome::{Evidence, Outcome, Status, Verdict};
pub use plan::{Decision, Filters};
pub use run::{RunOptions, RunSummary, run};
pub use runner::RunnerOptions;
pub use stats::{phase_stats, render_table};
pub use suite::{Suite, SuiteError};
pub use trials::{trials, trials_with};

/// Installs the process-wide rustls `CryptoProvider` (aws-lc-rs) once.
/// Mixing providers panics at run time, so every entry point calls this.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// Internals the integration tests (`tests/it`) exercise directly: the
/// network world, the WebSocket session, the route model's matcher, judges
/// fed by hand, the fixture source. Not a stable API: anything here may
/// change with the code it opens.
#[doc(hidden)]
pub mod test_support {
    pub use crate::checks::e2e::connect::{RefusalContext, judge_refusal};
    pub use crate::checks::tls::{CertObservation, judge_certificate};
    pub use crate::facts::fixture::Fixture;
    pub use crate::facts::live::Session;
    pub use crate::model::route::path_pattern_matches;
    pub use crate::net::dns;
    pub use crate::net::sigv4::{IamSigner, PRESIGNED_FOR};
    pub use crate::net::ws::request_target;
    pub use crate::net::{CertProblem, Net, UpgradeError, WsConnection, WsLimits};
}
