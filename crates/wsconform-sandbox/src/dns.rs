//! The sandbox's authoritative DNS server (hickory-server), UDP and TCP on
//! one loopback port. A Route 53 ALIAS answers as plain `A` records with its
//! target's address: a name with alias records in the zone gets the address
//! of one record's target (among a weighted set, only the records that take
//! traffic, in proportion to their weights), and every name in
//! `deployment.dns` gets `A <server's sandbox address>`.

use std::future::Future;
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::pin::Pin;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::{Name, RData, Record, RecordType, rdata};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::net::{TcpListener, UdpSocket};

use super::faults::DnsRcode;
use super::model::{Deployment, Live};

/// The zones the sandbox is authoritative for.
pub const ZONES: &[&str] = &["example.com", "cloudfront.net", "amazonaws.com"];
const TTL: u32 = 60;

/// What the server answers for one question (pure rule, no I/O).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// NOERROR with these A records.
    A(Ipv4Addr),
    /// NOERROR, no records (the name exists, not with this type).
    NoData,
    NxDomain,
    Refused,
}

/// Answers `name` (any case, trailing dot optional) / `qtype` from the
/// deployment; `pick` is the query's number, which chooses among a weighted set.
pub fn answer(deployment: &Deployment, name: &str, qtype: RecordType, pick: u64) -> Answer {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    if let Some(server) = deployment.resolve(&name, pick) {
        return if qtype == RecordType::A { Answer::A(server.dns_address()) } else { Answer::NoData };
    }
    let in_zone = ZONES.iter().any(|z| name == *z || name.ends_with(&format!(".{z}")));
    match (in_zone, ZONES.contains(&name.as_str())) {
        // The zone apex exists (it has SOA/NS in real life): no data for the asked type.
        (_, true) => Answer::NoData,
        (true, false) => Answer::NxDomain,
        (false, _) => Answer::Refused,
    }
}

/// Faults of the DNS server.
#[derive(Debug, Clone, Copy, Default)]
pub struct DnsFaults {
    pub delay: Duration,
    pub silent: bool,
    /// Answered for the public host instead of its records.
    pub public: Option<DnsRcode>,
}

struct Handler {
    deployment: Live,
    faults: DnsFaults,
    /// Queries answered so far: spreads a weighted set's answers by weight.
    queries: AtomicU64,
}

fn info(metadata: Metadata) -> ResponseInfo {
    ResponseInfo::from(Header { metadata, counts: HeaderCounts::default() })
}

impl Handler {
    async fn respond<R: ResponseHandler>(&self, request: &Request, mut response_handle: R) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        metadata.authoritative = true;
        if self.faults.silent {
            // Never answer: the client's own timeout is what is being tested.
            return info(metadata);
        }
        if !self.faults.delay.is_zero() {
            tokio::time::sleep(self.faults.delay).await;
        }
        let builder = MessageResponseBuilder::from_message_request(request);
        let query = match request.request_info() {
            Ok(i) => i.query.clone(),
            Err(_) => {
                metadata.response_code = ResponseCode::FormErr;
                let resp = builder.build_no_records(metadata);
                return response_handle.send_response(resp).await.unwrap_or_else(|_| info(metadata));
            }
        };
        let qname = Name::from(query.name().clone());
        let mut records = Vec::new();
        let name = qname.to_ascii();
        let public = name.trim_end_matches('.').eq_ignore_ascii_case(&self.deployment.current().public_host);
        let found = match self.faults.public.filter(|_| public) {
            Some(DnsRcode::ServFail) => {
                metadata.authoritative = false;
                metadata.response_code = ResponseCode::ServFail;
                None
            }
            Some(DnsRcode::NxDomain) => {
                metadata.response_code = ResponseCode::NXDomain;
                None
            }
            None => {
                let pick = self.queries.fetch_add(1, Ordering::Relaxed);
                Some(answer(&self.deployment.current(), &name, query.query_type(), pick))
            }
        };
        match found.unwrap_or(Answer::NoData) {
            Answer::A(ip) => records.push(Record::from_rdata(qname, TTL, RData::A(rdata::A(ip)))),
            Answer::NoData => {}
            Answer::NxDomain => metadata.response_code = ResponseCode::NXDomain,
            Answer::Refused => {
                metadata.authoritative = false;
                metadata.response_code = ResponseCode::Refused;
            }
        }
        // NODATA and NXDOMAIN carry the zone's SOA, as Route 53 sends it:
        // resolvers cache the negative answer for its minimum TTL.
        let soa: Vec<Record> =
            if records.is_empty() && matches!(metadata.response_code, ResponseCode::NoError | ResponseCode::NXDomain) {
                soa_for(&name).into_iter().collect()
            } else {
                Vec::new()
            };
        let resp = builder.build(metadata, records.iter(), [], soa.iter(), []);
        response_handle.send_response(resp).await.unwrap_or_else(|_| info(metadata))
    }
}

/// The SOA of the sandbox zone that holds `name`.
fn soa_for(name: &str) -> Option<Record> {
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    let zone = ZONES.iter().find(|z| name == **z || name.ends_with(&format!(".{z}")))?;
    let origin = Name::from_ascii(format!("{zone}.")).ok()?;
    let soa = rdata::SOA::new(
        Name::from_ascii(format!("ns.{zone}.")).ok()?,
        Name::from_ascii(format!("hostmaster.{zone}.")).ok()?,
        1,
        7200,
        900,
        1_209_600,
        TTL,
    );
    Some(Record::from_rdata(origin, TTL, RData::SOA(soa)))
}

