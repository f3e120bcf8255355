//! The recordings bucket seen as a store of JSON documents and verified objects.

use crate::errors::ErrorName;
use aws_sdk_s3::error::SdkError;
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use futures_util::{StreamExt, TryStreamExt};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

/// A failed bucket operation.
#[derive(Debug, thiserror::Error)]
pub enum BucketError {
    #[error("S3 {operation} of {key} failed")]
    Unavailable {
        operation: &'static str,
        key: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("{key} kept changing while it was updated ({attempts} attempts)")]
    Contended { key: String, attempts: usize },
    #[error("{key} is not the JSON expected")]
    Malformed {
        key: String,
        #[source]
        source: serde_json::Error,
    },
}

impl BucketError {
    /// The stable error name.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } | Self::Contended { .. } => {
                ErrorName::StorageUnavailable.as_str()
            }
            Self::Malformed { .. } => ErrorName::StorageCorrupt.as_str(),
        }
    }
}

impl From<BucketError> for crate::pipeline::StepError {
    fn from(error: BucketError) -> Self {
        Self::from_typed(error.error_type(), &error)
    }
}

/// A JSON document as read, with the ETag a conditional write compares against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tagged<T> {
    pub value: T,
    pub etag: String,
}

/// What a conditional write must find in the bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// The object as read, with this ETag (`If-Match`).
    Unchanged(String),
    /// No object at all (`If-None-Match: *`).
    Absent,
}

/// What became of a conditional write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    Applied,
    /// Someone else wrote (or deleted) the object since it was read; nothing was written.
    Conflict,
}

/// Times a read-modify-write is tried again after another writer got there first.
const UPDATE_ATTEMPTS: usize = 5;

/// What `HeadObject` says about a stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredObject {
    pub size: u64,
    pub checksum_sha256: Option<String>,
    pub etag: Option<String>,
    pub content_type: Option<String>,
}

/// `HeadObject` requests in flight at once when a recording's files are checked.
const HEADS_IN_FLIGHT: usize = 16;

/// The recordings bucket.
#[derive(Debug, Clone)]
pub struct Bucket {
    client: aws_sdk_s3::Client,
    name: String,
}

impl Bucket {
    pub fn new(client: aws_sdk_s3::Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// The bucket's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Writes `value` as pretty JSON, with a SHA-256 checksum S3 verifies.
    pub async fn put_json(&self, key: &str, value: &impl Serialize) -> Result<(), BucketError> {
        let body = serde_json::to_vec_pretty(value).map_err(|source| BucketError::Malformed {
            key: key.to_owned(),
            source,
        })?;
        let checksum = BASE64.encode(Sha256::digest(&body));
        self.client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type("application/json")
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(checksum)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| unavailable("PutObject", key, e))?;
        Ok(())
    }

    /// Reads and decodes a JSON object; `None` when there is no such key.
    pub async fn get_json<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, BucketError> {
        Ok(self.get_tagged(key).await?.map(|tagged| tagged.value))
    }

    /// Like [`Self::get_json`], with the object's ETag for a later conditional write.
    pub async fn get_tagged<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Tagged<T>>, BucketError> {
        let answer = match self
            .client
            .get_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
        {
            Ok(answer) => answer,
            Err(SdkError::ServiceError(e)) if e.err().is_no_such_key() => return Ok(None),
            Err(e) => return Err(unavailable("GetObject", key, e)),
        };
        let etag = answer.e_tag.clone().unwrap_or_default();
        let body = answer
            .body
            .collect()
            .await
            .map_err(|e| unavailable("GetObject", key, e))?
            .into_bytes();
        serde_json::from_slice(&body)
            .map(|value| Some(Tagged { value, etag }))
            .map_err(|source| BucketError::Malformed {
                key: key.to_owned(),
                source,
            })
    }

    /// Writes `value` as [`Self::put_json`] does, but only if the object is still as
    /// `precondition` says (S3's conditional writes), so no concurrent writer's change is lost.
    pub async fn put_json_if(
        &self,
        key: &str,
        value: &impl Serialize,
        precondition: &Precondition,
    ) -> Result<Written, BucketError> {
        let body = serde_json::to_vec_pretty(value).map_err(|source| BucketError::Malformed {
            key: key.to_owned(),
            source,
        })?;
        let checksum = BASE64.encode(Sha256::digest(&body));
        let request = self
            .client
            .put_object()
            .bucket(&self.name)
            .key(key)
            .content_type("application/json")
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(checksum)
            .body(ByteStream::from(body));
        let request = match precondition {
            Precondition::Unchanged(etag) => request.if_match(etag),
            Precondition::Absent => request.if_none_match("*"),
        };
        match request.send().await {
            Ok(_) => Ok(Written::Applied),
            // 412: the precondition failed; 409: a concurrent conditional write won the race.
            Err(SdkError::ServiceError(e)) if matches!(e.raw().status().as_u16(), 409 | 412) => {
                Ok(Written::Conflict)
            }
            Err(e) => Err(unavailable("PutObject", key, e)),
        }
    }

