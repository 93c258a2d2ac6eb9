//! `cloudfront.*` checks: the distribution, the behavior chosen for the
//! public path, the API origin and what is forwarded to it (docs/architecture.md; the README's check table).

use std::sync::Arc;

use crate::check::{BoxFuture, CheckDef, Ctx, NotApplicable};
use crate::checks::blame::{Blame, route_and_blame, route_evidence};
use crate::checks::findings::Findings;
use crate::fix::{self, Fix, Resource, Wanted};
use crate::ids;
use crate::model::aws::*;
use crate::model::route::{
    HostKind, Landing, Route, choose_behavior, classify_host, first_segment, join_origin_path, origin_request_path,
    path_pattern_matches,
};
use crate::outcome::Outcome;
use crate::suite::Suite;

pub static CHECKS: &[CheckDef] = &[
    CheckDef {
        id: ids::CLOUDFRONT_DISTRIBUTION,
        summary: "the distribution exists, is enabled and Deployed, has the host as alias, an ACM certificate and TLSv1.2_2021",
        explain: "CloudFront answers 403 for a Host that is not among the distribution's Aliases, serves the \
                  viewer certificate from ACM in us-east-1, and applies configuration changes only once Status \
                  is Deployed (retry with --wait while it is InProgress).",
        docs: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/distribution-working-with.websockets.html",
        requires: &[],
        after: &[],
        applies: needs_cloudfront,
        run: run_distribution,
    },
    CheckDef {
        id: ids::CLOUDFRONT_PATH_PATTERN,
        summary: "the behavior CloudFront picks for the public path targets the API origin and lands on /{stage} or /{mapping key}",
        explain: "CloudFront takes the first behavior whose PathPattern matches (case-sensitive), else the default. \
                  The execute-api host accepts exactly /{stage}; a custom domain takes the mapping key as the \
                  first segment. OriginPath is prepended to the viewer's path.",
        docs: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesCacheBehavior.html#DownloadDistValuesPathPattern",
        requires: &[],
        after: &[],
        applies: needs_cloudfront,
        run: run_path_pattern,
    },
    CheckDef {
        id: ids::CLOUDFRONT_ORIGIN,
        summary: "the API origin is reached over HTTPS (https-only, or match-viewer with HTTPS-only viewers), offers TLSv1.2 and is in the API's region",
        explain: "API Gateway only listens on HTTPS with TLS 1.2; with match-viewer CloudFront uses the viewer's protocol, so a behavior that allows HTTP viewers reaches the origin over HTTP; an origin in another region reaches another API.",
        docs: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/DownloadDistValuesOrigin.html",
        requires: &[],
        after: &[],
        applies: needs_cloudfront,
        run: run_origin,
    },
    CheckDef {
        id: ids::CLOUDFRONT_FORWARDING,
        summary: "Sec-WebSocket-* and $connect's auth forwarded, Host forwarded only to a custom domain, caching disabled",
        explain: "API Gateway picks the API by Host: forwarding the viewer Host to an execute-api origin gets 403 \
                  (use AllViewerExceptHostHeader), while layout B needs it forwarded (AllViewer). The upgrade needs \
                  Sec-WebSocket-Key and -Version at the origin.",
        docs: "https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/using-managed-origin-request-policies.html",
        requires: &[],
        after: &[],
        applies: needs_cloudfront,
        run: run_forwarding,
    },
];

fn needs_cloudfront(s: &Suite) -> Result<(), NotApplicable> {
    match s.cloudfront {
        Some(_) => Ok(()),
        None => Err(NotApplicable::new("needs `[cloudfront] distribution_id`")),
    }
}

/// The distribution, or the outcome to report instead.
async fn distribution(ctx: &Ctx) -> Result<Arc<DistributionFacts>, Outcome> {
    match ctx.facts.aws.distribution().await {
        Ok(Some(d)) => Ok(d),
        Ok(None) => Err(judge_distribution(None, ctx.suite.host())),
        Err(e) => Err(Outcome::from(e)),
    }
}

fn run_distribution(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        match ctx.facts.aws.distribution().await {
            Ok(d) => judge_distribution(d.as_deref(), ctx.suite.host()),
            Err(e) => Outcome::from(e),
        }
    })
}

/// CloudFront's viewer security policies, oldest first.
const PROTOCOL_ORDER: &[&str] = &[
    "SSLv3",
    "TLSv1",
    "TLSv1_2016",
    "TLSv1.1_2016",
    "TLSv1.2_2018",
    "TLSv1.2_2019",
    "TLSv1.2_2021",
    "TLSv1.2_2025",
    "TLSv1.3_2025",
];
const MIN_PROTOCOL: &str = "TLSv1.2_2021";

fn protocol_rank(v: &str) -> Option<usize> {
    PROTOCOL_ORDER.iter().position(|p| *p == v)
}

/// A change to distribution `id`'s config, applied by CloudFront's three steps with the jq
/// `filter` over `.DistributionConfig` (values as `$v0`, `$v1`, …; see [`fix::cloudfront_edit`]).
fn distribution_fix(
    id: &str,
    field: &str,
    current: Option<&str>,
    wanted: Wanted,
    filter: &str,
    values: &[&str],
) -> Fix {
    Fix {
        resource: Resource { kind: "AWS::CloudFront::Distribution".into(), id: id.into(), region: None },
        field: format!("DistributionConfig.{field}"),
        current: current.map(str::to_owned),
        wanted,
        commands: fix::cloudfront_edit(id, filter, values),
    }
}

/// A change no single edit of the distribution makes (a policy, a certificate, a new domain): words.
fn distribution_words(id: &str, field: &str, current: Option<&str>, wanted: String) -> Fix {
    Fix {
        resource: Resource { kind: "AWS::CloudFront::Distribution".into(), id: id.into(), region: None },
        field: format!("DistributionConfig.{field}"),
        current: current.map(str::to_owned),
        wanted: Wanted::Words(wanted),
        commands: vec![],
    }
}

/// Behavior `index` in the config as the API names it (`CacheBehaviors.Items[i]`) and as jq reaches it.
fn behavior_path(index: Option<usize>) -> (String, String) {
    match index {
        Some(i) => (format!("CacheBehaviors.Items[{i}]"), format!(".CacheBehaviors.Items[{i}]")),
        None => ("DefaultCacheBehavior".into(), ".DefaultCacheBehavior".into()),
    }
}

/// A change to one field of origin `origin_id` (matched by its Id, passed as `$v0`): `edit` is jq over the origin.
fn origin_fix(
    id: &str,
    origin_id: &str,
    field: &str,
    current: Option<&str>,
    wanted: &str,
    edit: &str,
    values: &[&str],
) -> Fix {
    let filter = format!(".Origins.Items |= map(if .Id == $v0 then {edit} else . end)");
    let values: Vec<&str> = std::iter::once(origin_id).chain(values.iter().copied()).collect();
    distribution_fix(
        id,
        &format!("Origins.Items[Id={origin_id}].{field}"),
        current,
        Wanted::Value(wanted.into()),
        &filter,
        &values,
    )
}

pub fn judge_distribution(d: Option<&DistributionFacts>, host: &str) -> Outcome {
    let Some(d) = d else {
        return Outcome::fail(
            format!("no CloudFront distribution serves {host}"),
            format!("set `[cloudfront] distribution_id` to the distribution whose Aliases contain {host}"),
        );
    };
    let mut f = Findings::new();
    f.evidence("distribution", &d.id);
    f.evidence("domain_name", &d.domain_name);
    f.evidence("status", &d.status);
    if !d.enabled {
        f.fail_with_fix(
            format!("distribution {} is disabled", d.id),
            "set Enabled to true",
            distribution_fix(&d.id, "Enabled", Some("false"), Wanted::Value("true".into()), ".Enabled = true", &[]),
        );
    }
    // A multi-tenant distribution has no Aliases of its own: its domains and
    // certificates are its distribution tenants', which are not read.
    let tenant_only = d.connection_mode.as_deref() == Some("tenant-only");
    if tenant_only {
        f.evidence("connection_mode", "tenant-only");
        f.unknown(format!(
            "distribution {} is multi-tenant (ConnectionMode tenant-only): whether a distribution tenant serves \
             {host}, and with which certificate, is in its distribution tenants (GetDistributionTenantByDomain), \
             which are not read",
            d.id
        ));
    } else if !d.aliases.iter().any(|a| alias_covers(a, host)) {
        f.fail_with_fix(
            format!("the distribution's Aliases ({}) lack {host}: CloudFront answers 403 for it", list(&d.aliases)),
            format!("add {host} to Aliases (Alternate domain names)"),
            distribution_fix(
                &d.id,
                "Aliases.Items",
                Some(&list(&d.aliases)),
                Wanted::Value(format!("{host} added (the viewer certificate must cover it)")),
                ".Aliases.Items = ((.Aliases.Items // []) + [$v0]) | .Aliases.Quantity = (.Aliases.Items | length)",
                &[host],
            ),
        );
    }
    // With aliases the viewer certificate is ACM's (us-east-1 only) or IAM's;
    // CloudFront's default certificate covers only *.cloudfront.net.
    match (&d.acm_certificate_arn, &d.iam_certificate_id) {
        _ if tenant_only => {}
        (Some(arn), _) if arn.split(':').nth(3).is_some_and(|r| r != "us-east-1") => f.fail_with_fix(
            format!("the viewer certificate {arn} is not in us-east-1"),
            format!("request or import the certificate for {host} in us-east-1 and set ACMCertificateArn to it"),
            distribution_words(
                &d.id,
                "ViewerCertificate.ACMCertificateArn",
                Some(arn),
                format!(
                    "the ARN of an ISSUED certificate in us-east-1 covering {host} (requested or imported there first)"
                ),
            ),
        ),
        (Some(_), _) => {}
        (None, Some(iam)) => f.evidence("iam_certificate_id", iam),
        (None, None) => f.fail_with_fix(
            format!(
                "the viewer certificate is CloudFront's default (*.cloudfront.net){}: it does not cover {host}",
                if d.cloudfront_default_certificate { "" } else { " or none" }
            ),
            format!("set ViewerCertificate.ACMCertificateArn to an ISSUED certificate in us-east-1 covering {host}"),
            distribution_words(
                &d.id,
                "ViewerCertificate.ACMCertificateArn",
                None,
                format!(
                    "the ARN of an ISSUED certificate in us-east-1 covering {host}, with SSLSupportMethod sni-only"
                ),
            ),
        ),
    }
    match d.minimum_protocol_version.as_deref() {
        None => f.unknown("ViewerCertificate.MinimumProtocolVersion is not reported by the endpoint"),
        // Clients that speak TLS 1.2 connect either way: an older minimum is worth fixing, not broken.
        Some(v) if protocol_rank(v).is_none_or(|r| r < protocol_rank(MIN_PROTOCOL).unwrap_or(0)) => f.warn_with_fix(
            format!("MinimumProtocolVersion is {v}, older than {MIN_PROTOCOL}: viewers may negotiate outdated TLS"),
            format!("set ViewerCertificate.MinimumProtocolVersion to {MIN_PROTOCOL}"),
            distribution_fix(
                &d.id,
                "ViewerCertificate.MinimumProtocolVersion",
                Some(v),
                Wanted::AtLeast(MIN_PROTOCOL.into()),
                ".ViewerCertificate.MinimumProtocolVersion = $v0",
                &[MIN_PROTOCOL],
            ),
        ),
        Some(_) => {}
    }
    judge_distribution_access(d, &mut f);
    if d.status != "Deployed" {
        f.fail_retryable(
            format!(
                "the distribution's Status is {} (not Deployed): the edge may still serve the old configuration",
                d.status
            ),
            "wait until Status is Deployed (run with --wait)",
        );
    }
    f.outcome(format!("{} ({}) is Deployed, enabled and serves {host}", d.id, d.domain_name))
}

/// What keeps some viewers (a country, a share of the traffic, clients
/// without a certificate) from this configuration, while others pass: warnings;
/// what is not visible (WAF rules): evidence.
fn judge_distribution_access(d: &DistributionFacts, f: &mut Findings) {
    if let Some(g) = &d.geo_restriction {
        let verb = if g.restriction_type == "whitelist" { "only viewers in" } else { "viewers in" };
        let outcome = if g.restriction_type == "whitelist" { "connect; all others get 403" } else { "get 403" };
        f.evidence("geo_restriction", format!("{} {}", g.restriction_type, list(&g.items)));
        f.warn(
            format!(
                "Restrictions.GeoRestriction is {} ({}): {verb} {} {outcome} from CloudFront",
                g.restriction_type,
                list(&g.items),
                list(&g.items)
            ),
            if g.restriction_type == "whitelist" {
                "add every country whose clients connect to Restrictions.GeoRestriction.Items, or set RestrictionType to none"
            } else {
                "remove the clients' countries from Restrictions.GeoRestriction.Items, or set RestrictionType to none"
            },
        );
    }
    if let Some(policy) = &d.continuous_deployment_policy_id {
        f.evidence("continuous_deployment_policy_id", policy);
        f.warn(
            format!(
                "ContinuousDeploymentPolicyId is {policy}: CloudFront routes a share of the requests (by weight or \
                 header) to the staging distribution, whose configuration is not judged here"
            ),
            "promote the staging distribution or remove the continuous deployment policy (ContinuousDeploymentPolicyId \"\")",
        );
    }
    if d.staging == Some(true) {
        f.warn(
            format!(
                "distribution {} is a staging distribution (Staging true): viewers cannot reach it directly, only \
                 the share the primary distribution's continuous deployment policy sends",
                d.id
            ),
            "set `[cloudfront] distribution_id` to the primary distribution",
        );
    }
    if d.viewer_mtls_mode.as_deref() == Some("required") {
        f.warn(
            "ViewerMtlsConfig.Mode is required: CloudFront denies every connection without a client certificate \
             from its trust store (wsconform's e2e checks present none)",
            "set ViewerMtlsConfig.Mode to optional, or give clients certificates from the trust store",
        );
    } else if let Some(mode) = &d.viewer_mtls_mode {
        f.evidence("viewer_mtls_mode", mode);
    }
    // Like viewer mTLS itself: some clients pass, others are refused at the edge, by code not read.
    if let Some(function) = &d.connection_function_id {
        f.evidence("connection_function", function);
        f.warn(
            format!(
                "ConnectionFunctionAssociation is {function}: its Connection Function allows or denies each mTLS \
                 connection at the edge, and clients it denies never reach API Gateway (its code is not read)"
            ),
            "test the function (TestConnectionFunction) with the clients' certificates, or remove \
             ConnectionFunctionAssociation",
        );
    }
    if let Some(acl) = &d.web_acl_id {
        f.evidence("web_acl_id", format!("{acl} (its rules may block requests with 403; they are not read)"));
    }
    if let Some(list) = &d.anycast_ip_list_id {
        f.evidence("anycast_ip_list_id", list);
    }
}

