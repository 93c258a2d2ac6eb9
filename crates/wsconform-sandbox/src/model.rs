//! The emulated deployment as data: one [`Deployment`] per layout ×
//! scenario. The control plane serves it in AWS's wire formats, and the DNS
//! server, edge and gateway *behave* according to it. Nothing here imports
//! the checks: the sandbox's routing is written independently of the rules
//! that judge it, so end-to-end results cross-check static verdicts.

use std::net::Ipv4Addr;
use std::sync::{Arc, RwLock};

/// Managed policy ids (CloudFront Developer Guide).
pub const POLICY_ALL_VIEWER: &str = "216adef6-5c7f-47e4-b989-5492eafa07d3";
pub const POLICY_ALL_VIEWER_EXCEPT_HOST: &str = "b689b0a8-53d0-40ab-baf2-68738e2966ac";
pub const CACHE_POLICY_CACHING_DISABLED: &str = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad";
/// A custom origin request policy the sandbox serves (scenario `ws-headers-dropped`).
pub const POLICY_CUSTOM_API_KEY_ONLY: &str = "0c5a0c5a-1111-4222-8333-944444444444";
/// Route 53's hosted zone id for every CloudFront alias target.
pub const CLOUDFRONT_HOSTED_ZONE_ID: &str = "Z2FDTNDATAQYW2";

pub const REGION: &str = "ap-northeast-1";
pub const ACCOUNT_ID: &str = "123456789012";
pub const PUBLIC_HOST: &str = "ws.example.com";
pub const ZONE_NAME: &str = "example.com";
pub const ZONE_ID: &str = "Z0SANDBOXEXAMPLE";
pub const API_ID: &str = "a1b2c3d4e5";
pub const STAGE: &str = "Prod";
pub const DISTRIBUTION_ID: &str = "E2SANDBOXWS01";
pub const DISTRIBUTION_DOMAIN: &str = "d111111abcdef8.cloudfront.net";
/// A stale distribution that DNS points at in `dns-wrong-target`.
pub const OLD_DISTRIBUTION_DOMAIN: &str = "d222222oldold9.cloudfront.net";
pub const REGIONAL_TARGET: &str = "d-abcde12345.execute-api.ap-northeast-1.amazonaws.com";
pub const REGIONAL_HOSTED_ZONE_ID: &str = "Z1YSHQZHG15GKL";
/// Layout d: the second custom domain CloudFront uses as its origin.
pub const ORIGIN_HOST: &str = "origin-ws.example.com";
pub const S3_ORIGIN: &str = "site-bucket.s3.ap-northeast-1.amazonaws.com";
pub const CERT_ARN_CLOUDFRONT: &str =
    "arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
pub const CERT_ARN_REGIONAL: &str =
    "arn:aws:acm:ap-northeast-1:123456789012:certificate/66666666-7777-8888-9999-000000000000";
/// The Lambda function behind the API's routes (it echoes), and the `$connect` authorizer's.
pub const BACKEND_FUNCTION: &str = "chat-backend";
pub const AUTHORIZER_FUNCTION: &str = "chat-authorizer";
pub const AUTHORIZER_ID: &str = "auth0001";
/// The integrations: the Lambda proxy every route targets, and (VPC-link scenarios) `$default`'s private HTTP one.
pub const LAMBDA_INTEGRATION_ID: &str = "int0001";
pub const HTTP_INTEGRATION_ID: &str = "int0002";
/// The REST API VPC link (API Gateway v1) a WebSocket private integration goes through.
pub const VPC_LINK_ID: &str = "vlk0sbx";
pub const DEPLOYMENT_ID: &str = "dep0001";
/// Another API of the account (`lambda-permission-other-api` grants it instead).
pub const OTHER_API_ID: &str = "f9e8d7c6b5";
/// The query parameter and value the authorizer scenarios' suites send (not a secret: the sandbox's).
pub const TOKEN_PARAMETER: &str = "token";
pub const SANDBOX_TOKEN: &str = "sandbox-token";
/// A custom origin request policy: every viewer header (Host too), no query string (`authorizer-query-not-forwarded`).
pub const POLICY_CUSTOM_NO_QUERY: &str = "0c5a0c5a-2222-4333-8444-955555555555";
/// Sandbox credentials: the control plane and `@connections` verify SigV4 against them.
pub const ACCESS_KEY_ID: &str = "AKIASANDBOXEXAMPLE01";
pub const SECRET_ACCESS_KEY: &str = "sandbox/secret/key/not+a+real+one0000000";

/// `{api}.execute-api.{region}.amazonaws.com`.
pub fn execute_api_host() -> String {
    format!("{API_ID}.execute-api.{REGION}.amazonaws.com")
}

/// `arn:aws:lambda:{region}:{account}:function:{name}`.
pub fn function_arn(name: &str) -> String {
    format!("arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{name}")
}

/// The IntegrationUri (or AuthorizerUri) API Gateway invokes a Lambda function by.
pub fn lambda_invocation_uri(name: &str) -> String {
    format!("arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{}/invocations", function_arn(name))
}

/// `arn:aws:execute-api:{region}:{account}:{api}/{rest}`: the SourceArn API Gateway invokes with.
pub fn execute_api_arn(api: &str, rest: &str) -> String {
    format!("arn:aws:execute-api:{REGION}:{ACCOUNT_ID}:{api}/{rest}")
}

/// The address each emulated host has in the sandbox's DNS. They are
/// loopback addresses that are never dialed: the sandbox's `connect_to`
/// entries map `address:443` to the server's real `127.0.0.1:port`, so the
/// DNS answer still decides which server a connection reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Server {
    /// The CloudFront edge serving the distribution.
    Edge,
    /// A stale CloudFront distribution (answers 403 AccessDenied for everything).
    OldEdge,
    /// API Gateway: execute-api hosts and regional custom-domain targets.
    Gateway,
}

impl Server {
    pub fn dns_address(self) -> Ipv4Addr {
        match self {
            Server::Edge => Ipv4Addr::new(127, 0, 1, 1),
            Server::OldEdge => Ipv4Addr::new(127, 0, 1, 2),
            Server::Gateway => Ipv4Addr::new(127, 0, 2, 1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layout {
    /// CloudFront → execute-api host, viewer Host not forwarded, PathPattern `Prod*`.
    A,
    /// The seed's literal layout, the one users deploy: CloudFront alias
    /// `ws.example.com`, behavior `websocket*` → origin = the API's own
    /// `{api}.execute-api.{region}.amazonaws.com`, AllViewer (viewer Host
    /// forwarded, hence also SNI), and an API GW custom domain of the same name
    /// `ws.example.com` with mapping key `websocket` → `Prod`; execute-api
    /// disabled. API Gateway routes by the Host it receives, not by the
    /// origin's DNS name, so the request lands on the custom domain.
    B,
    /// Layout b with the custom domain's regional target `d-….execute-api…`
    /// as the origin's domain (`b-regional`); everything else as in b.
    BRegional,
    /// No CloudFront: DNS aliases the custom domain's regional target, mapping key `chat`.
    C,
    /// CloudFront → a second custom domain (`origin-ws.example.com`) as origin,
    /// Host not forwarded, mapping key `ws`.
    D,
}

impl Layout {
    pub const ALL: [Layout; 5] = [Layout::A, Layout::B, Layout::BRegional, Layout::C, Layout::D];
    /// The layouts with a CloudFront distribution: all but c.
    pub const WITH_DISTRIBUTION: &[Layout] = &[Layout::A, Layout::B, Layout::BRegional, Layout::D];
    /// The layouts with an API Gateway custom domain and mapping (and so the
    /// execute-api endpoint disabled): all but a.
    pub const WITH_CUSTOM_DOMAIN: &[Layout] = &[Layout::B, Layout::BRegional, Layout::C, Layout::D];
    /// The layouts whose CloudFront behavior forwards the viewer Host (AllViewer): the two b's.
    pub const WITH_HOST_FORWARDED: &[Layout] = &[Layout::B, Layout::BRegional];
    /// The layouts whose CloudFront behavior does not forward the viewer Host
    /// (AllViewerExceptHostHeader): a and d.
    pub const WITH_HOST_NOT_FORWARDED: &[Layout] = &[Layout::A, Layout::D];
    /// The layouts where API Gateway receives the public host as Host (the
    /// viewer Host forwarded, or no CloudFront): where an upgrade signed for
    /// the public host verifies — the two b's and c.
    pub const WITH_PUBLIC_HOST_AT_GATEWAY: &[Layout] = &[Layout::B, Layout::BRegional, Layout::C];

    pub fn parse(s: &str) -> Option<Layout> {
        match s.to_ascii_lowercase().as_str() {
            "a" => Some(Layout::A),
            "b" => Some(Layout::B),
            "b-regional" => Some(Layout::BRegional),
            "c" => Some(Layout::C),
            "d" => Some(Layout::D),
            _ => None,
        }
    }

    /// Every layout's name, for messages: `a, b, b-regional, c or d`.
    pub fn names() -> String {
        let names: Vec<&str> = Layout::ALL.iter().map(|l| l.name()).collect();
        match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => names.join(""),
        }
    }

    /// The two readings of layout b: the same deployment but for the origin's domain.
    pub fn is_b(self) -> bool {
        matches!(self, Layout::B | Layout::BRegional)
    }

    pub fn name(self) -> &'static str {
        match self {
            Layout::A => "a",
            Layout::B => "b",
            Layout::BRegional => "b-regional",
            Layout::C => "c",
            Layout::D => "d",
        }
    }

    /// The path clients connect to.
    pub fn public_path(self) -> &'static str {
        match self {
            Layout::A => "/Prod",
            Layout::B | Layout::BRegional => "/websocket",
            Layout::C => "/chat",
            Layout::D => "/ws",
        }
    }

    /// The API Gateway custom domain's name: the public host, or (layout d)
    /// the origin CloudFront connects to.
    pub fn custom_domain(self) -> Option<&'static str> {
        match self {
            Layout::A => None,
            Layout::B | Layout::BRegional | Layout::C => Some(PUBLIC_HOST),
            Layout::D => Some(ORIGIN_HOST),
        }
    }

