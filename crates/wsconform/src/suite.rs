//! Suite files: one TOML file describes one deployment (the README's suite reference).
//!
//! Parsing happens in two steps. Serde reads the file into `Raw*` structs
//! that keep every value's span; [`Loader`] then interpolates `${VAR}`,
//! validates each value and builds the [`Suite`] the rest of the program
//! uses. Every error carries `file:line:col`.

// A `SuiteError` is large (it carries its location and help) but is built
// once, on the cold path that ends the run: boxing it buys nothing.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
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

/// A suite file that cannot be used, located at `file:line:col`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteError {
    pub file: String,
    /// 1-based; `None` when the file could not be read at all.
    pub line: Option<usize>,
    pub col: Option<usize>,
    pub key: Option<String>,
    pub message: String,
    pub help: Option<String>,
}

impl std::error::Error for SuiteError {}

impl fmt::Display for SuiteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.line, self.col) {
            (Some(l), Some(c)) => write!(f, "{}:{l}:{c}: ", self.file)?,
            _ => write!(f, "{}: ", self.file)?,
        }
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        f.write_str(&self.message)?;
        if let Some(h) = &self.help {
            write!(f, "\n  help: {h}")?;
        }
        Ok(())
    }
}

impl SuiteError {
    fn io(file: &str, e: &std::io::Error) -> Self {
        Self {
            file: file.into(),
            line: None,
            col: None,
            key: None,
            message: format!("cannot read the suite file: {e}"),
            help: None,
        }
    }

    fn at(file: &str, text: &str, span: Range<usize>, key: Option<&str>, message: String) -> Self {
        let (line, col) = line_col(text, span.start);
        Self { file: file.into(), line: Some(line), col: Some(col), key: key.map(Into::into), message, help: None }
    }

    fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    fn from_toml(file: &str, text: &str, e: &toml::de::Error) -> Self {
        let span = e.span().unwrap_or(0..0);
        let message = e.message().trim().to_owned();
        let mut err = Self::at(file, text, span, None, message.clone());
        if let Some(help) = did_you_mean(&message) {
            err = err.with_help(help);
        }
        err
    }
}

/// 1-based line and column (in characters) of a byte offset.
/// The 1-based line where the dotted `key` is written in suite `text`: a
/// table's header (`cloudfront` → `[cloudfront]`) or a value's key
/// (`custom_domain.mapping_key`, `url`). `None` when it is not there or the
/// text is not TOML. Reports use it to point at the suite line a finding is about.
pub fn key_line(text: &str, key: &str) -> Option<usize> {
    let root = toml::de::DeTable::parse(text).ok()?;
    let mut table = root.get_ref();
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == part)?;
        if parts.peek().is_none() {
            return Some(line_col(text, k.span().start).0);
        }
        table = v.get_ref().as_table()?;
    }
    None
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..text.floor_char_boundary(offset)];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// Turns serde's "unknown field `x`, expected one of `a`, `b`" (or
/// "unknown variant") into a suggestion for the closest known name.
fn did_you_mean(message: &str) -> Option<String> {
    let rest = message.strip_prefix("unknown field `").or_else(|| message.strip_prefix("unknown variant `"))?;
    let (given, expected) = rest.split_once('`')?;
    let candidates: Vec<&str> = expected.split('`').skip(1).step_by(2).collect();
    let best = candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(given, c), *c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))?;
    Some(format!("did you mean `{}`?", best.1))
}

// ---------------------------------------------------------------------------
// The file as serde sees it.

type S = Spanned<String>;

// The `Raw*` types also derive `JsonSchema`: `wsconform schema` prints the
// suite file's JSON Schema (suites/wsconform.schema.json) from them, so the
// schema cannot drift from what serde reads. A `Spanned<T>` is described as
// its `T`; the doc comments become the descriptions editors show.

