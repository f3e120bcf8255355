//! The messages between the ingest state machine's states, and the error every task returns.
//!
//! The state machine (`statemachine/ingest-recording.asl.json`) selects fields by these names,
//! so renaming one is a change to the ASL too. State stays small (Step Functions caps it at
//! 256 KiB) and never carries a token or a password: `retrieve-recording` reads the webhook's
//! `download_token` from the execution's own input with `DescribeExecution`.
//!
//! Per-file bulk stays out of the state too: "Ingest metadata" writes the files to copy into a
//! [`FileManifest`] in the bucket, the Map iterates over their indices, each iteration answers
//! only its index (and its error), and "Finish ingest" reads the manifest and asks the bucket
//! (`HeadObject`) what each copy is. A meeting with hundreds of files fits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::MeetingUuid;
use crate::domain::document::{MeetingSummary, MetadataKeys, ParticipantsSummary};
use crate::domain::execution::IngestKind;
use crate::errors::ErrorName;
use crate::transfer::{TransferState, VerifiedObject};
use crate::workflow::Source;

/// Input of "Ingest metadata": the execution input without its `download_token`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestRequest {
    /// Who started the execution; absent in executions started before it was recorded,
    /// which were the webhook's.
    #[serde(default = "webhook_source")]
    pub source: Source,
    pub kind: IngestKind,
    pub meeting_uuid: MeetingUuid,
    /// The webhook body without secrets, when the execution came from one and it fit.
    #[serde(default)]
    pub webhook: Option<Value>,
    pub execution_arn: String,
}

fn webhook_source() -> Source {
    Source::Webhook
}

/// What "Ingest metadata" decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum IngestDecision {
    /// Copy the items.
    Ingest,
    /// The instance is archived already (or the transcript is): end successfully, do nothing.
    AlreadyArchived,
    /// The archive rules leave this instance out.
    Skipped,
    /// Another execution is copying this instance now: this one ends without copying.
    AlreadyRunning,
}

/// Output of "Ingest metadata", and the state the rest of the execution carries.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IngestPlan {
    pub decision: IngestDecision,
    #[serde(default)]
    pub reason: Option<String>,
    pub kind: IngestKind,
    pub meeting_uuid: MeetingUuid,
    /// The Map's `MaxConcurrencyPath`.
    pub files_in_flight: usize,
    #[serde(default)]
    pub meeting: Option<MeetingSummary>,
    #[serde(default)]
    pub folder: Option<String>,
    #[serde(default)]
    pub metadata: MetadataKeys,
    #[serde(default)]
    pub participants: Option<ParticipantsSummary>,
    /// Key of the [`FileManifest`] that lists the files to copy (with `decision: INGEST`).
    #[serde(default)]
    pub manifest: Option<String>,
    /// One Map iteration each: the positions of the files in the manifest.
    #[serde(default)]
    pub files: Vec<usize>,
}

/// The files an execution copies, written by "Ingest metadata" where only the pipeline writes
/// (see [`crate::domain::layout::manifest_key`]) and read by each iteration and by "Finish
/// ingest". The bucket's lifecycle removes it a few days after the execution's time limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileManifest {
    /// The execution that wrote it: an iteration of another execution refuses it.
    pub execution_arn: String,
    pub meeting_uuid: MeetingUuid,
    pub items: Vec<FileItem>,
}

impl FileManifest {
    /// The item at `index`, which must belong to `execution_arn`.
    pub fn item(&self, index: usize, execution_arn: &str) -> Result<&FileItem, StepError> {
        if self.execution_arn != execution_arn {
            return Err(StepError::invalid_input(format!(
                "the file manifest belongs to {}, not to {execution_arn}",
                self.execution_arn
            )));
        }
        self.items.get(index).ok_or_else(|| {
            StepError::invalid_input(format!(
                "the file manifest lists {} files, not a file {index}",
                self.items.len()
            ))
        })
    }
}

/// Which file of which manifest a Map iteration copies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRef {
    pub manifest: String,
    pub index: usize,
}

