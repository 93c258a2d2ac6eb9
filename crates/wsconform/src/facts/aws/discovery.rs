//! What the suite leaves out, found from the control plane: the route a
//! request takes, the API and stage it lands on, the alias DNS should point
//! to; and [`Discovered`] for the report (the distribution found by alias is
//! CloudFront's, in `cloudfront.rs`).

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{AwsFacts, Res};
use crate::facts::Error;
use crate::model::aws::*;
use crate::model::route::{self, Route, RouteInput};
use crate::suite::DistributionRef;

/// What discovery found (or the suite said), for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    pub distribution_id: Option<String>,
    pub custom_domain: Option<String>,
    pub mapping_key: Option<String>,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub layout: Option<String>,
    /// The hop chain, client first ([`Route::hops`]); empty when the route is not known.
    pub route: Vec<String>,
    /// Why something could not be found.
    pub errors: Vec<Error>,
}

impl Discovered {
    /// Key/value pairs for `Facts::set_property`.
    pub fn properties(&self) -> Vec<(String, String)> {
        let mut p = Vec::new();
        let mut put = |k: &str, v: &Option<String>| {
            if let Some(v) = v {
                p.push((format!("discovered.{k}"), v.clone()));
            }
        };
        put("distribution_id", &self.distribution_id);
        put("custom_domain", &self.custom_domain);
        put("mapping_key", &self.mapping_key);
        put("api_id", &self.api_id);
        put("stage", &self.stage);
        put("layout", &self.layout);
        put("route", &(!self.route.is_empty()).then(|| self.route.join(" → ")));
        p
    }
}

impl AwsFacts {
    /// Where a client's request lands (every hop), computed once.
    pub async fn route(&self) -> Res<Arc<Route>> {
        self.route.get("", || async { self.compute_route().await.map(Arc::new) }).await
    }

    async fn compute_route(&self) -> Res<Route> {
        let suite = &self.suite;
        let dist = match suite.cloudfront {
            Some(_) => Some(self.distribution().await?.ok_or_else(|| self.distribution_missing())?),
            None => None,
        };
        let mut forwarding = None;
        let mut candidates = vec![suite.host().to_owned()];
        if let Some(cd) = &suite.custom_domain {
            candidates.push(cd.name.clone());
        }
        if let Some(d) = &dist {
            let (_, behavior) = route::choose_behavior(d, suite.path());
            forwarding = Some(self.forwarding(behavior).await?);
            if let Some(o) = d.origin(&behavior.target_origin_id)
                && route::classify_host(&o.domain_name) == route::HostKind::Other
                && o.custom.is_some()
            {
                candidates.push(o.domain_name.clone());
            }
        }
        let mut domains = BTreeMap::new();
        let mut mappings = BTreeMap::new();
        for name in candidates {
            let key = normalize_host(&name);
            if domains.contains_key(&key) {
                continue;
            }
            if let Some(found) = self.domain(&key).await? {
                mappings.insert(key.clone(), self.mappings(&key).await?.as_ref().clone());
                domains.insert(key, found.as_ref().clone());
            }
        }
        Ok(route::compute_route(&RouteInput {
            viewer_host: suite.host(),
            viewer_path: suite.path(),
            distribution: dist.as_deref(),
            forwarding: forwarding.as_ref(),
            domains: &domains,
            mappings: &mappings,
        }))
    }

    fn distribution_missing(&self) -> Error {
        let message = match self.suite.cloudfront.as_ref().map(|c| &c.distribution) {
            Some(DistributionRef::Id(id)) => format!("CloudFront distribution {id} does not exist"),
            _ => format!("no CloudFront distribution has the alias {}", self.suite.host()),
        };
        Error::NotFound { message }
    }

    /// The API id: the suite's, else where the route lands.
    pub async fn api_id(&self) -> Res<String> {
        if let Some(id) = &self.suite.api.id {
            return Ok(id.clone());
        }
        let r = self.route().await.map_err(|e| Error::Discovery { what: "the API id", cause: Box::new(e) })?;
        r.api_id().map(Into::into).ok_or_else(|| Error::Undiscovered {
            what: "the API id",
            route: r.describe(),
            setting: "[api] id",
        })
    }

    /// The stage: the suite's, else where the route lands.
    pub async fn stage_name(&self) -> Res<String> {
        if let Some(s) = &self.suite.api.stage {
            return Ok(s.clone());
        }
        let r = self.route().await.map_err(|e| Error::Discovery { what: "the stage", cause: Box::new(e) })?;
        r.stage().map(Into::into).ok_or_else(|| Error::Undiscovered {
            what: "the stage",
            route: r.describe(),
            setting: "[api] stage",
        })
    }

