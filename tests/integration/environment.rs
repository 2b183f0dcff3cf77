//! The Python environment and the process lifecycle: interpreter resolution, environment
//! errors (exit 3), and clean stops on Ctrl-C or SIGTERM with nothing left behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use livejudge::error::exit::{ENVIRONMENT, FAILED, INTERNAL, INTERRUPTED, PASSED};

use crate::support::*;

const ACCEPTED: &str = "tasks/caching-decorator/solutions/accepted/rlock_ordereddict.py";

#[test]
fn a_missing_interpreter_is_an_environment_error() {
    let run = Grade::task("caching-decorator")
        .python("/nonexistent/python3")
        .submission(ACCEPTED)
        .expect_exit(ENVIRONMENT)
        .run();
    assert!(
        run.stderr
            .contains("no usable Python: `/nonexistent/python3` (from --python) was not found"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("help: "));

    let run = Grade::task("caching-decorator")
        .env("LIVEJUDGE_PYTHON", "/bin/false")
        .submission(ACCEPTED)
        .expect_exit(ENVIRONMENT)
        .run();
    assert!(run.stderr.contains("/bin/false failed"), "{}", run.stderr);
}

#[test]
fn a_too_old_interpreter_is_an_environment_error() {
    let run = Grade::test_task("needs-future-python")
        .submission(ACCEPTED)
        .expect_exit(ENVIRONMENT)
        .run();
    assert!(
        run.stderr
            .contains("but this task needs Python 99.0 or newer"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_failed_install_is_an_environment_error_with_pips_output() {
    // A cache of its own: in the shared one, another test's environment being built at the
    // same moment would look half-built too.
    let cache = tempfile::tempdir().unwrap();
    let run = Grade::test_task("needs-missing-package")
        .cache(cache.path())
        .submission(ACCEPTED)
        .expect_exit(ENVIRONMENT)
        .run();
    assert!(
        run.stderr
            .contains("creating the Python environment for needs-missing-package"),
        "progress is shown:\n{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("cannot create the Python environment"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("pip install"),
        "the failing command is named:\n{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("/nonexistent/livejudge-no-such-package"),
        "pip's output is shown:\n{}",
        run.stderr
    );
    // The half-built environment is not left to be mistaken for a good one.
    let venvs = cache.path().join("venvs");
    let leftovers: Vec<_> = std::fs::read_dir(&venvs)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_dir() && !e.path().join("livejudge-venv.json").exists())
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn the_interpreter_is_resolved_once_and_never_run_through_the_shim() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("calls.log");
    let shim = dir.path().join("python3");
    std::fs::write(
        &shim,
        format!(
            "#!/bin/sh\necho \"$@\" >> {}\nexec {} \"$@\"\n",
            log.display(),
            real_python().0.display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&shim, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let cache = dir.path().join("cache");
    for round in 0..2 {
        let run = Grade::task("caching-decorator")
            .cache(&cache)
            .env("LIVEJUDGE_PYTHON", &shim)
            .submission(ACCEPTED)
            .run();
        assert_eq!(run.code, i32::from(PASSED), "round {round}: {}", run.stderr);
        let created = run.stderr.contains("creating the Python environment");
        assert_eq!(
            created,
            round == 0,
            "the environment is created once, then reused"
        );
    }
    let calls = std::fs::read_to_string(&log).unwrap();
    assert_eq!(
        calls.lines().count(),
        1,
        "only the one probe went through the shim:\n{calls}"
    );
}

/// A submission that starts a child whose command line carries `nonce` (so the test can find
/// it from outside any box), then hangs.
fn hanging_submission(dir: &Path, nonce: &str) -> PathBuf {
    let path = dir.join("hangs.py");
    std::fs::write(
        &path,
        format!(
            r#"import subprocess, sys, time
NONCE = {nonce:?}

def cache(maxsize=128, ttl=None):
    subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)", NONCE])
    while True:
        time.sleep(1)
"#
        ),
    )
    .unwrap();
    path
}

/// Live processes whose command line contains `needle`.
fn processes_with(needle: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|entry| {
            let pid: i32 = entry.file_name().to_str()?.parse().ok()?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let found = String::from_utf8_lossy(&cmdline).contains(needle);
            (found && alive(pid)).then_some(pid)
        })
        .collect()
}

/// Starts grading a hanging submission under `isolation` and waits until its child runs.
/// Returns the livejudge process, its TMPDIR and the nonce.
fn start_hanging(isolation: &str) -> (Spawned, tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // Unique per test: the temporary folder's random name.
    let nonce = format!(
        "nonce-{}",
        dir.path().file_name().unwrap().to_string_lossy()
    );
    let submission = hanging_submission(dir.path(), &nonce);
    let child = Grade::task("caching-decorator")
        .isolation(isolation)
        .tmpdir(&tmp)
        .submission(&submission)
        .livejudge()
        .spawn();
    let started = Instant::now();
    while processes_with(&nonce).is_empty() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the submission never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    (child, dir, nonce)
}

fn assert_nothing_left(dir: &Path, nonce: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with(nonce).is_empty() {
        assert!(
            Instant::now() < deadline,
            "a process of the submission survived: {:?}",
            processes_with(nonce)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let left: Vec<_> = std::fs::read_dir(dir.join("tmp"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "nothing is left in TMPDIR: {left:?}");
}

/// The real uid (as the host sees it) of a process.
fn host_uid(pid: i32) -> Option<u32> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("Uid:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn interrupted_by(signal: nix::sys::signal::Signal, isolation: &str) {
    let (mut child, dir, nonce) = start_hanging(isolation);
    if isolation == "strict" && running_as_root() {
        // A root judge dropped to an unprivileged uid before it started the box.
        for pid in processes_with(&nonce) {
            assert_eq!(host_uid(pid), Some(65534), "process {pid} of the box");
        }
    }
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(15),
            "livejudge did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let output = child.child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(status.code(), Some(i32::from(INTERRUPTED)), "{stdout}");
    assert!(stdout.contains("interrupted"), "{stdout}");
    assert_nothing_left(dir.path(), &nonce);
}

#[test]
fn ctrl_c_stops_cleanly_and_leaves_nothing_behind() {
    interrupted_by(nix::sys::signal::Signal::SIGINT, "strict");
}

#[test]
fn sigterm_stops_cleanly_and_leaves_nothing_behind() {
    interrupted_by(nix::sys::signal::Signal::SIGTERM, "strict");
}

#[test]
fn sighup_with_the_terminal_gone_stops_cleanly() {
    // Found by review: after a hangup, writing the "interrupted" line to the dead stderr
    // panicked, the panic hook's own write panicked again, and livejudge aborted without
    // cleaning up. Closing our end of its stderr pipe has the same effect on writes.
    let (mut child, dir, nonce) = start_hanging("strict");
    drop(child.stderr.take());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id() as i32),
        nix::sys::signal::Signal::SIGHUP,
    )
    .unwrap();
    let stopped = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(15),
            "livejudge did not stop"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(i32::from(INTERRUPTED)), "{status:?}");
    assert_nothing_left(dir.path(), &nonce);
}

#[test]
fn without_isolation_ctrl_c_still_leaves_nothing_behind() {
    interrupted_by(nix::sys::signal::Signal::SIGINT, "none");
}

#[test]
fn a_killed_judge_takes_the_box_down_and_the_next_run_sweeps_its_workspace() {
    let (mut child, dir, nonce) = start_hanging("strict");
    let judge_pid = child.id();
    // SIGKILL: livejudge gets no chance to clean up.
    child.kill().unwrap();
    child.wait().unwrap();
    // The box dies with its parent (bubblewrap's --die-with-parent and the pid namespace).
    let deadline = Instant::now() + Duration::from_secs(5);
    while !processes_with(&nonce).is_empty() {
        assert!(
            Instant::now() < deadline,
            "the box outlived the judge: {:?}",
            processes_with(&nonce)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    // Its workspace is left on disk until the next livejudge run removes it.
    let left = std::fs::read_dir(dir.path().join("tmp")).unwrap().count();
    assert_eq!(left, 1, "the killed run left its workspace");
    Grade::task("caching-decorator")
        .tmpdir(dir.path().join("tmp"))
        .submission("tasks/caching-decorator/solutions/accepted/rlock_ordereddict.py")
        .expect_exit(PASSED)
        .run();
    assert_nothing_left(dir.path(), &nonce);
    // And the killed run's cgroups went with it.
    let stale = format!("livejudge-{judge_pid}.");
    for hierarchy in [
        "/sys/fs/cgroup/pids",
        "/sys/fs/cgroup/unified",
        "/sys/fs/cgroup",
    ] {
        if let Ok(entries) = std::fs::read_dir(hierarchy) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                assert!(!name.starts_with(&stale), "stale cgroup {hierarchy}/{name}");
            }
        }
    }
}

#[test]
fn crashes_and_timeouts_leave_nothing_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    Grade::test_task("probe")
        .tmpdir(dir.path())
        .submission("tests/submissions/probe/misbehaving.py")
        .expect_exit(FAILED)
        .run();
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// Builds a pure-Python wheel, so installing a requirement needs no network.
fn build_wheel(dir: &Path) -> PathBuf {
    let wheel = dir.join("livejudge_testpkg-1.0-py3-none-any.whl");
    let script = r#"
import base64, hashlib, sys, zipfile
files = {
    "livejudge_testpkg/__init__.py": "ANSWER = 42\n",
    "livejudge_testpkg-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: livejudge_testpkg\nVersion: 1.0\n",
    "livejudge_testpkg-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\nGenerator: livejudge-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as wheel:
    for name, text in files.items():
        data = text.encode()
        wheel.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    record.append("livejudge_testpkg-1.0.dist-info/RECORD,,")
    wheel.writestr("livejudge_testpkg-1.0.dist-info/RECORD", "\n".join(record) + "\n")
"#;
    let status = std::process::Command::new("python3")
        .args(["-c", script, wheel.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    wheel
}

/// A task whose harness imports a package from a local wheel; returns (tasks dir, submission).
fn task_needing_a_package(dir: &Path) -> (PathBuf, PathBuf) {
    let wheel = build_wheel(dir);
    let tasks = dir.join("tasks");
    let task = tasks.join("needs-package");
    std::fs::create_dir_all(&task).unwrap();
    std::fs::write(task.join("README.md"), "# needs a package\n").unwrap();
    std::fs::write(
        task.join("harness.py"),
        "def run_case(module, case):\n    import livejudge_testpkg\n    return {'answer': livejudge_testpkg.ANSWER}\n",
    )
    .unwrap();
    std::fs::write(
        task.join("task.toml"),
        format!(
            "title = \"Needs a package\"\nkind = \"python\"\n\n[python]\nrequirements = [\"livejudge_testpkg @ file://{}\"]\n\n[harness]\nfile = \"harness.py\"\n\n[[cases]]\nid = \"one\"\ntitle = \"The package is importable\"\nexpect = {{ answer = 42 }}\n",
            wheel.display()
        ),
    )
    .unwrap();
    let submission = dir.join("solution.py");
    std::fs::write(&submission, "x = 1\n").unwrap();
    (tasks, submission)
}

/// PATH without any directory that holds `uv`, plus `extra` in front when given.
fn path_with_uv(extra: Option<&Path>) -> String {
    let mut dirs: Vec<String> = extra.iter().map(|d| d.display().to_string()).collect();
    dirs.extend(
        std::env::var("PATH")
            .unwrap()
            .split(':')
            .filter(|d| !Path::new(d).join("uv").exists())
            .map(str::to_owned),
    );
    dirs.join(":")
}

/// Grades the package task; returns how the environment was built, if it was.
fn grade_package_task(tasks: &Path, submission: &Path, cache: &Path, path: &str) -> Option<String> {
    let run = Grade::task("needs-package")
        .tasks(tasks)
        .cache(cache)
        .env("PATH", path)
        .submission(submission)
        .expect_exit(PASSED)
        .run();
    run.stderr
        .lines()
        .find(|l| l.contains("creating the Python environment for needs-package"))
        .map(|l| l.split(" with ").nth(1).unwrap_or("").to_owned())
}

#[test]
fn requirements_are_installed_once_and_a_broken_environment_is_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let (tasks, submission) = task_needing_a_package(dir.path());
    let cache = dir.path().join("cache");
    // Without uv on PATH, so the venv + pip way is the one exercised.
    let path = path_with_uv(None);
    let built = grade_package_task(&tasks, &submission, &cache, &path);
    assert!(
        built.unwrap().starts_with("venv + pip"),
        "created on first use"
    );
    assert_eq!(
        grade_package_task(&tasks, &submission, &cache, &path),
        None,
        "reused"
    );
    let venv = std::fs::read_dir(cache.join("venvs"))
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| p.is_dir())
        .unwrap();
    std::fs::remove_file(venv.join("bin").join("python")).unwrap();
    assert!(
        grade_package_task(&tasks, &submission, &cache, &path).is_some(),
        "rebuilt when broken"
    );
}

#[test]
fn requirements_are_installed_with_uv_when_it_is_on_path() {
    // scripts/test.sh installs uv and names it here; elsewhere, a uv on PATH will do.
    let uv = std::env::var_os("LIVEJUDGE_TEST_UV")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::split_paths(&std::env::var_os("PATH")?)
                .map(|d| d.join("uv"))
                .find(|p| p.is_file())
        });
    let Some(uv) = uv else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs scripts/test.sh, which provides uv (LIVEJUDGE_TEST_UV)"
        );
        eprintln!("skipped: no uv (scripts/test.sh installs one)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (tasks, submission) = task_needing_a_package(dir.path());
    let cache = dir.path().join("cache");
    let path = path_with_uv(uv.parent());
    let built = grade_package_task(&tasks, &submission, &cache, &path);
    assert!(
        built.unwrap().starts_with("uv"),
        "uv builds the environment"
    );
    assert_eq!(
        grade_package_task(&tasks, &submission, &cache, &path),
        None,
        "reused"
    );
}

#[test]
fn a_broken_harness_is_a_judge_error_never_the_candidates_fault() {
    let (_, report) = Grade::test_task("broken-harness")
        .submission(ACCEPTED)
        .expect_exit(INTERNAL)
        .report();
    let case = &report["submissions"][0]["cases"][0];
    assert_eq!(case["verdict"], "judge-error");
    let message = case["message"].as_str().unwrap();
    assert!(
        message.starts_with("the task's harness failed:"),
        "{message}"
    );
    assert!(
        message.contains("tests/tasks/broken-harness/harness.py"),
        "{message}"
    );
    assert!(message.contains("ModuleNotFoundError"), "{message}");
}
