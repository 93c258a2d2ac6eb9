//! Route 53 (global): the hosted zones that can hold the host, and its record sets.

use std::sync::Arc;

use super::{AwsFacts, GLOBAL_REGION, MAX_PAGES, Res, convert};
use crate::model::aws::*;

/// Upper bound on ListHostedZonesByName pages for one name (100 zones a page).
pub(super) const MAX_ZONE_PAGES: usize = 5;
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

    /// The hosted zones named exactly `name` (ListHostedZonesByName from
    /// `DNSName`, paged with `NextDNSName`/`NextHostedZoneId` while the page
    /// may still hold zones of that name; at most [`MAX_ZONE_PAGES`] pages).
    async fn zones_named(&self, name: &str) -> Res<Arc<ZonesNamed>> {
        let name = normalize_host(name);
        self.zones
            .get(&name, || async {
                let client = aws_sdk_route53::Client::new(&self.config(GLOBAL_REGION).await);
                let want = zone_sort_key(&name);
                let mut out = ZonesNamed::default();
                let mut next: Option<(String, Option<String>)> = Some((format!("{name}."), None));
                let mut pages = 0;
                while let Some((dns_name, zone_id)) = next.take() {
                    if pages == MAX_ZONE_PAGES {
                        out.truncated = true;
                        break;
                    }
                    pages += 1;
                    self.count("route53.ListHostedZonesByName");
                    let page = client
                        .list_hosted_zones_by_name()
                        .dns_name(dns_name)
                        .set_hosted_zone_id(zone_id)
                        .send()
                        .await
                        .map_err(|e| self.describe("route53.ListHostedZonesByName", &e))?;
                    let zones = page.hosted_zones();
                    out.zones
                        .extend(zones.iter().filter(|z| normalize_host(z.name()) == name).map(convert::hosted_zone));
                    // Sorted by reversed labels: a page that ends past `name` holds every zone of that name.
                    let past = zones.last().is_some_and(|z| zone_sort_key(z.name()) > want);
                    if page.is_truncated()
                        && !past
                        && let Some(n) = page.next_dns_name()
                    {
                        next = Some((n.to_owned(), page.next_hosted_zone_id().map(Into::into)));
                    }
                }
                Ok(Arc::new(out))
            })
            .await
    }

    /// The record sets named `name` in `zone_id` (ListResourceRecordSets from
    /// the name, paged with `NextRecordName`/`NextRecordType`/
    /// `NextRecordIdentifier` while the next record still has that name; at
    /// most [`MAX_PAGES`] pages). A wildcard `*.example.com` is asked for by
    /// that name; Route 53 lists it as `\052.example.com`, read back as `*`.
    pub async fn records(&self, zone_id: &str, name: &str) -> Res<Arc<Vec<AliasRecordFacts>>> {
        let name = normalize_host(name);
        self.records
            .get(&format!("{zone_id}/{name}"), || async {
                let client = aws_sdk_route53::Client::new(&self.config(GLOBAL_REGION).await);
                let mut records = Vec::new();
                let mut start: Option<(String, Option<aws_sdk_route53::types::RrType>, Option<String>)> =
                    Some((name.clone(), None, None));
                let mut pages = 0;
                while let Some((start_name, start_type, start_id)) = start.take() {
                    if pages == MAX_PAGES {
                        break;
                    }
                    pages += 1;
                    self.count("route53.ListResourceRecordSets");
                    let page = client
                        .list_resource_record_sets()
                        .hosted_zone_id(zone_id)
                        .start_record_name(start_name)
                        .set_start_record_type(start_type)
                        .set_start_record_identifier(start_id)
                        .max_items(100)
                        .send()
                        .await
                        .map_err(|e| self.describe("route53.ListResourceRecordSets", &e))?;
                    records.extend(
                        page.resource_record_sets()
                            .iter()
                            .filter(|r| convert::record_name(r.name()) == name)
                            .map(convert::record),
                    );
                    let next_is_ours = page.next_record_name().is_some_and(|n| convert::record_name(n) == name);
                    if page.is_truncated() && next_is_ours {
                        start = page.next_record_name().map(|n| {
                            (
                                n.to_owned(),
                                page.next_record_type().cloned(),
                                page.next_record_identifier().map(Into::into),
                            )
                        });
                    }
                }
                Ok(Arc::new(records))
            })
            .await
    }
}

/// The zones one ListHostedZonesByName name lookup found.
#[derive(Debug, Clone, Default)]
pub(super) struct ZonesNamed {
    zones: Vec<HostedZoneFacts>,
    /// More pages than [`MAX_ZONE_PAGES`].
    truncated: bool,
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

/// Route 53's order for zone and record names: labels compared from the right.
fn zone_sort_key(name: &str) -> Vec<String> {
    normalize_host(name).split('.').rev().map(str::to_owned).collect()
}
