//! Where one meeting instance stands in the archive.

use std::fmt;
use std::str::FromStr;

/// The lifecycle of an archived instance. Transitions are enforced by conditional writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecordingStatus {
    /// An execution is copying it.
    Ingesting,
    /// Every selected file is in S3, verified, with its document.
    Archived,
    /// The ingest failed; nothing was trashed on Zoom.
    Failed,
    /// Archived, and the Zoom copy moved to Zoom's trash.
    Trashed,
    /// Removed from the archive by retention.
    Expired,
}

impl RecordingStatus {
    /// Every status, for tests and conditions.
    pub const ALL: [Self; 5] = [
        Self::Ingesting,
        Self::Archived,
        Self::Failed,
        Self::Trashed,
        Self::Expired,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ingesting => "INGESTING",
            Self::Archived => "ARCHIVED",
            Self::Failed => "FAILED",
            Self::Trashed => "TRASHED",
            Self::Expired => "EXPIRED",
        }
    }

    /// True once the recording is safely in the archive (or was, before retention).
    pub fn is_archived(self) -> bool {
        matches!(self, Self::Archived | Self::Trashed | Self::Expired)
    }

    /// Of two archived statuses, the later in an archive's life (ARCHIVED, TRASHED, EXPIRED):
    /// a document that does not know of the trash never undoes it.
    pub fn max_archived(self, other: Self) -> Self {
        let rank = |status: Self| match status {
            Self::Expired => 3,
            Self::Trashed => 2,
            Self::Archived => 1,
            _ => 0,
        };
        if rank(other) > rank(self) {
            other
        } else {
            self
        }
    }

    /// The statuses from which a move to `self` is allowed. Re-applying the same status is
    /// allowed where that is harmless, so a re-run state is idempotent.
    pub fn allowed_from(self) -> &'static [Self] {
        match self {
            // A new ingest only where no archive exists: after a failure, or a crashed ingest.
            Self::Ingesting => &[Self::Ingesting, Self::Failed],
            // From TRASHED when the instance is recovered from Zoom's trash to fetch a late file.
            Self::Archived => &[Self::Ingesting, Self::Archived, Self::Trashed],
            // Never mark an archived recording failed.
            Self::Failed => &[Self::Ingesting, Self::Failed],
            Self::Trashed => &[Self::Archived, Self::Trashed],
            Self::Expired => &[Self::Archived, Self::Trashed, Self::Expired],
        }
    }
}

impl fmt::Display for RecordingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An unknown status name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown recording status {0:?}")]
pub struct UnknownStatus(pub String);

impl FromStr for RecordingStatus {
    type Err = UnknownStatus;
    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == value)
            .ok_or_else(|| UnknownStatus(value.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for status in RecordingStatus::ALL {
            assert_eq!(status.as_str().parse::<RecordingStatus>(), Ok(status));
        }
        assert!("archived".parse::<RecordingStatus>().is_err());
    }

    #[test]
    fn an_archive_is_never_downgraded() {
        for archived in [
            RecordingStatus::Archived,
            RecordingStatus::Trashed,
            RecordingStatus::Expired,
        ] {
            assert!(!RecordingStatus::Failed.allowed_from().contains(&archived));
            assert!(
                !RecordingStatus::Ingesting
                    .allowed_from()
                    .contains(&archived)
            );
        }
        assert!(
            !RecordingStatus::Trashed
                .allowed_from()
                .contains(&RecordingStatus::Ingesting),
            "trash only after archive"
        );
        assert!(
            !RecordingStatus::Trashed
                .allowed_from()
                .contains(&RecordingStatus::Failed)
        );
    }
}
