//! moto really executes a Task state that invokes one of our functions under cargo lambda watch,
//! through the router; a function error arrives as a catchable error with the function's
//! `errorType`. Ignored by a plain `cargo test`; `scripts/test` runs it with the stack up.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use aws_sdk_sfn::types::ExecutionStatus;
use serde_json::{Value, json};

const WEBHOOK_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:zoom-webhook";

/// A GET as API Gateway's HTTP API (payload v2) would deliver it.
fn http_get_event() -> Value {
    json!({
        "version": "2.0", "routeKey": "$default", "rawPath": "/", "rawQueryString": "", "headers": {},
        "requestContext": {
            "http": {"method": "GET", "path": "/", "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1", "userAgent": "states"},
            "accountId": "123456789012", "apiId": "local", "domainName": "localhost", "domainPrefix": "localhost",
            "requestId": "r1", "routeKey": "$default", "stage": "$default", "time": "22/Nov/2026:09:00:00 +0000", "timeEpoch": 0
        },
        "isBase64Encoded": false
    })
}

async fn run(definition: Value) -> (ExecutionStatus, Value) {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "needs the local stack: run scripts/test"
    );
    let client = aws_sdk_sfn::Client::new(
        &aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await,
    );
    // The clock may be coarse and tests run in parallel: a counter keeps names apart.
    static CREATED: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let unique = format!(
        "{}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
        CREATED.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    let machine = client
        .create_state_machine()
        .name(format!("router-check-{unique}"))
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::123456789012:role/local-stack")
        .send()
        .await
        .unwrap();
    let execution = client
        .start_execution()
        .state_machine_arn(machine.state_machine_arn())
        .name(format!("run-{unique}"))
        .input("{}")
        .send()
        .await
        .unwrap();
    for _ in 0..300 {
        let described = client
            .describe_execution()
            .execution_arn(execution.execution_arn())
            .send()
            .await
            .unwrap();
        if *described.status() != ExecutionStatus::Running {
            let output = described
                .output()
                .map(|o| serde_json::from_str(o).unwrap())
                .unwrap_or(Value::Null);
            return (described.status().clone(), output);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the execution did not finish in 30 s");
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_task_state_invokes_our_function_by_arn() {
    let (status, output) = run(json!({
        "StartAt": "Call the webhook",
        "States": {"Call the webhook": {"Type": "Task", "Resource": WEBHOOK_ARN, "Parameters": http_get_event(), "End": true}}
    }))
    .await;
    assert_eq!(status, ExecutionStatus::Succeeded, "{output}");
    assert_eq!(
        output["statusCode"], 405,
        "the function's own answer: {output}"
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_function_error_is_caught_by_its_error_type() {
    let (status, output) = run(json!({
        "StartAt": "Call with a bad event",
        "States": {
            "Call with a bad event": {
                "Type": "Task", "Resource": WEBHOOK_ARN, "Parameters": {"not": "an http event"},
                "Catch": [{"ErrorEquals": ["&lambda_runtime::deserializer::DeserializeError"], "ResultPath": "$.error", "Next": "Caught"}],
                "End": true
            },
            "Caught": {"Type": "Pass", "End": true}
        }
    }))
    .await;
    assert_eq!(
        status,
        ExecutionStatus::Succeeded,
        "the Catch matched the errorType: {output}"
    );
    assert_eq!(
        output["error"]["Error"],
        "&lambda_runtime::deserializer::DeserializeError"
    );
}
