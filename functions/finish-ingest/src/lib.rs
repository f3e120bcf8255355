//! The closing states of an ingest, one function because they share the same few clients:
//!
//! - **Finish ingest**: the recording document to S3 and the table (ARCHIVED), then a message to
//!   the notification queue. A late transcript is merged into the existing document.
//! - **Trash Zoom copy**: every file is checked again in S3 (`HeadObject`: present, same size,
//!   same checksum), then Zoom's current list of the instance's files decides: when the archive
//!   holds every one, the instance goes to Zoom's trash; otherwise each archived file goes on its
//!   own and the rest stay in Zoom, listed with the reason on the item and in the document
//!   (TRASHED either way: the archive's part of the Zoom copy is in Zoom's trash).
//! - **Record failure**: the error goes on the item (FAILED). An archived item is never marked
//!   failed; the error is noted beside its status instead.

use archiver::bucket::{Bucket, ExpectedObject, StoredObject};
use archiver::domain::MeetingUuid;
use archiver::domain::document::{DocumentFile, RecordingDocument, SCHEMA_VERSION};
use archiver::domain::execution::IngestKind;
use archiver::domain::layout::MeetingFolder;
use archiver::domain::layout::RECORDING_DOCUMENT_FILE;
use archiver::domain::rules::ArchiveRules;
use archiver::domain::status::RecordingStatus;
use archiver::domain::trash::{
    self, ArchivedCopy, KeptInZoom, TrashPlan, TrashPolicy, TrashTiming,
};
use archiver::domain::zoom_change::{ZoomChange, note_change, removal_in_effect};
use archiver::notify::{Notifier, archived_event};
use archiver::pipeline::{
    CaughtError, FileItem, FileManifest, FileOutcome, FinishIngest, FinishRequest, INVALID_INPUT,
    MAX_LISTED_PROBLEMS, NOT_VERIFIED, REMOVED_BEFORE_ARCHIVED, STATUS_CONFLICT, StepError,
    TrashDueContinuation, TrashDueCounts, TrashRefused, removed_before_archived_message,
};
use archiver::table::{IngestFailure, RecordingItem, RecordingsTable, Transition};
use archiver::zoom::{ZoomClient, ZoomError};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// Longest error message kept on an item.
const MAX_ERROR_MESSAGE_CHARS: usize = 2000;

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub zoom: &'a ZoomClient,
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
    /// `None` when `NOTIFY_QUEUE_URL` is not set.
    pub notifier: Option<&'a Notifier>,
    /// When and which Zoom copies go to Zoom's trash.
    pub trash: &'a TrashPolicy,
    /// The archive rules, to say why a file Zoom holds was not archived.
    pub rules: &'a ArchiveRules,
}

/// The handler. `deadline`: when a "Trash due copies" call answers with a continuation.
pub async fn finish_ingest(
    request: FinishRequest,
    deps: &Dependencies<'_>,
    deadline: Instant,
) -> Result<FinishAnswer, StepError> {
    let answer = match request {
        FinishRequest::TrashDue { continuation } => {
            FinishAnswer::TrashDue(trash_due(continuation, deps, Utc::now(), deadline).await?)
        }
        FinishRequest::Finish(finish) => FinishAnswer::Step(finish_archive(*finish, deps).await?),
        FinishRequest::Trash { kind, meeting_uuid } => {
            FinishAnswer::Step(trash_zoom_copy(kind, &meeting_uuid, deps).await?)
        }
        FinishRequest::RecordFailure {
            kind,
            meeting_uuid,
            error,
            execution_arn,
        } => FinishAnswer::Step(
            record_failure(kind, &meeting_uuid, &error, &execution_arn, deps).await?,
        ),
    };
    Ok(answer)
}

/// What `finish-ingest` answers: a closing state's output, or a trash run's.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
#[serde(untagged)]
pub enum FinishAnswer {
    Step(Value),
    TrashDue(TrashDueOutcome),
}

