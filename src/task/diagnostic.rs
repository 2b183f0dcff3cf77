//! Errors in task files, located by file, line, column and field, rendered the way a compiler
//! would: the offending line, a caret under the span, and how to fix it.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::compare::Segment;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecError {
    pub file: PathBuf,
    /// 1-based line and column, when the problem has a place in the file.
    pub location: Option<(usize, usize)>,
    /// The field, as a path (`cases[2].id`), when the problem belongs to one.
    pub field: Option<String>,
    pub message: String,
    pub help: Option<String>,
    /// The source line and the span inside it to underline.
    pub snippet: Option<(String, Range<usize>)>,
}

impl SpecError {
    pub fn new(file: &Path, message: impl Into<String>) -> SpecError {
        SpecError {
            file: file.to_owned(),
            location: None,
            field: None,
            message: message.into(),
            help: None,
            snippet: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> SpecError {
        self.help = Some(help.into());
        self
    }

    pub fn with_field(mut self, field: impl Into<String>) -> SpecError {
        self.field = Some(field.into());
        self
    }

    /// Places the error at a byte span of `source`.
    pub fn at_span(mut self, source: &str, span: Range<usize>) -> SpecError {
        let start = span.start.min(source.len());
        let line_start = source[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = source[start..]
            .find('\n')
            .map_or(source.len(), |i| start + i);
        let line_no = source[..start].matches('\n').count() + 1;
        let column = source[line_start..start].chars().count() + 1;
        let line_text = source[line_start..line_end].trim_end_matches('\r');
        let end = span.end.clamp(start, line_end.max(start));
        let under_start = source[line_start..start].chars().count();
        let under_len = source[start..end].chars().count().max(1);
        self.location = Some((line_no, column));
        self.snippet = Some((line_text.to_owned(), under_start..under_start + under_len));
        self
    }
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some((line, column)) = self.location {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": ")?;
        if let Some(field) = &self.field {
            write!(f, "field `{field}`: ")?;
        }
        write!(f, "{}", self.message)?;
        if let (Some((text, under)), Some((line, _))) = (&self.snippet, self.location) {
            let gutter = line.to_string().len();
            let shown = crate::util::text::neutralize(text);
            write!(
                f,
                "\n{:gutter$} |\n{line} | {shown}\n{:gutter$} | {}{}",
                "",
                "",
                " ".repeat(under.start),
                "^".repeat(under.len().min(80))
            )?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  help: {help}")?;
        }
        Ok(())
    }
}

/// All the problems found in one task, reported together.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpecErrors(pub Vec<SpecError>);

impl fmt::Display for SpecErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SpecErrors {}

impl From<SpecError> for SpecErrors {
    fn from(error: SpecError) -> SpecErrors {
        SpecErrors(vec![error])
    }
}

/// Renders a field path the way the spec is written: `cases[2].expect.log[0]`.
pub fn field_name(segments: &[Segment]) -> String {
    let mut out = String::new();
    for segment in segments {
        match segment {
            Segment::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                let bare = !k.is_empty()
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if bare {
                    out.push_str(k);
                } else {
                    out.push_str(&serde_json::Value::from(k.as_str()).to_string());
                }
            }
            Segment::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    out
}

/// An error about the field at `path` of `file`, placed at its line when `locator` finds it.
pub fn located(
    file: &std::path::Path,
    locator: &Locator<'_>,
    path: &[Segment],
    message: impl Into<String>,
    help: impl Into<String>,
) -> SpecError {
    let mut error = SpecError::new(file, message).with_help(help);
    if !path.is_empty() {
        error = error.with_field(field_name(path));
    }
    if let Some(span) = locator.span(path) {
        error = error.at_span(locator.source(), span);
    }
    error
}

/// Finds the span of a field in a TOML document, falling back to its nearest parent.
pub struct Locator<'a> {
    source: &'a str,
    document: Option<toml_edit::Document<&'a str>>,
}

impl<'a> Locator<'a> {
    pub fn new(source: &'a str) -> Locator<'a> {
        Locator {
            source,
            document: toml_edit::Document::parse(source).ok(),
        }
    }

    pub fn source(&self) -> &'a str {
        self.source
    }

    pub fn span(&self, segments: &[Segment]) -> Option<Range<usize>> {
        let document = self.document.as_ref()?;
        let mut best = None;
        let mut item = Cursor::Item(document.as_item());
        for segment in segments {
            let next = match (item, segment) {
                (Cursor::Item(i), Segment::Key(k)) => match i {
                    toml_edit::Item::Table(t) => t.get(k).map(Cursor::Item),
                    toml_edit::Item::Value(toml_edit::Value::InlineTable(t)) => {
                        t.get(k).map(Cursor::Value)
                    }
                    _ => None,
                },
                (Cursor::Item(i), Segment::Index(n)) => match i {
                    toml_edit::Item::ArrayOfTables(a) => a.get(*n).map(Cursor::Table),
                    toml_edit::Item::Value(toml_edit::Value::Array(a)) => {
                        a.get(*n).map(Cursor::Value)
                    }
                    _ => None,
                },
                (Cursor::Table(t), Segment::Key(k)) => t.get(k).map(Cursor::Item),
                (Cursor::Value(toml_edit::Value::InlineTable(t)), Segment::Key(k)) => {
                    t.get(k).map(Cursor::Value)
                }
                (Cursor::Value(toml_edit::Value::Array(a)), Segment::Index(n)) => {
                    a.get(*n).map(Cursor::Value)
                }
                _ => None,
            };
            match next {
                Some(cursor) => {
                    item = cursor;
                    if let Some(span) = cursor.span() {
                        best = Some(span);
                    }
                }
                None => break,
            }
        }
        best
    }
}

#[derive(Clone, Copy)]
enum Cursor<'d> {
    Item(&'d toml_edit::Item),
    Table(&'d toml_edit::Table),
    Value(&'d toml_edit::Value),
}

impl Cursor<'_> {
    fn span(self) -> Option<Range<usize>> {
        match self {
            Cursor::Item(i) => i.span(),
            Cursor::Table(t) => t.span(),
            Cursor::Value(v) => v.span(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_nested_fields_and_renders_a_caret() {
        let source = "title = \"t\"\n[[cases]]\nid = \"a\"\n[[cases]]\nid = \"a b\"\nexpect = { log = [1, 2] }\n";
        let locator = Locator::new(source);
        let path = [
            Segment::Key("cases".into()),
            Segment::Index(1),
            Segment::Key("expect".into()),
            Segment::Key("log".into()),
            Segment::Index(1),
        ];
        let span = locator.span(&path).unwrap();
        assert_eq!(&source[span.clone()], "2");
        let error = SpecError::new(Path::new("task.toml"), "bad value")
            .with_field(field_name(&path))
            .at_span(source, span)
            .with_help("use 3");
        insta::assert_snapshot!(error.to_string(), @r"
        task.toml:6:22: field `cases[1].expect.log[1]`: bad value
          |
        6 | expect = { log = [1, 2] }
          |                      ^
          help: use 3
        ");
    }

    #[test]
    fn falls_back_to_the_nearest_parent() {
        let source = "[limits]\ncpu_time = \"1s\"\n";
        let locator = Locator::new(source);
        let span = locator
            .span(&[Segment::Key("limits".into()), Segment::Key("memory".into())])
            .unwrap();
        assert!(source[span].starts_with("[limits]"));
    }
}
