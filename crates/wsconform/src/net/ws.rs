//! WebSocket upgrades in this world. The upgrade request is written here
//! (not by tungstenite's client handshake) so that a refusal keeps its
//! status and the first bytes of its body: that is what tells API
//! Gateway's `{"message":"Forbidden"}` from CloudFront's AccessDenied XML.
//! The accepted stream is then handed to tokio-tungstenite with size caps,
//! so a hostile server cannot make us allocate without bound.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};
use url::Url;

use super::{ConnectError, Deadline, Net, PeerInfo, Phases, human};

/// Longest response head we read (status line and headers).
const MAX_HEAD_BYTES: usize = 16 * 1024;
/// How much of a refusal's body is kept.
pub const MAX_BODY_BYTES: usize = 512;
/// How long we wait for a refusal's body after its head.
const BODY_TIMEOUT: Duration = Duration::from_secs(2);

/// A TCP stream, with or without TLS.
pub enum NetStream {
    Plain(TcpStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl AsyncRead for NetStream {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_read(cx, buf),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for NetStream {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_write(cx, buf),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }
    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_flush(cx),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }
    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            NetStream::Plain(s) => Pin::new(s).poll_shutdown(cx),
            NetStream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

pub type WsStream = WebSocketStream<NetStream>;

/// Caps for one WebSocket connection.
#[derive(Debug, Clone, Copy)]
pub struct WsLimits {
    pub max_message_size: usize,
    pub max_frame_size: usize,
    /// Time limit for the whole connection: one deadline that DNS, TCP, TLS
    /// and the upgrade (request written → 101 read) each end at. Callers
    /// pass the shorter of their own limit and the check's.
    pub handshake_timeout: Duration,
    /// The deadline itself, when the caller started the clock earlier (a
    /// check's own deadline); `None`: `handshake_timeout` from the call.
    pub deadline: Option<Deadline>,
}

impl Default for WsLimits {
    fn default() -> Self {
        // Above API Gateway's 128 KB message / 32 KB frame quotas, so we can
        // observe them being enforced, but bounded (tungstenite refuses a
        // bigger frame from its header, before allocating it).
        Self {
            max_message_size: 1 << 20,
            max_frame_size: 256 << 10,
            handshake_timeout: Duration::from_secs(10),
            deadline: None,
        }
    }
}

/// An accepted upgrade.
pub struct WsConnection {
    pub stream: WsStream,
    pub phases: Phases,
    pub status: u16,
    /// The 101 response's headers (names lowercase).
    pub response_headers: Vec<(String, String)>,
    /// `Sec-WebSocket-Protocol` the server selected.
    pub subprotocol: Option<String>,
    pub peer: Option<PeerInfo>,
    pub remote: SocketAddr,
}

impl std::fmt::Debug for WsConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WsConnection")
            .field("remote", &self.remote)
            .field("status", &self.status)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum UpgradeError {
    #[error("{0}")]
    BadUrl(String),
    #[error("{0}")]
    Connect(#[from] ConnectError),
    #[error("upgrade refused with HTTP {status} {reason}")]
    Refused { status: u16, reason: String, headers: Vec<(String, String)>, body: Vec<u8>, phases: Phases },
    #[error("invalid upgrade response: {message}")]
    Protocol { message: String, phases: Phases },
    /// The upgrade phase (request written, no response head yet) ran into the deadline.
    #[error("timed out in the upgrade with {addr} after {} (no response to the upgrade request)", human(after))]
    Timeout { addr: SocketAddr, after: Duration, phases: Phases },
    #[error("connection lost during the upgrade: {message}")]
    Io { message: String, phases: Phases },
    /// The upgrade could not be signed (no credentials, …); nothing was sent.
    #[error("the upgrade could not be signed: {message}")]
    Sign { message: String, phases: Phases },
}

impl UpgradeError {
    pub fn phases(&self) -> Option<&Phases> {
        match self {
            UpgradeError::BadUrl(_) | UpgradeError::Connect(_) => None,
            UpgradeError::Refused { phases, .. }
            | UpgradeError::Protocol { phases, .. }
            | UpgradeError::Timeout { phases, .. }
            | UpgradeError::Io { phases, .. }
            | UpgradeError::Sign { phases, .. } => Some(phases),
        }
    }
}

/// A parsed response head.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseHead {
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
}

impl ResponseHead {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Parses `HTTP/1.1 101 Switching Protocols\r\nName: value\r\n…` (without the blank line).
pub fn parse_head(head: &[u8]) -> Result<ResponseHead, String> {
    let text = std::str::from_utf8(head).map_err(|_| "the response head is not UTF-8".to_owned())?;
    let mut lines = text.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let mut parts = status_line.splitn(3, ' ');
    let version = parts.next().unwrap_or_default();
    if !version.starts_with("HTTP/1.") {
        return Err(format!("not an HTTP/1.x response: `{}`", status_line.chars().take(40).collect::<String>()));
    }
    let status = parts
        .next()
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..1000).contains(s))
        .ok_or_else(|| "the status line has no status code".to_owned())?;
    let reason = parts.next().unwrap_or_default().to_owned();
    let mut headers = Vec::new();
    for line in lines.filter(|l| !l.is_empty()) {
        let (k, v) = line.split_once(':').ok_or_else(|| "a header line has no `:`".to_owned())?;
        headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
    }
    Ok(ResponseHead { status, reason, headers })
}

/// Checks a `101` against RFC 6455 §4.1: Upgrade, Connection, the accept
/// key, and a subprotocol among those offered. Returns the selected subprotocol.
pub fn validate_switch(head: &ResponseHead, key: &str, offered: &[String]) -> Result<Option<String>, String> {
    if !head.header("upgrade").is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return Err("the 101 response lacks `Upgrade: websocket`".into());
    }
    if !head.header("connection").is_some_and(|v| v.split(',').any(|t| t.trim().eq_ignore_ascii_case("upgrade"))) {
        return Err("the 101 response lacks `Connection: Upgrade`".into());
    }
    match head.header("sec-websocket-accept") {
        None => return Err("the 101 response lacks `Sec-WebSocket-Accept`".into()),
        Some(a) if a != derive_accept_key(key.as_bytes()) => {
            return Err("`Sec-WebSocket-Accept` does not match the request's key".into());
        }
        Some(_) => {}
    }
    match head.header("sec-websocket-protocol") {
        None => Ok(None),
        Some(p) if offered.iter().any(|o| o == p) => Ok(Some(p.to_owned())),
        Some(p) => Err(format!("the server selected subprotocol `{p}`, which was not offered")),
    }
}

