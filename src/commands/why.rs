//! why: one screen on why a task is not up (the answer is `supervisor::why`).

use crate::config::Config;
use crate::error::Result;
use crate::output::{emit, paint, Style};
use crate::supervisor::why::WhyReport;
use crate::supervisor::{SessionSupervisor, TaskContext};
use actix::prelude::*;
use std::fmt::Write;

pub fn why(cfg: &Config, task: String, json: bool) -> Result<i32> {
    let cfg2 = cfg.clone();
    let report = System::new().block_on(async move {
        let ctx = TaskContext::for_config(&cfg2);
        let sup = SessionSupervisor::new(cfg2.clone(), ctx).start();
        crate::supervisor::why::why(&sup, &cfg2, &task).await
    })?;
    emit(json, report.healthy, &report, || text(&report));
    Ok(if report.healthy { 0 } else { 1 })
}

fn short(ts: &str) -> &str {
    ts.get(11..23).unwrap_or(ts)
}

fn text(r: &WhyReport) -> String {
    let mut o = String::new();
    let style = if r.healthy { Style::Green } else { Style::Red };
    let since = r
        .since
        .as_deref()
        .map(|s| format!(" since {}", short(s)))
        .unwrap_or_default();
    let _ = writeln!(
        o,
        "{}: {}{since} ({} restart(s), restart_policy {})",
        paint(Style::Bold, &r.task),
        paint(style, &r.state),
        r.restarts,
        r.restart_policy
    );
    let _ = writeln!(o, "why: {}", r.explanation);
    if !r.last_exits.is_empty() {
        let exits: Vec<String> = r
            .last_exits
            .iter()
            .map(|e| match (e.code, e.signal) {
                (_, Some(s)) => format!("{} signal {s}", short(&e.ts)),
                (Some(c), None) => format!("{} code {c}", short(&e.ts)),
                _ => short(&e.ts).to_string(),
            })
            .collect();
        let _ = writeln!(o, "last exits: {}", exits.join("; "));
    }
    for p in &r.probes {
        let verdict = if p.healthy { "healthy" } else { "unhealthy" };
        let reason = p
            .reason
            .as_deref()
            .map(|r| format!(": {r}"))
            .unwrap_or_default();
        let _ = writeln!(o, "probe {} {verdict}{reason}", short(&p.ts));
    }
    for h in &r.port_holders {
        let _ = writeln!(
            o,
            "port {}: held by pid {} ({})",
            r.port.unwrap_or(0),
            h.pid,
            h.command
        );
    }
    if let Some(e) = &r.first_error {
        let _ = writeln!(
            o,
            "first error: {} {}",
            short(&e.ts),
            paint(Style::Red, &e.line)
        );
    }
    if !r.last_lines.is_empty() {
        let _ = writeln!(o, "last lines:");
        for l in &r.last_lines {
            let _ = writeln!(o, "  {} {}", paint(Style::Dim, short(&l.ts)), l.line);
        }
    }
    if let Some(fix) = &r.fix {
        let _ = writeln!(o, "fix: {}", paint(Style::Bold, fix));
    }
    o
}
