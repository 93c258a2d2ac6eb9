//! SigV4 verification for the sandbox's AWS endpoints (control plane and
//! `@connections`). The signature is recomputed with the `aws-sigv4` crate —
//! the same signer, settings and canonicalization the SDK clients use — so a
//! request the real SDK signs with the sandbox credentials verifies, and any
//! change to the secret, path, query, signed headers or body does not.

use std::fmt;
use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use aws_smithy_runtime_api::client::identity::Identity;

use super::model;

const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// The credential scope of a verified request (`Credential=AKID/date/region/service/aws4_request`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scope {
    pub access_key_id: String,
    /// `YYYYMMDD`.
    pub date: String,
    pub region: String,
    pub service: String,
}

/// Why a request was refused, named as AWS names the failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SigV4Error {
    /// No `Authorization` header (or not a SigV4 one).
    MissingAuthenticationToken,
    /// The header is SigV4 but malformed (missing Credential/SignedHeaders/Signature, bad scope, no `x-amz-date`).
    IncompleteSignature(&'static str),
    /// The access key id is not the sandbox's.
    UnrecognizedClient,
    /// The recomputed signature differs.
    SignatureDoesNotMatch,
}

impl SigV4Error {
    /// The error code REST-JSON services (and JSON 1.1) return.
    pub fn json_code(&self) -> &'static str {
        match self {
            SigV4Error::MissingAuthenticationToken => "MissingAuthenticationTokenException",
            SigV4Error::IncompleteSignature(_) => "IncompleteSignatureException",
            SigV4Error::UnrecognizedClient => "UnrecognizedClientException",
            SigV4Error::SignatureDoesNotMatch => "InvalidSignatureException",
        }
    }

    /// The error code REST-XML services (CloudFront, Route 53) return.
    pub fn xml_code(&self) -> &'static str {
        match self {
            SigV4Error::MissingAuthenticationToken => "MissingAuthenticationToken",
            SigV4Error::IncompleteSignature(_) => "IncompleteSignature",
            SigV4Error::UnrecognizedClient => "InvalidClientTokenId",
            SigV4Error::SignatureDoesNotMatch => "SignatureDoesNotMatch",
        }
    }

    /// AWS's message; never contains request values.
    pub fn message(&self) -> String {
        match self {
            SigV4Error::MissingAuthenticationToken => "Missing Authentication Token".into(),
            SigV4Error::IncompleteSignature(what) => format!("Authorization header is incomplete: {what}"),
            SigV4Error::UnrecognizedClient => "The security token included in the request is invalid.".into(),
            SigV4Error::SignatureDoesNotMatch => "The request signature we calculated does not match the signature \
                 you provided. Check your AWS Secret Access Key and signing method."
                .into(),
        }
    }
}

impl fmt::Display for SigV4Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.xml_code(), self.message())
    }
}

impl std::error::Error for SigV4Error {}

/// The parsed `Authorization` header.
#[derive(Debug)]
struct Authorization<'a> {
    scope: Scope,
    signed_headers: Vec<&'a str>,
    signature: &'a str,
}

fn parse_authorization(value: &str) -> Result<Authorization<'_>, SigV4Error> {
    let rest =
        value.strip_prefix(ALGORITHM).filter(|r| r.starts_with(' ')).ok_or(SigV4Error::MissingAuthenticationToken)?;
    let (mut credential, mut signed, mut signature) = (None, None, None);
    for part in rest.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else { continue };
        match k {
            "Credential" => credential = Some(v),
            "SignedHeaders" => signed = Some(v),
            "Signature" => signature = Some(v),
            _ => {}
        }
    }
    let credential = credential.ok_or(SigV4Error::IncompleteSignature("no Credential"))?;
    let signed = signed.ok_or(SigV4Error::IncompleteSignature("no SignedHeaders"))?;
    let signature = signature.ok_or(SigV4Error::IncompleteSignature("no Signature"))?;
    Ok(Authorization {
        scope: parse_scope(credential)?,
        signed_headers: signed.split(';').filter(|h| !h.is_empty()).collect(),
        signature,
    })
}

/// `AKID/YYYYMMDD/region/service/aws4_request`.
fn parse_scope(credential: &str) -> Result<Scope, SigV4Error> {
    let parts: Vec<&str> = credential.split('/').collect();
    let [akid, date, region, service, terminator] = parts[..] else {
        return Err(SigV4Error::IncompleteSignature("bad Credential scope"));
    };
    if terminator != "aws4_request" || date.len() != 8 || region.is_empty() || service.is_empty() {
        return Err(SigV4Error::IncompleteSignature("bad Credential scope"));
    }
    Ok(Scope { access_key_id: akid.into(), date: date.into(), region: region.into(), service: service.into() })
}

