//! Collector tests: the real SDK clients against a canned in-process HTTP
//! connector (no sockets), checking wire parsing, memoization and errors.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_credential_types::provider::error::CredentialsError;
use aws_credential_types::provider::{ProvideCredentials, SharedCredentialsProvider, future};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_runtime_api::http::Response;
use aws_smithy_types::body::SdkBody;

use super::*;
use crate::model::route::Layout;
use crate::suite::StaticCredentials;

/// Answers by path; counts every request that reaches "the network".
#[derive(Debug, Clone)]
struct Canned {
    hits: Arc<AtomicUsize>,
    delay: Duration,
}

fn answer(path: &str, target: &str) -> (u16, &'static str, String) {
    match path {
        "/" if target.ends_with("DescribeCertificate") => (200, "", ACM_JSON.into()),
        // STS speaks the Query protocol: a form POST to `/` without X-Amz-Target, answered in XML.
        "/" if target.is_empty() => (
            200,
            "",
            r#"<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/gate</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>"#.into(),
        ),
        "/v2/apis/a1b2c3d4e5/stages/Prod" => (
            200,
            "",
            r#"{"stageName":"Prod","deploymentId":"dep1","autoDeploy":true,"lastDeploymentStatusMessage":"Successfully deployed stage with deployment ID 'dep1'","defaultRouteSettings":{"throttlingBurstLimit":500,"throttlingRateLimit":1000.0}}"#.into(),
        ),
        "/v2/apis/a1b2c3d4e5/routes" => (
            200,
            "",
            r#"{"items":[{"routeId":"r1","routeKey":"$connect","target":"integrations/i1"},{"routeId":"r2","routeKey":"$default"}]}"#.into(),
        ),
        "/v2/domainnames/ws.example.com/apimappings" => (
            200,
            "",
            r#"{"items":[{"apiMappingId":"m1","apiMappingKey":"chat","apiId":"a1b2c3d4e5","stage":"Prod"}]}"#.into(),
        ),
        "/2020-05-31/distribution" => (200, "", LIST_XML.into()),
        "/2020-05-31/origin-request-policy/0c5a0c5a-1111-4222-8333-944444444444" => (200, "", POLICY_XML.into()),
        "/2013-04-01/hostedzonesbyname" => (200, "", ZONES_XML.into()),
        "/2013-04-01/hostedzone/Z0SANDBOX/rrset" => (200, "", RRSETS_XML.into()),
        "/v2/apis/a1b2c3d4e5" => (
            200,
            "",
            r#"{"apiId":"a1b2c3d4e5","name":"chat","protocolType":"WEBSOCKET","routeSelectionExpression":"$request.body.action","disableExecuteApiEndpoint":true}"#.into(),
        ),
        "/v2/apis/a1b2c3d4e5/integrations" => (
            200,
            "",
            r#"{"items":[{"integrationId":"i1","integrationType":"HTTP_PROXY","integrationMethod":"POST","integrationUri":"http://nlb.internal/ws","connectionType":"VPC_LINK","connectionId":"vl1","timeoutInMillis":29000,"requestParameters":{"integration.request.header.ConnectionId":"context.connectionId"}},{"integrationId":"i2","integrationType":"AWS_PROXY","integrationUri":"arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-1:123456789012:function:chat/invocations","credentialsArn":""}]}"#.into(),
        ),
        "/v2/apis/a1b2c3d4e5/authorizers/au1" => (
            200,
            "",
            r#"{"authorizerId":"au1","name":"token","authorizerType":"REQUEST","authorizerUri":"arn:aws:apigateway:ap-northeast-1:lambda:path/2015-03-31/functions/arn:aws:lambda:ap-northeast-1:123456789012:function:auth/invocations","identitySource":["route.request.querystring.token"]}"#.into(),
        ),
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aap-northeast-1%3A123456789012%3Afunction%3Achat/configuration" => (
            200,
            "",
            r#"{"FunctionName":"chat","FunctionArn":"arn:aws:lambda:ap-northeast-1:123456789012:function:chat","Role":"arn:aws:iam::123456789012:role/chat","State":"Active"}"#.into(),
        ),
        "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aap-northeast-1%3A123456789012%3Afunction%3Achat/policy" => (
            200,
            "",
            serde_json::json!({"Policy": r#"{"Version":"2012-10-17","Statement":[{"Sid":"apigw","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:ap-northeast-1:123456789012:function:chat","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:ap-northeast-1:123456789012:a1b2c3d4e5/*/$default"}}}]}"#, "RevisionId": "r1"}).to_string(),
        ),
        p if p.starts_with("/2015-03-31/functions/") => (
            404,
            "ResourceNotFoundException",
            r#"{"Type":"User","Message":"The resource you requested does not exist."}"#.into(),
        ),
        "/v2/apis/bad" => (400, "BadRequestException", r#"{"message":"Invalid API identifier"}"#.into()),
        p if p.starts_with("/v2/") => (404, "NotFoundException", r#"{"message":"not found"}"#.into()),
        "/2020-05-31/distribution/E2SANDBOXWS01" => (200, "", DISTRIBUTION_XML.into()),
        _ => (
            404,
            "NoSuchDistribution",
            "<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchDistribution</Code><Message>nope</Message></Error></ErrorResponse>"
                .into(),
        ),
    }
}

impl HttpConnector for Canned {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        self.hits.fetch_add(1, Ordering::SeqCst);
        let path = request.uri().split("://").nth(1).and_then(|r| r.find('/').map(|i| r[i..].to_owned()));
        let path = path.unwrap_or_default();
        let path = path.split('?').next().unwrap_or_default().to_owned();
        let target = request.headers().get("x-amz-target").unwrap_or_default().to_owned();
        let delay = self.delay;
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(delay).await;
            let (status, error_type, body) = answer(&path, &target);
            let mut b = http::Response::builder().status(status);
            if !error_type.is_empty() {
                b = b.header("x-amzn-errortype", error_type);
            }
            let content_type = if body.starts_with('<') { "text/xml" } else { "application/json" };
            let resp = b.header("content-type", content_type).body(SdkBody::from(body)).expect("static response");
            Ok(Response::try_from(resp).expect("http 1 response"))
        })
    }
}

