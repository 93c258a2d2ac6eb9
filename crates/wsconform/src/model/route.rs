//! Where a client's request lands, computed from configuration alone (pure,
//! no I/O): CloudFront's behavior matcher, OriginPath, whether the viewer
//! Host is forwarded, the Host and path API Gateway sees, the layout
//! (docs/architecture.md) and the API + stage the mapping leads to.

use std::collections::BTreeMap;
use std::fmt;

use crate::model::aws::{
    Behavior, DistributionFacts, DomainFacts, ForwardingFacts, MappingFacts, OriginFacts, normalize_host,
};

/// The four layouts of docs/architecture.md.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// CloudFront → execute-api host, viewer Host not forwarded.
    A,
    /// CloudFront → API GW, viewer Host forwarded, and it is a custom domain.
    B,
    /// No CloudFront: DNS aliases the custom domain's regional target.
    C,
    /// CloudFront → a second custom domain, Host not forwarded.
    D,
}

impl fmt::Display for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Layout::A => "A (CloudFront → execute-api host)",
            Layout::B => "B (CloudFront forwards the viewer Host to the API Gateway custom domain)",
            Layout::C => "C (custom domain, no CloudFront)",
            Layout::D => "D (CloudFront → another API Gateway custom domain)",
        })
    }
}

/// CloudFront PathPattern matching: `*` any run, `?` one character,
/// case-sensitive, the pattern's leading `/` optional.
pub fn path_pattern_matches(pattern: &str, path: &str) -> bool {
    let pattern = pattern.strip_prefix('/').unwrap_or(pattern);
    let path = path.strip_prefix('/').unwrap_or(path);
    let (p, s): (Vec<char>, Vec<char>) = (pattern.chars().collect(), path.chars().collect());
    // Iterative wildcard matching with one backtrack point: linear in practice, no recursion.
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        // `*` first: a literal `*` in the path must not consume the pattern's wildcard.
        if pi < p.len() && p[pi] == '*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && (p[pi] == '?' || p[pi] == s[si]) {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

/// The behavior CloudFront picks for `path`: the first cache behavior whose
/// pattern matches, else the default. `None` index = the default behavior.
pub fn choose_behavior<'a>(dist: &'a DistributionFacts, path: &str) -> (Option<usize>, &'a Behavior) {
    dist.behaviors
        .iter()
        .enumerate()
        .find(|(_, b)| b.path_pattern.as_deref().is_some_and(|p| path_pattern_matches(p, path)))
        .map_or((None, &dist.default_behavior), |(i, b)| (Some(i), b))
}

/// What kind of host API Gateway (or whatever origin) is addressed by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostKind {
    /// `{api}.execute-api.{region}.{suffix}` (the region's partition's suffix).
    ExecuteApi { api_id: String, region: String },
    /// `d-….execute-api.{region}.{suffix}`: a custom domain's regional target.
    RegionalTarget { region: String },
    /// Anything else (a custom domain, S3, …).
    Other,
}

pub fn classify_host(host: &str) -> HostKind {
    let h = normalize_host(host);
    let mut parts = h.splitn(3, '.');
    let (Some(first), Some(service), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return HostKind::Other;
    };
    let Some(region) = crate::partition::split_region_suffix(rest) else { return HostKind::Other };
    if service != "execute-api" || first.is_empty() {
        return HostKind::Other;
    }
    if first.starts_with("d-") {
        HostKind::RegionalTarget { region: region.into() }
    } else {
        HostKind::ExecuteApi { api_id: first.into(), region: region.into() }
    }
}

/// What an origin that is not API Gateway is, when its configuration or its
/// name says so: an S3 bucket (S3OriginConfig or an `s3` endpoint), an S3
/// website endpoint, a load balancer, a Lambda function URL or a VPC origin.
/// `None` for API Gateway's hosts and for custom origins whose name does not
/// tell (a CNAME could still lead to API Gateway).
pub fn non_api_origin(origin: &OriginFacts) -> Option<&'static str> {
    let host = normalize_host(&origin.domain_name);
    if classify_host(&host) != HostKind::Other {
        return None;
    }
    let labels: Vec<&str> = host.split('.').collect();
    let aws = host.ends_with(".amazonaws.com") || host.ends_with(".amazonaws.com.cn");
    if origin.vpc_origin_id.is_some() {
        Some("a VPC origin")
    } else if aws && labels.iter().any(|l| l.starts_with("s3-website")) {
        Some("an S3 website endpoint")
    } else if aws && labels.iter().any(|l| *l == "s3" || l.starts_with("s3-")) {
        Some("an S3 bucket")
    } else if aws && labels.contains(&"elb") {
        Some("an Elastic Load Balancing load balancer")
    } else if host.ends_with(".on.aws") && labels.contains(&"lambda-url") {
        Some("a Lambda function URL")
    } else if origin.custom.is_none() {
        Some("an S3 bucket")
    } else {
        None
    }
}

