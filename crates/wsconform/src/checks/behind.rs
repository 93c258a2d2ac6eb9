//! `apigw.integrations` and `apigw.authorizer`: what lies behind a route —
//! its integration, the Lambda function it invokes and that function's
//! permission for API Gateway, a VPC link, the integration timeout — and the
//! `$connect` Lambda authorizer (its identity sources and its own permission).
//!
//! The judges are pure over [`Behind`], the facts the run gathers once
//! ([`gather`]); the live checks read the same findings to name the cause of
//! an `Internal server error` or a refused upgrade ([`route_cause`]). That is
//! why this area is shared, like `blame` for the way in: `e2e.echo` and
//! `e2e.connect` read it, the checks `apigw` lists run from it.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::check::{BoxFuture, Ctx};
use crate::checks::findings::Findings;
use crate::fix::{Fix, Resource, Wanted, argv};
use crate::ids;
use crate::model::aws::*;
use crate::model::policy::{InvokeRequest, Permission, invoke_permission};
use crate::outcome::Outcome;

/// A WebSocket integration's TimeoutInMillis bounds, and AWS's default.
pub const TIMEOUT_MIN_MS: i32 = 50;
pub const TIMEOUT_MAX_MS: i32 = 29_000;

/// The routes that are judged, their integrations and what those invoke.
#[derive(Debug, Clone, Default)]
pub struct Behind {
    pub api_id: String,
    pub region: String,
    pub stage: String,
    pub routes: Vec<RouteFacts>,
    /// The route keys judged, in order: the suite's, `$connect`/`$default`/`$disconnect` and the echo route.
    pub judged: Vec<String>,
    pub integrations: Vec<IntegrationFacts>,
    /// Function ARN → GetFunctionConfiguration and GetPolicy (`Err`: why they could not be read).
    pub functions: BTreeMap<String, FunctionView>,
    /// VPC link id → GetVpcLink.
    pub vpc_links: BTreeMap<String, Result<Option<VpcLinkFacts>, String>>,
    /// The route key the suite's message selects, when known.
    pub echo_route: Option<String>,
    /// The backend posts to `@connections` (`[backend] calls_back`).
    pub calls_back: bool,
    /// The stage's StageVariables names (GetStage), for a `stageVariables.X` identity source; `None`: not read.
    pub stage_variables: Option<Result<Vec<String>, String>>,
    /// The API's account: the caller's (STS GetCallerIdentity), `None` when it could not be read.
    pub api_account: Option<String>,
    /// `$connect`'s authorizer (GetAuthorizer), when it names one.
    pub authorizer: Option<Result<Option<AuthorizerFacts>, String>>,
    /// The header and query-string names the suite sends.
    pub sent_headers: Vec<String>,
    pub sent_query: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct FunctionView {
    pub function: Result<Option<FunctionFacts>, String>,
    pub policy: Result<Option<ResourcePolicy>, String>,
}

/// The function ARN of a Lambda invocation URI
/// (`arn:{partition}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`),
/// or of a plain function ARN.
pub fn lambda_function_arn(uri: &str) -> Option<&str> {
    if let Some((_, rest)) = uri.split_once(":lambda:path/")
        && let Some(rest) = rest.split_once("/functions/").map(|(_, r)| r)
    {
        return Some(rest.strip_suffix("/invocations").unwrap_or(rest));
    }
    (uri.starts_with("arn:") && uri.split(':').nth(2) == Some("lambda")).then_some(uri)
}

/// The execute-api ARN API Gateway invokes with: `arn:{partition}:execute-api:{region}:{account}:{api}/{rest}`.
/// `account`: the API's; where it is not known, the function's (the usual same-account setup).
pub fn execute_api_arn(function_arn: &str, account: Option<&str>, region: &str, api_id: &str, rest: &str) -> String {
    let partition = function_arn.split(':').nth(1).filter(|p| !p.is_empty()).unwrap_or("aws");
    let account = account.unwrap_or_else(|| account_of(function_arn));
    format!("arn:{partition}:execute-api:{region}:{account}:{api_id}/{rest}")
}

fn account_of(arn: &str) -> &str {
    arn.split(':').nth(4).unwrap_or_default()
}

/// A Lambda `--statement-id`: letters, digits, `-` and `_`.
fn statement_id(api_id: &str, what: &str) -> String {
    let clean: String = what.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
    format!("apigateway-{api_id}-{}", clean.trim_matches('_'))
}

/// `aws lambda add-permission` for API Gateway calling `function_arn` from `source_arn`.
pub fn add_permission_command(function_arn: &str, sid: &str, source_arn: &str) -> String {
    format!(
        "aws lambda add-permission --function-name '{function_arn}' --statement-id '{sid}' --action \
         lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn '{source_arn}'"
    )
}

/// Where a Lambda is invoked from: a route (`{stage}/{routeKey}`) or an authorizer (`authorizers/{id}`).
struct Invoker<'a> {
    /// "route `$default`'s integration abc", "authorizer auth1 of `$connect`".
    label: String,
    /// The evidence key's suffix: the route key, or `authorizer`.
    key: String,
    /// What follows `{api}/` in the execute-api ARN of the call.
    source_rest: String,
    /// What follows `{api}/` in the permission the fix grants (`*/{routeKey}`: every stage).
    grant_rest: String,
    /// The role API Gateway assumes instead of the function's policy (CredentialsArn).
    role: Option<&'a str>,
}

