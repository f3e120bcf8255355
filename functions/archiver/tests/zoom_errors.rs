//! Zoom's error answers, held against Zoom's OpenAPI spec in `../shared/zoom/`:
//! - every error zoom-sim can answer (HTTP status and Zoom code, per operation) is one the spec
//!   documents for that operation, or one Zoom's platform gives on any operation;
//! - the client classifies every answer the spec documents for the operations it calls on
//!   purpose: each has a row in `archiver::zoom::answers::DOCUMENTED_ANSWERS`, every row is in
//!   the spec, and `classify_failure` gives each row's meaning.
//!
//! The simulator once answered 3001 for an unknown recording (the spec says 3301) and served
//! webinars from the meeting endpoints; nothing checked its errors, so the client's handling of
//! what Zoom really says went untested.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::sync::OnceLock;

use archiver::zoom::answers::{DOCUMENTED_ANSWERS, Meaning};
use archiver::zoom::{Endpoint, ZoomError, classify_failure};
use reqwest::StatusCode;
use serde_json::{Value, json};
use zoom_sim::answers::{Operation, error_answers};

fn spec(name: &str) -> Value {
    let path = format!("{}/../../../shared/zoom/{name}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e} (shared/ must sit beside the repo)"));
    serde_json::from_str(&text).unwrap()
}

/// What the spec documents for one operation: `(status, code)`, with `None` for a status the
/// spec gives without any code.
struct Documented {
    answers: BTreeSet<(u16, Option<i64>)>,
}

/// The Meeting and Users API specs, read once for every check.
fn specs() -> &'static [Value; 2] {
    static SPECS: OnceLock<[Value; 2]> = OnceLock::new();
    SPECS.get_or_init(|| {
        [
            spec("zoom-meeting-api.openapi-2023.json"),
            spec("zoom-users-api.openapi-2026-02.json"),
        ]
    })
}

impl Documented {
    fn of(method: &str, path: &str) -> Self {
        let method = method.to_lowercase();
        let operation = specs()
            .iter()
            .find_map(|api| api["paths"][path][&method].as_object().cloned())
            .unwrap_or_else(|| panic!("{method} {path} is not in the spec"));
        let mut answers = BTreeSet::new();
        for (status, response) in operation["responses"].as_object().unwrap() {
            let status: u16 = status.parse().unwrap();
            if (200..300).contains(&status) {
                continue;
            }
            let codes = error_codes(response["description"].as_str().unwrap_or_default());
            if codes.is_empty() {
                answers.insert((status, None));
            }
            answers.extend(codes.into_iter().map(|code| (status, Some(code))));
        }
        Self { answers }
    }

    /// Documented for this operation: the exact pair, or its status given without codes.
    fn allows(&self, status: u16, code: i64) -> bool {
        self.answers.contains(&(status, Some(code))) || self.answers.contains(&(status, None))
    }
}

