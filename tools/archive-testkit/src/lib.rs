//! Test support for the operations functions: a bucket and a table of their own on the local
//! stack (names unique to the run), and archived recordings made to order, laid out exactly as
//! the pipeline leaves them (media, participants, `recording.json`, the table item).
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod local_stack;

use archiver::bucket::Bucket;
use archiver::domain::MeetingUuid;
use archiver::domain::document::{
    DocumentFile, MeetingSummary, MetadataKeys, ParticipantsSummary, RecordingDocument,
    SCHEMA_VERSION,
};
use archiver::domain::layout::{PARTICIPANTS_FILE, RECORDING_DOCUMENT_FILE};
use archiver::domain::status::RecordingStatus;
use archiver::notify::Notifier;
use archiver::table::{RecordingItem, RecordingsTable, create_table};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::ChecksumAlgorithm;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

/// A listener on `ip` (any loopback address) that counts the connections made to it and
/// answers none: where a test expects no request at all, e.g. to a foreign host.
pub async fn connection_counter(
    ip: [u8; 4],
) -> (
    std::net::SocketAddr,
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
) {
    let listener = tokio::net::TcpListener::bind(std::net::SocketAddr::from((ip, 0)))
        .await
        .unwrap();
    let address = listener.local_addr().unwrap();
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            drop(stream);
        }
    });
    (address, count)
}

/// A name unique to this run (the local stack outlives test runs).
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand::random::<u64>())
}

/// A table item that holds only a status, as the scan reads items: no document, no files.
pub fn status_item(uuid: &MeetingUuid, status: RecordingStatus) -> RecordingItem {
    RecordingItem {
        meeting_uuid: uuid.clone(),
        status,
        meeting_id: 1,
        topic: None,
        host_email: None,
        start_time: None,
        folder: "recordings/status-only".into(),
        document_key: None,
        files: vec![],
        execution_arn: None,
        failure: None,
        disposition: None,
        kept_in_zoom: vec![],
        zoom_changes: vec![],
        updated_at: Utc::now(),
    }
}

/// A bucket, a table and a notification queue of one test.
#[derive(Debug)]
pub struct Archive {
    pub s3: aws_sdk_s3::Client,
    pub dynamodb: aws_sdk_dynamodb::Client,
    pub bucket: Bucket,
    pub table: RecordingsTable,
    pub bucket_name: String,
    pub table_name: String,
    /// Sends to this archive's own queue; [`Archive::messages`] reads it.
    pub notifier: Notifier,
    sqs: aws_sdk_sqs::Client,
    queue_url: String,
}

/// What a made-to-order recording looks like.
#[derive(Debug, Clone)]
pub struct RecordingSpec {
    pub uuid: String,
    pub topic: String,
    pub start_time: DateTime<Utc>,
    /// File names and sizes.
    pub files: Vec<(String, usize)>,
    pub status: RecordingStatus,
}

impl RecordingSpec {
    /// An MP4 and a transcript, started at `start_time`.
    pub fn new(uuid: &str, start_time: DateTime<Utc>) -> Self {
        Self {
            uuid: uuid.to_owned(),
            topic: format!("Meeting {uuid}"),
            start_time,
            files: vec![("video.mp4".into(), 70_000), ("transcript.vtt".into(), 900)],
            status: RecordingStatus::Archived,
        }
    }
}

impl Archive {
    /// A fresh bucket and table on the local stack (the SDK's endpoint variables point there).
    pub async fn fresh() -> Self {
        let sdk = archiver::aws::load_sdk_config().await;
        let s3 = archiver::aws::s3_client(&sdk, true);
        let dynamodb = archiver::aws::dynamodb_client(&sdk);
        let bucket_name = unique("ops");
        let table_name = unique("ops");
        s3.create_bucket()
            .bucket(&bucket_name)
            .send()
            .await
            .unwrap();
        create_table(&dynamodb, &table_name).await.unwrap();
        let sqs = archiver::aws::sqs_client(&sdk);
        let queue_url = sqs
            .create_queue()
            .queue_name(unique("ops"))
            .send()
            .await
            .unwrap()
            .queue_url()
            .unwrap()
            .to_owned();
        Self {
            bucket: Bucket::new(s3.clone(), &bucket_name),
            table: RecordingsTable::new(dynamodb.clone(), &table_name),
            s3,
            dynamodb,
            bucket_name,
            table_name,
            notifier: Notifier::new(sqs.clone(), queue_url.clone()),
            sqs,
            queue_url,
        }
    }

