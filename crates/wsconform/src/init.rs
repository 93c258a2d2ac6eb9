//! `wsconform init URL --region R`: discovers what serves the URL and
//! writes a complete, commented suite file from it (the README's suite reference).
//!
//! Discovery runs in two steps, because which tables the suite has decides
//! how the route is computed. First a probe suite asks the control plane
//! whether a CloudFront distribution has the host as alias
//! (ListDistributions) and whether the host is an API Gateway custom domain
//! (GetDomainName). Then a suite with exactly what exists computes the
//! route. The API, stage and mapping key come from a custom domain's API
//! mapping (the landing domain's, else the host's own), or from the
//! execute-api origin only while the route works: a broken route
//! ([`route_fault`]) tells no intent, and the file says so in comments. GetApi
//! tells whether the execute-api endpoint is disabled. Writing the file is pure
//! ([`render_suite`]).

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::Duration;

use crate::checks::blame::{Intent, route_fault};
use crate::emulator::{Emulator, EmulatorPlan};
use crate::facts::Facts;
use crate::model::aws::normalize_host;
use crate::model::route::{Landing, select_mapping};
use crate::run::{BadInput, SandboxOverride};
use crate::suite::{CloudFrontSpec, CustomDomainSpec, DistributionRef, Suite};

/// Discovery is a handful of control-plane calls; never wait forever on them.
const DISCOVERY_DEADLINE: Duration = Duration::from_secs(60);

/// What discovery found, ready to be written as a suite.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    pub name: String,
    pub region: String,
    pub url: String,
    pub distribution_id: Option<String>,
    pub custom_domain: Option<FoundDomain>,
    pub api_id: Option<String>,
    pub stage: Option<String>,
    /// GetApi `DisableExecuteApiEndpoint`.
    pub execute_api_disabled: Option<bool>,
    /// GetApi `RouteSelectionExpression`.
    pub route_selection_expression: Option<String>,
    /// GetRoutes' route keys, in the API's order.
    pub routes: Vec<String>,
    pub layout: Option<String>,
    pub route: Option<String>,
    /// Why the API, stage and mapping key could not be told, when the route
    /// is broken: "the route from CloudFront does not reach the API (see cloudfront.forwarding)".
    pub unknown_because: Option<String>,
    /// What discovery could not tell, for comments in the file.
    pub notes: Vec<String>,
    /// `[sandbox]`: (layout, scenario), so the file is self-contained.
    pub sandbox: Option<(String, String)>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FoundDomain {
    pub name: String,
    pub mapping_key: Option<String>,
    pub regional_target: Option<String>,
}

/// Discovers the deployment behind `url` in `region` and returns the suite
/// file's text. With `sandbox`, discovery asks the in-process sandbox.
pub async fn init(
    url: &str,
    region: &str,
    sandbox: Option<SandboxOverride>,
    emulator: Option<&dyn Emulator>,
) -> Result<String, BadInput> {
    crate::install_crypto_provider();
    let mut probe = probe_suite(url, region)?;
    let found = match sandbox {
        None => bounded(discover(probe)).await?,
        Some(sb) => {
            let emulator = emulator.ok_or_else(|| BadInput(crate::emulator::missing("init")))?;
            discover_in_sandbox(&mut probe, &sb, emulator).await?
        }
    };
    Ok(render_suite(&found))
}

async fn bounded(fut: impl Future<Output = Result<Found, BadInput>>) -> Result<Found, BadInput> {
    tokio::time::timeout(DISCOVERY_DEADLINE, fut).await.unwrap_or_else(|_| {
        Err(BadInput(format!("discovery did not finish within {} s", DISCOVERY_DEADLINE.as_secs())))
    })
}

