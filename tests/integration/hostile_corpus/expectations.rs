//! The expectations: one row per file in tests/hostile/ (tests/hostile/README.md explains them).

use livejudge::error::exit::FAILED;

/// What must become of one attack.
pub(super) struct Expect {
    /// File stem in tests/hostile/.
    pub(super) attack: &'static str,
    /// livejudge's exit code (one of `livejudge::error::exit`).
    pub(super) exit: u8,
    /// Acceptable verdicts of the `attack` case (more than one where the outcome may
    /// legitimately vary, e.g. by Python version or by which limit trips first).
    pub(super) verdicts: &'static [&'static str],
    /// The cases around the attack.
    pub(super) around: Around,
    /// When the attack case's verdict is `error` or `output-limit`, its message must contain
    /// one of these: the failure the sandbox was meant to cause, not a bug in the attack.
    pub(super) mentions: &'static [&'static str],
    /// Checks beyond those every attack gets.
    pub(super) extra: &'static [Extra],
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Around {
    /// `before` and `after` pass (after a crash or timeout, `after` runs in a fresh process).
    Pass,
    /// The attack runs at import: every case fails with one of `verdicts`, and the submission's
    /// load problem has this kind.
    FailAtImport(&'static str),
}

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Extra {
    /// Graded a second time with `--format human`: no control character (other than newline
    /// and tab) and no bidi control reaches the reader's terminal.
    HumanReportNeutral,
    /// No file named after the nonce in the real interpreter's prefix (up to 4 levels deep).
    InterpreterUntouched,
}

pub(super) const PASS: Around = Around::Pass;
pub(super) const NONE: &[&str] = &[];
/// A full filesystem or a file over the size limit, as Python words it (verdict `error`) or as
/// the judge does (verdict `output-limit`).
pub(super) const DISK_FULL: &[&str] = &[
    "No space left on device",
    "Disk quota exceeded",
    "File too large",
    "ran out of disk space",
    "larger than the disk limit",
];

pub(super) const fn row(
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
pub(super) const EXPECTATIONS: &[Expect] = &[
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

pub(super) const VERDICTS: &[&str] = &[
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
