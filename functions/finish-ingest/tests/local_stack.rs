//! When to trash the Zoom copy (`TRASH_AFTER_DAYS`, `NEVER_TRASH_*`), against the local stack's
//! S3 and DynamoDB (a bucket and table of this test's own) and a zoom-sim account of its own:
//! the ingest's trash step leaves a copy whose days in Zoom are not over, and the daily scan's
//! "Trash due copies" trashes exactly the copies that are due, verified again, across calls
//! that hand each other a continuation. Ignored by a plain `cargo test`; `scripts/test` runs
//! it with the stack up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use archive_testkit::{Archive, RecordingSpec, document_key, unique};
use archiver::domain::SecretString;
use archiver::domain::document::RecordingDocument;
use archiver::domain::execution::IngestKind;
use archiver::domain::rules::ArchiveRules;
use archiver::domain::status::RecordingStatus;
use archiver::domain::trash::TrashPolicy;
use archiver::pipeline::FinishRequest;
use archiver::zoom::{RetryPolicy, ZoomClient, ZoomClientConfig};
use chrono::Utc;
use finish_ingest::{Dependencies, FinishAnswer, TrashDueOutcome, finish_ingest};
use regex::Regex;
use zoom_sim::scenario::MeetingInstance;
use zoom_sim::{Scenario, SimConfig, ZoomSim};

const DAYS: u32 = 7;

/// Five instances: due, not due yet, kept by the host rule, kept by the topic rule, and due but
/// with an archive that no longer verifies.
const CASES: [(&str, i64, &str, &str); 5] = [
    ("due", 10, "teacher@example.org", "Lesson 4"),
    ("recent", 2, "teacher@example.org", "Lesson 5"),
    ("kept-host", 30, "Principal@Example.org", "Staff meeting"),
    (
        "kept-topic",
        30,
        "teacher@example.org",
        "Confidential: hearing",
    ),
    ("damaged", 30, "teacher@example.org", "Lesson 1"),
];

fn policy() -> TrashPolicy {
    TrashPolicy {
        enabled: true,
        after_days: DAYS,
        never_host_emails: vec!["principal@example.org".into()],
        never_topic_pattern: Some(Regex::new("(?i)confidential").unwrap()),
    }
}

