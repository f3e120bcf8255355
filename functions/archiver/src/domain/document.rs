//! The recording document, `recording.json` in a meeting's folder: what was archived, where,
//! and how it was verified. The table can be rebuilt from these documents, and an operator may
//! edit one and reindex it, so it is versioned and validated.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::layout::RECORDING_DOCUMENT_FILE;
use super::status::RecordingStatus;
use super::trash::KeptInZoom;
use super::zoom_change::ZoomChange;
use super::{MeetingKind, MeetingUuid};

/// The version this code writes and reads.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordingDocument {
    pub schema_version: u32,
    pub meeting: MeetingSummary,
    /// The meeting's S3 folder; every key below lies in it.
    pub folder: String,
    pub files: Vec<DocumentFile>,
    #[serde(default)]
    pub participants: Option<ParticipantsSummary>,
    /// Keys of the metadata copied from Zoom.
    #[serde(default)]
    pub metadata: MetadataKeys,
    pub archived_at: DateTime<Utc>,
    #[serde(default)]
    pub execution_arn: Option<String>,
    /// Retention for this recording; `None` follows the global policy.
    #[serde(default)]
    pub disposition: Option<Disposition>,
    /// When the Zoom copy went to Zoom's trash, every file verified in S3 first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trashed_at: Option<DateTime<Utc>>,
    /// When retention removed the files; the document stays behind as a tombstone, so neither
    /// a scan nor a rebuilt table ever archives the recording again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<DateTime<Utc>>,
    /// Files the trash step left in Zoom (not archived, left out by a rule, still processing),
    /// and why; empty when the whole instance went to Zoom's trash.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub kept_in_zoom: Vec<KeptInZoom>,
    /// What Zoom said happened to its copy since (trashed, deleted, recovered, renamed), oldest
    /// first: history, which an edit cannot change.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zoom_changes: Vec<ZoomChange>,
}

/// The meeting instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSummary {
    pub uuid: MeetingUuid,
    pub id: i64,
    /// A meeting or a webinar (documents written before webinars were told apart say nothing:
    /// they are meetings).
    #[serde(default)]
    pub kind: MeetingKind,
    #[serde(default)]
    pub topic: Option<String>,
    #[serde(default)]
    pub meeting_type: Option<i64>,
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub duration_minutes: Option<i64>,
    #[serde(default)]
    pub timezone: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub host_email: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
}

/// One archived file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentFile {
    #[serde(default)]
    pub file_id: Option<String>,
    #[serde(default)]
    pub file_type: Option<String>,
    #[serde(default)]
    pub file_extension: Option<String>,
    #[serde(default)]
    pub recording_type: Option<String>,
    #[serde(default)]
    pub file_name: Option<String>,
    #[serde(default)]
    pub recording_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub recording_end: Option<DateTime<Utc>>,
    pub key: String,
    pub size: u64,
    pub content_type: String,
    /// Base64 SHA-256 (whole object), or S3's composite `...-N` for multipart objects.
    #[serde(default)]
    pub checksum_sha256: Option<String>,
}

/// Who attended, without the list itself (that is `participants.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParticipantsSummary {
    pub count: u64,
    pub key: String,
}

/// Keys of the Zoom metadata stored beside the files.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MetadataKeys {
    #[serde(default)]
    pub webhook: Option<String>,
    #[serde(default)]
    pub past_meeting: Option<String>,
    #[serde(default)]
    pub meeting: Option<String>,
    /// A webinar's: `GET /report/webinars/{uuid}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub past_webinar: Option<String>,
    /// A webinar's: `GET /webinars/{id}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panelists: Option<String>,
    /// Questions and answers; absent where the webinar had none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qa: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub polls: Option<String>,
}

impl MetadataKeys {
    /// Each key with its field name.
    pub fn named(&self) -> [(&'static str, &Option<String>); 8] {
        [
            ("webhook", &self.webhook),
            ("past_meeting", &self.past_meeting),
            ("meeting", &self.meeting),
            ("past_webinar", &self.past_webinar),
            ("webinar", &self.webinar),
            ("panelists", &self.panelists),
            ("qa", &self.qa),
            ("polls", &self.polls),
        ]
    }
}

/// Retention for one recording.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "policy", rename_all = "snake_case")]
pub enum Disposition {
    /// Never expire.
    KeepForever,
    /// Expire on or after this time.
    DeleteAfter { at: DateTime<Utc> },
}

impl From<&super::MeetingRecordings> for MeetingSummary {
    fn from(meeting: &super::MeetingRecordings) -> Self {
        Self {
            uuid: meeting.uuid.clone(),
            id: meeting.id,
            kind: MeetingKind::from_type(meeting.meeting_type),
            topic: meeting.topic.clone(),
            meeting_type: meeting.meeting_type,
            start_time: meeting.start_time,
            duration_minutes: meeting.duration,
            timezone: meeting.timezone.clone(),
            host_id: meeting.host_id.clone(),
            host_email: meeting.host_email.clone(),
            account_id: meeting.account_id.clone(),
        }
    }
}

impl RecordingDocument {
    /// Parses an edited or stored document, listing every problem at once: each missing or
    /// mistyped required field, then the structural problems of [`Self::problems`].
    pub fn from_json(value: &serde_json::Value) -> Result<Self, Vec<String>> {
        let mut problems = missing_fields(value);
        if !problems.is_empty() {
            return Err(problems);
        }
        let document: Self = match serde_json::from_value(value.clone()) {
            Ok(document) => document,
            Err(error) => return Err(vec![format!("not a recording document: {error}")]),
        };
        problems.extend(document.problems());
        if problems.is_empty() {
            Ok(document)
        } else {
            Err(problems)
        }
    }

