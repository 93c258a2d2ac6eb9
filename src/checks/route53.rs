//! `route53.*` checks: the public host's ALIAS records point at the hop
//! clients should reach first (DESIGN §1).

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx, always};
use crate::checks::route::Findings;
use crate::facts::aws::model::*;
use crate::outcome::Outcome;

pub static CHECKS: &[CheckDef] = &[CheckDef {
    id: "route53.alias",
    summary: "the public host's ALIAS A (and AAAA) record targets the distribution or the custom domain's regional target",
    explain: "An alias to an old distribution or the wrong hosted zone id sends clients to a door that answers 403. \
              CloudFront targets use HostedZoneId Z2FDTNDATAQYW2; API Gateway targets the domain's hostedZoneId.",
    docs: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-alias.html",
    requires: &[],
    after: &[],
    applies: always,
    run: run_alias,
}];

/// `expected` = (alias target DNS name, its hosted zone id).
pub fn judge_alias(
    zone: Option<&HostedZoneFacts>,
    records: &[AliasRecordFacts],
    host: &str,
    expected: (&str, &str),
    require_aaaa: bool,
) -> Outcome {
    let Some(zone) = zone else {
        return Outcome::skip(format!("no public Route 53 hosted zone for {host} in this account"));
    };
    let (want_name, want_zone) = expected;
    let mut f = Findings::new();
    f.evidence("hosted_zone", format!("{} ({})", zone.name, zone.id));
    f.evidence("expected_target", format!("{want_name} (HostedZoneId {want_zone})"));
    let target = format!("AliasTarget.DNSName {want_name} and HostedZoneId {want_zone}");
    let mut seen = false;
    for rtype in ["A", "AAAA"] {
        let Some(r) = records.iter().find(|r| r.record_type == rtype) else {
            if rtype == "A" {
                f.fail(
                    format!("{host} has no A record in zone {}", zone.name),
                    format!("add an ALIAS A record for {host} with {target}"),
                );
            } else if require_aaaa {
                // IPv4 clients work; IPv6 clients get no AAAA answer and fall back to IPv4.
                f.warn(
                    format!(
                        "{host} has no AAAA record in zone {} although the distribution has IPv6 enabled: \
                         IPv6 clients fall back to IPv4",
                        zone.name
                    ),
                    format!("add an ALIAS AAAA record for {host} with the A record's target: {target}"),
                );
            }
            continue;
        };
        seen = true;
        match (&r.alias_dns_name, &r.alias_hosted_zone_id) {
            (Some(name), Some(zone_id)) => {
                f.evidence(format!("record.{rtype}"), format!("ALIAS {name} ({zone_id})"));
                if normalize_host(name) != normalize_host(want_name) {
                    f.fail(
                        format!("{host} {rtype} is an ALIAS to {name}, expected {want_name}"),
                        format!("set the {rtype} ALIAS record's {target}"),
                    );
                } else if !zone_id.eq_ignore_ascii_case(want_zone) {
                    f.fail(
                        format!("{host} {rtype} ALIAS has HostedZoneId {zone_id}, expected {want_zone}"),
                        format!("set the {rtype} ALIAS record's HostedZoneId to {want_zone}"),
                    );
                }
            }
            _ => f.fail(
                format!("{host} {rtype} is a plain record ({}), not an ALIAS", r.values.join(", ")),
                format!("replace the plain {rtype} record with an ALIAS record with {target}"),
            ),
        }
    }
    if !seen && records.iter().any(|r| r.record_type == "CNAME") {
        f.evidence("record.CNAME", "present");
    }
    f.outcome(format!("{host} is an ALIAS to {want_name}"))
}