const ACM_JSON: &str = r#"{"Certificate":{"CertificateArn":"arn:aws:acm:us-east-1:123456789012:certificate/1","DomainName":"ws.example.com","SubjectAlternativeNames":["ws.example.com","*.example.com"],"Status":"ISSUED","NotAfter":1800000000,"RenewalEligibility":"INELIGIBLE","CertificateAuthorityArn":"arn:aws:acm-pca:us-east-1:123456789012:certificate-authority/1","DomainValidationOptions":[{"DomainName":"*.example.com","ValidationMethod":"DNS"},{"DomainName":"ws.example.com","ValidationMethod":"EMAIL"}]}}"#;

const LIST_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<DistributionList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <Marker></Marker><MaxItems>100</MaxItems><IsTruncated>false</IsTruncated><Quantity>2</Quantity>
  <Items>
    <DistributionSummary><Id>EOTHER</Id><ARN>arn:aws:cloudfront::1:distribution/EOTHER</ARN><Status>Deployed</Status>
      <LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime><DomainName>d2.cloudfront.net</DomainName>
      <Aliases><Quantity>1</Quantity><Items><CNAME>www.example.com</CNAME></Items></Aliases>
      <Comment></Comment><PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled><WebACLId></WebACLId>
      <HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled><Staging>false</Staging></DistributionSummary>
    <DistributionSummary><Id>E2SANDBOXWS01</Id><ARN>arn:aws:cloudfront::1:distribution/E2SANDBOXWS01</ARN><Status>Deployed</Status>
      <LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime><DomainName>d111111abcdef8.cloudfront.net</DomainName>
      <Aliases><Quantity>1</Quantity><Items><CNAME>*.example.com</CNAME></Items></Aliases>
      <Comment></Comment><PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled><WebACLId></WebACLId>
      <HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled><Staging>false</Staging></DistributionSummary>
  </Items>
</DistributionList>"#;

const POLICY_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<OriginRequestPolicy xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <Id>0c5a0c5a-1111-4222-8333-944444444444</Id><LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime>
  <OriginRequestPolicyConfig><Name>auth-only</Name>
    <HeadersConfig><HeaderBehavior>whitelist</HeaderBehavior><Headers><Quantity>1</Quantity><Items><Name>Authorization</Name></Items></Headers></HeadersConfig>
    <CookiesConfig><CookieBehavior>none</CookieBehavior></CookiesConfig>
    <QueryStringsConfig><QueryStringBehavior>all</QueryStringBehavior></QueryStringsConfig>
  </OriginRequestPolicyConfig>
</OriginRequestPolicy>"#;

const ZONES_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListHostedZonesByNameResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
  <HostedZones><HostedZone><Id>/hostedzone/Z0SANDBOX</Id><Name>example.com.</Name><CallerReference>r</CallerReference>
    <Config><PrivateZone>false</PrivateZone></Config><ResourceRecordSetCount>3</ResourceRecordSetCount></HostedZone></HostedZones>
  <IsTruncated>false</IsTruncated><MaxItems>10</MaxItems>
</ListHostedZonesByNameResponse>"#;

const RRSETS_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/">
  <ResourceRecordSets>
    <ResourceRecordSet><Name>ws.example.com.</Name><Type>A</Type><AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId>
      <DNSName>d111111abcdef8.cloudfront.net.</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet>
    <ResourceRecordSet><Name>wss.example.com.</Name><Type>CNAME</Type><TTL>60</TTL>
      <ResourceRecords><ResourceRecord><Value>elsewhere.example.net</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>
  </ResourceRecordSets>
  <IsTruncated>false</IsTruncated><MaxItems>20</MaxItems>
</ListResourceRecordSetsResponse>"#;

const DISTRIBUTION_XML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<Distribution xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/">
  <Id>E2SANDBOXWS01</Id>
  <ARN>arn:aws:cloudfront::123456789012:distribution/E2SANDBOXWS01</ARN>
  <Status>Deployed</Status>
  <LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime>
  <InProgressInvalidationBatches>0</InProgressInvalidationBatches>
  <DomainName>d111111abcdef8.cloudfront.net</DomainName>
  <DistributionConfig>
    <CallerReference>ref</CallerReference>
    <Aliases><Quantity>1</Quantity><Items><CNAME>ws.example.com</CNAME></Items></Aliases>
    <Origins><Quantity>2</Quantity><Items>
      <Origin><Id>site</Id><DomainName>site-bucket.s3.ap-northeast-1.amazonaws.com</DomainName><OriginPath></OriginPath>
        <S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig></Origin>
      <Origin><Id>api</Id><DomainName>a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com</DomainName><OriginPath></OriginPath>
        <CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort><OriginProtocolPolicy>https-only</OriginProtocolPolicy>
          <OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols>
        </CustomOriginConfig></Origin>
    </Items></Origins>
    <DefaultCacheBehavior><TargetOriginId>site</TargetOriginId><ViewerProtocolPolicy>https-only</ViewerProtocolPolicy>
      <CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId></DefaultCacheBehavior>
    <CacheBehaviors><Quantity>1</Quantity><Items>
      <CacheBehavior><PathPattern>Prod*</PathPattern><TargetOriginId>api</TargetOriginId><ViewerProtocolPolicy>https-only</ViewerProtocolPolicy>
        <CachePolicyId>4135ea2d-6df8-44a3-9df3-4b5a84be39ad</CachePolicyId>
        <OriginRequestPolicyId>b689b0a8-53d0-40ab-baf2-68738e2966ac</OriginRequestPolicyId></CacheBehavior>
    </Items></CacheBehaviors>
    <Comment></Comment>
    <Enabled>true</Enabled>
    <ViewerCertificate><ACMCertificateArn>arn:aws:acm:us-east-1:123456789012:certificate/1</ACMCertificateArn>
      <SSLSupportMethod>sni-only</SSLSupportMethod><MinimumProtocolVersion>TLSv1.2_2021</MinimumProtocolVersion></ViewerCertificate>
  </DistributionConfig>
