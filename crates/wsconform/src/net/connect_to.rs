//! curl's `--connect-to` rules, pure: which address a connection to
//! `host:port` dials. Entries keyed by a host name apply before DNS; entries
//! keyed by an IP address apply after DNS to the answered address, so the
//! DNS answer still decides which server is reached (the sandbox maps its
//! DNS addresses to real loopback ports this way).

use std::net::{IpAddr, SocketAddr};

use crate::suite::ConnectTo;

/// What to dial for `host:port` before DNS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// Dial this address (still subject to IP-keyed entries).
    Address(SocketAddr),
    /// Resolve `host` and dial its addresses on `port`.
    Resolve { host: String, port: u16 },
}

fn normalize(host: &str) -> String {
    host.trim_end_matches('.').trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase()
}

fn parse_ip(s: &str) -> Option<IpAddr> {
    normalize(s).parse().ok()
}

/// Applies host-keyed entries.
pub fn before_dns(entries: &[ConnectTo], host: &str, port: u16) -> Route {
    let host = normalize(host);
    let entry = entries.iter().find(|e| parse_ip(&e.host).is_none() && normalize(&e.host) == host && e.port == port);
    let (host, port) = match entry {
        Some(e) => (e.to_host.as_deref().map(normalize).unwrap_or(host), e.to_port),
        None => (host, port),
    };
    match host.parse::<IpAddr>() {
        Ok(ip) => Route::Address(SocketAddr::new(ip, port)),
        Err(_) => Route::Resolve { host, port },
    }
}

/// Applies IP-keyed entries to an address DNS answered (or one given literally).
pub fn after_dns(entries: &[ConnectTo], addr: SocketAddr) -> SocketAddr {
    let entry = entries.iter().find(|e| parse_ip(&e.host) == Some(addr.ip()) && e.port == addr.port());
    match entry {
        // A host name as target cannot be resolved here; keep the address, change the port.
        Some(e) => SocketAddr::new(e.to_host.as_deref().and_then(parse_ip).unwrap_or(addr.ip()), e.to_port),
        None => addr,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::suite::parse_connect_to;

    fn entries(list: &[(&str, &str)]) -> Vec<ConnectTo> {
        list.iter().map(|(f, t)| parse_connect_to(f, t).unwrap()).collect()
    }

    #[test]
    fn host_entry_to_address_skips_dns() {
        let e = entries(&[("ws.example.com:443", "127.0.0.1:8443")]);
        assert_eq!(before_dns(&e, "WS.example.com.", 443), Route::Address("127.0.0.1:8443".parse().unwrap()));
        // Another port is untouched.
        assert_eq!(before_dns(&e, "ws.example.com", 80), Route::Resolve { host: "ws.example.com".into(), port: 80 });
    }

    #[test]
    fn host_entry_without_target_host_changes_only_the_port() {
        let e = entries(&[("ws.example.com:443", ":8443")]);
        assert_eq!(before_dns(&e, "ws.example.com", 443), Route::Resolve { host: "ws.example.com".into(), port: 8443 });
    }

    #[test]
    fn host_entry_to_another_name_resolves_that_name() {
        let e = entries(&[("ws.example.com:443", "d-abc.execute-api.ap-northeast-1.amazonaws.com:443")]);
        assert_eq!(
            before_dns(&e, "ws.example.com", 443),
            Route::Resolve { host: "d-abc.execute-api.ap-northeast-1.amazonaws.com".into(), port: 443 }
        );
    }

    #[test]
    fn ip_entries_apply_after_dns_only() {
        let e = entries(&[("127.0.0.11:443", "127.0.0.1:40001"), ("[::1]:443", "127.0.0.1:40002")]);
        // An IP-keyed entry never matches a host name before DNS.
        assert_eq!(before_dns(&e, "ws.example.com", 443), Route::Resolve { host: "ws.example.com".into(), port: 443 });
        assert_eq!(after_dns(&e, "127.0.0.11:443".parse().unwrap()), "127.0.0.1:40001".parse().unwrap());
        assert_eq!(after_dns(&e, "[::1]:443".parse().unwrap()), "127.0.0.1:40002".parse().unwrap());
        assert_eq!(after_dns(&e, "127.0.0.12:443".parse().unwrap()), "127.0.0.12:443".parse().unwrap());
        assert_eq!(after_dns(&e, "127.0.0.11:80".parse().unwrap()), "127.0.0.11:80".parse().unwrap());
    }

    #[test]
    fn literal_address_is_dialed_as_is() {
        assert_eq!(before_dns(&[], "127.0.0.1", 9), Route::Address("127.0.0.1:9".parse().unwrap()));
    }
}
