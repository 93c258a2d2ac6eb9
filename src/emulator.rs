//! The in-process sandbox behind the library's [`Emulator`] seam: starts
//! `wsconform-sandbox` by the names a suite gives and points the suite at it.

use std::sync::Arc;
use std::time::Duration;

use wsconform::emulator::{BoxFuture, Emulator, EmulatorPlan, RunningEmulator, StartError};
use wsconform::run::SuiteSource;
use wsconform::suite::{ConnectTo, Nameservers, RoundtripAuth, StaticCredentials, Suite};
use wsconform_sandbox::launch::{self, Launch};
use wsconform_sandbox::{Endpoints, Sandbox};

/// The sandbox as the runner's emulator.
#[derive(Debug, Clone, Copy, Default)]
pub struct InProcess;

impl InProcess {
    pub fn shared() -> Arc<dyn Emulator> {
        Arc::new(InProcess)
    }
}

impl Emulator for InProcess {
    fn fault_names(&self) -> &[&'static str] {
        &wsconform_sandbox::faults::NAMES
    }

    fn layout_for(&self, layout: Option<&str>, scenario: Option<&str>) -> String {
        launch::layout_for(layout, scenario)
    }

    fn own_suite(&self, layout: &str) -> SuiteSource {
        let (name, text) = launch::own_suite(layout);
        SuiteSource::Text { name, text }
    }

    fn start<'a>(
        &'a self,
        plan: &'a EmulatorPlan,
        suite: &'a mut Suite,
    ) -> BoxFuture<'a, Result<Box<dyn RunningEmulator>, StartError>> {
        Box::pin(async move {
            let faults = suite.sandbox.as_ref().map(|s| s.fault_names()).unwrap_or_default();
            let (sandbox, scenario) = launch::start(&Launch {
                layout: &plan.layout,
                scenario: &plan.scenario,
                latency: Duration::from_millis(plan.latency_ms),
                faults: &faults,
                check_timeout: suite.check_timeout,
                dns_timeout: suite.dns.timeout.unwrap_or(wsconform::DEFAULT_QUERY_TIMEOUT),
            })
            .await?;
            apply(&sandbox.endpoints(), suite);
            // The IAM scenarios (but `iam-unsigned`) are about a client that signs.
            if scenario.signs_upgrades() && suite.roundtrip.auth == RoundtripAuth::None {
                suite.roundtrip.auth = RoundtripAuth::Iam;
            }
            // What the scenario's clients send on the upgrade (an authorizer's token), unless the suite says.
            let rt = &mut suite.roundtrip;
            for (name, value) in scenario.sends.headers {
                if !rt.headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name)) {
                    rt.headers.push(((*name).into(), (*value).into()));
                }
            }
            for (name, value) in scenario.sends.query {
                if !rt.query.iter().any(|(n, _)| n == name) {
                    rt.query.push(((*name).into(), (*value).into()));
                }
            }
            if rt.subprotocols.is_empty() {
                rt.subprotocols = scenario.sends.subprotocols.iter().map(|p| (*p).to_owned()).collect();
            }
            Ok(Box::new(Running(sandbox)) as Box<dyn RunningEmulator>)
        })
    }
}

/// The sandbox's own suite for `layout` (the whole catalog).
pub fn own_suite(layout: &str) -> SuiteSource {
    InProcess.own_suite(layout)
}

struct Running(Sandbox);

impl RunningEmulator for Running {
    fn shutdown(self: Box<Self>) -> BoxFuture<'static, ()> {
        Box::pin(self.0.shutdown())
    }
}

/// Points `suite` at the sandbox: its nameserver, `connect_to`, CA, control
/// plane and test credentials.
pub fn apply(endpoints: &Endpoints, suite: &mut Suite) {
    suite.dns.nameservers = Nameservers::List(vec![endpoints.dns]);
    suite.dns.connect_to.extend(endpoints.connect_to.iter().map(|c| ConnectTo {
        host: c.host.clone(),
        port: c.port,
        to_host: Some(c.to_host.clone()),
        to_port: c.to_port,
    }));
    suite.tls.extra_ca_pem = Some(endpoints.ca_pem.clone());
    suite.aws.endpoint_url = endpoints.control_plane_url.clone();
    suite.aws.credentials = Some(StaticCredentials {
        access_key_id: endpoints.access_key_id.into(),
        secret_access_key: endpoints.secret_access_key.into(),
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sandbox_fault_is_a_name_suites_may_use() {
        let text = "name = \"t\"\nregion = \"us-east-1\"\nurl = \"wss://ws.example.com/Prod\"\n[sandbox]\nfaults = [\"upgrade-520\"]\n";
        let suite = Suite::parse("t.toml", text, &|_| None).expect("parses: names are the emulator's to judge");
        let e = wsconform::emulator::unknown_fault(&suite, &InProcess).expect("not a fault");
        assert_eq!((e.line, e.key.as_deref()), (Some(5), Some("sandbox.faults")));
        assert!(e.help.as_deref().is_some_and(|h| h.starts_with("did you mean `upgrade-50")), "{:?}", e.help);
        for name in wsconform_sandbox::faults::NAMES {
            let text = text.replace("upgrade-520", name);
            let suite = Suite::parse("t.toml", &text, &|_| None).expect("parses");
            assert!(wsconform::emulator::unknown_fault(&suite, &InProcess).is_none(), "{name}");
        }
    }
}
