//! `env_file`: KEY=VALUE lines, as .env files write them.

use crate::error::{Error, Result};

/// Parse dotenv text: `KEY=VALUE`, `export KEY=VALUE`, `#` comments, blank
/// lines, single-quoted (literal) and double-quoted (with \n \t \" \\ escapes)
/// values; unquoted values end at ` #`. Errors name `origin:line`.
pub fn parse_dotenv(text: &str, origin: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line
            .strip_prefix("export ")
            .or_else(|| line.strip_prefix("export\t"))
            .map(str::trim_start)
            .unwrap_or(line);
        let bad = |why: &str| Error::config(format!("{origin}:{}: {why}", i + 1));
        let Some((key, value)) = line.split_once('=') else {
            return Err(bad("expected KEY=VALUE"));
        };
        let key = key.trim();
        if key.is_empty()
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.' || c == '-')
        {
            return Err(bad(&format!("invalid variable name {key:?}")));
        }
        let value = value.trim();
        let value = if let Some(rest) = value.strip_prefix('"') {
            let mut v = String::new();
            let mut chars = rest.chars();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '"' => {
                        closed = true;
                        break;
                    }
                    '\\' => match chars.next() {
                        Some('n') => v.push('\n'),
                        Some('t') => v.push('\t'),
                        Some('r') => v.push('\r'),
                        Some(o) => v.push(o),
                        None => v.push('\\'),
                    },
                    o => v.push(o),
                }
            }
            if !closed {
                return Err(bad("unterminated double-quoted value"));
            }
            v
        } else if let Some(rest) = value.strip_prefix('\'') {
            match rest.find('\'') {
                Some(end) => rest[..end].to_string(),
                None => return Err(bad("unterminated single-quoted value")),
            }
        } else {
            let v = match value.find(" #").or_else(|| value.find("\t#")) {
                Some(p) => &value[..p],
                None => value,
            };
            v.trim().to_string()
        };
        out.push((key.to_string(), value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_USAGE;
    use std::collections::BTreeMap;

    #[test]
    fn dotenv_parsing() {
        let env = parse_dotenv(
            "# comment\n\nA=1\nexport B = two \nC=\"q u\\\"o\\nte\" \nD='lit $x \\n'\nE=val # trailing\nF=\nG=a=b\n",
            ".env",
        )
        .unwrap();
        let m: BTreeMap<_, _> = env.into_iter().collect();
        assert_eq!(m["A"], "1");
        assert_eq!(m["B"], "two");
        assert_eq!(m["C"], "q u\"o\nte");
        assert_eq!(m["D"], "lit $x \\n");
        assert_eq!(m["E"], "val");
        assert_eq!(m["F"], "");
        assert_eq!(m["G"], "a=b");
        let e = parse_dotenv("A=1\nnot a pair\n", "/x/.env").unwrap_err();
        assert_eq!(e.exit_code, EXIT_USAGE);
        assert!(
            e.message.contains("/x/.env:2: expected KEY=VALUE"),
            "{}",
            e.message
        );
        let e = parse_dotenv("A=\"open\n", ".env").unwrap_err();
        assert!(e.message.contains("unterminated"), "{}", e.message);
    }
}
