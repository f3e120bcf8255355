//! The smaller fault matrix of `scripts/test`: two recordings per kind of trouble, small files,
//! the whole pipeline on the local stack. `scripts/chaos` runs the full one (60 recordings, up
//! to 1 GiB, a 3-second call budget).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use chaos::plan::{ChaosConfig, ChaosPlan, MIB, Trouble, standard_scenario};
use chaos::run::{Stack, run, start_sim};
use rand::Rng;

#[tokio::test]
#[ignore = "needs the local stack: scripts/test"]
async fn every_recording_survives_every_fault_byte_identical_once_and_trashed_only_when_verified() {
    let seed: u64 = rand::rng().random();
    let tag: String = rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(6)
        .map(char::from)
        .collect();
    let config = ChaosConfig {
        recordings: 2 * Trouble::ALL.len(),
        max_file_bytes: 40 * MIB,
        seed,
    };
    let plan = ChaosPlan::generate(&config, &standard_scenario(), &tag).unwrap();
    let stack = Stack::from_env().await.unwrap();
    let sim = start_sim(&stack, &plan).await.unwrap();

    let report = run(&stack, &sim, &plan, seed).await.unwrap();

    let table = report.render();
    eprintln!("{table}");
    assert!(report.is_clean(), "seed {seed}:\n{table}");
    for group in &report.groups {
        assert!(
            group.injected.total() > 0,
            "no fault hit the group {:?} (seed {seed})",
            group.trouble
        );
        assert!(group.recordings.iter().all(|r| r.trashed), "{table}");
    }

    // The checks see damage: one file deleted and one stray object in the same folder.
    let meeting = &plan.groups[0].meetings[0];
    let clean = report.groups[0]
        .recordings
        .iter()
        .find(|r| r.uuid == meeting.uuid)
        .unwrap();
    let folder = clean.folder.clone().unwrap();
    let item = stack
        .archive
        .table
        .get(&archiver::domain::MeetingUuid::parse(&meeting.uuid).unwrap())
        .await
        .unwrap()
        .unwrap();
    let s3 = &stack.archive.s3;
    let bucket = stack.archive.bucket.name();
    s3.delete_object()
        .bucket(bucket)
        .key(&item.files[0].key)
        .send()
        .await
        .unwrap();
    s3.put_object()
        .bucket(bucket)
        .key(format!("{folder}/copy-of-the-video.mp4"))
        .body(b"stray".to_vec().into())
        .send()
        .await
        .unwrap();
    let damaged = stack
        .archive
        .check(
            sim.sim(),
            meeting,
            plan.groups[0].trouble,
            "SUCCEEDED".into(),
            0,
        )
        .await
        .unwrap();
    assert_eq!(damaged.verified, clean.verified - 1);
    assert_eq!(damaged.lost.len(), 1, "{:?}", damaged.lost);
    assert_eq!(damaged.duplicated.len(), 1, "{:?}", damaged.duplicated);
    assert!(
        damaged.wrongly_trashed,
        "a trashed recording with a file missing"
    );
}
