//! Commands: wiring the stages together for `grade`, `list`, `show` and `setup`.

pub mod new;

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use tokio_util::sync::CancellationToken;

use crate::batch;
use crate::cli::{Cli, Command, Format, GradeArgs};
use crate::compare::{matching, pretty};
use crate::error::{Error, exit};
use crate::grade::{Grader, submission_from_arg};
use crate::outcome::{Reporter, Reporters, Submission, SubmissionResult};
use crate::report::{HumanReporter, JsonReporter, ProgressReporter, ResultsReporter};
use crate::run::pyenv::{self, Cache, EnvError, Interpreter, Venv, VenvProgress};
use crate::run::workspace;
use crate::sandbox::{self, Isolation};
use crate::task::{self, Task};
use crate::util::text::indent;

/// Like `eprintln!`/`println!`, but a closed or broken stream (a hung-up terminal, `| head`)
/// is not a panic: there is nobody left to read it.
macro_rules! say_err {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    crate::run::supervise::become_subreaper();
    // What livejudge creates (task venvs, workspaces' contents) is read by the box's
    // unprivileged uid: a umask of 077 would lock it out. Private folders (a workspace's
    // root) are made private explicitly.
    // SAFETY: umask has no preconditions.
    unsafe { libc::umask(0o022) };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            say_err!("error: cannot start the async runtime: {e}");
            return ExitCode::from(exit::ENVIRONMENT);
        }
    };
    std::panic::set_hook(Box::new(|info| {
        say_err!(
            "livejudge: internal error (a bug in livejudge, not in the submission): {info}\n  \
             please report it with the command you ran"
        );
    }));
    // Unwinding (rather than exiting from the hook) runs the destructors that kill the
    // submission's processes and remove its workspace.
    let outcome =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runtime.block_on(run(cli))));
    match outcome {
        Ok(Ok(code)) => ExitCode::from(code),
        Ok(Err(error)) => {
            say_err!("{}", error.render());
            error.exit_code()
        }
        Err(_) => ExitCode::from(exit::INTERNAL),
    }
}

async fn run(cli: Cli) -> Result<u8, Error> {
    match &cli.command {
        Command::Grade(args) => grade(&cli, args).await,
        Command::List => list(&cli),
        Command::Show { task } => show(&cli, task),
        Command::Setup { task } => setup(&cli, task.as_deref()),
        Command::Report { results, report } => render_report(&cli, results, report),
        Command::Check(args) => check_tasks(&cli, args).await,
        Command::Watch { task, submission } => watch(&cli, task, submission).await,
        Command::Merge {
            inputs,
            output,
            report,
        } => merge_results(&cli, inputs, output, report.as_deref()),
        Command::New { id, kind } => new_task(&cli, id, *kind),
        Command::Doctor => doctor(),
    }
}

fn load_task(cli: &Cli, arg: &str) -> Result<Task, Error> {
    let dir = task::resolve_task_dir(arg, &cli.tasks)?;
    Ok(task::load(&dir)?)
}

/// The task's environment: the interpreter and its cached venv, created on first use.
fn prepare_python(cli: &Cli, task: &Task, cache: &Cache) -> Result<(Interpreter, Venv), Error> {
    let interpreter = pyenv::resolve_interpreter(cli.python.as_deref(), cache)?;
    if let Some((major, minor)) = task.python.min_version {
        let (found_major, found_minor, _) = interpreter.version;
        if (found_major, found_minor) < (major, minor) {
            return Err(EnvError::TooOld {
                program: interpreter.executable.display().to_string(),
                found: interpreter.version_string(),
                required: format!("{major}.{minor}"),
            }
            .into());
        }
    }
    let mut spinner: Option<indicatif::ProgressBar> = None;
    let mut on_progress = |progress: VenvProgress<'_>| match progress {
        VenvProgress::Creating {
            dir,
            requirements,
            tool,
        } => {
            let what = if requirements.is_empty() {
                "no requirements".to_owned()
            } else {
                requirements.join(", ")
            };
            let message = format!(
                "creating the Python environment for {} (Python {}, {what}) with {tool} in {}",
                task.id,
                interpreter.version_string(),
                dir.display()
            );
            if std::io::stderr().is_terminal() {
                let bar = indicatif::ProgressBar::new_spinner().with_message(message);
                bar.enable_steady_tick(Duration::from_millis(100));
                spinner = Some(bar);
            } else {
                say_err!("livejudge: {message}");
            }
        }
        VenvProgress::Finished { elapsed } => {
            let message = format!(
                "livejudge: environment for {} ready in {:.1}s",
                task.id,
                elapsed.as_secs_f64()
            );
            match spinner.take() {
                Some(bar) => bar.finish_with_message(message),
                None => say_err!("{message}"),
            }
        }
    };
    let venv = pyenv::ensure_venv(
        &interpreter,
        &task.python.requirements,
        cache,
        &mut on_progress,
    );
    if let Some(bar) = spinner.take() {
        bar.finish_and_clear();
    }
    Ok((interpreter, venv?))
}

