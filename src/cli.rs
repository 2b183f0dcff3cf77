//! The command line (a fixed surface: see README.md).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

use crate::sandbox::Policy;

const ENVIRONMENT_VARIABLES: &str = "\
Environment:
  LIVEJUDGE_PYTHON     the interpreter to use when --python is not given (default: python3)
  LIVEJUDGE_CACHE_DIR  where Python environments are cached (default: ~/.cache/livejudge)
  LIVEJUDGE_ISOLATION  the default of --isolation (strict, auto or none)
  LIVEJUDGE_SANDBOX_UID  uid[:gid] a root livejudge runs submissions as (default: 65534)
  LIVEJUDGE_BWRAP      the bubblewrap binary (default: bwrap on PATH)
  LIVEJUDGE_TASKS      the default of --tasks
  NO_COLOR             disables colour in the human report";

/// What `--help` ends with: the exit codes (from [`crate::error::exit::TABLE`]) and the
/// environment variables.
fn after_help() -> String {
    format!(
        "{}\n{ENVIRONMENT_VARIABLES}",
        crate::error::exit::help_section()
    )
}

#[derive(Debug, Parser)]
#[command(
    name = "livejudge",
    version,
    about = "Grades Python live-coding submissions against task specs, with readable diffs.",
    after_help = after_help(),
    disable_help_subcommand = true
)]
pub struct Cli {
    /// Folder holding the tasks (one sub-folder per task) [default: ./tasks when there is
    /// one, else the tasks built into livejudge].
    #[arg(long, global = true, value_name = "DIR", env = "LIVEJUDGE_TASKS")]
    pub tasks: Option<PathBuf>,

    /// Python interpreter to build task environments from [default: $LIVEJUDGE_PYTHON, else python3].
    #[arg(long, global = true, value_name = "PATH")]
    pub python: Option<OsString>,

