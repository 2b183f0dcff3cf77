//! Expected values are patterns: plain JSON matches exactly, and a JSON object whose keys all
//! start with `$` is a matcher (`{"$type": "int"}`, `{"$approx": 0.3}`, ...). A literal key
//! that starts with `$` is written `$$`.

use std::collections::BTreeMap;
use std::fmt;

use regex::Regex;
use serde_json::{Number, Value};

use super::path::{JsonPath, Segment};

#[derive(Debug, Clone)]
pub enum Pattern {
    /// null, bool, number or string, compared exactly (ints and floats are different types).
    Scalar(Value),
    Array(Vec<Pattern>),
    /// Exactly these keys.
    Object(BTreeMap<String, Pattern>),
    /// At least these keys; others are ignored.
    Partial(BTreeMap<String, Pattern>),
    /// The same elements in any order (a multiset; elements may be patterns).
    Unordered(Vec<Pattern>),
    Type(ValueType),
    Approx {
        value: f64,
        tolerance: f64,
        relative: f64,
    },
    Regex(Regex),
    OneOf(Vec<Pattern>),
    /// A number from `low` to `high`, both included (a status class: 400..=499).
    Range {
        low: f64,
        high: f64,
    },
    /// A number greater than this one: a number, or `{{name}}` until a capture fills it in
    /// (a new id above the last one).
    Above(Value),
    /// An array whose elements hold, at `key_path` (keys, outermost first), exactly the set
    /// `values` (each at least once, nothing else); every element also matches `each`.
    SetAt {
        key_path: Vec<String>,
        values: Vec<Value>,
        each: Option<Box<Pattern>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueType {
    Null,
    Bool,
    Int,
    Float,
    Number,
    String,
    Array,
    Object,
    Any,
}

impl ValueType {
    const ALL: [(&'static str, ValueType); 9] = [
        ("null", ValueType::Null),
        ("bool", ValueType::Bool),
        ("int", ValueType::Int),
        ("float", ValueType::Float),
        ("number", ValueType::Number),
        ("string", ValueType::String),
        ("array", ValueType::Array),
        ("object", ValueType::Object),
        ("any", ValueType::Any),
    ];

    fn parse(name: &str) -> Option<ValueType> {
        Self::ALL.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
    }

    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, t)| *t == self)
            .map(|(n, _)| *n)
            .unwrap_or("any")
    }

    pub fn accepts(self, value: &Value) -> bool {
        match self {
            ValueType::Any => true,
            ValueType::Number => value.is_number(),
            other => type_of(value) == other,
        }
    }
}

/// The JSON type of a value, telling ints from floats by their written form.
pub fn type_of(value: &Value) -> ValueType {
    match value {
        Value::Null => ValueType::Null,
        Value::Bool(_) => ValueType::Bool,
        Value::Number(n) if is_integer(n) => ValueType::Int,
        Value::Number(_) => ValueType::Float,
        Value::String(_) => ValueType::String,
        Value::Array(_) => ValueType::Array,
        Value::Object(_) => ValueType::Object,
    }
}

pub fn is_integer(n: &Number) -> bool {
    let text = n.to_string();
    !text.contains(['.', 'e', 'E'])
}

/// A problem in an expected value, located by its path inside that value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    pub path: JsonPath,
    pub message: String,
    pub help: Option<String>,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.path, self.message)
    }
}

const MATCHERS: &str =
    "$type, $approx, $unordered, $partial, $regex, $one_of, $range, $gt, $set_at";

impl Pattern {
    pub fn parse(value: &Value) -> Result<Pattern, PatternError> {
        parse_at(value, &mut JsonPath::root())
    }

    /// An exact pattern for a plain value (used when an expectation is computed, not written).
    pub fn exact(value: &Value) -> Pattern {
        match value {
            Value::Array(items) => Pattern::Array(items.iter().map(Pattern::exact).collect()),
            Value::Object(map) => Pattern::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), Pattern::exact(v)))
                    .collect(),
            ),
            scalar => Pattern::Scalar(scalar.clone()),
        }
    }
}

