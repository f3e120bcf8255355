//! Zoom's cloud-recording model, shared by the `recording.completed` webhook object and the
//! REST answer of `GET /meetings/{uuid}/recordings`.
//!
//! Parsing is deliberately lenient: unknown fields are ignored, enumerations are open, every
//! field but the instance's `uuid` and `id` is optional (ZOOM.md: the spec and real payloads
//! disagree), a time or number Zoom sends in another shape (`""`, `"123"`) is read or left out
//! rather than failing the whole event, and a file entry that cannot be read at all is dropped
//! and counted, so the rest of the recording is still archived. A webhook answered 400 is never
//! sent again, so refusing a genuine event for one odd field would lose it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};

use super::open_enum::open_string_enum;
use super::{MeetingUuid, SecretString};

open_string_enum!(
    /// What a recording file holds (`file_type`).
    FileType {
        Mp4 => "MP4",
        M4a => "M4A",
        Chat => "CHAT",
        Transcript => "TRANSCRIPT",
        Csv => "CSV",
        Tb => "TB",
        Cc => "CC",
        ChatMessage => "CHAT_MESSAGE",
        Summary => "SUMMARY",
        Timeline => "TIMELINE",
    }
);

open_string_enum!(
    /// Which view or track a file records (`recording_type`).
    RecordingType {
        SharedScreenWithSpeakerView => "shared_screen_with_speaker_view",
        SharedScreenWithSpeakerViewCc => "shared_screen_with_speaker_view(CC)",
        SharedScreenWithGalleryView => "shared_screen_with_gallery_view",
        SpeakerView => "speaker_view",
        GalleryView => "gallery_view",
        SharedScreen => "shared_screen",
        AudioOnly => "audio_only",
        AudioTranscript => "audio_transcript",
        ChatFile => "chat_file",
        ActiveSpeaker => "active_speaker",
        Poll => "poll",
        Timeline => "timeline",
        ClosedCaption => "closed_caption",
        Summary => "summary",
    }
);

/// Whether an instance is a meeting or a webinar: Zoom keeps their metadata under different
/// endpoints (`/meetings`, `/past_meetings` or `/webinars`, `/past_webinars`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    #[default]
    Meeting,
    Webinar,
}

impl MeetingKind {
    /// The kind Zoom's meeting `type` names: 5 (webinar), 6 (recurring webinar without a fixed
    /// time) and 9 (recurring webinar with a fixed time) are webinars; any other or no type is
    /// taken for a meeting until Zoom's meeting endpoints say otherwise.
    pub fn from_type(meeting_type: Option<i64>) -> Self {
        match meeting_type {
            Some(5 | 6 | 9) => Self::Webinar,
            _ => Self::Meeting,
        }
    }
}

/// One meeting instance with its recording files.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MeetingRecordings {
    /// The instance's uuid: what we archive by.
    pub uuid: MeetingUuid,
    /// The meeting number, shared by every instance of a recurring meeting (exceeds 32 bits).
    #[serde(deserialize_with = "number_or_numeric_string")]
    pub id: i64,
    #[serde(default, deserialize_with = "lenient_text")]
    pub account_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub host_email: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub topic: Option<String>,
    /// Meeting type: a number in webhooks, a string in REST answers.
    #[serde(default, rename = "type", deserialize_with = "lenient_number")]
    pub meeting_type: Option<i64>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub timezone: Option<String>,
    /// Minutes; 0 is common for short meetings.
    #[serde(default, deserialize_with = "lenient_number")]
    pub duration: Option<i64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub total_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_number")]
    pub recording_count: Option<u32>,
    #[serde(default)]
    pub share_url: Option<String>,
    #[serde(default)]
    pub password: Option<SecretString>,
    #[serde(default)]
    pub recording_play_passcode: Option<SecretString>,
    /// Only in REST answers asked with `include_fields=download_access_token`.
    #[serde(default)]
    pub download_access_token: Option<SecretString>,
    #[serde(default, deserialize_with = "readable_files")]
    pub recording_files: Vec<RecordingFile>,
    /// Only when per-participant audio is on.
    #[serde(default, deserialize_with = "readable_files")]
    pub participant_audio_files: Vec<RecordingFile>,
}

