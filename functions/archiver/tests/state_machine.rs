//! The state machine definition against the code: its placeholders are the ones the deployments
//! fill, and every error it retries or catches is one a function can return.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use archiver::errors::{ErrorName, LAMBDA_RETRYABLE, LAMBDA_THROTTLED};
use serde_json::Value;

/// The state machines and the placeholders each one's deployments fill.
const MACHINES: [(&str, &[&str]); 3] = [
    (
        "ingest-recording.asl.json",
        &[
            "IngestMetadataFunctionArn",
            "RetrieveRecordingFunctionArn",
            "FinishIngestFunctionArn",
        ],
    ),
    (
        "scan-missed-meetings.asl.json",
        &["ScanMissedMeetingsFunctionArn", "FinishIngestFunctionArn"],
    ),
    ("zoom-change.asl.json", &["ApplyZoomChangeFunctionArn"]),
];

fn definition_of(file: &str) -> (String, Value) {
    let path = format!("{}/../../statemachine/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(path).unwrap();
    let value = serde_json::from_str(&text).unwrap();
    (text, value)
}

fn placeholders(text: &str) -> BTreeSet<String> {
    text.split("${")
        .skip(1)
        .map(|rest| rest.split('}').next().unwrap().to_owned())
        .collect()
}

fn error_names(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Array(names)) = map.get("ErrorEquals") {
                found.extend(names.iter().map(|n| n.as_str().unwrap().to_owned()));
            }
            map.values().for_each(|v| error_names(v, found));
        }
        Value::Array(items) => items.iter().for_each(|v| error_names(v, found)),
        _ => {}
    }
}

