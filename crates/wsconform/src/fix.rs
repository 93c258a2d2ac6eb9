//! A finding's fix as data: the resource, the field as the AWS API names it,
//! its current and wanted values, and the `aws` CLI commands that apply it.
//! wsconform never runs them: they are for a person or a reviewed pipeline
//! (`wsconform fix REPORT.json` prints them as a script).

use serde::{Deserialize, Serialize};

/// One field change that makes a failing (or warning) finding pass.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fix {
    pub resource: Resource,
    /// The field path as the AWS API names it (`DisableExecuteApiEndpoint`,
    /// `RequestParameters`, `Policy.Statement`, `StageVariables.tenant`).
    pub field: String,
    /// What the field holds now; `None`: absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub current: Option<String>,
    pub wanted: Wanted,
    /// The commands that apply it, in order, each as its arguments (never
    /// a shell string: [`Fix::shell`] quotes them). Empty: no command can.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<Vec<String>>,
}

/// The AWS resource a fix changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Resource {
    /// `AWS::Lambda::Function`, `AWS::ApiGatewayV2::Integration`, … (CloudFormation's type names).
    pub kind: String,
    /// Its ARN or id.
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// What the field must become: one value, any of several, a bound, or a
/// change that is not one value (said in words).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Wanted {
    Value(String),
    AnyOf(Vec<String>),
    AtLeast(String),
    Words(String),
}

impl std::fmt::Display for Wanted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Wanted::Value(v) => write!(f, "{v}"),
            Wanted::AnyOf(vs) => write!(f, "any of {}", vs.join(", ")),
            Wanted::AtLeast(v) => write!(f, "at least {v}"),
            Wanted::Words(w) => write!(f, "{w}"),
        }
    }
}

impl Fix {
    /// The commands as shell lines, each argument quoted so that it stays one
    /// argument whatever it holds (quotes, `$(…)`, newlines); `None` for an
    /// argument a POSIX shell cannot carry (a NUL byte).
    pub fn shell(&self) -> Option<Vec<String>> {
        self.commands.iter().map(|argv| shlex::try_join(argv.iter().map(String::as_str)).ok()).collect()
    }

    /// One line: `{field}: {current} → {wanted}`, newlines in values turned to spaces so that no value
    /// forges a line of the output around it.
    pub fn summary(&self) -> String {
        one_line(&format!(
            "{}: {} → {}",
            self.field,
            self.current.as_deref().map_or("(absent)".into(), |c| if c.is_empty() {
                "\"\"".into()
            } else {
                c.to_owned()
            }),
            match &self.wanted {
                Wanted::Value(v) if v.is_empty() => "\"\"".to_owned(),
                w => w.to_string(),
            }
        ))
    }

    /// The resource, on one line: `AWS::CloudFront::Distribution E123 (global)`.
    pub fn target(&self) -> String {
        one_line(&format!(
            "{} {} ({})",
            self.resource.kind,
            self.resource.id,
            self.resource.region.as_deref().unwrap_or("global")
        ))
    }
}

/// `argv` from string slices, for the call sites that build commands.
pub fn argv<const N: usize>(words: [&str; N]) -> Vec<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

/// CloudFront's documented three steps for one change to a distribution's
/// config (Developer Guide, "Updating a distribution"; API Reference,
/// UpdateDistribution: the whole config back, with the ETag as `IfMatch`):
/// `get-distribution-config` into `{id}.json`, the edit as a `jq` filter over
/// `.DistributionConfig` into `{id}.fixed.json`, then `update-distribution
/// --if-match` that ETag. Each step is `sh -c` with the distribution id and
/// the values as positional parameters, so nothing a value holds is ever
/// shell syntax; `filter` is the program's own text (field names and
/// indices) and reads the values as `$v0`, `$v1`, … (`jq --arg`).
pub fn cloudfront_edit(distribution_id: &str, filter: &str, values: &[&str]) -> Vec<Vec<String>> {
    let get = "aws cloudfront get-distribution-config --id \"$1\" --output json > \"$1.json\"";
    let mut edit = String::from("id=$1; shift; jq");
    for i in 0..values.len() {
        edit.push_str(&format!(" --arg v{i} \"${}\"", i + 1));
    }
    edit.push_str(" \"$0\" \"$id.json\" > \"$id.fixed.json\"");
    let update = "aws cloudfront update-distribution --id \"$1\" --if-match \"$(jq -r .ETag \"$1.json\")\" \
                  --distribution-config \"file://$1.fixed.json\" --output json";
    let program = format!(".DistributionConfig | {filter}");
    let mut edit_argv = vec!["sh".to_owned(), "-c".to_owned(), edit, program, distribution_id.to_owned()];
    edit_argv.extend(values.iter().map(|v| (*v).to_owned()));
    vec![argv(["sh", "-c", get, "sh", distribution_id]), edit_argv, argv(["sh", "-c", update, "sh", distribution_id])]
}

