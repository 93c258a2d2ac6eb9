//! `acm.*` checks: the certificate the public hop serves, as ACM knows it
//! (CloudFront's in us-east-1, or the API Gateway domain's in its region).

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx, NotApplicable};
use crate::checks::findings::Findings;
use crate::ids;
use crate::model::aws::*;
use crate::outcome::Outcome;
use crate::suite::Suite;

pub static CHECKS: &[CheckDef] = &[CheckDef {
    id: ids::ACM_CERTIFICATE,
    summary: "the public hop's ACM certificate is ISSUED, in the hop's region, covers the host and has at least \
              `tls.min_days_valid` days left",
    explain: "CloudFront serves an ACM certificate from us-east-1; a regional custom domain one from the API's \
              region. PENDING_VALIDATION needs the DNS validation CNAME; FAILED and VALIDATION_TIMED_OUT a new \
              request; EXPIRED and REVOKED a new certificate; INACTIVE is unknown. ACM renews automatically only \
              while DNS validation still works, and never renews an imported certificate.",
    docs: "https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html",
    requires: &[],
    after: &[],
    applies: needs_public_hop,
    run: run_certificate,
}];

fn needs_public_hop(s: &Suite) -> Result<(), NotApplicable> {
    if s.cloudfront.is_some() || s.custom_domain.is_some() {
        Ok(())
    } else {
        Err(NotApplicable::new("needs `[cloudfront] distribution_id` or `[custom_domain] name`"))
    }
}

/// What a certificate status means for the hop that serves it, and the fix.
/// `None`: ISSUED. An undocumented status is unknown, never a guessed failure.
fn status_problem(status: &str, arn: &str) -> Option<Result<(String, String), String>> {
    let fail = |m: String, h: &str| Some(Ok((m, h.to_owned())));
    match status {
        "ISSUED" => None,
        "PENDING_VALIDATION" => fail(
            "certificate status is PENDING_VALIDATION: ACM has not validated the domain, so it is not issued".into(),
            &format!(
                "add the DNS validation CNAME (aws acm describe-certificate --certificate-arn {arn} → \
                 DomainValidationOptions[].ResourceRecord) to the domain's DNS; ACM keeps trying for 72 hours"
            ),
        ),
        "FAILED" | "VALIDATION_TIMED_OUT" => fail(
            format!("certificate status is {status}: the request was not validated and will not be issued"),
            "delete the request, correct the DNS (or email) validation and request the certificate again, then attach it",
        ),
        "EXPIRED" => fail(
            "certificate status is EXPIRED".into(),
            "request (or reimport) a current certificate and attach it; ACM renews only eligible, validated certificates",
        ),
        "REVOKED" => fail(
            "certificate status is REVOKED: revocation is permanent and clients checking OCSP/CRL refuse it".into(),
            "request a new certificate covering the host and attach it (a revoked certificate cannot be reused)",
        ),
        other => Some(Err(format!(
            "certificate {arn} status is {other}, not ISSUED; what the serving hop does with it is not documented"
        ))),
    }
}

