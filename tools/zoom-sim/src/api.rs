//! The REST API under `/v2`: users, recordings (listing, one instance, trash, recover), past
//! meetings, participants, instances and scheduled meetings, and webinars (the scheduled
//! webinar, panelists, attendees, Q&A, polls, the past-webinar report). As on Zoom, the meeting
//! endpoints do not describe a webinar and the webinar endpoints find no meeting; the recording
//! endpoints serve both. Every refusal goes through [`crate::answers`].
//!
//! Paths are matched on their raw segments, because what a uuid looks like *before* decoding
//! decides the answer: a uuid that starts with `/` or contains `//` must arrive double-encoded,
//! and once-encoded it is a 404, as on Zoom.

use std::sync::Arc;

use crate::answers::{ApiError, Operation, Refusal};
use crate::faults::Fault;
use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{Months, NaiveDate, Utc};
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::http::{bearer, query_pairs, query_value, zoom_error};
use crate::render::Flavor;
use crate::scenario::MeetingInstance;
use crate::sim::{Removal, Sim, TokenKind, TokenProblem, TrashRecord, unix_now};

type Answer = Result<Response, Refusal>;

impl ApiError {
    fn new(status: StatusCode, code: i64, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        zoom_error(self.status, self.code, self.message)
    }
}

const DEFAULT_PAGE_SIZE: usize = 30;
const MAX_PAGE_SIZE: usize = 300;
const MAX_DOWNLOAD_ACCESS_TTL: u64 = 604_800;

/// Every `/v2/...` request.
pub(crate) async fn dispatch(
    State(sim): State<Arc<Sim>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    route(&sim, &method, &uri, &headers, &body).unwrap_or_else(IntoResponse::into_response)
}

fn route(
    sim: &Sim,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Response, ApiError> {
    let Some(rest) = uri.path().strip_prefix("/v2/") else {
        return Err(no_such_route());
    };
    authorize(sim, headers)?;
    let query = query_pairs(uri.query());
    let segments: Vec<&str> = rest.split('/').collect();
    use Operation as O;
    let (operation, answer) = match (method.as_str(), segments.as_slice()) {
        ("GET", ["users"]) => (O::ListUsers, list_users(sim, &query)),
        ("GET", ["users", user, "recordings"]) => {
            (O::UserRecordings, list_user_recordings(sim, user, &query))
        }
        ("GET", ["accounts", account, "recordings"]) => (
            O::AccountRecordings,
            list_account_recordings(sim, account, &query),
        ),
        ("GET", ["meetings", id, "recordings"]) => {
            (O::InstanceRecordings, instance_recordings(sim, id, &query))
        }
        ("DELETE", ["meetings", id, "recordings"]) => {
            (O::TrashInstance, remove_instance(sim, id, &query))
        }
        ("DELETE", ["meetings", id, "recordings", file]) => {
            (O::TrashFile, remove_file(sim, id, file, &query))
        }
        ("PUT", ["meetings", id, "recordings", "status"]) => (O::Recover, recover(sim, id, body)),
        ("GET", ["past_meetings", id]) => (O::PastMeeting, past_meeting(sim, id)),
        ("GET", ["past_meetings", id, "participants"]) => {
            (O::PastMeetingParticipants, participants(sim, id, &query))
        }
        ("GET", ["past_meetings", id, "instances"]) => {
            (O::PastMeetingInstances, instances(sim, id))
        }
        ("GET", ["meetings", id]) => (O::Meeting, scheduled_meeting(sim, id)),
        ("GET", ["webinars", id]) => (O::Webinar, webinar(sim, id)),
        ("GET", ["webinars", id, "panelists"]) => (O::WebinarPanelists, panelists(sim, id)),
        ("GET", ["past_webinars", id, "participants"]) => (
            O::PastWebinarParticipants,
            webinar_attendees(sim, id, &query),
        ),
        ("GET", ["past_webinars", id, "qa"]) => (O::PastWebinarQa, webinar_qa(sim, id)),
        ("GET", ["past_webinars", id, "polls"]) => (O::PastWebinarPolls, webinar_polls(sim, id)),
        ("GET", ["report", "webinars", id]) => (O::WebinarReport, webinar_report(sim, id)),
        _ => return Err(no_such_route()),
    };
    answer.map_err(|refusal| refusal.answer(operation))
}

fn no_such_route() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, 404, "No such API endpoint.")
}

