//! `${tasks.NAME.port}`: one task's port named in another's command, env,
//! health_check or health_url. References are found (with their byte offsets,
//! for error positions) and substituted here; which names are valid is the
//! loader's business.

use std::ops::Range;

/// How every reference begins.
pub const OPEN: &str = "${tasks.";

/// One `${tasks.…}` in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference {
    /// `${tasks.NAME.port}`.
    Port { task: String, at: Range<usize> },
    /// Anything else that begins like one: what it says, and why it is wrong.
    Malformed { text: String, at: Range<usize> },
}

impl Reference {
    /// Where it is in the text.
    pub fn at(&self) -> Range<usize> {
        match self {
            Reference::Port { at, .. } | Reference::Malformed { at, .. } => at.clone(),
        }
    }
}

/// Every reference in `text`, in order.
pub fn find(text: &str) -> Vec<Reference> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(OPEN) {
        let start = from + i;
        let Some(len) = text[start..].find('}') else {
            out.push(Reference::Malformed {
                text: text[start..].to_string(),
                at: start..text.len(),
            });
            break;
        };
        let end = start + len + 1;
        let inner = &text[start + OPEN.len()..end - 1];
        out.push(match inner.rsplit_once('.') {
            Some((task, "port")) if !task.is_empty() && !task.contains('.') => Reference::Port {
                task: task.to_string(),
                at: start..end,
            },
            _ => Reference::Malformed {
                text: text[start..end].to_string(),
                at: start..end,
            },
        });
        from = end;
    }
    out
}

/// `text` with every `${tasks.NAME.port}` that `port_of` answers replaced by the
/// port; the others stay as written.
pub fn substitute(text: &str, port_of: impl Fn(&str) -> Option<u16>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in find(text) {
        if let Reference::Port { task, at } = r {
            if let Some(port) = port_of(&task) {
                out.push_str(&text[last..at.start]);
                out.push_str(&port.to_string());
                last = at.end;
            }
        }
    }
    out.push_str(&text[last..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_substitutes() {
        let text = "vite --port ${tasks.web.port} --api http://localhost:${tasks.api.port}/";
        let refs = find(text);
        assert_eq!(refs.len(), 2);
        assert!(
            matches!(&refs[0], Reference::Port { task, at } if task == "web" && &text[at.clone()] == "${tasks.web.port}")
        );
        let out = substitute(text, |t| (t == "api").then_some(8001));
        assert_eq!(
            out,
            "vite --port ${tasks.web.port} --api http://localhost:8001/"
        );
        // Shell expansions are not ours.
        assert!(find("echo ${HOME} $PORT ${PORT:-3000}").is_empty());
    }

    #[test]
    fn malformed_references_are_reported() {
        for bad in [
            "${tasks.api.host}",
            "${tasks.api}",
            "${tasks..port}",
            "x ${tasks.api.port",
        ] {
            let refs = find(bad);
            assert!(
                matches!(refs.as_slice(), [Reference::Malformed { .. }]),
                "{bad}: {refs:?}"
            );
        }
    }
}