async fn grade(cli: &Cli, args: &GradeArgs) -> Result<u8, Error> {
    let task = load_task(cli, &args.task)?;
    let submissions = args
        .submissions
        .iter()
        .map(|path| {
            submission_from_arg(path).map_err(|message| {
                Error::input(
                    message,
                    Some("pass the candidate's .py file or the folder holding it".to_owned()),
                )
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let submissions = match args.shard {
        Some(shard) => {
            let total = submissions.len();
            let mine: Vec<Submission> = submissions
                .into_iter()
                .filter(|s| batch::in_shard(&s.path, &s.digest, shard))
                .collect();
            say_err!(
                "shard {}/{}: {} of the {total} submission(s)",
                shard.0,
                shard.1,
                mine.len()
            );
            mine
        }
        None => submissions,
    };
    // Before any slow setup: strict isolation that is not available is an error at once.
    let (launcher, isolation) = open_sandbox(cli)?;
    // The report is written to a temporary file next to --output and moved into place at
    // the end, so an early error leaves no empty report and a crash no half-written one.
    let mut report_file: Option<(tempfile::NamedTempFile, &Path)> = None;
    let (out, color): (Box<dyn Write>, bool) = match &args.output {
        Some(path) => {
            refuse_to_overwrite_a_submission(path, &args.submissions)?;
            let cannot = |e: std::io::Error| {
                Error::input(
                    format!("cannot write the report to {}: {e}", path.display()),
                    None,
                )
            };
            // A device or a pipe (`--output /dev/null`) is written as it is: moving a file
            // over it would replace the device itself.
            if std::fs::metadata(path).is_ok_and(|m| !m.is_file() && !m.is_dir()) {
                let file = std::fs::OpenOptions::new()
                    .write(true)
                    .open(path)
                    .map_err(cannot)?;
                (
                    Box::new(std::io::BufWriter::new(file)) as Box<dyn Write>,
                    false,
                )
            } else {
                let dir = match path.parent() {
                    Some(parent) if !parent.as_os_str().is_empty() => parent,
                    _ => Path::new("."),
                };
                let temp = tempfile::Builder::new()
                    .prefix(".livejudge-report-")
                    .tempfile_in(dir)
                    .map_err(cannot)?;
                let file = temp.as_file().try_clone().map_err(cannot)?;
                report_file = Some((temp, path));
                (Box::new(std::io::BufWriter::new(file)), false)
            }
        }
        None => {
            let color =
                anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
            (Box::new(std::io::stdout()), color)
        }
    };
    let cache = Cache::locate()?;
    let (interpreter, venv) = prepare_python(cli, &task, &cache)?;

    let batch = prepare_batch(args, &task, &submissions, isolation.level.name())?;
    let mut reporters: Vec<Box<dyn Reporter>> = vec![match args.format {
        Format::Human => Box::new(HumanReporter::new(out, color)),
        Format::Json => Box::new(JsonReporter::new(out)),
    }];
    if submissions.len() > 1 {
        reporters.push(Box::new(ProgressReporter::new(
            std::io::stderr().is_terminal(),
        )));
    }
    if let Some(results) = batch.results {
        reporters.push(Box::new(results));
    }
    let mut reporter = Reporters(reporters);
    let jobs = effective_jobs(args.jobs, &task);
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signals(cancel.clone()));
    let grader = Grader {
        task: &task,
        interpreter: &interpreter,
        venv: &venv,
        launcher: launcher.as_ref(),
        isolation: &isolation,
        show_hidden: args.show_hidden,
        jobs,
    };
    let report = grader
        .grade_all(&submissions, &batch.resumed, &mut reporter, &cancel)
        .await;
    watcher.abort();
    drop(reporter);
    if let Some(dir) = &args.report {
        write_report_files(dir, &task.id, &task.title, &report.submissions)?;
    }
    if let Some((temp, path)) = report_file {
        temp.persist(path).map_err(|e| {
            Error::input(
                format!("cannot write the report to {}: {}", path.display(), e.error),
                None,
            )
        })?;
        // A temporary file is private (0600); a report is an ordinary file.
        let _ = std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o644));
    }
    Ok(if report.interrupted {
        exit::INTERRUPTED
    } else if report.has_judge_errors() {
        exit::INTERNAL
    } else if report.passed {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

/// `livejudge watch TASK FILE`: grades the public cases whenever FILE's content changes.
async fn watch(cli: &Cli, task_arg: &str, path: &Path) -> Result<u8, Error> {
    use notify::Watcher;
    let mut task = load_task(cli, task_arg)?;
    task.cases.retain(|case| !case.hidden);
    if task.cases.is_empty() {
        return Err(Error::input(
            format!("{} has no public cases to watch", task.id),
            None,
        ));
    }
    let (launcher, isolation) = open_sandbox(cli)?;
    let cache = Cache::locate()?;
    let (interpreter, venv) = prepare_python(cli, &task, &cache)?;
    // Editors save by writing a new file and renaming it over the old one: watch the folder
    // holding a file (a submission folder, with what is inside it).
    let (folder, mode) = if path.is_dir() {
        (path.to_owned(), notify::RecursiveMode::Recursive)
    } else {
        let parent = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        (parent, notify::RecursiveMode::NonRecursive)
    };
    let (changed, mut changes) = tokio::sync::mpsc::unbounded_channel::<()>();
    let mut watcher = notify::recommended_watcher(move |_event| {
        let _ = changed.send(());
    })
    .and_then(|mut watcher| {
        watcher.watch(&folder, mode)?;
        Ok(watcher)
    })
    .map_err(|e| Error::input(format!("cannot watch {}: {e}", folder.display()), None))?;
    let terminal = std::io::stdout().is_terminal();
    let color = anstream::AutoStream::choice(&std::io::stdout()) != anstream::ColorChoice::Never;
    // One listener for the whole session: a Ctrl-C between two waits is not lost.
    let mut interrupts = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())
        .map_err(|e| Error::input(format!("cannot listen for Ctrl-C: {e}"), None))?;
    let mut last: Option<String> = None;
    let mut runs = 0u32;
    loop {
        match submission_from_arg(path) {
            Ok(submission) if last.as_deref() != Some(submission.digest.as_str()) => {
                last = Some(submission.digest.clone());
                runs += 1;
                if terminal {
                    // Clear the screen and the scrollback: only this run's report shows.
                    print!("\x1b[2J\x1b[3J\x1b[H");
                }
                say!(
                    "livejudge watch · {} · {} · run {runs} · Ctrl-C stops\n",
                    task.id,
                    path.display()
                );
                let grader = Grader {
                    task: &task,
                    interpreter: &interpreter,
                    venv: &venv,
                    launcher: launcher.as_ref(),
                    isolation: &isolation,
                    show_hidden: false,
                    jobs: 1,
                };
                let cancel = CancellationToken::new();
                let mut reporter =
                    crate::report::WatchReporter::new(Box::new(std::io::stdout()), color);
                let grading = grader.grade_all(
                    std::slice::from_ref(&submission),
                    &[None],
                    &mut reporter,
                    &cancel,
                );
                tokio::pin!(grading);
                tokio::select! {
                    _ = &mut grading => {}
                    _ = interrupts.recv() => {
                        cancel.cancel();
                        grading.await;
                        break;
                    }
                }
                say!("\nwatching {} for changes…", path.display());
            }
            Ok(_) => {}
            Err(message) => {
                if last.as_deref() != Some("") {
                    say!("{message}; waiting for it to appear…");
                    last = Some(String::new());
                }
            }
        }
        tokio::select! {
            event = changes.recv() => {
                if event.is_none() {
                    break;
                }
                // A save is often several events: let them settle, then grade once.
                tokio::time::sleep(Duration::from_millis(150)).await;
                while changes.try_recv().is_ok() {}
            }
            _ = interrupts.recv() => break,
        }
    }
    let _ = watcher.unwatch(path);
    Ok(exit::INTERRUPTED)
}

/// `livejudge new ID --kind K`.
fn new_task(cli: &Cli, id: &str, kind: crate::cli::NewKind) -> Result<u8, Error> {
    use crate::cli::NewKind;
    let kind = match kind {
        NewKind::Python => task::Kind::Python,
        NewKind::Http => task::Kind::Http,
        NewKind::Tcp => task::Kind::Tcp,
    };
    let dir = crate::cmd::new::create(&cli.tasks, id, kind).map_err(|message| {
        Error::input(message, Some("pick another id, or pass --tasks DIR".into()))
    })?;
    say!("created {} ({} task)", dir.display(), kind.name());
    say!(
        "next: edit {}/README.md and the cases in task.toml, then run: livejudge --tasks {} check {id}",
        dir.display(),
        cli.tasks.display()
    );
    Ok(exit::PASSED)
}

/// `livejudge check`: each task's spec, solutions folder and reference solutions.
async fn check_tasks(cli: &Cli, args: &crate::cli::CheckArgs) -> Result<u8, Error> {
    use crate::judge::solutions::{self, Expectation};
    let dirs: Vec<PathBuf> = if args.task_ids.is_empty() {
        task::list_task_dirs(&cli.tasks)
    } else {
        args.task_ids
            .iter()
            .map(|t| task::resolve_task_dir(t, &cli.tasks))
            .collect::<Result<_, _>>()?
    };
    if dirs.is_empty() {
        return Err(Error::input(
            format!("no tasks found in {}", cli.tasks.display()),
            Some("run from the repository root or pass --tasks DIR".to_owned()),
        ));
    }
    let (launcher, isolation) = open_sandbox(cli)?;
    let cache = Cache::locate()?;
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(cancel_on_signals(cancel.clone()));
    let repeat = usize::from(args.repeat);
    let mut junit = quick_junit::Report::new("livejudge check");
    let mut sound = true;
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut suite = quick_junit::TestSuite::new(name.clone());
        let fail = |suite: &mut quick_junit::TestSuite, case: &str, problems: &[String]| {
            let mut status =
                quick_junit::TestCaseStatus::non_success(quick_junit::NonSuccessKind::Failure);
            status.set_message(problems.first().cloned().unwrap_or_default());
            status.set_description(problems.join("\n"));
            suite.add_test_case(quick_junit::TestCase::new(case.to_owned(), status));
        };
        say!("{name}");
        let task = match task::load(dir) {
            Ok(task) => task,
            Err(errors) => {
                sound = false;
                say!("  ✗ task.toml does not load:");
                say!("{}", indent(&Error::Spec(errors.clone()).render(), "    "));
                fail(&mut suite, "task.toml", &[errors.to_string()]);
                junit.add_test_suite(suite);
                continue;
            }
        };
        let (mut plan, problems) = match solutions::plan(&task) {
            Ok(planned) => planned,
            Err(errors) => {
                sound = false;
                say!("{}", indent(&Error::Spec(errors.clone()).render(), "    "));
                fail(&mut suite, "solutions.toml", &[errors.to_string()]);
                junit.add_test_suite(suite);
                continue;
            }
        };
        if !problems.is_empty() {
            sound = false;
            for problem in &problems {
                say!("  ✗ {problem}");
            }
            fail(&mut suite, "solutions", &problems);
        }
        if let Some(only) = args.only {
            let keep = match only {
                crate::cli::SolutionKind::Accepted => Expectation::Accepted,
                crate::cli::SolutionKind::Rejected => Expectation::Rejected,
            };
            plan.solutions
                .retain(|(_, expectation)| *expectation == keep);
        }
        let (interpreter, venv) = prepare_python(cli, &task, &cache)?;
        let mut submissions = Vec::new();
        for (path, _) in &plan.solutions {
            let submission = submission_from_arg(path).map_err(|m| Error::input(m, None))?;
            submissions.extend(std::iter::repeat_n(submission, repeat));
        }
        let grader = Grader {
            task: &task,
            interpreter: &interpreter,
            venv: &venv,
            launcher: launcher.as_ref(),
            isolation: &isolation,
            show_hidden: true,
            jobs: effective_jobs(args.jobs, &task),
        };
        let mut progress = Reporters(vec![Box::new(ProgressReporter::new(
            std::io::stderr().is_terminal(),
        ))]);
        let report = grader
            .grade_all(
                &submissions,
                &vec![None; submissions.len()],
                &mut progress,
                &cancel,
            )
            .await;
        if report.interrupted {
            watcher.abort();
            return Ok(exit::INTERRUPTED);
        }
        if let Some(dir) = &args.report {
            write_report_files(
                &dir.join(&task.id),
                &task.id,
                &task.title,
                &report.submissions,
            )?;
        }
        for (i, (path, expectation)) in plan.solutions.iter().enumerate() {
            let runs: Vec<&SubmissionResult> = report.submissions[i * repeat..(i + 1) * repeat]
                .iter()
                .collect();
            let mut problems: Vec<String> = Vec::new();
            for run in &runs {
                for problem in solutions::judge(*expectation, path, run, &plan.spec) {
                    if !problems.contains(&problem) {
                        problems.push(problem);
                    }
                }
            }
            if let Some(flaky) = solutions::flakiness(&runs) {
                problems.push(format!("flaky over {repeat} runs: {flaky}"));
            }
            let shown = path
                .strip_prefix(task.dir.join("solutions"))
                .unwrap_or(path)
                .display()
                .to_string();
            let runs_text = if repeat > 1 {
                format!(" ({repeat} runs)")
            } else {
                String::new()
            };
            if problems.is_empty() {
                let what = match expectation {
                    Expectation::Accepted => "passes every case".to_owned(),
                    Expectation::Rejected => {
                        format!("fails {}", runs[0].failed_ids().join(", "))
                    }
                };
                say!("  ✓ {shown}: {what}{runs_text}");
                suite.add_test_case(quick_junit::TestCase::new(
                    shown,
                    quick_junit::TestCaseStatus::success(),
                ));
            } else {
                sound = false;
                say!("  ✗ {shown} ({}){runs_text}:", expectation.name());
                for problem in &problems {
                    say!("      {problem}");
                }
                fail(&mut suite, &shown, &problems);
            }
        }
        junit.add_test_suite(suite);
    }
    watcher.abort();
    if let Some(path) = &args.junit {
        let text = junit
            .to_string()
            .map_err(|e| Error::input(e.to_string(), None))?;
        std::fs::write(path, text)
            .map_err(|e| Error::input(format!("cannot write {}: {e}", path.display()), None))?;
    }
    Ok(if sound { exit::PASSED } else { exit::FAILED })
}

/// The HTML, CSV and JUnit files of `submissions` in `dir`.
fn write_report_files(
    dir: &Path,
    task: &str,
    title: &str,
    submissions: &[SubmissionResult],
) -> Result<(), Error> {
    crate::report::files::write_all(
        dir,
        &crate::report::files::ReportData {
            task,
            task_title: title,
            submissions,
        },
    )
    .map_err(|e| {
        Error::input(
            format!("cannot write the report files into {}: {e}", dir.display()),
            None,
        )
    })
}

/// `livejudge merge A.jsonl B.jsonl --output ALL.jsonl`: the shards of one batch as one
/// results file, each submission once.
fn merge_results(
    cli: &Cli,
    inputs: &[PathBuf],
    output: &Path,
    report: Option<&Path>,
) -> Result<u8, Error> {
    let mut rows: Vec<batch::ResultRow> = Vec::new();
    for input in inputs {
        let file = batch::read_results(input)
            .map_err(|e| Error::input(format!("cannot read {}: {e}", input.display()), None))?;
        if let Some(line) = file.bad_lines.first() {
            return Err(Error::input(
                format!("{}:{line}: not a livejudge results line", input.display()),
                None,
            ));
        }
        rows.extend(file.rows);
    }
    // A submission graded twice (two runs over one list, a resumed batch): the later counts.
    let mut rows = batch::latest_per_submission(rows);
    let tasks: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.task.as_str()).collect();
    if tasks.len() > 1 {
        return Err(Error::input(
            format!(
                "the results files mix tasks ({})",
                tasks.into_iter().collect::<Vec<_>>().join(", ")
            ),
            Some("merge the shards of one task at a time".into()),
        ));
    }
    let versions: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.task_version.as_str()).collect();
    if versions.len() > 1 {
        say_err!(
            "warning: the shards graded {} different versions of the task",
            versions.len()
        );
    }
    rows.sort_by(|a, b| a.result.path.cmp(&b.result.path));
    if inputs.iter().any(|i| same_file(i, output)) {
        return Err(Error::input(
            format!("--output {} is one of the inputs", output.display()),
            Some("write the merged file somewhere else".into()),
        ));
    }
    if std::fs::symlink_metadata(output).is_ok_and(|m| !m.is_file()) {
        return Err(Error::input(
            format!("--output {} is not a regular file", output.display()),
            Some("write the merged results to a file".into()),
        ));
    }
    let _ = std::fs::remove_file(output);
    let mut writer = batch::ResultsWriter::open(output, 0)
        .map_err(|e| Error::input(format!("cannot write {}: {e}", output.display()), None))?;
    for row in &rows {
        writer
            .append(row)
            .map_err(|e| Error::input(format!("cannot write {}: {e}", output.display()), None))?;
    }
    say!(
        "{} submission(s) from {} file(s) in {}",
        rows.len(),
        inputs.len(),
        output.display()
    );
    if let Some(dir) = report {
        render_report(cli, output, dir)?;
    }
    Ok(if rows.iter().all(|r| r.result.passed) {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `livejudge report RESULTS --report DIR`: the report files of a results file (the title
/// comes from the task when it is found under --tasks).
fn render_report(cli: &Cli, results: &Path, dir: &Path) -> Result<u8, Error> {
    let file = batch::read_results(results).map_err(|e| {
        Error::input(
            format!("cannot read the results file {}: {e}", results.display()),
            None,
        )
    })?;
    if let Some(line) = file.bad_lines.first() {
        return Err(Error::input(
            format!("{}:{line}: not a livejudge results line", results.display()),
            Some("pass a file written by livejudge grade --results".into()),
        ));
    }
    let Some(first) = file.rows.first() else {
        return Err(Error::input(
            format!("the results file {} holds no results", results.display()),
            None,
        ));
    };
    let task = first.task.clone();
    if let Some(other) = file.rows.iter().find(|r| r.task != task) {
        return Err(Error::input(
            format!(
                "the results file {} mixes tasks ({task} and {})",
                results.display(),
                other.task
            ),
            Some("render one task's results at a time".into()),
        ));
    }
    let title = task::resolve_task_dir(&task, &cli.tasks)
        .ok()
        .and_then(|dir| task::load(&dir).ok())
        .map(|t| t.title)
        .unwrap_or_default();
    let submissions: Vec<SubmissionResult> = batch::latest_per_submission(file.rows)
        .into_iter()
        .map(|r| r.result)
        .collect();
    write_report_files(dir, &task, &title, &submissions)?;
    say!(
        "{} submission(s) of {task}: {} written",
        submissions.len(),
        ["index.html", "results.csv", "junit.xml"]
            .map(|f| dir.join(f).display().to_string())
            .join(", ")
    );
    Ok(if submissions.iter().all(|s| s.passed) {
        exit::PASSED
    } else {
        exit::FAILED
    })
}

/// What `--results` and `--resume` set up: the writer, and the submissions already graded.
struct Batch {
    results: Option<ResultsReporter>,
    resumed: Vec<Option<SubmissionResult>>,
}

fn prepare_batch(
    args: &GradeArgs,
    task: &Task,
    submissions: &[Submission],
    isolation: &str,
) -> Result<Batch, Error> {
    let mut resumed = vec![None; submissions.len()];
    let Some(path) = &args.results else {
        return Ok(Batch {
            results: None,
            resumed,
        });
    };
    let cannot = |e: std::io::Error| {
        Error::input(
            format!("cannot use the results file {}: {e}", path.display()),
            None,
        )
    };
    refuse_to_overwrite_a_submission(path, &args.submissions)?;
    let task_version = task
        .version()
        .map_err(|e| Error::input(format!("cannot read the task's files: {e}"), None))?;
    let existing = batch::read_results(path).map_err(cannot)?;
    if let Some(line) = existing.bad_lines.first() {
        return Err(Error::input(
            format!("{}:{line}: not a livejudge results line", path.display()),
            Some("pass another --results file; this one was not written by livejudge grade".into()),
        ));
    }
    if !existing.rows.is_empty() && !args.resume {
        return Err(Error::input(
            format!(
                "the results file {} already holds {} result(s)",
                path.display(),
                existing.rows.len()
            ),
            Some("add --resume to grade only what is missing, or pass another file".into()),
        ));
    }
    // A row stands for one submission: the same content at the same path, graded by the same
    // version of the task with the same settings. A result the judge itself failed on
    // (judge-error) is graded again.
    let mut unused: Vec<&batch::ResultRow> = existing
        .rows
        .iter()
        .filter(|row| {
            row.task == task.id
                && row.task_version == task_version
                && row.show_hidden == args.show_hidden
                && row.isolation == isolation
                && !row
                    .result
                    .cases
                    .iter()
                    .any(|c| c.verdict == crate::outcome::Verdict::JudgeError)
        })
        .collect();
    for (index, submission) in submissions.iter().enumerate() {
        let shown = submission.path.display().to_string();
        if let Some(at) = unused
            .iter()
            .position(|row| row.submission_digest == submission.digest && row.result.path == shown)
        {
            resumed[index] = Some(unused.remove(at).result.clone());
        }
    }
    let writer = batch::ResultsWriter::open(path, existing.complete_len).map_err(cannot)?;
    Ok(Batch {
        results: Some(ResultsReporter::new(
            writer,
            task.id.clone(),
            task_version,
            (args.show_hidden, isolation.to_owned()),
            path.display().to_string(),
        )),
        resumed,
    })
}

/// `--jobs`, or one per core; server and website tasks never run more at once than there
/// are cores, so the timing their cases observe holds (benches/flakiness.py measures it).
fn effective_jobs(requested: Option<u16>, task: &Task) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let requested = requested.map_or(cores, usize::from);
    let timing_sensitive = task.kind.is_server() || !task.sites.is_empty();
    if timing_sensitive && requested > cores {
        say_err!(
            "note: {} is a {} task: grading {cores} submission(s) at once (one per core) so its timing holds",
            task.id,
            if task.kind.is_server() {
                "server"
            } else {
                "website"
            }
        );
        return cores;
    }
    requested
}

/// `--output` naming a submission (or a file inside a submission folder) would replace the
/// very code being graded.
fn refuse_to_overwrite_a_submission(output: &Path, submissions: &[PathBuf]) -> Result<(), Error> {
    let resolve = |p: &Path| -> Option<PathBuf> {
        p.canonicalize().ok().or_else(|| {
            let parent = match p.parent() {
                Some(parent) if !parent.as_os_str().is_empty() => parent,
                _ => Path::new("."),
            };
            Some(parent.canonicalize().ok()?.join(p.file_name()?))
        })
    };
    let Some(output) = resolve(output) else {
        return Ok(());
    };
    for submission in submissions {
        if let Some(submission) = resolve(submission)
            && output.starts_with(&submission)
        {
            return Err(Error::input(
                format!(
                    "--output {} would overwrite the submission {}",
                    output.display(),
                    submission.display()
                ),
                Some("write the report somewhere else".to_owned()),
            ));
        }
    }
    Ok(())
}

/// Ctrl-C, SIGTERM or SIGHUP (the terminal closed) stops grading cleanly (processes killed,
/// workspaces removed, partial report written); a second Ctrl-C exits at once.
async fn cancel_on_signals(cancel: CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut terminate), Ok(mut hangup)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::hangup()),
    ) else {
        return;
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = terminate.recv() => {}
        _ = hangup.recv() => {}
    }
    // Cancel first: after a hangup, stderr may be gone.
    cancel.cancel();
    say_err!("livejudge: interrupted, stopping (press Ctrl-C again to exit at once)");
    let _ = tokio::signal::ctrl_c().await;
    std::process::exit(i32::from(exit::INTERRUPTED));
}

