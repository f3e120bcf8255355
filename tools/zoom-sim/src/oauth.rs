//! `POST /oauth/token`: Server-to-Server OAuth with `grant_type=account_credentials`.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;

use crate::http::{query_pairs, query_value};
use crate::sim::{Sim, TokenKind};

/// Scopes the simulated app holds (ZOOM.md's list).
const SCOPES: &str = "cloud_recording:read:list_user_recordings:admin \
cloud_recording:read:list_account_recordings:admin cloud_recording:read:list_recording_files:admin \
cloud_recording:delete:meeting_recording:admin cloud_recording:delete:recording_file:admin \
cloud_recording:update:recover_meeting_recordings:admin meeting:read:past_meeting:admin \
meeting:read:list_past_participants:admin meeting:read:meeting:admin user:read:list_users:admin";

fn oauth_error(reason: &str, error: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(json!({"reason": reason, "error": error})),
    )
        .into_response()
}

pub(crate) async fn token(
    State(sim): State<Arc<Sim>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    // Zoom takes the parameters in the query string or a form body.
    let mut params = query_pairs(uri.query());
    params.extend(url::form_urlencoded::parse(&body).into_owned());
    if query_value(&params, "grant_type") != Some("account_credentials") {
        return oauth_error("Unsupported grant type", "unsupported_grant_type");
    }
    let credentials = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "))
        .and_then(|v| STANDARD.decode(v.trim()).ok())
        .and_then(|v| String::from_utf8(v).ok());
    let expected = format!("{}:{}", sim.config.client_id, sim.config.client_secret);
    if credentials.as_deref() != Some(expected.as_str()) {
        return oauth_error("Invalid client_id or client_secret", "invalid_client");
    }
    if query_value(&params, "account_id") != Some(sim.scenario().account_id.as_str()) {
        return oauth_error("Invalid account_id", "invalid_request");
    }
    let ttl = sim.config.token_ttl;
    let access_token = sim.issue_token(TokenKind::OAuth, ttl);
    Json(json!({
        "access_token": access_token,
        "token_type": "bearer",
        "expires_in": ttl.as_secs(),
        "scope": SCOPES,
        "api_url": sim.base_url,
    }))
    .into_response()
}
