//! Starting ingest executions: their input, a narrow port, and its Step Functions adapter.

use std::future::Future;
use std::time::Duration;

use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::start_execution::StartExecutionError;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::domain::execution::IngestKind;
use crate::domain::{MeetingUuid, SecretString};

/// Execution input above this drops the webhook copy (Step Functions caps input at 256 KiB);
/// ingest then reads the recording from Zoom's REST API instead.
pub const MAX_INPUT_BYTES: usize = 200 * 1024;

/// Who starts an execution; the state machine passes it on to "Ingest metadata".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    /// Zoom's webhook.
    Webhook,
    /// An operator's re-run (`start-ingest`): it may repair a damaged archive.
    Manual,
    /// The scheduled missed-meeting scan.
    Scan,
    /// Zoom's `recording.recovered` for an instance whose ingest did not finish.
    Recovered,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Webhook => "webhook",
            Self::Manual => "manual",
            Self::Scan => "scan",
            Self::Recovered => "recovered",
        }
    }
}

/// The input of an ingest execution, written by whoever starts one (webhook, `start-ingest`,
/// the scan, a recovery) and read by "Ingest metadata" (through the state machine's
/// `Parameters`) and by `retrieve-recording` (the token, from `DescribeExecution`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExecutionInput {
    pub source: Source,
    pub kind: IngestKind,
    pub meeting_uuid: MeetingUuid,
    /// The download token, apart: it is needed to download and goes nowhere else (never into
    /// the state the states pass on).
    #[serde(default)]
    pub download_token: Option<String>,
    /// The webhook body with its secrets removed; `None` when it would make the input too large.
    #[serde(default)]
    pub webhook: Option<Value>,
    /// How large the webhook copy left out was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook_omitted_bytes: Option<usize>,
}

impl ExecutionInput {
    /// The download token, if the input has one.
    pub fn token(&self) -> Option<SecretString> {
        self.download_token
            .as_deref()
            .filter(|token| !token.is_empty())
            .map(SecretString::new)
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self)
            .unwrap_or_else(|_| unreachable!("strings, numbers and JSON values always serialise"))
    }
}

/// The input of an ingest execution as JSON: who, what, the download token apart and the
/// webhook body with its secrets removed, left out when it would make the input too large.
pub fn execution_input(
    source: Source,
    kind: IngestKind,
    meeting_uuid: &MeetingUuid,
    download_token: Option<&SecretString>,
    webhook: Option<Value>,
) -> String {
    let webhook = webhook.map(|mut body| {
        crate::domain::redact::remove_secrets(&mut body);
        body
    });
    let mut input = ExecutionInput {
        source,
        kind,
        meeting_uuid: meeting_uuid.clone(),
        download_token: download_token.map(|token| token.expose().to_owned()),
        webhook,
        webhook_omitted_bytes: None,
    };
    let serialized = input.to_json();
    if serialized.len() <= MAX_INPUT_BYTES {
        return serialized;
    }
    input.webhook_omitted_bytes = input.webhook.take().map(|body| body.to_string().len());
    input.to_json()
}

/// What became of a start request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartOutcome {
    /// A new execution runs.
    Started { execution_arn: String },
    /// An execution of that name exists already: a duplicate, handled before.
    AlreadyExists,
}

