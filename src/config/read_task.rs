//! Reading one task's table into the validated model: every key, each problem
//! noted and the next key read.

use super::dotenv::parse_dotenv;
use super::keys::TASK_KEYS;
use super::load::resolve_path;
use super::reader::{Ctx, Field, TaskTexts};
use crate::config::model::*;
use crate::error::Result;
use std::collections::BTreeMap;
use toml_edit::Value;

impl Ctx<'_> {
    pub(super) fn task(
        &self,
        name: &str,
        f: &Field,
        cfg: &Config,
    ) -> Result<(TaskConfig, TaskTexts)> {
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
            let texts = vec![("command".to_string(), f.span.clone())];
            return Ok((t, (dep_spans, texts)));
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
        let (mut run_span, mut policy_span) = (None, None);
        let mut texts = Vec::new();
        for kf in self.fields(table, &f.name, TASK_KEYS, &what)? {
            let key = kf.name.rsplit('.').next().unwrap_or("").to_string();
            // A problem is noted and the next key read (`check` reports them all).
            let mut read = || -> Result<()> {
                match key.as_str() {
                    "command" => {
                        let c = self.string(&kf)?;
                        if c.trim().is_empty() {
                            return Err(self
                                .err(kf.span.clone(), format!("{}: must not be empty", kf.name)));
                        }
                        command = Some(c);
                        texts.push(("command".to_string(), kf.span.clone()));
                    }
                    "auto_start" => t.auto_start = self.boolean(&kf)?,
                    "cwd" => {
                        let raw = self.nonempty(&kf)?;
                        t.cwd = resolve_path(&raw, self.dir);
                        t.cwd_raw = Some(raw);
                    }
                    "port" if kf.item.as_str() == Some("auto") => t.port_auto = true,
                    "port" => {
                        t.port =
                            Some(self.int(&kf, 1, 65535, "an integer 1-65535 or \"auto\"")? as u16)
                    }
                    "health_check" => {
                        t.health_check = Some(self.nonempty(&kf)?);
                        texts.push(("health_check".to_string(), kf.span.clone()));
                    }
                    "health_url" => {
                        let u = self.nonempty(&kf)?;
                        if !(u.starts_with("http://") || u.starts_with("https://")) {
                            return Err(self.wrong(&kf, "a URL starting with http:// or https://"));
                        }
                        url = Some(u);
                        texts.push(("health_url".to_string(), kf.span.clone()));
                    }
                    "health_expect_status" => {
                        expect_status =
                            Some(self.int(&kf, 100, 599, "an HTTP status 100-599")? as u16);
                        if expect_span.is_none() {
                            expect_span = kf.span.clone();
                        }
                    }
                    "health_expect_body" => {
                        expect_body = Some(self.string(&kf)?);
                        if expect_span.is_none() {
                            expect_span = kf.span.clone();
                        }
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
                        if expect_span.is_none() {
                            expect_span = kf.span.clone();
                        }
                    }
                    "ready_log" => {
                        let r = self.nonempty(&kf)?;
                        if let Err(e) = regex::Regex::new(&r) {
                            return Err(self.err(
                                kf.span.clone(),
                                format!("{}: invalid regular expression: {e}", kf.name),
                            ));
                        }
                        t.ready_log = Some(r);
                    }
                    "health_interval" => t.health_interval = self.duration(&kf, true)?,
                    "health_timeout" => {
                        t.health_timeout = self.duration(&kf, true)?;
                        t.health_timeout_written = true;
                    }
                    "health_retries" => {
                        t.health_retries =
                            self.int(&kf, 1, u32::MAX as i64, "an integer >= 1")? as u32
                    }
                    "stop_grace_period" => t.stop_grace_period = self.duration(&kf, false)?,
                    "max_restarts" => {
                        t.max_restarts =
                            self.int(&kf, 0, u32::MAX as i64, "an integer >= 0 (0 = unlimited)")?
                                as u32
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
                    "run" => {
                        t.run = match self.string(&kf)?.as_str() {
                            "service" => RunMode::Service,
                            "once" => RunMode::Once,
                            _ => return Err(self.wrong(&kf, "\"service\" or \"once\"")),
                        };
                        run_span = kf.span.clone();
                    }
                    "restart_policy" => {
                        policy_span = Some(kf.span.clone());
                        let s = self.string(&kf)?;
                        t.restart_policy = match s.as_str() {
                            "no" => RestartPolicy::No,
                            "on-failure" | "on_failure" => RestartPolicy::OnFailure,
                            "always" => RestartPolicy::Always,
                            _ => {
                                return Err(self.wrong(&kf, "\"no\", \"on-failure\" or \"always\""))
                            }
                        };
                    }
                    "depends_on" => {
                        for (d, span) in self.strings(&kf)? {
                            if d == name {
                                return Err(
                                    self.err(span, format!("task '{name}' depends on itself"))
                                );
                            }
                            if t.depends_on.contains(&d) {
                                return Err(self.err(
                                    span,
                                    format!(
                                        "task '{name}' lists '{d}' more than once in depends_on"
                                    ),
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
                            texts.push((format!("env.{k}"), ef.span.clone()));
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
                    "log_max_files" => {
                        t.log_max_files =
                            self.int(&kf, 1, u32::MAX as i64, "an integer >= 1")? as u32
                    }
                    // `fields` admits only TASK_KEYS: a key listed there but not read here
                    // is a bug, said as such rather than silently taken as another key.
                    other => {
                        return Err(self.err(
                            kf.span.clone(),
                            format!("internal error: task key '{other}' is not read"),
                        ))
                    }
                }
                Ok(())
            };
            if let Err(e) = read() {
                self.problem(e);
            }
        }
        match command {
            Some(command) => t.command = command,
            None if self
                .problems
                .borrow()
                .iter()
                .any(|e| e.message.contains(&format!("tasks.{name}.command"))) => {}
            None => self.problem(self.err(
                f.span.clone(),
                format!("task '{name}' has no command (add: command = \"...\")"),
            )),
        }
        if t.is_job() {
            match policy_span {
                // A job's exit 0 is its success: restarting it for that is a contradiction.
                Some(span) if t.restart_policy == RestartPolicy::Always => {
                    self.problem(self.err(
                        span.or(run_span),
                        format!("task '{name}': run = \"once\" (a job) cannot have restart_policy = \"always\" (use \"on-failure\" to retry a failed run, or \"no\")"),
                    ));
                }
                Some(_) => {}
                // A failed job is reported, not retried, unless the config asks.
                None => t.restart_policy = RestartPolicy::No,
            }
        }
        if url.is_none()
            && (expect_status.is_some() || expect_body.is_some() || expect_regex.is_some())
        {
            self.problem(self.err(
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
        Ok((t, (dep_spans, texts)))
    }
}
