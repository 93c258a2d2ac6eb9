//! A validator for the Jenkins xunit-plugin `junit-10.xsd` rules, written
//! from the schema: which elements may nest where, which attributes are
//! allowed or required, and the Surefire time format. It tolerates only the
//! `skipped`, `timestamp` and `uuid` attributes quick-junit writes on
//! `<testsuites>` in [`validate`]; [`validate_strict`] refuses them too, as
//! the schema does (what `--junit-flavor strict` must pass).

use quick_xml::events::Event;

#[derive(Debug)]
struct Node {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

fn parse(xml: &str) -> Result<Node, String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut stack: Vec<Node> = vec![Node { name: "#document".into(), attrs: vec![], children: vec![] }];
    loop {
        match reader.read_event().map_err(|e| format!("not well-formed XML: {e}"))? {
            Event::Start(e) => stack.push(node(&e)?),
            Event::Empty(e) => {
                let n = node(&e)?;
                stack.last_mut().unwrap().children.push(n);
            }
            Event::End(_) => {
                let n = stack.pop().unwrap();
                stack.last_mut().ok_or("unbalanced end tag")?.children.push(n);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let mut doc = stack.pop().ok_or("empty document")?;
    if !stack.is_empty() || doc.children.len() != 1 {
        return Err("expected exactly one root element".into());
    }
    Ok(doc.children.remove(0))
}

fn node(e: &quick_xml::events::BytesStart<'_>) -> Result<Node, String> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attrs = vec![];
    for a in e.attributes() {
        let a = a.map_err(|e| format!("bad attribute: {e}"))?;
        attrs.push((
            String::from_utf8_lossy(a.key.as_ref()).into_owned(),
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| e.to_string())?.into_owned(),
        ));
    }
    Ok(Node { name, attrs, children: vec![] })
}

/// `SUREFIRE_TIME`: digits (with optional thousands commas), optional `.digits`.
fn surefire_time(v: &str) -> bool {
    let (int, frac) = v.split_once('.').unwrap_or((v, ""));
    int.chars().all(|c| c.is_ascii_digit() || c == ',') && frac.chars().all(|c| c.is_ascii_digit())
}

fn check_attrs(n: &Node, required: &[&str], optional: &[&str], errors: &mut Vec<String>) {
    for r in required {
        if !n.attrs.iter().any(|(k, _)| k == r) {
            errors.push(format!("<{}> lacks required attribute `{r}`", n.name));
        }
    }
    for (k, v) in &n.attrs {
        if !required.contains(&k.as_str()) && !optional.contains(&k.as_str()) {
            errors.push(format!("<{}> has attribute `{k}` the schema does not allow", n.name));
        }
        if k == "time" && n.name.starts_with("testsuite") && !surefire_time(v) {
            errors.push(format!("<{}> time `{v}` is not SUREFIRE_TIME", n.name));
        }
    }
}

fn check_children(n: &Node, allowed: &[&str], errors: &mut Vec<String>) {
    for c in &n.children {
        if !allowed.contains(&c.name.as_str()) {
            errors.push(format!("<{}> may not contain <{}>", n.name, c.name));
        }
    }
}

/// What quick-junit writes on `<testsuites>` that junit-10 does not allow.
const QUICK_JUNIT_EXTRAS: &[&str] = &["skipped", "timestamp", "uuid"];

fn element(n: &Node, strict: bool, errors: &mut Vec<String>) {
    match n.name.as_str() {
        "testsuites" => {
            let mut optional = vec!["name", "time", "tests", "failures", "errors"];
            if !strict {
                optional.extend(QUICK_JUNIT_EXTRAS);
            }
            check_attrs(n, &[], &optional, errors);
            check_children(n, &["testsuite"], errors);
        }
        "testsuite" => {
            check_attrs(
                n,
                &["name", "tests", "failures", "errors"],
                &["group", "time", "skipped", "timestamp", "hostname", "id", "package", "file", "log", "url"],
                errors,
            );
            check_children(n, &["testsuite", "properties", "testcase", "system-out", "system-err"], errors);
        }
        "properties" => {
            check_attrs(n, &[], &[], errors);
            check_children(n, &["property"], errors);
        }
        "property" => {
            check_attrs(n, &["name", "value"], &[], errors);
            check_children(n, &[], errors);
        }
        "testcase" => {
            check_attrs(n, &["name"], &["time", "classname", "group"], errors);
            check_children(
                n,
                &[
                    "skipped",
                    "error",
                    "failure",
                    "rerunFailure",
                    "rerunError",
                    "flakyFailure",
                    "flakyError",
                    "system-out",
                    "system-err",
                ],
                errors,
            );
        }
        "failure" | "error" | "skipped" => {
            check_attrs(n, &[], &["type", "message"], errors);
            check_children(n, &[], errors);
        }
        "rerunFailure" | "rerunError" | "flakyFailure" | "flakyError" => {
            check_attrs(n, &["type"], &["message"], errors);
            check_children(n, &["stackTrace", "system-out", "system-err"], errors);
            let order: Vec<usize> = n
                .children
                .iter()
                .filter_map(|c| ["stackTrace", "system-out", "system-err"].iter().position(|x| *x == c.name))
                .collect();
            if order.windows(2).any(|w| w[0] >= w[1]) {
                errors.push(format!("<{}> children out of order", n.name));
            }
        }
        "system-out" | "system-err" | "stackTrace" => {
            check_attrs(n, &[], &[], errors);
            check_children(n, &[], errors);
        }
        other => errors.push(format!("unknown element <{other}>")),
    }
    for c in &n.children {
        element(c, strict, errors);
    }
}

fn check(xml: &str, strict: bool) -> Vec<String> {
    match parse(xml) {
        Err(e) => vec![e],
        Ok(root) => {
            let mut errors = vec![];
            if root.name != "testsuites" && root.name != "testsuite" {
                errors.push(format!("root is <{}>", root.name));
            }
            element(&root, strict, &mut errors);
            errors
        }
    }
}

/// Returns every violation of the junit-10 rules (empty: valid), tolerating
/// quick-junit's `skipped`, `timestamp` and `uuid` on `<testsuites>`.
pub fn validate(xml: &str) -> Vec<String> {
    check(xml, false)
}

/// Returns every violation of the junit-10 rules, with no tolerance.
pub fn validate_strict(xml: &str) -> Vec<String> {
    check(xml, true)
}

#[allow(dead_code)]
pub fn assert_valid(xml: &str) {
    let errors = validate(xml);
    assert!(errors.is_empty(), "JUnit does not validate against junit-10:\n{}\n\n{xml}", errors.join("\n"));
}
