//! The shape of src/: no import cycle between files, no file over the size limit.
//! Reads the sources as text: every `crate::…` / `super::…` / `self::…` path in
//! code (not in comments or tests) is an arrow from its file to the file that
//! defines the module it names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

/// The module path of a source file: src/a/b.rs and src/a/b/mod.rs are ["a", "b"].
fn module_of(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(SRC).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if matches!(
        parts.last().map(String::as_str),
        Some("mod" | "lib" | "main")
    ) {
        parts.pop();
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code of a file without comments, string contents and its test module.
fn code_of(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("#[cfg(test)]") {
            break;
        }
        if t.starts_with("//") {
            continue;
        }
        // Drop string literals (paths in messages are not imports).
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = if prev == '\\' && c == '\\' { ' ' } else { c };
        }
        out.push('\n');
    }
    out
}

/// Expand `a::{b, c::{d, e}}` into a::b, a::c::d, a::c::e.
fn expand(path: &str) -> Vec<String> {
    let path: String = path.split_whitespace().collect();
    let Some(open) = path.find('{') else {
        return vec![path];
    };
    let (prefix, rest) = path.split_at(open);
    let inner = &rest[1..rest.rfind('}').unwrap_or(rest.len())];
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&inner[start..]);
    parts
        .into_iter()
        .filter(|p| !p.is_empty())
        .flat_map(|p| expand(&format!("{prefix}{p}")))
        .collect()
}

