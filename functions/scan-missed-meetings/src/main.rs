//! Lambda entry point of `scan-missed-meetings`.

use std::time::Duration;

use archiver::settings::Settings;
use archiver::table::RecordingsTable;
use archiver::workflow::StepFunctions;
use archiver::zoom::{ZoomClient, ZoomClientConfig};
use archiver::{aws, telemetry};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use scan_missed_meetings::{Dependencies, scan_missed_meetings};
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
    let dependencies = Dependencies {
        zoom: &zoom,
        table: &RecordingsTable::new(
            aws::dynamodb_client(&sdk_config),
            &settings.recordings_table,
        ),
        starter: &StepFunctions::new(
            aws::sfn_client(&sdk_config),
            settings.state_machine_arn.clone(),
        ),
        rules: &settings.archive_rules,
        scan_days: settings.operations.scan_days,
        list_interval: Duration::from_secs(1)
            / settings.operations.scan_list_requests_per_second.max(1),
    };
    let margin = settings.operations.deadline_margin;
    let dependencies = &dependencies;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = archiver::operations::work_deadline(&event.context, margin);
        let request = archiver::pipeline::decode(event.payload)?;
        scan_missed_meetings(request, dependencies, chrono::Utc::now(), deadline)
            .await
            .map(|outcome| serde_json::to_value(outcome).unwrap_or_default())
    }))
    .await
}
