//! Report files for a batch (`--report DIR`): a self-contained HTML report, a CSV for
//! spreadsheets and a JUnit XML file. They are rendered from finished results (a grading's,
//! or a results file's: `livejudge report`), never from a grading in progress.

use std::fmt::Write as _;
use std::path::Path;

use crate::outcome::{CaseResult, SubmissionResult, Verdict};

pub const HTML_FILE: &str = "index.html";
pub const CSV_FILE: &str = "results.csv";
pub const JUNIT_FILE: &str = "junit.xml";

/// What the report files show.
pub struct ReportData<'a> {
    pub task: &'a str,
    pub task_title: &'a str,
    pub submissions: &'a [SubmissionResult],
}

/// Writes the three files into `dir` (created if needed), each replaced whole. Submissions
/// are listed by path: a results file holds them in the order they finished.
pub fn write_all(dir: &Path, data: &ReportData<'_>) -> std::io::Result<()> {
    let mut submissions = data.submissions.to_vec();
    submissions.sort_by(|a, b| a.path.cmp(&b.path));
    let data = ReportData {
        submissions: &submissions,
        ..*data
    };
    std::fs::create_dir_all(dir)?;
    write_file(dir, HTML_FILE, html(&data).as_bytes())?;
    write_file(dir, CSV_FILE, &csv(&data)?)?;
    write_file(dir, JUNIT_FILE, junit(&data)?.as_bytes())
}

fn write_file(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut temp = tempfile::Builder::new()
        .prefix(".livejudge-report-")
        .tempfile_in(dir)?;
    std::io::Write::write_all(&mut temp, bytes)?;
    let path = dir.join(name);
    temp.persist(&path).map_err(|e| e.error)?;
    std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o644))
}

/// How to grade one submission again, from the folder the batch ran in.
pub fn reproduce(task: &str, path: &str) -> String {
    format!(
        "livejudge grade {} {} --show-hidden",
        shell_quote(task),
        shell_quote(path)
    )
}

