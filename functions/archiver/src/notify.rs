//! The messages downstream systems receive on `NOTIFY_QUEUE_URL`, one JSON object each with an
//! `event`: a recording archived, a transcript added to one, a document reindexed by hand, a
//! recording renamed in Zoom, a recording deleted by retention. Delivery is at least once (a retried step may send again):
//! consumers key on `event` and `document_key`.

use serde_json::{Value, json};

use crate::domain::document::RecordingDocument;
use crate::domain::execution::IngestKind;
use crate::pipeline::{NOTIFY_UNAVAILABLE, StepError};
use crate::table::RecordingItem;

/// A newly archived recording.
pub const RECORDING_ARCHIVED: &str = "recording.archived";
/// A transcript added to an archived recording.
pub const TRANSCRIPT_ARCHIVED: &str = "recording.transcript_archived";
/// An archived recording's document edited and written again (`reindex-recording`).
pub const RECORDING_REINDEXED: &str = "recording.reindexed";
/// An archived recording renamed in Zoom (`recording.renamed`): its document has the new topic.
pub const RECORDING_RENAMED: &str = "recording.renamed";
/// An archived recording's media deleted by retention; its document stays as a tombstone.
pub const RECORDING_EXPIRED: &str = "recording.expired";

/// The event that announces an ingest of `kind`.
pub fn archived_event(kind: IngestKind) -> &'static str {
    match kind {
        IngestKind::Recording => RECORDING_ARCHIVED,
        IngestKind::Transcript => TRANSCRIPT_ARCHIVED,
    }
}

/// Sends notifications to the SQS queue of `NOTIFY_QUEUE_URL`.
#[derive(Debug, Clone)]
pub struct Notifier {
    client: aws_sdk_sqs::Client,
    queue_url: String,
}

impl Notifier {
    pub fn new(client: aws_sdk_sqs::Client, queue_url: String) -> Self {
        Self { client, queue_url }
    }

    /// Announces a document written by `event`: where it is, and a summary to route on without
    /// reading it.
    pub async fn document(
        &self,
        event: &str,
        document: &RecordingDocument,
        document_key: &str,
        bucket: &str,
    ) -> Result<(), StepError> {
        let meeting = &document.meeting;
        self.send(json!({
            "event": event,
            "bucket": bucket,
            "document_key": document_key,
            "folder": document.folder,
            "meeting_uuid": meeting.uuid,
            "meeting_id": meeting.id,
            "topic": meeting.topic,
            "host_email": meeting.host_email,
            "start_time": meeting.start_time,
            "duration_minutes": meeting.duration_minutes,
            "files": document.files.len(),
            "total_bytes": document.files.iter().map(|f| f.size).sum::<u64>(),
            "file_types": document.files.iter().filter_map(|f| f.file_type.clone()).collect::<Vec<_>>(),
        }))
        .await
    }

    /// Announces a recording whose media retention deleted, and why.
    pub async fn expired(
        &self,
        item: &RecordingItem,
        document_key: &str,
        bucket: &str,
        reason: &str,
        objects_deleted: u64,
    ) -> Result<(), StepError> {
        self.send(json!({
            "event": RECORDING_EXPIRED,
            "bucket": bucket,
            "document_key": document_key,
            "folder": item.folder,
            "meeting_uuid": item.meeting_uuid,
            "meeting_id": item.meeting_id,
            "topic": item.topic,
            "host_email": item.host_email,
            "start_time": item.start_time,
            "reason": reason,
            "objects_deleted": objects_deleted,
            "total_bytes": item.files.iter().map(|f| f.size).sum::<u64>(),
        }))
        .await
    }

    async fn send(&self, body: Value) -> Result<(), StepError> {
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body.to_string())
            .send()
            .await
            .map_err(|error| StepError::from_typed(NOTIFY_UNAVAILABLE, &error))?;
        Ok(())
    }
}
