//! apigatewayv2 (REST-JSON, camelCase members): the read operations the
//! collectors use, answered from the deployment model.

use serde_json::{Value, json};

use super::wire::{Answer, AwsError, CREATED_RFC3339, Request};
use crate::model::{Api, ApiMapping, Authorizer, Deployment, DomainName, Integration, Stage, VpcLink};

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

pub fn route(d: &Deployment, req: &Request<'_>) -> Routed {
    if req.method != http::Method::GET {
        return None;
    }
    let path = req.path();
    let (op, result): (&'static str, Result<Value, AwsError>) = match path.as_slice() {
        ["v2", "apis"] => ("GetApis", Ok(json!({ "items": [api(&d.api, req.region)] }))),
        ["v2", "apis", id] => ("GetApi", find_api(d, id).map(|a| api(a, req.region))),
        ["v2", "apis", id, "stages"] => {
            ("GetStages", find_api(d, id).map(|a| json!({ "items": a.stages.iter().map(stage).collect::<Vec<_>>() })))
        }
        ["v2", "apis", id, "stages", name] => {
            ("GetStage", find_api(d, id).and_then(|a| find_stage(a, name)).map(stage))
        }
        ["v2", "apis", id, "routes"] => ("GetRoutes", find_api(d, id).map(routes)),
        ["v2", "apis", id, "integrations"] => {
            ("GetIntegrations", find_api(d, id).and_then(|a| paged(req, a.integrations.iter().map(integration))))
        }
        ["v2", "apis", id, "integrations", iid] => (
            "GetIntegration",
            find_api(d, id).and_then(|a| {
                a.integrations
                    .iter()
                    .find(|i| i.integration_id == *iid)
                    .map(integration)
                    .ok_or_else(|| not_found("Invalid Integration identifier specified".into()))
            }),
        ),
        ["v2", "apis", id, "authorizers"] => {
            ("GetAuthorizers", find_api(d, id).and_then(|a| paged(req, a.authorizers.iter().map(authorizer))))
        }
        ["v2", "apis", id, "authorizers", aid] => (
            "GetAuthorizer",
            find_api(d, id).and_then(|a| {
                a.authorizers
                    .iter()
                    .find(|x| x.authorizer_id == *aid)
                    .map(authorizer)
                    .ok_or_else(|| not_found("Invalid Authorizer identifier specified".into()))
            }),
        ),
        ["v2", "apis", id, "deployments"] => {
            ("GetDeployments", find_api(d, id).and_then(|a| paged(req, deployments(a))))
        }
        ["v2", "domainnames"] => {
            ("GetDomainNames", Ok(json!({ "items": d.domains.iter().map(domain).collect::<Vec<_>>() })))
        }
        ["v2", "domainnames", name] => ("GetDomainName", find_domain(d, name).map(domain)),
        ["v2", "domainnames", name, "apimappings"] => (
            "GetApiMappings",
            find_domain(d, name).map(|dom| {
                let items: Vec<Value> = d
                    .mappings
                    .iter()
                    .filter(|m| m.domain_name.eq_ignore_ascii_case(&dom.domain_name))
                    .map(mapping)
                    .collect();
                json!({ "items": items })
            }),
        ),
        _ => return None,
    };
    Some((op, result.map(Answer::json)))
}

fn not_found(message: String) -> AwsError {
    AwsError::new(404, "NotFoundException", message)
}

fn find_api<'a>(d: &'a Deployment, id: &str) -> Result<&'a Api, AwsError> {
    if d.api.id == id { Ok(&d.api) } else { Err(not_found("Invalid API identifier specified".into())) }
}

fn find_stage<'a>(a: &'a Api, name: &str) -> Result<&'a Stage, AwsError> {
    a.stages.iter().find(|s| s.stage_name == name).ok_or_else(|| not_found("Invalid stage identifier specified".into()))
}