/// The script `wsconform fix` prints for `(check id, fixes)`: each fix as a
/// comment (resource, field, current → wanted) and its commands; a fix no
/// command can apply is a comment only.
pub fn script<'a>(checks: impl IntoIterator<Item = (&'a str, &'a [Fix])>) -> String {
    let mut out = String::from(
        "#!/bin/sh\n# Written by `wsconform fix` from a report. It changes AWS resources: review it first.\nset -eu\n",
    );
    let mut any = false;
    // A live check names the cause a control-plane check found, with the same fix: applied twice,
    // the second call would fail (AddPermission's statement id exists), so it is written once.
    let mut written: Vec<(&[Vec<String>], &str)> = Vec::new();
    for (id, fixes) in checks {
        for fix in fixes {
            any = true;
            match written.iter().find(|(commands, _)| !fix.commands.is_empty() && *commands == fix.commands.as_slice())
            {
                Some((_, first)) => out.push_str(&format!(
                    "\n# {id}: {}\n#   {}: the same change as for {first} above\n",
                    fix.target(),
                    one_line(&fix.field)
                )),
                None => {
                    out.push_str(&check_script(id, std::slice::from_ref(fix)));
                    written.push((&fix.commands, id));
                }
            }
        }
    }
    if !any {
        out.push_str("\n# nothing to fix: the report has no finding with a fix\n");
    }
    out
}

/// One check's part of the script: each fix as comment lines (resource; field: current -> wanted),
/// then its commands shell-quoted, each block after a blank line. Empty for no fixes.
pub fn check_script(id: &str, fixes: &[Fix]) -> String {
    let mut out = String::new();
    for fix in fixes {
        let current = fix.current.as_deref().unwrap_or("(absent)");
        out.push_str(&format!(
            "\n# {id}: {}\n#   {}: {} -> {}\n",
            fix.target(),
            one_line(&fix.field),
            one_line(current),
            one_line(&fix.wanted.to_string())
        ));
        match fix.shell() {
            Some(lines) if !lines.is_empty() => {
                for line in lines {
                    out.push_str(&line);
                    out.push('\n');
                }
            }
            Some(_) => out.push_str("#   no single command applies it: change it as described above\n"),
            None => out.push_str("#   not rendered: an argument holds a NUL byte\n"),
        }
    }
    out
}

/// The script for a JSON report (`--json`: one suite, or an array of suites):
/// every check's `fixes`, in the report's order. `Err`: not a wsconform report.
pub fn script_from_report(report: &serde_json::Value) -> Result<String, String> {
    let suites: Vec<&serde_json::Value> = match report {
        serde_json::Value::Array(many) => many.iter().collect(),
        one => vec![one],
    };
    let mut checks: Vec<(String, Vec<Fix>)> = Vec::new();
    for suite in suites {
        let list = suite.get("checks").and_then(|c| c.as_array()).ok_or("not a wsconform JSON report (no `checks`)")?;
        for check in list {
            let id = check.get("id").and_then(|i| i.as_str()).unwrap_or("?").to_owned();
            let Some(fixes) = check.get("fixes") else { continue };
            let fixes: Vec<Fix> = serde_json::from_value(fixes.clone())
                .map_err(|e| format!("check {id}: its `fixes` do not parse: {e}"))?;
            checks.push((id, fixes));
        }
    }
    Ok(script(checks.iter().map(|(id, f)| (id.as_str(), f.as_slice()))))
}

/// A CloudFront PathPattern fix whose wanted value is `value`: for the renderers' tests.
#[cfg(test)]
pub fn example(value: &str) -> Fix {
    Fix {
        resource: Resource { kind: "AWS::CloudFront::Distribution".into(), id: "E2SANDBOXWS01".into(), region: None },
        field: "DistributionConfig.CacheBehaviors.Items[0].PathPattern".into(),
        current: Some("prod*".into()),
        wanted: Wanted::Value(value.into()),
        commands: cloudfront_edit("E2SANDBOXWS01", ".CacheBehaviors.Items[0].PathPattern = $v0", &[value]),
    }
}

