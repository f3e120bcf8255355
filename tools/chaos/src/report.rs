//! The chaos run's outcome: a table for people, JSON for tools, and the verdict.

use std::collections::BTreeSet;
use std::fmt::Write as _;

use serde::Serialize;

use crate::check::RecordingCheck;
use crate::inject::Injected;
use crate::plan::Trouble;

/// One group: its trouble, the faults that hit it, and its recordings' checks.
#[derive(Debug, Clone, Serialize)]
pub struct GroupReport {
    pub trouble: Trouble,
    pub injected: Injected,
    pub recordings: Vec<RecordingCheck>,
}

impl GroupReport {
    pub fn new(trouble: Trouble, injected: Injected, recordings: Vec<RecordingCheck>) -> Self {
        Self {
            trouble,
            injected,
            recordings,
        }
    }

    fn totals(&self) -> Totals {
        let mut totals = Totals {
            recordings: self.recordings.len(),
            faults: self.injected.total(),
            ..Totals::default()
        };
        for check in &self.recordings {
            totals.files += check.files;
            totals.verified += check.verified;
            totals.lost += check.lost.len();
            totals.duplicated += check.duplicated.len();
            totals.wrongly_trashed += usize::from(check.wrongly_trashed);
            totals.trashed += usize::from(check.trashed);
            totals.extra_retrieve_calls += check.extra_retrieve_calls;
            totals.failed_executions += usize::from(check.execution != "SUCCEEDED");
        }
        totals
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
struct Totals {
    recordings: usize,
    faults: u64,
    files: usize,
    verified: usize,
    lost: usize,
    duplicated: usize,
    wrongly_trashed: usize,
    trashed: usize,
    extra_retrieve_calls: usize,
    failed_executions: usize,
}

impl Totals {
    fn add(mut self, other: Self) -> Self {
        self.recordings += other.recordings;
        self.faults += other.faults;
        self.files += other.files;
        self.verified += other.verified;
        self.lost += other.lost;
        self.duplicated += other.duplicated;
        self.wrongly_trashed += other.wrongly_trashed;
        self.trashed += other.trashed;
        self.extra_retrieve_calls += other.extra_retrieve_calls;
        self.failed_executions += other.failed_executions;
        self
    }
}

/// The whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub seed: u64,
    pub recordings: usize,
    pub bytes: u64,
    pub seconds: f64,
    pub groups: Vec<GroupReport>,
    /// Objects the run added outside every recording's folder (a second copy somewhere).
    pub objects_outside_folders: BTreeSet<String>,
    /// Objects of the run's recordings deleted while the "operator and input" group ran (none
    /// is due: retention reaching outside a recording).
    pub objects_deleted: BTreeSet<String>,
    /// Multipart uploads left open by the run.
    pub open_uploads: BTreeSet<String>,
}

impl Report {
    fn totals(&self) -> Totals {
        self.groups
            .iter()
            .map(GroupReport::totals)
            .fold(Totals::default(), Totals::add)
    }

    /// Nothing lost, duplicated or wrongly trashed, no upload left open, every execution
    /// succeeded and every file verified.
    pub fn is_clean(&self) -> bool {
        let totals = self.totals();
        totals.lost == 0
            && totals.duplicated == 0
            && totals.wrongly_trashed == 0
            && totals.failed_executions == 0
            && totals.verified == totals.files
            && self.objects_outside_folders.is_empty()
            && self.objects_deleted.is_empty()
            && self.open_uploads.is_empty()
    }

    /// The table, then every problem by recording.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let header = [
            "scenario",
            "recs",
            "faults",
            "files",
            "verified",
            "lost",
            "dupl",
            "wrong trash",
            "trashed",
            "extra calls",
        ];
        let mut rows: Vec<[String; 10]> = self
            .groups
            .iter()
            .map(|g| row(g.trouble.label(), g.totals()))
            .collect();
        rows.push(row("total", self.totals()));
        let widths: Vec<usize> = (0..header.len())
            .map(|i| {
                rows.iter()
                    .map(|r| r[i].chars().count())
                    .chain([header[i].len()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let line = |cells: Vec<&str>| {
            cells
                .iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 {
                        format!("{c:<w$}", w = widths[i])
                    } else {
                        format!("{c:>w$}", w = widths[i])
                    }
                })
                .collect::<Vec<_>>()
                .join("  ")
        };
        let _ = writeln!(out, "{}", line(header.to_vec()));
        for (index, cells) in rows.iter().enumerate() {
            if index == rows.len() - 1 {
                let _ = writeln!(out, "{}", "-".repeat(widths.iter().sum::<usize>() + 18));
            }
            let _ = writeln!(out, "{}", line(cells.iter().map(String::as_str).collect()));
        }
        let totals = self.totals();
        let _ = writeln!(
            out,
            "\n{} recordings, {:.1} MiB, {:.0} s (seed {}); failed executions: {}; objects outside \
             any recording's folder: {}; objects deleted by an operator's mistake: {}; multipart \
             uploads left open: {}",
            self.recordings,
            self.bytes as f64 / 1024.0 / 1024.0,
            self.seconds,
            self.seed,
            totals.failed_executions,
            self.objects_outside_folders.len(),
            self.objects_deleted.len(),
            self.open_uploads.len()
        );
        for check in self.groups.iter().flat_map(|g| g.recordings.iter()) {
            if check.lost.is_empty()
                && check.duplicated.is_empty()
                && !check.wrongly_trashed
                && check.execution == "SUCCEEDED"
            {
                continue;
            }
            let _ = writeln!(
                out,
                "{} ({}): execution {}, item {}, wrongly trashed: {}",
                check.uuid,
                check.trouble.label(),
                check.execution,
                check.item_status.as_deref().unwrap_or("missing"),
                check.wrongly_trashed
            );
            for problem in check.lost.iter().chain(&check.duplicated) {
                let _ = writeln!(out, "    {problem}");
            }
        }
        for key in self
            .objects_outside_folders
            .iter()
            .chain(&self.open_uploads)
        {
            let _ = writeln!(out, "    left behind: {key}");
        }
        for key in &self.objects_deleted {
            let _ = writeln!(out, "    deleted: {key}");
        }
        out
    }
}

fn row(label: &str, totals: Totals) -> [String; 10] {
    [
        label.to_owned(),
        totals.recordings.to_string(),
        totals.faults.to_string(),
        totals.files.to_string(),
        totals.verified.to_string(),
        totals.lost.to_string(),
        totals.duplicated.to_string(),
        totals.wrongly_trashed.to_string(),
        totals.trashed.to_string(),
        totals.extra_retrieve_calls.to_string(),
    ]
}
