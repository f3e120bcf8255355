//! Every setting, read from the environment once at start-up and validated there.
//!
//! A missing or malformed value is a [`SettingsError`] naming the variable and what it expects,
//! so a misconfigured function fails at init with a message an operator can act on. Handlers get
//! the parsed [`Settings`] and never read the environment themselves.

use std::time::Duration;

use regex::Regex;
use serde::Deserialize;
use url::Url;

pub use crate::domain::layout::KeyTemplate;
pub use crate::domain::rules::ArchiveRules;
use crate::domain::token_hosts::{DEFAULT_ALLOWED_HOSTS, TokenHosts};
use crate::domain::trash::TrashPolicy;
use crate::domain::{FileType, SecretString};

/// Zoom's public REST base URL (Zoom for Government uses another host).
pub const DEFAULT_ZOOM_API_BASE_URL: &str = "https://api.zoom.us/v2";
/// Zoom's public OAuth token endpoint.
pub const DEFAULT_ZOOM_OAUTH_TOKEN_URL: &str = "https://zoom.us/oauth/token";
/// The default S3 key prefix of a meeting's folder; see [`KeyTemplate`].
pub const DEFAULT_S3_KEY_TEMPLATE: &str =
    "recordings/{year}/{month}/{day}/{topic}-{meeting_id}-{uuid_hash}";
/// S3's smallest multipart part is 5 MiB; we start at 8 MiB as DESIGN.md asks.
pub const MIN_PART_SIZE_MIB: u64 = 8;

/// A setting that is missing or cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("setting {name} is missing: expected {expected}")]
    Missing {
        name: &'static str,
        expected: &'static str,
    },
    #[error("setting {name} is malformed: expected {expected}, {problem}")]
    Malformed {
        name: &'static str,
        expected: &'static str,
        problem: String,
    },
    #[error("Zoom credentials secret {secret_arn} could not be read")]
    SecretUnreadable {
        secret_arn: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("Zoom credentials secret {secret_arn} is malformed: {problem}")]
    SecretMalformed { secret_arn: String, problem: String },
}

/// The four Zoom secrets: the Server-to-Server OAuth app and the webhook secret token.
#[derive(Debug, Clone, Deserialize)]
pub struct ZoomCredentials {
    #[serde(rename = "ZOOM_ACCOUNT_ID")]
    pub account_id: String,
    #[serde(rename = "ZOOM_CLIENT_ID")]
    pub client_id: String,
    #[serde(rename = "ZOOM_CLIENT_SECRET")]
    pub client_secret: SecretString,
    #[serde(rename = "ZOOM_WEBHOOK_SECRET_TOKEN")]
    pub webhook_secret_token: SecretString,
}

/// Where the Zoom credentials come from.
#[derive(Debug, Clone)]
pub enum CredentialsSource {
    /// Given directly in the environment (local stack, tests).
    Environment(ZoomCredentials),
    /// A Secrets Manager JSON secret with the four `ZOOM_*` keys (deployed stacks).
    SecretsManager { secret_arn: String },
}

/// How to reach Zoom.
#[derive(Debug, Clone)]
pub struct ZoomSettings {
    /// The hosts a request carrying a token may go to (`ZOOM_ALLOWED_HOSTS`).
    pub allowed_hosts: TokenHosts,
    pub api_base_url: Url,
    pub oauth_token_url: Url,
    pub credentials: CredentialsSource,
    /// Timeout of one HTTP request to Zoom.
    pub request_timeout: Duration,
    /// Attempts per REST call, the first included, on 429/5xx/network failures.
    pub max_attempts: u32,
    /// Longest `Retry-After` we wait in-process; longer waits go back to Step Functions' retry.
    pub max_retry_wait: Duration,
}

/// How files move from Zoom to S3.
#[derive(Debug, Clone, Copy)]
pub struct TransferSettings {
    /// Size of one ranged GET and one multipart part, before growing for files over 10,000 parts.
    pub part_size_bytes: u64,
    /// Parts downloaded and uploaded at once, per file.
    pub parts_in_flight: usize,
    /// Files copied at once per meeting (the state machine's Map `MaxConcurrency`).
    pub files_in_flight: usize,
    /// Longest a single `retrieve-recording` call works before it hands back a continuation;
    /// `None`: as long as the Lambda's own deadline allows.
    pub call_budget: Option<Duration>,
    /// Time kept free before the Lambda's deadline to finish the parts in flight and answer.
    pub deadline_margin: Duration,
}

