//! The Zoom client against a local HTTP double: token caching and renewal, and which failures
//! are retried how often. Request counts are asserted in every case.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a test fails by panicking

use std::time::{Duration, Instant};

use archiver::domain::{MeetingUuid, SecretString};
use archiver::zoom::{RetryPolicy, ZoomClient, ZoomClientConfig, ZoomError};
use serde_json::json;
use url::Url;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const UUID: &str = "4444AAAiAAAAAiAiAiiAii==";
const UUID_PATH: &str = "/v2/past_meetings/4444AAAiAAAAAiAiAiiAii%3D%3D";

fn client(server: &MockServer) -> ZoomClient {
    ZoomClient::new(ZoomClientConfig {
        api_base_url: Url::parse(&format!("{}/v2", server.uri())).unwrap(),
        oauth_token_url: Url::parse(&format!("{}/oauth/token", server.uri())).unwrap(),
        account_id: "account-1".into(),
        client_id: "client-1".into(),
        client_secret: SecretString::new("secret-1"),
        request_timeout: Duration::from_secs(5),
        retry: RetryPolicy {
            max_attempts: 4,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_wait: Duration::from_secs(5),
        },
    })
    .unwrap()
}

fn token_answer(token: &str, expires_in: u64) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "access_token": token, "token_type": "bearer", "expires_in": expires_in,
        "scope": "meeting:read:past_meeting:admin", "api_url": "https://api.zoom.us"
    }))
}

/// Mounts a token endpoint that hands out `token-1`, `token-2`, ... and checks the exchange.
async fn mount_token_endpoint(server: &MockServer, expires_in: u64) {
    let issued = std::sync::atomic::AtomicUsize::new(0);
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        // base64("client-1:secret-1")
        .and(header("authorization", "Basic Y2xpZW50LTE6c2VjcmV0LTE="))
        .and(body_string_contains("grant_type=account_credentials"))
        .and(body_string_contains("account_id=account-1"))
        .respond_with(move |_: &Request| {
            let n = issued.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
            token_answer(&format!("token-{n}"), expires_in)
        })
        .mount(server)
        .await;
}

/// Answers every `GET` of the past meeting with `answer`.
async fn mount_api(server: &MockServer, answer: ResponseTemplate) {
    Mock::given(method("GET"))
        .and(path(UUID_PATH))
        .respond_with(answer)
        .mount(server)
        .await;
}

/// Answers the first `times` `GET`s of the past meeting with `answer`.
async fn mount_api_times(server: &MockServer, answer: ResponseTemplate, times: u64) {
    Mock::given(method("GET"))
        .and(path(UUID_PATH))
        .respond_with(answer)
        .up_to_n_times(times)
        .mount(server)
        .await;
}

async fn count(server: &MockServer, wanted_path: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.url.path() == wanted_path)
        .count()
}

fn meeting_ok() -> ResponseTemplate {
    ResponseTemplate::new(200)
        .set_body_json(json!({"uuid": UUID, "id": 5_638_296_721_i64, "topic": "Board"}))
}

fn uuid() -> MeetingUuid {
    MeetingUuid::parse(UUID).unwrap()
}

#[tokio::test]
async fn the_token_is_fetched_once_and_reused() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    Mock::given(method("GET"))
        .and(path(UUID_PATH))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(meeting_ok())
        .mount(&server)
        .await;
    let zoom = client(&server);

    for _ in 0..3 {
        let meeting = zoom.past_meeting(&uuid()).await.unwrap();
        assert_eq!(meeting["topic"], "Board");
    }
    assert_eq!(count(&server, "/oauth/token").await, 1);
    assert_eq!(count(&server, UUID_PATH).await, 3);
}

#[tokio::test]
async fn an_expired_token_is_renewed() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 1).await;
    mount_api(&server, meeting_ok()).await;
    let zoom = client(&server);

    zoom.past_meeting(&uuid()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    zoom.past_meeting(&uuid()).await.unwrap();

    assert_eq!(count(&server, "/oauth/token").await, 2);
    let requests = server.received_requests().await.unwrap();
    let bearers: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == UUID_PATH)
        .map(|r| {
            r.headers
                .get("authorization")
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(bearers, ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_succeeds() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    Mock::given(method("GET"))
        .and(path(UUID_PATH))
        .and(header("authorization", "Bearer token-1"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_json(json!({"code": 124, "message": "Invalid access token."})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path(UUID_PATH))
        .and(header("authorization", "Bearer token-2"))
        .respond_with(meeting_ok())
        .mount(&server)
        .await;

    client(&server).past_meeting(&uuid()).await.unwrap();
    assert_eq!(count(&server, "/oauth/token").await, 2);
    assert_eq!(count(&server, UUID_PATH).await, 2);
}

#[tokio::test]
async fn a_401_with_a_fresh_token_is_not_retried_again() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api(
        &server,
        ResponseTemplate::new(401)
            .set_body_json(json!({"code": 124, "message": "Invalid access token."})),
    )
    .await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert!(matches!(error, ZoomError::Unauthorized { .. }), "{error:?}");
    assert_eq!(error.error_type(), "Zoom.Unauthorized");
    assert_eq!(count(&server, "/oauth/token").await, 2);
    assert_eq!(count(&server, UUID_PATH).await, 2);
}

#[tokio::test]
async fn a_429_waits_for_retry_after_then_succeeds() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api_times(&server, ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"code": 429, "message": "You have reached the maximum per-second rate limit for this API. Try again later."})), 1).await;
    mount_api(&server, meeting_ok()).await;

    let started = Instant::now();
    client(&server).past_meeting(&uuid()).await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_millis(950),
        "Retry-After was not honoured"
    );
    assert_eq!(count(&server, UUID_PATH).await, 2);
}

