//! The `lambda_http` adapter: API Gateway HTTP API (payload v2) and function URL requests in,
//! the handler's reply out, and one structured log line per request.

use std::time::Instant;

use archiver::workflow::ExecutionStarter;
use lambda_http::{Body, Error, Request, Response};

use crate::handler::{IncomingRequest, WebhookConfig, Workflows, handle};

fn header<'a>(request: &'a Request, name: &str) -> Option<&'a str> {
    request
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
}

/// Answers one request. Never an `Err`: every outcome is an HTTP answer Zoom understands.
pub async fn respond<S: ExecutionStarter>(
    request: Request,
    config: &WebhookConfig,
    workflows: Workflows<'_, S>,
) -> Result<Response<Body>, Error> {
    let started = Instant::now();
    // lambda_http has already decoded a base64-encoded body: these are the bytes Zoom signed.
    let body: &[u8] = request.body().as_ref();
    let incoming = IncomingRequest {
        method: request.method().as_str(),
        path: request.uri().path(),
        timestamp: header(&request, "x-zm-request-timestamp"),
        signature: header(&request, "x-zm-signature"),
        body,
    };
    let now = unix_seconds();
    let reply = handle(config, workflows, &incoming, now).await;
    tracing::info!(
        event = reply.event.as_deref().unwrap_or("-"),
        meeting = reply
            .meeting_hash
            .as_deref()
            .map(|h| &h[..16])
            .unwrap_or("-"),
        decision = reply.decision,
        status = reply.status,
        latency_ms = started.elapsed().as_secs_f64() * 1000.0,
        "webhook"
    );
    let mut response = Response::builder()
        .status(reply.status)
        .header("content-type", "application/json");
    if reply.status == 405 {
        response = response.header("allow", "POST");
    }
    Ok(response.body(Body::from(reply.body.to_string()))?)
}

fn unix_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
        .unwrap_or_default()
}
