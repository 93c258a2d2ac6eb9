//! `dns.*` checks: the public host resolves, and to the expected target.

use std::collections::BTreeSet;
use std::net::IpAddr;
use std::sync::Arc;

use crate::check::{CheckDef, Ctx, always};
use crate::fix::{Fix, Resource, Wanted};
use crate::ids;
use crate::model::aws::{AliasRecordFacts, Traffic, normalize_host, traffic};
use crate::net::{Deadline, DnsAnswer, DnsError, human};
use crate::outcome::{Evidence, Outcome, Verdict};

pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: ids::DNS_RESOLVES,
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
        id: ids::DNS_ALIAS_TARGET,
        summary: "the public host's answers match those of its expected target on the same resolver",
        explain: "An alias that still points at an old distribution or domain resolves fine but sends \
                  traffic to the wrong place. The host's answers (CNAME chains followed) must be those \
                  of the expected target: the distribution's domain or the custom domain's regional target.",
        docs: "https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-regional-api-custom-domain-create.html",
        requires: &[ids::DNS_RESOLVES],
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

/// The DNS record of `host` a fix changes, in words: which hosted zone holds it is route53.alias's
/// to read (that check carries the UPSERT when it runs).
fn alias_words(host: &str) -> String {
    format!(
        "an ALIAS A record (and AAAA with IPv6) for {host} to the distribution's or the custom domain's regional target \
         (route53.alias carries the UPSERT when the target's zone id is known)"
    )
}

fn record_fix(host: &str, field: &str, current: Option<String>, words: String) -> Fix {
    Fix {
        resource: Resource { kind: "AWS::Route53::RecordSet".into(), id: format!("{host}/A"), region: None },
        field: field.into(),
        current,
        wanted: Wanted::Words(words),
        commands: vec![],
    }
}

/// Judges the public host's DNS result, asked through `resolver` (its display form).
pub fn judge_resolves(host: &str, resolver: &str, result: &Result<DnsAnswer, DnsError>) -> Outcome {
    match result {
        Ok(a) => {
            let mut ev = answer_evidence(a, "");
            ev.timing("dns", a.elapsed);
            let via = if a.cnames.is_empty() { String::new() } else { format!(" via {}", a.cnames.join(" → ")) };
            Outcome::pass(format!("{host} → {}{via}", a.addrs_display())).with_evidence(ev)
        }
        // The chain left the host: a CNAME points at a name that does not resolve.
        Err(e @ (DnsError::NxDomain { name } | DnsError::NoData { name })) if !name.eq_ignore_ascii_case(host) => {
            Outcome::fail(
                format!("{host} is a CNAME whose target does not resolve: {e}"),
                format!(
                    "point `{host}` at a name that answers: the distribution's dXXXX.cloudfront.net domain or the \
                     custom domain's regional target d-….execute-api…; if `{name}` was just created, wait for propagation"
                ),
            )
            .retryable()
        }
        Err(e @ DnsError::NxDomain { .. }) => Outcome::fail(
            e.to_string(),
            format!(
                "create the Route 53 ALIAS record `{host}` (A, and AAAA when IPv6 is enabled) pointing at the \
                 CloudFront distribution or the custom domain's regional target; if it was just created, wait for propagation"
            ),
        )
        .with_fix(record_fix(host, "ResourceRecordSet", None, alias_words(host)))
        .retryable(),
        Err(e @ DnsError::NoData { .. }) => Outcome::fail(
            e.to_string(),
            format!("`{host}` exists but has no A/AAAA record: add an ALIAS A record (and AAAA) for it"),
        )
        .with_fix(record_fix(host, "ResourceRecordSet", None, alias_words(host)))
        .retryable(),
        Err(e @ DnsError::ServerFailure { .. }) => Outcome::fail(
            e.to_string(),
            "the zone's nameservers fail for this name: check the delegation (NS records at the registrar/parent) \
             and DNSSEC signing of the hosted zone",
        )
        .retryable(),
        Err(DnsError::Timeout { name, after }) => {
            Outcome::error(format!("timed out resolving {name} through {resolver} after {}", human(after)))
                .retryable()
        }
        Err(e @ DnsError::Other { .. }) => Outcome::error(e.to_string()).retryable(),
    }
}

