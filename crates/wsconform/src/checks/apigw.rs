//! `apigw.*` checks: the API, its routes and stage, the custom domain, the
//! API mapping and the execute-api door (docs/architecture.md; the README's check table).

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx, NotApplicable};
use crate::checks::blame::{route_and_blame, route_evidence, undiscovered};
use crate::checks::findings::Findings;
use crate::fix::{Fix, Resource, Wanted, argv};
use crate::ids;
use crate::model::aws::*;
use crate::model::route::{Landing, Layout, first_segment};
use crate::outcome::Outcome;
use crate::suite::{ExecuteApi, Suite};

pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: ids::APIGW_API,
        summary: "the API exists, is a WEBSOCKET API and has the expected route selection expression",
        explain: "Everything else hangs off the API: a wrong id or an HTTP API cannot serve WebSocket clients.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-overview.html",
        requires: &[],
        after: &[],
        applies: needs_api,
        run: run_api,
    },
    CheckDef {
        id: ids::APIGW_ROUTES,
        summary: "the suite's routes ($connect, $default by default) exist and have integration targets",
        explain: "A message no route matches gets `Forbidden` back; a route without a target does nothing. \
                  `$connect`'s AuthorizationType (NONE, AWS_IAM, CUSTOM) is in the evidence. GetRoutes shows the \
                  API as edited, not as deployed: a route, integration or authorizer change reaches clients only \
                  after a deployment to the stage, and GetRoutes carries no date to compare with the stage's \
                  deployment, so a route that exists here but not yet in the deployment is not detected (the e2e \
                  checks see what clients get). Warnings: `$connect` with ApiKeyRequired while the suite sends no \
                  `x-api-key`, required RequestParameters the suite does not send, and the route the suite's message \
                  selects without a RouteResponseSelectionExpression (its integration's answer is not sent back).",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html",
        requires: &[],
        after: &[],
        applies: needs_api,
        run: run_routes,
    },
    CheckDef {
        id: ids::APIGW_INTEGRATIONS,
        summary: "each route's integration exists, API Gateway may invoke its Lambda function, and its VPC link, \
                  connection-id mapping and timeout are right",
        explain: "Behind a route: its Target must name an integration; an AWS_PROXY/AWS integration's Lambda \
                  function must exist and its resource policy (GetPolicy) must let apigateway.amazonaws.com call \
                  lambda:InvokeFunction from `arn:…:execute-api:{region}:{account}:{api}/{stage}/{routeKey}` (ARN \
                  wildcards honoured; a policy without SourceArn allows every API), else every message gets \
                  `Internal server error` and `$connect` a 500. An AWS integration to another service needs a \
                  CredentialsArn. An HTTP/HTTP_PROXY integration needs an http(s) URI; through a VPC link, the REST \
                  API VPC link must be AVAILABLE (its status is read with API Gateway v1, which is not linked: \
                  unknown); when the backend posts to @connections (`[backend] calls_back`, on when e2e.post runs), \
                  `context.connectionId` must be mapped into a header or query parameter. TimeoutInMillis is \
                  50–29,000 ms. A role in CredentialsArn is IAM's to judge: unknown. Each failure gives the command \
                  (`aws lambda add-permission …`, `update-integration …`).",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-integrations.html",
        requires: &[],
        after: &[],
        applies: needs_api,
        run: crate::checks::behind::run_integrations,
    },
    CheckDef {
        id: ids::APIGW_AUTHORIZER,
        summary: "the $connect Lambda authorizer exists, reads only what the suite sends, and may be invoked",
        explain: "A REQUEST authorizer's IdentitySource (`route.request.header.X`, `route.request.querystring.Y`) \
                  must be present in every connect, or API Gateway answers 401 without calling it; the suite's \
                  `[roundtrip] headers`/`query` stand for what clients send (names only are compared). Browsers \
                  cannot set headers on a WebSocket upgrade, so their token travels in the query string; through \
                  CloudFront it must also be forwarded (cloudfront.forwarding). The authorizer's function needs its \
                  own permission, SourceArn `…:{api}/authorizers/{id}`. Skipped when `$connect` has no CUSTOM \
                  authorization.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html",
        requires: &[],
        after: &[],
        applies: needs_api,
        run: crate::checks::behind::run_authorizer,
    },
    CheckDef {
        id: ids::APIGW_STAGE,
        summary: "the stage exists, has a deployment, and its throttling limits are above zero",
        explain: "A stage without a deployment answers 403; burst or rate 0 throttles every connect (429). With \
                  AutoDeploy, a last automatic deployment that failed is a warning: the stage still serves the \
                  previous deployment.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-stages.html",
        requires: &[],
        after: &[],
        applies: needs_api,
        run: run_stage,
    },
    CheckDef {
        id: ids::APIGW_DOMAIN,
        summary: "the custom domain is AVAILABLE, REGIONAL, uses TLS_1_2 and routes by API mappings",
        explain: "WebSocket APIs support only Regional custom domain names, with the TLS_1_2 security policy, and are \
                  reached only through API mappings (routing rules target REST APIs). UPDATING is retried under \
                  --wait; TLS_1_0, an enhanced SecurityPolicy_… or ROUTING_RULE_THEN_API_MAPPING are warnings; \
                  ROUTING_RULE_ONLY fails (API callers cannot use API mappings). MutualTlsAuthentication is a \
                  warning (clients without a trusted certificate are refused). The certificate itself is \
                  acm.certificate's.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-custom-domain-names.html",
        requires: &[],
        after: &[],
        applies: needs_domain,
        run: run_domain,
    },
    CheckDef {
        id: ids::APIGW_MAPPING,
        summary: "the API mapping for the key clients use points at the expected API and stage, with no conflict",
        explain: "Behind a custom domain the first path segment selects the API mapping; multi-level keys are \
                  not supported for WebSocket APIs.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-mappings.html",
        requires: &[],
        after: &[],
        applies: needs_domain,
        run: run_mapping,
    },
    CheckDef {
        id: ids::APIGW_EXECUTE_API_DISABLED,
        summary: "DisableExecuteApiEndpoint matches the suite and the layout",
        explain: "Disabling the execute-api endpoint closes the default door, but layout A reaches the API \
                  through it: every request would get 403. The flag only takes effect after a redeploy. Behind an \
                  AWS_IAM `$connect` the door is knocked on signed, and its 403 is the closed door only when the \
                  same credentials got 101 through the public URL on the same API and stage (e2e.connect): IAM's \
                  resource ARN does not name the host.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-disable-default-endpoint.html",
        requires: &[],
        // Not ordered after e2e.connect (a silent door and upgrade would cost two timeouts): the
        // check waits for e2e.connect's signed 101 only when an AWS_IAM knock got 403.
        after: &[],
        applies: needs_api,
        run: run_execute_api,
    },
];

fn needs_api(s: &Suite) -> Result<(), NotApplicable> {
    if s.api.id.is_some() || s.custom_domain.is_some() || s.cloudfront.is_some() {
        Ok(())
    } else {
        Err(NotApplicable::new("needs `[api] id` (or a custom domain or distribution to discover it)"))
    }
}

fn needs_domain(s: &Suite) -> Result<(), NotApplicable> {
    if s.custom_domain.is_some() || s.cloudfront.is_some() {
        Ok(())
    } else {
        Err(NotApplicable::new("needs `[custom_domain] name`"))
    }
}

/// The API (and stage) a fix's commands address, in the suite's region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiRef<'a> {
    pub api_id: &'a str,
    pub stage: Option<&'a str>,
    pub region: &'a str,
}

impl ApiRef<'_> {
    /// `aws apigatewayv2 {operation} --api-id {id} {args} --region {region}`.
    fn command(&self, operation: &str, args: &[&str]) -> Vec<String> {
        let mut c = argv(["aws", "apigatewayv2", operation, "--api-id", self.api_id]);
        c.extend(args.iter().map(|a| (*a).to_owned()));
        c.extend(argv(["--region", self.region]));
        c
    }

    /// The redeploy that makes an API-level change reach clients: API Gateway serves a stage's
    /// deployment, a snapshot of the API (none without a stage to name).
    fn redeploy(&self) -> Option<Vec<String>> {
        self.stage.map(|s| self.command("create-deployment", &["--stage-name", s]))
    }

    fn fix(&self, field: &str, current: Option<String>, wanted: Wanted, commands: Vec<Vec<String>>) -> Fix {
        Fix {
            resource: Resource {
                kind: "AWS::ApiGatewayV2::Api".into(),
                id: self.api_id.into(),
                region: Some(self.region.into()),
            },
            field: field.into(),
            current,
            wanted,
            commands,
        }
    }

    /// `update-api {args}`, then the redeploy.
    fn update_api_fix(&self, field: &str, current: Option<String>, wanted: &str, args: &[&str]) -> Fix {
        let commands = std::iter::once(self.command("update-api", args)).chain(self.redeploy()).collect();
        self.fix(field, current, Wanted::Value(wanted.into()), commands)
    }

    fn stage_fix(
        &self,
        stage: &str,
        field: &str,
        current: Option<String>,
        wanted: Wanted,
        commands: Vec<Vec<String>>,
    ) -> Fix {
        Fix {
            resource: Resource {
                kind: "AWS::ApiGatewayV2::Stage".into(),
                id: format!("{}/{stage}", self.api_id),
                region: Some(self.region.into()),
            },
            field: field.into(),
            current,
            wanted,
            commands,
        }
    }
}

/// What a throttling fix sets a limit of 0 to: the lowest account-level default of any Region
/// (the quotas page: 2,500 RPS with a burst of 1,250 in the Regions below 10,000), because a route's
/// limits cannot exceed the account's, so the call is accepted in every Region.
const ACCOUNT_BURST_LIMIT: i32 = 1250;
const ACCOUNT_RATE_LIMIT: f64 = 2500.0;

pub fn judge_api(api: Option<&ApiFacts>, at: ApiRef, expected_rse: Option<&str>) -> Outcome {
    let (api_id, region) = (at.api_id, at.region);
    let Some(api) = api else {
        return Outcome::fail(
            format!("API {api_id} does not exist in {region}"),
            "set `[api] id` to the WebSocket API's id (and `region` to its region)",
        );
    };
    let mut f = Findings::new();
    f.evidence("api_id", &api.api_id);
    match api.protocol_type.as_deref() {
        Some("WEBSOCKET") => {}
        Some(p) => f.fail(format!("API {api_id} is a {p} API, not WEBSOCKET"), "point the suite at the WebSocket API"),
        None => f.unknown(format!("API {api_id}: protocolType is not reported by the endpoint")),
    }
    if let Some(want) = expected_rse {
        match api.route_selection_expression.as_deref() {
            Some(got) if got == want => {}
            Some(got) if SelectionExpression::parse(got) == SelectionExpression::parse(want) => {
                f.evidence("route_selection_expression", format!("`{got}` selects as `{want}`"));
            }
            Some(got) => f.fail_with_fix(
                format!("RouteSelectionExpression is `{got}`, the suite expects `{want}`"),
                format!("set RouteSelectionExpression to `{want}`"),
                at.update_api_fix(
                    "RouteSelectionExpression",
                    Some(got.into()),
                    want,
                    &["--route-selection-expression", want],
                ),
            ),
            None => f.unknown(format!("API {api_id}: routeSelectionExpression is not reported by the endpoint")),
        }
    }
    f.outcome(format!(
        "API {api_id}{} is a WEBSOCKET API",
        api.name.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
    ))
}

/// What the suite's clients send and which route its message selects: what the route
/// settings beyond existence are compared with.
#[derive(Debug, Clone, Default)]
pub struct RouteContext {
    /// `[roundtrip] headers` names (compared case-insensitively).
    pub headers: Vec<String>,
    /// `[roundtrip] query` names.
    pub query: Vec<String>,
    /// GetApi's ApiKeySelectionExpression; `None`: not reported or not read.
    pub api_key_selection_expression: Option<String>,
    /// The route key the suite's message selects; `None`: not known.
    pub echo_route: Option<String>,
    /// The API's RouteSelectionExpression and the key the suite's message evaluates to,
    /// when no route has it and there is no `$default`.
    pub unmatched: Option<(String, String)>,
}

/// The API key selection expression that reads the key from the Lambda authorizer.
const KEY_FROM_AUTHORIZER: &str = "$context.authorizer.usageIdentifierKey";

pub fn judge_routes(routes: &[RouteFacts], wanted: &[String], cx: &RouteContext) -> Outcome {
    let mut f = Findings::new();
    f.evidence("routes", routes.iter().map(|r| r.route_key.as_str()).collect::<Vec<_>>().join(", "));
    // Only `$connect` can have an authorizer; what it demands is what a client (and a probe) must send.
    if let Some(c) = routes.iter().find(|r| r.route_key == "$connect") {
        f.evidence("connect_authorization", c.authorization_type.as_deref().unwrap_or("not reported"));
        judge_connect_request(&mut f, c, cx);
    }
    for w in wanted {
        match routes.iter().find(|r| &r.route_key == w) {
            None => f.fail_with_fix(
                format!("route `{w}` does not exist"),
                format!("create the route `{w}` with an integration and redeploy"),
                route_words(
                    w,
                    "RouteKey",
                    None,
                    format!("a route `{w}` whose Target is an integration, then a deployment"),
                ),
            ),
            Some(r) if r.target.as_deref().is_none_or(str::is_empty) => f.fail_with_fix(
                format!("route `{w}` has no target"),
                format!("set route `{w}` Target to `integrations/{{integration id}}` and redeploy"),
                route_words(
                    r.route_id.as_deref().unwrap_or(w),
                    "Target",
                    None,
                    "`integrations/{integration id}` of the integration that serves it, then a deployment".into(),
                ),
            ),
            Some(_) => {}
        }
    }
    if let Some((rse, key)) = &cx.unmatched {
        let keys: Vec<&str> = routes.iter().map(|r| r.route_key.as_str()).filter(|k| !k.starts_with('$')).collect();
        f.fail(
            format!(
                "the suite's message selects route key `{key}` under RouteSelectionExpression `{rse}`, and the API \
                 has no such route and no `$default`: API Gateway answers every such message `Forbidden`"
            ),
            format!(
                "create the route `{key}` (or `$default`) with an integration and redeploy, or make `[roundtrip] send` \
                 select an existing route ({})",
                if keys.is_empty() { "the API has only `$` routes".to_owned() } else { keys.join(", ") }
            ),
        );
    }
    if let Some(key) = &cx.echo_route
        && let Some(r) = routes.iter().find(|r| &r.route_key == key)
    {
        f.evidence("echo_route", key);
        // Without a route response the integration's answer is dropped; a backend that
        // answers through @connections still reaches the client, so this is never a failure.
        if r.route_response_selection_expression.is_none() && r.target.as_deref().is_some_and(|t| !t.is_empty()) {
            f.warn(
                format!(
                    "route `{key}`, which the suite's message selects, has no RouteResponseSelectionExpression: API \
                     Gateway does not send the integration's response back to the client, so the reply arrives only \
                     if the backend posts it to @connections (else e2e.echo times out)"
                ),
                format!(
                    "set route `{key}` RouteResponseSelectionExpression to `$default` and create its `$default` route \
                     response (aws apigatewayv2 create-route-response --route-response-key '$default'), then redeploy \
                     (not needed if the backend replies through @connections)"
                ),
            );
        }
    }
    f.outcome(format!("routes {} exist with targets", wanted.join(", ")))
}

/// A route fix that is not one value: which integration a route should target is the API's
/// design, not a fact wsconform reads.
fn route_words(id: &str, field: &str, current: Option<String>, wanted: String) -> Fix {
    Fix {
        resource: Resource { kind: "AWS::ApiGatewayV2::Route".into(), id: id.into(), region: None },
        field: field.into(),
        current,
        wanted: Wanted::Words(wanted),
        commands: vec![],
    }
}

