//! The missed-meeting scan (daily, by EventBridge): Zoom's webhook can be lost (an outage, a
//! disabled subscription), so list every recorded instance of the account over the last
//! `SCAN_DAYS` and start an ingest for each one the table does not hold as archived.
//!
//! - Listing: windows of 28 days (Zoom allows at most one month) that overlap by a day, newest
//!   first, every page (300 a page), paced at `SCAN_LIST_REQUESTS_PER_SECOND` (Zoom's Medium
//!   label; 429s are retried by the client, honouring `Retry-After`).
//! - Starting: the **same deterministic name the webhook uses**, so an instance the webhook
//!   already handles is `ExecutionAlreadyExists`, never a second archive. An instance whose
//!   execution failed keeps that name taken, so the scan cannot retry it: it counts and lists
//!   it (`failed_earlier`, `needs_reingest`) for a manual re-ingest.
//! - Deadline-aware: with little time left it answers with a continuation (window, page token,
//!   what this window has counted). Zoom's page tokens expire after 15 minutes: an old or
//!   refused token restarts its window, and the instances counted already are not counted twice.
//! - A listing that changes under its page token (a recording trashed, by our own ingests
//!   among others, or a new one) shifts the positions of the pages still to come, so an instance
//!   can slip between two pages unseen. When the total Zoom reports changes between a window's
//!   pages, the window is listed again once it ends (up to `MAX_WINDOW_RELISTS` times), the
//!   instances counted already skipped.

mod windows;

use std::collections::HashSet;
use std::time::{Duration, Instant};

use archiver::domain::execution::{IngestKind, execution_name};
use archiver::domain::status::RecordingStatus;
use archiver::domain::{MeetingRecordings, MeetingUuid};
use archiver::pipeline::{StepError, WORKFLOW_UNAVAILABLE};
use archiver::settings::ArchiveRules;
use archiver::table::{IngestFailure, RecordingItem, RecordingsTable, Transition};
use archiver::workflow::{ExecutionStarter, Source, StartOutcome, execution_input};
use archiver::zoom::{UnreadableMeeting, ZoomClient, ZoomError};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};

pub use windows::{Window, windows};

/// Executions started at once.
const STARTS_IN_FLIGHT: usize = 8;
/// A page token older than this is not used (Zoom's expire after 15 minutes).
const PAGE_TOKEN_MAX_AGE: chrono::Duration = chrono::Duration::minutes(14);
/// Start failures, and instances that need a manual re-ingest, listed in the answer (all are
/// counted).
const FAILURES_LISTED: usize = 20;
/// Times one window is listed again because its listing changed while it was paged; an
/// account whose recordings keep changing has the rest caught by the next scheduled scan.
const MAX_WINDOW_RELISTS: u32 = 10;
/// Instances of one window remembered as counted: the continuation must fit Step Functions'
/// 256 KiB state whatever a window holds (about 15 bytes each). Beyond it, a relisted window may
/// count an instance twice; starting it again is harmless (the execution name exists).
const MAX_SEEN_PER_WINDOW: usize = 6_000;
/// Instances of a window's oldest day remembered for the next window, likewise bounded.
const MAX_OLDEST_DAY: usize = 3_000;
/// Longest error or problem text kept in a listed entry.
const MAX_LISTED_TEXT: usize = 300;

/// What the handler works with.
#[derive(Debug)]
pub struct Dependencies<'a, S> {
    pub zoom: &'a ZoomClient,
    pub table: &'a RecordingsTable,
    pub starter: &'a S,
    pub rules: &'a ArchiveRules,
    pub scan_days: u32,
    /// Least time between two listing calls.
    pub list_interval: Duration,
}

/// Input: empty (or `{"days": N}`) to start; the previous answer's continuation to carry on.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ScanRequest {
    #[serde(default)]
    pub days: Option<u32>,
    #[serde(default)]
    pub continuation: Option<Continuation>,
}

