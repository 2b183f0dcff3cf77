//! Task specs and the commands that read them: every malformed task.toml in the corpus gets an
//! error naming its file, line and field (never a panic), and exactly the error kept in its
//! folder's expected.stderr; and list/show/setup behave.

use livejudge::error::exit::{PASSED, USAGE};

use crate::support::*;

/// (folder under tests/bad-specs, file:line the error must name, field, text it must contain)
const CORPUS: &[(&str, &str, Option<&str>, &str)] = &[
    (
        "unknown-top-level-key",
        "task.toml:3:1",
        Some("titel"),
        "unknown field `titel`",
    ),
    (
        "unknown-case-key",
        "task.toml:16:1",
        Some("cases[1].poitns"),
        "unknown field `poitns`",
    ),
    ("invalid-toml", "task.toml:1:22", None, "invalid TOML"),
    (
        "missing-title",
        "task.toml:1:1",
        None,
        "missing field `title`",
    ),
    (
        "duration-not-a-duration",
        "task.toml:8:18",
        Some("limits.case_wall_time"),
        "invalid duration \"fast\"",
    ),
    (
        "duration-without-unit",
        "task.toml:8:12",
        Some("limits.cpu_time"),
        "\"5\" has no unit",
    ),
    (
        "duration-wrong-type",
        "task.toml:8:17",
        Some("limits.run_wall_time"),
        "expected a string",
    ),
    (
        "size-not-a-size",
        "task.toml:8:10",
        Some("limits.memory"),
        "invalid size \"lots\"",
    ),
    (
        "limit-out-of-range",
        "task.toml:8:18",
        Some("limits.case_wall_time"),
        "out of range",
    ),
    (
        "case-longer-than-run",
        "task.toml:8:18",
        Some("limits.case_wall_time"),
        "longer than run_wall_time",
    ),
    (
        "duplicate-case-id",
        "task.toml:14:6",
        Some("cases[1].id"),
        "duplicate case id \"one\" (also used by cases[0] at line 8)",
    ),
    (
        "negative-points",
        "task.toml:10:10",
        Some("cases[0].points"),
        "invalid value: integer `-3`",
    ),
    (
        "unknown-kind",
        "task.toml:2:8",
        Some("kind"),
        "unknown kind \"grpc\"",
    ),
    (
        "bad-request-step",
        "task.toml:9:11",
        Some("cases[0].steps[0].request"),
        "\"FETCH\" is not \"METHOD /path\"",
    ),
    (
        "missing-fixture",
        "task.toml:10:14",
        Some("cases[0].input_file"),
        "cannot read fixture tests/fixtures/missing-fixture/nope.json",
    ),
    (
        "fixture-outside",
        "task.toml:10:14",
        Some("cases[0].input_file"),
        "must be a relative path inside the fixtures folder",
    ),
    (
        "unknown-matcher",
        "task.toml:11:27",
        Some("cases[0].expect.y.\"$typ\""),
        "unknown matcher `$typ`",
    ),
    (
        "bad-regex",
        "task.toml:11:29",
        Some("cases[0].expect.y.\"$regex\""),
        "invalid regular expression",
    ),
    (
        "mixed-matcher",
        "task.toml:11:16",
        Some("cases[0].expect.y"),
        "mixes matcher keys with the plain key `name`",
    ),
    (
        "no-expect",
        "task.toml:7:1",
        Some("cases[0]"),
        "case has no expect",
    ),
    (
        "input-twice",
        "task.toml:11:14",
        Some("cases[0].input_file"),
        "both input and input_file are set",
    ),
    (
        "undeclared-group",
        "task.toml:11:9",
        Some("cases[0].group"),
        "group \"bonus\" is not in the task's groups list",
    ),
    (
        "missing-harness",
        "task.toml:5:8",
        Some("harness.file"),
        "harness file tests/bad-specs/missing-harness/harnes.py does not exist",
    ),
    (
        "pip-option-requirement",
        "task.toml:8:26",
        Some("python.requirements[1]"),
        "is not a requirement",
    ),
    (
        "date-in-input",
        "task.toml:10:18",
        Some("cases[0].input.when"),
        "dates are not supported here",
    ),
    (
        "id-mismatch",
        "task.toml:1:6",
        Some("id"),
        "does not match the task folder \"id-mismatch\"",
    ),
    (
        "bad-entry",
        "task.toml:8:9",
        Some("submission.entry"),
        "is not an importable Python file name",
    ),
    (
        "unknown-site-observation",
        "task.toml:14:18",
        Some("cases[0].sites.peak"),
        "unknown site observation \"peak\"",
    ),
];

/// `livejudge show` of the task in tests/bad-specs/NAME.
fn show_bad_spec(name: &str) -> Run {
    Livejudge::new()
        .tasks("tests/bad-specs")
        .args(["show", name])
        .run()
}

#[test]
fn every_malformed_spec_names_file_line_and_field() {
    let on_disk = std::fs::read_dir(repo().join("tests/bad-specs"))
        .unwrap()
        .count();
    assert_eq!(
        on_disk,
        CORPUS.len() + 1,
        "every spec in tests/bad-specs is tested (bad-fixture-json has its own test)"
    );
    assert!(CORPUS.len() >= 10);
    for (name, place, field, text) in CORPUS {
        let run = show_bad_spec(name);
        assert_eq!(
            run.code,
            i32::from(USAGE),
            "{name}: exit code\n{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{name}: nothing on stdout");
        let expected_place = format!("error: tests/bad-specs/{name}/{place}: ");
        assert!(
            run.stderr.contains(&expected_place),
            "{name}: expected {expected_place:?} in\n{}",
            run.stderr
        );
        if let Some(field) = field {
            assert!(
                run.stderr.contains(&format!("field `{field}`")),
                "{name}: field {field} in\n{}",
                run.stderr
            );
        }
        assert!(
            run.stderr.contains(text),
            "{name}: {text:?} in\n{}",
            run.stderr
        );
        assert!(
            run.stderr.contains("  help: "),
            "{name}: a fix is suggested\n{}",
            run.stderr
        );
    }
}