/// `$connect`'s ApiKeyRequired and required RequestParameters, against what the suite sends.
fn judge_connect_request(f: &mut Findings, c: &RouteFacts, cx: &RouteContext) {
    let sends_header = |name: &str| cx.headers.iter().any(|h| h.eq_ignore_ascii_case(name));
    if c.api_key_required == Some(true) {
        match cx.api_key_selection_expression.as_deref() {
            Some(KEY_FROM_AUTHORIZER) => {
                f.evidence("connect_api_key", "required, returned by the Lambda authorizer (usageIdentifierKey)")
            }
            expr if sends_header("x-api-key") => f.evidence(
                "connect_api_key",
                format!("required ({}), sent by the suite", expr.unwrap_or("$request.header.x-api-key")),
            ),
            expr => {
                f.evidence("connect_api_key", format!("required ({})", expr.unwrap_or("$request.header.x-api-key")));
                f.warn(
                    "`$connect` has ApiKeyRequired true: API Gateway answers 403 Forbidden to every connect without an \
                     `x-api-key` header holding a key of a usage plan for this stage, and the suite's `[roundtrip] \
                     headers` send none, so its connects will be refused",
                    "add `x-api-key = \"${API_KEY}\"` to `[roundtrip] headers` (a key of the stage's usage plan), or set \
                     the `$connect` route's ApiKeyRequired to false and redeploy",
                );
            }
        }
    }
    let required: Vec<&str> = c.request_parameters.iter().filter(|(_, r)| *r).map(|(n, _)| n.as_str()).collect();
    if required.is_empty() {
        return;
    }
    f.evidence("connect_required_parameters", required.join(", "));
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|p| {
            if let Some(h) = p.strip_prefix("route.request.header.") {
                !sends_header(h)
            } else if let Some(q) = p.strip_prefix("route.request.querystring.") {
                !cx.query.iter().any(|n| n == q)
            } else {
                false
            }
        })
        .collect();
    if !missing.is_empty() {
        f.warn(
            format!(
                "`$connect` declares required request parameters that the suite's `[roundtrip]` does not send: {} \
                 (API Gateway validates route request parameters; what a connect without them gets is not documented)",
                missing.join(", ")
            ),
            format!(
                "send them from `[roundtrip] headers` / `query` as clients do, or set RequestParameters[\"{}\"].Required \
                 to false on the `$connect` route and redeploy",
                missing[0]
            ),
        );
    }
}

/// `deployments`: the API's deployments, asked when the stage reports no
/// deploymentId (`None`: not asked). When they cannot be listed the stage is
/// unknown, retryable if the listing failed for a passing reason (throttling,
/// a 5xx, a timeout) rather than for good (an endpoint without the operation).
/// `served`: the public URL where `e2e.connect` got 101 in this run, when the
/// route lands on this API and stage; it decides that unknown (a stage serves
/// clients only once a deployment is made to it), and nothing else.
pub fn judge_stage(
    stage: Option<&StageFacts>,
    at: ApiRef,
    name: &str,
    deployments: Option<Result<usize, &crate::facts::Error>>,
    served: Option<&str>,
) -> Outcome {
    let api_id = at.api_id;
    let at = ApiRef { stage: Some(name), ..at };
    let deploy = || at.command("create-deployment", &["--stage-name", name]);
    let Some(s) = stage else {
        return Outcome::fail(
            format!("API {api_id} has no stage `{name}`"),
            format!("create the stage `{name}` and deploy to it (stage names are case-sensitive)"),
        )
        .with_fix(at.stage_fix(
            name,
            "StageName",
            None,
            Wanted::Value(name.into()),
            vec![at.command("create-stage", &["--stage-name", name]), deploy()],
        ));
    };
    let mut f = Findings::new();
    let mut transient = false;
    match &s.deployment_id {
        Some(d) => f.evidence("deployment_id", d),
        // GetStage omits deploymentId when the stage has never been deployed; an endpoint that
        // cannot list deployments (an emulator without them) leaves that unconfirmed.
        None => match (deployments, served) {
            (Some(Err(why)), Some(url)) => f.evidence(
                "deployment",
                format!(
                    "GetStage reports no deploymentId and the API's deployments could not be listed ({why}), \
                     but e2e.connect got 101 Switching Protocols from {url}, which lands on stage `{name}`: \
                     a stage serves clients only once a deployment is made to it"
                ),
            ),
            (Some(Err(why)), None) => {
                transient = why.is_transient();
                f.unknown(format!(
                    "stage `{name}` reports no deploymentId and the API's deployments could not be listed ({why})"
                ))
            }
            (listed, _) => {
                if let Some(Ok(n)) = listed {
                    f.evidence("api_deployments", n);
                }
                f.fail_with_fix(
                    format!("stage `{name}` has no deployment (GetStage reports no deploymentId): API Gateway answers 403"),
                    format!("create a deployment for stage `{name}` (aws apigatewayv2 create-deployment --stage-name {name})"),
                    at.stage_fix(name, "DeploymentId", None, Wanted::Words("a deployment of the API".into()), vec![deploy()]),
                )
            }
        },
    }
    // Absent limits are not a problem: the account's per-region limits apply.
    // A limit set to 0, on the stage's defaults or on one route, throttles every request.
    let limits = |b: Option<i32>, r: Option<f64>| {
        [b.map(|b| format!("burst {b}")), r.map(|r| format!("rate {r}"))].into_iter().flatten().collect::<Vec<_>>()
    };
    let zero = |b: Option<i32>, r: Option<f64>| b.is_some_and(|b| b <= 0) || r.is_some_and(|r| r <= 0.0);
    let defaults = limits(s.throttling_burst_limit, s.throttling_rate_limit);
    f.evidence(
        "throttling",
        if defaults.is_empty() {
            "account-level limits (DefaultRouteSettings sets none)".into()
        } else {
            defaults.join(", ")
        },
    );
    let account = || {
        format!(
            "burst {ACCOUNT_BURST_LIMIT}, rate {ACCOUNT_RATE_LIMIT} (the lowest account default of any Region; raise them to what the API needs)"
        )
    };
    if zero(s.throttling_burst_limit, s.throttling_rate_limit) {
        let settings = format!("ThrottlingBurstLimit={ACCOUNT_BURST_LIMIT},ThrottlingRateLimit={ACCOUNT_RATE_LIMIT}");
        f.fail_with_fix(
            format!("stage `{name}` DefaultRouteSettings throttling is {}: every request gets 429", defaults.join(", ")),
            "set DefaultRouteSettings.ThrottlingBurstLimit and ThrottlingRateLimit above 0 (or remove them for the account's limits)",
            at.stage_fix(
                name,
                "DefaultRouteSettings.ThrottlingBurstLimit, ThrottlingRateLimit",
                Some(defaults.join(", ")),
                Wanted::AtLeast(format!("1 each; the command sets {}", account())),
                vec![at.command("update-stage", &["--stage-name", name, "--default-route-settings", &settings])],
            ),
        );
    }
    for (route, b, r) in &s.route_throttling {
        f.evidence(format!("throttling.{route}"), limits(*b, *r).join(", "));
        if zero(*b, *r) {
            let limits_now = limits(*b, *r).join(", ");
            // RouteSettings is a map keyed by route key: JSON, so a `$` key stays one value.
            let settings = serde_json::json!({ route: {
                "ThrottlingBurstLimit": ACCOUNT_BURST_LIMIT,
                "ThrottlingRateLimit": ACCOUNT_RATE_LIMIT,
            }})
            .to_string();
            f.fail_with_fix(
                format!("stage `{name}` RouteSettings[\"{route}\"] throttling is {limits_now}: every `{route}` request gets 429"),
                format!("set RouteSettings[\"{route}\"].ThrottlingBurstLimit and ThrottlingRateLimit above 0, or remove them"),
                at.stage_fix(
                    name,
                    &format!("RouteSettings[\"{route}\"].ThrottlingBurstLimit, ThrottlingRateLimit"),
                    Some(limits_now),
                    Wanted::AtLeast(format!("1 each; the command sets {}", account())),
                    vec![at.command("update-stage", &["--stage-name", name, "--route-settings", &settings])],
                ),
            );
        }
    }
    judge_auto_deploy(&mut f, s, name);
    let out = f.outcome(format!("stage `{name}` is deployed with non-zero throttling"));
    if transient && out.status() == crate::outcome::Status::Error { out.retryable() } else { out }
}

/// `LastDeploymentStatusMessage` "Describes the status of the last deployment of a stage. Supported
/// only for stages with autoDeploy enabled." Its wording is not documented (AWS writes "Successfully
/// deployed stage with deployment ID '…'" and "Deployment attempt failed: …"): a message saying a
/// deployment failed is a warning quoted verbatim — the stage keeps the deployment its DeploymentId
/// names, so clients are served the API as it was before the update; anything else is evidence.
fn judge_auto_deploy(f: &mut Findings, s: &StageFacts, name: &str) {
    if s.auto_deploy != Some(true) {
        return;
    }
    f.evidence("auto_deploy", true);
    let Some(message) = &s.last_deployment_status_message else { return };
    f.evidence("last_deployment_status", message);
    if !message.to_ascii_lowercase().contains("fail") {
        return;
    }
    let serves = match &s.deployment_id {
        Some(d) => format!("the stage still serves deployment {d}"),
        None => "the stage serves no deployment".to_owned(),
    };
    f.warn(
        format!(
            "the last automatic deployment of stage `{name}` failed ({message}): {serves}, without the API's latest \
             routes and integrations"
        ),
        format!(
            "fix what the message names (aws apigatewayv2 get-stage --stage-name {name} → \
             LastDeploymentStatusMessage); with AutoDeploy the next change to the API deploys it again"
        ),
    );
}

/// The security policies a custom domain may report: `TLS_1_2` is the one
/// WebSocket APIs support; `TLS_1_0` and the enhanced `SecurityPolicy_…`
/// ones are REST API choices.
fn judge_security_policy(f: &mut Findings, d: &DomainFacts, region: &str) {
    const FIX: &str = "set the custom domain's SecurityPolicy to TLS_1_2 (aws apigatewayv2 update-domain-name \
                       --domain-name … --domain-name-configurations …,SecurityPolicy=TLS_1_2)";
    let name = d.domain_name.as_str();
    // UpdateDomainName takes the whole DomainNameConfigurations: the certificate must be named again.
    let fix = |current: &str| {
        let commands = match &d.certificate_arn {
            Some(arn) => {
                let configurations = serde_json::json!([{
                    "CertificateArn": arn,
                    "EndpointType": "REGIONAL",
                    "SecurityPolicy": "TLS_1_2",
                }])
                .to_string();
                vec![argv([
                    "aws",
                    "apigatewayv2",
                    "update-domain-name",
                    "--domain-name",
                    name,
                    "--domain-name-configurations",
                    &configurations,
                    "--region",
                    region,
                ])]
            }
            None => vec![],
        };
        domain_fix(
            name,
            region,
            "DomainNameConfigurations[0].SecurityPolicy",
            Some(current),
            Wanted::Value("TLS_1_2".into()),
            commands,
        )
    };
    match d.security_policy.as_deref() {
        None => f.unknown(format!("custom domain {name}: securityPolicy is not reported by the endpoint")),
        Some(p @ "TLS_1_2") => f.evidence("securityPolicy", p),
        // The handshake for a WebSocket API uses the API's policy (TLS_1_2), and no page says a
        // mapping cannot exist on such a domain: clients on TLS 1.2+ work, the setting is unsupported.
        Some(p @ "TLS_1_0") => {
            f.evidence("securityPolicy", p);
            f.warn_with_fix(
                format!(
                    "custom domain {name} securityPolicy is TLS_1_0: WebSocket custom domains support only TLS 1.2 \
                     (API Gateway enforces TLS_1_2 on WebSocket APIs, so clients still need TLS 1.2)"
                ),
                FIX,
                fix(p),
            );
        }
        Some(p) if p.starts_with("SecurityPolicy_") => {
            f.evidence("securityPolicy", p);
            f.warn_with_fix(
                format!(
                    "custom domain {name} uses the enhanced security policy {p}, which API Gateway documents for \
                     REST APIs only (WebSocket APIs support only TLS_1_2): clients that it refuses cannot connect, \
                     and whether the WebSocket mapping is served under it is not documented"
                ),
                FIX,
                fix(p),
            );
        }
        Some(p) => {
            f.evidence("securityPolicy", p);
            f.unknown(format!("custom domain {name}: securityPolicy {p} is not a documented API Gateway policy"));
        }
    }
}

/// `RoutingMode`: WebSocket APIs are reached only through API mappings.
fn judge_routing_mode(f: &mut Findings, name: &str, region: &str, mode: Option<&str>) {
    let fix = format!(
        "set RoutingMode to API_MAPPING_ONLY (aws apigatewayv2 update-domain-name --domain-name {name} --routing-mode API_MAPPING_ONLY)"
    );
    let as_data = |current: &str| {
        let command = argv([
            "aws",
            "apigatewayv2",
            "update-domain-name",
            "--domain-name",
            name,
            "--routing-mode",
            "API_MAPPING_ONLY",
            "--region",
            region,
        ]);
        domain_fix(name, region, "RoutingMode", Some(current), Wanted::Value("API_MAPPING_ONLY".into()), vec![command])
    };
    match mode {
        // Every domain that predates routing rules, and every new one by default.
        None => f.evidence("routingMode", "API_MAPPING_ONLY (not reported: the default)"),
        Some(m @ "API_MAPPING_ONLY") => f.evidence("routingMode", m),
        Some(m @ "ROUTING_RULE_ONLY") => {
            f.evidence("routingMode", m);
            f.fail_with_fix(
                format!(
                    "custom domain {name} routingMode is ROUTING_RULE_ONLY: API callers cannot use API mappings, and a \
                     WebSocket API cannot be a routing rule's target, so no WebSocket client reaches the API"
                ),
                fix,
                as_data(m),
            );
        }
        Some(m @ "ROUTING_RULE_THEN_API_MAPPING") => {
            f.evidence("routingMode", m);
            f.warn_with_fix(
                format!(
                    "custom domain {name} routingMode is ROUTING_RULE_THEN_API_MAPPING: routing rules (which target REST \
                     APIs only) are evaluated before the API mappings, so a rule matching the path clients use takes \
                     them away from the WebSocket API (the rules are not read)"
                ),
                format!("{fix}, or check that no rule matches (aws apigatewayv2 list-routing-rules --domain-name {name})"),
                as_data(m),
            );
        }
        Some(m) => {
            f.evidence("routingMode", m);
            f.unknown(format!("custom domain {name}: routingMode {m} is not a documented API Gateway routing mode"));
        }
    }
}

