//! `apigw.*` checks.

use crate::check::CheckDef;

pub static CHECKS: &[CheckDef] = &[];