/// One file to copy: where from, where to, and what the document will say about it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileItem {
    pub key: String,
    pub download_url: String,
    /// As Zoom announced it; `None` when Zoom did not say (the retriever asks the server).
    #[serde(default)]
    pub size: Option<u64>,
    pub fallback_content_type: String,
    #[serde(default)]
    pub file_id: Option<String>,
    #[serde(default)]
    pub file_type: Option<String>,
    #[serde(default)]
    pub file_extension: Option<String>,
    #[serde(default)]
    pub recording_type: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub recording_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub recording_end: Option<DateTime<Utc>>,
}

/// Where one file's copy stands; "Retrieve file" loops while it is `IN_PROGRESS`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Retrieval {
    /// Not started.
    New,
    /// Call again with this state.
    InProgress { state: TransferState },
    /// In S3 and verified.
    Done { object: VerifiedObject },
}

/// Input of "Retrieve file".
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RetrieveRequest {
    pub file: FileRef,
    pub execution_arn: String,
    pub previous: Retrieval,
}

/// Longest message a "Retrieve file" error hands to Step Functions: the Map collects every failed
/// iteration's `Cause` into one state (256 KiB at most), so hundreds of failed files must fit.
/// The whole message is in the function's log.
pub const MAX_ITERATION_MESSAGE_BYTES: usize = 240;

/// What one Map iteration ended with: the file's position in the manifest, and its error when
/// it failed (caught inside the iteration, so the other files still end cleanly, finished or
/// their multipart upload aborted, instead of being cut off).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileOutcome {
    pub index: usize,
    #[serde(default)]
    pub failure: Option<CaughtError>,
}

/// Input of `finish-ingest`, one function for the three closing states.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FinishRequest {
    /// "Finish ingest": the document to S3 and DynamoDB, then the notification.
    Finish(Box<FinishIngest>),
    /// "Trash Zoom copy".
    Trash {
        kind: IngestKind,
        meeting_uuid: MeetingUuid,
    },
    /// "Record failure".
    RecordFailure {
        kind: IngestKind,
        meeting_uuid: MeetingUuid,
        error: CaughtError,
        execution_arn: String,
    },
    /// "Trash due copies" of the daily scan (`TRASH_AFTER_DAYS`): the archived recordings whose
    /// days in Zoom are over, each verified again first.
    TrashDue {
        #[serde(default)]
        continuation: Option<TrashDueContinuation>,
    },
}

/// Where a "Trash due copies" run carries on, and what it did so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashDueContinuation {
    pub start_after: MeetingUuid,
    pub totals: TrashDueCounts,
}

/// What a "Trash due copies" run did (cumulative over continuations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashDueCounts {
    /// ARCHIVED recordings looked at.
    pub examined: u64,
    /// Moved to Zoom's trash now.
    pub trashed: u64,
    /// Their days in Zoom are not over yet.
    pub waiting: u64,
    /// Kept in Zoom for good by a NEVER_TRASH rule.
    pub kept: u64,
    /// Not trashed because the archive did not verify, with the problem (the first
    /// [`MAX_LISTED_PROBLEMS`]; `not_verified_count` counts them all).
    pub not_verified: Vec<TrashRefused>,
    #[serde(default)]
    pub not_verified_count: u64,
}

/// Most problems a trash run lists: its output stays far within Step Functions' 256 KiB.
pub const MAX_LISTED_PROBLEMS: usize = 50;

/// An archived recording whose Zoom copy stays because the archive did not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrashRefused {
    pub meeting_uuid: MeetingUuid,
    pub problem: String,
}

/// What "Finish ingest" needs from the plan and the Map.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FinishIngest {
    pub kind: IngestKind,
    pub meeting_uuid: MeetingUuid,
    pub meeting: MeetingSummary,
    pub folder: String,
    #[serde(default)]
    pub metadata: MetadataKeys,
    #[serde(default)]
    pub participants: Option<ParticipantsSummary>,
    /// The files the Map copied (absent when there were none).
    #[serde(default)]
    pub manifest: Option<String>,
    /// Every Map iteration's outcome.
    pub archived: Vec<FileOutcome>,
    pub execution_arn: String,
}

/// The error a `Catch` puts at `$.error`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CaughtError {
    #[serde(rename = "Error")]
    pub error: String,
    #[serde(rename = "Cause", default)]
    pub cause: Option<String>,
}

