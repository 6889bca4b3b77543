//! Scenarios of the benchmark that measure how costs grow: `health` of a running
//! stack, the N-task scale runs (start, status, inspect, health, stop of all), and
//! the daemon at scale (idle CPU, WebSocket status while a stop of all is under way,
//! one-shot WebSocket clients). Included by bench.rs (`#[path]`), sharing its helpers.

use super::*;

/// `health` with the bench's running world.
pub fn health(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    vec![alternate(
        ctx,
        Row::new("health", format!("health ({n} running, no probes)"), "ms")
            .budget(Budget::AtMost(30.0))
            .note("every task probed once, concurrently (a process probe each)"),
        |b| {
            let w = running_world(b, n)?;
            let _ = w.0.cmd(b, &["health"]).output();
            Ok(w)
        },
        |b, (sb, _), _| Ok(sb.timed(b, &["health"])?.0),
    )]
}

/// The scale runs: N sleep tasks, no probes, no daemon.
pub fn scale(ctx: &Ctx) -> Vec<Row> {
    let sizes = ctx.size.scale;
    let biggest = *sizes.last().unwrap_or(&0);
    let mut rows = Vec::new();
    for &n in sizes {
        let budget = |ms: f64| (n == biggest && !ctx.args.smoke).then_some(Budget::AtMost(ms));
        let row = |op: &str, b: Option<Budget>| {
            let r = Row::new("scale", format!("scale: {op} ({n} tasks)"), "ms");
            match b {
                Some(b) => r.budget(b),
                None => r,
            }
        };
        let measured = scale_measure(ctx, n);
        let ops = [
            ("start", budget(1500.0)),
            ("status", budget(25.0)),
            ("inspect", None),
            ("health", budget(100.0)),
            ("stop all", budget(1000.0)),
        ];
        match measured {
            Ok(samples) => {
                for ((op, b), s) in ops.into_iter().zip(samples) {
                    rows.push(row(op, b).samples(s));
                }
            }
            Err(e) => {
                for (op, b) in ops {
                    rows.push(row(op, b).fail(e.clone()));
                }
            }
        }
    }
    rows
}

/// Samples of start, status, inspect, health, stop for `n` tasks.
fn scale_measure(ctx: &Ctx, n: usize) -> R<Vec<Vec<f64>>> {
    let runs = ctx.runs.min(3);
    let sb = Sandbox::new("bench")?;
    let names = task_names("t", n);
    sb.config(&config_tasks("bench", &names))?;
    let mut out = vec![Vec::new(); 5];
    for _ in 0..runs {
        sb.reset();
        out[0].push(sb.timed(&ctx.a, &["start"])?.0);
        sb.wait_running(&names, Duration::from_secs(60))?;
        // Let every pane exec its command.
        std::thread::sleep(Duration::from_millis(300));
        for _ in 0..3 {
            out[1].push(sb.timed(&ctx.a, &["status"])?.0);
            out[2].push(sb.timed(&ctx.a, &["inspect", &names[n / 2]])?.0);
            out[3].push(sb.timed(&ctx.a, &["health"])?.0);
        }
        out[4].push(sb.timed(&ctx.a, &["stop"])?.0);
        let left = sb.running(&names);
        if left > 0 {
            return Err(format!("{left} tasks still running after stop"));
        }
    }
    Ok(out)
}

/// The daemon with the largest scale size: idle CPU without probes, WebSocket
/// status while every task is being stopped, and one-shot clients.
pub fn scale_daemon(ctx: &Ctx) -> Vec<Row> {
    let n = *ctx.size.scale.last().unwrap_or(&1);
    let smoke = ctx.args.smoke;
    let b = |v: f64| Budget::AtMost(v);
    let rows = vec![
        Row::new(
            "scale-daemon",
            format!("daemon: idle CPU ({n} tasks, no probes)"),
            "%",
        )
        .budget(b(2.0)),
        Row::new(
            "scale-daemon",
            format!("daemon: ws status p99 during stop of all {n}"),
            "ms",
        )
        .budget(b(20.0))
        .note("a second client asks status back to back while a first one's stop runs"),
        Row::new(
            "scale-daemon",
            "daemon: ws connect + status + close p50",
            "ms",
        )
        .budget(b(5.0)),
        Row::new(
            "scale-daemon",
            "daemon: ws connect + status + close p99",
            "ms",
        ),
        Row::new(
            "scale-daemon",
            "daemon: ws inspect p50 (one connection)",
            "ms",
        )
        .budget(b(2.0)),
    ];
    let rows: Vec<Row> = if smoke {
        rows.into_iter()
            .map(|r| match r.budget {
                Some(_) => Row { budget: None, ..r },
                None => r,
            })
            .collect()
    } else {
        rows
    };
    match scale_daemon_measure(ctx, n) {
        Ok(values) => rows
            .into_iter()
            .zip(values)
            .map(|(r, v)| r.result(v))
            .collect(),
        Err(e) => rows.into_iter().map(|r| r.fail(e.clone())).collect(),
    }
}

