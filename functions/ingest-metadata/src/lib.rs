//! "Ingest metadata", the first state of an ingest: find the instance's files, store its
//! metadata beside them, open its table item, write the files to copy into the execution's
//! manifest, and hand the state machine one index per file.
//!
//! - An instance already archived ends the execution successfully without work.
//! - A late transcript (`kind: transcript`) goes into the folder of the archived recording.
//! - Every JSON stored here has its secrets removed first.

use archiver::bucket::Bucket;
use archiver::domain::document::{MeetingSummary, MetadataKeys, ParticipantsSummary};
use archiver::domain::execution::IngestKind;
use archiver::domain::layout::{
    MEETING_FILE, MeetingFolder, PANELISTS_FILE, PARTICIPANTS_FILE, PAST_MEETING_FILE,
    PAST_WEBINAR_FILE, POLLS_FILE, QA_FILE, WEBHOOK_FILE, WEBINAR_FILE, manifest_key,
};
use archiver::domain::redact::remove_secrets;
use archiver::domain::status::RecordingStatus;
use archiver::domain::{
    MeetingKind, MeetingRecordings, MeetingUuid, RecordingEvent, RecordingFile,
};
use archiver::pipeline::{
    ARCHIVE_PENDING, FileItem, FileManifest, IngestDecision, IngestPlan, IngestRequest,
    STATUS_CONFLICT, StepError, WORKFLOW_UNAVAILABLE,
};
use archiver::settings::Settings;
use archiver::table::{Claim, RecordingItem, RecordingsTable, Transition};
use archiver::workflow::{Source, StepFunctions};
use archiver::zoom::{ZoomClient, ZoomError};
use serde_json::{Value, json};

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub zoom: &'a ZoomClient,
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
    /// Whether the execution that owns an item is still running.
    pub executions: &'a StepFunctions,
    pub settings: &'a Settings,
}

/// The handler.
pub async fn ingest_metadata(
    request: IngestRequest,
    deps: &Dependencies<'_>,
) -> Result<IngestPlan, StepError> {
    let damage = match check_manual_run(&request, deps).await? {
        ManualRun::Complete(plan) => return Ok(*plan),
        ManualRun::Damaged(damage) => Some(damage),
        ManualRun::NotARepair => None,
    };
    let recordings = recordings(&request, deps).await?;
    if recordings.uuid != request.meeting_uuid {
        return Err(StepError::invalid_input(format!(
            "the webhook describes instance {}, the execution {}",
            recordings.uuid, request.meeting_uuid
        )));
    }
    let planned = match request.kind {
        IngestKind::Recording => plan_recording(&request, &recordings, damage, deps).await?,
        IngestKind::Transcript => plan_transcript(&request, &recordings, deps).await?,
    };
    tracing::info!(
        meeting_hash = %request.meeting_uuid.log_id(),
        kind = ?request.kind,
        decision = ?planned.plan.decision,
        files = planned.items.len(),
        "ingest planned"
    );
    with_manifest(&request, planned, deps.bucket).await
}

/// A plan, and the files it copies when its decision is `INGEST`.
struct Planned {
    plan: IngestPlan,
    items: Vec<FileItem>,
}

impl From<IngestPlan> for Planned {
    fn from(plan: IngestPlan) -> Self {
        Self {
            plan,
            items: Vec::new(),
        }
    }
}

/// Writes the files to copy into the execution's manifest and gives the state machine only
/// their indices, so the state stays small however many files a meeting has.
async fn with_manifest(
    request: &IngestRequest,
    Planned { mut plan, items }: Planned,
    bucket: &Bucket,
) -> Result<IngestPlan, StepError> {
    if plan.decision != IngestDecision::Ingest {
        return Ok(plan);
    }
    let key = manifest_key(&request.execution_arn);
    plan.files = (0..items.len()).collect();
    let manifest = FileManifest {
        execution_arn: request.execution_arn.clone(),
        meeting_uuid: request.meeting_uuid.clone(),
        items,
    };
    bucket.put_json(&key, &manifest).await?;
    plan.manifest = Some(key);
    Ok(plan)
}

