//! SigV4 for WebSocket upgrades to an AWS_IAM `$connect` (service
//! `execute-api`): the signature goes in the headers or, for clients that
//! cannot set headers, in the query string.
// (API Gateway Developer Guide, "Control access to WebSocket APIs with IAM authorization".)

use std::time::Duration;

use crate::net::ws::{UpgradeSignature, UpgradeSigner};
use crate::secret::Redactor;
use crate::sync::Locked;

/// How long a query-string signature is valid for: the upgrade is sent at once.
pub const PRESIGNED_FOR: Duration = Duration::from_secs(60);

/// Signs an upgrade for an AWS_IAM `$connect`: SigV4, service `execute-api`,
/// over the Host the request is sent with and the path API Gateway receives.
/// Every value it produces is remembered, to be masked in what the check reports.
pub struct IamSigner {
    identity: aws_smithy_runtime_api::client::identity::Identity,
    region: String,
    in_query: bool,
    /// Whose signature this is (never shown: evidence names no key).
    access_key_id: String,
    /// The path API Gateway receives when CloudFront changes it (OriginPath):
    /// what it verifies, so what is signed.
    pub gateway_path: Option<String>,
    produced: std::sync::Mutex<Redactor>,
}

impl IamSigner {
    pub fn new(credentials: aws_credential_types::Credentials, region: &str, in_query: bool) -> IamSigner {
        let mut produced = Redactor::default();
        if let Some(token) = credentials.session_token() {
            produced.add(token);
        }
        IamSigner {
            access_key_id: credentials.access_key_id().to_owned(),
            identity: credentials.into(),
            region: region.to_owned(),
            in_query,
            gateway_path: None,
            produced: std::sync::Mutex::new(produced),
        }
    }

    /// Who signs, for which region and where: two signers that sign as the
    /// same are interchangeable to IAM, whatever host they sign for.
    pub fn signs_as(&self) -> SignedAs {
        SignedAs { access_key_id: self.access_key_id.clone(), region: self.region.clone(), in_query: self.in_query }
    }

    /// Masks every signature value this signer produced (and the session token).
    pub fn redactor(&self) -> Redactor {
        self.produced.locked().clone()
    }

    /// Signs a GET of `target` (path and query) on `host` at `time`.
    pub fn sign_at(&self, host: &str, target: &str, time: std::time::SystemTime) -> Result<UpgradeSignature, String> {
        use aws_sigv4::http_request::{SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign};
        let (path, query) = match target.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (target, None),
        };
        let path = self.gateway_path.as_deref().unwrap_or(path);
        let uri = match query {
            Some(q) => format!("https://{host}{path}?{q}"),
            None => format!("https://{host}{path}"),
        };
        let mut settings = SigningSettings::default();
        if self.in_query {
            settings.signature_location = SignatureLocation::QueryParams;
            settings.expires_in = Some(PRESIGNED_FOR);
        }
        let params = aws_sigv4::sign::v4::SigningParams::builder()
            .identity(&self.identity)
            .region(&self.region)
            .name("execute-api")
            .time(time)
            .settings(settings)
            .build()
            .map_err(|e| format!("SigV4 parameters: {e}"))?
            .into();
        let signable = SignableRequest::new("GET", &uri, [("host", host)].into_iter(), SignableBody::Bytes(&[]))
            .map_err(|e| format!("the upgrade request cannot be signed: {e}"))?;
        let (instructions, signature) =
            sign(signable, &params).map_err(|e| format!("SigV4 signing failed: {e}"))?.into_parts();
        let (headers, query) = instructions.into_parts();
        let out = UpgradeSignature {
            headers: headers.into_iter().map(|h| (h.name().to_owned(), h.value().to_owned())).collect(),
            query: query.into_iter().map(|(k, v)| (k.to_owned(), v.into_owned())).collect(),
        };
        let mut produced = self.produced.locked();
        produced.add(&signature);
        for (k, v) in out.headers.iter().chain(&out.query) {
            if k.eq_ignore_ascii_case("authorization")
                || k.eq_ignore_ascii_case("x-amz-security-token")
                || k.eq_ignore_ascii_case("x-amz-credential")
                || k.eq_ignore_ascii_case("x-amz-signature")
            {
                produced.add(v);
            }
        }
        Ok(out)
    }
}

/// The principal, credential scope region and signature location of an
/// [`IamSigner`]. Its `Debug` leaves the access key id out.
#[derive(Clone, PartialEq, Eq)]
pub struct SignedAs {
    access_key_id: String,
    pub region: String,
    pub in_query: bool,
}

impl std::fmt::Debug for SignedAs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignedAs")
            .field("region", &self.region)
            .field("in_query", &self.in_query)
            .finish_non_exhaustive()
    }
}

impl UpgradeSigner for IamSigner {
    fn sign(&self, host: &str, target: &str) -> Result<UpgradeSignature, String> {
        self.sign_at(host, target, std::time::SystemTime::now())
    }
}
