//! Batch grading: submissions graded `--jobs` at once with the same verdicts as one at a time,
//! results streamed to a JSON Lines file, and a batch that resumes after a Ctrl-C or a SIGKILL
//! of livejudge without grading anything twice or leaving a process or a file behind.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use livejudge::error::exit::{FAILED, INTERRUPTED, PASSED, USAGE};

use crate::support::*;

/// `count` submissions for tests/tasks/slow-batch, every third one wrong.
fn submissions(dir: &Path, count: usize) -> Vec<PathBuf> {
    (0..count)
        .map(|i| {
            let path = dir.join(format!("candidate_{i:02}.py"));
            let answer = if i % 3 == 2 { 41 } else { 42 };
            std::fs::write(
                &path,
                format!("# candidate {i}\ndef answer():\n    return {answer}\n"),
            )
            .unwrap();
            path
        })
        .collect()
}

/// `grade` of tests/tasks/slow-batch, with `tmp` as TMPDIR.
fn grade_batch(files: &[PathBuf], extra: &[&str], tmp: &Path) -> Grade {
    Grade::test_task("slow-batch")
        .tmpdir(tmp)
        .submissions(files)
        .args(extra)
}

fn rows(results: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(results)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).expect("every line is a whole JSON row"))
        .collect()
}

#[test]
fn parallel_grading_keeps_the_verdicts_and_streams_one_row_per_submission() {
    let dir = tempfile::tempdir().unwrap();
    let files = submissions(dir.path(), 6);
    let results = dir.path().join("results.jsonl");
    let one = grade_batch(&files, &["--format", "json", "--jobs", "1"], dir.path())
        .expect_exit(FAILED)
        .run();
    let results_arg = results.to_str().unwrap();
    let three = grade_batch(
        &files,
        &["--format", "json", "--jobs", "3", "--results", results_arg],
        dir.path(),
    )
    .expect_exit(FAILED)
    .run();
    let (one, three) = (one.json(), three.json());
    assert_matches_schema(&three);
    // Same verdicts, and the report lists submissions in the order given.
    assert_eq!(failed_ids_by_path(&one), failed_ids_by_path(&three));
    let paths: Vec<String> = failed_ids_by_path(&three)
        .into_iter()
        .map(|(p, _)| p)
        .collect();
    let given: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    assert_eq!(paths, given);
    let failed: Vec<bool> = failed_ids_by_path(&three)
        .iter()
        .map(|(_, f)| !f.is_empty())
        .collect();
    assert_eq!(failed, [false, false, true, false, false, true]);
    // One row per submission, each with the task's version and the submission's digest.
    let rows = rows(&results);
    assert_eq!(rows.len(), 6);
    let mut digests: Vec<&str> = rows
        .iter()
        .map(|r| r["submission_digest"].as_str().unwrap())
        .collect();
    digests.sort();
    digests.dedup();
    assert_eq!(digests.len(), 6);
    assert!(rows.iter().all(|r| r["task"] == "slow-batch"));
    // A second run into the same file without --resume would duplicate rows: refused.
    let again = grade_batch(&files, &["--results", results_arg], dir.path())
        .expect_exit(USAGE)
        .run();
    assert!(again.stderr.contains("add --resume"), "{}", again.stderr);
    assert_eq!(self::rows(&results).len(), 6);
}

/// The processes below `pid` (pid, start time), found through /proc.
fn descendants(pid: u32) -> Vec<(u32, String)> {
    let mut parent_of = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(child) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{child}/stat")) else {
            continue;
        };
        // The command name may hold spaces: fields are counted after its closing ')'.
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        parent_of.push((
            child,
            fields[1].parse::<u32>().unwrap(),
            fields[19].to_owned(),
        ));
    }
    let mut found = Vec::new();
    let mut frontier = vec![pid];
    while let Some(parent) = frontier.pop() {
        for (child, ppid, start) in &parent_of {
            if *ppid == parent {
                found.push((*child, start.clone()));
                frontier.push(*child);
            }
        }
    }
    found
}

/// Whether `process` (pid, start time) still runs: the same pid with another start time is
/// another process.
fn still_running(process: &(u32, String)) -> bool {
    std::fs::read_to_string(format!("/proc/{}/stat", process.0)).is_ok_and(|stat| {
        let fields: Vec<&str> = stat
            .rsplit_once(')')
            .unwrap()
            .1
            .split_whitespace()
            .collect();
        fields[19] == process.1 && fields[0] != "Z"
    })
}

