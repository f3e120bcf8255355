//! A fake Step Functions and signing helpers shared by the webhook's tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;
use std::sync::Mutex;

use archiver::domain::SecretString;
use archiver::settings::ArchiveRules;
use archiver::workflow::{ExecutionStarter, StartError, StartOutcome};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zoom_webhook::handler::{WebhookConfig, Workflows};

pub const SECRET: &str = "test-webhook-secret";
pub const NOW: i64 = 1_795_000_000;

/// Remembers every start; refuses a name twice like Step Functions; can be made to fail.
#[derive(Debug, Default)]
pub struct FakeStepFunctions {
    pub started: Mutex<Vec<(String, String)>>,
    pub names: Mutex<HashSet<String>>,
    pub failing: bool,
}

impl ExecutionStarter for FakeStepFunctions {
    async fn start(&self, name: &str, input: &str) -> Result<StartOutcome, StartError> {
        if self.failing {
            return Err(StartError::Unavailable {
                source: "connection refused".into(),
            });
        }
        if !self.names.lock().unwrap().insert(name.to_owned()) {
            return Ok(StartOutcome::AlreadyExists);
        }
        self.started
            .lock()
            .unwrap()
            .push((name.to_owned(), input.to_owned()));
        Ok(StartOutcome::Started {
            execution_arn: format!("arn:aws:states:::execution:m:{name}"),
        })
    }
}

impl FakeStepFunctions {
    pub fn starts(&self) -> Vec<(String, String)> {
        self.started.lock().unwrap().clone()
    }
}

/// One fake for both state machines: change executions are told apart by their names.
pub fn workflows(fake: &FakeStepFunctions) -> Workflows<'_, FakeStepFunctions> {
    Workflows {
        ingest: fake,
        changes: Some(fake),
    }
}

pub fn config(rules: ArchiveRules) -> WebhookConfig {
    WebhookConfig {
        secret: SecretString::new(SECRET),
        timestamp_tolerance_seconds: 300,
        rules,
    }
}

/// Zoom's signature, computed here with the `hmac` crate directly.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

pub fn sample_body() -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/zoom/recording.completed.sample-2025-02.json",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(path).unwrap()
}
