//! Lambda entry point of `zoom-webhook`.

use std::time::Duration;

use archiver::aws;
use archiver::workflow::StepFunctions;
use lambda_http::{Error, service_fn};
use zoom_webhook::handler::{WebhookConfig, Workflows};

/// Zoom waits 3 s for an answer; Step Functions gets most of it, retries included.
const START_EXECUTION_BUDGET: Duration = Duration::from_millis(2000);

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let credentials = aws::resolve_zoom_credentials(&settings, &sdk_config)
        .await
        .inspect_err(|error| tracing::error!(%error, "no Zoom credentials"))?;
    let config = WebhookConfig::from_settings(&settings, &credentials);
    let client = StepFunctions::client_with_budget(&sdk_config, START_EXECUTION_BUDGET);
    let ingest = StepFunctions::new(client.clone(), settings.state_machine_arn.clone());
    let changes = settings
        .zoom_change_state_machine_arn
        .clone()
        .map(|arn| StepFunctions::new(client, arn));
    let workflows = Workflows {
        ingest: &ingest,
        changes: changes.as_ref(),
    };
    lambda_http::run(service_fn(|request| {
        zoom_webhook::http::respond(request, &config, workflows)
    }))
    .await
}
