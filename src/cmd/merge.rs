//! `livejudge merge`: the shards of one batch as one results file.

use std::path::{Path, PathBuf};

use super::report::render_report;
use crate::batch;
use crate::cli::Cli;
use crate::console::{say, say_err};
use crate::error::{Error, exit};

/// `livejudge merge A.jsonl B.jsonl --output ALL.jsonl`: the shards of one batch as one
/// results file, each submission once.
pub(super) fn merge_results(
    cli: &Cli,
    inputs: &[PathBuf],
    output: &Path,
    report: Option<&Path>,
    exit_zero: bool,
) -> Result<u8, Error> {
    let mut rows: Vec<batch::ResultRow> = Vec::new();
    for input in inputs {
        let file = batch::read_results(input)
            .map_err(|e| Error::input(format!("cannot read {}: {e}", input.display()), None))?;
        if let Some(line) = file.bad_lines.first() {
            return Err(Error::input(
                format!("{}:{line}: not a livejudge results line", input.display()),
                None,
            ));
        }
        rows.extend(file.rows);
    }
    // A submission graded twice (two runs over one list, a resumed batch): the later counts.
    let mut rows = batch::latest_per_submission(rows);
    let tasks: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.task.as_str()).collect();
    if tasks.len() > 1 {
        return Err(Error::input(
            format!(
                "the results files mix tasks ({})",
                tasks.into_iter().collect::<Vec<_>>().join(", ")
            ),
            Some("merge the shards of one task at a time".into()),
        ));
    }
    let versions: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.task_version.as_str()).collect();
    if versions.len() > 1 {
        say_err!(
            "warning: the shards graded {} different versions of the task",
            versions.len()
        );
    }
    rows.sort_by(|a, b| a.result.path.cmp(&b.result.path));
    if inputs.iter().any(|i| same_file(i, output)) {
        return Err(Error::input(
            format!("--output {} is one of the inputs", output.display()),
            Some("write the merged file somewhere else".into()),
        ));
    }
    if std::fs::symlink_metadata(output).is_ok_and(|m| !m.is_file()) {
        return Err(Error::input(
            format!("--output {} is not a regular file", output.display()),
            Some("write the merged results to a file".into()),
        ));
    }
    let _ = std::fs::remove_file(output);
    let mut writer = batch::ResultsWriter::open(output, 0)
        .map_err(|e| Error::input(format!("cannot write {}: {e}", output.display()), None))?;
    for row in &rows {
        writer
            .append(row)
            .map_err(|e| Error::input(format!("cannot write {}: {e}", output.display()), None))?;
    }
    say!(
        "{} submission(s) from {} file(s) in {}",
        rows.len(),
        inputs.len(),
        output.display()
    );
    if let Some(dir) = report {
        render_report(cli, output, dir)?;
    }
    Ok(if exit_zero || rows.iter().all(|r| r.result.passed) {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}
