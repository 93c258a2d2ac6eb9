//! `e2e.*` checks: act on the deployment as a client and a backend would.
//! `e2e.connect` opens the session the others share (`facts.live`).

use crate::sync::Locked;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_apigatewaymanagement as mgmt;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;
use url::Url;

use crate::check::{CheckDef, Ctx, always};
use crate::facts::live::{Frame, Management, NoManagement, Session};
use crate::ids;
use crate::net::ws::{UpgradeSignature, UpgradeSigner};
use crate::net::{Deadline, UpgradeError, WsLimits};
use crate::outcome::{Evidence, Outcome};
use crate::secret::Redactor;
use crate::suite::{ExecuteApi, Expect, ManagementEndpoint, RoundtripAuth, Suite};

pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: ids::E2E_CONNECT,
        summary: "upgrade through the public URL: 101, valid Sec-WebSocket-Accept, subprotocol; phase timings",
        explain: "The proof that every hop agrees: DNS, TLS, CloudFront's behavior and forwarding, and API \
                  Gateway's host/path routing. A refusal's status and body say which hop refused.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-wscat.html",
        requires: &[],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(connect(ctx)),
    },
    CheckDef {
        id: ids::E2E_ECHO,
        summary: "send the suite's message with a fresh nonce and get the expected reply in time",
        explain: "Messages reach a route with an integration and its answer comes back on the socket.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html",
        requires: &[ids::E2E_CONNECT],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(echo(ctx)),
    },
    CheckDef {
        id: ids::E2E_POST,
        summary: "POST @connections/{id} on the management endpoint, signed; the payload arrives on the socket",
        explain: "The backend must reach the client. The endpoint is the execute-api URL with the stage, or \
                  the custom domain with the mapping key reached at its regional target — never domain + stage.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html",
        requires: &[ids::E2E_ECHO],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(post(ctx)),
    },
    CheckDef {
        id: ids::E2E_CONNECTION_INFO,
        summary: "GET @connections/{id} answers with ConnectedAt and the source IP",
        explain: "The management API knows the live connection.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html",
        requires: &[ids::E2E_ECHO],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(connection_info(ctx)),
    },
    CheckDef {
        id: ids::E2E_KEEPALIVE,
        summary: "a ping gets a pong; optionally the connection survives an idle period",
        explain: "Idle connections close after 10 minutes on API Gateway; clients keep them alive with pings.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        requires: &[ids::E2E_CONNECT],
        // After the echo so that its verdict is about a connection that has
        // carried traffic; it overlaps post and connection-info.
        after: &[ids::E2E_ECHO],
        applies: always,
        run: |ctx| Box::pin(keepalive(ctx)),
    },
    CheckDef {
        id: ids::E2E_DISCONNECT,
        summary: "DELETE @connections/{id} closes the socket; a later POST gets 410 Gone",
        explain: "The backend can end a session, and a gone connection is reported as gone.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-how-to-call-websocket-api-connections.html",
        requires: &[ids::E2E_ECHO],
        after: &[ids::E2E_POST, ids::E2E_CONNECTION_INFO, ids::E2E_KEEPALIVE],
        applies: always,
        run: |ctx| Box::pin(disconnect(ctx)),
    },
    CheckDef {
        id: ids::E2E_LIMITS,
        summary: "a 128 KB message in 32 KB frames is accepted; a larger one closes the connection with 1009",
        explain: "API Gateway's WebSocket quotas: at most 32 KB per frame and 128 KB per message; a bigger \
                  message closes the connection with 1009 (message too big). Clients must split what they send \
                  or send references. Runs on its own connection when `roundtrip.limits = true`.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html",
        requires: &[ids::E2E_CONNECT],
        after: &[],
        applies: needs_limits,
        run: |ctx| Box::pin(limits(ctx)),
    },
];

fn needs_limits(s: &Suite) -> Result<(), String> {
    if s.roundtrip.limits {
        Ok(())
    } else {
        Err("set `roundtrip.limits = true` to test the 32 KB frame / 128 KB message quotas".into())
    }
}

/// API Gateway's WebSocket quotas.
const FRAME_QUOTA: usize = 32 * 1024;
const MESSAGE_QUOTA: usize = 128 * 1024;

/// What the rest of the run knows about where the upgrade should have gone:
/// the route model (when the control plane was read) and `$connect`'s
/// authorization. Everything optional: a local emulator has none of it.
#[derive(Debug, Clone, Default)]
pub struct RefusalContext {
    /// Whether the public URL goes through CloudFront (the route has an edge hop, or the suite names a distribution).
    pub through_cloudfront: Option<bool>,
    /// The route, described, when it reaches the API and stage the suite expects.
    pub route_reaches_api: Option<String>,
    /// The route, described, when it does not (wrong path, Host or mapping).
    pub route_misses_api: Option<String>,
    /// `$connect`'s AuthorizationType (`NONE`, `CUSTOM`, `AWS_IAM`), when read.
    pub connect_auth: Option<String>,
    /// The names (never the values) of the headers and query parameters the suite sends.
    pub auth_keys: Vec<String>,
    /// How the suite signs the upgrade (`[roundtrip] auth`).
    pub auth: RoundtripAuth,
    /// Whether CloudFront forwards the viewer's Host to the origin (the route's edge hop), when known.
    pub host_forwarded: Option<bool>,
    /// The Host API Gateway receives, when known.
    pub gateway_host: Option<String>,
}

/// What an AWS_IAM `$connect` asks of the caller.
const IAM_POLICY_HINT: &str = "the upgrade must be SigV4-signed for service `execute-api` in the API's region, by \
     credentials allowed `execute-api:Invoke` on `arn:aws:execute-api:{region}:{account}:{api-id}/{stage}/$connect`";

/// Which hop produced a refusal, from the response itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusingHop {
    /// API Gateway's JSON `{"message": …}` (with `x-amzn-requestid`/`apigw-requestid`).
    ApiGateway,
    /// CloudFront's own error page ("Generated by cloudfront").
    CloudFront,
    /// S3 behind CloudFront's default behavior (`AccessDenied` XML).
    S3Origin,
    Unknown,
}

pub fn refusing_hop(body: &[u8], headers: &[(String, String)]) -> RefusingHop {
    let text = String::from_utf8_lossy(body);
    let header = |name: &str| headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.starts_with(r#"{"message""#) || header("apigw-requestid") || header("x-amzn-errortype") {
        RefusingHop::ApiGateway
    } else if text.contains("<Code>AccessDenied</Code>") {
        RefusingHop::S3Origin
    } else if text.contains("Generated by cloudfront") || text.contains("The request could not be satisfied") {
        RefusingHop::CloudFront
    } else if header("x-amzn-requestid") {
        RefusingHop::ApiGateway
    } else {
        RefusingHop::Unknown
    }
}

/// Interprets a refused upgrade: which hop said no, and what to change. The
/// response names the hop; the route model and `$connect`'s authorization
/// tell a wrong path or Host from an authorizer that said no.
// AWS: API Gateway Developer Guide, "Control access to WebSocket APIs with AWS Lambda REQUEST
// authorizers" — an authorizer runs only on `$connect`; a denied or failed authorization refuses
// the upgrade (401 without the identity source, 403 when denied).
pub fn judge_refusal(status: u16, body: &[u8], headers: &[(String, String)], cx: &RefusalContext) -> (String, String) {
    let hop = refusing_hop(body, headers);
    let keys = if cx.auth_keys.is_empty() {
        "the suite sends no headers or query (`[roundtrip] headers`/`query`)".to_owned()
    } else {
        format!("the suite sends {}", cx.auth_keys.join(", "))
    };
    let authorized = cx.connect_auth.as_deref().is_some_and(|a| a != "NONE");
    let iam = cx.connect_auth.as_deref() == Some("AWS_IAM");
    let from_gateway = matches!(hop, RefusingHop::ApiGateway | RefusingHop::Unknown);
    let said = api_gateway_message(body);
    let signed = cx.auth.is_iam();
    match (hop, status) {
        (_, 401 | 403) if from_gateway && iam && !signed && cx.route_misses_api.is_none() => (
            format!(
                "HTTP {status} from API Gateway: `$connect` requires IAM authorization: set `[roundtrip] auth = \"iam\"`"
            ),
            format!(
                "{IAM_POLICY_HINT}; `auth = \"iam\"` signs the headers, `auth = \"iam-query\"` the query string \
                 (for clients that cannot set headers)"
            ),
        ),
        (_, 401 | 403)
            if from_gateway && signed && said.as_deref().is_some_and(|m| m.starts_with("Signature expired")) =>
        {
            (
                format!(
                    "HTTP {status} from API Gateway: the SigV4 signature expired ({})",
                    said.as_deref().unwrap_or_default()
                ),
                "a signature is valid for 5 minutes from its X-Amz-Date: this machine's clock is off from AWS's; \
             synchronize it (NTP) — clients must sign each upgrade right before sending it"
                    .into(),
            )
        }
        (_, 401 | 403) if from_gateway && signed && said.as_deref().is_some_and(|m| m.contains("scoped to")) => (
            format!(
                "HTTP {status} from API Gateway: the SigV4 signature's credential scope is wrong ({})",
                said.as_deref().unwrap_or_default().trim()
            ),
            "sign for the region the API is deployed in and service `execute-api`: set the suite's `region` to \
             the API's region"
                .into(),
        ),
        (_, 401 | 403) if from_gateway && signed && cx.host_forwarded == Some(false) => (
            format!(
                "HTTP {status}: the upgrade is SigV4-signed for the Host it is sent to, but CloudFront does not forward \
                 the viewer Host: API Gateway receives `{}`, and the signature covers a Host it never sees — IAM-signed \
                 upgrades cannot work through this behavior",
                cx.gateway_host.as_deref().unwrap_or("the origin's domain")
            ),
            "forward the viewer Host (origin request policy AllViewer) to an API Gateway custom domain of the public \
             name, or authorize `$connect` with a Lambda REQUEST authorizer instead (`[roundtrip] headers`/`query`)"
                .into(),
        ),
        (_, 401 | 403) if from_gateway && signed && iam => (
            format!(
                "HTTP {status} from API Gateway: the SigV4-signed upgrade was refused{}",
                said.as_deref().map(|m| format!(" ({})", m.trim())).unwrap_or_default()
            ),
            format!(
                "{IAM_POLICY_HINT}; through CloudFront the Authorization header reaches the origin only where the \
                 behavior forwards it: `auth = \"iam-query\"` signs in the query string instead"
            ),
        ),
        (RefusingHop::ApiGateway, 401 | 403) if authorized && cx.route_reaches_api.is_some() => (
            format!(
                "HTTP {status} from API Gateway although the route reaches the API ({}): the $connect authorizer (AuthorizationType {}) or the credentials refused",
                cx.route_reaches_api.as_deref().unwrap_or_default(),
                cx.connect_auth.as_deref().unwrap_or_default()
            ),
            format!(
                "check what the authorizer reads ({keys}) and that CloudFront forwards it; for AWS_IAM the upgrade must be SigV4-signed"
            ),
        ),
        (RefusingHop::ApiGateway, 403) if cx.route_misses_api.is_some() => (
            format!(
                "HTTP 403 {{\"message\":\"Forbidden\"}} from API Gateway: the request does not reach the API and stage ({})",
                cx.route_misses_api.as_deref().unwrap_or_default()
            ),
            "see the failing cloudfront.*/apigw.* check for the field to change".into(),
        ),
        (RefusingHop::ApiGateway, 403) => (
            format!("HTTP {status} {{\"message\":\"Forbidden\"}}: API Gateway refused the path/host"),
            "API Gateway refused the path/host (wrong stage path, mapping key or Host): check the CloudFront \
             behavior's PathPattern/OriginPath, the origin request policy (Host forwarding) and the API mapping"
                .into(),
        ),
        (RefusingHop::S3Origin, _) => (
            format!("HTTP {status} AccessDenied (XML): CloudFront sent the request to the S3/default origin"),
            "CloudFront sent the request to the S3/default origin: no behavior matched; add a behavior whose \
             PathPattern matches the path and targets the API origin"
                .into(),
        ),
        (RefusingHop::CloudFront, _) => (
            format!("HTTP {status} from CloudFront itself (its own error page): the request never reached an origin"),
            "check that the host is among the distribution's Aliases, and any AWS WAF web ACL, geographic \
             restriction or signed-URL requirement on the behavior"
                .into(),
        ),
        (_, 429) => (
            "HTTP 429: throttled".into(),
            "the stage's throttling limits are exhausted or zero: raise the stage/route burst and rate limits".into(),
        ),
        (_, 502 | 504) if cx.through_cloudfront == Some(false) => (
            format!("HTTP {status} from API Gateway (this layout has no CloudFront): the $connect integration failed"),
            "read the $connect integration's logs (the backend's error or timeout; API Gateway's limit is 29 s)".into(),
        ),
        (_, 502) => (
            "HTTP 502: the origin is unreachable".into(),
            "CloudFront cannot reach the API origin: check the origin domain, protocol policy (https-only) and TLS"
                .into(),
        ),
        (_, 401 | 403) => (
            format!("HTTP {status}: the upgrade was refused"),
            format!("check the $connect authorizer and what it reads ({keys}): are they forwarded by CloudFront?"),
        ),
        _ => (format!("HTTP {status}: the upgrade was refused"), "see the body for which hop answered".into()),
    }
}

