//! The Zoom API operations this client calls, and what it makes of every error answer Zoom
//! documents for them: one table, checked against Zoom's OpenAPI spec by
//! `tests/zoom_errors.rs`, so each documented code is handled on purpose and a new one is noticed.

/// An operation of Zoom's API, named by its method and path in Zoom's OpenAPI spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    MeetingRecordings,
    TrashMeetingRecordings,
    TrashRecordingFile,
    RecoverMeetingRecordings,
    AccountRecordings,
    PastMeeting,
    PastMeetingParticipants,
    Meeting,
    Webinar,
    WebinarPanelists,
    PastWebinarParticipants,
    PastWebinarQa,
    PastWebinarPolls,
    WebinarReport,
}

impl Endpoint {
    pub const ALL: [Endpoint; 14] = [
        Self::MeetingRecordings,
        Self::TrashMeetingRecordings,
        Self::TrashRecordingFile,
        Self::RecoverMeetingRecordings,
        Self::AccountRecordings,
        Self::PastMeeting,
        Self::PastMeetingParticipants,
        Self::Meeting,
        Self::Webinar,
        Self::WebinarPanelists,
        Self::PastWebinarParticipants,
        Self::PastWebinarQa,
        Self::PastWebinarPolls,
        Self::WebinarReport,
    ];

    /// The HTTP method and the path as Zoom's spec writes it.
    pub fn operation(self) -> (&'static str, &'static str) {
        match self {
            Self::MeetingRecordings => ("GET", "/meetings/{meetingId}/recordings"),
            Self::TrashMeetingRecordings => ("DELETE", "/meetings/{meetingId}/recordings"),
            Self::TrashRecordingFile => {
                ("DELETE", "/meetings/{meetingId}/recordings/{recordingId}")
            }
            Self::RecoverMeetingRecordings => ("PUT", "/meetings/{meetingUUID}/recordings/status"),
            Self::AccountRecordings => ("GET", "/accounts/{accountId}/recordings"),
            Self::PastMeeting => ("GET", "/past_meetings/{meetingId}"),
            Self::PastMeetingParticipants => ("GET", "/past_meetings/{meetingId}/participants"),
            Self::Meeting => ("GET", "/meetings/{meetingId}"),
            Self::Webinar => ("GET", "/webinars/{webinarId}"),
            Self::WebinarPanelists => ("GET", "/webinars/{webinarId}/panelists"),
            Self::PastWebinarParticipants => ("GET", "/past_webinars/{webinarId}/participants"),
            Self::PastWebinarQa => ("GET", "/past_webinars/{webinarId}/qa"),
            Self::PastWebinarPolls => ("GET", "/past_webinars/{webinarId}/polls"),
            Self::WebinarReport => ("GET", "/report/webinars/{webinarId}"),
        }
    }

    /// The scope the spec names for the operation (its classic name; an app with granular
    /// scopes needs the granular ones of the same operation, which Zoom's 4711 answer lists).
    pub fn scope(self) -> &'static str {
        match self {
            Self::MeetingRecordings | Self::AccountRecordings => "recording:read:admin",
            Self::TrashMeetingRecordings
            | Self::TrashRecordingFile
            | Self::RecoverMeetingRecordings => "recording:write:admin",
            Self::PastMeeting | Self::PastMeetingParticipants | Self::Meeting => {
                "meeting:read:admin"
            }
            Self::Webinar
            | Self::WebinarPanelists
            | Self::PastWebinarParticipants
            | Self::PastWebinarQa
            | Self::PastWebinarPolls => "webinar:read:admin",
            Self::WebinarReport => "report:read:admin",
        }
    }
}

/// What an error answer means to the archiver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Meaning {
    /// Zoom has no such thing (any more): metadata is absent, a recording is gone.
    NotFound,
    /// The meeting endpoints do not describe this instance: it is a webinar.
    NotAMeeting,
    /// Asking again will not help (a permission, a plan, a state of the meeting).
    Refused,
    /// The token was refused: renew it once.
    Unauthorized,
    /// The app lacks a scope the operation needs.
    MissingScope,
    /// Over a rate limit: wait and retry.
    RateLimited,
    /// Zoom's trouble: retry later.
    Retryable,
}

/// One documented error answer of one operation.
#[derive(Debug, Clone, Copy)]
pub struct DocumentedAnswer {
    pub endpoint: Endpoint,
    pub status: u16,
    /// Zoom's error code in the body; `None` where the spec gives none.
    pub code: Option<i64>,
    pub meaning: Meaning,
}

const fn row(endpoint: Endpoint, status: u16, code: i64, meaning: Meaning) -> DocumentedAnswer {
    DocumentedAnswer {
        endpoint,
        status,
        code: Some(code),
        meaning,
    }
}

const fn bare(endpoint: Endpoint, status: u16, meaning: Meaning) -> DocumentedAnswer {
    DocumentedAnswer {
        endpoint,
        status,
        code: None,
        meaning,
    }
}

use Endpoint as E;
use Meaning::{NotAMeeting, NotFound, Refused};

