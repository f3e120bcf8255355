//! Lambda entry point of `scan-missed-meetings`.

use std::time::Duration;

use archiver::aws;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use scan_missed_meetings::{Dependencies, scan_missed_meetings};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let dependencies = Dependencies {
        zoom: &aws::zoom_client(&settings, &sdk_config).await?,
        table: &aws::recordings_table(&settings, &sdk_config),
        starter: &aws::ingest_state_machine(&settings, &sdk_config),
        rules: &settings.archive_rules,
        scan_days: settings.operations.scan_days,
        list_interval: Duration::from_secs(1)
            / settings.operations.scan_list_requests_per_second.max(1),
    };
    let margin = settings.operations.deadline_margin;
    let budget = settings.operations.call_budget;
    let dependencies = &dependencies;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = archiver::operations::work_deadline(&event.context, margin, budget);
        let request = archiver::pipeline::decode(event.payload)?;
        scan_missed_meetings(request, dependencies, chrono::Utc::now(), deadline)
            .await
            .map(|outcome| serde_json::to_value(outcome).unwrap_or_default())
    }))
    .await
}
