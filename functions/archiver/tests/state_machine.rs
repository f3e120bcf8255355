//! The state machine definition against the code: its placeholders are the ones the deployments
//! fill, and every error it retries or catches is one a function can return.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;

use archiver::pipeline::ERROR_TYPES;
use serde_json::Value;

/// The state machines and the placeholders each one's deployments fill.
const MACHINES: [(&str, &[&str]); 2] = [
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
        &["ScanMissedMeetingsFunctionArn"],
    ),
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
            ERROR_TYPES.contains(&name.as_str())
                || name.starts_with("States.")
                || name.starts_with("Lambda."),
            "{name} is not an error any function returns"
        );
    }
}
