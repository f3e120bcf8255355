//! Lambda entry point of `expire-recordings`.

use archiver::bucket::Bucket;
use archiver::domain::retention::RetentionPolicy;
use archiver::settings::Settings;
use archiver::table::RecordingsTable;
use archiver::{aws, telemetry};
use expire_recordings::{Dependencies, expire_recordings};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    telemetry::init();
    let settings =
        Settings::from_env().inspect_err(|error| tracing::error!(%error, "bad settings"))?;
    let sdk_config = aws::load_sdk_config().await;
    let dependencies = Dependencies {
        bucket: &Bucket::new(
            aws::s3_client(&sdk_config, settings.s3_force_path_style),
            &settings.recordings_bucket,
        ),
        table: &RecordingsTable::new(
            aws::dynamodb_client(&sdk_config),
            &settings.recordings_table,
        ),
        policy: RetentionPolicy {
            days: settings.operations.retention_days,
        },
    };
    let margin = settings.operations.deadline_margin;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = archiver::operations::work_deadline(&event.context, margin);
        let request = archiver::pipeline::decode(event.payload)?;
        expire_recordings(request, &dependencies, chrono::Utc::now(), deadline)
            .await
            .map(|done| serde_json::to_value(done).unwrap_or_default())
    }))
    .await
}
