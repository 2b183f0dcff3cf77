//! Verdict stage: an observation judged against the case's expectation, and the per-submission
//! score. This is also the shape of the JSON report (docs/report.schema.json).

pub mod sites;
pub mod solutions;

use crate::compare::{self, JsonPath, Mismatch, Segment};
use crate::outcome::{
    CaseObservation, CaseOutput, CaseResult, LoadProblem, LoadProblemKind, Observation, TimeScope,
    Verdict,
};
use crate::task::{Case, Limits};
use crate::util::text::truncate_chars;
use crate::util::units::{format_duration, format_size};

/// The transcripts (request as curl, response as `curl -i` prints it) of the steps that
/// have a mismatch, in step order: enough to reproduce the failure by hand.
fn failing_transcripts(
    mismatches: &[Mismatch],
    transcripts: &std::collections::BTreeMap<usize, String>,
) -> Option<String> {
    let steps: std::collections::BTreeSet<usize> = mismatches.iter().filter_map(step_of).collect();
    let shown: Vec<String> = steps
        .iter()
        .filter_map(|step| {
            let text = transcripts.get(step)?;
            Some(format!("step {step}:\n{text}"))
        })
        .collect();
    (!shown.is_empty()).then(|| shown.join("\n\n"))
}

/// The step a mismatch of a scenario's observation (`$.steps[N]...`) is about.
fn step_of(mismatch: &Mismatch) -> Option<usize> {
    match mismatch.path.segments() {
        [Segment::Key(steps), Segment::Index(step), ..] if steps == "steps" => Some(*step),
        _ => None,
    }
}

/// Within each step, a request that got no answer first, then a response's status, its
/// headers, and the rest: a wrong status usually explains what follows it.
fn order_by_step(mismatches: &mut [Mismatch]) {
    let rank = |mismatch: &Mismatch| {
        let part = match mismatch.path.segments() {
            // No answer at all: nothing else about the step matters as much.
            [_, _, Segment::Key(part)] if part == "error" => 0,
            [_, _, Segment::Key(part)] if part == "status" => 1,
            [_, _, Segment::Key(part), ..] if part == "headers" => 2,
            _ => 3,
        };
        (step_of(mismatch).unwrap_or(usize::MAX), part)
    };
    mismatches.sort_by_key(rank);
}