/// A value in a comment line: newlines would end the comment.
fn one_line(s: &str) -> String {
    s.replace(['\n', '\r'], " ")
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn fix(arg: &str) -> Fix {
        Fix {
            resource: Resource {
                kind: "AWS::Lambda::Function".into(),
                id: arg.into(),
                region: Some("eu-west-1".into()),
            },
            field: "Policy.Statement".into(),
            current: None,
            wanted: Wanted::Words(format!("a statement for {arg}")),
            commands: vec![argv(["aws", "lambda", "add-permission", "--function-name", arg])],
        }
    }

    proptest! {
        // Hostile names (quotes, `$(…)`, backticks, newlines, globs) stay one argument: the shell's own
        // splitting of the rendered line gives back exactly the argv.
        #[test]
        fn every_argument_stays_one_argument(arg in "[a-z'\"$()`;&|<>*? \\n\\t\\\\-]{0,24}") {
            let lines = fix(&arg).shell().expect("no NUL");
            prop_assert_eq!(shlex::split(&lines[0]), Some(argv(["aws", "lambda", "add-permission", "--function-name", &arg])));
        }
    }

    #[test]
    fn the_script_comments_each_fix_and_never_lets_a_value_out_of_its_comment() {
        let hostile = "x\nrm -rf /";
        let s = script([("apigw.integrations", &[fix(hostile)][..])]);
        assert!(s.starts_with("#!/bin/sh\n"), "{s}");
        assert!(s.contains("# apigw.integrations: AWS::Lambda::Function x rm -rf / (eu-west-1)"), "{s}");
        assert!(s.contains("Policy.Statement: (absent) -> a statement for x rm -rf /"), "{s}");
        // The command is the last thing, quoted: the newline inside the name stays inside its quotes.
        let command =
            s.rsplit_once("/ (eu-west-1)\n#   Policy.Statement: (absent) -> a statement for x rm -rf /\n").unwrap().1;
        assert_eq!(shlex::split(command), Some(argv(["aws", "lambda", "add-permission", "--function-name", hostile])));
        assert!(script(std::iter::empty()).contains("nothing to fix"));
    }

    #[test]
    fn a_report_gives_the_script_of_its_fixes_and_anything_else_is_refused() {
        let report = serde_json::json!({"checks": [
            {"id": "apigw.api", "status": "pass"},
            {"id": "apigw.integrations", "status": "fail", "fixes": [serde_json::to_value(fix("f")).unwrap()]},
        ]});
        let s = script_from_report(&report).unwrap();
        assert!(
            s.contains("# apigw.integrations: AWS::Lambda::Function f") && s.ends_with("--function-name f\n"),
            "{s}"
        );
        assert_eq!(script_from_report(&serde_json::json!([report])).unwrap(), s, "an array of suites too");
        assert!(script_from_report(&serde_json::json!({"x": 1})).unwrap_err().contains("not a wsconform JSON report"));
    }

    #[test]
    fn the_summary_is_one_line_and_says_empty_and_absent() {
        let f = example("Prod*\nrm -rf /");
        assert_eq!(f.summary(), "DistributionConfig.CacheBehaviors.Items[0].PathPattern: prod* → Prod* rm -rf /");
        assert_eq!(f.target(), "AWS::CloudFront::Distribution E2SANDBOXWS01 (global)");
        let f = Fix { current: None, wanted: Wanted::Value(String::new()), ..example("x") };
        assert!(f.summary().ends_with(": (absent) → \"\""), "{}", f.summary());
    }

    #[test]
    fn a_fix_two_checks_carry_is_written_once() {
        let f = fix("f");
        let s = script([("apigw.integrations", &[f.clone()][..]), ("e2e.echo", &[f][..])]);
        assert_eq!(s.matches("aws lambda add-permission").count(), 1, "{s}");
        assert!(s.contains("# e2e.echo: AWS::Lambda::Function f (eu-west-1)\n#   Policy.Statement: the same change as for apigw.integrations above\n"), "{s}");
    }

    #[test]
    fn fixes_round_trip_through_the_report_json() {
        let f = Fix { wanted: Wanted::AnyOf(vec!["a".into(), "b".into()]), current: Some("c".into()), ..fix("f") };
        let v = serde_json::to_value(&f).unwrap();
        assert_eq!(v["wanted"], serde_json::json!({"kind": "any_of", "value": ["a", "b"]}));
        assert_eq!(serde_json::from_value::<Fix>(v).unwrap(), f);
    }
}
