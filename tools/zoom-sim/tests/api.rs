//! The simulated REST API and OAuth, as a client sees them.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::*;
use serde_json::{Value, json};
use zoom_sim::{Fault, RateLimits, Scope, SimConfig};

#[tokio::test]
async fn oauth_checks_basic_auth_and_issues_tokens_with_the_configured_lifetime() {
    let sim = start_with(SimConfig {
        token_ttl: Duration::from_secs(1),
        ..SimConfig::new(scenario())
    })
    .await;
    let client = reqwest::Client::new();

    let refused = client
        .post(sim.oauth_token_url())
        .basic_auth("sim-client-id", Some("wrong"))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", "bxTu88fMRR6lJDWVEJ4P9A"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 400);
    let body: Value = refused.json().await.unwrap();
    assert_eq!(body["error"], "invalid_client");

    let wrong_grant = client
        .post(format!(
            "{}?grant_type=client_credentials",
            sim.oauth_token_url()
        ))
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong_grant.status(), 400);

    let answer: Value = client
        .post(format!(
            "{}?grant_type=account_credentials&account_id=bxTu88fMRR6lJDWVEJ4P9A",
            sim.oauth_token_url()
        ))
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(answer["token_type"], "bearer");
    assert_eq!(answer["expires_in"], 1);
    let token = answer["access_token"].as_str().unwrap();

    let (status, _) = api_get(&sim, token, "/users").await;
    assert_eq!(status, 200);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (status, body) = api_get(&sim, token, "/users").await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(124)));
    assert_eq!(body["message"], "Access token is expired.");
}

#[tokio::test]
async fn the_api_wants_a_valid_bearer_token() {
    let sim = start().await;
    let (status, body) = api_get(&sim, "made-up", "/users").await;
    assert_eq!((status, body["code"].as_i64()), (401, Some(124)));
    let missing = reqwest::get(format!("{}/users", sim.api_base_url()))
        .await
        .unwrap();
    assert_eq!(missing.status(), 401);
}

#[tokio::test]
async fn the_account_listing_pages_through_every_instance() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut next = String::new();
    loop {
        let (status, page) = api_get(
            &sim,
            &token,
            &format!("/accounts/me/recordings?from=2026-10-25&to=2026-11-22&page_size=2&next_page_token={next}"),
        )
        .await;
        assert_eq!(status, 200, "{page}");
        pages += 1;
        assert_eq!(page["total_records"], 5);
        seen.extend(
            page["meetings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["uuid"].as_str().unwrap().to_owned()),
        );
        next = page["next_page_token"].as_str().unwrap().to_owned();
        if next.is_empty() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 5);
    assert_eq!(
        seen.iter().collect::<HashSet<_>>().len(),
        5,
        "no instance twice"
    );
    assert_eq!(seen[0], BOARD, "newest first");
}

#[tokio::test]
async fn a_users_listing_is_filtered_by_host_and_window() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let (status, page) = api_get(
        &sim,
        &token,
        "/users/alice@example.org/recordings?from=2026-11-01&to=2026-11-30",
    )
    .await;
    assert_eq!(status, 200);
    let uuids: Vec<_> = page["meetings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["uuid"].clone())
        .collect();
    assert_eq!(
        uuids,
        [json!(BOARD)],
        "Alice's October meeting is outside the window"
    );
    assert_eq!(
        page["meetings"][0]["type"], "8",
        "REST sends type as a string"
    );
    let url = page["meetings"][0]["recording_files"][0]["download_url"]
        .as_str()
        .unwrap();
    assert!(url.contains("/rec/download/"), "{url}");
}

#[tokio::test]
async fn a_window_over_one_month_is_refused() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let (status, body) = api_get(
        &sim,
        &token,
        "/accounts/me/recordings?from=2026-09-01&to=2026-11-20",
    )
    .await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(300)));
    assert!(body["message"].as_str().unwrap().contains("one month"));
    let (status, _) = api_get(
        &sim,
        &token,
        "/accounts/me/recordings?from=2026-10-20&to=2026-11-20",
    )
    .await;
    assert_eq!(status, 200, "exactly one month is allowed");
}

