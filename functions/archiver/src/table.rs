//! The recordings table (DynamoDB): one item per meeting instance, keyed by its uuid, with
//! status changes as conditional writes so that no re-run, duplicate or race can downgrade an
//! archived recording or trash one that is not archived.
//!
//! Indexes: `by-start-month` (`start_month`, `start_time`) for scans and retention, and
//! `by-host` (`host_email`, `start_time`).

use crate::errors::ErrorName;
use std::collections::HashMap;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, GlobalSecondaryIndex, KeySchemaElement,
    KeyType, KeysAndAttributes, Projection, ProjectionType, ScalarAttributeType,
};
use chrono::{DateTime, SecondsFormat, Utc};

use crate::domain::MeetingUuid;
use crate::domain::document::{Disposition, RecordingDocument};
use crate::domain::status::RecordingStatus;
use crate::domain::trash::{KeptInZoom, KeptReason};
use crate::domain::zoom_change::ZoomChange;

/// Rounds of a batch read DynamoDB may leave keys unprocessed (throttling) before giving up:
/// about 25 s of backoff in all.
const MAX_UNPROCESSED_ATTEMPTS: u32 = 10;

/// Index of items by the month they started in.
pub const BY_START_MONTH_INDEX: &str = "by-start-month";
/// Index of items by host.
pub const BY_HOST_INDEX: &str = "by-host";

/// One archived file, as the table lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchivedFile {
    pub file_id: Option<String>,
    pub file_type: Option<String>,
    pub key: String,
    pub size: u64,
    pub content_type: String,
    pub checksum_sha256: Option<String>,
}

/// Why an ingest failed, as recorded for the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IngestFailure {
    pub error_type: String,
    pub message: String,
}

/// One meeting instance in the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingItem {
    pub meeting_uuid: MeetingUuid,
    pub status: RecordingStatus,
    pub meeting_id: i64,
    pub topic: Option<String>,
    pub host_email: Option<String>,
    pub start_time: Option<DateTime<Utc>>,
    /// The meeting's S3 folder.
    pub folder: String,
    pub document_key: Option<String>,
    pub files: Vec<ArchivedFile>,
    pub execution_arn: Option<String>,
    pub failure: Option<IngestFailure>,
    /// The document's retention, copied here so retention reads the table, not every document.
    pub disposition: Option<Disposition>,
    /// Files the trash step left in Zoom, and why.
    pub kept_in_zoom: Vec<KeptInZoom>,
    /// What Zoom said happened to its copy (see the document's `zoom_changes`).
    pub zoom_changes: Vec<ZoomChange>,
    pub updated_at: DateTime<Utc>,
}

impl RecordingItem {
    /// The item a recording document stands for, with `status`.
    pub fn from_document(
        document: &RecordingDocument,
        document_key: &str,
        status: RecordingStatus,
    ) -> Self {
        Self {
            meeting_uuid: document.meeting.uuid.clone(),
            status,
            meeting_id: document.meeting.id,
            topic: document.meeting.topic.clone(),
            host_email: document.meeting.host_email.clone(),
            start_time: document.meeting.start_time,
            folder: document.folder.clone(),
            document_key: Some(document_key.to_owned()),
            files: document
                .files
                .iter()
                .map(|file| ArchivedFile {
                    file_id: file.file_id.clone(),
                    file_type: file.file_type.clone(),
                    key: file.key.clone(),
                    size: file.size,
                    content_type: file.content_type.clone(),
                    checksum_sha256: file.checksum_sha256.clone(),
                })
                .collect(),
            execution_arn: document.execution_arn.clone(),
            failure: None,
            disposition: document.disposition.clone(),
            kept_in_zoom: document.kept_in_zoom.clone(),
            zoom_changes: document.zoom_changes.clone(),
            updated_at: Utc::now(),
        }
    }
}

impl RecordingItem {
    /// Files the trash step left in Zoom that belong in the archive (not listed when it was
    /// archived, still processing then, or changed since), one problem each: a manual re-run
    /// copies them. Files a rule leaves out are not among them.
    pub fn unarchived_in_zoom(&self) -> Vec<String> {
        self.kept_in_zoom
            .iter()
            .filter(|kept| {
                matches!(
                    kept.reason,
                    KeptReason::NotArchived
                        | KeptReason::Processing
                        | KeptReason::DiffersFromArchive
                )
            })
            .map(|kept| {
                format!(
                    "Zoom holds {} {} that is not archived ({})",
                    kept.file_type.as_deref().unwrap_or("a file"),
                    kept.file_id.as_deref().unwrap_or("without an id"),
                    kept.reason.as_str()
                )
            })
            .collect()
    }
}

