//! wsconform: proves that a WebSocket API on AWS API Gateway, served through
//! CloudFront and/or an API Gateway custom domain, works as deployed.
//!
//! The pipeline (docs/architecture.md): [`Suite`] → plan → runner (checks run
//! concurrently against shared, memoized [`facts::Facts`]) → events →
//! reporters.

pub mod check;
pub mod checks;
pub mod emulator;
pub mod facts;
pub mod ids;
pub mod init;
pub mod model;
pub mod net;
pub mod outcome;
pub mod partition;
pub mod secret;
pub mod stats;
pub mod suite;
mod sync;
pub mod trace;
pub mod trials;

pub use outcome::{Evidence, Outcome, Status, Verdict};
pub use suite::{Suite, SuiteError};

/// Installs the process-wide rustls `CryptoProvider` (aws-lc-rs) once.
/// Mixing providers panics at run time, so every entry point calls this.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}
pub mod events;
pub mod plan;
pub mod report;
pub mod run;
pub mod runner;

pub use run::{RunOptions, RunSummary, run};
pub use trials::{trials, trials_with};
