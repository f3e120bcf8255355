//! What the functions that answer with continuations (retrieval, scan, rebuild, retention)
//! share: how long one call may work.

use std::time::{Duration, Instant, SystemTime};

/// When to stop starting work and answer with a continuation: the Lambda's deadline minus
/// `margin`, or `budget` from now if that comes first; at least a moment, so that every call
/// makes progress.
pub fn work_deadline(
    context: &lambda_runtime::Context,
    margin: Duration,
    budget: Option<Duration>,
) -> Instant {
    let now = Instant::now();
    let remaining = context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
        .saturating_sub(margin);
    let work = budget
        .map_or(remaining, |budget| remaining.min(budget))
        .max(Duration::from_secs(1));
    tracing::debug!(work_ms = work.as_millis() as u64, "call budget");
    now + work
}