fn authorize(sim: &Sim, headers: &HeaderMap) -> Result<(), ApiError> {
    match sim.check_token(bearer(headers)) {
        Ok(TokenKind::OAuth) => Ok(()),
        Err(TokenProblem::Expired) => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            124,
            "Access token is expired.",
        )),
        Ok(TokenKind::Download { .. }) | Err(TokenProblem::Missing | TokenProblem::Unknown) => Err(
            ApiError::new(StatusCode::UNAUTHORIZED, 124, "Invalid access token."),
        ),
    }
}

fn ok(body: Value) -> Answer {
    Ok((StatusCode::OK, Json(body)).into_response())
}

fn no_content() -> Answer {
    Ok(StatusCode::NO_CONTENT.into_response())
}

fn bad_request(message: impl Into<String>) -> Refusal {
    Refusal::BadField(message.into())
}

fn no_recording() -> Refusal {
    Refusal::NotFound("recording".into())
}

fn meeting_does_not_exist(what: &str) -> Refusal {
    Refusal::NotFound(what.into())
}

/// Decodes a uuid path segment the way Zoom does (see the module comment).
fn decode_uuid(segment: &str) -> Result<String, Refusal> {
    let once = percent_decode_str(segment).decode_utf8_lossy().into_owned();
    if once.contains('%') {
        return Ok(percent_decode_str(&once).decode_utf8_lossy().into_owned());
    }
    if once.starts_with('/') || once.contains("//") {
        // Zoom's router has already split the once-decoded path at these slashes.
        return Err(meeting_does_not_exist(&once));
    }
    Ok(once)
}

/// A meeting id or instance uuid segment: a number means the latest instance of that meeting.
fn find_instance<'a>(sim: &'a Sim, segment: &str) -> Result<&'a MeetingInstance, Refusal> {
    if let Ok(number) = segment.parse::<i64>() {
        return sim
            .scenario()
            .meetings
            .iter()
            .filter(|m| m.id == number)
            .max_by_key(|m| m.start_time)
            .ok_or_else(|| meeting_does_not_exist(segment));
    }
    let uuid = decode_uuid(segment)?;
    sim.meeting(&uuid)
        .ok_or_else(|| meeting_does_not_exist(&uuid))
}

// ---- paging --------------------------------------------------------------------------------

#[derive(Serialize, Deserialize)]
struct PageToken {
    /// Offset of the next item.
    o: usize,
    /// When the token was issued (Unix seconds): Zoom's expire after 15 minutes.
    t: u64,
}

struct Page<T> {
    items: Vec<T>,
    next_page_token: String,
    page_size: usize,
    total_records: usize,
}

impl<T> Page<T> {
    fn page_count(&self) -> usize {
        self.total_records.div_ceil(self.page_size.max(1))
    }
}

fn paginate<T>(sim: &Sim, all: Vec<T>, query: &[(String, String)]) -> Result<Page<T>, Refusal> {
    let page_size = match query_value(query, "page_size") {
        None => DEFAULT_PAGE_SIZE,
        Some(raw) => raw
            .parse::<usize>()
            .map_err(|_| bad_request("Invalid field: page_size."))?
            .clamp(1, MAX_PAGE_SIZE),
    };
    let offset = match query_value(query, "next_page_token").filter(|t| !t.is_empty()) {
        None => 0,
        Some(token) => {
            let invalid = || bad_request("The next page token is invalid or expired.");
            let bytes = URL_SAFE_NO_PAD.decode(token).map_err(|_| invalid())?;
            let token: PageToken = serde_json::from_slice(&bytes).map_err(|_| invalid())?;
            if unix_now().saturating_sub(token.t) > sim.config.page_token_ttl.as_secs() {
                return Err(invalid());
            }
            token.o
        }
    };
    let total_records = all.len();
    let end = (offset + page_size).min(total_records);
    let next_page_token = if end < total_records {
        let token = PageToken {
            o: end,
            t: unix_now(),
        };
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&token).unwrap_or_default())
    } else {
        String::new()
    };
    let items = all.into_iter().skip(offset).take(page_size).collect();
    Ok(Page {
        items,
        next_page_token,
        page_size,
        total_records,
    })
}

// ---- users ---------------------------------------------------------------------------------

fn list_users(sim: &Sim, query: &[(String, String)]) -> Answer {
    let users: Vec<Value> = sim.scenario().users.iter().map(Sim::render_user).collect();
    let page = paginate(sim, users, query)?;
    ok(json!({
        "page_count": page.page_count(),
        "page_number": 1,
        "page_size": page.page_size,
        "total_records": page.total_records,
        "next_page_token": page.next_page_token,
        "users": page.items,
    }))
}

