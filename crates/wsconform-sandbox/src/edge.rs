//! The CloudFront edge: checks the viewer's Host against the distribution,
//! picks the cache behavior by PathPattern, applies OriginPath and the origin
//! request policy, and proxies the request (upgrade included) to the origin.
//! The PathPattern matcher here is the sandbox's own, a regex translation
//! written independently of the checks' wildcard loop (the rules are
//! `pub(super)`), so end-to-end results cross-check them; a property test
//! (`path_pattern_props`) compares both with a brute-force reference.
//! The origin is dialed at the address of its domain name, with the Host the
//! policy decides as both Host header and SNI.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};

use super::faults::Faults;
use super::model::{
    self, CacheBehavior, Deployment, Distribution, Live, Origin, POLICY_ALL_VIEWER, POLICY_ALL_VIEWER_EXCEPT_HOST,
    Server,
};
use super::serve::{self, Body, Tasks};

const POP: &str = "NRT57-P1";
const VIA: &str = "1.1 5d89a3f1e2b6c7d8e9f0a1b2c3d4e5f6.cloudfront.net (CloudFront)";
/// Bodies the edge buffers (requests and non-upgrade answers).
const BODY_CAP: usize = 1024 * 1024;

/// CloudFront's PathPattern, read as a regular expression: the pattern is
/// translated to an anchored regex over the whole request path (`*` → `.*`,
/// `?` → `.`, every other character a literal) and the regex engine decides.
/// This is deliberately not the checks' wildcard loop: two readings of the
/// same rule, so that a slip in one shows up against the other.
//
// (the rule and its source sit on the test `path_patterns`)
pub fn path_matches(pattern: &str, path: &str) -> bool {
    pattern_regex(pattern).is_some_and(|re| re.is_match(path))
}

/// `pattern` as an anchored regex on the request path (which always starts
/// with `/`). `None` only if the regex engine refuses it (it does not for
/// CloudFront's 255-character patterns).
fn pattern_regex(pattern: &str) -> Option<regex_lite::Regex> {
    let relative = pattern.strip_prefix('/').unwrap_or(pattern);
    // `(?s)`: `.` also matches `\n`; no `i` flag: case-sensitive.
    let mut re = String::from("(?s)^/");
    for c in relative.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            c => re.push_str(&regex_lite::escape(c.encode_utf8(&mut [0u8; 4]))),
        }
    }
    re.push('$');
    regex_lite::Regex::new(&re).ok()
}

/// The behavior CloudFront picks: the first ordered behavior whose pattern
/// matches, else the default.
pub(super) fn choose_behavior<'a>(dist: &'a Distribution, path: &str) -> &'a CacheBehavior {
    dist.cache_behaviors
        .iter()
        .find(|b| b.path_pattern.as_deref().is_some_and(|p| path_matches(p, path)))
        .unwrap_or(&dist.default_cache_behavior)
}

/// Which viewer headers reach the origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Forwarding {
    /// The viewer's Host is sent (and used as SNI).
    pub host: bool,
    /// `None`: every viewer header; `Some`: only these (lowercase).
    pub only: Option<Vec<String>>,
    /// CloudFront removes the viewer's Authorization by default; it is sent
    /// when it is in the cache key (legacy ForwardedValues here) or when the
    /// origin request policy forwards all viewer headers (CloudFront Developer
    /// Guide, "Add custom headers to origin requests": "when you forward all
    /// viewer headers CloudFront includes the Authorization header"). A list
    /// of headers cannot carry it.
    pub authorization: bool,
    /// The viewer's query string is sent. An origin request policy's
    /// QueryStringsConfig decides (CloudFront Developer Guide, "Control origin
    /// requests with a policy": with behavior `none`, "query strings in viewer
    /// requests are not included in requests that CloudFront sends to the
    /// origin"; the managed AllViewer policies forward all); a behavior with
    /// neither an origin request policy nor legacy settings forwards those of
    /// its cache policy, none for CachingDisabled.
    pub query_strings: bool,
}

