//! `docs/aws-rules.md` is the list of every AWS rule the judges encode, each
//! with its source: it is generated from the `// AWS: <guide>, "<page>" —
//! <rule>` comments on the tests that pin the rules, so the document and the
//! code cannot drift apart. A missing or stale document fails this test;
//! `UPDATE_AWS_RULES=1 cargo test --test it aws_rules` rewrites it.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One `// AWS:` comment block and the test it sits on.
struct Rule {
    file: String,
    source: String,
    rule: String,
    pinned_by: String,
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

/// The comment blocks of one file: a block starts at `// AWS:` and goes on
/// over the following `//` lines that do not start another block.
fn rules_in(path: &Path, rel: &str) -> Vec<Rule> {
    let text = std::fs::read_to_string(path).unwrap();
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(first) = lines[i].strip_prefix("// AWS:") else {
            i += 1;
            continue;
        };
        let mut body = first.trim().to_owned();
        i += 1;
        while i < lines.len() && lines[i].starts_with("//") && !lines[i].starts_with("// AWS:") {
            let more = lines[i].trim_start_matches('/').trim();
            if !more.is_empty() {
                body.push(' ');
                body.push_str(more);
            }
            i += 1;
        }
        // The item it documents: the next `fn` (skipping attributes and further blocks).
        let pinned_by = lines[i..]
            .iter()
            .find_map(|l| {
                let l = l.strip_prefix("pub ").unwrap_or(l);
                let l = l.strip_prefix("async ").unwrap_or(l);
                l.strip_prefix("fn ").map(|rest| rest.split(['(', '<']).next().unwrap_or(rest).to_owned())
            })
            .unwrap_or_default();
        let (source, rule) = match body.split_once(" — ") {
            Some((s, r)) => (s.trim().to_owned(), r.trim().to_owned()),
            None => (body.clone(), String::new()),
        };
        out.push(Rule { file: rel.to_owned(), source, rule, pinned_by });
    }
    out
}

fn render(rules: &[Rule]) -> String {
    let mut md = String::from(
        "# AWS rules and their sources\n\n\
         Every rule about Route 53, CloudFront, API Gateway and ACM that wsconform's\n\
         judges encode, with the page of AWS's documentation that states it and the\n\
         test that pins it. Generated from the `// AWS:` comments on those tests by\n\
         `tests/it/aws_rules.rs`, which fails when this file and the code differ\n\
         (`UPDATE_AWS_RULES=1 cargo test --test it aws_rules` rewrites it). A rule that\n\
         could not be confirmed in AWS's documentation is not a failure: the judge\n\
         reports it as a warning or as unknown.\n",
    );
    let mut file = "";
    for r in rules {
        if r.file != file {
            file = &r.file;
            let _ = write!(md, "\n## `{file}`\n\n| source | rule | pinned by |\n|---|---|---|\n");
        }
        let cell = |s: &str| s.replace('|', "\\|");
        let _ = writeln!(md, "| {} | {} | `{}` |", cell(&r.source), cell(&r.rule), r.pinned_by);
    }
    md
}

#[test]
fn docs_aws_rules_lists_every_rule_in_the_code() {
    let mut files = Vec::new();
    for dir in ["crates", "src", "tests"] {
        rust_files(&root().join(dir), &mut files);
    }
    let rules: Vec<Rule> = files
        .iter()
        .flat_map(|p| {
            let rel = p.strip_prefix(root()).unwrap().to_string_lossy().replace('\\', "/");
            rules_in(p, &rel)
        })
        .collect();
    assert!(rules.len() >= 20, "only {} `// AWS:` rules found: the parser lost them", rules.len());
    for r in &rules {
        assert!(!r.rule.is_empty(), "{}: `// AWS: {}` names no rule after ` — `", r.file, r.source);
        assert!(!r.pinned_by.is_empty(), "{}: `// AWS: {}` is on no function", r.file, r.source);
    }
    let want = render(&rules);
    let path = root().join("docs/aws-rules.md");
    if std::env::var_os("UPDATE_AWS_RULES").is_some() {
        std::fs::write(&path, &want).unwrap();
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "docs/aws-rules.md does not match the `// AWS:` comments in the code (UPDATE_AWS_RULES=1 cargo test --test it aws_rules rewrites it)"
    );
}
