//! `docs/aws-rules.md` is the list of every AWS rule the judges encode, each
//! with its source: it is generated from the `// AWS: <guide>, "<page>" —
//! <rule>` comments on the tests that pin the rules, so the document and the
//! code cannot drift apart, and from `docs/field-audit.toml`, the answer for
//! every field of every resource the run fetches (checked here against the
//! AWS SDK's own structs, so a field AWS adds gets a row). A missing or stale
//! document fails this test; `UPDATE_AWS_RULES=1 cargo test --test it
//! aws_rules` rewrites it.

use std::collections::{BTreeMap, BTreeSet};
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
    let tests = test_names(&files);
    for r in &rules {
        assert!(!r.rule.is_empty(), "{}: `// AWS: {}` names no rule after ` — `", r.file, r.source);
        assert!(!r.pinned_by.is_empty(), "{}: `// AWS: {}` is on no function", r.file, r.source);
        // A rule is pinned by a test; on a judge it would claim a test nobody wrote.
        assert!(
            tests.contains(&r.pinned_by),
            "{}: `// AWS: {}` sits on `{}`, which is not a test: move it to the test that pins the rule",
            r.file,
            r.source,
            r.pinned_by
        );
    }
    let audit = load_audit(&tests);
    let want = render(&rules) + &render_audit(&audit);
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

// ---------------------------------------------------------------------------
// The field audit.

/// One row of `docs/field-audit.toml`.
struct Field {
    resource: String,
    field: String,
    answer: String,
    source: String,
    reason: String,
    fix: Option<String>,
    pinned_by: Vec<String>,
    /// Why no witness (moto deployment or sandbox scenario) builds the case.
    no_witness: Option<String>,
}

/// The names of the test functions in `files` (a `fn` under `#[test]` or
/// `#[tokio::test]`, attributes and comments between them allowed).
fn test_names(files: &[PathBuf]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for p in files {
        let text = std::fs::read_to_string(p).unwrap();
        let mut armed = false;
        for l in text.lines().map(str::trim) {
            if l.starts_with("#[test]") || l.starts_with("#[tokio::test") {
                armed = true;
                continue;
            }
            if !armed {
                continue;
            }
            let f = l.strip_prefix("async ").unwrap_or(l);
            if let Some(rest) = f.strip_prefix("fn ") {
                out.insert(rest.split(['(', '<']).next().unwrap_or(rest).to_owned());
                armed = false;
            } else if !(l.starts_with("#[") || l.starts_with("//") || l.is_empty()) {
                armed = false;
            }
        }
    }
    out
}

/// The moto deployments witness/moto/expected.toml judges (`moto::<name>` pins).
fn moto_deployments() -> BTreeSet<String> {
    let text = std::fs::read_to_string(root().join("witness/moto/expected.toml")).unwrap();
    let t: toml::Table = text.parse().unwrap();
    t["deployments"].as_table().unwrap().keys().cloned().collect()
}

