//! The AWS APIs as a [`Source`]: the SDK clients (CloudFront and Route 53 in
//! us-east-1, API Gateway v2 in the suite's region, ACM in the certificate's),
//! every request counted, answers converted into plain facts ([`convert`]).
//! Lists are bounded ([`MAX_PAGES`]): a run never loops forever.

use std::future::Future;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use futures_util::future::BoxFuture;

use super::client::is_not_found;
use super::source::{DistributionSummary, Listed, Source, ZonesNamed};
use super::{AwsFacts, GLOBAL_REGION, MAX_PAGES, Res, convert};
use crate::facts::Error;
use crate::model::aws::*;

/// Upper bound on ListHostedZonesByName pages for one name (100 zones a page).
pub(super) const MAX_ZONE_PAGES: usize = 5;

/// The AWS control plane, through the run's SDK configuration ([`AwsFacts`]'s).
pub struct Sdk;

impl AwsFacts {
    async fn cloudfront(&self) -> aws_sdk_cloudfront::Client {
        aws_sdk_cloudfront::Client::new(&self.config(GLOBAL_REGION).await)
    }

    async fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
        aws_sdk_apigatewayv2::Client::new(&self.config(&self.suite.region).await)
    }

    /// Lambda in the function's own region (its ARN's), else the suite's.
    async fn lambda(&self, function_arn: &str) -> aws_sdk_lambda::Client {
        let region = function_arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&self.suite.region);
        aws_sdk_lambda::Client::new(&self.config(region).await)
    }

    async fn sts(&self) -> aws_sdk_sts::Client {
        aws_sdk_sts::Client::new(&self.config(&self.suite.region).await)
    }

    async fn route53(&self) -> aws_sdk_route53::Client {
        aws_sdk_route53::Client::new(&self.config(GLOBAL_REGION).await)
    }

    /// Every page of a NextToken operation (API Gateway v2's Get* lists have
    /// no SDK paginator): `page(token)` answers a page's items and next token.
    async fn token_pages<T, F, Fut>(&self, op: &str, mut page: F) -> Res<Vec<T>>
    where
        F: FnMut(Option<String>) -> Fut,
        Fut: Future<Output = Res<(Vec<T>, Option<String>)>>,
    {
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            self.count(op);
            let (items, next) = page(token.take()).await?;
            out.extend(items);
            match next {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(out)
    }
}

