//! `zoom-sim`: run the Zoom simulator, or drive a running one.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use zoom_sim::{Fault, RateLimits, Scenario, SignatureMode, SimConfig, WebhookRequest, ZoomSim};

/// A Zoom API and webhook simulator with fault injection (tests, demo, benchmarks; never deployed).
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the simulated Zoom: OAuth, REST under /v2, downloads, and the /_sim control API.
    Serve(ServeArgs),
    /// Ask a running simulator to send signed webhooks to an endpoint.
    SendWebhook(SendWebhookArgs),
    /// Add a fault to a running simulator (JSON as in POST /_sim/faults).
    Fault {
        /// The simulator's base URL.
        #[arg(long, default_value = "http://127.0.0.1:5030")]
        sim: String,
        /// e.g. '{"kind":"status","status":503,"times":2,"scope":"api"}'
        fault: String,
    },
}

#[derive(Args)]
struct ServeArgs {
    /// Scenario file (users, meetings, files); see fixtures/scenarios/.
    #[arg(long, conflicts_with = "generate")]
    scenario: Option<PathBuf>,
    /// Generate a large scenario instead: USERS,INSTANCES,DAYS (e.g. 300,5000,90).
    #[arg(long, value_name = "USERS,INSTANCES,DAYS")]
    generate: Option<String>,
    /// Address to bind (keep it on loopback).
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port to bind; 0 picks a free one.
    #[arg(long, default_value_t = 5030)]
    port: u16,
    /// Write the bound base URL to this file once listening.
    #[arg(long)]
    url_file: Option<PathBuf>,
    /// OAuth client id the token endpoint accepts.
    #[arg(long, env = "ZOOM_SIM_CLIENT_ID", default_value = "sim-client-id")]
    client_id: String,
    /// OAuth client secret the token endpoint accepts.
    #[arg(
        long,
        env = "ZOOM_SIM_CLIENT_SECRET",
        default_value = "sim-client-secret",
        hide_env_values = true
    )]
    client_secret: String,
    /// Secret token webhooks are signed with.
    #[arg(
        long,
        env = "ZOOM_SIM_WEBHOOK_SECRET",
        default_value = "sim-webhook-secret-token",
        hide_env_values = true
    )]
    webhook_secret: String,
    /// Lifetime of OAuth access tokens, seconds.
    #[arg(long, default_value_t = 3600)]
    token_ttl_seconds: u64,
    /// Lifetime of webhook download tokens, seconds.
    #[arg(long, default_value_t = 86_400)]
    download_token_ttl_seconds: u64,
    /// Lifetime of next_page_tokens, seconds.
    #[arg(long, default_value_t = 900)]
    page_token_ttl_seconds: u64,
    /// Light-label requests per second (unlimited when unset).
    #[arg(long)]
    rate_limit_light: Option<f64>,
    /// Medium-label requests per second (unlimited when unset).
    #[arg(long)]
    rate_limit_medium: Option<f64>,
    /// Heavy-label requests per second (unlimited when unset).
    #[arg(long)]
    rate_limit_heavy: Option<f64>,
    /// Use Zoom's Free-plan per-second limits (Light 4, Medium 2, Heavy 1).
    #[arg(long)]
    free_plan_rate_limits: bool,
    /// Answer Range requests with 200 and the whole body.
    #[arg(long)]
    no_range: bool,
    /// Mixed into every file's bytes (fresh bytes per benchmark run).
    #[arg(long, default_value_t = 0)]
    content_salt: u64,
}

