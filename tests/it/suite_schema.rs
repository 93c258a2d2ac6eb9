//! The suite file's JSON Schema: the committed `suites/wsconform.schema.json`
//! is what `wsconform schema` prints, and it catches what editors should flag.

use std::path::PathBuf;
use std::process::Command;

const REGENERATE: &str = "cargo run -- schema > suites/wsconform.schema.json";

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What the code generates, through the command line as users run it.
fn generated() -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_wsconform")).arg("schema").output().expect("run `wsconform schema`");
    assert!(out.status.success(), "`wsconform schema` failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).expect("the schema is UTF-8")
}

fn committed() -> String {
    let path = manifest_dir().join("suites/wsconform.schema.json");
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read suites/wsconform.schema.json ({e}); write it with `{REGENERATE}`"))
}

fn validator() -> jsonschema::Validator {
    let schema: serde_json::Value = serde_json::from_str(&committed()).expect("the committed schema is JSON");
    jsonschema::validator_for(&schema).expect("the committed schema is a valid JSON Schema")
}

/// The TOML text as the JSON value editors validate.
fn as_json(toml_text: &str) -> serde_json::Value {
    toml::from_str::<serde_json::Value>(toml_text).expect("valid TOML")
}

fn errors(toml_text: &str) -> Vec<String> {
    let v = validator();
    let instance = as_json(toml_text);
    v.iter_errors(&instance).map(|e| format!("{}: {e}", e.instance_path())).collect()
}

#[test]
fn the_committed_schema_is_what_the_code_generates() {
    let (committed, generated) = (committed(), generated());
    if committed != generated {
        let line = committed
            .lines()
            .zip(generated.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| committed.lines().count().min(generated.lines().count()) + 1, |i| i + 1);
        panic!(
            "suites/wsconform.schema.json is stale (first difference at line {line}): \
             the suite types changed; regenerate it with `{REGENERATE}` and commit it"
        );
    }
}

#[test]
fn the_schema_is_draft_7_and_closed() {
    let schema: serde_json::Value = serde_json::from_str(&committed()).expect("JSON");
    assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#");
    // serde's `deny_unknown_fields` becomes `additionalProperties: false`, at the root and in every table.
    assert_eq!(schema["additionalProperties"], false);
    for (name, def) in schema["definitions"].as_object().expect("definitions") {
        if def["type"] == "object" {
            assert_eq!(def["additionalProperties"], false, "definition {name} is open");
        }
    }
    assert_eq!(schema["required"], serde_json::json!(["name", "region", "url"]));
}

#[test]
fn the_sandbox_suite_validates() {
    let text = std::fs::read_to_string(manifest_dir().join("suites/sandbox.toml")).expect("suites/sandbox.toml");
    assert!(text.starts_with("#:schema ./wsconform.schema.json\n"), "the editor directive is the first line");
    assert_eq!(errors(&text), Vec::<String>::new());
}

#[test]
fn init_snapshot_validates() {
    // The suite `init` wrote for layout b (trace_init's snapshot), past insta's header.
    let path = "tests/it/snapshots/it__trace_init__init-b.snap";
    let snap = std::fs::read_to_string(manifest_dir().join(path)).expect(path);
    let body = snap.strip_prefix("---\n").and_then(|s| s.split_once("\n---\n")).map(|(_, body)| body);
    let text = body.unwrap_or_else(|| panic!("{path}: no insta header"));
    assert!(text.starts_with("#:schema ./wsconform.schema.json\n"), "init writes the editor directive first");
    assert_eq!(errors(text), Vec::<String>::new());
}

const BASE: &str = "name = \"s\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n";

#[test]
fn a_misspelled_key_is_flagged_by_name() {
    let errs = errors(&format!("{BASE}\n[dns]\nnameserver = []\n"));
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert!(errs[0].starts_with("/dns: "), "{errs:?}");
    assert!(errs[0].contains("'nameserver' was unexpected"), "{errs:?}");

    let errs = errors(&format!("{BASE}timeuot = \"5s\"\n"));
    assert!(errs.iter().any(|e| e.contains("'timeuot'")), "{errs:?}");
}

#[test]
fn values_the_loader_reads_by_hand_are_described() {
    // `[dns] nameservers`: a keyword or a list of addresses.
    for ok in ["[]", "[\"127.0.0.1:5353\"]", "\"authoritative\"", "\"system\""] {
        assert_eq!(errors(&format!("{BASE}[dns]\nnameservers = {ok}\n")), Vec::<String>::new(), "{ok}");
    }
    assert!(!errors(&format!("{BASE}[dns]\nnameservers = \"authoritive\"\n")).is_empty());
    // `[roundtrip] expect`: a substring or a closed table.
    let ok = "expect = { json_pointer = \"/request\", contains = \"{{nonce}}\" }";
    assert_eq!(errors(&format!("{BASE}[roundtrip]\n{ok}\n")), Vec::<String>::new());
    assert!(!errors(&format!("{BASE}[roundtrip]\nexpect = {{ json_pointer = \"/r\" }}\n")).is_empty());
    // Enums and types.
    assert!(!errors(&format!("{BASE}[roundtrip]\nauth = \"sigv4\"\n")).is_empty());
    assert!(!errors(&format!("{BASE}[api]\nexecute_api = \"off\"\n")).is_empty());
    assert!(!errors(&format!("{BASE}[checks]\nstrict = \"yes\"\n")).is_empty());
    // A required key.
    let errs = errors("name = \"s\"\nregion = \"ap-northeast-1\"\n");
    assert!(errs.iter().any(|e| e.contains("\"url\" is a required property")), "{errs:?}");
}

#[test]
fn what_the_schema_accepts_the_loader_parses_too() {
    // The schema is looser than the loader (it knows no regions or hosts), never stricter:
    // the README's full example of every key passes both.
    let readme = std::fs::read_to_string(manifest_dir().join("README.md")).expect("README.md");
    let start = readme.find("## Suite files").expect("README has a suite section");
    let block = &readme[start..];
    let block = &block[block.find("```toml\n").expect("a toml block") + 8..];
    let block = &block[..block.find("```").expect("the block ends")];
    assert_eq!(errors(block), Vec::<String>::new());
    let env = |k: &str| Some(format!("value-of-{k}"));
    let block = block.replace("extra_ca = \"certs/staging-ca.pem\"", "");
    wsconform::suite::Suite::parse("README", &block, &env).unwrap_or_else(|e| panic!("{e}"));
}
