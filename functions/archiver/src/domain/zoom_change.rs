//! What Zoom tells the archive happened to a recording after it was made: its copy moved to
//! Zoom's trash, deleted for good, recovered from the trash, or renamed. The webhook reads each
//! such event into one [`ChangeRequest`] per instance and starts an execution of the
//! `zoom-change` state machine with it, named after the event ([`change_execution_name`]) so
//! that Zoom's retries and duplicates collapse into one; `apply-zoom-change` applies it.
//!
//! A change is history: it is noted on the table item and in the recording document
//! ([`note_change`]), never undone by an edit, and noted once however often it arrives.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::MeetingUuid;

/// The instance's (or one file's) copy moved to Zoom's trash.
pub const RECORDING_TRASHED: &str = "recording.trashed";
/// The instance's (or one file's) copy deleted for good.
pub const RECORDING_DELETED: &str = "recording.deleted";
/// The copy recovered from Zoom's trash.
pub const RECORDING_RECOVERED: &str = "recording.recovered";
/// The recording's topic changed.
pub const RECORDING_RENAMED: &str = "recording.renamed";
/// Several instances moved to Zoom's trash at once (`payload.object.meeting_uuids`).
pub const RECORDING_BATCH_TRASHED: &str = "recording.batch_trashed";
/// Several instances deleted for good at once.
pub const RECORDING_BATCH_DELETED: &str = "recording.batch_deleted";
/// Several instances recovered at once.
pub const RECORDING_BATCH_RECOVERED: &str = "recording.batch_recovered";

/// Every lifecycle event the webhook handles, for the README's subscription list and tests.
pub const CHANGE_EVENTS: [&str; 7] = [
    RECORDING_TRASHED,
    RECORDING_DELETED,
    RECORDING_RECOVERED,
    RECORDING_RENAMED,
    RECORDING_BATCH_TRASHED,
    RECORDING_BATCH_DELETED,
    RECORDING_BATCH_RECOVERED,
];

/// Longest topic kept: Zoom's own limit is 200 characters; a longer one is cut, not refused.
pub const MAX_TOPIC_CHARS: usize = 300;
/// Most changes kept per recording; the oldest go first (a recording is trashed, recovered and
/// renamed a handful of times in its life, not hundreds).
pub const MAX_CHANGES_KEPT: usize = 50;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    Trashed,
    Deleted,
    Recovered,
    Renamed,
}

impl ChangeKind {
    /// The kind of a lifecycle event (batch variants included); `None` for any other event.
    pub fn from_event(event: &str) -> Option<Self> {
        match event {
            RECORDING_TRASHED | RECORDING_BATCH_TRASHED => Some(Self::Trashed),
            RECORDING_DELETED | RECORDING_BATCH_DELETED => Some(Self::Deleted),
            RECORDING_RECOVERED | RECORDING_BATCH_RECOVERED => Some(Self::Recovered),
            RECORDING_RENAMED => Some(Self::Renamed),
            _ => None,
        }
    }

    /// The stable name, as in execution names and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Trashed => "trashed",
            Self::Deleted => "deleted",
            Self::Recovered => "recovered",
            Self::Renamed => "renamed",
        }
    }

    /// Whether Zoom's copy (or part of it) is gone from where the archive copies it.
    pub fn removes_copy(self) -> bool {
        matches!(self, Self::Trashed | Self::Deleted)
    }
}

/// A file a change names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangedFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recording_type: Option<String>,
}

impl ChangedFile {
    /// `MP4 6606c8c8`, for messages.
    pub fn describe(&self) -> String {
        format!(
            "{} {}",
            self.file_type.as_deref().unwrap_or("file"),
            self.file_id.as_deref().unwrap_or("without an id")
        )
    }
}

/// One change to one instance, as noted on the item and in the document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ZoomChange {
    pub kind: ChangeKind,
    /// When Zoom sent it (the event's `event_ts`): with `kind`, what tells one event from another.
    pub at: DateTime<Utc>,
    /// Who did it in Zoom (an email, or the app itself), when Zoom says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    /// The files the event names; empty: the whole instance.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<ChangedFile>,
    /// A rename's new topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic: Option<String>,
    /// A rename's old topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_topic: Option<String>,
}

impl ZoomChange {
    /// Whether `other` is the same event (a retry or a duplicate of Zoom's).
    pub fn same_event(&self, other: &Self) -> bool {
        self.kind == other.kind && self.at == other.at
    }

