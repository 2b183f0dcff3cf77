//! Reading JSON reports: the schema, and the submissions and cases in them.

use super::repo;

/// Validates a report against docs/report.schema.json.
pub fn assert_matches_schema(report: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("docs/report.schema.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema is valid");
    let errors: Vec<String> = validator
        .iter_errors(report)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "report does not match the schema:\n{}",
        errors.join("\n")
    );
}

pub fn submission(report: &serde_json::Value, index: usize) -> &serde_json::Value {
    &report["submissions"][index]
}

pub fn case<'a>(submission: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    submission["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .unwrap_or_else(|| panic!("no case {id}"))
}

pub fn failed_ids(submission: &serde_json::Value) -> Vec<String> {
    submission["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

/// The verdict of each case of the first submission, in order.
pub fn verdicts(report: &serde_json::Value) -> Vec<String> {
    report["submissions"][0]["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["verdict"].as_str().unwrap().to_owned())
        .collect()
}

/// Each submission's path with the ids of the cases it failed, in the report's order.
pub fn failed_ids_by_path(report: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    report["submissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["path"].as_str().unwrap().to_owned(), failed_ids(s)))
        .collect()
}

/// Number of cases, and of hidden ones, in a task under tasks/.
pub fn case_counts(task: &str) -> (usize, usize) {
    let spec: toml::Value = toml::from_str(
        &std::fs::read_to_string(repo().join("tasks").join(task).join("task.toml")).unwrap(),
    )
    .unwrap();
    let cases = spec["cases"].as_array().unwrap();
    let hidden = cases
        .iter()
        .filter(|c| c.get("hidden").and_then(toml::Value::as_bool) == Some(true))
        .count();
    (cases.len(), hidden)
}
