//! The `zoom-sim` binary: its help documents every option, and it serves what it is given.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_zoom-sim");

fn help(args: &[&str]) -> String {
    let output = Command::new(BINARY)
        .args(args)
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn help_documents_every_option() {
    let top = help(&[]);
    for command in ["serve", "send-webhook", "fault"] {
        assert!(top.contains(command), "{command} missing from:\n{top}");
    }
    let serve = help(&["serve"]);
    for option in [
        "--scenario",
        "--generate",
        "--host",
        "--port",
        "--url-file",
        "--client-id",
        "--client-secret",
        "--webhook-secret",
        "--token-ttl-seconds",
        "--download-token-ttl-seconds",
        "--page-token-ttl-seconds",
        "--rate-limit-light",
        "--rate-limit-medium",
        "--rate-limit-heavy",
        "--free-plan-rate-limits",
        "--no-range",
        "--content-salt",
    ] {
        assert!(serve.contains(option), "{option} missing from:\n{serve}");
    }
    let send = help(&["send-webhook"]);
    for option in [
        "--sim",
        "--to",
        "--event",
        "--meeting",
        "--times",
        "--concurrent",
        "--signature",
        "--timestamp-offset-seconds",
    ] {
        assert!(send.contains(option), "{option} missing from:\n{send}");
    }
}

#[test]
fn the_binary_serves_a_generated_account_on_a_free_port() {
    let dir = std::env::temp_dir().join(format!("zoom-sim-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url_file = dir.join("url");
    let mut child = Command::new(BINARY)
        .args([
            "serve",
            "--generate",
            "3,10,30",
            "--port",
            "0",
            "--url-file",
        ])
        .arg(&url_file)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let base_url = loop {
        if let Ok(url) = std::fs::read_to_string(&url_file) {
            break url;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "zoom-sim did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let health = Command::new("curl")
        .args(["-sf", &format!("{base_url}/_sim/health")])
        .output()
        .unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(String::from_utf8_lossy(&health.stdout), "ok");
}

#[test]
fn a_missing_scenario_is_a_clear_error() {
    let output = Command::new(BINARY)
        .args(["serve", "--port", "0"])
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--scenario"));
}
