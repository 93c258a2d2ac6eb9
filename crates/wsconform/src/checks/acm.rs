//! `acm.*` checks: the certificate the public hop serves, as ACM knows it
//! (CloudFront's in us-east-1, or the API Gateway domain's in its region).

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx, NotApplicable};
use crate::checks::findings::Findings;
use crate::fix::{Fix, Resource, Wanted};
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
              while DNS validation still works (an EMAIL-validated one when the owner approves the renewal email), \
              and never renews an imported certificate. A PRIVATE certificate fails, naming its CA; CT logging \
              DISABLED, a stuck renewal, RenewalEligibility INELIGIBLE on an ACM-issued certificate and extended key \
              usages without server authentication are warnings.",
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
/// custom domain), compared with the ARN's region. `extra_ca`: the suite trusts a CA of its
/// own (`tls.extra_ca`), as clients of a private CA do.
/// A certificate's fix: never one field (ACM issues names and dates; a certificate is requested,
/// validated and attached, or renewed), so it is said in words, without a command.
fn cert_fix(arn: &str, field: &str, current: Option<String>, words: String) -> Fix {
    Fix {
        resource: Resource {
            kind: "AWS::CertificateManager::Certificate".into(),
            id: arn.into(),
            region: arn.split(':').nth(3).filter(|r| !r.is_empty()).map(str::to_owned),
        },
        field: field.into(),
        current,
        wanted: Wanted::Words(words),
        commands: vec![],
    }
}

pub fn judge_certificate(
    c: Option<&CertificateFacts>,
    arn: &str,
    host: &str,
    min_days: u32,
    now: i64,
    want_region: Option<(&str, &str)>,
    extra_ca: bool,
) -> Outcome {
    let Some(c) = c else {
        return Outcome::fail(
            format!("certificate {arn} does not exist in ACM"),
            "attach an ISSUED ACM certificate covering the host",
        )
        .with_fix(cert_fix(
            arn,
            "CertificateArn",
            None,
            format!("the ARN of an ISSUED ACM certificate covering {host}"),
        ));
    };
    let mut f = Findings::new();
    f.evidence("certificate_arn", arn);
    if let Some((want, hop)) = want_region {
        match arn.split(':').nth(3).filter(|r| !r.is_empty()) {
            Some(r) if r == want => f.evidence("certificate_region", r),
            Some(r) => f.fail_with_fix(
                format!("the certificate is in {r}, but {hop} uses ACM certificates from {want} only"),
                format!("request or import the certificate for {host} in {want} and attach it to {hop}"),
                cert_fix(
                    arn,
                    "Region",
                    Some(r.into()),
                    format!("a certificate for {host} requested or imported in {want}, attached to {hop}"),
                ),
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
                Some(Ok((message, hint))) => {
                    let fix = cert_fix(arn, "Status", Some(status.into()), format!("ISSUED: {hint}"));
                    f.fail_with_fix(message, hint, fix)
                }
                Some(Err(unknown)) => f.unknown(unknown),
            }
        }
    }
    let names: Vec<&String> = c.domain_name.iter().chain(c.subject_alternative_names.iter()).collect();
    f.evidence("names", names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", "));
    if !names.iter().any(|n| name_covers(n, host)) {
        let covered = names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
        f.fail_with_fix(
            format!("the certificate covers {covered} but not {host}"),
            format!("attach a certificate whose SubjectAlternativeNames include {host}"),
            cert_fix(
                arn,
                "SubjectAlternativeNames",
                Some(covered.clone()),
                format!("a certificate whose SubjectAlternativeNames include {host}, requested, validated and attached in place of this one"),
            ),
        );
    }
    judge_trust(&mut f, c, extra_ca);
    let Some(not_after) = c.not_after else {
        f.unknown(format!("certificate {arn}: notAfter is not reported by the endpoint"));
        return f.outcome("");
    };
    let days = (not_after - now).div_euclid(86_400);
    f.certificate_expiry(not_after, days);
    judge_renewal(&mut f, c, arn, days);
    if not_after > now {
        judge_renewal_eligibility(&mut f, c, not_after, days);
    }
    if not_after <= now {
        f.fail_with_fix(
            format!("the certificate expired {} day(s) ago", (now - not_after) / 86_400),
            "renew or replace the certificate",
            cert_fix(
                arn,
                "NotAfter",
                None,
                "a certificate valid today: renewed (DNS validation), reimported, or replaced".into(),
            ),
        );
    } else if days < i64::from(min_days) {
        f.fail_with_fix(
            format!("the certificate expires in {days} day(s), less than the {min_days} the suite asks for"),
            "renew the certificate: ACM renews a DNS-validated certificate automatically only while its validation \
             CNAME still resolves; an imported certificate is never renewed by ACM (reimport it)",
            cert_fix(
                arn,
                "NotAfter",
                None,
                format!("at least {min_days} days away: renewed (its validation CNAME resolving) or reimported"),
            ),
        );
    }
    f.outcome(format!("certificate ISSUED for {host}, {days} days left"))
}

