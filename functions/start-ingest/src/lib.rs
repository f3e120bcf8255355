//! Manual re-ingest: an operator asks for one meeting instance to be archived (again).
//!
//! Input: `{"meeting_uuid": "..."}` (optionally `"kind": "transcript"`), or a webhook body as
//! Zoom sent it or as stored in S3 (secrets removed). The function asks Zoom for the instance's
//! current files and a fresh download token, then starts an execution whose name marks it as a
//! manual run (`manual-<kind>-<uuid hash>-<time>`), so a re-run is possible on purpose while
//! Zoom's duplicate webhooks still collapse into one execution.
//!
//! - An archive that is complete (every file in the bucket as archived) is not run again.
//! - A damaged archive is run again; the execution repairs it in place and never downgrades it.
//! - An unknown uuid is a `Zoom.NotFound` error, and nothing is started.

use archiver::bucket::Bucket;
use archiver::domain::execution::IngestKind;
use archiver::domain::status::RecordingStatus;
use archiver::domain::webhook::{RECORDING_COMPLETED, RECORDING_TRANSCRIPT_COMPLETED};
use archiver::domain::{MeetingUuid, RecordingEvent, SecretString};
use archiver::pipeline::{
    INVALID_INPUT, STATUS_CONFLICT, StepError, WORKFLOW_UNAVAILABLE, running_ingest_owner,
};
use archiver::table::{RecordingItem, RecordingsTable};
use archiver::workflow::{ExecutionStarter, Source, StartOutcome, StepFunctions, execution_input};
use archiver::zoom::{ZoomClient, ZoomError};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The fresh download token's lifetime: a day, like a webhook's.
const DOWNLOAD_TOKEN_TTL: std::time::Duration = std::time::Duration::from_secs(24 * 3600);

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub zoom: &'a ZoomClient,
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
    pub workflow: &'a StepFunctions,
}

/// The request, once its shape is known.
#[derive(Debug, Clone)]
pub struct ReingestRequest {
    pub kind: IngestKind,
    pub meeting_uuid: MeetingUuid,
    /// The webhook body, when the operator gave one (it is stored with the recording).
    pub webhook: Option<Value>,
}

#[derive(Deserialize)]
struct ByUuid {
    meeting_uuid: MeetingUuid,
    #[serde(default = "recording_kind")]
    kind: IngestKind,
}

fn recording_kind() -> IngestKind {
    IngestKind::Recording
}

impl ReingestRequest {
    /// Reads either form of input, naming what is wrong.
    pub fn parse(input: Value) -> Result<Self, StepError> {
        if input.get("payload").is_some() {
            return Self::from_webhook(input);
        }
        let request: ByUuid = serde_json::from_value(input).map_err(|error| {
            StepError::invalid_input(format!(
                "expected {{\"meeting_uuid\": \"...\"}} or a recording webhook body: {error}"
            ))
        })?;
        Ok(Self {
            kind: request.kind,
            meeting_uuid: request.meeting_uuid,
            webhook: None,
        })
    }

    fn from_webhook(body: Value) -> Result<Self, StepError> {
        let event: RecordingEvent = serde_json::from_value(body.clone()).map_err(|error| {
            StepError::invalid_input(format!("not a recording webhook body: {error}"))
        })?;
        let kind = match event.event.as_str() {
            RECORDING_COMPLETED => IngestKind::Recording,
            RECORDING_TRANSCRIPT_COMPLETED => IngestKind::Transcript,
            other => {
                return Err(StepError::invalid_input(format!(
                    "the webhook is {other:?}; only {RECORDING_COMPLETED} and \
                     {RECORDING_TRANSCRIPT_COMPLETED} can be ingested"
                )));
            }
        };
        Ok(Self {
            kind,
            meeting_uuid: event.payload.object.uuid,
            webhook: Some(body),
        })
    }
}

/// What the operator is told.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReingestOutcome {
    pub started: bool,
    pub meeting_uuid: MeetingUuid,
    pub kind: IngestKind,
    #[serde(default)]
    pub execution_name: Option<String>,
    #[serde(default)]
    pub execution_arn: Option<String>,
    /// Files Zoom lists for the instance now (`None` when it is in Zoom's trash).
    #[serde(default)]
    pub zoom_files: Option<usize>,
    pub reason: String,
}

/// The handler.
pub async fn start_ingest(
    input: Value,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
) -> Result<ReingestOutcome, StepError> {
    let request = ReingestRequest::parse(input)?;
    let outcome = |started: bool, reason: String| ReingestOutcome {
        started,
        meeting_uuid: request.meeting_uuid.clone(),
        kind: request.kind,
        execution_name: None,
        execution_arn: None,
        zoom_files: None,
        reason,
    };
    let item = deps.table.get(&request.meeting_uuid).await?;
    if let Some(item) = &item {
        if let Some(reason) = nothing_to_repair(item, request.kind, deps).await? {
            return Ok(outcome(false, reason));
        }
        refuse_while_running(item, deps.workflow).await?;
    }
    let (token, zoom_files) = match deps
        .zoom
        .meeting_recordings(&request.meeting_uuid, Some(DOWNLOAD_TOKEN_TTL))
        .await
    {
        Ok(recordings) => {
            let files = recordings.all_files().count();
            (recordings.download_access_token, Some(files))
        }
        // In Zoom's trash: the execution recovers it before copying, and trashes it again after.
        Err(ZoomError::NotFound { .. })
            if item
                .as_ref()
                .is_some_and(|i| i.status == RecordingStatus::Trashed) =>
        {
            (None, None)
        }
        Err(ZoomError::NotFound { message, .. }) => {
            return Err(StepError::new(
                "Zoom.NotFound",
                format!(
                    "Zoom has no cloud recording for meeting uuid {} ({message}); nothing was \
                     started. Check the uuid (an instance uuid, not the meeting number).",
                    request.meeting_uuid
                ),
            ));
        }
        Err(other) => return Err(other.into()),
    };
    let name = manual_execution_name(request.kind, &request.meeting_uuid, now);
    let execution_arn = start(&request, &name, token.as_ref(), deps.workflow).await?;
    tracing::info!(
        meeting_hash = %request.meeting_uuid.log_id(),
        execution = %name,
        "manual ingest started"
    );
    Ok(ReingestOutcome {
        execution_name: Some(name),
        execution_arn: Some(execution_arn),
        zoom_files,
        ..outcome(true, "started".into())
    })
}