/// The `message` of API Gateway's JSON answer, when there is one other than `Forbidden`.
fn api_gateway_message(body: &[u8]) -> Option<String> {
    let v: serde_json::Value = serde_json::from_slice(body).ok()?;
    v.get("message")?.as_str().filter(|m| *m != "Forbidden").map(str::to_owned)
}

/// Whether a check that reads the control plane runs (then the route model
/// is fetched anyway; otherwise a local suite never looks up AWS credentials).
fn control_plane_planned(ctx: &Ctx) -> bool {
    ctx.planned.iter().any(|id| id.starts_with("apigw.") || id.starts_with("cloudfront."))
}

/// What the run knows about where the upgrade should go, for [`judge_refusal`].
/// Reads the control plane only when a control-plane check is planned anyway
/// (a local-emulator suite never looks up AWS credentials for this).
async fn refusal_context(ctx: &Ctx) -> RefusalContext {
    let rt = &ctx.suite.roundtrip;
    let mut cx = RefusalContext {
        through_cloudfront: ctx.suite.cloudfront.is_some().then_some(true),
        auth_keys: rt
            .headers
            .iter()
            .map(|(k, _)| format!("header {k}"))
            .chain(rt.query.iter().map(|(k, _)| format!("query {k}")))
            .collect(),
        auth: rt.auth,
        ..RefusalContext::default()
    };
    if !control_plane_planned(ctx) {
        return cx;
    }
    let aws = &ctx.facts.aws;
    if let Ok(route) = aws.route().await {
        cx.through_cloudfront = Some(route.edge.is_some());
        cx.host_forwarded = route.edge.as_ref().map(|e| e.host_forwarded);
        cx.gateway_host = Some(route.gateway_host.clone());
        let want_api = aws.api_id().await.ok();
        let want_stage = aws.stage_name().await.ok();
        let reaches =
            route.api_id().is_some() && route.api_id() == want_api.as_deref() && route.stage() == want_stage.as_deref();
        if reaches {
            cx.route_reaches_api = Some(route.describe());
        } else {
            cx.route_misses_api = Some(route.describe());
        }
        if let Some(api) = want_api
            && let Ok(routes) = aws.routes(&api).await
        {
            cx.connect_auth = Some(
                routes
                    .iter()
                    .find(|r| r.route_key == "$connect")
                    .and_then(|r| r.authorization_type.clone())
                    .unwrap_or_else(|| "NONE".into()),
            );
        }
    }
    cx
}

/// How long a query-string signature is valid for: the upgrade is sent at once.
pub const PRESIGNED_FOR: Duration = Duration::from_secs(60);

/// Signs an upgrade for an AWS_IAM `$connect`: SigV4, service `execute-api`,
/// over the Host the request is sent with and the path API Gateway receives.
/// Every value it produces is remembered, to be masked in what the check reports.
pub struct IamSigner {
    identity: aws_smithy_runtime_api::client::identity::Identity,
    region: String,
    in_query: bool,
    /// The path API Gateway receives when CloudFront changes it (OriginPath).
    gateway_path: Option<String>,
    produced: std::sync::Mutex<Redactor>,
}

impl IamSigner {
    pub fn new(credentials: aws_credential_types::Credentials, region: &str, in_query: bool) -> IamSigner {
        let mut produced = Redactor::default();
        if let Some(token) = credentials.session_token() {
            produced.add(token);
        }
        IamSigner {
            identity: credentials.into(),
            region: region.to_owned(),
            in_query,
            gateway_path: None,
            produced: std::sync::Mutex::new(produced),
        }
    }

    /// Masks every signature value this signer produced (and the session token).
    pub fn redactor(&self) -> Redactor {
        self.produced.locked().clone()
    }

    /// Signs a GET of `target` (path and query) on `host` at `time`.
    pub fn sign_at(&self, host: &str, target: &str, time: std::time::SystemTime) -> Result<UpgradeSignature, String> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        let path = self.gateway_path.as_deref().unwrap_or(path);
        let uri = match query {
            Some(q) => format!("https://{host}{path}?{q}"),
            None => format!("https://{host}{path}"),
        };
        let mut settings = SigningSettings::default();
        if self.in_query {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(PRESIGNED_FOR);
        }
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("execute-api")
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| format!("SigV4 parameters: {e}"))?
            .into();
        let signable = SignableRequest::new("GET", &uri, [("host", host)].into_iter(), SignableBody::Bytes(&[]))
            .map_err(|e| format!("the upgrade request cannot be signed: {e}"))?;
        let (instructions, signature) =
            sign(signable, &params).map_err(|e| format!("SigV4 signing failed: {e}"))?.into_parts();
        let (headers, query) = instructions.into_parts();
        let out = UpgradeSignature {
            headers: headers.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect(),
            query: query.into_iter().map(|(k, v)| (k.to_owned(), v.into_owned())).collect(),
        };
        let mut produced = self.produced.locked();
        produced.add(&signature);
        for (k, v) in out.headers.iter().chain(&out.query) {
            if k.eq_ignore_ascii_case("authorization")
                || k.eq_ignore_ascii_case("x-amz-security-token")
                || k.eq_ignore_ascii_case("x-amz-credential")
                || k.eq_ignore_ascii_case("x-amz-signature")
            {
                produced.add(v);
            }
        }
        Ok(out)
    }
}

impl UpgradeSigner for IamSigner {
    fn sign(&self, host: &str, target: &str) -> Result<UpgradeSignature, String> {
        self.sign_at(host, target, std::time::SystemTime::now())
    }
}

/// The signer the suite's `[roundtrip] auth` asks for, with the control-plane
/// clients' credentials; `Ok(None)` for `auth = "none"`. Adds what it signs
/// for (never a value) to `ev`.
async fn upgrade_signer(ctx: &Ctx, ev: &mut Evidence) -> Result<Option<IamSigner>, Outcome> {
    let auth = ctx.suite.roundtrip.auth;
    let Some(mut signer) = iam_signer(ctx).await? else { return Ok(None) };
    // Through CloudFront, API Gateway receives OriginPath + path: that is what it verifies.
    if control_plane_planned(ctx)
        && let Ok(route) = ctx.facts.aws.route().await
        && route.edge.is_some()
        && route.gateway_path != ctx.suite.path()
    {
        signer.gateway_path = Some(route.gateway_path.clone());
    }
    ev.set(
        "auth",
        format!(
            "SigV4 execute-api {} ({})",
            ctx.suite.region,
            if auth == RoundtripAuth::IamQuery { "query string" } else { "headers" }
        ),
    );
    if let Some(p) = &signer.gateway_path {
        ev.set("signed_path", p);
    }
    Ok(Some(signer))
}

/// A SigV4 signer for upgrades when the suite's `$connect` uses IAM (`[roundtrip] auth`),
/// with the control-plane clients' credentials; `None` for `auth = "none"`. It signs the
/// path the request carries: the execute-api door's probe uses it as is.
pub async fn iam_signer(ctx: &Ctx) -> Result<Option<IamSigner>, Outcome> {
    use aws_credential_types::provider::ProvideCredentials;
    let auth = ctx.suite.roundtrip.auth;
    if !auth.is_iam() {
        return Ok(None);
    }
    let provider = ctx.facts.aws.credentials_provider().await.ok_or_else(|| {
        Outcome::error("`[roundtrip] auth` signs the upgrade, but no AWS credentials provider is configured")
    })?;
    let credentials = provider.provide_credentials().await.map_err(|e| {
        Outcome::error(format!(
            "`[roundtrip] auth = \"{}\"` needs AWS credentials to sign the upgrade: {}",
            auth.name(),
            aws_smithy_types::error::display::DisplayErrorContext(&e)
        ))
    })?;
    Ok(Some(IamSigner::new(credentials, &ctx.suite.region, auth == RoundtripAuth::IamQuery)))
}

