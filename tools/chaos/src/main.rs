//! `chaos`: the fault matrix against the running local stack (run it through `scripts/chaos`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use chaos::plan::{ChaosConfig, ChaosPlan, MIB};
use chaos::run::{Stack, run, start_sim};
use clap::Parser;
use rand::Rng;

/// Sends recordings through the local pipeline under Zoom and S3 faults and checks each one.
/// Needs the local stack's environment: eval "$(scripts/local-stack env)".
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    /// Recordings to send (spread over the 10 kinds of trouble).
    #[arg(long, default_value_t = 60)]
    recordings: usize,
    /// The largest video in MiB (one recording has it; the rest are smaller).
    #[arg(long, default_value_t = 1024)]
    max_file_mib: u64,
    /// Seed of the plan and the random fault offsets (default: a new one, printed).
    #[arg(long)]
    seed: Option<u64>,
    /// Also write the report as JSON here.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// Six letters and digits, so that uuids and file ids are new to the stack on every run.
fn run_tag() -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(6)
        .map(char::from)
        .collect()
}

async fn chaos(cli: Cli) -> anyhow::Result<bool> {
    let seed = cli.seed.unwrap_or_else(|| rand::rng().random());
    let config = ChaosConfig {
        recordings: cli.recordings,
        max_file_bytes: cli.max_file_mib.max(1) * MIB,
        seed,
    };
    let plan = ChaosPlan::generate(&config, &chaos::plan::standard_scenario(), &run_tag())?;
    eprintln!(
        "chaos: {} recordings, {} files, {:.1} MiB, seed {seed}",
        plan.recordings(),
        plan.files(),
        plan.bytes() as f64 / MIB as f64
    );
    let stack = Stack::from_env().await?;
    let sim = start_sim(&stack, &plan).await?;
    let report = run(&stack, &sim, &plan, seed).await?;
    println!("{}", report.render());
    if let Some(path) = cli.json {
        std::fs::write(&path, serde_json::to_string_pretty(&report)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(report.is_clean())
}

#[tokio::main]
async fn main() -> ExitCode {
    match chaos(Cli::parse()).await {
        Ok(true) => {
            println!(
                "chaos: every recording archived byte-identical, nothing lost, duplicated or wrongly trashed"
            );
            ExitCode::SUCCESS
        }
        Ok(false) => {
            println!("chaos: FAILED (see the problems above)");
            ExitCode::FAILURE
        }
        Err(error) => {
            eprintln!("chaos: error: {error:#}");
            ExitCode::from(2)
        }
    }
}
