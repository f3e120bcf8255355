//! The retriever against zoom-sim (in-process) and the local stack's S3: the bytes in S3 must be
//! exactly what Zoom served, whatever Zoom does. Ignored by a plain `cargo test`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use archiver::aws;
use archiver::domain::SecretString;
use archiver::domain::token_hosts::TokenHosts;
use archiver::transfer::{
    Destination, FreshToken, Retriever, RetrieverConfig, SourceFile, TransferError, TransferOutcome,
};
use s3_fault_proxy::{Fault as S3Fault, FaultKind, Operation};
use sha2::{Digest, Sha256};
use zoom_sim::scenario::{FileSpec, MeetingInstance, User};
use zoom_sim::{Fault, Scenario, SimConfig, ZoomSim};

const MIB: u64 = 1024 * 1024;
/// Three parts of 8 MiB, the last one short.
const BIG_SIZE: u64 = 20 * MIB + 12_345;
const UUID: &str = "TransferTest0000000000==";
const BIG: &str = "big-file";
const SMALL: &str = "small-file";
const EMPTY: &str = "empty-file";

fn scenario() -> Scenario {
    let file = |id: &str, kind: &str, ext: &str, size: u64| FileSpec {
        id: id.into(),
        file_type: kind.into(),
        file_extension: ext.into(),
        recording_type: None,
        file_name: None,
        size,
        start_offset_seconds: 0,
        late: false,
    };
    Scenario {
        account_id: "acct".into(),
        users: vec![User {
            id: "host".into(),
            email: "host@example.org".into(),
            first_name: String::new(),
            last_name: String::new(),
        }],
        meetings: vec![MeetingInstance {
            uuid: UUID.into(),
            id: 1,
            host_id: "host".into(),
            topic: "t".into(),
            meeting_type: 2,
            start_time: chrono::Utc::now(),
            duration: 10,
            timezone: "UTC".into(),
            scheduled: true,
            password: None,
            recording_play_passcode: None,
            participants: vec![],
            files: vec![
                file(BIG, "MP4", "MP4", BIG_SIZE),
                file(SMALL, "CHAT", "TXT", 3072),
                file(EMPTY, "CC", "VTT", 0),
            ],
            participant_audio: vec![],
            webinar: None,
        }],
    }
}

struct Fixture {
    sim: ZoomSim,
    s3: aws_sdk_s3::Client,
    bucket: String,
    retriever: Retriever,
}

