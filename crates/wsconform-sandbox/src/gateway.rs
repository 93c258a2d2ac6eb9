//! API Gateway's WebSocket data plane: picks the API and stage by Host and
//! path (execute-api host: exactly `/{stage}`; custom domain: `/{mapping
//! key}`), answers the upgrade, runs the `$default` echo backend, delivers
//! `@connections` messages, and enforces the quotas (32 KB frame, 128 KB
//! message, idle timeout).

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderValue, Request, Response, StatusCode, header};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::sync::mpsc;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use super::connections::{self, Connection, Outbound, Registry};
use super::faults::Faults;
use super::lambda_policy::{self, Invocation};
use super::model::{self, Deployment, Integration, Live, Route, Stage};
use super::serve::{self, Body, Tasks};

/// AWS quotas (docs/architecture.md, The hop chain and the layouts).
pub const MAX_FRAME: usize = 32 * 1024;
pub const MAX_MESSAGE: usize = 128 * 1024;

/// Which door a request came through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Door {
    ExecuteApi,
    /// A custom domain; the API mapping key that matched (`""`: empty key).
    CustomDomain {
        mapping_key: String,
    },
}

/// Where a request lands: the stage, and the path after `/{stage}` or `/{key}`.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub door: Door,
    pub stage: Stage,
    /// The rest of the path, e.g. `""` or `/@connections/abc%3D`.
    pub rest: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Rejection {
    /// 403 `{"message":"Forbidden"}`.
    Forbidden,
    /// 429 `{"message":"Too Many Requests"}`.
    TooManyRequests,
}

