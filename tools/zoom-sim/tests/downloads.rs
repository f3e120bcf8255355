//! Downloads: token checks, the redirect, Range, and the body faults.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;
use sha2::{Digest, Sha256};
use zoom_sim::Fault;

fn rest_url(sim: &zoom_sim::ZoomSim, file_id: &str) -> String {
    format!("{}/rec/download/{file_id}", sim.base_url())
}

/// Follows Zoom's redirect by hand and returns the CDN URL.
async fn cdn_url(sim: &zoom_sim::ZoomSim, token: &str, file_id: &str) -> String {
    let response = no_redirects()
        .get(rest_url(sim, file_id))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 302);
    response.headers()["location"].to_str().unwrap().to_owned()
}

/// A simulator with `fault` armed, and the CDN URL of its 1,000,000-byte instant-meeting MP4.
async fn instant_mp4_with(fault: Fault) -> (zoom_sim::ZoomSim, String) {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    sim.sim().add_fault(fault);
    let location = cdn_url(&sim, &token, INSTANT_MP4).await;
    (sim, location)
}

#[tokio::test]
async fn a_download_redirects_to_the_cdn_which_serves_the_exact_bytes() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let location = cdn_url(&sim, &token, INSTANT_MP4).await;
    assert!(
        location.contains("/cdn/") && location.contains("signature="),
        "{location}"
    );

    // A client that follows redirects gets the file, typed as video.
    let response = reqwest::Client::new()
        .get(rest_url(&sim, INSTANT_MP4))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "video/mp4");
    assert_eq!(response.headers()["content-length"], "1000000");
    let body = response.bytes().await.unwrap();
    let info: Value = reqwest::get(format!("{}/_sim/files/{INSTANT_MP4}", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(info["size"], 1_000_000);
    assert_eq!(
        info["sha256"].as_str().unwrap(),
        hex::encode(Sha256::digest(&body))
    );
}

#[tokio::test]
async fn the_cdn_refuses_a_tampered_signature() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let location = cdn_url(&sim, &token, INSTANT_MP4).await;
    let tampered = location.replace("signature=", "signature=00");
    assert_eq!(reqwest::get(tampered).await.unwrap().status(), 403);
}

#[tokio::test]
async fn ranges_get_206_with_content_range_and_the_exact_bytes() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let location = cdn_url(&sim, &token, INSTANT_MP4).await;
    let size = 1_000_000_u64;
    for (range, start, end) in [
        ("bytes=0-0", 0, 0),
        ("bytes=1-8", 1, 8),
        ("bytes=123457-654321", 123_457, 654_321),
        ("bytes=999990-", 999_990, 999_999),
        ("bytes=-17", size - 17, size - 1),
        ("bytes=999000-5000000", 999_000, 999_999),
    ] {
        let response = reqwest::Client::new()
            .get(&location)
            .header("range", range)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 206, "{range}");
        assert_eq!(
            response.headers()["content-range"],
            format!("bytes {start}-{end}/{size}").as_str(),
            "{range}"
        );
        let body = response.bytes().await.unwrap();
        assert_eq!(body.len() as u64, end - start + 1, "{range}");
        assert_eq!(
            body.to_vec(),
            expected_bytes(&sim, INSTANT_MP4, start, body.len()),
            "{range}"
        );
    }
    let beyond = reqwest::Client::new()
        .get(&location)
        .header("range", "bytes=1000000-")
        .send()
        .await
        .unwrap();
    assert_eq!(beyond.status(), 416);
    assert_eq!(beyond.headers()["content-range"], "bytes */1000000");
}

#[tokio::test]
async fn with_range_support_off_the_whole_body_comes_with_200() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let switched = reqwest::Client::new()
        .put(format!("{}/_sim/range-support", sim.base_url()))
        .json(&serde_json::json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(switched.status(), 204);
    let location = cdn_url(&sim, &token, INSTANT_MP4).await;
    let response = reqwest::Client::new()
        .get(&location)
        .header("range", "bytes=10-20")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("content-range").is_none());
    assert_eq!(response.bytes().await.unwrap().len(), 1_000_000);
}

#[tokio::test]
async fn a_bad_or_missing_token_gets_an_html_page_with_status_200() {
    let sim = start().await;
    for token in [Some("not-a-token"), None] {
        let mut request = no_redirects().get(rest_url(&sim, INSTANT_MP4));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/html")
        );
        assert!(
            response
                .text()
                .await
                .unwrap()
                .contains("Only the host can download")
        );
    }
}