/// The nonce-substituted expectation matches `text`.
pub fn reply_matches(expect: &Expect, nonce: &str, text: &str) -> bool {
    match expect {
        Expect::Substring(s) => text.contains(&s.replace("{{nonce}}", nonce)),
        Expect::JsonPointer { pointer, contains } => {
            let Ok(v) = serde_json::from_str::<serde_json::Value>(text) else { return false };
            let want = contains.replace("{{nonce}}", nonce);
            match v.pointer(pointer) {
                Some(serde_json::Value::String(s)) => s.contains(&want),
                Some(other) => other.to_string().contains(&want),
                None => false,
            }
        }
    }
}

/// The connection id at `pointer` in a JSON reply.
pub fn extract_connection_id(pointer: &str, text: &str) -> Option<String> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    v.pointer(pointer)?.as_str().map(str::to_owned).filter(|s| !s.is_empty())
}

fn nonce() -> String {
    format!("wsc-{:016x}", rand::random::<u64>())
}

/// Where `@connections` is, and the host whose addresses reach it (the regional target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementTarget {
    pub url: Url,
    pub via: Option<String>,
}

/// Derives the management endpoint (docs/architecture.md). `Err` names the missing key.
/// `discovered_target` is the custom domain's regional target as the control
/// plane reports it, used when the suite does not give one.
/// What the control plane told about the management endpoint, used where the
/// suite is silent: the real `DisableExecuteApiEndpoint`, and the custom
/// domain and mapping key the route reaches (layout d's is not the public host's).
#[derive(Debug, Clone, Default)]
pub struct ManagementFacts {
    /// GetDomainName `ApiGatewayDomainName` of the custom domain.
    pub regional_target: Option<String>,
    /// GetApi `DisableExecuteApiEndpoint`.
    pub execute_api_disabled: Option<bool>,
    /// The custom domain the route lands on, its mapping key, and that domain's regional target.
    pub mapping: Option<(String, String, Option<String>)>,
}

/// The `@connections` endpoint, as AWS documents it: the execute-api URL with
/// the stage while that door is open, else `https://{custom domain}/{mapping
/// key}` reached at the domain's regional target — never through CloudFront,
/// never domain + stage. The suite's keys win; `found` fills what it leaves out.
// AWS: API Gateway Developer Guide, "Use @connections commands in your backend service" — the
// endpoint is https://{api-id}.execute-api.{region}.amazonaws.com/{stage}, or with a custom domain
// https://{custom domain}/{base path (mapping key)}.
pub fn management_target(suite: &Suite, found: &ManagementFacts) -> Result<ManagementTarget, String> {
    if let ManagementEndpoint::Url(u) = &suite.roundtrip.management_endpoint {
        return Ok(ManagementTarget { url: u.clone(), via: None });
    }
    let execute_api = match (&suite.api.id, &suite.api.stage) {
        (Some(id), Some(stage)) => {
            Url::parse(&format!("https://{}/{stage}", crate::partition::execute_api_host(id, &suite.region))).ok()
        }
        _ => None,
    };
    let custom = match (&suite.custom_domain, &found.mapping) {
        (Some(d), _) => {
            let key = d.mapping_key.clone().or_else(|| {
                found.mapping.as_ref().filter(|(name, _, _)| name.eq_ignore_ascii_case(&d.name)).map(|m| m.1.clone())
            });
            let key = key.unwrap_or_else(|| {
                if d.name.eq_ignore_ascii_case(suite.host()) {
                    suite.path().trim_start_matches('/').split('/').next().unwrap_or_default().to_owned()
                } else {
                    String::new()
                }
            });
            Some((d.name.clone(), key, d.regional_target.clone().or_else(|| found.regional_target.clone())))
        }
        (None, Some(m)) => Some(m.clone()),
        (None, None) => None,
    };
    let door_open = match suite.api.execute_api {
        Some(ExecuteApi::Enabled) => Some(true),
        Some(ExecuteApi::Disabled) => Some(false),
        None => found.execute_api_disabled.map(|disabled| !disabled),
    };
    match (door_open, execute_api, custom) {
        (Some(true) | None, Some(url), _) => Ok(ManagementTarget { url, via: None }),
        (_, _, Some((name, key, target))) => {
            let Some(via) = target else {
                return Err("the custom domain's regional target is unknown: set `[custom_domain] regional_target` \
                            (or `roundtrip.management_endpoint`)"
                    .into());
            };
            let url = Url::parse(&format!("https://{name}/{key}")).map_err(|e| e.to_string())?;
            Ok(ManagementTarget { url, via: Some(via) })
        }
        _ => Err("no management endpoint: set `[api] id` and `stage`, a `[custom_domain]`, or \
                  `roundtrip.management_endpoint`"
            .into()),
    }
}

/// What the control plane says about the management endpoint, read only when a
/// control-plane check runs anyway (the same memoized calls).
async fn management_facts(ctx: &Ctx) -> ManagementFacts {
    let aws = &ctx.facts.aws;
    let mut found = ManagementFacts::default();
    if let (Some(d), ManagementEndpoint::Auto) = (&ctx.suite.custom_domain, &ctx.suite.roundtrip.management_endpoint)
        && d.regional_target.is_none()
    {
        found.regional_target =
            aws.domain(&d.name).await.ok().flatten().and_then(|f| f.api_gateway_domain_name.clone());
    }
    // Only what the suite leaves out is asked (and a slow control plane then delays only those suites).
    if !control_plane_planned(ctx) {
        return found;
    }
    let suite = &ctx.suite;
    if suite.api.execute_api.is_none()
        && let Ok(id) = aws.api_id().await
        && let Ok(Some(api)) = aws.api(&id).await
    {
        found.execute_api_disabled = api.disable_execute_api_endpoint;
    }
    if suite.custom_domain.as_ref().is_none_or(|d| d.mapping_key.is_none())
        && let Ok(route) = aws.route().await
        && let crate::model::route::Landing::CustomDomain { domain, key, mapping: Some(_) } = &route.landing
    {
        let target = aws.domain(domain).await.ok().flatten().and_then(|f| f.api_gateway_domain_name.clone());
        found.mapping = Some((domain.clone(), key.clone(), target));
    }
    found
}

/// The management client, built once per run; its connection is opened as
/// soon as it is built (a HEAD to the endpoint's root), so the first
/// PostToConnection does not pay for DNS and TLS.
async fn management(ctx: &Ctx) -> Result<Arc<Management>, Outcome> {
    ctx.facts.live.management(|| build_management(ctx)).await.map_err(no_management)
}

/// No endpoint named: the checks that need one are skipped; one named but unreachable: they error.
fn no_management(why: NoManagement) -> Outcome {
    match why {
        NoManagement::NoEndpoint(reason) => Outcome::skip(reason),
        NoManagement::Unreachable(cause) => Outcome::error(cause),
    }
}

async fn build_management(ctx: &Ctx) -> Result<Arc<Management>, NoManagement> {
    let found = management_facts(ctx).await;
    let target = management_target(&ctx.suite, &found).map_err(NoManagement::NoEndpoint)?;
    let net = ctx.facts.net().await.map_err(|e| NoManagement::Unreachable(e.into()))?;
    let http = match &target.via {
        Some(via) => {
            let host = target.url.host_str().unwrap_or_default().to_owned();
            net.http_client_via(&host, via)
                .await
                .map_err(|e| NoManagement::Unreachable(format!("cannot reach {via}: {e}")))?
        }
        None => net.http_client().clone(),
    };
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(ctx.suite.region.clone()))
        .http_client(crate::net::sdk_http_client_for(http.clone()))
        .retry_config(crate::facts::aws::bounded_retries());
    if let Some(c) = &ctx.suite.aws.credentials {
        loader = loader.credentials_provider(aws_credential_types::Credentials::new(
            &c.access_key_id,
            &c.secret_access_key,
            None,
            None,
            "wsconform-suite",
        ));
    }
    if let Some(p) = &ctx.suite.aws.profile {
        loader = loader.profile_name(p);
    }
    let (sdk, _) = tokio::join!(loader.load(), warm(&http, &target.url));
    let conf = mgmt::config::Builder::from(&sdk).endpoint_url(target.url.as_str().trim_end_matches('/')).build();
    Ok(Arc::new(Management { client: mgmt::Client::from_conf(conf), endpoint: target.url, via: target.via }))
}

/// Opens pooled connections to the endpoint's host. The answers (403 on
/// AWS) do not matter; only the TCP + TLS connections they leave behind.
async fn warm(http: &reqwest::Client, endpoint: &Url) {
    let mut root = endpoint.clone();
    root.set_path("/");
    // Two connections: e2e.post and e2e.connection-info run at the same time.
    let head = || tokio::time::timeout(Duration::from_secs(5), http.head(root.clone()).send());
    let _ = tokio::join!(head(), head());
}

fn management_evidence(m: &Management, id: &str) -> Evidence {
    let mut ev = Evidence::new().with("endpoint", m.endpoint.as_str()).with("connection_id", id);
    if let Some(v) = &m.via {
        ev.set("reached_at", v);
    }
    ev
}

/// `op failed: Code: message (HTTP n)`: one line, without the SDK's debug
/// dump of the raw response that `DisplayErrorContext` appends.
fn sdk_message<E>(op: &str, e: &MgmtError<E>) -> String
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
{
    let text = crate::facts::Error::from_sdk(op, e, None).to_string();
    match sdk_status(e) {
        Some(s) => format!("{text} (HTTP {s})"),
        None => text,
    }
}

fn sdk_status<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Option<u16>
where
    R: HasStatus,
{
    e.raw_response().map(HasStatus::status_u16)
}