/// Where a scan stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Continuation {
    /// The oldest and newest dates scanned, fixed when the scan began.
    pub start: NaiveDate,
    pub until: NaiveDate,
    /// Index into [`windows`]`(start, until)`.
    pub window: usize,
    #[serde(default)]
    pub page_token: Option<String>,
    #[serde(default)]
    pub page_token_issued_at: Option<DateTime<Utc>>,
    /// Short hashes of the instances this window has counted, and the instances on its oldest
    /// day (the next window lists that day again).
    #[serde(default)]
    pub seen: Vec<String>,
    #[serde(default)]
    pub oldest_day: Vec<String>,
    /// `total_records` of this window's first page.
    #[serde(default)]
    pub window_total: Option<u64>,
    /// A later page of this window reported another total: positions shifted.
    #[serde(default)]
    pub window_shifted: bool,
    /// Times this window was listed again because it shifted.
    #[serde(default)]
    pub window_relists: u32,
    pub totals: ScanCounts,
}

/// What a scan saw and did (cumulative over continuations).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanCounts {
    /// Distinct recorded instances Zoom listed.
    pub instances_seen: u64,
    /// ARCHIVED, TRASHED or EXPIRED in the table.
    pub already_archived: u64,
    /// Left out by the archive rules.
    pub skipped_by_rules: u64,
    /// New executions.
    pub started: u64,
    /// An execution of that name exists: the webhook (or an earlier scan) handles it.
    pub already_started: u64,
    /// Of those, the table holds as FAILED: the execution of the webhook's name failed and the
    /// name stays taken (Step Functions keeps it 90 days), so only a manual re-ingest archives
    /// them. Counted in `already_started` too.
    #[serde(default)]
    pub failed_earlier: u64,
    /// Of those, INGESTING in the table although their execution ended (timed out, aborted):
    /// marked FAILED by this scan, and counted in `failed_earlier` too.
    #[serde(default)]
    pub abandoned: u64,
    /// The first of them, for the operator to re-ingest.
    #[serde(default)]
    pub needs_reingest: Vec<MeetingUuid>,
    /// Executions that could not be started (the next scan tries again).
    pub failed: u64,
    pub failures: Vec<StartFailure>,
    pub list_calls: u64,
    /// Windows listed again from their first page (an expired page token).
    pub window_restarts: u64,
    /// Windows listed again because their listing changed while they were paged.
    #[serde(default)]
    pub window_relists: u64,
    /// Listed entries that could not be read as a meeting instance (no uuid, no numeric id);
    /// the rest of their page was scanned as usual.
    #[serde(default)]
    pub unreadable: u64,
    /// The first of them, with the problem.
    #[serde(default)]
    pub unreadable_listed: Vec<UnreadableMeeting>,
}

/// An instance whose execution could not be started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartFailure {
    pub meeting_uuid: MeetingUuid,
    pub error: String,
}

/// The answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanOutcome {
    pub done: bool,
    pub start: NaiveDate,
    pub until: NaiveDate,
    #[serde(flatten)]
    pub counts: ScanCounts,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub continuation: Option<Continuation>,
}