fn find_domain<'a>(d: &'a Deployment, name: &str) -> Result<&'a DomainName, AwsError> {
    d.domains
        .iter()
        .find(|dom| dom.domain_name.eq_ignore_ascii_case(name))
        .ok_or_else(|| not_found("The domain name resource specified in the request was not found.".into()))
}

pub(super) fn api(a: &Api, region: &str) -> Value {
    json!({
        "apiId": a.id,
        "name": a.name,
        "protocolType": a.protocol_type,
        "routeSelectionExpression": a.route_selection_expression,
        "apiKeySelectionExpression": "$request.header.x-api-key",
        "apiEndpoint": format!("wss://{}.execute-api.{region}.amazonaws.com", a.id),
        "disableExecuteApiEndpoint": a.disable_execute_api_endpoint,
        "createdDate": CREATED_RFC3339,
        "ipAddressType": "ipv4",
        "tags": {},
    })
}

fn stage(s: &Stage) -> Value {
    let mut v = json!({
        "stageName": s.stage_name,
        "createdDate": CREATED_RFC3339,
        "lastUpdatedDate": CREATED_RFC3339,
        "defaultRouteSettings": {
            "dataTraceEnabled": false,
            "detailedMetricsEnabled": false,
            "throttlingBurstLimit": s.throttling_burst_limit,
            "throttlingRateLimit": s.throttling_rate_limit,
        },
        "routeSettings": {},
        "stageVariables": {},
        "tags": {},
    });
    // AWS omits the member for a stage that was never deployed.
    if let (Some(id), Some(obj)) = (&s.deployment_id, v.as_object_mut()) {
        obj.insert("deploymentId".into(), json!(id));
    }
    v
}

fn routes(a: &Api) -> Value {
    let items: Vec<Value> = a
        .routes
        .iter()
        .map(|r| {
            let mut v = json!({
                "routeId": r.route_id,
                "routeKey": r.route_key,
                "apiKeyRequired": false,
                "authorizationType": r.authorization_type,
            });
            if let (Some(t), Some(obj)) = (&r.target, v.as_object_mut()) {
                obj.insert("target".into(), json!(t));
            }
            if let (Some(a), Some(obj)) = (&r.authorizer_id, v.as_object_mut()) {
                obj.insert("authorizerId".into(), json!(a));
            }
            if let (Some(e), Some(obj)) = (&r.route_response_selection_expression, v.as_object_mut()) {
                obj.insert("routeResponseSelectionExpression".into(), json!(e));
            }
            v
        })
        .collect();
    json!({ "items": items })
}

/// A list page (`maxResults`, `nextToken`: the index of the next item), as
/// API Gateway v2 pages its Get* lists.
fn paged(req: &Request<'_>, items: impl Iterator<Item = Value>) -> Result<Value, AwsError> {
    let items: Vec<Value> = items.collect();
    let start = match req.query("nextToken") {
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|n| *n <= items.len())
            .ok_or_else(|| AwsError::new(400, "BadRequestException", "Invalid pagination token specified"))?,
        None => 0,
    };
    let max = req.query("maxResults").and_then(|m| m.parse::<usize>().ok()).filter(|m| *m > 0).unwrap_or(100);
    let end = (start + max).min(items.len());
    let mut page = json!({ "items": items[start..end] });
    if end < items.len()
        && let Some(obj) = page.as_object_mut()
    {
        obj.insert("nextToken".into(), json!(end.to_string()));
    }
    Ok(page)
}

