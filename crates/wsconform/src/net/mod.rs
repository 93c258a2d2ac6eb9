//! One network world (docs/architecture.md, Observe, judge, report): a single resolver, a single `connect_to`
//! map and a single TLS configuration, used by every connection the harness
//! makes — DNS checks, TLS checks, WebSocket upgrades, plain HTTPS and the
//! AWS SDK. That is what makes the DNS verdict and the connection agree on
//! the world they saw, and what lets the sandbox and split-horizon DNS work.

pub mod connect_to;
pub mod dns;
pub mod http;
pub mod sigv4;
pub mod tls;
pub mod ws;

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::outcome::Evidence;
use crate::suite::{ConnectTo, Suite};

pub use connect_to::Route;
pub use dns::{DnsAnswer, DnsError, DnsResolver, ResolverError};
pub use tls::{CertProblem, PeerInfo, TlsObservation};
pub use ws::{UpgradeError, WsConnection, WsLimits, WsStream};

/// How long one TCP connect may take before the next address is tried.
const TCP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a TLS handshake may take.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// At most this many answered addresses are tried, so a huge answer cannot stall a check.
const MAX_ADDRESSES_TRIED: usize = 4;
/// The whole connection's budget when the caller names none.
const DEFAULT_CONNECTION_BUDGET: Duration = Duration::from_secs(60);
/// What a check keeps of its own time limit for itself: a connection's
/// deadline ends this much earlier, so its phase timeout is reported
/// instead of the runner's generic one.
const CHECK_MARGIN: Duration = Duration::from_millis(150);

/// One deadline for a whole connection — DNS, TCP (up to four addresses),
/// TLS and the upgrade each end at it — and the budget it was made from.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    pub at: tokio::time::Instant,
    pub budget: Duration,
}

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Deadline {
        Deadline { at: tokio::time::Instant::now() + budget, budget }
    }

    /// A connection made inside a check whose time limit is `check_timeout`,
    /// with its own limit `own` (e.g. `[roundtrip] timeout`): the shorter,
    /// ending a little before the check's so the check reports the phase.
    pub fn within_check(check_timeout: Duration, own: Option<Duration>) -> Deadline {
        let check = check_timeout.saturating_sub(CHECK_MARGIN).max(check_timeout / 2);
        Deadline::after(own.map_or(check, |o| o.min(check)))
    }

    /// Runs one phase until the deadline; `timed_out` builds its error.
    pub async fn run<T, E>(
        &self,
        phase: impl std::future::Future<Output = Result<T, E>>,
        timed_out: impl FnOnce(Duration) -> E,
    ) -> Result<T, E> {
        match tokio::time::timeout_at(self.at, phase).await {
            Ok(r) => r,
            Err(_) => Err(timed_out(self.budget)),
        }
    }
}

/// `2s`, `1s 850ms`: a budget as messages show it (milliseconds at most).
pub fn human(d: &Duration) -> String {
    humantime::format_duration(Duration::from_millis(d.as_millis() as u64)).to_string()
}

pub struct Net {
    resolver: DnsResolver,
    connect_to: Vec<ConnectTo>,
    tls: tls::TlsWorld,
    http: reqwest::Client,
}

/// Why the run's network world could not be built: a report shows it as the
/// error of every check that needs the network.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetError {
    #[error(transparent)]
    Resolver(#[from] ResolverError),
    /// The TLS configuration or the HTTP client (their own words).
    #[error("{0}")]
    Config(String),
}

/// An outcome's cause is the error's one line (`Outcome::error(e)`).
impl From<NetError> for String {
    fn from(e: NetError) -> String {
        e.to_string()
    }
}

/// Phase timings of one connection (`e2e.connect`).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Phases {
    /// `None` when no DNS query was needed (an address literal or a `connect_to` to an address).
    pub dns: Option<Duration>,
    pub tcp: Duration,
    pub tls: Option<Duration>,
    pub upgrade: Option<Duration>,
}

