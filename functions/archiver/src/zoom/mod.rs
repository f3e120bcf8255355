//! Zoom's REST API: Server-to-Server OAuth and a client with bounded, typed retries.

mod auth;
mod client;
mod error;
mod retry;

pub use client::{RecordingsPage, UnreadableMeeting, ZoomClient, ZoomClientConfig};
pub use error::{ZoomError, without_url_query};
pub use retry::RetryPolicy;
