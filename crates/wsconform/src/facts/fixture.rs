//! A [`Source`] built from hand-made [`crate::model::aws`] values: judges
//! tested end to end (check function, memo layer) with no network, in unit
//! and integration tests alike.
//!
//! What the fixture does not hold does not exist (`Ok(None)`, an empty
//! list); [`Fixture::unknown_until_apply`] marks an answer as existing but
//! known only after apply ([`Error::UnknownUntilApply`]), as a plan's
//! computed values are. Each answer is tallied as the AWS operation it
//! stands for, so "each operation once per run" holds for fixtures too.
//! Unknowns are per answer (a whole stage, a whole distribution); a single
//! field unknown inside a known value is for the plan reader to model.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures_util::future::BoxFuture;

use crate::facts::Error;
use crate::facts::aws::{AwsFacts, DistributionSummary, Listed, Res, Source, ZonesNamed};
use crate::model::aws::*;

#[derive(Debug, Clone, Default)]
pub struct Fixture {
    distributions: Vec<DistributionFacts>,
    origin_request_policies: Vec<OriginRequestPolicyFacts>,
    cache_policies: Vec<CachePolicyFacts>,
    apis: Vec<ApiFacts>,
    /// (API id, stage).
    stages: Vec<(String, StageFacts)>,
    routes: BTreeMap<String, Vec<RouteFacts>>,
    deployments: BTreeMap<String, Vec<String>>,
    domains: Vec<DomainFacts>,
    mappings: BTreeMap<String, Vec<MappingFacts>>,
    zones: Vec<HostedZoneFacts>,
    /// (zone id, record set).
    records: Vec<(String, AliasRecordFacts)>,
    certificates: Vec<CertificateFacts>,
    integrations: BTreeMap<String, Vec<IntegrationFacts>>,
    /// (API id, authorizer).
    authorizers: Vec<(String, AuthorizerFacts)>,
    functions: Vec<FunctionFacts>,
    /// Function ARN → its policy.
    function_policies: BTreeMap<String, ResourcePolicy>,
    vpc_links: Vec<VpcLinkFacts>,
    caller_account: Option<String>,
    /// (operation, key) → what is known only after apply.
    unknown: BTreeMap<(String, String), String>,
}

impl Fixture {
    pub fn new() -> Fixture {
        Fixture::default()
    }

    /// As an `Arc<dyn Source>`, for [`AwsFacts::with_source`] and [`crate::facts::Facts::with_source`].
    pub fn into_source(self) -> Arc<dyn Source> {
        Arc::new(self)
    }

    pub fn distribution(mut self, d: DistributionFacts) -> Self {
        self.distributions.push(d);
        self
    }

    pub fn origin_request_policy(mut self, p: OriginRequestPolicyFacts) -> Self {
        self.origin_request_policies.push(p);
        self
    }

    pub fn cache_policy(mut self, p: CachePolicyFacts) -> Self {
        self.cache_policies.push(p);
        self
    }

    pub fn api(mut self, a: ApiFacts) -> Self {
        self.apis.push(a);
        self
    }

    pub fn stage(mut self, api_id: &str, s: StageFacts) -> Self {
        self.stages.push((api_id.to_owned(), s));
        self
    }

    pub fn routes(mut self, api_id: &str, routes: Vec<RouteFacts>) -> Self {
        self.routes.insert(api_id.to_owned(), routes);
        self
    }

    pub fn deployments(mut self, api_id: &str, ids: Vec<String>) -> Self {
        self.deployments.insert(api_id.to_owned(), ids);
        self
    }

    pub fn domain(mut self, d: DomainFacts) -> Self {
        self.domains.push(d);
        self
    }

    pub fn mappings(mut self, domain: &str, mappings: Vec<MappingFacts>) -> Self {
        self.mappings.insert(normalize_host(domain), mappings);
        self
    }

