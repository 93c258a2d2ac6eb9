//! CloudFront (global, us-east-1): the distribution and the policies that
//! decide what its behaviors forward.

use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::client::is_not_found;
use super::{AwsFacts, GLOBAL_REGION, Res, convert};
use crate::facts::Error;
use crate::model::aws::*;

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
}