/// Why an execution could not be started; every variant is worth retrying later.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("Step Functions throttled the request")]
    Throttled,
    #[error("Step Functions could not start the execution")]
    Unavailable {
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Starts an execution of the ingest state machine.
pub trait ExecutionStarter {
    /// Starts execution `name` with `input` (JSON).
    fn start(
        &self,
        name: &str,
        input: &str,
    ) -> impl Future<Output = Result<StartOutcome, StartError>> + Send;

    /// The ARN execution `name` of this state machine has (or would have); `None` from
    /// starters that cannot tell.
    fn execution_arn(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }

    /// Whether execution `arn` still runs. Starters that cannot tell say it does, so nothing
    /// is ever taken for abandoned on their word.
    fn is_running(&self, arn: &str) -> impl Future<Output = Result<bool, StartError>> + Send {
        let _ = arn;
        async { Ok(true) }
    }
}

/// The ingest state machine on AWS Step Functions.
#[derive(Debug, Clone)]
pub struct StepFunctions {
    client: aws_sdk_sfn::Client,
    state_machine_arn: String,
}

impl StepFunctions {
    /// Wraps a client whose retry and timeout configuration the caller chose.
    pub fn new(client: aws_sdk_sfn::Client, state_machine_arn: String) -> Self {
        Self {
            client,
            state_machine_arn,
        }
    }

    /// A client for callers with a deadline (the webhook answers Zoom within 3 s): the SDK's
    /// standard retry (throttling and 5xx, with backoff) within `budget` in all.
    pub fn client_with_budget(
        sdk_config: &aws_config::SdkConfig,
        budget: Duration,
    ) -> aws_sdk_sfn::Client {
        let config = aws_sdk_sfn::config::Builder::from(sdk_config)
            .retry_config(aws_sdk_sfn::config::retry::RetryConfig::standard().with_max_attempts(3))
            .timeout_config(
                aws_sdk_sfn::config::timeout::TimeoutConfig::builder()
                    .operation_timeout(budget)
                    .build(),
            )
            .build();
        aws_sdk_sfn::Client::from_conf(config)
    }
}

impl StepFunctions {
    /// Whether the execution `arn` is still running (`false` when it is unknown).
    pub async fn is_running(&self, arn: &str) -> Result<bool, StartError> {
        match self
            .client
            .describe_execution()
            .execution_arn(arn)
            .send()
            .await
        {
            Ok(execution) => Ok(execution.status == aws_sdk_sfn::types::ExecutionStatus::Running),
            Err(SdkError::ServiceError(service)) if service.err().is_execution_does_not_exist() => {
                Ok(false)
            }
            Err(other) => Err(StartError::Unavailable {
                source: Box::new(other),
            }),
        }
    }
}

impl ExecutionStarter for StepFunctions {
    fn execution_arn(&self, name: &str) -> Option<String> {
        let executions = self
            .state_machine_arn
            .replacen(":stateMachine:", ":execution:", 1);
        Some(format!("{executions}:{name}"))
    }

    async fn is_running(&self, arn: &str) -> Result<bool, StartError> {
        StepFunctions::is_running(self, arn).await
    }

    async fn start(&self, name: &str, input: &str) -> Result<StartOutcome, StartError> {
        let result = self
            .client
            .start_execution()
            .state_machine_arn(&self.state_machine_arn)
            .name(name)
            .input(input)
            .send()
            .await;
        match result {
            Ok(started) => Ok(StartOutcome::Started {
                execution_arn: started.execution_arn().to_owned(),
            }),
            Err(SdkError::ServiceError(service)) => match service.into_err() {
                StartExecutionError::ExecutionAlreadyExists(_) => Ok(StartOutcome::AlreadyExists),
                other if other.meta().code() == Some("ThrottlingException") => {
                    Err(StartError::Throttled)
                }
                other => Err(StartError::Unavailable {
                    source: Box::new(other),
                }),
            },
            Err(other) => Err(StartError::Unavailable {
                source: Box::new(other),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_input_reads_back_as_written_and_a_large_webhook_is_left_out() {
        let uuid = MeetingUuid::parse("/ab//c==").expect("uuid");
        let token = SecretString::new("eyJtoken");
        let small = execution_input(
            Source::Recovered,
            IngestKind::Recording,
            &uuid,
            Some(&token),
            Some(json!({"payload": {"object": {"password": "p4ss"}}})),
        );
        let input: ExecutionInput = serde_json::from_str(&small).expect("typed");
        assert_eq!(input.source, Source::Recovered);
        assert_eq!(
            input.token().map(|t| t.expose().to_owned()).as_deref(),
            Some("eyJtoken")
        );
        assert!(
            !small.contains("p4ss"),
            "secrets removed from the webhook copy"
        );
        assert!(small.contains(r#""source":"recovered""#), "{small}");

        let large = execution_input(
            Source::Webhook,
            IngestKind::Transcript,
            &uuid,
            None,
            Some(json!({"padding": "x".repeat(MAX_INPUT_BYTES)})),
        );
        let input: ExecutionInput = serde_json::from_str(&large).expect("typed");
        assert!(large.len() < MAX_INPUT_BYTES);
        assert_eq!(input.webhook, None);
        assert!(
            input
                .webhook_omitted_bytes
                .is_some_and(|n| n > MAX_INPUT_BYTES)
        );
        assert_eq!(input.token(), None);
    }
}
