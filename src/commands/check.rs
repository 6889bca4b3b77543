//! check: validate taskmux.toml and lint it without starting anything (the
//! findings come from `crate::lint`).

use crate::config::Config;
use crate::error::Result;
use crate::lint::{CheckReport, Finding, Severity};
use crate::output::{cell, emit, paint, table, Style};

pub fn check(cfg: &Config, json: bool) -> Result<i32> {
    let report = CheckReport::of(cfg, || {
        super::runtime::ask(cfg, crate::supervisor::status::GetStatus)
            .map(|r| {
                r.tasks
                    .iter()
                    .filter_map(|row| row.pid.map(|pid| (row.name.clone(), pid)))
                    .collect()
            })
            .unwrap_or_default()
    });
    let ok = report.errors.is_empty();
    emit(json, ok, &report, || human(&report));
    Ok(if ok { 0 } else { 1 })
}

fn human(r: &CheckReport) -> String {
    let all: Vec<&Finding> = r.errors.iter().chain(&r.warnings).collect();
    let mut out = String::new();
    if !all.is_empty() {
        let rows: Vec<_> = all
            .iter()
            .map(|f| {
                vec![
                    (
                        f.severity.as_str().to_string(),
                        Some(if f.severity == Severity::Error {
                            Style::Red
                        } else {
                            Style::Yellow
                        }),
                    ),
                    cell(&f.code),
                    cell(f.task.clone().unwrap_or_else(|| "-".into())),
                    cell(&f.message),
                    cell(&f.fix),
                ]
            })
            .collect();
        out.push_str(&table(
            &["SEVERITY", "CODE", "TASK", "PROBLEM", "FIX"],
            &rows,
        ));
    }
    let summary = format!(
        "{}: {} task(s), {} error(s), {} warning(s)",
        r.config,
        r.tasks,
        r.errors.len(),
        r.warnings.len()
    );
    out.push_str(&if r.errors.is_empty() && r.warnings.is_empty() {
        paint(Style::Green, &format!("{summary}: ok"))
    } else if r.errors.is_empty() {
        paint(Style::Yellow, &summary)
    } else {
        paint(Style::Red, &summary)
    });
    out
}
