//! The network world against tiny loopback servers: TLS with a test CA,
//! a WebSocket echo, an upgrade refusal with a body, and an untrusted chain.

use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use wsconform::suite::Suite;
use wsconform::test_support::{CertProblem, Net, UpgradeError, WsLimits};

struct Pki {
    ca_pem: String,
    chain: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

fn pki(names: &[&str]) -> Pki {
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca_params, ca_key);
    let key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(names.iter().map(|s| s.to_string()).collect::<Vec<_>>())
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    Pki {
        ca_pem: ca.pem(),
        chain: vec![leaf.der().clone()],
        key: PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
    }
}

/// A TLS WebSocket echo server on loopback; returns its port. Serves a bounded number of connections.
async fn wss_echo(pki: &Pki) -> u16 {
    let config = rustls::ServerConfig::builder()
        .with_no_client_auth()
        .with_single_cert(pki.chain.clone(), pki.key.clone_key())
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        for _ in 0..4 {
            let Ok((tcp, _)) = listener.accept().await else { return };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(tls) = acceptor.accept(tcp).await else { return };
                let Ok(mut ws) = tokio_tungstenite::accept_async(tls).await else { return };
                while let Some(Ok(m)) = ws.next().await {
                    if m.is_text() && ws.send(m).await.is_err() {
                        break;
                    }
                }
            });
        }
    });
    port
}

fn suite(url: &str, connect_to: &str, ca: Option<&str>) -> Suite {
    let text = format!(
        "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"{url}\"\n[dns]\nnameservers = [\"127.0.0.1:9\"]\nconnect_to = {{ {connect_to} }}\n"
    );
    let mut s = Suite::parse("t.toml", &text, &|_| None).unwrap();
    s.tls.extra_ca_pem = ca.map(str::to_owned);
    s
}

#[tokio::test]
async fn wss_upgrade_and_echo_through_connect_to() {
    wsconform::install_crypto_provider();
    let pki = pki(&["ws.example.com"]);
    let port = wss_echo(&pki).await;
    let s = suite(
        "wss://ws.example.com/Prod",
        &format!("\"ws.example.com:443\" = \"127.0.0.1:{port}\""),
        Some(&pki.ca_pem),
    );
    let net = Net::new(&s).await.unwrap();
    let query = vec![("token".to_string(), "s3cret".to_string())];
    let mut conn =
        tokio::time::timeout(Duration::from_secs(5), net.websocket(&s.url, &[], &query, &[], WsLimits::default()))
            .await
            .unwrap()
            .unwrap();
    assert_eq!(conn.status, 101);
    assert!(conn.phases.tls.is_some() && conn.phases.upgrade.is_some());
    assert_eq!(conn.phases.dns, None, "a host-keyed connect_to to an address needs no DNS");
    assert_eq!(conn.peer.as_ref().unwrap().alpn, None);
    conn.stream.send(Message::text("hello")).await.unwrap();
    let reply = tokio::time::timeout(Duration::from_secs(5), conn.stream.next()).await.unwrap().unwrap().unwrap();
    assert_eq!(reply, Message::text("hello"));

    // The certificate observation records the chain and passes the rule.
    let obs = net.tls_observe("ws.example.com", 443, "ws.example.com").await.unwrap();
    assert!(obs.verify_error.is_none(), "{:?}", obs.verify_error);
    let cert = wsconform::test_support::CertObservation::from_observation(&obs).unwrap();
    assert_eq!(cert.sans, vec!["ws.example.com"]);
    let o = wsconform::test_support::judge_certificate(&cert, "ws.example.com", 14, chrono::Utc::now().timestamp());
    assert_eq!(o.status(), wsconform::Status::Pass, "{o:?}");
}

