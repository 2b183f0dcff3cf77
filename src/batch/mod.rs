//! Batch grading bookkeeping: what identifies a graded submission (its content and the task's
//! version), and the results file (JSON Lines, one submission per line) that makes a batch
//! resumable after a Ctrl-C or a crash.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::judge::SubmissionResult;

/// A results file line's format.
pub const RESULTS_SCHEMA: u32 = 1;

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
            crate::run::workspace::MAX_FILES,
            crate::run::workspace::MAX_BYTES >> 20
        ))
    };
    let mut hasher = Sha256::new();
    let mut budget = crate::run::workspace::MAX_BYTES;
    let mut buffer = vec![0u8; 64 << 10];
    for (i, root) in roots.iter().enumerate() {
        hasher.update(format!("root {i}\n"));
        let mut files = Vec::new();
        collect(root, Path::new(""), skip, &mut files)?;
        if files.len() > crate::run::workspace::MAX_FILES {
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

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Whether `submission` (its path as given, and its content digest) falls in shard `k` of `n`
/// (1-based): a hash of both, so the slice is the same whatever the order of the list.
pub fn in_shard(path: &Path, digest: &str, (k, n): (u32, u32)) -> bool {
    let mut hasher = Sha256::new();
    hasher.update(path.to_string_lossy().as_bytes());
    hasher.update(b"\0");
    hasher.update(digest.as_bytes());
    let hash = hasher.finalize();
    let value = u64::from_be_bytes(hash[..8].try_into().unwrap_or_default());
    value % u64::from(n) == u64::from(k - 1)
}

/// One line of a results file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ResultRow {
    pub schema: u32,
    pub task: String,
    /// Digest of the task's files (its folder without `solutions/`, and its fixtures).
    pub task_version: String,
    /// Digest of the submission's content (a file, or a folder's files).
    pub submission_digest: String,
    /// How it was graded: a row counts for a resumed run only with the same settings.
    #[serde(default)]
    pub show_hidden: bool,
    #[serde(default)]
    pub isolation: String,
    pub result: SubmissionResult,
}

/// The latest row of each submission (task and path): a resumed batch whose task changed in
/// between holds an older row for the same submission too.
pub fn latest_per_submission(rows: Vec<ResultRow>) -> Vec<ResultRow> {
    let mut latest: Vec<ResultRow> = Vec::new();
    for row in rows {
        match latest
            .iter()
            .position(|r| r.task == row.task && r.result.path == row.result.path)
        {
            Some(at) => latest[at] = row,
            None => latest.push(row),
        }
    }
    latest
}

/// A results file as read back: its whole rows, and the length of the file they fill (a line
/// cut short by a crash lies past it).
#[derive(Debug, Default)]
pub struct ResultsFile {
    pub rows: Vec<ResultRow>,
    pub complete_len: u64,
    /// Lines that did not parse (not counting a last, unfinished one), by line number.
    pub bad_lines: Vec<usize>,
}

/// Reads a results file; a missing file is an empty one.
pub fn read_results(path: &Path) -> std::io::Result<ResultsFile> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ResultsFile::default()),
        Err(e) => return Err(e),
    };
    let mut reader = std::io::BufReader::new(file);
    let mut out = ResultsFile::default();
    let mut line = Vec::new();
    let mut offset = 0u64;
    let mut number = 0;
    loop {
        line.clear();
        let read = reader.read_until(b'\n', &mut line)?;
        if read == 0 {
            break;
        }
        number += 1;
        if line.last() != Some(&b'\n') {
            // Cut short by a crash: not a row, and overwritten by the next one.
            break;
        }
        offset += read as u64;
        out.complete_len = offset;
        match serde_json::from_slice::<ResultRow>(&line) {
            Ok(row) => out.rows.push(row),
            Err(_) if line.iter().all(u8::is_ascii_whitespace) => {}
            Err(_) => out.bad_lines.push(number),
        }
    }
    Ok(out)
}

/// Appends rows to a results file, each in one write ending with a newline, flushed to disk:
/// a crash leaves at worst one unfinished last line, which [`read_results`] ignores.
pub struct ResultsWriter {
    file: std::fs::File,
}

impl ResultsWriter {
    /// Opens `path` for appending, first cutting off an unfinished last line (`keep` bytes are
    /// whole rows).
    pub fn open(path: &Path, keep: u64) -> std::io::Result<ResultsWriter> {
        // Appending: every row goes at the end, even if another process appends too.
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.set_len(keep)?;
        Ok(ResultsWriter { file })
    }

    pub fn append(&mut self, row: &ResultRow) -> std::io::Result<()> {
        let mut line = serde_json::to_vec(row).map_err(std::io::Error::other)?;
        line.push(b'\n');
        self.file.write_all(&line)?;
        self.file.sync_data()
    }
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

    #[test]
    fn an_unfinished_last_line_is_not_a_row_and_is_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("results.jsonl");
        let row = |digest: &str| ResultRow {
            schema: RESULTS_SCHEMA,
            task: "t".into(),
            task_version: "v".into(),
            submission_digest: digest.into(),
            show_hidden: false,
            isolation: "strict".into(),
            result: serde_json::from_value(serde_json::json!({
                "path": "a.py", "passed": true, "passed_cases": 1, "failed_cases": 0,
                "score": {"points": 1, "max_points": 1, "groups": []},
                "problem": null, "attempts": 1, "duration_ms": 1.0, "cases": [],
            }))
            .unwrap(),
        };
        let mut writer = ResultsWriter::open(&path, 0).unwrap();
        writer.append(&row("one")).unwrap();
        drop(writer);
        // A crash in the middle of the second line.
        let mut file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.write_all(b"{\"schema\": 1, \"task\": \"t\", \"tas")
            .unwrap();
        let read = read_results(&path).unwrap();
        assert_eq!(read.rows.len(), 1);
        assert!(read.bad_lines.is_empty());
        let mut writer = ResultsWriter::open(&path, read.complete_len).unwrap();
        writer.append(&row("two")).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2, "{text}");
        let digests: Vec<String> = read_results(&path)
            .unwrap()
            .rows
            .into_iter()
            .map(|r| r.submission_digest)
            .collect();
        assert_eq!(digests, ["one", "two"]);
    }
}
