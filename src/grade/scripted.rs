//! A scripted [`Runner`] for tests: no Python and no sandbox. Each submission (by the file
//! name it was submitted under) gets a script of what its run observes, case by case, with
//! pauses between cases so tests can make runs interleave, or a wait for cancellation so they
//! can interrupt one. It records every run it is asked for.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::future::LocalBoxFuture;
use tokio_util::sync::CancellationToken;

use crate::outcome::{CaseObservation, Observation};
use crate::run::{Interrupted, RunContext, RunStats, Runner};

enum Step {
    Case {
        index: usize,
        observation: Observation,
        duration: Duration,
    },
    Sleep(Duration),
    /// Every case of the task gets this observation (a load failure, as the real runner
    /// reports one).
    EveryCase(Observation),
    HangUntilCancelled,
}

/// What one submission's run observes, in order.
pub(crate) struct Script {
    steps: Vec<Step>,
    attempts: u32,
}

impl Script {
    pub(crate) fn new() -> Script {
        Script {
            steps: Vec::new(),
            attempts: 1,
        }
    }

    /// Case `index` observes `observation` (and took 2 ms).
    pub(crate) fn case(mut self, index: usize, observation: Observation) -> Script {
        self.steps.push(Step::Case {
            index,
            observation,
            duration: Duration::from_millis(2),
        });
        self
    }

    /// Case `index` observes the value `value`.
    pub(crate) fn value(self, index: usize, value: serde_json::Value) -> Script {
        self.case(index, Observation::Value(value))
    }

    /// Every case of the task observes `observation`.
    pub(crate) fn every_case(mut self, observation: Observation) -> Script {
        self.steps.push(Step::EveryCase(observation));
        self
    }

    /// Waits `ms` milliseconds (interrupted by cancellation) before the next step.
    pub(crate) fn sleep_ms(mut self, ms: u64) -> Script {
        self.steps.push(Step::Sleep(Duration::from_millis(ms)));
        self
    }

    /// Waits until the run is cancelled, then reports the interruption.
    pub(crate) fn hang(mut self) -> Script {
        self.steps.push(Step::HangUntilCancelled);
        self
    }

    /// The processes the run reports it started.
    pub(crate) fn attempts(mut self, attempts: u32) -> Script {
        self.attempts = attempts;
        self
    }
}

/// What the runner saw of one run it was asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The name the submission is shown under (its file name).
    pub entry_display: String,
    /// The content of the task's entry file in the run directory, as the grader prepared it.
    pub entry_content: Option<String>,
}

/// A sink call, as it happened: which submission, which case, in the order of all runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Sunk {
    pub entry_display: String,
    pub case_index: usize,
}

#[derive(Default)]
pub(crate) struct Scripted {
    scripts: HashMap<String, Script>,
    calls: Mutex<Vec<Call>>,
    sunk: Mutex<Vec<Sunk>>,
}

impl Scripted {
    pub(crate) fn new() -> Scripted {
        Scripted::default()
    }

    /// The script of the submission submitted as the file `name` (`a.py`).
    pub(crate) fn script(mut self, name: &str, script: Script) -> Scripted {
        self.scripts.insert(name.to_owned(), script);
        self
    }

    pub(crate) fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }

    /// The names of the submissions run, in the order the runs started.
    pub(crate) fn called(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.entry_display).collect()
    }

    /// Every observation handed to a sink, in the order of all runs together.
    pub(crate) fn sunk(&self) -> Vec<Sunk> {
        self.sunk.lock().unwrap().clone()
    }

    async fn play(
        &self,
        context: &RunContext<'_>,
        cancel: &CancellationToken,
        sink: &mut dyn FnMut(CaseObservation),
    ) -> Result<RunStats, Interrupted> {
        let name = context.entry_display.clone();
        self.calls.lock().unwrap().push(Call {
            entry_display: name.clone(),
            entry_content: std::fs::read_to_string(context.dirs.run.join(&context.task.entry)).ok(),
        });
        let script = self
            .scripts
            .get(&name)
            .unwrap_or_else(|| panic!("no script for the submission {name}"));
        let mut emit = |index: usize, observation: Observation, duration: Duration| {
            self.sunk.lock().unwrap().push(Sunk {
                entry_display: name.clone(),
                case_index: index,
            });
            sink(CaseObservation {
                case_index: index,
                observation,
                duration,
                output: Default::default(),
                sites: None,
            });
        };
        for step in &script.steps {
            match step {
                Step::Case {
                    index,
                    observation,
                    duration,
                } => emit(*index, observation.clone(), *duration),
                Step::EveryCase(observation) => {
                    for index in 0..context.task.cases.len() {
                        emit(index, observation.clone(), Duration::ZERO);
                    }
                }
                Step::Sleep(pause) => {
                    tokio::select! {
                        _ = tokio::time::sleep(*pause) => {}
                        _ = cancel.cancelled() => return Err(Interrupted),
                    }
                }
                Step::HangUntilCancelled => {
                    cancel.cancelled().await;
                    return Err(Interrupted);
                }
            }
        }
        Ok(RunStats {
            attempts: script.attempts,
            server_ready: Vec::new(),
        })
    }
}

impl Runner for Scripted {
    fn run<'a>(
        &'a self,
        context: &'a RunContext<'a>,
        cancel: &'a CancellationToken,
        sink: &'a mut dyn FnMut(CaseObservation),
    ) -> LocalBoxFuture<'a, Result<RunStats, Interrupted>> {
        Box::pin(self.play(context, cancel, sink))
    }
}
