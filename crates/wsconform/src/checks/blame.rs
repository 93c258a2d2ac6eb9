//! Blame: when a deployment is one field away from a layout that fits what
//! the suite intends, the check that owns that field fails with the fix and
//! every other check reads its own symptom as a consequence. The route is the
//! model's ([`crate::model::route`]); naming the check that owns a field is
//! the verdict vocabulary's, so it lives here, computed once per route.

use std::sync::Arc;

pub use crate::check::Blame;
use crate::check::Ctx;
use crate::facts::Error;
use crate::ids::{self, CheckId};
use crate::model::aws::{POLICY_ALL_VIEWER, normalize_host};
use crate::model::route::{HostKind, Landing, Route, classify_host, first_segment};
use crate::outcome::{Evidence, Outcome, SkipCause, Verdict};
use crate::sync::Locked;

/// The route (as the facts computed it) and its blame, if any.
pub async fn route_and_blame(ctx: &Ctx) -> Result<(Arc<Route>, Option<Arc<Blame>>), Error> {
    let route = ctx.facts.aws.route().await?;
    let mut memo = ctx.blame.0.locked();
    if let Some((r, b)) = memo.as_ref()
        && Arc::ptr_eq(r, &route)
    {
        return Ok((route, b.clone()));
    }
    let b = blame(&route, &Intent::of(&ctx.suite)).map(Arc::new);
    *memo = Some((route.clone(), b.clone()));
    Ok((route, b))
}

/// The route as evidence: every hop, and the layout it makes.
pub fn route_evidence(route: &Route) -> Evidence {
    let mut e = Evidence::new().with("route", route.describe());
    if let Some(l) = route.layout {
        e.set("layout", l);
    }
    e
}

/// What the suite says the deployment is meant to be.
#[derive(Debug, Clone, Copy, Default)]
pub struct Intent<'a> {
    /// `[custom_domain] name`: clients are meant to reach the API through it.
    pub custom_domain: Option<&'a str>,
    /// `[api] stage`: the path the execute-api host must get is `/{stage}`.
    pub stage: Option<&'a str>,
}

impl<'a> Intent<'a> {
    pub fn of(suite: &'a crate::suite::Suite) -> Self {
        Intent {
            custom_domain: suite.custom_domain.as_ref().map(|c| c.name.as_str()),
            stage: suite.api.stage.as_deref(),
        }
    }
}

/// The check that fails because the route reaches no API, when the route is
/// what broke: the blamed field, else the check whose rule the landing breaks
/// (a behavior whose origin is not API Gateway, a path the execute-api host
/// refuses: `cloudfront.path-pattern`; the viewer Host sent to an API Gateway
/// origin that has no API for it: `cloudfront.forwarding`; a custom domain
/// without the mapping: `apigw.mapping`). What discovery reads from the route
/// (the API id, the stage) is then unknown as a consequence of that check.
/// `None` while the route reaches an API, or when no check is sure to fail.
pub fn route_fault(route: &Route, intent: &Intent<'_>) -> Option<CheckId> {
    if let Some(b) = blame(route, intent) {
        return Some(b.check);
    }
    if route.api_id().is_some() {
        return None;
    }
    let same = |a: &str, b: &str| normalize_host(a) == normalize_host(b);
    match (&route.landing, &route.edge) {
        (Landing::CustomDomain { domain, mapping: None, .. }, _)
            if intent.custom_domain.is_none_or(|d| same(d, domain)) =>
        {
            Some(ids::APIGW_MAPPING)
        }
        // CloudFront sends the path to an origin that answers itself (S3, …): the behavior is wrong.
        (Landing::Origin { .. }, Some(_)) => Some(ids::CLOUDFRONT_PATH_PATTERN),
        // `/{stage}/…` or `/`: the rule needs the stage to fail on it.
        (Landing::ExecuteApi { .. }, Some(_)) if intent.stage.is_some() => Some(ids::CLOUDFRONT_PATH_PATTERN),
        (Landing::Unmapped { .. }, Some(e)) if e.host_forwarding_unknown.is_none() => {
            match e.origin_domain.as_deref() {
                None => Some(ids::CLOUDFRONT_PATH_PATTERN),
                Some(o) if classify_host(o) == HostKind::Other => {
                    // The intended custom domain as origin is an API origin (an EDGE one: apigw.domain).
                    intent.custom_domain.is_none_or(|d| !same(d, o)).then_some(ids::CLOUDFRONT_PATH_PATTERN)
                }
                Some(_) if e.host_forwarded && !route.viewer_is_custom_domain => Some(ids::CLOUDFRONT_FORWARDING),
                Some(_) => None,
            }
        }
        _ => None,
    }
}