/// `MutualTlsAuthentication`: with a truststore, only clients presenting a certificate it
/// trusts get through the handshake. Clients may well have one (wsconform's probes do not),
/// and mutual TLS is documented for REST and HTTP APIs only: warnings, never failures.
fn judge_mutual_tls(f: &mut Findings, name: &str, region: &str, mtls: Option<&MutualTlsFacts>) {
    let Some(m) = mtls else { return };
    let uri = m.truststore_uri.as_deref().unwrap_or("?");
    f.evidence(
        "mutualTls",
        format!(
            "truststore {uri}{}",
            m.truststore_version.as_deref().map(|v| format!(" (version {v})")).unwrap_or_default()
        ),
    );
    f.warn_with_fix(
        format!(
            "custom domain {name} requires mutual TLS (truststore {uri}): clients that present no certificate the \
             truststore trusts are refused in the TLS handshake (wsconform's probes present none), and mutual TLS is \
             documented for REST and HTTP APIs, not WebSocket APIs"
        ),
        format!(
            "give clients certificates from the truststore's CA, or turn mutual TLS off (aws apigatewayv2 \
             update-domain-name --domain-name {name} … without MutualTlsAuthentication)"
        ),
        domain_fix(
            name,
            region,
            "MutualTlsAuthentication",
            Some(uri),
            Wanted::Words("clients hold certificates the truststore trusts, or no MutualTlsAuthentication".into()),
            vec![],
        ),
    );
    if !m.truststore_warnings.is_empty() {
        f.warn(
            format!(
                "custom domain {name}'s truststore has warnings ({}): mutual TLS is still on, but clients with those \
                 certificates may not get through",
                m.truststore_warnings.join("; ")
            ),
            "upload a corrected truststore to S3 and update the domain's MutualTlsAuthentication.TruststoreVersion",
        );
    }
}

/// A fix to custom domain `name`.
fn domain_fix(
    name: &str,
    region: &str,
    field: &str,
    current: Option<&str>,
    wanted: Wanted,
    commands: Vec<Vec<String>>,
) -> Fix {
    Fix {
        resource: Resource {
            kind: "AWS::ApiGatewayV2::DomainName".into(),
            id: name.into(),
            region: Some(region.into()),
        },
        field: field.into(),
        current: current.map(str::to_owned),
        wanted,
        commands,
    }
}

pub fn judge_domain(d: Option<&DomainFacts>, name: &str, region: &str) -> Outcome {
    let Some(d) = d else {
        return Outcome::fail(
            format!("API Gateway custom domain {name} does not exist in the region"),
            format!("create the regional custom domain {name} (or fix `[custom_domain] name`)"),
        )
        .with_fix(domain_fix(
            name,
            region,
            "DomainName",
            None,
            Wanted::Words(format!("a REGIONAL custom domain {name} with an ACM certificate for it in {region}")),
            vec![],
        ));
    };
    let mut f = Findings::new();
    // domainNameStatus is the status of the domain name's last change: API Gateway documents that
    // UPDATING only locks further changes, and that an expired ownership verification certificate
    // (PENDING_OWNERSHIP_VERIFICATION) locks updates but is not used in the TLS handshake.
    let mut settling = false;
    match d.status.as_deref() {
        None => f.unknown(format!("custom domain {name}: domainNameStatus is not reported by the endpoint")),
        Some(s @ "AVAILABLE") => f.evidence("domainNameStatus", s),
        Some(s @ "UPDATING") => {
            f.evidence("domainNameStatus", s);
            settling = true;
            f.unknown(format!(
                "custom domain {name} is UPDATING: a change is in progress (API Gateway documents only that the domain \
                 cannot be modified until it completes, not what clients get meanwhile); wait until it is AVAILABLE (--wait)"
            ));
        }
        Some(s @ "PENDING_OWNERSHIP_VERIFICATION") => {
            f.evidence("domainNameStatus", s);
            f.warn(
                format!(
                    "custom domain {name} is PENDING_OWNERSHIP_VERIFICATION: its ownership verification certificate is \
                     not valid, so every update to the domain is locked (that certificate is not used in the TLS handshake)"
                ),
                "set OwnershipVerificationCertificateArn to a valid ACM-issued certificate for the domain",
            );
        }
        Some(s @ "PENDING_CERTIFICATE_REIMPORT") => {
            f.evidence("domainNameStatus", s);
            f.unknown(format!(
                "custom domain {name} is PENDING_CERTIFICATE_REIMPORT: API Gateway waits for its certificate to be \
                 reimported into ACM; what clients get meanwhile is not documented (reimport the certificate)"
            ));
        }
        Some(s) => {
            f.evidence("domainNameStatus", s);
            f.unknown(format!("custom domain {name}: domainNameStatus {s} is not a documented status"));
        }
    }
    match d.endpoint_type.as_deref() {
        None => f.unknown(format!("custom domain {name}: endpointType is not reported by the endpoint")),
        Some(t @ "REGIONAL") => f.evidence("endpointType", t),
        Some(t) => f.fail_with_fix(
            format!("custom domain {name} endpointType is {t}: WebSocket APIs support only Regional custom domain names"),
            format!("create {name} as a REGIONAL custom domain (endpointType REGIONAL) with a certificate in the API's region"),
            domain_fix(
                name,
                region,
                "DomainNameConfigurations[0].EndpointType",
                Some(t),
                Wanted::Words(format!("REGIONAL: {name} created again as a Regional custom domain")),
                vec![],
            ),
        ),
    }
    judge_security_policy(&mut f, d, region);
    judge_routing_mode(&mut f, name, region, d.routing_mode.as_deref());
    judge_mutual_tls(&mut f, name, region, d.mutual_tls.as_ref());
    // IPv4 is served either way (`dualstack` adds IPv6): no client is kept from the API by it.
    if let Some(t) = &d.ip_address_type {
        f.evidence("ipAddressType", t);
    }
    if let Some(t) = &d.api_gateway_domain_name {
        f.evidence("regional_target", t);
    }
    let out = f.outcome(format!("custom domain {name} is AVAILABLE, REGIONAL, TLS_1_2 and served by its API mappings"));
    if settling && out.status() == crate::outcome::Status::Error { out.retryable() } else { out }
}

/// What `apigw.mapping` compares against.
#[derive(Debug, Clone, Default)]
pub struct MappingExpectation {
    pub domain: String,
    /// The first path segment API Gateway gets (from the URL or the route).
    pub path_key: String,
    /// `[custom_domain] mapping_key`, when the suite gives it.
    pub suite_key: Option<String>,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    /// The suite's region: where the domain name and its mappings are.
    pub region: String,
}

/// An API mapping of `domain`: by its id when known, else by `{domain}/{key}`.
fn mapping_resource(domain: &str, id: Option<&str>, key: &str, region: &str) -> Resource {
    Resource {
        kind: "AWS::ApiGatewayV2::ApiMapping".into(),
        id: id.map_or_else(|| format!("{domain}/{key}"), str::to_owned),
        region: Some(region.into()),
    }
}

/// `aws apigatewayv2 update-api-mapping` of mapping `id` on `domain`: the call names the API the
/// mapping (then) maps to, and `args` set the other fields.
fn update_mapping_command(domain: &str, id: &str, api_id: &str, args: &[&str], region: &str) -> Vec<String> {
    let mut c = argv([
        "aws",
        "apigatewayv2",
        "update-api-mapping",
        "--domain-name",
        domain,
        "--api-mapping-id",
        id,
        "--api-id",
        api_id,
    ]);
    c.extend(args.iter().map(|a| (*a).to_owned()));
    c.extend(argv(["--region", region]));
    c
}

/// `update-api-mapping` of mapping `m` on `domain` setting one field (`--stage`, `--api-mapping-key`);
/// the call needs the mapping's id and its ApiId, so without them the fix has no command.
fn mapping_fix(
    domain: &str,
    m: &MappingFacts,
    region: &str,
    field: &str,
    flag: &str,
    current: &str,
    wanted: &str,
) -> Fix {
    let commands = match (&m.api_mapping_id, &m.api_id) {
        (Some(id), Some(api)) => vec![update_mapping_command(domain, id, api, &[flag, wanted], region)],
        _ => vec![],
    };
    Fix {
        resource: mapping_resource(domain, m.api_mapping_id.as_deref(), &m.api_mapping_key, region),
        field: field.into(),
        current: Some(current.into()),
        wanted: Wanted::Value(wanted.into()),
        commands,
    }
}

/// `create-api-mapping` of `key` to the suite's API and stage; without both, the fix is words.
fn create_mapping_fix(domain: &str, key: &str, e: &MappingExpectation) -> Fix {
    let (commands, wanted) = match (&e.api_id, &e.stage) {
        (Some(api), Some(stage)) => {
            let mut c = argv(["aws", "apigatewayv2", "create-api-mapping", "--domain-name", domain]);
            // An empty key is the domain's root mapping: the call then takes no ApiMappingKey.
            if !key.is_empty() {
                c.extend(argv(["--api-mapping-key", key]));
            }
            c.extend(argv(["--api-id", api, "--stage", stage, "--region", &e.region]));
            (vec![c], Wanted::Value(format!("`{key}` → API {api} stage {stage}")))
        }
        _ => (vec![], Wanted::Words(format!("a mapping `{key}` to the API and stage clients must reach"))),
    };
    Fix {
        resource: mapping_resource(domain, None, key, &e.region),
        field: "ApiMappingKey".into(),
        current: None,
        wanted,
        commands,
    }
}

pub fn judge_mapping(mappings: &[MappingFacts], e: &MappingExpectation) -> Outcome {
    let mut f = Findings::new();
    let domain = &e.domain;
    let key = e.suite_key.clone().unwrap_or_else(|| e.path_key.clone());
    f.evidence("mapping_key", &key);
    f.evidence(
        "mappings",
        mappings
            .iter()
            .map(|m| {
                format!(
                    "`{}` → {} {}",
                    m.api_mapping_key,
                    m.api_id.as_deref().unwrap_or("?"),
                    m.stage.as_deref().unwrap_or("?")
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    );
    if let Some(k) = &e.suite_key
        && !k.is_empty()
        && *k != e.path_key
    {
        f.fail(
            format!("the mapping key `{k}` is not the first path segment clients send (`{}`)", e.path_key),
            format!("connect to `/{k}`, or set `[custom_domain] mapping_key` and ApiMappingKey to `{}`", e.path_key),
        );
    }
    let with_key: Vec<&MappingFacts> = mappings.iter().filter(|m| m.api_mapping_key == key).collect();
    match with_key.as_slice() {
        [] => {
            let to_api = mappings.iter().find(|m| e.api_id.is_some() && m.api_id == e.api_id);
            match to_api {
                Some(m) => f.fail_with_fix(
                    format!(
                        "{domain} has no mapping `{key}`; the API's mapping key is `{}` while clients connect to `/{key}`: 403",
                        m.api_mapping_key
                    ),
                    format!("set ApiMappingKey to `{key}` (or have clients connect to `/{}`)", m.api_mapping_key),
                    mapping_fix(domain, m, &e.region, "ApiMappingKey", "--api-mapping-key", &m.api_mapping_key, &key),
                ),
                None => f.fail_with_fix(
                    format!("{domain} has no API mapping `{key}`: 403"),
                    format!(
                        "create an API mapping on {domain} with ApiMappingKey `{key}` → API {} stage {}",
                        e.api_id.as_deref().unwrap_or("{api}"),
                        e.stage.as_deref().unwrap_or("{stage}")
                    ),
                    create_mapping_fix(domain, &key, e),
                ),
            }
        }
        [m] => {
            if let (Some(want), got) = (&e.api_id, m.api_id.as_deref())
                && got != Some(want.as_str())
            {
                // update-api-mapping names the API it maps to: `--api-id` is the new value.
                let commands = match &m.api_mapping_id {
                    Some(id) => vec![update_mapping_command(domain, id, want, &[], &e.region)],
                    None => vec![],
                };
                f.fail_with_fix(
                    format!("mapping `{key}` points at API {}, expected {want}", got.unwrap_or("(none)")),
                    format!("set the mapping's ApiId to {want}"),
                    Fix {
                        field: "ApiId".into(),
                        current: got.map(str::to_owned),
                        wanted: Wanted::Value(want.clone()),
                        commands,
                        resource: mapping_resource(domain, m.api_mapping_id.as_deref(), &key, &e.region),
                    },
                );
            }
            if let (Some(want), got) = (&e.stage, m.stage.as_deref())
                && got != Some(want.as_str())
            {
                f.fail_with_fix(
                    format!("mapping `{key}` points at stage `{}`, expected `{want}`", got.unwrap_or("(none)")),
                    format!("set the mapping's Stage to `{want}`"),
                    mapping_fix(domain, m, &e.region, "Stage", "--stage", got.unwrap_or(""), want),
                );
            }
        }
        many => f.fail_with_fix(
            format!("{domain} has {} mappings with key `{key}`", many.len()),
            "delete the conflicting API mappings so one remains",
            Fix {
                resource: mapping_resource(domain, None, &key, &e.region),
                field: "ApiMappingKey".into(),
                current: Some(format!("{} mappings", many.len())),
                wanted: Wanted::Words(
                    "one mapping with this key: delete the others (aws apigatewayv2 delete-api-mapping)".into(),
                ),
                commands: vec![],
            },
        ),
    }
    let target = with_key
        .first()
        .map(|m| format!("{} stage {}", m.api_id.as_deref().unwrap_or("?"), m.stage.as_deref().unwrap_or("?")));
    f.outcome(format!("{domain} mapping `{key}` → API {}", target.unwrap_or_default()))
}

/// The config half of `apigw.execute-api-disabled`: the flag vs the suite,
/// and vs the layout (layout A reaches the API through that very door).
pub fn judge_execute_api_config(
    flag: Option<bool>,
    expected: Option<ExecuteApi>,
    layout: Option<Layout>,
    at: Option<ApiRef>,
) -> Outcome {
    // The flag takes effect on deployment (the WebSocket page on disabling the default endpoint).
    let set = |wanted: bool| {
        at.map(|at| {
            let flag = if wanted { "--disable-execute-api-endpoint" } else { "--no-disable-execute-api-endpoint" };
            at.update_api_fix("DisableExecuteApiEndpoint", Some((!wanted).to_string()), &wanted.to_string(), &[flag])
        })
    };
    let Some(disabled) = flag else {
        return Outcome::error("disableExecuteApiEndpoint is not reported by the endpoint");
    };
    let mut f = Findings::new();
    f.evidence("disable_execute_api_endpoint", disabled);
    if let Some(l) = layout {
        f.evidence("layout", l);
    }
    let mut fail = |message: &str, hint: &str, wanted: bool| match set(wanted) {
        Some(fix) => f.fail_with_fix(message, hint, fix),
        None => f.fail(message, hint),
    };
    if layout == Some(Layout::A) && disabled {
        fail(
            "CloudFront reaches this API through its execute-api host, which is disabled: every request will get 403",
            "set DisableExecuteApiEndpoint to false and redeploy, or move to a custom domain (layout B or D)",
            false,
        );
    } else if expected == Some(ExecuteApi::Disabled) && !disabled {
        fail(
            "the execute-api endpoint is enabled but the suite says it must be disabled: clients can bypass CloudFront and the custom domain",
            "set DisableExecuteApiEndpoint to true and redeploy the stage (the flag takes effect on deployment)",
            true,
        );
    } else if expected == Some(ExecuteApi::Enabled) && disabled {
        fail(
            "the execute-api endpoint is disabled but the suite says it must be enabled",
            "set DisableExecuteApiEndpoint to false and redeploy, or set `[api] execute_api = \"disabled\"`",
            false,
        );
    }
    let state = if disabled { "disabled" } else { "enabled" };
    let note = if expected.is_none() { " (the suite does not say which it expects)" } else { "" };
    f.outcome(format!("the execute-api endpoint is {state} as configured{note}"))
}

// ---------------------------------------------------------------------------
// Runs.

macro_rules! tri {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return Outcome::from(e),
        }
    };
}

/// The API id or stage: one the route could not give because the route is
/// broken skips the check as a consequence of the route check that fails.
macro_rules! discovered {
    ($ctx:expr, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return undiscovered(&$ctx, e).await,
        }
    };
}

fn run_api(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let id = discovered!(ctx, aws.api_id().await);
        let api = tri!(aws.api(&id).await);
        let stage = aws.stage_name().await.ok();
        let at = ApiRef { api_id: &id, stage: stage.as_deref(), region: &ctx.suite.region };
        judge_api(api.as_deref(), at, ctx.suite.api.route_selection_expression.as_deref())
    })
}

