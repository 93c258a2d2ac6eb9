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
use std::path::Path;

use crate::events::Event;
use crate::outcome::CheckReport;

pub trait Reporter: Send {
    fn on_event(&mut self, event: &Event) -> anyhow::Result<()>;
}

/// Writes `contents` to `path` through a temporary file in the same
/// directory, so readers never see a half-written report.
pub fn write_atomically(path: &Path, contents: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("cannot create {}: {e}", dir.display()))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".wsconform-")
        .tempfile_in(dir)
        .map_err(|e| anyhow::anyhow!("cannot write in {}: {e}", dir.display()))?;
    tmp.write_all(contents)?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| anyhow::anyhow!("cannot write {}: {}", path.display(), e.error))?;
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
    fn file_stem_is_safe() {
        assert_eq!(file_stem("chat staging/../x"), "chat_staging_.._x");
    }
}