/// The folders of tests/bad-specs, sorted.
fn bad_specs() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(repo().join("tests/bad-specs"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_bad_spec_prints_exactly_its_expected_stderr() {
    // The whole of stderr, against tests/bad-specs/NAME/expected.stderr (LIVEJUDGE_BLESS=1
    // rewrites them): the message, the excerpt of the spec with its caret, the help.
    let names = bad_specs();
    assert_eq!(names.len(), CORPUS.len() + 1, "{names:?}");
    let mut mismatches = Vec::new();
    for name in &names {
        let run = show_bad_spec(name);
        assert_eq!(
            run.code,
            i32::from(USAGE),
            "{name}: exit code\n{}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "{name}: nothing on stdout");
        let golden = repo()
            .join("tests/bad-specs")
            .join(name)
            .join("expected.stderr");
        if let Err(mismatch) = golden::check(&golden, &run.stderr) {
            mismatches.push(mismatch);
        }
    }
    golden::assert_all_match(&mismatches, "specs::every_bad_spec");
}

#[test]
fn a_bad_fixture_file_is_named_with_its_line_and_column() {
    let run = show_bad_spec("bad-fixture-json");
    assert_eq!(run.code, i32::from(USAGE));
    assert!(
        run.stderr
            .contains("error: tests/fixtures/bad-fixture-json/broken.json:2:8: invalid JSON"),
        "{}",
        run.stderr
    );
}

#[test]
fn grade_refuses_a_bad_spec_before_running_anything() {
    let run = Grade::task("duplicate-case-id")
        .tasks("tests/bad-specs")
        .submission("tasks/caching-decorator/solutions/accepted/rlock_ordereddict.py")
        .expect_exit(USAGE)
        .run();
    assert!(run.stderr.contains("duplicate case id"));
    assert!(run.stdout.is_empty());
}

#[test]
fn list_shows_tasks_with_titles_and_flags_broken_ones() {
    let run1 = Livejudge::new().arg("list").expect_exit(PASSED).run();
    let line = run1
        .stdout
        .lines()
        .find(|l| l.starts_with("caching-decorator "))
        .expect("caching-decorator is listed");
    assert!(
        line.contains("python")
            && line.contains("Caching decorator: LRU eviction, TTL, thread safety")
    );

    let run2 = Livejudge::new().tasks("tests/bad-specs").arg("list").run();
    assert_eq!(run2.code, i32::from(USAGE), "broken tasks make list fail");
    assert!(run2.stdout.contains("invalid-toml") && run2.stdout.contains("invalid task.toml"));
    assert!(
        run2.stderr
            .contains("tests/bad-specs/invalid-toml/task.toml:1:22")
    );

    let run3 = Livejudge::new()
        .tasks("no/such/dir")
        .arg("list")
        .expect_exit(USAGE)
        .run();
    assert!(run3.stderr.contains("no tasks found in no/such/dir"));
}

#[test]
fn show_prints_the_statement_and_only_public_cases() {
    let run = Livejudge::new()
        .args(["show", "caching-decorator"])
        .expect_exit(PASSED)
        .run();
    let out = &run.stdout;
    assert!(out.starts_with("# Caching decorator"));
    assert!(
        out.contains(
            "### lru-hit-refreshes — LRU, not FIFO: a hit counts as a use [basic, 1 point]"
        )
    );
    assert!(
        out.contains("\"f(1) -> 1 [cached]\""),
        "expected values of public cases are shown"
    );
    for hidden in [
        "lru-longer",
        "ttl-per-entry",
        "unhashable-kwargs",
        "exception-then-success",
    ] {
        assert!(
            !out.contains(&format!("### {hidden}")),
            "hidden case {hidden} shown"
        );
    }
    let hidden = case_counts("caching-decorator").1;
    assert!(out.contains(&format!("{hidden} hidden case(s) are graded too")));
    // A task can also be given by its path.
    let by_path = Livejudge::new()
        .args(["show", "tasks/caching-decorator"])
        .run();
    assert_eq!(by_path.stdout, run.stdout);
}

#[test]
fn unknown_tasks_get_a_suggestion() {
    let run = Grade::task("caching-decoratr")
        .submission("x.py")
        .expect_exit(USAGE)
        .run();
    assert!(
        run.stderr.contains("unknown task \"caching-decoratr\""),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("did you mean \"caching-decorator\"?"));
    let run = Livejudge::new()
        .args(["show", "./no/such/task"])
        .expect_exit(USAGE)
        .run();
    assert!(run.stderr.contains("no task at ./no/such/task"));
}

#[test]
fn setup_prepares_the_environment_ahead_of_time() {
    let run = Livejudge::new()
        .args(["setup", "caching-decorator"])
        .expect_exit(PASSED)
        .run();
    assert!(
        run.stdout.starts_with("caching-decorator: ready ("),
        "{}",
        run.stdout
    );
}

#[test]
fn help_documents_the_exit_codes() {
    for args in [vec!["--help"], vec!["grade", "--help"]] {
        let run = Livejudge::new().args(&args).expect_exit(PASSED).run();
        for line in [
            "0    every case of every submission passed",
            "1    some case failed",
            "2    usage, task-spec or input error",
            "3    environment error",
        ] {
            assert!(run.stdout.contains(line), "{args:?}: {line}");
        }
    }
}
