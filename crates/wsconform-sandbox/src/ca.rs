//! The sandbox's certificate authority: a fresh CA per start, a leaf per
//! host, served by SNI. The public host's leaf applies the scenario's
//! [`CertKnob`] (expired, expiring soon, wrong SAN, untrusted issuer).

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose};
use rustls::server::{ClientHello, ResolvesServerCert};
use rustls::sign::CertifiedKey;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

use super::model::CertKnob;

const DAY: Duration = Duration::from_secs(24 * 3600);

fn tls_err(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(format!("sandbox CA: {e}"))
}

/// The sandbox CA, plus a second CA whose certificate is never exported
/// (the issuer of "untrusted" leaves).
pub struct Ca {
    issuer: Issuer<'static, KeyPair>,
    pem: String,
    rogue: Issuer<'static, KeyPair>,
}

impl Ca {
    pub fn new() -> io::Result<Ca> {
        let (issuer, pem) = Self::make_ca("wsconform sandbox CA")?;
        let (rogue, _) = Self::make_ca("Nobody Trusts Me CA")?;
        Ok(Ca { issuer, pem, rogue })
    }

    fn make_ca(name: &str) -> io::Result<(Issuer<'static, KeyPair>, String)> {
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls_err)?;
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = (SystemTime::now() - DAY).into();
        params.not_after = (SystemTime::now() + 30 * DAY).into();
        let key = KeyPair::generate().map_err(tls_err)?;
        let cert = params.self_signed(&key).map_err(tls_err)?;
        Ok((Issuer::new(params, key), cert.pem()))
    }

    /// PEM of the CA clients must trust.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// A leaf for `host`, shaped by `knob`.
    pub fn leaf(&self, host: &str, knob: CertKnob) -> io::Result<Arc<CertifiedKey>> {
        let now = SystemTime::now();
        let san = match knob {
            CertKnob::WrongSan(other) => other.to_string(),
            _ => host.to_string(),
        };
        let mut params = CertificateParams::new(vec![san.clone()]).map_err(tls_err)?;
        params.distinguished_name.push(DnType::CommonName, san);
        params.not_before = (now - 30 * DAY).into();
        params.not_after = match knob {
            CertKnob::Expired => (now - DAY).into(),
            CertKnob::ExpiresInDays(days) => {
                let days = u32::try_from(days.max(0)).unwrap_or(0);
                // A little margin so "N days" is still N whole days when a check looks.
                (now + days * DAY + Duration::from_secs(3600)).into()
            }
            _ => (now + 365 * DAY).into(),
        };
        let key = KeyPair::generate().map_err(tls_err)?;
        let issuer = if knob == CertKnob::Untrusted { &self.rogue } else { &self.issuer };
        let cert = params.signed_by(&key, issuer).map_err(tls_err)?;
        let key_der = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der()));
        let provider = rustls::crypto::aws_lc_rs::default_provider();
        let ck = CertifiedKey::from_der(vec![CertificateDer::from(cert.der().to_vec())], key_der, &provider)
            .map_err(tls_err)?;
        Ok(Arc::new(ck))
    }
}

/// Certificates of one server, by SNI (lowercase); `default` answers
/// handshakes with an unknown or missing SNI.
#[derive(Debug, Default)]
pub struct SniCerts {
    by_name: HashMap<String, Arc<CertifiedKey>>,
    default: Option<Arc<CertifiedKey>>,
}

impl SniCerts {
    pub fn new() -> SniCerts {
        SniCerts::default()
    }

    pub fn add(&mut self, host: &str, key: Arc<CertifiedKey>) {
        self.by_name.insert(host.to_ascii_lowercase(), key);
    }

    pub fn set_default(&mut self, key: Arc<CertifiedKey>) {
        self.default = Some(key);
    }

    /// A rustls server configuration (ALPN `http/1.1`) serving these certificates.
    pub fn server_config(self) -> Arc<rustls::ServerConfig> {
        let mut config =
            rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::aws_lc_rs::default_provider()))
                .with_safe_default_protocol_versions()
                .map(|b| b.with_no_client_auth().with_cert_resolver(Arc::new(self)))
                .unwrap_or_else(|_| {
                    // The default provider always supports the default versions; keep a
                    // panic-free path anyway.
                    rustls::ServerConfig::builder().with_no_client_auth().with_cert_resolver(Arc::new(SniCerts::new()))
                });
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Arc::new(config)
    }
}

impl ResolvesServerCert for SniCerts {
    fn resolve(&self, hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        hello
            .server_name()
            .and_then(|n| self.by_name.get(&n.to_ascii_lowercase()))
            .cloned()
            .or_else(|| self.default.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_parser::prelude::*;

    fn parse(ck: &CertifiedKey) -> (Vec<String>, i64, String) {
        let der = ck.cert[0].as_ref().to_vec();
        let (_, cert) = X509Certificate::from_der(&der).expect("valid DER");
        let sans = cert
            .subject_alternative_name()
            .ok()
            .flatten()
            .map(|s| {
                s.value
                    .general_names
                    .iter()
                    .filter_map(|g| match g {
                        GeneralName::DNSName(n) => Some(n.to_string()),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        (sans, cert.validity().not_after.timestamp(), cert.issuer().to_string())
    }

    #[test]
    fn knobs_shape_the_leaf() {
        crate::install_crypto_provider();
        let ca = Ca::new().expect("CA");
        let now = chrono::Utc::now().timestamp();
        let (sans, not_after, issuer) = parse(&ca.leaf("ws.example.com", CertKnob::Good).expect("leaf"));
        assert_eq!(sans, ["ws.example.com"]);
        assert!(not_after > now + 300 * 86400);
        assert!(issuer.contains("wsconform sandbox CA"));

        let (_, not_after, _) = parse(&ca.leaf("ws.example.com", CertKnob::Expired).expect("leaf"));
        assert!(not_after < now);
        let (_, not_after, _) = parse(&ca.leaf("ws.example.com", CertKnob::ExpiresInDays(9)).expect("leaf"));
        assert_eq!((not_after - now) / 86400, 9);
        let (sans, _, _) = parse(&ca.leaf("ws.example.com", CertKnob::WrongSan("other.example.com")).expect("leaf"));
        assert_eq!(sans, ["other.example.com"]);
        let (_, _, issuer) = parse(&ca.leaf("ws.example.com", CertKnob::Untrusted).expect("leaf"));
        assert!(issuer.contains("Nobody Trusts Me"));
        assert!(ca.pem().starts_with("-----BEGIN CERTIFICATE-----"));
    }
}
