//! The emulated AWS control plane: apigatewayv2, API Gateway v1's GetVpcLink
//! and lambda (REST-JSON), cloudfront and route53 (REST-XML), acm (JSON 1.1),
//! on one HTTP endpoint, with SigV4
//! verification. The service is the one the request was signed for (the SigV4
//! scope), the operation is picked from method + path (or `X-Amz-Target`), and
//! every answer is in the wire format the real SDK client parses.

mod acm;
mod apigw;
mod cloudfront;
mod lambda;
mod route53;
mod wire;
mod writes;
mod xml_in;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use super::faults::ControlPlaneFaults;
use super::model::{Distribution, Live};
use super::sigv4;
use super::sync::Locked;
use wire::{Answer, Request};
pub use wire::{AwsError, Protocol, percent_decode, request_id};

/// Largest request body the control plane reads (the SDK's requests are tiny).
const MAX_BODY: usize = 1 << 20;

struct State {
    deployment: Live,
    started: std::time::Instant,
    faults: Mutex<ControlPlaneFaults>,
    calls: Mutex<BTreeMap<String, u64>>,
}

pub struct ControlPlane {
    url: url::Url,
    state: Arc<State>,
    stop: CancellationToken,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl ControlPlane {
    /// Binds 127.0.0.1:0 and serves `deployment` until [`ControlPlane::shutdown`].
    pub async fn start(deployment: Live, faults: ControlPlaneFaults) -> std::io::Result<ControlPlane> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let url = url::Url::parse(&format!("http://{addr}"))
            .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidInput, e))?;
        let state = Arc::new(State {
            deployment,
            started: std::time::Instant::now(),
            faults: Mutex::new(faults),
            calls: Mutex::new(BTreeMap::new()),
        });
        let stop = CancellationToken::new();
        let task = tokio::spawn(serve(listener, state.clone(), stop.clone()));
        Ok(ControlPlane { url, state, stop, task: Some(task) })
    }

    /// `http://127.0.0.1:{port}` — the `aws.endpoint_url` for every service.
    pub fn url(&self) -> &url::Url {
        &self.url
    }

    /// `service.Operation` (e.g. `apigatewayv2.GetApi`) → requests that reached it
    /// (after SigV4 verification, including those answered with an injected fault).
    pub fn calls(&self) -> BTreeMap<String, u64> {
        self.state.calls.locked().clone()
    }

    /// Changes the injected faults for the following requests.
    pub fn set_faults(&self, faults: ControlPlaneFaults) {
        *self.state.faults.locked() = faults;
    }

    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for ControlPlane {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

async fn serve(listener: TcpListener, state: Arc<State>, stop: CancellationToken) {
    loop {
        let stream = tokio::select! {
            _ = stop.cancelled() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                // E.g. out of file descriptors: back off instead of spinning.
                Err(_) => {
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        let (state, stop) = (state.clone(), stop.clone());
        tokio::spawn(async move {
            let service = service_fn(move |req| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(answer(&state, req).await) }
            });
            let conn = http1::Builder::new().serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.cancelled() => {}
            }
        });
    }
}

async fn answer(state: &State, req: http::Request<Incoming>) -> http::Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let protocol_guess = Protocol::guess(&parts);
    let body = match Limited::new(body, MAX_BODY).collect().await {
        Ok(b) => b.to_bytes(),
        Err(_) => {
            let e = AwsError::new(413, "RequestEntityTooLarge", "The request body is too large.");
            return protocol_guess.render_error(&e).into_response();
        }
    };
    let faults = state.faults.locked().clone();
    let answer = handle(state, &faults, &parts, &body);
    if !faults.delay.is_zero() {
        tokio::time::sleep(faults.delay).await;
    }
    answer.into_response()
}

/// One request, start to end, without I/O: verify, route, count, inject faults, answer.
fn handle(state: &State, faults: &ControlPlaneFaults, parts: &http::request::Parts, body: &[u8]) -> Answer {
    let scope = match sigv4::verify(parts, body) {
        Ok(scope) => scope,
        Err(e) => return Protocol::guess(parts).render_error(&AwsError::from_sigv4(&e)),
    };
    let req = Request::new(parts, body, &scope.region);
    // API Gateway v1 and v2 are both signed for `apigateway`; v2's paths start with `/v2/`.
    let v1 = parts.uri.path().starts_with("/vpclinks");
    let (service, protocol) = match scope.service.as_str() {
        "apigateway" if v1 => ("apigateway", Protocol::RestJson),
        "apigateway" => ("apigatewayv2", Protocol::RestJson),
        "lambda" => ("lambda", Protocol::RestJson),
        "cloudfront" => ("cloudfront", Protocol::RestXml(wire::CLOUDFRONT_NAMESPACE)),
        "route53" => ("route53", Protocol::RestXml(wire::ROUTE53_NAMESPACE)),
        "acm" => ("acm", Protocol::Json11),
        _ => {
            let e = AwsError::new(
                400,
                "UnknownServiceException",
                "The sandbox control plane does not emulate this service.",
            );
            return Protocol::guess(parts).render_error(&e);
        }
    };
    // A deploy still propagating: the same distribution, `InProgress` for now.
    let deploying = faults.deploying_for.is_some_and(|d| state.started.elapsed() < d);
    // A write call changes the live deployment (not when the call is to fail: nothing is applied);
    // a read answers from a snapshot of it.
    let failing = faults.server_errors || faults.throttling;
    let written = if failing { None } else { writes::route(&state.deployment, service, &req) };
    let current = state.deployment.current();
    let in_progress;
    let deployment = match &current.distribution {
        Some(dist) if deploying => {
            let mut d = (*current).clone();
            d.distribution = Some(Distribution { status: "InProgress".into(), ..dist.clone() });
            in_progress = d;
            &in_progress
        }
        _ => &*current,
    };
    let routed = match service {
        _ if written.is_some() => written,
        "apigatewayv2" => apigw::route(deployment, &req),
        "apigateway" => apigw::route_v1(deployment, &req),
        "lambda" => lambda::route(deployment, &req),
        "cloudfront" => cloudfront::route(deployment, &req),
        "route53" => route53::route(deployment, &req),
        _ => acm::route(deployment, &req),
    };
    let (operation, result) = match routed {
        Some(found) => found,
        None => (
            "UnknownOperation",
            Err(AwsError::new(
                404,
                "UnknownOperationException",
                "The sandbox control plane does not emulate this operation.",
            )),
        ),
    };
    *state.calls.locked().entry(format!("{service}.{operation}")).or_default() += 1;

    let result = if faults.server_errors {
        Err(AwsError::new(500, "InternalFailure", "The request processing has failed because of an unknown error."))
    } else if faults.throttling {
        Err(protocol.throttling())
    } else {
        result
    };
    match result {
        Ok(answer) => answer,
        Err(e) => protocol.render_error(&e),
    }
}
