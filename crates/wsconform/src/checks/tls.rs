//! `tls.certificate`: the certificate clients see for the public host.

use std::sync::Arc;

use chrono::DateTime;

use crate::check::{CheckDef, Ctx, always};
use crate::fix::{Fix, Resource, Wanted};
use crate::ids;
use crate::model::aws::name_covers;
use crate::net::{CertProblem, Deadline, TlsObservation};
use crate::outcome::{Evidence, Outcome};

pub static CHECKS: &[CheckDef] = &[CheckDef {
    id: ids::TLS_CERTIFICATE,
    summary: "handshake with SNI: chain trusted, SAN covers the host, enough days left, TLS ≥ 1.2, ALPN http/1.1",
    explain: "Clients refuse the upgrade when the certificate is expired, not yet valid, for another name or \
              from an untrusted issuer. CloudFront serves an ACM certificate from us-east-1; a regional API \
              Gateway custom domain serves one from the API's region.",
    docs: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/cnames-and-https-requirements.html",
    requires: &[],
    after: &[],
    applies: always,
    run: |ctx| Box::pin(certificate(ctx)),
}];

const HINT_RENEW: &str = "renew or replace the ACM certificate (us-east-1 for CloudFront; the API's region for a \
                          regional custom domain) and attach it to the distribution / custom domain";

/// What the handshake showed, in the terms the rule needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CertObservation {
    pub subject: String,
    pub issuer: String,
    pub sans: Vec<String>,
    /// Unix seconds.
    pub not_before: i64,
    pub not_after: i64,
    pub chain_len: usize,
    pub version: Option<String>,
    pub cipher_suite: Option<String>,
    pub alpn: Option<String>,
    /// The verifier's refusal, classified, with its text.
    pub problem: Option<(CertProblem, String)>,
    /// The handshake failed for a reason other than the certificate.
    pub handshake_error: Option<String>,
}

impl CertObservation {
    /// Parses the leaf of an observed handshake.
    pub fn from_observation(obs: &TlsObservation) -> Result<CertObservation, String> {
        let leaf = obs.chain.first().ok_or_else(|| match &obs.handshake {
            Err(e) => format!("TLS handshake failed before any certificate: {e}"),
            Ok(_) => "the server presented no certificate".to_owned(),
        })?;
        let (_, cert) = x509_parser::parse_x509_certificate(leaf.as_ref())
            .map_err(|e| format!("the server's certificate cannot be parsed: {e}"))?;
        let mut sans = Vec::new();
        if let Ok(Some(ext)) = cert.subject_alternative_name() {
            for n in &ext.value.general_names {
                match n {
                    x509_parser::extensions::GeneralName::DNSName(d) => sans.push(d.to_ascii_lowercase()),
                    x509_parser::extensions::GeneralName::IPAddress(b) => {
                        if let Ok(a) = <[u8; 4]>::try_from(*b) {
                            sans.push(std::net::IpAddr::from(a).to_string());
                        } else if let Ok(a) = <[u8; 16]>::try_from(*b) {
                            sans.push(std::net::IpAddr::from(a).to_string());
                        }
                    }
                    _ => {}
                }
            }
        }
        let problem = obs
            .verify_error
            .as_ref()
            .map(|e| (CertProblem::from_error(e).unwrap_or_else(|| CertProblem::Other(e.to_string())), e.to_string()));
        let peer = obs.handshake.as_ref().ok();
        Ok(CertObservation {
            subject: cert.subject().to_string(),
            issuer: cert.issuer().to_string(),
            sans,
            not_before: cert.validity().not_before.timestamp(),
            not_after: cert.validity().not_after.timestamp(),
            chain_len: obs.chain.len(),
            version: peer.map(|p| p.version.clone()),
            cipher_suite: peer.map(|p| p.cipher_suite.clone()),
            alpn: peer.and_then(|p| p.alpn.clone()),
            handshake_error: match (&obs.handshake, &problem) {
                (Err(e), None) => Some(e.clone()),
                _ => None,
            },
            problem,
        })
    }
}

fn date(ts: i64) -> String {
    DateTime::from_timestamp(ts, 0).map_or_else(|| ts.to_string(), |d| d.format("%Y-%m-%d %H:%M UTC").to_string())
}

