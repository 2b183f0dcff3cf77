//! Grading: for each submission, prepare a workspace, run the cases in the sandbox, judge each
//! observation and tell the reporters. Reporters only receive events; they never reach back.

use std::path::{Path, PathBuf};
use std::time::Instant;

use tokio_util::sync::CancellationToken;

use crate::judge;
use crate::outcome::IsolationReport;
use crate::outcome::{
    CaseObservation, CaseResult, Event, GradeReport, LoadProblem, LoadProblemKind, Observation,
    PythonInfo, Reporter, SCHEMA_VERSION, Submission, SubmissionResult,
};
use crate::run::pyenv::{Interpreter, Venv};
use crate::run::python::{HARNESS_FILE, RUNTIME_FILE, RUNTIME_SOURCE};
use crate::run::workspace::{Workspace, copy_file_nofollow, copy_submission_dir, write_readable};
use crate::run::{Interrupted, RunContext, Runner};
use crate::sandbox::{Dirs, Launcher};
use crate::task::Kind;
use crate::task::Task;

/// What grading one submission tells the grading loop, in order.
enum Update {
    Started { index: usize, path: String },
    LoadFailed { index: usize, problem: LoadProblem },
    Case { index: usize, case: Box<CaseResult> },
}

impl Update {
    fn index(&self) -> usize {
        match self {
            Update::Started { index, .. }
            | Update::LoadFailed { index, .. }
            | Update::Case { index, .. } => *index,
        }
    }

    fn deliver(&self, reporter: &mut dyn Reporter) {
        match self {
            Update::Started { index, path } => reporter.event(&Event::SubmissionStarted {
                index: *index,
                path,
            }),
            Update::LoadFailed { index, problem } => reporter.event(&Event::LoadFailed {
                index: *index,
                problem,
            }),
            Update::Case { index, case } => reporter.event(&Event::CaseFinished {
                submission: *index,
                case,
            }),
        }
    }
}

/// The task's Python as every run sees it: the environment's interpreter, what the box must
/// be able to read for it, and how reports name it.
#[derive(Debug, Clone)]
pub struct PythonEnv {
    pub info: PythonInfo,
    /// The interpreter of the task's environment.
    pub python: PathBuf,
    /// The environment and the installation it belongs to.
    pub read_only: Vec<PathBuf>,
}

impl PythonEnv {
    pub fn new(interpreter: &Interpreter, venv: &Venv) -> PythonEnv {
        PythonEnv {
            info: PythonInfo {
                executable: interpreter.executable.clone(),
                version: interpreter.version_string(),
            },
            python: venv.python.clone(),
            read_only: vec![venv.dir.clone(), interpreter.prefix.clone()],
        }
    }
}

pub struct Grader<'a> {
    pub task: &'a Task,
    pub python: &'a PythonEnv,
    /// What runs each submission's cases ([`crate::run::Processes`] outside tests).
    pub runner: &'a dyn Runner,
    pub launcher: &'a dyn Launcher,
    pub isolation: &'a IsolationReport,
    pub show_hidden: bool,
    /// Submissions graded at once. With one, reporters hear each case as it finishes; with
    /// more, each submission's events arrive together when it finishes.
    pub jobs: usize,
}

