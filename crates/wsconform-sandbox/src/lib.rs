//! The sandbox: an emulated API Gateway WebSocket deployment, in process, on
//! loopback (docs/architecture.md, The sandbox). DNS, CA, a CloudFront-like edge (plus a stale one),
//! the API Gateway data plane and the control plane, all on `127.0.0.1`
//! with random ports. Its routing is written independently of the checks:
//! this crate depends on nothing in `wsconform`. A caller points its client
//! at a running sandbox with [`Sandbox::endpoints`].

pub mod ca;
pub mod connections;
pub mod control_plane;
pub mod dns;
pub mod edge;
pub mod faults;
pub mod gateway;
pub mod lambda_policy;
pub mod launch;
pub mod model;
pub(crate) mod serve;
pub mod sigv4;
mod sync;

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::{CancellationToken, DropGuard};

use self::ca::{Ca, SniCerts};
use self::connections::Registry;
use self::control_plane::ControlPlane;
use self::dns::{DnsFaults, DnsServer};
use self::edge::Edge;
pub use self::faults::{Accept, Faults};
use self::gateway::Gateway;
use self::model::CertKnob;
pub use self::model::{Deployment, Layout, Live, Scenario, Server};
use self::serve::TaskSet;

/// Where a client reaches the sandbox (curl's `--connect-to` form): a
/// connection to `host:port` goes to `to_host:to_port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    pub to_host: String,
    pub to_port: u16,
}

/// What a caller applies to its client to talk to a running sandbox.
#[derive(Debug, Clone)]
pub struct Endpoints {
    /// The DNS server (UDP and TCP): the only resolver that knows the deployment's names.
    pub dns: SocketAddr,
    /// Keyed by the addresses DNS answers, so the answer decides the server reached.
    pub connect_to: Vec<ConnectTo>,
    /// The CA every server's certificate chains to.
    pub ca_pem: String,
    /// The control plane (apigatewayv2, CloudFront, Route 53, ACM on one port).
    pub control_plane_url: Option<url::Url>,
    /// The fixed test key the control plane and `@connections` verify SigV4 with.
    pub access_key_id: &'static str,
    pub secret_access_key: &'static str,
}

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxOptions {
    pub layout: Layout,
    pub scenario: &'static Scenario,
    pub faults: Faults,
    /// API Gateway's idle timeout (10 min in AWS; shorter in tests).
    pub idle_timeout: Duration,
}

impl SandboxOptions {
    pub fn new(layout: Layout, scenario: &'static Scenario) -> Self {
        SandboxOptions { layout, scenario, faults: Faults::default(), idle_timeout: Duration::from_secs(600) }
    }
}

/// A running emulated deployment. Stops on [`Sandbox::shutdown`] (waits
/// for every task) or, best effort, on drop (cancels every task).
pub struct Sandbox {
    deployment: Live,
    ca_pem: String,
    dns: Option<DnsServer>,
    dns_addr: SocketAddr,
    addrs: HashMap<Server, SocketAddr>,
    control_plane: Option<ControlPlane>,
    registry: Arc<Registry>,
    /// `tcp-refused`: the front server, and a port nobody listens on.
    refused: Option<(Server, u16)>,
    /// Keeps that port bound (never listening) for the sandbox's lifetime,
    /// so no other process can take it and accept.
    _refusing: Option<tokio::net::TcpSocket>,
    tasks: Option<TaskSet>,
    _cancel_on_drop: DropGuard,
}

const ALL_SERVERS: [Server; 3] = [Server::Edge, Server::OldEdge, Server::Gateway];

