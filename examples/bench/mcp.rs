//! The MCP scenario: `taskmux mcp` over stdio with a minimal line-delimited
//! JSON-RPC client — initialize after spawn, the `status` tool with N running
//! tasks (local and through the daemon), kill -9 → pushed notification, the
//! automatic restart pushed, and the idle server's RSS. Included by bench.rs.

use super::*;
use std::io::{BufRead, BufReader, Write};
use std::sync::mpsc;

/// One `taskmux mcp` child and its stdout lines.
struct Mcp {
    child: Child,
    stdin: std::process::ChildStdin,
    lines: mpsc::Receiver<(Instant, Value)>,
    next_id: u64,
}

impl Mcp {
    fn spawn(sb: &Sandbox, bin: &Bin) -> R<Mcp> {
        let mut c = sb.cmd(bin, &["mcp"]);
        c.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn().map_err(err("spawn taskmux mcp"))?;
        let stdin = child.stdin.take().ok_or("no stdin")?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    if tx.send((Instant::now(), v)).is_err() {
                        return;
                    }
                }
            }
        });
        Ok(Mcp {
            child,
            stdin,
            lines,
            next_id: 1,
        })
    }

    fn send(&mut self, v: Value) -> R<()> {
        writeln!(self.stdin, "{v}").map_err(err("write to taskmux mcp"))
    }

    /// Send a request, return its result and the ms it took.
    fn request(&mut self, method: &str, params: Value) -> R<(Value, f64)> {
        let id = self.next_id;
        self.next_id += 1;
        let t = Instant::now();
        self.send(json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))?;
        loop {
            let (at, v) = self
                .lines
                .recv_timeout(Duration::from_secs(30))
                .map_err(|_| format!("no answer to {method}"))?;
            if v["id"] == json!(id) {
                if !v["error"].is_null() {
                    return Err(format!("{method}: {}", v["error"]));
                }
                return Ok((v["result"].clone(), (at - t).as_secs_f64() * 1e3));
            }
        }
    }

    fn initialize(&mut self) -> R<f64> {
        let (_, ms) = self.request(
            "initialize",
            json!({"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}),
        )?;
        self.send(json!({"jsonrpc": "2.0", "method": "notifications/initialized"}))?;
        Ok(ms)
    }

    /// The first pushed message matching `want` within `limit`, and when it came.
    fn pushed(&mut self, limit: Duration, want: impl Fn(&Value) -> bool) -> R<(Instant, Value)> {
        let end = Instant::now() + limit;
        loop {
            let left = end.saturating_duration_since(Instant::now());
            let (at, v) = self
                .lines
                .recv_timeout(left)
                .map_err(|_| "no such notification".to_string())?;
            if v["id"].is_null() && want(&v) {
                return Ok((at, v));
            }
        }
    }
}

impl Drop for Mcp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kib(pid: u32) -> R<f64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).map_err(err("status"))?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .ok_or_else(|| "no VmRSS".into())
}

fn event_notice(v: &Value, event: &str, task: &str) -> bool {
    v["method"] == "notifications/message"
        && v["params"]["data"]["event"] == event
        && v["params"]["data"]["task"] == task
}