/// Signs an upgrade just before it is written (after DNS, TCP and TLS, so
/// its timestamp is fresh). Given the `Host` header and the request target
/// as they will be sent (path and query, without any signature), returns what
/// to add. The values are secrets: nothing here logs or keeps them.
pub trait UpgradeSigner: Send + Sync {
    fn sign(&self, host: &str, target: &str) -> Result<UpgradeSignature, String>;
}

/// What a signer adds to the upgrade request.
#[derive(Default)]
pub struct UpgradeSignature {
    /// e.g. `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`.
    pub headers: Vec<(String, String)>,
    /// e.g. `X-Amz-Signature` and the other `X-Amz-*` parameters, appended after the suite's.
    pub query: Vec<(String, String)>,
}

impl std::fmt::Debug for UpgradeSignature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names = |v: &[(String, String)]| v.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>();
        f.debug_struct("UpgradeSignature")
            .field("headers", &names(&self.headers))
            .field("query", &names(&self.query))
            .finish()
    }
}

/// The request target: the URL's path and query plus the suite's query pairs.
pub fn request_target(url: &Url, query: &[(String, String)]) -> String {
    let mut u = url.clone();
    if !query.is_empty() {
        u.query_pairs_mut().extend_pairs(query.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    }
    match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_owned(),
    }
}

fn find_blank_line(buf: &[u8]) -> Option<usize> {
    buf.windows(4).position(|w| w == b"\r\n\r\n")
}

/// Undoes `Transfer-Encoding: chunked` as far as the bytes go (best effort, for display).
fn dechunk(body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(eol) = rest.windows(2).position(|w| w == b"\r\n") {
        let size = std::str::from_utf8(&rest[..eol])
            .ok()
            .and_then(|s| usize::from_str_radix(s.split(';').next().unwrap_or("").trim(), 16).ok());
        let Some(size) = size else { break };
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(rest.len());
        out.extend_from_slice(&rest[start..end]);
        rest = rest.get(end + 2..).unwrap_or_default();
    }
    out
}

impl Net {
    /// Opens a WebSocket to `url` (ws:// or wss://) through this world.
    /// `headers` and `query` are the suite's (secret values: never logged here).
    pub async fn websocket(
        &self,
        url: &Url,
        headers: &[(String, String)],
        query: &[(String, String)],
        subprotocols: &[String],
        limits: WsLimits,
    ) -> Result<WsConnection, UpgradeError> {
        self.websocket_signed(url, headers, query, subprotocols, limits, None).await
    }

