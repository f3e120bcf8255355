//! Where a meeting's objects live in S3: a folder per meeting instance, rendered from the
//! configurable [`KeyTemplate`], and a name per file.
//!
//! Keys must be safe (no `..` segment, no control character, no empty segment, bounded length)
//! and unique: the folder carries a hash of the instance's uuid, and every media file name
//! carries the Zoom file id (or, when Zoom gives none, its start time), because one meeting can
//! hold several files of the same type.

use chrono::{DateTime, Utc};

use super::{MeetingRecordings, RecordingFile};

/// The webhook body, secrets removed.
pub const WEBHOOK_FILE: &str = "webhook.json";
/// `GET /past_meetings/{uuid}`.
pub const PAST_MEETING_FILE: &str = "past_meeting.json";
/// `GET /meetings/{id}`: the scheduled meeting, when Zoom still has one.
pub const MEETING_FILE: &str = "meeting.json";
/// Every participant (a webinar's attendees), all pages.
pub const PARTICIPANTS_FILE: &str = "participants.json";
/// A webinar's `GET /report/webinars/{uuid}`: the past instance's details.
pub const PAST_WEBINAR_FILE: &str = "past_webinar.json";
/// A webinar's `GET /webinars/{id}`: the scheduled webinar, when Zoom still has one.
pub const WEBINAR_FILE: &str = "webinar.json";
/// A webinar's `GET /webinars/{id}/panelists`.
pub const PANELISTS_FILE: &str = "panelists.json";
/// A webinar's `GET /past_webinars/{uuid}/qa`.
pub const QA_FILE: &str = "qa.json";
/// A webinar's `GET /past_webinars/{uuid}/polls`.
pub const POLLS_FILE: &str = "polls.json";
/// The recording document.
pub const RECORDING_DOCUMENT_FILE: &str = "recording.json";

/// Where the pipeline keeps its own working files (the ingest's file manifests), apart from every
/// recording: no folder can start with a `.` (placeholders never render one, and a template may
/// not begin with one), and the bucket's lifecycle expires what is under it.
pub const WORKING_PREFIX: &str = ".pipeline/";

/// The key of an execution's file manifest (see `pipeline::FileManifest`), named after the
/// execution (the last part of its ARN), which Step Functions keeps unique for 90 days.
pub fn manifest_key(execution_arn: &str) -> String {
    let name = execution_arn.rsplit(':').next().unwrap_or(execution_arn);
    let name = slug(name, MAX_SEGMENT_BYTES);
    format!(
        "{WORKING_PREFIX}ingest/{}/files.json",
        or_placeholder(&name, "unnamed")
    )
}

/// Longest rendered folder, in bytes; S3 allows 1024 for a whole key.
const MAX_FOLDER_BYTES: usize = 600;
/// Longest single segment of a folder, in bytes.
const MAX_SEGMENT_BYTES: usize = 200;
/// Longest topic part of a key, in bytes.
const MAX_TOPIC_BYTES: usize = 80;
/// Hex digits of the uuid's SHA-256 in a folder name: 64 bits, ample to keep instances apart.
const UUID_HASH_DIGITS: usize = 16;

/// The template of a meeting's S3 folder, with placeholders `{year}`, `{month}`, `{day}`,
/// `{topic}`, `{meeting_id}`, `{uuid_hash}` and `{host_email}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyTemplate(String);

impl KeyTemplate {
    /// The placeholders a template may use.
    pub const PLACEHOLDERS: [&'static str; 7] = [
        "year",
        "month",
        "day",
        "topic",
        "meeting_id",
        "uuid_hash",
        "host_email",
    ];

    /// Checks that every `{...}` is a known placeholder and that `{uuid_hash}` is present, since
    /// it is what keeps two instances of the same meeting apart.
    pub fn parse(template: &str) -> Result<Self, String> {
        let mut rest = template;
        while let Some(open) = rest.find('{') {
            let after = &rest[open + 1..];
            let close = after
                .find('}')
                .ok_or_else(|| "an unclosed '{'".to_owned())?;
            let name = &after[..close];
            if !Self::PLACEHOLDERS.contains(&name) {
                return Err(format!("unknown placeholder {{{name}}}"));
            }
            rest = &after[close + 1..];
        }
        if !template.contains("{uuid_hash}") {
            return Err("no {uuid_hash} (needed to keep meeting instances apart)".into());
        }
        if template.starts_with('/') || template.split('/').any(|segment| segment == "..") {
            return Err("a leading '/' or a '..' segment".into());
        }
        if template.starts_with('.') {
            return Err(format!(
                "a leading '.' (the pipeline keeps its working files under {WORKING_PREFIX})"
            ));
        }
        Ok(Self(template.to_owned()))
    }

