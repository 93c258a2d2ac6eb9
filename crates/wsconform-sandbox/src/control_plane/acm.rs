//! acm (JSON 1.1, `X-Amz-Target: CertificateManager.*`): DescribeCertificate.
//! ACM is regional: a certificate is only found through the region it lives
//! in, which is how "the CloudFront certificate is not in us-east-1" shows.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::wire::{Answer, AwsError, CREATED_EPOCH, Request};
use crate::model::{Certificate, Deployment};

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

pub fn route(d: &Deployment, req: &Request<'_>) -> Routed {
    if req.method != http::Method::POST || !req.path().is_empty() {
        return None;
    }
    let target = req.headers.get("x-amz-target")?.to_str().ok()?;
    match target {
        "CertificateManager.DescribeCertificate" => Some(("DescribeCertificate", describe(d, req))),
        _ => None,
    }
}

fn describe(d: &Deployment, req: &Request<'_>) -> Result<Answer, AwsError> {
    let input: serde_json::Value = serde_json::from_slice(req.body)
        .map_err(|_| AwsError::new(400, "SerializationException", "The request body is not valid JSON."))?;
    let arn = input.get("CertificateArn").and_then(|v| v.as_str()).ok_or_else(|| {
        AwsError::new(400, "ValidationException", "1 validation error detected: CertificateArn is required")
    })?;
    if !arn.starts_with("arn:aws:acm:") {
        return Err(AwsError::new(400, "InvalidArnException", "The ARN is not valid."));
    }
    let cert =
        d.certificates.iter().find(|c| c.arn == arn && c.region == req.region).ok_or_else(|| {
            AwsError::new(400, "ResourceNotFoundException", format!("Could not find certificate {arn}."))
        })?;
    Ok(Answer::json11(json!({ "Certificate": detail(cert) })))
}

fn now_epoch() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(CREATED_EPOCH)
}

fn detail(c: &Certificate) -> serde_json::Value {
    let not_after = now_epoch() + c.not_after_in_secs;
    // ACM issues for 395 days; the start only has to precede the end.
    let not_before = not_after - 395 * 24 * 3600;
    json!({
        "CertificateArn": c.arn,
        "DomainName": c.domain_name,
        "SubjectAlternativeNames": c.subject_alternative_names,
        "DomainValidationOptions": c.subject_alternative_names.iter().map(|n| json!({
            "DomainName": n,
            "ValidationDomain": n,
            "ValidationStatus": "SUCCESS",
            "ValidationMethod": "DNS",
        })).collect::<Vec<_>>(),
        "Serial": "0a:1b:2c:3d:4e:5f:60:71:82:93:a4:b5:c6:d7:e8:f9",
        "Subject": format!("CN={}", c.domain_name),
        "Issuer": "Amazon",
        "CreatedAt": not_before,
        "IssuedAt": not_before,
        "Status": c.status,
        "NotBefore": not_before,
        "NotAfter": not_after,
        "KeyAlgorithm": "RSA-2048",
        "SignatureAlgorithm": "SHA256WITHRSA",
        "InUseBy": c.in_use_by,
        "Type": "AMAZON_ISSUED",
        "RenewalEligibility": "ELIGIBLE",
        "KeyUsages": [{ "Name": "DIGITAL_SIGNATURE" }, { "Name": "KEY_ENCIPHERMENT" }],
        "ExtendedKeyUsages": [{ "Name": "TLS_WEB_SERVER_AUTHENTICATION", "OID": "1.3.6.1.5.5.7.3.1" }],
        "Options": { "CertificateTransparencyLoggingPreference": "ENABLED" },
    })
}