impl Phases {
    /// Adds `timing.dns_ms`, `timing.tcp_ms`, … for the phases that happened.
    pub fn add_to(&self, ev: &mut Evidence) {
        if let Some(d) = self.dns {
            ev.timing("dns", d);
        }
        ev.timing("tcp", self.tcp);
        if let Some(d) = self.tls {
            ev.timing("tls", d);
        }
        if let Some(d) = self.upgrade {
            ev.timing("upgrade", d);
        }
    }
}

/// Why a TCP or TLS connection could not be made.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ConnectError {
    #[error("{0}")]
    Dns(#[from] DnsError),
    /// The DNS phase did not end before the connection's deadline.
    #[error("timed out in the DNS lookup of `{host}` after {}", human(after))]
    DnsTimeout { host: String, after: Duration },
    #[error("TCP connect to {addr} failed: {message}")]
    Tcp { addr: SocketAddr, message: String },
    #[error("timed out in the TCP connect to {addr} after {}", human(after))]
    TcpTimeout { addr: SocketAddr, after: Duration },
    #[error("`{host}` is not a valid TLS server name")]
    BadServerName { host: String },
    #[error("TLS handshake with {addr} failed: {message}")]
    Tls { addr: SocketAddr, message: String, problem: Option<CertProblem> },
    #[error("timed out in the TLS handshake with {addr} after {}", human(after))]
    TlsTimeout { addr: SocketAddr, after: Duration },
}

impl ConnectError {
    /// Whether trying again later could change the result (propagation, a flaky network).
    pub fn is_transient(&self) -> bool {
        match self {
            ConnectError::Dns(e) => e.is_transient(),
            ConnectError::Tcp { .. }
            | ConnectError::DnsTimeout { .. }
            | ConnectError::TcpTimeout { .. }
            | ConnectError::TlsTimeout { .. } => true,
            ConnectError::BadServerName { .. } | ConnectError::Tls { .. } => false,
        }
    }
}

impl Net {
    pub async fn new(suite: &Suite) -> Result<Net, NetError> {
        let resolver = DnsResolver::new(&suite.dns)?;
        let tls = tls::TlsWorld::new(&suite.tls).map_err(NetError::Config)?;
        let http = http::build_client(resolver.clone(), suite.dns.connect_to.clone(), tls.client_config(), None)
            .map_err(NetError::Config)?;
        Ok(Net { resolver, connect_to: suite.dns.connect_to.clone(), tls, http })
    }

    pub fn resolver(&self) -> &DnsResolver {
        &self.resolver
    }

    /// A/AAAA answers for `host` from the configured nameservers (no `connect_to`).
    pub async fn lookup(&self, host: &str) -> Result<DnsAnswer, DnsError> {
        self.resolver.lookup(host).await
    }

    /// The addresses a connection to `host:port` dials, after `connect_to`
    /// and DNS. The DNS answer (if any) is returned too.
    pub async fn resolve_route(&self, host: &str, port: u16) -> Result<(Vec<SocketAddr>, Option<DnsAnswer>), DnsError> {
        match connect_to::before_dns(&self.connect_to, host, port) {
            Route::Address(addr) => Ok((vec![connect_to::after_dns(&self.connect_to, addr)], None)),
            Route::Resolve { host: name, port: to_port } => {
                if let Ok(ip) = name.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>() {
                    return Ok((vec![connect_to::after_dns(&self.connect_to, SocketAddr::new(ip, to_port))], None));
                }
                let answer = self.resolver.lookup(&name).await?;
                let addrs = answer
                    .addrs
                    .iter()
                    .map(|ip| connect_to::after_dns(&self.connect_to, SocketAddr::new(*ip, to_port)))
                    .collect();
                Ok((addrs, Some(answer)))
            }
        }
    }

    /// A TCP connection to `host:port` through this world, trying the answered
    /// addresses in order.
    pub async fn tcp(&self, host: &str, port: u16) -> Result<(TcpStream, Phases), ConnectError> {
        self.tcp_until(host, port, Deadline::after(DEFAULT_CONNECTION_BUDGET)).await
    }

