//! CloudFront (global, us-east-1): the distribution (the suite's, or found
//! by alias), and the policies that decide what its behaviors forward.

use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::client::is_not_found;
use super::{AwsFacts, GLOBAL_REGION, MAX_PAGES, Res, convert};
use crate::facts::Error;
use crate::model::aws::*;
use crate::suite::DistributionRef;

impl AwsFacts {
    /// The distribution (GetDistribution). `Ok(None)`: not in the suite, not found.
    pub async fn distribution(&self) -> Res<Option<Arc<DistributionFacts>>> {
        let Some(id) = self.distribution_id().await? else { return Ok(None) };
        self.distributions
            .get(&id, || async {
                let client = aws_sdk_cloudfront::Client::new(&self.config(GLOBAL_REGION).await);
                self.count("cloudfront.GetDistribution");
                match client.get_distribution().id(&id).send().await {
                    Ok(out) => Ok(out.distribution().map(|d| Arc::new(convert::distribution(d)))),
                    Err(e) if is_not_found(e.code()) => Ok(None),
                    Err(e) => Err(self.describe("cloudfront.GetDistribution", &e)),
                }
            })
            .await
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
        self.cache_policies
            .get(id, || async {
                let client = aws_sdk_cloudfront::Client::new(&self.config(GLOBAL_REGION).await);
                self.count("cloudfront.GetCachePolicy");
                let out = client
                    .get_cache_policy()
                    .id(id)
                    .send()
                    .await
                    .map_err(|e| self.describe("cloudfront.GetCachePolicy", &e))?;
                let config = out.cache_policy().and_then(|p| p.cache_policy_config()).ok_or_else(|| {
                    Error::NotReported { subject: "cloudfront.GetCachePolicy".into(), field: "the policy config" }
                })?;
                Ok(Arc::new(convert::cache_policy(id, config)))
            })
            .await
    }

    async fn origin_request_policy(&self, id: &str) -> Res<Arc<OriginRequestPolicyFacts>> {
        self.policies
            .get(id, || async {
                let client = aws_sdk_cloudfront::Client::new(&self.config(GLOBAL_REGION).await);
                self.count("cloudfront.GetOriginRequestPolicy");
                let out = client
                    .get_origin_request_policy()
                    .id(id)
                    .send()
                    .await
                    .map_err(|e| self.describe("cloudfront.GetOriginRequestPolicy", &e))?;
                let config =
                    out.origin_request_policy().and_then(|p| p.origin_request_policy_config()).ok_or_else(|| {
                        Error::NotReported {
                            subject: "cloudfront.GetOriginRequestPolicy".into(),
                            field: "the policy config",
                        }
                    })?;
                Ok(Arc::new(convert::policy(id, config)))
            })
            .await
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
        /// How specifically `alias` names `host`: `Some(usize::MAX)` exact, `Some(n)` a wildcard whose
        /// suffix has `n` labels. CloudFront's `*.example.com` stands for any name ending in
        /// `.example.com`, however many labels precede it (unlike a certificate's wildcard).
        fn specificity(alias: &str, host: &str) -> Option<usize> {
            let (alias, host) = (normalize_host(alias), normalize_host(host));
            if alias == host {
                return Some(usize::MAX);
            }
            let suffix = alias.strip_prefix("*.")?;
            host.strip_suffix(suffix)
                .is_some_and(|label| label.len() > 1 && label.ends_with('.'))
                .then(|| suffix.split('.').count())
        }
        let client = aws_sdk_cloudfront::Client::new(&self.config(GLOBAL_REGION).await);
        let host = self.suite.host().to_owned();
        let mut marker: Option<String> = None;
        let mut best: Option<(usize, String)> = None;
        for _ in 0..MAX_PAGES {
            self.count("cloudfront.ListDistributions");
            let out = client
                .list_distributions()
                .set_marker(marker.clone())
                .send()
                .await
                .map_err(|e| self.describe("cloudfront.ListDistributions", &e))?;
            let Some(list) = out.distribution_list() else { return Ok(best.map(|(_, id)| id)) };
            for d in list.items() {
                let rank = d.aliases().iter().flat_map(|a| a.items()).filter_map(|a| specificity(a, &host)).max();
                if let Some(rank) = rank
                    && best.as_ref().is_none_or(|(b, _)| rank > *b)
                {
                    best = Some((rank, d.id().to_owned()));
                }
            }
            if best.as_ref().is_some_and(|(rank, _)| *rank == usize::MAX) {
                break;
            }
            match list.next_marker() {
                Some(m) if list.is_truncated() && !m.is_empty() => marker = Some(m.to_owned()),
                _ => return Ok(best.map(|(_, id)| id)),
            }
        }
        if let Some((rank, id)) = best {
            if rank == usize::MAX {
                return Ok(Some(id));
            }
            return Err(Error::Unknown {
                message: format!(
                    "ListDistributions has more than {MAX_PAGES} pages; {id} has a wildcard alias for {host}, \
                     but a distribution with a more specific alias may be listed later (set `[cloudfront] distribution_id`)"
                ),
            });
        }
        Ok(None)
    }
}
