//! Lambda entry point of `finish-ingest`.

use archiver::aws;
use archiver::lambda::serve;
use finish_ingest::{Dependencies, finish_ingest};
use lambda_runtime::Error;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let notifier = aws::notifier(&settings, &sdk_config);
    let dependencies = Dependencies {
        zoom: &aws::zoom_client(&settings, &sdk_config).await?,
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
        notifier: notifier.as_ref(),
        trash: &settings.trash_policy,
        rules: &settings.archive_rules,
    };
    let dependencies = &dependencies;
    serve(aws::operations_call_time(&settings), |request, deadline| {
        finish_ingest(request, dependencies, deadline)
    })
    .await
}
