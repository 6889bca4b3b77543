//! Reading the TOML document: positions, "found ..." descriptions, and typed
//! accessors that turn a wrong value into an error with its position.

use super::keys::HOOK_KEYS;
use super::units::{parse_duration, parse_size};
use crate::config::model::*;
use crate::error::{Error, Result};
use crate::suggest;
use std::cell::RefCell;
use std::fmt::Display;
use std::ops::Range;
use std::path::Path;
use std::time::Duration;
use toml_edit::{Item, TableLike, Value};

pub(super) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, col)
}

/// What a TOML item is, for "found ..." in messages.
pub(super) fn describe(item: &Item) -> String {
    match item {
        Item::None => "nothing".into(),
        Item::Value(v) => match v {
            Value::String(s) => format!("string {:?}", s.value()),
            Value::Integer(i) => format!("integer {}", i.value()),
            Value::Float(f) => format!("float {}", f.value()),
            Value::Boolean(b) => format!("boolean {}", b.value()),
            Value::Datetime(d) => format!("datetime {}", d.value()),
            Value::Array(_) => "an array".into(),
            Value::InlineTable(_) => "an inline table".into(),
        },
        Item::Table(_) => "a table".into(),
        Item::ArrayOfTables(_) => "an array of tables".into(),
    }
}

/// One key/value being read: its dotted name, item and best-known position.
pub(super) struct Field<'a> {
    pub(super) name: String,
    pub(super) item: &'a Item,
    pub(super) span: Option<Range<usize>>,
}

/// Task data kept beside the model only for cross-task checks.
pub(super) struct TaskSpans {
    pub(super) name: Option<Range<usize>>,
    pub(super) deps: Vec<Option<Range<usize>>>,
    /// The texts that may refer to ports (`command`, `env.KEY`, …) and where.
    pub(super) texts: Vec<(String, Option<Range<usize>>)>,
}

/// What reading one task keeps for the cross-task checks: its dependencies'
/// positions, and its texts' names and positions.
pub(super) type TaskTexts = (
    Vec<Option<Range<usize>>>,
    Vec<(String, Option<Range<usize>>)>,
);

pub(super) struct Ctx<'a> {
    pub(super) path: &'a Path,
    pub(super) dir: &'a Path,
    pub(super) text: &'a str,
    /// Every problem found so far: reading goes on past each one, so one run
    /// reports them all.
    pub(super) problems: RefCell<Vec<Error>>,
}

impl<'a> Ctx<'a> {
    pub(super) fn new(path: &'a Path, dir: &'a Path, text: &'a str) -> Self {
        Ctx {
            path,
            dir,
            text,
            problems: RefCell::new(Vec::new()),
        }
    }

    /// Note a problem and go on reading.
    pub(super) fn problem(&self, e: Error) {
        self.problems.borrow_mut().push(e);
    }

    /// Note the error of `r`, if any; its value otherwise.
    pub(super) fn keep<T>(&self, r: Result<T>) -> Option<T> {
        r.map_err(|e| self.problem(e)).ok()
    }

    /// The problems noted, as one error: the problem itself when there is one,
    /// else a count and one line each (in file order).
    pub(super) fn verdict(&self) -> Result<()> {
        let mut problems = self.problems.take();
        match problems.len() {
            0 => Ok(()),
            1 => Err(problems.remove(0)),
            n => {
                problems.sort_by_key(|e| position_key(&e.message));
                let lines: Vec<String> = problems
                    .iter()
                    .map(|e| format!("  {}", e.message))
                    .collect();
                Err(Error::config(format!(
                    "{n} problems in {}:\n{}",
                    self.path.display(),
                    lines.join("\n")
                )))
            }
        }
    }
}

/// (line, column) of a "path:L:C: …" message, for sorting; unknown ones last.
fn position_key(message: &str) -> (usize, usize) {
    let mut parts = message.splitn(4, ':').skip(1);
    let mut num = || parts.next().and_then(|p| p.trim().parse().ok());
    (num().unwrap_or(usize::MAX), num().unwrap_or(usize::MAX))
}