/// An execution started by hand (`start-ingest`) may repair an archive.
fn is_manual(request: &IngestRequest) -> bool {
    request.source == Source::Manual
}

/// The instance's files: from the webhook when Zoom just sent it and it lists them all with
/// sizes, else from the REST API (manual re-runs and scans want Zoom's current list, and
/// webhooks too large to keep in the execution input are dropped from it).
///
/// Zoom does not list an instance that is in its trash: a manual re-run of a trashed recording
/// (start-ingest found its archive damaged) recovers it first; the execution's trash step puts
/// it back once the new copy is verified.
async fn recordings(
    request: &IngestRequest,
    deps: &Dependencies<'_>,
) -> Result<MeetingRecordings, StepError> {
    let from_webhook = request
        .webhook
        .clone()
        .filter(|_| request.source == Source::Webhook)
        .and_then(|body| serde_json::from_value::<RecordingEvent>(body).ok())
        .map(|event| event.payload.object)
        .filter(MeetingRecordings::is_complete_listing);
    if let Some(meeting) = from_webhook {
        return Ok(meeting);
    }
    let uuid = &request.meeting_uuid;
    match deps.zoom.meeting_recordings(uuid, None).await {
        Ok(meeting) => Ok(meeting),
        Err(not_found @ ZoomError::NotFound { .. }) if is_manual(request) => {
            let trashed = deps
                .table
                .get(uuid)
                .await?
                .filter(|item| item.status == RecordingStatus::Trashed);
            let Some(item) = trashed else {
                return Err(not_found.into());
            };
            recover_from_trash(item, deps).await?;
            Ok(deps.zoom.meeting_recordings(uuid, None).await?)
        }
        Err(other) => Err(other.into()),
    }
}

fn plan(request: &IngestRequest, settings: &Settings, decision: IngestDecision) -> IngestPlan {
    IngestPlan {
        decision,
        reason: None,
        kind: request.kind,
        meeting_uuid: request.meeting_uuid.clone(),
        files_in_flight: settings.transfer.files_in_flight,
        meeting: None,
        folder: None,
        metadata: MetadataKeys::default(),
        participants: None,
        manifest: None,
        files: Vec::new(),
    }
}

fn already_archived(
    request: &IngestRequest,
    settings: &Settings,
    status: RecordingStatus,
) -> IngestPlan {
    IngestPlan {
        reason: Some(format!("the instance is {status} already")),
        ..plan(request, settings, IngestDecision::AlreadyArchived)
    }
}

