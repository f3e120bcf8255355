//! The recording-document validator with any JSON: it must never panic, and what it accepts
//! must be a document that stays inside its own folder (every key it names lies in the folder
//! and is a plain key), so neither reindex nor retention can reach another recording from it.
#![no_main]

use archiver::domain::document::RecordingDocument;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else {
        return;
    };
    let Ok(document) = RecordingDocument::from_json(&value) else {
        return;
    };
    assert!(document.problems().is_empty());
    let inside = format!("{}/", document.folder);
    let own = document.document_key();
    for key in document.object_keys() {
        assert!(
            key.starts_with(&inside),
            "{key} is outside {}",
            document.folder
        );
        assert_ne!(key, own, "a file may not be the document itself");
        assert!(
            key.split('/').all(|s| !matches!(s, "" | "." | "..")),
            "{key} has an empty, '.' or '..' segment"
        );
        assert!(
            !key.chars().any(char::is_control),
            "{key:?} has a control character"
        );
    }
    // What it accepts writes and reads back the same.
    let text = serde_json::to_string(&document).unwrap_or_default();
    let again: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
    assert_eq!(RecordingDocument::from_json(&again).ok(), Some(document));
});