fn scenario(run: &str) -> Scenario {
    let path = format!(
        "{}/../../fixtures/scenarios/standard.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut scenario = Scenario::load(std::path::Path::new(&path)).unwrap();
    let board = scenario.meetings[0].clone();
    scenario.meetings = CASES
        .iter()
        .map(|(name, ..)| small_copy(&board, &format!("{run}-{name}==")))
        .collect();
    scenario
}

/// A video and a chat, a few KiB each.
fn small_copy(board: &MeetingInstance, uuid: &str) -> MeetingInstance {
    let mut meeting = board.clone();
    meeting.uuid = uuid.into();
    meeting.participant_audio.clear();
    meeting
        .files
        .retain(|f| f.file_type == "MP4" || f.file_type == "CHAT");
    for file in &mut meeting.files {
        file.id = format!("{uuid}-{}", file.file_type);
        file.size = 4096;
    }
    meeting
}

fn zoom_client(sim: &ZoomSim, account_id: &str) -> ZoomClient {
    ZoomClient::new(ZoomClientConfig {
        api_base_url: sim.api_base_url().parse().unwrap(),
        oauth_token_url: sim.oauth_token_url().parse().unwrap(),
        account_id: account_id.into(),
        client_id: "sim-client-id".into(),
        client_secret: SecretString::new("sim-client-secret"),
        request_timeout: Duration::from_secs(30),
        retry: RetryPolicy::default(),
    })
    .unwrap()
}

/// The archive of one zoom-sim instance, as the pipeline leaves it (ARCHIVED), archived
/// `days_ago`, with the file ids and sizes Zoom lists.
async fn archived_like_zoom(
    archive: &Archive,
    meeting: &MeetingInstance,
    days_ago: i64,
    host: &str,
    topic: &str,
) -> RecordingDocument {
    let spec = RecordingSpec {
        topic: topic.into(),
        files: meeting
            .files
            .iter()
            .map(|f| (format!("{}.bin", f.id), f.size as usize))
            .collect(),
        ..RecordingSpec::new(&meeting.uuid, Utc::now() - chrono::Duration::days(days_ago))
    };
    let mut document = archive.archive(&spec).await;
    for (file, zoom) in document.files.iter_mut().zip(&meeting.files) {
        file.file_id = Some(zoom.id.clone());
        file.file_type = Some(zoom.file_type.clone());
    }
    document.meeting.host_email = Some(host.into());
    document.archived_at = Utc::now() - chrono::Duration::days(days_ago);
    archive.store(&document).await;
    document
}

fn trash_run(answer: FinishAnswer) -> TrashDueOutcome {
    match answer {
        FinishAnswer::TrashDue(outcome) => outcome,
        other => panic!("not a trash run's answer: {other:?}"),
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_zoom_copy_waits_its_days_then_only_due_verified_copies_go_to_zoom_s_trash() {
    let run = unique("trash");
    let scenario = scenario(&run);
    let account_id = scenario.account_id.clone();
    let sim = ZoomSim::start(
        SimConfig::new(scenario.clone()),
        SocketAddr::from(([127, 0, 0, 1], 0)),
    )
    .await
    .unwrap();
    let zoom = zoom_client(&sim, &account_id);
    let archive = Archive::fresh().await;
    let policy = policy();
    let rules = ArchiveRules::default();
    let deps = Dependencies {
        zoom: &zoom,
        bucket: &archive.bucket,
        table: &archive.table,
        notifier: None,
        trash: &policy,
        rules: &rules,
    };
    let mut documents = Vec::new();
    for ((_, days_ago, host, topic), meeting) in CASES.iter().zip(&scenario.meetings) {
        documents.push(archived_like_zoom(&archive, meeting, *days_ago, host, topic).await);
    }
    // The damaged archive: its video is gone from the bucket.
    archive
        .s3
        .delete_object()
        .bucket(&archive.bucket_name)
        .key(&documents[4].files[0].key)
        .send()
        .await
        .unwrap();

    // The ingest's own trash step, right after archiving: the copy stays for its days.
    let fresh = FinishRequest::Trash {
        kind: IngestKind::Recording,
        meeting_uuid: documents[1].meeting.uuid.clone(),
    };
    let answer =
        serde_json::to_value(finish_ingest(fresh, &deps, Instant::now()).await.unwrap()).unwrap();
    assert_eq!(answer["trashed"], false, "{answer}");
    assert!(
        answer["reason"]
            .as_str()
            .unwrap()
            .contains("TRASH_AFTER_DAYS"),
        "{answer}"
    );

    // The daily run, in calls that each get past one recording only (a deadline already
    // passed), handing each other the continuation.
    let mut continuation = None;
    let mut calls = 0;
    let outcome = loop {
        calls += 1;
        let request = FinishRequest::TrashDue { continuation };
        let outcome = trash_run(finish_ingest(request, &deps, Instant::now()).await.unwrap());
        if outcome.done {
            break outcome;
        }
        continuation = outcome.continuation;
        assert!(calls < 20, "the run never ends");
    };
    assert!(
        calls >= CASES.len(),
        "{calls} calls for {} recordings",
        CASES.len()
    );
    let counts = outcome.counts;
    assert_eq!(
        (counts.examined, counts.trashed, counts.waiting, counts.kept),
        (5, 1, 1, 2),
        "{counts:?}"
    );
    assert_eq!(counts.not_verified_count, 1);
    assert_eq!(
        counts.not_verified[0].meeting_uuid,
        documents[4].meeting.uuid
    );

    let trash: Vec<_> = sim
        .sim()
        .trash_log()
        .into_iter()
        .map(|r| (r.meeting_uuid, r.file_id))
        .collect();
    assert_eq!(
        trash,
        [(documents[0].meeting.uuid.as_str().to_owned(), None)],
        "only the due, verified copy went, whole"
    );
    for (index, document) in documents.iter().enumerate() {
        let item = archive.item(&document.meeting.uuid).await.unwrap();
        let stored: RecordingDocument = archive
            .bucket
            .get_json(&document_key(document))
            .await
            .unwrap()
            .unwrap();
        let expected = if index == 0 {
            RecordingStatus::Trashed
        } else {
            RecordingStatus::Archived
        };
        assert_eq!(item.status, expected, "{}", CASES[index].0);
        assert_eq!(
            stored.trashed_at.is_some(),
            index == 0,
            "{}",
            CASES[index].0
        );
    }

    // Run again: nothing is due any more.
    let again = trash_run(
        finish_ingest(
            FinishRequest::TrashDue { continuation: None },
            &deps,
            Instant::now() + Duration::from_secs(60),
        )
        .await
        .unwrap(),
    );
    assert_eq!((again.counts.examined, again.counts.trashed), (4, 0));
    assert_eq!(sim.sim().trash_log().len(), 1);
}
