//! `bench`: the measurements behind `scripts/bench`. Each subcommand prints one JSON object.
//!
//! Latency is reported as percentiles of many sequential requests; compare figures from one run
//! only (the machine is shared and noisy).

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use archiver::domain::SecretString;
use archiver::domain::token_hosts::TokenHosts;
use archiver::settings::ArchiveRules;
use archiver::transfer::{
    Destination, FreshToken, Retriever, RetrieverConfig, SourceFile, TransferError, TransferOutcome,
};
use archiver::workflow::{ExecutionStarter, StartError, StartOutcome};
use clap::{Parser, Subcommand};
use hmac::{Hmac, Mac};
use rand::Rng;
use serde_json::{Value, json};
use sha2::Sha256;
use tokio::sync::Notify;
use zoom_webhook::handler::{IncomingRequest, WebhookConfig, Workflows, handle};

#[derive(Parser)]
#[command(about = "Measurements behind scripts/bench")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// One file from Zoom into S3 through the retriever the `retrieve-recording` Lambda runs
    /// (ranged GETs, multipart upload, verification), looping over continuations like the state
    /// machine. S3 comes from the SDK's environment (`AWS_ENDPOINT_URL_S3`, path style).
    Retrieve {
        #[arg(long)]
        download_url: String,
        /// Bearer token for the download (a `download_access_token` or an OAuth token).
        #[arg(long, env = "BENCH_DOWNLOAD_TOKEN")]
        token: String,
        #[arg(long)]
        size: u64,
        #[arg(long)]
        bucket: String,
        #[arg(long)]
        key: String,
        #[arg(long, default_value_t = 16)]
        part_size_mib: u64,
        #[arg(long, default_value_t = 4)]
        parts_in_flight: usize,
    },
    /// The webhook handler in-process (signature, parsing, rules, input), Step Functions faked.
    WebhookInProcess {
        /// A `recording.completed` body to sign (its uuid is varied per request).
        #[arg(long)]
        sample: PathBuf,
        #[arg(long, default_value_t = 5000)]
        iterations: usize,
    },
    /// Signed `recording.completed` requests to a running webhook (e.g. under cargo lambda watch).
    WebhookHttp {
        #[arg(long)]
        sample: PathBuf,
        #[arg(long)]
        url: String,
        #[arg(long)]
        secret: String,
        #[arg(long, default_value_t = 300)]
        iterations: usize,
    },
    /// Time from spawning a Lambda binary until it asks the Runtime API for its first event.
    Startup {
        #[arg(long)]
        binary: PathBuf,
        #[arg(long, default_value_t = 20)]
        runs: usize,
    },
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let result = match Cli::parse().command {
        Command::WebhookInProcess { sample, iterations } => {
            webhook_in_process(&sample, iterations).await?
        }
        Command::WebhookHttp {
            sample,
            url,
            secret,
            iterations,
        } => webhook_http(&sample, &url, &secret, iterations).await?,
        Command::Startup { binary, runs } => startup(&binary, runs).await?,
        Command::Retrieve {
            download_url,
            token,
            size,
            bucket,
            key,
            part_size_mib,
            parts_in_flight,
        } => {
            let source = SourceFile {
                download_url,
                size,
                fallback_content_type: "video/mp4".into(),
            };
            let destination = Destination { bucket, key };
            let config = RetrieverConfig {
                // The benchmark's source is a local zoom-sim.
                token_hosts: TokenHosts::parse("http://127.0.0.1").map_err(anyhow::Error::msg)?,
                part_size: part_size_mib * 1024 * 1024,
                parts_in_flight,
                part_attempts: 4,
                max_stalled_calls: 5,
            };
            retrieve(source, destination, SecretString::new(token), config).await?
        }
    };
    println!("{result}");
    Ok(())
}

/// No token to fall back on: the benchmark's token is valid for the whole run.
struct NoFreshTokens;

impl FreshToken for NoFreshTokens {
    async fn fresh_token(&self, _: Option<&SecretString>) -> Result<SecretString, TransferError> {
        Err(TransferError::DownloadRefused {
            reason: "the benchmark's token was refused".into(),
        })
    }
}

async fn retrieve(
    source: SourceFile,
    destination: Destination,
    token: SecretString,
    config: RetrieverConfig,
) -> anyhow::Result<Value> {
    let sdk = archiver::aws::load_sdk_config().await;
    let s3 = archiver::aws::s3_client(&sdk, true);
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .read_timeout(Duration::from_secs(60));
    let retriever = Retriever::new(http, s3, config)?;
    let started = Instant::now();
    let mut state = None;
    let mut calls = 0;
    let object = loop {
        calls += 1;
        let deadline = Instant::now() + Duration::from_secs(840);
        match retriever
            .run(
                &source,
                &destination,
                token.clone(),
                &NoFreshTokens,
                state,
                deadline,
            )
            .await?
        {
            TransferOutcome::Done(object) => break object,
            TransferOutcome::InProgress(next) => state = Some(next),
        }
    };
    let seconds = started.elapsed().as_secs_f64();
    Ok(json!({
        "measure": "retrieve",
        "bytes": object.size,
        "parts": object.parts,
        "calls": calls,
        "seconds": seconds,
        "mib_per_second": object.size as f64 / 1_048_576.0 / seconds,
    }))
}

