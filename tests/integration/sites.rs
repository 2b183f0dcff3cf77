//! Fixture websites end to end: the judge serves tests/fixtures/sites-probe into the box, and a
//! raw-socket submission (tests/submissions/sites-probe/probe.py) reports what it saw. Only
//! loopback is used: the sites are on the box's own loopback, and the "unreachable" listener is
//! one this test opens on the host's.

use std::net::TcpListener;
use std::path::{Path, PathBuf};

use livejudge::error::exit::{FAILED, USAGE};

use crate::support::*;

/// A copy of tests/tasks/sites-probe whose `host-unreachable` case names `host_port`.
fn probe_tasks(root: &Path, host_port: u16) -> PathBuf {
    let source = repo().join("tests/tasks/sites-probe");
    let tasks = root.join("tasks");
    let task = tasks.join("sites-probe");
    std::fs::create_dir_all(&task).unwrap();
    for file in ["README.md", "harness.py"] {
        std::fs::copy(source.join(file), task.join(file)).unwrap();
    }
    let spec = std::fs::read_to_string(source.join("task.toml"))
        .unwrap()
        .replace("@HOST_PORT@", &host_port.to_string());
    let fixtures = repo().join("tests/fixtures/sites-probe");
    let spec = format!(
        "fixtures = {}\n{spec}",
        serde_json::Value::from(fixtures.display().to_string())
    );
    std::fs::write(task.join("task.toml"), spec).unwrap();
    tasks
}

fn grade_probe(tasks: &Path, isolation: &str) -> (Run, serde_json::Value) {
    Grade::task("sites-probe")
        .isolation(isolation)
        .tasks(tasks)
        .submission("tests/submissions/sites-probe/probe.py")
        .report()
}

#[test]
fn the_box_reaches_its_websites_and_nothing_else() {
    let root = tempfile::tempdir().unwrap();
    // A listener on the host's loopback: the box has a loopback of its own, so the probe's
    // connection to this port must be refused there and never arrive here.
    let host = TcpListener::bind("127.0.0.1:0").unwrap();
    host.set_nonblocking(true).unwrap();
    let tasks = probe_tasks(root.path(), host.local_addr().unwrap().port());
    let (run, report) = grade_probe(&tasks, "strict");
    assert_eq!(
        run.code,
        i32::from(FAILED),
        "wrong-peak fails on purpose:\n{}",
        run.stderr
    );
    let submission = submission(&report, 0);
    assert_eq!(failed_ids(submission), ["wrong-peak"], "{submission:#}");
    assert!(
        host.accept().is_err(),
        "nothing inside the box reached the host's listener"
    );

    // The failing case says what the sites saw, check by check, before the rule.
    let wrong = case(submission, "wrong-peak");
    assert_eq!(wrong["verdict"], "wrong");
    let message = wrong["message"].as_str().unwrap();
    assert_eq!(
        message.lines().take(2).collect::<Vec<_>>(),
        [
            "sites.peak_in_flight: peak in flight was 3; expected 2",
            "sites.attempts[\"http://127.0.0.1:8001/slow\"]: http://127.0.0.1:8001/slow was requested 3 times; expected 1",
        ],
        "{message}"
    );
    assert_eq!(wrong["mismatches"].as_array().unwrap().len(), 2);
}

/// Without a box the sites stand on free ports of the host's loopback, and every other
/// loopback port a case names (here, a listener of this test's) is held closed: the probe
/// sees every route behave as in a box, the same cases fail with the same words, and the
/// host's listener is never reached.
#[test]
fn without_a_box_the_websites_behave_as_in_one() {
    let root = tempfile::tempdir().unwrap();
    let host = TcpListener::bind("127.0.0.1:0").unwrap();
    host.set_nonblocking(true).unwrap();
    let tasks = probe_tasks(root.path(), host.local_addr().unwrap().port());
    let (boxed_run, boxed) = grade_probe(&tasks, "strict");
    let (run, unboxed) = grade_probe(&tasks, "none");
    assert_eq!(run.code, boxed_run.code, "{}", run.stderr);
    let (boxed, unboxed) = (submission(&boxed, 0), submission(&unboxed, 0));
    assert_eq!(failed_ids(unboxed), ["wrong-peak"], "{unboxed:#}");
    for case in boxed["cases"].as_array().unwrap() {
        let id = case["id"].as_str().unwrap();
        let other = crate::support::case(unboxed, id);
        assert_eq!(other["verdict"], case["verdict"], "{id}: {other:#}");
        assert_eq!(other["message"], case["message"], "{id}");
    }
    assert!(
        host.accept().is_err(),
        "the port the case names was a stand-in that refused, not the host's listener"
    );
}

#[test]
fn a_broken_sites_file_is_reported_at_its_line() {
    let root = tempfile::tempdir().unwrap();
    let tasks = probe_tasks(root.path(), 9);
    let fixtures = root.path().join("fixtures");
    std::fs::create_dir_all(fixtures.join("sites")).unwrap();
    std::fs::write(
        fixtures.join("sites/sites.toml"),
        "[[sites]]\nname = \"probe\"\nport = 8001\n\n[[sites.routes]]\npath = \"/a\"\nredirect = { to = \"/b\", status = 200 }\n",
    )
    .unwrap();
    let spec_file = tasks.join("sites-probe/task.toml");
    let spec = std::fs::read_to_string(&spec_file).unwrap();
    let (_, rest) = spec.split_once('\n').unwrap();
    std::fs::write(
        &spec_file,
        format!(
            "fixtures = {}\n{rest}",
            serde_json::Value::from(fixtures.display().to_string())
        ),
    )
    .unwrap();
    let run = Grade::task("sites-probe")
        .tasks(&tasks)
        .submission("tests/submissions/sites-probe/probe.py")
        .expect_exit(USAGE)
        .run();
    let sites_file = fixtures.join("sites/sites.toml");
    assert!(
        run.stderr.contains(&format!("{}:7:", sites_file.display())),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("sites[0].routes[0].redirect"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("200 is not a redirect status"),
        "{}",
        run.stderr
    );
}