impl Ctx<'_> {
    pub(super) fn at(&self, span: Option<Range<usize>>) -> String {
        match span {
            Some(r) => {
                let (l, c) = line_col(self.text, r.start);
                format!("{}:{l}:{c}", self.path.display())
            }
            None => self.path.display().to_string(),
        }
    }

    pub(super) fn err(&self, span: Option<Range<usize>>, msg: impl Display) -> Error {
        Error::config(format!("{}: {msg}", self.at(span)))
    }

    pub(super) fn wrong(&self, f: &Field, expected: &str) -> Error {
        self.err(
            f.span.clone(),
            format!(
                "{}: expected {expected}, found {}",
                f.name,
                describe(f.item)
            ),
        )
    }

    /// The entries of a table-like item, with unknown keys rejected.
    pub(super) fn fields<'t>(
        &self,
        table: &'t dyn TableLike,
        prefix: &str,
        allowed: &[&str],
        what: &str,
    ) -> Result<Vec<Field<'t>>> {
        let mut out = Vec::new();
        for (k, item) in table.iter() {
            let key_span = table.key(k).and_then(|key| key.span());
            let name = if prefix.is_empty() {
                k.to_string()
            } else {
                format!("{prefix}.{k}")
            };
            if !allowed.contains(&k) {
                let mut msg = format!("unknown key '{k}' {what}");
                match suggest::closest(k, allowed.iter().copied()) {
                    Some(s) => msg.push_str(&format!(" (did you mean '{s}'?)")),
                    None => msg.push_str(&format!("; allowed keys: {}", allowed.join(", "))),
                }
                // Noted; the other keys are still read.
                self.problem(self.err(key_span.or_else(|| item.span()), msg));
                continue;
            }
            let span = item.span().or(key_span);
            out.push(Field { name, item, span });
        }
        Ok(out)
    }

    pub(super) fn string(&self, f: &Field) -> Result<String> {
        f.item
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong(f, "a string"))
    }

    pub(super) fn nonempty(&self, f: &Field) -> Result<String> {
        let s = self.string(f)?;
        if s.trim().is_empty() {
            return Err(self.err(f.span.clone(), format!("{}: must not be empty", f.name)));
        }
        Ok(s)
    }

    pub(super) fn boolean(&self, f: &Field) -> Result<bool> {
        f.item
            .as_bool()
            .ok_or_else(|| self.wrong(f, "a boolean (true or false)"))
    }

    pub(super) fn int(&self, f: &Field, min: i64, max: i64, expected: &str) -> Result<i64> {
        match f.item.as_integer() {
            Some(i) if (min..=max).contains(&i) => Ok(i),
            _ => Err(self.wrong(f, expected)),
        }
    }

    pub(super) fn duration(&self, f: &Field, positive: bool) -> Result<Duration> {
        let expected = if positive {
            "a duration > 0 (seconds like 3 or 0.5, or a string like \"500ms\", \"1m30s\")"
        } else {
            "a duration (seconds like 3 or 0.5, or a string like \"500ms\", \"1m30s\")"
        };
        let d = match f.item.as_value() {
            Some(Value::Integer(i)) if *i.value() >= 0 => {
                Some(Duration::from_secs(*i.value() as u64))
            }
            Some(Value::Float(x)) if *x.value() >= 0.0 => {
                Duration::try_from_secs_f64(*x.value()).ok()
            }
            Some(Value::String(s)) => parse_duration(s.value()),
            _ => None,
        };
        match d {
            Some(d) if !(positive && d.is_zero()) => Ok(d),
            _ => Err(self.wrong(f, expected)),
        }
    }

    pub(super) fn size(&self, f: &Field) -> Result<u64> {
        let expected = "a size > 0 (bytes, or a string like \"10MB\", \"512KB\", \"1GiB\")";
        let v = match f.item.as_value() {
            Some(Value::Integer(i)) if *i.value() > 0 => Some(*i.value() as u64),
            Some(Value::String(s)) => parse_size(s.value()),
            _ => None,
        };
        match v {
            Some(v) if v > 0 => Ok(v),
            _ => Err(self.wrong(f, expected)),
        }
    }

    /// An array of strings, with each element's position.
    pub(super) fn strings(&self, f: &Field) -> Result<Vec<(String, Option<Range<usize>>)>> {
        let Some(arr) = f.item.as_array() else {
            return Err(self.wrong(f, "an array of strings"));
        };
        let mut out = Vec::new();
        for (i, v) in arr.iter().enumerate() {
            match v.as_str() {
                Some(s) => out.push((s.to_string(), v.span())),
                None => {
                    let item = Item::Value(v.clone());
                    let ef = Field {
                        name: format!("{}[{i}]", f.name),
                        item: &item,
                        span: v.span().or(f.span.clone()),
                    };
                    return Err(self.wrong(&ef, "a string"));
                }
            }
        }
        Ok(out)
    }

    pub(super) fn table<'t>(&self, f: &Field<'t>) -> Result<&'t dyn TableLike> {
        f.item
            .as_table_like()
            .ok_or_else(|| self.wrong(f, "a table"))
    }

    pub(super) fn hooks(&self, f: &Field, what: &str) -> Result<Hooks> {
        let t = self.table(f)?;
        let mut h = Hooks::default();
        for hf in self.fields(t, &f.name, HOOK_KEYS, what)? {
            let Some(v) = self.keep(self.nonempty(&hf)) else {
                continue;
            };
            let v = Some(v);
            match hf.name.rsplit('.').next().unwrap_or("") {
                "before_start" => h.before_start = v,
                "after_start" => h.after_start = v,
                "before_stop" => h.before_stop = v,
                _ => h.after_stop = v,
            }
        }
        Ok(h)
    }
}