/// The CloudFront hop: which behavior and origin, and what goes on to the origin.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeHop {
    pub distribution_id: String,
    /// `None`: the default behavior.
    pub behavior_index: Option<usize>,
    pub behavior_label: String,
    pub origin_id: String,
    /// `None`: the behavior targets an origin id the distribution lacks.
    pub origin_domain: Option<String>,
    pub origin_path: String,
    pub host_forwarded: bool,
    /// Why it is unknown whether the viewer Host is forwarded: the origin
    /// request policy does not forward it, but the cache policy, whose headers
    /// CloudFront also sends, could not be read. `host_forwarded` is then a guess.
    pub host_forwarding_unknown: Option<String>,
    pub forwarding_source: String,
}

/// Where the request ends up at API Gateway.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Landing {
    /// The execute-api host: the first path segment is the stage; anything after it gets 403.
    ExecuteApi { api_id: String, stage: Option<String>, extra_path: bool },
    /// A custom domain: the first path segment selects the mapping.
    CustomDomain { domain: String, key: String, mapping: Option<MappingFacts> },
    /// API Gateway (or the origin) has no API for this Host: 403.
    Unmapped { host: String },
    /// CloudFront's origin is not API Gateway ([`non_api_origin`]): it answers, and the request never reaches API Gateway.
    Origin { origin_id: String, domain: String, kind: &'static str },
}

/// Every hop from the viewer to the API + stage.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub viewer_host: String,
    pub viewer_path: String,
    pub edge: Option<EdgeHop>,
    /// The Host API Gateway receives.
    pub gateway_host: String,
    /// The path API Gateway receives.
    pub gateway_path: String,
    pub landing: Landing,
    pub layout: Option<Layout>,
    /// Whether the viewer host is an API Gateway custom domain in the region.
    pub viewer_is_custom_domain: bool,
    /// Why the viewer host's custom domain, which exists, cannot serve this request.
    pub viewer_domain_unusable: Option<String>,
}

impl Route {
    /// The API the request reaches, when it reaches one.
    pub fn api_id(&self) -> Option<&str> {
        match &self.landing {
            Landing::ExecuteApi { api_id, extra_path: false, .. } => Some(api_id),
            Landing::CustomDomain { mapping: Some(m), .. } => m.api_id.as_deref(),
            _ => None,
        }
    }

    pub fn stage(&self) -> Option<&str> {
        match &self.landing {
            Landing::ExecuteApi { stage, extra_path: false, .. } => stage.as_deref(),
            Landing::CustomDomain { mapping: Some(m), .. } => m.stage.as_deref(),
            _ => None,
        }
    }

    /// One line per hop, for evidence: [`Route::hops`] joined by arrows.
    pub fn describe(&self) -> String {
        self.hops().join(" → ")
    }

