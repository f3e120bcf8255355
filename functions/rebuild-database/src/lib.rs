//! Rebuild the table from the bucket: every `recording.json` (all pages) becomes its item again.
//! The documents are the archive's source of truth, so a lost or damaged table costs nothing.
//!
//! - Idempotent: running it twice writes the same items.
//! - A malformed document is reported (key and problems) and skipped, never fatal.
//! - The status comes from the document (its trash and retention marks); an item the table
//!   already holds never moves back in an archive's life (TRASHED stays TRASHED).
//! - Deadline-aware: with little time left it answers with a continuation (the last key done).

use std::time::Instant;

use archiver::bucket::Bucket;
use archiver::domain::document::RecordingDocument;
use archiver::domain::layout::RECORDING_DOCUMENT_FILE;
use archiver::domain::status::RecordingStatus;
use archiver::pipeline::StepError;
use archiver::table::{RecordingItem, RecordingsTable};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub bucket: &'a Bucket,
    pub table: &'a RecordingsTable,
}

/// Input: empty to start, or the previous answer's continuation.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RebuildRequest {
    #[serde(default)]
    pub continuation: Option<Continuation>,
}

/// Where to carry on, and what was counted so far.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    pub start_after: String,
    pub totals: RebuildCounts,
}

/// What one run found and did (cumulative over continuations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildCounts {
    /// `recording.json` objects read.
    pub documents: u64,
    /// Items written.
    pub upserted: u64,
    /// Documents left alone because an ingest of the instance is running.
    pub skipped_ingesting: u64,
    pub malformed: Vec<MalformedDocument>,
}

/// A document that could not be indexed, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MalformedDocument {
    pub key: String,
    pub problems: Vec<String>,
}

/// The answer: totals so far, and a continuation unless the bucket is done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RebuildOutcome {
    pub done: bool,
    #[serde(flatten)]
    pub counts: RebuildCounts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<Continuation>,
}

/// The handler.
pub async fn rebuild_database(
    request: RebuildRequest,
    deps: &Dependencies<'_>,
    deadline: Instant,
) -> Result<RebuildOutcome, StepError> {
    let (mut start_after, mut counts) = match request.continuation {
        Some(c) => (Some(c.start_after), c.totals),
        None => (None, RebuildCounts::default()),
    };
    let suffix = format!("/{RECORDING_DOCUMENT_FILE}");
    // Every call gets through one document at least, however short its budget.
    let mut progressed = false;
    loop {
        let page = deps.bucket.list_page("", start_after.as_deref()).await?;
        for key in &page.keys {
            if progressed && Instant::now() >= deadline {
                // Resume at this key: everything before it is done.
                let done_up_to = start_after.clone().unwrap_or_default();
                return Ok(unfinished(counts, done_up_to));
            }
            if key.ends_with(&suffix) {
                rebuild_one(key, deps, &mut counts).await?;
                progressed = true;
            }
            start_after = Some(key.clone());
        }
        if page.next.is_none() {
            break;
        }
    }
    tracing::info!(
        documents = counts.documents,
        upserted = counts.upserted,
        malformed = counts.malformed.len(),
        "table rebuilt from the bucket"
    );
    Ok(RebuildOutcome {
        done: true,
        counts,
        continuation: None,
    })
}

fn unfinished(counts: RebuildCounts, start_after: String) -> RebuildOutcome {
    RebuildOutcome {
        done: false,
        counts: counts.clone(),
        continuation: Some(Continuation {
            start_after,
            totals: counts,
        }),
    }
}

async fn rebuild_one(
    key: &str,
    deps: &Dependencies<'_>,
    counts: &mut RebuildCounts,
) -> Result<(), StepError> {
    counts.documents += 1;
    let document = match read_document(key, deps.bucket).await? {
        Ok(document) => document,
        Err(problems) => {
            tracing::warn!(key, problems = %problems.join("; "), "malformed recording document");
            counts.malformed.push(MalformedDocument {
                key: key.to_owned(),
                problems,
            });
            return Ok(());
        }
    };
    let current = deps.table.get(&document.meeting.uuid).await?;
    let status = match current.as_ref().map(|item| item.status) {
        Some(RecordingStatus::Ingesting) => {
            counts.skipped_ingesting += 1;
            return Ok(());
        }
        Some(status) if status.is_archived() => status.max_archived(document.status()),
        _ => document.status(),
    };
    let mut item = RecordingItem::from_document(&document, key, status);
    // An operator's note on the item (why a trash step failed) survives a rebuild over it.
    item.failure = current.and_then(|c| c.failure);
    deps.table.upsert(&item).await?;
    counts.upserted += 1;
    Ok(())
}

/// The document at `key`, or every reason it cannot be indexed.
async fn read_document(
    key: &str,
    bucket: &Bucket,
) -> Result<Result<RecordingDocument, Vec<String>>, StepError> {
    let value = match bucket.get_json::<Value>(key).await {
        Ok(Some(value)) => value,
        Ok(None) => return Ok(Err(vec!["it disappeared while the bucket was read".into()])),
        Err(error @ archiver::bucket::BucketError::Malformed { .. }) => {
            return Ok(Err(vec![format!("not JSON: {error}")]));
        }
        Err(other) => return Err(other.into()),
    };
    let document = match RecordingDocument::from_json(&value) {
        Ok(document) => document,
        Err(problems) => return Ok(Err(problems)),
    };
    let expected_key = format!("{}/{RECORDING_DOCUMENT_FILE}", document.folder);
    if expected_key != key {
        return Ok(Err(vec![format!(
            "its folder is {:?}, but it is stored at {key}",
            document.folder
        )]));
    }
    Ok(Ok(document))
}
