//! `route53.*` checks: the public host's records point at the hop clients
//! should reach first (docs/architecture.md, The hop chain and the layouts), in the hosted zone that actually answers.

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx, always};
use crate::checks::findings::Findings;
use crate::facts::aws::ZoneChoice;
use crate::fix::{Fix, Resource, Wanted, argv};
use crate::ids;
use crate::model::aws::*;
use crate::outcome::Outcome;

pub static CHECKS: &[CheckDef] = &[CheckDef {
    id: ids::ROUTE53_ALIAS,
    summary: "in the public hosted zone that answers for the host, its ALIAS A (and AAAA) record or CNAME targets the distribution or the custom domain's regional target",
    explain: "An alias to an old distribution or the wrong hosted zone id sends clients to a door that answers 403. \
              CloudFront targets use HostedZoneId Z2FDTNDATAQYW2; API Gateway targets the domain's hostedZoneId. \
              A CNAME to the target name works below the zone apex, never at it; a wildcard record covers a host \
              that has no record of its own. An alias to another record of the same zone (HostedZoneId the \
              zone's own id) or a CNAME to a name in the zone is followed, at most 4 hops, and the records at \
              its end judged; a loop or a longer chain is unknown. The zone is the most specific public one delegated to (NS) among the \
              host's parent domains; private zones never answer public clients. Records of one name and type \
              with a routing policy (weighted, latency, geolocation, geoproximity, IP-based, multivalue, failover) \
              are judged as a set: each one that can answer clients must name the target (a weighted record with \
              Weight 0 takes no traffic while another has a non-zero weight: a warning, naming the health checks \
              whose failure would hand it clients). A record created by a traffic policy instance is unknown: \
              the policy's rules are not read. A part of the target the endpoint does not report (a regional \
              domain's HostedZoneId; its name, unless `[custom_domain] regional_target` gives it) leaves the \
              alias that names the target unknown; no A record, or an alias to another host, fails anyway.",
    docs: "https://docs.aws.amazon.com/Route53/latest/DeveloperGuide/resource-record-sets-values-alias.html",
    requires: &[],
    after: &[],
    applies: always,
    run: run_alias,
}];

/// Hops followed from the host through other records of its zone (an
/// ALIAS with the zone's own HostedZoneId, a CNAME to a name in the zone);
/// a longer chain is unknown.
pub const MAX_CHAIN_HOPS: usize = 4;

/// Record sets of the names a chain inside the zone reaches, by normalized
/// name, as [`crate::facts::aws::host_records`] read them (a wildcard covers a name without records).
pub type ChainRecords = std::collections::HashMap<String, Arc<Vec<AliasRecordFacts>>>;

/// [`judge_alias_chain`] with no chain read: a record pointing to another
/// name of the zone is unknown.
#[cfg(test)]
pub fn judge_alias(
    choice: &ZoneChoice,
    records: &[AliasRecordFacts],
    host: &str,
    expected: &ExpectedAlias,
    require_aaaa: bool,
    anycast_ip_list: Option<&str>,
) -> Outcome {
    judge_alias_chain(choice, records, host, expected, require_aaaa, anycast_ip_list, &ChainRecords::new())
}

/// The names of the zone `records` point to that are not the target: the
/// next hops of a chain inside the zone, for the caller to read.
pub fn chain_targets(records: &[AliasRecordFacts], zone: &HostedZoneFacts, expected: &ExpectedAlias) -> Vec<String> {
    let zone_name = normalize_host(&zone.name);
    let want = expected.name.as_deref().ok().map(normalize_host);
    let mut out: Vec<String> = records
        .iter()
        .filter_map(|r| match (r.record_type.as_str(), &r.alias_dns_name, &r.alias_hosted_zone_id) {
            ("CNAME", _, _) => Some(normalize_host(&cname_value(r))),
            (_, Some(name), Some(z)) if z.eq_ignore_ascii_case(&zone.id) => Some(normalize_host(name)),
            _ => None,
        })
        .filter(|n| Some(n) != want.as_ref() && (*n == zone_name || n.ends_with(&format!(".{zone_name}"))))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// `expected`: the alias target's DNS name and hosted zone id, each known or
/// why not. What the records say is judged on the part that is known: no A
/// record, or a record naming another host, fails whatever the unknown part
/// is; the right name with the zone id unknown is unknown, never a pass.
/// `chain`: the records of the names a chain inside the zone reaches; the
/// records at its end are judged by the same rules.
pub fn judge_alias_chain(
    choice: &ZoneChoice,
    records: &[AliasRecordFacts],
    host: &str,
    expected: &ExpectedAlias,
    require_aaaa: bool,
    anycast_ip_list: Option<&str>,
    chain: &ChainRecords,
) -> Outcome {
    let mut f = Findings::new();
    if choice.path.len() > 1 || choice.unknown.is_some() {
        f.evidence("zone_selection", choice.path.join(" → "));
    }
    for (m, h) in &choice.warnings {
        f.warn(m, h);
    }
    if let Some(u) = &choice.unknown {
        f.unknown(u);
        return f.outcome("");
    }
    let Some(zone) = &choice.zone else {
        let private = if choice.skipped_private.is_empty() {
            String::new()
        } else {
            format!(
                " (private zones skipped, they answer only inside their VPCs: {})",
                choice.skipped_private.join(", ")
            )
        };
        return Outcome::skip(format!("no public Route 53 hosted zone for {host} in this account{private}"));
    };
    let want_name = expected.name.as_deref().map_err(String::as_str);
    let want_zone = expected.zone.as_deref().map_err(String::as_str);
    f.evidence("hosted_zone", format!("{} ({})", zone.name, zone.id));
    f.evidence(
        "expected_target",
        format!("{} (HostedZoneId {})", want_name.unwrap_or("unknown"), want_zone.unwrap_or("unknown")),
    );
    // What a new record should hold: the zone id only when known.
    let target = match (want_name, want_zone) {
        (Ok(n), Ok(z)) => format!("AliasTarget.DNSName {n} and HostedZoneId {z}"),
        (Ok(n), Err(_)) => format!("AliasTarget.DNSName {n}"),
        (Err(why), _) => format!("the expected target as AliasTarget.DNSName (unknown: {why})"),
    };
    let target_name = want_name.unwrap_or("the expected target");
    let zone_name = normalize_host(&zone.name);
    let apex = normalize_host(host) == zone_name;
    let in_zone = |n: &str| {
        let n = normalize_host(n);
        n == zone_name || n.ends_with(&format!(".{zone_name}"))
    };
    // The zone's own NS and SOA live at its apex.
    let records: Vec<&AliasRecordFacts> =
        records.iter().filter(|r| !(apex && matches!(r.record_type.as_str(), "NS" | "SOA"))).collect();
    if let Some(ns) = records.iter().find(|r| r.record_type == "NS") {
        f.unknown(format!(
            "{} delegates {host} to {} (NS record) and no public hosted zone named {host} in this account answers: \
             the records clients see cannot be read",
            zone.name,
            ns.values.join(", ")
        ));
        return f.outcome("");
    }
    let wildcard = records.first().map(|r| normalize_host(&r.name)).filter(|n| n.starts_with("*."));
    if let Some(w) = &wildcard {
        f.evidence("record.wildcard", format!("{w} covers {host} (no record named {host})"));
    }
    let rec = wildcard.clone().unwrap_or_else(|| normalize_host(host));

    let want = Want {
        name: want_name,
        zone: want_zone,
        target: &target,
        hosted_zone: zone,
        rec: &rec,
        anycast_ip_list,
        chain,
        path: vec![normalize_host(host)],
        prefix: String::new(),
    };
    let cnames: Vec<&AliasRecordFacts> = records.iter().copied().filter(|r| r.record_type == "CNAME").collect();
    if !cnames.is_empty() {
        if apex {
            f.fail(
                format!("{host} is the apex of zone {}: a CNAME record is not allowed there", zone.name),
                format!("replace the CNAME record {host} with an ALIAS A record with {target}"),
            );
            let values: Vec<String> = cnames.iter().map(|c| cname_value(c)).collect();
            f.evidence("record.CNAME", values.join("; "));
        } else {
            // A CNAME resolves through its value, A and AAAA alike.
            judge_set(&mut f, "CNAME", &cnames, &want, &in_zone);
        }
        return f.outcome(format!("{host} is a CNAME to {target_name}"));
    }

    for rtype in ["A", "AAAA"] {
        let set: Vec<&AliasRecordFacts> = records.iter().copied().filter(|r| r.record_type == rtype).collect();
        if set.is_empty() {
            let fix = || {
                alias_fix(zone, &normalize_host(host), rtype, (want_name, want_zone), "ResourceRecordSet", None, None)
            };
            if rtype == "A" {
                f.fail_with_fix(
                    format!("{host} has no A record in zone {}", zone.name),
                    format!("add an ALIAS A record for {host} with {target}"),
                    fix(),
                );
            } else if require_aaaa {
                // IPv4 clients work; IPv6 clients get no AAAA answer and fall back to IPv4.
                f.warn_with_fix(
                    format!(
                        "{host} has no AAAA record in zone {} although the distribution has IPv6 enabled: \
                         IPv6 clients fall back to IPv4",
                        zone.name
                    ),
                    format!("add an ALIAS AAAA record for {host} with the A record's target: {target}"),
                    fix(),
                );
            }
            continue;
        }
        judge_set(&mut f, rtype, &set, &want, &in_zone);
    }
    f.outcome(format!("{host} is an ALIAS to {target_name}"))
}

/// The ALIAS record `name` `rtype` in `zone` made to name the target: a `change-resource-record-sets`
/// UPSERT (which creates the record or replaces the one of that name and type) when the target's DNS
/// name and hosted zone id are both known; else the name it must hold, without a command.
fn alias_fix(
    zone: &HostedZoneFacts,
    name: &str,
    rtype: &str,
    target: (Result<&str, &str>, Result<&str, &str>),
    field: &str,
    current: Option<String>,
    weighted: Option<&Weighted<'_>>,
) -> Fix {
    let id = match weighted {
        Some(w) => format!("{}/{name}/{rtype}/{}", zone.id, w.set_identifier),
        None => format!("{}/{name}/{rtype}", zone.id),
    };
    let resource = Resource { kind: "AWS::Route53::RecordSet".into(), id, region: None };
    let (wanted, commands) = match target {
        (Ok(dns), Ok(target_zone)) => {
            let mut set = serde_json::json!({
                "Name": name,
                "Type": rtype,
                "AliasTarget": { "HostedZoneId": target_zone, "DNSName": dns, "EvaluateTargetHealth": false },
            });
            // UPSERT replaces the record set whole: a weighted record keeps its identity, weight and health check.
            if let Some(w) = weighted {
                set["SetIdentifier"] = serde_json::json!(w.set_identifier);
                set["Weight"] = serde_json::json!(w.weight);
                if let Some(hc) = w.health_check_id {
                    set["HealthCheckId"] = serde_json::json!(hc);
                }
            }
            let batch = serde_json::json!({ "Changes": [{ "Action": "UPSERT", "ResourceRecordSet": set }]});
            let command = argv([
                "aws",
                "route53",
                "change-resource-record-sets",
                "--hosted-zone-id",
                &zone.id,
                "--change-batch",
                &batch.to_string(),
            ]);
            (Wanted::Value(format!("ALIAS {dns} (HostedZoneId {target_zone})")), vec![command])
        }
        (Ok(dns), Err(why)) => (Wanted::Value(format!("ALIAS {dns} (its HostedZoneId is unknown: {why})")), vec![]),
        (Err(why), _) => (Wanted::Words(format!("an ALIAS to the expected target (unknown: {why})")), vec![]),
    };
    Fix { resource, field: field.into(), current, wanted, commands }
}

/// What a weighted record's UPSERT must carry again besides its target.
struct Weighted<'a> {
    set_identifier: &'a str,
    weight: i64,
    health_check_id: Option<&'a str>,
}

