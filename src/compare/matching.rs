//! Matching an observed JSON value against a [`Pattern`], collecting every mismatch with its
//! path, and projecting the pattern onto the observed value for a readable diff.

use serde::Serialize;
use serde_json::{Map, Number, Value};

use super::path::JsonPath;
use super::pattern::{Pattern, ValueType, is_integer, type_of};
use crate::util::text::truncate_chars;

/// Upper bound on recorded mismatches, so a huge wrong value cannot flood memory.
const MAX_MISMATCHES: usize = 1000;
const VALUE_PREVIEW_CHARS: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Mismatch {
    pub path: JsonPath,
    pub message: String,
}

impl std::fmt::Display for Mismatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

/// Every mismatch between `pattern` and `actual`; empty when they match.
pub fn check(pattern: &Pattern, actual: &Value) -> Vec<Mismatch> {
    let mut out = Vec::new();
    walk(pattern, actual, &mut JsonPath::root(), &mut out);
    out
}

pub fn matches(pattern: &Pattern, actual: &Value) -> bool {
    match (pattern, actual) {
        (Pattern::Scalar(expected), actual) => scalar_eq(expected, actual),
        (Pattern::Array(items), Value::Array(values)) => {
            items.len() == values.len() && items.iter().zip(values).all(|(p, v)| matches(p, v))
        }
        (Pattern::Object(fields), Value::Object(map)) => {
            fields.len() == map.len()
                && fields
                    .iter()
                    .all(|(k, p)| map.get(k).is_some_and(|v| matches(p, v)))
        }
        (Pattern::Partial(fields), Value::Object(map)) => fields
            .iter()
            .all(|(k, p)| map.get(k).is_some_and(|v| matches(p, v))),
        (Pattern::Unordered(items), Value::Array(values)) => {
            items.len() == values.len() && {
                let (pairs, _, _) = match_unordered(items, values);
                pairs == items.len()
            }
        }
        (Pattern::Type(t), v) => t.accepts(v),
        (Pattern::Approx { .. }, v) => approx_ok(pattern, v),
        (Pattern::Regex(re), Value::String(s)) => re.is_match(s),
        (Pattern::OneOf(alternatives), v) => alternatives.iter().any(|p| matches(p, v)),
        (Pattern::Range { low, high }, Value::Number(n)) => {
            n.as_f64().is_some_and(|x| *low <= x && x <= *high)
        }
        (Pattern::Above(Value::Number(bound)), Value::Number(n)) => {
            matches!((n.as_f64(), bound.as_f64()), (Some(x), Some(b)) if x > b)
        }
        (
            Pattern::SetAt {
                key_path,
                values,
                each,
            },
            Value::Array(elements),
        ) => {
            let (found, missing_at) = values_at(key_path, elements);
            missing_at.is_empty()
                && each
                    .as_ref()
                    .is_none_or(|each| elements.iter().all(|e| matches(each, e)))
                && set_difference(values, &found).is_empty()
                && set_difference(&found, values).is_empty()
        }
        _ => false,
    }
}

fn push(out: &mut Vec<Mismatch>, path: &JsonPath, message: String) {
    if out.len() < MAX_MISMATCHES {
        out.push(Mismatch {
            path: path.clone(),
            message,
        });
    }
}

