//! A suite for a third-party local emulator of API Gateway WebSockets in the
//! serverless-offline style: plain `ws://` on loopback, the management API
//! at the root of a plain `http://` port with no stage, signatures not
//! checked, GetConnection answered with 426. The emulator here is a small
//! stand-in written for this test; wsconform talks to it with its real
//! clients (tokio-tungstenite, the apigatewaymanagement SDK).

use crate::support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

type Clients = Arc<Mutex<HashMap<String, mpsc::UnboundedSender<Option<String>>>>>;

async fn websocket_server(listener: TcpListener, clients: Clients) {
    let mut n = 0u32;
    while let Ok((tcp, _)) = listener.accept().await {
        n += 1;
        // Ids like API Gateway's, one ending in `=`.
        let id = format!("emu{n:04}Ab3XzQ=");
        let clients = clients.clone();
        tokio::spawn(async move {
            let Ok(ws) = tokio_tungstenite::accept_async(tcp).await else { return };
            let (mut tx, mut rx) = ws.split();
            let (out_tx, mut out_rx) = mpsc::unbounded_channel::<Option<String>>();
            clients.lock().unwrap().insert(id.clone(), out_tx);
            loop {
                tokio::select! {
                    msg = rx.next() => match msg {
                        Some(Ok(Message::Text(body))) => {
                            let reply = serde_json::json!({"connectionId": id, "request": body.as_str()}).to_string();
                            if tx.send(Message::text(reply)).await.is_err() { break }
                        }
                        Some(Ok(Message::Ping(p))) => { let _ = tx.send(Message::Pong(p)).await; }
                        Some(Ok(_)) => {}
                        _ => break,
                    },
                    out = out_rx.recv() => match out {
                        Some(Some(text)) => { if tx.send(Message::text(text)).await.is_err() { break } }
                        _ => {
                            // Like serverless-offline (and API Gateway): a
                            // deleted connection is forgotten only once its
                            // close has completed, some time after DELETE
                            // answered. Bounded: the client's reply or its
                            // TCP end, at most 2 s, then a little processing.
                            let _ = tx.send(Message::Close(None)).await;
                            let closing = async { while let Some(Ok(m)) = rx.next().await { if m.is_close() { break } } };
                            let _ = tokio::time::timeout(std::time::Duration::from_secs(2), closing).await;
                            tokio::time::sleep(std::time::Duration::from_millis(150)).await;
                            break
                        }
                    },
                }
            }
            clients.lock().unwrap().remove(&id);
        });
    }
}

async fn management(
    req: Request<hyper::body::Incoming>,
    clients: Clients,
) -> Result<Response<Full<Bytes>>, hyper::Error> {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    let body = req.into_body().collect().await?.to_bytes();
    let reply = |status: StatusCode, body: &'static str| {
        Ok(Response::builder().status(status).body(Full::new(Bytes::from_static(body.as_bytes()))).unwrap())
    };
    let Some(raw_id) = path.strip_prefix("/@connections/") else { return reply(StatusCode::NOT_FOUND, "") };
    let id = percent_decode(raw_id);
    let sender = clients.lock().unwrap().get(&id).cloned();
    match (method.as_str(), sender) {
        ("GET", _) => reply(StatusCode::UPGRADE_REQUIRED, "{\"message\":\"not implemented by this emulator\"}"),
        ("POST", Some(s)) => {
            let _ = s.send(Some(String::from_utf8_lossy(&body).into_owned()));
            reply(StatusCode::OK, "")
        }
        // Asynchronous, as on AWS: the id stays known (POSTs to it succeed)
        // until the connection task has finished closing.
        ("DELETE", Some(s)) => {
            let _ = s.send(None);
            reply(StatusCode::NO_CONTENT, "")
        }
        (_, None) => Ok(Response::builder()
            .status(StatusCode::GONE)
            .header("x-amzn-ErrorType", "GoneException")
            .body(Full::new(Bytes::from_static(b"{\"message\":null}")))
            .unwrap()),
        _ => reply(StatusCode::METHOD_NOT_ALLOWED, ""),
    }
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

