//! Control-plane collectors: the real AWS SDK clients, each call memoized
//! and counted. (Filled in by the control-plane work.)

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::suite::Suite;

pub struct AwsFacts {
    #[allow(dead_code)]
    suite: Arc<Suite>,
}

impl AwsFacts {
    pub fn new(suite: Arc<Suite>) -> AwsFacts {
        AwsFacts { suite }
    }

    /// `service.Operation` → how many times it was called in this run.
    pub fn calls(&self) -> BTreeMap<String, u64> {
        BTreeMap::new()
    }

    /// The DNS name the public host should alias (the distribution's domain,
    /// or the custom domain's regional target), when the control plane tells.
    pub async fn expected_alias_target(&self) -> Result<Option<String>, String> {
        Ok(None)
    }
}
