//! After the faults: what a user relies on, checked for every recording from the outside (the
//! S3 server directly, not through the proxy; the table; zoom-sim's trash log).

use std::collections::BTreeSet;
use std::path::PathBuf;

use anyhow::Context;
use archiver::bucket::Bucket;
use archiver::domain::MeetingUuid;
use archiver::domain::layout::{
    MEETING_FILE, PARTICIPANTS_FILE, PAST_MEETING_FILE, RECORDING_DOCUMENT_FILE, WEBHOOK_FILE,
};
use archiver::domain::status::RecordingStatus;
use archiver::table::{RecordingItem, RecordingsTable};
use serde::Serialize;
use sha2::{Digest, Sha256};
use zoom_sim::scenario::MeetingInstance;
use zoom_sim::{Sim, TrashRecord};

use crate::plan::{Trouble, files_of};

/// The archive as the checks see it.
#[derive(Debug, Clone)]
pub struct Archive {
    pub s3: aws_sdk_s3::Client,
    pub bucket: Bucket,
    pub table: RecordingsTable,
    /// s3s-fs's data directory, where open multipart uploads leave files.
    pub s3_data_dir: PathBuf,
}

/// The verdict on one recording.
#[derive(Debug, Clone, Serialize)]
pub struct RecordingCheck {
    pub uuid: String,
    pub trouble: Trouble,
    pub execution: String,
    pub item_status: Option<String>,
    pub folder: Option<String>,
    pub files: usize,
    pub verified: usize,
    /// Files not in S3 byte-identical, with the reason.
    pub lost: Vec<String>,
    /// Objects or actions beyond one of each: keys nobody listed, a second trash call.
    pub duplicated: Vec<String>,
    /// Zoom's copy trashed although the archive is not complete and identical.
    pub wrongly_trashed: bool,
    pub trashed: bool,
    /// `Retrieve file` calls beyond one per file (continuations and retries of whole calls).
    pub extra_retrieve_calls: usize,
}

/// What Zoom's trash log says of one instance: which files went to the trash (a whole-instance
/// call takes them all; a per-file call one), and every trash of a file already in the trash
/// since the last recovery (a second copy's trash, or one call too many).
#[derive(Debug, Default)]
struct TrashVerdict {
    trashed: BTreeSet<String>,
    repeated: Vec<String>,
}

impl TrashVerdict {
    fn of(log: &[TrashRecord], all_files: &[&str]) -> Self {
        let mut verdict = Self::default();
        let mut in_trash = BTreeSet::new();
        for record in log {
            let files: Vec<String> = match &record.file_id {
                Some(id) => vec![id.clone()],
                None => all_files.iter().map(|id| (*id).to_owned()).collect(),
            };
            match record.action.as_str() {
                "trash" | "delete" => {
                    for id in files {
                        if !in_trash.insert(id.clone()) {
                            verdict
                                .repeated
                                .push(format!("{id} trashed again while in Zoom's trash"));
                        }
                        verdict.trashed.insert(id);
                    }
                }
                "recover" => files.iter().for_each(|id| {
                    in_trash.remove(id);
                }),
                _ => {}
            }
        }
        verdict
    }
}

/// Names the pipeline writes beside the media in a recording's folder.
const METADATA_FILES: [&str; 5] = [
    WEBHOOK_FILE,
    PAST_MEETING_FILE,
    MEETING_FILE,
    PARTICIPANTS_FILE,
    RECORDING_DOCUMENT_FILE,
];

impl Archive {
    /// Checks one recording: every file byte-identical under the key its item names, nothing
    /// else in its folder, at most one trash call and only for a complete archive.
    pub async fn check(
        &self,
        sim: &Sim,
        meeting: &MeetingInstance,
        trouble: Trouble,
        execution: String,
        retrieve_calls: usize,
    ) -> anyhow::Result<RecordingCheck> {
        let uuid = MeetingUuid::parse(&meeting.uuid)
            .map_err(|e| anyhow::anyhow!("uuid {}: {e}", meeting.uuid))?;
        let item = self.table.get(&uuid).await?;
        let files = files_of(meeting);
        let log: Vec<TrashRecord> = sim
            .trash_log()
            .into_iter()
            .filter(|r| r.meeting_uuid == meeting.uuid)
            .collect();
        let all_ids: Vec<&str> = files.iter().map(|f| f.id.as_str()).collect();
        let trash = TrashVerdict::of(&log, &all_ids);
        let mut check = RecordingCheck {
            uuid: meeting.uuid.clone(),
            trouble,
            execution,
            item_status: item.as_ref().map(|i| i.status.as_str().to_owned()),
            folder: item.as_ref().map(|i| i.folder.clone()),
            files: files.len(),
            verified: 0,
            lost: Vec::new(),
            duplicated: Vec::new(),
            wrongly_trashed: false,
            trashed: !trash.trashed.is_empty(),
            extra_retrieve_calls: retrieve_calls.saturating_sub(files.len()),
        };
        let archived = item.as_ref().filter(|i| {
            matches!(
                i.status,
                RecordingStatus::Archived | RecordingStatus::Trashed
            )
        });
        let mut verified = BTreeSet::new();
        match archived {
            None => {
                check.lost = files
                    .iter()
                    .map(|f| format!("{}: not archived", f.id))
                    .collect();
            }
            Some(item) => {
                for file in &files {
                    match self.file_verdict(sim, item, &file.id).await? {
                        None => {
                            verified.insert(file.id.as_str());
                        }
                        Some(problem) => check.lost.push(format!("{}: {problem}", file.id)),
                    }
                }
                check.duplicated = self.unexpected_keys(item).await?;
            }
        }
        check.verified = verified.len();
        check.duplicated.extend(trash.repeated);
        check.wrongly_trashed = trash
            .trashed
            .iter()
            .any(|id| !verified.contains(id.as_str()));
        Ok(check)
    }

