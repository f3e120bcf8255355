//! The Zoom side of a transfer: authorized GETs that follow the redirect to the CDN, classify
//! the answer, and read an exact number of bytes.

use bytes::{Bytes, BytesMut};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_RANGE, CONTENT_TYPE, RANGE};

use super::error::TransferError;
use crate::domain::SecretString;
use crate::domain::parts::ByteRange;
use crate::domain::token_hosts::{UrlRefused, redacted, without_query};
use crate::zoom::without_url_query;

/// What a GET returned.
pub(crate) enum Answer {
    /// 206: exactly the requested range.
    Partial(reqwest::Response),
    /// 200: the whole file, whatever was asked.
    Whole(reqwest::Response),
}

impl Answer {
    pub(crate) fn content_type(&self) -> Option<String> {
        let response = match self {
            Self::Partial(r) | Self::Whole(r) => r,
        };
        response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    }
}

/// GETs `url` (optionally a range) with the token as `Authorization: Bearer`. reqwest follows
/// Zoom's redirect where the retriever's policy allows and drops the header when the CDN is
/// another host; a redirect it refused comes back here as the 3xx.
pub(crate) async fn get(
    http: &reqwest::Client,
    url: &str,
    token: &SecretString,
    range: Option<ByteRange>,
) -> Result<Answer, TransferError> {
    let mut request = http.get(url).bearer_auth(token.expose());
    if let Some(range) = range {
        request = request.header(RANGE, range.header_value());
    }
    let response = request
        .send()
        .await
        .map_err(|error| TransferError::Interrupted {
            what: format!("GET failed: {}", without_url_query(error)),
        })?;
    let status = response.status();
    if status.is_redirection() {
        return Err(refused_redirect(&response));
    }
    let is_html = response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.trim_start().to_ascii_lowercase().starts_with("text/html"));
    match status {
        StatusCode::OK | StatusCode::PARTIAL_CONTENT if is_html => {
            Err(TransferError::DownloadRefused {
                reason: "Zoom answered with an HTML page instead of the file".into(),
            })
        }
        StatusCode::PARTIAL_CONTENT => {
            check_content_range(&response, range)?;
            Ok(Answer::Partial(response))
        }
        StatusCode::OK => Ok(Answer::Whole(response)),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(TransferError::DownloadRefused {
            reason: format!("HTTP {status}"),
        }),
        StatusCode::NOT_FOUND | StatusCode::GONE => Err(TransferError::NotFound {
            status: status.as_u16(),
        }),
        StatusCode::RANGE_NOT_SATISFIABLE => Err(TransferError::Integrity {
            what: "the server has fewer bytes than Zoom announced (416)".into(),
        }),
        _ if status.as_u16() == 429 || status.is_server_error() => {
            Err(TransferError::Interrupted {
                what: format!("HTTP {status}"),
            })
        }
        _ => Err(TransferError::DownloadRefused {
            reason: format!("HTTP {status}"),
        }),
    }
}

/// A redirect the retriever would not follow (to an IP address, plain HTTP, a local name, or
/// too many hops), named without the target's query.
fn refused_redirect(response: &reqwest::Response) -> TransferError {
    let target = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(|location| match response.url().join(location) {
            Ok(url) => redacted(&url),
            Err(_) => without_query(location),
        })
        .unwrap_or_else(|| "(no Location)".into());
    TransferError::UrlRefused(UrlRefused {
        url: target,
        reason: format!(
            "the download redirected (HTTP {}) from {} to a host that is not followed: plain \
             HTTP, an IP address, a local name, or too many redirects",
            response.status().as_u16(),
            redacted(response.url())
        ),
    })
}

/// The file's size, for files Zoom listed without `file_size`: a one-byte ranged GET reports the
/// total in `Content-Range`; a server that ignores ranges reports `Content-Length`.
pub(crate) async fn remote_size(
    http: &reqwest::Client,
    url: &str,
    token: &SecretString,
) -> Result<u64, TransferError> {
    let range = ByteRange { first: 0, last: 0 };
    let answer = match get(http, url, token, Some(range)).await {
        // An empty file cannot satisfy any range.
        Err(TransferError::Integrity { .. }) => return Ok(0),
        other => other?,
    };
    let size = match &answer {
        Answer::Partial(response) => response
            .headers()
            .get(CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit('/').next())
            .and_then(|total| total.trim().parse::<u64>().ok()),
        Answer::Whole(response) => response.content_length(),
    };
    size.ok_or_else(|| TransferError::Integrity {
        what: "the server did not say how large the file is".into(),
    })
}

/// A 206 must start where we asked.
fn check_content_range(
    response: &reqwest::Response,
    asked: Option<ByteRange>,
) -> Result<(), TransferError> {
    let Some(asked) = asked else {
        return Ok(());
    };
    let first = response
        .headers()
        .get(CONTENT_RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("bytes "))
        .and_then(|v| v.split('-').next())
        .and_then(|v| v.parse::<u64>().ok());
    if first == Some(asked.first) {
        Ok(())
    } else {
        Err(TransferError::Integrity {
            what: format!(
                "asked for bytes from {}, got Content-Range {first:?}",
                asked.first
            ),
        })
    }
}

/// Reads exactly `len` bytes of a body. A connection that breaks is an interrupted transfer
/// (worth a retry); a body that ends cleanly short, or runs long, is not the file Zoom announced.
pub(crate) async fn read_exact(
    mut response: reqwest::Response,
    len: u64,
) -> Result<Bytes, TransferError> {
    let capacity = usize::try_from(len).map_err(|_| TransferError::InvalidInput {
        what: "part larger than memory".into(),
    })?;
    let mut buffer = BytesMut::with_capacity(capacity);
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|error| TransferError::Interrupted {
            what: format!(
                "body interrupted after {} bytes: {}",
                buffer.len(),
                without_url_query(error)
            ),
        })?
    {
        if (buffer.len() + chunk.len()) as u64 > len {
            return Err(TransferError::Integrity {
                what: format!("the body is longer than the {len} bytes expected"),
            });
        }
        buffer.extend_from_slice(&chunk);
    }
    if (buffer.len() as u64) < len {
        return Err(TransferError::Integrity {
            what: format!("the body ended after {} of {len} bytes", buffer.len()),
        });
    }
    Ok(buffer.freeze())
}

/// Reads the next `len` bytes of a streamed whole body, keeping what comes after in `carry`.
pub(crate) async fn read_next(
    response: &mut reqwest::Response,
    carry: &mut BytesMut,
    len: u64,
) -> Result<Bytes, TransferError> {
    let len = usize::try_from(len).map_err(|_| TransferError::InvalidInput {
        what: "part larger than memory".into(),
    })?;
    while carry.len() < len {
        match response.chunk().await {
            Ok(Some(chunk)) => carry.extend_from_slice(&chunk),
            Ok(None) => {
                return Err(TransferError::Integrity {
                    what: "the body is shorter than Zoom announced".into(),
                });
            }
            Err(error) => {
                return Err(TransferError::Interrupted {
                    what: format!("body interrupted: {}", without_url_query(error)),
                });
            }
        }
    }
    Ok(carry.split_to(len).freeze())
}
