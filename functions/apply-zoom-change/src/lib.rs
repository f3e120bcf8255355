//! Applies what Zoom says happened to a recording's copy to the archive: one [`ChangeRequest`]
//! (one event, one instance), which the webhook started as an execution of the zoom-change
//! state machine.
//!
//! | change | archived (ARCHIVED, TRASHED, EXPIRED) | ingest not finished (INGESTING, FAILED) |
//! |---|---|---|
//! | trashed, deleted | noted on the item and in the document | noted on the item; the error `Zoom.RemovedBeforeArchived` names the files the archive lacks (on a FAILED item, and as this execution's failure: the alarm) |
//! | recovered | noted | noted; the ingest starts again |
//! | renamed | the topic in the document and the item (keys stay), `recording.renamed` on the queue | the topic on the item; the document comes with the ingest |
//!
//! While an ingest of the instance runs (or has started but not yet opened its item), the
//! change is noted on the item and judged once the ingest ended: the function answers
//! `Archive.Pending` and the state machine calls it again later. So a copy Zoom removed after
//! the archive got all of it raises no alarm, a recovery during a failing ingest still starts
//! it again, and a rename during an ingest reaches the document it writes.
//!
//! An instance the table does not hold is logged and left alone. Every write is a conditional
//! read-modify-write that notes the change once ([`note_change`]), so a retried or duplicated
//! change writes nothing twice; out-of-order deliveries are ordered by Zoom's `event_ts`.

use archiver::bucket::Bucket;
use archiver::domain::document::RecordingDocument;
use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::status::RecordingStatus;
use archiver::domain::zoom_change::{
    ChangeKind, ChangeRequest, ZoomChange, clean_topic, latest_topic, note_change,
    recovered_ingest_name, removal_in_effect,
};
use archiver::notify::{Notifier, RECORDING_RENAMED};
use archiver::pipeline::{
    ARCHIVE_PENDING, REMOVED_BEFORE_ARCHIVED, StepError, WORKFLOW_UNAVAILABLE, decode,
    removed_before_archived_message, running_ingest_owner,
};
use archiver::table::{IngestFailure, RecordingItem, RecordingsTable};
use archiver::workflow::{ExecutionStarter, Source, StartOutcome, execution_input};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the handler works with, built once per Lambda instance.
#[derive(Debug)]
pub struct Dependencies<'a, S> {
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
    /// `None` when `NOTIFY_QUEUE_URL` is not set.
    pub notifier: Option<&'a Notifier>,
    /// The ingest state machine, which a recovery starts again.
    pub ingest: &'a S,
}

/// What became of the change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// The table holds no such instance: nothing written.
    UnknownInstance,
    /// Noted on the item (and in the document, where there is one).
    Noted,
    /// The topic changed.
    Renamed,
    /// A recovery started the ingest again.
    IngestStarted,
}

/// The execution's output.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Applied {
    pub meeting_uuid: String,
    pub change: ChangeKind,
    pub outcome: Outcome,
    /// The item's status after the change (`None`: no item).
    pub status: Option<String>,
    /// The ingest a recovery started.
    #[serde(default)]
    pub execution_name: Option<String>,
    /// Downstream systems were told (`recording.renamed`).
    pub notified: bool,
}

/// The handler.
pub async fn apply_zoom_change<S: ExecutionStarter>(
    input: Value,
    deps: &Dependencies<'_, S>,
) -> Result<Applied, StepError> {
    let request = checked(decode::<ChangeRequest>(input)?)?;
    let uuid = &request.meeting_uuid;
    let applied = |outcome, item: Option<&RecordingItem>| Applied {
        meeting_uuid: uuid.as_str().to_owned(),
        change: request.change.kind,
        outcome,
        status: item.map(|item| item.status.as_str().to_owned()),
        execution_name: None,
        notified: false,
    };
    let Some(item) = deps.table.get(uuid).await? else {
        wait_for_unopened_ingest(&request, deps.ingest).await?;
        tracing::info!(
            meeting_hash = %uuid.log_id(),
            event = %request.event,
            "a Zoom change for an instance the archive does not hold: nothing to do"
        );
        return Ok(applied(Outcome::UnknownInstance, None));
    };
    if !item.status.is_archived() {
        wait_for_running_ingest(&request, &item, deps).await?;
    }
    let done = match request.change.kind {
        ChangeKind::Renamed => rename(&request, &item, deps).await?,
        // An archive is complete: what became of Zoom's copy is only history.
        _ if item.status.is_archived() => noted_on_archive(&request, &item, deps).await?,
        ChangeKind::Trashed | ChangeKind::Deleted => removed(&request, item, deps).await?,
        ChangeKind::Recovered => recovered(&request, item, deps).await?,
    };
    tracing::info!(
        meeting_hash = %uuid.log_id(),
        event = %request.event,
        outcome = ?done.outcome,
        status = done.status.as_deref().unwrap_or("-"),
        "Zoom change applied"
    );
    Ok(done)
}