    /// `None` when the file is in S3 under the item's key with the size and SHA-256 zoom-sim
    /// serves; otherwise what is wrong.
    async fn file_verdict(
        &self,
        sim: &Sim,
        item: &RecordingItem,
        file_id: &str,
    ) -> anyhow::Result<Option<String>> {
        let expected = sim
            .file_info(file_id)
            .with_context(|| format!("zoom-sim does not know file {file_id}"))?;
        let Some(archived) = item
            .files
            .iter()
            .find(|f| f.file_id.as_deref() == Some(file_id))
        else {
            return Ok(Some("not in the item".into()));
        };
        let Some((size, sha256)) = self.object_sha256(&archived.key).await? else {
            return Ok(Some(format!("{} is missing", archived.key)));
        };
        if (size, sha256.as_str()) != (expected.size, expected.sha256.as_str()) {
            return Ok(Some(format!(
                "{} holds {size} bytes with SHA-256 {sha256}, Zoom's has {} bytes, {}",
                archived.key, expected.size, expected.sha256
            )));
        }
        Ok(None)
    }

    /// Size and SHA-256 of an object, streamed; `None` if it does not exist.
    async fn object_sha256(&self, key: &str) -> anyhow::Result<Option<(u64, String)>> {
        let answer = self
            .s3
            .get_object()
            .bucket(self.bucket.name())
            .key(key)
            .send()
            .await;
        let mut object = match answer {
            Ok(object) => object,
            Err(error) if error.as_service_error().is_some_and(|e| e.is_no_such_key()) => {
                return Ok(None);
            }
            Err(error) => return Err(anyhow::anyhow!("GetObject {key}: {error:?}")),
        };
        let mut hasher = Sha256::new();
        let mut size = 0;
        while let Some(chunk) = object.body.next().await {
            let chunk = chunk.with_context(|| format!("reading {key}"))?;
            size += chunk.len() as u64;
            hasher.update(&chunk);
        }
        Ok(Some((size, hex::encode(hasher.finalize()))))
    }

    /// Keys in the recording's folder that neither the item's files nor the metadata explain.
    async fn unexpected_keys(&self, item: &RecordingItem) -> anyhow::Result<Vec<String>> {
        let expected: BTreeSet<String> = item
            .files
            .iter()
            .map(|f| f.key.clone())
            .chain(
                METADATA_FILES
                    .iter()
                    .map(|name| format!("{}/{name}", item.folder)),
            )
            .collect();
        let stored = self.bucket.list_all(&format!("{}/", item.folder)).await?;
        Ok(stored
            .into_iter()
            .filter(|key| !expected.contains(key))
            .map(|key| format!("unexpected object {key}"))
            .collect())
    }

    /// Every key in the bucket, to tell afterwards which objects the run added.
    pub async fn all_keys(&self) -> anyhow::Result<BTreeSet<String>> {
        Ok(self.bucket.list_all("").await?.into_iter().collect())
    }

    /// The files s3s-fs keeps for multipart uploads neither completed nor aborted.
    pub fn open_uploads(&self) -> BTreeSet<String> {
        archive_testkit::local_stack::open_uploads(&self.s3_data_dir)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(file_id: Option<&str>, action: &str) -> TrashRecord {
        TrashRecord {
            meeting_uuid: "m".into(),
            file_id: file_id.map(str::to_owned),
            action: action.into(),
        }
    }

    #[test]
    fn per_file_trash_a_recovery_and_a_whole_trash_are_each_file_once() {
        let log = [
            record(Some("video"), "trash"),
            record(None, "recover"),
            record(None, "trash"),
        ];
        let verdict = TrashVerdict::of(&log, &["video", "chat"]);
        assert_eq!(
            verdict.trashed,
            BTreeSet::from(["video".into(), "chat".into()])
        );
        assert!(verdict.repeated.is_empty(), "{:?}", verdict.repeated);
    }

    #[test]
    fn a_second_trash_without_a_recovery_is_a_duplicate() {
        let log = [record(Some("video"), "trash"), record(None, "trash")];
        let verdict = TrashVerdict::of(&log, &["video", "chat"]);
        assert_eq!(verdict.repeated.len(), 1, "{:?}", verdict.repeated);
        assert!(TrashVerdict::of(&[], &["video"]).trashed.is_empty());
    }
}
