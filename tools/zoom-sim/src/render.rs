//! The JSON bodies the simulator answers with, shaped like Zoom's (see `../shared/zoom/`).

use chrono::{DateTime, Duration, SecondsFormat, Utc};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

use crate::scenario::{FileSpec, MeetingInstance, Question, User};
use crate::sim::Sim;

/// Which of Zoom's two shapes to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flavor {
    /// REST answers: `type` is a string, download URLs are `/rec/download/...`.
    Rest,
    /// Webhook payloads: `type` is a number, URLs are `/rec/webhook_download/.../...`.
    Webhook { nonce: u64 },
}

pub(crate) fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn file_start(meeting: &MeetingInstance, file: &FileSpec) -> DateTime<Utc> {
    meeting.start_time + Duration::seconds(file.start_offset_seconds)
}

fn file_end(meeting: &MeetingInstance, file: &FileSpec) -> DateTime<Utc> {
    meeting.start_time
        + Duration::minutes(meeting.duration.max(1))
        + Duration::seconds(file.start_offset_seconds)
}

pub(crate) fn encode_segment(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

impl Sim {
    fn download_url(&self, file: &FileSpec, flavor: Flavor) -> String {
        let id = encode_segment(&file.id);
        match flavor {
            Flavor::Rest => format!("{}/rec/download/{id}", self.base_url),
            Flavor::Webhook { nonce } => {
                format!("{}/rec/webhook_download/{id}/{nonce:016x}", self.base_url)
            }
        }
    }

    /// The files of an instance that are not trashed or deleted.
    fn visible<'a>(&self, files: &'a [FileSpec]) -> Vec<&'a FileSpec> {
        let state = self.state();
        files
            .iter()
            .filter(|f| !state.file_removal.contains_key(&f.id))
            .collect()
    }

    fn render_file(&self, meeting: &MeetingInstance, file: &FileSpec, flavor: Flavor) -> Value {
        let mut body = json!({
            "id": file.id,
            "meeting_id": meeting.uuid,
            "recording_start": time(file_start(meeting, file)),
            "recording_end": time(file_end(meeting, file)),
            "file_type": file.file_type,
            "file_extension": file.file_extension,
            "file_size": file.size,
            "play_url": format!("{}/rec/play/{}", self.base_url, encode_segment(&file.id)),
            "download_url": self.download_url(file, flavor),
            "status": "completed",
        });
        if let Some(recording_type) = &file.recording_type {
            body["recording_type"] = json!(recording_type);
        }
        if let Some(name) = &file.file_name {
            body["file_name"] = json!(name);
            body["file_path"] = json!(format!("/{}/{}", meeting.id, name));
        }
        body
    }

    /// A meeting instance with its recording files, as a listing entry, the answer of
    /// `GET /meetings/{uuid}/recordings`, or a webhook's `payload.object`.
    pub(crate) fn render_recordings(&self, meeting: &MeetingInstance, flavor: Flavor) -> Value {
        let files = self.visible(&meeting.files);
        let audio = self.visible(&meeting.participant_audio);
        let total_size: u64 = files.iter().chain(audio.iter()).map(|f| f.size).sum();
        let mut body = json!({
            "uuid": meeting.uuid,
            "id": meeting.id,
            "account_id": self.scenario().account_id,
            "host_id": meeting.host_id,
            "topic": self.topic(meeting),
            "start_time": time(meeting.start_time),
            "timezone": meeting.timezone,
            "duration": meeting.duration,
            "total_size": total_size,
            "recording_count": files.len() + audio.len(),
            "share_url": format!("{}/rec/share/{}", self.base_url, encode_segment(&meeting.uuid)),
            "recording_files": files.iter().map(|f| self.render_file(meeting, f, flavor)).collect::<Vec<_>>(),
        });
        if !audio.is_empty() {
            body["participant_audio_files"] = json!(
                audio
                    .iter()
                    .map(|f| self.render_file(meeting, f, flavor))
                    .collect::<Vec<_>>()
            );
        }
        if let Some(passcode) = &meeting.recording_play_passcode {
            body["recording_play_passcode"] = json!(passcode);
        }
        match flavor {
            Flavor::Rest => body["type"] = json!(meeting.meeting_type.to_string()),
            Flavor::Webhook { .. } => {
                body["type"] = json!(meeting.meeting_type);
                body["host_email"] = json!(self.host_email(&meeting.host_id));
                body["on_prem"] = json!(false);
                if let Some(password) = &meeting.password {
                    body["password"] = json!(password);
                }
            }
        }
        body
    }

    /// `GET /past_meetings/{uuid}`.
    pub(crate) fn render_past_meeting(&self, meeting: &MeetingInstance) -> Value {
        let host = self.user(&meeting.host_id);
        json!({
            "id": meeting.id,
            "uuid": meeting.uuid,
            "duration": meeting.duration,
            "start_time": time(meeting.start_time),
            "end_time": time(meeting.start_time + Duration::minutes(meeting.duration)),
            "host_id": meeting.host_id,
            "dept": "",
            "participants_count": meeting.participants.len(),
            "source": "Zoom",
            "topic": self.topic(meeting),
            "total_minutes": meeting.duration * meeting.participants.len().max(1) as i64,
            "type": meeting.meeting_type,
            "user_email": host.map(|u| u.email.clone()).unwrap_or_default(),
            "user_name": host.map(|u| format!("{} {}", u.first_name, u.last_name)).unwrap_or_default(),
        })
    }

    /// One participant of `GET /past_meetings/{uuid}/participants`.
    pub(crate) fn render_participant(meeting: &MeetingInstance, index: usize) -> Value {
        let participant = &meeting.participants[index];
        let join = meeting.start_time;
        json!({
            "id": format!("participant{index:04}"),
            "name": participant.name,
            "user_id": format!("{}", 16_778_240 + index),
            "user_email": participant.user_email,
            "join_time": time(join),
            "leave_time": time(join + Duration::seconds(participant.duration)),
            "duration": participant.duration,
            "failover": false,
            "status": "in_meeting",
        })
    }

    /// `GET /meetings/{meetingId}`: the scheduled meeting behind instances.
    pub(crate) fn render_scheduled_meeting(&self, meeting: &MeetingInstance) -> Value {
        json!({
            "uuid": meeting.uuid,
            "id": meeting.id,
            "host_id": meeting.host_id,
            "host_email": self.host_email(&meeting.host_id),
            "topic": self.topic(meeting),
            "type": meeting.meeting_type,
            "status": "waiting",
            "start_time": time(meeting.start_time),
            "duration": meeting.duration,
            "timezone": meeting.timezone,
            "agenda": "",
            "created_at": time(meeting.start_time - Duration::days(7)),
            "join_url": format!("{}/j/{}", self.base_url, meeting.id),
            "pre_schedule": false,
        })
    }

    /// `GET /webinars/{webinarId}`: the scheduled webinar behind instances.
    pub(crate) fn render_webinar(&self, webinar: &MeetingInstance) -> Value {
        json!({
            "uuid": webinar.uuid,
            "id": webinar.id,
            "host_id": webinar.host_id,
            "host_email": self.host_email(&webinar.host_id),
            "topic": self.topic(webinar),
            "type": webinar.meeting_type,
            "start_time": time(webinar.start_time),
            "duration": webinar.duration,
            "timezone": webinar.timezone,
            "agenda": "",
            "created_at": time(webinar.start_time - Duration::days(14)),
            "join_url": format!("{}/j/{}", self.base_url, webinar.id),
            "start_url": format!("{}/s/{}?zak=sim-start-zak", self.base_url, webinar.id),
            "password": webinar.password.clone().unwrap_or_default(),
            "settings": {
                "question_and_answer": {
                    "enable": webinar.webinar.as_ref().is_some_and(|w| w.questions.is_some()),
                },
                "auto_recording": "cloud",
            },
        })
    }

    /// `GET /webinars/{webinarId}/panelists`; each join link carries the panelist's token.
    pub(crate) fn render_panelists(webinar: &MeetingInstance) -> Value {
        let panelists: Vec<Value> = webinar
            .webinar
            .iter()
            .flat_map(|parts| parts.panelists.iter().enumerate())
            .map(|(index, panelist)| {
                json!({
                    "id": format!("panelist{index:04}"),
                    "name": panelist.name,
                    "email": panelist.user_email,
                    "join_url": format!("https://zoom.us/w/{}?tk=sim-panelist-token-{index}", webinar.id),
                })
            })
            .collect();
        json!({"total_records": panelists.len(), "panelists": panelists})
    }

    /// `GET /report/webinars/{webinarId}`: the past instance's details.
    pub(crate) fn render_webinar_report(&self, webinar: &MeetingInstance) -> Value {
        let host = self.user(&webinar.host_id);
        json!({
            "id": webinar.id,
            "uuid": webinar.uuid,
            "type": webinar.meeting_type,
            "topic": self.topic(webinar),
            "start_time": time(webinar.start_time),
            "end_time": time(webinar.start_time + Duration::minutes(webinar.duration)),
            "duration": webinar.duration,
            "participants_count": webinar.participants.len(),
            "total_minutes": webinar.duration * webinar.participants.len().max(1) as i64,
            "dept": "",
            "user_email": host.map(|u| u.email.clone()).unwrap_or_default(),
            "user_name": host.map(|u| format!("{} {}", u.first_name, u.last_name)).unwrap_or_default(),
            "tracking_fields": [],
            "custom_keys": [],
        })
    }

    /// One attendee of `GET /past_webinars/{uuid}/participants`.
    pub(crate) fn render_attendee(webinar: &MeetingInstance, index: usize) -> Value {
        let attendee = &webinar.participants[index];
        json!({
            "id": format!("attendee{index:04}"),
            "name": attendee.name,
            "user_email": attendee.user_email,
        })
    }

    /// `GET /past_webinars/{uuid}/qa` or, with `polls`, `.../polls`: one entry per asker.
    pub(crate) fn render_questions(
        webinar: &MeetingInstance,
        questions: &[Question],
        polls: bool,
    ) -> Value {
        let entries: Vec<Value> = questions
            .iter()
            .enumerate()
            .map(|(index, q)| {
                let mut detail = json!({"question": q.question, "answer": q.answer});
                if polls {
                    detail["polling_id"] = json!(format!("poll{index:04}"));
                    detail["date_time"] = json!(time(webinar.start_time + Duration::minutes(5)));
                }
                json!({"name": q.name, "email": q.email, "question_details": [detail]})
            })
            .collect();
        json!({
            "id": webinar.id,
            "uuid": webinar.uuid,
            "start_time": time(webinar.start_time),
            "questions": entries,
        })
    }

    /// One user of `GET /users`.
    pub(crate) fn render_user(user: &User) -> Value {
        json!({
            "id": user.id,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "display_name": format!("{} {}", user.first_name, user.last_name),
            "type": 1,
            "status": "active",
            "timezone": "UTC",
            "verified": 1,
            "dept": "",
            "created_at": "2020-01-01T00:00:00Z",
            "user_created_at": "2020-01-01T00:00:00Z",
            "last_login_time": "2026-01-01T00:00:00Z",
            "pmi": 1_000_000_000_i64,
            "role_id": "2",
            "language": "en-US",
        })
    }
}
