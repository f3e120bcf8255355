//! Retention: whether an archived recording has reached the end of its life.
//!
//! A recording's own `disposition` (in its document) wins over the global policy; without
//! either, nothing is ever deleted. The global policy counts from the meeting's start.

use chrono::{DateTime, Duration, Utc};

use super::document::Disposition;

/// What retention decides for one recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Keep { reason: String },
    Expire { reason: String },
}

impl Verdict {
    pub fn expires(&self) -> bool {
        matches!(self, Self::Expire { .. })
    }

    pub fn reason(&self) -> &str {
        match self {
            Self::Keep { reason } | Self::Expire { reason } => reason,
        }
    }
}

/// The global policy: keep recordings this many days after they started; `None`: forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    pub days: Option<u32>,
}

impl RetentionPolicy {
    /// The verdict for a recording that started at `start_time` with `disposition`, at `now`.
    pub fn verdict(
        &self,
        disposition: Option<&Disposition>,
        start_time: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> Verdict {
        match disposition {
            Some(Disposition::KeepForever) => Verdict::Keep {
                reason: "its disposition is keep_forever".into(),
            },
            Some(Disposition::DeleteAfter { at }) if *at <= now => Verdict::Expire {
                reason: format!("its disposition deletes it after {}", at.to_rfc3339()),
            },
            Some(Disposition::DeleteAfter { at }) => Verdict::Keep {
                reason: format!("its disposition keeps it until {}", at.to_rfc3339()),
            },
            None => self.global_verdict(start_time, now),
        }
    }

    fn global_verdict(&self, start_time: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Verdict {
        let Some(days) = self.days else {
            return Verdict::Keep {
                reason: "no retention policy applies (RETENTION_DAYS unset, no disposition)".into(),
            };
        };
        let Some(start) = start_time else {
            return Verdict::Keep {
                reason: "its start time is unknown".into(),
            };
        };
        let end = start + Duration::days(i64::from(days));
        if end <= now {
            Verdict::Expire {
                reason: format!(
                    "started {}, over the {days}-day retention",
                    start.to_rfc3339()
                ),
            }
        } else {
            Verdict::Keep {
                reason: format!("within the {days}-day retention until {}", end.to_rfc3339()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, day, 0, 0, 0)
            .single()
            .unwrap_or_default()
    }

    #[test]
    fn no_policy_means_no_deletion() {
        let none = RetentionPolicy { days: None };
        assert!(!none.verdict(None, Some(at(1)), at(31)).expires());
    }

    #[test]
    fn the_global_policy_counts_from_the_start() {
        let policy = RetentionPolicy { days: Some(10) };
        assert!(policy.verdict(None, Some(at(1)), at(11)).expires());
        assert!(!policy.verdict(None, Some(at(2)), at(11)).expires());
        assert!(
            !policy.verdict(None, None, at(31)).expires(),
            "unknown start"
        );
    }

    #[test]
    fn a_disposition_wins_over_the_global_policy() {
        let policy = RetentionPolicy { days: Some(10) };
        let forever = Disposition::KeepForever;
        assert!(
            !policy
                .verdict(Some(&forever), Some(at(1)), at(31))
                .expires()
        );
        let later = Disposition::DeleteAfter { at: at(20) };
        assert!(!policy.verdict(Some(&later), Some(at(1)), at(19)).expires());
        assert!(policy.verdict(Some(&later), Some(at(1)), at(20)).expires());
        let none = RetentionPolicy { days: None };
        assert!(none.verdict(Some(&later), None, at(21)).expires());
    }
}