fn walk(pattern: &Pattern, actual: &Value, path: &mut JsonPath, out: &mut Vec<Mismatch>) {
    match (pattern, actual) {
        (Pattern::Array(items), Value::Array(values)) => {
            for (i, item) in items.iter().enumerate() {
                let at = path.child_index(i);
                match values.get(i) {
                    Some(value) => walk(item, value, &mut at.clone(), out),
                    None => push(
                        out,
                        &at,
                        format!("missing item (expected {})", describe(item)),
                    ),
                }
            }
            for (i, extra) in values.iter().enumerate().skip(items.len()) {
                push(
                    out,
                    &path.child_index(i),
                    format!("unexpected extra item {}", preview(extra)),
                );
            }
        }
        (Pattern::Object(fields), Value::Object(map)) => {
            walk_fields(fields, map, path, out);
            for (key, value) in map {
                if !fields.contains_key(key) {
                    push(
                        out,
                        &path.child_key(key),
                        format!("unexpected key (value {})", preview(value)),
                    );
                }
            }
        }
        (Pattern::Partial(fields), Value::Object(map)) => walk_fields(fields, map, path, out),
        (Pattern::Unordered(items), Value::Array(values)) => {
            let (_, unmatched_items, unmatched_values) = match_unordered(items, values);
            if items.len() != values.len() {
                push(
                    out,
                    path,
                    format!(
                        "expected {} items in any order, got {}",
                        items.len(),
                        values.len()
                    ),
                );
            }
            for i in unmatched_items {
                push(
                    out,
                    path,
                    format!("no item matches {}", describe(&items[i])),
                );
            }
            for j in unmatched_values {
                push(
                    out,
                    &path.child_index(j),
                    format!("unexpected item {}", preview(&values[j])),
                );
            }
        }
        (
            Pattern::SetAt {
                key_path,
                values,
                each,
            },
            Value::Array(elements),
        ) => {
            if let Some(each) = each {
                for (i, element) in elements.iter().enumerate() {
                    walk(each, element, &mut path.child_index(i), out);
                }
            }
            let (found, missing_at) = values_at(key_path, elements);
            for i in missing_at {
                let mut at = path.child_index(i);
                for key in key_path {
                    at.push(super::path::Segment::Key(key.clone()));
                }
                // `$each` may have said so already.
                if !out.iter().any(|m| m.path == at) {
                    push(out, &at, "missing key".to_owned());
                }
            }
            // One line for the set as a whole, located at `errors[*].field`.
            let location = format!("{path}[*].{}", key_path.join("."));
            let missing = set_difference(values, &found);
            let unexpected = set_difference(&found, values);
            let list = |vs: &[Value]| vs.iter().map(preview).collect::<Vec<_>>().join(", ");
            let message = match (missing.is_empty(), unexpected.is_empty()) {
                (true, true) => None,
                (false, true) => Some(format!("missing {}", list(&missing))),
                (true, false) => Some(format!("unexpected {}", list(&unexpected))),
                (false, false) => Some(format!(
                    "missing {}; unexpected {}",
                    list(&missing),
                    list(&unexpected)
                )),
            };
            if let Some(message) = message
                && out.len() < MAX_MISMATCHES
            {
                out.push(Mismatch {
                    path: JsonPath::parse(&location),
                    message: format!("{message} (expected the set {})", list(values)),
                });
            }
        }
        (pattern, actual) if !matches(pattern, actual) => {
            push(out, path, expected_got(pattern, actual));
        }
        _ => {}
    }
}

/// The values found at `key_path` in each element, and the indices of elements without one.
fn values_at(key_path: &[String], elements: &[Value]) -> (Vec<Value>, Vec<usize>) {
    let mut found = Vec::new();
    let mut missing = Vec::new();
    for (i, element) in elements.iter().enumerate() {
        match key_path.iter().try_fold(element, |v, key| v.get(key)) {
            Some(value) => found.push(value.clone()),
            None => missing.push(i),
        }
    }
    (found, missing)
}

/// The distinct values of `from` that `other` lacks.
fn set_difference(from: &[Value], other: &[Value]) -> Vec<Value> {
    let mut out: Vec<Value> = Vec::new();
    for value in from {
        if !other.iter().any(|o| scalar_eq(value, o)) && !out.iter().any(|o| scalar_eq(value, o)) {
            out.push(value.clone());
        }
    }
    out
}

fn walk_fields(
    fields: &std::collections::BTreeMap<String, Pattern>,
    map: &Map<String, Value>,
    path: &mut JsonPath,
    out: &mut Vec<Mismatch>,
) {
    for (key, item) in fields {
        let mut at = path.child_key(key);
        match map.get(key) {
            Some(value) => walk(item, value, &mut at, out),
            None => push(
                out,
                &at,
                format!("missing key (expected {})", describe(item)),
            ),
        }
    }
}

fn expected_got(pattern: &Pattern, actual: &Value) -> String {
    let expected = describe(pattern);
    let got = preview(actual);
    match pattern {
        Pattern::Scalar(e) if type_of(e) != type_of(actual) => format!(
            "expected {expected} ({}), got {got} ({})",
            type_of(e).name(),
            type_of(actual).name()
        ),
        Pattern::Scalar(_) => format!("expected {expected}, got {got}"),
        Pattern::Array(_) | Pattern::Object(_) | Pattern::Partial(_) | Pattern::Unordered(_) => {
            format!(
                "expected {expected}, got {got} ({})",
                type_of(actual).name()
            )
        }
        _ => format!(
            "expected {expected}, got {got} ({})",
            type_of(actual).name()
        ),
    }
}

