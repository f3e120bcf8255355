//! "Retrieve file": one Map iteration's work, called in a loop while it answers `IN_PROGRESS`.
//! The file is the one at the iteration's index in the execution's manifest.
//!
//! The token is the webhook's `download_token`, read from the execution's own input so that it
//! never enters the state machine's state; without one, or when Zoom refuses it, an OAuth access
//! token is used (the retriever asks for it). The bytes go straight from Zoom to S3 in parts.

use std::time::{Duration, Instant};

use archiver::bucket::Bucket;
use archiver::domain::SecretString;
use archiver::domain::layout::WORKING_PREFIX;
use archiver::pipeline::{FileItem, FileManifest, FileRef, Retrieval, RetrieveRequest, StepError};
use archiver::settings::Settings;
use archiver::transfer::{
    Destination, FreshToken, Retriever, RetrieverConfig, SourceFile, TransferOutcome,
};
use archiver::workflow::ExecutionInput;
use archiver::zoom::ZoomClient;

/// Attempts per part within one call, before the call hands back a continuation.
const PART_ATTEMPTS: u32 = 4;
/// Calls in a row without progress before the file is given up (and its upload aborted).
const MAX_STALLED_CALLS: u32 = 5;
/// A part that moves slower than this much per second has stalled.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// What the handler works with, built once per Lambda instance.
#[derive(Debug, Clone, Copy)]
pub struct Dependencies<'a> {
    pub zoom: &'a ZoomClient,
    pub retriever: &'a Retriever,
    pub executions: &'a aws_sdk_sfn::Client,
    /// The recordings bucket: the manifest is read from it, the file written into it.
    pub bucket: &'a Bucket,
}

/// The retriever the settings describe.
pub fn retriever(settings: &Settings, s3: aws_sdk_s3::Client) -> Result<Retriever, reqwest::Error> {
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(READ_TIMEOUT);
    Retriever::new(
        http,
        s3,
        RetrieverConfig {
            token_hosts: settings.zoom.allowed_hosts.clone(),
            part_size: settings.transfer.part_size_bytes,
            parts_in_flight: settings.transfer.parts_in_flight,
            part_attempts: PART_ATTEMPTS,
            max_stalled_calls: MAX_STALLED_CALLS,
        },
    )
}

/// The handler.
pub async fn retrieve_recording(
    request: RetrieveRequest,
    deps: &Dependencies<'_>,
    deadline: Instant,
) -> Result<Retrieval, StepError> {
    let state = match request.previous {
        Retrieval::Done { object } => return Ok(Retrieval::Done { object }),
        Retrieval::New => None,
        Retrieval::InProgress { state } => Some(state),
    };
    let manifest = manifest(&request.file, deps.bucket).await?;
    let item = manifest.item(request.file.index, &request.execution_arn)?;
    // Before the execution's download token is read or an OAuth token minted for it.
    deps.retriever.check_source(&item.download_url)?;
    let mut token = match download_token(deps.executions, &request.execution_arn).await? {
        Some(token) => token,
        None => deps.zoom.fresh_token(None).await?,
    };
    let size = match item.size {
        Some(size) => size,
        None => {
            deps.retriever
                .remote_size(&item.download_url, &mut token, deps.zoom)
                .await?
        }
    };
    let source = SourceFile {
        download_url: item.download_url.clone(),
        size,
        fallback_content_type: item.fallback_content_type.clone(),
    };
    let destination = Destination {
        bucket: deps.bucket.name().to_owned(),
        key: item.key.clone(),
    };
    let outcome = deps
        .retriever
        .run(&source, &destination, token, deps.zoom, state, deadline)
        .await?;
    log_outcome(item, &outcome);
    Ok(match outcome {
        TransferOutcome::Done(object) => Retrieval::Done { object },
        TransferOutcome::InProgress(state) => Retrieval::InProgress { state },
    })
}

/// The execution's file manifest; only a key under the pipeline's working prefix is read.
async fn manifest(file: &FileRef, bucket: &Bucket) -> Result<FileManifest, StepError> {
    if !file.manifest.starts_with(WORKING_PREFIX) {
        return Err(StepError::invalid_input(format!(
            "a file manifest lies under {WORKING_PREFIX}, not at {}",
            file.manifest
        )));
    }
    bucket
        .get_json(&file.manifest)
        .await?
        .ok_or_else(|| StepError::invalid_input(format!("no file manifest at {}", file.manifest)))
}

fn log_outcome(item: &FileItem, outcome: &TransferOutcome) {
    match outcome {
        TransferOutcome::Done(object) => tracing::info!(
            key = %item.key,
            size = object.size,
            parts = object.parts,
            "file archived and verified"
        ),
        TransferOutcome::InProgress(state) => tracing::info!(
            key = %item.key,
            stalled_calls = state.stalled_calls,
            "file continues in the next call"
        ),
    }
}

/// The webhook's `download_token` from the execution's input, if it had one.
async fn download_token(
    executions: &aws_sdk_sfn::Client,
    execution_arn: &str,
) -> Result<Option<SecretString>, StepError> {
    let execution = executions
        .describe_execution()
        .execution_arn(execution_arn)
        .send()
        .await
        .map_err(|error| StepError::from_typed(archiver::pipeline::WORKFLOW_UNAVAILABLE, &error))?;
    // An input that is not an ingest's (a hand-started test execution) has no token.
    Ok(execution
        .input
        .as_deref()
        .and_then(|text| serde_json::from_str::<ExecutionInput>(text).ok())
        .and_then(|input| input.token()))
}