impl Fixture {
    async fn new(config: RetrieverConfig) -> Self {
        assert!(
            std::env::var_os("AWS_ENDPOINT_URL_S3").is_some(),
            "needs the local stack: run scripts/test"
        );
        let sim = ZoomSim::start(
            SimConfig {
                ..SimConfig::new(scenario())
            },
            SocketAddr::from(([127, 0, 0, 1], 0)),
        )
        .await
        .unwrap();
        let s3 = aws::s3_client(&aws::load_sdk_config().await, true);
        let bucket = format!("transfer-{}-{}", std::process::id(), rand_suffix());
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60));
        let retriever = Retriever::new(http, s3.clone(), config).unwrap();
        Self {
            sim,
            s3,
            bucket,
            retriever,
        }
    }

    fn source(&self, id: &str, size: u64) -> SourceFile {
        SourceFile {
            download_url: format!("{}/rec/download/{id}", self.sim.base_url()),
            size,
            fallback_content_type: "application/octet-stream".into(),
        }
    }

    fn destination(&self, key: &str) -> Destination {
        Destination {
            bucket: self.bucket.clone(),
            key: key.into(),
        }
    }

    /// Copies a file with a fresh OAuth token, no earlier state and a distant deadline.
    async fn copy(&self, id: &str, size: u64, key: &str) -> Result<TransferOutcome, TransferError> {
        let tokens = SimTokens {
            token_url: self.sim.oauth_token_url(),
        };
        let token = tokens.fresh_token(None).await?;
        self.copy_with(id, size, key, token, &tokens).await
    }

    /// Copies a file starting with `token`, falling back to `tokens`.
    async fn copy_with(
        &self,
        id: &str,
        size: u64,
        key: &str,
        token: SecretString,
        tokens: &impl FreshToken,
    ) -> Result<TransferOutcome, TransferError> {
        self.retriever
            .run(
                &self.source(id, size),
                &self.destination(key),
                token,
                tokens,
                None,
                far(),
            )
            .await
    }

    async fn oauth_token(&self) -> SecretString {
        SimTokens {
            token_url: self.sim.oauth_token_url(),
        }
        .fresh_token(None)
        .await
        .unwrap()
    }

    /// SHA-256 hex of what S3 holds.
    async fn stored_sha256(&self, key: &str) -> String {
        let body = self
            .s3
            .get_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .unwrap()
            .body
            .collect()
            .await
            .unwrap();
        hex::encode(Sha256::digest(body.into_bytes()))
    }

    fn served_sha256(&self, id: &str) -> String {
        self.sim.sim().file_info(id).unwrap().sha256
    }

    /// The same fixture, with the retriever's S3 requests going through a fault proxy of its
    /// own armed with `fault` (the checks still read S3 directly).
    async fn with_s3_fault(fault: S3Fault) -> (Self, s3_fault_proxy::Proxy) {
        let mut fixture = Self::new(config()).await;
        let upstream = std::env::var("AWS_ENDPOINT_URL_S3").unwrap();
        let proxy = s3_fault_proxy::Proxy::start(SocketAddr::from(([127, 0, 0, 1], 0)), upstream)
            .await
            .unwrap();
        let sdk = aws::load_sdk_config().await;
        let s3 = aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .endpoint_url(proxy.url())
                .force_path_style(true)
                .build(),
        );
        let http = reqwest::Client::builder().timeout(Duration::from_secs(60));
        fixture.retriever = Retriever::new(http, s3, config()).unwrap();
        proxy.add_fault(fault);
        (fixture, proxy)
    }

    /// Runs calls, each from the previous one's state, until the file is done.
    async fn resume_to_done(
        &self,
        id: &str,
        size: u64,
        key: &str,
        mut state: Option<archiver::transfer::TransferState>,
    ) -> archiver::transfer::VerifiedObject {
        let tokens = SimTokens {
            token_url: self.sim.oauth_token_url(),
        };
        for _ in 0..10 {
            let token = self.oauth_token().await;
            let outcome = self
                .retriever
                .run(
                    &self.source(id, size),
                    &self.destination(key),
                    token,
                    &tokens,
                    state.take(),
                    far(),
                )
                .await
                .unwrap();
            match outcome {
                TransferOutcome::Done(object) => return object,
                TransferOutcome::InProgress(next) => state = Some(next),
            }
        }
        panic!("no progress in 10 calls");
    }

    /// `big.mp4` holds exactly the bytes zoom-sim serves for the big file.
    async fn assert_big_file_stored(&self, object: &archiver::transfer::VerifiedObject, size: u64) {
        assert_eq!(object.size, size);
        assert_eq!(self.stored_sha256("big.mp4").await, self.served_sha256(BIG));
    }

    async fn exists(&self, key: &str) -> bool {
        self.s3
            .head_object()
            .bucket(&self.bucket)
            .key(key)
            .send()
            .await
            .is_ok()
    }
}

fn rand_suffix() -> u64 {
    rand::random::<u64>() % 1_000_000_007
}

/// zoom-sim listens on a loopback port of its own: the retriever may send it tokens.
fn loopback() -> TokenHosts {
    TokenHosts::parse("http://127.0.0.1").unwrap()
}

fn config() -> RetrieverConfig {
    RetrieverConfig {
        token_hosts: loopback(),
        part_size: 8 * MIB,
        parts_in_flight: 3,
        part_attempts: 3,
        max_stalled_calls: 3,
    }
}

/// Fresh tokens from the simulator's OAuth endpoint, like the Lambda's Zoom client gives.
struct SimTokens {
    token_url: String,
}

