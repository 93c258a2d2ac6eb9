//! What live probes share: the WebSocket session `e2e.connect` opened and
//! the management (`@connections`) client.
//!
//! One reader task owns the socket's read half and fans every frame out to
//! whoever is waiting, so `e2e.echo`, `e2e.post` and `e2e.keepalive` can
//! wait on the same connection at the same time instead of taking turns.

use crate::sync::Locked;
use std::sync::{Arc, OnceLock};

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{Mutex, OnceCell, broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message;

use crate::net::{WsConnection, WsStream};

/// A frame as the reader saw it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frame {
    Text(Arc<str>),
    Binary(bytes::Bytes),
    Pong(bytes::Bytes),
    /// The server closed the connection (close code; 1005 when none was given).
    Close(u16),
}

/// Frames kept for slow waiters. Each frame is at most `WsLimits::max_message_size`.
const FRAME_BUFFER: usize = 32;
/// At most this many unrelated frames are skipped while waiting for one.
const MAX_FRAMES_SKIPPED: usize = 1000;

/// The live WebSocket session of a run.
pub struct Session {
    /// `None` once the connection is over: the reader dropped it to release the socket.
    writer: Arc<Mutex<Option<SplitSink<WsStream, Message>>>>,
    frames: broadcast::Sender<Frame>,
    /// `Some(why)` once the reader has ended (closed by the server, or failed).
    ended: watch::Receiver<Option<String>>,
    reader: JoinHandle<()>,
    /// Extracted from the echo reply by `e2e.echo`.
    pub connection_id: OnceLock<String>,
}

/// How long the reader keeps the connection after the server's Close, to send our reply.
const CLOSE_REPLY_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session").field("connection_id", &self.connection_id.get()).finish_non_exhaustive()
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

impl Session {
    pub fn new(conn: WsConnection) -> Session {
        let (writer, mut reader) = conn.stream.split();
        let writer = Arc::new(Mutex::new(Some(writer)));
        let (frames, _) = broadcast::channel(FRAME_BUFFER);
        let (ended_tx, ended) = watch::channel(None);
        let tx = frames.clone();
        let socket_writer = writer.clone();
        let reader = tokio::spawn(async move {
            let why = loop {
                let frame = match reader.next().await {
                    None => break "the connection closed".to_owned(),
                    Some(Err(e)) => break format!("the connection failed: {e}"),
                    Some(Ok(Message::Text(s))) => Frame::Text(Arc::from(s.as_str())),
                    Some(Ok(Message::Binary(b))) => Frame::Binary(b),
                    Some(Ok(Message::Pong(p))) => Frame::Pong(p),
                    Some(Ok(Message::Close(f))) => {
                        let code = f.as_ref().map_or(1005, |f| u16::from(f.code));
                        // The reason says why, and tells tungstenite's "Protocol violation" (its
                        // 1002 in place of a code RFC 6455 §7.4 forbids on the wire) from a plain 1002.
                        let reason = f.as_ref().map(|f| f.reason.trim()).filter(|r| !r.is_empty());
                        let why = match reason {
                            Some(r) => format!("the server closed the connection ({code} {r})"),
                            None => format!("the server closed the connection ({code})"),
                        };
                        let _ = tx.send(Frame::Close(code));
                        let _ = ended_tx.send(Some(why));
                        // RFC 6455 §5.5.1: answer the Close with a Close, then close the TCP
                        // connection once the server has. tungstenite writes the queued reply on
                        // the next read; reading on (briefly) sees the server's FIN.
                        let drain = async { while reader.next().await.is_some_and(|r| r.is_ok()) {} };
                        let _ = tokio::time::timeout(CLOSE_REPLY_WAIT, drain).await;
                        break String::new();
                    }
                    // Pings are answered by tungstenite itself.
                    Some(Ok(_)) => continue,
                };
                // No receiver is fine: nobody is waiting for this frame.
                let _ = tx.send(frame);
            };
            if !why.is_empty() {
                let _ = ended_tx.send(Some(why));
            }
            // Both halves share the socket: dropping the writer with the reader closes it, so a
            // server that waits for our side of the close (serverless-offline) forgets the connection.
            socket_writer.lock().await.take();
        });
        Session { writer, frames, ended, reader, connection_id: OnceLock::new() }
    }

    /// Frames from now on. Subscribe *before* sending what provokes the answer.
    pub fn subscribe(&self) -> Subscription {
        Subscription { frames: self.frames.subscribe(), ended: self.ended.clone() }
    }

    pub async fn send(&self, m: Message) -> Result<(), String> {
        match self.writer.lock().await.as_mut() {
            Some(w) => w.send(m).await.map_err(|e| format!("cannot send: {e}")),
            None => Err(format!("cannot send: {}", self.ended().unwrap_or_else(|| "the connection is over".into()))),
        }
    }

    /// Why the connection ended, if it has.
    pub fn ended(&self) -> Option<String> {
        self.ended.borrow().clone()
    }

    /// Why the connection ended, waiting up to `limit` for the reader to notice.
    pub async fn ended_within(&self, limit: std::time::Duration) -> Option<String> {
        let mut ended = self.ended.clone();
        let _ = tokio::time::timeout(limit, ended.wait_for(Option::is_some)).await;
        self.ended()
    }
}

pub struct Subscription {
    frames: broadcast::Receiver<Frame>,
    ended: watch::Receiver<Option<String>>,
}