// ---- recordings ----------------------------------------------------------------------------

/// `from`/`to` of a listing: dates, `to` not before `from`, at most one month apart.
fn listing_window(query: &[(String, String)]) -> Result<(NaiveDate, NaiveDate), Refusal> {
    let parse = |name: &str, default: NaiveDate| match query_value(query, name) {
        None | Some("") => Ok(default),
        Some(raw) => NaiveDate::parse_from_str(raw, "%Y-%m-%d")
            .map_err(|_| bad_request(format!("Invalid field: {name}. Expected yyyy-mm-dd."))),
    };
    let today = Utc::now().date_naive();
    let to = parse("to", today)?;
    let from = parse("from", to.pred_opt().unwrap_or(to))?;
    if to < from {
        return Err(bad_request(
            "The 'to' date must not be before the 'from' date.",
        ));
    }
    if from
        .checked_add_months(Months::new(1))
        .is_some_and(|limit| to > limit)
    {
        return Err(bad_request(
            "The date range between 'from' and 'to' can be at most one month.",
        ));
    }
    Ok((from, to))
}

fn list_recordings(sim: &Sim, query: &[(String, String)], host_filter: Option<&str>) -> Answer {
    let (from, to) = listing_window(query)?;
    let want_trash = query_value(query, "trash") == Some("true");
    let meeting_id_filter = query_value(query, "meeting_id").and_then(|v| v.parse::<i64>().ok());
    let mut meetings: Vec<&MeetingInstance> = sim
        .scenario()
        .meetings
        .iter()
        .filter(|m| host_filter.is_none_or(|host| m.host_id == host))
        .filter(|m| meeting_id_filter.is_none_or(|id| m.id == id))
        .filter(|m| (from..=to).contains(&m.start_time.date_naive()))
        .filter(|m| match sim.removal(&m.uuid, None) {
            Some(Removal::Deleted) => false,
            Some(Removal::Trashed) => want_trash,
            None => !want_trash,
        })
        .collect();
    meetings.sort_by_key(|m| std::cmp::Reverse(m.start_time));
    let rendered: Vec<Value> = meetings
        .into_iter()
        .map(|m| sim.render_recordings(m, Flavor::Rest))
        .filter(|m| m["recording_count"].as_u64().unwrap_or(0) > 0 || want_trash)
        .collect();
    let mut page = paginate(sim, rendered, query)?;
    let malformed = sim
        .state()
        .faults
        .take(|f| matches!(f, Fault::MalformedListing { .. }))
        .is_some();
    if malformed {
        page.items.push(json!({
            "uuid": 4_815_162_342_u64, "id": "not-a-number", "topic": "Broken entry",
            "recording_files": "none"
        }));
    }
    ok(json!({
        "from": from.to_string(),
        "to": to.to_string(),
        "page_count": page.page_count(),
        "page_size": page.page_size,
        "total_records": page.total_records,
        "next_page_token": page.next_page_token,
        "meetings": page.items,
    }))
}

fn list_user_recordings(sim: &Sim, user: &str, query: &[(String, String)]) -> Answer {
    let user = percent_decode_str(user).decode_utf8_lossy();
    let host = sim
        .user(&user)
        .ok_or_else(|| Refusal::NotFound(user.clone().into_owned()))?;
    list_recordings(sim, query, Some(&host.id))
}

fn list_account_recordings(sim: &Sim, account: &str, query: &[(String, String)]) -> Answer {
    if account != "me" && account != sim.scenario().account_id {
        return Err(Refusal::NotFound(account.into()));
    }
    list_recordings(sim, query, None)
}

fn instance_recordings(sim: &Sim, segment: &str, query: &[(String, String)]) -> Answer {
    let meeting = find_instance(sim, segment)?;
    if sim.removal(&meeting.uuid, None).is_some() {
        return Err(no_recording());
    }
    let mut body = sim.render_recordings(meeting, Flavor::Rest);
    if let Some(password) = &meeting.password {
        body["password"] = json!(password);
    }
    let fields = query_value(query, "include_fields").unwrap_or_default();
    if fields
        .split(',')
        .any(|f| f.trim() == "download_access_token")
    {
        let ttl = match query_value(query, "ttl") {
            None => 86_400,
            Some(raw) => raw
                .parse::<u64>()
                .ok()
                .filter(|ttl| (1..=MAX_DOWNLOAD_ACCESS_TTL).contains(ttl))
                .ok_or_else(|| bad_request("Invalid field: ttl. At most 604800."))?,
        };
        let token = sim.issue_token(
            TokenKind::Download {
                meeting_uuid: meeting.uuid.clone(),
            },
            std::time::Duration::from_secs(ttl),
        );
        body["download_access_token"] = json!(token);
    }
    ok(body)
}