/// The host's record as Route 53 holds it, when it could be read: the zone
/// that answers for the host (label for evidence) and the host's records there.
pub type Route53Record = Result<(String, Vec<AliasRecordFacts>), String>;

/// Judges whether `host` is an alias of `target` by **identity**: a CNAME
/// chain through the target, or the host's Route 53 ALIAS/CNAME record naming
/// it. Addresses are evidence only: CloudFront's edge addresses are shared
/// by every distribution and vary by resolver and query, so an old
/// distribution can overlap the new one and two lookups can be disjoint.
// The distribution is named by a CNAME or an alias record, never by the
// edge's addresses (rule and source on `alias_is_judged_by_identity_not_by_addresses`).
pub fn judge_alias(
    host: &str,
    host_answer: &DnsAnswer,
    target: &str,
    target_answer: &Result<DnsAnswer, DnsError>,
    route53: Option<&Route53Record>,
) -> Outcome {
    let mut ev = answer_evidence(host_answer, "");
    ev.set("expected_target", target);
    let target_norm = normalize_host(target);
    if let Ok(t) = target_answer {
        ev.extend(answer_evidence(t, "target."));
        let mine: BTreeSet<IpAddr> = host_answer.addrs.iter().copied().collect();
        let shared = t.addrs.iter().filter(|a| mine.contains(a)).count();
        ev.set("shared_addresses", shared);
    }
    if host_answer.cnames.iter().any(|c| normalize_host(c) == target_norm) {
        ev.set("identified_by", "CNAME chain");
        return Outcome::pass(format!("{host} is a CNAME to {target}")).with_evidence(ev);
    }
    let (zone, records) = match route53 {
        Some(Ok((zone, records))) => (zone, records),
        Some(Err(why)) => {
            return Outcome::unknown(format!(
                "{host} is no CNAME to {target} and its Route 53 record could not be read ({why}); \
                 shared addresses prove nothing (CloudFront's are shared by every distribution)"
            ))
            .with_evidence(ev);
        }
        None => {
            return Outcome::unknown(format!(
                "{host} is no CNAME to {target}, and without its Route 53 record (the control plane is \
                 not read: `[dns] alias_target` given and route53.alias skipped) its target cannot be told: shared addresses prove nothing (CloudFront's are shared by every distribution)"
            ))
            .with_evidence(ev);
        }
    };
    ev.set("zone", zone);
    // The records an A query can get: the CNAME set, else the A set, without
    // the weighted records that take no traffic. Route 53 documents no order
    // among records of one name and type: none of them is "the" record.
    let cnames: Vec<&AliasRecordFacts> = records.iter().filter(|r| r.record_type == "CNAME").collect();
    let set = if cnames.is_empty() { records.iter().filter(|r| r.record_type == "A").collect() } else { cnames };
    let serving: Vec<Serving<'_>> = set
        .iter()
        .zip(traffic(&set))
        .filter(|(_, t)| t.serves())
        .map(|(r, t)| Serving { record: r, traffic: t, named: named(r) })
        .collect();
    let described = |s: &Serving<'_>| match &s.record.set_identifier {
        Some(id) => format!(" `{id}` ({})", s.traffic),
        None => String::new(),
    };
    let names: Vec<(&str, &str)> =
        serving.iter().filter_map(|s| s.named.as_ref().map(|(k, n)| (*k, n.as_str()))).collect();
    if serving.is_empty() || names.is_empty() {
        return Outcome::unknown(format!(
            "{host} is no CNAME to {target} and zone {zone} holds no ALIAS A or CNAME record for it \
             (the answers come from elsewhere): its target cannot be told from shared addresses"
        ))
        .with_evidence(ev);
    }
    let kind = names[0].0;
    let ids = |want: bool| {
        serving
            .iter()
            .filter(|s| s.named.as_ref().is_some_and(|(_, n)| (*n == target_norm) == want))
            .filter_map(|s| s.record.set_identifier.as_deref().map(|id| format!("`{id}`")))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let all_named = names.len() == serving.len();
    if all_named && names.iter().all(|(_, n)| *n == target_norm) {
        let routed = serving.iter().any(|s| s.record.set_identifier.is_some());
        let by = if routed {
            format!("Route 53 {kind} records that take traffic ({})", ids(true))
        } else {
            format!("Route 53 {kind} record")
        };
        ev.set("identified_by", &by);
        return Outcome::pass(format!("{host}'s {by} names {target}")).with_evidence(ev);
    }
    if all_named && names.iter().all(|(_, n)| *n != target_norm) {
        let message = serving
            .iter()
            .filter_map(|s| {
                s.named.as_ref().map(|(k, n)| format!("{host}'s Route 53 {k} record{} names {n}", described(s)))
            })
            .collect::<Vec<_>>()
            .join("; ");
        let hint = serving
            .iter()
            .map(|s| {
                let which = s
                    .record
                    .set_identifier
                    .as_deref()
                    .map(|id| format!(" with SetIdentifier `{id}`"))
                    .unwrap_or_default();
                if kind == "CNAME" {
                    format!("set the value of the CNAME record `{host}`{which} to `{target}`")
                } else {
                    format!("set AliasTarget.DNSName of the ALIAS A record `{host}`{which} to `{target}`")
                }
            })
            .collect::<Vec<_>>()
            .join("; ");
        let fix = record_fix(
            host,
            "AliasTarget.DNSName",
            None,
            format!("{target} (route53.alias names the record set and carries the UPSERT)"),
        );
        return Outcome::fail(format!("{message}, not {target}: clients reach another distribution or domain"), hint)
            .with_evidence(ev)
            .with_fix(fix);
    }
    // Some records that take traffic name the target, others not (or cannot be read): a CNAME
    // chain in the answer tells which one answered; addresses never do.
    let through = serving.iter().find(|s| {
        kind == "CNAME"
            && s.named
                .as_ref()
                .is_some_and(|(_, n)| *n != target_norm && host_answer.cnames.iter().any(|c| normalize_host(c) == *n))
    });
    if let Some(s) = through {
        let (_, n) = s.named.as_ref().expect("named");
        let which =
            s.record.set_identifier.as_deref().map(|id| format!(" with SetIdentifier `{id}`")).unwrap_or_default();
        return Outcome::fail(
            format!(
                "{host}'s answer came through {n}, the value of its Route 53 CNAME record{}: not {target}, clients reach another distribution or domain",
                described(s)
            ),
            format!("set the value of the CNAME record `{host}`{which} to `{target}`"),
        )
        .with_evidence(ev);
    }
    let others: Vec<String> = serving
        .iter()
        .filter(|s| s.named.as_ref().is_none_or(|(_, n)| *n != target_norm))
        .map(|s| match &s.named {
            Some((k, n)) => format!("{k}{} → {n}", described(s)),
            None => format!("a plain A record{}", described(s)),
        })
        .collect();
    Outcome::unknown(format!(
        "{host}'s Route 53 records that take traffic name {target} ({}) and also {}: which one this answer came \
         from cannot be told (shared addresses prove nothing); route53.alias judges each record",
        ids(true),
        others.join(", ")
    ))
    .with_evidence(ev)
}

