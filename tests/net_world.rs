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
use wsconform::net::{CertProblem, Net, UpgradeError, WsLimits};
use wsconform::suite::Suite;

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
    let cert = wsconform::checks::tls::CertObservation::from_observation(&obs).unwrap();
    assert_eq!(cert.sans, vec!["ws.example.com"]);
    let o = wsconform::checks::tls::judge_certificate(&cert, "ws.example.com", 14, chrono::Utc::now().timestamp());
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
                wsconform::checks::e2e::judge_refusal(status, &body, &[], &Default::default())
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