/// Every path a file names that starts with crate::, super:: or self::.
fn paths_in(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    // `use` statements, braces and all.
    let mut rest = code;
    while let Some(i) = rest.find("use ") {
        let before = rest[..i].chars().last();
        rest = &rest[i + 4..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(end) = rest.find(';') {
            out.extend(expand(&rest[..end]));
        }
    }
    // Paths inline in code.
    let bytes = code.as_bytes();
    for root in ["crate::", "super::"] {
        let mut from = 0;
        while let Some(i) = code[from..].find(root) {
            let at = from + i;
            from = at + root.len();
            if at > 0
                && (bytes[at - 1].is_ascii_alphanumeric()
                    || bytes[at - 1] == b'_'
                    || bytes[at - 1] == b':')
            {
                continue;
            }
            let end = code[at..]
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                .map_or(code.len(), |e| at + e);
            out.push(code[at..end].trim_end_matches(':').to_string());
        }
    }
    out.into_iter()
        .map(|p| p.split(" as ").next().unwrap_or("").trim().to_string())
        .filter(|p| p.contains("::"))
        .map(|p| {
            // `use child::Item` (2018 paths) names a child module: self::child.
            let rooted = ["crate::", "super::", "self::"]
                .iter()
                .any(|r| p.starts_with(r));
            if rooted {
                p
            } else {
                format!("self::{p}")
            }
        })
        .collect()
}

/// The file that defines the deepest module named by `path`, seen from `module`.
fn resolve(
    path: &str,
    module: &[String],
    files: &BTreeMap<Vec<String>, PathBuf>,
) -> Option<PathBuf> {
    let mut segs: Vec<&str> = path.split("::").collect();
    let mut base: Vec<String> = match segs.first()? {
        &"crate" => Vec::new(),
        // super/self: relative to this file's module.
        _ => module.to_vec(),
    };
    let first = segs.remove(0);
    if first == "self"
        && segs
            .first()
            .is_some_and(|s| !files.contains_key(&[module, &[s.to_string()]].concat()))
    {
        // `self::x` where x is no child module: an external crate path (`use std::…`).
        return None;
    }
    if first == "super" {
        base.pop();
        while segs.first() == Some(&"super") {
            segs.remove(0);
            base.pop();
        }
    }
    let mut best = files.get(&base).cloned();
    let mut cur = base;
    for s in segs {
        if s == "*" || s == "self" {
            break;
        }
        cur.push(s.to_string());
        match files.get(&cur) {
            Some(f) => best = Some(f.clone()),
            None => break,
        }
    }
    best
}

fn graph() -> BTreeMap<PathBuf, BTreeSet<PathBuf>> {
    let mut list = Vec::new();
    rust_files(Path::new(SRC), &mut list);
    let files: BTreeMap<Vec<String>, PathBuf> = list
        .iter()
        .filter(|f| !f.ends_with("main.rs"))
        .map(|f| (module_of(f), f.clone()))
        .collect();
    let mut edges: BTreeMap<PathBuf, BTreeSet<PathBuf>> = BTreeMap::new();
    for file in &list {
        let code = code_of(&std::fs::read_to_string(file).unwrap());
        let module = module_of(file);
        let targets = edges.entry(file.clone()).or_default();
        for p in paths_in(&code) {
            if let Some(to) = resolve(&p, &module, &files) {
                if &to != file {
                    targets.insert(to);
                }
            }
        }
    }
    edges
}

/// Strongly connected components with more than one file (Tarjan).
fn cycles(g: &BTreeMap<PathBuf, BTreeSet<PathBuf>>) -> Vec<Vec<PathBuf>> {
    struct T<'a> {
        g: &'a BTreeMap<PathBuf, BTreeSet<PathBuf>>,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        next: usize,
        out: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a PathBuf) {
        t.index.insert(v, t.next);
        t.low.insert(v, t.next);
        t.next += 1;
        t.stack.push(v);
        t.on.insert(v);
        for w in t.g.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut comp = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                comp.push(w.clone());
                if w == v {
                    break;
                }
            }
            if comp.len() > 1 {
                t.out.push(comp);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        next: 0,
        out: Vec::new(),
    };
    for v in g.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn short(p: &Path) -> String {
    p.strip_prefix(concat!(env!("CARGO_MANIFEST_DIR"), "/"))
        .unwrap_or(p)
        .display()
        .to_string()
}

#[test]
fn no_import_cycle_between_source_files() {
    let g = graph();
    let found = cycles(&g);
    let described: Vec<String> = found
        .iter()
        .map(|c| {
            let set: BTreeSet<&PathBuf> = c.iter().collect();
            let arrows: Vec<String> = c
                .iter()
                .flat_map(|from| {
                    g[from]
                        .iter()
                        .filter(|to| set.contains(to))
                        .map(move |to| format!("{} -> {}", short(from), short(to)))
                })
                .collect();
            arrows.join("; ")
        })
        .collect();
    assert!(
        described.is_empty(),
        "import cycles in src/:\n{}",
        described.join("\n")
    );
}

#[test]
fn the_checker_sees_a_cycle() {
    // The checker itself: a two-file cycle and a brace-grouped import are seen.
    assert_eq!(
        expand("crate::a::{b, c::{d, e}}"),
        vec!["crate::a::b", "crate::a::c::d", "crate::a::c::e"]
    );
    let a = PathBuf::from("a");
    let b = PathBuf::from("b");
    let g: BTreeMap<PathBuf, BTreeSet<PathBuf>> = [
        (a.clone(), [b.clone()].into_iter().collect()),
        (b.clone(), [a.clone()].into_iter().collect()),
    ]
    .into_iter()
    .collect();
    assert_eq!(cycles(&g).len(), 1);
    // And the real graph has arrows (the parser is not blind).
    let real = graph();
    let supervisor_session = Path::new(SRC).join("supervisor");
    assert!(
        real.values()
            .flatten()
            .any(|to| to.starts_with(&supervisor_session)),
        "no arrow into src/supervisor found"
    );
}

/// No source file over this many lines (small files with one clear job each).
const MAX_LINES: usize = 450;

#[test]
fn no_source_file_is_too_long() {
    let mut list = Vec::new();
    rust_files(Path::new(SRC), &mut list);
    let long: Vec<String> = list
        .iter()
        .filter_map(|f| {
            let n = std::fs::read_to_string(f).unwrap().lines().count();
            let name = short(f);
            (n > MAX_LINES).then(|| format!("{name} ({n} lines)"))
        })
        .collect();
    assert!(long.is_empty(), "files over {MAX_LINES} lines: {long:?}");
}

/// docs/architecture.md names every file of src/ (its file table cannot drift):
/// as a whole path, or as a file name in the same row as a path of its folder.
#[test]
fn the_architecture_doc_lists_every_source_file() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/architecture.md"))
        .unwrap();
    let mut list = Vec::new();
    rust_files(Path::new(SRC), &mut list);
    let missing: Vec<String> = list
        .iter()
        .map(|f| short(f))
        .filter(|name| {
            let file = name.rsplit('/').next().unwrap_or(name);
            let folder = &name[..name.len() - file.len()];
            !doc.contains(&format!("`{name}`"))
                && !doc.lines().any(|row| {
                    row.starts_with('|')
                        && row.contains(&format!("`{folder}"))
                        && row.contains(&format!("`{file}`"))
                })
        })
        .collect();
    assert!(
        missing.is_empty(),
        "docs/architecture.md does not list: {missing:?}"
    );
}
