//! `acm.*` checks: the certificate the public hop serves, as ACM knows it
//! (CloudFront's in us-east-1, or the API Gateway domain's in its region).

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx};
use crate::checks::route::Findings;
use crate::facts::aws::model::*;
use crate::outcome::Outcome;
use crate::suite::Suite;

pub static CHECKS: &[CheckDef] = &[CheckDef {
    id: "acm.certificate",
    summary: "the public hop's ACM certificate is ISSUED, covers the host and has at least `tls.min_days_valid` days left",
    explain: "CloudFront serves an ACM certificate from us-east-1; a regional custom domain one from the API's \
              region. ACM renews automatically only while DNS validation still works.",
    docs: "https://docs.aws.amazon.com/acm/latest/userguide/acm-certificate.html",
    requires: &[],
    after: &[],
    applies: needs_public_hop,
    run: run_certificate,
}];

fn needs_public_hop(s: &Suite) -> Result<(), String> {
    if s.cloudfront.is_some() || s.custom_domain.is_some() {
        Ok(())
    } else {
        Err("needs `[cloudfront] distribution_id` or `[custom_domain] name`".into())
    }
}

/// `now` in seconds since the Unix epoch.
pub fn judge_certificate(c: Option<&CertificateFacts>, arn: &str, host: &str, min_days: u32, now: i64) -> Outcome {
    let Some(c) = c else {
        return Outcome::fail(
            format!("certificate {arn} does not exist in ACM"),
            "attach an ISSUED ACM certificate covering the host",
        );
    };
    let mut f = Findings::new();
    f.evidence("certificate_arn", arn);
    match c.status.as_deref() {
        None => f.unknown(format!("certificate {arn}: status is not reported by the endpoint")),
        Some(status) => {
            f.evidence("status", status);
            if status != "ISSUED" {
                f.fail(
                    format!("certificate status is {status}"),
                    "request or import a new certificate and attach it (status must be ISSUED)",
                );
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
    f.evidence("days_left", days);
    if not_after <= now {
        f.fail(
            format!("the certificate expired {} day(s) ago", (now - not_after) / 86_400),
            "renew or replace the certificate",
        );
    } else if days < i64::from(min_days) {
        f.fail(
            format!("the certificate expires in {days} day(s), less than the {min_days} the suite asks for"),
            "renew the certificate (check its DNS validation records so ACM can renew it)",
        );
    }
    f.outcome(format!("certificate ISSUED for {host}, {days} days left"))
}

fn run_certificate(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let suite = &ctx.suite;
        let arn = if suite.cloudfront.is_some() {
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
                Err(e) => return Outcome::error(e),
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
                Err(e) => return Outcome::error(e),
            }
        };
        let cert = match aws.certificate(&arn).await {
            Ok(c) => c,
            Err(e) => return Outcome::error(e),
        };
        let now = chrono::Utc::now().timestamp();
        judge_certificate(cert.as_deref(), &arn, suite.host(), suite.tls.min_days_valid, now)
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
        judge_certificate(Some(c), &c.arn, "ws.example.com", 14, NOW)
    }

    #[test]
    fn certificate_pass_and_failures() {
        assert_eq!(judge(&cert()).status(), Status::Pass);
        assert_eq!(judge_certificate(None, "arn", "ws.example.com", 14, NOW).status(), Status::Fail);
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
}
