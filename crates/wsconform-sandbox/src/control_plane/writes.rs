//! The write calls a fix makes, for the fields the scenarios break: apigatewayv2 UpdateApi,
//! CreateStage, UpdateStage, CreateDeployment, UpdateIntegration, CreateApiMapping and
//! UpdateApiMapping, Lambda AddPermission, CloudFront UpdateDistribution and Route 53
//! ChangeResourceRecordSets. Each changes the live deployment, so the next
//! request, on the control plane or the data plane, sees the change (a fix applied to the sandbox
//! with the aws CLI, then a run: scenario → fix → pass). Written from the API references' request
//! and response shapes, independently of what the checks want.

use serde_json::{Value, json};

use super::wire::{Answer, AwsError, ROUTE53_NAMESPACE, Request, Xml};
use super::xml_in::{self, El};
use super::{apigw, cloudfront};
use crate::model::{
    self, AliasRecord, ApiDeployment, ApiMapping, CacheBehavior, CustomOriginConfig, Deployment, Distribution, Live,
    Origin, Stage,
};

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

/// A write call of `service`, applied to `live`; `None`: not a write call emulated here.
pub fn route(live: &Live, service: &str, req: &Request<'_>) -> Routed {
    if matches!(service, "cloudfront" | "route53") {
        return route_xml(live, service, req);
    }
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

/// A REST-XML write call: the deployment, the resource id in the path, the parsed body, the request.
type XmlCall = fn(&mut Deployment, &str, &El, &Request<'_>) -> Result<Answer, AwsError>;

/// The REST-XML write calls.
fn route_xml(live: &Live, service: &str, req: &Request<'_>) -> Routed {
    let path = req.path();
    let (op, call): (&'static str, XmlCall) = match (service, req.method.clone(), path.as_slice()) {
        ("cloudfront", http::Method::PUT, ["2020-05-31", "distribution", _, "config"]) => {
            ("UpdateDistribution", update_distribution)
        }
        ("route53", http::Method::POST, ["2013-04-01", "hostedzone", _, "rrset"]) => {
            ("ChangeResourceRecordSets", change_resource_record_sets)
        }
        _ => return None,
    };
    let id = path[2].to_owned();
    let body = match xml_in::parse(req.body) {
        Ok(b) => b,
        Err(e) => return Some((op, Err(AwsError::new(400, "MalformedXML", format!("the body is not XML: {e}"))))),
    };
    Some((op, live.update(|d| call(d, &id, &body, req))))
}

/// UpdateDistribution: the whole DistributionConfig replaces the one the distribution had, once
/// `If-Match` names its current ETag (CloudFront API Reference, "UpdateDistribution").
fn update_distribution(d: &mut Deployment, id: &str, config: &El, req: &Request<'_>) -> Result<Answer, AwsError> {
    let dist = d
        .distribution
        .as_mut()
        .filter(|dist| dist.id == id)
        .ok_or_else(|| AwsError::new(404, "NoSuchDistribution", "The specified distribution does not exist."))?;
    match req.headers.get("if-match").and_then(|v| v.to_str().ok()) {
        None => return Err(AwsError::new(400, "InvalidIfMatchVersion", "The If-Match version is missing.")),
        Some(etag) if etag != cloudfront::DISTRIBUTION_ETAG => {
            return Err(AwsError::new(
                412,
                "PreconditionFailed",
                "The precondition given in one or more of the request-header fields evaluated to false.",
            ));
        }
        Some(_) => {}
    }
    if config.name != "DistributionConfig" {
        return Err(AwsError::new(400, "MalformedXML", "the body is not a DistributionConfig"));
    }
    apply_distribution_config(dist, config)?;
    Ok(cloudfront::get_distribution(dist))
}

fn apply_distribution_config(dist: &mut Distribution, c: &El) -> Result<(), AwsError> {
    let invalid = |m: &str| AwsError::new(400, "InvalidArgument", m);
    let behavior = |b: &El| -> Result<CacheBehavior, AwsError> {
        let headers = b.items(&["ForwardedValues", "Headers"], "Name");
        Ok(CacheBehavior {
            path_pattern: b.text_at(&["PathPattern"]).map(str::to_owned),
            target_origin_id: b
                .text_at(&["TargetOriginId"])
                .ok_or_else(|| invalid("TargetOriginId is required"))?
                .to_owned(),
            viewer_protocol_policy: b.text_at(&["ViewerProtocolPolicy"]).unwrap_or("https-only").to_owned(),
            cache_policy_id: b.text_at(&["CachePolicyId"]).filter(|p| !p.is_empty()).map(str::to_owned),
            origin_request_policy_id: b
                .text_at(&["OriginRequestPolicyId"])
                .filter(|p| !p.is_empty())
                .map(str::to_owned),
            forwarded_headers: b.child("ForwardedValues").map(|_| headers),
        })
    };
    let origins = c
        .child("Origins")
        .and_then(|o| o.child("Items"))
        .map(|items| {
            items
                .all("Origin")
                .map(|o| Origin {
                    id: o.text_at(&["Id"]).unwrap_or_default().to_owned(),
                    domain_name: o.text_at(&["DomainName"]).unwrap_or_default().to_owned(),
                    origin_path: o.text_at(&["OriginPath"]).unwrap_or_default().to_owned(),
                    custom: o.child("CustomOriginConfig").map(|cfg| CustomOriginConfig {
                        origin_protocol_policy: cfg.text_at(&["OriginProtocolPolicy"]).unwrap_or_default().to_owned(),
                        origin_ssl_protocols: cfg.items(&["OriginSslProtocols"], "SslProtocol"),
                    }),
                })
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if origins.is_empty() {
        return Err(invalid("The distribution must have at least one origin."));
    }
    let default = c.child("DefaultCacheBehavior").ok_or_else(|| invalid("DefaultCacheBehavior is required"))?;
    let ordered = match c.child("CacheBehaviors").and_then(|b| b.child("Items")) {
        Some(items) => items.all("CacheBehavior").map(behavior).collect::<Result<Vec<_>, _>>()?,
        None => vec![],
    };
    // Every behavior must target an origin of the distribution (CloudFront rejects it otherwise).
    for b in ordered.iter().chain(std::iter::once(&behavior(default)?)) {
        if !origins.iter().any(|o| o.id == b.target_origin_id) {
            return Err(AwsError::new(
                400,
                "NoSuchOrigin",
                "One or more of your origins or origin groups do not exist.",
            ));
        }
    }
    dist.default_cache_behavior = behavior(default)?;
    dist.cache_behaviors = ordered;
    dist.origins = origins;
    dist.enabled = c.text_at(&["Enabled"]) == Some("true");
    dist.aliases = c.items(&["Aliases"], "CNAME");
    if let Some(v) = c.text_at(&["ViewerCertificate", "MinimumProtocolVersion"]) {
        dist.minimum_protocol_version = v.to_owned();
    }
    if let Some(arn) = c.text_at(&["ViewerCertificate", "ACMCertificateArn"]) {
        dist.acm_certificate_arn = arn.to_owned();
    }
    dist.continuous_deployment_policy_id =
        c.text_at(&["ContinuousDeploymentPolicyId"]).filter(|p| !p.is_empty()).map(str::to_owned);
    Ok(())
}

/// ChangeResourceRecordSets: CREATE, UPSERT and DELETE of alias records, all or none (Route 53 API
/// Reference: the batch is applied as one transaction).
fn change_resource_record_sets(d: &mut Deployment, id: &str, body: &El, _: &Request<'_>) -> Result<Answer, AwsError> {
    if d.zone.id != id {
        return Err(AwsError::new(404, "NoSuchHostedZone", format!("No hosted zone found with ID: {id}")));
    }
    let invalid = |m: String| AwsError::new(400, "InvalidChangeBatch", m);
    let changes =
        body.child("ChangeBatch").and_then(|b| b.child("Changes")).ok_or_else(|| invalid("no ChangeBatch".into()))?;
    let mut records = d.zone.records.clone();
    for change in changes.all("Change") {
        let set =
            change.child("ResourceRecordSet").ok_or_else(|| invalid("a Change without ResourceRecordSet".into()))?;
        let name = set.text_at(&["Name"]).map(with_dot).ok_or_else(|| invalid("Name is required".into()))?;
        let record_type = set.text_at(&["Type"]).unwrap_or_default().to_owned();
        let set_id = set.text_at(&["SetIdentifier"]).map(str::to_owned);
        let same = |r: &AliasRecord| {
            r.name.eq_ignore_ascii_case(&name)
                && r.record_type == record_type
                && r.weighted.as_ref().map(|w| &w.0) == set_id.as_ref()
        };
        let existing = records.iter().position(same);
        match (change.text_at(&["Action"]).unwrap_or_default(), existing) {
            ("DELETE", Some(i)) => {
                records.remove(i);
                continue;
            }
            ("DELETE", None) => {
                return Err(invalid(format!(
                    "Tried to delete resource record set [name='{name}', type='{record_type}'] but it was not found"
                )));
            }
            ("CREATE", Some(_)) => {
                return Err(invalid(format!(
                    "Tried to create resource record set [name='{name}', type='{record_type}'] but it already exists"
                )));
            }
            ("CREATE" | "UPSERT", _) => {}
            (other, _) => return Err(invalid(format!("Unknown Action {other}"))),
        }
        let alias =
            set.child("AliasTarget").ok_or_else(|| invalid("the sandbox's zone holds alias records only".into()))?;
        let weight = set.text_at(&["Weight"]).and_then(|w| w.parse::<u8>().ok());
        let record = AliasRecord {
            name: name.clone(),
            record_type: record_type.clone(),
            alias_dns_name: alias.text_at(&["DNSName"]).map(with_dot).unwrap_or_default(),
            alias_hosted_zone_id: alias.text_at(&["HostedZoneId"]).unwrap_or_default().to_owned(),
            weighted: set_id.clone().zip(weight),
        };
        match existing {
            Some(i) => records[i] = record,
            None => records.push(record),
        }
    }
    d.zone.records = records;
    let mut x = Xml::root("ChangeResourceRecordSetsResponse", ROUTE53_NAMESPACE);
    x.el("ChangeInfo", |x| {
        x.leaf("Id", "/change/C0SANDBOX");
        x.leaf("Status", "INSYNC");
        x.leaf("SubmittedAt", "2024-01-01T00:00:00.000Z");
    });
    Ok(Answer::xml(x.finish("ChangeResourceRecordSetsResponse")))
}

fn with_dot(name: &str) -> String {
    if name.ends_with('.') { name.to_owned() } else { format!("{name}.") }
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

    fn call_xml(live: &Live, service: &str, method: http::Method, path: &str, etag: Option<&str>, body: &str) -> u16 {
        let mut b = http::Request::builder().method(method).uri(path);
        if let Some(e) = etag {
            b = b.header("If-Match", e);
        }
        let (parts, ()) = b.body(()).unwrap().into_parts();
        let req = Request::new(&parts, body.as_bytes(), "us-east-1");
        route(live, service, &req).expect("a write call").1.map(|a| a.status).unwrap_or_else(|e| e.status)
    }

    // Source: CloudFront API Reference, "UpdateDistribution": the whole DistributionConfig, with the
    // ETag of the config it replaces as If-Match (a stale one is PreconditionFailed, 412).
    #[test]
    fn update_distribution_replaces_the_config_once_if_match_is_its_etag() {
        let live = Live::new(Deployment::new(Layout::A, &SCENARIOS[0]));
        let dist = live.current().distribution.clone().expect("layout a has a distribution");
        let path = format!("/2020-05-31/distribution/{}/config", dist.id);
        let origin = &dist.origins[0];
        let body = format!(
            "<DistributionConfig><Enabled>true</Enabled><Aliases><Quantity>1</Quantity><Items><CNAME>ws.example.com</CNAME></Items></Aliases>\
             <Origins><Items><Origin><Id>{}</Id><DomainName>{}</DomainName><OriginPath></OriginPath>\
             <CustomOriginConfig><OriginProtocolPolicy>https-only</OriginProtocolPolicy><OriginSslProtocols><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols></CustomOriginConfig>\
             </Origin></Items></Origins><DefaultCacheBehavior><TargetOriginId>{}</TargetOriginId></DefaultCacheBehavior>\
             <CacheBehaviors><Items><CacheBehavior><PathPattern>Prod*</PathPattern><TargetOriginId>{}</TargetOriginId></CacheBehavior></Items></CacheBehaviors></DistributionConfig>",
            origin.id, origin.domain_name, origin.id, origin.id
        );
        assert_eq!(call_xml(&live, "cloudfront", http::Method::PUT, &path, Some("stale"), &body), 412);
        assert_eq!(call_xml(&live, "cloudfront", http::Method::PUT, &path, None, &body), 400);
        let etag = cloudfront::DISTRIBUTION_ETAG;
        assert_eq!(call_xml(&live, "cloudfront", http::Method::PUT, &path, Some(etag), &body), 200);
        let now = live.current().distribution.clone().unwrap();
        assert_eq!(now.cache_behaviors[0].path_pattern.as_deref(), Some("Prod*"));
        assert_eq!(now.origins.len(), 1);
        let dangling = body.replace(
            &format!("<TargetOriginId>{}</TargetOriginId></CacheBehavior>", origin.id),
            "<TargetOriginId>nope</TargetOriginId></CacheBehavior>",
        );
        assert_eq!(call_xml(&live, "cloudfront", http::Method::PUT, &path, Some(etag), &dangling), 400);
    }

    // Source: Route 53 API Reference, "ChangeResourceRecordSets": UPSERT creates the record set or
    // updates it; DELETE of a record set that does not exist is InvalidChangeBatch.
    #[test]
    fn an_upsert_repoints_the_alias_and_a_delete_of_nothing_fails() {
        let live = Live::new(Deployment::new(Layout::B, &SCENARIOS[0]));
        let zone = live.current().zone.clone();
        let path = format!("/2013-04-01/hostedzone/{}/rrset/", zone.id);
        let change = |action: &str, name: &str| {
            format!(
                "<ChangeResourceRecordSetsRequest><ChangeBatch><Changes><Change><Action>{action}</Action><ResourceRecordSet>\
                 <Name>{name}</Name><Type>A</Type><AliasTarget><HostedZoneId>Z2FDTNDATAQYW2</HostedZoneId>\
                 <DNSName>d9.cloudfront.net</DNSName><EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget>\
                 </ResourceRecordSet></Change></Changes></ChangeBatch></ChangeResourceRecordSetsRequest>"
            )
        };
        let host = zone.records[0].name.clone();
        assert_eq!(call_xml(&live, "route53", http::Method::POST, &path, None, &change("UPSERT", &host)), 200);
        let now = live.current().zone.clone();
        assert_eq!(now.records.iter().filter(|r| r.name == host && r.record_type == "A").count(), 1);
        assert!(now.records.iter().any(|r| r.name == host && r.alias_dns_name == "d9.cloudfront.net."));
        assert_eq!(
            call_xml(&live, "route53", http::Method::POST, &path, None, &change("DELETE", "nope.example.com")),
            400
        );
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