/// What became of a conditional status change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Transition {
    Applied,
    /// The item's status does not allow it; `current` is what the table holds (`None`: no item).
    Refused {
        current: Option<RecordingStatus>,
    },
}

/// What became of a claim on an instance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The caller owns the item now.
    Claimed,
    /// Refused; the item as the table holds it now (`None`: it vanished meanwhile).
    Held(Option<Box<RecordingItem>>),
}

/// A failed table operation.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("DynamoDB {operation} failed")]
    Unavailable {
        operation: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("the table item is not a recording: {problem}")]
    Corrupt { problem: String },
    #[error("the table item kept changing while it was updated ({attempts} attempts)")]
    Contended { attempts: u32 },
    #[error("DynamoDB {operation} left keys unprocessed after {attempts} attempts (throttled)")]
    Throttled {
        operation: &'static str,
        attempts: u32,
    },
}

impl TableError {
    /// The stable error name.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Unavailable { .. } => ErrorName::StorageUnavailable.as_str(),
            Self::Corrupt { .. } => ErrorName::StorageCorrupt.as_str(),
            // Other writers finish in milliseconds, throttling passes: a retry later succeeds.
            Self::Contended { .. } | Self::Throttled { .. } => {
                ErrorName::StorageUnavailable.as_str()
            }
        }
    }

    fn unavailable(
        operation: &'static str,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        Self::Unavailable {
            operation,
            source: Box::new(source),
        }
    }
}

type Item = HashMap<String, AttributeValue>;

fn s(value: impl Into<String>) -> AttributeValue {
    AttributeValue::S(value.into())
}

fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// `updated_at` to the millisecond, so that a write conditioned on it tells apart two changes
/// in the same second; whole seconds print without a fraction, as items written before did.
fn update_time(at: DateTime<Utc>) -> String {
    use chrono::SubsecRound;
    at.trunc_subsecs(3)
        .to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

impl From<&RecordingItem> for Item {
    fn from(item: &RecordingItem) -> Self {
        let mut map = Item::new();
        map.insert("meeting_uuid".into(), s(item.meeting_uuid.as_str()));
        map.insert("status".into(), s(item.status.as_str()));
        map.insert(
            "meeting_id".into(),
            AttributeValue::N(item.meeting_id.to_string()),
        );
        map.insert("folder".into(), s(&item.folder));
        map.insert("updated_at".into(), s(update_time(item.updated_at)));
        let optional = [
            ("topic", item.topic.clone()),
            (
                "host_email",
                item.host_email.as_ref().map(|e| e.to_lowercase()),
            ),
            ("start_time", item.start_time.map(time)),
            (
                "start_month",
                item.start_time.map(|t| t.format("%Y-%m").to_string()),
            ),
            ("document_key", item.document_key.clone()),
            ("execution_arn", item.execution_arn.clone()),
            (
                "error_type",
                item.failure.as_ref().map(|f| f.error_type.clone()),
            ),
            (
                "error_message",
                item.failure.as_ref().map(|f| f.message.clone()),
            ),
        ];
        let (policy, delete_after) = match &item.disposition {
            None => (None, None),
            Some(Disposition::KeepForever) => (Some("keep_forever".to_owned()), None),
            Some(Disposition::DeleteAfter { at }) => {
                (Some("delete_after".to_owned()), Some(time(*at)))
            }
        };
        let optional = optional
            .into_iter()
            .chain([("disposition", policy), ("delete_after", delete_after)]);
        for (name, value) in optional {
            if let Some(value) = value.filter(|v| !v.is_empty()) {
                map.insert(name.into(), s(value));
            }
        }
        map.insert(
            "files".into(),
            AttributeValue::L(item.files.iter().map(file_attribute).collect()),
        );
        if !item.kept_in_zoom.is_empty() {
            map.insert(
                "kept_in_zoom".into(),
                AttributeValue::L(item.kept_in_zoom.iter().map(kept_attribute).collect()),
            );
        }
        // Read by people and rebuilt from the document, never queried: one JSON string.
        if !item.zoom_changes.is_empty() {
            map.insert(
                "zoom_changes".into(),
                s(serde_json::to_string(&item.zoom_changes).unwrap_or_default()),
            );
        }
        map
    }
}

fn kept_attribute(kept: &KeptInZoom) -> AttributeValue {
    let mut map = Item::new();
    map.insert("reason".into(), s(kept.reason.as_str()));
    for (name, value) in [
        ("file_id", &kept.file_id),
        ("file_type", &kept.file_type),
        ("recording_type", &kept.recording_type),
    ] {
        if let Some(value) = value {
            map.insert(name.into(), s(value));
        }
    }
    AttributeValue::M(map)
}

fn kept_from_attribute(value: &AttributeValue) -> Result<KeptInZoom, TableError> {
    let map = value
        .as_m()
        .map_err(|_| corrupt("a kept_in_zoom entry is not a map"))?;
    let reason = required(map, "reason")?;
    Ok(KeptInZoom {
        file_id: text(map, "file_id").map(str::to_owned),
        file_type: text(map, "file_type").map(str::to_owned),
        recording_type: text(map, "recording_type").map(str::to_owned),
        reason: KeptReason::parse(reason)
            .ok_or_else(|| corrupt(format!("unknown kept_in_zoom reason {reason:?}")))?,
    })
}

fn file_attribute(file: &ArchivedFile) -> AttributeValue {
    let mut map = Item::new();
    map.insert("key".into(), s(&file.key));
    map.insert("size".into(), AttributeValue::N(file.size.to_string()));
    map.insert("content_type".into(), s(&file.content_type));
    for (name, value) in [
        ("file_id", &file.file_id),
        ("file_type", &file.file_type),
        ("checksum_sha256", &file.checksum_sha256),
    ] {
        if let Some(value) = value {
            map.insert(name.into(), s(value));
        }
    }
    AttributeValue::M(map)
}

fn corrupt(problem: impl Into<String>) -> TableError {
    TableError::Corrupt {
        problem: problem.into(),
    }
}

fn text<'a>(map: &'a Item, name: &str) -> Option<&'a str> {
    map.get(name)
        .and_then(|v| v.as_s().ok())
        .map(String::as_str)
}

