//! The bundled tasks (tasks/ and fixtures/ of this repository, solutions included), embedded
//! in the binary so an installed livejudge grades them from any folder. They are written out
//! once per content into a folder of the cache (`<cache>/builtin/<digest>/{tasks,fixtures}`),
//! where every other part of the judge reads a task as from a clone; `export` writes one out
//! for an author to edit.

use std::io::Write;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use sha2::{Digest, Sha256};

static TASKS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/tasks");
static FIXTURES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/fixtures");

/// The ids of the built-in tasks, sorted.
pub fn ids() -> Vec<&'static str> {
    let mut ids: Vec<&str> = TASKS
        .dirs()
        .filter(|d| d.get_file(d.path().join(super::TASK_FILE)).is_some())
        .filter_map(|d| d.path().file_name()?.to_str())
        .collect();
    ids.sort_unstable();
    ids
}

/// What identifies this set of built-in tasks: a digest of every embedded file.
fn digest() -> String {
    let mut hasher = Sha256::new();
    for (root, dir) in [("tasks", &TASKS), ("fixtures", &FIXTURES)] {
        let mut files = Vec::new();
        collect(dir, &mut files);
        files.sort_by_key(|f| f.path());
        for file in files {
            hasher.update(root.as_bytes());
            hasher.update(file.path().to_string_lossy().as_bytes());
            hasher.update(b"\0");
            hasher.update(file.contents());
            hasher.update(b"\0");
        }
    }
    crate::util::digest::hex(&hasher.finalize()[..8])
}

fn collect<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    out.extend(dir.files());
    for sub in dir.dirs() {
        collect(sub, out);
    }
}

/// The folder of the built-in tasks under `cache`, written there first if this version's
/// set is not there yet. Written into a fresh folder and renamed into place, so a reader
/// never sees half a set, and two livejudges writing at once both end with a whole one.
pub fn tasks_dir(cache: &Path) -> std::io::Result<PathBuf> {
    let root = cache.join("builtin").join(digest());
    let tasks = root.join("tasks");
    if tasks.is_dir() {
        return Ok(tasks);
    }
    std::fs::create_dir_all(cache.join("builtin"))?;
    let staging = tempfile::Builder::new()
        .prefix(".writing-")
        .tempdir_in(cache.join("builtin"))?;
    write_dir(&TASKS, &staging.path().join("tasks"))?;
    write_dir(&FIXTURES, &staging.path().join("fixtures"))?;
    let staged = staging.keep();
    match std::fs::rename(&staged, &root) {
        Ok(()) => {}
        // Another livejudge put the same set there first.
        Err(_) if tasks.is_dir() => {
            let _ = std::fs::remove_dir_all(&staged);
        }
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staged);
            return Err(e);
        }
    }
    Ok(tasks)
}

/// Writes `dir`'s files under `target` (their paths relative to the embedded root).
fn write_dir(dir: &Dir<'_>, target: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(target)?;
    let mut files = Vec::new();
    collect(dir, &mut files);
    for file in files {
        let path = target.join(file.path());
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::File::create(&path)?.write_all(file.contents())?;
    }
    Ok(())
}

/// Writes the built-in task `id` into `into`: `into/tasks/<id>/` and, when it has fixtures,
/// `into/fixtures/<id>/`, the layout in which its task.toml finds them
/// (`livejudge --tasks <into>/tasks check <id>` grades it from there). Refuses to overwrite.
pub fn export(id: &str, into: &Path) -> Result<PathBuf, String> {
    let Some(task) = TASKS.get_dir(id) else {
        return Err(format!(
            "no built-in task \"{id}\" (built-in: {})",
            ids().join(", ")
        ));
    };
    let target = into.join("tasks").join(id);
    if target.exists() {
        return Err(format!("{} already exists", target.display()));
    }
    let write = |dir: &Dir<'_>, to: &Path| -> Result<(), String> {
        let mut files = Vec::new();
        collect(dir, &mut files);
        for file in files {
            let relative = file.path().strip_prefix(id).unwrap_or(file.path());
            let path = to.join(relative);
            let written = path
                .parent()
                .map_or(Ok(()), std::fs::create_dir_all)
                .and_then(|()| std::fs::write(&path, file.contents()));
            written.map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        }
        Ok(())
    };
    write(task, &target)?;
    if let Some(fixtures) = FIXTURES.get_dir(id) {
        write(fixtures, &into.join("fixtures").join(id))?;
    }
    Ok(target)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_task_of_the_repository_is_built_in_and_loads_from_the_cache() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        let in_repo: Vec<String> = super::super::list_task_dirs(&repo.join("tasks"))
            .iter()
            .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(ids(), in_repo);
        let cache = tempfile::tempdir().unwrap();
        let dir = tasks_dir(cache.path()).unwrap();
        // A second call finds the set in place.
        assert_eq!(tasks_dir(cache.path()).unwrap(), dir);
        for id in ids() {
            let task = super::super::load(&dir.join(id)).unwrap_or_else(|e| panic!("{id}: {e}"));
            let original = super::super::load(&repo.join("tasks").join(id)).unwrap();
            assert_eq!(task.cases.len(), original.cases.len(), "{id}");
            assert_eq!(task.sites.len(), original.sites.len(), "{id}");
        }
    }

    #[test]
    fn an_exported_task_is_a_folder_that_loads_and_is_never_overwritten() {
        let into = tempfile::tempdir().unwrap();
        let dir = export("async-scraper", into.path()).unwrap();
        let task = super::super::load(&dir).unwrap();
        assert!(!task.sites.is_empty(), "its fixtures came along");
        assert!(dir.join("solutions/solutions.toml").is_file());
        assert!(export("async-scraper", into.path()).is_err());
        let unknown = export("no-such-task", into.path()).unwrap_err();
        assert!(unknown.contains("caching-decorator"), "{unknown}");
    }
}
