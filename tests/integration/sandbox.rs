//! The sandbox's properties, each seen from inside a box: an inspector submission reports
//! what it can see and do (as JSON on its stdout), and the test checks that against the host.
//! Also the isolation levels: strict refuses when it cannot be had, auto says what it used,
//! none warns, and `doctor` tells what is there.

use std::collections::BTreeMap;

use livejudge::error::exit::{ENVIRONMENT, INTERNAL, PASSED};
use serde_json::Value;

use crate::support::*;

const CANARY: &str = "judge-env-canary-5d1e";
/// An accepted solution of caching-decorator.
const ACCEPTED: &str = "tasks/caching-decorator/solutions/accepted/rlock_ordereddict.py";

/// Runs `inspector.py` (generated with `paths` to probe) on the trio task under strict
/// isolation and returns what its first case printed.
fn inspect(paths: &BTreeMap<&str, String>) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let submission = dir.path().join("inspector.py");
    let probes = serde_json::to_string(paths).unwrap();
    std::fs::write(
        &submission,
        INSPECTOR
            .replace("@PROBES@", &serde_json::to_string(&probes).unwrap())
            .replace("@HOME@", &serde_json::to_string(&home()).unwrap()),
    )
    .unwrap();
    // A descriptor livejudge inherits from its caller (open, not close-on-exec, at 7).
    let inherited = std::fs::File::open(&submission).unwrap();
    let run = Grade::task("trio")
        .isolation("strict")
        .tasks("tests/tasks")
        .env("LIVEJUDGE_TEST_CANARY", CANARY)
        .tmpdir(dir.path())
        .submission(&submission)
        .args(["--format", "json"])
        .livejudge()
        .configure(|command| {
            use std::os::fd::AsRawFd;
            use std::os::unix::process::CommandExt;
            let source = inherited.as_raw_fd();
            // SAFETY: dup2 between fork and exec, onto a number the child does not use yet.
            unsafe {
                command.pre_exec(move || {
                    if libc::dup2(source, 7) < 0 {
                        return Err(std::io::Error::last_os_error());
                    }
                    Ok(())
                });
            }
        })
        .run();
    assert!(
        !run.stdout.contains(CANARY),
        "the judge's environment leaked"
    );
    let report = run.report();
    assert_eq!(report["isolation"], "strict", "{report}");
    let printed = report["submissions"][0]["cases"][0]["stdout"]
        .as_str()
        .unwrap_or_else(|| panic!("the inspector printed nothing: {report}\n{}", run.stderr));
    serde_json::from_str(printed).unwrap_or_else(|e| panic!("{e}: {printed}"))
}

const INSPECTOR: &str = r#"
import ctypes, errno, json, os, resource, socket, sys

PROBES = json.loads(@PROBES@)
PROBES_HOME = @HOME@

def attempt(action):
    try:
        action()
        return "ok"
    except OSError as e:
        return errno.errorcode.get(e.errno, str(e.errno))

def can_read(path):
    def read():
        if os.path.isdir(path):
            os.listdir(path)
        else:
            with open(path, "rb") as f:
                f.read(1)
    return attempt(read)

def can_write(path):
    target = os.path.join(path, ".livejudge-write-probe") if os.path.isdir(path) else path
    def write():
        with open(target, "a") as f:
            f.write("x")
    return attempt(write)

def status(field):
    for line in open("/proc/self/status"):
        if line.startswith(field + ":"):
            return line.split(":", 1)[1].strip()

libc = ctypes.CDLL(None, use_errno=True)
def syscall_errno(number, *args):
    result = libc.syscall(number, *args)
    return "ok" if result == 0 else errno.errorcode.get(ctypes.get_errno(), "?")

def statvfs_size(path):
    st = os.statvfs(path)
    return st.f_blocks * st.f_frsize

FACTS = None

