//! The report for people: one line per case as it finishes, what went wrong under each
//! failure, a score per submission, and `N passed, N failed` on the last line.

use std::io::Write;

use anstyle::{AnsiColor, Style};

use crate::outcome::{CaseResult, SubmissionResult};
use crate::outcome::{Event, Reporter};
use crate::util::text::{indent, neutralize};

pub struct HumanReporter {
    out: Box<dyn Write>,
    color: bool,
    id_width: usize,
    title_width: usize,
    /// Set when the current submission failed to load: its cases get one line each.
    load_failed: bool,
}

struct Palette {
    pass: Style,
    fail: Style,
    verdict: Style,
    rule: Style,
    dim: Style,
    bold: Style,
}

impl Palette {
    fn new(color: bool) -> Palette {
        if !color {
            let plain = Style::new();
            return Palette {
                pass: plain,
                fail: plain,
                verdict: plain,
                rule: plain,
                dim: plain,
                bold: plain,
            };
        }
        let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
        Palette {
            pass: Style::new().fg_color(Some(AnsiColor::Green.into())),
            fail: red,
            verdict: red.bold(),
            rule: Style::new().fg_color(Some(AnsiColor::Yellow.into())),
            dim: Style::new().dimmed(),
            bold: Style::new().bold(),
        }
    }
}

fn format_ms(ms: f64) -> String {
    if ms < 1000.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{:.2} s", ms / 1000.0)
    }
}

impl HumanReporter {
    pub fn new(out: Box<dyn Write>, color: bool) -> HumanReporter {
        HumanReporter {
            out,
            color,
            id_width: 0,
            title_width: 0,
            load_failed: false,
        }
    }

    fn case_line(&mut self, case: &CaseResult) {
        let p = Palette::new(self.color);
        let (mark, style) = if case.passed {
            ("✓", p.pass)
        } else {
            ("✗", p.fail)
        };
        let title = crate::util::text::truncate_chars(&case.title, self.title_width);
        let hidden = if case.hidden { " (hidden)" } else { "" };
        let time = if case.ran {
            format_ms(case.duration_ms)
        } else {
            "not run".to_owned()
        };
        let _ = writeln!(
            self.out,
            "  {style}{mark}{style:#} {:id_w$}  {:title_w$}  {dim}{time}{hidden}{dim:#}",
            case.id,
            title,
            id_w = self.id_width,
            title_w = self.title_width,
            dim = p.dim,
        );
        if case.passed || (self.load_failed && !case.ran) {
            return;
        }
        let pad = "      ";
        let mut lines = case.message.lines();
        let first = lines.next().unwrap_or("");
        let _ = writeln!(
            self.out,
            "{pad}{}{}{:#}: {}",
            p.verdict,
            case.verdict.name(),
            p.verdict,
            neutralize(first)
        );
        for line in lines {
            let line = neutralize(line);
            if line.starts_with("rule: ") {
                let _ = writeln!(self.out, "{pad}{}{line}{:#}", p.rule, p.rule);
            } else {
                let _ = writeln!(self.out, "{pad}{line}");
            }
        }
        if let Some(details) = &case.details {
            let _ = writeln!(self.out, "{}", indent(&neutralize(details), "        "));
        }
        for (name, printed) in [("stdout", &case.stdout), ("stderr", &case.stderr)] {
            if let Some(text) = printed {
                let _ = writeln!(self.out, "{pad}{}captured {name}:{:#}", p.dim, p.dim);
                let _ = writeln!(self.out, "{}", indent(&output_preview(text), "        "));
            }
        }
        if let Some(diff) = &case.diff {
            let _ = writeln!(self.out, "{}", indent(&diff.render(self.color), pad));
        }
    }

    /// One row per submission: its score, its points by group and the cases it failed.
    fn summary_table(&mut self, report: &crate::outcome::GradeReport) {
        const FAILED_SHOWN: usize = 6;
        let p = Palette::new(self.color);
        // Paths relative to the folder they share: what tells submissions apart.
        let common = common_folder(report.submissions.iter().map(|s| s.path.as_str()));
        let paths: Vec<String> = report
            .submissions
            .iter()
            .map(|s| {
                let path = s.path.strip_prefix(common.as_str()).unwrap_or(&s.path);
                crate::util::text::truncate_chars(&neutralize(path), 60)
            })
            .collect();
        if !common.is_empty() {
            let _ = writeln!(self.out, "{}in {}{:#}", p.dim, neutralize(&common), p.dim);
        }
        let width = paths
            .iter()
            .map(|p| p.chars().count())
            .max()
            .unwrap_or(0)
            .max(10);
        let groups: Vec<&str> = report
            .submissions
            .first()
            .map(|s| s.score.groups.iter().map(|g| g.group.as_str()).collect())
            .unwrap_or_default();
        let _ = writeln!(
            self.out,
            "{}{:width$}  {:>7}  {}  failed cases{:#}",
            p.bold,
            "submission",
            "score",
            groups
                .iter()
                .map(|g| format!("{g:>9}"))
                .collect::<Vec<_>>()
                .join(" "),
            p.bold,
        );
        for (submission, path) in report.submissions.iter().zip(paths) {
            let score = format!(
                "{}/{}",
                submission.score.points, submission.score.max_points
            );
            let by_group = submission
                .score
                .groups
                .iter()
                .map(|g| format!("{:>9}", format!("{}/{}", g.points, g.max_points)))
                .collect::<Vec<_>>()
                .join(" ");
            let failed = submission.failed_ids();
            let failed_text = match failed.len() {
                0 => "-".to_owned(),
                n if n > FAILED_SHOWN => format!(
                    "{} and {} more",
                    failed[..FAILED_SHOWN].join(", "),
                    n - FAILED_SHOWN
                ),
                _ => failed.join(", "),
            };
            let style = if submission.passed { p.pass } else { p.fail };
            let _ = writeln!(
                self.out,
                "{path:width$}  {style}{score:>7}{style:#}  {by_group}  {failed_text}"
            );
        }
        let _ = writeln!(self.out);
    }

