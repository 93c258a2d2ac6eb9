//! Starting the sandbox for a suite that asks for it (`[sandbox]` or `--sandbox`).

use std::time::Duration;

use super::model::{self, Layout, SCENARIOS};
use super::{Faults, Sandbox, SandboxOptions, suite_for_layout};
use crate::run::SuiteSource;

/// Starts the sandbox emulating `scenario` on `layout`, with the faults the
/// suite's `[sandbox] faults` names, and points `suite` at it.
pub async fn start_for_suite(
    layout: &str,
    scenario: &str,
    latency_ms: u64,
    suite: &mut crate::suite::Suite,
) -> Result<Sandbox, String> {
    let layout =
        Layout::parse(layout).ok_or_else(|| format!("`{layout}` is not a sandbox layout ({})", Layout::names()))?;
    let scenario = model::scenario(scenario).ok_or_else(|| {
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
        format!("`{scenario}` is not a sandbox scenario; `wsconform sandbox --list` shows them: {}", names.join(", "))
    })?;
    if !scenario.supports(layout) {
        return Err(format!(
            "scenario `{}` needs a part that layout {} does not have (its own layout is {})",
            scenario.name,
            layout.name(),
            scenario.layout.name()
        ));
    }
    let mut opts = SandboxOptions::new(layout, scenario);
    opts.faults = faults_for(suite)?;
    opts.faults.set_latency(Duration::from_millis(latency_ms));
    let sandbox = Sandbox::start(opts).await.map_err(|e| format!("cannot start the sandbox: {e}"))?;
    sandbox.apply_to(suite);
    // The IAM scenarios (but `iam-unsigned`) are about a client that signs.
    if scenario.signs_upgrades() && suite.roundtrip.auth == crate::suite::RoundtripAuth::None {
        suite.roundtrip.auth = crate::suite::RoundtripAuth::Iam;
    }
    Ok(sandbox)
}

/// The faults the suite asks for, the slow ones made slower than its limits.
fn faults_for(suite: &crate::suite::Suite) -> Result<Faults, String> {
    let names = suite.sandbox.as_ref().map(|s| s.faults.join(",")).unwrap_or_default();
    let mut faults = Faults::parse_list(&names)?;
    let dns_timeout = suite.dns.timeout.unwrap_or(crate::net::dns::DEFAULT_QUERY_TIMEOUT);
    faults.fit_timeouts(suite.check_timeout, dns_timeout);
    Ok(faults)
}

/// The layout a `--sandbox` run uses: the one asked for, else the scenario's own.
pub fn layout_for(layout: Option<&str>, scenario: Option<&str>) -> String {
    layout
        .map(str::to_owned)
        .or_else(|| scenario.and_then(model::scenario).map(|s| s.layout.name().to_owned()))
        .unwrap_or_else(|| "b".into())
}

/// The sandbox's own suite for `layout`: the whole catalog.
pub fn own_suite(layout: &str) -> SuiteSource {
    let text = Layout::parse(layout).map(suite_for_layout).unwrap_or_else(|| suite_for_layout(Layout::B));
    SuiteSource::Text { name: format!("<sandbox layout {layout}>"), text }
}