    /// [`Net::tcp`], DNS and every address tried ending at `deadline`.
    pub async fn tcp_until(
        &self,
        host: &str,
        port: u16,
        deadline: Deadline,
    ) -> Result<(TcpStream, Phases), ConnectError> {
        let t0 = Instant::now();
        let (addrs, answer) = deadline
            .run(
                async {
                    self.resolve_route(host, port).await.map_err(|e| match e {
                        // The resolver's own limit ended the same phase first.
                        DnsError::Timeout { name, after } => ConnectError::DnsTimeout { host: name, after },
                        e => ConnectError::Dns(e),
                    })
                },
                |after| ConnectError::DnsTimeout { host: host.to_owned(), after },
            )
            .await?;
        let dns = answer.map(|_| t0.elapsed());
        let t1 = Instant::now();
        let mut last = None;
        for addr in addrs.into_iter().take(MAX_ADDRESSES_TRIED) {
            // Each address gets its own cap, and none outlives the connection's deadline.
            let own = tokio::time::Instant::now() + TCP_CONNECT_TIMEOUT;
            let until = if own < deadline.at { Deadline { at: own, budget: TCP_CONNECT_TIMEOUT } } else { deadline };
            let connect = async { TcpStream::connect(addr).await.map_err(|e| e.to_string()) };
            match tokio::time::timeout_at(until.at, connect).await {
                Ok(Ok(stream)) => {
                    let _ = stream.set_nodelay(true);
                    return Ok((stream, Phases { dns, tcp: t1.elapsed(), tls: None, upgrade: None }));
                }
                Ok(Err(message)) => last = Some(ConnectError::Tcp { addr, message }),
                Err(_) if until.at == deadline.at => {
                    return Err(ConnectError::TcpTimeout { addr, after: deadline.budget });
                }
                Err(_) => last = Some(ConnectError::TcpTimeout { addr, after: until.budget }),
            }
        }
        Err(last.unwrap_or_else(|| ConnectError::Dns(DnsError::NoData { name: host.to_owned() })))
    }

    /// A verified TLS connection (SNI = `sni`) to `host:port`.
    pub async fn tls(
        &self,
        host: &str,
        port: u16,
        sni: &str,
    ) -> Result<(tokio_rustls::client::TlsStream<TcpStream>, Phases, PeerInfo), ConnectError> {
        self.tls_until(host, port, sni, Deadline::after(DEFAULT_CONNECTION_BUDGET)).await
    }

    /// [`Net::tls`], every phase ending at `deadline`.
    pub async fn tls_until(
        &self,
        host: &str,
        port: u16,
        sni: &str,
        deadline: Deadline,
    ) -> Result<(tokio_rustls::client::TlsStream<TcpStream>, Phases, PeerInfo), ConnectError> {
        let (tcp, mut phases) = self.tcp_until(host, port, deadline).await?;
        let addr = tcp.peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], port)));
        let t = Instant::now();
        let handshake = self.tls.handshake(self.tls.client_config(), tcp, sni, addr);
        let (stream, peer) = deadline.run(handshake, |after| ConnectError::TlsTimeout { addr, after }).await?;
        phases.tls = Some(t.elapsed());
        Ok((stream, phases, peer))
    }

    /// A handshake that records the peer's chain and the verification error,
    /// so `tls.certificate` can say *why* a certificate is refused.
    /// Verification stays on: a refused chain still fails the handshake.
    pub async fn tls_observe(&self, host: &str, port: u16, sni: &str) -> Result<TlsObservation, ConnectError> {
        self.tls_observe_until(host, port, sni, Deadline::after(DEFAULT_CONNECTION_BUDGET)).await
    }

    /// [`Net::tls_observe`], every phase ending at `deadline`. A handshake
    /// that times out is an error (nothing was observed), not a refusal.
    pub async fn tls_observe_until(
        &self,
        host: &str,
        port: u16,
        sni: &str,
        deadline: Deadline,
    ) -> Result<TlsObservation, ConnectError> {
        let (tcp, mut phases) = self.tcp_until(host, port, deadline).await?;
        let addr = tcp.peer_addr().unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], port)));
        let (config, record) = self.tls.recording_config();
        let t = Instant::now();
        let handshake = self.tls.handshake(config, tcp, sni, addr);
        let result = deadline.run(handshake, |after| ConnectError::TlsTimeout { addr, after }).await;
        if let Err(e @ ConnectError::TlsTimeout { .. }) = result {
            return Err(e);
        }
        phases.tls = Some(t.elapsed());
        let (chain, verify_error) = record.take();
        Ok(TlsObservation {
            addr,
            phases,
            chain,
            verify_error,
            handshake: result.map(|(_, peer)| peer).map_err(|e| e.to_string()),
        })
    }

    /// The rustls configuration every connection uses (webpki roots + extra CAs, ALPN http/1.1).
    pub fn tls_config(&self) -> Arc<rustls::ClientConfig> {
        self.tls.client_config()
    }

    /// A `reqwest` client in this world (resolver, `connect_to`, TLS config).
    pub fn http_client(&self) -> &reqwest::Client {
        &self.http
    }

    /// An AWS SDK HTTP client on top of [`Net::http_client`], so every SDK
    /// client shares this world.
    pub fn sdk_http_client(&self) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        http::sdk_http_client(self.http.clone())
    }
}