/// Judges a certificate for `host` at `now` (unix seconds).
pub fn judge_certificate(obs: &CertObservation, host: &str, min_days: u32, now: i64) -> Outcome {
    let days_left = (obs.not_after - now).div_euclid(86_400);
    let mut ev = Evidence::new()
        .with("subject", &obs.subject)
        .with("sans", obs.sans.join(", "))
        .with("issuer", &obs.issuer)
        .with("not_after", date(obs.not_after));
    ev.certificate_expiry(obs.not_after, days_left);
    ev.set("chain_len", obs.chain_len);
    if let Some(v) = &obs.version {
        ev.set("tls_version", v);
    }
    if let Some(c) = &obs.cipher_suite {
        ev.set("cipher_suite", c);
    }
    ev.set("alpn", obs.alpn.as_deref().unwrap_or("none"));
    // The certificate a client sees is ACM's (acm.certificate names its ARN and carries that fix) or
    // the edge's: the fix is said in words, on the certificate as served.
    let fail = |m: String, h: String, field: &str, current: Option<String>| {
        let fix = Fix {
            resource: Resource {
                kind: "AWS::CertificateManager::Certificate".into(),
                id: format!("the certificate {host} serves (subject {}, issuer {})", obs.subject, obs.issuer),
                region: None,
            },
            field: field.into(),
            current,
            wanted: Wanted::Words(h.clone()),
            commands: vec![],
        };
        Outcome::fail(m, h).with_evidence(ev.clone()).with_fix(fix)
    };

    if now > obs.not_after || matches!(obs.problem, Some((CertProblem::Expired, _))) {
        return fail(
            format!("the certificate for {host} expired on {} ({} days ago)", date(obs.not_after), -days_left),
            HINT_RENEW.into(),
            "NotAfter",
            Some(date(obs.not_after)),
        );
    }
    if now < obs.not_before || matches!(obs.problem, Some((CertProblem::NotYetValid, _))) {
        return fail(
            format!("the certificate for {host} is not valid before {}", date(obs.not_before)),
            "check the server's clock or serve a certificate that is already valid".into(),
            "NotBefore",
            Some(date(obs.not_before)),
        );
    }
    if !obs.sans.iter().any(|s| name_covers(s, host)) || matches!(obs.problem, Some((CertProblem::WrongName, _))) {
        return fail(
            format!("the certificate's SANs [{}] do not cover {host}", obs.sans.join(", ")),
            format!(
                "request an ACM certificate whose SANs include `{host}` (or `*.{}`) and attach it",
                host.split_once('.').map_or(host, |(_, p)| p)
            ),
            "SubjectAlternativeNames",
            Some(obs.sans.join(", ")),
        );
    }
    match &obs.problem {
        Some((CertProblem::UnknownIssuer, _)) => {
            return fail(
                format!("the certificate chain is not trusted: issuer `{}` is unknown", obs.issuer),
                "serve a certificate from ACM (or another public CA) with its full chain; for a private CA add \
                 it to `tls.extra_ca`"
                    .into(),
                "Issuer",
                Some(obs.issuer.clone()),
            );
        }
        Some((_, text)) => {
            return fail(format!("the certificate was refused: {text}"), HINT_RENEW.into(), "Certificate", None);
        }
        None => {}
    }
    if let Some(e) = &obs.handshake_error {
        return fail(
            format!("the TLS handshake failed: {e}"),
            "check the viewer TLS settings".into(),
            "ViewerCertificate",
            None,
        );
    }
    if days_left < i64::from(min_days) {
        return fail(
            format!(
                "the certificate for {host} expires in {days_left} days ({}), fewer than {min_days}",
                date(obs.not_after)
            ),
            format!("{HINT_RENEW}; ACM renews automatically only when validation still succeeds"),
            "NotAfter",
            Some(date(obs.not_after)),
        );
    }
    if let Some(v) = &obs.version
        && !matches!(v.as_str(), "TLSv1_2" | "TLSv1_3")
    {
        return fail(
            format!("negotiated {v}, below TLS 1.2"),
            "set the minimum protocol to TLSv1.2_2021".into(),
            "MinimumProtocolVersion",
            Some(v.clone()),
        );
    }
    if let Some(a) = &obs.alpn
        && a != "http/1.1"
    {
        return fail(
            format!("ALPN negotiated `{a}` although only http/1.1 was offered"),
            "the WebSocket upgrade needs HTTP/1.1".into(),
            "ALPN",
            Some(a.clone()),
        );
    }
    Outcome::pass(format!("{host}: trusted, {days_left} days left, {}", obs.version.as_deref().unwrap_or("TLS")))
        .with_evidence(ev)
}

