//! The agent's-loop scenario: `logs --after CURSOR` when nothing is new, with N
//! running tasks (whole process). Included by bench.rs.

use super::*;

pub fn agent(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    vec![alternate(
        ctx,
        Row::new(
            "agent",
            format!("logs --after, nothing new ({n} tasks)"),
            "ms",
        )
        .budget(Budget::AtMost(10.0))
        .note("the cursor of `taskmux mark`: one stat and a short read per task"),
        |b| {
            if !b.has("mark") {
                return Err("not available in this binary".into());
            }
            let w = running_world(b, n)?;
            Ok(w)
        },
        |b, (sb, _), _| {
            let (_, o) = sb.timed(b, &["mark"])?;
            let cursor = String::from_utf8_lossy(&o.stdout).trim().to_string();
            Ok(sb.timed(b, &["logs", "--after", &cursor])?.0)
        },
    )]
}
