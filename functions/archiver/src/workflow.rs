//! Starting ingest executions: a narrow port, and its Step Functions adapter.

use std::future::Future;
use std::time::Duration;

use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::start_execution::StartExecutionError;

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

impl ExecutionStarter for StepFunctions {
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
