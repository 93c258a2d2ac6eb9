//! API Gateway v2 (the suite's region): API, stage, routes, deployments,
//! custom domains and their mappings.

use std::sync::Arc;

use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::client::is_not_found;
use super::{AwsFacts, MAX_PAGES, Res};
use crate::model::aws::*;

impl AwsFacts {
    pub(super) async fn apigw(&self) -> aws_sdk_apigatewayv2::Client {
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
}
