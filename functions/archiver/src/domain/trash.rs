//! What the trash step may move to Zoom's trash. Only files that are archived and verified in
//! S3 go; on an account whose Zoom trash is off, a trash call deletes for good, so a file the
//! archive does not hold (left out by a rule, not in the webhook, still processing) stays in
//! Zoom, and the archive records which stayed and why.

use chrono::{DateTime, Duration, Utc};
use regex::Regex;
use serde::{Deserialize, Serialize};

use super::RecordingFile;
use super::layout::MeetingFolder;
use super::rules::ArchiveRules;

/// A file the archive holds: what the table item lists (verified in S3 before the plan).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchivedCopy<'a> {
    pub file_id: Option<&'a str>,
    pub key: &'a str,
    pub size: u64,
}

/// Why a file Zoom holds was not moved to its trash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum KeptReason {
    /// The archive rules (`ARCHIVE_FILE_TYPES`) leave its type out.
    ExcludedByRule,
    /// Zoom did not list it when the recording was archived (a short webhook, a late file).
    NotArchived,
    /// Zoom is still processing it.
    Processing,
    /// Zoom gives it no id, and a single file can only be trashed by its id.
    NoFileId,
    /// The archived copy's size is not the size Zoom states now.
    DiffersFromArchive,
}

impl KeptReason {
    /// The stable name, as stored in the table.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ExcludedByRule => "excluded_by_rule",
            Self::NotArchived => "not_archived",
            Self::Processing => "processing",
            Self::NoFileId => "no_file_id",
            Self::DiffersFromArchive => "differs_from_archive",
        }
    }

    /// The name as stored, back.
    pub fn parse(name: &str) -> Option<Self> {
        [
            Self::ExcludedByRule,
            Self::NotArchived,
            Self::Processing,
            Self::NoFileId,
            Self::DiffersFromArchive,
        ]
        .into_iter()
        .find(|reason| reason.as_str() == name)
    }
}

/// A file left in Zoom by the trash step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptInZoom {
    #[serde(default)]
    pub file_id: Option<String>,
    #[serde(default)]
    pub file_type: Option<String>,
    #[serde(default)]
    pub recording_type: Option<String>,
    pub reason: KeptReason,
}

/// What to do with the instance's copy on Zoom.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrashPlan {
    /// Zoom holds no file any more: nothing to call.
    Nothing,
    /// Every file Zoom holds is archived: trash the instance.
    Instance,
    /// Trash these files by id, one by one; leave the others.
    Files {
        trash: Vec<String>,
        kept: Vec<KeptInZoom>,
    },
}

