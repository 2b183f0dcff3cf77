//! Observations: what the judge saw of one case, before any comparison. Everything in here
//! that came from the sandbox is untrusted text.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::task::sites::Observable;

/// An exception raised by the submission (or escaping it), as the runtime described it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RaisedException {
    #[serde(rename = "type")]
    pub type_name: String,
    pub message: String,
    pub traceback: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeScope {
    /// The case's wall-time limit.
    Case,
    /// The whole run's wall-time limit.
    Run,
    /// The CPU-time limit (SIGXCPU).
    Cpu,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LoadProblemKind {
    /// The entry file is not in the submission.
    MissingEntry,
    /// The module does not define a required name.
    MissingName,
    SyntaxError,
    /// An exception while importing.
    ImportError,
    /// `exit()` while importing.
    ExitAtImport,
    /// The process died while importing.
    CrashedAtImport,
    TimeoutAtImport,
    OutputLimitAtImport,
    MemoryAtImport,
    /// A server-kind submission exited before it was ready.
    ServerExited,
    /// A server-kind submission did not get ready in time.
    ServerNotReady,
}

/// Why the submission could not be loaded; every case shares it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoadProblem {
    pub kind: LoadProblemKind,
    /// One line: `solution.py:3:9: SyntaxError: expected ':'`.
    pub message: String,
    /// The caret display, a traceback or the tail of stderr.
    pub details: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Observation {
    /// The harness's observation of the case.
    Value(Value),
    /// What a server case's steps observed.
    Scenario(ScenarioObservation),
    Raised(RaisedException),
    TimedOut {
        limit: Duration,
        scope: TimeScope,
        stderr_tail: String,
    },
    /// The process died (or corrupted the harness channel) during the case.
    Crashed {
        reason: String,
        stderr_tail: String,
    },
    OutputLimit {
        limit: u64,
    },
    /// The kernel killed the process for exceeding the memory limit.
    MemoryLimit {
        limit: u64,
    },
    /// The case's result (its observation) was larger than the channel accepts.
    ResultTooLarge {
        limit: u64,
    },
    NotLoaded(LoadProblem),
    /// Not started because the run's time ran out first.
    NotRun {
        reason: String,
    },
    /// Livejudge's own fault; never blamed on the candidate.
    JudgeError(String),
}

/// What a case printed through `sys.stdout` / `sys.stderr` (the first and last few KiB), as
/// the runtime attributed it. Untrusted text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CaseOutput {
    pub stdout: Option<String>,
    pub stderr: Option<String>,
}

/// One case's observation with the time it took.
#[derive(Debug, Clone)]
pub struct CaseObservation {
    pub case_index: usize,
    pub observation: Observation,
    pub duration: Duration,
    pub output: CaseOutput,
    /// What the task's fixture websites saw during the case, when the case asserts on it.
    pub sites: Option<Observed>,
}

/// What the judge observed of a client during one case, from the sites' side.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Observed {
    pub requests: usize,
    /// The most requests in flight at once.
    pub peak_in_flight: usize,
    /// From the first arrival to the last finish.
    pub span_ms: u64,
    pub urls: BTreeMap<String, UrlObserved>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UrlObserved {
    pub attempts: usize,
    /// Requests (for any URL) that arrived while one for this URL was in flight.
    pub started_during: usize,
    /// The longest wait from one attempt's finish to the next attempt's arrival.
    pub retry_wait_ms: u64,
}

impl Observed {
    pub fn value(&self, observable: &Observable) -> Value {
        let url = |url: &str| self.urls.get(url).cloned().unwrap_or_default();
        match observable {
            Observable::PeakInFlight => self.peak_in_flight.into(),
            Observable::Overlapped => (self.peak_in_flight > 1).into(),
            Observable::Requests => self.requests.into(),
            Observable::SpanMs => self.span_ms.into(),
            Observable::Attempts(u) => url(u).attempts.into(),
            Observable::StartedDuring(u) => url(u).started_during.into(),
            Observable::RetryWaitMs(u) => url(u).retry_wait_ms.into(),
        }
    }
}

/// What a server case's steps observed, from outside the box.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ScenarioObservation {
    /// One value per step (`null` for a step that expects nothing), compared with what the
    /// steps expect.
    pub steps: Vec<Value>,
    /// Values the steps captured: later expectations refer to them as `{{name}}`.
    pub captured: serde_json::Map<String, Value>,
    /// What each request step (by index) sent and got back, shown when that step fails.
    pub transcripts: BTreeMap<usize, String>,
}

impl ScenarioObservation {
    /// What is compared with the case's expectation: `{"steps": [...]}`.
    pub fn compared(&self) -> Value {
        serde_json::json!({ "steps": self.steps })
    }
}