/// `now` in seconds since the Unix epoch. `want_region`: where the hop needs
/// its certificate (us-east-1 for CloudFront, the API's region for a regional
/// custom domain), compared with the ARN's region.
pub fn judge_certificate(
    c: Option<&CertificateFacts>,
    arn: &str,
    host: &str,
    min_days: u32,
    now: i64,
    want_region: Option<(&str, &str)>,
) -> Outcome {
    let Some(c) = c else {
        return Outcome::fail(
            format!("certificate {arn} does not exist in ACM"),
            "attach an ISSUED ACM certificate covering the host",
        );
    };
    let mut f = Findings::new();
    f.evidence("certificate_arn", arn);
    if let Some((want, hop)) = want_region {
        match arn.split(':').nth(3).filter(|r| !r.is_empty()) {
            Some(r) if r == want => f.evidence("certificate_region", r),
            Some(r) => f.fail(
                format!("the certificate is in {r}, but {hop} uses ACM certificates from {want} only"),
                format!("request or import the certificate for {host} in {want} and attach it to {hop}"),
            ),
            None => f.unknown(format!("certificate {arn}: no region in the ARN")),
        }
    }
    match c.status.as_deref() {
        None => f.unknown(format!("certificate {arn}: status is not reported by the endpoint")),
        Some(status) => {
            f.evidence("status", status);
            match status_problem(status, arn) {
                None => {}
                Some(Ok((message, hint))) => f.fail(message, hint),
                Some(Err(unknown)) => f.unknown(unknown),
            }
        }
    }
    let names: Vec<&String> = c.domain_name.iter().chain(c.subject_alternative_names.iter()).collect();
    f.evidence("names", names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    if !names.iter().any(|n| name_covers(n, host)) {
        f.fail(
            format!(
                "the certificate covers {} but not {host}",
                names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
            ),
            format!("attach a certificate whose SubjectAlternativeNames include {host}"),
        );
    }
    let Some(not_after) = c.not_after else {
        f.unknown(format!("certificate {arn}: notAfter is not reported by the endpoint"));
        return f.outcome("");
    };
    let days = (not_after - now).div_euclid(86_400);
    f.certificate_expiry(not_after, days);
    if not_after <= now {
        f.fail(
            format!("the certificate expired {} day(s) ago", (now - not_after) / 86_400),
            "renew or replace the certificate",
        );
    } else if days < i64::from(min_days) {
        f.fail(
            format!("the certificate expires in {days} day(s), less than the {min_days} the suite asks for"),
            "renew the certificate: ACM renews a DNS-validated certificate automatically only while its validation \
             CNAME still resolves; an imported certificate is never renewed by ACM (reimport it)",
        );
    }
    f.outcome(format!("certificate ISSUED for {host}, {days} days left"))
}

fn run_certificate(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let suite = &ctx.suite;
        let cloudfront = suite.cloudfront.is_some();
        let arn = if cloudfront {
            match aws.distribution().await {
                Ok(Some(d)) => match &d.acm_certificate_arn {
                    Some(a) => a.clone(),
                    None => {
                        return Outcome::skip(
                            "the distribution's viewer certificate is not from ACM (see cloudfront.distribution)",
                        );
                    }
                },
                Ok(None) => return Outcome::skip("the distribution does not exist (see cloudfront.distribution)"),
                Err(e) => return Outcome::from(e),
            }
        } else {
            let name = suite.custom_domain.as_ref().map(|c| c.name.clone()).unwrap_or_default();
            match aws.domain(&name).await {
                Ok(Some(d)) => match &d.certificate_arn {
                    Some(a) => a.clone(),
                    None => {
                        return Outcome::error(format!(
                            "custom domain {name}: certificateArn is not reported by the endpoint"
                        ));
                    }
                },
                Ok(None) => return Outcome::skip(format!("custom domain {name} does not exist (see apigw.domain)")),
                Err(e) => return Outcome::from(e),
            }
        };
        let cert = match aws.certificate(&arn).await {
            Ok(c) => c,
            Err(e) => return Outcome::from(e),
        };
        let now = chrono::Utc::now().timestamp();
        let want_region = if cloudfront {
            ("us-east-1", "CloudFront")
        } else {
            (suite.region.as_str(), "a Regional API Gateway custom domain")
        };
        judge_certificate(cert.as_deref(), &arn, suite.host(), suite.tls.min_days_valid, now, Some(want_region))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn cert() -> CertificateFacts {
        CertificateFacts {
            arn: "arn:aws:acm:us-east-1:1:certificate/x".into(),
            domain_name: Some("ws.example.com".into()),
            subject_alternative_names: vec!["ws.example.com".into()],
            status: Some("ISSUED".into()),
            not_after: Some(NOW + 365 * DAY),
        }
    }

    fn judge(c: &CertificateFacts) -> Outcome {
        judge_certificate(Some(c), &c.arn, "ws.example.com", 14, NOW, None)
    }

    #[test]
    fn certificate_pass_and_failures() {
        assert_eq!(judge(&cert()).status(), Status::Pass);
        assert_eq!(judge_certificate(None, "arn", "ws.example.com", 14, NOW, None).status(), Status::Fail);
        let mut c = cert();
        c.status = Some("EXPIRED".into());
        c.not_after = Some(NOW - DAY);
        let o = judge(&c);
        assert!(
            o.verdict.message().contains("EXPIRED") && o.verdict.message().contains("expired 1 day(s) ago"),
            "{o:?}"
        );
        let mut c = cert();
        c.not_after = Some(NOW + 9 * DAY + 10);
        assert!(judge(&c).verdict.message().contains("expires in 9 day(s)"));
        let mut c = cert();
        c.domain_name = Some("other.example.com".into());
        c.subject_alternative_names = vec!["other.example.com".into()];
        assert!(judge(&c).verdict.message().contains("not ws.example.com"));
        let mut c = cert();
        c.subject_alternative_names = vec!["*.example.com".into()];
        c.domain_name = None;
        assert_eq!(judge(&c).status(), Status::Pass);
        let mut c = cert();
        c.not_after = None;
        assert_eq!(judge(&c).status(), Status::Error);
    }

    // AWS: ACM API Reference, "CertificateDetail" (Status) — "A certificate enters status PENDING_VALIDATION
    // upon being requested … ACM makes repeated attempts to validate a certificate for 72 hours and then
    // times out. If a certificate shows status FAILED or VALIDATION_TIMED_OUT, delete the request, correct
    // the issue with DNS validation or Email validation, and try again. If validation succeeds, the
    // certificate enters status ISSUED"; "DnsValidationChallenge" — the CNAME record "that you must add to
    // your DNS configuration"; ACM User Guide, "Revoke an AWS Certificate Manager public certificate" —
    // "Revoking a certificate is permanent". Each state fails with its own fix; INACTIVE (and any status
    // AWS does not describe) is unknown, never a guessed failure.
    #[test]
    fn each_status_has_its_own_fix() {
        let with = |s: &str| judge(&CertificateFacts { status: Some(s.into()), ..cert() });
        let o = with("PENDING_VALIDATION");
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("CNAME") && h.contains("ResourceRecord")), "{o:?}");
        for s in ["FAILED", "VALIDATION_TIMED_OUT"] {
            let o = with(s);
            assert_eq!(o.status(), Status::Fail, "{o:?}");
            assert!(o.verdict.hint().is_some_and(|h| h.contains("delete the request")), "{o:?}");
        }
        let o = with("REVOKED");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("new certificate")), "{o:?}");
        let o = with("EXPIRED");
        assert!(o.verdict.message().contains("EXPIRED"), "{o:?}");
        let o = with("INACTIVE");
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("INACTIVE"), "{o:?}");
    }

    // AWS: API Gateway Developer Guide, "Set up a Regional custom domain name in API Gateway" — "You must
    // provide a Region-specific ACM certificate. This certificate must be in the same Region as your API";
    // CloudFront API Reference, "ViewerCertificate" — "CloudFront only supports ACM certificates in the US
    // East (N. Virginia) Region (us-east-1)".
    #[test]
    fn the_certificate_must_be_in_the_hops_region() {
        let c = cert();
        let cf = Some(("us-east-1", "CloudFront"));
        assert_eq!(judge_certificate(Some(&c), &c.arn, "ws.example.com", 14, NOW, cf).status(), Status::Pass);
        let regional = Some(("ap-northeast-1", "a Regional API Gateway custom domain"));
        let o = judge_certificate(Some(&c), &c.arn, "ws.example.com", 14, NOW, regional);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            o.verdict.message().contains("us-east-1") && o.verdict.hint().unwrap().contains("ap-northeast-1"),
            "{o:?}"
        );
    }
}
