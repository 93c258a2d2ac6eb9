//! Whether a resource-based policy lets API Gateway invoke a Lambda function
//! from a given execute-api ARN: the part of IAM's policy evaluation a
//! function's policy (Lambda GetPolicy) needs, pure and exact where it
//! answers, and [`Permission::Undecided`] where it does not evaluate a
//! condition (a key other than SourceArn/SourceAccount, an operator it does
//! not know): never a guessed verdict.

use super::aws::{PolicyStatement, Principal, ResourcePolicy};

/// API Gateway's service principal.
pub const APIGATEWAY_PRINCIPAL: &str = "apigateway.amazonaws.com";
pub const INVOKE_FUNCTION: &str = "lambda:InvokeFunction";

/// What API Gateway's call looks like to the function's policy.
#[derive(Debug, Clone, Copy)]
pub struct InvokeRequest<'a> {
    /// The function (or alias/version) ARN invoked.
    pub function_arn: &'a str,
    /// `arn:{partition}:execute-api:{region}:{account}:{api}/{stage}/{routeKey}`
    /// or `…:{api}/authorizers/{id}`; its account component is ignored when
    /// `account` is `None`.
    pub source_arn: &'a str,
    /// `aws:SourceAccount`, the API's account; `None`: not known (any account matches).
    pub account: Option<&'a str>,
}

/// The policy's answer for one [`InvokeRequest`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Permission {
    /// An Allow statement applies and no Deny does. `source_arn`: the
    /// statement's SourceArn pattern (`None`: it has none and allows every API).
    Allowed { sid: Option<String>, source_arn: Option<String> },
    /// An explicit Deny applies.
    Denied { sid: Option<String> },
    /// No statement allows it.
    NotAllowed,
    /// A statement that might decide it has a condition this does not evaluate.
    Undecided { why: String },
}

enum Applies {
    Yes,
    No,
    Undecided(String),
}

/// IAM's evaluation of `policy` for API Gateway invoking `req.function_arn`:
/// an applicable Deny wins, then an applicable Allow.
pub fn invoke_permission(policy: &ResourcePolicy, req: InvokeRequest<'_>) -> Permission {
    let (mut allowed, mut undecided_allow, mut undecided_deny) = (None::<&PolicyStatement>, None, None);
    for st in &policy.statements {
        let deny = st.effect.eq_ignore_ascii_case("Deny");
        match applies(st, req) {
            Applies::Yes if deny => return Permission::Denied { sid: st.sid.clone() },
            Applies::Yes => allowed = allowed.or(Some(st)),
            Applies::No => {}
            Applies::Undecided(why) => {
                let why = format!("statement {}: {why}", st.sid.as_deref().unwrap_or("without Sid"));
                if deny {
                    undecided_deny.get_or_insert(why)
                } else {
                    undecided_allow.get_or_insert(why)
                };
            }
        }
    }
    // A Deny whose condition is not evaluated may still override any Allow.
    if let Some(why) = undecided_deny {
        return Permission::Undecided { why };
    }
    match (allowed, undecided_allow) {
        (Some(st), _) => Permission::Allowed { sid: st.sid.clone(), source_arn: source_arn_pattern(st) },
        (None, Some(why)) => Permission::Undecided { why },
        (None, None) => Permission::NotAllowed,
    }
}

/// The statement's `aws:SourceArn` condition value(s), joined.
pub fn source_arn_pattern(st: &PolicyStatement) -> Option<String> {
    condition_values(st, "aws:SourceArn")
}

/// A statement's `aws:SourceAccount` values, joined, when it has the condition.
pub fn source_account_condition(st: &PolicyStatement) -> Option<String> {
    condition_values(st, "aws:SourceAccount")
}

/// The values of every condition on `key` (condition keys are case-insensitive), joined.
fn condition_values(st: &PolicyStatement, key: &str) -> Option<String> {
    let values: Vec<&str> = st
        .conditions
        .iter()
        .filter(|(_, k, _)| k.eq_ignore_ascii_case(key))
        .flat_map(|(_, _, v)| v.iter().map(String::as_str))
        .collect();
    (!values.is_empty()).then(|| values.join(", "))
}