/// Decides from Zoom's current list of the instance's files (`listed`, in Zoom's order, which
/// the keys' fallback names rely on) and what the archive holds.
pub fn plan(
    listed: &[&RecordingFile],
    archived: &[ArchivedCopy<'_>],
    folder: &MeetingFolder,
    rules: &ArchiveRules,
) -> TrashPlan {
    if listed.is_empty() {
        return TrashPlan::Nothing;
    }
    let verdicts: Vec<(&RecordingFile, Result<(), KeptReason>)> = listed
        .iter()
        .enumerate()
        .map(|(index, file)| (*file, verdict(file, index, archived, folder, rules)))
        .collect();
    if verdicts.iter().all(|(_, verdict)| verdict.is_ok()) {
        return TrashPlan::Instance;
    }
    let mut trash = Vec::new();
    let mut kept = Vec::new();
    for (file, verdict) in verdicts {
        // An archived file without an id cannot be trashed alone: it stays too.
        match verdict.and(file.id.clone().ok_or(KeptReason::NoFileId)) {
            Ok(id) => trash.push(id),
            Err(reason) => kept.push(KeptInZoom {
                file_id: file.id.clone(),
                file_type: file.file_type.as_ref().map(|t| t.as_str().to_owned()),
                recording_type: file.recording_type.as_ref().map(|t| t.as_str().to_owned()),
                reason,
            }),
        }
    }
    TrashPlan::Files { trash, kept }
}

/// Whether the file is archived as Zoom holds it now, or why it stays.
fn verdict(
    file: &RecordingFile,
    index: usize,
    archived: &[ArchivedCopy<'_>],
    folder: &MeetingFolder,
    rules: &ArchiveRules,
) -> Result<(), KeptReason> {
    if file
        .status
        .as_deref()
        .is_some_and(|status| status.eq_ignore_ascii_case("processing"))
    {
        return Err(KeptReason::Processing);
    }
    let key = folder.media_key(file, index);
    let copy = archived.iter().find(|copy| match (&file.id, copy.file_id) {
        (Some(id), Some(archived_id)) => id == archived_id,
        _ => copy.key == key,
    });
    let Some(copy) = copy else {
        return Err(if rules.keeps_file(file) {
            KeptReason::NotArchived
        } else {
            KeptReason::ExcludedByRule
        });
    };
    if file.file_size.is_some_and(|size| size != copy.size) {
        return Err(KeptReason::DiffersFromArchive);
    }
    Ok(())
}

/// When the Zoom copy of an archived recording goes to Zoom's trash.
#[derive(Debug, Clone, Default)]
pub struct TrashPolicy {
    /// `TRASH_AFTER_ARCHIVE`: off, the Zoom copy is never trashed.
    pub enabled: bool,
    /// `TRASH_AFTER_DAYS`: 0 trashes right after the archive is verified; N leaves the copy in
    /// Zoom (and its sharing links working) for N days, then the daily scan trashes it.
    pub after_days: u32,
    /// `NEVER_TRASH_HOST_EMAILS`, lower-cased: these hosts' recordings stay in Zoom.
    pub never_host_emails: Vec<String>,
    /// `NEVER_TRASH_TOPIC_PATTERN`: recordings whose topic matches stay in Zoom.
    pub never_topic_pattern: Option<Regex>,
}

/// What the policy says for one archived recording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrashTiming {
    /// Trash now (re-verified first).
    Now,
    /// Not before `due`: the daily scan trashes it then.
    Later { due: DateTime<Utc> },
    /// Never; why, for the operator.
    Never { reason: String },
}

impl TrashPolicy {
    /// For a recording of `host_email` titled `topic`, archived at `archived_at`, at `now`.
    pub fn timing(
        &self,
        host_email: Option<&str>,
        topic: Option<&str>,
        archived_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> TrashTiming {
        if let Some(reason) = self.never_reason(host_email, topic) {
            return TrashTiming::Never { reason };
        }
        let due = archived_at + Duration::days(i64::from(self.after_days));
        if due <= now {
            TrashTiming::Now
        } else {
            TrashTiming::Later { due }
        }
    }

    /// Whether the ingest's own trash step trashes this recording (the late transcript waits
    /// for that step only then).
    pub fn trashes_at_archive(&self, host_email: Option<&str>, topic: Option<&str>) -> bool {
        self.after_days == 0 && self.never_reason(host_email, topic).is_none()
    }

    fn never_reason(&self, host_email: Option<&str>, topic: Option<&str>) -> Option<String> {
        if !self.enabled {
            return Some("TRASH_AFTER_ARCHIVE is off".into());
        }
        let host = host_email.unwrap_or_default().to_lowercase();
        if !host.is_empty() && self.never_host_emails.contains(&host) {
            return Some(format!("NEVER_TRASH_HOST_EMAILS lists the host {host}"));
        }
        match &self.never_topic_pattern {
            Some(pattern) if pattern.is_match(topic.unwrap_or_default()) => Some(format!(
                "the topic matches NEVER_TRASH_TOPIC_PATTERN {:?}",
                pattern.as_str()
            )),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(id: Option<&str>, file_type: &str, size: u64) -> RecordingFile {
        serde_json::from_value(serde_json::json!({
            "id": id, "file_type": file_type, "file_size": size,
            "download_url": "https://zoom.us/rec/download/x", "status": "completed"
        }))
        .expect("a file")
    }

    fn copies(files: &[(Option<&'static str>, &'static str, u64)]) -> Vec<ArchivedCopy<'static>> {
        files
            .iter()
            .map(|&(file_id, key, size)| ArchivedCopy { file_id, key, size })
            .collect()
    }

    fn folder() -> MeetingFolder {
        MeetingFolder::from_stored("recordings/f")
    }

    #[test]
    fn every_file_archived_trashes_the_instance() {
        let listed = [file(Some("a"), "MP4", 10), file(Some("b"), "CHAT", 3)];
        let archived = copies(&[
            (Some("a"), "recordings/f/a.mp4", 10),
            (Some("b"), "recordings/f/b.txt", 3),
        ]);
        let refs: Vec<&RecordingFile> = listed.iter().collect();
        assert_eq!(
            plan(&refs, &archived, &folder(), &ArchiveRules::default()),
            TrashPlan::Instance
        );
        assert_eq!(
            plan(&[], &archived, &folder(), &ArchiveRules::default()),
            TrashPlan::Nothing
        );
    }

    #[test]
    fn a_file_the_archive_lacks_stays_with_its_reason() {
        let mut processing = file(Some("p"), "TRANSCRIPT", 5);
        processing.status = Some("processing".into());
        let listed = [
            file(Some("a"), "MP4", 10),
            file(Some("chat"), "CHAT", 3),
            file(Some("tl"), "TIMELINE", 4),
            processing,
            file(Some("b"), "M4A", 7),
        ];
        let rules = ArchiveRules {
            file_types: vec![
                "MP4".into(),
                "M4A".into(),
                "CHAT".into(),
                "TRANSCRIPT".into(),
            ],
            ..ArchiveRules::default()
        };
        let archived = copies(&[(Some("a"), "k/a", 10), (Some("b"), "k/b", 6)]);
        let refs: Vec<&RecordingFile> = listed.iter().collect();
        let TrashPlan::Files { trash, kept } = plan(&refs, &archived, &folder(), &rules) else {
            panic!("some files stay");
        };
        assert_eq!(trash, ["a"]);
        let reasons: Vec<(Option<&str>, KeptReason)> = kept
            .iter()
            .map(|k| (k.file_id.as_deref(), k.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                (Some("chat"), KeptReason::NotArchived),
                (Some("tl"), KeptReason::ExcludedByRule),
                (Some("p"), KeptReason::Processing),
                (Some("b"), KeptReason::DiffersFromArchive),
            ]
        );
    }

    #[test]
    fn a_file_without_an_id_is_matched_by_its_key_and_cannot_be_trashed_alone() {
        let listed = [file(Some("a"), "MP4", 10), file(None, "TIMELINE", 4)];
        let timeline_key = folder().media_key(&listed[1], 1);
        let archived = vec![
            ArchivedCopy {
                file_id: Some("a"),
                key: "k/a",
                size: 10,
            },
            ArchivedCopy {
                file_id: None,
                key: &timeline_key,
                size: 4,
            },
        ];
        let refs: Vec<&RecordingFile> = listed.iter().collect();
        assert_eq!(
            plan(&refs, &archived, &folder(), &ArchiveRules::default()),
            TrashPlan::Instance,
            "archived by key: the instance can go"
        );
        let only_video = &archived[..1];
        let TrashPlan::Files { trash, kept } =
            plan(&refs, only_video, &folder(), &ArchiveRules::default())
        else {
            panic!("the timeline stays");
        };
        assert_eq!(trash, ["a"]);
        assert_eq!(kept[0].reason, KeptReason::NotArchived);
        // Archived without an id, beside a file that is not archived: it cannot go alone.
        let mut listed = listed.to_vec();
        listed.push(file(Some("late"), "TRANSCRIPT", 5));
        let refs: Vec<&RecordingFile> = listed.iter().collect();
        let TrashPlan::Files { trash, kept } =
            plan(&refs, &archived, &folder(), &ArchiveRules::default())
        else {
            panic!("the transcript stays");
        };
        assert_eq!(trash, ["a"]);
        let reasons: Vec<KeptReason> = kept.iter().map(|k| k.reason).collect();
        assert_eq!(reasons, [KeptReason::NoFileId, KeptReason::NotArchived]);
        assert_eq!(KeptReason::parse("no_file_id"), Some(KeptReason::NoFileId));
    }

    fn policy(after_days: u32) -> TrashPolicy {
        TrashPolicy {
            enabled: true,
            after_days,
            never_host_emails: vec!["keep@example.org".into()],
            never_topic_pattern: Some(Regex::new("(?i)board").expect("regex")),
        }
    }

    #[test]
    fn the_trash_waits_its_days_and_the_rules_keep_some_copies_for_good() {
        let archived = DateTime::parse_from_rfc3339("2026-11-01T10:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let timing = |policy: &TrashPolicy, host: &str, topic: &str, days: i64| {
            policy.timing(
                Some(host),
                Some(topic),
                archived,
                archived + Duration::days(days),
            )
        };
        assert_eq!(
            timing(&policy(0), "a@example.org", "Class", 0),
            TrashTiming::Now
        );
        assert_eq!(
            timing(&policy(7), "a@example.org", "Class", 6),
            TrashTiming::Later {
                due: archived + Duration::days(7)
            }
        );
        assert_eq!(
            timing(&policy(7), "a@example.org", "Class", 7),
            TrashTiming::Now
        );
        for (host, topic) in [
            ("Keep@Example.org", "Class"),
            ("a@example.org", "BOARD meeting"),
        ] {
            assert!(
                matches!(
                    timing(&policy(0), host, topic, 30),
                    TrashTiming::Never { .. }
                ),
                "{host} {topic}"
            );
            assert!(!policy(0).trashes_at_archive(Some(host), Some(topic)));
        }
        let off = TrashPolicy {
            enabled: false,
            ..policy(0)
        };
        assert!(matches!(
            timing(&off, "a@example.org", "Class", 30),
            TrashTiming::Never { .. }
        ));
        assert!(policy(0).trashes_at_archive(Some("a@example.org"), None));
        assert!(!policy(3).trashes_at_archive(Some("a@example.org"), None));
    }
}
