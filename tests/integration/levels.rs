//! One grading result at every isolation level (issue 15): an accepted solution passes and
//! each rejected one fails exactly as solutions.toml says (held to it by the same judging as
//! `livejudge check`), without a box (`none`) and in a box without cgroups (`partial`: an
//! unprivileged user this test creates, so bubblewrap uses a user namespace). `strict` is what
//! every other test runs. To keep the suite's time, each level grades one accepted solution
//! of each task and its rejected set, but for threaded-server and async-scraper (whose
//! gradings wait on sleeps and on the websites' delays) a subset that covers what crossing
//! into a box changes: connections held, split, reset and refused, SIGTERM, redirects,
//! retries and timeouts. Their whole sets pass at both levels too (run
//! `livejudge --isolation none check TASK` to see it).

use std::path::{Path, PathBuf};
use std::process::Command;

use livejudge::judge::solutions::{self, Expectation};
use livejudge::outcome::SubmissionResult;

use crate::support::*;

/// The tasks, the accepted solution graded at each level, and the rejected ones (all of
/// them when `None`).
const MATRIX: &[(&str, &str, Option<&[&str]>)] = &[
    ("caching-decorator", "rlock_ordereddict", None),
    ("json-api", "stdlib_app", None),
    ("crud-app", "stdlib_app", None),
    (
        "threaded-server",
        "thread_pool",
        Some(&[
            "crash_on_disconnect",
            "serial_loop",
            "one_command_per_connection",
            "decodes_chunks",
            "keeps_cr",
            "ignores_sigterm",
            "unlocked_incr",
        ]),
    ),
    (
        "async-scraper",
        "aiohttp_semaphore",
        Some(&[
            "gather_raises",
            "entities_not_decoded",
            "retries_4xx",
            "no_timeout",
            "time_sleep_backoff",
        ]),
    ),
];

/// The solutions graded for `task` at a level, with what each must do.
fn plan(task: &str, accepted: &str, rejected: Option<&[&str]>) -> Vec<(PathBuf, Expectation)> {
    let dir = repo().join("tasks").join(task).join("solutions");
    let mut planned = vec![(
        dir.join("accepted").join(format!("{accepted}.py")),
        Expectation::Accepted,
    )];
    match rejected {
        Some(names) => planned.extend(names.iter().map(|n| {
            (
                dir.join("rejected").join(format!("{n}.py")),
                Expectation::Rejected,
            )
        })),
        None => planned.extend(
            solutions(task, "rejected")
                .into_iter()
                .map(|p| (p, Expectation::Rejected)),
        ),
    }
    for (path, _) in &planned {
        assert!(path.is_file(), "{}", path.display());
    }
    planned
}

/// Every problem `check` would report with the solutions of `report` (graded in `planned`'s
/// order), against the task's solutions.toml.
fn problems(
    task: &str,
    planned: &[(PathBuf, Expectation)],
    report: &serde_json::Value,
) -> Vec<String> {
    let loaded = livejudge::task::load(&repo().join("tasks").join(task)).unwrap();
    let (plan, _) = solutions::plan(&loaded).unwrap();
    let results: Vec<SubmissionResult> =
        serde_json::from_value(report["submissions"].clone()).unwrap();
    assert_eq!(results.len(), planned.len());
    planned
        .iter()
        .zip(&results)
        .flat_map(|((path, expectation), result)| {
            solutions::judge(*expectation, path, result, &plan.spec)
                .into_iter()
                .map(move |p| format!("{task} {}: {p}", relative(path)))
        })
        .collect()
}

/// Grades every task of the matrix at `--isolation none`.
#[test]
fn without_a_box_every_task_grades_as_solutions_toml_says() {
    let mut all = Vec::new();
    for (task, accepted, rejected) in MATRIX {
        let planned = plan(task, accepted, *rejected);
        let (run, report) = Grade::task(task)
            .isolation("none")
            .submissions(planned.iter().map(|(p, _)| relative(p)))
            .arg("--show-hidden")
            .report();
        assert_eq!(report["isolation"], "none", "{}", run.stderr);
        all.extend(problems(task, &planned, &report));
    }
    assert!(all.is_empty(), "at --isolation none:\n{}", all.join("\n"));
}

/// An unprivileged account for the `partial` level, created (by root) if it is missing.
fn unprivileged_user() -> (u32, u32) {
    const NAME: &str = "livejudge-partial";
    let id = |flag: &str| -> Option<u32> {
        let out = Command::new("id").args([flag, NAME]).output().ok()?;
        String::from_utf8(out.stdout).ok()?.trim().parse().ok()
    };
    if id("-u").is_none() {
        let status = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                NAME,
            ])
            .status()
            .expect("run useradd");
        assert!(status.success(), "useradd {NAME}");
    }
    (id("-u").unwrap(), id("-g").unwrap())
}

