//! cloudfront (REST-XML, API version 2020-05-31): distributions, their
//! configs, and the origin request / cache policies their behaviors name.

use super::wire::{Answer, AwsError, CLOUDFRONT_NAMESPACE, Request, Xml};
use crate::model::{
    ACCOUNT_ID, CACHE_POLICY_CACHING_DISABLED, CacheBehavior, Deployment, Distribution, Origin, OriginRequestPolicy,
    POLICY_ALL_VIEWER, POLICY_ALL_VIEWER_EXCEPT_HOST,
};

const LAST_MODIFIED: &str = "2024-01-01T00:00:00.000Z";
/// ETags are opaque to clients; one per resource kind is enough for the sandbox.
pub(super) const DISTRIBUTION_ETAG: &str = "E2QWRUHEXAMPLE";
const POLICY_ETAG: &str = "E23ZP02F085DFQ";

type Routed = Option<(&'static str, Result<Answer, AwsError>)>;

pub fn route(d: &Deployment, req: &Request<'_>) -> Routed {
    if req.method != http::Method::GET {
        return None;
    }
    let path = req.path();
    let (op, result) = match path.as_slice() {
        ["2020-05-31", "distribution"] => ("ListDistributions", Ok(list_distributions(d))),
        ["2020-05-31", "distribution", id] => ("GetDistribution", find(d, id).map(get_distribution)),
        ["2020-05-31", "distribution", id, "config"] => ("GetDistributionConfig", find(d, id).map(get_config)),
        ["2020-05-31", "origin-request-policy", id] => ("GetOriginRequestPolicy", get_origin_request_policy(id)),
        ["2020-05-31", "cache-policy", id] => ("GetCachePolicy", get_cache_policy(id)),
        _ => return None,
    };
    Some((op, result))
}

fn find<'a>(d: &'a Deployment, id: &str) -> Result<&'a Distribution, AwsError> {
    d.distribution
        .as_ref()
        .filter(|dist| dist.id == id)
        .ok_or_else(|| AwsError::new(404, "NoSuchDistribution", "The specified distribution does not exist."))
}

fn arn(dist: &Distribution) -> String {
    format!("arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{}", dist.id)
}

pub(super) fn get_distribution(dist: &Distribution) -> Answer {
    let mut x = Xml::root("Distribution", CLOUDFRONT_NAMESPACE);
    x.leaf("Id", &dist.id);
    x.leaf("ARN", arn(dist));
    x.leaf("Status", &dist.status);
    x.leaf("LastModifiedTime", LAST_MODIFIED);
    x.leaf("InProgressInvalidationBatches", 0);
    x.leaf("DomainName", &dist.domain_name);
    for signers in ["ActiveTrustedSigners", "ActiveTrustedKeyGroups"] {
        x.el(signers, |x| {
            x.leaf("Enabled", false);
            x.leaf("Quantity", 0);
        });
    }
    x.el("DistributionConfig", |x| config(x, dist));
    Answer::xml(x.finish("Distribution")).header("ETag", DISTRIBUTION_ETAG)
}

fn get_config(dist: &Distribution) -> Answer {
    let mut x = Xml::root("DistributionConfig", CLOUDFRONT_NAMESPACE);
    config(&mut x, dist);
    Answer::xml(x.finish("DistributionConfig")).header("ETag", DISTRIBUTION_ETAG)
}

fn list_distributions(d: &Deployment) -> Answer {
    let dists: Vec<&Distribution> = d.distribution.iter().collect();
    let mut x = Xml::root("DistributionList", CLOUDFRONT_NAMESPACE);
    x.leaf("Marker", "");
    x.leaf("MaxItems", 100);
    x.leaf("IsTruncated", false);
    x.leaf("Quantity", dists.len());
    if !dists.is_empty() {
        x.el("Items", |x| {
            for dist in &dists {
                x.el("DistributionSummary", |x| {
                    x.leaf("Id", &dist.id);
                    x.leaf("ARN", arn(dist));
                    x.leaf("ETag", DISTRIBUTION_ETAG);
                    x.leaf("Status", &dist.status);
                    x.leaf("LastModifiedTime", LAST_MODIFIED);
                    x.leaf("DomainName", &dist.domain_name);
                    aliases(x, dist);
                    origins(x, dist);
                    x.el("OriginGroups", |x| x.leaf("Quantity", 0));
                    x.el("DefaultCacheBehavior", |x| behavior(x, &dist.default_cache_behavior));
                    behaviors(x, dist);
                    x.el("CustomErrorResponses", |x| x.leaf("Quantity", 0));
                    x.leaf("Comment", "wsconform sandbox");
                    x.leaf("PriceClass", "PriceClass_All");
                    x.leaf("Enabled", dist.enabled);
                    viewer_certificate(x, dist);
                    restrictions(x);
                    x.leaf("WebACLId", "");
                    x.leaf("HttpVersion", "http2");
                    x.leaf("IsIPV6Enabled", true);
                    x.leaf("Staging", false);
                });
            }
        });
    }
    Answer::xml(x.finish("DistributionList"))
}

