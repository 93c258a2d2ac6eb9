//! The check catalog (the README's check table), one module per area. Rules are pure
//! functions over facts; each module's `CHECKS` lists its checks in report order.
// A judge returns its finished `Outcome` early as an `Err` (`?`); outcomes are made a few
// dozen times per run, so their size (verdict, evidence, warnings, fixes) is no cost to box away.
#![allow(clippy::result_large_err)]

pub mod acm;
pub mod apigw;
pub mod behind;
pub mod blame;
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

/// A fact that could not be fetched: the check errors with its message,
/// retryable (`--wait`) when asking again later could answer (throttling,
/// a 5xx, a timeout, a failed connection). A fact the source says is unknown
/// (more pages than read, a value known only after apply) is an unknown verdict.
impl From<crate::facts::Error> for crate::outcome::Outcome {
    fn from(e: crate::facts::Error) -> Self {
        use crate::facts::Error;
        use crate::outcome::{Outcome, Verdict};
        let transient = e.is_transient();
        let o = match e {
            Error::Unknown { .. } | Error::UnknownUntilApply { .. } => {
                Outcome::from(Verdict::Unknown { message: e.to_string() })
            }
            _ => Outcome::error(e.to_string()),
        };
        if transient { o.retryable() } else { o }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_catalog_is_the_id_list_in_order_each_once() {
        let catalog: Vec<crate::ids::CheckId> = super::catalog().iter().map(|c| c.id).collect();
        assert_eq!(catalog, crate::ids::ALL);
        let mut unique = catalog.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), catalog.len());
    }
}