async fn certificate(ctx: Arc<Ctx>) -> Outcome {
    if ctx.suite.url.scheme() != "wss" {
        return Outcome::skip("the URL is ws://: no TLS to check");
    }
    // One deadline for both hops' DNS, TCP and TLS, inside the check's limit:
    // a timeout names the phase it ended.
    let deadline = Deadline::within_check(ctx.suite.check_timeout, None);
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    let host = ctx.suite.host().to_owned();
    let obs = match net.tls_observe_until(&host, ctx.suite.port(), &host, deadline).await {
        Ok(o) => o,
        Err(e) => {
            let retry = e.is_transient();
            let o = Outcome::error(format!("cannot reach {host}: {e}"));
            return if retry { o.retryable() } else { o };
        }
    };
    let mut outcome = match CertObservation::from_observation(&obs) {
        Ok(c) => judge_certificate(&c, &host, ctx.suite.tls.min_days_valid, chrono::Utc::now().timestamp()),
        Err(e) => Outcome::fail(e, "check that the host serves TLS with a certificate on port 443"),
    };
    outcome.evidence.set("address", obs.addr);
    obs.phases.add_to(&mut outcome.evidence);
    if outcome.status() == crate::outcome::Status::Pass {
        regional_hop(&ctx, &net, &host, &mut outcome, deadline).await;
    }
    outcome
}