/// `YYYYMMDDTHHMMSSZ` → time.
fn parse_amz_date(value: &str) -> Option<SystemTime> {
    let t = chrono::NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%SZ").ok()?;
    Some(SystemTime::from(t.and_utc()))
}

/// Compares without an early exit so timing reveals nothing about the expected signature.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Verifies the SigV4 `Authorization` header of a request against the sandbox
/// credentials ([`model::ACCESS_KEY_ID`] / [`model::SECRET_ACCESS_KEY`]) and
/// returns its credential scope. `parts.uri` is the request target as received
/// (already percent-encoded), as the signer expects.
pub fn verify(parts: &http::request::Parts, body: &[u8]) -> Result<Scope, SigV4Error> {
    verify_header(parts, body).map(|(scope, _)| scope)
}

/// [`verify`], also returning the signing time (`X-Amz-Date`): the caller
/// decides whether it is too old.
fn verify_header(parts: &http::request::Parts, body: &[u8]) -> Result<(Scope, SystemTime), SigV4Error> {
    let auth_value = parts
        .headers
        .get(http::header::AUTHORIZATION)
        .ok_or(SigV4Error::MissingAuthenticationToken)?
        .to_str()
        .map_err(|_| SigV4Error::MissingAuthenticationToken)?;
    let auth = parse_authorization(auth_value)?;
    if auth.scope.access_key_id != model::ACCESS_KEY_ID {
        return Err(SigV4Error::UnrecognizedClient);
    }
    let time = parts
        .headers
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_amz_date)
        .ok_or(SigV4Error::IncompleteSignature("no valid X-Amz-Date"))?;
    let uri = parts.uri.path_and_query().map(|pq| pq.as_str()).unwrap_or("/");
    let signature = recompute(parts, uri, &auth.signed_headers, &auth.scope, time, SigningSettings::default(), body)?;
    if !constant_time_eq(signature.as_bytes(), auth.signature.as_bytes()) {
        return Err(SigV4Error::SignatureDoesNotMatch);
    }
    Ok((auth.scope, time))
}

/// The signature the sandbox credentials give `parts` (target `uri`), over
/// the headers the client says it signed.
fn recompute(
    parts: &http::request::Parts,
    uri: &str,
    signed_headers: &[&str],
    scope: &Scope,
    time: SystemTime,
    settings: SigningSettings,
    body: &[u8],
) -> Result<String, SigV4Error> {
    // The signer needs a Host to canonicalize a relative request target; a
    // request whose Host is unsigned cannot verify anyway.
    if !signed_headers.contains(&"host") || !parts.headers.contains_key(http::header::HOST) {
        return Err(SigV4Error::SignatureDoesNotMatch);
    }
    // Only the headers the client signed, and not those the signer adds itself
    // (x-amz-date comes from `time`; a second copy would change the canonical form).
    let mut headers: Vec<(&str, &str)> = Vec::new();
    for name in signed_headers {
        if *name == "x-amz-date" {
            continue;
        }
        let values = parts.headers.get_all(*name);
        let mut any = false;
        for v in values {
            any = true;
            let v = v.to_str().map_err(|_| SigV4Error::SignatureDoesNotMatch)?;
            headers.push((name, v));
        }
        if !any {
            return Err(SigV4Error::SignatureDoesNotMatch);
        }
    }
    let identity: Identity =
        Credentials::new(model::ACCESS_KEY_ID, model::SECRET_ACCESS_KEY, None, None, "wsconform-sandbox").into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(&scope.region)
        .name(&scope.service)
        .time(time)
        .settings(settings)
        .build()
        .map_err(|_| SigV4Error::SignatureDoesNotMatch)?
        .into();
    let signable = SignableRequest::new(parts.method.as_str(), uri, headers.into_iter(), SignableBody::Bytes(body))
        .map_err(|_| SigV4Error::SignatureDoesNotMatch)?;
    let (_, signature) = sign(signable, &params).map_err(|_| SigV4Error::SignatureDoesNotMatch)?.into_parts();
    Ok(signature)
}