fn required<'a>(map: &'a Item, name: &str) -> Result<&'a str, TableError> {
    text(map, name).ok_or_else(|| corrupt(format!("no {name}")))
}

fn parse_time(value: &str, name: &str) -> Result<DateTime<Utc>, TableError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| corrupt(format!("{name} is not a time: {value:?}")))
}

fn number<T: std::str::FromStr>(map: &Item, name: &str) -> Result<T, TableError> {
    map.get(name)
        .and_then(|v| v.as_n().ok())
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| corrupt(format!("{name} is not a number")))
}

impl TryFrom<&Item> for RecordingItem {
    type Error = TableError;

    fn try_from(map: &Item) -> Result<Self, Self::Error> {
        let uuid = required(map, "meeting_uuid")?;
        let status = required(map, "status")?;
        let files = match map.get("files") {
            None => Vec::new(),
            Some(value) => value
                .as_l()
                .map_err(|_| corrupt("files is not a list"))?
                .iter()
                .map(|file| {
                    let file = file.as_m().map_err(|_| corrupt("a file is not a map"))?;
                    Ok(ArchivedFile {
                        file_id: text(file, "file_id").map(str::to_owned),
                        file_type: text(file, "file_type").map(str::to_owned),
                        key: required(file, "key")?.to_owned(),
                        size: number(file, "size")?,
                        content_type: required(file, "content_type")?.to_owned(),
                        checksum_sha256: text(file, "checksum_sha256").map(str::to_owned),
                    })
                })
                .collect::<Result<_, TableError>>()?,
        };
        let failure = text(map, "error_type").map(|error_type| IngestFailure {
            error_type: error_type.to_owned(),
            message: text(map, "error_message").unwrap_or_default().to_owned(),
        });
        let disposition = match text(map, "disposition") {
            None => None,
            Some("keep_forever") => Some(Disposition::KeepForever),
            Some("delete_after") => Some(Disposition::DeleteAfter {
                at: parse_time(required(map, "delete_after")?, "delete_after")?,
            }),
            Some(other) => return Err(corrupt(format!("unknown disposition {other:?}"))),
        };
        let kept_in_zoom = match map.get("kept_in_zoom") {
            None => Vec::new(),
            Some(value) => value
                .as_l()
                .map_err(|_| corrupt("kept_in_zoom is not a list"))?
                .iter()
                .map(kept_from_attribute)
                .collect::<Result<_, _>>()?,
        };
        let zoom_changes = match text(map, "zoom_changes") {
            None => Vec::new(),
            Some(json) => serde_json::from_str(json)
                .map_err(|e| corrupt(format!("zoom_changes is not a list of changes: {e}")))?,
        };
        Ok(Self {
            meeting_uuid: MeetingUuid::parse(uuid).map_err(|e| corrupt(e.to_string()))?,
            status: status
                .parse()
                .map_err(|e: crate::domain::status::UnknownStatus| corrupt(e.to_string()))?,
            meeting_id: number(map, "meeting_id")?,
            topic: text(map, "topic").map(str::to_owned),
            host_email: text(map, "host_email").map(str::to_owned),
            start_time: text(map, "start_time")
                .map(|t| parse_time(t, "start_time"))
                .transpose()?,
            folder: required(map, "folder")?.to_owned(),
            document_key: text(map, "document_key").map(str::to_owned),
            files,
            execution_arn: text(map, "execution_arn").map(str::to_owned),
            failure,
            disposition,
            kept_in_zoom,
            zoom_changes,
            updated_at: parse_time(required(map, "updated_at")?, "updated_at")?,
        })
    }
}

