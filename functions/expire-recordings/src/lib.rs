//! Retention: delete archived recordings whose time has come.
//!
//! A recording's `disposition` (keep forever, or delete after a date) wins over the global
//! `RETENTION_DAYS`; with neither, nothing is deleted. Every run is a dry run (it lists what
//! would go and touches nothing) unless its input says `"dry_run": false`. A real run, per
//! recording: the document is read again and must agree (the table could lag an edit); the
//! objects the document and the item name (media, participants, Zoom metadata), each inside
//! the recording's folder, are deleted, never "everything under a prefix"; a folder that holds
//! another recording's document is refused whole. Then the document is marked `expired_at` (a
//! tombstone: neither a scan nor a rebuild brings the recording back), downstream systems are
//! told (`recording.expired`), and the item becomes EXPIRED. A run cut short is finished by the
//! next one (the message is sent before the item changes, so a failure to send is retried by
//! the next run rather than lost).

use std::time::Instant;

use archiver::bucket::{Bucket, other_documents};
use archiver::domain::MeetingUuid;
use archiver::domain::document::RecordingDocument;
use archiver::domain::layout::RECORDING_DOCUMENT_FILE;
use archiver::domain::retention::{RetentionPolicy, Verdict};
use archiver::domain::status::RecordingStatus;
use archiver::notify::Notifier;
use archiver::pipeline::{STATUS_CONFLICT, StepError};
use archiver::table::{RecordingItem, RecordingsTable, Transition};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
    pub policy: RetentionPolicy,
    /// `None` when `NOTIFY_QUEUE_URL` is not set.
    pub notifier: Option<&'a Notifier>,
}

/// Input: `{"dry_run": false}` to delete (anything else only lists); the previous answer's
/// continuation to carry on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ExpireRequest {
    /// Deleting needs an explicit `false`: an empty or mistaken input deletes nothing.
    #[serde(default = "dry_run_unless_told")]
    pub dry_run: bool,
    #[serde(default)]
    pub continuation: Option<Continuation>,
}

fn dry_run_unless_told() -> bool {
    true
}

impl Default for ExpireRequest {
    fn default() -> Self {
        Self {
            dry_run: dry_run_unless_told(),
            continuation: None,
        }
    }
}

/// Where to carry on, and what was done so far.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    pub start_after: MeetingUuid,
    pub totals: ExpireCounts,
}

/// One recording that expired (or would, in a dry run).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expired {
    pub meeting_uuid: MeetingUuid,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    pub folder: String,
    pub bytes: u64,
    pub reason: String,
    /// Objects deleted (0 in a dry run).
    pub objects_deleted: u64,
}

/// What one run examined and did (cumulative over continuations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireCounts {
    /// Archived or trashed recordings looked at.
    pub examined: u64,
    pub kept: u64,
    pub expired: Vec<Expired>,
    /// Recordings whose document disagrees with the table (not deleted: reindex them).
    pub disagreeing: Vec<MeetingUuid>,
    /// Recordings retention would expire but will not touch, and why (nothing deleted).
    #[serde(default)]
    pub refused: Vec<Refused>,
}

/// A recording left alone although its time has come.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refused {
    pub meeting_uuid: MeetingUuid,
    pub folder: String,
    pub reason: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExpireOutcome {
    pub dry_run: bool,
    pub done: bool,
    #[serde(flatten)]
    pub counts: ExpireCounts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<Continuation>,
}

