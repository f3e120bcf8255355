//! The message downstream systems receive when a recording is archived.

use archiver::domain::document::RecordingDocument;
use archiver::domain::execution::IngestKind;
use archiver::pipeline::StepError;
use serde_json::json;

/// Event name of a newly archived recording.
pub const RECORDING_ARCHIVED: &str = "recording.archived";
/// Event name of a transcript added to an archived recording.
pub const TRANSCRIPT_ARCHIVED: &str = "recording.transcript_archived";

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

    /// Announces an archived document: where it is, and a summary to route on without
    /// reading it. A retried state may announce twice; consumers key on `document_key`.
    pub async fn archived(
        &self,
        kind: IngestKind,
        document: &RecordingDocument,
        document_key: &str,
        bucket: &str,
    ) -> Result<(), StepError> {
        let meeting = &document.meeting;
        let body = json!({
            "event": match kind {
                IngestKind::Recording => RECORDING_ARCHIVED,
                IngestKind::Transcript => TRANSCRIPT_ARCHIVED,
            },
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
        });
        self.client
            .send_message()
            .queue_url(&self.queue_url)
            .message_body(body.to_string())
            .send()
            .await
            .map_err(|error| {
                StepError::from_typed(archiver::pipeline::NOTIFY_UNAVAILABLE, &error)
            })?;
        Ok(())
    }
}