/// What an origin group does: the primary serves, and the primary's answers
/// in FailoverCriteria.StatusCodes send that request to the secondary.
fn origin_group_evidence(g: &OriginGroupFacts) -> String {
    let member = |i: usize| g.members.get(i).map_or("none", String::as_str);
    let codes = g.failover_status_codes.iter().map(|c| c.to_string()).collect::<Vec<_>>();
    format!(
        "`{}`: primary `{}`; on {} from the primary, requests go to `{}`",
        g.id,
        member(0),
        if codes.is_empty() { "no status code".to_owned() } else { codes.join(", ") },
        member(1)
    )
}

fn list(v: &[String]) -> String {
    if v.is_empty() { "none".into() } else { v.join(", ") }
}

/// What the public path should land on at API Gateway.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PathExpectation {
    /// For an execute-api origin: the path must be exactly `/{stage}`.
    pub stage: Option<String>,
    /// For a custom-domain origin: the first segment must be this key.
    pub mapping_key: Option<String>,
}

/// Whether an origin is API Gateway: an execute-api host, a regional
/// target, or one of the known custom domains.
/// Whether it is configured as one (CustomOriginConfig) is `cloudfront.origin`'s verdict.
pub fn is_api_origin(o: &OriginFacts, custom_domains: &[String]) -> bool {
    classify_host(&o.domain_name) != HostKind::Other
        || custom_domains.iter().any(|d| normalize_host(d) == normalize_host(&o.domain_name))
}

/// The behavior that serves (or should serve) the API: the chosen one if its
/// origin is API Gateway, else the first behavior whose origin is.
pub fn api_behavior<'a>(
    d: &'a DistributionFacts,
    path: &str,
    custom_domains: &[String],
) -> Option<(Option<usize>, &'a Behavior, &'a OriginFacts)> {
    let is_api = |b: &Behavior| d.origin(&b.target_origin_id).filter(|o| is_api_origin(o, custom_domains));
    let (i, chosen) = choose_behavior(d, path);
    if let Some(o) = is_api(chosen) {
        return Some((i, chosen, o));
    }
    d.behaviors
        .iter()
        .enumerate()
        .map(|(i, b)| (Some(i), b))
        .chain(std::iter::once((None, &d.default_behavior)))
        .find_map(|(i, b)| is_api(b).map(|o| (i, b, o)))
}

/// The door of API Gateway a request comes through, which decides the rule
/// for its path: the execute-api host takes exactly `/{stage}`, a custom
/// domain takes `/{mapping key}`. It follows from the Host API Gateway
/// *receives* (the route), not from the origin's domain name: with the viewer
/// Host forwarded, an execute-api origin serves the custom domain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    ExecuteApi,
    CustomDomain,
}

impl Door {
    /// From the route when it reached API Gateway, else from the origin's name.
    pub fn of(route: Option<&Route>, origin_host: &str) -> Door {
        match route.map(|r| &r.landing) {
            Some(Landing::ExecuteApi { .. }) => Door::ExecuteApi,
            Some(Landing::CustomDomain { .. }) => Door::CustomDomain,
            _ => match classify_host(origin_host) {
                HostKind::ExecuteApi { .. } => Door::ExecuteApi,
                _ => Door::CustomDomain,
            },
        }
    }
}

pub fn judge_path_pattern(
    d: &DistributionFacts,
    path: &str,
    expect: &PathExpectation,
    custom_domains: &[String],
    route: Option<&Route>,
) -> Outcome {
    let (index, chosen) = choose_behavior(d, path);
    let chosen_label = chosen.label(index);
    let chosen_origin = d.origin(&chosen.target_origin_id);
    let mut f = Findings::new();
    f.evidence("behavior", &chosen_label);
    f.evidence("origin", &chosen.target_origin_id);
    if let Some(g) = d.origin_groups.iter().find(|g| g.id == chosen.target_origin_id) {
        f.evidence("origin_group", origin_group_evidence(g));
    }

    let Some(origin) = chosen_origin.filter(|o| is_api_origin(o, custom_domains)) else {
        // CloudFront sends the path elsewhere: say why the API behavior did not win.
        let Some((api_index, api_b, _)) = api_behavior(d, path, custom_domains) else {
            f.fail(
                format!(
                    "no behavior targets an API Gateway origin; `{path}` goes to origin `{}`",
                    chosen.target_origin_id
                ),
                "add an origin for the API (its execute-api host or custom domain) and a behavior for it",
            );
            return f.outcome("");
        };
        let api_label = api_b.label(api_index);
        let pattern = api_b.path_pattern.clone().unwrap_or_default();
        let segment = first_segment(path);
        let wanted = if segment.is_empty() { "*".to_owned() } else { format!("{segment}*") };
        if api_index.is_none() {
            // The API sits behind the default behavior, and an earlier pattern catches the path.
            f.fail(
                format!(
                    "{chosen_label} (origin `{}`) catches `{path}` before the default behavior (origin `{}`)",
                    chosen.target_origin_id, api_b.target_origin_id
                ),
                format!(
                    "narrow or remove {chosen_label}, or add a behavior `{wanted}` for origin `{}` before it",
                    api_b.target_origin_id
                ),
            );
        } else if path_pattern_matches(&pattern, path) {
            f.fail(
                format!(
                    "{chosen_label} (origin `{}`) matches `{path}` first, so {api_label} never does",
                    chosen.target_origin_id
                ),
                format!(
                    "move {api_label} before {chosen_label}, or narrow {}",
                    chosen.path_pattern.as_deref().map_or("it".into(), |p| format!("`{p}`"))
                ),
            );
        } else if path_pattern_matches(&pattern.to_lowercase(), &path.to_lowercase()) {
            let what = match (&expect.stage, &expect.mapping_key) {
                (Some(s), _) if s == segment => format!("the stage is `{s}`"),
                (_, Some(k)) if k == segment => format!("the mapping key is `{k}`"),
                _ => format!("clients connect to `{path}`"),
            };
            f.fail_with_fix(
                format!(
                    "{} PathPattern is `{pattern}` but {what} (case-sensitive): `{path}` falls through to {chosen_label} (origin `{}`)",
                    behavior_number(api_index),
                    chosen.target_origin_id
                ),
                format!("set {} PathPattern to `{wanted}`", behavior_number(api_index)),
                path_pattern_fix(&d.id, api_index, &pattern, &wanted),
            );
        } else {
            f.fail_with_fix(
                format!(
                    "{api_label} does not match `{path}`: {chosen_label} (origin `{}`) answers",
                    chosen.target_origin_id
                ),
                format!("set {} PathPattern to `{wanted}`", behavior_number(api_index)),
                path_pattern_fix(&d.id, api_index, &pattern, &wanted),
            );
        }
        return f.outcome("");
    };

    // A function on the request side may rewrite the path or the Host: the configuration alone
    // cannot say what API Gateway receives (e2e.connect still proves it).
    if !chosen.request_functions.is_empty() {
        f.evidence("request_functions", chosen.request_functions.join("; "));
        f.unknown(format!(
            "{chosen_label} runs {}, which may rewrite the path or Host: the path API Gateway receives cannot be judged from the configuration (e2e.connect is the proof)",
            chosen.request_functions.join(" and ")
        ));
        return f.outcome("");
    }
    let sent = origin_request_path(d, path);
    let seen = join_origin_path(&origin.origin_path, &sent);
    f.evidence("origin_path", &origin.origin_path);
    f.evidence("path_at_api_gateway", &seen);
    let op = origin.origin_path.trim_end_matches('/');
    // The route describes the chosen behavior only when it is the one judged here.
    let route = route.filter(|r| r.edge.as_ref().is_some_and(|e| e.behavior_index == index));
    // Which door API Gateway receives the request at depends on the Host: unknown with it.
    if let Some(why) = route.and_then(|r| r.edge.as_ref()).and_then(|e| e.host_forwarding_unknown.as_deref()) {
        f.unknown(format!(
            "the Host API Gateway receives, and so the rule for the path, depends on a cache policy that could not be read ({why})"
        ));
        return f.outcome("");
    }
    let door = Door::of(route, &origin.domain_name);
    let problems = match door_problems(door, &seen, path, op, expect) {
        Ok(p) => p,
        Err(skip) => return skip,
    };
    if sent != path && !problems.is_empty() {
        // The root URL was replaced by the default root object: that is the field to fix.
        let object = d.default_root_object.as_deref().unwrap_or_default();
        f.evidence("default_root_object", object);
        let without = join_origin_path(&origin.origin_path, path);
        f.fail_with_fix(
            format!(
                "DefaultRootObject is `{object}`: for the root URL `{path}` CloudFront requests `{sent}` from the \
                 origin, so API Gateway gets `{seen}` instead of `{without}`"
            ),
            format!("set DefaultRootObject of distribution {} to \"\" (empty)", d.id),
            distribution_fix(
                &d.id,
                "DefaultRootObject",
                Some(object),
                Wanted::Value(String::new()),
                ".DefaultRootObject = \"\"",
                &[],
            ),
        );
        // Problems that remain without the default root object are still reported.
        for problem in door_problems(door, &without, path, op, expect).unwrap_or_default() {
            report_door_problem(&mut f, d, origin, problem);
        }
    } else {
        for problem in problems {
            report_door_problem(&mut f, d, origin, problem);
        }
    }
    f.outcome(format!("{chosen_label} → origin `{}` ({}): API Gateway gets `{seen}`", origin.id, origin.domain_name))
}

/// What is wrong with the path `seen` at API Gateway's `door` (the viewer's
/// `path`, OriginPath `op`), as (message, hint, whether OriginPath "" fixes it);
/// `Err` when the suite lacks what the rule needs.
fn door_problems(
    door: Door,
    seen: &str,
    path: &str,
    op: &str,
    expect: &PathExpectation,
) -> Result<Vec<(String, String, bool)>, Outcome> {
    let mut out = Vec::new();
    match door {
        Door::ExecuteApi => {
            let Some(stage) = &expect.stage else {
                return Err(Outcome::skip_suite_lacks(
                    "needs `[api] stage` to judge the path the execute-api host gets",
                ));
            };
            let want = format!("/{stage}");
            if seen.trim_end_matches('/') != want {
                if !op.is_empty() && path.starts_with(&want) && op == want {
                    out.push((
                        format!("OriginPath `{op}` + path `{path}` = `{seen}`: the execute-api host answers 403 to any path after the stage"),
                        format!("set OriginPath to \"\" (clients keep `{want}`), or keep OriginPath `{op}` and have clients connect to `/`"),
                        true,
                    ));
                } else if seen.trim_end_matches('/').eq_ignore_ascii_case(&want) {
                    out.push((
                        format!("API Gateway gets `{seen}` but the stage is `{stage}` (case-sensitive)"),
                        format!("have clients connect to `{want}` (with a PathPattern `{stage}*`)"),
                        false,
                    ));
                } else {
                    out.push((
                        format!("the execute-api host gets `{seen}` but accepts exactly `{want}` (anything else is 403)"),
                        format!("with OriginPath \"\" clients connect to `{want}` (PathPattern `{stage}*`); with OriginPath `{want}` they connect to `/`"),
                        false,
                    ));
                }
            }
        }
        Door::CustomDomain => {
            let Some(key) = &expect.mapping_key else {
                return Err(Outcome::skip_suite_lacks(
                    "needs `[custom_domain] mapping_key` to judge the path the custom domain gets",
                ));
            };
            let got = first_segment(seen);
            let ok = if key.is_empty() { seen == "/" || seen.is_empty() } else { got == key };
            if !ok {
                let doubled = !op.is_empty() && first_segment(path) == first_segment(op);
                let hint = if doubled {
                    format!("OriginPath `{op}` + path `{path}` = `{seen}`: set OriginPath to \"\"")
                } else if key.is_empty() {
                    "the API mapping key is empty: clients connect to `/` (OriginPath \"\")".into()
                } else {
                    format!(
                        "the first path segment API Gateway gets must be the mapping key: clients connect to `/{key}` (OriginPath \"\")"
                    )
                };
                out.push((
                    format!(
                        "the custom domain gets `{seen}`, whose first segment `{got}` is not the mapping key `{key}`"
                    ),
                    hint,
                    doubled,
                ));
            }
        }
    }
    Ok(out)
}

fn report_door_problem(
    f: &mut Findings,
    d: &DistributionFacts,
    origin: &OriginFacts,
    (m, h, empty_origin_path): (String, String, bool),
) {
    if empty_origin_path {
        let fix = origin_fix(&d.id, &origin.id, "OriginPath", Some(&origin.origin_path), "", ".OriginPath = \"\"", &[]);
        f.fail_with_fix(m, h, fix);
    } else {
        f.fail(m, h);
    }
}

