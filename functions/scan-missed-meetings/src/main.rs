//! Lambda entry point of `scan-missed-meetings`.

use std::time::Duration;

use archiver::aws;
use archiver::lambda::serve;
use lambda_runtime::Error;
use scan_missed_meetings::{Dependencies, scan_missed_meetings};

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
    let dependencies = &dependencies;
    serve(aws::operations_call_time(&settings), |request, deadline| {
        scan_missed_meetings(request, dependencies, chrono::Utc::now(), deadline)
    })
    .await
}
