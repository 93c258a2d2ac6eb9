//! `dns.*` checks: the public host resolves, and to the expected target.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use crate::check::{CheckDef, Ctx, always};
use crate::net::{DnsAnswer, DnsError};
use crate::outcome::{Evidence, Outcome};

pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: "dns.resolves",
        summary: "the public host has A/AAAA answers from the configured resolvers",
        explain: "Clients find the API by this name. Without A/AAAA answers nothing else can work. \
                  With Route 53, create an ALIAS A (and AAAA) record to the CloudFront distribution \
                  or the API Gateway domain's regional target.",
        docs: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/routing-to-cloudfront-distribution.html",
        requires: &[],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(resolves(ctx)),
    },
    CheckDef {
        id: "dns.alias-target",
        summary: "the public host's answers match those of its expected target on the same resolver",
        explain: "An alias that still points at an old distribution or domain resolves fine but sends \
                  traffic to the wrong place. The host's answers (CNAME chains followed) must be those \
                  of the expected target: the distribution's domain or the custom domain's regional target.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html",
        requires: &["dns.resolves"],
        after: &[],
        applies: always,
        run: |ctx| Box::pin(alias_target(ctx)),
    },
];

pub(crate) fn answer_evidence(a: &DnsAnswer, prefix: &str) -> Evidence {
    let mut ev = Evidence::new()
        .with(format!("{prefix}answers"), a.addrs_display())
        .with(format!("{prefix}resolver"), &a.resolver);
    if !a.cnames.is_empty() {
        ev.set(format!("{prefix}cname_chain"), a.cnames.join(" → "));
    }
    ev
}

/// Judges the public host's DNS result.
pub fn judge_resolves(host: &str, result: &Result<DnsAnswer, DnsError>) -> Outcome {
    match result {
        Ok(a) => {
            let mut ev = answer_evidence(a, "");
            ev.timing("dns", a.elapsed);
            let via = if a.cnames.is_empty() { String::new() } else { format!(" via {}", a.cnames.join(" → ")) };
            Outcome::pass(format!("{host} → {}{via}", a.addrs_display())).with_evidence(ev)
        }
        Err(e @ DnsError::NxDomain { .. }) => Outcome::fail(
            e.to_string(),
            format!(
                "create the Route 53 ALIAS record `{host}` (A, and AAAA when IPv6 is enabled) pointing at the \
                 CloudFront distribution or the custom domain's regional target; if it was just created, wait for propagation"
            ),
        )
        .retryable(),
        Err(e @ DnsError::NoData { .. }) => Outcome::fail(
            e.to_string(),
            format!("`{host}` exists but has no A/AAAA record: add an ALIAS A record (and AAAA) for it"),
        )
        .retryable(),
        Err(e @ DnsError::ServerFailure { .. }) => Outcome::fail(
            e.to_string(),
            "the zone's nameservers fail for this name: check the delegation (NS records at the registrar/parent) \
             and DNSSEC signing of the hosted zone",
        )
        .retryable(),
        Err(e @ (DnsError::Timeout { .. } | DnsError::Other { .. })) => Outcome::error(e.to_string()).retryable(),
    }
}

/// Judges whether `host` resolves like `target`. CNAME chains through the
/// target pass; otherwise the address sets must overlap (CloudFront rotates
/// its edge addresses, so equality is too strict).
pub fn judge_alias(
    host: &str,
    host_answer: &DnsAnswer,
    target: &str,
    target_answer: &Result<DnsAnswer, DnsError>,
) -> Outcome {
    let mut ev = answer_evidence(host_answer, "");
    ev.set("expected_target", target);
    let target_norm = target.trim_end_matches('.').to_ascii_lowercase();
    if host_answer.cnames.contains(&target_norm) {
        return Outcome::pass(format!("{host} is a CNAME to {target}")).with_evidence(ev);
    }
    let t = match target_answer {
        Ok(t) => t,
        Err(e) => {
            return Outcome::error(format!("cannot resolve the expected target: {e}")).with_evidence(ev).retryable();
        }
    };
    ev.extend(answer_evidence(t, "target."));
    let mine: BTreeSet<IpAddr> = host_answer.addrs.iter().copied().collect();
    let theirs: BTreeSet<IpAddr> = t.addrs.iter().copied().collect();
    if mine == theirs {
        Outcome::pass(format!("{host} answers the same addresses as {target}")).with_evidence(ev)
    } else if !mine.is_disjoint(&theirs) {
        Outcome::pass(format!("{host} shares addresses with {target} (answers rotate)")).with_evidence(ev)
    } else {
        Outcome::fail(
            format!(
                "{host} answers {} but {target} answers {}: the name points somewhere else",
                host_answer.addrs_display(),
                t.addrs_display()
            ),
            format!(
                "set the Route 53 ALIAS record `{host}` AliasTarget DNSName to `{target}` \
                 (it may still point at an old distribution or domain)"
            ),
        )
        .with_evidence(ev)
        .retryable()
    }
}

