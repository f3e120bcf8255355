//! Lambda entry point of `apply-zoom-change`.

use apply_zoom_change::{Dependencies, apply_zoom_change};
use archiver::aws;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let notifier = aws::notifier(&settings, &sdk_config);
    let ingest = aws::ingest_state_machine(&settings, &sdk_config);
    let dependencies = Dependencies {
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
        notifier: notifier.as_ref(),
        ingest: &ingest,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        apply_zoom_change(event.payload, &dependencies)
            .await
            .map(|done| serde_json::to_value(done).unwrap_or_default())
    }))
    .await
}
