//! `livejudge check`: every task's spec loads, accepted solutions pass, rejected ones fail as solutions.toml says.

use super::cancel_on_signals;
use super::env::{GradingEnv, effective_jobs};
use std::io::IsTerminal;
use std::path::PathBuf;

use tokio_util::sync::CancellationToken;

use super::report::write_report_files;
use crate::cli::Cli;
use crate::console::say;
use crate::error::{Error, exit};
use crate::grade::submission_from_arg;
use crate::outcome::{Reporters, SubmissionResult};
use crate::report::ProgressReporter;
use crate::run::pyenv::Cache;
use crate::task::{self};
use crate::util::text::indent;

/// `livejudge check`: each task's spec, solutions folder and reference solutions.
pub(super) async fn check_tasks(cli: &Cli, args: &crate::cli::CheckArgs) -> Result<u8, Error> {
    use crate::judge::solutions::{self, Expectation};
    let tasks = super::tasks_dir(cli)?;
    let dirs: Vec<PathBuf> = if args.task_ids.is_empty() {
        task::list_task_dirs(&tasks.dir)
    } else {
        args.task_ids
            .iter()
            .map(|t| task::resolve_task_dir(t, &tasks.dir))
            .collect::<Result<_, _>>()?
    };
    if dirs.is_empty() {
        return Err(Error::input(
            format!("no tasks found in {}", tasks.dir.display()),
            Some("run from the repository root or pass --tasks DIR".to_owned()),
        ));
    }
    let env = GradingEnv::open(cli)?;
    let cache = Cache::locate()?;
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signals(cancel.clone()));
    let repeat = usize::from(args.repeat);
    let mut junit = quick_junit::Report::new("livejudge check");
    let mut sound = true;
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut suite = quick_junit::TestSuite::new(name.clone());
        let fail = |suite: &mut quick_junit::TestSuite, case: &str, problems: &[String]| {
            let mut status =
                quick_junit::TestCaseStatus::non_success(quick_junit::NonSuccessKind::Failure);
            status.set_message(problems.first().cloned().unwrap_or_default());
            status.set_description(problems.join("\n"));
            suite.add_test_case(quick_junit::TestCase::new(case.to_owned(), status));
        };
        say!("{name}");
        let task = match task::load(dir) {
            Ok(task) => task,
            Err(errors) => {
                sound = false;
                say!("  ✗ task.toml does not load:");
                say!("{}", indent(&Error::Spec(errors.clone()).render(), "    "));
                fail(&mut suite, "task.toml", &[errors.to_string()]);
                junit.add_test_suite(suite);
                continue;
            }
        };
        let (mut plan, problems) = match solutions::plan(&task) {
            Ok(planned) => planned,
            Err(errors) => {
                sound = false;
                say!("{}", indent(&Error::Spec(errors.clone()).render(), "    "));
                fail(&mut suite, "solutions.toml", &[errors.to_string()]);
                junit.add_test_suite(suite);
                continue;
            }
        };
        if !problems.is_empty() {
            sound = false;
            for problem in &problems {
                say!("  ✗ {problem}");
            }
            fail(&mut suite, "solutions", &problems);
        }
        if let Some(only) = args.only {
            let keep = match only {
                crate::cli::SolutionKind::Accepted => Expectation::Accepted,
                crate::cli::SolutionKind::Rejected => Expectation::Rejected,
            };
            plan.solutions
                .retain(|(_, expectation)| *expectation == keep);
        }
        let python = env.python(cli, &task, &cache)?;
        let mut submissions = Vec::new();
        for (path, _) in &plan.solutions {
            let submission = submission_from_arg(path).map_err(|m| Error::input(m, None))?;
            submissions.extend(std::iter::repeat_n(submission, repeat));
        }
        let grader = env.grader(&task, &python, true, effective_jobs(args.jobs, &task));
        let mut progress = Reporters(vec![Box::new(ProgressReporter::new(
            std::io::stderr().is_terminal(),
        ))]);
        let report = grader
            .grade_all(
                &submissions,
                &vec![None; submissions.len()],
                &mut progress,
                &cancel,
            )
            .await;
        if report.interrupted {
            watcher.abort();
            return Ok(exit::INTERRUPTED);
        }
        if let Some(dir) = &args.report {
            write_report_files(
                &dir.join(&task.id),
                &task.id,
                &task.title,
                &report.submissions,
            )?;
        }
        for (i, (path, expectation)) in plan.solutions.iter().enumerate() {
            let runs: Vec<&SubmissionResult> = report.submissions[i * repeat..(i + 1) * repeat]
                .iter()
                .collect();
            let mut problems: Vec<String> = Vec::new();
            for run in &runs {
                for problem in solutions::judge(*expectation, path, run, &plan.spec) {
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
            if let Some(flaky) = solutions::flakiness(&runs) {
                problems.push(format!("flaky over {repeat} runs: {flaky}"));
            }
            let shown = path
                .strip_prefix(task.dir.join("solutions"))
                .unwrap_or(path)
                .display()
                .to_string();
            let runs_text = if repeat > 1 {
                format!(" ({repeat} runs)")
            } else {
                String::new()
            };
            if problems.is_empty() {
                let what = match expectation {
                    Expectation::Accepted => "passes every case".to_owned(),
                    Expectation::Rejected => {
                        format!("fails {}", runs[0].failed_ids().join(", "))
                    }
                };
                say!("  ✓ {shown}: {what}{runs_text}");
                suite.add_test_case(quick_junit::TestCase::new(
                    shown,
                    quick_junit::TestCaseStatus::success(),
                ));
            } else {
                sound = false;
                say!("  ✗ {shown} ({}){runs_text}:", expectation.name());
                for problem in &problems {
                    say!("      {problem}");
                }
                fail(&mut suite, &shown, &problems);
            }
        }
        junit.add_test_suite(suite);
    }
    watcher.abort();
    if let Some(path) = &args.junit {
        let text = junit
            .to_string()
            .map_err(|e| Error::input(e.to_string(), None))?;
        std::fs::write(path, text)
            .map_err(|e| Error::input(format!("cannot write {}: {e}", path.display()), None))?;
    }
    Ok(if sound { exit::PASSED } else { exit::FAILED })
}