fn run_routes(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let id = discovered!(ctx, aws.api_id().await);
        let routes = tri!(aws.routes(&id).await);
        // The API's expressions decide the echo route and where the key is read; without them
        // those rules are not judged.
        let api = aws.api(&id).await.ok().flatten();
        let rt = &ctx.suite.roundtrip;
        let rse = api.as_ref().and_then(|a| a.route_selection_expression.clone());
        let selection = rse.as_deref().map(|rse| select_route(rse, &rt.send, &routes));
        let cx = RouteContext {
            headers: rt.headers.iter().map(|(k, _)| k.clone()).collect(),
            query: rt.query.iter().map(|(k, _)| k.clone()).collect(),
            api_key_selection_expression: api.as_ref().and_then(|a| a.api_key_selection_expression.clone()),
            echo_route: match &selection {
                Some(Selection::Route(k)) => Some(k.clone()),
                _ => None,
            },
            unmatched: match (&selection, rse) {
                (Some(Selection::Unmatched(k)), Some(rse)) => Some((rse, k.clone())),
                _ => None,
            },
        };
        judge_routes(&routes, &ctx.suite.api.routes, &cx)
    })
}

fn run_stage(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let id = discovered!(ctx, aws.api_id().await);
        let name = discovered!(ctx, aws.stage_name().await);
        let stage = tri!(aws.stage(&id, &name).await);
        let deployments = match stage.as_deref() {
            Some(s) if s.deployment_id.is_none() => Some(aws.deployments(&id).await.map(|d| d.len())),
            _ => None,
        };
        // Only an unknown deployment waits for e2e.connect's attempt (capped by this check's
        // own deadline): its 101 through the public URL, on a route that lands on this API and
        // stage, shows the stage serves. No other verdict is ordered behind the upgrade.
        let served = match &deployments {
            Some(Err(_)) if ctx.runs(ids::E2E_CONNECT) => {
                let deadline = crate::net::Deadline::within_check(ctx.suite.check_timeout, None);
                ctx.facts.live.connect_attempt_ended_by(deadline.at).await;
                let route = route_and_blame(&ctx).await.ok().map(|(r, _)| r);
                upgrade_landed_on(ctx.facts.live.upgrade(), route.as_deref(), &id, &name)
            }
            _ => None,
        };
        judge_stage(
            stage.as_deref(),
            ApiRef { api_id: &id, stage: None, region: &ctx.suite.region },
            &name,
            deployments.as_ref().map(|r| r.as_ref().map(|n| *n)),
            served.as_deref(),
        )
    })
}

/// The public URL of `upgrade` (e2e.connect's 101) when `route`, the way that URL
/// takes, lands on API `api_id` stage `stage`: the stage that answered it.
pub fn upgrade_landed_on(
    upgrade: Option<crate::facts::live::PublicUpgrade>,
    route: Option<&crate::model::route::Route>,
    api_id: &str,
    stage: &str,
) -> Option<String> {
    let (u, r) = (upgrade?, route?);
    (r.api_id() == Some(api_id) && r.stage() == Some(stage)).then_some(u.url)
}

fn run_domain(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let Some(name) = tri!(aws.custom_domain_name().await) else {
            return Outcome::skip("the route does not reach an API Gateway custom domain (no `[custom_domain]`)");
        };
        let d = tri!(aws.domain(&name).await);
        judge_domain(d.as_deref(), &name, &ctx.suite.region)
    })
}

fn run_mapping(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let suite = &ctx.suite;
        let Some(domain) = tri!(aws.custom_domain_name().await) else {
            return Outcome::skip("the route does not reach an API Gateway custom domain (no `[custom_domain]`)");
        };
        if tri!(aws.domain(&domain).await).is_none() {
            return Outcome::skip(format!("custom domain {domain} does not exist (see apigw.domain)"));
        }
        let mappings = tri!(aws.mappings(&domain).await);
        // The first segment API Gateway gets: from the route when it reaches this domain, else the URL.
        let route = aws.route().await.ok();
        let path_key = match route.as_deref().map(|r| (&r.landing, r)) {
            Some((Landing::CustomDomain { domain: d, key, .. }, _)) if normalize_host(d) == domain => key.clone(),
            _ => first_segment(suite.path()).to_owned(),
        };
        let e = MappingExpectation {
            domain,
            path_key,
            suite_key: suite.custom_domain.as_ref().and_then(|c| c.mapping_key.clone()),
            api_id: suite.api.id.clone(),
            stage: suite.api.stage.clone(),
            region: suite.region.clone(),
        };
        let out = judge_mapping(&mappings, &e);
        match route {
            Some(r) => out.with_evidence(route_evidence(&r)),
            None => out,
        }
    })
}

fn run_execute_api(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        // The knock's one deadline starts with the check, so a timeout names its phase
        // (DNS, TCP, TLS, upgrade) before the runner's generic one ends the check.
        let deadline = crate::net::Deadline::within_check(ctx.suite.check_timeout, None);
        let aws = &ctx.facts.aws;
        // Config half: the flag, vs the suite and the layout.
        let (config, flag, api_id) = match aws.api_id().await {
            Err(e) => (undiscovered(&ctx, e).await, None, ctx.suite.api.id.clone()),
            Ok(id) => match aws.api(&id).await {
                Err(e) => (Outcome::from(e), None, Some(id)),
                Ok(None) => (Outcome::skip(format!("API {id} does not exist (see apigw.api)")), None, Some(id)),
                Ok(Some(api)) => {
                    // Without CloudFront or a custom domain there is no layout to contradict; a
                    // deployment one field away from its intended layout is judged by the intent.
                    let found = route_and_blame(&ctx).await.ok();
                    let layout = found.and_then(|(r, blamed)| r.layout.filter(|_| blamed.is_none()));
                    let stage = aws.stage_name().await.ok();
                    let at = ApiRef { api_id: &id, stage: stage.as_deref(), region: &ctx.suite.region };
                    let verdict = judge_execute_api_config(
                        api.disable_execute_api_endpoint,
                        ctx.suite.api.execute_api,
                        layout,
                        Some(at),
                    );
                    (verdict, api.disable_execute_api_endpoint, Some(id))
                }
            },
        };
        // Live half: what the door does is the proof (the flag needs a redeploy).
        let expect_open = match (ctx.suite.api.execute_api, flag) {
            (Some(ExecuteApi::Enabled), _) => Some(true),
            (Some(ExecuteApi::Disabled), _) => Some(false),
            (None, Some(disabled)) => Some(!disabled),
            (None, None) => None,
        };
        let stage = match &ctx.suite.api.stage {
            Some(s) => Some(s.clone()),
            None => aws.stage_name().await.ok(),
        };
        let (Some(expect_open), Some(api_id), Some(stage)) = (expect_open, api_id, stage) else {
            return config;
        };
        let url = format!("wss://{}/{stage}", crate::partition::execute_api_host(&api_id, &ctx.suite.region));
        // What `$connect` demands decides whether a 401/403 can be the authorizer's.
        let connect_auth = match aws.routes(&api_id).await {
            Ok(routes) => match routes.iter().find(|r| r.route_key == "$connect") {
                // No `$connect` route: nothing authorizes the upgrade.
                None => Ok("NONE".to_owned()),
                Some(r) => r.authorization_type.clone().ok_or_else(|| "GetRoutes reports no AuthorizationType".into()),
            },
            Err(e) => Err(e.to_string()),
        };
        // An IAM-authorized `$connect` gets a signed knock, as its clients send.
        let signer =
            match crate::facts::management::iam_signer(&ctx.facts).await.map_err(|e| Outcome::error(e.to_string())) {
                Ok(s) => s,
                Err(o) => return combine_execute_api(config, o),
            };
        let probe = match ctx.facts.net().await {
            Err(e) => return combine_execute_api(config, Outcome::error(e)),
            Ok(net) => probe_door(&net, &url, &ctx.suite.roundtrip, signer.as_ref(), deadline).await,
        };
        let bare = match (&probe, connect_auth.as_deref()) {
            (DoorProbe::Refused { status: 401 | 403 }, Ok("CUSTOM")) if !expect_open => {
                bare_knock(&ctx, &api_id, &url, signer.as_ref(), deadline).await
            }
            (DoorProbe::Refused { status: 403 }, Ok("CUSTOM")) => {
                bare_knock(&ctx, &api_id, &url, signer.as_ref(), deadline).await
            }
            _ => None,
        };
        // The public URL where the door's signer (same credentials, region and location) got 101,
        // when the route takes it to this API and stage: IAM admits the knock's signature there.
        let needs_upgrade = !expect_open
            && probe == DoorProbe::Refused { status: 403 }
            && connect_auth.as_deref() == Ok("AWS_IAM")
            && signer.is_some()
            && ctx.runs(ids::E2E_CONNECT);
        if needs_upgrade {
            ctx.facts.live.connect_attempt_ended_by(deadline.at).await;
        }
        let signed_101 = match (&signer, ctx.facts.live.upgrade()) {
            (Some(s), Some(u)) if u.signed_as == Some(s.signs_as()) => {
                upgrade_landed_on(Some(u), aws.route().await.ok().as_deref(), &api_id, &stage)
            }
            _ => None,
        };
        let live = judge_execute_api_live(
            &url,
            expect_open,
            flag,
            ApiRef { api_id: &api_id, stage: Some(&stage), region: &ctx.suite.region },
            connect_auth.as_deref().map_err(String::as_str),
            signed_101.as_deref(),
            &probe,
            bare.as_ref(),
        );
        combine_execute_api(config, live)
    })
}

/// A second knock without the `$connect` authorizer's header and query-string identity sources.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BareKnock {
    pub probe: DoorProbe,
    /// What it left out: "header Authorization, query token".
    pub without: String,
}

/// What the execute-api door did when knocked on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoorProbe {
    /// 101 Switching Protocols.
    Open,
    /// Refused with this status (API Gateway answers 403 when disabled).
    Refused { status: u16 },
    /// The name no longer resolves (NXDOMAIN).
    NoSuchHost,
    /// Could not find out (timeout, TLS, connection refused…).
    Unreachable { cause: String, transient: bool },
}

/// Knocks again without the `$connect` authorizer's header and query-string identity sources;
/// `None` when it reads none (or cannot be read).
async fn bare_knock(
    ctx: &Ctx,
    api_id: &str,
    url: &str,
    signer: Option<&crate::net::sigv4::IamSigner>,
    deadline: crate::net::Deadline,
) -> Option<BareKnock> {
    let aws = &ctx.facts.aws;
    let routes = aws.routes(api_id).await.ok()?;
    let id = routes.iter().find(|r| r.route_key == "$connect")?.authorizer_id.clone()?;
    let authorizer = aws.authorizer(api_id, &id).await.ok()??;
    let (mut headers, mut query, mut without) = (Vec::new(), Vec::new(), Vec::new());
    for source in &authorizer.identity_source {
        let source = source.trim_start_matches('$');
        if let Some(h) = source.strip_prefix("route.request.header.") {
            headers.push(h.to_ascii_lowercase());
            without.push(format!("header {h}"));
        } else if let Some(q) = source.strip_prefix("route.request.querystring.") {
            query.push(q.to_owned());
            without.push(format!("query {q}"));
        }
    }
    if without.is_empty() {
        return None;
    }
    let mut rt = ctx.suite.roundtrip.clone();
    rt.headers.retain(|(k, _)| !headers.contains(&k.to_ascii_lowercase()));
    rt.query.retain(|(k, _)| !query.contains(k));
    let net = ctx.facts.net().await.ok()?;
    let probe = probe_door(&net, url, &rt, signer, deadline).await;
    Some(BareKnock { probe, without: without.join(", ") })
}

/// Knocks with the suite's `$connect` headers and query, as a client would,
/// so that an authorizer that admits clients admits the probe too.
async fn probe_door(
    net: &crate::net::Net,
    url: &str,
    rt: &crate::suite::RoundtripSpec,
    signer: Option<&crate::net::sigv4::IamSigner>,
    deadline: crate::net::Deadline,
) -> DoorProbe {
    use crate::net::{ConnectError, DnsError, UpgradeError, WsLimits};
    let Ok(url) = url::Url::parse(url) else {
        return DoorProbe::Unreachable { cause: format!("`{url}` is not a URL"), transient: false };
    };
    let signer = signer.map(|s| s as &dyn crate::net::ws::UpgradeSigner);
    let limits = WsLimits { handshake_timeout: deadline.budget, deadline: Some(deadline), ..WsLimits::default() };
    match net.websocket_signed(&url, &rt.headers, &rt.query, &rt.subprotocols, limits, signer).await {
        Ok(mut conn) => {
            let _ = conn.stream.close(None).await;
            DoorProbe::Open
        }
        Err(UpgradeError::Refused { status, .. }) => DoorProbe::Refused { status },
        Err(UpgradeError::Connect(ConnectError::Dns(DnsError::NxDomain { .. }))) => DoorProbe::NoSuchHost,
        Err(UpgradeError::Connect(e)) => DoorProbe::Unreachable { transient: e.is_transient(), cause: e.to_string() },
        Err(e) => DoorProbe::Unreachable { cause: e.to_string(), transient: true },
    }
}

