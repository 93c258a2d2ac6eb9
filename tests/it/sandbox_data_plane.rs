//! The sandbox's data plane seen by plain clients (hickory-resolver,
//! tokio-rustls, tokio-tungstenite), not by wsconform's checks. Every test
//! is bounded in time and talks to loopback only.

use std::future::Future;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use hickory_resolver::Resolver;
use hickory_resolver::config::{NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::{RData, RecordType};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::{Error as WsError, Message};
use tokio_tungstenite::{WebSocketStream, client_async};
use wsconform_sandbox::connections::Outbound;
use wsconform_sandbox::model::{self, Layout, Server, scenario};
use wsconform_sandbox::{Faults, Sandbox, SandboxOptions};

type Ws = WebSocketStream<TlsStream<TcpStream>>;

/// Every test body gets a hard upper bound.
async fn bounded<F: Future<Output = ()>>(f: F) {
    tokio::time::timeout(Duration::from_secs(20), f).await.expect("test finished in time");
}

fn options(layout: Layout, name: &str) -> SandboxOptions {
    SandboxOptions::new(layout, scenario(name).expect("known scenario"))
}

async fn start(layout: Layout, name: &str) -> Sandbox {
    start_with(options(layout, name)).await
}

async fn start_with(opts: SandboxOptions) -> Sandbox {
    wsconform::install_crypto_provider();
    Sandbox::start(opts).await.expect("sandbox starts")
}

fn resolver(sb: &Sandbox, timeout: Duration) -> Resolver<TokioRuntimeProvider> {
    let mut ns = NameServerConfig::udp(sb.dns_addr().ip());
    ns.connections[0].port = sb.dns_addr().port();
    let config = ResolverConfig::from_name_servers(vec![ns]);
    let mut b = Resolver::builder_with_config(config, TokioRuntimeProvider::default());
    b.options_mut().timeout = timeout;
    b.options_mut().attempts = 1;
    b.options_mut().cache_size = 0;
    b.build().expect("resolver")
}

async fn lookup_a(sb: &Sandbox, name: &str) -> Result<Vec<Ipv4Addr>, hickory_resolver::net::NetError> {
    let lookup = resolver(sb, Duration::from_secs(2)).lookup(name, RecordType::A).await?;
    Ok(lookup
        .answers()
        .iter()
        .filter_map(|r| match &r.data {
            RData::A(a) => Some(a.0),
            _ => None,
        })
        .collect())
}

/// Where a host is reached: its DNS answer, mapped like the sandbox's `connect_to`.
async fn reach(sb: &Sandbox, host: &str) -> SocketAddr {
    let ip = lookup_a(sb, &format!("{host}.")).await.expect("resolves")[0];
    let server = [Server::Edge, Server::OldEdge, Server::Gateway]
        .into_iter()
        .find(|s| s.dns_address() == ip)
        .expect("a sandbox address");
    sb.server_addr(server)
}

fn trusting(sb: &Sandbox) -> Arc<ClientConfig> {
    let mut roots = RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(sb.ca_pem().as_bytes()) {
        roots.add(c.expect("PEM")).expect("CA cert");
    }
    let mut config = ClientConfig::builder().with_root_certificates(roots).with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

async fn tls_to(sb: &Sandbox, host: &str, config: Arc<ClientConfig>) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(reach(sb, host).await).await?;
    let name = ServerName::try_from(host.to_string()).expect("server name");
    TlsConnector::from(config).connect(name, tcp).await
}

/// Upgrades `wss://{host}{path}`; `Err(status, body)` when the answer is not 101.
async fn upgrade(
    sb: &Sandbox,
    host: &str,
    path: &str,
    protocols: Option<&str>,
) -> Result<(Ws, Option<String>), (u16, String)> {
    let headers: &[(&str, &str)] = match protocols {
        Some(p) => &[("Sec-WebSocket-Protocol", p)],
        None => &[],
    };
    upgrade_with(sb, host, path, headers).await
}

/// Upgrades `wss://{host}{path}` (the path may carry a query) with extra headers.
async fn upgrade_with(
    sb: &Sandbox,
    host: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> Result<(Ws, Option<String>), (u16, String)> {
    let tls = tls_to(sb, host, trusting(sb)).await.expect("TLS handshake");
    let mut req = format!("wss://{host}{path}").into_client_request().expect("request");
    for (name, value) in headers {
        let name = http::HeaderName::from_bytes(name.as_bytes()).expect("header name");
        req.headers_mut().insert(name, value.parse().expect("value"));
    }
    match client_async(req, tls).await {
        Ok((ws, resp)) => {
            let proto = resp.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok()).map(String::from);
            Ok((ws, proto))
        }
        Err(WsError::Http(resp)) => {
            let body = resp.body().as_ref().map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default();
            Err((resp.status().as_u16(), body))
        }
        Err(e) => Err((0, e.to_string())),
    }
}

async fn public_upgrade(sb: &Sandbox) -> Result<(Ws, Option<String>), (u16, String)> {
    let d = sb.deployment().clone();
    upgrade(sb, &d.public_host, &d.public_path, None).await
}

async fn next_text(ws: &mut Ws, within: Duration) -> Option<String> {
    let deadline = Instant::now() + within;
    while let Ok(Some(Ok(msg))) = tokio::time::timeout_at(deadline.into(), ws.next()).await {
        if let Message::Text(t) = msg {
            return Some(t.to_string());
        }
    }
    None
}

/// The close code the server sends (reading at most `within`).
async fn close_code(ws: &mut Ws, within: Duration) -> Option<CloseCode> {
    let deadline = Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline.into(), ws.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

#[tokio::test]
async fn dns_answers_per_layout() {
    bounded(async {
        for layout in Layout::ALL {
            let sb = start(layout, "good").await;
            let public = if layout == Layout::C { Server::Gateway } else { Server::Edge };
            assert_eq!(lookup_a(&sb, "ws.example.com.").await.expect("A"), [public.dns_address()]);
            let exec = format!("{}.", model::execute_api_host());
            assert_eq!(lookup_a(&sb, &exec).await.expect("A"), [Server::Gateway.dns_address()]);
            let old = format!("{}.", model::OLD_DISTRIBUTION_DOMAIN);
            assert_eq!(lookup_a(&sb, &old).await.expect("A"), [Server::OldEdge.dns_address()]);
            sb.shutdown().await;
        }
    })
    .await;
}

#[tokio::test]
async fn dns_nxdomain_nodata_and_refused() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let nx = lookup_a(&sb, "nope.example.com.").await.expect_err("NXDOMAIN");
        assert!(nx.is_nx_domain(), "{nx}");
        let r = resolver(&sb, Duration::from_secs(2));
        let nodata = r.lookup("ws.example.com.", RecordType::AAAA).await.expect_err("no AAAA");
        assert!(nodata.is_no_records_found() && !nodata.is_nx_domain(), "{nodata}");
        let refused = lookup_a(&sb, "www.example.org.").await.expect_err("REFUSED");
        assert!(!refused.is_nx_domain(), "{refused}");
        // The same answers over TCP, on the same port.
        let mut ns = NameServerConfig::tcp(sb.dns_addr().ip());
        ns.connections[0].port = sb.dns_addr().port();
        let mut b =
            Resolver::builder_with_config(ResolverConfig::from_name_servers(vec![ns]), TokioRuntimeProvider::default());
        b.options_mut().timeout = Duration::from_secs(2);
        b.options_mut().attempts = 1;
        let tcp = b.build().expect("resolver");
        let answers = tcp.lookup("ws.example.com.", RecordType::A).await.expect("A over TCP");
        assert_eq!(answers.answers().len(), 1);
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn dns_wrong_target_reaches_the_old_edge() {
    bounded(async {
        let sb = start(Layout::B, "dns-wrong-target").await;
        assert_eq!(lookup_a(&sb, "ws.example.com.").await.expect("A"), [Server::OldEdge.dns_address()]);
        // The old edge serves a valid certificate and answers AccessDenied.
        let (status, body) = public_upgrade(&sb).await.expect_err("403");
        assert_eq!(status, 403);
        assert!(body.contains("<Code>AccessDenied</Code>"), "{body}");
        sb.shutdown().await;
    })
    .await;
}

/// A weighted set answers only from the records that take traffic, whatever
/// the order they were created in (the old record is listed first in both).
#[tokio::test]
async fn weighted_sets_answer_from_the_records_with_weight() {
    bounded(async {
        for (scenario, server) in
            [("r53-weighted-old-target-weight-0", Server::Edge), ("r53-weighted-old-target-serving", Server::OldEdge)]
        {
            let sb = start(Layout::B, scenario).await;
            for _ in 0..4 {
                assert_eq!(lookup_a(&sb, "ws.example.com.").await.expect("A"), [server.dns_address()], "{scenario}");
            }
            sb.shutdown().await;
        }
    })
    .await;
}

#[tokio::test]
async fn good_layouts_upgrade_and_echo() {
    bounded(async {
        for layout in Layout::ALL {
            let sb = start(layout, "good").await;
            let (mut ws, proto) = public_upgrade_with(&sb, Some("chat.v1, other")).await;
            assert_eq!(proto.as_deref(), Some("chat.v1"), "layout {layout:?}");
            ws.send(Message::text(r#"{"action":"echo","payload":"n0nce"}"#)).await.expect("send");
            let reply = next_text(&mut ws, Duration::from_secs(2)).await.expect("echo reply");
            let v: serde_json::Value = serde_json::from_str(&reply).expect("JSON");
            assert_eq!(v["request"], r#"{"action":"echo","payload":"n0nce"}"#);
            let id = v["connectionId"].as_str().expect("connection id");
            assert_eq!(id.len(), 16);
            assert!(id.ends_with('='), "the first id ends with `=`: {id}");
            // The Host API Gateway saw: the execute-api host, or the custom domain.
            let host = layout.custom_domain().map_or_else(model::execute_api_host, str::to_owned);
            assert_eq!(v["endpoint"], format!("https://{host}/Prod"));
            assert!(sb.registry().get(id).is_some());
            // The second connection's id has no padding.
            let (mut ws2, _) = public_upgrade_with(&sb, None).await;
            ws2.send(Message::text("x")).await.expect("send");
            let v2: serde_json::Value =
                serde_json::from_str(&next_text(&mut ws2, Duration::from_secs(2)).await.expect("reply")).expect("JSON");
            assert!(!v2["connectionId"].as_str().expect("id").ends_with('='));
            sb.shutdown().await;
        }
    })
    .await;
}

/// Layout b as the seed deploys it: the edge dials the execute-api host's
/// address with the viewer's Host as SNI and Host. There the gateway presents
/// the custom domain's certificate and routes by that Host to the mapping;
/// the execute-api name itself is no door (disabled).
#[tokio::test]
async fn layout_b_origin_is_the_execute_api_host_reached_with_the_viewer_host() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let exec = model::execute_api_host();
        let origin = sb.deployment().distribution.as_ref().expect("distribution").origins[1].domain_name.clone();
        assert_eq!(origin, exec);
        let at = reach(&sb, &exec).await;
        assert_eq!(at, sb.server_addr(Server::Gateway));
        // SNI `ws.example.com` at the execute-api host's address: the
        // certificate verifies for that name (the custom domain's).
        let tls = TlsConnector::from(trusting(&sb))
            .connect(ServerName::try_from("ws.example.com").expect("name"), TcpStream::connect(at).await.expect("tcp"))
            .await
            .expect("the custom domain's certificate for its SNI");
        let req = "wss://ws.example.com/websocket".into_client_request().expect("request");
        let (mut ws, _) = client_async(req, tls).await.expect("101 by the custom domain's mapping");
        ws.send(Message::text("hi")).await.expect("send");
        let v: serde_json::Value =
            serde_json::from_str(&next_text(&mut ws, Duration::from_secs(2)).await.expect("echo")).expect("JSON");
        assert_eq!(v["endpoint"], "https://ws.example.com/Prod");
        // The same address with the dialed name as Host: the disabled door.
        let (status, body) = upgrade(&sb, &exec, "/websocket", None).await.expect_err("403");
        assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));
        sb.shutdown().await;
    })
    .await;
}

