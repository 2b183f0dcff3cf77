//! The tasks built into the binary: found from any folder when there is no tasks/ around,
//! after --tasks, $LIVEJUDGE_TASKS and ./tasks; exported as a folder an author edits; and the
//! task-format documentation printed from the binary.

use livejudge::error::exit::{FAILED, PASSED, USAGE};

use crate::support::*;

/// livejudge run from `dir` (not the repository: there is no tasks/ folder there).
fn from(dir: &std::path::Path) -> Livejudge {
    let dir = dir.to_owned();
    Livejudge::new()
        .env_remove("LIVEJUDGE_TASKS")
        .configure(move |command| {
            command.current_dir(dir);
        })
}

#[test]
fn outside_a_task_repository_the_built_in_tasks_are_graded() {
    let empty = tempfile::tempdir().unwrap();
    let list = from(empty.path()).arg("list").expect_exit(PASSED).run();
    assert!(
        list.stdout
            .starts_with("tasks from the tasks built into livejudge"),
        "{}",
        list.stdout
    );
    for id in [
        "async-scraper",
        "caching-decorator",
        "crud-app",
        "json-api",
        "threaded-server",
    ] {
        assert!(
            list.stdout
                .lines()
                .any(|l| l.starts_with(&format!("{id} "))),
            "{id}: {}",
            list.stdout
        );
    }
    // A candidate's file in a folder of its own, graded against the built-in task.
    let submission = empty.path().join("fifo.py");
    std::fs::copy(
        repo().join("tasks/caching-decorator/solutions/rejected/fifo.py"),
        &submission,
    )
    .unwrap();
    let run = from(empty.path())
        .args(["grade", "caching-decorator", "fifo.py", "--format", "json"])
        .expect_exit(FAILED)
        .run();
    let failed = failed_ids(&run.json()["submissions"][0]);
    // The same cases fail as against the task of this repository.
    let (_, in_repo) = Grade::task("caching-decorator")
        .submission("tasks/caching-decorator/solutions/rejected/fifo.py")
        .report();
    assert_eq!(failed, failed_ids(&in_repo["submissions"][0]));
    let named = &expectations("caching-decorator").rejected["fifo"].fails;
    assert!(named.iter().all(|id| failed.contains(id)), "{failed:?}");
    assert!(
        !empty.path().join("tasks").exists(),
        "nothing is written where it runs"
    );
}

#[test]
fn tasks_come_from_tasks_then_the_environment_then_here_then_the_binary() {
    let empty = tempfile::tempdir().unwrap();
    // $LIVEJUDGE_TASKS stands for --tasks.
    let by_env = from(empty.path())
        .env("LIVEJUDGE_TASKS", repo().join("tests/tasks"))
        .arg("list")
        .run();
    assert!(by_env.stdout.contains("slow-batch"), "{}", by_env.stdout);
    assert!(!by_env.stdout.contains("caching-decorator "));
    // --tasks wins over it.
    let by_flag = from(empty.path())
        .env("LIVEJUDGE_TASKS", repo().join("tests/tasks"))
        .arg("--tasks")
        .arg(repo().join("tasks"))
        .arg("list")
        .expect_exit(PASSED)
        .run();
    assert!(by_flag.stdout.contains("caching-decorator "));
    assert!(!by_flag.stdout.contains("slow-batch"));
    // ./tasks wins over the built-in set.
    let here = Livejudge::new()
        .env_remove("LIVEJUDGE_TASKS")
        .arg("list")
        .expect_exit(PASSED)
        .run();
    assert!(
        here.stdout.starts_with("tasks from ./tasks:"),
        "{}",
        here.stdout
    );
}

#[test]
fn an_exported_task_is_an_editable_folder_that_loads() {
    let into = tempfile::tempdir().unwrap();
    let run = from(into.path())
        .args(["tasks", "export", "async-scraper", "out"])
        .expect_exit(PASSED)
        .run();
    assert!(
        run.stdout
            .contains("livejudge --tasks out/tasks check async-scraper")
    );
    let out = into.path().join("out");
    assert!(out.join("tasks/async-scraper/task.toml").is_file());
    assert!(
        out.join("tasks/async-scraper/solutions/solutions.toml")
            .is_file()
    );
    assert!(
        out.join("fixtures/async-scraper/sites").is_dir(),
        "its fixtures too"
    );
    let show = from(into.path())
        .args(["--tasks", "out/tasks", "show", "async-scraper"])
        .expect_exit(PASSED)
        .run();
    assert!(show.stdout.contains("## Public cases"));
    // Never over an existing folder; an unknown id names the built-in ones.
    let again = from(into.path())
        .args(["tasks", "export", "async-scraper", "out"])
        .expect_exit(USAGE)
        .run();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    let unknown = from(into.path())
        .args(["tasks", "export", "nope", "out"])
        .expect_exit(USAGE)
        .run();
    assert!(unknown.stderr.contains("json-api"), "{}", unknown.stderr);
}

#[test]
fn help_prints_the_task_format_and_errors_point_at_it() {
    let empty = tempfile::tempdir().unwrap();
    let help = from(empty.path())
        .args(["help", "task-format"])
        .expect_exit(PASSED)
        .run();
    let docs = std::fs::read_to_string(repo().join("docs/task-format.md")).unwrap();
    assert_eq!(help.stdout.trim_end(), docs.trim_end());
    let grade = from(empty.path())
        .args(["help", "grade"])
        .expect_exit(PASSED)
        .run();
    assert!(
        grade.stdout.contains("Usage: livejudge grade"),
        "{}",
        grade.stdout
    );
    // A malformed task's help names the command, not a path in a clone.
    let bad = Livejudge::new()
        .args(["show", "tests/bad-specs/unknown-top-level-key"])
        .expect_exit(USAGE)
        .run();
    assert!(
        bad.stderr.contains("`livejudge help task-format`"),
        "{}",
        bad.stderr
    );
}