</Distribution>"#;

fn suite(extra: &str) -> Arc<Suite> {
    let text = format!(
        "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n{extra}\n[aws]\nendpoint_url = \"http://127.0.0.1:9\"\n"
    );
    let mut s = Suite::parse("t.toml", &text, &|_| None).expect("test suite");
    s.aws.credentials =
        Some(StaticCredentials { access_key_id: "AKIATEST".into(), secret_access_key: "test/secret".into() });
    Arc::new(s)
}

fn facts(extra: &str, delay: Duration) -> (AwsFacts, Arc<AtomicUsize>) {
    let hits = Arc::new(AtomicUsize::new(0));
    let conn = Canned { hits: hits.clone(), delay };
    let client: SharedHttpClient = http_client_fn(move |_, _| SharedHttpConnector::new(conn.clone()));
    let f = AwsFacts::new(suite(extra));
    f.set_http_client(client);
    (f, hits)
}

#[tokio::test]
async fn concurrent_callers_share_one_call() {
    let (f, hits) = facts("", Duration::from_millis(50));
    let (a, b) = tokio::join!(f.api("a1b2c3d4e5"), f.api("a1b2c3d4e5"));
    let (a, b) = (a.expect("api"), b.expect("api"));
    assert_eq!(a, b);
    let api = a.expect("exists");
    assert_eq!(api.protocol_type.as_deref(), Some("WEBSOCKET"));
    assert_eq!(api.disable_execute_api_endpoint, Some(true));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    assert_eq!(f.calls(), BTreeMap::from([("apigatewayv2.GetApi".to_string(), 1)]));
}

#[tokio::test]
async fn not_found_is_none_and_errors_are_memoized() {
    let (f, hits) = facts("", Duration::ZERO);
    assert_eq!(f.api("missing").await, Ok(None));
    assert_eq!(f.domain("ws.example.com").await, Ok(None));
    let e1 = f.api("bad").await.expect_err("400");
    let e2 = f.api("bad").await.expect_err("400");
    assert_eq!(e1, e2);
    assert!(
        matches!(&e1, crate::facts::Error::Service { code: Some(c), http_status: Some(400), .. } if c == "BadRequestException"),
        "{e1:?}"
    );
    assert!(!e1.is_transient());
    let e1 = e1.to_string();
    assert!(e1.contains("apigatewayv2.GetApi failed: BadRequestException"), "{e1}");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    assert_eq!(f.calls().get("apigatewayv2.GetApi"), Some(&2));
}

#[derive(Debug)]
struct NoCredentials;

impl ProvideCredentials for NoCredentials {
    fn provide_credentials<'a>(&'a self) -> future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        future::ProvideCredentials::ready(Err(CredentialsError::not_loaded(
            "no providers in chain provided credentials",
        )))
    }
}

#[tokio::test]
async fn missing_credentials_name_the_lookup_chain() {
    let (f, hits) = facts("", Duration::ZERO);
    f.set_credentials_provider(SharedCredentialsProvider::new(NoCredentials));
    let e = f.api("a1b2c3d4e5").await.expect_err("no credentials");
    assert!(matches!(e, crate::facts::Error::Credentials { .. }), "{e:?}");
    let e = e.to_string();
    assert!(e.contains("no AWS credentials found"), "{e}");
    for place in ["environment variables", "SSO", "web identity", "IMDS"] {
        assert!(e.contains(place), "{place} missing in: {e}");
    }
    assert_eq!(hits.load(Ordering::SeqCst), 0, "nothing is sent unsigned");
}

#[tokio::test]
async fn layout_a_route_from_the_wire() {
    let (f, _) = facts("[api]\nstage = \"Prod\"\n[cloudfront]\ndistribution_id = \"E2SANDBOXWS01\"\n", Duration::ZERO);
    let d = f.distribution().await.expect("call").expect("exists");
    assert_eq!(d.behaviors[0].path_pattern.as_deref(), Some("Prod*"));
    assert_eq!(d.origins[1].custom.as_ref().map(|c| c.ssl_protocols.clone()), Some(vec!["TLSv1.2".to_string()]));
    assert_eq!(d.minimum_protocol_version.as_deref(), Some("TLSv1.2_2021"));
    let r = f.route().await.expect("route");
    assert_eq!(r.layout, Some(Layout::A));
    assert_eq!(f.api_id().await, Ok("a1b2c3d4e5".to_string()));
    assert_eq!(f.expected_alias_target().await, Ok(Some("d111111abcdef8.cloudfront.net".to_string())));
    let disc = f.discovered().await;
    assert_eq!((disc.api_id.as_deref(), disc.stage.as_deref()), (Some("a1b2c3d4e5"), Some("Prod")));
    assert!(disc.errors.is_empty(), "{:?}", disc.errors);
    // Managed policy: no GetOriginRequestPolicy; every call once.
    assert_eq!(
        f.calls(),
        BTreeMap::from([("apigatewayv2.GetDomainName".to_string(), 1), ("cloudfront.GetDistribution".to_string(), 1),])
    );
}

#[tokio::test]
async fn unknown_distribution_is_none() {
    let (f, _) = facts("[cloudfront]\ndistribution_id = \"EMISSING\"\n", Duration::ZERO);
    assert_eq!(f.distribution().await, Ok(None));
    let e = f.route().await.expect_err("no distribution");
    assert!(matches!(e, crate::facts::Error::NotFound { .. }), "{e:?}");
    let e = e.to_string();
    assert!(e.contains("EMISSING does not exist"), "{e}");
}