async fn public_upgrade_with(sb: &Sandbox, protocols: Option<&str>) -> (Ws, Option<String>) {
    let d = sb.deployment().clone();
    upgrade(sb, &d.public_host, &d.public_path, protocols).await.expect("101")
}

async fn expect_refused(layout: Layout, name: &str, status: u16, body_has: &str) {
    let sb = start(layout, name).await;
    let (got, body) = public_upgrade(&sb).await.expect_err("not 101");
    assert_eq!(got, status, "scenario {name}: {body}");
    assert!(body.contains(body_has), "scenario {name}: {body}");
    sb.shutdown().await;
}

#[tokio::test]
async fn misrouted_scenarios_are_refused_like_aws() {
    bounded(async {
        expect_refused(Layout::A, "pattern-case", 403, "<Code>AccessDenied</Code>").await;
        expect_refused(Layout::A, "pattern-shadowed", 403, "<Code>AccessDenied</Code>").await;
        expect_refused(Layout::A, "origin-path-doubled", 403, r#"{"message":"Forbidden"}"#).await;
        expect_refused(Layout::A, "host-forwarded", 403, r#"{"message":"Forbidden"}"#).await;
        expect_refused(Layout::B, "host-not-forwarded", 403, r#"{"message":"Forbidden"}"#).await;
        expect_refused(Layout::BRegional, "host-not-forwarded", 403, r#"{"message":"Forbidden"}"#).await;
        expect_refused(Layout::A, "origin-http-only", 502, "CloudFront wasn't able to connect to the origin").await;
        expect_refused(Layout::C, "mapping-key-mismatch", 403, "Forbidden").await;
        expect_refused(Layout::A, "stage-not-deployed", 403, "Forbidden").await;
        expect_refused(Layout::A, "stage-missing", 403, "Forbidden").await;
        expect_refused(Layout::B, "throttling-zero", 429, "Too Many Requests").await;
        expect_refused(Layout::B, "alias-missing", 403, "The request could not be satisfied").await;
    })
    .await;
}

#[tokio::test]
async fn dropped_websocket_headers_never_upgrade() {
    bounded(async {
        let sb = start(Layout::A, "ws-headers-dropped").await;
        let (status, _) = public_upgrade(&sb).await.expect_err("not 101");
        assert_ne!(status, 101);
        assert_eq!(status, 400);
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn execute_api_door_per_scenario() {
    bounded(async {
        let host = model::execute_api_host();
        for (layout, name, open) in [
            (Layout::A, "good", true),
            (Layout::B, "good", false),
            (Layout::C, "good", false),
            (Layout::B, "execute-api-enabled", true),
            (Layout::B, "execute-api-not-redeployed", true),
        ] {
            let sb = start(layout, name).await;
            match upgrade(&sb, &host, "/Prod", None).await {
                Ok(_) => assert!(open, "{name} on {layout:?} must be closed"),
                Err((status, body)) => {
                    assert!(!open, "{name} on {layout:?} must be open: {status} {body}");
                    assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));
                }
            }
            sb.shutdown().await;
        }
    })
    .await;
}

#[tokio::test]
async fn echo_silent_never_replies() {
    bounded(async {
        let sb = start(Layout::B, "echo-silent").await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        ws.send(Message::text("hello")).await.expect("send");
        assert_eq!(next_text(&mut ws, Duration::from_millis(300)).await, None);
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn no_default_route_answers_forbidden() {
    bounded(async {
        let sb = start(Layout::B, "no-default-route").await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        ws.send(Message::text("hello")).await.expect("send");
        let v: serde_json::Value =
            serde_json::from_str(&next_text(&mut ws, Duration::from_secs(2)).await.expect("reply")).expect("JSON");
        assert_eq!(v["message"], "Forbidden");
        assert!(v["connectionId"].is_string() && v["requestId"].is_string());
        assert!(v.get("request").is_none());
        sb.shutdown().await;
    })
    .await;
}

/// The integration fails: API Gateway answers on the socket with its own
/// frame, `{"message": "Internal server error", "connectionId", "requestId"}`.
#[tokio::test]
async fn integration_error_answers_internal_server_error() {
    bounded(async {
        let sb = start(Layout::B, "integration-error").await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        ws.send(Message::text(r#"{"action":"x"}"#)).await.expect("send");
        let v: serde_json::Value =
            serde_json::from_str(&next_text(&mut ws, Duration::from_secs(2)).await.expect("reply")).expect("JSON");
        assert_eq!(v["message"], "Internal server error");
        assert!(v["connectionId"].is_string() && v["requestId"].is_string());
        assert_eq!(v.as_object().map(|o| o.len()), Some(3));
        sb.shutdown().await;
    })
    .await;
}

// ---------------------------------------------------------------------------
// Behind the route: Lambda permissions, the `$connect` authorizer, the VPC link's
// connection id, and the stage's deployment.

/// Upgrades the public URL (plus `query`, with `headers`): the status (101 or the refusal's) and the body.
async fn public_status(sb: &Sandbox, query: &str, headers: &[(&str, &str)]) -> (u16, String) {
    let d = sb.deployment().clone();
    match upgrade_with(sb, &d.public_host, &format!("{}{query}", d.public_path), headers).await {
        Ok(_) => (101, String::new()),
        Err(refused) => refused,
    }
}

/// The first frame answering the suite's kind of message (`{"action":"echo",…}`).
async fn answer_to_echo(sb: &Sandbox, query: &str) -> Option<serde_json::Value> {
    let d = sb.deployment().clone();
    let (mut ws, _) = upgrade_with(sb, &d.public_host, &format!("{}{query}", d.public_path), &[]).await.expect("101");
    ws.send(Message::text(r#"{"action":"echo","payload":"n0nce"}"#)).await.expect("send");
    let text = next_text(&mut ws, Duration::from_millis(800)).await?;
    Some(serde_json::from_str(&text).expect("JSON"))
}

/// A function whose policy does not let API Gateway invoke it for
/// `…/{api}/{stage}/$default`: the message gets API Gateway's own frame; a
/// permission for `…/{api}/*` covers every route.
// AWS: Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda"
// (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html) — API Gateway
// may invoke a function only as its policy's statements for apigateway.amazonaws.com allow, matched
// on the SourceArn `arn:aws:execute-api:{region}:{account}:{api}/{stage}/{routeKey}`.
#[tokio::test]
async fn a_route_the_function_does_not_permit_answers_internal_server_error() {
    bounded(async {
        let sb = start(Layout::B, "lambda-permission-wrong-route").await;
        let v = answer_to_echo(&sb, "").await.expect("a frame");
        assert_eq!(v["message"], "Internal server error");
        assert_eq!(v.as_object().map(|o| o.len()), Some(3), "{v}");
        sb.shutdown().await;

        let sb = start(Layout::B, "lambda-permission-wildcard").await;
        let v = answer_to_echo(&sb, "").await.expect("the echo");
        assert_eq!(v["request"], r#"{"action":"echo","payload":"n0nce"}"#);
        sb.shutdown().await;
    })
    .await;
}

/// `$connect`'s function permits another API only: the upgrade gets 500.
// AWS: Lambda Developer Guide, "Viewing resource-based IAM policies in Lambda"
// (https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html) — the SourceArn
// condition names the API; a statement for another API id does not apply.
#[tokio::test]
async fn connect_through_a_function_permitting_another_api_answers_500() {
    bounded(async {
        let sb = start(Layout::C, "lambda-permission-other-api").await;
        assert_eq!(public_status(&sb, "", &[]).await, (500, r#"{"message": "Internal server error"}"#.into()));
        sb.shutdown().await;
        let sb = start(Layout::C, "good").await;
        assert_eq!(public_status(&sb, "", &[]).await.0, 101);
        sb.shutdown().await;
    })
    .await;
}

/// A REQUEST authorizer's identity source missing from the upgrade: 401,
/// the authorizer never invoked; present (header or query): 101.
// AWS: API Gateway v2 API Reference, "Authorizers", identitySource
// (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html) — every
// identity source must be present, not null and non-empty, else API Gateway answers 401 Unauthorized
// without calling the authorizer's function.
#[tokio::test]
async fn a_missing_identity_source_answers_401() {
    bounded(async {
        let sb = start(Layout::C, "authorizer-header-not-sent").await;
        assert_eq!(public_status(&sb, "", &[]).await, (401, r#"{"message":"Unauthorized"}"#.into()));
        assert_eq!(public_status(&sb, "", &[("Authorization", "")]).await.0, 401, "empty counts as missing");
        assert_eq!(public_status(&sb, "", &[("Authorization", "Bearer t")]).await.0, 101);
        sb.shutdown().await;

        let sb = start(Layout::B, "authorizer-query-forwarded").await;
        assert_eq!(public_status(&sb, "", &[]).await.0, 401);
        assert_eq!(public_status(&sb, "?token=", &[]).await.0, 401);
        assert_eq!(public_status(&sb, "?token=sandbox-token", &[]).await.0, 101);
        sb.shutdown().await;
    })
    .await;
}

/// CloudFront's origin request policy forwards no query string: the token
/// the viewer sent never reaches API Gateway, which answers 401.
// AWS: CloudFront Developer Guide, "Control origin requests with a policy"
// (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html) —
// with QueryStringsConfig `none` no viewer query string is sent to the origin.
#[tokio::test]
async fn a_query_token_cloudfront_does_not_forward_answers_401() {
    bounded(async {
        for layout in [Layout::B, Layout::BRegional] {
            let sb = start(layout, "authorizer-query-not-forwarded").await;
            assert_eq!(public_status(&sb, "?token=sandbox-token", &[]).await.0, 401, "{layout:?}");
            sb.shutdown().await;
        }
    })
    .await;
}

/// The authorizer's function permits only `…/*/$connect`, not
/// `…/authorizers/{id}`: once the identity sources are there, 500.
// AWS: API Gateway Developer Guide, "Control access to WebSocket APIs with AWS Lambda REQUEST
// authorizers" (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-websocket-api-lambda-auth.html),
// and Lambda's resource-based policies — API Gateway invokes an authorizer with the SourceArn
// `arn:aws:execute-api:{region}:{account}:{api}/authorizers/{authorizer id}`.
#[tokio::test]
async fn an_authorizer_without_its_own_permission_answers_500() {
    bounded(async {
        let sb = start(Layout::C, "authorizer-permission-missing").await;
        assert_eq!(public_status(&sb, "", &[]).await.0, 401, "the identity source is checked first");
        assert_eq!(
            public_status(&sb, "?token=sandbox-token", &[]).await,
            (500, r#"{"message": "Internal server error"}"#.into())
        );
        sb.shutdown().await;
    })
    .await;
}

/// An HTTP backend behind a VPC link posts its echo to `@connections/{id}`,
/// the id it gets from `integration.request.header.ConnectionId =
/// context.connectionId`; without that mapping nothing reaches the client.
// AWS: Knowledge Center, "pass a connectionId … to a VPC link integration"
// (https://repost.aws/knowledge-center/api-gateway-vpc-link-integration) — WebSocket APIs do not pass
// the connection id to a VPC link integration by default; the backend needs it to call back.
#[tokio::test]
async fn a_private_backend_calls_back_only_with_the_connection_id_mapped() {
    bounded(async {
        let sb = start(Layout::C, "vpc-link-good").await;
        let v = answer_to_echo(&sb, "").await.expect("the backend's post");
        assert_eq!(v["request"], r#"{"action":"echo","payload":"n0nce"}"#);
        assert!(v["connectionId"].is_string());
        sb.shutdown().await;

        let sb = start(Layout::C, "vpc-link-no-connection-id").await;
        assert_eq!(answer_to_echo(&sb, "").await, None);
        sb.shutdown().await;
    })
    .await;
}

/// The stage serves its deployment's routes: `echo` and `$default` added
/// since are GetRoutes' but not the stage's, so the message gets `Forbidden`.
// AWS: API Gateway Developer Guide, "Deploy WebSocket APIs in API Gateway"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-set-up-websocket-deployment.html),
// "Working with routes for WebSocket APIs"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-api-develop-routes.html) —
// changes take effect on a stage only once deployed to it; a message selecting no route, with no
// `$default`, is refused.
#[tokio::test]
async fn a_stale_deployment_answers_with_its_old_routes() {
    bounded(async {
        let sb = start(Layout::B, "stale-deployment").await;
        let v = answer_to_echo(&sb, "").await.expect("a frame");
        assert_eq!(v["message"], "Forbidden");
        assert!(sb.deployment().api.routes.iter().any(|r| r.route_key == "echo"));
        sb.shutdown().await;
        let sb = start(Layout::B, "good").await;
        assert!(answer_to_echo(&sb, "").await.expect("the echo").get("request").is_some());
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn oversized_message_closes_with_1009() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        ws.send(Message::text("x".repeat(200 * 1024))).await.expect("send");
        assert_eq!(close_code(&mut ws, Duration::from_secs(3)).await, Some(CloseCode::Size));
        // A message under the quota still gets its echo on a fresh connection.
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        ws.send(Message::text("y".repeat(16 * 1024))).await.expect("send");
        assert!(next_text(&mut ws, Duration::from_secs(2)).await.is_some());
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn idle_connections_close_with_1001() {
    bounded(async {
        let mut opts = options(Layout::C, "good");
        opts.idle_timeout = Duration::from_millis(200);
        let sb = start_with(opts).await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        let started = Instant::now();
        assert_eq!(close_code(&mut ws, Duration::from_secs(3)).await, Some(CloseCode::Away));
        assert!(started.elapsed() >= Duration::from_millis(150));
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn outbound_messages_reach_the_client_and_close_it() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        ws.send(Message::text("who am I")).await.expect("send");
        let v: serde_json::Value =
            serde_json::from_str(&next_text(&mut ws, Duration::from_secs(2)).await.expect("reply")).expect("JSON");
        let id = v["connectionId"].as_str().expect("id").to_string();
        let conn = sb.registry().get(&id).expect("registered");
        conn.outbound.send(Outbound::Text("pushed".into())).expect("channel open");
        assert_eq!(next_text(&mut ws, Duration::from_secs(2)).await.as_deref(), Some("pushed"));
        conn.outbound.send(Outbound::Close).expect("channel open");
        assert_eq!(close_code(&mut ws, Duration::from_secs(2)).await, Some(CloseCode::Normal));
        // Removed from the registry once closed (bounded wait).
        for _ in 0..50 {
            if sb.registry().get(&id).is_none() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(sb.registry().get(&id).is_none());
        sb.shutdown().await;
    })
    .await;
}

/// Accepts any certificate and keeps the one served, to look at it.
#[derive(Debug)]
struct Capture(Mutex<Option<Vec<u8>>>, Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for Capture {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        *self.0.lock().expect("lock") = Some(end_entity.as_ref().to_vec());
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(m, c, d, &self.1.signature_verification_algorithms)
    }
    fn verify_tls13_signature(
        &self,
        m: &[u8],
        c: &CertificateDer<'_>,
        d: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(m, c, d, &self.1.signature_verification_algorithms)
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.1.signature_verification_algorithms.supported_schemes()
    }
}

struct Served {
    sans: Vec<String>,
    days_left: i64,
    issuer: String,
    alpn: Option<Vec<u8>>,
}

async fn served_cert(sb: &Sandbox, host: &str) -> Served {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let capture = Arc::new(Capture(Mutex::new(None), provider));
    let mut config =
        ClientConfig::builder().dangerous().with_custom_certificate_verifier(capture.clone()).with_no_client_auth();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let tls = tls_to(sb, host, Arc::new(config)).await.expect("handshake");
    let alpn = tls.get_ref().1.alpn_protocol().map(|p| p.to_vec());
    let der = capture.0.lock().expect("lock").clone().expect("a certificate");
    let (_, cert) = x509_parser::parse_x509_certificate(&der).expect("X.509");
    let sans = cert
        .subject_alternative_name()
        .ok()
        .flatten()
        .map(|s| {
            s.value
                .general_names
                .iter()
                .filter_map(|g| match g {
                    x509_parser::extensions::GeneralName::DNSName(n) => Some(n.to_string()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("clock").as_secs() as i64;
    Served {
        sans,
        days_left: (cert.validity().not_after.timestamp() - now) / 86400,
        issuer: cert.issuer().to_string(),
        alpn,
    }
}

#[tokio::test]
async fn certificate_knobs_show_in_the_served_certificate() {
    bounded(async {
        let good = start(Layout::B, "good").await;
        let s = served_cert(&good, "ws.example.com").await;
        assert_eq!(s.sans, ["ws.example.com"]);
        assert!(s.days_left > 300);
        assert_eq!(s.alpn.as_deref(), Some(&b"http/1.1"[..]));
        assert!(tls_to(&good, "ws.example.com", trusting(&good)).await.is_ok());
        good.shutdown().await;

        let sb = start(Layout::B, "cert-expired").await;
        assert!(served_cert(&sb, "ws.example.com").await.days_left < 0);
        assert!(tls_to(&sb, "ws.example.com", trusting(&sb)).await.is_err());
        sb.shutdown().await;

        let sb = start(Layout::B, "cert-expiring-soon").await;
        assert_eq!(served_cert(&sb, "ws.example.com").await.days_left, 9);
        assert!(tls_to(&sb, "ws.example.com", trusting(&sb)).await.is_ok());
        sb.shutdown().await;

        let sb = start(Layout::B, "cert-wrong-san").await;
        assert_eq!(served_cert(&sb, "ws.example.com").await.sans, ["other.example.com"]);
        assert!(tls_to(&sb, "ws.example.com", trusting(&sb)).await.is_err());
        sb.shutdown().await;

        let sb = start(Layout::B, "cert-untrusted").await;
        assert!(served_cert(&sb, "ws.example.com").await.issuer.contains("Nobody Trusts Me"));
        assert!(tls_to(&sb, "ws.example.com", trusting(&sb)).await.is_err());
        sb.shutdown().await;

        // Layout c: the gateway serves the public host, with the knob.
        let opts = SandboxOptions::new(Layout::C, scenario("cert-expired").expect("scenario"));
        let sb = start_with(opts).await;
        assert!(served_cert(&sb, "ws.example.com").await.days_left < 0);
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn shutdown_frees_the_ports() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let (_ws, _) = public_upgrade_with(&sb, None).await;
        let tcp: Vec<SocketAddr> =
            [Server::Edge, Server::OldEdge, Server::Gateway].into_iter().map(|s| sb.server_addr(s)).collect();
        let dns = sb.dns_addr();
        assert!(tcp.iter().all(|a| a.ip() == IpAddr::V4(Ipv4Addr::LOCALHOST)));
        sb.shutdown().await;
        for a in tcp {
            std::net::TcpListener::bind(a).unwrap_or_else(|e| panic!("{a} is free after shutdown: {e}"));
        }
        std::net::UdpSocket::bind(dns).expect("DNS UDP port free");
        std::net::TcpListener::bind(dns).expect("DNS TCP port free");
    })
    .await;
}

#[tokio::test]
async fn faults_slow_and_silent() {
    bounded(async {
        // Latency: every hop waits, so an echo through the edge takes at least 2 × latency.
        let mut opts = options(Layout::C, "good");
        opts.faults = Faults { latency: Duration::from_millis(100), ..Faults::default() };
        let sb = start_with(opts).await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        let t = Instant::now();
        ws.send(Message::text("ping")).await.expect("send");
        assert!(next_text(&mut ws, Duration::from_secs(2)).await.is_some());
        assert!(t.elapsed() >= Duration::from_millis(100));
        sb.shutdown().await;

        // Through the edge (layout b) the relay adds its own hop.
        let mut opts = options(Layout::B, "good");
        opts.faults.latency = Duration::from_millis(100);
        let sb = start_with(opts).await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        let t = Instant::now();
        ws.send(Message::text("ping")).await.expect("send");
        assert!(next_text(&mut ws, Duration::from_secs(2)).await.is_some());
        assert!(t.elapsed() >= Duration::from_millis(200), "{:?}", t.elapsed());
        sb.shutdown().await;

        // Silent gateway: TCP accepted, TLS never answered.
        let mut opts = options(Layout::C, "good");
        opts.faults.silent_gateway = true;
        let sb = start_with(opts).await;
        let tls = tokio::time::timeout(Duration::from_millis(300), tls_to(&sb, "ws.example.com", trusting(&sb))).await;
        assert!(tls.is_err(), "the handshake must hang");
        sb.shutdown().await;

        // Dropped after upgrade: 101, then the stream ends.
        let mut opts = options(Layout::C, "good");
        opts.faults.drop_after_upgrade = true;
        let sb = start_with(opts).await;
        let (mut ws, _) = public_upgrade_with(&sb, None).await;
        let _ = ws.send(Message::text("anyone?")).await;
        assert_eq!(next_text(&mut ws, Duration::from_secs(2)).await, None);
        sb.shutdown().await;

        // Silent DNS: the query times out.
        let mut opts = options(Layout::B, "good");
        opts.faults.dns_silent = true;
        let sb = start_with(opts).await;
        let r = resolver(&sb, Duration::from_millis(200));
        assert!(r.lookup("ws.example.com.", RecordType::A).await.is_err());
        sb.shutdown().await;

        // Slow DNS: answers, late.
        let mut opts = options(Layout::B, "good");
        opts.faults.dns_delay = Duration::from_millis(150);
        let sb = start_with(opts).await;
        let t = Instant::now();
        assert!(lookup_a(&sb, "ws.example.com.").await.is_ok());
        assert!(t.elapsed() >= Duration::from_millis(150));
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn suite_points_at_the_sandbox() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let text = sb.suite_toml("sandbox-ca.pem");
        let mut suite = wsconform::Suite::parse("<sandbox>", &text, &|_| None).expect("suite parses");
        assert_eq!(suite.dns.connect_to.len(), 3);
        assert_eq!(suite.tls.extra_ca.as_deref(), Some(std::path::Path::new("sandbox-ca.pem")));
        wsconform_cli::emulator::apply(&sb.endpoints(), &mut suite);
        assert_eq!(suite.dns.nameservers, wsconform::suite::Nameservers::List(vec![sb.dns_addr()]));
        assert!(suite.tls.extra_ca_pem.is_some() && suite.aws.credentials.is_some());
        let edge = suite.dns.connect_to.iter().find(|c| c.host == "127.0.1.1").expect("edge entry");
        assert_eq!(edge.to_port, sb.server_addr(Server::Edge).port());
        sb.shutdown().await;
    })
    .await;
}

/// One plain HTTP/1.1 request over TLS; `(status, body)`.
async fn http(sb: &Sandbox, host: &str, method: &str, path: &str, body: &str) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut tls = tls_to(sb, host, trusting(sb)).await.expect("TLS handshake");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    // The server closes after answering; a missing close_notify is fine here.
    let _ = tokio::time::timeout(Duration::from_secs(3), tls.read_to_end(&mut buf)).await;
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

#[tokio::test]
async fn management_paths_reach_connections_only_through_open_doors() {
    bounded(async {
        let exec = model::execute_api_host();
        // Layout b: the execute-api door is closed, also for @connections.
        let sb = start(Layout::B, "good").await;
        let (status, body) = http(&sb, &exec, "POST", "/Prod/@connections/abc%3D", "hi").await;
        assert_eq!((status, body.as_str()), (403, r#"{"message":"Forbidden"}"#));
        // The custom domain (Host forwarded by the edge) routes `/{key}/@connections/{id}` to the management API.
        let (status, _) = http(&sb, model::PUBLIC_HOST, "POST", "/websocket/@connections/abc%3D", "hi").await;
        assert!(status != 0 && status != 426 && status != 429, "routed to @connections, got {status}");
        sb.shutdown().await;

        let sb = start(Layout::A, "good").await;
        // A plain GET of the WebSocket path asks for an upgrade.
        let (status, body) = http(&sb, &exec, "GET", "/Prod", "").await;
        assert_eq!((status, body.as_str()), (426, r#"{"message":"Upgrade Required"}"#));
        let (status, _) = http(&sb, &exec, "POST", "/Prod/@connections/abc%3D", "hi").await;
        assert!(status != 0 && status != 426, "routed to @connections, got {status}");
        let (status, _) = http(&sb, &exec, "POST", "/Dev2/@connections/abc%3D", "hi").await;
        assert_eq!(status, 403);
        // Exactly `/{stage}`: a trailing slash is another path.
        assert_eq!(upgrade(&sb, &exec, "/Prod/", None).await.err().map(|e| e.0), Some(403));
        sb.shutdown().await;
    })
    .await;
}

#[tokio::test]
async fn drop_stops_the_servers_too() {
    bounded(async {
        let sb = start(Layout::B, "good").await;
        let edge = sb.server_addr(Server::Edge);
        let gateway = sb.server_addr(Server::Gateway);
        drop(sb);
        // Cancellation is asynchronous: poll (bounded) until the ports are free.
        let mut free = false;
        for _ in 0..50 {
            if std::net::TcpListener::bind(edge).is_ok() && std::net::TcpListener::bind(gateway).is_ok() {
                free = true;
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert!(free, "ports are released after drop");
    })
    .await;
}
