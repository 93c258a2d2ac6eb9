//! Plain facts about the control plane, converted from the SDK's types so
//! that rules can be tested with hand-built values. `None` means the endpoint
//! did not report the field: rules turn that into Error/Skip, never Pass.

/// Managed origin request policies (CloudFront developer guide).
pub const POLICY_ALL_VIEWER: &str = "216adef6-5c7f-47e4-b989-5492eafa07d3";
pub const POLICY_ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
pub const POLICY_ALL_VIEWER_AND_CLOUDFRONT_HEADERS: &str = "33f36d7e-f396-46d9-90e0-52428a34d9dc";
/// Managed cache policy CachingDisabled: no header in the cache key.
pub const CACHE_POLICY_CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// Managed cache policy CachingOptimized: no header in the cache key, minimum
/// TTL 1 s, default 86400 s ("Use managed cache policies").
pub const CACHE_POLICY_CACHING_OPTIMIZED: &str = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/// Managed cache policy Amplify: Authorization, CloudFront-Viewer-Country and
/// Host in the cache key (CloudFront Developer Guide, "Use managed cache policies").
pub const CACHE_POLICY_AMPLIFY: &str = "2e54312d-136d-493c-8eb9-b001f22f67d2";
/// Route 53's hosted zone id for every CloudFront alias target in the aws
/// partition (the judges read each partition's from `partition.rs`); the
/// tests' deployments use it.
#[cfg(test)]
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DistributionFacts {
    pub id: String,
    /// `dXXXX.cloudfront.net`.
    pub domain_name: String,
    /// `Deployed` or `InProgress`.
    pub status: String,
    pub enabled: bool,
    pub aliases: Vec<String>,
    pub acm_certificate_arn: Option<String>,
    /// `IAMCertificateId`: a certificate uploaded to IAM, as valid as ACM's for aliases.
    pub iam_certificate_id: Option<String>,
    pub cloudfront_default_certificate: bool,
    /// e.g. `TLSv1.2_2021`.
    pub minimum_protocol_version: Option<String>,
    /// `IsIPV6Enabled`: then Route 53 needs an AAAA alias too.
    pub ipv6_enabled: Option<bool>,
    pub origins: Vec<OriginFacts>,
    /// `DefaultRootObject`: what CloudFront requests from the origin when a
    /// viewer requests the root URL (`/`); `None` when empty or not reported.
    pub default_root_object: Option<String>,
    /// `Restrictions.GeoRestriction` when its RestrictionType is not `none`.
    pub geo_restriction: Option<GeoRestrictionFacts>,
    /// `ContinuousDeploymentPolicyId`: a share of requests goes to a staging distribution.
    pub continuous_deployment_policy_id: Option<String>,
    /// `Staging`: this is a staging distribution (viewers cannot reach it directly).
    pub staging: Option<bool>,
    /// `WebACLId`: a WAF web ACL whose rules are not read.
    pub web_acl_id: Option<String>,
    /// `AnycastIpListId`: static anycast IPs (evidence only).
    pub anycast_ip_list_id: Option<String>,
    /// `ConnectionMode`: `direct` or `tenant-only` (a multi-tenant distribution,
    /// whose domains and certificates belong to its distribution tenants).
    pub connection_mode: Option<String>,
    /// `ViewerMtlsConfig.Mode`: `required`, `optional` or `passthrough`.
    pub viewer_mtls_mode: Option<String>,
    /// `ConnectionFunctionAssociation.Id`: a Connection Function that allows or
    /// denies each mTLS connection (its code is not read).
    pub connection_function_id: Option<String>,
    /// Origin groups (failover): a behavior may target one by id.
    pub origin_groups: Vec<OriginGroupFacts>,
    /// Ordered: CloudFront picks the first whose PathPattern matches.
    pub behaviors: Vec<Behavior>,
    pub default_behavior: Behavior,
}

impl DistributionFacts {
    /// The origin a behavior's `TargetOriginId` names; an origin group
    /// resolves to its primary (first) member, which serves while it is healthy.
    pub fn origin(&self, id: &str) -> Option<&OriginFacts> {
        let id = self.origin_groups.iter().find(|g| g.id == id).and_then(|g| g.members.first()).map_or(id, |m| m);
        self.origins.iter().find(|o| o.id == id)
    }
}

