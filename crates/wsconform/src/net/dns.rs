//! The run's resolver (hickory): the system configuration, an explicit list
//! of nameservers (UDP and TCP), or the zone's own authoritative servers.

use crate::sync::Locked;
use std::collections::HashMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use hickory_resolver::config::{NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::{DnsError as HickoryDnsError, NetError as HickoryError};
use hickory_resolver::proto::op::ResponseCode;
use hickory_resolver::proto::rr::{RData, Record, RecordType};
use hickory_resolver::{Resolver, TokioResolver};

use crate::suite::{DnsSpec, Nameservers};

/// Time limit of one DNS query when the suite sets none.
pub const DEFAULT_QUERY_TIMEOUT: Duration = Duration::from_secs(5);
/// Longest CNAME chain followed (loops and absurd chains stop here).
const MAX_CNAME_CHAIN: usize = 16;

/// What the resolver answered for one name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DnsAnswer {
    /// The name asked, without the trailing dot.
    pub name: String,
    /// A then AAAA addresses, in answer order.
    pub addrs: Vec<IpAddr>,
    /// The CNAME chain from `name` (not including it), in order.
    pub cnames: Vec<String>,
    /// Which resolver answered (display form).
    pub resolver: String,
    pub elapsed: Duration,
}

impl DnsAnswer {
    /// The last name of the CNAME chain (the name the addresses belong to).
    pub fn canonical_name(&self) -> &str {
        self.cnames.last().map_or(&self.name, String::as_str)
    }

    pub fn addrs_display(&self) -> String {
        self.addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// Why a name has no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DnsError {
    #[error("NXDOMAIN: `{name}` does not exist")]
    NxDomain { name: String },
    #[error("`{name}` exists but has no A/AAAA records (NODATA)")]
    NoData { name: String },
    #[error("the nameserver answered {code} for `{name}`")]
    ServerFailure { name: String, code: String },
    #[error("DNS query for `{name}` timed out after {after:?} (no answer)")]
    Timeout { name: String, after: Duration },
    #[error("cannot resolve `{name}`: {message}")]
    Other { name: String, message: String },
}

impl DnsError {
    pub fn name(&self) -> &str {
        match self {
            DnsError::NxDomain { name }
            | DnsError::NoData { name }
            | DnsError::ServerFailure { name, .. }
            | DnsError::Timeout { name, .. }
            | DnsError::Other { name, .. } => name,
        }
    }

    /// Whether the answer could change without anyone touching the zone:
    /// propagation, a busy server, a lost packet. NXDOMAIN/NODATA are
    /// retryable too, since a record just created may not have propagated.
    pub fn is_transient(&self) -> bool {
        true
    }

    fn from_hickory(name: &str, e: &HickoryError, after: Duration) -> DnsError {
        let name = name.to_owned();
        match e {
            HickoryError::Dns(HickoryDnsError::NoRecordsFound(nr)) if nr.response_code == ResponseCode::NXDomain => {
                DnsError::NxDomain { name }
            }
            HickoryError::Dns(HickoryDnsError::NoRecordsFound(_)) => DnsError::NoData { name },
            HickoryError::Dns(HickoryDnsError::ResponseCode(code)) => {
                DnsError::ServerFailure { name, code: rcode_name(*code) }
            }
            HickoryError::Timeout => DnsError::Timeout { name, after },
            other => DnsError::Other { name, message: other.to_string() },
        }
    }
}

/// `SERVFAIL (Server Failure)`: the mnemonic operators grep for, then hickory's words.
fn rcode_name(code: ResponseCode) -> String {
    let mnemonic = match u16::from(code) {
        1 => "FORMERR",
        2 => "SERVFAIL",
        4 => "NOTIMP",
        5 => "REFUSED",
        _ => return code.to_string(),
    };
    format!("{mnemonic} ({code})")
}

/// The resolver every part of the run uses. Cheap to clone.
#[derive(Clone)]
pub struct DnsResolver(Arc<Inner>);

enum Kind {
    Fixed(TokioResolver),
    /// Asks the zone's own nameservers (on `ns_port`), found through `system`.
    Authoritative {
        system: TokioResolver,
        ns_port: u16,
        zones: Mutex<HashMap<String, Zone>>,
    },
}

/// One zone's authoritative servers, asked without recursion.
#[derive(Clone)]
struct Zone {
    resolver: Arc<TokioResolver>,
    /// `example.com (ns-1.awsdns-01.org, …)`.
    label: String,
}

struct Inner {
    kind: Kind,
    description: String,
    timeout: Duration,
}

impl fmt::Debug for DnsResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DnsResolver({})", self.0.description)
    }
}

