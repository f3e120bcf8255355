//! Lambda entry point of `rebuild-database`.

use archiver::aws;
use archiver::lambda::serve;
use lambda_runtime::Error;
use rebuild_database::{Dependencies, rebuild_database};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let dependencies = Dependencies {
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
    };
    let dependencies = &dependencies;
    serve(aws::operations_call_time(&settings), |request, deadline| {
        rebuild_database(request, dependencies, deadline)
    })
    .await
}