/// `Restrictions.GeoRestriction`, as the distribution reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeoRestrictionFacts {
    /// `whitelist` or `blacklist`.
    pub restriction_type: String,
    /// ISO 3166-1 alpha-2 country codes.
    pub items: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginGroupFacts {
    pub id: String,
    /// Origin ids, primary first.
    pub members: Vec<String>,
    /// `FailoverCriteria.StatusCodes`: the primary's answers that send the
    /// request to the secondary.
    pub failover_status_codes: Vec<i32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct OriginFacts {
    pub id: String,
    pub domain_name: String,
    /// `""` or `/something`.
    pub origin_path: String,
    /// `None`: an S3 (or other non-custom) origin.
    pub custom: Option<CustomOriginFacts>,
    /// `VpcOriginConfig.VpcOriginId`: a VPC origin (ALB, NLB or EC2 in a VPC), not a custom origin.
    pub vpc_origin_id: Option<String>,
    /// `CustomHeaders` names (values are not kept: they are often secrets).
    pub custom_headers: Vec<String>,
    /// `OriginAccessControlId`: for S3, Lambda, MediaStore and MediaPackage origins.
    pub origin_access_control_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CustomOriginFacts {
    /// `https-only`, `http-only` or `match-viewer`.
    pub protocol_policy: String,
    /// e.g. `["TLSv1.2"]`.
    pub ssl_protocols: Vec<String>,
    /// `HTTPSPort`; `None` when not reported.
    pub https_port: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Behavior {
    /// `None` for the default behavior.
    pub path_pattern: Option<String>,
    pub target_origin_id: String,
    pub cache_policy_id: Option<String>,
    pub origin_request_policy_id: Option<String>,
    /// Legacy `ForwardedValues`, when no cache policy is attached.
    pub legacy: Option<LegacyForwarding>,
    /// Functions on the request side (viewer-request, origin-request): CloudFront
    /// Functions and Lambda@Edge may rewrite the path or the Host, e.g.
    /// `viewer-request function arn:…`.
    pub request_functions: Vec<String>,
    /// `ViewerProtocolPolicy`: `allow-all`, `https-only` or `redirect-to-https`;
    /// `None` when the endpoint did not report it.
    pub viewer_protocol_policy: Option<String>,
    /// The signers that make CloudFront require signed URLs or signed cookies
    /// for every request the behavior matches: `TrustedKeyGroups …` and/or
    /// `TrustedSigners …`, when enabled. Empty: no signed access.
    pub trusted_signers: Vec<String>,
}

impl Behavior {
    /// `#2 \`Prod*\`` or `default`, as hints name behaviors.
    pub fn label(&self, index: Option<usize>) -> String {
        match (index, &self.path_pattern) {
            (Some(i), Some(p)) => format!("behavior #{i} `{p}`"),
            _ => "the default behavior".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct LegacyForwarding {
    /// `ForwardedValues.Headers`; `*` means all.
    pub headers: Vec<String>,
    /// `ForwardedValues.QueryString`.
    pub query_string: bool,
    /// `MinTTL`: above 0, responses stay cached at least that long.
    pub min_ttl: Option<i64>,
    pub default_ttl: Option<i64>,
    pub max_ttl: Option<i64>,
    /// `ForwardedValues.Cookies`: `Forward` none, all or whitelist (the names).
    pub cookies: NameSet,
}

/// A set of names (headers, query strings) an origin request policy forwards.
/// The default is `None`: CloudFront forwards nothing it is not told to.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum NameSet {
    #[default]
    None,
    All,
    Only(Vec<String>),
    AllExcept(Vec<String>),
}

impl NameSet {
    /// Every name either set includes.
    pub fn union(&self, other: &NameSet) -> NameSet {
        use NameSet::*;
        let lower = |v: &[String]| v.iter().map(|s| s.to_ascii_lowercase()).collect::<Vec<_>>();
        match (self, other) {
            (All, _) | (_, All) => All,
            (None, x) | (x, None) => x.clone(),
            (Only(a), Only(b)) => {
                let mut v = a.clone();
                v.extend(b.iter().filter(|n| !lower(a).contains(&n.to_ascii_lowercase())).cloned());
                Only(v)
            }
            (AllExcept(a), Only(b)) | (Only(b), AllExcept(a)) => {
                AllExcept(a.iter().filter(|n| !lower(b).contains(&n.to_ascii_lowercase())).cloned().collect())
            }
            (AllExcept(a), AllExcept(b)) => {
                AllExcept(a.iter().filter(|n| lower(b).contains(&n.to_ascii_lowercase())).cloned().collect())
            }
        }
    }

    /// The same set without `name` (header names, case-insensitive).
    pub fn without(&self, name: &str) -> NameSet {
        use NameSet::*;
        match self {
            None => None,
            All => AllExcept(vec![name.to_owned()]),
            Only(v) => Only(v.iter().filter(|n| !n.eq_ignore_ascii_case(name)).cloned().collect()),
            AllExcept(v) if v.iter().any(|n| n.eq_ignore_ascii_case(name)) => self.clone(),
            AllExcept(v) => AllExcept(v.iter().cloned().chain([name.to_owned()]).collect()),
        }
    }

    /// Whether `name` is forwarded; header names compare case-insensitively.
    pub fn includes(&self, name: &str, case_insensitive: bool) -> bool {
        let eq = |a: &String| if case_insensitive { a.eq_ignore_ascii_case(name) } else { a == name };
        match self {
            NameSet::None => false,
            NameSet::All => true,
            NameSet::Only(v) => v.iter().any(eq),
            NameSet::AllExcept(v) => !v.iter().any(eq),
        }
    }
}

/// What a behavior sends to its origin, whichever mechanism configures it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForwardingFacts {
    /// Where this came from, e.g. "managed policy AllViewer", "legacy ForwardedValues".
    pub source: String,
    pub headers: NameSet,
    pub query_strings: NameSet,
    /// `Some(false)`: responses may be cached; `None`: a custom cache policy we did not inspect.
    pub caching_disabled: Option<bool>,
    /// Why the cache policy's headers (which CloudFront also sends to the
    /// origin) could not be read; `None` when they are part of `headers`.
    pub cache_policy_unknown: Option<String>,
    /// The cookies CloudFront sends to the origin (the `Cookie` header is
    /// governed by the cookie settings, not by the headers); `None` when they
    /// depend on a cache policy's cookies, which are not read.
    pub cookies: Option<NameSet>,
}

impl ForwardingFacts {
    pub fn forwards_header(&self, name: &str) -> bool {
        self.headers.includes(name, true)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ApiFacts {
    pub api_id: String,
    pub name: Option<String>,
    pub protocol_type: Option<String>,
    pub route_selection_expression: Option<String>,
    pub disable_execute_api_endpoint: Option<bool>,
    /// `ApiKeySelectionExpression`: where a route with ApiKeyRequired reads the key,
    /// `$request.header.x-api-key` or `$context.authorizer.usageIdentifierKey`.
    pub api_key_selection_expression: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StageFacts {
    pub stage_name: String,
    pub deployment_id: Option<String>,
    /// `DefaultRouteSettings`; absent = the account's limits for the region.
    pub throttling_burst_limit: Option<i32>,
    pub throttling_rate_limit: Option<f64>,
    /// `RouteSettings` that set a limit, by route key: (burst, rate).
    pub route_throttling: Vec<(String, Option<i32>, Option<f64>)>,
    /// `AutoDeploy`: updates to the API trigger a new deployment; `None`: not reported.
    pub auto_deploy: Option<bool>,
    /// `LastDeploymentStatusMessage` (stages with AutoDeploy only); `None`: not reported.
    pub last_deployment_status_message: Option<String>,
    /// The names of its `StageVariables` (never their values), sorted.
    pub stage_variables: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteFacts {
    pub route_id: Option<String>,
    pub route_key: String,
    /// `integrations/{id}`; `None`: the route has no target.
    pub target: Option<String>,
    /// `NONE`, `AWS_IAM` or `CUSTOM` (only `$connect` may have one); `None`: not reported.
    pub authorization_type: Option<String>,
    /// `AuthorizerId` (a CUSTOM `$connect`'s Lambda authorizer); `None`: unset.
    pub authorizer_id: Option<String>,
    /// `ApiKeyRequired`; `None`: not reported.
    pub api_key_required: Option<bool>,
    /// `RequestParameters` (`route.request.header.{name}`, `route.request.querystring.{name}`)
    /// with their `Required` constraint, sorted by name.
    pub request_parameters: Vec<(String, bool)>,
    /// `RouteResponseSelectionExpression` (`$default` for two-way communication); `None`: unset.
    pub route_response_selection_expression: Option<String>,
}

impl RouteFacts {
    /// The integration id its Target names (`integrations/{id}`).
    pub fn integration_id(&self) -> Option<&str> {
        self.target.as_deref()?.strip_prefix("integrations/").filter(|id| !id.is_empty())
    }
}

/// GetIntegrations' item: what a route hands its messages to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IntegrationFacts {
    pub integration_id: String,
    /// `AWS`, `AWS_PROXY`, `HTTP`, `HTTP_PROXY` or `MOCK`; `None`: not reported.
    pub integration_type: Option<String>,
    /// A Lambda invocation URI (`arn:…:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations`),
    /// another AWS service action, or the HTTP endpoint's URL.
    pub integration_uri: Option<String>,
    pub integration_method: Option<String>,
    /// `INTERNET` or `VPC_LINK`; `None`: not reported (AWS's default is INTERNET).
    pub connection_type: Option<String>,
    /// `ConnectionId`: the VPC link's id when ConnectionType is VPC_LINK.
    pub connection_id: Option<String>,
    /// `CredentialsArn`: the role API Gateway assumes to call the integration.
    pub credentials_arn: Option<String>,
    /// `TimeoutInMillis`; `None`: not reported.
    pub timeout_in_millis: Option<i32>,
    /// `RequestParameters`: destination (`integration.request.header.{name}`) → source, sorted.
    pub request_parameters: Vec<(String, String)>,
}

/// GetAuthorizer: a `$connect` Lambda authorizer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthorizerFacts {
    pub authorizer_id: String,
    pub name: Option<String>,
    /// `REQUEST` (Lambda) or `JWT` (HTTP APIs only); `None`: not reported.
    pub authorizer_type: Option<String>,
    /// The Lambda invocation URI.
    pub authorizer_uri: Option<String>,
    /// `IdentitySource`: `route.request.header.{name}`, `route.request.querystring.{name}`,
    /// `stageVariables.{name}`, `context.{name}`.
    pub identity_source: Vec<String>,
    /// `AuthorizerCredentialsArn`: the role API Gateway assumes to invoke the authorizer.
    pub authorizer_credentials_arn: Option<String>,
}

/// GetFunctionConfiguration: the Lambda function an integration or authorizer invokes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FunctionFacts {
    pub function_name: String,
    pub function_arn: String,
    /// The execution role.
    pub role: Option<String>,
    /// `Pending`, `Active`, `Inactive` or `Failed`; `None`: not reported.
    pub state: Option<String>,
}

/// A resource-based policy (Lambda GetPolicy), parsed from its JSON document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResourcePolicy {
    pub statements: Vec<PolicyStatement>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyStatement {
    pub sid: Option<String>,
    /// `Allow` or `Deny`.
    pub effect: String,
    /// `Service` principals and `AWS` principals as written (`*` for everyone).
    pub principals: Vec<Principal>,
    /// `Action` values (`lambda:InvokeFunction`, `lambda:*`, `*`); `NotAction` is kept apart.
    pub actions: Vec<String>,
    pub not_actions: Vec<String>,
    pub resources: Vec<String>,
    /// `Condition`: (operator, key, values), e.g. (`ArnLike`, `AWS:SourceArn`, […]).
    pub conditions: Vec<(String, String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// `"Principal": "*"` or `{"AWS": "*"}`.
    Anyone,
    Service(String),
    /// An account, role or user ARN.
    Aws(String),
    /// Federated or CanonicalUser: never API Gateway.
    Other(String),
}

/// A REST API VPC link (API Gateway v1 GetVpcLink), the kind WebSocket private integrations use.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VpcLinkFacts {
    pub id: String,
    /// `AVAILABLE`, `PENDING`, `DELETING` or `FAILED`; `None`: not reported.
    pub status: Option<String>,
    pub status_message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DomainFacts {
    pub domain_name: String,
    /// `ApiGatewayDomainName`: the regional target `d-….execute-api.{region}.amazonaws.com`.
    pub api_gateway_domain_name: Option<String>,
    pub hosted_zone_id: Option<String>,
    pub certificate_arn: Option<String>,
    /// `AVAILABLE`, `UPDATING`, `PENDING_CERTIFICATE_REIMPORT`, `PENDING_OWNERSHIP_VERIFICATION`.
    pub status: Option<String>,
    /// `REGIONAL` or `EDGE`.
    pub endpoint_type: Option<String>,
    /// `TLS_1_2` (the only one WebSocket APIs support), `TLS_1_0`, or an
    /// enhanced `SecurityPolicy_…` (REST APIs).
    pub security_policy: Option<String>,
    /// GetDomainName's `RoutingMode`: `API_MAPPING_ONLY` (the default),
    /// `ROUTING_RULE_THEN_API_MAPPING` or `ROUTING_RULE_ONLY`; `None`: not reported.
    pub routing_mode: Option<String>,
    /// `MutualTlsAuthentication`; `None`: mutual TLS is off.
    pub mutual_tls: Option<MutualTlsFacts>,
    /// `DomainNameConfiguration.IpAddressType`: `ipv4` or `dualstack`; `None`: not reported.
    pub ip_address_type: Option<String>,
}

/// A custom domain's mutual TLS configuration (GetDomainName `MutualTlsAuthentication`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MutualTlsFacts {
    pub truststore_uri: Option<String>,
    pub truststore_version: Option<String>,
    /// `TruststoreWarnings`: certificates of the truststore API Gateway found invalid.
    pub truststore_warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MappingFacts {
    pub api_mapping_id: Option<String>,
    /// `""` for the empty key.
    pub api_mapping_key: String,
    pub api_id: Option<String>,
    pub stage: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedZoneFacts {
    /// Without the `/hostedzone/` prefix.
    pub id: String,
    /// With the trailing dot, as Route 53 returns it.
    pub name: String,
    /// `Config.PrivateZone`: answers only inside its VPCs, never public clients.
    pub private: bool,
}

/// The hosted zones whose name is the host or one of its parent domains.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ZoneCandidates {
    /// Public zones, most specific name first; several may share a name.
    pub public: Vec<HostedZoneFacts>,
    /// Private zones of those names, skipped.
    pub private: Vec<HostedZoneFacts>,
    /// Names with more zones than the listing bound read.
    pub truncated: Vec<String>,
}

/// The target the host's records must name, part by part: each part is
/// known, or `Err(why)` it is not (an endpoint that does not report it), so
/// a record is judged on the part there is — a missing record, or a record
/// naming another host, is wrong whatever the unknown part would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpectedAlias {
    /// `AliasTarget.DNSName`: the distribution's domain, or the custom domain's regional target.
    pub name: Result<String, String>,
    /// `AliasTarget.HostedZoneId` that goes with it.
    pub zone: Result<String, String>,
}

impl ExpectedAlias {
    pub fn known(name: &str, zone: &str) -> Self {
        ExpectedAlias { name: Ok(name.into()), zone: Ok(zone.into()) }
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AliasRecordFacts {
    /// Normalized (no trailing dot, lowercase); a wildcard reads `*.example.com`.
    pub name: String,
    /// `A`, `AAAA`, `CNAME`, …
    pub record_type: String,
    /// `None`: not an alias record.
    pub alias_dns_name: Option<String>,
    pub alias_hosted_zone_id: Option<String>,
    /// Values of a non-alias record.
    pub values: Vec<String>,
    /// `SetIdentifier`: set on every record of a name and type whose routing
    /// policy is not simple; `None` for a simple record.
    pub set_identifier: Option<String>,
    /// How Route 53 chooses this record among those of its name and type.
    pub routing: RoutingPolicy,
    /// `HealthCheckId`.
    pub health_check_id: Option<String>,
    /// `TrafficPolicyInstanceId`: Route 53 created the record for this traffic policy instance.
    pub traffic_policy_instance_id: Option<String>,
}

impl AliasRecordFacts {
    /// A simple alias record `name` `record_type` → `dns_name` in `hosted_zone_id`.
    pub fn alias(name: &str, record_type: &str, dns_name: &str, hosted_zone_id: &str) -> Self {
        AliasRecordFacts {
            name: name.into(),
            record_type: record_type.into(),
            alias_dns_name: Some(dns_name.into()),
            alias_hosted_zone_id: Some(hosted_zone_id.into()),
            ..Self::default()
        }
    }

    /// A simple non-alias record with these values.
    pub fn plain(name: &str, record_type: &str, values: &[&str]) -> Self {
        AliasRecordFacts {
            name: name.into(),
            record_type: record_type.into(),
            values: values.iter().map(|v| v.to_string()).collect(),
            ..Self::default()
        }
    }

    /// The same record as a member of a routing-policy record set.
    pub fn routed(self, set_identifier: &str, routing: RoutingPolicy) -> Self {
        AliasRecordFacts { set_identifier: Some(set_identifier.into()), routing, ..self }
    }
}

/// The routing policy of a record (Route 53 API Reference, "ResourceRecordSet"):
/// which field beside `SetIdentifier` the record set carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum RoutingPolicy {
    /// No `SetIdentifier`: the only record of its name and type.
    #[default]
    Simple,
    /// `Weight` (0–255).
    Weighted(i64),
    /// Latency: the record's `Region`.
    Latency(String),
    /// `GeoLocation`, in words (`continent EU`, `country DE`, `country US, subdivision WA`, `* (default)`).
    Geolocation(String),
    /// `GeoProximityLocation`, in words (`AWSRegion us-east-1`, `bias 10`).
    Geoproximity(String),
    /// IP-based: `CidrRoutingConfig` (`LocationName` `*` is the collection's default).
    IpBased { collection_id: String, location_name: String },
    /// `MultiValueAnswer` true.
    MultiValue,
    /// `Failover`.
    Failover(Failover),
    /// A `SetIdentifier` beside no routing field known here.
    Unknown,
}

/// `Failover`: `PRIMARY` or `SECONDARY`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failover {
    Primary,
    Secondary,
}

impl RoutingPolicy {
    /// The policy's name, as the Route 53 console calls it.
    pub fn name(&self) -> &'static str {
        match self {
            RoutingPolicy::Simple => "simple",
            RoutingPolicy::Weighted(_) => "weighted",
            RoutingPolicy::Latency(_) => "latency",
            RoutingPolicy::Geolocation(_) => "geolocation",
            RoutingPolicy::Geoproximity(_) => "geoproximity",
            RoutingPolicy::IpBased { .. } => "IP-based",
            RoutingPolicy::MultiValue => "multivalue answer",
            RoutingPolicy::Failover(_) => "failover",
            RoutingPolicy::Unknown => "unknown",
        }
    }
}

/// Which queries Route 53 can answer with one record of a record set (the
/// records of one name and type).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Traffic {
    /// A simple record: every query.
    All,
    /// Weighted: `weight` of the set's `total`; with every weight 0, one in
    /// `records` (equal probability).
    Share { weight: i64, total: i64, records: usize },
    /// Weight 0 while another weighted record of the set has a non-zero
    /// weight: considered only when every non-zero one is unhealthy.
    Standby,
    /// Some clients, chosen by location, latency or health, in words.
    Some(String),
    /// A routing policy not known here: whether clients get it cannot be told.
    Unknown,
}

impl Traffic {
    /// Whether the record answers queries while the set's other records are healthy.
    pub fn serves(&self) -> bool {
        !matches!(self, Traffic::Standby)
    }
}

impl std::fmt::Display for Traffic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Traffic::All => f.write_str("every query"),
            Traffic::Share { weight: 0, total: 0, records } => {
                write!(f, "Weight 0 like every record of the set: 1 in {records} queries")
            }
            Traffic::Share { weight, total, .. } => {
                let percent = *weight as f64 * 100.0 / (*total).max(1) as f64;
                if (weight * 100) % (*total).max(1) == 0 {
                    write!(f, "Weight {weight} of {total}: {percent:.0}% of queries")
                } else {
                    write!(f, "Weight {weight} of {total}: {percent:.1}% of queries")
                }
            }
            Traffic::Standby => {
                f.write_str("Weight 0: no queries while a record of the set with a non-zero Weight is healthy")
            }
            Traffic::Some(who) => f.write_str(who),
            Traffic::Unknown => f.write_str("a routing policy not known here"),
        }
    }
}

