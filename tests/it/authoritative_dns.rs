//! `nameservers = "authoritative"` across zones, on loopback: three tiny
//! hickory-server instances — a bootstrap resolver (NS records and the
//! nameservers' addresses) and two zones' authoritative servers sharing one
//! port on 127.0.0.2 and 127.0.0.3, as real nameservers share port 53.

use std::future::Future;
use std::io;
use std::net::Ipv4Addr;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::time::{Duration, Instant};

use wsconform::suite::{DnsSpec, Nameservers};
use wsconform::test_support::dns::*;

use hickory_server::net::runtime::Time;
use hickory_server::proto::op::{Header, HeaderCounts, Metadata, ResponseCode};
use hickory_server::proto::rr::rdata::{A, CNAME, NS};
use hickory_server::proto::rr::{Name, RData as SRData, Record as SRecord, RecordType as SRecordType};
use hickory_server::server::{Request, RequestHandler, ResponseHandler, ResponseInfo};
use hickory_server::zone_handler::MessageResponseBuilder;
use tokio::net::{TcpListener, UdpSocket};

/// Answers from a fixed record list: names outside `apex` are REFUSED
/// (as Route 53 does for zones it does not host), a CNAME is given for
/// any type asked of its name (RFC 1034 §3.6.2), unknown names NXDOMAIN.
struct StaticZone {
    apex: Option<String>,
    records: Vec<SRecord>,
}

fn norm(n: &Name) -> String {
    n.to_ascii().trim_end_matches('.').to_ascii_lowercase()
}

impl StaticZone {
    async fn respond<R: ResponseHandler>(&self, request: &Request, mut handle: R) -> ResponseInfo {
        let mut metadata = Metadata::response_from_request(&request.metadata);
        let fallback = |metadata| ResponseInfo::from(Header { metadata, counts: HeaderCounts::default() });
        let builder = MessageResponseBuilder::from_message_request(request);
        let Ok(info) = request.request_info() else {
            metadata.response_code = ResponseCode::FormErr;
            return handle
                .send_response(builder.build_no_records(metadata))
                .await
                .unwrap_or_else(|_| fallback(metadata));
        };
        let qname = Name::from(info.query.name().clone());
        let (name, qtype) = (norm(&qname), info.query.query_type());
        let in_zone = self.apex.as_ref().is_none_or(|z| name == *z || name.ends_with(&format!(".{z}")));
        let of_name: Vec<&SRecord> = self.records.iter().filter(|r| norm(&r.name) == name).collect();
        let answers: Vec<SRecord> = of_name
            .iter()
            .filter(|r| r.record_type() == qtype || r.record_type() == SRecordType::CNAME)
            .map(|r| (*r).clone())
            .collect();
        metadata.authoritative = in_zone && self.apex.is_some();
        metadata.response_code = if !in_zone {
            ResponseCode::Refused
        } else if of_name.is_empty() {
            ResponseCode::NXDomain
        } else {
            ResponseCode::NoError
        };
        let resp = builder.build(metadata, answers.iter(), [], [], []);
        handle.send_response(resp).await.unwrap_or_else(|_| fallback(metadata))
    }
}

