//! Every `errorType` the functions return, once: its name (what the state machines' `Retry`
//! and `Catch` match on, and what an item's `failure` says) and whether a retry may cure it.
//! `tests/state_machine.rs` holds the definitions to this list both ways.

/// One error name per meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorName {
    /// Zoom answered 429.
    ZoomRateLimited,
    /// Zoom answered 5xx, or could not be reached.
    ZoomUnavailable,
    /// Zoom has no such recording (or no longer).
    ZoomNotFound,
    /// `GET /meetings/{id}` for a webinar (Zoom's code 3000).
    ZoomNotAMeeting,
    /// The Zoom app lacks a scope the call needs.
    ZoomMissingScope,
    /// Zoom refused the credentials.
    ZoomUnauthorized,
    /// Zoom refused the request for good (its code says why).
    ZoomRejected,
    /// Zoom's answer was not what its API documents.
    ZoomInvalidResponse,
    /// The Zoom client could not be set up (a URL, the TLS stack).
    ZoomClientSetup,
    /// Zoom refused every token for a download, or answered its HTML error page.
    ZoomDownloadRefused,
    /// Zoom's copy was trashed or deleted before the archive held all of it.
    ZoomRemovedBeforeArchived,
    /// The bytes Zoom sent are not the file it announced (length, checksum).
    IntegrityMismatch,
    /// The archive's S3 copy no longer matches the table (missing, resized, another checksum):
    /// nothing is trashed.
    ArchiveNotVerified,
    /// A download broke off; the next call resumes it.
    TransferInterrupted,
    /// A download URL on a host `ZOOM_ALLOWED_HOSTS` does not list: nothing was requested.
    TransferUrlRefused,
    /// S3 or DynamoDB failed, or kept changing under a conditional write.
    StorageUnavailable,
    /// An S3 document or a table item is not what the archive writes.
    StorageCorrupt,
    /// The input of a function is not what it takes.
    InvalidInput,
    /// Something the step waits for has not happened yet (a recording's own ingest, a running
    /// ingest); retried on a schedule of its own.
    ArchivePending,
    /// The table refused a status change the step needed.
    ArchiveConflict,
    /// Step Functions could not be asked.
    WorkflowUnavailable,
    /// The notification queue refused or failed a message.
    NotifyUnavailable,
}

impl ErrorName {
    /// Every name.
    pub const ALL: [Self; 22] = [
        Self::ZoomRateLimited,
        Self::ZoomUnavailable,
        Self::ZoomNotFound,
        Self::ZoomNotAMeeting,
        Self::ZoomMissingScope,
        Self::ZoomUnauthorized,
        Self::ZoomRejected,
        Self::ZoomInvalidResponse,
        Self::ZoomClientSetup,
        Self::ZoomDownloadRefused,
        Self::ZoomRemovedBeforeArchived,
        Self::IntegrityMismatch,
        Self::ArchiveNotVerified,
        Self::TransferInterrupted,
        Self::TransferUrlRefused,
        Self::StorageUnavailable,
        Self::StorageCorrupt,
        Self::InvalidInput,
        Self::ArchivePending,
        Self::ArchiveConflict,
        Self::WorkflowUnavailable,
        Self::NotifyUnavailable,
    ];

    /// The `errorType` as Lambda reports it and the state machines match it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::ZoomRateLimited => "Zoom.RateLimited",
            Self::ZoomUnavailable => "Zoom.Unavailable",
            Self::ZoomNotFound => "Zoom.NotFound",
            Self::ZoomNotAMeeting => "Zoom.NotAMeeting",
            Self::ZoomMissingScope => "Zoom.MissingScope",
            Self::ZoomUnauthorized => "Zoom.Unauthorized",
            Self::ZoomRejected => "Zoom.Rejected",
            Self::ZoomInvalidResponse => "Zoom.InvalidResponse",
            Self::ZoomClientSetup => "Zoom.ClientSetup",
            Self::ZoomDownloadRefused => "Zoom.DownloadRefused",
            Self::ZoomRemovedBeforeArchived => "Zoom.RemovedBeforeArchived",
            Self::IntegrityMismatch => "Integrity.Mismatch",
            Self::ArchiveNotVerified => "Archive.NotVerified",
            Self::TransferInterrupted => "Transfer.Interrupted",
            Self::TransferUrlRefused => "Transfer.UrlRefused",
            Self::StorageUnavailable => "Storage.Unavailable",
            Self::StorageCorrupt => "Storage.Corrupt",
            Self::InvalidInput => "InvalidInput",
            Self::ArchivePending => "Archive.Pending",
            Self::ArchiveConflict => "Archive.Conflict",
            Self::WorkflowUnavailable => "Workflow.Unavailable",
            Self::NotifyUnavailable => "Notify.Unavailable",
        }
    }

    /// Whether the state machines retry it with backoff (a later attempt may succeed). Every
    /// other error is caught and recorded; `Archive.Pending` is a wait, retried on its own
    /// schedule.
    pub const fn is_retryable(self) -> bool {
        matches!(
            self,
            Self::ZoomRateLimited
                | Self::ZoomUnavailable
                | Self::TransferInterrupted
                | Self::StorageUnavailable
                | Self::WorkflowUnavailable
                | Self::NotifyUnavailable
        )
    }

    /// The name of `error_type`, if it is one of ours.
    pub fn parse(error_type: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|name| name.as_str() == error_type)
    }
}

/// Lambda's own errors a retry may cure (the service failed, not our code); retried with ours.
pub const LAMBDA_RETRYABLE: [&str; 4] = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.Unknown",
];

/// Lambda's throttling, retried by a retrier of its own (about an hour on average).
pub const LAMBDA_THROTTLED: [&str; 2] = [
    "Lambda.TooManyRequestsException",
    "Lambda.ClientExecutionTimeoutException",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_distinct_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for name in ErrorName::ALL {
            assert!(seen.insert(name.as_str()), "{} twice", name.as_str());
            assert_eq!(ErrorName::parse(name.as_str()), Some(name));
        }
        assert_eq!(ErrorName::parse("Lambda.Unknown"), None);
    }
}
