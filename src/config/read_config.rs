//! Walking the document into the validated model: the top level, the task list
//! (each task: read_task.rs), and the checks across tasks (dependencies; port
//! references: read_refs.rs).

use super::keys::TOP_KEYS;
use super::load::valid_name;
use super::reader::{Ctx, Field, TaskSpans};
use crate::config::model::*;
use crate::error::Result;

impl Ctx<'_> {
    pub(super) fn config(&self, root: &toml_edit::Table) -> Result<Config> {
        let mut cfg = Config {
            name: DEFAULT_SESSION.to_string(),
            auto_start: true,
            hooks: Hooks::default(),
            tasks: Vec::new(),
            strategy: Strategy::default(),
            allowed_origins: Vec::new(),
            daemon: None,
            shell: None,
            hook_timeout: DEFAULT_HOOK_TIMEOUT,
            log_max_size: DEFAULT_LOG_MAX_SIZE,
            log_max_files: DEFAULT_LOG_MAX_FILES,
            path: self.path.to_path_buf(),
            dir: self.dir.to_path_buf(),
        };
        let mut tasks_field = None;
        for f in self.fields(root, "", TOP_KEYS, "at the top level")? {
            if f.name == "tasks" {
                tasks_field = Some(f);
                continue;
            }
            // A problem is noted and the next key read (`check` reports them all).
            let mut read = || -> Result<()> {
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
                    "daemon" => cfg.daemon = Some(self.boolean(&f)?),
                    "allowed_origins" => {
                        cfg.allowed_origins =
                            self.strings(&f)?.into_iter().map(|(s, _)| s).collect()
                    }
                    "shell" => cfg.shell = Some(self.nonempty(&f)?),
                    "hook_timeout" => cfg.hook_timeout = self.duration(&f, true)?,
                    "log_max_size" => cfg.log_max_size = self.size(&f)?,
                    "log_max_files" => {
                        cfg.log_max_files =
                            self.int(&f, 1, u32::MAX as i64, "an integer >= 1")? as u32
                    }
                    "hooks" => cfg.hooks = self.hooks(&f, "in [hooks]")?,
                    other => {
                        return Err(self.err(
                            f.span.clone(),
                            format!("internal error: key '{other}' is not read"),
                        ))
                    }
                }
                Ok(())
            };
            if let Err(e) = read() {
                self.problem(e);
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
                    self.problem(self.err(
                        key_span.clone().or(tf.span.clone()),
                        format!(
                            "invalid task name {name:?}: use only letters, digits, '_' and '-'"
                        ),
                    ));
                }
                // A task that cannot be read at all is still a task (so depends_on
                // naming it is not reported too).
                let (task, (deps, texts)) = match self.task(name, &tf, &cfg) {
                    Ok(read) => read,
                    Err(e) => {
                        self.problem(e);
                        let t = TaskConfig::with_defaults(name, "", self.dir);
                        (t, (Vec::new(), Vec::new()))
                    }
                };
                cfg.tasks.push(task);
                spans.push(TaskSpans {
                    name: key_span.or(tf.span),
                    deps,
                    texts,
                });
            }
        }
        self.check_deps(&cfg, &spans)?;
        self.port_refs(&mut cfg, &spans)?;
        Ok(cfg)
    }

    pub(super) fn check_deps(&self, cfg: &Config, spans: &[TaskSpans]) -> Result<()> {
        let names = cfg.task_names();
        for (t, s) in cfg.tasks.iter().zip(spans) {
            for (d, span) in t.depends_on.iter().zip(&s.deps) {
                if !names.contains(&d.as_str()) {
                    let mut msg = format!("task '{}' depends on unknown task '{d}'", t.name);
                    let others = names.iter().copied().filter(|n| *n != t.name);
                    match crate::suggest::closest(d, others) {
                        Some(sug) => msg.push_str(&format!(" (did you mean '{sug}'?)")),
                        None if names.len() > 1 => {
                            let others: Vec<&str> =
                                names.iter().copied().filter(|n| *n != t.name).collect();
                            msg.push_str(&format!("; known tasks: {}", others.join(", ")));
                        }
                        None => msg.push_str("; it is the only task defined"),
                    }
                    self.problem(self.err(span.clone(), msg));
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
#[path = "read_config_tests.rs"]
pub(super) mod tests;
