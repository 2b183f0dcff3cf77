//! Broken and misbehaving submissions: each is reported as what it is, never as a judge crash.

use livejudge::error::exit::{FAILED, PASSED, USAGE};

use crate::support::*;

const TASK: &str = "caching-decorator";

/// Grades a submission of the probe test task (tests/submissions/probe/NAME), JSON report.
fn grade_probe(name: &str, extra: &[&str]) -> Run {
    Grade::test_task("probe")
        .submission(format!("tests/submissions/probe/{name}"))
        .args(["--format", "json"])
        .args(extra)
        .run()
}

fn sub(name: &str) -> String {
    format!("tests/submissions/caching-decorator/{name}")
}

/// Grades one broken submission; every case fails with `verdict` and the same load problem.
fn grade_broken(name: &str, verdict: &str, problem_kind: &str) -> serde_json::Value {
    let run = Grade::task(TASK)
        .submission(sub(name))
        .arg("--format")
        .arg("json")
        .run();
    assert_eq!(run.code, i32::from(FAILED), "{name}: {}", run.stderr);
    let report = run.report();
    let submission = submission(&report, 0).clone();
    assert_eq!(submission["problem"]["kind"], problem_kind, "{name}");
    for case in submission["cases"].as_array().unwrap() {
        assert_eq!(case["verdict"], verdict, "{name}: {case}");
        assert_eq!(case["ran"], false);
    }
    submission
}

#[test]
fn syntax_error_is_reported_with_file_line_and_caret() {
    let submission = grade_broken("syntax_error.py", "error", "syntax-error");
    let problem = &submission["problem"];
    assert_eq!(
        problem["message"],
        "syntax_error.py:4:33: SyntaxError: expected ':'"
    );
    assert_eq!(
        problem["details"],
        "4 | def cache(maxsize=128, ttl=None)\n  |                                 ^"
    );
    let human = Grade::task(TASK).submission(sub("syntax_error.py")).run();
    assert!(human.stdout.contains("the submission could not be loaded"));
    assert!(
        human
            .stdout
            .contains("syntax_error.py:4:33: SyntaxError: expected ':'")
    );
    let total = case_counts(TASK).0;
    assert!(
        human
            .stdout
            .trim_end()
            .ends_with(&format!("0 passed, {total} failed"))
    );
}

#[test]
fn empty_file_is_missing_the_required_name() {
    let submission = grade_broken("empty.py", "missing", "missing-name");
    assert_eq!(
        submission["problem"]["message"],
        "empty.py does not define `cache`"
    );
    assert!(
        case(&submission, "hits")["message"]
            .as_str()
            .unwrap()
            .starts_with("not run: empty.py does not define `cache`")
    );
    let misnamed = grade_broken("wrong_name.py", "missing", "missing-name");
    assert_eq!(
        misnamed["problem"]["message"],
        "wrong_name.py does not define `cache`"
    );
}

#[test]
fn non_utf8_and_nul_bytes_are_syntax_errors_not_crashes() {
    let submission = grade_broken("not_utf8.py", "error", "syntax-error");
    let message = submission["problem"]["message"].as_str().unwrap();
    assert!(message.starts_with("not_utf8.py:3:"), "{message}");
    assert!(
        message.contains("codec can't decode byte 0xe9"),
        "{message}"
    );
    let submission = grade_broken("nul_bytes.py", "error", "syntax-error");
    assert!(
        submission["problem"]["message"]
            .as_str()
            .unwrap()
            .contains("null bytes")
    );
}

#[test]
fn exit_and_exceptions_at_import_are_reported_as_such() {
    let submission = grade_broken("exit_at_import.py", "crashed", "exit-at-import");
    assert_eq!(
        submission["problem"]["message"],
        "the submission called exit(3) while being imported"
    );
    let submission = grade_broken("raises_at_import.py", "error", "import-error");
    let problem = &submission["problem"];
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .starts_with("importing raises_at_import.py raised json.decoder.JSONDecodeError"),
        "{problem}"
    );
    let details = problem["details"].as_str().unwrap();
    assert!(
        details.contains(r#"File "raises_at_import.py", line 3"#),
        "{details}"
    );
    assert!(
        !details.contains("livejudge_runtime"),
        "judge frames are trimmed: {details}"
    );
}

#[test]
fn missing_or_unusable_submission_paths_are_input_errors() {
    let run1 = Grade::task(TASK)
        .submission("tests/submissions/caching-decorator/nope.py")
        .expect_exit(USAGE)
        .run();
    assert!(
        run1.stderr
            .contains("submission tests/submissions/caching-decorator/nope.py not found"),
        "{}",
        run1.stderr
    );
    assert!(run1.stdout.is_empty());
    let run2 = Grade::task(TASK)
        .submission(sub("not_python.txt"))
        .expect_exit(USAGE)
        .run();
    assert!(run2.stderr.contains("is not a .py file"), "{}", run2.stderr);
    let run3 = Grade::task(TASK).run();
    assert_eq!(
        run3.code,
        i32::from(USAGE),
        "clap reports the missing argument"
    );
    assert!(run3.stderr.contains("SUBMISSION"));
}

