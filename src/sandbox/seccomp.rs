//! A seccomp filter (defence in depth under the namespaces): system calls a submission has no
//! business making fail with EPERM. bubblewrap installs it just before it executes the
//! submission, so bubblewrap's own setup is not affected.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::fd::{FromRawFd, OwnedFd};

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Kernel surface a sandboxed Python program never needs, and that escapes go through:
/// debugging other processes, mounting and namespaces, kernel keyrings, eBPF, perf, modules,
/// io_uring and handle-based file access.
fn denied() -> Vec<i64> {
    let mut calls = vec![
        libc::SYS_ptrace,
        libc::SYS_process_vm_readv,
        libc::SYS_process_vm_writev,
        libc::SYS_mount,
        libc::SYS_umount2,
        libc::SYS_pivot_root,
        libc::SYS_chroot,
        libc::SYS_unshare,
        libc::SYS_setns,
        libc::SYS_keyctl,
        libc::SYS_add_key,
        libc::SYS_request_key,
        libc::SYS_bpf,
        libc::SYS_perf_event_open,
        libc::SYS_kexec_load,
        libc::SYS_kexec_file_load,
        libc::SYS_init_module,
        libc::SYS_finit_module,
        libc::SYS_delete_module,
        libc::SYS_swapon,
        libc::SYS_swapoff,
        libc::SYS_reboot,
        libc::SYS_acct,
        libc::SYS_quotactl,
        libc::SYS_userfaultfd,
        libc::SYS_open_by_handle_at,
        libc::SYS_name_to_handle_at,
        libc::SYS_fsopen,
        libc::SYS_fsconfig,
        libc::SYS_fsmount,
        libc::SYS_fspick,
        libc::SYS_move_mount,
        libc::SYS_open_tree,
        libc::SYS_mount_setattr,
        libc::SYS_io_uring_setup,
        libc::SYS_io_uring_enter,
        libc::SYS_io_uring_register,
        libc::SYS_syslog,
        libc::SYS_vhangup,
        libc::SYS_settimeofday,
        libc::SYS_clock_settime,
        libc::SYS_clock_adjtime,
        libc::SYS_adjtimex,
        libc::SYS_kcmp,
        libc::SYS_pidfd_getfd,
        libc::SYS_process_madvise,
    ];
    #[cfg(target_arch = "x86_64")]
    calls.extend([
        libc::SYS_iopl,
        libc::SYS_ioperm,
        libc::SYS_modify_ldt,
        libc::SYS_uselib,
    ]);
    calls
}

/// New namespaces, by flag: with them a process could build a world of its own (user
/// namespaces are also disabled by bubblewrap; this makes the refusal a plain EPERM).
const NAMESPACE_FLAGS: [u64; 7] = [
    libc::CLONE_NEWUSER as u64,
    libc::CLONE_NEWNS as u64,
    libc::CLONE_NEWPID as u64,
    libc::CLONE_NEWNET as u64,
    libc::CLONE_NEWUTS as u64,
    libc::CLONE_NEWIPC as u64,
    libc::CLONE_NEWCGROUP as u64,
];

