//! The `wsconform` command line: argument parsing, reporters chosen from
//! flags, exit codes, and (with the default `sandbox` feature) the
//! in-process sandbox wired into the library's emulator seam.

pub mod cli;
#[cfg(feature = "sandbox")]
pub mod emulator;
