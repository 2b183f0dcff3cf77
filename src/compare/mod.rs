//! Comparison stage: observed values against expected patterns.

pub mod diff;
pub mod matching;
pub mod path;
pub mod pattern;

pub use diff::Diff;
pub use matching::Mismatch;
pub use path::{JsonPath, Segment};
pub use pattern::{Pattern, PatternError};

use serde_json::Value;

/// Values whose pretty form has more lines than this also get a unified diff.
const DIFF_MIN_LINES: usize = 4;
/// Past this size a diff costs more than it shows; the mismatches still list what differs.
const DIFF_MAX_BYTES: usize = 256 * 1024;

#[derive(Debug, Clone)]
pub struct Comparison {
    pub mismatches: Vec<Mismatch>,
    pub diff: Option<Diff>,
}

impl Comparison {
    pub fn passed(&self) -> bool {
        self.mismatches.is_empty()
    }
}

pub fn compare(expected: &Pattern, actual: &Value) -> Comparison {
    let mismatches = matching::check(expected, actual);
    let diff = if mismatches.is_empty() {
        None
    } else {
        let projected = matching::project(expected, Some(actual));
        let expected_text = pretty(&projected);
        let actual_text = pretty(actual);
        let larger = expected_text
            .lines()
            .count()
            .max(actual_text.lines().count());
        let small_enough = expected_text.len().max(actual_text.len()) <= DIFF_MAX_BYTES;
        (larger >= DIFF_MIN_LINES && small_enough && expected_text != actual_text)
            .then(|| Diff::new(expected_text, actual_text))
    };
    Comparison { mismatches, diff }
}

/// Pretty, key-sorted JSON (serde_json's map is ordered by key).
pub fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn large_values_get_a_diff_with_matchers_projected() {
        let expected =
            Pattern::parse(&json!({"id": {"$type": "int"}, "log": ["a", "b", "c"]})).unwrap();
        let c = compare(&expected, &json!({"log": ["a", "x", "c"], "id": 41}));
        assert_eq!(c.mismatches.len(), 1);
        insta::assert_snapshot!(c.diff.unwrap().render(false), @r#"
        --- expected
        +++ actual
        @@ -2,7 +2,7 @@
           "id": 41,
           "log": [
             "a",
        -    "b",
        +    "x",
             "c"
           ]
         }
        "#);
    }

    #[test]
    fn huge_values_are_not_diffed() {
        let expected = Pattern::parse(&json!([1, 2, 3])).unwrap();
        let actual = Value::Array((0..100_000).map(Value::from).collect());
        let c = compare(&expected, &actual);
        assert!(c.diff.is_none());
        assert_eq!(c.mismatches.len(), 1000, "mismatches are capped too");
    }

    #[test]
    fn small_values_need_no_diff() {
        let c = compare(&Pattern::parse(&json!(3)).unwrap(), &json!(4));
        assert!(!c.passed());
        assert!(c.diff.is_none());
    }
}