    /// `recording.trashed by a@b.org at 2026-12-02T10:00:00Z (MP4 1, CHAT 2)`, for messages.
    pub fn describe(&self) -> String {
        let by = self
            .operator
            .as_deref()
            .map(|operator| format!(" by {operator}"))
            .unwrap_or_default();
        let files = if self.files.is_empty() {
            "the whole instance".to_owned()
        } else {
            self.files
                .iter()
                .map(ChangedFile::describe)
                .collect::<Vec<_>>()
                .join(", ")
        };
        format!(
            "{} in Zoom{by} at {} ({files})",
            self.kind.as_str(),
            self.at.to_rfc3339()
        )
    }
}

/// Adds `change` to `changes` unless it is there already; keeps the latest
/// [`MAX_CHANGES_KEPT`]. `false`: nothing to write.
pub fn note_change(changes: &mut Vec<ZoomChange>, change: &ZoomChange) -> bool {
    if changes.iter().any(|noted| noted.same_event(change)) {
        return false;
    }
    changes.push(change.clone());
    changes.sort_by_key(|noted| noted.at);
    let excess = changes.len().saturating_sub(MAX_CHANGES_KEPT);
    changes.drain(..excess);
    true
}

/// The removal that stands: the latest trash or delete not followed by a recovery.
pub fn removal_in_effect(changes: &[ZoomChange]) -> Option<&ZoomChange> {
    changes
        .iter()
        .filter(|change| change.kind.removes_copy() || change.kind == ChangeKind::Recovered)
        .max_by_key(|change| change.at)
        .filter(|change| change.kind.removes_copy())
}

/// The topic of the latest rename among `changes` (Zoom's deliveries may come out of order: the
/// times decide which rename stands).
pub fn latest_topic(changes: &[ZoomChange]) -> Option<&str> {
    changes
        .iter()
        .filter(|change| change.kind == ChangeKind::Renamed)
        .max_by_key(|change| change.at)
        .and_then(|change| change.topic.as_deref())
}

/// A change and the instance it concerns: the input of a `zoom-change` execution.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRequest {
    pub meeting_uuid: MeetingUuid,
    /// The event as Zoom named it (`recording.batch_trashed`, ...).
    pub event: String,
    pub change: ZoomChange,
}

/// Why a lifecycle event cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChangeEventError {
    #[error("{0:?} is not a recording lifecycle event")]
    NotAChange(String),
    #[error("the event has no event_ts, which tells one event from another")]
    NoTime,
    #[error("the event names no meeting uuid")]
    NoMeeting,
    #[error("a meeting uuid of the event is not one: {0}")]
    BadUuid(String),
    #[error("the rename gives no topic")]
    NoTopic,
    #[error("the batch names {0} instances, more than the {MAX_BATCH} one event may")]
    TooManyInstances(usize),
}

/// Most instances one batch event may name (Zoom's batch delete takes up to 30 uuids; the
/// bound keeps a forged body from starting thousands of executions).
pub const MAX_BATCH: usize = 300;

#[derive(Deserialize)]
struct Envelope {
    event: String,
    #[serde(default)]
    event_ts: Option<i64>,
    #[serde(default)]
    payload: Payload,
}

#[derive(Default, Deserialize)]
struct Payload {
    #[serde(default)]
    operator: Option<String>,
    #[serde(default)]
    object: Value,
    #[serde(default)]
    old_object: Value,
}

/// Reads a lifecycle event into one request per instance it names.
pub fn change_requests(body: &[u8]) -> Result<Vec<ChangeRequest>, ChangeEventError> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|_| ChangeEventError::NotAChange("a body that is not JSON".into()))?;
    let kind = ChangeKind::from_event(&envelope.event)
        .ok_or_else(|| ChangeEventError::NotAChange(envelope.event.clone()))?;
    let at = envelope
        .event_ts
        .and_then(DateTime::<Utc>::from_timestamp_millis)
        .ok_or(ChangeEventError::NoTime)?;
    let object = &envelope.payload.object;
    let uuids = instance_uuids(object)?;
    let (topic, previous_topic) = match kind {
        ChangeKind::Renamed => (
            Some(clean_topic(object["topic"].as_str().unwrap_or_default())?),
            envelope.payload.old_object["topic"]
                .as_str()
                .and_then(|old| clean_topic(old).ok()),
        ),
        _ => (None, None),
    };
    let change = ZoomChange {
        kind,
        at,
        operator: envelope.payload.operator.filter(|o| !o.trim().is_empty()),
        files: changed_files(object),
        topic,
        previous_topic,
    };
    Ok(uuids
        .into_iter()
        .map(|meeting_uuid| ChangeRequest {
            meeting_uuid,
            event: envelope.event.clone(),
            change: change.clone(),
        })
        .collect())
}