#[tokio::test]
async fn every_collector_parses_its_wire_format() {
    let (f, _) = facts("[cloudfront]\ndistribution_id = \"discover\"\n", Duration::ZERO);
    assert_eq!(f.distribution_id().await, Ok(Some("E2SANDBOXWS01".to_string())), "found by wildcard alias");
    let stage = f.stage("a1b2c3d4e5", "Prod").await.expect("call").expect("exists");
    assert_eq!((stage.deployment_id.as_deref(), stage.throttling_burst_limit), (Some("dep1"), Some(500)));
    assert_eq!(stage.auto_deploy, Some(true));
    assert!(stage.last_deployment_status_message.as_deref().is_some_and(|m| m.ends_with("ID 'dep1'")));
    let routes = f.routes("a1b2c3d4e5").await.expect("routes");
    assert_eq!(routes[1].route_key, "$default");
    assert_eq!(routes[1].target, None);
    let maps = f.mappings("WS.example.com.").await.expect("mappings");
    assert_eq!(maps[0].api_mapping_key, "chat");
    let zones = f.hosted_zones("ws.example.com").await.expect("zones");
    // The endpoint answers every DNSName with example.com.: only the lookup of that name keeps it.
    assert_eq!(
        zones.public,
        vec![HostedZoneFacts { id: "Z0SANDBOX".into(), name: "example.com.".into(), private: false }]
    );
    let zone = &zones.public[0];
    let records = f.records(&zone.id, "ws.example.com").await.expect("records");
    assert_eq!(records.len(), 1, "only the host's records");
    assert_eq!(records[0].alias_hosted_zone_id.as_deref(), Some(CLOUDFRONT_HOSTED_ZONE_ID));
    let cert = f.certificate("arn:aws:acm:us-east-1:123456789012:certificate/1").await.expect("call").expect("exists");
    assert_eq!((cert.status.as_deref(), cert.not_after), (Some("ISSUED"), Some(1_800_000_000)));
    assert_eq!(cert.renewal_eligibility.as_deref(), Some("INELIGIBLE"));
    assert!(cert.certificate_authority_arn.as_deref().is_some_and(|a| a.ends_with("certificate-authority/1")));
    // Without Options.ValidationMethod, a domain validated by EMAIL is what renewal waits for.
    assert_eq!(cert.validation_method.as_deref(), Some("EMAIL"));
    let calls = f.calls();
    assert_eq!(calls.get("cloudfront.ListDistributions"), Some(&1));
    assert_eq!(calls.get("acm.DescribeCertificate"), Some(&1));
}

#[tokio::test]
async fn what_lies_behind_the_routes_parses_from_its_wire_format() {
    let (f, _) = facts("", Duration::ZERO);
    let integrations = f.integrations("a1b2c3d4e5").await.expect("integrations");
    assert_eq!(integrations[0].connection_type.as_deref(), Some("VPC_LINK"));
    assert_eq!(integrations[0].connection_id.as_deref(), Some("vl1"));
    assert_eq!(
        integrations[0].request_parameters,
        vec![("integration.request.header.ConnectionId".to_string(), "context.connectionId".to_string())]
    );
    assert_eq!(integrations[1].credentials_arn, None, "an empty CredentialsArn is none");
    let a = f.authorizer("a1b2c3d4e5", "au1").await.expect("call").expect("exists");
    assert_eq!(
        (a.authorizer_type.as_deref(), a.identity_source.as_slice()),
        (Some("REQUEST"), &["route.request.querystring.token".to_string()][..])
    );
    assert_eq!(f.authorizer("a1b2c3d4e5", "nope").await, Ok(None));
    let chat = "arn:aws:lambda:ap-northeast-1:123456789012:function:chat";
    let function = f.function(chat).await.expect("call").expect("exists");
    assert_eq!(function.role.as_deref(), Some("arn:aws:iam::123456789012:role/chat"));
    let policy = f.function_policy(chat).await.expect("call").expect("a policy");
    assert_eq!(policy.statements[0].conditions[0].1, "AWS:SourceArn");
    // Lambda answers a function without a policy, and a missing one, with ResourceNotFoundException.
    let other = "arn:aws:lambda:ap-northeast-1:123456789012:function:other";
    assert_eq!(f.function_policy(other).await, Ok(None));
    assert_eq!(f.function(other).await, Ok(None));
    assert!(matches!(f.vpc_link("vl1").await, Err(crate::facts::Error::Unknown { .. })));
    let (a, b) = tokio::join!(f.caller_account(), f.caller_account());
    assert_eq!((a.expect("sts").as_str(), b.expect("sts").as_str()), ("123456789012", "123456789012"));
    let calls = f.calls();
    assert_eq!(calls.get("sts.GetCallerIdentity"), Some(&1), "asked once: {calls:?}");
    for op in ["apigatewayv2.GetIntegrations", "lambda.GetFunctionConfiguration", "lambda.GetPolicy"] {
        assert!(calls.get(op).is_some_and(|n| *n >= 1), "{op}: {calls:?}");
    }
}

#[tokio::test]
async fn custom_origin_request_policy_is_fetched_once() {
    let (f, hits) = facts("", Duration::ZERO);
    let b = Behavior {
        origin_request_policy_id: Some("0c5a0c5a-1111-4222-8333-944444444444".into()),
        ..Behavior::default()
    };
    let (x, y) = tokio::join!(f.forwarding(&b), f.forwarding(&b));
    let x = x.expect("policy");
    assert_eq!(Ok(x.clone()), y);
    // The endpoint lists Authorization, which CloudFront never forwards from an origin request policy.
    assert_eq!(x.headers, NameSet::Only(vec![]));
    assert!(!x.forwards_header("Authorization"));
    assert_eq!(x.query_strings, NameSet::All);
    assert!(!x.forwards_header("Sec-WebSocket-Key"));
    assert_eq!(hits.load(Ordering::SeqCst), 1);
    // Managed policies need no call.
    let managed = Behavior { origin_request_policy_id: Some(POLICY_ALL_VIEWER.into()), ..Behavior::default() };
    assert!(f.forwarding(&managed).await.expect("managed").forwards_header("Host"));
    assert_eq!(f.calls().get("cloudfront.GetOriginRequestPolicy"), Some(&1));
}

// ----------------------------------------------------------------------
// Route 53 zone selection on the wire: a fake Route 53 that lists zones and
// record sets in Route 53's order (labels reversed, then id / type) and pages
// them, or, as moto and LocalStack do, matches `DNSName` exactly.

