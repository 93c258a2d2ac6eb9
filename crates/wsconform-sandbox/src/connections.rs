//! The gateway's live connections and the `@connections` management API
//! (POST/GET/DELETE `@connections/{id}`) that backends use to reach them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::SystemTime;

use tokio::sync::mpsc;

use super::sync::Locked;

/// What the management API (or the backend) asks a live connection to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outbound {
    /// Send a text frame to the client.
    Text(String),
    /// Close the connection (DELETE `@connections/{id}`): close code 1000... as AWS does.
    Close,
}

#[derive(Debug, Clone)]
pub struct Connection {
    /// AWS's base64 shape, e.g. `L0SM9cOFvHcCIhw=`.
    pub id: String,
    pub connected_at: SystemTime,
    pub source_ip: IpAddr,
    pub user_agent: Option<String>,
    pub outbound: mpsc::UnboundedSender<Outbound>,
}

/// The connections of one gateway, by id.
#[derive(Debug, Default)]
pub struct Registry {
    inner: Mutex<HashMap<String, Connection>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }

    pub fn insert(&self, conn: Connection) {
        self.inner.locked().insert(conn.id.clone(), conn);
    }

    pub fn remove(&self, id: &str) -> Option<Connection> {
        self.inner.locked().remove(id)
    }

    pub fn get(&self, id: &str) -> Option<Connection> {
        self.inner.locked().get(id).cloned()
    }

    pub fn len(&self) -> usize {
        self.inner.locked().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// API Gateway's limit on a message (and so on a PostToConnection body).
pub const MAX_PAYLOAD: usize = 128 * 1024;

/// Marks an answer that never reaches the client (`delete-response-lost`):
/// the request took effect, then the HTTP connection dropped. The server
/// that carries the request ends the connection instead of writing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseLost;

/// Answers one `@connections` management request (POST/GET/DELETE
/// `…/@connections/{connection_id}`), verifying its SigV4 signature (service
/// `execute-api`) against the sandbox credentials. The gateway calls this for
/// every non-upgrade request whose path has an `@connections/` segment;
/// `connection_id` is already percent-decoded.
pub fn handle(
    registry: &Registry,
    deployment: &super::model::Deployment,
    request: http::Request<bytes::Bytes>,
    connection_id: &str,
) -> http::Response<bytes::Bytes> {
    let (parts, body) = request.into_parts();
    match super::sigv4::verify(&parts, &body) {
        Ok(scope) if scope.service == "execute-api" => {}
        // Every refused signature is a ForbiddenException to the apigatewaymanagement
        // SDK; the message tells which check failed (never any request value).
        Ok(_) => return forbidden("Credential should be scoped to correct service: 'execute-api'."),
        Err(e) => return forbidden(&e.message()),
    }
    // As the management API's reference lists for PostToConnection/GetConnection/DeleteConnection:
    // LimitExceededException (429), "more than the allowed number of requests per unit of time".
    if deployment.backend.mgmt_throttled {
        return error(429, "LimitExceededException", "Limit Exceeded");
    }
    match parts.method {
        http::Method::POST => {
            if body.len() > MAX_PAYLOAD {
                return error(413, "PayloadTooLargeException", "Message too long");
            }
            let Some(conn) = registry.get(connection_id).filter(|_| !deployment.backend.post_gone) else {
                return gone();
            };
            // The gateway sends what it is given as a text frame; bytes that are not
            // UTF-8 cannot go in one, so they are replaced rather than refused.
            let text = String::from_utf8_lossy(&body).into_owned();
            if conn.outbound.send(Outbound::Text(text)).is_err() {
                // The socket task is gone: the connection is, too.
                registry.remove(connection_id);
                return gone();
            }
            respond(200, None, bytes::Bytes::new())
        }
        http::Method::GET => {
            let Some(conn) = registry.get(connection_id) else { return gone() };
            let connected_at = timestamp(conn.connected_at);
            let mut identity = serde_json::json!({ "sourceIp": conn.source_ip.to_string() });
            if let (Some(ua), Some(obj)) = (&conn.user_agent, identity.as_object_mut()) {
                obj.insert("userAgent".into(), serde_json::json!(ua));
            }
            let body = serde_json::json!({
                "connectedAt": connected_at,
                "identity": identity,
                // The registry does not track activity: connecting is the last one it knows of.
                "lastActiveAt": connected_at,
            });
            respond(200, None, bytes::Bytes::from(body.to_string()))
        }
        http::Method::DELETE => {
            let Some(conn) = registry.remove(connection_id) else { return gone() };
            let _ = conn.outbound.send(Outbound::Close);
            let mut answer = respond(204, None, bytes::Bytes::new());
            if deployment.backend.delete_response_lost {
                answer.extensions_mut().insert(ResponseLost);
            }
            answer
        }
        _ => error(403, "ForbiddenException", "Forbidden"),
    }
}

/// `2024-01-01T00:00:00.000Z`: what the SDK's `DateTimeWithOffset` parser reads.
fn timestamp(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// What API Gateway answers a request whose signature does not match (the
/// `mgmt-bad-signature` fault answers it to every request).
pub fn signature_mismatch() -> http::Response<bytes::Bytes> {
    forbidden(
        "The request signature we calculated does not match the signature you provided. Check your AWS Secret \
         Access Key and signing method. (SignatureDoesNotMatch)",
    )
}

fn gone() -> http::Response<bytes::Bytes> {
    error(410, "GoneException", "The connection is no longer available.")
}

fn forbidden(message: &str) -> http::Response<bytes::Bytes> {
    error(403, "ForbiddenException", message)
}

/// REST-JSON error shape: the SDK reads the code from `x-amzn-ErrorType`.
fn error(status: u16, code: &str, message: &str) -> http::Response<bytes::Bytes> {
    let body = serde_json::json!({ "message": message }).to_string();
    respond(status, Some(code), bytes::Bytes::from(body))
}

fn respond(status: u16, error_type: Option<&str>, body: bytes::Bytes) -> http::Response<bytes::Bytes> {
    let mut builder = http::Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .header("x-amzn-RequestId", super::control_plane::request_id());
    if let Some(code) = error_type {
        builder = builder.header("x-amzn-ErrorType", code);
    }
    builder.body(body).unwrap_or_else(|_| {
        let mut r = http::Response::new(bytes::Bytes::new());
        *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
        r
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{self, Deployment, Layout, SCENARIOS};
    use crate::sigv4::tests::signed_for;

    fn request(service: &str, method: &str, body: &[u8]) -> http::Request<bytes::Bytes> {
        let (parts, body) =
            signed_for(model::SECRET_ACCESS_KEY, service, method, "/Prod/%40connections/abc%3D", body, &[]);
        http::Request::from_parts(parts, bytes::Bytes::from(body))
    }

    fn registry_with(id: &str) -> (Registry, mpsc::UnboundedReceiver<Outbound>) {
        let (tx, rx) = mpsc::unbounded_channel();
        let registry = Registry::new();
        registry.insert(Connection {
            id: id.into(),
            connected_at: SystemTime::UNIX_EPOCH,
            source_ip: IpAddr::from([127, 0, 0, 1]),
            user_agent: None,
            outbound: tx,
        });
        (registry, rx)
    }

    fn error_type(r: &http::Response<bytes::Bytes>) -> Option<&str> {
        r.headers().get("x-amzn-ErrorType").and_then(|v| v.to_str().ok())
    }

    #[test]
    fn a_post_signed_for_execute_api_is_delivered() {
        let (registry, mut rx) = registry_with("abc=");
        let d = Deployment::new(Layout::B, &SCENARIOS[0]);
        let r = handle(&registry, &d, request("execute-api", "POST", b"hi"), "abc=");
        assert_eq!(r.status(), 200);
        assert_eq!(rx.try_recv().ok(), Some(Outbound::Text("hi".into())));
    }

    #[test]
    fn a_signature_for_another_service_is_forbidden() {
        let (registry, mut rx) = registry_with("abc=");
        let d = Deployment::new(Layout::B, &SCENARIOS[0]);
        let r = handle(&registry, &d, request("apigateway", "POST", b"hi"), "abc=");
        assert_eq!((r.status().as_u16(), error_type(&r)), (403, Some("ForbiddenException")));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn an_oversized_post_is_refused() {
        let (registry, mut rx) = registry_with("abc=");
        let d = Deployment::new(Layout::B, &SCENARIOS[0]);
        let big = vec![b'x'; MAX_PAYLOAD + 1];
        let r = handle(&registry, &d, request("execute-api", "POST", &big), "abc=");
        assert_eq!((r.status().as_u16(), error_type(&r)), (413, Some("PayloadTooLargeException")));
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn throttling_answers_429_limit_exceeded_and_delivers_nothing() {
        let (registry, mut rx) = registry_with("abc=");
        let mut d = Deployment::new(Layout::B, &SCENARIOS[0]);
        d.backend.mgmt_throttled = true;
        for method in ["POST", "GET", "DELETE"] {
            let r = handle(&registry, &d, request("execute-api", method, b"hi"), "abc=");
            assert_eq!((r.status().as_u16(), error_type(&r)), (429, Some("LimitExceededException")), "{method}");
        }
        assert!(rx.try_recv().is_err());
        assert!(registry.get("abc=").is_some());
    }

    #[test]
    fn a_lost_delete_takes_effect_and_a_retry_is_gone() {
        let (registry, mut rx) = registry_with("abc=");
        let mut d = Deployment::new(Layout::B, &SCENARIOS[0]);
        d.backend.delete_response_lost = true;
        let r = handle(&registry, &d, request("execute-api", "DELETE", b""), "abc=");
        assert_eq!(r.extensions().get::<ResponseLost>(), Some(&ResponseLost));
        assert_eq!(rx.try_recv().ok(), Some(Outbound::Close));
        let r = handle(&registry, &d, request("execute-api", "DELETE", b""), "abc=");
        assert_eq!((r.status().as_u16(), error_type(&r)), (410, Some("GoneException")));
    }

    #[test]
    fn a_connection_whose_socket_task_ended_is_gone() {
        let (registry, rx) = registry_with("abc=");
        drop(rx);
        let d = Deployment::new(Layout::B, &SCENARIOS[0]);
        let r = handle(&registry, &d, request("execute-api", "POST", b"hi"), "abc=");
        assert_eq!((r.status().as_u16(), error_type(&r)), (410, Some("GoneException")));
        assert!(registry.is_empty());
    }
}