impl Net {
    /// An HTTP client that reaches `host` at the addresses of `via` (the
    /// custom domain at its regional target, bypassing CloudFront), keeping
    /// `host` as SNI and Host.
    pub async fn http_client_via(&self, host: &str, via: &str) -> Result<reqwest::Client, ConnectError> {
        let addrs = http::resolve_for_http(&self.resolver, &self.connect_to, via).await?;
        http::build_client(
            self.resolver.clone(),
            self.connect_to.clone(),
            self.tls.client_config(),
            Some((host, &addrs)),
        )
        .map_err(|message| ConnectError::Tcp { addr: SocketAddr::from(([0, 0, 0, 0], 443)), message })
    }
}

/// An AWS SDK HTTP client on top of `client` (keeping its connection pool).
pub fn sdk_http_client_for(client: reqwest::Client) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    http::sdk_http_client(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_name_their_phase() {
        let addr: SocketAddr = "203.0.113.9:443".parse().expect("addr");
        let after = Duration::from_secs(2);
        let e = ConnectError::TlsTimeout { addr, after };
        assert_eq!(e.to_string(), "timed out in the TLS handshake with 203.0.113.9:443 after 2s");
        let e = ConnectError::TcpTimeout { addr, after: Duration::from_millis(1850) };
        assert_eq!(e.to_string(), "timed out in the TCP connect to 203.0.113.9:443 after 1s 850ms");
        let e = ConnectError::DnsTimeout { host: "ws.example.com".into(), after };
        assert_eq!(e.to_string(), "timed out in the DNS lookup of `ws.example.com` after 2s");
        assert!(e.is_transient());
    }

    #[test]
    fn a_connection_deadline_ends_inside_the_check() {
        let d = Deadline::within_check(Duration::from_secs(2), Some(Duration::from_secs(10)));
        assert_eq!(d.budget, Duration::from_millis(1850));
        let d = Deadline::within_check(Duration::from_secs(10), Some(Duration::from_secs(2)));
        assert_eq!(d.budget, Duration::from_secs(2));
        // A tiny check timeout keeps half of itself rather than nothing.
        assert_eq!(Deadline::within_check(Duration::from_millis(100), None).budget, Duration::from_millis(50));
    }

    #[tokio::test]
    async fn a_phase_past_the_deadline_is_its_timeout() {
        let d = Deadline::after(Duration::from_millis(20));
        let r: Result<(), String> =
            d.run(std::future::pending(), |after| format!("timed out in the test phase after {}", human(&after))).await;
        assert_eq!(r.unwrap_err(), "timed out in the test phase after 20ms");
    }
}