/// `damage`: what a manual run found missing or changed in an archived recording's copy.
async fn plan_recording(
    request: &IngestRequest,
    recordings: &MeetingRecordings,
    damage: Option<Vec<String>>,
    deps: &Dependencies<'_>,
) -> Result<Planned, StepError> {
    let settings = deps.settings;
    let files = match settings.archive_rules.select(recordings) {
        Ok(files) => files,
        Err(reason) => {
            return Ok(IngestPlan {
                reason: Some(reason.as_str().to_owned()),
                ..plan(request, settings, IngestDecision::Skipped)
            }
            .into());
        }
    };
    // What Zoom said happened to an instance whose ingest failed (trashed, then recovered)
    // stays on the item the new ingest opens.
    let mut zoom_changes = Vec::new();
    if let Some(item) = deps.table.get(&request.meeting_uuid).await? {
        if item.status.is_archived() {
            return match damage {
                Some(damage) if item.status != RecordingStatus::Expired => {
                    plan_repair(request, recordings, &files, item, damage, deps).await
                }
                _ => Ok(already_archived(request, settings, item.status).into()),
            };
        }
        zoom_changes = item.zoom_changes;
    }
    let folder = settings.key_template.render(recordings);
    let item = RecordingItem {
        meeting_uuid: recordings.uuid.clone(),
        status: RecordingStatus::Ingesting,
        meeting_id: recordings.id,
        topic: recordings.topic.clone(),
        host_email: recordings.host_email.clone(),
        start_time: recordings.start_time,
        folder: folder.as_str().to_owned(),
        document_key: None,
        files: Vec::new(),
        execution_arn: Some(request.execution_arn.clone()),
        failure: None,
        disposition: None,
        kept_in_zoom: Vec::new(),
        zoom_changes,
        updated_at: chrono::Utc::now(),
    };
    // Opened before anything is written: an execution that is not the owner writes nothing.
    if let Some(plan) = open_ingest(request, &item, deps).await? {
        return Ok(plan.into());
    }
    let stored = store_metadata(request, recordings, &folder, deps).await?;
    Ok(Planned {
        plan: IngestPlan {
            meeting: Some(stored.summary(recordings)),
            folder: Some(folder.as_str().to_owned()),
            metadata: stored.keys,
            participants: stored.participants,
            ..plan(request, settings, IngestDecision::Ingest)
        },
        items: file_items(&folder, recordings, &files),
    })
}

/// Opens the item for this execution, one copy at a time: `None` when this execution owns it
/// now, or the plan that ends it (archived already, or another execution copying). An owner
/// that ended without closing the item (a timeout, an abort) is taken over.
async fn open_ingest(
    request: &IngestRequest,
    item: &RecordingItem,
    deps: &Dependencies<'_>,
) -> Result<Option<IngestPlan>, StepError> {
    let mut claim = deps.table.open_ingest(item).await?;
    // Twice at most: the owner found may end (or be taken over by a third) meanwhile.
    for _ in 0..2 {
        let held = match claim {
            Claim::Claimed => return Ok(None),
            Claim::Held(held) => held,
        };
        let Some(held) = held else {
            return Err(StepError::new(
                STATUS_CONFLICT,
                "the item vanished while opened",
            ));
        };
        if held.status.is_archived() {
            return Ok(Some(already_archived(request, deps.settings, held.status)));
        }
        let owner = held.execution_arn.clone().unwrap_or_default();
        if held.status != RecordingStatus::Ingesting || owner.is_empty() {
            return Err(StepError::new(
                STATUS_CONFLICT,
                format!("the table refused INGESTING over {}", held.status),
            ));
        }
        if let Some(plan) = running_elsewhere(request, &owner, deps).await? {
            return Ok(Some(plan));
        }
        tracing::warn!(
            meeting_hash = %request.meeting_uuid.log_id(),
            owner = %owner,
            "the execution that opened this ingest is not running: taking it over"
        );
        claim = deps.table.take_over_ingest(item, &owner).await?;
    }
    Err(StepError::new(
        STATUS_CONFLICT,
        "the item kept changing owner while it was opened",
    ))
}

/// The plan that ends this execution when `owner` (another execution) is still running.
async fn running_elsewhere(
    request: &IngestRequest,
    owner: &str,
    deps: &Dependencies<'_>,
) -> Result<Option<IngestPlan>, StepError> {
    if owner == request.execution_arn {
        return Ok(None);
    }
    let running = deps
        .executions
        .is_running(owner)
        .await
        .map_err(|error| StepError::from_typed(WORKFLOW_UNAVAILABLE, &error))?;
    Ok(running.then(|| {
        tracing::info!(
            meeting_hash = %request.meeting_uuid.log_id(),
            owner,
            "another execution is copying this instance; this one ends without copying"
        );
        IngestPlan {
            reason: Some(format!("{owner} is copying this instance now")),
            ..plan(request, deps.settings, IngestDecision::AlreadyRunning)
        }
    }))
}

