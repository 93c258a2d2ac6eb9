//! The deployment as data, and where a request lands in it: pure, no I/O.
//!
//! `aws` holds the configuration the control plane reports, as plain structs
//! (the facts layer converts the SDK's types into them); `route` computes a
//! request's way through it (docs/architecture.md, The route model). Facts
//! produce this model, checks judge it; it depends on neither.

pub mod aws;
pub mod policy;
pub mod route;
