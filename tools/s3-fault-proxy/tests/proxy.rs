//! The proxy's faults, seen by a client: against a counting upstream (what reached S3), and
//! through the AWS SDK against the local stack's S3 (signatures stay valid; the SDK's retries
//! ride out a SlowDown).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use aws_sdk_s3::primitives::ByteStream;
use s3_fault_proxy::{Fault, FaultKind, Operation, Proxy};

/// An upstream that answers 200 and counts what reached it.
async fn counting_upstream() -> (String, Arc<AtomicUsize>) {
    let reached = Arc::new(AtomicUsize::new(0));
    let counter = reached.clone();
    let app = axum::Router::new().fallback(move || {
        let counter = counter.clone();
        async move {
            counter.fetch_add(1, Ordering::SeqCst);
            "stored"
        }
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (url, reached)
}

async fn proxy_to(upstream: &str) -> Proxy {
    Proxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), upstream)
        .await
        .unwrap()
}

async fn put(proxy: &Proxy) -> Result<(u16, String), reqwest::Error> {
    let answer = reqwest::Client::new()
        .put(format!("{}/bucket/key", proxy.url()))
        .body("bytes")
        .send()
        .await?;
    let status = answer.status().as_u16();
    Ok((status, answer.text().await?))
}

#[tokio::test]
async fn each_fault_fails_the_request_the_way_it_says() {
    let (upstream, reached) = counting_upstream().await;
    let proxy = proxy_to(&upstream).await;

    proxy.add_fault(Fault::new(
        Operation::PutObject,
        FaultKind::SlowDown,
        Some(1),
    ));
    let (status, body) = put(&proxy).await.unwrap();
    assert_eq!(status, 503);
    assert!(body.contains("<Code>SlowDown</Code>"));
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "SlowDown never reaches S3"
    );

    assert_eq!(
        put(&proxy).await.unwrap(),
        (200, "stored".into()),
        "fired once"
    );
    assert_eq!(reached.load(Ordering::SeqCst), 1);

    proxy.add_fault(Fault::new(
        Operation::PutObject,
        FaultKind::ResetBefore,
        Some(1),
    ));
    assert!(put(&proxy).await.is_err(), "no answer");
    assert_eq!(
        reached.load(Ordering::SeqCst),
        1,
        "reset before: not applied"
    );

    proxy.add_fault(Fault::new(
        Operation::PutObject,
        FaultKind::ResetAfter,
        Some(1),
    ));
    assert!(put(&proxy).await.is_err(), "no answer");
    assert_eq!(reached.load(Ordering::SeqCst), 2, "reset after: applied");

    proxy.add_fault(Fault::new(
        Operation::UploadPart,
        FaultKind::InternalError,
        None,
    ));
    assert_eq!(put(&proxy).await.unwrap().0, 200, "other operations pass");
    let stats = proxy.stats();
    assert_eq!(stats.requests[&Operation::PutObject], 5);
    assert_eq!(stats.injected.len(), 3);
}

#[tokio::test]
async fn faults_are_added_and_cleared_over_the_control_api() {
    let (upstream, _) = counting_upstream().await;
    let proxy = proxy_to(&upstream).await;
    let client = reqwest::Client::new();
    let added = client
        .post(format!("{}/_proxy/faults", proxy.url()))
        .body(r#"{"operation": "put_object", "kind": "internal_error", "times": null}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 201);
    assert_eq!(put(&proxy).await.unwrap().0, 500);
    let bad = client
        .post(format!("{}/_proxy/faults", proxy.url()))
        .body(r#"{"operation": "teleport"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);
    client
        .delete(format!("{}/_proxy/faults", proxy.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(put(&proxy).await.unwrap().0, 200);
    let stats: serde_json::Value = client
        .get(format!("{}/_proxy/stats", proxy.url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(stats["injected"]["internal_error"], 1);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_sdk_reaches_the_local_s3_through_the_proxy_and_rides_out_a_slow_down() {
    let s3_url = std::env::var("AWS_ENDPOINT_URL_S3").expect("run through scripts/test");
    let proxy = proxy_to(&s3_url).await;
    let (s3, bucket) = sdk_through(&proxy).await;

    proxy.add_fault(Fault::new(
        Operation::PutObject,
        FaultKind::SlowDown,
        Some(1),
    ));
    s3.put_object()
        .bucket(&bucket)
        .key("a.txt")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
        .body(ByteStream::from_static(b"signed and checked"))
        .send()
        .await
        .expect("the SDK retries SlowDown and the signature survives the proxy");
    let head = s3
        .head_object()
        .bucket(&bucket)
        .key("a.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length(), Some(18));
    assert_eq!(proxy.stats().injected[&FaultKind::SlowDown], 1);
    assert_eq!(proxy.stats().requests[&Operation::PutObject], 2);
}

/// An SDK client whose requests go through `proxy`, and a new bucket.
async fn sdk_through(proxy: &Proxy) -> (aws_sdk_s3::Client, String) {
    let sdk = archiver::aws::load_sdk_config().await;
    let config = aws_sdk_s3::config::Builder::from(&sdk)
        .endpoint_url(proxy.url())
        .force_path_style(true)
        .build();
    let s3 = aws_sdk_s3::Client::from_conf(config);
    let bucket = format!("proxy-{:016x}", rand_suffix());
    s3.create_bucket().bucket(&bucket).send().await.unwrap();
    (s3, bucket)
}

fn rand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or_default()
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_upload_part_whose_answer_is_lost_is_sent_again_and_accepted() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let s3_url = std::env::var("AWS_ENDPOINT_URL_S3").expect("run through scripts/test");
    let proxy = proxy_to(&s3_url).await;
    let (s3, bucket) = sdk_through(&proxy).await;
    let upload = s3
        .create_multipart_upload()
        .bucket(&bucket)
        .key("video.mp4")
        .checksum_algorithm(aws_sdk_s3::types::ChecksumAlgorithm::Sha256)
        .send()
        .await
        .unwrap();
    let upload_id = upload.upload_id().unwrap();
    proxy.add_fault(Fault::new(
        Operation::UploadPart,
        FaultKind::ResetAfter,
        Some(1),
    ));
    let bytes = bytes::Bytes::from(vec![7u8; 5 * 1024 * 1024]);
    let checksum = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(&bytes));
    let answer = s3
        .upload_part()
        .bucket(&bucket)
        .key("video.mp4")
        .upload_id(upload_id)
        .part_number(1)
        .checksum_sha256(&checksum)
        .body(ByteStream::from(bytes))
        .send()
        .await;
    assert_eq!(proxy.stats().injected[&FaultKind::ResetAfter], 1);
    answer.expect("the SDK sends the part again after the lost answer, and S3 takes it");
}
