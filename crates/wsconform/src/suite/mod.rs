//! Suite files: one TOML file describes one deployment (the README's suite reference).
//!
//! Parsing happens in two steps. Serde reads the file into `Raw*` structs
//! that keep every value's span; `load::Loader` then interpolates `${VAR}`,
//! validates each value and builds the [`Suite`] the rest of the program
//! uses. Every error carries `file:line:col`.

// A `SuiteError` is large (it carries its location and help) but is built
// once, on the cold path that ends the run: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;
use url::Url;

use crate::secret::Redactor;

/// A validated suite, ready to plan and run.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Where it was read from (`<embedded>` for built-in suites).
    pub source: String,
    pub name: String,
    pub region: String,
    /// What clients use: `wss://host/path`.
    pub url: Url,
    pub api: ApiSpec,
    pub custom_domain: Option<CustomDomainSpec>,
    pub cloudfront: Option<CloudFrontSpec>,
    pub dns: DnsSpec,
    pub tls: TlsSpec,
    pub roundtrip: RoundtripSpec,
    pub aws: AwsSpec,
    pub backend: BackendSpec,
    pub sandbox: Option<SandboxSpec>,
    pub checks: CheckSelection,
    /// Default time limit of one attempt of one check.
    pub check_timeout: Duration,
    /// Every secret value of this suite; reporters mask them.
    pub redactor: Redactor,
}

#[derive(Debug, Clone, Default)]
pub struct ApiSpec {
    pub id: Option<String>,
    pub stage: Option<String>,
    pub execute_api: Option<ExecuteApi>,
    /// Route keys that must exist (default `$connect`, `$default`).
    pub routes: Vec<String>,
    pub route_selection_expression: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExecuteApi {
    Enabled,
    Disabled,
}

#[derive(Debug, Clone)]
pub struct CustomDomainSpec {
    pub name: String,
    /// `None`: discover from the URL's first path segment.
    pub mapping_key: Option<String>,
    /// The domain's API Gateway regional target (`d-….execute-api.{region}.amazonaws.com`):
    /// where `@connections` on the custom domain is reached, bypassing CloudFront.
    pub regional_target: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistributionRef {
    Id(String),
    Discover,
}

#[derive(Debug, Clone)]
pub struct CloudFrontSpec {
    pub distribution: DistributionRef,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Nameservers {
    /// The system's resolver configuration.
    #[default]
    System,
    List(Vec<SocketAddr>),
    /// Ask the zone's own nameservers, found by walking NS records.
    Authoritative,
}

/// curl's `--connect-to`: reach `host:port` at another address while keeping
/// SNI and Host. `host` may also be an IP address, which then matches the
/// address DNS answered (so the DNS answer still decides where traffic goes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectTo {
    pub host: String,
    pub port: u16,
    /// `None`: keep the host (resolve it as usual), change only the port.
    pub to_host: Option<String>,
    pub to_port: u16,
}

#[derive(Debug, Clone, Default)]
pub struct DnsSpec {
    pub nameservers: Nameservers,
    pub connect_to: Vec<ConnectTo>,
    /// Time limit of one DNS query.
    pub timeout: Option<Duration>,
    /// The name the public host should alias, when the control plane cannot tell.
    pub alias_target: Option<String>,
}

#[derive(Debug, Clone)]
pub struct TlsSpec {
    pub min_days_valid: u32,
    /// A PEM file of extra trusted CAs (relative paths: to the suite file).
    pub extra_ca: Option<PathBuf>,
    /// PEM text of extra trusted CAs, set at run time (the sandbox's CA).
    pub extra_ca_pem: Option<String>,
    /// Allows `ws://` and `http://` to hosts that are not loopback. Loud in
    /// every report.
    pub allow_plaintext: bool,
}

impl Default for TlsSpec {
    fn default() -> Self {
        Self { min_days_valid: 14, extra_ca: None, extra_ca_pem: None, allow_plaintext: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// The reply contains this text.
    Substring(String),
    /// The JSON value at `pointer` (a string, or any value's JSON text) contains `contains`.
    JsonPointer { pointer: String, contains: String },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ManagementEndpoint {
    /// Derived from the layout (docs/architecture.md, The hop chain and the layouts).
    Auto,
    Url(Url),
}

#[derive(Debug, Clone)]
pub struct RoundtripSpec {
    /// Upgrade request headers. Values are secrets.
    pub headers: Vec<(String, String)>,
    /// Query parameters added to the URL. Values are secrets.
    pub query: Vec<(String, String)>,
    pub subprotocols: Vec<String>,
    /// Template of the message to send; `{{nonce}}` is replaced.
    pub send: String,
    pub expect: Expect,
    /// JSON pointer to the connection id in the echo reply.
    pub connection_id: Option<String>,
    pub management_endpoint: ManagementEndpoint,
    pub timeout: Duration,
    /// Keep the connection idle this long in `e2e.keepalive`.
    pub hold: Option<Duration>,
    pub ping_interval: Option<Duration>,
    /// Exercise the 32 KB frame / 128 KB message quotas.
    pub limits: bool,
    /// How the upgrade authenticates to an AWS_IAM `$connect` (SigV4, service `execute-api`).
    pub auth: RoundtripAuth,
}

/// `[roundtrip] auth`: how the upgrade GET is signed for a `$connect` route
/// with AuthorizationType `AWS_IAM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RoundtripAuth {
    /// Unsigned (a Lambda REQUEST authorizer reads `headers`/`query`, or no authorization).
    #[default]
    None,
    /// SigV4 in the `Authorization` and `X-Amz-Date` headers.
    Iam,
    /// SigV4 in the query string (`X-Amz-Signature`, …): for clients that cannot set headers (browsers).
    IamQuery,
}

impl RoundtripAuth {
    pub fn is_iam(self) -> bool {
        self != RoundtripAuth::None
    }

    /// The suite's spelling.
    pub fn name(self) -> &'static str {
        match self {
            RoundtripAuth::None => "none",
            RoundtripAuth::Iam => "iam",
            RoundtripAuth::IamQuery => "iam-query",
        }
    }
}

impl Default for RoundtripSpec {
    fn default() -> Self {
        Self {
            headers: Vec::new(),
            query: Vec::new(),
            subprotocols: Vec::new(),
            send: r#"{"action":"echo","payload":"{{nonce}}"}"#.into(),
            expect: Expect::Substring("{{nonce}}".into()),
            connection_id: Some("/connectionId".into()),
            management_endpoint: ManagementEndpoint::Auto,
            timeout: Duration::from_secs(10),
            hold: None,
            ping_interval: None,
            limits: false,
            auth: RoundtripAuth::None,
        }
    }
}

/// Static credentials handed over at run time (the sandbox's); never read from a file.
#[derive(Clone)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "StaticCredentials({}, ***)", self.access_key_id)
    }
}

#[derive(Debug, Clone, Default)]
pub struct AwsSpec {
    /// e.g. a local AWS emulator; `None` = real AWS.
    pub endpoint_url: Option<Url>,
    pub profile: Option<String>,
    pub credentials: Option<StaticCredentials>,
}

/// `[backend]`: what the code behind the routes does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BackendSpec {
    /// `calls_back`: it posts to `@connections`; `None`: as `e2e.post` runs.
    pub calls_back: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxSpec {
    pub layout: String,
    pub scenario: String,
    pub latency_ms: u64,
    /// Faults to inject, by name, each once. Which names exist is the
    /// emulator's to say ([`SandboxSpec::unknown_fault`]), so a build without
    /// it still reads the file.
    pub faults: Vec<SandboxFault>,
}

/// One `[sandbox] faults` entry and where the file names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxFault {
    pub name: String,
    /// 1-based line and column of the entry.
    pub line: usize,
    pub col: usize,
}