async fn start_emulator() -> (SocketAddr, SocketAddr) {
    let clients: Clients = Arc::default();
    let ws = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let mgmt = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (ws_addr, mgmt_addr) = (ws.local_addr().unwrap(), mgmt.local_addr().unwrap());
    tokio::spawn(websocket_server(ws, clients.clone()));
    tokio::spawn(async move {
        while let Ok((tcp, _)) = mgmt.accept().await {
            let clients = clients.clone();
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req| management(req, clients.clone()));
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc)
                    .await;
            });
        }
    });
    (ws_addr, mgmt_addr)
}

#[test]
fn connect_echo_post_disconnect_work_against_a_plain_local_emulator() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (ws_addr, mgmt_addr) = rt.block_on(start_emulator());
    let dir = tempfile::tempdir().unwrap();
    let suite = dir.path().join("local.toml");
    std::fs::write(&suite, support::local_emulator_suite("local-emulator", ws_addr.port(), mgmt_addr.port(), "3s"))
        .unwrap();
    let out = rt.block_on(async {
        tokio::process::Command::new(env!("CARGO_BIN_EXE_wsconform"))
            .arg("run")
            .arg(&suite)
            .arg("--reports-dir")
            .arg(dir.path())
            .env("CI", "true")
            // Emulators ignore signatures, but the SDK signs: any key will do.
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env_remove("AWS_PROFILE")
            .kill_on_drop(true)
            .output()
            .await
            .unwrap()
    });
    let stdout = String::from_utf8_lossy(&out.stdout);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("local-emulator.json")).unwrap()).unwrap();
    let check = |id: &str| json["checks"].as_array().unwrap().iter().find(|c| c["id"] == id).unwrap().clone();
    let status = |id: &str| {
        let c = check(id);
        (c["status"].as_str().unwrap().to_owned(), c["message"].as_str().unwrap().to_owned())
    };
    for id in ["e2e.connect", "e2e.echo", "e2e.post", "e2e.keepalive"] {
        assert_eq!(status(id).0, "pass", "{id}: {:?}\n{stdout}", status(id));
    }
    // As AWS documents it in "Use @connections commands in your backend service" (API Gateway
    // Developer Guide, apigateway-how-to-call-websocket-api-connections),
    // the DELETE request under "To disconnect the client": it disconnects the
    // client; the page promises no moment at which the id is gone, and a
    // POST to a gone connection answers 410 GoneException (knowledge center
    // "410 GoneException"). The stand-in forgets the id only after the close
    // completes, so a POST sent with the DELETE's answer still succeeds:
    // e2e.disconnect must wait for the close, then POST until 410.
    let (s, m) = status("e2e.disconnect");
    assert_eq!(s, "pass", "{m}\n{stdout}");
    let disconnect = check("e2e.disconnect");
    assert_eq!(disconnect["evidence"]["post_after_delete"], "410", "{disconnect}");
    let (s, m) = status("e2e.connection-info");
    assert_eq!(s, "skip", "{m}");
    assert!(m.contains("426"), "{m}");
    // Emulators do not enforce API Gateway's quotas: the accept part passes,
    // the missing refusal is a warning, not a broken deployment.
    let (s, m) = status("e2e.limits");
    assert_eq!(s, "pass", "{m}");
    let limits = check("e2e.limits");
    let warnings = limits["warnings"].as_array().unwrap_or_else(|| panic!("no warnings array: {limits}"));
    assert_eq!(warnings.len(), 1, "{limits}");
    assert!(warnings[0]["message"].as_str().unwrap().contains("not refused"), "{limits}");
    assert!(warnings[0]["message"].as_str().unwrap().contains("does not enforce"), "{limits}");
    // Warnings change the exit code only under --strict.
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains("plain ws://"), "the missing TLS is said out loud: {stdout}");
}
