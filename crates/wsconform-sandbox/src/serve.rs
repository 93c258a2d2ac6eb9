//! What the edge and the gateway share: task tracking tied to the sandbox's
//! lifetime, a TLS + HTTP/1.1 (with upgrades) accept loop, and small HTTP
//! helpers.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::faults::Accept;

/// Spawns tasks that end when the sandbox is cancelled; [`TaskSet::shutdown`]
/// waits until every one of them has ended.
#[derive(Clone)]
pub(crate) struct Tasks {
    token: CancellationToken,
    alive: mpsc::Sender<()>,
}

pub(crate) struct TaskSet {
    tasks: Tasks,
    done: mpsc::Receiver<()>,
}

impl TaskSet {
    pub(crate) fn new(token: CancellationToken) -> TaskSet {
        let (alive, done) = mpsc::channel(1);
        TaskSet { tasks: Tasks { token, alive }, done }
    }

    pub(crate) fn tasks(&self) -> Tasks {
        self.tasks.clone()
    }

    /// Cancels every task and waits for all of them to end (each holds a
    /// sender clone; `recv` yields `None` once the last one is dropped).
    pub(crate) async fn shutdown(self) {
        let TaskSet { tasks, mut done } = self;
        tasks.token.cancel();
        drop(tasks);
        let _ = done.recv().await;
    }
}

impl Tasks {
    pub(crate) fn spawn<F>(&self, fut: F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let token = self.token.clone();
        let alive = self.alive.clone();
        tokio::spawn(async move {
            let _alive = alive;
            tokio::select! {
                _ = token.cancelled() => {}
                _ = fut => {}
            }
        });
    }
}

pub(crate) type Body = Full<Bytes>;

/// Marks a response that is never sent: the connection carrying the request
/// is dropped instead, as a network that loses the answer after the server acted.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DropConnection;

/// Accepts TLS connections on `listener` and serves HTTP/1.1 (with upgrades)
/// through `handler`, unless `accept` injects a fault.
pub(crate) fn serve_tls<H, Fut>(
    tasks: &Tasks,
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    accept: Accept,
    handshake_delay: std::time::Duration,
    handler: H,
) where
    H: Fn(Request<Incoming>, SocketAddr) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response<Body>> + Send + 'static,
{
    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
    let conn_tasks = tasks.clone();
    tasks.spawn(async move {
        loop {
            let (tcp, peer) = match listener.accept().await {
                // No Nagle: a pong behind a large frame must not wait for a delayed ACK.
                Ok(c) => {
                    let _ = c.0.set_nodelay(true);
                    c
                }
                Err(_) => {
                    // e.g. out of file descriptors: back off instead of spinning.
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            };
            let acceptor = acceptor.clone();
            let handler = handler.clone();
            conn_tasks.spawn(async move {
                match accept {
                    Accept::Stall => {
                        // Hold the socket open, say nothing, until the sandbox stops.
                        let _held = tcp;
                        return std::future::pending::<()>().await;
                    }
                    Accept::Reset => return reset(tcp).await,
                    Accept::Serve | Accept::Refused => {}
                }
                if !handshake_delay.is_zero() {
                    // The server's first TLS flight waits one injected round trip.
                    tokio::time::sleep(handshake_delay).await;
                }
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                // A handler that marks its response `DropConnection` ends the connection
                // without answering: the connection future is dropped, and with it the socket.
                let dropped = Arc::new(tokio::sync::Notify::new());
                let drop_signal = dropped.clone();
                let service = hyper::service::service_fn(move |req| {
                    let (handler, drop_signal) = (handler.clone(), drop_signal.clone());
                    async move {
                        let answer = handler(req, peer).await;
                        if answer.extensions().get::<DropConnection>().is_some() {
                            drop_signal.notify_one();
                            std::future::pending::<()>().await;
                        }
                        Ok::<_, Infallible>(answer)
                    }
                });
                let conn = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .with_upgrades();
                tokio::select! {
                    _ = conn => {}
                    _ = dropped.notified() => {}
                }
            });
        }
    });
}

/// Reads (the start of) the ClientHello, then resets the connection: with
/// a zero linger, closing sends RST instead of FIN.
async fn reset(mut tcp: tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut hello = [0u8; 512];
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), tcp.read(&mut hello)).await;
    let _ = tcp.set_zero_linger();
}

pub(crate) fn response(status: StatusCode, content_type: &str, body: impl Into<Bytes>) -> Response<Body> {
    let mut resp = Response::new(Full::new(body.into()));
    *resp.status_mut() = status;
    if let Ok(v) = header::HeaderValue::from_str(content_type) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp
}

pub(crate) fn json(status: StatusCode, body: &str) -> Response<Body> {
    response(status, "application/json", body.to_owned())
}

/// The Host the client asked for: the `Host` header (or the URI's
/// authority), without port, lowercase.
pub(crate) fn request_host<B>(req: &Request<B>) -> String {
    let raw = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
        .unwrap_or_default();
    strip_port(&raw).to_ascii_lowercase()
}

fn strip_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host.split_once(']').map_or(host, |(h, _)| &h[1..]);
    }
    host.rsplit_once(':').filter(|(_, p)| p.chars().all(|c| c.is_ascii_digit())).map_or(host, |(h, _)| h)
}

/// Whether the request asks for a WebSocket upgrade.
pub(crate) fn is_websocket_upgrade(headers: &HeaderMap) -> bool {
    let has_token = |name: header::HeaderName, token: &str| {
        headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .any(|t| t.trim().eq_ignore_ascii_case(token))
    };
    has_token(header::UPGRADE, "websocket") && has_token(header::CONNECTION, "upgrade")
}

/// Collects a body up to `cap` bytes (`None`: too big or broken).
pub(crate) async fn collect_body<B>(body: B, cap: usize) -> Option<Bytes>
where
    B: hyper::body::Body,
    B::Error: std::error::Error + Send + Sync + 'static,
{
    Limited::new(body, cap).collect().await.ok().map(|c| c.to_bytes())
}

/// Percent-decodes a path segment strictly: a `%` not followed by two hex
/// digits, or a result that is not UTF-8, is refused. `+` stays `+`
/// (connection ids are base64).
pub fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let hex = |i: usize| b.get(i).is_some_and(u8::is_ascii_hexdigit);
    let well_formed = b.iter().enumerate().all(|(i, &c)| c != b'%' || (hex(i + 1) && hex(i + 2)));
    if !well_formed {
        return None;
    }
    percent_encoding::percent_decode(b).decode_utf8().ok().map(std::borrow::Cow::into_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_without_port_and_case() {
        let req = Request::builder().header("host", "WS.Example.com:443").body(()).expect("request");
        assert_eq!(request_host(&req), "ws.example.com");
        let req = Request::builder().uri("https://a.b/x").body(()).expect("request");
        assert_eq!(request_host(&req), "a.b");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("L0SM9cOFvHcCIhw%3D").as_deref(), Some("L0SM9cOFvHcCIhw="));
        assert_eq!(percent_decode("a+b%2Fc").as_deref(), Some("a+b/c"));
        assert_eq!(percent_decode("bad%2"), None);
        assert_eq!(percent_decode("bad%zz"), None);
    }

    #[test]
    fn upgrade_detection() {
        let mut h = HeaderMap::new();
        h.insert(header::UPGRADE, "WebSocket".parse().expect("value"));
        assert!(!is_websocket_upgrade(&h));
        h.insert(header::CONNECTION, "keep-alive, Upgrade".parse().expect("value"));
        assert!(is_websocket_upgrade(&h));
    }
}
