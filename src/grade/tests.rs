//! The grading loop with a scripted runner: which events reporters hear and when, what the
//! judge concludes of each observation, resumed results and interruption.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::json;
use tokio_util::sync::CancellationToken;

use super::scripted::{Script, Scripted};
use super::{Grader, PythonEnv, submission_from_arg};
use crate::outcome::testing;
use crate::outcome::{
    Event, GradeReport, Isolation, IsolationReport, LoadProblem, LoadProblemKind, Observation,
    PythonInfo, RaisedException, Reporter, Submission, SubmissionResult, TimeScope, Verdict,
};
use crate::sandbox::Unisolated;
use crate::task::Task;

/// An event as a test compares it.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Seen {
    Started {
        submissions: usize,
    },
    Resumed {
        index: usize,
    },
    SubmissionStarted {
        index: usize,
    },
    LoadFailed {
        index: usize,
        kind: LoadProblemKind,
    },
    Case {
        submission: usize,
        id: String,
        verdict: Verdict,
    },
    SubmissionFinished {
        index: usize,
    },
    Finished {
        interrupted: bool,
        submissions: usize,
    },
}

fn case(submission: usize, id: &str, verdict: Verdict) -> Seen {
    Seen::Case {
        submission,
        id: id.to_owned(),
        verdict,
    }
}

/// Records the events it hears; with a runner, also how many observations the runner had
/// handed out when each case was heard; with a trigger, cancels a token on an event.
#[derive(Default)]
struct Recorder<'a> {
    seen: Vec<Seen>,
    runner: Option<&'a Scripted>,
    /// Per `CaseFinished`: (submission, case id, observations sunk so far by all runs).
    heard_at: Vec<(usize, String, usize)>,
    cancel_on: Option<(Seen, CancellationToken)>,
}

impl<'a> Recorder<'a> {
    fn watching(runner: &'a Scripted) -> Recorder<'a> {
        Recorder {
            runner: Some(runner),
            ..Recorder::default()
        }
    }

    fn cancelling_on(mut self, event: Seen, cancel: &CancellationToken) -> Recorder<'a> {
        self.cancel_on = Some((event, cancel.clone()));
        self
    }

    fn of_submission(&self, index: usize) -> Vec<&Seen> {
        self.seen
            .iter()
            .filter(|seen| match seen {
                Seen::Resumed { index: i }
                | Seen::SubmissionStarted { index: i }
                | Seen::LoadFailed { index: i, .. }
                | Seen::SubmissionFinished { index: i }
                | Seen::Case { submission: i, .. } => *i == index,
                Seen::Started { .. } | Seen::Finished { .. } => false,
            })
            .collect()
    }
}

impl Reporter for Recorder<'_> {
    fn event(&mut self, event: &Event<'_>) {
        let seen = match event {
            Event::Started { submissions, .. } => Seen::Started {
                submissions: submissions.len(),
            },
            Event::SubmissionResumed { index, .. } => Seen::Resumed { index: *index },
            Event::SubmissionStarted { index, .. } => Seen::SubmissionStarted { index: *index },
            Event::LoadFailed { index, problem } => Seen::LoadFailed {
                index: *index,
                kind: problem.kind,
            },
            Event::CaseFinished { submission, case } => {
                if let Some(runner) = self.runner {
                    self.heard_at
                        .push((*submission, case.id.clone(), runner.sunk().len()));
                }
                Seen::Case {
                    submission: *submission,
                    id: case.id.clone(),
                    verdict: case.verdict,
                }
            }
            Event::SubmissionFinished { index, .. } => Seen::SubmissionFinished { index: *index },
            Event::Finished { report } => Seen::Finished {
                interrupted: report.interrupted,
                submissions: report.submissions.len(),
            },
        };
        if let Some((trigger, cancel)) = &self.cancel_on
            && *trigger == seen
        {
            cancel.cancel();
        }
        self.seen.push(seen);
    }
}

fn task_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/tasks")
        .join(name)
}

/// `tests/tasks/trio`: cases c1, c2, c3 expecting `{"value": n}`.
fn trio() -> Task {
    crate::task::load(&task_dir("trio")).expect("tests/tasks/trio loads")
}

