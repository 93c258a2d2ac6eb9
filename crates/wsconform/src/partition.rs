//! AWS partitions: which DNS suffix and which CloudFront alias hosted zone id
//! a region's names use. `{api}.execute-api.{region}.{suffix}` is built and
//! parsed here only, never with a constant `amazonaws.com`.
//!
//! AWS: the partitions data the AWS SDKs resolve endpoints with (`partitions.json`,
//! embedded in every `aws-sdk-*` crate's `endpoint_lib`): `aws` (`amazonaws.com`),
//! `aws-cn` (`^cn-\w+-\d+$`, `amazonaws.com.cn`), `aws-us-gov` (`^us-gov-\w+-\d+$`,
//! `amazonaws.com`), `aws-iso` (`c2s.ic.gov`), `aws-iso-b` (`sc2s.sgov.gov`),
//! `aws-iso-e` (`cloud.adc-e.uk`), `aws-iso-f` (`csp.hci.ic.gov`), `aws-eusc`
//! (`amazonaws.eu`); a region that matches no other partition is in `aws`.
//! Getting Started with Amazon Web Services in China, "Beijing Region Endpoints":
//! "The endpoint domain for both the Beijing and Ningxia Regions is amazonaws.com.cn"
//! (`execute-api.cn-north-1.amazonaws.com.cn`).

/// One partition: its id, DNS suffix and CloudFront alias hosted zone id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Partition {
    pub id: &'static str,
    /// The region prefix before the direction (`cn`, `us-gov`); `None`: `aws`, any two letters.
    prefix: Option<&'static str>,
    pub dns_suffix: &'static str,
    /// `AliasTarget.HostedZoneId` of a Route 53 alias to a CloudFront distribution,
    /// where AWS documents it; `None`: not documented for this partition (unknown).
    pub cloudfront_hosted_zone_id: Option<&'static str>,
}

/// AWS: Route 53 API Reference, "AliasTarget" HostedZoneId — "CloudFront distribution:
/// Specify Z2FDTNDATAQYW2". Getting Started with Amazon Web Services in China, "Amazon
/// Route 53": "routing traffic to an Amazon CloudFront distribution, use the following
/// hosted zone ID: Z3RFFRIM2A3IF5". No other partition's id is documented.
pub const PARTITIONS: &[Partition] = &[
    Partition {
        id: "aws",
        prefix: None,
        dns_suffix: "amazonaws.com",
        cloudfront_hosted_zone_id: Some("Z2FDTNDATAQYW2"),
    },
    Partition {
        id: "aws-cn",
        prefix: Some("cn"),
        dns_suffix: "amazonaws.com.cn",
        cloudfront_hosted_zone_id: Some("Z3RFFRIM2A3IF5"),
    },
    Partition {
        id: "aws-us-gov",
        prefix: Some("us-gov"),
        dns_suffix: "amazonaws.com",
        cloudfront_hosted_zone_id: None,
    },
    Partition { id: "aws-iso", prefix: Some("us-iso"), dns_suffix: "c2s.ic.gov", cloudfront_hosted_zone_id: None },
    Partition {
        id: "aws-iso-b",
        prefix: Some("us-isob"),
        dns_suffix: "sc2s.sgov.gov",
        cloudfront_hosted_zone_id: None,
    },
    Partition {
        id: "aws-iso-e",
        prefix: Some("eu-isoe"),
        dns_suffix: "cloud.adc-e.uk",
        cloudfront_hosted_zone_id: None,
    },
    Partition {
        id: "aws-iso-f",
        prefix: Some("us-isof"),
        dns_suffix: "csp.hci.ic.gov",
        cloudfront_hosted_zone_id: None,
    },
    Partition { id: "aws-eusc", prefix: Some("eusc-de"), dns_suffix: "amazonaws.eu", cloudfront_hosted_zone_id: None },
];

/// The directions region codes use (`ap-northeast-1`, `il-central-1`, `cn-northwest-1`).
const DIRECTIONS: &[&str] =
    &["north", "south", "east", "west", "central", "northeast", "northwest", "southeast", "southwest"];

/// The partition of a region code, or `None` when `region` is not shaped like
/// one: `{prefix}-{direction}-{number}`, the prefix two letters (`aws`) or a
/// partition's own (`cn`, `us-gov`, `us-iso`, …).
pub fn of(region: &str) -> Option<&'static Partition> {
    let (rest, number) = region.rsplit_once('-')?;
    let (prefix, direction) = rest.rsplit_once('-')?;
    let number_ok = !number.is_empty()
        && number.len() <= 3
        && number.bytes().all(|b| b.is_ascii_digit())
        && !number.starts_with('0');
    if !number_ok || !DIRECTIONS.contains(&direction) {
        return None;
    }
    if let Some(p) = PARTITIONS.iter().find(|p| p.prefix == Some(prefix)) {
        return Some(p);
    }
    (prefix.len() == 2 && prefix.bytes().all(|b| b.is_ascii_lowercase())).then_some(&PARTITIONS[0])
}

/// Whether `s` is an AWS region code.
pub fn is_region(s: &str) -> bool {
    of(s).is_some()
}

/// The DNS suffix of the region's names (`amazonaws.com`, `amazonaws.com.cn`);
/// a string that is no region code gets `aws`'s, as the SDKs do.
pub fn dns_suffix(region: &str) -> &'static str {
    of(region).unwrap_or(&PARTITIONS[0]).dns_suffix
}

