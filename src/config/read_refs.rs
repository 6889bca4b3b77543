//! The cross-task check of `${tasks.NAME.port}` references: each names a task
//! that has a port; references to fixed ports are replaced at once, those to
//! `port = "auto"` tasks stay for the launch to fill in.

use super::port_refs::{self, Reference};
use super::reader::{Ctx, TaskSpans};
use crate::config::model::*;
use crate::error::Result;
use std::ops::Range;

impl Ctx<'_> {
    pub(super) fn port_refs(&self, cfg: &mut Config, spans: &[TaskSpans]) -> Result<()> {
        let ports: Vec<(String, Option<u16>, bool)> = cfg
            .tasks
            .iter()
            .map(|t| (t.name.clone(), t.port, t.port_auto))
            .collect();
        let names: Vec<&str> = ports.iter().map(|(n, _, _)| n.as_str()).collect();
        for (t, s) in cfg.tasks.iter_mut().zip(spans) {
            for (field, span) in &s.texts {
                let Some(text) = text_of(t, field) else {
                    continue;
                };
                for r in port_refs::find(text) {
                    let at = self.inside(span, text, r.at());
                    match &r {
                        Reference::Malformed { text: bad, .. } => {
                            self.problem(self.err(
                                at,
                                format!(
                                    "task '{}' {field}: {bad} is not a reference taskmux knows (the form is ${{tasks.NAME.port}})",
                                    t.name
                                ),
                            ));
                        }
                        Reference::Port { task, .. } => {
                            match ports.iter().find(|(n, _, _)| n == task) {
                                None => {
                                    let hint = crate::suggest::closest(task, names.iter().copied())
                                        .map(|s| format!(" (did you mean '{s}'?)"))
                                        .unwrap_or_default();
                                    self.problem(self.err(
                                        at,
                                        format!(
                                            "task '{}' {field}: ${{tasks.{task}.port}} names an unknown task{hint}",
                                            t.name
                                        ),
                                    ));
                                }
                                Some((_, None, false)) => {
                                    self.problem(self.err(
                                        at,
                                        format!(
                                            "task '{}' {field}: ${{tasks.{task}.port}}: task '{task}' has no port (give it `port = N` or `port = \"auto\"`)",
                                            t.name
                                        ),
                                    ))
                                }
                                Some(_) => {}
                            }
                        }
                    }
                }
            }
            // Fixed ports are known now; auto ones at each launch.
            let fixed: Ports = ports
                .iter()
                .filter_map(|(n, p, _)| p.map(|p| (n.clone(), p)))
                .collect();
            *t = t.resolved(&fixed);
        }
        Ok(())
    }

    /// The position of `at` (a range of the value `text`) in the file: exact when
    /// the value is written as is (no escapes before it), else the value's start.
    fn inside(
        &self,
        span: &Option<Range<usize>>,
        text: &str,
        at: Range<usize>,
    ) -> Option<Range<usize>> {
        let span = span.clone()?;
        let guess = span.start + 1 + at.start;
        let written = self
            .text
            .get(guess..guess + at.len())
            .is_some_and(|w| w == &text[at.clone()]);
        Some(if written {
            guess..guess + at.len()
        } else {
            span
        })
    }
}

/// The text a field name (`command`, `env.KEY`, `health_check`, `health_url`) holds.
fn text_of<'t>(t: &'t TaskConfig, field: &str) -> Option<&'t String> {
    match field {
        "command" => Some(&t.command),
        "health_check" => t.health_check.as_ref(),
        "health_url" => t.health_url.as_ref().map(|h| &h.url),
        _ => t.env.get(field.strip_prefix("env.")?),
    }
}