/// A wsconform suite file: one deployment of a WebSocket API on AWS API Gateway
/// (README, Suite files). `${VAR}` and `${VAR:-default}` are expanded from the environment.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "wsconform suite")]
struct RawSuite {
    /// The suite's name; also the report file name.
    #[schemars(with = "String")]
    name: S,
    /// The API's AWS region, e.g. `ap-northeast-1`.
    #[schemars(with = "String")]
    region: S,
    /// What clients use: `wss://host/path` (no query string: use `[roundtrip] query`).
    #[schemars(with = "String")]
    url: S,
    /// Time limit of one attempt of each check, e.g. `30s` (default 30s).
    #[schemars(with = "Option<String>")]
    timeout: Option<S>,
    /// The API Gateway WebSocket API and stage.
    api: Option<RawApi>,
    /// The API Gateway custom domain, when clients reach the API through one.
    custom_domain: Option<RawCustomDomain>,
    /// The CloudFront distribution in front of the API, when there is one.
    cloudfront: Option<RawCloudFront>,
    /// How names are resolved and where connections go.
    dns: Option<RawDns>,
    /// Certificate expectations and extra trusted CAs.
    tls: Option<RawTls>,
    /// The end-to-end exchange: upgrade, send, expect a reply.
    roundtrip: Option<RawRoundtrip>,
    /// The AWS control plane the checks ask.
    aws: Option<RawAws>,
    /// Run against the embedded sandbox instead of AWS.
    sandbox: Option<RawSandbox>,
    /// Which checks run.
    checks: Option<RawChecks>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawApi {
    /// The API id (the `{id}` of `{id}.execute-api.{region}.amazonaws.com`).
    #[schemars(with = "Option<String>")]
    id: Option<S>,
    /// The stage name, e.g. `Prod`.
    #[schemars(with = "Option<String>")]
    stage: Option<S>,
    /// Whether the default execute-api endpoint must answer (`enabled`) or refuse upgrades (`disabled`).
    #[schemars(with = "Option<ExecuteApi>")]
    execute_api: Option<Spanned<ExecuteApi>>,
    /// Route keys that must exist (default `["$connect", "$default"]`).
    #[schemars(with = "Option<Vec<String>>")]
    routes: Option<Vec<S>>,
    /// The API's route selection expression, e.g. `$request.body.action`.
    #[schemars(with = "Option<String>")]
    route_selection_expression: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCustomDomain {
    /// The custom domain name, e.g. `ws.example.com`.
    #[schemars(with = "String")]
    name: S,
    /// The API mapping key (`""` for the empty key); absent: discovered from the URL's first path segment.
    #[schemars(with = "Option<String>")]
    mapping_key: Option<S>,
    /// The domain's regional target (`d-….execute-api.{region}.amazonaws.com`); absent: from GetDomainName.
    #[schemars(with = "Option<String>")]
    regional_target: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawCloudFront {
    /// The distribution id, e.g. `E2ABCDEF`, or `discover` to find it by the URL's host.
    #[schemars(with = "String")]
    distribution_id: S,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawDns {
    /// `[]` or `"system"`: the system resolver; a list such as `["127.0.0.1:5353"]`;
    /// or `"authoritative"`: the zone's own nameservers.
    #[schemars(with = "Option<SchemaNameservers>")]
    nameservers: Option<Spanned<toml::Value>>,
    /// curl's `--connect-to`: `"host:port" = "address:port"` (or `":port"` to keep the host).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    connect_to: Option<BTreeMap<S, S>>,
    /// Time limit of one DNS query, e.g. `5s`.
    #[schemars(with = "Option<String>")]
    timeout: Option<S>,
    /// The name the public host should alias; absent: from the control plane.
    #[schemars(with = "Option<String>")]
    alias_target: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawTls {
    /// Days a certificate must still be valid (default 14).
    #[schemars(with = "Option<i64>")]
    min_days_valid: Option<Spanned<i64>>,
    /// A PEM file of extra trusted CAs, relative to the suite file.
    #[schemars(with = "Option<String>")]
    extra_ca: Option<S>,
    /// Allow `ws://` and `http://` to hosts that are not loopback (loud in every report).
    allow_plaintext: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawRoundtrip {
    /// Upgrade request headers. Values are secrets.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    headers: Option<BTreeMap<String, S>>,
    /// Query parameters added to the URL. Values are secrets.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    query: Option<BTreeMap<String, S>>,
    /// WebSocket subprotocols offered on the upgrade.
    #[schemars(with = "Option<Vec<String>>")]
    subprotocols: Option<Vec<S>>,
    /// Template of the message to send; `{{nonce}}` is replaced.
    #[schemars(with = "Option<String>")]
    send: Option<S>,
    /// What the reply must contain: a substring, or `{ json_pointer, contains }`.
    #[schemars(with = "Option<SchemaExpect>")]
    expect: Option<Spanned<toml::Value>>,
    /// JSON pointer to the connection id in the echo reply (default `/connectionId`).
    #[schemars(with = "Option<String>")]
    connection_id: Option<S>,
    /// The `@connections` endpoint: `auto` (derived from the layout) or a URL.
    #[schemars(with = "Option<String>")]
    management_endpoint: Option<S>,
    /// Time limit of the exchange, e.g. `10s`.
    #[schemars(with = "Option<String>")]
    timeout: Option<S>,
    /// e2e.keepalive: stay idle this long, e.g. `30s`.
    #[schemars(with = "Option<String>")]
    hold: Option<S>,
    /// e2e.keepalive: ping this often while holding, e.g. `10s`.
    #[schemars(with = "Option<String>")]
    ping_interval: Option<S>,
    /// e2e.limits: test the 32 KB frame / 128 KB message quotas.
    limits: Option<bool>,
    /// How the upgrade authenticates to an AWS_IAM `$connect` (default `none`).
    auth: Option<RoundtripAuth>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawAws {
    /// e.g. a local AWS emulator; empty or absent: real AWS.
    #[schemars(with = "Option<String>")]
    endpoint_url: Option<S>,
    /// The AWS profile to use.
    #[schemars(with = "Option<String>")]
    profile: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawSandbox {
    /// Sandbox layout: `a`, `b`, `c` or `d`.
    #[schemars(with = "Option<String>")]
    layout: Option<S>,
    /// The scenario to emulate (`wsconform sandbox --list`), e.g. `good`.
    #[schemars(with = "Option<String>")]
    scenario: Option<S>,
    /// Latency added per round trip on every hop, in milliseconds.
    latency_ms: Option<u64>,
    /// Faults to inject, by name (docs/faults.md), e.g. `["dns-servfail"]`.
    #[schemars(with = "Option<Vec<String>>")]
    faults: Option<Vec<S>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct RawChecks {
    /// Glob patterns of the checks to run; the command line's `--only` replaces it.
    #[schemars(with = "Option<Vec<String>>")]
    only: Option<Vec<S>>,
    /// Glob patterns of checks not to run.
    #[schemars(with = "Option<Vec<String>>")]
    skip: Option<Vec<S>>,
    /// `true`: any warning makes the exit code 1 (as `--strict`).
    #[schemars(with = "Option<bool>")]
    strict: Option<Spanned<toml::Value>>,
}

// Schema-only shapes of the values serde reads as a `toml::Value` and the
// loader checks by hand: never built, only described.

/// `[dns] nameservers`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SchemaNameservers {
    Keyword(SchemaNameserversKeyword),
    /// IP addresses with an optional port; `[]` is the system resolver.
    List(Vec<String>),
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
enum SchemaNameserversKeyword {
    /// The system's resolver configuration.
    System,
    /// Ask the zone's own nameservers, found by walking NS records.
    Authoritative,
}

/// `[roundtrip] expect`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
enum SchemaExpect {
    /// The reply contains this text.
    Substring(String),
    /// The JSON value at `json_pointer` (a string, or any value's JSON text) contains `contains`.
    JsonPointer(SchemaExpectPointer),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct SchemaExpectPointer {
    json_pointer: String,
    contains: String,
}

/// The JSON Schema of suite files (JSON Schema draft 7, which taplo-based editors read).
pub fn json_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07()
        .with(|s| s.transforms.push(Box::new(schemars::transform::RecursiveTransform(drop_null))))
        .into_generator();
    generator.into_root_schema_for::<RawSuite>().to_value()
}

/// TOML has no null: an absent key is how a suite leaves an `Option` out, so
/// the `null` schemars allows for every `Option` only misleads editors.
fn drop_null(schema: &mut schemars::Schema) {
    let Some(obj) = schema.as_object_mut() else { return };
    if let Some(serde_json::Value::Array(types)) = obj.get_mut("type") {
        types.retain(|t| t != "null");
        if let [only] = types.as_slice() {
            let only = only.clone();
            obj.insert("type".into(), only);
        }
    }
    if let Some(serde_json::Value::Array(any)) = obj.get_mut("anyOf") {
        any.retain(|s| s.get("type").is_none_or(|t| t != "null"));
        if any.len() == 1 {
            // One schema left, beside a description: `allOf` keeps both in draft 7.
            let rest = obj.remove("anyOf");
            obj.insert("allOf".into(), rest.unwrap_or_default());
        }
    }
}

// ---------------------------------------------------------------------------
// Validation.

struct Loader<'a> {
    source: &'a str,
    text: &'a str,
    env: &'a dyn Fn(&str) -> Option<String>,
    redactor: Redactor,
}

impl Loader<'_> {
    fn err(&self, span: Range<usize>, key: &str, message: impl Into<String>) -> SuiteError {
        SuiteError::at(self.source, self.text, span, Some(key), message.into())
    }

    /// Interpolates `${VAR}` / `${VAR:-default}`; `$${` is a literal `${`.
    /// Values taken from the environment become secrets.
    fn string(&mut self, key: &str, v: &S) -> Result<String, SuiteError> {
        let (out, from_env) = interpolate(v.get_ref(), self.env).map_err(|m| self.err(v.span(), key, m))?;
        for value in from_env {
            self.redactor.add(&value);
        }
        Ok(out)
    }

    fn secret(&mut self, key: &str, v: &S) -> Result<String, SuiteError> {
        let s = self.string(key, v)?;
        self.redactor.add(&s);
        Ok(s)
    }

    fn opt(&mut self, key: &str, v: &Option<S>) -> Result<Option<String>, SuiteError> {
        v.as_ref().map(|v| self.string(key, v)).transpose()
    }

    /// `sandbox.faults`: the names, each once, with where they are written.
    fn fault_names(&mut self, v: &Option<Vec<S>>) -> Result<Vec<SandboxFault>, SuiteError> {
        let mut out: Vec<SandboxFault> = Vec::new();
        for p in v.iter().flatten() {
            let name = self.string("sandbox.faults", p)?.trim().to_owned();
            let (line, col) = line_col(self.text, p.span().start);
            if !out.iter().any(|f| f.name == name) {
                out.push(SandboxFault { name, line, col });
            }
        }
        Ok(out)
    }

    fn duration(&mut self, key: &str, v: &S) -> Result<Duration, SuiteError> {
        let s = self.string(key, v)?;
        let d = humantime::parse_duration(s.trim()).map_err(|e| {
            self.err(v.span(), key, format!("`{s}` is not a duration ({e})"))
                .with_help("write a number with a unit, e.g. \"500ms\", \"10s\", \"2m\"")
        })?;
        if d.is_zero() {
            return Err(self.err(v.span(), key, "the duration must be more than zero"));
        }
        Ok(d)
    }

    /// An optional DNS name (trailing dot and case normalized).
    fn hostname(&mut self, key: &str, v: &Option<S>) -> Result<Option<String>, SuiteError> {
        let Some(v) = v else { return Ok(None) };
        let s = self.string(key, v)?.trim_end_matches('.').to_ascii_lowercase();
        if !is_hostname(&s, false) {
            return Err(self.err(v.span(), key, format!("`{s}` is not a DNS name")).with_help(HOSTNAME_HELP));
        }
        Ok(Some(s))
    }

    /// A URL's host as written: present (the WHATWG parser reads `wss:///Prod`
    /// as host `prod`), and a host name or an IP address.
    fn url_host(&self, v: &S, key: &str, text: &str, url: &Url) -> Result<(), SuiteError> {
        written_authority(text).map_err(|m| {
            self.err(v.span(), key, m).with_help(format!(
                "write `{}://host/path`, e.g. \"{}\"",
                url.scheme(),
                match key {
                    "url" => "wss://ws.example.com/Prod",
                    "aws.endpoint_url" => "http://127.0.0.1:4566",
                    _ => "https://abc123.execute-api.ap-northeast-1.amazonaws.com/Prod",
                }
            ))
        })?;
        match url.host() {
            None => Err(self.err(v.span(), key, "the URL has no host")),
            Some(url::Host::Domain(d)) if !is_hostname(d, false) => Err(self
                .err(v.span(), key, format!("the URL's host `{d}` is not a valid host name"))
                .with_help(HOSTNAME_HELP)),
            Some(_) => Ok(()),
        }
    }

    /// AWS: API Gateway Developer Guide, "Map API stages to a custom domain name for WebSocket
    /// APIs", Restrictions: "API mappings must contain only letters, numbers, and the following
    /// characters: $-_.+!*'()"; "The maximum length for the path in an API mapping is 300
    /// characters". So no `/`: a WebSocket API mapping key is one segment.
    fn mapping_key(&self, k: &str, v: &S) -> Result<(), SuiteError> {
        let key = "custom_domain.mapping_key";
        if k.contains('/') {
            return Err(self.err(v.span(), key, format!("`{k}` has a `/`")).with_help(format!(
                "multi-level API mapping keys are not supported for WebSocket APIs; use one segment of letters, digits and {MAPPING_KEY_CHARS} or \"\""
            )));
        }
        if let Some(c) = k.chars().find(|c| !c.is_ascii_alphanumeric() && !MAPPING_KEY_CHARS.contains(*c)) {
            return Err(self
                .err(v.span(), key, format!("`{k}` has `{c}`, which API mapping keys cannot contain"))
                .with_help(format!("WebSocket API mapping keys use only letters, digits and {MAPPING_KEY_CHARS}")));
        }
        if k.len() > 300 {
            return Err(self.err(
                v.span(),
                key,
                format!("the key is {} characters long; API Gateway allows 300", k.len()),
            ));
        }
        Ok(())
    }

    fn json_pointer(&mut self, key: &str, v: &S) -> Result<String, SuiteError> {
        let s = self.string(key, v)?;
        validate_json_pointer(&s).map_err(|m| {
            self.err(v.span(), key, format!("`{s}` is not a JSON pointer: {m}"))
                .with_help("a JSON pointer (RFC 6901) is empty or starts with `/`, e.g. \"/connectionId\"")
        })?;
        Ok(s)
    }

    fn load(mut self, raw: RawSuite) -> Result<Suite, SuiteError> {
        let name = self.string("name", &raw.name)?;
        if name.trim().is_empty() || name.contains(['/', '\\']) {
            return Err(self
                .err(raw.name.span(), "name", format!("`{name}` cannot be a suite name"))
                .with_help("use letters, digits, `-` and `_`; the name becomes the report file name"));
        }
        let region = self.string("region", &raw.region)?;
        if !crate::partition::is_region(&region) {
            return Err(self.err(raw.region.span(), "region", format!("`{region}` is not an AWS region")).with_help(
                "a region code is {area}-{direction}-{number}, e.g. \"ap-northeast-1\", \"us-east-1\", \"eu-central-2\", \"us-gov-west-1\", \"cn-north-1\"",
            ));
        }

        let tls = self.tls(raw.tls)?;
        let url_text = self.string("url", &raw.url)?;
        let url = self.ws_url(&raw.url, &url_text, tls.allow_plaintext)?;

        let api = match raw.api {
            None => ApiSpec { routes: default_routes(), ..ApiSpec::default() },
            Some(a) => {
                let routes = match &a.routes {
                    None => default_routes(),
                    Some(rs) => rs.iter().map(|r| self.string("api.routes", r)).collect::<Result<_, _>>()?,
                };
                let stage = self.opt("api.stage", &a.stage)?;
                if let (Some(s), Some(span)) = (&stage, a.stage.as_ref().map(|s| s.span()))
                    && (s.is_empty() || !s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                {
                    return Err(self
                        .err(span, "api.stage", format!("`{s}` is not an API Gateway stage name"))
                        .with_help("stage names use letters, digits, `-` and `_`"));
                }
                ApiSpec {
                    id: self.opt("api.id", &a.id)?,
                    stage,
                    execute_api: a.execute_api.map(|e| e.into_inner()),
                    routes,
                    route_selection_expression: self
                        .opt("api.route_selection_expression", &a.route_selection_expression)?,
                }
            }
        };

        let custom_domain = match raw.custom_domain {
            None => None,
            Some(d) => {
                let name = self.string("custom_domain.name", &d.name)?;
                if !is_hostname(&name, true) {
                    return Err(self
                        .err(d.name.span(), "custom_domain.name", format!("`{name}` is not a domain name"))
                        .with_help(HOSTNAME_HELP));
                }
                let mapping_key = self.opt("custom_domain.mapping_key", &d.mapping_key)?;
                if let (Some(k), Some(v)) = (&mapping_key, &d.mapping_key) {
                    self.mapping_key(k, v)?;
                }
                let regional_target = self.hostname("custom_domain.regional_target", &d.regional_target)?;
                Some(CustomDomainSpec { name, mapping_key, regional_target })
            }
        };

        let cloudfront = match raw.cloudfront {
            None => None,
            Some(c) => {
                let id = self.string("cloudfront.distribution_id", &c.distribution_id)?;
                let distribution = if id == "discover" {
                    DistributionRef::Discover
                } else if !id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()) {
                    DistributionRef::Id(id)
                } else {
                    return Err(self
                        .err(
                            c.distribution_id.span(),
                            "cloudfront.distribution_id",
                            format!("`{id}` is not a distribution id"),
                        )
                        .with_help("use the id (e.g. \"E2ABCDEF123456\") or \"discover\" to find it by alias"));
                };
                Some(CloudFrontSpec { distribution })
            }
        };

        let dns = self.dns(raw.dns)?;
        let roundtrip = self.roundtrip(raw.roundtrip, &tls)?;
        let aws = match raw.aws {
            None => AwsSpec::default(),
            Some(a) => {
                let endpoint_url = match &a.endpoint_url {
                    None => None,
                    Some(v) => {
                        let s = self.string("aws.endpoint_url", v)?;
                        if s.is_empty() {
                            None
                        } else {
                            let u = Url::parse(&s).map_err(|e| {
                                self.err(v.span(), "aws.endpoint_url", format!("`{s}` is not a URL: {e}"))
                            })?;
                            if !matches!(u.scheme(), "http" | "https") {
                                return Err(self.err(
                                    v.span(),
                                    "aws.endpoint_url",
                                    format!("expected an http:// or https:// URL, found `{}://`", u.scheme()),
                                ));
                            }
                            self.url_host(v, "aws.endpoint_url", &s, &u)?;
                            Some(u)
                        }
                    }
                };
                AwsSpec { endpoint_url, profile: self.opt("aws.profile", &a.profile)?, credentials: None }
            }
        };

        let sandbox = match raw.sandbox {
            None => None,
            Some(s) => Some(SandboxSpec {
                layout: self.opt("sandbox.layout", &s.layout)?.unwrap_or_else(|| "b".into()),
                scenario: self.opt("sandbox.scenario", &s.scenario)?.unwrap_or_else(|| "good".into()),
                latency_ms: s.latency_ms.unwrap_or(0),
                faults: self.fault_names(&s.faults)?,
            }),
        };

        let checks = match raw.checks {
            None => CheckSelection::default(),
            Some(c) => {
                let mut list = |v: &Option<Vec<S>>, key: &str| -> Result<Vec<String>, SuiteError> {
                    let mut out = Vec::new();
                    for p in v.iter().flatten() {
                        let s = self.string(key, p)?;
                        globset::Glob::new(&s)
                            .map_err(|e| self.err(p.span(), key, format!("`{s}` is not a pattern: {e}")))?;
                        out.push(s);
                    }
                    Ok(out)
                };
                let (only, skip) = (list(&c.only, "checks.only")?, list(&c.skip, "checks.skip")?);
                let strict = match &c.strict {
                    None => false,
                    Some(v) => match v.get_ref() {
                        toml::Value::Boolean(b) => *b,
                        other => {
                            return Err(self
                                .err(v.span(), "checks.strict", format!("expected true or false, found {other}"))
                                .with_help("`strict = true` makes any warning fail the run, as `--strict` does"));
                        }
                    },
                };
                CheckSelection { only, skip, strict }
            }
        };

        let check_timeout = match &raw.timeout {
            Some(t) => self.duration("timeout", t)?,
            None => Duration::from_secs(30),
        };

        Ok(Suite {
            source: self.source.into(),
            name,
            region,
            url,
            api,
            custom_domain,
            cloudfront,
            dns,
            tls,
            roundtrip,
            aws,
            sandbox,
            checks,
            check_timeout,
            redactor: self.redactor,
        })
    }

    fn ws_url(&mut self, v: &S, text: &str, allow_plaintext: bool) -> Result<Url, SuiteError> {
        let url = Url::parse(text).map_err(|e| {
            self.err(v.span(), "url", format!("`{text}` is not a URL: {e}"))
                .with_help("write the URL clients use, e.g. \"wss://ws.example.com/Prod\"")
        })?;
        match url.scheme() {
            "wss" => {}
            "ws" if allow_plaintext || is_loopback_host(&url) => {}
            "ws" => {
                return Err(self
                    .err(v.span(), "url", "`ws://` sends everything in clear text to a host that is not loopback")
                    .with_help(
                        "use wss://, or set `tls.allow_plaintext = true` (reported loudly) for a local emulator",
                    ));
            }
            "http" | "https" => {
                return Err(self
                    .err(v.span(), "url", format!("expected a wss:// URL, found `{}://`", url.scheme()))
                    .with_help(format!(
                        "WebSocket clients connect with wss://: write \"wss://{}\"",
                        &text[url.scheme().len() + 3..]
                    )));
            }
            other => return Err(self.err(v.span(), "url", format!("expected a wss:// URL, found `{other}://`"))),
        }
        self.url_host(v, "url", text, &url)?;
        if url.query().is_some() {
            return Err(self
                .err(v.span(), "url", "the URL has a query string")
                .with_help("put query parameters in `[roundtrip] query` so their values stay secret"));
        }
        Ok(url)
    }

    fn tls(&mut self, raw: Option<RawTls>) -> Result<TlsSpec, SuiteError> {
        let Some(t) = raw else { return Ok(TlsSpec::default()) };
        let min_days_valid = match t.min_days_valid {
            None => 14,
            Some(d) => u32::try_from(*d.get_ref()).ok().filter(|d| *d <= 825).ok_or_else(|| {
                self.err(
                    d.span(),
                    "tls.min_days_valid",
                    format!("{} is not a number of days from 0 to 825", d.get_ref()),
                )
            })?,
        };
        Ok(TlsSpec {
            min_days_valid,
            extra_ca: self.opt("tls.extra_ca", &t.extra_ca)?.map(PathBuf::from),
            extra_ca_pem: None,
            allow_plaintext: t.allow_plaintext.unwrap_or(false),
        })
    }

    fn dns(&mut self, raw: Option<RawDns>) -> Result<DnsSpec, SuiteError> {
        let Some(d) = raw else { return Ok(DnsSpec::default()) };
        let nameservers = match &d.nameservers {
            None => Nameservers::System,
            Some(v) => match v.get_ref() {
                toml::Value::String(s) if s == "authoritative" => Nameservers::Authoritative,
                toml::Value::String(s) if s == "system" => Nameservers::System,
                toml::Value::Array(items) if items.is_empty() => Nameservers::System,
                toml::Value::Array(items) => {
                    let mut list = Vec::new();
                    for item in items {
                        let s = item.as_str().ok_or_else(|| {
                            self.err(v.span(), "dns.nameservers", "expected strings such as \"127.0.0.1:5353\"")
                        })?;
                        let s = self.string("dns.nameservers", &Spanned::new(v.span(), s.to_owned()))?;
                        list.push(parse_nameserver(&s).ok_or_else(|| {
                            self.err(
                                v.span(),
                                "dns.nameservers",
                                format!("`{s}` is not an IP address with an optional port"),
                            )
                            .with_help("e.g. \"10.0.0.2\" or \"127.0.0.1:5353\"")
                        })?);
                    }
                    Nameservers::List(list)
                }
                _ => {
                    return Err(self
                        .err(v.span(), "dns.nameservers", "expected a list of addresses or \"authoritative\"")
                        .with_help("e.g. [] (system), [\"127.0.0.1:5353\"], or \"authoritative\""));
                }
            },
        };
        let mut connect_to = Vec::new();
        const CONNECT_TO_HELP: &str = "write \"host:port\" = \"address:port\" (or \":port\" to keep the host), e.g. { \"ws.example.com:443\" = \"203.0.113.9:443\" }";
        for (from, to) in d.connect_to.iter().flatten() {
            let target = self.string("dns.connect_to", to)?;
            let parsed = parse_connect_to(from.get_ref(), &target)
                .map_err(|m| self.err(to.span(), "dns.connect_to", m).with_help(CONNECT_TO_HELP))?;
            if !is_host_or_ip(&parsed.host) {
                return Err(self
                    .err(
                        from.span(),
                        "dns.connect_to",
                        format!("`{}` is not a host name or an IP address", parsed.host),
                    )
                    .with_help(CONNECT_TO_HELP));
            }
            if let Some(h) = parsed.to_host.as_deref().filter(|h| !is_host_or_ip(h)) {
                return Err(self
                    .err(to.span(), "dns.connect_to", format!("`{h}` is not a host name or an IP address"))
                    .with_help(CONNECT_TO_HELP));
            }
            connect_to.push(parsed);
        }
        let timeout = d.timeout.as_ref().map(|t| self.duration("dns.timeout", t)).transpose()?;
        let alias_target = self.hostname("dns.alias_target", &d.alias_target)?;
        Ok(DnsSpec { nameservers, connect_to, timeout, alias_target })
    }

    fn roundtrip(&mut self, raw: Option<RawRoundtrip>, tls: &TlsSpec) -> Result<RoundtripSpec, SuiteError> {
        let mut rt = RoundtripSpec::default();
        let Some(r) = raw else { return Ok(rt) };
        for (k, v) in r.headers.iter().flatten() {
            if http::HeaderName::from_bytes(k.as_bytes()).is_err() {
                return Err(self.err(v.span(), "roundtrip.headers", format!("`{k}` is not an HTTP header name")));
            }
            let value = self.secret("roundtrip.headers", v)?;
            if http::HeaderValue::from_str(&value).is_err() {
                return Err(self.err(
                    v.span(),
                    &format!("roundtrip.headers.{k}"),
                    "the value is not a valid HTTP header value",
                ));
            }
            rt.headers.push((k.clone(), value));
        }
        for (k, v) in r.query.iter().flatten() {
            let value = self.secret("roundtrip.query", v)?;
            rt.query.push((k.clone(), value));
        }
        if let Some(ps) = &r.subprotocols {
            rt.subprotocols = ps.iter().map(|p| self.string("roundtrip.subprotocols", p)).collect::<Result<_, _>>()?;
        }
        if let Some(s) = &r.send {
            rt.send = self.string("roundtrip.send", s)?;
        }
        if let Some(e) = &r.expect {
            rt.expect = self.expect(e)?;
        }
        if let Some(p) = &r.connection_id {
            rt.connection_id =
                if p.get_ref() == "none" { None } else { Some(self.json_pointer("roundtrip.connection_id", p)?) };
        }
        if let Some(m) = &r.management_endpoint {
            let s = self.string("roundtrip.management_endpoint", m)?;
            rt.management_endpoint = if s == "auto" {
                ManagementEndpoint::Auto
            } else {
                let u = Url::parse(&s).map_err(|e| {
                    self.err(m.span(), "roundtrip.management_endpoint", format!("`{s}` is not a URL: {e}")).with_help(
                        "write \"auto\" or e.g. \"https://abc123.execute-api.ap-northeast-1.amazonaws.com/Prod\"",
                    )
                })?;
                match u.scheme() {
                    "https" => {}
                    "http" if tls.allow_plaintext || is_loopback_host(&u) => {}
                    "http" => {
                        return Err(self
                            .err(
                                m.span(),
                                "roundtrip.management_endpoint",
                                "`http://` to a host that is not loopback sends signed requests in clear text",
                            )
                            .with_help("use https://, or set `tls.allow_plaintext = true` (reported loudly)"));
                    }
                    other => {
                        return Err(self.err(
                            m.span(),
                            "roundtrip.management_endpoint",
                            format!("expected an https:// URL, found `{other}://`"),
                        ));
                    }
                }
                self.url_host(m, "roundtrip.management_endpoint", &s, &u)?;
                ManagementEndpoint::Url(u)
            };
        }
        if let Some(t) = &r.timeout {
            rt.timeout = self.duration("roundtrip.timeout", t)?;
        }
        rt.hold = r.hold.as_ref().map(|t| self.duration("roundtrip.hold", t)).transpose()?;
        rt.ping_interval = r.ping_interval.as_ref().map(|t| self.duration("roundtrip.ping_interval", t)).transpose()?;
        rt.limits = r.limits.unwrap_or(false);
        rt.auth = r.auth.unwrap_or_default();
        Ok(rt)
    }

    fn expect(&mut self, e: &Spanned<toml::Value>) -> Result<Expect, SuiteError> {
        let key = "roundtrip.expect";
        match e.get_ref() {
            toml::Value::String(s) => Ok(Expect::Substring(self.string(key, &Spanned::new(e.span(), s.clone()))?)),
            toml::Value::Table(t) => {
                for k in t.keys() {
                    if k != "json_pointer" && k != "contains" {
                        let mut err = self.err(e.span(), key, format!("unknown key `{k}` in `expect`"));
                        if let Some(h) =
                            did_you_mean(&format!("unknown field `{k}`, expected `json_pointer` or `contains`"))
                        {
                            err = err.with_help(h);
                        }
                        return Err(err);
                    }
                }
                let get =
                    |name: &str| t.get(name).and_then(|v| v.as_str()).map(|s| Spanned::new(e.span(), s.to_owned()));
                let (Some(p), Some(c)) = (get("json_pointer"), get("contains")) else {
                    return Err(self
                        .err(e.span(), key, "a table `expect` needs both `json_pointer` and `contains` as strings")
                        .with_help("e.g. expect = { json_pointer = \"/request\", contains = \"{{nonce}}\" }"));
                };
                Ok(Expect::JsonPointer {
                    pointer: self.json_pointer("roundtrip.expect.json_pointer", &p)?,
                    contains: self.string(key, &c)?,
                })
            }
            other => Err(self
                .err(e.span(), key, format!("expected a string or a table, found {}", other.type_str()))
                .with_help("e.g. expect = \"{{nonce}}\"")),
        }
    }
}

fn default_routes() -> Vec<String> {
    vec!["$connect".into(), "$default".into()]
}

/// Expands `${VAR}` and `${VAR:-default}`. Returns the text and the values
/// that came from the environment.
pub fn interpolate(input: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<(String, Vec<String>), String> {
    let mut out = String::with_capacity(input.len());
    let mut from_env = Vec::new();
    let mut rest = input;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        if let Some(tail) = after.strip_prefix("${") {
            out.push_str("${");
            rest = tail;
        } else if let Some(tail) = after.strip_prefix('{') {
            let end =
                tail.find('}').ok_or("unterminated `${`: add the closing `}` (write `$${` for a literal `${`)")?;
            let expr = &tail[..end];
            let (var, default) = match expr.split_once(":-") {
                Some((v, d)) => (v, Some(d)),
                None => (expr, None),
            };
            if var.is_empty()
                || !var.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                || var.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(format!("`${{{expr}}}` is not a variable reference: names use letters, digits and `_`"));
            }
            match (env(var), default) {
                (Some(v), _) => {
                    out.push_str(&v);
                    from_env.push(v);
                }
                (None, Some(d)) => out.push_str(d),
                (None, None) => {
                    return Err(format!(
                        "environment variable `{var}` is not set (write `${{{var}:-default}}` to give a default)"
                    ));
                }
            }
            rest = &tail[end + 1..];
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    Ok((out, from_env))
}

/// RFC 6901: empty, or `/`-separated tokens where `~` is only `~0` or `~1`.
pub fn validate_json_pointer(p: &str) -> Result<(), String> {
    if p.is_empty() {
        return Ok(());
    }
    if !p.starts_with('/') {
        return Err("it must start with `/`".into());
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return Err("`~` must be followed by `0` or `1`".into());
        }
    }
    Ok(())
}

fn parse_nameserver(s: &str) -> Option<SocketAddr> {
    s.parse::<SocketAddr>().ok().or_else(|| s.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
}

fn split_host_port(s: &str) -> Option<(&str, &str)> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, port) = rest.split_once("]:")?;
        return Some((host, port));
    }
    s.rsplit_once(':')
}

pub(crate) fn parse_connect_to(from: &str, to: &str) -> Result<ConnectTo, String> {
    let (host, port) = split_host_port(from).ok_or(format!("`{from}` is not host:port"))?;
    let port: u16 = port.parse().map_err(|_| format!("`{from}`: `{port}` is not a port"))?;
    if host.is_empty() {
        return Err(format!("`{from}` has no host"));
    }
    let (to_host, to_port) = split_host_port(to).ok_or(format!("`{to}` is not address:port"))?;
    let to_port: u16 = to_port.parse().map_err(|_| format!("`{to}`: `{to_port}` is not a port"))?;
    Ok(ConnectTo {
        host: host.to_ascii_lowercase(),
        port,
        to_host: (!to_host.is_empty()).then(|| to_host.to_ascii_lowercase()),
        to_port,
    })
}

/// The characters besides letters and digits a WebSocket API mapping key may have.
const MAPPING_KEY_CHARS: &str = "$-_.+!*'()";

const HOSTNAME_HELP: &str =
    "a host name is dot-separated labels of letters, digits and `-` (not first or last), e.g. \"ws.example.com\"";

/// A DNS host name (RFC 1123): labels of 1–63 letters, digits and `-`, not
/// starting or ending with `-`, at most 253 characters, the last label not
/// all digits. `wildcard`: the first label may be `*` (a wildcard custom domain).
fn is_hostname(s: &str, wildcard: bool) -> bool {
    let labels: Vec<&str> = s.split('.').collect();
    !s.is_empty()
        && s.len() <= 253
        && labels.iter().enumerate().all(|(i, l)| {
            (wildcard && i == 0 && *l == "*" && labels.len() > 1)
                || (!l.is_empty()
                    && l.len() <= 63
                    && !l.starts_with('-')
                    && !l.ends_with('-')
                    && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
        })
        && !labels.last().is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
}

/// A `connect_to` host: an IP address or a host name.
fn is_host_or_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok() || is_hostname(s.trim_end_matches('.'), false)
}

/// The WHATWG URL parser (the `url` crate) reads `wss:///Prod` and `wss:Prod`
/// for special schemes as host `prod`: the text itself must have `scheme://`
/// and a host before the path.
fn written_authority(text: &str) -> Result<(), &'static str> {
    let t = text.trim();
    let Some((_, rest)) = t.split_once(':') else { return Ok(()) };
    let Some(after) = rest.strip_prefix("//") else { return Err("the URL has no `//` and host after its scheme") };
    let authority = &after[..after.find(['/', '?', '#', '\\']).unwrap_or(after.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if host_port.is_empty() || host_port.starts_with(':') {
        return Err("the URL has no host");
    }
    Ok(())
}

pub(crate) fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    const MIN: &str = "name = \"t\"\nregion = \"ap-northeast-1\"\nurl = \"wss://ws.example.com/Prod\"\n";

    #[test]
    fn minimal_suite_gets_defaults() {
        let s = Suite::parse("t.toml", MIN, &no_env).unwrap();
        assert_eq!(s.host(), "ws.example.com");
        assert_eq!(s.port(), 443);
        assert_eq!(s.path(), "/Prod");
        assert_eq!(s.tls.min_days_valid, 14);
        assert_eq!(s.api.routes, vec!["$connect", "$default"]);
        assert_eq!(s.check_timeout, Duration::from_secs(30));
    }

    #[test]
    fn interpolation_with_default_and_escape() {
        let env = |k: &str| (k == "A").then(|| "x".to_string());
        assert_eq!(interpolate("${A}-${B:-d}-$${C}-$5", &env).unwrap(), ("x-d-${C}-$5".into(), vec!["x".into()]));
        let e = interpolate("${MISSING}", &env).unwrap_err();
        assert!(e.contains("`MISSING` is not set"), "{e}");
        assert!(interpolate("${A", &env).unwrap_err().contains("unterminated"));
    }

    #[test]
    fn env_values_and_headers_become_secrets() {
        let text = format!(
            "{MIN}[api]\nid = \"${{API}}\"\n[roundtrip]\nheaders = {{ Authorization = \"Bearer literal-token\" }}\n"
        );
        let env = |k: &str| (k == "API").then(|| "abc123def".to_string());
        let s = Suite::parse("t.toml", &text, &env).unwrap();
        assert_eq!(s.api.id.as_deref(), Some("abc123def"));
        assert_eq!(s.redactor.redact("api abc123def with Bearer literal-token"), "api *** with ***");
    }

    #[test]
    fn sandbox_faults_are_read_once_each_with_their_place() {
        let text = format!("{MIN}[sandbox]\nfaults = [\"dns-silent\", \"upgrade-502\", \"dns-silent\"]\n");
        let s = Suite::parse("t.toml", &text, &no_env).unwrap();
        let sb = s.sandbox.unwrap();
        assert_eq!(sb.fault_names(), vec!["dns-silent", "upgrade-502"]);
        assert_eq!((sb.faults[1].line, sb.faults[1].col), (5, 25));
        let s = Suite::parse("t.toml", &format!("{MIN}[sandbox]\n"), &no_env).unwrap();
        assert!(s.sandbox.is_some_and(|s| s.faults.is_empty()));
    }

    #[test]
    fn an_unknown_sandbox_fault_points_at_its_entry_with_a_suggestion() {
        let known = ["dns-silent", "upgrade-502", "upgrade-500"];
        let text = format!("{MIN}[sandbox]\nfaults = [\"dns-silent\", \"upgrade-520\"]\n");
        let sb = Suite::parse("t.toml", &text, &no_env).unwrap().sandbox.unwrap();
        assert!(sb.unknown_fault("t.toml", &["dns-silent", "upgrade-520"]).is_none());
        let e = sb.unknown_fault("t.toml", &known).expect("upgrade-520 is unknown");
        assert_eq!((e.line, e.col, e.key.as_deref()), (Some(5), Some(25), Some("sandbox.faults")));
        assert!(e.message.contains("`upgrade-520` is not a sandbox fault"), "{}", e.message);
        assert!(e.help.as_deref().is_some_and(|h| h.starts_with("did you mean `upgrade-5")), "{:?}", e.help);
        let sb = Suite::parse("t.toml", &format!("{MIN}[sandbox]\nfaults = [\"zzz\"]\n"), &no_env).unwrap().sandbox;
        let e = sb.unwrap().unknown_fault("t.toml", &known).unwrap();
        assert!(e.help.as_deref().is_some_and(|h| h.contains("known faults: dns-silent")), "{:?}", e.help);
    }

    #[test]
    fn roundtrip_auth_defaults_to_none_and_names_the_signing_form() {
        let parse = |extra: &str| {
            let text = format!("{MIN}[roundtrip]\n{extra}");
            Suite::parse("t.toml", &text, &|_| None).map(|s| s.roundtrip.auth)
        };
        assert_eq!(parse("").unwrap(), RoundtripAuth::None);
        assert_eq!(parse("auth = \"iam\"").unwrap(), RoundtripAuth::Iam);
        assert_eq!(parse("auth = \"iam-query\"").unwrap(), RoundtripAuth::IamQuery);
        assert!(parse("auth = \"sigv4\"").is_err());
    }

    #[test]
    fn unknown_key_points_at_it_with_a_suggestion() {
        let text = format!("{MIN}[dns]\nnameserver = []\n");
        let e = Suite::parse("t.toml", &text, &no_env).unwrap_err();
        assert_eq!((e.line, e.col), (Some(5), Some(1)));
        assert_eq!(e.help.as_deref(), Some("did you mean `nameservers`?"));
    }

    #[test]
    fn http_url_is_refused_with_the_wss_form() {
        let e = Suite::parse("t.toml", "name = \"t\"\nregion = \"us-east-1\"\nurl = \"https://h/Prod\"\n", &no_env)
            .unwrap_err();
        assert_eq!(e.line, Some(3));
        assert!(e.help.unwrap().contains("wss://h/Prod"));
    }

    #[test]
    fn connect_to_forms() {
        assert_eq!(
            parse_connect_to("ws.example.com:443", "203.0.113.9:8443").unwrap(),
            ConnectTo { host: "ws.example.com".into(), port: 443, to_host: Some("203.0.113.9".into()), to_port: 8443 }
        );
        assert_eq!(parse_connect_to("h:443", ":8443").unwrap().to_host, None);
        assert!(parse_connect_to("h", ":1").is_err());
    }

    #[test]
    fn alias_and_regional_targets_are_names() {
        let text = format!(
            "{MIN}[dns]\nalias_target = \"D1.cloudfront.net.\"\n[custom_domain]\nname = \"ws.example.com\"\nregional_target = \"d-1.execute-api.ap-northeast-1.amazonaws.com\"\n"
        );
        let s = Suite::parse("t.toml", &text, &no_env).unwrap();
        assert_eq!(s.dns.alias_target.as_deref(), Some("d1.cloudfront.net"));
        assert_eq!(
            s.custom_domain.unwrap().regional_target.as_deref(),
            Some("d-1.execute-api.ap-northeast-1.amazonaws.com")
        );
        let bad = format!("{MIN}[dns]\nalias_target = \"not a name\"\n");
        assert_eq!(Suite::parse("t.toml", &bad, &no_env).unwrap_err().key.as_deref(), Some("dns.alias_target"));
    }

    #[test]
    fn a_url_without_a_host_is_an_error_not_host_prod() {
        // The WHATWG parser reads both as host `prod`.
        for url in ["wss:///Prod", "wss:Prod", "wss://:443/Prod", "wss://user@/Prod"] {
            let text = format!("name = \"t\"\nregion = \"us-east-1\"\nurl = \"{url}\"\n");
            let e = Suite::parse("t.toml", &text, &no_env).unwrap_err();
            assert_eq!((e.line, e.col, e.key.as_deref()), (Some(3), Some(7), Some("url")), "{url}: {e}");
            assert!(["no host", "no `//`", "empty host"].iter().any(|m| e.message.contains(m)), "{url}: {e}");
        }
        for (key, url) in [
            ("roundtrip.management_endpoint", "[roundtrip]\nmanagement_endpoint = \"https:///Prod\""),
            ("aws.endpoint_url", "[aws]\nendpoint_url = \"http:///localhost:4566\""),
        ] {
            let e = Suite::parse("t.toml", &format!("{MIN}{url}\n"), &no_env).unwrap_err();
            assert_eq!((e.key.as_deref(), e.message.as_str()), (Some(key), "the URL has no host"), "{e}");
        }
        let s =
            Suite::parse("t.toml", "name = \"t\"\nregion = \"us-east-1\"\nurl = \"ws://127.0.0.1:9/Prod\"\n", &no_env);
        assert_eq!(s.unwrap().host(), "127.0.0.1");
    }

    // AWS: AWS SDK partition data (`partitions.json`), "regionRegex" — region codes are
    // {area}-{direction}-{number}: ap-northeast-1, us-gov-west-1, cn-north-1, eu-central-2, il-central-1.
    #[test]
    fn regions_of_every_partition_load() {
        for region in ["ap-northeast-1", "us-gov-west-1", "cn-north-1", "eu-central-2", "il-central-1", "mx-central-1"]
        {
            let text = format!("name = \"t\"\nregion = \"{region}\"\nurl = \"wss://ws.example.com/Prod\"\n");
            assert!(Suite::parse("t.toml", &text, &no_env).is_ok(), "{region}");
        }
        for region in ["Tokyo", "ap-norheast-1", "a-b-1", "us-east-01", "US-EAST-1"] {
            let text = format!("name = \"t\"\nregion = \"{region}\"\nurl = \"wss://ws.example.com/Prod\"\n");
            let e = Suite::parse("t.toml", &text, &no_env).unwrap_err();
            assert_eq!((e.line, e.col, e.key.as_deref()), (Some(2), Some(10), Some("region")), "{region}");
        }
    }

    #[test]
    fn host_names() {
        for ok in ["ws.example.com", "localhost", "d-abc123.execute-api.cn-north-1.amazonaws.com.cn", "a1.b-2.c"] {
            assert!(is_hostname(ok, false), "{ok}");
        }
        for bad in [
            "",
            "-ws.example.com",
            "ws-.example.com",
            "ws..example.com",
            "ws_chat.example.com",
            "a.b.1",
            "*.example.com",
        ] {
            assert!(!is_hostname(bad, false), "{bad}");
        }
        assert!(is_hostname("*.example.com", true));
        assert!(
            !is_hostname("*", true) && !is_hostname("ws.*.example.com", true) && !is_hostname("a*b.example.com", true)
        );
        assert!(is_hostname(&format!("{}.com", "a".repeat(63)), false));
        assert!(!is_hostname(&format!("{}.com", "a".repeat(64)), false));
        assert!(is_host_or_ip("203.0.113.9") && is_host_or_ip("::1") && is_host_or_ip("proxy.internal."));
        assert!(!is_host_or_ip("203.0.113.9.") && !is_host_or_ip("exa mple.com"));
    }

    // AWS: API Gateway Developer Guide, "Map API stages to a custom domain name for WebSocket APIs" —
    // "API mappings must contain only letters, numbers, and the following characters: $-_.+!*'()";
    // "The maximum length for the path in an API mapping is 300 characters". No `/`: one segment.
    #[test]
    fn mapping_keys_use_the_websocket_character_set() {
        let with = |k: &str| {
            let text = format!("{MIN}[custom_domain]\nname = \"ws.example.com\"\nmapping_key = \"{k}\"\n");
            Suite::parse("t.toml", &text, &no_env)
        };
        for ok in ["", "v1", "Prod", "a$-_.+!*'()z"] {
            assert!(with(ok).is_ok(), "{ok}");
        }
        let e = with("v1/chat").unwrap_err();
        assert!(e.message.contains("has a `/`") && e.help.unwrap().contains("$-_.+!*'()"));
        let e = with("chat room").unwrap_err();
        assert_eq!((e.line, e.col), (Some(6), Some(15)));
        assert!(e.message.contains("has ` `") && e.help.unwrap().contains("$-_.+!*'()"), "{}", e.message);
        assert!(with(&"k".repeat(301)).unwrap_err().message.contains("300"));
    }

    #[test]
    fn connect_to_hosts_are_names_or_addresses() {
        let with = |m: &str| Suite::parse("t.toml", &format!("{MIN}[dns]\nconnect_to = {{ {m} }}\n"), &no_env);
        assert!(with("\"ws.example.com:443\" = \"d-1.execute-api.us-east-1.amazonaws.com:443\"").is_ok());
        assert!(with("\"203.0.113.9:443\" = \"[::1]:8443\"").is_ok());
        assert!(with("\"ws.example.com:443\" = \":8443\"").is_ok());
        let e = with("\"ws_x.example.com:443\" = \"203.0.113.9:443\"").unwrap_err();
        assert_eq!((e.line, e.col), (Some(5), Some(16)), "the key's own place");
        let e = with("\"ws.example.com:443\" = \"bad_host:443\"").unwrap_err();
        assert_eq!((e.line, e.col), (Some(5), Some(39)), "the value's place");
    }

    #[test]
    fn json_pointer_rules() {
        assert!(validate_json_pointer("").is_ok());
        assert!(validate_json_pointer("/a~0b/~1").is_ok());
        assert!(validate_json_pointer("a").is_err());
        assert!(validate_json_pointer("/a~2").is_err());
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncdé\nx", 7), (2, 4));
        assert_eq!(line_col("ab\ncdé\nx", 8), (3, 1));
        assert_eq!(line_col("", 0), (1, 1));
    }

    #[test]
    fn key_line_finds_tables_and_keys() {
        let text = "name = \"s\"\nurl = \"wss://h/p\"\n\n[custom_domain]\nname = \"h\"\nmapping_key = \"p\"\n\n[cloudfront]\ndistribution_id = \"E1\"\n";
        assert_eq!(key_line(text, "url"), Some(2));
        assert_eq!(key_line(text, "custom_domain"), Some(4));
        assert_eq!(key_line(text, "custom_domain.mapping_key"), Some(6));
        assert_eq!(key_line(text, "cloudfront"), Some(8));
        assert_eq!(key_line(text, "api"), None);
        assert_eq!(key_line(text, "url.x"), None);
        assert_eq!(key_line("not = = toml", "url"), None);
    }
}
