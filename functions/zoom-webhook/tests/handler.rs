//! The webhook's decisions, one status code at a time, through a fake Step Functions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::{FileType, MeetingUuid};
use archiver::settings::ArchiveRules;
use common::*;
use serde_json::{Value, json};
use zoom_webhook::handler::{IncomingRequest, Reply, handle};

async fn post(
    fake: &FakeStepFunctions,
    rules: ArchiveRules,
    body: &[u8],
    timestamp: i64,
    signature: Option<&str>,
) -> Reply {
    let ts = timestamp.to_string();
    let request = IncomingRequest {
        method: "POST",
        path: "/",
        timestamp: Some(&ts),
        signature,
        body,
    };
    handle(&config(rules), workflows(fake), &request, NOW).await
}

async fn signed(fake: &FakeStepFunctions, body: &[u8]) -> Reply {
    let signature = sign(SECRET, NOW, body);
    post(fake, ArchiveRules::default(), body, NOW, Some(&signature)).await
}

fn sample_uuid() -> MeetingUuid {
    MeetingUuid::parse("DUZke5GtTtuQlcx4mUo0Xw==").unwrap()
}

#[tokio::test]
async fn a_genuine_recording_completed_starts_one_execution_named_after_the_uuid() {
    let fake = FakeStepFunctions::default();
    let reply = signed(&fake, &sample_body()).await;
    assert_eq!((reply.status, reply.decision), (200, "started"));
    assert_eq!(
        reply.meeting_hash.as_deref(),
        Some(sample_uuid().sha256_hex().as_str())
    );

    let starts = fake.starts();
    assert_eq!(starts.len(), 1);
    let (name, input) = &starts[0];
    assert_eq!(name, &execution_name(IngestKind::Recording, &sample_uuid()));
    let input: Value = serde_json::from_str(input).unwrap();
    assert_eq!(input["source"], "webhook");
    assert_eq!(input["kind"], "recording");
    assert_eq!(input["meeting_uuid"], "DUZke5GtTtuQlcx4mUo0Xw==");
    assert!(
        input["download_token"].as_str().unwrap().starts_with("eyJ"),
        "the token travels to the retriever"
    );
    let webhook = &input["webhook"];
    assert_eq!(
        webhook["payload"]["object"]["recording_files"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert!(webhook.get("download_token").is_none());
    assert!(webhook["payload"]["object"].get("password").is_none());
    assert!(
        webhook["payload"]["object"]
            .get("recording_play_passcode")
            .is_none()
    );
    assert!(
        !input.to_string().contains("<redacted"),
        "passwords and passcodes are gone"
    );
}

#[tokio::test]
async fn the_same_event_twice_is_a_duplicate_not_a_second_execution() {
    let fake = FakeStepFunctions::default();
    assert_eq!(signed(&fake, &sample_body()).await.decision, "started");
    let again = signed(&fake, &sample_body()).await;
    assert_eq!((again.status, again.decision), (200, "duplicate"));
    assert_eq!(fake.starts().len(), 1);
}

#[tokio::test]
async fn a_transcript_event_gets_its_own_execution_name() {
    let fake = FakeStepFunctions::default();
    let mut body: Value = serde_json::from_slice(&sample_body()).unwrap();
    body["event"] = json!("recording.transcript_completed");
    let body = body.to_string().into_bytes();
    assert_eq!(signed(&fake, &body).await.decision, "started");
    assert_eq!(
        fake.starts()[0].0,
        execution_name(IngestKind::Transcript, &sample_uuid())
    );
}

#[tokio::test]
async fn url_validation_answers_the_hmac_of_the_plain_token() {
    let fake = FakeStepFunctions::default();
    let body = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}"#;
    let reply = signed(&fake, body).await;
    assert_eq!(reply.status, 200);
    // hex(HMAC-SHA256(secret, plainToken)), computed with the hmac crate directly.
    let expected = {
        use hmac::{Hmac, Mac};
        let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(b"qgg8vlvZRS6UYooatFL8Aw");
        hex::encode(mac.finalize().into_bytes())
    };
    assert_eq!(
        reply.body,
        json!({"plainToken": "qgg8vlvZRS6UYooatFL8Aw", "encryptedToken": expected})
    );
    assert!(fake.starts().is_empty());
}

#[tokio::test]
async fn forged_missing_and_stale_signatures_are_401_and_start_nothing() {
    let fake = FakeStepFunctions::default();
    let body = sample_body();
    let forged = sign("someone-else", NOW, &body);
    assert_eq!(
        post(&fake, ArchiveRules::default(), &body, NOW, Some(&forged))
            .await
            .status,
        401
    );
    assert_eq!(
        post(&fake, ArchiveRules::default(), &body, NOW, None)
            .await
            .status,
        401
    );
    let stale = sign(SECRET, NOW - 301, &body);
    assert_eq!(
        post(
            &fake,
            ArchiveRules::default(),
            &body,
            NOW - 301,
            Some(&stale)
        )
        .await
        .status,
        401
    );
    let mut tampered = body.clone();
    tampered[10] ^= 1;
    let signature = sign(SECRET, NOW, &body);
    assert_eq!(
        post(
            &fake,
            ArchiveRules::default(),
            &tampered,
            NOW,
            Some(&signature)
        )
        .await
        .status,
        401
    );
    assert!(fake.starts().is_empty());
}

#[tokio::test]
async fn malformed_or_incomplete_bodies_are_400() {
    let fake = FakeStepFunctions::default();
    for body in [
        &b"not json"[..],
        br#"{"payload":{}}"#,
        br#"{"event":"recording.completed","payload":{"object":{"id":1}}}"#,
        br#"{"event":"recording.completed","payload":{"object":{"uuid":"","id":1}}}"#,
        br#"{"event":"endpoint.url_validation","payload":{}}"#,
    ] {
        let reply = signed(&fake, body).await;
        assert_eq!(reply.status, 400, "{}", String::from_utf8_lossy(body));
    }
    assert!(fake.starts().is_empty());
}

#[tokio::test]
async fn other_events_are_acknowledged_and_ignored() {
    let fake = FakeStepFunctions::default();
    let reply = signed(
        &fake,
        br#"{"event":"meeting.ended","payload":{"object":{"uuid":"x"}}}"#,
    )
    .await;
    assert_eq!(
        (reply.status, reply.decision, reply.event.as_deref()),
        (200, "ignored_event", Some("meeting.ended"))
    );
    assert!(fake.starts().is_empty());
}

#[tokio::test]
async fn a_meeting_the_rules_leave_out_is_acknowledged_and_skipped() {
    let fake = FakeStepFunctions::default();
    let body = sample_body();
    let signature = sign(SECRET, NOW, &body);
    let rules = ArchiveRules {
        file_types: vec![FileType::Transcript],
        ..ArchiveRules::default()
    };
    let reply = post(&fake, rules, &body, NOW, Some(&signature)).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body,
        json!({"status": "skipped", "reason": "no_file_to_keep"})
    );
    assert!(fake.starts().is_empty());
}