/// Settings of the operations functions (scan, rebuild and retention).
#[derive(Debug, Clone)]
pub struct OperationsSettings {
    /// `RETENTION_DAYS`: keep recordings this many days after they started; unset or 0: forever
    /// (only per-recording dispositions delete anything).
    pub retention_days: Option<u32>,
    /// `SCAN_DAYS`: how far back the missed-meeting scan looks.
    pub scan_days: u32,
    /// `SCAN_LIST_REQUESTS_PER_SECOND`: pace of the scan's listing calls (Zoom's Medium label;
    /// the Free plan allows 2 per second, shared by every app of the account).
    pub scan_list_requests_per_second: u32,
    /// `OPERATIONS_DEADLINE_MARGIN_SECONDS`: time kept back before the Lambda's deadline to
    /// answer with a continuation.
    pub deadline_margin: Duration,
    /// `OPERATIONS_CALL_BUDGET_SECONDS`: longest one scan, rebuild or retention call works
    /// before it answers with a continuation; `None`: as long as the Lambda's deadline allows.
    pub call_budget: Option<Duration>,
}

/// All settings of the archiver.
#[derive(Debug, Clone)]
pub struct Settings {
    pub zoom: ZoomSettings,
    pub recordings_bucket: String,
    pub recordings_table: String,
    pub state_machine_arn: String,
    /// `ZOOM_CHANGE_STATE_MACHINE_ARN`: the state machine that applies Zoom's lifecycle events
    /// (the webhook starts it); unset, those events are ignored.
    pub zoom_change_state_machine_arn: Option<String>,
    pub notify_queue_url: Option<String>,
    /// When and which Zoom copies go to Zoom's trash (`TRASH_AFTER_ARCHIVE`, `TRASH_AFTER_DAYS`,
    /// `NEVER_TRASH_HOST_EMAILS`, `NEVER_TRASH_TOPIC_PATTERN`).
    pub trash_policy: TrashPolicy,
    pub archive_rules: ArchiveRules,
    pub key_template: KeyTemplate,
    pub transfer: TransferSettings,
    /// Oldest `x-zm-request-timestamp` accepted, in either direction.
    pub webhook_timestamp_tolerance: Duration,
    /// `true` for local S3 servers that do not serve virtual-hosted buckets.
    pub s3_force_path_style: bool,
    pub operations: OperationsSettings,
}

