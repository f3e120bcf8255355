//! The transfer loop: plan, probe, parts in flight, continuation, completion, verification.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, ChecksumMode, CompletedMultipartUpload, CompletedPart};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::{Bytes, BytesMut};
use futures_util::stream::{self, FuturesUnordered, StreamExt};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::error::TransferError;
use super::source::{self, Answer};
use crate::domain::SecretString;
use crate::domain::parts::PartPlan;
use crate::domain::token_hosts::TokenHosts;

/// Redirects followed at most (reqwest's default too).
const MAX_REDIRECTS: usize = 10;

/// How the retriever moves bytes.
#[derive(Debug, Clone)]
pub struct RetrieverConfig {
    /// The hosts a download URL may name (the token goes only there).
    pub token_hosts: TokenHosts,
    /// Smallest part; grown for files that would need more than 10,000 parts.
    pub part_size: u64,
    /// Parts downloaded and uploaded at once.
    pub parts_in_flight: usize,
    /// Attempts per part before the call gives up on it.
    pub part_attempts: u32,
    /// Consecutive calls without progress before the upload is abandoned.
    pub max_stalled_calls: u32,
}

/// The file on Zoom's side.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub download_url: String,
    /// Bytes, as Zoom announced them.
    pub size: u64,
    /// Stored when the server does not say (Zoom's CDN normally does).
    pub fallback_content_type: String,
}

/// Where the file goes.
#[derive(Debug, Clone)]
pub struct Destination {
    pub bucket: String,
    pub key: String,
}

/// Where an unfinished multipart upload stands; small enough for Step Functions state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferState {
    pub upload_id: String,
    pub size: u64,
    pub part_size: u64,
    /// Calls in a row that ended in a transient failure.
    #[serde(default)]
    pub stalled_calls: u32,
}

/// A stored, verified object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedObject {
    pub bucket: String,
    pub key: String,
    pub size: u64,
    pub content_type: String,
    pub parts: u64,
    /// Base64 SHA-256 of the whole object (single-part uploads), or S3's composite checksum of
    /// the parts (`...-N`) where the store reports one.
    pub checksum_sha256: Option<String>,
}

/// What a call achieved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransferOutcome {
    Done(VerifiedObject),
    /// Call again with this state (deadline reached, or a transient failure to resume from).
    InProgress(TransferState),
}

/// Gives a token to try after Zoom refused the one in hand (an expired `download_token`, or an
/// access token Zoom revoked before its time): never the `refused` one again.
pub trait FreshToken {
    fn fresh_token(
        &self,
        refused: Option<&SecretString>,
    ) -> impl Future<Output = Result<SecretString, TransferError>> + Send;
}

/// Copies Zoom files into S3.
#[derive(Debug, Clone)]
pub struct Retriever {
    http: reqwest::Client,
    s3: aws_sdk_s3::Client,
    config: RetrieverConfig,
}

/// A part that is in S3.
#[derive(Debug, Clone)]
struct StoredPart {
    e_tag: String,
    checksum_sha256: Option<String>,
    size: u64,
}

enum PartsResult {
    AllStored,
    DeadlineReached,
}