#[derive(Debug, Clone)]
struct FakeRoute53 {
    /// (id, name, private)
    zones: Vec<(&'static str, &'static str, bool)>,
    /// (zone id, name as Route 53 lists it, type, value)
    rrsets: Vec<(&'static str, &'static str, &'static str, &'static str)>,
    /// ListHostedZonesByName answers only zones named exactly `DNSName`.
    exact: bool,
    /// Items per page (Route 53: `MaxItems`, at most 100 zones / 300 record sets).
    page: usize,
    /// Every record set is weighted (`SetIdentifier` `set-{value}`, Weight 1), paged by identifier too.
    weighted: bool,
    requests: Arc<std::sync::Mutex<Vec<String>>>,
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn key(name: &str) -> Vec<String> {
    name.trim_end_matches('.').split('.').rev().map(str::to_ascii_lowercase).collect()
}

impl FakeRoute53 {
    fn new(zones: Vec<(&'static str, &'static str, bool)>) -> Self {
        FakeRoute53 { zones, rrsets: vec![], exact: false, page: 100, weighted: false, requests: Arc::default() }
    }

    fn answer(&self, path: &str, query: &[(String, String)]) -> String {
        let q = |k: &str| query.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        let limit = q("maxitems").and_then(|m| m.parse().ok()).unwrap_or(self.page).min(self.page);
        if path == "/2013-04-01/hostedzonesbyname" {
            let from = q("dnsname").unwrap_or_default();
            let from_id = q("hostedzoneid").unwrap_or_default();
            let mut zones: Vec<_> = self
                .zones
                .iter()
                .filter(|(id, name, _)| {
                    if self.exact {
                        key(name) == key(&from)
                    } else {
                        (key(name), id.to_string()) >= (key(&from), from_id.clone())
                    }
                })
                .collect();
            zones.sort_by_key(|(id, name, _)| (key(name), id.to_string()));
            let truncated = zones.len() > limit;
            let next = zones.get(limit).map(|(id, name, _)| (name.to_string(), id.to_string()));
            zones.truncate(limit);
            let items: String = zones
                .iter()
                .map(|(id, name, private)| {
                    format!(
                        "<HostedZone><Id>/hostedzone/{id}</Id><Name>{name}</Name><CallerReference>r</CallerReference>\
                         <Config><PrivateZone>{private}</PrivateZone></Config><ResourceRecordSetCount>2</ResourceRecordSetCount></HostedZone>"
                    )
                })
                .collect();
            let next = next
                .map(|(n, id)| format!("<NextDNSName>{n}</NextDNSName><NextHostedZoneId>{id}</NextHostedZoneId>"))
                .unwrap_or_default();
            return format!(
                r#"<?xml version="1.0"?><ListHostedZonesByNameResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><HostedZones>{items}</HostedZones><DNSName>{from}</DNSName><IsTruncated>{truncated}</IsTruncated>{next}<MaxItems>{limit}</MaxItems></ListHostedZonesByNameResponse>"#
            );
        }
        let zone = path.trim_start_matches("/2013-04-01/hostedzone/").trim_end_matches("/rrset");
        // Route 53 keeps `*` as `\052`: the start name is compared that way too.
        let start = q("name").map(|n| n.replace('*', "\\052")).unwrap_or_default();
        let start_type = q("type").unwrap_or_default();
        // StartRecordIdentifier: within the start name and type, from that SetIdentifier on.
        let start_id = q("identifier").unwrap_or_default();
        let id = |v: &str| if self.weighted { format!("set-{v}") } else { String::new() };
        let mut sets: Vec<_> = self
            .rrsets
            .iter()
            .filter(|(z, name, t, v)| {
                *z == zone && (key(name), t.to_string(), id(v)) >= (key(&start), start_type.clone(), start_id.clone())
            })
            .collect();
        sets.sort_by_key(|(_, name, t, v)| (key(name), t.to_string(), v.to_string()));
        let truncated = sets.len() > limit;
        let next = sets.get(limit).map(|(_, n, t, v)| (n.to_string(), t.to_string(), id(v)));
        sets.truncate(limit);
        let items: String = sets
            .iter()
            .map(|(_, name, t, v)| {
                let set = if self.weighted {
                    format!("<SetIdentifier>{}</SetIdentifier><Weight>1</Weight>", id(v))
                } else {
                    String::new()
                };
                format!(
                    "<ResourceRecordSet><Name>{name}</Name><Type>{t}</Type>{set}<TTL>60</TTL>\
                     <ResourceRecords><ResourceRecord><Value>{v}</Value></ResourceRecord></ResourceRecords></ResourceRecordSet>"
                )
            })
            .collect();
        let next = next
            .map(|(n, t, i)| {
                let i = if i.is_empty() { i } else { format!("<NextRecordIdentifier>{i}</NextRecordIdentifier>") };
                format!("<NextRecordName>{n}</NextRecordName><NextRecordType>{t}</NextRecordType>{i}")
            })
            .unwrap_or_default();
        format!(
            r#"<?xml version="1.0"?><ListResourceRecordSetsResponse xmlns="https://route53.amazonaws.com/doc/2013-04-01/"><ResourceRecordSets>{items}</ResourceRecordSets><IsTruncated>{truncated}</IsTruncated>{next}<MaxItems>{limit}</MaxItems></ListResourceRecordSetsResponse>"#
        )
    }
}

impl HttpConnector for FakeRoute53 {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let uri = request.uri().to_owned();
        let rest = uri.split("://").nth(1).and_then(|r| r.find('/').map(|i| r[i..].to_owned())).unwrap_or_default();
        let (path, query) = rest.split_once('?').unwrap_or((&rest, ""));
        let query: Vec<(String, String)> = query
            .split('&')
            .filter(|p| !p.is_empty())
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap_or((p, ""));
                (percent_decode(k), percent_decode(v))
            })
            .collect();
        let shown: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.requests.lock().unwrap().push(format!("{path}?{}", shown.join("&")));
        let body = self.answer(path, &query);
        HttpConnectorFuture::new(async move {
            let resp = http::Response::builder()
                .status(200)
                .header("content-type", "text/xml")
                .body(SdkBody::from(body))
                .expect("static response");
            Ok(Response::try_from(resp).expect("http 1 response"))
        })
    }
}

