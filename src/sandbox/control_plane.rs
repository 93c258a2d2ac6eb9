//! The emulated AWS control plane: apigatewayv2 (REST-JSON), cloudfront and
//! route53 (REST-XML), acm (JSON 1.1), on one HTTP endpoint, with SigV4
//! verification. (Filled in by the control-plane emulation work.)

use std::sync::Arc;
use std::time::Duration;

use super::model::Deployment;

/// Faults the control plane can inject (reliability tests).
#[derive(Debug, Clone, Default)]
pub struct ControlPlaneFaults {
    /// Every call answers 500 InternalFailure.
    pub server_errors: bool,
    /// Every call answers 429/400 Throttling (ThrottlingException / Throttling).
    pub throttling: bool,
    /// Added before every answer.
    pub delay: Duration,
}

pub struct ControlPlane {
    url: url::Url,
}

impl ControlPlane {
    /// Binds 127.0.0.1:0 and serves `deployment` until [`ControlPlane::shutdown`].
    pub async fn start(deployment: Arc<Deployment>, faults: ControlPlaneFaults) -> std::io::Result<ControlPlane> {
        let _ = (deployment, faults);
        Ok(ControlPlane { url: url::Url::parse("http://127.0.0.1:9/").expect("static URL") })
    }

    /// `http://127.0.0.1:{port}` — the `aws.endpoint_url` for every service.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    pub async fn shutdown(self) {}
}