async fn resolves(ctx: Arc<Ctx>) -> Outcome {
    let host = ctx.suite.host().to_owned();
    if host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok() {
        return Outcome::skip("the URL's host is an IP address: nothing to resolve");
    }
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    judge_resolves(&host, &net.lookup(&host).await)
}

async fn alias_target(ctx: Arc<Ctx>) -> Outcome {
    let host = ctx.suite.host().to_owned();
    let target = match ctx.facts.aws.expected_alias_target().await {
        Ok(Some(t)) => t,
        Ok(None) | Err(_) if ctx.suite.dns.alias_target.is_some() => {
            ctx.suite.dns.alias_target.clone().unwrap_or_default()
        }
        Ok(None) => {
            return Outcome::skip(
                "the expected alias target is unknown: set `[dns] alias_target` (or let the control plane tell)",
            );
        }
        Err(e) => return Outcome::error(format!("cannot find the expected alias target: {e}")),
    };
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    let (mine, theirs) = tokio::join!(net.lookup(&host), net.lookup(&target));
    match mine {
        Ok(mine) => judge_alias(&host, &mine, &target, &theirs),
        Err(e) => Outcome::error(format!("cannot resolve {host}: {e}")).retryable(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::outcome::Status;
    use std::time::Duration;

    fn answer(name: &str, addrs: &[[u8; 4]], cnames: &[&str]) -> DnsAnswer {
        DnsAnswer {
            name: name.into(),
            addrs: addrs.iter().map(|a| IpAddr::from(*a)).collect(),
            cnames: cnames.iter().map(|c| c.to_string()).collect(),
            resolver: "127.0.0.1:53".into(),
            elapsed: Duration::from_millis(3),
        }
    }

    #[test]
    fn resolves_passes_with_evidence() {
        let o = judge_resolves("ws.example.com", &Ok(answer("ws.example.com", &[[192, 0, 2, 1]], &[])));
        assert_eq!(o.status(), Status::Pass);
        assert_eq!(o.evidence.get("answers"), Some("192.0.2.1"));
        assert_eq!(o.evidence.get("resolver"), Some("127.0.0.1:53"));
        assert!(o.evidence.get("timing.dns_ms").is_some());
    }

    #[test]
    fn resolves_failures_have_hints() {
        let nx = judge_resolves("h", &Err(DnsError::NxDomain { name: "h".into() }));
        assert_eq!(nx.status(), Status::Fail);
        assert!(nx.verdict.hint().unwrap().contains("ALIAS"));
        assert!(nx.retryable);
        let sf = judge_resolves("h", &Err(DnsError::ServerFailure { name: "h".into(), code: "SERVFAIL".into() }));
        assert!(sf.verdict.hint().unwrap().contains("delegation"));
        let nd = judge_resolves("h", &Err(DnsError::NoData { name: "h".into() }));
        assert_eq!(nd.status(), Status::Fail);
        let to = judge_resolves("h", &Err(DnsError::Timeout { name: "h".into(), after: Duration::from_secs(1) }));
        assert_eq!(to.status(), Status::Error);
        assert!(to.retryable);
    }

    #[test]
    fn alias_passes_on_same_addresses_or_cname() {
        let host = answer("ws.example.com", &[[192, 0, 2, 1], [192, 0, 2, 2]], &[]);
        let target = Ok(answer("d1.cloudfront.net", &[[192, 0, 2, 2], [192, 0, 2, 1]], &[]));
        assert_eq!(judge_alias("ws.example.com", &host, "d1.cloudfront.net", &target).status(), Status::Pass);
        let via = answer("ws.example.com", &[[192, 0, 2, 9]], &["d1.cloudfront.net"]);
        let err = Err(DnsError::Timeout { name: "x".into(), after: Duration::from_secs(1) });
        assert_eq!(judge_alias("ws.example.com", &via, "D1.cloudfront.net.", &err).status(), Status::Pass);
    }

    #[test]
    fn alias_fails_on_other_addresses() {
        let host = answer("ws.example.com", &[[192, 0, 2, 7]], &[]);
        let target = Ok(answer("d1.cloudfront.net", &[[192, 0, 2, 1]], &[]));
        let o = judge_alias("ws.example.com", &host, "d1.cloudfront.net", &target);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.hint().unwrap().contains("AliasTarget"));
        assert_eq!(o.evidence.get("target.answers"), Some("192.0.2.1"));
    }
}
