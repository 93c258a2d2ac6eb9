//! The write calls a fix makes, for the fields the scenarios break: apigatewayv2 UpdateApi,
//! CreateStage, UpdateStage, CreateDeployment, UpdateIntegration, CreateApiMapping and
//! UpdateApiMapping, and Lambda AddPermission. Each changes the live deployment, so the next
//! request, on the control plane or the data plane, sees the change (a fix applied to the sandbox
//! with the aws CLI, then a run: scenario → fix → pass). Written from the API references' request
//! and response shapes, independently of what the checks want.

use serde_json::{Value, json};

use super::apigw;
use super::wire::{Answer, AwsError, Request};
use crate::model::{self, ApiDeployment, ApiMapping, Deployment, Live, Stage};

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

/// A write call of `service`, applied to `live`; `None`: not a write call emulated here.
pub fn route(live: &Live, service: &str, req: &Request<'_>) -> Routed {
    let body: Value = if req.body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(req.body) {
            Ok(v) => v,
            Err(e) => return Some(("", Err(bad_request(format!("the body is not JSON: {e}"))))),
        }
    };
    let method = req.method.clone();
    let path = req.path();
    let (op, result): (&'static str, Result<Value, AwsError>) = match (service, method, path.as_slice()) {
        ("apigatewayv2", http::Method::PATCH, ["v2", "apis", id]) => {
            ("UpdateApi", live.update(|d| update_api(d, id, &body).map(|api| apigw::api(api, req.region))))
        }
        ("apigatewayv2", http::Method::POST, ["v2", "apis", id, "stages"]) => {
            ("CreateStage", live.update(|d| create_stage(d, id, &body)))
        }
        ("apigatewayv2", http::Method::PATCH, ["v2", "apis", id, "stages", name]) => {
            ("UpdateStage", live.update(|d| update_stage(d, id, name, &body)))
        }
        ("apigatewayv2", http::Method::POST, ["v2", "apis", id, "deployments"]) => {
            ("CreateDeployment", live.update(|d| create_deployment(d, id, &body)))
        }
        ("apigatewayv2", http::Method::PATCH, ["v2", "apis", id, "integrations", iid]) => {
            ("UpdateIntegration", live.update(|d| update_integration(d, id, iid, &body)))
        }
        ("apigatewayv2", http::Method::POST, ["v2", "domainnames", name, "apimappings"]) => {
            ("CreateApiMapping", live.update(|d| create_api_mapping(d, name, &body)))
        }
        ("apigatewayv2", http::Method::PATCH, ["v2", "domainnames", name, "apimappings", mid]) => {
            ("UpdateApiMapping", live.update(|d| update_api_mapping(d, name, mid, &body)))
        }
        ("lambda", http::Method::POST, ["2015-03-31", "functions", name, "policy"]) => {
            ("AddPermission", live.update(|d| add_permission(d, name, &body)))
        }
        _ => return None,
    };
    // CreateX answers 201 Created; updates 200 (the API references' response codes).
    let created = matches!(op, "CreateStage" | "CreateDeployment" | "CreateApiMapping" | "AddPermission");
    Some((op, result.map(|v| Answer { status: if created { 201 } else { 200 }, ..Answer::json(v) })))
}

fn bad_request(message: String) -> AwsError {
    AwsError::new(400, "BadRequestException", message)
}

fn not_found(message: &str) -> AwsError {
    AwsError::new(404, "NotFoundException", message)
}

fn api_of<'a>(d: &'a mut Deployment, id: &str) -> Result<&'a mut model::Api, AwsError> {
    if d.api.id == id { Ok(&mut d.api) } else { Err(not_found("Invalid API identifier specified")) }
}

fn string(body: &Value, member: &str) -> Option<String> {
    body.get(member).and_then(Value::as_str).map(str::to_owned)
}