    pub fn mapping_key(self) -> Option<&'static str> {
        match self {
            Layout::A => None,
            Layout::B | Layout::BRegional => Some("websocket"),
            Layout::C => Some("chat"),
            Layout::D => Some("ws"),
        }
    }
}

/// One misconfiguration knob (or `good`), its name written once: where it
/// runs, what it changes in the good deployment, and what the checks must say.
/// `layout` is where the scenario runs by default; `fails` lists exactly the
/// checks that must fail under it (the checks that depend on a failed one are
/// skipped, not failed).
#[derive(Clone, Copy)]
pub struct Scenario {
    pub name: &'static str,
    pub layout: Layout,
    /// Every layout the knob exists on, `layout` among them: the ones with
    /// the part it changes, and where it changes something.
    pub layouts: &'static [Layout],
    pub description: &'static str,
    pub fails: &'static [&'static str],
    /// Checks that pass with a warning (works today, worth fixing).
    pub warns: &'static [&'static str],
    /// The sandbox's own suite signs the upgrade (`[roundtrip] auth = "iam"`).
    pub signs_upgrades: bool,
    /// What the sandbox's own suite sends on the upgrade (`[roundtrip] headers`/`query`).
    pub sends: Sends,
    /// The knob: what it changes in the layout's good deployment.
    apply: fn(&mut Deployment),
}

impl Scenario {
    /// What an entry of [`SCENARIOS`] does not say: every layout, no
    /// warnings, an unsigned upgrade, no change.
    const DEFAULTS: Scenario = Scenario {
        name: "",
        layout: Layout::B,
        layouts: &Layout::ALL,
        description: "",
        fails: &[],
        warns: &[],
        signs_upgrades: false,
        sends: Sends { headers: &[], query: &[], subprotocols: &[] },
        apply: |_| {},
    };
}

/// Upgrade headers and query parameters a scenario's suite sends (names and values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sends {
    pub headers: &'static [(&'static str, &'static str)],
    pub query: &'static [(&'static str, &'static str)],
    /// `Sec-WebSocket-Protocol`: the subprotocols the clients offer.
    pub subprotocols: &'static [&'static str],
}

/// The authorizer scenarios' query token.
const SENDS_TOKEN: Sends = Sends { headers: &[], query: &[(TOKEN_PARAMETER, SANDBOX_TOKEN)], subprotocols: &[] };

/// The subprotocol scenarios' clients offer `chat`.
const SENDS_CHAT: Sends = Sends { headers: &[], query: &[], subprotocols: &["chat"] };

// By name: a scenario's name is its identity (the knob is code, not data).
impl PartialEq for Scenario {
    fn eq(&self, other: &Scenario) -> bool {
        self.name == other.name
    }
}

impl Eq for Scenario {}