impl Subscription {
    /// Waits until `want` accepts a frame, the connection ends, or `deadline` passes;
    /// unrelated frames are skipped. A `Close` frame is offered to `want` before
    /// it ends the wait.
    pub async fn wait_for<T>(
        &mut self,
        deadline: Instant,
        mut want: impl FnMut(&Frame) -> Option<T>,
    ) -> Result<T, String> {
        let mut skipped = 0usize;
        loop {
            let next = tokio::select! {
                // Frames that arrived before the connection ended are still offered.
                biased;
                f = self.frames.recv() => Some(f),
                _ = self.ended.wait_for(Option::is_some) => None,
                _ = tokio::time::sleep_until(deadline) => return Err("no matching frame before the timeout".into()),
            };
            let frame = match next {
                Some(Ok(frame)) => frame,
                // Fell behind a flood of frames: keep reading the newest.
                Some(Err(broadcast::error::RecvError::Lagged(n))) => {
                    skipped += n as usize;
                    continue;
                }
                Some(Err(broadcast::error::RecvError::Closed)) | None => match self.frames.try_recv() {
                    Ok(frame) => frame,
                    Err(_) => {
                        return Err(self.ended.borrow().clone().unwrap_or_else(|| "the connection closed".into()));
                    }
                },
            };
            if let Some(t) = want(&frame) {
                return Ok(t);
            }
            if let Frame::Close(code) = frame {
                return Err(format!("the server closed the connection ({code})"));
            }
            skipped += 1;
            if skipped >= MAX_FRAMES_SKIPPED {
                return Err(format!("no matching frame among {MAX_FRAMES_SKIPPED}"));
            }
        }
    }
}

/// The management API client, built once per run (and its connection opened
/// early, while the echo is in flight).
pub struct Management {
    pub client: aws_sdk_apigatewaymanagement::Client,
    pub endpoint: url::Url,
    /// The host whose addresses reach the endpoint (the regional target), if not its own.
    pub via: Option<String>,
    /// The credential chain that signs its requests, for naming it when it finds nothing:
    /// the suite's profile, and whether it is the short chain of a loopback emulator.
    pub profile: Option<String>,
    pub local_chain: bool,
}

/// Why a run has no management client (an observation; the check that
/// needs the client decides what it means).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NoManagement {
    /// Neither the suite nor the control plane names the endpoint: which key to set.
    NoEndpoint(String),
    /// The endpoint is named but cannot be reached (the run's network world,
    /// or the host whose addresses reach it): why.
    Unreachable(String),
}

/// An upgrade through the public URL that got 101. Signed or not, it is the
/// evidence that the stage the route lands on serves clients (a stage serves
/// only once a deployment is made to it). Signed, it is also the evidence that
/// IAM admits these credentials on `$connect` (its resource ARN names region,
/// account, API, stage and route key, never the host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUpgrade {
    /// The public URL, as reports show it.
    pub url: String,
    /// Who signed it, when it was SigV4-signed.
    pub signed_as: Option<crate::net::sigv4::SignedAs>,
}

#[derive(Default)]
pub struct LiveFacts {
    session: std::sync::Mutex<Option<Arc<Session>>>,
    upgrade: std::sync::Mutex<Option<PublicUpgrade>>,
    /// Set once an `e2e.connect` attempt has ended (whatever its verdict), and its waiters woken.
    connect_ended: OnceCell<()>,
    connect_ended_tx: tokio::sync::Notify,
    management: OnceCell<Result<Arc<Management>, NoManagement>>,
}

impl LiveFacts {
    pub fn new() -> LiveFacts {
        LiveFacts::default()
    }

    /// Replaces the session (a retried `e2e.connect` opens a new one).
    pub fn set_session(&self, conn: WsConnection) {
        *self.session.locked() = Some(Arc::new(Session::new(conn)));
    }

    pub fn session(&self) -> Option<Arc<Session>> {
        self.session.locked().clone()
    }

    /// Records that an upgrade through the public URL got 101 (`e2e.connect`).
    pub fn set_upgrade(&self, u: PublicUpgrade) {
        *self.upgrade.locked() = Some(u);
    }

    /// The upgrade through the public URL that got 101 in this run, if one did.
    pub fn upgrade(&self) -> Option<PublicUpgrade> {
        self.upgrade.locked().clone()
    }

    /// Marks that an `e2e.connect` attempt has ended (called on every way out, cancellation included).
    pub fn connect_attempt_ended(&self) {
        let _ = self.connect_ended.set(());
        self.connect_ended_tx.notify_waiters();
    }

    /// Waits until an `e2e.connect` attempt has ended, at most until `until`:
    /// whether one had. Only the check that needs its evidence waits, and
    /// only when it needs it, so no check is ordered behind the upgrade.
    pub async fn connect_attempt_ended_by(&self, until: Instant) -> bool {
        loop {
            let notified = self.connect_ended_tx.notified();
            if self.connect_ended.initialized() {
                return true;
            }
            if tokio::time::timeout_at(until, notified).await.is_err() {
                return self.connect_ended.initialized();
            }
        }
    }

    /// The management client, built by `init` on first use and shared after.
    pub async fn management<F, Fut>(&self, init: F) -> Result<Arc<Management>, NoManagement>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Arc<Management>, NoManagement>>,
    {
        self.management.get_or_init(init).await.clone()
    }
}