/// The function's permission for `who`: failures, unknowns and evidence into `f`.
fn judge_lambda(f: &mut Findings, b: &Behind, function_arn: &str, who: &Invoker<'_>) {
    if function_arn.contains("${") {
        f.unknown(format!(
            "{} invokes `{function_arn}`, chosen by a stage variable: the function is not read",
            who.label
        ));
        return;
    }
    let name = function_arn.rsplit(':').next().unwrap_or(function_arn);
    let Some(view) = b.functions.get(function_arn) else {
        f.unknown(format!("{}: function {function_arn} was not read", who.label));
        return;
    };
    match &view.function {
        Err(e) => {
            f.unknown(format!("{}: function {function_arn} could not be read ({e})", who.label));
            return;
        }
        Ok(None) => {
            f.fail(
                format!(
                    "{} invokes Lambda function `{function_arn}`, which does not exist (GetFunctionConfiguration: \
                     ResourceNotFoundException): every call gets `Internal server error`",
                    who.label
                ),
                "set the integration's IntegrationUri to the invocation URI of an existing function \
                 (`arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function-arn}/invocations`), then \
                 redeploy the stage",
            );
            return;
        }
        Ok(Some(function)) => match function.state.as_deref() {
            // "Functions can only be successfully invoked while active."
            None | Some("Active") => {}
            Some("Pending") => f.fail_retryable(
                format!(
                    "{}: Lambda function `{name}` is Pending: Lambda does not invoke a function during pending \
                     state, so every call fails until it is Active",
                    who.label
                ),
                "wait for the function to become Active (`--wait` retries)",
            ),
            Some("Inactive") => f.warn(
                format!(
                    "{}: Lambda function `{name}` is Inactive: the next invocation fails while Lambda recreates its \
                     resources",
                    who.label
                ),
                format!("invoke it once to reactivate it, or check its StateReason (`aws lambda get-function-configuration --function-name '{function_arn}'`)"),
            ),
            Some(state) => f.fail(
                format!(
                    "{}: Lambda function `{name}` is {state}: resource configuration or provisioning failed, and it \
                     cannot be invoked",
                    who.label
                ),
                format!(
                    "read its StateReason (`aws lambda get-function-configuration --function-name '{function_arn}'`); \
                     a function whose creation failed must be deleted and created again"
                ),
            ),
        },
    }
    if let Some(role) = who.role {
        f.evidence(
            format!("invoke.{}", who.key),
            format!("`{name}` with the role {role} (its lambda:InvokeFunction grant is not read)"),
        );
        f.unknown(format!(
            "{} calls `{name}` with the role {role}: whether that role may invoke it is IAM's, which is not read",
            who.label
        ));
        return;
    }
    let account = b.api_account.as_deref();
    let source_arn = execute_api_arn(function_arn, account, &b.region, &b.api_id, &who.source_rest);
    let grant = execute_api_arn(function_arn, account, &b.region, &b.api_id, &who.grant_rest);
    let sid = statement_id(&b.api_id, &who.grant_rest.replace("*/", ""));
    let fix = add_permission_command(function_arn, &sid, &grant);
    let function_region = function_arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&b.region);
    // The same grant as data: a statement whose SourceArn is the one API Gateway invokes with.
    let grant_fix = |current: Option<String>| Fix {
        resource: Resource {
            kind: "AWS::Lambda::Function".into(),
            id: function_arn.into(),
            region: Some(function_region.into()),
        },
        field: "Policy.Statement[Principal=apigateway.amazonaws.com].Condition.ArnLike.AWS:SourceArn".into(),
        current,
        wanted: Wanted::Value(grant.clone()),
        commands: vec![argv([
            "aws",
            "lambda",
            "add-permission",
            "--function-name",
            function_arn,
            "--statement-id",
            &sid,
            "--action",
            "lambda:InvokeFunction",
            "--principal",
            "apigateway.amazonaws.com",
            "--source-arn",
            &grant,
            "--region",
            function_region,
        ])],
    };
    let policy = match &view.policy {
        Err(e) => {
            f.unknown(format!("{}: the resource policy of `{name}` could not be read ({e})", who.label));
            return;
        }
        Ok(None) => {
            f.fail_with_fix(
                format!(
                    "{}: Lambda function `{name}` has no resource-based policy, so API Gateway may not invoke it \
                     (lambda:InvokeFunction from {source_arn})",
                    who.label
                ),
                format!("grant it: `{fix}`"),
                grant_fix(None),
            );
            return;
        }
        Ok(Some(p)) => p,
    };
    let request = InvokeRequest {
        function_arn,
        source_arn: &source_arn,
        account: Some(account.unwrap_or_else(|| account_of(function_arn))),
    };
    match invoke_permission(policy, request) {
        Permission::Allowed { sid, source_arn: None } => f.evidence(
            format!("permission.{}", who.key),
            format!(
                "statement {} has no SourceArn condition: it lets API Gateway invoke `{name}` from every API",
                sid.as_deref().unwrap_or("without Sid")
            ),
        ),
        Permission::Allowed { sid, source_arn: Some(p) } => f.evidence(
            format!("permission.{}", who.key),
            format!("`{name}`: statement {} ({p})", sid.as_deref().unwrap_or("without Sid")),
        ),
        Permission::Denied { sid } => f.fail(
            format!(
                "{}: the resource policy of `{name}` denies API Gateway (statement {}) for {source_arn}",
                who.label,
                sid.as_deref().unwrap_or("without Sid")
            ),
            format!(
                "remove the Deny statement (`aws lambda remove-permission --function-name '{function_arn}' \
                 --statement-id '{}'`)",
                sid.as_deref().unwrap_or("")
            ),
        ),
        Permission::Undecided { why } => f.unknown(format!("{}: the policy of `{name}`: {why}", who.label)),
        Permission::NotAllowed => {
            // Without the caller's account (STS), the API's is not known: a statement for the same
            // API in another account may be the right one (a cross-account function).
            let any_account = InvokeRequest { account: None, ..request };
            if account.is_none() && matches!(invoke_permission(policy, any_account), Permission::Allowed { .. }) {
                f.unknown(format!(
                    "{}: the policy of `{name}` allows this API and route only for another account than the \
                     function's ({}), and the API's own account is not known (STS GetCallerIdentity failed)",
                    who.label,
                    account_of(function_arn)
                ));
                return;
            }
            // Each statement's SourceArn, with the SourceAccount it also requires: either may be the wrong field.
            let granted: Vec<String> = policy
                .statements
                .iter()
                .filter_map(|st| {
                    let arn = crate::model::policy::source_arn_pattern(st);
                    let account = crate::model::policy::source_account_condition(st);
                    match (arn, account) {
                        (Some(a), Some(n)) => Some(format!("`{a}` with aws:SourceAccount `{n}`")),
                        (Some(a), None) => Some(format!("`{a}`")),
                        (None, Some(n)) => Some(format!("any API with aws:SourceAccount `{n}`")),
                        (None, None) => None,
                    }
                })
                .collect();
            let current = (!granted.is_empty()).then(|| granted.join(", "));
            let granted = if granted.is_empty() {
                "no statement for API Gateway".to_owned()
            } else {
                format!("its statements allow {}", granted.join(", "))
            };
            f.fail_with_fix(
                format!(
                    "{}: the resource policy of Lambda function `{name}` does not let apigateway.amazonaws.com call \
                     lambda:InvokeFunction from {source_arn} ({granted}): every call gets `Internal server error`",
                    who.label
                ),
                format!("grant it: `{fix}`"),
                grant_fix(current),
            );
        }
    }
}

/// `integration.request.{header|querystring|path}.*` mapped from `context.connectionId`.
fn maps_connection_id(i: &IntegrationFacts) -> Option<&str> {
    i.request_parameters
        .iter()
        .find(|(dest, src)| {
            src.trim_start_matches('$') == "context.connectionId" && dest.starts_with("integration.request.")
        })
        .map(|(dest, _)| dest.as_str())
}

fn request_parameters_json(i: &IntegrationFacts, add: (&str, &str)) -> String {
    let mut map: BTreeMap<&str, &str> = i.request_parameters.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    map.insert(add.0, add.1);
    serde_json::to_string(&map).unwrap_or_default()
}

fn redeploy(b: &Behind) -> String {
    format!("aws apigatewayv2 create-deployment --api-id {} --stage-name '{}'", b.api_id, b.stage)
}

/// The redeploy as arguments: integration and route changes reach clients only through a deployment.
fn redeploy_argv(b: &Behind) -> Vec<String> {
    argv([
        "aws",
        "apigatewayv2",
        "create-deployment",
        "--api-id",
        &b.api_id,
        "--stage-name",
        &b.stage,
        "--region",
        &b.region,
    ])
}

/// A change to one field of integration `id`, applied by `update-integration {args}` and a redeploy.
fn integration_fix(b: &Behind, id: &str, field: &str, current: Option<String>, wanted: &str, args: [&str; 2]) -> Fix {
    let mut update = argv(["aws", "apigatewayv2", "update-integration", "--api-id", &b.api_id, "--integration-id", id]);
    update.extend(argv(args));
    update.extend(argv(["--region", &b.region]));
    Fix {
        resource: Resource {
            kind: "AWS::ApiGatewayV2::Integration".into(),
            id: id.into(),
            region: Some(b.region.clone()),
        },
        field: field.into(),
        current,
        wanted: Wanted::Value(wanted.into()),
        commands: vec![update, redeploy_argv(b)],
    }
}

