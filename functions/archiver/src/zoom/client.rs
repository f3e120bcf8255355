use std::time::{Duration, SystemTime};

use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use url::Url;

use super::answers::{self, Endpoint, Meaning};
use super::auth::ServerToServerAuth;
use super::error::{ZoomError, ZoomErrorBody};
use super::retry::{RetryPolicy, parse_retry_after};
use crate::domain::{MeetingRecordings, MeetingUuid, SecretString};
use crate::settings::{ZoomCredentials, ZoomSettings};

/// Largest page Zoom serves.
const MAX_PAGE_SIZE: &str = "300";

/// Everything a [`ZoomClient`] needs; [`ZoomClientConfig::from_settings`] fills it from settings.
#[derive(Debug, Clone)]
pub struct ZoomClientConfig {
    pub api_base_url: Url,
    pub oauth_token_url: Url,
    pub account_id: String,
    pub client_id: String,
    pub client_secret: SecretString,
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
}

impl ZoomClientConfig {
    /// The configuration the settings describe.
    pub fn from_settings(settings: &ZoomSettings, credentials: &ZoomCredentials) -> Self {
        Self {
            api_base_url: settings.api_base_url.clone(),
            oauth_token_url: settings.oauth_token_url.clone(),
            account_id: credentials.account_id.clone(),
            client_id: credentials.client_id.clone(),
            client_secret: credentials.client_secret.clone(),
            request_timeout: settings.request_timeout,
            retry: RetryPolicy {
                max_attempts: settings.max_attempts,
                max_retry_wait: settings.max_retry_wait,
                ..RetryPolicy::default()
            },
        }
    }
}

/// Zoom's REST API with an account-level Server-to-Server OAuth token.
///
/// Every call retries 429 (honouring `Retry-After` up to a limit), 5xx and network failures with
/// exponential backoff and jitter, renews the token once on a 401, and never repeats any other
/// 4xx: Zoom disables apps with a high error ratio.
#[derive(Debug)]
pub struct ZoomClient {
    http: reqwest::Client,
    api_base_url: Url,
    auth: ServerToServerAuth,
    retry: RetryPolicy,
}

/// One page of a paged listing.
#[derive(Debug, Deserialize)]
struct ParticipantsPage {
    #[serde(default)]
    participants: Vec<serde_json::Value>,
    #[serde(default)]
    next_page_token: Option<String>,
}

/// One page of the account's recordings.
#[derive(Debug, Deserialize)]
#[serde(from = "RawRecordingsPage")]
pub struct RecordingsPage {
    pub meetings: Vec<MeetingRecordings>,
    /// Entries that are not a meeting this archiver can identify (no uuid, no numeric id): the
    /// others on the page are still used, these are reported.
    pub unreadable: Vec<UnreadableMeeting>,
    /// Empty or absent on the last page. Zoom's tokens expire after 15 minutes.
    pub next_page_token: Option<String>,
    pub total_records: Option<u64>,
}

/// A listed entry that could not be read as a meeting instance, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, Deserialize)]
pub struct UnreadableMeeting {
    /// Its `uuid` field, when it has a readable one.
    pub uuid: Option<String>,
    pub problem: String,
}

#[derive(Deserialize)]
struct RawRecordingsPage {
    #[serde(default)]
    meetings: Vec<serde_json::Value>,
    #[serde(default)]
    next_page_token: Option<String>,
    #[serde(default)]
    total_records: Option<u64>,
}

impl From<RawRecordingsPage> for RecordingsPage {
    fn from(raw: RawRecordingsPage) -> Self {
        let mut meetings = Vec::new();
        let mut unreadable = Vec::new();
        for entry in raw.meetings {
            let uuid = entry
                .get("uuid")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned);
            match serde_json::from_value::<MeetingRecordings>(entry) {
                Ok(meeting) => meetings.push(meeting),
                Err(error) => unreadable.push(UnreadableMeeting {
                    uuid,
                    problem: error.to_string(),
                }),
            }
        }
        Self {
            meetings,
            unreadable,
            next_page_token: raw.next_page_token,
            total_records: raw.total_records,
        }
    }
}

enum AttemptFailure {
    /// The API refused a token we sent: renew it once.
    TokenRejected(SecretString, ZoomError),
    Other(ZoomError),
}

