//! Reindexing an edited document on the local stack: a valid edit lands in S3 and the table; an
//! invalid one changes nothing and names every problem; an edit that reaches outside its own
//! recording or rewrites its history is refused by the field it touches.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use archive_testkit::{Archive, RecordingSpec, document_key};
use archiver::domain::document::{Disposition, RecordingDocument};
use archiver::domain::status::RecordingStatus;
use chrono::{Duration, Utc};
use reindex_recording::{Dependencies, reindex_recording};
use serde_json::{Value, json};

fn deps(archive: &Archive) -> Dependencies<'_> {
    Dependencies {
        bucket: &archive.bucket,
        table: &archive.table,
        notifier: Some(&archive.notifier),
    }
}

async fn stored(archive: &Archive, document: &RecordingDocument) -> Value {
    archive
        .bucket
        .get_json::<Value>(&document_key(document))
        .await
        .unwrap()
        .unwrap()
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_edited_topic_and_disposition_land_in_s3_and_the_table() {
    let archive = Archive::fresh().await;
    let spec = RecordingSpec {
        status: RecordingStatus::Trashed,
        ..RecordingSpec::new("ReindexMe000000000000A==", Utc::now() - Duration::days(3))
    };
    let document = archive.archive(&spec).await;
    let mut edited = serde_json::to_value(&document).unwrap();
    edited["meeting"]["topic"] = json!("Board meeting (approved minutes)");
    edited["disposition"] = json!({"policy": "keep_forever"});

    let done = reindex_recording(edited, &deps(&archive)).await.unwrap();
    assert_eq!(done.status, "TRASHED");
    assert_eq!(done.files, 2);

    let in_s3 = stored(&archive, &document).await;
    assert_eq!(
        in_s3["meeting"]["topic"],
        "Board meeting (approved minutes)"
    );
    assert_eq!(in_s3["disposition"]["policy"], "keep_forever");
    assert!(in_s3["trashed_at"].is_string());
    let item = archive.item(&document.meeting.uuid).await.unwrap();
    assert_eq!(
        item.topic.as_deref(),
        Some("Board meeting (approved minutes)")
    );
    assert_eq!(item.disposition, Some(Disposition::KeepForever));
    assert_eq!(item.status, RecordingStatus::Trashed);

    // Downstream systems are told, with the new topic.
    assert!(done.notified);
    let messages = archive.messages().await;
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert_eq!(messages[0]["event"], "recording.reindexed");
    assert_eq!(messages[0]["meeting_uuid"], document.meeting.uuid.as_str());
    assert_eq!(messages[0]["document_key"], document_key(&document));
    assert_eq!(messages[0]["topic"], "Board meeting (approved minutes)");
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_invalid_document_changes_nothing_and_lists_every_problem() {
    let archive = Archive::fresh().await;
    let spec = RecordingSpec::new("ReindexBad000000000000A==", Utc::now() - Duration::days(3));
    let document = archive.archive(&spec).await;
    let before_s3 = stored(&archive, &document).await;
    let before_item = archive.item(&document.meeting.uuid).await.unwrap();

    // A missing field: every missing field is named, by its path.
    let mut missing_field = serde_json::to_value(&document).unwrap();
    missing_field["meeting"]["topic"] = json!("Should not land");
    missing_field.as_object_mut().unwrap().remove("archived_at");
    missing_field["files"][1]
        .as_object_mut()
        .unwrap()
        .remove("content_type");
    let error = reindex_recording(missing_field, &deps(&archive))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "InvalidInput");
    assert!(error.message.contains("2 problem(s)"), "{}", error.message);
    assert!(
        error.message.contains("archived_at is missing"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("files[1].content_type is missing"),
        "{}",
        error.message
    );

    // Keys that are not in the bucket, or not as archived: each is listed.
    let mut missing_key = serde_json::to_value(&document).unwrap();
    missing_key["meeting"]["topic"] = json!("Should not land either");
    let folder = document.folder.clone();
    missing_key["files"][0]["key"] = json!(format!("{folder}/no-such-video.mp4"));
    missing_key["files"][1]["size"] = json!(12);
    let error = reindex_recording(missing_key, &deps(&archive))
        .await
        .unwrap_err();
    assert_eq!(error.error_type, "InvalidInput");
    assert!(error.message.contains("2 problem(s)"), "{}", error.message);
    assert!(
        error
            .message
            .contains("no-such-video.mp4 is missing from the bucket"),
        "{}",
        error.message
    );
    assert!(
        error.message.contains("bytes, 12 were archived"),
        "{}",
        error.message
    );

    assert_eq!(stored(&archive, &document).await, before_s3, "S3 unchanged");
    let after_item = archive.item(&document.meeting.uuid).await.unwrap();
    assert_eq!(after_item, before_item, "table unchanged");
    assert_eq!(archive.messages().await, Vec::<Value>::new(), "nobody told");
}

/// Reindexes `edited`, expecting a refusal that names `field`; checks that nothing changed.
async fn assert_refused(
    archive: &Archive,
    document: &RecordingDocument,
    edited: Value,
    field: &str,
) {
    let before_s3 = stored(archive, document).await;
    let before_item = archive.item(&document.meeting.uuid).await;
    let error = reindex_recording(edited, &deps(archive)).await.unwrap_err();
    assert_eq!(error.error_type, "InvalidInput", "{}", error.message);
    assert!(
        error.message.contains(&format!("{field}:"))
            || error.message.contains(&format!("{field} ")),
        "the refusal names {field}: {}",
        error.message
    );
    assert_eq!(stored(archive, document).await, before_s3, "S3 unchanged");
    assert_eq!(
        archive.item(&document.meeting.uuid).await,
        before_item,
        "table unchanged"
    );
    assert!(archive.messages().await.is_empty(), "nobody told");
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_edit_cannot_move_the_recording_or_reach_another_one() {
    let archive = Archive::fresh().await;
    let start = Utc::now() - Duration::days(3);
    let document = archive
        .archive(&RecordingSpec::new("ReindexFolder00000000A==", start))
        .await;
    let neighbour = archive
        .archive(&RecordingSpec::new("ReindexNeighbour00000A==", start))
        .await;

    // The wipe of the issue: the folder edited up to the bucket's top folder, a past deletion
    // date added. Refused, so retention never sees it.
    let mut to_the_top = serde_json::to_value(&document).unwrap();
    to_the_top["folder"] = json!("recordings");
    for file in to_the_top["files"].as_array_mut().unwrap() {
        let name = file["key"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_owned();
        file["key"] = json!(format!("recordings/{name}"));
    }
    to_the_top["disposition"] = json!({"policy": "delete_after", "at": "2020-01-01T00:00:00Z"});
    assert_refused(&archive, &document, to_the_top, "folder").await;

    // Another recording's file, named in this one's document.
    let mut borrowed = serde_json::to_value(&document).unwrap();
    borrowed["files"][1] = serde_json::to_value(&neighbour.files[0]).unwrap();
    assert_refused(&archive, &document, borrowed, "files[1].key").await;

    // The uuid changed to one the table does not hold.
    let mut unknown = serde_json::to_value(&document).unwrap();
    unknown["meeting"]["uuid"] = json!("NoSuchInstance0000000A==");
    assert_refused(&archive, &document, unknown, "meeting.uuid").await;

    // The uuid changed to the neighbour's: its folder is not this one.
    let mut swapped = serde_json::to_value(&document).unwrap();
    swapped["meeting"]["uuid"] = json!(neighbour.meeting.uuid.as_str());
    let error = reindex_recording(swapped, &deps(&archive))
        .await
        .unwrap_err();
    assert!(error.message.contains("folder:"), "{}", error.message);
    assert_eq!(
        stored(&archive, &neighbour).await,
        serde_json::to_value(&neighbour).unwrap(),
        "the neighbour is untouched"
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_trash_and_retention_marks_and_the_status_cannot_be_edited() {
    let archive = Archive::fresh().await;
    let start = Utc::now() - Duration::days(3);
    let trashed = archive
        .archive(&RecordingSpec {
            status: RecordingStatus::Trashed,
            ..RecordingSpec::new("ReindexMarks000000000A==", start)
        })
        .await;

    let mut untrashed = serde_json::to_value(&trashed).unwrap();
    untrashed.as_object_mut().unwrap().remove("trashed_at");
    assert_refused(&archive, &trashed, untrashed, "trashed_at").await;

    let mut moved = serde_json::to_value(&trashed).unwrap();
    moved["trashed_at"] = json!("2020-01-01T00:00:00Z");
    assert_refused(&archive, &trashed, moved, "trashed_at").await;

    let mut expired = serde_json::to_value(&trashed).unwrap();
    expired["expired_at"] = json!(Utc::now());
    assert_refused(&archive, &trashed, expired, "expired_at").await;

    // An ingest that failed, or one that runs, has nothing to edit.
    for status in [RecordingStatus::Failed, RecordingStatus::Ingesting] {
        let spec = RecordingSpec::new(&format!("Reindex{status}0000000A=="), start);
        let document = archive.archive(&spec).await;
        let mut item = archive.item(&document.meeting.uuid).await.unwrap();
        item.status = status;
        archive.table.upsert(&item).await.unwrap();
        let mut edited = serde_json::to_value(&document).unwrap();
        edited["meeting"]["topic"] = json!("edited");
        assert_refused(&archive, &document, edited, "status").await;
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_expired_recording_takes_a_new_disposition_and_nothing_else() {
    let archive = Archive::fresh().await;
    let spec = RecordingSpec::new("ReindexExpired0000000A==", Utc::now() - Duration::days(900));
    let mut document = archive.archive(&spec).await;
    document.expired_at = Some(Utc::now() - Duration::days(1));
    archive.store(&document).await;
    for file in &document.files {
        archive.bucket.delete(&file.key).await.unwrap();
    }

    let mut topic = serde_json::to_value(&document).unwrap();
    topic["meeting"]["topic"] = json!("renamed after the fact");
    assert_refused(&archive, &document, topic, "meeting").await;

    let mut kept = serde_json::to_value(&document).unwrap();
    kept["disposition"] = json!({"policy": "keep_forever"});
    let done = reindex_recording(kept, &deps(&archive)).await.unwrap();
    assert_eq!(done.status, "EXPIRED");
    assert_eq!(
        stored(&archive, &document).await["disposition"]["policy"],
        "keep_forever"
    );
    let item = archive.item(&document.meeting.uuid).await.unwrap();
    assert_eq!(item.status, RecordingStatus::Expired);
    assert_eq!(item.disposition, Some(Disposition::KeepForever));
}
