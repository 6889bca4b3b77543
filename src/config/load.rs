//! Find, parse and validate taskmux.toml.
//!
//! The file is parsed with `toml_edit::ImDocument`, which keeps byte spans, and
//! walked by hand so that every error can say `path:line:column`.

use crate::config::model::*;
use crate::error::{Error, Result};
use crate::suggest;
use std::collections::BTreeMap;
use std::fmt::Display;
use std::ops::Range;
use std::path::{Component, Path, PathBuf};
use std::time::Duration;
use toml_edit::{ImDocument, Item, TableLike, Value};

/// The config file's name.
pub const CONFIG_FILE: &str = "taskmux.toml";

/// Keys allowed at the top level.
pub const TOP_KEYS: &[&str] = &[
    "name",
    "auto_start",
    "strategy",
    "allowed_origins",
    "shell",
    "hook_timeout",
    "log_max_size",
    "log_max_files",
    "hooks",
    "tasks",
];

/// Keys allowed in a task table.
pub const TASK_KEYS: &[&str] = &[
    "command",
    "auto_start",
    "cwd",
    "port",
    "health_check",
    "health_url",
    "health_expect_status",
    "health_expect_body",
    "health_expect_body_regex",
    "health_interval",
    "health_timeout",
    "health_retries",
    "stop_grace_period",
    "max_restarts",
    "restart_backoff",
    "restart_policy",
    "depends_on",
    "hooks",
    "env",
    "env_file",
    "log_max_size",
    "log_max_files",
];

/// Keys allowed in a `hooks` table.
pub const HOOK_KEYS: &[&str] = &["before_start", "after_start", "before_stop", "after_stop"];

/// Find the config: `explicit` if given, else taskmux.toml in the current
/// directory or the nearest parent directory that has one.
pub fn find_config(explicit: Option<&Path>) -> Result<PathBuf> {
    let cwd =
        std::env::current_dir().map_err(|e| Error::io("cannot read the current directory", e))?;
    if let Some(p) = explicit {
        let abs = absolute(p, &cwd);
        if abs.is_file() {
            return Ok(abs);
        }
        return Err(Error::new(
            crate::error::ErrorCode::NoConfig,
            format!("config file {} not found", p.display()),
        ));
    }
    find_config_from(&cwd)
}

/// Search `start` and its parents for taskmux.toml.
pub fn find_config_from(start: &Path) -> Result<PathBuf> {
    for dir in start.ancestors() {
        let candidate = dir.join(CONFIG_FILE);
        if candidate.is_file() {
            return Ok(candidate);
        }
    }
    Err(Error::new(
            crate::error::ErrorCode::NoConfig,
        format!(
            "no {CONFIG_FILE} found in {} or any parent directory; run `taskmux init` to create one, or pass --config PATH",
            start.display()
        )))
}

/// Load and validate the config file at `path`.
pub fn load(path: &Path) -> Result<Config> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(Error::new(
                crate::error::ErrorCode::NoConfig,
                format!("config file {} not found", path.display()),
            ))
        }
        Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
    };
    parse(&text, path)
}

/// Parse and validate config `text`; `path` (made absolute) is where it lives:
/// relative paths are resolved against its directory and errors name it.
pub fn parse(text: &str, path: &Path) -> Result<Config> {
    let path = match std::env::current_dir() {
        Ok(cwd) => absolute(path, &cwd),
        Err(_) => path.to_path_buf(),
    };
    let dir = path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("/"));
    let cx = Ctx {
        path: &path,
        dir: &dir,
        text,
    };
    let doc = ImDocument::parse(text).map_err(|e| {
        let msg = e
            .message()
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect::<Vec<_>>()
            .join("; ");
        cx.err(e.span(), format!("invalid TOML: {msg}"))
    })?;
    cx.config(doc.as_table())
}

/// True if `name` is a valid session or task name: `[A-Za-z0-9_-]+`.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// Check a task name given on the command line (exit 2 if invalid).
pub fn check_task_name(name: &str) -> Result<()> {
    if valid_name(name) {
        Ok(())
    } else {
        Err(Error::usage(format!(
            "invalid task name {name:?}: use only letters, digits, '_' and '-'"
        )))
    }
}

/// Parse a byte size: a number with an optional unit (B, K/KB/KiB, M/MB/MiB,
/// G/GB/GiB; units are powers of 1024, case-insensitive).
pub fn parse_size(s: &str) -> Option<u64> {
    let s = s.trim();
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let num: f64 = num.parse().ok()?;
    let mult: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "k" | "kb" | "kib" => 1 << 10,
        "m" | "mb" | "mib" => 1 << 20,
        "g" | "gb" | "gib" => 1 << 30,
        _ => return None,
    };
    let v = num * mult as f64;
    if !v.is_finite() || v < 0.0 || v > u64::MAX as f64 {
        return None;
    }
    Some(v.round() as u64)
}

/// Parse a duration string: plain seconds ("3", "0.5") or humantime ("500ms", "1m30s").
pub fn parse_duration(s: &str) -> Option<Duration> {
    let s = s.trim();
    if let Ok(secs) = s.parse::<f64>() {
        return Duration::try_from_secs_f64(secs).ok();
    }
    humantime::parse_duration(s).ok()
}

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

