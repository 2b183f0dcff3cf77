//! The report of `livejudge watch`: a line per public case, then the first failure in full
//! (its message and diff), so the one thing to fix next is what the candidate sees.

use std::io::Write;

use crate::outcome::CaseResult;
use crate::outcome::{Event, Reporter};
use crate::util::text::{indent, neutralize};

pub struct WatchReporter {
    out: Box<dyn Write>,
    color: bool,
    cases: Vec<CaseResult>,
}

impl WatchReporter {
    pub fn new(out: Box<dyn Write>, color: bool) -> WatchReporter {
        WatchReporter {
            out,
            color,
            cases: Vec::new(),
        }
    }
}

impl Reporter for WatchReporter {
    fn event(&mut self, event: &Event<'_>) {
        let (green, red, bold) = if self.color {
            ("\x1b[32m", "\x1b[31m", "\x1b[1m")
        } else {
            ("", "", "")
        };
        let reset = if self.color { "\x1b[0m" } else { "" };
        match event {
            Event::LoadFailed { problem, .. } => {
                let _ = writeln!(
                    self.out,
                    "{red}{bold}the file could not be loaded:{reset} {}",
                    neutralize(&problem.message)
                );
                if let Some(details) = &problem.details {
                    let _ = writeln!(self.out, "{}", indent(&neutralize(details), "    "));
                }
            }
            Event::CaseFinished { case, .. } => {
                let (mark, colour) = if case.passed {
                    ("✓", green)
                } else {
                    ("✗", red)
                };
                let _ = writeln!(
                    self.out,
                    "{colour}{mark}{reset} {}  {}",
                    case.id, case.title
                );
                self.cases.push((*case).clone());
            }
            Event::SubmissionFinished { result, .. } => {
                let _ = writeln!(
                    self.out,
                    "\n{bold}{}/{} public cases pass{reset}",
                    result.passed_cases,
                    result.cases.len()
                );
                if let Some(first) = self.cases.iter().find(|c| !c.passed && c.ran) {
                    let _ = writeln!(
                        self.out,
                        "\n{red}{bold}first failure: {} — {}{reset}\n{}: {}",
                        first.id,
                        first.title,
                        first.verdict.name(),
                        indent(&neutralize(&first.message), "  ").trim_start()
                    );
                    if let Some(diff) = &first.diff {
                        let _ = writeln!(self.out, "\n{}", diff.render(self.color));
                    }
                    if let Some(details) = &first.details {
                        let _ = writeln!(self.out, "\n{}", indent(&neutralize(details), "  "));
                    }
                }
                self.cases.clear();
                let _ = self.out.flush();
            }
            _ => {}
        }
    }
}