pub(super) fn forwarding(behavior: &CacheBehavior) -> Forwarding {
    let listed = |names: &[String], authorization: bool, query_strings: bool| Forwarding {
        host: names.iter().any(|h| h.eq_ignore_ascii_case("host")),
        only: Some(names.iter().map(|h| h.to_ascii_lowercase()).collect()),
        authorization: authorization && names.iter().any(|h| h.eq_ignore_ascii_case("authorization")),
        query_strings,
    };
    let all = |host: bool, authorization: bool, query_strings: bool| Forwarding {
        host,
        only: None,
        authorization,
        query_strings,
    };
    match behavior.origin_request_policy_id.as_deref() {
        Some(POLICY_ALL_VIEWER) => all(true, true, true),
        Some(POLICY_ALL_VIEWER_EXCEPT_HOST) => all(false, true, true),
        Some(id) => match Deployment::custom_origin_request_policies().into_iter().find(|p| p.id == id) {
            Some(p) => {
                let query = p.query_string_behavior != "none";
                if p.header_behavior == "allViewer" {
                    all(true, true, query)
                } else if p.header_behavior.starts_with("whitelist") || p.header_behavior.starts_with("allViewerAnd") {
                    listed(&p.headers, false, query)
                } else {
                    listed(&[], false, query)
                }
            }
            None => listed(&[], false, false),
        },
        // Legacy ForwardedValues (served with QueryString true) apply without a cache policy.
        None => {
            let legacy = behavior.cache_policy_id.is_none();
            match &behavior.forwarded_headers {
                Some(h) if h.iter().any(|h| h == "*") => all(true, true, legacy),
                Some(h) => listed(h, true, legacy),
                None => listed(&[], true, legacy),
            }
        }
    }
}

/// What the edge does with one viewer request (pure rule).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Decision {
    /// Host is neither an alias nor the distribution's domain: 403 HTML.
    UnknownHost,
    /// The behavior targets an S3 origin: 403 AccessDenied XML.
    S3AccessDenied,
    /// The origin cannot be reached (http-only to API Gateway, unknown origin): 502.
    OriginUnreachable,
    Proxy(ProxyPlan),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ProxyPlan {
    /// The origin's domain: where to connect.
    pub origin_domain: String,
    /// Host header and SNI sent to the origin: the viewer's Host when the
    /// policy forwards it, else the origin's domain.
    //
    // (the SNI rule and its source sit on the test `decisions_per_scenario`)
    pub host: String,
    /// OriginPath + viewer path (+ query).
    pub path_and_query: String,
    pub forwarding: Forwarding,
}

pub(super) fn decide(d: &Deployment, viewer_host: &str, path: &str, query: Option<&str>) -> Decision {
    let Some(dist) = &d.distribution else { return Decision::UnknownHost };
    let known = dist.aliases.iter().any(|a| a.eq_ignore_ascii_case(viewer_host))
        || dist.domain_name.eq_ignore_ascii_case(viewer_host);
    if !known {
        return Decision::UnknownHost;
    }
    let behavior = choose_behavior(dist, path);
    let Some(origin) = dist.origins.iter().find(|o| o.id == behavior.target_origin_id) else {
        return Decision::OriginUnreachable;
    };
    let Origin { domain_name, origin_path, custom, .. } = origin;
    let Some(custom) = custom else { return Decision::S3AccessDenied };
    if custom.origin_protocol_policy == "http-only" {
        // API Gateway does not listen on port 80.
        return Decision::OriginUnreachable;
    }
    let fwd = forwarding(behavior);
    let mut path_and_query = format!("{}{}", origin_path.trim_end_matches('/'), path);
    if let Some(q) = query.filter(|_| fwd.query_strings) {
        path_and_query.push('?');
        path_and_query.push_str(q);
    }
    Decision::Proxy(ProxyPlan {
        origin_domain: domain_name.clone(),
        host: if fwd.host { viewer_host.to_string() } else { domain_name.clone() },
        path_and_query,
        forwarding: fwd,
    })
}

fn cf_headers(resp: &mut Response<Body>, error: bool) {
    let h = resp.headers_mut();
    let cache = if error { "Error from cloudfront" } else { "Miss from cloudfront" };
    h.insert("x-cache", HeaderValue::from_static(cache));
    h.insert("x-amz-cf-pop", HeaderValue::from_static(POP));
    h.insert(header::VIA, HeaderValue::from_static(VIA));
    if let Ok(v) = HeaderValue::from_str(&crate::gateway::connection_id(1)) {
        h.insert("x-amz-cf-id", v);
    }
}