/// Every error answer the spec documents for the operations this client calls.
///
/// The choices worth a word: a past meeting or webinar older than a year (12702), a plan without
/// the report (200) and a user who may not schedule meetings (3161) make that piece of metadata
/// absent, not the ingest a failure; 3000 from `GET /meetings/{id}` says the instance is a
/// webinar; 1010 (the host left the account), 3303 (meeting not over), 3309 (no storage to
/// recover into) and 3332 (a simulive recording Zoom will not trash) are refusals a retry does
/// not change.
pub const DOCUMENTED_ANSWERS: &[DocumentedAnswer] = &[
    row(E::MeetingRecordings, 400, 1010, Refused),
    row(E::MeetingRecordings, 404, 1001, NotFound),
    row(E::MeetingRecordings, 404, 3301, NotFound),
    row(E::TrashMeetingRecordings, 400, 1010, Refused),
    row(E::TrashMeetingRecordings, 400, 3332, Refused),
    row(E::TrashMeetingRecordings, 404, 1001, NotFound),
    row(E::TrashMeetingRecordings, 404, 3301, NotFound),
    row(E::TrashRecordingFile, 400, 1010, Refused),
    row(E::TrashRecordingFile, 400, 3303, Refused),
    row(E::TrashRecordingFile, 400, 3332, Refused),
    row(E::TrashRecordingFile, 404, 1001, NotFound),
    row(E::TrashRecordingFile, 404, 3301, NotFound),
    row(E::RecoverMeetingRecordings, 400, 1010, Refused),
    row(E::RecoverMeetingRecordings, 400, 3309, Refused),
    row(E::RecoverMeetingRecordings, 404, 1001, NotFound),
    row(E::RecoverMeetingRecordings, 404, 3301, NotFound),
    row(E::AccountRecordings, 404, 1001, NotFound),
    row(E::PastMeeting, 400, 200, NotFound),
    row(E::PastMeeting, 400, 300, Refused),
    row(E::PastMeeting, 400, 1010, Refused),
    row(E::PastMeeting, 400, 12702, NotFound),
    row(E::PastMeeting, 404, 3001, NotFound),
    row(E::PastMeetingParticipants, 400, 200, NotFound),
    row(E::PastMeetingParticipants, 400, 300, Refused),
    row(E::PastMeetingParticipants, 400, 1010, Refused),
    row(E::PastMeetingParticipants, 400, 12702, NotFound),
    row(E::PastMeetingParticipants, 404, 1001, NotFound),
    row(E::PastMeetingParticipants, 404, 3001, NotFound),
    row(E::Meeting, 400, 1010, Refused),
    row(E::Meeting, 400, 3000, NotAMeeting),
    row(E::Meeting, 400, 3161, NotFound),
    row(E::Meeting, 404, 1001, NotFound),
    row(E::Meeting, 404, 3001, NotFound),
    bare(E::Webinar, 300, Refused),
    row(E::Webinar, 400, 1010, Refused),
    row(E::Webinar, 404, 1001, NotFound),
    row(E::Webinar, 404, 3001, NotFound),
    bare(E::WebinarPanelists, 300, Refused),
    row(E::WebinarPanelists, 400, 1010, Refused),
    row(E::WebinarPanelists, 404, 1001, NotFound),
    row(E::WebinarPanelists, 404, 3001, NotFound),
    row(E::PastWebinarParticipants, 400, 200, NotFound),
    row(E::PastWebinarParticipants, 400, 300, Refused),
    row(E::PastWebinarParticipants, 404, 3001, NotFound),
    // 401 here is not a token problem: renewing the token would not change it.
    row(E::PastWebinarQa, 401, 1010, Refused),
    row(E::PastWebinarQa, 404, 3001, NotFound),
    row(E::PastWebinarPolls, 401, 1010, Refused),
    row(E::PastWebinarPolls, 404, 3001, NotFound),
    bare(E::WebinarReport, 300, Refused),
    row(E::WebinarReport, 400, 200, NotFound),
    row(E::WebinarReport, 400, 1010, Refused),
    row(E::WebinarReport, 400, 12702, NotFound),
    row(E::WebinarReport, 404, 3001, NotFound),
];

/// Zoom's codes for a token without the scope an operation needs, on any operation (4711 lists
/// the missing scopes; 4700 is also sent for "does not contain ... scope").
pub const MISSING_SCOPE_CODES: [i64; 2] = [4700, 4711];

/// The meaning of `status` and `code` from `endpoint`: the table first, then the answers Zoom
/// gives on any operation (rate limits, its own trouble, tokens, scopes, validation), then the
/// status alone for anything undocumented.
pub fn meaning(endpoint: Option<Endpoint>, status: u16, code: Option<i64>) -> Meaning {
    let documented = DOCUMENTED_ANSWERS
        .iter()
        .find(|a| Some(a.endpoint) == endpoint && a.status == status && a.code == code);
    if let Some(answer) = documented {
        return answer.meaning;
    }
    match (status, code) {
        (429, _) => Meaning::RateLimited,
        (500..=599, _) => Meaning::Retryable,
        (400..=499, Some(code)) if MISSING_SCOPE_CODES.contains(&code) => Meaning::MissingScope,
        (401, _) => Meaning::Unauthorized,
        (404, _) | (_, Some(3001)) => Meaning::NotFound,
        _ => Meaning::Refused,
    }
}
