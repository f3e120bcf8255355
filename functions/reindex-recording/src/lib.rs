//! Reindex: an operator edited a recording document (a topic, a disposition); check it against
//! the bucket and write it to S3 and the table. An invalid document changes nothing and the
//! error lists every problem at once, so one round of fixes is enough. A valid one is announced
//! to downstream systems (`recording.reindexed`) after it is written.

use archiver::bucket::{Bucket, ExpectedObject};
use archiver::domain::document::RecordingDocument;
use archiver::domain::layout::RECORDING_DOCUMENT_FILE;
use archiver::domain::status::RecordingStatus;
use archiver::notify::{Notifier, RECORDING_REINDEXED};
use archiver::pipeline::StepError;
use archiver::table::{RecordingItem, RecordingsTable};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
    /// `None` when `NOTIFY_QUEUE_URL` is not set.
    pub notifier: Option<&'a Notifier>,
}

/// What was written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reindexed {
    pub meeting_uuid: String,
    pub document_key: String,
    pub status: String,
    pub files: usize,
    /// Downstream systems were told (`recording.reindexed`).
    pub notified: bool,
}

/// The handler: the input is the whole edited document.
pub async fn reindex_recording(
    input: Value,
    deps: &Dependencies<'_>,
) -> Result<Reindexed, StepError> {
    let mut document = RecordingDocument::from_json(&input).map_err(invalid)?;
    let document_key = format!("{}/{RECORDING_DOCUMENT_FILE}", document.folder);
    let stored = deps
        .bucket
        .get_json_if_readable::<RecordingDocument>(&document_key)
        .await?;
    let item = deps.table.get(&document.meeting.uuid).await?;
    let problems =
        problems_with_the_archive(&document, stored.as_ref(), item.as_ref(), deps).await?;
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // The trash and retention marks are facts about the archive, not editable fields.
    if let Some(stored) = &stored {
        document.trashed_at = document.trashed_at.or(stored.trashed_at);
        document.expired_at = document.expired_at.or(stored.expired_at);
    }
    let status = match item.as_ref().map(|i| i.status) {
        Some(status) if status.is_archived() => status.max_archived(document.status()),
        _ => document.status(),
    };
    deps.bucket.put_json(&document_key, &document).await?;
    deps.table
        .upsert(&RecordingItem::from_document(
            &document,
            &document_key,
            status,
        ))
        .await?;
    // Written first: a failed notification is an error the operator sees, and running the same
    // reindex again is harmless.
    if let Some(notifier) = deps.notifier {
        notifier
            .document(
                RECORDING_REINDEXED,
                &document,
                &document_key,
                deps.bucket.name(),
            )
            .await?;
    }
    tracing::info!(
        meeting_hash = %&document.meeting.uuid.sha256_hex()[..16],
        status = %status,
        "recording document reindexed"
    );
    Ok(Reindexed {
        meeting_uuid: document.meeting.uuid.as_str().to_owned(),
        document_key,
        status: status.as_str().to_owned(),
        files: document.files.len(),
        notified: deps.notifier.is_some(),
    })
}

/// Every way the document disagrees with what is archived.
async fn problems_with_the_archive(
    document: &RecordingDocument,
    stored: Option<&RecordingDocument>,
    item: Option<&RecordingItem>,
    deps: &Dependencies<'_>,
) -> Result<Vec<String>, StepError> {
    let mut problems = Vec::new();
    if let Some(stored) = stored.filter(|s| s.meeting.uuid != document.meeting.uuid) {
        problems.push(format!(
            "the folder {} holds the recording of meeting uuid {}, not {}",
            document.folder, stored.meeting.uuid, document.meeting.uuid
        ));
    }
    match item.map(|i| i.status) {
        Some(RecordingStatus::Ingesting) => {
            problems.push("an ingest of this instance is running; reindex once it ends".into());
        }
        Some(RecordingStatus::Expired) => {
            problems.push("the recording was EXPIRED by retention; its files are gone".into());
        }
        _ => {}
    }
    let expected: Vec<ExpectedObject<'_>> =
        document.files.iter().map(ExpectedObject::from).collect();
    problems.extend(deps.bucket.differences(&expected).await?);
    if let Some(participants) = &document.participants {
        if deps.bucket.head(&participants.key).await?.is_none() {
            problems.push(format!("{} is missing from the bucket", participants.key));
        }
    }
    Ok(problems)
}

fn invalid(problems: Vec<String>) -> StepError {
    let listed: Vec<String> = problems
        .iter()
        .enumerate()
        .map(|(index, problem)| format!("({}) {problem}", index + 1))
        .collect();
    StepError::invalid_input(format!(
        "the document is not valid, nothing was written; {} problem(s): {}",
        problems.len(),
        listed.join("; ")
    ))
}