/// `object.uuid`, or a batch's `object.meeting_uuids`, each validated, duplicates dropped.
fn instance_uuids(object: &Value) -> Result<Vec<MeetingUuid>, ChangeEventError> {
    let raw: Vec<&str> = match (&object["uuid"], &object["meeting_uuids"]) {
        (Value::String(uuid), _) => vec![uuid.as_str()],
        (_, Value::Array(uuids)) => uuids.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    if raw.is_empty() {
        return Err(ChangeEventError::NoMeeting);
    }
    if raw.len() > MAX_BATCH {
        return Err(ChangeEventError::TooManyInstances(raw.len()));
    }
    let mut uuids = Vec::with_capacity(raw.len());
    for uuid in raw {
        let uuid = MeetingUuid::parse(uuid)
            .map_err(|error| ChangeEventError::BadUuid(error.to_string()))?;
        if !uuids.contains(&uuid) {
            uuids.push(uuid);
        }
    }
    Ok(uuids)
}

/// The recording and participant-audio files the event lists.
fn changed_files(object: &Value) -> Vec<ChangedFile> {
    let text = |file: &Value, name: &str| file[name].as_str().map(str::to_owned);
    ["recording_files", "participant_audio_files"]
        .into_iter()
        .filter_map(|list| object[list].as_array())
        .flatten()
        .map(|file| ChangedFile {
            file_id: text(file, "id"),
            file_type: text(file, "file_type"),
            recording_type: text(file, "recording_type"),
        })
        .collect()
}

/// A topic as the archive stores it: control and bidirectional-override characters removed
/// (they would garble a log line or a listing), trimmed, at most [`MAX_TOPIC_CHARS`]. The
/// topic is data only: keys never change with it.
pub fn clean_topic(raw: &str) -> Result<String, ChangeEventError> {
    let cleaned: String = raw
        .chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .collect();
    let cleaned: String = cleaned.trim().chars().take(MAX_TOPIC_CHARS).collect();
    if cleaned.is_empty() {
        return Err(ChangeEventError::NoTopic);
    }
    Ok(cleaned)
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}')
}

/// `change-<kind>-<first 40 hex of the uuid's SHA-256>-<event_ts ms>`: one execution per
/// event and instance (Zoom's retries carry the same `event_ts`), within Step Functions' 80.
pub fn change_execution_name(request: &ChangeRequest) -> String {
    format!(
        "change-{}-{}-{}",
        request.change.kind.as_str(),
        &request.meeting_uuid.sha256_hex()[..40],
        request.change.at.timestamp_millis()
    )
}

