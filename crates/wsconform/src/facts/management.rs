//! The backend's way back: the `@connections` endpoint the deployment
//! implies (a pure rule, [`management_target`]), the management client built
//! on the control plane's SDK configuration, its retry policy for throttling,
//! and the SigV4 signer of IAM upgrades with the same credentials.

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_apigatewaymanagement as mgmt;
use tokio::time::Instant;
use url::Url;

use crate::facts::Facts;
use crate::facts::live::{Management, NoManagement};
use crate::net::sigv4::IamSigner;
use crate::suite::{ExecuteApi, ManagementEndpoint, RoundtripAuth, Suite};

/// Why no upgrade signer could be made for `[roundtrip] auth`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum SignerError {
    #[error("`[roundtrip] auth` signs the upgrade, but no AWS credentials provider is configured")]
    NoProvider,
    #[error("`[roundtrip] auth = \"{auth}\"` needs AWS credentials to sign the upgrade: {cause}")]
    Credentials { auth: &'static str, cause: String },
}

/// A SigV4 signer for upgrades when the suite's `$connect` uses IAM (`[roundtrip] auth`),
/// with the control-plane clients' credentials (one chain: [`AwsFacts::sdk_config`]);
/// `None` for `auth = "none"`. It signs the path the request carries: the
/// execute-api door's probe uses it as is.
pub(crate) async fn iam_signer(facts: &Facts) -> Result<Option<IamSigner>, SignerError> {
    use aws_credential_types::provider::ProvideCredentials;
    let suite = &facts.suite;
    let auth = suite.roundtrip.auth;
    if !auth.is_iam() {
        return Ok(None);
    }
    let provider = facts.aws.credentials_provider().await.ok_or(SignerError::NoProvider)?;
    let credentials = provider.provide_credentials().await.map_err(|e| SignerError::Credentials {
        auth: auth.name(),
        cause: aws_smithy_types::error::display::DisplayErrorContext(&e).to_string(),
    })?;
    Ok(Some(IamSigner::new(credentials, &suite.region, auth == RoundtripAuth::IamQuery)))
}

/// Where `@connections` is, and the host whose addresses reach it (the regional target).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManagementTarget {
    pub url: Url,
    pub via: Option<String>,
}

/// Derives the management endpoint (docs/architecture.md). `Err` names the missing key.
/// `discovered_target` is the custom domain's regional target as the control
/// plane reports it, used when the suite does not give one.
/// What the control plane told about the management endpoint, used where the
/// suite is silent: the real `DisableExecuteApiEndpoint`, and the custom
/// domain and mapping key the route reaches (layout d's is not the public host's).
#[derive(Debug, Clone, Default)]
pub struct ManagementFacts {
    /// GetDomainName `ApiGatewayDomainName` of the custom domain.
    pub regional_target: Option<String>,
    /// GetApi `DisableExecuteApiEndpoint`.
    pub execute_api_disabled: Option<bool>,
    /// The custom domain the route lands on, its mapping key, and that domain's regional target.
    pub mapping: Option<(String, String, Option<String>)>,
}

