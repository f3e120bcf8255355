//! Retention: delete archived recordings whose time has come.
//!
//! A recording's `disposition` (keep forever, or delete after a date) wins over the global
//! `RETENTION_DAYS`; with neither, nothing is deleted. A dry run lists what would go and
//! touches nothing. A real run, per recording: the document is read again and must agree (the
//! table could lag an edit), every object of the folder but `recording.json` is deleted, the
//! document is marked `expired_at` (a tombstone: neither a scan nor a rebuild brings the
//! recording back), downstream systems are told (`recording.expired`), and the item becomes
//! EXPIRED. A run cut short is finished by the next one (the message is sent before the item
//! changes, so a failure to send is retried by the next run rather than lost).

use std::time::Instant;

use archiver::bucket::Bucket;
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

/// Input: `{"dry_run": true}` to only list; the previous answer's continuation to carry on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ExpireRequest {
    #[serde(default)]
    pub dry_run: bool,
    #[serde(default)]
    pub continuation: Option<Continuation>,
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
            Some(objects) => expired.objects_deleted = objects,
            None => {
                counts.disagreeing.push(item.meeting_uuid);
                return Ok(());
            }
        }
    }
    counts.expired.push(expired);
    Ok(())
}

/// Deletes one recording's objects and marks it expired; `None` when its document says to keep
/// it after all.
async fn expire(
    item: &RecordingItem,
    reason: &str,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
) -> Result<Option<u64>, StepError> {
    let document_key = format!("{}/{RECORDING_DOCUMENT_FILE}", item.folder);
    let document = deps
        .bucket
        .get_json_if_readable::<RecordingDocument>(&document_key)
        .await?;
    if let Some(document) = &document {
        let verdict = deps.policy.verdict(
            document.disposition.as_ref(),
            document.meeting.start_time,
            now,
        );
        if !verdict.expires() {
            tracing::warn!(
                meeting_hash = %&item.meeting_uuid.sha256_hex()[..16],
                reason = verdict.reason(),
                "the document keeps what the table would expire: reindex it"
            );
            return Ok(None);
        }
    }
    let mut deleted = 0;
    for key in deps.bucket.list_all(&format!("{}/", item.folder)).await? {
        if key != document_key {
            deps.bucket.delete(&key).await?;
            deleted += 1;
        }
    }
    if let Some(mut document) = document {
        document.expired_at = Some(now);
        deps.bucket.put_json(&document_key, &document).await?;
    }
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
        meeting_hash = %&item.meeting_uuid.sha256_hex()[..16],
        objects = deleted,
        "recording expired"
    );
    Ok(Some(deleted))
}