/// `trash` (the default) or `delete`.
fn removal_action(query: &[(String, String)]) -> Result<Removal, Refusal> {
    match query_value(query, "action").unwrap_or("trash") {
        "trash" => Ok(Removal::Trashed),
        "delete" => Ok(Removal::Deleted),
        other => Err(bad_request(format!("Invalid field: action {other}."))),
    }
}

fn action_name(removal: Removal) -> &'static str {
    match removal {
        Removal::Trashed => "trash",
        Removal::Deleted => "delete",
    }
}

fn remove_instance(sim: &Sim, segment: &str, query: &[(String, String)]) -> Answer {
    let action = removal_action(query)?;
    let meeting = find_instance(sim, segment)?;
    let mut state = sim.state();
    match (state.instance_removal.get(&meeting.uuid), action) {
        (Some(Removal::Deleted), _) | (Some(Removal::Trashed), Removal::Trashed) => {
            return Err(no_recording());
        }
        _ => {}
    }
    state.instance_removal.insert(meeting.uuid.clone(), action);
    state.trash_log.push(TrashRecord {
        meeting_uuid: meeting.uuid.clone(),
        file_id: None,
        action: action_name(action).into(),
    });
    drop(state);
    no_content()
}

fn remove_file(sim: &Sim, segment: &str, file_id: &str, query: &[(String, String)]) -> Answer {
    let action = removal_action(query)?;
    let meeting = find_instance(sim, segment)?;
    let file_id = percent_decode_str(file_id).decode_utf8_lossy().into_owned();
    let belongs = meeting
        .files
        .iter()
        .chain(meeting.participant_audio.iter())
        .any(|f| f.id == file_id);
    if !belongs || sim.removal(&meeting.uuid, Some(&file_id)) == Some(Removal::Deleted) {
        return Err(no_recording());
    }
    let mut state = sim.state();
    if action == Removal::Trashed && state.file_removal.get(&file_id) == Some(&Removal::Trashed) {
        return Err(no_recording());
    }
    state.file_removal.insert(file_id.clone(), action);
    state.trash_log.push(TrashRecord {
        meeting_uuid: meeting.uuid.clone(),
        file_id: Some(file_id),
        action: action_name(action).into(),
    });
    drop(state);
    no_content()
}

fn recover(sim: &Sim, segment: &str, body: &[u8]) -> Answer {
    let request: Value = serde_json::from_slice(body).unwrap_or_default();
    if request["action"] != "recover" {
        return Err(bad_request("Invalid field: action. Expected \"recover\"."));
    }
    let meeting = find_instance(sim, segment)?;
    let mut state = sim.state();
    // "Recover all deleted cloud recordings of a specific meeting": the instance's trash, and
    // files trashed one by one.
    let files: Vec<&str> = meeting
        .files
        .iter()
        .chain(meeting.participant_audio.iter())
        .map(|file| file.id.as_str())
        .filter(|id| state.file_removal.get(*id) == Some(&Removal::Trashed))
        .collect();
    let instance_trashed = state.instance_removal.get(&meeting.uuid) == Some(&Removal::Trashed);
    if !instance_trashed && files.is_empty() {
        return Err(no_recording());
    }
    if instance_trashed {
        state.instance_removal.remove(&meeting.uuid);
    }
    for id in files {
        state.file_removal.remove(id);
    }
    state.trash_log.push(TrashRecord {
        meeting_uuid: meeting.uuid.clone(),
        file_id: None,
        action: "recover".into(),
    });
    drop(state);
    no_content()
}

// ---- past meetings -------------------------------------------------------------------------

/// An instance the meeting endpoints describe: not a webinar.
fn find_meeting<'a>(sim: &'a Sim, segment: &str) -> Result<&'a MeetingInstance, Refusal> {
    let meeting = find_instance(sim, segment)?;
    if meeting.is_webinar() {
        return Err(Refusal::NotFound(meeting.uuid.clone()));
    }
    Ok(meeting)
}