    /// Every hop, client first, as `wsconform trace` lists them.
    pub fn hops(&self) -> Vec<String> {
        let mut hops = vec![format!("viewer https://{}{}", self.viewer_host, self.viewer_path)];
        if let Some(e) = &self.edge {
            hops.push(format!("CloudFront {} {}", e.distribution_id, e.behavior_label));
            hops.push(format!(
                "origin `{}` ({}) OriginPath `{}`, Host {}",
                e.origin_id,
                e.origin_domain.as_deref().unwrap_or("missing"),
                e.origin_path,
                if e.host_forwarded { "forwarded" } else { "not forwarded" }
            ));
        }
        if let Landing::Origin { origin_id, domain, kind } = &self.landing {
            hops.push(format!(
                "origin `{origin_id}` ({domain}, {kind}) answers: the request never reaches API Gateway"
            ));
            return hops;
        }
        hops.push(format!("API Gateway sees Host {} path {}", self.gateway_host, self.gateway_path));
        match &self.landing {
            Landing::ExecuteApi { api_id, stage, extra_path } => {
                let mut hop = format!("API {api_id} stage {}", stage.as_deref().unwrap_or("(none)"));
                if *extra_path {
                    hop.push_str(" (path after the stage: 403)");
                }
                hops.push(hop);
            }
            Landing::CustomDomain { domain, key, mapping: Some(m) } => {
                hops.push(format!("domain {domain} mapping `{key}`"));
                hops.push(format!(
                    "API {} stage {}",
                    m.api_id.as_deref().unwrap_or("?"),
                    m.stage.as_deref().unwrap_or("?")
                ));
            }
            Landing::CustomDomain { domain, key, mapping: None } => {
                hops.push(format!("domain {domain} has no mapping `{key}` (403)"))
            }
            Landing::Unmapped { host } => hops.push(format!("no API for Host {host} (403)")),
            Landing::Origin { .. } => {}
        }
        hops
    }
}

/// Everything route computation needs, fetched beforehand.
pub struct RouteInput<'a> {
    pub viewer_host: &'a str,
    pub viewer_path: &'a str,
    pub distribution: Option<&'a DistributionFacts>,
    /// What the chosen behavior forwards (ignored without a distribution).
    pub forwarding: Option<&'a ForwardingFacts>,
    /// API GW custom domains that exist, by normalized name.
    pub domains: &'a BTreeMap<String, DomainFacts>,
    /// Mappings per custom domain, by normalized name.
    pub mappings: &'a BTreeMap<String, Vec<MappingFacts>>,
}

/// OriginPath + path as CloudFront sends it (`/Prod` + `/` = `/Prod`).
pub fn join_origin_path(origin_path: &str, path: &str) -> String {
    let op = origin_path.trim_end_matches('/');
    if op.is_empty() {
        path.to_owned()
    } else if path == "/" || path.is_empty() {
        op.to_owned()
    } else {
        format!("{op}{path}")
    }
}

/// The path CloudFront requests from the origin for `viewer_path` (before
/// OriginPath): the root URL (`/`) becomes `/{DefaultRootObject}` when one is set.
pub fn origin_request_path(dist: &DistributionFacts, viewer_path: &str) -> String {
    match &dist.default_root_object {
        Some(o) if viewer_path == "/" || viewer_path.is_empty() => format!("/{}", o.trim_start_matches('/')),
        _ => viewer_path.to_owned(),
    }
}

/// The first path segment (`/Prod/x` → `Prod`, `/` → ``).
pub fn first_segment(path: &str) -> &str {
    path.trim_start_matches('/').split('/').next().unwrap_or("")
}

/// Which mapping a custom domain uses for `path`: the first segment's key,
/// else the empty key.
pub fn select_mapping<'a>(mappings: &'a [MappingFacts], path: &str) -> Option<&'a MappingFacts> {
    let key = first_segment(path);
    mappings
        .iter()
        .find(|m| !m.api_mapping_key.is_empty() && m.api_mapping_key == key)
        .or_else(|| mappings.iter().find(|m| m.api_mapping_key.is_empty()))
}

