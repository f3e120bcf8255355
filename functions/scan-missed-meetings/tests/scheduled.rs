//! The scheduled scan as it runs on AWS: the local Step Functions executes
//! statemachine/scan-missed-meetings.asl.json with the schedule's input, its task calls
//! scan-missed-meetings under cargo lambda (the local stack gives one call 2 seconds, so the
//! machine must loop on continuations), and the scan lists a zoom-sim account served on the
//! functions' Zoom port. The instances the table does not hold are then archived by the real
//! ingest pipeline, end to end; a second scheduled run starts nothing.
//!
//! This binary binds LOCAL_STACK_ZOOM_SIM_PORT: test binaries run one after another.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::time::Duration;

use archive_testkit::status_item;
use archiver::domain::MeetingUuid;
use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::status::RecordingStatus;
use archiver::table::RecordingsTable;
use aws_sdk_sfn::types::ExecutionStatus;
use chrono::Utc;
use futures_util::{StreamExt, stream};
use rand::Rng;
use scan_missed_meetings::ScanOutcome;
use sha2::{Digest, Sha256};
use zoom_sim::{Scenario, SimConfig, ZoomSim};

/// Enough instances for several pages per window, so one 2-second call cannot list them all.
const INSTANCES: usize = 1_500;
const USERS: usize = 40;
/// Inside the local stack's `SCAN_DAYS` (30).
const DAYS: i64 = 27;
/// The schedule's input in infra/template.yaml.
const SCHEDULE_INPUT: &str = r#"{"continuation": null}"#;

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run scripts/test, or eval \"$(scripts/local-stack env)\"")
    })
}

/// Instances the webhook "missed": one in a hundred, and one whose uuid starts with `/`.
fn missed(n: usize) -> bool {
    n % 100 == 7 || n == 50
}

/// Missed instances that are webinars (type 5, and 9: recurring with a fixed time).
fn webinar_type(n: usize) -> Option<i64> {
    match n {
        7 => Some(5),
        107 => Some(9),
        _ => None,
    }
}

/// The generated account under the local stack's Zoom account, every uuid and file id unique
/// to this run (execution names derive from uuids, and Step Functions remembers them).
fn scenario() -> Scenario {
    let mut scenario = Scenario::generate(USERS, INSTANCES, DAYS, Utc::now());
    scenario.account_id = env("ZOOM_ACCOUNT_ID");
    let run: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(6)
        .map(char::from)
        .collect();
    for (n, meeting) in scenario.meetings.iter_mut().enumerate() {
        if let Some(webinar_type) = webinar_type(n) {
            meeting.meeting_type = webinar_type;
        }
        meeting.uuid = match meeting.uuid.strip_prefix('/') {
            Some(rest) => format!("/{run}{rest}"),
            None => format!("{run}{}", meeting.uuid),
        };
        for file in &mut meeting.files {
            file.id = format!("{run}-{}", file.id);
        }
    }
    scenario
}

struct Stack {
    sfn: aws_sdk_sfn::Client,
    s3: aws_sdk_s3::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    table: RecordingsTable,
}

impl Stack {
    async fn new() -> Self {
        let sdk = archiver::aws::load_sdk_config().await;
        let dynamodb = archiver::aws::dynamodb_client(&sdk);
        Self {
            sfn: archiver::aws::sfn_client(&sdk),
            s3: archiver::aws::s3_client(&sdk, true),
            table: RecordingsTable::new(dynamodb.clone(), env("RECORDINGS_TABLE")),
            dynamodb,
        }
    }

    /// Runs the scheduled scan once, as EventBridge starts it, to its end.
    async fn scheduled_scan(&self) -> (ScanOutcome, usize) {
        let started = self
            .sfn
            .start_execution()
            .state_machine_arn(env("LOCAL_STACK_SCAN_STATE_MACHINE_ARN"))
            .name(format!("scheduled-{:08x}", rand::random::<u32>()))
            .input(SCHEDULE_INPUT)
            .send()
            .await
            .unwrap();
        let arn = started.execution_arn();
        let output = self.finished(arn, Duration::from_secs(300)).await;
        let calls = archive_testkit::local_stack::state_entries(&self.sfn, arn, "Scan")
            .await
            .unwrap();
        // Then the trash run: with TRASH_AFTER_DAYS unset (the local stack's), it has nothing
        // to do and says so.
        let whole: serde_json::Value = serde_json::from_str(&output).unwrap();
        assert_eq!(whole["trash"]["done"], true, "{whole}");
        assert_eq!(whole["trash"]["trashed"], 0, "{whole}");
        (serde_json::from_str(&output).unwrap(), calls)
    }

