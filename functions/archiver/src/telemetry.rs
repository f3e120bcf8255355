//! Logging set-up shared by every binary, with Lambda's own controls, as `lambda_runtime`'s
//! default subscriber reads them: `AWS_LAMBDA_LOG_FORMAT` (`JSON` or `Text`, the function's
//! logging configuration) and `AWS_LAMBDA_LOG_LEVEL` (its application log level). `RUST_LOG`,
//! when set, wins over the level (it can filter per module). Without them: JSON lines on
//! Lambda (CloudWatch parses them), human-readable text elsewhere, level `info`.

use tracing_subscriber::EnvFilter;

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// One JSON object per line, the event's fields flattened into it.
    Json,
    /// Human-readable lines.
    Text,
}

/// What the environment asks for: the filter directive and the format.
pub fn choice(lookup: impl Fn(&str) -> Option<String>) -> (String, LogFormat) {
    let filter = lookup("RUST_LOG")
        .filter(|directive| !directive.trim().is_empty())
        .or_else(|| lookup("AWS_LAMBDA_LOG_LEVEL").and_then(|level| lambda_level(&level)))
        .unwrap_or_else(|| "info".to_owned());
    let format = match lookup("AWS_LAMBDA_LOG_FORMAT").map(|f| f.to_ascii_uppercase()) {
        Some(format) if format == "JSON" => LogFormat::Json,
        Some(format) if format == "TEXT" => LogFormat::Text,
        _ if lookup("AWS_LAMBDA_FUNCTION_NAME").is_some() => LogFormat::Json,
        _ => LogFormat::Text,
    };
    (filter, format)
}

/// Lambda's application log levels as a tracing directive (`FATAL` is tracing's `error`).
fn lambda_level(level: &str) -> Option<String> {
    let level = match level.trim().to_ascii_uppercase().as_str() {
        "TRACE" => "trace",
        "DEBUG" => "debug",
        "INFO" => "info",
        "WARN" => "warn",
        "ERROR" | "FATAL" => "error",
        _ => return None,
    };
    Some(level.to_owned())
}

/// Installs the global subscriber once; later calls are ignored.
pub fn init() {
    let (directive, format) = choice(|name| std::env::var(name).ok());
    let filter = EnvFilter::try_new(&directive).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = match format {
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .without_time() // CloudWatch stamps every line itself
            .try_init(),
        LogFormat::Text => builder.try_init(),
    };
    // Already installed (tests, or a second call): keep the first one.
    drop(result);
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> (String, LogFormat) {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        choice(|name| vars.get(name).cloned())
    }

    #[test]
    fn lambda_s_log_controls_are_honoured_and_rust_log_wins_over_the_level() {
        assert_eq!(with(&[]), ("info".into(), LogFormat::Text));
        assert_eq!(
            with(&[("AWS_LAMBDA_FUNCTION_NAME", "f")]),
            ("info".into(), LogFormat::Json)
        );
        assert_eq!(
            with(&[
                ("AWS_LAMBDA_FUNCTION_NAME", "f"),
                ("AWS_LAMBDA_LOG_FORMAT", "Text"),
                ("AWS_LAMBDA_LOG_LEVEL", "DEBUG"),
            ]),
            ("debug".into(), LogFormat::Text)
        );
        assert_eq!(
            with(&[
                ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
                ("AWS_LAMBDA_LOG_LEVEL", "FATAL")
            ]),
            ("error".into(), LogFormat::Json)
        );
        assert_eq!(
            with(&[
                ("AWS_LAMBDA_LOG_LEVEL", "WARN"),
                ("RUST_LOG", "archiver=trace")
            ]),
            ("archiver=trace".into(), LogFormat::Text)
        );
        assert_eq!(
            with(&[("AWS_LAMBDA_LOG_LEVEL", "loud")]).0,
            "info",
            "an unknown level is the default"
        );
    }
}