// `RequestHandler` is an `async_trait`; written out by hand so the crate does
// not need the macro.
impl RequestHandler for Handler {
    fn handle_request<'life0, 'life1, 'async_trait, R, T>(
        &'life0 self,
        request: &'life1 Request,
        response_handle: R,
    ) -> Pin<Box<dyn Future<Output = ResponseInfo> + Send + 'async_trait>>
    where
        R: ResponseHandler + 'async_trait,
        T: Time + 'async_trait,
        'life0: 'async_trait,
        'life1: 'async_trait,
        Self: 'async_trait,
    {
        Box::pin(self.respond(request, response_handle))
    }
}

/// A running DNS server.
pub struct DnsServer {
    addr: SocketAddr,
    server: hickory_server::Server<Handler>,
}

impl DnsServer {
    /// Binds UDP and TCP on the same `127.0.0.1` port.
    pub async fn start(deployment: Live, faults: DnsFaults) -> io::Result<DnsServer> {
        let (udp, tcp) = bind_pair().await?;
        let addr = udp.local_addr()?;
        let mut server = hickory_server::Server::new(Handler { deployment, faults, queries: AtomicU64::new(0) });
        server.register_socket(udp);
        server.register_listener(tcp, Duration::from_secs(5), 16);
        Ok(DnsServer { addr, server })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub async fn shutdown(mut self) {
        let _ = self.server.shutdown_gracefully().await;
    }
}

/// A UDP socket and a TCP listener on the same free port (a few attempts:
/// another process may hold the TCP side of the port UDP got).
async fn bind_pair() -> io::Result<(UdpSocket, TcpListener)> {
    let mut last = None;
    for _ in 0..16 {
        let udp = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let port = udp.local_addr()?.port();
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)).await {
            Ok(tcp) => return Ok((udp, tcp)),
            Err(e) => last = Some(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no free port for DNS")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{self, Layout, SCENARIOS, Server};

    #[test]
    fn alias_names_answer_a_and_others_by_zone() {
        let d = Deployment::new(Layout::A, &SCENARIOS[0]);
        assert_eq!(answer(&d, "WS.example.com.", RecordType::A, 0), Answer::A(Server::Edge.dns_address()));
        assert_eq!(answer(&d, model::REGIONAL_TARGET, RecordType::A, 0), Answer::A(Server::Gateway.dns_address()));
        assert_eq!(answer(&d, "ws.example.com", RecordType::AAAA, 0), Answer::NoData);
        assert_eq!(answer(&d, "nope.example.com", RecordType::A, 0), Answer::NxDomain);
        assert_eq!(answer(&d, "dzzz.cloudfront.net", RecordType::A, 0), Answer::NxDomain);
        assert_eq!(answer(&d, "example.org", RecordType::A, 0), Answer::Refused);
        let c = Deployment::new(Layout::C, &SCENARIOS[0]);
        assert_eq!(answer(&c, "ws.example.com", RecordType::A, 0), Answer::A(Server::Gateway.dns_address()));
        let d = Deployment::new(Layout::D, &SCENARIOS[0]);
        assert_eq!(answer(&d, model::ORIGIN_HOST, RecordType::A, 0), Answer::A(Server::Gateway.dns_address()));
    }

    // AWS: Route 53 Developer Guide, "Weighted routing" — Route 53 sends traffic to a resource "based on the weight that you assign to the record as a proportion of the total weight for all records in the group", and "If you want to stop sending traffic to a resource, you can change the weight for that record to 0"; API Reference, "ResourceRecordSet" (Weight) — "if you set Weight to 0 for all resource record sets that have the same combination of DNS name and type, traffic is routed to all resources with equal probability".
    #[test]
    fn weighted_sets_answer_only_from_records_that_take_traffic() {
        let old = |name: &str| model::scenario(name).expect("scenario");
        let serving = |d: &Deployment| -> Vec<Answer> {
            (0..200).map(|i| answer(d, "ws.example.com", RecordType::A, i)).collect()
        };
        for layout in [Layout::B, Layout::D] {
            let d = Deployment::new(layout, old("r53-weighted-old-target-weight-0"));
            assert!(serving(&d).iter().all(|a| *a == Answer::A(Server::Edge.dns_address())), "{layout:?}");
            let d = Deployment::new(layout, old("r53-weighted-old-target-serving"));
            assert!(serving(&d).iter().all(|a| *a == Answer::A(Server::OldEdge.dns_address())), "{layout:?}");
        }
        // Shares follow the weights; with every weight 0, all records share equally.
        let mut d = Deployment::new(Layout::B, old("r53-weighted-old-target-weight-0"));
        let mut weigh = |old_w: u8, new_w: u8| {
            for r in &mut d.zone.records {
                let w = if r.alias_dns_name.starts_with(model::OLD_DISTRIBUTION_DOMAIN) { old_w } else { new_w };
                if let Some((_, weight)) = &mut r.weighted {
                    *weight = w;
                }
            }
            serving(&d).iter().filter(|a| **a == Answer::A(Server::OldEdge.dns_address())).count()
        };
        assert_eq!(weigh(1, 3), 50, "1 in 4 of 200");
        assert_eq!(weigh(0, 0), 100, "1 in 2 of 200");
    }
}
