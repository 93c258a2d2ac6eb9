//! Lambda's own decision whether a resource-based policy lets a service
//! invoke a function: the sandbox's, written from AWS's documentation and
//! independently of the checks (it shares no code with wsconform's policy
//! reading).
//!
//! Sources:
//! - Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda" and
//!   "Granting function access to AWS services"
//!   (<https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html>):
//!   API Gateway invokes as the service principal `apigateway.amazonaws.com`,
//!   the action is `lambda:InvokeFunction`, scoped by the `AWS:SourceArn`
//!   (`arn:aws:execute-api:{region}:{account}:{api}/{stage}/{route}`) and
//!   `AWS:SourceAccount` conditions.
//! - IAM User Guide, "Policy evaluation logic"
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html>):
//!   an explicit Deny overrides any Allow; without an Allow the request is denied.
//! - IAM User Guide, "IAM JSON policy elements: Condition operators"
//!   (<https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html>):
//!   `ArnEquals`/`ArnLike` check each of the six colon-delimited ARN components
//!   separately, each may hold `*` (any run of characters) and `?` (one
//!   character); `StringEquals` is exact and case-sensitive, `StringLike` takes
//!   the same wildcards; several values under one key match if any matches;
//!   every operator of a Condition must match; a key absent from the request
//!   makes the condition false (true for the `…Not…` operators); condition key
//!   names are case-insensitive.
//! - IAM User Guide, "IAM JSON policy elements: Action" / "Resource": `Action`
//!   and `Resource` take a string or a list and may hold wildcards; action
//!   names are case-insensitive.

use serde_json::Value;

/// One invocation, as Lambda sees it when a service calls the function.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// The calling service principal, e.g. `apigateway.amazonaws.com`.
    pub service: &'a str,
    /// `lambda:InvokeFunction`.
    pub action: &'a str,
    /// The (unqualified) ARN of the function invoked.
    pub function_arn: &'a str,
    /// `AWS:SourceArn`: the execute-api ARN of the call.
    pub source_arn: &'a str,
    /// `AWS:SourceAccount`: the account of the API.
    pub source_account: &'a str,
}

/// Lambda's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// An Allow statement applies and no Deny does (its Sid).
    Allowed(Option<String>),
    /// A Deny statement applies (its Sid): it wins over every Allow.
    ExplicitDeny(Option<String>),
    /// No statement applies.
    ImplicitDeny,
}

impl Decision {
    pub fn allowed(&self) -> bool {
        matches!(self, Decision::Allowed(_))
    }
}

