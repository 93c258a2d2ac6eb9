//! The sandbox control plane and `@connections`, driven by the REAL AWS SDK
//! clients: if these parse, the harness's collectors parse the same answers.
//! Loopback only; retries disabled so error paths are fast.

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;
use wsconform_sandbox::connections::{self, Connection, Outbound, Registry};
use wsconform_sandbox::control_plane::{ControlPlane, ControlPlaneFaults};
use wsconform_sandbox::model::{self, Deployment, Layout};

const TIMEOUT: Duration = Duration::from_secs(10);

fn scenario(name: &str) -> &'static model::Scenario {
    model::scenario(name).expect("known scenario")
}

async fn start(layout: Layout, scenario_name: &str, faults: ControlPlaneFaults) -> ControlPlane {
    wsconform::install_crypto_provider();
    let d = Deployment::new(layout, scenario(scenario_name));
    ControlPlane::start(wsconform_sandbox::Live::new(d), faults).await.expect("control plane starts")
}

async fn sdk(endpoint: &str, region: &'static str, secret: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .region(Region::from_static(region))
        .credentials_provider(Credentials::new(model::ACCESS_KEY_ID, secret, None, None, "test"))
        .endpoint_url(endpoint)
        .retry_config(RetryConfig::disabled())
        .load()
        .await
}

async fn clients(cp: &ControlPlane, secret: &str) -> Clients {
    let url = cp.url().as_str().trim_end_matches('/').to_string();
    let regional = sdk(&url, model::REGION, secret).await;
    let global = sdk(&url, "us-east-1", secret).await;
    Clients {
        apigw: aws_sdk_apigatewayv2::Client::new(&regional),
        cloudfront: aws_sdk_cloudfront::Client::new(&global),
        route53: aws_sdk_route53::Client::new(&regional),
        acm: aws_sdk_acm::Client::new(&regional),
        acm_us_east_1: aws_sdk_acm::Client::new(&global),
    }
}

struct Clients {
    apigw: aws_sdk_apigatewayv2::Client,
    cloudfront: aws_sdk_cloudfront::Client,
    route53: aws_sdk_route53::Client,
    acm: aws_sdk_acm::Client,
    acm_us_east_1: aws_sdk_acm::Client,
}

/// The service error's code (or a description of a non-service failure).
fn code<E: ProvideErrorMetadata + std::fmt::Debug, R: std::fmt::Debug>(e: &SdkError<E, R>) -> String {
    match e {
        SdkError::ServiceError(s) => s.err().code().unwrap_or("<no code>").to_string(),
        other => format!("not a service error: {other:?}"),
    }
}

fn status<E>(e: &SdkError<E, HttpResponse>) -> u16 {
    e.raw_response().map(|r| r.status().as_u16()).unwrap_or_default()
}

