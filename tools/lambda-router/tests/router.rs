//! The router between two fake upstreams: invocations go to "lambda" by function name, with
//! function errors translated; everything else goes to "moto" unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::http::{StatusCode, Uri};
use axum::response::IntoResponse;
use lambda_router::{Upstreams, invoked_function, spawn};

type Seen = Arc<Mutex<Vec<String>>>;

/// An upstream that records `METHOD path?query body` and answers with `answer(path)`.
async fn upstream(answer: fn(&str) -> (StatusCode, String)) -> (String, Seen) {
    let seen: Seen = Arc::default();
    let record = seen.clone();
    let app = Router::new().fallback(move |method: axum::http::Method, uri: Uri, body: Bytes| {
        let record = record.clone();
        async move {
            record
                .lock()
                .unwrap()
                .push(format!("{method} {uri} {}", String::from_utf8_lossy(&body)));
            let (status, body) = answer(uri.path());
            (status, [("x-upstream", "yes")], body).into_response()
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

fn lambda_answer(path: &str) -> (StatusCode, String) {
    if path.contains("/failing/") {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"errorType":"Transfer.Interrupted","errorMessage":"reset"}"#.into(),
        )
    } else {
        (StatusCode::OK, r#"{"status":"DONE"}"#.into())
    }
}

fn moto_answer(_: &str) -> (StatusCode, String) {
    (
        StatusCode::BAD_REQUEST,
        r#"{"__type":"ResourceNotFoundException"}"#.into(),
    )
}

#[test]
fn function_names_come_from_names_and_arns() {
    let cases = [
        (
            "/2015-03-31/functions/retrieve-recording/invocations",
            Some("retrieve-recording"),
        ),
        (
            "/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:retrieve-recording/invocations",
            Some("retrieve-recording"),
        ),
        (
            "/2015-03-31/functions/arn%3Aaws%3Alambda%3Aus-east-1%3A123456789012%3Afunction%3Afinish-ingest%3A%24LATEST/invocations",
            Some("finish-ingest"),
        ),
        (
            "/2015-03-31/functions/finish-ingest:live/invocations",
            Some("finish-ingest"),
        ),
        ("/2015-03-31/functions/x/configuration", None),
        ("/", None),
    ];
    for (path, expected) in cases {
        assert_eq!(invoked_function(path).as_deref(), expected, "{path}");
    }
}

#[tokio::test]
async fn invocations_reach_the_function_by_name_and_errors_become_lambda_function_errors() {
    let (lambda, lambda_seen) = upstream(lambda_answer).await;
    let (moto, moto_seen) = upstream(moto_answer).await;
    let router = spawn(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        Upstreams { moto, lambda },
    )
    .await
    .unwrap();
    let client = reqwest::Client::new();

    let ok = client
        .post(format!("http://{router}/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:retrieve-recording/invocations"))
        .body(r#"{"file":1}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    assert!(ok.headers().get("x-amz-function-error").is_none());
    assert_eq!(ok.text().await.unwrap(), r#"{"status":"DONE"}"#);

    let failed = client
        .post(format!(
            "http://{router}/2015-03-31/functions/failing/invocations"
        ))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(
        failed.status(),
        200,
        "the Lambda API reports function errors with 200"
    );
    assert_eq!(failed.headers()["x-amz-function-error"], "Unhandled");
    let payload: serde_json::Value = failed.json().await.unwrap();
    assert_eq!(payload["errorType"], "Transfer.Interrupted");

    assert_eq!(
        lambda_seen.lock().unwrap().clone(),
        [
            r#"POST /2015-03-31/functions/retrieve-recording/invocations {"file":1}"#,
            "POST /2015-03-31/functions/failing/invocations {}",
        ]
    );
    assert!(moto_seen.lock().unwrap().is_empty());
}

#[tokio::test]
async fn everything_else_is_passed_to_moto_unchanged() {
    let (lambda, lambda_seen) = upstream(lambda_answer).await;
    let (moto, moto_seen) = upstream(moto_answer).await;
    let router = spawn(
        SocketAddr::from(([127, 0, 0, 1], 0)),
        Upstreams { moto, lambda },
    )
    .await
    .unwrap();
    let answer = reqwest::Client::new()
        .post(format!("http://{router}/?Action=Describe"))
        .header("x-amz-target", "AWSStepFunctions.DescribeExecution")
        .body(r#"{"executionArn":"x"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 400, "moto's status comes back as it is");
    assert_eq!(answer.headers()["x-upstream"], "yes");
    assert_eq!(
        answer.text().await.unwrap(),
        r#"{"__type":"ResourceNotFoundException"}"#
    );
    assert_eq!(
        moto_seen.lock().unwrap().clone(),
        [r#"POST /?Action=Describe {"executionArn":"x"}"#]
    );
    assert!(lambda_seen.lock().unwrap().is_empty());
}
