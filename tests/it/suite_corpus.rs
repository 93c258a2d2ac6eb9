//! The broken-suite corpus: every file under `tests/broken/` names its
//! expected error on its first line (`# expect: LINE:COL: text | text`).
//! Each must fail to load with exactly that position and text, and the CLI
//! must exit 2 on it without running anything or panicking.

use std::path::{Path, PathBuf};
use std::process::Command;

use wsconform::Suite;

fn corpus() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/broken");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/broken exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

struct Expect {
    line: usize,
    col: usize,
    texts: Vec<String>,
}

fn expectation(path: &Path) -> Expect {
    let text = std::fs::read_to_string(path).unwrap();
    let first = text.lines().next().unwrap();
    let spec = first.strip_prefix("# expect: ").unwrap_or_else(|| panic!("{}: no `# expect:` line", path.display()));
    let mut parts = spec.splitn(3, ':');
    let line = parts.next().unwrap().trim().parse().unwrap();
    let col = parts.next().unwrap().trim().parse().unwrap();
    let texts = parts.next().unwrap().split('|').map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
    Expect { line, col, texts }
}

#[test]
fn corpus_has_at_least_thirty_cases() {
    assert!(corpus().len() >= 30, "only {} broken suites", corpus().len());
}

#[test]
fn every_broken_suite_fails_at_the_expected_place() {
    let mut problems = Vec::new();
    for path in corpus() {
        let want = expectation(&path);
        match Suite::from_file_with_env(&path, &|_| None) {
            Ok(_) => problems.push(format!("{}: loaded without error", path.display())),
            Err(e) => {
                let shown = e.to_string();
                if (e.line, e.col) != (Some(want.line), Some(want.col)) {
                    problems.push(format!(
                        "{}: at {:?}:{:?}, expected {}:{}: {shown}",
                        path.display(),
                        e.line,
                        e.col,
                        want.line,
                        want.col
                    ));
                }
                for t in &want.texts {
                    if !shown.contains(t.as_str()) {
                        problems.push(format!("{}: `{t}` not in: {shown}", path.display()));
                    }
                }
                let prefix = format!("{}:{}:{}: ", path.display(), want.line, want.col);
                if !shown.starts_with(&prefix) {
                    problems.push(format!("{}: does not start with `{prefix}`: {shown}", path.display()));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn cli_exits_2_with_file_line_col_and_runs_nothing() {
    let reports = tempfile::tempdir().unwrap();
    for path in corpus() {
        let want = expectation(&path);
        let out = Command::new(env!("CARGO_BIN_EXE_wsconform"))
            .arg("run")
            .arg(&path)
            .arg("--reports-dir")
            .arg(reports.path())
            .env_remove("WSCONFORM_TEST_SURELY_UNSET")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{}: {stderr}", path.display());
        assert!(stderr.contains(&format!(":{}:{}: ", want.line, want.col)), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked"), "{}: {stderr}", path.display());
        assert!(out.stdout.is_empty(), "{}: something ran: {}", path.display(), String::from_utf8_lossy(&out.stdout));
    }
    assert_eq!(std::fs::read_dir(reports.path()).unwrap().count(), 0, "no report for a run that never started");
}

#[test]
fn unreadable_suite_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_wsconform"))
        .args(["run", "tests/broken/does-not-exist.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the suite file"));
}