impl SandboxSpec {
    pub fn fault_names(&self) -> Vec<&str> {
        self.faults.iter().map(|f| f.name.as_str()).collect()
    }

    /// The first fault `known` does not list, as an error at its entry with a
    /// did-you-mean (or the list of known faults).
    pub fn unknown_fault(&self, file: &str, known: &[&str]) -> Option<SuiteError> {
        let f = self.faults.iter().find(|f| !known.contains(&f.name.as_str()))?;
        let expected: String = known.iter().map(|k| format!("`{k}`, ")).collect();
        let help = did_you_mean(&format!("unknown variant `{}`, expected {expected}", f.name))
            .unwrap_or_else(|| format!("known faults: {}", known.join(", ")));
        Some(SuiteError {
            file: file.into(),
            line: Some(f.line),
            col: Some(f.col),
            key: Some("sandbox.faults".into()),
            message: format!("`{}` is not a sandbox fault", f.name),
            help: Some(help),
        })
    }
}

#[derive(Debug, Clone, Default)]
pub struct CheckSelection {
    pub only: Vec<String>,
    pub skip: Vec<String>,
    /// `[checks] strict = true`: any warning makes the run's exit code 1 (as `--strict` does).
    pub strict: bool,
}

impl Suite {
    /// The host clients connect to.
    pub fn host(&self) -> &str {
        self.url.host_str().unwrap_or_default()
    }

    /// The URL's port, or the scheme's default.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }

    /// The path clients connect to, always starting with `/`.
    pub fn path(&self) -> &str {
        self.url.path()
    }

    /// The URL as reports may show it: no query (its values may be secrets).
    pub fn display_url(&self) -> String {
        let mut u = self.url.clone();
        u.set_query(None);
        u.set_fragment(None);
        let _ = u.set_password(None);
        u.to_string()
    }

    /// Reads and validates a suite file.
    pub fn from_file(path: &Path) -> Result<Suite, SuiteError> {
        Self::from_file_with_env(path, &|k| std::env::var(k).ok())
    }

    pub fn from_file_with_env(path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Suite, SuiteError> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| SuiteError::io(&source, &e))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let at = e.utf8_error().valid_up_to();
            let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            SuiteError::at(&source, &valid, at..at, None, "the file is not valid UTF-8".into())
        })?;
        let mut suite = Self::parse(&source, &text, env)?;
        if let Some(ca) = &suite.tls.extra_ca
            && ca.is_relative()
        {
            let base = path.parent().unwrap_or(Path::new("."));
            suite.tls.extra_ca = Some(base.join(ca));
        }
        Ok(suite)
    }

    /// Parses suite text. `source` names it in errors.
    pub fn parse(source: &str, text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Suite, SuiteError> {
        let raw: RawSuite = toml::from_str(text).map_err(|e| SuiteError::from_toml(source, text, &e))?;
        Loader { source, text, env, redactor: Redactor::default() }.load(raw)
    }
}

mod error;
mod interpolate;
mod load;
mod raw;
#[cfg(test)]
mod tests;

use error::did_you_mean;
pub use error::{SuiteError, key_line};
pub use interpolate::interpolate;
use load::Loader;
#[cfg(test)]
pub(crate) use load::parse_connect_to;
pub use load::validate_json_pointer;
use raw::RawSuite;
pub use raw::json_schema;

/// Where a suite comes from.
#[derive(Debug, Clone)]
pub enum SuiteSource {
    File(PathBuf),
    /// Built-in text (the sandbox's own suites), named for errors.
    Text {
        name: String,
        text: String,
    },
}
