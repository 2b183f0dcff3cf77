//! JSONPath-style locations (`$.info.hits`, `$.log[3]`, `$["odd key"]`) used in mismatch
//! messages and in errors about expected values.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JsonPath(Vec<Segment>);

impl JsonPath {
    pub fn root() -> JsonPath {
        JsonPath(Vec::new())
    }

    pub fn push(&mut self, segment: Segment) {
        self.0.push(segment);
    }

    pub fn pop(&mut self) {
        self.0.pop();
    }

    pub fn segments(&self) -> &[Segment] {
        &self.0
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

impl fmt::Display for JsonPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("$")?;
        for segment in &self.0 {
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
}
