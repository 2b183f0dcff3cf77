//! Sandboxed run stage for `python` tasks: start the harness runtime on the submission, feed it
//! case inputs, and turn its event stream into one [`Observation`] per case.
//!
//! All cases run in one process (fast: one interpreter start per submission). A case that
//! hangs, crashes the process or floods the output is charged to that case only: the process
//! is killed and a fresh one runs the remaining cases.

use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

use crate::outcome::{CaseObservation, CaseOutput, Observation};
use crate::run::sites::{Serving, Web};
use crate::sandbox::{Isolation, relay};

pub const RUNTIME_SOURCE: &str = include_str!("runtime.py");
pub const RUNTIME_FILE: &str = "livejudge_runtime.py";
pub const HARNESS_FILE: &str = "harness.py";

mod attempt;
mod load;
mod protocol;

use crate::run::{Interrupted, RunContext, RunStats};
use attempt::Attempt;

/// Runs every case of the task; `sink` receives each observation as soon as it is known.
pub async fn run(
    setup: &RunContext<'_>,
    cancel: &CancellationToken,
    sink: &mut dyn FnMut(CaseObservation),
) -> Result<RunStats, Interrupted> {
    let run_deadline = Instant::now() + setup.task.limits.run_wall_time;
    let mut pending: Vec<usize> = (0..setup.task.cases.len()).collect();
    let mut stats = RunStats::default();
    let sites = match link_sites(setup) {
        Ok(sites) => sites,
        Err(message) => {
            for &index in &pending {
                sink(resolved(
                    index,
                    Observation::JudgeError(message.clone()),
                    Duration::ZERO,
                ));
            }
            return Ok(stats);
        }
    };
    while !pending.is_empty() {
        if Instant::now() >= run_deadline {
            let reason = format!(
                "not run: the run's time limit ({}) was used up by earlier cases",
                crate::util::units::format_duration(setup.task.limits.run_wall_time)
            );
            for &index in &pending {
                sink(resolved(
                    index,
                    Observation::NotRun {
                        reason: reason.clone(),
                    },
                    Duration::ZERO,
                ));
            }
            break;
        }
        stats.attempts += 1;
        let end = Attempt::new(setup, &pending, run_deadline, sites.as_ref())
            .run(cancel, sink)
            .await?;
        if end.resolved == 0 {
            // Defensive: every attempt settles at least one case; never loop forever.
            for &index in &pending {
                sink(resolved(
                    index,
                    Observation::JudgeError("the harness made no progress".into()),
                    Duration::ZERO,
                ));
            }
            break;
        }
        pending.drain(..end.resolved.min(pending.len()));
        if end.stop {
            break;
        }
    }
    Ok(stats)
}

/// The task's websites, served for the whole run (every attempt's box links to them).
pub(super) struct SitesLink {
    pub(super) serving: Serving,
    pub(super) plan: relay::Plan,
    /// Without a box: the host ports standing in for the declared ones.
    pub(super) ports: Option<std::sync::Arc<crate::run::sites::PortMap>>,
}

fn link_sites(setup: &RunContext<'_>) -> Result<Option<SitesLink>, String> {
    let sites = &setup.task.sites;
    if sites.is_empty() {
        return Ok(None);
    }
    let failed = |e: std::io::Error| format!("cannot serve the task's websites: {e}");
    if setup.launcher.isolation() == Isolation::None {
        // No box, so no loopback of its own: the sites get free host ports instead.
        let mut named = Vec::new();
        for case in &setup.task.cases {
            crate::run::sites::ports_named(&case.input, &mut named);
        }
        let (serving, ports) = Web::serve_on_host(sites, &named).map_err(failed)?;
        return Ok(Some(SitesLink {
            serving,
            plan: relay::Plan::default(),
            ports: Some(ports),
        }));
    }
    if !setup.sockets_dir.exists() {
        relay::prepare_sockets_dir(&setup.sockets_dir).map_err(failed)?;
    }
    let (serving, outbound) = Web::serve(sites, &setup.sockets_dir).map_err(failed)?;
    Ok(Some(SitesLink {
        serving,
        plan: relay::Plan {
            sockets_dir: Some(setup.sockets_dir.clone()),
            inbound: Vec::new(),
            outbound,
        },
        ports: None,
    }))
}

pub(super) fn resolved(
    case_index: usize,
    observation: Observation,
    duration: Duration,
) -> CaseObservation {
    CaseObservation {
        case_index,
        observation,
        duration,
        output: CaseOutput::default(),
        sites: None,
    }
}
