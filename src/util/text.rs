//! Text that came from a submission is untrusted: it may carry terminal escape sequences,
//! carriage returns that overwrite earlier output, bidi overrides that reorder what a reader
//! sees, or invalid UTF-8. Everything shown to a person goes through [`neutralize`] first.

use std::fmt::Write as _;

/// Decodes bytes lossily and neutralises control characters, keeping `\n` and `\t`.
pub fn neutralize_bytes(bytes: &[u8]) -> String {
    neutralize(&String::from_utf8_lossy(bytes))
}

/// Replaces control characters (except newline and tab) and Unicode bidi/format controls
/// with a visible `\u{..}` escape, so untrusted text cannot drive the reader's terminal.
pub fn neutralize(text: &str) -> String {
    if !text.chars().any(needs_escape) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if needs_escape(c) {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

fn needs_escape(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c if c.is_control() => true,
        // Bidi embeddings/overrides/isolates, zero-width joiners and similar format
        // characters can make a line read differently from what it is.
        '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{206f}' => true,
        // Soft hyphen, Mongolian vowel separator, interlinear annotation marks.
        '\u{00ad}' | '\u{180e}' | '\u{fff9}'..='\u{fffb}' => true,
        // The Arabic letter mark (bidi), line and paragraph separators (a line break to
        // some terminals and editors), and tag characters (invisible text).
        '\u{061c}' | '\u{2028}' | '\u{2029}' | '\u{e0000}'..='\u{e007f}' => true,
        '\u{feff}' => true,
        _ => false,
    }
}

/// Shortens `text` to at most `max_chars` characters, marking the cut.
pub fn truncate_chars(text: &str, max_chars: usize) -> String {
    match text.char_indices().nth(max_chars) {
        None => text.to_owned(),
        Some((cut, _)) => format!("{}…", &text[..cut]),
    }
}

/// The last `max_lines` lines of `text`, and at most `max_bytes` of it.
pub fn tail_lines(text: &str, max_lines: usize, max_bytes: usize) -> String {
    let trimmed = text.trim_end_matches('\n');
    let mut start = trimmed.len();
    for _ in 0..max_lines {
        match trimmed[..start].rfind('\n') {
            Some(pos) => start = pos,
            None => {
                start = 0;
                break;
            }
        }
    }
    let mut tail = trimmed[start..].trim_start_matches('\n');
    if tail.len() > max_bytes {
        let mut cut = tail.len() - max_bytes;
        while !tail.is_char_boundary(cut) {
            cut += 1;
        }
        tail = &tail[cut..];
    }
    if tail.len() < trimmed.len() {
        format!("…\n{tail}")
    } else {
        tail.to_owned()
    }
}

/// Indents every line of `text` by `prefix`.
pub fn indent(text: &str, prefix: &str) -> String {
    let mut out = String::with_capacity(text.len() + prefix.len() * 4);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if !line.is_empty() {
            out.push_str(prefix);
        }
        out.push_str(line);
    }
    out
}

/// `text` with every `{{name}}` replaced by its captured value (strings without quotes).
pub fn substitute(
    text: &str,
    captured: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("{{") {
        let Some(end) = rest[start..].find("}}") else {
            break;
        };
        let name = rest[start + 2..start + end].trim();
        let value = captured
            .get(name)
            .ok_or_else(|| format!("{{{{{name}}}}} was not captured by an earlier step"))?;
        out.push_str(&rest[..start]);
        match value {
            serde_json::Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
        rest = &rest[start + end + 2..];
    }
    out.push_str(rest);
    Ok(out)
}

/// `name` when `text` is exactly `{{name}}`.
pub fn whole_capture(text: &str) -> Option<&str> {
    let inner = text.strip_prefix("{{")?.strip_suffix("}}")?;
    (!inner.contains("{{") && !inner.contains("}}")).then(|| inner.trim())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_terminal_controls_but_keeps_layout() {
        let hostile = "ok\x1b[2J\rgone\u{202e}txt\tand\nnext";
        assert_eq!(
            neutralize(hostile),
            "ok\\u{1b}[2J\\u{d}gone\\u{202e}txt\tand\nnext"
        );
    }

    #[test]
    fn separators_marks_and_tags_are_escaped_too() {
        assert_eq!(
            neutralize("a\u{2028}b\u{061c}c\u{e0041}"),
            "a\\u{2028}b\\u{61c}c\\u{e0041}"
        );
    }

    #[test]
    fn invalid_utf8_is_rendered_lossily() {
        assert_eq!(neutralize_bytes(b"a\xffb\x07"), "a\u{fffd}b\\u{7}");
    }

    #[test]
    fn tail_keeps_last_lines_and_marks_the_cut() {
        let text = "1\n2\n3\n4\n";
        assert_eq!(tail_lines(text, 2, 100), "…\n3\n4");
        assert_eq!(tail_lines(text, 10, 100), "1\n2\n3\n4");
        assert_eq!(tail_lines("abcdef", 5, 3), "…\ndef");
    }

    #[test]
    fn truncation_respects_char_boundaries() {
        assert_eq!(truncate_chars("héllo", 2), "hé…");
        assert_eq!(truncate_chars("hi", 2), "hi");
    }
}
