//! The check catalog (the README's check table), one module per area. Rules are pure
//! functions over facts; each module's `CHECKS` lists its checks in report order.

pub mod acm;
pub mod apigw;
pub mod cloudfront;
pub mod dns;
pub mod e2e;
pub mod findings;
pub mod route53;
pub mod tls;

use crate::check::CheckDef;

/// Every check, in the order reports list them.
pub fn catalog() -> Vec<&'static CheckDef> {
    [dns::CHECKS, route53::CHECKS, tls::CHECKS, acm::CHECKS, cloudfront::CHECKS, apigw::CHECKS, e2e::CHECKS]
        .into_iter()
        .flatten()
        .collect()
}

pub fn find(id: &str) -> Option<&'static CheckDef> {
    catalog().into_iter().find(|c| c.id == id)
}
