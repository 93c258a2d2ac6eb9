//! The independent witnesses, as one libtest-mimic binary: third parties
//! whose verdicts the tool's are measured against, each installed apart and
//! each trial ignored with its reason when its witness is not installed.
//!
//! - `moto::…` — moto as the control plane, one trial per deployment of
//!   `witness/moto/deploy.py` (`scripts/witness-moto.sh`);
//! - `serverless_offline::…` — serverless-offline as the data plane, one
//!   trial per `e2e.*` check (`scripts/witness-serverless-offline.sh`);
//! - `sandbox::fix/…` — the pinned aws CLI applies a scenario's fixes to the sandbox, which must then pass;
//! - `junit_schema::…` — `xmllint` with the junit-10 schema on both JUnit flavors;
//! - `process_group::…` — the witnesses' process-group guard records its group.
//!
//! `cargo test --test witness` runs them all, `cargo test --test witness moto::`
//! one witness; `-- --list` lists the trials.

#[path = "../it/support/mod.rs"]
mod support;

mod fix_command;
mod junit_schema;
mod moto;
mod process_group;
mod sandbox_fix;
mod serverless;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let (mut trials, moto) = match moto::trials() {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(101);
        }
    };
    trials.extend(serverless::trials());
    trials.extend(sandbox_fix::trials());
    trials.push(junit_schema::trial());
    trials.push(process_group::trial());
    let conclusion = libtest_mimic::run(&args, trials);
    // Kill moto before exiting (exit() skips destructors).
    drop(moto);
    conclusion.exit();
}
