//! From the raw file to a [`Suite`]: interpolation, validation, defaults.

use std::net::{IpAddr, SocketAddr};
use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use url::Url;

use super::error::{did_you_mean, line_col};
use super::interpolate::interpolate;
use super::raw::*;
use super::*;
use crate::secret::Redactor;

pub(super) struct Loader<'a> {
    pub(super) source: &'a str,
    pub(super) text: &'a str,
    pub(super) env: &'a dyn Fn(&str) -> Option<String>,
    pub(super) redactor: Redactor,
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

    pub(super) fn load(mut self, raw: RawSuite) -> Result<Suite, SuiteError> {
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

        let backend = BackendSpec { calls_back: raw.backend.as_ref().and_then(|b| b.calls_back) };

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
            backend,
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

pub(super) fn parse_nameserver(s: &str) -> Option<SocketAddr> {
    s.parse::<SocketAddr>().ok().or_else(|| s.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
}

pub(super) fn split_host_port(s: &str) -> Option<(&str, &str)> {
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
pub(super) fn is_hostname(s: &str, wildcard: bool) -> bool {
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
pub(super) fn is_host_or_ip(s: &str) -> bool {
    s.parse::<IpAddr>().is_ok() || is_hostname(s.trim_end_matches('.'), false)
}

/// The WHATWG URL parser (the `url` crate) reads `wss:///Prod` and `wss:Prod`
/// for special schemes as host `prod`: the text itself must have `scheme://`
/// and a host before the path.
pub(super) fn written_authority(text: &str) -> Result<(), &'static str> {
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
