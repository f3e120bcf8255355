//! Lambda entry point of `retrieve-recording`.

use archiver::aws;
use archiver::bucket::Bucket;
use archiver::lambda::{CallTime, serve};
use archiver::pipeline::MAX_ITERATION_MESSAGE_BYTES;
use lambda_runtime::Error;
use retrieve_recording::{Dependencies, retrieve_recording, retriever};

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
    // Stop starting parts early enough to finish the ones in flight and answer.
    let time = CallTime {
        margin: settings.transfer.deadline_margin,
        budget: settings.transfer.call_budget,
    };
    let dependencies = &dependencies;
    serve(time, |request, deadline| async move {
        retrieve_recording(request, dependencies, deadline)
            .await
            .map_err(|error| {
                tracing::error!(error_type = %error.error_type, message = %error.message, "the file failed");
                error.truncated(MAX_ITERATION_MESSAGE_BYTES)
            })
    })
    .await
}
