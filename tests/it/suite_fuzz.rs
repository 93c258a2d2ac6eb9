//! Property tests of the suite parser and `${VAR}` interpolation: whatever
//! the bytes, loading returns a suite or an error that points inside the
//! file — never a panic. Bounded: a fixed number of cases, each tiny.

use proptest::prelude::*;
use wsconform::Suite;
use wsconform::suite::interpolate;

const VALID: &str = r#"name = "t"
region = "ap-northeast-1"
url = "wss://ws.example.com/Prod"
timeout = "5s"
[api]
id = "${API_ID:-abc}"
stage = "Prod"
execute_api = "disabled"
[custom_domain]
name = "ws.example.com"
mapping_key = ""
[dns]
nameservers = ["127.0.0.1:5353"]
connect_to = { "ws.example.com:443" = ":8443" }
[roundtrip]
headers = { Authorization = "${TOKEN:-x}" }
expect = { json_pointer = "/request", contains = "{{nonce}}" }
connection_id = "/connectionId"
"#;

fn check(text: &str) {
    let env = |k: &str| (k == "SET").then(|| "value".to_string());
    match Suite::parse("f.toml", text, &env) {
        Ok(s) => assert!(!s.name.is_empty()),
        Err(e) => {
            let lines = text.split('\n').count();
            let line = e.line.expect("parse errors have a line");
            assert!(line >= 1 && line <= lines.max(1), "line {line} outside 1..={lines}: {e}");
            assert!(e.col.is_some_and(|c| c >= 1));
            assert!(!e.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        check(&text);
    }

    #[test]
    fn mutated_valid_suite_never_panics(pos in 0usize..VALID.len(), cut in 0usize..40, insert in "[\\[\\]{}=\"'$#\\n a-z0-9.:/~-]{0,12}") {
        let mut text = VALID.to_string();
        let pos = text.floor_char_boundary(pos);
        let end = text.floor_char_boundary((pos + cut).min(text.len()));
        text.replace_range(pos..end, &insert);
        check(&text);
    }

    #[test]
    fn interpolation_never_panics_and_is_identity_without_dollar(s in "\\PC{0,80}") {
        let env = |k: &str| (k == "SET").then(|| "value".to_string());
        let r = interpolate(&s, &env);
        if !s.contains('$') {
            prop_assert_eq!(r, Ok((s.clone(), vec![])));
        }
    }
}

#[test]
fn the_seed_suite_is_valid() {
    let s = Suite::parse("f.toml", VALID, &|_| None).unwrap();
    assert_eq!(s.api.id.as_deref(), Some("abc"));
}