impl Rejection {
    fn response(self) -> Response<Body> {
        match self {
            Rejection::Forbidden => serve::json(StatusCode::FORBIDDEN, r#"{"message":"Forbidden"}"#),
            Rejection::TooManyRequests => {
                serve::json(StatusCode::TOO_MANY_REQUESTS, r#"{"message":"Too Many Requests"}"#)
            }
        }
    }
}

/// Picks the API and stage by `host` (lowercase, no port) and `path` (no query).
pub(super) fn route(d: &Deployment, host: &str, path: &str) -> Result<Target, Rejection> {
    let (first, rest) = split_first_segment(path);
    if host == model::execute_api_host() {
        if !d.api.execute_api_open {
            return Err(Rejection::Forbidden);
        }
        let stage = deployed_stage(d, first)?;
        return Ok(Target { door: Door::ExecuteApi, stage, rest: rest.to_string() });
    }
    if d.domains.iter().any(|dn| dn.domain_name.eq_ignore_ascii_case(host)) {
        let on_domain = |key: &str| {
            d.mappings.iter().find(|m| m.domain_name.eq_ignore_ascii_case(host) && m.api_mapping_key == key)
        };
        let (mapping, rest) = match on_domain(first).filter(|_| !first.is_empty()) {
            Some(m) => (m, rest),
            None => (on_domain("").ok_or(Rejection::Forbidden)?, path),
        };
        if mapping.api_id != d.api.id {
            return Err(Rejection::Forbidden);
        }
        let stage = deployed_stage(d, &mapping.stage)?;
        let door = Door::CustomDomain { mapping_key: mapping.api_mapping_key.clone() };
        return Ok(Target { door, stage, rest: rest.to_string() });
    }
    Err(Rejection::Forbidden)
}

/// `/a/b/c` → (`a`, `/b/c`); `/a` → (`a`, ``); `/` → (``, ``).
fn split_first_segment(path: &str) -> (&str, &str) {
    let p = path.strip_prefix('/').unwrap_or(path);
    match p.find('/') {
        Some(i) => (&p[..i], &p[i..]),
        None => (p, ""),
    }
}

fn deployed_stage(d: &Deployment, name: &str) -> Result<Stage, Rejection> {
    d.api.stages.iter().find(|s| s.stage_name == name && s.deployment_id.is_some()).cloned().ok_or(Rejection::Forbidden)
}

/// Stage throttling: a zero burst or rate limit refuses every connect.
pub(super) fn throttled(stage: &Stage) -> bool {
    stage.throttling_burst_limit <= 0 || stage.throttling_rate_limit <= 0.0
}

/// `/@connections/{id}` → the percent-decoded id.
pub fn management_id(rest: &str) -> Option<String> {
    let id = rest.strip_prefix("/@connections/")?;
    if id.is_empty() || id.contains('/') {
        return None;
    }
    serve::percent_decode(id)
}

/// AWS-shaped connection ids: standard base64 of random bytes, 16 chars;
/// even counts use 11 bytes (ending in `=`), odd ones 12 (no `=`), so
/// clients meet both shapes from the first two connections.
pub fn connection_id(n: u64) -> String {
    let bytes: [u8; 12] = rand::random();
    let len = if n.is_multiple_of(2) { 11 } else { 12 };
    STANDARD.encode(&bytes[..len])
}

pub(crate) struct Gateway {
    pub deployment: Live,
    pub registry: Arc<Registry>,
    pub faults: Faults,
    /// The public host resolves here (layout C): the client-door faults apply.
    pub front: bool,
    pub idle_timeout: Duration,
    pub tasks: Tasks,
    pub next_id: AtomicU64,
}

impl Gateway {
    pub(crate) async fn handle(self: Arc<Self>, mut req: Request<Incoming>, peer: SocketAddr) -> Response<Body> {
        self.faults.hop().await;
        let host = serve::request_host(&req);
        let target = match route(&self.deployment.current(), &host, req.uri().path()) {
            Ok(t) => t,
            Err(r) => return r.response(),
        };
        if let Some(id) = management_id(&target.rest) {
            return self.management(req, &id).await;
        }
        let client_door = self.front && host.eq_ignore_ascii_case(&self.deployment.current().public_host);
        if let Some(status) = self.faults.upgrade_status.filter(|_| client_door) {
            return injected_refusal(status);
        }
        // The execute-api host wants exactly `/{stage}`; a custom domain also takes `/{key}/`.
        let trailing_ok = matches!(target.door, Door::CustomDomain { .. }) && target.rest == "/";
        if !target.rest.is_empty() && !trailing_ok {
            return Rejection::Forbidden.response();
        }
        if !serve::is_websocket_upgrade(req.headers()) {
            return serve::json(StatusCode::UPGRADE_REQUIRED, r#"{"message":"Upgrade Required"}"#);
        }
        if let Some(refusal) = self.iam_refusal(&req) {
            return refusal;
        }
        if throttled(&target.stage) {
            return Rejection::TooManyRequests.response();
        }
        if self.deployment.current().backend.connect_integration_502 {
            return connect_integration_failed();
        }
        // The stage serves its deployment's routes, not the API's current ones.
        let deployed = self.deployment.current().deployed_routes(&target.stage).to_vec();
        if let Some(refusal) = self.connect_refusal(&req, &deployed, &target.stage.stage_name) {
            return refusal;
        }
        let key = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
        let version_ok = req.headers().get(header::SEC_WEBSOCKET_VERSION).is_some_and(|v| v.as_bytes() == b"13");
        let Some(key) = key.filter(|_| version_ok) else {
            return serve::json(StatusCode::BAD_REQUEST, r#"{"message":"Bad Request"}"#);
        };

        let id = connection_id(self.next_id.fetch_add(1, Ordering::Relaxed));
        let (tx, rx) = mpsc::unbounded_channel();
        let user_agent = req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
        // Registered before the 101 goes out: a backend may POST as soon as the client sees it.
        self.registry.insert(Connection {
            id: id.clone(),
            connected_at: SystemTime::now(),
            source_ip: peer.ip(),
            user_agent,
            outbound: tx,
        });

        let mut resp = serve::response(StatusCode::SWITCHING_PROTOCOLS, "text/plain", "");
        resp.headers_mut().remove(header::CONTENT_TYPE);
        let h = resp.headers_mut();
        h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
        if client_door && self.faults.bad_accept {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, wrong_accept());
        } else if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        // The subprotocol is the `$connect` integration's answer; API Gateway picks none itself.
        let offered = req.headers().get(header::SEC_WEBSOCKET_PROTOCOL).and_then(|v| v.to_str().ok()).unwrap_or("");
        if let Some(p) = self.deployment.current().backend.connect_subprotocol.answer(offered)
            && let Ok(v) = HeaderValue::from_str(&p)
        {
            h.insert(header::SEC_WEBSOCKET_PROTOCOL, v);
        }

        let on_upgrade = hyper::upgrade::on(&mut req);
        let endpoint = format!("https://{host}/{}", target.stage.stage_name);
        let stage_name = target.stage.stage_name.clone();
        let gw = self.clone();
        self.tasks.spawn(async move {
            // With `drop_after_upgrade` the upgraded stream is dropped at once: TCP closes right after 101.
            if let Ok(upgraded) = on_upgrade.await
                && !gw.faults.drop_after_upgrade
            {
                if gw.faults.silent_after_upgrade {
                    // Hold the socket, never read nor write, until the sandbox stops.
                    let _held = upgraded;
                    return std::future::pending::<()>().await;
                }
                let config =
                    WebSocketConfig::default().max_frame_size(Some(MAX_FRAME)).max_message_size(Some(MAX_MESSAGE));
                let ws = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
                let served = Served { routes: deployed, stage: stage_name };
                gw.session(ws, &id, &endpoint, &served, rx).await;
            }
            gw.registry.remove(&id);
        });
        resp
    }

    /// An AWS_IAM `$connect`: the upgrade must carry a SigV4 signature (header
    /// or query string) by the sandbox credentials, for service `execute-api`,
    /// scoped to the API's region, over the Host and path received here, made
    /// within the last 5 minutes. `None`: admitted (or no IAM on `$connect`).
    fn iam_refusal(&self, req: &Request<Incoming>) -> Option<Response<Body>> {
        if !self.deployment.current().connect_is_iam() {
            return None;
        }
        let mut head = Request::builder().method(req.method().clone()).uri(req.uri().clone());
        if let Some(h) = head.headers_mut() {
            *h = req.headers().clone();
        }
        let (parts, ()) = head.body(()).ok()?.into_parts();
        let now = SystemTime::now() + Duration::from_secs(self.deployment.current().backend.iam_clock_ahead_secs);
        Some(match iam_verdict(&self.deployment.current(), &parts, now) {
            Ok(()) => return None,
            Err(message) => forbidden_with(&message),
        })
    }

    async fn management(&self, req: Request<Incoming>, id: &str) -> Response<Body> {
        if self.faults.mgmt_bad_signature {
            let (parts, body) = connections::signature_mismatch().into_parts();
            return Response::from_parts(parts, http_body_util::Full::new(body));
        }
        let (parts, body) = req.into_parts();
        let Some(body) = serve::collect_body(body, MAX_MESSAGE).await else {
            return serve::json(StatusCode::PAYLOAD_TOO_LARGE, r#"{"message":"Request Entity Too Large"}"#);
        };
        let answer =
            connections::handle(&self.registry, &self.deployment.current(), Request::from_parts(parts, body), id);
        let lost = answer.extensions().get::<connections::ResponseLost>().is_some();
        let (parts, body) = answer.into_parts();
        let mut response = Response::from_parts(parts, http_body_util::Full::new(body));
        if lost {
            response.extensions_mut().insert(serve::DropConnection);
        }
        response
    }

    async fn session<S>(
        &self,
        mut ws: WebSocketStream<S>,
        id: &str,
        endpoint: &str,
        served: &Served,
        mut rx: mpsc::UnboundedReceiver<Outbound>,
    ) where
        S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    {
        let mut deadline = tokio::time::Instant::now() + self.idle_timeout;
        let mut outbound_open = true;
        // Echo replies wait out the injected latency here, without holding up
        // the reading of later frames (pings keep getting pongs meanwhile).
        let mut pending: std::collections::VecDeque<(tokio::time::Instant, String)> = Default::default();
        let far = tokio::time::Instant::now() + Duration::from_secs(86_400);
        loop {
            let next_reply = pending.front().map_or(far, |(at, _)| *at);
            tokio::select! {
                _ = tokio::time::sleep_until(deadline) => {
                    close(&mut ws, CloseCode::Away, "Going away").await;
                    return;
                }
                _ = tokio::time::sleep_until(next_reply), if !pending.is_empty() => {
                    if let Some((_, text)) = pending.pop_front()
                        && ws.send(Message::text(text)).await.is_err()
                    {
                        return;
                    }
                }
                out = rx.recv(), if outbound_open => match out {
                    Some(Outbound::Text(text)) => {
                        if ws.send(Message::text(text)).await.is_err() {
                            return;
                        }
                    }
                    Some(Outbound::Close) => {
                        close(&mut ws, CloseCode::Normal, "").await;
                        return;
                    }
                    None => outbound_open = false,
                },
                msg = ws.next() => match msg {
                    None => return,
                    Some(Err(tokio_tungstenite::tungstenite::Error::Capacity(_))) => {
                        close(&mut ws, CloseCode::Size, "Message too big").await;
                        return;
                    }
                    Some(Err(_)) => return,
                    // Closing without a close frame: the TCP connection just ends.
                    Some(Ok(Message::Text(_) | Message::Binary(_))) if self.faults.drop_mid_echo => return,
                    Some(Ok(Message::Text(_) | Message::Binary(_))) if self.faults.huge_frame => {
                        huge_frame(ws.get_mut()).await;
                        return;
                    }
                    Some(Ok(Message::Text(t))) => {
                        deadline = tokio::time::Instant::now() + self.idle_timeout;
                        if let Some(answer) = self.reply(id, endpoint, t.as_str(), served) {
                            pending.push_back((tokio::time::Instant::now() + self.faults.latency, answer));
                        }
                    }
                    Some(Ok(Message::Binary(b))) => {
                        deadline = tokio::time::Instant::now() + self.idle_timeout;
                        let text = String::from_utf8_lossy(&b).into_owned();
                        if let Some(answer) = self.reply(id, endpoint, &text, served) {
                            pending.push_back((tokio::time::Instant::now() + self.faults.latency, answer));
                        }
                    }
                    // tungstenite queues the pong itself; flush it now rather than
                    // with the next write (an echo waiting out its latency).
                    Some(Ok(Message::Ping(_))) => {
                        if ws.flush().await.is_err() {
                            return;
                        }
                    }
                    // tungstenite echoes the close frame itself.
                    Some(Ok(_)) => {}
                },
            }
        }
    }

    /// What the client gets for one message: the route its body selects in
    /// the stage's deployment (else `$default`), that route's integration
    /// invoked as API Gateway would. The echo backend's answer, or API
    /// Gateway's own when no route matches (`Forbidden`) or the integration
    /// fails (`Internal server error`); `None` when nothing reaches the client.
    // As AWS sends both on the socket: `{"message": …, "connectionId": …, "requestId": …}`
    // (aws-samples/simple-websockets-chat-app issues #24, "Response {"message": "Forbidden", ...}",
    // a message the route selection expression sends nowhere, and #46, "Internal server error").
    fn reply(&self, id: &str, endpoint: &str, body: &str, served: &Served) -> Option<String> {
        let gateway = |message: &str| {
            Some(serde_json::json!({"message": message, "connectionId": id, "requestId": connection_id(1)}).to_string())
        };
        let Some(route) = select_route(&self.deployment.current().api.route_selection_expression, body, &served.routes)
        else {
            return gateway("Forbidden");
        };
        if self.deployment.current().backend.integration_error {
            return gateway("Internal server error");
        }
        let integration = self.integration_of(route)?;
        let backend = match self.invoke(&integration, &served.stage, &route.route_key) {
            Ok(b) => b,
            Err(_) => return gateway("Internal server error"),
        };
        if self.deployment.current().backend.echo_silent {
            return None;
        }
        let echo = serde_json::json!({"connectionId": id, "endpoint": endpoint, "request": body}).to_string();
        match backend {
            // The function's return value is the route response, sent only when the route has one.
            Invoked::Lambda => route.route_response_selection_expression.is_some().then_some(echo),
            // The HTTP backend answers its request with an empty body and posts its echo to
            // `@connections/{id}`, the id it read from the mapped parameter: without the
            // mapping it has no id to post to, and nothing reaches the client.
            Invoked::Http { knows_connection_id } => knows_connection_id.then_some(echo),
        }
    }

    /// The integration a route targets (`integrations/{id}`).
    fn integration_of(&self, route: &Route) -> Option<Integration> {
        let id = route.target.as_deref()?.strip_prefix("integrations/")?;
        self.deployment.current().api.integrations.iter().find(|i| i.integration_id == id).cloned()
    }

    /// `$connect` in the stage's deployment: its Lambda REQUEST authorizer,
    /// then its integration. `None`: admitted.
    // Source: API Gateway v2 API Reference, "Authorizers", identitySource
    // (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html):
    // the identity sources must all be present, not null and non-empty; only then is the
    // authorizer's function invoked, otherwise API Gateway answers 401 Unauthorized without
    // calling it. The authorizer is invoked with SourceArn `…/{api}/authorizers/{id}` (API Gateway
    // Developer Guide, "Control access to WebSocket APIs with Lambda REQUEST authorizers").
    fn connect_refusal(&self, req: &Request<Incoming>, deployed: &[Route], stage: &str) -> Option<Response<Body>> {
        let connect = deployed.iter().find(|r| r.route_key == "$connect")?;
        if connect.authorization_type == "CUSTOM" {
            let deployment = self.deployment.current();
            let authorizer = connect
                .authorizer_id
                .as_deref()
                .and_then(|id| deployment.api.authorizers.iter().find(|a| a.authorizer_id == id));
            let Some(a) = authorizer else { return Some(internal_server_error()) };
            if !a.identity_source.iter().all(|source| identity_present(source, req)) {
                return Some(serve::json(StatusCode::UNAUTHORIZED, r#"{"message":"Unauthorized"}"#));
            }
            let rest = format!("authorizers/{}", a.authorizer_id);
            if self.lambda_may_be_invoked(&a.authorizer_uri, a.credentials_arn.as_deref(), &rest).is_err() {
                return Some(internal_server_error());
            }
            // The sandbox's authorizer function allows every caller that sent its identity sources.
        }
        let integration = self.integration_of(connect)?;
        match self.invoke(&integration, stage, "$connect") {
            Ok(_) => None,
            Err(_) => Some(internal_server_error()),
        }
    }

    /// API Gateway calling `integration` for `route_key` on `stage`: `Err` is
    /// why the call fails (API Gateway then answers `Internal server error`).
    fn invoke(&self, integration: &Integration, stage: &str, route_key: &str) -> Result<Invoked, String> {
        match integration.integration_type.as_str() {
            "AWS_PROXY" | "AWS" => {
                let rest = format!("{stage}/{route_key}");
                self.lambda_may_be_invoked(
                    &integration.integration_uri,
                    integration.credentials_arn.as_deref(),
                    &rest,
                )?;
                Ok(Invoked::Lambda)
            }
            "HTTP_PROXY" | "HTTP" => {
                if integration.connection_type == "VPC_LINK" {
                    let deployment = self.deployment.current();
                    let link = integration
                        .connection_id
                        .as_deref()
                        .and_then(|id| deployment.vpc_links.iter().find(|l| l.id == id));
                    match link {
                        Some(l) if l.status == "AVAILABLE" => {}
                        Some(l) => return Err(format!("VPC link {} is {}", l.id, l.status)),
                        None => return Err("no such VPC link".into()),
                    }
                }
                Ok(Invoked::Http { knows_connection_id: maps_connection_id(integration) })
            }
            other => Err(format!("integration type {other} is not emulated")),
        }
    }

    /// Whether Lambda lets API Gateway invoke the function of `uri` with
    /// SourceArn `arn:aws:execute-api:{region}:{account}:{api}/{rest}`. With a
    /// credentials role API Gateway invokes as that role (IAM is not emulated: allowed).
    // Source: Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda"
    // (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html): without
    // a statement for apigateway.amazonaws.com matching the call, the invocation is refused.
    fn lambda_may_be_invoked(&self, uri: &str, role: Option<&str>, rest: &str) -> Result<(), String> {
        let arn = function_arn_of(uri).ok_or_else(|| format!("`{uri}` is not a Lambda invocation URI"))?;
        let deployment = self.deployment.current();
        let function = deployment.function(arn).ok_or_else(|| format!("function {arn} does not exist"))?;
        if role.is_some() {
            return Ok(());
        }
        let policy = function.policy.as_ref().ok_or_else(|| format!("function {arn} has no resource-based policy"))?;
        let source_arn = model::execute_api_arn(&deployment.api.id, rest);
        let invocation = Invocation {
            service: "apigateway.amazonaws.com",
            action: "lambda:InvokeFunction",
            function_arn: arn,
            source_arn: &source_arn,
            source_account: model::ACCOUNT_ID,
        };
        match lambda_policy::evaluate(policy, &invocation) {
            d if d.allowed() => Ok(()),
            d => Err(format!("{d:?} for {source_arn}")),
        }
    }
}

/// The routes a connection's stage serves (its deployment's) and the stage's name.
pub(super) struct Served {
    pub routes: Vec<Route>,
    pub stage: String,
}

/// What an invoked integration is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Invoked {
    Lambda,
    /// An HTTP backend; whether a request parameter hands it the connection id.
    Http {
        knows_connection_id: bool,
    },
}

/// The route a message selects: the RouteSelectionExpression evaluated on
/// its body, the route of that key if the stage has it, else `$default`,
/// else none (API Gateway answers `Forbidden`).
// Source: API Gateway Developer Guide, "Working with routes for WebSocket APIs"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html):
// `$request.body.{path}` selects by a JSON property of the message; `$default` takes messages
// that are not JSON, whose expression yields no value, or whose key matches no route.
pub(super) fn select_route<'a>(rse: &str, body: &str, routes: &'a [Route]) -> Option<&'a Route> {
    let key = rse.strip_prefix("$request.body.").and_then(|path| {
        let mut v: &serde_json::Value = &serde_json::from_str::<serde_json::Value>(body).ok()?;
        for part in path.split('.') {
            v = v.get(part)?;
        }
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    });
    key.and_then(|k| routes.iter().find(|r| r.route_key == k && !r.route_key.starts_with('$')))
        .or_else(|| routes.iter().find(|r| r.route_key == "$default"))
}

/// `integration.request.{header|querystring}.{name}` mapped from `context.connectionId`.
// Source: Knowledge Center, "How do I pass a connectionId … to a VPC link integration for my API
// Gateway WebSocket API?" (https://repost.aws/knowledge-center/api-gateway-vpc-link-integration):
// WebSocket APIs do not pass the connection id to an HTTP/VPC-link backend by default.
fn maps_connection_id(i: &Integration) -> bool {
    i.request_parameters.iter().any(|(dest, source)| {
        source == "context.connectionId"
            && (dest.starts_with("integration.request.header.") || dest.starts_with("integration.request.querystring."))
    })
}

/// The function ARN in a Lambda invocation URI (`…:lambda:path/2015-03-31/functions/{arn}/invocations`).
fn function_arn_of(uri: &str) -> Option<&str> {
    let (_, rest) = uri.split_once(":lambda:path/2015-03-31/functions/")?;
    rest.strip_suffix("/invocations")
}

/// Whether the upgrade request carries the identity source (`route.request.header.X`
/// case-insensitively, `route.request.querystring.x` exactly), non-empty.
fn identity_present(source: &str, req: &Request<Incoming>) -> bool {
    let source = source.trim_start_matches('$');
    if let Some(h) = source.strip_prefix("route.request.header.") {
        return req.headers().get_all(h).iter().any(|v| !v.as_bytes().is_empty());
    }
    if let Some(q) = source.strip_prefix("route.request.querystring.") {
        let query = req.uri().query().unwrap_or_default();
        return url::form_urlencoded::parse(query.as_bytes()).any(|(k, v)| k == q && !v.is_empty());
    }
    // Stage variables and context values are API Gateway's own: always there.
    true
}

/// 500 `{"message": "Internal server error"}`: an integration or authorizer API Gateway could not invoke.
fn internal_server_error() -> Response<Body> {
    serve::json(StatusCode::INTERNAL_SERVER_ERROR, r#"{"message": "Internal server error"}"#)
}

/// How long a SigV4 signature is good for.
const SIGNATURE_LIFETIME: Duration = Duration::from_secs(300);

/// The IAM check of an upgrade at `now`: `Err` is API Gateway's message.
// The messages are the ones API Gateway's IAM authorization gives REST APIs
// (`Credential should be scoped to a valid region, not '…'.`, `Signature
// expired: … (… - 5 min.)`); what a WebSocket `$connect` answers is unconfirmed.
fn iam_verdict(d: &Deployment, parts: &http::request::Parts, now: SystemTime) -> Result<(), String> {
    use super::sigv4::{SigV4Error, amz_date, verify_either};
    let verified = match verify_either(parts) {
        Ok(v) => v,
        Err(SigV4Error::MissingAuthenticationToken) => return Err("Forbidden".into()),
        Err(e) => return Err(e.message()),
    };
    if verified.scope.service != "execute-api" {
        return Err("Credential should be scoped to correct service: 'execute-api'. ".into());
    }
    let region = d.backend.iam_verify_region.unwrap_or(&d.region);
    if verified.scope.region != region {
        return Err(format!("Credential should be scoped to a valid region, not '{}'. ", verified.scope.region));
    }
    let lifetime = verified.expires_in.map_or(SIGNATURE_LIFETIME, |e| e.min(SIGNATURE_LIFETIME));
    if verified.signed_at + lifetime < now {
        let earliest = now - SIGNATURE_LIFETIME;
        return Err(format!(
            "Signature expired: {} is now earlier than {} ({} - 5 min.)",
            amz_date(verified.signed_at),
            amz_date(earliest),
            amz_date(now)
        ));
    }
    if verified.signed_at > now + SIGNATURE_LIFETIME {
        return Err(format!(
            "Signature not yet current: {} is still later than {}",
            amz_date(verified.signed_at),
            amz_date(now + SIGNATURE_LIFETIME)
        ));
    }
    Ok(())
}

/// 403 with API Gateway's `{"message": …}`.
fn forbidden_with(message: &str) -> Response<Body> {
    serve::json(StatusCode::FORBIDDEN, &serde_json::json!({ "message": message }).to_string())
}

/// The `Sec-WebSocket-Accept` for a key no client sent (`bad-accept`).
pub(crate) fn wrong_accept() -> HeaderValue {
    HeaderValue::from_str(&derive_accept_key(b"not the key the client sent"))
        .unwrap_or_else(|_| HeaderValue::from_static("x"))
}

/// `upgrade-5xx`/`upgrade-403` on the gateway itself (layout C).
fn injected_refusal(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status == StatusCode::FORBIDDEN {
        return Rejection::Forbidden.response();
    }
    serve::json(status, r#"{"message": "Internal server error"}"#)
}

/// `connect-integration-502`: what API Gateway answers an upgrade whose
/// `$connect` integration failed (its JSON and its request-id headers).
fn connect_integration_failed() -> Response<Body> {
    let mut resp = serve::json(StatusCode::BAD_GATEWAY, r#"{"message": "Internal server error"}"#);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&connection_id(7)) {
        h.insert("x-amzn-requestid", v.clone());
        h.insert("apigw-requestid", v);
    }
    resp
}

/// Size announced by `huge-frame`'s frame header: far past any client cap.
const HUGE_FRAME: u64 = 64 << 20;
/// How much of it is actually streamed, and for how long at most.
const HUGE_STREAMED: usize = 4 << 20;
const HUGE_TIME: Duration = Duration::from_secs(5);

/// Writes a binary frame header announcing [`HUGE_FRAME`] bytes, then
/// streams zeros until the client hangs up (bounded in bytes and time).
async fn huge_frame<S>(io: &mut S)
where
    S: tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::AsyncWriteExt;
    let mut head = vec![0x82, 127];
    head.extend_from_slice(&HUGE_FRAME.to_be_bytes());
    let stream = async {
        io.write_all(&head).await?;
        let chunk = vec![0u8; 64 << 10];
        for _ in 0..HUGE_STREAMED / chunk.len() {
            io.write_all(&chunk).await?;
        }
        io.flush().await
    };
    let _ = tokio::time::timeout(HUGE_TIME, stream).await;
}

/// Sends a close frame and waits (briefly) for the client's answer.
async fn close<S>(ws: &mut WebSocketStream<S>, code: CloseCode, reason: &str)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let frame = CloseFrame { code, reason: reason.to_owned().into() };
    if ws.close(Some(frame)).await.is_err() {
        return;
    }
    let drain = async {
        for _ in 0..64 {
            match ws.next().await {
                Some(Ok(_)) => {}
                _ => return,
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layout, SCENARIOS, scenario};

    fn d(layout: Layout, name: &str) -> Deployment {
        Deployment::new(layout, scenario(name).unwrap_or(&SCENARIOS[0]))
    }

    #[test]
    fn execute_api_host_needs_exactly_the_stage() {
        let a = d(Layout::A, "good");
        let host = model::execute_api_host();
        let t = route(&a, &host, "/Prod").expect("routes");
        assert_eq!((t.door, t.stage.stage_name.as_str(), t.rest.as_str()), (Door::ExecuteApi, "Prod", ""));
        assert_eq!(route(&a, &host, "/prod").err(), Some(Rejection::Forbidden));
        assert_eq!(route(&a, &host, "/Prod/Prod").expect("routes").rest, "/Prod");
        assert_eq!(route(&d(Layout::A, "stage-not-deployed"), &host, "/Prod").err(), Some(Rejection::Forbidden));
        assert_eq!(route(&d(Layout::A, "stage-missing"), &host, "/Prod").err(), Some(Rejection::Forbidden));
    }

    #[test]
    fn execute_api_door_follows_the_deployed_flag() {
        let host = model::execute_api_host();
        assert_eq!(route(&d(Layout::B, "good"), &host, "/Prod").err(), Some(Rejection::Forbidden));
        assert!(route(&d(Layout::B, "execute-api-enabled"), &host, "/Prod").is_ok());
        assert!(route(&d(Layout::B, "execute-api-not-redeployed"), &host, "/Prod").is_ok());
    }

    #[test]
    fn custom_domain_routes_by_mapping_key() {
        let c = d(Layout::C, "good");
        let t = route(&c, "ws.example.com", "/chat").expect("routes");
        assert_eq!(t.door, Door::CustomDomain { mapping_key: "chat".into() });
        assert_eq!(route(&c, "ws.example.com", "/chat/@connections/x").expect("routes").rest, "/@connections/x");
        assert_eq!(
            route(&d(Layout::C, "mapping-key-mismatch"), "ws.example.com", "/chat").err(),
            Some(Rejection::Forbidden)
        );
        assert_eq!(route(&c, model::REGIONAL_TARGET, "/chat").err(), Some(Rejection::Forbidden));
        let mut empty = c.clone();
        empty.mappings[0].api_mapping_key = String::new();
        assert_eq!(route(&empty, "ws.example.com", "/@connections/x").expect("routes").rest, "/@connections/x");
        assert_eq!(
            route(&d(Layout::C, "mapping-wrong-stage"), "ws.example.com", "/chat").expect("routes").stage.stage_name,
            "Dev"
        );
    }

    /// Layout b as deployed: CloudFront dials the execute-api host but sends
    /// the viewer's Host, and API Gateway routes by that Host, not by the name
    /// that was dialed: the custom domain and its mapping, execute-api disabled.
    #[test]
    fn layout_b_routes_by_the_host_it_receives() {
        for layout in [Layout::B, Layout::BRegional] {
            let b = d(layout, "good");
            let t = route(&b, "ws.example.com", "/websocket").expect("routes");
            assert_eq!(t.door, Door::CustomDomain { mapping_key: "websocket".into() });
            assert_eq!((t.stage.stage_name.as_str(), t.rest.as_str()), ("Prod", ""));
            // The names CloudFront dials are not the API's door in b.
            assert_eq!(route(&b, &model::execute_api_host(), "/websocket").err(), Some(Rejection::Forbidden));
            assert_eq!(route(&b, model::REGIONAL_TARGET, "/websocket").err(), Some(Rejection::Forbidden));
        }
    }

    #[test]
    fn throttling_and_ids() {
        assert!(throttled(&d(Layout::B, "throttling-zero").api.stages[0]));
        assert!(!throttled(&d(Layout::B, "good").api.stages[0]));
        let (a, b) = (connection_id(0), connection_id(1));
        assert_eq!((a.len(), b.len()), (16, 16));
        assert!(a.ends_with('=') && !b.ends_with('='));
        assert_eq!(management_id("/@connections/ab%3D").as_deref(), Some("ab="));
        assert_eq!(management_id("/@connections/"), None);
        assert_eq!(management_id("/other"), None);
    }

    // AWS: API Gateway Developer Guide, "Working with routes for WebSocket APIs"
    // (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html) —
    // `$request.body.action` selects the route of that key; a message that is not JSON, or whose key
    // matches no route, goes to `$default`; a stage routes by its deployment's routes.
    #[test]
    fn messages_select_the_deployed_route_or_default() {
        let good = d(Layout::B, "good");
        let stage = &good.api.stages[0];
        let routes = good.deployed_routes(stage);
        let key = |body: &str, routes: &[Route]| {
            select_route("$request.body.action", body, routes).map(|r| r.route_key.clone())
        };
        assert_eq!(key(r#"{"action":"echo"}"#, routes).as_deref(), Some("$default"));
        assert_eq!(key("not json", routes).as_deref(), Some("$default"));
        assert_eq!(key(r#"{"action":"$connect"}"#, routes).as_deref(), Some("$default"));
        // The stale stage serves its old snapshot: neither `echo` nor `$default`.
        let stale = d(Layout::B, "stale-deployment");
        assert!(stale.api.routes.iter().any(|r| r.route_key == "echo"));
        let old = stale.deployed_routes(&stale.api.stages[0]);
        assert_eq!(key(r#"{"action":"echo"}"#, old), None);
        assert_eq!(key(r#"{"action":"echo"}"#, &stale.api.routes).as_deref(), Some("echo"));
    }

    #[test]
    fn connection_id_mapping_and_invocation_uris() {
        let vpc = d(Layout::C, "vpc-link-good");
        let http = vpc.api.integrations.iter().find(|i| i.integration_id == model::HTTP_INTEGRATION_ID).expect("http");
        assert!(maps_connection_id(http));
        let bare = d(Layout::C, "vpc-link-no-connection-id");
        assert!(!maps_connection_id(&bare.api.integrations[1]));
        assert_eq!(
            function_arn_of(&model::lambda_invocation_uri("f")).map(str::to_owned),
            Some(model::function_arn("f"))
        );
        assert_eq!(function_arn_of("http://example.com/"), None);
    }
}