/// A repair claims the archived item for this execution (its `execution_arn`), conditional on
/// the item as read, so two repairs never copy at once. `Some(plan)` ends this one.
async fn claim_repair(
    request: &IngestRequest,
    item: &RecordingItem,
    deps: &Dependencies<'_>,
) -> Result<Result<RecordingItem, IngestPlan>, StepError> {
    if let Some(owner) = item.execution_arn.as_deref() {
        if let Some(plan) = running_elsewhere(request, owner, deps).await? {
            return Ok(Err(plan));
        }
    }
    let claimed = RecordingItem {
        execution_arn: Some(request.execution_arn.clone()),
        updated_at: chrono::Utc::now(),
        ..item.clone()
    };
    if deps.table.replace_unchanged(&claimed, item).await? == Transition::Applied {
        return Ok(Ok(claimed));
    }
    // Someone changed the item since it was read: a running owner wins, anything else is a
    // conflict the operator resolves by running the re-ingest again.
    let owner = deps
        .table
        .get(&request.meeting_uuid)
        .await?
        .and_then(|now| now.execution_arn);
    if let Some(owner) = owner {
        if let Some(plan) = running_elsewhere(request, &owner, deps).await? {
            return Ok(Err(plan));
        }
    }
    Err(StepError::new(
        STATUS_CONFLICT,
        "the archive changed while its repair started; run the re-ingest again",
    ))
}

/// What a manual run of an archived recording finds before Zoom is asked anything.
enum ManualRun {
    /// Not a manual run of an archived recording.
    NotARepair,
    /// The archive is complete (or expired): nothing to do; in particular a trashed instance
    /// is not recovered from Zoom's trash for nothing.
    Complete(Box<IngestPlan>),
    /// What is missing or changed in the bucket.
    Damaged(Vec<String>),
}

async fn check_manual_run(
    request: &IngestRequest,
    deps: &Dependencies<'_>,
) -> Result<ManualRun, StepError> {
    if !is_manual(request) || request.kind != IngestKind::Recording {
        return Ok(ManualRun::NotARepair);
    }
    let Some(item) = deps
        .table
        .get(&request.meeting_uuid)
        .await?
        .filter(|item| item.status.is_archived())
    else {
        return Ok(ManualRun::NotARepair);
    };
    if item.status == RecordingStatus::Expired {
        return Ok(ManualRun::Complete(Box::new(already_archived(
            request,
            deps.settings,
            item.status,
        ))));
    }
    let mut damage = deps.bucket.item_differences(&item).await?;
    damage.extend(item.unarchived_in_zoom());
    if !damage.is_empty() {
        return Ok(ManualRun::Damaged(damage));
    }
    Ok(ManualRun::Complete(Box::new(IngestPlan {
        reason: Some(format!(
            "the instance is {} and every archived file is in the bucket as archived",
            item.status
        )),
        ..plan(request, deps.settings, IngestDecision::AlreadyArchived)
    })))
}

/// A manual re-run of a damaged archive: every file is copied again into the same folder
/// (recovered from Zoom's trash first when it is there), and the item stays ARCHIVED throughout:
/// an archive is never downgraded, and the trash step runs only after the new copy is verified.
async fn plan_repair(
    request: &IngestRequest,
    recordings: &MeetingRecordings,
    files: &[&RecordingFile],
    item: RecordingItem,
    differences: Vec<String>,
    deps: &Dependencies<'_>,
) -> Result<Planned, StepError> {
    tracing::warn!(
        meeting_hash = %request.meeting_uuid.log_id(),
        problems = %differences.join("; "),
        "the archive is damaged: copying the recording again"
    );
    let item = match claim_repair(request, &item, deps).await? {
        Ok(claimed) => claimed,
        Err(plan) => return Ok(plan.into()),
    };
    let folder = MeetingFolder::from_stored(&item.folder);
    if item.status != RecordingStatus::Trashed {
        return repair_plan(request, recordings, files, &folder, &differences, deps).await;
    }
    // Files trashed one by one are not in the listing read before the recovery: list again.
    recover_from_trash(item, deps).await?;
    let recovered = deps
        .zoom
        .meeting_recordings(&request.meeting_uuid, None)
        .await?;
    let files = deps
        .settings
        .archive_rules
        .select(&recovered)
        .unwrap_or_default();
    repair_plan(request, &recovered, &files, &folder, &differences, deps).await
}