fn route53_facts(fake: &FakeRoute53) -> AwsFacts {
    let conn = fake.clone();
    let client: SharedHttpClient = http_client_fn(move |_, _| SharedHttpConnector::new(conn.clone()));
    let f = AwsFacts::new(suite(""));
    f.set_http_client(client);
    f
}

fn zone_ids(zones: &[HostedZoneFacts]) -> Vec<&str> {
    zones.iter().map(|z| z.id.as_str()).collect()
}

// AWS: Route 53 API Reference, "ListHostedZonesByName" — zones are listed by name with the labels reversed, from DNSName on: a parent domain's zone sorts before the host and is not in a listing from the host, so every parent name is looked up by itself (most specific first), which also finds zones on endpoints that match DNSName exactly (moto, LocalStack).
#[tokio::test]
async fn hosted_zones_walk_the_host_suffixes_in_aws_order_and_on_exact_name_emulators() {
    let zones = vec![
        ("ZAPEX", "example.com.", false),
        ("ZOTHER", "example.net.", false),
        ("ZSUB", "ws.example.com.", false),
        ("ZAPI", "api.example.com.", false),
        ("ZDEEP", "a.ws.example.com.", false),
    ];
    for exact in [false, true] {
        let fake = FakeRoute53 { exact, ..FakeRoute53::new(zones.clone()) };
        let f = route53_facts(&fake);
        let c = f.hosted_zones("WS.Example.com.").await.expect("zones");
        assert_eq!(zone_ids(&c.public), vec!["ZSUB", "ZAPEX"], "exact = {exact}");
        // Memoized: once per name per run, however many callers.
        f.hosted_zones("ws.example.com").await.expect("zones");
        assert_eq!(f.calls().get("route53.ListHostedZonesByName"), Some(&2), "exact = {exact}");
        let asked: Vec<String> = fake.requests.lock().unwrap().clone();
        assert_eq!(
            asked,
            vec![
                "/2013-04-01/hostedzonesbyname?dnsname=ws.example.com.",
                "/2013-04-01/hostedzonesbyname?dnsname=example.com."
            ]
        );
    }
    // A deeper host looks up each parent name, never the top-level domain.
    let fake = FakeRoute53::new(zones.clone());
    let c = route53_facts(&fake).hosted_zones("x.a.ws.example.com").await.expect("zones");
    assert_eq!(zone_ids(&c.public), vec!["ZDEEP", "ZSUB", "ZAPEX"]);
    assert_eq!(fake.requests.lock().unwrap().len(), 4);
}

// AWS: Route 53 API Reference, "ListHostedZonesByName" — up to 100 zones a response; IsTruncated with NextDNSName and NextHostedZoneId give the next group (same-named zones are ordered by id). Route 53 API Reference, "HostedZoneConfig" — PrivateZone: a private zone answers only inside its VPCs.
#[tokio::test]
async fn same_named_zones_are_paged_and_private_ones_set_aside() {
    let zones = vec![
        ("Z1", "example.com.", false),
        ("Z2", "example.com.", true),
        ("Z3", "example.com.", false),
        ("Z4", "example.com.", false),
        ("Z5", "example.com.", false),
        ("ZNEXT", "a.example.com.", false),
    ];
    let fake = FakeRoute53 { page: 2, ..FakeRoute53::new(zones) };
    let f = route53_facts(&fake);
    let c = f.hosted_zones("example.com").await.expect("zones");
    assert_eq!(zone_ids(&c.public), vec!["Z1", "Z3", "Z4", "Z5"]);
    assert_eq!(zone_ids(&c.private), vec!["Z2"]);
    assert!(c.truncated.is_empty());
    let asked = fake.requests.lock().unwrap().clone();
    assert_eq!(
        asked,
        vec![
            "/2013-04-01/hostedzonesbyname?dnsname=example.com.",
            "/2013-04-01/hostedzonesbyname?dnsname=example.com.&hostedzoneid=Z3",
            "/2013-04-01/hostedzonesbyname?dnsname=example.com.&hostedzoneid=Z5",
        ],
        "stops once a page reaches a zone past the name"
    );

    // Bounded: a name with more zones than the pages read is reported, not looped over.
    let many: Vec<(&'static str, &'static str, bool)> =
        (0..40).map(|i| (&*Box::leak(format!("Z{i:03}").into_boxed_str()), "example.org.", false)).collect();
    let fake = FakeRoute53 { page: 2, ..FakeRoute53::new(many) };
    let c = route53_facts(&fake).hosted_zones("example.org").await.expect("zones");
    assert_eq!(c.truncated, vec!["example.org".to_string()]);
    assert_eq!(c.public.len(), 2 * MAX_ZONE_PAGES);
}

// AWS: Route 53 API Reference, "ListResourceRecordSets" — record sets sorted by name (labels reversed) then type, from Name/Type on, paged with NextRecordName/NextRecordType; "ResourceRecordSet" (Name) — a wildcard *.example.com, which Route 53 lists as \052.example.com ("DNS domain name format").
#[tokio::test]
async fn records_are_paged_for_one_name_and_wildcards_read_back() {
    let mut fake = FakeRoute53::new(vec![("ZAPEX", "example.com.", false)]);
    fake.page = 2;
    fake.rrsets = vec![
        ("ZAPEX", "example.com.", "NS", "ns-1.awsdns-01.org."),
        ("ZAPEX", "\\052.example.com.", "CNAME", "d111111abcdef8.cloudfront.net"),
        ("ZAPEX", "ws.example.com.", "A", "203.0.113.1"),
        ("ZAPEX", "ws.example.com.", "AAAA", "2001:db8::1"),
        ("ZAPEX", "ws.example.com.", "TXT", "\"v=1\""),
        ("ZAPEX", "x.ws.example.com.", "A", "203.0.113.2"),
        ("ZAPEX", "zz.example.com.", "A", "203.0.113.3"),
    ];
    let f = route53_facts(&fake);
    let r = f.records("ZAPEX", "ws.example.com").await.expect("records");
    let types: Vec<&str> = r.iter().map(|r| r.record_type.as_str()).collect();
    assert_eq!(types, vec!["A", "AAAA", "TXT"], "every page of that name, nothing else");
    assert_eq!(f.calls().get("route53.ListResourceRecordSets"), Some(&2));
    let w = f.records("ZAPEX", "*.example.com").await.expect("wildcard");
    assert_eq!(w.len(), 1);
    assert_eq!((w[0].name.as_str(), w[0].values[0].as_str()), ("*.example.com", "d111111abcdef8.cloudfront.net"));
}