fn applies(st: &PolicyStatement, req: InvokeRequest<'_>) -> Applies {
    let principal = st.principals.iter().any(|p| match p {
        Principal::Anyone => true,
        Principal::Service(s) => s.eq_ignore_ascii_case(APIGATEWAY_PRINCIPAL),
        Principal::Aws(a) => a == "*",
        Principal::Other(_) => false,
    });
    let action = if st.not_actions.is_empty() {
        st.actions.iter().any(|a| glob(&a.to_ascii_lowercase(), &INVOKE_FUNCTION.to_ascii_lowercase()))
    } else {
        !st.not_actions.iter().any(|a| glob(&a.to_ascii_lowercase(), &INVOKE_FUNCTION.to_ascii_lowercase()))
    };
    // Lambda writes the function's (or the qualified alias's) ARN; a statement
    // on the unqualified function covers its unqualified invocation only.
    let resource = st.resources.is_empty() || st.resources.iter().any(|r| glob(r, req.function_arn));
    if !(principal && action && resource) {
        return Applies::No;
    }
    for (operator, key, values) in &st.conditions {
        match condition(operator, key, values, req) {
            Some(true) => {}
            Some(false) => return Applies::No,
            None => return Applies::Undecided(format!("condition {operator} on {key} is not evaluated")),
        }
    }
    Applies::Yes
}

/// One condition block entry: `Some(matches)`, `None` when not evaluated.
fn condition(operator: &str, key: &str, values: &[String], req: InvokeRequest<'_>) -> Option<bool> {
    // API Gateway's invocation always carries both keys: `…IfExists` reads as the operator.
    let op = operator.strip_suffix("IfExists").unwrap_or(operator);
    let (negated, op) = match op.split_once("Not") {
        Some((a, b)) if !a.is_empty() => (true, format!("{a}{b}")),
        _ => (false, op.to_owned()),
    };
    let value_matches: Box<dyn Fn(&str) -> bool> = if key.eq_ignore_ascii_case("aws:SourceArn") {
        match op.as_str() {
            "ArnLike" | "ArnEquals" => Box::new(|p: &str| arn_like(p, req.source_arn, req.account.is_none())),
            "StringLike" if req.account.is_some() => Box::new(|p: &str| glob(p, req.source_arn)),
            "StringEquals" if req.account.is_some() => Box::new(|p: &str| p == req.source_arn),
            // Not knowing the account, a string operator is read component by component as well.
            "StringLike" => Box::new(|p: &str| arn_like(p, req.source_arn, true)),
            "StringEquals" => Box::new(|p: &str| arn_equals_but_account(p, req.source_arn)),
            _ => return None,
        }
    } else if key.eq_ignore_ascii_case("aws:SourceAccount") {
        let Some(account) = req.account else { return Some(!negated) };
        let account = account.to_owned();
        match op.as_str() {
            "StringEquals" => Box::new(move |p: &str| p == account),
            "StringLike" => Box::new(move |p: &str| glob(p, &account)),
            _ => return None,
        }
    } else {
        return None;
    };
    // Several values of one key: any of them (OR); a negated operator: none of them.
    let any = values.iter().any(|v| value_matches(v));
    Some(any != negated)
}

/// ArnLike: each of the six colon-delimited components matched on its own,
/// with `*` and `?` wildcards; `any_account` lets the account component match anything.
pub fn arn_like(pattern: &str, arn: &str, any_account: bool) -> bool {
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.splitn(6, ':').collect(), arn.splitn(6, ':').collect());
    if p.len() != 6 || a.len() != 6 {
        return glob(pattern, arn);
    }
    p.iter().zip(&a).enumerate().all(|(i, (p, a))| (i == 4 && any_account) || glob(p, a))
}

fn arn_equals_but_account(pattern: &str, arn: &str) -> bool {
    let (p, a): (Vec<&str>, Vec<&str>) = (pattern.splitn(6, ':').collect(), arn.splitn(6, ':').collect());
    p.len() == a.len() && p.iter().zip(&a).enumerate().all(|(i, (p, a))| i == 4 || p == a)
}

