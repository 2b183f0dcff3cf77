//! Snapshots of what the human, watch and progress reporters print for synthetic grading
//! events: fixed durations, colour off.

use std::cell::RefCell;
use std::io::Write;
use std::path::PathBuf;
use std::rc::Rc;

use crate::outcome::testing::{
    diff, failing, not_loaded, passing, report, submission, task_of, wrong,
};
use crate::outcome::{
    CaseResult, Event, GradeReport, Isolation, LoadProblem, LoadProblemKind, Reporter, Submission,
    SubmissionResult, Verdict,
};
use crate::report::{HumanReporter, ProgressReporter, WatchReporter};
use crate::task::Task;

/// What a reporter wrote, shared with the test that reads it.
#[derive(Clone, Default)]
struct Output(Rc<RefCell<Vec<u8>>>);

impl Output {
    fn writer(&self) -> Box<dyn Write> {
        Box::new(self.clone())
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.borrow().clone()).expect("UTF-8 output")
    }
}

impl Write for Output {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.borrow_mut().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn submissions_of(report: &GradeReport) -> Vec<Submission> {
    report
        .submissions
        .iter()
        .map(|s| Submission {
            path: PathBuf::from(&s.path),
            is_dir: false,
            digest: format!("digest-of-{}", s.path),
        })
        .collect()
}

/// The events of grading `report`'s submissions as `grade_all` sends them with one job:
/// those in `resumed` (by index) first, as they came from a results file, then the others
/// one after the other, each case as it finished.
fn play(reporter: &mut dyn Reporter, task: &Task, report: &GradeReport, resumed: &[usize]) {
    let submissions = submissions_of(report);
    reporter.event(&Event::Started {
        task,
        report,
        submissions: &submissions,
    });
    for &index in resumed {
        reporter.event(&Event::SubmissionResumed {
            index,
            result: &report.submissions[index],
        });
    }
    for (index, result) in report.submissions.iter().enumerate() {
        if resumed.contains(&index) {
            continue;
        }
        reporter.event(&Event::SubmissionStarted {
            index,
            path: &result.path,
        });
        if let Some(problem) = &result.problem {
            reporter.event(&Event::LoadFailed { index, problem });
        }
        for case in &result.cases {
            reporter.event(&Event::CaseFinished {
                submission: index,
                case,
            });
        }
        reporter.event(&Event::SubmissionFinished {
            index,
            submission: &submissions[index],
            result,
        });
    }
    reporter.event(&Event::Finished { report });
}

fn human(task: &Task, report: &GradeReport, resumed: &[usize]) -> String {
    let output = Output::default();
    let mut reporter = HumanReporter::new(output.writer(), false);
    play(&mut reporter, task, report, resumed);
    output.text()
}

fn watch(task: &Task, report: &GradeReport) -> String {
    let output = Output::default();
    let mut reporter = WatchReporter::new(output.writer(), false);
    play(&mut reporter, task, report, &[]);
    output.text()
}

fn wrong_total() -> CaseResult {
    CaseResult {
        diff: Some(diff(
            "{\n  \"items\": [\n    \"apple\",\n    \"pear\"\n  ],\n  \"total\": 5\n}",
            "{\n  \"items\": [\n    \"apple\",\n    \"plum\"\n  ],\n  \"total\": 4\n}",
        )),
        stdout: Some("debug: adding apple\ndebug: adding plum\n".to_owned()),
        duration_ms: 3.25,
        ..wrong(
            "totals",
            "Totals add up",
            &[
                ("$.items[1]", "expected \"pear\", got \"plum\""),
                ("$.total", "expected 5, got 4"),
            ],
            "total is the sum of the items' prices",
        )
    }
}

fn raised_error() -> CaseResult {
    CaseResult {
        details: Some(
            "Traceback (most recent call last):\n  File \"solution.py\", line 7, in solve\n    return prices[name]\nKeyError: 'kiwi'"
                .to_owned(),
        ),
        duration_ms: 1250.0,
        ..failing(
            "unknown",
            "An unknown item",
            Verdict::Error,
            "raised KeyError: 'kiwi'",
        )
    }
}

fn hidden_redacted() -> CaseResult {
    CaseResult {
        hidden: true,
        redacted: true,
        group: "hidden".to_owned(),
        points: 2,
        rule: Some("discounts apply once".to_owned()),
        ..failing(
            "secret",
            "A hidden case",
            Verdict::Wrong,
            "wrong result (hidden case: details not shown)\nrule: discounts apply once",
        )
    }
}

fn hidden_passing() -> CaseResult {
    CaseResult {
        hidden: true,
        group: "hidden".to_owned(),
        points: 2,
        ..passing("secret", "A hidden case")
    }
}

/// The four cases of the `basket` task, as one submission got them.
fn basket_cases() -> Vec<CaseResult> {
    vec![
        passing("empty", "An empty basket"),
        wrong_total(),
        raised_error(),
        hidden_redacted(),
    ]
}

fn basket_task() -> Task {
    task_of("basket", &basket_cases())
}

#[test]
fn human_one_submission_with_every_kind_of_failure() {
    let report = report("basket", vec![submission("cand/alice.py", basket_cases())]);
    insta::assert_snapshot!(human(&basket_task(), &report, &[]));
}

fn syntax_error() -> LoadProblem {
    LoadProblem {
        kind: LoadProblemKind::SyntaxError,
        message: "bob.py:3:14: SyntaxError: expected ':'".to_owned(),
        details: Some("    def solve(basket)\n                     ^".to_owned()),
    }
}

fn load_failed(path: &str) -> SubmissionResult {
    let problem = syntax_error();
    let cases = basket_cases()
        .iter()
        .map(|c| CaseResult {
            group: c.group.clone(),
            points: c.points,
            hidden: c.hidden,
            ..not_loaded(&c.id, &c.title, Verdict::Error, &problem)
        })
        .collect();
    SubmissionResult {
        problem: Some(problem),
        attempts: 1,
        ..submission(path, cases)
    }
}

#[test]
fn human_a_submission_that_does_not_load() {
    let report = report("basket", vec![load_failed("cand/bob.py")]);
    insta::assert_snapshot!(human(&basket_task(), &report, &[]));
}

#[test]
fn human_a_judge_error() {
    let cases = vec![
        passing("empty", "An empty basket"),
        CaseResult {
            duration_ms: 0.0,
            ..failing(
                "totals",
                "Totals add up",
                Verdict::JudgeError,
                "cannot start the sandbox: bwrap: No permissions to create new namespace",
            )
        },
    ];
    let task = task_of("basket", &cases);
    let report = report("basket", vec![submission("cand/carol.py", cases)]);
    insta::assert_snapshot!(human(&task, &report, &[]));
}

fn batch() -> GradeReport {
    let all_pass = vec![
        passing("empty", "An empty basket"),
        passing("totals", "Totals add up"),
        passing("unknown", "An unknown item"),
        hidden_passing(),
    ];
    let mut report = report(
        "basket",
        vec![
            submission("cand/alice.py", basket_cases()),
            load_failed("cand/bob.py"),
            submission("cand/dave.py", all_pass),
        ],
    );
    report.isolation = Isolation::Partial;
    report.isolation_missing = vec![
        "seccomp: the kernel refuses filters (fix: run on a kernel with CONFIG_SECCOMP_FILTER)"
            .to_owned(),
    ];
    report
}

#[test]
fn human_a_batch_with_its_summary_table() {
    // dave's result comes from the results file being resumed.
    insta::assert_snapshot!(human(&basket_task(), &batch(), &[2]));
}

#[test]
fn human_an_interrupted_batch() {
    let mut report = batch();
    report.submissions.truncate(2);
    report.interrupted = true;
    report.passed = false;
    report.passed_submissions = 0;
    report.passed_cases = report.submissions.iter().map(|s| s.passed_cases).sum();
    report.failed_cases = report.submissions.iter().map(|s| s.failed_cases).sum();
    insta::assert_snapshot!(human(&basket_task(), &report, &[]));
}

#[test]
fn watch_shows_the_first_failure_in_full() {
    // watch grades the public cases only.
    let cases = vec![
        passing("empty", "An empty basket"),
        wrong_total(),
        raised_error(),
    ];
    let task = task_of("basket", &cases);
    let report = report("basket", vec![submission("alice.py", cases)]);
    insta::assert_snapshot!(watch(&task, &report));
}

#[test]
fn watch_shows_the_first_failure_with_its_traceback() {
    let cases = vec![passing("empty", "An empty basket"), raised_error()];
    let task = task_of("basket", &cases);
    let report = report("basket", vec![submission("alice.py", cases)]);
    insta::assert_snapshot!(watch(&task, &report));
}

#[test]
fn watch_a_file_that_does_not_load() {
    let mut result = load_failed("bob.py");
    result.cases.retain(|c| !c.hidden);
    let task = task_of("basket", &result.cases);
    let report = report("basket", vec![result]);
    insta::assert_snapshot!(watch(&task, &report));
}

#[test]
fn watch_all_passing() {
    let cases = vec![
        passing("empty", "An empty basket"),
        passing("totals", "Totals add up"),
    ];
    let task = task_of("basket", &cases);
    let report = report("basket", vec![submission("alice.py", cases)]);
    insta::assert_snapshot!(watch(&task, &report));
}

#[test]
fn progress_prints_a_line_per_finished_submission() {
    let output = Output::default();
    let mut reporter = ProgressReporter::plain(output.writer());
    play(&mut reporter, &basket_task(), &batch(), &[2]);
    // The estimate depends on the clock, but on the last line nothing is left.
    let eta = regex::Regex::new(r"ETA \d+[a-z]+").unwrap();
    let text = output.text();
    let lines: Vec<&str> = text.lines().collect();
    let (last, before) = lines.split_last().expect("lines");
    let mut shown: Vec<String> = before
        .iter()
        .map(|line| eta.replace_all(line, "ETA [eta]").into_owned())
        .collect();
    shown.push((*last).to_owned());
    insta::assert_snapshot!(shown.join("\n"));
}
