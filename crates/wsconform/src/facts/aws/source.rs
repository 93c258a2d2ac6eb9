//! The seam between the memo layer ([`AwsFacts`]) and where the control
//! plane's facts come from: the AWS APIs ([`super::Sdk`]), or hand-made
//! values ([`crate::facts::fixture::Fixture`]); a Terraform plan or a
//! CloudFormation template next. The judges read the memo layer and never
//! know which.
//!
//! One method per operation, answering plain [`crate::model::aws`] values:
//! `Ok(None)` (or an empty list) when the resource does not exist,
//! [`Error::UnknownUntilApply`] when it exists but its value is known only
//! after apply. Memoization (each operation once per run) stays above the
//! seam; a source reports each request it makes to the tally through
//! [`AwsFacts::count`], page by page, as `service.Operation`.
//!
//! [`Error::UnknownUntilApply`]: crate::facts::Error::UnknownUntilApply

use futures_util::future::BoxFuture;

use super::{AwsFacts, Res};
use crate::model::aws::*;

/// A distribution as ListDistributions lists it: enough to find it by alias.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DistributionSummary {
    pub id: String,
    pub aliases: Vec<String>,
}

/// What a bounded listing read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    /// Pages remained past the bound ([`super::MAX_PAGES`]).
    pub more: bool,
}

impl<T> Default for Listed<T> {
    fn default() -> Self {
        Listed { items: Vec::new(), more: false }
    }
}

/// The hosted zones one ListHostedZonesByName name lookup found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZonesNamed {
    pub zones: Vec<HostedZoneFacts>,
    /// More same-named zones than the pages read.
    pub truncated: bool,
}

/// Where the memo layer gets the control plane's facts. Every method gets
/// the memo layer (`cx`) for the SDK configuration and the call tally. Names
/// come normalized ([`normalize_host`]).
pub trait Source: Send + Sync {
    /// ListDistributions' summaries, in listing order, until a page holds one
    /// that is `enough`, the pages end, or [`super::MAX_PAGES`] pages were read.
    fn distribution_summaries<'a>(
        &'a self,
        cx: &'a AwsFacts,
        enough: &'a (dyn Fn(&DistributionSummary) -> bool + Sync),
    ) -> BoxFuture<'a, Res<Listed<DistributionSummary>>>;
    /// GetDistribution.
    fn distribution<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<Option<DistributionFacts>>>;
    /// GetOriginRequestPolicy (a custom policy).
    fn origin_request_policy<'a>(
        &'a self,
        cx: &'a AwsFacts,
        id: &'a str,
    ) -> BoxFuture<'a, Res<OriginRequestPolicyFacts>>;
    /// GetCachePolicy (a custom policy).
    fn cache_policy<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<CachePolicyFacts>>;
    /// GetApi.
    fn api<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Option<ApiFacts>>>;
    /// GetStage.
    fn stage<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str, stage: &'a str)
    -> BoxFuture<'a, Res<Option<StageFacts>>>;
    /// GetRoutes (every page).
    fn routes<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<RouteFacts>>>;
    /// GetDeployments (every page): the deployment ids.
    fn deployments<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<String>>>;
    /// GetDomainName.
    fn domain<'a>(&'a self, cx: &'a AwsFacts, name: &'a str) -> BoxFuture<'a, Res<Option<DomainFacts>>>;
    /// GetApiMappings of a custom domain (every page).
    fn mappings<'a>(&'a self, cx: &'a AwsFacts, domain: &'a str) -> BoxFuture<'a, Res<Vec<MappingFacts>>>;
    /// The hosted zones named exactly `name` (ListHostedZonesByName).
    fn zones_named<'a>(&'a self, cx: &'a AwsFacts, name: &'a str) -> BoxFuture<'a, Res<ZonesNamed>>;
    /// The record sets named `name` in `zone_id` (ListResourceRecordSets); a
    /// wildcard is asked for and answered as `*.example.com`.
    fn record_sets<'a>(
        &'a self,
        cx: &'a AwsFacts,
        zone_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Res<Vec<AliasRecordFacts>>>;
    /// DescribeCertificate.
    fn certificate<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<CertificateFacts>>>;
    /// GetIntegrations (every page).
    fn integrations<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<IntegrationFacts>>>;
    /// GetAuthorizer (by id: a route names its authorizer).
    fn authorizer<'a>(
        &'a self,
        cx: &'a AwsFacts,
        api_id: &'a str,
        authorizer_id: &'a str,
    ) -> BoxFuture<'a, Res<Option<AuthorizerFacts>>>;
    /// Lambda GetFunctionConfiguration of a function ARN (qualified or not).
    fn function<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<FunctionFacts>>>;
    /// Lambda GetPolicy of a function ARN: `Ok(None)` when it has no resource-based policy.
    fn function_policy<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<ResourcePolicy>>>;
    /// API Gateway (v1) GetVpcLink: the REST API VPC link a WebSocket private integration uses.
    fn vpc_link<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<Option<VpcLinkFacts>>>;
    /// STS GetCallerIdentity: the account of the credentials, which is the API's (API Gateway
    /// answers GetApi only for APIs of the caller's own account).
    fn caller_account<'a>(&'a self, cx: &'a AwsFacts) -> BoxFuture<'a, Res<String>>;
}
