//! The simulator's state: the account (fixed at start), and what changes as clients call it:
//! issued tokens, trash, the call log, faults and rate limits.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::content;
use crate::faults::Faults;
use crate::rate_limit::{RateLimiter, RateLimits};
use crate::scenario::{FileSpec, MeetingInstance, Scenario, User};

/// How the simulator is set up.
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub scenario: Scenario,
    pub client_id: String,
    pub client_secret: String,
    pub webhook_secret_token: String,
    /// Lifetime of OAuth access tokens (Zoom: 3600 s).
    pub token_ttl: Duration,
    /// Lifetime of webhook `download_token`s (Zoom: 24 h).
    pub download_token_ttl: Duration,
    /// Lifetime of `next_page_token`s (Zoom: 15 min).
    pub page_token_ttl: Duration,
    pub rate_limits: RateLimits,
    /// Whether the CDN honours `Range` (206) or always sends the whole body (200).
    pub range_support: bool,
    /// Mixed into every file's bytes, so that each benchmark run's bytes are new.
    pub content_salt: u64,
}

impl SimConfig {
    /// Defaults matching Zoom, with fixed test credentials.
    pub fn new(scenario: Scenario) -> Self {
        Self {
            scenario,
            client_id: "sim-client-id".into(),
            client_secret: "sim-client-secret".into(),
            webhook_secret_token: "sim-webhook-secret-token".into(),
            token_ttl: Duration::from_secs(3600),
            download_token_ttl: Duration::from_secs(24 * 3600),
            page_token_ttl: Duration::from_secs(15 * 60),
            rate_limits: RateLimits::default(),
            range_support: true,
            content_salt: 0,
        }
    }
}

/// What a token lets its bearer do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum TokenKind {
    /// An account-level OAuth access token: the REST API and every download.
    OAuth,
    /// A webhook `download_token` or a `download_access_token`: one instance's downloads.
    Download { meeting_uuid: String },
}

#[derive(Debug, Clone)]
struct IssuedToken {
    kind: TokenKind,
    expires_at: SystemTime,
}

/// Why a bearer token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenProblem {
    Missing,
    Unknown,
    Expired,
}

/// One request the simulator answered (the control API excluded).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct CallRecord {
    pub method: String,
    /// The raw, still-encoded path.
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
}

/// A trash, delete or recover action that took effect.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct TrashRecord {
    pub meeting_uuid: String,
    /// `None` for the whole instance.
    pub file_id: Option<String>,
    /// `trash`, `delete` or `recover`.
    pub action: String,
}

/// Where a recording's copy on Zoom stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Removal {
    Trashed,
    Deleted,
}

/// A file and the instance it belongs to.
#[derive(Debug, Clone, Copy)]
pub(crate) struct FileRef<'a> {
    pub meeting: &'a MeetingInstance,
    pub file: &'a FileSpec,
}

/// Everything that changes while the simulator runs.
#[derive(Debug)]
pub(crate) struct Mutable {
    tokens: HashMap<String, IssuedToken>,
    pub instance_removal: HashMap<String, Removal>,
    pub file_removal: HashMap<String, Removal>,
    /// Topics renamed since the scenario was loaded, by instance uuid.
    pub topics: HashMap<String, String>,
    pub calls: Vec<CallRecord>,
    pub trash_log: Vec<TrashRecord>,
    pub faults: Faults,
    pub rate: RateLimiter,
    pub range_support: bool,
}

/// The simulated Zoom.
#[derive(Debug)]
pub struct Sim {
    pub(crate) config: SimConfig,
    /// Where clients reach the simulator, for the URLs it hands out.
    pub(crate) base_url: String,
    by_uuid: HashMap<String, usize>,
    files: HashMap<String, (usize, bool, usize)>,
    /// Signs the CDN's pre-signed URLs.
    cdn_key: [u8; 32],
    state: Mutex<Mutable>,
}

impl Sim {
    pub(crate) fn new(config: SimConfig, base_url: String) -> Self {
        let mut by_uuid = HashMap::new();
        let mut files = HashMap::new();
        for (m, meeting) in config.scenario.meetings.iter().enumerate() {
            by_uuid.insert(meeting.uuid.clone(), m);
            for (f, file) in meeting.files.iter().enumerate() {
                files.insert(file.id.clone(), (m, false, f));
            }
            for (f, file) in meeting.participant_audio.iter().enumerate() {
                files.insert(file.id.clone(), (m, true, f));
            }
        }
        let mut cdn_key = [0u8; 32];
        rand::rng().fill_bytes(&mut cdn_key);
        let state = Mutex::new(Mutable {
            tokens: HashMap::new(),
            instance_removal: HashMap::new(),
            file_removal: HashMap::new(),
            calls: Vec::new(),
            topics: HashMap::new(),
            trash_log: Vec::new(),
            faults: Faults::default(),
            rate: RateLimiter::new(config.rate_limits),
            range_support: config.range_support,
        });
        Self {
            config,
            base_url,
            by_uuid,
            files,
            cdn_key,
            state,
        }
    }

