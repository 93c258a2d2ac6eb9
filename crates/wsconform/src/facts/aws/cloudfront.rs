//! CloudFront (global, us-east-1): the distribution (the suite's, or found
//! by alias), and the policies that decide what its behaviors forward.

use std::sync::Arc;

use super::{AwsFacts, MAX_PAGES, Res};
use crate::facts::Error;
use crate::model::aws::*;
use crate::suite::DistributionRef;

impl AwsFacts {
    /// The distribution (GetDistribution). `Ok(None)`: not in the suite, not found.
    pub async fn distribution(&self) -> Res<Option<Arc<DistributionFacts>>> {
        let Some(id) = self.distribution_id().await? else { return Ok(None) };
        self.distributions.get(&id, || async { Ok(self.source.distribution(self, &id).await?.map(Arc::new)) }).await
    }

    /// What `behavior` forwards to its origin (custom policies fetched once).
    /// A cache policy that cannot be read leaves its headers unknown rather
    /// than failing the whole route: the origin request policy may decide alone.
    pub async fn forwarding(&self, behavior: &Behavior) -> Res<ForwardingFacts> {
        let custom = match &behavior.origin_request_policy_id {
            Some(id) if managed_origin_request_policy(id).is_none() => Some(self.origin_request_policy(id).await?),
            _ => None,
        };
        let cache = match &behavior.cache_policy_id {
            None => Ok(None),
            Some(id) => match managed_cache_policy(id) {
                Some(known) => Ok(Some(Arc::new(known))),
                None => self.cache_policy(id).await.map(Some),
            },
        };
        // The model reads an unknown cache policy as the reason, in words.
        let cache = cache.map_err(|e| e.to_string());
        Ok(forwarding_of(behavior, custom.as_deref(), cache.as_ref().map(Option::as_deref).map_err(String::as_str)))
    }

    async fn cache_policy(&self, id: &str) -> Res<Arc<CachePolicyFacts>> {
        self.cache_policies.get(id, || async { self.source.cache_policy(self, id).await.map(Arc::new) }).await
    }

    async fn origin_request_policy(&self, id: &str) -> Res<Arc<OriginRequestPolicyFacts>> {
        self.policies.get(id, || async { self.source.origin_request_policy(self, id).await.map(Arc::new) }).await
    }

    /// The distribution id: the suite's, or found by alias (ListDistributions).
    /// `Ok(None)`: no `[cloudfront]` in the suite, or no distribution has the alias.
    pub async fn distribution_id(&self) -> Res<Option<String>> {
        self.distribution_id
            .get("", || async {
                match self.suite.cloudfront.as_ref().map(|c| &c.distribution) {
                    None => Ok(None),
                    Some(DistributionRef::Id(id)) => Ok(Some(id.clone())),
                    Some(DistributionRef::Discover) => self.discover_distribution().await,
                }
            })
            .await
            .clone()
    }

    /// The distribution CloudFront serves the host from: an exact alias wins over any wildcard,
    /// and a longer wildcard (`*.ws.example.com`) over a shorter one (`*.example.com`), whatever the
    /// order or page the distributions are listed in, so every page is read unless an exact alias
    /// is found (an alias is unique across CloudFront).
    async fn discover_distribution(&self) -> Res<Option<String>> {
        let host = self.suite.host().to_owned();
        let rank = |aliases: &[String]| aliases.iter().filter_map(|a| alias_specificity(a, &host)).max();
        let exact = |d: &super::DistributionSummary| rank(&d.aliases) == Some(usize::MAX);
        let listed = self.source.distribution_summaries(self, &exact).await?;
        let mut best: Option<(usize, String)> = None;
        for d in &listed.items {
            if let Some(rank) = rank(&d.aliases)
                && best.as_ref().is_none_or(|(b, _)| rank > *b)
            {
                best = Some((rank, d.id.clone()));
            }
        }
        match best {
            Some((usize::MAX, id)) => Ok(Some(id)),
            Some((_, id)) if listed.more => Err(Error::Unknown {
                message: format!(
                    "ListDistributions has more than {MAX_PAGES} pages; {id} has a wildcard alias for {host}, \
                     but a distribution with a more specific alias may be listed later (set `[cloudfront] distribution_id`)"
                ),
            }),
            best => Ok(best.map(|(_, id)| id)),
        }
    }
}