#[tokio::test]
async fn untrusted_and_wrong_name_are_told_apart() {
    wsconform::install_crypto_provider();
    let pki = pki(&["other.example.com"]);
    let port = wss_echo(&pki).await;
    let ct = format!("\"ws.example.com:443\" = \"127.0.0.1:{port}\"");
    // Without the CA: unknown issuer, but the chain is recorded.
    let net = Net::new(&suite("wss://ws.example.com/Prod", &ct, None)).await.unwrap();
    let obs = net.tls_observe("ws.example.com", 443, "ws.example.com").await.unwrap();
    assert_eq!(obs.chain.len(), 1);
    assert!(obs.handshake.is_err());
    assert_eq!(CertProblem::from_error(obs.verify_error.as_ref().unwrap()), Some(CertProblem::UnknownIssuer));
    // With the CA: the name is wrong.
    let net = Net::new(&suite("wss://ws.example.com/Prod", &ct, Some(&pki.ca_pem))).await.unwrap();
    let obs = net.tls_observe("ws.example.com", 443, "ws.example.com").await.unwrap();
    assert_eq!(CertProblem::from_error(obs.verify_error.as_ref().unwrap()), Some(CertProblem::WrongName));
    // And a verified connection refuses it.
    assert!(net.tls("ws.example.com", 443, "ws.example.com").await.is_err());
}

#[tokio::test]
async fn refusal_keeps_status_and_body() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let Ok((mut tcp, _)) = listener.accept().await else { return };
        let mut buf = [0u8; 4096];
        let _ = tcp.read(&mut buf).await;
        // Head and body in two writes: the body must still be read.
        let _ = tcp
            .write_all(b"HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: 24\r\n\r\n")
            .await;
        tokio::time::sleep(Duration::from_millis(50)).await;
        let _ = tcp.write_all(br#"{"message": "Forbidden"}"#).await;
    });
    let s = suite("ws://127.0.0.1/Prod", "", None);
    let net = Net::new(&s).await.unwrap();
    let url = url::Url::parse(&format!("ws://127.0.0.1:{port}/Prod")).unwrap();
    let err = net.websocket(&url, &[], &[], &[], WsLimits::default()).await.unwrap_err();
    match err {
        UpgradeError::Refused { status, body, .. } => {
            assert_eq!(status, 403);
            assert_eq!(body, br#"{"message": "Forbidden"}"#);
            assert!(
                wsconform::test_support::judge_refusal(status, &body, &[], &Default::default())
                    .1
                    .contains("wrong stage path")
            );
        }
        other => panic!("expected a refusal, got {other}"),
    }
}

#[tokio::test]
async fn closed_port_is_a_connect_error() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let s = suite("ws://127.0.0.1/Prod", "", None);
    let net = Net::new(&s).await.unwrap();
    let url = url::Url::parse(&format!("ws://127.0.0.1:{port}/")).unwrap();
    let err = net.websocket(&url, &[], &[], &[], WsLimits::default()).await.unwrap_err();
    assert!(matches!(err, UpgradeError::Connect(_)), "{err}");
}

// RFC 6455 audit of the live layer: a hand-rolled loopback server answers one
// upgrade (a 101 with the right accept key unless told otherwise), then
// writes raw frames. Each test pins what the client does with one rule.

/// One upgrade answered with a 101 (`accept` instead of the right key when
/// given, plus `extra` header lines), then `frames` written as they are.
async fn raw_ws_server(accept: Option<&'static str>, extra: &'static str, frames: Vec<u8>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        let Ok((mut tcp, _)) = listener.accept().await else { return };
        let mut buf = Vec::new();
        let mut chunk = [0u8; 1024];
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < 16 * 1024 {
            match tcp.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let text = String::from_utf8_lossy(&buf).into_owned();
        let key = text.lines().find_map(|l| l.strip_prefix("Sec-WebSocket-Key: ")).unwrap_or_default().trim();
        let accept = accept.map_or_else(
            || tokio_tungstenite::tungstenite::handshake::derive_accept_key(key.as_bytes()),
            str::to_owned,
        );
        let head = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {accept}\r\n{extra}\r\n"
        );
        let _ = tcp.write_all(head.as_bytes()).await;
        let _ = tcp.write_all(&frames).await;
        // Hold the socket (bounded) so the client, not EOF, ends the connection.
        let _ = tokio::time::timeout(Duration::from_secs(2), tcp.read(&mut chunk)).await;
    });
    port
}

