//! One chaos run: zoom-sim serving the plan's account on the port the functions call; for each
//! group, its faults armed, its webhooks sent, every execution waited for, the faults counted and
//! cleared; then every recording checked.

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use archiver::bucket::Bucket;
use archiver::domain::MeetingUuid;
use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::layout::WORKING_PREFIX;
use archiver::table::RecordingsTable;
use aws_sdk_sfn::types::ExecutionStatus;
use futures_util::StreamExt;
use rand::SeedableRng;
use rand::rngs::StdRng;
use zoom_sim::scenario::MeetingInstance;
use zoom_sim::{SignatureMode, SimConfig, WebhookRequest, ZoomSim};

use crate::check::{Archive, RecordingCheck};
use crate::inject::{self, Injected, S3Proxy};
use crate::operator;
use crate::plan::{ChaosPlan, Group, Trouble};
use crate::report::{GroupReport, Report};

/// Where the local stack is (from `scripts/local-stack env`).
#[derive(Debug, Clone)]
pub struct Stack {
    pub sfn: aws_sdk_sfn::Client,
    pub archive: Archive,
    pub proxy: S3Proxy,
    pub state_machine_arn: String,
    pub webhook_url: String,
    /// The local stack's Lambda endpoint, for the operations an operator invokes.
    pub lambda_url: String,
    pub zoom_sim_port: u16,
}

impl Stack {
    /// The stack `scripts/local-stack env` describes.
    pub async fn from_env() -> anyhow::Result<Self> {
        let config = archiver::aws::load_sdk_config().await;
        let s3 = archiver::aws::s3_client(&config, true);
        let log_dir = PathBuf::from(env("LOCAL_STACK_LOG_DIR")?);
        Ok(Self {
            sfn: archiver::aws::sfn_client(&config),
            archive: Archive {
                bucket: Bucket::new(s3.clone(), env("RECORDINGS_BUCKET")?),
                s3,
                table: RecordingsTable::new(
                    archiver::aws::dynamodb_client(&config),
                    env("RECORDINGS_TABLE")?,
                ),
                s3_data_dir: log_dir.join("../run/s3-data"),
            },
            proxy: S3Proxy::new(env("LOCAL_STACK_S3_PROXY_URL")?),
            state_machine_arn: env("LOCAL_STACK_STATE_MACHINE_ARN")?,
            webhook_url: env("WEBHOOK_URL")?,
            lambda_url: env("AWS_ENDPOINT_URL")?,
            zoom_sim_port: env("LOCAL_STACK_ZOOM_SIM_PORT")?
                .parse()
                .context("LOCAL_STACK_ZOOM_SIM_PORT is not a port")?,
        })
    }
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name)
        .with_context(|| format!("{name} is not set: eval \"$(scripts/local-stack env)\" first"))
}

/// How long one group may take before its unfinished executions count as failures.
const GROUP_DEADLINE: Duration = Duration::from_secs(30 * 60);

/// zoom-sim serving the plan's account where the functions call Zoom.
pub async fn start_sim(stack: &Stack, plan: &ChaosPlan) -> anyhow::Result<ZoomSim> {
    ZoomSim::start(
        SimConfig::new(plan.scenario.clone()),
        SocketAddr::from(([127, 0, 0, 1], stack.zoom_sim_port)),
    )
    .await
    .with_context(|| {
        format!(
            "zoom-sim could not listen on 127.0.0.1:{} (is scripts/demo --keep still running?)",
            stack.zoom_sim_port
        )
    })
}

/// Runs the plan against `sim` (from [`start_sim`]) and checks the outcome. Progress goes to
/// stderr.
pub async fn run(
    stack: &Stack,
    sim: &ZoomSim,
    plan: &ChaosPlan,
    seed: u64,
) -> anyhow::Result<Report> {
    stack.proxy.clear().await?;
    let keys_before = stack.archive.all_keys().await?;
    let uploads_before = stack.archive.open_uploads();
    let mut rng = StdRng::seed_from_u64(seed);
    let started = Instant::now();
    let mut groups = Vec::new();
    let mut deleted = BTreeSet::new();
    for group in &plan.groups {
        eprintln!(
            "chaos: {} ({} recordings)",
            group.trouble.label(),
            group.meetings.len()
        );
        let (injected, final_executions, mut trashed_unarchived) = if group.trouble
            == Trouble::OperatorAndInput
        {
            let outcome =
                operator::run_group(stack, sim, &group.meetings, &plan.scenario.meetings).await?;
            deleted.extend(outcome.deleted);
            (
                outcome.injected,
                outcome.final_executions,
                outcome.trashed_unarchived,
            )
        } else {
            let injected = run_group(stack, sim, group, &mut rng).await?;
            (injected, BTreeMap::new(), BTreeMap::new())
        };
        let mut checks = check_group(stack, sim, group, &final_executions).await?;
        // Judged before the re-ingests, which would archive such a file from Zoom's trash.
        for check in &mut checks {
            if let Some(early) = trashed_unarchived.remove(&check.uuid) {
                check.wrongly_trashed = true;
                check.lost.extend(early);
            }
        }
        groups.push(GroupReport::new(group.trouble, injected, checks));
    }
    let keys_after = stack.archive.all_keys().await?;
    let folders: BTreeSet<String> = groups
        .iter()
        .flat_map(|g| g.recordings.iter())
        .filter_map(|r| r.folder.clone())
        .collect();
    // The ingest's file manifests live apart from every recording, on purpose.
    let strays = keys_after
        .difference(&keys_before)
        .filter(|key| !key.starts_with(WORKING_PREFIX))
        .filter(|key| !folders.iter().any(|f| key.starts_with(&format!("{f}/"))))
        .cloned()
        .collect();
    let open_uploads = stack
        .archive
        .open_uploads()
        .difference(&uploads_before)
        .cloned()
        .collect();
    Ok(Report {
        seed,
        recordings: plan.recordings(),
        bytes: plan.bytes(),
        seconds: started.elapsed().as_secs_f64(),
        groups,
        objects_outside_folders: strays,
        objects_deleted: deleted,
        open_uploads,
    })
}

