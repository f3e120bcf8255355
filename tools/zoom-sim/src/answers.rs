//! Every error answer of the simulated REST API, per operation, in one place: handlers say *why*
//! they refuse ([`Refusal`]), and [`Refusal::answer`] gives the HTTP status and Zoom code that
//! Zoom's spec documents for that operation. [`error_answers`] lists all of them, so a test
//! can hold each against the spec (`functions/archiver/tests/zoom_errors.rs`).
//!
//! Besides these, any operation may answer what Zoom's platform answers everywhere: 401 with
//! code 124 (a bad token, see `api::authorize`), 429 and 5xx (faults and the rate limiter), and
//! 400 with code 4711 (a token without a scope, the `missing_scope` fault). An unknown path is
//! 404 with code 404, as on Zoom, and is no operation.

use axum::http::StatusCode;

/// The operations the simulator serves, by their method and path in Zoom's spec.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    ListUsers,
    UserRecordings,
    AccountRecordings,
    InstanceRecordings,
    TrashInstance,
    TrashFile,
    Recover,
    PastMeeting,
    PastMeetingParticipants,
    PastMeetingInstances,
    Meeting,
    Webinar,
    WebinarPanelists,
    PastWebinarParticipants,
    PastWebinarQa,
    PastWebinarPolls,
    WebinarReport,
}

impl Operation {
    pub const ALL: [Operation; 17] = [
        Self::ListUsers,
        Self::UserRecordings,
        Self::AccountRecordings,
        Self::InstanceRecordings,
        Self::TrashInstance,
        Self::TrashFile,
        Self::Recover,
        Self::PastMeeting,
        Self::PastMeetingParticipants,
        Self::PastMeetingInstances,
        Self::Meeting,
        Self::Webinar,
        Self::WebinarPanelists,
        Self::PastWebinarParticipants,
        Self::PastWebinarQa,
        Self::PastWebinarPolls,
        Self::WebinarReport,
    ];

    /// The method and the path as Zoom's spec writes them.
    pub fn operation(self) -> (&'static str, &'static str) {
        match self {
            Self::ListUsers => ("GET", "/users"),
            Self::UserRecordings => ("GET", "/users/{userId}/recordings"),
            Self::AccountRecordings => ("GET", "/accounts/{accountId}/recordings"),
            Self::InstanceRecordings => ("GET", "/meetings/{meetingId}/recordings"),
            Self::TrashInstance => ("DELETE", "/meetings/{meetingId}/recordings"),
            Self::TrashFile => ("DELETE", "/meetings/{meetingId}/recordings/{recordingId}"),
            Self::Recover => ("PUT", "/meetings/{meetingUUID}/recordings/status"),
            Self::PastMeeting => ("GET", "/past_meetings/{meetingId}"),
            Self::PastMeetingParticipants => ("GET", "/past_meetings/{meetingId}/participants"),
            Self::PastMeetingInstances => ("GET", "/past_meetings/{meetingId}/instances"),
            Self::Meeting => ("GET", "/meetings/{meetingId}"),
            Self::Webinar => ("GET", "/webinars/{webinarId}"),
            Self::WebinarPanelists => ("GET", "/webinars/{webinarId}/panelists"),
            Self::PastWebinarParticipants => ("GET", "/past_webinars/{webinarId}/participants"),
            Self::PastWebinarQa => ("GET", "/past_webinars/{webinarId}/qa"),
            Self::PastWebinarPolls => ("GET", "/past_webinars/{webinarId}/polls"),
            Self::WebinarReport => ("GET", "/report/webinars/{webinarId}"),
        }
    }

    /// Zoom's "not found" for the operation, naming `what`.
    fn not_found(self, what: &str) -> (StatusCode, i64, String) {
        let not_found = StatusCode::NOT_FOUND;
        match self {
            Self::InstanceRecordings | Self::TrashInstance | Self::TrashFile | Self::Recover => (
                not_found,
                3301,
                "There is no recording for this meeting.".into(),
            ),
            // Nothing is named by id in `/users`: only a field can be unknown.
            Self::ListUsers => (
                StatusCode::BAD_REQUEST,
                300,
                format!("Invalid field: {what}."),
            ),
            Self::UserRecordings | Self::AccountRecordings => {
                (not_found, 1001, format!("User does not exist: {what}."))
            }
            Self::PastMeeting
            | Self::PastMeetingParticipants
            | Self::PastMeetingInstances
            | Self::Meeting => (
                not_found,
                3001,
                format!("Meeting {what} is not found or has expired."),
            ),
            Self::Webinar | Self::WebinarPanelists | Self::WebinarReport => (
                not_found,
                3001,
                format!("Webinar {what} not found or has expired."),
            ),
            Self::PastWebinarParticipants | Self::PastWebinarQa | Self::PastWebinarPolls => {
                (not_found, 3001, "Webinar ID is invalid or not end.".into())
            }
        }
    }
}

/// Why a handler refuses a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No such instance, recording, file, user, or webinar part (Q&A that was off): named.
    NotFound(String),
    /// A field, page token or date window Zoom would not accept.
    BadField(String),
    /// A meeting endpoint asked about a webinar.
    IsWebinar,
}

impl Refusal {
    /// One of each kind, to list every answer.
    pub fn examples() -> [Refusal; 3] {
        [
            Self::NotFound("x".into()),
            Self::BadField("Invalid field.".into()),
            Self::IsWebinar,
        ]
    }

    /// The answer Zoom documents for this refusal by `operation`.
    pub fn answer(self, operation: Operation) -> ApiError {
        let (status, code, message) = match self {
            Self::BadField(message) => (StatusCode::BAD_REQUEST, 300, message),
            Self::IsWebinar if operation == Operation::Meeting => (
                StatusCode::BAD_REQUEST,
                3000,
                "Cannot access webinar info.".into(),
            ),
            Self::IsWebinar => operation.not_found("of this webinar"),
            Self::NotFound(what) => operation.not_found(&what),
        };
        ApiError {
            status,
            code,
            message,
        }
    }
}

/// A Zoom error answer: HTTP status and Zoom's `{"code", "message"}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: i64,
    pub message: String,
}

/// Every `(operation, HTTP status, Zoom code)` the handlers can answer with.
pub fn error_answers() -> Vec<(Operation, u16, i64)> {
    Operation::ALL
        .iter()
        .flat_map(|&operation| {
            Refusal::examples().into_iter().map(move |refusal| {
                let answer = refusal.answer(operation);
                (operation, answer.status.as_u16(), answer.code)
            })
        })
        .collect()
}