/// A task's failure as Step Functions sees it: a stable `errorType` to retry or catch on, and a
/// message for the operator.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{error_type}: {message}")]
pub struct StepError {
    pub error_type: String,
    pub message: String,
}

impl StepError {
    pub fn new(error_type: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error_type: error_type.into(),
            message: message.into(),
        }
    }

    /// The input is not what the state machine sends.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(INVALID_INPUT, message)
    }

    /// The same error with its message cut to at most `max_bytes` (and a `…`), at a character
    /// boundary.
    pub fn truncated(mut self, max_bytes: usize) -> Self {
        if self.message.len() > max_bytes {
            let mut cut = max_bytes;
            while !self.message.is_char_boundary(cut) {
                cut -= 1;
            }
            self.message.truncate(cut);
            self.message.push('…');
        }
        self
    }

    /// From any error that knows its stable name; the message keeps the whole source chain.
    pub fn from_typed(error_type: &str, error: &(dyn std::error::Error + 'static)) -> Self {
        let mut message = error.to_string();
        let mut source = error.source();
        while let Some(cause) = source {
            message.push_str(": ");
            message.push_str(&cause.to_string());
            source = cause.source();
        }
        Self::new(error_type, message)
    }
}

/// Zoom's copy went to its trash, or was deleted, before the archive held all of it: never
/// retried (a `recording.recovered` starts the ingest again); the alarm tells the operator.
pub const REMOVED_BEFORE_ARCHIVED: &str = ErrorName::ZoomRemovedBeforeArchived.as_str();

/// The execution that holds `item`'s ingest (INGESTING, named on the item), if it still runs.
pub async fn running_ingest_owner<S: crate::workflow::ExecutionStarter>(
    item: &crate::table::RecordingItem,
    executions: &S,
) -> Result<Option<String>, StepError> {
    let Some(owner) = item
        .execution_arn
        .as_deref()
        .filter(|_| item.status == crate::domain::status::RecordingStatus::Ingesting)
    else {
        return Ok(None);
    };
    let running = executions
        .is_running(owner)
        .await
        .map_err(|error| StepError::from_typed(WORKFLOW_UNAVAILABLE, &error))?;
    Ok(running.then(|| owner.to_owned()))
}

/// What the operator reads on the item when Zoom's copy was removed before the archive held
/// it: which removal, and which of the files it named the archive lacks.
pub fn removed_before_archived_message(
    item: &crate::table::RecordingItem,
    removal: &crate::domain::zoom_change::ZoomChange,
) -> String {
    let archived = |file_id: &Option<String>| {
        file_id.is_some()
            && item
                .files
                .iter()
                .any(|archived| archived.file_id == *file_id)
    };
    let missing: Vec<String> = removal
        .files
        .iter()
        .filter(|file| !archived(&file.file_id))
        .map(|file| file.describe())
        .collect();
    let missing = if removal.files.is_empty() {
        "every file of the instance".to_owned()
    } else {
        missing.join(", ")
    };
    format!(
        "Zoom's copy was removed before the archive was complete: {}; not archived: {missing}",
        removal.describe()
    )
}

/// A download URL that is not Zoom's (`ZOOM_ALLOWED_HOSTS`): never retried, nothing requested.
pub const URL_REFUSED: &str = ErrorName::TransferUrlRefused.as_str();

/// Step Functions could not be asked (`DescribeExecution`).
pub const WORKFLOW_UNAVAILABLE: &str = ErrorName::WorkflowUnavailable.as_str();
/// The notification queue refused or failed the message.
pub const NOTIFY_UNAVAILABLE: &str = ErrorName::NotifyUnavailable.as_str();

/// Error names that are not the Zoom client's, the table's or the transfer's.
pub const INVALID_INPUT: &str = ErrorName::InvalidInput.as_str();
/// A transcript arrived before its recording was archived; retried by the state machine.
pub const ARCHIVE_PENDING: &str = ErrorName::ArchivePending.as_str();
/// The table refused a status change that the pipeline needed.
pub const STATUS_CONFLICT: &str = ErrorName::ArchiveConflict.as_str();
/// The S3 copy no longer matches the table: never trash.
pub const NOT_VERIFIED: &str = ErrorName::ArchiveNotVerified.as_str();