impl Sandbox {
    /// Starts DNS, CA, edge, old edge, gateway and the control plane.
    pub async fn start(opts: SandboxOptions) -> std::io::Result<Sandbox> {
        let live = Live::new(Deployment::new(opts.layout, opts.scenario));
        // Certificates and listeners are made for the deployment as it starts.
        let deployment = live.current();
        let ca = Ca::new()?;
        let token = CancellationToken::new();
        // Armed from the start: if starting fails half-way, what already runs stops.
        let cancel_on_drop = token.clone().drop_guard();
        let task_set = TaskSet::new(token);
        let tasks = task_set.tasks();

        // Bind every listener first: the edge needs the gateway's address.
        let mut listeners = HashMap::new();
        let mut addrs = HashMap::new();
        for s in ALL_SERVERS {
            let l = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
            addrs.insert(s, l.local_addr()?);
            listeners.insert(s, l);
        }
        let mut take = |s: Server| listeners.remove(&s).ok_or_else(|| std::io::Error::other("listener bound twice"));

        let public_knob = deployment.public_cert;
        // The server the public host's first answer leads to (the scenarios' weighted sets send every query to one).
        let public_server = deployment.resolve(&deployment.public_host, 0);
        // Faults on the client's door hit only the server the public host resolves to.
        let front_accept = |server: Server| {
            if public_server == Some(server) { opts.faults.front_accept } else { Accept::Serve }
        };
        let (refused, refusing) = match (opts.faults.front_accept, public_server) {
            (Accept::Refused, Some(server)) => {
                let (port, socket) = closed_port()?;
                (Some((server, port)), Some(socket))
            }
            _ => (None, None),
        };
        let knob_for = |server: Server, host: &str| {
            if host.eq_ignore_ascii_case(&deployment.public_host) && public_server == Some(server) {
                public_knob
            } else if opts.faults.regional_cert_expired
                && server == Server::Gateway
                && deployment.domains.iter().any(|d| d.domain_name.eq_ignore_ascii_case(host))
            {
                CertKnob::Expired
            } else {
                CertKnob::Good
            }
        };

        // Edges: the public host (the viewer certificate) and their *.cloudfront.net name.
        for (server, old) in [(Server::Edge, false), (Server::OldEdge, true)] {
            let mut certs = SniCerts::new();
            for host in edge::edge_hosts(&deployment, old) {
                let leaf = ca.leaf(&host, knob_for(server, &host))?;
                certs.set_default(leaf.clone());
                certs.add(&host, leaf);
            }
            let e = Arc::new(Edge {
                deployment: live.clone(),
                addrs: addrs.clone(),
                faults: opts.faults.clone(),
                tasks: tasks.clone(),
                old,
                front: public_server == Some(server),
                origin_tls: edge::origin_tls_config(),
            });
            serve::serve_tls(
                &tasks,
                take(server)?,
                certs.server_config(),
                front_accept(server),
                opts.faults.latency,
                move |req, peer| e.clone().handle(req, peer),
            );
        }

        // Gateway: custom domains and the regional target first, the execute-api host last (the default).
        let registry = Arc::new(Registry::new());
        let mut certs = SniCerts::new();
        let mut hosts: Vec<String> = deployment.domains.iter().map(|d| d.domain_name.clone()).collect();
        hosts.extend(deployment.domains.iter().map(|d| d.api_gateway_domain_name.clone()));
        hosts.push(model::REGIONAL_TARGET.to_string());
        hosts.push(model::execute_api_host());
        for host in hosts {
            let leaf = ca.leaf(&host, knob_for(Server::Gateway, &host))?;
            certs.set_default(leaf.clone());
            certs.add(&host, leaf);
        }
        let gw = Arc::new(Gateway {
            deployment: live.clone(),
            registry: registry.clone(),
            faults: opts.faults.clone(),
            front: public_server == Some(Server::Gateway),
            idle_timeout: opts.idle_timeout,
            tasks: tasks.clone(),
            next_id: AtomicU64::new(0),
        });
        let gateway_accept = if opts.faults.silent_gateway { Accept::Stall } else { front_accept(Server::Gateway) };
        serve::serve_tls(
            &tasks,
            take(Server::Gateway)?,
            certs.server_config(),
            gateway_accept,
            opts.faults.latency,
            move |req, peer| gw.clone().handle(req, peer),
        );

        let dns_faults =
            DnsFaults { delay: opts.faults.dns_delay, silent: opts.faults.dns_silent, public: opts.faults.dns_public };
        let dns = DnsServer::start(live.clone(), dns_faults).await?;
        let control_plane = ControlPlane::start(live.clone(), opts.faults.control_plane.clone()).await?;

        Ok(Sandbox {
            deployment: live,
            ca_pem: ca.pem().to_string(),
            dns_addr: dns.addr(),
            dns: Some(dns),
            addrs,
            control_plane: Some(control_plane),
            registry,
            refused,
            _refusing: refusing,
            tasks: Some(task_set),
            _cancel_on_drop: cancel_on_drop,
        })
    }

    /// The deployment as it is now (write calls to the control plane change it).
    pub fn deployment(&self) -> Arc<Deployment> {
        self.deployment.current()
    }

    /// PEM of the CA clients must trust.
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    pub fn dns_addr(&self) -> SocketAddr {
        self.dns_addr
    }

