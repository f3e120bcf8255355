//! The simulator's own control API under `/_sim/`: faults, switches, inspection, webhooks.

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::content;
use crate::faults::Fault;
use crate::rate_limit::RateLimits;
use crate::sim::Sim;
use crate::webhook::WebhookRequest;

/// Facts about one file, for tests and the demo to verify what landed in S3.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileInfo {
    pub id: String,
    pub meeting_uuid: String,
    pub size: u64,
    pub sha256: String,
    pub file_type: String,
}

#[derive(Deserialize)]
struct RangeSupport {
    enabled: bool,
}

pub(crate) fn router() -> Router<Arc<Sim>> {
    Router::new()
        .route("/health", get(|| async { "ok" }))
        .route("/calls", get(calls))
        .route("/trash", get(trash))
        .route("/reset", post(reset))
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/tokens/expire", post(expire_tokens))
        .route("/range-support", put(set_range_support))
        .route("/rate-limits", get(rate_limits).put(set_rate_limits))
        .route("/webhooks", post(send_webhook))
        .route("/files/{file_id}", get(file_info))
}

async fn calls(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.state().calls.clone()).into_response()
}

async fn trash(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.state().trash_log.clone()).into_response()
}

async fn reset(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.reset();
    StatusCode::NO_CONTENT
}

async fn list_faults(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.state().faults.list()).into_response()
}

async fn add_fault(State(sim): State<Arc<Sim>>, Json(fault): Json<Fault>) -> StatusCode {
    sim.state().faults.add(fault);
    StatusCode::NO_CONTENT
}

async fn clear_faults(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.state().faults.clear();
    StatusCode::NO_CONTENT
}

async fn expire_tokens(State(sim): State<Arc<Sim>>) -> StatusCode {
    sim.expire_all_tokens();
    StatusCode::NO_CONTENT
}

async fn set_range_support(
    State(sim): State<Arc<Sim>>,
    Json(body): Json<RangeSupport>,
) -> StatusCode {
    sim.state().range_support = body.enabled;
    StatusCode::NO_CONTENT
}

async fn rate_limits(State(sim): State<Arc<Sim>>) -> Response {
    Json(sim.state().rate.limits()).into_response()
}

async fn set_rate_limits(
    State(sim): State<Arc<Sim>>,
    Json(limits): Json<RateLimits>,
) -> StatusCode {
    sim.state().rate.set_limits(limits);
    StatusCode::NO_CONTENT
}

async fn send_webhook(
    State(sim): State<Arc<Sim>>,
    Json(request): Json<WebhookRequest>,
) -> Response {
    match sim.send_webhook(&request).await {
        Ok(outcome) => Json(outcome).into_response(),
        Err(error) => (
            StatusCode::BAD_REQUEST,
            Json(json!({"error": error.to_string()})),
        )
            .into_response(),
    }
}

async fn file_info(State(sim): State<Arc<Sim>>, Path(file_id): Path<String>) -> Response {
    match sim.file_info(&file_id) {
        Some(info) => Json(info).into_response(),
        None => (
            StatusCode::NOT_FOUND,
            Json(json!({"error": "no such file"})),
        )
            .into_response(),
    }
}

impl Sim {
    /// Size and SHA-256 of the bytes the simulator serves for a file.
    pub fn file_info(&self, file_id: &str) -> Option<FileInfo> {
        let file = self.file(file_id)?;
        Some(FileInfo {
            id: file.file.id.clone(),
            meeting_uuid: file.meeting.uuid.clone(),
            size: file.file.size,
            sha256: content::sha256_hex(self.file_seed(file_id), file.file.size),
            file_type: file.file.file_type.clone(),
        })
    }
}