#[tokio::test]
async fn apigatewayv2_operations_parse_layout_b() {
    let cp = start(Layout::B, "good", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let api = c.apigw.get_api().api_id(model::API_ID).send().await.expect("GetApi");
        assert_eq!(api.disable_execute_api_endpoint(), Some(true));
        assert_eq!(
            api.api_endpoint(),
            Some(format!("wss://{}.execute-api.{}.amazonaws.com", model::API_ID, model::REGION).as_str())
        );
        assert_eq!(api.protocol_type().map(|p| p.as_str()), Some("WEBSOCKET"));

        let apis = c.apigw.get_apis().send().await.expect("GetApis");
        assert_eq!(apis.items().len(), 1);

        let stages = c.apigw.get_stages().api_id(model::API_ID).send().await.expect("GetStages");
        let names: Vec<_> = stages.items().iter().filter_map(|s| s.stage_name()).collect();
        assert_eq!(names, ["Prod", "Dev"]);

        let stage = c.apigw.get_stage().api_id(model::API_ID).stage_name("Prod").send().await.expect("GetStage");
        assert_eq!(stage.deployment_id(), Some("dep0001"));
        let settings = stage.default_route_settings().expect("defaultRouteSettings");
        assert_eq!(settings.throttling_burst_limit(), Some(500));
        assert_eq!(settings.throttling_rate_limit(), Some(1000.0));

        let routes = c.apigw.get_routes().api_id(model::API_ID).send().await.expect("GetRoutes");
        let keys: Vec<_> = routes.items().iter().map(|r| (r.route_key().unwrap_or(""), r.target())).collect();
        assert!(keys.contains(&("$default", Some("integrations/int0001"))), "{keys:?}");

        let ints = c.apigw.get_integrations().api_id(model::API_ID).send().await.expect("GetIntegrations");
        assert_eq!(ints.items()[0].integration_id(), Some("int0001"));

        let deps = c.apigw.get_deployments().api_id(model::API_ID).send().await.expect("GetDeployments");
        assert_eq!(deps.items()[0].deployment_id(), Some("dep0001"));

        let dom = c.apigw.get_domain_name().domain_name(model::PUBLIC_HOST).send().await.expect("GetDomainName");
        let conf = &dom.domain_name_configurations()[0];
        assert_eq!(conf.api_gateway_domain_name(), Some(model::REGIONAL_TARGET));
        assert_eq!(conf.hosted_zone_id(), Some(model::REGIONAL_HOSTED_ZONE_ID));
        assert_eq!(conf.certificate_arn(), Some(model::CERT_ARN_REGIONAL));
        assert_eq!(conf.domain_name_status().map(|s| s.as_str()), Some("AVAILABLE"));
        assert_eq!(conf.endpoint_type().map(|s| s.as_str()), Some("REGIONAL"));
        assert_eq!(conf.security_policy().map(|s| s.as_str()), Some("TLS_1_2"));

        let doms = c.apigw.get_domain_names().send().await.expect("GetDomainNames");
        assert_eq!(doms.items().len(), 1);

        let maps = c.apigw.get_api_mappings().domain_name(model::PUBLIC_HOST).send().await.expect("GetApiMappings");
        let m = &maps.items()[0];
        assert_eq!(
            (m.api_mapping_key(), m.stage(), m.api_id()),
            (Some("websocket"), Some("Prod"), Some(model::API_ID))
        );
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    let calls = cp.calls();
    for op in [
        "GetApi",
        "GetApis",
        "GetStages",
        "GetStage",
        "GetRoutes",
        "GetIntegrations",
        "GetDeployments",
        "GetDomainName",
        "GetDomainNames",
        "GetApiMappings",
    ] {
        assert_eq!(calls.get(&format!("apigatewayv2.{op}")), Some(&1), "{op}: {calls:?}");
    }
    cp.shutdown().await;
}

#[tokio::test]
async fn apigatewayv2_scenarios_and_not_found() {
    let cp = start(Layout::A, "stage-not-deployed", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let stage = c.apigw.get_stage().api_id(model::API_ID).stage_name("Prod").send().await.expect("GetStage");
        assert_eq!(stage.deployment_id(), None, "absent for a stage never deployed");
        let api = c.apigw.get_api().api_id(model::API_ID).send().await.expect("GetApi");
        assert_eq!(api.disable_execute_api_endpoint(), Some(false));

        let e = c.apigw.get_api().api_id("nope").send().await.expect_err("unknown api");
        assert!(e.as_service_error().is_some_and(|s| s.is_not_found_exception()), "{e:?}");
        assert_eq!(status(&e), 404);
        let e = c.apigw.get_stage().api_id(model::API_ID).stage_name("Nope").send().await.expect_err("stage");
        assert_eq!(code(&e), "NotFoundException");
        // Layout a has no custom domain.
        let e = c.apigw.get_domain_name().domain_name(model::PUBLIC_HOST).send().await.expect_err("no domain");
        assert_eq!(code(&e), "NotFoundException");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    cp.shutdown().await;

    let cp = start(Layout::C, "mapping-key-mismatch", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let maps = c.apigw.get_api_mappings().domain_name(model::PUBLIC_HOST).send().await.expect("GetApiMappings");
    assert_eq!(maps.items()[0].api_mapping_key(), Some("chat-v2"));
    cp.shutdown().await;
}

#[tokio::test]
async fn cloudfront_operations_parse_layout_a() {
    let cp = start(Layout::A, "pattern-shadowed", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let out = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect("GetDistribution");
        assert!(out.e_tag().is_some());
        let dist = out.distribution().expect("distribution");
        assert_eq!(dist.domain_name(), model::DISTRIBUTION_DOMAIN);
        assert_eq!(dist.status(), "Deployed");
        let cfg = dist.distribution_config().expect("config");
        assert!(cfg.enabled());
        assert_eq!(cfg.aliases().expect("aliases").items(), [model::PUBLIC_HOST]);
        let vc = cfg.viewer_certificate().expect("viewer certificate");
        assert_eq!(vc.acm_certificate_arn(), Some(model::CERT_ARN_CLOUDFRONT));
        assert_eq!(vc.ssl_support_method().map(|m| m.as_str()), Some("sni-only"));
        assert_eq!(vc.minimum_protocol_version().map(|m| m.as_str()), Some("TLSv1.2_2021"));

        let behaviors = cfg.cache_behaviors().expect("behaviors").items();
        let patterns: Vec<_> = behaviors.iter().map(|b| b.path_pattern()).collect();
        assert_eq!(patterns, ["P*", "Prod*"], "in order, the shadowing one first");
        assert_eq!(behaviors[1].target_origin_id(), "api");
        assert_eq!(behaviors[1].origin_request_policy_id(), Some(model::POLICY_ALL_VIEWER_EXCEPT_HOST));
        assert_eq!(behaviors[1].cache_policy_id(), Some(model::CACHE_POLICY_CACHING_DISABLED));
        assert_eq!(behaviors[1].viewer_protocol_policy().as_str(), "https-only");
        let default = cfg.default_cache_behavior().expect("default behavior");
        assert_eq!(default.target_origin_id(), "site");

        let origins = cfg.origins().expect("origins").items();
        let api = origins.iter().find(|o| o.id() == "api").expect("api origin");
        assert_eq!(api.domain_name(), model::execute_api_host());
        assert_eq!(api.origin_path(), Some(""));
        let custom = api.custom_origin_config().expect("custom origin");
        assert_eq!((custom.http_port(), custom.https_port()), (80, 443));
        assert_eq!(custom.origin_protocol_policy().as_str(), "https-only");
        assert_eq!(custom.origin_ssl_protocols().expect("ssl").items()[0].as_str(), "TLSv1.2");
        let s3 = origins.iter().find(|o| o.id() == "site").expect("s3 origin");
        assert!(s3.s3_origin_config().is_some());

        let cfg_out = c
            .cloudfront
            .get_distribution_config()
            .id(model::DISTRIBUTION_ID)
            .send()
            .await
            .expect("GetDistributionConfig");
        assert_eq!(cfg_out.distribution_config().map(|c| c.cache_behaviors().map(|b| b.quantity())), Some(Some(2)));
        assert!(cfg_out.e_tag().is_some());

        let list = c.cloudfront.list_distributions().send().await.expect("ListDistributions");
        let list = list.distribution_list().expect("list");
        assert_eq!(list.quantity(), 1);
        assert_eq!(list.items()[0].id(), model::DISTRIBUTION_ID);
        assert_eq!(list.items()[0].aliases().expect("aliases").items(), [model::PUBLIC_HOST]);

        let p = c
            .cloudfront
            .get_origin_request_policy()
            .id(model::POLICY_ALL_VIEWER_EXCEPT_HOST)
            .send()
            .await
            .expect("GetOriginRequestPolicy");
        let pc = p.origin_request_policy().expect("policy").origin_request_policy_config().expect("config");
        let hc = pc.headers_config().expect("headers");
        assert_eq!(hc.header_behavior().as_str(), "allExcept");
        assert_eq!(hc.headers().expect("names").items(), ["host"]);
        let p = c.cloudfront.get_origin_request_policy().id(model::POLICY_ALL_VIEWER).send().await.expect("AllViewer");
        let pc = p.origin_request_policy().and_then(|p| p.origin_request_policy_config()).expect("config");
        assert_eq!(pc.headers_config().expect("headers").header_behavior().as_str(), "allViewer");
        let p = c
            .cloudfront
            .get_origin_request_policy()
            .id(model::POLICY_CUSTOM_API_KEY_ONLY)
            .send()
            .await
            .expect("custom");
        let pc = p.origin_request_policy().and_then(|p| p.origin_request_policy_config()).expect("config");
        assert_eq!(pc.headers_config().and_then(|h| h.headers()).map(|h| h.items()), Some(&["X-Api-Key".into()][..]));

        let cp_out = c
            .cloudfront
            .get_cache_policy()
            .id(model::CACHE_POLICY_CACHING_DISABLED)
            .send()
            .await
            .expect("GetCachePolicy");
        let cfg = cp_out.cache_policy().expect("policy").cache_policy_config().expect("config");
        assert_eq!((cfg.name(), cfg.max_ttl()), ("Managed-CachingDisabled", Some(0)));

        let e = c.cloudfront.get_distribution().id("ENOPE").send().await.expect_err("unknown");
        assert!(e.as_service_error().is_some_and(|s| s.is_no_such_distribution()), "{e:?}");
        let e = c.cloudfront.get_origin_request_policy().id("nope").send().await.expect_err("unknown policy");
        assert_eq!(code(&e), "NoSuchOriginRequestPolicy");
        assert_eq!(status(&e), 404);
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    assert_eq!(cp.calls().get("cloudfront.GetDistribution"), Some(&2), "one good, one unknown id");
    cp.shutdown().await;
}

#[tokio::test]
async fn cloudfront_scenarios_change_what_is_served() {
    let cp = start(Layout::A, "origin-path-doubled", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let out = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect("GetDistribution");
    let origins = out.distribution().and_then(|d| d.distribution_config()).and_then(|c| c.origins()).expect("origins");
    let api = origins.items().iter().find(|o| o.id() == "api").expect("api origin");
    assert_eq!(api.origin_path(), Some("/Prod"));
    cp.shutdown().await;

    let cp = start(Layout::B, "good", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let out = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect("GetDistribution");
    let cfg = out.distribution().and_then(|d| d.distribution_config()).expect("config");
    let b = &cfg.cache_behaviors().expect("behaviors").items()[0];
    assert_eq!((b.path_pattern(), b.origin_request_policy_id()), ("websocket*", Some(model::POLICY_ALL_VIEWER)));
    cp.shutdown().await;

    // Layout c has no distribution at all.
    let cp = start(Layout::C, "good", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let list = c.cloudfront.list_distributions().send().await.expect("ListDistributions");
    assert_eq!(list.distribution_list().map(|l| l.quantity()), Some(0));
    let e = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect_err("none");
    assert_eq!(code(&e), "NoSuchDistribution");
    cp.shutdown().await;
}

#[tokio::test]
async fn route53_operations_parse() {
    let cp = start(Layout::B, "dns-wrong-target", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let zones = c.route53.list_hosted_zones_by_name().dns_name("example.com").send().await.expect("zones");
        let zone = &zones.hosted_zones()[0];
        assert_eq!(zone.name(), "example.com.");
        assert_eq!(zone.id(), format!("/hostedzone/{}", model::ZONE_ID));
        // Route 53 lists from the given name on: a name sorting after the zone finds nothing.
        let after = c.route53.list_hosted_zones_by_name().dns_name("example.net").send().await.expect("zones");
        assert!(after.hosted_zones().is_empty());

        let sets = c.route53.list_resource_record_sets().hosted_zone_id(zone.id()).send().await.expect("rrsets");
        let alias: Vec<_> = sets
            .resource_record_sets()
            .iter()
            .filter_map(|r| Some((r.name(), r.r#type().as_str(), r.alias_target()?)))
            .collect();
        assert_eq!(alias.len(), 2, "A and AAAA");
        for (name, _, target) in alias {
            assert_eq!(name, "ws.example.com.");
            assert_eq!(target.dns_name(), format!("{}.", model::OLD_DISTRIBUTION_DOMAIN));
            assert_eq!(target.hosted_zone_id(), model::CLOUDFRONT_HOSTED_ZONE_ID);
            assert!(!target.evaluate_target_health());
        }
        let e = c.route53.list_resource_record_sets().hosted_zone_id("ZNOPE").send().await.expect_err("unknown");
        assert_eq!(code(&e), "NoSuchHostedZone");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    cp.shutdown().await;
}

/// A weighted set is listed with each record's SetIdentifier and Weight, in
/// the order it was created (the old record first).
#[tokio::test]
async fn route53_lists_weighted_sets_with_set_identifier_and_weight() {
    let cp = start(Layout::B, "r53-weighted-old-target-weight-0", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let sets = c
            .route53
            .list_resource_record_sets()
            .hosted_zone_id(model::ZONE_ID)
            .start_record_name("ws.example.com")
            .send()
            .await
            .expect("rrsets");
        let listed: Vec<(&str, Option<&str>, Option<i64>, &str)> = sets
            .resource_record_sets()
            .iter()
            .filter_map(|r| Some((r.r#type().as_str(), r.set_identifier(), r.weight(), r.alias_target()?.dns_name())))
            .collect();
        let (old, current) =
            (format!("{}.", model::OLD_DISTRIBUTION_DOMAIN), format!("{}.", model::DISTRIBUTION_DOMAIN));
        assert_eq!(
            listed,
            [
                ("A", Some("old"), Some(0), old.as_str()),
                ("A", Some("current"), Some(100), current.as_str()),
                ("AAAA", Some("old"), Some(0), old.as_str()),
                ("AAAA", Some("current"), Some(100), current.as_str()),
            ]
        );
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    cp.shutdown().await;
}

#[tokio::test]
async fn acm_finds_certificates_only_in_their_region() {
    let cp = start(Layout::B, "cert-expired", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).expect("clock").as_secs() as i64;
        let cert =
            c.acm.describe_certificate().certificate_arn(model::CERT_ARN_REGIONAL).send().await.expect("regional");
        let cert = cert.certificate().expect("detail");
        assert_eq!(cert.domain_name(), Some(model::PUBLIC_HOST));
        let not_after = cert.not_after().expect("NotAfter").secs();
        assert!((not_after - now - 365 * 24 * 3600).abs() < 60, "a year from now");

        // The CloudFront certificate lives in us-east-1, and expired in this scenario.
        let cf = c.acm_us_east_1.describe_certificate().certificate_arn(model::CERT_ARN_CLOUDFRONT).send().await;
        let cf = cf.expect("us-east-1");
        let cf = cf.certificate().expect("detail");
        assert_eq!(cf.status().map(|s| s.as_str()), Some("EXPIRED"));
        assert!(cf.not_after().expect("NotAfter").secs() < now);
        assert_eq!(cf.subject_alternative_names(), [model::PUBLIC_HOST]);

        let e =
            c.acm.describe_certificate().certificate_arn(model::CERT_ARN_CLOUDFRONT).send().await.expect_err("region");
        assert!(e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()), "{e:?}");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    assert_eq!(cp.calls().get("acm.DescribeCertificate"), Some(&3));
    cp.shutdown().await;
}

#[tokio::test]
async fn a_wrong_secret_is_refused_in_each_protocol() {
    let cp = start(Layout::B, "good", ControlPlaneFaults::default()).await;
    let c = clients(&cp, "not-the-sandbox-secret").await;
    let run = async {
        let e = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect_err("refused");
        assert_eq!((code(&e).as_str(), status(&e)), ("SignatureDoesNotMatch", 403));
        let msg = e.as_service_error().and_then(|s| s.message()).unwrap_or_default().to_string();
        assert!(msg.starts_with("The request signature we calculated does not match"), "{msg}");
        let e = c.route53.list_hosted_zones_by_name().send().await.expect_err("refused");
        assert_eq!(code(&e), "SignatureDoesNotMatch");
        let e = c.apigw.get_api().api_id(model::API_ID).send().await.expect_err("refused");
        assert_eq!((code(&e).as_str(), status(&e)), ("InvalidSignatureException", 403));
        let e = c.acm.describe_certificate().certificate_arn(model::CERT_ARN_REGIONAL).send().await.expect_err("no");
        assert_eq!(code(&e), "InvalidSignatureException");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    assert!(cp.calls().is_empty(), "refused requests reach no operation: {:?}", cp.calls());
    cp.shutdown().await;
}

#[tokio::test]
async fn faults_answer_with_each_services_error_codes() {
    let throttled = ControlPlaneFaults { throttling: true, ..Default::default() };
    let cp = start(Layout::B, "good", throttled).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let e = c.apigw.get_api().api_id(model::API_ID).send().await.expect_err("throttled");
        assert!(e.as_service_error().is_some_and(|s| s.is_too_many_requests_exception()), "{e:?}");
        assert_eq!(status(&e), 429);
        let e = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect_err("throttled");
        assert_eq!((code(&e).as_str(), status(&e)), ("Throttling", 400));
        let e = c.route53.list_hosted_zones_by_name().send().await.expect_err("throttled");
        assert_eq!(code(&e), "Throttling");
        let e = c.acm.describe_certificate().certificate_arn(model::CERT_ARN_REGIONAL).send().await.expect_err("t");
        assert_eq!(code(&e), "ThrottlingException");

        cp.set_faults(ControlPlaneFaults { server_errors: true, ..Default::default() });
        let e = c.apigw.get_api().api_id(model::API_ID).send().await.expect_err("500");
        assert_eq!((code(&e).as_str(), status(&e)), ("InternalFailure", 500));
        let e = c.cloudfront.get_distribution().id(model::DISTRIBUTION_ID).send().await.expect_err("500");
        assert_eq!((code(&e).as_str(), status(&e)), ("InternalFailure", 500));

        let delay = Duration::from_millis(200);
        cp.set_faults(ControlPlaneFaults { delay, ..Default::default() });
        let t0 = Instant::now();
        c.apigw.get_api().api_id(model::API_ID).send().await.expect("slow but fine");
        assert!(t0.elapsed() >= delay);
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    assert_eq!(cp.calls().get("apigatewayv2.GetApi"), Some(&3));
    cp.shutdown().await;
}

// ---------------------------------------------------------------------------
// What lies behind a route: integrations, authorizers, deployments, Lambda, VPC links.

async fn start_with(d: Deployment) -> ControlPlane {
    wsconform::install_crypto_provider();
    ControlPlane::start(wsconform_sandbox::Live::new(d), ControlPlaneFaults::default())
        .await
        .expect("control plane starts")
}

async fn lambda_client(cp: &ControlPlane) -> aws_sdk_lambda::Client {
    let url = cp.url().as_str().trim_end_matches('/').to_string();
    aws_sdk_lambda::Client::new(&sdk(&url, model::REGION, model::SECRET_ACCESS_KEY).await)
}

// AWS: API Gateway v2 API Reference, "Integrations" and "Integration"
// (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-integrations.html) — the
// list is paged with maxResults/nextToken; connectionType VPC_LINK names the link in connectionId;
// requestParameters maps `integration.request.header.{name}` to a source such as `context.connectionId`.
#[tokio::test]
async fn integrations_parse_paged_with_their_vpc_link_and_request_parameters() {
    let cp = start(Layout::C, "vpc-link-good", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let first = c.apigw.get_integrations().api_id(model::API_ID).max_results("1").send().await.expect("page 1");
        assert_eq!(first.items().len(), 1);
        let lambda = &first.items()[0];
        assert_eq!(lambda.integration_id(), Some(model::LAMBDA_INTEGRATION_ID));
        assert_eq!(lambda.integration_type().map(|t| t.as_str()), Some("AWS_PROXY"));
        assert_eq!(lambda.integration_uri(), Some(model::lambda_invocation_uri(model::BACKEND_FUNCTION).as_str()));
        assert_eq!(lambda.timeout_in_millis(), Some(29_000));
        assert_eq!(lambda.connection_type().map(|t| t.as_str()), Some("INTERNET"));
        let token = first.next_token().expect("a second page").to_owned();
        let second = c.apigw.get_integrations().api_id(model::API_ID).next_token(token).send().await.expect("page 2");
        assert_eq!(second.next_token(), None);
        let http = &second.items()[0];
        assert_eq!(http.integration_type().map(|t| t.as_str()), Some("HTTP_PROXY"));
        assert_eq!(http.connection_type().map(|t| t.as_str()), Some("VPC_LINK"));
        assert_eq!(http.connection_id(), Some(model::VPC_LINK_ID));
        let params = http.request_parameters().expect("requestParameters");
        assert_eq!(
            params.get("integration.request.header.ConnectionId").map(String::as_str),
            Some("context.connectionId")
        );
        assert_eq!(http.credentials_arn(), None);

        let one = c
            .apigw
            .get_integration()
            .api_id(model::API_ID)
            .integration_id(model::HTTP_INTEGRATION_ID)
            .send()
            .await
            .expect("GetIntegration");
        assert_eq!(one.integration_uri(), http.integration_uri());
        let e = c.apigw.get_integration().api_id(model::API_ID).integration_id("nope").send().await.expect_err("404");
        assert_eq!((code(&e).as_str(), status(&e)), ("NotFoundException", 404));

        let routes = c.apigw.get_routes().api_id(model::API_ID).send().await.expect("GetRoutes");
        let default = routes.items().iter().find(|r| r.route_key() == Some("$default")).expect("$default");
        assert_eq!(default.target(), Some(format!("integrations/{}", model::HTTP_INTEGRATION_ID).as_str()));
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    let calls = cp.calls();
    assert_eq!(calls.get("apigatewayv2.GetIntegrations"), Some(&2));
    assert_eq!(calls.get("apigatewayv2.GetIntegration"), Some(&2));
    cp.shutdown().await;
}

// AWS: API Gateway v2 API Reference, "Authorizers"
// (https://docs.aws.amazon.com/apigatewayv2/latest/api-reference/apis-apiid-authorizers.html) —
// authorizerType REQUEST, authorizerUri the Lambda invocation URI, identitySource a list of
// `route.request.header.…`/`route.request.querystring.…`; GetRoutes gives `$connect`
// authorizationType CUSTOM and its authorizerId.
#[tokio::test]
async fn authorizers_parse_and_connect_names_its_own() {
    let cp = start(Layout::B, "authorizer-query-forwarded", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let routes = c.apigw.get_routes().api_id(model::API_ID).send().await.expect("GetRoutes");
        let connect = routes.items().iter().find(|r| r.route_key() == Some("$connect")).expect("$connect");
        assert_eq!(connect.authorization_type().map(|a| a.as_str()), Some("CUSTOM"));
        assert_eq!(connect.authorizer_id(), Some(model::AUTHORIZER_ID));
        let a = c
            .apigw
            .get_authorizer()
            .api_id(model::API_ID)
            .authorizer_id(model::AUTHORIZER_ID)
            .send()
            .await
            .expect("GetAuthorizer");
        assert_eq!(a.authorizer_type().map(|t| t.as_str()), Some("REQUEST"));
        assert_eq!(a.authorizer_uri(), Some(model::lambda_invocation_uri(model::AUTHORIZER_FUNCTION).as_str()));
        assert_eq!(a.identity_source(), ["route.request.querystring.token"]);
        assert_eq!(a.authorizer_credentials_arn(), None);
        let all = c.apigw.get_authorizers().api_id(model::API_ID).send().await.expect("GetAuthorizers");
        assert_eq!(all.items().len(), 1);
        let e = c.apigw.get_authorizer().api_id(model::API_ID).authorizer_id("nope").send().await.expect_err("404");
        assert_eq!(code(&e), "NotFoundException");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    assert_eq!(cp.calls().get("apigatewayv2.GetAuthorizer"), Some(&2));
    cp.shutdown().await;
}

// AWS: API Gateway Developer Guide, "Deploy WebSocket APIs in API Gateway"
// (https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-set-up-websocket-deployment.html) —
// a stage serves a deployment, a snapshot; GetRoutes shows the API as configured now.
#[tokio::test]
async fn a_stale_deployment_is_listed_while_get_routes_shows_the_new_route() {
    let cp = start(Layout::B, "stale-deployment", ControlPlaneFaults::default()).await;
    let c = clients(&cp, model::SECRET_ACCESS_KEY).await;
    let deps = c.apigw.get_deployments().api_id(model::API_ID).send().await.expect("GetDeployments");
    assert_eq!(deps.items().len(), 1);
    assert_eq!(deps.items()[0].deployment_id(), Some(model::DEPLOYMENT_ID));
    assert_eq!(deps.items()[0].deployment_status().map(|s| s.as_str()), Some("DEPLOYED"));
    let routes = c.apigw.get_routes().api_id(model::API_ID).send().await.expect("GetRoutes");
    assert!(routes.items().iter().any(|r| r.route_key() == Some("echo")));
    let stage = c.apigw.get_stage().api_id(model::API_ID).stage_name(model::STAGE).send().await.expect("GetStage");
    assert_eq!(stage.deployment_id(), Some(model::DEPLOYMENT_ID));
    cp.shutdown().await;
}

// AWS: Lambda API Reference, "GetFunctionConfiguration"
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetFunctionConfiguration.html) and "GetPolicy"
// (https://docs.aws.amazon.com/lambda/latest/api/API_GetPolicy.html) — FunctionName is a name, an
// ARN or a partial ARN; the policy is a JSON document in a string; a missing function, or one
// without a policy, is 404 ResourceNotFoundException.
#[tokio::test]
async fn lambda_configuration_and_policy_parse_by_name_and_arn() {
    let mut d = Deployment::new(Layout::C, scenario("authorizer-permission-missing"));
    d.functions.retain(|f| f.name == model::BACKEND_FUNCTION || f.name == model::AUTHORIZER_FUNCTION);
    d.functions[1].policy = None;
    let no_policy = d.functions[1].arn();
    let cp = start_with(d).await;
    let lambda = lambda_client(&cp).await;
    let arn = model::function_arn(model::BACKEND_FUNCTION);
    let run = async {
        let conf = lambda.get_function_configuration().function_name(&arn).send().await.expect("by ARN");
        assert_eq!(conf.function_name(), Some(model::BACKEND_FUNCTION));
        assert_eq!(conf.function_arn(), Some(arn.as_str()));
        assert!(conf.role().is_some_and(|r| r.starts_with("arn:aws:iam::")));
        assert_eq!(conf.state().map(|s| s.as_str()), Some("Active"));
        let by_name =
            lambda.get_function_configuration().function_name(model::BACKEND_FUNCTION).send().await.expect("by name");
        assert_eq!(by_name.function_arn(), Some(arn.as_str()));
        let partial = format!("{}:function:{}", model::ACCOUNT_ID, model::BACKEND_FUNCTION);
        lambda.get_function_configuration().function_name(partial).send().await.expect("by partial ARN");

        let p = lambda.get_policy().function_name(&arn).send().await.expect("GetPolicy");
        assert!(p.revision_id().is_some_and(|r| r.len() == 36));
        let doc: serde_json::Value = serde_json::from_str(p.policy().expect("Policy")).expect("a JSON document");
        let statements = doc["Statement"].as_array().expect("statements");
        assert_eq!(statements.len(), 3);
        assert_eq!(statements[0]["Principal"]["Service"], "apigateway.amazonaws.com");
        assert_eq!(statements[0]["Action"], "lambda:InvokeFunction");
        assert_eq!(
            statements[0]["Condition"]["ArnLike"]["AWS:SourceArn"],
            model::execute_api_arn(model::API_ID, "*/$connect")
        );

        let e = lambda.get_policy().function_name(&no_policy).send().await.expect_err("no policy");
        assert_eq!((code(&e).as_str(), status(&e)), ("ResourceNotFoundException", 404));
        let e = lambda.get_function_configuration().function_name("nope").send().await.expect_err("no function");
        assert!(e.as_service_error().is_some_and(|s| s.is_resource_not_found_exception()), "{e:?}");
        let other_region = "arn:aws:lambda:us-west-2:123456789012:function:chat-backend";
        let e = lambda.get_policy().function_name(other_region).send().await.expect_err("another region");
        assert_eq!(code(&e), "ResourceNotFoundException");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    let calls = cp.calls();
    assert_eq!(calls.get("lambda.GetFunctionConfiguration"), Some(&4));
    assert_eq!(calls.get("lambda.GetPolicy"), Some(&3));
    cp.shutdown().await;
}

/// A GET signed for `service` with the sandbox key, over plain HTTP to the control plane.
async fn signed_get(cp: &ControlPlane, service: &str, path: &str) -> (u16, Option<String>, String) {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = format!("{}:{}", cp.url().host_str().expect("host"), cp.url().port().expect("port"));
    let identity = Credentials::new(model::ACCESS_KEY_ID, model::SECRET_ACCESS_KEY, None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(model::REGION)
        .name(service)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .expect("params")
        .into();
    let uri = format!("http://{host}{path}");
    let signable = SignableRequest::new("GET", &uri, [("host", host.as_str())].into_iter(), SignableBody::Bytes(&[]))
        .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("signed").into_parts();
    let (headers, _) = instructions.into_parts();
    let mut req = format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for h in headers {
        req.push_str(&format!("{}: {}\r\n", h.name(), h.value()));
    }
    req.push_str("\r\n");
    let mut tcp = tokio::net::TcpStream::connect(&host).await.expect("connect");
    tcp.write_all(req.as_bytes()).await.expect("write");
    let mut buf = Vec::new();
    tokio::time::timeout(TIMEOUT, tcp.read_to_end(&mut buf)).await.expect("in time").expect("read");
    let text = String::from_utf8_lossy(&buf).into_owned();
    let status = text.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let error_type = head
        .lines()
        .find_map(|l| l.split_once(':').filter(|(k, _)| k.eq_ignore_ascii_case("x-amzn-errortype")))
        .map(|(_, v)| v.trim().to_owned());
    (status, error_type, body.to_owned())
}

// AWS: API Gateway REST API Reference, "GetVpcLink"
// (https://docs.aws.amazon.com/apigateway/latest/api/API_GetVpcLink.html) — `GET /vpclinks/{vpclink_id}`,
// signed for `apigateway`, answers `{id, name, description, targetArns, status, statusMessage, tags}`
// (the shape aws-sdk-apigateway parses; that client is not a dependency here), 404 NotFoundException.
#[tokio::test]
async fn v1_get_vpc_link_answers_signed_for_apigateway() {
    let cp = start(Layout::C, "vpc-link-good", ControlPlaneFaults::default()).await;
    let (status, _, body) = signed_get(&cp, "apigateway", &format!("/vpclinks/{}", model::VPC_LINK_ID)).await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).expect("JSON");
    assert_eq!(v["id"], model::VPC_LINK_ID);
    assert_eq!(v["status"], "AVAILABLE");
    assert!(v["statusMessage"].is_string() && v["name"].is_string());
    assert!(v["targetArns"][0].as_str().is_some_and(|a| a.contains(":loadbalancer/net/")));
    let (status, error_type, _) = signed_get(&cp, "apigateway", "/vpclinks/nope").await;
    assert_eq!((status, error_type.as_deref()), (404, Some("NotFoundException")));
    // v2's own operations still answer under the same signing name.
    let (status, _, _) = signed_get(&cp, "apigateway", &format!("/v2/apis/{}", model::API_ID)).await;
    assert_eq!(status, 200);
    let calls = cp.calls();
    assert_eq!(calls.get("apigateway.GetVpcLink"), Some(&2));
    assert_eq!(calls.get("apigatewayv2.GetApi"), Some(&1));
    cp.shutdown().await;
}

// ---------------------------------------------------------------------------
// `@connections`, served by a tiny gateway stand-in that routes to `handle`.

struct Gateway {
    url: String,
    registry: Arc<Registry>,
    task: tokio::task::JoinHandle<()>,
}

async fn gateway(d: Deployment) -> Gateway {
    use http_body_util::BodyExt;
    wsconform::install_crypto_provider();
    let registry = Arc::new(Registry::new());
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await.expect("bind");
    let url = format!("http://{}/{}", listener.local_addr().expect("addr"), model::STAGE);
    let (reg, d) = (registry.clone(), Arc::new(d));
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (reg, d) = (reg.clone(), d.clone());
            tokio::spawn(async move {
                let svc = hyper::service::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let (reg, d) = (reg.clone(), d.clone());
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                        let path = parts.uri.path().to_string();
                        let id = path
                            .strip_prefix(&format!("/{}/@connections/", model::STAGE))
                            .and_then(wsconform_sandbox::control_plane::percent_decode);
                        let resp = match id {
                            Some(id) => connections::handle(&reg, &d, http::Request::from_parts(parts, body), &id),
                            None => http::Response::builder().status(404).body(bytes::Bytes::new()).expect("static"),
                        };
                        Ok::<_, std::convert::Infallible>(resp.map(http_body_util::Full::new))
                    }
                });
                let io = hyper_util::rt::TokioIo::new(stream);
                let _ = hyper::server::conn::http1::Builder::new().serve_connection(io, svc).await;
            });
        }
    });
    Gateway { url, registry, task }
}

fn connect(registry: &Registry, id: &str) -> tokio::sync::mpsc::UnboundedReceiver<Outbound> {
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    registry.insert(Connection {
        id: id.into(),
        connected_at: SystemTime::UNIX_EPOCH + Duration::from_secs(1_704_067_200),
        source_ip: IpAddr::V4(Ipv4Addr::new(127, 0, 0, 1)),
        user_agent: Some("wsconform-test".into()),
        outbound: tx,
    });
    rx
}

async fn management(gw: &Gateway, secret: &str) -> aws_sdk_apigatewaymanagement::Client {
    aws_sdk_apigatewaymanagement::Client::new(&sdk(&gw.url, model::REGION, secret).await)
}

#[tokio::test]
async fn connections_post_get_delete_then_gone() {
    let gw = gateway(Deployment::new(Layout::B, scenario("good"))).await;
    let id = "L0SM9cOFvHcCIhw=";
    let mut rx = connect(&gw.registry, id);
    let client = management(&gw, model::SECRET_ACCESS_KEY).await;
    let run = async {
        client
            .post_to_connection()
            .connection_id(id)
            .data(aws_smithy_types::Blob::new("hello"))
            .send()
            .await
            .expect("PostToConnection");
        assert_eq!(rx.recv().await, Some(Outbound::Text("hello".into())));

        let info = client.get_connection().connection_id(id).send().await.expect("GetConnection");
        assert_eq!(info.connected_at().map(|t| t.secs()), Some(1_704_067_200));
        assert_eq!(info.last_active_at().map(|t| t.secs()), Some(1_704_067_200));
        let identity = info.identity().expect("identity");
        assert_eq!(identity.source_ip(), Some("127.0.0.1"));
        assert_eq!(identity.user_agent(), Some("wsconform-test"));

        client.delete_connection().connection_id(id).send().await.expect("DeleteConnection");
        assert_eq!(rx.recv().await, Some(Outbound::Close));
        assert!(gw.registry.get(id).is_none());

        let e = client
            .post_to_connection()
            .connection_id(id)
            .data(aws_smithy_types::Blob::new("again"))
            .send()
            .await
            .expect_err("gone");
        assert!(e.as_service_error().is_some_and(|s| s.is_gone_exception()), "{e:?}");
        assert_eq!(status(&e), 410);
        let e = client.get_connection().connection_id(id).send().await.expect_err("gone");
        assert!(e.as_service_error().is_some_and(|s| s.is_gone_exception()), "{e:?}");
        let e = client.delete_connection().connection_id(id).send().await.expect_err("gone");
        assert!(e.as_service_error().is_some_and(|s| s.is_gone_exception()), "{e:?}");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    gw.task.abort();
}

#[tokio::test]
async fn connections_refuse_a_wrong_secret_and_honor_post_gone() {
    let gw = gateway(Deployment::new(Layout::B, scenario("good"))).await;
    let id = "Ab+/cd==";
    let mut rx = connect(&gw.registry, id);
    let run = async {
        let bad = management(&gw, "not-the-sandbox-secret").await;
        let e = bad
            .post_to_connection()
            .connection_id(id)
            .data(aws_smithy_types::Blob::new("x"))
            .send()
            .await
            .expect_err("refused");
        assert!(e.as_service_error().is_some_and(|s| s.is_forbidden_exception()), "{e:?}");
        assert_eq!(status(&e), 403);
        assert!(rx.try_recv().is_err(), "nothing delivered");
        // Ids with `+`, `/` and `=` survive the path encoding and signing.
        let good = management(&gw, model::SECRET_ACCESS_KEY).await;
        good.post_to_connection().connection_id(id).data(aws_smithy_types::Blob::new("y")).send().await.expect("ok");
        assert_eq!(rx.recv().await, Some(Outbound::Text("y".into())));
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    gw.task.abort();

    let gw = gateway(Deployment::new(Layout::B, scenario("post-gone"))).await;
    let id = "L0SM9cOFvHcCIhw=";
    let _rx = connect(&gw.registry, id);
    let client = management(&gw, model::SECRET_ACCESS_KEY).await;
    let run = async {
        let e = client
            .post_to_connection()
            .connection_id(id)
            .data(aws_smithy_types::Blob::new("x"))
            .send()
            .await
            .expect_err("gone");
        assert!(e.as_service_error().is_some_and(|s| s.is_gone_exception()), "{e:?}");
        // GetConnection still sees the live connection.
        client.get_connection().connection_id(id).send().await.expect("live");
    };
    tokio::time::timeout(TIMEOUT, run).await.expect("in time");
    gw.task.abort();
}
