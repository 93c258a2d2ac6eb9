//! Why a fact could not be fetched: one type for every collector's failure,
//! so that a check decides by kind (is it worth retrying? is it a gap in
//! what the endpoint reports?) instead of reading a message.
//!
//! `Display` is the one line a report shows: the operation, the service's
//! code and message, or the fix (the credential lookup chain, the suite key
//! to set). "Not found" is not an error: collectors answer `Ok(None)`.

use std::error::Error as StdError;

use aws_credential_types::provider::error::CredentialsError;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// Where the SDK looks for credentials, for the message that none were found.
const LOOKUP_CHAIN: &str = "environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), \
                            profile `{profile}` in ~/.aws/config and ~/.aws/credentials, SSO, web identity \
                            (AWS_WEB_IDENTITY_TOKEN_FILE), ECS container credentials and EC2 instance metadata (IMDS)";

/// The chain for an emulator on loopback (`[aws] endpoint_url` on this machine).
const LOCAL_LOOKUP_CHAIN: &str = "environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) and \
                                  profile `{profile}` in ~/.aws/config and ~/.aws/credentials \
                                  (the endpoint is on loopback: never instance metadata or container credentials)";

fn looked_in(profile: Option<&str>, local: bool) -> String {
    let chain = if local { LOCAL_LOOKUP_CHAIN } else { LOOKUP_CHAIN };
    chain.replace("{profile}", profile.unwrap_or("default (or AWS_PROFILE)"))
}

/// Error codes AWS services use for throttling (the SDK's own list, plus API
/// Gateway's LimitExceededException): worth a retry later.
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "BandwidthLimitExceeded",
    "LimitExceededException",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
];

