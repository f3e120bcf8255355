//! Retention on the local stack: a dry run lists exactly what would go and deletes nothing; a
//! real run deletes exactly the expired recordings (by the global policy and by disposition) and
//! nothing else; without a policy nothing is deleted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::time::Instant;

use archive_testkit::{Archive, RecordingSpec, document_key};
use archiver::domain::MeetingUuid;
use archiver::domain::document::{Disposition, RecordingDocument};
use archiver::domain::retention::RetentionPolicy;
use archiver::domain::status::RecordingStatus;
use archiver::table::RecordingItem;
use chrono::Utc;
use expire_recordings::{Dependencies, ExpireOutcome, ExpireRequest, expire_recordings};

async fn run(archive: &Archive, days: Option<u32>, dry_run: bool) -> ExpireOutcome {
    let deps = Dependencies {
        bucket: &archive.bucket,
        table: &archive.table,
        policy: RetentionPolicy { days },
        notifier: Some(&archive.notifier),
    };
    let mut request = ExpireRequest {
        dry_run,
        continuation: None,
    };
    for _ in 0..100 {
        // A zero budget: one recording a call, so continuations are exercised too.
        let outcome = expire_recordings(request, &deps, Utc::now(), Instant::now())
            .await
            .unwrap();
        if outcome.done {
            return outcome;
        }
        request = ExpireRequest {
            dry_run,
            continuation: outcome.continuation,
        };
    }
    panic!("the expiry does not end");
}

fn uuids(outcome: &ExpireOutcome) -> BTreeSet<String> {
    outcome
        .counts
        .expired
        .iter()
        .map(|e| e.meeting_uuid.as_str().to_owned())
        .collect()
}

struct Made {
    document: RecordingDocument,
    keys: Vec<String>,
}