impl Grader<'_> {
    /// Grades every submission not already in `resumed` (by index), `jobs` at once; on
    /// interruption the report holds what finished. The report lists submissions in the
    /// order given.
    pub async fn grade_all(
        &self,
        submissions: &[Submission],
        resumed: &[Option<SubmissionResult>],
        reporter: &mut dyn Reporter,
        cancel: &CancellationToken,
    ) -> GradeReport {
        use futures_util::StreamExt;
        let mut report = GradeReport {
            schema_version: SCHEMA_VERSION,
            livejudge_version: env!("CARGO_PKG_VERSION"),
            task: self.task.id.clone(),
            task_title: self.task.title.clone(),
            kind: self.task.kind.name(),
            isolation: self.isolation.level,
            isolation_mechanisms: self.isolation.mechanisms.clone(),
            isolation_missing: self.isolation.missing.clone(),
            python: self.python.info.clone(),
            passed: false,
            passed_submissions: 0,
            passed_cases: 0,
            failed_cases: 0,
            interrupted: false,
            submissions: Vec::new(),
        };
        reporter.event(&Event::Started {
            task: self.task,
            report: &report,
            submissions,
        });
        let mut finished: Vec<Option<SubmissionResult>> = vec![None; submissions.len()];
        for (index, result) in resumed.iter().enumerate() {
            if let Some(result) = result {
                reporter.event(&Event::SubmissionResumed { index, result });
                finished[index] = Some(result.clone());
            }
        }
        let pending: Vec<usize> = (0..submissions.len())
            .filter(|&i| finished[i].is_none())
            .collect();
        // One at a time, a reporter hears each case as it finishes (a candidate watching);
        // several at once, each submission's events come together so they do not interleave.
        let live = self.jobs <= 1 || pending.len() <= 1;
        let (sender, mut updates) = tokio::sync::mpsc::unbounded_channel::<Update>();
        let for_stream = sender.clone();
        let mut grading = futures_util::stream::iter(pending)
            .map(move |index| {
                let sender = for_stream.clone();
                async move {
                    let result = self
                        .grade_one(index, &submissions[index], &sender, cancel)
                        .await;
                    (index, result)
                }
            })
            .buffer_unordered(self.jobs.max(1));
        drop(sender);
        let mut held: std::collections::HashMap<usize, Vec<Update>> = Default::default();
        let take = |update: Update,
                    held: &mut std::collections::HashMap<usize, Vec<Update>>,
                    reporter: &mut dyn Reporter| {
            if live {
                update.deliver(reporter);
            } else {
                held.entry(update.index()).or_default().push(update);
            }
        };
        loop {
            tokio::select! {
                Some(update) = updates.recv() => take(update, &mut held, reporter),
                next = grading.next() => {
                    let Some((index, result)) = next else { break };
                    // Its last events were sent before it returned: they are queued.
                    while let Ok(update) = updates.try_recv() {
                        take(update, &mut held, reporter);
                    }
                    match result {
                        Some(result) => {
                            for update in held.remove(&index).unwrap_or_default() {
                                update.deliver(reporter);
                            }
                            reporter.event(&Event::SubmissionFinished {
                                index,
                                submission: &submissions[index],
                                result: &result,
                            });
                            finished[index] = Some(result);
                        }
                        None => report.interrupted = true,
                    }
                }
            }
        }
        report.submissions = finished.into_iter().flatten().collect();
        report.passed_submissions = report.submissions.iter().filter(|s| s.passed).count();
        report.passed_cases = report.submissions.iter().map(|s| s.passed_cases).sum();
        report.failed_cases = report.submissions.iter().map(|s| s.failed_cases).sum();
        report.passed = !report.interrupted
            && report.submissions.len() == submissions.len()
            && report.submissions.iter().all(|s| s.passed);
        reporter.event(&Event::Finished { report: &report });
        report
    }

    /// `None` when interrupted.
    async fn grade_one(
        &self,
        index: usize,
        submission: &Submission,
        updates: &tokio::sync::mpsc::UnboundedSender<Update>,
        cancel: &CancellationToken,
    ) -> Option<SubmissionResult> {
        if cancel.is_cancelled() {
            // Interrupted before its turn came: not started at all.
            return None;
        }
        let task = self.task;
        let started = Instant::now();
        let shown_path = submission.path.display().to_string();
        let _ = updates.send(Update::Started {
            index,
            path: shown_path.clone(),
        });
        let mut results: Vec<Option<CaseResult>> = vec![None; task.cases.len()];
        let mut problem: Option<LoadProblem> = None;
        let mut attempts = 0;
        let mut server_ready = Vec::new();

        let mut record = |observed: CaseObservation| {
            if let Observation::NotLoaded(p) = &observed.observation
                && problem.is_none()
            {
                problem = Some(p.clone());
                let _ = updates.send(Update::LoadFailed {
                    index,
                    problem: p.clone(),
                });
            }
            let case = &task.cases[observed.case_index];
            let result = judge::judge(case, &observed, &task.limits, self.show_hidden);
            let _ = updates.send(Update::Case {
                index,
                case: Box::new(result.clone()),
            });
            results[observed.case_index] = Some(result);
        };

        let unrunnable = match self.prepare(submission) {
            Err(message) => Some(Observation::JudgeError(message)),
            Ok(Prepared::EntryMissing(missing)) => Some(Observation::NotLoaded(missing)),
            Ok(Prepared::Ready(workspace)) => {
                let context = RunContext {
                    task,
                    python: self.python.python.clone(),
                    read_only: self.python.read_only.clone(),
                    dirs: Dirs {
                        run: workspace.run_dir.clone(),
                        judge: workspace.judge_dir.clone(),
                        tmp: workspace.tmp_dir.clone(),
                        data: None,
                    },
                    launcher: self.launcher,
                    sockets_dir: workspace.root().join("net"),
                    data_dir: workspace.root().join("data"),
                    entry_display: if submission.is_dir {
                        task.entry.clone()
                    } else {
                        submission
                            .path
                            .file_name()
                            .map(|n| n.to_string_lossy().into_owned())
                            .unwrap_or_else(|| task.entry.clone())
                    },
                };
                let mut sink = |observed: CaseObservation| record(observed);
                let outcome = self.runner.run(&context, cancel, &mut sink).await;
                match outcome {
                    Ok(stats) => {
                        attempts = stats.attempts;
                        server_ready = stats.server_ready;
                    }
                    Err(Interrupted) => return None,
                }
                None
            }
        };
        if let Some(observation) = unrunnable {
            for case_index in 0..task.cases.len() {
                let observed = CaseObservation {
                    case_index,
                    observation: observation.clone(),
                    duration: Default::default(),
                    output: Default::default(),
                    sites: None,
                };
                record(observed);
            }
        }

        let cases: Vec<CaseResult> = results.into_iter().flatten().collect();
        let passed_cases = cases.iter().filter(|c| c.passed).count();
        let failed_cases = cases.len() - passed_cases;
        Some(SubmissionResult {
            path: shown_path,
            passed: failed_cases == 0 && cases.len() == task.cases.len(),
            passed_cases,
            failed_cases,
            score: crate::outcome::score(&task.groups, &cases),
            problem,
            attempts,
            duration_ms: (started.elapsed().as_secs_f64() * 10_000.0).round() / 10.0,
            server_ready_ms: server_ready
                .iter()
                .map(|d| (d.as_secs_f64() * 10_000.0).round() / 10.0)
                .collect(),
            cases,
        })
    }

    fn prepare(&self, submission: &Submission) -> Result<Prepared, String> {
        let task = self.task;
        let workspace =
            Workspace::create().map_err(|e| format!("cannot create a workspace: {e}"))?;
        let entry_target = workspace.run_dir.join(&task.entry);
        if submission.is_dir {
            copy_submission_dir(&submission.path, &workspace.run_dir)
                .map_err(|e| format!("cannot copy {}: {e}", submission.path.display()))?;
            let entry_ok = std::fs::symlink_metadata(&entry_target).is_ok_and(|m| m.is_file());
            if !entry_ok {
                return Ok(Prepared::EntryMissing(LoadProblem {
                    kind: LoadProblemKind::MissingEntry,
                    message: format!(
                        "{} not found in the submission folder {}",
                        task.entry,
                        submission.path.display()
                    ),
                    details: None,
                }));
            }
        } else {
            copy_file_nofollow(&submission.path, &entry_target)
                .map_err(|e| format!("cannot copy {}: {e}", submission.path.display()))?;
        }
        write_readable(
            &workspace.judge_dir.join(RUNTIME_FILE),
            RUNTIME_SOURCE.as_bytes(),
        )
        .map_err(|e| format!("cannot write the harness runtime: {e}"))?;
        if task.kind == Kind::Python {
            let harness = std::fs::read(&task.harness_file)
                .map_err(|e| format!("cannot read the harness: {e}"))?;
            write_readable(&workspace.judge_dir.join(HARNESS_FILE), &harness)
                .map_err(|e| format!("cannot copy the harness: {e}"))?;
        }
        Ok(Prepared::Ready(workspace))
    }
}

enum Prepared {
    Ready(Workspace),
    EntryMissing(LoadProblem),
}

/// Checks a command-line submission path before any grading starts.
pub fn submission_from_arg(path: &Path) -> Result<Submission, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("submission {} not found ({e})", path.display()))?;
    if meta.is_dir() {
        return Ok(Submission {
            path: path.to_owned(),
            is_dir: true,
            digest: digest_of(path)?,
        });
    }
    if !meta.is_file() {
        return Err(format!(
            "submission {} is neither a file nor a folder",
            path.display()
        ));
    }
    if path.extension().is_none_or(|e| e != "py") {
        return Err(format!(
            "submission {} is not a .py file; pass a Python file or a folder",
            path.display()
        ));
    }
    std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    Ok(Submission {
        path: path.to_owned(),
        is_dir: false,
        digest: digest_of(path)?,
    })
}

fn digest_of(path: &Path) -> Result<String, String> {
    crate::util::digest::digest_tree(&[path], &[])
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
}
#[cfg(test)]
pub(crate) mod scripted;
#[cfg(test)]
mod tests;