    /// The template text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The folder of one meeting instance.
    pub fn render(&self, meeting: &MeetingRecordings) -> MeetingFolder {
        let (year, month, day) = match meeting.start_time {
            Some(start) => (
                start.format("%Y").to_string(),
                start.format("%m").to_string(),
                start.format("%d").to_string(),
            ),
            None => ("undated".into(), "00".into(), "00".into()),
        };
        let topic = slug(
            meeting.topic.as_deref().unwrap_or_default(),
            MAX_TOPIC_BYTES,
        );
        let host = slug(
            &meeting
                .host_email
                .as_deref()
                .unwrap_or_default()
                .replace('@', "-at-"),
            MAX_TOPIC_BYTES,
        );
        let uuid_hash = &meeting.uuid.sha256_hex()[..UUID_HASH_DIGITS];
        let rendered = self
            .0
            .replace("{year}", &year)
            .replace("{month}", &month)
            .replace("{day}", &day)
            .replace("{topic}", or_placeholder(&topic, "untitled"))
            .replace("{meeting_id}", &meeting.id.to_string())
            .replace("{uuid_hash}", uuid_hash)
            .replace("{host_email}", or_placeholder(&host, "unknown-host"));
        MeetingFolder(safe_folder(&rendered, uuid_hash))
    }
}

/// A meeting instance's folder in the bucket (no trailing `/`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MeetingFolder(String);

impl MeetingFolder {
    /// A folder this archiver rendered before, as the table or a document recorded it.
    pub fn from_stored(folder: &str) -> Self {
        Self(folder.trim_end_matches('/').to_owned())
    }

    /// The folder itself.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The key of `name` inside the folder.
    pub fn key(&self, name: &str) -> String {
        format!("{}/{name}", self.0)
    }

    /// The key of a recording file; `index` is its position in the meeting's file list, used only
    /// when Zoom gives the file neither an id nor a start time.
    pub fn media_key(&self, file: &RecordingFile, index: usize) -> String {
        self.key(&media_file_name(file, index))
    }
}

