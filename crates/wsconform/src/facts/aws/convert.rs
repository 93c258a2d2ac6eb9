//! SDK types → plain facts ([`crate::model::aws`]).

// ForwardedValues and the TTLs are deprecated by AWS but still configured on
// older distributions: judging them is the point.
#![allow(deprecated)]

use super::source::DistributionSummary;
use crate::model::aws::*;
use aws_sdk_apigatewayv2::operation as apigw;
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
        name: record_name(r.name()),
        record_type: r.r#type().as_str().to_owned(),
        alias_dns_name: r.alias_target().map(|a| a.dns_name().to_owned()),
        alias_hosted_zone_id: r.alias_target().map(|a| a.hosted_zone_id().to_owned()),
        values: r.resource_records().iter().map(|v| v.value().to_owned()).collect(),
        set_identifier: r.set_identifier().map(Into::into),
        routing: routing_policy(r),
        health_check_id: r.health_check_id().map(Into::into),
        traffic_policy_instance_id: r.traffic_policy_instance_id().filter(|t| !t.is_empty()).map(Into::into),
    }
}

/// The field beside `SetIdentifier` that names the record's routing policy.
fn routing_policy(r: &r53::ResourceRecordSet) -> RoutingPolicy {
    if r.set_identifier().is_none() {
        return RoutingPolicy::Simple;
    }
    if let Some(w) = r.weight() {
        return RoutingPolicy::Weighted(w);
    }
    if let Some(region) = r.region() {
        return RoutingPolicy::Latency(region.as_str().to_owned());
    }
    if let Some(f) = r.failover() {
        return match f {
            r53::ResourceRecordSetFailover::Primary => RoutingPolicy::Failover(Failover::Primary),
            r53::ResourceRecordSetFailover::Secondary => RoutingPolicy::Failover(Failover::Secondary),
            _ => RoutingPolicy::Unknown,
        };
    }
    if let Some(g) = r.geo_location() {
        let parts: Vec<String> = [
            g.continent_code().map(|c| format!("continent {c}")),
            g.country_code().map(|c| if c == "*" { "* (default)".to_owned() } else { format!("country {c}") }),
            g.subdivision_code().map(|c| format!("subdivision {c}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        return RoutingPolicy::Geolocation(parts.join(", "));
    }
    if let Some(g) = r.geo_proximity_location() {
        let parts: Vec<String> = [
            g.aws_region().map(|v| format!("AWSRegion {v}")),
            g.local_zone_group().map(|v| format!("LocalZoneGroup {v}")),
            g.coordinates().map(|c| format!("Coordinates {}, {}", c.latitude(), c.longitude())),
            g.bias().map(|b| format!("bias {b}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        return RoutingPolicy::Geoproximity(parts.join(", "));
    }
    if let Some(c) = r.cidr_routing_config() {
        return RoutingPolicy::IpBased {
            collection_id: c.collection_id().to_owned(),
            location_name: c.location_name().to_owned(),
        };
    }
    if r.multi_value_answer() == Some(true) {
        return RoutingPolicy::MultiValue;
    }
    RoutingPolicy::Unknown
}

/// A record name as Route 53 lists it (`\052` for a leading `*`), normalized.
pub fn record_name(name: &str) -> String {
    let n = normalize_host(name);
    match n.strip_prefix("\\052") {
        Some(rest) => format!("*{rest}"),
        None => n,
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
        origins: config.and_then(|c| c.origins()).map(|o| o.items().iter().map(origin).collect()).unwrap_or_default(),
        default_root_object: config.and_then(|c| c.default_root_object()).filter(|s| !s.is_empty()).map(Into::into),
        geo_restriction: config
            .and_then(|c| c.restrictions())
            .and_then(|r| r.geo_restriction())
            .filter(|g| !matches!(g.restriction_type().as_str(), "none" | ""))
            .map(|g| GeoRestrictionFacts {
                restriction_type: g.restriction_type().as_str().to_owned(),
                items: g.items().to_vec(),
            }),
        continuous_deployment_policy_id: config
            .and_then(|c| c.continuous_deployment_policy_id())
            .filter(|s| !s.is_empty())
            .map(Into::into),
        staging: config.and_then(|c| c.staging()),
        web_acl_id: config.and_then(|c| c.web_acl_id()).filter(|s| !s.is_empty()).map(Into::into),
        anycast_ip_list_id: config.and_then(|c| c.anycast_ip_list_id()).filter(|s| !s.is_empty()).map(Into::into),
        connection_mode: config.and_then(|c| c.connection_mode()).map(|m| m.as_str().to_owned()),
        viewer_mtls_mode: config.and_then(|c| c.viewer_mtls_config()).map(|m| m.mode().as_str().to_owned()),
        connection_function_id: config
            .and_then(|c| c.connection_function_association())
            .map(|a| a.id().to_owned())
            .filter(|s| !s.is_empty()),
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
                        failover_status_codes: g
                            .failover_criteria()
                            .and_then(|c| c.status_codes())
                            .map(|c| c.items().to_vec())
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
                        legacy: b.forwarded_values().map(|f| legacy(f, [b.min_ttl(), b.default_ttl(), b.max_ttl()])),
                        request_functions: request_functions(
                            b.function_associations(),
                            b.lambda_function_associations(),
                        ),
                        viewer_protocol_policy: Some(b.viewer_protocol_policy().as_str())
                            .filter(|s| !s.is_empty())
                            .map(Into::into),
                        trusted_signers: trusted_signers(b.trusted_key_groups(), b.trusted_signers()),
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
                legacy: b.forwarded_values().map(|f| legacy(f, [b.min_ttl(), b.default_ttl(), b.max_ttl()])),
                request_functions: request_functions(b.function_associations(), b.lambda_function_associations()),
                viewer_protocol_policy: Some(b.viewer_protocol_policy().as_str())
                    .filter(|s| !s.is_empty())
                    .map(Into::into),
                trusted_signers: trusted_signers(b.trusted_key_groups(), b.trusted_signers()),
            })
            .unwrap_or_default(),
    }
}

/// The behavior's signers: with any, CloudFront requires signed URLs or cookies
/// ("As soon as you add the signer to your distribution, CloudFront starts to
/// require that viewers use signed URLs or signed cookies").
fn trusted_signers(groups: Option<&cf::TrustedKeyGroups>, signers: Option<&cf::TrustedSigners>) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(g) = groups.filter(|g| g.enabled() || !g.items().is_empty()) {
        out.push(format!("TrustedKeyGroups {}", list_or_enabled(g.items())));
    }
    if let Some(s) = signers.filter(|s| s.enabled() || !s.items().is_empty()) {
        out.push(format!("TrustedSigners {}", list_or_enabled(s.items())));
    }
    out
}

fn list_or_enabled(items: &[String]) -> String {
    if items.is_empty() { "(enabled)".into() } else { items.join(", ") }
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
        .map(|h| name_set(h.header_behavior().as_str(), h.headers().map(|n| n.items().to_vec()).unwrap_or_default()))
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
            https_port: Some(c.https_port()),
        }),
        vpc_origin_id: o.vpc_origin_config().map(|v| v.vpc_origin_id().to_owned()),
        custom_headers: o
            .custom_headers()
            .map(|h| h.items().iter().map(|h| h.header_name().to_owned()).collect())
            .unwrap_or_default(),
        origin_access_control_id: o.origin_access_control_id().filter(|s| !s.is_empty()).map(Into::into),
    }
}

