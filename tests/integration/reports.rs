//! Report files: `grade --report DIR` writes a self-contained HTML report, a CSV and a JUnit
//! file; `livejudge report RESULTS --report DIR` renders the same files from a results file
//! without grading; and the HTML really renders, in headless Chromium (the scoreboard, its
//! colours, sorting, and a failing case's diff), with a screenshot kept under
//! target/test-artifacts/.

use std::path::{Path, PathBuf};

use livejudge::error::exit::FAILED;

use crate::support::*;

fn solutions() -> Vec<PathBuf> {
    let root = repo().join("tasks/caching-decorator/solutions");
    vec![
        root.join("accepted/rlock_ordereddict.py"),
        root.join("rejected/fifo.py"),
        root.join("rejected/ttl_ignored.py"),
    ]
}

/// Grades the solutions with --results and --report into `dir`.
fn grade_with_reports(dir: &Path) -> (PathBuf, PathBuf) {
    let results = dir.join("results.jsonl");
    let report = dir.join("report");
    Grade::task("caching-decorator")
        .submissions(solutions().iter().map(|p| relative(p)))
        .arg("--results")
        .arg(&results)
        .arg("--report")
        .arg(&report)
        .expect_exit(FAILED)
        .run();
    (results, report)
}

#[test]
fn report_files_come_from_a_grading_and_again_from_its_results_file() {
    let dir = tempfile::tempdir().unwrap();
    let (results, report) = grade_with_reports(dir.path());
    let csv = std::fs::read_to_string(report.join("results.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 4, "{csv}");
    assert!(lines[0].starts_with("submission,passed,points,max_points"));
    assert!(lines[2].contains("rejected/fifo.py,false,"), "{csv}");
    assert!(lines[2].contains("lru-eviction"), "{csv}");
    let junit = std::fs::read_to_string(report.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testsuite ").count(), 3);
    assert!(junit.contains("type=\"wrong\""), "{junit}");
    assert!(junit.contains("failures=\"10\""), "{junit}");
    assert!(!junit.contains("<error "), "no judge error here");

    // The results file alone gives the same files.
    let again = dir.path().join("again");
    let run = Livejudge::new()
        .arg("report")
        .arg(&results)
        .arg("--report")
        .arg(&again)
        .run();
    assert_eq!(
        run.code,
        i32::from(FAILED),
        "a batch with failures exits FAILED: {}",
        run.stderr
    );
    for file in ["index.html", "results.csv", "junit.xml"] {
        assert_eq!(
            std::fs::read_to_string(report.join(file)).unwrap(),
            std::fs::read_to_string(again.join(file)).unwrap(),
            "{file} differs when rendered from the results file"
        );
    }
}

fn chromium() -> PathBuf {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                .map(|dir| dir.join(name))
                .find(|path| path.is_file())
        })
        .expect("headless Chromium is needed for this test: apt-get install chromium (scripts/test.sh installs it)")
}

fn chromium_command(profile: &Path) -> std::process::Command {
    let mut command = std::process::Command::new(chromium());
    command.args([
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--window-size=1400,1000",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

#[test]
fn the_html_report_renders_in_a_real_browser() {
    let dir = tempfile::tempdir().unwrap();
    let (_, report) = grade_with_reports(dir.path());
    let page = report.join("index.html");
    let url = format!("file://{}#selftest", page.display());
    let output = chromium_command(&dir.path().join("profile"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .unwrap();
    let dom = String::from_utf8_lossy(&output.stdout);
    // The page's own check, run by the browser after layout: see SCRIPT in src/report/files.rs.
    let attribute = dom
        .split("data-selftest=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_else(|| panic!("no self-test result in the DOM:\n{dom}"));
    let unescaped = attribute
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let facts: serde_json::Value = serde_json::from_str(&unescaped).unwrap();
    assert_eq!(facts["scoreboard_rows"], 3, "{facts}");
    assert_eq!(facts["scoreboard_visible"], true);
    let cases = case_counts("caching-decorator");
    assert_eq!(
        facts["cells_coloured"].as_u64().unwrap() as usize,
        3 * cases.0,
        "one coloured cell per submission and case: {facts}"
    );
    // Sorted by score, twice (descending): the accepted solution's full score first.
    assert_eq!(facts["sorted_first_score"], "35/35", "{facts}");
    assert_eq!(facts["first_diff_visible"], true, "{facts}");
    let diff = facts["first_diff_text"].as_str().unwrap();
    assert!(diff.starts_with("--- expected\n+++ actual\n"), "{diff}");
    assert!(diff.contains("+    \"f(1) -> 1 [cached]\""), "{diff}");

    let artifacts = repo().join("target/test-artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    let shot = artifacts.join("html-report.png");
    let _ = std::fs::remove_file(&shot);
    let status = chromium_command(&dir.path().join("profile"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let png = std::fs::read(&shot).unwrap();
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 10_000,
        "a real screenshot"
    );
}