async fn make(
    archive: &Archive,
    uuid: &str,
    days_ago: i64,
    status: RecordingStatus,
    disposition: Option<Disposition>,
) -> Made {
    let spec = RecordingSpec {
        status,
        ..RecordingSpec::new(uuid, Utc::now() - chrono::Duration::days(days_ago))
    };
    let mut document = archive.archive(&spec).await;
    if disposition.is_some() {
        document.disposition = disposition;
        archive.store(&document).await;
    }
    let keys = archive.keys(&format!("{}/", document.folder)).await;
    Made { document, keys }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_dry_run_lists_and_a_real_run_deletes_exactly_the_expired_ones() {
    let archive = Archive::fresh().await;
    let yesterday = Utc::now() - chrono::Duration::days(1);
    let next_year = Utc::now() + chrono::Duration::days(365);
    let old = make(
        &archive,
        "ExpireOld000000000000A==",
        400,
        RecordingStatus::Archived,
        None,
    )
    .await;
    let old_trashed = make(
        &archive,
        "ExpireOldTrashed00000A==",
        500,
        RecordingStatus::Trashed,
        None,
    )
    .await;
    let old_kept = make(
        &archive,
        "ExpireOldKept00000000A==",
        400,
        RecordingStatus::Archived,
        Some(Disposition::KeepForever),
    )
    .await;
    let old_later = make(
        &archive,
        "ExpireOldLater0000000A==",
        400,
        RecordingStatus::Archived,
        Some(Disposition::DeleteAfter { at: next_year }),
    )
    .await;
    let recent = make(
        &archive,
        "ExpireRecent000000000A==",
        10,
        RecordingStatus::Archived,
        None,
    )
    .await;
    let recent_due = make(
        &archive,
        "ExpireRecentDue000000A==",
        10,
        RecordingStatus::Trashed,
        Some(Disposition::DeleteAfter { at: yesterday }),
    )
    .await;
    // An ingest that failed is not an archive: retention never looks at it.
    let failed_uuid = MeetingUuid::parse("ExpireFailed000000000A==").unwrap();
    let failed = RecordingItem {
        status: RecordingStatus::Failed,
        start_time: Some(Utc::now() - chrono::Duration::days(900)),
        ..archive.item(&old.document.meeting.uuid).await.unwrap()
    };
    archive
        .table
        .upsert(&RecordingItem {
            meeting_uuid: failed_uuid.clone(),
            ..failed
        })
        .await
        .unwrap();

    let expiring: BTreeSet<String> = [&old, &old_trashed, &recent_due]
        .iter()
        .map(|m| m.document.meeting.uuid.as_str().to_owned())
        .collect();
    let all = [
        &old,
        &old_trashed,
        &old_kept,
        &old_later,
        &recent,
        &recent_due,
    ];

    // Without a global policy only the disposition that says so deletes anything.
    let no_policy = run(&archive, None, true).await;
    assert_eq!(
        uuids(&no_policy),
        BTreeSet::from([recent_due.document.meeting.uuid.as_str().to_owned()])
    );

    let dry = run(&archive, Some(365), true).await;
    assert!(dry.dry_run);
    assert_eq!(
        uuids(&dry),
        expiring,
        "the dry run lists exactly the expired ones"
    );
    assert_eq!(dry.counts.examined, 6);
    assert_eq!(dry.counts.kept, 3);
    assert!(
        dry.counts
            .expired
            .iter()
            .all(|e| e.objects_deleted == 0 && e.bytes > 0)
    );
    for made in all {
        assert_eq!(
            archive.keys(&format!("{}/", made.document.folder)).await,
            made.keys,
            "a dry run deletes nothing"
        );
    }
    assert!(
        archive.messages().await.is_empty(),
        "a dry run tells nobody"
    );

    let real = run(&archive, Some(365), false).await;
    assert_eq!(uuids(&real), expiring);
    for made in all {
        let uuid = made.document.meeting.uuid.as_str().to_owned();
        let keys = archive.keys(&format!("{}/", made.document.folder)).await;
        let item = archive.item(&made.document.meeting.uuid).await.unwrap();
        if expiring.contains(&uuid) {
            assert_eq!(
                keys,
                vec![document_key(&made.document)],
                "only the tombstone stays"
            );
            assert_eq!(item.status, RecordingStatus::Expired);
            let tombstone: RecordingDocument = archive
                .bucket
                .get_json(&document_key(&made.document))
                .await
                .unwrap()
                .unwrap();
            assert!(tombstone.expired_at.is_some());
            assert_eq!(tombstone.status(), RecordingStatus::Expired);
        } else {
            assert_eq!(keys, made.keys, "{uuid} is untouched");
            assert_ne!(item.status, RecordingStatus::Expired);
        }
    }
    assert_eq!(
        archive.item(&failed_uuid).await.unwrap().status,
        RecordingStatus::Failed
    );

    // Downstream systems are told about each expired recording, once, with the reason.
    let messages = archive.messages().await;
    let told: BTreeSet<String> = messages
        .iter()
        .map(|m| m["meeting_uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(told, expiring);
    assert_eq!(messages.len(), expiring.len(), "{messages:?}");
    for message in &messages {
        let made = all
            .iter()
            .find(|m| m.document.meeting.uuid.as_str() == message["meeting_uuid"])
            .unwrap();
        assert_eq!(message["event"], "recording.expired");
        assert_eq!(message["document_key"], document_key(&made.document));
        // Every object of the folder but the tombstone.
        assert_eq!(message["objects_deleted"], made.keys.len() - 1, "{message}");
        assert!(message["reason"].as_str().is_some_and(|r| !r.is_empty()));
    }

    // Nothing is left to expire.
    let again = run(&archive, Some(365), false).await;
    assert!(again.counts.expired.is_empty());
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn retention_deletes_only_what_the_recording_names_and_refuses_a_shared_folder() {
    let archive = Archive::fresh().await;
    let yesterday = Some(Disposition::DeleteAfter {
        at: Utc::now() - chrono::Duration::days(1),
    });
    let due = make(
        &archive,
        "ExpireOwnOnly00000000A==",
        30,
        RecordingStatus::Archived,
        yesterday.clone(),
    )
    .await;
    // Something an operator put in the folder by hand: no document names it, so it stays.
    let note = format!("{}/operator-notes.txt", due.document.folder);
    archive.put(&note, b"kept".to_vec()).await;
    let neighbours = [
        make(
            &archive,
            "ExpireNeighbourA00000A==",
            30,
            RecordingStatus::Archived,
            None,
        )
        .await,
        make(
            &archive,
            "ExpireNeighbourB00000A==",
            30,
            RecordingStatus::Trashed,
            None,
        )
        .await,
    ];

    // The wipe of the issue, with its guards bypassed: a document and item whose folder is the
    // bucket's top folder, due yesterday.
    let mut wide = make(
        &archive,
        "ExpireWideFolder00000A==",
        30,
        RecordingStatus::Archived,
        None,
    )
    .await;
    wide.document.folder = "recordings".into();
    for file in &mut wide.document.files {
        let name = file.key.rsplit('/').next().unwrap().to_owned();
        file.key = format!("recordings/{name}");
        archive.put(&file.key, vec![0; file.size as usize]).await;
        file.checksum_sha256 = None;
    }
    wide.document.participants = None;
    wide.document.disposition = yesterday;
    archive.store(&wide.document).await;
    let everything_before = archive.keys("").await;

    let real = run(&archive, None, false).await;
    assert_eq!(
        uuids(&real),
        BTreeSet::from([due.document.meeting.uuid.as_str().to_owned()])
    );
    assert_eq!(real.counts.refused.len(), 1, "{:?}", real.counts.refused);
    assert_eq!(
        real.counts.refused[0].meeting_uuid,
        wide.document.meeting.uuid
    );
    assert!(
        real.counts.refused[0]
            .reason
            .contains("another recording's document"),
        "{}",
        real.counts.refused[0].reason
    );
    assert_eq!(
        archive.keys(&format!("{}/", due.document.folder)).await,
        vec![note.clone(), document_key(&due.document)],
        "the named objects went, the unnamed note and the tombstone stayed"
    );
    let gone: BTreeSet<String> = due
        .keys
        .iter()
        .filter(|k| **k != document_key(&due.document))
        .cloned()
        .collect();
    let after: BTreeSet<String> = archive.keys("").await.into_iter().collect();
    let expected: BTreeSet<String> = everything_before
        .into_iter()
        .filter(|k| !gone.contains(k))
        .collect();
    assert_eq!(
        after, expected,
        "nothing of any other recording was deleted"
    );
    for neighbour in &neighbours {
        assert_eq!(
            archive
                .keys(&format!("{}/", neighbour.document.folder))
                .await,
            neighbour.keys
        );
    }
    assert_ne!(
        archive
            .item(&wide.document.meeting.uuid)
            .await
            .unwrap()
            .status,
        RecordingStatus::Expired
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_input_without_an_explicit_dry_run_false_deletes_nothing() {
    let archive = Archive::fresh().await;
    let made = make(
        &archive,
        "ExpireDefaultDry0000A==",
        900,
        RecordingStatus::Archived,
        None,
    )
    .await;
    let deps = Dependencies {
        bucket: &archive.bucket,
        table: &archive.table,
        policy: RetentionPolicy { days: Some(30) },
        notifier: Some(&archive.notifier),
    };
    for input in [
        serde_json::json!({}),
        serde_json::json!({"dry_run": null}),
        serde_json::json!({"continuation": null}),
    ] {
        let request: ExpireRequest = match serde_json::from_value(input.clone()) {
            Ok(request) => request,
            // A null where a flag belongs is refused outright: that deletes nothing either.
            Err(_) => continue,
        };
        let outcome = expire_recordings(request, &deps, Utc::now(), Instant::now())
            .await
            .unwrap();
        assert!(outcome.dry_run, "{input} is a dry run");
    }
    assert!(ExpireRequest::default().dry_run);
    assert_eq!(
        archive.keys(&format!("{}/", made.document.folder)).await,
        made.keys
    );
    assert_eq!(
        archive
            .item(&made.document.meeting.uuid)
            .await
            .unwrap()
            .status,
        RecordingStatus::Archived
    );
}
