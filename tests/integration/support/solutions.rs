//! A task's reference solutions (tasks/<id>/solutions/{accepted,rejected}) and what they must
//! do when graded.

use std::path::PathBuf;

use livejudge::error::exit::PASSED;

use super::{Grade, Livejudge, Run, case_counts, failed_ids, relative, repo};

pub fn solutions(task: &str, kind: &str) -> Vec<PathBuf> {
    let dir = repo().join("tasks").join(task).join("solutions").join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .collect();
    files.sort();
    files
}

/// A task's `solutions/solutions.toml`.
pub fn expectations(task: &str) -> livejudge::judge::solutions::SolutionsSpec {
    let path = repo()
        .join("tasks")
        .join(task)
        .join("solutions/solutions.toml");
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Grades `files` (each `repeat` times) against `task` in one invocation; the JSON report.
pub fn grade_solutions(task: &str, files: &[PathBuf], repeat: usize) -> (Run, serde_json::Value) {
    let mut grade = Grade::task(task);
    for file in files {
        for _ in 0..repeat {
            grade = grade.submission(relative(file));
        }
    }
    grade.report()
}

/// `task` ships an accepted solution whose file name starts with each of `frameworks`.
pub fn assert_ships_frameworks(task: &str, frameworks: &[&str]) {
    let stems: Vec<String> = solutions(task, "accepted")
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for framework in frameworks {
        assert!(
            stems.iter().any(|s| s.starts_with(framework)),
            "an accepted {framework} solution ships: {stems:?}"
        );
    }
}

/// Every accepted solution of `task` passes every case, `runs` times in a row (the solutions
/// are graded in parallel, one livejudge each).
pub fn assert_accepted_pass(task: &'static str, runs: usize) {
    let accepted = solutions(task, "accepted");
    assert!(
        accepted.len() >= 3,
        "the task ships at least 3 accepted solutions"
    );
    let handles: Vec<_> = accepted
        .iter()
        .map(|file| {
            let file = file.clone();
            std::thread::spawn(move || (file.clone(), grade_solutions(task, &[file], runs)))
        })
        .collect();
    for handle in handles {
        let (file, (run, report)) = handle.join().unwrap();
        let submissions = report["submissions"].as_array().unwrap();
        assert_eq!(submissions.len(), runs);
        for (i, submission) in submissions.iter().enumerate() {
            assert_eq!(
                failed_ids(submission),
                Vec::<String>::new(),
                "{} failed in run {}:\n{}",
                file.display(),
                i + 1,
                serde_json::to_string_pretty(submission).unwrap()
            );
            assert_eq!(
                submission["cases"].as_array().unwrap().len(),
                case_counts(task).0
            );
        }
        assert_eq!(
            run.code,
            i32::from(PASSED),
            "exit code for {}",
            file.display()
        );
        assert_eq!(report["passed"], true);
    }
}

/// Every rejected solution of `task` fails the cases its solutions.toml entry names (exactly
/// those, when it says `exact`), with the verdict and message it gives, and every file has an
/// entry: checked by `livejudge check TASK --only rejected`, as a task repository's CI would.
pub fn assert_rejected_fail(task: &str, at_least: usize) {
    let rejected = solutions(task, "rejected");
    assert!(
        rejected.len() >= at_least,
        "the task ships at least {at_least} rejected solutions"
    );
    let artifacts = repo().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let junit = artifacts.join(format!("check-{task}.xml"));
    let run = Livejudge::new()
        .args(["--isolation", "strict", "check", task, "--only", "rejected"])
        .arg("--junit")
        .arg(&junit)
        .expect_exit(PASSED)
        .run();
    // One line per rejected solution, each a success with the cases it fails.
    for file in &rejected {
        let stem = file.file_name().unwrap().to_string_lossy();
        let line = format!("  ✓ rejected/{stem}: fails ");
        assert!(run.stdout.contains(&line), "{line:?} in:\n{}", run.stdout);
    }
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert_eq!(xml.matches("<testcase ").count(), rejected.len(), "{xml}");
    assert!(!xml.contains("<failure"), "{xml}");
}