/// Evaluates `policy` (the document GetPolicy returns, parsed) for `inv`.
pub fn evaluate(policy: &Value, inv: &Invocation<'_>) -> Decision {
    let statements: Vec<&Value> = match policy.get("Statement") {
        Some(Value::Array(v)) => v.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    let mut allow = None;
    for s in statements {
        if !applies(s, inv) {
            continue;
        }
        let sid = s.get("Sid").and_then(Value::as_str).map(str::to_owned);
        match s.get("Effect").and_then(Value::as_str) {
            Some("Deny") => return Decision::ExplicitDeny(sid),
            Some("Allow") if allow.is_none() => allow = Some(sid),
            _ => {}
        }
    }
    match allow {
        Some(sid) => Decision::Allowed(sid),
        None => Decision::ImplicitDeny,
    }
}

/// A string or a list of strings (`None`: neither).
fn strings(v: &Value) -> Option<Vec<&str>> {
    match v {
        Value::String(s) => Some(vec![s.as_str()]),
        Value::Array(a) => a.iter().map(Value::as_str).collect(),
        _ => None,
    }
}

fn applies(s: &Value, inv: &Invocation<'_>) -> bool {
    principal_matches(s, inv.service)
        && listed_matches(s, "Action", "NotAction", |p| glob(&p.to_ascii_lowercase(), &inv.action.to_ascii_lowercase()))
        && listed_matches(s, "Resource", "NotResource", |p| arn_like(p, inv.function_arn))
        && conditions_match(s.get("Condition"), inv)
}

/// `Principal`: `"*"`, `{"Service": …}` or `{"AWS": "*"}` (anyone, services included).
fn principal_matches(s: &Value, service: &str) -> bool {
    match s.get("Principal") {
        Some(Value::String(p)) => p == "*",
        Some(Value::Object(m)) => {
            let service_listed =
                m.get("Service").and_then(strings).is_some_and(|v| v.iter().any(|p| p.eq_ignore_ascii_case(service)));
            let anyone = m.get("AWS").and_then(strings).is_some_and(|v| v.contains(&"*"));
            service_listed || anyone
        }
        _ => false,
    }
}

/// `Action`/`Resource` (any listed pattern matches) or their `Not…` forms (none matches).
fn listed_matches(s: &Value, key: &str, not_key: &str, matches: impl Fn(&str) -> bool) -> bool {
    if let Some(v) = s.get(key) {
        return strings(v).is_some_and(|v| v.iter().any(|p| matches(p)));
    }
    if let Some(v) = s.get(not_key) {
        return strings(v).is_some_and(|v| !v.iter().any(|p| matches(p)));
    }
    false
}

fn conditions_match(condition: Option<&Value>, inv: &Invocation<'_>) -> bool {
    let Some(condition) = condition else { return true };
    let Some(ops) = condition.as_object() else { return false };
    ops.iter().all(|(op, keys)| {
        let Some(keys) = keys.as_object() else { return false };
        keys.iter().all(|(key, values)| {
            let Some(values) = strings(values) else { return false };
            let present = match key.to_ascii_lowercase().as_str() {
                "aws:sourcearn" => Some(inv.source_arn),
                "aws:sourceaccount" => Some(inv.source_account),
                _ => None,
            };
            operator_matches(op, present, &values)
        })
    })
}

/// One operator over one key. An operator the sandbox does not know matches
/// nothing (the statement does not apply).
fn operator_matches(op: &str, present: Option<&str>, values: &[&str]) -> bool {
    let (base, if_exists) = match op.strip_suffix("IfExists") {
        Some(b) => (b, true),
        None => (op, false),
    };
    let Some(actual) = present else {
        // Absent key: false, but true for negated operators and for …IfExists.
        return if_exists || base.contains("Not");
    };
    let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
    match base {
        "ArnEquals" | "ArnLike" => any(&|v| arn_like(v, actual)),
        "ArnNotEquals" | "ArnNotLike" => !any(&|v| arn_like(v, actual)),
        "StringEquals" => any(&|v| v == actual),
        "StringNotEquals" => !any(&|v| v == actual),
        "StringEqualsIgnoreCase" => any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringNotEqualsIgnoreCase" => !any(&|v| v.eq_ignore_ascii_case(actual)),
        "StringLike" => any(&|v| glob(v, actual)),
        "StringNotLike" => !any(&|v| glob(v, actual)),
        _ => false,
    }
}

/// ARN matching: the six colon-delimited components compared one by one,
/// each with `*`/`?` wildcards (the resource, the sixth, keeps its colons).
/// A pattern that is `*` alone matches every ARN.
pub fn arn_like(pattern: &str, arn: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.splitn(6, ':').collect(), arn.splitn(6, ':').collect());
    p.len() == 6 && a.len() == 6 && p.iter().zip(&a).all(|(p, a)| glob(p, a))
}