impl ZoomClient {
    /// Builds the client; no request is made until the first call.
    pub fn new(config: ZoomClientConfig) -> Result<Self, ZoomError> {
        let http = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(Duration::from_secs(10))
            .build()
            .map_err(|source| ZoomError::ClientSetup { source })?;
        Ok(Self {
            http,
            api_base_url: config.api_base_url,
            auth: ServerToServerAuth::new(
                config.oauth_token_url,
                config.account_id,
                config.client_id,
                config.client_secret,
            ),
            retry: config.retry,
        })
    }

    /// A current OAuth access token, e.g. to authorize a recording download.
    pub async fn access_token(&self) -> Result<SecretString, ZoomError> {
        self.auth.token(&self.http).await
    }

    /// A newly issued OAuth access token, for a download Zoom refused: the cached token may
    /// have been revoked or expired before its time, and a download's HTML refusal does not
    /// say which token it refused.
    pub async fn renew_access_token(&self) -> Result<SecretString, ZoomError> {
        self.auth.forget_cached().await;
        self.auth.token(&self.http).await
    }

    /// `GET {base}{path}` of `endpoint`, decoded as JSON. `path` must already be percent-encoded.
    async fn get_json<T: DeserializeOwned>(
        &self,
        endpoint: Endpoint,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<T, ZoomError> {
        let body = self.call(endpoint, Method::GET, path, query).await?;
        serde_json::from_slice(&body).map_err(|source| ZoomError::InvalidResponse {
            what: format!("GET {path}"),
            source,
        })
    }

    /// One instance's recordings, optionally with a `download_access_token` valid for `ttl`.
    pub async fn meeting_recordings(
        &self,
        uuid: &MeetingUuid,
        download_access_token_ttl: Option<Duration>,
    ) -> Result<MeetingRecordings, ZoomError> {
        let path = format!("/meetings/{}/recordings", uuid.path_segment());
        match download_access_token_ttl {
            Some(ttl) => {
                let ttl = ttl.as_secs().to_string();
                let query = [
                    ("include_fields", "download_access_token"),
                    ("ttl", ttl.as_str()),
                ];
                self.get_json(Endpoint::MeetingRecordings, &path, &query)
                    .await
            }
            None => self.get_json(Endpoint::MeetingRecordings, &path, &[]).await,
        }
    }

    /// One page (up to 300) of the account's recorded instances that started between `from` and
    /// `to` (UTC dates, at most one month apart), continuing after `page_token`.
    pub async fn account_recordings(
        &self,
        from: chrono::NaiveDate,
        to: chrono::NaiveDate,
        page_token: Option<&str>,
    ) -> Result<RecordingsPage, ZoomError> {
        let (from, to) = (from.to_string(), to.to_string());
        let mut query = vec![
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("page_size", MAX_PAGE_SIZE),
        ];
        if let Some(token) = page_token.filter(|token| !token.is_empty()) {
            query.push(("next_page_token", token));
        }
        self.get_json(
            Endpoint::AccountRecordings,
            "/accounts/me/recordings",
            &query,
        )
        .await
    }

    /// `GET /past_meetings/{uuid}`, kept as Zoom sent it.
    pub async fn past_meeting(&self, uuid: &MeetingUuid) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/past_meetings/{}", uuid.path_segment());
        self.get_json(Endpoint::PastMeeting, &path, &[]).await
    }

    /// Every participant of a past meeting instance, following `next_page_token` to the end.
    pub async fn past_participants(
        &self,
        uuid: &MeetingUuid,
    ) -> Result<Vec<serde_json::Value>, ZoomError> {
        let path = format!("/past_meetings/{}/participants", uuid.path_segment());
        self.all_participants(Endpoint::PastMeetingParticipants, &path)
            .await
    }

    /// Every attendee of a past webinar instance, following `next_page_token` to the end.
    pub async fn past_webinar_participants(
        &self,
        uuid: &MeetingUuid,
    ) -> Result<Vec<serde_json::Value>, ZoomError> {
        let path = format!("/past_webinars/{}/participants", uuid.path_segment());
        self.all_participants(Endpoint::PastWebinarParticipants, &path)
            .await
    }

