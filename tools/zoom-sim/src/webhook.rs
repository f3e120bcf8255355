//! Sending webhooks the way Zoom does: JSON body, `x-zm-request-timestamp` (seconds) and
//! `x-zm-signature: v0=hex(HMAC-SHA256(secret, "v0:{timestamp}:{raw body}"))`.

use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::render::Flavor;
use crate::scenario::MeetingInstance;
use crate::sim::{Removal, Sim, TokenKind, unix_now};

/// How a delivery is signed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SignatureMode {
    /// Signed with the webhook secret token, like Zoom.
    #[default]
    Valid,
    /// Signed with another secret: a forgery.
    Wrong,
    /// No signature header at all.
    Missing,
}

/// What to send, as posted to `/_sim/webhooks` or passed to [`crate::ZoomSim::send_webhook`].
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct WebhookRequest {
    /// The webhook endpoint's URL.
    pub target: String,
    /// `recording.completed`, `recording.transcript_completed`, `endpoint.url_validation`, or
    /// a lifecycle event ([`LIFECYCLE_EVENTS`]): the simulator first does what the event says a
    /// person did in Zoom (trash, delete, recover, rename), then tells of it.
    pub event: String,
    /// The instance the recording events are about.
    #[serde(default)]
    pub meeting_uuid: Option<String>,
    /// A lifecycle event about one file of the instance (`recording.trashed` of one file).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    /// The new topic of a `recording.renamed`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// Deliveries of the same event (each with its own `download_token` and URLs, as Zoom's
    /// duplicates have).
    #[serde(default = "one")]
    pub times: u32,
    /// Send the deliveries all at once instead of one after another.
    #[serde(default)]
    pub concurrent: bool,
    #[serde(default)]
    pub signature: SignatureMode,
    /// Added to the signature timestamp: -600 makes a stale request.
    #[serde(default)]
    pub timestamp_offset_seconds: i64,
}

fn one() -> u32 {
    1
}

/// The lifecycle events the simulator can send. Their deliveries repeat one event (the same
/// `event_ts`), as Zoom's retries do.
pub const LIFECYCLE_EVENTS: [&str; 7] = [
    "recording.trashed",
    "recording.deleted",
    "recording.recovered",
    "recording.renamed",
    "recording.batch_trashed",
    "recording.batch_deleted",
    "recording.batch_recovered",
];

/// One delivery's answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Delivery {
    /// HTTP status, or 0 when the endpoint could not be reached.
    pub status: u16,
    pub body: String,
    pub millis: f64,
}

/// The answers, and for `endpoint.url_validation` whether Zoom would accept them.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct WebhookOutcome {
    pub deliveries: Vec<Delivery>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url_validation: Option<UrlValidationCheck>,
}

/// Zoom's check of an `endpoint.url_validation` answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct UrlValidationCheck {
    pub passed: bool,
    #[serde(default)]
    pub problem: Option<String>,
}

/// Why a webhook could not be built.
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("unknown event {0:?}")]
    UnknownEvent(String),
    #[error("recording events need a meeting_uuid")]
    MissingMeeting,
    #[error("the scenario has no meeting instance {0:?}")]
    UnknownMeeting(String),
    #[error("the meeting {0:?} has no transcript file")]
    NoTranscript(String),
    #[error("the meeting {0:?} has no file {1:?}")]
    UnknownFile(String, String),
    #[error("recording.renamed needs a topic")]
    MissingTopic,
}

/// `hex(HMAC-SHA256(key, message))`.
pub fn hmac_hex(key: &str, message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(message);
    hex::encode(mac.finalize().into_bytes())
}

/// The `x-zm-signature` value for a body sent at `timestamp` (Unix seconds).
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut message = format!("v0:{timestamp}:").into_bytes();
    message.extend_from_slice(body);
    format!("v0={}", hmac_hex(secret, &message))
}

fn now_millis() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

impl Sim {
    /// Builds one delivery's body; recording events get a fresh `download_token`.
    fn webhook_body(
        &self,
        request: &WebhookRequest,
    ) -> Result<(Value, Option<String>), WebhookError> {
        match request.event.as_str() {
            "endpoint.url_validation" => {
                let mut raw = [0u8; 16];
                rand::rng().fill_bytes(&mut raw);
                let plain_token = hex::encode(raw);
                let body = json!({
                    "payload": {"plainToken": plain_token},
                    "event_ts": now_millis(),
                    "event": "endpoint.url_validation",
                });
                Ok((body, Some(plain_token)))
            }
            "recording.completed" | "recording.transcript_completed" => {
                let meeting = self.event_meeting(request)?;
                let uuid = meeting.uuid.as_str();
                let nonce = rand::rng().next_u64();
                let mut object = self.render_recordings(meeting, Flavor::Webhook { nonce });
                if request.event == "recording.completed" {
                    leave_out_late_files(&mut object, meeting);
                } else {
                    keep_only_transcripts(&mut object);
                    if object["recording_files"]
                        .as_array()
                        .is_none_or(Vec::is_empty)
                    {
                        return Err(WebhookError::NoTranscript(uuid.to_owned()));
                    }
                }
                let token = self.issue_token(
                    TokenKind::Download {
                        meeting_uuid: meeting.uuid.clone(),
                    },
                    self.config.download_token_ttl,
                );
                let body = json!({
                    "event": request.event,
                    "event_ts": now_millis(),
                    "payload": {"account_id": self.scenario().account_id, "object": object},
                    "download_token": token,
                });
                Ok((body, None))
            }
            event if LIFECYCLE_EVENTS.contains(&event) => self.lifecycle_body(request),
            other => Err(WebhookError::UnknownEvent(other.to_owned())),
        }
    }