pub fn compute_route(input: &RouteInput<'_>) -> Route {
    let viewer_host = normalize_host(input.viewer_host);
    // An edge-optimized name is served by API Gateway's own CloudFront distribution, not by the
    // regional endpoint a request reaches here (and WebSocket APIs support only Regional names).
    let edge_optimized = |d: &DomainFacts| d.endpoint_type.as_deref() == Some("EDGE");
    let regional = |name: &str| input.domains.get(name).filter(|d| !edge_optimized(d));
    let viewer_is_domain = regional(&viewer_host).is_some();
    let viewer_domain_unusable = input.domains.get(&viewer_host).filter(|d| edge_optimized(d)).map(|_| {
        format!(
            "the custom domain {viewer_host} is EDGE (edge-optimized): WebSocket APIs need a REGIONAL custom domain"
        )
    });
    let mut edge = None;
    // The origin CloudFront sends the request to, when it is not API Gateway.
    let mut answering_origin = None;
    let (gateway_host, gateway_path) = match input.distribution {
        Some(dist) => {
            let (index, behavior) = choose_behavior(dist, input.viewer_path);
            let origin = dist.origin(&behavior.target_origin_id);
            let host_forwarded = input.forwarding.is_some_and(|f| f.forwards_header("Host"));
            let host_forwarding_unknown =
                input.forwarding.filter(|_| !host_forwarded).and_then(|f| f.cache_policy_unknown.clone());
            let origin_path = origin.map(|o| o.origin_path.clone()).unwrap_or_default();
            answering_origin = origin.filter(|o| regional(&normalize_host(&o.domain_name)).is_none()).and_then(|o| {
                let kind = non_api_origin(o)?;
                Some(Landing::Origin { origin_id: o.id.clone(), domain: normalize_host(&o.domain_name), kind })
            });
            let hop = EdgeHop {
                distribution_id: dist.id.clone(),
                behavior_index: index,
                behavior_label: behavior.label(index),
                origin_id: behavior.target_origin_id.clone(),
                origin_domain: origin.map(|o| normalize_host(&o.domain_name)),
                origin_path: origin_path.clone(),
                host_forwarded,
                host_forwarding_unknown,
                forwarding_source: input.forwarding.map(|f| f.source.clone()).unwrap_or_default(),
            };
            let host = if host_forwarded { viewer_host.clone() } else { hop.origin_domain.clone().unwrap_or_default() };
            edge = Some(hop);
            (host, join_origin_path(&origin_path, &origin_request_path(dist, input.viewer_path)))
        }
        None => (viewer_host.clone(), input.viewer_path.to_owned()),
    };

    let landing = match (answering_origin, classify_host(&gateway_host), regional(&gateway_host)) {
        (Some(origin), _, _) => origin,
        (None, HostKind::ExecuteApi { api_id, .. }, _) => {
            let rest = gateway_path.trim_start_matches('/');
            let (stage, after) = rest.split_once('/').unwrap_or((rest, ""));
            Landing::ExecuteApi {
                api_id,
                stage: (!stage.is_empty()).then(|| stage.to_owned()),
                extra_path: !after.is_empty(),
            }
        }
        (None, _, Some(d)) => {
            let mappings = input.mappings.get(&gateway_host).map(Vec::as_slice).unwrap_or_default();
            Landing::CustomDomain {
                domain: d.domain_name.clone(),
                key: first_segment(&gateway_path).to_owned(),
                mapping: select_mapping(mappings, &gateway_path).cloned(),
            }
        }
        _ => Landing::Unmapped { host: gateway_host.clone() },
    };

    let layout = match &edge {
        None => viewer_is_domain.then_some(Layout::C),
        // The request ends at an origin that is not API Gateway: no layout.
        Some(_) if matches!(landing, Landing::Origin { .. }) => None,
        Some(e) => {
            let origin_kind = e.origin_domain.as_deref().map(classify_host).unwrap_or(HostKind::Other);
            let origin_is_domain = e.origin_domain.as_ref().is_some_and(|o| regional(o).is_some());
            match origin_kind {
                _ if e.host_forwarded && viewer_is_domain => Some(Layout::B),
                HostKind::ExecuteApi { .. } => Some(Layout::A),
                // A regional target without the viewer Host: meant as B (the check says what to fix).
                HostKind::RegionalTarget { .. } if viewer_is_domain => Some(Layout::B),
                HostKind::Other if origin_is_domain && !e.host_forwarded => Some(Layout::D),
                _ => None,
            }
        }
    };

    Route {
        viewer_host,
        viewer_path: input.viewer_path.to_owned(),
        edge,
        gateway_host,
        gateway_path,
        landing,
        layout,
        viewer_is_custom_domain: viewer_is_domain,
        viewer_domain_unusable,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::model::aws::*;

    #[test]
    fn matcher_table() {
        let table: &[(&str, &str, bool)] = &[
            ("Prod*", "/Prod", true),
            ("/Prod*", "/Prod", true),
            ("prod*", "/Prod", false),
            ("Prod*", "/Production/x", true),
            ("P*", "/Prod", true),
            ("*", "/", true),
            ("*", "/anything/at/all", true),
            ("Pro?", "/Prod", true),
            ("Pro?", "/Pro", false),
            ("Pro?", "/Prods", false),
            ("*.js", "/a/b.js", true),
            ("*.js", "/a/b.css", false),
            ("a*b*c", "/axxbyyc", true),
            ("a*b*c", "/axxbyy", false),
            ("websocket", "/websocket", true),
            ("websocket", "/websocket/", false),
            ("", "/", true),
            ("**", "/x", true),
            // A literal `*` in the path is just a character to the pattern's wildcard.
            ("*", "/*a", true),
            ("a*", "/a*b", true),
        ];
        for (pattern, path, want) in table {
            assert_eq!(path_pattern_matches(pattern, path), *want, "{pattern} vs {path}");
        }
    }

    #[test]
    fn classify_hosts() {
        assert_eq!(
            classify_host("a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com."),
            HostKind::ExecuteApi { api_id: "a1b2c3d4e5".into(), region: "ap-northeast-1".into() }
        );
        assert_eq!(
            classify_host("d-abc.execute-api.us-east-1.amazonaws.com"),
            HostKind::RegionalTarget { region: "us-east-1".into() }
        );
        assert_eq!(classify_host("site.s3.ap-northeast-1.amazonaws.com"), HostKind::Other);
        assert_eq!(classify_host("ws.example.com"), HostKind::Other);
        // The suffix is the region's partition's: amazonaws.com.cn in China, amazonaws.com elsewhere.
        assert_eq!(
            classify_host("a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com.cn"),
            HostKind::ExecuteApi { api_id: "a1b2c3d4e5".into(), region: "cn-north-1".into() }
        );
        assert_eq!(
            classify_host("d-abc.execute-api.us-gov-west-1.amazonaws.com"),
            HostKind::RegionalTarget { region: "us-gov-west-1".into() }
        );
        assert_eq!(classify_host("a1b2c3d4e5.execute-api.cn-north-1.amazonaws.com"), HostKind::Other);
        assert_eq!(classify_host("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com.cn"), HostKind::Other);
    }

    pub const REGION: &str = "ap-northeast-1";
    pub const EXEC: &str = "a1b2c3d4e5.execute-api.ap-northeast-1.amazonaws.com";
    pub const REGIONAL: &str = "d-abcde12345.execute-api.ap-northeast-1.amazonaws.com";

    pub fn behavior(pattern: Option<&str>, origin: &str, policy: Option<&str>) -> Behavior {
        Behavior {
            path_pattern: pattern.map(Into::into),
            target_origin_id: origin.into(),
            cache_policy_id: Some(CACHE_POLICY_CACHING_DISABLED.into()),
            origin_request_policy_id: policy.map(Into::into),
            legacy: None,
            request_functions: vec![],
            viewer_protocol_policy: Some("https-only".into()),
            trusted_signers: vec![],
        }
    }

    pub fn origin(id: &str, domain: &str, custom: bool) -> OriginFacts {
        OriginFacts {
            id: id.into(),
            domain_name: domain.into(),
            origin_path: String::new(),
            custom: custom.then(|| CustomOriginFacts {
                protocol_policy: "https-only".into(),
                ssl_protocols: vec!["TLSv1.2".into()],
                https_port: Some(443),
            }),
            vpc_origin_id: None,
            custom_headers: vec![],
            origin_access_control_id: None,
        }
    }

    /// The sandbox's layout A (or B with `api_host` = the regional target).
    pub fn dist(api_host: &str, pattern: &str, policy: &str) -> DistributionFacts {
        DistributionFacts {
            id: "E2SANDBOXWS01".into(),
            domain_name: "d111111abcdef8.cloudfront.net".into(),
            status: "Deployed".into(),
            enabled: true,
            aliases: vec!["ws.example.com".into()],
            acm_certificate_arn: Some("arn:aws:acm:us-east-1:123456789012:certificate/1".into()),
            iam_certificate_id: None,
            cloudfront_default_certificate: false,
            minimum_protocol_version: Some("TLSv1.2_2021".into()),
            ipv6_enabled: Some(true),
            origins: vec![origin("site", "site.s3.ap-northeast-1.amazonaws.com", false), origin("api", api_host, true)],
            origin_groups: vec![],
            behaviors: vec![behavior(Some(pattern), "api", Some(policy))],
            default_behavior: behavior(None, "site", None),
            ..DistributionFacts::default()
        }
    }

    pub fn domain(name: &str) -> DomainFacts {
        DomainFacts {
            domain_name: name.into(),
            api_gateway_domain_name: Some(REGIONAL.into()),
            hosted_zone_id: Some("Z1YSHQZHG15GKL".into()),
            certificate_arn: Some("arn:aws:acm:ap-northeast-1:123456789012:certificate/2".into()),
            status: Some("AVAILABLE".into()),
            endpoint_type: Some("REGIONAL".into()),
            security_policy: Some("TLS_1_2".into()),
            routing_mode: Some("API_MAPPING_ONLY".into()),
            mutual_tls: None,
            ip_address_type: None,
        }
    }

    pub fn mapping(key: &str, stage: &str) -> MappingFacts {
        MappingFacts {
            api_mapping_id: Some("map0001".into()),
            api_mapping_key: key.into(),
            api_id: Some("a1b2c3d4e5".into()),
            stage: Some(stage.into()),
        }
    }

    pub fn route_of(
        d: Option<&DistributionFacts>,
        path: &str,
        domains: &[DomainFacts],
        maps: &[(&str, Vec<MappingFacts>)],
    ) -> Route {
        let forwarding = d.map(|d| forwarding_of(choose_behavior(d, path).1, None, Ok(None)));
        let domains: BTreeMap<_, _> = domains.iter().map(|d| (normalize_host(&d.domain_name), d.clone())).collect();
        let mappings: BTreeMap<_, _> = maps.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
        compute_route(&RouteInput {
            viewer_host: "ws.example.com",
            viewer_path: path,
            distribution: d,
            forwarding: forwarding.as_ref(),
            domains: &domains,
            mappings: &mappings,
        })
    }

    // AWS: CloudFront API Reference, "DistributionConfig" DefaultRootObject — "When a viewer requests the
    // root URL for your distribution, the default root object is the object that you want CloudFront to
    // request from your origin": the origin gets OriginPath + `/{object}` for `/`, and any other path unchanged.
    #[test]
    fn the_default_root_object_replaces_only_the_root_url() {
        let mut d = dist(EXEC, "*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        d.origins[1].origin_path = "/Prod".into();
        assert_eq!(route_of(Some(&d), "/", &[], &[]).stage(), Some("Prod"));
        d.default_root_object = Some("index.html".into());
        let r = route_of(Some(&d), "/", &[], &[]);
        assert_eq!(r.gateway_path, "/Prod/index.html");
        assert!(matches!(r.landing, Landing::ExecuteApi { extra_path: true, .. }), "{r:?}");
        assert_eq!(r.stage(), None);
        assert_eq!(origin_request_path(&d, "/Prod"), "/Prod");
        assert_eq!(origin_request_path(&d, ""), "/index.html");
    }

    /// One row of the route table: how the behavior is configured, and where API Gateway lands.
    struct Row {
        origin: &'static str,
        policy: Option<&'static str>,
        cache: Option<&'static str>,
        legacy_headers: Option<&'static [&'static str]>,
        group: bool,
        /// Expected: the Host API Gateway receives, and the API's stage (None: no API).
        host: &'static str,
        stage: Option<&'static str>,
    }

    // AWS: CloudFront Developer Guide, "Use managed origin request policies" — AllViewer forwards the
    // viewer's Host; AllViewerExceptHostHeader does not.
    // AWS: CloudFront Developer Guide, "Use managed cache policies" — Amplify's cache key has Host.
    // AWS: CloudFront API Reference, "CachePolicyHeadersConfig" — cache key headers go to the origin too.
    // AWS: CloudFront API Reference, "OriginGroup" — a behavior may target an origin group; its primary
    // member serves while it is healthy.
    #[test]
    fn the_route_table() {
        use crate::model::aws::*;
        let all_b: &[&str] = &["Host", "Sec-WebSocket-Key", "Sec-WebSocket-Version"];
        let rows = [
            // Layout a: execute-api origin, Host not forwarded → the door, by stage.
            Row {
                origin: EXEC,
                policy: Some(POLICY_ALL_VIEWER_EXCEPT_HOST),
                cache: None,
                legacy_headers: None,
                group: false,
                host: EXEC,
                stage: Some("Prod"),
            },
            // The seed's layout b: Host forwarded to the execute-api origin → the custom domain.
            Row {
                origin: EXEC,
                policy: Some(POLICY_ALL_VIEWER),
                cache: None,
                legacy_headers: None,
                group: false,
                host: "ws.example.com",
                stage: Some("Prod"),
            },
            // Host from the cache key only (Amplify), the origin request policy excluding it.
            Row {
                origin: EXEC,
                policy: Some(POLICY_ALL_VIEWER_EXCEPT_HOST),
                cache: Some(CACHE_POLICY_AMPLIFY),
                legacy_headers: None,
                group: false,
                host: "ws.example.com",
                stage: Some("Prod"),
            },
            // Legacy ForwardedValues naming Host.
            Row {
                origin: REGIONAL,
                policy: None,
                cache: None,
                legacy_headers: Some(all_b),
                group: false,
                host: "ws.example.com",
                stage: Some("Prod"),
            },
            // The regional target without the Host: API Gateway has no API for that name.
            Row {
                origin: REGIONAL,
                policy: Some(POLICY_ALL_VIEWER_EXCEPT_HOST),
                cache: None,
                legacy_headers: None,
                group: false,
                host: REGIONAL,
                stage: None,
            },
            // An origin group whose primary is the execute-api host, Host forwarded.
            Row {
                origin: EXEC,
                policy: Some(POLICY_ALL_VIEWER),
                cache: None,
                legacy_headers: None,
                group: true,
                host: "ws.example.com",
                stage: Some("Prod"),
            },
        ];
        let maps = [("ws.example.com", vec![mapping("websocket", "Prod")])];
        for (i, row) in rows.iter().enumerate() {
            let exec_origin = row.origin == EXEC;
            let path = if exec_origin && row.host == EXEC { "/Prod" } else { "/websocket" };
            let mut d = dist(row.origin, "*", row.policy.unwrap_or(POLICY_ALL_VIEWER_EXCEPT_HOST));
            let b = &mut d.behaviors[0];
            b.origin_request_policy_id = row.policy.map(Into::into);
            b.cache_policy_id = row.cache.map(Into::into);
            b.legacy = row.legacy_headers.map(|h| LegacyForwarding {
                headers: h.iter().map(|s| s.to_string()).collect(),
                query_string: true,
                default_ttl: Some(0),
                max_ttl: Some(0),
                ..LegacyForwarding::default()
            });
            if row.group {
                d.origin_groups = vec![OriginGroupFacts {
                    id: "group".into(),
                    members: vec!["api".into(), "site".into()],
                    failover_status_codes: vec![],
                }];
                d.behaviors[0].target_origin_id = "group".into();
            }
            let cache = row.cache.and_then(managed_cache_policy);
            let fw = forwarding_of(&d.behaviors[0], None, Ok(cache.as_ref()));
            let domains: BTreeMap<_, _> =
                [("ws.example.com".to_string(), domain("ws.example.com"))].into_iter().collect();
            let mappings: BTreeMap<_, _> = maps.iter().map(|(k, v)| (k.to_string(), v.clone())).collect();
            let r = compute_route(&RouteInput {
                viewer_host: "ws.example.com",
                viewer_path: path,
                distribution: Some(&d),
                forwarding: Some(&fw),
                domains: &domains,
                mappings: &mappings,
            });
            assert_eq!(r.gateway_host, row.host, "row {i}: {}", r.describe());
            assert_eq!(r.stage(), row.stage, "row {i}: {}", r.describe());
        }
    }

    #[test]
    fn layout_a_lands_on_the_stage() {
        let d = dist(EXEC, "Prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert_eq!(r.layout, Some(Layout::A));
        assert_eq!((r.gateway_host.as_str(), r.gateway_path.as_str()), (EXEC, "/Prod"));
        assert_eq!((r.api_id(), r.stage()), (Some("a1b2c3d4e5"), Some("Prod")));
        assert!(r.describe().contains("behavior #0 `Prod*`"), "{}", r.describe());
    }

    #[test]
    fn layout_a_with_doubled_origin_path_has_extra_path() {
        let mut d = dist(EXEC, "Prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        d.origins[1].origin_path = "/Prod".into();
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert_eq!(r.gateway_path, "/Prod/Prod");
        assert_eq!(r.api_id(), None);
        // OriginPath `/Prod` with clients on `/` is fine.
        d.behaviors[0].path_pattern = Some("*".into());
        let r = route_of(Some(&d), "/", &[], &[]);
        assert_eq!(r.stage(), Some("Prod"));
    }

    #[test]
    fn layout_b_needs_the_forwarded_host() {
        let d = dist(REGIONAL, "websocket*", POLICY_ALL_VIEWER);
        let maps = [("ws.example.com", vec![mapping("websocket", "Prod")])];
        let r = route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps);
        assert_eq!(r.layout, Some(Layout::B));
        assert_eq!(r.gateway_host, "ws.example.com");
        assert_eq!((r.api_id(), r.stage()), (Some("a1b2c3d4e5"), Some("Prod")));

        let d = dist(REGIONAL, "websocket*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps);
        assert_eq!(r.layout, Some(Layout::B));
        assert_eq!(r.landing, Landing::Unmapped { host: REGIONAL.into() });
    }

    #[test]
    fn layout_c_uses_the_mapping_key() {
        let maps = [("ws.example.com", vec![mapping("chat", "Prod")])];
        let r = route_of(None, "/chat", &[domain("ws.example.com")], &maps);
        assert_eq!(r.layout, Some(Layout::C));
        assert_eq!(r.stage(), Some("Prod"));
        let maps = [("ws.example.com", vec![mapping("chat-v2", "Prod")])];
        let r = route_of(None, "/chat", &[domain("ws.example.com")], &maps);
        assert!(matches!(r.landing, Landing::CustomDomain { mapping: None, .. }));
        assert_eq!(r.api_id(), None);
    }

    #[test]
    fn layout_d_goes_through_a_second_domain() {
        let d = dist("origin-ws.example.com", "*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let maps = [("origin-ws.example.com", vec![mapping("", "Prod")])];
        let r = route_of(Some(&d), "/", &[domain("origin-ws.example.com")], &maps);
        assert_eq!(r.layout, Some(Layout::D));
        assert_eq!(r.gateway_host, "origin-ws.example.com");
        assert_eq!(r.stage(), Some("Prod"));
    }

    // AWS: CloudFront API Reference, "CacheBehavior" — each cache behavior specifies the one origin from which CloudFront gets objects: a request routed to an S3 bucket (or a load balancer, a Lambda function URL, a VPC origin) is answered there and never reaches API Gateway.
    #[test]
    fn a_route_to_a_non_api_origin_ends_at_that_origin() {
        let d = dist(EXEC, "prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert_eq!(r.edge.as_ref().and_then(|e| e.behavior_index), None);
        assert_eq!(
            r.landing,
            Landing::Origin {
                origin_id: "site".into(),
                domain: "site.s3.ap-northeast-1.amazonaws.com".into(),
                kind: "an S3 bucket"
            }
        );
        assert_eq!(r.layout, None);
        assert_eq!((r.api_id(), r.stage()), (None, None));
        let last = r.hops().pop().unwrap_or_default();
        assert_eq!(
            last,
            "origin `site` (site.s3.ap-northeast-1.amazonaws.com, an S3 bucket) answers: the request never reaches API Gateway"
        );
        assert!(!r.describe().contains("API Gateway sees"), "{}", r.describe());
        // Named by what it is, custom origin or not; an unknown custom name could still CNAME to API Gateway.
        let kind = |domain: &str, custom: bool| non_api_origin(&origin("o", domain, custom));
        assert_eq!(kind("site.s3.ap-northeast-1.amazonaws.com", true), Some("an S3 bucket"));
        assert_eq!(kind("site.s3-website-ap-northeast-1.amazonaws.com", true), Some("an S3 website endpoint"));
        assert_eq!(
            kind("web-123.ap-northeast-1.elb.amazonaws.com", true),
            Some("an Elastic Load Balancing load balancer")
        );
        assert_eq!(kind("abc.lambda-url.ap-northeast-1.on.aws", true), Some("a Lambda function URL"));
        assert_eq!(kind("www.example.net", false), Some("an S3 bucket"));
        assert_eq!(kind("www.example.net", true), None);
        assert_eq!(kind(EXEC, true), None);
        assert_eq!(kind(REGIONAL, false), None);
        // Layout d's origin, a custom domain in the region, is API Gateway's whatever its origin config.
        let mut d = dist("origin-ws.example.com", "*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        d.origins[1].custom = None;
        let maps = [("origin-ws.example.com", vec![mapping("", "Prod")])];
        let r = route_of(Some(&d), "/", &[domain("origin-ws.example.com")], &maps);
        assert_eq!(r.stage(), Some("Prod"), "{}", r.describe());
    }
}