/// The target a record set must name: each part, or why it is unknown.
struct Want<'a> {
    name: Result<&'a str, &'a str>,
    zone: Result<&'a str, &'a str>,
    /// What a new record should hold, in words (the zone id only when known).
    target: &'a str,
    /// The hosted zone the records are in.
    hosted_zone: &'a HostedZoneFacts,
    /// The record name judged (the host, or the wildcard that covers it).
    rec: &'a str,
    /// The distribution's AnycastIpListId: plain A records to its static IPs reach it too.
    anycast_ip_list: Option<&'a str>,
    /// The record sets a chain inside the zone reaches.
    chain: &'a ChainRecords,
    /// The names followed so far, the host first.
    path: Vec<String>,
    /// Evidence key prefix: empty for the host's records, `name.` for a chain's.
    prefix: String,
}

/// A CNAME record's value (an emulator may report it as an alias target).
fn cname_value(c: &AliasRecordFacts) -> String {
    c.alias_dns_name.clone().or_else(|| c.values.first().cloned()).unwrap_or_default()
}

/// What one record of a set says about the target: `None` when it names it.
enum Finding {
    /// Not the target; the field to set (as data when one UPSERT sets it).
    Wrong { message: String, hint: String, fix: Option<Fix> },
    /// Another name in the same zone (the record, the name): followed.
    InZone(String, String),
    /// Where it leads depends on what is not read (an anycast IP list's
    /// addresses) or not reported (the target's name or hosted zone id).
    Unread(String),
}

/// Judges every record of one name and type by its routing policy: a record
/// that can answer queries and names another target is a failure (a
/// warning when its weight is 0 and it takes no traffic, unknown when its
/// policy is not known here). Route 53 documents no order among the records
/// of a set, so none is picked as "the" record.
fn judge_set(
    f: &mut Findings,
    rtype: &str,
    set: &[&AliasRecordFacts],
    want: &Want<'_>,
    in_zone: &dyn Fn(&str) -> bool,
) {
    let traffic = traffic(set);
    let routed = set.iter().any(|r| r.set_identifier.is_some());
    let (rec, want_name, want_zone) = (want.rec, want.name, want.zone);
    // The zone id in a fix only when known.
    let with_zone = want_zone.map(|z| format!(" (HostedZoneId {z})")).unwrap_or_default();
    // For the fix only: a record naming the target whose zone id cannot be checked counts as right.
    let right = |r: &AliasRecordFacts| {
        let name = if rtype == "CNAME" { cname_value(r) } else { r.alias_dns_name.clone().unwrap_or_default() };
        want_name.is_ok_and(|w| normalize_host(&name) == normalize_host(w))
            && (rtype == "CNAME"
                || want_zone.is_err()
                || r.alias_hosted_zone_id
                    .as_deref()
                    .is_some_and(|z| want_zone.is_ok_and(|w| z.eq_ignore_ascii_case(w))))
    };
    // The fix for a wrong weighted record can also be to take its traffic away.
    let right_weighted: Vec<(&str, i64)> = set
        .iter()
        .filter(|r| right(r))
        .filter_map(|r| match r.routing {
            RoutingPolicy::Weighted(w) => Some((r.set_identifier.as_deref().unwrap_or(""), w)),
            _ => None,
        })
        .collect();
    // Records without a health check are always healthy: a zero-weighted record answers only when
    // every record with a non-zero weight has one and all of them fail.
    let serving: Vec<(&&AliasRecordFacts, &Traffic)> = set.iter().zip(&traffic).filter(|(_, t)| t.serves()).collect();
    let standby_after = serving.iter().all(|(r, _)| r.health_check_id.is_some()).then(|| {
        let checks: Vec<String> = serving
            .iter()
            .map(|(r, _)| {
                let hc = r.health_check_id.as_deref().unwrap_or_default();
                format!("{hc} (`{}`)", r.set_identifier.as_deref().unwrap_or("(simple)"))
            })
            .collect();
        match checks.len() {
            1 => format!("health check {} fails", checks[0]),
            _ => format!("health checks {} all fail", checks.join(", ")),
        }
    });
    // One UPSERT fixes a simple or a weighted record (which keeps its SetIdentifier, Weight and health
    // check); another routing policy's fields are not all read here, so its fix stays the hint.
    let simple = |r: &AliasRecordFacts, field: &str, current: &str| {
        let weighted = match (&r.routing, r.set_identifier.as_deref()) {
            (RoutingPolicy::Simple, None) => None,
            (RoutingPolicy::Weighted(weight), Some(id)) => {
                Some(Weighted { set_identifier: id, weight: *weight, health_check_id: r.health_check_id.as_deref() })
            }
            _ => return None,
        };
        let target = (want_name, want_zone);
        Some(alias_fix(want.hosted_zone, rec, rtype, target, field, Some(current.into()), weighted.as_ref()))
    };
    let mut shown = Vec::new();
    for (r, t) in set.iter().zip(&traffic) {
        let value = if rtype == "CNAME" {
            cname_value(r)
        } else {
            match (&r.alias_dns_name, &r.alias_hosted_zone_id) {
                (Some(name), Some(zone_id)) => format!("ALIAS {name} ({zone_id})"),
                _ => format!("plain {}", r.values.join(", ")),
            }
        };
        let (this, which) = match &r.set_identifier {
            Some(id) => (format!("{rec} {rtype} record `{id}` ({t})"), format!(" with SetIdentifier `{id}`")),
            None if rtype == "CNAME" => (rec.to_owned(), String::new()),
            None => (format!("{rec} {rtype}"), String::new()),
        };
        shown.push(match &r.set_identifier {
            Some(id) => format!("`{id}` {} ({t}): {value}", r.routing.name()),
            None => value.clone(),
        });
        // The listed record is one the policy created; what clients get follows the policy's rules.
        if let Some(tpi) = &r.traffic_policy_instance_id {
            f.unknown(format!(
                "{this} ({value}) was created by traffic policy instance {tpi}: Route 53 answers {rec} by that traffic \
                 policy's rules and endpoints, which are not read (aws route53 get-traffic-policy-instance --id {tpi})"
            ));
            continue;
        }
        let finding = if rtype == "CNAME" {
            let v = cname_value(r);
            match want_name {
                Ok(w) if normalize_host(&v) == normalize_host(w) => None,
                _ if in_zone(&v) => Some(Finding::InZone(format!("{this} is a CNAME to {v}"), v.clone())),
                Ok(w) => Some(Finding::Wrong {
                    message: format!("{this} is a CNAME to {v}, expected {w}"),
                    hint: format!("set the value of the CNAME record {rec}{which} to {w}"),
                    fix: None,
                }),
                Err(why) => Some(Finding::Unread(format!(
                    "{this} is a CNAME to {v}: whether that is the target cannot be told ({why})"
                ))),
            }
        } else {
            match (&r.alias_dns_name, &r.alias_hosted_zone_id) {
                // An alias to another record of the same zone.
                (Some(name), Some(zone_id))
                    if zone_id.eq_ignore_ascii_case(&want.hosted_zone.id)
                        && !want_name.is_ok_and(|w| normalize_host(name) == normalize_host(w)) =>
                {
                    Some(Finding::InZone(format!("{this} is an ALIAS to {name}"), name.clone()))
                }
                (Some(name), Some(zone_id)) => match (want_name, want_zone) {
                    (Err(why), _) => Some(Finding::Unread(format!(
                        "{this} is an ALIAS to {name} ({zone_id}): whether that is the target cannot be told ({why})"
                    ))),
                    // Another host: wrong whatever the zone id.
                    (Ok(w), _) if normalize_host(name) != normalize_host(w) => Some(Finding::Wrong {
                        message: format!("{this} is an ALIAS to {name}, expected {w}"),
                        hint: format!(
                            "set AliasTarget.DNSName of the {rtype} ALIAS record {rec}{which} to {w}{with_zone}"
                        ),
                        fix: simple(r, "AliasTarget.DNSName", name),
                    }),
                    (Ok(_), Ok(z)) if !zone_id.eq_ignore_ascii_case(z) => Some(Finding::Wrong {
                        message: format!("{this} ALIAS has HostedZoneId {zone_id}, expected {z}"),
                        hint: format!("set AliasTarget.HostedZoneId of the {rtype} ALIAS record {rec}{which} to {z}"),
                        fix: simple(r, "AliasTarget.HostedZoneId", zone_id),
                    }),
                    (Ok(_), Ok(_)) => None,
                    (Ok(w), Err(why)) => Some(Finding::Unread(format!(
                        "{this} ALIAS names {w} with HostedZoneId {zone_id}, which cannot be checked: {why}"
                    ))),
                },
                // The distribution's anycast static IPs are a way in by plain A records.
                _ if want.anycast_ip_list.is_some() && matches!(rtype, "A" | "AAAA") => Some(Finding::Unread(format!(
                    "{this} is a plain record ({}) and the distribution has the anycast static IP list {}, \
                     whose addresses are not read: whether the record names them cannot be told",
                    r.values.join(", "),
                    want.anycast_ip_list.unwrap_or_default()
                ))),
                _ => Some(Finding::Wrong {
                    message: format!("{this} is a plain record ({}), not an ALIAS", r.values.join(", ")),
                    hint: format!("replace the plain {rtype} record{which} with an ALIAS record with {}", want.target),
                    fix: None,
                }),
            }
        };
        let Some(finding) = finding else { continue };
        match (finding, t) {
            // Takes no traffic while a record with a non-zero weight is healthy.
            (Finding::Wrong { message, hint, .. }, Traffic::Standby) => f.warn(
                match &standby_after {
                    Some(when) => format!(
                        "{message}: Route 53 considers a zero-weighted record only when every record of the set \
                         with a non-zero Weight is unhealthy — if {when}, clients get {value}"
                    ),
                    None => format!(
                        "{message}: Route 53 considers a zero-weighted record only when every record of the set \
                         with a non-zero Weight is unhealthy"
                    ),
                },
                format!("{hint}, or delete the record"),
            ),
            (Finding::InZone(..) | Finding::Unread(_), Traffic::Standby) => {}
            (
                Finding::Wrong { message, .. } | Finding::InZone(message, _) | Finding::Unread(message),
                Traffic::Unknown,
            ) => f.unknown(format!("{message}; whether clients get it cannot be told")),
            (Finding::InZone(message, to), _) => follow(f, rtype, &message, &to, want, in_zone),
            (Finding::Unread(message), _) => f.unknown(message),
            (Finding::Wrong { message, hint, fix }, _) => {
                let serving = right_weighted.iter().find(|(_, w)| *w > 0).or(right_weighted.first());
                let hint = match (&r.routing, serving) {
                    (RoutingPolicy::Weighted(_), Some((_, w))) if *w > 0 => format!("{hint}, or set its Weight to 0"),
                    (RoutingPolicy::Weighted(_), Some((id, _))) => {
                        format!("{hint}, or set its Weight to 0 and the Weight of `{id}` above 0")
                    }
                    _ => hint,
                };
                match fix {
                    Some(fix) => f.fail_with_fix(message, hint, fix),
                    None => f.fail(message, hint),
                }
            }
        }
    }
    f.evidence(format!("{}record.{rtype}", want.prefix), shown.join("; "));
    let checks: Vec<String> = set
        .iter()
        .filter_map(|r| {
            let hc = r.health_check_id.as_deref()?;
            Some(match &r.set_identifier {
                Some(id) => format!("`{id}`: {hc}"),
                None => hc.to_owned(),
            })
        })
        .collect();
    if !checks.is_empty() {
        f.evidence(format!("{}record.{rtype}.health_checks", want.prefix), checks.join(", "));
    }
    if routed {
        let clients: Vec<String> = set
            .iter()
            .zip(&traffic)
            .filter(|(_, t)| t.serves())
            .map(|(r, _)| format!("`{}`", r.set_identifier.as_deref().unwrap_or("(simple)")))
            .collect();
        f.evidence(format!("{}record.{rtype}.clients_get", want.prefix), clients.join(", "));
    }
}