async fn repair_plan(
    request: &IngestRequest,
    recordings: &MeetingRecordings,
    files: &[&RecordingFile],
    folder: &MeetingFolder,
    differences: &[String],
    deps: &Dependencies<'_>,
) -> Result<Planned, StepError> {
    let stored = store_metadata(request, recordings, folder, deps).await?;
    Ok(Planned {
        plan: IngestPlan {
            reason: Some(format!("repairing the archive: {}", differences.join("; "))),
            meeting: Some(stored.summary(recordings)),
            folder: Some(folder.as_str().to_owned()),
            metadata: stored.keys,
            participants: stored.participants,
            ..plan(request, deps.settings, IngestDecision::Ingest)
        },
        items: file_items(folder, recordings, files),
    })
}

/// A transcript joins the folder of its archived recording. Until that recording's ingest is
/// over (archived, and trashed when trashing is on) the state machine retries
/// (`Archive.Pending`), so the transcript never starts a second folder nor races the trash.
/// When the recording is in Zoom's trash already, it is recovered so the transcript can be
/// downloaded; this execution's own trash step puts it back once everything is verified.
async fn plan_transcript(
    request: &IngestRequest,
    recordings: &MeetingRecordings,
    deps: &Dependencies<'_>,
) -> Result<Planned, StepError> {
    let settings = deps.settings;
    let item = deps.table.get(&request.meeting_uuid).await?;
    let Some(item) = item.filter(|item| recording_ingest_is_over(item, settings)) else {
        return Err(StepError::new(
            ARCHIVE_PENDING,
            "the recording of this transcript is not archived (and trashed) yet",
        ));
    };
    let folder = MeetingFolder::from_stored(&item.folder);
    let all: Vec<&RecordingFile> = recordings.all_files().collect();
    let new_files: Vec<(usize, &RecordingFile)> = all
        .iter()
        .enumerate()
        .filter(|(_, file)| file.is_transcript() && settings.archive_rules.keeps_file(file))
        .filter(|(index, file)| {
            let key = folder.media_key(file, *index);
            !item.files.iter().any(|archived| archived.key == key)
        })
        .map(|(index, file)| (index, *file))
        .collect();
    if new_files.is_empty() {
        return Ok(already_archived(request, settings, item.status).into());
    }
    if item.status == RecordingStatus::Trashed {
        recover_from_trash(item.clone(), deps).await?;
    }
    let items = new_files
        .into_iter()
        .map(|(index, file)| file_item(&folder, file, index))
        .collect();
    Ok(Planned {
        plan: IngestPlan {
            meeting: Some(MeetingSummary::from(recordings)),
            folder: Some(item.folder.clone()),
            ..plan(request, settings, IngestDecision::Ingest)
        },
        items,
    })
}

/// The recording's own execution is done with the instance: archived and, when its trash step
/// trashes it (not later, not never), trashed (or its trash step failed, noted on the item).
fn recording_ingest_is_over(item: &RecordingItem, settings: &Settings) -> bool {
    let trashed_at_archive = settings
        .trash_policy
        .trashes_at_archive(item.host_email.as_deref(), item.topic.as_deref());
    match item.status {
        RecordingStatus::Trashed => true,
        RecordingStatus::Archived => !trashed_at_archive || item.failure.is_some(),
        _ => false,
    }
}