/// The recordings table.
#[derive(Debug, Clone)]
pub struct RecordingsTable {
    client: aws_sdk_dynamodb::Client,
    name: String,
}

impl RecordingsTable {
    pub fn new(client: aws_sdk_dynamodb::Client, name: impl Into<String>) -> Self {
        Self {
            client,
            name: name.into(),
        }
    }

    /// The item of one instance, if any.
    pub async fn get(&self, uuid: &MeetingUuid) -> Result<Option<RecordingItem>, TableError> {
        let answer = self
            .client
            .get_item()
            .table_name(&self.name)
            .key("meeting_uuid", s(uuid.as_str()))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| TableError::unavailable("GetItem", e))?;
        answer
            .item
            .as_ref()
            .map(RecordingItem::try_from)
            .transpose()
    }

    /// Writes `item` (whose status is its target) if the current status allows moving to it, or
    /// if there is no item yet and the target is `INGESTING` or `FAILED`.
    pub async fn put(&self, item: &RecordingItem) -> Result<Transition, TableError> {
        let allowed = item.status.allowed_from();
        let mut condition = allowed_condition(allowed);
        // A first write may start an ingest, or record that one failed before it could.
        if matches!(
            item.status,
            RecordingStatus::Ingesting | RecordingStatus::Failed
        ) {
            condition = format!("attribute_not_exists(meeting_uuid) OR {condition}");
        }
        let mut request = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Item::from(item)))
            .condition_expression(condition)
            .expression_attribute_names("#status", "status");
        for (index, status) in allowed.iter().enumerate() {
            request =
                request.expression_attribute_values(format!(":allowed{index}"), s(status.as_str()));
        }
        match request.send().await {
            Ok(_) => Ok(Transition::Applied),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                let current = self.get(&item.meeting_uuid).await?.map(|i| i.status);
                Ok(Transition::Refused { current })
            }
            Err(error) => Err(TableError::unavailable("PutItem", error)),
        }
    }
}

