//! Textual edits of JSON (and JSONC) config files that keep every other byte:
//! a member of an object is found by scanning the text (strings, escapes,
//! nesting and comments understood) and only its value's span is replaced, or
//! one member is inserted before the object's closing brace.

use crate::error::{Error, Result};

/// Byte offsets of one member: `"key": value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Member {
    pub key_start: usize,
    pub value_start: usize,
    pub value_end: usize,
}

fn bad(what: &str) -> Error {
    Error::config(format!("not valid JSON: {what}"))
}

/// Skip whitespace and comments from `i`.
fn skip_ws(b: &[u8], mut i: usize) -> usize {
    loop {
        while i < b.len() && b[i].is_ascii_whitespace() {
            i += 1;
        }
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i + 1 < b.len() && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else {
            return i;
        }
    }
}

/// The end of the string starting at `i` (a `"`), past its closing quote.
fn string_end(b: &[u8], mut i: usize) -> Result<usize> {
    i += 1;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i + 1),
            _ => i += 1,
        }
    }
    Err(bad("an unterminated string"))
}

/// The end of the value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Result<usize> {
    match b.get(i) {
        Some(b'"') => string_end(b, i),
        Some(b'{') | Some(b'[') => {
            let mut depth = 0usize;
            let mut j = i;
            while j < b.len() {
                match b[j] {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'/' if b[j..].starts_with(b"//") || b[j..].starts_with(b"/*") => {
                        j = skip_ws(b, j);
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Ok(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
            Err(bad("an unclosed object or array"))
        }
        Some(_) => {
            let mut j = i;
            while j < b.len() && !matches!(b[j], b',' | b'}' | b']') && !b[j].is_ascii_whitespace()
            {
                j += 1;
            }
            Ok(j)
        }
        None => Err(bad("a missing value")),
    }
}

/// The members of the object whose `{` is at `open`, and its `}` offset.
pub fn members(text: &str, open: usize) -> Result<(Vec<(String, Member)>, usize)> {
    let b = text.as_bytes();
    if b.get(open) != Some(&b'{') {
        return Err(bad("expected an object"));
    }
    let mut out = Vec::new();
    let mut i = skip_ws(b, open + 1);
    loop {
        match b.get(i) {
            Some(b'}') => return Ok((out, i)),
            Some(b'"') => {
                let key_end = string_end(b, i)?;
                let key: String =
                    serde_json::from_str(&text[i..key_end]).map_err(|_| bad("a bad key"))?;
                let colon = skip_ws(b, key_end);
                if b.get(colon) != Some(&b':') {
                    return Err(bad("a key without ':'"));
                }
                let value_start = skip_ws(b, colon + 1);
                let end = value_end(b, value_start)?;
                out.push((
                    key,
                    Member {
                        key_start: i,
                        value_start,
                        value_end: end,
                    },
                ));
                i = skip_ws(b, end);
                match b.get(i) {
                    Some(b',') => i = skip_ws(b, i + 1),
                    Some(b'}') => {}
                    _ => return Err(bad("a member not followed by ',' or '}'")),
                }
            }
            _ => return Err(bad("expected a key")),
        }
    }
}

/// The offset of the top-level object's `{`.
pub fn root(text: &str) -> Result<usize> {
    let i = skip_ws(text.as_bytes(), 0);
    (text.as_bytes().get(i) == Some(&b'{'))
        .then_some(i)
        .ok_or_else(|| bad("the file is not a JSON object"))
}

/// The indentation of the line holding offset `at`.
fn line_indent(text: &str, at: usize) -> &str {
    let line_start = text[..at].rfind('\n').map_or(0, |n| n + 1);
    let rest = &text[line_start..];
    &rest[..rest.len() - rest.trim_start_matches([' ', '\t']).len()]
}

/// `value` (pretty JSON) re-indented to sit at `indent`.
fn indented(value: &serde_json::Value, indent: &str, unit: &str) -> String {
    let pretty = serde_json::to_string_pretty(value).unwrap_or_default();
    let mut out = String::new();
    for (n, line) in pretty.lines().enumerate() {
        if n > 0 {
            out.push('\n');
            out.push_str(indent);
        }
        let depth = line.len() - line.trim_start().len();
        out.push_str(&unit.repeat(depth / 2));
        out.push_str(line.trim_start());
    }
    out
}

/// Set `key` of the object at `open` to `value`: its value's span is replaced,
/// or a member is added at the end. Returns the new text.
pub fn set_member(text: &str, open: usize, key: &str, value: &serde_json::Value) -> Result<String> {
    let (members, close) = members(text, open)?;
    let unit = indent_unit(text);
    if let Some((_, m)) = members.iter().find(|(k, _)| k == key) {
        let indent = line_indent(text, m.key_start).to_string();
        let new = indented(value, &indent, &unit);
        return Ok(format!(
            "{}{}{}",
            &text[..m.value_start],
            new,
            &text[m.value_end..]
        ));
    }
    let object_indent = line_indent(text, open).to_string();
    let member_indent = match members.first() {
        Some((_, m)) => line_indent(text, m.key_start).to_string(),
        None => format!("{object_indent}{unit}"),
    };
    let entry = format!(
        "{}: {}",
        serde_json::to_string(key).unwrap_or_default(),
        indented(value, &member_indent, &unit)
    );
    Ok(match members.last() {
        Some((_, last)) => format!(
            "{},\n{member_indent}{entry}{}",
            &text[..last.value_end],
            &text[last.value_end..]
        ),
        None => format!(
            "{}\n{member_indent}{entry}\n{object_indent}{}",
            text[..close].trim_end(),
            &text[close..]
        ),
    })
}

/// The file's indentation step (two spaces when it shows none).
fn indent_unit(text: &str) -> String {
    text.lines()
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .filter(|i| !i.is_empty())
        .min_by_key(|i| i.len())
        .unwrap_or("  ")
        .to_string()
}

/// The text with comments blanked out (for validating JSONC with serde_json).
pub fn without_comments(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'"' {
            let end = string_end(b, i).unwrap_or(b.len());
            out.extend_from_slice(&b[i..end]);
            i = end;
        } else if b[i..].starts_with(b"//") || b[i..].starts_with(b"/*") {
            let end = skip_ws(b, i);
            out.extend(
                b[i..end]
                    .iter()
                    .map(|c| if *c == b'\n' { b'\n' } else { b' ' }),
            );
            i = end;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap_or_default()
}
