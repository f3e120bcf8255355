//! Lambda entry point of `start-ingest`.

use archiver::aws;
use archiver::lambda::{CallTime, serve};
use lambda_runtime::Error;
use serde_json::Value;
use start_ingest::{Dependencies, start_ingest};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let dependencies = Dependencies {
        zoom: &aws::zoom_client(&settings, &sdk_config).await?,
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
        workflow: &aws::ingest_state_machine(&settings, &sdk_config),
    };
    let dependencies = &dependencies;
    serve(CallTime::default(), |input: Value, _| {
        start_ingest(input, dependencies, chrono::Utc::now())
    })
    .await
}
