//! Task-repository CI: `livejudge new` scaffolds a task of each kind that `livejudge check`
//! passes as it is, and `check` fails, naming the solution and why, when a rejected solution
//! is no longer caught, when solutions.toml and the files disagree, when a spec is broken, and
//! when a solution's outcome changes between repeated runs.

use std::path::Path;

use livejudge::error::exit::{FAILED, PASSED, USAGE};

use crate::support::*;

/// livejudge with `tasks` as its tasks folder.
fn in_tasks(tasks: &Path) -> Livejudge {
    Livejudge::new().tasks(tasks)
}

#[test]
fn a_new_task_of_each_kind_passes_check_as_it_is() {
    let dir = tempfile::tempdir().unwrap();
    for kind in ["python", "http", "tcp"] {
        let id = format!("demo-{kind}");
        in_tasks(dir.path())
            .args(["new", &id, "--kind", kind])
            .expect_exit(PASSED)
            .run();
        assert!(dir.path().join(&id).join("task.toml").is_file());
    }
    let junit = dir.path().join("check.xml");
    let reports = dir.path().join("reports");
    let checked = in_tasks(dir.path())
        .args(["--isolation", "strict", "check", "--junit"])
        .arg(&junit)
        .arg("--report")
        .arg(&reports)
        .expect_exit(PASSED)
        .run();
    assert_eq!(
        checked.stdout.matches("  ✓ ").count(),
        6,
        "{}",
        checked.stdout
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testsuite ").count(), 3);
    assert!(!xml.contains("<failure"), "{xml}");
    for kind in ["python", "http", "tcp"] {
        let html =
            std::fs::read_to_string(reports.join(format!("demo-{kind}/index.html"))).unwrap();
        assert!(
            html.contains("solutions/accepted/"),
            "each solution is in its task's report"
        );
    }
    // An existing folder is never overwritten.
    let again = in_tasks(dir.path())
        .args(["new", "demo-python"])
        .expect_exit(USAGE)
        .run();
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
}

#[test]
fn check_names_what_no_longer_holds() {
    let dir = tempfile::tempdir().unwrap();
    in_tasks(dir.path())
        .args(["new", "demo"])
        .expect_exit(PASSED)
        .run();
    let task = dir.path().join("demo");
    // The known-wrong solution fixed: its mistake is no longer caught.
    std::fs::copy(
        task.join("solutions/accepted/reference.py"),
        task.join("solutions/rejected/ignores_sign.py"),
    )
    .unwrap();
    // A rejected solution without an entry in solutions.toml.
    std::fs::write(
        task.join("solutions/rejected/off_by_one.py"),
        "def add(a, b):\n    return a + b + 1\n",
    )
    .unwrap();
    let checked = in_tasks(dir.path())
        .args(["check", "demo"])
        .expect_exit(FAILED)
        .run();
    let out = &checked.stdout;
    assert!(
        out.contains("  ✗ rejected/ignores_sign.py (rejected):\n      passes every case: its mistake is not caught"),
        "{out}"
    );
    assert!(
        out.contains(
            "off_by_one.py has no [rejected.off_by_one] entry in solutions/solutions.toml"
        ),
        "{out}"
    );
    assert!(
        out.contains("  ✓ accepted/reference.py: passes every case"),
        "{out}"
    );

    // solutions.toml expecting the wrong case, and a broken spec in another task.
    std::fs::write(
        task.join("solutions/rejected/ignores_sign.py"),
        "def add(a, b):\n    return abs(a) + abs(b)\n",
    )
    .unwrap();
    std::fs::write(
        task.join("solutions/solutions.toml"),
        "exact = true\n[rejected.ignores_sign]\nfails = [\"small\"]\n[rejected.off_by_one]\nfails = [\"small\"]\n",
    )
    .unwrap();
    in_tasks(dir.path())
        .args(["new", "broken"])
        .expect_exit(PASSED)
        .run();
    std::fs::write(
        dir.path().join("broken/task.toml"),
        "title = \"x\"\nkind = \"pyton\"\n",
    )
    .unwrap();
    let checked = in_tasks(dir.path()).arg("check").expect_exit(FAILED).run();
    let out = &checked.stdout;
    assert!(
        out.contains("broken\n  ✗ task.toml does not load:"),
        "{out}"
    );
    assert!(
        out.contains("passes small, which must catch its mistake"),
        "{out}"
    );
    assert!(
        out.contains("  ✗ rejected/off_by_one.py (rejected):\n      also fails negative (solutions.toml is exact)"),
        "{out}"
    );
}

#[test]
fn repeated_runs_catch_a_flaky_outcome() {
    let dir = tempfile::tempdir().unwrap();
    in_tasks(dir.path())
        .args(["new", "demo"])
        .expect_exit(PASSED)
        .run();
    // A wrong solution that is wrong every other run: it keeps a counter outside the run
    // folder, which only an unisolated run can reach.
    let counter = dir.path().join("counter");
    std::fs::write(&counter, "0").unwrap();
    std::fs::write(
        dir.path().join("demo/solutions/rejected/ignores_sign.py"),
        format!(
            "import pathlib\n\
             counter = pathlib.Path({:?})\n\
             runs = int(counter.read_text()) + 1\n\
             counter.write_text(str(runs))\n\n\
             def add(a, b):\n    return abs(a) + abs(b) if runs % 2 else a + b\n",
            counter.display().to_string()
        ),
    )
    .unwrap();
    let checked = in_tasks(dir.path())
        .args(["--isolation", "none", "check", "demo"])
        .args(["--repeat", "4", "--jobs", "1"])
        .expect_exit(FAILED)
        .run();
    assert!(
        checked
            .stdout
            .contains("flaky over 4 runs: 2 run(s): fail negative; 2 run(s): all pass"),
        "{}",
        checked.stdout
    );
}