    /// `GET /report/webinars/{uuid}`: the past webinar instance's details, as Zoom sent them.
    pub async fn past_webinar(&self, uuid: &MeetingUuid) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/report/webinars/{}", uuid.path_segment());
        self.get_json(Endpoint::WebinarReport, &path, &[]).await
    }

    /// `GET /past_webinars/{uuid}/qa`: the instance's questions and answers.
    pub async fn past_webinar_qa(
        &self,
        uuid: &MeetingUuid,
    ) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/past_webinars/{}/qa", uuid.path_segment());
        self.get_json(Endpoint::PastWebinarQa, &path, &[]).await
    }

    /// `GET /past_webinars/{uuid}/polls`: the instance's poll results.
    pub async fn past_webinar_polls(
        &self,
        uuid: &MeetingUuid,
    ) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/past_webinars/{}/polls", uuid.path_segment());
        self.get_json(Endpoint::PastWebinarPolls, &path, &[]).await
    }

    /// `GET /webinars/{id}`: the scheduled webinar behind an instance, as Zoom sent it.
    pub async fn webinar(&self, webinar_id: i64) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/webinars/{webinar_id}");
        self.get_json(Endpoint::Webinar, &path, &[]).await
    }

    /// `GET /webinars/{id}/panelists`, as Zoom sent it.
    pub async fn webinar_panelists(&self, webinar_id: i64) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/webinars/{webinar_id}/panelists");
        self.get_json(Endpoint::WebinarPanelists, &path, &[]).await
    }

    async fn all_participants(
        &self,
        endpoint: Endpoint,
        path: &str,
    ) -> Result<Vec<serde_json::Value>, ZoomError> {
        let mut participants = Vec::new();
        let mut next_page_token = String::new();
        loop {
            let mut query = vec![("page_size", MAX_PAGE_SIZE)];
            if !next_page_token.is_empty() {
                query.push(("next_page_token", next_page_token.as_str()));
            }
            let page: ParticipantsPage = self.get_json(endpoint, path, &query).await?;
            participants.extend(page.participants);
            match page.next_page_token.filter(|token| !token.is_empty()) {
                Some(token) => next_page_token = token,
                None => return Ok(participants),
            }
        }
    }

    /// `GET /meetings/{id}`: the scheduled meeting behind an instance, as Zoom sent it
    /// (`NotAMeeting` for a webinar).
    pub async fn scheduled_meeting(&self, meeting_id: i64) -> Result<serde_json::Value, ZoomError> {
        let path = format!("/meetings/{meeting_id}");
        self.get_json(Endpoint::Meeting, &path, &[]).await
    }

    /// Moves every recording of one instance to Zoom's trash (recoverable for 30 days).
    pub async fn trash_meeting_recordings(&self, uuid: &MeetingUuid) -> Result<(), ZoomError> {
        let path = format!("/meetings/{}/recordings", uuid.path_segment());
        let trash = [("action", "trash")];
        self.call(
            Endpoint::TrashMeetingRecordings,
            Method::DELETE,
            &path,
            &trash,
        )
        .await
        .map(drop)
    }

    /// Moves one file of an instance to Zoom's trash (recoverable for 30 days), by its id.
    pub async fn trash_recording_file(
        &self,
        uuid: &MeetingUuid,
        file_id: &str,
    ) -> Result<(), ZoomError> {
        let path = format!(
            "/meetings/{}/recordings/{}",
            uuid.path_segment(),
            crate::domain::encode_path_segment(file_id)
        );
        let trash = [("action", "trash")];
        self.call(Endpoint::TrashRecordingFile, Method::DELETE, &path, &trash)
            .await
            .map(drop)
    }

    /// Brings an instance's recordings back from Zoom's trash (within its 30 days), so a file
    /// Zoom finished after the trash (a late transcript) can be downloaded.
    pub async fn recover_meeting_recordings(&self, uuid: &MeetingUuid) -> Result<(), ZoomError> {
        let path = format!("/meetings/{}/recordings/status", uuid.path_segment());
        let body = serde_json::json!({"action": "recover"});
        self.send(
            Endpoint::RecoverMeetingRecordings,
            Method::PUT,
            &path,
            &[],
            Some(&body),
        )
        .await
        .map(drop)
    }

    /// Sends one request without a body, with retries, and returns the body of a 2xx answer.
    async fn call(
        &self,
        endpoint: Endpoint,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<bytes::Bytes, ZoomError> {
        self.send(endpoint, method, path, query, None).await
    }

    /// Sends one request, with a JSON body when given, with retries.
    async fn send(
        &self,
        endpoint: Endpoint,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&serde_json::Value>,
    ) -> Result<bytes::Bytes, ZoomError> {
        let url = self.url(path, query);
        let mut attempt = 0;
        let mut renewed_token = false;
        loop {
            attempt += 1;
            let error = match self.attempt(endpoint, method.clone(), &url, body).await {
                Ok(body) => return Ok(body),
                Err(AttemptFailure::TokenRejected(token, error)) => {
                    if renewed_token {
                        return Err(error);
                    }
                    // Zoom may revoke a token before its stated expiry: renew once, right away.
                    renewed_token = true;
                    self.auth.forget(&token).await;
                    attempt -= 1;
                    continue;
                }
                Err(AttemptFailure::Other(error)) => error,
            };
            let wait = self.wait_before_retry(&error, attempt).ok_or(error)?;
            tracing::warn!(%method, path, attempt, wait_ms = wait.as_millis() as u64, "retrying a Zoom call");
            tokio::time::sleep(wait).await;
        }
    }

    /// How long to wait before retrying `error`, or `None` when it must not be retried.
    fn wait_before_retry(&self, error: &ZoomError, attempt: u32) -> Option<Duration> {
        if !error.is_transient() || attempt >= self.retry.max_attempts {
            return None;
        }
        match error {
            ZoomError::RateLimited {
                retry_after: Some(wait),
            } => (*wait <= self.retry.max_retry_wait).then_some(*wait),
            _ => Some(self.retry.backoff(attempt)),
        }
    }

    async fn attempt(
        &self,
        endpoint: Endpoint,
        method: Method,
        url: &Url,
        body: Option<&serde_json::Value>,
    ) -> Result<bytes::Bytes, AttemptFailure> {
        let token = self
            .auth
            .token(&self.http)
            .await
            .map_err(AttemptFailure::Other)?;
        let mut request = self
            .http
            .request(method, url.clone())
            .bearer_auth(token.expose());
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|source| AttemptFailure::Other(ZoomError::transport(source)))?;
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .bytes()
            .await
            .map_err(|source| AttemptFailure::Other(ZoomError::transport(source)))?;
        if status.is_success() {
            return Ok(body);
        }
        let error = classify_failure(Some(endpoint), status, Some(&headers), &body);
        Err(match error {
            ZoomError::Unauthorized { .. } => AttemptFailure::TokenRejected(token, error),
            other => AttemptFailure::Other(other),
        })
    }

    fn url(&self, path: &str, query: &[(&str, &str)]) -> Url {
        // Concatenate rather than `Url::join`, which would drop the base's `/v2` and could
        // re-encode the already double-encoded uuid.
        let base = self.api_base_url.as_str().trim_end_matches('/');
        let mut url = match Url::parse(&format!("{base}{path}")) {
            Ok(url) => url,
            // `path` is built from encoded segments, so this only fails for a broken base URL,
            // which settings validation already rejected.
            Err(_) => self.api_base_url.clone(),
        };
        if !query.is_empty() {
            url.query_pairs_mut().extend_pairs(query);
        }
        url
    }
}

