//! Lambda entry point of `reindex-recording`.

use archiver::aws;
use lambda_runtime::{Error, LambdaEvent, service_fn};
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
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        reindex_recording(event.payload, &dependencies)
            .await
            .map(|done| serde_json::to_value(done).unwrap_or_default())
    }))
    .await
}
