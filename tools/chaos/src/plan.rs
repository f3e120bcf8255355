//! What a chaos run sends through the pipeline: recordings of mixed sizes and file types, in one
//! group per kind of trouble. Generated from a seed, so a failing run can be repeated exactly.

use std::path::Path;

use anyhow::Context;
use chrono::{Duration, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use zoom_sim::Scenario;
use zoom_sim::scenario::{FileSpec, MeetingInstance};

pub const KIB: u64 = 1024;
pub const MIB: u64 = 1024 * KIB;

/// One kind of trouble a group of recordings meets on its way into the archive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trouble {
    /// Download connections cut at random offsets.
    ConnectionResets,
    /// Storms of 429 with `Retry-After`, on the API and on downloads.
    RateLimitStorm,
    /// Bursts of 503 on the API and on downloads.
    ServiceUnavailable,
    /// Download bodies trickling, so calls run out of time and continue.
    SlowBodies,
    /// Zoom ignoring `Range` and sending whole files.
    RangeIgnored,
    /// Every OAuth and download token expiring while files are copied.
    ExpiredTokens,
    /// The same webhook five times at once.
    DuplicateWebhooks,
    /// The S3 the functions talk to failing requests (503, 500, connections reset before and
    /// after the request took effect), through tools/s3-fault-proxy.
    S3Failures,
    /// All of the above at once, lighter.
    Everything,
    /// Forged webhooks and an operator's mistakes: an edited document reaching outside its
    /// folder, a short file list, a foreign download URL (see [`crate::operator`]).
    OperatorAndInput,
}

impl Trouble {
    pub const ALL: [Self; 10] = [
        Self::ConnectionResets,
        Self::RateLimitStorm,
        Self::ServiceUnavailable,
        Self::SlowBodies,
        Self::RangeIgnored,
        Self::ExpiredTokens,
        Self::DuplicateWebhooks,
        Self::S3Failures,
        Self::Everything,
        Self::OperatorAndInput,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Self::ConnectionResets => "connection resets at random offsets",
            Self::RateLimitStorm => "429 storms",
            Self::ServiceUnavailable => "503 bursts",
            Self::SlowBodies => "slow bodies (continuations)",
            Self::RangeIgnored => "Range ignored",
            Self::ExpiredTokens => "tokens expiring mid-copy",
            Self::DuplicateWebhooks => "same webhook 5x at once",
            Self::S3Failures => "S3 failing requests",
            Self::Everything => "everything at once",
            Self::OperatorAndInput => "operator and input mistakes",
        }
    }
}

/// How many recordings, how big, and from which seed.
#[derive(Debug, Clone)]
pub struct ChaosConfig {
    pub recordings: usize,
    /// The largest file of the run (one video this size; the others smaller).
    pub max_file_bytes: u64,
    pub seed: u64,
}

/// The recordings of one trouble.
#[derive(Debug, Clone)]
pub struct Group {
    pub trouble: Trouble,
    pub meetings: Vec<MeetingInstance>,
}

/// The whole run: the simulated account and its groups.
#[derive(Debug, Clone)]
pub struct ChaosPlan {
    pub scenario: Scenario,
    pub groups: Vec<Group>,
}