async fn finish_archive(finish: FinishIngest, deps: &Dependencies<'_>) -> Result<Value, StepError> {
    let items = manifest_items(&finish, deps.bucket).await?;
    let failed = failures(&finish.archived, &items)?;
    if !failed.is_empty() {
        return Ok(files_failed(&finish, &failed));
    }
    let files = archived_files(&items, deps.bucket).await?;
    let document_key = format!("{}/{RECORDING_DOCUMENT_FILE}", finish.folder);
    let (document, status) = match finish.kind {
        IngestKind::Recording => (
            new_document(&finish, files, &document_key, deps).await?,
            RecordingStatus::Archived,
        ),
        IngestKind::Transcript => merged_document(&finish, files, &document_key, deps).await?,
    };
    let problems = document.problems();
    if !problems.is_empty() {
        return Err(StepError::new(
            INVALID_INPUT,
            format!(
                "the recording document would be invalid: {}",
                problems.join("; ")
            ),
        ));
    }
    deps.bucket.put_json(&document_key, &document).await?;
    let item = RecordingItem::from_document(&document, &document_key, status);
    match deps.table.put(&item).await? {
        Transition::Applied => {}
        Transition::Refused { current } => {
            return Err(StepError::new(
                STATUS_CONFLICT,
                format!("the table refused {status} over {current:?}"),
            ));
        }
    }
    let notified = match deps.notifier {
        Some(notifier) => {
            notifier
                .document(
                    archived_event(finish.kind),
                    &document,
                    &document_key,
                    deps.bucket.name(),
                )
                .await?;
            true
        }
        None => false,
    };
    tracing::info!(
        meeting_hash = %finish.meeting_uuid.log_id(),
        kind = ?finish.kind,
        files = document.files.len(),
        notified,
        "recording document written"
    );
    Ok(json!({
        "kind": finish.kind,
        "meeting_uuid": finish.meeting_uuid,
        "status": status.as_str(),
        "document_key": document_key,
        "notified": notified,
    }))
}

/// The files the execution's manifest lists (none when the Map had nothing to copy).
async fn manifest_items(
    finish: &FinishIngest,
    bucket: &Bucket,
) -> Result<Vec<FileItem>, StepError> {
    let Some(key) = &finish.manifest else {
        return Ok(Vec::new());
    };
    let manifest: FileManifest = bucket
        .get_json(key)
        .await?
        .ok_or_else(|| StepError::invalid_input(format!("no file manifest at {key}")))?;
    if manifest.execution_arn != finish.execution_arn
        || manifest.meeting_uuid != finish.meeting_uuid
    {
        return Err(StepError::invalid_input(format!(
            "the file manifest at {key} belongs to another execution"
        )));
    }
    Ok(manifest.items)
}

/// The files whose iteration failed, with their errors. Every file of the manifest must have
/// exactly one outcome: a document never leaves out a file silently.
fn failures<'a>(
    outcomes: &'a [FileOutcome],
    items: &'a [FileItem],
) -> Result<Vec<(&'a FileItem, &'a CaughtError)>, StepError> {
    let mut seen = vec![false; items.len()];
    let mut failed = Vec::new();
    for outcome in outcomes {
        let Some(item) = items.get(outcome.index) else {
            return Err(StepError::invalid_input(format!(
                "an outcome for file {} of a manifest of {}",
                outcome.index,
                items.len()
            )));
        };
        if std::mem::replace(&mut seen[outcome.index], true) {
            return Err(StepError::invalid_input(format!(
                "two outcomes for file {}",
                outcome.index
            )));
        }
        if let Some(failure) = &outcome.failure {
            failed.push((item, failure));
        }
    }
    if let Some(missing) = seen.iter().position(|seen| !seen) {
        return Err(StepError::invalid_input(format!(
            "no outcome for {}",
            items[missing].key
        )));
    }
    Ok(failed)
}

/// Some file could not be copied: nothing is written, and the answer is shaped like a caught
/// error (`Error`, `Cause`) for the "Every file archived?" choice to send to "Record failure".
/// The first failure names the error; the message counts them all.
fn files_failed(finish: &FinishIngest, failed: &[(&FileItem, &CaughtError)]) -> Value {
    let (first_item, first) = failed[0];
    let detail = failure_message(first);
    let message = format!(
        "{} of {} files could not be archived; {}: {detail}",
        failed.len(),
        finish.archived.len(),
        first_item.key
    );
    tracing::warn!(
        meeting_hash = %finish.meeting_uuid.log_id(),
        failed = failed.len(),
        error_type = %first.error,
        "files failed; nothing is written"
    );
    json!({
        "Error": first.error,
        "Cause": json!({"errorType": first.error, "errorMessage": message}).to_string(),
        "kind": finish.kind,
        "meeting_uuid": finish.meeting_uuid,
    })
}

