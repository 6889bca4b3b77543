//! The dashboard scenario: the embedded page's size, and in headless chromium
//! (examples/bench/dashboard.mjs, tests/node's playwright-core) navigation →
//! usable with N tasks, kill -9 → row updated, and the page's responsiveness and
//! DOM size while every task prints 100 lines/s. Included by bench.rs.

use super::*;

fn flood_config(n: usize) -> String {
    let mut s = String::from("name = \"bench\"\n");
    for name in task_names("f", n) {
        s.push_str(&format!(
            "[tasks.{name}]\ncommand = \"while true; do for i in 1 2 3 4 5 6 7 8 9 10; do echo {name} line $i; done; sleep 0.1; done\"\nrestart_policy = \"always\"\n"
        ));
    }
    s
}

pub fn dashboard(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    let b = |v: f64| Budget::AtMost(v);
    let size = Row::new("dashboard", "dashboard: page + assets", "KB")
        .budget(b(150.0))
        .samples(vec![taskmux::dashboard::size() as f64 / 1024.0]);
    let rows = [
        Row::new(
            "dashboard",
            format!("dashboard: navigation → usable ({n} tasks)"),
            "ms",
        )
        .budget(b(300.0)),
        Row::new("dashboard", "dashboard: kill -9 → row updated", "ms")
            .budget(b(100.0))
            .note("an upper bound of event → row: includes the daemon noticing the death"),
        Row::new(
            "dashboard",
            format!("dashboard: page answers while {n} tasks print 100 lines/s (p99)"),
            "ms",
        )
        .budget(b(100.0)),
        Row::new(
            "dashboard",
            "dashboard: log lines kept in the page (max)",
            "lines",
        )
        .budget(b(2000.0)),
    ];
    if !std::path::Path::new("/usr/bin/chromium").exists()
        || !Path::new("tests/node/node_modules/playwright-core").exists()
    {
        let why =
            "needs /usr/bin/chromium and tests/node's packages (./tests/run.sh installs them)";
        return std::iter::once(size)
            .chain(rows.into_iter().map(|r| r.skip(why)))
            .collect();
    }
    let measured = (|| -> R<Value> {
        let mut sb = Sandbox::new("bench")?;
        sb.config(&flood_config(n))?;
        let (_, port) = scale::spawn_daemon(ctx, &mut sb)?;
        sb.wait_running(&task_names("f", n), Duration::from_secs(30))?;
        let mut c = Command::new("node");
        c.arg("examples/bench/dashboard.mjs")
            .env("PORT", port.to_string())
            .env("TASKS", n.to_string())
            .env("RUNS", ctx.runs.min(10).to_string())
            .env("FLOOD_SECS", if ctx.args.smoke { "2" } else { "60" })
            .env("TASKMUX_BIN", &ctx.a.path);
        sb.env(&mut c);
        c.current_dir(std::env::current_dir().map_err(err("cwd"))?)
            .env("TMPDIR", sb.dir.path())
            .env("TASKMUX_CONFIG", sb.work.join("taskmux.toml"));
        let o = c.output().map_err(err("node"))?;
        if !o.status.success() {
            return Err(format!(
                "dashboard.mjs: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        serde_json::from_slice(&o.stdout).map_err(err("dashboard.mjs output"))
    })();
    let nums = |v: &Value, k: &str| -> Vec<f64> {
        v[k].as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_f64)
            .collect()
    };
    let mut out = vec![size];
    match measured {
        Ok(v) => {
            let [usable, kill, lag, lines] = rows;
            out.push(usable.samples(nums(&v, "usable_ms")));
            out.push(kill.samples(nums(&v, "kill_to_row_ms")));
            let l = nums(&v, "eval_lag_ms");
            out.push(lag.samples(vec![percentile(&l, 99.0)]));
            out.push(lines.samples(vec![v["max_log_lines"].as_f64().unwrap_or(f64::NAN)]));
        }
        Err(e) => out.extend(rows.into_iter().map(|r| r.fail(e.clone()))),
    }
    out
}