/// The traffic each record of one record set (same name and type) can get,
/// in the set's order. Weighted records share the set's total weight; weight
/// 0 takes no traffic while another weighted record has a non-zero weight,
/// and with every weight 0 all take traffic with equal probability.
pub fn traffic(set: &[&AliasRecordFacts]) -> Vec<Traffic> {
    let weights: Vec<i64> = set
        .iter()
        .filter_map(|r| match r.routing {
            RoutingPolicy::Weighted(w) => Some(w.max(0)),
            _ => None,
        })
        .collect();
    let total: i64 = weights.iter().sum();
    set.iter()
        .map(|r| match &r.routing {
            RoutingPolicy::Simple => Traffic::All,
            RoutingPolicy::Weighted(w) if total > 0 && *w <= 0 => Traffic::Standby,
            RoutingPolicy::Weighted(w) => Traffic::Share { weight: (*w).max(0), total, records: weights.len() },
            RoutingPolicy::Latency(region) => {
                Traffic::Some(format!("clients for whom Region {region} has the lowest latency"))
            }
            RoutingPolicy::Geolocation(l) if l.starts_with('*') => {
                Traffic::Some("clients from locations no other geolocation record covers (the default)".into())
            }
            RoutingPolicy::Geolocation(l) => Traffic::Some(format!("clients located in {l}")),
            RoutingPolicy::Geoproximity(l) => Traffic::Some(format!("clients nearest to {l}")),
            RoutingPolicy::IpBased { collection_id, location_name } if location_name == "*" => Traffic::Some(format!(
                "clients whose addresses are in no other CIDR location of collection {collection_id} (the default)"
            )),
            RoutingPolicy::IpBased { collection_id, location_name } => Traffic::Some(format!(
                "clients whose addresses are in CIDR location {location_name} of collection {collection_id}"
            )),
            RoutingPolicy::MultiValue => {
                Traffic::Some("clients it is among the up to eight healthy records answered to".into())
            }
            RoutingPolicy::Failover(Failover::Primary) => {
                Traffic::Some("failover PRIMARY: every query while it is healthy".into())
            }
            RoutingPolicy::Failover(Failover::Secondary) => {
                Traffic::Some("failover SECONDARY: every query while the PRIMARY is unhealthy".into())
            }
            RoutingPolicy::Unknown => Traffic::Unknown,
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateFacts {
    pub arn: String,
    pub domain_name: Option<String>,
    pub subject_alternative_names: Vec<String>,
    /// `ISSUED`, `EXPIRED`, `PENDING_VALIDATION`, …
    pub status: Option<String>,
    /// Seconds since the Unix epoch.
    pub not_after: Option<i64>,
    /// `Type`: `AMAZON_ISSUED`, `IMPORTED` or `PRIVATE`.
    pub cert_type: Option<String>,
    /// `KeyAlgorithm`, e.g. `RSA_2048`, `EC_prime256v1`.
    pub key_algorithm: Option<String>,
    /// `Options.CertificateTransparencyLoggingPreference`: `ENABLED` or `DISABLED`.
    pub transparency_logging: Option<String>,
    /// `RenewalSummary.RenewalStatus` (AMAZON_ISSUED only) and its `RenewalStatusReason`.
    pub renewal_status: Option<String>,
    pub renewal_status_reason: Option<String>,
    /// `ExtendedKeyUsages[].Name`, e.g. `TLS_WEB_SERVER_AUTHENTICATION`.
    pub extended_key_usages: Vec<String>,
    /// `InUseBy`: the ARNs of the resources that use the certificate.
    pub in_use_by: Vec<String>,
    /// `CertificateAuthorityArn`: the AWS Private CA that issued a PRIVATE certificate.
    pub certificate_authority_arn: Option<String>,
    /// `RenewalEligibility`: `ELIGIBLE` or `INELIGIBLE` for ACM's managed renewal.
    pub renewal_eligibility: Option<String>,
    /// How ACM validates the domains (and so renews): `Options.ValidationMethod`, else the
    /// `DomainValidationOptions[].ValidationMethod` (`DNS`, `EMAIL`, `HTTP`); `None`: not reported.
    pub validation_method: Option<String>,
}

/// Lower-case, without a trailing dot: how host names are compared.
pub fn normalize_host(h: &str) -> String {
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// Whether a certificate/alias name (`*.example.com` covers one label) covers `host`.
pub fn name_covers(pattern: &str, host: &str) -> bool {
    let (p, h) = (normalize_host(pattern), normalize_host(host));
    match p.strip_prefix("*.") {
        Some(suffix) => h.split_once('.').is_some_and(|(label, rest)| !label.is_empty() && rest == suffix),
        None => p == h,
    }
}

/// How specifically a CloudFront alternate domain name (`alias`) names
/// `host`: `Some(usize::MAX)` exact, `Some(n)` a wildcard whose suffix has `n`
/// labels. CloudFront's `*.example.com` stands for any name ending in
/// `.example.com`, however many labels precede it — unlike a certificate's
/// wildcard ([`name_covers`]), which stands for one label.
pub fn alias_specificity(alias: &str, host: &str) -> Option<usize> {
    let (alias, host) = (normalize_host(alias), normalize_host(host));
    if alias == host {
        return Some(usize::MAX);
    }
    let suffix = alias.strip_prefix("*.")?;
    host.strip_suffix(suffix)
        .is_some_and(|label| label.len() > 1 && label.ends_with('.'))
        .then(|| suffix.split('.').count())
}

/// Whether the CloudFront alternate domain name `alias` serves `host`.
pub fn alias_covers(alias: &str, host: &str) -> bool {
    alias_specificity(alias, host).is_some()
}

/// A WebSocket selection expression as API Gateway evaluates it: literal
/// text and `$variables`. Two spellings that differ only in the braces that
/// delimit a variable (`$request.body.action`, `${request.body.action}`) or
/// in an escaped `\$` select the same key, so they compare equal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectionExpression(Vec<SelectionPart>);

/// One piece of a [`SelectionExpression`]: text kept as is, or a variable
/// (`request.body.action`, without `$` and braces) evaluated per request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SelectionPart {
    Literal(String),
    Variable(String),
}

impl SelectionExpression {
    pub fn parts(&self) -> &[SelectionPart] {
        &self.0
    }

    pub fn parse(text: &str) -> Self {
        let mut parts = Vec::new();
        let mut literal = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                // `\$` is a literal dollar sign.
                '\\' if chars.peek() == Some(&'$') => literal.push(chars.next().unwrap_or('$')),
                '$' => {
                    let mut name = String::new();
                    if chars.peek() == Some(&'{') {
                        chars.next();
                        for c in chars.by_ref() {
                            if c == '}' {
                                break;
                            }
                            name.push(c);
                        }
                    } else {
                        // Unbraced, a variable runs to the next space, `$`, brace or escape.
                        while let Some(&c) = chars.peek() {
                            if c.is_whitespace() || matches!(c, '$' | '{' | '}' | '\\') {
                                break;
                            }
                            name.push(c);
                            chars.next();
                        }
                    }
                    if !literal.is_empty() {
                        parts.push(SelectionPart::Literal(std::mem::take(&mut literal)));
                    }
                    parts.push(SelectionPart::Variable(name));
                }
                c => literal.push(c),
            }
        }
        if !literal.is_empty() {
            parts.push(SelectionPart::Literal(literal));
        }
        SelectionExpression(parts)
    }
}

/// The origin request policy a managed id stands for, without any call.
pub fn managed_origin_request_policy(id: &str) -> Option<(&'static str, NameSet)> {
    match id {
        POLICY_ALL_VIEWER => Some(("managed policy AllViewer", NameSet::All)),
        POLICY_ALL_VIEWER_EXCEPT_HOST => {
            Some(("managed policy AllViewerExceptHostHeader", NameSet::AllExcept(vec!["Host".into()])))
        }
        POLICY_ALL_VIEWER_AND_CLOUDFRONT_HEADERS => {
            Some(("managed policy AllViewerAndCloudFrontHeaders-2022-06", NameSet::All))
        }
        _ => None,
    }
}

/// A custom origin request policy's forwarding, as GetOriginRequestPolicy describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OriginRequestPolicyFacts {
    pub id: String,
    pub name: String,
    pub headers: NameSet,
    pub query_strings: NameSet,
    /// `CookiesConfig`.
    pub cookies: NameSet,
}