/// `[min_ttl, default_ttl, max_ttl]`: the behavior's legacy TTLs.
fn legacy(f: &cf::ForwardedValues, [min_ttl, default_ttl, max_ttl]: [Option<i64>; 3]) -> LegacyForwarding {
    LegacyForwarding {
        headers: f.headers().map(|h| h.items().to_vec()).unwrap_or_default(),
        query_string: f.query_string(),
        min_ttl,
        default_ttl,
        max_ttl,
        cookies: f
            .cookies()
            .map(|c| {
                name_set(c.forward().as_str(), c.whitelisted_names().map(|n| n.items().to_vec()).unwrap_or_default())
            })
            .unwrap_or_default(),
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
        cookies: c
            .cookies_config()
            .map(|k| {
                name_set(k.cookie_behavior().as_str(), k.cookies().map(|n| n.items().to_vec()).unwrap_or_default())
            })
            .unwrap_or(NameSet::None),
    }
}

pub fn api(api_id: &str, o: &apigw::get_api::GetApiOutput) -> ApiFacts {
    ApiFacts {
        api_id: o.api_id().unwrap_or(api_id).to_owned(),
        name: o.name().map(Into::into),
        protocol_type: o.protocol_type().map(|p| p.as_str().to_owned()),
        route_selection_expression: o.route_selection_expression().map(Into::into),
        disable_execute_api_endpoint: o.disable_execute_api_endpoint(),
        api_key_selection_expression: o.api_key_selection_expression().filter(|s| !s.is_empty()).map(Into::into),
    }
}

