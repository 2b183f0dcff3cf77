//! Helpers for integration tests: run the built `livejudge` binary from the repository root
//! with a cache directory of its own, with a timeout, and read what it printed.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use wait_timeout::ChildExt;

/// No livejudge invocation in the tests should come near this.
const TIMEOUT: Duration = Duration::from_secs(600);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A cache shared by the test binaries (the venv lock makes that safe), apart from the user's.
pub fn cache_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("livejudge-cache")
}

pub fn livejudge() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_livejudge"));
    command
        .current_dir(repo())
        .env("LIVEJUDGE_CACHE_DIR", cache_dir())
        .env("NO_COLOR", "1")
        .env_remove("LIVEJUDGE_PYTHON")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    pub fn assert_no_panic(&self) {
        assert!(
            !self.stderr.contains("panicked") && !self.stderr.contains("internal error"),
            "livejudge crashed:\n{}",
            self.stderr
        );
    }
}

pub fn run_command(mut command: Command) -> Run {
    let mut child = command.spawn().expect("start livejudge");
    let stdout = child.stdout.take().unwrap();
    let stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || read_all(stdout));
    let err = std::thread::spawn(move || read_all(stderr));
    let status = match child.wait_timeout(TIMEOUT).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            panic!("livejudge did not finish within {TIMEOUT:?}: {command:?}");
        }
    };
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    };
    run.assert_no_panic();
    run
}

fn read_all(mut stream: impl std::io::Read) -> String {
    let mut bytes = Vec::new();
    let _ = stream.read_to_end(&mut bytes);
    String::from_utf8_lossy(&bytes).into_owned()
}

pub fn run<S: AsRef<OsStr>>(args: &[S]) -> Run {
    let mut command = livejudge();
    command.args(args);
    run_command(command)
}

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

pub fn relative(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Validates a report against docs/report.schema.json.
pub fn assert_matches_schema(report: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema:\n{}",
        errors.join("\n")
    );
}

pub fn submission(report: &serde_json::Value, index: usize) -> &serde_json::Value {
    &report["submissions"][index]
}

pub fn case<'a>(submission: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    submission["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

pub fn failed_ids(submission: &serde_json::Value) -> Vec<String> {
    submission["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// Number of cases, and of hidden ones, in a task under tasks/.
pub fn case_counts(task: &str) -> (usize, usize) {
    let spec: toml::Value = toml::from_str(
        &std::fs::read_to_string(repo().join("tasks").join(task).join("task.toml")).unwrap(),
    )
    .unwrap();
    let cases = spec["cases"].as_array().unwrap();
    let hidden = cases
        .iter()
        .filter(|c| c.get("hidden").and_then(toml::Value::as_bool) == Some(true))
        .count();
    (cases.len(), hidden)
}

/// The real interpreter behind `python3` and its installation prefix (a box binds the
/// prefix), for tests that start boxes through the library.
pub fn real_python() -> (PathBuf, PathBuf) {
    let output = Command::new("python3")
        .args([
            "-c",
            "import sys; print(sys.executable); print(sys.base_prefix)",
        ])
        .output()
        .expect("python3 runs");
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    let executable = std::fs::canonicalize(lines.next().unwrap()).unwrap();
    (executable, PathBuf::from(lines.next().unwrap()))
}

/// A task's `solutions/solutions.toml`.
pub fn expectations(task: &str) -> livejudge::check::SolutionsSpec {
    let path = repo()
        .join("tasks")
        .join(task)
        .join("solutions/solutions.toml");
    toml::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// Grades `files` (each `repeat` times) against `task` in one invocation; the JSON report.
pub fn grade_solutions(
    task: &str,
    files: &[PathBuf],
    repeat: usize,
    extra: &[&str],
) -> (Run, serde_json::Value) {
    let mut args: Vec<String> = vec![
        "grade".into(),
        task.into(),
        "--format".into(),
        "json".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    for file in files {
        for _ in 0..repeat {
            args.push(relative(file));
        }
    }
    let run = run(&args);
    let report = run.json();
    assert_matches_schema(&report);
    (run, report)
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
            std::thread::spawn(move || (file.clone(), grade_solutions(task, &[file], runs, &[])))
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
        assert_eq!(run.code, 0, "exit code for {}", file.display());
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
    let run = run(&[
        "--isolation",
        "strict",
        "check",
        task,
        "--only",
        "rejected",
        "--junit",
        junit.to_str().unwrap(),
    ]);
    assert_eq!(
        run.code, 0,
        "livejudge check {task}:\n{}\n{}",
        run.stdout, run.stderr
    );
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

/// A strict box launcher for tests that start boxes through the library, with what it takes
/// to get one when this machine cannot.
pub fn box_launcher() -> livejudge::sandbox::Bubblewrap {
    let capabilities = livejudge::sandbox::Capabilities::detect();
    livejudge::sandbox::Bubblewrap::new(&capabilities).unwrap_or_else(|| {
        panic!(
            "bubblewrap boxes are not available here (scripts/test.sh installs bubblewrap):\n{}",
            capabilities.render()
        )
    })
}

/// Run, judge and tmp folders under `root`, created.
pub fn box_dirs(root: &Path) -> livejudge::sandbox::Dirs {
    let dirs = livejudge::sandbox::Dirs {
        run: root.join("run"),
        judge: root.join("judge"),
        tmp: root.join("tmp"),
        data: None,
    };
    for dir in [&dirs.run, &dirs.judge, &dirs.tmp] {
        std::fs::create_dir_all(dir).unwrap();
    }
    dirs
}

/// Modest limits for a test box.
pub fn box_limits() -> livejudge::sandbox::ProcessLimits {
    livejudge::sandbox::ProcessLimits {
        cpu_time: Duration::from_secs(10),
        cpu_backstop: Duration::from_secs(30),
        memory: 256 << 20,
        processes: 32,
        disk: 16 << 20,
    }
}
