use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A string that must never reach a log line: tokens, passwords, passcodes, client secrets.
///
/// `Debug` and `Display` print a fixed placeholder; the value is read only through
/// [`SecretString::expose`], so every place that uses a secret is easy to find.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself, for the one place that has to send it somewhere.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString([redacted])")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl<'de> Deserialize<'de> for SecretString {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(Self)
    }
}

/// Serializes as the placeholder, so a model that holds a secret cannot write it out by accident.
impl Serialize for SecretString {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str("[redacted]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_prints_or_serializes_the_value() {
        let secret = SecretString::new("eyJhbGciOi.secret");
        assert!(!format!("{secret:?} {secret}").contains("eyJ"));
        let json = serde_json::to_string(&secret).unwrap_or_default();
        assert!(!json.contains("eyJ"), "{json}");
        assert_eq!(secret.expose(), "eyJhbGciOi.secret");
    }
}
