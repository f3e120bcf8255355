//! Zoom's cloud-recording model, shared by the `recording.completed` webhook object and the
//! REST answer of `GET /meetings/{uuid}/recordings`.
//!
//! Parsing is deliberately lenient: unknown fields are ignored, enumerations are open, and every
//! file field but `download_url` is optional (ZOOM.md: the spec and real payloads disagree).

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

/// One meeting instance with its recording files.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MeetingRecordings {
    /// The instance's uuid: what we archive by.
    pub uuid: MeetingUuid,
    /// The meeting number, shared by every instance of a recurring meeting (exceeds 32 bits).
    pub id: i64,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub host_id: Option<String>,
    #[serde(default)]
    pub host_email: Option<String>,
    #[serde(default)]
    pub topic: Option<String>,
    /// Meeting type: a number in webhooks, a string in REST answers.
    #[serde(
        default,
        rename = "type",
        deserialize_with = "number_or_numeric_string"
    )]
    pub meeting_type: Option<i64>,
    #[serde(default)]
    pub start_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub timezone: Option<String>,
    /// Minutes; 0 is common for short meetings.
    #[serde(default)]
    pub duration: Option<i64>,
    #[serde(default)]
    pub total_size: Option<u64>,
    #[serde(default)]
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
    #[serde(default)]
    pub recording_files: Vec<RecordingFile>,
    /// Only when per-participant audio is on.
    #[serde(default)]
    pub participant_audio_files: Vec<RecordingFile>,
}

/// One downloadable file of a meeting instance.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RecordingFile {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub meeting_id: Option<String>,
    #[serde(default)]
    pub recording_start: Option<DateTime<Utc>>,
    #[serde(default)]
    pub recording_end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub file_type: Option<FileType>,
    #[serde(default)]
    pub file_extension: Option<String>,
    /// Participant audio files carry a name instead of a recording type.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Bytes, when Zoom states it.
    #[serde(default)]
    pub file_size: Option<u64>,
    #[serde(default)]
    pub play_url: Option<String>,
    pub download_url: String,
    #[serde(default)]
    pub file_path: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub recording_type: Option<RecordingType>,
    #[serde(default)]
    pub deleted_time: Option<DateTime<Utc>>,
}

impl MeetingRecordings {
    /// Every file of the instance: the recording files, then per-participant audio.
    pub fn all_files(&self) -> impl Iterator<Item = &RecordingFile> {
        self.recording_files
            .iter()
            .chain(self.participant_audio_files.iter())
    }
}

impl RecordingFile {
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

/// Accepts `1`, `"1"` or null; anything else is an error.
fn number_or_numeric_string<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<i64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum NumberOrString {
        Number(i64),
        Text(String),
    }
    match Option::<NumberOrString>::deserialize(deserializer)? {
        None => Ok(None),
        Some(NumberOrString::Number(n)) => Ok(Some(n)),
        Some(NumberOrString::Text(text)) => text
            .parse()
            .map(Some)
            .map_err(|_| serde::de::Error::custom(format!("expected a number, got {text:?}"))),
    }
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
        assert!(
            serde_json::from_str::<MeetingRecordings>(r#"{"uuid":"u","id":1,"type":"x"}"#).is_err()
        );
    }

    #[test]
    fn a_file_needs_only_its_download_url() {
        let file: RecordingFile =
            serde_json::from_str(r#"{"download_url":"https://zoom.us/rec/download/x"}"#)
                .expect("parses");
        assert!(file.id.is_none() && file.file_size.is_none() && file.file_type.is_none());
        assert!(serde_json::from_str::<RecordingFile>(r#"{"id":"x"}"#).is_err());
    }
}