impl FreshToken for SimTokens {
    async fn fresh_token(&self, _: Option<&SecretString>) -> Result<SecretString, TransferError> {
        let answer: serde_json::Value = reqwest::Client::new()
            .post(format!(
                "{}?grant_type=account_credentials&account_id=acct",
                self.token_url
            ))
            .basic_auth("sim-client-id", Some("sim-client-secret"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        Ok(SecretString::new(answer["access_token"].as_str().unwrap()))
    }
}

/// Hands out a token Zoom will refuse too.
struct UselessTokens;

impl FreshToken for UselessTokens {
    async fn fresh_token(&self, _: Option<&SecretString>) -> Result<SecretString, TransferError> {
        Ok(SecretString::new("also-not-valid"))
    }
}

fn far() -> Instant {
    Instant::now() + Duration::from_secs(300)
}

fn done(outcome: TransferOutcome) -> archiver::transfer::VerifiedObject {
    match outcome {
        TransferOutcome::Done(object) => object,
        TransferOutcome::InProgress(state) => panic!("expected Done, got {state:?}"),
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_small_file_is_one_checked_put_byte_identical() {
    let f = Fixture::new(config()).await;
    let object = done(f.copy(SMALL, 3072, "chat.txt").await.unwrap());
    assert_eq!((object.size, object.parts), (3072, 1));
    assert_eq!(object.content_type, "text/plain");
    assert!(object.checksum_sha256.is_some());
    assert_eq!(f.stored_sha256("chat.txt").await, f.served_sha256(SMALL));
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_zero_byte_file_is_stored_empty() {
    let f = Fixture::new(config()).await;
    let object = done(f.copy(EMPTY, 0, "cc.vtt").await.unwrap());
    assert_eq!(object.size, 0);
    assert!(f.exists("cc.vtt").await);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_multipart_file_is_byte_identical_with_ranges_and_without() {
    for range_support in [true, false] {
        let f = Fixture::new(config()).await;
        f.sim.sim().set_range_support(range_support);
        let size = BIG_SIZE;
        let object = done(f.copy(BIG, size, "big.mp4").await.unwrap());
        assert_eq!(
            (object.size, object.parts, object.content_type.as_str()),
            (size, 3, "video/mp4"),
            "range {range_support}"
        );
        assert_eq!(
            f.stored_sha256("big.mp4").await,
            f.served_sha256(BIG),
            "range {range_support}"
        );
        let cdn_gets = f
            .sim
            .sim()
            .calls()
            .iter()
            .filter(|c| c.path.starts_with("/cdn/"))
            .count();
        let expected_gets = if range_support { 3 } else { 1 };
        assert_eq!(
            cdn_gets, expected_gets,
            "one GET per part with ranges, one stream without"
        );
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_reset_or_truncated_part_is_retried_alone() {
    for fault in [
        Fault::ResetAfterBytes {
            bytes: 3 * MIB,
            times: Some(1),
        },
        Fault::Truncate {
            bytes: MIB,
            times: Some(1),
        },
    ] {
        let f = Fixture::new(config()).await;
        f.sim.sim().add_fault(fault.clone());
        let size = BIG_SIZE;
        done(f.copy(BIG, size, "big.mp4").await.unwrap());
        assert_eq!(
            f.stored_sha256("big.mp4").await,
            f.served_sha256(BIG),
            "{fault:?}"
        );
        let cdn_gets = f
            .sim
            .sim()
            .calls()
            .iter()
            .filter(|c| c.path.starts_with("/cdn/"))
            .count();
        assert_eq!(cdn_gets, 4, "three parts and one retry: {fault:?}");
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn an_expired_download_token_is_replaced_by_a_fresh_one() {
    let f = Fixture::new(config()).await;
    let tokens = SimTokens {
        token_url: f.sim.oauth_token_url(),
    };
    let stale = f.oauth_token().await;
    f.sim.sim().expire_all_tokens();
    let size = BIG_SIZE;
    done(
        f.copy_with(BIG, size, "big.mp4", stale, &tokens)
            .await
            .unwrap(),
    );
    assert_eq!(f.stored_sha256("big.mp4").await, f.served_sha256(BIG));
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn the_zoom_client_supplies_the_fresh_token() {
    let f = Fixture::new(config()).await;
    let zoom = archiver::zoom::ZoomClient::new(archiver::zoom::ZoomClientConfig {
        api_base_url: url::Url::parse(&f.sim.api_base_url()).unwrap(),
        oauth_token_url: url::Url::parse(&f.sim.oauth_token_url()).unwrap(),
        account_id: "acct".into(),
        client_id: "sim-client-id".into(),
        client_secret: SecretString::new("sim-client-secret"),
        request_timeout: Duration::from_secs(10),
        retry: archiver::zoom::RetryPolicy::default(),
    })
    .unwrap();
    let expired_webhook_token = SecretString::new("eyJ.expired.token");
    done(
        f.copy_with(
            SMALL,
            3072,
            "chat.txt",
            expired_webhook_token.clone(),
            &zoom,
        )
        .await
        .unwrap(),
    );
    assert_eq!(f.stored_sha256("chat.txt").await, f.served_sha256(SMALL));

    // Zoom revokes every token, the access token the client holds among them: the client gets
    // a new one instead of offering the dead one again.
    f.sim.sim().expire_all_tokens();
    done(
        f.copy_with(SMALL, 3072, "chat-again.txt", expired_webhook_token, &zoom)
            .await
            .unwrap(),
    );
    assert_eq!(
        f.stored_sha256("chat-again.txt").await,
        f.served_sha256(SMALL)
    );
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn zoom_s_html_page_is_refused_and_nothing_is_stored() {
    let f = Fixture::new(config()).await;
    for (id, size, key) in [(SMALL, 3072, "chat.txt"), (BIG, BIG_SIZE, "big.mp4")] {
        let error = f
            .copy_with(id, size, key, SecretString::new("bad"), &UselessTokens)
            .await
            .unwrap_err();
        assert_eq!(error.error_type(), "Zoom.DownloadRefused", "{error}");
        assert!(!f.exists(key).await);
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn bytes_short_of_the_announced_size_are_an_integrity_failure() {
    let f = Fixture::new(config()).await;
    f.sim.sim().add_fault(Fault::WrongLength {
        delta: -1000,
        times: None,
    });
    for (id, size, key) in [(SMALL, 3072, "chat.txt"), (BIG, BIG_SIZE, "big.mp4")] {
        let error = f.copy(id, size, key).await.unwrap_err();
        assert_eq!(error.error_type(), "Integrity.Mismatch", "{key}: {error}");
        assert!(!f.exists(key).await, "{key}");
    }
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_deadline_returns_a_continuation_that_resumes_to_the_same_bytes() {
    let f = Fixture::new(RetrieverConfig {
        parts_in_flight: 1,
        ..config()
    })
    .await;
    let tokens = SimTokens {
        token_url: f.sim.oauth_token_url(),
    };
    let size = BIG_SIZE;
    let source = f.source(BIG, size);
    let destination = f.destination("big.mp4");
    let mut state = None;
    let mut calls = 0;
    let object = loop {
        calls += 1;
        assert!(calls < 10, "no progress");
        let token = f.oauth_token().await;
        // A deadline already past: each call stores one part, then hands back its state.
        let outcome = f
            .retriever
            .run(
                &source,
                &destination,
                token,
                &tokens,
                state.take(),
                Instant::now(),
            )
            .await
            .unwrap();
        match outcome {
            TransferOutcome::InProgress(next) => {
                assert_eq!(next.size, size);
                state = Some(next);
            }
            TransferOutcome::Done(object) => break object,
        }
    };
    assert_eq!(calls, 3, "one part per call");
    assert_eq!(object.parts, 3);
    assert_eq!(f.stored_sha256("big.mp4").await, f.served_sha256(BIG));
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_download_that_keeps_failing_is_abandoned_and_its_upload_aborted() {
    let f = Fixture::new(RetrieverConfig {
        part_attempts: 2,
        max_stalled_calls: 2,
        ..config()
    })
    .await;
    let tokens = SimTokens {
        token_url: f.sim.oauth_token_url(),
    };
    let size = BIG_SIZE;
    let source = f.source(BIG, size);
    let destination = f.destination("big.mp4");
    // Every download body breaks off at once, every time.
    f.sim.sim().add_fault(Fault::ResetAfterBytes {
        bytes: 0,
        times: None,
    });

    let token = f.oauth_token().await;
    let first = f
        .retriever
        .run(&source, &destination, token.clone(), &tokens, None, far())
        .await
        .unwrap();
    let TransferOutcome::InProgress(state) = first else {
        panic!("expected a continuation, got {first:?}")
    };
    assert_eq!(state.stalled_calls, 1);

    let error = f
        .retriever
        .run(
            &source,
            &destination,
            token,
            &tokens,
            Some(state.clone()),
            far(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "Transfer.Interrupted", "{error}");
    // AWS answers NoSuchUpload, s3s-fs AccessDenied: either way the upload is gone.
    let late_part =
        f.s3.upload_part()
            .bucket(&f.bucket)
            .key("big.mp4")
            .upload_id(&state.upload_id)
            .part_number(1)
            .body(aws_sdk_s3::primitives::ByteStream::from_static(b"late"))
            .send()
            .await;
    assert!(late_part.is_err(), "the multipart upload was aborted");
    assert!(!f.exists("big.mp4").await);
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_continuation_whose_upload_is_gone_copies_the_file_again() {
    let f = Fixture::new(RetrieverConfig {
        parts_in_flight: 1,
        ..config()
    })
    .await;
    let tokens = SimTokens {
        token_url: f.sim.oauth_token_url(),
    };
    let size = BIG_SIZE;
    let token = f.oauth_token().await;
    // A deadline already past: one part, then the state.
    let first = f
        .retriever
        .run(
            &f.source(BIG, size),
            &f.destination("big.mp4"),
            token,
            &tokens,
            None,
            Instant::now(),
        )
        .await
        .unwrap();
    let TransferOutcome::InProgress(state) = first else {
        panic!("expected a continuation, got {first:?}")
    };
    // Gone between two calls (a lifecycle rule, an operator, a lost completion's cleanup).
    f.s3.abort_multipart_upload()
        .bucket(&f.bucket)
        .key("big.mp4")
        .upload_id(&state.upload_id)
        .send()
        .await
        .unwrap();

    let object = f.resume_to_done(BIG, size, "big.mp4", Some(state)).await;

    f.assert_big_file_stored(&object, size).await;
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_completion_whose_answer_is_lost_is_recognised_as_done() {
    // S3 completes the upload, then the connection drops: the SDK's retry finds no upload.
    let (f, proxy) = Fixture::with_s3_fault(S3Fault::new(
        Operation::CompleteMultipartUpload,
        FaultKind::ResetAfter,
        Some(1),
    ))
    .await;
    let size = BIG_SIZE;

    let object = done(f.copy(BIG, size, "big.mp4").await.unwrap());

    assert_eq!(proxy.stats().injected[&FaultKind::ResetAfter], 1);
    f.assert_big_file_stored(&object, size).await;
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn s3_failing_longer_than_a_call_s_retries_keeps_the_upload_for_the_next_call() {
    // More 500s than the SDK's and the part's retries absorb within one call.
    let (f, proxy) = Fixture::with_s3_fault(S3Fault::new(
        Operation::UploadPart,
        FaultKind::InternalError,
        Some(40),
    ))
    .await;
    let size = BIG_SIZE;
    let first = f.copy(BIG, size, "big.mp4").await.unwrap();
    let TransferOutcome::InProgress(state) = first else {
        panic!("expected a continuation, got {first:?}")
    };
    assert_eq!(state.stalled_calls, 1);
    proxy.clear_faults();

    let object = f.resume_to_done(BIG, size, "big.mp4", Some(state)).await;

    f.assert_big_file_stored(&object, size).await;
}

#[tokio::test]
#[ignore = "needs the local stack (scripts/test runs it)"]
async fn a_url_or_redirect_to_a_host_that_is_not_zoom_gets_no_request_and_no_token() {
    let f = Fixture::new(config()).await;
    let (elsewhere, connections) = archive_testkit::connection_counter([127, 0, 0, 2]).await;
    let tokens = SimTokens {
        token_url: f.sim.oauth_token_url(),
    };

    // The URL itself: refused before any request.
    let foreign = SourceFile {
        download_url: format!("http://{elsewhere}/latest/meta-data/?signature=SECRET"),
        size: 3072,
        fallback_content_type: "text/plain".into(),
    };
    let error = f
        .retriever
        .run(
            &foreign,
            &f.destination("foreign.txt"),
            SecretString::new("t"),
            &tokens,
            None,
            far(),
        )
        .await
        .unwrap_err();
    assert_eq!(error.error_type(), "Transfer.UrlRefused");
    assert!(!error.to_string().contains("SECRET"), "{error}");

    // An allowed host that redirects to an IP address, plain HTTP, or a local name.
    let zoomish = wiremock::MockServer::start().await;
    for target in [
        format!("http://{elsewhere}/cdn/file?signature=SECRET"),
        format!("https://{elsewhere}/cdn/file?signature=SECRET"),
        "https://localhost/cdn/file?signature=SECRET".to_owned(),
    ] {
        zoomish.reset().await;
        wiremock::Mock::given(wiremock::matchers::method("GET"))
            .respond_with(
                wiremock::ResponseTemplate::new(302).insert_header("location", target.as_str()),
            )
            .mount(&zoomish)
            .await;
        let source = SourceFile {
            download_url: format!("{}/rec/download/x", zoomish.uri()),
            size: 3072,
            fallback_content_type: "text/plain".into(),
        };
        let error = f
            .retriever
            .run(
                &source,
                &f.destination("redirected.txt"),
                SecretString::new("t"),
                &tokens,
                None,
                far(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            error.error_type(),
            "Transfer.UrlRefused",
            "{target}: {error}"
        );
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }
    assert_eq!(connections.load(std::sync::atomic::Ordering::SeqCst), 0);
    assert!(!f.exists("foreign.txt").await && !f.exists("redirected.txt").await);
}
