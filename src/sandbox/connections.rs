//! The gateway's live connections and the `@connections` management API
//! (POST/GET/DELETE `@connections/{id}`) that backends use to reach them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::SystemTime;

use tokio::sync::mpsc;

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
        self.lock().insert(conn.id.clone(), conn);
    }

    pub fn remove(&self, id: &str) -> Option<Connection> {
        self.lock().remove(id)
    }

    pub fn get(&self, id: &str) -> Option<Connection> {
        self.lock().get(id).cloned()
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Connection>> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

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
    // Replaced by the control-plane work (SigV4 verification, 410 Gone, GetConnection).
    let _ = (registry, deployment, request, connection_id);
    http::Response::builder()
        .status(http::StatusCode::NOT_IMPLEMENTED)
        .body(bytes::Bytes::from_static(b"{\"message\":\"@connections is not emulated yet\"}"))
        .unwrap_or_default()
}