    /// Reads the JSON document at `key`, lets `change` edit it (it answers whether it changed
    /// anything) and writes it back only if nobody wrote it in between, reading again when
    /// someone did. `Ok(false)` when there is no document or nothing to change.
    pub async fn update_json<T, F>(&self, key: &str, mut change: F) -> Result<bool, BucketError>
    where
        T: DeserializeOwned + Serialize,
        F: FnMut(&mut T) -> bool,
    {
        for _ in 0..UPDATE_ATTEMPTS {
            let Some(Tagged { mut value, etag }) = self.get_tagged::<T>(key).await? else {
                return Ok(false);
            };
            if !change(&mut value) {
                return Ok(false);
            }
            let precondition = Precondition::Unchanged(etag);
            if self.put_json_if(key, &value, &precondition).await? == Written::Applied {
                return Ok(true);
            }
        }
        Err(BucketError::Contended {
            key: key.to_owned(),
            attempts: UPDATE_ATTEMPTS,
        })
    }

    /// Like [`Self::get_json`], but a damaged object counts as absent (logged): for documents
    /// that are about to be replaced.
    pub async fn get_json_if_readable<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<T>, BucketError> {
        match self.get_json(key).await {
            Err(error @ BucketError::Malformed { .. }) => {
                tracing::warn!(%error, "a damaged JSON object is ignored");
                Ok(None)
            }
            other => other,
        }
    }

    /// Like [`Self::get_tagged`], but a damaged object counts as absent (logged).
    pub async fn get_tagged_if_readable<T: DeserializeOwned>(
        &self,
        key: &str,
    ) -> Result<Option<Tagged<T>>, BucketError> {
        match self.get_tagged(key).await {
            Err(error @ BucketError::Malformed { .. }) => {
                tracing::warn!(%error, "a damaged JSON object is ignored");
                Ok(None)
            }
            other => other,
        }
    }

    /// The precondition that an object is still as it is now (whatever it holds), or absent.
    pub async fn current_state(&self, key: &str) -> Result<Precondition, BucketError> {
        Ok(match self.head(key).await? {
            Some(StoredObject {
                etag: Some(etag), ..
            }) => Precondition::Unchanged(etag),
            _ => Precondition::Absent,
        })
    }

    /// Size and checksum of a stored object; `None` when there is no such key.
    pub async fn head(&self, key: &str) -> Result<Option<StoredObject>, BucketError> {
        match self
            .client
            .head_object()
            .bucket(&self.name)
            .key(key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
        {
            Ok(head) => Ok(Some(StoredObject {
                size: head
                    .content_length
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0),
                checksum_sha256: head.checksum_sha256,
                etag: head.e_tag,
                content_type: head.content_type,
            })),
            Err(SdkError::ServiceError(e)) if e.err().is_not_found() => Ok(None),
            Err(e) => Err(unavailable("HeadObject", key, e)),
        }
    }
}

/// The recording documents among `keys` other than `own_key`. A folder that holds another
/// recording's document is not one recording's alone, so nothing in it is edited or deleted on
/// the strength of one document.
pub fn other_documents<'a>(
    keys: &'a [String],
    own_key: &'a str,
) -> impl Iterator<Item = &'a String> + 'a {
    let suffix = format!("/{}", crate::domain::layout::RECORDING_DOCUMENT_FILE);
    keys.iter()
        .filter(move |key| key.ends_with(&suffix) && key.as_str() != own_key)
}

/// One page of a listing: keys in order, and where the next page starts (`None`: the end).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPage {
    pub keys: Vec<String>,
    pub next: Option<String>,
}

impl Bucket {
    /// Up to 1,000 keys under `prefix` after `start_after`, in key order.
    pub async fn list_page(
        &self,
        prefix: &str,
        start_after: Option<&str>,
    ) -> Result<KeyPage, BucketError> {
        let answer = self
            .client
            .list_objects_v2()
            .bucket(&self.name)
            .prefix(prefix)
            .set_start_after(start_after.map(str::to_owned))
            .send()
            .await
            .map_err(|e| unavailable("ListObjectsV2", prefix, e))?;
        let keys: Vec<String> = answer
            .contents()
            .iter()
            .filter_map(|object| object.key().map(str::to_owned))
            .collect();
        let next = match answer.is_truncated() {
            Some(true) => keys.last().cloned(),
            _ => None,
        };
        Ok(KeyPage { keys, next })
    }

