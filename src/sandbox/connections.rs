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