def solve(case):
    global FACTS
    if FACTS is None:
        FACTS = {
            "uid": [os.getuid(), os.geteuid(), os.getgid()],
            "cap_eff": status("CapEff"),
            "cap_bnd": status("CapBnd"),
            "no_new_privs": status("NoNewPrivs"),
            "seccomp": status("Seccomp"),
            "namespaces": {n: os.readlink(f"/proc/self/ns/{n}") for n in
                           ["user", "pid", "net", "ipc", "uts", "mnt"]},
            "pid": os.getpid(),
            "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
            "visible_processes": len([p for p in os.listdir("/proc") if p.isdigit()]),
            "pid1": open("/proc/1/cmdline", "rb").read().split(b"\0")[0].decode(),
            "interfaces": sorted(name for _, name in socket.if_nameindex()),
            "hostname": socket.gethostname(),
            "env": dict(os.environ),
            "cwd": os.getcwd(),
            "home_listing": sorted(os.listdir(PROBES_HOME)) if os.path.isdir(PROBES_HOME) else None,
            "read": {name: can_read(path) for name, path in PROBES.items()},
            "write": {path: can_write(path) for path in [
                "/", "/usr", "/etc", "/sandbox/judge", os.path.join(os.getcwd(), "solution.py"),
                sys.base_prefix, sys.prefix, "/var", "/sandbox", os.getcwd(), "/tmp", "/dev/shm",
            ]},
            "sizes": {p: statvfs_size(p) for p in [os.getcwd(), "/tmp", "/dev/shm"]},
            "fsize": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
            # ptrace(PTRACE_TRACEME), unshare(CLONE_NEWUSER), mount(), keyctl(): denied.
            "ptrace": syscall_errno(101, 0, 0, 0, 0),
            "unshare": syscall_errno(272, 0x10000000),
            "mount": syscall_errno(165, b"none", b"/tmp", b"tmpfs", 0, None),
            "keyctl": syscall_errno(250, 0, 0, 0, 0, 0),
            # getpid through the x32 ABI: refused (ENOSYS) like every x32 call.
            "x32": syscall_errno(0x40000000 | 39),
        }
        print(json.dumps(FACTS))
    return {"value": case["n"]}
"#;

fn home() -> String {
    std::env::var("HOME").unwrap_or_else(|_| "/root".into())
}

fn host_namespace(name: &str) -> String {
    std::fs::read_link(format!("/proc/self/ns/{name}"))
        .unwrap()
        .display()
        .to_string()
}

