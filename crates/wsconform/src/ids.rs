//! Every check's id, once: what `--only`/`--skip` match, what reports and
//! trials are named by, and what prerequisites refer to. Code names a check
//! by these constants; a misspelt one does not compile.

pub const DNS_RESOLVES: &str = "dns.resolves";
pub const DNS_ALIAS_TARGET: &str = "dns.alias-target";
pub const ROUTE53_ALIAS: &str = "route53.alias";
pub const TLS_CERTIFICATE: &str = "tls.certificate";
pub const ACM_CERTIFICATE: &str = "acm.certificate";
pub const CLOUDFRONT_DISTRIBUTION: &str = "cloudfront.distribution";
pub const CLOUDFRONT_PATH_PATTERN: &str = "cloudfront.path-pattern";
pub const CLOUDFRONT_ORIGIN: &str = "cloudfront.origin";
pub const CLOUDFRONT_FORWARDING: &str = "cloudfront.forwarding";
pub const APIGW_API: &str = "apigw.api";
pub const APIGW_ROUTES: &str = "apigw.routes";
pub const APIGW_STAGE: &str = "apigw.stage";
pub const APIGW_DOMAIN: &str = "apigw.domain";
pub const APIGW_MAPPING: &str = "apigw.mapping";
pub const APIGW_EXECUTE_API_DISABLED: &str = "apigw.execute-api-disabled";
pub const E2E_CONNECT: &str = "e2e.connect";
pub const E2E_ECHO: &str = "e2e.echo";
pub const E2E_POST: &str = "e2e.post";
pub const E2E_CONNECTION_INFO: &str = "e2e.connection-info";
pub const E2E_KEEPALIVE: &str = "e2e.keepalive";
pub const E2E_DISCONNECT: &str = "e2e.disconnect";
pub const E2E_LIMITS: &str = "e2e.limits";

/// Every id, in catalog order.
pub const ALL: [&str; 22] = [
    DNS_RESOLVES,
    DNS_ALIAS_TARGET,
    ROUTE53_ALIAS,
    TLS_CERTIFICATE,
    ACM_CERTIFICATE,
    CLOUDFRONT_DISTRIBUTION,
    CLOUDFRONT_PATH_PATTERN,
    CLOUDFRONT_ORIGIN,
    CLOUDFRONT_FORWARDING,
    APIGW_API,
    APIGW_ROUTES,
    APIGW_STAGE,
    APIGW_DOMAIN,
    APIGW_MAPPING,
    APIGW_EXECUTE_API_DISABLED,
    E2E_CONNECT,
    E2E_ECHO,
    E2E_POST,
    E2E_CONNECTION_INFO,
    E2E_KEEPALIVE,
    E2E_DISCONNECT,
    E2E_LIMITS,
];