    /// The real `127.0.0.1:port` of a server.
    pub fn server_addr(&self, s: Server) -> SocketAddr {
        self.addrs.get(&s).copied().unwrap_or_else(|| SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// The gateway's live connections (what `@connections` sees).
    pub fn registry(&self) -> &Arc<Registry> {
        &self.registry
    }

    /// `http://127.0.0.1:{port}`: the control plane.
    pub fn control_plane_url(&self) -> Option<&url::Url> {
        self.control_plane.as_ref().map(ControlPlane::url)
    }

    /// `connect_to` entries keyed by the DNS address: `127.0.1.1:443` → the
    /// edge's real port, etc., so the DNS answer decides the server reached.
    pub fn connect_to(&self) -> Vec<ConnectTo> {
        ALL_SERVERS
            .iter()
            .map(|s| ConnectTo {
                host: s.dns_address().to_string(),
                port: 443,
                to_host: Ipv4Addr::LOCALHOST.to_string(),
                to_port: match self.refused {
                    Some((server, port)) if server == *s => port,
                    _ => self.server_addr(*s).port(),
                },
            })
            .collect()
    }

    /// Everything a client needs to reach this deployment instead of AWS.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            dns: self.dns_addr,
            connect_to: self.connect_to(),
            ca_pem: self.ca_pem.clone(),
            control_plane_url: self.control_plane_url().cloned(),
            access_key_id: model::ACCESS_KEY_ID,
            secret_access_key: model::SECRET_ACCESS_KEY,
        }
    }

    /// A complete suite file for this sandbox with the runtime values filled
    /// in; `ca_path` is where the caller writes [`Sandbox::ca_pem`]. The
    /// sandbox credentials are not in it (a suite file never holds keys):
    /// pass them through the environment or [`Sandbox::apply_to`].
    pub fn suite_toml(&self, ca_path: &str) -> String {
        // No `[sandbox]` table: the file points at *this* running sandbox.
        let deployment = self.deployment.current();
        let mut s = suite_body(deployment.layout, None);
        // The IAM scenarios (but `iam-unsigned`) are about a client that signs.
        if deployment.scenario.signs_upgrades() {
            s = s.replace("\n[roundtrip]\n", "\n[roundtrip]\nauth = \"iam\"\n");
        }
        // What the scenario's clients send on the upgrade (an authorizer's token).
        let sends = deployment.scenario.sends;
        if !sends.subprotocols.is_empty() {
            let list: Vec<String> = sends.subprotocols.iter().map(|p| toml_str(p)).collect();
            s = s.replace("\n[roundtrip]\n", &format!("\n[roundtrip]\nsubprotocols = [{}]\n", list.join(", ")));
        }
        for (table, pairs) in [("headers", sends.headers), ("query", sends.query)] {
            if !pairs.is_empty() {
                let items: Vec<String> =
                    pairs.iter().map(|(k, v)| format!("{} = {}", toml_str(k), toml_str(v))).collect();
                s = s.replace("\n[roundtrip]\n", &format!("\n[roundtrip]\n{table} = {{ {} }}\n", items.join(", ")));
            }
        }
        let _ = writeln!(s, "\n[dns]\nnameservers = [{}]", toml_str(&self.dns_addr.to_string()));
        let entries: Vec<String> = self
            .connect_to()
            .iter()
            .map(|c| {
                let to = format!("{}:{}", c.to_host, c.to_port);
                format!("{} = {}", toml_str(&format!("{}:{}", c.host, c.port)), toml_str(&to))
            })
            .collect();
        let _ = writeln!(s, "connect_to = {{ {} }}", entries.join(", "));
        let _ = writeln!(s, "\n[tls]\nextra_ca = {}", toml_str(ca_path));
        if let Some(url) = self.control_plane_url() {
            let _ = writeln!(s, "\n[aws]\nendpoint_url = {}", toml_str(url.as_str()));
        }
        s
    }

    /// Stops every server and waits until every task has ended and every port is free.
    pub async fn shutdown(mut self) {
        if let Some(cp) = self.control_plane.take() {
            cp.shutdown().await;
        }
        if let Some(dns) = self.dns.take() {
            dns.shutdown().await;
        }
        if let Some(tasks) = self.tasks.take() {
            tasks.shutdown().await;
        }
    }
}

/// Installs the process-wide rustls `CryptoProvider` (aws-lc-rs) once; every
/// TLS config here is built from it, as the client's are.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
}

/// A loopback port that is bound but never listens: the kernel refuses
/// every connection to it (RST), and as long as the socket lives no other
/// process can take the port.
fn closed_port() -> std::io::Result<(u16, tokio::net::TcpSocket)> {
    let socket = tokio::net::TcpSocket::new_v4()?;
    socket.bind((Ipv4Addr::LOCALHOST, 0).into())?;
    Ok((socket.local_addr()?.port(), socket))
}