    /// The instance a recording event is about.
    fn event_meeting(&self, request: &WebhookRequest) -> Result<&MeetingInstance, WebhookError> {
        let uuid = request
            .meeting_uuid
            .as_deref()
            .ok_or(WebhookError::MissingMeeting)?;
        self.meeting(uuid)
            .ok_or_else(|| WebhookError::UnknownMeeting(uuid.to_owned()))
    }

    /// Does what a lifecycle event tells of, as a person in Zoom's web portal would, and
    /// answers the event's body: the files it concerns listed as they were before a removal
    /// (after a recovery), a rename with its old topic.
    fn lifecycle_body(
        &self,
        request: &WebhookRequest,
    ) -> Result<(Value, Option<String>), WebhookError> {
        let meeting = self.event_meeting(request)?;
        let uuid = meeting.uuid.as_str();
        if let Some(file_id) = &request.file_id {
            let known = meeting
                .files
                .iter()
                .chain(&meeting.participant_audio)
                .any(|file| &file.id == file_id);
            if !known {
                return Err(WebhookError::UnknownFile(uuid.to_owned(), file_id.clone()));
            }
        }
        let event = request.event.as_str();
        let before = self.render_recordings(meeting, Flavor::Rest);
        let previous_topic = self.topic(meeting);
        self.apply_lifecycle(meeting, request)?;
        let after = self.render_recordings(meeting, Flavor::Rest);
        let mut object = if event.ends_with("recovered") {
            after
        } else {
            before
        };
        if let Some(file_id) = &request.file_id {
            for list in ["recording_files", "participant_audio_files"] {
                if let Some(files) = object[list].as_array_mut() {
                    files.retain(|file| file["id"] == file_id.as_str());
                }
            }
        }
        let operator = self.host_email(&meeting.host_id);
        let mut payload = json!({
            "account_id": self.scenario().account_id,
            "operator": operator,
            "operator_id": meeting.host_id,
        });
        if event.starts_with("recording.batch_") {
            payload["object"] = json!({"meeting_uuids": [meeting.uuid]});
        } else if event == "recording.renamed" {
            let summary = |topic: &str| {
                json!({"uuid": meeting.uuid, "id": meeting.id, "host_id": meeting.host_id,
                       "topic": topic, "type": meeting.meeting_type})
            };
            payload["object"] = summary(&self.topic(meeting));
            payload["old_object"] = summary(&previous_topic);
            payload["time_stamp"] = json!(now_millis());
        } else {
            payload["object"] = object;
        }
        let body = json!({"event": event, "event_ts": now_millis(), "payload": payload});
        Ok((body, None))
    }

    fn apply_lifecycle(
        &self,
        meeting: &MeetingInstance,
        request: &WebhookRequest,
    ) -> Result<(), WebhookError> {
        let removal = match request.event.as_str() {
            "recording.trashed" | "recording.batch_trashed" => Some(Removal::Trashed),
            "recording.deleted" | "recording.batch_deleted" => Some(Removal::Deleted),
            _ => None,
        };
        let mut state = self.state();
        match (request.event.as_str(), removal) {
            (_, Some(removal)) => match &request.file_id {
                Some(file_id) => {
                    state.file_removal.insert(file_id.clone(), removal);
                }
                None => {
                    state.instance_removal.insert(meeting.uuid.clone(), removal);
                }
            },
            ("recording.renamed", None) => {
                let topic = request.topic.clone().ok_or(WebhookError::MissingTopic)?;
                state.topics.insert(meeting.uuid.clone(), topic);
            }
            // Recovered: what is in the trash comes back; what was deleted does not.
            _ => {
                if state.instance_removal.get(&meeting.uuid) == Some(&Removal::Trashed) {
                    state.instance_removal.remove(&meeting.uuid);
                }
                for file in meeting.files.iter().chain(&meeting.participant_audio) {
                    let wanted = request.file_id.as_ref().is_none_or(|id| id == &file.id);
                    if wanted && state.file_removal.get(&file.id) == Some(&Removal::Trashed) {
                        state.file_removal.remove(&file.id);
                    }
                }
            }
        }
        Ok(())
    }

    /// One delivery's body as Zoom would send it, for a test to edit (a forged field, a file
    /// left out) before [`Sim::send_edited_webhook`] signs and sends it.
    pub fn event_body(&self, request: &WebhookRequest) -> Result<Value, WebhookError> {
        self.webhook_body(request).map(|(body, _)| body)
    }

