//! The HTTP surface: routes, and a layer that logs every call and injects the status and
//! rate-limit faults before a handler runs.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};

use crate::faults::{Fault, Scope};
use crate::http::{rate_limited, zoom_error};
use crate::rate_limit::Label;
use crate::sim::{CallRecord, Sim};
use crate::{api, control, download, oauth};

pub(crate) fn router(sim: Arc<Sim>) -> Router {
    Router::new()
        .route("/oauth/token", post(oauth::token))
        .route("/rec/download/{file_id}", get(download::rest_download))
        .route(
            "/rec/webhook_download/{file_id}/{nonce}",
            get(download::webhook_download),
        )
        .route("/cdn/{file_id}", get(download::cdn))
        .nest("/_sim", control::router())
        .fallback(api::dispatch)
        .layer(middleware::from_fn_with_state(sim.clone(), observe))
        .with_state(sim)
}

async fn observe(State(sim): State<Arc<Sim>>, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    if path.starts_with("/_sim/") {
        return next.run(request).await;
    }
    let method = request.method().clone();
    let query = request.uri().query().map(str::to_owned);
    let response = match injected_failure(&sim, &method, &path) {
        Some(failure) => failure,
        None => next.run(request).await,
    };
    sim.state().calls.push(CallRecord {
        method: method.to_string(),
        path,
        query,
        status: response.status().as_u16(),
    });
    response
}

fn scope_of(path: &str) -> Scope {
    if path.starts_with("/rec/") || path.starts_with("/cdn/") {
        Scope::Download
    } else {
        Scope::Api
    }
}

/// Zoom's label of a REST call: listings are Medium, single-meeting calls Light.
fn label_of(method: &Method, path: &str) -> Label {
    let listing = path == "/v2/users"
        || path.ends_with("/participants")
        || (method == Method::GET
            && (path.starts_with("/v2/users/") || path.starts_with("/v2/accounts/"))
            && path.ends_with("/recordings"));
    if listing { Label::Medium } else { Label::Light }
}

fn injected_failure(sim: &Sim, method: &Method, path: &str) -> Option<Response> {
    let scope = scope_of(path);
    let applies = |fault_scope: &Scope| *fault_scope == Scope::Any || *fault_scope == scope;
    let mut state = sim.state();
    let fault = state.faults.take(|f| match f {
        Fault::Status { scope, .. } | Fault::RateLimited { scope, .. } => applies(scope),
        Fault::MissingScope { path_prefix, .. } => path
            .strip_prefix("/v2")
            .is_some_and(|rest| rest.starts_with(path_prefix.as_str())),
        _ => false,
    });
    match fault {
        Some(Fault::Status { status, .. }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
            return Some(zoom_error(
                status,
                i64::from(status.as_u16()),
                "Injected failure.",
            ));
        }
        Some(Fault::RateLimited {
            retry_after_seconds,
            ..
        }) => return Some(rate_limited(retry_after_seconds)),
        Some(Fault::MissingScope { scope, .. }) => {
            return Some(zoom_error(
                StatusCode::BAD_REQUEST,
                4711,
                format!("Invalid access token, does not contain scopes:[{scope}]."),
            ));
        }
        _ => {}
    }
    if path.starts_with("/v2/") && !state.rate.admit(label_of(method, path)) {
        return Some(rate_limited(1));
    }
    None
}
