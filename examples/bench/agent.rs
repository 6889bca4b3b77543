//! The agent's-loop scenario: `logs --after CURSOR` when nothing is new and
//! `why` with N running tasks, and how soon `wait --for log:RE` returns after
//! the line is written (whole processes). Included by bench.rs.

use super::*;

pub fn agent(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    let needs = |b: &Bin, sub: &str| -> R<()> {
        if b.has(sub) {
            Ok(())
        } else {
            Err("not available in this binary".into())
        }
    };
    vec![
        alternate(
            ctx,
            Row::new(
                "agent",
                format!("logs --after, nothing new ({n} tasks)"),
                "ms",
            )
            .budget(Budget::AtMost(10.0))
            .note("the cursor of `taskmux mark`: one stat and a short read per task"),
            |b| {
                needs(b, "mark")?;
                running_world(b, n)
            },
            |b, (sb, _), _| {
                let (_, o) = sb.timed(b, &["mark"])?;
                let cursor = String::from_utf8_lossy(&o.stdout).trim().to_string();
                Ok(sb.timed(b, &["logs", "--after", &cursor])?.0)
            },
        ),
        alternate(
            ctx,
            Row::new("agent", format!("why ({n} tasks running)"), "ms")
                .budget(Budget::AtMost(30.0)),
            |b| {
                needs(b, "why")?;
                running_world(b, n)
            },
            |b, (sb, names), _| Ok(sb.timed(b, &["why", &names[n / 2]])?.0),
        ),
        alternate(
            ctx,
            Row::new("agent", "wait --for log:RE returns after the line", "ms")
                .budget(Budget::AtMost(100.0))
                .note("from tmux send-keys of the line into a `cat` task to the wait's exit"),
            |b| {
                needs(b, "why")?;
                let sb = Sandbox::new("bench")?;
                sb.config("name = \"bench\"\n[tasks.echo]\ncommand = \"cat\"\n")?;
                sb.timed(b, &["start"])?;
                sb.wait_running(&["echo".to_string()], Duration::from_secs(10))?;
                Ok(sb)
            },
            |b, sb, run| {
                let (_, o) = sb.timed(b, &["mark"])?;
                let cursor = String::from_utf8_lossy(&o.stdout).trim().to_string();
                let line = format!("ping-{run}");
                let re = format!("log:^{line}$");
                let mut child = sb
                    .cmd(
                        b,
                        &[
                            "wait", "echo", "--for", &re, "--after", &cursor, "-t", "10s",
                        ],
                    )
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .map_err(err("spawn wait"))?;
                std::thread::sleep(Duration::from_millis(150));
                let t = Instant::now();
                sb.tmux(&["send-keys", "-t", "bench:echo", &line, "Enter"])?;
                let status = child.wait().map_err(err("wait"))?;
                if !status.success() {
                    return Err(format!("wait --for log exited {status:?}"));
                }
                Ok(t.elapsed().as_secs_f64() * 1e3)
            },
        ),
    ]
}
