//! The one rustls configuration (aws-lc-rs): webpki roots plus the suite's
//! extra CAs, ALPN `http/1.1`. Certificate verification is never off; for
//! `tls.certificate` a wrapping verifier *records* the chain and the
//! verification error so a refusal can say why.

use crate::sync::Locked;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::{CertificateError, ClientConfig, DigitallySignedStruct, RootCertStore, SignatureScheme};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::{ConnectError, Phases, TLS_HANDSHAKE_TIMEOUT};
use crate::suite::TlsSpec;

/// What the handshake negotiated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerInfo {
    /// e.g. `TLSv1_3`.
    pub version: String,
    /// e.g. `TLS13_AES_128_GCM_SHA256`.
    pub cipher_suite: String,
    pub alpn: Option<String>,
    /// The peer's chain, end entity first (DER).
    pub chain: Vec<CertificateDer<'static>>,
}

/// Why a certificate was refused, in the words a fix needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CertProblem {
    Expired,
    NotYetValid,
    WrongName,
    UnknownIssuer,
    Other(String),
}

impl CertProblem {
    pub fn from_error(e: &rustls::Error) -> Option<CertProblem> {
        let rustls::Error::InvalidCertificate(c) = e else { return None };
        Some(match c {
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => CertProblem::Expired,
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => CertProblem::NotYetValid,
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                CertProblem::WrongName
            }
            CertificateError::UnknownIssuer => CertProblem::UnknownIssuer,
            other => CertProblem::Other(format!("{other:?}")),
        })
    }
}

/// A handshake observed by [`super::Net::tls_observe`].
#[derive(Debug, Clone)]
pub struct TlsObservation {
    pub addr: SocketAddr,
    pub phases: Phases,
    /// The chain the server presented (empty when it presented none).
    pub chain: Vec<CertificateDer<'static>>,
    /// The verifier's verdict on that chain, when it refused it.
    pub verify_error: Option<rustls::Error>,
    pub handshake: Result<PeerInfo, String>,
}

pub(super) struct TlsWorld {
    config: Arc<ClientConfig>,
    roots: Arc<RootCertStore>,
    provider: Arc<CryptoProvider>,
}

fn extra_roots(spec: &TlsSpec, roots: &mut RootCertStore) -> Result<(), String> {
    let mut add = |pem: &[u8], origin: &str| -> Result<(), String> {
        let mut n = 0;
        for cert in CertificateDer::pem_slice_iter(pem) {
            let cert = cert.map_err(|e| format!("{origin}: not a PEM certificate: {e}"))?;
            roots.add(cert).map_err(|e| format!("{origin}: cannot use the certificate as a CA: {e}"))?;
            n += 1;
        }
        if n == 0 {
            return Err(format!("{origin}: no PEM certificate (`-----BEGIN CERTIFICATE-----`) found"));
        }
        Ok(())
    };
    if let Some(path) = &spec.extra_ca {
        let pem = std::fs::read(path).map_err(|e| format!("`tls.extra_ca` ({}): {e}", path.display()))?;
        add(&pem, &format!("`tls.extra_ca` ({})", path.display()))?;
    }
    if let Some(pem) = &spec.extra_ca_pem {
        add(pem.as_bytes(), "extra CA")?;
    }
    Ok(())
}

impl TlsWorld {
    pub(super) fn new(spec: &TlsSpec) -> Result<TlsWorld, String> {
        let mut roots = RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        extra_roots(spec, &mut roots)?;
        let roots = Arc::new(roots);
        let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
        let mut config = ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS configuration: {e}"))?
            .with_root_certificates(roots.clone())
            .with_no_client_auth();
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsWorld { config: Arc::new(config), roots, provider })
    }

    pub(super) fn client_config(&self) -> Arc<ClientConfig> {
        self.config.clone()
    }

    /// A config whose verifier records what it saw; same roots, same verdicts.
    pub(super) fn recording_config(&self) -> (Arc<ClientConfig>, Recorder) {
        let recorder = Recorder::default();
        let inner = WebPkiServerVerifier::builder_with_provider(self.roots.clone(), self.provider.clone()).build();
        let mut config = (*self.config).clone();
        if let Ok(inner) = inner {
            let verifier = RecordingVerifier { inner, recorder: recorder.clone() };
            config.dangerous().set_certificate_verifier(Arc::new(verifier));
        }
        (Arc::new(config), recorder)
    }

    pub(super) async fn handshake(
        &self,
        config: Arc<ClientConfig>,
        tcp: TcpStream,
        sni: &str,
        addr: SocketAddr,
    ) -> Result<(TlsStream<TcpStream>, PeerInfo), ConnectError> {
        let name = ServerName::try_from(sni.trim_end_matches('.').to_owned())
            .map_err(|_| ConnectError::BadServerName { host: sni.to_owned() })?;
        let connect = TlsConnector::from(config).connect(name, tcp);
        let stream = match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, connect).await {
            Err(_) => return Err(ConnectError::TlsTimeout { addr, after: TLS_HANDSHAKE_TIMEOUT }),
            Ok(Err(e)) => {
                let rustls_error = e.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>());
                let problem = rustls_error.and_then(CertProblem::from_error);
                let message = rustls_error.map_or_else(|| e.to_string(), ToString::to_string);
                return Err(ConnectError::Tls { addr, message, problem });
            }
            Ok(Ok(s)) => s,
        };
        let peer = peer_info(stream.get_ref().1);
        Ok((stream, peer))
    }
}

pub(super) fn peer_info(conn: &rustls::ClientConnection) -> PeerInfo {
    PeerInfo {
        version: conn.protocol_version().map_or_else(|| "unknown".into(), |v| format!("{v:?}")),
        cipher_suite: conn.negotiated_cipher_suite().map_or_else(|| "unknown".into(), |s| format!("{:?}", s.suite())),
        alpn: conn.alpn_protocol().map(|p| String::from_utf8_lossy(p).into_owned()),
        chain: conn.peer_certificates().map(|c| c.iter().map(|d| d.clone().into_owned()).collect()).unwrap_or_default(),
    }
}

type Recorded = (Vec<CertificateDer<'static>>, Option<rustls::Error>);

/// What the recording verifier saw, shared with the caller.
#[derive(Debug, Clone, Default)]
pub(super) struct Recorder(Arc<Mutex<Recorded>>);

impl Recorder {
    pub(super) fn take(&self) -> Recorded {
        std::mem::take(&mut *self.0.locked())
    }
}

#[derive(Debug)]
struct RecordingVerifier {
    inner: Arc<WebPkiServerVerifier>,
    recorder: Recorder,
}

impl ServerCertVerifier for RecordingVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let result = self.inner.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now);
        let chain = std::iter::once(end_entity).chain(intermediates).map(|c| c.clone().into_owned()).collect();
        *self.recorder.0.locked() = (chain, result.as_ref().err().cloned());
        result
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}