#[tokio::test]
async fn step_functions_failing_is_503_so_zoom_retries() {
    let fake = FakeStepFunctions {
        failing: true,
        ..FakeStepFunctions::default()
    };
    let reply = signed(&fake, &sample_body()).await;
    assert_eq!((reply.status, reply.decision), (503, "retry_later"));
}

#[tokio::test]
async fn size_path_and_method_are_checked_first() {
    let fake = FakeStepFunctions::default();
    let config = config(ArchiveRules::default());
    let big = vec![b' '; 1024 * 1024 + 1];
    let cases = [
        ("POST", "/", &big[..], 413),
        ("POST", "/admin", &b"{}"[..], 404),
        ("GET", "/", &b""[..], 405),
        ("PUT", "/zoom/webhook", &b"{}"[..], 405),
    ];
    for (method, path, body, status) in cases {
        let request = IncomingRequest {
            method,
            path,
            timestamp: None,
            signature: None,
            body,
        };
        assert_eq!(
            handle(&config, workflows(&fake), &request, NOW)
                .await
                .status,
            status,
            "{method} {path}"
        );
    }
    let body = sample_body();
    let signature = sign(SECRET, NOW, &body);
    let ts = NOW.to_string();
    for path in ["/zoom/webhook", "/prod/zoom/webhook/", ""] {
        let request = IncomingRequest {
            method: "POST",
            path,
            timestamp: Some(&ts),
            signature: Some(&signature),
            body: &body,
        };
        assert_eq!(
            handle(&config, workflows(&fake), &request, NOW)
                .await
                .status,
            200,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_oversized_webhook_copy_is_left_out_of_the_execution_input() {
    let fake = FakeStepFunctions::default();
    let mut body: Value = serde_json::from_slice(&sample_body()).unwrap();
    let file = body["payload"]["object"]["recording_files"][0].clone();
    let files: Vec<Value> = (0..150)
        .map(|n| {
            let mut f = file.clone();
            f["id"] = json!(format!("file-{n}"));
            f["padding"] = json!("x".repeat(1500));
            f
        })
        .collect();
    body["payload"]["object"]["recording_files"] = json!(files);
    let body = body.to_string().into_bytes();
    assert!(body.len() > 200 * 1024);
    assert_eq!(signed(&fake, &body).await.decision, "started");
    let input = &fake.starts()[0].1;
    assert!(
        input.len() < 4096,
        "input stays small: {} bytes",
        input.len()
    );
    let input: Value = serde_json::from_str(input).unwrap();
    assert!(input["webhook"].is_null());
    assert!(input["webhook_omitted_bytes"].as_u64().unwrap() > 200 * 1024);
}

fn lifecycle_body(event: &str, object: Value) -> Vec<u8> {
    json!({
        "event": event, "event_ts": 1_795_000_000_123_i64,
        "payload": {"account_id": "acc", "operator": "host@example.org", "object": object}
    })
    .to_string()
    .into_bytes()
}

#[tokio::test]
async fn a_lifecycle_event_starts_one_change_execution_per_instance_and_once_per_event() {
    let fake = FakeStepFunctions::default();
    let trashed = lifecycle_body(
        "recording.trashed",
        json!({"uuid": "DUZke5GtTtuQlcx4mUo0Xw==", "id": 1, "topic": "Board",
               "recording_files": [{"id": "f1", "file_type": "MP4"}]}),
    );
    let reply = signed(&fake, &trashed).await;
    assert_eq!((reply.status, reply.decision), (200, "change_started"));
    assert_eq!(
        reply.meeting_hash.as_deref(),
        Some(sample_uuid().sha256_hex().as_str())
    );
    let again = signed(&fake, &trashed).await;
    assert_eq!((again.status, again.decision), (200, "duplicate"));
    let starts = fake.starts();
    assert_eq!(starts.len(), 1, "Zoom's retry is the same execution");
    let (name, input) = &starts[0];
    assert!(name.starts_with("change-trashed-"), "{name}");
    let input: Value = serde_json::from_str(input).unwrap();
    assert_eq!(input["meeting_uuid"], "DUZke5GtTtuQlcx4mUo0Xw==");
    assert_eq!(input["change"]["kind"], "trashed");
    assert_eq!(input["change"]["files"][0]["file_id"], "f1");

    let batch = lifecycle_body(
        "recording.batch_deleted",
        json!({"meeting_uuids": ["a==", "b=="]}),
    );
    let reply = signed(&fake, &batch).await;
    assert_eq!(
        (reply.status, reply.body["instances"].clone()),
        (200, json!(2))
    );
    assert_eq!(fake.starts().len(), 3);
}

#[tokio::test]
async fn a_wrong_lifecycle_event_is_refused_clearly_and_starts_nothing() {
    let fake = FakeStepFunctions::default();
    let no_time = br#"{"event":"recording.deleted","payload":{"object":{"uuid":"a=="}}}"#;
    let reply = signed(&fake, no_time).await;
    assert_eq!((reply.status, reply.decision), (400, "malformed_body"));
    assert!(reply.body["reason"].as_str().unwrap().contains("event_ts"));
    let blank_topic = lifecycle_body("recording.renamed", json!({"uuid": "a==", "topic": "\n"}));
    assert_eq!(signed(&fake, &blank_topic).await.status, 400);
    let forged = lifecycle_body("recording.trashed", json!({"uuid": "a=="}));
    let signature = sign("not-the-secret", NOW, &forged);
    let reply = post(
        &fake,
        ArchiveRules::default(),
        &forged,
        NOW,
        Some(&signature),
    )
    .await;
    assert_eq!(reply.status, 401);
    let unknown = lifecycle_body("recording.exploded", json!({"uuid": "a=="}));
    let reply = signed(&fake, &unknown).await;
    assert_eq!((reply.status, reply.decision), (200, "ignored_event"));
    assert!(fake.starts().is_empty());
}

#[tokio::test]
async fn a_failed_change_start_is_503_so_zoom_retries() {
    let fake = FakeStepFunctions {
        failing: true,
        ..FakeStepFunctions::default()
    };
    let body = lifecycle_body("recording.recovered", json!({"uuid": "a=="}));
    let reply = signed(&fake, &body).await;
    assert_eq!((reply.status, reply.decision), (503, "retry_later"));
}