fn update_api<'a>(d: &'a mut Deployment, id: &str, body: &Value) -> Result<&'a model::Api, AwsError> {
    let api = api_of(d, id)?;
    if let Some(flag) = body.get("disableExecuteApiEndpoint").and_then(Value::as_bool) {
        // The configured flag; the live host follows it only on the next deployment.
        api.disable_execute_api_endpoint = flag;
    }
    if let Some(rse) = string(body, "routeSelectionExpression") {
        api.route_selection_expression = rse;
    }
    Ok(api)
}

fn stage_json(s: &Stage) -> Value {
    let mut v = json!({
        "stageName": s.stage_name,
        "defaultRouteSettings": {
            "throttlingBurstLimit": s.throttling_burst_limit,
            "throttlingRateLimit": s.throttling_rate_limit,
        },
    });
    if let Some(dep) = &s.deployment_id {
        v["deploymentId"] = json!(dep);
    }
    v
}

fn create_stage(d: &mut Deployment, id: &str, body: &Value) -> Result<Value, AwsError> {
    let api = api_of(d, id)?;
    let name = string(body, "stageName").ok_or_else(|| bad_request("stageName is required".into()))?;
    if api.stages.iter().any(|s| s.stage_name == name) {
        return Err(AwsError::new(409, "ConflictException", "Stage already exists"));
    }
    // A new stage without a deployment serves nothing until one is made to it.
    let stage = Stage {
        stage_name: name,
        deployment_id: string(body, "deploymentId"),
        throttling_burst_limit: 5000,
        throttling_rate_limit: 10000.0,
    };
    let out = stage_json(&stage);
    api.stages.push(stage);
    Ok(out)
}

fn update_stage(d: &mut Deployment, id: &str, name: &str, body: &Value) -> Result<Value, AwsError> {
    let api = api_of(d, id)?;
    let stage = api
        .stages
        .iter_mut()
        .find(|s| s.stage_name == name)
        .ok_or_else(|| not_found("Invalid stage identifier specified"))?;
    if let Some(settings) = body.get("defaultRouteSettings") {
        if let Some(b) = settings.get("throttlingBurstLimit").and_then(Value::as_i64) {
            stage.throttling_burst_limit = i32::try_from(b).map_err(|_| bad_request("throttlingBurstLimit".into()))?;
        }
        if let Some(r) = settings.get("throttlingRateLimit").and_then(Value::as_f64) {
            stage.throttling_rate_limit = r;
        }
    }
    if let Some(dep) = string(body, "deploymentId") {
        stage.deployment_id = Some(dep);
    }
    Ok(stage_json(stage))
}

fn create_deployment(d: &mut Deployment, id: &str, body: &Value) -> Result<Value, AwsError> {
    let api = api_of(d, id)?;
    let deployment_id = format!("dep{:04}", api.deployments.len() + 1);
    // A deployment snapshots the API as configured now, the execute-api flag included.
    api.deployments.push(ApiDeployment {
        deployment_id: deployment_id.clone(),
        description: string(body, "description").unwrap_or_default(),
        routes: api.routes.clone(),
        predates_changes: false,
    });
    if let Some(name) = string(body, "stageName") {
        let stage = api
            .stages
            .iter_mut()
            .find(|s| s.stage_name == name)
            .ok_or_else(|| bad_request(format!("Invalid stage identifier specified: {name}")))?;
        stage.deployment_id = Some(deployment_id.clone());
        api.execute_api_open = !api.disable_execute_api_endpoint;
    }
    Ok(json!({ "deploymentId": deployment_id, "deploymentStatus": "DEPLOYED" }))
}