fn options(timeout: Duration, base: Option<ResolverOpts>) -> ResolverOpts {
    let mut o = base.unwrap_or_default();
    o.timeout = timeout;
    o.attempts = 2;
    // Checks are retried across propagation (`--wait`): never serve a stale negative answer.
    o.negative_max_ttl = Some(Duration::from_secs(1));
    o.positive_max_ttl = Some(Duration::from_secs(5));
    o.preserve_intermediates = true;
    o
}

/// Why the run's resolver could not be set up (before any query is made).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResolverError {
    /// `nameservers = "system"` (or the authoritative mode's bootstrap) and
    /// the system configuration (resolv.conf) cannot be read.
    #[error("cannot read the system resolver configuration: {0}")]
    SystemConfig(String),
    /// hickory refused the configuration.
    #[error("cannot build the DNS resolver: {0}")]
    Build(String),
}

fn build(config: ResolverConfig, opts: ResolverOpts) -> Result<TokioResolver, ResolverError> {
    Resolver::builder_with_config(config, TokioRuntimeProvider::default())
        .with_options(opts)
        .build()
        .map_err(|e| ResolverError::Build(e.to_string()))
}

fn fixed_config(addrs: &[SocketAddr]) -> ResolverConfig {
    let servers = addrs
        .iter()
        .map(|a| {
            let mut ns = NameServerConfig::udp_and_tcp(a.ip());
            for c in &mut ns.connections {
                c.port = a.port();
            }
            ns
        })
        .collect();
    ResolverConfig::from_parts(None, vec![], servers)
}

fn system() -> Result<(TokioResolver, String), ResolverError> {
    let (config, opts) =
        hickory_resolver::system_conf::read_system_conf().map_err(|e| ResolverError::SystemConfig(e.to_string()))?;
    let servers: Vec<String> = config.name_servers().iter().map(|n| n.ip.to_string()).collect();
    let description = format!("system ({})", servers.join(", "));
    Ok((build(config, opts)?, description))
}

impl DnsResolver {
    pub fn new(spec: &DnsSpec) -> Result<DnsResolver, ResolverError> {
        let timeout = spec.timeout.unwrap_or(DEFAULT_QUERY_TIMEOUT);
        let (kind, description) = match &spec.nameservers {
            Nameservers::System => {
                let (config, opts) = hickory_resolver::system_conf::read_system_conf()
                    .map_err(|e| ResolverError::SystemConfig(e.to_string()))?;
                let servers: Vec<String> = config.name_servers().iter().map(|n| n.ip.to_string()).collect();
                let r = build(config, options(timeout, Some(opts)))?;
                (Kind::Fixed(r), format!("system ({})", servers.join(", ")))
            }
            Nameservers::List(addrs) => {
                let mut opts = options(timeout, None);
                // The suite's nameservers decide, not /etc/hosts (split-horizon, sandbox).
                opts.use_hosts_file = ResolveHosts::Never;
                opts.ndots = 0;
                let r = build(fixed_config(addrs), opts)?;
                let list: Vec<String> = addrs.iter().map(ToString::to_string).collect();
                (Kind::Fixed(r), list.join(", "))
            }
            Nameservers::Authoritative => {
                let (system, _) = system()?;
                (
                    Kind::Authoritative { system, ns_port: 53, zones: Mutex::new(HashMap::new()) },
                    "authoritative".to_owned(),
                )
            }
        };
        Ok(DnsResolver(Arc::new(Inner { kind, description, timeout })))
    }