    /// The status the document stands for: retention and the trash leave their mark in it.
    pub fn status(&self) -> RecordingStatus {
        if self.expired_at.is_some() {
            RecordingStatus::Expired
        } else if self.trashed_at.is_some() {
            RecordingStatus::Trashed
        } else {
            RecordingStatus::Archived
        }
    }

    /// Where the document itself lives.
    pub fn document_key(&self) -> String {
        format!("{}/{RECORDING_DOCUMENT_FILE}", self.folder)
    }

    /// Every object the document names besides itself: its media, the participants list and
    /// the Zoom metadata. These, and only these, belong to the recording.
    pub fn object_keys(&self) -> Vec<&str> {
        let metadata = self.metadata.named().into_iter().map(|(_, key)| key);
        self.files
            .iter()
            .map(|file| file.key.as_str())
            .chain(self.participants.iter().map(|p| p.key.as_str()))
            .chain(metadata.flatten().map(String::as_str))
            .collect()
    }

    /// Every structural problem of the document (an empty list means valid). Whether the keys
    /// exist in the bucket with those sizes is checked by whoever holds an S3 client.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        if self.schema_version != SCHEMA_VERSION {
            problems.push(format!(
                "schema_version is {}, this archiver reads {SCHEMA_VERSION}",
                self.schema_version
            ));
        }
        if self.folder.trim().is_empty()
            || self.folder.starts_with('/')
            || self.folder.ends_with('/')
        {
            problems.push(format!("folder {:?} is not a folder key", self.folder));
        }
        if self.files.is_empty() {
            problems.push("files is empty".into());
        }
        if !is_plain_key(&self.folder) {
            problems.push(format!(
                "folder {:?} has an empty, '.' or '..' segment or a control character",
                self.folder
            ));
        }
        let document_key = self.document_key();
        let outside = |key: &str| {
            !(key.starts_with(&format!("{}/", self.folder)) && is_plain_key(key))
                || key == document_key
        };
        for (index, file) in self.files.iter().enumerate() {
            if outside(&file.key) {
                problems.push(format!(
                    "files[{index}].key {:?} is outside the folder",
                    file.key
                ));
            }
            if file.content_type.trim().is_empty() {
                problems.push(format!("files[{index}].content_type is empty"));
            }
        }
        let mut keys: Vec<&str> = self.files.iter().map(|f| f.key.as_str()).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|pair| pair[0] == pair[1]) {
            problems.push("two files share a key".into());
        }
        if let Some(participants) = &self.participants {
            if outside(&participants.key) {
                problems.push(format!(
                    "participants.key {:?} is outside the folder",
                    participants.key
                ));
            }
        }
        for (name, key) in self.metadata.named() {
            if let Some(key) = key.as_deref().filter(|key| outside(key)) {
                problems.push(format!("metadata.{name} {key:?} is outside the folder"));
            }
        }
        problems
    }
}

/// A key S3 would store as written and a person reads the same way: no empty, `.` or `..`
/// segment (which some tools resolve), no control character.
fn is_plain_key(key: &str) -> bool {
    !key.chars().any(char::is_control)
        && key
            .split('/')
            .all(|segment| !matches!(segment, "" | "." | ".."))
}

/// The JSON type a required field must have.
#[derive(Clone, Copy)]
enum Expected {
    Number,
    Text,
    Object,
    List,
}

impl Expected {
    fn matches(self, value: &serde_json::Value) -> bool {
        match self {
            Self::Number => value.is_u64() || value.is_i64(),
            Self::Text => value.as_str().is_some_and(|s| !s.trim().is_empty()),
            Self::Object => value.is_object(),
            Self::List => value.is_array(),
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Number => "a whole number",
            Self::Text => "a non-empty string",
            Self::Object => "an object",
            Self::List => "a list",
        }
    }
}

