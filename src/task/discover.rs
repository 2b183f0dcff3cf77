//! Where tasks are: a task folder from the command line's `TASK`, and the tasks of a folder.

use std::fs;
use std::path::{Path, PathBuf};

use super::TASK_FILE;
use super::diagnostic::{SpecError, SpecErrors};

/// Where a task lives, from the command line's `TASK`: a path to a task folder, or an id
/// under the tasks directory.
pub fn resolve_task_dir(arg: &str, tasks_dir: &Path) -> Result<PathBuf, SpecErrors> {
    let as_path = Path::new(arg);
    let looks_like_path = arg.contains('/') || arg == "." || arg == "..";
    if looks_like_path || as_path.join(TASK_FILE).is_file() && !tasks_dir.join(arg).exists() {
        if as_path.join(TASK_FILE).is_file() {
            return Ok(as_path.to_owned());
        }
        return Err(SpecError::new(
            &as_path.join(TASK_FILE),
            format!("no task at {}: {TASK_FILE} not found", as_path.display()),
        )
        .with_help("pass a task id from `livejudge list` or a folder that holds a task.toml")
        .into());
    }
    let dir = tasks_dir.join(arg);
    if dir.join(TASK_FILE).is_file() {
        return Ok(dir);
    }
    let known = list_task_dirs(tasks_dir);
    let ids: Vec<String> = known
        .iter()
        .filter_map(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    let mut error = SpecError::new(
        &dir,
        format!("unknown task \"{arg}\" (looked in {})", tasks_dir.display()),
    );
    error = match closest(arg, &ids) {
        Some(guess) => error.with_help(format!("did you mean \"{guess}\"?")),
        None if ids.is_empty() => error
            .with_help("no tasks found there; run from the repository root or pass --tasks DIR"),
        None => error.with_help(format!("known tasks: {}", ids.join(", "))),
    };
    Err(error.into())
}

/// Task folders (those holding a task.toml) directly under `tasks_dir`, sorted.
pub fn list_task_dirs(tasks_dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = fs::read_dir(tasks_dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join(TASK_FILE).is_file())
        .collect();
    dirs.sort();
    dirs
}

fn closest<'a>(word: &str, candidates: &'a [String]) -> Option<&'a str> {
    candidates
        .iter()
        .map(|c| (edit_distance(word, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 3))
        .min()
        .map(|(_, c)| c.as_str())
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for j in 0..b.len() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != b[j]))
                .min(row[j] + 1)
                .min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_task_ids() {
        let ids = vec!["caching-decorator".to_owned(), "json-api".to_owned()];
        assert_eq!(
            closest("caching-decorater", &ids),
            Some("caching-decorator")
        );
        assert_eq!(closest("zzz", &ids), None);
    }
}