impl ChaosPlan {
    /// Recordings spread over every trouble in turn; uuids and file ids carry `run_tag`, so a
    /// run never meets the executions or objects of an earlier one.
    pub fn generate(
        config: &ChaosConfig,
        standard_scenario: &Path,
        run_tag: &str,
    ) -> anyhow::Result<Self> {
        let standard = Scenario::load(standard_scenario)?;
        let template = standard
            .meetings
            .iter()
            .find(|m| !m.participant_audio.is_empty())
            .context("the standard scenario has no meeting with participant audio")?
            .clone();
        let mut rng = StdRng::seed_from_u64(config.seed);
        let mut groups: Vec<Group> = Trouble::ALL
            .iter()
            .map(|&trouble| Group {
                trouble,
                meetings: Vec::new(),
            })
            .collect();
        let group_count = groups.len();
        let mut n = 0;
        while n < config.recordings.max(group_count) {
            let size = video_size(n, config.max_file_bytes, &mut rng);
            let meeting = recording(&template, run_tag, n, size, &mut rng);
            groups[n % group_count].meetings.push(meeting);
            n += 1;
        }
        // Each of the operator group's three mistakes meets at least one recording.
        let operator = group_count - 1;
        while groups[operator].meetings.len() < 3 {
            let meeting = recording(&template, run_tag, n, 64 * KIB, &mut rng);
            groups[operator].meetings.push(meeting);
            n += 1;
        }
        let mut scenario = standard;
        scenario.meetings = groups
            .iter()
            .flat_map(|g| g.meetings.iter().cloned())
            .collect();
        Ok(Self { scenario, groups })
    }

    pub fn recordings(&self) -> usize {
        self.scenario.meetings.len()
    }

    pub fn files(&self) -> usize {
        self.scenario
            .meetings
            .iter()
            .map(|m| files_of(m).len())
            .sum()
    }

    pub fn bytes(&self) -> u64 {
        self.scenario
            .meetings
            .iter()
            .flat_map(files_of)
            .map(|f| f.size)
            .sum()
    }
}

/// The repository's standard scenario, whose account, hosts and participants the plan reuses.
pub fn standard_scenario() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenarios/standard.json")
}

/// Every file of an instance the archive must hold.
pub fn files_of(meeting: &MeetingInstance) -> Vec<&FileSpec> {
    meeting
        .files
        .iter()
        .chain(meeting.participant_audio.iter())
        .collect()
}

/// The main video's size: one at the maximum, a few large, most between 64 KiB and 48 MiB
/// (log-uniform, like a real account's mix of short calls and long lectures).
fn video_size(n: usize, max: u64, rng: &mut StdRng) -> u64 {
    let small_max = max.clamp(64 * KIB + 1, 48 * MIB);
    match n {
        0 => max,
        _ if n % 12 == 3 => (max / 4).max(64 * KIB),
        _ if n % 12 == 7 => (max / 8).max(64 * KIB),
        _ => {
            let (low, high) = ((64 * KIB) as f64, small_max as f64);
            let exponent = rng.random_range(low.ln()..high.ln());
            exponent.exp() as u64
        }
    }
}