/// Turns a non-2xx answer of `endpoint` (`None`: the OAuth endpoint) into the error the caller
/// branches on, as [`answers::meaning`] decides.
pub fn classify_failure(
    endpoint: Option<Endpoint>,
    status: StatusCode,
    headers: Option<&HeaderMap>,
    body: &[u8],
) -> ZoomError {
    let details = ZoomErrorBody::parse(body);
    let message = details.text(status.as_u16());
    let code = details.code;
    match answers::meaning(endpoint, status.as_u16(), code) {
        Meaning::RateLimited => ZoomError::RateLimited {
            retry_after: headers
                .and_then(|h| h.get(RETRY_AFTER))
                .and_then(|value| value.to_str().ok())
                .and_then(|value| parse_retry_after(value, SystemTime::now())),
        },
        Meaning::Retryable => ZoomError::Unavailable {
            status: status.as_u16(),
        },
        Meaning::Unauthorized => ZoomError::Unauthorized { message },
        Meaning::MissingScope => ZoomError::MissingScope {
            scope: endpoint.map_or("the scopes in the README", Endpoint::scope),
            message,
        },
        Meaning::NotFound => ZoomError::NotFound { code, message },
        Meaning::NotAMeeting => ZoomError::NotAMeeting { message },
        Meaning::Refused => ZoomError::Rejected {
            status: status.as_u16(),
            code,
            message,
        },
    }
}