/// One downloadable file of a meeting instance.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecordingFile {
    #[serde(default, deserialize_with = "lenient_text")]
    pub id: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub meeting_id: Option<String>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub recording_start: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub recording_end: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "lenient_text_as")]
    pub file_type: Option<FileType>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub file_extension: Option<String>,
    /// Participant audio files carry a name instead of a recording type.
    #[serde(default, deserialize_with = "lenient_text")]
    pub file_name: Option<String>,
    /// Bytes, when Zoom states it.
    #[serde(default, deserialize_with = "lenient_number")]
    pub file_size: Option<u64>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub play_url: Option<String>,
    /// Empty when Zoom gave none: such a file cannot be copied from this listing.
    #[serde(default, deserialize_with = "text_or_empty")]
    pub download_url: String,
    #[serde(default, deserialize_with = "lenient_text")]
    pub file_path: Option<String>,
    #[serde(default, deserialize_with = "lenient_text")]
    pub status: Option<String>,
    #[serde(default, deserialize_with = "lenient_text_as")]
    pub recording_type: Option<RecordingType>,
    #[serde(default, deserialize_with = "lenient_time")]
    pub deleted_time: Option<DateTime<Utc>>,
}

impl MeetingRecordings {
    /// Every file of the instance: the recording files, then per-participant audio.
    pub fn all_files(&self) -> impl Iterator<Item = &RecordingFile> {
        self.recording_files
            .iter()
            .chain(self.participant_audio_files.iter())
    }

    /// Whether this listing names every file Zoom holds with what a copy needs (a download URL
    /// and a size), so it can be used without asking Zoom's REST API.
    pub fn is_complete_listing(&self) -> bool {
        !self.recording_files.is_empty()
            && self
                .all_files()
                .all(|file| file.file_size.is_some() && file.is_downloadable())
            && self.recording_count.is_none_or(|count| {
                usize::try_from(count).is_ok_and(|count| count <= self.all_files().count())
            })
    }
}

impl RecordingFile {
    /// A file entry that could not be read: nothing known, nothing to download.
    fn unreadable() -> Self {
        Self {
            id: None,
            meeting_id: None,
            recording_start: None,
            recording_end: None,
            file_type: None,
            file_extension: None,
            file_name: None,
            file_size: None,
            play_url: None,
            download_url: String::new(),
            file_path: None,
            status: None,
            recording_type: None,
            deleted_time: None,
        }
    }

    /// Whether the listing says where to download it from.
    pub fn is_downloadable(&self) -> bool {
        !self.download_url.trim().is_empty()
    }

    /// The content type to store when the download does not name one.
    pub fn fallback_content_type(&self) -> &'static str {
        match &self.file_type {
            Some(FileType::Mp4) => "video/mp4",
            Some(FileType::M4a) => "audio/mp4",
            Some(FileType::Transcript | FileType::Cc) => "text/vtt",
            Some(FileType::Chat | FileType::ChatMessage) => "text/plain",
            Some(FileType::Csv) => "text/csv",
            Some(FileType::Timeline | FileType::Summary) => "application/json",
            _ => "application/octet-stream",
        }
    }

    /// True for the files `recording.transcript_completed` announces.
    pub fn is_transcript(&self) -> bool {
        matches!(self.file_type, Some(FileType::Transcript | FileType::Cc))
    }
}

/// The meeting number: `1` or `"1"`; anything else is an error (an instance cannot do
/// without it: folders and the scheduled meeting are found by it).
fn number_or_numeric_string<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    let not_a_number = |got: String| {
        serde::de::Error::custom(format!("the meeting id must be a number, got {got}"))
    };
    match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(n) => n.as_i64().ok_or_else(|| not_a_number(n.to_string())),
        serde_json::Value::String(text) => text
            .trim()
            .parse()
            .map_err(|_| not_a_number(format!("{text:?}"))),
        other => Err(not_a_number(other.to_string())),
    }
}

/// A number, or a string holding one; anything else (null, `""`, `"n/a"`, a negative size)
/// reads as absent.
fn lenient_number<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: std::str::FromStr,
{
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Number(n) => n.to_string().parse().ok(),
        serde_json::Value::String(text) => text.trim().parse().ok(),
        _ => None,
    })
}

/// An RFC 3339 time; `""`, null or anything unparsable reads as absent.
fn lenient_time<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<DateTime<Utc>>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) => DateTime::parse_from_rfc3339(text.trim())
            .ok()
            .map(|time| time.with_timezone(&Utc)),
        _ => None,
    })
}

/// A string (a number is kept as its text); `""`, null, lists and objects read as absent.
fn lenient_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::String(text) if !text.trim().is_empty() => Some(text),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// [`lenient_text`] into an open enumeration.
fn lenient_text_as<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: for<'a> From<&'a str>,
{
    Ok(lenient_text(deserializer)?.map(|text| T::from(text.as_str())))
}