/// The members of `DistributionConfig`, in the order CloudFront writes them.
fn config(x: &mut Xml, dist: &Distribution) {
    x.leaf("CallerReference", format!("wsconform-sandbox-{}", dist.id));
    aliases(x, dist);
    x.leaf("DefaultRootObject", "");
    origins(x, dist);
    x.el("OriginGroups", |x| x.leaf("Quantity", 0));
    x.el("DefaultCacheBehavior", |x| behavior(x, &dist.default_cache_behavior));
    behaviors(x, dist);
    x.el("CustomErrorResponses", |x| x.leaf("Quantity", 0));
    x.leaf("Comment", "wsconform sandbox");
    x.el("Logging", |x| {
        x.leaf("Enabled", false);
        x.leaf("IncludeCookies", false);
        x.leaf("Bucket", "");
        x.leaf("Prefix", "");
    });
    x.leaf("PriceClass", "PriceClass_All");
    x.leaf("Enabled", dist.enabled);
    viewer_certificate(x, dist);
    restrictions(x);
    x.leaf("WebACLId", "");
    x.leaf("HttpVersion", "http2");
    x.leaf("IsIPV6Enabled", true);
    if let Some(id) = &dist.continuous_deployment_policy_id {
        x.leaf("ContinuousDeploymentPolicyId", id);
    }
    x.leaf("Staging", false);
}

fn aliases(x: &mut Xml, dist: &Distribution) {
    x.quantity_list("Aliases", &dist.aliases, |x, a| x.leaf("CNAME", a));
}

fn origins(x: &mut Xml, dist: &Distribution) {
    x.quantity_list("Origins", &dist.origins, |x, o| x.el("Origin", |x| origin(x, o)));
}

fn origin(x: &mut Xml, o: &Origin) {
    x.leaf("Id", &o.id);
    x.leaf("DomainName", &o.domain_name);
    x.leaf("OriginPath", &o.origin_path);
    x.el("CustomHeaders", |x| x.leaf("Quantity", 0));
    match &o.custom {
        None => x.el("S3OriginConfig", |x| {
            x.leaf("OriginAccessIdentity", "");
            x.leaf("OriginReadTimeout", 30);
        }),
        Some(c) => x.el("CustomOriginConfig", |x| {
            x.leaf("HTTPPort", 80);
            x.leaf("HTTPSPort", 443);
            x.leaf("OriginProtocolPolicy", &c.origin_protocol_policy);
            x.quantity_list("OriginSslProtocols", &c.origin_ssl_protocols, |x, p| x.leaf("SslProtocol", p));
            x.leaf("OriginReadTimeout", 30);
            x.leaf("OriginKeepaliveTimeout", 5);
        }),
    }
    x.leaf("ConnectionAttempts", 3);
    x.leaf("ConnectionTimeout", 10);
    x.el("OriginShield", |x| x.leaf("Enabled", false));
    x.leaf("OriginAccessControlId", "");
}

fn behaviors(x: &mut Xml, dist: &Distribution) {
    x.quantity_list("CacheBehaviors", &dist.cache_behaviors, |x, b| x.el("CacheBehavior", |x| behavior(x, b)));
}

/// A `CacheBehavior` or the `DefaultCacheBehavior` (which has no PathPattern).
fn behavior(x: &mut Xml, b: &CacheBehavior) {
    if let Some(p) = &b.path_pattern {
        x.leaf("PathPattern", p);
    }
    x.leaf("TargetOriginId", &b.target_origin_id);
    for signers in ["TrustedSigners", "TrustedKeyGroups"] {
        x.el(signers, |x| {
            x.leaf("Enabled", false);
            x.leaf("Quantity", 0);
        });
    }
    x.leaf("ViewerProtocolPolicy", &b.viewer_protocol_policy);
    let all = ["HEAD", "DELETE", "POST", "GET", "OPTIONS", "PUT", "PATCH"];
    x.el("AllowedMethods", |x| {
        x.leaf("Quantity", all.len());
        x.el("Items", |x| all.iter().for_each(|m| x.leaf("Method", m)));
        x.quantity_list("CachedMethods", &["HEAD", "GET"], |x, m| x.leaf("Method", m));
    });
    x.leaf("SmoothStreaming", false);
    x.leaf("Compress", false);
    x.el("LambdaFunctionAssociations", |x| x.leaf("Quantity", 0));
    x.el("FunctionAssociations", |x| x.leaf("Quantity", 0));
    x.leaf("FieldLevelEncryptionId", "");
    if let Some(id) = &b.cache_policy_id {
        x.leaf("CachePolicyId", id);
    }
    if let Some(id) = &b.origin_request_policy_id {
        x.leaf("OriginRequestPolicyId", id);
    }
    // Legacy cache settings: only for behaviors without a cache policy, as CloudFront requires.
    if b.cache_policy_id.is_none() {
        let headers = b.forwarded_headers.clone().unwrap_or_default();
        x.el("ForwardedValues", |x| {
            x.leaf("QueryString", true);
            x.el("Cookies", |x| x.leaf("Forward", "all"));
            x.quantity_list("Headers", &headers, |x, h| x.leaf("Name", h));
            x.el("QueryStringCacheKeys", |x| x.leaf("Quantity", 0));
        });
        x.leaf("MinTTL", 0);
        x.leaf("DefaultTTL", 0);
        x.leaf("MaxTTL", 0);
    }
}

