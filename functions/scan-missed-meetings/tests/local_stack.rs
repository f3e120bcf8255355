//! The missed-meeting scan against the local stack: a zoom-sim account of 5,000 instances over
//! three months and 320 hosts, at Zoom's Free-plan rate limits, with a table that already holds
//! some of them and executions that already exist for others. The scan runs in short calls that
//! must hand over continuations (and once waits past the page tokens' lifetime), and in the end
//! exactly the missing instances have an execution, each under the webhook's name.
//!
//! Executions go to a state machine of this test that only succeeds, so thousands of them cost
//! moto nothing; the ingest itself is tested elsewhere.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use archive_testkit::{status_item, unique};
use archiver::domain::MeetingUuid;
use archiver::domain::SecretString;
use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::status::RecordingStatus;
use archiver::settings::ArchiveRules;
use archiver::table::{RecordingsTable, create_table};
use archiver::workflow::{ExecutionStarter, StartError, StartOutcome, StepFunctions};
use archiver::zoom::{RetryPolicy, ZoomClient, ZoomClientConfig};
use chrono::Utc;
use futures_util::StreamExt;
use scan_missed_meetings::{Dependencies, ScanOutcome, ScanRequest, scan_missed_meetings};
use zoom_sim::{RateLimits, Scenario, SimConfig, ZoomSim};

const INSTANCES: usize = 5_000;
const USERS: usize = 320;
const DAYS: i64 = 90;

/// A zoom-sim account with a Zoom client for it, a table of its own, and a state machine that
/// only succeeds, so thousands of executions cost moto nothing (the ingest is tested elsewhere).
struct Fixture {
    sim: ZoomSim,
    zoom: ZoomClient,
    table: RecordingsTable,
    sfn: aws_sdk_sfn::Client,
    machine_arn: String,
    starter: StepFunctions,
}