/// Each copied file as the bucket holds it now (`HeadObject`): the retriever verified it when it
/// completed the upload, and the document records what is there (size, checksum, type).
async fn archived_files(
    items: &[FileItem],
    bucket: &Bucket,
) -> Result<Vec<DocumentFile>, StepError> {
    let keys: Vec<&str> = items.iter().map(|item| item.key.as_str()).collect();
    let heads = bucket.head_all(&keys).await?;
    items
        .iter()
        .zip(heads)
        .map(|(item, stored)| match stored {
            None => Err(StepError::new(
                NOT_VERIFIED,
                format!("{} was archived but is not in the bucket", item.key),
            )),
            Some(stored) if item.size.is_some_and(|size| size != stored.size) => {
                Err(StepError::new(
                    NOT_VERIFIED,
                    format!(
                        "{} holds {} bytes, Zoom announced {:?}",
                        item.key, stored.size, item.size
                    ),
                ))
            }
            Some(stored) => Ok(document_file(item, stored)),
        })
        .collect()
}

fn document_file(item: &FileItem, object: StoredObject) -> DocumentFile {
    DocumentFile {
        file_id: item.file_id.clone(),
        file_type: item.file_type.clone(),
        file_extension: item.file_extension.clone(),
        recording_type: item.recording_type.clone(),
        file_name: item.file_name.clone(),
        recording_start: item.recording_start,
        recording_end: item.recording_end,
        key: item.key.clone(),
        size: object.size,
        content_type: object
            .content_type
            .unwrap_or_else(|| item.fallback_content_type.clone()),
        checksum_sha256: object.checksum_sha256,
    }
}

/// The document of a (re-)archived recording. A manual re-run that repairs an archive keeps the
/// retention an operator set in the previous document.
async fn new_document(
    finish: &FinishIngest,
    files: Vec<DocumentFile>,
    document_key: &str,
    deps: &Dependencies<'_>,
) -> Result<RecordingDocument, StepError> {
    // A damaged previous document is replaced, not a reason to fail the archive.
    let previous = deps
        .bucket
        .get_json_if_readable::<RecordingDocument>(document_key)
        .await?;
    // A re-run without the webhook body still points at the webhook.json stored the first time.
    let mut metadata = finish.metadata.clone();
    if metadata.webhook.is_none() {
        metadata.webhook = previous.as_ref().and_then(|p| p.metadata.webhook.clone());
    }
    let files = with_earlier_files(files, previous.as_ref(), deps.bucket).await?;
    let zoom_changes = zoom_changes_so_far(&finish.meeting_uuid, previous.as_ref(), deps).await?;
    Ok(RecordingDocument {
        schema_version: SCHEMA_VERSION,
        meeting: finish.meeting.clone(),
        folder: finish.folder.clone(),
        files,
        participants: finish.participants.clone(),
        metadata,
        archived_at: Utc::now(),
        execution_arn: Some(finish.execution_arn.clone()),
        disposition: previous.and_then(|document| document.disposition),
        trashed_at: None,
        expired_at: None,
        kept_in_zoom: Vec::new(),
        zoom_changes,
    })
}

/// What Zoom said happened to the instance: noted on the item while it was copied (trashed and
/// recovered meanwhile), or in the document a repair replaces.
async fn zoom_changes_so_far(
    uuid: &MeetingUuid,
    previous: Option<&RecordingDocument>,
    deps: &Dependencies<'_>,
) -> Result<Vec<ZoomChange>, StepError> {
    let mut changes = previous.map(|p| p.zoom_changes.clone()).unwrap_or_default();
    if let Some(item) = deps.table.get(uuid).await? {
        for change in &item.zoom_changes {
            note_change(&mut changes, change);
        }
    }
    Ok(changes)
}