// AWS: Route 53 API Reference, "ListResourceRecordSets" — NextRecordIdentifier: for "Resource record sets that have a routing policy other than simple", when results were truncated for a given DNS name and type, "the value of SetIdentifier for the next resource record set that has the current DNS name and type" (StartRecordIdentifier continues from it).
#[tokio::test]
async fn a_weighted_set_is_paged_by_set_identifier() {
    let mut fake = FakeRoute53::new(vec![("ZAPEX", "example.com.", false)]);
    fake.page = 2;
    fake.weighted = true;
    fake.rrsets = ["203.0.113.1", "203.0.113.2", "203.0.113.3", "203.0.113.4", "203.0.113.5"]
        .iter()
        .map(|v| ("ZAPEX", "ws.example.com.", "A", *v))
        .collect();
    let f = route53_facts(&fake);
    let r = f.records("ZAPEX", "ws.example.com").await.expect("records");
    let ids: Vec<&str> = r.iter().filter_map(|r| r.set_identifier.as_deref()).collect();
    assert_eq!(ids, ["set-203.0.113.1", "set-203.0.113.2", "set-203.0.113.3", "set-203.0.113.4", "set-203.0.113.5"]);
    assert!(r.iter().all(|r| r.routing == RoutingPolicy::Weighted(1)));
    assert_eq!(f.calls().get("route53.ListResourceRecordSets"), Some(&3));
    let asked = fake.requests.lock().unwrap().clone();
    assert!(asked[1].contains("identifier=set-203.0.113.3"), "{asked:?}");
}

// Distribution discovery on the wire: a fake CloudFront that lists
// distributions a page at a time (Marker/NextMarker, as ListDistributions does).

#[derive(Debug, Clone)]
struct FakeCloudFront {
    /// (id, aliases), in listing order.
    distributions: Vec<(&'static str, Vec<&'static str>)>,
    page: usize,
    markers: Arc<std::sync::Mutex<Vec<String>>>,
}

impl FakeCloudFront {
    fn answer(&self, marker: &str) -> String {
        let from = match marker {
            "" => 0,
            m => self.distributions.iter().position(|(id, _)| *id == m).map_or(self.distributions.len(), |i| i + 1),
        };
        let page: Vec<_> = self.distributions.iter().skip(from).take(self.page).collect();
        let truncated = from + page.len() < self.distributions.len();
        let next = match (truncated, page.last()) {
            (true, Some((id, _))) => format!("<NextMarker>{id}</NextMarker>"),
            _ => String::new(),
        };
        let items: String = page
            .iter()
            .map(|(id, aliases)| {
                let cnames: String = aliases.iter().map(|a| format!("<CNAME>{a}</CNAME>")).collect();
                format!(
                    "<DistributionSummary><Id>{id}</Id><ARN>arn:aws:cloudfront::1:distribution/{id}</ARN><Status>Deployed</Status>\
                     <LastModifiedTime>2026-01-01T00:00:00Z</LastModifiedTime><DomainName>{id}.cloudfront.net</DomainName>\
                     <Aliases><Quantity>{}</Quantity><Items>{cnames}</Items></Aliases>\
                     <Comment></Comment><PriceClass>PriceClass_All</PriceClass><Enabled>true</Enabled><WebACLId></WebACLId>\
                     <HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled><Staging>false</Staging></DistributionSummary>",
                    aliases.len()
                )
            })
            .collect();
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?><DistributionList xmlns="http://cloudfront.amazonaws.com/doc/2020-05-31/"><Marker>{marker}</Marker>{next}<MaxItems>{}</MaxItems><IsTruncated>{truncated}</IsTruncated><Quantity>{}</Quantity><Items>{items}</Items></DistributionList>"#,
            self.page,
            page.len()
        )
    }
}

impl HttpConnector for FakeCloudFront {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let uri = request.uri().to_owned();
        let query = uri.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
        let marker = query.split('&').find_map(|p| p.strip_prefix("Marker=")).map(percent_decode).unwrap_or_default();
        self.markers.lock().unwrap().push(marker.clone());
        let body = self.answer(&marker);
        HttpConnectorFuture::new(async move {
            let resp = http::Response::builder()
                .status(200)
                .header("content-type", "text/xml")
                .body(SdkBody::from(body))
                .expect("static response");
            Ok(Response::try_from(resp).expect("http 1 response"))
        })
    }
}

async fn discover(
    host: &str,
    distributions: Vec<(&'static str, Vec<&'static str>)>,
    page: usize,
) -> (Res<Option<String>>, Vec<String>) {
    let fake = FakeCloudFront { distributions, page, markers: Arc::default() };
    let conn = fake.clone();
    let client: SharedHttpClient = http_client_fn(move |_, _| SharedHttpConnector::new(conn.clone()));
    let text = format!(
        "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://{host}/Prod\"\n[cloudfront]\ndistribution_id = \"discover\"\n[aws]\nendpoint_url = \"http://127.0.0.1:9\"\n"
    );
    let mut s = Suite::parse("t.toml", &text, &|_| None).expect("test suite");
    s.aws.credentials =
        Some(StaticCredentials { access_key_id: "AKIATEST".into(), secret_access_key: "test/secret".into() });
    let f = AwsFacts::new(Arc::new(s));
    f.set_http_client(client);
    let id = f.distribution_id().await;
    let markers = fake.markers.lock().unwrap().clone();
    (id, markers)
}

