//! What the simulated Zoom account holds: users, meeting instances, their recording files and
//! participants. Loaded from a JSON file in `fixtures/scenarios/`, or generated for load tests.

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde::{Deserialize, Serialize};

/// A whole simulated account.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Scenario {
    pub account_id: String,
    #[serde(default)]
    pub users: Vec<User>,
    #[serde(default)]
    pub meetings: Vec<MeetingInstance>,
}

/// A Zoom user who hosts meetings.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
}

/// One meeting instance (one uuid) with its cloud recording.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct MeetingInstance {
    pub uuid: String,
    /// The meeting number, shared by the instances of a recurring meeting.
    pub id: i64,
    pub host_id: String,
    pub topic: String,
    /// 1 instant, 2 scheduled, 8 recurring with a fixed time, ...; 5, 6 and 9 are webinars.
    #[serde(rename = "type", default = "default_meeting_type")]
    pub meeting_type: i64,
    pub start_time: DateTime<Utc>,
    /// Minutes.
    #[serde(default)]
    pub duration: i64,
    #[serde(default = "default_timezone")]
    pub timezone: String,
    /// Whether `GET /meetings/{id}` finds a scheduled meeting (not for instant meetings).
    #[serde(default = "default_true")]
    pub scheduled: bool,
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub recording_play_passcode: Option<String>,
    #[serde(default)]
    pub participants: Vec<Participant>,
    #[serde(default)]
    pub files: Vec<FileSpec>,
    /// Per-participant audio files (only when that setting is on).
    #[serde(default)]
    pub participant_audio: Vec<FileSpec>,
    /// What only a webinar has (read when `type` is 5, 6 or 9; absent means none of it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webinar: Option<WebinarParts>,
}

impl MeetingInstance {
    /// Zoom's webinar types: the meeting endpoints do not describe these instances.
    pub fn is_webinar(&self) -> bool {
        matches!(self.meeting_type, 5 | 6 | 9)
    }

    /// Makes this instance a webinar (type 5) for tests: `attendees` attendees, two panelists,
    /// two questions with their answers, and no poll.
    pub fn make_webinar(&mut self, attendees: usize) {
        let person = |n: usize| Participant {
            name: format!("Attendee {n}"),
            user_email: format!("attendee{n}@example.org"),
            duration: 1800,
        };
        self.meeting_type = 5;
        self.participants = (0..attendees).map(person).collect();
        self.webinar = Some(WebinarParts {
            panelists: vec![person(1000), person(1001)],
            questions: Some(vec![
                Question {
                    name: "Attendee 3".into(),
                    email: "attendee3@example.org".into(),
                    question: "Will the slides be shared?".into(),
                    answer: "Yes, with the recording.".into(),
                },
                Question {
                    name: "Anonymous Attendee".into(),
                    email: String::new(),
                    question: "When is the next one?".into(),
                    answer: "live answered".into(),
                },
            ]),
            poll_answers: None,
        });
    }
}

/// A webinar's panelists, Q&A and polls.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
pub struct WebinarParts {
    #[serde(default)]
    pub panelists: Vec<Participant>,
    /// `None`: Q&A was off, and Zoom finds none.
    #[serde(default)]
    pub questions: Option<Vec<Question>>,
    /// `None`: no poll ran, and Zoom finds none.
    #[serde(default)]
    pub poll_answers: Option<Vec<Question>>,
}

/// One attendee's question (or poll answer) with its answer.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Question {
    pub name: String,
    #[serde(default)]
    pub email: String,
    pub question: String,
    #[serde(default)]
    pub answer: String,
}

/// One attendee of a past meeting.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct Participant {
    pub name: String,
    #[serde(default)]
    pub user_email: String,
    /// Seconds in the meeting.
    #[serde(default)]
    pub duration: i64,
}