/// Maximum bipartite matching of patterns to values (Kuhn's algorithm; lists are small).
/// Returns the number of matched pairs and the unmatched indices on each side.
fn match_unordered(items: &[Pattern], values: &[Value]) -> (usize, Vec<usize>, Vec<usize>) {
    let compatible: Vec<Vec<bool>> = items
        .iter()
        .map(|p| values.iter().map(|v| matches(p, v)).collect())
        .collect();
    let mut owner: Vec<Option<usize>> = vec![None; values.len()];

    fn augment(
        i: usize,
        compatible: &[Vec<bool>],
        owner: &mut [Option<usize>],
        seen: &mut [bool],
    ) -> bool {
        for j in 0..owner.len() {
            if compatible[i][j] && !seen[j] {
                seen[j] = true;
                if owner[j].is_none_or(|other| augment(other, compatible, owner, seen)) {
                    owner[j] = Some(i);
                    return true;
                }
            }
        }
        false
    }

    let mut matched_items = vec![false; items.len()];
    for (i, matched) in matched_items.iter_mut().enumerate() {
        let mut seen = vec![false; values.len()];
        *matched = augment(i, &compatible, &mut owner, &mut seen);
    }
    let pairs = matched_items.iter().filter(|m| **m).count();
    let unmatched_items = (0..items.len()).filter(|i| !matched_items[*i]).collect();
    let unmatched_values = (0..values.len()).filter(|j| owner[*j].is_none()).collect();
    (pairs, unmatched_items, unmatched_values)
}

fn scalar_eq(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Number(a), Value::Number(b)) => numbers_eq(a, b),
        (a, b) => a == b,
    }
}

fn numbers_eq(a: &Number, b: &Number) -> bool {
    match (is_integer(a), is_integer(b)) {
        (true, true) => normalized_int(a) == normalized_int(b),
        (false, false) => a.as_f64() == b.as_f64(),
        _ => false,
    }
}

fn normalized_int(n: &Number) -> String {
    let text = n.to_string();
    let (sign, digits) = match text.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", text.as_str()),
    };
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        "0".to_owned()
    } else {
        format!("{sign}{digits}")
    }
}

fn approx_ok(pattern: &Pattern, actual: &Value) -> bool {
    let Pattern::Approx {
        value,
        tolerance,
        relative,
    } = pattern
    else {
        return false;
    };
    match actual.as_f64() {
        Some(x) if actual.is_number() => (x - value).abs() <= tolerance.max(relative * value.abs()),
        _ => false,
    }
}

/// A short, single-line rendering of an observed value.
pub fn preview(value: &Value) -> String {
    truncate_chars(
        &serde_json::to_string(value).unwrap_or_default(),
        VALUE_PREVIEW_CHARS,
    )
}

