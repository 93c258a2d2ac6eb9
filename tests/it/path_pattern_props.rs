//! Three readings of CloudFront's PathPattern, compared on generated
//! patterns and paths over a small alphabet (`a`, `b`, `/`, `.`, `*`, `?`):
//!
//! - the checks' wildcard loop (`wsconform::test_support::path_pattern_matches`),
//! - the sandbox edge's regex translation (`wsconform_sandbox::edge::path_matches`),
//! - [`reference`] below: plain recursive backtracking over chars, too slow
//!   for anything but small inputs and too short to be wrong.
//!
//! The rule they all implement (CloudFront Developer Guide, "Cache behavior
//! settings", Path pattern): `*` matches 0 or more characters, `?` exactly 1,
//! case-sensitive, the pattern's leading `/` optional, no escape (a `*` in a
//! pattern is always a wildcard, even where the path has a literal `*`).
//! Request paths always start with `/`, so the generated ones do too.

use proptest::prelude::*;

use wsconform::test_support::path_pattern_matches as checks_matches;
use wsconform_sandbox::edge::path_matches as sandbox_matches;

/// The obviously-correct matcher: `pattern` (leading `/` optional) against
/// the whole `path`, by trying every split at every `*`. Exponential; only
/// for the small inputs below.
fn reference(pattern: &str, path: &str) -> bool {
    fn go(p: &[char], s: &[char]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some(('*', rest)) => (0..=s.len()).any(|i| go(rest, &s[i..])),
            Some(('?', rest)) => !s.is_empty() && go(rest, &s[1..]),
            Some((c, rest)) => s.first() == Some(c) && go(rest, &s[1..]),
        }
    }
    let absolute = if pattern.starts_with('/') { pattern.to_owned() } else { format!("/{pattern}") };
    let p: Vec<char> = absolute.chars().collect();
    let s: Vec<char> = path.chars().collect();
    go(&p, &s)
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(prop::sample::select(vec!['a', 'b', '/', '.', '*', '?']), 0..=max)
        .prop_map(|cs| cs.into_iter().collect())
}

/// A pattern, with or without its leading `/`.
fn pattern() -> impl Strategy<Value = String> {
    (any::<bool>(), text(7)).prop_map(|(slash, p)| if slash { format!("/{p}") } else { p })
}

/// A pattern that does not start with `/`.
fn relative_pattern() -> impl Strategy<Value = String> {
    text(7).prop_map(|p| p.trim_start_matches('/').to_owned())
}

/// A request path: `/` and then up to 9 characters of the alphabet.
fn path() -> impl Strategy<Value = String> {
    text(9).prop_map(|p| format!("/{p}"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn sandbox_matcher_agrees_with_the_reference(pattern in pattern(), path in path()) {
        prop_assert_eq!(sandbox_matches(&pattern, &path), reference(&pattern, &path), "pattern {:?} path {:?}", pattern, path);
    }

    #[test]
    fn checks_matcher_agrees_with_the_reference(pattern in pattern(), path in path()) {
        prop_assert_eq!(checks_matches(&pattern, &path), reference(&pattern, &path), "pattern {:?} path {:?}", pattern, path);
    }

    /// Only the one leading `/` is optional: `//a` is not `/a`.
    #[test]
    fn the_leading_slash_of_a_pattern_changes_nothing(pattern in relative_pattern(), path in path()) {
        let with = format!("/{pattern}");
        prop_assert_eq!(sandbox_matches(&pattern, &path), sandbox_matches(&with, &path));
    }
}

/// What the property test found in the checks' matcher (since fixed there):
/// a `*` in the pattern that met a literal `*` in the path was consumed as
/// that literal, with no backtrack point, so `*a` missed `/*ba` (minimal
/// case found: pattern `*/*/`, path `//*a/`). AWS: `*` matches 0 or more
/// characters, always; a pattern has no escape. All three must match these.
#[test]
fn a_literal_star_in_the_path_does_not_consume_the_wildcard() {
    for (pattern, path) in [("*a", "/*ba"), ("a*b", "/a*ab"), ("*", "/*"), ("?*.", "/a*b."), ("*/*/", "//*a/")] {
        assert!(reference(pattern, path), "reference: {pattern} {path}");
        assert!(sandbox_matches(pattern, path), "sandbox: {pattern} {path}");
        assert!(checks_matches(pattern, path), "checks: {pattern} {path}");
    }
    assert!(!sandbox_matches("*a", "/*b"));
    assert!(!checks_matches("*a", "/*b"));
}

#[test]
fn table() {
    let cases: &[(&str, &str, bool)] = &[
        ("Prod*", "/Prod", true),
        ("/Prod*", "/Prod/x", true),
        ("prod*", "/Prod", false),
        ("P?od", "/Prod", true),
        ("P?od", "/Pod", false),
        ("*", "/", true),
        ("", "/", true),
        ("", "/a", false),
        ("/", "/", true),
        ("*.js", "/a/b.js", true),
        ("*.js", "/a/b.jsx", false),
        ("a.b", "/aXb", false),
        ("websocket*", "/websocket", true),
        ("websocket", "/websocket/", false),
        ("images/*.jpg", "/images/product1/x.jpg", true),
        ("*.doc?", "/a.doc", false),
    ];
    for (pattern, path, want) in cases {
        assert_eq!(sandbox_matches(pattern, path), *want, "sandbox: {pattern} vs {path}");
        assert_eq!(reference(pattern, path), *want, "reference: {pattern} vs {path}");
    }
}