impl RecordingsTable {
    /// Writes `item` only if the table still holds `read` as it was read (same status, same
    /// `updated_at`): an operator's edit never overwrites a trash, a retention or another edit
    /// that happened since. `Refused` names what the table holds now.
    pub async fn replace_unchanged(
        &self,
        item: &RecordingItem,
        read: &RecordingItem,
    ) -> Result<Transition, TableError> {
        let answer = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Item::from(item)))
            .condition_expression("#status = :read_status AND updated_at = :read_updated_at")
            .expression_attribute_names("#status", "status")
            .expression_attribute_values(":read_status", s(read.status.as_str()))
            .expression_attribute_values(":read_updated_at", s(update_time(read.updated_at)))
            .send()
            .await;
        match answer {
            Ok(_) => Ok(Transition::Applied),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                let current = self.get(&item.meeting_uuid).await?.map(|i| i.status);
                Ok(Transition::Refused { current })
            }
            Err(error) => Err(TableError::unavailable("PutItem", error)),
        }
    }

    /// Changes the item of `uuid` with `change`, over the item as read: when another writer
    /// came first, the item is read again and `change` applied to that, a few times. `change`
    /// answers `false` when there is nothing to write. `Ok(None)`: no item; `Ok(Some(item))`:
    /// the item as it stands now.
    pub async fn update(
        &self,
        uuid: &MeetingUuid,
        mut change: impl FnMut(&mut RecordingItem) -> bool,
    ) -> Result<Option<RecordingItem>, TableError> {
        const ATTEMPTS: u32 = 5;
        for _ in 0..ATTEMPTS {
            let Some(read) = self.get(uuid).await? else {
                return Ok(None);
            };
            let mut changed = read.clone();
            if !change(&mut changed) {
                return Ok(Some(read));
            }
            changed.updated_at =
                Utc::now().max(read.updated_at + chrono::Duration::milliseconds(1));
            if self.replace_unchanged(&changed, &read).await? == Transition::Applied {
                return Ok(Some(changed));
            }
        }
        Err(TableError::Contended { attempts: ATTEMPTS })
    }

    /// Opens an ingest: writes `item` (INGESTING, `execution_arn` the caller's) if there is no
    /// item, the last ingest FAILED, or the caller already owns it (a retried state). An item
    /// another execution is ingesting is refused: one copy at a time per instance.
    pub async fn open_ingest(&self, item: &RecordingItem) -> Result<Claim, TableError> {
        let mine = item.execution_arn.clone().unwrap_or_default();
        self.claim(
            item,
            "attribute_not_exists(meeting_uuid) OR #status = :failed \
             OR (#status = :ingesting AND execution_arn = :mine)",
            &[
                (":failed", RecordingStatus::Failed.as_str().to_owned()),
                (":ingesting", RecordingStatus::Ingesting.as_str().to_owned()),
                (":mine", mine),
            ],
        )
        .await
    }

    /// Takes over an ingest whose owner `from` ended without closing it (its execution is no
    /// longer running): writes `item` only if the table still names `from` as the owner.
    pub async fn take_over_ingest(
        &self,
        item: &RecordingItem,
        from: &str,
    ) -> Result<Claim, TableError> {
        self.claim(
            item,
            "#status = :ingesting AND execution_arn = :from",
            &[
                (":ingesting", RecordingStatus::Ingesting.as_str().to_owned()),
                (":from", from.to_owned()),
            ],
        )
        .await
    }

    async fn claim(
        &self,
        item: &RecordingItem,
        condition: &str,
        values: &[(&str, String)],
    ) -> Result<Claim, TableError> {
        let mut request = self
            .client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Item::from(item)))
            .condition_expression(condition)
            .expression_attribute_names("#status", "status");
        for (name, value) in values {
            request = request.expression_attribute_values(*name, s(value));
        }
        match request.send().await {
            Ok(_) => Ok(Claim::Claimed),
            Err(SdkError::ServiceError(service))
                if service.err().is_conditional_check_failed_exception() =>
            {
                Ok(Claim::Held(
                    self.get(&item.meeting_uuid).await?.map(Box::new),
                ))
            }
            Err(error) => Err(TableError::unavailable("PutItem", error)),
        }
    }

    /// Writes `item` whatever the table holds (rebuilding the table from the bucket).
    pub async fn upsert(&self, item: &RecordingItem) -> Result<(), TableError> {
        self.client
            .put_item()
            .table_name(&self.name)
            .set_item(Some(Item::from(item)))
            .send()
            .await
            .map_err(|e| TableError::unavailable("PutItem", e))?;
        Ok(())
    }

    /// The status of each of `uuids` that has an item (strongly consistent, 100 keys a call).
    pub async fn statuses(
        &self,
        uuids: &[MeetingUuid],
    ) -> Result<HashMap<MeetingUuid, RecordingStatus>, TableError> {
        let mut found = HashMap::new();
        for chunk in uuids.chunks(100) {
            let mut keys: Vec<Item> = chunk
                .iter()
                .map(|uuid| Item::from([("meeting_uuid".to_owned(), s(uuid.as_str()))]))
                .collect();
            keys.dedup();
            let mut attempt = 0_u32;
            while !keys.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut keys)))
                    .consistent_read(true)
                    .projection_expression("meeting_uuid, #status")
                    .expression_attribute_names("#status", "status")
                    .build()
                    .map_err(|e| TableError::unavailable("BatchGetItem", e))?;
                let answer = self
                    .client
                    .batch_get_item()
                    .request_items(&self.name, request)
                    .send()
                    .await
                    .map_err(|e| TableError::unavailable("BatchGetItem", e))?;
                for item in answer
                    .responses()
                    .and_then(|r| r.get(&self.name))
                    .into_iter()
                    .flatten()
                {
                    let uuid = MeetingUuid::parse(required(item, "meeting_uuid")?)
                        .map_err(|e| corrupt(e.to_string()))?;
                    let status = required(item, "status")?.parse().map_err(
                        |e: crate::domain::status::UnknownStatus| corrupt(e.to_string()),
                    )?;
                    found.insert(uuid, status);
                }
                // Keys DynamoDB did not get to (throttling): ask again after a pause.
                keys = answer
                    .unprocessed_keys()
                    .and_then(|u| u.get(&self.name))
                    .map(|k| k.keys().to_vec())
                    .unwrap_or_default();
                attempt += 1;
                if !keys.is_empty() {
                    // Bounded: the caller's state machine retries Storage.Unavailable later.
                    if attempt >= MAX_UNPROCESSED_ATTEMPTS {
                        return Err(TableError::Throttled {
                            operation: "BatchGetItem",
                            attempts: attempt,
                        });
                    }
                    tokio::time::sleep(std::time::Duration::from_millis(50 << attempt.min(6)))
                        .await;
                }
            }
        }
        Ok(found)
    }

    /// One page of items whose status is one of `statuses` (a table scan; retention runs it
    /// rarely), after the item of `start_after`. The second value is where the next page
    /// starts; `None` means the end.
    pub async fn scan_page(
        &self,
        statuses: &[RecordingStatus],
        start_after: Option<&MeetingUuid>,
    ) -> Result<(Vec<RecordingItem>, Option<MeetingUuid>), TableError> {
        let start_key =
            start_after.map(|uuid| Item::from([("meeting_uuid".to_owned(), s(uuid.as_str()))]));
        let mut request = self
            .client
            .scan()
            .table_name(&self.name)
            .set_exclusive_start_key(start_key)
            .filter_expression(allowed_condition(statuses))
            .expression_attribute_names("#status", "status");
        for (index, status) in statuses.iter().enumerate() {
            request =
                request.expression_attribute_values(format!(":allowed{index}"), s(status.as_str()));
        }
        let answer = request
            .send()
            .await
            .map_err(|e| TableError::unavailable("Scan", e))?;
        let items = answer
            .items()
            .iter()
            .map(RecordingItem::try_from)
            .collect::<Result<_, _>>()?;
        let next = answer
            .last_evaluated_key
            .as_ref()
            .map(|key| required(key, "meeting_uuid").map(str::to_owned))
            .transpose()?
            .map(|uuid| MeetingUuid::parse(uuid).map_err(|e| corrupt(e.to_string())))
            .transpose()?;
        Ok((items, next))
    }
}

