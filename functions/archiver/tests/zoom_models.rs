//! The models against real Zoom bodies: the 2025 `recording.completed` sample and the example
//! responses built from Zoom's OpenAPI spec (copies of `../shared/zoom/` in `fixtures/zoom/`).

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use archiver::domain::webhook::RECORDING_COMPLETED;
use archiver::domain::{
    FileType, MeetingRecordings, RecordingEvent, RecordingType, WebhookEnvelope,
};
use serde_json::Value;

fn fixture(name: &str) -> String {
    let path = format!("{}/../../fixtures/zoom/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"))
}

fn example_response(operation_prefix: &str) -> Value {
    let all: Value =
        serde_json::from_str(&fixture("example-responses.openapi-2023-10.json")).unwrap();
    let responses = all["responses"].as_object().unwrap();
    let (_, body) = responses
        .iter()
        .find(|(operation, _)| operation.starts_with(operation_prefix))
        .unwrap_or_else(|| panic!("no example for {operation_prefix}"));
    body.clone()
}

#[test]
fn the_real_recording_completed_sample_parses() {
    let body = fixture("recording.completed.sample-2025-02.json");
    let envelope: WebhookEnvelope = serde_json::from_str(&body).unwrap();
    assert_eq!(envelope.event, RECORDING_COMPLETED);
    assert_eq!(envelope.event_ts, Some(1_740_576_801_627));

    let event: RecordingEvent = serde_json::from_str(&body).unwrap();
    let meeting = &event.payload.object;
    assert_eq!(meeting.uuid.as_str(), "DUZke5GtTtuQlcx4mUo0Xw==");
    assert_eq!(meeting.id, 88_031_573_992, "meeting ids exceed 32 bits");
    assert_eq!(meeting.meeting_type, Some(1));
    assert_eq!(meeting.duration, Some(0));
    assert!(event.download_token.is_some());
    assert!(meeting.password.is_some() && meeting.recording_play_passcode.is_some());

    let kinds: Vec<_> = meeting
        .recording_files
        .iter()
        .map(|f| (f.file_type.clone(), f.recording_type.clone(), f.file_size))
        .collect();
    assert_eq!(
        kinds,
        [
            (
                Some(FileType::Mp4),
                Some(RecordingType::SharedScreenWithSpeakerView),
                Some(308_098)
            ),
            (
                Some(FileType::M4a),
                Some(RecordingType::AudioOnly),
                Some(265_556)
            ),
            (
                Some(FileType::Timeline),
                Some(RecordingType::Timeline),
                Some(6_562)
            ),
        ]
    );
    assert!(
        meeting.recording_files[0]
            .download_url
            .contains("/rec/webhook_download/")
    );
}

#[test]
fn secrets_in_the_sample_never_reach_debug_output() {
    let event: RecordingEvent =
        serde_json::from_str(&fixture("recording.completed.sample-2025-02.json")).unwrap();
    let printed = format!("{event:?}");
    assert!(!printed.contains("eyJzdiI6"), "download token leaked");
    assert!(!printed.contains("<redacted 32 chars>"), "passcode leaked");
}

#[test]
fn the_rest_examples_parse() {
    let listing = example_response("GET /users/{userId}/recordings");
    let meetings: Vec<MeetingRecordings> =
        serde_json::from_value(listing["meetings"].clone()).unwrap();
    assert_eq!(meetings.len(), 1);
    assert_eq!(
        meetings[0].meeting_type,
        Some(1),
        "REST sends type as a string"
    );

    let one: MeetingRecordings =
        serde_json::from_value(example_response("GET /meetings/{meetingId}/recordings")).unwrap();
    assert!(one.download_access_token.is_some());
    assert_eq!(one.participant_audio_files.len(), 1);
    assert_eq!(
        one.participant_audio_files[0].file_name.as_deref(),
        Some("test.json")
    );
    assert_eq!(one.all_files().count(), 2);
}

#[test]
fn unknown_file_types_and_extra_fields_parse() {
    let body = serde_json::json!({
        "event": "recording.completed",
        "event_ts": 1_740_576_801_627_i64,
        "brand_new_top_level_field": {"nested": true},
        "payload": {
            "account_id": "acc",
            "object": {
                "uuid": "/starts//with/slashes==",
                "id": 9_999_999_999_i64,
                "type": 8,
                "start_time": "2025-02-26T13:31:01Z",
                "recording_files": [
                    {
                        "id": "f1",
                        "file_type": "HOLOGRAM",
                        "recording_type": "volumetric_view",
                        "file_extension": "HOLO",
                        "download_url": "https://zoom.us/rec/webhook_download/x",
                        "encryption_fingerprint": "abc",
                        "unexpected": [1, 2, 3]
                    },
                    { "download_url": "https://zoom.us/rec/webhook_download/no-id-no-size" }
                ]
            }
        }
    });
    let event: RecordingEvent = serde_json::from_value(body).unwrap();
    let files = &event.payload.object.recording_files;
    assert_eq!(files[0].file_type, Some(FileType::Other("HOLOGRAM".into())));
    assert_eq!(
        files[0].recording_type,
        Some(RecordingType::Other("volumetric_view".into()))
    );
    assert!(files[1].id.is_none() && files[1].file_size.is_none());
    assert!(event.download_token.is_none());
}