async fn discover_in_sandbox(
    probe: &mut Suite,
    sb: &SandboxOverride,
    emulator: &dyn Emulator,
) -> Result<Found, BadInput> {
    let layout = emulator.layout_for(sb.layout.as_deref(), sb.scenario.as_deref());
    let scenario = sb.scenario.clone().unwrap_or_else(|| "good".into());
    let plan =
        EmulatorPlan { layout: layout.clone(), scenario: scenario.clone(), latency_ms: sb.latency_ms.unwrap_or(0) };
    let running = emulator.start(&plan, probe).await.map_err(|e| BadInput(e.to_string()))?;
    let found = bounded(discover(probe.clone())).await;
    running.shutdown().await;
    let mut found = found?;
    found.sandbox = Some((layout, scenario));
    Ok(found)
}

/// `ws.example.com` → `ws-example-com`: a suite (and report file) name.
pub fn name_from_host(host: &str) -> String {
    let name: String =
        normalize_host(host).chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    if name.trim_matches('-').is_empty() { "suite".into() } else { name }
}

/// The minimal suite discovery starts from: the URL, the region, and "find
/// the distribution and the custom domain".
pub fn probe_suite(url: &str, region: &str) -> Result<Suite, BadInput> {
    let host = url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .ok_or_else(|| BadInput(format!("`{url}` is not a URL with a host; e.g. wss://ws.example.com/Prod")))?;
    let mut text = String::new();
    let _ = writeln!(text, "name = {}", toml_str(&name_from_host(&host)));
    let _ = writeln!(text, "region = {}", toml_str(region));
    let _ = writeln!(text, "url = {}", toml_str(url));
    let _ = writeln!(text, "\n[cloudfront]\ndistribution_id = \"discover\"");
    let _ = writeln!(text, "\n[custom_domain]\nname = {}", toml_str(&host));
    // No environment: the URL and region are taken literally.
    Suite::parse("<init>", &text, &|_| None).map_err(|e| BadInput(e.to_string()))
}

/// The run's network world for SDK clients, as `run` sets it up.
async fn facts_for(suite: Suite) -> Facts {
    let facts = Facts::new(Arc::new(suite));
    if let Ok(net) = facts.net().await {
        facts.aws.set_http_client(net.sdk_http_client());
    }
    facts
}