#[test]
fn folder_submissions_are_copied_whole_and_need_their_entry() {
    // solution.py re-exports `cache` from a package inside the folder.
    let dir = tempfile::tempdir().unwrap();
    let package = dir.path().join("lrucache");
    std::fs::create_dir(&package).unwrap();
    std::fs::write(package.join("__init__.py"), "").unwrap();
    std::fs::copy(
        repo().join("tasks/caching-decorator/solutions/accepted/linked_list_class.py"),
        package.join("core.py"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("solution.py"),
        "from lrucache.core import cache\n",
    )
    .unwrap();
    // A module of the candidate's that shadows one the harness imports must not break it.
    std::fs::write(
        dir.path().join("logging.py"),
        "def log(message):\n    pass\n",
    )
    .unwrap();
    Grade::task(TASK)
        .submission(dir.path())
        .args(["--format", "json"])
        .expect_exit(PASSED)
        .run();
    let submission = grade_broken("folder_without_entry", "missing", "missing-entry");
    assert!(
        submission["problem"]["message"]
            .as_str()
            .unwrap()
            .starts_with("solution.py not found in the submission folder")
    );
}

#[test]
fn misbehaving_cases_get_their_own_verdicts_and_the_rest_still_run() {
    let run = grade_probe("misbehaving.py", &[]);
    assert_eq!(run.code, i32::from(FAILED));
    let report = run.report();
    let s = submission(&report, 0);
    let verdict = |id: &str| case(s, id)["verdict"].as_str().unwrap().to_owned();
    assert_eq!(verdict("echo-1"), "pass");
    assert_eq!(verdict("hang"), "timeout");
    assert_eq!(
        verdict("echo-2"),
        "pass",
        "the case after a timeout still runs"
    );
    assert_eq!(verdict("crash"), "crashed");
    assert_eq!(
        verdict("echo-3"),
        "pass",
        "the case after a crash still runs"
    );
    assert_eq!(verdict("flood"), "output-limit");
    assert_eq!(verdict("raise"), "error");
    assert_eq!(verdict("spin"), "timeout");
    assert_eq!(verdict("allocate"), "memory-limit");
    assert_eq!(verdict("segfault"), "crashed");
    assert_eq!(
        verdict("echo-4"),
        "pass",
        "the case after a segfault still runs"
    );
    assert_eq!(
        verdict("loud"),
        "output-limit",
        "the case that printed is charged"
    );
    assert_eq!(
        verdict("slow-echo"),
        "pass",
        "not the one that ran after it"
    );
    assert_eq!(verdict("burn-a"), "pass");
    assert_eq!(
        verdict("burn-b"),
        "pass",
        "each case has its own CPU budget"
    );
    assert_eq!(verdict("huge"), "output-limit");
    assert_eq!(verdict("matchers"), "pass");
    assert_eq!(verdict("environment"), "pass", "{}", case(s, "environment"));
    assert_eq!(verdict("prepared"), "pass");
    // One process, plus a fresh one after the timeout, crash, flood, CPU limit, memory limit
    // (the box's cgroup kills the process), segfault, loud case and oversized result.
    assert_eq!(s["attempts"], 9);

    let hang = case(s, "hang");
    assert_eq!(
        hang["message"],
        "did not finish within 1s (the case's time limit)\nrule: solve must return"
    );
    assert_eq!(
        hang["details"], "about to hang",
        "the tail of stderr is shown"
    );
    let hang_ms = hang["duration_ms"].as_f64().unwrap();
    // Not before its limit; the upper bound only catches a hang.
    assert!((1000.0..30_000.0).contains(&hang_ms), "{hang_ms}");
    let crash = case(s, "crash");
    assert_eq!(
        crash["message"],
        "the process exited with status 9 during the case"
    );
    assert_eq!(crash["details"], "about to crash");
    assert_eq!(
        case(s, "flood")["message"],
        "printed more than 64.0 KiB in this case (stdout and stderr together)"
    );
    assert_eq!(
        case(s, "spin")["message"],
        "used up the CPU time limit (1s) during this case"
    );
    assert_eq!(
        case(s, "allocate")["message"],
        "used more than the memory limit (256.0 MiB); the process was killed"
    );
    let segfault = case(s, "segfault");
    assert_eq!(
        segfault["message"],
        "the process was killed by SIGSEGV (segmentation fault) during the case"
    );
    assert!(
        segfault["details"]
            .as_str()
            .unwrap()
            .contains("Fatal Python error: Segmentation fault")
    );
    let raised = case(s, "raise");
    assert_eq!(
        raised["stdout"], "debug: looking for the thing\n",
        "a case's prints are its own"
    );
    assert!(case(s, "echo-1")["stdout"].is_null());
    assert_eq!(raised["message"], "raised KeyError: 'no such thing'");
    assert!(
        raised["details"]
            .as_str()
            .unwrap()
            .contains(r#"File "misbehaving.py", line"#)
    );
}

#[test]
fn output_is_charged_to_the_case_that_printed_it_every_time() {
    // The loud case prints past the limit and returns at once; the next case is slow. A
    // judge that reads the pipes late would blame the slow case now and then.
    let rounds: Vec<_> = (0..8)
        .map(|_| std::thread::spawn(|| grade_probe("misbehaving.py", &[]).json()))
        .collect();
    for (round, handle) in rounds.into_iter().enumerate() {
        let report = handle.join().unwrap();
        let s = submission(&report, 0);
        assert_eq!(case(s, "loud")["verdict"], "output-limit", "round {round}");
        assert_eq!(case(s, "slow-echo")["verdict"], "pass", "round {round}");
    }
}

#[test]
fn without_isolation_a_daemon_the_submission_leaves_behind_is_killed() {
    // In a box the pid namespace takes daemons down (hostile_corpus/); without one, livejudge
    // must still find them. The pid is checked after livejudge is gone: held until
    // then, so no attack of the hostile corpus churns through pids in between.
    let _machine = machine::shared();
    let run = grade_probe("misbehaving.py", &["--isolation", "none"]);
    let report = run.json();
    let message = case(submission(&report, 0), "daemon")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    let pid: i32 = message
        .rsplit("got ")
        .next()
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no pid in {message:?}"));
    assert!(pid > 1);
    // A double-forked, setsid daemon left the process group; as a child subreaper
    // livejudge adopted and killed it before exiting.
    assert!(!alive(pid), "daemon {pid} survived livejudge");
}

#[test]
fn a_submission_that_tampers_with_the_runtime_cannot_crash_the_judge() {
    let run = grade_probe("tampers_with_runtime.py", &[]);
    assert_eq!(run.code, i32::from(FAILED), "{}", run.stderr);
    let report = run.report();
    for case in report["submissions"][0]["cases"].as_array().unwrap() {
        let ms = case["duration_ms"].as_f64().unwrap();
        assert!((0.0..60_000.0).contains(&ms), "{case}");
    }
}

#[test]
fn hidden_cases_keep_their_data_back_unless_asked() {
    let hidden = grade_probe("misbehaving.py", &[]);
    let secret = case(submission(&hidden.json(), 0), "secret").clone();
    assert_eq!(secret["verdict"], "wrong");
    assert_eq!(secret["redacted"], true);
    assert_eq!(secret["title"], "A hidden case the submission gets wrong");
    let text = secret.to_string();
    for leak in ["hidden-input-7f3a", "hidden-expected-9c2e"] {
        assert!(!text.contains(leak), "hidden data leaked: {text}");
    }
    assert!(
        secret["message"]
            .as_str()
            .unwrap()
            .contains("rule: echo the hidden value")
    );
    assert!(
        secret["stderr"].is_null(),
        "a hidden case's prints are withheld"
    );
    let human = Grade::test_task("probe")
        .submission("tests/submissions/probe/misbehaving.py")
        .run();
    assert!(!human.stdout.contains("hidden-"), "{}", human.stdout);
    assert!(
        human
            .stdout
            .contains("      captured stdout:\n        debug: looking for the thing\n"),
        "{}",
        human.stdout
    );

    let shown = grade_probe("misbehaving.py", &["--show-hidden"]);
    let secret = case(submission(&shown.json(), 0), "secret").clone();
    assert_eq!(secret["redacted"], false);
    assert_eq!(
        secret["mismatches"][0]["message"],
        r#"expected "hidden-expected-9c2e", got "wrong-hidden-input-7f3a""#
    );
}

#[test]
fn the_judges_environment_does_not_reach_the_submission() {
    let run = Grade::test_task("probe")
        .env("LIVEJUDGE_TEST_SECRET", "s3cr3t")
        .env("PYTHONPATH", "/nonexistent")
        .submission("tests/submissions/probe/misbehaving.py")
        .args(["--format", "json"])
        .run();
    let environment = case(submission(&run.json(), 0), "environment").clone();
    assert_eq!(environment["verdict"], "pass", "{environment}");
}

#[test]
fn hostile_output_is_neutralised_in_the_human_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escapes.py");
    std::fs::write(
        &path,
        "def cache(maxsize=128, ttl=None):\n    raise ValueError('\\x1b[2J\\x1b]0;pwned\\x07\\rclean')\n",
    )
    .unwrap();
    let run = Grade::task(TASK)
        .submission(&path)
        .expect_exit(FAILED)
        .run();
    assert!(
        !run.stdout.contains('\u{1b}')
            && !run.stdout.contains('\r')
            && !run.stdout.contains('\u{7}')
    );
    assert!(run.stdout.contains(r"\u{1b}[2J"), "{}", run.stdout);
}
