//! Control-plane facts (CloudFront, API Gateway v2, Route 53, ACM) as plain
//! [`crate::model::aws`] values, each operation memoized once per run
//! (concurrent callers wait for one call) and counted. Errors are memoized
//! too, as a [`crate::facts::Error`].
//!
//! Where the values come from is a [`Source`] below the memo layer: the AWS
//! SDK clients ([`Sdk`], the default), or hand-made values
//! ([`crate::facts::fixture::Fixture`]).

mod acm;
mod apigw;
mod client;
mod cloudfront;
mod convert;
mod discovery;
mod lambda;
mod memo;
mod route53;
mod sdk;
mod source;

use crate::sync::Locked;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use aws_config::SdkConfig;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::SharedHttpClient;

use crate::model::aws::*;
use crate::model::route::Route;
use crate::suite::Suite;

use memo::Memo;
pub use route53::{RecordSource, ZoneChoice};
#[cfg(test)]
pub(crate) use route53::{Records, choose_zone, host_records};
#[cfg(test)]
use sdk::MAX_ZONE_PAGES;
pub use sdk::Sdk;
pub use source::{DistributionSummary, Listed, Source, ZonesNamed};

/// CloudFront and its viewer certificates live in us-east-1.
const GLOBAL_REGION: &str = "us-east-1";
/// Upper bound on list pages (ListDistributions, ListResourceRecordSets…): a run never loops forever.
const MAX_PAGES: usize = 50;

pub(crate) type Res<T> = Result<T, crate::facts::Error>;

pub struct AwsFacts {
    suite: Arc<Suite>,
    source: Arc<dyn Source>,
    http_client: Mutex<Option<SharedHttpClient>>,
    credentials_provider: Mutex<Option<SharedCredentialsProvider>>,
    calls: Mutex<BTreeMap<String, u64>>,
    configs: Memo<SdkConfig>,
    distribution_id: Memo<Option<String>>,
    distributions: Memo<Option<Arc<DistributionFacts>>>,
    policies: Memo<Arc<OriginRequestPolicyFacts>>,
    cache_policies: Memo<Arc<CachePolicyFacts>>,
    apis: Memo<Option<Arc<ApiFacts>>>,
    stages: Memo<Option<Arc<StageFacts>>>,
    routes: Memo<Arc<Vec<RouteFacts>>>,
    deployments: Memo<Arc<Vec<String>>>,
    domains: Memo<Option<Arc<DomainFacts>>>,
    mappings: Memo<Arc<Vec<MappingFacts>>>,
    zones: Memo<Arc<ZonesNamed>>,
    records: Memo<Arc<Vec<AliasRecordFacts>>>,
    certificates: Memo<Option<Arc<CertificateFacts>>>,
    integrations: Memo<Arc<Vec<IntegrationFacts>>>,
    authorizers: Memo<Option<Arc<AuthorizerFacts>>>,
    functions: Memo<Option<Arc<FunctionFacts>>>,
    function_policies: Memo<Option<Arc<ResourcePolicy>>>,
    vpc_links: Memo<Option<Arc<VpcLinkFacts>>>,
    caller_account: Memo<Arc<String>>,
    route: Memo<Arc<Route>>,
}

impl AwsFacts {
    /// Facts read from the AWS APIs.
    pub fn new(suite: Arc<Suite>) -> AwsFacts {
        AwsFacts::with_source(suite, Arc::new(Sdk))
    }

    /// Facts read from `source` (a fixture, a plan), memoized and counted alike.
    pub fn with_source(suite: Arc<Suite>, source: Arc<dyn Source>) -> AwsFacts {
        AwsFacts {
            suite,
            source,
            http_client: Mutex::new(None),
            credentials_provider: Mutex::new(None),
            calls: Mutex::new(BTreeMap::new()),
            configs: Memo::new(),
            distribution_id: Memo::new(),
            distributions: Memo::new(),
            policies: Memo::new(),
            cache_policies: Memo::new(),
            apis: Memo::new(),
            stages: Memo::new(),
            routes: Memo::new(),
            deployments: Memo::new(),
            domains: Memo::new(),
            mappings: Memo::new(),
            zones: Memo::new(),
            records: Memo::new(),
            certificates: Memo::new(),
            integrations: Memo::new(),
            authorizers: Memo::new(),
            functions: Memo::new(),
            function_policies: Memo::new(),
            vpc_links: Memo::new(),
            caller_account: Memo::new(),
            route: Memo::new(),
        }
    }

    /// Forgets every fetched fact (not the SDK configurations or the call
    /// counts), so a retried check sees the deployment as it is now: with
    /// `--wait`, CloudFront's `InProgress` must be able to become `Deployed`.
    pub fn refresh(&self) {
        self.distribution_id.clear();
        self.distributions.clear();
        self.policies.clear();
        self.cache_policies.clear();
        self.deployments.clear();
        self.apis.clear();
        self.stages.clear();
        self.routes.clear();
        self.domains.clear();
        self.mappings.clear();
        self.zones.clear();
        self.records.clear();
        self.certificates.clear();
        self.integrations.clear();
        self.authorizers.clear();
        self.functions.clear();
        self.function_policies.clear();
        self.vpc_links.clear();
        self.caller_account.clear();
        self.route.clear();
    }

    /// `service.Operation` → how many times it was called in this run.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.locked().clone()
    }

    /// Tallies one request of `op` (`service.Operation`): sources call it for each one they make.
    pub fn count(&self, op: &str) {
        *self.calls.locked().entry(op.to_owned()).or_default() += 1;
    }

    pub fn suite(&self) -> &Suite {
        &self.suite
    }
}

#[cfg(test)]
mod tests;
