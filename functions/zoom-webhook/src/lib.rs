//! The `zoom-webhook` function: Zoom's event subscription endpoint.
//!
//! [`handler`] decides what to answer, independent of the transport; [`http`] adapts it to
//! `lambda_http` (API Gateway HTTP API payload v2 and function URLs).

pub mod handler;
pub mod http;
