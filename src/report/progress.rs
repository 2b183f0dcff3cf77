//! Progress of a batch on stderr: a bar with counts and an ETA on a terminal, one plain line
//! per finished submission otherwise.

use std::io::Write;

use crate::outcome::{Event, Reporter};

pub struct ProgressReporter {
    bar: Option<indicatif::ProgressBar>,
    /// Where the plain lines go when there is no bar.
    lines: Box<dyn Write>,
    total: usize,
    done: usize,
    failed: usize,
    started: std::time::Instant,
}

impl ProgressReporter {
    /// `terminal`: draw a bar (stderr is a terminal).
    pub fn new(terminal: bool) -> ProgressReporter {
        let mut reporter = ProgressReporter::plain(Box::new(std::io::stderr()));
        reporter.bar = terminal.then(indicatif::ProgressBar::hidden);
        reporter
    }

    /// One plain line per finished submission, written to `lines`.
    pub fn plain(lines: Box<dyn Write>) -> ProgressReporter {
        ProgressReporter {
            bar: None,
            lines,
            total: 0,
            done: 0,
            failed: 0,
            started: std::time::Instant::now(),
        }
    }

    fn count(&mut self, passed: bool, path: &str, score: (u32, u32), resumed: bool) {
        self.done += 1;
        self.failed += usize::from(!passed);
        let message = format!("{} failed", self.failed);
        match &self.bar {
            Some(bar) => {
                bar.set_message(message);
                bar.inc(1);
            }
            None => {
                let elapsed = self.started.elapsed().as_secs_f64();
                let eta = if self.done > 0 && !resumed {
                    let left = (self.total - self.done) as f64 * elapsed / self.done as f64;
                    format!(
                        " · ETA {}",
                        humantime::format_duration(std::time::Duration::from_secs(
                            left.round() as u64
                        ))
                    )
                } else {
                    String::new()
                };
                let _ = writeln!(
                    self.lines,
                    "[{}/{}] {}{}: {}/{} points · {message}{eta}",
                    self.done,
                    self.total,
                    crate::util::text::neutralize(path),
                    if resumed { " (already graded)" } else { "" },
                    score.0,
                    score.1,
                );
            }
        }
    }
}

impl Reporter for ProgressReporter {
    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Started { submissions, .. } => {
                self.total = submissions.len();
                self.started = std::time::Instant::now();
                if let Some(bar) = &self.bar {
                    bar.set_length(self.total as u64);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template(
                            "{bar:30.cyan/blue} {pos}/{len} submissions · {msg} · {elapsed} · ETA {eta}",
                        )
                        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                    );
                    bar.set_message("0 failed");
                    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
                }
            }
            Event::SubmissionResumed { result, .. } => self.count(
                result.passed,
                &result.path,
                (result.score.points, result.score.max_points),
                true,
            ),
            Event::SubmissionFinished { result, .. } => self.count(
                result.passed,
                &result.path,
                (result.score.points, result.score.max_points),
                false,
            ),
            Event::Finished { .. } => {
                if let Some(bar) = &self.bar {
                    bar.finish_and_clear();
                }
            }
            _ => {}
        }
    }
}
