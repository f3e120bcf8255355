//! The "operator and input" group: what a forged or mistaken input and an operator's slip do,
//! where the other groups only break the network. Each recording meets one [`Mistake`]:
//!
//! - **an edited document**: once archived, its `recording.json` is edited to reach outside its
//!   folder (`folder` set to the bucket's top prefix, a past `delete_after`) and handed to
//!   `reindex-recording`, then retention runs for real (`"dry_run": false`). The edit must be
//!   refused and no object of any recording deleted;
//! - **a short file list**: a signed `recording.completed` lists the video alone (the count
//!   says one), so the other files Zoom holds must stay in Zoom, never in its trash;
//! - **a foreign URL**: a signed `recording.completed` points the video at a local listener:
//!   no request may reach it and nothing may be trashed.
//!
//! Then each short-listed or refused recording is re-ingested by hand (as an operator would,
//! from Zoom's own listing), so the checks can ask the same as of every group: every file
//! byte-identical in S3, none twice, nothing in Zoom's trash that the archive did not hold.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::Ordering;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use archiver::domain::MeetingUuid;
use archiver::domain::document::RecordingDocument;
use archiver::domain::execution::IngestKind;
use archiver::workflow::{Source, execution_input};
use serde_json::{Value, json};
use zoom_sim::scenario::MeetingInstance;
use zoom_sim::{SignatureMode, WebhookRequest, ZoomSim};

use crate::inject::Injected;
use crate::run::{Stack, wait_for_executions};

/// The one mistake a recording of the group meets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mistake {
    EditedDocument,
    ShortFileList,
    ForeignUrl,
}

impl Mistake {
    /// The mistakes in turn, so a group of three meets each once.
    pub fn of(position_in_group: usize) -> Self {
        match position_in_group % 3 {
            0 => Self::EditedDocument,
            1 => Self::ShortFileList,
            _ => Self::ForeignUrl,
        }
    }
}

/// What the group did: the mistakes made and refused, and the execution that last ingested
/// each recording (a manual re-ingest, where one ran).
#[derive(Debug, Default)]
pub struct Outcome {
    pub injected: Injected,
    pub final_executions: BTreeMap<String, String>,
    /// Objects of the run's recordings (any group's) that disappeared while the group ran: none
    /// of them is due, so retention reaching outside a recording shows here.
    pub deleted: BTreeSet<String>,
    /// By recording: files that went to Zoom's trash before the archive held them (judged
    /// before the re-ingests, which would archive them from the trash and hide the fault).
    pub trashed_unarchived: BTreeMap<String, Vec<String>>,
}

/// How long the group's manual re-ingests may take.
const REPAIR_DEADLINE: Duration = Duration::from_secs(20 * 60);

/// Sends the group's webhooks, makes its operator's mistakes and re-ingests what needs it.
/// `everyone`: every recording of the run, whose objects must all survive.
pub async fn run_group(
    stack: &Stack,
    sim: &ZoomSim,
    meetings: &[MeetingInstance],
    everyone: &[MeetingInstance],
) -> anyhow::Result<Outcome> {
    let (listener, connections) = archive_testkit::connection_counter([127, 0, 0, 1]).await;
    let foreign = format!("http://{listener}/latest/meta-data/iam/security-credentials/");
    let mut outcome = Outcome::default();
    for (position, meeting) in meetings.iter().enumerate() {
        send_webhook(stack, sim, meeting, Mistake::of(position), &foreign).await?;
    }
    wait_for_executions(stack, meetings).await?;
    ensure!(
        connections.load(Ordering::SeqCst) == 0,
        "a forged download URL was requested (a token may have gone with it)"
    );
    for meeting in meetings {
        let early = trashed_unarchived(stack, sim, meeting).await?;
        if !early.is_empty() {
            outcome
                .trashed_unarchived
                .insert(meeting.uuid.clone(), early);
        }
    }
    let keys_before = keys_of(stack, everyone).await?;
    for (position, meeting) in meetings.iter().enumerate() {
        outcome.injected.input_mistakes += 1;
        match Mistake::of(position) {
            Mistake::EditedDocument => edit_outside_its_folder(stack, meeting).await?,
            Mistake::ShortFileList | Mistake::ForeignUrl => {
                let arn = reingest(stack, &meeting.uuid).await?;
                outcome.final_executions.insert(meeting.uuid.clone(), arn);
            }
        }
    }
    expire_for_real(stack).await?;
    wait_for_repairs(stack, &outcome.final_executions).await?;
    let keys_after = stack.archive.all_keys().await?;
    outcome.deleted = keys_before.difference(&keys_after).cloned().collect();
    Ok(outcome)
}