fn cloudfront_html(status: StatusCode, title: &str, detail: &str) -> Response<Body> {
    let body = format!(
        "<!DOCTYPE HTML PUBLIC \"-//W3C//DTD HTML 4.01 Transitional//EN\" \"http://www.w3.org/TR/html4/loose.dtd\">\n\
         <HTML><HEAD><META HTTP-EQUIV=\"Content-Type\" CONTENT=\"text/html; charset=iso-8859-1\">\n\
         <TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n\
         <H1>{} ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n<HR noshade size=\"1px\">\n{title}\n<BR clear=\"all\">\n{detail}\n\
         <HR noshade size=\"1px\">\n<PRE>\nGenerated by cloudfront (CloudFront)\n</PRE>\n<ADDRESS>\n</ADDRESS>\n</BODY></HTML>",
        status.as_u16()
    );
    let mut resp = serve::response(status, "text/html", body);
    cf_headers(&mut resp, true);
    resp
}

/// S3's answer to an anonymous request for a private object.
pub(crate) fn access_denied() -> Response<Body> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied</Code><Message>Access Denied</Message>\
         <RequestId>{}</RequestId><HostId>{}</HostId></Error>",
        crate::gateway::connection_id(1),
        crate::gateway::connection_id(0),
    );
    let mut resp = serve::response(StatusCode::FORBIDDEN, "application/xml", body);
    cf_headers(&mut resp, true);
    resp
}

fn bad_gateway() -> Response<Body> {
    cloudfront_html(
        StatusCode::BAD_GATEWAY,
        "CloudFront wasn't able to connect to the origin.",
        "We can't connect to the server for this app or website at this time.",
    )
}

/// `upgrade-5xx`/`upgrade-403`: CloudFront's own error page for the status.
fn injected_refusal(status: u16) -> Response<Body> {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match status {
        StatusCode::BAD_GATEWAY => bad_gateway(),
        StatusCode::FORBIDDEN => {
            cloudfront_html(status, "Request blocked.", "The request was blocked by the distribution's rules.")
        }
        _ => cloudfront_html(status, "The origin failed.", "The origin answered with an internal error."),
    }
}

pub(crate) struct Edge {
    pub deployment: Live,
    /// Real addresses of the sandbox's servers (the edge dials origins there).
    pub addrs: HashMap<Server, SocketAddr>,
    pub faults: Faults,
    pub tasks: Tasks,
    /// `true`: the stale distribution of `dns-wrong-target` (403 for everything).
    pub old: bool,
    /// The public host resolves here: the client-door faults apply.
    pub front: bool,
    pub origin_tls: Arc<rustls::ClientConfig>,
}

