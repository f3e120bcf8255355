//! Lambda entry point of `finish-ingest`.

use archiver::bucket::Bucket;
use archiver::settings::Settings;
use archiver::table::RecordingsTable;
use archiver::zoom::{ZoomClient, ZoomClientConfig};
use archiver::{aws, telemetry};
use finish_ingest::{Dependencies, Notifier, finish_ingest};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

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
    let notifier = settings
        .notify_queue_url
        .clone()
        .map(|queue_url| Notifier::new(aws::sqs_client(&sdk_config), queue_url));
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
        notifier: notifier.as_ref(),
        trash_after_archive: settings.trash_after_archive,
    };
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async {
        let request = archiver::pipeline::decode(event.payload)?;
        finish_ingest(request, &dependencies).await
    }))
    .await
}