/// What decides whether clients accept the certificate beyond its names and dates: who issued
/// it (Type), its extended key usages and CT logging. (NotBefore is not judged: ACM issues a
/// certificate valid from issuance and refuses to import one "before its validity period begins".)
fn judge_trust(f: &mut Findings, c: &CertificateFacts, extra_ca: bool) {
    if c.cert_type.as_deref() == Some("PRIVATE") {
        f.evidence("type", "PRIVATE");
        let ca = match &c.certificate_authority_arn {
            Some(arn) => {
                f.evidence("certificate_authority", arn);
                format!("AWS Private CA {arn}")
            }
            None => "an AWS Private CA".to_owned(),
        };
        let message = format!(
            "the certificate is PRIVATE (issued by {ca}): clients trust it only if they trust that CA, and the \
             public hop needs a certificate from a publicly trusted CA"
        );
        let hint = "attach a public certificate (aws acm request-certificate --domain-name … --validation-method DNS), \
                    or one imported from a CA that clients trust";
        // A suite that trusts a CA of its own stands for clients that may trust this one.
        if extra_ca { f.warn(message, hint) } else { f.fail(message, hint) }
    }
    let server_auth = |e: &String| matches!(e.as_str(), "TLS_WEB_SERVER_AUTHENTICATION" | "ANY" | "NONE");
    if !c.extended_key_usages.is_empty() && !c.extended_key_usages.iter().any(server_auth) {
        f.warn(
            format!(
                "the certificate's ExtendedKeyUsages ({}) do not include TLS_WEB_SERVER_AUTHENTICATION: TLS clients \
                 refuse a server certificate whose extended key usage excludes server authentication",
                c.extended_key_usages.join(", ")
            ),
            "attach a certificate whose ExtendedKeyUsages include TLS_WEB_SERVER_AUTHENTICATION (serverAuth)",
        );
    }
    // Private certificates are never logged; CT applies to public ones.
    if c.transparency_logging.as_deref() == Some("DISABLED") && c.cert_type.as_deref() != Some("PRIVATE") {
        f.evidence("transparency_logging", "DISABLED");
        f.warn(
            "the certificate opted out of certificate transparency logging: some browsers require public \
             certificates to be logged and show an error for one that is not",
            "set Options.CertificateTransparencyLoggingPreference to ENABLED (aws acm update-certificate-options \
             --certificate-arn … --options CertificateTransparencyLoggingPreference=ENABLED) and have the \
             certificate reissued, so that it carries the logs' timestamps",
        );
    }
}

/// ACM's managed renewal (RenewalSummary, AMAZON_ISSUED only): a renewal that is stuck does not
/// break clients today, the expiry does (the days-left rule fails inside `min_days_valid`).
fn judge_renewal(f: &mut Findings, c: &CertificateFacts, arn: &str, days: i64) {
    let Some(status) = c.renewal_status.as_deref() else { return };
    f.evidence("renewal_status", status);
    let reason = c.renewal_status_reason.as_deref().map(|r| format!(" ({r})")).unwrap_or_default();
    let email = c.validation_method.as_deref() == Some("EMAIL");
    let hint = match status {
        // ACM renews by the method the certificate was validated with.
        "PENDING_VALIDATION" if email => format!(
            "approve the renewal in the validation email ACM sent to the domain's WHOIS contacts and admin addresses \
             (aws acm resend-validation-email --certificate-arn {arn} …), or request a DNS-validated certificate and \
             attach it"
        ),
        "PENDING_VALIDATION" => format!(
            "restore the DNS validation CNAME (aws acm describe-certificate --certificate-arn {arn} → \
             RenewalSummary.DomainValidationOptions[].ResourceRecord) so that ACM can validate the renewal"
        ),
        "FAILED" => "request a new certificate covering the host and attach it before the current one expires".into(),
        _ => return,
    };
    f.warn(
        format!(
            "ACM's managed renewal of the certificate is {status}{reason}: it is not being renewed and expires in \
             {days} day(s)"
        ),
        hint,
    );
}