#[tokio::test]
async fn a_token_in_the_query_string_is_refused() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let response = no_redirects()
        .get(format!(
            "{}?access_token={token}",
            rest_url(&sim, INSTANT_MP4)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn a_download_access_token_opens_only_its_own_instance() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let board = url::form_urlencoded::byte_serialize(BOARD.as_bytes()).collect::<String>();
    let (status, body) = api_get(
        &sim,
        &token,
        &format!("/meetings/{board}/recordings?include_fields=download_access_token&ttl=600"),
    )
    .await;
    assert_eq!(status, 200);
    let access = body["download_access_token"].as_str().unwrap();
    let own = no_redirects()
        .get(rest_url(&sim, BOARD_CHAT))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(own.status(), 302);
    let other = no_redirects()
        .get(rest_url(&sim, INSTANT_MP4))
        .bearer_auth(access)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 200, "HTML refusal");
    assert!(other.text().await.unwrap().contains("<html>"));
    let (status, _) = api_get(
        &sim,
        &token,
        &format!("/meetings/{board}/recordings?include_fields=download_access_token&ttl=604801"),
    )
    .await;
    assert_eq!(status, 400, "ttl over a week");
}

#[tokio::test]
async fn a_reset_fault_cuts_the_body_once() {
    let (_sim, location) = instant_mp4_with(Fault::ResetAfterBytes {
        bytes: 300_000,
        times: Some(1),
    })
    .await;
    let cut = reqwest::get(&location).await.unwrap();
    assert_eq!(cut.status(), 200);
    assert!(
        cut.bytes().await.is_err(),
        "the connection is reset mid-body"
    );
    let whole = reqwest::get(&location)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(whole.len(), 1_000_000, "the fault fired once");
}

#[tokio::test]
async fn a_reset_fault_waits_for_a_body_long_enough_to_cut() {
    let (sim, location) = instant_mp4_with(Fault::ResetAfterBytes {
        bytes: 300_000,
        times: Some(1),
    })
    .await;
    let client = reqwest::Client::new();
    // A 100,000-byte range is shorter than the offset: served whole, the fault left in place.
    let short = client
        .get(&location)
        .header("Range", "bytes=0-99999")
        .send()
        .await
        .unwrap();
    assert_eq!(short.bytes().await.unwrap().len(), 100_000);
    assert_eq!(
        sim.sim().active_faults().len(),
        1,
        "not used up by a short body"
    );
    let long = client.get(&location).send().await.unwrap();
    assert!(long.bytes().await.is_err(), "the next long body is cut");
    assert!(sim.sim().active_faults().is_empty());
}

#[tokio::test]
async fn a_truncate_fault_ends_the_body_early() {
    let (_sim, location) = instant_mp4_with(Fault::Truncate {
        bytes: 1000,
        times: None,
    })
    .await;
    for _ in 0..2 {
        let response = reqwest::get(&location).await.unwrap();
        assert_eq!(response.headers()["content-length"], "1000000");
        assert!(
            response.bytes().await.is_err(),
            "fewer bytes than Content-Length"
        );
    }
}

#[tokio::test]
async fn a_wrong_length_fault_serves_a_consistent_but_short_body() {
    let (_sim, location) = instant_mp4_with(Fault::WrongLength {
        delta: -1000,
        times: Some(1),
    })
    .await;
    let response = reqwest::get(&location).await.unwrap();
    assert_eq!(response.headers()["content-length"], "999000");
    assert_eq!(response.bytes().await.unwrap().len(), 999_000);
}

#[tokio::test]
async fn a_throttle_fault_slows_the_body() {
    let (_sim, location) = instant_mp4_with(Fault::Throttle {
        bytes_per_second: 1_000_000,
        times: Some(1),
    })
    .await;
    let started = Instant::now();
    let body = reqwest::get(&location)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(body.len(), 1_000_000);
    assert!(
        started.elapsed() >= Duration::from_millis(800),
        "1 MB at 1 MB/s took {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn download_faults_can_answer_with_a_status() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    sim.sim().add_fault(Fault::Status {
        status: 502,
        times: Some(1),
        scope: zoom_sim::Scope::Download,
    });
    let first = no_redirects()
        .get(rest_url(&sim, INSTANT_MP4))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), 502);
    let second = no_redirects()
        .get(rest_url(&sim, INSTANT_MP4))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), 302);
    assert_eq!(
        api_get(&sim, &token, "/users").await.0,
        200,
        "API calls are out of the fault's scope"
    );
}