    /// The authoritative mode with its bootstrap resolvers and the zones'
    /// nameserver port given (not part of the suite format: the suite's
    /// `"authoritative"` uses the system's resolvers and port 53). Lets a
    /// test stand the zones up on loopback.
    pub fn authoritative_via(
        bootstrap: Vec<SocketAddr>,
        ns_port: u16,
        timeout: Duration,
    ) -> Result<DnsResolver, ResolverError> {
        let mut opts = options(timeout, None);
        opts.use_hosts_file = ResolveHosts::Never;
        opts.ndots = 0;
        let system = build(fixed_config(&bootstrap), opts)?;
        let kind = Kind::Authoritative { system, ns_port, zones: Mutex::new(HashMap::new()) };
        Ok(DnsResolver(Arc::new(Inner { kind, description: "authoritative".to_owned(), timeout })))
    }

    /// Display form: `127.0.0.1:5353`, `system (10.0.0.2)`, `authoritative`.
    pub fn description(&self) -> &str {
        &self.0.description
    }

    /// A and AAAA answers for `host`, with the CNAME chain. The whole
    /// lookup (in the authoritative mode: every zone asked) ends within
    /// three query timeouts.
    pub async fn lookup(&self, host: &str) -> Result<DnsAnswer, DnsError> {
        let name = host.trim_end_matches('.').to_ascii_lowercase();
        let t0 = Instant::now();
        let hard_limit = self.0.timeout * 3;
        let timed_out = |_| DnsError::Timeout { name: name.clone(), after: hard_limit };
        match &self.0.kind {
            Kind::Fixed(r) => {
                let (records, errors) =
                    tokio::time::timeout(hard_limit, addresses(r, &name, t0)).await.map_err(timed_out)?;
                let (addrs, cnames) = collect_answers(&name, &records);
                if addrs.is_empty() {
                    return Err(combine_errors(&name, errors));
                }
                Ok(DnsAnswer { name, addrs, cnames, resolver: self.0.description.clone(), elapsed: t0.elapsed() })
            }
            Kind::Authoritative { system, ns_port, zones } => {
                let walk = self.authoritative_lookup(system, *ns_port, zones, &name, t0);
                tokio::time::timeout(hard_limit, walk).await.map_err(timed_out)?
            }
        }
    }

    /// Asks the zone of `name` for its addresses. A zone's servers do not
    /// recurse: when the answer is a CNAME out of the zone (`ws.example.com`
    /// → `d123.cloudfront.net`) they give no addresses, so the chain goes on
    /// at the target's own zone's servers, found the same way — at most
    /// [`MAX_CNAME_CHAIN`] names.
    async fn authoritative_lookup(
        &self,
        system: &TokioResolver,
        ns_port: u16,
        zones: &Mutex<HashMap<String, Zone>>,
        name: &str,
        t0: Instant,
    ) -> Result<DnsAnswer, DnsError> {
        let mut current = name.to_owned();
        let mut chain: Vec<String> = Vec::new();
        let mut asked: Vec<String> = Vec::new();
        loop {
            let zone = self.authoritative_for(system, ns_port, zones, &current).await?;
            if asked.last() != Some(&zone.label) {
                asked.push(zone.label.clone());
            }
            let (records, errors) = addresses(&zone.resolver, &current, t0).await;
            let (addrs, cnames) = collect_answers(&current, &records);
            if !addrs.is_empty() {
                chain.extend(cnames);
                let resolver = format!("authoritative for {}", asked.join(" → "));
                return Ok(DnsAnswer { name: name.to_owned(), addrs, cnames: chain, resolver, elapsed: t0.elapsed() });
            }
            // No address: the zone may hold a CNAME whose target lies in another zone
            // (hickory follows it at the same servers, which do not answer for it).
            let hops = if cnames.is_empty() {
                let cname = zone.resolver.lookup(format!("{current}."), RecordType::CNAME).await;
                cname.map(|l| collect_answers(&current, l.answers()).1).unwrap_or_default()
            } else {
                cnames
            };
            let fresh: Vec<String> = hops.into_iter().take_while(|h| h != name && !chain.contains(h)).collect();
            match fresh.last() {
                Some(next) if chain.len() + fresh.len() <= MAX_CNAME_CHAIN => {
                    current = next.clone();
                    chain.extend(fresh);
                }
                _ => return Err(combine_errors(&current, errors)),
            }
        }
    }

