//! Arbitrary bodies and headers: never a panic, never a 5xx for bad input, never an execution
//! without a valid signature.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use archiver::settings::ArchiveRules;
use common::*;
use proptest::prelude::*;
use zoom_webhook::handler::{IncomingRequest, handle};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Bodies that look like Zoom's often enough to reach the deeper branches.
fn bodies() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..512),
        "\\PC{0,300}".prop_map(String::into_bytes),
        (
            prop_oneof![
                Just("recording.completed".to_owned()),
                Just("recording.transcript_completed".to_owned()),
                Just("endpoint.url_validation".to_owned()),
                "[a-z.]{0,30}"
            ],
            "[ -~]{0,40}",
            any::<i64>(),
            proptest::option::of("[ -~]{0,60}"),
        )
            .prop_map(|(event, uuid, id, url)| {
                let files = url.map(|u| serde_json::json!([{ "download_url": u }])).unwrap_or(serde_json::json!("nope"));
                serde_json::json!({
                    "event": event,
                    "payload": {"plainToken": uuid, "object": {"uuid": uuid, "id": id, "recording_files": files}},
                })
                .to_string()
                .into_bytes()
            }),
        Just(sample_body()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn unsigned_or_badly_signed_requests_never_start_anything(
        body in bodies(),
        method in prop_oneof![Just("POST".to_owned()), Just("GET".to_owned()), "[A-Z]{1,7}"],
        path in prop_oneof![Just("/".to_owned()), Just("/zoom/webhook".to_owned()), "/[ -~]{0,20}"],
        timestamp in proptest::option::of(prop_oneof![Just(NOW.to_string()), "[ -~]{0,12}"]),
        signature in proptest::option::of(prop_oneof![Just(String::from("v0=")), "v0=[0-9a-f]{64}", "[ -~]{0,70}"]),
    ) {
        let fake = FakeStepFunctions::default();
        let request = IncomingRequest {
            method: &method, path: &path,
            timestamp: timestamp.as_deref(), signature: signature.as_deref(), body: &body,
        };
        let reply = runtime().block_on(handle(&config(ArchiveRules::default()), workflows(&fake), &request, NOW));
        prop_assert!(reply.status < 500, "status {}", reply.status);
        prop_assert!(fake.starts().is_empty());
    }

    #[test]
    fn signed_arbitrary_bodies_never_panic_or_fail_with_5xx(body in bodies()) {
        let fake = FakeStepFunctions::default();
        let signature = sign(SECRET, NOW, &body);
        let ts = NOW.to_string();
        let request = IncomingRequest { method: "POST", path: "/", timestamp: Some(&ts), signature: Some(&signature), body: &body };
        let reply = runtime().block_on(handle(&config(ArchiveRules::default()), workflows(&fake), &request, NOW));
        prop_assert!(matches!(reply.status, 200 | 400), "status {}", reply.status);
        // Only a recording event with a valid meeting may start an execution, and at most one.
        prop_assert!(fake.starts().len() <= 1);
        if reply.decision == "started" {
            prop_assert_eq!(fake.starts().len(), 1);
        }
    }
}