/// An instance the webinar endpoints describe.
fn find_webinar<'a>(sim: &'a Sim, segment: &str) -> Result<&'a MeetingInstance, Refusal> {
    let instance = find_instance(sim, segment)?;
    if !instance.is_webinar() {
        return Err(Refusal::NotFound(instance.uuid.clone()));
    }
    Ok(instance)
}

fn past_meeting(sim: &Sim, segment: &str) -> Answer {
    let meeting = find_meeting(sim, segment)?;
    ok(sim.render_past_meeting(meeting))
}

fn participants(sim: &Sim, segment: &str, query: &[(String, String)]) -> Answer {
    let meeting = find_meeting(sim, segment)?;
    let all: Vec<Value> = (0..meeting.participants.len())
        .map(|i| Sim::render_participant(meeting, i))
        .collect();
    participants_page(sim, all, query)
}

/// One page of a past meeting's participants or a past webinar's attendees.
fn participants_page(sim: &Sim, all: Vec<Value>, query: &[(String, String)]) -> Answer {
    let page = paginate(sim, all, query)?;
    ok(json!({
        "page_count": page.page_count(),
        "page_size": page.page_size,
        "total_records": page.total_records,
        "next_page_token": page.next_page_token,
        "participants": page.items,
    }))
}

fn instances(sim: &Sim, segment: &str) -> Answer {
    let number: i64 = segment
        .parse()
        .map_err(|_| meeting_does_not_exist(segment))?;
    let meetings: Vec<Value> = sim
        .scenario()
        .meetings
        .iter()
        .filter(|m| m.id == number)
        .map(|m| json!({"uuid": m.uuid, "start_time": crate::render::time(m.start_time)}))
        .collect();
    ok(json!({ "meetings": meetings }))
}

/// The scheduled meeting or webinar with this number, when Zoom still has one.
fn scheduled<'a>(sim: &'a Sim, segment: &str) -> Result<&'a MeetingInstance, Refusal> {
    let number: i64 = segment
        .parse()
        .map_err(|_| meeting_does_not_exist(segment))?;
    sim.scenario()
        .meetings
        .iter()
        .find(|m| m.id == number && m.scheduled)
        .ok_or_else(|| meeting_does_not_exist(segment))
}

fn scheduled_meeting(sim: &Sim, segment: &str) -> Answer {
    let meeting = scheduled(sim, segment)?;
    if meeting.is_webinar() {
        return Err(Refusal::IsWebinar);
    }
    ok(sim.render_scheduled_meeting(meeting))
}

// ---- webinars ------------------------------------------------------------------------------

fn scheduled_webinar<'a>(sim: &'a Sim, segment: &str) -> Result<&'a MeetingInstance, Refusal> {
    let webinar = scheduled(sim, segment)?;
    if !webinar.is_webinar() {
        return Err(meeting_does_not_exist(segment));
    }
    Ok(webinar)
}

fn webinar(sim: &Sim, segment: &str) -> Answer {
    ok(sim.render_webinar(scheduled_webinar(sim, segment)?))
}

fn panelists(sim: &Sim, segment: &str) -> Answer {
    ok(Sim::render_panelists(scheduled_webinar(sim, segment)?))
}

fn webinar_report(sim: &Sim, segment: &str) -> Answer {
    ok(sim.render_webinar_report(find_webinar(sim, segment)?))
}

fn webinar_attendees(sim: &Sim, segment: &str, query: &[(String, String)]) -> Answer {
    let webinar = find_webinar(sim, segment)?;
    let all: Vec<Value> = (0..webinar.participants.len())
        .map(|i| Sim::render_attendee(webinar, i))
        .collect();
    participants_page(sim, all, query)
}

fn webinar_qa(sim: &Sim, segment: &str) -> Answer {
    let webinar = find_webinar(sim, segment)?;
    let parts = webinar.webinar.as_ref();
    let questions = parts.and_then(|p| p.questions.as_deref());
    let questions = questions.ok_or_else(|| Refusal::NotFound("Q&A".into()))?;
    ok(Sim::render_questions(webinar, questions, false))
}

fn webinar_polls(sim: &Sim, segment: &str) -> Answer {
    let webinar = find_webinar(sim, segment)?;
    let parts = webinar.webinar.as_ref();
    let answers = parts.and_then(|p| p.poll_answers.as_deref());
    let answers = answers.ok_or_else(|| Refusal::NotFound("polls".into()))?;
    ok(Sim::render_questions(webinar, answers, true))
}