impl Edge {
    pub(crate) async fn handle(self: Arc<Self>, mut req: Request<Incoming>, _peer: SocketAddr) -> Response<Body> {
        self.faults.hop().await;
        if self.old {
            return access_denied();
        }
        if self.front && self.deployment.current().backend.edge_blocks {
            // `cloudfront-own-403`: a web ACL blocks before any behavior is chosen.
            return cloudfront_html(
                StatusCode::FORBIDDEN,
                "Request blocked. We can't connect to the server for this app or website at this time.",
                "The request was blocked by an AWS WAF web ACL associated with the distribution.",
            );
        }
        let host = serve::request_host(&req);
        let plan = match decide(&self.deployment.current(), &host, req.uri().path(), req.uri().query()) {
            Decision::UnknownHost => {
                return cloudfront_html(
                    StatusCode::FORBIDDEN,
                    "Bad request. We can't connect to the server for this app or website at this time.",
                    "The distribution does not match the certificate or the Host of this request.",
                );
            }
            Decision::S3AccessDenied => return access_denied(),
            Decision::OriginUnreachable => return bad_gateway(),
            Decision::Proxy(p) => p,
        };
        let upgrade = serve::is_websocket_upgrade(req.headers());
        if let Some(status) = self.faults.upgrade_status.filter(|_| self.front && upgrade) {
            return injected_refusal(status);
        }
        let viewer_upgrade = upgrade.then(|| hyper::upgrade::on(&mut req));
        let origin_req = match build_origin_request(req, &plan, upgrade).await {
            Some(r) => r,
            None => return cloudfront_html(StatusCode::BAD_REQUEST, "Bad request.", "The request body is too large."),
        };
        let Some(mut origin_resp) = self.send_to_origin(&plan, origin_req).await else {
            return bad_gateway();
        };

        if origin_resp.status() == StatusCode::SWITCHING_PROTOCOLS {
            let Some(viewer_upgrade) = viewer_upgrade else { return bad_gateway() };
            let origin_upgrade = hyper::upgrade::on(&mut origin_resp);
            let mut resp = serve::response(StatusCode::SWITCHING_PROTOCOLS, "text/plain", "");
            let h = resp.headers_mut();
            h.remove(header::CONTENT_TYPE);
            h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
            h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
            for name in [header::SEC_WEBSOCKET_ACCEPT, header::SEC_WEBSOCKET_PROTOCOL] {
                if let Some(v) = origin_resp.headers().get(&name) {
                    h.insert(name, v.clone());
                }
            }
            if self.front && self.faults.bad_accept {
                h.insert(header::SEC_WEBSOCKET_ACCEPT, super::gateway::wrong_accept());
            }
            cf_headers(&mut resp, false);
            let latency = self.faults.latency;
            self.tasks.spawn(async move {
                if let (Ok(viewer), Ok(origin)) = (viewer_upgrade.await, origin_upgrade.await) {
                    relay(TokioIo::new(viewer), TokioIo::new(origin), latency).await;
                }
            });
            return resp;
        }

        let status = origin_resp.status();
        let content_type = origin_resp.headers().get(header::CONTENT_TYPE).cloned();
        let Some(body) = serve::collect_body(origin_resp.into_body(), BODY_CAP).await else {
            return bad_gateway();
        };
        let mut resp = Response::new(Full::new(body));
        *resp.status_mut() = status;
        if let Some(ct) = content_type {
            resp.headers_mut().insert(header::CONTENT_TYPE, ct);
        }
        cf_headers(&mut resp, status.is_client_error() || status.is_server_error());
        resp
    }

    /// Dials the origin (the server its domain resolves to in the sandbox's
    /// DNS), TLS with SNI = the Host sent, and sends one request.
    async fn send_to_origin(&self, plan: &ProxyPlan, req: Request<Body>) -> Option<Response<Incoming>> {
        let server = self.deployment.current().resolve(&plan.origin_domain, 0)?;
        let addr = *self.addrs.get(&server)?;
        let tcp = tokio::net::TcpStream::connect(addr).await.ok()?;
        let _ = tcp.set_nodelay(true);
        let name = ServerName::try_from(plan.host.clone()).ok()?;
        let tls = tokio_rustls::TlsConnector::from(self.origin_tls.clone()).connect(name, tcp).await.ok()?;
        let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tls)).await.ok()?;
        self.tasks.spawn(async move {
            let _ = conn.with_upgrades().await;
        });
        sender.send_request(req).await.ok()
    }
}

/// Copies bytes both ways between the viewer and the origin. With injected
/// latency, each chunk the origin sends waits `latency` first: one delay per
/// round trip on this hop, like the delay before each HTTP answer.
async fn relay<V, O>(mut viewer: V, mut origin: O, latency: std::time::Duration)
where
    V: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
    O: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if latency.is_zero() {
        let _ = tokio::io::copy_bidirectional(&mut viewer, &mut origin).await;
        return;
    }
    let (mut vr, mut vw) = tokio::io::split(viewer);
    let (mut or, mut ow) = tokio::io::split(origin);
    let up = async {
        let _ = tokio::io::copy(&mut vr, &mut ow).await;
        let _ = ow.shutdown().await;
    };
    // Each chunk is delivered `latency` after it arrived, pipelined like a
    // network link: a second chunk does not wait for the first one's delay.
    let (queue_tx, mut queue_rx) = tokio::sync::mpsc::channel::<(tokio::time::Instant, Vec<u8>)>(64);
    let read = async move {
        let mut buf = vec![0u8; 16 * 1024];
        loop {
            let n = match or.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            if queue_tx.send((tokio::time::Instant::now() + latency, buf[..n].to_vec())).await.is_err() {
                break;
            }
        }
    };
    let deliver = async {
        while let Some((at, chunk)) = queue_rx.recv().await {
            tokio::time::sleep_until(at).await;
            if vw.write_all(&chunk).await.is_err() || vw.flush().await.is_err() {
                break;
            }
        }
        let _ = vw.shutdown().await;
    };
    let down = async {
        tokio::join!(read, deliver);
    };
    tokio::join!(up, down);
}