// Source: API Gateway v2 API Reference, "Integrations" (GetIntegrations/GetIntegration:
// integrationId, integrationType, integrationUri, integrationMethod, connectionType,
// connectionId, requestParameters, timeoutInMillis, credentialsArn, …).
fn integration(i: &Integration) -> Value {
    let mut v = json!({
        "integrationId": i.integration_id,
        "integrationType": i.integration_type,
        "integrationMethod": i.integration_method,
        "connectionType": i.connection_type,
        "integrationUri": i.integration_uri,
        "timeoutInMillis": i.timeout_in_millis,
        "passthroughBehavior": "WHEN_NO_MATCH",
        "payloadFormatVersion": "1.0",
        "apiGatewayManaged": false,
    });
    if let Some(obj) = v.as_object_mut() {
        if let Some(c) = &i.connection_id {
            obj.insert("connectionId".into(), json!(c));
        }
        if let Some(c) = &i.credentials_arn {
            obj.insert("credentialsArn".into(), json!(c));
        }
        if !i.request_parameters.is_empty() {
            let map: serde_json::Map<String, Value> =
                i.request_parameters.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
            obj.insert("requestParameters".into(), Value::Object(map));
        }
    }
    v
}

// Source: API Gateway v2 API Reference, "Authorizers" (authorizerId, authorizerType REQUEST,
// authorizerUri, identitySource as a list of `route.request.…` expressions).
fn authorizer(a: &Authorizer) -> Value {
    let mut v = json!({
        "authorizerId": a.authorizer_id,
        "name": a.name,
        "authorizerType": a.authorizer_type,
        "authorizerUri": a.authorizer_uri,
        "identitySource": a.identity_source,
    });
    if let (Some(c), Some(obj)) = (&a.credentials_arn, v.as_object_mut()) {
        obj.insert("authorizerCredentialsArn".into(), json!(c));
    }
    v
}

fn deployments(a: &Api) -> impl Iterator<Item = Value> + '_ {
    a.deployments.iter().map(|d| {
        json!({
            "deploymentId": d.deployment_id,
            "deploymentStatus": "DEPLOYED",
            "autoDeployed": false,
            "description": d.description,
            "createdDate": CREATED_RFC3339,
        })
    })
}

/// API Gateway (v1) `GET /vpclinks/{id}`, signed for `apigateway` like v2.
// Source: API Gateway REST API Reference, "GetVpcLink"
// (https://docs.aws.amazon.com/apigateway/latest/api/API_GetVpcLink.html): 200 with
// `{id, name, description, targetArns, status, statusMessage, tags}`; NotFoundException (404).
pub fn route_v1(d: &Deployment, req: &Request<'_>) -> Routed {
    if req.method != http::Method::GET {
        return None;
    }
    match req.path().as_slice() {
        ["vpclinks", id] => Some((
            "GetVpcLink",
            d.vpc_links
                .iter()
                .find(|l| l.id == *id)
                .map(|l| Answer::json(vpc_link(l)))
                .ok_or_else(|| not_found("Invalid VPC link identifier specified".into())),
        )),
        _ => None,
    }
}

fn vpc_link(l: &VpcLink) -> Value {
    json!({
        "id": l.id,
        "name": l.name,
        "description": "",
        "targetArns": l.target_arns,
        "status": l.status,
        "statusMessage": l.status_message,
        "tags": {},
    })
}

fn domain(dom: &DomainName) -> Value {
    json!({
        "domainName": dom.domain_name,
        "domainNameArn": format!("arn:aws:apigateway:{}::/domainnames/{}", crate::model::REGION, dom.domain_name),
        "apiMappingSelectionExpression": "$request.basepath",
        "domainNameConfigurations": [{
            "apiGatewayDomainName": dom.api_gateway_domain_name,
            "hostedZoneId": dom.hosted_zone_id,
            "certificateArn": dom.certificate_arn,
            "domainNameStatus": dom.domain_name_status,
            "endpointType": dom.endpoint_type,
            "securityPolicy": dom.security_policy,
            "ipAddressType": "ipv4",
        }],
        "routingMode": "API_MAPPING_ONLY",
        "tags": {},
    })
}

fn mapping(m: &ApiMapping) -> Value {
    json!({
        "apiId": m.api_id,
        "apiMappingId": m.api_mapping_id,
        "apiMappingKey": m.api_mapping_key,
        "stage": m.stage,
    })
}
