//! Which meetings and files are archived.

use regex::Regex;

use super::{FileType, MeetingRecordings, RecordingFile};

/// Which meetings and files are archived. Empty lists mean "all".
#[derive(Debug, Clone, Default)]
pub struct ArchiveRules {
    /// Lower-cased host emails; empty archives every host.
    pub host_emails: Vec<String>,
    /// Meetings whose topic matches are archived; `None` archives every topic.
    pub topic_pattern: Option<Regex>,
    /// Meetings shorter than this (minutes) are skipped.
    pub min_duration_minutes: i64,
    /// File types kept; empty keeps every type.
    pub file_types: Vec<FileType>,
}

/// Why a meeting is not archived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SkipReason {
    HostNotListed,
    TopicNotMatched,
    TooShort,
    NoFileToKeep,
}

impl SkipReason {
    /// A short, stable label for logs and answers.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::HostNotListed => "host_not_listed",
            Self::TopicNotMatched => "topic_not_matched",
            Self::TooShort => "too_short",
            Self::NoFileToKeep => "no_file_to_keep",
        }
    }
}

impl ArchiveRules {
    /// Whether a file's type is kept.
    pub fn keeps_file(&self, file: &RecordingFile) -> bool {
        self.file_types.is_empty()
            || file
                .file_type
                .as_ref()
                .is_some_and(|kind| self.file_types.contains(kind))
    }

    /// The files to archive, or why the meeting is skipped.
    pub fn select<'a>(
        &self,
        meeting: &'a MeetingRecordings,
    ) -> Result<Vec<&'a RecordingFile>, SkipReason> {
        if !self.host_emails.is_empty() {
            let host = meeting
                .host_email
                .as_deref()
                .unwrap_or_default()
                .to_lowercase();
            if !self.host_emails.contains(&host) {
                return Err(SkipReason::HostNotListed);
            }
        }
        if let Some(pattern) = &self.topic_pattern {
            if !pattern.is_match(meeting.topic.as_deref().unwrap_or_default()) {
                return Err(SkipReason::TopicNotMatched);
            }
        }
        // A meeting whose duration Zoom does not state is archived: unknown is not short.
        if meeting
            .duration
            .is_some_and(|minutes| minutes < self.min_duration_minutes)
        {
            return Err(SkipReason::TooShort);
        }
        // A file without a download URL cannot be copied from this listing; it stays in Zoom
        // (the trash step leaves whatever the archive does not hold).
        let files: Vec<_> = meeting
            .all_files()
            .filter(|f| self.keeps_file(f) && f.is_downloadable())
            .collect();
        if files.is_empty() {
            return Err(SkipReason::NoFileToKeep);
        }
        Ok(files)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> MeetingRecordings {
        serde_json::from_value(serde_json::json!({
            "uuid": "u==", "id": 1, "host_email": "Alice@Example.org", "topic": "Board meeting",
            "duration": 30,
            "recording_files": [
                {"file_type": "MP4", "download_url": "https://x/1"},
                {"file_type": "CHAT", "download_url": "https://x/2"},
                {"download_url": "https://x/3"}
            ]
        }))
        .expect("valid")
    }

    #[test]
    fn empty_rules_keep_everything() {
        assert_eq!(
            ArchiveRules::default().select(&meeting()).map(|f| f.len()),
            Ok(3)
        );
    }

    #[test]
    fn each_rule_can_skip_a_meeting() {
        let host = ArchiveRules {
            host_emails: vec!["bob@example.org".into()],
            ..Default::default()
        };
        assert_eq!(
            host.select(&meeting()).err(),
            Some(SkipReason::HostNotListed)
        );
        let host_ok = ArchiveRules {
            host_emails: vec!["alice@example.org".into()],
            ..Default::default()
        };
        assert!(
            host_ok.select(&meeting()).is_ok(),
            "emails compare case-insensitively"
        );

        let topic = ArchiveRules {
            topic_pattern: Regex::new("^Course").ok(),
            ..Default::default()
        };
        assert_eq!(
            topic.select(&meeting()).err(),
            Some(SkipReason::TopicNotMatched)
        );

        let long = ArchiveRules {
            min_duration_minutes: 31,
            ..Default::default()
        };
        assert_eq!(long.select(&meeting()).err(), Some(SkipReason::TooShort));

        let types = ArchiveRules {
            file_types: vec![FileType::Transcript],
            ..Default::default()
        };
        assert_eq!(
            types.select(&meeting()).err(),
            Some(SkipReason::NoFileToKeep)
        );
    }

    #[test]
    fn file_types_filter_files_and_untyped_files_only_pass_without_a_filter() {
        let rules = ArchiveRules {
            file_types: vec![FileType::Mp4, FileType::Chat],
            ..Default::default()
        };
        let kept: Vec<_> = rules
            .select(&meeting())
            .expect("kept")
            .iter()
            .map(|f| f.download_url.clone())
            .collect();
        assert_eq!(kept, ["https://x/1", "https://x/2"]);
    }
}
