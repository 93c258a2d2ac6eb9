//! Route 53 (global): the hosted zones that can hold the host, the one that
//! answers for it (the delegation walked by NS), and its record sets there.

use std::sync::Arc;

use futures_util::future::BoxFuture;

use super::source::ZonesNamed;
use super::{AwsFacts, Res};
use crate::facts::Error;
use crate::model::aws::*;

/// Upper bound on the parent domains of a host looked up as hosted zone names.
const MAX_ZONE_NAMES: usize = 8;

impl AwsFacts {
    /// The hosted zones named `host` or one of its parent domains, most
    /// specific name first: one ListHostedZonesByName lookup per name
    /// (`ws.example.com.`, `example.com.`; never a top-level domain, which
    /// Route 53 cannot host), each memoized. Looking every name up exactly
    /// works on AWS, which lists zones in order from `DNSName`, and on
    /// emulators that match `DNSName` exactly (moto, LocalStack) alike.
    pub async fn hosted_zones(&self, host: &str) -> Res<Arc<ZoneCandidates>> {
        let names = zone_lookup_names(host);
        let found = futures_util::future::join_all(names.iter().map(|n| self.zones_named(n))).await;
        let mut out = ZoneCandidates::default();
        for (name, zones) in names.iter().zip(found) {
            let zones = zones?;
            if zones.truncated {
                out.truncated.push(name.clone());
            }
            for z in zones.zones.iter() {
                if z.private { out.private.push(z.clone()) } else { out.public.push(z.clone()) }
            }
        }
        Ok(Arc::new(out))
    }

    /// The hosted zones named exactly `name` (ListHostedZonesByName), memoized.
    async fn zones_named(&self, name: &str) -> Res<Arc<ZonesNamed>> {
        let name = normalize_host(name);
        self.zones.get(&name, || async { self.source.zones_named(self, &name).await.map(Arc::new) }).await
    }

    /// The record sets named `name` in `zone_id` (ListResourceRecordSets,
    /// every page of that name). A wildcard `*.example.com` is asked for by
    /// that name and read back with `*`.
    pub async fn records(&self, zone_id: &str, name: &str) -> Res<Arc<Vec<AliasRecordFacts>>> {
        let name = normalize_host(name);
        self.records
            .get(&format!("{zone_id}/{name}"), || async {
                self.source.record_sets(self, zone_id, &name).await.map(Arc::new)
            })
            .await
    }
}

/// A zone's record sets of one name.
pub type Records = Arc<Vec<AliasRecordFacts>>;

/// Where a zone's record sets come from: the run's memoized facts, or a table in tests.
pub trait RecordSource: Sync {
    fn records<'a>(&'a self, zone_id: &'a str, name: &'a str) -> BoxFuture<'a, Res<Records>>;
}

impl RecordSource for AwsFacts {
    fn records<'a>(&'a self, zone_id: &'a str, name: &'a str) -> BoxFuture<'a, Res<Records>> {
        Box::pin(AwsFacts::records(self, zone_id, name))
    }
}

/// The hosted zone whose records public clients get, and how it was chosen.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ZoneChoice {
    /// `None`: no public zone of the host's names in this account (or `unknown`).
    pub zone: Option<HostedZoneFacts>,
    /// The delegation walked, least specific zone first (evidence).
    pub path: Vec<String>,
    /// (message, hint): a choice that could not be made for certain, a zone that is not delegated.
    pub warnings: Vec<(String, String)>,
    /// The host is delegated to name servers of no zone here: what clients see cannot be read.
    pub unknown: Option<String>,
    /// Private zones of the host's names, skipped (they answer only inside their VPCs).
    pub skipped_private: Vec<String>,
}

impl ZoneChoice {
    /// One zone, no choice to explain.
    pub fn of(zone: HostedZoneFacts) -> Self {
        let path = vec![format!("{} ({})", zone.name, zone.id)];
        ZoneChoice { zone: Some(zone), path, ..Self::default() }
    }
}

fn ids(zones: &[&HostedZoneFacts]) -> String {
    zones.iter().map(|z| z.id.as_str()).collect::<Vec<_>>().join(", ")
}

/// The NS values at `name` in `records`, normalized.
fn ns_at(records: &[AliasRecordFacts], name: &str) -> Vec<String> {
    let name = normalize_host(name);
    let mut ns: Vec<String> = records
        .iter()
        .filter(|r| r.record_type == "NS" && normalize_host(&r.name) == name)
        .flat_map(|r| r.values.iter().map(|v| normalize_host(v)))
        .collect();
    ns.sort();
    ns.dedup();
    ns
}

