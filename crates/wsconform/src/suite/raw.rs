//! The file as serde sees it: every value with its span, and the JSON
//! Schema derived from the same types.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::Deserialize;
use toml::Spanned;

use super::{ExecuteApi, RoundtripAuth};

pub(super) type S = Spanned<String>;

// The `Raw*` types also derive `JsonSchema`: `wsconform schema` prints the
// suite file's JSON Schema (suites/wsconform.schema.json) from them, so the
// schema cannot drift from what serde reads. A `Spanned<T>` is described as
// its `T`; the doc comments become the descriptions editors show.

/// A wsconform suite file: one deployment of a WebSocket API on AWS API Gateway
/// (README, Suite files). `${VAR}` and `${VAR:-default}` are expanded from the environment.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "wsconform suite")]
pub(super) struct RawSuite {
    /// The suite's name; also the report file name.
    #[schemars(with = "String")]
    pub(super) name: S,
    /// The API's AWS region, e.g. `ap-northeast-1`.
    #[schemars(with = "String")]
    pub(super) region: S,
    /// What clients use: `wss://host/path` (no query string: use `[roundtrip] query`).
    #[schemars(with = "String")]
    pub(super) url: S,
    /// Time limit of one attempt of each check, e.g. `30s` (default 30s).
    #[schemars(with = "Option<String>")]
    pub(super) timeout: Option<S>,
    /// The API Gateway WebSocket API and stage.
    pub(super) api: Option<RawApi>,
    /// The API Gateway custom domain, when clients reach the API through one.
    pub(super) custom_domain: Option<RawCustomDomain>,
    /// The CloudFront distribution in front of the API, when there is one.
    pub(super) cloudfront: Option<RawCloudFront>,
    /// How names are resolved and where connections go.
    pub(super) dns: Option<RawDns>,
    /// Certificate expectations and extra trusted CAs.
    pub(super) tls: Option<RawTls>,
    /// The end-to-end exchange: upgrade, send, expect a reply.
    pub(super) roundtrip: Option<RawRoundtrip>,
    /// The AWS control plane the checks ask.
    pub(super) aws: Option<RawAws>,
    /// What the backend behind the routes does.
    pub(super) backend: Option<RawBackend>,
    /// Run against the embedded sandbox instead of AWS.
    pub(super) sandbox: Option<RawSandbox>,
    /// Which checks run.
    pub(super) checks: Option<RawChecks>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawApi {
    /// The API id (the `{id}` of `{id}.execute-api.{region}.amazonaws.com`).
    #[schemars(with = "Option<String>")]
    pub(super) id: Option<S>,
    /// The stage name, e.g. `Prod`.
    #[schemars(with = "Option<String>")]
    pub(super) stage: Option<S>,
    /// Whether the default execute-api endpoint must answer (`enabled`) or refuse upgrades (`disabled`).
    #[schemars(with = "Option<ExecuteApi>")]
    pub(super) execute_api: Option<Spanned<ExecuteApi>>,
    /// Route keys that must exist (default `["$connect", "$default"]`).
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) routes: Option<Vec<S>>,
    /// The API's route selection expression, e.g. `$request.body.action`.
    #[schemars(with = "Option<String>")]
    pub(super) route_selection_expression: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCustomDomain {
    /// The custom domain name, e.g. `ws.example.com`.
    #[schemars(with = "String")]
    pub(super) name: S,
    /// The API mapping key (`""` for the empty key); absent: discovered from the URL's first path segment.
    #[schemars(with = "Option<String>")]
    pub(super) mapping_key: Option<S>,
    /// The domain's regional target (`d-….execute-api.{region}.amazonaws.com`); absent: from GetDomainName.
    #[schemars(with = "Option<String>")]
    pub(super) regional_target: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCloudFront {
    /// The distribution id, e.g. `E2ABCDEF`, or `discover` to find it by the URL's host.
    #[schemars(with = "String")]
    pub(super) distribution_id: S,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDns {
    /// `[]` or `"system"`: the system resolver; a list such as `["127.0.0.1:5353"]`;
    /// or `"authoritative"`: the zone's own nameservers.
    #[schemars(with = "Option<SchemaNameservers>")]
    pub(super) nameservers: Option<Spanned<toml::Value>>,
    /// curl's `--connect-to`: `"host:port" = "address:port"` (or `":port"` to keep the host).
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub(super) connect_to: Option<BTreeMap<S, S>>,
    /// Time limit of one DNS query, e.g. `5s`.
    #[schemars(with = "Option<String>")]
    pub(super) timeout: Option<S>,
    /// The name the public host should alias; absent: from the control plane.
    #[schemars(with = "Option<String>")]
    pub(super) alias_target: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTls {
    /// Days a certificate must still be valid (default 14).
    #[schemars(with = "Option<i64>")]
    pub(super) min_days_valid: Option<Spanned<i64>>,
    /// A PEM file of extra trusted CAs, relative to the suite file.
    #[schemars(with = "Option<String>")]
    pub(super) extra_ca: Option<S>,
    /// Allow `ws://` and `http://` to hosts that are not loopback (loud in every report).
    pub(super) allow_plaintext: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRoundtrip {
    /// Upgrade request headers. Values are secrets.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub(super) headers: Option<BTreeMap<String, S>>,
    /// Query parameters added to the URL. Values are secrets.
    #[schemars(with = "Option<BTreeMap<String, String>>")]
    pub(super) query: Option<BTreeMap<String, S>>,
    /// WebSocket subprotocols offered on the upgrade.
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) subprotocols: Option<Vec<S>>,
    /// Template of the message to send; `{{nonce}}` is replaced.
    #[schemars(with = "Option<String>")]
    pub(super) send: Option<S>,
    /// What the reply must contain: a substring, or `{ json_pointer, contains }`.
    #[schemars(with = "Option<SchemaExpect>")]
    pub(super) expect: Option<Spanned<toml::Value>>,
    /// JSON pointer to the connection id in the echo reply (default `/connectionId`).
    #[schemars(with = "Option<String>")]
    pub(super) connection_id: Option<S>,
    /// The `@connections` endpoint: `auto` (derived from the layout) or a URL.
    #[schemars(with = "Option<String>")]
    pub(super) management_endpoint: Option<S>,
    /// Time limit of the exchange, e.g. `10s`.
    #[schemars(with = "Option<String>")]
    pub(super) timeout: Option<S>,
    /// e2e.keepalive: stay idle this long, e.g. `30s`.
    #[schemars(with = "Option<String>")]
    pub(super) hold: Option<S>,
    /// e2e.keepalive: ping this often while holding, e.g. `10s`.
    #[schemars(with = "Option<String>")]
    pub(super) ping_interval: Option<S>,
    /// e2e.limits: test the 32 KB frame / 128 KB message quotas.
    pub(super) limits: Option<bool>,
    /// How the upgrade authenticates to an AWS_IAM `$connect` (default `none`).
    pub(super) auth: Option<RoundtripAuth>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawAws {
    /// e.g. a local AWS emulator; empty or absent: real AWS.
    #[schemars(with = "Option<String>")]
    pub(super) endpoint_url: Option<S>,
    /// The AWS profile to use.
    #[schemars(with = "Option<String>")]
    pub(super) profile: Option<S>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBackend {
    /// The backend posts to `@connections` (so an HTTP integration must pass it
    /// `context.connectionId`); default: true when `e2e.post` runs.
    pub(super) calls_back: Option<bool>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSandbox {
    /// Sandbox layout: `a`, `b`, `c` or `d`.
    #[schemars(with = "Option<String>")]
    pub(super) layout: Option<S>,
    /// The scenario to emulate (`wsconform sandbox --list`), e.g. `good`.
    #[schemars(with = "Option<String>")]
    pub(super) scenario: Option<S>,
    /// Latency added per round trip on every hop, in milliseconds.
    pub(super) latency_ms: Option<u64>,
    /// Faults to inject, by name (docs/faults.md), e.g. `["dns-servfail"]`.
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) faults: Option<Vec<S>>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChecks {
    /// Glob patterns of the checks to run; the command line's `--only` replaces it.
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) only: Option<Vec<S>>,
    /// Glob patterns of checks not to run.
    #[schemars(with = "Option<Vec<String>>")]
    pub(super) skip: Option<Vec<S>>,
    /// `true`: any warning makes the exit code 1 (as `--strict`).
    #[schemars(with = "Option<bool>")]
    pub(super) strict: Option<Spanned<toml::Value>>,
}

// Schema-only shapes of the values serde reads as a `toml::Value` and the
// loader checks by hand: never built, only described.

/// `[dns] nameservers`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum SchemaNameservers {
    Keyword(SchemaNameserversKeyword),
    /// IP addresses with an optional port; `[]` is the system resolver.
    List(Vec<String>),
}

#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub(super) enum SchemaNameserversKeyword {
    /// The system's resolver configuration.
    System,
    /// Ask the zone's own nameservers, found by walking NS records.
    Authoritative,
}

/// `[roundtrip] expect`.
#[derive(JsonSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub(super) enum SchemaExpect {
    /// The reply contains this text.
    Substring(String),
    /// The JSON value at `json_pointer` (a string, or any value's JSON text) contains `contains`.
    JsonPointer(SchemaExpectPointer),
}

#[derive(JsonSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub(super) struct SchemaExpectPointer {
    pub(super) json_pointer: String,
    pub(super) contains: String,
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