/// Follows a record (`this`, in words) of type `rtype` that points to `to`,
/// another name of the zone, and judges the records there by the same rules,
/// naming them: at most [`MAX_CHAIN_HOPS`] hops; a loop, a longer chain or
/// a name whose records were not read is unknown, never a guess.
fn follow(f: &mut Findings, rtype: &str, this: &str, to: &str, want: &Want<'_>, in_zone: &dyn Fn(&str) -> bool) {
    let to = normalize_host(to);
    let zone = &want.hosted_zone.name;
    let path = || want.path.iter().chain(std::iter::once(&to)).cloned().collect::<Vec<_>>().join(" → ");
    if want.path.contains(&to) {
        f.unknown(format!("{this}, another record in zone {zone}, and the chain {} loops: no record ends it", path()));
        return;
    }
    if want.path.len() > MAX_CHAIN_HOPS {
        f.unknown(format!(
            "{this}, another record in zone {zone}: the chain {} is longer than {MAX_CHAIN_HOPS} hops and is not \
             followed further",
            path()
        ));
        return;
    }
    let Some(records) = want.chain.get(&to) else {
        f.unknown(format!("{this}, another record in zone {zone}, whose records were not read: not followed"));
        return;
    };
    if let Some(ns) = records.iter().find(|r| r.record_type == "NS") {
        f.unknown(format!(
            "{this}, which zone {zone} delegates to {} (NS record): the records clients get there cannot be read",
            ns.values.join(", ")
        ));
        return;
    }
    let sub = Want {
        name: want.name,
        zone: want.zone,
        target: want.target,
        hosted_zone: want.hosted_zone,
        rec: &to,
        anycast_ip_list: want.anycast_ip_list,
        chain: want.chain,
        path: want.path.iter().cloned().chain(std::iter::once(to.clone())).collect(),
        prefix: format!("{to}."),
    };
    f.evidence(format!("{}record.{rtype}.chain", want.prefix), sub.path.join(" → "));
    let of = |t: &str| records.iter().filter(|r| r.record_type == t).collect::<Vec<_>>();
    let cnames = of("CNAME");
    if !cnames.is_empty() {
        return judge_set(f, "CNAME", &cnames, &sub, in_zone);
    }
    // A CNAME resolves through A and AAAA alike; an ALIAS names a record of its own type.
    let types: &[&str] = if rtype == "CNAME" { &["A", "AAAA"] } else { std::slice::from_ref(&rtype) };
    for t in types {
        let set = of(t);
        if !set.is_empty() {
            judge_set(f, t, &set, &sub, in_zone);
        } else if *t != "AAAA" || rtype == "AAAA" {
            f.fail(
                format!("{this}, another record in zone {zone}, and {to} has no {t} record there"),
                format!(
                    "add an ALIAS {t} record for {to} with {}, or point {} at the target directly",
                    want.target, want.rec
                ),
            );
        }
    }
}