/// The `@connections` endpoint, as AWS documents it: the execute-api URL with
/// the stage while that door is open, else `https://{custom domain}/{mapping
/// key}` reached at the domain's regional target — never through CloudFront,
/// never domain + stage. The suite's keys win; `found` fills what it leaves out.
// (the endpoint rule and its source sit on `management_endpoint_is_derived_per_layout`)
pub fn management_target(suite: &Suite, found: &ManagementFacts) -> Result<ManagementTarget, String> {
    if let ManagementEndpoint::Url(u) = &suite.roundtrip.management_endpoint {
        return Ok(ManagementTarget { url: u.clone(), via: None });
    }
    let execute_api = match (&suite.api.id, &suite.api.stage) {
        (Some(id), Some(stage)) => {
            Url::parse(&format!("https://{}/{stage}", crate::partition::execute_api_host(id, &suite.region))).ok()
        }
        _ => None,
    };
    let custom = match (&suite.custom_domain, &found.mapping) {
        (Some(d), _) => {
            let key = d.mapping_key.clone().or_else(|| {
                found.mapping.as_ref().filter(|(name, _, _)| name.eq_ignore_ascii_case(&d.name)).map(|m| m.1.clone())
            });
            let key = key.unwrap_or_else(|| {
                if d.name.eq_ignore_ascii_case(suite.host()) {
                    suite.path().trim_start_matches('/').split('/').next().unwrap_or_default().to_owned()
                } else {
                    String::new()
                }
            });
            Some((d.name.clone(), key, d.regional_target.clone().or_else(|| found.regional_target.clone())))
        }
        (None, Some(m)) => Some(m.clone()),
        (None, None) => None,
    };
    let door_open = match suite.api.execute_api {
        Some(ExecuteApi::Enabled) => Some(true),
        Some(ExecuteApi::Disabled) => Some(false),
        None => found.execute_api_disabled.map(|disabled| !disabled),
    };
    match (door_open, execute_api, custom) {
        (Some(true) | None, Some(url), _) => Ok(ManagementTarget { url, via: None }),
        (_, _, Some((name, key, target))) => {
            let Some(via) = target else {
                return Err("the custom domain's regional target is unknown: set `[custom_domain] regional_target` \
                            (or `roundtrip.management_endpoint`)"
                    .into());
            };
            let url = Url::parse(&format!("https://{name}/{key}")).map_err(|e| e.to_string())?;
            Ok(ManagementTarget { url, via: Some(via) })
        }
        _ => Err("no management endpoint: set `[api] id` and `stage`, a `[custom_domain]`, or \
                  `roundtrip.management_endpoint`"
            .into()),
    }
}

/// What the control plane says about the management endpoint, read only when a
/// control-plane check runs anyway (the same memoized calls).
/// `control_plane`: whether a check that reads the control plane runs anyway.
pub(crate) async fn management_facts(facts: &Facts, control_plane: bool) -> ManagementFacts {
    let aws = &facts.aws;
    let suite = &facts.suite;
    let mut found = ManagementFacts::default();
    if let (Some(d), ManagementEndpoint::Auto) = (&suite.custom_domain, &suite.roundtrip.management_endpoint)
        && d.regional_target.is_none()
    {
        found.regional_target =
            aws.domain(&d.name).await.ok().flatten().and_then(|f| f.api_gateway_domain_name.clone());
    }
    // Only what the suite leaves out is asked (and a slow control plane then delays only those suites).
    if !control_plane {
        return found;
    }
    if suite.api.execute_api.is_none()
        && let Ok(id) = aws.api_id().await
        && let Ok(Some(api)) = aws.api(&id).await
    {
        found.execute_api_disabled = api.disable_execute_api_endpoint;
    }
    if suite.custom_domain.as_ref().is_none_or(|d| d.mapping_key.is_none())
        && let Ok(route) = aws.route().await
        && let crate::model::route::Landing::CustomDomain { domain, key, mapping: Some(_) } = &route.landing
    {
        let target = aws.domain(domain).await.ok().flatten().and_then(|f| f.api_gateway_domain_name.clone());
        found.mapping = Some((domain.clone(), key.clone(), target));
    }
    found
}

/// The `@connections` client for the endpoint the deployment implies. Its
/// SDK configuration is the control plane's ([`AwsFacts::sdk_config`]: the
/// same credential chain, never IMDS against a loopback emulator), with the
/// endpoint and the HTTP client that reaches it.
pub(crate) async fn build_management(facts: &Facts, control_plane: bool) -> Result<Arc<Management>, NoManagement> {
    let found = management_facts(facts, control_plane).await;
    let target = management_target(&facts.suite, &found).map_err(NoManagement::NoEndpoint)?;
    let net = facts.net().await.map_err(|e| NoManagement::Unreachable(e.into()))?;
    let http = match &target.via {
        Some(via) => {
            let host = target.url.host_str().unwrap_or_default().to_owned();
            net.http_client_via(&host, via)
                .await
                .map_err(|e| NoManagement::Unreachable(format!("cannot reach {via}: {e}")))?
        }
        None => net.http_client().clone(),
    };
    let (sdk, _) = tokio::join!(facts.aws.sdk_config(), warm(&http, &target.url));
    let conf = mgmt::config::Builder::from(&sdk)
        .http_client(crate::net::sdk_http_client_for(http.clone()))
        .endpoint_url(target.url.as_str().trim_end_matches('/'))
        .build();
    Ok(Arc::new(Management {
        client: mgmt::Client::from_conf(conf),
        endpoint: target.url,
        via: target.via,
        profile: facts.suite.aws.profile.clone(),
        local_chain: facts.aws.uses_local_chain(),
    }))
}

