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
    let hint = format!("set the ALIAS record's AliasTarget.DNSName to {want_name} and HostedZoneId to {want_zone}");
    let mut seen = false;
    for rtype in ["A", "AAAA"] {
        let Some(r) = records.iter().find(|r| r.record_type == rtype) else {
            if rtype == "A" || require_aaaa {
                let why = if rtype == "AAAA" { " although the distribution has IPv6 enabled" } else { "" };
                f.fail(format!("{host} has no {rtype} record in zone {}{why}", zone.name), hint.clone());
            }
            continue;
        };
        seen = true;
        match (&r.alias_dns_name, &r.alias_hosted_zone_id) {
            (Some(name), Some(zone_id)) => {
                f.evidence(format!("record.{rtype}"), format!("ALIAS {name} ({zone_id})"));
                if normalize_host(name) != normalize_host(want_name) {
                    f.fail(format!("{host} {rtype} is an ALIAS to {name}, expected {want_name}"), hint.clone());
                } else if !zone_id.eq_ignore_ascii_case(want_zone) {
                    f.fail(
                        format!("{host} {rtype} ALIAS has HostedZoneId {zone_id}, expected {want_zone}"),
                        hint.clone(),
                    );
                }
            }
            _ => f.fail(
                format!("{host} {rtype} is a plain record ({}), not an ALIAS", r.values.join(", ")),
                format!("replace it with an ALIAS record: {hint}"),
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
        let o = judge_alias(Some(&zone()), &good[..1], "ws.example.com", CF, true);
        assert!(o.verdict.message().contains("no AAAA record"), "{o:?}");
    }
}
