//! What the webhook answers, and which execution it starts.
//!
//! Order of checks: size (413), path (404), method (405), signature (401), body (400). Only a
//! request signed with our secret within the time window is parsed, and only a genuine
//! `recording.completed` / `recording.transcript_completed` that passes the archive rules starts
//! an execution, named after the meeting uuid so that Zoom's retries and duplicates collapse into
//! one. A failure a retry may cure answers 503: Zoom retries only on 5xx.

use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::signature::{url_validation_token, verify_signature};
use archiver::domain::webhook::{
    RECORDING_COMPLETED, RECORDING_TRANSCRIPT_COMPLETED, URL_VALIDATION, UrlValidationPayload,
};
use archiver::domain::{RecordingEvent, SecretString, WebhookEnvelope};
use archiver::settings::{ArchiveRules, Settings, ZoomCredentials};
use archiver::workflow::{self, ExecutionStarter, Source, StartOutcome};
use serde_json::{Value, json};

/// Largest body accepted; Zoom's events are far smaller.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What the handler needs to decide.
#[derive(Debug, Clone)]
pub struct WebhookConfig {
    pub secret: SecretString,
    pub timestamp_tolerance_seconds: i64,
    pub rules: ArchiveRules,
}

impl WebhookConfig {
    /// The webhook's part of the settings.
    pub fn from_settings(settings: &Settings, credentials: &ZoomCredentials) -> Self {
        Self {
            secret: credentials.webhook_secret_token.clone(),
            timestamp_tolerance_seconds: i64::try_from(
                settings.webhook_timestamp_tolerance.as_secs(),
            )
            .unwrap_or(i64::MAX),
            rules: settings.archive_rules.clone(),
        }
    }
}

/// One HTTP request, transport-independent.
#[derive(Debug, Clone, Copy)]
pub struct IncomingRequest<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub timestamp: Option<&'a str>,
    pub signature: Option<&'a str>,
    pub body: &'a [u8],
}

/// The answer, and what to log about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    /// Stable label of what happened, for the log line.
    pub decision: &'static str,
    pub event: Option<String>,
    /// SHA-256 of the meeting uuid: identifies the meeting in logs without exposing it.
    pub meeting_hash: Option<String>,
}

impl Reply {
    fn new(status: u16, decision: &'static str) -> Self {
        Self {
            status,
            body: json!({ "status": decision }),
            decision,
            event: None,
            meeting_hash: None,
        }
    }

    fn with_event(mut self, event: &str) -> Self {
        self.event = Some(event.to_owned());
        self
    }
}

/// Decides the answer to one request; starts at most one execution.
pub async fn handle<S: ExecutionStarter>(
    config: &WebhookConfig,
    starter: &S,
    request: &IncomingRequest<'_>,
    now_seconds: i64,
) -> Reply {
    if request.body.len() > MAX_BODY_BYTES {
        return Reply::new(413, "body_too_large");
    }
    if !is_webhook_path(request.path) {
        return Reply::new(404, "unknown_path");
    }
    if !request.method.eq_ignore_ascii_case("POST") {
        return Reply::new(405, "method_not_allowed");
    }
    if let Err(problem) = verify_signature(
        &config.secret,
        request.timestamp,
        request.signature,
        request.body,
        now_seconds,
        config.timestamp_tolerance_seconds,
    ) {
        let mut reply = Reply::new(401, "unauthorized");
        reply.body = json!({"status": "unauthorized", "reason": problem.to_string()});
        return reply;
    }
    let Ok(envelope) = serde_json::from_slice::<WebhookEnvelope>(request.body) else {
        return Reply::new(400, "malformed_body");
    };
    match envelope.event.as_str() {
        URL_VALIDATION => answer_url_validation(config, &envelope),
        RECORDING_COMPLETED => {
            start_ingest(config, starter, request.body, IngestKind::Recording).await
        }
        RECORDING_TRANSCRIPT_COMPLETED => {
            start_ingest(config, starter, request.body, IngestKind::Transcript).await
        }
        other => Reply::new(200, "ignored_event").with_event(other),
    }
}

/// `/` (function URL) or `.../zoom/webhook` (HTTP API route, any stage prefix).
fn is_webhook_path(path: &str) -> bool {
    let trimmed = path.trim_end_matches('/');
    trimmed.is_empty() || trimmed.ends_with("/zoom/webhook")
}

fn answer_url_validation(config: &WebhookConfig, envelope: &WebhookEnvelope) -> Reply {
    let Ok(payload) = serde_json::from_value::<UrlValidationPayload>(envelope.payload.clone())
    else {
        return Reply::new(400, "malformed_body").with_event(URL_VALIDATION);
    };
    let mut reply = Reply::new(200, "url_validated").with_event(URL_VALIDATION);
    reply.body = json!({
        "plainToken": payload.plain_token,
        "encryptedToken": url_validation_token(&config.secret, &payload.plain_token),
    });
    reply
}

async fn start_ingest<S: ExecutionStarter>(
    config: &WebhookConfig,
    starter: &S,
    raw_body: &[u8],
    kind: IngestKind,
) -> Reply {
    let event_name = match kind {
        IngestKind::Recording => RECORDING_COMPLETED,
        IngestKind::Transcript => RECORDING_TRANSCRIPT_COMPLETED,
    };
    let Ok(event) = serde_json::from_slice::<RecordingEvent>(raw_body) else {
        return Reply::new(400, "malformed_body").with_event(event_name);
    };
    let meeting = &event.payload.object;
    let meeting_hash = meeting.uuid.sha256_hex();
    let mut reply = match config.rules.select(meeting) {
        Err(reason) => {
            let mut skipped = Reply::new(200, "skipped_by_rules");
            skipped.body = json!({"status": "skipped", "reason": reason.as_str()});
            skipped
        }
        Ok(_) => {
            let name = execution_name(kind, &meeting.uuid);
            let input = execution_input(kind, &event, raw_body);
            match starter.start(&name, &input).await {
                Ok(StartOutcome::Started { .. }) => Reply::new(200, "started"),
                Ok(StartOutcome::AlreadyExists) => Reply::new(200, "duplicate"),
                Err(error) => {
                    tracing::warn!(error = %error, "could not start the ingest execution");
                    Reply::new(503, "retry_later")
                }
            }
        }
    };
    reply.event = Some(event_name.to_owned());
    reply.meeting_hash = Some(meeting_hash);
    reply
}

/// The execution's input: the webhook body without its secrets, and the download token apart.
pub fn execution_input(kind: IngestKind, event: &RecordingEvent, raw_body: &[u8]) -> String {
    let webhook = serde_json::from_slice::<Value>(raw_body).ok();
    workflow::execution_input(
        Source::Webhook,
        kind,
        &event.payload.object.uuid,
        event.download_token.as_ref(),
        webhook,
    )
}