fn check_fields(
    value: &serde_json::Value,
    path: &str,
    fields: &[(&str, Expected)],
    problems: &mut Vec<String>,
) {
    for (name, expected) in fields {
        match value.get(name) {
            None | Some(serde_json::Value::Null) => {
                problems.push(format!("{path}{name} is missing"));
            }
            Some(found) if !expected.matches(found) => {
                problems.push(format!("{path}{name} must be {}", expected.name()));
            }
            Some(_) => {}
        }
    }
}

/// Every required field that is missing or of the wrong type, by its path.
fn missing_fields(value: &serde_json::Value) -> Vec<String> {
    use Expected::{List, Number, Object, Text};
    let mut problems = Vec::new();
    if !value.is_object() {
        return vec!["the document must be a JSON object".into()];
    }
    check_fields(
        value,
        "",
        &[
            ("schema_version", Number),
            ("meeting", Object),
            ("folder", Text),
            ("files", List),
            ("archived_at", Text),
        ],
        &mut problems,
    );
    if let Some(meeting) = value.get("meeting").filter(|m| m.is_object()) {
        check_fields(
            meeting,
            "meeting.",
            &[("uuid", Text), ("id", Number)],
            &mut problems,
        );
    }
    let files = value.get("files").and_then(serde_json::Value::as_array);
    for (index, file) in files.into_iter().flatten().enumerate() {
        check_fields(
            file,
            &format!("files[{index}]."),
            &[("key", Text), ("size", Number), ("content_type", Text)],
            &mut problems,
        );
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document() -> RecordingDocument {
        serde_json::from_value(serde_json::json!({
            "schema_version": 1,
            "meeting": {"uuid": "DUZke5GtTtuQlcx4mUo0Xw==", "id": 88031573992_i64, "topic": "Board meeting",
                        "start_time": "2026-11-20T14:00:00Z", "host_email": "alice@example.org"},
            "folder": "recordings/2026/11/20/Board-meeting-88031573992-0123456789abcdef",
            "files": [{"file_id": "f1", "file_type": "MP4", "key": "recordings/2026/11/20/Board-meeting-88031573992-0123456789abcdef/a.mp4",
                       "size": 314572800_u64, "content_type": "video/mp4", "checksum_sha256": "abc=-3"}],
            "participants": {"count": 4, "key": "recordings/2026/11/20/Board-meeting-88031573992-0123456789abcdef/participants.json"},
            "archived_at": "2026-11-20T15:00:00Z",
            "disposition": {"policy": "delete_after", "at": "2030-01-01T00:00:00Z"}
        }))
        .expect("valid document")
    }

    #[test]
    fn a_document_round_trips_and_is_valid() {
        let doc = document();
        let json = serde_json::to_string(&doc).expect("serializes");
        assert_eq!(
            serde_json::from_str::<RecordingDocument>(&json).expect("parses"),
            doc
        );
        assert!(doc.problems().is_empty(), "{:?}", doc.problems());
        assert!(matches!(
            doc.disposition,
            Some(Disposition::DeleteAfter { .. })
        ));
    }

    #[test]
    fn every_problem_is_listed() {
        let mut doc = document();
        doc.schema_version = 9;
        doc.files[0].key = "elsewhere/a.mp4".into();
        doc.files[0].content_type = String::new();
        doc.files.push(doc.files[0].clone());
        let problems = doc.problems();
        assert_eq!(problems.len(), 6, "{problems:#?}");
        assert!(problems[0].contains("schema_version"));
        assert!(problems.iter().any(|p| p.contains("share a key")));
    }

    #[test]
    fn every_missing_field_is_named_by_its_path() {
        let mut value = serde_json::to_value(document()).expect("serializes");
        value.as_object_mut().map(|o| o.remove("archived_at"));
        value["meeting"].as_object_mut().map(|o| o.remove("uuid"));
        value["files"][0]["size"] = serde_json::json!("big");
        let problems = RecordingDocument::from_json(&value).expect_err("invalid");
        assert_eq!(
            problems,
            vec![
                "archived_at is missing",
                "meeting.uuid is missing",
                "files[0].size must be a whole number"
            ]
        );
        let valid = serde_json::to_value(document()).expect("serializes");
        assert_eq!(RecordingDocument::from_json(&valid), Ok(document()));
    }

    #[test]
    fn the_document_tells_its_status() {
        let mut doc = document();
        assert_eq!(doc.status(), RecordingStatus::Archived);
        doc.trashed_at = Some(doc.archived_at);
        assert_eq!(doc.status(), RecordingStatus::Trashed);
        doc.expired_at = Some(doc.archived_at);
        assert_eq!(doc.status(), RecordingStatus::Expired);
    }
}