/// The live half of `apigw.execute-api-disabled`. `signed_101`: the public
/// URL where an upgrade signed as the knock was (same credentials, region and
/// signature location) got 101 in this run, on this API and stage.
// Each argument is one separate piece of evidence the run gathered; a struct would only rename them.
#[allow(clippy::too_many_arguments)]
pub fn judge_execute_api_live(
    url: &str,
    expect_open: bool,
    flag: Option<bool>,
    at: ApiRef,
    connect_auth: Result<&str, &str>,
    signed_101: Option<&str>,
    probe: &DoorProbe,
    bare: Option<&BareKnock>,
) -> Outcome {
    let stage = at.stage.unwrap_or("{stage}");
    // The door's fixes: the flag takes effect on deployment, so a flag already right needs only that.
    let redeploy = || {
        at.stage_fix(
            stage,
            "DeploymentId",
            None,
            Wanted::Words("a deployment made after DisableExecuteApiEndpoint was set".into()),
            at.redeploy().into_iter().collect(),
        )
    };
    let door = |disabled: bool| {
        if flag == Some(disabled) {
            redeploy()
        } else {
            let f = if disabled { "--disable-execute-api-endpoint" } else { "--no-disable-execute-api-endpoint" };
            at.update_api_fix("DisableExecuteApiEndpoint", flag.map(|b| b.to_string()), &disabled.to_string(), &[f])
        }
    };
    let evidence = |o: Outcome| {
        let o = o
            .evidence("execute_api_url", url)
            .evidence("door", format!("{probe:?}"))
            .evidence("connect_authorization", connect_auth.unwrap_or("unknown"));
        let o = match bare {
            Some(b) => o.evidence("door_without_identity_sources", format!("{:?} (without {})", b.probe, b.without)),
            None => o,
        };
        match signed_101 {
            Some(public) => o.evidence("signed_101_through", public),
            None => o,
        }
    };
    let authorized = connect_auth.is_ok_and(|a| a != "NONE");
    let iam = connect_auth == Ok("AWS_IAM");
    match (expect_open, probe) {
        // IAM authorizes `arn:aws:execute-api:{region}:{account}:{api}/{stage}/$connect`, no host in it:
        // credentials it admitted through the public URL it admits at the door too, so the door's 403 is its own.
        (false, DoorProbe::Refused { status: 403 }) if iam && signed_101.is_some() => evidence(Outcome::pass(format!(
            "{url} refuses upgrades (403) signed with the credentials that got 101 through {}: IAM's resource ARN \
                 names API, stage and route, not the host, so the door is closed",
            signed_101.unwrap_or_default()
        ))),
        // A knock without the Lambda authorizer's identity sources gets 401 from an open endpoint (API
        // Gateway answers so without calling the authorizer); a 403 then is the disabled endpoint's.
        (false, DoorProbe::Refused { status: 401 | 403 })
            if connect_auth == Ok("CUSTOM") && bare.is_some_and(|b| b.probe == DoorProbe::Refused { status: 403 }) =>
        {
            evidence(Outcome::pass(format!(
                "{url} refuses upgrades (403), also without the authorizer's identity sources ({}), where an open \
                 endpoint answers 401 before calling the authorizer: the door is closed",
                bare.map(|b| b.without.as_str()).unwrap_or_default()
            )))
        }
        (false, DoorProbe::Refused { status: 401 | 403 })
            if connect_auth == Ok("CUSTOM") && bare.is_some_and(|b| b.probe == DoorProbe::Refused { status: 401 }) =>
        {
            evidence(Outcome::fail(
                format!(
                    "{url} answers 401 to an upgrade without the authorizer's identity sources ({}): the request reaches \
                     `$connect`'s authorization, so the execute-api endpoint is open{}",
                    bare.map(|b| b.without.as_str()).unwrap_or_default(),
                    if flag == Some(true) {
                        " although DisableExecuteApiEndpoint is true: the stage was not redeployed"
                    } else {
                        ""
                    }
                ),
                if flag == Some(true) {
                    format!(
                        "redeploy stage {stage} (aws apigatewayv2 create-deployment --api-id … --stage-name {stage})"
                    )
                } else {
                    format!("set DisableExecuteApiEndpoint to true on the API and redeploy stage {stage}")
                },
            )
            .with_fix(door(true)))
        }
        // A 401/403 is the closed door only when no authorizer could have said it.
        (false, DoorProbe::Refused { status: status @ (401 | 403) }) if connect_auth.is_err() || authorized => {
            let why_not_proven = match connect_auth {
                Ok("AWS_IAM") => {
                    " (no upgrade signed with these credentials got 101 through the public URL on this API and stage \
                     in this run, which would show IAM admits them: see e2e.connect)"
                }
                // A Lambda authorizer decides in code, which may read the Host: nothing the run sees proves it admits this one.
                Ok("CUSTOM") => {
                    " (a Lambda authorizer decides in code, which may read the Host the knock carries, and it reads no \
                     header or query string a second knock could leave out)"
                }
                _ => "",
            };
            evidence(Outcome::unknown(format!(
                "{url} refused the upgrade ({status}), but {} so the refusal may be the authorizer's, not the disabled endpoint's{why_not_proven}",
                match connect_auth {
                    Ok(a) => format!("`$connect` has AuthorizationType {a}"),
                    Err(why) => format!("`$connect`'s authorization could not be read ({why})"),
                }
            )))
        }
        (false, DoorProbe::Refused { status: 403 }) => {
            evidence(Outcome::pass(format!("{url} refuses upgrades (403): the door is closed")))
        }
        // A disabled endpoint still resolves and answers 403: NXDOMAIN proves nothing about the flag.
        (false, DoorProbe::NoSuchHost) => evidence(Outcome::unknown(format!(
            "{url} does not resolve (NXDOMAIN), which proves nothing about DisableExecuteApiEndpoint \
             (a disabled endpoint still resolves and answers 403): check `[api] id`, `region` and the nameservers"
        ))),
        (false, DoorProbe::Refused { status }) => evidence(Outcome::fail(
            format!("{url} answered HTTP {status}, not the 403 a disabled execute-api endpoint gives"),
            "check that the API id and stage are right; a disabled endpoint answers 403 Forbidden",
        )),
        (false, DoorProbe::Open) => {
            let hint = if flag == Some(true) {
                format!(
                    "DisableExecuteApiEndpoint is already true but takes effect only on deployment: redeploy stage {stage} \
                     (aws apigatewayv2 create-deployment --api-id … --stage-name {stage})"
                )
            } else {
                format!("set DisableExecuteApiEndpoint to true on the API and redeploy stage {stage}")
            };
            let message = if flag == Some(true) {
                format!("DisableExecuteApiEndpoint is true, but {url} still answers 101: the stage was not redeployed")
            } else {
                format!("{url} answers 101: clients can bypass CloudFront and the custom domain")
            };
            evidence(Outcome::fail(message, hint).with_fix(door(true)))
        }
        (true, DoorProbe::Open) => evidence(Outcome::pass(format!("{url} answers 101: the door is open as expected"))),
        // A disabled endpoint answers 403: any other refusal comes from behind an open door (a Lambda
        // authorizer's 401, an integration's 5xx, throttling), which e2e.connect and the checks behind the
        // route judge.
        (true, DoorProbe::Refused { status: status @ (401 | 429 | 500..=599) }) => evidence(Outcome::pass(format!(
            "{url} is open: its HTTP {status} comes from behind the endpoint (a disabled one answers 403); \
             `$connect` itself refused, see e2e.connect"
        ))),
        (true, DoorProbe::Refused { status: 403 })
            if connect_auth == Ok("CUSTOM") && bare.is_some_and(|b| b.probe == DoorProbe::Refused { status: 401 }) =>
        {
            evidence(Outcome::pass(format!(
                "{url} is open: without the authorizer's identity sources ({}) it answers 401, which API Gateway \
                 gives before calling the authorizer; the 403 with them is the authorizer's",
                bare.map(|b| b.without.as_str()).unwrap_or_default()
            )))
        }
        (true, DoorProbe::Refused { status: 403 })
            if authorized && !bare.is_some_and(|b| b.probe == DoorProbe::Refused { status: 403 }) =>
        {
            evidence(Outcome::unknown(format!(
                "{url} refused the upgrade with HTTP 403, which a disabled endpoint answers and `$connect`'s {} \
                 authorization may have given: whether the door is open is not established",
                connect_auth.unwrap_or_default()
            )))
        }
        (true, DoorProbe::Refused { status }) => evidence(Outcome::fail(
            format!("{url} refused the upgrade with HTTP {status}, but the suite needs the execute-api endpoint open"),
            format!(
                "set DisableExecuteApiEndpoint to false and redeploy stage {stage}, and check that stage {stage} exists and is deployed"
            ),
        )
        .with_fix(door(false))),
        (true, DoorProbe::NoSuchHost) => evidence(Outcome::fail(
            format!("{url} does not resolve (NXDOMAIN)"),
            "check `[api] id` and `region`: the execute-api host is {api}.execute-api.{region}.amazonaws.com (amazonaws.com.cn in China)",
        )),
        (_, DoorProbe::Unreachable { cause, transient }) => {
            let o = evidence(Outcome::error(format!("could not probe {url}: {cause}")));
            if *transient { o.retryable() } else { o }
        }
    }
}

