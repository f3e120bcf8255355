//! Lambda entry point of `zoom-webhook`.

use std::time::Duration;

use archiver::aws;
use archiver::workflow::StepFunctions;
use lambda_http::{Error, service_fn};
use zoom_webhook::handler::WebhookConfig;

/// Zoom waits 3 s for an answer; Step Functions gets most of it, retries included.
const START_EXECUTION_BUDGET: Duration = Duration::from_millis(2000);

#[tokio::main]
async fn main() -> Result<(), Error> {
    let (settings, sdk_config) = aws::start_up().await?;
    let credentials = aws::resolve_zoom_credentials(&settings, &sdk_config)
        .await
        .inspect_err(|error| tracing::error!(%error, "no Zoom credentials"))?;
    let config = WebhookConfig::from_settings(&settings, &credentials);
    let starter = StepFunctions::new(
        StepFunctions::client_with_budget(&sdk_config, START_EXECUTION_BUDGET),
        settings.state_machine_arn.clone(),
    );
    lambda_http::run(service_fn(|request| {
        zoom_webhook::http::respond(request, &config, &starter)
    }))
    .await
}
