//! Lambda entry point of `apply-zoom-change`.

use apply_zoom_change::{Dependencies, apply_zoom_change};
use archiver::aws;
use archiver::lambda::{CallTime, serve};
use lambda_runtime::Error;
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
    let dependencies = &dependencies;
    serve(CallTime::default(), |input: Value, _| {
        apply_zoom_change(input, dependencies)
    })
    .await
}