/// Brings the instance back from Zoom's trash and marks the item ARCHIVED again.
async fn recover_from_trash(item: RecordingItem, deps: &Dependencies<'_>) -> Result<(), StepError> {
    match deps
        .zoom
        .recover_meeting_recordings(&item.meeting_uuid)
        .await
    {
        Ok(()) => {}
        // Not in the trash (recovered already, by a re-run or a person).
        Err(ZoomError::NotFound { .. }) => {}
        Err(other) => return Err(other.into()),
    }
    tracing::info!(
        meeting_hash = %item.meeting_uuid.log_id(),
        "recovered from Zoom's trash to copy files again"
    );
    let recovered = RecordingItem {
        status: RecordingStatus::Archived,
        updated_at: chrono::Utc::now(),
        ..item
    };
    match deps.table.put(&recovered).await? {
        Transition::Applied => Ok(()),
        Transition::Refused { current } => Err(StepError::new(
            STATUS_CONFLICT,
            format!("the table refused ARCHIVED over {current:?}"),
        )),
    }
}

fn file_items(
    folder: &MeetingFolder,
    recordings: &MeetingRecordings,
    selected: &[&RecordingFile],
) -> Vec<FileItem> {
    recordings
        .all_files()
        .enumerate()
        .filter(|(_, file)| selected.iter().any(|chosen| std::ptr::eq(*chosen, *file)))
        .map(|(index, file)| file_item(folder, file, index))
        .collect()
}

fn file_item(folder: &MeetingFolder, file: &RecordingFile, index: usize) -> FileItem {
    FileItem {
        key: folder.media_key(file, index),
        download_url: file.download_url.clone(),
        size: file.file_size,
        fallback_content_type: file.fallback_content_type().to_owned(),
        file_id: file.id.clone(),
        file_type: file.file_type.as_ref().map(|t| t.as_str().to_owned()),
        file_extension: file.file_extension.clone(),
        recording_type: file.recording_type.as_ref().map(|t| t.as_str().to_owned()),
        file_name: file.file_name.clone(),
        recording_start: file.recording_start,
        recording_end: file.recording_end,
    }
}

/// What [`store_metadata`] wrote, and what kind of instance Zoom says it is.
struct StoredMetadata {
    kind: MeetingKind,
    keys: MetadataKeys,
    participants: Option<ParticipantsSummary>,
}

impl StoredMetadata {
    /// The plan's meeting summary, with the kind Zoom's endpoints showed.
    fn summary(&self, recordings: &MeetingRecordings) -> MeetingSummary {
        MeetingSummary {
            kind: self.kind,
            ..MeetingSummary::from(recordings)
        }
    }
}

/// Writes the webhook body and Zoom's metadata of the instance into the folder: for a meeting
/// the past meeting, the scheduled meeting and the participants; for a webinar the past
/// webinar, the scheduled webinar, its attendees, panelists, Q&A and polls. A webinar is known
/// by its `type`, or by the meeting endpoint's answer that it is not a meeting (a webhook or
/// listing without a type). What Zoom does not have (404, a past instance over a year old, a
/// webinar without Q&A) is left out, not a failure; anything else Zoom fails with fails the
/// state (retried when transient; a missing scope names the scope).
async fn store_metadata(
    request: &IngestRequest,
    recordings: &MeetingRecordings,
    folder: &MeetingFolder,
    deps: &Dependencies<'_>,
) -> Result<StoredMetadata, StepError> {
    let mut keys = MetadataKeys::default();
    if let Some(webhook) = &request.webhook {
        keys.webhook = Some(store(deps.bucket, folder.key(WEBHOOK_FILE), webhook.clone()).await?);
    }
    let kind = match MeetingKind::from_type(recordings.meeting_type) {
        MeetingKind::Webinar => MeetingKind::Webinar,
        MeetingKind::Meeting => match deps.zoom.scheduled_meeting(recordings.id).await {
            Ok(meeting) => {
                keys.meeting = Some(store(deps.bucket, folder.key(MEETING_FILE), meeting).await?);
                MeetingKind::Meeting
            }
            Err(ZoomError::NotFound { .. }) => MeetingKind::Meeting,
            Err(ZoomError::NotAMeeting { .. }) => {
                tracing::info!(
                    meeting_hash = %request.meeting_uuid.log_id(),
                    meeting_type = ?recordings.meeting_type,
                    "Zoom's meeting endpoint says this instance is a webinar"
                );
                MeetingKind::Webinar
            }
            Err(other) => return Err(other.into()),
        },
    };
    let uuid = &request.meeting_uuid;
    let participants = match kind {
        MeetingKind::Meeting => {
            let past = deps.zoom.past_meeting(uuid).await;
            keys.past_meeting = store_found(deps.bucket, folder, PAST_MEETING_FILE, past).await?;
            let list = found(deps.zoom.past_participants(uuid).await)?;
            store_participants(deps.bucket, folder, uuid, list).await?
        }
        MeetingKind::Webinar => {
            store_webinar_metadata(uuid, recordings.id, folder, &mut keys, deps).await?;
            let list = found(deps.zoom.past_webinar_participants(uuid).await)?;
            store_participants(deps.bucket, folder, uuid, list).await?
        }
    };
    Ok(StoredMetadata {
        kind,
        keys,
        participants,
    })
}

