//! `livejudge grade`: one submission or a batch, with reports, a results file and resume.

use super::env::{GradingEnv, effective_jobs};
use super::{cancel_on_signals, load_task};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use tokio_util::sync::CancellationToken;

use super::report::write_report_files;
use crate::batch;
use crate::cli::{Cli, Format, GradeArgs};
use crate::console::say_err;
use crate::error::{Error, exit};
use crate::grade::submission_from_arg;
use crate::outcome::{Reporter, Reporters, Submission, SubmissionResult};
use crate::report::{HumanReporter, JsonReporter, ProgressReporter, ResultsReporter};
use crate::run::pyenv::Cache;
use crate::task::Task;

pub(super) async fn grade(cli: &Cli, args: &GradeArgs) -> Result<u8, Error> {
    let task = load_task(cli, &args.task)?;
    let submissions = args
        .submissions
        .iter()
        .map(|path| {
            submission_from_arg(path).map_err(|message| {
                Error::input(
                    message,
                    Some("pass the candidate's .py file or the folder holding it".to_owned()),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let submissions = match args.shard {
        Some(shard) => {
            let total = submissions.len();
            let mine: Vec<Submission> = submissions
                .into_iter()
                .filter(|s| batch::in_shard(&s.path, &s.digest, shard))
                .collect();
            say_err!(
                "shard {}/{}: {} of the {total} submission(s)",
                shard.0,
                shard.1,
                mine.len()
            );
            mine
        }
        None => submissions,
    };
    // Before any slow setup: strict isolation that is not available is an error at once.
    let env = GradingEnv::open(cli)?;
    // The report is written to a temporary file next to --output and moved into place at
    // the end, so an early error leaves no empty report and a crash no half-written one.
    let mut report_file: Option<(tempfile::NamedTempFile, &Path)> = None;
    let (out, color): (Box<dyn Write>, bool) = match &args.output {
        Some(path) => {
            refuse_to_overwrite_a_submission(path, &args.submissions)?;
            let cannot = |e: std::io::Error| {
                Error::input(
                    format!("cannot write the report to {}: {e}", path.display()),
                    None,
                )
            };
            // A device or a pipe (`--output /dev/null`) is written as it is: moving a file
            // over it would replace the device itself.
            if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(cannot)?;
                (
                    Box::new(std::io::BufWriter::new(file)) as Box<dyn Write>,
                    false,
                )
            } else {
                let dir = match path.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                let temp = tempfile::Builder::new()
                    .prefix(".livejudge-report-")
                    .tempfile_in(dir)
                    .map_err(cannot)?;
                let file = temp.as_file().try_clone().map_err(cannot)?;
                report_file = Some((temp, path));
                (Box::new(std::io::BufWriter::new(file)), false)
            }
        }
        None => {
            let color = crate::console::stdout_color();
            (Box::new(std::io::stdout()), color)
        }
    };
    let cache = Cache::locate()?;
    let python = env.python(cli, &task, &cache)?;

    let batch = prepare_batch(args, &task, &submissions, env.isolation.level.name())?;
    let mut reporters: Vec<Box<dyn Reporter>> = vec![match args.format {
        Format::Human => Box::new(HumanReporter::new(out, color)),
        Format::Json => Box::new(JsonReporter::new(out)),
    }];
    if submissions.len() > 1 {
        reporters.push(Box::new(ProgressReporter::new(
            std::io::stderr().is_terminal(),
        )));
    }
    if let Some(results) = batch.results {
        reporters.push(Box::new(results));
    }
    let mut reporter = Reporters(reporters);
    let jobs = effective_jobs(args.jobs, &task);
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signals(cancel.clone()));
    let grader = env.grader(&task, &python, args.show_hidden, jobs);
    let report = grader
        .grade_all(&submissions, &batch.resumed, &mut reporter, &cancel)
        .await;
    watcher.abort();
    drop(reporter);
    if let Some(dir) = &args.report {
        write_report_files(dir, &task.id, &task.title, &report.submissions)?;
    }
    if let Some((temp, path)) = report_file {
        temp.persist(path).map_err(|e| {
            Error::input(
                format!("cannot write the report to {}: {}", path.display(), e.error),
                None,
            )
        })?;
        // A temporary file is private (0600); a report is an ordinary file.
        let _ = std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o644));
    }
    Ok(if report.interrupted {
        exit::INTERRUPTED
    } else if report.has_judge_errors() {
        exit::INTERNAL
    } else if report.passed || args.exit_zero {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

/// What `--results` and `--resume` set up: the writer, and the submissions already graded.
struct Batch {
    results: Option<ResultsReporter>,
    resumed: Vec<Option<SubmissionResult>>,
}

fn prepare_batch(
    args: &GradeArgs,
    task: &Task,
    submissions: &[Submission],
    isolation: &str,
) -> Result<Batch, Error> {
    let Some(path) = &args.results else {
        return Ok(Batch {
            results: None,
            resumed: vec![None; submissions.len()],
        });
    };
    let cannot = |e: std::io::Error| {
        Error::input(
            format!("cannot use the results file {}: {e}", path.display()),
            None,
        )
    };
    refuse_to_overwrite_a_submission(path, &args.submissions)?;
    let task_version = task
        .version()
        .map_err(|e| Error::input(format!("cannot read the task's files: {e}"), None))?;
    let existing = batch::read_results(path).map_err(cannot)?;
    if let Some(line) = existing.bad_lines.first() {
        return Err(Error::input(
            format!("{}:{line}: not a livejudge results line", path.display()),
            Some("pass another --results file; this one was not written by livejudge grade".into()),
        ));
    }
    if !existing.rows.is_empty() && !args.resume {
        return Err(Error::input(
            format!(
                "the results file {} already holds {} result(s)",
                path.display(),
                existing.rows.len()
            ),
            Some("add --resume to grade only what is missing, or pass another file".into()),
        ));
    }
    let resumed = batch::reusable(
        &existing.rows,
        &batch::ResumeKey {
            task: &task.id,
            task_version: &task_version,
            show_hidden: args.show_hidden,
            isolation,
        },
        submissions,
    );
    let writer = batch::ResultsWriter::open(path, existing.complete_len).map_err(cannot)?;
    Ok(Batch {
        results: Some(ResultsReporter::new(
            writer,
            task.id.clone(),
            task_version,
            (args.show_hidden, isolation.to_owned()),
            path.display().to_string(),
        )),
        resumed,
    })
}

/// `--output` naming a submission (or a file inside a submission folder) would replace the
/// very code being graded.
fn refuse_to_overwrite_a_submission(output: &Path, submissions: &[PathBuf]) -> Result<(), Error> {
    let resolve = |p: &Path| -> Option<PathBuf> {
        p.canonicalize().ok().or_else(|| {
            let parent = match p.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            Some(parent.canonicalize().ok()?.join(p.file_name()?))
        })
    };
    let Some(output) = resolve(output) else {
        return Ok(());
    };
    for submission in submissions {
        if let Some(submission) = resolve(submission)
            && output.starts_with(&submission)
        {
            return Err(Error::input(
                format!(
                    "--output {} would overwrite the submission {}",
                    output.display(),
                    submission.display()
                ),
                Some("write the report somewhere else".to_owned()),
            ));
        }
    }
    Ok(())
}