#[test]
fn placeholders_are_the_ones_the_local_stack_fills() {
    let deploy = std::fs::read_to_string(format!(
        "{}/../../scripts/lib/deploy_local.py",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for (file, expected) in MACHINES {
        let (text, _) = definition_of(file);
        let expected: BTreeSet<String> = expected.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(placeholders(&text), expected, "{file}");
        for placeholder in &expected {
            assert!(
                deploy.contains(&format!("\"{placeholder}\"")),
                "deploy_local.py misses {placeholder} of {file}"
            );
        }
        assert!(
            deploy.contains(&format!("\"{file}\"")),
            "deploy_local.py does not deploy {file}"
        );
    }
}

/// The keys under `DefinitionSubstitutions:` of the state machine whose `DefinitionUri` is
/// `file` in infra/template.yaml (read as text: the template's `!GetAtt` tags are
/// CloudFormation's, not plain YAML).
fn template_substitutions(file: &str) -> BTreeSet<String> {
    let template = std::fs::read_to_string(format!(
        "{}/../../infra/template.yaml",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    let mut lines = template.lines();
    lines
        .by_ref()
        .find(|line| line.trim() == format!("DefinitionUri: ../statemachine/{file}"))
        .unwrap_or_else(|| panic!("the template deploys no state machine from {file}"));
    let header = lines
        .by_ref()
        .find(|line| line.trim() == "DefinitionSubstitutions:")
        .expect("the state machine has no DefinitionSubstitutions");
    let indent = |line: &str| line.len() - line.trim_start().len();
    let header_indent = indent(header);
    lines
        .take_while(|line| line.trim().is_empty() || indent(line) > header_indent)
        .filter_map(|line| line.trim().split_once(':').map(|(key, _)| key.to_owned()))
        .collect()
}

#[test]
fn placeholders_and_the_template_substitutions_match_both_ways() {
    for (file, expected) in MACHINES {
        let (text, _) = definition_of(file);
        let substitutions = template_substitutions(file);
        let placeholders = placeholders(&text);
        assert_eq!(
            placeholders, substitutions,
            "{file}: ASL placeholders (left) and template DefinitionSubstitutions (right) differ"
        );
        let expected: BTreeSet<String> = expected.iter().map(|p| (*p).to_owned()).collect();
        assert_eq!(placeholders, expected, "{file}");
    }
}

#[test]
fn every_retried_or_caught_error_is_one_a_function_returns() {
    let mut names = Vec::new();
    for (file, _) in MACHINES {
        error_names(&definition_of(file).1, &mut names);
    }
    assert!(names.len() > 10, "{names:?}");
    for name in names {
        assert!(
            ErrorName::parse(&name).is_some()
                || name.starts_with("States.")
                || LAMBDA_RETRYABLE.contains(&name.as_str())
                || LAMBDA_THROTTLED.contains(&name.as_str()),
            "{name} is not an error any function returns"
        );
    }
}

/// Every task has the same three kinds of retrier: Lambda's throttling alone, the retryable
/// errors (ours, exactly `ErrorName::is_retryable`, and Lambda's transient ones), and waits
/// (`Archive.Pending`, or `States.Timeout` of a stuck call) alone; nothing retries an error
/// a retry cannot cure, and no retryable error is left to a `Catch`.
#[test]
fn every_retry_list_is_one_of_the_known_kinds_and_the_retryable_set_is_whole() {
    let retryable: BTreeSet<String> = ErrorName::ALL
        .into_iter()
        .filter(|name| name.is_retryable())
        .map(|name| name.as_str().to_owned())
        .chain(LAMBDA_RETRYABLE.iter().map(|name| (*name).to_owned()))
        .collect();
    let throttled: BTreeSet<String> = LAMBDA_THROTTLED.iter().map(|n| (*n).to_owned()).collect();
    for (file, _) in MACHINES {
        let mut found = Vec::new();
        tasks(&definition_of(file).1["States"], &mut found);
        for (name, state) in found {
            let mut kinds = Vec::new();
            for retrier in state["Retry"].as_array().unwrap() {
                let names: BTreeSet<String> = retrier["ErrorEquals"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|n| n.as_str().unwrap().to_owned())
                    .collect();
                let kind = if names == throttled {
                    "throttled"
                } else if names == retryable {
                    "retryable"
                } else if names.len() == 1
                    && (names.contains("Archive.Pending") || names.contains("States.Timeout"))
                {
                    "wait"
                } else {
                    panic!(
                        "{file}: {name} retries {names:?}: not a known kind (retryable: {retryable:?})"
                    )
                };
                kinds.push(kind);
            }
            assert_eq!(&kinds[..2], ["throttled", "retryable"], "{file}: {name}");
        }
    }
}

/// Every Task state of a machine, with its name (Map iterations included).
fn tasks(states: &Value, found: &mut Vec<(String, Value)>) {
    for (name, state) in states.as_object().unwrap() {
        match state["Type"].as_str() {
            Some("Task") => found.push((name.clone(), state.clone())),
            Some("Map") => tasks(&state["ItemProcessor"]["States"], found),
            _ => {}
        }
    }
}

/// Seconds a retrier waits in all before it gives up, at the least (`NONE`) or on average
/// (`FULL` jitter waits a uniform share of each delay), as Step Functions documents: each delay
/// is `IntervalSeconds * BackoffRate^n`, capped at `MaxDelaySeconds`.
fn retry_wait_seconds(retrier: &Value) -> f64 {
    let interval = retrier["IntervalSeconds"].as_f64().unwrap_or(1.0);
    let rate = retrier["BackoffRate"].as_f64().unwrap_or(2.0);
    let attempts = retrier["MaxAttempts"].as_u64().unwrap_or(3);
    let cap = retrier["MaxDelaySeconds"].as_f64().unwrap_or(f64::INFINITY);
    let total: f64 = (0..attempts)
        .map(|n| (interval * rate.powi(n as i32)).min(cap))
        .sum();
    if retrier["JitterStrategy"] == "FULL" {
        total / 2.0
    } else {
        total
    }
}

/// The first retrier (Step Functions uses the first that matches) that matches `error`.
fn retrier_for<'a>(state: &'a Value, error: &str) -> Option<&'a Value> {
    state["Retry"].as_array()?.iter().find(|r| {
        r["ErrorEquals"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e == error || e == "States.ALL")
    })
}

/// Lambda throttling during a scan's backfill of thousands of recordings must not fail a
/// recording for good: every task retries it (first, with its own retrier) for half an hour
/// at least on average, which moto's executor never shows.
#[test]
fn lambda_throttling_is_retried_long_enough_for_a_backfill() {
    for (file, _) in MACHINES {
        let mut found = Vec::new();
        tasks(&definition_of(file).1["States"], &mut found);
        assert!(!found.is_empty());
        for (name, state) in found {
            for error in [
                "Lambda.TooManyRequestsException",
                "Lambda.ClientExecutionTimeoutException",
            ] {
                let retrier = retrier_for(&state, error)
                    .unwrap_or_else(|| panic!("{file}: {name} does not retry {error}"));
                let wait = retry_wait_seconds(retrier);
                assert!(
                    wait >= 1800.0,
                    "{file}: {name} retries {error} for {wait} s only"
                );
            }
        }
    }
}

/// Every task and both machines end in bounded time (an execution that cannot end holds its
/// item INGESTING forever); the per-state bound is above the function's own Lambda timeout.
#[test]
fn every_task_and_machine_has_a_timeout() {
    for (file, _) in MACHINES {
        let (_, definition) = definition_of(file);
        assert!(
            definition["TimeoutSeconds"].as_u64().is_some(),
            "{file} has no TimeoutSeconds"
        );
        let mut found = Vec::new();
        tasks(&definition["States"], &mut found);
        for (name, state) in found {
            let timeout = state["TimeoutSeconds"].as_u64();
            assert!(
                timeout.is_some_and(|t| t >= 180),
                "{file}: {name}: {timeout:?}"
            );
        }
    }
}

/// The late transcript waits for its recording's own ingest deterministically (no jitter) and
/// for longer than that ingest may take to reach its trash step.
#[test]
fn the_late_transcript_waits_deterministically_for_hours() {
    let (_, definition) = definition_of("ingest-recording.asl.json");
    let retrier = retrier_for(&definition["States"]["Ingest metadata"], "Archive.Pending").unwrap();
    assert_eq!(retrier["JitterStrategy"], "NONE");
    let wait = retry_wait_seconds(retrier);
    assert!(wait >= 3.0 * 3600.0, "{wait} s");
    assert!(
        wait < definition["TimeoutSeconds"].as_f64().unwrap(),
        "the wait fits in the execution's own time"
    );
}

/// Step Functions fails an execution whose state passes 256 KiB (`States.DataLimitExceeded`,
/// which no `Catch` of `States.ALL` sees). The largest state of an ingest is the one after the
/// Map: the plan and every iteration's outcome. Built here with the real types for a meeting
/// of 150 recording files and 200 participant-audio files, every one failed with the longest
/// message the retriever hands over, quotes and accents included.
#[test]
fn the_state_after_the_map_of_the_largest_meeting_fits_with_every_file_failed() {
    use archiver::pipeline::StepError;
    use archiver::pipeline::{CaughtError, FileOutcome, IngestPlan, MAX_ITERATION_MESSAGE_BYTES};
    const FILES: usize = 350;
    const LIMIT: usize = 256 * 1024;
    let topic = "Réunion \"budget\" ".repeat(20);
    let mut plan: IngestPlan = serde_json::from_value(serde_json::json!({
        "decision": "INGEST", "kind": "recording", "meeting_uuid": "a".repeat(24) + "==",
        "files_in_flight": 4,
        "meeting": {"uuid": "a".repeat(24) + "==", "id": 88_031_573_992_i64, "topic": topic,
            "meeting_type": 8, "start_time": "2026-11-20T14:00:00Z", "duration_minutes": 600,
            "timezone": "America/Argentina/ComodRivadavia", "host_id": "h".repeat(22),
            "host_email": format!("{}@example.org", "e".repeat(64))},
        "folder": "f".repeat(600),
        "metadata": {"webhook": "k".repeat(700), "past_meeting": "k".repeat(700), "meeting": "k".repeat(700)},
        "participants": {"count": 1000, "key": "k".repeat(700)},
        "manifest": ".pipeline/ingest/".to_owned() + &"n".repeat(80) + "/files.json",
    }))
    .unwrap();
    plan.files = (0..FILES).collect();
    let message = StepError::new(
        "Transfer.Interrupted",
        "the part \"7\" of recordings/2026/11/20/Réunion-budget/gallery.mp4 failed: ".repeat(10),
    )
    .truncated(MAX_ITERATION_MESSAGE_BYTES)
    .message;
    let cause = serde_json::json!({
        "errorMessage": message, "errorType": "Transfer.Interrupted",
        "requestId": "6f0d5c62-51f5-4f0e-9a1e-2b3c4d5e6f70", "stackTrace": []
    })
    .to_string();
    let outcomes: Vec<FileOutcome> = (0..FILES)
        .map(|index| FileOutcome {
            index,
            failure: Some(CaughtError {
                error: "Transfer.Interrupted".into(),
                cause: Some(cause.clone()),
            }),
        })
        .collect();
    let mut state = serde_json::to_value(&plan).unwrap();
    state["archived"] = serde_json::to_value(&outcomes).unwrap();
    let size = serde_json::to_string(&state).unwrap().len();
    eprintln!("the state after the Map of {FILES} failed files: {size} bytes");
    assert!(
        size < LIMIT * 3 / 4,
        "{size} bytes after the Map, the limit is {LIMIT}: leave a quarter for what Zoom adds"
    );
}