fn shell_quote(text: &str) -> String {
    if !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:@+".contains(c))
    {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// The case ids of a batch, in the order of the first submission that has them all.
fn case_ids(submissions: &[SubmissionResult]) -> Vec<(String, String)> {
    let mut ids: Vec<(String, String)> = Vec::new();
    for submission in submissions {
        for case in &submission.cases {
            if !ids.iter().any(|(id, _)| *id == case.id) {
                ids.push((case.id.clone(), case.title.clone()));
            }
        }
    }
    ids
}

fn group_names(submissions: &[SubmissionResult]) -> Vec<String> {
    submissions
        .first()
        .map(|s| s.score.groups.iter().map(|g| g.group.clone()).collect())
        .unwrap_or_default()
}

// --- CSV ---------------------------------------------------------------------------------

fn csv(data: &ReportData<'_>) -> std::io::Result<Vec<u8>> {
    let groups = group_names(data.submissions);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "submission",
        "passed",
        "points",
        "max_points",
        "passed_cases",
        "failed_cases",
    ]
    .map(String::from)
    .to_vec();
    header.extend(groups.iter().map(|g| format!("points:{g}")));
    header.extend(["failed_case_ids".to_owned(), "duration_ms".to_owned()]);
    writer
        .write_record(&header)
        .map_err(std::io::Error::other)?;
    for submission in data.submissions {
        let mut row = vec![
            spreadsheet_safe(&submission.path),
            submission.passed.to_string(),
            submission.score.points.to_string(),
            submission.score.max_points.to_string(),
            submission.passed_cases.to_string(),
            submission.failed_cases.to_string(),
        ];
        for group in &groups {
            let points = submission
                .score
                .groups
                .iter()
                .find(|g| &g.group == group)
                .map_or(String::new(), |g| g.points.to_string());
            row.push(points);
        }
        row.push(submission.failed_ids().join(" "));
        row.push(submission.duration_ms.to_string());
        writer.write_record(&row).map_err(std::io::Error::other)?;
    }
    writer
        .into_inner()
        .map_err(|e| std::io::Error::other(e.to_string()))
}

/// A cell a spreadsheet will not run as a formula (a file name may start with `=`).
fn spreadsheet_safe(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

// --- JUnit -------------------------------------------------------------------------------

fn junit(data: &ReportData<'_>) -> std::io::Result<String> {
    use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
    let mut report = Report::new(format!("livejudge {}", data.task));
    for submission in data.submissions {
        let mut suite = TestSuite::new(submission.path.clone());
        for case in &submission.cases {
            let status = if case.passed {
                TestCaseStatus::success()
            } else {
                // The judge's own fault is an error, not the candidate's failure.
                let kind = if case.verdict == Verdict::JudgeError {
                    NonSuccessKind::Error
                } else {
                    NonSuccessKind::Failure
                };
                let mut status = TestCaseStatus::non_success(kind);
                status.set_type(case.verdict.name());
                status.set_message(case.message.lines().next().unwrap_or_default());
                let mut description = case.message.clone();
                if let Some(diff) = &case.diff {
                    let _ = write!(description, "\n\n{}", diff.render(false));
                }
                if let Some(details) = &case.details {
                    let _ = write!(description, "\n\n{details}");
                }
                status.set_description(description);
                status
            };
            let mut test_case = TestCase::new(case.id.clone(), status);
            test_case.set_classname(format!("{}.{}", data.task, case.group));
            test_case.set_time(std::time::Duration::from_secs_f64(
                case.duration_ms.max(0.0) / 1000.0,
            ));
            let printed: Vec<String> = [("stdout", &case.stdout), ("stderr", &case.stderr)]
                .into_iter()
                .filter_map(|(name, text)| text.as_ref().map(|t| format!("--- {name}\n{t}")))
                .collect();
            if !printed.is_empty() {
                test_case.set_system_out(printed.join("\n"));
            }
            suite.add_test_case(test_case);
        }
        suite.set_time(std::time::Duration::from_secs_f64(
            submission.duration_ms.max(0.0) / 1000.0,
        ));
        report.add_test_suite(suite);
    }
    report.to_string().map_err(std::io::Error::other)
}

// --- HTML --------------------------------------------------------------------------------

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn verdict_class(case: &CaseResult) -> &'static str {
    match case.verdict {
        Verdict::Pass => "v-pass",
        Verdict::Wrong => "v-wrong",
        Verdict::Error | Verdict::Crashed => "v-error",
        Verdict::Timeout | Verdict::MemoryLimit | Verdict::OutputLimit => "v-limit",
        Verdict::Missing => "v-missing",
        Verdict::JudgeError => "v-judge",
    }
}

/// A unified diff with its added and removed lines marked.
fn diff_html(diff: &str) -> String {
    diff.lines()
        .map(|line| {
            let class = if line.starts_with("+++") || line.starts_with("---") {
                "d-head"
            } else if line.starts_with('+') {
                "d-add"
            } else if line.starts_with('-') {
                "d-del"
            } else if line.starts_with("@@") {
                "d-hunk"
            } else {
                "d-same"
            };
            format!("<span class=\"{class}\">{}</span>", escape(line))
        })
        .collect::<Vec<_>>()
        .join("\n")
}

const STYLE: &str = r#"
body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em; color: #1d1d1f; }
h1 { font-size: 1.4em; margin: 0 0 .2em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .3em; }
.meta { color: #666; margin-bottom: 1em; }
table#scoreboard { border-collapse: collapse; font-size: 13px; }
#scoreboard th, #scoreboard td { border: 1px solid #ddd; padding: 3px 6px; }
#scoreboard th { background: #f4f4f6; cursor: pointer; position: sticky; top: 0; }
#scoreboard th.case { writing-mode: vertical-rl; transform: rotate(180deg); font-weight: normal; max-height: 12em; }
#scoreboard td.cell { text-align: center; min-width: 1.4em; }
#scoreboard td.path a { color: inherit; }
.v-pass { background: #c8ecc9; } .v-wrong { background: #f7c5c0; } .v-error { background: #f3a59d; }
.v-limit { background: #fbdba7; } .v-missing { background: #d9d9de; } .v-judge { background: #c9c3f3; }
.passed { color: #17792a; font-weight: 600; } .failed { color: #b3261e; font-weight: 600; }
details.case { margin: .4em 0; border-left: 4px solid #e0b0aa; padding-left: .6em; }
details.case > summary { cursor: pointer; }
pre { background: #f7f7f9; padding: .6em; overflow-x: auto; margin: .3em 0; }
pre.diff .d-add { color: #116329; background: #dafbe1; display: inline-block; width: 100%; }
pre.diff .d-del { color: #82071e; background: #ffebe9; display: inline-block; width: 100%; }
pre.diff .d-hunk, pre.diff .d-head { color: #0550ae; }
code.repro { background: #eef; padding: .15em .4em; }
.legend span { padding: 0 .5em; margin-right: .4em; }
"#;

const SCRIPT: &str = r#"
(function () {
  var table = document.getElementById('scoreboard');
  var headers = table.tHead.rows[0].cells;
  for (var i = 0; i < headers.length; i++) {
    (function (column) {
      headers[column].addEventListener('click', function () {
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        var ascending = table.dataset.sorted !== String(column) || table.dataset.order === 'desc';
        rows.sort(function (a, b) {
          var x = a.cells[column].dataset.sort || a.cells[column].textContent;
          var y = b.cells[column].dataset.sort || b.cells[column].textContent;
          var nx = parseFloat(x), ny = parseFloat(y);
          var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
          return ascending ? c : -c;
        });
        rows.forEach(function (row) { body.appendChild(row); });
        table.dataset.sorted = String(column);
        table.dataset.order = ascending ? 'asc' : 'desc';
      });
    })(i);
  }
  // For tests in a real browser: what rendered, written where a DOM dump shows it.
  if (location.hash === '#selftest') {
    var visible = function (el) { return !!el && el.offsetHeight > 0 && el.offsetWidth > 0; };
    var diff = document.querySelector('pre.diff');
    headers[1].click();
    headers[1].click();
    var first = table.tBodies[0].rows[0];
    document.body.setAttribute('data-selftest', JSON.stringify({
      scoreboard_rows: table.tBodies[0].rows.length,
      scoreboard_visible: visible(table),
      cells_coloured: table.querySelectorAll('td.v-pass, td.v-wrong, td.v-error, td.v-limit, td.v-missing, td.v-judge').length,
      first_diff_visible: visible(diff),
      first_diff_text: diff ? diff.textContent.slice(0, 400) : null,
      sorted_first_score: first ? first.cells[1].textContent : null
    }));
  }
})();
"#;

fn html(data: &ReportData<'_>) -> String {
    let ids = case_ids(data.submissions);
    let groups = group_names(data.submissions);
    let passed = data.submissions.iter().filter(|s| s.passed).count();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{task} — livejudge report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{task} — {title}</h1>\n<div class=\"meta\">{n} submission(s): {passed} passed every case, {failed} did not · livejudge {version}</div>",
        task = escape(data.task),
        title = escape(data.task_title),
        n = data.submissions.len(),
        failed = data.submissions.len() - passed,
        version = env!("CARGO_PKG_VERSION"),
    );
    out.push_str("<div class=\"legend\">verdicts: <span class=\"v-pass\">pass</span><span class=\"v-wrong\">wrong</span><span class=\"v-error\">error / crashed</span><span class=\"v-limit\">timeout / limits</span><span class=\"v-missing\">missing</span><span class=\"v-judge\">judge error</span> · click a column to sort</div>\n");
    out.push_str("<table id=\"scoreboard\">\n<thead><tr><th>submission</th><th>score</th>");
    for group in &groups {
        let _ = write!(out, "<th>{}</th>", escape(group));
    }
    for (id, title) in &ids {
        let _ = write!(
            out,
            "<th class=\"case\" title=\"{}\">{}</th>",
            escape(title),
            escape(id)
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (index, submission) in data.submissions.iter().enumerate() {
        let fraction = if submission.score.max_points > 0 {
            f64::from(submission.score.points) / f64::from(submission.score.max_points)
        } else {
            0.0
        };
        let _ = write!(
            out,
            "<tr><td class=\"path\"><a href=\"#s-{index}\">{}</a></td><td class=\"{}\" data-sort=\"{fraction:.6}\">{}/{}</td>",
            escape(&submission.path),
            if submission.passed {
                "passed"
            } else {
                "failed"
            },
            submission.score.points,
            submission.score.max_points
        );
        for group in &submission.score.groups {
            let _ = write!(
                out,
                "<td data-sort=\"{}\">{}/{}</td>",
                group.points, group.points, group.max_points
            );
        }
        for (id, _) in &ids {
            match submission.cases.iter().find(|c| &c.id == id) {
                Some(case) => {
                    let _ = write!(
                        out,
                        "<td class=\"cell {}\" title=\"{}: {}\" data-sort=\"{}\">{}</td>",
                        verdict_class(case),
                        escape(case.verdict.name()),
                        escape(case.message.lines().next().unwrap_or("")),
                        u8::from(case.passed),
                        if case.passed { "✓" } else { "✗" }
                    );
                }
                None => out.push_str("<td class=\"cell\"></td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    for (index, submission) in data.submissions.iter().enumerate() {
        let _ = writeln!(
            out,
            "<section id=\"s-{index}\">\n<h2>{path} <span class=\"{class}\">{points}/{max}</span></h2>\n<div>{passed} passed, {failed} failed · {secs:.2} s · reproduce: <code class=\"repro\">{repro}</code></div>",
            path = escape(&submission.path),
            class = if submission.passed {
                "passed"
            } else {
                "failed"
            },
            points = submission.score.points,
            max = submission.score.max_points,
            passed = submission.passed_cases,
            failed = submission.failed_cases,
            secs = submission.duration_ms / 1000.0,
            repro = escape(&reproduce(data.task, &submission.path)),
        );
        if let Some(problem) = &submission.problem {
            let _ = writeln!(
                out,
                "<p class=\"failed\">could not be loaded: {}</p>",
                escape(&problem.message)
            );
            if let Some(details) = &problem.details {
                let _ = writeln!(out, "<pre>{}</pre>", escape(details));
            }
        }
        for case in submission.cases.iter().filter(|c| !c.passed) {
            let _ = writeln!(
                out,
                "<details class=\"case\" open><summary><span class=\"{}\">&nbsp;{}&nbsp;</span> <b>{}</b> — {}{}</summary>\n<pre class=\"message\">{}</pre>",
                verdict_class(case),
                escape(case.verdict.name()),
                escape(&case.id),
                escape(&case.title),
                if case.hidden { " (hidden)" } else { "" },
                escape(&case.message)
            );
            if let Some(diff) = &case.diff {
                let _ = writeln!(
                    out,
                    "<pre class=\"diff\">{}</pre>",
                    diff_html(&diff.render(false))
                );
            }
            if let Some(details) = &case.details {
                let _ = writeln!(out, "<pre class=\"details\">{}</pre>", escape(details));
            }
            for (name, printed) in [("stdout", &case.stdout), ("stderr", &case.stderr)] {
                if let Some(text) = printed {
                    let _ = writeln!(
                        out,
                        "<div>captured {name}:</div><pre class=\"output\">{}</pre>",
                        escape(text)
                    );
                }
            }
            out.push_str("</details>\n");
        }
        out.push_str("</section>\n");
    }
    let _ = write!(out, "<script>{SCRIPT}</script>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn submission(path: &str, wrong_message: &str) -> SubmissionResult {
        serde_json::from_value(serde_json::json!({
            "path": path, "passed": false, "passed_cases": 1, "failed_cases": 1,
            "score": {"points": 1, "max_points": 2, "groups": [
                {"group": "basic", "points": 1, "max_points": 2, "passed": 1, "total": 2}]},
            "problem": null, "attempts": 1, "duration_ms": 12.5,
            "cases": [
                {"id": "ok", "title": "Fine", "group": "basic", "points": 1, "hidden": false,
                 "passed": true, "verdict": "pass", "message": "", "rule": null,
                 "mismatches": [], "diff": null, "details": null, "stdout": null,
                 "stderr": null, "ran": true, "redacted": false, "duration_ms": 1.0},
                {"id": "bad", "title": "Broken <b>", "group": "basic", "points": 1,
                 "hidden": false, "passed": false, "verdict": "wrong",
                 "message": wrong_message, "rule": null, "mismatches": [],
                 "diff": "--- expected\n+++ actual\n-1\n+2\n", "details": null,
                 "stdout": "<script>alert(1)</script>", "stderr": null, "ran": true,
                 "redacted": false, "duration_ms": 2.0},
                {"id": "judge", "title": "Judge", "group": "basic", "points": 0,
                 "hidden": false, "passed": false, "verdict": "judge-error",
                 "message": "the relay broke", "rule": null, "mismatches": [],
                 "diff": null, "details": null, "stdout": null, "stderr": null,
                 "ran": true, "redacted": false, "duration_ms": 0.0},
            ],
        }))
        .unwrap()
    }

    #[test]
    fn untrusted_text_is_escaped_in_the_html() {
        let subs = [submission(
            "a b/sol'n.py",
            "$.x: expected 1, got \"<img src=x>\"",
        )];
        let data = ReportData {
            task: "t",
            task_title: "T",
            submissions: &subs,
        };
        let page = html(&data);
        assert!(!page.contains("<script>alert(1)"));
        assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(!page.contains("<img src=x>"));
        assert!(page.contains("<span class=\"d-add\">+2</span>"));
        let repro = reproduce("t", "a b/sol'n.py");
        assert_eq!(repro, "livejudge grade t 'a b/sol'\\''n.py' --show-hidden");
        assert!(page.contains(&escape(&repro)));
        assert!(
            !page.contains("http://") && !page.contains("https://"),
            "no network assets"
        );
    }

    #[test]
    fn junit_has_a_suite_per_submission_and_judge_errors_as_errors() {
        let subs = [submission("one.py", "m1"), submission("two.py", "m2")];
        let data = ReportData {
            task: "t",
            task_title: "T",
            submissions: &subs,
        };
        let xml = junit(&data).unwrap();
        assert_eq!(xml.matches("<testsuite ").count(), 2, "{xml}");
        assert_eq!(xml.matches("<testcase ").count(), 6);
        assert_eq!(xml.matches("<failure ").count(), 2, "{xml}");
        assert_eq!(xml.matches("<error ").count(), 2, "{xml}");
        assert!(xml.contains("+2"), "the diff is in the failure");
    }

    #[test]
    fn csv_has_a_row_per_submission_with_points_by_group() {
        let subs = [submission("one, \"quoted\".py", "m")];
        let data = ReportData {
            task: "t",
            task_title: "T",
            submissions: &subs,
        };
        let text = String::from_utf8(csv(&data).unwrap()).unwrap();
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
        assert!(header.contains(&"points:basic".to_owned()));
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "one, \"quoted\".py");
        assert_eq!(&rows[0][header.len() - 2], "bad judge");
    }
}
