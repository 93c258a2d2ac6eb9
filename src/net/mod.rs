//! One network world (DESIGN §2): a single resolver, a single `connect_to`
//! map and a single TLS configuration, used by every connection the harness
//! makes. (Filled in by the network work.)

use crate::suite::Suite;

pub struct Net {}

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("{0}")]
    Config(String),
}

impl Net {
    pub async fn new(_suite: &Suite) -> Result<Net, NetError> {
        Ok(Net {})
    }
}