fn load_audit(tests: &BTreeSet<String>) -> Vec<Field> {
    let path = root().join("docs/field-audit.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let t: toml::Table = text.parse().unwrap_or_else(|e| panic!("docs/field-audit.toml: {e}"));
    let moto = moto_deployments();
    let s = |row: &toml::Table, k: &str| row.get(k).and_then(|v| v.as_str()).map(str::to_owned);
    let mut out = Vec::new();
    for row in t["field"].as_array().expect("[[field]] rows") {
        let row = row.as_table().unwrap();
        for k in row.keys() {
            assert!(
                ["resource", "field", "answer", "source", "reason", "fix", "pinned_by", "no_witness"]
                    .contains(&k.as_str()),
                "docs/field-audit.toml: unknown key `{k}`"
            );
        }
        let f = Field {
            resource: s(row, "resource").expect("resource"),
            field: s(row, "field").expect("field"),
            answer: s(row, "answer").expect("answer"),
            source: s(row, "source").unwrap_or_default(),
            reason: s(row, "reason").unwrap_or_default(),
            fix: s(row, "fix"),
            pinned_by: row
                .get("pinned_by")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default(),
            no_witness: s(row, "no_witness"),
        };
        let at = format!("docs/field-audit.toml: {} {}", f.resource, f.field);
        assert!(["judged", "warning", "irrelevant"].contains(&f.answer.as_str()), "{at}: answer `{}`", f.answer);
        assert!(!f.source.is_empty() && !f.reason.is_empty(), "{at}: a row needs its source and reason");
        assert!(f.answer != "judged" || !f.pinned_by.is_empty(), "{at}: a judged field needs the test that pins it");
        assert!(f.answer != "irrelevant" || f.pinned_by.is_empty(), "{at}: an irrelevant field pins nothing");
        for pin in &f.pinned_by {
            let known = if let Some(d) = pin.strip_prefix("moto::") {
                moto.contains(d)
            } else if let Some(name) = pin.strip_prefix("sandbox::") {
                wsconform_sandbox::model::SCENARIOS.iter().any(|sc| sc.name == name)
            } else {
                tests.contains(pin)
            };
            assert!(known, "{at}: `{pin}` is neither a test function, a moto deployment nor a sandbox scenario");
        }
        // A judged rule is also built by a witness as users would build it, or says why it cannot be.
        let witnessed = f.pinned_by.iter().any(|p| p.starts_with("moto::") || p.starts_with("sandbox::"));
        assert!(
            f.answer != "judged" || witnessed || f.no_witness.is_some(),
            "{at}: a judged field needs a `moto::` or `sandbox::` pin, or `no_witness` saying why none builds it"
        );
        out.push(f);
    }
    out
}

fn render_audit(fields: &[Field]) -> String {
    let mut md = String::from(
        "\n## Field audit\n\n\
         For every field of every resource the run fetches: can its value alone keep a client\n\
         from reaching the API and stage, or send it somewhere else? *judged*: a check decides\n\
         on it, pinned by the tests named and built by a witness (`moto::` a deployment of\n\
         witness/moto, `sandbox::` a sandbox scenario) unless none can build it; *warning*:\n\
         reported as a warning (or, where nothing is named, not reported yet); *irrelevant*: it\n\
         cannot. Rendered from `docs/field-audit.toml`.\n",
    );
    let cell = |s: &str| s.replace('|', "\\|").replace('\n', " ");
    let mut resource = "";
    for f in fields {
        if f.resource != resource {
            resource = &f.resource;
            let _ = write!(
                md,
                "\n### {resource}\n\n| field | answer | source | why | pinned by |\n|---|---|---|---|---|\n"
            );
        }
        let answer = match (f.answer.as_str(), f.pinned_by.is_empty()) {
            ("warning", true) => "warning (not reported yet)".to_owned(),
            (a, _) => a.to_owned(),
        };
        let mut why = match &f.fix {
            Some(fix) => format!("{} Fix: {fix}", f.reason),
            None => f.reason.clone(),
        };
        if let Some(n) = &f.no_witness {
            let _ = write!(why, " No witness: {n}.");
        }
        let pins: Vec<String> = f.pinned_by.iter().map(|p| format!("`{p}`")).collect();
        let _ = writeln!(
            md,
            "| {} | {answer} | {} | {} | {} |",
            cell(&f.field),
            cell(&f.source),
            cell(&why),
            pins.join(", ")
        );
    }
    md
}

/// The SDK's Rust structs whose fields the audit must cover: (crate, file
/// under `src/`, struct, the audit resources whose rows name its fields).
const AUDITED_STRUCTS: &[(&str, &str, &str, &[&str])] = &[
    ("aws-sdk-cloudfront", "types/_distribution.rs", "Distribution", &["CloudFront Distribution"]),
    ("aws-sdk-cloudfront", "types/_distribution_config.rs", "DistributionConfig", &["CloudFront DistributionConfig"]),
    (
        "aws-sdk-cloudfront",
        "types/_cache_behavior.rs",
        "CacheBehavior",
        &["CloudFront CacheBehavior", "CloudFront CacheBehavior and DefaultCacheBehavior"],
    ),
    (
        "aws-sdk-cloudfront",
        "types/_default_cache_behavior.rs",
        "DefaultCacheBehavior",
        &["CloudFront CacheBehavior and DefaultCacheBehavior"],
    ),
    ("aws-sdk-cloudfront", "types/_origin.rs", "Origin", &["CloudFront Origin"]),
    ("aws-sdk-cloudfront", "types/_custom_origin_config.rs", "CustomOriginConfig", &["CloudFront CustomOriginConfig"]),
    ("aws-sdk-cloudfront", "types/_origin_group.rs", "OriginGroup", &["CloudFront OriginGroup"]),
    ("aws-sdk-cloudfront", "types/_viewer_certificate.rs", "ViewerCertificate", &["CloudFront ViewerCertificate"]),
    ("aws-sdk-cloudfront", "types/_geo_restriction.rs", "GeoRestriction", &["CloudFront GeoRestriction"]),
    ("aws-sdk-route53", "types/_resource_record_set.rs", "ResourceRecordSet", &["Route 53 ResourceRecordSet"]),
    ("aws-sdk-route53", "types/_alias_target.rs", "AliasTarget", &["Route 53 ResourceRecordSet"]),
    (
        "aws-sdk-apigatewayv2",
        "operation/get_domain_name/_get_domain_name_output.rs",
        "GetDomainNameOutput",
        &["API Gateway V2 GetDomainName"],
    ),
    (
        "aws-sdk-apigatewayv2",
        "types/_domain_name_configuration.rs",
        "DomainNameConfiguration",
        &["API Gateway V2 DomainNameConfiguration"],
    ),
    ("aws-sdk-apigatewayv2", "operation/get_api/_get_api_output.rs", "GetApiOutput", &["API Gateway V2 Api"]),
    ("aws-sdk-apigatewayv2", "operation/get_stage/_get_stage_output.rs", "GetStageOutput", &["API Gateway V2 Stage"]),
    ("aws-sdk-apigatewayv2", "types/_route.rs", "Route", &["API Gateway V2 Route"]),
    ("aws-sdk-apigatewayv2", "types/_api_mapping.rs", "ApiMapping", &["API Gateway V2 ApiMapping"]),
    ("aws-sdk-acm", "types/_certificate_detail.rs", "CertificateDetail", &["ACM CertificateDetail"]),
    // What lies behind the route (checks::behind): the integration, `$connect`'s authorizer, the Lambda function.
    ("aws-sdk-apigatewayv2", "types/_integration.rs", "Integration", &["API Gateway V2 Integration"]),
    (
        "aws-sdk-apigatewayv2",
        "operation/get_authorizer/_get_authorizer_output.rs",
        "GetAuthorizerOutput",
        &["API Gateway V2 Authorizer"],
    ),
    (
        "aws-sdk-lambda",
        "operation/get_function_configuration/_get_function_configuration_output.rs",
        "GetFunctionConfigurationOutput",
        &["Lambda FunctionConfiguration"],
    ),
    ("aws-sdk-lambda", "operation/get_policy/_get_policy_output.rs", "GetPolicyOutput", &["Lambda GetPolicy"]),
];

/// The version of `krate` in Cargo.lock.
fn locked_version(krate: &str) -> String {
    let lock: toml::Table = std::fs::read_to_string(root().join("Cargo.lock")).unwrap().parse().unwrap();
    let versions: Vec<&str> = lock["package"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"].as_str() == Some(krate))
        .filter_map(|p| p["version"].as_str())
        .collect();
    assert_eq!(versions.len(), 1, "{krate}: one version in Cargo.lock, found {versions:?}");
    versions[0].to_owned()
}

/// Where cargo unpacked `krate`'s sources (`$CARGO_HOME/registry/src/*/`).
fn crate_source(krate: &str) -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
    let dir = format!("{krate}-{}", locked_version(krate));
    std::fs::read_dir(home.join("registry/src")).ok()?.flatten().map(|e| e.path().join(&dir)).find(|p| p.is_dir())
}

/// The public fields of `pub struct name` in `source`, as AWS spells them
/// once case and underscores are dropped (`acm_certificate_arn` → `acmcertificatearn`).
fn struct_fields(source: &str, name: &str) -> Vec<String> {
    let start = format!("pub struct {name} {{");
    let body = source.split_once(&start).map(|(_, rest)| rest).unwrap_or_else(|| panic!("no `{start}`"));
    let body = &body[..body.find("\n}").unwrap_or(body.len())];
    body.lines()
        .filter_map(|l| l.strip_prefix("    pub "))
        .filter_map(|l| l.split_once(':').map(|(n, _)| n.trim_start_matches("r#").replace('_', "").to_lowercase()))
        .collect()
}

/// The words of an audit row's field cell, lowercased (`AliasTarget.DNSName`
/// → `aliastarget`, `dnsname`).
fn field_words(field: &str) -> impl Iterator<Item = String> + '_ {
    field.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).map(str::to_lowercase)
}

#[test]
fn the_field_audit_covers_every_field_of_the_sdk_structs() {
    let mut files = Vec::new();
    for dir in ["crates", "src", "tests"] {
        rust_files(&root().join(dir), &mut files);
    }
    let audit = load_audit(&test_names(&files));
    let mut named: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for f in &audit {
        named.entry(f.resource.as_str()).or_default().extend(field_words(&f.field));
    }
    let mut missing = Vec::new();
    for (krate, file, name, resources) in AUDITED_STRUCTS {
        let dir = crate_source(krate)
            .unwrap_or_else(|| panic!("{krate}: its sources are not under $CARGO_HOME/registry/src"));
        let source = std::fs::read_to_string(dir.join("src").join(file)).unwrap();
        for field in struct_fields(&source, name) {
            if !resources.iter().any(|r| named.get(r).is_some_and(|w| w.contains(&field))) {
                missing.push(format!("{name}.{field} (a row under {})", resources.join(" or ")));
            }
        }
    }
    assert!(missing.is_empty(), "docs/field-audit.toml has no row for: {}", missing.join(", "));
}
