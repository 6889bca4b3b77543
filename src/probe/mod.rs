//! Health probes: HTTP GET, shell command, TCP connect, or "the process is alive".
//! All async, none blocks the thread, every one honours its timeout.

mod http;
mod log;

use http::{check_http, http_get, io_detail};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

use crate::config::model::{ProbeKind, TaskConfig};
use crate::process::{self, ShellOutcome};

/// A task without a probe counts as up once its process has been alive this long
/// (supervisord's `startsecs`): one that crashes at start-up is never reported
/// healthy, nor releases its dependents.
pub const MIN_UPTIME: Duration = Duration::from_secs(1);

/// Longest failure detail taken from a shell probe's output.
const MAX_DETAIL: usize = 200;

/// What to probe, resolved from a task's configuration.
#[derive(Debug, Clone)]
pub enum ProbeSpec {
    Http {
        url: String,
        expect_status: Option<u16>,
        expect_body: Option<String>,
        expect_body_regex: Option<regex::Regex>,
    },
    Shell {
        command: String,
        shell: String,
        cwd: PathBuf,
        env: Vec<(String, String)>,
    },
    Tcp {
        port: u16,
    },
    /// No probe configured: healthy once the process has been alive for
    /// [`MIN_UPTIME`] (`uptime` None: it is not running).
    Alive {
        uptime: Option<Duration>,
    },
    /// `ready_log`: ready once a line of the current run (after its start
    /// marker) matches; then `then`, the task's other probe, decides.
    Log {
        logs_dir: PathBuf,
        task: String,
        regex: regex::Regex,
        then: Box<ProbeSpec>,
    },
}

impl ProbeSpec {
    pub fn method(&self) -> &'static str {
        match self {
            ProbeSpec::Http { .. } => "http",
            ProbeSpec::Shell { .. } => "shell",
            ProbeSpec::Tcp { .. } => "tcp",
            ProbeSpec::Alive { .. } => "process",
            ProbeSpec::Log { .. } => "log",
        }
    }
}

/// The probe for `task`: `health_url` > `health_check` > TCP when `port` is set >
/// process alive (for `uptime`: how long the run has been alive; None when it is
/// not). The shell probe gets the task's env plus `PORT` when set.
pub fn spec_for(
    task: &TaskConfig,
    shell: &str,
    session: &str,
    uptime: Option<Duration>,
) -> ProbeSpec {
    let base = base_spec(task, shell, session, uptime);
    match (&task.ready_log, task.probe_kind()) {
        (Some(re), ProbeKind::Log) => ProbeSpec::Log {
            logs_dir: crate::paths::logs_dir(session),
            task: task.name.clone(),
            // The loader checked it compiles; a bad one simply never matches.
            regex: regex::Regex::new(re)
                .unwrap_or_else(|_| regex::Regex::new("[^\\s\\S]").unwrap()),
            then: Box::new(base),
        },
        _ => base,
    }
}

/// The probe without `ready_log`.
fn base_spec(task: &TaskConfig, shell: &str, session: &str, uptime: Option<Duration>) -> ProbeSpec {
    match (
        task.probe_kind(),
        &task.health_url,
        &task.health_check,
        task.port,
    ) {
        (ProbeKind::Http, Some(h), _, _) => http_spec(h),
        (ProbeKind::Shell, _, Some(cmd), _) => ProbeSpec::Shell {
            command: cmd.clone(),
            shell: shell.to_string(),
            cwd: task.cwd.clone(),
            env: crate::supervisor::context::task_vars(session, task),
        },
        (ProbeKind::Tcp, _, _, Some(port)) => ProbeSpec::Tcp { port },
        (ProbeKind::Log, Some(h), _, _) => http_spec(h),
        (ProbeKind::Log, None, Some(cmd), _) => ProbeSpec::Shell {
            command: cmd.clone(),
            shell: shell.to_string(),
            cwd: task.cwd.clone(),
            env: crate::supervisor::context::task_vars(session, task),
        },
        (ProbeKind::Log, None, None, Some(port)) => ProbeSpec::Tcp { port },
        _ => ProbeSpec::Alive { uptime },
    }
}

fn http_spec(h: &crate::config::model::HealthUrl) -> ProbeSpec {
    // The loader already checked the regex compiles; a bad one simply never matches.
    let re = h
        .expect_body_regex
        .as_deref()
        .map(|r| regex::Regex::new(r).unwrap_or_else(|_| regex::Regex::new("[^\\s\\S]").unwrap()));
    ProbeSpec::Http {
        url: h.url.clone(),
        expect_status: h.expect_status,
        expect_body: h.expect_body.clone(),
        expect_body_regex: re,
    }
}

/// The result of one probe.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct ProbeResult {
    pub healthy: bool,
    /// "http" | "shell" | "tcp" | "process".
    pub method: String,
    /// "HTTP 200", "exit 0", "connection refused", "timed out after 5s", …
    pub detail: String,
    /// Serialized as `elapsed_ms`.
    #[schemars(with = "u64")]
    #[serde(
        rename = "elapsed_ms",
        serialize_with = "ser_ms",
        deserialize_with = "de_ms"
    )]
    pub elapsed: Duration,
}