pub fn stage(stage: &str, o: &apigw::get_stage::GetStageOutput) -> StageFacts {
    StageFacts {
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
        auto_deploy: o.auto_deploy(),
        last_deployment_status_message: o.last_deployment_status_message().filter(|m| !m.is_empty()).map(Into::into),
        stage_variables: {
            let mut names: Vec<String> = o.stage_variables().into_iter().flatten().map(|(k, _)| k.clone()).collect();
            names.sort();
            names
        },
    }
}

pub fn route(r: &aws_sdk_apigatewayv2::types::Route) -> RouteFacts {
    RouteFacts {
        route_id: r.route_id().map(Into::into),
        route_key: r.route_key().unwrap_or_default().to_owned(),
        target: r.target().map(Into::into),
        authorization_type: r.authorization_type().map(|a| a.as_str().to_owned()),
        authorizer_id: r.authorizer_id().filter(|s| !s.is_empty()).map(Into::into),
        api_key_required: r.api_key_required(),
        request_parameters: {
            let mut v: Vec<(String, bool)> = r
                .request_parameters()
                .into_iter()
                .flatten()
                .map(|(k, c)| (k.clone(), c.required().unwrap_or(false)))
                .collect();
            v.sort();
            v
        },
        // Emulators send an empty string for a field AWS omits.
        route_response_selection_expression: r
            .route_response_selection_expression()
            .filter(|s| !s.is_empty())
            .map(Into::into),
    }
}

pub fn integration(i: &aws_sdk_apigatewayv2::types::Integration) -> IntegrationFacts {
    let mut request_parameters: Vec<(String, String)> =
        i.request_parameters().into_iter().flatten().map(|(k, v)| (k.clone(), v.clone())).collect();
    request_parameters.sort();
    IntegrationFacts {
        integration_id: i.integration_id().unwrap_or_default().to_owned(),
        integration_type: i.integration_type().map(|t| t.as_str().to_owned()),
        integration_uri: i.integration_uri().filter(|u| !u.is_empty()).map(Into::into),
        integration_method: i.integration_method().map(Into::into),
        connection_type: i.connection_type().map(|t| t.as_str().to_owned()),
        connection_id: i.connection_id().filter(|c| !c.is_empty()).map(Into::into),
        credentials_arn: i.credentials_arn().filter(|c| !c.is_empty()).map(Into::into),
        timeout_in_millis: i.timeout_in_millis(),
        request_parameters,
    }
}

pub fn authorizer(id: &str, a: &apigw::get_authorizer::GetAuthorizerOutput) -> AuthorizerFacts {
    AuthorizerFacts {
        authorizer_id: a.authorizer_id().unwrap_or(id).to_owned(),
        name: a.name().map(Into::into),
        authorizer_type: a.authorizer_type().map(|t| t.as_str().to_owned()),
        authorizer_uri: a.authorizer_uri().filter(|u| !u.is_empty()).map(Into::into),
        identity_source: a.identity_source().to_vec(),
        authorizer_credentials_arn: a.authorizer_credentials_arn().filter(|c| !c.is_empty()).map(Into::into),
    }
}