fn list(cli: &Cli) -> Result<u8, Error> {
    let dirs = task::list_task_dirs(&cli.tasks);
    if dirs.is_empty() {
        return Err(Error::input(
            format!("no tasks found in {}", cli.tasks.display()),
            Some("run from the repository root or pass --tasks DIR".to_owned()),
        ));
    }
    let mut code = exit::PASSED;
    let mut rows = Vec::new();
    for dir in &dirs {
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match task::load(dir) {
            Ok(task) => rows.push((
                task.id.clone(),
                task.kind.name().to_owned(),
                format!("{} ({} cases)", task.title, task.cases.len()),
            )),
            Err(errors) => {
                code = exit::USAGE;
                rows.push((name, "?".into(), "invalid task.toml (details below)".into()));
                say_err!("{}", Error::Spec(errors).render());
            }
        }
    }
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    for (id, kind, title) in rows {
        say!("{id:width$}  {kind:6}  {title}");
    }
    Ok(code)
}

fn show(cli: &Cli, arg: &str) -> Result<u8, Error> {
    let task = load_task(cli, arg)?;
    let statement = task.statement().map_err(|e| {
        Error::input(
            format!("cannot read {}: {e}", task.statement_file.display()),
            None,
        )
    })?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{}\n", statement.trim_end());
    let public: Vec<_> = task.cases.iter().filter(|c| !c.hidden).collect();
    let _ = writeln!(
        out,
        "## Public cases ({} of {})\n",
        public.len(),
        task.cases.len()
    );
    for case in public {
        let points = if case.points == 1 { "point" } else { "points" };
        let _ = writeln!(
            out,
            "### {} — {} [{}, {} {points}]",
            case.id, case.title, case.group, case.points
        );
        if let Some(rule) = &case.rule {
            let _ = writeln!(out, "rule: {rule}");
        }
        if case.steps.is_empty() {
            let _ = writeln!(out, "input:\n{}", indent(&pretty(&case.input), "    "));
        } else {
            let _ = writeln!(out, "steps:");
            for (i, step) in case.steps.iter().enumerate() {
                let _ = writeln!(out, "    {i}. {step}");
            }
        }
        let expected = matching::project(&case.expect, None);
        let _ = writeln!(out, "expected:\n{}", indent(&pretty(&expected), "    "));
        if !case.site_checks.is_empty() {
            let _ = writeln!(out, "the websites must see:");
            for check in &case.site_checks {
                let _ = writeln!(
                    out,
                    "    {}: {}",
                    check.observable.path(),
                    matching::describe(&check.expected)
                );
            }
        }
        let _ = writeln!(out);
    }
    let hidden = task.cases.iter().filter(|c| c.hidden).count();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "{hidden} hidden case(s) are graded too; their data is not shown."
        );
    }
    Ok(exit::PASSED)
}