#[tokio::test]
async fn uuids_needing_double_encoding_are_404_when_encoded_once() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    for uuid in [INSTANT, RECURRING_LATEST] {
        let once = urlencoding(uuid);
        let twice = urlencoding(&once);
        let (status, body) = api_get(&sim, &token, &format!("/meetings/{once}/recordings")).await;
        assert_eq!(status, 404, "{uuid} encoded once: {body}");
        let (status, body) = api_get(&sim, &token, &format!("/meetings/{twice}/recordings")).await;
        assert_eq!(status, 200, "{uuid} encoded twice: {body}");
        assert_eq!(body["uuid"], uuid);
    }
    let (status, body) = api_get(
        &sim,
        &token,
        &format!("/past_meetings/{}", urlencoding(BOARD)),
    )
    .await;
    assert_eq!(
        (status, body["uuid"].as_str()),
        (200, Some(BOARD)),
        "once is enough for plain uuids"
    );
}

fn urlencoding(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

#[tokio::test]
async fn a_meeting_number_means_its_latest_instance() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let (status, body) = api_get(
        &sim,
        &token,
        &format!("/meetings/{RECURRING_ID}/recordings"),
    )
    .await;
    assert_eq!(
        (status, body["uuid"].as_str()),
        (200, Some(RECURRING_LATEST))
    );
    let (_, instances) = api_get(
        &sim,
        &token,
        &format!("/past_meetings/{RECURRING_ID}/instances"),
    )
    .await;
    assert_eq!(instances["meetings"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn past_meetings_participants_and_scheduled_meetings() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let board = urlencoding(BOARD);
    let (status, past) = api_get(&sim, &token, &format!("/past_meetings/{board}")).await;
    assert_eq!(
        (status, past["participants_count"].as_i64()),
        (200, Some(4))
    );

    let (_, first) = api_get(
        &sim,
        &token,
        &format!("/past_meetings/{board}/participants?page_size=3"),
    )
    .await;
    assert_eq!(first["participants"].as_array().unwrap().len(), 3);
    let next = first["next_page_token"].as_str().unwrap();
    let (_, second) = api_get(
        &sim,
        &token,
        &format!("/past_meetings/{board}/participants?page_size=3&next_page_token={next}"),
    )
    .await;
    assert_eq!(second["participants"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_page_token"], "");

    let (status, scheduled) = api_get(&sim, &token, "/meetings/88031573992").await;
    assert_eq!(
        (status, scheduled["topic"].as_str()),
        (200, Some("Board meeting"))
    );
    let (status, body) = api_get(&sim, &token, "/meetings/81234567890").await;
    assert_eq!(
        (status, body["code"].as_i64()),
        (404, Some(3001)),
        "instant meetings have no scheduled meeting"
    );
}

#[tokio::test]
async fn webinars_are_found_by_the_webinar_endpoints_and_refused_by_the_meeting_ones() {
    let sim = start_with(SimConfig::new(scenario_with_webinar())).await;
    let token = oauth_token(&sim).await;
    let webinar = urlencoding(WEBINAR);
    let get = |path: String| {
        let (sim, token) = (&sim, &token);
        async move { api_get(sim, token, &path).await }
    };
    let code = |(status, body): (u16, serde_json::Value)| (status, body["code"].as_i64());

    // The meeting endpoints do not describe it, as Zoom's spec documents.
    assert_eq!(
        code(get(format!("/meetings/{WEBINAR_ID}")).await),
        (400, Some(3000))
    );
    assert_eq!(
        code(get(format!("/past_meetings/{webinar}")).await),
        (404, Some(3001))
    );
    assert_eq!(
        code(get(format!("/past_meetings/{webinar}/participants")).await),
        (404, Some(3001))
    );
    // The recording endpoints serve webinars and meetings alike.
    let (status, recordings) = get(format!("/meetings/{webinar}/recordings")).await;
    assert_eq!((status, recordings["type"].as_str()), (200, Some("5")));

    let (status, scheduled) = get(format!("/webinars/{WEBINAR_ID}")).await;
    assert_eq!(
        (status, scheduled["topic"].as_str()),
        (200, Some("Town hall webinar"))
    );
    let (_, panelists) = get(format!("/webinars/{WEBINAR_ID}/panelists")).await;
    assert_eq!(panelists["total_records"], 2);
    let (status, report) = get(format!("/report/webinars/{webinar}")).await;
    assert_eq!(
        (status, report["participants_count"].as_u64()),
        (200, Some(WEBINAR_ATTENDEES as u64))
    );
    let (_, first) = get(format!(
        "/past_webinars/{webinar}/participants?page_size=300"
    ))
    .await;
    assert_eq!(first["participants"].as_array().unwrap().len(), 300);
    let next = first["next_page_token"].as_str().unwrap();
    let (_, second) = get(format!(
        "/past_webinars/{webinar}/participants?page_size=300&next_page_token={next}"
    ))
    .await;
    assert_eq!(second["participants"].as_array().unwrap().len(), 1);
    let (status, qa) = get(format!("/past_webinars/{webinar}/qa")).await;
    assert_eq!(
        (status, qa["questions"].as_array().unwrap().len()),
        (200, 2)
    );
    assert_eq!(
        code(get(format!("/past_webinars/{webinar}/polls")).await),
        (404, Some(3001)),
        "no poll ran"
    );

    // And the webinar endpoints find no meeting.
    let board = urlencoding(BOARD);
    assert_eq!(
        code(get("/webinars/88031573992".into()).await),
        (404, Some(3001))
    );
    assert_eq!(
        code(get(format!("/report/webinars/{board}")).await),
        (404, Some(3001))
    );
    // The account's listing holds the webinar with its type.
    let (_, listing) = get("/accounts/me/recordings?from=2026-10-25&to=2026-11-22".into()).await;
    let listed = listing["meetings"].as_array().unwrap();
    assert!(
        listed
            .iter()
            .any(|m| m["uuid"] == WEBINAR && m["type"] == "5")
    );
}

#[tokio::test]
async fn a_missing_scope_fault_answers_4711_naming_the_scope_for_its_paths_only() {
    let sim = start_with(SimConfig::new(scenario_with_webinar())).await;
    let token = oauth_token(&sim).await;
    sim.sim().add_fault(Fault::MissingScope {
        path_prefix: "/past_webinars/".into(),
        scope: "webinar:read:list_past_participants:admin".into(),
        times: None,
    });
    let webinar = urlencoding(WEBINAR);
    let (status, body) = api_get(&sim, &token, &format!("/past_webinars/{webinar}/qa")).await;
    assert_eq!((status, body["code"].as_i64()), (400, Some(4711)));
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .contains("webinar:read:list_past_participants:admin")
    );
    let (status, _) = api_get(&sim, &token, &format!("/webinars/{WEBINAR_ID}")).await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn trash_delete_and_recover_are_recorded_and_take_effect() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let client = reqwest::Client::new();
    let board = urlencoding(BOARD);
    let trash = client
        .delete(format!(
            "{}/meetings/{board}/recordings?action=trash",
            sim.api_base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(trash.status(), 204);
    let (status, body) = api_get(&sim, &token, &format!("/meetings/{board}/recordings")).await;
    assert_eq!((status, body["code"].as_i64()), (404, Some(3301)));
    let (_, trashed) = api_get(
        &sim,
        &token,
        "/accounts/me/recordings?from=2026-11-01&to=2026-11-30&trash=true",
    )
    .await;
    assert_eq!(trashed["meetings"][0]["uuid"], BOARD);

    let recover = client
        .put(format!(
            "{}/meetings/{board}/recordings/status",
            sim.api_base_url()
        ))
        .bearer_auth(&token)
        .json(&json!({"action": "recover"}))
        .send()
        .await
        .unwrap();
    assert_eq!(recover.status(), 204);
    let (status, _) = api_get(&sim, &token, &format!("/meetings/{board}/recordings")).await;
    assert_eq!(status, 200);

    let instant_twice = urlencoding(&urlencoding(INSTANT));
    let delete_file = client
        .delete(format!(
            "{}/meetings/{instant_twice}/recordings/{INSTANT_MP4}?action=delete",
            sim.api_base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(delete_file.status(), 204);
    let (_, instant) = api_get(
        &sim,
        &token,
        &format!("/meetings/{instant_twice}/recordings"),
    )
    .await;
    assert_eq!(instant["recording_files"].as_array().unwrap().len(), 1);

    let log: Vec<_> = sim
        .sim()
        .trash_log()
        .into_iter()
        .map(|r| (r.meeting_uuid, r.file_id, r.action))
        .collect();
    assert_eq!(
        log,
        [
            (BOARD.to_owned(), None, "trash".to_owned()),
            (BOARD.to_owned(), None, "recover".to_owned()),
            (
                INSTANT.to_owned(),
                Some(INSTANT_MP4.to_owned()),
                "delete".to_owned()
            ),
        ]
    );
    let via_control: Value = reqwest::get(format!("{}/_sim/trash", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(via_control.as_array().unwrap().len(), 3);
}

#[tokio::test]
async fn rate_limits_answer_429_with_retry_after() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    sim.sim().set_rate_limits(RateLimits {
        medium: Some(2.0),
        ..RateLimits::default()
    });
    let mut statuses = Vec::new();
    for _ in 0..6 {
        let response = reqwest::Client::new()
            .get(format!("{}/users", sim.api_base_url()))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            assert_eq!(response.headers()["retry-after"], "1");
            let body: Value = response.json().await.unwrap();
            assert!(body["message"].as_str().unwrap().contains("rate limit"));
        }
        statuses.push(status);
    }
    assert_eq!(
        statuses.iter().filter(|&&s| s == 200).count(),
        2,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|&&s| s == 429).count(),
        4,
        "{statuses:?}"
    );
    let (status, _) = api_get(
        &sim,
        &token,
        &format!("/past_meetings/{}", urlencoding(BOARD)),
    )
    .await;
    assert_eq!(status, 200, "Light calls have their own budget");
}

#[tokio::test]
async fn injected_status_and_429_faults_fire_the_requested_number_of_times() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    sim.sim().add_fault(Fault::Status {
        status: 503,
        times: Some(2),
        scope: Scope::Api,
    });
    let mut statuses = Vec::new();
    for _ in 0..3 {
        statuses.push(api_get(&sim, &token, "/users").await.0);
    }
    assert_eq!(statuses, [503, 503, 200]);

    let fault =
        json!({"kind": "rate_limited", "times": 1, "retry_after_seconds": 7, "scope": "api"});
    let added = reqwest::Client::new()
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&fault)
        .send()
        .await
        .unwrap();
    assert_eq!(added.status(), 204);
    let response = reqwest::Client::new()
        .get(format!("{}/users", sim.api_base_url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert_eq!(response.headers()["retry-after"], "7");
    assert_eq!(api_get(&sim, &token, "/users").await.0, 200);
}

#[tokio::test]
async fn expiring_every_token_makes_the_api_answer_401() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    assert_eq!(api_get(&sim, &token, "/users").await.0, 200);
    let expired = reqwest::Client::new()
        .post(format!("{}/_sim/tokens/expire", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), 204);
    let (status, body) = api_get(&sim, &token, "/users").await;
    assert_eq!(
        (status, body["message"].as_str()),
        (401, Some("Access token is expired."))
    );
}

#[tokio::test]
async fn calls_are_recorded_in_order_with_their_status() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    api_get(&sim, &token, "/users").await;
    api_get(&sim, &token, "/nope").await;
    let calls: Vec<Value> = reqwest::get(format!("{}/_sim/calls", sim.base_url()))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let summary: Vec<_> = calls
        .iter()
        .map(|c| (c["method"].clone(), c["path"].clone(), c["status"].clone()))
        .collect();
    assert_eq!(
        summary,
        [
            (json!("POST"), json!("/oauth/token"), json!(200)),
            (json!("GET"), json!("/v2/users"), json!(200)),
            (json!("GET"), json!("/v2/nope"), json!(404)),
        ]
    );
    let reset = reqwest::Client::new()
        .post(format!("{}/_sim/reset", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(reset.status(), 204);
    assert!(sim.sim().calls().is_empty());
}

#[tokio::test]
async fn a_file_trashed_alone_leaves_the_listing_and_recover_brings_it_back() {
    let sim = start().await;
    let token = oauth_token(&sim).await;
    let client = reqwest::Client::new();
    let board = urlencoding(BOARD);
    let listed = |body: &Value| -> Vec<String> {
        body["recording_files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let (_, before) = api_get(&sim, &token, &format!("/meetings/{board}/recordings")).await;
    let all = listed(&before);
    let one = &all[0];
    let trash = client
        .delete(format!(
            "{}/meetings/{board}/recordings/{one}?action=trash",
            sim.api_base_url()
        ))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(trash.status(), 204);
    let (_, after) = api_get(&sim, &token, &format!("/meetings/{board}/recordings")).await;
    assert_eq!(
        listed(&after),
        all[1..],
        "the trashed file is no longer listed"
    );

    // Recovering the meeting recovers a file trashed on its own, too.
    let recover = client
        .put(format!(
            "{}/meetings/{board}/recordings/status",
            sim.api_base_url()
        ))
        .bearer_auth(&token)
        .json(&json!({"action": "recover"}))
        .send()
        .await
        .unwrap();
    assert_eq!(recover.status(), 204);
    let (_, recovered) = api_get(&sim, &token, &format!("/meetings/{board}/recordings")).await;
    assert_eq!(listed(&recovered), all);
    // Nothing left in the trash: Zoom's "no recording".
    let again = client
        .put(format!(
            "{}/meetings/{board}/recordings/status",
            sim.api_base_url()
        ))
        .bearer_auth(&token)
        .json(&json!({"action": "recover"}))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 404);
}