/// Arms the group's faults, sends its webhooks, waits for its executions, and disarms.
async fn run_group(
    stack: &Stack,
    sim: &ZoomSim,
    group: &Group,
    rng: &mut StdRng,
) -> anyhow::Result<Injected> {
    let armed = inject::arm(
        group.trouble,
        group.meetings.len(),
        sim.sim(),
        &stack.proxy,
        rng,
    )
    .await?;
    let outcome = async {
        send_webhooks(stack, sim, group).await?;
        tokio::select! {
            waited = wait_for_executions(stack, &group.meetings) => waited,
            () = inject::while_running(group.trouble, sim.sim()) => Ok(()),
        }
    }
    .await;
    let injected = inject::disarm(armed, group.meetings.len(), sim.sim(), &stack.proxy).await?;
    outcome.map(|()| injected)
}

/// Every webhook of the group at once, each as many times as the trouble says.
async fn send_webhooks(stack: &Stack, sim: &ZoomSim, group: &Group) -> anyhow::Result<()> {
    let times = inject::deliveries(group.trouble);
    let sends = group.meetings.iter().map(|meeting| async move {
        let request = WebhookRequest {
            target: stack.webhook_url.clone(),
            event: "recording.completed".into(),
            meeting_uuid: Some(meeting.uuid.clone()),
            times,
            concurrent: times > 1,
            signature: SignatureMode::Valid,
            timestamp_offset_seconds: 0,
            ..Default::default()
        };
        let outcome = sim
            .send_webhook(&request)
            .await
            .map_err(|e| anyhow::anyhow!("sending the webhook of {}: {e}", meeting.uuid))?;
        for delivery in &outcome.deliveries {
            if delivery.status != 200 {
                bail!(
                    "the webhook of {} was answered {}: {}",
                    meeting.uuid,
                    delivery.status,
                    delivery.body
                );
            }
        }
        Ok(())
    });
    for result in futures_util::future::join_all(sends).await {
        result?;
    }
    Ok(())
}

pub(crate) fn execution_arn(stack: &Stack, uuid: &str) -> anyhow::Result<String> {
    let uuid = MeetingUuid::parse(uuid).map_err(|e| anyhow::anyhow!("uuid {uuid}: {e}"))?;
    Ok(format!(
        "{}:{}",
        stack
            .state_machine_arn
            .replace(":stateMachine:", ":execution:"),
        execution_name(IngestKind::Recording, &uuid)
    ))
}

/// Polls until no execution of the group is running (or the group's deadline passes).
pub(crate) async fn wait_for_executions(
    stack: &Stack,
    meetings: &[MeetingInstance],
) -> anyhow::Result<()> {
    let deadline = Instant::now() + GROUP_DEADLINE;
    let mut pending: Vec<String> = meetings
        .iter()
        .map(|m| execution_arn(stack, &m.uuid))
        .collect::<anyhow::Result<_>>()?;
    while !pending.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let mut still = Vec::new();
        for arn in pending {
            let status = execution_status(stack, &arn).await?;
            if status.is_none_or(|s| s == ExecutionStatus::Running) {
                still.push(arn);
            }
        }
        pending = still;
    }
    Ok(())
}

/// The execution's status; `None` while it does not exist.
async fn execution_status(stack: &Stack, arn: &str) -> anyhow::Result<Option<ExecutionStatus>> {
    match stack
        .sfn
        .describe_execution()
        .execution_arn(arn)
        .send()
        .await
    {
        Ok(execution) => Ok(Some(execution.status)),
        Err(error)
            if error
                .as_service_error()
                .is_some_and(|e| e.is_execution_does_not_exist()) =>
        {
            Ok(None)
        }
        Err(error) => Err(anyhow::anyhow!("DescribeExecution {arn}: {error:?}")),
    }
}

/// Checks the group's recordings, four at a time (each check reads every byte back).
/// `final_executions`: the execution that last ingested a recording, where it is not the
/// webhook's (a manual re-ingest).
async fn check_group(
    stack: &Stack,
    sim: &ZoomSim,
    group: &Group,
    final_executions: &BTreeMap<String, String>,
) -> anyhow::Result<Vec<RecordingCheck>> {
    let checks = futures_util::stream::iter(&group.meetings)
        .map(|meeting| async move {
            let arn = match final_executions.get(&meeting.uuid) {
                Some(arn) => arn.clone(),
                None => execution_arn(stack, &meeting.uuid)?,
            };
            let status = execution_status(stack, &arn).await?;
            let retrieve_calls = match status {
                Some(_) => {
                    archive_testkit::local_stack::state_entries(&stack.sfn, &arn, "Retrieve file")
                        .await
                        .map_err(|e| anyhow::anyhow!("GetExecutionHistory {arn}: {e:?}"))?
                }
                None => 0,
            };
            let status = status
                .as_ref()
                .map_or("NOT_STARTED", |s| s.as_str())
                .to_owned();
            stack
                .archive
                .check(sim.sim(), meeting, group.trouble, status, retrieve_calls)
                .await
        })
        .buffer_unordered(4)
        .collect::<Vec<_>>()
        .await;
    checks.into_iter().collect()
}
