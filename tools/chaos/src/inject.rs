//! Arming and disarming each trouble, and counting the faults that actually hit: uses taken
//! from zoom-sim's faults, 401s, whole-file answers while `Range` was off, extra webhook
//! deliveries, and what tools/s3-fault-proxy reports.

use std::time::Duration;

use anyhow::Context;
use rand::Rng;
use rand::rngs::StdRng;
use s3_fault_proxy::{Fault as S3Fault, FaultKind, Operation, Stats};
use zoom_sim::{Fault, Scope, Sim};

use crate::plan::{MIB, Trouble};

/// The proxy's control API (`/_proxy/...`), as the functions' S3 endpoint of the local stack.
#[derive(Debug, Clone)]
pub struct S3Proxy {
    http: reqwest::Client,
    base: String,
}

impl S3Proxy {
    pub fn new(base: impl Into<String>) -> Self {
        Self {
            http: reqwest::Client::new(),
            base: base.into().trim_end_matches('/').to_owned(),
        }
    }

    pub async fn add(&self, fault: &S3Fault) -> anyhow::Result<()> {
        self.http
            .post(format!("{}/_proxy/faults", self.base))
            .json(fault)
            .send()
            .await?
            .error_for_status()
            .context("adding a fault to s3-fault-proxy")?;
        Ok(())
    }

    pub async fn clear(&self) -> anyhow::Result<()> {
        self.http
            .delete(format!("{}/_proxy/faults", self.base))
            .send()
            .await?
            .error_for_status()
            .context("clearing s3-fault-proxy's faults")?;
        Ok(())
    }

    pub async fn stats(&self) -> anyhow::Result<Stats> {
        let stats = self
            .http
            .get(format!("{}/_proxy/stats", self.base))
            .send()
            .await
            .context("s3-fault-proxy does not answer: is the local stack up?")?
            .error_for_status()?
            .json()
            .await?;
        Ok(stats)
    }
}

/// What was armed for one group, to count what fired once it is over.
#[derive(Debug)]
pub struct Armed {
    trouble: Trouble,
    sim_uses_armed: u64,
    calls_before: usize,
    s3_injected_before: u64,
    range_off: bool,
}

/// How many of each fault hit one group.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Injected {
    pub zoom_faults: u64,
    pub expired_token_refusals: u64,
    pub whole_file_answers: u64,
    pub duplicate_webhooks: u64,
    pub s3_faults: u64,
    /// Forged webhooks and operator mistakes (the "operator and input" group).
    pub input_mistakes: u64,
}

impl Injected {
    pub fn total(&self) -> u64 {
        self.zoom_faults
            + self.expired_token_refusals
            + self.whole_file_answers
            + self.duplicate_webhooks
            + self.s3_faults
            + self.input_mistakes
    }
}

/// How many times each webhook of a group is sent (at once).
pub fn deliveries(trouble: Trouble) -> u32 {
    match trouble {
        Trouble::DuplicateWebhooks | Trouble::Everything => 5,
        _ => 1,
    }
}

/// Sets the group's faults up before its webhooks go out. Fault counts scale with the group.
pub async fn arm(
    trouble: Trouble,
    recordings: usize,
    sim: &Sim,
    proxy: &S3Proxy,
    rng: &mut StdRng,
) -> anyhow::Result<Armed> {
    let n = recordings.max(1) as u32;
    let zoom: Vec<Fault> = match trouble {
        Trouble::ConnectionResets => resets(2 * n, rng),
        Trouble::RateLimitStorm => vec![rate_limited(6 * n)],
        Trouble::ServiceUnavailable => vec![unavailable(4 * n)],
        Trouble::SlowBodies => vec![throttle(2 * n)],
        Trouble::Everything => {
            let mut faults = resets(n, rng);
            faults.extend([rate_limited(2 * n), unavailable(2 * n), throttle(n)]);
            faults
        }
        Trouble::RangeIgnored
        | Trouble::ExpiredTokens
        | Trouble::DuplicateWebhooks
        | Trouble::OperatorAndInput => vec![],
        Trouble::S3Failures => vec![],
    };
    let sim_uses_armed = zoom.iter().map(|f| u64::from(f.times().unwrap_or(0))).sum();
    for fault in zoom {
        sim.add_fault(fault);
    }
    match trouble {
        Trouble::S3Failures => s3_failures(proxy, n).await?,
        Trouble::Everything => s3_failures(proxy, n.div_ceil(2)).await?,
        _ => {}
    }
    let range_off = matches!(trouble, Trouble::RangeIgnored | Trouble::Everything);
    if range_off {
        sim.set_range_support(false);
    }
    Ok(Armed {
        trouble,
        sim_uses_armed,
        calls_before: sim.calls().len(),
        s3_injected_before: proxy.stats().await?.injected.values().sum(),
        range_off,
    })
}