/// Judges one observation. Hidden cases keep their verdict, title and rule but lose their
/// data (mismatches, diff, tracebacks, output) unless `show_hidden`.
pub fn judge(
    case: &Case,
    observed: &CaseObservation,
    limits: &Limits,
    show_hidden: bool,
) -> CaseResult {
    let observation = &observed.observation;
    let CaseOutput {
        mut stdout,
        mut stderr,
    } = observed.output.clone();
    let mut mismatches = Vec::new();
    let mut diff = None;
    let mut details = None;
    let mut ran = true;
    let (verdict, summary) = match observation {
        Observation::Value(value) => {
            let comparison = compare::compare(&case.expect, value);
            // What the fixture websites saw comes first: it is what the case is about.
            let site_mismatches = match &observed.sites {
                _ if case.site_checks.is_empty() => Vec::new(),
                Some(sites) => sites::check(&case.site_checks, sites),
                None => vec![Mismatch {
                    path: JsonPath::sites(),
                    message: "the judge has no observation of the websites for this case".into(),
                }],
            };
            if comparison.passed() && site_mismatches.is_empty() {
                (Verdict::Pass, String::new())
            } else {
                mismatches = site_mismatches;
                mismatches.extend(comparison.mismatches);
                diff = comparison.diff;
                (Verdict::Wrong, mismatch_summary(&mismatches))
            }
        }
        Observation::Scenario(scenario) => {
            // Captured values fill `{{name}}` in the expectation; transcripts show the
            // requests of failing steps. Neither is compared.
            let expect = if scenario.captured.is_empty() {
                std::borrow::Cow::Borrowed(&case.expect)
            } else {
                std::borrow::Cow::Owned(case.expect.with_captures(&scenario.captured))
            };
            let comparison = compare::compare(&expect, &scenario.compared());
            if comparison.passed() {
                (Verdict::Pass, String::new())
            } else {
                mismatches = comparison.mismatches;
                order_by_step(&mut mismatches);
                details = failing_transcripts(&mismatches, &scenario.transcripts);
                diff = comparison.diff;
                (Verdict::Wrong, mismatch_summary(&mismatches))
            }
        }
        Observation::Raised(raised) => {
            details = Some(raised.traceback.clone()).filter(|t| !t.is_empty());
            if raised.type_name == "MemoryError" {
                (
                    Verdict::MemoryLimit,
                    format!(
                        "ran out of memory (MemoryError; the limit is {})",
                        format_size(limits.memory)
                    ),
                )
            } else if let Some(what) = disk_limit_errno(&raised.message) {
                (
                    Verdict::OutputLimit,
                    format!(
                        "{what}: the run directory, /tmp and /dev/shm hold at most {} each, and no file may be larger (raised {})",
                        format_size(limits.disk),
                        raised.type_name
                    ),
                )
            } else {
                let message = truncate_chars(raised.message.lines().next().unwrap_or(""), 300);
                (
                    Verdict::Error,
                    if message.is_empty() {
                        format!("raised {}", raised.type_name)
                    } else {
                        format!("raised {}: {message}", raised.type_name)
                    },
                )
            }
        }
        Observation::TimedOut {
            limit,
            scope,
            stderr_tail,
        } => {
            details = Some(stderr_tail.clone()).filter(|t| !t.is_empty());
            let summary = match scope {
                TimeScope::Case => format!(
                    "did not finish within {} (the case's time limit)",
                    format_duration(*limit)
                ),
                TimeScope::Run => format!(
                    "the run's time limit ({}) ran out during this case",
                    format_duration(*limit)
                ),
                TimeScope::Cpu => format!(
                    "used up the CPU time limit ({}) during this case",
                    format_duration(*limit)
                ),
            };
            (Verdict::Timeout, summary)
        }
        Observation::Crashed {
            reason,
            stderr_tail,
        } => {
            details = Some(stderr_tail.clone()).filter(|t| !t.is_empty());
            (Verdict::Crashed, reason.clone())
        }
        Observation::OutputLimit { limit } => (
            Verdict::OutputLimit,
            format!(
                "printed more than {} in this case (stdout and stderr together)",
                format_size(*limit)
            ),
        ),
        Observation::MemoryLimit { limit } => (
            Verdict::MemoryLimit,
            format!(
                "used more than the memory limit ({}); the process was killed",
                format_size(*limit)
            ),
        ),
        Observation::ResultTooLarge { limit } => (
            Verdict::OutputLimit,
            format!(
                "the case's result is larger than {} (the most an observation may be)",
                format_size(*limit)
            ),
        ),
        Observation::NotLoaded(problem) => {
            ran = false;
            (
                load_verdict(problem),
                format!("not run: {}", problem.message),
            )
        }
        Observation::NotRun { reason } => {
            ran = false;
            (Verdict::Timeout, reason.clone())
        }
        Observation::JudgeError(message) => (Verdict::JudgeError, message.clone()),
    };

    let passed = verdict == Verdict::Pass;
    let redact = case.hidden && !show_hidden && !passed;
    let mut redacted = false;
    let summary = if redact && matches!(verdict, Verdict::Wrong | Verdict::Error) {
        redacted = true;
        mismatches.clear();
        diff = None;
        match (verdict, observation) {
            (Verdict::Error, Observation::Raised(raised)) => {
                format!(
                    "raised {} (hidden case: details not shown)",
                    raised.type_name
                )
            }
            _ => "wrong result (hidden case: details not shown)".to_owned(),
        }
    } else {
        summary
    };
    if redact && (details.is_some() || stdout.is_some() || stderr.is_some()) {
        redacted = true;
        details = None;
        stdout = None;
        stderr = None;
    }
    let message = match (&case.rule, passed) {
        (Some(rule), false) => format!("{summary}\nrule: {rule}"),
        _ => summary,
    };
    CaseResult {
        id: case.id.clone(),
        title: case.title.clone(),
        group: case.group.clone(),
        points: case.points,
        hidden: case.hidden,
        passed,
        verdict,
        message,
        rule: case.rule.clone(),
        mismatches,
        diff,
        details,
        stdout,
        stderr,
        ran,
        redacted,
        duration_ms: (observed.duration.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
    }
}

/// Mismatch lines, at most this many in the message (all of them are in `mismatches`).
const MESSAGE_MISMATCHES: usize = 20;

/// Python's text for the errors a full filesystem or the file size limit raise.
fn disk_limit_errno(message: &str) -> Option<&'static str> {
    if message.starts_with("[Errno 28]") {
        Some("ran out of disk space")
    } else if message.starts_with("[Errno 27]") {
        Some("wrote a file larger than the disk limit")
    } else {
        None
    }
}

fn mismatch_summary(mismatches: &[Mismatch]) -> String {
    let mut lines: Vec<String> = mismatches
        .iter()
        .take(MESSAGE_MISMATCHES)
        .map(|m| m.to_string())
        .collect();
    if mismatches.len() > MESSAGE_MISMATCHES {
        lines.push(format!(
            "… and {} more mismatches (see the diff)",
            mismatches.len() - MESSAGE_MISMATCHES
        ));
    }
    lines.join("\n")
}

