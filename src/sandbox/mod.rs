//! The sandbox: an emulated API Gateway WebSocket deployment, in process, on
//! loopback (DESIGN §6). (Filled in by the sandbox work.)

pub mod connections;
pub mod control_plane;
pub mod launch;
pub mod model;
pub mod sigv4;
