//! The bodies Zoom posts to the webhook.

use serde::Deserialize;

use super::{MeetingRecordings, SecretString};

/// Event name of Zoom's endpoint check.
pub const URL_VALIDATION: &str = "endpoint.url_validation";
/// Event name when a meeting's cloud recording is ready.
pub const RECORDING_COMPLETED: &str = "recording.completed";
/// Event name when a transcript, processed later, is ready.
pub const RECORDING_TRANSCRIPT_COMPLETED: &str = "recording.transcript_completed";

/// What every event has in common; the payload is decoded once the event name is known.
#[derive(Debug, Clone, Deserialize)]
pub struct WebhookEnvelope {
    pub event: String,
    /// Milliseconds since the epoch (the signature header carries seconds).
    #[serde(default)]
    pub event_ts: Option<i64>,
    #[serde(default)]
    pub payload: serde_json::Value,
}

/// `recording.completed` and `recording.transcript_completed`.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordingEvent {
    pub event: String,
    #[serde(default)]
    pub event_ts: Option<i64>,
    /// 24 h token for the download URLs in this event; optional on transcript events.
    #[serde(default)]
    pub download_token: Option<SecretString>,
    pub payload: RecordingPayload,
}

/// The payload of a recording event.
#[derive(Debug, Clone, Deserialize)]
pub struct RecordingPayload {
    #[serde(default)]
    pub account_id: Option<String>,
    pub object: MeetingRecordings,
}

/// The payload of `endpoint.url_validation`.
#[derive(Debug, Clone, Deserialize)]
pub struct UrlValidationPayload {
    #[serde(rename = "plainToken")]
    pub plain_token: String,
}