/// The query parameters a presigning signer adds (never part of what it signs over).
const PRESIGN_PARAMS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// A verified request: its scope, when it was signed, and (query form) for how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub scope: Scope,
    pub signed_at: SystemTime,
    /// `X-Amz-Expires`, for a signature in the query string.
    pub expires_in: Option<std::time::Duration>,
}

/// Verifies a bodiless request (a WebSocket upgrade) signed either way: the
/// `Authorization` header, or the query string (`X-Amz-Signature`, …).
pub fn verify_either(parts: &http::request::Parts) -> Result<Verified, SigV4Error> {
    let query = parts.uri.query().unwrap_or("");
    let presigned = url::form_urlencoded::parse(query.as_bytes()).any(|(k, _)| k == "X-Amz-Signature");
    if !presigned {
        return verify_header(parts, b"").map(|(scope, signed_at)| Verified { scope, signed_at, expires_in: None });
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    let get = |name: &str| pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    if get("X-Amz-Algorithm") != Some(ALGORITHM) {
        return Err(SigV4Error::IncompleteSignature("bad X-Amz-Algorithm"));
    }
    let credential = get("X-Amz-Credential").ok_or(SigV4Error::IncompleteSignature("no X-Amz-Credential"))?;
    let scope = parse_scope(credential)?;
    if scope.access_key_id != model::ACCESS_KEY_ID {
        return Err(SigV4Error::UnrecognizedClient);
    }
    let signed_at =
        get("X-Amz-Date").and_then(parse_amz_date).ok_or(SigV4Error::IncompleteSignature("no valid X-Amz-Date"))?;
    let expires = get("X-Amz-Expires")
        .and_then(|v| v.parse::<u64>().ok())
        .map(std::time::Duration::from_secs)
        .ok_or(SigV4Error::IncompleteSignature("no valid X-Amz-Expires"))?;
    let signed_headers: Vec<&str> = get("X-Amz-SignedHeaders")
        .ok_or(SigV4Error::IncompleteSignature("no X-Amz-SignedHeaders"))?
        .split(';')
        .filter(|h| !h.is_empty())
        .collect();
    let signature = get("X-Amz-Signature").unwrap_or_default();
    // The target without the signer's parameters, the rest as received.
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let name = p.split('=').next().unwrap_or_default();
            !PRESIGN_PARAMS.contains(&name)
        })
        .filter(|p| !p.is_empty())
        .collect();
    let uri =
        if kept.is_empty() { parts.uri.path().to_owned() } else { format!("{}?{}", parts.uri.path(), kept.join("&")) };
    let mut settings = SigningSettings::default();
    settings.signature_location = aws_sigv4::http_request::SignatureLocation::QueryParams;
    settings.expires_in = Some(expires);
    let expected = recompute(parts, &uri, &signed_headers, &scope, signed_at, settings, b"")?;
    if !constant_time_eq(expected.as_bytes(), signature.as_bytes()) {
        return Err(SigV4Error::SignatureDoesNotMatch);
    }
    Ok(Verified { scope, signed_at, expires_in: Some(expires) })
}