/// Percentiles in milliseconds of a set of durations.
fn summary(mut samples: Vec<Duration>) -> Value {
    samples.sort();
    let at = |p: f64| {
        let index = ((samples.len() as f64 - 1.0) * p).round() as usize;
        samples[index].as_secs_f64() * 1000.0
    };
    json!({"count": samples.len(), "p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99), "max_ms": at(1.0)})
}

fn sign(secret: &str, timestamp: i64, body: &[u8]) -> anyhow::Result<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())?;
    mac.update(format!("v0:{timestamp}:").as_bytes());
    mac.update(body);
    Ok(format!("v0={}", hex::encode(mac.finalize().into_bytes())))
}

/// The sample body with a fresh random uuid, so every request is a new meeting.
fn fresh_body(sample: &Value) -> Vec<u8> {
    let mut body = sample.clone();
    let uuid: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(22)
        .map(char::from)
        .collect();
    body["payload"]["object"]["uuid"] = json!(format!("{uuid}=="));
    body.to_string().into_bytes()
}

fn load_sample(path: &PathBuf) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(serde_json::from_str(&text)?)
}

fn now_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// Accepts every start, as a healthy Step Functions would.
struct AcceptingStepFunctions;

impl ExecutionStarter for AcceptingStepFunctions {
    async fn start(&self, name: &str, _input: &str) -> Result<StartOutcome, StartError> {
        Ok(StartOutcome::Started {
            execution_arn: name.to_owned(),
        })
    }
}

async fn webhook_in_process(sample: &PathBuf, iterations: usize) -> anyhow::Result<Value> {
    let sample = load_sample(sample)?;
    let secret = "bench-secret";
    let config = WebhookConfig {
        secret: SecretString::new(secret),
        timestamp_tolerance_seconds: 300,
        rules: ArchiveRules::default(),
    };
    let now = now_seconds();
    let requests: Vec<(Vec<u8>, String)> = (0..iterations)
        .map(|_| {
            let body = fresh_body(&sample);
            let signature = sign(secret, now, &body)?;
            Ok((body, signature))
        })
        .collect::<anyhow::Result<_>>()?;
    let timestamp = now.to_string();
    let mut samples = Vec::with_capacity(iterations);
    for (body, signature) in &requests {
        let request = IncomingRequest {
            method: "POST",
            path: "/",
            timestamp: Some(&timestamp),
            signature: Some(signature),
            body,
        };
        let started = Instant::now();
        let reply = handle(
            &config,
            Workflows {
                ingest: &AcceptingStepFunctions,
                changes: None,
            },
            &request,
            now,
        )
        .await;
        samples.push(started.elapsed());
        if reply.decision != "started" {
            bail!("unexpected answer {reply:?}");
        }
    }
    Ok(json!({"measure": "webhook_in_process", "latency": summary(samples)}))
}

async fn webhook_http(
    sample: &PathBuf,
    url: &str,
    secret: &str,
    iterations: usize,
) -> anyhow::Result<Value> {
    let sample = load_sample(sample)?;
    let client = reqwest::Client::new();
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let body = fresh_body(&sample);
        let now = now_seconds();
        let signature = sign(secret, now, &body)?;
        let started = Instant::now();
        let response = client
            .post(url)
            .header("content-type", "application/json")
            .header("x-zm-request-timestamp", now.to_string())
            .header("x-zm-signature", signature)
            .body(body)
            .send()
            .await?;
        let status = response.status();
        let answer = response.text().await?;
        samples.push(started.elapsed());
        if !status.is_success() {
            bail!("HTTP {status}: {answer}");
        }
    }
    Ok(json!({"measure": "webhook_http", "url": url, "latency": summary(samples)}))
}

/// A Runtime API that only notices the first `GET .../invocation/next` and never answers it.
async fn fake_runtime_api(polled: Arc<Notify>) -> anyhow::Result<String> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let address = listener.local_addr()?.to_string();
    let app = axum::Router::new().route(
        "/2018-06-01/runtime/invocation/next",
        axum::routing::get(move || {
            let polled = polled.clone();
            async move {
                polled.notify_one();
                std::future::pending::<()>().await;
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(address)
}

async fn startup(binary: &PathBuf, runs: usize) -> anyhow::Result<Value> {
    let mut samples = Vec::with_capacity(runs);
    for _ in 0..runs {
        let polled = Arc::new(Notify::new());
        let runtime_api = fake_runtime_api(polled.clone()).await?;
        let started = Instant::now();
        let mut child = tokio::process::Command::new(binary)
            .env("AWS_LAMBDA_RUNTIME_API", &runtime_api)
            .env("AWS_LAMBDA_FUNCTION_NAME", "bench")
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", "bench")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", binary.display()))?;
        tokio::select! {
            () = polled.notified() => samples.push(started.elapsed()),
            status = child.wait() => bail!("{} exited before polling: {status:?} (settings missing?)", binary.display()),
            () = tokio::time::sleep(Duration::from_secs(30)) => bail!("{} did not poll within 30 s", binary.display()),
        }
        child.kill().await.ok();
    }
    Ok(json!({"measure": "startup_to_ready", "binary": binary, "latency": summary(samples)}))
}
