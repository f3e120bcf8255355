//! Rebuilding the table from the bucket on the local stack: drop the table, rebuild, and the
//! items are the ones the pipeline wrote; corrupt documents are reported, not fatal; a second run
//! changes nothing; a run cut into continuations counts the same.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use archive_testkit::{Archive, RecordingSpec, document_key};
use archiver::domain::document::Disposition;
use archiver::domain::status::RecordingStatus;
use archiver::table::{RecordingItem, create_table};
use chrono::Utc;
use rebuild_database::{Dependencies, RebuildOutcome, RebuildRequest, rebuild_database};

/// Everything but the time of the write.
fn comparable(item: &RecordingItem) -> RecordingItem {
    RecordingItem {
        updated_at: chrono::DateTime::UNIX_EPOCH,
        ..item.clone()
    }
}

async fn rebuild(archive: &Archive, budget: Duration) -> (RebuildOutcome, usize) {
    let deps = Dependencies {
        bucket: &archive.bucket,
        table: &archive.table,
    };
    let mut request = RebuildRequest::default();
    for calls in 1..1000 {
        let outcome = rebuild_database(request, &deps, Instant::now() + budget)
            .await
            .unwrap();
        if outcome.done {
            return (outcome, calls);
        }
        request = RebuildRequest {
            continuation: outcome.continuation,
        };
    }
    panic!("the rebuild does not end");
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_dropped_table_is_rebuilt_equal_and_corrupt_documents_are_reported() {
    let archive = Archive::fresh().await;
    let day = |n: i64| Utc::now() - chrono::Duration::days(n);
    let mut documents = Vec::new();
    for (n, status) in [
        RecordingStatus::Archived,
        RecordingStatus::Trashed,
        RecordingStatus::Archived,
        RecordingStatus::Trashed,
    ]
    .into_iter()
    .enumerate()
    {
        let spec = RecordingSpec {
            status,
            ..RecordingSpec::new(&format!("Rebuild{n}00000000000000A=="), day(n as i64 + 1))
        };
        let mut document = archive.archive(&spec).await;
        if n == 2 {
            document.disposition = Some(Disposition::KeepForever);
            archive.store(&document).await;
        }
        documents.push(document);
    }
    let corrupt_key = "recordings/2026/01/01/corrupt/recording.json";
    archive
        .put(
            corrupt_key,
            b"{\"schema_version\": 1, \"meeting\": ".to_vec(),
        )
        .await;
    let incomplete_key = "recordings/2026/01/02/incomplete/recording.json";
    archive
        .bucket
        .put_json(
            incomplete_key,
            &serde_json::json!({"schema_version": 1, "folder": "recordings/2026/01/02/incomplete"}),
        )
        .await
        .unwrap();
    // A copy of a real document in another folder (an operator's slip): where it was found is
    // not its folder, so it must not overwrite the item with another folder.
    let misplaced_key = "recordings/2026/01/03/misplaced/recording.json";
    archive
        .bucket
        .put_json(misplaced_key, &documents[3])
        .await
        .unwrap();
    let mut originals = Vec::new();
    for document in &documents {
        originals.push(archive.item(&document.meeting.uuid).await.unwrap());
    }

    archive
        .dynamodb
        .delete_table()
        .table_name(&archive.table_name)
        .send()
        .await
        .unwrap();
    create_table(&archive.dynamodb, &archive.table_name)
        .await
        .unwrap();
    assert!(archive.item(&documents[0].meeting.uuid).await.is_none());

    let (outcome, _) = rebuild(&archive, Duration::from_secs(600)).await;
    assert_eq!(outcome.counts.documents, 7);
    assert_eq!(outcome.counts.upserted, 4);
    let malformed: Vec<&str> = outcome
        .counts
        .malformed
        .iter()
        .map(|m| m.key.as_str())
        .collect();
    assert_eq!(malformed, vec![corrupt_key, incomplete_key, misplaced_key]);
    assert!(
        outcome.counts.malformed[2].problems[0].contains("but it is stored at"),
        "{:?}",
        outcome.counts.malformed[2]
    );
    assert!(
        outcome.counts.malformed[1]
            .problems
            .iter()
            .any(|p| p == "meeting is missing")
    );
    for (document, original) in documents.iter().zip(&originals) {
        let rebuilt = archive.item(&document.meeting.uuid).await.unwrap();
        assert_eq!(
            comparable(&rebuilt),
            comparable(original),
            "{}",
            document_key(document)
        );
    }
    assert_eq!(
        archive
            .item(&documents[1].meeting.uuid)
            .await
            .unwrap()
            .status,
        RecordingStatus::Trashed
    );

    // Idempotent, and the same when cut into many short calls.
    let (again, calls) = rebuild(&archive, Duration::ZERO).await;
    assert!(calls > 1, "a zero budget hands over continuations");
    assert_eq!(again.counts, outcome.counts);
    for (document, original) in documents.iter().zip(&originals) {
        let rebuilt = archive.item(&document.meeting.uuid).await.unwrap();
        assert_eq!(comparable(&rebuilt), comparable(original));
    }
}
