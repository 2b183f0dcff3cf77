//! JSONPath-style locations (`$.info.hits`, `$.log[3]`, `$["odd key"]`) used in mismatch
//! messages and in errors about expected values.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

/// A location in what a case observed: in the observation itself (`$...`) or in what the
/// fixture websites saw (`sites...`). Reports show it as text; the judge reads its segments.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath {
    root: Root,
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
enum Root {
    /// `$`: the observation.
    #[default]
    Observation,
    /// `sites`: what the task's fixture websites saw.
    Sites,
    /// A path read back from a results file that is not in either form (kept as it was).
    Text(String),
}

impl JsonPath {
    pub fn root() -> JsonPath {
        JsonPath::default()
    }

    pub fn sites() -> JsonPath {
        JsonPath {
            root: Root::Sites,
            segments: Vec::new(),
        }
    }

    pub fn push(&mut self, segment: Segment) {
        self.segments.push(segment);
    }

    pub fn pop(&mut self) {
        self.segments.pop();
    }

    pub fn segments(&self) -> &[Segment] {
        &self.segments
    }

    /// A path as [`Display`](fmt::Display) writes it.
    pub fn parse(text: &str) -> JsonPath {
        parse(text).unwrap_or_else(|| JsonPath {
            root: Root::Text(text.to_owned()),
            segments: Vec::new(),
        })
    }

    pub fn child_key(&self, key: &str) -> JsonPath {
        let mut p = self.clone();
        p.push(Segment::Key(key.to_owned()));
        p
    }

    pub fn child_index(&self, index: usize) -> JsonPath {
        let mut p = self.clone();
        p.push(Segment::Index(index));
        p
    }
}

fn is_plain_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '$')
}

fn parse(text: &str) -> Option<JsonPath> {
    let (root, mut rest) = if let Some(rest) = text.strip_prefix('$') {
        (Root::Observation, rest)
    } else {
        (Root::Sites, text.strip_prefix("sites")?)
    };
    let mut segments = Vec::new();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            let key = &after[..end];
            if !is_plain_key(key) {
                return None;
            }
            segments.push(Segment::Key(key.to_owned()));
            rest = &after[end..];
        } else if let Some(after) = rest.strip_prefix("[\"") {
            // A JSON string: its end is the first quote no backslash escapes.
            let mut escaped = false;
            let end = after.char_indices().find_map(|(i, c)| {
                let closes = c == '"' && !escaped;
                escaped = c == '\\' && !escaped;
                closes.then_some(i)
            })?;
            let key: String = serde_json::from_str(&rest[1..end + 3]).ok()?;
            segments.push(Segment::Key(key));
            rest = after[end + 1..].strip_prefix(']')?;
        } else if let Some(after) = rest.strip_prefix('[') {
            let end = after.find(']')?;
            segments.push(Segment::Index(after[..end].parse().ok()?));
            rest = &after[end + 1..];
        } else {
            return None;
        }
    }
    Some(JsonPath { root, segments })
}

impl From<&str> for JsonPath {
    fn from(text: &str) -> JsonPath {
        JsonPath::parse(text)
    }
}

impl serde::Serialize for JsonPath {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for JsonPath {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<JsonPath, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(JsonPath::parse(&text))
    }
}

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.root {
            Root::Observation => f.write_str("$")?,
            Root::Sites => f.write_str("sites")?,
            Root::Text(text) => return f.write_str(text),
        }
        for segment in &self.segments {
            match segment {
                Segment::Key(key) if is_plain_key(key) => write!(f, ".{key}")?,
                Segment::Key(key) => write!(f, "[{}]", serde_json::Value::from(key.as_str()))?,
                Segment::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_keys_and_indices() {
        let p = JsonPath::root()
            .child_key("info")
            .child_index(3)
            .child_key("odd key")
            .child_key("a\"b");
        assert_eq!(p.to_string(), r#"$.info[3]["odd key"]["a\"b"]"#);
    }

    #[test]
    fn what_it_writes_it_reads_back() {
        for text in [
            r#"$.info[3]["odd key"]["a\"b"].x"#,
            "$",
            "$.steps[2].headers.content-type",
            r#"sites.attempts["http://127.0.0.1:8001/a"]"#,
            "sites",
        ] {
            let path = JsonPath::parse(text);
            assert_eq!(path.to_string(), text);
            assert!(!matches!(path.root, Root::Text(_)), "{text}");
        }
        let steps = JsonPath::parse("$.steps[2].status");
        assert_eq!(
            steps.segments(),
            [
                Segment::Key("steps".into()),
                Segment::Index(2),
                Segment::Key("status".into())
            ]
        );
        // Something else (an older results file, say) is kept as it was.
        assert_eq!(JsonPath::parse("weird path").to_string(), "weird path");
    }
}
