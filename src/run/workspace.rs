//! The per-submission workspace on the host: a private temporary folder holding the run
//! directory (the submission), the judge directory (runtime and harness) and a TMPDIR.
//!
//! The run directory is written by untrusted code, so nothing here follows a symlink out of
//! it: copying in never follows links, and removal never descends through one.

use std::fs;
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Limits on what a submission folder may hold, so a stray `node_modules` cannot stall a run.
pub use crate::util::digest::{MAX_BYTES, MAX_FILES};

/// Written into a workspace once it is locked: a workspace with it whose lock is free was
/// left by a livejudge that died (SIGKILL, a crash), and the next run removes it.
const MARKER: &str = ".livejudge-workspace";

pub struct Workspace {
    root: PathBuf,
    /// Holds the workspace's lock (an flock on its folder) while it is in use.
    _lock: fs::File,
    pub run_dir: PathBuf,
    pub judge_dir: PathBuf,
    pub tmp_dir: PathBuf,
}

impl Workspace {
    pub fn create() -> io::Result<Workspace> {
        let root = tempfile::Builder::new()
            .prefix("livejudge-")
            .tempdir()?
            .keep();
        let lock = lock_dir(&root, true)?;
        fs::write(root.join(MARKER), std::process::id().to_string())?;
        let workspace = Workspace {
            _lock: lock,
            run_dir: root.join("run"),
            judge_dir: root.join("judge"),
            tmp_dir: root.join("tmp"),
            root,
        };
        for dir in [&workspace.run_dir, &workspace.judge_dir, &workspace.tmp_dir] {
            create_readable_dir(dir)?;
        }
        Ok(workspace)
    }

    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        let _ = remove_tree(&self.root);
    }
}

/// Locks `dir` (an flock on the folder itself, released when its owner dies), without
/// waiting unless `wait`.
fn lock_dir(dir: &Path, wait: bool) -> io::Result<fs::File> {
    let file = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(dir)?;
    let operation = if wait {
        libc::LOCK_EX
    } else {
        libc::LOCK_EX | libc::LOCK_NB
    };
    // SAFETY: flock on a descriptor we own.
    if unsafe { libc::flock(std::os::fd::AsRawFd::as_raw_fd(&file), operation) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(file)
}

/// Removes workspaces of this user left in the temporary folder by a livejudge that was
/// killed before it could clean up.
pub fn sweep_stale() {
    use std::os::unix::fs::MetadataExt;
    let temp = std::env::temp_dir();
    let Ok(entries) = fs::read_dir(&temp) else {
        return;
    };
    // SAFETY: geteuid has no preconditions.
    let me = unsafe { libc::geteuid() };
    for entry in entries.flatten() {
        let path = entry.path();
        let ours = entry
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("livejudge-"))
            && fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir() && m.uid() == me)
            && fs::symlink_metadata(path.join(MARKER)).is_ok_and(|m| m.is_file());
        if !ours {
            continue;
        }
        if let Ok(_lock) = lock_dir(&path, false) {
            let _ = remove_tree(&path);
        }
    }
}

/// What copying a submission folder left out.
#[derive(Debug, Default)]
pub struct CopyReport {
    pub skipped: Vec<String>,
}

/// Copies a submission folder: directories and regular files only. Symlinks, devices and
/// sockets are skipped (a link could point the judge at a file outside the submission).
pub fn copy_submission_dir(from: &Path, to: &Path) -> io::Result<CopyReport> {
    let mut report = CopyReport::default();
    let mut files = 0usize;
    let mut bytes = 0u64;
    let mut stack = vec![(from.to_owned(), to.to_owned())];
    while let Some((source_dir, target_dir)) = stack.pop() {
        let mut entries: Vec<fs::DirEntry> =
            fs::read_dir(&source_dir)?.collect::<Result<_, _>>()?;
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            let source = entry.path();
            let target = target_dir.join(entry.file_name());
            let kind = fs::symlink_metadata(&source)?.file_type();
            if kind.is_dir() {
                create_readable_dir(&target)?;
                stack.push((source, target));
            } else if kind.is_file() {
                files += 1;
                bytes += copy_file_nofollow(&source, &target)?;
                if files > MAX_FILES || bytes > MAX_BYTES {
                    return Err(io::Error::other(format!(
                        "the submission folder is too large (more than {MAX_FILES} files or {} MiB)",
                        MAX_BYTES >> 20
                    )));
                }
            } else {
                let shown = source.strip_prefix(from).unwrap_or(&source);
                report.skipped.push(shown.display().to_string());
            }
        }
    }
    Ok(report)
}

