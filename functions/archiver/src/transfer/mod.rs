//! Copying one Zoom recording file into S3: ranged GETs of fixed-size parts, each uploaded with a
//! SHA-256 checksum, a bounded number in flight, never touching disk.
//!
//! - The server may honour `Range` (206) or not (200 with the whole body): the first answer
//!   decides between parallel ranged parts and one sequential stream cut into parts.
//! - Zoom's failure page (HTTP 200, `text/html`) is never archived: the download is retried once
//!   with a fresh token from the caller, then refused.
//! - A failed part is retried alone; a file that cannot finish before the deadline returns
//!   [`TransferOutcome::InProgress`] with the upload id, and the next call resumes from
//!   `ListParts`.
//! - The result is verified: `HeadObject` size against the planned size.
//! - A permanent failure aborts the multipart upload, so nothing incomplete is left behind.

mod engine;
mod error;
mod source;

pub use engine::{
    Destination, FreshToken, Retriever, RetrieverConfig, SourceFile, TransferOutcome,
    TransferState, VerifiedObject,
};
pub use error::TransferError;
