//! Starting the sandbox by name: a layout, a scenario and fault names, as a
//! suite's `[sandbox]` table or `--sandbox` give them.

use std::time::Duration;

use super::model::{self, Layout, SCENARIOS, Scenario};
use super::{Faults, Sandbox, SandboxOptions, suite_for_layout};

/// What to start, by name.
#[derive(Debug, Clone, Default)]
pub struct Launch<'a> {
    pub layout: &'a str,
    pub scenario: &'a str,
    pub latency: Duration,
    pub faults: &'a [&'a str],
    /// The client's check timeout and DNS query timeout: the slow faults are
    /// made slower than these, so they are observed as timeouts.
    pub check_timeout: Duration,
    pub dns_timeout: Duration,
}

/// Starts the sandbox emulating `scenario` on `layout` with the named faults.
pub async fn start(l: &Launch<'_>) -> Result<(Sandbox, &'static Scenario), String> {
    let layout = Layout::parse(l.layout)
        .ok_or_else(|| format!("`{}` is not a sandbox layout ({})", l.layout, Layout::names()))?;
    let scenario = model::scenario(l.scenario).ok_or_else(|| {
        let names: Vec<&str> = SCENARIOS.iter().map(|s| s.name).collect();
        format!(
            "`{}` is not a sandbox scenario; `wsconform sandbox --list` shows them: {}",
            l.scenario,
            names.join(", ")
        )
    })?;
    if !scenario.supports(layout) {
        let layouts: Vec<&str> = scenario.layouts.iter().map(|l| l.name()).collect();
        return Err(format!(
            "scenario `{}` does not exist on layout {}: it needs a part that layout does not have, \
             or changes nothing there (its layouts: {}; its own is {})",
            scenario.name,
            layout.name(),
            layouts.join(", "),
            scenario.layout.name()
        ));
    }
    let mut opts = SandboxOptions::new(layout, scenario);
    opts.faults = Faults::parse_list(&l.faults.join(","))?;
    opts.faults.fit_timeouts(l.check_timeout, l.dns_timeout);
    opts.faults.set_latency(l.latency);
    let sandbox = Sandbox::start(opts).await.map_err(|e| format!("cannot start the sandbox: {e}"))?;
    Ok((sandbox, scenario))
}

/// The layout a `--sandbox` run uses: the one asked for, else the scenario's own.
pub fn layout_for(layout: Option<&str>, scenario: Option<&str>) -> String {
    layout
        .map(str::to_owned)
        .or_else(|| scenario.and_then(model::scenario).map(|s| s.layout.name().to_owned()))
        .unwrap_or_else(|| "b".into())
}

/// The sandbox's own suite for `layout` (the whole catalog): its name for
/// errors, and its text.
pub fn own_suite(layout: &str) -> (String, String) {
    let text = Layout::parse(layout).map(suite_for_layout).unwrap_or_else(|| suite_for_layout(Layout::B));
    (format!("<sandbox layout {layout}>"), text)
}