pub fn mcp(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    let b = |v: f64| Budget::AtMost(v);
    let mut rows = vec![
        alternate(
            ctx,
            Row::new("mcp", "mcp: initialize answered after spawn", "ms").budget(b(50.0)),
            |bin| {
                if !bin.has("mcp") {
                    return Err("not available in this binary".into());
                }
                let sb = Sandbox::new("bench")?;
                sb.config(&config_tasks("bench", &task_names("t", n)))?;
                Ok(sb)
            },
            |bin, sb, _| Mcp::spawn(sb, bin)?.initialize(),
        ),
        alternate(
            ctx,
            Row::new("mcp", "mcp: idle server RSS", "MB").budget(b(10.0)),
            |bin| {
                if !bin.has("mcp") {
                    return Err("not available in this binary".into());
                }
                let sb = Sandbox::new("bench")?;
                sb.config(&config_tasks("bench", &task_names("t", n)))?;
                Ok(sb)
            },
            |bin, sb, _| {
                let mut m = Mcp::spawn(sb, bin)?;
                m.initialize()?;
                m.request("tools/list", json!({}))?;
                std::thread::sleep(Duration::from_millis(500));
                Ok(rss_kib(m.child.id())? / 1024.0)
            },
        ),
    ];
    let calls = if ctx.args.smoke { 20 } else { 500 };
    for (label, with_daemon) in [("no daemon", false), ("through the daemon", true)] {
        let samples = (|| -> R<Vec<f64>> {
            let (mut sb, _) = running_world(&ctx.a, n)?;
            if with_daemon {
                scale::spawn_daemon(ctx, &mut sb)?;
            }
            let mut m = Mcp::spawn(&sb, &ctx.a)?;
            m.initialize()?;
            let mut v = Vec::new();
            for i in 0..calls + 20 {
                let (r, ms) =
                    m.request("tools/call", json!({"name": "status", "arguments": {}}))?;
                if r["structuredContent"]["tasks"]
                    .as_array()
                    .map_or(0, Vec::len)
                    != n
                {
                    return Err(format!("status has not {n} tasks: {r}"));
                }
                if i >= 20 {
                    v.push(ms);
                }
            }
            Ok(v)
        })();
        let mut pair = Vec::new();
        push_p50_p99(&mut pair, samples);
        let mut pair = pair.into_iter();
        rows.push(
            Row::new(
                "mcp",
                format!("mcp: status tool p50 ({n} tasks, {label})"),
                "ms",
            )
            .budget(b(5.0))
            .result(pair.next().unwrap()),
        );
        rows.push(
            Row::new(
                "mcp",
                format!("mcp: status tool p99 ({n} tasks, {label})"),
                "ms",
            )
            .budget(b(15.0))
            .result(pair.next().unwrap()),
        );
    }
    let pushes = push_times(ctx);
    let mut pushes = pushes.into_iter();
    rows.push(
        Row::new("mcp", "mcp: kill -9 → exited notification p99", "ms")
            .budget(b(50.0))
            .note("the daemon MCP start brought up sees the pane die; one event, pushed")
            .result(pushes.next().unwrap()),
    );
    rows.push(
        Row::new(
            "mcp",
            "mcp: automatic restart pushed, after its backoff",
            "ms",
        )
        .budget(b(50.0))
        .note("kill → `started automatic` notification, minus the restarting event's delay_ms")
        .result(pushes.next().unwrap()),
    );
    rows
}

/// Samples of kill -9 → exited notice, and of restart notice − backoff.
fn push_times(ctx: &Ctx) -> Vec<R<Vec<f64>>> {
    let r = (|| -> R<(Vec<f64>, Vec<f64>)> {
        let sb = Sandbox::new("bench")?;
        sb.config(
            "name = \"bench\"\n[tasks.w]\ncommand = \"sleep 1000000\"\nrestart_policy = \"always\"\n",
        )?;
        let mut m = Mcp::spawn(&sb, &ctx.a)?;
        m.initialize()?;
        m.request("tools/call", json!({"name": "start", "arguments": {}}))?;
        let mut exits = Vec::new();
        let mut restarts = Vec::new();
        let rounds = if ctx.args.smoke { 1 } else { ctx.runs.max(10) };
        for _ in 0..rounds {
            let (st, _) = m.request("tools/call", json!({"name": "status", "arguments": {}}))?;
            let pid = st["structuredContent"]["tasks"][0]["pid"]
                .as_u64()
                .ok_or_else(|| format!("no pid: {st}"))?;
            // Nothing older is waiting: drain.
            while m.lines.try_recv().is_ok() {}
            let t = Instant::now();
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            let (at, _) = m.pushed(Duration::from_secs(5), |v| event_notice(v, "exited", "w"))?;
            exits.push((at - t).as_secs_f64() * 1e3);
            let (_, restarting) = m.pushed(Duration::from_secs(5), |v| {
                event_notice(v, "restarting", "w")
            })?;
            let delay = restarting["params"]["data"]["delay_ms"]
                .as_f64()
                .unwrap_or(0.0);
            let (at, _) = m.pushed(Duration::from_secs(90), |v| {
                event_notice(v, "started", "w") && v["params"]["data"]["automatic"] == true
            })?;
            restarts.push((at - t).as_secs_f64() * 1e3 - delay);
            // Let the restart counter not grow the backoff past a few seconds.
            m.request(
                "tools/call",
                json!({"name": "restart", "arguments": {"task": "w"}}),
            )?;
        }
        Ok((exits, restarts))
    })();
    match r {
        Ok((e, s)) => vec![Ok(vec![percentile(&e, 99.0)]), Ok(s)],
        Err(e) => vec![Err(e.clone()), Err(e)],
    }
}
