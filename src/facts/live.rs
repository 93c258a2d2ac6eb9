//! What live probes observed, shared between checks: the WebSocket session
//! `e2e.connect` opened, which `e2e.echo`, `e2e.post`, … use in turn.

use tokio::sync::{Mutex, MutexGuard};

use crate::net::WsConnection;

/// The live WebSocket session of a run.
#[derive(Debug)]
pub struct Session {
    pub conn: WsConnection,
    /// Extracted from the echo reply by `e2e.echo`.
    pub connection_id: Option<String>,
}

pub struct LiveFacts {
    session: Mutex<Option<Session>>,
}

impl LiveFacts {
    pub fn new() -> LiveFacts {
        LiveFacts { session: Mutex::new(None) }
    }

    /// Replaces the session (a retried `e2e.connect` opens a new one).
    pub async fn set_session(&self, conn: WsConnection) {
        *self.session.lock().await = Some(Session { conn, connection_id: None });
    }

    /// Exclusive use of the session: e2e checks take turns on the one socket.
    pub async fn session(&self) -> MutexGuard<'_, Option<Session>> {
        self.session.lock().await
    }
}

impl Default for LiveFacts {
    fn default() -> Self {
        Self::new()
    }
}