/// The files of `meeting` in Zoom's trash that its item does not list as archived.
async fn trashed_unarchived(
    stack: &Stack,
    sim: &ZoomSim,
    meeting: &MeetingInstance,
) -> anyhow::Result<Vec<String>> {
    let uuid = MeetingUuid::parse(&meeting.uuid).map_err(|e| anyhow::anyhow!("{e}"))?;
    let archived: BTreeSet<String> = match stack.archive.table.get(&uuid).await? {
        Some(item) => item.files.into_iter().filter_map(|f| f.file_id).collect(),
        None => BTreeSet::new(),
    };
    let all: Vec<String> = crate::plan::files_of(meeting)
        .iter()
        .map(|f| f.id.clone())
        .collect();
    let mut trashed = BTreeSet::new();
    for record in sim.sim().trash_log() {
        if record.meeting_uuid != meeting.uuid || record.action == "recover" {
            continue;
        }
        match record.file_id {
            Some(id) => {
                trashed.insert(id);
            }
            None => trashed.extend(all.iter().cloned()),
        }
    }
    Ok(trashed
        .into_iter()
        .filter(|id| !archived.contains(id))
        .map(|id| format!("{id} went to Zoom's trash before the archive held it"))
        .collect())
}

/// Every object in the folders of `meetings`' items.
async fn keys_of(stack: &Stack, meetings: &[MeetingInstance]) -> anyhow::Result<BTreeSet<String>> {
    let mut keys = BTreeSet::new();
    for meeting in meetings {
        let uuid = MeetingUuid::parse(&meeting.uuid).map_err(|e| anyhow::anyhow!("{e}"))?;
        if let Some(item) = stack.archive.table.get(&uuid).await? {
            let folder = format!("{}/", item.folder);
            keys.extend(stack.archive.bucket.list_all(&folder).await?);
        }
    }
    Ok(keys)
}

async fn send_webhook(
    stack: &Stack,
    sim: &ZoomSim,
    meeting: &MeetingInstance,
    mistake: Mistake,
    foreign: &str,
) -> anyhow::Result<()> {
    let request = WebhookRequest {
        target: stack.webhook_url.clone(),
        event: "recording.completed".into(),
        meeting_uuid: Some(meeting.uuid.clone()),
        times: 1,
        concurrent: false,
        signature: SignatureMode::Valid,
        timestamp_offset_seconds: 0,
        ..Default::default()
    };
    let mut body = sim
        .sim()
        .event_body(&request)
        .map_err(|e| anyhow::anyhow!("the webhook of {}: {e}", meeting.uuid))?;
    let object = &mut body["payload"]["object"];
    let files = object["recording_files"]
        .as_array_mut()
        .context("a webhook without recording_files")?;
    match mistake {
        Mistake::EditedDocument => {}
        Mistake::ShortFileList => {
            files.retain(|file| file["file_type"] == "MP4");
            // With the count left as it was, the ingest would ask Zoom's REST API instead.
            object["recording_count"] = 1.into();
        }
        Mistake::ForeignUrl => {
            for file in files.iter_mut().filter(|file| file["file_type"] == "MP4") {
                file["download_url"] = Value::String(foreign.to_owned());
            }
        }
    }
    let delivery = sim.sim().send_edited_webhook(&request, &body).await;
    if delivery.status != 200 {
        bail!(
            "the webhook of {} was answered {}: {}",
            meeting.uuid,
            delivery.status,
            delivery.body
        );
    }
    Ok(())
}