/// The handler.
pub async fn scan_missed_meetings<S: ExecutionStarter + Sync>(
    request: ScanRequest,
    deps: &Dependencies<'_, S>,
    now: DateTime<Utc>,
    deadline: Instant,
) -> Result<ScanOutcome, StepError> {
    let mut state = match request.continuation {
        Some(continuation) => continuation,
        None => {
            let until = now.date_naive();
            let days = request.days.unwrap_or(deps.scan_days).max(1);
            Continuation {
                start: until - chrono::Duration::days(i64::from(days)),
                until,
                window: 0,
                page_token: None,
                page_token_issued_at: None,
                seen: Vec::new(),
                oldest_day: Vec::new(),
                window_total: None,
                window_shifted: false,
                window_relists: 0,
                totals: ScanCounts::default(),
            }
        }
    };
    if state
        .page_token_issued_at
        .is_some_and(|issued| now - issued > PAGE_TOKEN_MAX_AGE)
    {
        restart_window(&mut state);
    }
    let all_windows = windows(state.start, state.until);
    let mut pacer = Pacer::new(deps.list_interval);
    let mut restarted_without_progress = false;
    // Every call gets through one page at least, however short its budget.
    let mut progressed = false;
    while let Some(window) = all_windows.get(state.window).copied() {
        if progressed && Instant::now() >= deadline {
            return Ok(answer(state, false));
        }
        pacer.wait().await;
        state.totals.list_calls += 1;
        let page = match deps
            .zoom
            .account_recordings(window.from, window.to, state.page_token.as_deref())
            .await
        {
            Ok(page) => page,
            // Zoom refuses an expired page token with a 400: list the window again.
            Err(ZoomError::Rejected { status: 400, .. })
                if state.page_token.is_some() && !restarted_without_progress =>
            {
                restart_window(&mut state);
                restarted_without_progress = true;
                continue;
            }
            Err(other) => return Err(other.into()),
        };
        restarted_without_progress = false;
        note_total(&mut state, page.total_records);
        note_unreadable(&mut state.totals, page.unreadable);
        process_page(page.meetings, window, &mut state, deps).await?;
        progressed = true;
        match page.next_page_token.filter(|token| !token.is_empty()) {
            Some(token) => {
                state.page_token = Some(token);
                state.page_token_issued_at = Some(Utc::now());
            }
            None if state.window_shifted && state.window_relists < MAX_WINDOW_RELISTS => {
                relist_window(&mut state);
            }
            None => {
                if state.window_shifted {
                    tracing::warn!(
                        from = %window.from,
                        to = %window.to,
                        relists = state.window_relists,
                        "the window kept changing while listed: an instance may have slipped \
                         between pages; the next scan lists it again"
                    );
                }
                next_window(&mut state);
            }
        }
    }
    tracing::info!(counts = ?state.totals, "missed-meeting scan done");
    Ok(answer(state, true))
}

fn answer(state: Continuation, done: bool) -> ScanOutcome {
    ScanOutcome {
        done,
        start: state.start,
        until: state.until,
        counts: state.totals.clone(),
        continuation: (!done).then_some(state),
    }
}

/// Remembers the first page's total; another total on a later page means the listing shifted.
fn note_total(state: &mut Continuation, total: Option<u64>) {
    if state.page_token.is_none() {
        state.window_total = total;
    } else if total != state.window_total {
        state.window_shifted = true;
    }
}

/// The window from its first page again; `seen` keeps what it counted already.
fn from_first_page(state: &mut Continuation) {
    state.page_token = None;
    state.page_token_issued_at = None;
    state.window_total = None;
    state.window_shifted = false;
}

fn restart_window(state: &mut Continuation) {
    from_first_page(state);
    state.totals.window_restarts += 1;
}

fn relist_window(state: &mut Continuation) {
    from_first_page(state);
    state.window_relists += 1;
    state.totals.window_relists += 1;
}

fn next_window(state: &mut Continuation) {
    from_first_page(state);
    state.window += 1;
    state.window_relists = 0;
    state.seen = std::mem::take(&mut state.oldest_day);
}

/// Counts (and lists the first of) the entries Zoom listed that are not readable meetings. A
/// page listed again (a relisted window) may count one twice: the count is an upper bound.
fn note_unreadable(totals: &mut ScanCounts, unreadable: Vec<UnreadableMeeting>) {
    for entry in unreadable {
        tracing::warn!(uuid = ?entry.uuid, problem = %entry.problem, "Zoom listed an unreadable meeting");
        totals.unreadable += 1;
        let entry = UnreadableMeeting {
            uuid: entry.uuid.map(bounded),
            problem: bounded(entry.problem),
        };
        if totals.unreadable_listed.len() < FAILURES_LISTED
            && !totals.unreadable_listed.contains(&entry)
        {
            totals.unreadable_listed.push(entry);
        }
    }
}

