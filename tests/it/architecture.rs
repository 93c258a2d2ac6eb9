//! Which layer may import which (docs/architecture.md, Layers), read from the
//! source: every `crate::…`, `super::…` and `self::…` path a file names is an
//! edge from its module to the deepest module that path reaches. A module's
//! own ancestors and descendants are its family, not imports: `mod.rs`
//! declaring its children and a child using its parent's items are no edge.
//!
//! - No import circle among modules (file A uses B and B uses A).
//! - No check module (`checks/<area>`) imports another; the shared ones
//!   (`findings`, `blame`) are not check areas.
//! - `model/` imports neither `ids`, `outcome`, `checks` nor `facts`: the
//!   deployment and its route know nothing of verdicts or I/O.
//! - No verdict state is read out of message text.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `checks/e2e/mod.rs` → `["checks", "e2e"]`; `lib.rs` → `[]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap();
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap();
    let stem = last.trim_end_matches(".rs");
    if !matches!(stem, "mod" | "lib" | "main") {
        parts.push(stem.to_owned());
    }
    parts
}

/// The code of a file without its comments and string literals, which may
/// name paths they do not import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let mut in_str = false;
        let mut prev = ' ';
        let mut kept = String::new();
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            if !in_str && c == '/' && chars.get(i + 1) == Some(&'/') {
                break;
            }
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                kept.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
            i += 1;
        }
        out.push_str(&kept);
        out.push('\n');
    }
    out
}

/// Every module path a file's code names, resolved against `modules`.
fn imports(module: &[String], code: &str, modules: &BTreeSet<Vec<String>>) -> BTreeSet<Vec<String>> {
    let mut found = BTreeSet::new();
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    for (start, _) in code.match_indices("::") {
        // The identifier before this `::`, at the start of a path.
        let mut s = start;
        while s > 0 && is_ident(bytes[s - 1]) {
            s -= 1;
        }
        if s > 0 && (bytes[s - 1] == b':' || is_ident(bytes[s - 1])) {
            continue;
        }
        let head = &code[s..start];
        let mut base: Vec<String> = match head {
            "crate" => vec![],
            "super" => module[..module.len().saturating_sub(1)].to_vec(),
            "self" => module.to_vec(),
            _ => continue,
        };
        // Further `super::` segments, then the named modules.
        let mut rest = &code[start + 2..];
        loop {
            let seg: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            if seg.is_empty() {
                break;
            }
            if seg == "super" {
                base.pop();
            } else {
                let mut next = base.clone();
                next.push(seg.clone());
                if !modules.contains(&next) {
                    break;
                }
                base = next;
            }
            rest = &rest[seg.len()..];
            match rest.strip_prefix("::") {
                Some(r) => rest = r,
                None => break,
            }
        }
        // `use crate::{a, b}`: each name in the group that is a module.
        if let Some(group) = rest.strip_prefix('{') {
            let inner: String = group.chars().take_while(|c| *c != '}').collect();
            for name in inner.split(',') {
                let mut m = base.clone();
                for seg in name.trim().split("::").map(str::trim) {
                    m.push(seg.to_owned());
                    if !modules.contains(&m) {
                        m.pop();
                        break;
                    }
                }
                found.insert(m);
            }
        }
        found.insert(base);
    }
    found
}

fn related(a: &[String], b: &[String]) -> bool {
    a.starts_with(b) || b.starts_with(a)
}

/// The module graph of one crate's `src/`: module → modules it imports.
fn graph(src: &Path) -> BTreeMap<Vec<String>, BTreeSet<Vec<String>>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_of(src, f)).collect();
    let mut g = BTreeMap::new();
    for f in &files {
        let m = module_of(src, f);
        let code = code_only(&std::fs::read_to_string(f).unwrap());
        let edges: BTreeSet<_> = imports(&m, &code, &modules).into_iter().filter(|t| !related(&m, t)).collect();
        g.insert(m, edges);
    }
    g
}