/// PathPattern of ordered behavior `index` (only those have one).
fn path_pattern_fix(id: &str, index: Option<usize>, current: &str, wanted: &str) -> Fix {
    let (field, jq) = behavior_path(index);
    distribution_fix(
        id,
        &format!("{field}.PathPattern"),
        Some(current),
        Wanted::Value(wanted.into()),
        &format!("{jq}.PathPattern = $v0"),
        &[wanted],
    )
}

fn behavior_number(i: Option<usize>) -> String {
    i.map_or("the default behavior".into(), |i| format!("behavior #{i}"))
}

/// `cloudfront.origin`: the API origin (reached through `behavior`, #`index`)
/// must reach API Gateway over HTTPS with TLSv1.2, in the API's region.
/// With OriginProtocolPolicy `match-viewer` CloudFront uses the viewer's
/// protocol, so the behavior's ViewerProtocolPolicy decides: viewers only on
/// HTTPS (`https-only`, `redirect-to-https`) reach the origin over HTTPS;
/// `allow-all` lets a plain `ws://` viewer reach it over HTTP, which API
/// Gateway refuses.
pub fn judge_origin(
    distribution_id: &str,
    o: &OriginFacts,
    behavior: &Behavior,
    index: Option<usize>,
    region: &str,
) -> Outcome {
    let mut f = Findings::new();
    let https_only = || {
        let edit = ".CustomOriginConfig.OriginProtocolPolicy = \"https-only\"";
        let current = o.custom.as_ref().map(|c| c.protocol_policy.as_str());
        origin_fix(distribution_id, &o.id, "CustomOriginConfig.OriginProtocolPolicy", current, "https-only", edit, &[])
    };
    f.evidence("origin", format!("{} ({})", o.id, o.domain_name));
    let label = behavior.label(index);
    let mut how = "https-only".to_owned();
    match &o.custom {
        None => {
            let config = if o.vpc_origin_id.is_some() { "VpcOriginConfig" } else { "S3OriginConfig" };
            f.fail_with_fix(
                format!(
                    "origin `{}` ({}) has {config}, not CustomOriginConfig: CloudFront treats it as {}, not as API Gateway",
                    o.id,
                    o.domain_name,
                    if o.vpc_origin_id.is_some() { "a VPC origin" } else { "an S3 bucket" }
                ),
                format!(
                    "replace {config} of origin `{}` with CustomOriginConfig (OriginProtocolPolicy https-only, OriginSslProtocols TLSv1.2)",
                    o.id
                ),
                distribution_words(
                    distribution_id,
                    &format!("Origins.Items[Id={}].{config}", o.id),
                    Some(config),
                    "CustomOriginConfig with OriginProtocolPolicy https-only, OriginSslProtocols TLSv1.2, HTTPSPort 443".into(),
                ),
            )
        }
        Some(c) => {
            match c.protocol_policy.as_str() {
                "https-only" => {}
                "match-viewer" => {
                    let viewer = behavior.viewer_protocol_policy.as_deref();
                    f.evidence("viewer_protocol_policy", viewer.unwrap_or("unknown"));
                    match viewer {
                        Some(v @ ("https-only" | "redirect-to-https")) => {
                            how = format!("match-viewer with {label}'s ViewerProtocolPolicy {v} (viewers only on HTTPS)");
                        }
                        Some("allow-all") => f.fail_with_fix(
                            format!(
                                "origin `{}` OriginProtocolPolicy is match-viewer and {label} has ViewerProtocolPolicy \
                                 allow-all: a viewer on plain ws:// reaches API Gateway over HTTP, which it refuses",
                                o.id
                            ),
                            "set OriginProtocolPolicy to https-only (or the behavior's ViewerProtocolPolicy to https-only)",
                            https_only(),
                        ),
                        Some(other) => f.unknown(format!(
                            "origin `{}` OriginProtocolPolicy is match-viewer and {label}'s ViewerProtocolPolicy is \
                             `{other}`: whether viewers reach API Gateway over HTTPS cannot be told",
                            o.id
                        )),
                        None => f.unknown(format!(
                            "origin `{}` OriginProtocolPolicy is match-viewer and {label}'s ViewerProtocolPolicy is \
                             not reported: whether viewers reach API Gateway over HTTPS cannot be told",
                            o.id
                        )),
                    }
                }
                other => f.fail_with_fix(
                    format!("origin `{}` OriginProtocolPolicy is {other}: API Gateway only answers HTTPS", o.id),
                    "set OriginProtocolPolicy to https-only",
                    https_only(),
                ),
            }
            // API Gateway accepts TLS 1.2 and 1.3 only; TLSv1.2 is the newest OriginSslProtocols offers.
            if !c.ssl_protocols.iter().any(|p| p == "TLSv1.2") {
                f.fail_with_fix(
                    format!(
                        "origin `{}` OriginSslProtocols ({}) lack TLSv1.2: API Gateway accepts only TLS 1.2 and 1.3, \
                         so CloudFront cannot complete the handshake (502)",
                        o.id,
                        list(&c.ssl_protocols)
                    ),
                    format!("add TLSv1.2 to OriginSslProtocols of origin `{}`", o.id),
                    origin_fix(
                        distribution_id,
                        &o.id,
                        "CustomOriginConfig.OriginSslProtocols.Items",
                        Some(&list(&c.ssl_protocols)),
                        "TLSv1.2",
                        ".CustomOriginConfig.OriginSslProtocols = {Quantity: 1, Items: [\"TLSv1.2\"]}",
                        &[],
                    ),
                );
            }
            // The documented endpoints are wss://…/ URLs without a port, i.e. 443 (RFC 6455);
            // that API Gateway listens on no other port is not documented: a warning.
            if let Some(port) = c.https_port.filter(|p| *p != 443) {
                f.evidence("https_port", port);
                f.warn_with_fix(
                    format!(
                        "origin `{}` HTTPSPort is {port}: API Gateway's documented endpoints are `wss://` URLs \
                         without a port (443)",
                        o.id
                    ),
                    format!("set HTTPSPort of origin `{}` to 443", o.id),
                    origin_fix(
                        distribution_id,
                        &o.id,
                        "CustomOriginConfig.HTTPSPort",
                        Some(&port.to_string()),
                        "443",
                        ".CustomOriginConfig.HTTPSPort = 443",
                        &[],
                    ),
                );
            }
        }
    }
    // OriginAccessControlOriginType is s3, mediastore, mediapackagev2 or lambda; its signing
    // behavior (not read) "always" overwrites the viewer's Authorization.
    if let Some(oac) = &o.origin_access_control_id {
        f.evidence("origin_access_control_id", oac);
        f.warn_with_fix(
            format!(
                "origin `{}` has origin access control {oac}, which is for S3, Lambda, MediaStore and MediaPackage \
                 origins, not API Gateway: with SigningBehavior always CloudFront signs every origin request, \
                 overwriting the viewer's Authorization header",
                o.id
            ),
            format!("remove OriginAccessControlId from origin `{}`", o.id),
            origin_fix(
                distribution_id,
                &o.id,
                "OriginAccessControlId",
                Some(oac),
                "",
                ".OriginAccessControlId = \"\"",
                &[],
            ),
        );
    }
    match classify_host(&o.domain_name) {
        HostKind::ExecuteApi { region: r, .. } | HostKind::RegionalTarget { region: r } if r != region => f
            .fail_with_fix(
                format!("origin host {} is in {r} but the API is in {region}", o.domain_name),
                format!("point the origin at the API's host in {region}"),
                distribution_words(
                    distribution_id,
                    &format!("Origins.Items[Id={}].DomainName", o.id),
                    Some(&o.domain_name),
                    format!("the API's execute-api host or its custom domain's regional target in {region}"),
                ),
            ),
        _ => {}
    }
    f.outcome(format!("origin `{}` ({}) is {how} with TLSv1.2", o.id, o.domain_name))
}

/// What `cloudfront.forwarding` needs besides the forwarding itself.
#[derive(Debug, Clone, Default)]
pub struct ForwardingContext {
    pub behavior_label: String,
    /// The distribution and the behavior's place in it (`None`: the default behavior): where a fix edits.
    pub distribution_id: String,
    pub behavior_index: Option<usize>,
    pub origin_id: String,
    pub origin_host: String,
    /// The API origin's `CustomHeaders` names: CloudFront sets them on every origin request.
    pub origin_custom_headers: Vec<String>,
    pub viewer_host: String,
    /// Whether the viewer host is an API Gateway custom domain in the region.
    pub viewer_is_custom_domain: bool,
    /// Header names `$connect` needs (the suite's roundtrip headers). Names only.
    pub auth_headers: Vec<String>,
    pub auth_query: Vec<String>,
    pub subprotocols: bool,
    /// The behavior's signers (`TrustedKeyGroups …`, `TrustedSigners …`):
    /// CloudFront then requires signed URLs or signed cookies.
    pub trusted_signers: Vec<String>,
    /// The one field that keeps the deployment from its intended layout, when known.
    pub blame: Option<Blame>,
    /// Where the route lands, when it is this behavior's: the Host API Gateway
    /// receives, and `None` for the landing when API Gateway has no API for it.
    /// `None`: the route is not known for this behavior (the Host is not judged).
    pub gateway: Option<GatewayView>,
}

/// The part of the route that the Host verdict reads.
#[derive(Debug, Clone, Default)]
pub struct GatewayView {
    /// The Host API Gateway receives.
    pub host: String,
    pub host_forwarded: bool,
    /// API Gateway has an API for that Host (the execute-api door or a custom domain).
    pub known_to_api_gateway: bool,
    /// Why the Host API Gateway receives is unknown (an unreadable cache policy).
    pub host_unknown: Option<String>,
    /// The origin answers itself (an S3 bucket, …): the route's last hop, when the request never reaches API Gateway.
    pub origin_answers: Option<String>,
}

impl GatewayView {
    pub fn of(route: &Route) -> Option<GatewayView> {
        let edge = route.edge.as_ref()?;
        Some(GatewayView {
            host: route.gateway_host.clone(),
            host_forwarded: edge.host_forwarded,
            known_to_api_gateway: !matches!(route.landing, Landing::Unmapped { .. } | Landing::Origin { .. }),
            host_unknown: edge.host_forwarding_unknown.clone(),
            origin_answers: matches!(route.landing, Landing::Origin { .. }).then(|| route.hops().pop()).flatten(),
        })
    }
}

/// The behavior's policy id `field` (`OriginRequestPolicyId`, `CachePolicyId`) set to a managed
/// policy. A legacy behavior (ForwardedValues) cannot take a policy without giving up ForwardedValues
/// and naming a cache policy too: that is said in words.
fn behavior_policy_fix(fw: &ForwardingFacts, cx: &ForwardingContext, field: &str, policy: &str, name: &str) -> Fix {
    let (path, jq) = behavior_path(cx.behavior_index);
    let field_path = format!("{path}.{field}");
    if fw.source.starts_with("legacy") {
        return distribution_words(
            &cx.distribution_id,
            &field_path,
            None,
            format!(
                "{policy} (managed {name}), with ForwardedValues removed and a CachePolicyId set: a behavior takes \
                 policies only without legacy ForwardedValues"
            ),
        );
    }
    distribution_fix(
        &cx.distribution_id,
        &field_path,
        None,
        Wanted::Value(format!("{policy} (managed {name})")),
        &format!("{jq}.{field} = $v0"),
        &[policy],
    )
}

/// The managed policy that forwards every viewer header and query string and keeps the Host as
/// it is forwarded now: the fix for a header or query string `$connect` needs.
fn all_viewer(host_forwarded: bool) -> (&'static str, &'static str) {
    if host_forwarded {
        (POLICY_ALL_VIEWER, "AllViewer")
    } else {
        (POLICY_ALL_VIEWER_EXCEPT_HOST, "AllViewerExceptHostHeader")
    }
}