fn update_integration(d: &mut Deployment, id: &str, iid: &str, body: &Value) -> Result<Value, AwsError> {
    let api = api_of(d, id)?;
    let i = api
        .integrations
        .iter_mut()
        .find(|i| i.integration_id == iid)
        .ok_or_else(|| not_found("Invalid Integration identifier specified"))?;
    if let Some(params) = body.get("requestParameters").and_then(Value::as_object) {
        for (k, v) in params {
            let v = v.as_str().ok_or_else(|| bad_request(format!("requestParameters {k} is not a string")))?;
            match i.request_parameters.iter_mut().find(|(dest, _)| dest == k) {
                Some(p) => p.1 = v.to_owned(),
                None => i.request_parameters.push((k.clone(), v.to_owned())),
            }
        }
    }
    if let Some(t) = body.get("timeoutInMillis").and_then(Value::as_i64) {
        // "between 50 and 29,000 milliseconds for WebSocket APIs" (API Reference, Integration).
        if !(50..=29_000).contains(&t) {
            return Err(bad_request("Timeout must be between 50 ms and 29000 ms".into()));
        }
        i.timeout_in_millis = t as i32;
    }
    Ok(json!({ "integrationId": i.integration_id, "timeoutInMillis": i.timeout_in_millis }))
}

fn mapping_json(m: &ApiMapping) -> Value {
    json!({ "apiId": m.api_id, "apiMappingId": m.api_mapping_id, "apiMappingKey": m.api_mapping_key, "stage": m.stage })
}

fn create_api_mapping(d: &mut Deployment, domain: &str, body: &Value) -> Result<Value, AwsError> {
    if !d.domains.iter().any(|x| x.domain_name.eq_ignore_ascii_case(domain)) {
        return Err(not_found("Invalid domain name identifier specified"));
    }
    let key = string(body, "apiMappingKey").unwrap_or_default();
    let (Some(api_id), Some(stage)) = (string(body, "apiId"), string(body, "stage")) else {
        return Err(bad_request("apiId and stage are required".into()));
    };
    if d.mappings.iter().any(|m| m.domain_name.eq_ignore_ascii_case(domain) && m.api_mapping_key == key) {
        return Err(AwsError::new(409, "ConflictException", "API mapping already exists for that key"));
    }
    let m = ApiMapping {
        domain_name: domain.to_owned(),
        api_mapping_id: format!("map{:04}", d.mappings.len() + 1),
        api_mapping_key: key,
        api_id,
        stage,
    };
    let out = mapping_json(&m);
    d.mappings.push(m);
    Ok(out)
}

fn update_api_mapping(d: &mut Deployment, domain: &str, mid: &str, body: &Value) -> Result<Value, AwsError> {
    let m = d
        .mappings
        .iter_mut()
        .find(|m| m.domain_name.eq_ignore_ascii_case(domain) && m.api_mapping_id == mid)
        .ok_or_else(|| not_found("Invalid API mapping identifier specified"))?;
    // ApiId is required by UpdateApiMapping; Stage and ApiMappingKey are changed when given.
    m.api_id = string(body, "apiId").ok_or_else(|| bad_request("apiId is required".into()))?;
    if let Some(stage) = string(body, "stage") {
        m.stage = stage;
    }
    if let Some(key) = string(body, "apiMappingKey") {
        m.api_mapping_key = key;
    }
    Ok(mapping_json(m))
}

