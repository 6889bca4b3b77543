//! taskmux benchmark suite (issue 6). Results and budgets: docs/performance.md.
//!
//! ```text
//! cargo build --release
//! cargo run --release --example bench -- --smoke            # CI: tiny sizes, 1 run, < 60 s
//! cargo run --release --example bench                       # full: 10 runs per scenario
//! cargo run --release --example bench -- --runs 5 --only status,logs-tail --json
//! cargo run --release --example bench -- --compare target/py-taskmux/bin/taskmux
//! ```
//!
//! It drives a real binary (`target/release/taskmux`, or `--bin PATH`) as a
//! separate process against a private tmux server: every scenario gets its own
//! temp dir with `TMUX_TMPDIR`, `TASKMUX_STATE_DIR` and `HOME` inside it, and
//! everything it started is killed afterwards. Whole-process figures are wall
//! times measured from this program (fork + exec + run + exit). `--compare`
//! runs the whole-process scenarios against a second binary too, alternating
//! A, B, A, B … so that load on a shared machine hits both alike.
//!
//! Scenarios that need a subcommand the binary lacks (`daemon`, `watch`) are
//! skipped with "not available in this binary". `--smoke` asserts nothing about
//! time and exits 0 when every scenario ran (or was skipped as unavailable).

use clap::Parser;
use serde_json::{json, Value};
use std::io::{BufWriter, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug, Parser)]
#[command(name = "bench", about = "taskmux benchmark suite")]
struct Args {
    /// Runs per scenario (default 10; 1 with --smoke).
    #[arg(long)]
    runs: Option<usize>,
    /// Tiny sizes, one run, no time assertions; exit 0 when every scenario ran.
    #[arg(long)]
    smoke: bool,
    /// Another taskmux binary to compare against (e.g. the Python original).
    #[arg(long, value_name = "PATH")]
    compare: Option<PathBuf>,
    /// Only these scenarios (comma-separated): baseline, status, inspect, start,
    /// chain, stop, restart, logs-tail, logs-grep, sink, watch, daemon, health,
    /// scale, scale-daemon, mcp, dashboard, agent.
    #[arg(long, value_name = "SCENARIO", value_delimiter = ',')]
    only: Vec<String>,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    json: bool,
    /// The taskmux binary under test.
    #[arg(long, value_name = "PATH", default_value = "target/release/taskmux")]
    bin: PathBuf,
}

const SCENARIOS: &[&str] = &[
    "baseline",
    "status",
    "inspect",
    "start",
    "chain",
    "stop",
    "restart",
    "logs-tail",
    "logs-grep",
    "sink",
    "watch",
    "daemon",
    "health",
    "scale",
    "scale-daemon",
    "mcp",
    "dashboard",
    "agent",
];

#[path = "bench/scale.rs"]
mod scale;

#[path = "bench/mcp.rs"]
mod mcp;

#[path = "bench/dashboard.rs"]
mod dashboard;

#[path = "bench/agent.rs"]
mod agent;

/// Problem sizes; `--smoke` shrinks them.
#[derive(Clone, Copy)]
struct Sizes {
    tasks: usize,
    chain: usize,
    log_mb: u64,
    grep_tasks: usize,
    grep_lines: usize,
    sink_mb: u64,
    ws_requests: usize,
    ws_clients: usize,
    ws_per_client: usize,
    idle_secs: u64,
    /// Task counts of the scale runs (the last one also runs a daemon).
    scale: &'static [usize],
}

const FULL: Sizes = Sizes {
    tasks: 20,
    chain: 5,
    log_mb: 100,
    grep_tasks: 10,
    grep_lines: 5000,
    sink_mb: 200,
    ws_requests: 1000,
    ws_clients: 100,
    ws_per_client: 10,
    idle_secs: 10,
    scale: &[20, 100, 200],
};

const SMOKE: Sizes = Sizes {
    tasks: 3,
    chain: 2,
    log_mb: 1,
    grep_tasks: 2,
    grep_lines: 200,
    sink_mb: 2,
    ws_requests: 20,
    ws_clients: 4,
    ws_per_client: 3,
    idle_secs: 1,
    scale: &[3, 6],
};

type R<T> = Result<T, String>;

fn err<E: std::fmt::Display>(what: &str) -> impl FnOnce(E) -> String + '_ {
    move |e| format!("{what}: {e}")
}

// ---------------------------------------------------------------- binaries

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Kind {
    /// This Rust rewrite.
    Ours,
    /// The Python original (taskmux 0.2.7): logs live in tmux scrollback,
    /// durations are whole seconds.
    Original,
}

struct Bin {
    path: PathBuf,
    kind: Kind,
    help: String,
}

impl Bin {
    fn new(path: &Path) -> R<Bin> {
        let path = std::fs::canonicalize(path).map_err(err(&format!("{}", path.display())))?;
        let out = Command::new(&path)
            .arg("--help")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "200")
            .output()
            .map_err(err("running --help"))?;
        let help = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let kind = if help.contains("libtmux") || help.contains("--install-completion") {
            Kind::Original
        } else {
            Kind::Ours
        };
        Ok(Bin { path, kind, help })
    }

    /// Whether `help` lists this subcommand (clap or typer/rich layout).
    fn has(&self, sub: &str) -> bool {
        self.help.lines().any(|l| {
            l.trim_start_matches(|c: char| c.is_whitespace() || c == '│')
                .split_whitespace()
                .next()
                == Some(sub)
        })
    }
}

// ---------------------------------------------------------------- sandbox

/// A private world: tmux server, state dir, HOME, work dir with taskmux.toml.
struct Sandbox {
    dir: tempfile::TempDir,
    tmux_tmpdir: PathBuf,
    state: PathBuf,
    home: PathBuf,
    work: PathBuf,
    session: String,
    daemons: Vec<Child>,
}