    /// [`Net::websocket`], the request signed by `signer` (SigV4 for an
    /// AWS_IAM `$connect`) once the connection is open.
    pub async fn websocket_signed(
        &self,
        url: &Url,
        headers: &[(String, String)],
        query: &[(String, String)],
        subprotocols: &[String],
        limits: WsLimits,
        signer: Option<&dyn UpgradeSigner>,
    ) -> Result<WsConnection, UpgradeError> {
        let tls = match url.scheme() {
            "wss" => true,
            "ws" => false,
            other => return Err(UpgradeError::BadUrl(format!("expected ws:// or wss://, found `{other}://`"))),
        };
        let host = url.host_str().filter(|h| !h.is_empty()).ok_or_else(|| UpgradeError::BadUrl("no host".into()))?;
        let port = url.port_or_known_default().unwrap_or(if tls { 443 } else { 80 });
        let deadline = limits.deadline.unwrap_or_else(|| Deadline::after(limits.handshake_timeout));
        let (stream, mut phases, peer, remote) = if tls {
            let sni = host.trim_start_matches('[').trim_end_matches(']');
            let (s, phases, peer) = self.tls_until(host, port, sni, deadline).await?;
            let remote = s.get_ref().0.peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], port)));
            (NetStream::Tls(Box::new(s)), phases, Some(peer), remote)
        } else {
            let (s, phases) = self.tcp_until(host, port, deadline).await?;
            let remote = s.peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], port)));
            (NetStream::Plain(s), phases, None, remote)
        };

        let key = tokio_tungstenite::tungstenite::handshake::client::generate_key();
        let host_header = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_owned(),
        };
        let base_target = request_target(url, query);
        let (target, signed_headers) = match signer {
            None => (base_target, Vec::new()),
            Some(s) => {
                let sig = match s.sign(&host_header, &base_target) {
                    Ok(sig) => sig,
                    Err(message) => return Err(UpgradeError::Sign { message, phases }),
                };
                let all: Vec<(String, String)> = query.iter().cloned().chain(sig.query).collect();
                (request_target(url, &all), sig.headers)
            }
        };
        let mut req = format!(
            "GET {target} HTTP/1.1\r\nHost: {host_header}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        );
        if !subprotocols.is_empty() {
            req.push_str(&format!("Sec-WebSocket-Protocol: {}\r\n", subprotocols.join(", ")));
        }
        for (k, v) in headers.iter().chain(&signed_headers) {
            // Names and values were validated with the suite; refuse line breaks regardless.
            if http::HeaderName::from_bytes(k.as_bytes()).is_err() || http::HeaderValue::from_str(v).is_err() {
                return Err(UpgradeError::BadUrl(format!("header `{k}` has an invalid name or value")));
            }
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");

        let t = Instant::now();
        let exchange = exchange(stream, req.into_bytes());
        let outcome = tokio::time::timeout_at(deadline.at, exchange).await;
        phases.upgrade = Some(t.elapsed());
        let (mut stream, head, tail) = match outcome {
            Err(_) => return Err(UpgradeError::Timeout { addr: remote, after: deadline.budget, phases }),
            Ok(Err(Failure::Io(e))) => return Err(UpgradeError::Io { message: e.to_string(), phases }),
            Ok(Err(Failure::Protocol(m))) => return Err(UpgradeError::Protocol { message: m, phases }),
            Ok(Ok(x)) => x,
        };
        if head.status != 101 {
            let body = read_body(&mut stream, &head, tail, deadline).await;
            return Err(UpgradeError::Refused {
                status: head.status,
                reason: head.reason,
                headers: head.headers,
                body,
                phases,
            });
        }
        let subprotocol =
            validate_switch(&head, &key, subprotocols).map_err(|message| UpgradeError::Protocol { message, phases })?;
        let config = WebSocketConfig::default()
            .max_message_size(Some(limits.max_message_size))
            .max_frame_size(Some(limits.max_frame_size));
        let ws = WebSocketStream::from_partially_read(stream, tail, Role::Client, Some(config)).await;
        Ok(WsConnection {
            stream: ws,
            phases,
            status: head.status,
            response_headers: head.headers,
            subprotocol,
            peer,
            remote,
        })
    }
}

enum Failure {
    Io(io::Error),
    Protocol(String),
}

