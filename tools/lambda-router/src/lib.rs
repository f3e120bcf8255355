//! The local stack's Lambda router (never deployed).
//!
//! moto's Step Functions engine sends every service call to `http://localhost:$MOTO_PORT`, the
//! Lambda `Invoke` of a Task state included. This router listens on that port:
//! - `POST /2015-03-31/functions/{name or ARN}/invocations` goes to `cargo lambda watch` under the
//!   function's name (it does not accept ARNs), and a function error, which cargo lambda answers
//!   with HTTP 500, becomes what the Lambda API answers: 200, `X-Amz-Function-Error: Unhandled`
//!   and the `{"errorType", "errorMessage"}` payload, so the state machine's `Retry`/`Catch` see
//!   the error type;
//! - every other request is passed on to moto unchanged.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

/// Where the router sends what it receives.
#[derive(Debug, Clone)]
pub struct Upstreams {
    /// moto server, e.g. `http://127.0.0.1:5011`.
    pub moto: String,
    /// cargo lambda watch, e.g. `http://127.0.0.1:9000`.
    pub lambda: String,
}

#[derive(Debug)]
struct Shared {
    upstreams: Upstreams,
    http: reqwest::Client,
}

/// Serves the router on `listener` until the task is dropped.
pub async fn serve(listener: tokio::net::TcpListener, upstreams: Upstreams) -> std::io::Result<()> {
    let shared = Arc::new(Shared {
        upstreams,
        // Lambda invocations may run for the function's whole timeout.
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(std::io::Error::other)?,
    });
    let app = Router::new().fallback(route).with_state(shared);
    axum::serve(listener, app).await
}

/// Binds `address` and serves in the background; returns the bound address.
pub async fn spawn(address: SocketAddr, upstreams: Upstreams) -> std::io::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind(address).await?;
    let bound = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(error) = serve(listener, upstreams).await {
            tracing::error!(%error, "lambda-router stopped");
        }
    });
    Ok(bound)
}

/// The function name of an `Invoke` path, if the path is one: the last segment of an ARN
/// (`arn:aws:lambda:region:account:function:NAME[:qualifier]`) or the name itself.
pub fn invoked_function(path: &str) -> Option<String> {
    let id = path
        .strip_prefix("/2015-03-31/functions/")?
        .strip_suffix("/invocations")?;
    let id = percent_encoding::percent_decode_str(id).decode_utf8_lossy();
    let name = match id.strip_prefix("arn:") {
        Some(_) => {
            let parts: Vec<&str> = id.split(':').collect();
            // arn, aws, lambda, region, account, function, NAME, [qualifier]
            parts.get(6).copied()?.to_owned()
        }
        None => id.split(':').next()?.to_owned(),
    };
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

async fn route(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let result = match (method == Method::POST, invoked_function(uri.path())) {
        (true, Some(function)) => invoke(&shared, &function, &headers, body).await,
        _ => {
            let url = format!("{}{path_and_query}", shared.upstreams.moto);
            forward(&shared, method, &url, &headers, body).await
        }
    };
    result.unwrap_or_else(|error| {
        tracing::warn!(%error, "upstream unreachable");
        (StatusCode::BAD_GATEWAY, error.to_string()).into_response()
    })
}

async fn invoke(
    shared: &Shared,
    function: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, reqwest::Error> {
    let url = format!(
        "{}/2015-03-31/functions/{function}/invocations",
        shared.upstreams.lambda
    );
    let mut response = forward(shared, Method::POST, &url, headers, body).await?;
    if response.status() == StatusCode::INTERNAL_SERVER_ERROR {
        *response.status_mut() = StatusCode::OK;
        response.headers_mut().insert(
            HeaderName::from_static("x-amz-function-error"),
            HeaderValue::from_static("Unhandled"),
        );
    }
    Ok(response)
}

/// Headers that describe one hop, not the message.
fn is_hop_by_hop(name: &HeaderName) -> bool {
    matches!(
        name.as_str(),
        "connection" | "keep-alive" | "transfer-encoding" | "upgrade" | "host" | "content-length"
    )
}

async fn forward(
    shared: &Shared,
    method: Method,
    url: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Response, reqwest::Error> {
    let mut request = shared.http.request(method, url).body(body);
    for (name, value) in headers.iter().filter(|(name, _)| !is_hop_by_hop(name)) {
        request = request.header(name, value);
    }
    let upstream = request.send().await?;
    let status = upstream.status();
    let upstream_headers = upstream.headers().clone();
    let bytes = upstream.bytes().await?;
    let mut response = Response::new(Body::from(bytes));
    *response.status_mut() = status;
    for (name, value) in upstream_headers
        .iter()
        .filter(|(name, _)| !is_hop_by_hop(name))
    {
        response.headers_mut().append(name, value.clone());
    }
    Ok(response)
}