/// The compiled filters, or why this machine cannot have them: the EPERM filter, then one
/// that answers clone3 with ENOSYS (its flags live in memory a filter cannot read; libc then
/// falls back to clone, whose flags the first filter checks).
pub fn compile() -> Result<Vec<Vec<u8>>, String> {
    let arch = TargetArch::try_from(std::env::consts::ARCH)
        .map_err(|_| format!("no seccomp filter for {}", std::env::consts::ARCH))?;
    let mut denied: BTreeMap<i64, Vec<SeccompRule>> = denied()
        .into_iter()
        .map(|call| (call, Vec::new()))
        .collect();
    let clone_rules = NAMESPACE_FLAGS
        .iter()
        .map(|&flag| {
            SeccompCondition::new(
                0,
                SeccompCmpArgLen::Qword,
                SeccompCmpOp::MaskedEq(flag),
                flag,
            )
            .and_then(|condition| SeccompRule::new(vec![condition]))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("cannot build the seccomp filter: {e}"))?;
    denied.insert(libc::SYS_clone, clone_rules);
    let clone3: BTreeMap<i64, Vec<SeccompRule>> = [(libc::SYS_clone3, Vec::new())].into();
    [(denied, libc::EPERM), (clone3, libc::ENOSYS)]
        .into_iter()
        .map(|(rules, errno)| {
            let filter = SeccompFilter::new(
                rules,
                SeccompAction::Allow,
                SeccompAction::Errno(errno as u32),
                arch,
            )
            .map_err(|e| format!("cannot build the seccomp filter: {e}"))?;
            let program: BpfProgram = filter
                .try_into()
                .map_err(|e| format!("cannot compile the seccomp filter: {e}"))?;
            let mut bytes = Vec::with_capacity(program.len() * 8);
            for instruction in program {
                bytes.extend_from_slice(&instruction.code.to_ne_bytes());
                bytes.push(instruction.jt);
                bytes.push(instruction.jf);
                bytes.extend_from_slice(&instruction.k.to_ne_bytes());
            }
            Ok(bytes)
        })
        .chain(x32_filter().map(Ok))
        .collect()
}

/// On x86_64, system calls can also be made through the x32 ABI (numbers with bit 30 set, the
/// same audit architecture), which a filter by number would let through: refuse them all.
#[cfg(target_arch = "x86_64")]
fn x32_filter() -> Option<Vec<u8>> {
    const LOAD_WORD: u16 = 0x20; // BPF_LD | BPF_W | BPF_ABS
    const JUMP_EQUAL: u16 = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    const JUMP_AT_LEAST: u16 = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    const RETURN: u16 = 0x06; // BPF_RET | BPF_K
    const AUDIT_ARCH_X86_64: u32 = 0xc000_003e;
    const X32_SYSCALL_BIT: u32 = 0x4000_0000;
    const SECCOMP_RET_ERRNO: u32 = 0x0005_0000;
    const SECCOMP_RET_ALLOW: u32 = 0x7fff_0000;
    // (code, jump if true, jump if false, operand)
    let program: [(u16, u8, u8, u32); 6] = [
        (LOAD_WORD, 0, 0, 4), // seccomp_data.arch
        (JUMP_EQUAL, 0, 3, AUDIT_ARCH_X86_64),
        (LOAD_WORD, 0, 0, 0), // seccomp_data.nr
        (JUMP_AT_LEAST, 0, 1, X32_SYSCALL_BIT),
        (RETURN, 0, 0, SECCOMP_RET_ERRNO | libc::ENOSYS as u32),
        (RETURN, 0, 0, SECCOMP_RET_ALLOW),
    ];
    let mut bytes = Vec::with_capacity(program.len() * 8);
    for (code, jt, jf, k) in program {
        bytes.extend_from_slice(&code.to_ne_bytes());
        bytes.push(jt);
        bytes.push(jf);
        bytes.extend_from_slice(&k.to_ne_bytes());
    }
    Some(bytes)
}

#[cfg(not(target_arch = "x86_64"))]
fn x32_filter() -> Option<Vec<u8>> {
    None
}

/// A fresh descriptor holding `program`, read from the start (bubblewrap reads it once).
pub fn program_fd(program: &[u8]) -> std::io::Result<OwnedFd> {
    // SAFETY: memfd_create with a static name; the result is checked before use.
    let fd = unsafe { libc::memfd_create(c"livejudge-seccomp".as_ptr(), libc::MFD_CLOEXEC) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: a descriptor we just created and own.
    let mut file = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(fd) });
    file.write_all(program)?;
    std::io::Seek::rewind(&mut file)?;
    Ok(file.into())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_filters_compile_to_whole_instructions() {
        let programs = super::compile().unwrap();
        assert_eq!(
            programs.len(),
            if cfg!(target_arch = "x86_64") { 3 } else { 2 }
        );
        for program in programs {
            assert!(!program.is_empty());
            assert_eq!(program.len() % 8, 0);
        }
    }
}