/// `YYYYMMDDTHHMMSSZ` for messages.
pub fn amz_date(t: SystemTime) -> String {
    chrono::DateTime::<chrono::Utc>::from(t).format("%Y%m%dT%H%M%SZ").to_string()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    fn signed(
        secret: &str,
        method: &str,
        uri: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> (http::request::Parts, Vec<u8>) {
        signed_for(secret, "apigateway", method, uri, body, extra)
    }

    /// Signs like the SDK does: headers in, signing instructions applied.
    pub(crate) fn signed_for(
        secret: &str,
        service: &str,
        method: &str,
        uri: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> (http::request::Parts, Vec<u8>) {
        let mut req = http::Request::builder().method(method).uri(uri).header("host", "127.0.0.1:4566");
        for (k, v) in extra {
            req = req.header(*k, *v);
        }
        let mut req = req.body(body.to_vec()).expect("valid test request");
        let identity: Identity = Credentials::new(model::ACCESS_KEY_ID, secret, None, None, "test").into();
        let params = v4::SigningParams::builder()
            .identity(&identity)
            .region("ap-northeast-1")
            .name(service)
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .expect("params")
            .into();
        let headers: Vec<(String, String)> = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_string(), v.to_str().expect("ascii").to_string()))
            .collect();
        let full_uri = format!("http://127.0.0.1:4566{uri}");
        let signable = SignableRequest::new(
            method,
            full_uri.as_str(),
            headers.iter().map(|(k, v)| (k.as_str(), v.as_str())),
            SignableBody::Bytes(body),
        )
        .expect("signable");
        let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
        instructions.apply_to_request_http1x(&mut req);
        let (parts, body) = req.into_parts();
        (parts, body)
    }

    #[test]
    fn a_request_signed_with_the_sandbox_key_verifies() {
        let (parts, body) =
            signed(model::SECRET_ACCESS_KEY, "GET", "/v2/apis/a1b2c3d4e5?x=a%20b", b"", &[("x-amz-user-agent", "t")]);
        let scope = verify(&parts, &body).expect("verifies");
        assert_eq!(scope.access_key_id, model::ACCESS_KEY_ID);
        assert_eq!(scope.region, "ap-northeast-1");
        assert_eq!(scope.service, "apigateway");
        assert_eq!(scope.date.len(), 8);
    }

    #[test]
    fn a_body_and_an_encoded_path_verify() {
        let (parts, body) = signed(
            model::SECRET_ACCESS_KEY,
            "POST",
            "/Prod/%40connections/L0SM9cOFvHcCIhw%3D",
            b"{\"hello\":1}",
            &[("content-type", "application/json")],
        );
        assert!(verify(&parts, &body).is_ok());
    }

    #[test]
    fn a_wrong_secret_does_not_match() {
        let (parts, body) = signed("wrong-secret", "GET", "/v2/apis", b"", &[]);
        assert_eq!(verify(&parts, &body), Err(SigV4Error::SignatureDoesNotMatch));
    }

    #[test]
    fn a_tampered_path_does_not_match() {
        let (mut parts, body) = signed(model::SECRET_ACCESS_KEY, "GET", "/v2/apis/a1b2c3d4e5", b"", &[]);
        parts.uri = "/v2/apis/zzzzzzzzzz".parse().expect("uri");
        assert_eq!(verify(&parts, &body), Err(SigV4Error::SignatureDoesNotMatch));
    }

    #[test]
    fn a_tampered_body_does_not_match() {
        let (parts, _) = signed(model::SECRET_ACCESS_KEY, "POST", "/", b"original", &[]);
        assert_eq!(verify(&parts, b"tampered"), Err(SigV4Error::SignatureDoesNotMatch));
    }

    #[test]
    fn a_tampered_signed_header_does_not_match() {
        let (mut parts, body) = signed(model::SECRET_ACCESS_KEY, "GET", "/", b"", &[("x-amz-target", "A.B")]);
        parts.headers.insert("x-amz-target", http::HeaderValue::from_static("A.C"));
        assert_eq!(verify(&parts, &body), Err(SigV4Error::SignatureDoesNotMatch));
    }

    #[test]
    fn a_missing_header_is_missing_authentication_token() {
        let (mut parts, body) = signed(model::SECRET_ACCESS_KEY, "GET", "/", b"", &[]);
        parts.headers.remove(http::header::AUTHORIZATION);
        assert_eq!(verify(&parts, &body), Err(SigV4Error::MissingAuthenticationToken));
    }

    #[test]
    fn an_unknown_access_key_is_unrecognized() {
        let (mut parts, body) = signed(model::SECRET_ACCESS_KEY, "GET", "/", b"", &[]);
        let value = parts.headers[http::header::AUTHORIZATION]
            .to_str()
            .expect("ascii")
            .replace(model::ACCESS_KEY_ID, "AKIAOTHER");
        parts.headers.insert(http::header::AUTHORIZATION, value.parse().expect("header"));
        assert_eq!(verify(&parts, &body), Err(SigV4Error::UnrecognizedClient));
    }

    #[test]
    fn malformed_headers_are_refused_without_panicking() {
        for value in [
            "AWS4-HMAC-SHA256 Credential=x",
            "AWS4-HMAC-SHA256 Credential=a/b/c/d/e, SignedHeaders=host, Signature=00",
            "Basic dXNlcjpwYXNz",
            "AWS4-HMAC-SHA256",
        ] {
            let (mut parts, body) = signed(model::SECRET_ACCESS_KEY, "GET", "/", b"", &[]);
            parts.headers.insert(http::header::AUTHORIZATION, value.parse().expect("header"));
            assert!(verify(&parts, &body).is_err(), "{value}");
        }
    }

    #[test]
    fn messages_never_carry_request_values() {
        assert!(SigV4Error::SignatureDoesNotMatch.message().starts_with("The request signature we calculated"));
        assert_eq!(SigV4Error::SignatureDoesNotMatch.xml_code(), "SignatureDoesNotMatch");
    }
}