    pub fn hosted_zone(mut self, z: HostedZoneFacts) -> Self {
        self.zones.push(z);
        self
    }

    pub fn record(mut self, zone_id: &str, r: AliasRecordFacts) -> Self {
        self.records.push((zone_id.to_owned(), r));
        self
    }

    pub fn certificate(mut self, c: CertificateFacts) -> Self {
        self.certificates.push(c);
        self
    }

    pub fn integrations(mut self, api_id: &str, integrations: Vec<IntegrationFacts>) -> Self {
        self.integrations.insert(api_id.to_owned(), integrations);
        self
    }

    pub fn authorizer(mut self, api_id: &str, a: AuthorizerFacts) -> Self {
        self.authorizers.push((api_id.to_owned(), a));
        self
    }

    pub fn function(mut self, f: FunctionFacts) -> Self {
        self.functions.push(f);
        self
    }

    /// The resource-based policy of the function `arn` (as the integration's URI names it).
    pub fn function_policy(mut self, arn: &str, p: ResourcePolicy) -> Self {
        self.function_policies.insert(arn.to_owned(), p);
        self
    }

    /// The account STS GetCallerIdentity reports (without it, the call fails as unknown).
    pub fn caller_account(mut self, account: &str) -> Self {
        self.caller_account = Some(account.to_owned());
        self
    }

    pub fn vpc_link(mut self, v: VpcLinkFacts) -> Self {
        self.vpc_links.push(v);
        self
    }

    /// The answer of `operation` for `key` is known only after apply, `what`
    /// naming it. Keys are the memo layer's: the distribution, policy, API,
    /// certificate or zone id; `{api_id}/{stage}` for GetStage; the domain name
    /// for GetDomainName and GetApiMappings; the zone name for
    /// ListHostedZonesByName; `{zone_id}/{name}` for ListResourceRecordSets;
    /// `""` for ListDistributions.
    pub fn unknown_until_apply(mut self, operation: &str, key: &str, what: &str) -> Self {
        self.unknown.insert((operation.to_owned(), key.to_owned()), what.to_owned());
        self
    }

    /// Tallies `op` and answers `found` unless the answer is unknown until apply.
    fn answer<T>(&self, cx: &AwsFacts, op: &str, key: &str, found: impl FnOnce() -> Res<T>) -> Res<T> {
        cx.count(op);
        match self.unknown.get(&(op.to_owned(), key.to_owned())) {
            Some(what) => Err(Error::UnknownUntilApply { what: what.clone() }),
            None => found(),
        }
    }
}

fn ready<'a, T: Send + 'a>(v: Res<T>) -> BoxFuture<'a, Res<T>> {
    Box::pin(std::future::ready(v))
}

