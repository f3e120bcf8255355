//! Lambda entry point of `ingest-metadata`.

use archiver::aws;
use archiver::lambda::{CallTime, serve};
use ingest_metadata::{Dependencies, ingest_metadata};
use lambda_runtime::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let dependencies = Dependencies {
        zoom: &aws::zoom_client(&settings, &sdk_config).await?,
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
        executions: &aws::ingest_state_machine(&settings, &sdk_config),
        settings: &settings,
    };
    let dependencies = &dependencies;
    serve(CallTime::default(), |request, _| {
        ingest_metadata(request, dependencies)
    })
    .await
}