/// One route's integration: exists, its type's requirements, its timeout.
fn judge_route(f: &mut Findings, b: &Behind, r: &RouteFacts) {
    let key = &r.route_key;
    let Some(id) = r.integration_id() else {
        f.evidence(format!("route.{key}"), "no integration target");
        return;
    };
    let Some(i) = b.integrations.iter().find(|i| i.integration_id == id) else {
        let ids: Vec<&str> = b.integrations.iter().map(|i| i.integration_id.as_str()).collect();
        f.fail(
            format!("route `{key}` Target `integrations/{id}` names no integration of API {}", b.api_id),
            format!(
                "set route `{key}` Target to `integrations/{{id}}` of an existing integration ({}), then `{}`",
                if ids.is_empty() { "the API has none: create one".to_owned() } else { ids.join(", ") },
                redeploy(b)
            ),
        );
        return;
    };
    let kind = i.integration_type.as_deref().unwrap_or("not reported");
    f.evidence(format!("route.{key}"), format!("integration {id} ({kind})"));
    let label = format!("route `{key}`'s integration {id}");
    if let Some(t) = i.timeout_in_millis
        && !(TIMEOUT_MIN_MS..=TIMEOUT_MAX_MS).contains(&t)
    {
        let wanted = TIMEOUT_MAX_MS.to_string();
        f.fail_with_fix(
            format!(
                "{label} has TimeoutInMillis {t}: a WebSocket API's integration timeout is {TIMEOUT_MIN_MS}–{TIMEOUT_MAX_MS} ms"
            ),
            format!(
                "`aws apigatewayv2 update-integration --api-id {} --integration-id {id} --timeout-in-millis {TIMEOUT_MAX_MS}`, then `{}`",
                b.api_id,
                redeploy(b)
            ),
            integration_fix(b, id, "TimeoutInMillis", Some(t.to_string()), &wanted, ["--timeout-in-millis", &wanted]),
        );
    }
    let uri = i.integration_uri.as_deref().unwrap_or("");
    match kind {
        "AWS_PROXY" | "AWS" => match lambda_function_arn(uri) {
            Some(arn) => {
                let who = Invoker {
                    label: label.clone(),
                    key: key.clone(),
                    source_rest: format!("{}/{key}", b.stage),
                    grant_rest: format!("*/{key}"),
                    role: i.credentials_arn.as_deref(),
                };
                judge_lambda(f, b, arn, &who);
            }
            None if kind == "AWS_PROXY" => f.fail(
                format!("{label} is AWS_PROXY but its IntegrationUri `{uri}` is not a Lambda function's invocation URI"),
                "set IntegrationUri to `arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/{function-arn}/invocations`",
            ),
            // Another AWS service (an SQS queue, a DynamoDB table…): API Gateway calls it with a role.
            None if i.credentials_arn.is_none() => f.fail(
                format!("{label} calls the AWS service action `{uri}` without a CredentialsArn: API Gateway has no role to call it with"),
                format!(
                    "`aws apigatewayv2 update-integration --api-id {} --integration-id {id} --credentials-arn \
                     arn:aws:iam::{{account}}:role/{{role allowed the action}}`, then `{}`",
                    b.api_id,
                    redeploy(b)
                ),
            ),
            None => f.evidence(format!("integration.{id}"), format!("{uri} with the role {}", i.credentials_arn.as_deref().unwrap_or_default())),
        },
        "HTTP" | "HTTP_PROXY" => judge_http(f, b, r, i, &label),
        "MOCK" => {}
        other => f.unknown(format!("{label}: IntegrationType {other} is not one this judges")),
    }
}

fn judge_http(f: &mut Findings, b: &Behind, r: &RouteFacts, i: &IntegrationFacts, label: &str) {
    let id = &i.integration_id;
    let uri = i.integration_uri.as_deref().unwrap_or("");
    if url::Url::parse(uri).map(|u| !matches!(u.scheme(), "http" | "https")).unwrap_or(true) {
        f.fail(
            format!("{label} has IntegrationUri `{uri}`, not an http:// or https:// URL of the backend"),
            format!("set the integration's IntegrationUri to the backend's URL, then `{}`", redeploy(b)),
        );
    }
    if i.connection_type.as_deref() == Some("VPC_LINK") {
        match i.connection_id.as_deref() {
            None => f.fail(
                format!("{label} has ConnectionType VPC_LINK but no ConnectionId"),
                format!(
                    "`aws apigatewayv2 update-integration --api-id {} --integration-id {id} --connection-id {{REST API VPC link id}}`, then `{}`",
                    b.api_id,
                    redeploy(b)
                ),
            ),
            Some(link) => match b.vpc_links.get(link) {
                None => f.unknown(format!("{label}: VPC link {link} was not read")),
                Some(Err(e)) => f.unknown(format!("{label}: VPC link {link}: {e}")),
                Some(Ok(None)) => f.fail(
                    format!("{label} uses VPC link {link}, which does not exist in {} (a WebSocket private integration uses a REST API VPC link)", b.region),
                    "create a REST API VPC link to the backend's Network Load Balancer (`aws apigateway create-vpc-link`) and set the integration's ConnectionId to its id".to_owned(),
                ),
                Some(Ok(Some(v))) => match v.status.as_deref() {
                    Some("AVAILABLE") => f.evidence(format!("vpc_link.{link}"), "AVAILABLE"),
                    Some("PENDING") => f.fail_retryable(
                        format!("{label}: VPC link {link} is PENDING: requests through it fail until it is AVAILABLE"),
                        "wait for the VPC link to become AVAILABLE (`--wait` retries)",
                    ),
                    status => f.fail(
                        format!(
                            "{label}: VPC link {link} is {}{}",
                            status.unwrap_or("of unreported status"),
                            v.status_message.as_deref().map(|m| format!(" ({m})")).unwrap_or_default()
                        ),
                        "recreate the VPC link to the backend's Network Load Balancer and point the integration's ConnectionId at it",
                    ),
                },
            },
        }
    }
    // A backend behind HTTP learns the connection id only from a mapped parameter;
    // without it, it can never post to @connections.
    if b.calls_back {
        let needed = b.echo_route.as_deref() == Some(r.route_key.as_str()) || r.route_key == "$default";
        match maps_connection_id(i) {
            Some(dest) => f.evidence(format!("connection_id.{id}"), format!("{dest} = context.connectionId")),
            None => {
                let json =
                    request_parameters_json(i, ("integration.request.header.ConnectionId", "context.connectionId"));
                let message = format!(
                    "{label} ({}) does not map `context.connectionId` into RequestParameters: the backend never \
                     learns the connection id, so it cannot post to @connections",
                    i.integration_type.as_deref().unwrap_or("HTTP")
                );
                let hint = format!(
                    "`aws apigatewayv2 update-integration --api-id {} --integration-id {id} --request-parameters '{json}'`, then `{}`",
                    b.api_id,
                    redeploy(b)
                );
                if needed {
                    let fix = integration_fix(
                        b,
                        id,
                        "RequestParameters.integration.request.header.ConnectionId",
                        None,
                        "context.connectionId",
                        ["--request-parameters", &json],
                    );
                    f.fail_with_fix(message, hint, fix)
                } else {
                    f.warn(message, hint)
                }
            }
        }
    }
}

pub fn judge_integrations(b: &Behind) -> Outcome {
    let mut f = Findings::new();
    for key in &b.judged {
        if let Some(r) = b.routes.iter().find(|r| &r.route_key == key) {
            judge_route(&mut f, b, r);
        }
    }
    f.outcome(format!("the integrations of {} exist and may be invoked", b.judged.join(", ")))
}