/// Maps CloudFront's `HeaderBehavior`/`QueryStringBehavior` strings to a set.
pub fn name_set(behavior: &str, names: Vec<String>) -> NameSet {
    match behavior {
        "none" => NameSet::None,
        "whitelist" => NameSet::Only(names),
        "allViewer" | "allViewerAndWhitelistCloudFront" | "all" => NameSet::All,
        "allExcept" => NameSet::AllExcept(names),
        _ => NameSet::None,
    }
}

/// A cache policy's cache key headers, as GetCachePolicy describes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachePolicyFacts {
    pub id: String,
    pub name: String,
    pub headers: NameSet,
    /// Whether responses may be cached (`MaxTTL` above 0); `None`: not reported.
    pub caches: Option<bool>,
}

/// The cache policies whose headers are known without a call.
pub fn managed_cache_policy(id: &str) -> Option<CachePolicyFacts> {
    let (name, headers, caches) = match id {
        CACHE_POLICY_CACHING_DISABLED => ("CachingDisabled", NameSet::None, false),
        CACHE_POLICY_CACHING_OPTIMIZED => ("CachingOptimized", NameSet::None, true),
        CACHE_POLICY_AMPLIFY => (
            "Amplify",
            NameSet::Only(vec!["Authorization".into(), "CloudFront-Viewer-Country".into(), "Host".into()]),
            true,
        ),
        _ => return None,
    };
    Some(CachePolicyFacts { id: id.to_owned(), name: name.to_owned(), headers, caches: Some(caches) })
}