    /// Every key under `prefix`, all pages.
    pub async fn list_all(&self, prefix: &str) -> Result<Vec<String>, BucketError> {
        let mut keys = Vec::new();
        let mut start_after: Option<String> = None;
        loop {
            let page = self.list_page(prefix, start_after.as_deref()).await?;
            keys.extend(page.keys);
            match page.next {
                Some(next) => start_after = Some(next),
                None => return Ok(keys),
            }
        }
    }

    /// Recording documents under `folder/` other than `own_key` (see [`other_documents`]).
    pub async fn other_documents(
        &self,
        folder: &str,
        own_key: &str,
    ) -> Result<Vec<String>, BucketError> {
        let keys = self.list_all(&format!("{folder}/")).await?;
        Ok(other_documents(&keys, own_key).cloned().collect())
    }

    /// Deletes one object (no error when it is already gone).
    pub async fn delete(&self, key: &str) -> Result<(), BucketError> {
        self.client
            .delete_object()
            .bucket(&self.name)
            .key(key)
            .send()
            .await
            .map_err(|e| unavailable("DeleteObject", key, e))?;
        Ok(())
    }

    /// Every way the stored copy differs from `expected` (key, size, checksum): missing
    /// objects, other sizes, other checksums. Empty when every file is there as archived.
    pub async fn differences(
        &self,
        expected: &[ExpectedObject<'_>],
    ) -> Result<Vec<String>, BucketError> {
        let keys: Vec<&str> = expected.iter().map(|file| file.key).collect();
        let heads = self.head_all(&keys).await?;
        let mut problems = Vec::new();
        for (file, stored) in expected.iter().zip(heads) {
            let Some(stored) = stored else {
                problems.push(format!("{} is missing from the bucket", file.key));
                continue;
            };
            if stored.size != file.size {
                problems.push(format!(
                    "{} holds {} bytes, {} were archived",
                    file.key, stored.size, file.size
                ));
            }
            if let (Some(stored), Some(archived)) = (&stored.checksum_sha256, file.checksum_sha256)
            {
                if stored != archived {
                    problems.push(format!(
                        "{} has another checksum than the one archived",
                        file.key
                    ));
                }
            }
        }
        Ok(problems)
    }
}

impl Bucket {
    /// [`Bucket::head`] of each key, in the order given, a few at a time (a meeting may have
    /// hundreds of files).
    pub async fn head_all(&self, keys: &[&str]) -> Result<Vec<Option<StoredObject>>, BucketError> {
        futures_util::stream::iter(keys.iter().map(|key| self.head(key)))
            .buffered(HEADS_IN_FLIGHT)
            .try_collect()
            .await
    }

    /// Every way the bucket differs from what `item` says was archived; an item that lists no
    /// files differs too (there is nothing to vouch for). Empty: the archive is complete.
    pub async fn item_differences(
        &self,
        item: &crate::table::RecordingItem,
    ) -> Result<Vec<String>, BucketError> {
        let expected: Vec<ExpectedObject<'_>> =
            item.files.iter().map(ExpectedObject::from).collect();
        let mut differences = self.differences(&expected).await?;
        if item.files.is_empty() {
            differences.push("the item lists no files".into());
        }
        Ok(differences)
    }
}

/// What an archived object must look like in the bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExpectedObject<'a> {
    pub key: &'a str,
    pub size: u64,
    pub checksum_sha256: Option<&'a str>,
}

impl<'a> From<&'a crate::table::ArchivedFile> for ExpectedObject<'a> {
    fn from(file: &'a crate::table::ArchivedFile) -> Self {
        Self {
            key: &file.key,
            size: file.size,
            checksum_sha256: file.checksum_sha256.as_deref(),
        }
    }
}

impl<'a> From<&'a crate::domain::document::DocumentFile> for ExpectedObject<'a> {
    fn from(file: &'a crate::domain::document::DocumentFile) -> Self {
        Self {
            key: &file.key,
            size: file.size,
            checksum_sha256: file.checksum_sha256.as_deref(),
        }
    }
}

fn unavailable(
    operation: &'static str,
    key: &str,
    source: impl std::error::Error + Send + Sync + 'static,
) -> BucketError {
    BucketError::Unavailable {
        operation,
        key: key.to_owned(),
        source: Box::new(source),
    }
}
