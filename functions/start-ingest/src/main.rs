//! Lambda entry point of `start-ingest`.

use archiver::bucket::Bucket;
use archiver::settings::Settings;
use archiver::table::RecordingsTable;
use archiver::workflow::StepFunctions;
use archiver::zoom::{ZoomClient, ZoomClientConfig};
use archiver::{aws, telemetry};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;
use start_ingest::{Dependencies, start_ingest};

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let settings =
        Settings::from_env().inspect_err(|error| tracing::error!(%error, "bad settings"))?;
    let sdk_config = aws::load_sdk_config().await;
    let credentials = aws::resolve_zoom_credentials(&settings, &sdk_config).await?;
    let zoom = ZoomClient::new(ZoomClientConfig::from_settings(
        &settings.zoom,
        &credentials,
    ))?;
    let dependencies = Dependencies {
        zoom: &zoom,
        bucket: &Bucket::new(
            aws::s3_client(&sdk_config, settings.s3_force_path_style),
            &settings.recordings_bucket,
        ),
        table: &RecordingsTable::new(
            aws::dynamodb_client(&sdk_config),
            &settings.recordings_table,
        ),
        workflow: &StepFunctions::new(
            aws::sfn_client(&sdk_config),
            settings.state_machine_arn.clone(),
        ),
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        start_ingest(event.payload, &dependencies, chrono::Utc::now())
            .await
            .map(|started| serde_json::to_value(started).unwrap_or_default())
    }))
    .await
}