/// The first case: `folder` edited to the bucket's top prefix and the recording due, so
/// an accepted edit would let retention delete every recording. It must be refused.
async fn edit_outside_its_folder(stack: &Stack, meeting: &MeetingInstance) -> anyhow::Result<()> {
    let uuid = MeetingUuid::parse(&meeting.uuid).map_err(|e| anyhow::anyhow!("{e}"))?;
    let item = stack
        .archive
        .table
        .get(&uuid)
        .await?
        .with_context(|| format!("{} was not archived", meeting.uuid))?;
    let key = item
        .document_key
        .with_context(|| format!("{} has no document", meeting.uuid))?;
    let document: RecordingDocument = stack
        .archive
        .bucket
        .get_json(&key)
        .await?
        .with_context(|| format!("no document at {key}"))?;
    let mut edited = serde_json::to_value(&document)?;
    let top = document.folder.split('/').next().unwrap_or_default();
    edited["folder"] = Value::String(top.to_owned());
    edited["disposition"] = json!({"policy": "delete_after", "at": "2020-01-01T00:00:00Z"});
    match invoke(stack, "reindex-recording", &edited).await? {
        Err(error)
            if error["errorMessage"]
                .as_str()
                .is_some_and(|m| m.contains("folder:")) =>
        {
            Ok(())
        }
        Err(error) => bail!("reindex refused the edit of {key} without naming the folder: {error}"),
        Ok(answer) => bail!("reindex accepted a document moved to {top:?}: {answer}"),
    }
}

/// Retention run for real, as `scripts/ops expire --yes` would.
async fn expire_for_real(stack: &Stack) -> anyhow::Result<()> {
    let mut input = json!({"dry_run": false});
    for _ in 0..100 {
        let answer = invoke(stack, "expire-recordings", &input)
            .await?
            .map_err(|error| anyhow::anyhow!("expire-recordings failed: {error}"))?;
        match answer.get("continuation").filter(|c| !c.is_null()) {
            Some(continuation) => input["continuation"] = continuation.clone(),
            None => return Ok(()),
        }
    }
    bail!("expire-recordings kept answering a continuation")
}

/// A manual re-ingest from Zoom's own listing, as `scripts/ops reingest --uuid` starts one.
async fn reingest(stack: &Stack, uuid: &str) -> anyhow::Result<String> {
    let parsed = MeetingUuid::parse(uuid).map_err(|e| anyhow::anyhow!("{e}"))?;
    let input = execution_input(Source::Manual, IngestKind::Recording, &parsed, None, None);
    let started = stack
        .sfn
        .start_execution()
        .state_machine_arn(&stack.state_machine_arn)
        .name(format!("chaos-repair-{}", &parsed.sha256_hex()[..32]))
        .input(input)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("StartExecution for {uuid}: {e:?}"))?;
    Ok(started.execution_arn().to_owned())
}

async fn wait_for_repairs(
    stack: &Stack,
    executions: &BTreeMap<String, String>,
) -> anyhow::Result<()> {
    let deadline = std::time::Instant::now() + REPAIR_DEADLINE;
    for arn in executions.values() {
        while std::time::Instant::now() < deadline {
            let execution = stack
                .sfn
                .describe_execution()
                .execution_arn(arn)
                .send()
                .await
                .map_err(|e| anyhow::anyhow!("DescribeExecution {arn}: {e:?}"))?;
            if execution.status != aws_sdk_sfn::types::ExecutionStatus::Running {
                break;
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }
    Ok(())
}

/// A function of the local stack, through its Lambda endpoint: `Err` carries the error answer.
async fn invoke(
    stack: &Stack,
    function: &str,
    payload: &Value,
) -> anyhow::Result<Result<Value, Value>> {
    let answer = reqwest::Client::new()
        .post(format!(
            "{}/2015-03-31/functions/{function}/invocations",
            stack.lambda_url
        ))
        .json(payload)
        .send()
        .await
        .with_context(|| format!("invoking {function}"))?;
    let failed = answer.headers().contains_key("x-amz-function-error");
    let body: Value = answer
        .json()
        .await
        .with_context(|| format!("{function}'s answer"))?;
    Ok(if failed { Err(body) } else { Ok(body) })
}
