//! Reindex: an operator edited a recording document (a topic, a disposition); check it against
//! the table and the bucket and write it to S3 and the table. An invalid document changes
//! nothing and the error lists every problem at once, so one round of fixes is enough. A valid
//! one is announced to downstream systems (`recording.reindexed`) after it is written.
//!
//! An edit stays inside its own recording: the table must hold the instance (ARCHIVED or
//! TRASHED; EXPIRED for a new disposition only), the folder is the item's, every key lies in it
//! and exists with its size, and what records the archive's history (`meeting.uuid`, `folder`,
//! `trashed_at`, `expired_at`, the status) is not editable. Both writes are conditional on what
//! was read, so an edit never undoes a trash, a retention or another edit that ran meanwhile.

use archiver::bucket::{Bucket, ExpectedObject, Precondition, Tagged, Written};
use archiver::domain::document::RecordingDocument;
use archiver::domain::status::RecordingStatus;
use archiver::notify::{Notifier, RECORDING_REINDEXED};
use archiver::pipeline::{STATUS_CONFLICT, StepError};
use archiver::table::{RecordingItem, RecordingsTable, Transition};
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
    let document = RecordingDocument::from_json(&input).map_err(invalid)?;
    let Some(item) = deps.table.get(&document.meeting.uuid).await? else {
        return Err(invalid(vec![format!(
            "meeting.uuid {}: the table holds no recording of this instance (reindex edits \
             archived recordings; scripts/ops reindex cannot create one)",
            document.meeting.uuid
        )]));
    };
    let document_key = document.document_key();
    let stored = deps
        .bucket
        .get_tagged_if_readable::<RecordingDocument>(&document_key)
        .await?;
    let mut problems = history_problems(&document, &item, stored.as_ref().map(|s| &s.value));
    if problems.is_empty() && item.status != RecordingStatus::Expired {
        problems.extend(bucket_problems(&document, deps.bucket).await?);
    }
    if !problems.is_empty() {
        return Err(invalid(problems));
    }
    // A damaged document is replaced, but only as it was read.
    let precondition = match &stored {
        Some(Tagged { etag, .. }) => Precondition::Unchanged(etag.clone()),
        None => deps.bucket.current_state(&document_key).await?,
    };
    // The document first: a retried reindex after a failed item write is harmless, while an
    // item pointing at edits that never reached S3 would be lost by the next rebuild.
    if deps
        .bucket
        .put_json_if(&document_key, &document, &precondition)
        .await?
        == Written::Conflict
    {
        return Err(changed_meanwhile(&document_key));
    }
    let mut edited = RecordingItem::from_document(&document, &document_key, item.status);
    edited.failure = item.failure.clone();
    if let Transition::Refused { current } = deps.table.replace_unchanged(&edited, &item).await? {
        return Err(StepError::new(
            STATUS_CONFLICT,
            format!(
                "the recording changed while it was reindexed (the table holds {current:?} \
                 now): read its recording.json again and repeat the edit"
            ),
        ));
    }
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
        meeting_hash = %document.meeting.uuid.log_id(),
        status = %item.status,
        "recording document reindexed"
    );
    Ok(Reindexed {
        meeting_uuid: document.meeting.uuid.as_str().to_owned(),
        document_key,
        status: item.status.as_str().to_owned(),
        files: document.files.len(),
        notified: deps.notifier.is_some(),
    })
}

fn changed_meanwhile(document_key: &str) -> StepError {
    StepError::new(
        STATUS_CONFLICT,
        format!(
            "{document_key} changed while it was reindexed, nothing was written: read it again \
             and repeat the edit"
        ),
    )
}

