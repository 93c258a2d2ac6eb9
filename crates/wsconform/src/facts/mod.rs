//! Facts: what the checks judge, fetched once per run and shared.
//!
//! - `aws`: the control plane, memoized per operation and key, so however
//!   many checks need the distribution config it is fetched once;
//! - `net()`: the run's one network world, the prober every live
//!   observation goes through (its resolver caches answers, so a host
//!   resolved by several checks is asked once per TTL);
//! - `live`: the WebSocket session the e2e checks share, and the
//!   `@connections` client.
//!
//! A check's async half takes observations (an answer, a handshake, a
//! refusal) from these and hands them to its pure judge
//! (docs/architecture.md, Observe, judge, report).

pub mod aws;
mod error;
pub mod fixture;
pub mod live;
pub(crate) mod management;

pub use error::Error;

use crate::sync::Locked;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::net::{Net, NetError};
use crate::suite::Suite;

pub struct Facts {
    pub suite: Arc<Suite>,
    net: OnceCell<Result<Arc<Net>, NetError>>,
    /// Control-plane facts (CloudFront, API Gateway, Route 53, ACM).
    pub aws: aws::AwsFacts,
    /// The WebSocket session the e2e checks share, and the management client.
    pub live: live::LiveFacts,
    /// Suite-level findings for the report: inferred layout, discovered ids.
    properties: Mutex<Vec<(String, String)>>,
}

impl Facts {
    pub fn new(suite: Arc<Suite>) -> Facts {
        Facts::with_aws(aws::AwsFacts::new(suite.clone()), suite)
    }

    /// Facts whose control plane is `source` (a fixture, a plan) instead of the AWS APIs.
    pub fn with_source(suite: Arc<Suite>, source: Arc<dyn aws::Source>) -> Facts {
        Facts::with_aws(aws::AwsFacts::with_source(suite.clone(), source), suite)
    }

    fn with_aws(aws: aws::AwsFacts, suite: Arc<Suite>) -> Facts {
        Facts { aws, live: live::LiveFacts::new(), suite, net: OnceCell::new(), properties: Mutex::new(Vec::new()) }
    }

    /// The run's one network world (resolver, connect_to, TLS), built on first use.
    pub async fn net(&self) -> Result<Arc<Net>, NetError> {
        self.net.get_or_init(|| async { Net::new(&self.suite).await.map(Arc::new) }).await.clone()
    }

    /// Forgets what was fetched, so that a retried check (`--wait`) sees the
    /// deployment as it is now rather than as it was on the first attempt.
    pub fn refresh(&self) {
        self.aws.refresh();
    }

    /// Records a suite-level finding (replaces an earlier value of `key`).
    pub fn set_property(&self, key: &str, value: impl Into<String>) {
        let mut p = self.properties.locked();
        let value = value.into();
        match p.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => slot.1 = value,
            None => p.push((key.to_owned(), value)),
        }
    }

    pub fn properties(&self) -> Vec<(String, String)> {
        self.properties.locked().clone()
    }
}