fn run_alias(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let aws = &ctx.facts.aws;
        let host = ctx.suite.host();
        // CloudFront answers IPv6 clients when IsIPV6Enabled: they need the AAAA alias.
        // and an anycast static IP list makes plain A records to its IPs a way in.
        let (require_aaaa, anycast) = match aws.distribution().await {
            Ok(Some(d)) => (d.ipv6_enabled == Some(true), d.anycast_ip_list_id.clone()),
            _ => (false, None),
        };
        let expected = match aws.expected_alias().await {
            Ok(Some(e)) => e,
            Ok(None) => {
                return Outcome::skip(
                    "needs `[cloudfront] distribution_id` or `[custom_domain] name` to know the target",
                );
            }
            Err(e) => return Outcome::from(e),
        };
        let choice = match aws.zone_choice(host).await {
            Ok(c) => c,
            Err(e) => return Outcome::from(e),
        };
        let records = match &choice.zone {
            Some(z) => match aws.host_records(z, host).await {
                Ok(r) => r,
                Err(e) => return Outcome::from(e),
            },
            None => Arc::new(Vec::new()),
        };
        // A chain inside the zone: one memoized ListResourceRecordSets per name it reaches, hop by hop.
        let mut chain = ChainRecords::new();
        if let Some(z) = &choice.zone {
            let mut next = chain_targets(&records, z, &expected);
            for _ in 0..MAX_CHAIN_HOPS {
                let mut found = Vec::new();
                for name in next {
                    if chain.contains_key(&name) || name == normalize_host(host) {
                        continue;
                    }
                    let r = match aws.host_records(z, &name).await {
                        Ok(r) => r,
                        Err(e) => return Outcome::from(e),
                    };
                    found.extend(chain_targets(&r, z, &expected));
                    chain.insert(name, r);
                }
                next = found;
            }
        }
        judge_alias_chain(&choice, &records, host, &expected, require_aaaa, anycast.as_deref(), &chain)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::facts::aws::{RecordSource, Records, choose_zone, host_records};
    use crate::outcome::Status;

    const CF_NAME: &str = "d111111abcdef8.cloudfront.net";

    fn cf() -> ExpectedAlias {
        ExpectedAlias::known(CF_NAME, CLOUDFRONT_HOSTED_ZONE_ID)
    }
    const HOST: &str = "ws.example.com";

    fn hz(id: &str, name: &str) -> HostedZoneFacts {
        HostedZoneFacts { id: id.into(), name: name.into(), private: false }
    }

    fn zone() -> ZoneChoice {
        ZoneChoice::of(hz("Z0SANDBOX", "example.com."))
    }

    fn named(name: &str, t: &str, alias_to: Option<(&str, &str)>, values: &[&str]) -> AliasRecordFacts {
        match alias_to {
            Some((dns_name, zone)) => AliasRecordFacts::alias(name, t, dns_name, zone),
            None => AliasRecordFacts::plain(name, t, values),
        }
    }

    fn alias(t: &str, name: &str, zone: &str) -> AliasRecordFacts {
        named("ws.example.com.", t, Some((name, zone)), &[])
    }

    fn cname(name: &str, value: &str) -> AliasRecordFacts {
        named(name, "CNAME", None, &[value])
    }

    fn ns(name: &str, servers: &[&str]) -> AliasRecordFacts {
        named(name, "NS", None, servers)
    }

    /// Record sets by (zone id, name), as ListResourceRecordSets would list them.
    struct Table(Vec<(&'static str, &'static str, Vec<AliasRecordFacts>)>);

    impl RecordSource for Table {
        fn records<'a>(
            &'a self,
            zone_id: &'a str,
            name: &'a str,
        ) -> BoxFuture<'a, Result<Records, crate::facts::Error>> {
            let found = self.0.iter().find(|(z, n, _)| *z == zone_id && normalize_host(n) == normalize_host(name));
            let records = found.map(|(_, _, r)| r.clone()).unwrap_or_default();
            Box::pin(async move { Ok(Arc::new(records)) })
        }
    }

    fn candidates(public: &[HostedZoneFacts]) -> ZoneCandidates {
        ZoneCandidates { public: public.to_vec(), ..ZoneCandidates::default() }
    }

    /// The change batch of `o`'s one fix, parsed, with the zone it is sent to.
    fn upsert_of(o: &Outcome) -> (Fix, String, serde_json::Value) {
        assert_eq!(o.fixes().len(), 1, "{o:?}");
        let fix = o.fixes()[0].clone();
        let c = &fix.commands[0];
        assert_eq!(c[..3], argv(["aws", "route53", "change-resource-record-sets"]));
        let zone = c[c.iter().position(|a| a == "--hosted-zone-id").unwrap() + 1].clone();
        let batch = serde_json::from_str(&c[c.iter().position(|a| a == "--change-batch").unwrap() + 1]).unwrap();
        (fix, zone, batch)
    }

    // AWS: Route 53 API Reference, "ChangeResourceRecordSets" — UPSERT "If a resource record set does not
    // already exist, Route 53 creates it. If a resource record set does exist, Route 53 updates it with the
    // values in the request"; "AliasTarget" — for a CloudFront distribution HostedZoneId is Z2FDTNDATAQYW2.
    #[test]
    fn a_missing_or_misaimed_alias_is_fixed_by_one_upsert_of_the_target() {
        let o = judge_alias(&zone(), &[], HOST, &cf(), false, None);
        let (fix, zone_id, batch) = upsert_of(&o);
        assert_eq!((fix.resource.id.as_str(), fix.field.as_str()), ("Z0SANDBOX/ws.example.com/A", "ResourceRecordSet"));
        assert_eq!(zone_id, "Z0SANDBOX");
        let change = &batch["Changes"][0];
        assert_eq!(change["Action"], "UPSERT");
        assert_eq!(change["ResourceRecordSet"]["Name"], "ws.example.com");
        assert_eq!(change["ResourceRecordSet"]["Type"], "A");
        assert_eq!(change["ResourceRecordSet"]["AliasTarget"]["DNSName"], CF_NAME);
        assert_eq!(change["ResourceRecordSet"]["AliasTarget"]["HostedZoneId"], CLOUDFRONT_HOSTED_ZONE_ID);
        assert_eq!(change["ResourceRecordSet"]["AliasTarget"]["EvaluateTargetHealth"], false);

        let old = [alias("A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let (fix, _, batch) = upsert_of(&judge_alias(&zone(), &old, HOST, &cf(), false, None));
        assert_eq!(
            (fix.field.as_str(), fix.current.as_deref()),
            ("AliasTarget.DNSName", Some("d222222oldold9.cloudfront.net."))
        );
        assert_eq!(batch["Changes"][0]["ResourceRecordSet"]["AliasTarget"]["DNSName"], CF_NAME);

        // The target's zone id unknown: the name it must hold, no command.
        let unsure = ExpectedAlias { zone: Err("not reported".into()), ..cf() };
        let o = judge_alias(&zone(), &[], HOST, &unsure, false, None);
        assert!(o.fixes()[0].commands.is_empty(), "{o:?}");
        let good = [alias("A", CF_NAME, CLOUDFRONT_HOSTED_ZONE_ID)];
        assert!(judge_alias(&zone(), &good, HOST, &cf(), false, None).fixes().is_empty());
    }

    // AWS: CloudFront API Reference, "DistributionConfig" (AnycastIpListId) — "ID of the Anycast static IP list that is associated with the distribution"; "AnycastIpList" — "The static IP addresses that are allocated to the Anycast static IP list": a plain A record to those addresses reaches the distribution. The list's addresses are not read, so such a record is unknown, never the "not an ALIAS" failure.
    #[test]
    fn a_plain_record_beside_an_anycast_ip_list_is_unknown_not_a_failure() {
        let plain = named("ws.example.com.", "A", None, &["198.51.100.7"]);
        let o = judge_alias(&zone(), std::slice::from_ref(&plain), HOST, &cf(), false, Some("aip-1"));
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("aip-1"), "{o:?}");
        let o = judge_alias(&zone(), &[plain], HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("not an ALIAS"), "{o:?}");
    }

    // AWS: Route 53 API Reference, "ResourceRecordSet" — Route 53 treats www.example.com (without a trailing dot) and www.example.com. as identical; Route 53 Developer Guide, "DNS domain name format" — Route 53 stores alphabetic characters as lowercase, however they were specified: an AliasTarget.DNSName with a trailing dot or another case names the same target.
    #[test]
    fn alias_pass_and_failures() {
        let good = [
            alias("A", "D111111abcdef8.cloudfront.net.", "z2fdtndataqyw2"),
            alias("AAAA", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID),
        ];
        assert_eq!(judge_alias(&zone(), &good, HOST, &cf(), false, None).status(), Status::Pass);
        assert_eq!(judge_alias(&ZoneChoice::default(), &good, HOST, &cf(), false, None).status(), Status::Skip);

        let old = [alias("A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(&zone(), &old, HOST, &cf(), false, None);
        assert!(o.verdict.message().contains("expected d111111abcdef8.cloudfront.net"), "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.contains("Z2FDTNDATAQYW2")));

        // AAAA must match too when present.
        let bad_aaaa = [good[0].clone(), alias("AAAA", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        assert_eq!(judge_alias(&zone(), &bad_aaaa, HOST, &cf(), false, None).status(), Status::Fail);
        assert_eq!(judge_alias(&zone(), &[], HOST, &cf(), false, None).status(), Status::Fail);
        let plain = named("ws.example.com.", "A", None, &["203.0.113.9"]);
        assert!(judge_alias(&zone(), &[plain], HOST, &cf(), false, None).verdict.message().contains("not an ALIAS"));
    }

    // AWS: Route 53 API Reference, "AliasTarget" — HostedZoneId: for a CloudFront distribution specify Z2FDTNDATAQYW2; for a regional API Gateway custom domain the domain's regionalHostedZoneId. Route 53 refuses another value when the record is created, so a record holding one (an emulator's, or a target swapped behind it) is wrong as listed: a failure naming the field and the value.
    #[test]
    fn a_wrong_alias_hosted_zone_id_fails_naming_the_field() {
        let wrong_zone = [alias("A", "d111111abcdef8.cloudfront.net.", "Z1YSHQZHG15GKL")];
        let o = judge_alias(&zone(), &wrong_zone, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("HostedZoneId Z1YSHQZHG15GKL, expected Z2FDTNDATAQYW2"), "{o:?}");
        assert_eq!(
            o.verdict.hint(),
            Some("set AliasTarget.HostedZoneId of the A ALIAS record ws.example.com to Z2FDTNDATAQYW2")
        );
        // A regional custom domain's target: its own zone id.
        let regional = ExpectedAlias::known("d-abc123.execute-api.ap-northeast-1.amazonaws.com", "Z1YSHQZHG15GKL");
        let right = [alias("A", "d-abc123.execute-api.ap-northeast-1.amazonaws.com.", "Z1YSHQZHG15GKL")];
        assert_eq!(judge_alias(&zone(), &right, HOST, &regional, false, None).status(), Status::Pass);
    }

    const REGIONAL: &str = "d-abc123.execute-api.ap-northeast-1.amazonaws.com";
    const APIGW_ZONE: &str = "Z1YSHQZHG15GKL";
    const NO_ZONE: &str = "ws.example.com: hostedZoneId is not reported by the endpoint";

    /// Layout c on an endpoint whose GetDomainName reports no HostedZoneId: the name is known, the zone id not.
    fn regional_without_zone() -> ExpectedAlias {
        ExpectedAlias { name: Ok(REGIONAL.into()), zone: Err(NO_ZONE.into()) }
    }

    // AWS: Route 53 API Reference, "AliasTarget" — DNSName: "For regional APIs, specify the value of regionalDomainName" and "The name of the record that you're creating must match a custom domain name for your API"; HostedZoneId: "For regional APIs, specify the value of regionalHostedZoneId". Route 53 Developer Guide, "Routing traffic to an Amazon API Gateway API by using your domain name" — "Regional API endpoint: You create a Route 53 alias record that routes traffic to the regional API endpoint". Both fields must name the target: with the zone id not reported, no A record or an alias to another host is still wrong (a wrong field next to a missing one is a failure); the right name is unknown, never a pass.
    #[test]
    fn a_regional_target_without_its_zone_id_is_judged_by_its_name() {
        let expected = regional_without_zone();
        // No A record: fails, naming the record to add; the zone id is not invented.
        let o = judge_alias(&zone(), &[], HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert_eq!(o.verdict.message(), "ws.example.com has no A record in zone example.com.");
        assert_eq!(
            o.verdict.hint(),
            Some(format!("add an ALIAS A record for ws.example.com with AliasTarget.DNSName {REGIONAL}").as_str())
        );
        assert_eq!(o.evidence.get("expected_target"), Some(format!("{REGIONAL} (HostedZoneId unknown)").as_str()));

        // An alias to another host: wrong whatever the zone id.
        let other = [alias("A", "d-0ther00000.execute-api.ap-northeast-1.amazonaws.com.", APIGW_ZONE)];
        let o = judge_alias(&zone(), &other, HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("is an ALIAS to d-0ther00000.execute-api"), "{o:?}");
        assert_eq!(
            o.verdict.hint(),
            Some(format!("set AliasTarget.DNSName of the A ALIAS record ws.example.com to {REGIONAL}").as_str())
        );

        // The right name: its zone id cannot be checked. Unknown, never a pass.
        let right = [alias("A", &format!("{REGIONAL}."), APIGW_ZONE), alias("AAAA", REGIONAL, APIGW_ZONE)];
        let o = judge_alias(&zone(), &right, HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown(), "{o:?}");
        assert!(
            o.verdict.message().starts_with(&format!(
                "unknown: ws.example.com A ALIAS names {REGIONAL} with HostedZoneId {APIGW_ZONE}, which cannot be checked: {NO_ZONE}"
            )),
            "{o:?}"
        );

        // One record right, the other naming another host: the failure stands beside the unknown.
        let mixed =
            [right[0].clone(), alias("AAAA", "d-0ther00000.execute-api.ap-northeast-1.amazonaws.com", APIGW_ZONE)];
        let o = judge_alias(&zone(), &mixed, HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            o.verdict.message().contains("AAAA is an ALIAS to d-0ther00000")
                && o.verdict.message().contains("cannot be checked"),
            "{o:?}"
        );

        // A CNAME carries no zone id: the right name passes below the apex.
        let o = judge_alias(&zone(), &[cname("ws.example.com.", REGIONAL)], HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");

        // With the zone id reported, the same aliases pass.
        let o = judge_alias(&zone(), &right, HOST, &ExpectedAlias::known(REGIONAL, APIGW_ZONE), false, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
    }

    // AWS: Route 53 API Reference, "AliasTarget" — DNSName: "For regional APIs, specify the value of regionalDomainName" (get-domain-names); Route 53 Developer Guide, "Routing traffic to an Amazon API Gateway API by using your domain name" — "Regional API endpoint: You create a Route 53 alias record that routes traffic to the regional API endpoint". With no regional domain name reported (nor given by the suite), an alias cannot be told right or wrong (unknown), but no A record, or a plain one, is no alias to any API Gateway target: a failure.
    #[test]
    fn an_unknown_target_name_still_fails_a_missing_or_plain_record() {
        let why = "ws.example.com: apiGatewayDomainName is not reported by the endpoint";
        let expected = ExpectedAlias { name: Err(why.into()), zone: Err(NO_ZONE.into()) };
        let o = judge_alias(&zone(), &[], HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            o.verdict
                .hint()
                .is_some_and(|h| h.starts_with("add an ALIAS A record for ws.example.com") && h.contains(why)),
            "{o:?}"
        );

        let plain = named("ws.example.com.", "A", None, &["203.0.113.9"]);
        let o = judge_alias(&zone(), &[plain], HOST, &expected, false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("not an ALIAS"), "{o:?}");

        let o = judge_alias(&zone(), &[alias("A", REGIONAL, APIGW_ZONE)], HOST, &expected, false, None);
        assert!(o.verdict.is_unknown(), "{o:?}");
        assert_eq!(
            o.verdict.message(),
            format!(
                "unknown: ws.example.com A is an ALIAS to {REGIONAL} ({APIGW_ZONE}): whether that is the target cannot be told ({why})"
            )
        );
        // An alias to another record of the zone stays "not followed".
        let o = judge_alias(&zone(), &[alias("A", "api.example.com.", "Z0SANDBOX")], HOST, &expected, false, None);
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("not followed"), "{o:?}");
    }

    /// Layout c from a fixture whose GetDomainName reports neither ApiGatewayDomainName nor HostedZoneId (as moto).
    fn layout_c(regional_target: Option<&str>, records: &[AliasRecordFacts]) -> Arc<Ctx> {
        use crate::facts::fixture::Fixture;
        let target = regional_target.map(|t| format!("regional_target = \"{t}\"\n")).unwrap_or_default();
        let text = format!(
            "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/chat\"\n[api]\nid = \"a1b2c3d4e5\"\n\
             stage = \"Prod\"\n[custom_domain]\nname = \"ws.example.com\"\nmapping_key = \"chat\"\n{target}"
        );
        let suite = Arc::new(crate::suite::Suite::parse("t.toml", &text, &|_| None).expect("test suite"));
        let domain = DomainFacts {
            domain_name: HOST.into(),
            api_gateway_domain_name: None,
            hosted_zone_id: None,
            certificate_arn: None,
            status: None,
            endpoint_type: Some("REGIONAL".into()),
            security_policy: Some("TLS_1_2".into()),
            routing_mode: None,
            mutual_tls: None,
            ip_address_type: None,
        };
        let fixture =
            records.iter().fold(Fixture::new().domain(domain).hosted_zone(hz("Z0SANDBOX", "example.com.")), |f, r| {
                f.record("Z0SANDBOX", r.clone())
            });
        let facts = Arc::new(crate::facts::Facts::with_source(suite.clone(), fixture.into_source()));
        Arc::new(Ctx::new(suite, facts, std::collections::BTreeSet::new()))
    }

    async fn run_check(id: crate::ids::CheckId, ctx: &Arc<Ctx>) -> Outcome {
        (crate::checks::find(&id).expect("a check of the catalog").run)(ctx.clone()).await
    }

    // AWS: Route 53 API Reference, "AliasTarget" — DNSName: "For regional APIs, specify the value of regionalDomainName"; HostedZoneId: "For regional APIs, specify the value of regionalHostedZoneId". The name comes from GetDomainName, else the suite's `[custom_domain] regional_target`; the zone id only from GetDomainName. Without the name, dns.alias-target and route53.alias say unknown (typed, `unknown:`), not a bare "not reported" error; a missing A record fails either way.
    #[tokio::test]
    async fn an_unreported_regional_target_is_taken_from_the_suite_else_a_typed_unknown() {
        let a = AliasRecordFacts::alias("ws.example.com", "A", REGIONAL, APIGW_ZONE);
        let ctx = layout_c(Some(REGIONAL), std::slice::from_ref(&a));
        assert_eq!(ctx.facts.aws.expected_alias().await, Ok(Some(regional_without_zone())));
        let o = run_check(ids::ROUTE53_ALIAS, &ctx).await;
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("hostedZoneId is not reported"), "{o:?}");

        let ctx = layout_c(None, std::slice::from_ref(&a));
        let o = run_check(ids::ROUTE53_ALIAS, &ctx).await;
        assert!(
            o.verdict.is_unknown() && o.verdict.message().contains("apiGatewayDomainName is not reported"),
            "{o:?}"
        );
        let o = run_check(ids::DNS_ALIAS_TARGET, &ctx).await;
        assert!(o.verdict.is_unknown(), "{o:?}");
        assert!(
            o.verdict.message().starts_with(
                "unknown: the expected alias target: ws.example.com: apiGatewayDomainName is not reported by the endpoint"
            ),
            "{o:?}"
        );

        let o = run_check(ids::ROUTE53_ALIAS, &layout_c(None, &[])).await;
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("has no A record"), "{o:?}");
    }

    // AWS: Route 53 Developer Guide, "Routing traffic to an Amazon CloudFront distribution by using your domain name" — the alias record's value is the distribution's domain name (dxxxx.cloudfront.net): an alias to another distribution sends clients elsewhere.
    #[test]
    fn an_alias_to_another_target_fails_naming_alias_target_dns_name() {
        let old = [alias("A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(&zone(), &old, HOST, &cf(), false, None);
        assert_eq!(
            o.verdict.hint(),
            Some(
                "set AliasTarget.DNSName of the A ALIAS record ws.example.com to d111111abcdef8.cloudfront.net \
                 (HostedZoneId Z2FDTNDATAQYW2)"
            )
        );
        assert_eq!(o.evidence.get("record.A"), Some("ALIAS d222222oldold9.cloudfront.net. (Z2FDTNDATAQYW2)"));
    }

    // AWS: Route 53 Developer Guide, "Choosing between alias and non-alias records" — a CNAME can route a subdomain to another domain name (the distribution's, or the regional target), but you can't create a CNAME record at the zone apex, only an alias; "Values that are common for all routing policies" — a CNAME record's name can't be the name of the hosted zone.
    #[test]
    fn a_cname_to_the_target_passes_below_the_apex_and_fails_at_it() {
        let c = [cname("ws.example.com.", "D111111abcdef8.cloudfront.net.")];
        let o = judge_alias(&zone(), &c, HOST, &cf(), true, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("record.CNAME"), Some("D111111abcdef8.cloudfront.net."));
        assert!(o.warnings.is_empty(), "AAAA follows the CNAME to the target: {o:?}");

        let other = [cname("ws.example.com.", "d222222oldold9.cloudfront.net")];
        let o = judge_alias(&zone(), &other, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail);
        assert!(
            o.verdict.message().contains("CNAME to d222222oldold9.cloudfront.net, expected d111111abcdef8"),
            "{o:?}"
        );
        assert_eq!(
            o.verdict.hint(),
            Some("set the value of the CNAME record ws.example.com to d111111abcdef8.cloudfront.net")
        );

        // The host is the zone apex: a CNAME is not allowed there, whatever it points at.
        let apex = ZoneChoice::of(hz("ZAPEX", "ws.example.com."));
        let o = judge_alias(&apex, &c, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("apex of zone ws.example.com.: a CNAME record is not allowed"), "{o:?}");
        assert!(
            o.verdict.hint().is_some_and(|h| h.starts_with("replace the CNAME record ws.example.com with an ALIAS A"))
        );
    }

    // AWS: Route 53 API Reference, "ResourceRecordSet" (Name) — the * wildcard replaces the leftmost label (*.example.com); ListResourceRecordSets lists it escaped (\052, "DNS domain name format"). It stands for a host that has no record of its own; a host with its own records is judged by them.
    #[tokio::test]
    async fn a_wildcard_record_covers_a_host_without_its_own() {
        let z = hz("Z0SANDBOX", "example.com.");
        let wild =
            named("*.example.com", "A", Some(("d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)), &[]);
        let table = Table(vec![("Z0SANDBOX", "*.example.com", vec![wild.clone()])]);
        let records = host_records(&table, &z, HOST).await.expect("records");
        assert_eq!(records.as_slice(), std::slice::from_ref(&wild));
        let o = judge_alias(&zone(), &records, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.get("record.wildcard"),
            Some("*.example.com covers ws.example.com (no record named ws.example.com)")
        );

        // A wildcard to an old distribution fails and names the wildcard record.
        let old = named("*.example.com", "A", Some(("d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)), &[]);
        let o = judge_alias(&zone(), &[old], HOST, &cf(), false, None);
        assert!(
            o.verdict.hint().is_some_and(|h| h.contains("A ALIAS record *.example.com to d111111abcdef8")),
            "{o:?}"
        );

        // Its own record wins; the zone apex never takes the wildcard.
        let own = alias("A", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID);
        let table =
            Table(vec![("Z0SANDBOX", "*.example.com", vec![wild.clone()]), ("Z0SANDBOX", HOST, vec![own.clone()])]);
        assert_eq!(host_records(&table, &z, HOST).await.expect("records").as_slice(), &[own]);
        let apex = hz("ZAPEX", "example.com.");
        assert!(host_records(&table, &apex, "example.com").await.expect("records").is_empty());
    }

    // AWS: Route 53 API Reference, "CreateHostedZone" — the NS records of a hosted zone are the name servers its domain is delegated to; "ConflictingDomainExists" — zones with the same name or a parent/child relationship can't share name servers, so the parent's NS record for the child names exactly one of them. The answering zone is the most specific one delegated by NS from the zone above it.
    #[tokio::test]
    async fn the_most_specific_delegated_zone_answers() {
        let (parent, child) = (hz("ZPARENT", "example.com."), hz("ZCHILD", "ws.example.com."));
        let cands = candidates(&[child.clone(), parent.clone()]);
        let delegated = Table(vec![
            ("ZPARENT", HOST, vec![ns("ws.example.com.", &["ns-1.awsdns-01.org.", "ns-2.awsdns-02.net."])]),
            ("ZCHILD", HOST, vec![ns("ws.example.com.", &["NS-2.awsdns-02.net", "ns-9.awsdns-09.com."])]),
        ]);
        let c = choose_zone(HOST, &cands, &delegated).await.expect("choice");
        assert_eq!(c.zone.as_ref().map(|z| z.id.as_str()), Some("ZCHILD"));
        assert!(c.warnings.is_empty(), "{c:?}");
        assert_eq!(c.path, vec!["example.com. (ZPARENT)", "ws.example.com. (ZCHILD) delegated by NS"]);

        // At the child's apex its own NS and SOA are not a delegation.
        let own = [
            ns("ws.example.com.", &["ns-9.awsdns-09.com."]),
            alias("A", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID),
        ];
        assert_eq!(judge_alias(&c, &own, HOST, &cf(), false, None).status(), Status::Pass);
    }

    // AWS: Route 53 API Reference, "CreateHostedZone" — a zone answers only once its name servers are the delegated ones; without an NS record for the subdomain in the parent zone, the parent zone keeps answering for it (a warning: the unused zone misleads, nothing is broken by it).
    #[tokio::test]
    async fn an_undelegated_subzone_is_skipped_with_a_warning() {
        let (parent, child) = (hz("ZPARENT", "example.com."), hz("ZCHILD", "ws.example.com."));
        let cands = candidates(&[child, parent]);
        let c = choose_zone(HOST, &cands, &Table(vec![])).await.expect("choice");
        assert_eq!(c.zone.as_ref().map(|z| z.id.as_str()), Some("ZPARENT"));
        assert_eq!(c.warnings.len(), 1, "{c:?}");
        assert!(c.warnings[0].0.contains("hosted zone ws.example.com (ZCHILD) is not delegated"), "{c:?}");
        let good = [alias("A", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(&c, &good, HOST, &cf(), false, None);
        assert_eq!((o.status(), o.warnings.len()), (Status::Pass, 1), "{o:?}");
    }

    // AWS: Route 53 API Reference, "ConflictingDomainExists" — same-named zones never share name servers; a delegation to name servers of none of this account's zones is answered elsewhere: unknown, never a guessed failure.
    #[tokio::test]
    async fn a_delegation_elsewhere_is_unknown() {
        let (parent, child) = (hz("ZPARENT", "example.com."), hz("ZCHILD", "ws.example.com."));
        let cands = candidates(&[child, parent.clone()]);
        let table = Table(vec![
            ("ZPARENT", HOST, vec![ns("ws.example.com.", &["ns1.other-dns.example.net."])]),
            ("ZCHILD", HOST, vec![ns("ws.example.com.", &["ns-9.awsdns-09.com."])]),
        ]);
        let c = choose_zone(HOST, &cands, &table).await.expect("choice");
        let o = judge_alias(&c, &[], HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Error);
        assert!(
            o.verdict.is_unknown()
                && o.verdict.message().contains("example.com. delegates ws.example.com to ns1.other-dns"),
            "{o:?}"
        );

        // No zone of that name here at all: the NS record at the host in the parent says the same.
        let o = judge_alias(
            &ZoneChoice::of(parent),
            &[ns("ws.example.com.", &["ns1.other-dns.example.net."])],
            HOST,
            &cf(),
            false,
            None,
        );
        assert!(
            o.verdict.is_unknown() && o.verdict.message().contains("example.com. delegates ws.example.com"),
            "{o:?}"
        );
    }

    // AWS: Route 53 API Reference, "ConflictingDomainExists" — several public zones may share a name (each with its own name servers); the parent's NS record picks the delegated one. Without a parent in the account the registrar's delegation decides, which the zone listing does not show: the first is judged, with a warning that says so.
    #[tokio::test]
    async fn same_named_zones_prefer_the_delegated_one_else_warn() {
        let (a, b) = (hz("ZAAA", "ws.example.com."), hz("ZBBB", "ws.example.com."));
        let parent = hz("ZPARENT", "example.com.");
        let cands = candidates(&[a.clone(), b.clone(), parent]);
        let table = Table(vec![
            ("ZPARENT", HOST, vec![ns("ws.example.com.", &["ns-2.awsdns-02.net."])]),
            ("ZAAA", HOST, vec![ns("ws.example.com.", &["ns-1.awsdns-01.org."])]),
            ("ZBBB", HOST, vec![ns("ws.example.com.", &["ns-2.awsdns-02.net."])]),
        ]);
        let c = choose_zone(HOST, &cands, &table).await.expect("choice");
        assert_eq!(c.zone.as_ref().map(|z| z.id.as_str()), Some("ZBBB"));
        assert!(c.warnings.is_empty(), "{c:?}");

        let c = choose_zone(HOST, &candidates(&[a, b]), &Table(vec![])).await.expect("choice");
        assert_eq!(c.zone.as_ref().map(|z| z.id.as_str()), Some("ZAAA"));
        assert!(c.warnings[0].0.contains("2 public hosted zones are named ws.example.com (ZAAA, ZBBB)"), "{c:?}");
        assert!(c.warnings[0].0.contains("judged ZAAA"), "{c:?}");
    }

    // AWS: Route 53 Developer Guide, "Working with hosted zones" — private hosted zones route traffic within Amazon VPCs, public ones on the internet; API Reference, "AliasTarget" — alias records for CloudFront can't be created in a private zone. Public clients never see a private zone.
    #[test]
    fn private_zones_are_skipped_and_said() {
        let c = ZoneChoice { skipped_private: vec!["example.com. (ZPRIVATE)".into()], ..ZoneChoice::default() };
        let o = judge_alias(&c, &[], HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Skip);
        assert!(
            o.verdict.message().contains("private zones skipped") && o.verdict.message().contains("ZPRIVATE"),
            "{o:?}"
        );
    }

    fn chain_of(sets: &[(&str, Vec<AliasRecordFacts>)]) -> ChainRecords {
        sets.iter().map(|(n, r)| (normalize_host(n), Arc::new(r.clone()))).collect()
    }

    fn at(name: &str, t: &str, to: &str, zone: &str) -> AliasRecordFacts {
        named(name, t, Some((to, zone)), &[])
    }

    // AWS: Route 53 API Reference, "AliasTarget" — HostedZoneId for "Another Route 53 resource record set in your hosted zone": "Specify the hosted zone ID of your hosted zone. (An alias resource record set can't reference a resource record set in a different hosted zone.)"; DNSName: "Specify the value of the Name element for a resource record set in the current hosted zone"; a CNAME below the apex to another domain name: clients get what the record at the end of the chain names, judged by the same rules, the chain shown.
    #[test]
    fn a_chain_inside_the_zone_to_the_target_passes() {
        let host = [alias("A", "edge.example.com.", "Z0SANDBOX")];
        let chain =
            chain_of(&[("edge.example.com", vec![at("edge.example.com.", "A", NEW, CLOUDFRONT_HOSTED_ZONE_ID)])]);
        let o = judge_alias_chain(&zone(), &host, HOST, &cf(), false, None, &chain);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("record.A.chain"), Some("ws.example.com → edge.example.com"));
        assert!(o.evidence.get("edge.example.com.record.A").is_some_and(|e| e.contains(NEW)), "{o:?}");
        // A CNAME to a name of the zone that aliases the target: A followed (AAAA absent there, as at the host).
        let host = [cname("ws.example.com.", "edge.example.com")];
        let o = judge_alias_chain(&zone(), &host, HOST, &cf(), false, None, &chain);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        // Not read (no lookup given): unknown, never a guess.
        let o = judge_alias(&zone(), &[alias("A", "edge.example.com.", "Z0SANDBOX")], HOST, &cf(), false, None);
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("whose records were not read"), "{o:?}");
    }

    // AWS: Route 53 API Reference, "AliasTarget" — HostedZoneId for "Another Route 53 resource record set in your hosted zone": "Specify the hosted zone ID of your hosted zone. (An alias resource record set can't reference a resource record set in a different hosted zone.)"; DNSName: "Specify the value of the Name element for a resource record set in the current hosted zone": clients get what that record names, so a wrong target at the end of the chain fails, naming that record and the field to set.
    #[test]
    fn a_chain_inside_the_zone_to_a_wrong_target_fails_naming_the_end_record() {
        let host = [alias("A", "edge.example.com.", "Z0SANDBOX")];
        let chain = chain_of(&[
            ("edge.example.com", vec![at("edge.example.com.", "A", "origin.example.com.", "Z0SANDBOX")]),
            ("origin.example.com", vec![at("origin.example.com.", "A", OLD, CLOUDFRONT_HOSTED_ZONE_ID)]),
        ]);
        let o = judge_alias_chain(&zone(), &host, HOST, &cf(), false, None, &chain);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert_eq!(
            o.verdict.message(),
            "origin.example.com A is an ALIAS to d222222oldold9.cloudfront.net., expected d111111abcdef8.cloudfront.net"
        );
        assert_eq!(
            o.verdict.hint(),
            Some(
                "set AliasTarget.DNSName of the A ALIAS record origin.example.com to d111111abcdef8.cloudfront.net \
                 (HostedZoneId Z2FDTNDATAQYW2)"
            )
        );
        assert_eq!(
            o.evidence.get("edge.example.com.record.A.chain"),
            Some("ws.example.com → edge.example.com → origin.example.com")
        );
        // The end of the chain has no record of the alias's type: a failure naming it.
        let o = judge_alias_chain(&zone(), &host, HOST, &cf(), false, None, &chain_of(&[("edge.example.com", vec![])]));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("edge.example.com has no A record"), "{o:?}");
        // A CNAME leaving the zone to another name: a failure, as without a chain.
        let chain = chain_of(&[("edge.example.com", vec![cname("edge.example.com.", "elsewhere.example.net")])]);
        let o = judge_alias_chain(
            &zone(),
            &[cname("ws.example.com.", "edge.example.com")],
            HOST,
            &cf(),
            false,
            None,
            &chain,
        );
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().starts_with("edge.example.com is a CNAME to elsewhere.example.net"), "{o:?}");
    }

    // AWS: Route 53 API Reference, "AliasTarget" — HostedZoneId for "Another Route 53 resource record set in your hosted zone": "Specify the hosted zone ID of your hosted zone. (An alias resource record set can't reference a resource record set in a different hosted zone.)"; DNSName: "Specify the value of the Name element for a resource record set in the current hosted zone". A chain that comes back to a name it passed, or runs past the bound, ends at no record that can be judged: unknown, never a guess.
    #[test]
    fn a_chain_inside_the_zone_that_loops_is_unknown() {
        let host = [alias("A", "edge.example.com.", "Z0SANDBOX")];
        let chain =
            chain_of(&[("edge.example.com", vec![at("edge.example.com.", "A", "ws.example.com.", "Z0SANDBOX")])]);
        let o = judge_alias_chain(&zone(), &host, HOST, &cf(), false, None, &chain);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(
            o.verdict.is_unknown()
                && o.verdict.message().contains("the chain ws.example.com → edge.example.com → ws.example.com loops"),
            "{o:?}"
        );
        // Past MAX_CHAIN_HOPS: unknown.
        let hop = |i: usize| format!("h{i}.example.com");
        let long: Vec<(String, Vec<AliasRecordFacts>)> =
            (1..=MAX_CHAIN_HOPS + 1).map(|i| (hop(i), vec![at(&hop(i), "A", &hop(i + 1), "Z0SANDBOX")])).collect();
        let chain: ChainRecords = long.into_iter().map(|(n, r)| (n, Arc::new(r))).collect();
        let o = judge_alias_chain(&zone(), &[alias("A", &hop(1), "Z0SANDBOX")], HOST, &cf(), false, None, &chain);
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("longer than 4 hops"), "{o:?}");
    }

    // AWS: Route 53 API Reference, "AliasTarget" — HostedZoneId for "Another Route 53 resource record set in your hosted zone": "Specify the hosted zone ID of your hosted zone. (An alias resource record set can't reference a resource record set in a different hosted zone.)"; DNSName: "Specify the value of the Name element for a resource record set in the current hosted zone": the names the host's records reach in its zone are the ones to read next; the target itself and names outside the zone are not.
    #[test]
    fn chain_targets_are_the_names_of_the_zone_that_are_not_the_target() {
        let records = [
            alias("A", "Edge.example.com.", "z0sandbox"),
            alias("AAAA", "edge.example.com", "Z0SANDBOX"),
            alias("A", NEW, CLOUDFRONT_HOSTED_ZONE_ID),
            cname("ws.example.com.", "other.example.com"),
            cname("ws.example.com.", "elsewhere.example.net"),
        ];
        let hz = hz("Z0SANDBOX", "example.com.");
        assert_eq!(chain_targets(&records, &hz, &cf()), ["edge.example.com", "other.example.com"]);
    }

    #[test]
    fn every_hint_matches_its_finding() {
        let o = judge_alias(&zone(), &[], HOST, &cf(), false, None);
        assert_eq!(
            o.verdict.hint(),
            Some(
                "add an ALIAS A record for ws.example.com with AliasTarget.DNSName d111111abcdef8.cloudfront.net and HostedZoneId Z2FDTNDATAQYW2"
            )
        );
    }

    // AWS: Route 53 Developer Guide, "Routing traffic to an Amazon CloudFront distribution by using your
    // domain name" — with IPv6 enabled on the distribution, a second alias record of type AAAA is needed
    // besides the A alias (as the CloudFront Developer Guide, "Enable IPv6 for CloudFront distributions",
    // words it: "you need to create a second alias resource record set" when IPv6 is enabled and the
    // URLs use an alternate domain name). Without it IPv6 clients get no AAAA answer and use IPv4.
    #[test]
    fn missing_aaaa_with_ipv6_enabled_is_a_warning_with_its_own_hint() {
        let a_only = [alias("A", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(&zone(), &a_only, HOST, &cf(), true, None);
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
        let o = judge_alias(&zone(), &a_only, HOST, &cf(), false, None);
        assert!(o.warnings.is_empty(), "{o:?}");
        // A wrong A alias stays a failure with its own hint; the AAAA warning keeps its own.
        let old = [alias("A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)];
        let o = judge_alias(&zone(), &old, HOST, &cf(), true, None);
        assert_eq!(o.status(), Status::Fail);
        assert!(
            o.verdict.hint().is_some_and(|h| h.starts_with("set AliasTarget.DNSName of the A ALIAS record")),
            "{o:?}"
        );
        assert!(o.warnings[0].hint.as_deref().is_some_and(|h| h.starts_with("add an ALIAS AAAA record")), "{o:?}");
    }

    const OLD: &str = "d222222oldold9.cloudfront.net.";
    const NEW: &str = "d111111abcdef8.cloudfront.net.";

    fn weighted(t: &str, id: &str, target: &str, weight: i64) -> AliasRecordFacts {
        alias(t, target, CLOUDFRONT_HOSTED_ZONE_ID).routed(id, RoutingPolicy::Weighted(weight))
    }

    // AWS: Route 53 API Reference, "ChangeResourceRecordSets" — an UPSERT replaces the record set of that name,
    // type and SetIdentifier whole; "ResourceRecordSet" — a weighted record needs SetIdentifier and Weight, and
    // HealthCheckId is its own element: the fix names all three again.
    #[test]
    fn a_weighted_record_aimed_elsewhere_keeps_its_identity_weight_and_health_check_in_the_upsert() {
        let mut old = weighted("A", "old", OLD, 100);
        old.health_check_id = Some("hc-1".into());
        let o = judge_alias(&zone(), &[old, weighted("A", "new", NEW, 0)], HOST, &cf(), false, None);
        let (fix, _, batch) = upsert_of(&o);
        assert_eq!(fix.resource.id, "Z0SANDBOX/ws.example.com/A/old");
        let set = &batch["Changes"][0]["ResourceRecordSet"];
        assert_eq!((set["SetIdentifier"].as_str(), set["Weight"].as_i64()), (Some("old"), Some(100)));
        assert_eq!(set["HealthCheckId"], "hc-1");
        assert_eq!(set["AliasTarget"]["DNSName"], CF_NAME);
    }

    // AWS: Route 53 Developer Guide, "Weighted routing" — Route 53 sends traffic to a resource "based on the weight that you assign to the record as a proportion of the total weight for all records in the group"; "If you want to stop sending traffic to a resource, you can change the weight for that record to 0"; "Values specific for weighted alias records" (Weight) — set Weight to 0 to disable routing to a resource, and with Weight 0 for all of the records in the group traffic is routed to all resources with equal probability; API Reference, "ResourceRecordSet" (Weight) — "if you set Weight to 0 for all resource record sets that have the same combination of DNS name and type, traffic is routed to all resources with equal probability"; "Weighted routing" (health checks) — zero-weighted records are considered only when all records with a weight above 0 are unhealthy. "ListResourceRecordSets" sorts by name, then type: no order among records of one name and type. So a wrong target with weight > 0 fails, one with weight 0 beside a non-zero one is a warning, and the listing order decides nothing.
    #[test]
    fn a_weighted_set_is_judged_by_its_weights_not_by_its_order() {
        // The old target first, with weight 0: a correct deployment, with a warning.
        let set = [weighted("A", "old", OLD, 0), weighted("A", "new", NEW, 100)];
        let o = judge_alias(&zone(), &set, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.warnings.len(), 1, "{o:?}");
        let w = &o.warnings[0];
        assert!(w.message.starts_with("ws.example.com A record `old` (Weight 0: no queries"), "{w:?}");
        assert!(w.message.contains("is an ALIAS to d222222oldold9.cloudfront.net., expected d111111"), "{w:?}");
        assert!(w.message.ends_with("only when every record of the set with a non-zero Weight is unhealthy"), "{w:?}");
        assert_eq!(
            w.hint.as_deref(),
            Some(
                "set AliasTarget.DNSName of the A ALIAS record ws.example.com with SetIdentifier `old` to \
                 d111111abcdef8.cloudfront.net (HostedZoneId Z2FDTNDATAQYW2), or delete the record"
            )
        );
        assert_eq!(o.evidence.get("record.A.clients_get"), Some("`new`"));
        assert!(
            o.evidence
                .get("record.A")
                .is_some_and(|e| e.contains("`new` weighted (Weight 100 of 100: 100% of queries)"))
        );

        // The weights the other way round, whatever the order: every client reaches the old target.
        for set in [
            [weighted("A", "old", OLD, 100), weighted("A", "new", NEW, 0)],
            [weighted("A", "new", NEW, 0), weighted("A", "old", OLD, 100)],
        ] {
            let o = judge_alias(&zone(), &set, HOST, &cf(), false, None);
            assert_eq!(o.status(), Status::Fail, "{o:?}");
            assert_eq!(
                o.verdict.message(),
                "ws.example.com A record `old` (Weight 100 of 100: 100% of queries) is an ALIAS to \
                 d222222oldold9.cloudfront.net., expected d111111abcdef8.cloudfront.net"
            );
            assert_eq!(
                o.verdict.hint(),
                Some(
                    "set AliasTarget.DNSName of the A ALIAS record ws.example.com with SetIdentifier `old` to \
                     d111111abcdef8.cloudfront.net (HostedZoneId Z2FDTNDATAQYW2), or set its Weight to 0 and the \
                     Weight of `new` above 0"
                )
            );
            assert!(o.warnings.is_empty(), "the right record with weight 0 is not wrong: {o:?}");
            assert_eq!(o.evidence.get("record.A.clients_get"), Some("`old`"));
        }

        // Both serve: the old one's share fails; taking its weight away is a fix.
        let split = [weighted("A", "new", NEW, 90), weighted("A", "old", OLD, 10)];
        let o = judge_alias(&zone(), &split, HOST, &cf(), false, None);
        assert!(o.verdict.message().contains("`old` (Weight 10 of 100: 10% of queries)"), "{o:?}");
        assert!(o.verdict.hint().is_some_and(|h| h.ends_with("(HostedZoneId Z2FDTNDATAQYW2), or set its Weight to 0")));

        // Every weight 0: all take traffic, with equal probability.
        let zeros = [weighted("A", "old", OLD, 0), weighted("A", "new", NEW, 0)];
        let o = judge_alias(&zone(), &zeros, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("`old` (Weight 0 like every record of the set: 1 in 2 queries)"), "{o:?}");

        // A and AAAA are two sets, each judged by its own weights.
        let both = [
            weighted("A", "old", OLD, 0),
            weighted("A", "new", NEW, 100),
            weighted("AAAA", "old", OLD, 100),
            weighted("AAAA", "new", NEW, 0),
        ];
        let o = judge_alias(&zone(), &both, HOST, &cf(), true, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().starts_with("ws.example.com AAAA record `old` (Weight 100 of 100"), "{o:?}");
        assert_eq!(o.warnings.len(), 1, "the A set's weight-0 record: {o:?}");
    }

    // AWS: Route 53 Developer Guide, "How Amazon Route 53 chooses records when health checking is configured" — "Records without a health check are always healthy"; "If you add health checks to all the records in a group of weighted records, but you give nonzero weights to some records and zero weights to others", Route 53 "initially considers only the nonzero weighted records" and "If all the records that have a weight greater than 0 are unhealthy, then Route 53 considers the zero-weighted records"; API Reference, "ResourceRecordSet" (HealthCheckId) — Route 53 returns a record "only when the status of a health check is healthy", which is "useful only when Route 53 is choosing between two or more resource record sets". A stale zero-weighted record stays the weighted-0 warning; when every serving record has a health check, the warning says which failing checks hand clients the stale target. The checks' live status is not read; every HealthCheckId is evidence.
    #[test]
    fn health_checks_on_the_serving_records_say_when_a_zero_weighted_record_answers() {
        let checked = |r: AliasRecordFacts, hc: &str| AliasRecordFacts { health_check_id: Some(hc.into()), ..r };
        let set = [weighted("A", "old", OLD, 0), checked(weighted("A", "new", NEW, 100), "hc-1")];
        let o = judge_alias(&zone(), &set, HOST, &cf(), false, None);
        assert_eq!((o.status(), o.warnings.len()), (Status::Pass, 1), "{o:?}");
        let w = &o.warnings[0];
        assert!(
            w.message.ends_with(
                "with a non-zero Weight is unhealthy — if health check hc-1 (`new`) fails, clients get ALIAS \
                 d222222oldold9.cloudfront.net. (Z2FDTNDATAQYW2)"
            ),
            "{w:?}"
        );
        assert_eq!(o.evidence.get("record.A.health_checks"), Some("`new`: hc-1"));

        // Two serving records: the stale one answers only when both checks fail.
        let two = [
            weighted("A", "old", OLD, 0),
            checked(weighted("A", "new", NEW, 50), "hc-1"),
            checked(weighted("A", "new2", NEW, 50), "hc-2"),
        ];
        let o = judge_alias(&zone(), &two, HOST, &cf(), false, None);
        assert!(o.warnings[0].message.contains("if health checks hc-1 (`new`), hc-2 (`new2`) all fail"), "{o:?}");

        // A serving record without a health check is always healthy: the plain weighted-0 warning.
        let partly = [
            weighted("A", "old", OLD, 0),
            checked(weighted("A", "new", NEW, 50), "hc-1"),
            weighted("A", "new2", NEW, 50),
        ];
        let o = judge_alias(&zone(), &partly, HOST, &cf(), false, None);
        assert_eq!(o.warnings.len(), 1, "{o:?}");
        assert!(
            o.warnings[0].message.ends_with("with a non-zero Weight is unhealthy")
                && !o.warnings[0].message.contains("hc-1"),
            "{o:?}"
        );

        // A health check on a record that is the only one of its name and type changes nothing: evidence.
        let simple = [checked(alias("A", NEW, CLOUDFRONT_HOSTED_ZONE_ID), "hc-9")];
        let o = judge_alias(&zone(), &simple, HOST, &cf(), false, None);
        assert_eq!((o.status(), o.warnings.len()), (Status::Pass, 0), "{o:?}");
        assert_eq!(o.evidence.get("record.A.health_checks"), Some("hc-9"));
        assert!(
            judge_alias(&zone(), &set[..1], HOST, &cf(), false, None).evidence.get("record.A.health_checks").is_none()
        );
    }

    // AWS: Route 53 API Reference, "ResourceRecordSet" (TrafficPolicyInstanceId) — "When you create a traffic policy instance, Amazon Route 53 automatically creates a resource record set. TrafficPolicyInstanceId is the ID of the traffic policy instance that Route 53 created this resource record set for"; "CreateTrafficPolicyInstance" — "Amazon Route 53 responds to DNS queries for the domain or subdomain name by using the resource record sets that CreateTrafficPolicyInstance created"; Developer Guide, "Using Traffic Flow to route DNS traffic" — a traffic policy is "a complex tree of records using alias records and a combination of Route 53 routing policies". The policy's rules are not read, so a policy record is unknown whatever it lists — never a pass (nor a failure) on the listed record alone.
    #[test]
    fn a_record_created_by_a_traffic_policy_is_unknown() {
        let by_policy = |target: &str| AliasRecordFacts {
            traffic_policy_instance_id: Some("tpi-1".into()),
            ..alias("A", target, CLOUDFRONT_HOSTED_ZONE_ID)
        };
        for target in [NEW, OLD] {
            let o = judge_alias(&zone(), &[by_policy(target)], HOST, &cf(), false, None);
            assert_eq!(o.status(), Status::Error, "{target}: {o:?}");
            assert!(o.verdict.is_unknown(), "{o:?}");
            assert!(
                o.verdict.message().contains("was created by traffic policy instance tpi-1")
                    && o.verdict.message().contains(target),
                "{o:?}"
            );
        }
        let o = judge_alias(&zone(), &[alias("A", NEW, CLOUDFRONT_HOSTED_ZONE_ID)], HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
    }

    // AWS: Route 53 Developer Guide, "Values specific for weighted records" (Record type) — the DNS record type, the same for all of the records in the group (no type excluded, where "Values specific for multivalue answer records" excludes NS and CNAME): weighted CNAMEs exist; "Weighted routing" — traffic follows each record's weight as a proportion of the group's total, weight 0 stops sending traffic to it.
    #[test]
    fn weighted_cnames_follow_the_same_rule() {
        let c = |id: &str, v: &str, w: i64| cname("ws.example.com.", v).routed(id, RoutingPolicy::Weighted(w));
        let o = judge_alias(&zone(), &[c("old", OLD, 0), c("new", NEW, 1)], HOST, &cf(), false, None);
        assert_eq!((o.status(), o.warnings.len()), (Status::Pass, 1), "{o:?}");
        assert!(
            o.warnings[0].hint.as_deref().is_some_and(|h| h.starts_with(
                "set the value of the CNAME record ws.example.com with SetIdentifier `old` to d111111abcdef8.cloudfront.net"
            )),
            "{o:?}"
        );
        let o = judge_alias(&zone(), &[c("old", OLD, 1), c("new", NEW, 0)], HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            o.verdict
                .message()
                .starts_with("ws.example.com CNAME record `old` (Weight 1 of 1: 100% of queries) is a CNAME"),
            "{o:?}"
        );
        assert!(
            o.verdict.hint().is_some_and(|h| h.ends_with("or set its Weight to 0 and the Weight of `new` above 0"))
        );
    }

    // AWS: Route 53 API Reference, "ResourceRecordSet" (Failover) — "When the primary resource record set is unhealthy and the secondary resource record set is healthy, Route 53 responds to DNS queries with the applicable value from the secondary resource record set", and without a HealthCheckId on the secondary Route 53 "always responds to DNS queries with the applicable value from the secondary resource record set" when the primary is unhealthy; Developer Guide, "Active-active and active-passive failover" — "If all the primary resources are unhealthy, Route 53 begins to include only the healthy secondary resources in response to DNS queries". The SECONDARY is what clients get exactly when the primary fails: a wrong one breaks the failover it exists for, a failure (not a warning).
    #[test]
    fn a_wrong_failover_secondary_fails() {
        let f = |id: &str, target: &str, role: Failover| {
            alias("A", target, CLOUDFRONT_HOSTED_ZONE_ID).routed(id, RoutingPolicy::Failover(role))
        };
        let good = [f("main", NEW, Failover::Primary), f("backup", NEW, Failover::Secondary)];
        let o = judge_alias(&zone(), &good, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("record.A.clients_get"), Some("`main`, `backup`"));
        let bad = [f("main", NEW, Failover::Primary), f("backup", OLD, Failover::Secondary)];
        let o = judge_alias(&zone(), &bad, HOST, &cf(), false, None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert_eq!(
            o.verdict.message(),
            "ws.example.com A record `backup` (failover SECONDARY: every query while the PRIMARY is unhealthy) is an \
             ALIAS to d222222oldold9.cloudfront.net., expected d111111abcdef8.cloudfront.net"
        );
        assert!(o.verdict.hint().is_some_and(|h| h.contains("with SetIdentifier `backup` to d111111abcdef8")), "{o:?}");
    }

    // AWS: Route 53 Developer Guide, "Latency-based routing" — Route 53 "determines which Region gives the user the lowest latency, and then selects a latency record for that Region"; "Geolocation routing" — "choose the resources that serve your traffic based on the geographic location of your users"; "Geoproximity routing" — traffic goes to resources "based on the geographic location of your users and your resources"; "Moving a geolocation to IP-based routing" — IP-based records target clients' public IP ranges (CidrRoutingConfig, LocationName `*` the default); "Multivalue answer routing" — "Route 53 responds to DNS queries with up to eight healthy records and gives different answers to different DNS resolvers". Which record a client gets depends on where it is or on health: every record of such a set serves someone, so each one that names another target is a failure; a SetIdentifier with no known policy is unknown.
    #[test]
    fn records_chosen_by_location_or_health_fail_when_any_reaches_another_target() {
        let policies = [
            (
                RoutingPolicy::Latency("ap-northeast-1".into()),
                RoutingPolicy::Latency("us-east-1".into()),
                "Region us-east-1",
            ),
            (
                RoutingPolicy::Geolocation("continent AS".into()),
                RoutingPolicy::Geolocation("* (default)".into()),
                "no other geolocation record covers",
            ),
            (
                RoutingPolicy::Geoproximity("AWSRegion ap-northeast-1".into()),
                RoutingPolicy::Geoproximity("AWSRegion us-east-1".into()),
                "nearest to AWSRegion us-east-1",
            ),
            (
                RoutingPolicy::IpBased { collection_id: "c-1".into(), location_name: "office".into() },
                RoutingPolicy::IpBased { collection_id: "c-1".into(), location_name: "*".into() },
                "no other CIDR location of collection c-1",
            ),
            (RoutingPolicy::MultiValue, RoutingPolicy::MultiValue, "up to eight healthy records"),
        ];
        for (here, there, who) in policies {
            let right = alias("A", NEW, CLOUDFRONT_HOSTED_ZONE_ID).routed("here", here.clone());
            let also_right = alias("A", NEW, CLOUDFRONT_HOSTED_ZONE_ID).routed("there", there.clone());
            let o = judge_alias(&zone(), &[right.clone(), also_right], HOST, &cf(), false, None);
            assert_eq!(o.status(), Status::Pass, "{here:?}: {o:?}");
            assert_eq!(o.evidence.get("record.A.clients_get"), Some("`here`, `there`"), "{here:?}");
            let wrong = alias("A", OLD, CLOUDFRONT_HOSTED_ZONE_ID).routed("there", there);
            let o = judge_alias(&zone(), &[right, wrong], HOST, &cf(), false, None);
            assert_eq!(o.status(), Status::Fail, "{here:?}: {o:?}");
            assert!(o.verdict.message().starts_with("ws.example.com A record `there` ("), "{o:?}");
            assert!(o.verdict.message().contains(who), "{here:?}: {o:?}");
            assert!(o.verdict.hint().is_some_and(|h| h.contains("AliasTarget.DNSName")), "{o:?}");
        }
        // A routing policy not known here: never a guessed failure.
        let odd = alias("A", OLD, CLOUDFRONT_HOSTED_ZONE_ID).routed("odd", RoutingPolicy::Unknown);
        let o = judge_alias(&zone(), &[odd], HOST, &cf(), false, None);
        assert!(
            o.verdict.is_unknown() && o.verdict.message().contains("whether clients get it cannot be told"),
            "{o:?}"
        );
    }
}
