//! The webhook's verify-and-parse path with any body: genuinely signed (so every byte reaches
//! the parser) or not. It must never panic, answer only the documented statuses, and start an
//! execution only for a genuine, well-formed recording event (one per instance for a genuine
//! lifecycle event: a batch names several).
#![no_main]

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use archiver::domain::SecretString;
use archiver::domain::zoom_change::MAX_BATCH;
use archiver::settings::ArchiveRules;
use archiver::workflow::{ExecutionStarter, StartError, StartOutcome};
use libfuzzer_sys::fuzz_target;
use zoom_webhook::handler::{IncomingRequest, WebhookConfig, Workflows, handle};

const SECRET: &str = "fuzz-webhook-secret";
const NOW: i64 = 1_764_000_000;

/// Counts the executions it is asked to start; each one must carry a plausible name and input.
struct CountingStarter(AtomicUsize);

impl ExecutionStarter for CountingStarter {
    async fn start(&self, name: &str, input: &str) -> Result<StartOutcome, StartError> {
        assert!(
            name.len() <= 80,
            "execution name over 80 characters: {name}"
        );
        assert!(
            serde_json::from_str::<serde_json::Value>(input).is_ok(),
            "input is not JSON"
        );
        assert!(!input.contains("download_token\":\"\""), "empty token kept");
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(StartOutcome::Started {
            execution_arn: format!("arn:aws:states:us-east-1:1:execution:m:{name}"),
        })
    }
}

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// `v0=hex(HMAC-SHA256(secret, "v0:{ts}:" + body))`, as Zoom signs.
fn signature(body: &[u8]) -> String {
    use hmac::Mac;
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(format!("v0:{NOW}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, body)) = data.split_first() else {
        return;
    };
    let config = WebhookConfig {
        secret: SecretString::new(SECRET),
        timestamp_tolerance_seconds: 300,
        rules: ArchiveRules::default(),
    };
    let signed = signature(body);
    let timestamp = NOW.to_string();
    let request = IncomingRequest {
        method: "POST",
        path: "/zoom/webhook",
        timestamp: Some(&timestamp),
        // Odd modes send a tampered signature: nothing may start then.
        signature: Some(if mode % 2 == 0 {
            signed.as_str()
        } else {
            "v0=00"
        }),
        body,
    };
    let starter = CountingStarter(AtomicUsize::new(0));
    let workflows = Workflows {
        ingest: &starter,
        changes: Some(&starter),
    };
    let reply = runtime().block_on(handle(&config, workflows, &request, NOW));
    assert!(
        matches!(reply.status, 200 | 400 | 401 | 413 | 503),
        "undocumented status {}",
        reply.status
    );
    let started = starter.0.load(Ordering::SeqCst);
    let limit = if reply.decision == "change_started" { MAX_BATCH } else { 1 };
    assert!(started <= limit, "{started} executions for one request");
    if mode % 2 == 1 {
        assert_eq!(started, 0, "a tampered signature started an execution");
        assert_eq!(reply.status, 401);
    }
    if started >= 1 {
        assert_eq!(reply.status, 200);
    }
});