/// The `$connect` Lambda authorizer: it exists, is a REQUEST authorizer, what
/// it reads is sent, and API Gateway may invoke its function.
pub fn judge_authorizer(b: &Behind) -> Outcome {
    let Some(connect) = b.routes.iter().find(|r| r.route_key == "$connect") else {
        return Outcome::skip("the API has no `$connect` route (apigw.routes judges it)");
    };
    if connect.authorization_type.as_deref() != Some("CUSTOM") {
        return Outcome::skip(format!(
            "`$connect` has no Lambda authorizer (AuthorizationType {})",
            connect.authorization_type.as_deref().unwrap_or("not reported")
        ));
    }
    let mut f = Findings::new();
    let Some(id) = connect.authorizer_id.as_deref() else {
        f.fail(
            "`$connect` has AuthorizationType CUSTOM but no AuthorizerId",
            format!(
                "`aws apigatewayv2 update-route --api-id {} --route-id {} --authorizer-id {{id}}`, then `{}`",
                b.api_id,
                connect.route_id.as_deref().unwrap_or("{route id}"),
                redeploy(b)
            ),
        );
        return f.outcome("");
    };
    f.evidence("authorizer_id", id);
    let a = match &b.authorizer {
        None => return Outcome::unknown(format!("authorizer {id} was not read")),
        Some(Err(e)) => return Outcome::unknown(format!("authorizer {id}: {e}")),
        Some(Ok(None)) => {
            f.fail(
                format!(
                    "`$connect` AuthorizerId `{id}` names no authorizer of API {}: every connect is refused",
                    b.api_id
                ),
                format!(
                    "create the REQUEST authorizer or set the route's AuthorizerId to an existing one, then `{}`",
                    redeploy(b)
                ),
            );
            return f.outcome("");
        }
        Some(Ok(Some(a))) => a,
    };
    let kind = a.authorizer_type.as_deref().unwrap_or("not reported");
    f.evidence("authorizer", format!("{} ({kind})", a.name.as_deref().unwrap_or(id)));
    if kind == "JWT" {
        f.fail(
            format!(
                "`$connect` authorizer {id} is a JWT authorizer: WebSocket APIs take Lambda REQUEST authorizers only"
            ),
            "create a REQUEST authorizer whose Lambda validates the token, and attach it to `$connect`",
        );
        return f.outcome("");
    }
    f.evidence("identity_source", a.identity_source.join(", "));
    let sends_header = |h: &str| b.sent_headers.iter().any(|s| s.eq_ignore_ascii_case(h));
    let sends_query = |q: &str| b.sent_query.iter().any(|s| s == q);
    for source in &a.identity_source {
        let source = source.trim_start_matches('$');
        let missing = if let Some(h) = source.strip_prefix("route.request.header.") {
            (!sends_header(h))
                .then(|| (format!("header `{h}`"), format!("`[roundtrip] headers` `{h} = \"${{TOKEN}}\"`")))
        } else if let Some(q) = source.strip_prefix("route.request.querystring.") {
            (!sends_query(q))
                .then(|| (format!("query parameter `{q}`"), format!("`[roundtrip] query` `{q} = \"${{TOKEN}}\"`")))
        } else if let Some(v) = source.strip_prefix("stageVariables.") {
            // A stage variable comes from the stage, not the client; a stage without it is an empty identity source.
            match &b.stage_variables {
                Some(Ok(names)) if names.iter().any(|n| n == v) => None,
                Some(Ok(_)) => {
                    // The value is the deployment's to choose: the fix names the field, not a value.
                    let fix = Fix {
                        resource: Resource {
                            kind: "AWS::ApiGatewayV2::Stage".into(),
                            id: format!("{}/{}", b.api_id, b.stage),
                            region: Some(b.region.clone()),
                        },
                        field: format!("StageVariables.{v}"),
                        current: None,
                        wanted: Wanted::Words(format!("the value the authorizer expects in stage variable `{v}`")),
                        commands: vec![],
                    };
                    f.fail_with_fix(
                        format!(
                            "`$connect` authorizer {id} reads the stage variable `{v}` (IdentitySource `{source}`), \
                             which stage {} does not set: API Gateway answers 401 Unauthorized without calling the \
                             authorizer",
                            b.stage
                        ),
                        format!(
                            "`aws apigatewayv2 update-stage --api-id {} --stage-name '{}' --stage-variables '{v}=…'`",
                            b.api_id, b.stage
                        ),
                        fix,
                    );
                    None
                }
                Some(Err(e)) => {
                    f.unknown(format!(
                        "`$connect` authorizer {id} reads the stage variable `{v}`: the stage could not be read ({e})"
                    ));
                    None
                }
                None => {
                    f.unknown(format!(
                        "`$connect` authorizer {id} reads the stage variable `{v}`: the stage was not read"
                    ));
                    None
                }
            }
        } else {
            // Context values come from API Gateway, not the client.
            None
        };
        if let Some((what, add)) = missing {
            // Clients that cannot set headers (browsers) send the token in the query string: the
            // identity source then has to read it there.
            let switch = match b.sent_query.first() {
                Some(q) if source.starts_with("route.request.header.") => format!(
                    "set the authorizer's IdentitySource to the query parameter clients send (`aws apigatewayv2 \
                     update-authorizer --api-id {} --authorizer-id {id} --identity-source \
                     'route.request.querystring.{q}'`, then `{}`), or ",
                    b.api_id,
                    redeploy(b)
                ),
                _ => String::new(),
            };
            f.fail(
                format!(
                    "`$connect` authorizer {id} reads the {what} (IdentitySource `{source}`), which the suite does not \
                     send: API Gateway answers 401 Unauthorized without calling the authorizer"
                ),
                format!(
                    "{switch}send it as clients do: add {add} (browsers cannot set headers on a WebSocket upgrade: for \
                     them, use a `route.request.querystring.…` identity source)"
                ),
            );
        }
    }
    match a.authorizer_uri.as_deref().and_then(lambda_function_arn) {
        Some(arn) => {
            let who = Invoker {
                label: format!("`$connect` authorizer {id}"),
                key: "authorizer".into(),
                source_rest: format!("authorizers/{id}"),
                grant_rest: format!("authorizers/{id}"),
                role: a.authorizer_credentials_arn.as_deref(),
            };
            judge_lambda(&mut f, b, arn, &who);
        }
        None => f.unknown(format!(
            "`$connect` authorizer {id}'s AuthorizerUri `{}` is not a Lambda invocation URI",
            a.authorizer_uri.as_deref().unwrap_or("(none)")
        )),
    }
    f.outcome(format!("`$connect` authorizer {id} reads what the suite sends and may be invoked"))
}

// ---------------------------------------------------------------------------
// Gathering (I/O through the memo layer) and runs.