    /// Waits for an execution to end, asserts it succeeded and returns its output.
    async fn finished(&self, execution_arn: &str, patience: Duration) -> String {
        let give_up = tokio::time::Instant::now() + patience;
        loop {
            let execution = self
                .sfn
                .describe_execution()
                .execution_arn(execution_arn)
                .send()
                .await
                .unwrap();
            match execution.status() {
                ExecutionStatus::Running => {}
                ExecutionStatus::Succeeded => return execution.output().unwrap().to_owned(),
                other => panic!(
                    "{execution_arn} ended {other:?}: {:?} {:?}",
                    execution.error(),
                    execution.cause()
                ),
            }
            assert!(
                tokio::time::Instant::now() < give_up,
                "{execution_arn} still running"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }

    /// The ingest execution the webhook, or the scan, starts for an instance.
    fn ingest_execution_arn(uuid: &MeetingUuid) -> String {
        let machine = env("LOCAL_STACK_STATE_MACHINE_ARN");
        format!(
            "{}:{}",
            machine.replace(":stateMachine:", ":execution:"),
            execution_name(IngestKind::Recording, uuid)
        )
    }

    async fn bytes_of(&self, key: &str) -> Vec<u8> {
        let object = self
            .s3
            .get_object()
            .bucket(env("RECORDINGS_BUCKET"))
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{key}: {e:?}"));
        object.body.collect().await.unwrap().into_bytes().to_vec()
    }

    async fn document(&self, key: &str) -> serde_json::Value {
        serde_json::from_slice(&self.bytes_of(key).await).unwrap()
    }

    async fn sha256_of(&self, key: &str) -> (u64, String) {
        let bytes = self.bytes_of(key).await;
        (bytes.len() as u64, hex::encode(Sha256::digest(&bytes)))
    }

    async fn delete_items(&self, uuids: &[MeetingUuid]) {
        let table = env("RECORDINGS_TABLE");
        stream::iter(uuids)
            .for_each_concurrent(16, |uuid| {
                let request = self.dynamodb.delete_item().table_name(&table).key(
                    "meeting_uuid",
                    aws_sdk_dynamodb::types::AttributeValue::S(uuid.as_str().to_owned()),
                );
                async move {
                    request.send().await.unwrap();
                }
            })
            .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_scheduled_scan_loops_on_continuations_and_the_missed_instances_are_archived_once() {
    let scenario = scenario();
    let port: u16 = env("LOCAL_STACK_ZOOM_SIM_PORT").parse().unwrap();
    let sim = ZoomSim::start(
        SimConfig::new(scenario.clone()),
        SocketAddr::from(([127, 0, 0, 1], port)),
    )
    .await
    .expect("zoom-sim could not listen on LOCAL_STACK_ZOOM_SIM_PORT");
    let stack = Stack::new().await;

    let (missing, present): (Vec<_>, Vec<_>) = scenario
        .meetings
        .iter()
        .enumerate()
        .map(|(n, m)| (n, MeetingUuid::parse(&m.uuid).unwrap()))
        .partition(|(n, _)| missed(*n));
    let missing: Vec<MeetingUuid> = missing.into_iter().map(|(_, uuid)| uuid).collect();
    let present: Vec<MeetingUuid> = present.into_iter().map(|(_, uuid)| uuid).collect();
    stream::iter(&present)
        .for_each_concurrent(16, |uuid| {
            let table = &stack.table;
            async move {
                let item = status_item(uuid, RecordingStatus::Archived);
                table.upsert(&item).await.unwrap()
            }
        })
        .await;

    // The scan's own ingests trash instances while it pages: it lists a window again when the
    // listing shifted (see the crate's docs), so none is missed.
    let (first, calls) = stack.scheduled_scan().await;
    eprintln!("first scheduled scan: {calls} calls, {first:?}");
    assert!(first.done);
    assert!(
        calls >= 2,
        "one call listed everything: the machine's continuation loop ran not at all \
         (is LOCAL_STACK_OPERATIONS_CALL_BUDGET_SECONDS 0?)"
    );
    let counts = &first.counts;
    assert_eq!(counts.instances_seen, INSTANCES as u64);
    assert_eq!(counts.already_archived, present.len() as u64);
    assert_eq!(counts.started, missing.len() as u64);
    assert_eq!(counts.already_started, 0);
    assert_eq!(counts.failed, 0, "{:?}", counts.failures);

    // Each missed instance is archived by the ingest the scan started, under the webhook's
    // name: every file byte-identical, Zoom's copy trashed once.
    for uuid in &missing {
        stack
            .finished(&Stack::ingest_execution_arn(uuid), Duration::from_secs(600))
            .await;
    }
    let trash_log = sim.sim().trash_log();
    for uuid in &missing {
        let item = stack.table.get(uuid).await.unwrap().unwrap();
        assert_eq!(item.status, RecordingStatus::Trashed, "{uuid}");
        let meeting = scenario
            .meetings
            .iter()
            .find(|m| m.uuid == uuid.as_str())
            .unwrap();
        let archived: BTreeSet<_> = item
            .files
            .iter()
            .filter_map(|f| f.file_id.clone())
            .collect();
        let served: BTreeSet<_> = meeting.files.iter().map(|f| f.id.clone()).collect();
        assert_eq!(archived, served, "{uuid}");
        for file in &item.files {
            let expected = sim
                .sim()
                .file_info(file.file_id.as_deref().unwrap())
                .unwrap();
            assert_eq!(
                stack.sha256_of(&file.key).await,
                (expected.size, expected.sha256),
                "{}",
                file.key
            );
        }
        let trashed = trash_log
            .iter()
            .filter(|r| r.meeting_uuid == uuid.as_str() && r.action == "trash")
            .count();
        assert_eq!(trashed, 1, "{uuid}");
        // The scan finds webinars too, and their ingest stores them as webinars.
        let document = stack.document(item.document_key.as_deref().unwrap()).await;
        let expected = if meeting.is_webinar() {
            "webinar"
        } else {
            "meeting"
        };
        assert_eq!(document["meeting"]["kind"], expected, "{uuid}");
    }
    let webinars = scenario.meetings.iter().filter(|m| m.is_webinar()).count();
    assert_eq!(webinars, 2, "the scenario holds the two missed webinars");
    assert_eq!(
        trash_log.len(),
        missing.len(),
        "only the missed instances were touched: {trash_log:?}"
    );

    // The next scheduled run starts nothing: the archived instances are in the table, the
    // trashed ones are no longer listed (Zoom lists its trash only when asked).
    let (second, _) = stack.scheduled_scan().await;
    assert_eq!(second.counts.instances_seen, present.len() as u64);
    assert_eq!(second.counts.already_archived, present.len() as u64);
    assert_eq!(second.counts.started, 0);
    assert_eq!(second.counts.already_started, 0);

    stack.delete_items(&present).await;
}
