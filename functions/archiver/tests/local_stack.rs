//! The AWS adapters against the local stack's real emulators (s3s-fs for S3, moto for DynamoDB
//! and Step Functions). Ignored by a plain `cargo test`; `scripts/test` brings the stack up,
//! exports its endpoints and runs them with `--include-ignored`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::time::Duration;

use archiver::aws;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType,
    ScalarAttributeType,
};
use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{ChecksumAlgorithm, CompletedMultipartUpload, CompletedPart};
use aws_sdk_sfn::types::ExecutionStatus;
use base64::Engine;
use sha2::{Digest, Sha256};

const NEEDS_STACK: &str = "needs the local stack: run scripts/test, or scripts/local-stack up and eval \"$(scripts/local-stack env)\"";

async fn sdk_config() -> aws_config::SdkConfig {
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL").is_some(),
        "AWS_ENDPOINT_URL is not set: {NEEDS_STACK}"
    );
    aws::load_sdk_config().await
}

/// A name no other test run uses (S3 bucket rules: lower case, digits, dashes).
fn unique_name(prefix: &str) -> String {
    // Random, not the clock: parallel tests may read the same coarse timestamp.
    format!(
        "{prefix}-{}-{:016x}",
        std::process::id(),
        rand::random::<u64>()
    )
}

/// Deterministic, non-repeating bytes so a misplaced part would show.
fn test_bytes(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn sha256_base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(bytes))
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn s3_multipart_upload_with_checksums_reads_back_identical() {
    let config = sdk_config().await;
    let s3 = aws::s3_client(&config, true);
    let bucket = unique_name("multipart");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();

    const PART: usize = 8 * 1024 * 1024;
    let body = test_bytes(2 * PART + 123_457);
    let key = "recordings/2025/02/26/multipart test.mp4";
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .checksum_algorithm(ChecksumAlgorithm::Sha256)
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();

    let mut completed = Vec::new();
    for (index, chunk) in body.chunks(PART).enumerate() {
        let part_number = i32::try_from(index + 1).unwrap();
        let checksum = sha256_base64(chunk);
        let answer = s3
            .upload_part()
            .bucket(&bucket)
            .key(key)
            .upload_id(upload_id)
            .part_number(part_number)
            .checksum_sha256(&checksum)
            .body(ByteStream::from(chunk.to_vec()))
            .send()
            .await
            .unwrap();
        completed.push(
            CompletedPart::builder()
                .part_number(part_number)
                .e_tag(answer.e_tag().unwrap())
                .checksum_sha256(checksum)
                .build(),
        );
    }
    assert_eq!(completed.len(), 3, "two full 8 MiB parts and a tail");
    s3.complete_multipart_upload()
        .bucket(&bucket)
        .key(key)
        .upload_id(upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(completed))
                .build(),
        )
        .send()
        .await
        .unwrap();

    let head = s3
        .head_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        head.content_length(),
        Some(i64::try_from(body.len()).unwrap())
    );
    let read_back = s3
        .get_object()
        .bucket(&bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .into_bytes();
    assert_eq!(Sha256::digest(&read_back), Sha256::digest(&body));
}

/// s3s-fs verifies the SHA-256 of a `PutObject` (the small-file path) but, unlike AWS, not of an
/// `UploadPart`: multipart integrity on the local stack rests on our own size and hash checks.
#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn s3_rejects_an_object_whose_checksum_is_wrong() {
    let config = sdk_config().await;
    let s3 = aws::s3_client(&config, true);
    let bucket = unique_name("baddigest");
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    let put = |checksum: String| {
        s3.put_object()
            .bucket(&bucket)
            .key("small.vtt")
            .checksum_sha256(checksum)
            .body(ByteStream::from(test_bytes(1024)))
            .send()
    };
    let refused = put(sha256_base64(b"something else")).await.unwrap_err();
    let code = refused
        .into_service_error()
        .meta()
        .code()
        .map(str::to_owned);
    assert_eq!(code.as_deref(), Some("BadDigest"));
    put(sha256_base64(&test_bytes(1024))).await.unwrap();
}