pub fn load_verdict(problem: &LoadProblem) -> Verdict {
    match problem.kind {
        LoadProblemKind::MissingEntry | LoadProblemKind::MissingName => Verdict::Missing,
        LoadProblemKind::SyntaxError | LoadProblemKind::ImportError => Verdict::Error,
        LoadProblemKind::ExitAtImport
        | LoadProblemKind::CrashedAtImport
        | LoadProblemKind::ServerExited => Verdict::Crashed,
        LoadProblemKind::TimeoutAtImport | LoadProblemKind::ServerNotReady => Verdict::Timeout,
        LoadProblemKind::OutputLimitAtImport => Verdict::OutputLimit,
        LoadProblemKind::MemoryAtImport => Verdict::MemoryLimit,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Pattern;
    use crate::outcome::RaisedException;

    fn observed(observation: Observation) -> CaseObservation {
        CaseObservation {
            case_index: 0,
            observation,
            duration: Duration::from_millis(3),
            output: CaseOutput {
                stdout: Some("debug print of secret-input-42".into()),
                stderr: None,
            },
            sites: None,
        }
    }
    use serde_json::json;
    use std::time::Duration;

    fn case(hidden: bool) -> Case {
        Case {
            id: "c".into(),
            title: "t".into(),
            group: "basic".into(),
            points: 2,
            hidden,
            rule: Some("hits are counted".into()),
            wall_time: Duration::from_secs(1),
            input: json!({}),
            expect: Pattern::parse(&json!({"hits": 3, "log": ["a", "b", "c", "d"]})).unwrap(),
            steps: Vec::new(),
            server_start: crate::task::ServerStart::Shared,
            site_checks: Vec::new(),
        }
    }

    #[test]
    fn wrong_lists_every_mismatch_then_the_rule() {
        let r = judge(
            &case(false),
            &observed(Observation::Value(
                json!({"hits": 4, "log": ["a", "x", "c", "d"]}),
            )),
            &Limits::default(),
            false,
        );
        assert_eq!(r.verdict, Verdict::Wrong);
        assert_eq!(
            r.message,
            "$.hits: expected 3, got 4\n$.log[1]: expected \"b\", got \"x\"\nrule: hits are counted"
        );
        assert!(r.diff.is_some());
    }

    #[test]
    fn hidden_cases_keep_verdict_and_rule_but_not_data() {
        let wrong = Observation::Value(json!({"hits": 4, "log": []}));
        let r = judge(
            &case(true),
            &observed(wrong.clone()),
            &Limits::default(),
            false,
        );
        assert_eq!(r.verdict, Verdict::Wrong);
        assert!(r.redacted);
        assert!(r.mismatches.is_empty() && r.diff.is_none());
        assert!(!r.message.contains("expected 3"));
        assert!(r.message.contains("rule: hits are counted"));
        let shown = judge(
            &case(true),
            &observed(wrong.clone()),
            &Limits::default(),
            true,
        );
        assert!(!shown.redacted && shown.message.contains("$.hits: expected 3, got 4"));
        assert!(r.stdout.is_none(), "a hidden case's prints are withheld");
        assert_eq!(
            shown.stdout.as_deref(),
            Some("debug print of secret-input-42")
        );

        let raised = Observation::Raised(RaisedException {
            type_name: "KeyError".into(),
            message: "secret-input-42".into(),
            traceback: "Traceback ... secret-input-42".into(),
        });
        let r = judge(
            &case(true),
            &observed(raised.clone()),
            &Limits::default(),
            false,
        );
        assert_eq!(r.verdict, Verdict::Error);
        assert!(!r.message.contains("secret") && r.details.is_none());
    }

    #[test]
    fn memory_errors_are_their_own_verdict() {
        let raised = Observation::Raised(RaisedException {
            type_name: "MemoryError".into(),
            message: String::new(),
            traceback: String::new(),
        });
        let r = judge(
            &case(false),
            &observed(raised.clone()),
            &Limits::default(),
            false,
        );
        assert_eq!(r.verdict, Verdict::MemoryLimit);
        assert!(r.message.contains("512.0 MiB"));
    }

    #[test]
    fn score_sums_points_by_group() {
        let mut a = judge(
            &case(false),
            &observed(Observation::Value(
                json!({"hits": 3, "log": ["a", "b", "c", "d"]}),
            )),
            &Limits::default(),
            false,
        );
        let mut b = a.clone();
        b.passed = false;
        b.group = "advanced".into();
        a.points = 3;
        let s = crate::outcome::score(&["basic".into(), "advanced".into()], &[a, b]);
        assert_eq!((s.points, s.max_points), (3, 5));
        assert_eq!(s.groups[1].passed, 0);
    }
}
#[cfg(test)]
mod solutions_tests;
