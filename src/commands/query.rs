//! status, inspect, health.

use super::runtime::ask;
use crate::config::Config;
use crate::error::Result;
use crate::output::{cell, emit, paint, state_style, table, Style};
use crate::supervisor::session::messages::CheckHealth;
use crate::supervisor::status::{GetStatus, Inspect};

pub fn status(cfg: &Config, json: bool) -> Result<i32> {
    let report = ask(cfg, GetStatus)?;
    if !json {
        supervision_hint(cfg, &report);
    }
    emit(json, true, &report, || {
        let head = format!(
            "session {} ({})  config {}\n",
            paint(Style::Bold, &report.session),
            if report.running {
                "running"
            } else {
                "not running"
            },
            report.config
        );
        let rows: Vec<_> = report
            .tasks
            .iter()
            .map(|t| {
                vec![
                    cell(&t.name),
                    (t.state.clone(), Some(state_style(&t.state))),
                    cell(t.pid.map_or("-".into(), |p| p.to_string())),
                    cell(match (t.port, t.port_auto) {
                        (Some(p), true) => format!("{p} (auto)"),
                        (Some(p), false) => p.to_string(),
                        (None, true) => "auto".into(),
                        (None, false) => "-".into(),
                    }),
                    cell(t.uptime.clone().unwrap_or_else(|| "-".into())),
                    cell(t.restarts.to_string()),
                    cell(if t.depends_on.is_empty() {
                        "-".into()
                    } else {
                        t.depends_on.join(",")
                    }),
                    cell(if t.manual { "yes" } else { "no" }),
                    cell(t.reason.clone().unwrap_or_default()),
                ]
            })
            .collect();
        head + &table(
            &[
                "TASK",
                "STATE",
                "PID",
                "PORT",
                "UPTIME",
                "RESTARTS",
                "DEPENDS_ON",
                "MANUAL",
                "NOTE",
            ],
            &rows,
        )
    });
    Ok(0)
}

/// Without any supervisor nothing restarts a crashed task (the original's contract:
/// auto-restart is daemon mode); say so when a task that its policy would restart
/// has exited.
fn supervision_hint(cfg: &Config, report: &crate::supervisor::status::StatusReport) {
    use crate::config::RestartPolicy;
    use crate::supervisor::state::TaskState;
    let waiting: Vec<&str> = report
        .tasks
        .iter()
        .filter(|t| {
            let TaskState::Exited { code, signal } = t.detail else {
                return false;
            };
            cfg.task(&t.name).is_some_and(|c| {
                c.restart_policy != RestartPolicy::No
                    && crate::supervisor::policy::restarts_after_exit(
                        c.restart_policy,
                        code,
                        signal,
                    )
            })
        })
        .map(|t| t.name.as_str())
        .collect();
    if !waiting.is_empty() && !crate::daemon::record::lock_held(&cfg.name) {
        crate::output::warn(&format!(
            "{} exited and no supervisor runs, so nothing restarts {}: start one with `taskmux daemon` (or `taskmux watch`)",
            waiting.join(", "),
            if waiting.len() == 1 { "it" } else { "them" }
        ));
    }
}

/// `inspect` always prints JSON (like the original).
pub fn inspect(cfg: &Config, name: String) -> Result<i32> {
    cfg.check_names(std::slice::from_ref(&name))?;
    let report = ask(cfg, Inspect { name })?;
    emit(true, true, &report, String::new);
    Ok(0)
}

