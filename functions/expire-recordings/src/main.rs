//! Lambda entry point of `expire-recordings`.

use archiver::aws;
use archiver::domain::retention::RetentionPolicy;
use archiver::lambda::serve;
use expire_recordings::{Dependencies, expire_recordings};
use lambda_runtime::Error;

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
    let dependencies = &dependencies;
    serve(aws::operations_call_time(&settings), |request, deadline| {
        expire_recordings(request, dependencies, chrono::Utc::now(), deadline)
    })
    .await
}