/// Opens pooled connections to the endpoint's host. The answers (403 on
/// AWS) do not matter; only the TCP + TLS connections they leave behind.
pub(crate) async fn warm(http: &reqwest::Client, endpoint: &Url) {
    let mut root = endpoint.clone();
    root.set_path("/");
    // Two connections: e2e.post and e2e.connection-info run at the same time.
    let head = || tokio::time::timeout(Duration::from_secs(5), http.head(root.clone()).send());
    let _ = tokio::join!(head(), head());
}

/// `op failed: Code: message (HTTP n)`: one line, without the SDK's debug
/// dump of the raw response that `DisplayErrorContext` appends.
/// Missing credentials are named by the chain that looked, as the control
/// plane's errors are.
impl Management {
    pub(crate) fn sdk_message<E>(&self, op: &str, e: &MgmtError<E>) -> String
    where
        E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let text = match crate::facts::Error::from_sdk(op, e, self.profile.as_deref()) {
            crate::facts::Error::Credentials { message, profile, .. } if self.local_chain => {
                crate::facts::Error::Credentials { message, profile, local: true }
            }
            other => other,
        }
        .to_string();
        match sdk_status(e) {
            Some(s) => format!("{text} (HTTP {s})"),
            None => text,
        }
    }
}

pub(crate) fn sdk_status<E, R>(e: &aws_smithy_runtime_api::client::result::SdkError<E, R>) -> Option<u16>
where
    R: HasStatus,
{
    e.raw_response().map(HasStatus::status_u16)
}

pub(crate) trait HasStatus {
    fn status_u16(&self) -> u16;
}

impl HasStatus for aws_smithy_runtime_api::client::orchestrator::HttpResponse {
    fn status_u16(&self) -> u16 {
        self.status().as_u16()
    }
}

pub(crate) type MgmtError<E> =
    aws_smithy_runtime_api::client::result::SdkError<E, aws_smithy_runtime_api::client::orchestrator::HttpResponse>;

/// At most this many calls of one `@connections` operation while it is throttled.
pub(crate) const MAX_THROTTLED_CALLS: u32 = 3;

/// Calls a `@connections` operation; a 429 (LimitExceededException, throttling)
/// is called again after a short backoff (100, 200 ms) while `timeout` allows,
/// at most [`MAX_THROTTLED_CALLS`] times. Each call is itself retried by the
/// SDK (`bounded_retries`: 3 attempts, 50–250 ms backoff, throttling included).
/// Returns the last answer and the number of calls.
pub(crate) async fn unthrottled<T, E, F, Fut>(timeout: Duration, mut call: F) -> (Result<T, MgmtError<E>>, u32)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, MgmtError<E>>>,
{
    let deadline = Instant::now() + timeout;
    let mut backoff = Duration::from_millis(100);
    let mut calls = 0u32;
    loop {
        calls += 1;
        let answer = call().await;
        let throttled = matches!(&answer, Err(e) if sdk_status(e) == Some(429));
        if !throttled || calls >= MAX_THROTTLED_CALLS || Instant::now() + backoff >= deadline {
            return (answer, calls);
        }
        tokio::time::sleep(backoff).await;
        backoff *= 2;
    }
}

/// Counts the SDK's attempts of one operation (its own retries included).
#[derive(Debug, Clone, Default)]
pub(crate) struct Attempts(Arc<std::sync::atomic::AtomicU32>);

impl Attempts {
    pub(crate) fn get(&self) -> u32 {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl aws_smithy_runtime_api::client::interceptors::Intercept for Attempts {
    fn name(&self) -> &'static str {
        "wsconform.attempts"
    }

    fn read_before_attempt(
        &self,
        _: &aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef<'_>,
        _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Ok(())
    }
}
