//! Control-plane collectors: the real AWS SDK clients (CloudFront, API
//! Gateway v2, Route 53, ACM), each call memoized once per run (concurrent
//! callers wait for one call), counted, and converted into plain facts
//! ([`model`]). Errors are memoized too, as one clear message.

use std::collections::{BTreeMap, HashMap};
use std::error::Error as StdError;
use std::future::Future;
use std::sync::{Arc, Mutex};

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use tokio::sync::OnceCell;

use crate::model::aws::*;
use crate::model::route::{self, Route, RouteInput};
use crate::suite::{DistributionRef, Suite};

/// CloudFront and its viewer certificates live in us-east-1.
const GLOBAL_REGION: &str = "us-east-1";
/// Retries of one control-plane call: few and quick, so throttling or 5xx
/// costs well under a second instead of the SDK's default backoff (~1–3 s),
/// and a check's time limit is spent on at most [`MAX_ATTEMPTS`] tries.
const MAX_ATTEMPTS: u32 = 3;

pub(crate) fn bounded_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(std::time::Duration::from_millis(50))
        .with_max_backoff(std::time::Duration::from_millis(250))
}

/// Upper bound on list pages (ListDistributions, ListResourceRecordSets…): a run never loops forever.
const MAX_PAGES: usize = 50;
/// Upper bound on ListHostedZonesByName pages for one name (100 zones a page).
const MAX_ZONE_PAGES: usize = 5;
/// Upper bound on the parent domains of a host looked up as hosted zone names.
const MAX_ZONE_NAMES: usize = 8;

type Res<T> = Result<T, String>;

/// One memoized value per key; concurrent callers of one key wait for one call.
struct Memo<V> {
    cells: Mutex<HashMap<String, Arc<OnceCell<Res<V>>>>>,
}

impl<V: Clone> Memo<V> {
    fn new() -> Self {
        Self { cells: Mutex::new(HashMap::new()) }
    }

    async fn get<F, Fut>(&self, key: &str, init: F) -> Res<V>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Res<V>>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key.to_owned()).or_default().clone()
        };
        cell.get_or_init(init).await.clone()
    }

    /// The value of `key` if it was fetched already (never fetches).
    fn peek(&self, key: &str) -> Option<Res<V>> {
        let cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
        cells.get(key).and_then(|c| c.get().cloned())
    }

    /// Forgets every value: the next caller of a key fetches it again.
    fn clear(&self) {
        self.cells.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

/// What discovery found (or the suite said), for the report.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    pub distribution_id: Option<String>,
    pub custom_domain: Option<String>,
    pub mapping_key: Option<String>,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    pub layout: Option<String>,
    /// The hop chain, one line.
    pub route: Option<String>,
    /// Why something could not be found.
    pub errors: Vec<String>,
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
        put("route", &self.route);
        p
    }
}

pub struct AwsFacts {
    suite: Arc<Suite>,
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
    route: Memo<Arc<Route>>,
}

impl AwsFacts {
    pub fn new(suite: Arc<Suite>) -> AwsFacts {
        AwsFacts {
            suite,
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
            route: Memo::new(),
        }
    }

    /// Routes every SDK call through `client` (the run's network world, or a
    /// test double). Takes effect for clients not created yet.
    pub fn set_http_client(&self, client: SharedHttpClient) {
        *self.http_client.lock().unwrap_or_else(|e| e.into_inner()) = Some(client);
    }

    /// Overrides the credential lookup (tests; callers with their own chain).
    pub fn set_credentials_provider(&self, provider: SharedCredentialsProvider) {
        *self.credentials_provider.lock().unwrap_or_else(|e| e.into_inner()) = Some(provider);
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
        self.route.clear();
    }

