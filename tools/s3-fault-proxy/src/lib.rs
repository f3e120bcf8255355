//! A loopback proxy in front of the local S3 server that fails chosen requests, so fault tests
//! can show that no S3 failure loses, duplicates or wrongly verifies a recording (never deployed).
//!
//! Requests pass through unchanged (the `Host` header too, so SigV4 signatures stay valid).
//! Faults, added over the control API, match an S3 operation and fire a number of times:
//! - `slow_down`: 503 `SlowDown` without passing the request on (the SDK retries it);
//! - `internal_error`: 500 `InternalError` without passing it on;
//! - `reset_before`: the connection is closed without an answer, the request never reached S3;
//! - `reset_after`: the request reached S3 and took effect, then the connection is closed
//!   without an answer (the client cannot know it succeeded: the nastiest case).
//!
//! Control API: `POST /_proxy/faults` (a [`Fault`] as JSON), `DELETE /_proxy/faults`,
//! `GET /_proxy/stats` ([`Stats`]).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue};
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

/// The S3 operations faults can target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operation {
    Any,
    PutObject,
    CreateMultipartUpload,
    UploadPart,
    CompleteMultipartUpload,
    AbortMultipartUpload,
    ListParts,
    HeadObject,
    GetObject,
    DeleteObject,
    Other,
}

impl Operation {
    /// The operation of a path-style request (`/bucket/key`), from its method, path and query;
    /// bucket-level requests (`/bucket`) are `Other`.
    pub fn of(method: &Method, path: &str, query: &str) -> Self {
        let object_level = path.trim_matches('/').contains('/');
        if !object_level {
            return Self::Other;
        }
        let has = |name: &str| {
            query
                .split('&')
                .any(|pair| pair.split('=').next() == Some(name))
        };
        match *method {
            Method::PUT if has("partNumber") && has("uploadId") => Self::UploadPart,
            Method::PUT => Self::PutObject,
            Method::POST if has("uploads") => Self::CreateMultipartUpload,
            Method::POST if has("uploadId") => Self::CompleteMultipartUpload,
            Method::DELETE if has("uploadId") => Self::AbortMultipartUpload,
            Method::DELETE => Self::DeleteObject,
            Method::GET if has("uploadId") => Self::ListParts,
            Method::GET => Self::GetObject,
            Method::HEAD => Self::HeadObject,
            _ => Self::Other,
        }
    }
}

/// How a fault fails a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    SlowDown,
    InternalError,
    ResetBefore,
    ResetAfter,
}

/// One fault: which requests, how, and how often.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Fault {
    pub operation: Operation,
    pub kind: FaultKind,
    /// Fire this many times, then stop (`None`: until cleared).
    #[serde(default)]
    pub times: Option<u32>,
    /// Fire on every n-th matching request only (1 or unset: every one).
    #[serde(default)]
    pub every: Option<u32>,
    #[serde(skip)]
    seen: u32,
}

impl Fault {
    pub fn new(operation: Operation, kind: FaultKind, times: Option<u32>) -> Self {
        Self {
            operation,
            kind,
            times,
            every: None,
            seen: 0,
        }
    }

    /// Whether this fault fires for a request of `operation` (and counts it).
    fn fires(&mut self, operation: Operation) -> bool {
        if self.times == Some(0)
            || !(self.operation == Operation::Any || self.operation == operation)
        {
            return false;
        }
        self.seen += 1;
        if self.seen % self.every.unwrap_or(1).max(1) != 0 {
            return false;
        }
        if let Some(times) = self.times.as_mut() {
            *times -= 1;
        }
        true
    }
}

/// What went through the proxy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stats {
    /// Requests per operation, faulted or not.
    pub requests: BTreeMap<Operation, u64>,
    /// Faults injected per kind.
    pub injected: BTreeMap<FaultKind, u64>,
}