/// AddPermission: a statement for a service principal, with SourceArn and SourceAccount as
/// conditions, appended to the function's resource-based policy (created if it has none).
fn add_permission(d: &mut Deployment, name: &str, body: &Value) -> Result<Value, AwsError> {
    let f = d
        .functions
        .iter_mut()
        .find(|f| f.name == name || f.arn() == name)
        .ok_or_else(|| AwsError::new(404, "ResourceNotFoundException", format!("Function not found: {name}")))?;
    let (Some(sid), Some(action), Some(principal)) =
        (string(body, "StatementId"), string(body, "Action"), string(body, "Principal"))
    else {
        return Err(AwsError::new(
            400,
            "InvalidParameterValueException",
            "StatementId, Action and Principal are required",
        ));
    };
    let mut statement = json!({
        "Sid": sid,
        "Effect": "Allow",
        "Principal": { "Service": principal },
        "Action": action,
        "Resource": f.arn(),
    });
    let mut conditions = serde_json::Map::new();
    if let Some(arn) = string(body, "SourceArn") {
        conditions.insert("ArnLike".into(), json!({ "AWS:SourceArn": arn }));
    }
    if let Some(account) = string(body, "SourceAccount") {
        conditions.insert("StringEquals".into(), json!({ "AWS:SourceAccount": account }));
    }
    if !conditions.is_empty() {
        statement["Condition"] = Value::Object(conditions);
    }
    let policy = f.policy.get_or_insert_with(|| json!({ "Version": "2012-10-17", "Id": "default", "Statement": [] }));
    let statements = policy
        .get_mut("Statement")
        .and_then(Value::as_array_mut)
        .ok_or_else(|| AwsError::new(500, "ServiceException", "the function's policy has no Statement list"))?;
    if statements.iter().any(|s| s.get("Sid").and_then(Value::as_str) == Some(sid.as_str())) {
        return Err(AwsError::new(409, "ResourceConflictException", "The statement id provided already exists"));
    }
    statements.push(statement.clone());
    Ok(json!({ "Statement": statement.to_string() }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Layout, SCENARIOS};

    fn call(live: &Live, service: &str, method: http::Method, path: &str, body: Value) -> (&'static str, u16) {
        let (parts, ()) = http::Request::builder().method(method).uri(path).body(()).unwrap().into_parts();
        let body = body.to_string();
        let req = Request::new(&parts, body.as_bytes(), "ap-northeast-1");
        let (op, result) = route(live, service, &req).expect("a write call");
        (op, result.map(|a| a.status).unwrap_or_else(|e| e.status))
    }

    // Source: API Gateway Developer Guide, "Disable the default endpoint for WebSocket APIs": after
    // UpdateApi "you must deploy your API for the change to take effect".
    #[test]
    fn the_execute_api_flag_reaches_the_door_only_with_a_deployment() {
        let live = Live::new(Deployment::new(Layout::B, &SCENARIOS[0]));
        let api = live.current().api.id.clone();
        assert!(!live.current().api.execute_api_open);
        let flag = json!({ "disableExecuteApiEndpoint": false });
        assert_eq!(
            call(&live, "apigatewayv2", http::Method::PATCH, &format!("/v2/apis/{api}"), flag),
            ("UpdateApi", 200)
        );
        assert!(!live.current().api.disable_execute_api_endpoint && !live.current().api.execute_api_open);
        let deploy = json!({ "stageName": live.current().api.stages[0].stage_name });
        let path = format!("/v2/apis/{api}/deployments");
        assert_eq!(call(&live, "apigatewayv2", http::Method::POST, &path, deploy), ("CreateDeployment", 201));
        assert!(live.current().api.execute_api_open, "the new deployment carries the flag");
        let missing = json!({ "stageName": "Nope" });
        assert_eq!(call(&live, "apigatewayv2", http::Method::POST, &path, missing).1, 400);
    }

    // Source: Lambda API Reference, "AddPermission": a StatementId already in the policy is a
    // ResourceConflictException (409).
    #[test]
    fn add_permission_appends_a_statement_once() {
        let live = Live::new(Deployment::new(Layout::B, &SCENARIOS[0]));
        let f = live.current().functions[0].name.clone();
        let grant = json!({
            "StatementId": "s1",
            "Action": "lambda:InvokeFunction",
            "Principal": "apigateway.amazonaws.com",
            "SourceArn": "arn:aws:execute-api:ap-northeast-1:123456789012:a/*/$default",
        });
        let path = format!("/2015-03-31/functions/{f}/policy");
        assert_eq!(call(&live, "lambda", http::Method::POST, &path, grant.clone()), ("AddPermission", 201));
        let policy = live.current().functions[0].policy.clone().expect("a policy");
        let added = policy["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == "s1").cloned().unwrap();
        assert_eq!(added["Condition"]["ArnLike"]["AWS:SourceArn"], grant["SourceArn"]);
        assert_eq!(call(&live, "lambda", http::Method::POST, &path, grant).1, 409);
    }
}