/// `partial`: livejudge run by an unprivileged user, so bubblewrap runs the box in a user
/// namespace and no cgroup can be had: the memory limit is the supervisor's sampling. The
/// user gets copies of what it needs in a folder of its own (the binary, with the tasks built
/// in; uv; the solutions) and the system's Python, which it can run; async-scraper is left out
/// here: its pinned packages need Python 3.11.5 or newer, and the system's is older.
#[test]
fn in_a_box_without_cgroups_every_task_grades_as_solutions_toml_says() {
    if !running_as_root() {
        eprintln!("skipped: creating the unprivileged user of the partial level needs root");
        return;
    }
    let _machine = machine::shared();
    let (uid, gid) = unprivileged_user();
    let home = tempfile::tempdir().unwrap();
    let bin = home.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_livejudge"), bin.join("livejudge")).unwrap();
    if let Some(uv) = std::env::var_os("LIVEJUDGE_TEST_UV") {
        std::fs::copy(uv, bin.join("uv")).unwrap();
    }
    assert!(
        Path::new("/usr/bin/python3").is_file(),
        "the system's Python"
    );
    chown_all(home.path(), uid, gid);
    let mut all = Vec::new();
    for (task, accepted, rejected) in MATRIX {
        if *task == "async-scraper" {
            continue;
        }
        let planned = plan(task, accepted, *rejected);
        let folder = home.path().join(task);
        std::fs::create_dir(&folder).unwrap();
        let mut args: Vec<String> = ["--python", "/usr/bin/python3", "grade", task]
            .map(String::from)
            .to_vec();
        for (i, (path, _)) in planned.iter().enumerate() {
            let copy = folder.join(format!(
                "{i:02}-{}",
                path.file_name().unwrap().to_string_lossy()
            ));
            std::fs::copy(path, &copy).unwrap();
            args.push(copy.display().to_string());
        }
        args.extend(["--format", "json", "--show-hidden"].map(String::from));
        chown_all(&folder, uid, gid);
        let mut command = Command::new("setpriv");
        command
            .args([
                "--reuid",
                &uid.to_string(),
                "--regid",
                &gid.to_string(),
                "--clear-groups",
                "--",
            ])
            .arg(bin.join("livejudge"))
            .args(&args)
            .current_dir(home.path())
            // The caller's environment, less what points at the caller's own files: the
            // machine's certificate and proxy settings are what reaches the package index.
            .env_remove("LIVEJUDGE_TASKS")
            .env_remove("LIVEJUDGE_PYTHON")
            .env(
                "PATH",
                format!("{}:/usr/local/bin:/usr/bin:/bin", bin.display()),
            )
            .env("HOME", home.path())
            .env("LIVEJUDGE_CACHE_DIR", home.path().join("cache"))
            .env("UV_CACHE_DIR", home.path().join("uv-cache"))
            .env("NO_COLOR", "1")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("XDG_") {
                command.env_remove(key);
            }
        }
        let run = run_command(command);
        let report = run.json();
        assert_eq!(report["isolation"], "partial", "{task}: {}", run.stderr);
        // Judged by the repository's paths: solutions.toml names the solutions by file.
        all.extend(problems(task, &planned, &report));
    }
    assert!(all.is_empty(), "at partial isolation:\n{}", all.join("\n"));
}

fn chown_all(dir: &Path, uid: u32, gid: u32) {
    std::os::unix::fs::chown(dir, Some(uid), Some(gid)).unwrap();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if entry.file_type().unwrap().is_dir() {
            chown_all(&path, uid, gid);
        } else {
            std::os::unix::fs::lchown(&path, Some(uid), Some(gid)).unwrap();
        }
    }
}

/// Without a box, servers share the host's loopback: two gradings at once each get a port of
/// their own, and a port the task declares (8000) being taken by something else changes
/// nothing.
#[test]
fn unboxed_servers_never_share_a_port_nor_need_the_declared_one() {
    // Something else on the task's port, when it is free to take (if not, something else
    // already holds it, which is the same case).
    let _squatter = std::net::TcpListener::bind(("127.0.0.1", 8000)).ok();
    let good = "tests/submissions/line-server/good.py";
    let (run, report) = Grade::test_task("line-server")
        .isolation("none")
        .submissions([good, good, good, good])
        .args(["--jobs", "4"])
        .report();
    assert_eq!(
        run.code,
        i32::from(livejudge::error::exit::PASSED),
        "{}",
        run.stderr
    );
    let submissions = report["submissions"].as_array().unwrap();
    assert_eq!(submissions.len(), 4);
    for submission in submissions {
        assert_eq!(
            failed_ids(submission),
            Vec::<String>::new(),
            "{submission:#}"
        );
    }
}
