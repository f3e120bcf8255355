//! Webhooks as Zoom sends them: signed over the raw body, with fresh download tokens, and the
//! url_validation check Zoom applies to the answer.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use common::*;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use zoom_sim::{SignatureMode, WebhookRequest};

#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<(HeaderMap, Bytes)>>>);

/// A webhook endpoint that records what it gets; it answers url_validation correctly when
/// `secret` is given, and with a wrong token otherwise.
async fn receiver(secret: Option<&'static str>) -> (String, Received) {
    let received = Received::default();
    let app = Router::new()
        .route(
            "/hook",
            post(move |State(received): State<Received>, headers: HeaderMap, body: Bytes| async move {
                received.0.lock().unwrap().push((headers, body.clone()));
                let event: Value = serde_json::from_slice(&body).unwrap_or_default();
                if event["event"] == "endpoint.url_validation" {
                    let plain = event["payload"]["plainToken"].as_str().unwrap_or_default().to_owned();
                    let key = secret.unwrap_or("wrong-secret");
                    let encrypted = hmac_hex(key, plain.as_bytes());
                    return axum::Json(json!({"plainToken": plain, "encryptedToken": encrypted}));
                }
                axum::Json(json!({}))
            }),
        )
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, received)
}

fn hmac_hex(key: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

fn request(target: &str, event: &str) -> WebhookRequest {
    WebhookRequest {
        target: target.to_owned(),
        event: event.to_owned(),
        meeting_uuid: Some(BOARD.to_owned()),
        times: 1,
        concurrent: false,
        signature: SignatureMode::Valid,
        timestamp_offset_seconds: 0,
        ..Default::default()
    }
}

/// Checks the Zoom signature over the raw bytes received.
fn signature_valid(headers: &HeaderMap, body: &[u8], secret: &str) -> bool {
    let Some(timestamp) = headers.get("x-zm-request-timestamp") else {
        return false;
    };
    let Some(signature) = headers.get("x-zm-signature") else {
        return false;
    };
    let mut message = format!("v0:{}:", timestamp.to_str().unwrap()).into_bytes();
    message.extend_from_slice(body);
    signature.to_str().unwrap() == format!("v0={}", hmac_hex(secret, &message))
}

#[tokio::test]
async fn recording_completed_is_signed_and_its_urls_work_with_its_token() {
    let sim = start().await;
    let (url, received) = receiver(None).await;
    let outcome = sim
        .send_webhook(&request(&url, "recording.completed"))
        .await
        .unwrap();
    assert_eq!(outcome.deliveries.len(), 1);
    assert_eq!(outcome.deliveries[0].status, 200);

    let (headers, body) = received.0.lock().unwrap()[0].clone();
    assert!(signature_valid(&headers, &body, "sim-webhook-secret-token"));
    let timestamp: i64 = headers["x-zm-request-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (chrono::Utc::now().timestamp() - timestamp).abs() < 5,
        "seconds, not milliseconds"
    );

    let event: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(event["event"], "recording.completed");
    assert!(
        event["event_ts"].as_i64().unwrap() > 1_000_000_000_000,
        "event_ts is in milliseconds"
    );
    let object = &event["payload"]["object"];
    assert_eq!(object["uuid"], BOARD);
    assert_eq!(object["type"], 8, "webhooks send type as a number");
    assert_eq!(object["host_email"], "alice@example.org");
    assert_eq!(object["recording_files"].as_array().unwrap().len(), 5);
    assert_eq!(
        object["participant_audio_files"].as_array().unwrap().len(),
        2
    );
    let token = event["download_token"].as_str().unwrap();
    assert!(token.starts_with("eyJ"), "download tokens are JWTs");

    let download_url = object["recording_files"][3]["download_url"]
        .as_str()
        .unwrap();
    assert!(
        download_url.contains("/rec/webhook_download/"),
        "{download_url}"
    );
    let file = reqwest::Client::new()
        .get(download_url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    assert_eq!(file.headers()["content-type"], "text/plain");
    assert_eq!(
        file.bytes().await.unwrap().to_vec(),
        expected_bytes(&sim, BOARD_CHAT, 0, 3072)
    );
}

#[tokio::test]
async fn duplicates_sent_concurrently_differ_only_in_tokens_and_urls() {
    let sim = start().await;
    let (url, received) = receiver(None).await;
    let outcome = sim
        .send_webhook(&WebhookRequest {
            times: 5,
            concurrent: true,
            ..request(&url, "recording.completed")
        })
        .await
        .unwrap();
    assert!(outcome.deliveries.iter().all(|d| d.status == 200));
    let bodies: Vec<Value> = received
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect();
    assert_eq!(bodies.len(), 5);
    let tokens: HashSet<_> = bodies
        .iter()
        .map(|b| b["download_token"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.len(), 5);
    let file_ids: HashSet<_> = bodies
        .iter()
        .map(|b| b["payload"]["object"]["recording_files"][0]["id"].clone())
        .collect();
    assert_eq!(
        file_ids.len(),
        1,
        "same files: deduplicate on (uuid, file id)"
    );
}

#[tokio::test]
async fn forged_missing_and_stale_signatures_can_be_sent() {
    let sim = start().await;
    let (url, received) = receiver(None).await;
    for mode in [SignatureMode::Wrong, SignatureMode::Missing] {
        sim.send_webhook(&WebhookRequest {
            signature: mode,
            ..request(&url, "recording.completed")
        })
        .await
        .unwrap();
    }
    sim.send_webhook(&WebhookRequest {
        timestamp_offset_seconds: -600,
        ..request(&url, "recording.completed")
    })
    .await
    .unwrap();
    let got = received.0.lock().unwrap().clone();
    assert!(
        !signature_valid(&got[0].0, &got[0].1, "sim-webhook-secret-token"),
        "forged"
    );
    assert!(got[1].0.get("x-zm-signature").is_none(), "missing");
    assert!(
        signature_valid(&got[2].0, &got[2].1, "sim-webhook-secret-token"),
        "stale but correctly signed"
    );
    let stale: i64 = got[2].0["x-zm-request-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(chrono::Utc::now().timestamp() - stale >= 599);
}

#[tokio::test]
async fn transcript_completed_carries_only_the_transcript() {
    let sim = start().await;
    let (url, received) = receiver(None).await;
    sim.send_webhook(&request(&url, "recording.transcript_completed"))
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&received.0.lock().unwrap()[0].1).unwrap();
    let files = body["payload"]["object"]["recording_files"]
        .as_array()
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["file_type"], "TRANSCRIPT");
}

#[tokio::test]
async fn url_validation_passes_only_with_the_right_encrypted_token() {
    let sim = start().await;
    let (good, _) = receiver(Some("sim-webhook-secret-token")).await;
    let outcome = sim
        .send_webhook(&WebhookRequest {
            meeting_uuid: None,
            ..request(&good, "endpoint.url_validation")
        })
        .await
        .unwrap();
    assert!(outcome.url_validation.unwrap().passed);

    let (bad, received) = receiver(None).await;
    let outcome = sim
        .send_webhook(&WebhookRequest {
            meeting_uuid: None,
            ..request(&bad, "endpoint.url_validation")
        })
        .await
        .unwrap();
    let check = outcome.url_validation.unwrap();
    assert!(!check.passed);
    assert!(check.problem.unwrap().contains("encryptedToken"));
    let (headers, body) = received.0.lock().unwrap()[0].clone();
    assert!(
        signature_valid(&headers, &body, "sim-webhook-secret-token"),
        "url_validation is signed too"
    );
}

#[tokio::test]
async fn the_control_api_sends_webhooks_too() {
    let sim = start().await;
    let (url, received) = receiver(None).await;
    let answer: Value = reqwest::Client::new()
        .post(format!("{}/_sim/webhooks", sim.base_url()))
        .json(&json!({"target": url, "event": "recording.completed", "meeting_uuid": INSTANT, "times": 2}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["deliveries"].as_array().unwrap().len(), 2);
    assert_eq!(received.0.lock().unwrap().len(), 2);
    let unknown = reqwest::Client::new()
        .post(format!("{}/_sim/webhooks", sim.base_url()))
        .json(&json!({"target": url, "event": "recording.completed", "meeting_uuid": "nope"}))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 400);
}

fn bodies(received: &Received) -> Vec<Value> {
    received
        .0
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| serde_json::from_slice(b).unwrap())
        .collect()
}

#[tokio::test]
async fn lifecycle_events_do_what_they_tell_of_and_repeat_as_one_event() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let (url, received) = receiver(None).await;
    let recordings = format!("/meetings/{}/recordings", urlencoding(BOARD));

    // One file trashed: the event names it, Zoom lists the rest.
    let one_file = WebhookRequest {
        file_id: Some(BOARD_CHAT.into()),
        times: 2,
        ..request(&url, "recording.trashed")
    };
    sim.send_webhook(&one_file).await.unwrap();
    let sent = bodies(&received);
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[0], sent[1],
        "Zoom's retry repeats the event, event_ts and all"
    );
    let files = sent[0]["payload"]["object"]["recording_files"]
        .as_array()
        .unwrap();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0]["id"], BOARD_CHAT);
    assert_eq!(sent[0]["payload"]["operator"], "alice@example.org");
    let (_, listed) = api_get(&sim, &token, &recordings).await;
    assert!(
        listed["recording_files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"] != BOARD_CHAT)
    );

    // The whole instance trashed, then recovered; renamed.
    sim.send_webhook(&request(&url, "recording.trashed"))
        .await
        .unwrap();
    assert_eq!(api_get(&sim, &token, &recordings).await.0, 404);
    sim.send_webhook(&request(&url, "recording.recovered"))
        .await
        .unwrap();
    let (status, listed) = api_get(&sim, &token, &recordings).await;
    assert_eq!(status, 200);
    assert_eq!(
        listed["recording_files"].as_array().unwrap().len(),
        5,
        "the file too"
    );
    sim.send_webhook(&WebhookRequest {
        topic: Some("Board meeting (final)".into()),
        ..request(&url, "recording.renamed")
    })
    .await
    .unwrap();
    let renamed = bodies(&received).pop().unwrap();
    assert_eq!(
        renamed["payload"]["object"]["topic"],
        "Board meeting (final)"
    );
    assert_eq!(renamed["payload"]["old_object"]["topic"], listed["topic"]);
    assert_eq!(
        api_get(&sim, &token, &recordings).await.1["topic"],
        "Board meeting (final)"
    );

    let batch = sim
        .send_webhook(&request(&url, "recording.batch_deleted"))
        .await;
    assert!(batch.is_ok());
    let deleted = bodies(&received).pop().unwrap();
    assert_eq!(
        deleted["payload"]["object"]["meeting_uuids"],
        json!([BOARD])
    );
    assert_eq!(api_get(&sim, &token, &recordings).await.0, 404);
    assert!(
        sim.send_webhook(&WebhookRequest {
            file_id: Some("no-such-file".into()),
            ..request(&url, "recording.trashed")
        })
        .await
        .is_err()
    );
}

fn urlencoding(uuid: &str) -> String {
    percent_encoding::utf8_percent_encode(uuid, percent_encoding::NON_ALPHANUMERIC).to_string()
}
