//! The dependency rule of the tree, checked: every `crate::` path in a module's files points
//! at a module that module may use. A `use` pointing up the stack fails this test.

use std::collections::BTreeSet;
use std::path::Path;

/// Each top-level module and what it may use. Stages go `cmd -> grade -> run -> sandbox`;
/// `outcome`, `task`, `compare` and `util` are leaves every stage may use.
const ALLOWED: &[(&str, &[&str])] = &[
    ("cmd", &["*"]),
    ("cli", &["error", "sandbox"]),
    ("console", &[]),
    ("error", &["run", "sandbox", "task"]),
    (
        "grade",
        &[
            "run", "sandbox", "judge", "outcome", "task", "compare", "util",
        ],
    ),
    ("run", &["sandbox", "outcome", "task", "compare", "util"]),
    ("sandbox", &["outcome", "util"]),
    ("judge", &["outcome", "task", "compare", "util"]),
    ("report", &["batch", "outcome", "task", "compare", "util"]),
    ("batch", &["outcome", "util"]),
    ("outcome", &["task", "compare", "util"]),
    ("task", &["compare", "util"]),
    ("compare", &["util"]),
    ("util", &[]),
];

fn used_modules(text: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name = item.trim().split("::").next().unwrap_or("");
                if !name.is_empty() {
                    used.insert(name.to_owned());
                }
            }
        } else {
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            used.insert(rest[..end].to_owned());
        }
    }
    used
}

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn no_module_uses_one_above_it() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut all = Vec::new();
    files(&src, &mut all);
    let mut wrong = Vec::new();
    for file in all {
        let relative = file.strip_prefix(&src).unwrap();
        let top = relative
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        if ["main", "lib", "layering"].contains(&top.as_str()) {
            continue;
        }
        let allowed = ALLOWED
            .iter()
            .find(|(module, _)| *module == top)
            .unwrap_or_else(|| panic!("src/{top} is not in the layering table"))
            .1;
        let text = std::fs::read_to_string(&file).unwrap();
        for used in used_modules(&text) {
            if used != top && !allowed.contains(&"*") && !allowed.contains(&used.as_str()) {
                wrong.push(format!("src/{} uses crate::{used}", relative.display()));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "uses against the layering:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn the_scan_sees_grouped_and_plain_paths() {
    let used = used_modules("use crate::{task::Task, util};\nlet x = crate::run::Processes;");
    assert_eq!(
        used.into_iter().collect::<Vec<_>>(),
        ["run", "task", "util"]
    );
}