/// The request CloudFront sends to the origin: OriginPath + path, Host per
/// policy, viewer headers per policy (`Upgrade`/`Connection` always, for WebSocket).
async fn build_origin_request(req: Request<Incoming>, plan: &ProxyPlan, upgrade: bool) -> Option<Request<Body>> {
    let (parts, body) = req.into_parts();
    let body = serve::collect_body(body, BODY_CAP).await?;
    let mut out = Request::builder().method(parts.method).uri(&plan.path_and_query).body(Full::new(body)).ok()?;
    let headers = out.headers_mut();
    copy_headers(&parts.headers, headers, &plan.forwarding);
    headers.insert(header::HOST, HeaderValue::from_str(&plan.host).ok()?);
    if upgrade {
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        headers.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    }
    headers.insert(header::VIA, HeaderValue::from_static(VIA));
    Some(out)
}

fn copy_headers(from: &HeaderMap, to: &mut HeaderMap, fwd: &Forwarding) {
    let hop_by_hop =
        [header::HOST, header::CONNECTION, header::UPGRADE, header::TRANSFER_ENCODING, header::CONTENT_LENGTH];
    for (name, value) in from {
        if hop_by_hop.contains(name) || (*name == header::AUTHORIZATION && !fwd.authorization) {
            continue;
        }
        let allowed = match &fwd.only {
            None => true,
            Some(list) => list.iter().any(|h| h == name.as_str()),
        };
        if allowed {
            to.append(HeaderName::clone(name), value.clone());
        }
    }
}