/// `AliasTarget.HostedZoneId` for a CloudFront distribution in the region's
/// partition; `None` where AWS does not document it.
pub fn cloudfront_hosted_zone_id(region: &str) -> Option<&'static str> {
    of(region).and_then(|p| p.cloudfront_hosted_zone_id)
}

/// `{first}.execute-api.{region}.{suffix}`: an API's own host (`first` = the
/// API id) or a custom domain's regional target (`first` = `d-…`).
pub fn execute_api_host(first: &str, region: &str) -> String {
    format!("{first}.execute-api.{region}.{}", dns_suffix(region))
}

/// Splits `{region}.{suffix}` (what follows `execute-api.`) into the region,
/// when the suffix is that region's partition's.
pub fn split_region_suffix(rest: &str) -> Option<&str> {
    let (region, suffix) = rest.split_once('.')?;
    let p = of(region)?;
    (p.dns_suffix == suffix).then_some(region)
}

#[cfg(test)]
mod tests {
    use super::*;

    // AWS: AWS SDK partition data (`partitions.json`, embedded in every `aws-sdk-*` crate), "regionRegex" —
    // aws-cn is `^cn-\w+-\d+$`, aws-us-gov `^us-gov-\w+-\d+$`, aws-iso `^us-iso-…`, aws-iso-b
    // `^us-isob-…`, aws-iso-e `^eu-isoe-…`, aws-iso-f `^us-isof-…`, aws-eusc `^eusc-de-…`; the rest is aws.
    #[test]
    fn regions_of_every_partition() {
        for (region, id) in [
            ("ap-northeast-1", "aws"),
            ("us-east-1", "aws"),
            ("eu-central-2", "aws"),
            ("il-central-1", "aws"),
            ("mx-central-1", "aws"),
            ("ap-southeast-7", "aws"),
            ("us-gov-west-1", "aws-us-gov"),
            ("cn-north-1", "aws-cn"),
            ("cn-northwest-1", "aws-cn"),
            ("us-iso-east-1", "aws-iso"),
            ("us-isob-east-1", "aws-iso-b"),
            ("eu-isoe-west-1", "aws-iso-e"),
            ("us-isof-south-1", "aws-iso-f"),
            ("eusc-de-east-1", "aws-eusc"),
        ] {
            assert_eq!(of(region).map(|p| p.id), Some(id), "{region}");
        }
    }

    #[test]
    fn strings_that_are_not_regions() {
        for s in [
            "Tokyo",
            "ap-northeast",
            "AP-NORTHEAST-1",
            "ap-northeast-01",
            "ap-northeast-1a",
            "ap-nowhere-1",
            "1-2-3",
            "a-b-1",
            "apac-northeast-1",
            "us-foo-west-1",
            "",
            "-east-1",
        ] {
            assert!(!is_region(s), "{s}");
        }
    }

    // AWS: Getting Started with Amazon Web Services in China, "Beijing Region Endpoints" — "The endpoint
    // domain for both the Beijing and Ningxia Regions is amazonaws.com.cn" (API Gateway Dataplane:
    // execute-api.cn-north-1.amazonaws.com.cn); aws and aws-us-gov use amazonaws.com (SDK partition data).
    #[test]
    fn suffixes_and_hosts() {
        assert_eq!(dns_suffix("ap-northeast-1"), "amazonaws.com");
        assert_eq!(dns_suffix("us-gov-west-1"), "amazonaws.com");
        assert_eq!(dns_suffix("cn-north-1"), "amazonaws.com.cn");
        assert_eq!(dns_suffix("not a region"), "amazonaws.com");
        assert_eq!(execute_api_host("a1b2", "cn-northwest-1"), "a1b2.execute-api.cn-northwest-1.amazonaws.com.cn");
        assert_eq!(execute_api_host("d-x", "us-east-1"), "d-x.execute-api.us-east-1.amazonaws.com");
    }

    #[test]
    fn region_and_suffix_must_agree() {
        assert_eq!(split_region_suffix("cn-north-1.amazonaws.com.cn"), Some("cn-north-1"));
        assert_eq!(split_region_suffix("us-east-1.amazonaws.com"), Some("us-east-1"));
        assert_eq!(split_region_suffix("cn-north-1.amazonaws.com"), None);
        assert_eq!(split_region_suffix("us-east-1.amazonaws.com.cn"), None);
        assert_eq!(split_region_suffix("us-east-1.example.com"), None);
    }

    // AWS: Route 53 API Reference, "AliasTarget" — HostedZoneId for a CloudFront distribution: "Specify
    // Z2FDTNDATAQYW2".
    // AWS: Getting Started with Amazon Web Services in China, "Amazon Route 53" — "routing traffic to an
    // Amazon CloudFront distribution, use the following hosted zone ID: Z3RFFRIM2A3IF5". No id is
    // documented for aws-us-gov or the isolated partitions: unknown there, never a guessed failure.
    #[test]
    fn cloudfront_zone_ids_only_where_documented() {
        assert_eq!(cloudfront_hosted_zone_id("us-east-1"), Some("Z2FDTNDATAQYW2"));
        assert_eq!(cloudfront_hosted_zone_id("cn-north-1"), Some("Z3RFFRIM2A3IF5"));
        assert_eq!(cloudfront_hosted_zone_id("us-gov-west-1"), None);
        assert_eq!(cloudfront_hosted_zone_id("Tokyo"), None);
    }
}