impl std::fmt::Debug for Scenario {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scenario")
            .field("name", &self.name)
            .field("layout", &self.layout)
            .field("layouts", &self.layouts)
            .field("description", &self.description)
            .field("fails", &self.fails)
            .field("warns", &self.warns)
            .field("signs_upgrades", &self.signs_upgrades)
            .field("sends", &self.sends)
            .finish_non_exhaustive()
    }
}

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "good",
        layout: Layout::B,
        description: "everything as it should be",
        fails: &[],
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "pattern-case",
        layout: Layout::A,
        description: "behavior PathPattern `prod*` for stage `Prod`: CloudFront falls through to the default (S3) behavior",
        fails: &["cloudfront.path-pattern", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.api_behavior().path_pattern = Some("prod*".into()),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "pattern-shadowed",
        layout: Layout::A,
        description: "an earlier behavior `P*` to the S3 origin wins over `Prod*`",
        fails: &["cloudfront.path-pattern", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| {
            let d = d.distribution.as_mut().expect("distribution");
            let mut shadow = d.default_cache_behavior.clone();
            shadow.path_pattern = Some("P*".into());
            d.cache_behaviors.insert(0, shadow);
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "origin-path-doubled",
        layout: Layout::A,
        description: "OriginPath `/Prod` plus PathPattern `Prod*`: API Gateway sees `/Prod/Prod` and answers 403",
        fails: &["cloudfront.path-pattern", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.api_origin().origin_path = format!("/{STAGE}"),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "host-forwarded",
        layout: Layout::A,
        description: "AllViewer origin request policy forwards the viewer Host to the execute-api origin: 403",
        fails: &["cloudfront.forwarding", "e2e.connect"],
        layouts: Layout::WITH_HOST_NOT_FORWARDED,
        apply: |d| d.api_behavior().origin_request_policy_id = Some(POLICY_ALL_VIEWER.into()),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "host-not-forwarded",
        layout: Layout::B,
        description: "AllViewerExceptHostHeader on layout b: API Gateway sees the origin's own name as Host (the disabled execute-api host; in b-regional the regional target, which is no domain): 403",
        fails: &["cloudfront.forwarding", "e2e.connect"],
        layouts: Layout::WITH_HOST_FORWARDED,
        apply: |d| d.api_behavior().origin_request_policy_id = Some(POLICY_ALL_VIEWER_EXCEPT_HOST.into()),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "ws-headers-dropped",
        layout: Layout::A,
        description: "a custom origin request policy forwards only X-Api-Key: Sec-WebSocket-Key/Version never reach API Gateway",
        fails: &["cloudfront.forwarding", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.api_behavior().origin_request_policy_id = Some(POLICY_CUSTOM_API_KEY_ONLY.into()),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "execute-api-enabled",
        layout: Layout::B,
        description: "DisableExecuteApiEndpoint is false: the execute-api door is open although the suite says disabled",
        fails: &["apigw.execute-api-disabled"],
        layouts: Layout::WITH_CUSTOM_DOMAIN,
        apply: |d| {
            d.api.disable_execute_api_endpoint = false;
            d.api.execute_api_open = true;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "execute-api-not-redeployed",
        layout: Layout::B,
        description: "DisableExecuteApiEndpoint is true but the stage was not redeployed: the door still answers 101",
        fails: &["apigw.execute-api-disabled"],
        apply: |d| {
            d.api.disable_execute_api_endpoint = true;
            d.api.execute_api_open = true;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "mapping-wrong-stage",
        layout: Layout::C,
        description: "the API mapping points at stage `Dev` instead of `Prod`",
        fails: &["apigw.mapping"],
        layouts: Layout::WITH_CUSTOM_DOMAIN,
        apply: |d| d.mappings[0].stage = "Dev".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "mapping-key-mismatch",
        layout: Layout::C,
        description: "the API mapping key is `chat-v2` while clients connect to `/chat`: 403",
        fails: &["apigw.mapping", "e2e.connect"],
        layouts: Layout::WITH_CUSTOM_DOMAIN,
        apply: |d| d.mappings[0].api_mapping_key = "chat-v2".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "dns-wrong-target",
        layout: Layout::B,
        description: "the public name still aliases an old distribution that answers 403 AccessDenied",
        fails: &["dns.alias-target", "route53.alias", "e2e.connect"],
        apply: |d| d.alias_records_to(OLD_DISTRIBUTION_DOMAIN),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "dns-old-distribution-shared-addresses",
        layout: Layout::B,
        description: "the public name still aliases an old distribution, whose name answers the same edge \
                      addresses as the current one (CloudFront's addresses are shared): everything works \
                      until the old distribution is deleted",
        fails: &["dns.alias-target", "route53.alias"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| {
            // The same edge answers for both names; it routes by the SNI and Host (the public
            // host is an alias of the current distribution), so the live roundtrip works.
            for (name, server) in &mut d.dns {
                if name == OLD_DISTRIBUTION_DOMAIN {
                    *server = Server::Edge;
                }
            }
            d.alias_records_to(OLD_DISTRIBUTION_DOMAIN);
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "r53-weighted-old-target-weight-0",
        layout: Layout::B,
        description: "the public name is a weighted record set: the old distribution's records (SetIdentifier `old`, \
                      listed first) have Weight 0, the current one's Weight 100: every client reaches the current \
                      distribution; the stale record is a warning",
        fails: &[],
        warns: &["route53.alias"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.weighted_public_records(0, 100),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "r53-weighted-old-target-serving",
        layout: Layout::B,
        description: "the weights the other way round: the old distribution's records (listed first) have Weight \
                      100, the current one's Weight 0: every client reaches the old distribution, which answers 403",
        fails: &["dns.alias-target", "route53.alias", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.weighted_public_records(100, 0),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "alias-missing",
        layout: Layout::B,
        description: "the distribution's Aliases lack the public host: CloudFront answers 403 for it",
        fails: &["cloudfront.distribution", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.distribution.as_mut().expect("distribution").aliases.clear(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "cert-expired",
        layout: Layout::B,
        description: "the certificate served for the public host expired yesterday",
        fails: &["tls.certificate", "acm.certificate", "e2e.connect"],
        apply: |d| {
            d.public_cert = CertKnob::Expired;
            let c = d.public_certificate();
            c.status = "EXPIRED".into();
            c.not_after_in_secs = -24 * 3600;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "cert-expiring-soon",
        layout: Layout::B,
        description: "the certificate served for the public host expires in 9 days (suite asks for 14)",
        fails: &["tls.certificate", "acm.certificate"],
        apply: |d| {
            d.public_cert = CertKnob::ExpiresInDays(9);
            d.public_certificate().not_after_in_secs = 9 * 24 * 3600;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "cert-wrong-san",
        layout: Layout::B,
        description: "the certificate served for the public host covers only `other.example.com`",
        fails: &["tls.certificate", "acm.certificate", "e2e.connect"],
        apply: |d| {
            d.public_cert = CertKnob::WrongSan("other.example.com");
            let c = d.public_certificate();
            c.domain_name = "other.example.com".into();
            c.subject_alternative_names = vec!["other.example.com".into()];
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "cert-untrusted",
        layout: Layout::B,
        description: "the edge serves a certificate from a CA nobody trusts",
        fails: &["tls.certificate", "e2e.connect"],
        apply: |d| d.public_cert = CertKnob::Untrusted,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "origin-http-only",
        layout: Layout::A,
        description: "origin protocol policy http-only: CloudFront dials API Gateway on port 80 and gets 502",
        fails: &["cloudfront.origin", "e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| {
            if let Some(c) = d.api_origin().custom.as_mut() {
                c.origin_protocol_policy = "http-only".into();
            }
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "no-default-route",
        layout: Layout::B,
        description: "the API has no `$default` route: messages get `Forbidden` back instead of an echo",
        fails: &["apigw.routes", "e2e.echo"],
        apply: |d| d.api.routes.retain(|r| r.route_key != "$default"),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "stage-missing",
        layout: Layout::A,
        description: "the API has no stage `Prod`: the execute-api host answers 403",
        fails: &["apigw.stage", "e2e.connect", "apigw.execute-api-disabled"],
        apply: |d| d.api.stages.retain(|s| s.stage_name != STAGE),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "stage-not-deployed",
        layout: Layout::A,
        description: "stage `Prod` has no deployment: the execute-api host answers 403",
        fails: &["apigw.stage", "e2e.connect", "apigw.execute-api-disabled"],
        apply: |d| d.prod_stage().deployment_id = None,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "throttling-zero",
        layout: Layout::B,
        description: "stage throttling burst and rate limits are 0: every connect gets 429",
        fails: &["apigw.stage", "e2e.connect"],
        apply: |d| {
            let s = d.prod_stage();
            s.throttling_burst_limit = 0;
            s.throttling_rate_limit = 0.0;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "distribution-in-progress",
        layout: Layout::B,
        description: "the distribution's Status is InProgress (retryable with --wait)",
        fails: &["cloudfront.distribution"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.distribution.as_mut().expect("distribution").status = "InProgress".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "viewer-tls-old",
        layout: Layout::B,
        description: "the viewer certificate's MinimumProtocolVersion is TLSv1 (clients still connect: a warning)",
        fails: &[],
        warns: &["cloudfront.distribution"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.distribution.as_mut().expect("distribution").minimum_protocol_version = "TLSv1".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "continuous-deployment",
        layout: Layout::B,
        description: "the distribution has a ContinuousDeploymentPolicyId: a share of the requests goes to a staging distribution (clients still connect: a warning)",
        fails: &[],
        warns: &["cloudfront.distribution"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| {
            d.distribution.as_mut().expect("distribution").continuous_deployment_policy_id =
                Some("f6a0b2c4-1234-4abc-9def-0123456789ab".into())
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "echo-silent",
        layout: Layout::B,
        description: "the `$default` backend never answers",
        fails: &["e2e.echo"],
        apply: |d| d.backend.echo_silent = true,
        ..Scenario::DEFAULTS
    },
    // Source: API Gateway Developer Guide, "Set up a $connect route that requires a WebSocket
    // subprotocol" (https://docs.aws.amazon.com/apigateway/latest/developerguide/websocket-connect-route-subprotocol.html):
    // the `$connect` integration returns `Sec-WebSocket-Protocol` to the client; API Gateway does not
    // choose one itself.
    Scenario {
        name: "subprotocol-returned",
        layout: Layout::B,
        description: "clients offer the subprotocol `chat`, which the `$connect` integration supports and returns: everything passes",
        sends: SENDS_CHAT,
        apply: |d| d.backend.connect_subprotocol = ConnectSubprotocol::Supports(&["chat"]),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "subprotocol-not-returned",
        layout: Layout::B,
        description: "clients offer the subprotocol `chat` and the `$connect` integration's response has no `Sec-WebSocket-Protocol`: the 101 carries none, and browsers drop the connection",
        fails: &["e2e.connect"],
        sends: SENDS_CHAT,
        apply: |d| d.backend.connect_subprotocol = ConnectSubprotocol::Never,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "post-gone",
        layout: Layout::B,
        description: "`@connections` POST answers 410 GoneException for a live connection",
        fails: &["e2e.post"],
        apply: |d| d.backend.post_gone = true,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "integration-error",
        layout: Layout::B,
        description: "the `$default` integration fails: messages get `{\"message\": \"Internal server error\", …}` back",
        fails: &["e2e.echo"],
        apply: |d| d.backend.integration_error = true,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "mgmt-throttled",
        layout: Layout::B,
        description: "`@connections` answers 429 LimitExceededException to every request",
        fails: &["e2e.post", "e2e.connection-info", "e2e.disconnect"],
        apply: |d| d.backend.mgmt_throttled = true,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "delete-response-lost",
        layout: Layout::B,
        description: "DeleteConnection deletes, then the HTTP connection drops without an answer: a retry gets 410 Gone",
        fails: &[],
        apply: |d| d.backend.delete_response_lost = true,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "iam-good",
        layout: Layout::C,
        description: "`$connect` is AWS_IAM and the suite signs the upgrade (`[roundtrip] auth = \"iam\"`): everything passes",
        fails: &[],
        // Not a or d: CloudFront does not forward the viewer Host there (`iam-host-not-forwarded`).
        layouts: Layout::WITH_PUBLIC_HOST_AT_GATEWAY,
        signs_upgrades: true,
        apply: |d| d.connect_route().authorization_type = "AWS_IAM".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "iam-unsigned",
        layout: Layout::C,
        description: "`$connect` is AWS_IAM but the suite sends the upgrade unsigned (`auth = \"none\"`): 403",
        fails: &["e2e.connect"],
        apply: |d| d.connect_route().authorization_type = "AWS_IAM".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "iam-wrong-region",
        layout: Layout::C,
        description: "`$connect` is AWS_IAM and the upgrade's signature is scoped to another region than the one API Gateway verifies for (us-west-2 here): 403",
        fails: &["e2e.connect"],
        signs_upgrades: true,
        apply: |d| {
            d.connect_route().authorization_type = "AWS_IAM".into();
            d.backend.iam_verify_region = Some("us-west-2");
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "iam-clock-skew",
        layout: Layout::C,
        description: "`$connect` is AWS_IAM and API Gateway's clock is 10 minutes ahead of the client's: the signature is older than 5 minutes, 403",
        fails: &["e2e.connect"],
        signs_upgrades: true,
        apply: |d| {
            d.connect_route().authorization_type = "AWS_IAM".into();
            d.backend.iam_clock_ahead_secs = 600;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "iam-host-not-forwarded",
        layout: Layout::A,
        description: "`$connect` is AWS_IAM behind a CloudFront behavior that does not forward the viewer Host: the signature covers a Host API Gateway never sees, 403",
        fails: &["e2e.connect"],
        layouts: Layout::WITH_HOST_NOT_FORWARDED,
        signs_upgrades: true,
        apply: |d| d.connect_route().authorization_type = "AWS_IAM".into(),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "connect-integration-502",
        layout: Layout::C,
        description: "the `$connect` integration fails: API Gateway answers the upgrade 502 `{\"message\": \"Internal server error\"}`",
        fails: &["e2e.connect"],
        apply: |d| d.backend.connect_integration_502 = true,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "cloudfront-own-403",
        layout: Layout::B,
        description: "CloudFront itself answers the upgrade 403 with its own error page (a WAF web ACL blocks; the distribution's config is unchanged)",
        fails: &["e2e.connect"],
        layouts: Layout::WITH_DISTRIBUTION,
        apply: |d| d.backend.edge_blocks = true,
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "lambda-permission-wrong-route",
        layout: Layout::B,
        description: "the backend function's resource policy lets API Gateway invoke it only from `…/*/$connect` and `…/*/sendmessage`: the echo goes to `$default`, which gets `{\"message\": \"Internal server error\", …}`",
        fails: &["apigw.integrations", "e2e.echo"],
        apply: |d| d.backend_grants(API_ID, &["$connect", "sendmessage"]),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "lambda-permission-other-api",
        layout: Layout::C,
        description: "the backend function's permissions name another API's id in their SourceArn: `$connect` answers 500",
        fails: &["apigw.integrations", "e2e.connect"],
        apply: |d| d.backend_grants(OTHER_API_ID, &["$connect", "$default", "$disconnect"]),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "lambda-permission-wildcard",
        layout: Layout::B,
        description: "one permission for every stage and route of the API (SourceArn `…/{api}/*`): everything passes",
        fails: &[],
        apply: |d| d.set_backend_policy(&[("apigateway-all-routes", execute_api_arn(API_ID, "*"))]),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "authorizer-header-not-sent",
        layout: Layout::C,
        description: "`$connect` has a REQUEST authorizer reading `route.request.header.Authorization`, and the suite sends no such header: 401 without invoking the authorizer",
        fails: &["apigw.authorizer", "e2e.connect"],
        apply: |d| d.add_authorizer("route.request.header.Authorization", true),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "authorizer-query-forwarded",
        layout: Layout::B,
        description: "`$connect` has a REQUEST authorizer reading `route.request.querystring.token`, the suite sends `token` and CloudFront forwards query strings: everything passes",
        fails: &[],
        layouts: Layout::WITH_DISTRIBUTION,
        sends: SENDS_TOKEN,
        apply: |d| d.add_authorizer("route.request.querystring.token", true),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "authorizer-query-not-forwarded",
        layout: Layout::B,
        description: "as `authorizer-query-forwarded`, but the behavior's custom origin request policy forwards every viewer header and no query string: API Gateway never sees `token` and answers 401",
        fails: &["cloudfront.forwarding", "e2e.connect"],
        layouts: Layout::WITH_HOST_FORWARDED,
        sends: SENDS_TOKEN,
        apply: |d| {
            d.add_authorizer("route.request.querystring.token", true);
            d.api_behavior().origin_request_policy_id = Some(POLICY_CUSTOM_NO_QUERY.into());
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "authorizer-permission-missing",
        layout: Layout::C,
        description: "the `$connect` authorizer's function lets API Gateway invoke it only as a route (`…/*/$connect`), not as authorizer (`…/authorizers/{id}`): 500",
        fails: &["apigw.authorizer", "e2e.connect"],
        sends: SENDS_TOKEN,
        apply: |d| d.add_authorizer("route.request.querystring.token", false),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "stale-deployment",
        layout: Layout::B,
        description: "routes `$default` and `echo` were added after the stage's deployment, which has only `$connect` and `$disconnect`: the suite's message (action `echo`) gets `{\"message\": \"Forbidden\", …}`",
        fails: &["e2e.echo"],
        apply: |d| {
            let echo = Route {
                route_id: "r0echo".into(),
                route_key: "echo".into(),
                route_response_selection_expression: Some("$default".into()),
                ..d.api.routes.iter().find(|r| r.route_key == "$default").expect("$default").clone()
            };
            d.api.routes.push(echo);
            d.backend_grants(API_ID, &["$connect", "$default", "$disconnect", "echo"]);
            let old: Vec<Route> = d
                .api
                .routes
                .iter()
                .filter(|r| matches!(r.route_key.as_str(), "$connect" | "$disconnect"))
                .cloned()
                .collect();
            let dep = d.api.deployments.iter_mut().find(|x| x.deployment_id == DEPLOYMENT_ID).expect("deployment");
            dep.routes = old;
            dep.predates_changes = true;
        },
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "vpc-link-good",
        layout: Layout::C,
        description: "`$default` is an HTTP_PROXY integration over an AVAILABLE VPC link, mapping `context.connectionId` into the ConnectionId header: the backend posts its echo to @connections",
        fails: &[],
        apply: |d| d.private_default_integration(true),
        ..Scenario::DEFAULTS
    },
    Scenario {
        name: "vpc-link-no-connection-id",
        layout: Layout::C,
        description: "as `vpc-link-good` without the ConnectionId mapping: the backend never learns the connection id, so its echo never reaches the client",
        fails: &["apigw.integrations", "e2e.echo"],
        apply: |d| d.private_default_integration(false),
        ..Scenario::DEFAULTS
    },
];

impl Scenario {
    /// Whether the knob exists on `layout`.
    pub fn supports(&self, layout: Layout) -> bool {
        self.layouts.contains(&layout)
    }

    /// Whether the sandbox's own suite signs the upgrade (`[roundtrip] auth =
    /// "iam"`) under this scenario: the IAM scenarios but `iam-unsigned`.
    pub fn signs_upgrades(&self) -> bool {
        self.signs_upgrades
    }
}

pub fn scenario(name: &str) -> Option<&'static Scenario> {
    SCENARIOS.iter().find(|s| s.name == name)
}

// ---------------------------------------------------------------------------
// The deployment, in the shapes AWS's APIs describe.

/// The deployment as it is now. Every server reads it afresh for each request, and the control
/// plane's write calls (a fix applied with the aws CLI) replace it, as AWS applies an update: the
/// next request, on the control plane or the data plane, sees the change.
#[derive(Debug, Clone)]
pub struct Live(Arc<RwLock<Arc<Deployment>>>);

impl Live {
    pub fn new(d: Deployment) -> Self {
        Live(Arc::new(RwLock::new(Arc::new(d))))
    }

    /// A snapshot: what one request sees, whatever is written meanwhile.
    pub fn current(&self) -> Arc<Deployment> {
        self.0.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes the deployment (copy on write: snapshots in use keep what they saw).
    pub fn update<T>(&self, f: impl FnOnce(&mut Deployment) -> T) -> T {
        let mut guard = self.0.write().unwrap_or_else(|e| e.into_inner());
        f(Arc::make_mut(&mut guard))
    }
}

#[derive(Debug, Clone)]
pub struct Deployment {
    pub layout: Layout,
    pub scenario: &'static Scenario,
    pub region: String,
    pub public_host: String,
    pub public_path: String,
    pub api: Api,
    pub distribution: Option<Distribution>,
    pub domains: Vec<DomainName>,
    pub mappings: Vec<ApiMapping>,
    pub zone: HostedZone,
    pub certificates: Vec<Certificate>,
    /// The names outside the hosted zone (the targets aliases point at):
    /// name → the server it points at. Names with alias records in `zone`
    /// resolve through them ([`Deployment::resolve`]).
    pub dns: Vec<(String, Server)>,
    /// The certificate the edge (or the gateway, in layout c) serves for the public host.
    pub public_cert: CertKnob,
    pub backend: Backend,
    /// Lambda functions of the account, with their resource-based policies.
    pub functions: Vec<LambdaFunction>,
    /// REST API VPC links (API Gateway v1) of the region.
    pub vpc_links: Vec<VpcLink>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertKnob {
    Good,
    Expired,
    /// Valid for this many more days.
    ExpiresInDays(i64),
    /// SAN covers only this name.
    WrongSan(&'static str),
    /// Signed by a CA that is not the sandbox CA.
    Untrusted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backend {
    /// `$default` never replies.
    pub echo_silent: bool,
    /// `@connections` POST answers 410 for live connections.
    pub post_gone: bool,
    /// `$default`'s integration fails: API Gateway answers `Internal server error` on the socket.
    pub integration_error: bool,
    /// `@connections` answers 429 LimitExceededException to every request.
    pub mgmt_throttled: bool,
    /// DeleteConnection deletes, then drops the HTTP connection without answering.
    pub delete_response_lost: bool,
    /// An AWS_IAM `$connect` accepts only signatures scoped to this region (not the API's own).
    pub iam_verify_region: Option<&'static str>,
    /// API Gateway's clock runs this far ahead of the client's (IAM signatures look old).
    pub iam_clock_ahead_secs: u64,
    /// `$connect`'s integration fails: API Gateway answers the upgrade 502
    /// `{"message": "Internal server error"}` (with its request-id headers).
    pub connect_integration_502: bool,
    /// The edge refuses every viewer request with its own 403 page (an AWS WAF
    /// web ACL that blocks, say): nothing GetDistribution shows changes.
    pub edge_blocks: bool,
    /// What `$connect`'s integration returns as `Sec-WebSocket-Protocol`; API Gateway sends the 101
    /// with exactly that.
    pub connect_subprotocol: ConnectSubprotocol,
}

/// The `$connect` integration's answer to the subprotocols a client offers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ConnectSubprotocol {
    /// The first one offered (a permissive backend; what emulators do themselves).
    #[default]
    FirstOffered,
    /// The first offered one it supports, as AWS's sample function does.
    Supports(&'static [&'static str]),
    /// None: the integration's response has no `Sec-WebSocket-Protocol`.
    Never,
}

impl ConnectSubprotocol {
    /// The value for the 101, from the client's `Sec-WebSocket-Protocol` offer.
    pub fn answer(self, offered: &str) -> Option<String> {
        let mut offered = offered.split(',').map(str::trim).filter(|p| !p.is_empty());
        match self {
            ConnectSubprotocol::FirstOffered => offered.next().map(str::to_owned),
            ConnectSubprotocol::Supports(supported) => offered.find(|p| supported.contains(p)).map(str::to_owned),
            ConnectSubprotocol::Never => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Api {
    pub id: String,
    pub name: String,
    /// `WEBSOCKET`.
    pub protocol_type: String,
    pub route_selection_expression: String,
    /// The flag as configured (GetApi `DisableExecuteApiEndpoint`).
    pub disable_execute_api_endpoint: bool,
    /// What the live execute-api host does: the flag as of the last deployment.
    pub execute_api_open: bool,
    /// The API as configured now (GetRoutes); stages serve their deployment's snapshot.
    pub routes: Vec<Route>,
    pub stages: Vec<Stage>,
    pub integrations: Vec<Integration>,
    pub authorizers: Vec<Authorizer>,
    pub deployments: Vec<ApiDeployment>,
}

/// A deployment: the snapshot of the routes a stage pointing at it serves.
#[derive(Debug, Clone)]
pub struct ApiDeployment {
    pub deployment_id: String,
    pub description: String,
    pub routes: Vec<Route>,
    /// The snapshot was taken before the scenario's changes (no redeploy since):
    /// otherwise [`Deployment::new`] takes it from the routes as configured.
    pub predates_changes: bool,
}

/// GetIntegration(s).
#[derive(Debug, Clone)]
pub struct Integration {
    pub integration_id: String,
    /// `AWS_PROXY`, `HTTP_PROXY`, …
    pub integration_type: String,
    /// A Lambda invocation URI, or the backend's URL.
    pub integration_uri: String,
    pub integration_method: String,
    /// `INTERNET` or `VPC_LINK`.
    pub connection_type: String,
    /// The VPC link's id (ConnectionType `VPC_LINK`).
    pub connection_id: Option<String>,
    /// RequestParameters: destination → source, e.g.
    /// `integration.request.header.ConnectionId` → `context.connectionId`.
    pub request_parameters: Vec<(String, String)>,
    pub timeout_in_millis: i32,
    pub credentials_arn: Option<String>,
}

/// GetAuthorizer(s): a Lambda REQUEST authorizer.
#[derive(Debug, Clone)]
pub struct Authorizer {
    pub authorizer_id: String,
    pub name: String,
    /// `REQUEST`.
    pub authorizer_type: String,
    pub authorizer_uri: String,
    /// `route.request.header.{name}` / `route.request.querystring.{name}`.
    pub identity_source: Vec<String>,
    pub credentials_arn: Option<String>,
}

/// Lambda GetFunctionConfiguration / GetPolicy.
#[derive(Debug, Clone)]
pub struct LambdaFunction {
    pub name: String,
    pub role: String,
    pub runtime: String,
    pub handler: String,
    /// The resource-based policy document; `None`: the function has none.
    pub policy: Option<serde_json::Value>,
}

impl LambdaFunction {
    pub fn arn(&self) -> String {
        function_arn(&self.name)
    }
}

/// API Gateway v1 GetVpcLink.
#[derive(Debug, Clone)]
pub struct VpcLink {
    pub id: String,
    pub name: String,
    /// `AVAILABLE`, `PENDING`, `DELETING`, `FAILED`.
    pub status: String,
    pub status_message: String,
    pub target_arns: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub route_id: String,
    pub route_key: String,
    /// `integrations/{id}`, or `None` for a route with no target.
    pub target: Option<String>,
    /// `NONE`, `AWS_IAM` or `CUSTOM` (GetRoutes' AuthorizationType).
    pub authorization_type: String,
    /// `CUSTOM` routes: the authorizer's id.
    pub authorizer_id: Option<String>,
    /// GetRoutes' RouteResponseSelectionExpression: `$default` on a route whose integration's
    /// answer is sent back to the client (two-way communication), as the echo backend's is.
    pub route_response_selection_expression: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Stage {
    pub stage_name: String,
    pub deployment_id: Option<String>,
    pub throttling_burst_limit: i32,
    pub throttling_rate_limit: f64,
}

#[derive(Debug, Clone)]
pub struct DomainName {
    pub domain_name: String,
    /// `ApiGatewayDomainName`: the regional target `d-….execute-api.{region}.amazonaws.com`.
    pub api_gateway_domain_name: String,
    pub hosted_zone_id: String,
    pub certificate_arn: String,
    /// `AVAILABLE`, `UPDATING`, …
    pub domain_name_status: String,
    /// `REGIONAL` or `EDGE`.
    pub endpoint_type: String,
    /// `TLS_1_2`.
    pub security_policy: String,
}

#[derive(Debug, Clone)]
pub struct ApiMapping {
    pub domain_name: String,
    pub api_mapping_id: String,
    /// `""` for the empty key.
    pub api_mapping_key: String,
    pub api_id: String,
    pub stage: String,
}

#[derive(Debug, Clone)]
pub struct Distribution {
    pub id: String,
    pub domain_name: String,
    /// `Deployed` or `InProgress`.
    pub status: String,
    pub enabled: bool,
    pub aliases: Vec<String>,
    pub acm_certificate_arn: String,
    /// e.g. `TLSv1.2_2021`.
    pub minimum_protocol_version: String,
    /// `ContinuousDeploymentPolicyId`: a share of the viewers' requests goes to a
    /// staging distribution (the sandbox's edge serves them all from this one).
    pub continuous_deployment_policy_id: Option<String>,
    pub origins: Vec<Origin>,
    /// Ordered: CloudFront picks the first whose PathPattern matches.
    pub cache_behaviors: Vec<CacheBehavior>,
    pub default_cache_behavior: CacheBehavior,
}

#[derive(Debug, Clone)]
pub struct Origin {
    pub id: String,
    pub domain_name: String,
    pub origin_path: String,
    /// `None`: an S3 origin. `Some`: a custom origin.
    pub custom: Option<CustomOriginConfig>,
}

#[derive(Debug, Clone)]
pub struct CustomOriginConfig {
    /// `https-only`, `http-only` or `match-viewer`.
    pub origin_protocol_policy: String,
    /// e.g. `["TLSv1.2"]`.
    pub origin_ssl_protocols: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct CacheBehavior {
    /// `None` for the default behavior.
    pub path_pattern: Option<String>,
    pub target_origin_id: String,
    pub viewer_protocol_policy: String,
    pub cache_policy_id: Option<String>,
    pub origin_request_policy_id: Option<String>,
    /// Legacy `ForwardedValues.Headers`, when no policy is attached.
    pub forwarded_headers: Option<Vec<String>>,
}

/// A custom origin request policy as GetOriginRequestPolicy returns it.
#[derive(Debug, Clone)]
pub struct OriginRequestPolicy {
    pub id: String,
    pub name: String,
    /// `none`, `whitelist`, `allViewer`, `allViewerAndWhitelistCloudFront`, `allExcept`.
    pub header_behavior: String,
    pub headers: Vec<String>,
    /// `none`, `whitelist`, `all`, `allExcept`.
    pub query_string_behavior: String,
}

#[derive(Debug, Clone)]
pub struct HostedZone {
    pub id: String,
    /// With the trailing dot, as Route 53 returns it.
    pub name: String,
    pub records: Vec<AliasRecord>,
}

#[derive(Debug, Clone)]
pub struct AliasRecord {
    /// With the trailing dot.
    pub name: String,
    /// `A` or `AAAA`.
    pub record_type: String,
    pub alias_dns_name: String,
    pub alias_hosted_zone_id: String,
    /// A weighted record (Route 53 API Reference, "ResourceRecordSet"):
    /// `SetIdentifier` and `Weight` (0–255); `None` for a simple record.
    pub weighted: Option<(String, u8)>,
}

#[derive(Debug, Clone)]
pub struct Certificate {
    pub arn: String,
    pub region: String,
    pub domain_name: String,
    pub subject_alternative_names: Vec<String>,
    /// `ISSUED`, `EXPIRED`, `PENDING_VALIDATION`, …
    pub status: String,
    /// Seconds from now (negative: in the past).
    pub not_after_in_secs: i64,
    pub in_use_by: Vec<String>,
}

impl Deployment {
    /// The deployment `layout` would have under `scenario`.
    pub fn new(layout: Layout, scenario: &'static Scenario) -> Deployment {
        let mut d = Deployment::good(layout);
        d.scenario = scenario;
        (scenario.apply)(&mut d);
        // Deployed after the scenario's changes, unless it says the deployment predates them.
        let routes = d.api.routes.clone();
        for dep in d.api.deployments.iter_mut().filter(|dep| !dep.predates_changes) {
            dep.routes = routes.clone();
        }
        d
    }

    /// The origin request policies the control plane serves that are not managed.
    pub fn custom_origin_request_policies() -> Vec<OriginRequestPolicy> {
        vec![
            OriginRequestPolicy {
                id: POLICY_CUSTOM_API_KEY_ONLY.into(),
                name: "api-key-only".into(),
                header_behavior: "whitelist".into(),
                headers: vec!["X-Api-Key".into()],
                query_string_behavior: "all".into(),
            },
            OriginRequestPolicy {
                id: POLICY_CUSTOM_NO_QUERY.into(),
                name: "all-headers-no-query".into(),
                header_behavior: "allViewer".into(),
                headers: Vec::new(),
                query_string_behavior: "none".into(),
            },
        ]
    }

    fn good(layout: Layout) -> Deployment {
        let region = REGION.to_string();
        let execute_api = execute_api_host();
        let integration = Some(format!("integrations/{LAMBDA_INTEGRATION_ID}"));
        let api = Api {
            id: API_ID.into(),
            name: "chat-sandbox".into(),
            protocol_type: "WEBSOCKET".into(),
            route_selection_expression: "$request.body.action".into(),
            disable_execute_api_endpoint: layout != Layout::A,
            execute_api_open: layout == Layout::A,
            routes: vec![
                Route {
                    route_id: "r0connect".into(),
                    route_key: "$connect".into(),
                    target: integration.clone(),
                    authorization_type: "NONE".into(),
                    authorizer_id: None,
                    route_response_selection_expression: None,
                },
                Route {
                    route_id: "r0default".into(),
                    route_key: "$default".into(),
                    target: integration.clone(),
                    authorization_type: "NONE".into(),
                    authorizer_id: None,
                    route_response_selection_expression: Some("$default".into()),
                },
                Route {
                    route_id: "r0disconn".into(),
                    route_key: "$disconnect".into(),
                    target: integration,
                    authorization_type: "NONE".into(),
                    authorizer_id: None,
                    route_response_selection_expression: None,
                },
            ],
            stages: vec![
                Stage {
                    stage_name: STAGE.into(),
                    deployment_id: Some(DEPLOYMENT_ID.into()),
                    throttling_burst_limit: 500,
                    throttling_rate_limit: 1000.0,
                },
                Stage {
                    stage_name: "Dev".into(),
                    deployment_id: Some(DEPLOYMENT_ID.into()),
                    throttling_burst_limit: 50,
                    throttling_rate_limit: 100.0,
                },
            ],
            integrations: vec![Integration {
                integration_id: LAMBDA_INTEGRATION_ID.into(),
                integration_type: "AWS_PROXY".into(),
                integration_uri: lambda_invocation_uri(BACKEND_FUNCTION),
                integration_method: "POST".into(),
                connection_type: "INTERNET".into(),
                connection_id: None,
                request_parameters: Vec::new(),
                timeout_in_millis: 29_000,
                credentials_arn: None,
            }],
            authorizers: Vec::new(),
            // The routes are copied in by `new`, after the scenario's changes.
            deployments: vec![ApiDeployment {
                deployment_id: DEPLOYMENT_ID.into(),
                description: "sandbox".into(),
                routes: Vec::new(),
                predates_changes: false,
            }],
        };

        let mut domains = Vec::new();
        let mut mappings = Vec::new();
        if let (Some(key), Some(domain)) = (layout.mapping_key(), layout.custom_domain()) {
            domains.push(DomainName {
                domain_name: domain.into(),
                api_gateway_domain_name: REGIONAL_TARGET.into(),
                hosted_zone_id: REGIONAL_HOSTED_ZONE_ID.into(),
                certificate_arn: CERT_ARN_REGIONAL.into(),
                domain_name_status: "AVAILABLE".into(),
                endpoint_type: "REGIONAL".into(),
                security_policy: "TLS_1_2".into(),
            });
            mappings.push(ApiMapping {
                domain_name: domain.into(),
                api_mapping_id: "map0001".into(),
                api_mapping_key: key.into(),
                api_id: API_ID.into(),
                stage: STAGE.into(),
            });
        }

        let s3 = Origin { id: "site".into(), domain_name: S3_ORIGIN.into(), origin_path: String::new(), custom: None };
        let https_only = || {
            Some(CustomOriginConfig {
                origin_protocol_policy: "https-only".into(),
                origin_ssl_protocols: vec!["TLSv1.2".into()],
            })
        };
        let behavior = |pattern: Option<&str>, origin: &str, policy: Option<&str>| CacheBehavior {
            path_pattern: pattern.map(Into::into),
            target_origin_id: origin.into(),
            viewer_protocol_policy: "https-only".into(),
            cache_policy_id: Some(CACHE_POLICY_CACHING_DISABLED.into()),
            origin_request_policy_id: policy.map(Into::into),
            forwarded_headers: None,
        };
        let distribution = match layout {
            Layout::A => Some((
                Origin {
                    id: "api".into(),
                    domain_name: execute_api.clone(),
                    origin_path: String::new(),
                    custom: https_only(),
                },
                behavior(Some("Prod*"), "api", Some(POLICY_ALL_VIEWER_EXCEPT_HOST)),
            )),
            Layout::B | Layout::BRegional => Some((
                Origin {
                    id: "api".into(),
                    // The seed's origin is the API's own execute-api host; the
                    // forwarded viewer Host, not this name, picks the API.
                    domain_name: if layout == Layout::B { execute_api.clone() } else { REGIONAL_TARGET.into() },
                    origin_path: String::new(),
                    custom: https_only(),
                },
                behavior(Some("websocket*"), "api", Some(POLICY_ALL_VIEWER)),
            )),
            Layout::C => None,
            Layout::D => Some((
                Origin {
                    id: "api".into(),
                    domain_name: ORIGIN_HOST.into(),
                    origin_path: String::new(),
                    custom: https_only(),
                },
                behavior(Some("ws*"), "api", Some(POLICY_ALL_VIEWER_EXCEPT_HOST)),
            )),
        }
        .map(|(api_origin, api_behavior)| Distribution {
            id: DISTRIBUTION_ID.into(),
            domain_name: DISTRIBUTION_DOMAIN.into(),
            status: "Deployed".into(),
            enabled: true,
            aliases: vec![PUBLIC_HOST.into()],
            acm_certificate_arn: CERT_ARN_CLOUDFRONT.into(),
            minimum_protocol_version: "TLSv1.2_2021".into(),
            continuous_deployment_policy_id: None,
            origins: vec![s3, api_origin],
            cache_behaviors: vec![api_behavior],
            default_cache_behavior: behavior(None, "site", None),
        });

        let (public_target, public_zone) = match layout {
            Layout::A | Layout::B | Layout::BRegional | Layout::D => (DISTRIBUTION_DOMAIN, CLOUDFRONT_HOSTED_ZONE_ID),
            Layout::C => (REGIONAL_TARGET, REGIONAL_HOSTED_ZONE_ID),
        };
        let zone = HostedZone {
            id: ZONE_ID.into(),
            name: format!("{ZONE_NAME}."),
            records: ["A", "AAAA"]
                .iter()
                .map(|t| AliasRecord {
                    name: format!("{PUBLIC_HOST}."),
                    record_type: (*t).into(),
                    alias_dns_name: format!("{public_target}."),
                    alias_hosted_zone_id: public_zone.into(),
                    weighted: None,
                })
                .chain((layout == Layout::D).then(|| AliasRecord {
                    name: format!("{ORIGIN_HOST}."),
                    record_type: "A".into(),
                    alias_dns_name: format!("{REGIONAL_TARGET}."),
                    alias_hosted_zone_id: REGIONAL_HOSTED_ZONE_ID.into(),
                    weighted: None,
                }))
                .collect(),
        };

        let year = 365 * 24 * 3600;
        let regional_name = layout.custom_domain().unwrap_or(PUBLIC_HOST);
        let mut certificates = vec![Certificate {
            arn: CERT_ARN_REGIONAL.into(),
            region: region.clone(),
            domain_name: regional_name.into(),
            subject_alternative_names: vec![regional_name.into()],
            status: "ISSUED".into(),
            not_after_in_secs: year,
            in_use_by: vec![],
        }];
        if layout != Layout::C {
            certificates.push(Certificate {
                arn: CERT_ARN_CLOUDFRONT.into(),
                region: "us-east-1".into(),
                domain_name: PUBLIC_HOST.into(),
                subject_alternative_names: vec![PUBLIC_HOST.into()],
                status: "ISSUED".into(),
                not_after_in_secs: year,
                in_use_by: vec![format!("arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{DISTRIBUTION_ID}")],
            });
        }

        Deployment {
            layout,
            scenario: &SCENARIOS[0],
            region,
            public_host: PUBLIC_HOST.into(),
            public_path: layout.public_path().into(),
            api,
            distribution,
            domains,
            mappings,
            zone,
            certificates,
            // The public host (and layout d's origin host) answer through their alias records in `zone`.
            dns: vec![
                (DISTRIBUTION_DOMAIN.into(), Server::Edge),
                (OLD_DISTRIBUTION_DOMAIN.into(), Server::OldEdge),
                (execute_api, Server::Gateway),
                (REGIONAL_TARGET.into(), Server::Gateway),
            ],
            public_cert: CertKnob::Good,
            backend: Backend::default(),
            // One permission per route, as the console's "add integration" grants them.
            functions: vec![backend_function(&[
                ("apigateway-connect", execute_api_arn(API_ID, "*/$connect")),
                ("apigateway-default", execute_api_arn(API_ID, "*/$default")),
                ("apigateway-disconnect", execute_api_arn(API_ID, "*/$disconnect")),
            ])],
            vpc_links: Vec::new(),
        }
    }

    /// Sets the backend function's policy to one statement per `(sid, SourceArn)`.
    fn set_backend_policy(&mut self, grants: &[(&str, String)]) {
        let f = self.functions.iter_mut().find(|f| f.name == BACKEND_FUNCTION).expect("backend function");
        *f = backend_function(grants);
    }

    /// The backend function's policy grants API `api` the route keys `keys`, every stage.
    fn backend_grants(&mut self, api: &str, keys: &[&str]) {
        let grants: Vec<(String, String)> = keys
            .iter()
            .map(|k| (format!("apigateway-{}", k.trim_start_matches('$')), execute_api_arn(api, &format!("*/{k}"))))
            .collect();
        let grants: Vec<(&str, String)> = grants.iter().map(|(s, a)| (s.as_str(), a.clone())).collect();
        self.set_backend_policy(&grants);
    }

    /// A Lambda REQUEST authorizer on `$connect` reading `identity_source`; its
    /// function may be invoked as the authorizer (`…/authorizers/{id}`) when
    /// `permitted`, else only as the `$connect` route (`…/*/$connect`).
    fn add_authorizer(&mut self, identity_source: &str, permitted: bool) {
        let route = self.connect_route();
        route.authorization_type = "CUSTOM".into();
        route.authorizer_id = Some(AUTHORIZER_ID.into());
        self.api.authorizers.push(Authorizer {
            authorizer_id: AUTHORIZER_ID.into(),
            name: "token-authorizer".into(),
            authorizer_type: "REQUEST".into(),
            authorizer_uri: lambda_invocation_uri(AUTHORIZER_FUNCTION),
            identity_source: vec![identity_source.into()],
            credentials_arn: None,
        });
        let arn = function_arn(AUTHORIZER_FUNCTION);
        let source = if permitted {
            execute_api_arn(API_ID, &format!("authorizers/{AUTHORIZER_ID}"))
        } else {
            execute_api_arn(API_ID, "*/$connect")
        };
        self.functions.push(LambdaFunction {
            name: AUTHORIZER_FUNCTION.into(),
            role: format!("arn:aws:iam::{ACCOUNT_ID}:role/chat-authorizer-role"),
            runtime: "nodejs20.x".into(),
            handler: "index.handler".into(),
            policy: Some(crate::lambda_policy::api_gateway_policy(&arn, &[("apigateway-authorizer", &source)])),
        });
    }

    /// `$default` → an HTTP_PROXY integration over an AVAILABLE REST API VPC
    /// link to the backend's Network Load Balancer, with (`mapped`) or without
    /// `integration.request.header.ConnectionId = context.connectionId`.
    fn private_default_integration(&mut self, mapped: bool) {
        self.api.integrations.push(Integration {
            integration_id: HTTP_INTEGRATION_ID.into(),
            integration_type: "HTTP_PROXY".into(),
            integration_uri: format!("http://chat-nlb-0123456789abcdef.elb.{REGION}.amazonaws.com/messages"),
            integration_method: "POST".into(),
            connection_type: "VPC_LINK".into(),
            connection_id: Some(VPC_LINK_ID.into()),
            request_parameters: if mapped {
                vec![("integration.request.header.ConnectionId".into(), "context.connectionId".into())]
            } else {
                Vec::new()
            },
            timeout_in_millis: 29_000,
            credentials_arn: None,
        });
        let r = self.api.routes.iter_mut().find(|r| r.route_key == "$default").expect("$default route");
        r.target = Some(format!("integrations/{HTTP_INTEGRATION_ID}"));
        self.vpc_links.push(VpcLink {
            id: VPC_LINK_ID.into(),
            name: "chat-nlb-link".into(),
            status: "AVAILABLE".into(),
            status_message: "Your vpc link is ready for use".into(),
            target_arns: vec![format!(
                "arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT_ID}:loadbalancer/net/chat-nlb/0123456789abcdef"
            )],
        });
    }

    /// The routes stage `stage` serves: its deployment's snapshot (none when not deployed).
    pub fn deployed_routes(&self, stage: &Stage) -> &[Route] {
        let id = stage.deployment_id.as_deref();
        self.api.deployments.iter().find(|d| Some(d.deployment_id.as_str()) == id).map_or(&[], |d| &d.routes)
    }

    pub fn function(&self, name_or_arn: &str) -> Option<&LambdaFunction> {
        self.functions.iter().find(|f| f.name == name_or_arn || f.arn() == name_or_arn)
    }

    /// The certificate the public host is served with (in ACM).
    fn public_certificate(&mut self) -> &mut Certificate {
        let arn = if self.layout == Layout::C { CERT_ARN_REGIONAL } else { CERT_ARN_CLOUDFRONT };
        self.certificates.iter_mut().find(|c| c.arn == arn).expect("the public certificate exists")
    }

    fn api_behavior(&mut self) -> &mut CacheBehavior {
        let d = self.distribution.as_mut().expect("scenario needs a distribution");
        d.cache_behaviors.iter_mut().find(|b| b.target_origin_id == "api").expect("api behavior")
    }

    fn api_origin(&mut self) -> &mut Origin {
        let d = self.distribution.as_mut().expect("scenario needs a distribution");
        d.origins.iter_mut().find(|o| o.id == "api").expect("api origin")
    }

    fn connect_route(&mut self) -> &mut Route {
        self.api.routes.iter_mut().find(|r| r.route_key == "$connect").expect("$connect route")
    }

    /// `$connect`'s AuthorizationType is AWS_IAM: the upgrade must be SigV4-signed.
    pub fn connect_is_iam(&self) -> bool {
        self.api.routes.iter().any(|r| r.route_key == "$connect" && r.authorization_type == "AWS_IAM")
    }

    fn prod_stage(&mut self) -> &mut Stage {
        self.api.stages.iter_mut().find(|s| s.stage_name == STAGE).expect("Prod stage")
    }

    /// Makes each of the public host's alias records a weighted set: the old
    /// distribution's record (`old`, listed first) with `old_weight`, the
    /// current target's (`current`) with `current_weight`.
    fn weighted_public_records(&mut self, old_weight: u8, current_weight: u8) {
        let public = format!("{}.", self.public_host);
        let mut records = Vec::new();
        for r in std::mem::take(&mut self.zone.records) {
            if r.name != public {
                records.push(r);
                continue;
            }
            records.push(AliasRecord {
                alias_dns_name: format!("{OLD_DISTRIBUTION_DOMAIN}."),
                alias_hosted_zone_id: CLOUDFRONT_HOSTED_ZONE_ID.into(),
                weighted: Some(("old".into(), old_weight)),
                ..r.clone()
            });
            records.push(AliasRecord { weighted: Some(("current".into(), current_weight)), ..r });
        }
        self.zone.records = records;
    }

    /// The server `name` resolves to, as Route 53 answers it: a name with
    /// alias A records in the zone answers with the addresses of one record's
    /// alias target (`pick` chooses among a weighted set, [`weighted_choice`]);
    /// any other name has its server in `dns`.
    pub fn resolve(&self, name: &str, pick: u64) -> Option<Server> {
        let mut name = name.trim_end_matches('.').to_ascii_lowercase();
        // An alias may name another alias; a loop ends here.
        for _ in 0..8 {
            let set: Vec<&AliasRecord> = self
                .zone
                .records
                .iter()
                .filter(|r| r.record_type == "A" && r.name.trim_end_matches('.').eq_ignore_ascii_case(&name))
                .collect();
            if set.is_empty() {
                return self.dns.iter().find(|(n, _)| n.eq_ignore_ascii_case(&name)).map(|(_, s)| *s);
            }
            name = weighted_choice(&set, pick)?.alias_dns_name.trim_end_matches('.').to_ascii_lowercase();
        }
        None
    }

    /// Points every alias record of the zone at `target`.
    fn alias_records_to(&mut self, target: &str) {
        for r in &mut self.zone.records {
            r.alias_dns_name = format!("{target}.");
        }
    }
}

/// The backend function (it echoes) with one API Gateway statement per `(sid, SourceArn)`.
fn backend_function(grants: &[(&str, String)]) -> LambdaFunction {
    let arn = function_arn(BACKEND_FUNCTION);
    let grants: Vec<(&str, &str)> = grants.iter().map(|(s, a)| (*s, a.as_str())).collect();
    LambdaFunction {
        name: BACKEND_FUNCTION.into(),
        role: format!("arn:aws:iam::{ACCOUNT_ID}:role/chat-backend-role"),
        runtime: "nodejs20.x".into(),
        handler: "index.handler".into(),
        policy: Some(crate::lambda_policy::api_gateway_policy(&arn, &grants)),
    }
}

/// The record of one name and type Route 53 answers a query with, written
/// from Route 53's documentation ("Weighted routing"; API Reference,
/// "ResourceRecordSet", Weight): a simple record is the only one; among
/// weighted records each gets its weight's share of the total, a record with
/// Weight 0 none while any weight is above 0, and with every weight 0 each
/// the same share. `pick` walks the shares (a query counter spreads the
/// answers in proportion to the weights). No health checks in the sandbox.
pub fn weighted_choice<'a>(set: &[&'a AliasRecord], pick: u64) -> Option<&'a AliasRecord> {
    let total: u64 = set.iter().map(|r| r.weighted.as_ref().map_or(0, |(_, w)| u64::from(*w))).sum();
    if total == 0 {
        return set.get((pick % set.len().max(1) as u64) as usize).copied();
    }
    let mut ticket = pick % total;
    for r in set {
        let weight = r.weighted.as_ref().map_or(0, |(_, w)| u64::from(*w));
        if ticket < weight {
            return Some(r);
        }
        ticket -= weight;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    // Source: API Gateway Developer Guide, "Set up a $connect route that requires a WebSocket
    // subprotocol": the sample integration returns `myprotocol` only when the client offers it.
    #[test]
    fn the_connect_integration_answers_the_offered_subprotocols() {
        assert_eq!(ConnectSubprotocol::FirstOffered.answer("chat, v2"), Some("chat".into()));
        assert_eq!(ConnectSubprotocol::Supports(&["v2"]).answer("chat, v2"), Some("v2".into()));
        assert_eq!(ConnectSubprotocol::Supports(&["v2"]).answer("chat"), None);
        assert_eq!(ConnectSubprotocol::Never.answer("chat"), None);
        assert_eq!(ConnectSubprotocol::FirstOffered.answer(""), None);
    }

    #[test]
    fn every_knob_changes_the_good_deployment() {
        for s in SCENARIOS {
            let d = Deployment::new(s.layout, s);
            let good = Deployment::new(s.layout, &SCENARIOS[0]);
            let (mut d_dbg, good_dbg) = (format!("{d:?}"), format!("{good:?}"));
            d_dbg = d_dbg.replace(&format!("{:?}", s), &format!("{:?}", SCENARIOS[0]));
            assert_eq!(s.name == "good", d_dbg == good_dbg, "scenario {}", s.name);
        }
    }

    /// A knob that would leave some layout's deployment as `good` does not
    /// list that layout: running it there would pass everything under a
    /// misconfiguration's name.
    #[test]
    fn every_scenario_changes_the_good_deployment_on_each_of_its_layouts() {
        let good = &SCENARIOS[0];
        for s in SCENARIOS.iter().filter(|s| s.name != "good") {
            assert!(
                s.supports(s.layout),
                "scenario {}: its own layout {} is not among its layouts",
                s.name,
                s.layout.name()
            );
            for &layout in s.layouts {
                let (d, g) = (Deployment::new(layout, s), Deployment::new(layout, good));
                let d_dbg = format!("{d:?}").replace(&format!("{s:?}"), &format!("{good:?}"));
                assert_ne!(d_dbg, format!("{g:?}"), "scenario {} changes nothing on layout {}", s.name, layout.name());
            }
        }
    }

    #[test]
    fn scenario_names_are_unique_and_found_by_name() {
        for (i, s) in SCENARIOS.iter().enumerate() {
            assert!(!s.name.is_empty() && !s.description.is_empty(), "entry {i}");
            assert_eq!(scenario(s.name).map(|f| f.name), Some(s.name), "{} is listed twice", s.name);
        }
        assert_eq!(SCENARIOS[0].name, "good");
        let signed: Vec<&str> = SCENARIOS.iter().filter(|s| s.signs_upgrades()).map(|s| s.name).collect();
        assert_eq!(signed, ["iam-good", "iam-wrong-region", "iam-clock-skew", "iam-host-not-forwarded"]);
    }

    #[test]
    fn layouts_differ_in_the_first_hop() {
        assert!(Deployment::new(Layout::C, &SCENARIOS[0]).distribution.is_none());
        assert!(Deployment::new(Layout::A, &SCENARIOS[0]).domains.is_empty());
        assert!(Deployment::new(Layout::B, &SCENARIOS[0]).api.disable_execute_api_endpoint);
    }

    #[test]
    fn the_two_b_layouts_differ_only_in_the_origin_domain() {
        let origin = |l: Layout| {
            let d = Deployment::new(l, &SCENARIOS[0]);
            let dist = d.distribution.expect("a distribution");
            dist.origins.iter().find(|o| o.id == "api").expect("api origin").domain_name.clone()
        };
        assert_eq!(origin(Layout::B), execute_api_host());
        assert_eq!(origin(Layout::BRegional), REGIONAL_TARGET);
        let (b, r) = (Deployment::new(Layout::B, &SCENARIOS[0]), Deployment::new(Layout::BRegional, &SCENARIOS[0]));
        let strip = |d: &Deployment| {
            format!("{d:?}")
                .replace("BRegional", "B")
                .replace(REGIONAL_TARGET, "ORIGIN")
                .replace(&execute_api_host(), "ORIGIN")
        };
        assert_eq!(strip(&b), strip(&r));
        let b = b.distribution.expect("distribution");
        assert_eq!(b.aliases, [PUBLIC_HOST]);
        assert_eq!(b.cache_behaviors[0].path_pattern.as_deref(), Some("websocket*"));
        assert_eq!(b.cache_behaviors[0].origin_request_policy_id.as_deref(), Some(POLICY_ALL_VIEWER));
    }

    #[test]
    fn layout_names_round_trip() {
        for l in Layout::ALL {
            assert_eq!(Layout::parse(l.name()), Some(l));
        }
        assert_eq!(Layout::names(), "a, b, b-regional, c or d");
        assert_eq!(Layout::parse("B-Regional"), Some(Layout::BRegional));
    }
}