/// CloudFront's origin TLS: the sandbox's origins are its own servers, so
/// the edge accepts their certificates (signatures are still checked). The
/// certificate knobs concern the viewer side only.
#[derive(Debug)]
struct TrustSandboxOrigins(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for TrustSandboxOrigins {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

pub(crate) fn origin_tls_config() -> Arc<rustls::ClientConfig> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map(|b| {
            b.dangerous()
                .with_custom_certificate_verifier(Arc::new(TrustSandboxOrigins(provider)))
                .with_no_client_auth()
        })
        .unwrap_or_else(|_| {
            rustls::ClientConfig::builder().with_root_certificates(rustls::RootCertStore::empty()).with_no_client_auth()
        });
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Arc::new(config)
}

/// Hosts the edge serves certificates for.
pub(crate) fn edge_hosts(d: &Deployment, old: bool) -> Vec<String> {
    let dist_domain = if old { model::OLD_DISTRIBUTION_DOMAIN } else { model::DISTRIBUTION_DOMAIN };
    vec![d.public_host.clone(), dist_domain.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layout, SCENARIOS, scenario};

    fn d(layout: Layout, name: &str) -> Deployment {
        Deployment::new(layout, scenario(name).unwrap_or(&SCENARIOS[0]))
    }

    // AWS: CloudFront Developer Guide, "Cache behavior settings" (Path pattern) — `*` matches 0 or more characters, `?` matches exactly 1 character; path patterns are case-sensitive (`*.jpg` does not apply to `LOGO.JPG`); the leading `/` is optional ("CloudFront behavior is the same with or without the leading /"); query strings are not considered. There is no escape: a `*` or `?` in a pattern is always a wildcard.
    #[test]
    fn path_patterns() {
        assert!(path_matches("Prod*", "/Prod"));
        assert!(path_matches("/Prod*", "/Prod/x"));
        assert!(!path_matches("prod*", "/Prod"));
        assert!(path_matches("P?od", "/Prod"));
        assert!(!path_matches("P?od", "/Pod"));
        assert!(path_matches("*", "/"));
        assert!(path_matches("*.js", "/a/b.js"));
        assert!(!path_matches("*.js", "/a/b.jsx"));
        assert!(path_matches("a*b*c", "/aXXbYYc"));
        assert!(!path_matches("websocket*", "/chat"));
    }

    #[test]
    fn behavior_order_and_default() {
        let good = d(Layout::A, "good");
        let dist = good.distribution.as_ref().expect("distribution");
        assert_eq!(choose_behavior(dist, "/Prod").target_origin_id, "api");
        assert_eq!(choose_behavior(dist, "/index.html").target_origin_id, "site");
        let shadowed = d(Layout::A, "pattern-shadowed");
        assert_eq!(choose_behavior(shadowed.distribution.as_ref().expect("d"), "/Prod").target_origin_id, "site");
    }

    // AWS: CloudFront Developer Guide, "Require HTTPS for communication between CloudFront and your custom origin" — if CloudFront forwards the Host header, the origin must answer with a certificate matching that Host (CloudFront sends it as SNI); the connection itself goes to the address of the origin's domain name.
    #[test]
    fn decisions_per_scenario() {
        let plan = |dep: &Deployment| match decide(dep, "ws.example.com", dep.layout.public_path(), Some("a=1")) {
            Decision::Proxy(p) => p,
            other => panic!("expected a proxy plan, got {other:?}"),
        };
        let a = plan(&d(Layout::A, "good"));
        assert_eq!((a.host.as_str(), a.path_and_query.as_str()), (model::execute_api_host().as_str(), "/Prod?a=1"));
        assert_eq!(a.forwarding, Forwarding { host: false, only: None, authorization: true, query_strings: true });
        // Layout b: the origin is the execute-api host, Host (and SNI) the viewer's.
        let b = plan(&d(Layout::B, "good"));
        assert_eq!((b.host.as_str(), b.origin_domain.as_str()), ("ws.example.com", model::execute_api_host().as_str()));
        let r = plan(&d(Layout::BRegional, "good"));
        assert_eq!((r.host.as_str(), r.origin_domain.as_str()), ("ws.example.com", model::REGIONAL_TARGET));
        assert_eq!(plan(&d(Layout::A, "origin-path-doubled")).path_and_query, "/Prod/Prod?a=1");
        assert_eq!(plan(&d(Layout::A, "host-forwarded")).host, "ws.example.com");
        assert_eq!(plan(&d(Layout::B, "host-not-forwarded")).host, model::execute_api_host());
        assert_eq!(plan(&d(Layout::BRegional, "host-not-forwarded")).host, model::REGIONAL_TARGET);
        assert_eq!(plan(&d(Layout::A, "ws-headers-dropped")).forwarding.only, Some(vec!["x-api-key".to_string()]));
        let dep = d(Layout::A, "pattern-case");
        assert_eq!(decide(&dep, "ws.example.com", "/Prod", None), Decision::S3AccessDenied);
        let dep = d(Layout::A, "origin-http-only");
        assert_eq!(decide(&dep, "ws.example.com", "/Prod", None), Decision::OriginUnreachable);
        let dep = d(Layout::B, "alias-missing");
        assert_eq!(decide(&dep, "ws.example.com", "/websocket", None), Decision::UnknownHost);
        assert!(matches!(decide(&dep, model::DISTRIBUTION_DOMAIN, "/websocket", None), Decision::Proxy(_)));
    }

    #[test]
    fn legacy_forwarded_headers() {
        let mut b = d(Layout::A, "good").distribution.expect("d").cache_behaviors[0].clone();
        b.origin_request_policy_id = None;
        b.forwarded_headers = Some(vec!["Host".into(), "Sec-WebSocket-Key".into()]);
        let f = forwarding(&b);
        assert!(f.host);
        b.forwarded_headers = Some(vec!["*".into()]);
        assert_eq!(forwarding(&b), Forwarding { host: true, only: None, authorization: true, query_strings: false });
        b.forwarded_headers = None;
        assert_eq!(
            forwarding(&b),
            Forwarding { host: false, only: Some(vec![]), authorization: false, query_strings: false }
        );
    }

    // AWS: CloudFront Developer Guide, "Control origin requests with a policy"
    // (https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/controlling-origin-requests.html) —
    // an origin request policy's QueryStringsConfig `none` sends no viewer query string to the origin;
    // the managed AllViewer policies send all of them.
    #[test]
    fn query_strings_follow_the_origin_request_policy() {
        let plan = |d: &Deployment| match decide(d, "ws.example.com", "/websocket", Some("token=t")) {
            Decision::Proxy(p) => p,
            other => panic!("{other:?}"),
        };
        assert_eq!(plan(&d(Layout::B, "authorizer-query-forwarded")).path_and_query, "/websocket?token=t");
        let p = plan(&d(Layout::B, "authorizer-query-not-forwarded"));
        assert_eq!(p.path_and_query, "/websocket");
        assert!(p.forwarding.host && p.forwarding.only.is_none());
    }
}
