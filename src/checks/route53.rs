//! `route53.*` checks.

use crate::check::CheckDef;

pub static CHECKS: &[CheckDef] = &[];
