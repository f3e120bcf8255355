//! Zoom's REST API: Server-to-Server OAuth and a client with bounded, typed retries.

pub mod answers;
mod auth;
mod client;
mod error;
mod retry;

pub use answers::Endpoint;
pub use client::{
    RecordingsPage, UnreadableMeeting, ZoomClient, ZoomClientConfig, classify_failure,
};
pub use error::{ZoomError, without_url_query};
pub use retry::RetryPolicy;
