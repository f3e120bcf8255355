//! What the operations functions (rebuild, retention, scan) share: their time budget.

use std::time::{Duration, Instant, SystemTime};

/// When to stop starting work and answer with a continuation: the Lambda's deadline minus
/// `margin` (at least a moment, so every call makes progress).
pub fn work_deadline(context: &lambda_runtime::Context, margin: Duration) -> Instant {
    let remaining = context
        .deadline()
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
        .saturating_sub(margin);
    Instant::now() + remaining.max(Duration::from_secs(1))
}