impl Fixture {
    async fn start(config: SimConfig) -> Self {
        let account_id = config.scenario.account_id.clone();
        let sim = ZoomSim::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
            .await
            .unwrap();
        let zoom = ZoomClient::new(ZoomClientConfig {
            api_base_url: sim.api_base_url().parse().unwrap(),
            oauth_token_url: sim.oauth_token_url().parse().unwrap(),
            account_id,
            client_id: "sim-client-id".into(),
            client_secret: SecretString::new("sim-client-secret"),
            request_timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
        })
        .unwrap();
        let sdk = archiver::aws::load_sdk_config().await;
        let dynamodb = archiver::aws::dynamodb_client(&sdk);
        let table_name = unique("scan-table");
        create_table(&dynamodb, &table_name).await.unwrap();
        let sfn = archiver::aws::sfn_client(&sdk);
        let machine = sfn
            .create_state_machine()
            .name(unique("scan-target"))
            .definition(r#"{"StartAt":"Done","States":{"Done":{"Type":"Succeed"}}}"#)
            .role_arn("arn:aws:iam::123456789012:role/local-stack")
            .send()
            .await
            .unwrap();
        let machine_arn = machine.state_machine_arn().to_owned();
        Self {
            sim,
            zoom,
            table: RecordingsTable::new(dynamodb, &table_name),
            starter: StepFunctions::new(sfn.clone(), machine_arn.clone()),
            sfn,
            machine_arn,
        }
    }
}

/// A whole scan in calls with all the time they want.
async fn scan_to_end<S: ExecutionStarter + Sync>(deps: &Dependencies<'_, S>) -> ScanOutcome {
    let mut request = ScanRequest::default();
    loop {
        let outcome = scan_missed_meetings(
            request,
            deps,
            Utc::now(),
            Instant::now() + Duration::from_secs(600),
        )
        .await
        .unwrap();
        if outcome.done {
            return outcome;
        }
        request = ScanRequest {
            days: None,
            continuation: outcome.continuation,
        };
    }
}

async fn execution_names(sfn: &aws_sdk_sfn::Client, machine_arn: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = sfn
            .list_executions()
            .state_machine_arn(machine_arn)
            .max_results(1000)
            .set_next_token(token)
            .send()
            .await
            .unwrap();
        names.extend(page.executions().iter().map(|e| e.name().to_owned()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return names;
        }
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_free_plan_scan_of_5000_instances_starts_exactly_the_missing_ones_once() {
    let scenario = Scenario::generate(USERS, INSTANCES, DAYS, Utc::now());
    let uuids: Vec<String> = scenario.meetings.iter().map(|m| m.uuid.clone()).collect();
    let mut config = SimConfig::new(scenario);
    config.rate_limits = RateLimits::free_plan();
    // Short-lived page tokens, so the test can outwait one between two calls.
    config.page_token_ttl = Duration::from_secs(4);
    let Fixture {
        sim: _sim,
        zoom,
        table,
        sfn,
        machine_arn,
        starter,
    } = Fixture::start(config).await;

    // Every 5th instance is archived already (some trashed); every 13th that is not has an
    // execution already (the webhook got there first), and every 3rd of those failed (FAILED in
    // the table, its name taken: the scan reports it for a manual re-ingest); every 17th is
    // FAILED with its execution name free again (Step Functions forgets names after 90 days),
    // so the scan starts it.
    let mut expected_archived = 0;
    let mut prestarted = BTreeSet::new();
    let mut failed_earlier = BTreeSet::new();
    for (n, uuid) in uuids.iter().enumerate() {
        let uuid = MeetingUuid::parse(uuid).unwrap();
        if n % 5 == 0 {
            let status = if n % 2 == 0 {
                RecordingStatus::Trashed
            } else {
                RecordingStatus::Archived
            };
            table.upsert(&status_item(&uuid, status)).await.unwrap();
            expected_archived += 1;
        } else if n % 13 == 0 {
            let name = execution_name(IngestKind::Recording, &uuid);
            starter.start(&name, "{}").await.unwrap();
            prestarted.insert(name);
            if n % 3 == 0 {
                let item = status_item(&uuid, RecordingStatus::Failed);
                table.upsert(&item).await.unwrap();
                failed_earlier.insert(uuid);
            }
        } else if n % 17 == 0 {
            let item = status_item(&uuid, RecordingStatus::Failed);
            table.upsert(&item).await.unwrap();
        }
    }

    let rules = ArchiveRules::default();
    let deps = Dependencies {
        zoom: &zoom,
        table: &table,
        starter: &starter,
        rules: &rules,
        scan_days: u32::try_from(DAYS).unwrap() + 2,
        list_interval: Duration::from_millis(500),
    };
    let mut request = ScanRequest::default();
    let mut calls = 0;
    let mut waited = false;
    let began = Instant::now();
    let outcome: ScanOutcome = loop {
        calls += 1;
        assert!(calls < 200, "the scan does not end");
        let budget = Instant::now() + Duration::from_secs(3);
        let outcome = scan_missed_meetings(request, &deps, Utc::now(), budget)
            .await
            .unwrap();
        if outcome.done {
            break outcome;
        }
        let carries_page_token = outcome
            .continuation
            .as_ref()
            .is_some_and(|c| c.page_token.is_some());
        if !waited && carries_page_token {
            // Outwait the page token the continuation carries: the window starts again.
            tokio::time::sleep(Duration::from_secs(5)).await;
            waited = true;
        }
        request = ScanRequest {
            days: None,
            continuation: outcome.continuation,
        };
    };
    eprintln!(
        "scan: {calls} calls, {:.1} s, {:?}",
        began.elapsed().as_secs_f64(),
        outcome.counts
    );

    let missing = INSTANCES - expected_archived;
    assert!(
        calls > 3,
        "a 3 s budget needs continuations ({calls} calls)"
    );
    assert!(waited, "no continuation carried a page token to outwait");
    assert!(outcome.counts.window_restarts >= 1, "{:?}", outcome.counts);
    assert_eq!(outcome.counts.instances_seen, INSTANCES as u64);
    assert_eq!(outcome.counts.already_archived, expected_archived as u64);
    assert_eq!(outcome.counts.skipped_by_rules, 0);
    assert_eq!(outcome.counts.already_started, prestarted.len() as u64);
    assert_eq!(outcome.counts.failed_earlier, failed_earlier.len() as u64);
    assert_eq!(
        outcome.counts.needs_reingest.len(),
        20,
        "the first 20 are listed"
    );
    assert!(
        outcome
            .counts
            .needs_reingest
            .iter()
            .all(|uuid| failed_earlier.contains(uuid))
    );
    assert_eq!(outcome.counts.started, (missing - prestarted.len()) as u64);
    assert_eq!(outcome.counts.failed, 0, "{:?}", outcome.counts.failures);

    let names = execution_names(&sfn, &machine_arn).await;
    let mut per_name: HashMap<&str, usize> = HashMap::new();
    for name in &names {
        *per_name.entry(name.as_str()).or_default() += 1;
    }
    assert!(
        per_name.values().all(|n| *n == 1),
        "an execution started twice"
    );
    let expected: BTreeSet<String> = uuids
        .iter()
        .enumerate()
        .filter(|(n, _)| n % 5 != 0)
        .map(|(_, uuid)| execution_name(IngestKind::Recording, &MeetingUuid::parse(uuid).unwrap()))
        .collect();
    let actual: BTreeSet<String> = names.into_iter().collect();
    assert_eq!(actual.len(), expected.len());
    assert!(
        actual == expected,
        "executions are exactly the missing instances"
    );

    // A second scan finds everything handled: nothing new starts.
    let again = scan_to_end(&deps).await;
    assert_eq!(again.counts.started, 0);
    assert_eq!(again.counts.already_started, missing as u64);
}

/// Starts like Step Functions, then trashes the instance in Zoom at once, as an ingest that
/// finishes while the scan is still paging would: the listing shrinks under the page token.
struct TrashingStarter<'a> {
    step_functions: &'a StepFunctions,
    zoom: &'a ZoomClient,
    uuid_of: HashMap<String, MeetingUuid>,
}

impl ExecutionStarter for TrashingStarter<'_> {
    async fn start(&self, name: &str, input: &str) -> Result<StartOutcome, StartError> {
        let outcome = self.step_functions.start(name, input).await?;
        self.zoom
            .trash_meeting_recordings(&self.uuid_of[name])
            .await
            .unwrap();
        Ok(outcome)
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn instances_trashed_while_the_scan_pages_shift_no_other_instance_out_of_sight() {
    const SHIFTING_INSTANCES: usize = 1_200;
    let scenario = Scenario::generate(30, SHIFTING_INSTANCES, 20, Utc::now());
    let uuids: Vec<MeetingUuid> = scenario
        .meetings
        .iter()
        .map(|m| MeetingUuid::parse(&m.uuid).unwrap())
        .collect();
    let fixture = Fixture::start(SimConfig::new(scenario)).await;
    // One in ten is missing from the table, spread over every page.
    let (missing, archived): (Vec<_>, Vec<_>) =
        uuids.iter().enumerate().partition(|(n, _)| n % 10 == 3);
    futures_util::stream::iter(&archived)
        .for_each_concurrent(16, |(_, uuid)| {
            let item = status_item(uuid, RecordingStatus::Archived);
            let table = &fixture.table;
            async move { table.upsert(&item).await.unwrap() }
        })
        .await;
    let starter = TrashingStarter {
        step_functions: &fixture.starter,
        zoom: &fixture.zoom,
        uuid_of: uuids
            .iter()
            .map(|uuid| (execution_name(IngestKind::Recording, uuid), uuid.clone()))
            .collect(),
    };
    let rules = ArchiveRules::default();
    let deps = Dependencies {
        zoom: &fixture.zoom,
        table: &fixture.table,
        starter: &starter,
        rules: &rules,
        scan_days: 22,
        list_interval: Duration::ZERO,
    };

    let outcome = scan_to_end(&deps).await;
    eprintln!("{:?}", outcome.counts);
    assert!(outcome.counts.window_relists >= 1, "{:?}", outcome.counts);
    assert_eq!(outcome.counts.instances_seen, SHIFTING_INSTANCES as u64);
    assert_eq!(outcome.counts.already_archived, archived.len() as u64);
    assert_eq!(outcome.counts.started, missing.len() as u64);
    assert_eq!(outcome.counts.failed, 0, "{:?}", outcome.counts.failures);
    assert_eq!(
        execution_names(&fixture.sfn, &fixture.machine_arn)
            .await
            .len(),
        missing.len()
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_page_with_an_unreadable_meeting_still_starts_the_others_and_reports_it() {
    let scenario = Scenario::generate(3, 40, 4, Utc::now());
    let uuids: Vec<MeetingUuid> = scenario
        .meetings
        .iter()
        .map(|m| MeetingUuid::parse(&m.uuid).unwrap())
        .collect();
    let fixture = Fixture::start(SimConfig::new(scenario)).await;
    fixture
        .sim
        .sim()
        .add_fault(zoom_sim::Fault::MalformedListing { times: Some(1) });
    let rules = ArchiveRules::default();
    let deps = Dependencies {
        zoom: &fixture.zoom,
        table: &fixture.table,
        starter: &fixture.starter,
        rules: &rules,
        scan_days: 5,
        list_interval: Duration::ZERO,
    };
    let outcome = scan_to_end(&deps).await;
    assert_eq!(outcome.counts.unreadable, 1, "{:?}", outcome.counts);
    assert_eq!(
        outcome.counts.unreadable_listed[0].uuid, None,
        "a numeric uuid is no uuid"
    );
    assert!(
        outcome.counts.unreadable_listed[0]
            .problem
            .contains("the meeting id must be a number"),
        "{:?}",
        outcome.counts.unreadable_listed
    );
    assert_eq!(outcome.counts.instances_seen, uuids.len() as u64);
    assert_eq!(outcome.counts.started, uuids.len() as u64);
    assert_eq!(
        execution_names(&fixture.sfn, &fixture.machine_arn)
            .await
            .len(),
        uuids.len()
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_ingest_left_open_by_an_ended_execution_is_marked_failed_and_listed() {
    let scenario = Scenario::generate(2, 6, 3, Utc::now());
    let uuids: Vec<MeetingUuid> = scenario
        .meetings
        .iter()
        .map(|m| MeetingUuid::parse(&m.uuid).unwrap())
        .collect();
    let fixture = Fixture::start(SimConfig::new(scenario)).await;
    // A machine whose executions keep running: the owner of an ingest still in progress.
    let waiting = fixture
        .sfn
        .create_state_machine()
        .name(unique("scan-owner"))
        .definition(
            r#"{"StartAt":"Wait","States":{"Wait":{"Type":"Wait","Seconds":600,"End":true}}}"#,
        )
        .role_arn("arn:aws:iam::123456789012:role/local-stack")
        .send()
        .await
        .unwrap();
    let running = fixture
        .sfn
        .start_execution()
        .state_machine_arn(waiting.state_machine_arn())
        .name(unique("owner"))
        .input("{}")
        .send()
        .await
        .unwrap()
        .execution_arn()
        .to_owned();
    // Both instances' webhook executions exist; the first ended, the second's item is owned by
    // an execution that still runs.
    let mut webhook_executions = Vec::new();
    for uuid in &uuids[..2] {
        let name = execution_name(IngestKind::Recording, uuid);
        match fixture.starter.start(&name, "{}").await.unwrap() {
            StartOutcome::Started { execution_arn } => webhook_executions.push(execution_arn),
            other => panic!("{other:?}"),
        }
    }
    let ended_first = webhook_executions[0].clone();
    while fixture.starter.is_running(&ended_first).await.unwrap() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    for (uuid, owner) in [(&uuids[0], &ended_first), (&uuids[1], &running)] {
        let item = archiver::table::RecordingItem {
            execution_arn: Some(owner.clone()),
            ..status_item(uuid, RecordingStatus::Ingesting)
        };
        fixture.table.upsert(&item).await.unwrap();
    }
    let rules = ArchiveRules::default();
    let deps = Dependencies {
        zoom: &fixture.zoom,
        table: &fixture.table,
        starter: &fixture.starter,
        rules: &rules,
        scan_days: 5,
        list_interval: Duration::ZERO,
    };
    let outcome = scan_to_end(&deps).await;
    assert_eq!(outcome.counts.abandoned, 1, "{:?}", outcome.counts);
    assert_eq!(outcome.counts.needs_reingest, vec![uuids[0].clone()]);
    let abandoned = fixture.table.get(&uuids[0]).await.unwrap().unwrap();
    assert_eq!(abandoned.status, RecordingStatus::Failed);
    assert_eq!(
        abandoned.failure.map(|f| f.error_type).as_deref(),
        Some("Workflow.Ended")
    );
    let in_progress = fixture.table.get(&uuids[1]).await.unwrap().unwrap();
    assert_eq!(
        in_progress.status,
        RecordingStatus::Ingesting,
        "a running owner is left alone"
    );
    assert_eq!(outcome.counts.started, uuids.len() as u64 - 2);
    fixture
        .sfn
        .stop_execution()
        .execution_arn(&running)
        .send()
        .await
        .unwrap();
}
