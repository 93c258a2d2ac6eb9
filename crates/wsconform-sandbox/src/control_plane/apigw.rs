//! apigatewayv2 (REST-JSON, camelCase members): the read operations the
//! collectors use, answered from the deployment model.

use serde_json::{Value, json};

use super::wire::{Answer, AwsError, CREATED_RFC3339, Request};
use crate::model::{Api, ApiMapping, Deployment, DomainName, Stage};

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
        ["v2", "apis", id, "integrations"] => ("GetIntegrations", find_api(d, id).map(|a| integrations(a, req.region))),
        ["v2", "apis", id, "deployments"] => ("GetDeployments", find_api(d, id).map(deployments)),
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

fn api(a: &Api, region: &str) -> Value {
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
            if let (Some(e), Some(obj)) = (&r.route_response_selection_expression, v.as_object_mut()) {
                obj.insert("routeResponseSelectionExpression".into(), json!(e));
            }
            v
        })
        .collect();
    json!({ "items": items })
}

fn integrations(a: &Api, region: &str) -> Value {
    let mut ids: Vec<&str> =
        a.routes.iter().filter_map(|r| r.target.as_deref()?.strip_prefix("integrations/")).collect();
    ids.sort_unstable();
    ids.dedup();
    let account = crate::model::ACCOUNT_ID;
    let items: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "integrationId": id,
                "integrationType": "AWS_PROXY",
                "integrationMethod": "POST",
                "connectionType": "INTERNET",
                "integrationUri": format!(
                    "arn:aws:apigateway:{region}:lambda:path/2015-03-31/functions/arn:aws:lambda:{region}:{account}:function:chat-backend/invocations"
                ),
                "timeoutInMillis": 29000,
                "passthroughBehavior": "WHEN_NO_MATCH",
            })
        })
        .collect();
    json!({ "items": items })
}

fn deployments(a: &Api) -> Value {
    let mut ids: Vec<&str> = a.stages.iter().filter_map(|s| s.deployment_id.as_deref()).collect();
    ids.sort_unstable();
    ids.dedup();
    let items: Vec<Value> = ids
        .iter()
        .map(|id| {
            json!({
                "deploymentId": id,
                "deploymentStatus": "DEPLOYED",
                "autoDeployed": false,
                "createdDate": CREATED_RFC3339,
            })
        })
        .collect();
    json!({ "items": items })
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
