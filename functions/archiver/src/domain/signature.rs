//! Zoom's webhook signature: `x-zm-signature: v0=hex(HMAC-SHA256(secret, "v0:{ts}:{raw body}"))`
//! with `x-zm-request-timestamp` in Unix seconds, and the `endpoint.url_validation` answer.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::SecretString;

/// Why a request is not from Zoom (all answered 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no x-zm-signature header")]
    MissingSignature,
    #[error("no x-zm-request-timestamp header")]
    MissingTimestamp,
    #[error("x-zm-request-timestamp is not a number of seconds")]
    MalformedTimestamp,
    #[error("x-zm-request-timestamp is outside the accepted window")]
    StaleTimestamp,
    #[error("x-zm-signature is not a v0 hex signature")]
    MalformedSignature,
    #[error("x-zm-signature does not match the body")]
    Mismatch,
}

fn mac(secret: &SecretString) -> Hmac<Sha256> {
    // HMAC accepts keys of any length, so this cannot fail.
    Hmac::<Sha256>::new_from_slice(secret.expose().as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC-SHA256 takes keys of any length"))
}

/// Checks a request's signature over its raw body bytes, in constant time, and that its
/// timestamp is within `tolerance_seconds` of `now_seconds` (either direction).
pub fn verify_signature(
    secret: &SecretString,
    timestamp_header: Option<&str>,
    signature_header: Option<&str>,
    raw_body: &[u8],
    now_seconds: i64,
    tolerance_seconds: i64,
) -> Result<(), SignatureError> {
    let signature = signature_header.ok_or(SignatureError::MissingSignature)?;
    let timestamp = timestamp_header.ok_or(SignatureError::MissingTimestamp)?;
    let seconds: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::MalformedTimestamp)?;
    if now_seconds.abs_diff(seconds) > tolerance_seconds.unsigned_abs() {
        return Err(SignatureError::StaleTimestamp);
    }
    let provided = signature
        .trim()
        .strip_prefix("v0=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(SignatureError::MalformedSignature)?;
    let mut mac = mac(secret);
    mac.update(b"v0:");
    mac.update(timestamp.trim().as_bytes());
    mac.update(b":");
    mac.update(raw_body);
    mac.verify_slice(&provided)
        .map_err(|_| SignatureError::Mismatch)
}

/// The `encryptedToken` Zoom expects for a `plainToken`: `hex(HMAC-SHA256(secret, plainToken))`.
pub fn url_validation_token(secret: &SecretString, plain_token: &str) -> String {
    let mut mac = mac(secret);
    mac.update(plain_token.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_740_576_802;

    fn secret() -> SecretString {
        SecretString::new("whsec-test")
    }

    /// The signature of `body` at `ts`, computed with the `sha2` primitive directly (RFC 2104
    /// HMAC by hand), independent of the `hmac` crate the code under test uses.
    fn reference_signature(key: &[u8], ts: i64, body: &[u8]) -> String {
        use sha2::Digest;
        let mut block = [0u8; 64];
        block[..key.len()].copy_from_slice(key);
        let inner_pad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let outer_pad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let message = [format!("v0:{ts}:").as_bytes(), body].concat();
        let inner = Sha256::new()
            .chain_update(&inner_pad)
            .chain_update(&message)
            .finalize();
        let outer = Sha256::new()
            .chain_update(&outer_pad)
            .chain_update(inner)
            .finalize();
        format!("v0={}", hex::encode(outer))
    }

    #[test]
    fn a_zoom_signature_over_the_raw_bytes_verifies() {
        // Key order and whitespace are Zoom's: a re-serialized body would not verify.
        let body = br#"{"event":"recording.completed","payload":{"object":{"uuid":"a=="}} , "event_ts":1}"#;
        let signature = reference_signature(b"whsec-test", NOW, body);
        let ts = NOW.to_string();
        assert_eq!(
            verify_signature(&secret(), Some(&ts), Some(&signature), body, NOW, 300),
            Ok(())
        );
        let reserialized =
            serde_json::to_vec(&serde_json::from_slice::<serde_json::Value>(body).unwrap())
                .unwrap();
        assert_eq!(
            verify_signature(
                &secret(),
                Some(&ts),
                Some(&signature),
                &reserialized,
                NOW,
                300
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn every_way_of_being_wrong_is_refused() {
        let body = b"{}";
        let good = reference_signature(b"whsec-test", NOW, body);
        let ts = NOW.to_string();
        let forged = reference_signature(b"other-secret", NOW, body);
        let cases: [(Option<&str>, Option<&str>, i64, SignatureError); 7] = [
            (Some(&ts), None, NOW, SignatureError::MissingSignature),
            (None, Some(&good), NOW, SignatureError::MissingTimestamp),
            (
                Some("soon"),
                Some(&good),
                NOW,
                SignatureError::MalformedTimestamp,
            ),
            (
                Some(&ts),
                Some(&good),
                NOW + 301,
                SignatureError::StaleTimestamp,
            ),
            (
                Some(&ts),
                Some(&good),
                NOW - 301,
                SignatureError::StaleTimestamp,
            ),
            (
                Some(&ts),
                Some("v1=abcd"),
                NOW,
                SignatureError::MalformedSignature,
            ),
            (Some(&ts), Some(&forged), NOW, SignatureError::Mismatch),
        ];
        for (timestamp, signature, now, expected) in cases {
            assert_eq!(
                verify_signature(&secret(), timestamp, signature, body, now, 300),
                Err(expected)
            );
        }
        let signed_for_other_time = reference_signature(b"whsec-test", NOW - 1, body);
        assert_eq!(
            verify_signature(
                &secret(),
                Some(&ts),
                Some(&signed_for_other_time),
                body,
                NOW,
                300
            ),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn the_url_validation_token_is_the_hmac_of_the_plain_token() {
        // A plainToken and secret token shaped like Zoom's; the expected encryptedToken is
        // computed with the independent reference HMAC.
        let plain = "qgg8vlvZRS6UYooatFL8Aw";
        let secret = SecretString::new("fYjTgQB4S5W1eTBlwvuB0A");
        let expected = {
            use sha2::Digest;
            let mut block = [0u8; 64];
            block[..22].copy_from_slice(b"fYjTgQB4S5W1eTBlwvuB0A");
            let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
            let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
            let inner = Sha256::new()
                .chain_update(&ipad)
                .chain_update(plain)
                .finalize();
            hex::encode(
                Sha256::new()
                    .chain_update(&opad)
                    .chain_update(inner)
                    .finalize(),
            )
        };
        assert_eq!(url_validation_token(&secret, plain), expected);
    }
}