/// Every way the edit reaches outside its recording or rewrites the archive's history: the
/// instance must be one the table holds, in its own folder, with the trash and retention marks
/// (and so the status) the stored document has.
fn history_problems(
    document: &RecordingDocument,
    item: &RecordingItem,
    stored: Option<&RecordingDocument>,
) -> Vec<String> {
    let mut problems = Vec::new();
    match item.status {
        RecordingStatus::Archived | RecordingStatus::Trashed | RecordingStatus::Expired => {}
        RecordingStatus::Ingesting => problems.push(
            "status: an ingest of this instance is running (INGESTING); reindex once it ends"
                .into(),
        ),
        RecordingStatus::Failed => problems.push(
            "status: the instance's ingest FAILED, so nothing is archived to edit; re-ingest it"
                .into(),
        ),
    }
    if document.folder != item.folder {
        problems.push(format!(
            "folder: {:?} is not this recording's folder {:?}; the folder cannot be changed",
            document.folder, item.folder
        ));
        return problems;
    }
    match stored {
        Some(stored) => {
            if stored.meeting.uuid != document.meeting.uuid {
                problems.push(format!(
                    "meeting.uuid: the folder holds the recording of {}, not {}",
                    stored.meeting.uuid, document.meeting.uuid
                ));
            }
            if document.trashed_at != stored.trashed_at {
                problems.push(format!(
                    "trashed_at: must stay {:?} as archived (it records when Zoom's copy went to \
                     its trash); it cannot be added, removed or changed",
                    stored.trashed_at.map(|t| t.to_rfc3339())
                ));
            }
            if document.expired_at != stored.expired_at {
                problems.push(format!(
                    "expired_at: must stay {:?} as archived (it records when retention deleted \
                     the files); it cannot be added, removed or changed",
                    stored.expired_at.map(|t| t.to_rfc3339())
                ));
            }
            if document.zoom_changes != stored.zoom_changes {
                problems.push(
                    "zoom_changes: must stay as archived (it records what Zoom said happened to \
                     its copy); it cannot be edited"
                        .into(),
                );
            }
            if item.status == RecordingStatus::Expired && problems.is_empty() {
                problems.extend(expired_edit_problems(document, stored));
            }
        }
        None if item.status == RecordingStatus::Expired => problems.push(
            "status: the recording is EXPIRED and its document is missing or damaged; \
             rebuild-database cannot help either, so nothing is written"
                .into(),
        ),
        None => {}
    }
    if problems.is_empty() && document.status() != item.status {
        problems.push(format!(
            "status: the document stands for {} (its trashed_at and expired_at), the table \
             holds {}; the status cannot be changed by an edit",
            document.status(),
            item.status
        ));
    }
    problems
}

/// An expired recording's files are gone: only its disposition may change.
fn expired_edit_problems(document: &RecordingDocument, stored: &RecordingDocument) -> Vec<String> {
    let as_stored = RecordingDocument {
        disposition: document.disposition.clone(),
        ..stored.clone()
    };
    if as_stored == *document {
        return Vec::new();
    }
    let (edited, stored) = (
        serde_json::to_value(document).unwrap_or_default(),
        serde_json::to_value(&as_stored).unwrap_or_default(),
    );
    let changed: Vec<&str> = edited
        .as_object()
        .into_iter()
        .flatten()
        .chain(stored.as_object().into_iter().flatten())
        .filter(|(name, _)| edited.get(name.as_str()) != stored.get(name.as_str()))
        .map(|(name, _)| name.as_str())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    vec![format!(
        "{}: the recording is EXPIRED, only its disposition may change",
        changed.join(", ")
    )]
}

/// Every key the document names must be in the bucket as it says, and the folder must be this
/// recording's alone.
async fn bucket_problems(
    document: &RecordingDocument,
    bucket: &Bucket,
) -> Result<Vec<String>, StepError> {
    let expected: Vec<ExpectedObject<'_>> =
        document.files.iter().map(ExpectedObject::from).collect();
    let mut problems = bucket.differences(&expected).await?;
    if let Some(participants) = &document.participants {
        if bucket.head(&participants.key).await?.is_none() {
            problems.push(format!("{} is missing from the bucket", participants.key));
        }
    }
    for other in bucket
        .other_documents(&document.folder, &document.document_key())
        .await?
    {
        problems.push(format!(
            "folder: it also holds another recording's document, {other}"
        ));
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
