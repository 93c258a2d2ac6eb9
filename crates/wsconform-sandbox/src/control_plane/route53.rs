//! route53 (REST-XML, API version 2013-04-01): ListHostedZonesByName and
//! ListResourceRecordSets, with Route 53's ordering (names compared label by
//! label from the right, then by type) so paging from a name behaves as on AWS.

use super::wire::{Answer, AwsError, ROUTE53_NAMESPACE, Request, Xml};
use crate::model::{AliasRecord, Deployment, HostedZone};

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

pub fn route(d: &Deployment, req: &Request<'_>) -> Routed {
    if req.method != http::Method::GET {
        return None;
    }
    let path = req.path();
    match path.as_slice() {
        ["2013-04-01", "hostedzonesbyname"] => Some(("ListHostedZonesByName", Ok(list_zones_by_name(d, req)))),
        ["2013-04-01", "hostedzone", id, "rrset"] => Some(("ListResourceRecordSets", list_rrsets(d, id, req))),
        _ => None,
    }
}

/// `ws.Example.com.` → `["com", "example", "ws"]`: the key Route 53 sorts names by.
fn sort_key(name: &str) -> Vec<String> {
    name.trim_end_matches('.').split('.').rev().map(str::to_ascii_lowercase).collect()
}

fn with_dot(name: &str) -> String {
    if name.ends_with('.') { name.to_string() } else { format!("{name}.") }
}

fn list_zones_by_name(d: &Deployment, req: &Request<'_>) -> Answer {
    let from = req.query("dnsname");
    let zones: Vec<&HostedZone> =
        std::iter::once(&d.zone).filter(|z| from.is_none_or(|f| sort_key(&z.name) >= sort_key(f))).collect();
    let mut x = Xml::root("ListHostedZonesByNameResponse", ROUTE53_NAMESPACE);
    x.el("HostedZones", |x| {
        for z in &zones {
            x.el("HostedZone", |x| {
                x.leaf("Id", format!("/hostedzone/{}", z.id));
                x.leaf("Name", &z.name);
                x.leaf("CallerReference", format!("wsconform-sandbox-{}", z.id));
                x.el("Config", |x| {
                    x.leaf("Comment", "wsconform sandbox");
                    x.leaf("PrivateZone", false);
                });
                x.leaf("ResourceRecordSetCount", z.records.len() + 2);
            });
        }
    });
    if let Some(f) = from {
        x.leaf("DNSName", with_dot(f));
    }
    if let Some(id) = req.query("hostedzoneid") {
        x.leaf("HostedZoneId", id);
    }
    x.leaf("IsTruncated", false);
    x.leaf("MaxItems", req.query("maxitems").unwrap_or("100"));
    Answer::xml(x.finish("ListHostedZonesByNameResponse"))
}

/// A record as ListResourceRecordSets lists it: the apex NS and SOA, then the aliases.
enum Rrset<'a> {
    Plain { name: String, kind: &'static str, ttl: u32, values: Vec<String> },
    Alias(&'a AliasRecord),
}

impl Rrset<'_> {
    fn name(&self) -> &str {
        match self {
            Rrset::Plain { name, .. } => name,
            Rrset::Alias(a) => &a.name,
        }
    }

    fn kind(&self) -> &str {
        match self {
            Rrset::Plain { kind, .. } => kind,
            Rrset::Alias(a) => &a.record_type,
        }
    }
}

fn list_rrsets(d: &Deployment, id: &str, req: &Request<'_>) -> Result<Answer, AwsError> {
    // The SDK strips `/hostedzone/`, other clients may not.
    let id = id.strip_prefix("hostedzone/").unwrap_or(id);
    let zone = Some(&d.zone)
        .filter(|z| z.id == id)
        .ok_or_else(|| AwsError::new(404, "NoSuchHostedZone", format!("No hosted zone found with ID: {id}")))?;
    let ns: Vec<String> = (1..=4).map(|i| format!("ns-{i}.awsdns-sandbox.net.")).collect();
    let mut sets = vec![
        Rrset::Plain { name: zone.name.clone(), kind: "NS", ttl: 172_800, values: ns },
        Rrset::Plain {
            name: zone.name.clone(),
            kind: "SOA",
            ttl: 900,
            values: vec!["ns-1.awsdns-sandbox.net. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400".into()],
        },
    ];
    sets.extend(zone.records.iter().map(Rrset::Alias));
    // By name, then type ("ListResourceRecordSets"); Route 53 documents no order among the records
    // of one name and type, and the stable sort keeps the zone's (a weighted set as it was created).
    sets.sort_by(|a, b| (sort_key(a.name()), a.kind()).cmp(&(sort_key(b.name()), b.kind())));
    if let Some(start) = req.query("name") {
        let start_key = sort_key(start);
        let start_type = req.query("type").unwrap_or("");
        sets.retain(|s| {
            let key = sort_key(s.name());
            key > start_key || (key == start_key && s.kind() >= start_type)
        });
    }
    let mut x = Xml::root("ListResourceRecordSetsResponse", ROUTE53_NAMESPACE);
    x.el("ResourceRecordSets", |x| {
        for s in &sets {
            x.el("ResourceRecordSet", |x| match s {
                Rrset::Plain { name, kind, ttl, values } => {
                    x.leaf("Name", name);
                    x.leaf("Type", kind);
                    x.leaf("TTL", ttl);
                    x.el("ResourceRecords", |x| {
                        values.iter().for_each(|v| x.el("ResourceRecord", |x| x.leaf("Value", v)))
                    });
                }
                Rrset::Alias(a) => {
                    x.leaf("Name", &a.name);
                    x.leaf("Type", &a.record_type);
                    if let Some((id, weight)) = &a.weighted {
                        x.leaf("SetIdentifier", id);
                        x.leaf("Weight", weight);
                    }
                    x.el("AliasTarget", |x| {
                        x.leaf("HostedZoneId", &a.alias_hosted_zone_id);
                        x.leaf("DNSName", &a.alias_dns_name);
                        x.leaf("EvaluateTargetHealth", false);
                    });
                }
            });
        }
    });
    x.leaf("IsTruncated", false);
    x.leaf("MaxItems", req.query("maxitems").unwrap_or("300"));
    Ok(Answer::xml(x.finish("ListResourceRecordSetsResponse")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_sort_by_labels_from_the_right() {
        assert!(sort_key("example.com.") < sort_key("ws.example.com"));
        assert!(sort_key("ws.example.com.") < sort_key("example.net."));
        assert_eq!(sort_key("WS.Example.COM."), sort_key("ws.example.com"));
    }
}
