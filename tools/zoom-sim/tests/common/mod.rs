//! Helpers shared by the simulator's tests.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;

use serde_json::Value;
use zoom_sim::{Scenario, SimConfig, ZoomSim};

pub const BOARD: &str = "DUZke5GtTtuQlcx4mUo0Xw==";
pub const BOARD_MP4: &str = "6606c8c8-9ab6-4700-8562-4685827be2ef";
pub const BOARD_CHAT: &str = "c4a7f11e-0000-4000-8000-00000000000d";
pub const INSTANT: &str = "/aBcDeFgHiJkLmNoPqRs+Q==";
pub const INSTANT_MP4: &str = "b0000001-0000-4000-8000-000000000001";
pub const RECURRING_LATEST: &str = "Xy//Zw1234567890abcdEF==";
pub const RECURRING_ID: i64 = 87_777_777_777;

pub fn scenario() -> Scenario {
    let path = format!(
        "{}/../../fixtures/scenarios/standard.json",
        env!("CARGO_MANIFEST_DIR")
    );
    Scenario::load(std::path::Path::new(&path)).unwrap()
}

pub async fn start() -> ZoomSim {
    start_with(SimConfig::new(scenario())).await
}

pub async fn start_with(config: SimConfig) -> ZoomSim {
    ZoomSim::start(config, SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .unwrap()
}

/// A client that does not follow redirects, so tests see Zoom's 302.
pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub async fn oauth_token(sim: &ZoomSim) -> String {
    let answer: Value = reqwest::Client::new()
        .post(sim.oauth_token_url())
        .basic_auth("sim-client-id", Some("sim-client-secret"))
        .form(&[
            ("grant_type", "account_credentials"),
            ("account_id", "bxTu88fMRR6lJDWVEJ4P9A"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    answer["access_token"].as_str().unwrap().to_owned()
}

/// GET `{api}/{path}` (path already encoded) with a token; status and JSON body.
pub async fn api_get(sim: &ZoomSim, token: &str, path_and_query: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .get(format!("{}{path_and_query}", sim.api_base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// The simulator's bytes for a file range, computed without the server.
pub fn expected_bytes(sim: &ZoomSim, file_id: &str, offset: u64, len: usize) -> Vec<u8> {
    let mut bytes = vec![0u8; len];
    zoom_sim::content::fill(sim.sim().file_seed(file_id), offset, &mut bytes);
    bytes
}

pub const WEBINAR: &str = "WebinarTownHall0000000AA==";
pub const WEBINAR_ID: i64 = 91_234_567_890;
/// More attendees than one page holds.
pub const WEBINAR_ATTENDEES: usize = 301;

/// The standard scenario and a webinar (type 5) with 301 attendees, two panelists, two
/// questions and no poll.
pub fn scenario_with_webinar() -> Scenario {
    let mut scenario = scenario();
    let mut webinar = scenario.meetings[0].clone();
    webinar.uuid = WEBINAR.into();
    webinar.id = WEBINAR_ID;
    webinar.make_webinar(WEBINAR_ATTENDEES);
    webinar.topic = "Town hall webinar".into();
    webinar.participant_audio.clear();
    for file in &mut webinar.files {
        file.id = format!("webinar-{}", file.id);
    }
    scenario.meetings.push(webinar);
    scenario
}
