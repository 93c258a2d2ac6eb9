//! Every check's id, once: what `--only`/`--skip` match, what reports and
//! trials are named by, and what prerequisites refer to. Code names a check
//! by these constants; a misspelt one does not compile.

use std::fmt;

/// A check's stable id, `area.name` (`cloudfront.path-pattern`). Only the
/// constants below exist, so an id in code is always one of the catalog's.
/// It borrows as `str`, so maps keyed by it answer a user's filter text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CheckId(&'static str);

impl CheckId {
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// The part before the dot: `cloudfront.path-pattern` → `cloudfront`.
    pub fn area(self) -> &'static str {
        self.0.split_once('.').map_or(self.0, |(area, _)| area)
    }

    /// An id outside the catalog, for the runner's and planner's own tests.
    #[cfg(test)]
    pub(crate) const fn for_test(id: &'static str) -> CheckId {
        CheckId(id)
    }

    /// The catalog's id spelled `text`, if there is one.
    pub fn parse(text: &str) -> Option<CheckId> {
        ALL.iter().copied().find(|id| id.0 == text)
    }
}

impl From<CheckId> for String {
    fn from(id: CheckId) -> String {
        id.0.to_owned()
    }
}

impl fmt::Display for CheckId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl std::ops::Deref for CheckId {
    type Target = str;
    fn deref(&self) -> &str {
        self.0
    }
}

impl AsRef<str> for CheckId {
    fn as_ref(&self) -> &str {
        self.0
    }
}

impl AsRef<std::path::Path> for CheckId {
    fn as_ref(&self) -> &std::path::Path {
        std::path::Path::new(self.0)
    }
}

impl std::borrow::Borrow<str> for CheckId {
    fn borrow(&self) -> &str {
        self.0
    }
}

impl PartialEq<str> for CheckId {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<&str> for CheckId {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl PartialEq<CheckId> for &str {
    fn eq(&self, other: &CheckId) -> bool {
        *self == other.0
    }
}

impl serde::Serialize for CheckId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

pub const DNS_RESOLVES: CheckId = CheckId("dns.resolves");
pub const DNS_ALIAS_TARGET: CheckId = CheckId("dns.alias-target");
pub const ROUTE53_ALIAS: CheckId = CheckId("route53.alias");
pub const TLS_CERTIFICATE: CheckId = CheckId("tls.certificate");
pub const ACM_CERTIFICATE: CheckId = CheckId("acm.certificate");
pub const CLOUDFRONT_DISTRIBUTION: CheckId = CheckId("cloudfront.distribution");
pub const CLOUDFRONT_PATH_PATTERN: CheckId = CheckId("cloudfront.path-pattern");
pub const CLOUDFRONT_ORIGIN: CheckId = CheckId("cloudfront.origin");
pub const CLOUDFRONT_FORWARDING: CheckId = CheckId("cloudfront.forwarding");
pub const APIGW_API: CheckId = CheckId("apigw.api");
pub const APIGW_ROUTES: CheckId = CheckId("apigw.routes");
pub const APIGW_INTEGRATIONS: CheckId = CheckId("apigw.integrations");
pub const APIGW_AUTHORIZER: CheckId = CheckId("apigw.authorizer");
pub const APIGW_STAGE: CheckId = CheckId("apigw.stage");
pub const APIGW_DOMAIN: CheckId = CheckId("apigw.domain");
pub const APIGW_MAPPING: CheckId = CheckId("apigw.mapping");
pub const APIGW_EXECUTE_API_DISABLED: CheckId = CheckId("apigw.execute-api-disabled");
pub const E2E_CONNECT: CheckId = CheckId("e2e.connect");
pub const E2E_ECHO: CheckId = CheckId("e2e.echo");
pub const E2E_POST: CheckId = CheckId("e2e.post");
pub const E2E_CONNECTION_INFO: CheckId = CheckId("e2e.connection-info");
pub const E2E_KEEPALIVE: CheckId = CheckId("e2e.keepalive");
pub const E2E_DISCONNECT: CheckId = CheckId("e2e.disconnect");
pub const E2E_LIMITS: CheckId = CheckId("e2e.limits");

/// Every id, in catalog order.
pub const ALL: [CheckId; 24] = [
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
    APIGW_INTEGRATIONS,
    APIGW_AUTHORIZER,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_knows_its_area_and_parses_only_from_the_catalog() {
        assert_eq!(CLOUDFRONT_PATH_PATTERN.area(), "cloudfront");
        assert_eq!(CheckId::parse("e2e.echo"), Some(E2E_ECHO));
        assert_eq!(CheckId::parse("echo"), None, "an id is its area and name");
        assert_eq!(E2E_ECHO.to_string(), "e2e.echo");
        assert!(ALL.windows(2).all(|w| w[0] != w[1]));
    }
}