/// `*` matches any run of characters (`/` included), `?` exactly one.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// A resource-based policy document with one statement per `(sid, source
/// ARN pattern)`, as `aws lambda add-permission --principal
/// apigateway.amazonaws.com --source-arn …` writes them.
pub fn api_gateway_policy(function_arn: &str, grants: &[(&str, &str)]) -> Value {
    let statements: Vec<Value> = grants
        .iter()
        .map(|(sid, source_arn)| {
            serde_json::json!({
                "Sid": sid,
                "Effect": "Allow",
                "Principal": { "Service": "apigateway.amazonaws.com" },
                "Action": "lambda:InvokeFunction",
                "Resource": function_arn,
                "Condition": { "ArnLike": { "AWS:SourceArn": source_arn } },
            })
        })
        .collect();
    serde_json::json!({ "Version": "2012-10-17", "Id": "default", "Statement": statements })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const FN: &str = "arn:aws:lambda:ap-northeast-1:123456789012:function:chat";
    const SRC: &str = "arn:aws:execute-api:ap-northeast-1:123456789012:abc123/Prod/$default";

    fn inv(source_arn: &str) -> Invocation<'_> {
        Invocation {
            service: "apigateway.amazonaws.com",
            action: "lambda:InvokeFunction",
            function_arn: FN,
            source_arn,
            source_account: "123456789012",
        }
    }

    // AWS: IAM User Guide, "IAM JSON policy elements: Condition operators"
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html) —
    // ArnLike/ArnEquals check each of the six colon-delimited ARN components separately, each with
    // `*` (any run of characters) and `?` (one character) wildcards.
    #[test]
    fn arn_like_matches_component_by_component_with_wildcards() {
        let arn = "arn:aws:execute-api:ap-northeast-1:123456789012:abc123/Prod/$connect";
        assert!(arn_like("arn:aws:execute-api:ap-northeast-1:123456789012:abc123/*", arn));
        assert!(arn_like("arn:aws:execute-api:ap-northeast-1:123456789012:abc123/*/$connect", arn));
        assert!(arn_like("arn:aws:execute-api:*:*:abc12?/*", arn));
        assert!(!arn_like("arn:aws:execute-api:ap-northeast-1:123456789012:abc123/*/$default", arn));
        assert!(!arn_like("arn:aws:execute-api:ap-northeast-1:123456789012:zzz999/*", arn));
        // `*` does not span components: `arn:aws:*` has too few of them.
        assert!(!arn_like("arn:aws:*", arn));
        assert!(arn_like("*", arn));
        assert!(glob("a*c", "abbbc") && glob("a?c", "abc") && !glob("a?c", "ac") && glob("*", ""));
    }

    // AWS: IAM User Guide, "Policy evaluation logic"
    // (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html) —
    // an explicit Deny overrides any Allow; without an Allow the request is implicitly denied.
    #[test]
    fn deny_wins_and_nothing_is_an_implicit_deny() {
        let allow = api_gateway_policy(FN, &[("all", "arn:aws:execute-api:ap-northeast-1:123456789012:abc123/*")]);
        assert_eq!(evaluate(&allow, &inv(SRC)), Decision::Allowed(Some("all".into())));
        let mut both = allow.clone();
        both["Statement"].as_array_mut().unwrap().push(json!({
            "Sid": "no", "Effect": "Deny", "Principal": "*", "Action": "lambda:*", "Resource": FN,
        }));
        assert_eq!(evaluate(&both, &inv(SRC)), Decision::ExplicitDeny(Some("no".into())));
        assert_eq!(evaluate(&json!({"Statement": []}), &inv(SRC)), Decision::ImplicitDeny);
    }

    // AWS: Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda"
    // (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html) — a service
    // invokes a function when a statement allows its service principal lambda:InvokeFunction on the
    // function, under the conditions on AWS:SourceArn and AWS:SourceAccount (keys case-insensitive;
    // a key the request lacks makes its condition false).
    #[test]
    fn principal_action_resource_and_conditions_all_count() {
        let other_route =
            api_gateway_policy(FN, &[("c", "arn:aws:execute-api:ap-northeast-1:123456789012:abc123/*/$connect")]);
        assert_eq!(evaluate(&other_route, &inv(SRC)), Decision::ImplicitDeny);
        let s = |principal: Value, action: &str, condition: Value| json!({"Statement": {"Effect": "Allow", "Principal": principal, "Action": action, "Resource": FN, "Condition": condition}});
        let svc = json!({"Service": "apigateway.amazonaws.com"});
        assert!(evaluate(&s(svc.clone(), "lambda:InvokeFunction", json!({})), &inv(SRC)).allowed());
        assert!(evaluate(&s(svc.clone(), "Lambda:Invoke*", json!({})), &inv(SRC)).allowed());
        assert!(
            !evaluate(&s(json!({"Service": "sns.amazonaws.com"}), "lambda:InvokeFunction", json!({})), &inv(SRC))
                .allowed()
        );
        assert!(!evaluate(&s(svc.clone(), "lambda:GetFunction", json!({})), &inv(SRC)).allowed());
        let account = |a: &str| json!({"StringEquals": {"AWS:SourceAccount": a}});
        assert!(evaluate(&s(svc.clone(), "lambda:InvokeFunction", account("123456789012")), &inv(SRC)).allowed());
        assert!(!evaluate(&s(svc.clone(), "lambda:InvokeFunction", account("999999999999")), &inv(SRC)).allowed());
        // Condition keys are case-insensitive; an unknown key is absent: false.
        let lower = json!({"ArnLike": {"aws:sourcearn": "arn:aws:execute-api:*:*:abc123/*"}});
        assert!(evaluate(&s(svc.clone(), "lambda:InvokeFunction", lower), &inv(SRC)).allowed());
        let unknown = json!({"StringEquals": {"aws:PrincipalOrgID": "o-1"}});
        assert!(!evaluate(&s(svc, "lambda:InvokeFunction", unknown), &inv(SRC)).allowed());
    }
}
