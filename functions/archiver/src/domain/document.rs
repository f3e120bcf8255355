//! The recording document, `recording.json` in a meeting's folder: what was archived, where,
//! and how it was verified. The table can be rebuilt from these documents, and an operator may
//! edit one and reindex it, so it is versioned and validated.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::MeetingUuid;

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
}

/// The meeting instance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingSummary {
    pub uuid: MeetingUuid,
    pub id: i64,
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
        let inside = |key: &str| key.starts_with(&format!("{}/", self.folder));
        for (index, file) in self.files.iter().enumerate() {
            if !inside(&file.key) {
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
            if !inside(&participants.key) {
                problems.push(format!(
                    "participants.key {:?} is outside the folder",
                    participants.key
                ));
            }
        }
        problems
    }
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
}