/// A repair copies what Zoom lists now; a file archived earlier that Zoom no longer lists (deleted
/// there, or kept out of this run) stays in the document as long as its copy is in the bucket
/// as archived: a re-run never drops an archived file from the index.
async fn with_earlier_files(
    mut files: Vec<DocumentFile>,
    previous: Option<&RecordingDocument>,
    bucket: &Bucket,
) -> Result<Vec<DocumentFile>, StepError> {
    let Some(previous) = previous else {
        return Ok(files);
    };
    for earlier in &previous.files {
        if files.iter().any(|file| file.key == earlier.key) {
            continue;
        }
        let intact = bucket
            .differences(&[ExpectedObject::from(earlier)])
            .await?
            .is_empty();
        if intact {
            files.push(earlier.clone());
        }
    }
    Ok(files)
}

/// The archived recording's document with the transcript's files added (or replaced, on a
/// re-run); the item keeps its status.
async fn merged_document(
    finish: &FinishIngest,
    files: Vec<DocumentFile>,
    document_key: &str,
    deps: &Dependencies<'_>,
) -> Result<(RecordingDocument, RecordingStatus), StepError> {
    let item = deps.table.get(&finish.meeting_uuid).await?;
    let Some(item) = item.filter(|item| {
        matches!(
            item.status,
            RecordingStatus::Archived | RecordingStatus::Trashed
        )
    }) else {
        return Err(StepError::new(
            STATUS_CONFLICT,
            "the transcript's recording is no longer archived",
        ));
    };
    let Some(mut document) = deps
        .bucket
        .get_json::<RecordingDocument>(document_key)
        .await?
    else {
        return Err(StepError::new(
            "Storage.Corrupt",
            format!("the archived recording has no document at {document_key}"),
        ));
    };
    for file in files {
        document.files.retain(|existing| existing.key != file.key);
        document.files.push(file);
    }
    Ok((document, item.status))
}

/// Moves the instance to Zoom's trash once every archived file is verified again in S3.
async fn trash_zoom_copy(
    kind: IngestKind,
    uuid: &MeetingUuid,
    deps: &Dependencies<'_>,
) -> Result<Value, StepError> {
    let outcome = |trashed: bool, reason: &str| json!({"kind": kind, "meeting_uuid": uuid, "trashed": trashed, "reason": reason});
    let Some(item) = deps.table.get(uuid).await? else {
        return Err(StepError::new(
            NOT_VERIFIED,
            "no archive item: nothing is trashed",
        ));
    };
    match item.status {
        RecordingStatus::Trashed => return Ok(outcome(true, "already in Zoom's trash")),
        RecordingStatus::Archived => {}
        other => {
            return Err(StepError::new(
                NOT_VERIFIED,
                format!("the item is {other}, not ARCHIVED: nothing is trashed"),
            ));
        }
    }
    let now = Utc::now();
    match deps
        .trash
        .timing(item.host_email.as_deref(), item.topic.as_deref(), now, now)
    {
        TrashTiming::Now => {}
        TrashTiming::Never { reason } => return Ok(outcome(false, &reason)),
        TrashTiming::Later { due } => {
            let reason = format!(
                "TRASH_AFTER_DAYS: the daily scan trashes it after {}",
                due.to_rfc3339()
            );
            return Ok(outcome(false, &reason));
        }
    }
    let reason = trash_verified(item, deps).await?;
    Ok(outcome(true, reason))
}

/// Trashes what the archive holds of an ARCHIVED recording, every file verified in the bucket
/// again first; the item becomes TRASHED, the document notes it. Answers what was done.
async fn trash_verified(
    item: RecordingItem,
    deps: &Dependencies<'_>,
) -> Result<&'static str, StepError> {
    verify_in_bucket(&item, deps.bucket).await?;
    let (kept, reason) = trash_what_is_archived(&item, deps).await?;
    mark_trashed_in_document(&item, &kept, deps.bucket).await?;
    let trashed = RecordingItem {
        status: RecordingStatus::Trashed,
        kept_in_zoom: kept,
        updated_at: Utc::now(),
        ..item
    };
    match deps.table.put(&trashed).await? {
        Transition::Applied => Ok(reason),
        Transition::Refused { current } => Err(StepError::new(
            STATUS_CONFLICT,
            format!("the table refused TRASHED over {current:?}"),
        )),
    }
}

