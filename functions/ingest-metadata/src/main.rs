//! Lambda entry point of `ingest-metadata`.

use archiver::aws;
use ingest_metadata::{Dependencies, ingest_metadata};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

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
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        let request = archiver::pipeline::decode(event.payload)?;
        ingest_metadata(request, &dependencies)
            .await
            .map(|plan| serde_json::to_value(plan).unwrap_or_default())
    }))
    .await
}