#[derive(Debug)]
struct Shared {
    upstream: String,
    http: reqwest::Client,
    faults: Mutex<Vec<Fault>>,
    stats: Mutex<Stats>,
}

impl Shared {
    fn faults(&self) -> std::sync::MutexGuard<'_, Vec<Fault>> {
        self.faults
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn stats(&self) -> std::sync::MutexGuard<'_, Stats> {
        self.stats
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The fault that fires for this request, if any, counted.
    fn fault_for(&self, operation: Operation) -> Option<FaultKind> {
        let kind = self
            .faults()
            .iter_mut()
            .find_map(|fault| fault.fires(operation).then_some(fault.kind));
        let mut stats = self.stats();
        *stats.requests.entry(operation).or_default() += 1;
        if let Some(kind) = kind {
            *stats.injected.entry(kind).or_default() += 1;
        }
        kind
    }
}

/// The running proxy.
#[derive(Debug, Clone)]
pub struct Proxy {
    shared: Arc<Shared>,
    address: SocketAddr,
}

impl Proxy {
    /// Listens on `address` (port 0 picks one) and passes requests on to `upstream`
    /// (`http://127.0.0.1:5020`).
    pub async fn start(address: SocketAddr, upstream: impl Into<String>) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(address).await?;
        let address = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream: upstream.into().trim_end_matches('/').to_owned(),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .map_err(std::io::Error::other)?,
            faults: Mutex::new(Vec::new()),
            stats: Mutex::new(Stats::default()),
        });
        let serving = shared.clone();
        tokio::spawn(async move { accept(listener, serving).await });
        Ok(Self { shared, address })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn add_fault(&self, fault: Fault) {
        self.shared.faults().push(fault);
    }

    pub fn clear_faults(&self) {
        self.shared.faults().clear();
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats().clone()
    }
}

async fn accept(listener: tokio::net::TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let shared = shared.clone();
                async move { handle(&shared, request).await }
            });
            // An Err from the service closes the connection without an answer: the reset.
            let _closed = hyper::server::conn::http1::Builder::new()
                .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                .await;
        });
    }
}

type Answer = Result<Response<Full<Bytes>>, Dropped>;

/// The error that makes hyper close a connection without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection dropped by a fault")
    }
}

impl std::error::Error for Dropped {}

async fn handle(shared: &Shared, request: Request<Incoming>) -> Answer {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    if let Some(control) = path.strip_prefix("/_proxy/") {
        let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
        return Ok(control_api(shared, &parts.method, control, &body));
    }
    // The body is read in full even when a fault answers, so the connection stays usable.
    let body = body.collect().await.map_err(|_| Dropped)?.to_bytes();
    let query = parts.uri.query().unwrap_or_default().to_owned();
    let operation = Operation::of(&parts.method, &path, &query);
    let fault = shared.fault_for(operation);
    match fault {
        Some(FaultKind::SlowDown) => {
            return Ok(s3_error(
                503,
                "SlowDown",
                "Please reduce your request rate.",
            ));
        }
        Some(FaultKind::InternalError) => {
            return Ok(s3_error(
                500,
                "InternalError",
                "We encountered an internal error. Please try again.",
            ));
        }
        Some(FaultKind::ResetBefore) => return Err(Dropped),
        Some(FaultKind::ResetAfter) | None => {}
    }
    let url = format!(
        "{}{}",
        shared.upstream,
        parts.uri.path_and_query().map_or("/", |p| p.as_str())
    );
    let mut upstream = shared.http.request(parts.method.clone(), url).body(body);
    // Content-Length stays: the SDK may have signed it, and the body is passed on whole.
    for (name, value) in &parts.headers {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "transfer-encoding"
        ) {
            upstream = upstream.header(name, value);
        }
    }
    let answer = upstream.send().await.map_err(|_| Dropped)?;
    let status = answer.status();
    let headers = answer.headers().clone();
    let bytes = answer.bytes().await.map_err(|_| Dropped)?;
    if fault == Some(FaultKind::ResetAfter) {
        return Err(Dropped);
    }
    let mut response = Response::new(Full::new(bytes));
    *response.status_mut() = status;
    // Content-Length stays too: a HEAD answer's is the object's size, with no body.
    for (name, value) in &headers {
        if !matches!(
            name.as_str(),
            "connection" | "keep-alive" | "transfer-encoding"
        ) {
            response.headers_mut().append(name, value.clone());
        }
    }
    Ok(response)
}