fn wait_for_rows(results: &Path, at_least: usize) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_to_string(results).map_or(0, |t| t.matches('\n').count()) < at_least {
        assert!(Instant::now() < deadline, "no results appeared");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn leftover_workspaces(tmp: &Path) -> Vec<String> {
    std::fs::read_dir(tmp)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("livejudge-"))
        .collect()
}

/// Stops a batch with `signal` once two rows are written, then resumes it: the resumed run
/// grades only the rest, and the file ends with one row per submission.
fn interrupt_then_resume(signal: nix::sys::signal::Signal) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let files = submissions(dir.path(), 8);
    let results = dir.path().join("results.jsonl");
    let results_arg = results.to_str().unwrap().to_owned();
    let mut child = grade_batch(&files, &["--jobs", "2", "--results", &results_arg], &tmp)
        .livejudge()
        .spawn();
    wait_for_rows(&results, 2);
    // Between two submissions the judge may have no child for a moment (a busy machine
    // stretches it): wait for the next submission's processes, so the kill lands mid-run.
    let deadline = Instant::now() + Duration::from_secs(30);
    let below = loop {
        let below = descendants(child.id());
        if !below.is_empty() || Instant::now() >= deadline {
            break below;
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    assert!(!below.is_empty(), "stopped while submissions were running");
    nix::sys::signal::kill(nix::unistd::Pid::from_raw(child.id() as i32), signal).unwrap();
    let status = child.wait().unwrap();
    if signal == nix::sys::signal::Signal::SIGINT {
        assert_eq!(
            status.code(),
            Some(i32::from(INTERRUPTED)),
            "an interrupted batch exits INTERRUPTED"
        );
        assert!(
            leftover_workspaces(&tmp).is_empty(),
            "Ctrl-C removes its workspaces"
        );
    }
    // Nothing the killed judge started lives on.
    let deadline = Instant::now() + Duration::from_secs(5);
    while below.iter().any(still_running) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    let survivors: Vec<_> = below.iter().filter(|p| still_running(p)).collect();
    assert!(survivors.is_empty(), "left running: {survivors:?}");
    let before = rows(&results).len();
    assert!((2..8).contains(&before), "{before} rows before the resume");

    let resumed = grade_batch(
        &files,
        &[
            "--jobs",
            "2",
            "--results",
            &results_arg,
            "--resume",
            "--format",
            "json",
        ],
        &tmp,
    )
    .expect_exit(FAILED)
    .run();
    let report = resumed.json();
    assert_eq!(report["submissions"].as_array().unwrap().len(), 8);
    assert_eq!(
        resumed.stderr.matches("(already graded)").count(),
        before,
        "{}",
        resumed.stderr
    );
    let rows = rows(&results);
    assert_eq!(rows.len(), 8, "one row per submission, none twice");
    let mut paths: Vec<&str> = rows
        .iter()
        .map(|r| r["result"]["path"].as_str().unwrap())
        .collect();
    paths.sort();
    paths.dedup();
    assert_eq!(paths.len(), 8);
    assert!(
        leftover_workspaces(&tmp).is_empty(),
        "the next run sweeps what a killed one left"
    );
}

#[test]
fn a_batch_killed_with_sigkill_resumes_where_it_stopped() {
    interrupt_then_resume(nix::sys::signal::Signal::SIGKILL);
}

#[test]
fn a_batch_stopped_with_ctrl_c_resumes_where_it_stopped() {
    interrupt_then_resume(nix::sys::signal::Signal::SIGINT);
}

#[test]
fn a_changed_task_or_submission_is_graded_again_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let files = submissions(dir.path(), 2);
    let results = dir.path().join("results.jsonl");
    let results_arg = results.to_str().unwrap();
    grade_batch(&files, &["--results", results_arg], dir.path())
        .expect_exit(PASSED)
        .run();
    std::fs::write(&files[1], "def answer():\n    return 41\n").unwrap();
    let resumed = grade_batch(
        &files,
        &["--results", results_arg, "--resume", "--format", "json"],
        dir.path(),
    )
    .run();
    assert_eq!(
        resumed.code,
        i32::from(FAILED),
        "the edited submission is graded anew"
    );
    assert_eq!(resumed.stderr.matches("(already graded)").count(), 1);
    assert_eq!(rows(&results).len(), 3);
}