/// A short rendering of what a pattern accepts.
pub fn describe(pattern: &Pattern) -> String {
    let text = match pattern {
        Pattern::Scalar(v) => serde_json::to_string(v).unwrap_or_default(),
        Pattern::Array(items) => format!(
            "[{}]",
            items.iter().map(describe).collect::<Vec<_>>().join(", ")
        ),
        Pattern::Object(fields) => format!("{{{}}}", describe_fields(fields)),
        Pattern::Partial(fields) if fields.is_empty() => "an object".to_owned(),
        Pattern::Partial(fields) => format!("{{{}, …}}", describe_fields(fields)),
        Pattern::Unordered(items) => format!(
            "[{}] in any order",
            items.iter().map(describe).collect::<Vec<_>>().join(", ")
        ),
        Pattern::Type(ValueType::Any) => "any JSON value".to_owned(),
        Pattern::Type(t) => format!("any {}", t.name()),
        Pattern::Approx {
            value,
            tolerance,
            relative,
        } => {
            if *relative > 0.0 {
                format!("≈{value} (±{tolerance} or ±{relative}×)")
            } else {
                format!("≈{value} (±{tolerance})")
            }
        }
        Pattern::Regex(re) => format!("a string matching /{}/", re.as_str()),
        Pattern::OneOf(alternatives) => format!(
            "one of {}",
            alternatives
                .iter()
                .map(describe)
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Pattern::Range { low, high } => format!("a number from {low} to {high}"),
        Pattern::Above(Value::String(name)) if name.ends_with("}}") => {
            format!("a number greater than {name} (which was not captured)")
        }
        Pattern::Above(Value::String(why)) => format!("a number greater than {why}"),
        Pattern::Above(bound) => format!("a number greater than {bound}"),
        Pattern::SetAt {
            key_path, values, ..
        } => format!(
            "an array whose {} values are the set {}",
            key_path.join("."),
            values.iter().map(preview).collect::<Vec<_>>().join(", ")
        ),
    };
    truncate_chars(&text, VALUE_PREVIEW_CHARS)
}

fn describe_fields(fields: &std::collections::BTreeMap<String, Pattern>) -> String {
    fields
        .iter()
        .map(|(k, p)| format!("{}: {}", Value::from(k.as_str()), describe(p)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// What the expected value "would look like" next to `actual`: parts that matched take the
/// observed value (so matchers add no noise to a diff), parts that did not show what was
/// expected, and keys a partial pattern ignores are copied from `actual`.
pub fn project(pattern: &Pattern, actual: Option<&Value>) -> Value {
    if let Some(actual) = actual
        && !matches!(
            pattern,
            Pattern::Array(_) | Pattern::Object(_) | Pattern::Partial(_) | Pattern::Unordered(_)
        )
        && matches(pattern, actual)
    {
        return actual.clone();
    }
    match pattern {
        Pattern::Scalar(v) => v.clone(),
        Pattern::Array(items) => {
            let values = actual.and_then(Value::as_array);
            Value::Array(
                items
                    .iter()
                    .enumerate()
                    .map(|(i, p)| project(p, values.and_then(|v| v.get(i))))
                    .collect(),
            )
        }
        Pattern::Object(fields) => {
            let map = actual.and_then(Value::as_object);
            Value::Object(
                fields
                    .iter()
                    .map(|(k, p)| (k.clone(), project(p, map.and_then(|m| m.get(k)))))
                    .collect(),
            )
        }
        Pattern::Partial(fields) => {
            let mut out = actual
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default();
            for (k, p) in fields {
                let projected = project(p, out.get(k));
                out.insert(k.clone(), projected);
            }
            Value::Object(out)
        }
        Pattern::Unordered(items) => {
            let Some(values) = actual.and_then(Value::as_array) else {
                return Value::Array(items.iter().map(|p| project(p, None)).collect());
            };
            // Line matched items up with the observed order, then append what is missing.
            let compatible_owner = assign_unordered(items, values);
            let mut out: Vec<Value> = Vec::new();
            for (j, value) in values.iter().enumerate() {
                if let Some(i) = compatible_owner[j] {
                    out.push(project(&items[i], Some(value)));
                }
            }
            let used: Vec<usize> = compatible_owner.iter().flatten().copied().collect();
            for (i, item) in items.iter().enumerate() {
                if !used.contains(&i) {
                    out.push(project(item, None));
                }
            }
            Value::Array(out)
        }
        Pattern::Type(ValueType::Any) => Value::String("<any JSON value>".into()),
        Pattern::Type(t) => Value::String(format!("<any {}>", t.name())),
        Pattern::Approx { .. }
        | Pattern::Regex(_)
        | Pattern::OneOf(_)
        | Pattern::Range { .. }
        | Pattern::Above(_) => Value::String(format!("<{}>", describe(pattern))),
        Pattern::SetAt {
            key_path,
            values,
            each,
        } => {
            // The observed elements whose value belongs to the set, then one stand-in per
            // value nobody reported: the diff shows what is extra and what is missing.
            let elements = actual
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let mut out = Vec::new();
            let mut seen: Vec<Value> = Vec::new();
            for element in &elements {
                let value = key_path.iter().try_fold(element, |v, key| v.get(key));
                if let Some(value) = value
                    && values.iter().any(|v| scalar_eq(v, value))
                {
                    seen.push(value.clone());
                    out.push(match each {
                        Some(each) => project(each, Some(element)),
                        None => element.clone(),
                    });
                }
            }
            for value in values {
                if !seen.iter().any(|s| scalar_eq(s, value)) {
                    let stand_in = key_path.iter().rev().fold(
                        value.clone(),
                        |inner, key| serde_json::json!({ key: inner }),
                    );
                    out.push(stand_in);
                }
            }
            Value::Array(out)
        }
    }
}

fn assign_unordered(items: &[Pattern], values: &[Value]) -> Vec<Option<usize>> {
    let mut owner: Vec<Option<usize>> = vec![None; values.len()];
    let mut taken = vec![false; items.len()];
    for (j, value) in values.iter().enumerate() {
        if let Some(i) = (0..items.len()).find(|i| !taken[*i] && matches(&items[*i], value)) {
            taken[i] = true;
            owner[j] = Some(i);
        }
    }
    owner
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn pat(v: Value) -> Pattern {
        Pattern::parse(&v).unwrap()
    }

    fn lines(p: &Pattern, actual: Value) -> Vec<String> {
        check(p, &actual).iter().map(|m| m.to_string()).collect()
    }

    #[test]
    fn exact_values_report_every_mismatch_by_path() {
        let p = pat(json!({"info": {"hits": 3, "misses": 1}, "log": ["a", "b"]}));
        assert_eq!(
            lines(
                &p,
                json!({"info": {"hits": 4, "misses": 1, "extra": true}, "log": ["a", "c", "d"]})
            ),
            [
                "$.info.hits: expected 3, got 4",
                "$.info.extra: unexpected key (value true)",
                "$.log[1]: expected \"b\", got \"c\"",
                "$.log[2]: unexpected extra item \"d\"",
            ]
        );
        assert!(
            check(
                &p,
                &json!({"info": {"hits": 3, "misses": 1}, "log": ["a", "b"]})
            )
            .is_empty()
        );
    }

    #[test]
    fn missing_keys_and_items_are_named() {
        let p = pat(json!({"a": 1, "b": [1, 2]}));
        assert_eq!(
            lines(&p, json!({"b": [1]})),
            [
                "$.a: missing key (expected 1)",
                "$.b[1]: missing item (expected 2)"
            ]
        );
    }

    #[test]
    fn ints_floats_and_bools_are_different_types() {
        let p = pat(json!([2, 1, 0.5]));
        let actual: Value = serde_json::from_str("[2.0, true, 0.5]").unwrap();
        assert_eq!(
            lines(&p, actual),
            [
                "$[0]: expected 2 (int), got 2.0 (float)",
                "$[1]: expected 1 (int), got true (bool)"
            ]
        );
    }

    #[test]
    fn big_integers_compare_exactly() {
        let p = pat(serde_json::from_str("[280571172992510140037611932413038677189525]").unwrap());
        let same: Value =
            serde_json::from_str("[280571172992510140037611932413038677189525]").unwrap();
        let off_by_one: Value =
            serde_json::from_str("[280571172992510140037611932413038677189526]").unwrap();
        assert!(check(&p, &same).is_empty());
        assert_eq!(check(&p, &off_by_one).len(), 1);
    }

    #[test]
    fn type_matcher() {
        let p = pat(json!({"id": {"$type": "int"}, "n": {"$type": "number"}}));
        assert!(check(&p, &json!({"id": 7, "n": 1.5})).is_empty());
        assert_eq!(
            lines(&p, json!({"id": "7", "n": null})),
            [
                "$.id: expected any int, got \"7\" (string)",
                "$.n: expected any number, got null (null)"
            ]
        );
    }

    #[test]
    fn approx_matcher_uses_the_tolerance() {
        let p = pat(json!({"$approx": 0.3, "$tolerance": 1e-6}));
        assert!(check(&p, &json!(0.30000000000000004)).is_empty());
        assert!(check(&p, &json!(0.3001)).len() == 1);
        assert!(check(&p, &json!("0.3")).len() == 1);
        let rel = pat(json!({"$approx": 1000.0, "$relative": 0.01}));
        assert!(check(&rel, &json!(1009)).is_empty());
        assert!(!check(&rel, &json!(1011)).is_empty());
    }

    #[test]
    fn unordered_matcher_is_a_multiset_match() {
        let p = pat(json!({"$unordered": [1, 2, 2, {"$type": "string"}]}));
        assert!(check(&p, &json!(["x", 2, 1, 2])).is_empty());
        assert_eq!(
            lines(&p, json!([2, 1, 1, "x"])),
            ["$: no item matches 2", "$[2]: unexpected item 1"]
        );
        assert_eq!(
            lines(&p, json!([1, 2])),
            [
                "$: expected 4 items in any order, got 2",
                "$: no item matches 2",
                "$: no item matches any string"
            ]
        );
        // A greedy match would pair the type matcher with 1 and then fail; Kuhn's doesn't.
        let tricky = pat(json!({"$unordered": [{"$type": "int"}, 1]}));
        assert!(check(&tricky, &json!([1, 5])).is_empty());
    }

    #[test]
    fn partial_matcher_ignores_other_keys() {
        let p = pat(json!({"$partial": {"status": "ok"}}));
        assert!(check(&p, &json!({"status": "ok", "time": 3})).is_empty());
        assert_eq!(
            lines(&p, json!({"time": 3})),
            ["$.status: missing key (expected \"ok\")"]
        );
        assert_eq!(
            lines(&p, json!([1])),
            ["$: expected {\"status\": \"ok\", …}, got [1] (array)"]
        );
    }

    #[test]
    fn regex_and_one_of() {
        let p = pat(json!([{"$regex": "^ERR"}, {"$one_of": [null, ""]}]));
        assert!(check(&p, &json!(["ERR bad", null])).is_empty());
        assert!(check(&p, &json!(["ERR bad", ""])).is_empty());
        assert_eq!(
            lines(&p, json!(["ok", "x"])),
            [
                "$[0]: expected a string matching /^ERR/, got \"ok\" (string)",
                "$[1]: expected one of null | \"\", got \"x\" (string)"
            ]
        );
    }

    #[test]
    fn range_matcher_takes_numbers_between_its_bounds() {
        let p = pat(json!({"$range": [400, 499]}));
        assert!(check(&p, &json!(404)).is_empty());
        assert!(check(&p, &json!(400)).is_empty() && check(&p, &json!(499)).is_empty());
        assert_eq!(
            lines(&p, json!(500)),
            ["$: expected a number from 400 to 499, got 500 (int)"]
        );
        assert_eq!(check(&p, &json!("404")).len(), 1);
    }

    #[test]
    fn gt_matcher_takes_a_number_or_a_capture() {
        let p = pat(json!({"$gt": 5}));
        assert!(check(&p, &json!(6)).is_empty());
        assert_eq!(
            lines(&p, json!(5)),
            ["$: expected a number greater than 5, got 5 (int)"]
        );
        let p = pat(json!({"id": {"$gt": "{{last}}"}}));
        assert_eq!(
            lines(&p, json!({"id": 3})),
            ["$.id: expected a number greater than {{last}} (which was not captured), got 3 (int)"]
        );
        let mut captured = serde_json::Map::new();
        captured.insert("last".into(), json!(2));
        assert!(check(&p.with_captures(&captured), &json!({"id": 3})).is_empty());
        captured.insert("last".into(), json!(3));
        assert!(!check(&p.with_captures(&captured), &json!({"id": 3})).is_empty());
        assert!(Pattern::parse(&json!({"$gt": "three"})).is_err());
    }

    #[test]
    fn set_at_matcher_compares_the_set_of_values_at_a_key() {
        let p = pat(json!({
            "$set_at": "field",
            "$set": ["items", "currency"],
            "$each": {"field": {"$type": "string"}, "message": {"$type": "string"}}
        }));
        let good = json!([
            {"field": "currency", "message": "bad"},
            {"field": "items", "message": "x"},
            {"field": "items", "message": "reported twice: still the same set"},
        ]);
        assert!(check(&p, &good).is_empty());
        assert!(matches(&p, &good));
        let wrong = json!([
            {"field": "items[0]", "message": "x"},
            {"field": "items", "message": 3},
            {"message": "no field"},
        ]);
        assert!(!matches(&p, &wrong));
        assert_eq!(
            lines(&p, wrong.clone()),
            [
                "$[1].message: expected any string, got 3 (int)",
                "$[2].field: missing key (expected any string)",
                "$[*].field: missing \"currency\"; unexpected \"items[0]\" (expected the set \"items\", \"currency\")",
            ]
        );
        assert_eq!(
            project(&p, Some(&wrong)),
            json!([{"field": "items", "message": "<any string>"}, {"field": "currency"}])
        );
        assert!(Pattern::parse(&json!({"$set_at": "field"})).is_err());
        assert!(Pattern::parse(&json!({"$set_at": "a..b", "$set": []})).is_err());
        assert!(Pattern::parse(&json!({"$set_at": "f", "$set": [[1]]})).is_err());
    }

    #[test]
    fn projection_hides_matched_matchers_and_keeps_ignored_keys() {
        let p = pat(json!({"$partial": {"id": {"$type": "int"}, "name": "a"}}));
        let actual = json!({"id": 5, "name": "b", "extra": 1});
        assert_eq!(
            project(&p, Some(&actual)),
            json!({"id": 5, "name": "a", "extra": 1})
        );
        let p = pat(json!({"$unordered": [3, 1, 9]}));
        assert_eq!(project(&p, Some(&json!([1, 2, 3]))), json!([1, 3, 9]));
    }
}