impl Pattern {
    /// The pattern with `{{name}}` in its strings filled from `captured`: a string that is
    /// exactly `{{name}}` becomes the captured value itself (a number stays a number). Names
    /// not captured are left as written, so they cannot match by accident.
    pub fn with_captures(&self, captured: &serde_json::Map<String, Value>) -> Pattern {
        let fill = |p: &Pattern| p.with_captures(captured);
        let fill_all = |ps: &[Pattern]| ps.iter().map(fill).collect::<Vec<_>>();
        let fill_fields = |fs: &BTreeMap<String, Pattern>| {
            fs.iter()
                .map(|(k, p)| (k.clone(), fill(p)))
                .collect::<BTreeMap<_, _>>()
        };
        match self {
            Pattern::Scalar(Value::String(text)) => {
                match crate::util::text::whole_capture(text).and_then(|name| captured.get(name)) {
                    Some(value) => Pattern::Scalar(value.clone()),
                    None => Pattern::Scalar(Value::String(
                        crate::util::text::substitute(text, captured)
                            .unwrap_or_else(|_| text.clone()),
                    )),
                }
            }
            Pattern::Array(items) => Pattern::Array(fill_all(items)),
            Pattern::Object(fields) => Pattern::Object(fill_fields(fields)),
            Pattern::Partial(fields) => Pattern::Partial(fill_fields(fields)),
            Pattern::Unordered(items) => Pattern::Unordered(fill_all(items)),
            Pattern::OneOf(items) => Pattern::OneOf(fill_all(items)),
            Pattern::SetAt {
                key_path,
                values,
                each,
            } => Pattern::SetAt {
                key_path: key_path.clone(),
                values: values
                    .iter()
                    .map(
                        |v| match v.as_str().and_then(crate::util::text::whole_capture) {
                            Some(name) => captured.get(name).cloned().unwrap_or_else(|| v.clone()),
                            None => v.clone(),
                        },
                    )
                    .collect(),
                each: each.as_ref().map(|p| Box::new(fill(p))),
            },
            Pattern::Above(Value::String(text)) => {
                match crate::util::text::whole_capture(text).and_then(|name| captured.get(name)) {
                    // A header's value is text: "41" bounds as the number 41.
                    Some(Value::String(number)) => match number.trim().parse::<Number>() {
                        Ok(number) => Pattern::Above(Value::Number(number)),
                        Err(_) => Pattern::Above(Value::String(format!(
                            "{text} (captured as {number:?}, not a number)"
                        ))),
                    },
                    Some(value) => Pattern::Above(value.clone()),
                    None => self.clone(),
                }
            }
            other => other.clone(),
        }
    }
}

fn error(path: &JsonPath, message: impl Into<String>, help: Option<&str>) -> PatternError {
    PatternError {
        path: path.clone(),
        message: message.into(),
        help: help.map(str::to_owned),
    }
}

fn parse_at(value: &Value, path: &mut JsonPath) -> Result<Pattern, PatternError> {
    match value {
        Value::Array(items) => Ok(Pattern::Array(parse_items(items, path)?)),
        Value::Object(map) if map.keys().any(|k| is_matcher_key(k)) => parse_matcher(map, path),
        Value::Object(map) => Ok(Pattern::Object(parse_fields(map, path)?)),
        scalar => Ok(Pattern::Scalar(scalar.clone())),
    }
}

fn is_matcher_key(key: &str) -> bool {
    key.starts_with('$') && !key.starts_with("$$")
}

fn parse_items(items: &[Value], path: &mut JsonPath) -> Result<Vec<Pattern>, PatternError> {
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            path.push(Segment::Index(i));
            let parsed = parse_at(item, path);
            path.pop();
            parsed
        })
        .collect()
}

fn parse_fields(
    map: &serde_json::Map<String, Value>,
    path: &mut JsonPath,
) -> Result<BTreeMap<String, Pattern>, PatternError> {
    let mut fields = BTreeMap::new();
    for (key, item) in map {
        path.push(Segment::Key(key.clone()));
        let parsed = parse_at(item, path)?;
        path.pop();
        // `$$name` is the escape for a literal key `$name`.
        let literal = key.strip_prefix('$').filter(|k| k.starts_with('$'));
        fields.insert(literal.unwrap_or(key).to_owned(), parsed);
    }
    Ok(fields)
}

