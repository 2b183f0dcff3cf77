//! The hostile corpus: every attack in tests/hostile/ is graded against the test task
//! tests/tasks/sandbox-target with `--isolation strict`. The attack runs in the case `attack`,
//! between two echo cases. Each test checks the verdicts in the table below, that the run stays
//! within a time bound, and that nothing escaped the sandbox: no secret in livejudge's output,
//! no connection to the host's listeners, no file written on the host, no process left behind,
//! no workspace left behind.
//!
//! The attacks are only ever run through livejudge with strict isolation: the destructive ones
//! (fork, thread and memory bombs, disk fills, kill(-1), ...) check that they run inside
//! bubblewrap first and do nothing elsewhere.

use std::collections::BTreeSet;
use std::fs;
use std::io::Read;
use std::os::linux::net::SocketAddrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, mpsc};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use livejudge::error::exit::{ENVIRONMENT, FAILED, PASSED, USAGE};
use wait_timeout::ChildExt;

use crate::support::*;

// ---------------------------------------------------------------------------------------------
// The expectations: one row per file in tests/hostile/ (tests/hostile/README.md explains them).
// ---------------------------------------------------------------------------------------------

/// What must become of one attack.
struct Expect {
    /// File stem in tests/hostile/.
    attack: &'static str,
    /// livejudge's exit code (one of `livejudge::error::exit`).
    exit: u8,
    /// Acceptable verdicts of the `attack` case (more than one where the outcome may
    /// legitimately vary, e.g. by Python version or by which limit trips first).
    verdicts: &'static [&'static str],
    /// The cases around the attack.
    around: Around,
    /// When the attack case's verdict is `error` or `output-limit`, its message must contain
    /// one of these: the failure the sandbox was meant to cause, not a bug in the attack.
    mentions: &'static [&'static str],
    /// Checks beyond those every attack gets.
    extra: &'static [Extra],
}

#[derive(Clone, Copy, PartialEq)]
enum Around {
    /// `before` and `after` pass (after a crash or timeout, `after` runs in a fresh process).
    Pass,
    /// The attack runs at import: every case fails with one of `verdicts`, and the submission's
    /// load problem has this kind.
    FailAtImport(&'static str),
}

#[derive(Clone, Copy, PartialEq)]
enum Extra {
    /// Graded a second time with `--format human`: no control character (other than newline
    /// and tab) and no bidi control reaches the reader's terminal.
    HumanReportNeutral,
    /// No file named after the nonce in the real interpreter's prefix (up to 4 levels deep).
    InterpreterUntouched,
}

const PASS: Around = Around::Pass;
const NONE: &[&str] = &[];
/// A full filesystem or a file over the size limit, as Python words it (verdict `error`) or as
/// the judge does (verdict `output-limit`).
const DISK_FULL: &[&str] = &[
    "No space left on device",
    "Disk quota exceeded",
    "File too large",
    "ran out of disk space",
    "larger than the disk limit",
];

const fn row(
    attack: &'static str,
    exit: u8,
    verdicts: &'static [&'static str],
    around: Around,
    mentions: &'static [&'static str],
) -> Expect {
    Expect {
        attack,
        exit,
        verdicts,
        around,
        mentions,
        extra: &[],
    }
}

impl Expect {
    const fn with(mut self, extra: &'static [Extra]) -> Expect {
        self.extra = extra;
        self
    }
}

