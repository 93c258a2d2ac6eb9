//! Faults the sandbox can inject (reliability tests; docs/faults.md). Every knob
//! defaults to "off", so `Faults::default()` is a healthy deployment.
//!
//! Faults on the *front* (the server the public host resolves to: the edge
//! in layouts A/B, the gateway in C) touch only the client's door, so the
//! management API and the execute-api probe keep answering as deployed.

use std::time::Duration;

/// Faults the control plane can inject (reliability tests).
#[derive(Debug, Clone, Default)]
pub struct ControlPlaneFaults {
    /// Every call answers 500 InternalFailure.
    pub server_errors: bool,
    /// Every call answers 429/400 Throttling (ThrottlingException / Throttling).
    pub throttling: bool,
    /// Added before every answer.
    pub delay: Duration,
    /// The distribution reports `InProgress` for this long after the start,
    /// then `Deployed` (a deploy that `--wait` should wait out).
    pub deploying_for: Option<Duration>,
}

/// How a DNS server that is not silent can still fail the public host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DnsRcode {
    ServFail,
    NxDomain,
}

/// What the front does with a new TCP connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Accept {
    /// TLS, then HTTP.
    #[default]
    Serve,
    /// Nobody listens: `connect_to` points at a closed port.
    Refused,
    /// Reads the ClientHello, then resets the connection (RST).
    Reset,
    /// Accepts TCP and never answers (not even the ClientHello).
    Stall,
}

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
    /// The DNS server answers this rcode for the public host.
    pub dns_public: Option<DnsRcode>,
    /// What the front does with TCP connections.
    pub front_accept: Accept,
    /// The front answers the public upgrade with this status instead of 101.
    pub upgrade_status: Option<u16>,
    /// The front answers 101 with a `Sec-WebSocket-Accept` for another key.
    pub bad_accept: bool,
    /// The gateway answers 101, then never reads nor writes.
    pub silent_after_upgrade: bool,
    /// The gateway closes TCP (no close frame) when the first message arrives.
    pub drop_mid_echo: bool,
    /// The gateway answers the first message with a 64 MiB frame header and
    /// keeps streaming its payload.
    pub huge_frame: bool,
    /// API Gateway serves an expired certificate for the custom domain on
    /// its regional target (while the edge serves a good one to viewers).
    pub regional_cert_expired: bool,
    /// `@connections` answers 403 (signature mismatch) whatever the signature.
    pub mgmt_bad_signature: bool,
    /// Passed through to the control plane.
    pub control_plane: ControlPlaneFaults,
}

/// `dns-slow` before [`Faults::fit_timeouts`]: longer than the default query timeout.
const DEFAULT_DNS_SLOW: Duration = Duration::from_secs(10);
/// `control-plane-slow` before [`Faults::fit_timeouts`]: longer than the default check timeout.
const DEFAULT_CONTROL_PLANE_SLOW: Duration = Duration::from_secs(40);

/// How long `cloudfront-deploying` reports `InProgress` before `Deployed`.
pub const DEPLOYING_FOR: Duration = Duration::from_millis(1500);

impl Faults {
    /// `--sandbox-latency`: one delay per network round trip on every hop —
    /// DNS answers, TLS handshakes (the server's first flight), HTTP answers at
    /// the edge and the gateway, echoes, relayed chunks and control-plane
    /// calls. (TCP's SYN/ACK comes from the kernel and is not delayed.)
    pub fn set_latency(&mut self, latency: Duration) {
        self.latency = latency;
        self.dns_delay = self.dns_delay.max(latency);
        self.control_plane.delay = self.control_plane.delay.max(latency);
    }

    /// Faults by name, comma-separated (`"dns-silent,gateway-silent"`);
    /// blanks are ignored. Unknown names are an error with a suggestion.
    pub fn parse_list(spec: &str) -> Result<Faults, String> {
        let mut f = Faults::default();
        for name in spec.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            f.set(name)?;
        }
        Ok(f)
    }

    fn set(&mut self, name: &str) -> Result<(), String> {
        let (_, apply) = FAULTS.iter().find(|(n, _)| *n == name).ok_or_else(|| unknown(name))?;
        apply(self);
        Ok(())
    }

    /// Makes the "slow" faults slower than the suite's own limits, so they
    /// are observed as timeouts: DNS answers after twice the query timeout,
    /// the control plane after the check timeout plus a second.
    pub fn fit_timeouts(&mut self, check_timeout: Duration, dns_timeout: Duration) {
        if !self.dns_delay.is_zero() {
            self.dns_delay = dns_timeout.saturating_mul(2);
        }
        if !self.control_plane.delay.is_zero() {
            self.control_plane.delay = check_timeout.saturating_add(Duration::from_secs(1));
        }
    }

    /// Waits out the injected per-hop latency (no-op when zero).
    pub(crate) async fn hop(&self) {
        if !self.latency.is_zero() {
            tokio::time::sleep(self.latency).await;
        }
    }
}