fn s3_error(status: u16, code: &str, message: &str) -> Response<Full<Bytes>> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>{code}</Code><Message>{message}</Message><RequestId>s3-fault-proxy</RequestId></Error>"
    );
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() =
        StatusCode::from_u16(status).unwrap_or(StatusCode::SERVICE_UNAVAILABLE);
    response.headers_mut().insert(
        HeaderName::from_static("content-type"),
        HeaderValue::from_static("application/xml"),
    );
    response
}

fn control_api(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Response<Full<Bytes>> {
    let json = |status: StatusCode, value: serde_json::Value| {
        let mut response = Response::new(Full::new(Bytes::from(value.to_string())));
        *response.status_mut() = status;
        response
    };
    match (method, path) {
        (&Method::POST, "faults") => match serde_json::from_slice::<Fault>(body) {
            Ok(fault) => {
                shared.faults().push(fault);
                json(StatusCode::CREATED, serde_json::json!({"added": true}))
            }
            Err(error) => json(
                StatusCode::BAD_REQUEST,
                serde_json::json!({"error": error.to_string()}),
            ),
        },
        (&Method::DELETE, "faults") => {
            shared.faults().clear();
            json(StatusCode::OK, serde_json::json!({"cleared": true}))
        }
        (&Method::GET, "stats") => json(
            StatusCode::OK,
            serde_json::to_value(shared.stats().clone()).unwrap_or_default(),
        ),
        _ => json(
            StatusCode::NOT_FOUND,
            serde_json::json!({"error": "no such control call"}),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_told_apart_by_method_and_query() {
        assert_eq!(
            Operation::of(&Method::PUT, "/b/k", "partNumber=3&uploadId=u"),
            Operation::UploadPart
        );
        assert_eq!(
            Operation::of(&Method::PUT, "/b/k", ""),
            Operation::PutObject
        );
        assert_eq!(
            Operation::of(&Method::POST, "/b/k", "uploads"),
            Operation::CreateMultipartUpload
        );
        assert_eq!(
            Operation::of(&Method::POST, "/b/k", "uploadId=u"),
            Operation::CompleteMultipartUpload
        );
        assert_eq!(
            Operation::of(&Method::DELETE, "/b/k", "uploadId=u"),
            Operation::AbortMultipartUpload
        );
        assert_eq!(
            Operation::of(&Method::GET, "/b/k", "uploadId=u"),
            Operation::ListParts
        );
        assert_eq!(
            Operation::of(&Method::HEAD, "/b/k", ""),
            Operation::HeadObject
        );
        assert_eq!(
            Operation::of(&Method::PUT, "/bucket", ""),
            Operation::Other,
            "CreateBucket"
        );
    }

    #[test]
    fn a_fault_fires_on_its_operation_every_nth_time_and_as_often_as_told() {
        let mut fault = Fault {
            every: Some(2),
            ..Fault::new(Operation::UploadPart, FaultKind::SlowDown, Some(2))
        };
        let fired: Vec<bool> = (0..6).map(|_| fault.fires(Operation::UploadPart)).collect();
        assert_eq!(fired, [false, true, false, true, false, false]);
        assert!(!fault.fires(Operation::PutObject));
        let mut any = Fault::new(Operation::Any, FaultKind::ResetAfter, None);
        assert!(any.fires(Operation::HeadObject) && any.fires(Operation::PutObject));
    }
}
