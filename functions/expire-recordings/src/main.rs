//! Lambda entry point of `expire-recordings`.

use archiver::aws;
use archiver::domain::retention::RetentionPolicy;
use expire_recordings::{Dependencies, expire_recordings};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let notifier = aws::notifier(&settings, &sdk_config);
    let dependencies = Dependencies {
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
        policy: RetentionPolicy {
            days: settings.operations.retention_days,
        },
        notifier: notifier.as_ref(),
    };
    let margin = settings.operations.deadline_margin;
    let budget = settings.operations.call_budget;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = archiver::operations::work_deadline(&event.context, margin, budget);
        let request = archiver::pipeline::decode(event.payload)?;
        expire_recordings(request, &dependencies, chrono::Utc::now(), deadline)
            .await
            .map(|done| serde_json::to_value(done).unwrap_or_default())
    }))
    .await
}
