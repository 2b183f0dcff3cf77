//! What the runtime reports about the submission's Python, classified for the candidate: an
//! exception during a case, and why the module could not be loaded (syntax error, missing
//! name, exception or exit at import), with tracebacks naming the candidate's own file.

use serde_json::Value;

use crate::outcome::{LoadProblem, LoadProblemKind, RaisedException};
use crate::task::Task;
use crate::util::text::neutralize;

pub(super) fn raised_exception(value: &Value, entry: &str, entry_display: &str) -> RaisedException {
    let field =
        |name: &str| neutralize(value.get(name).and_then(Value::as_str).unwrap_or_default());
    RaisedException {
        type_name: field("type"),
        message: field("message"),
        traceback: rename_entry(&field("traceback"), entry, entry_display),
    }
}

/// Tracebacks name the file as it runs (`solution.py`); show the candidate's name for it.
fn rename_entry(traceback: &str, entry: &str, entry_display: &str) -> String {
    if entry == entry_display {
        return traceback.to_owned();
    }
    traceback.replace(
        &format!("File \"{entry}\""),
        &format!("File \"{entry_display}\""),
    )
}

/// Reads the runtime's description of why the submission did not load.
pub(super) fn load_problem(problem: &Value, task: &Task, entry: &str) -> LoadProblem {
    let text = |name: &str| {
        problem
            .get(name)
            .and_then(Value::as_str)
            .map(neutralize)
            .unwrap_or_default()
    };
    let number = |name: &str| problem.get(name).and_then(Value::as_u64);
    match problem.get("kind").and_then(Value::as_str).unwrap_or("") {
        "syntax-error" => {
            let file = Some(text("file"))
                .filter(|f| !f.is_empty() && *f != task.entry)
                .unwrap_or_else(|| entry.to_owned());
            let kind_name = Some(text("type"))
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| "SyntaxError".into());
            let (line, column) = (number("line"), number("column"));
            let place = match (line, column) {
                (Some(l), Some(c)) => format!("{file}:{l}:{c}"),
                (Some(l), None) => format!("{file}:{l}"),
                _ => file.clone(),
            };
            let source_line = text("text");
            let details = match (line, column) {
                (Some(l), Some(c)) if !source_line.trim().is_empty() => {
                    let shown = source_line.trim_end_matches(['\n', '\r']);
                    let indent = shown.len() - shown.trim_start().len();
                    let start = (c as usize).saturating_sub(1).saturating_sub(indent);
                    let end = number("end_column")
                        .map(|e| (e as usize).saturating_sub(1).saturating_sub(indent))
                        .filter(|e| *e > start)
                        .unwrap_or(start + 1);
                    let gutter = l.to_string().len();
                    Some(format!(
                        "{l} | {}\n{:gutter$} | {}{}",
                        shown.trim_start(),
                        "",
                        " ".repeat(start.min(shown.len())),
                        "^".repeat((end - start).clamp(1, 80))
                    ))
                }
                _ => None,
            };
            LoadProblem {
                kind: LoadProblemKind::SyntaxError,
                message: format!("{place}: {kind_name}: {}", text("message")),
                details,
            }
        }
        "missing-name" => {
            let names: Vec<String> = problem
                .get("names")
                .and_then(Value::as_array)
                .map(|a| a.iter().filter_map(Value::as_str).map(neutralize).collect())
                .unwrap_or_default();
            LoadProblem {
                kind: LoadProblemKind::MissingName,
                message: format!(
                    "{entry} does not define {}",
                    names
                        .iter()
                        .map(|n| format!("`{n}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                details: None,
            }
        }
        "exit-at-import" => LoadProblem {
            kind: LoadProblemKind::ExitAtImport,
            message: text("message"),
            details: None,
        },
        _ => {
            let type_name = text("type");
            let kind = if type_name == "MemoryError" {
                LoadProblemKind::MemoryAtImport
            } else {
                LoadProblemKind::ImportError
            };
            LoadProblem {
                kind,
                message: format!("importing {entry} raised {type_name}: {}", text("message")),
                details: Some(rename_entry(&text("traceback"), &task.entry, entry))
                    .filter(|t| !t.is_empty()),
            }
        }
    }
}
