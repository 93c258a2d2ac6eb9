//! The Jenkins xunit-plugin `junit-10.xsd` as a third-party judge of both
//! JUnit flavors (the runs of `tests/it/support/ci_runs.rs`): with `xmllint`
//! and a `junit-10.xsd` (the path in `WSCONFORM_JUNIT_XSD`, else the one
//! `scripts/junit-xsd.sh` puts in `target/witness/junit-xsd/`, else
//! `tests/junit-10.xsd`) the schema itself judges; without them the trial is
//! ignored with its reason and the structural checker of
//! `tests/it/support/junit10.rs` (`cargo test --test it ci_output`) judges
//! alone. The schema is not committed: `.ci/run` fetches it with the script.

use std::path::PathBuf;
use std::process::Command;

use libtest_mimic::{Completion, Failed, Trial};
use wsconform::report::junit;

use crate::support::ci_runs::flavors;

macro_rules! ensure {
    ($cond:expr, $($msg:tt)+) => {
        if !$cond {
            return Err(Failed::from(format!($($msg)+)));
        }
    };
}

pub fn trial() -> Trial {
    Trial::ignorable_test("junit_schema::junit_flavors_xmllint_schema", junit_flavors_xmllint_schema)
}

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The file `WSCONFORM_JUNIT_XSD` names, else `scripts/junit-xsd.sh`'s copy,
/// else `tests/junit-10.xsd`.
fn schema() -> Result<PathBuf, String> {
    if let Some(p) = std::env::var_os("WSCONFORM_JUNIT_XSD") {
        let p = PathBuf::from(p);
        return if p.is_file() { Ok(p) } else { Err(format!("WSCONFORM_JUNIT_XSD={} is not a file", p.display())) };
    }
    ["target/witness/junit-xsd/junit-10.xsd", "tests/junit-10.xsd"]
        .into_iter()
        .map(|p| manifest_dir().join(p))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "no junit-10.xsd: run scripts/junit-xsd.sh (or set WSCONFORM_JUNIT_XSD); \
             the structural checker of `cargo test --test it ci_output` judged alone"
                .into()
        })
}

fn junit_flavors_xmllint_schema() -> Result<Completion, Failed> {
    let xsd = match schema() {
        Ok(p) => p,
        Err(reason) => return Ok(Completion::ignored_with(reason)),
    };
    if Command::new("xmllint").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Ok(Completion::ignored_with(
            "xmllint not found (scripts/junit-xsd.sh installs Debian's libxml2-utils); the structural checker of `cargo test --test it ci_output` judged alone",
        ));
    }
    println!("validator: xmllint --schema {}", xsd.display());
    let dir = tempfile::tempdir()?;
    for (flavor, path) in flavors(dir.path())? {
        let out = Command::new("xmllint").arg("--noout").arg("--schema").arg(&xsd).arg(&path).output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        match flavor {
            junit::Flavor::Strict => ensure!(out.status.success(), "{}: {stderr}", path.display()),
            junit::Flavor::Default => {
                ensure!(!out.status.success(), "the default flavor validated: {stderr}");
                let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("validity error")).collect();
                ensure!(
                    errors.len() == 2
                        && errors[0].contains("attribute 'skipped': The attribute 'skipped' is not allowed")
                        && errors[1].contains("attribute 'timestamp': The attribute 'timestamp' is not allowed"),
                    "only quick-junit's extras on <testsuites> may fail the default flavor:\n{stderr}"
                );
            }
        }
    }
    Ok(Completion::Completed)
}
