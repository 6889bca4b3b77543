//! Test harness: every test gets a private tmux server, state dir and HOME, and
//! everything it started is killed when the sandbox drops.
#![allow(dead_code)]

use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

/// A private world for one test.
pub struct Sandbox {
    pub dir: tempfile::TempDir,
    pub tmux_tmpdir: PathBuf,
    pub state_dir: PathBuf,
    pub home: PathBuf,
    pub work: PathBuf,
}

/// The result of one taskmux run.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Parse stdout as one JSON document.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// Assert a zero exit, showing the output otherwise.
    pub fn ok(self) -> Self {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Assert a given exit code.
    pub fn code(self, code: i32) -> Self {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        self
    }

    pub fn all(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

impl From<Output> for Run {
    fn from(o: Output) -> Self {
        Run {
            code: o.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        }
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_taskmux")
}

impl Sandbox {
    pub fn new() -> Self {
        // Under /tmp, not $TMPDIR: a long TMPDIR would push the tmux socket path
        // past the 108 bytes a unix socket address holds.
        let dir = tempfile::Builder::new()
            .prefix("tmx")
            .tempdir_in("/tmp")
            .unwrap();
        let tmux_tmpdir = dir.path().join("t");
        let state_dir = dir.path().join("state");
        let home = dir.path().join("home");
        let work = dir.path().join("work");
        for d in [&tmux_tmpdir, &state_dir, &home, &work] {
            std::fs::create_dir_all(d).unwrap();
        }
        Sandbox {
            dir,
            tmux_tmpdir,
            state_dir,
            home,
            work,
        }
    }

    /// Write taskmux.toml in the work dir.
    pub fn config(&self, text: &str) -> &Self {
        std::fs::write(self.work.join("taskmux.toml"), text).unwrap();
        self
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.work.join(rel)
    }

    /// Give `cmd` the sandbox's environment (its removals too: never the
    /// user's tmux).
    pub fn env(&self, cmd: &mut Command) {
        cmd.env("TMUX_TMPDIR", &self.tmux_tmpdir)
            .env("TASKMUX_STATE_DIR", &self.state_dir)
            .env("HOME", &self.home)
            .env("SHELL", "/bin/sh")
            .env("NO_COLOR", "1")
            .env_remove("TMUX")
            .env_remove("TASKMUX_CONFIG")
            .env_remove("TASKMUX_TMUX_SOCKET")
            .env_remove("TASKMUX_TMUX_SOCKET_NAME")
            .env_remove("XDG_STATE_HOME")
            // The strictest locale: none (tmux then escapes control characters).
            .env_remove("LANG")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE");
    }

    /// A taskmux command in the work dir with the sandbox environment.
    pub fn cmd(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(bin());
        cmd.args(args).current_dir(&self.work);
        self.env(&mut cmd);
        cmd
    }

    /// Run taskmux and collect its output.
    pub fn run(&self, args: &[&str]) -> Run {
        self.cmd(args).output().unwrap().into()
    }

    /// Run taskmux with --json and parse stdout.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = args.to_vec();
        a.push("--json");
        self.run(&a).json()
    }

    /// Run tmux against the private server.
    pub fn tmux(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new("tmux");
        cmd.args(args);
        self.env(&mut cmd);
        cmd.output().unwrap().into()
    }

    /// `status --json` tasks by name.
    pub fn task(&self, name: &str) -> Value {
        let v = self.json(&["status"]);
        v["tasks"]
            .as_array()
            .unwrap_or_else(|| panic!("no tasks in status: {v}"))
            .iter()
            .find(|t| t["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no task {name} in status: {v}"))
    }

    /// Poll `f` until it returns Some, or panic after `limit`.
    pub fn wait_for<T>(&self, what: &str, limit: Duration, mut f: impl FnMut() -> Option<T>) -> T {
        let deadline = Instant::now() + limit;
        loop {
            if let Some(v) = f() {
                return v;
            }
            if Instant::now() > deadline {
                panic!("timed out after {limit:?} waiting for {what}");
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Wait until a file exists and contains `needle`.
    pub fn wait_file_contains(&self, path: &Path, needle: &str, limit: Duration) -> String {
        self.wait_for(
            &format!("{} to contain {needle:?}", path.display()),
            limit,
            || {
                std::fs::read_to_string(path)
                    .ok()
                    .filter(|s| s.contains(needle))
            },
        )
    }

    /// Pane pids of every pane on the private server.
    pub fn pane_pids(&self) -> Vec<u32> {
        self.tmux(&["list-panes", "-a", "-F", "#{pane_pid}"])
            .stdout
            .lines()
            .filter_map(|l| l.trim().parse().ok())
            .collect()
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        // Stop any daemon this sandbox started (its record names the pid).
        if let Ok(entries) = std::fs::read_dir(&self.state_dir) {
            for e in entries.flatten() {
                let rec = e.path().join("daemon.json");
                if let Ok(text) = std::fs::read_to_string(&rec) {
                    if let Ok(v) = serde_json::from_str::<Value>(&text) {
                        if let Some(pid) = v["pid"].as_u64() {
                            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
                        }
                    }
                }
            }
        }
        // Kill every task process (by session: panes are session leaders), then the server.
        for pid in self.pane_pids() {
            for member in taskmux::process::session_processes(pid) {
                unsafe { libc::kill(member as i32, libc::SIGKILL) };
            }
        }
        let _ = self.tmux(&["kill-server"]);
        // What tmux started outside the panes' sessions (log sinks of pipe-pane,
        // hooks) names this sandbox in its arguments: end it too, then remove the
        // folder, again if something still wrote into it meanwhile.
        taskmux::process::clear_sandbox(self.dir.path(), Duration::from_secs(3));
    }
}

/// True when a process exists and is not a zombie (the crate's own /proc reading).
pub fn pid_alive(pid: u32) -> bool {
    taskmux::process::pid_alive(pid)
}

/// A `taskmux watch` (or any child) in the background; SIGTERMed, then reaped, on drop.
pub struct Watch(pub std::process::Child);

impl Drop for Watch {
    fn drop(&mut self) {
        unsafe { libc::kill(self.0.id() as i32, libc::SIGTERM) };
        let _ = self.0.wait();
    }
}

/// The events recorded for `session` (events.jsonl).
pub fn events(sb: &Sandbox, session: &str) -> Vec<Value> {
    std::fs::read_to_string(sb.state_dir.join(session).join("events.jsonl"))
        .unwrap_or_default()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// tests/node: the clients of other implementations (TypeScript MCP SDK,
/// playwright-core).
pub fn node_dir() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node"))
}

/// Install tests/node's packages once (npm ci from the lockfile), under a lock,
/// when they are missing, so `cargo test` needs nothing else.
pub fn ensure_node_modules() {
    let dir = node_dir();
    let _guard = taskmux::lockfile::LockFile::exclusive(&dir.join(".install.lock")).expect("flock");
    let lock: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("package-lock.json")).unwrap())
            .unwrap();
    let have = |pkg: &str| {
        let want = &lock["packages"][format!("node_modules/{pkg}")]["version"];
        let path = dir.join("node_modules").join(pkg).join("package.json");
        std::fs::read_to_string(path)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
            .is_some_and(|p| &p["version"] == want)
    };
    if have("@modelcontextprotocol/sdk") && have("playwright-core") {
        return;
    }
    let out = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(dir)
        .output()
        .expect("npm (Node.js) must be installed to run this test");
    assert!(
        out.status.success(),
        "npm ci in tests/node failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Run `node tests/node/SCRIPT` with the sandbox's environment plus `env`, in
/// its work dir; assert success and parse its last stdout line as JSON.
pub fn node_report(sb: &Sandbox, script: &str, env: &[(&str, String)]) -> Value {
    let base = sb.cmd(&[]);
    let mut cmd = Command::new("node");
    cmd.arg(node_dir().join(script))
        .envs(
            base.get_envs()
                .filter_map(|(k, v)| Some((k.to_owned(), v?.to_owned()))),
        )
        .env("TASKMUX_BIN", bin())
        // Browser profiles and artifacts live in the sandbox (removed with it).
        .env("TMPDIR", sb.dir.path())
        .current_dir(&sb.work);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("node");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "node {script} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_str(stdout.trim().lines().last().unwrap_or(""))
        .unwrap_or_else(|e| panic!("node {script}: no JSON report ({e}):\n{stdout}"));
    eprintln!("{script}: {report}");
    report
}