    /// Sends `body` once to `request.target`, signed (or not) as `request.signature` says.
    pub async fn send_edited_webhook(&self, request: &WebhookRequest, body: &Value) -> Delivery {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        self.deliver(&client, request, body).await
    }

    /// Sends `request.times` deliveries and, for url_validation, checks the answers.
    pub(crate) async fn send_webhook(
        &self,
        request: &WebhookRequest,
    ) -> Result<WebhookOutcome, WebhookError> {
        let mut prepared = Vec::new();
        if LIFECYCLE_EVENTS.contains(&request.event.as_str()) {
            let delivery = self.lifecycle_body(request)?;
            prepared.resize(request.times.max(1) as usize, delivery);
        } else {
            for _ in 0..request.times.max(1) {
                prepared.push(self.webhook_body(request)?);
            }
        }
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        let sends = prepared
            .iter()
            .map(|(body, _)| self.deliver(&client, request, body));
        let deliveries = if request.concurrent {
            futures_util::future::join_all(sends).await
        } else {
            let mut done = Vec::new();
            for send in sends {
                done.push(send.await);
            }
            done
        };
        let url_validation = (request.event == "endpoint.url_validation").then(|| {
            let checks: Vec<_> = deliveries
                .iter()
                .zip(&prepared)
                .map(|(delivery, (_, plain))| self.check_url_validation(delivery, plain.as_deref()))
                .collect();
            checks
                .into_iter()
                .find(|check| !check.passed)
                .unwrap_or(UrlValidationCheck {
                    passed: true,
                    problem: None,
                })
        });
        Ok(WebhookOutcome {
            deliveries,
            url_validation,
        })
    }

    async fn deliver(
        &self,
        client: &reqwest::Client,
        request: &WebhookRequest,
        body: &Value,
    ) -> Delivery {
        let raw = body.to_string().into_bytes();
        let timestamp = unix_now() as i64 + request.timestamp_offset_seconds;
        let secret = match request.signature {
            SignatureMode::Wrong => format!("not-{}", self.config.webhook_secret_token),
            _ => self.config.webhook_secret_token.clone(),
        };
        let mut builder = client
            .post(&request.target)
            .header("content-type", "application/json; charset=utf-8")
            .header("user-agent", "Zoom Marketplace/1.1a")
            .header("x-zm-request-timestamp", timestamp.to_string());
        if request.signature != SignatureMode::Missing {
            builder = builder.header("x-zm-signature", signature(&secret, timestamp, &raw));
        }
        let started = Instant::now();
        let (status, body) = match builder.body(raw).send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            }
            Err(error) => (0, error.to_string()),
        };
        Delivery {
            status,
            body,
            millis: started.elapsed().as_secs_f64() * 1000.0,
        }
    }

    /// Zoom's rule: 200 and exactly `{"plainToken", "encryptedToken": hex(HMAC(secret, plainToken))}`.
    fn check_url_validation(
        &self,
        delivery: &Delivery,
        plain_token: Option<&str>,
    ) -> UrlValidationCheck {
        let fail = |problem: String| UrlValidationCheck {
            passed: false,
            problem: Some(problem),
        };
        let Some(plain_token) = plain_token else {
            return fail("no plainToken was sent".into());
        };
        if delivery.status != 200 {
            return fail(format!("answered HTTP {}", delivery.status));
        }
        let Ok(answer) = serde_json::from_str::<Value>(&delivery.body) else {
            return fail("the answer is not JSON".into());
        };
        let expected = hmac_hex(&self.config.webhook_secret_token, plain_token.as_bytes());
        if answer["plainToken"] != plain_token {
            return fail("plainToken does not match".into());
        }
        if answer["encryptedToken"] != expected.as_str() {
            return fail("encryptedToken is not HMAC-SHA256(secret, plainToken)".into());
        }
        UrlValidationCheck {
            passed: true,
            problem: None,
        }
    }
}

/// `recording.completed` is sent before Zoom has finished the files marked `late`.
fn leave_out_late_files(object: &mut Value, meeting: &MeetingInstance) {
    let late: Vec<&str> = meeting
        .files
        .iter()
        .filter(|f| f.late)
        .map(|f| f.id.as_str())
        .collect();
    if let Some(files) = object["recording_files"].as_array_mut() {
        files.retain(|f| !f["id"].as_str().is_some_and(|id| late.contains(&id)));
    }
    let remaining: Vec<&Value> = ["recording_files", "participant_audio_files"]
        .iter()
        .filter_map(|list| object[*list].as_array())
        .flatten()
        .collect();
    let count = remaining.len();
    let size: u64 = remaining
        .iter()
        .filter_map(|f| f["file_size"].as_u64())
        .sum();
    object["recording_count"] = count.into();
    object["total_size"] = size.into();
}

/// `recording.transcript_completed` carries only the transcript files.
fn keep_only_transcripts(object: &mut Value) {
    if let Some(files) = object["recording_files"].as_array_mut() {
        files.retain(|f| f["file_type"] == "TRANSCRIPT");
    }
    if let Some(map) = object.as_object_mut() {
        map.remove("participant_audio_files");
    }
}