    async fn authoritative_for(
        &self,
        system: &TokioResolver,
        ns_port: u16,
        zones: &Mutex<HashMap<String, Zone>>,
        name: &str,
    ) -> Result<Zone, DnsError> {
        // Walk from the name towards the root: the first name with NS records is the zone apex.
        let labels: Vec<&str> = name.split('.').collect();
        for i in 0..labels.len().saturating_sub(1) {
            let zone = labels[i..].join(".");
            if let Some(hit) = zones.locked().get(&zone) {
                return Ok(hit.clone());
            }
            let Ok(ns) = system.lookup(format!("{zone}."), RecordType::NS).await else { continue };
            let norm = |n: &hickory_resolver::proto::rr::Name| n.to_ascii().trim_end_matches('.').to_ascii_lowercase();
            let hosts: Vec<String> = ns
                .answers()
                .iter()
                .filter(|r| norm(&r.name) == zone)
                .filter_map(|r| match &r.data {
                    RData::NS(n) => Some(norm(&n.0)),
                    _ => None,
                })
                .collect();
            if hosts.is_empty() {
                continue;
            }
            let mut addrs = Vec::new();
            for h in hosts.iter().take(4) {
                if let Ok(ips) = system.lookup_ip(format!("{h}.")).await {
                    addrs.extend(ips.iter().map(|ip| SocketAddr::new(ip, ns_port)));
                }
            }
            if addrs.is_empty() {
                return Err(DnsError::Other {
                    name: name.to_owned(),
                    message: format!("the nameservers of `{zone}` ({}) have no addresses", hosts.join(", ")),
                });
            }
            let mut opts = options(self.0.timeout, None);
            opts.use_hosts_file = ResolveHosts::Never;
            opts.recursion_desired = false;
            let resolver = Arc::new(
                build(fixed_config(&addrs), opts)
                    .map_err(|m| DnsError::Other { name: name.to_owned(), message: m.to_string() })?,
            );
            let found = Zone { resolver, label: format!("{zone} ({})", hosts.join(", ")) };
            zones.locked().insert(zone, found.clone());
            return Ok(found);
        }
        Err(DnsError::Other { name: name.to_owned(), message: "no zone with NS records found above it".into() })
    }
}

/// A and AAAA for `name` at `r`, asked at once: the answer records and each failure.
async fn addresses(r: &TokioResolver, name: &str, t0: Instant) -> (Vec<Record>, Vec<DnsError>) {
    let fqdn = format!("{name}.");
    let (a, aaaa) = tokio::join!(r.lookup(fqdn.as_str(), RecordType::A), r.lookup(fqdn.as_str(), RecordType::AAAA));
    let mut records: Vec<Record> = Vec::new();
    let mut errors = Vec::new();
    for result in [a, aaaa] {
        match result {
            Ok(lookup) => records.extend(lookup.answers().iter().cloned()),
            Err(e) => errors.push(DnsError::from_hickory(name, &e, t0.elapsed())),
        }
    }
    (records, errors)
}