impl Sandbox {
    fn new(session: &str) -> R<Sandbox> {
        let dir = tempfile::Builder::new()
            .prefix("tmxb")
            .tempdir_in("/tmp") // short: the tmux socket path must fit 108 bytes
            .map_err(err("tempdir"))?;
        let sb = Sandbox {
            tmux_tmpdir: dir.path().join("t"),
            state: dir.path().join("state"),
            home: dir.path().join("home"),
            work: dir.path().join("work"),
            dir,
            session: session.into(),
            daemons: Vec::new(),
        };
        for d in [&sb.tmux_tmpdir, &sb.state, &sb.home, &sb.work] {
            std::fs::create_dir_all(d).map_err(err("mkdir"))?;
        }
        // A session that outlives every scenario, so the tmux server's own
        // start-up is never part of a measurement (the user's server is
        // normally running already).
        let o = sb.tmux(&["new-session", "-d", "-s", "bench-keep", "sleep 1000000"])?;
        if !o.status.success() {
            return Err(format!(
                "tmux new-session: {}",
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok(sb)
    }

    fn config(&self, text: &str) -> R<()> {
        std::fs::write(self.work.join("taskmux.toml"), text).map_err(err("write config"))
    }

    fn env(&self, c: &mut Command) {
        c.env("TMUX_TMPDIR", &self.tmux_tmpdir)
            .env("TASKMUX_STATE_DIR", &self.state)
            .env("HOME", &self.home)
            .env("SHELL", "/bin/sh")
            .env("NO_COLOR", "1")
            .env("COLUMNS", "200")
            .env_remove("TMUX")
            .env_remove("TASKMUX_CONFIG")
            .env_remove("TASKMUX_TMUX_SOCKET")
            .env_remove("TASKMUX_TMUX_SOCKET_NAME")
            .env_remove("XDG_STATE_HOME")
            .current_dir(&self.work);
    }

    fn cmd(&self, bin: &Bin, args: &[&str]) -> Command {
        let mut c = Command::new(&bin.path);
        c.args(args).stdin(Stdio::null());
        self.env(&mut c);
        c
    }

    /// Run and time one whole taskmux process; a non-zero exit is an error.
    fn timed(&self, bin: &Bin, args: &[&str]) -> R<(f64, Output)> {
        let mut c = self.cmd(bin, args);
        let t = Instant::now();
        let o = c.output().map_err(err("spawn"))?;
        let ms = t.elapsed().as_secs_f64() * 1e3;
        if !o.status.success() {
            return Err(format!(
                "`taskmux {}` exited {:?}: {}{}",
                args.join(" "),
                o.status.code(),
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ));
        }
        Ok((ms, o))
    }

    fn tmux(&self, args: &[&str]) -> R<Output> {
        let mut c = Command::new("tmux");
        c.args(args);
        self.env(&mut c);
        c.output().map_err(err("tmux"))
    }

    /// (window name, pane dead, pane pid) of every window of the session.
    fn panes(&self) -> Vec<(String, bool, u32)> {
        let target = format!("={}", self.session);
        let Ok(o) = self.tmux(&[
            "list-panes",
            "-s",
            "-t",
            &target,
            "-F",
            "#{window_name} #{pane_dead} #{pane_pid}",
        ]) else {
            return Vec::new();
        };
        String::from_utf8_lossy(&o.stdout)
            .lines()
            .filter_map(|l| {
                let mut f = l.split(' ');
                Some((
                    f.next()?.to_string(),
                    f.next()? == "1",
                    f.next()?.parse().ok()?,
                ))
            })
            .collect()
    }

    /// Live panes among `names`.
    fn running(&self, names: &[String]) -> usize {
        self.panes()
            .iter()
            .filter(|(n, dead, _)| !dead && names.contains(n))
            .count()
    }

    /// Poll until `names` all have a live pane.
    fn wait_running(&self, names: &[String], limit: Duration) -> R<()> {
        let end = Instant::now() + limit;
        loop {
            let n = self.running(names);
            if n == names.len() {
                return Ok(());
            }
            if Instant::now() > end {
                return Err(format!("only {n} of {} tasks running", names.len()));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Kill every process of the session and the session itself.
    fn reset(&self) {
        for (_, _, pid) in self.panes() {
            for m in taskmux::process::session_processes(pid) {
                unsafe { libc::kill(m as i32, libc::SIGKILL) };
            }
        }
        let _ = self.tmux(&["kill-session", "-t", &format!("={}", self.session)]);
    }

    fn logs_dir(&self) -> PathBuf {
        self.state.join(&self.session).join("logs")
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        for d in &mut self.daemons {
            let _ = d.kill();
            let _ = d.wait();
        }
        if let Some(pid) = daemon_record(&self.state).map(|r| r.0) {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        let o = self.tmux(&["list-panes", "-a", "-F", "#{pane_pid}"]);
        if let Ok(o) = o {
            for pid in String::from_utf8_lossy(&o.stdout)
                .lines()
                .filter_map(|l| l.trim().parse::<u32>().ok())
            {
                for m in taskmux::process::session_processes(pid) {
                    unsafe { libc::kill(m as i32, libc::SIGKILL) };
                }
            }
        }
        let _ = self.tmux(&["kill-server"]);
        // What is left (log sinks, a daemon still writing its log) names this
        // sandbox in its arguments: end it, then remove the folder — again if
        // something wrote into it meanwhile.
        taskmux::process::clear_sandbox(self.dir.path(), Duration::from_secs(3));
    }
}

/// (pid, port) from `<state>/<session>/daemon.json`, if a daemon wrote one.
fn daemon_record(state: &Path) -> Option<(u32, Option<u16>)> {
    for e in std::fs::read_dir(state).ok()?.flatten() {
        if let Ok(text) = std::fs::read_to_string(e.path().join("daemon.json")) {
            if let Ok(v) = serde_json::from_str::<Value>(&text) {
                if let Some(pid) = v["pid"].as_u64() {
                    return Some((pid as u32, v["port"].as_u64().map(|p| p as u16)));
                }
            }
        }
    }
    None
}

fn task_names(prefix: &str, n: usize) -> Vec<String> {
    (0..n).map(|i| format!("{prefix}{i:02}")).collect()
}

/// `n` long-running tasks that exit on SIGINT (C-c).
fn config_tasks(session: &str, names: &[String]) -> String {
    let mut s = format!("name = \"{session}\"\n");
    for n in names {
        s.push_str(&format!("\n[tasks.{n}]\ncommand = \"sleep 300\"\n"));
    }
    s
}

// ---------------------------------------------------------------- results

#[derive(Clone, Copy)]
enum Budget {
    AtMost(f64),
    AtLeast(f64),
}

impl Budget {
    fn ok(self, v: f64) -> bool {
        match self {
            Budget::AtMost(b) => v <= b,
            Budget::AtLeast(b) => v >= b,
        }
    }
    fn show(self, unit: &str) -> String {
        match self {
            Budget::AtMost(b) => format!("≤ {} {unit}", num(b)),
            Budget::AtLeast(b) => format!("≥ {} {unit}", num(b)),
        }
    }
}

/// One line of the report.
struct Row {
    scenario: &'static str,
    name: String,
    unit: &'static str,
    /// Samples of the binary under test; empty when skipped or failed.
    samples: Vec<f64>,
    budget: Option<Budget>,
    /// Why there are no samples ("not available in this binary", an error).
    skipped: Option<String>,
    failed: bool,
    note: String,
    /// The compared binary: samples or why not.
    other: Option<Result<Vec<f64>, String>>,
}

impl Row {
    fn new(scenario: &'static str, name: impl Into<String>, unit: &'static str) -> Row {
        Row {
            scenario,
            name: name.into(),
            unit,
            samples: Vec::new(),
            budget: None,
            skipped: None,
            failed: false,
            note: String::new(),
            other: None,
        }
    }
    fn budget(mut self, b: Budget) -> Row {
        self.budget = Some(b);
        self
    }
    fn samples(mut self, s: Vec<f64>) -> Row {
        self.samples = s;
        self
    }
    fn note(mut self, n: impl Into<String>) -> Row {
        self.note = n.into();
        self
    }
    fn skip(mut self, why: impl Into<String>) -> Row {
        self.skipped = Some(why.into());
        self
    }
    fn fail(mut self, why: impl Into<String>) -> Row {
        self.skipped = Some(why.into());
        self.failed = true;
        self
    }
    fn result(self, r: R<Vec<f64>>) -> Row {
        match r {
            Ok(s) => self.samples(s),
            Err(e) => self.fail(e),
        }
    }
}

/// Two rows' values from one sample set: its p50 and p99 (or the error twice).
fn push_p50_p99(out: &mut Vec<R<Vec<f64>>>, samples: R<Vec<f64>>) {
    match samples {
        Ok(v) => {
            out.push(Ok(vec![percentile(&v, 50.0)]));
            out.push(Ok(vec![percentile(&v, 99.0)]));
        }
        Err(e) => {
            out.push(Err(e.clone()));
            out.push(Err(e));
        }
    }
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    let n = s.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn min(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::INFINITY, f64::min)
}

fn max(v: &[f64]) -> f64 {
    v.iter().copied().fold(f64::NEG_INFINITY, f64::max)
}

/// Nearest-rank percentile.
fn percentile(v: &[f64], p: f64) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(|a, b| a.total_cmp(b));
    if s.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * s.len() as f64).ceil() as usize;
    s[i.clamp(1, s.len()) - 1]
}

fn num(v: f64) -> String {
    if v.is_nan() {
        "-".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

// ---------------------------------------------------------------- runner

struct Ctx {
    args: Args,
    runs: usize,
    size: Sizes,
    a: Bin,
    b: Option<Bin>,
}

impl Ctx {
    fn bins(&self) -> Vec<&Bin> {
        let mut v = vec![&self.a];
        v.extend(self.b.as_ref());
        v
    }
}

/// Run a whole-process scenario for every binary, alternating A, B, A, B …
/// `setup` builds a world per binary (an Err means "n/a" for that binary);
/// `measure` returns one sample in ms.
fn alternate<W>(
    ctx: &Ctx,
    row: Row,
    setup: impl Fn(&Bin) -> R<W>,
    mut measure: impl FnMut(&Bin, &mut W, usize) -> R<f64>,
) -> Row {
    let bins = ctx.bins();
    let mut worlds: Vec<R<W>> = bins.iter().map(|b| setup(b)).collect();
    let mut samples: Vec<Vec<f64>> = vec![Vec::new(); bins.len()];
    for run in 0..ctx.runs {
        for (i, b) in bins.iter().enumerate() {
            let Ok(w) = &mut worlds[i] else { continue };
            match measure(b, w, run) {
                Ok(ms) => samples[i].push(ms),
                Err(e) => worlds[i] = Err(e),
            }
        }
    }
    let mut results = worlds.into_iter().zip(samples).map(|(w, s)| w.map(|_| s));
    let mut row = row.result(results.next().unwrap());
    if ctx.b.is_some() {
        row.other = results.next();
    }
    row
}

fn main() {
    let args = Args::parse();
    let runs = args.runs.unwrap_or(if args.smoke { 1 } else { 10 }).max(1);
    let size = if args.smoke { SMOKE } else { FULL };
    for o in &args.only {
        if !SCENARIOS.contains(&o.as_str()) {
            eprintln!("unknown scenario {o:?}; known: {}", SCENARIOS.join(", "));
            std::process::exit(2);
        }
    }
    let a = Bin::new(&args.bin).unwrap_or_else(|e| {
        eprintln!("{e} (build it with `cargo build --release`, or pass --bin PATH)");
        std::process::exit(2);
    });
    let b = args.compare.as_ref().map(|p| {
        Bin::new(p).unwrap_or_else(|e| {
            eprintln!("--compare: {e}");
            std::process::exit(2);
        })
    });
    let machine = machine_info(&a, b.as_ref());
    if !args.json {
        print_machine(&machine);
    }
    let ctx = Ctx {
        args,
        runs,
        size,
        a,
        b,
    };
    let started = Instant::now();
    let mut rows: Vec<Row> = Vec::new();
    for &sc in SCENARIOS {
        if !ctx.args.only.is_empty() && !ctx.args.only.iter().any(|o| o == sc) {
            continue;
        }
        if !ctx.args.json {
            eprintln!("… {sc}");
        }
        let t = Instant::now();
        let new = match sc {
            "baseline" => baseline(&ctx),
            "status" => status(&ctx, false),
            "inspect" => status(&ctx, true),
            "start" => start(&ctx),
            "chain" => chain(&ctx),
            "stop" => stop(&ctx),
            "restart" => restart(&ctx),
            "logs-tail" => logs_tail(&ctx),
            "logs-grep" => logs_grep(&ctx),
            "sink" => sink(&ctx),
            "watch" => watch(&ctx),
            "daemon" => daemon(&ctx),
            "health" => scale::health(&ctx),
            "scale" => scale::scale(&ctx),
            "scale-daemon" => scale::scale_daemon(&ctx),
            "mcp" => mcp::mcp(&ctx),
            "dashboard" => dashboard::dashboard(&ctx),
            "agent" => agent::agent(&ctx),
            _ => unreachable!(),
        };
        if !ctx.args.json {
            eprintln!("  {sc}: {:.1} s", t.elapsed().as_secs_f64());
        }
        rows.extend(new);
    }
    let failed = rows.iter().any(|r| r.failed);
    let loadavg_end = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    if ctx.args.json {
        let doc = json!({
            "machine": machine,
            "runs": ctx.runs,
            "smoke": ctx.args.smoke,
            "elapsed_s": started.elapsed().as_secs_f64(),
            "loadavg_end": loadavg_end.trim(),
            "ok": !failed,
            "results": rows.iter().map(|r| row_json(r, &ctx)).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap());
    } else {
        print_table(&rows, &ctx);
        println!(
            "\n{} run(s) per scenario, {:.0} s in all; load average at end: {}",
            ctx.runs,
            started.elapsed().as_secs_f64(),
            loadavg_end.trim()
        );
    }
    std::process::exit(if failed { 1 } else { 0 });
}

// ---------------------------------------------------------------- machine

fn first_line(cmd: &str, args: &[&str]) -> String {
    Command::new(cmd)
        .args(args)
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .unwrap_or("")
                .trim()
                .to_string()
        })
        .unwrap_or_default()
}

fn machine_info(a: &Bin, b: Option<&Bin>) -> Value {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split_once(':'))
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    json!({
        "date": first_line("date", &["-u", "+%Y-%m-%dT%H:%M:%SZ"]),
        "cores": first_line("nproc", &[]),
        "cpu": cpu,
        "kernel": first_line("uname", &["-r"]),
        "tmux": first_line("tmux", &["-V"]),
        "loadavg_start": std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim(),
        "binary": a.path.display().to_string(),
        "compare": b.map(|b| json!({"path": b.path.display().to_string(), "kind": format!("{:?}", b.kind)})),
    })
}

fn print_machine(m: &Value) {
    let s = |k: &str| m[k].as_str().unwrap_or("").to_string();
    println!(
        "machine: {} cores ({}), kernel {}, {}, load average {}",
        s("cores"),
        s("cpu"),
        s("kernel"),
        s("tmux"),
        s("loadavg_start")
    );
    println!("date:    {}", s("date"));
    println!("binary:  {}", s("binary"));
    if let Some(c) = m["compare"].as_object() {
        println!(
            "compare: {} ({})",
            c["path"].as_str().unwrap_or(""),
            c["kind"].as_str().unwrap_or("")
        );
    }
    println!();
}

// ---------------------------------------------------------------- output

fn verdict(r: &Row, ctx: &Ctx) -> &'static str {
    if r.failed {
        "FAILED"
    } else if r.skipped.is_some() {
        "skipped"
    } else if ctx.args.smoke {
        "ran"
    } else {
        match r.budget {
            Some(b) if b.ok(median(&r.samples)) => "ok",
            Some(_) => "MISSED",
            None => "",
        }
    }
}

fn print_table(rows: &[Row], ctx: &Ctx) {
    let cmp = ctx.b.is_some();
    let mut head = vec![
        "scenario", "median", "min", "max", "unit", "n", "budget", "verdict",
    ];
    if cmp {
        head.extend(["orig median", "orig/ours"]);
    }
    let mut table: Vec<Vec<String>> = vec![head.iter().map(|s| s.to_string()).collect()];
    let mut notes = Vec::new();
    for r in rows {
        let mut line = vec![r.name.clone()];
        if r.samples.is_empty() {
            line.extend(["-", "-", "-"].map(String::from));
        } else {
            line.push(num(median(&r.samples)));
            line.push(num(min(&r.samples)));
            line.push(num(max(&r.samples)));
        }
        line.push(r.unit.into());
        line.push(r.samples.len().to_string());
        line.push(r.budget.map(|b| b.show(r.unit)).unwrap_or_default());
        line.push(verdict(r, ctx).into());
        if cmp {
            match &r.other {
                Some(Ok(s)) if !s.is_empty() => {
                    let m = median(s);
                    line.push(num(m));
                    let ours = median(&r.samples);
                    line.push(if ours > 0.0 {
                        format!("{:.1}×", m / ours)
                    } else {
                        "-".into()
                    });
                }
                Some(Err(e)) => {
                    line.push("n/a".into());
                    line.push(String::new());
                    notes.push(format!("{}: original n/a: {e}", r.name));
                }
                _ => line.extend(["".into(), "".into()]),
            }
        }
        table.push(line);
        if let Some(why) = &r.skipped {
            let n = format!("{}: {why}", r.scenario);
            if !notes.contains(&n) {
                notes.push(n);
            }
        }
        if !r.note.is_empty() {
            notes.push(format!("{}: {}", r.name, r.note));
        }
    }
    let cols = table[0].len();
    let width: Vec<usize> = (0..cols)
        .map(|c| {
            table
                .iter()
                .map(|l| l[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    for (i, line) in table.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .enumerate()
            .map(|(c, s)| {
                let pad = width[c] - s.chars().count();
                if c == 0 || c == 4 || c == 6 || c == 7 {
                    format!("{s}{}", " ".repeat(pad))
                } else {
                    format!("{}{s}", " ".repeat(pad))
                }
            })
            .collect();
        println!("{}", cells.join("  ").trim_end());
        if i == 0 {
            println!(
                "{}",
                "-".repeat(width.iter().sum::<usize>() + 2 * (cols - 1))
            );
        }
    }
    if !notes.is_empty() {
        println!("\nnotes:");
        for n in notes {
            println!("  - {n}");
        }
    }
}

fn row_json(r: &Row, ctx: &Ctx) -> Value {
    let stats = |s: &[f64]| {
        if s.is_empty() {
            Value::Null
        } else {
            json!({"median": median(s), "min": min(s), "max": max(s), "n": s.len(), "samples": s})
        }
    };
    json!({
        "scenario": r.scenario,
        "name": r.name,
        "unit": r.unit,
        "stats": stats(&r.samples),
        "budget": r.budget.map(|b| match b {
            Budget::AtMost(v) => json!({"at_most": v}),
            Budget::AtLeast(v) => json!({"at_least": v}),
        }),
        "verdict": verdict(r, ctx),
        "skipped": r.skipped,
        "note": r.note,
        "compare": match &r.other {
            None => Value::Null,
            Some(Ok(s)) => json!({
                "stats": stats(s),
                "ratio_other_over_ours": if r.samples.is_empty() || s.is_empty() { Value::Null }
                    else { json!(median(s) / median(&r.samples)) },
            }),
            Some(Err(e)) => json!({"na": e}),
        },
    })
}

// ---------------------------------------------------------------- scenarios

/// What bounds the rest: fork+exec, our process start-up, one tmux round trip.
fn baseline(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    let mut rows = Vec::new();
    let spawn = (0..ctx.runs.max(5))
        .map(|_| {
            let t = Instant::now();
            Command::new("true").status().map_err(err("true"))?;
            Ok(t.elapsed().as_secs_f64() * 1e3)
        })
        .collect::<R<Vec<f64>>>();
    rows.push(Row::new("baseline", "spawn `true`", "ms").result(spawn));
    rows.push(alternate(
        ctx,
        Row::new("baseline", "startup (--version/--help)", "ms")
            .note("process start-up alone (the original has no --version: --help)"),
        |_| Sandbox::new("bench"),
        |b, sb, _| {
            let arg = if b.kind == Kind::Ours {
                "--version"
            } else {
                "--help"
            };
            Ok(sb.timed(b, &[arg])?.0)
        },
    ));
    let r = (|| {
        let sb = Sandbox::new("bench")?;
        let names = task_names("t", n);
        sb.config(&config_tasks("bench", &names))?;
        sb.timed(&ctx.a, &["start"])?;
        sb.wait_running(&names, Duration::from_secs(10))?;
        let mut v = Vec::new();
        for _ in 0..ctx.runs.max(5) {
            let t = Instant::now();
            let o = sb.tmux(&[
                "list-panes",
                "-s",
                "-t",
                "=bench",
                "-F",
                "#{window_name} #{pane_dead} #{pane_pid}",
            ])?;
            v.push(t.elapsed().as_secs_f64() * 1e3);
            if !o.status.success() {
                return Err("list-panes failed".into());
            }
        }
        Ok(v)
    })();
    rows.push(
        Row::new("baseline", format!("tmux list-panes ({n} tasks)"), "ms")
            .note("one tmux client round trip")
            .result(r),
    );
    rows
}

/// A world with `n` running tasks.
fn running_world(bin: &Bin, n: usize) -> R<(Sandbox, Vec<String>)> {
    let sb = Sandbox::new("bench")?;
    let names = task_names("t", n);
    sb.config(&config_tasks("bench", &names))?;
    sb.timed(bin, &["start"])?;
    sb.wait_running(&names, Duration::from_secs(20))?;
    Ok((sb, names))
}

fn status(ctx: &Ctx, inspect: bool) -> Vec<Row> {
    let n = ctx.size.tasks;
    let (sc, name) = if inspect {
        ("inspect", format!("inspect ({n} running)"))
    } else {
        ("status", format!("status ({n} running)"))
    };
    let row = Row::new(sc, name, "ms").budget(Budget::AtMost(15.0));
    let mut rows = vec![alternate(
        ctx,
        row,
        |b| {
            let w = running_world(b, n)?;
            // One unmeasured warm-up run (page cache, tmux server).
            let _ = w.0.cmd(b, &[sc, "t01"]).output();
            Ok(w)
        },
        |b, (sb, names), _| {
            let args: Vec<&str> = if inspect {
                vec!["inspect", &names[n / 2]]
            } else {
                vec!["status"]
            };
            Ok(sb.timed(b, &args)?.0)
        },
    )];
    if !inspect {
        rows.push(alternate(
            ctx,
            Row::new("status", format!("status --json ({n} running)"), "ms")
                .budget(Budget::AtMost(15.0)),
            |b| {
                if b.kind == Kind::Original {
                    return Err("the original has no --json".into());
                }
                running_world(b, n)
            },
            |b, (sb, _), _| Ok(sb.timed(b, &["status", "--json"])?.0),
        ));
    }
    rows
}

fn start(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    vec![alternate(
        ctx,
        Row::new("start", format!("start {n} tasks"), "ms")
            .budget(Budget::AtMost(300.0))
            .note("wall time of `start`; afterwards every pane is checked to be alive"),
        |_| {
            let sb = Sandbox::new("bench")?;
            let names = task_names("t", n);
            sb.config(&config_tasks("bench", &names))?;
            Ok((sb, names))
        },
        |b, (sb, names), _| {
            sb.reset();
            let ms = sb.timed(b, &["start"])?.0;
            sb.wait_running(names, Duration::from_secs(10))?;
            Ok(ms)
        },
    )]
}

fn chain(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.chain;
    // The issue's budget: 0.3 s per task + 0.25 s (1.75 s for 5).
    let budget = 300.0 * n as f64 + 250.0;
    let total = alternate(
        ctx,
        Row::new("chain", format!("dependency chain of {n} (0.3 s each)"), "ms")
            .budget(Budget::AtMost(budget))
            .note(format!(
                "`start` until the last task's pane is alive; each task becomes healthy 0.3 s after it starts \
                 (health_check `test -f`), so {:.1} s is the floor; ours probes a dependency that is not ready every 10 ms, \
                 the original only accepts whole-second health_interval (1 s)",
                0.3 * (n as f64 - 1.0)
            )),
        |b| {
            let sb = Sandbox::new("bench")?;
            let interval = if b.kind == Kind::Ours { "\"100ms\"" } else { "1" };
            let mut cfg = "name = \"bench\"\n".to_string();
            for i in 0..n {
                let ready = sb.work.join(format!("ready{i}"));
                let ready = ready.display();
                cfg.push_str(&format!(
                    "\n[tasks.c{i}]\ncommand = \"sleep 0.3; touch {ready}; sleep 300\"\n\
                     health_check = \"test -f {ready}\"\nhealth_interval = {interval}\n\
                     health_retries = 20\n"
                ));
                if i > 0 {
                    cfg.push_str(&format!("depends_on = [\"c{}\"]\n", i - 1));
                }
            }
            sb.config(&cfg)?;
            Ok(sb)
        },
        |b, sb, _| {
            sb.reset();
            for i in 0..n {
                let _ = std::fs::remove_file(sb.work.join(format!("ready{i}")));
            }
            let last = vec![format!("c{}", n - 1)];
            let t = Instant::now();
            sb.timed(b, &["start"])?;
            sb.wait_running(&last, Duration::from_secs(60))?;
            Ok(t.elapsed().as_secs_f64() * 1e3)
        },
    );
    // Each dependency -> dependent link: what the chain takes beyond its floor
    // (every task is ready 0.3 s after it starts; the last one is timed until its
    // pane is alive), per link.
    let floor = 300.0 * (n as f64 - 1.0);
    let links = (n.max(2) - 1) as f64;
    let gap =
        |v: &[f64]| -> Vec<f64> { v.iter().map(|t| ((t - floor) / links).max(0.0)).collect() };
    let mut link = Row::new("chain", format!("chain: link gap ({n} tasks)"), "ms")
        .budget(Budget::AtMost(25.0))
        .note("(chain - 0.3 s x links) / links: the delay between a dependency turning healthy and its dependent starting, plus start-up costs");
    link.samples = gap(&total.samples);
    link.other = total
        .other
        .as_ref()
        .map(|o| o.as_ref().map(|v| gap(v)).map_err(|e| e.clone()));
    if total.failed {
        link = link.fail(total.skipped.clone().unwrap_or_default());
    }
    vec![total, link]
}
fn stop(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    vec![alternate(
        ctx,
        Row::new("stop", format!("stop {n} tasks (exit on SIGINT)"), "ms")
            .budget(Budget::AtMost(500.0))
            .note("the original sleeps the whole stop_grace_period (5 s) + 1 s"),
        |_| {
            let sb = Sandbox::new("bench")?;
            let names = task_names("t", n);
            sb.config(&config_tasks("bench", &names))?;
            Ok((sb, names))
        },
        |b, (sb, names), _| {
            sb.reset();
            sb.timed(b, &["start"])?;
            sb.wait_running(names, Duration::from_secs(10))?;
            // Let every shell exec its command, so C-c hits the task itself.
            std::thread::sleep(Duration::from_millis(200));
            let ms = sb.timed(b, &["stop"])?.0;
            let left = sb.running(names);
            if left > 0 {
                return Err(format!("{left} tasks still running after stop"));
            }
            Ok(ms)
        },
    )]
}

fn restart(ctx: &Ctx) -> Vec<Row> {
    let n = ctx.size.tasks;
    vec![alternate(
        ctx,
        Row::new("restart", format!("restart 1 of {n} tasks"), "ms")
            .note("stop (C-c) + start of one task; its pane is checked to be alive"),
        |b| running_world(b, n),
        |b, (sb, names), _| {
            let name = names[n / 2].clone();
            let ms = sb.timed(b, &["restart", &name])?.0;
            sb.wait_running(&[name], Duration::from_secs(10))?;
            Ok(ms)
        },
    )]
}

/// A log line in the stored format: `<RFC 3339 ms>Z <text>`.
fn log_line(w: &mut impl Write, i: u64, text: &str) -> std::io::Result<()> {
    let ms = i % 1000;
    let s = i / 1000;
    writeln!(
        w,
        "2026-11-24T{:02}:{:02}:{:02}.{ms:03}Z {text}",
        (s / 3600) % 24,
        (s / 60) % 60,
        s % 60
    )
}

fn logs_tail(ctx: &Ctx) -> Vec<Row> {
    let mb = ctx.size.log_mb;
    vec![alternate(
        ctx,
        Row::new(
            "logs-tail",
            format!("logs TASK -n 1000 ({mb} MB log)"),
            "ms",
        )
        .budget(Budget::AtMost(20.0)),
        |b| {
            if b.kind == Kind::Original {
                return Err("the original keeps no log files (it reads tmux scrollback)".into());
            }
            let sb = Sandbox::new("bench")?;
            sb.config(
                "name = \"bench\"\n\n[tasks.big]\ncommand = \"sleep 300\"\nauto_start = false\n",
            )?;
            let dir = sb.logs_dir();
            std::fs::create_dir_all(&dir).map_err(err("mkdir logs"))?;
            let f = std::fs::File::create(dir.join("big.log")).map_err(err("create log"))?;
            let mut w = BufWriter::with_capacity(1 << 20, f);
            let target = mb << 20;
            let mut written = 0u64;
            let mut i = 0u64;
            while written < target {
                let text = format!(
                    "GET /api/items/{} 200 {}.{:03}ms request_id={:016x} user=bench",
                    i % 100_000,
                    i % 17,
                    i % 1000,
                    i.wrapping_mul(0x9e37_79b9_7f4a_7c15)
                );
                log_line(&mut w, i, &text).map_err(err("write log"))?;
                written += 25 + text.len() as u64;
                i += 1;
            }
            w.flush().map_err(err("flush"))?;
            let _ = sb.cmd(b, &["logs", "big", "-n", "1000"]).output();
            Ok(sb)
        },
        |b, sb, _| {
            let (ms, o) = sb.timed(b, &["logs", "big", "-n", "1000"])?;
            let lines = o.stdout.iter().filter(|&&c| c == b'\n').count();
            if lines != 1000 {
                return Err(format!("expected 1000 lines, got {lines}"));
            }
            Ok(ms)
        },
    )]
}

fn logs_grep(ctx: &Ctx) -> Vec<Row> {
    let (tasks, lines) = (ctx.size.grep_tasks, ctx.size.grep_lines);
    vec![alternate(
        ctx,
        Row::new(
            "logs-grep",
            format!("logs -g PATTERN ({tasks} tasks × {lines} lines)"),
            "ms",
        )
        .budget(Budget::AtMost(50.0))
        .note("all tasks interleaved, 1 line in 50 matches, default -n 100"),
        |b| {
            if b.kind == Kind::Original {
                return Err("the original keeps no log files (it reads tmux scrollback)".into());
            }
            let sb = Sandbox::new("bench")?;
            let names = task_names("g", tasks);
            let mut cfg = "name = \"bench\"\n".to_string();
            for n in &names {
                cfg.push_str(&format!(
                    "\n[tasks.{n}]\ncommand = \"sleep 300\"\nauto_start = false\n"
                ));
            }
            sb.config(&cfg)?;
            let dir = sb.logs_dir();
            std::fs::create_dir_all(&dir).map_err(err("mkdir logs"))?;
            for (k, n) in names.iter().enumerate() {
                let f = std::fs::File::create(dir.join(format!("{n}.log")))
                    .map_err(err("create log"))?;
                let mut w = BufWriter::new(f);
                for i in 0..lines as u64 {
                    let text = if i % 50 == 7 {
                        format!("ERROR worker {k} failed job {i}: connection reset by peer")
                    } else {
                        format!("INFO worker {k} finished job {i} in {} ms", i % 97)
                    };
                    log_line(&mut w, i * 10 + k as u64, &text).map_err(err("write log"))?;
                }
                w.flush().map_err(err("flush"))?;
            }
            let _ = sb.cmd(b, &["logs", "-g", "error"]).output();
            Ok(sb)
        },
        |b, sb, _| {
            let (ms, o) = sb.timed(b, &["logs", "-g", "error"])?;
            if !String::from_utf8_lossy(&o.stdout).contains("connection reset") {
                return Err("no match printed".into());
            }
            Ok(ms)
        },
    )]
}

/// Pipe short lines into `_log-sink`; MB/s and peak RSS (VmHWM).
fn sink(ctx: &Ctx) -> Vec<Row> {
    let mb = ctx.size.sink_mb;
    let row_tp = Row::new("sink", format!("log sink throughput ({mb} MB)"), "MB/s")
        .budget(Budget::AtLeast(50.0))
        .note("short lines (~40 B) piped into `_log-sink`, rotation at 10 MB × 3 files");
    let row_rss = Row::new("sink", "log sink peak RSS", "MB")
        .budget(Budget::AtMost(5.0))
        .note("VmHWM just before EOF; mostly file-backed pages of the binary (RssFile)");
    let row_anon = Row::new("sink", "log sink private memory (RssAnon)", "MB")
        .note("heap, stacks and written data pages: what the sink costs beyond shared page cache");
    if !ctx.a.help.contains("_log-sink") && !sink_available(&ctx.a) {
        let why = "not available in this binary";
        return vec![row_tp.skip(why), row_rss.skip(why), row_anon.skip(why)];
    }
    let mut tp = Vec::new();
    let mut rss = Vec::new();
    let mut anon = Vec::new();
    let res = (|| -> R<()> {
        let sb = Sandbox::new("bench")?;
        // One chunk of short lines, written repeatedly.
        let mut chunk = Vec::with_capacity(1 << 20);
        let mut i = 0u64;
        while chunk.len() < (1 << 20) - 64 {
            writeln!(chunk, "GET /health 200 0.{:03}ms id={i:08}", i % 1000).unwrap();
            i += 1;
        }
        let total = mb << 20;
        for run in 0..ctx.runs {
            let dir = sb.dir.path().join(format!("sink{run}"));
            // The launch makes the log directory; the sink never creates it.
            std::fs::create_dir_all(&dir).map_err(err("log dir"))?;
            let mut c = sb.cmd(&ctx.a, &[]);
            c.args(["_log-sink", "--session", "bench", "--task", "sink", "--dir"])
                .arg(&dir)
                .args(["--max-size", "10485760", "--max-files", "3"])
                .stdin(Stdio::piped())
                .stdout(Stdio::null())
                .stderr(Stdio::null());
            let t = Instant::now();
            let mut child = c.spawn().map_err(err("spawn sink"))?;
            let mut stdin = child.stdin.take().unwrap();
            let data = chunk.clone();
            let writer = std::thread::spawn(move || -> std::io::Result<_> {
                let mut sent = 0u64;
                while sent < total {
                    stdin.write_all(&data)?;
                    sent += data.len() as u64;
                }
                Ok((sent, stdin))
            });
            let (sent, stdin) = writer
                .join()
                .map_err(|_| "writer panicked".to_string())?
                .map_err(err("write to sink"))?;
            // Peak RSS of the sink itself, read before EOF lets it exit.
            // (wait4's ru_maxrss is not used: on Linux it also counts the
            // parent's memory that the vfork-style spawn shared until exec.)
            let hwm_kb = taskmux::process::status_kib(child.id(), "VmHWM:")
                .map(|k| k as f64)
                .unwrap_or(f64::NAN);
            let anon_kb = taskmux::process::status_kib(child.id(), "RssAnon:")
                .map(|k| k as f64)
                .unwrap_or(f64::NAN);
            drop(stdin);
            let (status, _) = wait4(child.id())?;
            let secs = t.elapsed().as_secs_f64();
            if status != 0 {
                return Err(format!("sink exited with status {status}"));
            }
            tp.push(sent as f64 / (1 << 20) as f64 / secs);
            rss.push(hwm_kb / 1024.0);
            anon.push(anon_kb / 1024.0);
            let _ = std::fs::remove_dir_all(&dir);
        }
        Ok(())
    })();
    match res {
        Ok(()) => vec![
            row_tp.samples(tp),
            row_rss.samples(rss),
            row_anon.samples(anon),
        ],
        Err(e) => vec![
            row_tp.fail(e.clone()),
            row_rss.fail(e.clone()),
            row_anon.fail(e),
        ],
    }
}

fn sink_available(bin: &Bin) -> bool {
    bin.kind == Kind::Ours
        && Command::new(&bin.path)
            .args(["_log-sink", "--help"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
}

/// Reap a child with wait4: (raw status, ru_maxrss in KiB).
fn wait4(pid: u32) -> R<(i32, i64)> {
    let mut status = 0;
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid as i32, &mut status, 0, &mut ru) };
    if r < 0 {
        return Err(format!("wait4: {}", std::io::Error::last_os_error()));
    }
    Ok((status, ru.ru_maxrss))
}

/// Poll until the task's pane is alive with a pid other than `old`.
fn wait_new_pid(sb: &Sandbox, task: &str, old: u32, limit: Duration) -> R<Instant> {
    let end = Instant::now() + limit;
    loop {
        if sb
            .panes()
            .iter()
            .any(|(n, dead, pid)| n == task && !dead && *pid != old)
        {
            return Ok(Instant::now());
        }
        if Instant::now() > end {
            return Err(format!("{task} not restarted within {limit:?}"));
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn pane_pid(sb: &Sandbox, task: &str) -> R<u32> {
    sb.panes()
        .iter()
        .find(|(n, dead, _)| n == task && !dead)
        .map(|p| p.2)
        .ok_or_else(|| format!("{task} is not running"))
}

/// `taskmux watch` (foreground supervisor): kill -9 a task, time until its
/// pane runs again (observed through tmux, so it needs no API knowledge).
fn watch(ctx: &Ctx) -> Vec<Row> {
    let row = Row::new("watch", "watch: crash-to-restart (kill -9)", "ms").note(
        "includes the first restart delay of the backoff; a different task is killed each run",
    );
    if !ctx.a.has("watch") {
        return vec![row.skip("not available in this binary")];
    }
    let n = ctx.size.tasks.max(ctx.runs.min(20));
    let r = (|| -> R<Vec<f64>> {
        let (mut sb, names) = running_world(&ctx.a, n)?;
        let log = std::fs::File::create(sb.dir.path().join("watch.log")).map_err(err("log"))?;
        let mut c = sb.cmd(&ctx.a, &["watch"]);
        c.stdout(log.try_clone().map_err(err("log"))?).stderr(log);
        let child = c.spawn().map_err(err("spawn watch"))?;
        sb.daemons.push(child);
        std::thread::sleep(Duration::from_millis(1000));
        let mut v = Vec::new();
        for run in 0..ctx.runs {
            let task = &names[run % names.len()];
            let pid = pane_pid(&sb, task)?;
            let t = Instant::now();
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
            let done = wait_new_pid(&sb, task, pid, Duration::from_secs(30))?;
            v.push((done - t).as_secs_f64() * 1e3);
        }
        Ok(v)
    })();
    vec![row.result(r)]
}

// ---------------------------------------------------------------- daemon

type Ws = tungstenite::WebSocket<TcpStream>;

fn ws_connect(port: u16) -> R<Ws> {
    let mut last = String::new();
    for path in ["/", "/ws"] {
        let s = TcpStream::connect(("127.0.0.1", port)).map_err(err("connect"))?;
        s.set_nodelay(true).ok();
        s.set_read_timeout(Some(Duration::from_secs(15))).ok();
        match tungstenite::client(format!("ws://127.0.0.1:{port}{path}"), s) {
            Ok((ws, _)) => return Ok(ws),
            Err(e) => last = format!("WebSocket handshake on {path}: {e}"),
        }
    }
    Err(last)
}

fn ws_send(ws: &mut Ws, v: &Value) -> R<()> {
    ws.send(tungstenite::Message::Text(v.to_string()))
        .map_err(err("ws send"))
}

/// Next JSON text message.
fn ws_next(ws: &mut Ws) -> R<Value> {
    loop {
        match ws.read().map_err(err("ws read"))? {
            tungstenite::Message::Text(t) => {
                return serde_json::from_str(&t).map_err(err("ws json"));
            }
            tungstenite::Message::Close(_) => return Err("ws closed".into()),
            _ => continue,
        }
    }
}

/// Send a request and wait for the response with the same id (events skipped).
fn ws_request(ws: &mut Ws, id: u64, command: &str, params: Value) -> R<Value> {
    ws_send(ws, &json!({"id": id, "command": command, "params": params}))?;
    loop {
        let v = ws_next(ws)?;
        if v["id"] == json!(id) {
            if v["ok"] == json!(false) {
                return Err(format!("{command}: {v}"));
            }
            return Ok(v);
        }
    }
}

/// Wait for an event of kind `event` about `task`; returns when it arrived.
fn ws_event(ws: &mut Ws, event: &str, task: &str) -> R<Instant> {
    loop {
        let v = ws_next(ws)?;
        if v["type"] == "event" && v["event"] == event {
            let about = v["task"].as_str().or(v["name"].as_str());
            if about.is_none() || about == Some(task) {
                return Ok(Instant::now());
            }
        }
    }
}

fn proc_ticks(pid: u32) -> R<u64> {
    taskmux::process::cpu_ticks(pid).ok_or_else(|| format!("no /proc/{pid}/stat"))
}

fn daemon(ctx: &Ctx) -> Vec<Row> {
    let s = ctx.size;
    let n = s.tasks;
    let rows = vec![
        Row::new(
            "daemon",
            "daemon: exit-to-noticed (kill -9 → exited event)",
            "ms",
        ),
        Row::new(
            "daemon",
            "daemon: crash-to-restart (kill -9 → started event)",
            "ms",
        )
        .note("includes the first restart delay of the backoff"),
        Row::new(
            "daemon",
            format!("daemon: ws status p50 ({} sequential)", s.ws_requests),
            "ms",
        ),
        Row::new(
            "daemon",
            format!("daemon: ws status p99 ({} sequential)", s.ws_requests),
            "ms",
        )
        .budget(Budget::AtMost(5.0)),
        Row::new(
            "daemon",
            format!("daemon: ws status p50 ({} clients)", s.ws_clients),
            "ms",
        ),
        Row::new(
            "daemon",
            format!("daemon: ws status p99 ({} clients)", s.ws_clients),
            "ms",
        ),
        Row::new("daemon", format!("daemon: idle RSS ({n} tasks)"), "MB")
            .budget(Budget::AtMost(20.0)),
        Row::new(
            "daemon",
            format!("daemon: idle CPU ({n} tasks, {} s)", s.idle_secs),
            "%",
        )
        .budget(Budget::AtMost(1.0)),
    ];
    if !ctx.a.has("daemon") {
        return rows
            .into_iter()
            .map(|r| r.skip("not available in this binary (to be measured after the daemon lands)"))
            .collect();
    }
    match daemon_measure(ctx) {
        Ok(values) => rows
            .into_iter()
            .zip(values)
            .map(|(r, v)| match v {
                Ok(v) => r.samples(v),
                Err(e) => r.fail(e),
            })
            .collect(),
        Err(e) => rows.into_iter().map(|r| r.fail(e.clone())).collect(),
    }
}

fn daemon_measure(ctx: &Ctx) -> R<Vec<R<Vec<f64>>>> {
    let s = ctx.size;
    let n = s.tasks.max(ctx.runs.min(20));
    let (mut sb, names) = running_world(&ctx.a, n)?;
    let (pid, port) = scale::spawn_daemon(ctx, &mut sb)?;
    let mut out = Vec::new();

    // Exit-to-noticed and crash-to-restart, on one subscription.
    let mut noticed = Vec::new();
    let mut restarted = Vec::new();
    let ev = (|| -> R<()> {
        let mut ws = ws_connect(port)?;
        // Let the daemon finish adopting the running tasks before the first kill.
        ws_request(&mut ws, 0, "status", json!({}))?;
        std::thread::sleep(Duration::from_millis(500));
        ws_request(&mut ws, 1, "subscribe", json!({"events": true}))?;
        for run in 0..ctx.runs {
            let task = &names[run % names.len()];
            let old = pane_pid(&sb, task)?;
            let t = Instant::now();
            unsafe { libc::kill(old as i32, libc::SIGKILL) };
            noticed.push((ws_event(&mut ws, "exited", task)? - t).as_secs_f64() * 1e3);
            restarted.push((ws_event(&mut ws, "started", task)? - t).as_secs_f64() * 1e3);
            wait_new_pid(&sb, task, old, Duration::from_secs(30))?;
        }
        Ok(())
    })();
    match ev {
        Ok(()) => {
            out.push(Ok(noticed));
            out.push(Ok(restarted));
        }
        Err(e) => {
            out.push(Err(e.clone()));
            out.push(Err(e));
        }
    }

    // Sequential status requests.
    let seq = (|| -> R<Vec<f64>> {
        let mut ws = ws_connect(port)?;
        let _ = ws_request(&mut ws, 0, "status", json!({}))?;
        let mut v = Vec::with_capacity(s.ws_requests);
        for i in 0..s.ws_requests {
            let t = Instant::now();
            ws_request(&mut ws, i as u64 + 1, "status", json!({}))?;
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
        Ok(v)
    })();
    push_p50_p99(&mut out, seq);

    // Concurrent clients.
    let conc = (|| -> R<Vec<f64>> {
        let mut conns = Vec::new();
        for _ in 0..s.ws_clients {
            conns.push(ws_connect(port)?);
        }
        let per = s.ws_per_client;
        let handles: Vec<_> = conns
            .into_iter()
            .map(|mut ws| {
                std::thread::spawn(move || -> R<Vec<f64>> {
                    let mut v = Vec::new();
                    for i in 0..per {
                        let t = Instant::now();
                        ws_request(&mut ws, i as u64 + 1, "status", json!({}))?;
                        v.push(t.elapsed().as_secs_f64() * 1e3);
                    }
                    Ok(v)
                })
            })
            .collect();
        let mut all = Vec::new();
        for h in handles {
            all.extend(h.join().map_err(|_| "client panicked".to_string())??);
        }
        Ok(all)
    })();
    push_p50_p99(&mut out, conc);

    // Idle RSS and CPU.
    std::thread::sleep(Duration::from_millis(500));
    let idle = (|| -> R<(f64, f64)> {
        let t0 = proc_ticks(pid)?;
        let start = Instant::now();
        std::thread::sleep(Duration::from_secs(s.idle_secs));
        let t1 = proc_ticks(pid)?;
        let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
        let cpu = (t1 - t0) as f64 / hz / start.elapsed().as_secs_f64() * 100.0;
        let rss = taskmux::process::status_kib(pid, "VmRSS:")
            .map(|k| k as f64)
            .ok_or("no VmRSS")?
            / 1024.0;
        Ok((rss, cpu))
    })();
    match idle {
        Ok((rss, cpu)) => {
            out.push(Ok(vec![rss]));
            out.push(Ok(vec![cpu]));
        }
        Err(e) => {
            out.push(Err(e.clone()));
            out.push(Err(e));
        }
    }
    drop(sb);
    Ok(out)
}
