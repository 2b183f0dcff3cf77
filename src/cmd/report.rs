//! `livejudge report RESULTS --report DIR`: the report files of a results file, without grading.

use std::path::Path;

use crate::batch;
use crate::cli::Cli;
use crate::console::say;
use crate::error::{Error, exit};
use crate::outcome::SubmissionResult;
use crate::task::{self};

/// The HTML, CSV and JUnit files of `submissions` in `dir`.
pub(super) fn write_report_files(
    dir: &Path,
    task: &str,
    title: &str,
    submissions: &[SubmissionResult],
) -> Result<(), Error> {
    crate::report::files::write_all(
        dir,
        &crate::report::files::ReportData {
            task,
            task_title: title,
            submissions,
        },
    )
    .map_err(|e| {
        Error::input(
            format!("cannot write the report files into {}: {e}", dir.display()),
            None,
        )
    })
}

/// `livejudge report RESULTS --report DIR`: the report files of a results file (the title
/// comes from the task when it is found under --tasks).
pub(super) fn render_report(cli: &Cli, results: &Path, dir: &Path) -> Result<u8, Error> {
    let file = batch::read_results(results).map_err(|e| {
        Error::input(
            format!("cannot read the results file {}: {e}", results.display()),
            None,
        )
    })?;
    if let Some(line) = file.bad_lines.first() {
        return Err(Error::input(
            format!("{}:{line}: not a livejudge results line", results.display()),
            Some("pass a file written by livejudge grade --results".into()),
        ));
    }
    let Some(first) = file.rows.first() else {
        return Err(Error::input(
            format!("the results file {} holds no results", results.display()),
            None,
        ));
    };
    let task = first.task.clone();
    if let Some(other) = file.rows.iter().find(|r| r.task != task) {
        return Err(Error::input(
            format!(
                "the results file {} mixes tasks ({task} and {})",
                results.display(),
                other.task
            ),
            Some("render one task's results at a time".into()),
        ));
    }
    let title = super::tasks_dir(cli)
        .ok()
        .and_then(|tasks| task::resolve_task_dir(&task, &tasks.dir).ok())
        .and_then(|dir| task::load(&dir).ok())
        .map(|t| t.title)
        .unwrap_or_default();
    let submissions: Vec<SubmissionResult> = batch::latest_per_submission(file.rows)
        .into_iter()
        .map(|r| r.result)
        .collect();
    write_report_files(dir, &task, &title, &submissions)?;
    say!(
        "{} submission(s) of {task}: {} written",
        submissions.len(),
        ["index.html", "results.csv", "junit.xml"]
            .map(|f| dir.join(f).display().to_string())
            .join(", ")
    );
    Ok(if submissions.iter().all(|s| s.passed) {
        exit::PASSED
    } else {
        exit::FAILED
    })
}