/// The daily scan's "Trash due copies": every ARCHIVED recording whose `TRASH_AFTER_DAYS` are
/// over goes to Zoom's trash, verified again first; one that does not verify stays in Zoom
/// and is listed. Answers a continuation when `deadline` comes first.
async fn trash_due(
    continuation: Option<TrashDueContinuation>,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<TrashDueOutcome, StepError> {
    let (mut start_after, mut counts) = match continuation {
        Some(c) => (Some(c.start_after), c.totals),
        None => (None, TrashDueCounts::default()),
    };
    // TRASH_AFTER_DAYS unset: the ingest's own trash step does it all.
    if deps.trash.after_days == 0 || !deps.trash.enabled {
        return Ok(TrashDueOutcome::done(counts));
    }
    let mut progressed = false;
    loop {
        let (items, next) = deps
            .table
            .scan_page(&[RecordingStatus::Archived], start_after.as_ref())
            .await?;
        for item in items {
            if progressed && Instant::now() >= deadline {
                return Ok(TrashDueOutcome::carry_on(counts, start_after));
            }
            progressed = true;
            start_after = Some(item.meeting_uuid.clone());
            counts.examined += 1;
            trash_if_due(item, deps, now, &mut counts).await?;
        }
        match next {
            Some(next) => start_after = Some(next),
            None => return Ok(TrashDueOutcome::done(counts)),
        }
    }
}

async fn trash_if_due(
    item: RecordingItem,
    deps: &Dependencies<'_>,
    now: DateTime<Utc>,
    counts: &mut TrashDueCounts,
) -> Result<(), StepError> {
    // Archived after it started: a recording whose start is too recent is not due, unread.
    let days = chrono::Duration::days(i64::from(deps.trash.after_days));
    let started = item.start_time.unwrap_or(now);
    let archived_at = if started + days > now {
        started
    } else {
        archived_at(&item, deps.bucket).await?.unwrap_or(now)
    };
    let timing = deps.trash.timing(
        item.host_email.as_deref(),
        item.topic.as_deref(),
        archived_at,
        now,
    );
    match timing {
        TrashTiming::Later { .. } => counts.waiting += 1,
        TrashTiming::Never { .. } => counts.kept += 1,
        TrashTiming::Now => {
            let uuid = item.meeting_uuid.clone();
            match trash_verified(item, deps).await {
                Ok(reason) => {
                    counts.trashed += 1;
                    tracing::info!(meeting_hash = %uuid.log_id(), reason, "trashed after TRASH_AFTER_DAYS");
                }
                Err(error) if error.error_type == NOT_VERIFIED => {
                    tracing::warn!(meeting_hash = %uuid.log_id(), problem = %error.message, "not verified: the Zoom copy stays");
                    counts.not_verified_count += 1;
                    if counts.not_verified.len() < MAX_LISTED_PROBLEMS {
                        counts.not_verified.push(TrashRefused {
                            meeting_uuid: uuid,
                            problem: error.message,
                        });
                    }
                }
                Err(other) => return Err(other),
            }
        }
    }
    Ok(())
}

/// When the recording was archived, as its document says (`None`: no readable document).
async fn archived_at(
    item: &RecordingItem,
    bucket: &Bucket,
) -> Result<Option<DateTime<Utc>>, StepError> {
    let Some(key) = &item.document_key else {
        return Ok(None);
    };
    Ok(bucket
        .get_json_if_readable::<RecordingDocument>(key)
        .await?
        .map(|document| document.archived_at))
}

/// The answer of "Trash due copies".
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TrashDueOutcome {
    pub done: bool,
    #[serde(flatten)]
    pub counts: TrashDueCounts,
    pub continuation: Option<TrashDueContinuation>,
}

impl TrashDueOutcome {
    fn done(counts: TrashDueCounts) -> Self {
        Self {
            done: true,
            counts,
            continuation: None,
        }
    }

    fn carry_on(counts: TrashDueCounts, start_after: Option<MeetingUuid>) -> Self {
        match start_after {
            Some(start_after) => Self {
                done: false,
                continuation: Some(TrashDueContinuation {
                    start_after,
                    totals: counts.clone(),
                }),
                counts,
            },
            None => Self::done(counts),
        }
    }
}

/// Asks Zoom what it holds of the instance now and trashes only what the (verified) archive
/// holds: the whole instance when that is everything, else file by file. Answers the files
/// left in Zoom and what was done.
async fn trash_what_is_archived(
    item: &RecordingItem,
    deps: &Dependencies<'_>,
) -> Result<(Vec<KeptInZoom>, &'static str), StepError> {
    let uuid = &item.meeting_uuid;
    let listed = match deps.zoom.meeting_recordings(uuid, None).await {
        Ok(listed) => listed,
        // Already trashed or deleted on Zoom's side (a re-run, or a person): nothing left.
        Err(ZoomError::NotFound { code, .. }) => {
            tracing::info!(?code, "Zoom has no recordings left for the instance");
            return Ok((Vec::new(), "Zoom holds nothing of the instance any more"));
        }
        Err(other) => return Err(other.into()),
    };
    let files: Vec<_> = listed.all_files().collect();
    let archived: Vec<ArchivedCopy<'_>> = item
        .files
        .iter()
        .map(|file| ArchivedCopy {
            file_id: file.file_id.as_deref(),
            key: &file.key,
            size: file.size,
        })
        .collect();
    let folder = MeetingFolder::from_stored(&item.folder);
    match trash::plan(&files, &archived, &folder, deps.rules) {
        TrashPlan::Nothing => Ok((Vec::new(), "Zoom holds nothing of the instance any more")),
        TrashPlan::Instance => {
            match deps.zoom.trash_meeting_recordings(uuid).await {
                Ok(()) | Err(ZoomError::NotFound { .. }) => {}
                Err(other) => return Err(other.into()),
            }
            Ok((Vec::new(), "moved to Zoom's trash"))
        }
        TrashPlan::Files { trash, kept } => {
            for file_id in &trash {
                match deps.zoom.trash_recording_file(uuid, file_id).await {
                    // Trashed already (a re-run of this step).
                    Ok(()) | Err(ZoomError::NotFound { .. }) => {}
                    Err(other) => return Err(other.into()),
                }
            }
            tracing::info!(
                meeting_hash = %uuid.log_id(),
                trashed = trash.len(),
                kept = kept.len(),
                reasons = ?kept.iter().map(|k| k.reason.as_str()).collect::<Vec<_>>(),
                "archived files moved to Zoom's trash one by one; the others stay in Zoom"
            );
            Ok((
                kept,
                "archived files moved to Zoom's trash; files not archived stay in Zoom",
            ))
        }
    }
}

/// Every file the item lists is in the bucket with the recorded size and checksum.
async fn verify_in_bucket(item: &RecordingItem, bucket: &Bucket) -> Result<(), StepError> {
    let differences = bucket.item_differences(item).await?;
    if differences.is_empty() {
        Ok(())
    } else {
        Err(StepError::new(NOT_VERIFIED, differences.join("; ")))
    }
}

/// Notes the trash (and what stayed in Zoom) in the recording document, so a table rebuilt from
/// the bucket knows it. The write is conditional on the document as read, so an operator's edit
/// made meanwhile is kept.
async fn mark_trashed_in_document(
    item: &RecordingItem,
    kept: &[KeptInZoom],
    bucket: &Bucket,
) -> Result<(), StepError> {
    let Some(key) = &item.document_key else {
        return Ok(());
    };
    let now = Utc::now();
    bucket
        .update_json(key, |document: &mut RecordingDocument| {
            if document.trashed_at.is_some() && document.kept_in_zoom == kept {
                return false;
            }
            document.trashed_at.get_or_insert(now);
            document.kept_in_zoom = kept.to_vec();
            true
        })
        .await?;
    Ok(())
}

/// Puts the caught error on the item. An archived or trashed item keeps its status; a
/// transcript's failure never touches the recording's own ingest.
async fn record_failure(
    kind: IngestKind,
    uuid: &MeetingUuid,
    error: &CaughtError,
    execution_arn: &str,
    deps: &Dependencies<'_>,
) -> Result<Value, StepError> {
    let failure = IngestFailure {
        error_type: error.error.clone(),
        message: failure_message(error),
    };
    tracing::warn!(
        meeting_hash = %uuid.log_id(),
        kind = ?kind,
        error_type = %failure.error_type,
        message = %failure.message,
        "ingest failed"
    );
    let current = deps.table.get(uuid).await?;
    let failure = match current
        .as_ref()
        .and_then(|item| removed_before_archived(item, &failure))
    {
        Some(removed) => removed,
        None => failure,
    };
    // One copy at a time: an ingest another execution opened is that execution's to close,
    // whatever became of this one (which ended without copying, or lost its claim).
    if let Some(owner) = current
        .as_ref()
        .filter(|item| item.status == RecordingStatus::Ingesting)
        .and_then(|item| item.execution_arn.as_deref())
        .filter(|owner| *owner != execution_arn)
    {
        tracing::warn!(
            owner,
            "the item belongs to another execution's ingest: left as it is"
        );
        return Ok(json!({"recorded": false, "status": "INGESTING", "owner": owner}));
    }
    let read = current.clone();
    let item = match (kind, current) {
        (_, Some(item))
            if matches!(
                item.status,
                RecordingStatus::Archived | RecordingStatus::Trashed
            ) =>
        {
            RecordingItem {
                failure: Some(failure),
                updated_at: Utc::now(),
                ..item
            }
        }
        (IngestKind::Recording, Some(item)) if !item.status.is_archived() => RecordingItem {
            status: RecordingStatus::Failed,
            failure: Some(failure),
            execution_arn: Some(execution_arn.to_owned()),
            updated_at: Utc::now(),
            ..item
        },
        (IngestKind::Recording, None) => RecordingItem {
            meeting_uuid: uuid.clone(),
            status: RecordingStatus::Failed,
            meeting_id: 0,
            topic: None,
            host_email: None,
            start_time: None,
            folder: String::new(),
            document_key: None,
            files: Vec::new(),
            execution_arn: Some(execution_arn.to_owned()),
            failure: Some(failure),
            disposition: None,
            kept_in_zoom: Vec::new(),
            zoom_changes: Vec::new(),
            updated_at: Utc::now(),
        },
        (_, current) => {
            return Ok(json!({"recorded": false, "status": current.map(|i| i.status.as_str())}));
        }
    };
    let status = item.status;
    // Over the item as read: a concurrent owner's ARCHIVED is never overwritten.
    let written = match &read {
        Some(read) => deps.table.replace_unchanged(&item, read).await?,
        None => deps.table.put(&item).await?,
    };
    let recorded = written == Transition::Applied;
    Ok(json!({"recorded": recorded, "status": status.as_str()}))
}

/// The failure of an ingest whose Zoom copy Zoom says was removed (and not recovered since)
/// before the archive held it: that is the cause, whatever error the copy ran into.
fn removed_before_archived(item: &RecordingItem, failure: &IngestFailure) -> Option<IngestFailure> {
    if item.status.is_archived() {
        return None;
    }
    let removal = removal_in_effect(&item.zoom_changes)?;
    Some(IngestFailure {
        error_type: REMOVED_BEFORE_ARCHIVED.to_owned(),
        message: truncated(format!(
            "{}; the ingest stopped with {}: {}",
            removed_before_archived_message(item, removal),
            failure.error_type,
            failure.message
        )),
    })
}

fn truncated(message: String) -> String {
    message.chars().take(MAX_ERROR_MESSAGE_CHARS).collect()
}

/// The operator's message: a Lambda error's `errorMessage` when the cause is one.
fn failure_message(error: &CaughtError) -> String {
    let cause = error.cause.clone().unwrap_or_default();
    let message = serde_json::from_str::<Value>(&cause)
        .ok()
        .and_then(|value| {
            value
                .get("errorMessage")
                .and_then(Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or(cause);
    message.chars().take(MAX_ERROR_MESSAGE_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lambda_cause_gives_its_message() {
        let error = CaughtError {
            error: "Zoom.DownloadRefused".into(),
            cause: Some(
                r#"{"errorType":"Zoom.DownloadRefused","errorMessage":"HTML page"}"#.into(),
            ),
        };
        assert_eq!(failure_message(&error), "HTML page");
        let error = CaughtError {
            error: "States.Timeout".into(),
            cause: Some("x".repeat(5000)),
        };
        assert_eq!(failure_message(&error).len(), MAX_ERROR_MESSAGE_CHARS);
    }
}