trait HasStatus {
    fn status_u16(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    fn status_u16(&self) -> u16 {
        self.status().as_u16()
    }
}

type MgmtError<E> =
    aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>;

/// At most this many calls of one `@connections` operation while it is throttled.
const MAX_THROTTLED_CALLS: u32 = 3;

/// Calls a `@connections` operation; a 429 (LimitExceededException, throttling)
/// is called again after a short backoff (100, 200 ms) while `timeout` allows,
/// at most [`MAX_THROTTLED_CALLS`] times. Each call is itself retried by the
/// SDK (`bounded_retries`: 3 attempts, 50–250 ms backoff, throttling included).
/// Returns the last answer and the number of calls.
async fn unthrottled<T, E, F, Fut>(timeout: Duration, mut call: F) -> (Result<T, MgmtError<E>>, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, MgmtError<E>>>,
{
    let deadline = Instant::now() + timeout;
    let mut backoff = Duration::from_millis(100);
    let mut calls = 0u32;
    loop {
        calls += 1;
        let answer = call().await;
        let throttled = matches!(&answer, Err(e) if sdk_status(e) == Some(429));
        if !throttled || calls >= MAX_THROTTLED_CALLS || Instant::now() + backoff >= deadline {
            return (answer, calls);
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// A `@connections` operation still throttled after its retries: retryable,
/// and about the rate, not the endpoint.
fn throttled(text: String, calls: u32, took: Duration, ev: Evidence) -> Outcome {
    Outcome::fail(
        format!(
            "throttled: {text}, still after {calls} call{} in {:.0} ms (each retried by the SDK)",
            if calls == 1 { "" } else { "s" },
            took.as_secs_f64() * 1e3
        ),
        "`@connections` requests exceed the account's rate (or the client's buffer is full): the endpoint is \
         right; retry later (`--wait`), and have backends back off on LimitExceededException",
    )
    .with_evidence(ev.with("throttled_calls", calls))
    .retryable()
}

/// Counts the SDK's attempts of one operation (its own retries included).
#[derive(Debug, Clone, Default)]
struct Attempts(Arc<std::sync::atomic::AtomicU32>);

impl Attempts {
    fn get(&self) -> u32 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for Attempts {
    fn name(&self) -> &'static str {
        "wsconform.attempts"
    }

    fn read_before_attempt(
        &self,
        _: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}

async fn connect(ctx: Arc<Ctx>) -> Outcome {
    // One deadline for DNS, TCP, TLS and the upgrade, inside the check's own
    // limit: a timeout names the phase it ended (not the runner's generic one).
    let deadline = Deadline::within_check(ctx.suite.check_timeout, Some(ctx.suite.roundtrip.timeout));
    // Build the management client and open its connection while the upgrade
    // and the echo are in flight (docs/architecture.md, Performance): `e2e.post` then pays only for
    // its own round trips. Only when a check that needs it runs (building it
    // looks up credentials) and the suite can name an endpoint at all.
    let needs_management =
        [ids::E2E_POST, ids::E2E_CONNECTION_INFO, ids::E2E_DISCONNECT].iter().any(|id| ctx.runs(*id));
    let could_name = ManagementFacts { regional_target: Some(String::new()), ..ManagementFacts::default() };
    if needs_management && management_target(&ctx.suite, &could_name).is_ok() {
        let early = ctx.clone();
        tokio::spawn(async move {
            let _ = management(&early).await;
        });
    }
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    let rt = &ctx.suite.roundtrip;
    let limits = WsLimits { handshake_timeout: deadline.budget, deadline: Some(deadline), ..WsLimits::default() };
    let mut ev = Evidence::new().with("url", ctx.suite.display_url());
    if !rt.headers.is_empty() {
        ev.set("headers", rt.headers.iter().map(|(k, _)| format!("{k}: ***")).collect::<Vec<_>>().join(", "));
    }
    let signer = match upgrade_signer(&ctx, &mut ev).await {
        Ok(s) => s,
        Err(o) => return o.with_evidence(ev),
    };
    let signer_ref = signer.as_ref().map(|s| s as &dyn UpgradeSigner);
    let upgraded =
        net.websocket_signed(&ctx.suite.url, &rt.headers, &rt.query, &rt.subprotocols, limits, signer_ref).await;
    // The suite's secrets and every signature value of this upgrade.
    let mut redactor = ctx.suite.redactor.clone();
    if let Some(s) = &signer {
        redactor.merge(&s.redactor());
    }
    match upgraded {
        Ok(conn) => {
            conn.phases.add_to(&mut ev);
            ev.set("status", conn.status);
            ev.set("address", conn.remote);
            if let Some(p) = &conn.subprotocol {
                ev.set("subprotocol", p);
            }
            for h in ["x-amz-cf-pop", "x-cache", "apigw-requestid", "x-amzn-requestid"] {
                if let Some((_, v)) = conn.response_headers.iter().find(|(k, _)| k == h) {
                    ev.set(format!("response.{h}"), v);
                }
            }
            let missing_protocol = !rt.subprotocols.is_empty() && conn.subprotocol.is_none();
            ctx.facts.live.set_session(conn);
            if missing_protocol {
                return Outcome::fail(
                    "the server selected none of the offered subprotocols",
                    "the $connect integration must return `Sec-WebSocket-Protocol` with one of the offered values \
                     (browsers drop the connection otherwise)",
                )
                .with_evidence(ev);
            }
            Outcome::pass(format!("101 Switching Protocols from {}", ctx.suite.display_url())).with_evidence(ev)
        }
        Err(UpgradeError::Refused { status, body, phases, headers, .. }) => {
            phases.add_to(&mut ev);
            ev.set("status", status);
            let shown = redactor.redact(&String::from_utf8_lossy(&body));
            ev.set("body", shown.trim());
            if let Some((_, v)) = headers.iter().find(|(k, _)| k == "x-cache") {
                ev.set("response.x-cache", v);
            }
            let cx = refusal_context(&ctx).await;
            let (message, hint) = judge_refusal(status, &body, &headers, &cx);
            let o = Outcome::fail(redactor.redact(&message), redactor.redact(&hint)).with_evidence(ev);
            if matches!(status, 429 | 502 | 503 | 504) { o.retryable() } else { o }
        }
        Err(e) => {
            if let Some(p) = e.phases() {
                p.add_to(&mut ev);
            }
            let transient = match &e {
                UpgradeError::Connect(c) => c.is_transient(),
                UpgradeError::Timeout { .. } | UpgradeError::Io { .. } => true,
                _ => false,
            };
            let message = redactor.redact(&e.to_string());
            match e {
                UpgradeError::Connect(crate::net::ConnectError::Tls { .. }) | UpgradeError::Protocol { .. } => {
                    Outcome::fail(message, "see tls.certificate / the upgrade response").with_evidence(ev)
                }
                _ => {
                    let o = Outcome::error(message).with_evidence(ev);
                    if transient { o.retryable() } else { o }
                }
            }
        }
    }
}

async fn echo(ctx: Arc<Ctx>) -> Outcome {
    let rt = &ctx.suite.roundtrip;
    let Some(session) = ctx.facts.live.session() else { return Outcome::skip("no live session (needs e2e.connect)") };
    let n = nonce();
    let msg = rt.send.replace("{{nonce}}", &n);
    let mut frames = session.subscribe();
    let t = Instant::now();
    if let Err(e) = session.send(Message::text(msg)).await {
        return match session.ended_within(Duration::from_millis(200)).await {
            Some(why) => Outcome::fail(
                format!("the connection ended before the message could be sent: {why}"),
                "something between the client and API Gateway drops connections right after the upgrade",
            ),
            None => Outcome::error(e),
        };
    }
    // Frames that are not the reply: API Gateway's own answer ends the wait at
    // once; the first few others are kept as evidence.
    let mut unmatched = Unmatched::default();
    let redactor = &ctx.suite.redactor;
    let reply = frames
        .wait_for(t + rt.timeout, |f| match f {
            Frame::Text(s) if reply_matches(&rt.expect, &n, s) => Some(Ok(s.to_string())),
            Frame::Text(s) => match gateway_frame(s) {
                Some(g) => Some(Err((g, s.to_string()))),
                None => {
                    unmatched.note(s, redactor);
                    None
                }
            },
            Frame::Binary(b) => {
                unmatched.note(&String::from_utf8_lossy(b), redactor);
                None
            }
            _ => None,
        })
        .await;
    let mut ev = Evidence::new();
    unmatched.add_to(&mut ev);
    match reply {
        Ok(Err((answer, text))) => {
            ev.timing("answered", t.elapsed());
            ev.set("reply", clip(&redactor.redact(&text)));
            if let Some(r) = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v.get("requestId").and_then(|r| r.as_str()).map(str::to_owned))
            {
                ev.set("request_id", r);
            }
            let after = format!("{:.0} ms", t.elapsed().as_secs_f64() * 1e3);
            let (message, hint) = judge_gateway_frame(&answer, &after);
            Outcome::fail(message, hint).with_evidence(ev)
        }
        Ok(Ok(text)) => {
            ev.timing("rtt", t.elapsed());
            if let Some(p) = &rt.connection_id {
                match extract_connection_id(p, &text) {
                    Some(id) => {
                        ev.set("connection_id", &id);
                        let _ = session.connection_id.set(id);
                    }
                    None => {
                        return Outcome::fail(
                            format!("the reply has no connection id at `{p}`"),
                            "set `roundtrip.connection_id` to the JSON pointer of the id in the reply, or \"none\"",
                        )
                        .with_evidence(ev);
                    }
                }
            }
            Outcome::pass(format!("echo in {:.1} ms", t.elapsed().as_secs_f64() * 1e3)).with_evidence(ev)
        }
        Err(e) => {
            let others = match unmatched.seen {
                0 => String::new(),
                n => format!(" ({n} other frame{} arrived: see `frame.*`)", if n == 1 { "" } else { "s" }),
            };
            Outcome::fail(
                format!("no matching reply within {:?}: {e}{others}", rt.timeout),
                "check the route selection expression, the `$default` (or action) route and its integration's \
                 response",
            )
            .with_evidence(ev)
        }
    }
}

/// API Gateway's own answer on the socket, sent instead of the integration's:
/// a JSON object with `message` and `requestId` (and `connectionId`), nothing else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayFrame {
    /// `Forbidden`: no route matched the message (no `$default`).
    NoRoute,
    /// `Internal server error`: the route's integration failed.
    IntegrationFailed,
    /// Another message of API Gateway's (e.g. `Endpoint request timed out`).
    Other(String),
}

/// Recognises API Gateway's error frames (`{"message": "Forbidden", "connectionId": …,
/// "requestId": …}`); an integration's own reply never has exactly this shape.
pub fn gateway_frame(text: &str) -> Option<GatewayFrame> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    let obj = v.as_object()?;
    let message = obj.get("message")?.as_str()?;
    obj.get("requestId")?.as_str()?;
    if !obj.keys().all(|k| matches!(k.as_str(), "message" | "connectionId" | "requestId")) {
        return None;
    }
    Some(match message {
        "Forbidden" => GatewayFrame::NoRoute,
        "Internal server error" => GatewayFrame::IntegrationFailed,
        other => GatewayFrame::Other(other.to_owned()),
    })
}

/// The failure for API Gateway's answer: (message, hint).
pub fn judge_gateway_frame(answer: &GatewayFrame, after: &str) -> (String, String) {
    match answer {
        GatewayFrame::NoRoute => (
            format!("no route for the message: API Gateway answered {{\"message\": \"Forbidden\"}} after {after}"),
            "check the route selection expression (e.g. `$request.body.action`) against `roundtrip.send` and that \
             a `$default` route exists: messages no route matches are refused"
                .into(),
        ),
        GatewayFrame::IntegrationFailed => (
            format!(
                "the integration failed: API Gateway answered {{\"message\": \"Internal server error\"}} after {after}"
            ),
            "see the backend's logs (the route's integration raised an error, returned an invalid response or \
             API Gateway may not invoke it)"
                .into(),
        ),
        GatewayFrame::Other(m) => (
            format!("API Gateway answered {{\"message\": {m:?}}} after {after} instead of the integration"),
            "see the stage's execution logs and the backend's logs".into(),
        ),
    }
}

/// How many unmatched frames are kept as evidence, and how much of each.
const UNMATCHED_KEPT: usize = 3;
const FRAME_SHOWN: usize = 256;

/// The frames that were not the reply: how many, and the first few.
#[derive(Debug, Default)]
struct Unmatched {
    seen: usize,
    first: Vec<String>,
}

impl Unmatched {
    /// Redacted before it is cut, so no part of a secret survives the cut.
    fn note(&mut self, text: &str, redactor: &crate::secret::Redactor) {
        self.seen += 1;
        if self.first.len() < UNMATCHED_KEPT {
            self.first.push(clip(&redactor.redact(text)));
        }
    }

    fn add_to(&self, ev: &mut Evidence) {
        if self.seen == 0 {
            return;
        }
        ev.set("unmatched_frames", self.seen);
        for (i, f) in self.first.iter().enumerate() {
            ev.set(format!("frame.{}", i + 1), f);
        }
    }
}

/// At most `FRAME_SHOWN` bytes (on a char boundary), marked when cut.
fn clip(text: &str) -> String {
    if text.len() <= FRAME_SHOWN {
        return text.to_owned();
    }
    let mut end = FRAME_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", &text[..end], text.len())
}

/// The live session and the connection id `e2e.echo` found.
fn session_and_id(ctx: &Ctx) -> Result<(Arc<Session>, String), Outcome> {
    let session = ctx.facts.live.session().ok_or_else(|| Outcome::skip("no live session (needs e2e.connect)"))?;
    let id = session
        .connection_id
        .get()
        .cloned()
        .ok_or_else(|| Outcome::skip("no connection id (needs e2e.echo and `roundtrip.connection_id`)"))?;
    Ok((session, id))
}

/// What the backend-side checks start from: the live session, its connection
/// id, the management client, and the evidence naming the endpoint.
async fn backend(ctx: &Ctx) -> Result<(Arc<Session>, String, Arc<Management>, Evidence), Outcome> {
    let (session, id) = session_and_id(ctx)?;
    let m = management(ctx).await?;
    let ev = management_evidence(&m, &id);
    Ok((session, id, m, ev))
}

async fn post(ctx: Arc<Ctx>) -> Outcome {
    let (session, id, m, mut ev) = match backend(&ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let n = nonce();
    let payload = format!(r#"{{"wsconform":"{n}"}}"#);
    let mut frames = session.subscribe();
    let t = Instant::now();
    let timeout = ctx.suite.roundtrip.timeout;
    let (sent, calls) = unthrottled(timeout, || {
        m.client.post_to_connection().connection_id(&id).data(aws_smithy_types::Blob::new(payload.clone())).send()
    })
    .await;
    if let Err(e) = sent {
        let status = sdk_status(&e);
        let text = ctx.suite.redactor.redact(&sdk_message("PostToConnection", &e));
        if let Some(s) = status {
            ev.set("status", s);
        }
        if status == Some(429) {
            return throttled(text, calls, t.elapsed(), ev);
        }
        let hint = match status {
            Some(410) => {
                "the endpoint does not know this live connection: it is another API/stage (an endpoint \
                          built from domain + stage?)"
            }
            Some(403) => {
                "the request was refused: check the signing credentials' execute-api:ManageConnections \
                          permission and that the endpoint is the API's (not CloudFront's)"
            }
            Some(413) => "PostToConnection takes at most 128 KB (PayloadTooLargeException)",
            _ => {
                "check `roundtrip.management_endpoint` (execute-api URL with the stage, or the custom domain with \
                  the mapping key at its regional target)"
            }
        };
        return Outcome::fail(text, hint).with_evidence(ev);
    }
    let arrived = frames
        .wait_for(t + ctx.suite.roundtrip.timeout, |f| match f {
            Frame::Text(s) if s.contains(&n) => Some(()),
            Frame::Binary(b) if b.windows(n.len()).any(|w| w == n.as_bytes()) => Some(()),
            _ => None,
        })
        .await;
    ev.timing("post_roundtrip", t.elapsed());
    match arrived {
        Ok(()) => Outcome::pass("the posted payload arrived on the socket").with_evidence(ev),
        Err(e) => Outcome::fail(
            format!("PostToConnection succeeded but the payload did not arrive: {e}"),
            "the endpoint may belong to another API or stage than the one the client is connected to",
        )
        .with_evidence(ev),
    }
}

async fn connection_info(ctx: Arc<Ctx>) -> Outcome {
    let (_, id, m, mut ev) = match backend(&ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let t = Instant::now();
    let (answer, calls) =
        unthrottled(ctx.suite.roundtrip.timeout, || m.client.get_connection().connection_id(&id).send()).await;
    match answer {
        Ok(out) => {
            if let Some(c) = out.connected_at() {
                ev.set("connected_at", c);
            }
            if let Some(ip) = out.identity().and_then(|i| i.source_ip()) {
                ev.set("source_ip", ip);
            }
            if out.connected_at().is_none() {
                return Outcome::fail_without_hint("GetConnection answered without ConnectedAt").with_evidence(ev);
            }
            Outcome::pass("GetConnection knows the live connection").with_evidence(ev)
        }
        Err(e) => match sdk_status(&e) {
            Some(s @ (426 | 501)) => Outcome::skip(format!("the endpoint does not implement GetConnection (HTTP {s})")),
            Some(429) => {
                ev.set("status", 429);
                throttled(ctx.suite.redactor.redact(&sdk_message("GetConnection", &e)), calls, t.elapsed(), ev)
            }
            status => {
                if let Some(s) = status {
                    ev.set("status", s);
                }
                Outcome::fail_without_hint(ctx.suite.redactor.redact(&sdk_message("GetConnection", &e)))
                    .with_evidence(ev)
            }
        },
    }
}

/// One ping with a fresh payload; the matching pong's delay.
async fn ping(session: &Session, timeout: Duration) -> Result<Duration, String> {
    if let Some(why) = session.ended() {
        return Err(format!("the connection is closed ({why})"));
    }
    let payload = nonce();
    let mut frames = session.subscribe();
    let t = Instant::now();
    session.send(Message::Ping(payload.clone().into_bytes().into())).await?;
    frames
        .wait_for(t + timeout, |f| match f {
            Frame::Pong(p) if p.as_ref() == payload.as_bytes() => Some(()),
            _ => None,
        })
        .await?;
    Ok(t.elapsed())
}

/// API Gateway's idle connection timeout.
const IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// A hold longer than the idle timeout without pings: API Gateway closes the
/// connection after 10 minutes idle. `ended`: when and why the connection ended.
// AWS: API Gateway Developer Guide, "Quotas for configuring and running a WebSocket in API Gateway" —
// Idle Connection Timeout: 10 minutes; Connection duration for WebSocket API: 2 hours.
pub fn judge_idle_hold(hold: Duration, ended: Option<(Duration, String)>, mut ev: Evidence) -> Outcome {
    ev.set("held", humantime::format_duration(hold));
    // The close is sent at the timeout; allow for the ping before the hold and clock granularity.
    let early = IDLE_TIMEOUT - Duration::from_secs(5);
    match ended {
        Some((after, why)) if after >= early => {
            ev.set("closed_after", humantime::format_duration(Duration::from_secs(after.as_secs())));
            Outcome::pass(format!(
                "the idle connection was closed after {} ({why}), as API Gateway's 10-minute idle timeout documents",
                humantime::format_duration(Duration::from_secs(after.as_secs()))
            ))
            .with_evidence(ev)
        }
        Some((after, why)) => Outcome::fail(
            format!(
                "the idle connection was closed after {} ({why}), before API Gateway's 10-minute idle timeout",
                humantime::format_duration(Duration::from_secs(after.as_secs()))
            ),
            "something on the way closes idle connections sooner (a proxy, load balancer or NAT idle timeout): \
             raise it above 10 minutes, or ping more often",
        )
        .with_evidence(ev),
        None => Outcome::pass(format!("the connection stayed open {} without a ping", humantime::format_duration(hold)))
            .with_evidence(ev)
            .warn(
                format!(
                    "the connection was not closed after {} idle: the endpoint does not apply API Gateway's 10-minute idle timeout (an emulator?)",
                    humantime::format_duration(hold)
                ),
                "run the idle hold against the deployment itself",
            ),
    }
}

async fn keepalive(ctx: Arc<Ctx>) -> Outcome {
    let rt = &ctx.suite.roundtrip;
    let Some(session) = ctx.facts.live.session() else { return Outcome::skip("no live session (needs e2e.connect)") };
    let mut ev = Evidence::new();
    match ping(&session, rt.timeout).await {
        Ok(d) => ev.timing("pong", d),
        Err(e) => {
            return Outcome::fail(format!("no pong: {e}"), "the edge or gateway dropped the ping").with_evidence(ev);
        }
    }
    if let Some(hold) = rt.hold {
        let interval = rt.ping_interval.unwrap_or(hold).max(Duration::from_millis(100));
        // No ping within API Gateway's idle timeout: the hold proves that timeout instead.
        if hold > IDLE_TIMEOUT && interval >= IDLE_TIMEOUT {
            let t = Instant::now();
            let ended = session.ended_within(hold).await;
            return judge_idle_hold(hold, ended.map(|why| (t.elapsed(), why)), ev);
        }
        let end = Instant::now() + hold;
        let mut pings = 0u32;
        // Bounded: one ping per interval until the hold ends.
        while Instant::now() < end && pings < 10_000 {
            tokio::time::sleep(interval.min(end.saturating_duration_since(Instant::now()))).await;
            pings += 1;
            if let Err(e) = ping(&session, rt.timeout).await {
                ev.set("pings", pings);
                return Outcome::fail(
                    format!("the connection did not survive {hold:?} with a ping every {interval:?}: {e}"),
                    "API Gateway closes connections idle for 10 minutes (and any after 2 hours): ping or send more often; \
                     an earlier close is an edge or proxy timeout",
                )
                .with_evidence(ev);
            }
        }
        ev.set("pings", pings);
        ev.set("held", humantime::format_duration(hold));
    }
    Outcome::pass("ping → pong").with_evidence(ev)
}

async fn disconnect(ctx: Arc<Ctx>) -> Outcome {
    let (session, id, m, mut ev) = match backend(&ctx).await {
        Ok(x) => x,
        Err(o) => return o,
    };
    let mut frames = session.subscribe();
    let t = Instant::now();
    let timeout = ctx.suite.roundtrip.timeout;
    let attempts = Attempts::default();
    let delete = || m.client.delete_connection().connection_id(&id).customize().interceptor(attempts.clone()).send();
    let (mut deleted, mut calls) = unthrottled(timeout, delete).await;
    // The request went out and its answer was lost (the connection dropped, or
    // no answer in time): the delete may have worked. Asked again, a 410 Gone
    // then says it did. (The SDK does not retry a dropped connection itself.)
    if let Err(e) = &deleted
        && answer_lost(e)
    {
        ev.set("first_delete", ctx.suite.redactor.redact(&sdk_message("DeleteConnection", e)));
        let (again, more) = unthrottled(timeout.saturating_sub(t.elapsed()), delete).await;
        deleted = again;
        calls += more;
    }
    ev.set("delete_attempts", attempts.get());
    match deleted {
        Ok(_) => {}
        // Only a retried request can meet its own effect: the first attempt deleted the connection.
        Err(e) if sdk_status(&e) == Some(410) && attempts.get() > 1 => {
            ev.set("delete", "410 Gone on a retry: an earlier attempt deleted the connection and its answer was lost");
        }
        Err(e) => {
            let status = sdk_status(&e);
            if let Some(s) = status {
                ev.set("status", s);
            }
            let text = ctx.suite.redactor.redact(&sdk_message("DeleteConnection", &e));
            if status == Some(429) {
                return throttled(text, calls, t.elapsed(), ev);
            }
            return Outcome::fail_without_hint(text).with_evidence(ev);
        }
    }
    // DeleteConnection is processed asynchronously (by API Gateway and by
    // emulators alike): its answer means "closing", not "gone". One POST goes
    // out while the close is awaited (a 410 then is proof enough, at no extra
    // round trip); otherwise POSTs follow the close until one gets 410 Gone.
    let close = async {
        if session.ended().is_some() {
            return Ok(None);
        }
        frames.wait_for(t + timeout, |f| if let Frame::Close(c) = f { Some(Some(*c)) } else { None }).await
    };
    let early = m.client.post_to_connection().connection_id(&id).data(aws_smithy_types::Blob::new("gone?")).send();
    let (closed, early) = tokio::join!(close, early);
    ev.timing("close", t.elapsed());
    match closed {
        Ok(Some(code)) => ev.set("close_code", code),
        Ok(None) => {}
        // The connection ended without a close frame: closed all the same.
        Err(e) if session.ended().is_some() => ev.set("close", e),
        Err(_) => {
            return Outcome::fail_without_hint(format!(
                "DeleteConnection succeeded but the socket stayed open for {timeout:?}"
            ))
            .with_evidence(ev);
        }
    }
    // The session's reader answers the server's Close (RFC 6455 §5.5.1), so the
    // server can forget the connection without waiting for its own close timeout.
    let gone = match early {
        Err(e) if sdk_status(&e) == Some(410) => GoneProbe { posts: 1, last: Err(e) },
        // Still delivered (or not answered): the delete is being processed.
        _ => {
            let mut probe = post_until_gone(&m, &id, timeout).await;
            probe.posts += 1;
            probe
        }
    };
    ev.set("posts_after_delete", gone.posts);
    ev.timing("gone", t.elapsed());
    match gone.last {
        Err(e) if sdk_status(&e) == Some(410) => {
            ev.set("post_after_delete", 410);
            Outcome::pass("the socket closed and a later POST got 410 Gone").with_evidence(ev)
        }
        Err(e) if sdk_status(&e) == Some(429) => {
            ev.set("post_after_delete", 429);
            let text = ctx.suite.redactor.redact(&sdk_message("PostToConnection after the delete", &e));
            throttled(text, gone.posts, t.elapsed(), ev)
        }
        Err(e) => {
            let s = sdk_status(&e).map_or_else(|| "no response".to_owned(), |s| s.to_string());
            ev.set("post_after_delete", &s);
            Outcome::fail_without_hint(format!("a POST after the delete got {s}, not 410 Gone")).with_evidence(ev)
        }
        Ok(_) => Outcome::fail(
            format!(
                "POSTs after the delete still succeeded {timeout:?} after the socket closed ({} tries): the \
                 connection is not gone",
                gone.posts
            ),
            "the management endpoint still knows a connection whose socket is closed: is it the API and stage \
             the client was connected to?",
        )
        .with_evidence(ev),
    }
}

/// Whether the request may have been carried out with its answer lost: the
/// connection dropped or timed out after sending, or the answer could not be
/// read. Not a failure to connect (io) or to build the request (user).
fn answer_lost<E>(e: &MgmtError<E>) -> bool {
    use aws_smithy_runtime_api::client::result::SdkError;
    match e {
        SdkError::DispatchFailure(d) => !d.is_io() && !d.is_user(),
        SdkError::TimeoutError(_) | SdkError::ResponseError(_) => true,
        _ => false,
    }
}

/// The POSTs after a delete: how many were sent and the last answer.
struct GoneProbe {
    posts: u32,
    last: Result<
        mgmt::operation::post_to_connection::PostToConnectionOutput,
        aws_smithy_runtime_api::client::result::SdkError<
            mgmt::operation::post_to_connection::PostToConnectionError,
            aws_smithy_runtime_api::client::orchestrator::HttpResponse,
        >,
    >,
}

/// POSTs to `id` until an answer other than success (410 Gone, or an error
/// the caller judges), with a short backoff, for at most `timeout` and
/// `MAX_GONE_POSTS` tries: a delete is processed asynchronously, so a POST
/// right after the close may still be delivered (to nobody).
async fn post_until_gone(m: &Management, id: &str, timeout: Duration) -> GoneProbe {
    const MAX_GONE_POSTS: u32 = 40;
    let deadline = Instant::now() + timeout;
    let mut backoff = Duration::from_millis(25);
    let mut posts = 0u32;
    loop {
        posts += 1;
        let last =
            m.client.post_to_connection().connection_id(id).data(aws_smithy_types::Blob::new("gone?")).send().await;
        let now = Instant::now();
        if last.is_err() || posts >= MAX_GONE_POSTS || now + backoff >= deadline {
            return GoneProbe { posts, last };
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_millis(500));
    }
}

/// A text message of exactly `len` bytes, sent in frames of at most `FRAME_QUOTA`.
async fn send_fragmented(session: &Session, len: usize) -> Result<(), String> {
    use tokio_tungstenite::tungstenite::protocol::frame::Frame as WsFrame;
    use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
    let head = br#"{"action":"limits","payload":""#;
    let tail = br#""}"#;
    let mut body = Vec::with_capacity(len);
    body.extend_from_slice(head);
    body.resize(len.saturating_sub(tail.len()).max(head.len()), b'x');
    body.extend_from_slice(tail);
    body.truncate(len);
    let chunks: Vec<&[u8]> = body.chunks(FRAME_QUOTA).collect();
    for (i, chunk) in chunks.iter().enumerate() {
        let opcode = if i == 0 { OpCode::Data(Data::Text) } else { OpCode::Data(Data::Continue) };
        let frame = WsFrame::message(bytes::Bytes::copy_from_slice(chunk), opcode, i + 1 == chunks.len());
        session.send(Message::Frame(frame)).await?;
    }
    Ok(())
}

async fn limits(ctx: Arc<Ctx>) -> Outcome {
    let rt = &ctx.suite.roundtrip;
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    let ws_limits = WsLimits { handshake_timeout: rt.timeout, ..WsLimits::default() };
    // Signed like e2e.connect's upgrade when `$connect` wants IAM.
    let signer = match upgrade_signer(&ctx, &mut Evidence::new()).await {
        Ok(s) => s,
        Err(o) => return o,
    };
    let signer_ref = signer.as_ref().map(|s| s as &dyn UpgradeSigner);
    let opened =
        net.websocket_signed(&ctx.suite.url, &rt.headers, &rt.query, &rt.subprotocols, ws_limits, signer_ref).await;
    let conn = match opened {
        Ok(c) => c,
        Err(e) => {
            let mut redactor = ctx.suite.redactor.clone();
            if let Some(s) = &signer {
                redactor.merge(&s.redactor());
            }
            return Outcome::error(redactor.redact(&format!("cannot open a connection for the limits: {e}")))
                .retryable();
        }
    };
    let mut ev = Evidence::new().with("frame_bytes", FRAME_QUOTA).with("message_bytes", MESSAGE_QUOTA);
    conn.phases.add_to(&mut ev);
    let session = Session::new(conn);

    // At the quota, in frames at the quota: accepted (the connection still answers pings).
    let t = Instant::now();
    if let Err(e) = send_fragmented(&session, MESSAGE_QUOTA).await {
        return Outcome::error(e).with_evidence(ev);
    }
    if let Err(e) = ping(&session, rt.timeout).await {
        return Outcome::fail(
            format!("a {MESSAGE_QUOTA}-byte message in {FRAME_QUOTA}-byte frames was not accepted: {e}"),
            "API Gateway accepts 128 KB messages in 32 KB frames: something in front of it (CloudFront, a proxy) \
             has a smaller limit",
        )
        .with_evidence(ev);
    }
    ev.timing("accepted", t.elapsed());
    ev.set("accepted", format!("{MESSAGE_QUOTA} bytes in {} frames", MESSAGE_QUOTA.div_ceil(FRAME_QUOTA)));

    // One byte over: API Gateway closes with 1009.
    let mut frames = session.subscribe();
    let t = Instant::now();
    if let Err(e) = send_fragmented(&session, MESSAGE_QUOTA + 1).await {
        return Outcome::error(e).with_evidence(ev);
    }
    let closed = frames.wait_for(t + rt.timeout, |f| if let Frame::Close(c) = f { Some(*c) } else { None }).await;
    ev.timing("close", t.elapsed());
    match closed {
        Ok(1009) => {
            ev.set("close_code", 1009);
            Outcome::pass(format!("{MESSAGE_QUOTA} bytes accepted; {} bytes closed with 1009", MESSAGE_QUOTA + 1))
                .with_evidence(ev)
        }
        Ok(code) => {
            ev.set("close_code", code);
            Outcome::fail(
                format!("a message over {MESSAGE_QUOTA} bytes closed the connection with {code}, not 1009"),
                "API Gateway closes oversized messages with 1009 (message too big); something else answered",
            )
            .with_evidence(ev)
        }
        Err(e) if session.ended().is_some() => Outcome::fail(
            format!("a message over {MESSAGE_QUOTA} bytes ended the connection without a 1009 close: {e}"),
            "API Gateway closes oversized messages with 1009; something in between dropped the connection instead",
        )
        .with_evidence(ev),
        // Accepted: what API Gateway never does, so this endpoint is not API
        // Gateway (an emulator). The accept part above is what clients rely
        // on; the missing refusal is worth knowing, not a broken deployment.
        Err(e) => {
            ev.set("over_quota", format!("{} bytes not refused within {:?} ({e})", MESSAGE_QUOTA + 1, rt.timeout));
            Outcome::pass(format!("{MESSAGE_QUOTA} bytes accepted; the quota above it is not enforced here"))
                .warn(
                    format!(
                        "a {}-byte message was not refused: this endpoint does not enforce API Gateway's \
                         {MESSAGE_QUOTA}-byte message quota (an emulator?)",
                        MESSAGE_QUOTA + 1
                    ),
                    "API Gateway closes messages over 128 KB with 1009: clients that pass here can still fail in \
                     production; run e2e.limits against a deployment to see the quota enforced",
                )
                .with_evidence(ev)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite(extra: &str) -> Suite {
        let text = format!("name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/chat\"\n{extra}");
        Suite::parse("t.toml", &text, &|_| None).unwrap()
    }

    #[test]
    fn an_idle_hold_proves_api_gateways_idle_timeout() {
        use crate::outcome::Status;
        let hold = Duration::from_secs(660);
        let closed = |after: u64| Some((Duration::from_secs(after), "the server closed the connection (1001)".into()));
        let o = judge_idle_hold(hold, closed(600), Evidence::new());
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("closed_after"), Some("10m"));
        let o = judge_idle_hold(hold, closed(350), Evidence::new());
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.hint().unwrap().contains("idle timeout"));
        let o = judge_idle_hold(hold, None, Evidence::new());
        assert_eq!(o.status(), Status::Pass);
        assert!(o.warnings[0].message.contains("emulator"), "{o:?}");
    }

    #[test]
    fn refusals_are_interpreted() {
        let none = RefusalContext::default();
        assert!(judge_refusal(403, br#"{"message": "Forbidden"}"#, &[], &none).1.contains("wrong stage path"));
        let xml = b"<?xml version=\"1.0\"?><Error><Code>AccessDenied</Code></Error>";
        assert!(judge_refusal(403, xml, &[], &none).1.contains("no behavior matched"));
        assert!(judge_refusal(429, b"", &[], &none).0.contains("throttled"));
        assert!(judge_refusal(502, b"", &[], &none).0.contains("unreachable"));
    }

    #[test]
    fn a_refusal_names_the_hop_that_answered_and_never_one_the_layout_lacks() {
        let forbidden = br#"{"message": "Forbidden", "connectionId":"x", "requestId":"y"}"#;
        // Path and Host right, `$connect` authorized: the authorizer, with the suite's keys named (not their values).
        let cx = RefusalContext {
            through_cloudfront: Some(true),
            route_reaches_api: Some("… → API a1 stage Prod".into()),
            connect_auth: Some("CUSTOM".into()),
            auth_keys: vec!["header X-Auth-Token".into()],
            ..RefusalContext::default()
        };
        let (m, h) = judge_refusal(403, forbidden, &[], &cx);
        assert!(m.contains("authorizer") && m.contains("CUSTOM"), "{m}");
        assert!(h.contains("header X-Auth-Token"), "{h}");
        // The same 403 with a route that misses the API blames the route, not the authorizer.
        let cx = RefusalContext {
            route_misses_api: Some("… → no API for Host x (403)".into()),
            ..RefusalContext::default()
        };
        let (m, _) = judge_refusal(403, forbidden, &[], &cx);
        assert!(m.contains("does not reach the API") && !m.contains("authorizer"), "{m}");
        // CloudFront's own page is CloudFront's, not the authorizer's.
        let page = b"<HTML><BODY><H1>403 ERROR</H1><H2>The request could not be satisfied.</H2>Generated by cloudfront (CloudFront)</BODY></HTML>";
        let (m, h) =
            judge_refusal(403, page, &[("x-cache".into(), "Error from cloudfront".into())], &RefusalContext::default());
        assert!(m.contains("CloudFront itself") && h.contains("Aliases"), "{m} {h}");
        // Layout c has no CloudFront: a 502 is API Gateway's (the integration), never "CloudFront cannot reach".
        let cx = RefusalContext { through_cloudfront: Some(false), ..RefusalContext::default() };
        let (m, h) = judge_refusal(502, b"", &[], &cx);
        assert!(
            !m.contains("CloudFront cannot") && !h.contains("CloudFront cannot") && m.contains("integration"),
            "{m} {h}"
        );
    }

    // AWS: API Gateway Developer Guide, "Control access to WebSocket APIs with IAM authorization" —
    // with IAM authorization the client must sign requests with SigV4; routes' ARNs are
    // `arn:aws:execute-api:region:account-id:api-id/stage-name/route-key`, so the caller needs
    // `execute-api:Invoke` on `…/{stage}/$connect`. An unsigned upgrade to an AWS_IAM `$connect`
    // is refused: the refusal says to sign it, never blames the path or Host.
    #[test]
    fn an_iam_connect_refusal_asks_for_a_signature_or_names_what_breaks_it() {
        let forbidden = br#"{"message":"Forbidden"}"#;
        let unsigned = RefusalContext {
            through_cloudfront: Some(false),
            route_reaches_api: Some("… → API a1 stage Prod".into()),
            connect_auth: Some("AWS_IAM".into()),
            ..RefusalContext::default()
        };
        let (m, h) = judge_refusal(403, forbidden, &[], &unsigned);
        assert!(m.contains("`$connect` requires IAM authorization: set `[roundtrip] auth = \"iam\"`"), "{m}");
        assert!(h.contains("execute-api:Invoke") && h.contains("/{stage}/$connect") && h.contains("iam-query"), "{h}");
        // A Lambda authorizer's refusal is still the authorizer's (unchanged).
        let custom = RefusalContext { connect_auth: Some("CUSTOM".into()), ..unsigned.clone() };
        assert!(judge_refusal(403, forbidden, &[], &custom).0.contains("authorizer"));
        // Signed: what API Gateway says picks the cause.
        let signed = RefusalContext { auth: RoundtripAuth::Iam, ..unsigned.clone() };
        let expired = br#"{"message":"Signature expired: 20240101T000000Z is now earlier than 20240101T000500Z (20240101T001000Z - 5 min.)"}"#;
        let (m, h) = judge_refusal(403, expired, &[], &signed);
        assert!(m.contains("signature expired") && h.contains("clock"), "{m} {h}");
        let region = br#"{"message":"Credential should be scoped to a valid region, not 'us-east-1'. "}"#;
        let (m, h) = judge_refusal(403, region, &[], &signed);
        assert!(m.contains("credential scope") && h.contains("region"), "{m} {h}");
        let (m, h) = judge_refusal(403, forbidden, &[], &signed);
        assert!(m.contains("SigV4-signed upgrade was refused") && h.contains("execute-api:Invoke"), "{m} {h}");
    }

    // AWS: IAM User Guide, "AWS Signature Version 4 for API requests" — the canonical request
    // covers the Host header, so a signature is valid only for the Host the service receives.
    // CloudFront Developer Guide, "Use managed origin request policies" — AllViewerExceptHostHeader
    // sends the origin's domain as Host, not the viewer's: an IAM-signed upgrade through such a
    // behavior cannot verify, and the fix is to forward the Host or use a Lambda authorizer.
    #[test]
    fn a_signed_upgrade_through_a_behavior_that_drops_the_host_cannot_verify() {
        let cx = RefusalContext {
            through_cloudfront: Some(true),
            route_reaches_api: Some("… → API a1 stage Prod".into()),
            connect_auth: Some("AWS_IAM".into()),
            auth: RoundtripAuth::Iam,
            host_forwarded: Some(false),
            gateway_host: Some("a1.execute-api.ap-northeast-1.amazonaws.com".into()),
            ..RefusalContext::default()
        };
        let mismatch =
            br#"{"message":"The request signature we calculated does not match the signature you provided."}"#;
        let (m, h) = judge_refusal(403, mismatch, &[], &cx);
        assert!(m.contains("CloudFront does not forward the viewer Host"), "{m}");
        assert!(m.contains("a1.execute-api.ap-northeast-1.amazonaws.com"), "{m}");
        assert!(h.contains("forward the viewer Host") && h.contains("Lambda REQUEST authorizer"), "{h}");
    }

    // AWS: API Gateway Developer Guide, "Create routes for WebSocket APIs in API Gateway" — a message
    // no route key matches goes to `$default`; without a route for it API Gateway answers on the socket
    // itself with `{"message": "Forbidden", "connectionId": …, "requestId": …}`
    // (aws-samples/simple-websockets-chat-app#24), and with `{"message": "Internal server error", …}`
    // when the route's integration fails (#46). An integration's own reply never has this shape.
    #[test]
    fn api_gateways_own_frames_are_recognised() {
        let forbidden =
            r#"{"message": "Forbidden", "connectionId":"L0SM9cOFvHcCIhw=", "requestId":"L0SNBEXvHcAFv6g="}"#;
        assert_eq!(gateway_frame(forbidden), Some(GatewayFrame::NoRoute));
        let failed = r#"{"message": "Internal server error", "connectionId":"a=", "requestId":"b="}"#;
        assert_eq!(gateway_frame(failed), Some(GatewayFrame::IntegrationFailed));
        let timed_out = r#"{"message": "Endpoint request timed out", "connectionId":"a=", "requestId":"b="}"#;
        assert_eq!(gateway_frame(timed_out), Some(GatewayFrame::Other("Endpoint request timed out".into())));
        // An integration's own replies are never taken for API Gateway's.
        assert_eq!(gateway_frame(r#"{"connectionId":"a=","endpoint":"x","request":"Forbidden"}"#), None);
        assert_eq!(gateway_frame(r#"{"message":"Forbidden","requestId":"b=","data":1}"#), None);
        assert_eq!(gateway_frame(r#"{"message":"Forbidden"}"#), None);
        assert_eq!(gateway_frame("Forbidden"), None);
        let (m, h) = judge_gateway_frame(&GatewayFrame::NoRoute, "3 ms");
        assert!(m.starts_with("no route for the message") && m.contains("Forbidden"), "{m}");
        assert!(h.contains("route selection expression") && h.contains("$default"), "{h}");
        let (m, h) = judge_gateway_frame(&GatewayFrame::IntegrationFailed, "3 ms");
        assert!(m.starts_with("the integration failed") && m.contains("Internal server error"), "{m}");
        assert!(h.contains("backend's logs"), "{h}");
    }

    fn limit_exceeded() -> MgmtError<mgmt::operation::delete_connection::DeleteConnectionError> {
        use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
        use mgmt::operation::delete_connection::DeleteConnectionError;
        let status = aws_smithy_runtime_api::http::StatusCode::try_from(429).expect("status");
        let raw = HttpResponse::new(status, aws_smithy_types::body::SdkBody::empty());
        let err = DeleteConnectionError::LimitExceededException(
            mgmt::types::error::LimitExceededException::builder().message("Limit Exceeded").build(),
        );
        aws_smithy_runtime_api::client::result::SdkError::service_error(err, raw)
    }

    // AWS: API Gateway Developer Guide, "Use @connections commands in your backend service"; API
    // Reference (ApiGatewayManagementApi), "PostToConnection", "GetConnection", "DeleteConnection" —
    // errors: GoneException 410 (the connection no longer exists), LimitExceededException 429 (more
    // requests per unit of time than allowed, or the client's buffer is full: throttling, retryable),
    // ForbiddenException 403, PayloadTooLargeException 413 (PostToConnection). A throttled call is
    // retried briefly and, if the throttling persists, reported as throttling (retryable), never as
    // a wrong endpoint; a delete retried after its answer was lost and then answered 410 deleted.
    #[tokio::test]
    async fn throttling_is_retried_briefly_then_reported_as_throttling() {
        use std::sync::atomic::{AtomicU32, Ordering};
        let calls = AtomicU32::new(0);
        let t = Instant::now();
        let (answer, n) = unthrottled(Duration::from_secs(5), || {
            calls.fetch_add(1, Ordering::Relaxed);
            async { Err::<(), _>(limit_exceeded()) }
        })
        .await;
        assert_eq!((n, calls.load(Ordering::Relaxed)), (MAX_THROTTLED_CALLS, MAX_THROTTLED_CALLS));
        assert_eq!(answer.err().as_ref().and_then(sdk_status), Some(429));
        assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
        // Throttled once, then answered: one more call.
        let calls = AtomicU32::new(0);
        let (answer, n) = unthrottled(Duration::from_secs(5), || {
            let k = calls.fetch_add(1, Ordering::Relaxed);
            async move { if k == 0 { Err(limit_exceeded()) } else { Ok(()) } }
        })
        .await;
        assert!(answer.is_ok() && n == 2);
        // No time left for a backoff: no retry.
        let (_, n) = unthrottled(Duration::from_millis(50), || async { Err::<(), _>(limit_exceeded()) }).await;
        assert_eq!(n, 1);
        let o = throttled("DeleteConnection failed: LimitExceededException".into(), 3, t.elapsed(), Evidence::new());
        assert!(o.retryable && o.status() == crate::outcome::Status::Fail);
        assert!(o.verdict.message().starts_with("throttled: "), "{}", o.verdict.message());
        assert!(o.verdict.hint().is_some_and(|h| h.contains("the endpoint is right")));
        // A dropped connection after the request went out may have carried the delete out; a refused connect did not.
        use aws_smithy_runtime_api::client::result::{ConnectorError, SdkError};
        let dropped: MgmtError<()> = SdkError::dispatch_failure(ConnectorError::other("peer closed".into(), None));
        let refused: MgmtError<()> = SdkError::dispatch_failure(ConnectorError::io("refused".into()));
        assert!(answer_lost(&dropped) && !answer_lost(&refused) && !answer_lost(&limit_exceeded()));
    }

    #[test]
    fn unmatched_frames_are_kept_few_short_and_redacted() {
        let mut redactor = crate::secret::Redactor::default();
        redactor.add("s3cr3t-token-value");
        let mut u = Unmatched::default();
        u.note(&format!("{}s3cr3t-token-value", "x".repeat(FRAME_SHOWN - 5)), &redactor);
        for i in 0..10 {
            u.note(&format!("frame {i}"), &redactor);
        }
        let mut ev = Evidence::new();
        u.add_to(&mut ev);
        assert_eq!(ev.get("unmatched_frames"), Some("11"));
        let first = ev.get("frame.1").expect("kept");
        // Redacted before the cut: not even a prefix of the secret survives.
        assert!(!first.contains("s3cr"), "{first}");
        assert!(first.len() < FRAME_SHOWN + 32, "{first}");
        assert_eq!(ev.get("frame.3"), Some("frame 1"));
        assert_eq!(ev.get("frame.4"), None);
        assert_eq!(clip("é".repeat(FRAME_SHOWN).as_str()).chars().next(), Some('é'));
    }

    #[test]
    fn replies_match_substring_or_pointer() {
        let s = Expect::Substring("{{nonce}}".into());
        assert!(reply_matches(&s, "n1", r#"{"request":"x n1"}"#));
        assert!(!reply_matches(&s, "n2", r#"{"request":"x n1"}"#));
        let p = Expect::JsonPointer { pointer: "/request".into(), contains: "{{nonce}}".into() };
        assert!(reply_matches(&p, "n1", r#"{"request":"n1","connectionId":"a="}"#));
        assert!(!reply_matches(&p, "n1", r#"{"other":"n1"}"#));
        assert!(!reply_matches(&p, "n1", "not json"));
        assert_eq!(extract_connection_id("/connectionId", r#"{"connectionId":"abc="}"#).as_deref(), Some("abc="));
        assert_eq!(extract_connection_id("/connectionId", r#"{"x":1}"#), None);
    }

    #[test]
    fn management_endpoint_is_derived_per_layout() {
        let none = ManagementFacts::default();
        let a = suite("[api]\nid = \"a1b2c3\"\nstage = \"Prod\"\nexecute_api = \"enabled\"\n");
        assert_eq!(
            management_target(&a, &none).unwrap().url.as_str(),
            "https://a1b2c3.execute-api.ap-northeast-1.amazonaws.com/Prod"
        );
        let b = suite(
            "[api]\nid = \"a1b2c3\"\nstage = \"Prod\"\nexecute_api = \"disabled\"\n[custom_domain]\nname = \"ws.example.com\"\nregional_target = \"d-1.execute-api.ap-northeast-1.amazonaws.com\"\n",
        );
        let t = management_target(&b, &none).unwrap();
        // Custom domain + mapping key (from the URL), never domain + stage.
        assert_eq!(t.url.as_str(), "https://ws.example.com/chat");
        assert_eq!(t.via.as_deref(), Some("d-1.execute-api.ap-northeast-1.amazonaws.com"));
        let no_target = suite("[api]\nexecute_api = \"disabled\"\n[custom_domain]\nname = \"ws.example.com\"\n");
        assert!(management_target(&no_target, &none).unwrap_err().contains("regional_target"));
        let told = ManagementFacts {
            regional_target: Some("d-9.execute-api.ap-northeast-1.amazonaws.com".into()),
            ..ManagementFacts::default()
        };
        assert_eq!(
            management_target(&no_target, &told).unwrap().via.as_deref(),
            Some("d-9.execute-api.ap-northeast-1.amazonaws.com")
        );
        assert!(management_target(&suite(""), &none).is_err());
    }

    // Facts hold why there is no management client; the check decides: no endpoint named
    // skips the checks that need one, an unreachable one errors, with the same words.
    #[test]
    fn no_management_client_is_a_skip_or_an_error() {
        let o = no_management(NoManagement::NoEndpoint("no management endpoint: set `[api] id`".into()));
        assert_eq!(o, Outcome::skip("no management endpoint: set `[api] id`"));
        let o = no_management(NoManagement::Unreachable("cannot reach d-abc: refused".into()));
        assert_eq!(o, Outcome::error("cannot reach d-abc: refused"));
    }

    #[test]
    fn management_endpoint_uses_the_facts_the_suite_leaves_out() {
        // The suite does not say whether the door is open: the real flag decides.
        let s = suite(
            "[api]\nid = \"a1b2c3\"\nstage = \"Prod\"\n[custom_domain]\nname = \"ws.example.com\"\nregional_target = \"d-1.execute-api.ap-northeast-1.amazonaws.com\"\n",
        );
        let disabled = ManagementFacts { execute_api_disabled: Some(true), ..ManagementFacts::default() };
        assert_eq!(management_target(&s, &disabled).unwrap().url.as_str(), "https://ws.example.com/chat");
        let open = ManagementFacts { execute_api_disabled: Some(false), ..ManagementFacts::default() };
        assert!(management_target(&s, &open).unwrap().url.as_str().contains(".execute-api."));
        // Layout d: the route lands on a second custom domain with its own key.
        let d = suite("[api]\nid = \"a1b2c3\"\nstage = \"Prod\"\nexecute_api = \"disabled\"\n");
        let landed = ManagementFacts {
            mapping: Some((
                "origin-ws.example.com".into(),
                "ws".into(),
                Some("d-2.execute-api.ap-northeast-1.amazonaws.com".into()),
            )),
            ..ManagementFacts::default()
        };
        let t = management_target(&d, &landed).unwrap();
        assert_eq!(t.url.as_str(), "https://origin-ws.example.com/ws");
        assert_eq!(t.via.as_deref(), Some("d-2.execute-api.ap-northeast-1.amazonaws.com"));
    }
}
