//! Tests that look at the whole machine, and the tests that would disturb them.
//!
//! Every test runs in one test binary, several at a time. Most of them only look at what
//! their own livejudge did, but the hostile corpus also scans /proc for any sandboxed process
//! (bubblewrap, the harness runtime, the box's uid) that appeared during its run and outlived
//! it, and its fork and thread bombs use up pids and the box uid's process count for as long
//! as they run. So an attack runs [`alone`]: while it does, no other test runs livejudge or
//! starts a box, and it waits until those already running are done.
//!
//! The other side is taken for them: every livejudge run by [`super::run_command`], the
//! builders and [`super::Livejudge::spawn`] holds [`shared`] while it runs. A test that starts
//! boxes through the library, or that checks pids after its livejudge is gone, takes
//! `shared()` itself for its whole length.
//!
//! `shared` is re-entrant within a thread (a test holding it may run livejudge again); a test
//! holding it must not wait for another thread that takes it, since a waiting `alone` stops
//! new holders.

use std::cell::RefCell;
use std::marker::PhantomData;
use std::sync::{PoisonError, RwLock, RwLockReadGuard};

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
