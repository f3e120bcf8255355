//! What the end-to-end checks read off the local stack besides the bucket and the table.

use std::collections::BTreeSet;
use std::path::Path;

use aws_sdk_sfn::error::SdkError;
use aws_sdk_sfn::operation::get_execution_history::GetExecutionHistoryError;

/// The files s3s-fs keeps for multipart uploads neither completed nor aborted (it has no
/// ListMultipartUploads). Its data directory outlives a test, so callers compare snapshots.
pub fn open_uploads(s3_data_dir: &Path) -> BTreeSet<String> {
    files_under(s3_data_dir)
        .into_iter()
        .filter(|path| path.contains(".upload") || path.contains(".part-"))
        .collect()
}

fn files_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                found.extend(files_under(&path));
            } else {
                found.push(path.display().to_string());
            }
        }
    }
    found
}

/// How many times the execution entered `state` (e.g. `Retrieve file`: one per call).
pub async fn state_entries(
    sfn: &aws_sdk_sfn::Client,
    execution_arn: &str,
    state: &str,
) -> Result<usize, SdkError<GetExecutionHistoryError>> {
    let mut count = 0;
    let mut token = None;
    loop {
        let page = sfn
            .get_execution_history()
            .execution_arn(execution_arn)
            .set_next_token(token)
            .max_results(1000)
            .send()
            .await?;
        count += page
            .events()
            .iter()
            .filter(|e| {
                e.state_entered_event_details()
                    .is_some_and(|d| d.name() == state)
            })
            .count();
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            return Ok(count);
        }
    }
}