pub fn domain(name: &str, o: &apigw::get_domain_name::GetDomainNameOutput) -> DomainFacts {
    let c = o.domain_name_configurations().first();
    DomainFacts {
        domain_name: o.domain_name().unwrap_or(name).to_owned(),
        api_gateway_domain_name: c.and_then(|c| c.api_gateway_domain_name()).map(Into::into),
        hosted_zone_id: c.and_then(|c| c.hosted_zone_id()).map(Into::into),
        certificate_arn: c.and_then(|c| c.certificate_arn()).map(Into::into),
        status: c.and_then(|c| c.domain_name_status()).map(|s| s.as_str().to_owned()),
        endpoint_type: c.and_then(|c| c.endpoint_type()).map(|s| s.as_str().to_owned()),
        security_policy: c.and_then(|c| c.security_policy()).map(|s| s.as_str().to_owned()),
        routing_mode: o.routing_mode().map(|m| m.as_str().to_owned()),
        mutual_tls: o.mutual_tls_authentication().filter(|m| m.truststore_uri().is_some_and(|u| !u.is_empty())).map(
            |m| MutualTlsFacts {
                truststore_uri: m.truststore_uri().map(Into::into),
                truststore_version: m.truststore_version().filter(|s| !s.is_empty()).map(Into::into),
                truststore_warnings: m.truststore_warnings().to_vec(),
            },
        ),
        ip_address_type: c.and_then(|c| c.ip_address_type()).map(|t| t.as_str().to_owned()),
    }
}

pub fn mapping(m: &aws_sdk_apigatewayv2::types::ApiMapping) -> MappingFacts {
    MappingFacts {
        api_mapping_id: m.api_mapping_id().map(Into::into),
        api_mapping_key: m.api_mapping_key().unwrap_or_default().to_owned(),
        api_id: m.api_id().map(Into::into),
        stage: m.stage().map(Into::into),
    }
}

pub fn certificate(arn: &str, c: &aws_sdk_acm::types::CertificateDetail) -> CertificateFacts {
    CertificateFacts {
        arn: arn.to_owned(),
        domain_name: c.domain_name().map(Into::into),
        subject_alternative_names: c.subject_alternative_names().to_vec(),
        status: c.status().map(|s| s.as_str().to_owned()),
        not_after: c.not_after().map(|t| t.secs()),
        cert_type: c.r#type().map(|t| t.as_str().to_owned()),
        key_algorithm: c.key_algorithm().map(|k| k.as_str().to_owned()),
        transparency_logging: c
            .options()
            .and_then(|o| o.certificate_transparency_logging_preference())
            .map(|p| p.as_str().to_owned()),
        renewal_status: c.renewal_summary().map(|r| r.renewal_status().as_str().to_owned()),
        renewal_status_reason: c
            .renewal_summary()
            .and_then(|r| r.renewal_status_reason())
            .map(|r| r.as_str().to_owned()),
        extended_key_usages: c
            .extended_key_usages()
            .iter()
            .filter_map(|e| e.name().map(|n| n.as_str().to_owned()))
            .collect(),
        in_use_by: c.in_use_by().to_vec(),
        certificate_authority_arn: c.certificate_authority_arn().filter(|a| !a.is_empty()).map(Into::into),
        renewal_eligibility: c.renewal_eligibility().map(|e| e.as_str().to_owned()),
        validation_method: c.options().and_then(|o| o.validation_method()).map(|m| m.as_str().to_owned()).or_else(
            || {
                // One method per domain; EMAIL on any of them is what renewal waits for.
                let mut methods: Vec<&str> = c
                    .domain_validation_options()
                    .iter()
                    .filter_map(|d| d.validation_method().map(|m| m.as_str()))
                    .collect();
                methods.sort_by_key(|m| (*m != "EMAIL", *m));
                methods.first().map(|m| (*m).to_owned())
            },
        ),
    }
}

pub fn distribution_summary(d: &cf::DistributionSummary) -> DistributionSummary {
    DistributionSummary { id: d.id().to_owned(), aliases: d.aliases().map(|a| a.items().to_vec()).unwrap_or_default() }
}
