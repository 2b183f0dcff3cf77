//! Tests that look at the whole machine, and the tests that would disturb them.
//!
//! Every test runs in one test binary, several at a time. Most of them only look at what
//! their own livejudge did, but the hostile corpus also scans /proc for any sandboxed process
//! (bubblewrap, the harness runtime, the box's uid) that appeared during its run and outlived
//! it, which another test's box would look like; and its fork bombs and floods load the
//! machine and churn through pids while they run. So an attack runs [`alone`]: while it does,
//! no other test runs livejudge or starts a box, and it waits until those already running are
//! done. (In their own binaries, the attacks only ever ran beside one another, one at a time.)
//!
//! The other side is taken for them: every livejudge run by [`super::run_command`], the
//! builders and [`super::Livejudge::spawn`] holds [`shared`] while it runs. A test that starts
//! boxes through the library, or that checks pids after its livejudge is gone, takes
//! `shared()` itself for its whole length.
//!
//! The library's server supervisor is worse company still: it reaps orphans as livejudge does,
//! killing every child of its process that is not one of its own, so the tests that use it run
//! [`in_own_process`].
//!
//! `shared` is re-entrant within a thread (a test holding it may run livejudge again); a test
//! holding it must not wait for another thread that takes it, since a waiting `alone` stops
//! new holders.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::process::{Command, Stdio};
use std::sync::{PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

static MACHINE: RwLock<()> = RwLock::new(());

thread_local! {
    /// This thread's hold on MACHINE for reading, and how many `Shared` share it.
    static SHARED: RefCell<(usize, Option<RwLockReadGuard<'static, ()>>)> =
        const { RefCell::new((0, None)) };
    /// Whether this thread runs alone (then `shared` has nothing to take).
    static ALONE: RefCell<bool> = const { RefCell::new(false) };
}

/// A hold on the machine alongside other such tests; released when the last one of this
/// thread is dropped. Not `Send`: it belongs to the thread that took it.
pub struct Shared {
    /// Whether this one counts among the thread's holders (not when taken while alone).
    counted: bool,
    _thread: PhantomData<*const ()>,
}

pub fn shared() -> Shared {
    let counted = !ALONE.with_borrow(|alone| *alone);
    if counted {
        SHARED.with_borrow_mut(|(holders, guard)| {
            if *holders == 0 {
                *guard = Some(MACHINE.read().unwrap_or_else(PoisonError::into_inner));
            }
            *holders += 1;
        });
    }
    Shared {
        counted,
        _thread: PhantomData,
    }
}

impl Drop for Shared {
    fn drop(&mut self) {
        if self.counted {
            SHARED.with_borrow_mut(|(holders, guard)| {
                *holders -= 1;
                if *holders == 0 {
                    *guard = None;
                }
            });
        }
    }
}

/// The machine to this test alone, until dropped.
pub struct Alone {
    _guard: RwLockWriteGuard<'static, ()>,
}

pub fn alone() -> Alone {
    assert!(
        SHARED.with_borrow(|(holders, _)| *holders == 0),
        "a test holding machine::shared() cannot also run alone"
    );
    let guard = MACHINE.write().unwrap_or_else(PoisonError::into_inner);
    ALONE.with_borrow_mut(|alone| *alone = true);
    Alone { _guard: guard }
}

impl Drop for Alone {
    fn drop(&mut self) {
        ALONE.with_borrow_mut(|alone| *alone = false);
    }
}

/// Runs the test `name` (as the harness names it: [`this_test!`]) in a process of its own: a
/// new run of this test binary with that one test, whose body is `body`.
///
/// For tests that start servers through the library in the test process: the library's
/// supervisor then reaps orphans as livejudge does, killing and reaping every child of the
/// process that is not one of its own groups, which here would be the livejudge runs,
/// browsers and interpreters of the tests running beside it.
pub fn in_own_process(name: &str, body: impl FnOnce()) {
    const OWN_PROCESS: &str = "LIVEJUDGE_TEST_OWN_PROCESS";
    if std::env::var_os(OWN_PROCESS).is_some_and(|own| own == name) {
        body();
        return;
    }
    // The boxes it starts are the hostile corpus's business too.
    let _machine = shared();
    let output = Command::new(std::env::current_exe().expect("the test binary's path"))
        .args([name, "--exact", "--test-threads=1"])
        .env(OWN_PROCESS, name)
        .stdin(Stdio::null())
        .output()
        .expect("run the test binary again");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.contains("test result: ok. 1 passed"),
        "{name}, in a process of its own ({}):\n{stdout}\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The name of the test this is used in, as the test harness knows it (`module::function`).
macro_rules! this_test {
    () => {{
        fn here() {}
        let name = std::any::type_name_of_val(&here);
        let function = name.strip_suffix("::here").expect("a path to a function");
        // Without the crate's name: the harness's names start at its modules.
        function.split_once("::").expect("a crate and a module").1
    }};
}
pub(crate) use this_test;
