//! The results file: JSON Lines, one graded submission a line, appended and flushed as each
//! finishes, so a batch survives a Ctrl-C, a crash or a SIGKILL.

use std::io::{BufRead, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::outcome::SubmissionResult;

/// A results file line's format.
pub const RESULTS_SCHEMA: u32 = 1;

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
