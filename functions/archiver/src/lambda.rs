//! The one entry point of every Lambda function but the webhook (an HTTP function): decode the
//! event into the handler's request (an `InvalidInput` error naming what is wrong), give the
//! handler the time it may work, and hand its typed answer to the runtime, which serialises it
//! (a value that cannot be serialised is an error, never a `null` for the next state), or its
//! [`StepError`] as Lambda's error (`errorType`, `errorMessage`).

use std::future::Future;
use std::time::{Duration, Instant};

use lambda_runtime::{LambdaEvent, service_fn};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::operations::work_deadline;
use crate::pipeline::{StepError, decode};

/// How long one call may work before it must answer (with a continuation, where it has one).
#[derive(Debug, Clone, Copy, Default)]
pub struct CallTime {
    /// Kept free before the Lambda's deadline.
    pub margin: Duration,
    /// At most this long from the start of the call; `None`: up to the deadline.
    pub budget: Option<Duration>,
}

/// Runs `handler` for every invocation until the runtime stops. `handler` gets the decoded
/// request and the instant by which it should answer.
pub async fn serve<Request, Response, Handler, Answer>(
    time: CallTime,
    handler: Handler,
) -> Result<(), lambda_runtime::Error>
where
    Request: DeserializeOwned,
    Response: Serialize,
    Handler: Fn(Request, Instant) -> Answer,
    Answer: Future<Output = Result<Response, StepError>>,
{
    let handler = &handler;
    lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| async move {
        let deadline = work_deadline(&event.context, time.margin, time.budget);
        let request = decode::<Request>(event.payload)?;
        handler(request, deadline).await
    }))
    .await
}