/// The request as the webhook would make it: a hand-made one gets the same topic rules.
fn checked(mut request: ChangeRequest) -> Result<ChangeRequest, StepError> {
    if request.change.kind == ChangeKind::Renamed {
        let topic = request.change.topic.as_deref().unwrap_or_default();
        let topic =
            clean_topic(topic).map_err(|problem| StepError::invalid_input(problem.to_string()))?;
        request.change.topic = Some(topic);
    }
    Ok(request)
}

fn outcome(
    request: &ChangeRequest,
    outcome: Outcome,
    item: &RecordingItem,
    notified: bool,
) -> Applied {
    Applied {
        meeting_uuid: request.meeting_uuid.as_str().to_owned(),
        change: request.change.kind,
        outcome,
        status: Some(item.status.as_str().to_owned()),
        execution_name: None,
        notified,
    }
}

/// Trashed or deleted in Zoom before the ingest finished: the item says what the archive lacks,
/// and this execution fails with that.
async fn removed<S: ExecutionStarter>(
    request: &ChangeRequest,
    item: RecordingItem,
    deps: &Dependencies<'_, S>,
) -> Result<Applied, StepError> {
    let updated = deps
        .table
        .update(&request.meeting_uuid, |item| {
            if item.status.is_archived() {
                return false;
            }
            let noted = note_change(&mut item.zoom_changes, &request.change);
            noted | mark_failed_ingest(item)
        })
        .await?;
    let Some(item) = updated else {
        return Ok(outcome(request, Outcome::UnknownInstance, &item, false));
    };
    // Archived meanwhile (the copy finished before Zoom removed its own): history only.
    if item.status.is_archived() {
        return noted_on_archive(request, &item, deps).await;
    }
    match removal_in_effect(&item.zoom_changes) {
        // Recovered since (Zoom's deliveries came out of order): nothing is missing.
        None => Ok(outcome(request, Outcome::Noted, &item, false)),
        Some(removal) => Err(StepError::new(
            REMOVED_BEFORE_ARCHIVED,
            removed_before_archived_message(&item, removal),
        )),
    }
}

/// A FAILED ingest whose copy Zoom removed failed for that reason, whatever its last error was.
fn mark_failed_ingest(item: &mut RecordingItem) -> bool {
    if item.status != RecordingStatus::Failed {
        return false;
    }
    let already = item
        .failure
        .as_ref()
        .is_some_and(|failure| failure.error_type == REMOVED_BEFORE_ARCHIVED);
    let Some(removal) = removal_in_effect(&item.zoom_changes).filter(|_| !already) else {
        return false;
    };
    item.failure = Some(IngestFailure {
        error_type: REMOVED_BEFORE_ARCHIVED.to_owned(),
        message: removed_before_archived_message(item, removal),
    });
    true
}

/// Recovered from Zoom's trash before the ingest finished: it starts again, under a name of
/// this event's (the webhook's name is taken by the first ingest).
async fn recovered<S: ExecutionStarter>(
    request: &ChangeRequest,
    item: RecordingItem,
    deps: &Dependencies<'_, S>,
) -> Result<Applied, StepError> {
    let noted = note_on_unfinished(request, deps).await?.unwrap_or(item);
    if noted.status.is_archived() {
        return noted_on_archive(request, &noted, deps).await;
    }
    let name = recovered_ingest_name(request);
    let input = execution_input(
        Source::Recovered,
        IngestKind::Recording,
        &request.meeting_uuid,
        None,
        None,
    );
    match deps.ingest.start(&name, &input).await {
        Ok(StartOutcome::Started { .. } | StartOutcome::AlreadyExists) => Ok(Applied {
            execution_name: Some(name),
            ..outcome(request, Outcome::IngestStarted, &noted, false)
        }),
        Err(error) => Err(StepError::from_typed(WORKFLOW_UNAVAILABLE, &error)),
    }
}