#[tokio::test]
async fn a_429_asking_for_a_long_wait_is_returned_at_once() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api(
        &server,
        ResponseTemplate::new(429).insert_header("Retry-After", "3600"),
    )
    .await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert!(
        matches!(error, ZoomError::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(3600)),
        "{error:?}"
    );
    assert_eq!(error.error_type(), "Zoom.RateLimited");
    assert_eq!(count(&server, UUID_PATH).await, 1);
}

#[tokio::test]
async fn two_503s_then_a_200_succeeds() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api_times(&server, ResponseTemplate::new(503), 2).await;
    mount_api(&server, meeting_ok()).await;

    client(&server).past_meeting(&uuid()).await.unwrap();
    assert_eq!(count(&server, UUID_PATH).await, 3);
}

#[tokio::test]
async fn persistent_503s_stop_after_max_attempts() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api(&server, ResponseTemplate::new(503)).await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert_eq!(error.error_type(), "Zoom.Unavailable");
    assert_eq!(count(&server, UUID_PATH).await, 4);
}

#[tokio::test]
async fn a_404_is_not_retried() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api(
        &server,
        ResponseTemplate::new(404)
            .set_body_json(json!({"code": 3001, "message": "Meeting does not exist: 4444."})),
    )
    .await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert!(
        matches!(
            error,
            ZoomError::NotFound {
                code: Some(3001),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(count(&server, UUID_PATH).await, 1);
}

#[tokio::test]
async fn other_4xx_are_not_retried() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api(
        &server,
        ResponseTemplate::new(400).set_body_json(
            json!({"code": 1010, "message": "User does not belong to this account."}),
        ),
    )
    .await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert!(
        matches!(
            error,
            ZoomError::Rejected {
                status: 400,
                code: Some(1010),
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(count(&server, UUID_PATH).await, 1);
}

#[tokio::test]
async fn a_missing_scope_is_named_and_not_retried() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    mount_api(
        &server,
        ResponseTemplate::new(400).set_body_json(json!({
            "code": 4711,
            "message": "Invalid access token, does not contain scopes:[meeting:read:past_meeting:admin]."
        })),
    )
    .await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert_eq!(error.error_type(), "Zoom.MissingScope", "{error:?}");
    let text = error.to_string();
    assert!(text.contains("meeting:read:admin"), "{text}");
    assert!(text.contains("meeting:read:past_meeting:admin"), "{text}");
    assert_eq!(count(&server, UUID_PATH).await, 1);
}

#[tokio::test]
async fn wrong_credentials_fail_once_without_calling_the_api() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/oauth/token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            json!({"reason": "Invalid client_id or client_secret", "error": "invalid_client"}),
        ))
        .mount(&server)
        .await;

    let error = client(&server).past_meeting(&uuid()).await.unwrap_err();
    assert!(
        matches!(error, ZoomError::Unauthorized { ref message } if message.contains("Invalid client_id")),
        "{error:?}"
    );
    assert_eq!(count(&server, "/oauth/token").await, 1);
    assert_eq!(count(&server, UUID_PATH).await, 0);
}

#[tokio::test]
async fn uuids_are_double_encoded_in_paths_when_zoom_requires_it() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    Mock::given(method("GET"))
        .and(path("/v2/meetings/%252Fabc%253D%253D/recordings"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"uuid": "/abc==", "id": 1, "recording_files": []})),
        )
        .mount(&server)
        .await;

    let uuid = MeetingUuid::parse("/abc==").unwrap();
    let recordings = client(&server)
        .meeting_recordings(&uuid, None)
        .await
        .unwrap();
    assert_eq!(recordings.uuid, uuid);
}

#[tokio::test]
async fn participants_are_read_across_every_page() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    let participants_path = format!("{UUID_PATH}/participants");
    Mock::given(method("GET"))
        .and(path(participants_path.as_str()))
        .respond_with(|request: &Request| {
            let page_token = request
                .url
                .query_pairs()
                .find(|(k, _)| k == "next_page_token")
                .map(|(_, v)| v.into_owned());
            let (names, next) = match page_token.as_deref() {
                None => (vec!["a", "b"], "p2"),
                Some("p2") => (vec!["c"], "p3"),
                _ => (vec!["d"], ""),
            };
            let participants: Vec<_> = names.iter().map(|n| json!({"name": n})).collect();
            ResponseTemplate::new(200)
                .set_body_json(json!({"participants": participants, "next_page_token": next}))
        })
        .mount(&server)
        .await;

    let all = client(&server).past_participants(&uuid()).await.unwrap();
    let names: Vec<_> = all.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["a", "b", "c", "d"]);
    assert_eq!(count(&server, &participants_path).await, 3);
}

#[tokio::test]
async fn trash_sends_action_trash() {
    let server = MockServer::start().await;
    mount_token_endpoint(&server, 3600).await;
    Mock::given(method("DELETE"))
        .and(path("/v2/meetings/4444AAAiAAAAAiAiAiiAii%3D%3D/recordings"))
        .and(wiremock::matchers::query_param("action", "trash"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;

    client(&server)
        .trash_meeting_recordings(&uuid())
        .await
        .unwrap();
}