async fn discover(probe: Suite) -> Result<Found, BadInput> {
    let host = normalize_host(probe.host());
    let mut found =
        Found { name: probe.name.clone(), region: probe.region.clone(), url: probe.display_url(), ..Found::default() };

    // Step 1: which parts exist.
    let facts = facts_for(probe.clone()).await;
    let distribution_id = facts.aws.distribution_id().await.map_err(|e| BadInput(e.to_string()))?;
    let domain = facts.aws.domain(&host).await.map_err(|e| BadInput(e.to_string()))?;
    if distribution_id.is_none() {
        found.notes.push(format!("no CloudFront distribution has the alias {host}: no `[cloudfront]`"));
    }
    if domain.is_none() {
        found.notes.push(format!("{host} is not an API Gateway custom domain in {}", probe.region));
    }

    // Step 2: the route through exactly what exists.
    let viewer_path = probe.path().to_owned();
    let mut suite = probe;
    suite.cloudfront = distribution_id.clone().map(|id| CloudFrontSpec { distribution: DistributionRef::Id(id) });
    suite.custom_domain = domain.as_ref().map(|d| CustomDomainSpec {
        name: normalize_host(&d.domain_name),
        mapping_key: None,
        regional_target: d.api_gateway_domain_name.as_deref().map(normalize_host),
    });
    let facts = facts_for(suite).await;
    let d = facts.aws.discovered().await;
    found.notes.extend(d.errors.iter().map(ToString::to_string));
    found.distribution_id = distribution_id;
    found.layout = d.layout;
    found.route = (!d.route.is_empty()).then(|| d.route.join(" → "));

    // What the route is meant to reach is stated by a custom domain's API mapping, never read off
    // a route that is broken: a route that reaches no API as meant says nothing about the intent.
    let route = facts.aws.route().await.ok();
    let intent = Intent { custom_domain: domain.as_ref().map(|d| d.domain_name.as_str()), stage: None };
    let fault = route.as_deref().and_then(|r| route_fault(r, &intent));
    let landed = route.as_deref().filter(|_| fault.is_none()).and_then(|r| match &r.landing {
        Landing::CustomDomain { domain, mapping: Some(m), .. } => Some((normalize_host(domain), m.clone())),
        _ => None,
    });
    let mapped = match (landed, &domain) {
        (Some(l), _) => Some(l),
        // The viewer host's own custom domain: its mapping for the URL's path, as API Gateway selects it.
        (None, Some(dom)) => match facts.aws.mappings(&host).await {
            Ok(maps) => select_mapping(&maps, &viewer_path).map(|m| (normalize_host(&dom.domain_name), m.clone())),
            Err(e) => {
                found.notes.push(e.to_string());
                None
            }
        },
        (None, None) => None,
    };
    let why = fault.map(|check| {
        let from = if route.as_ref().is_some_and(|r| r.edge.is_some()) { " from CloudFront" } else { "" };
        format!("the route{from} does not reach the API (see {check})")
    });
    // The domain the checks judge: the mapping's, else the one the route lands on (layout D: the origin's), else the host.
    let landing_domain = match route.as_deref().map(|r| &r.landing) {
        Some(Landing::CustomDomain { domain, .. }) => Some(normalize_host(domain)),
        _ => None,
    };
    let (domain_name, mapping_key) = match mapped {
        Some((name, m)) => {
            if let Some(w) = &why {
                found.notes.push(format!(
                    "{w}: the API and stage are {name}'s API mapping `{}`, not where the route lands",
                    m.api_mapping_key
                ));
            }
            found.api_id = m.api_id;
            found.stage = m.stage;
            (Some(name), Some(m.api_mapping_key))
        }
        None => {
            // The execute-api host's stage is the route's first segment: only a route that works tells it.
            if fault.is_none() {
                found.api_id = d.api_id;
                found.stage = d.stage;
            }
            (landing_domain.or_else(|| domain.as_ref().map(|d| normalize_host(&d.domain_name))), None)
        }
    };
    found.unknown_because = why;
    if let Some(name) = domain_name {
        let regional_target = match facts.aws.domain(&name).await {
            Ok(Some(dom)) => regional_target_of(&dom, &mut found.notes),
            Ok(None) => None,
            Err(e) => {
                found.notes.push(e.to_string());
                None
            }
        };
        found.custom_domain = Some(FoundDomain { name, mapping_key, regional_target });
    }
    if let Some(id) = &found.api_id {
        match facts.aws.api(id).await {
            Ok(Some(api)) => {
                found.execute_api_disabled = api.disable_execute_api_endpoint;
                found.route_selection_expression = api.route_selection_expression.clone();
            }
            Ok(None) => found.notes.push(format!("API {id} does not exist in {}", found.region)),
            Err(e) => found.notes.push(e.to_string()),
        }
        match facts.aws.routes(id).await {
            Ok(routes) => found.routes = routes.iter().map(|r| r.route_key.clone()).collect(),
            Err(e) => found.notes.push(e.to_string()),
        }
    }
    found.notes.dedup();
    Ok(found)
}

/// The domain's regional target (GetDomainName `ApiGatewayDomainName`).
/// API Gateway always reports it for a domain it serves; an endpoint that
/// does not (moto 5.2.5) leaves it unknown, and the note says so. Nothing
/// else names it with authority: a CloudFront origin or a Route 53 alias
/// that looks like one is what the checks judge, not a source for the suite.
fn regional_target_of(dom: &crate::model::aws::DomainFacts, notes: &mut Vec<String>) -> Option<String> {
    let target = dom.api_gateway_domain_name.as_deref().map(normalize_host);
    if target.is_none() {
        notes.push(format!(
            "{}: GetDomainName reported no apiGatewayDomainName: `[custom_domain] regional_target` is unknown",
            normalize_host(&dom.domain_name)
        ));
    }
    target
}

