//! What the webhook answers, and which execution it starts.
//!
//! Order of checks: size (413), path (404), method (405), signature (401), body (400). Only a
//! request signed with our secret within the time window is parsed, and only a genuine
//! `recording.completed` / `recording.transcript_completed` that passes the archive rules starts
//! an execution, named after the meeting uuid so that Zoom's retries and duplicates collapse into
//! one. A recording lifecycle event (trashed, deleted, recovered, renamed, and their batch
//! variants) starts one execution of the zoom-change state machine per instance it names, named
//! after the event and instance, whatever the table holds: `apply-zoom-change` decides what it
//! means for the archive (an instance the archive never saw is logged there). A failure a retry
//! may cure answers 503: Zoom retries only on 5xx.

use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::signature::{url_validation_token, verify_signature};
use archiver::domain::webhook::{
    RECORDING_COMPLETED, RECORDING_TRANSCRIPT_COMPLETED, URL_VALIDATION, UrlValidationPayload,
};
use archiver::domain::zoom_change::{ChangeKind, change_execution_name, change_requests};
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

/// The state machines the webhook starts.
#[derive(Debug)]
pub struct Workflows<'a, S> {
    pub ingest: &'a S,
    /// `None` when `ZOOM_CHANGE_STATE_MACHINE_ARN` is not set: lifecycle events are ignored.
    pub changes: Option<&'a S>,
}

// Two references: copied whatever `S` is (a derive would ask `S: Copy`).
impl<S> Clone for Workflows<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S> Copy for Workflows<'_, S> {}

/// Decides the answer to one request; starts at most one ingest, or one change execution per
/// instance a lifecycle event names.
pub async fn handle<S: ExecutionStarter>(
    config: &WebhookConfig,
    workflows: Workflows<'_, S>,
    request: &IncomingRequest<'_>,
    now_seconds: i64,
) -> Reply {
    let starter = workflows.ingest;
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
        other if ChangeKind::from_event(other).is_some() => match workflows.changes {
            Some(changes) => start_changes(changes, request.body, other).await,
            None => {
                tracing::warn!(
                    event = other,
                    "ZOOM_CHANGE_STATE_MACHINE_ARN is not set: the lifecycle event is ignored"
                );
                Reply::new(200, "ignored_event").with_event(other)
            }
        },
        other => Reply::new(200, "ignored_event").with_event(other),
    }
}

/// One zoom-change execution per instance the event names. Zoom retries the whole event on a
/// 5xx: the executions already started answer `AlreadyExists` then.
async fn start_changes<S: ExecutionStarter>(changes: &S, raw_body: &[u8], event: &str) -> Reply {
    let requests = match change_requests(raw_body) {
        Ok(requests) => requests,
        Err(problem) => {
            let mut reply = Reply::new(400, "malformed_body").with_event(event);
            reply.body = json!({"status": "malformed_body", "reason": problem.to_string()});
            return reply;
        }
    };
    let mut started = 0;
    for request in &requests {
        let input = serde_json::to_string(request).unwrap_or_default();
        match changes.start(&change_execution_name(request), &input).await {
            Ok(StartOutcome::Started { .. }) => started += 1,
            Ok(StartOutcome::AlreadyExists) => {}
            Err(error) => {
                tracing::warn!(error = %error, "could not start the zoom-change execution");
                return Reply::new(503, "retry_later").with_event(event);
            }
        }
    }
    let mut reply = Reply::new(
        200,
        if started > 0 {
            "change_started"
        } else {
            "duplicate"
        },
    )
    .with_event(event);
    reply.meeting_hash = requests.first().map(|r| r.meeting_uuid.sha256_hex());
    reply.body = json!({"status": reply.decision, "instances": requests.len()});
    reply
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
