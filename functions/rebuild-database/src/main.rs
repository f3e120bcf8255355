//! Lambda entry point of `rebuild-database`.

use archiver::aws;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use rebuild_database::{Dependencies, rebuild_database};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let dependencies = Dependencies {
        bucket: &aws::recordings_bucket(&settings, &sdk_config),
        table: &aws::recordings_table(&settings, &sdk_config),
    };
    let margin = settings.operations.deadline_margin;
    let budget = settings.operations.call_budget;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = archiver::operations::work_deadline(&event.context, margin, budget);
        let request = archiver::pipeline::decode(event.payload)?;
        rebuild_database(request, &dependencies, deadline)
            .await
            .map(|done| serde_json::to_value(done).unwrap_or_default())
    }))
    .await
}
