//! Names of ingest executions. A name is derived from the meeting uuid, so every duplicate or
//! retried webhook for one recording maps to one execution: Step Functions refuses a second
//! execution of the same name (`ExecutionAlreadyExists`) for 90 days.

use super::MeetingUuid;

/// Why an execution is started; each kind has its own name space.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IngestKind {
    /// `recording.completed` (webhook or missed-meeting scan).
    Recording,
    /// `recording.transcript_completed`: the late transcript of an archived recording.
    Transcript,
}

impl IngestKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::Recording => "recording",
            Self::Transcript => "transcript",
        }
    }
}

/// The deterministic execution name for an instance: `recording-<sha256 hex>` (74 characters,
/// within Step Functions' 80 and its allowed characters).
pub fn execution_name(kind: IngestKind, uuid: &MeetingUuid) -> String {
    format!("{}-{}", kind.prefix(), uuid.sha256_hex())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_deterministic_distinct_per_kind_and_valid_for_step_functions() {
        let uuid = MeetingUuid::parse("/ab//c+d==").expect("valid");
        let recording = execution_name(IngestKind::Recording, &uuid);
        assert_eq!(
            recording,
            execution_name(IngestKind::Recording, &uuid.clone())
        );
        assert_ne!(recording, execution_name(IngestKind::Transcript, &uuid));
        for name in [recording, execution_name(IngestKind::Transcript, &uuid)] {
            assert!(name.len() <= 80, "{name}");
            assert!(
                name.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'),
                "{name}"
            );
        }
    }
}