/// Copies a regular file without following a symlink at `source`, returning its size.
pub fn copy_file_nofollow(source: &Path, target: &Path) -> io::Result<u64> {
    let mut input = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW)
        .open(source)?;
    if !input.metadata()?.is_file() {
        return Err(io::Error::other(format!(
            "{} is not a regular file",
            source.display()
        )));
    }
    let mut output = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(target)?;
    // Bounded while copying, not by the size it claims: it may grow as it is read.
    let copied = io::copy(&mut io::Read::take(&mut input, MAX_BYTES + 1), &mut output)?;
    if copied > MAX_BYTES {
        return Err(io::Error::other(format!(
            "{} is larger than {} MiB",
            source.display(),
            MAX_BYTES >> 20
        )));
    }
    output.set_permissions(fs::Permissions::from_mode(0o644))?;
    Ok(copied)
}

/// A folder the box's uid can read, whatever the judge's umask.
fn create_readable_dir(dir: &Path) -> io::Result<()> {
    fs::create_dir(dir)?;
    fs::set_permissions(dir, fs::Permissions::from_mode(0o755))
}

/// Writes a judge file (runtime, harness) the box's uid can read, whatever the umask.
pub fn write_readable(path: &Path, contents: &[u8]) -> io::Result<()> {
    fs::write(path, contents)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o644))
}

/// Removes a tree the submission may have tampered with: it never follows symlinks
/// (`remove_dir_all` unlinks them), and it restores permissions the submission took away
/// (a `chmod 000` folder) before trying again.
pub fn remove_tree(root: &Path) -> io::Result<()> {
    match fs::remove_dir_all(root) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(_) => {
            make_removable(root);
            fs::remove_dir_all(root)
        }
    }
}

fn make_removable(dir: &Path) {
    let Ok(meta) = fs::symlink_metadata(dir) else {
        return;
    };
    if !meta.is_dir() {
        return;
    }
    let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            if entry.file_type().is_ok_and(|t| t.is_dir()) {
                make_removable(&entry.path());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_skips_links_and_removal_survives_locked_folders() {
        let outside = tempfile::tempdir().unwrap();
        let secret = outside.path().join("secret.txt");
        fs::write(&secret, "do not copy").unwrap();

        let source = tempfile::tempdir().unwrap();
        fs::write(source.path().join("solution.py"), "x = 1").unwrap();
        fs::create_dir(source.path().join("pkg")).unwrap();
        fs::write(source.path().join("pkg/util.py"), "y = 2").unwrap();
        std::os::unix::fs::symlink(&secret, source.path().join("pkg/leak.txt")).unwrap();

        let workspace = Workspace::create().unwrap();
        let report = copy_submission_dir(source.path(), &workspace.run_dir).unwrap();
        assert_eq!(report.skipped, ["pkg/leak.txt"]);
        assert!(workspace.run_dir.join("pkg/util.py").is_file());
        assert!(!workspace.run_dir.join("pkg/leak.txt").exists());

        // A link planted in the run dir pointing outside, and a folder locked with chmod 000.
        std::os::unix::fs::symlink(outside.path(), workspace.run_dir.join("out")).unwrap();
        let locked = workspace.run_dir.join("locked");
        fs::create_dir(&locked).unwrap();
        fs::write(locked.join("f"), "x").unwrap();
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o000)).unwrap();
        let root = workspace.root().to_owned();
        drop(workspace);
        assert!(!root.exists());
        assert_eq!(fs::read_to_string(&secret).unwrap(), "do not copy");
    }
}