    /// The mutable state. A panic while it was held cannot leave it half-written in a way that
    /// matters to a test double, so a poisoned lock is simply taken over.
    pub(crate) fn state(&self) -> MutexGuard<'_, Mutable> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn scenario(&self) -> &Scenario {
        &self.config.scenario
    }

    pub(crate) fn meeting(&self, uuid: &str) -> Option<&MeetingInstance> {
        self.by_uuid
            .get(uuid)
            .map(|&m| &self.config.scenario.meetings[m])
    }

    pub(crate) fn file(&self, file_id: &str) -> Option<FileRef<'_>> {
        let &(m, participant_audio, f) = self.files.get(file_id)?;
        let meeting = &self.config.scenario.meetings[m];
        let file = if participant_audio {
            &meeting.participant_audio[f]
        } else {
            &meeting.files[f]
        };
        Some(FileRef { meeting, file })
    }

    pub(crate) fn user(&self, id_or_email: &str) -> Option<&User> {
        self.config
            .scenario
            .users
            .iter()
            .find(|u| u.id == id_or_email || u.email.eq_ignore_ascii_case(id_or_email))
    }

    pub(crate) fn host_email(&self, host_id: &str) -> String {
        self.user(host_id)
            .map(|u| u.email.clone())
            .unwrap_or_default()
    }

    /// The seed of a file's generated bytes.
    pub fn file_seed(&self, file_id: &str) -> u64 {
        content::file_seed(file_id, self.config.content_salt)
    }

    /// Issues a token of `kind` valid for `ttl`.
    pub(crate) fn issue_token(&self, kind: TokenKind, ttl: Duration) -> String {
        let token = match &kind {
            TokenKind::OAuth => format!("simoauth.{}", random_hex(24)),
            TokenKind::Download { meeting_uuid } => jwt_shaped(meeting_uuid, ttl),
        };
        let expires_at = SystemTime::now() + ttl;
        self.state()
            .tokens
            .insert(token.clone(), IssuedToken { kind, expires_at });
        token
    }

    /// What a bearer token may do, or why it is refused.
    pub(crate) fn check_token(&self, token: Option<&str>) -> Result<TokenKind, TokenProblem> {
        let token = token.ok_or(TokenProblem::Missing)?;
        let state = self.state();
        let issued = state.tokens.get(token).ok_or(TokenProblem::Unknown)?;
        if SystemTime::now() >= issued.expires_at {
            return Err(TokenProblem::Expired);
        }
        Ok(issued.kind.clone())
    }

    /// Every token issued so far (OAuth access tokens and download tokens), for tests that
    /// check no secret was stored or logged.
    pub fn issued_tokens(&self) -> Vec<String> {
        self.state().tokens.keys().cloned().collect()
    }

    /// Makes every token issued so far expire now.
    pub fn expire_all_tokens(&self) {
        let now = SystemTime::now();
        for token in self.state().tokens.values_mut() {
            token.expires_at = now;
        }
    }

    /// The instance's topic now (a rename changes it).
    pub(crate) fn topic(&self, meeting: &MeetingInstance) -> String {
        self.state()
            .topics
            .get(&meeting.uuid)
            .cloned()
            .unwrap_or_else(|| meeting.topic.clone())
    }

    /// Whether the instance or the file was trashed or deleted.
    pub(crate) fn removal(&self, meeting_uuid: &str, file_id: Option<&str>) -> Option<Removal> {
        let state = self.state();
        state
            .instance_removal
            .get(meeting_uuid)
            .copied()
            .or_else(|| file_id.and_then(|id| state.file_removal.get(id).copied()))
    }

    /// The CDN signature of a file URL valid until `expires` (Unix seconds).
    pub(crate) fn cdn_signature(&self, file_id: &str, expires: u64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.cdn_key)
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(file_id.as_bytes());
        mac.update(&expires.to_le_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Clears every fault, leaving tokens, calls and removals as they are.
    pub fn reset_faults(&self) {
        self.state().faults.clear();
    }

    /// Forgets everything clients did: calls, trash, faults, tokens; restores the configured
    /// Range support and rate limits.
    pub fn reset(&self) {
        let mut state = self.state();
        state.tokens.clear();
        state.instance_removal.clear();
        state.file_removal.clear();
        state.topics.clear();
        state.calls.clear();
        state.trash_log.clear();
        state.faults.clear();
        state.rate.set_limits(self.config.rate_limits);
        state.range_support = self.config.range_support;
    }
}

pub(crate) fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A token shaped like Zoom's download JWTs (`eyJ...`), so leak scans find it the same way.
fn jwt_shaped(meeting_uuid: &str, ttl: Duration) -> String {
    let now = unix_now();
    let header = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"ES256"}"#);
    let claims = serde_json::json!({"mid": meeting_uuid, "iat": now, "exp": now + ttl.as_secs()});
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    format!("{header}.{payload}.{}", random_hex(32))
}