pub fn judge_forwarding(fw: &ForwardingFacts, cx: &ForwardingContext) -> Outcome {
    let mut f = Findings::new();
    f.evidence("forwarding", &fw.source);
    f.evidence("behavior", &cx.behavior_label);
    let b = &cx.behavior_label;
    let mut ws = vec!["Sec-WebSocket-Key", "Sec-WebSocket-Version"];
    if cx.subprotocols {
        ws.push("Sec-WebSocket-Protocol");
    }
    let missing: Vec<&str> = ws.into_iter().filter(|h| !fw.forwards_header(h)).collect();
    let host_forwarded = fw.forwards_header("Host");
    if !missing.is_empty() {
        let (id, policy) = all_viewer(host_forwarded);
        f.fail_with_fix(
            format!(
                "{b} ({}) does not forward {}: the upgrade never reaches API Gateway intact",
                fw.source,
                missing.join(", ")
            ),
            format!(
                "set OriginRequestPolicyId to the managed {policy} policy, or add {} to the policy's headers",
                missing.join(", ")
            ),
            behavior_policy_fix(fw, cx, "OriginRequestPolicyId", id, policy),
        );
    }
    let v = &cx.viewer_host;
    // The one forwarding field blame names: the viewer Host, which AllViewer forwards.
    if let Some(b) = cx.blame.as_ref().filter(|b| b.check == ids::CLOUDFRONT_FORWARDING) {
        let fix = behavior_policy_fix(fw, cx, "OriginRequestPolicyId", POLICY_ALL_VIEWER, "AllViewer");
        f.fail_with_fix(b.message.clone(), b.hint.clone(), fix);
    }
    // The Host verdict reads the route: which Host API Gateway receives, and whether it knows it.
    let blamed_elsewhere = cx.blame.as_ref().filter(|b| b.check != ids::CLOUDFRONT_FORWARDING);
    match &cx.gateway {
        Some(GatewayView { host_unknown: Some(why), .. }) => f.unknown(format!(
            "whether {b} sends the viewer Host `{v}`: the origin request policy does not, and the cache policy, \
             whose headers CloudFront also sends, could not be read ({why})"
        )),
        Some(g) if g.known_to_api_gateway => {}
        // No Host of API Gateway's to judge: which origin the behavior targets is cloudfront.origin's.
        Some(GatewayView { origin_answers: Some(hop), .. }) => f.evidence("host", format!("not judged: {hop}")),
        Some(_) if let Some(other) = blamed_elsewhere => {
            f.evidence("host", format!("follows from {}: {}", other.check, other.message))
        }
        Some(g) if g.host_forwarded => f.fail_with_fix(
            format!(
                "{b} forwards the viewer Host `{v}` to origin {}: API Gateway has no custom domain `{v}` in the region and answers 403",
                cx.origin_host
            ),
            format!(
                "set OriginRequestPolicyId to AllViewerExceptHostHeader ({POLICY_ALL_VIEWER_EXCEPT_HOST}), or create the regional custom domain `{v}` with an API mapping"
            ),
            behavior_policy_fix(fw, cx, "OriginRequestPolicyId", POLICY_ALL_VIEWER_EXCEPT_HOST, "AllViewerExceptHostHeader"),
        ),
        // Without the forwarded Host, when that is the one field off, the blame above says it.
        Some(_) if cx.blame.is_some() => {}
        Some(g) if cx.viewer_is_custom_domain => f.fail_with_fix(
            format!("{b} does not forward the viewer Host: API Gateway sees `{}` and has no API for it (403)", g.host),
            format!("set OriginRequestPolicyId to AllViewer ({POLICY_ALL_VIEWER}) so API Gateway sees `{v}`"),
            behavior_policy_fix(fw, cx, "OriginRequestPolicyId", POLICY_ALL_VIEWER, "AllViewer"),
        ),
        Some(g) => f.fail(
            format!("API Gateway sees `{}` (the origin's name) and has no API for it, and `{v}` is not an API Gateway custom domain in the region (403)", g.host),
            format!("point the origin at the API's execute-api host, or create the custom domain `{v}` with a mapping and forward Host (AllViewer)"),
        ),
        None => f.evidence("host", "not judged: the route does not pass through this behavior"),
    }
    // Caching is a warning at most, so not knowing it is one too, never an unknown verdict.
    if fw.caching_disabled.is_none() {
        f.warn(
            format!(
                "whether {b} caches cannot be told: {}",
                fw.cache_policy_unknown.as_deref().unwrap_or("the cache policy's TTLs are not reported")
            ),
            format!("use the managed CachingDisabled policy ({CACHE_POLICY_CACHING_DISABLED}), whose TTLs are known"),
        );
    }
    // CloudFront's WebSocket page asks only for the Sec-WebSocket-* headers, not for a cache
    // policy: caching breaks no upgrade, but an error answer (a refused `$connect`) may be cached.
    if fw.caching_disabled == Some(false) {
        f.warn_with_fix(
            format!("{b} may cache responses: an error answer to an upgrade (a refused `$connect`) may be served from the cache to other viewers"),
            format!("set CachePolicyId to the managed CachingDisabled policy ({CACHE_POLICY_CACHING_DISABLED})"),
            behavior_policy_fix(fw, cx, "CachePolicyId", CACHE_POLICY_CACHING_DISABLED, "CachingDisabled"),
        );
    }
    for h in &cx.auth_headers {
        // The Cookie header is governed by the cookie settings, not by the headers.
        if h.eq_ignore_ascii_case("Cookie") {
            judge_cookie_forwarding(fw, b, &mut f);
            continue;
        }
        if !fw.forwards_header(h) && fw.cache_policy_unknown.is_some() {
            // The unread cache policy's headers reach the origin too: it may carry `h`.
            f.unknown(format!(
                "whether {b} forwards the header `{h}` that $connect needs: the origin request policy does not, and the \
                 cache policy, whose headers CloudFront also sends, could not be read ({})",
                fw.cache_policy_unknown.as_deref().unwrap_or_default()
            ));
        } else if !fw.forwards_header(h) {
            // CloudFront refuses Authorization in an origin request policy's list: the cache key
            // or a policy forwarding all viewer headers carries it.
            let hint = if h.eq_ignore_ascii_case("Authorization") {
                format!(
                    "set OriginRequestPolicyId to AllViewerExceptHostHeader ({POLICY_ALL_VIEWER_EXCEPT_HOST}), which forwards all viewer headers Authorization included, or add `Authorization` to the cache policy's headers (the cache key); an origin request policy cannot list it"
                )
            } else {
                format!("add `{h}` to the origin request policy's headers (or use AllViewerExceptHostHeader)")
            };
            let (policy, name) = all_viewer(host_forwarded);
            f.fail_with_fix(
                format!("{b} does not forward the header `{h}` that $connect needs"),
                hint,
                behavior_policy_fix(fw, cx, "OriginRequestPolicyId", policy, name),
            );
        }
    }
    judge_signed_access(cx, &mut f);
    judge_origin_custom_headers(cx, &mut f);
    for q in &cx.auth_query {
        if !fw.query_strings.includes(q, false) {
            let (policy, name) = all_viewer(host_forwarded);
            f.fail_with_fix(
                format!("{b} does not forward the query string `{q}` that $connect needs"),
                "set the origin request policy's QueryStringBehavior to all",
                behavior_policy_fix(fw, cx, "OriginRequestPolicyId", policy, name),
            );
        }
    }
    f.outcome(format!(
        "{b} forwards the WebSocket handshake ({}), Host {}",
        fw.source,
        if host_forwarded { "forwarded" } else { "not forwarded" }
    ))
}

/// `$connect` reads a Cookie header (the suite sends one): which cookies
/// reach API Gateway is the cookie settings' answer. Cookie names in the
/// suite's header are not read (the value may be a secret).
fn judge_cookie_forwarding(fw: &ForwardingFacts, b: &str, f: &mut Findings) {
    let legacy = fw.source.starts_with("legacy");
    match &fw.cookies {
        None => f.evidence(
            "cookies",
            "not judged: the cache policy's cookies, which CloudFront also sends to the origin, are not read",
        ),
        Some(NameSet::All) => {}
        Some(NameSet::None) => f.fail(
            format!("{b} ({}) forwards no cookies: the Cookie header that $connect needs never reaches API Gateway", fw.source),
            if legacy {
                "set ForwardedValues.Cookies.Forward to all (or whitelist the cookies $connect reads)".to_owned()
            } else {
                format!(
                    "set the origin request policy's CookiesConfig to all (or whitelist the cookies $connect reads), or use AllViewerExceptHostHeader ({POLICY_ALL_VIEWER_EXCEPT_HOST})"
                )
            },
        ),
        Some(some) => {
            let (what, names) = match some {
                NameSet::Only(v) => ("only the cookies", v.join(", ")),
                NameSet::AllExcept(v) => ("every cookie except", v.join(", ")),
                _ => unreachable!("All and None are matched above"),
            };
            f.evidence("cookies", format!("{what} {names}"));
            f.warn(
                format!("{b} forwards {what} {names}: other cookies in the suite's Cookie header do not reach $connect (the header's cookie names are not checked)"),
                if legacy {
                    "add the cookies $connect reads to ForwardedValues.Cookies.WhitelistedNames (or set Forward to all)"
                } else {
                    "add the cookies $connect reads to the origin request policy's CookiesConfig (or set CookieBehavior to all)"
                },
            );
        }
    }
}

/// An origin custom header replaces the viewer's header of that name ("If a
/// header is present, CloudFront overwrites the header value"): for the
/// handshake's and `$connect`'s headers every client then sends the same value.
fn judge_origin_custom_headers(cx: &ForwardingContext, f: &mut Findings) {
    let read_by_connect = |h: &str| {
        h.to_ascii_lowercase().starts_with("sec-websocket-")
            || ["Authorization", "x-api-key"].iter().any(|n| n.eq_ignore_ascii_case(h))
            || cx.auth_headers.iter().any(|n| n.eq_ignore_ascii_case(h))
    };
    let overwritten: Vec<&String> = cx.origin_custom_headers.iter().filter(|h| read_by_connect(h)).collect();
    if overwritten.is_empty() {
        return;
    }
    let names = overwritten.iter().map(|h| h.as_str()).collect::<Vec<_>>().join(", ");
    f.evidence("origin_custom_headers", cx.origin_custom_headers.join(", "));
    f.warn(
        format!(
            "origin `{}` overwrites {names} on every request (CustomHeaders): the clients' own values never reach \
             API Gateway",
            cx.origin_id
        ),
        format!("remove {names} from the CustomHeaders of origin `{}`", cx.origin_id),
    );
}

/// A behavior with signers answers 403 to every request without a signed URL
/// or signed cookie: the suite's own connect fails unless it carries one.
fn judge_signed_access(cx: &ForwardingContext, f: &mut Findings) {
    if cx.trusted_signers.is_empty() {
        return;
    }
    let b = &cx.behavior_label;
    let signers = cx.trusted_signers.join("; ");
    f.evidence("trusted_signers", &signers);
    // A signed URL carries Signature and Key-Pair-Id (with Expires or Policy); signed cookies
    // come in a Cookie header, whose value (a secret) is not inspected.
    let signed_url = ["Signature", "Key-Pair-Id"].iter().all(|q| cx.auth_query.iter().any(|n| n == q));
    let cookie = cx.auth_headers.iter().any(|h| h.eq_ignore_ascii_case("Cookie"));
    if signed_url || cookie {
        f.warn(
            format!(
                "{b} has {signers}: CloudFront requires a signed URL or signed cookie on every connect, and \
                 clients without a valid one get 403 (the suite's {} is not verified here)",
                if signed_url { "signed URL" } else { "Cookie header" }
            ),
            format!("remove the signers from {b} (TrustedKeyGroups and TrustedSigners Enabled false) if clients connect unsigned"),
        );
    } else {
        f.fail(
            format!(
                "{b} has {signers}: CloudFront requires a signed URL or signed cookie on every request it \
                 matches, and the suite's connect carries neither (403)"
            ),
            format!(
                "remove the signers from {b} (TrustedKeyGroups and TrustedSigners Enabled false), or sign the \
                 connect: `[roundtrip] query` with Policy (or Expires), Signature and Key-Pair-Id"
            ),
        );
    }
}

// ---------------------------------------------------------------------------
// Runs: fetch facts, call the rule.

/// The custom domains known to be API Gateway: the suite's and the route's.
async fn known_custom_domains(ctx: &Ctx, route: Option<&Route>) -> Vec<String> {
    let mut v: Vec<String> = ctx.suite.custom_domain.iter().map(|c| c.name.clone()).collect();
    if let Some(crate::model::route::Landing::CustomDomain { domain, .. }) = route.map(|r| &r.landing) {
        v.push(domain.clone());
    }
    v
}

/// Expected stage and mapping key: the suite's, else discovered.
async fn path_expectation(ctx: &Ctx, route: Option<&Route>) -> PathExpectation {
    let stage = ctx.facts.aws.stage_name().await.ok();
    let mapping_key = match ctx.suite.custom_domain.as_ref().and_then(|c| c.mapping_key.clone()) {
        Some(k) => Some(k),
        None => {
            // The key of the mapping that leads to the expected API + stage, else the URL's first segment.
            let api = ctx.facts.aws.api_id().await.ok();
            let mut found = None;
            if let Ok(Some(domain)) = ctx.facts.aws.custom_domain_name().await
                && let Ok(maps) = ctx.facts.aws.mappings(&domain).await
            {
                found = maps
                    .iter()
                    .find(|m| m.api_id.is_some() && m.api_id == api && m.stage.is_some() && m.stage == stage)
                    .map(|m| m.api_mapping_key.clone());
            }
            found.or_else(|| route.map(|r| first_segment(&r.viewer_path).to_owned()))
        }
    };
    PathExpectation { stage, mapping_key }
}

fn run_path_pattern(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let d = match distribution(&ctx).await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let found = route_and_blame(&ctx).await.ok();
        // A path that is wrong only because another field is: that check owns the fix.
        if let Some((r, Some(b))) = &found
            && b.check != ids::CLOUDFRONT_PATH_PATTERN
        {
            return Outcome::skip(format!("follows from {}: {}", b.check, b.message)).with_evidence(route_evidence(r));
        }
        let route = found.map(|(r, _)| r);
        let domains = known_custom_domains(&ctx, route.as_deref()).await;
        let expect = path_expectation(&ctx, route.as_deref()).await;
        let out = judge_path_pattern(&d, ctx.suite.path(), &expect, &domains, route.as_deref());
        match route {
            Some(r) => out.with_evidence(route_evidence(&r)),
            None => out,
        }
    })
}

fn run_origin(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let d = match distribution(&ctx).await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let route = ctx.facts.aws.route().await.ok();
        let domains = known_custom_domains(&ctx, route.as_deref()).await;
        match api_behavior(&d, ctx.suite.path(), &domains) {
            Some((i, b, o)) => judge_origin(&d.id, o, b, i, &ctx.suite.region),
            None => Outcome::fail(
                "no behavior targets an API Gateway origin",
                "add an origin for the API (its execute-api host or custom domain) and a behavior for it",
            ),
        }
    })
}

