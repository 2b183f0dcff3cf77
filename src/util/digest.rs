//! Content digests: what identifies a submission's and a task's files.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The most files a submission (or a task) may hold: its copy and its digest stop there.
pub const MAX_FILES: usize = 5_000;
/// The most bytes a submission (or a task) may hold.
pub const MAX_BYTES: u64 = 64 << 20;

/// Hex SHA-256 of the files under `roots` (relative path and bytes, in a stable order),
/// skipping `skip` folder names. Symlinks are hashed by their target path, not followed, and
/// what is neither a file nor a folder (a FIFO would block the reader) is left out: the same
/// things a submission's copy leaves out. Past the copy's limits (files, bytes) it is an
/// error rather than a long read.
pub fn digest_tree(roots: &[&Path], skip: &[&str]) -> std::io::Result<String> {
    use std::io::Read;
    let too_large = || {
        std::io::Error::other(format!(
            "more than {} files or {} MiB",
            MAX_FILES,
            MAX_BYTES >> 20
        ))
    };
    let mut hasher = Sha256::new();
    let mut budget = MAX_BYTES;
    let mut buffer = vec![0u8; 64 << 10];
    for (i, root) in roots.iter().enumerate() {
        hasher.update(format!("root {i}\n"));
        let mut files = Vec::new();
        collect(root, Path::new(""), skip, &mut files)?;
        if files.len() > MAX_FILES {
            return Err(too_large());
        }
        files.sort();
        for relative in files {
            let path = under(root, &relative);
            let meta = std::fs::symlink_metadata(&path)?;
            let kind = meta.file_type();
            if !kind.is_symlink() && !kind.is_file() {
                continue;
            }
            hasher.update(relative.to_string_lossy().as_bytes());
            hasher.update(b"\0");
            if kind.is_symlink() {
                hasher.update(b"link:");
                hasher.update(std::fs::read_link(&path)?.to_string_lossy().as_bytes());
            } else {
                let mut file = std::fs::File::open(&path)?;
                loop {
                    let read = file.read(&mut buffer)?;
                    if read == 0 {
                        break;
                    }
                    budget = budget.checked_sub(read as u64).ok_or_else(too_large)?;
                    hasher.update(&buffer[..read]);
                }
            }
            hasher.update(b"\0");
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn collect(
    root: &Path,
    relative: &Path,
    skip: &[&str],
    out: &mut Vec<PathBuf>,
) -> std::io::Result<()> {
    let here = under(root, relative);
    let meta = match std::fs::symlink_metadata(&here) {
        Ok(meta) => meta,
        // A task without a fixtures folder: nothing to hash there.
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && relative.as_os_str().is_empty() => {
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if !meta.is_dir() {
        out.push(relative.to_owned());
        return Ok(());
    }
    for entry in std::fs::read_dir(&here)? {
        let entry = entry?;
        let name = entry.file_name();
        if skip.iter().any(|s| name == *s) || name == "__pycache__" {
            continue;
        }
        collect(root, &relative.join(&name), skip, out)?;
    }
    Ok(())
}

/// `root/relative`, and `root` itself (a file, say) for an empty `relative`: joining an empty
/// path would add a trailing slash.
fn under(root: &Path, relative: &Path) -> PathBuf {
    if relative.as_os_str().is_empty() {
        root.to_owned()
    } else {
        root.join(relative)
    }
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_follow_content_not_names_of_the_roots() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        for dir in [a.path(), b.path()] {
            std::fs::create_dir_all(dir.join("sub")).unwrap();
            std::fs::write(dir.join("sub/x.py"), "x = 1").unwrap();
            std::fs::write(dir.join("y.py"), "y = 2").unwrap();
            std::fs::create_dir_all(dir.join("solutions")).unwrap();
        }
        std::fs::write(b.path().join("solutions/extra.py"), "ignored").unwrap();
        let digest = |d: &Path| digest_tree(&[d], &["solutions"]).unwrap();
        assert_eq!(digest(a.path()), digest(b.path()));
        std::fs::write(b.path().join("y.py"), "y = 3").unwrap();
        assert_ne!(digest(a.path()), digest(b.path()));
        // A FIFO would block a reader forever: it is left out, as the copy leaves it out.
        let before = digest(a.path());
        nix::unistd::mkfifo(&a.path().join("pipe"), nix::sys::stat::Mode::S_IRWXU).unwrap();
        assert_eq!(digest(a.path()), before);
    }
}