/// What `behavior` sends to its origin: the origin request policy's headers
/// (`Authorization` only when the policy forwards all viewer headers: a list
/// cannot name it, CloudFront refuses it there) plus the cache
/// policy's, which CloudFront includes in origin requests too. `cache` is
/// `Err(reason)` when the behavior's cache policy could not be read.
pub fn forwarding_of(
    behavior: &Behavior,
    custom: Option<&OriginRequestPolicyFacts>,
    cache: Result<Option<&CachePolicyFacts>, &str>,
) -> ForwardingFacts {
    let caching_disabled = match (&behavior.cache_policy_id, &behavior.legacy, cache) {
        (Some(_), _, Ok(Some(c))) => c.caches.map(|caches| !caches),
        (Some(id), _, _) if id == CACHE_POLICY_CACHING_DISABLED => Some(true),
        (Some(_), _, _) => None,
        // Legacy TTLs: a MinTTL above 0 caches whatever the other two say.
        (None, Some(l), _) if l.min_ttl.is_some_and(|t| t > 0) => Some(false),
        (None, Some(l), _) => Some(l.default_ttl == Some(0) && l.max_ttl == Some(0)),
        (None, None, _) => None,
    };
    let (cache_headers, cache_policy_unknown, cache_source) = match cache {
        Ok(Some(c)) if c.headers != NameSet::None => {
            (c.headers.clone(), None, Some(format!("cache policy {}", c.name)))
        }
        Ok(_) => (NameSet::None, None, None),
        Err(why) => (NameSet::None, Some(why.to_owned()), None),
    };
    // Cookies listed in a cache policy reach the origin too; the managed policies that
    // cache nothing by cookie are known, any other one leaves the cookies unknown.
    let cache_has_no_cookies = match &behavior.cache_policy_id {
        None => true,
        Some(id) => [CACHE_POLICY_CACHING_DISABLED, CACHE_POLICY_CACHING_OPTIMIZED].contains(&id.as_str()),
    };
    let cookies_with_cache = |policy: NameSet| match policy {
        NameSet::All => Some(NameSet::All),
        p if cache_has_no_cookies => Some(p),
        _ => None,
    };
    let with_cache = |source: String, headers: NameSet, query_strings: NameSet, cookies: NameSet| ForwardingFacts {
        source: match &cache_source {
            Some(c) => format!("{source} + {c}"),
            None => source,
        },
        headers: match &headers {
            NameSet::Only(_) => headers.without("Authorization"),
            _ => headers.clone(),
        }
        .union(&cache_headers),
        query_strings,
        caching_disabled,
        cache_policy_unknown: cache_policy_unknown.clone(),
        cookies: cookies_with_cache(cookies),
    };
    if let Some(id) = &behavior.origin_request_policy_id {
        if let Some((name, headers)) = managed_origin_request_policy(id) {
            // "Cookies included in origin requests: All" (Use managed origin request policies).
            return with_cache(name.into(), headers, NameSet::All, NameSet::All);
        }
        if let Some(p) = custom {
            return with_cache(
                format!("origin request policy `{}` ({})", p.name, p.id),
                p.headers.clone(),
                p.query_strings.clone(),
                p.cookies.clone(),
            );
        }
    }
    if let Some(l) = &behavior.legacy {
        // Legacy ForwardedValues are the cache key and the origin request at once: Authorization included.
        let headers = if l.headers.iter().any(|h| h == "*") {
            NameSet::All
        } else if l.headers.is_empty() {
            NameSet::None
        } else {
            NameSet::Only(l.headers.clone())
        };
        let query_strings = if l.query_string { NameSet::All } else { NameSet::None };
        return ForwardingFacts {
            source: "legacy ForwardedValues".into(),
            headers,
            query_strings,
            caching_disabled,
            cache_policy_unknown: None,
            cookies: Some(l.cookies.clone()),
        };
    }
    with_cache("no origin request policy".into(), NameSet::None, NameSet::None, NameSet::None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_names_cover_one_label() {
        assert!(name_covers("*.example.com", "ws.example.com"));
        assert!(name_covers("WS.example.com.", "ws.example.com"));
        assert!(!name_covers("*.example.com", "a.b.example.com"));
        assert!(!name_covers("*.example.com", "example.com"));
        assert!(!name_covers("other.example.com", "ws.example.com"));
    }

    #[test]
    fn alias_wildcards_cover_any_depth_but_not_the_apex() {
        assert_eq!(alias_specificity("ws.eu.example.com", "WS.eu.example.com."), Some(usize::MAX));
        assert_eq!(alias_specificity("*.example.com", "ws.eu.example.com"), Some(2));
        assert_eq!(alias_specificity("*.eu.example.com", "ws.eu.example.com"), Some(3));
        assert!(alias_covers("*.example.com", "ws.example.com"));
        assert!(!alias_covers("*.example.com", "example.com"));
        assert!(!alias_covers("*.example.com", "ws.example.org"));
        assert!(!alias_covers("*.example.com", "wsexample.com"));
        assert!(!alias_covers("ws.example.com", "ws.eu.example.com"));
    }

    #[test]
    fn selection_expressions_compare_by_meaning() {
        let same = |a: &str, b: &str| SelectionExpression::parse(a) == SelectionExpression::parse(b);
        assert!(same("$request.body.action", "${request.body.action}"));
        assert!(same("${request.body.version}-beta", "${request.body.version}-beta"));
        assert!(same("\\$default", "\\$default"));
        assert!(!same("\\$default", "$default"));
        assert!(!same("$request.body.action", "$request.body.type"));
        // Unbraced, `-beta` belongs to the variable's name.
        assert!(!same("${request.body.version}-beta", "$request.body.version-beta"));
        assert!(same("$request.header.x-api-key", "${request.header.x-api-key}"));
        assert!(!same("$request.body.action", "request.body.action"));
    }

    #[test]
    fn forwarding_from_managed_custom_and_legacy() {
        let mut b =
            Behavior { origin_request_policy_id: Some(POLICY_ALL_VIEWER_EXCEPT_HOST.into()), ..Behavior::default() };
        let f = forwarding_of(&b, None, Ok(None));
        assert!(f.forwards_header("sec-websocket-key") && !f.forwards_header("host"));
        b.origin_request_policy_id = Some("custom".into());
        let p = OriginRequestPolicyFacts {
            id: "custom".into(),
            name: "ws".into(),
            headers: name_set("whitelist", vec!["X-Room".into()]),
            query_strings: name_set("all", vec![]),
            cookies: NameSet::None,
        };
        let f = forwarding_of(&b, Some(&p), Ok(None));
        assert!(f.forwards_header("x-room") && !f.forwards_header("Sec-WebSocket-Key"));
        b.origin_request_policy_id = None;
        b.legacy = Some(LegacyForwarding {
            headers: vec!["*".into()],
            query_string: false,
            default_ttl: Some(0),
            max_ttl: Some(0),
            ..LegacyForwarding::default()
        });
        let f = forwarding_of(&b, None, Ok(None));
        assert!(f.forwards_header("Host") && f.caching_disabled == Some(true) && !f.query_strings.includes("a", false));
        assert!(f.forwards_header("Authorization"), "legacy ForwardedValues `*` forwards Authorization too");
    }

    // AWS: CloudFront API Reference, "CachePolicyHeadersConfig" — the cache key headers are "included
    // in the cache key and in requests that CloudFront sends to the origin"; "Even when this field is
    // set to none, any headers that are listed in an OriginRequestPolicy are included".
    // AWS: CloudFront Developer Guide, "Use managed cache policies", Amplify — Authorization,
    // CloudFront-Viewer-Country and Host in the cache key.
    // AWS: CloudFront Developer Guide, "Add custom headers to origin requests" (Configure CloudFront to forward the Authorization header) — CloudFront removes Authorization by default; it reaches the origin from the cache key, or from "an origin request policy that forwards all viewer headers … when you forward all viewer headers CloudFront includes the Authorization header" (Managed-AllViewer); "You cannot forward the Authorization header individually in an origin request policy" (Knowledge Center, "cloudfront-authorization-header": CloudFront answers 400). The Knowledge Center names AllViewerExceptHostHeader beside AllViewer.
    #[test]
    fn cache_policy_headers_reach_the_origin_and_authorization_only_through_them() {
        let b = Behavior {
            origin_request_policy_id: Some(POLICY_ALL_VIEWER_EXCEPT_HOST.into()),
            cache_policy_id: Some(CACHE_POLICY_AMPLIFY.into()),
            ..Behavior::default()
        };
        let amplify = managed_cache_policy(CACHE_POLICY_AMPLIFY).unwrap();
        let f = forwarding_of(&b, None, Ok(Some(&amplify)));
        assert!(f.forwards_header("Host"), "Host comes from the cache key even with AllViewerExceptHostHeader");
        assert!(f.forwards_header("Authorization") && f.forwards_header("Sec-WebSocket-Key"));
        assert!(f.source.contains("cache policy Amplify"), "{}", f.source);

        let b = Behavior { origin_request_policy_id: Some(POLICY_ALL_VIEWER.into()), ..Behavior::default() };
        let f = forwarding_of(&b, None, Ok(None));
        assert!(f.forwards_header("Host") && f.forwards_header("Authorization"), "all viewer headers carry it");
        let b =
            Behavior { origin_request_policy_id: Some(POLICY_ALL_VIEWER_EXCEPT_HOST.into()), ..Behavior::default() };
        let f = forwarding_of(&b, None, Ok(None));
        assert!(!f.forwards_header("Host") && f.forwards_header("Authorization"));
        // A list cannot carry it, whatever it names.
        let listed = OriginRequestPolicyFacts {
            id: "custom".into(),
            name: "ws".into(),
            headers: NameSet::Only(vec!["Authorization".into(), "Sec-WebSocket-Key".into()]),
            query_strings: NameSet::All,
            cookies: NameSet::None,
        };
        let b = Behavior { origin_request_policy_id: Some("custom".into()), ..Behavior::default() };
        let f = forwarding_of(&b, Some(&listed), Ok(None));
        assert!(!f.forwards_header("Authorization") && f.forwards_header("Sec-WebSocket-Key"));

        let f = forwarding_of(&b, None, Err("GetCachePolicy failed: AccessDenied"));
        assert_eq!(f.cache_policy_unknown.as_deref(), Some("GetCachePolicy failed: AccessDenied"));
    }

    // AWS: CloudFront Developer Guide, "Use managed cache policies" — CachingOptimized: minimum TTL
    // 1 s, default 86400 s (responses are cached); CachingDisabled: all TTLs 0.
    #[test]
    fn caching_follows_the_cache_policy_ttls() {
        let with = |id: &str| Behavior { cache_policy_id: Some(id.into()), ..Behavior::default() };
        let optimized = managed_cache_policy(CACHE_POLICY_CACHING_OPTIMIZED).unwrap();
        let f = forwarding_of(&with(CACHE_POLICY_CACHING_OPTIMIZED), None, Ok(Some(&optimized)));
        assert_eq!(f.caching_disabled, Some(false));
        let disabled = managed_cache_policy(CACHE_POLICY_CACHING_DISABLED).unwrap();
        assert_eq!(
            forwarding_of(&with(CACHE_POLICY_CACHING_DISABLED), None, Ok(Some(&disabled))).caching_disabled,
            Some(true)
        );
        // A custom policy that could not be read: unknown, never a pass.
        assert_eq!(forwarding_of(&with("custom"), None, Err("denied")).caching_disabled, None);
    }

    #[test]
    fn name_set_union_and_without() {
        use NameSet::*;
        let only = |v: &[&str]| Only(v.iter().map(|s| s.to_string()).collect());
        let except = |v: &[&str]| AllExcept(v.iter().map(|s| s.to_string()).collect());
        assert_eq!(only(&["a"]).union(&only(&["A", "b"])), only(&["a", "b"]));
        assert_eq!(except(&["host"]).union(&only(&["Host"])), except(&[]));
        assert_eq!(except(&["a", "b"]).union(&except(&["b"])), except(&["b"]));
        assert_eq!(None.union(&only(&["x"])), only(&["x"]));
        assert_eq!(All.without("Authorization"), except(&["Authorization"]));
        assert_eq!(only(&["authorization", "x"]).without("Authorization"), only(&["x"]));
    }

    #[test]
    fn an_origin_group_resolves_to_its_primary_member() {
        let origin = |id: &str| OriginFacts {
            id: id.into(),
            domain_name: format!("{id}.example"),
            origin_path: String::new(),
            custom: None,
            vpc_origin_id: None,
            custom_headers: vec![],
            origin_access_control_id: None,
        };
        let d = DistributionFacts {
            id: "E1".into(),
            domain_name: "d1.cloudfront.net".into(),
            status: "Deployed".into(),
            enabled: true,
            origins: vec![origin("primary"), origin("secondary")],
            origin_groups: vec![OriginGroupFacts {
                id: "group".into(),
                members: vec!["primary".into(), "secondary".into()],
                failover_status_codes: vec![],
            }],
            ..DistributionFacts::default()
        };
        assert_eq!(d.origin("group").map(|o| o.id.as_str()), Some("primary"));
        assert_eq!(d.origin("secondary").map(|o| o.id.as_str()), Some("secondary"));
        assert_eq!(d.origin("nope"), Option::None);
    }

    // AWS: Route 53 API Reference, "ResourceRecordSet" (Weight) — Route 53 "calculates the sum of the weights for the resource record sets that have the same combination of DNS name and type" and "responds to queries based on the ratio of a resource's weight to the total"; "if you set Weight to 0 for all resource record sets that have the same combination of DNS name and type, traffic is routed to all resources with equal probability". Route 53 Developer Guide, "Weighted routing" — "If you want to stop sending traffic to a resource, you can change the weight for that record to 0"; with health checks "Route 53 initially considers only the nonzero weighted records, if any" and the zero-weighted ones only when all records with a weight above 0 are unhealthy.
    #[test]
    fn weighted_records_share_the_sets_total_and_weight_0_stands_by() {
        let a = |id: &str, w: i64| {
            AliasRecordFacts::alias("ws.example.com", "A", "d1.cloudfront.net", "Z2FDTNDATAQYW2")
                .routed(id, RoutingPolicy::Weighted(w))
        };
        let (old, new, canary) = (a("old", 0), a("new", 255), a("canary", 1));
        assert_eq!(
            traffic(&[&old, &new, &canary]),
            vec![
                Traffic::Standby,
                Traffic::Share { weight: 255, total: 256, records: 3 },
                Traffic::Share { weight: 1, total: 256, records: 3 }
            ]
        );
        assert_eq!(traffic(&[&new, &canary])[1].to_string(), "Weight 1 of 256: 0.4% of queries");
        assert_eq!(traffic(&[&old, &a("new", 100)])[1].to_string(), "Weight 100 of 100: 100% of queries");
        assert!(!Traffic::Standby.serves());
        // Every weight 0: every record takes traffic, equally.
        let all_zero = traffic(&[&old, &a("new", 0)]);
        assert_eq!(all_zero, vec![Traffic::Share { weight: 0, total: 0, records: 2 }; 2]);
        assert_eq!(all_zero[0].to_string(), "Weight 0 like every record of the set: 1 in 2 queries");
        assert!(all_zero.iter().all(Traffic::serves));
        // A simple record takes every query; other policies serve some clients.
        let simple = AliasRecordFacts::alias("ws.example.com", "A", "d1.cloudfront.net", "Z2FDTNDATAQYW2");
        assert_eq!(traffic(&[&simple]), vec![Traffic::All]);
        let secondary = simple.clone().routed("backup", RoutingPolicy::Failover(Failover::Secondary));
        assert!(matches!(&traffic(&[&secondary])[0], Traffic::Some(s) if s.contains("PRIMARY is unhealthy")));
    }
}

/// What a message selects under a route selection expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The route with this key (or `$default`).
    Route(String),
    /// The expression evaluates to this key, no route has it and there is no `$default`.
    Unmatched(String),
    /// The expression is not one this evaluates ([`SelectionExpression`]).
    NotEvaluated,
}

