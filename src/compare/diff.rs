//! Unified diffs of expected vs actual text, plain or coloured, with the changed part of a line
//! emphasised and invisible whitespace made visible where only whitespace differs.

use std::fmt::Write as _;

use anstyle::{AnsiColor, Style};
use serde::{Serialize, Serializer};
use similar::{ChangeTag, DiffOp, TextDiff};

use crate::util::text::neutralize;

const CONTEXT_LINES: usize = 3;

/// Two texts to show side by side as a unified diff. Serialises as the plain diff, and reads
/// back (from a results file) as that text, shown as it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub expected: String,
    pub actual: String,
    /// A diff read back from its plain rendering.
    rendered: Option<String>,
}

impl Serialize for Diff {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.render(false))
    }
}

impl<'de> serde::Deserialize<'de> for Diff {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Diff, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(Diff {
            expected: String::new(),
            actual: String::new(),
            rendered: Some(text),
        })
    }
}

fn styles(color: bool) -> [Style; 5] {
    if !color {
        return [Style::new(); 5];
    }
    let red = Style::new().fg_color(Some(AnsiColor::Red.into()));
    let green = Style::new().fg_color(Some(AnsiColor::Green.into()));
    [
        red,
        green,
        red.bold().underline(),
        green.bold().underline(),
        Style::new().fg_color(Some(AnsiColor::Cyan.into())),
    ]
}

impl Diff {
    pub fn new(expected: impl Into<String>, actual: impl Into<String>) -> Diff {
        Diff {
            expected: expected.into(),
            actual: actual.into(),
            rendered: None,
        }
    }

    /// The unified diff; with `color`, ANSI styles mark deletions, insertions and the
    /// changed part of each line. Text is neutralised: actual values are untrusted.
    pub fn render(&self, color: bool) -> String {
        if let Some(text) = &self.rendered {
            return text.clone();
        }
        let [del, ins, del_em, ins_em, meta] = styles(color);
        let expected = ensure_newline(&self.expected);
        let actual = ensure_newline(&self.actual);
        let diff = TextDiff::from_lines(expected.as_str(), actual.as_str());
        let mut out = String::new();
        let _ = writeln!(out, "{meta}--- expected{meta:#}");
        let _ = writeln!(out, "{meta}+++ actual{meta:#}");
        for group in diff.grouped_ops(CONTEXT_LINES) {
            let (first, last) = (&group[0], &group[group.len() - 1]);
            let old = first.old_range().start..last.old_range().end;
            let new = first.new_range().start..last.new_range().end;
            let _ = writeln!(
                out,
                "{meta}@@ -{},{} +{},{} @@{meta:#}",
                old.start + 1,
                old.len(),
                new.start + 1,
                new.len()
            );
            for op in &group {
                let visible_ws = only_whitespace_differs(&diff, op);
                for change in diff.iter_inline_changes(op) {
                    let (sign, base, emph) = match change.tag() {
                        ChangeTag::Equal => (' ', Style::new(), Style::new()),
                        ChangeTag::Delete => ('-', del, del_em),
                        ChangeTag::Insert => ('+', ins, ins_em),
                    };
                    let _ = write!(out, "{base}{sign}");
                    for (emphasized, piece) in change.iter_strings_lossy() {
                        let piece = piece.trim_end_matches('\n');
                        let mut shown = neutralize(piece);
                        if visible_ws {
                            shown = show_whitespace(&shown);
                        }
                        if emphasized && change.tag() != ChangeTag::Equal {
                            let _ = write!(out, "{base:#}{emph}{shown}{emph:#}{base}");
                        } else {
                            out.push_str(&shown);
                        }
                    }
                    if visible_ws {
                        out.push('␊');
                    }
                    let _ = writeln!(out, "{base:#}");
                }
            }
        }
        out
    }
}

fn ensure_newline(text: &str) -> String {
    if text.ends_with('\n') {
        text.to_owned()
    } else {
        format!("{text}\n")
    }
}

fn only_whitespace_differs(diff: &TextDiff<'_, '_, str>, op: &DiffOp) -> bool {
    if !matches!(op, DiffOp::Replace { .. }) {
        return false;
    }
    let squash = |lines: Vec<&str>| -> String {
        lines
            .concat()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect()
    };
    let old: Vec<&str> = op
        .old_range()
        .map(|i| diff.old_slice(i).unwrap_or(""))
        .collect();
    let new: Vec<&str> = op
        .new_range()
        .map(|i| diff.new_slice(i).unwrap_or(""))
        .collect();
    squash(old) == squash(new)
}

/// `·` for a space, `→` for a tab, `␍` for a carriage return, `␊` at a line's end.
fn show_whitespace(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            ' ' => '·',
            '\t' => '→',
            '\r' => '␍',
            c => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_unified_diff() {
        let d = Diff::new("a\nb\nc\n", "a\nB\nc\n");
        insta::assert_snapshot!(d.render(false), @r"
        --- expected
        +++ actual
        @@ -1,3 +1,3 @@
         a
        -b
        +B
         c
        ");
    }

    #[test]
    fn whitespace_only_changes_are_made_visible() {
        let d = Diff::new("x\nhello world\n", "x\nhello  world \n");
        let out = d.render(false);
        assert!(out.contains("-hello·world␊"), "{out}");
        assert!(out.contains("+hello··world·␊"), "{out}");
    }

    #[test]
    fn colour_marks_changed_words() {
        let d = Diff::new("value 1\n", "value 2\n");
        let out = d.render(true);
        assert!(out.contains("\u{1b}[31m-"), "{out:?}");
        assert!(out.contains("\u{1b}[32m+"), "{out:?}");
        // The changed word is emphasised (bold + underline) on top of the line colour.
        assert!(out.contains("\u{1b}[1m\u{1b}[4m\u{1b}[32m2"), "{out:?}");
    }

    #[test]
    fn hostile_text_is_neutralised() {
        let d = Diff::new("a\n", "\u{1b}[2Ja\n");
        assert!(!d.render(false).contains('\u{1b}'));
    }
}
