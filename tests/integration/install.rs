//! What users install, tried as they would: the wheel (maturin, `bindings = "bin"`) installed
//! with pip into a fresh venv, and `cargo install --path .`, each run from an empty folder
//! with no tasks/ around, grading a built-in task's accepted and rejected solutions.
//! scripts/test.sh builds both before the tests (a build from inside `cargo test` would wait
//! on its lock) and names them in LIVEJUDGE_TEST_WHEEL and LIVEJUDGE_TEST_CARGO_INSTALL.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use livejudge::error::exit::{FAILED, PASSED};

use crate::support::*;

/// What scripts/test.sh built, or `None` (said, and only outside CI) when the tests run
/// without it.
fn built(variable: &str) -> Option<PathBuf> {
    let Some(path) = std::env::var_os(variable).map(PathBuf::from) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs scripts/test.sh, which sets {variable}"
        );
        eprintln!("skipped: {variable} is not set (scripts/test.sh sets it)");
        return None;
    };
    assert!(
        path.exists(),
        "{variable}={} does not exist",
        path.display()
    );
    Some(path)
}

/// `program ARGS` from `dir`, with the tests' cache and nothing of the caller's task setup.
fn installed(program: &Path, dir: &Path, args: &[&str]) -> Run {
    let _machine = machine::shared();
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env("LIVEJUDGE_CACHE_DIR", cache_dir())
        .env("NO_COLOR", "1")
        .env_remove("LIVEJUDGE_TASKS")
        .env_remove("LIVEJUDGE_PYTHON")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    run_command(command)
}

/// The installed `livejudge`, from an empty folder: it knows the built-in tasks, passes an
/// accepted solution and fails a rejected one on the cases this repository's task fails it.
fn grades_from_an_empty_folder(livejudge: &Path) {
    let empty = tempfile::tempdir().unwrap();
    let solutions = repo().join("tasks/caching-decorator/solutions");
    for (from, to) in [
        ("accepted/rlock_ordereddict.py", "mine.py"),
        ("rejected/fifo.py", "fifo.py"),
    ] {
        std::fs::copy(solutions.join(from), empty.path().join(to)).unwrap();
    }
    let version = installed(livejudge, empty.path(), &["--version"]);
    assert_eq!(
        version.stdout.trim(),
        format!("livejudge {}", env!("CARGO_PKG_VERSION"))
    );
    let list = installed(livejudge, empty.path(), &["list"]);
    assert_eq!(list.code, i32::from(PASSED), "{}", list.stderr);
    assert!(
        list.stdout.contains("caching-decorator "),
        "{}",
        list.stdout
    );
    let accepted = installed(
        livejudge,
        empty.path(),
        &["grade", "caching-decorator", "mine.py"],
    );
    assert_eq!(
        accepted.code,
        i32::from(PASSED),
        "{}{}",
        accepted.stdout,
        accepted.stderr
    );
    let rejected = installed(
        livejudge,
        empty.path(),
        &["grade", "caching-decorator", "fifo.py", "--format", "json"],
    );
    assert_eq!(rejected.code, i32::from(FAILED), "{}", rejected.stderr);
    let (_, in_repo) = Grade::task("caching-decorator")
        .submission("tasks/caching-decorator/solutions/rejected/fifo.py")
        .report();
    assert_eq!(
        failed_ids(&rejected.json()["submissions"][0]),
        failed_ids(&in_repo["submissions"][0])
    );
    let left: Vec<_> = std::fs::read_dir(empty.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(left.len(), 2, "nothing written where it ran: {left:?}");
}

#[test]
fn the_wheel_installed_with_pip_gives_a_working_livejudge() {
    let Some(wheel) = built("LIVEJUDGE_TEST_WHEEL") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let venv = dir.path().join("venv");
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(&venv)
        .status()
        .unwrap();
    assert!(status.success());
    let pip = Command::new(venv.join("bin/pip"))
        .args([
            "install",
            "--quiet",
            "--no-index",
            "--disable-pip-version-check",
        ])
        .arg(&wheel)
        .output()
        .unwrap();
    assert!(pip.status.success(), "{pip:?}");
    grades_from_an_empty_folder(&venv.join("bin/livejudge"));
}

#[test]
fn cargo_install_gives_a_working_livejudge() {
    let Some(binary) = built("LIVEJUDGE_TEST_CARGO_INSTALL") else {
        return;
    };
    grades_from_an_empty_folder(&binary);
}