/// One recording file. Its bytes are generated from `id` (see [`crate::content`]).
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct FileSpec {
    pub id: String,
    pub file_type: String,
    pub file_extension: String,
    #[serde(default)]
    pub recording_type: Option<String>,
    /// Participant audio files are named after the participant.
    #[serde(default)]
    pub file_name: Option<String>,
    /// Bytes.
    pub size: u64,
    /// Seconds after the meeting start that this file's recording starts (stopped and restarted
    /// recordings give several files of one type).
    #[serde(default)]
    pub start_offset_seconds: i64,
    /// Zoom finishes this file after the others (a transcript): `recording.completed` leaves it
    /// out, `recording.transcript_completed` and the REST API list it.
    #[serde(default)]
    pub late: bool,
}

impl FileSpec {
    /// A file of `size` bytes that starts with the meeting and is listed by
    /// `recording.completed` (not late, named by its type).
    pub fn new(
        id: impl Into<String>,
        file_type: &str,
        file_extension: &str,
        recording_type: &str,
        size: u64,
    ) -> Self {
        Self {
            id: id.into(),
            file_type: file_type.into(),
            file_extension: file_extension.into(),
            recording_type: Some(recording_type.into()),
            file_name: None,
            size,
            start_offset_seconds: 0,
            late: false,
        }
    }
}

fn default_meeting_type() -> i64 {
    2
}
fn default_timezone() -> String {
    "UTC".into()
}
fn default_true() -> bool {
    true
}

impl Scenario {
    /// Reads a scenario file.
    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        use anyhow::Context;
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading scenario {}", path.display()))?;
        serde_json::from_str(&text).with_context(|| format!("parsing scenario {}", path.display()))
    }

    /// A large account for scans and paging: `users` hosts, `instances` meetings spread over the
    /// `days` before `end`, each with a small MP4, M4A and TRANSCRIPT. Deterministic.
    pub fn generate(users: usize, instances: usize, days: i64, end: DateTime<Utc>) -> Self {
        let users: Vec<User> = (0..users.max(1))
            .map(|n| User {
                id: format!("user{n:05}Id000000000000"),
                email: format!("host{n}@example.org"),
                first_name: "Host".into(),
                last_name: format!("{n}"),
            })
            .collect();
        let span_minutes = days.max(1) * 24 * 60;
        let meetings = (0..instances)
            .map(|n| {
                let start = end - Duration::minutes(1 + (n as i64 * 7919) % span_minutes);
                let host = &users[n % users.len()];
                let file = |kind: &str, ext: &str, recording_type: &str, size| {
                    let id = format!("gen-{n:06}-{}", kind.to_lowercase());
                    FileSpec::new(id, kind, ext, recording_type, size)
                };
                MeetingInstance {
                    uuid: generated_uuid(n),
                    id: 80_000_000_000 + (n as i64 % 997),
                    host_id: host.id.clone(),
                    topic: format!("Generated meeting {n}"),
                    meeting_type: 8,
                    start_time: start,
                    duration: 30,
                    timezone: "UTC".into(),
                    scheduled: true,
                    password: None,
                    recording_play_passcode: None,
                    participants: Vec::new(),
                    files: vec![
                        file("MP4", "MP4", "shared_screen_with_speaker_view", 4096),
                        file("M4A", "M4A", "audio_only", 1024),
                        file("TRANSCRIPT", "VTT", "audio_transcript", 256),
                    ],
                    participant_audio: Vec::new(),
                    webinar: None,
                }
            })
            .collect();
        Self {
            account_id: "generatedAccount000000".into(),
            users,
            meetings,
        }
    }
}

/// A base64-looking, 24-character uuid; every 50th one needs double encoding, like real ones.
fn generated_uuid(n: usize) -> String {
    let body = format!("{n:020}");
    if n % 50 == 0 {
        format!("/{}+A==", &body[1..])
    } else {
        format!("{body}Aa==")
    }
}

/// The default end of generated scenarios, fixed so tests are reproducible.
pub fn reference_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0)
        .single()
        .unwrap_or_else(Utc::now)
}