impl RequestHandler for StaticZone {
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

fn name(s: &str) -> Name {
    Name::from_ascii(s).expect("name")
}

fn serve(handler: StaticZone, udp: UdpSocket, tcp: TcpListener) -> hickory_server::Server<StaticZone> {
    let mut server = hickory_server::Server::new(handler);
    server.register_socket(udp);
    server.register_listener(tcp, Duration::from_secs(5), 16);
    server
}

async fn pair(ip: Ipv4Addr, port: u16) -> io::Result<(UdpSocket, TcpListener)> {
    let udp = UdpSocket::bind((ip, port)).await?;
    let port = udp.local_addr()?.port();
    Ok((udp, TcpListener::bind((ip, port)).await?))
}

/// UDP and TCP on one free port of `ip` (a few attempts: the UDP port's TCP
/// twin may be taken, e.g. as the local port of an outgoing connection of a
/// test running beside this one).
async fn free_pair(ip: Ipv4Addr) -> (UdpSocket, TcpListener) {
    let mut last = None;
    for _ in 0..16 {
        match pair(ip, 0).await {
            Ok(p) => return p,
            Err(e) => last = Some(e),
        }
    }
    panic!("no port free for UDP and TCP on {ip}: {last:?}")
}

/// UDP and TCP on one port on 127.0.0.2 and on 127.0.0.3 (a few attempts:
/// another process may hold the port on the second address).
async fn two_addresses_one_port() -> ((UdpSocket, TcpListener), (UdpSocket, TcpListener)) {
    let mut last = None;
    for _ in 0..16 {
        let first = match pair(Ipv4Addr::new(127, 0, 0, 2), 0).await {
            Ok(p) => p,
            Err(e) => {
                last = Some(e);
                continue;
            }
        };
        let port = first.0.local_addr().expect("bound").port();
        match pair(Ipv4Addr::new(127, 0, 0, 3), port).await {
            Ok(second) => return (first, second),
            Err(e) => last = Some(e),
        }
    }
    panic!("no port free on both 127.0.0.2 and 127.0.0.3: {last:?}")
}

#[tokio::test]
async fn a_cname_out_of_the_zone_is_followed_at_the_target_zone_s_servers() {
    let (zone_a, zone_b) = two_addresses_one_port().await;
    let ns_port = zone_a.0.local_addr().expect("bound").port();
    // Zone A: example.com holds the CNAME into CloudFront's zone.
    let example = serve(
        StaticZone {
            apex: Some("example.com".into()),
            records: vec![SRecord::from_rdata(
                name("api.example.com."),
                60,
                SRData::CNAME(CNAME(name("d123.cloudfront.net."))),
            )],
        },
        zone_a.0,
        zone_a.1,
    );
    // Zone B: cloudfront.net holds the address.
    let cloudfront = serve(
        StaticZone {
            apex: Some("cloudfront.net".into()),
            records: vec![SRecord::from_rdata(name("d123.cloudfront.net."), 60, SRData::A(A::new(192, 0, 2, 10)))],
        },
        zone_b.0,
        zone_b.1,
    );
    // The bootstrap ("system") resolver: each zone's NS and the nameservers' addresses.
    let boot = free_pair(Ipv4Addr::LOCALHOST).await;
    let boot_addr = boot.0.local_addr().expect("bound");
    let bootstrap = serve(
        StaticZone {
            apex: None,
            records: vec![
                SRecord::from_rdata(name("example.com."), 60, SRData::NS(NS(name("ns1.example.com.")))),
                SRecord::from_rdata(name("cloudfront.net."), 60, SRData::NS(NS(name("ns1.cloudfront.net.")))),
                SRecord::from_rdata(name("ns1.example.com."), 60, SRData::A(A::new(127, 0, 0, 2))),
                SRecord::from_rdata(name("ns1.cloudfront.net."), 60, SRData::A(A::new(127, 0, 0, 3))),
            ],
        },
        boot.0,
        boot.1,
    );
    let timeout = Duration::from_millis(500);

    // Without following the chain: zone A alone has the CNAME and no address.
    let zone_a_only = DnsSpec {
        nameservers: Nameservers::List(vec![SocketAddr::from(([127, 0, 0, 2], ns_port))]),
        timeout: Some(timeout),
        ..DnsSpec::default()
    };
    let alone = DnsResolver::new(&zone_a_only).expect("resolver").lookup("api.example.com").await;
    assert!(alone.is_err(), "zone A alone answered {alone:?}");

    let resolver = DnsResolver::authoritative_via(vec![boot_addr], ns_port, timeout).expect("resolver");
    let t = Instant::now();
    let answer = resolver.lookup("api.example.com").await.expect("followed out of the zone");
    assert_eq!(answer.addrs, vec![IpAddr::from([192, 0, 2, 10])]);
    assert_eq!(answer.cnames, vec!["d123.cloudfront.net"]);
    assert_eq!(answer.canonical_name(), "d123.cloudfront.net");
    assert_eq!(
        answer.resolver,
        "authoritative for example.com (ns1.example.com) → cloudfront.net (ns1.cloudfront.net)"
    );
    assert!(t.elapsed() < timeout * 3, "took {:?}", t.elapsed());
    // A name of the second zone is answered there directly, its server found the same way.
    let direct = resolver.lookup("d123.cloudfront.net").await.expect("in zone");
    assert_eq!(
        (direct.cnames.len(), direct.resolver.as_str()),
        (0, "authoritative for cloudfront.net (ns1.cloudfront.net)")
    );
    // A name the second zone does not hold is its NXDOMAIN, named.
    let e = resolver.lookup("nope.cloudfront.net").await.unwrap_err();
    assert_eq!(e, DnsError::NxDomain { name: "nope.cloudfront.net".into() });

    for s in [example, cloudfront, bootstrap] {
        let mut s = s;
        let _ = s.shutdown_gracefully().await;
    }
}