/// `Some(reason)` when an archived recording needs no re-run: every file is in the bucket as
/// archived (or retention removed it on purpose).
async fn nothing_to_repair(
    item: &RecordingItem,
    kind: IngestKind,
    deps: &Dependencies<'_>,
) -> Result<Option<String>, StepError> {
    match item.status {
        RecordingStatus::Expired => {
            return Ok(Some(
                "the recording was EXPIRED by retention; it is not archived again".into(),
            ));
        }
        RecordingStatus::Archived | RecordingStatus::Trashed if kind == IngestKind::Recording => {}
        _ => return Ok(None),
    }
    if deps.bucket.item_differences(item).await?.is_empty() && item.unarchived_in_zoom().is_empty()
    {
        return Ok(Some(format!(
            "the recording is {} and every one of its {} files is in the bucket as archived",
            item.status,
            item.files.len()
        )));
    }
    Ok(None)
}

/// Two executions copying one instance at once would race: wait for the running one.
async fn refuse_while_running(
    item: &RecordingItem,
    workflow: &StepFunctions,
) -> Result<(), StepError> {
    if let Some(arn) = running_ingest_owner(item, workflow).await? {
        return Err(StepError::new(
            STATUS_CONFLICT,
            format!("an ingest of this instance is running ({arn}); let it finish first"),
        ));
    }
    Ok(())
}

async fn start(
    request: &ReingestRequest,
    name: &str,
    token: Option<&SecretString>,
    workflow: &StepFunctions,
) -> Result<String, StepError> {
    let input = execution_input(
        Source::Manual,
        request.kind,
        &request.meeting_uuid,
        token,
        request.webhook.clone(),
    );
    match workflow.start(name, &input).await {
        Ok(StartOutcome::Started { execution_arn }) => Ok(execution_arn),
        Ok(StartOutcome::AlreadyExists) => Err(StepError::new(
            INVALID_INPUT,
            format!("an execution named {name} exists already; try again in a second"),
        )),
        Err(error) => Err(StepError::from_typed(WORKFLOW_UNAVAILABLE, &error)),
    }
}

/// `manual-<kind>-<first 40 hex of the uuid's SHA-256>-<UTC time to the millisecond>`: within
/// Step Functions' 80 characters, apart from the webhook's names, and new at every run.
pub fn manual_execution_name(kind: IngestKind, uuid: &MeetingUuid, now: DateTime<Utc>) -> String {
    let kind = match kind {
        IngestKind::Recording => "recording",
        IngestKind::Transcript => "transcript",
    };
    format!(
        "manual-{kind}-{}-{}",
        &uuid.sha256_hex()[..40],
        now.format("%Y%m%dT%H%M%S%3f")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn manual_names_are_valid_distinct_and_recognisable() {
        let uuid = MeetingUuid::parse("/ab//c+d==").unwrap_or_else(|e| panic!("{e}"));
        let now = Utc::now();
        let name = manual_execution_name(IngestKind::Transcript, &uuid, now);
        assert!(name.starts_with("manual-transcript-"), "{name}");
        assert!(name.len() <= 80, "{} characters", name.len());
        assert!(
            name.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
        let later = now + chrono::Duration::milliseconds(1);
        assert_ne!(
            name,
            manual_execution_name(IngestKind::Transcript, &uuid, later)
        );
    }

    #[test]
    fn both_input_forms_are_read_and_anything_else_is_named() {
        let by_uuid = ReingestRequest::parse(json!({"meeting_uuid": "abc=="}));
        assert!(matches!(
            by_uuid,
            Ok(ReingestRequest {
                kind: IngestKind::Recording,
                ..
            })
        ));
        let path = format!(
            "{}/../../fixtures/zoom/recording.completed.sample-2025-02.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        let request = ReingestRequest::parse(body).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(request.kind, IngestKind::Recording);
        assert!(request.webhook.is_some());
        let wrong = ReingestRequest::parse(json!({"uuid": "abc=="})).err();
        assert_eq!(wrong.map(|e| e.error_type), Some(INVALID_INPUT.to_owned()));
        let other_event = ReingestRequest::parse(json!({
            "event": "meeting.started", "payload": {"object": {"uuid": "a==", "id": 1}}
        }))
        .err();
        assert!(other_event.is_some_and(|e| e.message.contains("meeting.started")));
    }
}