    fn submission_summary(&mut self, result: &SubmissionResult) {
        let p = Palette::new(self.color);
        let groups: Vec<String> = result
            .score
            .groups
            .iter()
            .map(|g| format!("{} {}/{}", g.group, g.points, g.max_points))
            .collect();
        let _ = writeln!(
            self.out,
            "  {}score {}/{}{:#} ({}) · {} passed, {} failed · {}",
            p.bold,
            result.score.points,
            result.score.max_points,
            p.bold,
            groups.join(", "),
            result.passed_cases,
            result.failed_cases,
            format_ms(result.duration_ms)
        );
    }
}

/// The longest folder prefix (ending in `/`) all `paths` share; empty when none.
fn common_folder<'a>(mut paths: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = paths.next() else {
        return String::new();
    };
    let mut common = first.rfind('/').map_or("", |i| &first[..=i]);
    for path in paths {
        while !path.starts_with(common) {
            common = common[..common.len() - 1]
                .rfind('/')
                .map_or("", |i| &common[..=i]);
        }
    }
    common.to_owned()
}

/// The end of what a case printed, as a reader wants it under a failure: the last lines,
/// each cut to a screen's width (the JSON report keeps more).
fn output_preview(text: &str) -> String {
    const LINES: usize = 20;
    const WIDTH: usize = 200;
    let tail = crate::util::text::tail_lines(text, LINES, usize::MAX);
    tail.lines()
        .map(|line| crate::util::text::truncate_chars(&neutralize(line), WIDTH))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Reporter for HumanReporter {
    fn event(&mut self, event: &Event<'_>) {
        let p = Palette::new(self.color);
        match event {
            Event::Started { task, report, .. } => {
                self.id_width = task
                    .cases
                    .iter()
                    .map(|c| c.id.chars().count())
                    .max()
                    .unwrap_or(0);
                self.title_width = task
                    .cases
                    .iter()
                    .map(|c| c.title.chars().count())
                    .max()
                    .unwrap_or(0)
                    .min(56);
                let _ = writeln!(
                    self.out,
                    "{}{}{:#} — {}",
                    p.bold, task.id, p.bold, task.title
                );
                let _ = writeln!(
                    self.out,
                    "{}Python {} · isolation: {}{:#}",
                    p.dim,
                    report.python.version,
                    report.isolation.name(),
                    p.dim
                );
                if !report.isolation_missing.is_empty() {
                    // Each entry is "what: why (fix: ...)"; the header names only what.
                    let missing: Vec<&str> = report
                        .isolation_missing
                        .iter()
                        .map(|m| m.split(':').next().unwrap_or(m))
                        .collect();
                    let _ = writeln!(
                        self.out,
                        "{}missing for strict isolation: {} (see `livejudge doctor`){:#}",
                        p.dim,
                        missing.join(", "),
                        p.dim
                    );
                }
            }
            Event::SubmissionStarted { path, .. } => {
                self.load_failed = false;
                let _ = writeln!(self.out, "\n{}{}{:#}", p.bold, neutralize(path), p.bold);
            }
            Event::LoadFailed { problem, .. } => {
                self.load_failed = true;
                let _ = writeln!(
                    self.out,
                    "  {}✗ the submission could not be loaded{:#}",
                    p.verdict, p.verdict
                );
                let _ = writeln!(self.out, "      {}", neutralize(&problem.message));
                if let Some(details) = &problem.details {
                    let _ = writeln!(self.out, "{}", indent(&neutralize(details), "        "));
                }
            }
            Event::SubmissionResumed { result, .. } => {
                let _ = writeln!(
                    self.out,
                    "\n{}{}{:#} {}(already graded: in the results file){:#}",
                    p.bold,
                    neutralize(&result.path),
                    p.bold,
                    p.dim,
                    p.dim
                );
                self.submission_summary(result);
            }
            Event::CaseFinished { case, .. } => self.case_line(case),
            Event::SubmissionFinished { result, .. } => self.submission_summary(result),
            Event::Finished { report } => {
                let _ = writeln!(self.out);
                let total = report.submissions.len();
                if total > 1 {
                    self.summary_table(report);
                }
                if report.interrupted {
                    let _ = writeln!(
                        self.out,
                        "{}interrupted{:#}: {total} submission(s) finished before the interruption",
                        p.verdict, p.verdict
                    );
                } else if total > 1 {
                    let _ = writeln!(
                        self.out,
                        "{total} submissions: {} passed every case, {} did not",
                        report.passed_submissions,
                        total - report.passed_submissions
                    );
                }
                let _ = writeln!(
                    self.out,
                    "{} passed, {} failed",
                    report.passed_cases, report.failed_cases
                );
                let _ = self.out.flush();
            }
        }
    }
}