#[test]
fn inside_the_box_only_what_the_run_needs_is_there() {
    let fixtures = repo().join("tests/fixtures/probe/matchers.json");
    assert!(fixtures.is_file(), "{}", fixtures.display());
    let task = repo().join("tests/tasks/trio/task.toml");
    let root_only = tempfile::tempdir().unwrap();
    let secret = root_only.path().join("secret.txt");
    std::fs::write(&secret, "root only").unwrap();
    let probes: BTreeMap<&str, String> = [
        ("shadow", "/etc/shadow".to_owned()),
        ("fixture", fixtures.display().to_string()),
        ("task_spec", task.display().to_string()),
        (
            "repository_readme",
            repo().join("README.md").display().to_string(),
        ),
        ("judge_binary", env!("CARGO_BIN_EXE_livejudge").to_owned()),
        ("private_tmp_file", secret.display().to_string()),
        ("etc_hostname", "/etc/hostname".to_owned()),
    ]
    .into_iter()
    .collect();
    let facts = inspect(&probes);

    // Identity: an unprivileged uid, no capabilities, no_new_privs, seccomp filtering.
    assert_eq!(facts["uid"], serde_json::json!([1000, 1000, 1000]));
    assert_eq!(facts["cap_eff"], "0000000000000000");
    assert_eq!(facts["cap_bnd"], "0000000000000000");
    assert_eq!(facts["no_new_privs"], "1");
    assert_eq!(facts["seccomp"], "2", "mode 2 is a filter");
    for syscall in ["ptrace", "unshare", "mount", "keyctl"] {
        assert_eq!(facts[syscall], "EPERM", "{syscall}");
    }
    assert_eq!(facts["x32"], "ENOSYS");
    // Its own namespaces, each different from the host's.
    for (name, inside) in facts["namespaces"].as_object().unwrap() {
        assert_ne!(inside.as_str().unwrap(), host_namespace(name), "{name}");
    }
    // Descriptors: stdio and the two harness channels (and the one listdir itself opens);
    // not the one the judge inherited at 7.
    let fds: Vec<u64> = facts["fds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|fd| fd.as_u64().unwrap())
        .collect();
    assert!(
        !fds.contains(&7),
        "an inherited descriptor reached the box: {fds:?}"
    );
    assert!(fds.len() <= 6, "{fds:?}");
    let visible = facts["visible_processes"].as_u64().unwrap();
    assert!(visible <= 4, "the box sees {visible} processes");
    assert!(
        facts["pid1"].as_str().unwrap().ends_with("bwrap"),
        "{}",
        facts["pid1"]
    );
    assert_eq!(facts["interfaces"], serde_json::json!(["lo"]));
    assert_eq!(facts["hostname"], "sandbox");

    // Environment: built from scratch.
    let env = facts["env"].as_object().unwrap();
    let allowed = [
        "PATH",
        "HOME",
        "TMPDIR",
        "LANG",
        "LC_ALL",
        "LC_CTYPE",
        "MALLOC_ARENA_MAX",
        "PWD",
        "LIVEJUDGE_CASES_FD",
        "LIVEJUDGE_EVENTS_FD",
    ];
    for (key, value) in env {
        assert!(allowed.contains(&key.as_str()), "{key}={value} leaked in");
    }
    assert_eq!(env["HOME"], "/sandbox/run");
    assert_eq!(env["TMPDIR"], "/tmp");
    assert_eq!(facts["cwd"], "/sandbox/run");

    // Filesystem: of the home folder, only the way to the interpreter and the task venv
    // (bound at their own paths)...
    if let Some(listing) = facts["home_listing"].as_array() {
        let python = std::process::Command::new("python3")
            .args(["-c", "import sys; print(sys.base_prefix)"])
            .output()
            .unwrap();
        let prefix = String::from_utf8(python.stdout).unwrap();
        let needed: Vec<String> = [prefix.trim().to_owned(), cache_dir().display().to_string()]
            .iter()
            .filter_map(|p| p.strip_prefix(&format!("{}/", home())).map(str::to_owned))
            .filter_map(|rest| rest.split('/').next().map(str::to_owned))
            .collect();
        for entry in listing {
            assert!(
                needed.contains(&entry.as_str().unwrap().to_owned()),
                "{entry} of {} is visible in the box",
                home()
            );
        }
    }
    // ...and nothing of the host's private files, the task or the judge.
    for (name, outcome) in facts["read"].as_object().unwrap() {
        let expected = if name == "etc_hostname" {
            "ok"
        } else if name == "shadow" {
            "EACCES"
        } else {
            "ENOENT"
        };
        assert_eq!(
            outcome,
            expected,
            "reading {name} ({})",
            probes[name.as_str()]
        );
    }
    for (path, outcome) in facts["write"].as_object().unwrap() {
        let writable = ["/sandbox/run", "/tmp", "/dev/shm"].contains(&path.as_str());
        if writable {
            assert_eq!(outcome, "ok", "writing in {path}");
        } else {
            assert_ne!(outcome, "ok", "writing in {path}");
        }
    }
    // The writable filesystems are capped at the disk limit (trio keeps the default,
    // 64 MiB), and so is any one file.
    for (path, size) in facts["sizes"].as_object().unwrap() {
        assert_eq!(size.as_u64(), Some(64 << 20), "{path}");
    }
    assert_eq!(facts["fsize"].as_u64(), Some(64 << 20));
}

#[test]
fn strict_refuses_with_the_fix_when_isolation_is_missing() {
    let run = Grade::task("caching-decorator")
        .isolation("strict")
        .env("LIVEJUDGE_BWRAP", "/nonexistent/bwrap")
        .submission(ACCEPTED)
        .expect_exit(ENVIRONMENT)
        .run();
    assert!(run.stdout.is_empty());
    assert!(
        run.stderr.contains("--isolation strict")
            && run.stderr.contains("apt-get install bubblewrap")
            && run.stderr.contains("livejudge doctor"),
        "{}",
        run.stderr
    );
}

#[test]
fn auto_falls_back_and_says_so() {
    let (run, report) = Grade::task("caching-decorator")
        .env("LIVEJUDGE_BWRAP", "/nonexistent/bwrap")
        .submission(ACCEPTED)
        .expect_exit(PASSED)
        .report();
    assert_eq!(report["isolation"], "none");
    let missing = report["isolation_missing"].to_string();
    assert!(missing.contains("bubblewrap"), "{missing}");
    assert!(
        run.stderr
            .contains("warning: submissions run without isolation"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_default_is_the_best_level_and_the_report_names_it() {
    let run = Grade::task("caching-decorator")
        .submission(ACCEPTED)
        .expect_exit(PASSED)
        .run();
    assert!(
        run.stdout
            .lines()
            .nth(1)
            .unwrap()
            .contains("isolation: strict"),
        "{}",
        run.stdout
    );
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let (_, json) = Grade::task("caching-decorator")
        .submission(ACCEPTED)
        .report();
    let mechanisms = json["isolation_mechanisms"].to_string();
    for part in ["bubblewrap", "namespaces", "cgroup", "seccomp"] {
        assert!(mechanisms.contains(part), "{part} in {mechanisms}");
    }
    assert_eq!(json["isolation_missing"], serde_json::json!([]));
}

#[test]
fn none_runs_unboxed_with_a_warning() {
    let run = Grade::task("caching-decorator")
        .isolation("none")
        .submission(ACCEPTED)
        .args(["--format", "json"])
        .expect_exit(PASSED)
        .run();
    assert_eq!(run.json()["isolation"], "none");
    assert!(run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn doctor_reports_each_piece_and_exits_by_whether_strict_is_possible() {
    let here = Livejudge::new().arg("doctor").expect_exit(PASSED).run();
    for part in ["bubblewrap", "namespaces", "cgroup", "seccomp", "Landlock"] {
        assert!(here.stdout.contains(part), "{part}:\n{}", here.stdout);
    }
    assert!(here.stdout.contains("Full isolation is available"));

    let without = Livejudge::new()
        .env("LIVEJUDGE_BWRAP", "/nonexistent/bwrap")
        .arg("doctor")
        .expect_exit(ENVIRONMENT)
        .run();
    assert!(
        without.stdout.contains("MISS") && without.stdout.contains("apt-get install bubblewrap"),
        "{}",
        without.stdout
    );
}

#[test]
fn a_root_judge_never_runs_the_box_as_root() {
    if !running_as_root() {
        // Only meaningful when the tests run as root (CI does); unprivileged, the box runs
        // as the user's own uid and this is the user-namespace case covered above.
        return;
    }
    let run = Livejudge::new()
        .env("LIVEJUDGE_SANDBOX_UID", "0")
        .arg("doctor")
        .run();
    assert!(
        run.stdout.contains("boxes run as uid 65534"),
        "uid 0 is refused as the sandbox uid:\n{}",
        run.stdout
    );
}

#[test]
fn the_human_report_names_what_auto_had_to_do_without() {
    let run = Grade::task("caching-decorator")
        .env("LIVEJUDGE_BWRAP", "/nonexistent/bwrap")
        .submission(ACCEPTED)
        .expect_exit(PASSED)
        .run();
    let header: Vec<&str> = run.stdout.lines().take(3).collect();
    assert!(header[1].ends_with("isolation: none"), "{header:?}");
    assert_eq!(
        header[2],
        "missing for strict isolation: bubblewrap (see `livejudge doctor`)"
    );
}

#[test]
fn a_root_judge_without_cap_sys_admin_is_told_so_before_any_run() {
    // Root without CAP_SYS_ADMIN (a container's default) cannot build the private mount
    // namespace a box needs: doctor and strict must say so, and auto must fall back, rather
    // than every case becoming a judge error.
    if !running_as_root() {
        return;
    }
    let without = |args: &[&str]| {
        let mut command = std::process::Command::new("setpriv");
        command
            .args([
                "--bounding-set",
                "-sys_admin",
                env!("CARGO_BIN_EXE_livejudge"),
            ])
            .args(args)
            .current_dir(repo())
            .env("LIVEJUDGE_CACHE_DIR", cache_dir())
            .env("NO_COLOR", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        run_command(command)
    };
    let doctor = without(&["doctor"]);
    assert_eq!(doctor.code, i32::from(ENVIRONMENT), "{}", doctor.stdout);
    assert!(
        doctor.stdout.contains("without CAP_SYS_ADMIN"),
        "{}",
        doctor.stdout
    );
    let strict = without(&[
        "--isolation",
        "strict",
        "grade",
        "caching-decorator",
        ACCEPTED,
    ]);
    assert_eq!(strict.code, i32::from(ENVIRONMENT), "{}", strict.stderr);
    let auto = without(&["grade", "caching-decorator", ACCEPTED, "--format", "json"]);
    assert_eq!(auto.code, i32::from(PASSED), "{}", auto.stderr);
    assert_eq!(auto.json()["isolation"], "none");
}

#[test]
fn a_judge_with_umask_077_still_gives_the_box_what_it_needs() {
    // Found by review: the box's uid could not read the workspace or a venv built under a
    // strict umask, and every case was a judge error.
    let cache = tempfile::tempdir().unwrap();
    Grade::task("caching-decorator")
        .isolation("strict")
        .cache(cache.path())
        .submission(ACCEPTED)
        .expect_exit(PASSED)
        .livejudge()
        .configure(|command| {
            use std::os::unix::process::CommandExt;
            // SAFETY: umask between fork and exec.
            unsafe {
                command.pre_exec(|| {
                    libc::umask(0o077);
                    Ok(())
                });
            }
        })
        .run();
}

/// Removes a folder when dropped (a task installed under /usr for one test).
struct RemoveOnDrop(std::path::PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_task_installed_under_a_bound_system_folder_stays_hidden() {
    // Found by review: /usr is bound whole, so a task installed under /usr/local/share was
    // readable, expected values included. Only root may install it there for the test.
    if !running_as_root() {
        return;
    }
    let installed = RemoveOnDrop(
        std::path::PathBuf::from("/usr/local/share")
            .join(format!("livejudge-test-{}", std::process::id())),
    );
    let task = installed.0.join("trio");
    std::fs::create_dir_all(&task).unwrap();
    for file in ["task.toml", "harness.py", "README.md"] {
        std::fs::copy(repo().join("tests/tasks/trio").join(file), task.join(file)).unwrap();
    }
    let dir = tempfile::tempdir().unwrap();
    let submission = dir.path().join("reads_the_task.py");
    std::fs::write(
        &submission,
        format!(
            r#"def solve(case):
    try:
        print("READ", open({spec:?}).read()[:40])
    except OSError as e:
        print("BLOCKED", type(e).__name__)
    return {{"value": case["n"]}}
"#,
            spec = task.join("task.toml").display().to_string()
        ),
    )
    .unwrap();
    let run = Grade::task(&task)
        .isolation("strict")
        .submission(&submission)
        .args(["--format", "json"])
        .expect_exit(PASSED)
        .run();
    let printed = run.json()["submissions"][0]["cases"][0]["stdout"].clone();
    assert_eq!(printed, "BLOCKED FileNotFoundError\n", "{printed}");
}

#[test]
fn fixtures_holding_what_the_box_needs_are_refused_clearly() {
    // Hiding such a folder would hide the interpreter too: every case would fail obscurely.
    let dir = tempfile::tempdir().unwrap();
    let task = dir.path().join("trio");
    std::fs::create_dir(&task).unwrap();
    for file in ["harness.py", "README.md"] {
        std::fs::copy(repo().join("tests/tasks/trio").join(file), task.join(file)).unwrap();
    }
    let spec = std::fs::read_to_string(repo().join("tests/tasks/trio/task.toml")).unwrap();
    std::fs::write(
        task.join("task.toml"),
        spec.replacen(
            "kind = \"python\"",
            "kind = \"python\"\nfixtures = \"/usr\"",
            1,
        ),
    )
    .unwrap();
    let run = Grade::task(&task)
        .isolation("strict")
        .submission("tests/submissions/trio/forged_markers.py")
        .expect_exit(INTERNAL)
        .run();
    assert!(
        run.stdout.contains("/usr holds /usr, which the box needs"),
        "{}",
        run.stdout
    );
}