/// The handler.
pub async fn expire_recordings(
    request: ExpireRequest,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<ExpireOutcome, StepError> {
    let (mut start_after, mut counts) = match request.continuation {
        Some(c) => (Some(c.start_after), c.totals),
        None => (None, ExpireCounts::default()),
    };
    let archived = [RecordingStatus::Archived, RecordingStatus::Trashed];
    // Every call gets through one recording at least, however short its budget.
    let mut progressed = false;
    loop {
        let (items, next) = deps
            .table
            .scan_page(&archived, start_after.as_ref())
            .await?;
        for item in items {
            if progressed && Instant::now() >= deadline {
                return Ok(outcome(request.dry_run, counts, start_after));
            }
            let uuid = item.meeting_uuid.clone();
            examine(item, request.dry_run, deps, now, &mut counts).await?;
            start_after = Some(uuid);
            progressed = true;
        }
        match next {
            Some(next) => start_after = Some(next),
            None => return Ok(outcome(request.dry_run, counts, None)),
        }
    }
}

fn outcome(dry_run: bool, counts: ExpireCounts, resume: Option<MeetingUuid>) -> ExpireOutcome {
    ExpireOutcome {
        dry_run,
        done: resume.is_none(),
        continuation: resume.map(|start_after| Continuation {
            start_after,
            totals: counts.clone(),
        }),
        counts,
    }
}

async fn examine(
    item: RecordingItem,
    dry_run: bool,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
    counts: &mut ExpireCounts,
) -> Result<(), StepError> {
    counts.examined += 1;
    let verdict = deps
        .policy
        .verdict(item.disposition.as_ref(), item.start_time, now);
    let Verdict::Expire { reason } = verdict else {
        counts.kept += 1;
        return Ok(());
    };
    let mut expired = Expired {
        meeting_uuid: item.meeting_uuid.clone(),
        topic: item.topic.clone(),
        start_time: item.start_time,
        folder: item.folder.clone(),
        bytes: item.files.iter().map(|f| f.size).sum(),
        reason,
        objects_deleted: 0,
    };
    if !dry_run {
        match expire(&item, &expired.reason, deps, now).await? {
            Expiry::Done { objects } => expired.objects_deleted = objects,
            Expiry::Kept => {
                counts.disagreeing.push(item.meeting_uuid);
                return Ok(());
            }
            Expiry::Refused(reason) => {
                tracing::warn!(
                    meeting_hash = %item.meeting_uuid.log_id(),
                    %reason,
                    "retention refused a recording; nothing deleted"
                );
                counts.refused.push(Refused {
                    meeting_uuid: item.meeting_uuid,
                    folder: item.folder,
                    reason,
                });
                return Ok(());
            }
        }
    }
    counts.expired.push(expired);
    Ok(())
}

/// What became of one recording whose time has come.
enum Expiry {
    /// Its objects are deleted and it is marked EXPIRED.
    Done { objects: u64 },
    /// Its document says to keep it after all.
    Kept,
    /// It is not safe to delete on the strength of this item and document.
    Refused(String),
}

/// Deletes one recording's objects and marks it expired.
async fn expire(
    item: &RecordingItem,
    reason: &str,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
) -> Result<Expiry, StepError> {
    let document_key = format!("{}/{RECORDING_DOCUMENT_FILE}", item.folder);
    let Some(document) = deps
        .bucket
        .get_json_if_readable::<RecordingDocument>(&document_key)
        .await?
    else {
        return Ok(Expiry::Refused(format!(
            "no readable recording document at {document_key}: what belongs to the recording \
             is unknown (rebuild or re-ingest it first)"
        )));
    };
    if let Some(problem) = disagreement(item, &document) {
        return Ok(Expiry::Refused(problem));
    }
    let verdict = deps.policy.verdict(
        document.disposition.as_ref(),
        document.meeting.start_time,
        now,
    );
    if !verdict.expires() {
        tracing::warn!(
            meeting_hash = %item.meeting_uuid.log_id(),
            reason = verdict.reason(),
            "the document keeps what the table would expire: reindex it"
        );
        return Ok(Expiry::Kept);
    }
    // One listing serves both: whether the folder is this recording's alone, and which of its
    // objects are still there to delete.
    let present = deps.bucket.list_all(&format!("{}/", item.folder)).await?;
    if let Some(other) = other_documents(&present, &document_key).next() {
        return Ok(Expiry::Refused(format!(
            "the folder {} also holds another recording's document ({other}); nothing in it is \
             deleted",
            item.folder
        )));
    }
    let mut deleted = 0;
    for key in owned_keys(item, &document, &document_key) {
        if present.contains(&key) {
            deps.bucket.delete(&key).await?;
            deleted += 1;
        }
    }
    deps.bucket
        .update_json(&document_key, |document: &mut RecordingDocument| {
            document.expired_at.get_or_insert(now);
            true
        })
        .await?;
    if let Some(notifier) = deps.notifier {
        notifier
            .expired(item, &document_key, deps.bucket.name(), reason, deleted)
            .await?;
    }
    let expired = RecordingItem {
        status: RecordingStatus::Expired,
        updated_at: now,
        ..item.clone()
    };
    match deps.table.put(&expired).await? {
        Transition::Applied => {}
        Transition::Refused { current } => {
            return Err(StepError::new(
                STATUS_CONFLICT,
                format!("the table refused EXPIRED over {current:?}"),
            ));
        }
    }
    tracing::info!(
        meeting_hash = %item.meeting_uuid.log_id(),
        objects = deleted,
        "recording expired"
    );
    Ok(Expiry::Done { objects: deleted })
}

/// Why the document cannot vouch for the item's recording, if it cannot.
fn disagreement(item: &RecordingItem, document: &RecordingDocument) -> Option<String> {
    if document.meeting.uuid != item.meeting_uuid {
        return Some(format!(
            "the document in {} is the recording of another instance ({})",
            item.folder, document.meeting.uuid
        ));
    }
    if document.folder != item.folder {
        return Some(format!(
            "the document's folder {:?} is not the item's {:?}",
            document.folder, item.folder
        ));
    }
    let problems = document.problems();
    (!problems.is_empty()).then(|| format!("the document is not valid: {}", problems.join("; ")))
}

/// The objects that belong to the recording: what its document and its item name, inside its
/// folder, never the document itself (it stays as the tombstone).
fn owned_keys(
    item: &RecordingItem,
    document: &RecordingDocument,
    document_key: &str,
) -> Vec<String> {
    let inside = format!("{}/", item.folder);
    let mut keys: Vec<String> = document
        .object_keys()
        .into_iter()
        .chain(item.files.iter().map(|file| file.key.as_str()))
        .filter(|key| key.starts_with(&inside) && *key != document_key)
        .map(str::to_owned)
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}
