//! The SDK side: configuration per region (credentials, endpoint, retries,
//! the run's HTTP client), built on first use, and one clear message per
//! failed call ([`Error::from_sdk`]).

use crate::sync::Locked;
use std::error::Error as StdError;

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

use super::AwsFacts;
use crate::facts::Error;

/// Retries of one control-plane call: few and quick, so throttling or 5xx
/// costs well under a second instead of the SDK's default backoff (~1–3 s),
/// and a check's time limit is spent on at most [`MAX_ATTEMPTS`] tries.
const MAX_ATTEMPTS: u32 = 3;

pub(crate) fn bounded_retries() -> aws_config::retry::RetryConfig {
    aws_config::retry::RetryConfig::standard()
        .with_max_attempts(MAX_ATTEMPTS)
        .with_initial_backoff(std::time::Duration::from_millis(50))
        .with_max_backoff(std::time::Duration::from_millis(250))
}

impl AwsFacts {
    /// Routes every SDK call through `client` (the run's network world, or a
    /// test double). Takes effect for clients not created yet.
    pub fn set_http_client(&self, client: SharedHttpClient) {
        *self.http_client.locked() = Some(client);
    }

    /// Overrides the credential lookup (tests; callers with their own chain).
    pub fn set_credentials_provider(&self, provider: SharedCredentialsProvider) {
        *self.credentials_provider.locked() = Some(provider);
    }

    /// The SDK configuration for `region`, built on first use: no credential
    /// lookup happens before a control-plane call.
    pub(super) async fn config(&self, region: &str) -> SdkConfig {
        let built = self
            .configs
            .get(region, || async {
                let aws = &self.suite.aws;
                let mut loader = aws_config::defaults(BehaviorVersion::latest())
                    .region(Region::new(region.to_owned()))
                    .retry_config(bounded_retries());
                if let Some(u) = &aws.endpoint_url {
                    loader = loader.endpoint_url(u.as_str().trim_end_matches('/'));
                }
                if let Some(p) = &aws.profile {
                    loader = loader.profile_name(p);
                }
                let provider = self.credentials_provider.locked().clone();
                if let Some(p) = provider {
                    loader = loader.credentials_provider(p);
                } else if let Some(c) = &aws.credentials {
                    loader = loader.credentials_provider(Credentials::new(
                        &c.access_key_id,
                        &c.secret_access_key,
                        None,
                        None,
                        "wsconform-suite",
                    ));
                } else if self.uses_local_chain() {
                    loader = loader.credentials_provider(local_chain(aws.profile.as_deref()));
                }
                let client = self.http_client.locked().clone();
                if let Some(client) = client {
                    loader = loader.http_client(client);
                }
                Ok(loader.load().await)
            })
            .await;
        // The init above never fails.
        built.unwrap_or_else(|_| SdkConfig::builder().build())
    }

    /// The SDK configuration in the suite's region: every AWS client of the
    /// run (the control plane, `@connections`, the upgrade signer) starts from
    /// it, so one credential chain signs them all.
    pub(crate) async fn sdk_config(&self) -> SdkConfig {
        self.config(&self.suite.region).await
    }

    /// The credentials provider of the control-plane clients (the same chain:
    /// an override, the suite's keys, its profile, the SDK's defaults), for
    /// signing requests the SDK does not make (an IAM-authorized upgrade).
    pub async fn credentials_provider(&self) -> Option<SharedCredentialsProvider> {
        self.config(&self.suite.region).await.credentials_provider()
    }

    /// The error of a failed call (credentials named by their lookup chain).
    pub(super) fn describe<E>(&self, op: &str, err: &SdkError<E, HttpResponse>) -> Error
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        match Error::from_sdk(op, err, self.suite.aws.profile.as_deref()) {
            Error::Credentials { message, profile, .. } if self.uses_local_chain() => {
                Error::Credentials { message, profile, local: true }
            }
            e => e,
        }
    }

    /// Whether the credential lookup is [`local_chain`]'s.
    pub(crate) fn uses_local_chain(&self) -> bool {
        let aws = &self.suite.aws;
        let overridden = self.credentials_provider.locked().is_some();
        !overridden && aws.credentials.is_none() && aws.endpoint_url.as_ref().is_some_and(is_loopback)
    }
}

/// An emulator on this machine (moto, LocalStack, the sandbox).
fn is_loopback(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The credential chain for an emulator on loopback: the environment, then
/// the profile. The SDK's default chain would go on to the instance metadata
/// service (169.254.169.254) and container endpoints: a second or more of
/// timeouts off an EC2 host, and on one a real role's credentials used to
/// sign requests to a local emulator.
fn local_chain(profile: Option<&str>) -> SharedCredentialsProvider {
    use aws_config::environment::credentials::EnvironmentVariableCredentialsProvider;
    use aws_config::meta::credentials::CredentialsProviderChain;
    use aws_config::profile::ProfileFileCredentialsProvider;
    let mut from_profile = ProfileFileCredentialsProvider::builder();
    if let Some(p) = profile {
        from_profile = from_profile.profile_name(p);
    }
    SharedCredentialsProvider::new(
        CredentialsProviderChain::first_try("Environment", EnvironmentVariableCredentialsProvider::new())
            .or_else("Profile", from_profile.build()),
    )
}

/// NotFoundException (API GW), NoSuchDistribution (CloudFront), ResourceNotFoundException (ACM).
pub(super) fn is_not_found(code: Option<&str>) -> bool {
    matches!(code, Some("NotFoundException" | "NoSuchDistribution" | "ResourceNotFoundException" | "NoSuchHostedZone"))
}