/// Layouts b and c: API Gateway must serve the custom domain's certificate
/// on its regional target too (in layout b CloudFront connects there with
/// the custom domain as SNI). Judged with the same rule; evidence under
/// `regional.*`. Skipped when the regional target is unknown.
async fn regional_hop(ctx: &Ctx, net: &crate::net::Net, public_host: &str, outcome: &mut Outcome, deadline: Deadline) {
    let Some(domain) = &ctx.suite.custom_domain else { return };
    let target = match &domain.regional_target {
        Some(t) => Some(t.clone()),
        None => ctx.facts.aws.domain(&domain.name).await.ok().flatten().and_then(|d| d.api_gateway_domain_name.clone()),
    };
    let Some(target) = target.filter(|t| !t.eq_ignore_ascii_case(public_host)) else {
        outcome.evidence.set("regional", "not checked: the regional target is unknown");
        return;
    };
    outcome.evidence.set("regional.target", &target);
    let judged = match net.tls_observe_until(&target, 443, &domain.name, deadline).await {
        Err(e) => {
            let o = Outcome::error(format!("cannot reach the regional target {target} with SNI {}: {e}", domain.name));
            if e.is_transient() { o.retryable() } else { o }
        }
        Ok(obs) => match CertObservation::from_observation(&obs) {
            Ok(c) => judge_certificate(&c, &domain.name, ctx.suite.tls.min_days_valid, chrono::Utc::now().timestamp()),
            Err(e) => Outcome::fail(e, "the custom domain's regional target must serve its ACM certificate"),
        },
    };
    for (k, v) in judged.evidence.iter() {
        outcome.evidence.set(format!("regional.{k}"), v);
    }
    let status = judged.status();
    let message = judged.verdict.message().to_owned();
    if status == crate::outcome::Status::Pass {
        if let crate::outcome::Verdict::Pass { summary } = &mut outcome.verdict {
            summary.push_str(&format!("; regional target {target}: {message}"));
        }
        return;
    }
    let prefix = format!("at the regional target {target} (SNI {}): ", domain.name);
    *outcome = match judged.verdict {
        crate::outcome::Verdict::Fail { message, hint } => {
            Outcome::from(crate::outcome::Verdict::Fail { message: prefix + &message, hint })
        }
        crate::outcome::Verdict::Error { cause } => Outcome::error(prefix + &cause),
        other => Outcome::from(other),
    }
    .with_evidence(outcome.evidence.clone());
    outcome.retryable = judged.retryable;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;

    const NOW: i64 = 1_800_000_000;
    const DAY: i64 = 86_400;

    fn good() -> CertObservation {
        CertObservation {
            subject: "CN=ws.example.com".into(),
            issuer: "CN=Amazon RSA 2048 M02".into(),
            sans: vec!["ws.example.com".into()],
            not_before: NOW - 30 * DAY,
            not_after: NOW + 300 * DAY,
            chain_len: 2,
            version: Some("TLSv1_3".into()),
            cipher_suite: Some("TLS13_AES_128_GCM_SHA256".into()),
            alpn: Some("http/1.1".into()),
            problem: None,
            handshake_error: None,
        }
    }

    fn fails_with(obs: CertObservation, needle: &str) {
        let o = judge_certificate(&obs, "ws.example.com", 14, NOW);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains(needle), "{}", o.verdict.message());
        assert!(o.verdict.hint().is_some());
        // The fix is the hint, in words, on the certificate as served: no command changes a certificate.
        let fix = &o.fixes()[0];
        assert!(matches!(&fix.wanted, Wanted::Words(w) if Some(w.as_str()) == o.verdict.hint()), "{fix:?}");
        assert!(fix.commands.is_empty() && fix.resource.id.starts_with("the certificate ws.example.com serves"));
    }

    #[test]
    fn good_certificate_passes_with_evidence() {
        let o = judge_certificate(&good(), "ws.example.com", 14, NOW);
        assert_eq!(o.status(), Status::Pass);
        assert!(o.fixes().is_empty());
        assert_eq!(o.evidence.get("days_left"), Some("300"));
        assert_eq!(o.evidence.get("cipher_suite"), Some("TLS13_AES_128_GCM_SHA256"));
    }

    // AWS: API Gateway Developer Guide, "Security policy for WebSocket APIs in API Gateway" — the TLS_1_2
    // policy "accepts TLS 1.2 and TLS 1.3 traffic and rejects TLS 1.0 traffic"; CloudFront Developer Guide,
    // "Supported protocols and ciphers between viewers and CloudFront" — TLSv1.2_2021 admits TLS 1.2 and 1.3
    // only. A handshake below TLS 1.2 is not the hop AWS serves: a failure. The remaining rules are the
    // client's (an expired, not yet valid, untrusted or wrong-name certificate is refused by RFC 5280
    // path validation and RFC 6125 name matching); `tls.min_days_valid` is the suite's own margin.
    #[test]
    fn each_failure_is_named() {
        fails_with(CertObservation { not_after: NOW - DAY, ..good() }, "expired");
        fails_with(CertObservation { not_before: NOW + DAY, ..good() }, "not valid before");
        fails_with(CertObservation { sans: vec!["other.example.com".into()], ..good() }, "do not cover");
        fails_with(
            CertObservation { problem: Some((CertProblem::UnknownIssuer, "x".into())), ..good() },
            "not trusted",
        );
        fails_with(CertObservation { not_after: NOW + 9 * DAY + 10, ..good() }, "expires in 9 days");
        fails_with(CertObservation { version: Some("TLSv1_1".into()), ..good() }, "below TLS 1.2");
        fails_with(CertObservation { version: Some("TLSv1_0".into()), ..good() }, "below TLS 1.2");
        fails_with(CertObservation { alpn: Some("h2".into()), ..good() }, "ALPN");
        let o = judge_certificate(
            &CertObservation { version: Some("TLSv1_2".into()), ..good() },
            "ws.example.com",
            14,
            NOW,
        );
        assert_eq!(o.status(), Status::Pass, "{o:?}");
    }

    // RFC 6125 §6.4.3 — a wildcard is matched only as the complete left-most label: `*.example.com` covers
    // `ws.example.com`, not `a.ws.example.com` nor `example.com`; §6.4.1 — DNS names compare
    // case-insensitively (a trailing root dot names the same host).
    #[test]
    fn wildcards_cover_one_label() {
        assert!(name_covers("*.example.com", "ws.example.com"));
        assert!(!name_covers("*.example.com", "a.ws.example.com"));
        assert!(!name_covers("*.example.com", "example.com"));
        assert!(name_covers("WS.example.com.", "ws.example.com"));
    }
}