/// The routes, integrations, functions and links behind the suite's routes, once per run.
pub async fn gather(ctx: &Ctx) -> Result<Behind, Outcome> {
    let aws = &ctx.facts.aws;
    let api_id = aws.api_id().await.map_err(Outcome::from)?;
    let stage = aws.stage_name().await.map_err(Outcome::from)?;
    let routes = aws.routes(&api_id).await.map_err(Outcome::from)?;
    let integrations = aws.integrations(&api_id).await.map_err(Outcome::from)?;
    let rt = &ctx.suite.roundtrip;
    let echo_route = match aws.api(&api_id).await {
        Ok(Some(api)) => {
            api.route_selection_expression.as_deref().and_then(|rse| selected_route(rse, &rt.send, &routes))
        }
        _ => None,
    };
    let mut judged: Vec<String> = Vec::new();
    let builtins = ["$connect", "$default", "$disconnect"].map(String::from);
    for key in ctx.suite.api.routes.iter().chain(builtins.iter()).chain(echo_route.iter()) {
        if routes.iter().any(|r| &r.route_key == key) && !judged.contains(key) {
            judged.push(key.clone());
        }
    }
    let connect = routes.iter().find(|r| r.route_key == "$connect");
    let authorizer = match connect.filter(|c| c.authorization_type.as_deref() == Some("CUSTOM")) {
        Some(c) => match c.authorizer_id.as_deref() {
            Some(id) => {
                Some(aws.authorizer(&api_id, id).await.map(|a| a.as_deref().cloned()).map_err(|e| e.to_string()))
            }
            None => None,
        },
        None => None,
    };
    // What the judged routes and the authorizer invoke, read concurrently.
    let used: Vec<&IntegrationFacts> = judged
        .iter()
        .filter_map(|k| routes.iter().find(|r| &r.route_key == k)?.integration_id())
        .filter_map(|id| integrations.iter().find(|i| i.integration_id == id))
        .collect();
    let mut arns: Vec<String> = used
        .iter()
        .filter(|i| matches!(i.integration_type.as_deref(), Some("AWS_PROXY" | "AWS")) && i.credentials_arn.is_none())
        .filter_map(|i| lambda_function_arn(i.integration_uri.as_deref()?))
        .map(str::to_owned)
        .collect();
    // The authorizer's function is read also when a role invokes it: its existence is judged either way.
    if let Some(Ok(Some(a))) = &authorizer
        && let Some(arn) = a.authorizer_uri.as_deref().and_then(lambda_function_arn)
    {
        arns.push(arn.to_owned());
    }
    // A `stageVariables.X` identity source is judged against the stage's variables (GetStage, read once per run).
    let stage_variables = match &authorizer {
        Some(Ok(Some(a)))
            if a.identity_source.iter().any(|s| s.trim_start_matches('$').starts_with("stageVariables.")) =>
        {
            Some(match aws.stage(&api_id, &stage).await {
                Ok(Some(s)) => Ok(s.stage_variables.clone()),
                Ok(None) => Err(format!("stage {stage} does not exist")),
                Err(e) => Err(e.to_string()),
            })
        }
        _ => None,
    };
    // Roles are judged without reading the function's policy, but its existence is read.
    arns.extend(
        used.iter()
            .filter(|i| i.credentials_arn.is_some())
            .filter_map(|i| lambda_function_arn(i.integration_uri.as_deref()?))
            .map(str::to_owned),
    );
    arns.retain(|a| !a.contains("${"));
    arns.sort();
    arns.dedup();
    let views = futures_util::future::join_all(arns.iter().map(|arn| async move {
        let (function, policy) = futures_util::join!(aws.function(arn), aws.function_policy(arn));
        FunctionView {
            function: function.map(|f| f.as_deref().cloned()).map_err(|e| e.to_string()),
            policy: policy.map(|p| p.as_deref().cloned()).map_err(|e| e.to_string()),
        }
    }));
    // The account in the SourceArn API Gateway invokes with is the API's: asked only when a
    // function's policy is to be judged.
    let account =
        async { if arns.is_empty() { None } else { aws.caller_account().await.ok().map(|a| a.as_ref().clone()) } };
    let (views, api_account) = futures_util::join!(views, account);
    let mut links: Vec<&str> = used
        .iter()
        .filter(|i| i.connection_type.as_deref() == Some("VPC_LINK"))
        .filter_map(|i| i.connection_id.as_deref())
        .collect();
    links.sort_unstable();
    links.dedup();
    let link_views = futures_util::future::join_all(
        links
            .iter()
            .map(|id| async move { aws.vpc_link(id).await.map(|v| v.as_deref().cloned()).map_err(|e| e.to_string()) }),
    )
    .await;
    Ok(Behind {
        region: ctx.suite.region.clone(),
        stage,
        judged,
        integrations: integrations.as_ref().clone(),
        functions: arns.into_iter().zip(views).collect(),
        vpc_links: links.into_iter().map(str::to_owned).zip(link_views).collect(),
        echo_route,
        calls_back: ctx.suite.backend.calls_back.unwrap_or(ctx.runs(ids::E2E_POST)),
        authorizer,
        stage_variables,
        api_account,
        sent_headers: rt.headers.iter().map(|(k, _)| k.clone()).collect(),
        sent_query: rt.query.iter().map(|(k, _)| k.clone()).collect(),
        routes: routes.as_ref().clone(),
        api_id,
    })
}

pub fn run_integrations(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        match gather(&ctx).await {
            Ok(b) => judge_integrations(&b),
            Err(o) => undiscovered_or(&ctx, o).await,
        }
    })
}

pub fn run_authorizer(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        match gather(&ctx).await {
            Ok(b) => judge_authorizer(&b),
            Err(o) => undiscovered_or(&ctx, o).await,
        }
    })
}

/// An API id or stage the route could not give skips as the route check's consequence.
async fn undiscovered_or(ctx: &Ctx, o: Outcome) -> Outcome {
    let aws = &ctx.facts.aws;
    for e in [aws.api_id().await.err(), aws.stage_name().await.err()].into_iter().flatten() {
        if matches!(e, crate::facts::Error::Undiscovered { .. } | crate::facts::Error::Discovery { .. }) {
            return crate::checks::blame::undiscovered(ctx, e).await;
        }
    }
    o
}

/// The control-plane cause of a live failure of `route_key` (`$connect`: its
/// integration or its authorizer): the first failure these judges find, as
/// (message, hint), naming the check that owns it.
/// What the control plane finds wrong behind a route a live check saw fail: the finding (naming
/// its check), its hint and its fixes as data.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteCause {
    pub message: String,
    pub hint: String,
    pub fixes: Vec<Fix>,
}

