//! Pure domain types: no AWS SDK, no HTTP client.

pub mod document;
pub mod execution;
pub mod layout;
mod meeting_uuid;
mod open_enum;
pub mod parts;
pub mod recording;
pub mod redact;
pub mod retention;
pub mod rules;
mod secret;
pub mod signature;
pub mod status;
pub mod token_hosts;
pub mod trash;
pub mod webhook;
pub mod zoom_change;

pub use meeting_uuid::{MeetingUuid, MeetingUuidError, encode_path_segment};
pub use recording::{FileType, MeetingKind, MeetingRecordings, RecordingFile, RecordingType};
pub use secret::SecretString;
pub use webhook::{RecordingEvent, WebhookEnvelope};