    /// `service.Operation` → how many times it was called in this run.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.calls.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    fn count(&self, op: &str) {
        *self.calls.lock().unwrap_or_else(|e| e.into_inner()).entry(op.to_owned()).or_default() += 1;
    }

    pub fn suite(&self) -> &Suite {
        &self.suite
    }

    /// The SDK configuration for `region`, built on first use: no credential
    /// lookup happens before a control-plane call.
    async fn config(&self, region: &str) -> SdkConfig {
        let built = self
            .configs
            .get(region, || async {
                let aws = &self.suite.aws;
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .region(Region::new(region.to_owned()))
                    .retry_config(bounded_retries());
                if let Some(u) = &aws.endpoint_url {
                    loader = loader.endpoint_url(u.as_str().trim_end_matches('/'));
                }
                if let Some(p) = &aws.profile {
                    loader = loader.profile_name(p);
                }
                let provider = self.credentials_provider.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(p) = provider {
                    loader = loader.credentials_provider(p);
                } else if let Some(c) = &aws.credentials {
                    loader = loader.credentials_provider(Credentials::new(
                        &c.access_key_id,
                        &c.secret_access_key,
                        None,
                        None,
                        "wsconform-suite",
                    ));
                }
                let client = self.http_client.lock().unwrap_or_else(|e| e.into_inner()).clone();
                if let Some(client) = client {
                    loader = loader.http_client(client);
                }
                Ok(loader.load().await)
            })
            .await;
        // The init above never fails.
        built.unwrap_or_else(|_| SdkConfig::builder().build())
    }

    /// The credentials provider of the control-plane clients (the same chain:
    /// an override, the suite's keys, its profile, the SDK's defaults), for
    /// signing requests the SDK does not make (an IAM-authorized upgrade).
    pub async fn credentials_provider(&self) -> Option<SharedCredentialsProvider> {
        self.config(&self.suite.region).await.credentials_provider()
    }

    /// One clear message for a failed call (credentials named by their lookup chain).
    fn describe<E, R>(&self, op: &str, err: &SdkError<E, R>) -> String
    where
        E: ProvideErrorMetadata + StdError + 'static,
        R: std::fmt::Debug + 'static,
    {
        describe_sdk_error(op, err, self.suite.aws.profile.as_deref())
    }

    // ------------------------------------------------------------------
    // CloudFront

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
            return Err(format!(
                "unknown: ListDistributions has more than {MAX_PAGES} pages; {id} has a wildcard alias for {host}, \
                 but a distribution with a more specific alias may be listed later (set `[cloudfront] distribution_id`)"
            ));
        }
        Ok(None)
    }

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
                let config = out
                    .cache_policy()
                    .and_then(|p| p.cache_policy_config())
                    .ok_or("cloudfront.GetCachePolicy: the policy config is not reported by the endpoint")?;
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
                let config = out
                    .origin_request_policy()
                    .and_then(|p| p.origin_request_policy_config())
                    .ok_or("cloudfront.GetOriginRequestPolicy: the policy config is not reported by the endpoint")?;
                Ok(Arc::new(convert::policy(id, config)))
            })
            .await
    }

    // ------------------------------------------------------------------
    // API Gateway (the suite's region)

    async fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
        aws_sdk_apigatewayv2::Client::new(&self.config(&self.suite.region).await)
    }

    /// GetApi. `Ok(None)`: no such API in the region.
    pub async fn api(&self, api_id: &str) -> Res<Option<Arc<ApiFacts>>> {
        self.apis
            .get(api_id, || async {
                let client = self.apigw().await;
                self.count("apigatewayv2.GetApi");
                match client.get_api().api_id(api_id).send().await {
                    Ok(o) => Ok(Some(Arc::new(ApiFacts {
                        api_id: o.api_id().unwrap_or(api_id).to_owned(),
                        name: o.name().map(Into::into),
                        protocol_type: o.protocol_type().map(|p| p.as_str().to_owned()),
                        route_selection_expression: o.route_selection_expression().map(Into::into),
                        disable_execute_api_endpoint: o.disable_execute_api_endpoint(),
                    }))),
                    Err(e) if is_not_found(e.code()) => Ok(None),
                    Err(e) => Err(self.describe("apigatewayv2.GetApi", &e)),
                }
            })
            .await
    }

    /// GetStage. `Ok(None)`: no such stage.
    pub async fn stage(&self, api_id: &str, stage: &str) -> Res<Option<Arc<StageFacts>>> {
        self.stages
            .get(&format!("{api_id}/{stage}"), || async {
                let client = self.apigw().await;
                self.count("apigatewayv2.GetStage");
                match client.get_stage().api_id(api_id).stage_name(stage).send().await {
                    Ok(o) => Ok(Some(Arc::new(StageFacts {
                        stage_name: o.stage_name().unwrap_or(stage).to_owned(),
                        deployment_id: o.deployment_id().map(Into::into),
                        throttling_burst_limit: o.default_route_settings().and_then(|s| s.throttling_burst_limit()),
                        throttling_rate_limit: o.default_route_settings().and_then(|s| s.throttling_rate_limit()),
                        route_throttling: {
                            let mut v: Vec<_> = o
                                .route_settings()
                                .into_iter()
                                .flatten()
                                .map(|(k, s)| (k.clone(), s.throttling_burst_limit(), s.throttling_rate_limit()))
                                .filter(|(_, b, r)| b.is_some() || r.is_some())
                                .collect();
                            v.sort_by(|a, b| a.0.cmp(&b.0));
                            v
                        },
                    }))),
                    Err(e) if is_not_found(e.code()) => Ok(None),
                    Err(e) => Err(self.describe("apigatewayv2.GetStage", &e)),
                }
            })
            .await
    }

    /// GetRoutes (all pages).
    /// GetDeployments: the API's deployment ids. Asked only to confirm that a
    /// stage without a deploymentId was never deployed.
    pub async fn deployments(&self, api_id: &str) -> Res<Arc<Vec<String>>> {
        self.deployments
            .get(api_id, || async {
                let client = self.apigw().await;
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                for _ in 0..MAX_PAGES {
                    self.count("apigatewayv2.GetDeployments");
                    let page = client
                        .get_deployments()
                        .api_id(api_id)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.describe("apigatewayv2.GetDeployments", &e))?;
                    out.extend(page.items().iter().filter_map(|d| d.deployment_id().map(Into::into)));
                    match page.next_token() {
                        Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                        _ => break,
                    }
                }
                Ok(Arc::new(out))
            })
            .await
    }

    pub async fn routes(&self, api_id: &str) -> Res<Arc<Vec<RouteFacts>>> {
        self.routes
            .get(api_id, || async {
                let client = self.apigw().await;
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                for _ in 0..MAX_PAGES {
                    self.count("apigatewayv2.GetRoutes");
                    let page = client
                        .get_routes()
                        .api_id(api_id)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.describe("apigatewayv2.GetRoutes", &e))?;
                    out.extend(page.items().iter().map(|r| RouteFacts {
                        route_id: r.route_id().map(Into::into),
                        route_key: r.route_key().unwrap_or_default().to_owned(),
                        target: r.target().map(Into::into),
                        authorization_type: r.authorization_type().map(|a| a.as_str().to_owned()),
                    }));
                    match page.next_token() {
                        Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                        _ => break,
                    }
                }
                Ok(Arc::new(out))
            })
            .await
    }

    /// GetDomainName. `Ok(None)`: not an API Gateway custom domain in the region.
    pub async fn domain(&self, name: &str) -> Res<Option<Arc<DomainFacts>>> {
        let name = normalize_host(name);
        self.domains
            .get(&name, || async {
                let client = self.apigw().await;
                self.count("apigatewayv2.GetDomainName");
                match client.get_domain_name().domain_name(&name).send().await {
                    Ok(o) => {
                        let c = o.domain_name_configurations().first();
                        Ok(Some(Arc::new(DomainFacts {
                            domain_name: o.domain_name().unwrap_or(&name).to_owned(),
                            api_gateway_domain_name: c.and_then(|c| c.api_gateway_domain_name()).map(Into::into),
                            hosted_zone_id: c.and_then(|c| c.hosted_zone_id()).map(Into::into),
                            certificate_arn: c.and_then(|c| c.certificate_arn()).map(Into::into),
                            status: c.and_then(|c| c.domain_name_status()).map(|s| s.as_str().to_owned()),
                            endpoint_type: c.and_then(|c| c.endpoint_type()).map(|s| s.as_str().to_owned()),
                            security_policy: c.and_then(|c| c.security_policy()).map(|s| s.as_str().to_owned()),
                            routing_mode: o.routing_mode().map(|m| m.as_str().to_owned()),
                        })))
                    }
                    Err(e) if is_not_found(e.code()) => Ok(None),
                    Err(e) => Err(self.describe("apigatewayv2.GetDomainName", &e)),
                }
            })
            .await
    }

    /// GetApiMappings of a custom domain (all pages).
    pub async fn mappings(&self, domain: &str) -> Res<Arc<Vec<MappingFacts>>> {
        let domain = normalize_host(domain);
        self.mappings
            .get(&domain, || async {
                let client = self.apigw().await;
                let mut out = Vec::new();
                let mut token: Option<String> = None;
                for _ in 0..MAX_PAGES {
                    self.count("apigatewayv2.GetApiMappings");
                    let page = client
                        .get_api_mappings()
                        .domain_name(&domain)
                        .set_next_token(token.clone())
                        .send()
                        .await
                        .map_err(|e| self.describe("apigatewayv2.GetApiMappings", &e))?;
                    out.extend(page.items().iter().map(|m| MappingFacts {
                        api_mapping_id: m.api_mapping_id().map(Into::into),
                        api_mapping_key: m.api_mapping_key().unwrap_or_default().to_owned(),
                        api_id: m.api_id().map(Into::into),
                        stage: m.stage().map(Into::into),
                    }));
                    match page.next_token() {
                        Some(t) if !t.is_empty() => token = Some(t.to_owned()),
                        _ => break,
                    }
                }
                Ok(Arc::new(out))
            })
            .await
    }

    // ------------------------------------------------------------------
    // Route 53 (global)

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
                            .filter(|r| record_name(r.name()) == name)
                            .map(convert::record),
                    );
                    let next_is_ours = page.next_record_name().is_some_and(|n| record_name(n) == name);
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

    // ------------------------------------------------------------------
    // ACM (the certificate's own region, taken from its ARN)

    /// DescribeCertificate. `Ok(None)`: no such certificate.
    pub async fn certificate(&self, arn: &str) -> Res<Option<Arc<CertificateFacts>>> {
        self.certificates
            .get(arn, || async {
                let region = arn.split(':').nth(3).filter(|r| !r.is_empty()).unwrap_or(&self.suite.region);
                let client = aws_sdk_acm::Client::new(&self.config(region).await);
                self.count("acm.DescribeCertificate");
                match client.describe_certificate().certificate_arn(arn).send().await {
                    Ok(o) => Ok(o.certificate().map(|c| {
                        Arc::new(CertificateFacts {
                            arn: arn.to_owned(),
                            domain_name: c.domain_name().map(Into::into),
                            subject_alternative_names: c.subject_alternative_names().to_vec(),
                            status: c.status().map(|s| s.as_str().to_owned()),
                            not_after: c.not_after().map(|t| t.secs()),
                        })
                    })),
                    Err(e) if is_not_found(e.code()) => Ok(None),
                    Err(e) => Err(self.describe("acm.DescribeCertificate", &e)),
                }
            })
            .await
    }

    // ------------------------------------------------------------------
    // Derived facts

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
            region: &suite.region,
            viewer_host: suite.host(),
            viewer_path: suite.path(),
            distribution: dist.as_deref(),
            forwarding: forwarding.as_ref(),
            domains: &domains,
            mappings: &mappings,
        }))
    }

    fn distribution_missing(&self) -> String {
        match self.suite.cloudfront.as_ref().map(|c| &c.distribution) {
            Some(DistributionRef::Id(id)) => format!("CloudFront distribution {id} does not exist"),
            _ => format!("no CloudFront distribution has the alias {}", self.suite.host()),
        }
    }

    /// The API id: the suite's, else where the route lands.
    pub async fn api_id(&self) -> Res<String> {
        if let Some(id) = &self.suite.api.id {
            return Ok(id.clone());
        }
        let r = self.route().await.map_err(|e| format!("cannot discover the API id: {e}"))?;
        r.api_id()
            .map(Into::into)
            .ok_or_else(|| format!("cannot discover the API id: {}; set `[api] id`", r.describe()))
    }

    /// The stage: the suite's, else where the route lands.
    pub async fn stage_name(&self) -> Res<String> {
        if let Some(s) = &self.suite.api.stage {
            return Ok(s.clone());
        }
        let r = self.route().await.map_err(|e| format!("cannot discover the stage: {e}"))?;
        r.stage()
            .map(Into::into)
            .ok_or_else(|| format!("cannot discover the stage: {}; set `[api] stage`", r.describe()))
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
    /// or the custom domain's regional target), when the control plane tells.
    pub async fn expected_alias_target(&self) -> Result<Option<String>, String> {
        if self.suite.cloudfront.is_some() {
            // The name does not depend on the partition's alias hosted zone id, which may be unknown.
            let d = self.distribution().await?.ok_or_else(|| self.distribution_missing())?;
            return Ok(Some(normalize_host(&d.domain_name)));
        }
        Ok(self.expected_alias().await?.map(|(name, _)| name))
    }

    /// The alias target and its Route 53 hosted zone id.
    pub async fn expected_alias(&self) -> Res<Option<(String, String)>> {
        if self.suite.cloudfront.is_some() {
            let d = self.distribution().await?.ok_or_else(|| self.distribution_missing())?;
            let region = &self.suite.region;
            let zone = crate::partition::cloudfront_hosted_zone_id(region).ok_or_else(|| {
                format!(
                    "unknown: AWS documents no Route 53 hosted zone id for CloudFront alias targets in partition {} (region {region})",
                    crate::partition::of(region).map_or("?", |p| p.id)
                )
            })?;
            return Ok(Some((normalize_host(&d.domain_name), zone.to_owned())));
        }
        let Some(name) = self.suite.custom_domain.as_ref().map(|c| c.name.clone()) else { return Ok(None) };
        let d = self.domain(&name).await?.ok_or_else(|| format!("API Gateway custom domain {name} does not exist"))?;
        let target = d
            .api_gateway_domain_name
            .clone()
            .ok_or_else(|| format!("{name}: apiGatewayDomainName is not reported by the endpoint"))?;
        let zone =
            d.hosted_zone_id.clone().ok_or_else(|| format!("{name}: hostedZoneId is not reported by the endpoint"))?;
        Ok(Some((normalize_host(&target), zone)))
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
            d.route = Some(r.describe());
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
                d.route = Some(r.describe());
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

/// The zones one ListHostedZonesByName name lookup found.
#[derive(Debug, Clone, Default)]
struct ZonesNamed {
    zones: Vec<HostedZoneFacts>,
    /// More pages than [`MAX_ZONE_PAGES`].
    truncated: bool,
}

/// `ws.api.example.com` → `[ws.api.example.com, api.example.com, example.com]`:
/// the names a hosted zone for the host can have, most specific first, without
/// the top-level domain (Route 53 does not host TLDs); at most [`MAX_ZONE_NAMES`],
/// the least specific kept.
fn zone_lookup_names(host: &str) -> Vec<String> {
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

/// A record name as Route 53 lists it (`\052` for a leading `*`), normalized.
fn record_name(name: &str) -> String {
    let n = normalize_host(name);
    match n.strip_prefix("\\052") {
        Some(rest) => format!("*{rest}"),
        None => n,
    }
}

/// NotFoundException (API GW), NoSuchDistribution (CloudFront), ResourceNotFoundException (ACM).
fn is_not_found(code: Option<&str>) -> bool {
    matches!(code, Some("NotFoundException" | "NoSuchDistribution" | "ResourceNotFoundException" | "NoSuchHostedZone"))
}

/// Turns an SDK error into one line: missing credentials name the lookup
/// chain; service errors give code and message; others their cause chain.
pub fn describe_sdk_error<E, R>(op: &str, err: &SdkError<E, R>, profile: Option<&str>) -> String
where
    E: ProvideErrorMetadata + StdError + 'static,
    R: std::fmt::Debug + 'static,
{
    let mut source: Option<&(dyn StdError + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            let detail = match c {
                CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found".to_owned(),
                other => format!("AWS credentials could not be loaded ({})", DisplayErrorContext(other)),
            };
            let profile = profile.unwrap_or("default (or AWS_PROFILE)");
            // No operation name: it is the same error for every call, and
            // reports group identical errors into one line.
            return format!(
                "{detail}; looked in: environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), \
                 profile `{profile}` in ~/.aws/config and ~/.aws/credentials, SSO, web identity \
                 (AWS_WEB_IDENTITY_TOKEN_FILE), ECS container credentials and EC2 instance metadata (IMDS)"
            );
        }
        source = e.source();
    }
    match err {
        SdkError::ServiceError(_) => {
            format!("{op} failed: {}: {}", err.code().unwrap_or("error"), err.message().unwrap_or("no message"))
        }
        SdkError::TimeoutError(_) => format!("{op}: timed out reaching the AWS endpoint"),
        // The chain of causes in one line (DisplayErrorContext would append a Debug dump).
        _ => {
            let mut parts: Vec<String> = Vec::new();
            let mut source: Option<&(dyn StdError + 'static)> = Some(err);
            while let Some(e) = source.take() {
                let text = e.to_string();
                if !parts.iter().any(|p| p.contains(&text)) {
                    parts.push(text);
                }
                source = e.source();
            }
            format!("{op} failed: {}", parts.join(": "))
        }
    }
}

/// SDK types → plain facts.
// ForwardedValues and the TTLs are deprecated by AWS but still configured on
// older distributions: judging them is the point.
#[allow(deprecated)]
mod convert {
    use crate::model::aws::*;
    use aws_sdk_cloudfront::types as cf;
    use aws_sdk_route53::types as r53;

    pub fn hosted_zone(z: &r53::HostedZone) -> HostedZoneFacts {
        HostedZoneFacts {
            id: z.id().trim_start_matches("/hostedzone/").to_owned(),
            name: z.name().to_owned(),
            private: z.config().is_some_and(|c| c.private_zone()),
        }
    }

    pub fn record(r: &r53::ResourceRecordSet) -> AliasRecordFacts {
        AliasRecordFacts {
            name: super::record_name(r.name()),
            record_type: r.r#type().as_str().to_owned(),
            alias_dns_name: r.alias_target().map(|a| a.dns_name().to_owned()),
            alias_hosted_zone_id: r.alias_target().map(|a| a.hosted_zone_id().to_owned()),
            values: r.resource_records().iter().map(|v| v.value().to_owned()).collect(),
        }
    }

    pub fn distribution(d: &cf::Distribution) -> DistributionFacts {
        let config = d.distribution_config();
        let viewer = config.and_then(|c| c.viewer_certificate());
        DistributionFacts {
            id: d.id().to_owned(),
            domain_name: d.domain_name().to_owned(),
            status: d.status().to_owned(),
            enabled: config.is_some_and(|c| c.enabled()),
            aliases: config.and_then(|c| c.aliases()).map(|a| a.items().to_vec()).unwrap_or_default(),
            // Emulators send an empty string for a field AWS omits.
            acm_certificate_arn: viewer.and_then(|v| v.acm_certificate_arn()).filter(|s| !s.is_empty()).map(Into::into),
            iam_certificate_id: viewer.and_then(|v| v.iam_certificate_id()).filter(|s| !s.is_empty()).map(Into::into),
            cloudfront_default_certificate: viewer.and_then(|v| v.cloud_front_default_certificate()).unwrap_or(false),
            minimum_protocol_version: viewer.and_then(|v| v.minimum_protocol_version()).map(|m| m.as_str().to_owned()),
            ipv6_enabled: config.and_then(|c| c.is_ipv6_enabled()),
            origins: config
                .and_then(|c| c.origins())
                .map(|o| o.items().iter().map(origin).collect())
                .unwrap_or_default(),
            origin_groups: config
                .and_then(|c| c.origin_groups())
                .map(|g| {
                    g.items()
                        .iter()
                        .map(|g| OriginGroupFacts {
                            id: g.id().to_owned(),
                            members: g
                                .members()
                                .map(|m| m.items().iter().map(|m| m.origin_id().to_owned()).collect())
                                .unwrap_or_default(),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            behaviors: config
                .and_then(|c| c.cache_behaviors())
                .map(|b| {
                    b.items()
                        .iter()
                        .map(|b| Behavior {
                            path_pattern: Some(b.path_pattern().to_owned()),
                            target_origin_id: b.target_origin_id().to_owned(),
                            cache_policy_id: b.cache_policy_id().filter(|s| !s.is_empty()).map(Into::into),
                            origin_request_policy_id: b
                                .origin_request_policy_id()
                                .filter(|s| !s.is_empty())
                                .map(Into::into),
                            legacy: b.forwarded_values().map(|f| legacy(f, b.default_ttl(), b.max_ttl())),
                            request_functions: request_functions(
                                b.function_associations(),
                                b.lambda_function_associations(),
                            ),
                            viewer_protocol_policy: Some(b.viewer_protocol_policy().as_str())
                                .filter(|s| !s.is_empty())
                                .map(Into::into),
                        })
                        .collect()
                })
                .unwrap_or_default(),
            default_behavior: config
                .and_then(|c| c.default_cache_behavior())
                .map(|b| Behavior {
                    path_pattern: None,
                    target_origin_id: b.target_origin_id().to_owned(),
                    cache_policy_id: b.cache_policy_id().filter(|s| !s.is_empty()).map(Into::into),
                    origin_request_policy_id: b.origin_request_policy_id().filter(|s| !s.is_empty()).map(Into::into),
                    legacy: b.forwarded_values().map(|f| legacy(f, b.default_ttl(), b.max_ttl())),
                    request_functions: request_functions(b.function_associations(), b.lambda_function_associations()),
                    viewer_protocol_policy: Some(b.viewer_protocol_policy().as_str())
                        .filter(|s| !s.is_empty())
                        .map(Into::into),
                })
                .unwrap_or_default(),
        }
    }

    /// The functions that run before the origin request is sent: they may rewrite its path or Host.
    fn request_functions(
        functions: Option<&cf::FunctionAssociations>,
        lambdas: Option<&cf::LambdaFunctionAssociations>,
    ) -> Vec<String> {
        let request_side = |e: &cf::EventType| matches!(e, cf::EventType::ViewerRequest | cf::EventType::OriginRequest);
        let mut out: Vec<String> = functions
            .map(|f| f.items())
            .unwrap_or_default()
            .iter()
            .filter(|f| request_side(f.event_type()))
            .map(|f| format!("{} CloudFront Function {}", f.event_type().as_str(), f.function_arn()))
            .collect();
        out.extend(
            lambdas
                .map(|l| l.items())
                .unwrap_or_default()
                .iter()
                .filter(|l| request_side(l.event_type()))
                .map(|l| format!("{} Lambda@Edge {}", l.event_type().as_str(), l.lambda_function_arn())),
        );
        out
    }

    pub fn cache_policy(id: &str, c: &cf::CachePolicyConfig) -> CachePolicyFacts {
        let headers = c
            .parameters_in_cache_key_and_forwarded_to_origin()
            .and_then(|p| p.headers_config())
            .map(|h| {
                name_set(h.header_behavior().as_str(), h.headers().map(|n| n.items().to_vec()).unwrap_or_default())
            })
            .unwrap_or(NameSet::None);
        CachePolicyFacts { id: id.to_owned(), name: c.name().to_owned(), headers, caches: c.max_ttl().map(|t| t > 0) }
    }

    fn origin(o: &cf::Origin) -> OriginFacts {
        OriginFacts {
            id: o.id().to_owned(),
            domain_name: o.domain_name().to_owned(),
            origin_path: o.origin_path().unwrap_or_default().to_owned(),
            custom: o.custom_origin_config().map(|c| CustomOriginFacts {
                protocol_policy: c.origin_protocol_policy().as_str().to_owned(),
                ssl_protocols: c
                    .origin_ssl_protocols()
                    .map(|p| p.items().iter().map(|s| s.as_str().to_owned()).collect())
                    .unwrap_or_default(),
            }),
        }
    }

    fn legacy(f: &cf::ForwardedValues, default_ttl: Option<i64>, max_ttl: Option<i64>) -> LegacyForwarding {
        LegacyForwarding {
            headers: f.headers().map(|h| h.items().to_vec()).unwrap_or_default(),
            query_string: f.query_string(),
            default_ttl,
            max_ttl,
        }
    }

    pub fn policy(id: &str, c: &cf::OriginRequestPolicyConfig) -> OriginRequestPolicyFacts {
        OriginRequestPolicyFacts {
            id: id.to_owned(),
            name: c.name().to_owned(),
            headers: c
                .headers_config()
                .map(|h| {
                    name_set(h.header_behavior().as_str(), h.headers().map(|n| n.items().to_vec()).unwrap_or_default())
                })
                .unwrap_or(NameSet::None),
            query_strings: c
                .query_strings_config()
                .map(|q| {
                    name_set(
                        q.query_string_behavior().as_str(),
                        q.query_strings().map(|n| n.items().to_vec()).unwrap_or_default(),
                    )
                })
                .unwrap_or(NameSet::None),
        }
    }
}

#[cfg(test)]
mod tests;