pub async fn route_cause(ctx: &Ctx, route_key: &str) -> Option<RouteCause> {
    let mut b = gather(ctx).await.ok()?;
    b.judged = vec![route_key.to_owned()];
    let mut outcomes = vec![(ids::APIGW_INTEGRATIONS, judge_integrations(&b))];
    if route_key == "$connect" {
        outcomes.push((ids::APIGW_AUTHORIZER, judge_authorizer(&b)));
    }
    outcomes.into_iter().find_map(|(id, o)| {
        let fixes = o.fixes().to_vec();
        match o.verdict {
            crate::outcome::Verdict::Fail { message, hint } => {
                Some(RouteCause { message: format!("{message} ({id})"), hint: hint.unwrap_or_default(), fixes })
            }
            _ => None,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;

    const API: &str = "abc123";
    const FUNCTION: &str = "arn:aws:lambda:eu-west-1:111122223333:function:chat";

    fn invocation_uri(arn: &str) -> String {
        format!("arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/{arn}/invocations")
    }

    fn route(key: &str, integration: &str) -> RouteFacts {
        RouteFacts {
            route_key: key.into(),
            target: Some(format!("integrations/{integration}")),
            authorization_type: Some("NONE".into()),
            ..RouteFacts::default()
        }
    }

    fn lambda_integration(id: &str) -> IntegrationFacts {
        IntegrationFacts {
            integration_id: id.into(),
            integration_type: Some("AWS_PROXY".into()),
            integration_uri: Some(invocation_uri(FUNCTION)),
            timeout_in_millis: Some(29_000),
            ..IntegrationFacts::default()
        }
    }

    fn policy(source_arns: &[&str]) -> ResourcePolicy {
        let statements: Vec<String> = source_arns
            .iter()
            .enumerate()
            .map(|(i, arn)| {
                format!(
                    r#"{{"Sid":"s{i}","Effect":"Allow","Principal":{{"Service":"apigateway.amazonaws.com"}},
                    "Action":"lambda:InvokeFunction","Resource":"{FUNCTION}",
                    "Condition":{{"ArnLike":{{"AWS:SourceArn":"{arn}"}}}}}}"#
                )
            })
            .collect();
        ResourcePolicy::parse(&format!(r#"{{"Statement":[{}]}}"#, statements.join(","))).unwrap()
    }

    fn behind(policy: Option<ResourcePolicy>) -> Behind {
        let function =
            FunctionFacts { function_name: "chat".into(), function_arn: FUNCTION.into(), ..Default::default() };
        Behind {
            api_id: API.into(),
            region: "eu-west-1".into(),
            stage: "prod".into(),
            routes: vec![route("$connect", "i1"), route("$default", "i2")],
            judged: vec!["$connect".into(), "$default".into()],
            integrations: vec![lambda_integration("i1"), lambda_integration("i2")],
            functions: BTreeMap::from([(
                FUNCTION.to_owned(),
                FunctionView { function: Ok(Some(function)), policy: Ok(policy) },
            )]),
            calls_back: true,
            ..Behind::default()
        }
    }

    fn exec(rest: &str) -> String {
        format!("arn:aws:execute-api:eu-west-1:111122223333:{API}/{rest}")
    }

    // AWS: API Gateway Developer Guide, "Control access to WebSocket APIs with AWS Lambda REQUEST authorizers" —
    // `$connect`'s methodArn is `arn:aws:execute-api:{region}:{account-id}:{api-id}/{stage-name}/$connect`, and
    // IAM authorization's routes use `…:{api-id}/{stage-name}/{route-key}` (knowledge center
    // "api-gateway-websocket-api-secure"); Lambda Developer Guide, "Invoking a Lambda function using an Amazon
    // API Gateway endpoint" — API Gateway needs a resource-based policy statement granting it
    // lambda:InvokeFunction, scoped by SourceArn. The CDK's WebSocketLambdaIntegration grants `…:{api}/*{routeKey}`.
    #[test]
    fn a_lambda_permission_must_cover_the_route_it_serves() {
        let good = behind(Some(policy(&[&exec("*/$connect"), &exec("*/$default")])));
        let o = judge_integrations(&good);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.evidence.get("permission.$connect").is_some_and(|p| p.contains("statement s0")), "{o:?}");
        assert!(o.evidence.get("permission.$default").is_some_and(|p| p.contains("statement s1")), "{o:?}");

        // The whole API, and the CDK's `*{routeKey}` form.
        assert_eq!(judge_integrations(&behind(Some(policy(&[&exec("*")])))).status(), Status::Pass);
        let cdk = behind(Some(policy(&[&exec("*$connect"), &exec("*$default")])));
        assert_eq!(judge_integrations(&cdk).status(), Status::Pass);

        // `/*/sendmessage` instead of the route key: `$default` fails, named with the add-permission command.
        let wrong = behind(Some(policy(&[&exec("*/$connect"), &exec("*/sendmessage")])));
        let o = judge_integrations(&wrong);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        let m = o.verdict.message();
        assert!(m.contains("route `$default`'s integration i2") && m.contains(&exec("prod/$default")), "{m}");
        assert!(m.contains(&format!("`{}`", exec("*/sendmessage"))), "the statements it has are named: {m}");
        let hint = o.verdict.hint().unwrap_or_default();
        assert!(
            hint.contains(&format!(
                "aws lambda add-permission --function-name '{FUNCTION}' --statement-id 'apigateway-{API}-default' \
                 --action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn '{}'",
                exec("*/$default")
            )),
            "{hint}"
        );

        // Another API's id, and no policy at all.
        let other = behind(Some(policy(&["arn:aws:execute-api:eu-west-1:111122223333:zzz999/*"])));
        assert!(judge_integrations(&other).verdict.message().contains("route `$connect`"));
        let none = judge_integrations(&behind(None));
        assert!(none.verdict.message().contains("has no resource-based policy"), "{none:?}");
    }

    /// The fix as data says what the hint says: the same command, as arguments.
    #[test]
    fn a_missing_permission_and_mapping_carry_their_fix_as_data() {
        let o = judge_integrations(&behind(None));
        let fix = &o.fixes()[0];
        assert_eq!(fix.resource.kind, "AWS::Lambda::Function");
        assert_eq!(fix.wanted, Wanted::Value(exec("*/$connect")));
        let line = &fix.shell().unwrap()[0];
        assert!(o.verdict.hint().unwrap().contains(&format!("--source-arn '{}'", exec("*/$connect"))), "{o:?}");
        assert_eq!(
            shlex::split(line).unwrap()[..5],
            argv(["aws", "lambda", "add-permission", "--function-name", FUNCTION])
        );
        assert!(line.contains(&format!("--source-arn '{}'", exec("*/$connect"))), "{line}");
        assert_eq!(o.fixes().len(), 2, "one per route: {:?}", o.fixes());

        let mut http = behind(None);
        http.integrations[1].integration_type = Some("HTTP_PROXY".into());
        http.integrations[1].integration_uri = Some("https://backend.example.com".into());
        let o = judge_integrations(&http);
        let mapping = o.fixes().iter().find(|f| f.field.starts_with("RequestParameters")).expect("mapping fix");
        assert_eq!(mapping.commands.len(), 2, "update-integration, then create-deployment");
        assert_eq!(mapping.commands[1][..3], argv(["aws", "apigatewayv2", "create-deployment"]));
        let json =
            &mapping.commands[0][mapping.commands[0].iter().position(|a| a == "--request-parameters").unwrap() + 1];
        assert_eq!(json, r#"{"integration.request.header.ConnectionId":"context.connectionId"}"#);
    }

    // AWS: Lambda Developer Guide, "Working with resource-based policies in Lambda" — a statement for the service
    // principal without an aws:SourceArn condition lets that service invoke the function from any resource.
    #[test]
    fn a_permission_without_source_arn_passes_and_says_it_allows_every_api() {
        let mut p = policy(&[&exec("*")]);
        p.statements[0].conditions.clear();
        let o = judge_integrations(&behind(Some(p)));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.evidence.get("permission.$default").is_some_and(|e| e.contains("from every API")), "{o:?}");
    }

    // AWS: STS API Reference, "GetCallerIdentity" — returns the account of the calling credentials, and
    // no permission is required to call it; API Gateway's GetApi reads APIs of the caller's account only.
    // So a SourceArn (or aws:SourceAccount) naming another account than the caller's is another API's.
    #[test]
    fn the_callers_account_decides_a_permission_for_another_account() {
        let cross = |account: Option<&str>| {
            let mut b = behind(Some(policy(&["arn:aws:execute-api:eu-west-1:999999999999:abc123/*"])));
            b.api_account = account.map(str::to_owned);
            judge_integrations(&b)
        };
        // The API is the caller's, in the function's account: the statement is another account's API.
        let o = cross(Some("111122223333"));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        // A SourceAccount condition for another account is named as what the statement requires.
        let mut p = policy(&[&exec("*")]);
        p.statements[0].conditions.push((
            "StringEquals".into(),
            "AWS:SourceAccount".into(),
            vec!["999999999999".into()],
        ));
        let mut b = behind(Some(p));
        b.api_account = Some("111122223333".into());
        let m = judge_integrations(&b).verdict.message().to_owned();
        assert!(m.contains("with aws:SourceAccount `999999999999`"), "{m}");
        assert!(o.verdict.hint().unwrap().contains("arn:aws:execute-api:eu-west-1:111122223333:abc123/*/$default"));
        // The API is in 999999999999 (a cross-account function): the statement is this API's.
        let o = cross(Some("999999999999"));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        // The caller's account unknown (STS failed): unknown, never a verdict.
        assert!(cross(None).verdict.is_unknown());
    }

    #[test]
    fn what_cannot_be_read_or_decided_is_unknown_never_a_verdict() {
        // A statement for this API in another account, and the caller's account not read.
        let cross = behind(Some(policy(&["arn:aws:execute-api:eu-west-1:999999999999:abc123/*"])));
        let o = judge_integrations(&cross);
        assert!(o.verdict.is_unknown(), "{o:?}");
        // GetPolicy refused (the gate's role lacks lambda:GetPolicy).
        let mut denied = behind(None);
        denied.functions.get_mut(FUNCTION).unwrap().policy =
            Err("lambda.GetPolicy failed: AccessDeniedException".into());
        assert!(judge_integrations(&denied).verdict.is_unknown());
        // A role instead of the resource policy.
        let mut role = behind(None);
        role.integrations[0].credentials_arn = Some("arn:aws:iam::111122223333:role/apigw".into());
        role.integrations[1].credentials_arn = Some("arn:aws:iam::111122223333:role/apigw".into());
        let o = judge_integrations(&role);
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("role"), "{o:?}");
        // A stage variable chooses the function.
        let mut staged = behind(Some(policy(&[&exec("*")])));
        staged.integrations[1].integration_uri =
            Some(invocation_uri("arn:aws:lambda:eu-west-1:111122223333:function:${stageVariables.fn}"));
        assert!(judge_integrations(&staged).verdict.is_unknown());
    }

    // AWS: API Gateway V2 API Reference, "Authorizer" (identitySource) — identity sources "can be headers, query
    // string parameters, stage variables, and context parameters"; API Gateway verifies they are "present in the
    // request, not null, and non-empty", otherwise "it returns a 401 Unauthorized response without calling the
    // Lambda function".
    #[test]
    fn a_stage_variable_identity_source_must_be_set_on_the_stage() {
        let with_vars = |vars: Option<Result<Vec<String>, String>>| {
            let mut b = with_authorizer(&["stageVariables.tenant"], &[&exec("authorizers/au1")]);
            b.stage_variables = vars;
            judge_authorizer(&b)
        };
        assert_eq!(with_vars(Some(Ok(vec!["tenant".into()]))).status(), Status::Pass);
        let o = with_vars(Some(Ok(vec!["other".into()])));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("stage variable `tenant`"), "{o:?}");
        assert!(o.verdict.hint().unwrap().contains("update-stage") && o.verdict.hint().unwrap().contains("tenant=…"));
        assert!(with_vars(Some(Err("GetStage failed".into()))).verdict.is_unknown());
        assert!(with_vars(None).verdict.is_unknown());
    }

    // AWS: Lambda Developer Guide, "Lambda function states" — "Lambda does not invoke a function during pending
    // state"; "Functions can only be successfully invoked while active"; Failed: "you must delete and recreate the
    // function"; "When you try to invoke a function that is inactive, the invocation fails" and Lambda recreates
    // its resources.
    #[test]
    fn a_function_that_is_not_active_is_named_by_its_state() {
        let with_state = |state: &str| {
            let mut b = behind(Some(policy(&[&exec("*")])));
            if let Ok(Some(f)) = &mut b.functions.get_mut(FUNCTION).unwrap().function {
                f.state = Some(state.into());
            }
            judge_integrations(&b)
        };
        assert_eq!(with_state("Active").status(), Status::Pass);
        let pending = with_state("Pending");
        assert_eq!(pending.status(), Status::Fail, "{pending:?}");
        assert!(pending.retryable && pending.verdict.message().contains("is Pending"), "{pending:?}");
        let failed = with_state("Failed");
        assert!(failed.status() == Status::Fail && !failed.retryable, "{failed:?}");
        assert!(failed.verdict.hint().unwrap().contains("deleted and created again"), "{failed:?}");
        let inactive = with_state("Inactive");
        assert_eq!(inactive.status(), Status::Pass, "{inactive:?}");
        assert!(inactive.warnings.iter().any(|w| w.message.contains("is Inactive")), "{inactive:?}");
    }

    // AWS: Lambda API Reference, "GetFunctionConfiguration" — ResourceNotFoundException: the function does not exist;
    // API Gateway V2 API Reference, "Route" (target) — `integrations/{IntegrationID}` names the integration invoked.
    #[test]
    fn a_missing_function_or_integration_fails() {
        let mut gone = behind(None);
        gone.functions.get_mut(FUNCTION).unwrap().function = Ok(None);
        let o = judge_integrations(&gone);
        assert!(o.verdict.message().contains("which does not exist"), "{o:?}");

        let mut dangling = behind(Some(policy(&[&exec("*")])));
        dangling.routes[1].target = Some("integrations/nope".into());
        let o = judge_integrations(&dangling);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("Target `integrations/nope` names no integration"), "{o:?}");
        assert!(o.verdict.hint().unwrap_or_default().contains("i1, i2"), "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "Quotas for configuring and running a WebSocket in API Gateway" —
    // "Integration timeout: 50 milliseconds - 29 seconds for all integration types"; API Reference
    // (apigatewayv2 Integration) — TimeoutInMillis "between 50 and 29,000 milliseconds for WebSocket APIs …
    // The default timeout is 29 seconds for WebSocket APIs".
    #[test]
    fn the_integration_timeout_is_within_the_websocket_bounds() {
        for (t, ok) in [(50, true), (29_000, true), (49, false), (30_000, false)] {
            let mut b = behind(Some(policy(&[&exec("*")])));
            b.integrations[1].timeout_in_millis = Some(t);
            let o = judge_integrations(&b);
            assert_eq!(o.status() == Status::Pass, ok, "{t}: {o:?}");
            if !ok {
                assert!(o.verdict.hint().unwrap_or_default().contains("--timeout-in-millis 29000"), "{o:?}");
            }
        }
    }

    // AWS: knowledge center "api-gateway-vpc-link-integration" — "For WebSocket APIs, the connectionId is
    // required to send a callback response from the backend. By default, WebSocket APIs don't pass the
    // ConnectionId to VPC link integration": map `integration.request.header.ConnectionId` =
    // `context.connectionId` in RequestParameters; the VPC link is a REST API VPC link.
    #[test]
    fn an_http_backend_that_calls_back_needs_the_connection_id_mapped() {
        let mut b = behind(Some(policy(&[&exec("*")])));
        b.integrations[1] = IntegrationFacts {
            integration_id: "i2".into(),
            integration_type: Some("HTTP_PROXY".into()),
            integration_uri: Some("http://internal-nlb.example.com/ws".into()),
            connection_type: Some("VPC_LINK".into()),
            connection_id: Some("vl1".into()),
            timeout_in_millis: Some(29_000),
            ..IntegrationFacts::default()
        };
        b.vpc_links.insert(
            "vl1".into(),
            Ok(Some(VpcLinkFacts { id: "vl1".into(), status: Some("AVAILABLE".into()), status_message: None })),
        );
        let o = judge_integrations(&b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("does not map `context.connectionId`"), "{o:?}");
        assert!(
            o.verdict.hint().unwrap_or_default().contains(
                r#"--request-parameters '{"integration.request.header.ConnectionId":"context.connectionId"}'"#
            ),
            "{o:?}"
        );
        // Mapped: passes; a backend that never calls back needs no mapping.
        let mut mapped = b.clone();
        mapped.integrations[1].request_parameters =
            vec![("integration.request.header.ConnectionId".into(), "context.connectionId".into())];
        assert_eq!(judge_integrations(&mapped).status(), Status::Pass);
        let mut silent = b.clone();
        silent.calls_back = false;
        assert_eq!(judge_integrations(&silent).status(), Status::Pass);
        // The VPC link's status decides, and an unread one is unknown.
        let mut failed = mapped.clone();
        failed.vpc_links.insert(
            "vl1".into(),
            Ok(Some(VpcLinkFacts {
                id: "vl1".into(),
                status: Some("FAILED".into()),
                status_message: Some("NLB gone".into()),
            })),
        );
        assert!(judge_integrations(&failed).verdict.message().contains("VPC link vl1 is FAILED (NLB gone)"));
        let mut unread = mapped.clone();
        unread.vpc_links.insert("vl1".into(), Err("not read".into()));
        assert!(judge_integrations(&unread).verdict.is_unknown());
    }

    // AWS: API Gateway V2 API Reference, "Integration" (credentialsArn) — the credentials required for the
    // integration: an AWS integration to another service acts with that IAM role.
    #[test]
    fn an_aws_service_integration_needs_a_role() {
        let mut b = behind(Some(policy(&[&exec("*")])));
        b.integrations[1].integration_type = Some("AWS".into());
        b.integrations[1].integration_uri = Some("arn:aws:apigateway:eu-west-1:sqs:path/111122223333/queue".into());
        let o = judge_integrations(&b);
        assert!(o.verdict.message().contains("without a CredentialsArn"), "{o:?}");
        b.integrations[1].credentials_arn = Some("arn:aws:iam::111122223333:role/sqs".into());
        assert_eq!(judge_integrations(&b).status(), Status::Pass);
    }

    fn with_authorizer(identity: &[&str], permission: &[&str]) -> Behind {
        let mut b = behind(Some(policy(&[&exec("*/$connect"), &exec("*/$default")])));
        b.routes[0].authorization_type = Some("CUSTOM".into());
        b.routes[0].authorizer_id = Some("au1".into());
        let auth_fn = "arn:aws:lambda:eu-west-1:111122223333:function:auth";
        b.authorizer = Some(Ok(Some(AuthorizerFacts {
            authorizer_id: "au1".into(),
            authorizer_type: Some("REQUEST".into()),
            authorizer_uri: Some(invocation_uri(auth_fn)),
            identity_source: identity.iter().map(|s| s.to_string()).collect(),
            ..AuthorizerFacts::default()
        })));
        let p = ResourcePolicy::parse(&format!(
            r#"{{"Statement":[{}]}}"#,
            permission
                .iter()
                .map(|arn| format!(
                    r#"{{"Effect":"Allow","Principal":{{"Service":"apigateway.amazonaws.com"}},"Action":"lambda:InvokeFunction","Condition":{{"ArnLike":{{"AWS:SourceArn":"{arn}"}}}}}}"#
                ))
                .collect::<Vec<_>>()
                .join(",")
        ))
        .unwrap();
        let f = FunctionFacts { function_name: "auth".into(), function_arn: auth_fn.into(), ..Default::default() };
        b.functions.insert(auth_fn.into(), FunctionView { function: Ok(Some(f)), policy: Ok(Some(p)) });
        b
    }

    // AWS: knowledge center "api-gateway-401-error-lambda-authorizer" — for request parameter-based Lambda
    // authorizers, API Gateway answers 401 Unauthorized without calling the function "when the configured identity
    // sources are missing, null, empty or invalid"; API Gateway Developer Guide, "Control access to WebSocket APIs
    // with AWS Lambda REQUEST authorizers" — only `$connect` takes one; its identity sources are
    // `route.request.header|querystring.{name}`, stage variables or context values.
    #[test]
    fn the_authorizer_reads_only_what_the_suite_sends() {
        let mut b = with_authorizer(&["route.request.header.Authorization"], &[&exec("authorizers/au1")]);
        let o = judge_authorizer(&b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("header `Authorization`") && o.verdict.message().contains("401"), "{o:?}");
        b.sent_headers = vec!["authorization".into()];
        assert_eq!(judge_authorizer(&b).status(), Status::Pass, "header names compare case-insensitively");

        let mut q =
            with_authorizer(&["route.request.querystring.token", "context.routeKey"], &[&exec("authorizers/au1")]);
        assert!(judge_authorizer(&q).verdict.message().contains("query parameter `token`"));
        q.sent_query = vec!["token".into()];
        assert_eq!(judge_authorizer(&q).status(), Status::Pass, "context values are API Gateway's own");
    }

    // AWS: API Gateway Developer Guide, "Control access to HTTP APIs with AWS Lambda authorizers" — the authorizer's
    // function is invoked with SourceArn `arn:aws:execute-api:{region}:{account}:{api}/authorizers/{authorizer-id}`.
    #[test]
    fn the_authorizer_function_needs_its_own_permission() {
        let mut b = with_authorizer(&["route.request.querystring.token"], &[&exec("*/$connect")]);
        b.sent_query = vec!["token".into()];
        let o = judge_authorizer(&b);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains(&exec("authorizers/au1")), "{o:?}");
        assert!(o.verdict.hint().unwrap_or_default().contains(&format!("--source-arn '{}'", exec("authorizers/au1"))));
    }

    #[test]
    fn the_authorizer_check_skips_without_one_and_fails_a_dangling_or_jwt_one() {
        let b = behind(None);
        assert_eq!(judge_authorizer(&b).status(), Status::Skip);
        let mut dangling = with_authorizer(&[], &[&exec("authorizers/au1")]);
        dangling.authorizer = Some(Ok(None));
        assert!(judge_authorizer(&dangling).verdict.message().contains("names no authorizer"));
        let mut jwt = with_authorizer(&[], &[&exec("authorizers/au1")]);
        if let Some(Ok(Some(a))) = &mut jwt.authorizer {
            a.authorizer_type = Some("JWT".into());
        }
        assert!(judge_authorizer(&jwt).verdict.message().contains("JWT"));
    }

    #[test]
    fn function_arns_come_from_invocation_uris() {
        assert_eq!(lambda_function_arn(&invocation_uri(FUNCTION)), Some(FUNCTION));
        let alias = format!("{FUNCTION}:live");
        assert_eq!(lambda_function_arn(&invocation_uri(&alias)), Some(alias.as_str()));
        assert_eq!(lambda_function_arn(FUNCTION), Some(FUNCTION));
        assert_eq!(lambda_function_arn("https://example.com"), None);
        assert_eq!(
            execute_api_arn("arn:aws-cn:lambda:cn-north-1:1:function:f", None, "cn-north-1", "a", "p/$connect"),
            "arn:aws-cn:execute-api:cn-north-1:1:a/p/$connect"
        );
    }
}