impl Retriever {
    /// A retriever over an HTTP client from `http` (timeouts set by the caller; redirects are
    /// followed only where [`TokenHosts::check_redirect`] allows) and `s3`.
    pub fn new(
        http: reqwest::ClientBuilder,
        s3: aws_sdk_s3::Client,
        config: RetrieverConfig,
    ) -> Result<Self, reqwest::Error> {
        let hosts = config.token_hosts.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            // A refused redirect stops here: the caller sees the 3xx and names the refusal.
            if attempt.previous().len() >= MAX_REDIRECTS
                || hosts.check_redirect(attempt.url()).is_err()
            {
                attempt.stop()
            } else {
                attempt.follow()
            }
        });
        let http = http.redirect(redirects).build()?;
        Ok(Self { http, s3, config })
    }

    /// Refuses a download URL that is not an allowed Zoom host, before any request (and before
    /// any token is minted for it).
    pub fn check_source(&self, download_url: &str) -> Result<(), TransferError> {
        self.config.token_hosts.check(download_url)?;
        Ok(())
    }

    /// Copies `source` to `destination`, or continues a previous call's `state`. Stops launching
    /// parts at `deadline` and returns [`TransferOutcome::InProgress`].
    pub async fn run(
        &self,
        source: &SourceFile,
        destination: &Destination,
        token: SecretString,
        tokens: &impl FreshToken,
        state: Option<TransferState>,
        deadline: Instant,
    ) -> Result<TransferOutcome, TransferError> {
        self.check_source(&source.download_url)?;
        let mut token = token;
        let Some(state) = state else {
            let plan = PartPlan::new(source.size, self.config.part_size);
            if plan.is_single_put() {
                return self
                    .single_put(source, destination, &mut token, tokens)
                    .await
                    .map(TransferOutcome::Done);
            }
            return self
                .start_multipart(source, destination, &mut token, tokens, plan, deadline)
                .await;
        };
        if state.size != source.size {
            return Err(TransferError::InvalidInput {
                what: "the continuation state is for a file of another size".into(),
            });
        }
        let plan = PartPlan::new(state.size, state.part_size);
        let result = self
            .upload_parts(
                source,
                destination,
                &mut token,
                tokens,
                &plan,
                &state.upload_id,
                deadline,
                None,
            )
            .await;
        if matches!(result, Err(TransferError::UploadGone)) {
            // Nothing of it can be trusted or completed any more: copy the file again.
            tracing::warn!("the multipart upload to continue is gone; starting the file again");
            let plan = PartPlan::new(source.size, self.config.part_size);
            return self
                .start_multipart(source, destination, &mut token, tokens, plan, deadline)
                .await;
        }
        self.settle(destination, plan, state, result).await
    }

    /// The size of a file Zoom listed without one, asked of the server (with a fresh token if
    /// the one in hand is refused).
    pub async fn remote_size(
        &self,
        download_url: &str,
        token: &mut SecretString,
        tokens: &impl FreshToken,
    ) -> Result<u64, TransferError> {
        self.check_source(download_url)?;
        match source::remote_size(&self.http, download_url, token).await {
            Err(TransferError::DownloadRefused { reason }) => {
                tracing::info!(%reason, "size probe refused; retrying with a fresh token");
                *token = tokens.fresh_token(Some(token)).await?;
                source::remote_size(&self.http, download_url, token).await
            }
            other => other,
        }
    }

    async fn single_put(
        &self,
        source: &SourceFile,
        destination: &Destination,
        token: &mut SecretString,
        tokens: &impl FreshToken,
    ) -> Result<VerifiedObject, TransferError> {
        let answer = self.get_refreshing(source, token, tokens, None).await?;
        let content_type = answer
            .content_type()
            .unwrap_or_else(|| source.fallback_content_type.clone());
        let response = match answer {
            Answer::Partial(r) | Answer::Whole(r) => r,
        };
        let body = source::read_exact(response, source.size).await?;
        let checksum = sha256_base64(&body);
        self.s3
            .put_object()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .content_type(&content_type)
            .checksum_sha256(&checksum)
            .body(ByteStream::from(body))
            .send()
            .await
            .map_err(|e| TransferError::storage("PutObject", e))?;
        self.verify(destination, source.size, content_type, 1, Some(checksum))
            .await
    }

    async fn start_multipart(
        &self,
        source: &SourceFile,
        destination: &Destination,
        token: &mut SecretString,
        tokens: &impl FreshToken,
        plan: PartPlan,
        deadline: Instant,
    ) -> Result<TransferOutcome, TransferError> {
        // The first part tells whether ranges are honoured and what the content type is.
        let first = plan.range(1);
        let probe = self.get_refreshing(source, token, tokens, first).await?;
        let content_type = probe
            .content_type()
            .unwrap_or_else(|| source.fallback_content_type.clone());
        let upload = self
            .s3
            .create_multipart_upload()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .content_type(&content_type)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .send()
            .await
            .map_err(|e| TransferError::storage("CreateMultipartUpload", e))?;
        let upload_id = upload.upload_id().unwrap_or_default().to_owned();
        let state = TransferState {
            upload_id: upload_id.clone(),
            size: plan.size(),
            part_size: plan.part_size(),
            stalled_calls: 0,
        };
        let result = self
            .upload_parts(
                source,
                destination,
                token,
                tokens,
                &plan,
                &upload_id,
                deadline,
                Some(probe),
            )
            .await;
        self.settle(destination, plan, state, result).await
    }

    /// Turns the parts' result into the call's outcome: complete, continue, or give up.
    async fn settle(
        &self,
        destination: &Destination,
        plan: PartPlan,
        mut state: TransferState,
        result: Result<PartsResult, TransferError>,
    ) -> Result<TransferOutcome, TransferError> {
        let completed = match result {
            Ok(PartsResult::DeadlineReached) => {
                state.stalled_calls = 0;
                return Ok(TransferOutcome::InProgress(state));
            }
            Ok(PartsResult::AllStored) => self.complete(destination, &plan, &state.upload_id).await,
            Err(error) => Err(error),
        };
        match completed {
            Ok(object) => Ok(TransferOutcome::Done(object)),
            // The parts stay in S3 for the next call, up to a limit of calls without progress.
            Err(error)
                if error.is_resumable()
                    && state.stalled_calls + 1 < self.config.max_stalled_calls =>
            {
                tracing::warn!(%error, stalled = state.stalled_calls + 1, "transfer interrupted; will resume");
                state.stalled_calls += 1;
                Ok(TransferOutcome::InProgress(state))
            }
            Err(error) => {
                self.abort(destination, &state.upload_id).await;
                Err(error)
            }
        }
    }

    /// GET with the token in hand; on a refusal, once more with a fresh token.
    async fn get_refreshing(
        &self,
        source: &SourceFile,
        token: &mut SecretString,
        tokens: &impl FreshToken,
        range: Option<crate::domain::parts::ByteRange>,
    ) -> Result<Answer, TransferError> {
        match source::get(&self.http, &source.download_url, token, range).await {
            Err(TransferError::DownloadRefused { reason }) => {
                tracing::info!(%reason, "download refused; retrying with a fresh token");
                *token = tokens.fresh_token(Some(token)).await?;
                source::get(&self.http, &source.download_url, token, range).await
            }
            other => other,
        }
    }

    /// Stores every part not yet in S3, ranged and in parallel, or streamed when the server
    /// ignores ranges.
    #[allow(clippy::too_many_arguments)]
    async fn upload_parts(
        &self,
        source: &SourceFile,
        destination: &Destination,
        token: &mut SecretString,
        tokens: &impl FreshToken,
        plan: &PartPlan,
        upload_id: &str,
        deadline: Instant,
        probe: Option<Answer>,
    ) -> Result<PartsResult, TransferError> {
        let stored = self.list_parts(destination, upload_id).await?;
        let mut todo: Vec<u64> = (1..=plan.part_count())
            .filter(|n| !stored.contains_key(n))
            .collect();
        if todo.is_empty() {
            return Ok(PartsResult::AllStored);
        }
        let probe = match probe {
            Some(answer) => answer,
            None => {
                self.get_refreshing(source, token, tokens, plan.range(todo[0]))
                    .await?
            }
        };
        let first_response = match probe {
            Answer::Whole(response) => {
                return self
                    .stream_parts(destination, plan, upload_id, response, &todo, deadline)
                    .await;
            }
            Answer::Partial(response) => response,
        };
        let first = todo.remove(0);
        let first_len = plan.range(first).map_or(0, |r| r.len());
        match source::read_exact(first_response, first_len).await {
            Ok(bytes) => {
                self.upload_part(destination, upload_id, first, bytes)
                    .await?
            }
            // The probe's body broke off: that part gets the same retries as any other.
            Err(error) if error.is_transient() => {
                tracing::warn!(%error, part = first, "retrying the first part");
                self.ranged_part(source, destination, token, plan, upload_id, first)
                    .await?;
            }
            Err(error) => return Err(error),
        }

        let token = &*token;
        // Parts are taken until the deadline; every part taken is stored or reported failed.
        let remaining = todo.len();
        let results: Vec<Result<(), TransferError>> = stream::iter(todo)
            .take_while(|_| std::future::ready(Instant::now() < deadline))
            .map(|number| self.ranged_part(source, destination, token, plan, upload_id, number))
            .buffer_unordered(self.config.parts_in_flight.max(1))
            .collect()
            .await;
        let attempted = results.len();
        if let Some(error) = results.into_iter().find_map(Result::err) {
            return Err(error);
        }
        if attempted == remaining {
            Ok(PartsResult::AllStored)
        } else {
            Ok(PartsResult::DeadlineReached)
        }
    }

    /// One ranged part, retried alone on transient failures.
    async fn ranged_part(
        &self,
        source: &SourceFile,
        destination: &Destination,
        token: &SecretString,
        plan: &PartPlan,
        upload_id: &str,
        number: u64,
    ) -> Result<(), TransferError> {
        let range = plan
            .range(number)
            .ok_or_else(|| TransferError::InvalidInput {
                what: format!("part {number} is outside the file"),
            })?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let result = async {
                match source::get(&self.http, &source.download_url, token, Some(range)).await? {
                    Answer::Partial(response) => source::read_exact(response, range.len()).await,
                    Answer::Whole(_) => Err(TransferError::Interrupted {
                        what: "the server stopped honouring Range".into(),
                    }),
                }
            }
            .await;
            match result {
                Ok(bytes) => {
                    return self
                        .upload_part(destination, upload_id, number, bytes)
                        .await;
                }
                Err(error) if error.is_transient() && attempt < self.config.part_attempts => {
                    tracing::warn!(%error, part = number, attempt, "retrying a part");
                    tokio::time::sleep(backoff(attempt)).await;
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// The server sent the whole file: cut the stream into parts (skipping stored ones) and
    /// upload them, a bounded number at once.
    async fn stream_parts(
        &self,
        destination: &Destination,
        plan: &PartPlan,
        upload_id: &str,
        mut response: reqwest::Response,
        todo: &[u64],
        deadline: Instant,
    ) -> Result<PartsResult, TransferError> {
        let mut carry = BytesMut::new();
        let mut uploads = FuturesUnordered::new();
        let mut reached_deadline = false;
        for number in 1..=plan.part_count() {
            let len = plan.range(number).map_or(0, |r| r.len());
            let bytes = source::read_next(&mut response, &mut carry, len).await?;
            if !todo.contains(&number) {
                continue;
            }
            if Instant::now() >= deadline {
                reached_deadline = true;
                break;
            }
            if uploads.len() >= self.config.parts_in_flight.max(1) {
                if let Some(result) = uploads.next().await {
                    result?;
                }
            }
            uploads.push(self.upload_part(destination, upload_id, number, bytes));
        }
        while let Some(result) = uploads.next().await {
            result?;
        }
        if reached_deadline {
            return Ok(PartsResult::DeadlineReached);
        }
        let extra = source::read_next(&mut response, &mut carry, 1).await;
        if extra.is_ok() {
            return Err(TransferError::Integrity {
                what: "the body is longer than Zoom announced".into(),
            });
        }
        Ok(PartsResult::AllStored)
    }

    async fn upload_part(
        &self,
        destination: &Destination,
        upload_id: &str,
        number: u64,
        bytes: Bytes,
    ) -> Result<(), TransferError> {
        let part_number = i32::try_from(number).map_err(|_| TransferError::InvalidInput {
            what: format!("part number {number}"),
        })?;
        self.s3
            .upload_part()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .upload_id(upload_id)
            .part_number(part_number)
            .checksum_sha256(sha256_base64(&bytes))
            .body(ByteStream::from(bytes))
            .send()
            .await
            .map_err(|e| TransferError::upload_request("UploadPart", e))?;
        Ok(())
    }

    /// The parts already in S3, by number.
    async fn list_parts(
        &self,
        destination: &Destination,
        upload_id: &str,
    ) -> Result<BTreeMap<u64, StoredPart>, TransferError> {
        let mut parts = BTreeMap::new();
        let mut marker: Option<String> = None;
        loop {
            let page = self
                .s3
                .list_parts()
                .bucket(&destination.bucket)
                .key(&destination.key)
                .upload_id(upload_id)
                .set_part_number_marker(marker.clone())
                .send()
                .await
                .map_err(|e| TransferError::upload_request("ListParts", e))?;
            for part in page.parts() {
                let number = part
                    .part_number()
                    .and_then(|n| u64::try_from(n).ok())
                    .unwrap_or(0);
                parts.insert(
                    number,
                    StoredPart {
                        e_tag: part.e_tag().unwrap_or_default().to_owned(),
                        checksum_sha256: part.checksum_sha256().map(str::to_owned),
                        size: part.size().and_then(|s| u64::try_from(s).ok()).unwrap_or(0),
                    },
                );
            }
            match (page.is_truncated(), page.next_part_number_marker()) {
                (Some(true), Some(next)) => marker = Some(next.to_owned()),
                _ => return Ok(parts),
            }
        }
    }

    /// Completes the upload once every part is there with the planned size, then verifies.
    async fn complete(
        &self,
        destination: &Destination,
        plan: &PartPlan,
        upload_id: &str,
    ) -> Result<VerifiedObject, TransferError> {
        let stored = self.list_parts(destination, upload_id).await?;
        for number in 1..=plan.part_count() {
            let expected = plan.range(number).map_or(0, |r| r.len());
            match stored.get(&number) {
                Some(part) if part.size == expected => {}
                Some(part) => {
                    return Err(TransferError::Integrity {
                        what: format!(
                            "part {number} holds {} bytes, {expected} planned",
                            part.size
                        ),
                    });
                }
                None => {
                    return Err(TransferError::Integrity {
                        what: format!("part {number} is missing at completion"),
                    });
                }
            }
        }
        let all_checksums = stored.values().all(|p| p.checksum_sha256.is_some());
        let parts: Vec<CompletedPart> = stored
            .iter()
            .map(|(number, part)| {
                let builder = CompletedPart::builder()
                    .part_number(i32::try_from(*number).unwrap_or(i32::MAX))
                    .e_tag(&part.e_tag);
                match (&part.checksum_sha256, all_checksums) {
                    (Some(checksum), true) => builder.checksum_sha256(checksum).build(),
                    _ => builder.build(),
                }
            })
            .collect();
        let expected_checksum = all_checksums
            .then(|| composite_checksum(stored.values()))
            .flatten();
        let answer = self
            .s3
            .complete_multipart_upload()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .upload_id(upload_id)
            .multipart_upload(
                CompletedMultipartUpload::builder()
                    .set_parts(Some(parts))
                    .build(),
            )
            .send()
            .await;
        let checksum = match answer {
            Ok(completed) => completed.checksum_sha256().map(str::to_owned),
            Err(error) => {
                let error = TransferError::upload_request("CompleteMultipartUpload", error);
                // S3 may have completed the upload and the answer got lost on the way back
                // (then a retry finds no upload): the object itself tells.
                match self
                    .completed_despite(destination, plan, upload_id, expected_checksum.as_deref())
                    .await
                {
                    Some(checksum) => {
                        tracing::warn!(%error, "the completion's answer was lost, but the object is complete");
                        checksum
                    }
                    None => return Err(error),
                }
            }
        };
        let head = self.head(destination).await?;
        let content_type = head
            .content_type()
            .unwrap_or("application/octet-stream")
            .to_owned();
        self.check_size(&head, plan.size())?;
        Ok(VerifiedObject {
            bucket: destination.bucket.clone(),
            key: destination.key.clone(),
            size: plan.size(),
            content_type,
            parts: plan.part_count(),
            checksum_sha256: checksum,
        })
    }

    /// After a failed `CompleteMultipartUpload`: `Some(checksum)` when the object is there,
    /// complete, and made of exactly these parts: S3's composite checksum equals the one
    /// computed from the parts, or, on a store that reports none, the object has the planned
    /// size and the upload no longer exists.
    async fn completed_despite(
        &self,
        destination: &Destination,
        plan: &PartPlan,
        upload_id: &str,
        expected_checksum: Option<&str>,
    ) -> Option<Option<String>> {
        let head = self
            .s3
            .head_object()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .checksum_mode(ChecksumMode::Enabled)
            .send()
            .await
            .ok()?;
        self.check_size(&head, plan.size()).ok()?;
        match (head.checksum_sha256(), expected_checksum) {
            (Some(stored), Some(expected)) => (stored == expected).then(|| Some(stored.to_owned())),
            (Some(_), None) => None,
            (None, _) => match self.list_parts(destination, upload_id).await {
                Err(TransferError::UploadGone) => Some(None),
                Ok(parts) if parts.is_empty() => Some(None),
                _ => None,
            },
        }
    }

    async fn head(
        &self,
        destination: &Destination,
    ) -> Result<aws_sdk_s3::operation::head_object::HeadObjectOutput, TransferError> {
        self.s3
            .head_object()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .send()
            .await
            .map_err(|e| TransferError::storage("HeadObject", e))
    }

    fn check_size(
        &self,
        head: &aws_sdk_s3::operation::head_object::HeadObjectOutput,
        expected: u64,
    ) -> Result<(), TransferError> {
        let stored = head.content_length().and_then(|n| u64::try_from(n).ok());
        if stored == Some(expected) {
            Ok(())
        } else {
            Err(TransferError::Integrity {
                what: format!("S3 holds {stored:?} bytes, {expected} expected"),
            })
        }
    }

    async fn verify(
        &self,
        destination: &Destination,
        size: u64,
        content_type: String,
        parts: u64,
        checksum_sha256: Option<String>,
    ) -> Result<VerifiedObject, TransferError> {
        let head = self.head(destination).await?;
        self.check_size(&head, size)?;
        Ok(VerifiedObject {
            bucket: destination.bucket.clone(),
            key: destination.key.clone(),
            size,
            content_type,
            parts,
            checksum_sha256,
        })
    }

    /// Leaves nothing behind; an abort that fails is logged (the bucket's lifecycle rule removes
    /// incomplete uploads after a few days).
    async fn abort(&self, destination: &Destination, upload_id: &str) {
        let result = self
            .s3
            .abort_multipart_upload()
            .bucket(&destination.bucket)
            .key(&destination.key)
            .upload_id(upload_id)
            .send()
            .await;
        if let Err(error) = result {
            tracing::warn!(error = %aws_sdk_s3::error::DisplayErrorContext(&error), "could not abort a multipart upload");
        }
    }
}

/// S3's checksum of a multipart object: the SHA-256 of the parts' SHA-256 digests, in part
/// order, then `-` and the number of parts. `None` if a part's checksum is not base64.
fn composite_checksum<'a>(parts: impl ExactSizeIterator<Item = &'a StoredPart>) -> Option<String> {
    let count = parts.len();
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(BASE64.decode(part.checksum_sha256.as_deref()?).ok()?);
    }
    Some(format!("{}-{count}", BASE64.encode(hasher.finalize())))
}

fn sha256_base64(bytes: &[u8]) -> String {
    BASE64.encode(Sha256::digest(bytes))
}

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(100 * (1 << attempt.min(6)))
}

/// The account's OAuth access token is the fallback for an expired `download_token`; after a
/// refusal it is a newly issued one, never the cached token again.
impl FreshToken for crate::zoom::ZoomClient {
    async fn fresh_token(
        &self,
        refused: Option<&SecretString>,
    ) -> Result<SecretString, TransferError> {
        let token = match refused {
            Some(_) => self.renew_access_token().await,
            None => self.access_token().await,
        };
        token.map_err(|error| TransferError::DownloadRefused {
            reason: format!("no fresh token from Zoom: {error}"),
        })
    }
}
