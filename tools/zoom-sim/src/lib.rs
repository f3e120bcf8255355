//! A Zoom simulator for tests, the demo and benchmarks; never deployed.
//!
//! It plays Zoom's part as `../shared/ZOOM.md` describes it: Server-to-Server OAuth, the REST
//! endpoints the archiver calls (paging, the one-month window, uuid double-encoding, trash),
//! downloads with a redirect to a CDN that honours `Range` (or not), the HTML-200 refusal,
//! per-label rate limits, signed webhooks, and faults injected on request. It records what was
//! called and what was trashed, so tests can assert on it.
//!
//! Start it in-process with [`ZoomSim::start`], or as the `zoom-sim` binary.

pub mod answers;
mod api;
pub mod content;
mod control;
mod download;
pub mod faults;
mod http;
mod oauth;
pub mod rate_limit;
mod render;
pub mod scenario;
mod server;
mod sim;
pub mod webhook;

use std::net::SocketAddr;
use std::sync::Arc;

pub use control::FileInfo;
pub use faults::{Fault, Scope};
pub use rate_limit::RateLimits;
pub use scenario::Scenario;
pub use sim::{CallRecord, Sim, SimConfig, TrashRecord};
pub use webhook::{SignatureMode, WebhookOutcome, WebhookRequest};

/// A running simulator. Dropping it stops the server.
#[derive(Debug)]
pub struct ZoomSim {
    sim: Arc<Sim>,
    base_url: String,
    task: tokio::task::JoinHandle<()>,
}

impl ZoomSim {
    /// Binds `address` (port 0 picks a free one) and serves until dropped.
    pub async fn start(config: SimConfig, address: SocketAddr) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(address).await?;
        let base_url = format!("http://{}", listener.local_addr()?);
        let sim = Arc::new(Sim::new(config, base_url.clone()));
        let app = server::router(sim.clone());
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "zoom-sim stopped");
            }
        });
        Ok(Self {
            sim,
            base_url,
            task,
        })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The REST base, as `ZOOM_API_BASE_URL` wants it.
    pub fn api_base_url(&self) -> String {
        format!("{}/v2", self.base_url)
    }

    /// The token endpoint, as `ZOOM_OAUTH_TOKEN_URL` wants it.
    pub fn oauth_token_url(&self) -> String {
        format!("{}/oauth/token", self.base_url)
    }

    /// The simulator's state, for assertions and switches.
    pub fn sim(&self) -> &Sim {
        &self.sim
    }

    /// Sends webhooks as Zoom would.
    pub async fn send_webhook(
        &self,
        request: &WebhookRequest,
    ) -> Result<WebhookOutcome, webhook::WebhookError> {
        self.sim.send_webhook(request).await
    }
}

impl Drop for ZoomSim {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Sim {
    /// Every call answered so far, in order (the `/_sim` control API excluded).
    pub fn calls(&self) -> Vec<CallRecord> {
        self.state().calls.clone()
    }

    /// Every trash, delete and recover that took effect, in order.
    pub fn trash_log(&self) -> Vec<TrashRecord> {
        self.state().trash_log.clone()
    }

    /// The faults not yet used up, with the uses each has left.
    pub fn active_faults(&self) -> Vec<Fault> {
        self.state().faults.list()
    }

    /// Adds a fault.
    pub fn add_fault(&self, fault: Fault) {
        self.state().faults.add(fault);
    }

    /// Turns `Range` support on or off.
    pub fn set_range_support(&self, enabled: bool) {
        self.state().range_support = enabled;
    }

    /// Replaces the rate limits.
    pub fn set_rate_limits(&self, limits: RateLimits) {
        self.state().rate.set_limits(limits);
    }
}
