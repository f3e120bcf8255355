//! Zoom's per-second rate limits by label (Light, Medium, Heavy), as token buckets.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// Zoom's rate-limit labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Label {
    Light,
    Medium,
    Heavy,
}

/// Requests per second per label; `None` is unlimited.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize)]
pub struct RateLimits {
    pub light: Option<f64>,
    pub medium: Option<f64>,
    pub heavy: Option<f64>,
}

impl RateLimits {
    /// Zoom's Free-plan per-second limits (Light 4/s, Medium 2/s, Heavy 1/s).
    pub fn free_plan() -> Self {
        Self {
            light: Some(4.0),
            medium: Some(2.0),
            heavy: Some(1.0),
        }
    }

    fn per_second(&self, label: Label) -> Option<f64> {
        match label {
            Label::Light => self.light,
            Label::Medium => self.medium,
            Label::Heavy => self.heavy,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    refilled_at: Instant,
}

/// One bucket per label, holding at most one second's worth of requests.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    buckets: [Option<Bucket>; 3],
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self {
            limits,
            buckets: [None; 3],
        }
    }

    pub fn limits(&self) -> RateLimits {
        self.limits
    }

    pub fn set_limits(&mut self, limits: RateLimits) {
        *self = Self::new(limits);
    }

    /// True if a request of `label` may go through now (and counts it).
    pub fn admit(&mut self, label: Label) -> bool {
        let Some(rate) = self.limits.per_second(label) else {
            return true;
        };
        let now = Instant::now();
        let slot = &mut self.buckets[label as usize];
        let bucket = slot.get_or_insert(Bucket {
            tokens: rate,
            refilled_at: now,
        });
        let elapsed = now.duration_since(bucket.refilled_at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate).min(rate.max(1.0));
        bucket.refilled_at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_over_the_limit_is_refused() {
        let mut limiter = RateLimiter::new(RateLimits {
            medium: Some(2.0),
            ..RateLimits::default()
        });
        let admitted = (0..10).filter(|_| limiter.admit(Label::Medium)).count();
        assert_eq!(admitted, 2);
        assert!(
            (0..100).all(|_| limiter.admit(Label::Light)),
            "Light is unlimited here"
        );
    }
}