impl From<crate::zoom::ZoomError> for StepError {
    fn from(error: crate::zoom::ZoomError) -> Self {
        Self::from_typed(error.error_type(), &error)
    }
}

impl From<crate::table::TableError> for StepError {
    fn from(error: crate::table::TableError) -> Self {
        Self::from_typed(error.error_type(), &error)
    }
}

impl From<crate::transfer::TransferError> for StepError {
    fn from(error: crate::transfer::TransferError) -> Self {
        Self::from_typed(error.error_type(), &error)
    }
}

impl From<StepError> for lambda_runtime::Diagnostic {
    fn from(error: StepError) -> Self {
        Self {
            error_type: error.error_type,
            error_message: error.message,
        }
    }
}

/// Decodes a task's input, naming what is wrong.
pub fn decode<T: serde::de::DeserializeOwned>(payload: Value) -> Result<T, StepError> {
    serde_json::from_value(payload)
        .map_err(|error| StepError::invalid_input(format!("unexpected input: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn retrieval_states_have_the_names_the_state_machine_tests() {
        assert_eq!(
            serde_json::to_value(Retrieval::New).unwrap_or_default(),
            json!({"status": "NEW"})
        );
        let state = TransferState {
            upload_id: "u".into(),
            size: 10,
            part_size: 8,
            stalled_calls: 0,
        };
        let value = serde_json::to_value(Retrieval::InProgress { state }).unwrap_or_default();
        assert_eq!(value["status"], "IN_PROGRESS");
        assert_eq!(value["state"]["upload_id"], "u");
    }

    #[test]
    fn a_map_iteration_ends_archived_or_failed() {
        let archived: FileOutcome = decode(json!({"index": 3})).unwrap_or_else(|e| panic!("{e}"));
        assert!(archived.index == 3 && archived.failure.is_none());
        let failed: FileOutcome = decode(json!({"index": 4, "failure": {
            "Error": "Integrity.Mismatch", "Cause": "{}"
        }}))
        .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            failed.failure.map(|f| f.error).as_deref(),
            Some("Integrity.Mismatch")
        );
        assert!(decode::<FileOutcome>(json!({"item": {}})).is_err());
    }

    #[test]
    fn a_manifest_gives_its_own_execution_the_files_it_lists() {
        let item: FileItem = serde_json::from_value(json!({
            "key": "f/a.mp4", "download_url": "https://zoom.us/a", "fallback_content_type": "video/mp4"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        let manifest = FileManifest {
            execution_arn: "arn:e1".into(),
            meeting_uuid: MeetingUuid::parse("abc==").unwrap_or_else(|e| panic!("{e}")),
            items: vec![item.clone()],
        };
        assert_eq!(manifest.item(0, "arn:e1").ok(), Some(&item));
        let beyond = manifest.item(1, "arn:e1").err().map(|e| e.message);
        assert!(beyond.is_some_and(|m| m.contains("lists 1 files")));
        let foreign = manifest.item(0, "arn:e2").err().map(|e| e.message);
        assert!(foreign.is_some_and(|m| m.contains("belongs to arn:e1")));
    }

    #[test]
    fn a_truncated_message_is_cut_at_a_character_boundary() {
        let long = StepError::new("Zoom.Rejected", "aé".repeat(200)).truncated(5);
        assert_eq!(long.message, "aéa…");
        let short = StepError::new("Zoom.Rejected", "short").truncated(5);
        assert_eq!(short.message, "short");
    }

    #[test]
    fn finish_requests_are_told_apart_by_action() {
        let request: FinishRequest = decode(json!({
            "action": "record_failure", "kind": "recording", "meeting_uuid": "abc==",
            "error": {"Error": "Zoom.DownloadRefused", "Cause": "{\"errorMessage\":\"html\"}"},
            "execution_arn": "arn:aws:states:us-east-1:1:execution:m:e"
        }))
        .unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(request, FinishRequest::RecordFailure { .. }));
        let error = decode::<FinishRequest>(json!({"action": "explode"})).err();
        assert_eq!(error.map(|e| e.error_type), Some(INVALID_INPUT.to_owned()));
    }
}