impl Settings {
    /// Reads and validates every setting from the process environment.
    pub fn from_env() -> Result<Self, SettingsError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads and validates every setting through `lookup` (tests pass a map).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, SettingsError> {
        let env = Env { lookup: &lookup };
        let allowed_hosts = env.allowed_hosts()?;
        Ok(Self {
            zoom: ZoomSettings {
                api_base_url: env.zoom_url(
                    "ZOOM_API_BASE_URL",
                    DEFAULT_ZOOM_API_BASE_URL,
                    &allowed_hosts,
                )?,
                oauth_token_url: env.zoom_url(
                    "ZOOM_OAUTH_TOKEN_URL",
                    DEFAULT_ZOOM_OAUTH_TOKEN_URL,
                    &allowed_hosts,
                )?,
                allowed_hosts,
                credentials: env.credentials_source()?,
                request_timeout: Duration::from_secs(env.number_or(
                    "ZOOM_REQUEST_TIMEOUT_SECONDS",
                    30,
                    1..=900,
                )?),
                max_attempts: env.number_or("ZOOM_MAX_ATTEMPTS", 5, 1..=20)? as u32,
                max_retry_wait: Duration::from_secs(env.number_or(
                    "ZOOM_MAX_RETRY_WAIT_SECONDS",
                    30,
                    0..=600,
                )?),
            },
            recordings_bucket: env.required("RECORDINGS_BUCKET", "the S3 bucket name")?,
            recordings_table: env.required("RECORDINGS_TABLE", "the DynamoDB table name")?,
            state_machine_arn: env
                .required("STATE_MACHINE_ARN", "the ingest state machine's ARN")?,
            zoom_change_state_machine_arn: env.optional("ZOOM_CHANGE_STATE_MACHINE_ARN"),
            notify_queue_url: env.optional("NOTIFY_QUEUE_URL"),
            trash_policy: env.trash_policy()?,
            archive_rules: env.archive_rules()?,
            key_template: env.key_template()?,
            transfer: TransferSettings {
                part_size_bytes: env.number_or(
                    "TRANSFER_PART_SIZE_MIB",
                    16,
                    MIN_PART_SIZE_MIB..=512,
                )? * 1024
                    * 1024,
                parts_in_flight: env.number_or("TRANSFER_PARTS_IN_FLIGHT", 4, 1..=64)? as usize,
                files_in_flight: env.number_or("TRANSFER_FILES_IN_FLIGHT", 4, 1..=40)? as usize,
                call_budget: env.call_budget("TRANSFER_CALL_BUDGET_SECONDS")?,
                deadline_margin: Duration::from_secs(env.number_or(
                    "TRANSFER_DEADLINE_MARGIN_SECONDS",
                    60,
                    1..=600,
                )?),
            },
            webhook_timestamp_tolerance: Duration::from_secs(env.number_or(
                "WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS",
                300,
                1..=3600,
            )?),
            s3_force_path_style: env.bool_or("S3_FORCE_PATH_STYLE", false)?,
            operations: OperationsSettings {
                retention_days: match env.number_or("RETENTION_DAYS", 0, 0..=36_500)? {
                    0 => None,
                    days => Some(days as u32),
                },
                scan_days: env.number_or("SCAN_DAYS", 30, 1..=3650)? as u32,
                scan_list_requests_per_second: env.number_or(
                    "SCAN_LIST_REQUESTS_PER_SECOND",
                    2,
                    1..=60,
                )? as u32,
                deadline_margin: Duration::from_secs(env.number_or(
                    "OPERATIONS_DEADLINE_MARGIN_SECONDS",
                    30,
                    1..=600,
                )?),
                call_budget: env.call_budget("OPERATIONS_CALL_BUDGET_SECONDS")?,
            },
        })
    }
}

/// Parses a Secrets Manager secret string into the four Zoom credentials.
pub fn parse_credentials_secret(
    secret_arn: &str,
    secret_json: &str,
) -> Result<ZoomCredentials, SettingsError> {
    let malformed = |problem: String| SettingsError::SecretMalformed {
        secret_arn: secret_arn.to_owned(),
        problem,
    };
    let credentials: ZoomCredentials = serde_json::from_str(secret_json).map_err(|err| {
        // serde's message names the missing key but never echoes the secret's values.
        malformed(format!(
            "expected a JSON object with ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET and \
             ZOOM_WEBHOOK_SECRET_TOKEN ({})",
            redact_serde_message(&err)
        ))
    })?;
    // The stack creates the secret with blank values: a blank webhook token would make any
    // request signed with an empty key look genuine, so blanks stop the function at start-up.
    let blank: Vec<&str> = [
        ("ZOOM_ACCOUNT_ID", credentials.account_id.as_str()),
        ("ZOOM_CLIENT_ID", credentials.client_id.as_str()),
        ("ZOOM_CLIENT_SECRET", credentials.client_secret.expose()),
        (
            "ZOOM_WEBHOOK_SECRET_TOKEN",
            credentials.webhook_secret_token.expose(),
        ),
    ]
    .into_iter()
    .filter(|(_, value)| value.trim().is_empty())
    .map(|(name, _)| name)
    .collect();
    if blank.is_empty() {
        Ok(credentials)
    } else {
        Err(malformed(format!(
            "{} {} blank: put the Zoom app's values into the secret",
            blank.join(", "),
            if blank.len() == 1 { "is" } else { "are" }
        )))
    }
}

/// Keeps serde's structural complaint (missing field, wrong type) but drops any quoted value.
fn redact_serde_message(err: &serde_json::Error) -> String {
    let message = err.to_string();
    if message.starts_with("missing field") {
        message
    } else {
        format!(
            "invalid JSON at line {} column {}",
            err.line(),
            err.column()
        )
    }
}

