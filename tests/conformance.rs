//! The checks of `suites/sandbox.toml` (or of `WSCONFORM_SUITES=a.toml,b.toml`)
//! as libtest trials: `cargo test --test conformance -- cloudfront` filters,
//! `-- --list` lists.

use std::path::PathBuf;

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let suites: Vec<PathBuf> = match std::env::var("WSCONFORM_SUITES") {
        Ok(list) if !list.trim().is_empty() => list.split(',').map(|s| PathBuf::from(s.trim())).collect(),
        _ => vec![PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("suites/sandbox.toml")],
    };
    let trials = wsconform::trials_with(&suites, &args, Some(wsconform_cli::emulator::InProcess::shared()));
    libtest_mimic::run(&args, trials).exit();
}