#[rustfmt::skip]
const EXPECTATIONS: &[Expect] = &[
    //  attack file           exit    attack verdict(s)                            around an error / output-limit must mention
    // Resources: processes, memory, CPU, time.
    row("fork_bomb",          FAILED, &["error"],                                   PASS, &["BlockingIOError"]),
    row("thread_bomb",        FAILED, &["error"],                                   PASS, &["can't start new thread"]),
    row("memory_bomb",        FAILED, &["memory-limit"],                            PASS, NONE),
    row("cpu_spin",           FAILED, &["timeout"],                                 PASS, NONE),
    row("sleep_forever",      FAILED, &["timeout"],                                 PASS, NONE),
    row("sigterm_ignored",    FAILED, &["timeout"],                                 PASS, NONE),
    row("raise_rlimits",      FAILED, &["memory-limit"],                            PASS, NONE),
    row("cgroup_escape",      FAILED, &["error"],                                   PASS, &["BlockingIOError"]),
    // Output.
    row("stdout_flood",       FAILED, &["output-limit"],                            PASS, NONE),
    row("huge_line",          FAILED, &["output-limit"],                            PASS, NONE),
    row("stderr_flood",       FAILED, &["output-limit"],                            PASS, NONE),
    row("terminal_escapes",   FAILED, &["wrong"],                                   PASS, NONE)
        .with(&[Extra::HumanReportNeutral]),
    row("lone_surrogate",     FAILED, &["wrong"],                                   PASS, NONE),
    // Disk.
    row("disk_fill_cwd",      FAILED, &["error", "output-limit"],                   PASS, DISK_FULL),
    row("disk_fill_tmp",      FAILED, &["error", "output-limit", "memory-limit"],   PASS, DISK_FULL),
    row("disk_fill_shm",      FAILED, &["error", "output-limit", "memory-limit"],   PASS, DISK_FULL),
    row("big_file",           FAILED, &["error", "output-limit"],                   PASS, DISK_FULL),
    // Files outside the run directory.
    row("write_outside",      FAILED, &["wrong"],                                   PASS, NONE),
    row("write_system",       FAILED, &["wrong"],                                   PASS, NONE)
        .with(&[Extra::InterpreterUntouched]),
    row("read_shadow",        FAILED, &["error"],                                   PASS, &["PermissionError", "FileNotFoundError"]),
    row("read_canary",        FAILED, &["error"],                                   PASS, &["FileNotFoundError", "PermissionError"]),
    row("read_fixtures",      FAILED, &["error"],                                   PASS, &["FileNotFoundError", "PermissionError"]),
    row("environ_leak",       FAILED, &["wrong"],                                   PASS, NONE),
    row("fs_search",          FAILED, &["wrong"],                                   PASS, NONE),
    row("fd_leak",            FAILED, &["wrong"],                                   PASS, NONE),
    row("symlinks",           FAILED, &["wrong"],                                   PASS, NONE),
    // The run directory itself, against the judge's accounting and cleanup.
    row("chmod_lock",         FAILED, &["wrong"],                                   PASS, NONE),
    row("fifo_socket",        FAILED, &["wrong"],                                   PASS, NONE),
    row("deep_tree",          FAILED, &["wrong"],                                   PASS, NONE),
    // Network.
    row("connect_host",       FAILED, &["error"],                                   PASS, &["ConnectionRefusedError", "Network is unreachable", "Cannot assign requested address"]),
    row("connect_unix",       FAILED, &["error"],                                   PASS, &["ConnectionRefusedError", "FileNotFoundError"]),
    row("daemon",             FAILED, &["wrong"],                                   PASS, NONE),
    // Processes and privileges.
    row("kill_parent",        FAILED, &["wrong", "crashed"],                        PASS, NONE),
    row("kill_all",           FAILED, &["wrong", "crashed"],                        PASS, NONE),
    row("ptrace",             FAILED, &["error"],                                   PASS, &["every ptrace request was denied"]),
    row("unshare_mount",      FAILED, &["error"],                                   PASS, &["every call was denied"]),
    row("denied_syscalls",    FAILED, &["error"],                                   PASS, &["every call was denied"]),
    row("clone_newuser",      FAILED, &["error"],                                   PASS, &["clone(CLONE_NEWUSER) failed"]),
    row("segfault",           FAILED, &["crashed"],                                 PASS, NONE),
    row("deep_recursion",     FAILED, &["crashed", "error", "memory-limit"],        PASS, &["RecursionError"]),
    // The harness runtime and its channels.
    row("close_fds",          FAILED, &["crashed"],                                 PASS, NONE),
    row("forge_events",       FAILED, &["wrong", "crashed"],                        PASS, NONE),
    row("monkeypatch_import", FAILED, &["wrong"],                                   PASS, NONE),
    row("exit_at_import",     FAILED, &["crashed"], Around::FailAtImport("exit-at-import"),   NONE),
    row("os_exit_at_import",  FAILED, &["crashed"], Around::FailAtImport("crashed-at-import"), NONE),
];

/// One test per attack, so a failure is named after it.
macro_rules! corpus {
    ($($attack:ident),* $(,)?) => {
        $(
            #[test]
            fn $attack() {
                grade_attack(stringify!($attack));
            }
        )*
        const TESTED: &[&str] = &[$(stringify!($attack)),*];
    };
}