fn parse_matcher(
    map: &serde_json::Map<String, Value>,
    path: &mut JsonPath,
) -> Result<Pattern, PatternError> {
    if let Some(plain) = map.keys().find(|k| !is_matcher_key(k)) {
        return Err(error(
            path,
            format!("mixes matcher keys with the plain key `{plain}`"),
            Some(
                "a matcher table holds only `$` keys; to match a literal key that starts with `$`, write it as `$$key`",
            ),
        ));
    }
    let (head, allowed): (&str, &[&str]) = if map.contains_key("$approx") {
        ("$approx", &["$approx", "$tolerance", "$relative"])
    } else if map.contains_key("$set_at") {
        ("$set_at", &["$set_at", "$set", "$each"])
    } else {
        ("", &[])
    };
    let main: Vec<&String> = map
        .keys()
        .filter(|k| !allowed.contains(&k.as_str()) || k.as_str() == head)
        .collect();
    if main.len() != 1 {
        let names: Vec<&str> = main.iter().map(|k| k.as_str()).collect();
        return Err(error(
            path,
            format!(
                "a matcher table needs exactly one matcher, found {}",
                names.join(", ")
            ),
            Some(&format!("use one of {MATCHERS}")),
        ));
    }
    let key = main[0].as_str();
    let arg = &map[key];
    path.push(Segment::Key(key.to_owned()));
    let result = match key {
        "$type" => match arg.as_str().and_then(ValueType::parse) {
            Some(t) => Ok(Pattern::Type(t)),
            None => Err(error(
                path,
                format!("unknown type {arg}"),
                Some("use one of null, bool, int, float, number, string, array, object, any"),
            )),
        },
        "$approx" => parse_approx(map, path),
        "$range" => match arg.as_array().map(Vec::as_slice) {
            Some([low, high])
                if low.as_f64().is_some_and(f64::is_finite)
                    && high.as_f64().is_some_and(f64::is_finite)
                    && low.as_f64() <= high.as_f64() =>
            {
                Ok(Pattern::Range {
                    low: low.as_f64().unwrap_or_default(),
                    high: high.as_f64().unwrap_or_default(),
                })
            }
            _ => Err(error(
                path,
                "expects [low, high], two numbers with low <= high",
                Some("write { \"$range\" = [400, 499] }"),
            )),
        },
        "$set_at" => parse_set_at(map, path),
        "$gt" => match arg {
            Value::Number(_) => Ok(Pattern::Above(arg.clone())),
            Value::String(s) if crate::util::text::whole_capture(s).is_some() => {
                Ok(Pattern::Above(arg.clone()))
            }
            _ => Err(error(
                path,
                "expects a number, or a capture such as \"{{last_id}}\"",
                Some("write { \"$gt\" = 0 } or { \"$gt\" = \"{{first_id}}\" }"),
            )),
        },
        "$unordered" => match arg {
            Value::Array(items) => parse_items(items, path).map(Pattern::Unordered),
            _ => Err(error(path, "expects an array", None)),
        },
        "$partial" => match arg {
            Value::Object(fields) => parse_fields(fields, path).map(Pattern::Partial),
            _ => Err(error(path, "expects a table of the keys to check", None)),
        },
        "$regex" => match arg.as_str() {
            Some(source) => Regex::new(source)
                .map(Pattern::Regex)
                .map_err(|e| error(path, format!("invalid regular expression: {e}"), None)),
            None => Err(error(path, "expects a string", None)),
        },
        "$one_of" => match arg {
            Value::Array(items) if !items.is_empty() => {
                parse_items(items, path).map(Pattern::OneOf)
            }
            _ => Err(error(
                path,
                "expects a non-empty array of alternatives",
                None,
            )),
        },
        other => Err(error(
            path,
            format!("unknown matcher `{other}`"),
            Some(&format!(
                "use one of {MATCHERS}; to match a literal key `{other}`, write `${other}`"
            )),
        )),
    };
    path.pop();
    result
}

fn parse_set_at(
    map: &serde_json::Map<String, Value>,
    path: &mut JsonPath,
) -> Result<Pattern, PatternError> {
    const HELP: &str = "write { \"$set_at\" = \"field\", \"$set\" = [\"currency\", \"items[0].sku\"] }: the set of each element's `field`";
    let key_path: Vec<String> = match map["$set_at"].as_str() {
        Some(keys) if !keys.is_empty() && keys.split('.').all(|k| !k.is_empty()) => {
            keys.split('.').map(str::to_owned).collect()
        }
        _ => {
            return Err(error(
                path,
                "expects the key (or dotted keys) to read in each element",
                Some(HELP),
            ));
        }
    };
    let mut at = path.clone();
    at.pop();
    at.push(Segment::Key("$set".into()));
    let values = match map.get("$set") {
        Some(Value::Array(values)) => {
            if let Some(i) = values.iter().position(|v| v.is_object() || v.is_array()) {
                return Err(error(
                    &at.child_index(i),
                    "the set holds plain values (strings, numbers, booleans)",
                    Some(HELP),
                ));
            }
            values.clone()
        }
        _ => return Err(error(&at, "$set_at needs $set, an array", Some(HELP))),
    };
    let each = match map.get("$each") {
        None => None,
        Some(each) => {
            let mut at = path.clone();
            at.pop();
            at.push(Segment::Key("$each".into()));
            Some(Box::new(parse_at(each, &mut at)?))
        }
    };
    Ok(Pattern::SetAt {
        key_path,
        values,
        each,
    })
}

