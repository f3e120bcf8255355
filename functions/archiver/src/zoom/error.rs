use std::time::Duration;

use crate::errors::ErrorName;
use serde::Deserialize;

/// A failed call to Zoom. [`ZoomError::error_type`] is the stable name Step Functions retries
/// and catches on.
#[derive(Debug, thiserror::Error)]
pub enum ZoomError {
    /// 429: over a per-second or daily rate limit.
    #[error("Zoom rate limit reached (retry after {retry_after:?})")]
    RateLimited { retry_after: Option<Duration> },
    /// 5xx from Zoom: worth retrying later.
    #[error("Zoom answered HTTP {status}")]
    Unavailable { status: u16 },
    /// No answer at all: connection refused or reset, timeout.
    #[error("Zoom could not be reached")]
    Transport {
        #[source]
        source: reqwest::Error,
    },
    /// 404, or Zoom's "does not exist" codes.
    #[error("Zoom has no such resource: {message} (code {code:?})")]
    NotFound { code: Option<i64>, message: String },
    /// `GET /meetings/{id}` does not describe a webinar (400, code 3000).
    #[error("Zoom's meeting endpoints do not describe this instance (a webinar): {message}")]
    NotAMeeting { message: String },
    /// The app's token lacks a scope the operation needs (4711 or 4700).
    #[error(
        "the Zoom app lacks a scope: add {scope} (or its granular equivalents) to the app: {message}"
    )]
    MissingScope {
        /// The scope the spec names for the operation.
        scope: &'static str,
        /// Zoom's message, which lists the granular scopes the token lacks.
        message: String,
    },
    /// 401 from the API after a fresh token, or credentials the token endpoint refused.
    #[error("Zoom refused the credentials: {message}")]
    Unauthorized { message: String },
    /// Any other 4xx: a request that will not succeed by repeating it.
    #[error("Zoom rejected the request with HTTP {status}: {message} (code {code:?})")]
    Rejected {
        status: u16,
        code: Option<i64>,
        message: String,
    },
    /// A 2xx answer we cannot read.
    #[error("Zoom's answer to {what} could not be read")]
    InvalidResponse {
        what: String,
        #[source]
        source: serde_json::Error,
    },
    /// The client could not be built (TLS set-up).
    #[error("the Zoom HTTP client could not be built")]
    ClientSetup {
        #[source]
        source: reqwest::Error,
    },
}

/// A reqwest error fit for a message: its URL without the query, which on Zoom's side can hold
/// a CDN link's signature (after a redirect) or paging state.
pub fn without_url_query(mut error: reqwest::Error) -> reqwest::Error {
    if let Some(url) = error.url_mut() {
        url.set_query(None);
        url.set_fragment(None);
    }
    error
}

impl ZoomError {
    /// No answer from Zoom, the URL in the error kept without its query.
    pub(crate) fn transport(source: reqwest::Error) -> Self {
        Self::Transport {
            source: without_url_query(source),
        }
    }

    /// The stable error name used as Lambda `errorType` and in the state machine's `ErrorEquals`.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::RateLimited { .. } => ErrorName::ZoomRateLimited.as_str(),
            Self::Unavailable { .. } | Self::Transport { .. } => {
                ErrorName::ZoomUnavailable.as_str()
            }
            Self::NotFound { .. } => ErrorName::ZoomNotFound.as_str(),
            Self::NotAMeeting { .. } => ErrorName::ZoomNotAMeeting.as_str(),
            Self::MissingScope { .. } => ErrorName::ZoomMissingScope.as_str(),
            Self::Unauthorized { .. } => ErrorName::ZoomUnauthorized.as_str(),
            Self::Rejected { .. } => ErrorName::ZoomRejected.as_str(),
            Self::InvalidResponse { .. } => ErrorName::ZoomInvalidResponse.as_str(),
            Self::ClientSetup { .. } => ErrorName::ZoomClientSetup.as_str(),
        }
    }

    /// True when repeating the same request later may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Unavailable { .. } | Self::Transport { .. }
        )
    }
}

/// Zoom's error body: `{"code": 124, "message": "Invalid access token."}`; the OAuth endpoint
/// answers `{"reason": "...", "error": "invalid_client"}` instead.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ZoomErrorBody {
    #[serde(default)]
    pub code: Option<i64>,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

impl ZoomErrorBody {
    /// Parses what it can; a non-JSON body (an HTML error page) gives an empty one.
    pub fn parse(body: &[u8]) -> Self {
        serde_json::from_slice(body).unwrap_or_default()
    }

    /// The most useful human text in the body.
    pub fn text(&self, status: u16) -> String {
        self.message
            .clone()
            .or_else(|| self.reason.clone())
            .or_else(|| self.error.clone())
            .unwrap_or_else(|| format!("HTTP {status} without a Zoom error body"))
    }
}
