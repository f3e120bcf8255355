//! End to end on the local stack: zoom-sim sends real signed webhooks to `zoom-webhook` running
//! under `cargo lambda watch`, and moto's Step Functions shows which executions started.
//! Ignored by a plain `cargo test`; `scripts/test` runs it with the stack up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use archiver::domain::MeetingUuid;
use archiver::domain::execution::{IngestKind, execution_name};
use aws_sdk_sfn::types::ExecutionListItem;
use rand::Rng;
use serde_json::Value;
use zoom_sim::{Scenario, SignatureMode, SimConfig, WebhookRequest, ZoomSim};

const BOARD: &str = "DUZke5GtTtuQlcx4mUo0Xw==";
const INSTANT: &str = "/aBcDeFgHiJkLmNoPqRs+Q==";
const RECURRING: &str = "Xy//Zw1234567890abcdEF==";
const ZERO_MINUTES: &str = "ZeroMinute0000000000AA==";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run scripts/test, or eval \"$(scripts/local-stack env)\"")
    })
}

/// The standard scenario with every uuid made unique to this run (execution names derive from
/// uuids and Step Functions remembers them), keeping the `/` and `//` that matter.
struct RunScenario {
    sim: ZoomSim,
    prefix: String,
}

impl RunScenario {
    async fn start() -> Self {
        let path = format!(
            "{}/../../fixtures/scenarios/standard.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let mut scenario = Scenario::load(std::path::Path::new(&path)).unwrap();
        let prefix: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(8)
            .map(char::from)
            .collect();
        for meeting in &mut scenario.meetings {
            meeting.uuid = unique(&prefix, &meeting.uuid);
        }
        let sim = ZoomSim::start(
            SimConfig::new(scenario),
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        Self { sim, prefix }
    }

    fn uuid(&self, original: &str) -> String {
        unique(&self.prefix, original)
    }

    async fn send(
        &self,
        event: &str,
        meeting: &str,
        times: u32,
        signature: SignatureMode,
        offset: i64,
    ) -> Vec<(u16, Value)> {
        let request = WebhookRequest {
            target: env("WEBHOOK_URL"),
            event: event.into(),
            meeting_uuid: Some(self.uuid(meeting)),
            times,
            concurrent: times > 1,
            signature,
            timestamp_offset_seconds: offset,
            ..Default::default()
        };
        let outcome = self.sim.send_webhook(&request).await.unwrap();
        outcome
            .deliveries
            .into_iter()
            .map(|d| {
                (
                    d.status,
                    serde_json::from_str(&d.body).unwrap_or(Value::Null),
                )
            })
            .collect()
    }
}

fn unique(prefix: &str, uuid: &str) -> String {
    match uuid.strip_prefix('/') {
        Some(rest) => format!("/{prefix}{rest}"),
        None => format!("{prefix}{uuid}"),
    }
}

async fn sfn() -> aws_sdk_sfn::Client {
    archiver::aws::sfn_client(&archiver::aws::load_sdk_config().await)
}

/// Stops the executions a test started: the local stack runs the real pipeline, and these tests
/// only check which executions the webhook starts (zoom-sim here is not on the port the
/// pipeline's functions call).
async fn stop(client: &aws_sdk_sfn::Client, executions: &[ExecutionListItem]) {
    for execution in executions {
        let _ = client
            .stop_execution()
            .execution_arn(execution.execution_arn())
            .cause("zoom-webhook test: only the start is checked")
            .send()
            .await;
    }
}

async fn executions_named(client: &aws_sdk_sfn::Client, name: &str) -> Vec<ExecutionListItem> {
    let mut found = Vec::new();
    let mut pages = client
        .list_executions()
        .state_machine_arn(env("STATE_MACHINE_ARN"))
        .into_paginator()
        .send();
    while let Some(page) = pages.next().await {
        found.extend(
            page.unwrap()
                .executions
                .into_iter()
                .filter(|e| e.name() == name),
        );
    }
    found
}

fn name_for(kind: IngestKind, uuid: &str) -> String {
    execution_name(kind, &MeetingUuid::parse(uuid).unwrap())
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_genuine_event_starts_one_execution_with_the_expected_name_and_input() {
    let client = sfn().await;
    let run = RunScenario::start().await;
    let answers = run
        .send("recording.completed", BOARD, 1, SignatureMode::Valid, 0)
        .await;
    assert_eq!(answers[0].0, 200, "{answers:?}");
    assert_eq!(answers[0].1["status"], "started");

    let uuid = run.uuid(BOARD);
    let executions = executions_named(&client, &name_for(IngestKind::Recording, &uuid)).await;
    assert_eq!(executions.len(), 1);
    let described = client
        .describe_execution()
        .execution_arn(executions[0].execution_arn())
        .send()
        .await
        .unwrap();
    let input: Value = serde_json::from_str(described.input().unwrap()).unwrap();
    assert_eq!(input["meeting_uuid"], uuid.as_str());
    assert_eq!(input["kind"], "recording");
    assert!(input["download_token"].as_str().unwrap().starts_with("eyJ"));
    let object = &input["webhook"]["payload"]["object"];
    assert_eq!(object["recording_files"].as_array().unwrap().len(), 5);
    assert!(object.get("password").is_none() && object.get("recording_play_passcode").is_none());

    // The function's log has a line for the request, and neither the token nor the secret.
    let log =
        std::fs::read_to_string(format!("{}/lambda.log", env("LOCAL_STACK_LOG_DIR"))).unwrap();
    let token = input["download_token"].as_str().unwrap();
    assert!(
        log.contains(&uuid_hash_prefix(&uuid)),
        "no log line names the meeting's hash"
    );
    for secret in [
        token,
        "sim-webhook-secret-token",
        "v0=",
        "981651",
        "yNYIS408EJygs7rE5vVsJwXIz4",
    ] {
        assert!(
            !log.contains(secret),
            "the function log contains {secret:?}"
        );
    }
    stop(&client, &executions).await;
}

fn uuid_hash_prefix(uuid: &str) -> String {
    MeetingUuid::parse(uuid).unwrap().sha256_hex()[..16].to_owned()
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_same_event_five_times_at_once_starts_exactly_one_execution() {
    let client = sfn().await;
    let run = RunScenario::start().await;
    let answers = run
        .send("recording.completed", INSTANT, 5, SignatureMode::Valid, 0)
        .await;
    assert!(
        answers.iter().all(|(status, _)| *status == 200),
        "{answers:?}"
    );
    let started = answers
        .iter()
        .filter(|(_, body)| body["status"] == "started")
        .count();
    let duplicates = answers
        .iter()
        .filter(|(_, body)| body["status"] == "duplicate")
        .count();
    assert_eq!((started, duplicates), (1, 4), "{answers:?}");
    let executions = executions_named(
        &client,
        &name_for(IngestKind::Recording, &run.uuid(INSTANT)),
    )
    .await;
    assert_eq!(executions.len(), 1);
    stop(&client, &executions).await;
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn forged_and_stale_requests_start_nothing() {
    let client = sfn().await;
    let run = RunScenario::start().await;
    for (signature, offset) in [
        (SignatureMode::Wrong, 0),
        (SignatureMode::Missing, 0),
        (SignatureMode::Valid, -600),
    ] {
        let answers = run
            .send("recording.completed", RECURRING, 1, signature, offset)
            .await;
        assert_eq!(answers[0].0, 401, "{signature:?} {offset}: {answers:?}");
    }
    assert!(
        executions_named(
            &client,
            &name_for(IngestKind::Recording, &run.uuid(RECURRING))
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_meeting_the_rules_skip_starts_nothing() {
    let client = sfn().await;
    let run = RunScenario::start().await;
    let answers = run
        .send(
            "recording.completed",
            ZERO_MINUTES,
            1,
            SignatureMode::Valid,
            0,
        )
        .await;
    assert_eq!(answers[0].0, 200);
    assert_eq!(
        answers[0].1["reason"], "too_short",
        "the local stack archives meetings of 1 minute or more"
    );
    assert!(
        executions_named(
            &client,
            &name_for(IngestKind::Recording, &run.uuid(ZERO_MINUTES))
        )
        .await
        .is_empty()
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_late_transcript_starts_its_own_execution() {
    let client = sfn().await;
    let run = RunScenario::start().await;
    let answers = run
        .send(
            "recording.transcript_completed",
            RECURRING,
            1,
            SignatureMode::Valid,
            0,
        )
        .await;
    assert_eq!(answers[0].1["status"], "started", "{answers:?}");
    let executions = executions_named(
        &client,
        &name_for(IngestKind::Transcript, &run.uuid(RECURRING)),
    )
    .await;
    assert_eq!(executions.len(), 1);
    stop(&client, &executions).await;
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn url_validation_passes_zoom_s_check() {
    let run = RunScenario::start().await;
    let request = WebhookRequest {
        target: env("WEBHOOK_URL"),
        event: "endpoint.url_validation".into(),
        meeting_uuid: None,
        times: 1,
        concurrent: false,
        signature: SignatureMode::Valid,
        timestamp_offset_seconds: 0,
        ..Default::default()
    };
    let outcome = run.sim.send_webhook(&request).await.unwrap();
    let check = outcome.url_validation.unwrap();
    assert!(check.passed, "{:?}", check.problem);
}