/// A document written over one read is refused once someone else wrote it; `update_json`
/// reads again and keeps both changes.
#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn conditional_json_writes_never_lose_a_concurrent_change() {
    use archiver::bucket::{Bucket, Precondition, Written};
    let config = sdk_config().await;
    let s3 = aws::s3_client(&config, true);
    let name = unique_name("conditional");
    s3.create_bucket().bucket(&name).send().await.unwrap();
    let bucket = Bucket::new(s3, &name);
    let key = "f/recording.json";
    let absent = Precondition::Absent;
    assert_eq!(
        bucket
            .put_json_if(key, &serde_json::json!({"a": 1}), &absent)
            .await
            .unwrap(),
        Written::Applied
    );
    assert_eq!(
        bucket
            .put_json_if(key, &serde_json::json!({"a": 2}), &absent)
            .await
            .unwrap(),
        Written::Conflict
    );

    let read = bucket
        .get_tagged::<serde_json::Value>(key)
        .await
        .unwrap()
        .unwrap();
    let as_read = Precondition::Unchanged(read.etag.clone());
    // Someone else's change lands first (the trash marking the document, say).
    assert!(
        bucket
            .update_json(key, |doc: &mut serde_json::Value| {
                doc["trashed"] = true.into();
                true
            })
            .await
            .unwrap()
    );
    assert_eq!(
        bucket
            .put_json_if(key, &serde_json::json!({"a": 3}), &as_read)
            .await
            .unwrap(),
        Written::Conflict
    );
    let now: serde_json::Value = bucket.get_json(key).await.unwrap().unwrap();
    assert_eq!(
        now,
        serde_json::json!({"a": 1, "trashed": true}),
        "the stale write lost nothing"
    );
    assert_eq!(
        bucket.current_state(key).await.unwrap(),
        Precondition::Unchanged(
            bucket
                .get_tagged::<serde_json::Value>(key)
                .await
                .unwrap()
                .unwrap()
                .etag
        )
    );
    assert_eq!(
        bucket.current_state("f/none.json").await.unwrap(),
        Precondition::Absent
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn dynamodb_conditional_put_refuses_the_second_write() {
    let config = sdk_config().await;
    let dynamodb = aws::dynamodb_client(&config);
    let table = unique_name("recordings");
    dynamodb
        .create_table()
        .table_name(&table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name("meeting_uuid")
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name("meeting_uuid")
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();

    let put = |status: &'static str| {
        dynamodb
            .put_item()
            .table_name(&table)
            .item("meeting_uuid", AttributeValue::S("/abc//def==".into()))
            .item("status", AttributeValue::S(status.into()))
            .condition_expression("attribute_not_exists(meeting_uuid)")
            .send()
    };
    put("INGESTING").await.unwrap();
    let second = put("ARCHIVED").await.unwrap_err();
    let service_error = second.into_service_error();
    assert!(
        service_error.is_conditional_check_failed_exception(),
        "{service_error:?}"
    );

    let item = dynamodb
        .get_item()
        .table_name(&table)
        .key("meeting_uuid", AttributeValue::S("/abc//def==".into()))
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(
        item["status"],
        AttributeValue::S("INGESTING".into()),
        "the first write stands"
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_state_machine_on_moto_runs_to_succeeded() {
    let config = sdk_config().await;
    let sfn = aws::sfn_client(&config);
    let definition = serde_json::json!({
        "Comment": "local stack check",
        "StartAt": "Shape",
        "States": {
            "Shape": {"Type": "Pass", "Parameters": {"greeting.$": "$.name"}, "Next": "Done"},
            "Done": {"Type": "Succeed"}
        }
    });
    let machine = sfn
        .create_state_machine()
        .name(unique_name("check"))
        .definition(definition.to_string())
        .role_arn("arn:aws:iam::123456789012:role/local-stack")
        .send()
        .await
        .unwrap();
    let execution_name = unique_name("named-execution");
    let started = sfn
        .start_execution()
        .state_machine_arn(machine.state_machine_arn())
        .name(&execution_name)
        .input(r#"{"name":"zoom"}"#)
        .send()
        .await
        .unwrap();
    assert!(started.execution_arn().ends_with(&execution_name));

    let mut status = ExecutionStatus::Running;
    for _ in 0..100 {
        let described = sfn
            .describe_execution()
            .execution_arn(started.execution_arn())
            .send()
            .await
            .unwrap();
        status = described.status().clone();
        if status != ExecutionStatus::Running {
            let output: serde_json::Value =
                serde_json::from_str(described.output().unwrap_or("null")).unwrap();
            assert_eq!(output, serde_json::json!({"greeting": "zoom"}));
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, ExecutionStatus::Succeeded);
}