/// The change waits while the item's ingest runs: noted on the item now (its "Record failure"
/// reads it), judged when the state machine calls again after the ingest ended.
async fn wait_for_running_ingest<S: ExecutionStarter>(
    request: &ChangeRequest,
    item: &RecordingItem,
    deps: &Dependencies<'_, S>,
) -> Result<(), StepError> {
    let Some(owner) = running_ingest_owner(item, deps.ingest).await? else {
        return Ok(());
    };
    note_on_unfinished(request, deps).await?;
    Err(StepError::new(
        ARCHIVE_PENDING,
        format!("{owner} is copying the instance; the change is noted and judged once it ends"),
    ))
}

/// Notes the change on an item that is not archived (an archived one meanwhile is left as it
/// is); the item as it stands now.
async fn note_on_unfinished<S>(
    request: &ChangeRequest,
    deps: &Dependencies<'_, S>,
) -> Result<Option<RecordingItem>, StepError> {
    Ok(deps
        .table
        .update(&request.meeting_uuid, |item| {
            !item.status.is_archived() && note_change(&mut item.zoom_changes, &request.change)
        })
        .await?)
}

/// The webhook's ingest of the instance may have started without having opened its item yet
/// (Zoom can trash a recording seconds after announcing it): the change waits for the item.
async fn wait_for_unopened_ingest<S: ExecutionStarter>(
    request: &ChangeRequest,
    ingest: &S,
) -> Result<(), StepError> {
    let name = execution_name(IngestKind::Recording, &request.meeting_uuid);
    let Some(arn) = ingest.execution_arn(&name) else {
        return Ok(());
    };
    let running = ingest
        .is_running(&arn)
        .await
        .map_err(|error| StepError::from_typed(WORKFLOW_UNAVAILABLE, &error))?;
    if running {
        return Err(StepError::new(
            ARCHIVE_PENDING,
            format!("{arn} runs but has not opened the instance's item yet"),
        ));
    }
    Ok(())
}

/// Renamed in Zoom: the topic the latest rename gives, in the document and the item; keys and
/// folder stay as archived.
async fn rename<S: ExecutionStarter>(
    request: &ChangeRequest,
    item: &RecordingItem,
    deps: &Dependencies<'_, S>,
) -> Result<Applied, StepError> {
    let document = match item.document_key.as_deref() {
        Some(key) if item.status.is_archived() => {
            // The document as it stands after the update, for the announcement: no second read.
            let mut renamed = None;
            deps.bucket
                .update_json(key, |document: &mut RecordingDocument| {
                    let noted = note_change(&mut document.zoom_changes, &request.change);
                    let changed = noted
                        | take_latest_topic(&mut document.meeting.topic, &document.zoom_changes);
                    renamed = Some(document.clone());
                    changed
                })
                .await?;
            renamed
        }
        _ => None,
    };
    let item = deps
        .table
        .update(&request.meeting_uuid, |item| {
            let noted = note_change(&mut item.zoom_changes, &request.change);
            noted | take_latest_topic(&mut item.topic, &item.zoom_changes)
        })
        .await?
        .unwrap_or_else(|| item.clone());
    // Announced every time the step runs: delivery is at least once, like the others.
    let notified = match (deps.notifier, &document, &item.document_key) {
        (Some(notifier), Some(document), Some(key)) => {
            notifier
                .document(RECORDING_RENAMED, document, key, deps.bucket.name())
                .await?;
            true
        }
        _ => false,
    };
    Ok(outcome(request, Outcome::Renamed, &item, notified))
}

/// Sets `topic` to the latest rename's; `true` if it changed.
fn take_latest_topic(topic: &mut Option<String>, changes: &[ZoomChange]) -> bool {
    let latest = latest_topic(changes).map(str::to_owned);
    if latest.is_none() || *topic == latest {
        return false;
    }
    *topic = latest;
    true
}

async fn noted_on_archive<S>(
    request: &ChangeRequest,
    item: &RecordingItem,
    deps: &Dependencies<'_, S>,
) -> Result<Applied, StepError> {
    let item = note_on_archive(&request.change, item, deps).await?;
    Ok(outcome(request, Outcome::Noted, &item, false))
}

/// Notes a change on an archived recording: the document first (a table rebuilt from the
/// bucket keeps it), then the item.
async fn note_on_archive<S>(
    change: &ZoomChange,
    item: &RecordingItem,
    deps: &Dependencies<'_, S>,
) -> Result<RecordingItem, StepError> {
    if let Some(key) = &item.document_key {
        deps.bucket
            .update_json(key, |document: &mut RecordingDocument| {
                note_change(&mut document.zoom_changes, change)
            })
            .await?;
    }
    Ok(deps
        .table
        .update(&item.meeting_uuid, |item| {
            note_change(&mut item.zoom_changes, change)
        })
        .await?
        .unwrap_or_else(|| item.clone()))
}