fn run_alias(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let host = ctx.suite.host();
        // CloudFront answers IPv6 clients when IsIPV6Enabled: they need the AAAA alias.
        let require_aaaa = match aws.distribution().await {
            Ok(Some(d)) => d.ipv6_enabled == Some(true),
            _ => false,
        };
        let expected = match aws.expected_alias().await {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Outcome::skip(
                    "needs `[cloudfront] distribution_id` or `[custom_domain] name` to know the target",
                );
            }
            Err(e) => return Outcome::error(e),
        };
        let zone = match aws.hosted_zone(host).await {
            Ok(z) => z,
            Err(e) => return Outcome::error(e),
        };
        let records = match &zone {
            Some(z) => match aws.records(&z.id, host).await {
                Ok(r) => r,
                Err(e) => return Outcome::error(e),
            },
            None => Arc::new(Vec::new()),
        };
        judge_alias(zone.as_deref(), &records, host, (&expected.0, &expected.1), require_aaaa)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;

    const CF: (&str, &str) = ("d111111abcdef8.cloudfront.net", CLOUDFRONT_HOSTED_ZONE_ID);

    fn zone() -> HostedZoneFacts {
        HostedZoneFacts { id: "Z0SANDBOX".into(), name: "example.com.".into() }
    }

    fn alias(t: &str, name: &str, zone: &str) -> AliasRecordFacts {
        AliasRecordFacts {
            name: "ws.example.com.".into(),
            record_type: t.into(),
            alias_dns_name: Some(name.into()),
            alias_hosted_zone_id: Some(zone.into()),
            values: vec![],
        }
    }

    #[test]
    fn alias_pass_and_failures() {
        let good = [
            alias("A", "D111111abcdef8.cloudfront.net.", "z2fdtndataqyw2"),
            alias("AAAA", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID),
        ];
        assert_eq!(judge_alias(Some(&zone()), &good, "ws.example.com", CF, false).status(), Status::Pass);
        assert_eq!(judge_alias(None, &good, "ws.example.com", CF, false).status(), Status::Skip);

        let old = [alias("A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(Some(&zone()), &old, "ws.example.com", CF, false);
        assert!(o.verdict.message().contains("expected d111111abcdef8.cloudfront.net"), "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("Z2FDTNDATAQYW2")));

        let wrong_zone = [alias("A", "d111111abcdef8.cloudfront.net.", "Z1YSHQZHG15GKL")];
        assert_eq!(judge_alias(Some(&zone()), &wrong_zone, "ws.example.com", CF, false).status(), Status::Fail);
        // AAAA must match too when present.
        let bad_aaaa = [good[0].clone(), alias("AAAA", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        assert_eq!(judge_alias(Some(&zone()), &bad_aaaa, "ws.example.com", CF, false).status(), Status::Fail);
        assert_eq!(judge_alias(Some(&zone()), &[], "ws.example.com", CF, false).status(), Status::Fail);
        let plain = AliasRecordFacts {
            alias_dns_name: None,
            alias_hosted_zone_id: None,
            values: vec!["203.0.113.9".into()],
            ..good[0].clone()
        };
        assert!(
            judge_alias(Some(&zone()), &[plain], "ws.example.com", CF, false)
                .verdict
                .message()
                .contains("not an ALIAS")
        );
    }

    #[test]
    fn every_hint_matches_its_finding() {
        let o = judge_alias(Some(&zone()), &[], "ws.example.com", CF, false);
        assert_eq!(
            o.verdict.hint(),
            Some(
                "add an ALIAS A record for ws.example.com with AliasTarget.DNSName d111111abcdef8.cloudfront.net and HostedZoneId Z2FDTNDATAQYW2"
            )
        );
        let wrong_zone = [alias("A", "d111111abcdef8.cloudfront.net.", "Z1YSHQZHG15GKL")];
        let o = judge_alias(Some(&zone()), &wrong_zone, "ws.example.com", CF, false);
        assert_eq!(o.verdict.hint(), Some("set the A ALIAS record's HostedZoneId to Z2FDTNDATAQYW2"));
    }

    // AWS: Route 53 Developer Guide, "Routing traffic to an Amazon CloudFront distribution by using your
    // domain name" — with IPv6 enabled on the distribution, a second alias record of type AAAA is needed
    // besides the A alias (as the CloudFront Developer Guide, "Enable IPv6 for CloudFront distributions",
    // words it: "you need to create a second alias resource record set" when IPv6 is enabled and the
    // URLs use an alternate domain name). Without it IPv6 clients get no AAAA answer and use IPv4.
    #[test]
    fn missing_aaaa_with_ipv6_enabled_is_a_warning_with_its_own_hint() {
        let a_only = [alias("A", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(Some(&zone()), &a_only, "ws.example.com", CF, true);
        assert_eq!(o.status(), Status::Pass, "IPv4 clients work: {o:?}");
        assert_eq!(o.verdict.hint(), None);
        assert_eq!(o.warnings.len(), 1, "{o:?}");
        let w = &o.warnings[0];
        assert!(w.message.contains("no AAAA record") && w.message.contains("IPv6 enabled"), "{w:?}");
        assert_eq!(
            w.hint.as_deref(),
            Some(
                "add an ALIAS AAAA record for ws.example.com with the A record's target: \
                 AliasTarget.DNSName d111111abcdef8.cloudfront.net and HostedZoneId Z2FDTNDATAQYW2"
            )
        );
        // IPv6 disabled: nothing to say about AAAA.
        let o = judge_alias(Some(&zone()), &a_only, "ws.example.com", CF, false);
        assert!(o.warnings.is_empty(), "{o:?}");
        // A wrong A alias stays a failure with its own hint; the AAAA warning keeps its own.
        let old = [alias("A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(Some(&zone()), &old, "ws.example.com", CF, true);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.hint().is_some_and(|h| h.starts_with("set the A ALIAS record's")), "{o:?}");
        assert!(o.warnings[0].hint.as_deref().is_some_and(|h| h.starts_with("add an ALIAS AAAA record")), "{o:?}");
    }
}