#[test]
fn the_human_report_ends_with_a_table_of_submissions() {
    let dir = tempfile::tempdir().unwrap();
    let files = submissions(dir.path(), 3);
    let run = grade_batch(&files, &["--jobs", "2"], dir.path())
        .expect_exit(FAILED)
        .run();
    let table: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("submission "))
        .take(4)
        .collect();
    assert_eq!(table.len(), 4, "{}", run.stdout);
    assert!(table[0].contains("score") && table[0].contains("failed cases"));
    assert!(table[1].starts_with("candidate_00.py") && table[1].contains("2/2"));
    assert!(table[3].starts_with("candidate_02.py") && table[3].contains("first, second"));
    // Not a terminal: one progress line per submission on stderr.
    assert_eq!(run.stderr.matches("] ").count(), 3, "{}", run.stderr);
}

#[test]
fn a_server_task_gives_the_same_verdicts_at_one_job_and_at_full_parallelism() {
    // Timing-sensitive cases (a burst of concurrent clients) under the most parallelism the
    // judge allows for server tasks, repeated: the verdicts must not depend on it.
    let good = repo().join("tests/submissions/line-server/good.py");
    let serial = repo().join("tests/submissions/line-server/serial.py");
    let files: Vec<PathBuf> = (0..3)
        .flat_map(|_| [good.clone(), serial.clone()])
        .collect();
    let grade = |jobs: &str| {
        let run = Grade::task("line-server")
            .isolation("strict")
            .tasks("tests/tasks")
            .submissions(&files)
            .args(["--format", "json", "--jobs", jobs])
            .expect_exit(FAILED)
            .run();
        failed_ids_by_path(&run.json())
    };
    let one = grade("1");
    assert_eq!(
        one.iter()
            .map(|(_, failed)| failed.clone())
            .collect::<Vec<_>>(),
        (0..3)
            .flat_map(|_| [vec![], vec!["concurrent".to_owned()]])
            .collect::<Vec<_>>()
    );
    for _ in 0..2 {
        assert_eq!(grade("64"), one);
    }
}

#[test]
fn shards_are_disjoint_cover_the_batch_and_merge_into_one_run() {
    let dir = tempfile::tempdir().unwrap();
    let files = submissions(dir.path(), 7);
    let mut reversed = files.clone();
    reversed.reverse();
    let mut shard_files = Vec::new();
    let mut seen: Vec<String> = Vec::new();
    for k in 1..=3 {
        let results = dir.path().join(format!("shard-{k}.jsonl"));
        let shard = format!("{k}/3");
        // The same shard of the list in another order is the same slice.
        let order = if k == 2 { &reversed } else { &files };
        let run = grade_batch(
            order,
            &["--shard", &shard, "--results", results.to_str().unwrap()],
            dir.path(),
        )
        .run();
        assert!(run.code <= i32::from(FAILED), "{}", run.stderr);
        let again = grade_batch(
            &reversed,
            &["--shard", &shard, "--format", "json"],
            dir.path(),
        )
        .run();
        let mine: Vec<String> = rows(&results)
            .iter()
            .map(|r| r["result"]["path"].as_str().unwrap().to_owned())
            .collect();
        let mut also: Vec<String> = failed_ids_by_path(&again.json())
            .into_iter()
            .map(|(p, _)| p)
            .collect();
        let mut sorted = mine.clone();
        sorted.sort();
        also.sort();
        assert_eq!(sorted, also, "shard {shard} is the same whatever the order");
        for path in &mine {
            assert!(!seen.contains(path), "{path} is in two shards");
        }
        seen.extend(mine);
        shard_files.push(results);
    }
    assert_eq!(seen.len(), 7, "the shards together cover every submission");

    let merged = dir.path().join("merged.jsonl");
    let report = dir.path().join("report");
    Livejudge::new()
        .arg("merge")
        .args(&shard_files)
        .arg("--output")
        .arg(&merged)
        .arg("--report")
        .arg(&report)
        .expect_exit(FAILED)
        .run();
    assert!(report.join("index.html").is_file());
    let single = grade_batch(&files, &["--format", "json"], dir.path())
        .run()
        .json();
    let summary = |submission: &serde_json::Value| {
        (
            submission["path"].as_str().unwrap().to_owned(),
            failed_ids(submission),
            submission["score"].clone(),
        )
    };
    let mut from_shards: Vec<_> = rows(&merged)
        .iter()
        .map(|r| summary(&r["result"]))
        .collect();
    let mut from_one: Vec<_> = single["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(summary)
        .collect();
    from_shards.sort_by(|a, b| a.0.cmp(&b.0));
    from_one.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        from_shards, from_one,
        "merged shards equal one run on one machine"
    );
}