/// [`lenient_text`], empty when absent.
fn text_or_empty<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    Ok(lenient_text(deserializer)?.unwrap_or_default())
}

/// Every entry of a file list; one that is not a file at all (a number, a string) stays as an
/// unreadable file, with no id and no download URL, so the listing counts as incomplete and no
/// one mistakes it for everything Zoom holds.
fn readable_files<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Vec<RecordingFile>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Array(entries) => entries
            .into_iter()
            .map(|entry| {
                serde_json::from_value(entry).unwrap_or_else(|_| RecordingFile::unreadable())
            })
            .collect(),
        _ => Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_enums_keep_unknown_values() {
        assert_eq!(FileType::from("MP4"), FileType::Mp4);
        let unknown: FileType = serde_json::from_str("\"HOLOGRAM\"").expect("parses");
        assert_eq!(unknown, FileType::Other("HOLOGRAM".into()));
        assert_eq!(
            serde_json::to_string(&unknown).expect("serializes"),
            "\"HOLOGRAM\""
        );
        assert_eq!(RecordingType::from("timeline"), RecordingType::Timeline);
    }

    #[test]
    fn meeting_type_is_a_number_or_a_numeric_string() {
        for body in [
            r#"{"uuid":"u","id":1,"type":2}"#,
            r#"{"uuid":"u","id":1,"type":"2"}"#,
        ] {
            let meeting: MeetingRecordings = serde_json::from_str(body).expect(body);
            assert_eq!(meeting.meeting_type, Some(2));
        }
        let odd: MeetingRecordings =
            serde_json::from_str(r#"{"uuid":"u","id":1,"type":"x"}"#).expect("parses");
        assert_eq!(odd.meeting_type, None);
    }

    #[test]
    fn a_file_needs_nothing_and_without_a_url_is_not_downloadable() {
        let file: RecordingFile =
            serde_json::from_str(r#"{"download_url":"https://zoom.us/rec/download/x"}"#)
                .expect("parses");
        assert!(file.id.is_none() && file.file_size.is_none() && file.file_type.is_none());
        assert!(file.is_downloadable());
        let bare: RecordingFile = serde_json::from_str(r#"{"id":"x"}"#).expect("parses");
        assert!(!bare.is_downloadable());
    }

    #[test]
    fn odd_shapes_are_read_or_left_out_never_fatal() {
        let meeting: MeetingRecordings = serde_json::from_value(serde_json::json!({
            "uuid": "u==", "id": "88031573992", "type": "x", "topic": "", "start_time": "",
            "duration": "45", "total_size": -1, "recording_count": "2", "brand_new_field": {"a": 1},
            "recording_files": [
                {"id": 7, "file_type": "HOLOGRAM", "file_size": "1024", "recording_start": "",
                 "recording_end": "yesterday", "download_url": "https://zoom.us/rec/download/a",
                 "status": null, "unknown": [1, 2]},
                42,
                {"id": "c", "file_type": "CHAT", "file_size": 3, "download_url": "https://zoom.us/rec/download/c"}
            ]
        }))
        .expect("a genuine event with odd fields still parses");
        assert_eq!(meeting.id, 88_031_573_992);
        assert_eq!(
            (meeting.meeting_type, meeting.topic.as_deref()),
            (None, None)
        );
        assert_eq!((meeting.start_time, meeting.duration), (None, Some(45)));
        assert_eq!(meeting.total_size, None);
        let first = &meeting.recording_files[0];
        assert_eq!(first.id.as_deref(), Some("7"));
        assert_eq!(first.file_type, Some(FileType::Other("HOLOGRAM".into())));
        assert_eq!(first.file_size, Some(1024));
        assert!(first.recording_start.is_none() && first.recording_end.is_none());
        assert_eq!(
            meeting.recording_files.len(),
            3,
            "the unreadable entry is kept as such"
        );
        assert!(!meeting.recording_files[1].is_downloadable());
        assert!(
            !meeting.is_complete_listing(),
            "an unreadable entry: ask the REST API"
        );
        assert!(
            serde_json::from_value::<MeetingRecordings>(
                serde_json::json!({"uuid": "u==", "id": "x"})
            )
            .is_err()
        );
        assert!(serde_json::from_value::<MeetingRecordings>(serde_json::json!({"id": 1})).is_err());
    }
}