/// One instance: the template meeting with its own uuid, topic, time and files. File types
/// rotate so that every kind Zoom produces appears, with and without participant audio.
fn recording(
    template: &MeetingInstance,
    run_tag: &str,
    n: usize,
    video_size: u64,
    rng: &mut StdRng,
) -> MeetingInstance {
    let mut meeting = template.clone();
    // 24 characters like Zoom's; every 5th starts with '/' and so needs double encoding.
    let body = format!("{run_tag}{n:05}ChaosRun000");
    meeting.uuid = if n % 5 == 0 {
        format!("/{}+Q==", &body[..19])
    } else {
        format!("{}Aa==", &body[..20])
    };
    meeting.id = 87_000_000_000 + n as i64;
    meeting.topic = format!("Chaos {run_tag} recording {n}");
    meeting.start_time = Utc::now() - Duration::hours(2) - Duration::minutes(n as i64);
    meeting.duration = 30 + (n as i64 % 60);
    let id = |kind: &str| format!("chaos-{run_tag}-{n:05}-{kind}");
    let file = |kind: &str, ext: &str, recording_type: &str, size: u64| {
        FileSpec::new(id(&kind.to_lowercase()), kind, ext, recording_type, size)
    };
    let mut files = vec![file(
        "MP4",
        "MP4",
        "shared_screen_with_speaker_view",
        video_size,
    )];
    let text = |rng: &mut StdRng, max: u64| rng.random_range(200..max);
    match n % 4 {
        0 => {
            files.push(file("M4A", "M4A", "audio_only", (video_size / 10).max(KIB)));
            files.push(file(
                "TRANSCRIPT",
                "VTT",
                "audio_transcript",
                text(rng, 200 * KIB),
            ));
            files.push(file("CHAT", "TXT", "chat_file", text(rng, 8 * KIB)));
            files.push(file("TIMELINE", "JSON", "timeline", text(rng, 16 * KIB)));
        }
        1 => {
            files.push(file("M4A", "M4A", "audio_only", (video_size / 10).max(KIB)));
            files.push(file("CC", "VTT", "closed_caption", text(rng, 100 * KIB)));
        }
        2 => files.push(file("CHAT", "TXT", "chat_file", text(rng, 8 * KIB))),
        _ => files.push(file(
            "TRANSCRIPT",
            "VTT",
            "audio_transcript",
            text(rng, 200 * KIB),
        )),
    }
    meeting.files = files;
    if n % 3 == 0 {
        for (index, audio) in meeting.participant_audio.iter_mut().enumerate() {
            audio.id = id(&format!("audio{index}"));
            audio.size = (video_size / 20).max(KIB);
        }
    } else {
        meeting.participant_audio.clear();
    }
    meeting
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn plan(recordings: usize) -> ChaosPlan {
        let config = ChaosConfig {
            recordings,
            max_file_bytes: 1024 * MIB,
            seed: 7,
        };
        ChaosPlan::generate(&config, &standard_scenario(), "Ab12Cd").unwrap()
    }

    #[test]
    fn every_trouble_gets_recordings_of_mixed_sizes_and_types() {
        let plan = plan(60);
        assert_eq!(plan.recordings(), 60);
        assert_eq!(plan.groups.len(), Trouble::ALL.len());
        assert!(plan.groups.iter().all(|g| g.meetings.len() == 6));
        let sizes: Vec<u64> = plan
            .scenario
            .meetings
            .iter()
            .map(|m| m.files[0].size)
            .collect();
        assert_eq!(sizes.iter().max(), Some(&(1024 * MIB)));
        assert!(sizes.iter().filter(|&&s| s < MIB).count() >= 3);
        let types: std::collections::BTreeSet<&str> = plan
            .scenario
            .meetings
            .iter()
            .flat_map(files_of)
            .map(|f| f.file_type.as_str())
            .collect();
        for kind in ["MP4", "M4A", "TRANSCRIPT", "CHAT", "TIMELINE", "CC"] {
            assert!(types.contains(kind), "{kind} missing from {types:?}");
        }
        assert!(
            plan.scenario
                .meetings
                .iter()
                .any(|m| !m.participant_audio.is_empty())
        );
    }

    #[test]
    fn uuids_and_file_ids_are_distinct_and_some_need_double_encoding() {
        let plan = plan(60);
        let uuids: std::collections::BTreeSet<&str> = plan
            .scenario
            .meetings
            .iter()
            .map(|m| m.uuid.as_str())
            .collect();
        assert_eq!(uuids.len(), 60);
        assert!(uuids.iter().all(|u| u.len() == 24));
        assert!(uuids.iter().any(|u| u.starts_with('/')));
        let ids: std::collections::BTreeSet<&str> = plan
            .scenario
            .meetings
            .iter()
            .flat_map(files_of)
            .map(|f| f.id.as_str())
            .collect();
        assert_eq!(ids.len(), plan.files());
    }

    #[test]
    fn the_same_seed_gives_the_same_plan() {
        let sizes = |p: ChaosPlan| -> Vec<u64> {
            p.scenario
                .meetings
                .iter()
                .flat_map(files_of)
                .map(|f| f.size)
                .collect()
        };
        assert_eq!(sizes(plan(20)), sizes(plan(20)));
    }

    #[test]
    fn the_operator_group_meets_each_of_its_three_mistakes() {
        let plan = plan(20);
        let operator = plan.groups.last().unwrap();
        assert_eq!(operator.trouble, Trouble::OperatorAndInput);
        assert_eq!(operator.meetings.len(), 3);
        assert_eq!(plan.recordings(), 21);
    }
}