/// Chooses the zone that answers for `host` among the public zones named
/// like it or a parent domain. The least specific is taken as delegated (its
/// delegation is the registrar's, which Route 53's zone listing does not
/// show); going down, a more specific zone answers only when the zone above
/// has an NS record for its name listing that zone's name servers.
pub async fn choose_zone(host: &str, cands: &ZoneCandidates, src: &dyn RecordSource) -> Res<ZoneChoice> {
    let mut choice = ZoneChoice {
        skipped_private: cands.private.iter().map(|z| format!("{} ({})", z.name, z.id)).collect(),
        ..ZoneChoice::default()
    };
    for name in &cands.truncated {
        choice.warnings.push((
            format!("more hosted zones are named {name} than one run lists: a zone past the listing bound was not considered"),
            format!("delete the unused hosted zones named {name}"),
        ));
    }
    // Grouped by name, least specific first.
    let mut groups: Vec<(String, Vec<&HostedZoneFacts>)> = Vec::new();
    for z in &cands.public {
        let name = normalize_host(&z.name);
        match groups.iter_mut().find(|(n, _)| *n == name) {
            Some((_, g)) => g.push(z),
            None => groups.push((name, vec![z])),
        }
    }
    groups.reverse();
    let Some(((top_name, top), rest)) = groups.split_first() else { return Ok(choice) };
    let mut current = top[0].clone();
    if top.len() > 1 {
        choice.warnings.push((
            format!(
                "{} public hosted zones are named {top_name} ({}): the name servers the domain's registrar lists decide \
                 which one answers, and Route 53's zone listing cannot tell; judged {} (listed first)",
                top.len(),
                ids(top),
                current.id
            ),
            format!(
                "compare the registrar's name servers for {top_name} with each zone's NS record and delete the zone \
                 that is not delegated"
            ),
        ));
    }
    choice.path.push(format!("{} ({})", current.name, current.id));
    for (name, zones) in rest {
        let delegation = ns_at(&src.records(&current.id, name).await?, name);
        if delegation.is_empty() {
            choice.warnings.push((
                format!(
                    "hosted zone {name} ({}) is not delegated: {} has no NS record for {name}, so {} answers for \
                     {host} and that zone's records are not what clients see",
                    ids(zones),
                    current.name,
                    current.name
                ),
                format!(
                    "add an NS record for {name} in {} ({}) with the name servers of the zone that should answer, \
                     or delete the unused zone",
                    current.name, current.id
                ),
            ));
            continue;
        }
        let mut delegated = Vec::new();
        for z in zones {
            let own = ns_at(&src.records(&z.id, name).await?, name);
            if own.iter().any(|n| delegation.contains(n)) {
                delegated.push(*z);
            }
        }
        let Some(next) = delegated.first() else {
            choice.unknown = Some(format!(
                "{} delegates {name} to {} (its NS record), name servers of none of this account's public hosted zones \
                 named {name} ({}): the records clients see are in another account or DNS service",
                current.name,
                delegation.join(", "),
                ids(zones)
            ));
            return Ok(choice);
        };
        current = (*next).clone();
        choice.path.push(format!("{} ({}) delegated by NS", current.name, current.id));
    }
    choice.zone = Some(current);
    Ok(choice)
}

/// The records that answer for `host` in `zone`: its own, or else the
/// wildcard `*.{parent}` of the zone that covers it.
pub async fn host_records(src: &dyn RecordSource, zone: &HostedZoneFacts, host: &str) -> Res<Records> {
    let own = src.records(&zone.id, host).await?;
    let (host, zone_name) = (normalize_host(host), normalize_host(&zone.name));
    let parent = host.split_once('.').map(|(_, p)| p.to_owned()).unwrap_or_default();
    let in_zone = parent == zone_name || parent.ends_with(&format!(".{zone_name}"));
    if !own.is_empty() || host == zone_name || !in_zone {
        return Ok(own);
    }
    src.records(&zone.id, &format!("*.{parent}")).await
}

impl AwsFacts {
    /// The hosted zone that answers for `host` ([`choose_zone`] over [`AwsFacts::hosted_zones`]).
    pub async fn zone_choice(&self, host: &str) -> Res<ZoneChoice> {
        let candidates = self.hosted_zones(host).await?;
        choose_zone(host, &candidates, self).await
    }

    /// The records that answer for `host` in `zone` ([`host_records`]).
    pub async fn host_records(&self, zone: &HostedZoneFacts, host: &str) -> Res<Records> {
        host_records(self, zone, host).await
    }

    /// The zone that answers for `host` (label for evidence) and the host's
    /// records there, for `dns.alias-target`, which judges the target by
    /// identity: the same memoized calls as `route53.alias` makes. A host
    /// delegated elsewhere, or without a public zone here, has no record to read.
    pub async fn host_record(&self, host: &str) -> Res<(String, Vec<AliasRecordFacts>)> {
        let choice = self.zone_choice(host).await?;
        if let Some(why) = choice.unknown {
            return Err(Error::NotFound { message: why });
        }
        let zone = choice
            .zone
            .ok_or_else(|| Error::NotFound { message: format!("no public hosted zone for {host} in this account") })?;
        let records = self.host_records(&zone, host).await?;
        Ok((format!("{} ({})", zone.name, zone.id), records.as_ref().clone()))
    }
}

/// `ws.api.example.com` → `[ws.api.example.com, api.example.com, example.com]`:
/// the names a hosted zone for the host can have, most specific first, without
/// the top-level domain (Route 53 does not host TLDs); at most [`MAX_ZONE_NAMES`],
/// the least specific kept.
pub(super) fn zone_lookup_names(host: &str) -> Vec<String> {
    let host = normalize_host(host);
    let labels: Vec<&str> = host.split('.').filter(|l| !l.is_empty()).collect();
    let mut names: Vec<String> = (0..labels.len().saturating_sub(1)).map(|i| labels[i..].join(".")).collect();
    if names.is_empty() && !host.is_empty() {
        names.push(host);
    }
    let skip = names.len().saturating_sub(MAX_ZONE_NAMES);
    names.drain(..skip);
    names
}