/// The codes in a response description: "**Error Code:** `3001`" and its spellings.
fn error_codes(description: &str) -> Vec<i64> {
    let mut codes = Vec::new();
    for (at, _) in description.match_indices("rror Code") {
        let rest = &description[at..];
        let Some(start) = rest.find('`') else {
            continue;
        };
        let digits: String = rest[start + 1..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        if let Ok(code) = digits.parse() {
            codes.push(code);
        }
    }
    codes
}

/// What Zoom's platform answers on any operation, besides 429 and 5xx: a bad or expired token
/// (124), a request it cannot validate (300: an invalid field or page token), and a token
/// without a scope (4711, listed in ZOOM.md).
const PLATFORM: [(u16, i64); 3] = [(401, 124), (400, 300), (400, 4711)];

/// The spec operation whose documented answers stand for `path`: the copy in `shared/zoom/`
/// lacks the account-wide listing, the user listing's twin.
fn documented_as(method: &'static str, path: &'static str) -> (&'static str, &'static str) {
    match path {
        "/accounts/{accountId}/recordings" => ("GET", "/users/{userId}/recordings"),
        _ => (method, path),
    }
}

fn sim_answer_is_documented(operation: Operation, status: u16, code: i64) -> bool {
    let (method, path) = operation.operation();
    let (method, path) = documented_as(method, path);
    PLATFORM.contains(&(status, code)) || Documented::of(method, path).allows(status, code)
}

#[test]
fn every_error_zoom_sim_answers_is_documented_for_its_operation() {
    let undocumented: Vec<String> = error_answers()
        .into_iter()
        .filter(|&(operation, status, code)| !sim_answer_is_documented(operation, status, code))
        .map(|(operation, status, code)| {
            let (method, path) = operation.operation();
            format!("{method} {path}: HTTP {status}, code {code}")
        })
        .collect();
    assert!(
        undocumented.is_empty(),
        "zoom-sim answers what Zoom's spec does not document:\n{}",
        undocumented.join("\n")
    );
    // The check sees an undocumented answer: the simulator's old one for an unknown recording.
    assert!(!sim_answer_is_documented(
        Operation::InstanceRecordings,
        404,
        3001
    ));
    // And the platform's answers are real Zoom codes, which the spec uses elsewhere.
    let spec_text = std::fs::read_to_string(format!(
        "{}/../../../shared/zoom/zoom-meeting-api.openapi-2023.json",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    for code in ["`124`", "`300`"] {
        assert!(spec_text.contains(code), "{code} is not a code Zoom uses");
    }
}

#[test]
fn every_answer_the_spec_documents_for_the_client_s_calls_has_a_deliberate_meaning() {
    let mut missing = Vec::new();
    let mut invented = Vec::new();
    for endpoint in Endpoint::ALL {
        let (method, path) = endpoint.operation();
        let (method, path) = documented_as(method, path);
        let documented = Documented::of(method, path).answers;
        let rows: BTreeSet<(u16, Option<i64>)> = DOCUMENTED_ANSWERS
            .iter()
            .filter(|row| row.endpoint == endpoint)
            .map(|row| (row.status, row.code))
            .collect();
        missing.extend(
            documented
                .difference(&rows)
                .map(|(status, code)| format!("{method} {path}: HTTP {status} code {code:?}")),
        );
        invented.extend(
            rows.difference(&documented)
                .map(|(status, code)| format!("{method} {path}: HTTP {status} code {code:?}")),
        );
    }
    assert!(
        missing.is_empty(),
        "documented answers without a row in DOCUMENTED_ANSWERS:\n{}",
        missing.join("\n")
    );
    assert!(
        invented.is_empty(),
        "rows the spec does not document:\n{}",
        invented.join("\n")
    );
}

/// The body Zoom sends with an error.
fn body(code: Option<i64>) -> Vec<u8> {
    match code {
        Some(code) => json!({"code": code, "message": "Zoom's message."}).to_string(),
        None => String::new(),
    }
    .into_bytes()
}

fn meaning_of(error: &ZoomError) -> Meaning {
    match error {
        ZoomError::NotFound { .. } => Meaning::NotFound,
        ZoomError::NotAMeeting { .. } => Meaning::NotAMeeting,
        ZoomError::Rejected { .. } => Meaning::Refused,
        ZoomError::Unauthorized { .. } => Meaning::Unauthorized,
        ZoomError::MissingScope { .. } => Meaning::MissingScope,
        ZoomError::RateLimited { .. } => Meaning::RateLimited,
        ZoomError::Unavailable { .. } => Meaning::Retryable,
        other => panic!("no answer classifies as {other:?}"),
    }
}

#[test]
fn the_client_classifies_each_documented_answer_as_its_row_says() {
    for row in DOCUMENTED_ANSWERS {
        let status = StatusCode::from_u16(row.status).unwrap();
        let error = classify_failure(Some(row.endpoint), status, None, &body(row.code));
        assert_eq!(meaning_of(&error), row.meaning, "{row:?} gave {error:?}");
    }
}

#[test]
fn the_platform_s_answers_mean_the_same_on_every_operation() {
    let cases = [
        (429, None, Meaning::RateLimited),
        (503, Some(503), Meaning::Retryable),
        (500, None, Meaning::Retryable),
        (401, Some(124), Meaning::Unauthorized),
        (400, Some(300), Meaning::Refused),
        (400, Some(4711), Meaning::MissingScope),
    ];
    for endpoint in Endpoint::ALL {
        for (status, code, meaning) in cases {
            let status = StatusCode::from_u16(status).unwrap();
            let error = classify_failure(Some(endpoint), status, None, &body(code));
            assert_eq!(
                meaning_of(&error),
                meaning,
                "{endpoint:?} {status} {code:?}"
            );
        }
    }
    // A missing scope names the one the operation needs, and is never retried.
    let error = classify_failure(
        Some(Endpoint::PastWebinarQa),
        StatusCode::BAD_REQUEST,
        None,
        &body(Some(4711)),
    );
    assert!(error.to_string().contains("webinar:read:admin"), "{error}");
    assert_eq!(error.error_type(), "Zoom.MissingScope");
    assert!(!error.is_transient());
}