    /// Every notification sent so far and not read yet, oldest first (SQS standard queues keep
    /// no strict order), each removed from the queue.
    pub async fn messages(&self) -> Vec<serde_json::Value> {
        let mut messages = Vec::new();
        loop {
            let answer = self
                .sqs
                .receive_message()
                .queue_url(&self.queue_url)
                .max_number_of_messages(10)
                .send()
                .await
                .unwrap();
            if answer.messages().is_empty() {
                return messages;
            }
            for message in answer.messages() {
                messages.push(serde_json::from_str(message.body().unwrap()).unwrap());
                self.sqs
                    .delete_message()
                    .queue_url(&self.queue_url)
                    .receipt_handle(message.receipt_handle().unwrap())
                    .send()
                    .await
                    .unwrap();
            }
        }
    }

    /// Archives a recording as the pipeline would; returns its document.
    pub async fn archive(&self, spec: &RecordingSpec) -> RecordingDocument {
        let uuid = MeetingUuid::parse(spec.uuid.clone()).unwrap();
        let folder = format!(
            "recordings/{}/{}",
            spec.start_time.format("%Y/%m/%d"),
            &uuid.sha256_hex()[..16]
        );
        let mut files = Vec::new();
        for (name, size) in &spec.files {
            let key = format!("{folder}/{name}");
            let body: Vec<u8> = (0..*size).map(|_| rand::random::<u8>()).collect();
            files.push(DocumentFile {
                file_id: Some(unique("file")),
                file_type: Some(name.rsplit('.').next().unwrap_or("bin").to_uppercase()),
                file_extension: None,
                recording_type: None,
                file_name: None,
                recording_start: Some(spec.start_time),
                recording_end: None,
                key: key.clone(),
                size: body.len() as u64,
                content_type: "application/octet-stream".into(),
                checksum_sha256: Some(self.put(&key, body).await),
            });
        }
        let participants_key = format!("{folder}/{PARTICIPANTS_FILE}");
        self.bucket
            .put_json(&participants_key, &serde_json::json!({"participants": []}))
            .await
            .unwrap();
        let document = RecordingDocument {
            schema_version: SCHEMA_VERSION,
            meeting: MeetingSummary {
                uuid,
                id: 81_000_000_000,
                kind: archiver::domain::MeetingKind::Meeting,
                topic: Some(spec.topic.clone()),
                meeting_type: Some(2),
                start_time: Some(spec.start_time),
                duration_minutes: Some(30),
                timezone: Some("UTC".into()),
                host_id: Some("host-1".into()),
                host_email: Some("host@example.org".into()),
                account_id: None,
            },
            folder: folder.clone(),
            files,
            participants: Some(ParticipantsSummary {
                count: 0,
                key: participants_key,
            }),
            metadata: MetadataKeys::default(),
            archived_at: Utc::now(),
            execution_arn: Some(format!(
                "arn:aws:states:us-east-1:123456789012:execution:m:{}",
                unique("e")
            )),
            disposition: None,
            trashed_at: (spec.status == RecordingStatus::Trashed).then(Utc::now),
            expired_at: None,
            kept_in_zoom: vec![],
            zoom_changes: vec![],
        };
        self.store(&document).await;
        document
    }

    /// Writes `document` and its item, as the pipeline (or a reindex) would.
    pub async fn store(&self, document: &RecordingDocument) {
        let key = document_key(document);
        self.bucket.put_json(&key, document).await.unwrap();
        self.table
            .upsert(&RecordingItem::from_document(
                document,
                &key,
                document.status(),
            ))
            .await
            .unwrap();
    }

    /// Puts an object with its SHA-256 checksum; returns the checksum (base64).
    pub async fn put(&self, key: &str, body: Vec<u8>) -> String {
        let checksum = BASE64.encode(Sha256::digest(&body));
        self.s3
            .put_object()
            .bucket(&self.bucket_name)
            .key(key)
            .checksum_algorithm(ChecksumAlgorithm::Sha256)
            .checksum_sha256(&checksum)
            .body(ByteStream::from(body))
            .send()
            .await
            .unwrap();
        checksum
    }

    /// Every key under `prefix`.
    pub async fn keys(&self, prefix: &str) -> Vec<String> {
        self.bucket.list_all(prefix).await.unwrap()
    }

    /// The item of `uuid`.
    pub async fn item(&self, uuid: &MeetingUuid) -> Option<RecordingItem> {
        self.table.get(uuid).await.unwrap()
    }
}

/// Where a document lives.
pub fn document_key(document: &RecordingDocument) -> String {
    format!("{}/{RECORDING_DOCUMENT_FILE}", document.folder)
}
