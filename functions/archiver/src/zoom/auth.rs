//! Server-to-Server OAuth: `grant_type=account_credentials`, client id and secret as Basic auth.
//!
//! The `oauth2` crate hard-codes the `client_credentials` grant, which Zoom does not accept, so
//! the exchange is written out here; it is one form POST.

use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;
use url::Url;

use super::client::classify_failure;
use super::error::ZoomError;
use crate::domain::SecretString;

/// Renew this long before Zoom's stated expiry (capped at half the token's life).
const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(120);

/// Fetches and caches the account's access token. One fetch at a time: concurrent callers wait
/// for the fetch in progress instead of each asking Zoom for a token.
#[derive(Debug)]
pub(crate) struct ServerToServerAuth {
    token_url: Url,
    account_id: String,
    client_id: String,
    client_secret: SecretString,
    cached: Mutex<Option<CachedToken>>,
}

#[derive(Debug)]
struct CachedToken {
    token: SecretString,
    renew_at: Instant,
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: SecretString,
    expires_in: u64,
}

impl ServerToServerAuth {
    pub(crate) fn new(
        token_url: Url,
        account_id: String,
        client_id: String,
        client_secret: SecretString,
    ) -> Self {
        Self {
            token_url,
            account_id,
            client_id,
            client_secret,
            cached: Mutex::new(None),
        }
    }

    /// A token that is not about to expire, fetched only when needed.
    pub(crate) async fn token(&self, http: &reqwest::Client) -> Result<SecretString, ZoomError> {
        let mut cached = self.cached.lock().await;
        if let Some(current) = cached.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(current.token.clone());
        }
        let fresh = self.fetch(http).await?;
        let token = fresh.token.clone();
        *cached = Some(fresh);
        Ok(token)
    }

    /// Drops the cached token whatever it is: a download refused it, or refused a token that
    /// was issued with it, and downloads do not say which.
    pub(crate) async fn forget_cached(&self) {
        *self.cached.lock().await = None;
    }

    /// Drops the cached token if it is the one Zoom just rejected (another caller may already
    /// have replaced it).
    pub(crate) async fn forget(&self, rejected: &SecretString) {
        let mut cached = self.cached.lock().await;
        if cached.as_ref().is_some_and(|c| &c.token == rejected) {
            *cached = None;
        }
    }

    async fn fetch(&self, http: &reqwest::Client) -> Result<CachedToken, ZoomError> {
        let response = http
            .post(self.token_url.clone())
            .basic_auth(&self.client_id, Some(self.client_secret.expose()))
            .form(&[
                ("grant_type", "account_credentials"),
                ("account_id", self.account_id.as_str()),
            ])
            .send()
            .await
            .map_err(ZoomError::transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(ZoomError::transport)?;
        if !status.is_success() {
            return Err(match classify_failure(None, status, None, &body) {
                // The token endpoint says 400 or 401 for bad credentials: never worth a retry.
                ZoomError::Rejected { message, .. }
                | ZoomError::NotFound { message, .. }
                | ZoomError::MissingScope { message, .. } => ZoomError::Unauthorized { message },
                other => other,
            });
        }
        let answer: TokenAnswer =
            serde_json::from_slice(&body).map_err(|source| ZoomError::InvalidResponse {
                what: "the OAuth token request".into(),
                source,
            })?;
        let lifetime = Duration::from_secs(answer.expires_in);
        let renew_at = Instant::now() + lifetime - RENEW_BEFORE_EXPIRY.min(lifetime / 2);
        tracing::debug!(
            expires_in = answer.expires_in,
            "fetched a Zoom access token"
        );
        Ok(CachedToken {
            token: answer.access_token,
            renew_at,
        })
    }
}
