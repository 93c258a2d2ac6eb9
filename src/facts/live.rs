//! What live probes observed, shared between checks (the WebSocket session
//! that e2e checks pass along). (Filled in by the network and e2e work.)

pub struct LiveFacts {}

impl LiveFacts {
    pub fn new() -> LiveFacts {
        LiveFacts {}
    }
}

impl Default for LiveFacts {
    fn default() -> Self {
        Self::new()
    }
}