corpus!(
    fork_bomb,
    thread_bomb,
    memory_bomb,
    cpu_spin,
    sleep_forever,
    sigterm_ignored,
    raise_rlimits,
    cgroup_escape,
    stdout_flood,
    huge_line,
    stderr_flood,
    terminal_escapes,
    lone_surrogate,
    disk_fill_cwd,
    disk_fill_tmp,
    disk_fill_shm,
    big_file,
    write_outside,
    write_system,
    read_shadow,
    read_canary,
    read_fixtures,
    environ_leak,
    fs_search,
    fd_leak,
    symlinks,
    chmod_lock,
    fifo_socket,
    deep_tree,
    connect_host,
    connect_unix,
    daemon,
    kill_parent,
    kill_all,
    ptrace,
    unshare_mount,
    denied_syscalls,
    clone_newuser,
    segfault,
    deep_recursion,
    close_fds,
    forge_events,
    monkeypatch_import,
    exit_at_import,
    os_exit_at_import,
);

#[test]
fn every_attack_file_has_one_expectation_and_one_test() {
    let dir = repo().join("tests/hostile");
    let files: BTreeSet<String> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "py"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: Vec<&str> = EXPECTATIONS.iter().map(|e| e.attack).collect();
    let expected_set: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        expected.len(),
        expected_set.len(),
        "an attack is listed twice"
    );
    let tested: BTreeSet<String> = TESTED.iter().map(|s| s.to_string()).collect();
    assert_eq!(TESTED.len(), tested.len(), "an attack is tested twice");
    assert_eq!(
        files, expected_set,
        "tests/hostile/*.py against EXPECTATIONS"
    );
    assert_eq!(
        files, tested,
        "tests/hostile/*.py against the tests in corpus!(...)"
    );
    for stem in &files {
        let source = fs::read_to_string(dir.join(format!("{stem}.py"))).unwrap();
        assert!(
            source.starts_with("\"\"\"") && source.contains("Must happen:"),
            "{stem}.py: starts with a docstring saying what it attempts and what must happen"
        );
        assert!(
            source.contains("def solve(probe)"),
            "{stem}.py defines solve(probe)"
        );
    }
    for expect in EXPECTATIONS {
        assert!(!expect.verdicts.is_empty(), "{}: no verdict", expect.attack);
        for verdict in expect.verdicts {
            assert!(
                VERDICTS.contains(verdict) && *verdict != "pass" && *verdict != "judge-error",
                "{}: {verdict} is not an acceptable outcome of an attack",
                expect.attack
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Running one attack.
// ---------------------------------------------------------------------------------------------

const VERDICTS: &[&str] = &[
    "pass",
    "wrong",
    "error",
    "timeout",
    "memory-limit",
    "output-limit",
    "crashed",
    "missing",
    "judge-error",
];

const TASK: &str = "sandbox-target";
/// A late daemon gets this long after livejudge exits to show itself.
const LATE_WAIT: Duration = Duration::from_secs(2);
/// Any one livejudge run is killed after this (the real bound, checked, is much lower).
const HARD_TIMEOUT: Duration = Duration::from_secs(300);
/// Folders where an escaping write would land (files named livejudge-escape-<nonce>).
const HOST_DIRS: &[&str] = &[
    "/tmp",
    "/var/tmp",
    "/dev/shm",
    "/",
    "/root",
    "/home",
    "/run",
    "/opt",
    "/srv",
    "/usr",
    "/usr/local",
    "/usr/bin",
    "/etc",
];
/// The uid sandboxed processes run as on the host.
const SANDBOX_UID: u32 = 65534;

fn grade_attack(attack: &str) {
    // The leftover-process checks scan /proc globally, so attacks run one at a time, and
    // while no other test runs livejudge or starts a box (support/machine.rs).
    let _alone = machine::alone();
    require_bubblewrap();
    let expect = EXPECTATIONS
        .iter()
        .find(|e| e.attack == attack)
        .unwrap_or_else(|| panic!("{attack} has no row in EXPECTATIONS"));
    let world = World::create(attack);
    let bound = 3 * case_wall_time() + Duration::from_secs(20);

    // The task's environment is built (or found) before the clock starts.
    let setup = run_bytes(
        Livejudge::new()
            .tasks(&world.tasks)
            .args(["setup", TASK])
            .command(),
    );
    assert_eq!(
        setup.run.code,
        i32::from(PASSED),
        "livejudge setup:\n{}",
        setup.run.stderr
    );

    let baseline = sandbox_processes();
    let started = Instant::now();
    let graded = run_bytes(world.grade_command("json"));
    let elapsed = started.elapsed();
    let run = &graded.run;
    explain_unusable_isolation(run);

    let mut problems: Vec<String> = Vec::new();
    let report = run.json();
    assert_matches_schema(&report);
    if report["isolation"] != "strict" {
        problems.push(format!(
            "the report says isolation {}, not \"strict\"",
            report["isolation"]
        ));
    }
    if run.code != i32::from(expect.exit) {
        problems.push(format!("exit code {}, expected {}", run.code, expect.exit));
    }
    check_verdicts(expect, &report, &mut problems);
    if elapsed > bound {
        problems.push(format!("the run took {elapsed:?}, more than {bound:?}"));
    }
    check_output(&world, &graded, &mut problems);

    if expect.extra.contains(&Extra::HumanReportNeutral) {
        let human = run_bytes(world.grade_command("human"));
        if human.run.code != i32::from(expect.exit) {
            problems.push(format!(
                "--format human: exit code {}, expected {}",
                human.run.code, expect.exit
            ));
        }
        check_output(&world, &human, &mut problems);
        for (name, text) in [("stdout", &human.run.stdout), ("stderr", &human.run.stderr)] {
            let raw: BTreeSet<String> = text
                .chars()
                .filter(|&c| reaches_the_terminal(c))
                .map(|c| format!("U+{:04X}", c as u32))
                .collect();
            if !raw.is_empty() {
                problems.push(format!(
                    "the human report's {name} carries raw control characters: {raw:?}"
                ));
            }
        }
    }

    // Whatever the run left behind has had time to act.
    std::thread::sleep(LATE_WAIT);
    world.check_escapes(&report, expect, &baseline, &mut problems);

    assert!(
        problems.is_empty(),
        "{attack}: {} problem(s):\n  - {}\n\ncases:\n{}\nlivejudge stderr:\n{}",
        problems.len(),
        problems.join("\n  - "),
        case_summary(&report),
        clip(&run.stderr, 4000),
    );
}

fn check_verdicts(expect: &Expect, report: &serde_json::Value, problems: &mut Vec<String>) {
    let submission = submission(report, 0);
    let ids: Vec<&str> = submission["cases"]
        .as_array()
        .map(|cases| cases.iter().filter_map(|c| c["id"].as_str()).collect())
        .unwrap_or_default();
    if ids != ["before", "attack", "after"] {
        problems.push(format!("cases {ids:?}, expected before, attack, after"));
        return;
    }
    let verdict = |id: &str| {
        case(submission, id)["verdict"]
            .as_str()
            .unwrap_or("?")
            .to_owned()
    };
    let attack = case(submission, "attack");
    let message = attack["message"].as_str().unwrap_or("");
    if message.contains("not sandboxed") {
        problems.push(
            "the attack's in_sandbox() guard found no sandbox (pid 1 is not bwrap, or the \
             host's outside_dir is visible), so it did not attack"
                .to_owned(),
        );
    }
    match expect.around {
        Around::Pass => {
            for id in ["before", "after"] {
                if verdict(id) != "pass" {
                    problems.push(format!("case {id}: {}, expected pass", verdict(id)));
                }
            }
            let got = verdict("attack");
            if !expect.verdicts.contains(&got.as_str()) {
                problems.push(format!(
                    "case attack: {got}, expected {}",
                    expect.verdicts.join(" or ")
                ));
            }
        }
        Around::FailAtImport(kind) => {
            for id in ["before", "attack", "after"] {
                let got = verdict(id);
                if !expect.verdicts.contains(&got.as_str()) {
                    problems.push(format!(
                        "case {id}: {got}, expected {} (the attack runs at import)",
                        expect.verdicts.join(" or ")
                    ));
                }
            }
            let problem = &submission["problem"]["kind"];
            if problem != kind {
                problems.push(format!("load problem {problem}, expected \"{kind}\""));
            }
        }
    }
    let raised = matches!(verdict("attack").as_str(), "error" | "output-limit");
    if raised && !expect.mentions.is_empty() && !expect.mentions.iter().any(|m| message.contains(m))
    {
        problems.push(format!(
            "case attack failed, but not as the sandbox should make it (expected a message \
             with {}): {}",
            expect.mentions.join(" or "),
            clip(message, 300)
        ));
    }
}

/// What livejudge printed: valid UTF-8, no raw control characters in the JSON report, and never
/// the canary (which only ever existed on the host).
fn check_output(world: &World, output: &Output, problems: &mut Vec<String>) {
    for (name, bytes) in [("stdout", &output.stdout), ("stderr", &output.stderr)] {
        if contains(bytes, world.canary.as_bytes()) {
            problems.push(format!(
                "the canary appears in livejudge's {name}: a secret leaked"
            ));
        }
        if std::str::from_utf8(bytes).is_err() {
            problems.push(format!("livejudge's {name} is not valid UTF-8"));
        }
    }
    let raw: BTreeSet<String> = output
        .run
        .stdout
        .chars()
        .filter(|&c| c < ' ' && c != '\n')
        .map(|c| format!("U+{:04X}", c as u32))
        .collect();
    if output.run.stdout.trim_start().starts_with('{') && !raw.is_empty() {
        problems.push(format!(
            "the JSON report carries raw control characters: {raw:?}"
        ));
    }
}

/// Characters that would act on a terminal rather than show.
fn reaches_the_terminal(c: char) -> bool {
    (c.is_control() && c != '\n' && c != '\t')
        || matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}')
}

/// A clear failure instead of a confusing one when strict isolation cannot run at all.
fn explain_unusable_isolation(run: &Run) {
    if run.code == i32::from(ENVIRONMENT) {
        panic!(
            "livejudge could not set up strict isolation here (exit {ENVIRONMENT}): the hostile \
             corpus needs bubblewrap, user namespaces and a delegated cgroup. Run \
             scripts/test.sh (it installs what is missing).\nstderr:\n{}",
            run.stderr
        );
    }
    if run.code == i32::from(USAGE) {
        panic!(
            "livejudge refused the command line or the task (exit {USAGE}); does this build \
             know --isolation strict?\nstderr:\n{}",
            run.stderr
        );
    }
}

fn require_bubblewrap() {
    let found = std::env::var_os("PATH").is_some_and(|path| {
        std::env::split_paths(&path).any(|dir| {
            fs::metadata(dir.join("bwrap"))
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
    });
    assert!(
        found,
        "bubblewrap (bwrap) is not installed, and the hostile corpus only runs with strict \
         isolation: run scripts/test.sh, which installs it (or apt-get install bubblewrap)"
    );
}

fn case_wall_time() -> Duration {
    let spec: toml::Value = toml::from_str(
        &fs::read_to_string(repo().join("tests/tasks").join(TASK).join("task.toml")).unwrap(),
    )
    .unwrap();
    let text = spec["limits"]["case_wall_time"].as_str().unwrap();
    humantime::parse_duration(text).unwrap()
}

fn case_summary(report: &serde_json::Value) -> String {
    submission(report, 0)["cases"]
        .as_array()
        .map(|cases| {
            cases
                .iter()
                .map(|c| {
                    format!(
                        "  {} {}: {}",
                        c["id"].as_str().unwrap_or("?"),
                        c["verdict"].as_str().unwrap_or("?"),
                        clip(c["message"].as_str().unwrap_or(""), 600).replace('\n', "\n      ")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn random_hex(bytes: usize) -> String {
    let mut buffer = vec![0u8; bytes];
    fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut buffer))
        .expect("read /dev/urandom");
    buffer.iter().map(|b| format!("{b:02x}")).collect()
}

// ---------------------------------------------------------------------------------------------
// Running livejudge with its raw output.
// ---------------------------------------------------------------------------------------------

struct Output {
    run: Run,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
}

/// Like support::run_command, but keeps the raw bytes, and fails rather than hangs when a
/// process of the run still holds livejudge's own stdout or stderr after it exited.
fn run_bytes(mut command: Command) -> Output {
    let mut child = command.spawn().expect("start livejudge");
    let (sender, receiver) = mpsc::channel();
    for (index, stream) in [
        Box::new(child.stdout.take().unwrap()) as Box<dyn Read + Send>,
        Box::new(child.stderr.take().unwrap()),
    ]
    .into_iter()
    .enumerate()
    {
        let sender = sender.clone();
        std::thread::spawn(move || {
            let mut stream = stream;
            let mut bytes = Vec::new();
            let _ = stream.read_to_end(&mut bytes);
            let _ = sender.send((index, bytes));
        });
    }
    let status = match child.wait_timeout(HARD_TIMEOUT).unwrap() {
        Some(status) => status,
        None => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("livejudge did not finish within {HARD_TIMEOUT:?}: {command:?}");
        }
    };
    let mut streams: [Vec<u8>; 2] = Default::default();
    for _ in 0..2 {
        let (index, bytes) = receiver
            .recv_timeout(Duration::from_secs(10))
            .unwrap_or_else(|_| {
                panic!(
                    "livejudge exited, but its stdout or stderr stayed open for 10 s: a \
                     process of the run holds it ({command:?})"
                )
            });
        streams[index] = bytes;
    }
    let [stdout, stderr] = streams;
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    run.assert_no_panic();
    Output {
        run,
        stdout,
        stderr,
    }
}

// ---------------------------------------------------------------------------------------------
// The world around one run: secrets, listeners, the task copy, and the checks for escapes.
// ---------------------------------------------------------------------------------------------

struct World {
    /// Inside the target folder rather than /tmp, so the secrets are not hidden merely by the
    /// sandbox's private /tmp.
    dir: tempfile::TempDir,
    nonce: String,
    canary: String,
    canary_file: PathBuf,
    outside_dir: PathBuf,
    tasks: PathBuf,
    judge_tmp: PathBuf,
    submission: PathBuf,
    listeners: Vec<Listener>,
}

impl World {
    fn create(attack: &str) -> World {
        let dir = tempfile::Builder::new()
            .prefix("hostile-")
            .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
            .unwrap();
        // Traversable by anyone: only the sandbox, not file permissions, keeps these out.
        fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
        let nonce = random_hex(8);
        let canary = format!("livejudge-canary-{}", random_hex(16));

        let canary_file = dir.path().join("canary.txt");
        fs::write(&canary_file, &canary).unwrap();
        fs::set_permissions(&canary_file, fs::Permissions::from_mode(0o644)).unwrap();
        let outside_dir = dir.path().join("outside");
        fs::create_dir(&outside_dir).unwrap();
        fs::set_permissions(&outside_dir, fs::Permissions::from_mode(0o777)).unwrap();
        let judge_tmp = dir.path().join("judge-tmp");
        fs::create_dir(&judge_tmp).unwrap();

        let v4 = std::net::TcpListener::bind("127.0.0.1:0").expect("listen on 127.0.0.1");
        let port = v4.local_addr().unwrap().port();
        let mut listeners = vec![Listener::tcp(format!("127.0.0.1:{port}"), v4)];
        let port6 = match std::net::TcpListener::bind("[::1]:0") {
            Ok(v6) => {
                let port6 = v6.local_addr().unwrap().port();
                listeners.push(Listener::tcp(format!("[::1]:{port6}"), v6));
                port6
            }
            Err(e) => {
                eprintln!("no IPv6 loopback here ({e}): the ::1 listener is left out");
                0
            }
        };
        let abstract_name = format!("livejudge-test-{nonce}");
        let address =
            std::os::unix::net::SocketAddr::from_abstract_name(abstract_name.as_bytes()).unwrap();
        let unix = std::os::unix::net::UnixListener::bind_addr(&address)
            .expect("listen on an abstract Unix socket");
        listeners.push(Listener::unix(format!("@{abstract_name}"), unix));

        let tasks = dir.path().join("tasks");
        let task_dir = tasks.join(TASK);
        let fixtures_dir = task_dir.join("fixtures");
        let substitutions: Vec<(&str, String)> = vec![
            ("@NONCE@", nonce.clone()),
            ("@HOST_PORT@", port.to_string()),
            ("@HOST_PORT6@", port6.to_string()),
            ("@CANARY_FILE@", path_text(&canary_file)),
            ("@OUTSIDE_DIR@", path_text(&outside_dir)),
            ("@FIXTURES_DIR@", path_text(&fixtures_dir)),
            ("@CANARY@", canary.clone()),
        ];
        copy_substituted(
            &repo().join("tests/tasks").join(TASK),
            &task_dir,
            &substitutions,
        );

        let submission_dir = dir.path().join("submission");
        fs::create_dir(&submission_dir).unwrap();
        let submission = submission_dir.join(format!("{attack}.py"));
        fs::copy(
            repo().join("tests/hostile").join(format!("{attack}.py")),
            &submission,
        )
        .unwrap();

        World {
            dir,
            nonce,
            canary,
            canary_file,
            outside_dir,
            tasks,
            judge_tmp,
            submission,
            listeners,
        }
    }

    fn grade_command(&self, format: &str) -> Command {
        Grade::task(TASK)
            .tasks(&self.tasks)
            .tmpdir(&self.judge_tmp)
            // The judge's own environment must never reach the sandbox.
            .env("LIVEJUDGE_TEST_CANARY", &self.canary)
            .submission(&self.submission)
            .args(["--format", format, "--isolation", "strict"])
            .livejudge()
            .command()
    }

    fn check_escapes(
        &self,
        report: &serde_json::Value,
        expect: &Expect,
        baseline: &BTreeSet<i32>,
        problems: &mut Vec<String>,
    ) {
        for listener in &self.listeners {
            for connection in listener.connections() {
                problems.push(format!(
                    "the host's listener got a connection: {connection}"
                ));
            }
        }
        match fs::read_dir(&self.outside_dir) {
            Ok(entries) => {
                let names: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                if !names.is_empty() {
                    problems.push(format!("outside_dir is not empty: {names:?}"));
                }
            }
            Err(e) => problems.push(format!("outside_dir is gone: {e}")),
        }
        match fs::read_to_string(&self.canary_file) {
            Ok(text) if text == self.canary => {}
            Ok(_) => problems.push("canary_file was changed".to_owned()),
            Err(e) => problems.push(format!("canary_file is gone: {e}")),
        }
        for path in self.host_escapes() {
            problems.push(format!("written on the host: {}", path.display()));
        }
        if expect.extra.contains(&Extra::InterpreterUntouched) {
            match interpreter_prefix(report) {
                Some(prefix) => {
                    for path in named_after(&prefix, &self.nonce, 4) {
                        problems.push(format!("written into the interpreter: {}", path.display()));
                        // Named after this run's nonce: nothing but the escape is removed.
                        let _ = fs::remove_file(&path);
                    }
                }
                None => problems.push("the report names no interpreter".to_owned()),
            }
        }
        for process in processes() {
            if contains(&process.cmdline, self.nonce.as_bytes()) {
                problems.push(format!(
                    "process {} outlived livejudge, with the nonce in its command line: {}",
                    process.pid,
                    process.shown()
                ));
            } else if process.is_sandboxed() && !baseline.contains(&process.pid) {
                problems.push(format!(
                    "process {} (uid {:?}) outlived livejudge: {}",
                    process.pid,
                    process.uid,
                    process.shown()
                ));
            }
        }
        match fs::read_dir(&self.judge_tmp) {
            Ok(entries) => {
                let left: Vec<String> = entries
                    .flatten()
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect();
                if !left.is_empty() {
                    problems.push(format!("livejudge left in its TMPDIR: {left:?}"));
                }
            }
            Err(e) => problems.push(format!("livejudge's TMPDIR is gone: {e}")),
        }
    }

    /// Files named after the nonce in the host folders an escaping write would reach, and in
    /// the livejudge cache (the task environments later submissions share).
    fn host_escapes(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        for dir in HOST_DIRS {
            found.extend(named_after(Path::new(dir), &self.nonce, 0));
        }
        found.extend(named_after(&cache_dir(), &self.nonce, usize::MAX));
        found
    }
}

impl Drop for World {
    fn drop(&mut self) {
        // Whatever escaped is removed, and whatever outlived the run is stopped: both carry
        // this run's nonce, so nothing else is touched.
        for process in processes() {
            if contains(&process.cmdline, self.nonce.as_bytes()) {
                // SAFETY: kill on a pid read from /proc, whose command line holds our nonce.
                unsafe { libc::kill(process.pid, libc::SIGKILL) };
            }
        }
        for path in self.host_escapes() {
            match fs::symlink_metadata(&path) {
                Ok(meta) if meta.is_dir() => {
                    let _ = fs::remove_dir_all(&path);
                }
                Ok(_) => {
                    let _ = fs::remove_file(&path);
                }
                Err(_) => {}
            }
        }
        // A workspace left behind may hold folders locked with chmod 000.
        unlock(self.dir.path());
    }
}

fn path_text(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 temporary path").to_owned();
    assert!(
        !text.contains(['"', '\\', '\n']),
        "{text}: substituted into TOML strings verbatim"
    );
    text
}

/// Copies the task folder, filling in the placeholders of every file.
fn copy_substituted(from: &Path, to: &Path, substitutions: &[(&str, String)]) {
    let placeholder = regex::Regex::new("@[A-Z][A-Z0-9_]*@").unwrap();
    copy_filled(from, to, substitutions, &placeholder);
}

fn copy_filled(
    from: &Path,
    to: &Path,
    substitutions: &[(&str, String)],
    placeholder: &regex::Regex,
) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_filled(&entry.path(), &target, substitutions, placeholder);
            continue;
        }
        let mut text = fs::read_to_string(entry.path()).unwrap();
        for (name, value) in substitutions {
            text = text.replace(name, value);
        }
        assert!(
            !placeholder.is_match(&text),
            "{}: a placeholder the test does not fill: {:?}",
            entry.path().display(),
            placeholder.find(&text).map(|m| m.as_str())
        );
        fs::write(&target, text).unwrap();
    }
}

/// Entries under `root` whose name contains `needle`, down to `depth` levels below it.
fn named_after(root: &Path, needle: &str, depth: usize) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![(root.to_owned(), 0usize)];
    let mut visited = 0usize;
    while let Some((dir, level)) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            visited += 1;
            if visited > 1_000_000 {
                return found;
            }
            let path = entry.path();
            if entry.file_name().to_string_lossy().contains(needle) {
                found.push(path.clone());
            }
            if level < depth && entry.file_type().is_ok_and(|t| t.is_dir()) {
                stack.push((path, level + 1));
            }
        }
    }
    found
}

/// The prefix of the real interpreter the report names (…/bin/python3.X -> …).
fn interpreter_prefix(report: &serde_json::Value) -> Option<PathBuf> {
    let executable = fs::canonicalize(report["python"]["executable"].as_str()?).ok()?;
    Some(executable.parent()?.parent()?.to_owned())
}

fn unlock(dir: &Path) {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o755));
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                unlock(&entry.path());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Host processes.
// ---------------------------------------------------------------------------------------------