/// What a fault sets on [`Faults`].
type SetFault = fn(&mut Faults);

/// Every fault, by the name suites and `--sandbox` use, with what it sets.
/// The one list: `[sandbox] faults` is validated against [`NAMES`].
const FAULTS: &[(&str, SetFault)] = &[
    ("dns-silent", |f| f.dns_silent = true),
    ("dns-slow", |f| f.dns_delay = DEFAULT_DNS_SLOW),
    ("dns-servfail", |f| f.dns_public = Some(DnsRcode::ServFail)),
    ("dns-nxdomain", |f| f.dns_public = Some(DnsRcode::NxDomain)),
    ("tcp-refused", |f| f.front_accept = Accept::Refused),
    ("tcp-reset", |f| f.front_accept = Accept::Reset),
    ("tls-stall", |f| f.front_accept = Accept::Stall),
    ("gateway-silent", |f| f.silent_gateway = true),
    ("upgrade-500", |f| f.upgrade_status = Some(500)),
    ("upgrade-502", |f| f.upgrade_status = Some(502)),
    ("upgrade-403", |f| f.upgrade_status = Some(403)),
    ("bad-accept", |f| f.bad_accept = true),
    ("drop-after-upgrade", |f| f.drop_after_upgrade = true),
    ("silent-after-upgrade", |f| f.silent_after_upgrade = true),
    ("drop-mid-echo", |f| f.drop_mid_echo = true),
    ("huge-frame", |f| f.huge_frame = true),
    ("control-plane-5xx", |f| f.control_plane.server_errors = true),
    ("control-plane-throttle", |f| f.control_plane.throttling = true),
    ("control-plane-slow", |f| f.control_plane.delay = DEFAULT_CONTROL_PLANE_SLOW),
    ("mgmt-bad-signature", |f| f.mgmt_bad_signature = true),
    ("cloudfront-deploying", |f| f.control_plane.deploying_for = Some(DEPLOYING_FOR)),
    ("regional-cert-expired", |f| f.regional_cert_expired = true),
];

/// The fault names, in [`FAULTS`]' order.
pub const NAMES: [&str; FAULTS.len()] = {
    let mut names = [""; FAULTS.len()];
    let mut i = 0;
    while i < FAULTS.len() {
        names[i] = FAULTS[i].0;
        i += 1;
    }
    names
};

/// "`x` is not a sandbox fault", with the closest known name.
fn unknown(name: &str) -> String {
    let best = NAMES
        .iter()
        .map(|c| (strsim::jaro_winkler(name, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0));
    match best {
        Some((_, c)) => format!("`{name}` is not a sandbox fault; did you mean `{c}`?"),
        None => format!("`{name}` is not a sandbox fault; known faults: {}", NAMES.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_name_parses_and_sets_something() {
        for name in NAMES {
            let f = Faults::parse_list(name).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_ne!(format!("{f:?}"), format!("{:?}", Faults::default()), "{name} changes nothing");
        }
    }

    #[test]
    fn lists_combine_and_blanks_are_ignored() {
        let f = Faults::parse_list(" dns-silent, gateway-silent ,,").expect("parses");
        assert!(f.dns_silent && f.silent_gateway);
        assert!(Faults::parse_list("").is_ok());
    }

    #[test]
    fn unknown_names_are_refused_with_a_suggestion() {
        let e = Faults::parse_list("dns-silent,dns-servfial").expect_err("misspelt");
        assert!(e.contains("`dns-servfial`") && e.contains("did you mean `dns-servfail`"), "{e}");
        let e = Faults::parse_list("zzz").expect_err("unknown");
        assert!(e.contains("known faults"), "{e}");
    }

    #[test]
    fn slow_faults_outlast_the_suite_limits() {
        let mut f = Faults::parse_list("dns-slow,control-plane-slow").expect("parses");
        f.fit_timeouts(Duration::from_secs(2), Duration::from_secs(1));
        assert_eq!(f.dns_delay, Duration::from_secs(2));
        assert_eq!(f.control_plane.delay, Duration::from_secs(3));
        let mut healthy = Faults::default();
        healthy.fit_timeouts(Duration::from_secs(2), Duration::from_secs(1));
        assert!(healthy.dns_delay.is_zero() && healthy.control_plane.delay.is_zero());
    }
}