fn run_forwarding(ctx: Arc<Ctx>) -> BoxFuture<'static, Outcome> {
    Box::pin(async move {
        let d = match distribution(&ctx).await {
            Ok(d) => d,
            Err(o) => return o,
        };
        let found = route_and_blame(&ctx).await;
        let route = found.as_ref().ok().map(|(r, _)| r.clone());
        let domains = known_custom_domains(&ctx, route.as_deref()).await;
        let Some((i, b, o)) = api_behavior(&d, ctx.suite.path(), &domains) else {
            return Outcome::fail(
                "no behavior targets an API Gateway origin",
                "add an origin for the API (its execute-api host or custom domain) and a behavior for it",
            );
        };
        let fw = match ctx.facts.aws.forwarding(b).await {
            Ok(f) => f,
            Err(e) => return Outcome::from(e),
        };
        // Whether the viewer host is a regional custom domain: the route decided it.
        let (viewer_is_custom_domain, blamed) = match &found {
            Ok((r, b)) => (r.viewer_is_custom_domain, b.as_deref().cloned()),
            Err(e) => return Outcome::from(e.clone()),
        };
        let rt = &ctx.suite.roundtrip;
        let cx = ForwardingContext {
            behavior_label: b.label(i),
            distribution_id: d.id.clone(),
            behavior_index: i,
            origin_id: o.id.clone(),
            origin_host: o.domain_name.clone(),
            origin_custom_headers: o.custom_headers.clone(),
            viewer_host: ctx.suite.host().to_owned(),
            viewer_is_custom_domain,
            auth_headers: rt.headers.iter().map(|(k, _)| k.clone()).collect(),
            auth_query: rt.query.iter().map(|(k, _)| k.clone()).collect(),
            subprotocols: !rt.subprotocols.is_empty(),
            trusted_signers: b.trusted_signers.clone(),
            blame: blamed,
            gateway: route
                .as_deref()
                .filter(|r| r.edge.as_ref().is_some_and(|e| e.behavior_index == i))
                .and_then(GatewayView::of),
        };
        let out = judge_forwarding(&fw, &cx);
        match route {
            Some(r) => out.with_evidence(route_evidence(&r)),
            None => out,
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::route::tests::{EXEC, REGION, REGIONAL, dist};
    use crate::outcome::Status;

    fn a() -> DistributionFacts {
        dist(EXEC, "Prod*", POLICY_ALL_VIEWER_EXCEPT_HOST)
    }

    // AWS: CloudFront Developer Guide, "Cache behavior settings" (Path pattern) — the pattern is
    // case-sensitive: where the route names this check as why it reaches no API
    // (`blame::route_fault`), the check fails, so what is skipped as its consequence has a cause.
    #[test]
    fn the_route_fault_it_is_named_for_is_a_failure_here() {
        use crate::checks::blame::{Intent, route_fault};
        use crate::model::route::tests::route_of;
        let d = dist(EXEC, "prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/Prod", &[], &[]);
        assert_eq!(route_fault(&r, &Intent::default()), Some(ids::CLOUDFRONT_PATH_PATTERN));
        let judged = judge_path_pattern(&d, "/Prod", &PathExpectation::default(), &[], Some(&r));
        assert_eq!(judged.verdict.status(), Status::Fail, "{judged:?}");
    }

    fn stage(s: &str) -> PathExpectation {
        PathExpectation { stage: Some(s.into()), mapping_key: None }
    }

    fn hint(o: &Outcome) -> String {
        o.verdict.hint().unwrap_or_default().to_owned()
    }

    // AWS: CloudFront API Reference, "ViewerCertificate" — with Aliases set ACMCertificateArn or
    // IAMCertificateId (CloudFrontDefaultCertificate only for the *.cloudfront.net name); "CloudFront
    // only supports ACM certificates in the US East (N. Virginia) Region (us-east-1)".
    #[test]
    fn distribution_pass_and_each_failure() {
        let good = a();
        assert_eq!(judge_distribution(Some(&good), "ws.example.com").status(), Status::Pass);
        assert_eq!(judge_distribution(None, "ws.example.com").status(), Status::Fail);

        let mut d = a();
        d.status = "InProgress".into();
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert!(o.status() == Status::Fail && o.retryable);

        let mut d = a();
        d.aliases.clear();
        d.status = "InProgress".into();
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert!(o.status() == Status::Fail && !o.retryable, "a permanent problem is not retryable");
        assert!(hint(&o).contains("add ws.example.com to Aliases"));

        // An old minimum TLS version works for clients: a warning with its fix, not a failure.
        let mut d = a();
        d.minimum_protocol_version = Some("TLSv1".into());
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings[0].hint.as_deref().is_some_and(|h| h.contains("TLSv1.2_2021")), "{o:?}");
        let mut d = a();
        d.enabled = false;
        assert_eq!(judge_distribution(Some(&d), "ws.example.com").status(), Status::Fail);
        let mut d = a();
        d.acm_certificate_arn = None;
        d.cloudfront_default_certificate = true;
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("CloudFront's default"), "{o:?}");
        // An IAM server certificate serves aliases as well as ACM's.
        d.cloudfront_default_certificate = false;
        d.iam_certificate_id = Some("ASCAEXAMPLE".into());
        assert_eq!(judge_distribution(Some(&d), "ws.example.com").status(), Status::Pass);
        let mut d = a();
        d.acm_certificate_arn = Some("arn:aws:acm:ap-northeast-1:1:certificate/x".into());
        assert!(hint(&judge_distribution(Some(&d), "ws.example.com")).contains("us-east-1"));
        let mut d = a();
        d.aliases = vec!["*.example.com".into()];
        d.minimum_protocol_version = Some("TLSv1.2_2025".into());
        assert_eq!(judge_distribution(Some(&d), "ws.example.com").status(), Status::Pass);
    }

    // AWS: CloudFront Developer Guide, "Use wildcards in alternate domain names" — `*.example.com` stands for any name ending in `.example.com`, however many labels precede it (marketing.product-name.example.com too), but not example.com itself; the certificate still has to cover the host by its own rule (one label per `*`, judged by acm.certificate and tls.*).
    #[test]
    fn a_wildcard_alias_serves_hosts_of_any_depth() {
        let mut d = a();
        d.aliases = vec!["*.example.com".into()];
        assert_eq!(judge_distribution(Some(&d), "ws.eu.example.com").status(), Status::Pass);
        assert_eq!(judge_distribution(Some(&d), "a.b.c.example.com").status(), Status::Pass);
        let o = judge_distribution(Some(&d), "example.com");
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(hint(&o).contains("add example.com to Aliases"), "{o:?}");
        let o = judge_distribution(Some(&d), "ws.example.org");
        assert_eq!(o.status(), Status::Fail, "{o:?}");
    }

    #[test]
    fn path_pattern_pass_on_layout_a_and_b() {
        assert_eq!(judge_path_pattern(&a(), "/Prod", &stage("Prod"), &[], None).status(), Status::Pass);
        let b = dist(REGIONAL, "websocket*", POLICY_ALL_VIEWER);
        let e = PathExpectation { stage: Some("Prod".into()), mapping_key: Some("websocket".into()) };
        assert_eq!(judge_path_pattern(&b, "/websocket", &e, &[], None).status(), Status::Pass);
        // OriginPath `/Prod` with clients on `/`.
        let mut d = a();
        d.origins[1].origin_path = "/Prod".into();
        d.behaviors[0].path_pattern = Some("*".into());
        assert_eq!(judge_path_pattern(&d, "/", &stage("Prod"), &[], None).status(), Status::Pass);
    }

    /// The seed's literal layout b: the origin is the API's own execute-api
    /// host, but the viewer Host is forwarded and is a custom domain, so API
    /// Gateway routes by the mapping key, not by the stage.
    // AWS: API Gateway Developer Guide, "Map API stages to a custom domain name for WebSocket
    // APIs" — an API mapping sends `wss://{custom domain}/{mapping key}` to its API and stage.
    // AWS: CloudFront Developer Guide, "Use managed origin request policies", AllViewer —
    // "Headers included in origin requests: All headers in the viewer request" (Host included).
    #[test]
    fn path_pattern_seed_layout_b_with_execute_api_origin() {
        use crate::model::route::tests::{domain, mapping, route_of};
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER);
        let maps = [("ws.example.com", vec![mapping("websocket", "Prod")])];
        let r = route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps);
        let e = PathExpectation { stage: Some("Prod".into()), mapping_key: Some("websocket".into()) };
        let o = judge_path_pattern(&d, "/websocket", &e, &[], Some(&r));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        // The same behavior with a wrong mapping key fails on the key, not on the stage.
        let e = PathExpectation { stage: Some("Prod".into()), mapping_key: Some("chat".into()) };
        let o = judge_path_pattern(&d, "/websocket", &e, &[], Some(&r));
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("mapping key `chat`"), "{o:?}");
        // Without the forwarded Host the same origin is the execute-api door: the stage rule applies.
        let d = dist(EXEC, "websocket*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let r = route_of(Some(&d), "/websocket", &[domain("ws.example.com")], &maps);
        let o = judge_path_pattern(&d, "/websocket", &e, &[], Some(&r));
        assert!(o.verdict.message().contains("accepts exactly `/Prod`"), "{o:?}");
    }

    // AWS: CloudFront Developer Guide, "Determine function purpose" — a viewer-request function "can
    // modify the HTTP request"; "Helper methods for origin modification" — viewer-request CloudFront
    // Functions and origin-request Lambda@Edge can even change the origin.
    #[test]
    fn path_pattern_with_a_request_function_is_unknown() {
        let mut d = a();
        d.behaviors[0].request_functions =
            vec!["viewer-request CloudFront Function arn:aws:cloudfront::1:function/rewrite".into()];
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("rewrite"), "{o:?}");
    }

    /// The fix of `o` whose field ends with `field`, and its jq edit step: (program, distribution id, values).
    fn edit_of(o: &Outcome, field: &str) -> (Fix, String, Vec<String>) {
        let fix =
            o.fixes().iter().find(|f| f.field.ends_with(field)).unwrap_or_else(|| panic!("no {field} fix: {o:?}"));
        assert_eq!(fix.commands.len(), 3, "get-distribution-config, the jq edit, update-distribution: {fix:?}");
        let edit = &fix.commands[1];
        assert_eq!(edit[..2], fix::argv(["sh", "-c"]));
        (fix.clone(), edit[3].clone(), edit[4..].to_vec())
    }

    // AWS: CloudFront API Reference, "UpdateDistribution" — the whole DistributionConfig from
    // GetDistributionConfig goes back with its ETag as IfMatch; the fix is those three steps.
    #[test]
    fn a_path_pattern_fix_edits_that_behavior_in_three_steps() {
        let d = dist(EXEC, "prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        let (fix, program, args) = edit_of(&o, "PathPattern");
        assert_eq!(fix.field, "DistributionConfig.CacheBehaviors.Items[0].PathPattern");
        assert_eq!((fix.current.as_deref(), &fix.wanted), (Some("prod*"), &Wanted::Value("Prod*".into())));
        assert_eq!(program, ".DistributionConfig | .CacheBehaviors.Items[0].PathPattern = $v0");
        assert_eq!(args, [d.id.clone(), "Prod*".to_owned()]);
        assert!(fix.commands[0][2].contains("get-distribution-config") && fix.commands[2][2].contains("--if-match"));
        assert!(judge_path_pattern(&a(), "/Prod", &stage("Prod"), &[], None).fixes().is_empty());
    }

    #[test]
    fn a_doubled_origin_path_is_fixed_on_the_origin_it_names_and_the_root_object_emptied() {
        let mut d = a();
        d.origins[1].origin_path = "/Prod".into();
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        let (fix, program, args) = edit_of(&o, "OriginPath");
        assert_eq!(fix.field, format!("DistributionConfig.Origins.Items[Id={}].OriginPath", d.origins[1].id));
        assert_eq!(
            program,
            ".DistributionConfig | .Origins.Items |= map(if .Id == $v0 then .OriginPath = \"\" else . end)"
        );
        assert_eq!(args, [d.id.clone(), d.origins[1].id.clone()]);
    }

    #[test]
    fn distribution_fixes_enable_add_the_alias_and_raise_the_tls_minimum() {
        let d = DistributionFacts { enabled: false, ..a() };
        let (_, program, _) = edit_of(&judge_distribution(Some(&d), "ws.example.com"), "Enabled");
        assert_eq!(program, ".DistributionConfig | .Enabled = true");
        let d = DistributionFacts { aliases: vec!["other.example.com".into()], ..a() };
        let (fix, program, args) = edit_of(&judge_distribution(Some(&d), "ws.example.com"), "Aliases.Items");
        assert!(
            program.contains("+ [$v0]") && program.contains(".Aliases.Quantity = (.Aliases.Items | length)"),
            "{program}"
        );
        assert_eq!(args[1], "ws.example.com");
        assert_eq!(fix.current.as_deref(), Some("other.example.com"));
        let d = DistributionFacts { minimum_protocol_version: Some("TLSv1".into()), ..a() };
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "a warning: {o:?}");
        let (fix, _, args) = edit_of(&o, "MinimumProtocolVersion");
        assert_eq!((fix.wanted, args[1].as_str()), (Wanted::AtLeast(MIN_PROTOCOL.into()), MIN_PROTOCOL));
        // A certificate must be requested first: words, no command.
        let d = DistributionFacts { acm_certificate_arn: None, iam_certificate_id: None, ..a() };
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert!(o.fixes().iter().all(|f| f.commands.is_empty() && matches!(f.wanted, Wanted::Words(_))), "{o:?}");
        assert!(judge_distribution(Some(&a()), "ws.example.com").fixes().is_empty());
    }

    #[test]
    fn origin_fixes_select_the_origin_by_id_and_set_https_only_and_tls_1_2() {
        let out = match_viewer(Some("allow-all"));
        let (_, program, args) = edit_of(&out, "OriginProtocolPolicy");
        assert!(
            program.contains("if .Id == $v0 then .CustomOriginConfig.OriginProtocolPolicy = \"https-only\""),
            "{program}"
        );
        assert_eq!(args[1], a().origins[1].id);
        let d = a();
        let mut o = d.origins[1].clone();
        if let Some(c) = o.custom.as_mut() {
            c.ssl_protocols = vec!["TLSv1.1".into()];
        }
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, &d.behaviors[0], Some(0), REGION);
        let (fix, program, _) = edit_of(&out, "OriginSslProtocols.Items");
        assert!(program.contains(".CustomOriginConfig.OriginSslProtocols = {Quantity: 1, Items: [\"TLSv1.2\"]}"));
        assert_eq!(fix.current.as_deref(), Some("TLSv1.1"));
        assert!(match_viewer(Some("https-only")).fixes().is_empty());
    }

    #[test]
    fn forwarding_fixes_set_the_managed_policy_that_keeps_the_host_as_it_is() {
        let judge = |policy, domain| judge_forwarding(&fw(policy), &cx_with(EXEC, domain, policy));
        let o = judge(POLICY_ALL_VIEWER, false);
        let (fix, program, args) = edit_of(&o, "OriginRequestPolicyId");
        assert_eq!(fix.field, "DistributionConfig.DefaultCacheBehavior.OriginRequestPolicyId");
        assert_eq!(program, ".DistributionConfig | .DefaultCacheBehavior.OriginRequestPolicyId = $v0");
        assert_eq!(args[1], POLICY_ALL_VIEWER_EXCEPT_HOST);
        let cx = ForwardingContext { behavior_index: Some(2), ..cx_with(EXEC, false, POLICY_ALL_VIEWER) };
        let (_, program, _) = edit_of(&judge_forwarding(&fw(POLICY_ALL_VIEWER), &cx), "OriginRequestPolicyId");
        assert!(program.contains(".CacheBehaviors.Items[2].OriginRequestPolicyId = $v0"), "{program}");
        assert!(judge(POLICY_ALL_VIEWER_EXCEPT_HOST, false).fixes().is_empty());
    }

    // A value is never shell or jq syntax: it travels as a positional parameter, read by jq as `$v0`.
    #[test]
    fn a_hostile_value_is_only_ever_a_positional_argument() {
        let hostile = "a\"; rm -rf / #$(x)`y`\n.Enabled = false";
        let fix = path_pattern_fix("E1", Some(0), "p*", hostile);
        for (step, argv) in fix.commands.iter().enumerate() {
            assert!(!argv[2].contains(hostile) && !argv[2].contains("rm -rf"), "step {step}'s script: {}", argv[2]);
        }
        assert!(!fix.commands[1][3].contains("rm -rf"), "the jq program: {}", fix.commands[1][3]);
        assert_eq!(fix.commands[1].last().map(String::as_str), Some(hostile));
        for line in fix.shell().unwrap() {
            assert_eq!(
                shlex::split(&line).map(|a| a.len()),
                Some(fix.commands[fix.shell().unwrap().iter().position(|l| *l == line).unwrap()].len())
            );
        }
    }

    #[test]
    fn path_pattern_case() {
        let d = dist(EXEC, "prod*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert_eq!(o.status(), Status::Fail);
        assert!(
            o.verdict.message().contains("behavior #0 PathPattern is `prod*` but the stage is `Prod` (case-sensitive)"),
            "{o:?}"
        );
        assert_eq!(hint(&o), "set behavior #0 PathPattern to `Prod*`");
    }

    #[test]
    fn path_pattern_shadowed() {
        let mut d = a();
        let mut shadow = d.default_behavior.clone();
        shadow.path_pattern = Some("P*".into());
        d.behaviors.insert(0, shadow);
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("behavior #0 `P*` (origin `site`) matches `/Prod` first"), "{o:?}");
        assert!(hint(&o).contains("move behavior #1 `Prod*` before behavior #0 `P*`"), "{}", hint(&o));
    }

    #[test]
    fn path_pattern_default_behavior_api_shadowed() {
        let mut d = a();
        d.default_behavior.target_origin_id = "api".into();
        d.behaviors = vec![crate::model::route::tests::behavior(Some("P*"), "site", None)];
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert!(o.verdict.message().contains("catches `/Prod` before the default behavior"), "{o:?}");
        d.behaviors.clear();
        assert_eq!(judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None).status(), Status::Pass);
    }

    #[test]
    fn path_pattern_doubled_origin_path() {
        let mut d = a();
        d.origins[1].origin_path = "/Prod".into();
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert!(o.verdict.message().contains("OriginPath `/Prod` + path `/Prod` = `/Prod/Prod`"), "{o:?}");
        assert!(hint(&o).starts_with("set OriginPath to \"\""));
    }

    #[test]
    fn path_pattern_unmatched_and_mapping_key() {
        let d = dist(EXEC, "api*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert_eq!(hint(&o), "set behavior #0 PathPattern to `Prod*`");
        let b = dist("origin-ws.example.com", "*", POLICY_ALL_VIEWER_EXCEPT_HOST);
        let e = PathExpectation { stage: None, mapping_key: Some("chat".into()) };
        let o = judge_path_pattern(&b, "/websocket", &e, &["origin-ws.example.com".into()], None);
        assert_eq!(o.status(), Status::Fail);
        assert!(o.verdict.message().contains("not the mapping key `chat`"));
        // Unknown stage: skip, never pass.
        assert_eq!(judge_path_pattern(&a(), "/Prod", &PathExpectation::default(), &[], None).status(), Status::Skip);
    }

    #[test]
    fn origin_rules() {
        let d = a();
        let b = &d.behaviors[0];
        assert_eq!(judge_origin("EDFDVBD6EXAMPLE", &d.origins[1], b, Some(0), REGION).status(), Status::Pass);
        let mut o = d.origins[1].clone();
        if let Some(c) = o.custom.as_mut() {
            c.protocol_policy = "http-only".into();
            c.ssl_protocols = vec!["TLSv1.1".into()];
        }
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, b, Some(0), REGION);
        assert!(hint(&out).contains("https-only") && hint(&out).contains("TLSv1.2"));
        assert!(hint(&judge_origin("EDFDVBD6EXAMPLE", &d.origins[1], b, Some(0), "us-west-2")).contains("us-west-2"));
        assert_eq!(judge_origin("EDFDVBD6EXAMPLE", &d.origins[0], b, Some(0), REGION).status(), Status::Fail);
    }

    // AWS: API Gateway Developer Guide, "Security policy for WebSocket APIs in API Gateway" — "API Gateway
    // enforces a security policy of TLS_1_2 for all WebSocket API endpoints", which "accepts TLS 1.2 and TLS
    // 1.3 traffic"; CloudFront API Reference, "OriginSslProtocols" — the protocols "CloudFront can use when
    // establishing an HTTPS connection with your origin", valid values SSLv3 | TLSv1 | TLSv1.1 | TLSv1.2.
    // Without TLSv1.2 the handshake with API Gateway cannot succeed.
    #[test]
    fn origin_ssl_protocols_without_tlsv12_fail_naming_the_origin() {
        let d = a();
        let b = &d.behaviors[0];
        let mut o = d.origins[1].clone();
        if let Some(c) = o.custom.as_mut() {
            c.ssl_protocols = vec!["TLSv1.1".into(), "TLSv1.2".into()];
        }
        assert_eq!(judge_origin("EDFDVBD6EXAMPLE", &o, b, Some(0), REGION).status(), Status::Pass);
        if let Some(c) = o.custom.as_mut() {
            c.ssl_protocols = vec!["TLSv1".into(), "TLSv1.1".into()];
        }
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, b, Some(0), REGION);
        assert_eq!(out.status(), Status::Fail, "{out:?}");
        assert!(out.verdict.message().contains("OriginSslProtocols (TLSv1, TLSv1.1) lack TLSv1.2"), "{out:?}");
        assert_eq!(hint(&out), "add TLSv1.2 to OriginSslProtocols of origin `api`");
    }

    // AWS: CloudFront API Reference, "CustomOriginConfig" HTTPSPort — "The HTTPS port that CloudFront uses to
    // connect to the origin. Specify the HTTPS port that the origin listens on." API Gateway documents its
    // WebSocket endpoints as `wss://{api-id}.execute-api.{region}.amazonaws.com/{stage}`, without a port (443
    // for wss, RFC 6455); no AWS page says it listens on no other port, so another port is a warning, not a failure.
    #[test]
    fn an_https_port_other_than_443_is_a_warning() {
        let d = a();
        let b = &d.behaviors[0];
        let out = judge_origin("EDFDVBD6EXAMPLE", &d.origins[1], b, Some(0), REGION);
        assert!(out.warnings.is_empty(), "{out:?}");
        let mut o = d.origins[1].clone();
        if let Some(c) = o.custom.as_mut() {
            c.https_port = Some(8443);
        }
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, b, Some(0), REGION);
        assert_eq!(out.status(), Status::Pass, "{out:?}");
        assert!(out.warnings[0].message.contains("HTTPSPort is 8443"), "{out:?}");
        assert_eq!(out.warnings[0].hint.as_deref(), Some("set HTTPSPort of origin `api` to 443"));
    }

    fn warnings(o: &Outcome) -> String {
        o.warnings
            .iter()
            .map(|w| format!("{} / {}", w.message, w.hint.as_deref().unwrap_or("")))
            .collect::<Vec<_>>()
            .join("\n")
    }

    // AWS: CloudFront Developer Guide, "Restrict the geographic distribution of your content" — geographic
    // restrictions "prevent users in specific geographic locations from accessing content": an allowlist admits
    // only its countries, a denylist bans its own; AWS, "Geo-blocking" (Application security and performance) —
    // "Viewers who are restricted by the configured geographic restrictions will receive a 403 Forbidden
    // response by CloudFront". Clients elsewhere work: a warning naming RestrictionType and Items.
    #[test]
    fn a_geo_restriction_is_a_warning_naming_type_and_items() {
        let mut d = a();
        assert!(judge_distribution(Some(&d), "ws.example.com").warnings.is_empty());
        d.geo_restriction =
            Some(GeoRestrictionFacts { restriction_type: "whitelist".into(), items: vec!["JP".into(), "US".into()] });
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let w = warnings(&o);
        assert!(
            w.contains("GeoRestriction is whitelist (JP, US): only viewers in JP, US connect; all others get 403"),
            "{w}"
        );
        assert!(w.contains("Restrictions.GeoRestriction"), "{w}");
        d.geo_restriction =
            Some(GeoRestrictionFacts { restriction_type: "blacklist".into(), items: vec!["CN".into()] });
        let w = warnings(&judge_distribution(Some(&d), "ws.example.com"));
        assert!(w.contains("blacklist (CN): viewers in CN get 403"), "{w}");
    }

    // AWS: CloudFront Developer Guide, "Learn how continuous deployment works" — "Viewers cannot send requests
    // directly to a staging distribution using a DNS name, IP address, or CNAME. Instead, viewers send requests
    // to the primary (production) distribution, and CloudFront routes some of those requests to the staging
    // distribution based on the traffic configuration settings in the continuous deployment policy."
    #[test]
    fn continuous_deployment_and_staging_are_warnings() {
        let mut d = a();
        d.continuous_deployment_policy_id = Some("cdp-1".into());
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("ContinuousDeploymentPolicyId is cdp-1"), "{o:?}");
        assert!(warnings(&o).contains("ContinuousDeploymentPolicyId \"\""), "{o:?}");
        let mut d = a();
        d.staging = Some(true);
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("Staging true") && warnings(&o).contains("primary distribution"), "{o:?}");
        d.staging = Some(false);
        assert!(judge_distribution(Some(&d), "ws.example.com").warnings.is_empty());
    }

    // AWS: CloudFront API Reference, "DistributionConfig" — Aliases: "This field only supports standard
    // distributions. You can't specify this field for multi-tenant distributions"; ConnectionMode "tenant-only"
    // is "a multi-tenant distribution with distribution tenants"; "DistributionTenant" — Domains "associated
    // with the distribution tenant", and Customizations carry its ACM certificate. Without the tenants, whether
    // the host is served is unknown, never a failure on the missing Aliases.
    #[test]
    fn a_tenant_only_distribution_leaves_aliases_and_certificate_unknown() {
        let mut d = a();
        d.connection_mode = Some("direct".into());
        assert_eq!(judge_distribution(Some(&d), "ws.example.com").status(), Status::Pass);
        d.connection_mode = Some("tenant-only".into());
        d.aliases.clear();
        d.acm_certificate_arn = None;
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("tenant-only"), "{o:?}");
        assert!(!o.verdict.message().contains("Aliases ("), "{o:?}");
        // A field that is wrong whatever the tenants say still fails.
        d.enabled = false;
        assert_eq!(judge_distribution(Some(&d), "ws.example.com").status(), Status::Fail);
    }

    // AWS: CloudFront Developer Guide, "Mutual TLS authentication with CloudFront (Viewer mTLS)" — Required
    // mode: "CloudFront validates the client certificate against a trust store. If validation fails or no
    // certificate is presented, CloudFront denies the connection." Clients with certificates work: a warning.
    #[test]
    fn required_viewer_mtls_is_a_warning() {
        let mut d = a();
        d.viewer_mtls_mode = Some("optional".into());
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert!(o.warnings.is_empty() && o.evidence.get("viewer_mtls_mode") == Some("optional"), "{o:?}");
        d.viewer_mtls_mode = Some("required".into());
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("ViewerMtlsConfig.Mode is required"), "{o:?}");
    }

    // AWS: CloudFront API Reference, "DistributionConfig" WebACLId — with a web ACL, "CloudFront responds to
    // requests either with the requested content or with an HTTP 403 status code (Forbidden)" by the ACL's
    // conditions, which GetDistribution does not show: evidence, never a verdict. AnycastIpListId (static
    // anycast IPs) does not change where a request goes: evidence.
    #[test]
    fn a_web_acl_and_anycast_ips_are_evidence_only() {
        let mut d = a();
        d.web_acl_id = Some("arn:aws:wafv2:us-east-1:1:global/webacl/ws/1".into());
        d.anycast_ip_list_id = Some("aip-1".into());
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert!(o.status() == Status::Pass && o.warnings.is_empty(), "{o:?}");
        assert!(o.evidence.get("web_acl_id").is_some_and(|v| v.contains("webacl/ws")), "{o:?}");
        assert_eq!(o.evidence.get("anycast_ip_list_id"), Some("aip-1"));
    }

    // AWS: CloudFront Developer Guide, "Specify signers that can create signed URLs and signed cookies" — "As
    // soon as you add the signer to your distribution, CloudFront starts to require that viewers use signed
    // URLs or signed cookies to access your files"; API Reference, "CacheBehavior" TrustedKeyGroups — "CloudFront
    // requires signed URLs or signed cookies for all requests that match the cache behavior"; Knowledge Center,
    // "troubleshoot signed URL or cookies" — 403 "Missing Key-Pair-Id query parameter or cookie value". The
    // suite's unsigned connect fails; a signed one (Signature and Key-Pair-Id, or a Cookie) is a warning.
    #[test]
    fn signers_on_the_api_behavior_fail_an_unsigned_connect() {
        let mut c = cx(EXEC, false);
        let f = fw(POLICY_ALL_VIEWER_EXCEPT_HOST);
        assert_eq!(judge_forwarding(&f, &c).status(), Status::Pass);
        c.trusted_signers = vec!["TrustedKeyGroups kg-1".into()];
        let o = judge_forwarding(&f, &c);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("behavior #0 `*` has TrustedKeyGroups kg-1"), "{o:?}");
        assert!(hint(&o).contains("TrustedKeyGroups and TrustedSigners Enabled false"), "{o:?}");
        assert!(hint(&o).contains("Key-Pair-Id"), "{o:?}");
        c.auth_query = vec!["Policy".into(), "Signature".into(), "Key-Pair-Id".into()];
        let fq = ForwardingFacts { query_strings: NameSet::All, ..f.clone() };
        let o = judge_forwarding(&fq, &c);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("signed URL"), "{o:?}");
        let mut c = cx(EXEC, false);
        c.trusted_signers = vec!["TrustedSigners self".into()];
        c.auth_headers = vec!["Cookie".into()];
        let fa = ForwardingFacts { headers: NameSet::All, ..f };
        let o = judge_forwarding(&fa, &c);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("Cookie header"), "{o:?}");
    }

    // AWS: CloudFront API Reference, "DistributionConfig" DefaultRootObject — "When a viewer requests the root
    // URL for your distribution, the default root object is the object that you want CloudFront to request from
    // your origin"; Developer Guide, "Specify a default root object". A client on `/` reaches API Gateway at
    // OriginPath + `/{object}`, not at the stage or mapping the root would reach.
    #[test]
    fn a_default_root_object_replaces_the_root_path() {
        let mut d = a();
        d.origins[1].origin_path = "/Prod".into();
        d.behaviors[0].path_pattern = Some("*".into());
        assert_eq!(judge_path_pattern(&d, "/", &stage("Prod"), &[], None).status(), Status::Pass);
        d.default_root_object = Some("index.html".into());
        let o = judge_path_pattern(&d, "/", &stage("Prod"), &[], None);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(o.verdict.message().contains("DefaultRootObject is `index.html`"), "{o:?}");
        assert!(o.verdict.message().contains("API Gateway gets `/Prod/index.html` instead of `/Prod`"), "{o:?}");
        assert_eq!(hint(&o), "set DefaultRootObject of distribution E2SANDBOXWS01 to \"\" (empty)");
        let (_, program, _) = edit_of(&o, "DefaultRootObject");
        assert_eq!(program, ".DistributionConfig | .DefaultRootObject = \"\"");
        // Only the root URL is replaced: a client on `/Prod` (OriginPath "") is unaffected.
        let mut d = a();
        d.default_root_object = Some("index.html".into());
        assert_eq!(judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None).status(), Status::Pass);
    }

    // AWS: CloudFront API Reference, "Origin" — S3OriginConfig is for "an Amazon S3 bucket that is not
    // configured with static website hosting. To specify any other type of origin … use the
    // CustomOriginConfig type instead"; VpcOriginConfig is "The VPC origin configuration" (an ALB, NLB or
    // EC2 instance in a VPC). An execute-api host behind either is not reached as API Gateway: the origin
    // check fails naming the field, and the path is still judged by the door its name says.
    #[test]
    fn an_api_host_with_s3_or_vpc_origin_config_fails_the_origin_check() {
        let mut d = a();
        d.origins[1].custom = None;
        assert_eq!(judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None).status(), Status::Pass);
        let (i, b, o) = api_behavior(&d, "/Prod", &[]).expect("the execute-api origin is the API's");
        let (b, mut o) = (b.clone(), o.clone());
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, &b, i, REGION);
        assert_eq!(out.status(), Status::Fail, "{out:?}");
        assert!(out.verdict.message().contains("has S3OriginConfig, not CustomOriginConfig"), "{out:?}");
        assert!(hint(&out).starts_with("replace S3OriginConfig of origin `api` with CustomOriginConfig"), "{out:?}");
        o.vpc_origin_id = Some("vo_1".into());
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, &b, i, REGION);
        assert!(hint(&out).starts_with("replace VpcOriginConfig of origin `api`"), "{out:?}");
        // An S3 origin by name is no API origin at all.
        assert!(!is_api_origin(&d.origins[0], &[]));
    }

    /// The API origin with OriginProtocolPolicy match-viewer, behind a behavior
    /// with the given ViewerProtocolPolicy.
    fn match_viewer(viewer: Option<&str>) -> Outcome {
        let d = a();
        let mut o = d.origins[1].clone();
        if let Some(c) = o.custom.as_mut() {
            c.protocol_policy = "match-viewer".into();
        }
        let b = Behavior { viewer_protocol_policy: viewer.map(Into::into), ..d.behaviors[0].clone() };
        judge_origin("EDFDVBD6EXAMPLE", &o, &b, Some(0), REGION)
    }

    // AWS: CloudFront API Reference, "CustomOriginConfig" OriginProtocolPolicy — "match-viewer –
    // CloudFront connects to the origin using the same protocol that the viewer used to connect to
    // CloudFront"; "CacheBehavior" ViewerProtocolPolicy — "https-only: If a viewer sends an HTTP
    // request, CloudFront returns an HTTP status code of 403". Viewers are only on HTTPS, so is the origin.
    #[test]
    fn match_viewer_with_https_only_viewers_passes() {
        let out = match_viewer(Some("https-only"));
        assert_eq!(out.status(), Status::Pass, "{out:?}");
        assert!(out.verdict.message().contains("match-viewer"), "{out:?}");
        assert_eq!(out.evidence.get("viewer_protocol_policy"), Some("https-only"));
    }

    // AWS: CloudFront API Reference, "CacheBehavior" ViewerProtocolPolicy — "redirect-to-https: If a
    // viewer submits an HTTP request, CloudFront returns an HTTP status code of 301 (Moved Permanently)
    // … The viewer then resubmits the request using the new URL": the request that reaches the origin
    // is the HTTPS one, so match-viewer connects over HTTPS.
    #[test]
    fn match_viewer_with_redirect_to_https_passes() {
        let out = match_viewer(Some("redirect-to-https"));
        assert_eq!(out.status(), Status::Pass, "{out:?}");
        assert!(out.verdict.message().contains("redirect-to-https"), "{out:?}");
    }

    // AWS: CloudFront API Reference, "CacheBehavior" ViewerProtocolPolicy — "allow-all: Viewers can use
    // HTTP or HTTPS"; with match-viewer a ws:// viewer's request goes to the origin over HTTP, and API
    // Gateway answers only HTTPS (the premise of the https-only rule above; the AWS page stating it
    // could not be confirmed, so it is not quoted).
    #[test]
    fn match_viewer_with_allow_all_fails_with_the_fix() {
        let out = match_viewer(Some("allow-all"));
        assert_eq!(out.status(), Status::Fail, "{out:?}");
        assert!(out.verdict.message().contains("allow-all"), "{out:?}");
        assert!(out.verdict.message().contains("behavior #0 `Prod*`"), "{out:?}");
        assert!(hint(&out).contains("set OriginProtocolPolicy to https-only"), "{out:?}");
    }

    // AWS: CloudFront API Reference, "CacheBehavior" — ViewerProtocolPolicy is required; an endpoint
    // that does not report it leaves the protocol to the origin unknown (never a pass, never a guess).
    #[test]
    fn match_viewer_without_the_viewer_policy_is_unknown() {
        for viewer in [None, Some("sometimes-https")] {
            let out = match_viewer(viewer);
            assert_eq!(out.status(), Status::Error, "{out:?}");
            assert!(out.verdict.is_unknown(), "{out:?}");
        }
    }

    /// The context `run_forwarding` builds: the route of a distribution whose
    /// API behavior targets `origin` with `policy`, the viewer host being a
    /// custom domain (mapping `websocket`) or not.
    fn cx_with(origin: &str, viewer_is_custom_domain: bool, policy: &str) -> ForwardingContext {
        use crate::model::route::tests::{domain, mapping, route_of};
        let d = dist(origin, "*", policy);
        let domains = if viewer_is_custom_domain { vec![domain("ws.example.com")] } else { vec![] };
        let r = route_of(Some(&d), "/websocket", &domains, &[("ws.example.com", vec![mapping("websocket", "Prod")])]);
        ForwardingContext {
            behavior_label: "behavior #0 `*`".into(),
            origin_host: origin.into(),
            viewer_host: "ws.example.com".into(),
            viewer_is_custom_domain,
            gateway: GatewayView::of(&r),
            ..ForwardingContext::default()
        }
    }

    fn cx(origin: &str, viewer_is_custom_domain: bool) -> ForwardingContext {
        cx_with(origin, viewer_is_custom_domain, POLICY_ALL_VIEWER_EXCEPT_HOST)
    }

    fn fw(policy: &str) -> ForwardingFacts {
        forwarding_of(&crate::model::route::tests::behavior(Some("x"), "api", Some(policy)), None, Ok(None))
    }

    #[test]
    fn forwarding_layout_a() {
        let judge = |policy, domain| judge_forwarding(&fw(policy), &cx_with(EXEC, domain, policy));
        assert_eq!(judge(POLICY_ALL_VIEWER_EXCEPT_HOST, false).status(), Status::Pass);
        let o = judge(POLICY_ALL_VIEWER, false);
        assert!(hint(&o).contains("AllViewerExceptHostHeader"), "{o:?}");
        // Layout B through an execute-api origin: the forwarded Host is a custom domain.
        assert_eq!(judge(POLICY_ALL_VIEWER, true).status(), Status::Pass);
    }

    #[test]
    fn forwarding_layout_b() {
        let judge = |policy, domain| judge_forwarding(&fw(policy), &cx_with(REGIONAL, domain, policy));
        assert_eq!(judge(POLICY_ALL_VIEWER, true).status(), Status::Pass);
        let o = judge(POLICY_ALL_VIEWER_EXCEPT_HOST, true);
        assert!(hint(&o).contains("AllViewer ("), "{o:?}");
        assert_eq!(judge(POLICY_ALL_VIEWER, false).status(), Status::Fail);
        let o = judge(POLICY_ALL_VIEWER_EXCEPT_HOST, false);
        assert!(o.verdict.message().contains("not an API Gateway custom domain"), "{o:?}");
        // A route that does not pass through the behavior leaves the Host unjudged.
        let mut c = cx(REGIONAL, false);
        c.gateway = None;
        let o = judge_forwarding(&fw(POLICY_ALL_VIEWER_EXCEPT_HOST), &c);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.evidence.get("host").is_some_and(|h| h.starts_with("not judged")), "{o:?}");
        // An API behavior whose origin is an S3 bucket: no Host of API Gateway's to judge (the origin check's).
        let o =
            judge_forwarding(&fw(POLICY_ALL_VIEWER_EXCEPT_HOST), &cx("site.s3.ap-northeast-1.amazonaws.com", false));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let host = o.evidence.get("host").unwrap_or_default();
        assert!(host.starts_with("not judged") && host.contains("never reaches API Gateway"), "{o:?}");
    }

    // AWS: CloudFront Developer Guide, "Add custom headers to origin requests" (Configure CloudFront to forward the Authorization header) — "You cannot forward the Authorization header individually in an origin request policy, but when you forward all viewer headers CloudFront includes the Authorization header"; the cache key carries it too. AllViewerExceptHostHeader passes it to an execute-api origin; a policy listing headers does not.
    #[test]
    fn authorization_reaches_the_origin_through_all_viewer_headers_or_the_cache_key() {
        let mut c = cx(EXEC, false);
        c.auth_headers = vec!["Authorization".into()];
        let all_but_host = forwarding_of(
            &crate::model::route::tests::behavior(Some("x"), "api", Some(POLICY_ALL_VIEWER_EXCEPT_HOST)),
            None,
            Ok(None),
        );
        let o = judge_forwarding(&all_but_host, &c);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        let listed = OriginRequestPolicyFacts {
            id: "custom".into(),
            name: "ws".into(),
            headers: NameSet::Only(vec!["Sec-WebSocket-Key".into(), "Sec-WebSocket-Version".into()]),
            query_strings: NameSet::All,
            cookies: NameSet::None,
        };
        let fw = forwarding_of(
            &crate::model::route::tests::behavior(Some("x"), "api", Some("custom")),
            Some(&listed),
            Ok(None),
        );
        let o = judge_forwarding(&fw, &c);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(
            hint(&o).contains("AllViewerExceptHostHeader")
                && hint(&o).contains("cache policy")
                && !hint(&o).contains("add `Authorization` to the origin request policy"),
            "{o:?}"
        );
    }

    #[test]
    fn an_unreadable_cache_policy_warns_about_caching_and_leaves_the_headers_it_may_carry_unknown() {
        let mut f = fw(POLICY_ALL_VIEWER_EXCEPT_HOST);
        f.caching_disabled = None;
        f.cache_policy_unknown = Some("cloudfront.GetCachePolicy failed: AccessDenied".into());
        // Whether it caches decides a warning at most.
        let o = judge_forwarding(&f, &cx(EXEC, false));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.iter().any(|w| w.message.contains("AccessDenied")), "{o:?}");
        // A `$connect` header the origin request policy does not send may be in the cache key.
        let listed = ForwardingFacts {
            headers: NameSet::Only(vec!["Sec-WebSocket-Key".into(), "Sec-WebSocket-Version".into()]),
            ..f.clone()
        };
        let mut c = cx(EXEC, false);
        c.auth_headers = vec!["X-Room-Token".into()];
        let o = judge_forwarding(&listed, &c);
        assert_eq!(o.status(), Status::Error, "{o:?}");
        assert!(o.verdict.is_unknown() && o.verdict.message().contains("X-Room-Token"), "{o:?}");
        // With the cache policy read, the same header is a failure with its fix.
        let known = ForwardingFacts { cache_policy_unknown: None, caching_disabled: Some(true), ..listed };
        assert_eq!(judge_forwarding(&known, &c).status(), Status::Fail);
    }

    #[test]
    fn forwarding_ws_headers_auth_and_cache() {
        let custom = ForwardingFacts {
            source: "origin request policy `auth-only`".into(),
            headers: NameSet::Only(vec!["Authorization".into()]),
            query_strings: NameSet::None,
            caching_disabled: Some(false),
            cache_policy_unknown: None,
            cookies: Some(NameSet::All),
        };
        let mut c = cx(EXEC, false);
        c.auth_headers = vec!["Authorization".into(), "X-Api-Key".into()];
        c.auth_query = vec!["room_id".into()];
        let o = judge_forwarding(&custom, &c);
        let m = o.verdict.message();
        assert!(m.contains("Sec-WebSocket-Key, Sec-WebSocket-Version"), "{m}");
        assert!(m.contains("`X-Api-Key`") && !m.contains("`Authorization`") && m.contains("`room_id`"), "{m}");
        assert!(!m.contains("may cache"), "{m}");
        assert!(o.warnings.iter().any(|w| w.message.contains("may cache")), "{o:?}");
    }

    // AWS: CloudFront Developer Guide, "Associate CloudFront Connection Functions" — Connection Functions "run during the TLS handshake when a client attempts to establish an mTLS connection" ("Overview and workflow"), "Process connection events and make allow/deny decisions" ("Configuration and limits"), and "CloudFront completes or terminates the TLS connection according to your decision". Which clients it denies is in code that is not read: a warning naming the function, as for required viewer mTLS.
    #[test]
    fn a_connection_function_is_a_warning_naming_it() {
        let mut d = a();
        assert!(judge_distribution(Some(&d), "ws.example.com").warnings.is_empty());
        d.viewer_mtls_mode = Some("optional".into());
        d.connection_function_id = Some("cf-conn-1".into());
        let o = judge_distribution(Some(&d), "ws.example.com");
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("ConnectionFunctionAssociation is cf-conn-1"), "{o:?}");
        assert!(warnings(&o).contains("remove ConnectionFunctionAssociation"), "{o:?}");
        assert_eq!(o.evidence.get("connection_function"), Some("cf-conn-1"));
    }

    // AWS: CloudFront API Reference, "OriginAccessControlConfig" — OriginAccessControlOriginType "Valid Values: s3 | mediastore | mediapackagev2 | lambda"; SigningBehavior "always – CloudFront signs all origin requests, overwriting the Authorization header from the viewer request if one exists". API Gateway is no such origin; on it the control is at best useless and at worst replaces the client's Authorization: a warning.
    #[test]
    fn origin_access_control_on_the_api_origin_is_a_warning() {
        let d = a();
        let b = &d.behaviors[0];
        let mut o = d.origins[1].clone();
        assert!(judge_origin("EDFDVBD6EXAMPLE", &o, b, Some(0), REGION).warnings.is_empty());
        o.origin_access_control_id = Some("E2OAC".into());
        let out = judge_origin("EDFDVBD6EXAMPLE", &o, b, Some(0), REGION);
        assert_eq!(out.status(), Status::Pass, "{out:?}");
        let w = warnings(&out);
        assert!(w.contains("origin `api` has origin access control E2OAC") && w.contains("Authorization"), "{w}");
        assert!(w.contains("remove OriginAccessControlId from origin `api`"), "{w}");
    }

    // AWS: CloudFront Developer Guide, "Add custom headers to origin requests" — "If a header is present, CloudFront overwrites the header value before forwarding the request to the origin." Host, Upgrade, Connection and Cookie are among the headers CloudFront cannot add; Authorization, x-api-key, Sec-WebSocket-* and `$connect`'s own headers are not, so a custom header with their name replaces every client's value: a warning (the origin may expect one shared value).
    #[test]
    fn an_origin_custom_header_over_a_connect_header_is_a_warning() {
        let f = fw(POLICY_ALL_VIEWER_EXCEPT_HOST);
        let mut c = cx(EXEC, false);
        c.origin_id = "api".into();
        c.origin_custom_headers = vec!["X-Origin-Verify".into()];
        c.auth_headers = vec!["X-Tenant".into()];
        let o = judge_forwarding(&f, &c);
        assert!(o.status() == Status::Pass && o.warnings.is_empty(), "a header nobody reads: {o:?}");
        for header in ["authorization", "X-Api-Key", "Sec-WebSocket-Protocol", "x-tenant"] {
            c.origin_custom_headers = vec!["X-Origin-Verify".into(), header.into()];
            let o = judge_forwarding(&f, &c);
            assert_eq!(o.status(), Status::Pass, "{o:?}");
            let w = warnings(&o);
            assert!(w.contains(&format!("origin `api` overwrites {header} on every request")), "{w}");
            assert!(w.contains(&format!("remove {header} from the CustomHeaders of origin `api`")), "{w}");
        }
    }

    // AWS: CloudFront API Reference, "OriginGroupFailoverCriteria" — StatusCodes: "The status codes that, when returned from the primary origin, will trigger CloudFront to failover to the second origin." Which request fails over depends on each answer: evidence naming the group, its primary, the codes and the secondary.
    #[test]
    fn an_origin_group_is_evidence_with_its_failover_codes() {
        let mut d = a();
        d.origin_groups = vec![OriginGroupFacts {
            id: "group".into(),
            members: vec!["api".into(), "site".into()],
            failover_status_codes: vec![403, 502],
        }];
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert_eq!(o.evidence.get("origin_group"), None, "the behavior targets the origin, not the group");
        d.behaviors[0].target_origin_id = "group".into();
        let o = judge_path_pattern(&d, "/Prod", &stage("Prod"), &[], None);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert_eq!(
            o.evidence.get("origin_group"),
            Some("`group`: primary `api`; on 403, 502 from the primary, requests go to `site`")
        );
    }

    // AWS: CloudFront API Reference, "CookiePreference" (Forward) — "Specifies which cookies to forward to the origin for this cache behavior: all, none, or the list of cookies specified in the WhitelistedNames complex type"; "OriginRequestPolicyCookiesConfig" — "none – No cookies in viewer requests are included in requests that CloudFront sends to the origin. Even when this field is set to none, any cookies that are listed in a CachePolicy are included in origin requests"; Developer Guide, "Use managed origin request policies" — AllViewer: "Cookies included in origin requests: All". A `$connect` that reads the Cookie header gets none through a behavior that forwards none (a failure), only the listed ones through a whitelist (a warning: the suite's cookie names are not read), and a custom cache policy's cookies, not read, leave it unjudged.
    #[test]
    fn a_connect_cookie_is_judged_by_the_cookie_settings_not_the_headers() {
        let mut c = cx(EXEC, false);
        c.gateway = None;
        c.auth_headers = vec!["Cookie".into()];
        let legacy = |cookies: NameSet| {
            let b = Behavior {
                cache_policy_id: None,
                legacy: Some(LegacyForwarding {
                    headers: vec!["*".into()],
                    default_ttl: Some(0),
                    max_ttl: Some(0),
                    cookies,
                    ..LegacyForwarding::default()
                }),
                ..crate::model::route::tests::behavior(Some("*"), "api", None)
            };
            forwarding_of(&b, None, Ok(None))
        };
        let o = judge_forwarding(&legacy(NameSet::None), &c);
        assert_eq!(o.status(), Status::Fail, "all headers (`*`) do not carry cookies: {o:?}");
        assert!(o.verdict.message().contains("forwards no cookies"), "{o:?}");
        assert_eq!(hint(&o), "set ForwardedValues.Cookies.Forward to all (or whitelist the cookies $connect reads)");
        let o = judge_forwarding(&legacy(NameSet::All), &c);
        assert!(o.status() == Status::Pass && o.warnings.is_empty(), "{o:?}");
        let o = judge_forwarding(&legacy(NameSet::Only(vec!["session".into()])), &c);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("forwards only the cookies session"), "{o:?}");
        // The managed all-viewer policies forward every cookie.
        assert_eq!(judge_forwarding(&fw(POLICY_ALL_VIEWER_EXCEPT_HOST), &c).status(), Status::Pass);
        // A custom origin request policy: its CookiesConfig, plus the cache policy's cookies.
        let policy = OriginRequestPolicyFacts {
            id: "custom".into(),
            name: "ws".into(),
            headers: NameSet::AllExcept(vec!["Host".into()]),
            query_strings: NameSet::All,
            cookies: NameSet::None,
        };
        let mut b = crate::model::route::tests::behavior(Some("*"), "api", Some("custom"));
        let o = judge_forwarding(&forwarding_of(&b, Some(&policy), Ok(None)), &c);
        assert_eq!(o.status(), Status::Fail, "{o:?}");
        assert!(hint(&o).contains("CookiesConfig to all"), "{o:?}");
        b.cache_policy_id = Some("custom-cache".into());
        let o = judge_forwarding(&forwarding_of(&b, Some(&policy), Ok(None)), &c);
        assert!(o.evidence.get("cookies").is_some_and(|e| e.starts_with("not judged")), "{o:?}");
        assert_ne!(o.status(), Status::Fail, "{o:?}");
    }

    // AWS: CloudFront API Reference, "CacheBehavior" (MinTTL) — "The minimum amount of time that you want objects to stay in CloudFront caches before CloudFront forwards another request to your origin"; "CachePolicyConfig" — "If your minimum TTL is greater than 0, CloudFront will cache content for at least the duration specified … even if the Cache-Control: no-cache, no-store, or private directives are present in the origin headers". A legacy behavior with MinTTL above 0 caches whatever DefaultTTL and MaxTTL say: the caching warning, never a failure.
    #[test]
    fn a_legacy_min_ttl_above_0_is_the_caching_warning() {
        let legacy = |min_ttl| {
            let b = Behavior {
                cache_policy_id: None,
                legacy: Some(LegacyForwarding {
                    headers: vec!["*".into()],
                    min_ttl,
                    default_ttl: Some(0),
                    max_ttl: Some(0),
                    ..LegacyForwarding::default()
                }),
                ..crate::model::route::tests::behavior(Some("*"), "api", None)
            };
            forwarding_of(&b, None, Ok(None))
        };
        let cached = legacy(Some(60));
        assert_eq!(cached.caching_disabled, Some(false));
        let mut c = cx(EXEC, false);
        c.gateway = None;
        let o = judge_forwarding(&cached, &c);
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(warnings(&o).contains("may cache responses"), "{o:?}");
        for min_ttl in [Some(0), None] {
            let f = legacy(min_ttl);
            assert_eq!(f.caching_disabled, Some(true), "MinTTL {min_ttl:?}");
            assert!(judge_forwarding(&f, &c).warnings.is_empty());
        }
    }

    // AWS: CloudFront Developer Guide, "Use WebSockets with CloudFront distributions" — "WebSocket functionality is automatically enabled to work with any distribution"; it asks only that the behavior forward all viewer headers or Sec-WebSocket-Key and Sec-WebSocket-Version, not for a cache policy. A behavior that caches (CachingOptimized) breaks no upgrade: a warning (an error answer may be cached), never a failure.
    #[test]
    fn a_caching_behavior_is_a_warning_not_a_failure() {
        let caching = ForwardingFacts {
            source: "managed policy AllViewerExceptHostHeader".into(),
            headers: NameSet::AllExcept(vec!["Host".into()]),
            query_strings: NameSet::All,
            caching_disabled: Some(false),
            cache_policy_unknown: None,
            cookies: Some(NameSet::All),
        };
        let o = judge_forwarding(&caching, &cx(EXEC, false));
        assert_eq!(o.status(), Status::Pass, "{o:?}");
        assert!(o.warnings.iter().any(|w| w.hint.as_deref().is_some_and(|h| h.contains("CachingDisabled"))), "{o:?}");
        let no_ws = ForwardingFacts { headers: NameSet::Only(vec!["X-Api-Key".into()]), ..caching };
        assert_eq!(judge_forwarding(&no_ws, &cx(EXEC, false)).status(), Status::Fail);
    }
}