struct Process {
    pid: i32,
    uid: Option<u32>,
    cmdline: Vec<u8>,
}

impl Process {
    /// Started for a sandboxed run: bubblewrap, the harness runtime or its forks, or anything
    /// running as the sandbox's uid.
    fn is_sandboxed(&self) -> bool {
        let argv0 = self.cmdline.split(|&b| b == 0).next().unwrap_or_default();
        let name = argv0.rsplit(|&b| b == b'/').next().unwrap_or_default();
        name == b"bwrap"
            || contains(&self.cmdline, b"livejudge_runtime")
            || self.uid == Some(SANDBOX_UID)
    }

    fn shown(&self) -> String {
        clip(
            &String::from_utf8_lossy(&self.cmdline).replace('\0', " "),
            300,
        )
    }
}

fn processes() -> Vec<Process> {
    let me = std::process::id() as i32;
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&pid| pid != me)
        .map(|pid| {
            let cmdline = fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            let uid = fs::read_to_string(format!("/proc/{pid}/status"))
                .ok()
                .and_then(|status| {
                    status
                        .lines()
                        .find(|l| l.starts_with("Uid:"))?
                        .split_whitespace()
                        .nth(1)?
                        .parse()
                        .ok()
                });
            Process { pid, uid, cmdline }
        })
        .collect()
}