/// A task of one public case and one hidden one, written into `dir`.
fn with_hidden_case(dir: &Path) -> Task {
    let task = dir.join("hidden-task");
    std::fs::create_dir(&task).unwrap();
    std::fs::write(task.join("README.md"), "# Hidden\n").unwrap();
    std::fs::write(
        task.join("harness.py"),
        "def run_case(module, case):\n    return module.solve(case)\n",
    )
    .unwrap();
    std::fs::write(
        task.join("task.toml"),
        r#"title = "A public and a hidden case"
kind = "python"

[submission]
names = ["solve"]

[harness]
file = "harness.py"

[[cases]]
id = "shown"
title = "A public case"
input = { value = 1 }
expect = { value = 1 }

[[cases]]
id = "secret"
title = "A hidden case"
rule = "echo the hidden value"
hidden = true
group = "hidden"
points = 2
input = { value = "hidden-input" }
expect = { value = "hidden-expected" }
"#,
    )
    .unwrap();
    crate::task::load(&task).expect("the hidden task loads")
}

fn python() -> PythonEnv {
    PythonEnv {
        info: PythonInfo {
            executable: PathBuf::from("/nonexistent/python3"),
            version: "3.12.0".to_owned(),
        },
        python: PathBuf::from("/nonexistent/venv/bin/python"),
        read_only: Vec::new(),
    }
}

fn isolation() -> IsolationReport {
    IsolationReport {
        level: Isolation::None,
        mechanisms: vec!["rlimits".to_owned()],
        missing: Vec::new(),
    }
}

/// Writes a submission file `name` into `dir`.
fn submit(dir: &Path, name: &str, content: &str) -> Submission {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    submission_from_arg(&path).unwrap()
}

fn shown(submission: &Submission) -> String {
    submission.path.display().to_string()
}

struct Setup {
    task: Task,
    python: PythonEnv,
    isolation: IsolationReport,
    show_hidden: bool,
    jobs: usize,
}

impl Setup {
    fn new(task: Task) -> Setup {
        Setup {
            task,
            python: python(),
            isolation: isolation(),
            show_hidden: false,
            jobs: 1,
        }
    }

    fn jobs(mut self, jobs: usize) -> Setup {
        self.jobs = jobs;
        self
    }

    fn show_hidden(mut self) -> Setup {
        self.show_hidden = true;
        self
    }

    /// Grades `submissions` with `runner`; a run that does not end within 5 s fails the test.
    async fn grade(
        &self,
        runner: &Scripted,
        submissions: &[Submission],
        resumed: &[Option<SubmissionResult>],
        reporter: &mut dyn Reporter,
        cancel: &CancellationToken,
    ) -> GradeReport {
        let grader = Grader {
            task: &self.task,
            python: &self.python,
            runner,
            launcher: &Unisolated,
            isolation: &self.isolation,
            show_hidden: self.show_hidden,
            jobs: self.jobs,
        };
        tokio::time::timeout(
            Duration::from_secs(5),
            grader.grade_all(submissions, resumed, reporter, cancel),
        )
        .await
        .expect("grading finished")
    }
}

fn raised(type_name: &str, message: &str) -> Observation {
    Observation::Raised(RaisedException {
        type_name: type_name.to_owned(),
        message: message.to_owned(),
        traceback: format!(
            "Traceback (most recent call last):\n  File \"solution.py\", line 2, in solve\n{type_name}: {message}"
        ),
    })
}

#[tokio::test]
async fn one_at_a_time_each_case_is_heard_as_it_finishes() {
    let dir = tempfile::tempdir().unwrap();
    let source = "def solve(case):\n    return {'value': case['n']}\n";
    let mixed = submit(dir.path(), "mixed.py", source);
    let runner = Scripted::new().script(
        "mixed.py",
        Script::new()
            .value(0, json!({"value": 1}))
            .sleep_ms(10)
            .value(1, json!({"value": 5}))
            .sleep_ms(10)
            .case(2, raised("KeyError", "'n'"))
            .attempts(2),
    );
    let mut reporter = Recorder::watching(&runner);
    let setup = Setup::new(trio());
    let report = setup
        .grade(
            &runner,
            std::slice::from_ref(&mixed),
            &[None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;

    assert_eq!(
        reporter.seen,
        [
            Seen::Started { submissions: 1 },
            Seen::SubmissionStarted { index: 0 },
            case(0, "c1", Verdict::Pass),
            case(0, "c2", Verdict::Wrong),
            case(0, "c3", Verdict::Error),
            Seen::SubmissionFinished { index: 0 },
            Seen::Finished {
                interrupted: false,
                submissions: 1
            },
        ]
    );
    // Live: each case was heard before the runner observed the next one.
    let heard: Vec<usize> = reporter.heard_at.iter().map(|(_, _, n)| *n).collect();
    assert_eq!(heard, [1, 2, 3]);
    // The grader ran the submission from a workspace holding it under the task's entry name.
    let calls = runner.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].entry_display, "mixed.py");
    assert_eq!(calls[0].entry_content.as_deref(), Some(source));

    assert!(!report.passed && !report.interrupted);
    assert_eq!((report.passed_cases, report.failed_cases), (1, 2));
    let result = &report.submissions[0];
    assert_eq!(result.path, shown(&mixed));
    assert_eq!(result.attempts, 2);
    assert_eq!((result.score.points, result.score.max_points), (1, 3));
    assert_eq!(result.failed_ids(), ["c2", "c3"]);
    assert_eq!(result.cases[1].message, "$.value: expected 2, got 5");
    assert_eq!(result.cases[2].message, "raised KeyError: 'n'");
    assert!(
        result.cases[2]
            .details
            .as_deref()
            .is_some_and(|t| t.starts_with("Traceback"))
    );
}

