//! `apply-zoom-change` against the local stack's S3, DynamoDB and SQS (a bucket, table and
//! queue of each test's own), with the ingest state machine faked to record what a recovery
//! starts: renames, removals and recoveries of archived and of unfinished recordings, Zoom's
//! duplicates and out-of-order deliveries, and inputs that are wrong. Ignored by a plain
//! `cargo test`; `scripts/test` runs it with the stack up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Mutex;

use apply_zoom_change::{Applied, Dependencies, Outcome, apply_zoom_change};
use archive_testkit::{Archive, RecordingSpec, document_key, status_item, unique};
use archiver::domain::MeetingUuid;
use archiver::domain::document::RecordingDocument;
use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::status::RecordingStatus;
use archiver::domain::zoom_change::{ChangeKind, ChangeRequest, ChangedFile, ZoomChange};
use archiver::pipeline::{ARCHIVE_PENDING, INVALID_INPUT, REMOVED_BEFORE_ARCHIVED, StepError};
use archiver::workflow::{ExecutionStarter, StartError, StartOutcome};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

/// The ingest state machine, as far as a change uses it: what a recovery starts, and which
/// executions run.
#[derive(Debug, Default)]
struct Ingest {
    started: Mutex<Vec<(String, Value)>>,
    running: Mutex<HashSet<String>>,
}

impl Ingest {
    fn arn(name: &str) -> String {
        format!("arn:aws:states:us-east-1:1:execution:ingest:{name}")
    }

    fn set_running(&self, arn: &str, running: bool) {
        let mut set = self.running.lock().unwrap();
        if running {
            set.insert(arn.to_owned());
        } else {
            set.remove(arn);
        }
    }
}

impl ExecutionStarter for Ingest {
    fn execution_arn(&self, name: &str) -> Option<String> {
        Some(Self::arn(name))
    }

    async fn start(&self, name: &str, input: &str) -> Result<StartOutcome, StartError> {
        let mut started = self.started.lock().unwrap();
        if started.iter().any(|(known, _)| known == name) {
            return Ok(StartOutcome::AlreadyExists);
        }
        started.push((name.to_owned(), serde_json::from_str(input).unwrap()));
        Ok(StartOutcome::Started {
            execution_arn: Self::arn(name),
        })
    }

    async fn is_running(&self, arn: &str) -> Result<bool, StartError> {
        Ok(self.running.lock().unwrap().contains(arn))
    }
}

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_795_000_000_000 + millis).unwrap()
}

fn change(kind: ChangeKind, millis: i64) -> ZoomChange {
    ZoomChange {
        kind,
        at: at(millis),
        operator: Some("host@example.org".into()),
        files: vec![],
        topic: None,
        previous_topic: None,
    }
}

fn renamed(topic: &str, millis: i64) -> ZoomChange {
    ZoomChange {
        topic: Some(topic.into()),
        previous_topic: Some("Meeting".into()),
        ..change(ChangeKind::Renamed, millis)
    }
}

async fn apply(
    archive: &Archive,
    ingest: &Ingest,
    uuid: &MeetingUuid,
    change: &ZoomChange,
) -> Result<Applied, StepError> {
    let request = ChangeRequest {
        meeting_uuid: uuid.clone(),
        event: format!("recording.{}", change.kind.as_str()),
        change: change.clone(),
    };
    apply_raw(archive, ingest, serde_json::to_value(request).unwrap()).await
}

async fn apply_raw(archive: &Archive, ingest: &Ingest, input: Value) -> Result<Applied, StepError> {
    let deps = Dependencies {
        bucket: &archive.bucket,
        table: &archive.table,
        notifier: Some(&archive.notifier),
        ingest,
    };
    apply_zoom_change(input, &deps).await
}

async fn archived(archive: &Archive, status: RecordingStatus) -> RecordingDocument {
    let spec = RecordingSpec {
        status,
        ..RecordingSpec::new(&unique("uuid"), Utc::now())
    };
    archive.archive(&spec).await
}

