//! The listing windows of a scan: Zoom lists recordings between two dates at most one month
//! apart, so a longer scan is cut into windows of 28 days (within a month whatever the month),
//! newest first, each sharing its oldest day with the next so that no time-zone edge is missed.

use chrono::NaiveDate;

/// Days in one window (at most one month whatever the month).
pub const WINDOW_DAYS: i64 = 28;

/// One listing window, both dates included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

/// The windows that cover `start..=until`, newest first.
pub fn windows(start: NaiveDate, until: NaiveDate) -> Vec<Window> {
    let mut windows = Vec::new();
    let mut to = until;
    loop {
        let from = (to - chrono::Duration::days(WINDOW_DAYS)).max(start);
        windows.push(Window { from, to });
        if from <= start {
            return windows;
        }
        to = from;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Months;

    fn date(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap_or_default()
    }

    #[test]
    fn windows_cover_the_span_overlap_by_a_day_and_stay_within_a_month() {
        for (start, until) in [
            ("2026-09-01", "2026-12-01"),
            ("2026-01-30", "2026-03-31"),
            ("2024-02-01", "2024-03-01"),
            ("2026-11-30", "2026-12-01"),
        ] {
            let (start, until) = (date(start), date(until));
            let list = windows(start, until);
            assert_eq!(list[0].to, until);
            assert_eq!(list.last().map(|w| w.from), Some(start));
            for window in &list {
                assert!(window.from <= window.to);
                let limit = window.from.checked_add_months(Months::new(1));
                assert!(limit.is_some_and(|l| window.to <= l), "{window:?}");
            }
            for pair in list.windows(2) {
                assert_eq!(pair[1].to, pair[0].from, "one shared day");
            }
        }
        assert_eq!(windows(date("2026-01-01"), date("2026-01-01")).len(), 1);
    }
}
