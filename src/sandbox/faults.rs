//! Faults the sandbox can inject (reliability tests, DESIGN §6). Every knob
//! defaults to "off", so `Faults::default()` is a healthy deployment.

use std::time::Duration;

use super::control_plane::ControlPlaneFaults;

#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Added per round trip on every hop: before each HTTP answer (edge and
    /// gateway) and before each message the gateway echoes.
    pub latency: Duration,
    /// The gateway accepts TCP connections and never answers (not even TLS).
    pub silent_gateway: bool,
    /// The gateway closes the TCP connection right after answering 101.
    pub drop_after_upgrade: bool,
    /// Added before every DNS answer.
    pub dns_delay: Duration,
    /// The DNS server never answers.
    pub dns_silent: bool,
    /// Passed through to the control plane.
    pub control_plane: ControlPlaneFaults,
}

impl Faults {
    /// Waits out the injected per-hop latency (no-op when zero).
    pub(crate) async fn hop(&self) {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }
}