/// What a check that needs the API id or the stage says when discovery could
/// not read it from the route: skipped as a consequence of the route check
/// that fails ([`route_fault`]), when that check runs; else the error.
pub async fn undiscovered(ctx: &Ctx, e: Error) -> Outcome {
    if let Error::Undiscovered { what, .. } = &e
        && let Ok((route, _)) = route_and_blame(ctx).await
        && let Some(check) = route_fault(&route, &Intent::of(&ctx.suite)).filter(|c| ctx.runs(*c))
    {
        let reason = format!("follows from {check}: the route does not reach the API, so {what} cannot be discovered");
        return Outcome::from(Verdict::Skip { reason, because: SkipCause::Prerequisite(check) })
            .with_evidence(route_evidence(&route));
    }
    Outcome::from(e)
}

/// The single field that separates the route from the intent, when there is one.
pub fn blame(route: &Route, intent: &Intent<'_>) -> Option<Blame> {
    let meant_domain = intent.custom_domain.is_some_and(|d| normalize_host(d) == route.viewer_host);
    // The intended custom domain exists but cannot serve the request: its own settings are the field.
    if meant_domain && let Some(why) = &route.viewer_domain_unusable {
        return Some(Blame {
            check: ids::APIGW_DOMAIN,
            message: why.clone(),
            hint: format!("recreate {} as a REGIONAL custom domain (TLS_1_2) with its API mapping", route.viewer_host),
        });
    }
    let edge = route.edge.as_ref()?;
    let origin = edge.origin_domain.as_deref()?;
    // Nothing is blamed on a guess: with the Host unknown, so is the field that is off.
    if edge.host_forwarding_unknown.is_some() {
        return None;
    }
    let api_gateway_origin = classify_host(origin) != HostKind::Other;
    // The seed's layout B with the viewer Host not forwarded: CloudFront addresses API Gateway by the
    // origin's own name, so API Gateway never sees the custom domain and its mapping.
    if meant_domain && route.viewer_is_custom_domain && api_gateway_origin && !edge.host_forwarded {
        return Some(Blame {
            check: ids::CLOUDFRONT_FORWARDING,
            message: format!(
                "{} does not forward the viewer Host: API Gateway sees `{origin}` instead of the custom domain `{}`",
                edge.behavior_label, route.viewer_host
            ),
            hint: format!(
                "forward the viewer Host: set OriginRequestPolicyId to AllViewer ({}), so API Gateway sees `{}` and its API mapping `{}`",
                POLICY_ALL_VIEWER,
                route.viewer_host,
                first_segment(&route.viewer_path)
            ),
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::model::aws::*;
    use crate::model::route::tests::*;
    use crate::model::route::{Landing, RouteInput, compute_route};

    #[test]
    fn blame_names_the_forwarding_when_the_seed_layout_lacks_the_host() {
        let maps = [("ws.example.com", vec![mapping("websocket", "Prod")])];
        let intent = Intent { custom_domain: Some("ws.example.com"), stage: None };
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps);
        let b = blame(&r, &intent).expect("one field away from layout b");
        assert_eq!(b.check, ids::CLOUDFRONT_FORWARDING);
        assert!(b.hint.contains("AllViewer") && b.hint.contains("mapping `websocket`"), "{b:?}");
        // The intended deployment, and layout a (no custom domain meant), blame nothing.
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER);
        assert_eq!(blame(&route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps), &intent), None);
        let d = dist(EXEC, "Prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        assert_eq!(blame(&route_of(Some(&d), "/Prod", &[], &[]), &Intent::default()), None);
    }

    // AWS: API Gateway Developer Guide, "Custom domain names for WebSocket APIs in API Gateway" — only
    // Regional custom domain names are supported for WebSocket APIs.
    #[test]
    fn an_edge_optimized_domain_routes_nothing_and_is_blamed() {
        let mut edge = domain("ws.example.com");
        edge.endpoint_type = Some("EDGE".into());
        let maps = [("ws.example.com", vec![mapping("websocket", "Prod")])];
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER);
        let r = route_of(Some(&d), "/websocket", &[edge], &maps);
        assert!(matches!(r.landing, Landing::Unmapped { .. }), "{}", r.describe());
        assert!(!r.viewer_is_custom_domain);
        let b = blame(&r, &Intent { custom_domain: Some("ws.example.com"), stage: None }).expect("blamed");
        assert_eq!(b.check, ids::APIGW_DOMAIN);
        assert!(b.hint.contains("REGIONAL"), "{b:?}");
    }

    #[test]
    fn an_unreadable_cache_policy_leaves_the_host_unknown_and_blames_nothing() {
        let d = dist(REGIONAL, "websocket*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let fw = forwarding_of(&d.behaviors[0], None, Err("cloudfront.GetCachePolicy failed: NoSuchCachePolicy"));
        let domains: BTreeMap<_, _> = [("ws.example.com".to_string(), domain("ws.example.com"))].into_iter().collect();
        let mappings: BTreeMap<_, _> =
            [("ws.example.com".to_string(), vec![mapping("websocket", "Prod")])].into_iter().collect();
        let r = compute_route(&RouteInput {
            viewer_host: "ws.example.com",
            viewer_path: "/websocket",
            distribution: Some(&d),
            forwarding: Some(&fw),
            domains: &domains,
            mappings: &mappings,
        });
        assert!(r.edge.as_ref().unwrap().host_forwarding_unknown.as_deref().unwrap().contains("GetCachePolicy"));
        assert_eq!(blame(&r, &Intent { custom_domain: Some("ws.example.com"), stage: None }), None);
    }

    // AWS: CloudFront Developer Guide, "Cache behavior settings" (Path pattern) — behaviors are matched
    // in order, case-sensitively, the default last: `prod*` does not match `/Prod`, which the default
    // behavior sends to its S3 origin, so the route reaches no API and cloudfront.path-pattern fails
    // for it (`checks::cloudfront`'s tests pin the failure); the API id it cannot give is that check's consequence.
    #[test]
    fn a_pattern_typo_is_the_route_fault() {
        let d = dist(EXEC, "prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert_eq!(r.api_id(), None, "{}", r.describe());
        assert_eq!(route_fault(&r, &Intent::default()), Some(ids::CLOUDFRONT_PATH_PATTERN));
        // The intended layout a reaches its API: no fault.
        let d = dist(EXEC, "Prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        assert_eq!(route_fault(&route_of(Some(&d), "/Prod", &[], &[]), &Intent::default()), None);
    }

    // AWS: CloudFront Developer Guide, "Use managed origin request policies" — without the viewer Host
    // (AllViewerExceptHostHeader) the origin gets its own name: API Gateway takes `/websocket` as the
    // execute-api host's stage and never sees the custom domain's mapping, so the stage the route reads
    // is the forwarding's consequence, not intent.
    #[test]
    fn the_seed_layout_without_the_host_blames_the_forwarding_for_what_it_reaches() {
        let maps = [("ws.example.com", vec![mapping("websocket", "Prod")])];
        let intent = Intent { custom_domain: Some("ws.example.com"), stage: None };
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps);
        assert_eq!(r.stage(), Some("websocket"), "{}", r.describe());
        assert_eq!(route_fault(&r, &intent), Some(ids::CLOUDFRONT_FORWARDING));
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER);
        assert_eq!(route_fault(&route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps), &intent), None);
    }

    // AWS: CloudFront Developer Guide, "Use managed origin request policies" (AllViewerExceptHostHeader) —
    // API Gateway origins expect their own domain name in Host: the viewer's Host reaches no API.
    #[test]
    fn the_viewer_host_sent_to_an_execute_api_origin_is_the_forwardings_fault() {
        let d = dist(EXEC, "Prod*", POLICY_ALL_VIEWER);
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert!(matches!(r.landing, Landing::Unmapped { .. }), "{}", r.describe());
        assert_eq!(route_fault(&r, &Intent::default()), Some(ids::CLOUDFRONT_FORWARDING));
    }

    // AWS: API Gateway Developer Guide, "Map API stages to a custom domain name for WebSocket APIs" — an
    // API mapping specifies the API and stage a path of the custom domain reaches: without one for the
    // path, apigw.mapping fails and the API is unknown as its consequence.
    #[test]
    fn a_custom_domain_without_the_mapping_is_the_mappings_fault() {
        let maps = [("ws.example.com", vec![mapping("chat", "Prod")])];
        let r = route_of(None, "/other", &[domain("ws.example.com")], &maps);
        let intent = Intent { custom_domain: Some("ws.example.com"), stage: None };
        assert_eq!(route_fault(&r, &intent), Some(ids::APIGW_MAPPING));
        assert_eq!(route_fault(&route_of(None, "/chat", &[domain("ws.example.com")], &maps), &intent), None);
    }

    // AWS: API Gateway Developer Guide, "Deploy WebSocket APIs in API Gateway" — the default endpoint's URL
    // is wss://{api-id}.execute-api.{region}.amazonaws.com/{stageName}: a doubled OriginPath's `/Prod/Prod` fails
    // the path rule only against a known stage; without one no check is sure to fail.
    #[test]
    fn a_path_after_the_stage_is_the_path_checks_fault_only_with_the_stage_known() {
        let mut d = dist(EXEC, "Prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        d.origins[1].origin_path = "/Prod".into();
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert_eq!(r.api_id(), None, "{}", r.describe());
        assert_eq!(route_fault(&r, &Intent::default()), None);
        let intent = Intent { custom_domain: None, stage: Some("Prod") };
        assert_eq!(route_fault(&r, &intent), Some(ids::CLOUDFRONT_PATH_PATTERN));
    }
}