/// `*` (any run, also empty) and `?` (one character); everything else literal, case-sensitive.
pub fn glob(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    // Iterative matching with one backtrack point: linear in practice, bounded by |p|·|t|.
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None::<usize>, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

impl ResourcePolicy {
    /// A policy document as GetPolicy returns it (a JSON string): `Statement`
    /// an object or an array; `Principal`, `Action`, `Resource` and condition
    /// values a string or an array.
    pub fn parse(document: &str) -> Result<ResourcePolicy, String> {
        let v: serde_json::Value = serde_json::from_str(document).map_err(|e| format!("not JSON: {e}"))?;
        let statements = match v.get("Statement") {
            Some(serde_json::Value::Array(items)) => items.iter().map(statement).collect::<Result<_, _>>()?,
            Some(one @ serde_json::Value::Object(_)) => vec![statement(one)?],
            None => Vec::new(),
            Some(_) => return Err("`Statement` is neither an object nor an array".into()),
        };
        Ok(ResourcePolicy { statements })
    }
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items.iter().filter_map(|i| i.as_str().map(str::to_owned)).collect(),
        _ => Vec::new(),
    }
}

fn statement(v: &serde_json::Value) -> Result<PolicyStatement, String> {
    let effect = v.get("Effect").and_then(|e| e.as_str()).ok_or("a statement without `Effect`")?.to_owned();
    let principals = match v.get("Principal") {
        Some(serde_json::Value::String(s)) if s == "*" => vec![Principal::Anyone],
        Some(serde_json::Value::Object(map)) => map
            .iter()
            .flat_map(|(kind, names)| {
                strings(Some(names)).into_iter().map(move |n| match kind.as_str() {
                    "Service" => Principal::Service(n),
                    "AWS" if n == "*" => Principal::Anyone,
                    "AWS" => Principal::Aws(n),
                    other => Principal::Other(format!("{other}:{n}")),
                })
            })
            .collect(),
        _ => Vec::new(),
    };
    let conditions = v
        .get("Condition")
        .and_then(|c| c.as_object())
        .map(|ops| {
            ops.iter()
                .flat_map(|(op, keys)| {
                    keys.as_object()
                        .into_iter()
                        .flatten()
                        .map(move |(key, values)| (op.clone(), key.clone(), strings(Some(values))))
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(PolicyStatement {
        sid: v.get("Sid").and_then(|s| s.as_str()).map(str::to_owned),
        effect,
        principals,
        actions: strings(v.get("Action")),
        not_actions: strings(v.get("NotAction")),
        resources: strings(v.get("Resource")),
        conditions,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FUNCTION: &str = "arn:aws:lambda:eu-west-1:111122223333:function:chat";

    fn policy(source_arn: &str) -> ResourcePolicy {
        ResourcePolicy::parse(&format!(
            r#"{{"Version":"2012-10-17","Id":"default","Statement":[{{"Sid":"apigw","Effect":"Allow",
            "Principal":{{"Service":"apigateway.amazonaws.com"}},"Action":"lambda:InvokeFunction",
            "Resource":"{FUNCTION}","Condition":{{"ArnLike":{{"AWS:SourceArn":"{source_arn}"}}}}}}]}}"#
        ))
        .unwrap()
    }

    fn req(source_arn: &str) -> InvokeRequest<'_> {
        InvokeRequest { function_arn: FUNCTION, source_arn, account: Some("111122223333") }
    }

    const CONNECT: &str = "arn:aws:execute-api:eu-west-1:111122223333:abc123/prod/$connect";

    // AWS: IAM User Guide, "IAM JSON policy elements: Condition operators" (Amazon Resource Name (ARN) condition
    // operators) — ArnLike/ArnEquals: "Case-sensitive matching of the ARN. Each of the six colon-delimited
    // components of the ARN is checked separately and each can include multi-character match wildcards (*) or
    // single-character match wildcards (?)". Lambda Developer Guide, "Granting API Gateway access" — add-permission
    // with `--source-arn "arn:aws:execute-api:…:{api}/*/…"` writes an ArnLike AWS:SourceArn condition.
    #[test]
    fn arn_like_matches_component_by_component() {
        assert!(arn_like("arn:aws:execute-api:eu-west-1:111122223333:abc123/*", CONNECT, false));
        assert!(arn_like("arn:aws:execute-api:eu-west-1:111122223333:abc123/*/$connect", CONNECT, false));
        assert!(arn_like("arn:aws:execute-api:*:*:abc123/prod/$connect", CONNECT, false));
        assert!(!arn_like("arn:aws:execute-api:eu-west-1:111122223333:abc123/*/sendmessage", CONNECT, false));
        assert!(!arn_like("arn:aws:execute-api:eu-west-1:111122223333:other99/*", CONNECT, false));
        // A `*` in the region component does not reach into the account.
        assert!(!arn_like("arn:aws:execute-api:*:999999999999:abc123/*", CONNECT, false));
        assert!(arn_like("arn:aws:execute-api:*:999999999999:abc123/*", CONNECT, true));
        assert!(!arn_like("arn:aws:execute-api:eu-west-1:111122223333:ABC123/*", CONNECT, false), "case-sensitive");
        assert!(glob("a?c*", "abcdef") && !glob("a?c", "ac") && glob("*", "") && !glob("", "x"));
    }

    // AWS: Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda" / "Granting function access to
    // AWS services" — a statement grants `lambda:InvokeFunction` to the service principal, scoped by an
    // AWS:SourceArn condition (and optionally AWS:SourceAccount); IAM User Guide, "Policy evaluation logic" — an
    // explicit deny in any policy overrides any allow.
    #[test]
    fn invoke_permission_follows_the_source_arn_the_principal_and_denies() {
        let p = policy("arn:aws:execute-api:eu-west-1:111122223333:abc123/*/$connect");
        assert!(matches!(invoke_permission(&p, req(CONNECT)), Permission::Allowed { .. }));
        let default = "arn:aws:execute-api:eu-west-1:111122223333:abc123/prod/$default";
        assert_eq!(invoke_permission(&p, req(default)), Permission::NotAllowed);

        let mut other_principal = p.clone();
        other_principal.statements[0].principals = vec![Principal::Service("events.amazonaws.com".into())];
        assert_eq!(invoke_permission(&other_principal, req(CONNECT)), Permission::NotAllowed);

        let mut no_condition = p.clone();
        no_condition.statements[0].conditions.clear();
        assert_eq!(
            invoke_permission(&no_condition, req(default)),
            Permission::Allowed { sid: Some("apigw".into()), source_arn: None }
        );

        let mut denied = no_condition.clone();
        denied.statements.push(PolicyStatement {
            effect: "Deny".into(),
            sid: Some("no".into()),
            ..p.statements[0].clone()
        });
        assert_eq!(invoke_permission(&denied, req(CONNECT)), Permission::Denied { sid: Some("no".into()) });

        let mut wildcard_action = p.clone();
        wildcard_action.statements[0].actions = vec!["lambda:*".into()];
        assert!(matches!(invoke_permission(&wildcard_action, req(CONNECT)), Permission::Allowed { .. }));
    }

    #[test]
    fn source_account_and_unknown_conditions() {
        let mut p = policy("arn:aws:execute-api:eu-west-1:111122223333:abc123/*");
        p.statements[0].conditions.push((
            "StringEquals".into(),
            "AWS:SourceAccount".into(),
            vec!["444455556666".into()],
        ));
        assert_eq!(invoke_permission(&p, req(CONNECT)), Permission::NotAllowed);
        let unknown_account = InvokeRequest { account: None, ..req(CONNECT) };
        assert!(matches!(invoke_permission(&p, unknown_account), Permission::Allowed { .. }));

        let mut org = policy("arn:aws:execute-api:eu-west-1:111122223333:abc123/*");
        org.statements[0].conditions.push(("StringEquals".into(), "aws:PrincipalOrgID".into(), vec!["o-1".into()]));
        assert!(matches!(invoke_permission(&org, req(CONNECT)), Permission::Undecided { .. }));

        let mut negated = policy("arn:aws:execute-api:eu-west-1:111122223333:abc123/*");
        negated.statements[0].conditions = vec![(
            "ArnNotLike".into(),
            "aws:SourceArn".into(),
            vec!["arn:aws:execute-api:*:*:abc123/*/$connect".into()],
        )];
        assert_eq!(invoke_permission(&negated, req(CONNECT)), Permission::NotAllowed);
    }

    #[test]
    fn policy_documents_parse_in_their_short_and_long_forms() {
        let p = ResourcePolicy::parse(
            r#"{"Statement":{"Effect":"Allow","Principal":"*","Action":["lambda:InvokeFunction"],"Resource":"*"}}"#,
        )
        .unwrap();
        assert_eq!(p.statements.len(), 1);
        assert_eq!(p.statements[0].principals, vec![Principal::Anyone]);
        assert!(ResourcePolicy::parse("{").is_err());
        assert!(ResourcePolicy::parse(r#"{"Statement":[{"Action":"x"}]}"#).is_err());
        assert_eq!(ResourcePolicy::parse(r#"{"Version":"2012-10-17"}"#).unwrap().statements, vec![]);
    }
}