#[derive(Args)]
struct SendWebhookArgs {
    /// The simulator's base URL.
    #[arg(long, default_value = "http://127.0.0.1:5030")]
    sim: String,
    /// The webhook endpoint to call.
    #[arg(long)]
    to: String,
    /// recording.completed, recording.transcript_completed or endpoint.url_validation.
    #[arg(long, default_value = "recording.completed")]
    event: String,
    /// The meeting instance uuid (recording events).
    #[arg(long)]
    meeting: Option<String>,
    /// How many deliveries of the same event.
    #[arg(long, default_value_t = 1)]
    times: u32,
    /// Send the deliveries at once.
    #[arg(long)]
    concurrent: bool,
    /// valid, wrong (a forgery) or missing.
    #[arg(long, default_value = "valid")]
    signature: String,
    /// Added to the signature timestamp; -600 makes a stale request.
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    timestamp_offset_seconds: i64,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    match Cli::parse().command {
        Command::Serve(args) => serve(args).await,
        Command::SendWebhook(args) => send_webhook(args).await,
        Command::Fault { sim, fault } => add_fault(&sim, &fault).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let scenario = match (&args.scenario, &args.generate) {
        (Some(path), _) => Scenario::load(path)?,
        (None, Some(spec)) => generated(spec)?,
        (None, None) => bail!("give --scenario FILE or --generate USERS,INSTANCES,DAYS"),
    };
    let rate_limits = if args.free_plan_rate_limits {
        RateLimits::free_plan()
    } else {
        RateLimits {
            light: args.rate_limit_light,
            medium: args.rate_limit_medium,
            heavy: args.rate_limit_heavy,
        }
    };
    let config = SimConfig {
        client_id: args.client_id,
        client_secret: args.client_secret,
        webhook_secret_token: args.webhook_secret,
        token_ttl: Duration::from_secs(args.token_ttl_seconds),
        download_token_ttl: Duration::from_secs(args.download_token_ttl_seconds),
        page_token_ttl: Duration::from_secs(args.page_token_ttl_seconds),
        rate_limits,
        range_support: !args.no_range,
        content_salt: args.content_salt,
        ..SimConfig::new(scenario)
    };
    let sim = ZoomSim::start(config, SocketAddr::new(args.host, args.port)).await?;
    if let Some(path) = &args.url_file {
        std::fs::write(path, sim.base_url())
            .with_context(|| format!("writing {}", path.display()))?;
    }
    tracing::info!(base_url = sim.base_url(), "zoom-sim listening");
    tokio::signal::ctrl_c().await?;
    Ok(())
}

fn generated(spec: &str) -> anyhow::Result<Scenario> {
    let numbers: Vec<usize> = spec
        .split(',')
        .map(|n| n.trim().parse())
        .collect::<Result<_, _>>()
        .context("--generate wants USERS,INSTANCES,DAYS")?;
    let [users, instances, days] = numbers[..] else {
        bail!("--generate wants three numbers: USERS,INSTANCES,DAYS");
    };
    Ok(Scenario::generate(
        users,
        instances,
        days as i64,
        zoom_sim::scenario::reference_end(),
    ))
}

async fn send_webhook(args: SendWebhookArgs) -> anyhow::Result<()> {
    let signature = match args.signature.as_str() {
        "valid" => SignatureMode::Valid,
        "wrong" => SignatureMode::Wrong,
        "missing" => SignatureMode::Missing,
        other => bail!("--signature must be valid, wrong or missing, not {other:?}"),
    };
    let request = WebhookRequest {
        target: args.to,
        event: args.event,
        meeting_uuid: args.meeting,
        times: args.times,
        concurrent: args.concurrent,
        signature,
        timestamp_offset_seconds: args.timestamp_offset_seconds,
        ..Default::default()
    };
    let answer = reqwest::Client::new()
        .post(format!("{}/_sim/webhooks", args.sim.trim_end_matches('/')))
        .json(&request)
        .send()
        .await
        .context("reaching the simulator")?;
    let status = answer.status();
    let body = answer.text().await?;
    println!("{body}");
    if !status.is_success() {
        bail!("the simulator refused: HTTP {status}");
    }
    Ok(())
}

async fn add_fault(sim: &str, fault: &str) -> anyhow::Result<()> {
    let fault: Fault = serde_json::from_str(fault).context("parsing the fault JSON")?;
    let answer = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.trim_end_matches('/')))
        .json(&fault)
        .send()
        .await
        .context("reaching the simulator")?;
    if !answer.status().is_success() {
        bail!("the simulator refused: HTTP {}", answer.status());
    }
    Ok(())
}