/// A TOML basic string.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The suite text for `layout`; with `scenario`, a `[sandbox]` table that
/// makes `wsconform run` start its own sandbox.
fn suite_body(layout: Layout, scenario: Option<&str>) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "name = {}", toml_str(&format!("sandbox-{}", layout.name())));
    let _ = writeln!(s, "region = {}", toml_str(model::REGION));
    let _ = writeln!(s, "url = {}", toml_str(&format!("wss://{}{}", model::PUBLIC_HOST, layout.public_path())));
    let execute_api = if layout == Layout::A { "enabled" } else { "disabled" };
    let _ = writeln!(s, "\n[api]\nid = {}\nstage = {}", toml_str(model::API_ID), toml_str(model::STAGE));
    let _ = writeln!(s, "execute_api = {}", toml_str(execute_api));
    if let (Some(key), Some(domain)) = (layout.mapping_key(), layout.custom_domain()) {
        let _ = writeln!(s, "\n[custom_domain]\nname = {}", toml_str(domain));
        let _ = writeln!(s, "mapping_key = {}", toml_str(key));
        let _ = writeln!(s, "regional_target = {}", toml_str(model::REGIONAL_TARGET));
    }
    if layout != Layout::C {
        let _ = writeln!(s, "\n[cloudfront]\ndistribution_id = {}", toml_str(model::DISTRIBUTION_ID));
    }
    let _ = writeln!(s, "\n[roundtrip]\nlimits = true");
    if let Some(scenario) = scenario {
        let _ = writeln!(s, "\n[sandbox]\nlayout = {}\nscenario = {}", toml_str(layout.name()), toml_str(scenario));
    }
    s
}

/// The suite that runs the whole catalog against layout `layout` in the
/// sandbox (what `suites/sandbox.toml` holds for layout b). Runtime values
/// (nameservers, ports, CA) are applied with [`Sandbox::apply_to`].
pub fn suite_for_layout(layout: Layout) -> String {
    suite_body(layout, Some("good"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_suites_are_toml_with_the_layout_s_tables() {
        for layout in Layout::ALL {
            let text = suite_for_layout(layout);
            let v: toml::Table = text.parse().expect("the sandbox suite is TOML");
            let url = v["url"].as_str().expect("url");
            assert!(url.ends_with(layout.public_path()) || layout.public_path().is_empty(), "{url}");
            assert_eq!(v.contains_key("custom_domain"), layout != Layout::A);
            assert_eq!(v.contains_key("cloudfront"), layout != Layout::C);
            assert_eq!(v["sandbox"]["layout"].as_str(), Some(layout.name()));
        }
    }

    #[tokio::test]
    async fn the_refusing_port_refuses_while_the_sandbox_keeps_it() {
        let (port, socket) = closed_port().expect("bound");
        for _ in 0..3 {
            let e = tokio::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).await.expect_err("refused");
            assert_eq!(e.kind(), std::io::ErrorKind::ConnectionRefused);
        }
        // Nobody else can take the port while it is held.
        assert!(std::net::TcpListener::bind((Ipv4Addr::LOCALHOST, port)).is_err());
        drop(socket);
    }

    #[tokio::test]
    async fn a_printed_suite_sends_what_the_scenario_s_clients_send() {
        let scenario = model::scenario("authorizer-query-forwarded").expect("a scenario");
        let sandbox = Sandbox::start(SandboxOptions::new(Layout::B, scenario)).await.expect("starts");
        let v: toml::Table = sandbox.suite_toml("ca.pem").parse().expect("TOML");
        assert_eq!(v["roundtrip"]["query"][model::TOKEN_PARAMETER].as_str(), Some(model::SANDBOX_TOKEN));
        assert!(v["roundtrip"].get("headers").is_none());
        sandbox.shutdown().await;
    }

    #[tokio::test]
    async fn a_printed_suite_signs_upgrades_under_the_iam_scenarios_only() {
        for (name, signs) in [("iam-good", true), ("iam-unsigned", false), ("good", false)] {
            let scenario = model::scenario(name).expect("a scenario");
            let sandbox = Sandbox::start(SandboxOptions::new(Layout::B, scenario)).await.expect("starts");
            let v: toml::Table = sandbox.suite_toml("ca.pem").parse().expect("TOML");
            assert_eq!(v["roundtrip"].get("auth").and_then(|a| a.as_str()) == Some("iam"), signs, "{name}");
            sandbox.shutdown().await;
        }
    }
}
