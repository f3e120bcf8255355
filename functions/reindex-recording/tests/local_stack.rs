//! Reindexing an edited document on the local stack: a valid edit lands in S3 and the table; an
//! invalid one changes nothing and names every problem.
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
    // An edit cannot undo the trash: the mark is kept from the stored document.
    edited.as_object_mut().unwrap().remove("trashed_at");

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