/// Pids of sandbox-looking processes that already ran before livejudge started (another
/// run's, or a service running as nobody): only new ones count as left behind.
fn sandbox_processes() -> BTreeSet<i32> {
    processes()
        .into_iter()
        .filter(Process::is_sandboxed)
        .map(|p| p.pid)
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Listeners on the host that record every connection.
// ---------------------------------------------------------------------------------------------

type Accepted = std::io::Result<(Box<dyn Read + Send>, String)>;

struct Listener {
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Listener {
    fn tcp(name: String, listener: std::net::TcpListener) -> Listener {
        listener.set_nonblocking(true).unwrap();
        Listener::serve(name, move || {
            let (stream, peer) = listener.accept()?;
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(Some(Duration::from_millis(500)))?;
            Ok((Box::new(stream), peer.to_string()))
        })
    }

    fn unix(name: String, listener: std::os::unix::net::UnixListener) -> Listener {
        listener.set_nonblocking(true).unwrap();
        Listener::serve(name, move || {
            let (stream, peer) = listener.accept()?;
            stream.set_nonblocking(false)?;
            stream.set_read_timeout(Some(Duration::from_millis(500)))?;
            Ok((Box::new(stream), format!("{peer:?}")))
        })
    }

    fn serve(name: String, mut accept: impl FnMut() -> Accepted + Send + 'static) -> Listener {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let seen = Arc::clone(&seen);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match accept() {
                        Ok((mut stream, peer)) => {
                            let record = |line: String| {
                                seen.lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .push(line);
                            };
                            record(format!("{name} accepted a connection from {peer}"));
                            let mut buffer = [0u8; 256];
                            let read = stream.read(&mut buffer).unwrap_or(0);
                            if read > 0 {
                                record(format!(
                                    "{name} received {:?}",
                                    String::from_utf8_lossy(&buffer[..read])
                                ));
                            }
                        }
                        Err(_) => std::thread::sleep(Duration::from_millis(10)),
                    }
                }
            })
        };
        Listener {
            seen,
            stop,
            thread: Some(thread),
        }
    }

    fn connections(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