/// `p` made absolute against `base`, lexically normalised (`.`/`..` removed).
fn absolute(p: &Path, base: &Path) -> PathBuf {
    let joined = if p.is_absolute() {
        p.to_path_buf()
    } else {
        base.join(p)
    };
    normalize(&joined)
}

fn normalize(p: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Expand `~` / `~/...` with $HOME, then resolve against `dir`.
fn resolve_path(raw: &str, dir: &Path) -> PathBuf {
    let expanded = if raw == "~" {
        std::env::var_os("HOME").map(PathBuf::from)
    } else if let Some(rest) = raw.strip_prefix("~/") {
        std::env::var_os("HOME").map(|h| PathBuf::from(h).join(rest))
    } else {
        None
    };
    absolute(&expanded.unwrap_or_else(|| PathBuf::from(raw)), dir)
}

fn line_col(text: &str, offset: usize) -> (usize, usize) {
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
fn describe(item: &Item) -> String {
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
struct Field<'a> {
    name: String,
    item: &'a Item,
    span: Option<Range<usize>>,
}

/// Task data kept beside the model only for cross-task checks.
struct TaskSpans {
    name: Option<Range<usize>>,
    deps: Vec<Option<Range<usize>>>,
}

struct Ctx<'a> {
    path: &'a Path,
    dir: &'a Path,
    text: &'a str,
}

impl Ctx<'_> {
    fn at(&self, span: Option<Range<usize>>) -> String {
        match span {
            Some(r) => {
                let (l, c) = line_col(self.text, r.start);
                format!("{}:{l}:{c}", self.path.display())
            }
            None => self.path.display().to_string(),
        }
    }

    fn err(&self, span: Option<Range<usize>>, msg: impl Display) -> Error {
        Error::config(format!("{}: {msg}", self.at(span)))
    }

    fn wrong(&self, f: &Field, expected: &str) -> Error {
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
    fn fields<'t>(
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
                return Err(self.err(key_span.or_else(|| item.span()), msg));
            }
            let span = item.span().or(key_span);
            out.push(Field { name, item, span });
        }
        Ok(out)
    }

    fn string(&self, f: &Field) -> Result<String> {
        f.item
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong(f, "a string"))
    }

    fn nonempty(&self, f: &Field) -> Result<String> {
        let s = self.string(f)?;
        if s.trim().is_empty() {
            return Err(self.err(f.span.clone(), format!("{}: must not be empty", f.name)));
        }
        Ok(s)
    }

    fn boolean(&self, f: &Field) -> Result<bool> {
        f.item
            .as_bool()
            .ok_or_else(|| self.wrong(f, "a boolean (true or false)"))
    }

    fn int(&self, f: &Field, min: i64, max: i64, expected: &str) -> Result<i64> {
        match f.item.as_integer() {
            Some(i) if (min..=max).contains(&i) => Ok(i),
            _ => Err(self.wrong(f, expected)),
        }
    }

    fn duration(&self, f: &Field, positive: bool) -> Result<Duration> {
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

    fn size(&self, f: &Field) -> Result<u64> {
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
    fn strings(&self, f: &Field) -> Result<Vec<(String, Option<Range<usize>>)>> {
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

    fn table<'t>(&self, f: &Field<'t>) -> Result<&'t dyn TableLike> {
        f.item
            .as_table_like()
            .ok_or_else(|| self.wrong(f, "a table"))
    }

    fn hooks(&self, f: &Field, what: &str) -> Result<Hooks> {
        let t = self.table(f)?;
        let mut h = Hooks::default();
        for hf in self.fields(t, &f.name, HOOK_KEYS, what)? {
            let v = Some(self.nonempty(&hf)?);
            match hf.name.rsplit('.').next().unwrap_or("") {
                "before_start" => h.before_start = v,
                "after_start" => h.after_start = v,
                "before_stop" => h.before_stop = v,
                _ => h.after_stop = v,
            }
        }
        Ok(h)
    }

    fn config(&self, root: &toml_edit::Table) -> Result<Config> {
        let mut cfg = Config {
            name: DEFAULT_SESSION.to_string(),
            auto_start: true,
            hooks: Hooks::default(),
            tasks: Vec::new(),
            strategy: Strategy::default(),
            allowed_origins: Vec::new(),
            shell: None,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            log_max_size: DEFAULT_LOG_MAX_SIZE,
            log_max_files: DEFAULT_LOG_MAX_FILES,
            path: self.path.to_path_buf(),
            dir: self.dir.to_path_buf(),
        };
        let mut tasks_field = None;
        for f in self.fields(root, "", TOP_KEYS, "at the top level")? {
            match f.name.as_str() {
                "name" => {
                    let n = self.nonempty(&f)?;
                    if !valid_name(&n) {
                        return Err(self.err(
                            f.span.clone(),
                            format!(
                                "name: invalid session name {n:?}: use only letters, digits, '_' and '-'"
                            ),
                        ));
                    }
                    cfg.name = n;
                }
                "auto_start" => cfg.auto_start = self.boolean(&f)?,
                "strategy" => {
                    let s = self.string(&f)?;
                    cfg.strategy = match s.as_str() {
                        "one_for_one" | "one-for-one" => Strategy::OneForOne,
                        "rest_for_one" | "rest-for-one" => Strategy::RestForOne,
                        _ => return Err(self.wrong(&f, "\"one_for_one\" or \"rest_for_one\"")),
                    };
                }
                "allowed_origins" => {
                    cfg.allowed_origins = self.strings(&f)?.into_iter().map(|(s, _)| s).collect()
                }
                "shell" => cfg.shell = Some(self.nonempty(&f)?),
                "hook_timeout" => cfg.hook_timeout = self.duration(&f, true)?,
                "log_max_size" => cfg.log_max_size = self.size(&f)?,
                "log_max_files" => {
                    cfg.log_max_files = self.int(&f, 1, u32::MAX as i64, "an integer >= 1")? as u32
                }
                "hooks" => cfg.hooks = self.hooks(&f, "in [hooks]")?,
                _ => tasks_field = Some(f),
            }
        }

        let mut spans = Vec::new();
        if let Some(f) = tasks_field {
            let table = self.table(&f)?;
            for (name, item) in table.iter() {
                let key_span = table.key(name).and_then(|k| k.span());
                let tf = Field {
                    name: format!("tasks.{name}"),
                    item,
                    span: item.span().or(key_span.clone()),
                };
                if !valid_name(name) {
                    return Err(self.err(
                        key_span.or(tf.span),
                        format!(
                            "invalid task name {name:?}: use only letters, digits, '_' and '-'"
                        ),
                    ));
                }
                let (task, deps) = self.task(name, &tf, &cfg)?;
                cfg.tasks.push(task);
                spans.push(TaskSpans {
                    name: key_span.or(tf.span),
                    deps,
                });
            }
        }
        self.check_deps(&cfg, &spans)?;
        Ok(cfg)
    }

    fn task(
        &self,
        name: &str,
        f: &Field,
        cfg: &Config,
    ) -> Result<(TaskConfig, Vec<Option<Range<usize>>>)> {
        let mut t = TaskConfig::with_defaults(name, "", self.dir);
        t.log_max_size = cfg.log_max_size;
        t.log_max_files = cfg.log_max_files;
        let mut dep_spans = Vec::new();

        if let Some(cmd) = f.item.as_str() {
            if cmd.trim().is_empty() {
                return Err(self.err(
                    f.span.clone(),
                    format!("{}: command must not be empty", f.name),
                ));
            }
            t.command = cmd.to_string();
            return Ok((t, dep_spans));
        }
        let Some(table) = f.item.as_table_like() else {
            return Err(self.wrong(f, "a command string or a table"));
        };
        let what = format!("in task '{name}'");
        let mut command = None;
        let mut url: Option<String> = None;
        let mut expect_status = None;
        let mut expect_body = None;
        let mut expect_regex = None;
        let mut expect_span = None;
        let mut env_file_env = Vec::new();
        let mut env = BTreeMap::new();
        for kf in self.fields(table, &f.name, TASK_KEYS, &what)? {
            let key = kf.name.rsplit('.').next().unwrap_or("").to_string();
            match key.as_str() {
                "command" => {
                    let c = self.string(&kf)?;
                    if c.trim().is_empty() {
                        return Err(
                            self.err(kf.span.clone(), format!("{}: must not be empty", kf.name))
                        );
                    }
                    command = Some(c);
                }
                "auto_start" => t.auto_start = self.boolean(&kf)?,
                "cwd" => {
                    let raw = self.nonempty(&kf)?;
                    t.cwd = resolve_path(&raw, self.dir);
                    t.cwd_raw = Some(raw);
                }
                "port" => t.port = Some(self.int(&kf, 1, 65535, "an integer 1-65535")? as u16),
                "health_check" => t.health_check = Some(self.nonempty(&kf)?),
                "health_url" => {
                    let u = self.nonempty(&kf)?;
                    if !(u.starts_with("http://") || u.starts_with("https://")) {
                        return Err(self.wrong(&kf, "a URL starting with http:// or https://"));
                    }
                    url = Some(u);
                }
                "health_expect_status" => {
                    expect_status = Some(self.int(&kf, 100, 599, "an HTTP status 100-599")? as u16);
                    expect_span = expect_span.or(kf.span.clone());
                }
                "health_expect_body" => {
                    expect_body = Some(self.string(&kf)?);
                    expect_span = expect_span.or(kf.span.clone());
                }
                "health_expect_body_regex" => {
                    let r = self.string(&kf)?;
                    if let Err(e) = regex::Regex::new(&r) {
                        return Err(self.err(
                            kf.span.clone(),
                            format!("{}: invalid regular expression: {e}", kf.name),
                        ));
                    }
                    expect_regex = Some(r);
                    expect_span = expect_span.or(kf.span.clone());
                }
                "health_interval" => t.health_interval = self.duration(&kf, true)?,
                "health_timeout" => t.health_timeout = self.duration(&kf, true)?,
                "health_retries" => {
                    t.health_retries = self.int(&kf, 1, u32::MAX as i64, "an integer >= 1")? as u32
                }
                "stop_grace_period" => t.stop_grace_period = self.duration(&kf, false)?,
                "max_restarts" => {
                    t.max_restarts =
                        self.int(&kf, 0, u32::MAX as i64, "an integer >= 0 (0 = unlimited)")? as u32
                }
                "restart_backoff" => {
                    let b = match kf.item.as_value() {
                        Some(Value::Float(x)) => Some(*x.value()),
                        Some(Value::Integer(i)) => Some(*i.value() as f64),
                        _ => None,
                    };
                    match b {
                        Some(b) if b.is_finite() && b >= 1.0 => t.restart_backoff = b,
                        _ => return Err(self.wrong(&kf, "a number >= 1.0")),
                    }
                }
                "restart_policy" => {
                    let s = self.string(&kf)?;
                    t.restart_policy = match s.as_str() {
                        "no" => RestartPolicy::No,
                        "on-failure" | "on_failure" => RestartPolicy::OnFailure,
                        "always" => RestartPolicy::Always,
                        _ => return Err(self.wrong(&kf, "\"no\", \"on-failure\" or \"always\"")),
                    };
                }
                "depends_on" => {
                    for (d, span) in self.strings(&kf)? {
                        if d == name {
                            return Err(self.err(span, format!("task '{name}' depends on itself")));
                        }
                        if t.depends_on.contains(&d) {
                            return Err(self.err(
                                span,
                                format!("task '{name}' lists '{d}' more than once in depends_on"),
                            ));
                        }
                        t.depends_on.push(d);
                        dep_spans.push(span);
                    }
                }
                "hooks" => t.hooks = self.hooks(&kf, &format!("in hooks of task '{name}'"))?,
                "env" => {
                    let et = self.table(&kf)?;
                    for (k, item) in et.iter() {
                        let ks = et.key(k).and_then(|key| key.span());
                        let ef = Field {
                            name: format!("{}.{k}", kf.name),
                            item,
                            span: item.span().or(ks.clone()),
                        };
                        if k.is_empty() || k.contains(['=', '\0']) {
                            return Err(self.err(
                                ks.clone().or(ef.span.clone()),
                                format!("{}: invalid environment variable name {k:?}", kf.name),
                            ));
                        }
                        let v = match item.as_value() {
                            Some(Value::String(s)) => s.value().clone(),
                            Some(Value::Integer(i)) => i.value().to_string(),
                            Some(Value::Float(x)) => x.value().to_string(),
                            Some(Value::Boolean(b)) => b.value().to_string(),
                            _ => return Err(self.wrong(&ef, "a string (or number or boolean)")),
                        };
                        env.insert(k.to_string(), v);
                    }
                }
                "env_file" => {
                    let raw = self.nonempty(&kf)?;
                    let p = resolve_path(&raw, self.dir);
                    let text = std::fs::read_to_string(&p).map_err(|e| {
                        self.err(
                            kf.span.clone(),
                            format!("{}: cannot read {}: {e}", kf.name, p.display()),
                        )
                    })?;
                    env_file_env = parse_dotenv(&text, &p.display().to_string())?;
                    t.env_file = Some(p);
                }
                "log_max_size" => t.log_max_size = self.size(&kf)?,
                _ => t.log_max_files = self.int(&kf, 1, u32::MAX as i64, "an integer >= 1")? as u32,
            }
        }
        let Some(command) = command else {
            return Err(self.err(
                f.span.clone(),
                format!("task '{name}' has no command (add: command = \"...\")"),
            ));
        };
        t.command = command;
        if url.is_none()
            && (expect_status.is_some() || expect_body.is_some() || expect_regex.is_some())
        {
            return Err(self.err(
                expect_span,
                format!("task '{name}': health_expect_* needs health_url"),
            ));
        }
        t.health_url = url.map(|url| HealthUrl {
            url,
            expect_status,
            expect_body,
            expect_body_regex: expect_regex,
        });
        for (k, v) in env_file_env {
            t.env.insert(k, v);
        }
        t.env.extend(env);
        Ok((t, dep_spans))
    }

    fn check_deps(&self, cfg: &Config, spans: &[TaskSpans]) -> Result<()> {
        let names = cfg.task_names();
        for (t, s) in cfg.tasks.iter().zip(spans) {
            for (d, span) in t.depends_on.iter().zip(&s.deps) {
                if !names.contains(&d.as_str()) {
                    let mut msg = format!("task '{}' depends on unknown task '{d}'", t.name);
                    let others = names.iter().copied().filter(|n| *n != t.name);
                    match suggest::closest(d, others) {
                        Some(sug) => msg.push_str(&format!(" (did you mean '{sug}'?)")),
                        None if names.len() > 1 => {
                            let others: Vec<&str> =
                                names.iter().copied().filter(|n| *n != t.name).collect();
                            msg.push_str(&format!("; known tasks: {}", others.join(", ")));
                        }
                        None => msg.push_str("; it is the only task defined"),
                    }
                    return Err(self.err(span.clone(), msg));
                }
            }
        }
        if let Some(cycle) = crate::config::graph::find_cycle(&crate::config::graph::deps_of(cfg)) {
            let span = cfg
                .tasks
                .iter()
                .position(|t| t.name == cycle[0])
                .and_then(|i| spans[i].name.clone());
            return Err(self.err(span, format!("dependency cycle: {}", cycle.join(" -> "))));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::EXIT_USAGE;

    const P: &str = "/proj/taskmux.toml";

    fn ok(text: &str) -> Config {
        match parse(text, Path::new(P)) {
            Ok(c) => c,
            Err(e) => panic!("unexpected error: {}", e.message),
        }
    }

    /// Parse, expect an invalid-config error, return its message.
    fn bad(text: &str) -> String {
        let e = parse(text, Path::new(P)).expect_err("config should be rejected");
        assert_eq!(e.exit_code, EXIT_USAGE, "{}", e.message);
        assert_eq!(
            e.code,
            crate::error::ErrorCode::InvalidConfig,
            "{}",
            e.message
        );
        e.message
    }

    #[test]
    fn minimal_config_gets_model_defaults() {
        let c = ok("");
        assert_eq!(c.name, DEFAULT_SESSION);
        assert!(c.auto_start);
        assert!(c.tasks.is_empty());
        assert_eq!(c.strategy, Strategy::OneForOne);
        assert_eq!(c.hook_timeout, DEFAULT_HOOK_TIMEOUT);
        assert_eq!(c.log_max_size, DEFAULT_LOG_MAX_SIZE);
        assert_eq!(c.log_max_files, DEFAULT_LOG_MAX_FILES);
        assert_eq!(c.shell, None);
        assert_eq!(c.path, Path::new(P));
        assert_eq!(c.dir, Path::new("/proj"));
    }

    #[test]
    fn bare_string_task_has_all_defaults() {
        let c = ok("[tasks]\nweb = \"npm run dev\"\n");
        assert_eq!(c.tasks.len(), 1);
        let expected = TaskConfig::with_defaults("web", "npm run dev", Path::new("/proj"));
        assert_eq!(c.tasks[0], expected);
        // and a table task with only a command is the same
        let c2 = ok("[tasks.web]\ncommand = \"npm run dev\"\n");
        assert_eq!(c2.tasks[0], expected);
    }

    #[test]
    fn full_config() {
        let c = ok(r#"
name = "my-app_2"
auto_start = false
strategy = "rest_for_one"
allowed_origins = ["http://localhost:5173"]
shell = "/bin/bash"
hook_timeout = "2m"
log_max_size = "512KB"
log_max_files = 5

[hooks]
before_start = "echo hi"
after_stop = "echo bye"

[tasks.db]
command = "postgres"
health_check = "pg_isready"
health_interval = 3
health_timeout = 0.5
health_retries = 10
stop_grace_period = "1m30s"
max_restarts = 0
restart_backoff = 3
restart_policy = "on_failure"
log_max_size = 2048
log_max_files = 1

[tasks.api]
command = "cargo run"
cwd = "backend"
port = 8000
depends_on = ["db"]
auto_start = false
health_url = "http://localhost:8000/health"
health_expect_status = 200
health_expect_body = "ok"
health_expect_body_regex = "^o.$"
restart_policy = "always"
env = { RUST_LOG = "debug", WORKERS = 4, DEBUG = true, RATIO = 1.5 }

[tasks.api.hooks]
before_start = "make build"
"#);
        assert_eq!(c.name, "my-app_2");
        assert!(!c.auto_start);
        assert_eq!(c.strategy, Strategy::RestForOne);
        assert_eq!(c.allowed_origins, vec!["http://localhost:5173".to_string()]);
        assert_eq!(c.shell.as_deref(), Some("/bin/bash"));
        assert_eq!(c.hook_timeout, Duration::from_secs(120));
        assert_eq!(c.log_max_size, 512 * 1024);
        assert_eq!(c.log_max_files, 5);
        assert_eq!(c.hooks.before_start.as_deref(), Some("echo hi"));
        assert_eq!(c.hooks.after_stop.as_deref(), Some("echo bye"));
        assert_eq!(c.hooks.after_start, None);
        assert_eq!(c.task_names(), vec!["db", "api"]);

        let db = c.task("db").unwrap();
        assert_eq!(db.health_check.as_deref(), Some("pg_isready"));
        assert_eq!(db.health_interval, Duration::from_secs(3));
        assert_eq!(db.health_timeout, Duration::from_millis(500));
        assert_eq!(db.health_retries, 10);
        assert_eq!(db.stop_grace_period, Duration::from_secs(90));
        assert_eq!(db.max_restarts, 0);
        assert_eq!(db.restart_backoff, 3.0);
        assert_eq!(db.restart_policy, RestartPolicy::OnFailure);
        assert_eq!(db.log_max_size, 2048);
        assert_eq!(db.log_max_files, 1);
        assert_eq!(db.cwd, Path::new("/proj"));

        let api = c.task("api").unwrap();
        assert_eq!(api.cwd, Path::new("/proj/backend"));
        assert_eq!(api.cwd_raw.as_deref(), Some("backend"));
        assert_eq!(api.port, Some(8000));
        assert_eq!(api.depends_on, vec!["db".to_string()]);
        assert!(!api.auto_start);
        assert_eq!(api.restart_policy, RestartPolicy::Always);
        // inherits session log rotation
        assert_eq!(api.log_max_size, 512 * 1024);
        assert_eq!(api.log_max_files, 5);
        let h = api.health_url.as_ref().unwrap();
        assert_eq!(h.url, "http://localhost:8000/health");
        assert_eq!(h.expect_status, Some(200));
        assert_eq!(h.expect_body.as_deref(), Some("ok"));
        assert_eq!(h.expect_body_regex.as_deref(), Some("^o.$"));
        assert_eq!(api.env["RUST_LOG"], "debug");
        assert_eq!(api.env["WORKERS"], "4");
        assert_eq!(api.env["DEBUG"], "true");
        assert_eq!(api.env["RATIO"], "1.5");
        assert_eq!(api.hooks.before_start.as_deref(), Some("make build"));
    }

    #[test]
    fn task_order_is_file_order() {
        let c = ok("[tasks.zeta]\ncommand = \"a\"\n[tasks.alpha]\ncommand = \"b\"\n[tasks.mid]\ncommand = \"c\"\n");
        assert_eq!(c.task_names(), vec!["zeta", "alpha", "mid"]);
    }

    #[test]
    fn cwd_resolution() {
        let c = ok(r#"
[tasks.a]
command = "x"
cwd = "./sub/../web"
[tasks.b]
command = "x"
cwd = "/abs/path"
[tasks.c]
command = "x"
cwd = "../sibling"
[tasks.d]
command = "x"
cwd = "~/code"
"#);
        assert_eq!(c.task("a").unwrap().cwd, Path::new("/proj/web"));
        assert_eq!(c.task("b").unwrap().cwd, Path::new("/abs/path"));
        assert_eq!(c.task("c").unwrap().cwd, Path::new("/sibling"));
        assert_eq!(c.task("c").unwrap().cwd_raw.as_deref(), Some("../sibling"));
        if let Some(home) = std::env::var_os("HOME") {
            assert_eq!(c.task("d").unwrap().cwd, PathBuf::from(home).join("code"));
        }
    }

    #[test]
    fn relative_config_path_is_made_absolute() {
        let c = parse("", Path::new("sub/taskmux.toml")).unwrap();
        assert!(c.path.is_absolute());
        assert_eq!(c.dir, std::env::current_dir().unwrap().join("sub"));
    }

    #[test]
    fn durations() {
        let d = |v: &str| {
            ok(&format!(
                "[tasks.a]\ncommand = \"x\"\nhealth_interval = {v}\n"
            ))
            .tasks[0]
                .health_interval
        };
        assert_eq!(d("\"500ms\""), Duration::from_millis(500));
        assert_eq!(d("0.5"), Duration::from_millis(500));
        assert_eq!(d("\"1m30s\""), Duration::from_secs(90));
        assert_eq!(d("2"), Duration::from_secs(2));
        assert_eq!(d("\"2s\""), Duration::from_secs(2));
        assert_eq!(d("\"1.5\""), Duration::from_millis(1500));

        let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_interval = 0\n");
        assert!(
            m.contains("tasks.a.health_interval: expected a duration > 0"),
            "{m}"
        );
        assert!(m.contains(":3:19:"), "{m}");
        let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_timeout = \"soon\"\n");
        assert!(
            m.contains("tasks.a.health_timeout: expected a duration"),
            "{m}"
        );
        assert!(m.contains("found string \"soon\""), "{m}");
        let m = bad("[tasks.a]\ncommand = \"x\"\nstop_grace_period = -1\n");
        assert!(m.contains("stop_grace_period: expected a duration"), "{m}");
        // zero grace is allowed
        let c = ok("[tasks.a]\ncommand = \"x\"\nstop_grace_period = 0\n");
        assert_eq!(c.tasks[0].stop_grace_period, Duration::ZERO);
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10MB"), Some(10 * 1024 * 1024));
        assert_eq!(parse_size("512KB"), Some(512 * 1024));
        assert_eq!(parse_size("1GiB"), Some(1 << 30));
        assert_eq!(parse_size("100"), Some(100));
        assert_eq!(parse_size("1.5k"), Some(1536));
        assert_eq!(parse_size("10 mb"), Some(10 << 20));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("10XB"), None);
        let m = bad("log_max_size = \"huge\"\n");
        assert!(m.contains("log_max_size: expected a size"), "{m}");
        let m = bad("log_max_files = 0\n");
        assert!(
            m.contains("log_max_files: expected an integer >= 1, found integer 0"),
            "{m}"
        );
    }

    #[test]
    fn invalid_toml_has_position() {
        let m = bad("name = \"x\"\n[tasks.a]\ncommand = \n");
        assert!(m.starts_with("/proj/taskmux.toml:3:"), "{m}");
        assert!(m.contains("invalid TOML"), "{m}");
        assert!(!m.contains('\n'), "one line: {m}");
        let m = bad("name = \"x\"\nname = \"y\"\n");
        assert!(m.contains("invalid TOML"), "{m}");
        assert!(m.starts_with("/proj/taskmux.toml:2:"), "{m}");
    }

    #[test]
    fn wrong_type_names_field_and_position() {
        let m = bad("[tasks.api]\ncommand = \"x\"\nport = \"abc\"\n");
        assert_eq!(
            m,
            "/proj/taskmux.toml:3:8: tasks.api.port: expected an integer 1-65535, found string \"abc\""
        );
        let m = bad("[tasks.api]\ncommand = \"x\"\nport = 70000\n");
        assert!(m.contains("found integer 70000"), "{m}");
        let m = bad("[tasks.api]\ncommand = \"x\"\nport = 0\n");
        assert!(m.contains("expected an integer 1-65535"), "{m}");
        let m = bad("auto_start = \"yes\"\n");
        assert!(m.contains("1:14: auto_start: expected a boolean"), "{m}");
        let m = bad("[tasks.a]\ncommand = 5\n");
        assert!(
            m.contains("2:11: tasks.a.command: expected a string, found integer 5"),
            "{m}"
        );
        let m = bad("[tasks]\na = 5\n");
        assert!(
            m.contains("tasks.a: expected a command string or a table, found integer 5"),
            "{m}"
        );
        let m = bad("tasks = 3\n");
        assert!(m.contains("tasks: expected a table"), "{m}");
        let m = bad("[tasks.a]\ncommand = \"x\"\ndepends_on = \"b\"\n");
        assert!(
            m.contains("depends_on: expected an array of strings"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\ndepends_on = [1]\n");
        assert!(
            m.contains("tasks.a.depends_on[0]: expected a string, found integer 1"),
            "{m}"
        );
        let m = bad("strategy = \"one_for_all\"\n");
        assert!(
            m.contains("strategy: expected \"one_for_one\" or \"rest_for_one\""),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nrestart_policy = \"sometimes\"\n");
        assert!(
            m.contains("restart_policy: expected \"no\", \"on-failure\" or \"always\""),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nrestart_backoff = 0.5\n");
        assert!(
            m.contains("restart_backoff: expected a number >= 1.0, found float 0.5"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_retries = 0\n");
        assert!(
            m.contains("health_retries: expected an integer >= 1"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nenv = { A = [1] }\n");
        assert!(m.contains("tasks.a.env.A: expected a string"), "{m}");
        let m = bad("[tasks.a]\ncommand = \"x\"\nhooks = \"echo\"\n");
        assert!(m.contains("tasks.a.hooks: expected a table"), "{m}");
    }

    #[test]
    fn unknown_keys_with_suggestions_and_positions() {
        let m = bad("[tasks.api]\ncommand = \"x\"\nheath_check = \"true\"\n");
        assert_eq!(
            m,
            "/proj/taskmux.toml:3:1: unknown key 'heath_check' in task 'api' (did you mean 'health_check'?)"
        );
        let m = bad("nmae = \"x\"\n");
        assert!(
            m.contains("1:1: unknown key 'nmae' at the top level (did you mean 'name'?)"),
            "{m}"
        );
        let m = bad("[task.web]\ncommand = \"x\"\n");
        assert!(
            m.contains("unknown key 'task' at the top level (did you mean 'tasks'?)"),
            "{m}"
        );
        let m = bad("[hooks]\nbefore_strat = \"x\"\n");
        assert!(
            m.contains("2:1: unknown key 'before_strat' in [hooks] (did you mean 'before_start'?)"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\n[tasks.a.hooks]\nafter_stpo = \"x\"\n");
        assert!(
            m.contains(
                "4:1: unknown key 'after_stpo' in hooks of task 'a' (did you mean 'after_stop'?)"
            ),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nzzzzqqq = 1\n");
        assert!(
            m.contains("unknown key 'zzzzqqq' in task 'a'; allowed keys: command,"),
            "{m}"
        );
    }

    #[test]
    fn missing_or_empty_command() {
        let m = bad("[tasks.api]\nport = 3000\n");
        assert!(m.contains("task 'api' has no command"), "{m}");
        assert!(m.starts_with("/proj/taskmux.toml:1:"), "{m}");
        let m = bad("[tasks]\nweb = \"  \"\n");
        assert!(m.contains("tasks.web: command must not be empty"), "{m}");
        let m = bad("[tasks.web]\ncommand = \"\"\n");
        assert!(m.contains("tasks.web.command: must not be empty"), "{m}");
    }

    #[test]
    fn dependency_errors() {
        let m = bad(
            "[tasks.db]\ncommand = \"x\"\n[tasks.api]\ncommand = \"x\"\ndepends_on = [\"dbb\"]\n",
        );
        assert!(
            m.contains("5:15: task 'api' depends on unknown task 'dbb' (did you mean 'db'?)"),
            "{m}"
        );
        let m = bad("[tasks.api]\ncommand = \"x\"\ndepends_on = [\"api\"]\n");
        assert!(m.contains("3:15: task 'api' depends on itself"), "{m}");
        let m = bad(
            "[tasks.db]\ncommand = \"x\"\n[tasks.api]\ncommand = \"x\"\ndepends_on = [\"zzz\"]\n",
        );
        assert!(
            m.contains("task 'api' depends on unknown task 'zzz'; known tasks: db"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nenv = { \"A=B\" = \"1\" }\n");
        assert!(
            m.contains("tasks.a.env: invalid environment variable name \"A=B\""),
            "{m}"
        );
        let m = bad("[tasks.db]\ncommand = \"x\"\n[tasks.api]\ncommand = \"x\"\ndepends_on = [\"db\", \"db\"]\n");
        assert!(
            m.contains("5:21: task 'api' lists 'db' more than once in depends_on"),
            "{m}"
        );
        let m = bad(r#"
[tasks.a]
command = "x"
depends_on = ["b"]
[tasks.b]
command = "x"
depends_on = ["c"]
[tasks.c]
command = "x"
depends_on = ["a"]
"#);
        assert!(m.contains("dependency cycle: a -> b -> c -> a"), "{m}");
        assert!(m.starts_with("/proj/taskmux.toml:2:"), "{m}");
    }

    #[test]
    fn name_validation() {
        let m = bad("name = \"my app\"\n");
        assert!(m.contains("invalid session name \"my app\""), "{m}");
        assert!(m.contains("letters, digits, '_' and '-'"), "{m}");
        let m = bad("[tasks.\"my.task\"]\ncommand = \"x\"\n");
        assert!(m.contains("invalid task name \"my.task\""), "{m}");
        assert!(m.contains("letters, digits, '_' and '-'"), "{m}");
        assert!(m.contains(":1:8:"), "{m}");
        assert!(valid_name("web-1_x"));
        assert!(!valid_name(""));
        assert!(!valid_name("a b"));
        assert!(check_task_name("ok").is_ok());
        assert_eq!(check_task_name("n/o").unwrap_err().exit_code, EXIT_USAGE);
    }

    #[test]
    fn health_url_rules() {
        let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_expect_status = 200\n");
        assert!(
            m.contains("3:24: task 'a': health_expect_* needs health_url"),
            "{m}"
        );
        let m = bad(
            "[tasks.a]\ncommand = \"x\"\nhealth_url = \"http://x\"\nhealth_expect_status = 42\n",
        );
        assert!(
            m.contains("health_expect_status: expected an HTTP status 100-599"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_url = \"http://x\"\nhealth_expect_body_regex = \"(\"\n");
        assert!(
            m.contains("health_expect_body_regex: invalid regular expression"),
            "{m}"
        );
        let m = bad("[tasks.a]\ncommand = \"x\"\nhealth_url = \"localhost:80\"\n");
        assert!(
            m.contains("health_url: expected a URL starting with http://"),
            "{m}"
        );
        let c = ok("[tasks.a]\ncommand = \"x\"\nhealth_url = \"http://localhost:1/\"\n");
        let h = c.tasks[0].health_url.as_ref().unwrap();
        assert_eq!(h.expect_status, None);
        assert_eq!(h.expect_body, None);
    }

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

    #[test]
    fn env_file_is_overridden_by_env() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(".env"), "A=from_file\nB=file_only\n").unwrap();
        let path = dir.path().join("taskmux.toml");
        std::fs::write(
            &path,
            "[tasks.a]\ncommand = \"x\"\nenv_file = \".env\"\nenv = { A = \"from_env\" }\n",
        )
        .unwrap();
        let c = load(&path).unwrap();
        let t = &c.tasks[0];
        assert_eq!(t.env["A"], "from_env");
        assert_eq!(t.env["B"], "file_only");
        assert_eq!(
            t.env_file.as_deref(),
            Some(dir.path().join(".env").as_path())
        );

        std::fs::write(
            &path,
            "[tasks.a]\ncommand = \"x\"\nenv_file = \"missing.env\"\n",
        )
        .unwrap();
        let e = load(&path).unwrap_err();
        assert_eq!(e.exit_code, EXIT_USAGE);
        assert!(
            e.message.contains(":3:12: tasks.a.env_file: cannot read"),
            "{}",
            e.message
        );
        assert!(e.message.contains("missing.env"), "{}", e.message);
    }

    #[test]
    fn find_config_searches_parents() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join(CONFIG_FILE), "").unwrap();
        let deep = root.join("a/b");
        std::fs::create_dir_all(&deep).unwrap();
        assert_eq!(find_config_from(&deep).unwrap(), root.join(CONFIG_FILE));
        assert_eq!(find_config_from(&root).unwrap(), root.join(CONFIG_FILE));

        let empty = tempfile::tempdir().unwrap();
        // Only meaningful if no ancestor of the temp dir has a taskmux.toml.
        if let Err(e) = find_config_from(empty.path()) {
            assert_eq!(e.code, crate::error::ErrorCode::NoConfig);
            assert_eq!(e.exit_code, EXIT_USAGE);
            assert!(e.message.contains("taskmux init"), "{}", e.message);
            assert!(e.message.contains("--config"), "{}", e.message);
        }

        let explicit = root.join(CONFIG_FILE);
        assert_eq!(find_config(Some(&explicit)).unwrap(), explicit);
        let e = find_config(Some(&root.join("nope.toml"))).unwrap_err();
        assert_eq!(e.exit_code, EXIT_USAGE);
        assert!(e.message.contains("nope.toml not found"), "{}", e.message);
    }

    #[test]
    fn load_missing_file_is_exit_2() {
        let e = load(Path::new("/nonexistent/dir/taskmux.toml")).unwrap_err();
        assert_eq!(e.exit_code, EXIT_USAGE);
        assert!(e.message.contains("not found"));
    }

    #[test]
    fn dotted_and_inline_task_forms() {
        let c = ok("tasks.web.command = \"a\"\n[tasks.api]\ncommand = \"b\"\n");
        assert_eq!(c.task_names(), vec!["web", "api"]);
        let c = ok("[tasks]\nweb = { command = \"a\", port = 3000 }\n");
        assert_eq!(c.tasks[0].port, Some(3000));
    }
}