/// The route API Gateway selects for `message` (`{{nonce}}` placeholders allowed) under
/// the route selection expression `rse`: the route whose key equals the evaluated value, else
/// `$default`. Only `$request.body.…` variables, braced or not, and static text are evaluated.
pub fn select_route(rse: &str, message: &str, routes: &[RouteFacts]) -> Selection {
    let has = |k: &str| routes.iter().any(|r| r.route_key == k);
    let fallback =
        |key: String| if has("$default") { Selection::Route("$default".into()) } else { Selection::Unmatched(key) };
    // Non-JSON messages go to `$default`.
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&message.replace("{{nonce}}", "nonce")) else {
        return fallback("(a message that is not JSON)".into());
    };
    let lookup = |path: &str| -> Option<String> {
        let mut v = &body;
        for part in path.split('.') {
            match v.get(part) {
                Some(next) => v = next,
                // A JSONPath that is not found resolves as "".
                None => return Some(String::new()),
            }
        }
        match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            serde_json::Value::Bool(b) => Some(b.to_string()),
            serde_json::Value::Null => Some(String::new()),
            // How arrays and objects are stringified is not exact enough to compare.
            _ => None,
        }
    };
    let mut key = String::new();
    for part in SelectionExpression::parse(rse).parts() {
        let value = match part {
            SelectionPart::Literal(text) => Some(text.clone()),
            SelectionPart::Variable(v) => v.strip_prefix("request.body.").and_then(lookup),
        };
        match value {
            Some(v) => key.push_str(&v),
            None => return Selection::NotEvaluated,
        }
    }
    if has(&key) { Selection::Route(key) } else { fallback(key) }
}

/// The route key [`select_route`] selects, when it selects one.
pub fn selected_route(rse: &str, message: &str, routes: &[RouteFacts]) -> Option<String> {
    match select_route(rse, message, routes) {
        Selection::Route(key) => Some(key),
        _ => None,
    }
}