// AWS: CloudFront Developer Guide, "Use custom URLs by adding alternate domain names (CNAMEs)" (Restrictions) — "If you have overlapping alternate domain names in two distributions, CloudFront sends the request to the distribution with the more specific name match, regardless of the distribution that the DNS record points to"; "Use wildcards in alternate domain names" — `*.example.com` stands for any name ending in example.com (marketing.product-name.example.com too). CloudFront API Reference, "DistributionList" — IsTruncated, and NextMarker "to continue listing your distributions where they left off".
#[tokio::test]
async fn discovery_prefers_the_exact_alias_on_any_page() {
    // The wildcard is listed first, the exact alias on the second page: the exact one serves ws.example.com.
    let dists = vec![
        ("EWILD", vec!["*.example.com"]),
        ("EOTHER", vec!["www.example.com"]),
        ("EEXACT", vec!["ws.example.com"]),
        ("ELATER", vec!["later.example.com"]),
    ];
    let (id, markers) = discover("ws.example.com", dists, 2).await;
    assert_eq!(id, Ok(Some("EEXACT".to_string())));
    assert_eq!(
        markers,
        vec!["".to_string(), "EOTHER".to_string()],
        "paged with NextMarker, stopped at the exact alias"
    );

    // Only wildcards: the most specific wins after every page is read, and a wildcard covers deeper names.
    let dists =
        vec![("ECOM", vec!["*.example.com"]), ("EX", vec!["other.example.org"]), ("EWS", vec!["*.ws.example.com"])];
    let (id, markers) = discover("a.ws.example.com", dists.clone(), 1).await;
    assert_eq!(id, Ok(Some("EWS".to_string())));
    assert_eq!(markers.len(), 3, "{markers:?}");
    let (id, _) = discover("ws.example.com", dists.clone(), 1).await;
    assert_eq!(id, Ok(Some("ECOM".to_string())), "*.ws.example.com does not cover ws.example.com itself");
    let (id, _) = discover("b.a.example.com", dists, 1).await;
    assert_eq!(id, Ok(Some("ECOM".to_string())), "CloudFront's *.example.com covers more than one label");

    // No alias covers the host: none, every page read.
    let (id, markers) =
        discover("ws.example.com", vec![("EX", vec!["other.example.org"]), ("EY", vec!["*.example.net"])], 1).await;
    assert_eq!(id, Ok(None));
    assert_eq!(markers.len(), 2);
}

// AWS: Route 53 API Reference, "ResourceRecordSet" — SetIdentifier "differentiates among multiple resource record sets that have the same combination of name and type"; beside it the routing policy is Weight, Region (latency), GeoLocation, GeoProximityLocation, CidrRoutingConfig (IP-based), MultiValueAnswer or Failover (PRIMARY / SECONDARY), with an optional HealthCheckId.
#[test]
fn record_sets_read_their_routing_policy() {
    use aws_sdk_route53::types::{
        AliasTarget, CidrRoutingConfig, GeoLocation, GeoProximityLocation, ResourceRecordSet,
        ResourceRecordSetFailover, ResourceRecordSetRegion, RrType,
    };
    let alias = AliasTarget::builder()
        .hosted_zone_id(CLOUDFRONT_HOSTED_ZONE_ID)
        .dns_name("d222222oldold9.cloudfront.net.")
        .evaluate_target_health(false)
        .build()
        .expect("alias target");
    let set = |id: Option<&str>| {
        ResourceRecordSet::builder()
            .name("ws.example.com.")
            .r#type(RrType::A)
            .set_set_identifier(id.map(Into::into))
            .alias_target(alias.clone())
    };
    let read = |b: aws_sdk_route53::types::builders::ResourceRecordSetBuilder| {
        convert::record(&b.build().expect("record set"))
    };
    let simple = read(set(None));
    assert_eq!(
        simple,
        AliasRecordFacts::alias("ws.example.com", "A", "d222222oldold9.cloudfront.net.", CLOUDFRONT_HOSTED_ZONE_ID)
    );
    let old = read(set(Some("old")).weight(0).health_check_id("hc-1"));
    assert_eq!((old.set_identifier.as_deref(), &old.routing), (Some("old"), &RoutingPolicy::Weighted(0)));
    assert_eq!(old.health_check_id.as_deref(), Some("hc-1"));
    let by_policy = read(set(None).traffic_policy_instance_id("tpi-1"));
    assert_eq!(by_policy.traffic_policy_instance_id.as_deref(), Some("tpi-1"));
    let cases = [
        (
            set(Some("tokyo")).region(ResourceRecordSetRegion::ApNortheast1),
            RoutingPolicy::Latency("ap-northeast-1".into()),
        ),
        (
            set(Some("backup")).failover(ResourceRecordSetFailover::Secondary),
            RoutingPolicy::Failover(Failover::Secondary),
        ),
        (
            set(Some("de")).geo_location(GeoLocation::builder().country_code("DE").build()),
            RoutingPolicy::Geolocation("country DE".into()),
        ),
        (
            set(Some("rest")).geo_location(GeoLocation::builder().country_code("*").build()),
            RoutingPolicy::Geolocation("* (default)".into()),
        ),
        (
            set(Some("near"))
                .geo_proximity_location(GeoProximityLocation::builder().aws_region("us-east-1").bias(10).build()),
            RoutingPolicy::Geoproximity("AWSRegion us-east-1, bias 10".into()),
        ),
        (
            set(Some("office")).cidr_routing_config(
                CidrRoutingConfig::builder().collection_id("c-1").location_name("office").build().expect("cidr"),
            ),
            RoutingPolicy::IpBased { collection_id: "c-1".into(), location_name: "office".into() },
        ),
        (set(Some("mv")).multi_value_answer(true), RoutingPolicy::MultiValue),
        (set(Some("odd")), RoutingPolicy::Unknown),
    ];
    for (b, want) in cases {
        assert_eq!(read(b).routing, want);
    }
}
