//! Logging set-up shared by every binary: JSON lines on Lambda (CloudWatch parses them),
//! human-readable text elsewhere. Filter with `RUST_LOG` (default `info`).

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber once; later calls are ignored.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let on_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let result = if on_lambda {
        builder
            .json()
            .flatten_event(true)
            .without_time() // CloudWatch stamps every line itself
            .try_init()
    } else {
        builder.try_init()
    };
    // Already installed (tests, or a second call): keep the first one.
    drop(result);
}
