//! Reporters: each consumes the runner's [`Event`] stream (docs/architecture.md, Observe, judge, report).
//! File reports are written atomically (temp file + rename), also when the
//! run was interrupted.

pub mod annotations;
pub mod console;
pub mod history;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod metrics;

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::events::Event;
use crate::outcome::CheckReport;

pub trait Reporter: Send {
    fn on_event(&mut self, event: &Event) -> Result<()>;
}

/// Why a report could not be written. The run goes on: the error is listed
/// at the end and makes the exit code 1.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A report file or its directory.
    #[error("cannot {action} {}: {source}", path.display())]
    File {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The console or annotations stream.
    #[error("cannot write the report: {0}")]
    Output(#[from] std::io::Error),
    #[error("cannot encode the JSON report: {0}")]
    Json(#[from] serde_json::Error),
    #[error("cannot render the JUnit report: {0}")]
    Junit(#[from] quick_junit::SerializeError),
    /// The strict JUnit flavor's rewrite of quick-junit's XML.
    #[error("cannot rewrite the JUnit XML: {0}")]
    Xml(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    fn file(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.to_path_buf();
        move |source| Error::File { action, path, source }
    }
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory, so readers never see a half-written report.
pub fn write_atomically(path: &Path, contents: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(Error::file("create", dir))?;
    let mut tmp =
        tempfile::Builder::new().prefix(".wsconform-").tempfile_in(dir).map_err(Error::file("write in", dir))?;
    tmp.write_all(contents).map_err(Error::file("write", path))?;
    tmp.as_file().sync_all().map_err(Error::file("write", path))?;
    tmp.persist(path).map_err(|e| Error::file("write", path)(e.error))?;
    Ok(())
}

/// How many checks carry at least one warning, whatever their status: the
/// `warned` count of every report.
pub fn warned(reports: &[CheckReport]) -> usize {
    reports.iter().filter(|r| !r.outcome.warnings.is_empty()).count()
}

/// `1 warning`, `2 warnings`.
pub fn warnings_label(n: usize) -> String {
    format!("{n} warning{}", if n == 1 { "" } else { "s" })
}

/// A file name from a suite name: anything but letters, digits, `-`, `_`, `.` becomes `_`.
pub fn file_stem(suite_name: &str) -> String {
    suite_name.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("sub/r.xml");
        write_atomically(&p, b"one").unwrap();
        write_atomically(&p, b"two").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"two");
        assert_eq!(std::fs::read_dir(p.parent().unwrap()).unwrap().count(), 1, "no temp file left");
    }

    #[test]
    fn a_report_that_cannot_be_written_names_the_file_and_what_failed() {
        let dir = tempfile::tempdir().unwrap();
        let blocker = dir.path().join("reports");
        std::fs::write(&blocker, b"a file where a directory should be").unwrap();
        let err = write_atomically(&blocker.join("junit.xml"), b"x").unwrap_err();
        assert!(matches!(err, Error::File { action: "create", .. }), "{err:?}");
        let shown = err.to_string();
        assert!(shown.starts_with(&format!("cannot create {}: ", blocker.display())), "{shown}");
    }

    #[test]
    fn file_stem_is_safe() {
        assert_eq!(file_stem("chat staging/../x"), "chat_staging_.._x");
    }
}
