//! Blame: when a deployment is one field away from a layout that fits what
//! the suite intends, the check that owns that field fails with the fix and
//! every other check reads its own symptom as a consequence. The route is the
//! model's ([`crate::model::route`]); naming the check that owns a field is
//! the verdict vocabulary's, so it lives here, computed once per route.

use std::sync::Arc;

pub use crate::check::Blame;
use crate::check::Ctx;
use crate::facts::Error;
use crate::ids;
use crate::model::aws::{POLICY_ALL_VIEWER, normalize_host};
use crate::model::route::{HostKind, Route, classify_host, first_segment};
use crate::outcome::Evidence;
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
}

impl<'a> Intent<'a> {
    pub fn of(suite: &'a crate::suite::Suite) -> Self {
        Intent { custom_domain: suite.custom_domain.as_ref().map(|c| c.name.as_str()) }
    }
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
        let intent = Intent { custom_domain: Some("ws.example.com") };
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
        let b = blame(&r, &Intent { custom_domain: Some("ws.example.com") }).expect("blamed");
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
        assert_eq!(blame(&r, &Intent { custom_domain: Some("ws.example.com") }), None);
    }
}