impl ProbeResult {
    /// A task without a probe whose live process has not been alive for
    /// [`MIN_UPTIME`] yet: starting, which is no verdict (neither healthy nor
    /// unhealthy).
    pub fn is_starting(&self, task: &TaskConfig, alive: bool) -> bool {
        alive && !self.healthy && !task.has_probe()
    }

    /// Why the probe failed, as status and inspect show it: `METHOD: DETAIL`.
    pub fn reason(&self) -> String {
        format!("{}: {}", self.method, self.detail)
    }

    /// The verdict kept in the window's health option.
    pub fn health_mark(&self) -> crate::tmux::options::HealthMark {
        use crate::tmux::options::HealthMark;
        if self.healthy {
            HealthMark::Healthy
        } else {
            HealthMark::Unhealthy(self.reason())
        }
    }
}

fn de_ms<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    <u64 as serde::Deserialize>::deserialize(d).map(Duration::from_millis)
}

fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

/// "5s", "200ms", "1.5s".
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms < 1000 {
        format!("{ms}ms")
    } else if ms.is_multiple_of(1000) {
        format!("{}s", ms / 1000)
    } else {
        format!("{:.1}s", d.as_secs_f64())
    }
}

/// Run one probe, within `timeout`.
pub async fn probe(spec: &ProbeSpec, timeout: Duration) -> ProbeResult {
    if let ProbeSpec::Log {
        logs_dir,
        task,
        regex,
        then,
    } = spec
    {
        let started = Instant::now();
        let (dir, t, re) = (logs_dir.clone(), task.clone(), regex.clone());
        let seen = tokio::task::spawn_blocking(move || log::ready_line(&dir, &t, &re))
            .await
            .ok()
            .flatten();
        return match seen {
            // Ready: from now on the other probe decides.
            Some(_) if !matches!(**then, ProbeSpec::Alive { .. }) => {
                Box::pin(probe(then, timeout)).await
            }
            Some(line) => ProbeResult {
                healthy: true,
                method: "log".into(),
                detail: format!("ready: {line}"),
                elapsed: started.elapsed(),
            },
            None => ProbeResult {
                healthy: false,
                method: "log".into(),
                detail: format!("no line of this run matches /{regex}/ yet"),
                elapsed: started.elapsed(),
            },
        };
    }
    let started = Instant::now();
    let method = spec.method();
    let (healthy, detail) = match spec {
        ProbeSpec::Log { .. } => (false, "internal error: log probe".to_string()),
        ProbeSpec::Alive { uptime } => match uptime {
            Some(up) if *up >= MIN_UPTIME => (true, "process alive".to_string()),
            Some(up) => (
                false,
                format!(
                    "process alive for {:.1}s (up once alive for {}s)",
                    up.as_secs_f64(),
                    MIN_UPTIME.as_secs()
                ),
            ),
            None => (false, "process not running".to_string()),
        },
        ProbeSpec::Shell {
            command,
            shell,
            cwd,
            env,
        } => shell_probe(shell, command, cwd, env, timeout).await,
        ProbeSpec::Tcp { port } => {
            match tokio::time::timeout(timeout, tcp_connect_local(*port)).await {
                Ok(Ok(_)) => (true, format!("connected to port {port}")),
                Ok(Err(e)) => (false, io_detail(&e)),
                Err(_) => (false, format!("timed out after {}", fmt_duration(timeout))),
            }
        }
        ProbeSpec::Http {
            url,
            expect_status,
            expect_body,
            expect_body_regex,
        } => match tokio::time::timeout(timeout, http_get(url)).await {
            Err(_) => (false, format!("timed out after {}", fmt_duration(timeout))),
            Ok(Err(detail)) => (false, detail),
            Ok(Ok((status, body))) => check_http(
                status,
                &body,
                *expect_status,
                expect_body.as_deref(),
                expect_body_regex.as_ref(),
            ),
        },
    };
    ProbeResult {
        healthy,
        method: method.to_string(),
        detail,
        elapsed: started.elapsed(),
    }
}

async fn shell_probe(
    shell: &str,
    command: &str,
    cwd: &std::path::Path,
    env: &[(String, String)],
    timeout: Duration,
) -> (bool, String) {
    let run = process::run_shell_captured(shell, command, cwd, env, timeout, true).await;
    match run.outcome {
        ShellOutcome::Exited(0) => (true, "exit 0".to_string()),
        ShellOutcome::Exited(code) => {
            let last = process::tail_lines(&run.output, 1, MAX_DETAIL);
            if last.is_empty() {
                (false, format!("exit {code}"))
            } else {
                (false, format!("exit {code}: {last}"))
            }
        }
        ShellOutcome::TimedOut => (false, format!("timed out after {}", fmt_duration(timeout))),
        ShellOutcome::SpawnFailed(e) => (false, e),
    }
}

async fn tcp_connect_local(port: u16) -> std::io::Result<TcpStream> {
    let v4 = SocketAddr::from(([127, 0, 0, 1], port));
    match TcpStream::connect(v4).await {
        Ok(s) => Ok(s),
        Err(e4) => {
            let v6 = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port));
            TcpStream::connect(v6).await.map_err(|_| e4)
        }
    }
}

#[cfg(test)]
#[path = "tests.rs"]
pub(crate) mod tests;