async fn raw_upgrade(
    port: u16,
    subprotocols: &[String],
) -> Result<wsconform::test_support::WsConnection, UpgradeError> {
    let s = suite("ws://127.0.0.1/Prod", "", None);
    let net = Net::new(&s).await.unwrap();
    let url = url::Url::parse(&format!("ws://127.0.0.1:{port}/Prod")).unwrap();
    net.websocket(&url, &[], &[], subprotocols, WsLimits::default()).await
}

/// Why the live session (the reader `e2e.echo` and `e2e.keepalive` wait on) ended after `frames`.
async fn session_end_after(frames: Vec<u8>) -> String {
    let port = raw_ws_server(None, "", frames).await;
    let conn = raw_upgrade(port, &[]).await.expect("a valid 101");
    let session = wsconform::test_support::Session::new(conn);
    session.ended_within(Duration::from_secs(2)).await.expect("the session ended in time")
}

#[tokio::test]
async fn rfc6455_a_wrong_accept_key_fails_the_upgrade() {
    // RFC 6455 §4.1 — a |Sec-WebSocket-Accept| other than base64(SHA-1(key + GUID)): the client MUST fail the connection.
    let port = raw_ws_server(Some("s3pPLMBiTxaQ9kYGzzhZRbK+xOo="), "", vec![]).await;
    match raw_upgrade(port, &[]).await {
        Err(UpgradeError::Protocol { message, .. }) => assert!(message.contains("Sec-WebSocket-Accept"), "{message}"),
        other => panic!("expected a protocol error, got {other:?}"),
    }
}

#[tokio::test]
async fn rfc6455_a_subprotocol_that_was_not_offered_fails_the_upgrade() {
    // RFC 6455 §4.1 — a |Sec-WebSocket-Protocol| naming a subprotocol not in the client's handshake: the client MUST fail the connection.
    for offered in [vec![], vec!["graphql-ws".to_owned()]] {
        let port = raw_ws_server(None, "Sec-WebSocket-Protocol: chat\r\n", vec![]).await;
        match raw_upgrade(port, &offered).await {
            Err(UpgradeError::Protocol { message, .. }) => {
                assert_eq!(message, "the server selected subprotocol `chat`, which was not offered", "{offered:?}")
            }
            other => panic!("{offered:?}: expected a protocol error, got {other:?}"),
        }
    }
    // The one offered is accepted and reported.
    let port = raw_ws_server(None, "Sec-WebSocket-Protocol: chat\r\n", vec![]).await;
    let conn = raw_upgrade(port, &["chat".to_owned()]).await.expect("an offered subprotocol");
    assert_eq!(conn.subprotocol.as_deref(), Some("chat"));
}

#[tokio::test]
async fn rfc6455_a_masked_server_frame_ends_the_session() {
    // RFC 6455 §5.1 — a server MUST NOT mask its frames; a client MUST close a connection if it detects a masked frame.
    let mask = [1u8, 2, 3, 4];
    let mut frame = vec![0x81, 0x80 | 2];
    frame.extend_from_slice(&mask);
    frame.extend(b"hi".iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
    let why = session_end_after(frame).await;
    assert!(why.contains("Received a masked frame from server"), "{why}");
}

#[tokio::test]
async fn rfc6455_a_control_frame_over_125_bytes_ends_the_session() {
    // RFC 6455 §5.5 — all control frames MUST have a payload length of 125 bytes or less.
    let mut ping = vec![0x89, 126, 0, 126];
    ping.extend(std::iter::repeat_n(b'p', 126));
    let why = session_end_after(ping).await;
    assert!(why.contains("Control frame too big"), "{why}");
}

#[tokio::test]
async fn rfc6455_a_close_code_forbidden_on_the_wire_is_a_protocol_error() {
    // RFC 6455 §7.4.1 — 1005 (no status) MUST NOT be set as a status code in a Close frame: the
    // client answers 1002 (protocol error), and the verdict says so rather than echoing 1005.
    let why = session_end_after(vec![0x88, 2, 0x03, 0xED]).await;
    assert_eq!(why, "the server closed the connection (1002 Protocol violation)");
    // A valid code and reason are reported as sent.
    let mut going_away = vec![0x88, 12, 0x03, 0xE9];
    going_away.extend_from_slice(b"Going away");
    assert_eq!(session_end_after(going_away).await, "the server closed the connection (1001 Going away)");
}