/// A record of the host's set that takes traffic, and the name it answers with.
struct Serving<'a> {
    record: &'a AliasRecordFacts,
    traffic: Traffic,
    /// (`ALIAS A` or `CNAME`, the name, normalized); `None` for a plain A record.
    named: Option<(&'static str, String)>,
}

fn named(r: &AliasRecordFacts) -> Option<(&'static str, String)> {
    match (r.record_type.as_str(), &r.alias_dns_name) {
        ("A", Some(alias)) => Some(("ALIAS A", normalize_host(alias))),
        ("CNAME", alias) => alias.as_ref().or(r.values.first()).map(|v| ("CNAME", normalize_host(v))),
        _ => None,
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
    // Within the check's own time limit, so a silent resolver is named, not the runner's timeout.
    let deadline = Deadline::within_check(ctx.suite.check_timeout, None);
    let result = deadline.run(net.lookup(&host), |after| DnsError::Timeout { name: host.clone(), after }).await;
    judge_resolves(&host, net.resolver().description(), &result)
}

async fn alias_target(ctx: Arc<Ctx>) -> Outcome {
    let host = ctx.suite.host().to_owned();
    // `from_aws`: the target came from the control plane, whose credentials are then in use anyway.
    let (target, from_aws) = match ctx.facts.aws.expected_alias_target().await {
        Ok(Some(t)) => (t, true),
        Ok(None) | Err(_) if ctx.suite.dns.alias_target.is_some() => {
            (ctx.suite.dns.alias_target.clone().unwrap_or_default(), false)
        }
        Ok(None) => {
            return Outcome::skip(
                "the expected alias target is unknown: set `[dns] alias_target` (or let the control plane tell)",
            );
        }
        // A target nobody reports (the custom domain's regional target) stays a typed unknown.
        Err(crate::facts::Error::Unknown { message }) => {
            return Outcome::from(Verdict::unknown(format!("the expected alias target: {message}")));
        }
        Err(e @ crate::facts::Error::UnknownUntilApply { .. }) => return Outcome::from(e),
        Err(e) => {
            let o = Outcome::error(format!("cannot find the expected alias target: {e}"));
            return if e.is_transient() { o.retryable() } else { o };
        }
    };
    let net = match ctx.facts.net().await {
        Ok(n) => n,
        Err(e) => return Outcome::error(e),
    };
    // Route 53 is read only when the control plane is in use anyway (no credential lookup for DNS alone).
    let route53 = async {
        if !from_aws && !ctx.runs(ids::ROUTE53_ALIAS) {
            return None;
        }
        // The judge reads why the record is unknown, in words.
        Some(ctx.facts.aws.host_record(&host).await.map_err(|e| e.to_string()))
    };
    let (mine, theirs, route53) = tokio::join!(net.lookup(&host), net.lookup(&target), route53);
    match mine {
        Ok(mine) => judge_alias(&host, &mine, &target, &theirs, route53.as_ref()),
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
        let o = judge_resolves("ws.example.com", "127.0.0.1:53", &Ok(answer("ws.example.com", &[[192, 0, 2, 1]], &[])));
        assert_eq!(o.status(), Status::Pass);
        assert_eq!(o.evidence.get("answers"), Some("192.0.2.1"));
        assert_eq!(o.evidence.get("resolver"), Some("127.0.0.1:53"));
        assert!(o.evidence.get("timing.dns_ms").is_some());
    }

    #[test]
    fn a_cname_target_that_does_not_resolve_is_named_not_the_host() {
        let e = Err(DnsError::NxDomain { name: "d123.cloudfront.net".into() });
        let o = judge_resolves("ws.example.com", "authoritative", &e);
        let (m, h) = (o.verdict.message().to_owned(), o.verdict.hint().unwrap_or_default().to_owned());
        assert!(m.starts_with("ws.example.com is a CNAME whose target does not resolve"), "{m}");
        assert!(m.contains("d123.cloudfront.net") && h.contains("`d123.cloudfront.net` was just created"), "{h}");
        assert!(!h.contains("create the Route 53 ALIAS record"), "{h}");
        // The host itself missing keeps the create-the-record hint, and its fix in words.
        let o = judge_resolves("ws.example.com", "x", &Err(DnsError::NxDomain { name: "ws.example.com".into() }));
        assert!(o.verdict.hint().is_some_and(|h| h.starts_with("create the Route 53 ALIAS record")));
        let fix = &o.fixes()[0];
        assert_eq!((fix.resource.id.as_str(), fix.field.as_str()), ("ws.example.com/A", "ResourceRecordSet"));
        assert!(fix.commands.is_empty(), "which zone holds it is route53.alias's to read: {fix:?}");
    }

    #[test]
    fn resolves_failures_have_hints() {
        let nx = judge_resolves("h", "127.0.0.1:53", &Err(DnsError::NxDomain { name: "h".into() }));
        assert_eq!(nx.status(), Status::Fail);
        assert!(nx.verdict.hint().unwrap().contains("ALIAS"));
        assert!(nx.retryable);
        let sf = judge_resolves(
            "h",
            "127.0.0.1:53",
            &Err(DnsError::ServerFailure { name: "h".into(), code: "SERVFAIL".into() }),
        );
        assert!(sf.verdict.hint().unwrap().contains("delegation"));
        let nd = judge_resolves("h", "127.0.0.1:53", &Err(DnsError::NoData { name: "h".into() }));
        assert_eq!(nd.status(), Status::Fail);
        let to = judge_resolves(
            "h",
            "127.0.0.1:53",
            &Err(DnsError::Timeout { name: "h".into(), after: Duration::from_secs(1) }),
        );
        assert_eq!(to.status(), Status::Error);
        assert!(to.retryable);
        assert_eq!(to.verdict.message(), "timed out resolving h through 127.0.0.1:53 after 1s");
    }

    fn alias_a(target: &str) -> AliasRecordFacts {
        AliasRecordFacts::alias("ws.example.com.", "A", &format!("{target}."), "Z2FDTNDATAQYW2")
    }

    // AWS: CloudFront Developer Guide, "Use custom URLs by adding alternate domain names (CNAMEs)" — the domain is routed to the distribution by a CNAME or a Route 53 alias record naming its dXXXX.cloudfront.net domain; the edge's IP addresses are not the distribution's identity.
    #[test]
    fn alias_is_judged_by_identity_not_by_addresses() {
        let target = Ok(answer("d1.cloudfront.net", &[[192, 0, 2, 2], [192, 0, 2, 1]], &[]));
        // A CNAME chain through the target: pass, whatever the addresses.
        let via = answer("ws.example.com", &[[192, 0, 2, 9]], &["d1.cloudfront.net"]);
        let err = Err(DnsError::Timeout { name: "x".into(), after: Duration::from_secs(1) });
        let o = judge_alias("ws.example.com", &via, "D1.cloudfront.net.", &err, None);
        assert_eq!(o.status(), Status::Pass);
        assert_eq!(o.evidence.get("identified_by"), Some("CNAME chain"));
        // The Route 53 ALIAS record names the target: pass, even with disjoint addresses.
        let host = answer("ws.example.com", &[[192, 0, 2, 7]], &[]);
        let r53: Route53Record = Ok(("example.com. (Z0)".into(), vec![alias_a("d1.cloudfront.net")]));
        let o = judge_alias("ws.example.com", &host, "d1.cloudfront.net", &target, Some(&r53));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("identified_by"), Some("Route 53 ALIAS A record"));
        // An old distribution whose addresses overlap the new one's: still a failure.
        let overlapping = answer("ws.example.com", &[[192, 0, 2, 1]], &[]);
        let old: Route53Record = Ok(("example.com. (Z0)".into(), vec![alias_a("d2old.cloudfront.net")]));
        let o = judge_alias("ws.example.com", &overlapping, "d1.cloudfront.net", &target, Some(&old));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.hint().unwrap().contains("AliasTarget.DNSName"));
        assert!(o.fixes().iter().any(|f| f.field == "AliasTarget.DNSName" && f.commands.is_empty()), "{o:?}");
        assert_eq!(o.evidence.get("shared_addresses"), Some("1"));
        // Without CNAME or record, shared addresses prove nothing: unknown, never a pass.
        let o = judge_alias("ws.example.com", &overlapping, "d1.cloudfront.net", &target, None);
        assert_eq!(o.status(), Status::Error);
        assert!(o.verdict.is_unknown(), "{o:?}");
        let o = judge_alias(
            "ws.example.com",
            &overlapping,
            "d1.cloudfront.net",
            &target,
            Some(&Err("AccessDenied".into())),
        );
        assert!(o.verdict.message().contains("AccessDenied"), "{o:?}");
    }

    // AWS: Route 53 Developer Guide, "Weighted routing" — traffic goes to each record in proportion to its weight, and "If you want to stop sending traffic to a resource, you can change the weight for that record to 0"; API Reference, "ListResourceRecordSets" — results are sorted by name, then by type: records of one name and type have no documented order. The host's answer comes from one of the records that take traffic; which one, addresses never tell (CloudFront's are shared), so a set whose serving records disagree is unknown, never a guess.
    #[test]
    fn a_weighted_set_is_judged_by_the_records_that_take_traffic() {
        let target = Ok(answer("d1.cloudfront.net", &[[192, 0, 2, 1]], &[]));
        let host = answer("ws.example.com", &[[192, 0, 2, 1]], &[]);
        let w = |id: &str, to: &str, weight: i64| {
            alias_a(to).routed(id, crate::model::aws::RoutingPolicy::Weighted(weight))
        };
        let judge = |records: Vec<AliasRecordFacts>| {
            let r53: Route53Record = Ok(("example.com. (Z0)".into(), records));
            judge_alias("ws.example.com", &host, "d1.cloudfront.net", &target, Some(&r53))
        };
        // The old target listed first with weight 0: it takes no traffic.
        let o = judge(vec![w("old", "d2old.cloudfront.net", 0), w("new", "d1.cloudfront.net", 100)]);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("identified_by"), Some("Route 53 ALIAS A records that take traffic (`new`)"));
        // The other way round: every answer is the old target's.
        let o = judge(vec![w("old", "d2old.cloudfront.net", 100), w("new", "d1.cloudfront.net", 0)]);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            o.verdict.message().starts_with(
                "ws.example.com's Route 53 ALIAS A record `old` (Weight 100 of 100: 100% of queries) names d2old"
            ),
            "{o:?}"
        );
        assert_eq!(
            o.verdict.hint(),
            Some(
                "set AliasTarget.DNSName of the ALIAS A record `ws.example.com` with SetIdentifier `old` to `d1.cloudfront.net`"
            )
        );
        // Both serve: this answer may be either one's.
        let o = judge(vec![w("old", "d2old.cloudfront.net", 50), w("new", "d1.cloudfront.net", 50)]);
        assert!(o.verdict.is_unknown(), "{o:?}");
        assert!(o.verdict.message().contains("name d1.cloudfront.net (`new`) and also ALIAS A `old`"), "{o:?}");
        // Weighted CNAMEs: the chain in the answer says which record answered.
        let c = |id: &str, to: &str| {
            AliasRecordFacts::plain("ws.example.com.", "CNAME", &[to])
                .routed(id, crate::model::aws::RoutingPolicy::Weighted(50))
        };
        let set = vec![c("old", "d2old.cloudfront.net."), c("new", "d1.cloudfront.net.")];
        let r53: Route53Record = Ok(("example.com. (Z0)".into(), set));
        let via_old = answer("ws.example.com", &[[192, 0, 2, 1]], &["d2old.cloudfront.net"]);
        let o = judge_alias("ws.example.com", &via_old, "d1.cloudfront.net", &target, Some(&r53));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("answer came through d2old.cloudfront.net"), "{o:?}");
        let via_new = answer("ws.example.com", &[[192, 0, 2, 1]], &["d1.cloudfront.net"]);
        let o = judge_alias("ws.example.com", &via_new, "d1.cloudfront.net", &target, Some(&r53));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
    }
}