fn allowed_condition(allowed: &[RecordingStatus]) -> String {
    let values: Vec<String> = (0..allowed.len()).map(|i| format!(":allowed{i}")).collect();
    format!("#status IN ({})", values.join(", "))
}

/// Creates the table with its key and indexes (local stack and tests; the SAM template declares
/// the same for AWS).
pub async fn create_table(client: &aws_sdk_dynamodb::Client, name: &str) -> Result<(), TableError> {
    let attribute = |name: &str| {
        AttributeDefinition::builder()
            .attribute_name(name)
            .attribute_type(ScalarAttributeType::S)
            .build()
            .map_err(|e| TableError::unavailable("CreateTable", e))
    };
    let key = |name: &str, kind: KeyType| {
        KeySchemaElement::builder()
            .attribute_name(name)
            .key_type(kind)
            .build()
            .map_err(|e| TableError::unavailable("CreateTable", e))
    };
    let index = |index_name: &str, partition: &str| -> Result<GlobalSecondaryIndex, TableError> {
        GlobalSecondaryIndex::builder()
            .index_name(index_name)
            .key_schema(key(partition, KeyType::Hash)?)
            .key_schema(key("start_time", KeyType::Range)?)
            .projection(
                Projection::builder()
                    .projection_type(ProjectionType::All)
                    .build(),
            )
            .build()
            .map_err(|e| TableError::unavailable("CreateTable", e))
    };
    client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute("meeting_uuid")?)
        .attribute_definitions(attribute("start_month")?)
        .attribute_definitions(attribute("start_time")?)
        .attribute_definitions(attribute("host_email")?)
        .key_schema(key("meeting_uuid", KeyType::Hash)?)
        .global_secondary_indexes(index(BY_START_MONTH_INDEX, "start_month")?)
        .global_secondary_indexes(index(BY_HOST_INDEX, "host_email")?)
        .send()
        .await
        .map_err(|e| TableError::unavailable("CreateTable", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_item() -> RecordingItem {
        RecordingItem {
            meeting_uuid: MeetingUuid::parse("/ab//cd+==").expect("valid"),
            status: RecordingStatus::Archived,
            meeting_id: 88_031_573_992,
            topic: Some("Board meeting".into()),
            host_email: Some("alice@example.org".into()),
            start_time: Some(parse_time("2026-11-20T14:00:00Z", "t").expect("time")),
            folder: "recordings/2026/11/20/Board-meeting-88031573992-0123456789abcdef".into(),
            document_key: Some("recordings/.../recording.json".into()),
            files: vec![ArchivedFile {
                file_id: Some("6606c8c8".into()),
                file_type: Some("MP4".into()),
                key: "recordings/.../a.mp4".into(),
                size: 314_572_800,
                content_type: "video/mp4".into(),
                checksum_sha256: Some("abc=".into()),
            }],
            execution_arn: Some("arn:aws:states:us-east-1:1:execution:m:e".into()),
            failure: Some(IngestFailure {
                error_type: "Zoom.Unavailable".into(),
                message: "HTTP 503".into(),
            }),
            disposition: Some(Disposition::DeleteAfter {
                at: parse_time("2030-01-01T00:00:00Z", "t").expect("time"),
            }),
            kept_in_zoom: vec![KeptInZoom {
                file_id: Some("chat-1".into()),
                file_type: Some("CHAT".into()),
                recording_type: None,
                reason: KeptReason::ExcludedByRule,
            }],
            zoom_changes: vec![ZoomChange {
                kind: crate::domain::zoom_change::ChangeKind::Renamed,
                at: parse_time("2026-11-21T09:00:00Z", "t").expect("time"),
                operator: Some("alice@example.org".into()),
                files: vec![],
                topic: Some("Board meeting (final)".into()),
                previous_topic: Some("Board meeting".into()),
            }],
            updated_at: parse_time("2026-11-20T15:00:00Z", "t").expect("time"),
        }
    }

    #[test]
    fn an_item_maps_to_attributes_and_back() {
        let item = full_item();
        let attributes = Item::from(&item);
        assert_eq!(attributes["start_month"], s("2026-11"));
        assert_eq!(
            attributes["meeting_id"],
            AttributeValue::N("88031573992".into())
        );
        assert_eq!(
            RecordingItem::try_from(&attributes).expect("maps back"),
            item
        );

        let minimal = RecordingItem {
            topic: None,
            host_email: None,
            start_time: None,
            document_key: None,
            files: vec![],
            execution_arn: None,
            failure: None,
            disposition: None,
            kept_in_zoom: vec![],
            zoom_changes: vec![],
            ..full_item()
        };
        let attributes = Item::from(&minimal);
        assert!(!attributes.contains_key("start_month") && !attributes.contains_key("host_email"));
        assert_eq!(
            RecordingItem::try_from(&attributes).expect("maps back"),
            minimal
        );
    }

    #[test]
    fn a_corrupt_item_is_reported_not_guessed() {
        let mut attributes = Item::from(&full_item());
        attributes.insert("status".into(), s("MAYBE"));
        assert!(matches!(
            RecordingItem::try_from(&attributes),
            Err(TableError::Corrupt { .. })
        ));
        let mut attributes = Item::from(&full_item());
        attributes.remove("folder");
        assert!(matches!(
            RecordingItem::try_from(&attributes),
            Err(TableError::Corrupt { .. })
        ));
    }
}