pub fn health(cfg: &Config, json: bool) -> Result<i32> {
    let report = ask(cfg, CheckHealth)?;
    // Unhealthy, or down when it should be running (exited, failed, in backoff);
    // a task without a probe in its first second is starting, not unhealthy.
    let unhealthy = report
        .tasks
        .iter()
        .any(|t| (t.running && !t.healthy && !t.starting) || t.down);
    emit(json, !unhealthy, &report, || {
        let rows: Vec<_> = report
            .tasks
            .iter()
            .map(|t| {
                let verdict = match (&t.probe, t.running) {
                    (Some(p), _) if p.healthy => "healthy",
                    _ if t.starting => "starting",
                    (Some(_), _) | (None, true) => "unhealthy",
                    (None, false) => "-",
                };
                let (method, detail) = t
                    .probe
                    .as_ref()
                    .map_or(("-".to_string(), String::new()), |p| {
                        (p.method.to_string(), p.detail.clone())
                    });
                vec![
                    cell(&t.task),
                    (t.state.clone(), Some(state_style(&t.state))),
                    (verdict.to_string(), Some(state_style(verdict))),
                    cell(method),
                    cell(detail),
                ]
            })
            .collect();
        table(&["TASK", "STATE", "HEALTH", "PROBE", "DETAIL"], &rows)
    });
    Ok(if unhealthy { 1 } else { 0 })
}

/// `status` when taskmux.toml does not load (an agent mid-edit): what runs, read
/// from tmux under the session name the file still names, then the config error;
/// exit 2.
pub fn status_despite(
    explicit: &Option<std::path::PathBuf>,
    session: &Option<String>,
    err: crate::error::Error,
    json: bool,
) -> Result<i32> {
    let path = crate::config::find_config(explicit.as_deref())?;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let name = session.clone().unwrap_or_else(|| session_name_in(&text));
    let tmux = crate::tmux::Tmux::from_env();
    let snap = actix::System::new()
        .block_on(crate::tmux::panes::snapshot(&tmux, &name))
        .unwrap_or_default();
    // The states in the words `status` always uses.
    let rows: Vec<(String, String, Option<u32>)> = snap
        .panes
        .values()
        .map(|p| {
            let st =
                crate::supervisor::state::from_pane(&crate::supervisor::state::as_it_is(p.clone()));
            let pid = st.is_running().then_some(p.pane_pid);
            (p.task.clone(), st.label(), pid)
        })
        .collect();
    if json {
        let doc = serde_json::json!({
            "ok": false,
            "session": name,
            "config": path.display().to_string(),
            "error": {"code": err.code, "message": err.message},
            "tasks": rows.iter().map(|(t, s, p)| serde_json::json!({"name": t, "state": s, "pid": p})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    } else {
        let table_rows: Vec<_> = rows
            .iter()
            .map(|(t, s, p)| {
                vec![
                    cell(t),
                    (s.clone(), Some(state_style(s))),
                    cell(p.map_or("-".into(), |p| p.to_string())),
                ]
            })
            .collect();
        println!(
            "session {} (as tmux shows it; the config does not load)",
            paint(Style::Bold, &name)
        );
        print!("{}", table(&["TASK", "STATE", "PID"], &table_rows));
        eprintln!("error: {}", err.message);
    }
    Ok(crate::error::EXIT_USAGE)
}

/// The `name = "…"` of a config that does not load as a whole (default: taskmux's).
fn session_name_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .take_while(|l| !l.starts_with('['))
        .find_map(|l| {
            let rest = l
                .strip_prefix("name")?
                .trim_start()
                .strip_prefix('=')?
                .trim();
            let v = rest.trim_matches(|c| c == '"' || c == '\'');
            crate::config::load::valid_name(v).then(|| v.to_string())
        })
        .unwrap_or_else(|| crate::config::model::DEFAULT_SESSION.to_string())
}

/// `mark`: the log cursor of now, alone on stdout (for `$(taskmux mark)`).
pub fn mark(cfg: &Config, names: Vec<String>, json: bool) -> Result<i32> {
    cfg.check_names(&names)?;
    let tasks = if names.is_empty() {
        cfg.task_names().into_iter().map(str::to_string).collect()
    } else {
        names
    };
    let cursor = crate::logs::cursor::now(&cfg.name, &tasks)?.encode();
    emit(json, true, &serde_json::json!({ "cursor": cursor }), || {
        cursor.clone()
    });
    Ok(0)
}