fn viewer_certificate(x: &mut Xml, dist: &Distribution) {
    x.el("ViewerCertificate", |x| {
        x.leaf("CloudFrontDefaultCertificate", false);
        x.leaf("ACMCertificateArn", &dist.acm_certificate_arn);
        x.leaf("SSLSupportMethod", "sni-only");
        x.leaf("MinimumProtocolVersion", &dist.minimum_protocol_version);
        x.leaf("Certificate", &dist.acm_certificate_arn);
        x.leaf("CertificateSource", "acm");
    });
}

fn restrictions(x: &mut Xml) {
    x.el("Restrictions", |x| {
        x.el("GeoRestriction", |x| {
            x.leaf("RestrictionType", "none");
            x.leaf("Quantity", 0);
        })
    });
}

/// The managed policies by the ids AWS gives them, then the sandbox's custom ones.
fn origin_request_policies() -> Vec<(OriginRequestPolicy, &'static str)> {
    let managed = |id: &str, name: &str, behavior: &str, headers: &[&str], comment: &'static str| {
        (
            OriginRequestPolicy {
                id: id.into(),
                name: name.into(),
                header_behavior: behavior.into(),
                headers: headers.iter().map(|h| (*h).into()).collect(),
                query_string_behavior: "all".into(),
            },
            comment,
        )
    };
    let mut all = vec![
        managed(
            POLICY_ALL_VIEWER,
            "Managed-AllViewer",
            "allViewer",
            &[],
            "Policy to forward all parameters in viewer requests",
        ),
        managed(
            POLICY_ALL_VIEWER_EXCEPT_HOST,
            "Managed-AllViewerExceptHostHeader",
            "allExcept",
            &["host"],
            "Policy to forward all parameters in viewer requests except for the Host header",
        ),
    ];
    all.extend(Deployment::custom_origin_request_policies().into_iter().map(|p| (p, "")));
    all
}

fn get_origin_request_policy(id: &str) -> Result<Answer, AwsError> {
    let (p, comment) = origin_request_policies()
        .into_iter()
        .find(|(p, _)| p.id == id)
        .ok_or_else(|| AwsError::new(404, "NoSuchOriginRequestPolicy", "The origin request policy does not exist."))?;
    let mut x = Xml::root("OriginRequestPolicy", CLOUDFRONT_NAMESPACE);
    x.leaf("Id", &p.id);
    x.leaf("LastModifiedTime", LAST_MODIFIED);
    x.el("OriginRequestPolicyConfig", |x| {
        x.leaf("Comment", comment);
        x.leaf("Name", &p.name);
        x.el("HeadersConfig", |x| {
            x.leaf("HeaderBehavior", &p.header_behavior);
            if !p.headers.is_empty() {
                x.quantity_list("Headers", &p.headers, |x, h| x.leaf("Name", h));
            }
        });
        x.el("CookiesConfig", |x| x.leaf("CookieBehavior", "all"));
        x.el("QueryStringsConfig", |x| x.leaf("QueryStringBehavior", &p.query_string_behavior));
    });
    Ok(Answer::xml(x.finish("OriginRequestPolicy")).header("ETag", POLICY_ETAG))
}

fn get_cache_policy(id: &str) -> Result<Answer, AwsError> {
    if id != CACHE_POLICY_CACHING_DISABLED {
        return Err(AwsError::new(404, "NoSuchCachePolicy", "The cache policy does not exist."));
    }
    let mut x = Xml::root("CachePolicy", CLOUDFRONT_NAMESPACE);
    x.leaf("Id", id);
    x.leaf("LastModifiedTime", LAST_MODIFIED);
    x.el("CachePolicyConfig", |x| {
        x.leaf("Comment", "Policy with caching disabled");
        x.leaf("Name", "Managed-CachingDisabled");
        x.leaf("DefaultTTL", 0);
        x.leaf("MaxTTL", 0);
        x.leaf("MinTTL", 0);
        x.el("ParametersInCacheKeyAndForwardedToOrigin", |x| {
            x.leaf("EnableAcceptEncodingGzip", false);
            x.leaf("EnableAcceptEncodingBrotli", false);
            x.el("HeadersConfig", |x| x.leaf("HeaderBehavior", "none"));
            x.el("CookiesConfig", |x| x.leaf("CookieBehavior", "none"));
            x.el("QueryStringsConfig", |x| x.leaf("QueryStringBehavior", "none"));
        });
    });
    Ok(Answer::xml(x.finish("CachePolicy")).header("ETag", POLICY_ETAG))
}