/// What goes on while the group's executions copy (cancelled when they have ended): every
/// OAuth and download token expiring at once, right away (the webhook's download token is dead
/// before the first GET) and then every two seconds.
pub async fn while_running(trouble: Trouble, sim: &Sim) {
    if !expires_tokens(trouble) {
        return std::future::pending().await;
    }
    let every = match trouble {
        Trouble::Everything => Duration::from_secs(5),
        _ => Duration::from_secs(2),
    };
    loop {
        sim.expire_all_tokens();
        tokio::time::sleep(every).await;
    }
}

fn expires_tokens(trouble: Trouble) -> bool {
    matches!(trouble, Trouble::ExpiredTokens | Trouble::Everything)
}

/// Removes every fault and switch of the group and counts what hit.
pub async fn disarm(
    armed: Armed,
    recordings: usize,
    sim: &Sim,
    proxy: &S3Proxy,
) -> anyhow::Result<Injected> {
    let unused: u64 = sim
        .active_faults()
        .iter()
        .map(|f| u64::from(f.times().unwrap_or(0)))
        .sum();
    sim.reset_faults();
    sim.set_range_support(true);
    let s3_injected: u64 = proxy.stats().await?.injected.values().sum();
    proxy.clear().await?;
    let calls = sim.calls();
    let during = calls.get(armed.calls_before..).unwrap_or_default();
    let is_download = |path: &str| path.starts_with("/rec/") || path.starts_with("/cdn/");
    Ok(Injected {
        zoom_faults: armed.sim_uses_armed.saturating_sub(unused),
        expired_token_refusals: if expires_tokens(armed.trouble) {
            during.iter().filter(|c| c.status == 401).count() as u64
        } else {
            0
        },
        whole_file_answers: if armed.range_off {
            during
                .iter()
                .filter(|c| c.status == 200 && is_download(&c.path))
                .count() as u64
        } else {
            0
        },
        duplicate_webhooks: u64::from(deliveries(armed.trouble) - 1) * recordings as u64,
        s3_faults: s3_injected.saturating_sub(armed.s3_injected_before),
        input_mistakes: 0,
    })
}

/// Resets at random offsets within a part (parts are 16 MiB; small files are whole bodies).
fn resets(count: u32, rng: &mut StdRng) -> Vec<Fault> {
    (0..count)
        .map(|_| Fault::ResetAfterBytes {
            bytes: rng.random_range(1..16 * MIB),
            times: Some(1),
        })
        .collect()
}

fn rate_limited(times: u32) -> Fault {
    Fault::RateLimited {
        times: Some(times),
        retry_after_seconds: 1,
        scope: Scope::Any,
    }
}

fn unavailable(times: u32) -> Fault {
    Fault::Status {
        status: 503,
        times: Some(times),
        scope: Scope::Any,
    }
}

/// 4 MiB/s: a 16 MiB part takes 4 s, longer than a tiny call budget.
fn throttle(times: u32) -> Fault {
    Fault::Throttle {
        bytes_per_second: 4 * MIB,
        times: Some(times),
    }
}

/// Every way S3 fails, spread over the operations the pipeline uses. `reset_after` is the
/// nastiest: the request took effect, and the function never hears so.
async fn s3_failures(proxy: &S3Proxy, n: u32) -> anyhow::Result<()> {
    let fault = |operation, kind, times: u32, every: u32| {
        let mut fault = S3Fault::new(operation, kind, Some(times));
        fault.every = Some(every);
        fault
    };
    let faults = [
        fault(Operation::UploadPart, FaultKind::SlowDown, 2 * n, 3),
        fault(Operation::UploadPart, FaultKind::ResetBefore, n, 5),
        fault(Operation::UploadPart, FaultKind::ResetAfter, n, 4),
        fault(
            Operation::CreateMultipartUpload,
            FaultKind::InternalError,
            n,
            2,
        ),
        fault(
            Operation::CompleteMultipartUpload,
            FaultKind::ResetAfter,
            n,
            2,
        ),
        fault(
            Operation::CompleteMultipartUpload,
            FaultKind::SlowDown,
            n,
            3,
        ),
        fault(Operation::PutObject, FaultKind::ResetAfter, n, 3),
        fault(Operation::PutObject, FaultKind::InternalError, n, 2),
        fault(Operation::HeadObject, FaultKind::SlowDown, n, 3),
        fault(Operation::GetObject, FaultKind::ResetBefore, n, 2),
        fault(Operation::ListParts, FaultKind::InternalError, n, 2),
    ];
    for fault in &faults {
        proxy.add(fault).await?;
    }
    Ok(())
}