/// Both halves must pass; a failure of either is the verdict, with both
/// halves' evidence. When the configuration cannot be read the live probe
/// alone decides (it is the proof), and the reason is kept as evidence.
fn combine_execute_api(config: Outcome, live: Outcome) -> Outcome {
    use crate::outcome::Status::*;
    let note = (config.status() == Error).then(|| config.verdict.message().to_owned());
    let mut out = match (config.status(), live.status()) {
        (Fail, _) => config.with_evidence(live.evidence.clone()),
        (_, Fail | Error) => live.with_evidence(config.evidence.clone()),
        (Pass, Pass) => {
            let summary = format!("{}; {}", config.verdict.message(), live.verdict.message());
            Outcome::pass(summary).with_evidence(config.evidence.clone()).with_evidence(live.evidence)
        }
        (_, _) => live.with_evidence(config.evidence.clone()),
    };
    if let Some(n) = note {
        out = out.evidence("config", format!("not read: {n}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::route::tests::mapping;
    use crate::outcome::Status;

    /// The API and stage the tests' fixes address.
    const AT: ApiRef<'static> = ApiRef { api_id: "a1b2c3d4e5", stage: Some("Prod"), region: "eu-west-1" };

    fn api() -> ApiFacts {
        ApiFacts {
            api_id: "a1b2c3d4e5".into(),
            name: Some("chat".into()),
            protocol_type: Some("WEBSOCKET".into()),
            route_selection_expression: Some("$request.body.action".into()),
            disable_execute_api_endpoint: Some(true),
            api_key_selection_expression: Some("$request.header.x-api-key".into()),
        }
    }

    // AWS: API Gateway Developer Guide, "WebSocket selection expressions" — "A variable is prefixed with "$""; "Curly braces can be used to explicitly define variable boundaries, e.g., "${request.body.version}-beta""; "A dollar sign ($) can be escaped with "\"". So `${request.body.action}` and `$request.body.action` select the same route: expressions are compared by meaning, not by text.
    #[test]
    fn route_selection_expressions_compare_by_meaning() {
        let mut braced = api();
        braced.route_selection_expression = Some("${request.body.action}".into());
        let o = judge_api(
            Some(&braced),
            ApiRef { api_id: "a1b2c3d4e5", stage: None, region: "ap-northeast-1" },
            Some("$request.body.action"),
        );
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let o = judge_api(
            Some(&api()),
            ApiRef { api_id: "a1b2c3d4e5", stage: None, region: "ap-northeast-1" },
            Some("${request.body.action}"),
        );
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let o = judge_api(
            Some(&braced),
            ApiRef { api_id: "a1b2c3d4e5", stage: None, region: "ap-northeast-1" },
            Some("$request.body.type"),
        );
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("set RouteSelectionExpression to `$request.body.type`")));
    }

    #[test]
    fn api_rules() {
        let rse = Some("$request.body.action");
        assert_eq!(
            judge_api(Some(&api()), ApiRef { api_id: "a1b2c3d4e5", stage: None, region: "ap-northeast-1" }, rse)
                .status(),
            Status::Pass
        );
        assert_eq!(
            judge_api(None, ApiRef { api_id: "x", stage: None, region: "ap-northeast-1" }, None).status(),
            Status::Fail
        );
        let mut http = api();
        http.protocol_type = Some("HTTP".into());
        assert_eq!(
            judge_api(Some(&http), ApiRef { api_id: "x", stage: None, region: "r" }, None).status(),
            Status::Fail
        );
        let o = judge_api(Some(&api()), ApiRef { api_id: "x", stage: None, region: "r" }, Some("$request.body.type"));
        assert!(o.verdict.hint().is_some_and(|h| h.contains("$request.body.type")));
        let mut silent = api();
        silent.protocol_type = None;
        assert_eq!(
            judge_api(Some(&silent), ApiRef { api_id: "x", stage: None, region: "r" }, None).status(),
            Status::Error
        );
    }

    #[test]
    fn routes_rules() {
        let r = |k: &str, t: Option<&str>| RouteFacts {
            route_id: None,
            route_key: k.into(),
            target: t.map(Into::into),
            authorization_type: Some("NONE".into()),
            api_key_required: Some(false),
            request_parameters: vec![],
            route_response_selection_expression: None,
            ..RouteFacts::default()
        };
        let wanted = vec!["$connect".to_string(), "$default".to_string()];
        let good = [r("$connect", Some("integrations/1")), r("$default", Some("integrations/1"))];
        assert_eq!(judge_routes(&good, &wanted, &RouteContext::default()).status(), Status::Pass);
        let o = judge_routes(&good[..1], &wanted, &RouteContext::default());
        assert!(o.verdict.message().contains("route `$default` does not exist"));
        let o = judge_routes(&[r("$connect", None), good[1].clone()], &wanted, &RouteContext::default());
        assert!(o.verdict.message().contains("route `$connect` has no target"));
    }

    // AWS: API Gateway Developer Guide, "Deploy WebSocket APIs in API Gateway" — "Every time you update an
    // API, you must redeploy it. Changes to anything other than stage settings require a redeployment"
    // (routes, integrations, authorizers). GetRoutes shows the edited API and has no date to compare with
    // the deployment, so the judge notes `$connect`'s AuthorizationType and never invents a redeploy failure.
    #[test]
    fn routes_note_connect_authorization_and_do_not_guess_redeploys() {
        let r = |k: &str, auth: Option<&str>| RouteFacts {
            route_id: None,
            route_key: k.into(),
            target: Some("integrations/1".into()),
            authorization_type: auth.map(Into::into),
            api_key_required: None,
            request_parameters: vec![],
            route_response_selection_expression: None,
            ..RouteFacts::default()
        };
        let wanted = vec!["$connect".to_string(), "$default".to_string()];
        let none = RouteContext::default();
        let o = judge_routes(&[r("$connect", Some("CUSTOM")), r("$default", None)], &wanted, &none);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("connect_authorization"), Some("CUSTOM"));
        let o = judge_routes(&[r("$connect", None), r("$default", None)], &wanted, &none);
        assert_eq!(o.evidence.get("connect_authorization"), Some("not reported"));
        let explain = CHECKS.iter().find(|c| c.id == ids::APIGW_ROUTES).map(|c| c.explain).unwrap_or_default();
        assert!(explain.contains("deployment"), "{explain}");
    }

    fn stage() -> StageFacts {
        StageFacts {
            stage_name: "Prod".into(),
            deployment_id: Some("dep1".into()),
            throttling_burst_limit: Some(500),
            throttling_rate_limit: Some(1000.0),
            route_throttling: vec![],
            auto_deploy: Some(false),
            last_deployment_status_message: None,
            stage_variables: vec![],
        }
    }

    #[test]
    fn stage_rules() {
        assert_eq!(judge_stage(Some(&stage()), AT, "Prod", None, None).status(), Status::Pass);
        assert_eq!(judge_stage(None, AT, "Prod", None, None).status(), Status::Fail);
        let mut s = stage();
        s.deployment_id = None;
        assert!(judge_stage(Some(&s), AT, "Prod", None, None).verdict.message().contains("no deployment"));
        let mut s = stage();
        s.throttling_burst_limit = Some(0);
        s.throttling_rate_limit = Some(0.0);
        assert!(judge_stage(Some(&s), AT, "Prod", None, None).verdict.message().contains("429"));
    }

    fn route(key: &str) -> RouteFacts {
        RouteFacts {
            route_id: None,
            route_key: key.into(),
            target: Some("integrations/1".into()),
            authorization_type: Some("NONE".into()),
            api_key_required: Some(false),
            request_parameters: vec![],
            route_response_selection_expression: Some("$default".into()),
            ..RouteFacts::default()
        }
    }

    fn wanted() -> Vec<String> {
        vec!["$connect".to_string(), "$default".to_string()]
    }

    // AWS: API Gateway Developer Guide, "Working with routes for WebSocket APIs" — "API Key Required: You
    // can optionally require an API key for an API's $connect route"; "WebSocket selection expressions" —
    // the API key selection expression's "only two supported values are $request.header.x-api-key and
    // $context.authorizer.usageIdentifierKey"; "Choose an API key source" — a request without a key of the
    // usage plan gets "a 403 Forbidden response". Clients with the key work, so a suite that sends none is
    // warned (its connects will be refused), never failed; a key the authorizer returns needs no header.
    #[test]
    fn connect_api_key_required_warns_when_the_suite_sends_no_key() {
        let mut connect = route("$connect");
        connect.api_key_required = Some(true);
        let routes = [connect, route("$default")];
        let header = |h: &[&str], expr: Option<&str>| RouteContext {
            headers: h.iter().map(|s| s.to_string()).collect(),
            api_key_selection_expression: expr.map(Into::into),
            ..RouteContext::default()
        };
        let o = judge_routes(&routes, &wanted(), &header(&[], Some("$request.header.x-api-key")));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("ApiKeyRequired")).expect("a warning");
        assert!(w.message.contains("403"), "{w:?}");
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("x-api-key") && h.contains("ApiKeyRequired")), "{w:?}");
        // Sent (any case), or from the authorizer: no warning.
        let o = judge_routes(&routes, &wanted(), &header(&["X-API-Key"], None));
        assert!(o.warnings.is_empty(), "{o:?}");
        assert!(o.evidence.get("connect_api_key").is_some_and(|e| e.contains("sent by the suite")), "{o:?}");
        let o = judge_routes(&routes, &wanted(), &header(&[], Some(KEY_FROM_AUTHORIZER)));
        assert!(o.warnings.is_empty(), "{o:?}");
        // Not required: nothing to say.
        let o = judge_routes(&[route("$connect"), route("$default")], &wanted(), &header(&[], None));
        assert!(o.warnings.is_empty() && o.evidence.get("connect_api_key").is_none(), "{o:?}");
    }

    // AWS: API Gateway V2 API Reference, "Route" — requestParameters, "The request parameters for the
    // route. Supported only for WebSocket APIs", with ParameterConstraints ("Validation constraints imposed
    // on parameters of a request", Required: "Whether or not the parameter is required"). What a connect
    // without a required parameter gets is not documented: a parameter the suite does not send is a warning
    // naming it, never a failure.
    #[test]
    fn connect_required_parameters_the_suite_does_not_send_warn() {
        let mut connect = route("$connect");
        connect.request_parameters = vec![
            ("route.request.header.X-Tenant".into(), true),
            ("route.request.querystring.token".into(), true),
            ("route.request.querystring.optional".into(), false),
        ];
        let routes = [connect, route("$default")];
        let o = judge_routes(&routes, &wanted(), &RouteContext::default());
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("required request parameters")).expect("a warning");
        assert!(w.message.contains("route.request.header.X-Tenant"), "{w:?}");
        assert!(w.message.contains("route.request.querystring.token") && !w.message.contains("optional"), "{w:?}");
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("Required") && h.contains("[roundtrip]")), "{w:?}");
        let sends =
            RouteContext { headers: vec!["x-tenant".into()], query: vec!["token".into()], ..RouteContext::default() };
        let o = judge_routes(&routes, &wanted(), &sends);
        assert!(o.warnings.is_empty(), "{o:?}");
        assert!(o.evidence.get("connect_required_parameters").is_some_and(|e| e.contains("token")), "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "Set up route responses for WebSocket APIs in API Gateway" —
    // "API Gateway will not pass the backend response through to the route response, unless you set up a
    // route response"; "WebSocket selection expressions" — Route.RouteResponseSelectionExpression "Should be
    // provided to initiate two-way communication for a WebSocket route. Currently, this value is restricted
    // to $default only". A backend may instead answer through @connections, so the route the suite's message
    // selects without one is a warning.
    #[test]
    fn the_echo_route_without_a_route_response_warns() {
        let mut default = route("$default");
        default.route_response_selection_expression = None;
        let routes = [route("$connect"), default];
        let cx = RouteContext { echo_route: Some("$default".into()), ..RouteContext::default() };
        let o = judge_routes(&routes, &wanted(), &cx);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("RouteResponseSelectionExpression")).expect("warning");
        assert!(w.message.contains("`$default`") && w.message.contains("@connections"), "{w:?}");
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("create-route-response")), "{w:?}");
        let o = judge_routes(&[route("$connect"), route("$default")], &wanted(), &cx);
        assert!(o.warnings.is_empty(), "{o:?}");
        assert_eq!(o.evidence.get("echo_route"), Some("$default"));
        // Not known which route the message selects: nothing to say.
        let o = judge_routes(&routes, &wanted(), &RouteContext::default());
        assert!(o.warnings.is_empty(), "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "Working with routes for WebSocket APIs" — "The service uses the
    // route whose routeKey exactly matches the evaluated value. If none match and a route with the $default
    // route key exists, that route is selected"; "Non-JSON messages are directed to a $default route";
    // `$request.body.action` and `${request.body.action}` evaluate alike, "If the JSONPath is not found,
    // the variable is resolved as \"\"", and `\$default` is the static value `$default`.
    #[test]
    fn the_route_a_message_selects() {
        let routes = [route("$connect"), route("$default"), route("echo"), route("chat/join")];
        let sel = |rse: &str, msg: &str| selected_route(rse, msg, &routes);
        let echo = r#"{"action":"echo","payload":"{{nonce}}"}"#;
        assert_eq!(sel("$request.body.action", echo).as_deref(), Some("echo"));
        assert_eq!(sel("${request.body.action}", echo).as_deref(), Some("echo"));
        assert_eq!(sel("$request.body.type", echo).as_deref(), Some("$default"));
        assert_eq!(sel("$request.body.action", "not json").as_deref(), Some("$default"));
        assert_eq!(
            sel("${request.body.service}/${request.body.action}", r#"{"service":"chat","action":"join"}"#).as_deref(),
            Some("chat/join")
        );
        assert_eq!(sel("\\$default", echo).as_deref(), Some("$default"));
        assert_eq!(sel("$request.body.data", r#"{"data":{"a":1}}"#), None, "objects are not compared");
        assert_eq!(sel("$context.routeKey", echo), None, "only request.body variables are evaluated");
        assert_eq!(selected_route("$request.body.action", r#"{"action":"nope"}"#, &routes[2..3]), None);
        assert_eq!(
            select_route("$request.body.action", r#"{"action":"nope"}"#, &routes[2..3]),
            Selection::Unmatched("nope".into())
        );
        assert_eq!(select_route("$context.routeKey", echo, &routes[2..3]), Selection::NotEvaluated);
    }

    // AWS: API Gateway Developer Guide, "Working with routes for WebSocket APIs" — "If … there is no matching
    // route, API Gateway invokes the $default route", and without a `$default` route a message no route
    // matches gets an error back (aws-samples/simple-websockets-chat-app #24: `{"message": "Forbidden", …}`).
    #[test]
    fn a_message_that_selects_no_route_fails_naming_the_key_and_the_expression() {
        let routes = vec![route("$connect"), route("sendmessage")];
        let cx =
            RouteContext { unmatched: Some(("$request.body.action".into(), "echo".into())), ..RouteContext::default() };
        let o = judge_routes(&routes, &["$connect".to_string()], &cx);
        assert_eq!(o.status(), crate::outcome::Status::Fail, "{o:?}");
        let m = o.verdict.message();
        assert!(
            m.contains("route key `echo`") && m.contains("`$request.body.action`") && m.contains("no `$default`"),
            "{m}"
        );
        assert!(o.verdict.hint().unwrap_or_default().contains("(sendmessage)"), "{o:?}");
        assert_eq!(
            judge_routes(&routes, &["$connect".to_string()], &RouteContext::default()).status(),
            crate::outcome::Status::Pass
        );
    }

    // AWS: API Gateway Developer Guide, "Deploy WebSocket APIs in API Gateway" — a stage serves
    // clients only once a deployment is made to it. GetStage's deploymentId is that deployment.
    #[test]
    fn a_stage_without_deployment_fails_only_when_the_deployments_can_be_listed() {
        let mut s = stage();
        s.deployment_id = None;
        let o = judge_stage(Some(&s), AT, "Prod", Some(Ok(0)), None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        let unavailable = crate::facts::Error::Unavailable {
            operation: "apigatewayv2.GetDeployments".into(),
            code: Some("UnknownOperationException".into()),
            message: "not emulated".into(),
            http_status: Some(404),
        };
        let o = judge_stage(Some(&s), AT, "Prod", Some(Err(&unavailable)), None);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("GetDeployments"), "{o:?}");
        assert!(!o.retryable, "an endpoint without the operation will not grow one: {o:?}");
    }

    // AWS: API Gateway Developer Guide, "Deploy WebSocket APIs in API Gateway" — "Each stage is a snapshot of the API and is made available for client apps to call": a stage serves clients only once a deployment is made to it, so a 101 through the public URL on a route that lands on this API and stage proves the stage has one.
    #[test]
    fn a_stage_whose_deployments_cannot_be_listed_is_deployed_once_the_public_url_got_101_on_it() {
        use crate::facts::live::PublicUpgrade;
        use crate::model::route::Route;
        let mut s = stage();
        s.deployment_id = None;
        let unavailable = crate::facts::Error::Unavailable {
            operation: "apigatewayv2.GetDeployments".into(),
            code: Some("UnknownOperationException".into()),
            message: "not emulated".into(),
            http_status: Some(404),
        };
        let route = |api: &str, stage: &str| Route {
            viewer_host: "ws.example.com".into(),
            viewer_path: format!("/{stage}"),
            edge: None,
            gateway_host: format!("{api}.execute-api.us-east-1.amazonaws.com"),
            gateway_path: format!("/{stage}"),
            landing: Landing::ExecuteApi { api_id: api.into(), stage: Some(stage.into()), extra_path: false },
            layout: None,
            viewer_is_custom_domain: false,
            viewer_domain_unusable: None,
        };
        let upgrade = || Some(PublicUpgrade { url: "wss://ws.example.com/Prod".into(), signed_as: None });
        // The 101 went through a route that lands on this API and stage: decided, naming the 101.
        let served = upgrade_landed_on(upgrade(), Some(&route("a", "Prod")), "a", "Prod");
        assert_eq!(served.as_deref(), Some("wss://ws.example.com/Prod"));
        let o = judge_stage(Some(&s), AT, "Prod", Some(Err(&unavailable)), served.as_deref());
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let why = o.evidence.get("deployment").expect("the 101 as evidence");
        assert!(why.contains("101 Switching Protocols from wss://ws.example.com/Prod"), "{o:?}");
        // No 101 in this run: still unknown.
        assert_eq!(upgrade_landed_on(None, Some(&route("a", "Prod")), "a", "Prod"), None);
        let o = judge_stage(Some(&s), AT, "Prod", Some(Err(&unavailable)), None);
        assert!(o.status() == Status::Error && o.verdict.is_unknown(), "{o:?}");
        // The 101 came from another stage (or another API), or the route is not known: it proves nothing here.
        assert_eq!(upgrade_landed_on(upgrade(), Some(&route("a", "Dev")), "a", "Prod"), None);
        assert_eq!(upgrade_landed_on(upgrade(), Some(&route("b", "Prod")), "a", "Prod"), None);
        assert_eq!(upgrade_landed_on(upgrade(), None, "a", "Prod"), None);
        // Deployments that can be listed, and none: a 101 does not overrule the listing.
        let o = judge_stage(Some(&s), AT, "Prod", Some(Ok(0)), Some("wss://ws.example.com/Prod"));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
    }

    // The listing's error decides by its kind, not its text: throttled or 5xx, a retry
    // (`--wait`) may list the deployments; AccessDenied or an unimplemented operation will not.
    #[test]
    fn a_stage_unknown_for_a_passing_reason_is_retryable() {
        let mut s = stage();
        s.deployment_id = None;
        let service = |code: &str, status: u16| crate::facts::Error::Service {
            operation: "apigatewayv2.GetDeployments".into(),
            code: Some(code.into()),
            message: "m".into(),
            request_id: None,
            http_status: Some(status),
        };
        let throttled = service("TooManyRequestsException", 429);
        let o = judge_stage(Some(&s), AT, "Prod", Some(Err(&throttled)), None);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.message().contains("TooManyRequestsException"), "{o:?}");
        assert!(o.retryable, "{o:?}");
        let denied = service("AccessDeniedException", 403);
        let o = judge_stage(Some(&s), AT, "Prod", Some(Err(&denied)), None);
        assert!(o.verdict.is_unknown() && !o.retryable, "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "Protect your WebSocket APIs in API Gateway" — by default
    // API Gateway applies the account-level limits per Region; stage and route-level settings
    // (DefaultRouteSettings, RouteSettings) override them.
    #[test]
    fn stage_throttling_absent_means_account_limits_and_route_zero_fails() {
        let mut s = stage();
        (s.throttling_burst_limit, s.throttling_rate_limit) = (None, None);
        let o = judge_stage(Some(&s), AT, "Prod", None, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.evidence.get("throttling").unwrap().contains("account-level"), "{o:?}");
        s.throttling_rate_limit = Some(100.0);
        assert_eq!(judge_stage(Some(&s), AT, "Prod", None, None).status(), Status::Pass);
        s.route_throttling = vec![("$connect".into(), Some(0), None)];
        let o = judge_stage(Some(&s), AT, "Prod", None, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("RouteSettings[\"$connect\"]"), "{o:?}");
        assert!(o.verdict.hint().unwrap().contains("RouteSettings[\"$connect\"].ThrottlingBurstLimit"), "{o:?}");
    }

    // AWS: API Gateway V2 API Reference, "Stage" — LastDeploymentStatusMessage "Describes the status of the last
    // deployment of a stage. Supported only for stages with autoDeploy enabled"; DeploymentId "The identifier of the
    // Deployment that the Stage is associated with"; AWS::ApiGatewayV2::Stage — "Each stage is a named reference to
    // a deployment of the API". The wording is not documented: a message saying the deployment failed is a warning
    // quoted verbatim (the stage still serves the deployment it names); any other message is evidence.
    #[test]
    fn a_failed_automatic_deployment_warns_that_the_stage_serves_the_previous_one() {
        let auto =
            |m: &str| StageFacts { auto_deploy: Some(true), last_deployment_status_message: Some(m.into()), ..stage() };
        let failed = "Deployment attempt failed: Unable to deploy API because no routes exist in this API";
        let o = judge_stage(Some(&auto(failed)), AT, "Prod", None, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.warnings.len(), 1, "{o:?}");
        let w = &o.warnings[0];
        assert!(
            w.message.starts_with(&format!(
                "the last automatic deployment of stage `Prod` failed ({failed}): the stage still serves deployment dep1"
            )),
            "{w:?}"
        );
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("LastDeploymentStatusMessage")), "{w:?}");

        let ok = "Successfully deployed stage with deployment ID 'dep1'";
        let o = judge_stage(Some(&auto(ok)), AT, "Prod", None, None);
        assert!(o.warnings.is_empty(), "{o:?}");
        assert_eq!(o.evidence.get("last_deployment_status"), Some(ok));
        // Without AutoDeploy the message is not supported: not read.
        let manual = StageFacts { auto_deploy: Some(false), ..auto(failed) };
        let o = judge_stage(Some(&manual), AT, "Prod", None, None);
        assert!(o.warnings.is_empty() && o.evidence.get("last_deployment_status").is_none(), "{o:?}");
    }

    fn good_domain() -> DomainFacts {
        crate::model::route::tests::domain("ws.example.com")
    }

    fn judge_d(d: &DomainFacts) -> Outcome {
        judge_domain(Some(d), "ws.example.com", "eu-west-1")
    }

    #[test]
    fn domain_rules() {
        assert_eq!(judge_d(&good_domain()).status(), Status::Pass);
        assert_eq!(judge_domain(None, "ws.example.com", "eu-west-1").status(), Status::Fail);
        let mut d = good_domain();
        d.status = None;
        assert_eq!(judge_d(&d).status(), Status::Error);
    }

    // AWS: API Gateway Developer Guide, "Custom domain names for WebSocket APIs in API Gateway" — "Only
    // Regional custom domain names are supported": an EDGE (or PRIVATE) endpointType fails with the fix.
    #[test]
    fn an_edge_domain_fails_for_websocket() {
        for t in ["EDGE", "PRIVATE"] {
            let d = DomainFacts { endpoint_type: Some(t.into()), ..good_domain() };
            let o = judge_d(&d);
            assert_eq!(o.status(), Status::Fail, "{o:?}");
            assert!(o.verdict.message().contains(t), "{o:?}");
            assert!(o.verdict.hint().is_some_and(|h| h.contains("REGIONAL")), "{o:?}");
        }
    }

    // AWS: API Gateway Developer Guide, "Security policy for WebSocket APIs in API Gateway" — "API Gateway
    // enforces a security policy of TLS_1_2 for all WebSocket API endpoints" (TLS 1.2 and 1.3 accepted);
    // "Custom domain names for WebSocket APIs in API Gateway" — "For the minimum TLS version, only TLS 1.2
    // is supported"; "Choose a security policy for your custom domain in API Gateway" — enhanced policies
    // (SecurityPolicy_…) can be chosen for REST APIs only ("For HTTP or WebSocket APIs, API Gateway only
    // supports the TLS_1_2 security policy"), and an API mapped to a domain with another policy is
    // negotiated with the API's policy. No page says a WebSocket mapping cannot exist on a TLS_1_0 or
    // enhanced-policy domain: both are warnings, never failures.
    #[test]
    fn security_policies_other_than_tls_1_2_warn() {
        for p in ["TLS_1_0", "SecurityPolicy_TLS13_1_3_2025_09", "SecurityPolicy_TLS12_PFS_2025_EDGE"] {
            let d = DomainFacts { security_policy: Some(p.into()), ..good_domain() };
            let o = judge_d(&d);
            assert_eq!(o.status(), Status::Pass, "{p}: {o:?}");
            let w = o.warnings.iter().find(|w| w.message.contains(p)).unwrap_or_else(|| panic!("{p}: {o:?}"));
            assert!(w.hint.as_deref().is_some_and(|h| h.contains("TLS_1_2")), "{o:?}");
            assert_eq!(o.evidence.get("securityPolicy"), Some(p));
        }
        let d = DomainFacts { security_policy: Some("TLS_9".into()), ..good_domain() };
        assert_eq!(judge_d(&d).status(), Status::Error);
    }

    // AWS: API Gateway V2 API Reference, "DomainNameConfiguration" (domainNameStatus) — "If the status
    // is UPDATING, the domain cannot be modified further until the existing operation is complete": retried
    // (--wait), unknown meanwhile. "How to turn on mutual TLS authentication for your HTTP APIs" — the
    // ownership verification certificate "is not used for the TLS handshake"; if it expires "all updates to
    // the domain name will be locked" (PENDING_OWNERSHIP_VERIFICATION: a warning). What clients get while
    // PENDING_CERTIFICATE_REIMPORT is not documented: unknown.
    #[test]
    fn domain_statuses_are_judged_by_what_aws_documents() {
        let with = |s: &str| judge_d(&DomainFacts { status: Some(s.into()), ..good_domain() });
        let o = with("UPDATING");
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.retryable && o.verdict.is_unknown(), "{o:?}");
        let o = with("PENDING_OWNERSHIP_VERIFICATION");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(
            o.warnings
                .iter()
                .any(|w| w.hint.as_deref().is_some_and(|h| h.contains("OwnershipVerificationCertificateArn"))),
            "{o:?}"
        );
        let o = with("PENDING_CERTIFICATE_REIMPORT");
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(!o.retryable && o.verdict.message().contains("reimport"), "{o:?}");
        // A wrong field next to UPDATING is still a failure, and not retried.
        let o = judge_d(&DomainFacts {
            status: Some("UPDATING".into()),
            endpoint_type: Some("EDGE".into()),
            ..good_domain()
        });
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(!o.retryable, "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "Set the routing mode for your custom domain name" — API_MAPPING_ONLY
    // is the default for all existing and new domain names; ROUTING_RULE_ONLY: "API callers can't use API
    // mappings to access this domain name"; ROUTING_RULE_THEN_API_MAPPING: "all routing rules take priority
    // over any API mappings". "Send traffic to your APIs through your custom domain name in API Gateway" —
    // WebSocket APIs are not supported as routing rule targets; use API mappings for them.
    #[test]
    fn routing_modes_decide_whether_the_websocket_mapping_is_honoured() {
        let with = |m: Option<&str>| judge_d(&DomainFacts { routing_mode: m.map(Into::into), ..good_domain() });
        let o = with(None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.evidence.get("routingMode").is_some_and(|e| e.contains("default")), "{o:?}");
        assert!(o.warnings.is_empty(), "{o:?}");
        let o = with(Some("ROUTING_RULE_ONLY"));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("API_MAPPING_ONLY")), "{o:?}");
        let o = with(Some("ROUTING_RULE_THEN_API_MAPPING"));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.iter().any(|w| w.message.contains("ROUTING_RULE_THEN_API_MAPPING")), "{o:?}");
        assert_eq!(with(Some("SOMETHING_NEW")).status(), Status::Error);
    }

    // AWS: API Gateway V2 API Reference, "MutualTlsAuthentication" — "If specified, API Gateway performs
    // two-way authentication between the client and the server. Clients must present a trusted certificate
    // to access your API"; truststoreWarnings: "Mutual TLS is still enabled, but some clients might not be
    // able to access your API". Mutual TLS is documented for REST and HTTP APIs ("How to turn on mutual TLS
    // authentication for your HTTP APIs"), not for WebSocket APIs, and clients may hold certificates: warnings.
    #[test]
    fn mutual_tls_on_the_domain_warns() {
        let mtls = |warnings: Vec<String>| MutualTlsFacts {
            truststore_uri: Some("s3://bucket/truststore.pem".into()),
            truststore_version: Some("v2".into()),
            truststore_warnings: warnings,
        };
        let o = judge_d(&DomainFacts { mutual_tls: Some(mtls(vec![])), ..good_domain() });
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.warnings.len(), 1, "{o:?}");
        assert!(o.warnings[0].message.contains("s3://bucket/truststore.pem"), "{o:?}");
        assert!(o.warnings[0].hint.as_deref().is_some_and(|h| h.contains("MutualTlsAuthentication")), "{o:?}");
        let o = judge_d(&DomainFacts { mutual_tls: Some(mtls(vec!["cert 2 expired".into()])), ..good_domain() });
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.iter().any(|w| w.message.contains("cert 2 expired")), "{o:?}");
        let o = judge_d(&good_domain());
        assert!(o.warnings.is_empty() && o.evidence.get("mutualTls").is_none(), "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "IP address types for custom domain names for HTTP APIs" — "You can
    // choose IPv4 to resolve IPv4 addresses to invoke your domain, or you can choose dualstack to allow both
    // IPv4 and IPv6 addresses"; "The default IP address type for API Gateway custom domain names is IPv4".
    // IPv4 clients are served either way, and an IPv6 client without an AAAA answer falls back to IPv4 (the
    // AAAA record is route53.alias's): evidence, neither a failure nor a warning.
    #[test]
    fn the_ip_address_type_is_evidence_only() {
        for t in ["ipv4", "dualstack"] {
            let o = judge_d(&DomainFacts { ip_address_type: Some(t.into()), ..good_domain() });
            assert_eq!(o.status(), Status::Pass, "{o:?}");
            assert!(o.warnings.is_empty(), "{o:?}");
            assert_eq!(o.evidence.get("ipAddressType"), Some(t));
        }
    }

    fn expect(path_key: &str, suite_key: Option<&str>) -> MappingExpectation {
        MappingExpectation {
            domain: "ws.example.com".into(),
            path_key: path_key.into(),
            suite_key: suite_key.map(Into::into),
            api_id: Some("a1b2c3d4e5".into()),
            stage: Some("Prod".into()),
            region: "ap-northeast-1".into(),
        }
    }

    #[test]
    fn mapping_rules() {
        assert_eq!(judge_mapping(&[mapping("chat", "Prod")], &expect("chat", None)).status(), Status::Pass);
        let o = judge_mapping(&[mapping("chat", "Dev")], &expect("chat", None));
        assert!(o.verdict.message().contains("stage `Dev`, expected `Prod`"), "{o:?}");
        // The fix as data: update-api-mapping of this mapping, Stage Dev → Prod.
        let fix = &o.fixes()[0];
        assert_eq!((fix.field.as_str(), fix.current.as_deref()), ("Stage", Some("Dev")));
        assert_eq!(fix.commands[0][2..4], crate::fix::argv(["update-api-mapping", "--domain-name"]));
        assert!(fix.shell().unwrap()[0].contains("--stage Prod --region ap-northeast-1"), "{fix:?}");
        let o = judge_mapping(&[mapping("chat-v2", "Prod")], &expect("chat", None));
        assert!(o.verdict.hint().is_some_and(|h| h.contains("set ApiMappingKey to `chat`")), "{o:?}");
        let o = judge_mapping(&[mapping("chat", "Prod")], &expect("chat", Some("chat-v2")));
        assert!(o.verdict.message().contains("not the first path segment"), "{o:?}");
        let o = judge_mapping(&[mapping("chat", "Prod"), mapping("chat", "Dev")], &expect("chat", None));
        assert!(o.verdict.message().contains("2 mappings with key `chat`"), "{o:?}");
        assert_eq!(judge_mapping(&[], &expect("chat", None)).status(), Status::Fail);
    }

    #[test]
    fn execute_api_config() {
        use ExecuteApi::*;
        let pass = |o: Outcome| o.status() == Status::Pass;
        assert!(pass(judge_execute_api_config(Some(true), Some(Disabled), Some(Layout::B), Some(AT))));
        assert!(pass(judge_execute_api_config(Some(false), Some(Enabled), Some(Layout::A), Some(AT))));
        assert!(pass(judge_execute_api_config(Some(false), None, Some(Layout::A), Some(AT))));
        let o = judge_execute_api_config(Some(true), Some(Disabled), Some(Layout::A), Some(AT));
        assert!(o.verdict.message().contains("every request will get 403"), "{o:?}");
        assert!(!pass(judge_execute_api_config(Some(true), None, Some(Layout::A), Some(AT))));
        let o = judge_execute_api_config(Some(false), Some(Disabled), Some(Layout::B), Some(AT));
        assert!(o.verdict.hint().is_some_and(|h| h.contains("redeploy")));
        assert!(!pass(judge_execute_api_config(Some(true), Some(Enabled), Some(Layout::C), Some(AT))));
        assert_eq!(judge_execute_api_config(None, Some(Disabled), None, Some(AT)).status(), Status::Error);
    }

    #[test]
    fn live_door_open_after_flag_set_means_not_redeployed() {
        let o =
            judge_execute_api_live("wss://a.x/Prod", false, Some(true), AT, Ok("NONE"), None, &DoorProbe::Open, None);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("not redeployed"), "{o:?}");
        assert!(o.verdict.hint().unwrap().contains("redeploy stage Prod"));
    }

    #[test]
    fn live_door_closed_passes_and_open_when_expected_passes() {
        assert_eq!(
            judge_execute_api_live(
                "u",
                false,
                Some(true),
                AT,
                Ok("NONE"),
                None,
                &DoorProbe::Refused { status: 403 },
                None
            )
            .status(),
            Status::Pass
        );
        assert_eq!(
            judge_execute_api_live("u", true, Some(false), AT, Ok("NONE"), None, &DoorProbe::Open, None).status(),
            Status::Pass
        );
        assert_eq!(
            judge_execute_api_live(
                "u",
                true,
                Some(false),
                AT,
                Ok("NONE"),
                None,
                &DoorProbe::Refused { status: 403 },
                None
            )
            .status(),
            Status::Fail
        );
        let e = judge_execute_api_live(
            "u",
            false,
            None,
            AT,
            Ok("NONE"),
            None,
            &DoorProbe::Unreachable { cause: "x".into(), transient: true },
            None,
        );
        assert_eq!(e.status(), Status::Error);
        assert!(e.retryable);
    }

    // AWS: API Gateway Developer Guide, "Disable the default endpoint for REST APIs" — "Clients can
    // still connect to your default endpoint, but they will receive a 403 Forbidden status code";
    // "Disable the default endpoint for WebSocket APIs" — the change takes effect on deployment.
    // So NXDOMAIN is no evidence of a disabled endpoint, and a 403 is evidence only when no
    // `$connect` authorizer could have given it.
    #[test]
    fn live_door_unknown_on_nxdomain_and_on_a_refusal_an_authorizer_may_have_given() {
        let closed =
            |auth, probe: &DoorProbe| judge_execute_api_live("u", false, Some(true), AT, auth, None, probe, None);
        let o = closed(Ok("NONE"), &DoorProbe::NoSuchHost);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown(), "{o:?}");
        for auth in [Ok("CUSTOM"), Ok("AWS_IAM"), Err("GetRoutes failed: InternalFailure")] {
            for status in [401, 403] {
                let o = closed(auth, &DoorProbe::Refused { status });
                assert_eq!(o.status(), Status::Error, "{auth:?} {status}: {o:?}");
                assert!(o.verdict.message().contains("authorizer"), "{o:?}");
            }
        }
        assert_eq!(closed(Ok("NONE"), &DoorProbe::Refused { status: 403 }).status(), Status::Pass);
        assert_eq!(closed(Ok("NONE"), &DoorProbe::Refused { status: 401 }).status(), Status::Fail);
    }

    // AWS: API Gateway Developer Guide, "Control access to WebSocket APIs with IAM authorization" — "WebSocket routes use a different ARN format: arn:aws:execute-api:region:account-id:api-id/stage-name/route-key"; "Disable the default endpoint for REST APIs" — "Clients can still connect to your default endpoint, but they will receive a 403 Forbidden status code". The ARN names no host: credentials IAM admitted on `$connect` through the public URL (same API and stage) it admits at the execute-api host, so a 403 to the same signer there is the closed door; without that 101, or for a Lambda authorizer (its code may read the Host), the 403 stays unknown.
    #[test]
    fn live_door_iam_403_is_the_closed_door_when_the_same_signer_got_101_through_the_public_url() {
        let public = Some("wss://ws.example.com/chat");
        let closed = |auth, signed_101, probe: &DoorProbe| {
            judge_execute_api_live("wss://a.x/Prod", false, Some(true), AT, auth, signed_101, probe, None)
        };
        let o = closed(Ok("AWS_IAM"), public, &DoorProbe::Refused { status: 403 });
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.verdict.message().contains("got 101 through wss://ws.example.com/chat"), "{o:?}");
        assert_eq!(o.evidence.get("signed_101_through"), public);
        // Without the 101, the refusal may be IAM's: unknown, saying what would prove it.
        let o = closed(Ok("AWS_IAM"), None, &DoorProbe::Refused { status: 403 });
        assert!(o.verdict.is_unknown(), "{o:?}");
        assert!(o.verdict.message().contains("no upgrade signed with these credentials got 101"), "{o:?}");
        // A Lambda authorizer's 403 stays unknown whatever the public URL got: its code may read the Host.
        let o = closed(Ok("CUSTOM"), public, &DoorProbe::Refused { status: 403 });
        assert!(o.verdict.is_unknown(), "{o:?}");
        assert!(o.verdict.message().contains("Lambda authorizer"), "{o:?}");
        // Only the 403 a disabled endpoint gives; an unreadable AuthorizationType proves nothing either.
        assert!(closed(Ok("AWS_IAM"), public, &DoorProbe::Refused { status: 401 }).verdict.is_unknown());
        assert!(closed(Err("GetRoutes failed"), public, &DoorProbe::Refused { status: 403 }).verdict.is_unknown());
        // The door expected open and answering 101 to the signed knock still passes.
        let o = judge_execute_api_live("u", true, Some(false), AT, Ok("AWS_IAM"), public, &DoorProbe::Open, None);
        assert_eq!(o.status(), Status::Pass);
    }

    // AWS: knowledge center "api-gateway-401-error-lambda-authorizer" — with a request parameter-based Lambda
    // authorizer, API Gateway answers 401 Unauthorized without calling it when the configured identity sources are
    // missing; "Disable the default endpoint for REST APIs" — a disabled default endpoint answers clients 403
    // Forbidden. So a knock without the identity sources tells the two apart: 401 is an open endpoint that reached
    // authorization, 403 the disabled one.
    #[test]
    fn live_door_behind_a_lambda_authorizer_is_decided_by_a_knock_without_its_identity_sources() {
        let knock = |status| BareKnock { probe: DoorProbe::Refused { status }, without: "query token".into() };
        let closed = |first, bare: &BareKnock| {
            judge_execute_api_live(
                "u",
                false,
                Some(true),
                AT,
                Ok("CUSTOM"),
                None,
                &DoorProbe::Refused { status: first },
                Some(bare),
            )
        };
        for first in [401, 403] {
            let o = closed(first, &knock(403));
            assert_eq!(o.status(), Status::Pass, "{o:?}");
            assert!(o.verdict.message().contains("without the authorizer's identity sources (query token)"), "{o:?}");
            let o = closed(first, &knock(401));
            assert_eq!(o.status(), Status::Fail, "{o:?}");
            assert!(
                o.verdict.message().contains("endpoint is open") && o.verdict.hint().unwrap().contains("redeploy"),
                "{o:?}"
            );
        }
        // Anything else from the second knock decides nothing.
        let o = closed(
            403,
            &BareKnock {
                probe: DoorProbe::Unreachable { cause: "x".into(), transient: true },
                without: "query token".into(),
            },
        );
        assert!(o.verdict.is_unknown(), "{o:?}");
        // The bare knock is about a Lambda authorizer only.
        let o = judge_execute_api_live(
            "u",
            false,
            Some(true),
            AT,
            Ok("AWS_IAM"),
            None,
            &DoorProbe::Refused { status: 403 },
            Some(&knock(403)),
        );
        assert!(o.verdict.is_unknown(), "{o:?}");
    }

    // AWS: "Disable the default endpoint for REST APIs" — clients of a disabled default endpoint "will receive a
    // 403 Forbidden status code"; knowledge center "api-gateway-401-error-lambda-authorizer" — API Gateway answers
    // 401 without calling a Lambda authorizer whose identity sources are missing. So an open door refused from
    // behind (401, an integration's 5xx) is open, and a 403 behind an authorizer is decided only by a bare knock.
    #[test]
    fn an_open_door_refused_from_behind_is_still_open() {
        let open = |auth, status, bare: Option<&BareKnock>| {
            judge_execute_api_live("u", true, Some(false), AT, auth, None, &DoorProbe::Refused { status }, bare)
        };
        for status in [401, 500, 502] {
            let o = open(Ok("CUSTOM"), status, None);
            assert_eq!(o.status(), Status::Pass, "{status}: {o:?}");
            assert!(o.verdict.message().contains("comes from behind the endpoint"), "{o:?}");
        }
        // 403 without authorization: the disabled door (or no such stage).
        assert_eq!(open(Ok("NONE"), 403, None).status(), Status::Fail);
        // 403 behind a Lambda authorizer: the bare knock decides.
        let knock = |status| BareKnock { probe: DoorProbe::Refused { status }, without: "header Authorization".into() };
        assert_eq!(open(Ok("CUSTOM"), 403, Some(&knock(401))).status(), Status::Pass);
        assert_eq!(open(Ok("CUSTOM"), 403, Some(&knock(403))).status(), Status::Fail);
        assert!(open(Ok("CUSTOM"), 403, None).verdict.is_unknown());
        assert!(open(Ok("AWS_IAM"), 403, None).verdict.is_unknown());
    }

    /// The one fix of `o` and its commands as shell lines.
    fn only_fix(o: &Outcome) -> (Fix, Vec<String>) {
        assert_eq!(o.fixes().len(), 1, "{o:?}");
        (o.fixes()[0].clone(), o.fixes()[0].shell().expect("no NUL"))
    }

    // AWS: API Gateway Developer Guide, "Disable the default endpoint for WebSocket APIs" — `aws apigatewayv2
    // update-api --api-id … --disable-execute-api-endpoint`, and "you must deploy your API for the change to take
    // effect" (create-deployment --stage-name).
    #[test]
    fn the_execute_api_flag_fix_is_update_api_then_a_deployment() {
        use ExecuteApi::*;
        let o = judge_execute_api_config(Some(false), Some(Disabled), Some(Layout::B), Some(AT));
        let (fix, lines) = only_fix(&o);
        assert_eq!((fix.resource.kind.as_str(), fix.resource.id.as_str()), ("AWS::ApiGatewayV2::Api", "a1b2c3d4e5"));
        assert_eq!((fix.field.as_str(), fix.current.as_deref()), ("DisableExecuteApiEndpoint", Some("false")));
        assert_eq!(fix.wanted, Wanted::Value("true".into()));
        assert_eq!(
            lines,
            [
                "aws apigatewayv2 update-api --api-id a1b2c3d4e5 --disable-execute-api-endpoint --region eu-west-1",
                "aws apigatewayv2 create-deployment --api-id a1b2c3d4e5 --stage-name Prod --region eu-west-1",
            ]
        );
        // Layout A needs the door open: the CLI's negated flag.
        let o = judge_execute_api_config(Some(true), None, Some(Layout::A), Some(AT));
        assert!(only_fix(&o).1[0].ends_with("--no-disable-execute-api-endpoint --region eu-west-1"), "{o:?}");
        // Without a stage to deploy, only the update; without the API, no fix; a pass carries none.
        let no_stage = ApiRef { stage: None, ..AT };
        let o = judge_execute_api_config(Some(false), Some(Disabled), None, Some(no_stage));
        assert_eq!(only_fix(&o).1.len(), 1);
        assert!(judge_execute_api_config(Some(false), Some(Disabled), None, None).fixes().is_empty());
        assert!(judge_execute_api_config(Some(true), Some(Disabled), None, Some(AT)).fixes().is_empty());
    }

    #[test]
    fn the_live_door_fix_is_only_the_deployment_when_the_flag_is_already_set() {
        let live = |flag, expect_open, probe| {
            judge_execute_api_live("wss://a.x/Prod", expect_open, flag, AT, Ok("NONE"), None, &probe, None)
        };
        let (fix, lines) = only_fix(&live(Some(true), false, DoorProbe::Open));
        assert_eq!(fix.field, "DeploymentId");
        assert_eq!(
            lines,
            ["aws apigatewayv2 create-deployment --api-id a1b2c3d4e5 --stage-name Prod --region eu-west-1"]
        );
        let (fix, lines) = only_fix(&live(Some(false), false, DoorProbe::Open));
        assert_eq!(fix.field, "DisableExecuteApiEndpoint");
        assert_eq!(lines.len(), 2, "update-api, then create-deployment");
        let (_, lines) = only_fix(&live(Some(true), true, DoorProbe::Refused { status: 403 }));
        assert!(lines[0].contains("--no-disable-execute-api-endpoint"), "{lines:?}");
        assert!(live(Some(true), false, DoorProbe::Refused { status: 403 }).fixes().is_empty());
        // An answer that is not the door's says nothing about the flag: no flag fix.
        assert!(live(Some(true), false, DoorProbe::Refused { status: 404 }).fixes().is_empty());
    }

    #[test]
    fn the_route_selection_expression_fix_updates_the_api_and_redeploys() {
        let o = judge_api(Some(&api()), AT, Some("$request.body.type"));
        let (fix, lines) = only_fix(&o);
        assert_eq!(
            (fix.field.as_str(), fix.current.as_deref()),
            ("RouteSelectionExpression", Some("$request.body.action"))
        );
        assert_eq!(shlex::split(&lines[0]).unwrap()[5..7], ["--route-selection-expression", "$request.body.type"]);
        assert!(lines[0].contains("'$request.body.type'"), "a `$` value is quoted: {lines:?}");
        assert!(lines[1].contains("create-deployment"));
        assert!(judge_api(Some(&api()), AT, Some("$request.body.action")).fixes().is_empty());
    }

    #[test]
    fn stage_fixes_create_the_stage_deploy_it_and_lift_a_zero_limit() {
        let (fix, lines) = only_fix(&judge_stage(None, AT, "Prod", None, None));
        assert_eq!(
            (fix.resource.kind.as_str(), fix.resource.id.as_str()),
            ("AWS::ApiGatewayV2::Stage", "a1b2c3d4e5/Prod")
        );
        assert_eq!(
            lines,
            [
                "aws apigatewayv2 create-stage --api-id a1b2c3d4e5 --stage-name Prod --region eu-west-1",
                "aws apigatewayv2 create-deployment --api-id a1b2c3d4e5 --stage-name Prod --region eu-west-1",
            ]
        );
        let s = StageFacts { deployment_id: None, ..stage() };
        let (fix, lines) = only_fix(&judge_stage(Some(&s), AT, "Prod", Some(Ok(0)), None));
        assert_eq!(fix.field, "DeploymentId");
        assert_eq!(
            lines,
            ["aws apigatewayv2 create-deployment --api-id a1b2c3d4e5 --stage-name Prod --region eu-west-1"]
        );
        let s = StageFacts { throttling_burst_limit: Some(0), ..stage() };
        let (fix, lines) = only_fix(&judge_stage(Some(&s), AT, "Prod", None, None));
        assert!(matches!(&fix.wanted, Wanted::AtLeast(w) if w.starts_with("1 each")), "{fix:?}");
        assert_eq!(
            fix.commands[0][5..],
            crate::fix::argv([
                "--stage-name",
                "Prod",
                "--default-route-settings",
                "ThrottlingBurstLimit=1250,ThrottlingRateLimit=2500",
                "--region",
                "eu-west-1"
            ]),
            "{lines:?}"
        );
        assert!(judge_stage(Some(&stage()), AT, "Prod", None, None).fixes().is_empty());
    }

    // AWS: Amazon API Gateway quotas, https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html — the
    // account-level throttle is 10,000 RPS (2,500 RPS, burst 1,250 in some Regions), and route limits cannot exceed it:
    // the fix sets the lowest default so UpdateStage accepts it everywhere.
    #[test]
    fn a_route_throttling_fix_keys_the_route_settings_by_route_key_in_json() {
        let s = StageFacts { route_throttling: vec![("$default".into(), Some(0), None)], ..stage() };
        let o = judge_stage(Some(&s), AT, "Prod", None, None);
        let (fix, _) = only_fix(&o);
        assert_eq!(fix.field, "RouteSettings[\"$default\"].ThrottlingBurstLimit, ThrottlingRateLimit");
        let args = &fix.commands[0];
        let json = &args[args.iter().position(|a| a == "--route-settings").unwrap() + 1];
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v["$default"]["ThrottlingBurstLimit"], 1250);
        assert_eq!(v["$default"]["ThrottlingRateLimit"], 2500.0);
    }

    // AWS: AWS CLI Command Reference, "apigatewayv2 update-domain-name",
    // https://docs.aws.amazon.com/cli/latest/reference/apigatewayv2/update-domain-name.html — `--domain-name-configurations`
    // is the list whose structure carries CertificateArn, EndpointType and SecurityPolicy; `--routing-mode` is its own option.
    #[test]
    fn domain_fixes_name_the_certificate_again_and_set_the_routing_mode() {
        let d = DomainFacts { security_policy: Some("TLS_1_0".into()), ..good_domain() };
        let o = judge_d(&d);
        assert_eq!(o.status(), Status::Pass, "a warning: {o:?}");
        let (fix, _) = only_fix(&o);
        assert_eq!(
            (fix.field.as_str(), fix.current.as_deref()),
            ("DomainNameConfigurations[0].SecurityPolicy", Some("TLS_1_0"))
        );
        let args = &fix.commands[0];
        let json = &args[args.iter().position(|a| a == "--domain-name-configurations").unwrap() + 1];
        let v: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(v[0]["SecurityPolicy"], "TLS_1_2");
        assert_eq!(v[0]["CertificateArn"].as_str(), d.certificate_arn.as_deref());
        let unknown_cert = DomainFacts { certificate_arn: None, ..d };
        assert!(only_fix(&judge_d(&unknown_cert)).0.commands.is_empty(), "no certificate to name: no command");
        let d = DomainFacts { routing_mode: Some("ROUTING_RULE_ONLY".into()), ..good_domain() };
        let (fix, lines) = only_fix(&judge_d(&d));
        assert_eq!(fix.wanted, Wanted::Value("API_MAPPING_ONLY".into()));
        assert!(lines[0].contains("update-domain-name --domain-name ws.example.com --routing-mode API_MAPPING_ONLY"));
        let d = DomainFacts { endpoint_type: Some("EDGE".into()), ..good_domain() };
        let (fix, _) = only_fix(&judge_d(&d));
        assert!(matches!(fix.wanted, Wanted::Words(_)) && fix.commands.is_empty(), "recreated, not one field: {fix:?}");
        assert!(judge_d(&good_domain()).fixes().is_empty());
    }

    // AWS: AWS CLI Command Reference, "apigatewayv2 create-api-mapping",
    // https://docs.aws.amazon.com/cli/latest/reference/apigatewayv2/create-api-mapping.md — `--api-id`, `--domain-name`
    // and `--stage` are required, `--api-mapping-key` is optional (CloudFormation AWS::ApiGatewayV2::ApiMapping:
    // ApiMappingKey "Required: No").
    #[test]
    fn mapping_fixes_create_the_missing_mapping_and_repoint_its_api() {
        let (fix, lines) = only_fix(&judge_mapping(&[], &expect("chat", None)));
        assert_eq!(fix.resource.kind, "AWS::ApiGatewayV2::ApiMapping");
        assert_eq!(
            lines,
            [
                "aws apigatewayv2 create-api-mapping --domain-name ws.example.com --api-mapping-key chat --api-id a1b2c3d4e5 \
              --stage Prod --region ap-northeast-1"
            ]
        );
        let (_, lines) = only_fix(&judge_mapping(&[], &expect("", None)));
        assert!(!lines[0].contains("--api-mapping-key"), "the root mapping takes no key: {lines:?}");
        let unknown = MappingExpectation { stage: None, ..expect("chat", None) };
        let (fix, _) = only_fix(&judge_mapping(&[], &unknown));
        assert!(matches!(fix.wanted, Wanted::Words(_)) && fix.commands.is_empty());
        let other = MappingFacts { api_id: Some("zzzz999999".into()), ..mapping("chat", "Prod") };
        let (fix, lines) = only_fix(&judge_mapping(&[other], &expect("chat", None)));
        assert_eq!((fix.field.as_str(), fix.current.as_deref()), ("ApiId", Some("zzzz999999")));
        assert!(lines[0].contains("--api-mapping-id map0001 --api-id a1b2c3d4e5 --region"), "{lines:?}");
    }

    #[test]
    fn a_missing_route_is_fixed_in_words_since_its_integration_is_the_apis_design() {
        let o = judge_routes(&[route("$connect")], &wanted(), &RouteContext::default());
        assert!(o.fixes().iter().all(|f| matches!(f.wanted, Wanted::Words(_)) && f.commands.is_empty()), "{o:?}");
        assert!(o.fixes().iter().any(|f| f.field == "RouteKey"), "{o:?}");
    }

    #[test]
    fn combining_keeps_the_failing_half() {
        let cfg_fail = Outcome::fail("flag wrong", "set it");
        assert_eq!(combine_execute_api(cfg_fail, Outcome::pass("closed")).verdict.message(), "flag wrong");
        let live_fail = Outcome::fail("door open", "redeploy");
        assert_eq!(combine_execute_api(Outcome::pass("ok"), live_fail).verdict.message(), "door open");
        let no_creds = combine_execute_api(Outcome::error("no credentials"), Outcome::pass("closed"));
        assert_eq!(no_creds.status(), Status::Pass);
        assert_eq!(no_creds.evidence.get("config"), Some("not read: no credentials"));
    }
}