/// Writes the request and reads the response head; returns the bytes read past it.
async fn exchange(mut stream: NetStream, request: Vec<u8>) -> Result<(NetStream, ResponseHead, Vec<u8>), Failure> {
    stream.write_all(&request).await.map_err(Failure::Io)?;
    stream.flush().await.map_err(Failure::Io)?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = find_blank_line(&buf) {
            let head = parse_head(&buf[..end]).map_err(Failure::Protocol)?;
            let tail = buf[end + 4..].to_vec();
            return Ok((stream, head, tail));
        }
        if buf.len() > MAX_HEAD_BYTES {
            return Err(Failure::Protocol(format!("response head over {MAX_HEAD_BYTES} bytes")));
        }
        let n = stream.read(&mut chunk).await.map_err(Failure::Io)?;
        if n == 0 {
            return Err(Failure::Io(io::Error::new(io::ErrorKind::UnexpectedEof, "closed before a response")));
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// The first [`MAX_BODY_BYTES`] of a refusal's body, read with a time limit.
async fn read_body(stream: &mut NetStream, head: &ResponseHead, mut body: Vec<u8>, deadline: Deadline) -> Vec<u8> {
    let chunked = head.header("transfer-encoding").is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    let length = head.header("content-length").and_then(|v| v.trim().parse::<usize>().ok());
    // Enough raw bytes for MAX_BODY_BYTES of content (chunk headers add a little).
    let want = length.map_or(MAX_BODY_BYTES + 64, |l| l.min(MAX_BODY_BYTES));
    let read_more = async {
        let mut chunk = [0u8; 1024];
        while body.len() < want {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => break,
                Ok(n) => body.extend_from_slice(&chunk[..n]),
            }
            if chunked && body.ends_with(b"0\r\n\r\n") {
                break;
            }
        }
    };
    // Within the connection's deadline too: a refusal is reported in time, with what body came.
    let until = (tokio::time::Instant::now() + BODY_TIMEOUT).min(deadline.at);
    let _ = tokio::time::timeout_at(until, read_more).await;
    let mut body = if chunked { dechunk(&body) } else { body };
    body.truncate(MAX_BODY_BYTES);
    body
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_is_parsed_and_validated() {
        let key = "dGhlIHNhbXBsZSBub25jZQ==";
        let head = parse_head(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\nSec-WebSocket-Protocol: chat",
        )
        .unwrap();
        assert_eq!(head.status, 101);
        assert_eq!(validate_switch(&head, key, &["chat".into()]).unwrap(), Some("chat".into()));
        assert!(validate_switch(&head, key, &["other".into()]).unwrap_err().contains("not offered"));
        assert!(
            validate_switch(&head, "AAAAAAAAAAAAAAAAAAAAAA==", &["chat".into()])
                .unwrap_err()
                .contains("does not match")
        );
    }

    // AWS: API Gateway Developer Guide, "Quotas for configuring and running a WebSocket in API Gateway" —
    // WebSocket frame size 32 KB and message payload size 128 KB (not adjustable); API Gateway closes a
    // connection that sends more with 1009. The client's caps sit above both, so a quota enforced
    // upstream is observed (e2e.limits), never caused by the client; and they stay bounded.
    #[test]
    fn default_caps_sit_above_api_gateway_quotas_and_stay_bounded() {
        let l = WsLimits::default();
        assert!(l.max_frame_size > 32 * 1024 && l.max_message_size > 128 * 1024, "{l:?}");
        assert!(l.max_frame_size <= l.max_message_size && l.max_message_size <= 16 << 20, "{l:?}");
    }

    #[test]
    fn bad_heads_are_refused() {
        assert!(parse_head(b"SSH-2.0-OpenSSH").is_err());
        assert!(parse_head(b"HTTP/1.1 abc x").is_err());
        assert!(parse_head(b"HTTP/1.1 403 Forbidden\r\nno-colon").is_err());
        let h = parse_head(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json").unwrap();
        assert!(validate_switch(&h, "k", &[]).unwrap_err().contains("Upgrade"));
    }

    #[test]
    fn query_pairs_are_appended_encoded() {
        let u = Url::parse("wss://h/Prod").unwrap();
        assert_eq!(request_target(&u, &[("t".into(), "a b&c".into())]), "/Prod?t=a+b%26c");
        assert_eq!(request_target(&u, &[]), "/Prod");
    }

    #[test]
    fn chunked_body_is_decoded() {
        assert_eq!(dechunk(b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"), b"hello world");
        assert_eq!(dechunk(b"zz\r\n"), b"");
    }
}