/// At most [`MAX_LISTED_TEXT`] characters of `text`.
fn bounded(text: String) -> String {
    if text.chars().count() <= MAX_LISTED_TEXT {
        text
    } else {
        text.chars().take(MAX_LISTED_TEXT).collect()
    }
}

/// 48 bits of the uuid's SHA-256: enough to tell a window's instances apart, small enough to
/// carry thousands in a continuation.
fn short_hash(uuid: &MeetingUuid) -> String {
    uuid.sha256_hex()[..12].to_owned()
}

async fn process_page<S: ExecutionStarter + Sync>(
    meetings: Vec<MeetingRecordings>,
    window: Window,
    state: &mut Continuation,
    deps: &Dependencies<'_, S>,
) -> Result<(), StepError> {
    let mut seen: HashSet<String> = state.seen.drain(..).collect();
    let mut new = Vec::new();
    for meeting in meetings {
        let hash = short_hash(&meeting.uuid);
        if seen.contains(&hash) {
            continue;
        }
        if seen.len() < MAX_SEEN_PER_WINDOW {
            seen.insert(hash.clone());
        }
        let on_oldest_day = meeting
            .start_time
            .is_none_or(|t| t.date_naive() <= window.from.succ_opt().unwrap_or(window.from));
        if on_oldest_day && state.oldest_day.len() < MAX_OLDEST_DAY {
            state.oldest_day.push(hash);
        }
        new.push(meeting);
    }
    state.seen = seen.into_iter().collect();
    state.totals.instances_seen += new.len() as u64;
    let (kept, skipped): (Vec<_>, Vec<_>) = new
        .into_iter()
        .partition(|meeting| deps.rules.select(meeting).is_ok());
    state.totals.skipped_by_rules += skipped.len() as u64;
    let uuids: Vec<MeetingUuid> = kept.iter().map(|m| m.uuid.clone()).collect();
    let statuses = deps.table.statuses(&uuids).await?;
    let missing: Vec<MeetingUuid> = uuids
        .into_iter()
        .filter(|uuid| !statuses.get(uuid).is_some_and(|s| s.is_archived()))
        .collect();
    let failed_before = |uuid: &MeetingUuid| statuses.get(uuid) == Some(&RecordingStatus::Failed);
    state.totals.already_archived += (kept.len() - missing.len()) as u64;
    let results: Vec<_> = futures_util::stream::iter(missing)
        .map(|uuid| async move {
            let name = execution_name(IngestKind::Recording, &uuid);
            let input = execution_input(Source::Scan, IngestKind::Recording, &uuid, None, None);
            let result = deps.starter.start(&name, &input).await;
            (uuid, result)
        })
        .buffer_unordered(STARTS_IN_FLIGHT)
        .collect()
        .await;
    for (uuid, result) in results {
        match result {
            Ok(StartOutcome::Started { .. }) => state.totals.started += 1,
            Ok(StartOutcome::AlreadyExists) => {
                state.totals.already_started += 1;
                let abandoned = statuses.get(&uuid) == Some(&RecordingStatus::Ingesting)
                    && close_abandoned(&uuid, deps).await?;
                if abandoned {
                    state.totals.abandoned += 1;
                }
                if abandoned || failed_before(&uuid) {
                    state.totals.failed_earlier += 1;
                    if state.totals.needs_reingest.len() < FAILURES_LISTED {
                        state.totals.needs_reingest.push(uuid);
                    }
                }
            }
            Err(error) => {
                tracing::warn!(meeting_hash = %uuid.log_id(), %error, "could not start");
                state.totals.failed += 1;
                if state.totals.failures.len() < FAILURES_LISTED {
                    state.totals.failures.push(StartFailure {
                        meeting_uuid: uuid,
                        error: bounded(error.to_string()),
                    });
                }
            }
        }
    }
    Ok(())
}

