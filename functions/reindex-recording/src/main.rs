//! Lambda entry point of `reindex-recording`.

use archiver::aws;
use archiver::lambda::{CallTime, serve};
use lambda_runtime::Error;
use reindex_recording::{Dependencies, reindex_recording};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let notifier = aws::notifier(&settings, &sdk_config);
    let dependencies = Dependencies {
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
        notifier: notifier.as_ref(),
    };
    let dependencies = &dependencies;
    serve(CallTime::default(), |input: Value, _| {
        reindex_recording(input, dependencies)
    })
    .await
}