/// Start a daemon in `sb` on a free port; its pid and port.
pub fn spawn_daemon(ctx: &Ctx, sb: &mut Sandbox) -> R<(u32, u16)> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(err("free port"))?
        .port();
    let log = std::fs::File::create(sb.dir.path().join("daemon.log")).map_err(err("log"))?;
    let mut c = sb.cmd(&ctx.a, &["daemon", "--port", &port.to_string()]);
    c.stdout(log.try_clone().map_err(err("log"))?).stderr(log);
    let child = c.spawn().map_err(err("spawn daemon"))?;
    let pid = child.id();
    sb.daemons.push(child);
    let end = Instant::now() + Duration::from_secs(15);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > end {
            let log = std::fs::read_to_string(sb.dir.path().join("daemon.log")).unwrap_or_default();
            return Err(format!("daemon did not listen on {port}: {log}"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok((pid, port))
}

/// connect, one status request, a clean close (waiting for the server's end).
fn ws_once(port: u16) -> R<f64> {
    let t = Instant::now();
    let mut ws = ws_connect(port)?;
    ws_request(&mut ws, 1, "status", json!({}))?;
    ws.close(None).map_err(err("ws close"))?;
    while ws.read().is_ok() {}
    Ok(t.elapsed().as_secs_f64() * 1e3)
}

fn scale_daemon_measure(ctx: &Ctx, n: usize) -> R<Vec<R<Vec<f64>>>> {
    let (mut sb, names) = running_world(&ctx.a, n)?;
    let (pid, port) = spawn_daemon(ctx, &mut sb)?;
    let mut out = Vec::new();
    // Let the daemon adopt everything, then idle.
    std::thread::sleep(Duration::from_millis(1000));
    let idle = (|| -> R<f64> {
        let secs = ctx.size.idle_secs;
        let t0 = proc_ticks(pid)?;
        let start = Instant::now();
        std::thread::sleep(Duration::from_secs(secs));
        let t1 = proc_ticks(pid)?;
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        Ok((t1 - t0) as f64 / hz / start.elapsed().as_secs_f64() * 100.0)
    })();
    out.push(idle.map(|v| vec![v]));

    let once = (|| -> R<Vec<f64>> {
        let _ = ws_once(port)?;
        (0..ctx.size.ws_requests.min(200))
            .map(|_| ws_once(port))
            .collect()
    })();
    let inspect = (|| -> R<Vec<f64>> {
        let mut ws = ws_connect(port)?;
        let task = &names[n / 2];
        let mut v = Vec::new();
        for i in 0..ctx.size.ws_requests.min(200) {
            let t = Instant::now();
            ws_request(&mut ws, i as u64, "inspect", json!({"task": task}))?;
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
        Ok(v)
    })();

    // status while a stop of everything runs.
    let during = (|| -> R<Vec<f64>> {
        let mut stopper = ws_connect(port)?;
        let mut asker = ws_connect(port)?;
        ws_request(&mut asker, 0, "status", json!({}))?;
        ws_send(
            &mut stopper,
            &json!({"id": 1, "command": "stop", "params": {"end_session": false}}),
        )?;
        let stop_done = std::thread::spawn(move || -> R<()> {
            loop {
                let v = ws_next(&mut stopper)?;
                if v["id"] == json!(1) {
                    return Ok(());
                }
            }
        });
        let mut v = Vec::new();
        let mut i = 1;
        while !stop_done.is_finished() || v.len() < 20 {
            let t = Instant::now();
            ws_request(&mut asker, i, "status", json!({}))?;
            v.push(t.elapsed().as_secs_f64() * 1e3);
            i += 1;
            std::thread::sleep(Duration::from_millis(2));
        }
        stop_done
            .join()
            .map_err(|_| "stopper panicked".to_string())??;
        Ok(v)
    })();
    out.push(during.map(|v| vec![percentile(&v, 99.0)]));
    push_p50_p99(&mut out, once);
    out.push(inspect.map(|v| vec![percentile(&v, 50.0)]));
    drop(sb);
    Ok(out)
}
