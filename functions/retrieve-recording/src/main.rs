//! Lambda entry point of `retrieve-recording`.

use archiver::aws;
use archiver::bucket::Bucket;
use archiver::operations::work_deadline;
use archiver::pipeline::MAX_ITERATION_MESSAGE_BYTES;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use retrieve_recording::{Dependencies, retrieve_recording, retriever};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let s3 = aws::s3_client(&sdk_config, settings.s3_force_path_style);
    let dependencies = Dependencies {
        zoom: &aws::zoom_client(&settings, &sdk_config).await?,
        retriever: &retriever(&settings, s3.clone())?,
        executions: &aws::sfn_client(&sdk_config),
        bucket: &Bucket::new(s3.clone(), &settings.recordings_bucket),
    };
    let settings = &settings;
    let dependencies = &dependencies;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        // Stop starting parts early enough to finish the ones in flight and answer.
        let deadline = work_deadline(
            &event.context,
            settings.transfer.deadline_margin,
            settings.transfer.call_budget,
        );
        let request = archiver::pipeline::decode(event.payload)?;
        retrieve_recording(request, dependencies, deadline)
            .await
            .map(|retrieval| serde_json::to_value(retrieval).unwrap_or_default())
            .map_err(|error| {
                tracing::error!(error_type = %error.error_type, message = %error.message, "the file failed");
                error.truncated(MAX_ITERATION_MESSAGE_BYTES)
            })
    }))
    .await
}
