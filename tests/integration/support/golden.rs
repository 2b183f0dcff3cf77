//! Golden files: output compared in full with a file kept beside the test data, after the
//! paths that differ from one machine to the next are replaced by placeholders. With
//! `LIVEJUDGE_BLESS=1` in the environment the files are written instead of compared (as
//! trybuild's `TRYBUILD=overwrite`), to be reviewed in the diff and committed.

use std::path::{Path, PathBuf};

use similar::TextDiff;

use super::repo;

/// The variable that turns comparing into (re)writing the golden files.
pub const BLESS: &str = "LIVEJUDGE_BLESS";

/// Whether this run writes the golden files rather than compare them.
pub fn blessing() -> bool {
    std::env::var_os(BLESS).is_some_and(|value| value == "1")
}

/// `text` with the folders that depend on the machine replaced, wherever they begin a path:
/// the tests' temporary folder (CARGO_TARGET_TMPDIR, which holds their cache) by
/// `[TARGET_TMP]`, the repository by `[REPO]`, the system's temporary folder by `[TMP]`.
pub fn normalize(text: &str) -> String {
    let mut places: Vec<(PathBuf, &str)> = vec![
        (PathBuf::from(env!("CARGO_TARGET_TMPDIR")), "[TARGET_TMP]"),
        (repo(), "[REPO]"),
        (std::env::temp_dir(), "[TMP]"),
    ];
    // The most specific first: the target folder is often inside the repository.
    places.sort_by_key(|(path, _)| std::cmp::Reverse(path.as_os_str().len()));
    let mut text = text.to_owned();
    for (path, placeholder) in places {
        let path = path.display().to_string();
        let path = path.trim_end_matches('/');
        if path.is_empty() {
            continue;
        }
        // Only a whole path, at its start: not `/tmp` inside `tests/tmp`, nor `/repo-old`.
        let pattern = regex::Regex::new(&format!(
            r#"(^|[\s"'`(=:\[]){}(/|[\s"'`):,\]]|$)"#,
            regex::escape(path)
        ))
        .unwrap();
        // Twice, since neighbouring matches share the character between them.
        for _ in 0..2 {
            text = pattern
                .replace_all(&text, format!("${{1}}{placeholder}${{2}}"))
                .into_owned();
        }
    }
    text
}

/// Compares `actual`, normalised, with the golden file `path`; or, when blessing, writes it
/// there. A readable unified diff when they differ.
pub fn check(path: &Path, actual: &str) -> Result<(), String> {
    let actual = normalize(actual);
    let shown = path.strip_prefix(repo()).unwrap_or(path).display();
    if blessing() {
        if std::fs::read_to_string(path).ok().as_deref() != Some(actual.as_str()) {
            std::fs::write(path, &actual).unwrap_or_else(|e| panic!("{shown}: {e}"));
            eprintln!("blessed {shown}");
        }
        return Ok(());
    }
    let expected = match std::fs::read_to_string(path) {
        Ok(expected) => expected,
        Err(e) => return Err(format!("{shown}: {e}; the output was:\n{actual}")),
    };
    if expected == actual {
        return Ok(());
    }
    let diff = TextDiff::from_lines(&expected, &actual)
        .unified_diff()
        .context_radius(3)
        .header(&shown.to_string(), "actual")
        .to_string();
    Err(diff)
}

/// Fails the test with every mismatch found by [`check`], and how to bless the new output.
pub fn assert_all_match(mismatches: &[String], test: &str) {
    assert!(
        mismatches.is_empty(),
        "{} golden file(s) differ from the output:\n\n{}\n\
         If the new output is right, rewrite the files and review the diff:\n    \
         {BLESS}=1 cargo test --test integration {test}",
        mismatches.len(),
        mismatches.join("\n")
    );
}

#[test]
fn normalize_replaces_only_whole_paths() {
    let repo = repo().display().to_string();
    let tmp = std::env::temp_dir().display().to_string();
    let text = format!(
        "error: {repo}/tests/x.toml:1:1: see {tmp}/a and `{repo}`\n  tests{tmp}/b {repo}-old/c\n"
    );
    // Not the repository, but still under the temporary folder when the clone lies there
    // (CI may clone into /tmp).
    let repo_old = match repo.strip_prefix(&tmp) {
        Some(rest) if rest.starts_with('/') => format!("[TMP]{rest}-old/c"),
        _ => format!("{repo}-old/c"),
    };
    assert_eq!(
        normalize(&text),
        format!(
            "error: [REPO]/tests/x.toml:1:1: see [TMP]/a and `[REPO]`\n  tests{tmp}/b {repo_old}\n"
        )
    );
}