/// A view of the environment with typed, variable-naming accessors.
struct Env<'a> {
    lookup: &'a dyn Fn(&str) -> Option<String>,
}

impl Env<'_> {
    /// A set, non-blank value, trimmed.
    fn optional(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
            .map(|value| value.trim().to_owned())
            .filter(|value| !value.is_empty())
    }

    fn required(
        &self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<String, SettingsError> {
        self.optional(name)
            .ok_or(SettingsError::Missing { name, expected })
    }

    fn secret(
        &self,
        name: &'static str,
        expected: &'static str,
    ) -> Result<SecretString, SettingsError> {
        self.required(name, expected).map(SecretString::new)
    }

    fn allowed_hosts(&self) -> Result<TokenHosts, SettingsError> {
        let raw = self
            .optional("ZOOM_ALLOWED_HOSTS")
            .unwrap_or_else(|| DEFAULT_ALLOWED_HOSTS.to_owned());
        TokenHosts::parse(&raw).map_err(|problem| SettingsError::Malformed {
            name: "ZOOM_ALLOWED_HOSTS",
            expected: "comma-separated domains (zoom.us) or origins (http://127.0.0.1:5030)",
            problem,
        })
    }

    /// A Zoom URL the credentials are sent to: it must be one of the allowed hosts.
    fn zoom_url(
        &self,
        name: &'static str,
        default: &str,
        allowed: &TokenHosts,
    ) -> Result<Url, SettingsError> {
        let url = self.url_or(name, default)?;
        allowed
            .check(url.as_str())
            .map_err(|refused| SettingsError::Malformed {
                name,
                expected: "a URL on a host ZOOM_ALLOWED_HOSTS lists",
                problem: refused.to_string(),
            })
    }

    fn url_or(&self, name: &'static str, default: &str) -> Result<Url, SettingsError> {
        let raw = self.optional(name).unwrap_or_else(|| default.to_owned());
        let malformed = |problem: String| SettingsError::Malformed {
            name,
            expected: "an absolute http(s) URL",
            problem,
        };
        let url = Url::parse(&raw).map_err(|err| malformed(format!("got {raw:?} ({err})")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(malformed(format!("got scheme {:?}", url.scheme())));
        }
        Ok(url)
    }

    fn number_or(
        &self,
        name: &'static str,
        default: u64,
        range: std::ops::RangeInclusive<u64>,
    ) -> Result<u64, SettingsError> {
        let Some(raw) = self.optional(name) else {
            return Ok(default);
        };
        let malformed = |problem: String| SettingsError::Malformed {
            name,
            expected: "a whole number",
            problem,
        };
        let value: u64 = raw.parse().map_err(|_| malformed(format!("got {raw:?}")))?;
        if !range.contains(&value) {
            return Err(malformed(format!(
                "got {value}, allowed {}..={}",
                range.start(),
                range.end()
            )));
        }
        Ok(value)
    }

    /// A per-call work limit in seconds, at most a Lambda's 15 minutes; unset or 0: none.
    fn call_budget(&self, name: &'static str) -> Result<Option<Duration>, SettingsError> {
        Ok(match self.number_or(name, 0, 0..=900)? {
            0 => None,
            seconds => Some(Duration::from_secs(seconds)),
        })
    }

    fn bool_or(&self, name: &'static str, default: bool) -> Result<bool, SettingsError> {
        let Some(raw) = self.optional(name) else {
            return Ok(default);
        };
        match raw.to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" | "on" => Ok(true),
            "false" | "0" | "no" | "off" => Ok(false),
            _ => Err(SettingsError::Malformed {
                name,
                expected: "true or false",
                problem: format!("got {raw:?}"),
            }),
        }
    }

    fn list(&self, name: &str) -> Vec<String> {
        self.optional(name)
            .map(|raw| {
                raw.split(',')
                    .map(str::trim)
                    .filter(|item| !item.is_empty())
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }

    fn credentials_source(&self) -> Result<CredentialsSource, SettingsError> {
        if let Some(secret_arn) = self.optional("ZOOM_CREDENTIALS_SECRET_ARN") {
            return Ok(CredentialsSource::SecretsManager { secret_arn });
        }
        const HINT: &str = "the Zoom app's value (or set ZOOM_CREDENTIALS_SECRET_ARN)";
        Ok(CredentialsSource::Environment(ZoomCredentials {
            account_id: self.required("ZOOM_ACCOUNT_ID", HINT)?,
            client_id: self.required("ZOOM_CLIENT_ID", HINT)?,
            client_secret: self.secret("ZOOM_CLIENT_SECRET", HINT)?,
            webhook_secret_token: self.secret("ZOOM_WEBHOOK_SECRET_TOKEN", HINT)?,
        }))
    }

    /// An optional regular expression.
    fn pattern(&self, name: &'static str) -> Result<Option<Regex>, SettingsError> {
        self.optional(name)
            .map(|raw| {
                Regex::new(&raw).map_err(|err| SettingsError::Malformed {
                    name,
                    expected: "a regular expression",
                    problem: err.to_string(),
                })
            })
            .transpose()
    }

    /// A comma-separated list of emails, lower-cased.
    fn emails(&self, name: &str) -> Vec<String> {
        self.list(name)
            .into_iter()
            .map(|email| email.to_lowercase())
            .collect()
    }

    fn archive_rules(&self) -> Result<ArchiveRules, SettingsError> {
        let topic_pattern = self.pattern("ARCHIVE_TOPIC_PATTERN")?;
        let min_duration = self.number_or("ARCHIVE_MIN_DURATION_MINUTES", 0, 0..=10_000)?;
        Ok(ArchiveRules {
            host_emails: self.emails("ARCHIVE_HOST_EMAILS"),
            topic_pattern,
            min_duration_minutes: min_duration as i64,
            file_types: self
                .list("ARCHIVE_FILE_TYPES")
                .iter()
                .map(|name| FileType::from(name.to_ascii_uppercase().as_str()))
                .collect(),
        })
    }

    fn trash_policy(&self) -> Result<TrashPolicy, SettingsError> {
        Ok(TrashPolicy {
            enabled: self.bool_or("TRASH_AFTER_ARCHIVE", true)?,
            after_days: self.number_or("TRASH_AFTER_DAYS", 0, 0..=3650)? as u32,
            never_host_emails: self.emails("NEVER_TRASH_HOST_EMAILS"),
            never_topic_pattern: self.pattern("NEVER_TRASH_TOPIC_PATTERN")?,
        })
    }

    fn key_template(&self) -> Result<KeyTemplate, SettingsError> {
        let raw = self
            .optional("S3_KEY_TEMPLATE")
            .unwrap_or_else(|| DEFAULT_S3_KEY_TEMPLATE.to_owned());
        KeyTemplate::parse(&raw).map_err(|problem| SettingsError::Malformed {
            name: "S3_KEY_TEMPLATE",
            expected: "a key prefix using {year} {month} {day} {topic} {meeting_id} {uuid_hash} {host_email}",
            problem: format!("it has {problem}"),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn complete() -> HashMap<&'static str, &'static str> {
        HashMap::from([
            ("ZOOM_ACCOUNT_ID", "acc"),
            ("ZOOM_CLIENT_ID", "client"),
            ("ZOOM_CLIENT_SECRET", "client-secret-value"),
            ("ZOOM_WEBHOOK_SECRET_TOKEN", "webhook-secret-value"),
            ("RECORDINGS_BUCKET", "bucket"),
            ("RECORDINGS_TABLE", "table"),
            (
                "STATE_MACHINE_ARN",
                "arn:aws:states:us-east-1:123456789012:stateMachine:ingest",
            ),
        ])
    }

    fn load(vars: &HashMap<&'static str, &'static str>) -> Result<Settings, SettingsError> {
        Settings::from_lookup(|name| vars.get(name).map(|v| (*v).to_owned()))
    }

    fn error_with(overrides: &[(&'static str, &'static str)], removed: &[&str]) -> String {
        let mut vars = complete();
        vars.extend(overrides.iter().copied());
        vars.retain(|name, _| !removed.contains(name));
        match load(&vars) {
            Ok(_) => panic!("expected an error for {overrides:?} without {removed:?}"),
            Err(err) => err.to_string(),
        }
    }

    #[test]
    fn defaults_apply_when_only_required_settings_are_set() {
        let settings = load(&complete()).expect("valid");
        assert_eq!(
            settings.zoom.api_base_url.as_str(),
            "https://api.zoom.us/v2"
        );
        assert_eq!(
            settings.zoom.oauth_token_url.as_str(),
            "https://zoom.us/oauth/token"
        );
        assert!(settings.trash_policy.enabled);
        assert_eq!(settings.trash_policy.after_days, 0);
        assert!(settings.notify_queue_url.is_none());
        assert_eq!(settings.transfer.part_size_bytes, 16 * 1024 * 1024);
        assert_eq!(
            settings.webhook_timestamp_tolerance,
            Duration::from_secs(300)
        );
        assert_eq!(settings.key_template.as_str(), DEFAULT_S3_KEY_TEMPLATE);
        assert!(!settings.s3_force_path_style);
        assert_eq!(
            settings.operations.retention_days, None,
            "no policy by default"
        );
        assert_eq!(settings.operations.scan_days, 30);
        assert_eq!(settings.operations.scan_list_requests_per_second, 2);
        assert_eq!(
            settings.operations.call_budget, None,
            "the Lambda's deadline"
        );
        assert_eq!(settings.transfer.call_budget, None, "the Lambda's deadline");
        assert!(matches!(
            settings.zoom.credentials,
            CredentialsSource::Environment(_)
        ));
    }

    #[test]
    fn each_missing_required_setting_is_named() {
        for name in [
            "RECORDINGS_BUCKET",
            "RECORDINGS_TABLE",
            "STATE_MACHINE_ARN",
            "ZOOM_ACCOUNT_ID",
            "ZOOM_CLIENT_ID",
            "ZOOM_CLIENT_SECRET",
            "ZOOM_WEBHOOK_SECRET_TOKEN",
        ] {
            let message = error_with(&[], &[name]);
            assert!(
                message.contains(name) && message.contains("missing"),
                "{name}: {message}"
            );
        }
    }

    #[test]
    fn a_blank_value_counts_as_missing() {
        let message = error_with(&[("RECORDINGS_BUCKET", "   ")], &[]);
        assert!(
            message.contains("RECORDINGS_BUCKET is missing"),
            "{message}"
        );
    }

    #[test]
    fn each_malformed_setting_is_named_with_what_it_expects() {
        let cases: [(&'static str, &'static str, &str); 20] = [
            ("ZOOM_ALLOWED_HOSTS", "127.0.0.1", "not a domain"),
            (
                "ZOOM_API_BASE_URL",
                "http://169.254.169.254/v2",
                "a host ZOOM_ALLOWED_HOSTS lists",
            ),
            (
                "ZOOM_OAUTH_TOKEN_URL",
                "https://zoom.us.example.net/oauth/token",
                "a host ZOOM_ALLOWED_HOSTS lists",
            ),
            ("RETENTION_DAYS", "a year", "whole number"),
            ("OPERATIONS_CALL_BUDGET_SECONDS", "901", "allowed 0..=900"),
            ("SCAN_DAYS", "0", "allowed 1..=3650"),
            ("ZOOM_API_BASE_URL", "not a url", "absolute http(s) URL"),
            (
                "ZOOM_OAUTH_TOKEN_URL",
                "ftp://zoom.us/token",
                "absolute http(s) URL",
            ),
            ("TRASH_AFTER_ARCHIVE", "maybe", "true or false"),
            ("TRASH_AFTER_DAYS", "-1", "whole number"),
            ("TRASH_AFTER_DAYS", "4000", "allowed 0..=3650"),
            (
                "NEVER_TRASH_TOPIC_PATTERN",
                "(unclosed",
                "regular expression",
            ),
            ("S3_FORCE_PATH_STYLE", "2", "true or false"),
            ("TRANSFER_PART_SIZE_MIB", "4", "allowed 8..=512"),
            ("TRANSFER_PARTS_IN_FLIGHT", "many", "whole number"),
            ("ZOOM_MAX_ATTEMPTS", "0", "allowed 1..=20"),
            ("WEBHOOK_TIMESTAMP_TOLERANCE_SECONDS", "-5", "whole number"),
            ("ARCHIVE_TOPIC_PATTERN", "(unclosed", "regular expression"),
            ("S3_KEY_TEMPLATE", "{year}/{topic}", "uuid_hash"),
            (
                "S3_KEY_TEMPLATE",
                "{year}/{nope}-{uuid_hash}",
                "unknown placeholder {nope}",
            ),
        ];
        for (name, value, expected) in cases {
            let message = error_with(&[(name, value)], &[]);
            assert!(
                message.contains(name)
                    && message.contains("malformed")
                    && message.contains(expected),
                "{name}={value}: {message}"
            );
        }
    }

    #[test]
    fn a_secret_arn_replaces_the_four_credentials() {
        let mut vars = complete();
        for name in [
            "ZOOM_ACCOUNT_ID",
            "ZOOM_CLIENT_ID",
            "ZOOM_CLIENT_SECRET",
            "ZOOM_WEBHOOK_SECRET_TOKEN",
        ] {
            vars.remove(name);
        }
        vars.insert(
            "ZOOM_CREDENTIALS_SECRET_ARN",
            "arn:aws:secretsmanager:us-east-1:1:secret:zoom",
        );
        let settings = load(&vars).expect("valid");
        assert!(matches!(
            settings.zoom.credentials,
            CredentialsSource::SecretsManager { ref secret_arn } if secret_arn.ends_with(":zoom")
        ));
    }

    #[test]
    fn archive_rules_are_normalised() {
        let mut vars = complete();
        vars.insert(
            "ARCHIVE_HOST_EMAILS",
            " Alice@Example.org , bob@example.org,",
        );
        vars.insert("ARCHIVE_FILE_TYPES", "mp4,M4A,TRANSCRIPT");
        vars.insert("ARCHIVE_TOPIC_PATTERN", "(?i)board");
        vars.insert("ARCHIVE_MIN_DURATION_MINUTES", "5");
        let rules = load(&vars).expect("valid").archive_rules;
        assert_eq!(rules.host_emails, ["alice@example.org", "bob@example.org"]);
        assert_eq!(
            rules.file_types,
            [FileType::Mp4, FileType::M4a, FileType::Transcript]
        );
        assert!(
            rules
                .topic_pattern
                .is_some_and(|re| re.is_match("Board meeting"))
        );
        assert_eq!(rules.min_duration_minutes, 5);
    }

    #[test]
    fn secret_json_errors_name_the_key_but_never_a_value() {
        let arn = "arn:zoom";
        let ok = parse_credentials_secret(
            arn,
            r#"{"ZOOM_ACCOUNT_ID":"a","ZOOM_CLIENT_ID":"b","ZOOM_CLIENT_SECRET":"c","ZOOM_WEBHOOK_SECRET_TOKEN":"d"}"#,
        )
        .expect("valid");
        assert_eq!(ok.client_secret.expose(), "c");

        let missing = parse_credentials_secret(
            arn,
            r#"{"ZOOM_ACCOUNT_ID":"a","ZOOM_CLIENT_ID":"b","ZOOM_CLIENT_SECRET":"hunter2"}"#,
        )
        .expect_err("missing key");
        let message = missing.to_string();
        assert!(
            message.contains("ZOOM_WEBHOOK_SECRET_TOKEN") && !message.contains("hunter2"),
            "{message}"
        );

        let blank = parse_credentials_secret(
            arn,
            r#"{"ZOOM_ACCOUNT_ID":"a","ZOOM_CLIENT_ID":"b","ZOOM_CLIENT_SECRET":"hunter2","ZOOM_WEBHOOK_SECRET_TOKEN":" "}"#,
        )
        .expect_err("a blank webhook token must not start the function");
        let message = blank.to_string();
        assert!(
            message.contains("ZOOM_WEBHOOK_SECRET_TOKEN is blank") && !message.contains("hunter2"),
            "{message}"
        );

        let wrong_type = parse_credentials_secret(arn, r#"{"ZOOM_ACCOUNT_ID":"hunter2-value"#)
            .expect_err("bad json");
        assert!(!wrong_type.to_string().contains("hunter2"), "{wrong_type}");
    }
}