    /// The custom domain to judge: the suite's, else the one the route lands on.
    pub async fn custom_domain_name(&self) -> Res<Option<String>> {
        if let Some(cd) = &self.suite.custom_domain {
            return Ok(Some(normalize_host(&cd.name)));
        }
        let r = self.route().await?;
        Ok(match &r.landing {
            route::Landing::CustomDomain { domain, .. } => Some(normalize_host(domain)),
            _ => None,
        })
    }

    /// The DNS name the public host should alias (the distribution's domain,
    /// or the custom domain's regional target), when the control plane (or
    /// the suite) tells; a name nobody reports is a typed unknown.
    pub async fn expected_alias_target(&self) -> Res<Option<String>> {
        if self.suite.cloudfront.is_some() {
            // The name does not depend on the partition's alias hosted zone id, which may be unknown.
            let d = self.distribution().await?.ok_or_else(|| self.distribution_missing())?;
            return Ok(Some(normalize_host(&d.domain_name)));
        }
        match self.expected_alias().await? {
            Some(e) => e.name.map(Some).map_err(|message| Error::Unknown { message }),
            None => Ok(None),
        }
    }

    /// The alias target and its Route 53 hosted zone id, each known or why
    /// not: a custom domain's name is GetDomainName's ApiGatewayDomainName,
    /// else the suite's `[custom_domain] regional_target`; its zone id only
    /// GetDomainName's HostedZoneId. A domain that cannot be read at all is an error.
    pub async fn expected_alias(&self) -> Res<Option<ExpectedAlias>> {
        if self.suite.cloudfront.is_some() {
            let d = self.distribution().await?.ok_or_else(|| self.distribution_missing())?;
            let region = &self.suite.region;
            let zone = crate::partition::cloudfront_hosted_zone_id(region).map(str::to_owned).ok_or_else(|| {
                format!(
                    "AWS documents no Route 53 hosted zone id for CloudFront alias targets in partition {} (region {region})",
                    crate::partition::of(region).map_or("?", |p| p.id)
                )
            });
            return Ok(Some(ExpectedAlias { name: Ok(normalize_host(&d.domain_name)), zone }));
        }
        let Some(cd) = self.suite.custom_domain.as_ref() else { return Ok(None) };
        let name = cd.name.clone();
        let d = self
            .domain(&name)
            .await?
            .ok_or_else(|| Error::NotFound { message: format!("API Gateway custom domain {name} does not exist") })?;
        let not_reported = |field| Error::NotReported { subject: name.clone(), field }.to_string();
        let target = match (&d.api_gateway_domain_name, &cd.regional_target) {
            (Some(t), _) | (None, Some(t)) => Ok(normalize_host(t)),
            (None, None) => Err(format!(
                "{} and the suite sets no `[custom_domain] regional_target`",
                not_reported("apiGatewayDomainName")
            )),
        };
        let zone = d.hosted_zone_id.clone().ok_or_else(|| not_reported("hostedZoneId"));
        Ok(Some(ExpectedAlias { name: target, zone }))
    }

    /// What the suite said or discovery found, for the report.
    /// What discovery found, from what the checks already fetched: no new
    /// call, so a report never costs an AWS call (or a permission) that the
    /// selected checks did not need.
    pub fn discovered_so_far(&self) -> Discovered {
        let mut d = Discovered::default();
        if let Some(Ok(id)) = self.distribution_id.peek("") {
            d.distribution_id = id;
        }
        let route = self.route.peek("").and_then(Result::ok);
        if let Some(r) = &route {
            d.layout = r.layout.map(|l| l.to_string());
            d.route = r.hops();
            if let route::Landing::CustomDomain { domain, key, .. } = &r.landing {
                d.custom_domain = Some(domain.clone());
                d.mapping_key = Some(key.clone());
            }
        }
        d.api_id = self.suite.api.id.clone().or_else(|| route.as_ref().and_then(|r| r.api_id().map(Into::into)));
        d.stage = self.suite.api.stage.clone().or_else(|| route.as_ref().and_then(|r| r.stage().map(Into::into)));
        d
    }

    pub async fn discovered(&self) -> Discovered {
        let mut d = Discovered::default();
        match self.distribution_id().await {
            Ok(id) => d.distribution_id = id,
            Err(e) => d.errors.push(e),
        }
        match self.route().await {
            Ok(r) => {
                d.layout = r.layout.map(|l| l.to_string());
                d.route = r.hops();
                if let route::Landing::CustomDomain { domain, key, .. } = &r.landing {
                    d.custom_domain = Some(domain.clone());
                    d.mapping_key = Some(key.clone());
                }
            }
            Err(e) => d.errors.push(e),
        }
        match self.api_id().await {
            Ok(id) => d.api_id = Some(id),
            Err(e) => d.errors.push(e),
        }
        match self.stage_name().await {
            Ok(s) => d.stage = Some(s),
            Err(e) => d.errors.push(e),
        }
        d.errors.dedup();
        d
    }
}