/// Error codes a service (or an emulator) gives for an operation it does not implement.
const UNAVAILABLE_CODES: &[&str] =
    &["UnknownOperationException", "UnknownOperation", "NotImplemented", "NotImplementedException", "InvalidAction"];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The service answered the call with an error: AccessDenied,
    /// ThrottlingException, InternalFailure, BadRequestException…
    #[error("{operation} failed: {}: {message}", .code.as_deref().unwrap_or("error"))]
    Service {
        /// `service.Operation`, e.g. `apigatewayv2.GetApi`.
        operation: String,
        code: Option<String>,
        message: String,
        request_id: Option<String>,
        http_status: Option<u16>,
    },
    /// The endpoint does not implement the operation (an emulator without
    /// it): what it would tell stays unknown, and asking again will not help.
    #[error("{operation} failed: {}: {message}", .code.as_deref().unwrap_or("error"))]
    Unavailable { operation: String, code: Option<String>, message: String, http_status: Option<u16> },
    /// No credentials, or they could not be loaded. The message names no
    /// operation: it is the same for every call, and reports group
    /// identical errors into one line.
    #[error("{message}; looked in: {}", looked_in(.profile.as_deref(), *.local))]
    Credentials {
        /// "no AWS credentials found", or why they could not be loaded.
        message: String,
        /// The suite's `[aws] profile`, if it names one.
        profile: Option<String>,
        /// The short chain of an emulator on loopback was used.
        local: bool,
    },
    /// The SDK gave up waiting for the endpoint (its connect or operation
    /// timeout; it does not say which, nor after how long).
    #[error("{operation}: timed out reaching the AWS endpoint")]
    Timeout { operation: String },
    /// The request did not reach the endpoint or no answer came back:
    /// connection refused or reset, TLS, DNS.
    #[error("{operation} failed: {message}")]
    Transport { operation: String, message: String },
    /// The call could not be made or its answer not read (the SDK's
    /// construction and response errors).
    #[error("{operation} failed: {message}")]
    Other { operation: String, message: String },
    /// Something the suite names (or discovery needs) does not exist:
    /// "CloudFront distribution E123 does not exist".
    #[error("{message}")]
    NotFound { message: String },
    /// The call succeeded but its answer lacks a field the checks need.
    #[error("{subject}: {field} is not reported by the endpoint")]
    NotReported { subject: String, field: &'static str },
    /// Cannot be told from what the control plane says; the message says
    /// why and how to decide (a report shows it as *unknown*).
    #[error("unknown: {message}")]
    Unknown { message: String },
    /// The resource exists (it is planned) but this value is known only after
    /// apply: a plan's or a template's computed attribute. `Ok(None)` is the
    /// other case, a resource that does not exist. A report shows it as
    /// *unknown*, naming `what`.
    #[error("unknown: {what} is known only after apply")]
    UnknownUntilApply {
        /// "the stage Prod of API a1b2c3d4e5", "the distribution's domain name".
        what: String,
    },
    /// The route does not land on what the suite leaves to discovery.
    #[error("cannot discover {what}: {route}; set `{setting}`")]
    Undiscovered {
        /// "the API id", "the stage".
        what: &'static str,
        /// The route, one line.
        route: String,
        /// The suite key that would tell.
        setting: &'static str,
    },
    /// Discovery needed a fact that could not be fetched.
    #[error("cannot discover {what}: {cause}")]
    Discovery { what: &'static str, cause: Box<Error> },
}

impl Error {
    /// One error for a failed SDK call: missing credentials (anywhere in the
    /// cause chain), a service error with its code, a timeout, a transport
    /// failure, or the chain of causes in one line.
    pub fn from_sdk<E>(operation: &str, err: &SdkError<E, HttpResponse>, profile: Option<&str>) -> Error
    where
        E: ProvideErrorMetadata + StdError + 'static,
    {
        let mut source: Option<&(dyn StdError + 'static)> = Some(err);
        while let Some(e) = source {
            if let Some(c) = e.downcast_ref::<CredentialsError>() {
                let message = match c {
                    CredentialsError::CredentialsNotLoaded(_) => "no AWS credentials found".to_owned(),
                    other => format!("AWS credentials could not be loaded ({})", DisplayErrorContext(other)),
                };
                return Error::Credentials { message, profile: profile.map(Into::into), local: false };
            }
            source = e.source();
        }
        let operation = operation.to_owned();
        match err {
            SdkError::ServiceError(_) => {
                let code = err.code().map(str::to_owned);
                let message = err.message().unwrap_or("no message").to_owned();
                let http_status = err.raw_response().map(|r| r.status().as_u16());
                let unavailable =
                    code.as_deref().is_some_and(|c| UNAVAILABLE_CODES.contains(&c)) || http_status == Some(501);
                if unavailable {
                    return Error::Unavailable { operation, code, message, http_status };
                }
                let request_id = err.meta().extra("aws_request_id").map(str::to_owned).or_else(|| {
                    let headers = err.raw_response()?.headers();
                    headers.get("x-amzn-requestid").or_else(|| headers.get("x-amz-request-id")).map(str::to_owned)
                });
                Error::Service { operation, code, message, request_id, http_status }
            }
            SdkError::TimeoutError(_) => Error::Timeout { operation },
            SdkError::DispatchFailure(_) => Error::Transport { operation, message: cause_chain(err) },
            _ => Error::Other { operation, message: cause_chain(err) },
        }
    }

    /// Whether asking again later could answer: throttling, a 5xx, a timeout,
    /// a connection that failed. `--wait` retries only these.
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Service { code, http_status, .. } => {
                code.as_deref().is_some_and(|c| THROTTLING_CODES.contains(&c))
                    || http_status.is_some_and(|s| s == 429 || s >= 500)
            }
            Error::Timeout { .. } | Error::Transport { .. } => true,
            Error::Discovery { cause, .. } => cause.is_transient(),
            Error::Unavailable { .. }
            | Error::Credentials { .. }
            | Error::Other { .. }
            | Error::NotFound { .. }
            | Error::NotReported { .. }
            | Error::Unknown { .. }
            | Error::UnknownUntilApply { .. }
            | Error::Undiscovered { .. } => false,
        }
    }

    /// The service's error code, if the service answered.
    pub fn code(&self) -> Option<&str> {
        match self {
            Error::Service { code, .. } | Error::Unavailable { code, .. } => code.as_deref(),
            Error::Discovery { cause, .. } => cause.code(),
            _ => None,
        }
    }
}

