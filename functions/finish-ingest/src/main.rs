//! Lambda entry point of `finish-ingest`.

use archiver::aws;
use finish_ingest::{Dependencies, finish_ingest};
use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

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
    let margin = settings.operations.deadline_margin;
    let budget = settings.operations.call_budget;
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        let deadline = archiver::operations::work_deadline(&event.context, margin, budget);
        let request = archiver::pipeline::decode(event.payload)?;
        finish_ingest(request, &dependencies, deadline).await
    }))
    .await
}
