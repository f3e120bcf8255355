use crate::errors::ErrorName;
/// Why a file could not be copied. [`TransferError::error_type`] is the stable name the state
/// machine retries or catches on.
#[derive(Debug, thiserror::Error)]
pub enum TransferError {
    /// Zoom answered with its HTML page or refused the token, even with a fresh one.
    #[error("Zoom refused the download: {reason}")]
    DownloadRefused { reason: String },
    /// The file is gone from Zoom.
    #[error("Zoom has no such file (HTTP {status})")]
    NotFound { status: u16 },
    /// The bytes do not match what Zoom announced.
    #[error("integrity check failed: {what}")]
    Integrity { what: String },
    /// The network or Zoom failed for longer than the retries cover.
    #[error("the download kept failing: {what}")]
    Interrupted { what: String },
    /// S3 refused or failed a request.
    #[error("S3 {operation} failed")]
    Storage {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The multipart upload a continuation names no longer exists (completed by a request
    /// whose answer was lost, aborted, or expired by a lifecycle rule).
    #[error("the multipart upload is gone")]
    UploadGone,
    /// The download URL (or a redirect from it) is not a host that may be sent a token: no
    /// request was made to it.
    #[error("the download URL is refused: {0}")]
    UrlRefused(#[from] crate::domain::token_hosts::UrlRefused),
    /// The request cannot be served (no size, bad state).
    #[error("invalid transfer request: {what}")]
    InvalidInput { what: String },
}

impl TransferError {
    /// The stable error name (Lambda `errorType`, ASL `ErrorEquals`).
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::DownloadRefused { .. } => ErrorName::ZoomDownloadRefused.as_str(),
            Self::NotFound { .. } => ErrorName::ZoomNotFound.as_str(),
            Self::Integrity { .. } => ErrorName::IntegrityMismatch.as_str(),
            Self::Interrupted { .. } => ErrorName::TransferInterrupted.as_str(),
            Self::Storage { .. } | Self::UploadGone => ErrorName::StorageUnavailable.as_str(),
            Self::UrlRefused(_) => crate::pipeline::URL_REFUSED,
            Self::InvalidInput { .. } => "InvalidInput",
        }
    }

    /// True when trying the same part again may succeed.
    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, Self::Interrupted { .. })
    }

    /// True when a later call may finish what this one could not, with the upload kept: the
    /// download or S3 failing for longer than one call's retries cover.
    pub(crate) fn is_resumable(&self) -> bool {
        matches!(self, Self::Interrupted { .. } | Self::Storage { .. })
    }

    pub(crate) fn storage(
        operation: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Storage {
            operation,
            source: Box::new(source),
        }
    }

    /// A failed request on a multipart upload: [`Self::UploadGone`] when S3 says the upload
    /// does not exist (`NoSuchUpload`), a storage failure otherwise.
    pub(crate) fn upload_request(
        operation: &'static str,
        source: impl std::error::Error + aws_sdk_s3::error::ProvideErrorMetadata + Send + Sync + 'static,
    ) -> Self {
        if source.code() == Some("NoSuchUpload") {
            Self::UploadGone
        } else {
            Self::storage(operation, source)
        }
    }
}