/// The chain of causes in one line (`DisplayErrorContext` would append a Debug dump).
fn cause_chain(err: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut source = Some(err);
    while let Some(e) = source.take() {
        let text = e.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = e.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn service(code: Option<&str>, status: Option<u16>) -> Error {
        Error::Service {
            operation: "apigatewayv2.GetApi".into(),
            code: code.map(Into::into),
            message: "Rate exceeded".into(),
            request_id: Some("req-1".into()),
            http_status: status,
        }
    }

    #[test]
    fn display_keeps_the_wording_reports_show() {
        assert_eq!(
            service(Some("AccessDeniedException"), Some(403)).to_string(),
            "apigatewayv2.GetApi failed: AccessDeniedException: Rate exceeded"
        );
        assert_eq!(service(None, Some(400)).to_string(), "apigatewayv2.GetApi failed: error: Rate exceeded");
        let unavailable = Error::Unavailable {
            operation: "apigatewayv2.GetDeployments".into(),
            code: Some("UnknownOperationException".into()),
            message: "not emulated".into(),
            http_status: Some(404),
        };
        assert_eq!(
            unavailable.to_string(),
            "apigatewayv2.GetDeployments failed: UnknownOperationException: not emulated"
        );

        let creds = Error::Credentials { message: "no AWS credentials found".into(), profile: None, local: false };
        assert_eq!(
            creds.to_string(),
            "no AWS credentials found; looked in: environment variables (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY), \
             profile `default (or AWS_PROFILE)` in ~/.aws/config and ~/.aws/credentials, SSO, web identity \
             (AWS_WEB_IDENTITY_TOKEN_FILE), ECS container credentials and EC2 instance metadata (IMDS)"
        );
        let named = Error::Credentials {
            message: "no AWS credentials found".into(),
            profile: Some("ops".into()),
            local: false,
        };
        assert!(named.to_string().contains("profile `ops` in ~/.aws/config"), "{named}");
        let local = Error::Credentials { message: "no AWS credentials found".into(), profile: None, local: true };
        let shown = local.to_string();
        assert!(shown.contains("environment variables") && shown.contains("never instance metadata"), "{shown}");
        assert!(!shown.contains("(IMDS)") && !shown.contains("SSO"), "{shown}");

        let timeout = Error::Timeout { operation: "cloudfront.GetDistribution".into() };
        assert_eq!(timeout.to_string(), "cloudfront.GetDistribution: timed out reaching the AWS endpoint");
        let transport =
            Error::Transport { operation: "route53.ListHostedZonesByName".into(), message: "io error: refused".into() };
        assert_eq!(transport.to_string(), "route53.ListHostedZonesByName failed: io error: refused");
        let other = Error::Other { operation: "acm.DescribeCertificate".into(), message: "unhandled response".into() };
        assert_eq!(other.to_string(), "acm.DescribeCertificate failed: unhandled response");
        let missing = Error::NotFound { message: "CloudFront distribution E1 does not exist".into() };
        assert_eq!(missing.to_string(), "CloudFront distribution E1 does not exist");
        let gap = Error::NotReported { subject: "ws.example.com".into(), field: "hostedZoneId" };
        assert_eq!(gap.to_string(), "ws.example.com: hostedZoneId is not reported by the endpoint");
        let unknown = Error::Unknown { message: "more pages than read".into() };
        assert_eq!(unknown.to_string(), "unknown: more pages than read");
        let until_apply = Error::UnknownUntilApply { what: "the stage Prod of API a1".into() };
        assert_eq!(until_apply.to_string(), "unknown: the stage Prod of API a1 is known only after apply");
        assert!(!until_apply.is_transient());
        let undiscovered =
            Error::Undiscovered { what: "the stage", route: "ws.example.com → ?".into(), setting: "[api] stage" };
        assert_eq!(undiscovered.to_string(), "cannot discover the stage: ws.example.com → ?; set `[api] stage`");
        let discovery = Error::Discovery { what: "the API id", cause: Box::new(timeout) };
        assert_eq!(
            discovery.to_string(),
            "cannot discover the API id: cloudfront.GetDistribution: timed out reaching the AWS endpoint"
        );
    }

    #[test]
    fn throttling_5xx_timeouts_and_transport_are_transient() {
        assert!(service(Some("ThrottlingException"), Some(400)).is_transient());
        assert!(service(Some("Throttling"), Some(400)).is_transient());
        assert!(service(Some("TooManyRequestsException"), Some(429)).is_transient());
        assert!(service(None, Some(429)).is_transient());
        assert!(service(Some("InternalFailure"), Some(500)).is_transient());
        assert!(service(Some("ServiceUnavailable"), Some(503)).is_transient());
        assert!(Error::Timeout { operation: "x".into() }.is_transient());
        assert!(Error::Transport { operation: "x".into(), message: "reset".into() }.is_transient());
        let wrapped = Error::Discovery { what: "the stage", cause: Box::new(Error::Timeout { operation: "x".into() }) };
        assert!(wrapped.is_transient());

        assert!(!service(Some("AccessDeniedException"), Some(403)).is_transient());
        assert!(!service(Some("BadRequestException"), Some(400)).is_transient());
        assert!(
            !Error::Credentials { message: "no AWS credentials found".into(), profile: None, local: false }
                .is_transient()
        );
        assert!(
            !Error::Unavailable { operation: "x".into(), code: None, message: "m".into(), http_status: Some(501) }
                .is_transient()
        );
        assert!(!Error::NotFound { message: "gone".into() }.is_transient());
        assert!(!Error::Unknown { message: "m".into() }.is_transient());
        let permanent =
            Error::Discovery { what: "the stage", cause: Box::new(Error::NotFound { message: "m".into() }) };
        assert!(!permanent.is_transient());
    }
}