impl Source for Fixture {
    fn distribution_summaries<'a>(
        &'a self,
        cx: &'a AwsFacts,
        _enough: &'a (dyn Fn(&DistributionSummary) -> bool + Sync),
    ) -> BoxFuture<'a, Res<Listed<DistributionSummary>>> {
        ready(self.answer(cx, "cloudfront.ListDistributions", "", || {
            let items = self
                .distributions
                .iter()
                .map(|d| DistributionSummary { id: d.id.clone(), aliases: d.aliases.clone() })
                .collect();
            Ok(Listed { items, more: false })
        }))
    }

    fn distribution<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<Option<DistributionFacts>>> {
        ready(self.answer(cx, "cloudfront.GetDistribution", id, || {
            Ok(self.distributions.iter().find(|d| d.id == id).cloned())
        }))
    }

    fn origin_request_policy<'a>(
        &'a self,
        cx: &'a AwsFacts,
        id: &'a str,
    ) -> BoxFuture<'a, Res<OriginRequestPolicyFacts>> {
        ready(self.answer(cx, "cloudfront.GetOriginRequestPolicy", id, || {
            self.origin_request_policies
                .iter()
                .find(|p| p.id == id)
                .cloned()
                .ok_or_else(|| Error::NotFound { message: format!("origin request policy {id} does not exist") })
        }))
    }

    fn cache_policy<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<CachePolicyFacts>> {
        ready(self.answer(cx, "cloudfront.GetCachePolicy", id, || {
            self.cache_policies
                .iter()
                .find(|p| p.id == id)
                .cloned()
                .ok_or_else(|| Error::NotFound { message: format!("cache policy {id} does not exist") })
        }))
    }

    fn api<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Option<ApiFacts>>> {
        ready(
            self.answer(cx, "apigatewayv2.GetApi", api_id, || {
                Ok(self.apis.iter().find(|a| a.api_id == api_id).cloned())
            }),
        )
    }

    fn stage<'a>(
        &'a self,
        cx: &'a AwsFacts,
        api_id: &'a str,
        stage: &'a str,
    ) -> BoxFuture<'a, Res<Option<StageFacts>>> {
        ready(self.answer(cx, "apigatewayv2.GetStage", &format!("{api_id}/{stage}"), || {
            Ok(self.stages.iter().find(|(a, s)| a == api_id && s.stage_name == stage).map(|(_, s)| s.clone()))
        }))
    }

    fn routes<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<RouteFacts>>> {
        ready(
            self.answer(cx, "apigatewayv2.GetRoutes", api_id, || {
                Ok(self.routes.get(api_id).cloned().unwrap_or_default())
            }),
        )
    }

    fn deployments<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<String>>> {
        ready(self.answer(cx, "apigatewayv2.GetDeployments", api_id, || {
            Ok(self.deployments.get(api_id).cloned().unwrap_or_default())
        }))
    }

    fn domain<'a>(&'a self, cx: &'a AwsFacts, name: &'a str) -> BoxFuture<'a, Res<Option<DomainFacts>>> {
        ready(self.answer(cx, "apigatewayv2.GetDomainName", name, || {
            Ok(self.domains.iter().find(|d| normalize_host(&d.domain_name) == name).cloned())
        }))
    }

    fn mappings<'a>(&'a self, cx: &'a AwsFacts, domain: &'a str) -> BoxFuture<'a, Res<Vec<MappingFacts>>> {
        ready(self.answer(cx, "apigatewayv2.GetApiMappings", domain, || {
            Ok(self.mappings.get(domain).cloned().unwrap_or_default())
        }))
    }

    fn zones_named<'a>(&'a self, cx: &'a AwsFacts, name: &'a str) -> BoxFuture<'a, Res<ZonesNamed>> {
        ready(self.answer(cx, "route53.ListHostedZonesByName", name, || {
            let zones = self.zones.iter().filter(|z| normalize_host(&z.name) == name).cloned().collect();
            Ok(ZonesNamed { zones, truncated: false })
        }))
    }

    fn record_sets<'a>(
        &'a self,
        cx: &'a AwsFacts,
        zone_id: &'a str,
        name: &'a str,
    ) -> BoxFuture<'a, Res<Vec<AliasRecordFacts>>> {
        ready(self.answer(cx, "route53.ListResourceRecordSets", &format!("{zone_id}/{name}"), || {
            Ok(self
                .records
                .iter()
                .filter(|(z, r)| z == zone_id && normalize_host(&r.name) == name)
                .map(|(_, r)| r.clone())
                .collect())
        }))
    }

    fn certificate<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<CertificateFacts>>> {
        ready(self.answer(cx, "acm.DescribeCertificate", arn, || {
            Ok(self.certificates.iter().find(|c| c.arn == arn).cloned())
        }))
    }

    fn integrations<'a>(&'a self, cx: &'a AwsFacts, api_id: &'a str) -> BoxFuture<'a, Res<Vec<IntegrationFacts>>> {
        ready(self.answer(cx, "apigatewayv2.GetIntegrations", api_id, || {
            Ok(self.integrations.get(api_id).cloned().unwrap_or_default())
        }))
    }

    fn authorizer<'a>(
        &'a self,
        cx: &'a AwsFacts,
        api_id: &'a str,
        authorizer_id: &'a str,
    ) -> BoxFuture<'a, Res<Option<AuthorizerFacts>>> {
        ready(self.answer(cx, "apigatewayv2.GetAuthorizer", &format!("{api_id}/{authorizer_id}"), || {
            Ok(self
                .authorizers
                .iter()
                .find(|(a, z)| a == api_id && z.authorizer_id == authorizer_id)
                .map(|(_, z)| z.clone()))
        }))
    }

    fn function<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<FunctionFacts>>> {
        ready(self.answer(cx, "lambda.GetFunctionConfiguration", arn, || {
            Ok(self.functions.iter().find(|f| f.function_arn == arn).cloned())
        }))
    }

    fn function_policy<'a>(&'a self, cx: &'a AwsFacts, arn: &'a str) -> BoxFuture<'a, Res<Option<ResourcePolicy>>> {
        ready(self.answer(cx, "lambda.GetPolicy", arn, || Ok(self.function_policies.get(arn).cloned())))
    }

    fn vpc_link<'a>(&'a self, cx: &'a AwsFacts, id: &'a str) -> BoxFuture<'a, Res<Option<VpcLinkFacts>>> {
        ready(self.answer(cx, "apigateway.GetVpcLink", id, || Ok(self.vpc_links.iter().find(|v| v.id == id).cloned())))
    }

    fn caller_account<'a>(&'a self, cx: &'a AwsFacts) -> BoxFuture<'a, Res<String>> {
        ready(self.answer(cx, "sts.GetCallerIdentity", "", || {
            self.caller_account
                .clone()
                .ok_or_else(|| Error::Unknown { message: "the fixture has no caller account".into() })
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;
    use crate::check::Ctx;
    use crate::facts::Facts;
    use crate::outcome::{Outcome, Status};
    use crate::suite::Suite;

    const API: &str = "a1b2c3d4e5";

    fn suite() -> Arc<Suite> {
        let text = format!(
            "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n[api]\nid = \"{API}\"\nstage = \"Prod\"\n"
        );
        Arc::new(Suite::parse("t.toml", &text, &|_| None).expect("test suite"))
    }

    fn stage(deployment: Option<&str>, burst: Option<i32>) -> StageFacts {
        StageFacts {
            stage_name: "Prod".into(),
            deployment_id: deployment.map(Into::into),
            throttling_burst_limit: burst,
            throttling_rate_limit: Some(1000.0),
            route_throttling: vec![],
            auto_deploy: None,
            last_deployment_status_message: None,
            stage_variables: vec![],
        }
    }

    fn ctx(fixture: Fixture) -> Arc<Ctx> {
        let suite = suite();
        let facts = Arc::new(Facts::with_source(suite.clone(), fixture.into_source()));
        Arc::new(Ctx::new(suite, facts, BTreeSet::new()))
    }

    async fn run(id: crate::ids::CheckId, ctx: &Arc<Ctx>) -> Outcome {
        let check = crate::checks::find(&id).expect("a check of the catalog");
        (check.run)(ctx.clone()).await
    }

    #[tokio::test]
    async fn apigw_stage_is_judged_from_a_fixture_once_per_run() {
        let ctx = ctx(Fixture::new().stage(API, stage(Some("dep1"), Some(500))));
        let o = run(crate::ids::APIGW_STAGE, &ctx).await;
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(o.evidence.get("deployment_id"), Some("dep1"));
        // A second asker is served by the memo layer: GetStage once.
        run(crate::ids::APIGW_STAGE, &ctx).await;
        assert_eq!(ctx.facts.aws.calls(), BTreeMap::from([("apigatewayv2.GetStage".to_string(), 1)]));
    }

    #[tokio::test]
    async fn apigw_stage_fails_on_a_fixture_without_deployment_or_stage() {
        // Never deployed: GetDeployments confirms it (an empty list), and the judge fails.
        let ctx = ctx(Fixture::new().stage(API, stage(None, Some(500))));
        let o = run(crate::ids::APIGW_STAGE, &ctx).await;
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("stage `Prod` has no deployment"), "{o:?}");
        assert_eq!(ctx.facts.aws.calls().get("apigatewayv2.GetDeployments"), Some(&1));

        // Absent: the stage does not exist (`Ok(None)`), a failure naming it.
        let o = run(crate::ids::APIGW_STAGE, &self::ctx(Fixture::new())).await;
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert_eq!(o.verdict.message(), format!("API {API} has no stage `Prod`"));
    }

    /// A run whose public URL is `url`, planning `planned`, whose GetStage reports no
    /// deploymentId and whose GetDeployments cannot answer.
    fn undeployed_ctx(url: &str, planned: &[crate::ids::CheckId]) -> Arc<Ctx> {
        let text = format!(
            "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"{url}\"\n[api]\nid = \"{API}\"\nstage = \"Prod\"\n"
        );
        let suite = Arc::new(Suite::parse("t.toml", &text, &|_| None).expect("test suite"));
        let fixture = Fixture::new().stage(API, stage(None, Some(500))).unknown_until_apply(
            "apigatewayv2.GetDeployments",
            API,
            "the deployments of API a1b2c3d4e5",
        );
        let facts = Arc::new(Facts::with_source(suite.clone(), fixture.into_source()));
        Arc::new(Ctx::new(suite, facts, planned.iter().copied().collect()))
    }

    /// What e2e.connect leaves behind when its upgrade through `url` got 101, `after` the check began.
    fn connect_gets_101(ctx: &Arc<Ctx>, url: &str, after: std::time::Duration) {
        let ctx = ctx.clone();
        let url = url.to_owned();
        tokio::spawn(async move {
            tokio::time::sleep(after).await;
            ctx.facts.live.set_upgrade(crate::facts::live::PublicUpgrade { url, signed_as: None });
            ctx.facts.live.connect_attempt_ended();
        });
    }

    #[tokio::test]
    async fn apigw_stage_waits_for_e2e_connect_only_when_its_deployment_is_unknown() {
        use crate::ids::{APIGW_STAGE, E2E_CONNECT};
        let here = "wss://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/Prod";
        // e2e.connect's 101 ends after the check began: the unknown waits for it, and it decides.
        let ctx = undeployed_ctx(here, &[APIGW_STAGE, E2E_CONNECT]);
        connect_gets_101(&ctx, here, std::time::Duration::from_millis(50));
        let o = run(APIGW_STAGE, &ctx).await;
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.evidence.get("deployment").is_some_and(|d| d.contains(here)), "{o:?}");
        // e2e.connect is not planned: nothing to wait for, still unknown.
        let ctx = undeployed_ctx(here, &[APIGW_STAGE]);
        let o = run(APIGW_STAGE, &ctx).await;
        assert!(o.status() == Status::Error && o.verdict.is_unknown(), "{o:?}");
        // The public URL lands on another stage: its 101 says nothing of `Prod`.
        let dev = "wss://a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com/Dev";
        let ctx = undeployed_ctx(dev, &[APIGW_STAGE, E2E_CONNECT]);
        connect_gets_101(&ctx, dev, std::time::Duration::ZERO);
        let o = run(APIGW_STAGE, &ctx).await;
        assert!(o.status() == Status::Error && o.verdict.is_unknown(), "{o:?}");
    }

    #[tokio::test]
    async fn a_value_known_only_after_apply_is_unknown_not_absent() {
        let what = "the stage Prod of API a1b2c3d4e5";
        let fixture = Fixture::new().unknown_until_apply("apigatewayv2.GetStage", &format!("{API}/Prod"), what);
        let o = run(crate::ids::APIGW_STAGE, &ctx(fixture)).await;
        assert!(o.status() == Status::Error && o.verdict.is_unknown(), "{o:?}");
        assert_eq!(o.verdict.message(), format!("unknown: {what} is known only after apply"));
        assert!(!o.retryable, "asking again before apply changes nothing");
    }

    #[tokio::test]
    async fn behind_the_route_every_operation_is_made_once_for_both_checks_and_the_live_cause() {
        use crate::ids::{APIGW_AUTHORIZER, APIGW_INTEGRATIONS};
        let f = "arn:aws:lambda:ap-northeast-1:123456789012:function:chat";
        let uri = format!("arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/{f}/invocations");
        let route = |key: &str| RouteFacts {
            route_key: key.into(),
            target: Some("integrations/i1".into()),
            authorization_type: Some("NONE".into()),
            ..RouteFacts::default()
        };
        let integration = IntegrationFacts {
            integration_id: "i1".into(),
            integration_type: Some("AWS_PROXY".into()),
            integration_uri: Some(uri),
            timeout_in_millis: Some(29_000),
            ..IntegrationFacts::default()
        };
        let policy = ResourcePolicy::parse(&format!(
            r#"{{"Statement":[{{"Sid":"ws","Effect":"Allow","Principal":{{"Service":"apigateway.amazonaws.com"}},"Action":"lambda:InvokeFunction","Resource":"{f}","Condition":{{"ArnLike":{{"AWS:SourceArn":"arn:aws:execute-api:ap-northeast-1:123456789012:{API}/*/$connect"}}}}}}]}}"#
        ))
        .unwrap();
        let fixture = Fixture::new()
            .routes(API, vec![route("$connect"), route("$default")])
            .integrations(API, vec![integration])
            .function(FunctionFacts { function_name: "chat".into(), function_arn: f.into(), ..Default::default() })
            .function_policy(f, policy);
        let ctx = ctx(fixture);
        let o = run(APIGW_INTEGRATIONS, &ctx).await;
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("route `$default`"), "only `$default` lacks a permission: {o:?}");
        assert_eq!(run(APIGW_AUTHORIZER, &ctx).await.status(), Status::Skip);
        let cause = crate::checks::behind::route_cause(&ctx, "$default").await.expect("a cause");
        assert!(
            cause.message.ends_with("(apigw.integrations)") && cause.hint.contains("aws lambda add-permission"),
            "{cause:?}"
        );
        // The live check that names this cause carries its fix as data too.
        assert!(
            cause.fixes.iter().any(|f| f.commands.iter().any(|c| c[..3] == ["aws", "lambda", "add-permission"])),
            "{cause:?}"
        );
        assert_eq!(crate::checks::behind::route_cause(&ctx, "$connect").await, None);
        let calls = ctx.facts.aws.calls();
        for op in [
            "apigatewayv2.GetRoutes",
            "apigatewayv2.GetIntegrations",
            "lambda.GetFunctionConfiguration",
            "lambda.GetPolicy",
        ] {
            assert_eq!(calls.get(op), Some(&1), "{op}: {calls:?}");
        }
    }

    #[tokio::test]
    async fn route53_lookups_read_the_fixture_zone() {
        let zone = HostedZoneFacts { id: "Z0".into(), name: "example.com.".into(), private: false };
        let record =
            AliasRecordFacts::alias("ws.example.com", "A", "d111111abcdef8.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID);
        let ctx = ctx(Fixture::new().hosted_zone(zone).record("Z0", record.clone()));
        let (zone, records) = ctx.facts.aws.host_record("ws.example.com").await.expect("found");
        assert_eq!((zone.as_str(), records), ("example.com. (Z0)", vec![record]));
        let missing = ctx.facts.aws.host_record("ws.example.org").await.expect_err("no zone");
        assert_eq!(missing.to_string(), "no public hosted zone for ws.example.org in this account");
    }
}
