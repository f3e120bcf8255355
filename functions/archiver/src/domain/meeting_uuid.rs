use std::fmt;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

/// Characters left as they are in a path segment: RFC 3986 "unreserved".
const PATH_SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// One path segment, percent-encoded once (a recording file's id, say).
pub fn encode_path_segment(segment: &str) -> String {
    utf8_percent_encode(segment, PATH_SEGMENT).to_string()
}

/// Longest uuid accepted. Zoom's are 24 characters of base64; the margin covers future formats.
const MAX_LEN: usize = 128;

/// The uuid of one meeting instance, as Zoom writes it (base64, may contain `/`, `+`, `=`).
///
/// It identifies what we archive: S3 keys, the DynamoDB key and execution names derive from it.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeetingUuid(String);

/// Why a string is not a meeting uuid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MeetingUuidError {
    #[error("meeting uuid is empty")]
    Empty,
    #[error("meeting uuid is longer than {MAX_LEN} characters")]
    TooLong,
    #[error("meeting uuid contains whitespace or control characters")]
    InvalidCharacter,
}

impl MeetingUuid {
    /// Validates a uuid: non-empty, bounded, printable, no whitespace.
    pub fn parse(value: impl Into<String>) -> Result<Self, MeetingUuidError> {
        let value = value.into();
        if value.is_empty() {
            return Err(MeetingUuidError::Empty);
        }
        if value.len() > MAX_LEN {
            return Err(MeetingUuidError::TooLong);
        }
        if value.chars().any(|c| c.is_control() || c.is_whitespace()) {
            return Err(MeetingUuidError::InvalidCharacter);
        }
        Ok(Self(value))
    }

    /// The uuid as Zoom wrote it.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uuid as a URL path segment, the way Zoom's REST API wants it: always percent-encoded,
    /// and encoded **twice** when it starts with `/` or contains `//` (Zoom answers 404 otherwise).
    pub fn path_segment(&self) -> String {
        let once = utf8_percent_encode(&self.0, PATH_SEGMENT).to_string();
        if self.needs_double_encoding() {
            utf8_percent_encode(&once, PATH_SEGMENT).to_string()
        } else {
            once
        }
    }

    /// True for the uuids Zoom requires double-encoded in a path.
    pub fn needs_double_encoding(&self) -> bool {
        self.0.starts_with('/') || self.0.contains("//")
    }

    /// Lower-case hex SHA-256 of the uuid: a stable, path-safe identity (64 characters) for
    /// execution names and keys.
    pub fn sha256_hex(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }

    /// What logs call the instance: the first 16 hex of the uuid's SHA-256, so log lines can
    /// be matched to a recording without exposing its uuid (which grants access to it).
    pub fn log_id(&self) -> String {
        let mut hash = self.sha256_hex();
        hash.truncate(16);
        hash
    }
}

impl fmt::Display for MeetingUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for MeetingUuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MeetingUuid({:?})", self.0)
    }
}

impl TryFrom<String> for MeetingUuid {
    type Error = MeetingUuidError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(value)
    }
}

impl<'de> Deserialize<'de> for MeetingUuid {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(deserializer)?;
        Self::parse(raw).map_err(serde::de::Error::custom)
    }
}

impl Serialize for MeetingUuid {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segment_encodes_once_or_twice_as_zoom_requires() {
        let cases = [
            // plain base64 without special characters
            ("abcDEF123456789012345xyz", "abcDEF123456789012345xyz"),
            // `=` padding: encoded once
            ("4444AAAiAAAAAiAiAiiAii==", "4444AAAiAAAAAiAiAiiAii%3D%3D"),
            // `+` and a single inner `/`: encoded once
            (
                "L0AGOEPVR9m5WSOOs/d+FQ==",
                "L0AGOEPVR9m5WSOOs%2Fd%2BFQ%3D%3D",
            ),
            ("ab+cd+ef", "ab%2Bcd%2Bef"),
            // leading `/`: encoded twice (ZOOM.md's own example)
            ("/abc==", "%252Fabc%253D%253D"),
            // `//` anywhere: encoded twice
            ("ab//cd+=", "ab%252F%252Fcd%252B%253D"),
            ("//start", "%252F%252Fstart"),
        ];
        for (uuid, expected) in cases {
            let parsed = MeetingUuid::parse(uuid).unwrap_or_else(|e| panic!("{uuid}: {e}"));
            assert_eq!(parsed.path_segment(), expected, "uuid {uuid}");
        }
    }

    #[test]
    fn rejects_empty_long_and_control_characters() {
        assert_eq!(MeetingUuid::parse(""), Err(MeetingUuidError::Empty));
        assert_eq!(
            MeetingUuid::parse("a".repeat(129)),
            Err(MeetingUuidError::TooLong)
        );
        assert_eq!(
            MeetingUuid::parse("ab\ncd"),
            Err(MeetingUuidError::InvalidCharacter)
        );
        assert_eq!(
            MeetingUuid::parse("ab cd"),
            Err(MeetingUuidError::InvalidCharacter)
        );
    }

    #[test]
    fn hash_is_stable_hex_and_distinguishes_uuids() {
        let a = MeetingUuid::parse("DUZke5GtTtuQlcx4mUo0Xw==").unwrap_or_else(|e| panic!("{e}"));
        let b = MeetingUuid::parse("DUZke5GtTtuQlcx4mUo0Xw=+").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a.sha256_hex().len(), 64);
        assert_eq!(a.sha256_hex(), a.clone().sha256_hex());
        assert_ne!(a.sha256_hex(), b.sha256_hex());
        assert!(
            a.sha256_hex()
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
    }
}