/// A TOML basic string whose text survives `${VAR}` interpolation as is.
fn toml_str(s: &str) -> String {
    toml::Value::String(s.replace("${", "$${")).to_string()
}

/// The suite file for what was found: every table commented with where its
/// values came from; what was not found is left out or commented out.
pub fn render_suite(f: &Found) -> String {
    let mut s = String::new();
    let w = &mut s;
    // taplo's header directive (Even Better TOML): editors check the file against
    // the schema `wsconform schema` prints, expected next to the suite.
    let _ = writeln!(w, "#:schema ./wsconform.schema.json");
    let _ = writeln!(w, "# Written by `wsconform init` from what the AWS control plane reports for");
    let _ = writeln!(w, "# {} in {}. Review it, then: wsconform run <this file>", f.url, f.region);
    if let Some(l) = &f.layout {
        let _ = writeln!(w, "#\n# layout: {l}");
    }
    if let Some(r) = &f.route {
        let _ = writeln!(w, "# route:  {r}");
    }
    if !f.notes.is_empty() {
        let _ = writeln!(w, "#\n# discovery notes:");
        for n in &f.notes {
            let _ = writeln!(w, "#   - {n}");
        }
    }
    let _ = writeln!(w, "\nname = {}", toml_str(&f.name));
    let _ = writeln!(w, "region = {}", toml_str(&f.region));
    let _ = writeln!(w, "url = {}", toml_str(&f.url));

    let _ = writeln!(w, "\n[api]");
    let _ = writeln!(w, "# The API and stage the route lands on (GetApiMappings / the execute-api origin).");
    match (&f.api_id, &f.unknown_because) {
        (Some(id), _) => writeln!(w, "id = {}", toml_str(id)),
        (None, Some(why)) => writeln!(w, "# id = \"…\"    # could not be told: {why}"),
        (None, None) => writeln!(w, "# id = \"\"                       # not found: the route reaches no API"),
    }
    .unwrap_or_default();
    match (&f.stage, &f.unknown_because) {
        (Some(st), _) => writeln!(w, "stage = {}", toml_str(st)),
        (None, Some(why)) => writeln!(w, "# stage = \"…\"  # could not be told: {why}"),
        (None, None) => writeln!(w, "# stage = \"\"                    # not found: the route reaches no stage"),
    }
    .unwrap_or_default();
    match f.execute_api_disabled {
        Some(true) => {
            let _ =
                writeln!(w, "# GetApi DisableExecuteApiEndpoint = true: the default endpoint must refuse upgrades.");
            let _ = writeln!(w, "execute_api = \"disabled\"");
        }
        Some(false) => {
            let _ = writeln!(w, "# GetApi DisableExecuteApiEndpoint = false: the default endpoint answers.");
            let _ = writeln!(w, "execute_api = \"enabled\"");
        }
        None => {
            let _ = writeln!(w, "# execute_api = \"disabled\"      # or \"enabled\": GetApi could not tell");
        }
    }
    match &f.route_selection_expression {
        Some(rse) => {
            let _ = writeln!(w, "# GetApi RouteSelectionExpression: what selects a route from each message.");
            let _ = writeln!(w, "route_selection_expression = {}", toml_str(rse));
        }
        None if f.api_id.is_some() => {
            let _ = writeln!(w, "# route_selection_expression = \"\"  # GetApi did not tell");
        }
        None => {}
    }
    if !f.routes.is_empty() {
        let keys: Vec<String> = f.routes.iter().map(|k| toml_str(k)).collect();
        let _ = writeln!(w, "# GetRoutes: each must exist with its integration (apigw.routes, apigw.integrations).");
        let _ = writeln!(w, "routes = [{}]", keys.join(", "));
    }

    if let Some(d) = &f.custom_domain {
        let _ = writeln!(w, "\n[custom_domain]");
        let _ = writeln!(w, "# The API Gateway custom domain (GetDomainName) and the mapping key the path selects.");
        let _ = writeln!(w, "name = {}", toml_str(&d.name));
        match (&d.mapping_key, &f.unknown_because) {
            (Some(k), _) => writeln!(w, "mapping_key = {}", toml_str(k)),
            (None, Some(why)) => writeln!(w, "# mapping_key = \"…\"  # could not be told: {why}"),
            (None, None) => writeln!(w, "# mapping_key = \"\"              # the route does not land on this domain"),
        }
        .unwrap_or_default();
        let _ = writeln!(w, "# Where @connections is reached when the execute-api endpoint is disabled.");
        match &d.regional_target {
            Some(t) => writeln!(w, "regional_target = {}", toml_str(t)),
            None => writeln!(
                w,
                "# regional_target = \"\"            # unknown: GetDomainName reported no apiGatewayDomainName \
                 (a run asks it again)"
            ),
        }
        .unwrap_or_default();
    }

    if let Some(id) = &f.distribution_id {
        let _ = writeln!(w, "\n[cloudfront]");
        let _ = writeln!(w, "# Found by alias (ListDistributions); \"discover\" finds it again on every run.");
        let _ = writeln!(w, "distribution_id = {}", toml_str(id));
    }

    let defaults = crate::suite::RoundtripSpec::default();
    let _ = writeln!(w, "\n[roundtrip]");
    let _ = writeln!(w, "# The live round trip: adapt `send`/`expect` to what your $default route answers.");
    let _ = writeln!(w, "# headers = {{ Authorization = \"${{WS_TOKEN}}\" }}   # values from env are secrets");
    let _ = writeln!(w, "send = {}", toml_str(&defaults.send));
    match &defaults.expect {
        crate::suite::Expect::Substring(e) => writeln!(w, "expect = {}", toml_str(e)),
        crate::suite::Expect::JsonPointer { pointer, contains } => {
            writeln!(w, "expect = {{ json_pointer = {}, contains = {} }}", toml_str(pointer), toml_str(contains))
        }
    }
    .unwrap_or_default();
    if let Some(p) = &defaults.connection_id {
        let _ = writeln!(w, "connection_id = {}           # JSON pointer into the echo reply", toml_str(p));
    }
    let _ = writeln!(w, "management_endpoint = \"auto\"");
    let _ = writeln!(w, "timeout = {}", toml_str(&humantime::format_duration(defaults.timeout).to_string()));

    if let Some((layout, scenario)) = &f.sandbox {
        let _ = writeln!(w, "\n[sandbox]");
        let _ = writeln!(w, "# Discovered from the in-process sandbox: running this file starts it again.");
        let _ = writeln!(w, "layout = {}", toml_str(layout));
        let _ = writeln!(w, "scenario = {}", toml_str(scenario));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found() -> Found {
        Found {
            name: "ws-example-com".into(),
            region: "ap-northeast-1".into(),
            url: "wss://ws.example.com/websocket".into(),
            distribution_id: Some("E2ABC".into()),
            custom_domain: Some(FoundDomain {
                name: "ws.example.com".into(),
                mapping_key: Some("websocket".into()),
                regional_target: Some("d-abc.execute-api.ap-northeast-1.amazonaws.com".into()),
            }),
            api_id: Some("a1b2c3".into()),
            stage: Some("Prod".into()),
            execute_api_disabled: Some(true),
            route_selection_expression: Some("$request.body.action".into()),
            routes: vec!["$connect".into(), "$default".into(), "sendmessage".into()],
            layout: Some("B".into()),
            route: Some("viewer → API".into()),
            unknown_because: None,
            notes: vec![],
            sandbox: None,
        }
    }

    fn parse(text: &str) -> Suite {
        Suite::parse("<init>", text, &|_| None).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn full_discovery_writes_every_table() {
        let text = render_suite(&found());
        let s = parse(&text);
        assert_eq!(s.api.id.as_deref(), Some("a1b2c3"));
        assert_eq!(s.api.stage.as_deref(), Some("Prod"));
        assert_eq!(s.api.execute_api, Some(crate::suite::ExecuteApi::Disabled));
        assert_eq!(s.api.route_selection_expression.as_deref(), Some("$request.body.action"));
        assert_eq!(s.api.routes, ["$connect", "$default", "sendmessage"]);
        let cd = s.custom_domain.expect("custom domain");
        assert_eq!(cd.mapping_key.as_deref(), Some("websocket"));
        assert_eq!(s.cloudfront.map(|c| c.distribution), Some(DistributionRef::Id("E2ABC".into())));
        assert!(s.sandbox.is_none());
        assert!(text.contains("# layout: B"), "{text}");
    }

    #[test]
    fn missing_parts_are_left_out_and_the_file_still_parses() {
        let mut f = found();
        f.distribution_id = None;
        f.custom_domain = None;
        f.api_id = None;
        f.stage = None;
        f.execute_api_disabled = None;
        f.notes = vec!["no CloudFront distribution has the alias ws.example.com".into()];
        f.sandbox = Some(("c".into(), "good".into()));
        let text = render_suite(&f);
        let s = parse(&text);
        assert!(s.cloudfront.is_none() && s.custom_domain.is_none());
        assert!(s.api.id.is_none() && s.api.execute_api.is_none());
        assert_eq!(s.sandbox.map(|sb| (sb.layout, sb.scenario)), Some(("c".into(), "good".into())));
        assert!(text.contains("#   - no CloudFront distribution"), "{text}");
    }

    #[test]
    fn an_unreported_regional_target_is_stated_not_invented() {
        let mut f = found();
        f.custom_domain.as_mut().expect("domain").regional_target = None;
        let text = render_suite(&f);
        let s = parse(&text);
        assert_eq!(s.custom_domain.and_then(|d| d.regional_target), None);
        assert!(text.contains("# regional_target = \"\"") && text.contains("apiGatewayDomainName"), "{text}");
    }

    #[test]
    fn what_a_broken_route_cannot_tell_is_a_comment_and_the_file_still_parses() {
        let mut f = found();
        f.api_id = None;
        f.stage = None;
        f.execute_api_disabled = None;
        f.route_selection_expression = None;
        f.custom_domain.as_mut().expect("domain").mapping_key = None;
        f.unknown_because =
            Some("the route from CloudFront does not reach the API (see cloudfront.path-pattern)".into());
        let text = render_suite(&f);
        let s = parse(&text);
        assert!(s.api.id.is_none() && s.api.stage.is_none(), "{text}");
        assert_eq!(s.custom_domain.and_then(|d| d.mapping_key), None);
        for key in ["id", "stage", "mapping_key"] {
            let line = text.lines().find(|l| l.starts_with(&format!("# {key} = "))).unwrap_or_else(|| panic!("{text}"));
            assert!(line.contains("could not be told") && line.contains("cloudfront.path-pattern"), "{line}");
        }
    }

    #[test]
    fn values_are_not_interpolated() {
        let mut f = found();
        f.api_id = Some("${HOME}".into());
        let s = parse(&render_suite(&f));
        assert_eq!(s.api.id.as_deref(), Some("${HOME}"));
    }

    #[test]
    fn probe_suite_asks_for_discovery() {
        let s = probe_suite("wss://WS.Example.com/Prod", "ap-northeast-1").expect("parses");
        assert_eq!(s.name, "ws-example-com");
        assert_eq!(s.cloudfront.map(|c| c.distribution), Some(DistributionRef::Discover));
        assert_eq!(s.custom_domain.map(|c| c.name), Some("ws.example.com".into()));
    }

    #[test]
    fn probe_suite_rejects_bad_input() {
        assert!(probe_suite("not a url", "ap-northeast-1").is_err());
        assert!(probe_suite("wss://ws.example.com/Prod", "mars-1").is_err());
        assert!(probe_suite("https://ws.example.com/Prod", "ap-northeast-1").is_err());
    }

    #[test]
    fn names_come_from_the_host() {
        assert_eq!(name_from_host("ws.example.com."), "ws-example-com");
        assert_eq!(name_from_host("..."), "suite");
    }
}