#[tokio::test]
async fn every_observation_gets_the_judges_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let limits = trio().limits;
    let runs = [
        (
            "passes.py",
            Script::new()
                .value(0, json!({"value": 1}))
                .value(1, json!({"value": 2}))
                .value(2, json!({"value": 3})),
            [Verdict::Pass, Verdict::Pass, Verdict::Pass],
        ),
        (
            "limits.py",
            Script::new()
                .case(
                    0,
                    Observation::TimedOut {
                        limit: limits.case_wall_time,
                        scope: TimeScope::Case,
                        stderr_tail: String::new(),
                    },
                )
                .case(1, Observation::MemoryLimit { limit: 1 << 28 })
                .case(2, Observation::OutputLimit { limit: 1 << 16 }),
            [Verdict::Timeout, Verdict::MemoryLimit, Verdict::OutputLimit],
        ),
        (
            "faults.py",
            Script::new()
                .case(
                    0,
                    Observation::Crashed {
                        reason: "killed by SIGSEGV".to_owned(),
                        stderr_tail: String::new(),
                    },
                )
                .case(1, Observation::JudgeError("the harness broke".to_owned()))
                .case(2, raised("MemoryError", "")),
            [Verdict::Crashed, Verdict::JudgeError, Verdict::MemoryLimit],
        ),
    ];
    let mut runner = Scripted::new();
    let mut submissions = Vec::new();
    let mut expected = Vec::new();
    for (name, script, verdicts) in runs {
        submissions.push(submit(dir.path(), name, "def solve(case): pass\n"));
        runner = runner.script(name, script);
        expected.push((name, verdicts));
    }
    let mut reporter = Recorder::default();
    let report = Setup::new(trio())
        .grade(
            &runner,
            &submissions,
            &[None, None, None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;
    for (result, (name, verdicts)) in report.submissions.iter().zip(&expected) {
        let got: Vec<Verdict> = result.cases.iter().map(|c| c.verdict).collect();
        assert_eq!(got, verdicts, "{name}");
    }
    let crashed = &report.submissions[2].cases[0];
    assert_eq!(crashed.message, "killed by SIGSEGV");
    assert!(report.submissions[0].passed && !report.submissions[1].passed);
    assert_eq!(report.passed_submissions, 1);
    assert!(!report.passed);
}

fn load_problem(kind: LoadProblemKind, message: &str) -> LoadProblem {
    LoadProblem {
        kind,
        message: message.to_owned(),
        details: Some("    def solve(case)\n                   ^".to_owned()),
    }
}

#[tokio::test]
async fn a_load_failure_is_told_once_and_every_case_carries_it() {
    let dir = tempfile::tempdir().unwrap();
    let nameless = submit(dir.path(), "nameless.py", "x = 1\n");
    let broken = submit(dir.path(), "broken.py", "def solve(case)\n");
    let missing = load_problem(
        LoadProblemKind::MissingName,
        "nameless.py does not define solve",
    );
    let syntax = load_problem(
        LoadProblemKind::SyntaxError,
        "broken.py:1:16: SyntaxError: expected ':'",
    );
    let runner = Scripted::new()
        .script(
            "nameless.py",
            Script::new().every_case(Observation::NotLoaded(missing.clone())),
        )
        .script(
            "broken.py",
            Script::new().every_case(Observation::NotLoaded(syntax.clone())),
        );
    let mut reporter = Recorder::default();
    let report = Setup::new(trio())
        .grade(
            &runner,
            &[nameless, broken],
            &[None, None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;
    let mut expected = vec![Seen::Started { submissions: 2 }];
    for (index, kind, verdict) in [
        (0, LoadProblemKind::MissingName, Verdict::Missing),
        (1, LoadProblemKind::SyntaxError, Verdict::Error),
    ] {
        expected.extend([
            Seen::SubmissionStarted { index },
            Seen::LoadFailed { index, kind },
            case(index, "c1", verdict),
            case(index, "c2", verdict),
            case(index, "c3", verdict),
            Seen::SubmissionFinished { index },
        ]);
    }
    expected.push(Seen::Finished {
        interrupted: false,
        submissions: 2,
    });
    assert_eq!(reporter.seen, expected);
    for (result, problem) in report.submissions.iter().zip([&missing, &syntax]) {
        assert_eq!(result.problem.as_ref(), Some(problem));
        assert!(!result.passed);
        assert_eq!(result.failed_cases, 3);
        for case in &result.cases {
            assert!(!case.ran, "{} did not run", case.id);
            assert_eq!(case.message, format!("not run: {}", problem.message));
        }
    }
}

#[tokio::test]
async fn a_folder_without_the_entry_file_is_missing_and_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("candidate");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("helpers.py"), "X = 1\n").unwrap();
    let submission = submission_from_arg(&folder).unwrap();
    let runner = Scripted::new();
    let mut reporter = Recorder::default();
    let report = Setup::new(trio())
        .grade(
            &runner,
            &[submission],
            &[None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;
    assert!(runner.calls().is_empty(), "nothing to run");
    assert_eq!(
        reporter.seen[1..3],
        [
            Seen::SubmissionStarted { index: 0 },
            Seen::LoadFailed {
                index: 0,
                kind: LoadProblemKind::MissingEntry
            },
        ]
    );
    let result = &report.submissions[0];
    assert!(
        result.cases.iter().all(|c| c.verdict == Verdict::Missing),
        "{:?}",
        result.cases
    );
    let problem = result.problem.as_ref().unwrap();
    assert!(
        problem.message.contains("solution.py not found"),
        "{}",
        problem.message
    );
}

#[tokio::test]
async fn a_submission_that_cannot_be_copied_is_the_judges_error() {
    let dir = tempfile::tempdir().unwrap();
    // Checked on the command line, then gone before its turn came.
    let gone = submit(dir.path(), "gone.py", "def solve(case): pass\n");
    std::fs::remove_file(&gone.path).unwrap();
    let runner = Scripted::new();
    let mut reporter = Recorder::default();
    let report = Setup::new(trio())
        .grade(
            &runner,
            &[gone],
            &[None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;
    assert!(runner.calls().is_empty());
    assert!(
        !reporter
            .seen
            .iter()
            .any(|s| matches!(s, Seen::LoadFailed { .. })),
        "not the candidate's load failure"
    );
    let result = &report.submissions[0];
    assert!(result.problem.is_none());
    assert!(
        result
            .cases
            .iter()
            .all(|c| c.verdict == Verdict::JudgeError)
    );
    assert!(result.cases[0].message.starts_with("cannot copy "));
    assert!(report.has_judge_errors());
}

#[tokio::test]
async fn a_hidden_failure_is_redacted_unless_hidden_cases_are_shown() {
    let dir = tempfile::tempdir().unwrap();
    let task = with_hidden_case(dir.path());
    let submission = submit(dir.path(), "leaky.py", "def solve(case): pass\n");
    let script = || {
        Script::new()
            .value(0, json!({"value": 1}))
            .value(1, json!({"value": "hidden-input"}))
    };
    let runner = Scripted::new().script("leaky.py", script());
    let hidden = Setup::new(task.clone())
        .grade(
            &runner,
            std::slice::from_ref(&submission),
            &[None],
            &mut Recorder::default(),
            &CancellationToken::new(),
        )
        .await;
    let secret = &hidden.submissions[0].cases[1];
    assert_eq!(secret.verdict, Verdict::Wrong);
    assert!(secret.hidden && secret.redacted);
    assert!(secret.mismatches.is_empty());
    assert_eq!(
        secret.message,
        "wrong result (hidden case: details not shown)\nrule: echo the hidden value"
    );
    let score = &hidden.submissions[0].score;
    assert_eq!((score.points, score.max_points), (1, 3));

    let runner = Scripted::new().script("leaky.py", script());
    let shown = Setup::new(task)
        .show_hidden()
        .grade(
            &runner,
            &[submission],
            &[None],
            &mut Recorder::default(),
            &CancellationToken::new(),
        )
        .await;
    let secret = &shown.submissions[0].cases[1];
    assert!(!secret.redacted);
    assert!(
        secret
            .message
            .starts_with("$.value: expected \"hidden-expected\", got \"hidden-input\""),
        "{}",
        secret.message
    );
}

#[tokio::test]
async fn several_at_once_each_submissions_events_arrive_together() {
    let dir = tempfile::tempdir().unwrap();
    let slow = submit(dir.path(), "slow.py", "def solve(case): pass\n");
    let quick = submit(dir.path(), "quick.py", "def solve(case): pass\n");
    let answers = |script: Script| {
        script
            .value(1, json!({"value": 2}))
            .value(2, json!({"value": 3}))
    };
    let runner = Scripted::new()
        .script(
            "slow.py",
            answers(Script::new().value(0, json!({"value": 1})).sleep_ms(120)),
        )
        .script(
            "quick.py",
            answers(Script::new().sleep_ms(20).value(0, json!({"value": 1}))),
        );
    let mut reporter = Recorder::watching(&runner);
    let report = Setup::new(trio())
        .jobs(2)
        .grade(
            &runner,
            &[slow.clone(), quick.clone()],
            &[None, None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;

    // The runs did interleave...
    let sunk: Vec<(String, usize)> = runner
        .sunk()
        .into_iter()
        .map(|s| (s.entry_display, s.case_index))
        .collect();
    let at = |name: &str, index| (name.to_owned(), index);
    assert_eq!(
        sunk,
        [
            at("slow.py", 0),
            at("quick.py", 0),
            at("quick.py", 1),
            at("quick.py", 2),
            at("slow.py", 1),
            at("slow.py", 2),
        ]
    );
    // ...but each submission's events came together, when it finished: the quick one first.
    let together = |index| {
        vec![
            Seen::SubmissionStarted { index },
            case(index, "c1", Verdict::Pass),
            case(index, "c2", Verdict::Pass),
            case(index, "c3", Verdict::Pass),
            Seen::SubmissionFinished { index },
        ]
    };
    let mut expected = vec![Seen::Started { submissions: 2 }];
    expected.extend(together(1));
    expected.extend(together(0));
    expected.push(Seen::Finished {
        interrupted: false,
        submissions: 2,
    });
    assert_eq!(reporter.seen, expected);
    for (submission, _, sunk) in &reporter.heard_at {
        let needed = if *submission == 1 { 4 } else { 6 };
        assert!(
            *sunk >= needed,
            "a case of submission {submission} was heard before it finished"
        );
    }
    // The report keeps the order given, not the order of finishing.
    let paths: Vec<&str> = report.submissions.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, [shown(&slow), shown(&quick)]);
    assert!(report.passed);
    assert_eq!(report.passed_submissions, 2);
}

#[tokio::test]
async fn a_resumed_submission_is_not_run_again() {
    let dir = tempfile::tempdir().unwrap();
    let done = submit(dir.path(), "done.py", "def solve(case): pass\n");
    let fresh = submit(dir.path(), "fresh.py", "def solve(case): pass\n");
    let earlier = SubmissionResult {
        attempts: 7,
        ..testing::submission(
            &shown(&done),
            vec![
                testing::passing("c1", "Case 1"),
                testing::failing("c2", "Case 2", Verdict::Wrong, "$.value: expected 2, got 3"),
                testing::passing("c3", "Case 3"),
            ],
        )
    };
    let runner = Scripted::new()
        .script(
            "done.py",
            Script::new().every_case(Observation::JudgeError("must not run".to_owned())),
        )
        .script(
            "fresh.py",
            Script::new()
                .value(0, json!({"value": 1}))
                .sleep_ms(10)
                .value(1, json!({"value": 2}))
                .sleep_ms(10)
                .value(2, json!({"value": 3})),
        );
    let mut reporter = Recorder::watching(&runner);
    // Several jobs, but one submission left to grade: it is heard live.
    let report = Setup::new(trio())
        .jobs(4)
        .grade(
            &runner,
            &[done, fresh],
            &[Some(earlier), None],
            &mut reporter,
            &CancellationToken::new(),
        )
        .await;
    assert_eq!(runner.called(), ["fresh.py"]);
    assert_eq!(
        reporter.seen,
        [
            Seen::Started { submissions: 2 },
            Seen::Resumed { index: 0 },
            Seen::SubmissionStarted { index: 1 },
            case(1, "c1", Verdict::Pass),
            case(1, "c2", Verdict::Pass),
            case(1, "c3", Verdict::Pass),
            Seen::SubmissionFinished { index: 1 },
            Seen::Finished {
                interrupted: false,
                submissions: 2
            },
        ]
    );
    let heard: Vec<usize> = reporter.heard_at.iter().map(|(_, _, n)| *n).collect();
    assert_eq!(heard, [1, 2, 3]);
    let resumed = &report.submissions[0];
    assert_eq!(resumed.attempts, 7, "the resumed result, as it was");
    assert_eq!(resumed.failed_ids(), ["c2"]);
    assert!(report.submissions[1].passed);
    assert_eq!((report.passed_cases, report.failed_cases), (5, 1));
    assert!(!report.passed, "the resumed result's failure counts");
}

#[tokio::test]
async fn an_interruption_keeps_what_finished_and_drops_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let first = submit(dir.path(), "first.py", "def solve(case): pass\n");
    let stuck = submit(dir.path(), "stuck.py", "def solve(case): pass\n");
    let never = submit(dir.path(), "never.py", "def solve(case): pass\n");
    let all_pass = || {
        Script::new()
            .value(0, json!({"value": 1}))
            .value(1, json!({"value": 2}))
            .value(2, json!({"value": 3}))
    };
    let runner = Scripted::new()
        .script("first.py", all_pass())
        .script(
            "stuck.py",
            Script::new().value(0, json!({"value": 1})).hang(),
        )
        .script("never.py", all_pass());
    let cancel = CancellationToken::new();
    // Ctrl-C once the stuck submission's first case is heard.
    let mut reporter = Recorder::default().cancelling_on(case(1, "c1", Verdict::Pass), &cancel);
    let report = Setup::new(trio())
        .grade(
            &runner,
            &[first.clone(), stuck, never],
            &[None, None, None],
            &mut reporter,
            &cancel,
        )
        .await;
    assert!(report.interrupted);
    assert!(!report.passed);
    let paths: Vec<&str> = report.submissions.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, [shown(&first)]);
    assert_eq!(runner.called(), ["first.py", "stuck.py"]);
    assert!(
        !reporter
            .seen
            .contains(&Seen::SubmissionFinished { index: 1 })
    );
    assert!(
        reporter.of_submission(2).is_empty(),
        "never started: {:?}",
        reporter.of_submission(2)
    );
    assert_eq!(
        reporter.seen.last(),
        Some(&Seen::Finished {
            interrupted: true,
            submissions: 1
        })
    );
}

#[tokio::test]
async fn an_interruption_with_several_jobs_drops_the_unfinished_submissions_events() {
    let dir = tempfile::tempdir().unwrap();
    let quick = submit(dir.path(), "quick.py", "def solve(case): pass\n");
    let stuck = submit(dir.path(), "stuck.py", "def solve(case): pass\n");
    let runner = Scripted::new()
        .script(
            "quick.py",
            Script::new()
                .sleep_ms(10)
                .value(0, json!({"value": 1}))
                .value(1, json!({"value": 2}))
                .value(2, json!({"value": 3})),
        )
        .script(
            "stuck.py",
            Script::new().value(0, json!({"value": 1})).hang(),
        );
    let cancel = CancellationToken::new();
    let mut reporter =
        Recorder::default().cancelling_on(Seen::SubmissionFinished { index: 0 }, &cancel);
    let report = Setup::new(trio())
        .jobs(2)
        .grade(
            &runner,
            &[quick.clone(), stuck],
            &[None, None],
            &mut reporter,
            &cancel,
        )
        .await;
    assert_eq!(runner.called(), ["quick.py", "stuck.py"]);
    assert!(report.interrupted);
    let paths: Vec<&str> = report.submissions.iter().map(|s| s.path.as_str()).collect();
    assert_eq!(paths, [shown(&quick)]);
    // Its first case was observed, but held, and never delivered.
    assert!(runner.sunk().iter().any(|s| s.entry_display == "stuck.py"));
    assert!(
        reporter.of_submission(1).is_empty(),
        "{:?}",
        reporter.of_submission(1)
    );
}
