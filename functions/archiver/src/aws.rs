//! AWS SDK clients, built once per process.
//!
//! `aws-config` already honours the SDK's standard variables (`AWS_ENDPOINT_URL`,
//! `AWS_ENDPOINT_URL_S3`, `AWS_REGION`, ...), which is how the local stack redirects every client;
//! the only thing it cannot know is that a local S3 server wants path-style addressing.

use aws_config::{BehaviorVersion, SdkConfig};

use crate::bucket::Bucket;
use crate::settings::{
    CredentialsSource, Settings, SettingsError, ZoomCredentials, parse_credentials_secret,
};
use crate::table::RecordingsTable;
use crate::workflow::StepFunctions;
use crate::zoom::{ZoomClient, ZoomClientConfig};

/// What every function does first: logging, then the settings (a bad one stops the start with
/// the variable's name in the log), then the SDK configuration.
pub async fn start_up() -> Result<(Settings, SdkConfig), SettingsError> {
    crate::telemetry::init();
    let settings =
        Settings::from_env().inspect_err(|error| tracing::error!(%error, "bad settings"))?;
    Ok((settings, load_sdk_config().await))
}

/// The recordings bucket the settings name.
pub fn recordings_bucket(settings: &Settings, sdk_config: &SdkConfig) -> Bucket {
    Bucket::new(
        s3_client(sdk_config, settings.s3_force_path_style),
        &settings.recordings_bucket,
    )
}

/// The recordings table the settings name.
pub fn recordings_table(settings: &Settings, sdk_config: &SdkConfig) -> RecordingsTable {
    RecordingsTable::new(dynamodb_client(sdk_config), &settings.recordings_table)
}

/// The ingest state machine the settings name.
pub fn ingest_state_machine(settings: &Settings, sdk_config: &SdkConfig) -> StepFunctions {
    StepFunctions::new(sfn_client(sdk_config), settings.state_machine_arn.clone())
}

/// The Zoom API client, with the credentials from the environment or Secrets Manager.
pub async fn zoom_client(
    settings: &Settings,
    sdk_config: &SdkConfig,
) -> Result<ZoomClient, lambda_runtime::Error> {
    let credentials = resolve_zoom_credentials(settings, sdk_config)
        .await
        .inspect_err(|error| tracing::error!(%error, "no Zoom credentials"))?;
    Ok(ZoomClient::new(ZoomClientConfig::from_settings(
        &settings.zoom,
        &credentials,
    ))?)
}

/// Loads the shared SDK configuration from the environment.
/// How long an operations call (scan, rebuild, retention, trash run) may work.
pub fn operations_call_time(settings: &Settings) -> crate::lambda::CallTime {
    crate::lambda::CallTime {
        margin: settings.operations.deadline_margin,
        budget: settings.operations.call_budget,
    }
}

pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest()).load().await
}

/// An S3 client; `force_path_style` for local servers such as s3s-fs.
pub fn s3_client(sdk_config: &SdkConfig, force_path_style: bool) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::config::Builder::from(sdk_config)
        .force_path_style(force_path_style)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// A DynamoDB client.
pub fn dynamodb_client(sdk_config: &SdkConfig) -> aws_sdk_dynamodb::Client {
    aws_sdk_dynamodb::Client::new(sdk_config)
}

/// A Step Functions client.
pub fn sfn_client(sdk_config: &SdkConfig) -> aws_sdk_sfn::Client {
    aws_sdk_sfn::Client::new(sdk_config)
}

/// An SQS client.
pub fn sqs_client(sdk_config: &SdkConfig) -> aws_sdk_sqs::Client {
    aws_sdk_sqs::Client::new(sdk_config)
}

/// The notifier of `NOTIFY_QUEUE_URL`; `None` when notifications are off.
pub fn notifier(settings: &Settings, sdk_config: &SdkConfig) -> Option<crate::notify::Notifier> {
    settings
        .notify_queue_url
        .clone()
        .map(|queue_url| crate::notify::Notifier::new(sqs_client(sdk_config), queue_url))
}

/// The Zoom credentials, from the environment or read once from Secrets Manager.
pub async fn resolve_zoom_credentials(
    settings: &Settings,
    sdk_config: &SdkConfig,
) -> Result<ZoomCredentials, SettingsError> {
    match &settings.zoom.credentials {
        CredentialsSource::Environment(credentials) => Ok(credentials.clone()),
        CredentialsSource::SecretsManager { secret_arn } => {
            let client = aws_sdk_secretsmanager::Client::new(sdk_config);
            let secret = client
                .get_secret_value()
                .secret_id(secret_arn)
                .send()
                .await
                .map_err(|err| SettingsError::SecretUnreadable {
                    secret_arn: secret_arn.clone(),
                    source: Box::new(err),
                })?;
            let json = secret
                .secret_string()
                .ok_or_else(|| SettingsError::SecretMalformed {
                    secret_arn: secret_arn.clone(),
                    problem: "it has no SecretString (binary secrets are not supported)".into(),
                })?;
            parse_credentials_secret(secret_arn, json)
        }
    }
}