fn setup(cli: &Cli, arg: Option<&str>) -> Result<u8, Error> {
    let dirs = match arg {
        Some(arg) => vec![task::resolve_task_dir(arg, &cli.tasks)?],
        None => task::list_task_dirs(&cli.tasks),
    };
    if dirs.is_empty() {
        return Err(Error::input(
            format!("no tasks found in {}", cli.tasks.display()),
            Some("run from the repository root or pass --tasks DIR".to_owned()),
        ));
    }
    let cache = Cache::locate()?;
    for dir in dirs {
        let task = task::load(&dir)?;
        let (_, venv) = prepare_python(cli, &task, &cache)?;
        say!("{}: ready ({})", task.id, display_home(&venv.dir));
    }
    Ok(exit::PASSED)
}

fn doctor() -> Result<u8, Error> {
    let capabilities = sandbox::Capabilities::detect();
    {
        use std::io::Write as _;
        let _ = write!(std::io::stdout(), "{}", capabilities.render());
    }
    Ok(if capabilities.missing().is_empty() {
        exit::PASSED
    } else {
        exit::ENVIRONMENT
    })
}

/// Said on stderr, whatever the report format: the submission runs with the user's rights.
/// The launcher every grading command uses: strict isolation that is not available is an
/// error at once, less than strict is said, and what a killed livejudge left is swept.
fn open_sandbox(
    cli: &Cli,
) -> Result<(Box<dyn sandbox::Launcher>, sandbox::IsolationReport), Error> {
    let (launcher, isolation) = sandbox::select(cli.isolation)?;
    match isolation.level {
        Isolation::None => warn_unisolated(&isolation),
        Isolation::Partial => warn_partial(&isolation),
        Isolation::Strict => {}
    }
    workspace::sweep_stale();
    Ok((launcher, isolation))
}

fn warn_unisolated(isolation: &sandbox::IsolationReport) {
    let mut message = String::from(
        "warning: submissions run without isolation (resource limits only): they can read and write your files and reach the network",
    );
    for missing in &isolation.missing {
        message.push_str(&format!("\n  - {missing}"));
    }
    say_err!("{message}");
}

/// Said on stderr: without cgroups a box has no limit on its processes, and its memory
/// limit is per process.
fn warn_partial(isolation: &sandbox::IsolationReport) {
    let mut message = String::from(
        "warning: partial isolation: submissions run in a box, but what is missing below means no limit on their number of processes (a fork bomb can slow this machine) and a memory limit per process only",
    );
    for missing in &isolation.missing {
        message.push_str(&format!("\n  - {missing}"));
    }
    say_err!("{message}");
}

fn display_home(path: &Path) -> String {
    match dirs::home_dir().and_then(|home| path.strip_prefix(home).ok().map(Path::to_owned)) {
        Some(rest) => format!("~/{}", rest.display()),
        None => path.display().to_string(),
    }
}