/// Whether ACM will renew the certificate at all (RenewalEligibility) and what its renewal waits
/// for (the validation method). An imported certificate is never renewed by ACM, by design: that is
/// evidence (the days rule fails inside `min_days_valid`); an ACM-issued one that ACM will not renew
/// breaks clients at NotAfter unless someone replaces it: a warning with the date.
fn judge_renewal_eligibility(f: &mut Findings, c: &CertificateFacts, not_after: i64, days: i64) {
    let date = chrono::DateTime::from_timestamp(not_after, 0)
        .map_or_else(|| not_after.to_string(), |d| d.format("%Y-%m-%d").to_string());
    if let Some(method) = &c.validation_method {
        f.evidence("validation_method", method);
    }
    if let Some(e) = &c.renewal_eligibility {
        f.evidence("renewal_eligibility", e);
    }
    let imported = c.cert_type.as_deref() == Some("IMPORTED");
    if c.renewal_eligibility.as_deref() == Some("INELIGIBLE") {
        if imported {
            f.evidence(
                "renewal",
                format!("not managed by ACM (imported): reimport a renewed certificate before {date}"),
            );
        } else {
            f.warn(
                format!(
                    "ACM will not renew this certificate (RenewalEligibility INELIGIBLE): clients refuse it after \
                     {date}, in {days} day(s)"
                ),
                format!(
                    "replace it before {date}: request a new certificate covering the host (aws acm \
                     request-certificate --validation-method DNS) and attach it; ACM renews certificates that are in \
                     use by an AWS service such as CloudFront or API Gateway"
                ),
            );
        }
        return;
    }
    if c.validation_method.as_deref() == Some("EMAIL") && !imported {
        f.evidence(
            "renewal",
            format!(
                "email-validated: renewed only when the domain owner approves ACM's renewal email (sent from 45 days \
                 before {date}); a DNS-validated certificate renews without action"
            ),
        );
    }
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
        let extra_ca = suite.tls.extra_ca.is_some() || suite.tls.extra_ca_pem.is_some();
        judge_certificate(
            cert.as_deref(),
            &arn,
            suite.host(),
            suite.tls.min_days_valid,
            now,
            Some(want_region),
            extra_ca,
        )
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
            cert_type: Some("AMAZON_ISSUED".into()),
            key_algorithm: Some("RSA_2048".into()),
            transparency_logging: Some("ENABLED".into()),
            renewal_status: None,
            renewal_status_reason: None,
            extended_key_usages: vec!["TLS_WEB_SERVER_AUTHENTICATION".into(), "TLS_WEB_CLIENT_AUTHENTICATION".into()],
            in_use_by: vec!["arn:aws:cloudfront::1:distribution/E1".into()],
            certificate_authority_arn: None,
            renewal_eligibility: Some("ELIGIBLE".into()),
            validation_method: Some("DNS".into()),
        }
    }

    fn judge(c: &CertificateFacts) -> Outcome {
        judge_certificate(Some(c), &c.arn, "ws.example.com", 14, NOW, None, false)
    }

    // ACM issues a certificate's names and dates: no field change fixes them, so the fix is words.
    #[test]
    fn a_certificate_fix_is_words_naming_what_to_attach() {
        let c = CertificateFacts {
            subject_alternative_names: vec!["other.example.com".into()],
            domain_name: None,
            ..cert()
        };
        let o = judge(&c);
        let f = &o.fixes()[0];
        assert_eq!(
            (f.resource.kind.as_str(), f.resource.region.as_deref()),
            ("AWS::CertificateManager::Certificate", Some("us-east-1"))
        );
        assert_eq!((f.field.as_str(), f.current.as_deref()), ("SubjectAlternativeNames", Some("other.example.com")));
        assert!(
            matches!(&f.wanted, Wanted::Words(w) if w.contains("include ws.example.com")) && f.commands.is_empty(),
            "{f:?}"
        );
        let expired = CertificateFacts { not_after: Some(NOW - DAY), ..cert() };
        assert!(judge(&expired).fixes().iter().any(|f| f.field == "NotAfter"));
        assert!(judge(&cert()).fixes().is_empty());
    }

    #[test]
    fn certificate_pass_and_failures() {
        assert_eq!(judge(&cert()).status(), Status::Pass);
        assert_eq!(judge_certificate(None, "arn", "ws.example.com", 14, NOW, None, false).status(), Status::Fail);
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
        assert_eq!(judge_certificate(Some(&c), &c.arn, "ws.example.com", 14, NOW, cf, false).status(), Status::Pass);
        let regional = Some(("ap-northeast-1", "a Regional API Gateway custom domain"));
        let o = judge_certificate(Some(&c), &c.arn, "ws.example.com", 14, NOW, regional, false);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            o.verdict.message().contains("us-east-1") && o.verdict.hint().unwrap().contains("ap-northeast-1"),
            "{o:?}"
        );
    }

    // AWS: API Gateway Developer Guide, "Get certificates ready in AWS Certificate Manager" — for a Regional
    // custom domain "The certificate must be signed by a publicly trusted certificate authority and cover the
    // custom domain name"; CloudFront Developer Guide, "Requirements for using SSL/TLS certificates with
    // CloudFront" — "We recommend that you use a public certificate issued by ACM", else one from a CA on
    // Mozilla's list. A PRIVATE certificate fails, unless the suite trusts a CA of its own (a warning).
    #[test]
    fn a_private_certificate_fails_unless_the_suite_trusts_its_ca() {
        let c = CertificateFacts { cert_type: Some("PRIVATE".into()), ..cert() };
        let o = judge(&c);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("PRIVATE"), "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("public certificate")), "{o:?}");
        let o = judge_certificate(Some(&c), &c.arn, "ws.example.com", 14, NOW, None, true);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.iter().any(|w| w.message.contains("PRIVATE")), "{o:?}");
        // CertificateAuthorityArn names the CA clients would have to trust.
        let ca = "arn:aws:acm-pca:us-east-1:1:certificate-authority/12345678-1234-1234-1234-123456789012";
        let named = CertificateFacts { certificate_authority_arn: Some(ca.into()), ..c.clone() };
        let o = judge(&named);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains(&format!("issued by AWS Private CA {ca}")), "{o:?}");
        assert_eq!(o.evidence.get("certificate_authority"), Some(ca));
        assert!(judge(&c).verdict.message().contains("issued by an AWS Private CA"), "{o:?}");
        for t in ["AMAZON_ISSUED", "IMPORTED"] {
            let o = judge(&CertificateFacts { cert_type: Some(t.into()), ..cert() });
            assert_eq!(o.status(), Status::Pass, "{t}: {o:?}");
            assert!(o.warnings.is_empty(), "{t}: {o:?}");
        }
    }

    // AWS: ACM API Reference, "CertificateOptions" — "Some browsers require that public certificates issued
    // for your domain be recorded in a log. Certificates that are not logged typically generate a browser
    // error": DISABLED is a warning (other clients work); a PRIVATE certificate is never logged.
    #[test]
    fn certificate_transparency_opt_out_warns() {
        let o = judge(&CertificateFacts { transparency_logging: Some("DISABLED".into()), ..cert() });
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("transparency")).expect("a warning");
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("CertificateTransparencyLoggingPreference")), "{w:?}");
        assert!(judge(&cert()).warnings.is_empty());
    }

    // AWS: ACM API Reference, "RenewalSummary" — "the status of ACM's managed renewal for the certificate"
    // (PENDING_AUTO_RENEWAL | PENDING_VALIDATION | SUCCESS | FAILED), with RenewalStatusReason "The reason
    // that a renewal request was unsuccessful". The certificate works until NotAfter, so a stuck renewal is a
    // warning with the days left (the days rule fails inside `min_days_valid`).
    #[test]
    fn a_stuck_renewal_warns_with_the_expiry() {
        let with = |s: &str, r: Option<&str>| {
            judge(&CertificateFacts {
                renewal_status: Some(s.into()),
                renewal_status_reason: r.map(Into::into),
                not_after: Some(NOW + 40 * DAY),
                ..cert()
            })
        };
        let o = with("PENDING_VALIDATION", None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("renewal")).expect("a warning");
        assert!(w.message.contains("40 day(s)"), "{w:?}");
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("RenewalSummary.DomainValidationOptions")), "{w:?}");
        let o = with("FAILED", Some("CAA_ERROR"));
        assert!(o.warnings.iter().any(|w| w.message.contains("FAILED (CAA_ERROR)")), "{o:?}");
        for ok in ["PENDING_AUTO_RENEWAL", "SUCCESS"] {
            let o = with(ok, None);
            assert!(o.warnings.is_empty(), "{ok}: {o:?}");
            assert_eq!(o.evidence.get("renewal_status"), Some(ok));
        }
    }

    // AWS: ACM API Reference, "ExtendedKeyUsage" — "The Extended Key Usage X.509 v3 extension defines one or
    // more purposes for which the public key can be used"; TLS_WEB_SERVER_AUTHENTICATION is the server's.
    // That clients refuse a server certificate without it is RFC 5280's rule, not AWS's: a warning
    // (tls.certificate sees the handshake itself).
    #[test]
    fn extended_key_usages_without_server_authentication_warn() {
        let o = judge(&CertificateFacts { extended_key_usages: vec!["CODE_SIGNING".into()], ..cert() });
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("ExtendedKeyUsages")).expect("a warning");
        assert!(w.hint.as_deref().is_some_and(|h| h.contains("TLS_WEB_SERVER_AUTHENTICATION")), "{w:?}");
        for ok in [vec![], vec!["ANY".to_string()]] {
            assert!(judge(&CertificateFacts { extended_key_usages: ok, ..cert() }).warnings.is_empty());
        }
    }

    // AWS: ACM User Guide, "Managed certificate renewal in AWS Certificate Manager" — a certificate is "ELIGIBLE if
    // associated with another AWS service, such as ELB or CloudFront", "NOT ELIGIBLE if imported", "NOT ELIGIBLE if
    // already expired"; AWS re:Post Knowledge Center, "Why is my ACM certificate ineligible for renewal?" — "ACM
    // doesn't provide managed renewal for imported certificates". An ACM-issued certificate ACM will not renew works
    // until NotAfter: a warning with the date; an imported one is never renewed by design: evidence (the days rule
    // fails inside `min_days_valid`).
    #[test]
    fn a_certificate_acm_will_not_renew_warns_with_its_date_unless_imported() {
        let ineligible = |t: &str| CertificateFacts {
            cert_type: Some(t.into()),
            renewal_eligibility: Some("INELIGIBLE".into()),
            not_after: Some(NOW + 40 * DAY),
            ..cert()
        };
        let o = judge(&ineligible("AMAZON_ISSUED"));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = o.warnings.iter().find(|w| w.message.contains("will not renew")).expect("a warning");
        assert!(w.message.contains("after 2027-02-24, in 40 day(s)"), "{w:?}");
        assert!(w.hint.as_deref().is_some_and(|h| h.starts_with("replace it before 2027-02-24")), "{w:?}");
        assert_eq!(o.evidence.get("renewal_eligibility"), Some("INELIGIBLE"));

        let o = judge(&ineligible("IMPORTED"));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.is_empty(), "an imported certificate is renewed by its owner: {o:?}");
        assert_eq!(
            o.evidence.get("renewal"),
            Some("not managed by ACM (imported): reimport a renewed certificate before 2027-02-24")
        );

        // ELIGIBLE, and an expired certificate (already a failure): nothing more to say.
        let o = judge(&cert());
        assert!(o.warnings.is_empty() && o.evidence.get("renewal").is_none(), "{o:?}");
        let expired = CertificateFacts { not_after: Some(NOW - DAY), ..ineligible("AMAZON_ISSUED") };
        let o = judge(&expired);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(!o.warnings.iter().any(|w| w.message.contains("will not renew")), "{o:?}");
    }

    // AWS: ACM User Guide, "Renewal for domains validated by email" — "To be renewed, email-validated certificates
    // require an action by the domain owner. ACM begins sending renewal notices 45 days before expiration"; "Managed
    // certificate renewal in AWS Certificate Manager" — ACM "will either renew your certificates automatically (if
    // you are using DNS validation), or it will send you email notices when expiration is approaching". EMAIL
    // validation works until someone ignores the email: evidence, and a renewal stuck in PENDING_VALIDATION names the
    // email (not a DNS CNAME) in its fix.
    #[test]
    fn an_email_validated_certificate_says_its_renewal_waits_for_the_email() {
        let email = CertificateFacts { validation_method: Some("EMAIL".into()), ..cert() };
        let o = judge(&email);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.is_empty(), "{o:?}");
        assert_eq!(o.evidence.get("validation_method"), Some("EMAIL"));
        assert!(o.evidence.get("renewal").is_some_and(|r| r.contains("approves ACM's renewal email")), "{o:?}");

        let stuck = CertificateFacts { renewal_status: Some("PENDING_VALIDATION".into()), ..email };
        let w = judge(&stuck).warnings.into_iter().find(|w| w.message.contains("renewal")).expect("a warning");
        assert!(
            w.hint.as_deref().is_some_and(|h| h.contains("resend-validation-email") && !h.contains("CNAME")),
            "{w:?}"
        );

        let o = judge(&cert());
        assert_eq!(o.evidence.get("validation_method"), Some("DNS"));
        assert!(o.evidence.get("renewal").is_none(), "{o:?}");
    }
}
