//! The hostile corpus: every attack in tests/hostile/ is graded against the test task
//! tests/tasks/sandbox-target with `--isolation strict`. The attack runs in the case `attack`,
//! between two echo cases. Each test checks the verdicts in the table of expectations.rs, that
//! the run stays within a time bound, and that nothing escaped the sandbox: no secret in
//! livejudge's output, no connection to the host's listeners, no file written on the host, no
//! process left behind, no workspace left behind.
//!
//! The attacks are only ever run through livejudge with strict isolation: the destructive ones
//! (fork, thread and memory bombs, disk fills, kill(-1), ...) check that they run inside
//! bubblewrap first and do nothing elsewhere.
//!
//! expectations.rs holds the table of what must become of each attack, world.rs what is set
//! up around a run and checked after it, checks.rs the checks of the report and the output;
//! processes.rs and listeners.rs watch the host's processes and loopback.

use std::collections::BTreeSet;
use std::fs;
use std::time::{Duration, Instant};

use livejudge::error::exit::PASSED;

use crate::support::*;

use checks::{
    case_summary, case_wall_time, check_output, check_verdicts, clip, explain_unusable_isolation,
    reaches_the_terminal, require_bubblewrap,
};
use expectations::{EXPECTATIONS, Extra, VERDICTS};
use processes::sandbox_processes;
use run::run_bytes;
use world::World;

mod checks;
mod expectations;
mod listeners;
mod processes;
mod run;
mod world;

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

/// The test task every attack is graded against (tests/tasks/sandbox-target).
const TASK: &str = "sandbox-target";
/// A late daemon gets this long after livejudge exits to show itself.
const LATE_WAIT: Duration = Duration::from_secs(2);

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