impl Source for Sdk {
    fn distribution_summaries<'a>(
        &'a self,
        cx: &'a AwsFacts,
        enough: &'a (dyn Fn(&DistributionSummary) -> bool + Sync),
    ) -> BoxFuture<'a, Res<Listed<DistributionSummary>>> {
        Box::pin(async move {
            let op = "cloudfront.ListDistributions";
            let mut pages = cx.cloudfront().await.list_distributions().into_paginator().send();
            let mut out = Listed::default();
            for _ in 0..MAX_PAGES {
                // The stream is asked only while a next page exists: each item is one request.
                let Some(page) = pages.next().await else { return Ok(out) };
                cx.count(op);
                let page = page.map_err(|e| cx.describe(op, &e))?;
                let Some(list) = page.distribution_list() else { return Ok(out) };
                let read = list.items().iter().map(convert::distribution_summary);
                let before = out.items.len();
                out.items.extend(read);
                if out.items[before..].iter().any(enough) {
                    return Ok(out);
                }
                // The paginator stops on an empty NextMarker; IsTruncated says so too.
                if !list.is_truncated() || list.next_marker().is_none_or(str::is_empty) {
                    return Ok(out);
                }
            }
            out.more = true;
            Ok(out)
        })
    }

    fn distribution<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<Option<DistributionFacts>>> {
        Box::pin(async move {
            let client = cx.cloudfront().await;
            cx.count("cloudfront.GetDistribution");
            match client.get_distribution().id(id).send().await {
                Ok(out) => Ok(out.distribution().map(convert::distribution)),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe("cloudfront.GetDistribution", &e)),
            }
        })
    }

    fn origin_request_policy<'a>(
        &'a self,
        cx: &'a AwsFacts,
        id: &'a str,
    ) -> BoxFuture<'a, Res<OriginRequestPolicyFacts>> {
        Box::pin(async move {
            let op = "cloudfront.GetOriginRequestPolicy";
            let client = cx.cloudfront().await;
            cx.count(op);
            let out = client.get_origin_request_policy().id(id).send().await.map_err(|e| cx.describe(op, &e))?;
            let config = out
                .origin_request_policy()
                .and_then(|p| p.origin_request_policy_config())
                .ok_or_else(|| Error::NotReported { subject: op.into(), field: "the policy config" })?;
            Ok(convert::policy(id, config))
        })
    }

    fn cache_policy<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<CachePolicyFacts>> {
        Box::pin(async move {
            let op = "cloudfront.GetCachePolicy";
            let client = cx.cloudfront().await;
            cx.count(op);
            let out = client.get_cache_policy().id(id).send().await.map_err(|e| cx.describe(op, &e))?;
            let config = out
                .cache_policy()
                .and_then(|p| p.cache_policy_config())
                .ok_or_else(|| Error::NotReported { subject: op.into(), field: "the policy config" })?;
            Ok(convert::cache_policy(id, config))
        })
    }

    fn api<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Option<ApiFacts>>> {
        Box::pin(async move {
            let client = cx.apigw().await;
            cx.count("apigatewayv2.GetApi");
            match client.get_api().api_id(api_id).send().await {
                Ok(o) => Ok(Some(convert::api(api_id, &o))),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe("apigatewayv2.GetApi", &e)),
            }
        })
    }

    fn stage<'a>(
        &'a self,
        cx: &'a AwsFacts,
        api_id: &'a str,
        stage: &'a str,
    ) -> BoxFuture<'a, Res<Option<StageFacts>>> {
        Box::pin(async move {
            let client = cx.apigw().await;
            cx.count("apigatewayv2.GetStage");
            match client.get_stage().api_id(api_id).stage_name(stage).send().await {
                Ok(o) => Ok(Some(convert::stage(stage, &o))),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe("apigatewayv2.GetStage", &e)),
            }
        })
    }

    fn routes<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<RouteFacts>>> {
        Box::pin(async move {
            let op = "apigatewayv2.GetRoutes";
            let client = cx.apigw().await;
            cx.token_pages(op, |token| {
                let call = client.get_routes().api_id(api_id).set_next_token(token).send();
                async move {
                    let page = call.await.map_err(|e| cx.describe(op, &e))?;
                    Ok((page.items().iter().map(convert::route).collect(), page.next_token().map(Into::into)))
                }
            })
            .await
        })
    }

    fn deployments<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<String>>> {
        Box::pin(async move {
            let op = "apigatewayv2.GetDeployments";
            let client = cx.apigw().await;
            cx.token_pages(op, |token| {
                let call = client.get_deployments().api_id(api_id).set_next_token(token).send();
                async move {
                    let page = call.await.map_err(|e| cx.describe(op, &e))?;
                    let ids = page.items().iter().filter_map(|d| d.deployment_id().map(Into::into)).collect();
                    Ok((ids, page.next_token().map(Into::into)))
                }
            })
            .await
        })
    }

    fn domain<'a>(&'a self, cx: &'a AwsFacts, name: &'a str) -> BoxFuture<'a, Res<Option<DomainFacts>>> {
        Box::pin(async move {
            let client = cx.apigw().await;
            cx.count("apigatewayv2.GetDomainName");
            match client.get_domain_name().domain_name(name).send().await {
                Ok(o) => Ok(Some(convert::domain(name, &o))),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe("apigatewayv2.GetDomainName", &e)),
            }
        })
    }

    fn mappings<'a>(&'a self, cx: &'a AwsFacts, domain: &'a str) -> BoxFuture<'a, Res<Vec<MappingFacts>>> {
        Box::pin(async move {
            let op = "apigatewayv2.GetApiMappings";
            let client = cx.apigw().await;
            cx.token_pages(op, |token| {
                let call = client.get_api_mappings().domain_name(domain).set_next_token(token).send();
                async move {
                    let page = call.await.map_err(|e| cx.describe(op, &e))?;
                    Ok((page.items().iter().map(convert::mapping).collect(), page.next_token().map(Into::into)))
                }
            })
            .await
        })
    }

    /// ListHostedZonesByName from `DNSName`, paged with `NextDNSName`/
    /// `NextHostedZoneId` while the page may still hold zones of that name; at
    /// most [`MAX_ZONE_PAGES`] pages. (Route 53's name-marker lists have no
    /// SDK paginator, and the walk stops on names, not on the last page.)
    fn zones_named<'a>(&'a self, cx: &'a AwsFacts, name: &'a str) -> BoxFuture<'a, Res<ZonesNamed>> {
        Box::pin(async move {
            let client = cx.route53().await;
            let want = zone_sort_key(name);
            let mut out = ZonesNamed::default();
            let mut next: Option<(String, Option<String>)> = Some((format!("{name}."), None));
            let mut pages = 0;
            while let Some((dns_name, zone_id)) = next.take() {
                if pages == MAX_ZONE_PAGES {
                    out.truncated = true;
                    break;
                }
                pages += 1;
                cx.count("route53.ListHostedZonesByName");
                let page = client
                    .list_hosted_zones_by_name()
                    .dns_name(dns_name)
                    .set_hosted_zone_id(zone_id)
                    .send()
                    .await
                    .map_err(|e| cx.describe("route53.ListHostedZonesByName", &e))?;
                let zones = page.hosted_zones();
                out.zones.extend(zones.iter().filter(|z| normalize_host(z.name()) == name).map(convert::hosted_zone));
                // Sorted by reversed labels: a page that ends past `name` holds every zone of that name.
                let past = zones.last().is_some_and(|z| zone_sort_key(z.name()) > want);
                if page.is_truncated()
                    && !past
                    && let Some(n) = page.next_dns_name()
                {
                    next = Some((n.to_owned(), page.next_hosted_zone_id().map(Into::into)));
                }
            }
            Ok(out)
        })
    }

    /// ListResourceRecordSets from the name, paged with `NextRecordName`/
    /// `NextRecordType`/`NextRecordIdentifier` while the next record still has
    /// that name; at most [`MAX_PAGES`] pages. Route 53 lists a wildcard
    /// `*.example.com` as `\052.example.com`, read back as `*`.
    fn record_sets<'a>(
        &'a self,
        cx: &'a AwsFacts,
        zone_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Res<Vec<AliasRecordFacts>>> {
        Box::pin(async move {
            let client = cx.route53().await;
            let mut records = Vec::new();
            let mut start: Option<(String, Option<aws_sdk_route53::types::RrType>, Option<String>)> =
                Some((name.to_owned(), None, None));
            let mut pages = 0;
            while let Some((start_name, start_type, start_id)) = start.take() {
                if pages == MAX_PAGES {
                    break;
                }
                pages += 1;
                cx.count("route53.ListResourceRecordSets");
                let page = client
                    .list_resource_record_sets()
                    .hosted_zone_id(zone_id)
                    .start_record_name(start_name)
                    .set_start_record_type(start_type)
                    .set_start_record_identifier(start_id)
                    .max_items(100)
                    .send()
                    .await
                    .map_err(|e| cx.describe("route53.ListResourceRecordSets", &e))?;
                records.extend(
                    page.resource_record_sets()
                        .iter()
                        .filter(|r| convert::record_name(r.name()) == name)
                        .map(convert::record),
                );
                let next_is_ours = page.next_record_name().is_some_and(|n| convert::record_name(n) == name);
                if page.is_truncated() && next_is_ours {
                    start = page.next_record_name().map(|n| {
                        (n.to_owned(), page.next_record_type().cloned(), page.next_record_identifier().map(Into::into))
                    });
                }
            }
            Ok(records)
        })
    }

    fn certificate<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<CertificateFacts>>> {
        Box::pin(async move {
            // ACM is regional: the certificate's region is in its ARN.
            let region = arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&cx.suite.region);
            let client = aws_sdk_acm::Client::new(&cx.config(region).await);
            cx.count("acm.DescribeCertificate");
            match client.describe_certificate().certificate_arn(arn).send().await {
                Ok(o) => Ok(o.certificate().map(|c| convert::certificate(arn, c))),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe("acm.DescribeCertificate", &e)),
            }
        })
    }

    fn integrations<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<IntegrationFacts>>> {
        Box::pin(async move {
            let op = "apigatewayv2.GetIntegrations";
            let client = cx.apigw().await;
            cx.token_pages(op, |token| {
                let call = client.get_integrations().api_id(api_id).set_next_token(token).send();
                async move {
                    let page = call.await.map_err(|e| cx.describe(op, &e))?;
                    Ok((page.items().iter().map(convert::integration).collect(), page.next_token().map(Into::into)))
                }
            })
            .await
        })
    }

    fn authorizer<'a>(
        &'a self,
        cx: &'a AwsFacts,
        api_id: &'a str,
        authorizer_id: &'a str,
    ) -> BoxFuture<'a, Res<Option<AuthorizerFacts>>> {
        Box::pin(async move {
            let op = "apigatewayv2.GetAuthorizer";
            let client = cx.apigw().await;
            cx.count(op);
            match client.get_authorizer().api_id(api_id).authorizer_id(authorizer_id).send().await {
                Ok(o) => Ok(Some(convert::authorizer(authorizer_id, &o))),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe(op, &e)),
            }
        })
    }

    fn function<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<FunctionFacts>>> {
        Box::pin(async move {
            let op = "lambda.GetFunctionConfiguration";
            let client = cx.lambda(arn).await;
            cx.count(op);
            match client.get_function_configuration().function_name(arn).send().await {
                Ok(o) => Ok(Some(FunctionFacts {
                    function_name: o.function_name().unwrap_or_default().to_owned(),
                    function_arn: o.function_arn().unwrap_or(arn).to_owned(),
                    role: o.role().map(Into::into),
                    state: o.state().map(|s| s.as_str().to_owned()),
                })),
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe(op, &e)),
            }
        })
    }

    fn function_policy<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<ResourcePolicy>>> {
        Box::pin(async move {
            let op = "lambda.GetPolicy";
            let client = cx.lambda(arn).await;
            cx.count(op);
            match client.get_policy().function_name(arn).send().await {
                Ok(o) => match o.policy() {
                    Some(doc) => ResourcePolicy::parse(doc)
                        .map(Some)
                        .map_err(|why| Error::Other { operation: op.into(), message: format!("its Policy is {why}") }),
                    None => Ok(None),
                },
                // Lambda answers a function without a policy as it answers a missing function.
                Err(e) if is_not_found(e.code()) => Ok(None),
                Err(e) => Err(cx.describe(op, &e)),
            }
        })
    }

    fn caller_account<'a>(&'a self, cx: &'a AwsFacts) -> BoxFuture<'a, Res<String>> {
        Box::pin(async move {
            let op = "sts.GetCallerIdentity";
            let client = cx.sts().await;
            cx.count(op);
            match client.get_caller_identity().send().await {
                Ok(o) => o
                    .account()
                    .map(str::to_owned)
                    .ok_or_else(|| Error::Other { operation: op.into(), message: "the answer has no Account".into() }),
                Err(e) => Err(cx.describe(op, &e)),
            }
        })
    }

    fn vpc_link<'a>(&'a self, _cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<Option<VpcLinkFacts>>> {
        Box::pin(async move {
            Err(Error::Unknown {
                message: format!(
                    "the status of REST API VPC link {id} (API Gateway v1 GetVpcLink) is not read: wsconform does not \
                     link aws-sdk-apigateway for this one call; see `aws apigateway get-vpc-link --vpc-link-id {id}`"
                ),
            })
        })
    }
}

/// Route 53's order for zone and record names: labels compared from the right.
fn zone_sort_key(name: &str) -> Vec<String> {
    normalize_host(name).split('.').rev().map(str::to_owned).collect()
}