/// A file's name: what it is, when it starts, its Zoom id, its extension, e.g.
/// `shared_screen_with_speaker_view-20251120T140000Z-6606c8c8-9ab6-4700-8562-4685827be2ef.mp4`.
pub fn media_file_name(file: &RecordingFile, index: usize) -> String {
    let kind = match (&file.recording_type, &file.file_name) {
        (Some(recording_type), _) => slug(recording_type.as_str(), 60),
        (None, Some(name)) => format!("participant-audio-{}", slug(name, 60)),
        (None, None) => slug(
            &file
                .file_type
                .as_ref()
                .map(|t| t.as_str().to_lowercase())
                .unwrap_or_else(|| "file".into()),
            60,
        ),
    };
    let mut parts = vec![or_placeholder(&kind, "file").to_owned()];
    if let Some(start) = file.recording_start {
        parts.push(compact_time(start));
    }
    match file
        .id
        .as_deref()
        .map(|id| slug(id, 64))
        .filter(|id| !id.is_empty())
    {
        Some(id) => parts.push(id),
        None if file.recording_start.is_none() => parts.push(format!("file{index}")),
        None => {}
    }
    let extension = file
        .file_extension
        .as_deref()
        .map(|ext| {
            ext.chars()
                .filter(char::is_ascii_alphanumeric)
                .take(8)
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|ext| !ext.is_empty())
        .unwrap_or_else(|| "bin".into());
    format!("{}.{extension}", parts.join("-"))
}

fn compact_time(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

fn or_placeholder<'a>(value: &'a str, placeholder: &'a str) -> &'a str {
    if value.is_empty() { placeholder } else { value }
}

/// Letters and digits (any script) kept; `-`, `_` and single `.` kept; everything else (spaces,
/// slashes, emoji, control characters) becomes one `-`; trimmed; at most `max_bytes`.
fn slug(text: &str, max_bytes: usize) -> String {
    let mut out = String::new();
    for c in text.chars() {
        let keep = c.is_alphanumeric() || c == '_' || c == '-' || c == '.';
        let c = if keep { c } else { '-' };
        let repeated = (c == '-' || c == '.') && out.ends_with(['-', '.']);
        if repeated {
            continue;
        }
        if out.len() + c.len_utf8() > max_bytes {
            break;
        }
        out.push(c);
    }
    out.trim_matches(['-', '.']).to_owned()
}

/// Makes a rendered template a safe folder: no control characters, no empty, `.` or `..`
/// segments, bounded segments and total length. The uuid hash survives any truncation.
fn safe_folder(rendered: &str, uuid_hash: &str) -> String {
    let segments: Vec<String> = rendered
        .split('/')
        .map(|segment| {
            let cleaned: String = segment.chars().filter(|c| !c.is_control()).collect();
            let cleaned = cleaned.trim().to_owned();
            match cleaned.as_str() {
                "" => String::new(),
                "." | ".." => "_".into(),
                _ => truncate_bytes(&cleaned, MAX_SEGMENT_BYTES).to_owned(),
            }
        })
        .filter(|segment| !segment.is_empty())
        .collect();
    let mut folder = segments.join("/");
    if folder.len() > MAX_FOLDER_BYTES {
        folder = format!(
            "{}/{uuid_hash}",
            truncate_bytes(&folder, MAX_FOLDER_BYTES - 17).trim_end_matches('/')
        );
    }
    folder
}

fn truncate_bytes(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::DEFAULT_S3_KEY_TEMPLATE;

    fn meeting(uuid: &str, topic: &str) -> MeetingRecordings {
        serde_json::from_value(serde_json::json!({
            "uuid": uuid, "id": 88_031_573_992_i64, "topic": topic, "host_email": "Alice@Example.org",
            "start_time": "2026-11-20T14:00:00Z", "recording_files": []
        }))
        .expect("valid meeting")
    }

    fn file(json: serde_json::Value) -> RecordingFile {
        serde_json::from_value(json).expect("valid file")
    }

    fn uuid_hash(uuid: &str) -> String {
        crate::domain::MeetingUuid::parse(uuid)
            .expect("valid")
            .sha256_hex()[..16]
            .to_owned()
    }

    fn default_template() -> KeyTemplate {
        KeyTemplate::parse(DEFAULT_S3_KEY_TEMPLATE).expect("valid")
    }

    fn assert_safe(key: &str) {
        assert!(!key.starts_with('/') && !key.contains("//"), "{key}");
        assert!(
            !key.split('/')
                .any(|s| s == ".." || s == "." || s.is_empty()),
            "{key}"
        );
        assert!(!key.chars().any(char::is_control), "{key:?}");
        assert!(key.len() <= 1024, "{} bytes", key.len());
    }

    #[test]
    fn the_default_layout_is_readable() {
        let folder =
            default_template().render(&meeting("DUZke5GtTtuQlcx4mUo0Xw==", "Board meeting"));
        let hash = uuid_hash("DUZke5GtTtuQlcx4mUo0Xw==");
        assert_eq!(
            folder.as_str(),
            format!("recordings/2026/11/20/Board-meeting-88031573992-{hash}")
        );
        assert_eq!(
            folder.key(RECORDING_DOCUMENT_FILE),
            format!("{}/recording.json", folder.as_str())
        );
    }

    #[test]
    fn a_hostile_topic_gives_one_safe_bounded_segment() {
        let topic = format!(
            "Finance / Audit ../../etc/passwd \u{2603}\u{fe0f}\u{1F4C8} {}\u{0007}",
            "Quarterly review ".repeat(20)
        );
        assert!(topic.len() > 300);
        let folder = default_template().render(&meeting("EmOjI+tOpIc/0123456789A==", &topic));
        assert_safe(folder.as_str());
        assert_eq!(
            folder.as_str().matches('/').count(),
            4,
            "the topic adds no segment: {folder:?}"
        );
        let name = folder.as_str().rsplit('/').next().expect("a last segment");
        assert!(
            name.starts_with("Finance-Audit-etc-passwd-Quarterly-review"),
            "{name}"
        );
        assert!(
            name.ends_with(&uuid_hash("EmOjI+tOpIc/0123456789A==")),
            "{name}"
        );
    }

    #[test]
    fn no_folder_reaches_the_pipelines_working_files() {
        assert!(KeyTemplate::parse(".pipeline/{uuid_hash}").is_err());
        assert!(KeyTemplate::parse(".{uuid_hash}").is_err());
        let template = KeyTemplate::parse("{topic}/{host_email}/{uuid_hash}").expect("valid");
        for topic in [
            ".pipeline",
            "..pipeline",
            "...",
            " .pipeline",
            "/.pipeline",
            "",
        ] {
            let folder = template.render(&meeting("DUZke5GtTtuQlcx4mUo0Xw==", topic));
            assert!(
                !folder.as_str().starts_with('.'),
                "{topic:?} gave {folder:?}"
            );
        }
        let key = manifest_key("arn:aws:states:us-east-1:1:execution:m:rec-0123abcd");
        assert_eq!(key, ".pipeline/ingest/rec-0123abcd/files.json");
        assert_safe(&key);
        assert_eq!(
            manifest_key("arn:x:execution:m:../../recordings"),
            ".pipeline/ingest/recordings/files.json"
        );
    }

    #[test]
    fn uuids_with_slashes_give_distinct_safe_folders() {
        let uuids = [
            "/aBcDeFgHiJkLmNoPqRs+Q==",
            "aBcDeFgHiJkLmNoPqRs+Q==",
            "Xy//Zw1234567890abcdEF==",
            "Xy/Zw1234567890abcdEF==",
        ];
        let folders: std::collections::HashSet<_> = uuids
            .iter()
            .map(|uuid| default_template().render(&meeting(uuid, "Same topic")))
            .collect();
        assert_eq!(folders.len(), uuids.len());
        folders.iter().for_each(|f| assert_safe(f.as_str()));
    }

    #[test]
    fn a_custom_template_can_group_by_host() {
        let template =
            KeyTemplate::parse("by-host/{host_email}/{year}-{month}/{uuid_hash}").expect("valid");
        let folder = template.render(&meeting("u==", "x"));
        assert_eq!(
            folder.as_str(),
            format!("by-host/Alice-at-Example.org/2026-11/{}", uuid_hash("u=="))
        );
    }

    #[test]
    fn missing_topic_and_date_still_give_a_folder() {
        let mut undated = meeting("u==", "");
        undated.start_time = None;
        let folder = default_template().render(&undated);
        assert!(
            folder
                .as_str()
                .starts_with("recordings/undated/00/00/untitled-88031573992-"),
            "{folder:?}"
        );
    }

    #[test]
    fn file_names_carry_type_start_and_id_so_restarted_recordings_do_not_collide() {
        let first = file(serde_json::json!({
            "id": "c0000002-0000-4000-8000-000000000001", "recording_type": "shared_screen_with_speaker_view",
            "recording_start": "2026-11-12T16:00:00Z", "file_extension": "MP4", "download_url": "u"
        }));
        let second = file(serde_json::json!({
            "id": "c0000002-0000-4000-8000-000000000002", "recording_type": "shared_screen_with_speaker_view",
            "recording_start": "2026-11-12T16:30:00Z", "file_extension": "MP4", "download_url": "u"
        }));
        assert_eq!(
            media_file_name(&first, 0),
            "shared_screen_with_speaker_view-20261112T160000Z-c0000002-0000-4000-8000-000000000001.mp4"
        );
        assert_ne!(media_file_name(&first, 0), media_file_name(&second, 1));
    }

    #[test]
    fn files_without_id_or_type_are_still_named_uniquely_and_safely() {
        let timeline = file(
            serde_json::json!({"file_type": "TIMELINE", "recording_start": "2026-11-12T16:00:00Z", "download_url": "u"}),
        );
        assert_eq!(
            media_file_name(&timeline, 4),
            "timeline-20261112T160000Z.bin"
        );
        let bare = file(serde_json::json!({"download_url": "u"}));
        assert_eq!(media_file_name(&bare, 7), "file-file7.bin");
        let audio = file(
            serde_json::json!({"id": "a/../b", "file_name": "Bob Baker \u{1F600}", "file_extension": "M4A", "download_url": "u"}),
        );
        assert_eq!(
            media_file_name(&audio, 0),
            "participant-audio-Bob-Baker-a-b.m4a"
        );
        let hostile_extension = file(
            serde_json::json!({"id": "x", "file_extension": "../../sh\n", "download_url": "u"}),
        );
        assert_eq!(media_file_name(&hostile_extension, 0), "file-x.sh");
    }
}