/// `recovered-<first 40 hex of the uuid's SHA-256>-<event_ts ms>`: the ingest a recovery
/// starts again, apart from the webhook's name (taken by the first ingest).
pub fn recovered_ingest_name(request: &ChangeRequest) -> String {
    format!(
        "recovered-{}-{}",
        &request.meeting_uuid.sha256_hex()[..40],
        request.change.at.timestamp_millis()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(value: Value) -> Vec<u8> {
        value.to_string().into_bytes()
    }

    #[test]
    fn a_per_file_trash_names_its_file_and_a_batch_every_instance() {
        let requests = change_requests(&body(json!({
            "event": "recording.trashed", "event_ts": 1_764_000_000_000_i64,
            "payload": {"operator": "admin@example.org", "object": {
                "uuid": "/ab//c==", "id": 1, "topic": "Board",
                "recording_files": [{"id": "f1", "file_type": "MP4", "recording_type": "speaker_view"}]
            }}
        })))
        .expect("readable");
        assert_eq!(requests.len(), 1);
        let change = &requests[0].change;
        assert_eq!(change.kind, ChangeKind::Trashed);
        assert_eq!(change.files[0].file_id.as_deref(), Some("f1"));
        assert_eq!(change.operator.as_deref(), Some("admin@example.org"));
        assert!(
            change.describe().contains("MP4 f1"),
            "{}",
            change.describe()
        );

        let batch = change_requests(&body(json!({
            "event": "recording.batch_recovered", "event_ts": 1_764_000_000_001_i64,
            "payload": {"object": {"meeting_uuids": ["a==", "b==", "a=="]}}
        })))
        .expect("readable");
        assert_eq!(batch.len(), 2, "duplicates dropped");
        assert!(batch.iter().all(|r| r.change.kind == ChangeKind::Recovered));
        assert_ne!(
            change_execution_name(&batch[0]),
            change_execution_name(&batch[1])
        );
    }

    #[test]
    fn wrong_events_are_named() {
        let read = |value: Value| change_requests(&body(value)).err();
        assert_eq!(
            read(json!({"event": "meeting.started", "event_ts": 1, "payload": {}})),
            Some(ChangeEventError::NotAChange("meeting.started".into()))
        );
        assert_eq!(
            read(json!({"event": "recording.trashed", "payload": {"object": {"uuid": "a=="}}})),
            Some(ChangeEventError::NoTime)
        );
        assert_eq!(
            read(json!({"event": "recording.deleted", "event_ts": 1, "payload": {"object": {}}})),
            Some(ChangeEventError::NoMeeting)
        );
        assert!(matches!(
            read(json!({"event": "recording.deleted", "event_ts": 1,
                        "payload": {"object": {"uuid": "a b"}}})),
            Some(ChangeEventError::BadUuid(_))
        ));
        assert_eq!(
            read(json!({"event": "recording.renamed", "event_ts": 1,
                        "payload": {"object": {"uuid": "a==", "topic": " \u{0007} "}}})),
            Some(ChangeEventError::NoTopic)
        );
        let many: Vec<String> = (0..=MAX_BATCH).map(|i| format!("u{i}==")).collect();
        assert_eq!(
            read(json!({"event": "recording.batch_deleted", "event_ts": 1,
                        "payload": {"object": {"meeting_uuids": many}}})),
            Some(ChangeEventError::TooManyInstances(MAX_BATCH + 1))
        );
    }

    #[test]
    fn a_hostile_topic_is_cleaned_and_bounded() {
        assert_eq!(
            clean_topic("  ../../etc/passwd\u{0000}\n\u{202E}gpj.exe  ").as_deref(),
            Ok("../../etc/passwdgpj.exe")
        );
        let long = "é".repeat(MAX_TOPIC_CHARS + 10);
        assert_eq!(
            clean_topic(&long).map(|t| t.chars().count()),
            Ok(MAX_TOPIC_CHARS)
        );
    }

    fn change(kind: ChangeKind, millis: i64) -> ZoomChange {
        ZoomChange {
            kind,
            at: DateTime::from_timestamp_millis(millis).expect("time"),
            operator: None,
            files: vec![],
            topic: None,
            previous_topic: None,
        }
    }

    #[test]
    fn a_change_is_noted_once_and_a_recovery_ends_a_removal() {
        let mut changes = Vec::new();
        assert!(note_change(&mut changes, &change(ChangeKind::Trashed, 10)));
        assert!(!note_change(&mut changes, &change(ChangeKind::Trashed, 10)));
        assert_eq!(
            removal_in_effect(&changes).map(|c| c.kind),
            Some(ChangeKind::Trashed)
        );
        assert!(note_change(
            &mut changes,
            &change(ChangeKind::Recovered, 20)
        ));
        assert_eq!(removal_in_effect(&changes), None);
        // Zoom's deliveries may arrive out of order: the times decide.
        assert!(note_change(&mut changes, &change(ChangeKind::Deleted, 5)));
        assert_eq!(removal_in_effect(&changes), None);
        for millis in 100..200 {
            note_change(&mut changes, &change(ChangeKind::Renamed, millis));
        }
        assert_eq!(changes.len(), MAX_CHANGES_KEPT);
        assert_eq!(changes[0].at.timestamp_millis(), 150, "the oldest go first");
    }

    #[test]
    fn execution_names_are_valid_and_stable() {
        let request = ChangeRequest {
            meeting_uuid: MeetingUuid::parse("/ab//c==").expect("uuid"),
            event: RECORDING_RECOVERED.into(),
            change: change(ChangeKind::Recovered, 1_764_000_000_000),
        };
        for name in [
            change_execution_name(&request),
            recovered_ingest_name(&request),
        ] {
            assert!(name.len() <= 80, "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            );
        }
        assert_eq!(
            change_execution_name(&request),
            change_execution_name(&request.clone())
        );
    }
}