    /// How to isolate submissions: strict (full isolation or refuse, exit 3), auto (the best
    /// this machine offers, named in the report) or none (resource limits only: trusted
    /// code).
    #[arg(
        long,
        global = true,
        value_enum,
        env = "LIVEJUDGE_ISOLATION",
        default_value = "auto"
    )]
    pub isolation: Policy,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Grade one or more submissions against a task.
    #[command(after_help = after_help())]
    Grade(GradeArgs),
    /// List the tasks with their titles.
    List,
    /// Show a task's statement and its public cases.
    Show {
        /// Task id (under --tasks) or path to a task folder.
        task: String,
    },
    /// Report what this machine offers for isolation (namespaces, bubblewrap, cgroups,
    /// seccomp, Landlock) and how to fix what is missing. Exit 0 when strict isolation is
    /// available, 3 when not.
    Doctor,
    /// The built-in tasks: `livejudge tasks export ID DIR` writes one out as a folder to edit.
    Tasks {
        #[command(subcommand)]
        action: TasksAction,
    },
    /// Help on a command (`livejudge help grade`) or a topic: `livejudge help task-format`
    /// prints the documentation of task.toml, the matchers, the harness and solutions.toml.
    Help {
        /// A command, or task-format.
        topic: Option<String>,
    },
    /// Check tasks (all under --tasks when none is named): the spec loads, every accepted
    /// solution passes every case, every rejected one fails as solutions/solutions.toml says.
    /// Exit 0 when every task is sound, 1 when not.
    Check(CheckArgs),
    /// Create a new task folder under --tasks that `livejudge check` passes as it is: a spec,
    /// a statement, a reference solution and a known-wrong one.
    New {
        /// The new task's id (its folder name).
        id: String,
        /// How submissions run.
        #[arg(long, value_enum, default_value_t = NewKind::Python)]
        kind: NewKind,
    },
    /// Combine results files (the shards of one batch) into one, without grading: each
    /// submission once; the report files too with --report.
    Merge {
        /// Results files written by `grade --results` (with --shard or not).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Where to write the combined results file.
        #[arg(long, short, value_name = "FILE")]
        output: PathBuf,
        /// Also write index.html, results.csv and junit.xml into DIR.
        #[arg(long, value_name = "DIR")]
        report: Option<PathBuf>,
        /// Exit 0 when the merge is written, even if some submission failed.
        #[arg(long)]
        exit_zero: bool,
    },
    /// Grade a solution again each time it is saved: the public cases, and the first failure
    /// in full. Ctrl-C stops.
    Watch {
        /// Task id (under --tasks) or path to a task folder.
        task: String,
        /// The solution file (or folder) to watch.
        submission: PathBuf,
    },
    /// Render the report files (HTML, CSV, JUnit) from a results file, without grading.
    Report {
        /// A results file written by `grade --results`.
        results: PathBuf,
        /// Where to write index.html, results.csv and junit.xml.
        #[arg(long, value_name = "DIR")]
        report: PathBuf,
    },
    /// Create the Python environments of one task (or all tasks) ahead of time.
    Setup {
        /// Task id or path; all tasks when omitted.
        task: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum TasksAction {
    /// Write the built-in task ID into DIR: DIR/tasks/ID and DIR/fixtures/ID, the layout its
    /// task.toml expects; then `livejudge --tasks DIR/tasks check ID`.
    Export {
        /// A built-in task's id (`livejudge list` outside a task repository lists them).
        id: String,
        /// Where to write it (created if missing).
        dir: PathBuf,
    },
}

#[derive(Debug, clap::Args)]
pub struct GradeArgs {
    /// Task id (under --tasks) or path to a task folder.
    pub task: String,

    /// A .py file (placed as the task's entry file) or a folder (copied whole).
    #[arg(required = true, value_name = "SUBMISSION")]
    pub submissions: Vec<PathBuf>,

    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,

    /// Write the report to FILE instead of standard output.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Show the data, diffs and output of hidden cases too.
    #[arg(long)]
    pub show_hidden: bool,

    /// Submissions graded at once [default: the number of cores; server and website tasks
    /// at most one per core, so their timing holds].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// Append each submission's result to FILE (JSON Lines, one line per submission) as soon
    /// as it is graded.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,

    /// With --results: grade only what FILE has no result for (the same submission content
    /// graded by the same version of the task), after a Ctrl-C or a crash.
    #[arg(long, requires = "results")]
    pub resume: bool,

    /// Also write report files into DIR: index.html (self-contained), results.csv and
    /// junit.xml.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,

    /// Grade only shard K of N (1-based): a fixed, disjoint slice of the submissions, chosen
    /// by each one's path and content, so N machines given the same list (in any order)
    /// grade each submission exactly once. Combine their results with `livejudge merge`.
    #[arg(long, value_name = "K/N", value_parser = parse_shard)]
    pub shard: Option<(u32, u32)>,

    /// Exit 0 when grading finished, even if cases failed: failures are results, not
    /// errors (for pipelines that grade batches). Exit codes 2, 3, 4 and 130 still apply.
    #[arg(long)]
    pub exit_zero: bool,
}

fn parse_shard(text: &str) -> Result<(u32, u32), String> {
    let (k, n) = text
        .split_once('/')
        .ok_or_else(|| format!("\"{text}\" is not K/N, e.g. 2/5"))?;
    let (k, n): (u32, u32) = (
        k.trim()
            .parse()
            .map_err(|_| format!("\"{k}\" is not a number"))?,
        n.trim()
            .parse()
            .map_err(|_| format!("\"{n}\" is not a number"))?,
    );
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard {k}/{n}: K must be from 1 to N"));
    }
    Ok((k, n))
}

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Task ids (under --tasks) or paths to task folders.
    #[arg(value_name = "TASK")]
    pub task_ids: Vec<String>,

    /// Grade every solution N times; a solution whose outcome differs between runs is flaky.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=1000))]
    pub repeat: u16,

    /// Solutions graded at once [default: one per core].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub jobs: Option<u16>,

    /// Also write the outcome as JUnit XML: a test suite per task, a test case per solution.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,

    /// Also write each task's report files (HTML, CSV, JUnit of its cases) into DIR/TASK.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,

    /// Grade only the accepted or only the rejected solutions.
    #[arg(long, value_enum, value_name = "KIND")]
    pub only: Option<SolutionKind>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SolutionKind {
    Accepted,
    Rejected,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NewKind {
    Python,
    Http,
    Tcp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_command_line_is_consistent() {
        // Catches clashing names (a subcommand's argument shadowing a global option) that
        // clap would otherwise only report when that command runs.
        <super::Cli as clap::CommandFactory>::command().debug_assert();
    }
}