/// Addresses and the CNAME chain for `name` out of answer records.
pub fn collect_answers(name: &str, records: &[Record]) -> (Vec<IpAddr>, Vec<String>) {
    let norm = |n: &hickory_resolver::proto::rr::Name| n.to_ascii().trim_end_matches('.').to_ascii_lowercase();
    let cname_of: HashMap<String, String> = records
        .iter()
        .filter_map(|r| match &r.data {
            RData::CNAME(c) => Some((norm(&r.name), norm(&c.0))),
            _ => None,
        })
        .collect();
    let mut cnames = Vec::new();
    let mut current = name.to_owned();
    while let Some(next) = cname_of.get(&current) {
        if cnames.len() >= MAX_CNAME_CHAIN || cnames.contains(next) {
            break;
        }
        cnames.push(next.clone());
        current = next.clone();
    }
    let mut addrs = Vec::new();
    for r in records {
        let ip: IpAddr = match &r.data {
            RData::A(a) => a.0.into(),
            RData::AAAA(a) => a.0.into(),
            _ => continue,
        };
        if !addrs.contains(&ip) {
            addrs.push(ip);
        }
    }
    (addrs, cnames)
}

/// One error for A and AAAA both failing: the more telling one wins.
fn combine_errors(name: &str, errors: Vec<DnsError>) -> DnsError {
    let rank = |e: &DnsError| match e {
        DnsError::NxDomain { .. } => 0,
        DnsError::ServerFailure { .. } => 1,
        DnsError::Timeout { .. } => 2,
        DnsError::Other { .. } => 3,
        DnsError::NoData { .. } => 4,
    };
    errors.into_iter().min_by_key(rank).unwrap_or(DnsError::NoData { name: name.to_owned() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hickory_resolver::proto::rr::Name;
    use hickory_resolver::proto::rr::rdata::{A, CNAME};

    #[test]
    fn rcodes_are_named_by_mnemonic() {
        assert_eq!(rcode_name(ResponseCode::ServFail), "SERVFAIL (Server Failure)");
        assert!(rcode_name(ResponseCode::Refused).starts_with("REFUSED ("));
        assert!(!rcode_name(ResponseCode::BADVERS).is_empty());
    }

    fn rec(name: &str, data: RData) -> Record {
        Record::from_rdata(Name::from_ascii(name).unwrap(), 60, data)
    }

    #[test]
    fn cname_chain_is_followed_in_order() {
        let records = vec![
            rec("ws.example.com.", RData::CNAME(CNAME(Name::from_ascii("d1.cloudfront.net.").unwrap()))),
            rec("d1.cloudfront.net.", RData::CNAME(CNAME(Name::from_ascii("edge.cloudfront.net.").unwrap()))),
            rec("edge.cloudfront.net.", RData::A(A::new(192, 0, 2, 1))),
        ];
        let (addrs, cnames) = collect_answers("ws.example.com", &records);
        assert_eq!(addrs, vec![IpAddr::from([192, 0, 2, 1])]);
        assert_eq!(cnames, vec!["d1.cloudfront.net", "edge.cloudfront.net"]);
    }

    #[test]
    fn cname_loop_stops() {
        let records = vec![
            rec("a.example.", RData::CNAME(CNAME(Name::from_ascii("b.example.").unwrap()))),
            rec("b.example.", RData::CNAME(CNAME(Name::from_ascii("a.example.").unwrap()))),
        ];
        let (addrs, cnames) = collect_answers("a.example", &records);
        assert!(addrs.is_empty());
        assert_eq!(cnames, vec!["b.example", "a.example"]);
    }

    #[test]
    fn nxdomain_wins_over_nodata() {
        let e =
            combine_errors("h", vec![DnsError::NoData { name: "h".into() }, DnsError::NxDomain { name: "h".into() }]);
        assert_eq!(e, DnsError::NxDomain { name: "h".into() });
        assert_eq!(combine_errors("h", vec![]), DnsError::NoData { name: "h".into() });
    }
}