/// Every circle: a module that reaches itself, with the way round.
fn circles(g: &BTreeMap<Vec<String>, BTreeSet<Vec<String>>>) -> Vec<String> {
    let mut out = Vec::new();
    for start in g.keys() {
        // Breadth-first from `start`, remembering the way back.
        let mut prev: BTreeMap<&Vec<String>, &Vec<String>> = BTreeMap::new();
        let mut queue = std::collections::VecDeque::from([start]);
        while let Some(m) = queue.pop_front() {
            for t in g.get(m).into_iter().flatten() {
                if t == start {
                    let mut way = vec![start.join("::")];
                    let mut at = m;
                    while at != start {
                        way.push(at.join("::"));
                        at = prev[at];
                    }
                    way.push(start.join("::"));
                    way.reverse();
                    out.push(way.join(" → "));
                    queue.clear();
                    break;
                }
                if !prev.contains_key(t) && g.contains_key(t) {
                    prev.insert(t, m);
                    queue.push_back(t);
                }
            }
        }
    }
    out
}

fn crate_src(name: &str) -> PathBuf {
    root().join("crates").join(name).join("src")
}

fn name(m: &[String]) -> String {
    if m.is_empty() { "crate".into() } else { m.join("::") }
}

#[test]
fn no_import_circle_in_any_crate() {
    let mut found = Vec::new();
    for src in [crate_src("wsconform"), crate_src("wsconform-sandbox"), root().join("src")] {
        for c in circles(&graph(&src)) {
            found.push(format!("{}: {c}", src.strip_prefix(root()).unwrap().display()));
        }
    }
    assert!(found.is_empty(), "import circles:\n{}", found.join("\n"));
}

#[test]
fn no_check_module_imports_another() {
    let g = graph(&crate_src("wsconform"));
    // Shared areas: verdict vocabulary (findings), and what the live checks read as a
    // symptom's cause: the way in (blame) and what lies behind a route (behind).
    let shared = ["findings", "blame", "behind"];
    let area = |m: &[String]| match m {
        [checks, area, ..] if checks == "checks" && !shared.contains(&area.as_str()) => Some(area.clone()),
        _ => None,
    };
    let mut found = Vec::new();
    for (m, edges) in &g {
        let Some(from) = area(m) else { continue };
        for t in edges {
            if area(t).is_some_and(|to| to != from) {
                found.push(format!("{} imports {}", name(m), name(t)));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_model_knows_no_verdict_and_no_io() {
    let g = graph(&crate_src("wsconform"));
    let forbidden = ["ids", "outcome", "checks", "facts", "net", "report", "runner"];
    let mut found = Vec::new();
    for (m, edges) in g.iter().filter(|(m, _)| m.first().is_some_and(|h| h == "model")) {
        for t in edges.iter().filter(|t| t.first().is_some_and(|h| forbidden.contains(&h.as_str()))) {
            found.push(format!("{} imports {}", name(m), name(t)));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// Verdict states are typed (`Verdict::Unknown`, `SkipCause`): no code reads
/// them back out of a message's first words.
#[test]
fn no_verdict_state_is_read_from_text() {
    let patterns = [concat!("starts_with(\"", "unknown:"), concat!("starts_with(\"", "needs ")];
    let mut files = Vec::new();
    for dir in ["crates", "src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    let mut found = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            if patterns.iter().any(|p| line.contains(p)) {
                found.push(format!("{}:{}: {}", f.strip_prefix(root()).unwrap().display(), n + 1, line.trim()));
            }
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

/// The reader itself: a circle, an ancestor edge that is no import, and a
/// grouped `use`.
#[test]
fn the_import_reader_finds_what_it_must() {
    let modules: BTreeSet<Vec<String>> =
        [vec![], vec!["a".into()], vec!["b".into()], vec!["a".into(), "c".into()]].into_iter().collect();
    let a = vec!["a".to_string()];
    let found = imports(&a, "use crate::{b, a::c};\nlet x = super::b::f();\n", &modules);
    assert!(found.contains(&vec!["b".to_string()]) && found.contains(&vec!["a".to_string(), "c".to_string()]));
    assert!(code_only("let s = \"crate::b::x\"; // crate::b").find("crate::b").is_none());
    let mut g = BTreeMap::new();
    g.insert(vec!["a".to_string()], BTreeSet::from([vec!["b".to_string()]]));
    g.insert(vec!["b".to_string()], BTreeSet::from([vec!["a".to_string()]]));
    assert_eq!(circles(&g).first().map(String::as_str), Some("a → b → a"));
}
