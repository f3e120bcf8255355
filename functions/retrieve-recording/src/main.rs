//! Lambda entry point of `retrieve-recording`.

use std::time::{Duration, Instant, SystemTime};

use archiver::aws;
use archiver::settings::Settings;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use retrieve_recording::{Dependencies, retrieve_recording, retriever};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let s3 = aws::s3_client(&sdk_config, settings.s3_force_path_style);
    let dependencies = Dependencies {
        zoom: &aws::zoom_client(&settings, &sdk_config).await?,
        retriever: &retriever(&settings, s3)?,
        executions: &aws::sfn_client(&sdk_config),
        bucket: &settings.recordings_bucket,
    };
    let settings = &settings;
    let dependencies = &dependencies;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = work_deadline(&event.context, settings);
        let request = archiver::pipeline::decode(event.payload)?;
        retrieve_recording(request, dependencies, deadline)
            .await
            .map(|retrieval| serde_json::to_value(retrieval).unwrap_or_default())
    }))
    .await
}

/// When to stop starting parts: the Lambda's deadline minus the margin for the parts in flight,
/// or the configured per-call budget if that comes first.
fn work_deadline(context: &lambda_runtime::Context, settings: &Settings) -> Instant {
    let now = Instant::now();
    let remaining = context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
        .saturating_sub(settings.transfer.deadline_margin);
    let budget = settings.transfer.call_budget.unwrap_or(remaining);
    // At least a moment of work, so that every call makes progress.
    let work = remaining.min(budget).max(Duration::from_secs(1));
    tracing::debug!(work_ms = work.as_millis() as u64, "retrieval call budget");
    now + work
}