#[test]
fn a_report_written_to_a_pipe_leaves_the_pipe_in_place() {
    // `--output /dev/null` once replaced /dev/null with a regular file (the report is
    // written to a temporary file and moved over its target). A FIFO stands in for the
    // device here: it must still be a FIFO afterwards, and its reader gets the report.
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("report.fifo");
    nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let files = submissions(dir.path(), 1);
    grade_batch(
        &files,
        &["--format", "json", "--output", fifo.to_str().unwrap()],
        dir.path(),
    )
    .expect_exit(PASSED)
    .run();
    let report: serde_json::Value = serde_json::from_str(&reader.join().unwrap()).unwrap();
    assert_eq!(report["passed"], true);
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo()
    );
}

/// docs/ci/grade-shard.sh, run the way a Kubernetes Indexed Job runs it: one process per
/// JOB_COMPLETION_INDEX over the same folder, one of them killed midway and started again (a
/// pod restarted), then `merge`. Every submission is graded exactly once, with the verdicts
/// one machine gives, and candidates' failures do not fail a pod (--exit-zero).
#[test]
fn the_kubernetes_shard_entrypoint_survives_a_restart_and_merges_into_one_run() {
    let _machine = crate::support::machine::shared();
    let dir = tempfile::tempdir().unwrap();
    let subs = dir.path().join("submissions");
    let results = dir.path().join("results");
    let tmp = dir.path().join("tmp");
    for folder in [&subs, &results, &tmp] {
        std::fs::create_dir(folder).unwrap();
    }
    let mut files = submissions(&subs, 15);
    files.sort();
    let bin = Path::new(env!("CARGO_BIN_EXE_livejudge")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let pod = |index: usize| {
        let mut command = std::process::Command::new("sh");
        command
            .arg(repo().join("docs/ci/grade-shard.sh"))
            .current_dir(repo())
            .env("PATH", &path)
            .env("LIVEJUDGE_CACHE_DIR", cache_dir())
            .env("NO_COLOR", "1")
            .env("TMPDIR", &tmp)
            .env_remove("LIVEJUDGE_PYTHON")
            .env("JOB_COMPLETION_INDEX", index.to_string())
            .env("SHARDS", "3")
            .env("TASK", "slow-batch")
            .env("SUBMISSIONS", &subs)
            .env("RESULTS", &results)
            .env("LIVEJUDGE_ARGS", "--tasks tests/tasks")
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        command
    };
    // Pod 0 is killed once its first result is written, as a lost node would kill it.
    let mut first = pod(0).spawn().unwrap();
    wait_for_rows(&results.join("shard-1.jsonl"), 1);
    let killed_midway = first.try_wait().unwrap().is_none();
    let _ = first.kill();
    let _ = first.wait();
    for index in 0..3 {
        let run = run_command(pod(index));
        assert_eq!(run.code, i32::from(PASSED), "pod {index}: {}", run.stderr);
    }
    let shard_files: Vec<PathBuf> = (1..=3)
        .map(|k| results.join(format!("shard-{k}.jsonl")))
        .collect();
    // A restarted pod grades only what its file lacks: never a submission twice.
    let before_merge: Vec<String> = shard_files
        .iter()
        .flat_map(|f| rows(f))
        .map(|r| r["result"]["path"].as_str().unwrap().to_owned())
        .collect();
    let mut unique = before_merge.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        before_merge.len(),
        "graded twice: {before_merge:?}"
    );
    if killed_midway {
        assert!(
            !rows(&shard_files[0]).is_empty(),
            "the killed pod's first row survives"
        );
    }

    let all = dir.path().join("all.jsonl");
    let mut merge = Livejudge::new().arg("merge");
    for file in &shard_files {
        merge = merge.arg(file);
    }
    merge
        .arg("--output")
        .arg(&all)
        .arg("--exit-zero")
        .expect_exit(PASSED)
        .run();
    let mut merged: Vec<(String, Vec<String>)> = rows(&all)
        .iter()
        .map(|r| {
            let result = &r["result"];
            (
                result["path"].as_str().unwrap().to_owned(),
                failed_ids(result),
            )
        })
        .collect();
    merged.sort();
    // One machine, the whole list: the same verdicts (and without --exit-zero, exit 1).
    let (_, whole) = grade_batch(&files, &[], &tmp).expect_exit(FAILED).report();
    let mut expected = failed_ids_by_path(&whole);
    expected.sort();
    assert_eq!(merged, expected);
    assert_eq!(merged.len(), files.len());
}