fn parse_approx(
    map: &serde_json::Map<String, Value>,
    path: &mut JsonPath,
) -> Result<Pattern, PatternError> {
    let number = |key: &str, default: f64| -> Result<f64, PatternError> {
        match map.get(key) {
            None => Ok(default),
            Some(v) => v.as_f64().filter(|x| x.is_finite()).ok_or_else(|| {
                let mut at = path.clone();
                at.pop();
                at.push(Segment::Key(key.to_owned()));
                error(&at, "expects a finite number", None)
            }),
        }
    };
    let value = number("$approx", 0.0)?;
    let tolerance = number("$tolerance", 1e-9)?;
    let relative = number("$relative", 0.0)?;
    if tolerance < 0.0 || relative < 0.0 {
        return Err(error(path, "tolerances must not be negative", None));
    }
    Ok(Pattern::Approx {
        value,
        tolerance,
        relative,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn plain_values_are_exact_and_dollar_tables_are_matchers() {
        let p = Pattern::parse(&json!({"a": [1, {"$type": "int"}], "$$b": 2})).unwrap();
        let Pattern::Object(fields) = p else {
            panic!("not an object")
        };
        assert!(fields.contains_key("$b"), "escaped key keeps one `$`");
        let Pattern::Array(items) = &fields["a"] else {
            panic!("not an array")
        };
        assert!(matches!(items[1], Pattern::Type(ValueType::Int)));
    }

    #[test]
    fn errors_name_the_path_and_the_fix() {
        let err = Pattern::parse(&json!({"x": {"y": {"$typ": "int"}}})).unwrap_err();
        assert_eq!(err.path.to_string(), "$.x.y.$typ");
        assert!(err.message.contains("unknown matcher `$typ`"));
        assert!(err.help.unwrap().contains("$type"));

        let err = Pattern::parse(&json!({"$type": "int", "name": 1})).unwrap_err();
        assert!(err.message.contains("plain key `name`"));

        let err = Pattern::parse(&json!([{"$regex": "("}])).unwrap_err();
        assert_eq!(err.path.to_string(), "$[0].$regex");

        let err = Pattern::parse(&json!({"$type": "integer"})).unwrap_err();
        assert!(err.message.contains("unknown type"));
    }

    #[test]
    fn captures_fill_expected_strings() {
        let p =
            Pattern::parse(&json!({"id": "{{id}}", "url": "/notes/{{id}}", "who": "{{nobody}}"}))
                .unwrap();
        let mut captured = serde_json::Map::new();
        captured.insert("id".into(), json!(7));
        let filled = p.with_captures(&captured);
        let actual = json!({"id": 7, "url": "/notes/7", "who": "{{nobody}}"});
        assert!(crate::compare::matching::check(&filled, &actual).is_empty());
        assert!(!crate::compare::matching::check(&p, &actual).is_empty());
    }

    #[test]
    fn approx_takes_its_options() {
        let p = Pattern::parse(&json!({"$approx": 0.3, "$tolerance": 0.01})).unwrap();
        assert!(
            matches!(p, Pattern::Approx { value, tolerance, .. } if value == 0.3 && tolerance == 0.01)
        );
        assert!(Pattern::parse(&json!({"$approx": 1, "$tolerance": -1})).is_err());
    }

    #[test]
    fn ints_and_floats_are_told_apart_by_their_text() {
        let v: Value =
            serde_json::from_str("[1, 1.0, 1e3, 123456789012345678901234567890]").unwrap();
        let types: Vec<_> = v.as_array().unwrap().iter().map(type_of).collect();
        assert_eq!(
            types,
            [
                ValueType::Int,
                ValueType::Float,
                ValueType::Float,
                ValueType::Int
            ]
        );
    }
}
