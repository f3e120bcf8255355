//! The recordings table on moto: status changes are conditional writes that never downgrade an
//! archive and never trash what is not archived. Ignored by a plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use archiver::aws;
use archiver::domain::MeetingUuid;
use archiver::domain::status::RecordingStatus::{self, *};
use archiver::table::{BY_HOST_INDEX, RecordingItem, RecordingsTable, Transition, create_table};
use aws_sdk_dynamodb::types::AttributeValue;
use chrono::Utc;

async fn table() -> (RecordingsTable, aws_sdk_dynamodb::Client, String) {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "needs the local stack: run scripts/test"
    );
    let client = aws::dynamodb_client(&aws::load_sdk_config().await);
    // Tests run in parallel threads and the clock may be coarse: a random part keeps names apart.
    let name = format!(
        "recordings-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    );
    create_table(&client, &name).await.unwrap();
    (RecordingsTable::new(client.clone(), &name), client, name)
}

/// An item with what the indexes read: a host and a start time.
fn item(uuid: &str, status: RecordingStatus) -> RecordingItem {
    RecordingItem {
        topic: Some("t".into()),
        host_email: Some("Alice@Example.org".into()),
        start_time: Some(Utc::now()),
        ..archive_testkit::status_item(&MeetingUuid::parse(uuid).unwrap(), status)
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_happy_path_and_idempotent_re_runs() {
    let (table, _, _) = table().await;
    let uuid = "/happy//path==";
    for (status, expected) in [
        (Ingesting, Transition::Applied),
        (Ingesting, Transition::Applied),
        (Archived, Transition::Applied),
        (Archived, Transition::Applied),
        (Trashed, Transition::Applied),
        (Trashed, Transition::Applied),
    ] {
        assert_eq!(
            table.put(&item(uuid, status)).await.unwrap(),
            expected,
            "{status}"
        );
    }
    let stored = table
        .get(&MeetingUuid::parse(uuid).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.status, Trashed);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_archive_is_never_downgraded_nor_trashed_early() {
    let (table, _, _) = table().await;
    let uuid = "archived==";
    table.put(&item(uuid, Ingesting)).await.unwrap();
    table.put(&item(uuid, Archived)).await.unwrap();
    for status in [Ingesting, Failed] {
        assert_eq!(
            table.put(&item(uuid, status)).await.unwrap(),
            Transition::Refused {
                current: Some(Archived)
            },
            "{status}"
        );
    }

    let early = "not-archived-yet==";
    assert_eq!(
        table.put(&item(early, Trashed)).await.unwrap(),
        Transition::Refused { current: None },
        "no item, no trash"
    );
    table.put(&item(early, Ingesting)).await.unwrap();
    assert_eq!(
        table.put(&item(early, Trashed)).await.unwrap(),
        Transition::Refused {
            current: Some(Ingesting)
        }
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_failed_ingest_can_be_run_again() {
    let (table, _, _) = table().await;
    let uuid = "failed-once==";
    table.put(&item(uuid, Ingesting)).await.unwrap();
    assert_eq!(
        table.put(&item(uuid, Failed)).await.unwrap(),
        Transition::Applied
    );
    assert_eq!(
        table.put(&item(uuid, Ingesting)).await.unwrap(),
        Transition::Applied
    );
    assert_eq!(
        table.put(&item(uuid, Archived)).await.unwrap(),
        Transition::Applied
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn items_are_found_by_host_through_the_index() {
    let (table, client, name) = table().await;
    table.put(&item("by-host==", Ingesting)).await.unwrap();
    let found = client
        .query()
        .table_name(&name)
        .index_name(BY_HOST_INDEX)
        .key_condition_expression("host_email = :host")
        .expression_attribute_values(":host", AttributeValue::S("alice@example.org".into()))
        .send()
        .await
        .unwrap();
    assert_eq!(found.count(), 1, "host emails are stored lower-cased");
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn statuses_come_back_for_every_known_uuid_beyond_one_batch() {
    let (table, _, _) = table().await;
    let uuids: Vec<MeetingUuid> = (0..250)
        .map(|n| MeetingUuid::parse(format!("batch{n:04}==")).unwrap())
        .collect();
    for (n, uuid) in uuids.iter().enumerate().filter(|(n, _)| n % 3 != 0) {
        let status = if n % 2 == 0 {
            RecordingStatus::Archived
        } else {
            RecordingStatus::Failed
        };
        table.upsert(&item(uuid.as_str(), status)).await.unwrap();
    }
    let statuses = table.statuses(&uuids).await.unwrap();
    assert_eq!(
        statuses.len(),
        250 - 84,
        "every uuid with an item, none without"
    );
    assert_eq!(statuses[&uuids[2]], RecordingStatus::Archived);
    assert_eq!(statuses[&uuids[1]], RecordingStatus::Failed);
    assert!(!statuses.contains_key(&uuids[3]));
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_status_scan_pages_through_every_matching_item_once() {
    let (table, _, _) = table().await;
    for n in 0..30 {
        let status = if n % 3 == 0 {
            RecordingStatus::Ingesting
        } else {
            RecordingStatus::Trashed
        };
        table
            .upsert(&item(&format!("scan{n:04}=="), status))
            .await
            .unwrap();
    }
    let mut found = Vec::new();
    let mut start_after = None;
    loop {
        let (items, next) = table
            .scan_page(&[RecordingStatus::Trashed], start_after.as_ref())
            .await
            .unwrap();
        found.extend(items.into_iter().map(|i| i.meeting_uuid));
        match next {
            Some(next) => start_after = Some(next),
            None => break,
        }
    }
    found.sort_by(|a, b| a.as_str().cmp(b.as_str()));
    found.dedup();
    assert_eq!(found.len(), 20);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_replace_lands_only_over_the_item_as_it_was_read() {
    let (table, _, _) = table().await;
    let uuid = MeetingUuid::parse("replace/unchanged==").unwrap();
    table.put(&item(uuid.as_str(), Ingesting)).await.unwrap();
    table.put(&item(uuid.as_str(), Archived)).await.unwrap();
    let read = table.get(&uuid).await.unwrap().unwrap();

    // A trash (or any other write) lands between the read and the edit: the edit is refused.
    let mut trashed = read.clone();
    trashed.status = Trashed;
    trashed.updated_at = read.updated_at + chrono::Duration::milliseconds(3);
    assert_eq!(table.put(&trashed).await.unwrap(), Transition::Applied);
    let mut edit = read.clone();
    edit.topic = Some("edited".into());
    assert_eq!(
        table.replace_unchanged(&edit, &read).await.unwrap(),
        Transition::Refused {
            current: Some(Trashed)
        }
    );
    assert_eq!(table.get(&uuid).await.unwrap().unwrap().status, Trashed);

    // Over the item as read, it lands; a second edit from the same read does not.
    let read = table.get(&uuid).await.unwrap().unwrap();
    let mut edit = read.clone();
    edit.topic = Some("edited".into());
    edit.updated_at = read.updated_at + chrono::Duration::milliseconds(1);
    assert_eq!(
        table.replace_unchanged(&edit, &read).await.unwrap(),
        Transition::Applied
    );
    assert!(matches!(
        table.replace_unchanged(&edit, &read).await.unwrap(),
        Transition::Refused { .. }
    ));
    assert_eq!(
        table.get(&uuid).await.unwrap().unwrap().topic.as_deref(),
        Some("edited")
    );
}
