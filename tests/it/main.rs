//! The integration tests, as one binary: each module is one former
//! `tests/*.rs` file, and `support/` holds their shared helpers. One binary
//! links the library once instead of once per file.
//!
//! `cargo test --test it` runs them all; `cargo test --test it sandbox_matrix`
//! runs one module (a test's name starts with its module's).
//!
//! Each module keeps its own statics (a `SERIAL` lock is per module). Tests
//! that measure this process or the clock (peak RSS, time bounds) say how they
//! stay honest while other modules run beside them.

mod support;

mod architecture;
mod authoritative_dns;
mod aws_rules;
mod ci_output;
mod cli_run;
mod fault_matrix;
mod iam_signature;
mod local_emulator;
mod net_world;
mod path_pattern_props;
mod regional_tls;
mod reports;
mod sandbox_control_plane;
mod sandbox_data_plane;
mod sandbox_matrix;
mod suite_corpus;
mod suite_fuzz;
mod suite_schema;
mod trace_init;
mod wait;