/// What an ingest that ended without closing its item is recorded as.
const ABANDONED: &str = "Workflow.Ended";

/// An item left INGESTING by an execution that no longer runs (it timed out, was aborted, or
/// hit a Step Functions limit no `Catch` sees) is marked FAILED, conditional on the item as
/// read, so it is counted and listed for a re-ingest instead of staying INGESTING unnoticed.
async fn close_abandoned<S: ExecutionStarter + Sync>(
    uuid: &MeetingUuid,
    deps: &Dependencies<'_, S>,
) -> Result<bool, StepError> {
    let Some(item) = deps.table.get(uuid).await? else {
        return Ok(false);
    };
    let Some(owner) = item.execution_arn.clone() else {
        return Ok(false);
    };
    if item.status != RecordingStatus::Ingesting
        || deps
            .starter
            .is_running(&owner)
            .await
            .map_err(|error| StepError::from_typed(WORKFLOW_UNAVAILABLE, &error))?
    {
        return Ok(false);
    }
    let failed = RecordingItem {
        status: RecordingStatus::Failed,
        failure: Some(IngestFailure {
            error_type: ABANDONED.into(),
            message: format!(
                "{owner} ended without closing the ingest (timed out, aborted, or a Step \
                 Functions limit); nothing was trashed: re-ingest it"
            ),
        }),
        updated_at: Utc::now(),
        ..item.clone()
    };
    let closed = deps.table.replace_unchanged(&failed, &item).await? == Transition::Applied;
    if closed {
        tracing::warn!(meeting_hash = %uuid.log_id(), owner, "abandoned ingest marked FAILED");
    }
    Ok(closed)
}

/// Keeps listing calls at least `interval` apart.
struct Pacer {
    interval: Duration,
    last: Option<Instant>,
}

impl Pacer {
    fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
        }
    }

    async fn wait(&mut self) {
        if let Some(last) = self.last {
            let next = last + self.interval;
            tokio::time::sleep_until(next.into()).await;
        }
        self.last = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The largest continuation the scan can hand Step Functions fits its 256 KiB state, with
    /// room for the machine's own fields: every list at its bound, every text at its longest.
    #[test]
    fn the_worst_case_continuation_fits_step_functions_state() {
        let uuid = MeetingUuid::parse("x".repeat(128)).unwrap_or_else(|e| panic!("{e}"));
        let long = "e".repeat(MAX_LISTED_TEXT);
        let totals = ScanCounts {
            needs_reingest: vec![uuid.clone(); FAILURES_LISTED],
            failures: vec![
                StartFailure {
                    meeting_uuid: uuid.clone(),
                    error: long.clone(),
                };
                FAILURES_LISTED
            ],
            unreadable_listed: vec![
                UnreadableMeeting {
                    uuid: Some("u".repeat(MAX_LISTED_TEXT)),
                    problem: long.clone(),
                };
                FAILURES_LISTED
            ],
            ..ScanCounts::default()
        };
        let worst = Continuation {
            start: NaiveDate::MIN,
            until: NaiveDate::MAX,
            window: usize::MAX,
            page_token: Some("t".repeat(2048)),
            page_token_issued_at: Some(Utc::now()),
            seen: vec!["0123456789ab".into(); MAX_SEEN_PER_WINDOW],
            oldest_day: vec!["0123456789ab".into(); MAX_OLDEST_DAY],
            window_total: Some(u64::MAX),
            window_shifted: true,
            window_relists: u32::MAX,
            totals,
        };
        let answer = serde_json::to_vec(&ScanRequest {
            days: Some(u32::MAX),
            continuation: Some(worst),
        })
        .unwrap_or_default();
        assert!(answer.len() < 200 * 1024, "{} bytes", answer.len());
        assert_eq!(bounded("é".repeat(1000)).chars().count(), MAX_LISTED_TEXT);
    }
}