async fn stored_document(archive: &Archive, document: &RecordingDocument) -> RecordingDocument {
    archive
        .bucket
        .get_json(&document_key(document))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_rename_changes_the_topic_everywhere_but_the_keys_even_out_of_order_and_twice() {
    let archive = Archive::fresh().await;
    let ingest = Ingest::default();
    let document = archived(&archive, RecordingStatus::Trashed).await;
    let uuid = &document.meeting.uuid;
    let keys_before = archive.keys("").await;

    // A topic that would be a hostile key, then the same delivery again, then an older rename
    // that Zoom delivered late.
    let hostile = renamed(
        "  ../../other-recording/x\u{0000}\u{202E} <b>Board</b>  ",
        20,
    );
    let done = apply(&archive, &ingest, uuid, &hostile).await.unwrap();
    assert_eq!(
        (done.outcome, done.status.as_deref(), done.notified),
        (Outcome::Renamed, Some("TRASHED"), true)
    );
    apply(&archive, &ingest, uuid, &hostile).await.unwrap();
    apply(&archive, &ingest, uuid, &renamed("Older name", 10))
        .await
        .unwrap();

    let expected = "../../other-recording/x <b>Board</b>";
    let stored = stored_document(&archive, &document).await;
    assert_eq!(stored.meeting.topic.as_deref(), Some(expected));
    assert_eq!(stored.zoom_changes.len(), 2, "each rename noted once");
    assert_eq!(
        stored.files, document.files,
        "the files and their keys stay"
    );
    assert_eq!(stored.trashed_at, document.trashed_at);
    let item = archive.item(uuid).await.unwrap();
    assert_eq!(item.topic.as_deref(), Some(expected));
    assert_eq!(item.status, RecordingStatus::Trashed);
    assert_eq!(
        (item.folder.as_str(), item.zoom_changes.len()),
        (document.folder.as_str(), 2)
    );
    assert_eq!(
        archive.keys("").await,
        keys_before,
        "no object added or moved"
    );

    let messages = archive.messages().await;
    assert_eq!(
        messages.len(),
        3,
        "announced each time the step ran: {messages:?}"
    );
    for message in &messages {
        assert_eq!(message["event"], "recording.renamed");
        assert_eq!(message["topic"], expected);
        assert_eq!(message["document_key"], document_key(&document));
    }
    assert!(ingest.started.lock().unwrap().is_empty());
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_trash_or_recovery_of_an_archived_recording_is_only_noted() {
    let archive = Archive::fresh().await;
    let ingest = Ingest::default();
    let document = archived(&archive, RecordingStatus::Archived).await;
    let uuid = &document.meeting.uuid;
    let one_file = ZoomChange {
        files: vec![ChangedFile {
            file_id: document.files[0].file_id.clone(),
            file_type: Some("MP4".into()),
            recording_type: None,
        }],
        ..change(ChangeKind::Trashed, 1)
    };
    for change in [
        &one_file,
        &one_file,
        &change(ChangeKind::Deleted, 2),
        &change(ChangeKind::Recovered, 3),
    ] {
        let done = apply(&archive, &ingest, uuid, change).await.unwrap();
        assert_eq!(
            (done.outcome, done.status.as_deref()),
            (Outcome::Noted, Some("ARCHIVED"))
        );
    }
    let stored = stored_document(&archive, &document).await;
    let kinds: Vec<_> = stored.zoom_changes.iter().map(|c| c.kind).collect();
    assert_eq!(
        kinds,
        [
            ChangeKind::Trashed,
            ChangeKind::Deleted,
            ChangeKind::Recovered
        ]
    );
    assert_eq!(stored.zoom_changes[0].files, one_file.files);
    let item = archive.item(uuid).await.unwrap();
    assert_eq!(item.zoom_changes, stored.zoom_changes);
    assert_eq!(
        (item.status, item.failure),
        (RecordingStatus::Archived, None)
    );
    assert!(archive.messages().await.is_empty(), "nothing announced");
    assert!(ingest.started.lock().unwrap().is_empty(), "nothing started");
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_copy_removed_before_the_archive_held_it_fails_naming_the_files_and_a_recovery_restarts()
{
    let archive = Archive::fresh().await;
    let ingest = Ingest::default();
    let uuid = MeetingUuid::parse(unique("failed")).unwrap();
    archive
        .table
        .upsert(&status_item(&uuid, RecordingStatus::Failed))
        .await
        .unwrap();
    let trashed = ZoomChange {
        files: vec![
            ChangedFile {
                file_id: Some("video-1".into()),
                file_type: Some("MP4".into()),
                recording_type: None,
            },
            ChangedFile {
                file_id: Some("chat-1".into()),
                file_type: Some("CHAT".into()),
                recording_type: None,
            },
        ],
        ..change(ChangeKind::Trashed, 1)
    };
    for _ in 0..2 {
        let error = apply(&archive, &ingest, &uuid, &trashed).await.unwrap_err();
        assert_eq!(error.error_type, REMOVED_BEFORE_ARCHIVED);
        assert!(
            error.message.contains("MP4 video-1, CHAT chat-1"),
            "{}",
            error.message
        );
    }
    let item = archive.item(&uuid).await.unwrap();
    assert_eq!(item.status, RecordingStatus::Failed);
    let failure = item.failure.unwrap();
    assert_eq!(failure.error_type, REMOVED_BEFORE_ARCHIVED);
    assert!(
        failure.message.contains("host@example.org"),
        "{}",
        failure.message
    );
    assert_eq!(item.zoom_changes.len(), 1, "a duplicate is noted once");

    // Recovered: the ingest starts again under the event's own name, once however often.
    let recovered = change(ChangeKind::Recovered, 2);
    let done = apply(&archive, &ingest, &uuid, &recovered).await.unwrap();
    assert_eq!(done.outcome, Outcome::IngestStarted);
    apply(&archive, &ingest, &uuid, &recovered).await.unwrap();
    let started = ingest.started.lock().unwrap().clone();
    assert_eq!(started.len(), 1, "{started:?}");
    let (name, input) = &started[0];
    assert_eq!(Some(name), done.execution_name.as_ref());
    assert!(name.starts_with("recovered-"), "{name}");
    assert_eq!(input["source"], "recovered");
    assert_eq!(input["meeting_uuid"], uuid.as_str());

    // A removal Zoom delivered after the recovery it preceded changes nothing.
    let late = change(ChangeKind::Deleted, 0);
    let done = apply(&archive, &ingest, &uuid, &late).await.unwrap();
    assert_eq!(done.outcome, Outcome::Noted);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_change_during_a_running_ingest_waits_for_it_and_is_judged_on_how_it_ended() {
    let archive = Archive::fresh().await;
    let ingest = Ingest::default();
    let uuid = MeetingUuid::parse(unique("ingesting")).unwrap();
    let owner = Ingest::arn(&execution_name(IngestKind::Recording, &uuid));
    let trashed = change(ChangeKind::Trashed, 1);
    let recovered = change(ChangeKind::Recovered, 2);

    // The webhook's ingest started but has not opened its item yet.
    ingest.set_running(&owner, true);
    let error = apply(&archive, &ingest, &uuid, &trashed).await.unwrap_err();
    assert_eq!(error.error_type, ARCHIVE_PENDING, "{}", error.message);

    // It opened the item and copies: both changes are noted and wait.
    let mut item = status_item(&uuid, RecordingStatus::Ingesting);
    item.execution_arn = Some(owner.clone());
    archive.table.upsert(&item).await.unwrap();
    for change in [&trashed, &recovered] {
        let error = apply(&archive, &ingest, &uuid, change).await.unwrap_err();
        assert_eq!(error.error_type, ARCHIVE_PENDING, "{}", error.message);
    }
    let noted = archive.item(&uuid).await.unwrap();
    assert_eq!(
        (noted.status, noted.failure, noted.zoom_changes.len()),
        (RecordingStatus::Ingesting, None, 2),
        "the running ingest owns the status"
    );

    // It failed (Zoom's copy was gone for a while): the trash is history, since a recovery
    // followed it, and the recovery starts the ingest again.
    ingest.set_running(&owner, false);
    archive
        .table
        .update(&uuid, |item| {
            item.status = RecordingStatus::Failed;
            true
        })
        .await
        .unwrap();
    let done = apply(&archive, &ingest, &uuid, &trashed).await.unwrap();
    assert_eq!(done.outcome, Outcome::Noted);
    let done = apply(&archive, &ingest, &uuid, &recovered).await.unwrap();
    assert_eq!(done.outcome, Outcome::IngestStarted);
    assert_eq!(ingest.started.lock().unwrap().len(), 1);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_removal_or_rename_during_an_ingest_that_completes_is_history_and_reaches_the_document() {
    let archive = Archive::fresh().await;
    let ingest = Ingest::default();
    let document = archived(&archive, RecordingStatus::Archived).await;
    let uuid = &document.meeting.uuid;
    let owner = "arn:aws:states:us-east-1:1:execution:ingest:manual-repair";
    let reopen = |status: RecordingStatus, owner: Option<&str>| {
        let owner = owner.map(str::to_owned);
        move |item: &mut archiver::table::RecordingItem| {
            item.status = status;
            item.execution_arn.clone_from(&owner);
            true
        }
    };
    archive
        .table
        .update(uuid, reopen(RecordingStatus::Ingesting, Some(owner)))
        .await
        .unwrap();
    ingest.set_running(owner, true);
    let trashed = change(ChangeKind::Trashed, 1);
    let rename = renamed("Renamed while copying", 2);
    for change in [&trashed, &rename] {
        let error = apply(&archive, &ingest, uuid, change).await.unwrap_err();
        assert_eq!(error.error_type, ARCHIVE_PENDING);
    }

    // The ingest ended with everything archived: no alarm, the rename reaches the document.
    ingest.set_running(owner, false);
    archive
        .table
        .update(uuid, reopen(RecordingStatus::Archived, None))
        .await
        .unwrap();
    let done = apply(&archive, &ingest, uuid, &trashed).await.unwrap();
    assert_eq!(done.outcome, Outcome::Noted);
    let done = apply(&archive, &ingest, uuid, &rename).await.unwrap();
    assert_eq!((done.outcome, done.notified), (Outcome::Renamed, true));
    let stored = stored_document(&archive, &document).await;
    assert_eq!(
        stored.meeting.topic.as_deref(),
        Some("Renamed while copying")
    );
    let kinds: Vec<_> = stored.zoom_changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [ChangeKind::Trashed, ChangeKind::Renamed]);
    let item = archive.item(uuid).await.unwrap();
    assert_eq!(
        (item.status, item.failure),
        (RecordingStatus::Archived, None)
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_unknown_instance_or_a_wrong_input_writes_nothing() {
    let archive = Archive::fresh().await;
    let ingest = Ingest::default();
    let unknown = MeetingUuid::parse(unique("never-seen")).unwrap();
    for kind in [
        ChangeKind::Trashed,
        ChangeKind::Deleted,
        ChangeKind::Recovered,
    ] {
        let done = apply(&archive, &ingest, &unknown, &change(kind, 1))
            .await
            .unwrap();
        assert_eq!(
            (done.outcome, done.status),
            (Outcome::UnknownInstance, None)
        );
    }
    let done = apply(&archive, &ingest, &unknown, &renamed("New", 1))
        .await
        .unwrap();
    assert_eq!(done.outcome, Outcome::UnknownInstance);
    assert!(archive.item(&unknown).await.is_none(), "no item made");

    let document = archived(&archive, RecordingStatus::Archived).await;
    let blank = renamed(" \u{0007}\n ", 5);
    let error = apply(&archive, &ingest, &document.meeting.uuid, &blank)
        .await
        .unwrap_err();
    assert_eq!(error.error_type, INVALID_INPUT);
    for input in [
        json!({}),
        json!({"meeting_uuid": "a b", "event": "recording.trashed",
               "change": {"kind": "trashed", "at": "2026-12-01T00:00:00Z"}}),
        json!({"meeting_uuid": "a==", "event": "recording.trashed",
               "change": {"kind": "exploded", "at": "2026-12-01T00:00:00Z"}}),
    ] {
        let error = apply_raw(&archive, &ingest, input.clone())
            .await
            .unwrap_err();
        assert_eq!(error.error_type, INVALID_INPUT, "{input}");
    }
    assert_eq!(stored_document(&archive, &document).await, document);
    assert!(archive.messages().await.is_empty());
    assert!(ingest.started.lock().unwrap().is_empty());
}
