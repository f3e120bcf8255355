//! The S3 key layout with any meeting and file fields and any template: never a panic, and
//! every folder and key safe (no leading '/', no empty, '.' or '..' segment, no control
//! character, within S3's 1,024 bytes) and the file's key inside its folder.
#![no_main]

use archiver::domain::layout::{KeyTemplate, media_file_name};
use archiver::domain::{MeetingRecordings, RecordingFile};
use archiver::settings::DEFAULT_S3_KEY_TEMPLATE;
use libfuzzer_sys::fuzz_target;

fn assert_safe(key: &str) {
    assert!(!key.starts_with('/'), "{key}");
    assert!(
        key.split('/').all(|s| !matches!(s, "" | "." | "..")),
        "{key:?}"
    );
    assert!(!key.chars().any(char::is_control), "{key:?}");
    assert!(key.len() <= 1024, "{} bytes", key.len());
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut parts = text.split('\u{1f}');
    let mut next = || parts.next().unwrap_or_default().to_owned();
    let (uuid, topic, host, template) = (next(), next(), next(), next());
    let (file_id, extension, file_name, recording_type) = (next(), next(), next(), next());
    let Ok(meeting) = serde_json::from_value::<MeetingRecordings>(serde_json::json!({
        "uuid": uuid, "id": 81_000_000_000_i64, "topic": topic, "host_email": host,
        "start_time": "2026-11-20T14:00:00Z", "recording_files": []
    })) else {
        return;
    };
    let template = KeyTemplate::parse(&template)
        .or_else(|_| KeyTemplate::parse(DEFAULT_S3_KEY_TEMPLATE))
        .unwrap_or_else(|e| panic!("the default template: {e}"));
    let folder = template.render(&meeting);
    assert_safe(folder.as_str());
    let file: RecordingFile = serde_json::from_value(serde_json::json!({
        "id": file_id, "file_extension": extension, "file_name": file_name,
        "recording_type": recording_type, "download_url": "https://zoom.us/rec/download/x"
    }))
    .unwrap_or_else(|e| panic!("any strings make a file: {e}"));
    let name = media_file_name(&file, data.len());
    assert!(!name.contains('/'), "{name}");
    let key = folder.media_key(&file, data.len());
    assert_safe(&key);
    assert!(key.starts_with(&format!("{}/", folder.as_str())), "{key}");
});
