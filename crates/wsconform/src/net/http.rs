//! HTTP in this world: a `reqwest` client whose resolver applies
//! `connect_to` and asks the run's resolver, with the run's rustls config;
//! and an AWS SDK `HttpClient` on top of it, so SDK calls (`@connections`,
//! the control plane) reach the same addresses the checks judged.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

use super::connect_to::{Route, after_dns, before_dns};
use super::dns::DnsResolver;
use crate::suite::ConnectTo;

const HTTP_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const HTTP_TIMEOUT: Duration = Duration::from_secs(30);
/// Responses bigger than this are refused: SDK answers here are small JSON.
const MAX_RESPONSE_BYTES: usize = 4 << 20;

/// reqwest's view of the run's resolver. reqwest passes only the name, so
/// host-keyed entries are matched for port 443 (the https default); a port
/// chosen here wins only when the URL has none.
struct WorldResolve {
    resolver: DnsResolver,
    connect_to: Vec<ConnectTo>,
}

/// The addresses for `host` as reqwest wants them: port 0 means "the URL's
/// or the scheme's port", a non-zero port comes from a `connect_to` entry.
pub(crate) async fn resolve_for_http(
    resolver: &DnsResolver,
    connect_to: &[ConnectTo],
    host: &str,
) -> Result<Vec<SocketAddr>, super::DnsError> {
    const HTTPS: u16 = 443;
    let map = |addr: SocketAddr| {
        let mapped = after_dns(connect_to, addr);
        if mapped == addr { SocketAddr::new(addr.ip(), 0) } else { mapped }
    };
    match before_dns(connect_to, host, HTTPS) {
        Route::Address(a) => Ok(vec![if a.port() == HTTPS { map(a) } else { after_dns(connect_to, a) }]),
        Route::Resolve { host, port } => {
            let answer = resolver.lookup(&host).await?;
            Ok(answer
                .addrs
                .iter()
                .map(|ip| {
                    let a = SocketAddr::new(*ip, port);
                    if port == HTTPS { map(a) } else { after_dns(connect_to, a) }
                })
                .collect())
        }
    }
}

impl reqwest::dns::Resolve for WorldResolve {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let resolver = self.resolver.clone();
        let connect_to = self.connect_to.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs = resolve_for_http(&resolver, &connect_to, &host).await?;
            Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// The one reqwest client of the network world; `pinned` sends one host to
/// fixed addresses (the custom domain at its regional target).
pub(super) fn build_client(
    resolver: DnsResolver,
    connect_to: Vec<ConnectTo>,
    tls: Arc<rustls::ClientConfig>,
    pinned: Option<(&str, &[SocketAddr])>,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .tls_backend_preconfigured((*tls).clone())
        .dns_resolver(Arc::new(WorldResolve { resolver, connect_to }))
        .no_proxy()
        .connect_timeout(HTTP_CONNECT_TIMEOUT)
        .timeout(HTTP_TIMEOUT);
    if let Some((host, addrs)) = pinned {
        builder = builder.resolve_to_addrs(host, addrs);
    }
    builder.build().map_err(|e| format!("cannot build the HTTP client: {e}"))
}

pub(super) fn sdk_http_client(client: reqwest::Client) -> SharedHttpClient {
    SharedHttpClient::new(SdkClient { client })
}

#[derive(Debug, Clone)]
struct SdkClient {
    client: reqwest::Client,
}

impl HttpClient for SdkClient {
    fn http_connector(&self, settings: &HttpConnectorSettings, _: &RuntimeComponents) -> SharedHttpConnector {
        SharedHttpConnector::new(SdkConnector { client: self.client.clone(), read_timeout: settings.read_timeout() })
    }
}

#[derive(Debug, Clone)]
struct SdkConnector {
    client: reqwest::Client,
    read_timeout: Option<Duration>,
}

fn user_error(m: impl Into<String>) -> ConnectorError {
    ConnectorError::user(m.into().into())
}

impl HttpConnector for SdkConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let client = self.client.clone();
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let request = request.try_into_http1x().map_err(|e| user_error(format!("bad request: {e}")))?;
            let (parts, body) = request.into_parts();
            // SDK bodies here are small and in memory; a streaming body is not expected.
            let bytes = body.bytes().ok_or_else(|| user_error("streaming request bodies are not supported"))?.to_vec();
            let mut req = reqwest::Request::try_from(http::Request::from_parts(parts, bytes))
                .map_err(|e| user_error(format!("bad request: {e}")))?;
            if let Some(t) = read_timeout {
                *req.timeout_mut() = Some(t.max(Duration::from_secs(1)));
            }
            let mut resp = client.execute(req).await.map_err(|e| {
                if e.is_timeout() {
                    ConnectorError::timeout(e.into())
                } else if e.is_connect() {
                    ConnectorError::io(e.into())
                } else {
                    ConnectorError::other(e.into(), None)
                }
            })?;
            let mut out = http::Response::builder().status(resp.status().as_u16());
            for (k, v) in resp.headers() {
                out = out.header(k, v);
            }
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| ConnectorError::io(e.into()))? {
                if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
                    return Err(ConnectorError::other("response body over 4 MiB".into(), None));
                }
                body.extend_from_slice(&chunk);
            }
            let resp = out.body(SdkBody::from(body)).map_err(|e| ConnectorError::other(e.into(), None))?;
            HttpResponse::try_from(resp).map_err(|e| ConnectorError::other(e.into(), None))
        })
    }
}