/// The webinar's own metadata, each piece where Zoom has it.
async fn store_webinar_metadata(
    uuid: &MeetingUuid,
    webinar_id: i64,
    folder: &MeetingFolder,
    keys: &mut MetadataKeys,
    deps: &Dependencies<'_>,
) -> Result<(), StepError> {
    let (zoom, bucket) = (deps.zoom, deps.bucket);
    keys.past_webinar = store_found(
        bucket,
        folder,
        PAST_WEBINAR_FILE,
        zoom.past_webinar(uuid).await,
    )
    .await?;
    keys.webinar =
        store_found(bucket, folder, WEBINAR_FILE, zoom.webinar(webinar_id).await).await?;
    let panelists = zoom.webinar_panelists(webinar_id).await;
    keys.panelists = store_found(bucket, folder, PANELISTS_FILE, panelists).await?;
    keys.qa = store_found(bucket, folder, QA_FILE, zoom.past_webinar_qa(uuid).await).await?;
    let polls = zoom.past_webinar_polls(uuid).await;
    keys.polls = store_found(bucket, folder, POLLS_FILE, polls).await?;
    Ok(())
}

/// Stores Zoom's answer in `file` of the folder; `None` when Zoom does not have it.
async fn store_found(
    bucket: &Bucket,
    folder: &MeetingFolder,
    file: &str,
    answer: Result<Value, ZoomError>,
) -> Result<Option<String>, StepError> {
    match found(answer)? {
        Some(value) => Ok(Some(store(bucket, folder.key(file), value).await?)),
        None => Ok(None),
    }
}

async fn store_participants(
    bucket: &Bucket,
    folder: &MeetingFolder,
    uuid: &MeetingUuid,
    list: Option<Vec<Value>>,
) -> Result<Option<ParticipantsSummary>, StepError> {
    let Some(list) = list else {
        return Ok(None);
    };
    let count = list.len() as u64;
    let key = store(
        bucket,
        folder.key(PARTICIPANTS_FILE),
        json!({"meeting_uuid": uuid, "total_records": count, "participants": list}),
    )
    .await?;
    Ok(Some(ParticipantsSummary { count, key }))
}

fn found<T>(answer: Result<T, ZoomError>) -> Result<Option<T>, ZoomError> {
    match answer {
        Ok(value) => Ok(Some(value)),
        Err(ZoomError::NotFound { .. }) => Ok(None),
        Err(other) => Err(other),
    }
}

async fn store(bucket: &Bucket, key: String, mut value: Value) -> Result<String, StepError> {
    remove_secrets(&mut value);
    bucket.put_json(&key, &value).await?;
    Ok(key)
}
