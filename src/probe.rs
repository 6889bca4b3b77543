//! Health probes: HTTP GET, shell command, TCP connect, or "the process is alive".
//! All async, none blocks the thread, every one honours its timeout.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::config::model::TaskConfig;
use crate::process::{self, ShellOutcome};

/// Largest body read from an HTTP probe.
const MAX_BODY: usize = 64 * 1024;
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
    /// No probe configured: healthy when the process is alive.
    Alive {
        alive: bool,
    },
}

impl ProbeSpec {
    pub fn method(&self) -> &'static str {
        match self {
            ProbeSpec::Http { .. } => "http",
            ProbeSpec::Shell { .. } => "shell",
            ProbeSpec::Tcp { .. } => "tcp",
            ProbeSpec::Alive { .. } => "process",
        }
    }
}

/// The probe for `task`: `health_url` > `health_check` > TCP when `port` is set >
/// process alive. The shell probe gets the task's env plus `PORT` when set.
pub fn spec_for(task: &TaskConfig, shell: &str, alive: bool) -> ProbeSpec {
    if let Some(h) = &task.health_url {
        // The loader already checked the regex compiles; a bad one simply never matches.
        let re = h.expect_body_regex.as_deref().map(|r| {
            regex::Regex::new(r).unwrap_or_else(|_| regex::Regex::new("[^\\s\\S]").unwrap())
        });
        return ProbeSpec::Http {
            url: h.url.clone(),
            expect_status: h.expect_status,
            expect_body: h.expect_body.clone(),
            expect_body_regex: re,
        };
    }
    if let Some(cmd) = &task.health_check {
        let mut env: Vec<(String, String)> = task
            .env
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        if let Some(p) = task.port {
            env.push(("PORT".to_string(), p.to_string()));
        }
        return ProbeSpec::Shell {
            command: cmd.clone(),
            shell: shell.to_string(),
            cwd: task.cwd.clone(),
            env,
        };
    }
    if let Some(port) = task.port {
        return ProbeSpec::Tcp { port };
    }
    ProbeSpec::Alive { alive }
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
    let started = Instant::now();
    let method = spec.method();
    let (healthy, detail) = match spec {
        ProbeSpec::Alive { alive } => (
            *alive,
            if *alive {
                "process alive"
            } else {
                "process not running"
            }
            .to_string(),
        ),
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

fn io_detail(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        std::io::ErrorKind::ConnectionReset => "connection reset".to_string(),
        _ => e.to_string(),
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

/// Parts of an `http://` URL.
#[derive(Debug, PartialEq, Eq)]
struct HttpUrl {
    host: String,
    port: u16,
    /// Host header value.
    authority: String,
    path: String,
}

fn parse_url(url: &str) -> Result<HttpUrl, String> {
    let lower = url.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return Err("https not supported".to_string());
    }
    if !lower.starts_with("http://") {
        return Err(format!("unsupported URL '{url}' (need http://)"));
    }
    let rest = &url["http://".len()..];
    let (authority, path) = match rest.find(['/', '?', '#']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let mut path = path.split('#').next().unwrap_or("/").to_string();
    if path.starts_with('?') {
        path.insert(0, '/');
    }
    if path.is_empty() {
        path.push('/');
    }
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = if let Some(r) = authority.strip_prefix('[') {
        let end = r.find(']').ok_or_else(|| format!("bad URL '{url}'"))?;
        let host = &r[..end];
        let port = match r[end + 1..].strip_prefix(':') {
            Some(p) => p.parse().map_err(|_| format!("bad port in URL '{url}'"))?,
            None => 80,
        };
        (host.to_string(), port)
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (
                h.to_string(),
                p.parse().map_err(|_| format!("bad port in URL '{url}'"))?,
            ),
            None => (authority.to_string(), 80),
        }
    };
    if host.is_empty() {
        return Err(format!("no host in URL '{url}'"));
    }
    Ok(HttpUrl {
        host,
        port,
        authority: authority.to_string(),
        path,
    })
}

async fn connect_host(host: &str, port: u16) -> Result<TcpStream, String> {
    let addrs: Vec<SocketAddr> = if host.eq_ignore_ascii_case("localhost") {
        vec![
            SocketAddr::from(([127, 0, 0, 1], port)),
            SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, port)),
        ]
    } else if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else {
        tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .collect()
    };
    let mut last = format!("cannot resolve {host}");
    for a in addrs {
        match TcpStream::connect(a).await {
            Ok(s) => return Ok(s),
            Err(e) => last = io_detail(&e),
        }
    }
    Err(last)
}

/// GET `url`; the status code and up to 64 KiB of body.
async fn http_get(url: &str) -> Result<(u16, Vec<u8>), String> {
    let u = parse_url(url)?;
    let mut stream = connect_host(&u.host, u.port).await?;
    let req = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: taskmux-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n",
        u.path, u.authority
    );
    stream
        .write_all(req.as_bytes())
        .await
        .map_err(|e| io_detail(&e))?;

    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let mut header_end = None;
    loop {
        let n = match stream.read(&mut chunk).await {
            Ok(n) => n,
            // A reset after we have the headers still gives a status.
            Err(e) if header_end.is_some() => {
                tracing::debug!("http probe read: {e}");
                break;
            }
            Err(e) => return Err(io_detail(&e)),
        };
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if header_end.is_none() {
            header_end = find(&buf, b"\r\n\r\n").map(|i| i + 4);
            if header_end.is_none() && buf.len() > MAX_BODY {
                return Err("response headers too large".to_string());
            }
        }
        if let Some(h) = header_end {
            if buf.len() - h >= MAX_BODY {
                break;
            }
            // Stop at the end of the body instead of waiting for the server to close.
            if let Some(len) = content_length(&buf[..h]) {
                if buf.len() - h >= len {
                    break;
                }
            } else if is_chunked(&buf[..h]) && buf[h..].ends_with(b"0\r\n\r\n") {
                break;
            }
        }
    }
    if buf.is_empty() {
        return Err("empty response".to_string());
    }
    let status_line_end = find(&buf, b"\r\n").unwrap_or(buf.len());
    let status_line = String::from_utf8_lossy(&buf[..status_line_end]).into_owned();
    let status = parse_status_line(&status_line)
        .ok_or_else(|| format!("bad HTTP response: {}", truncate(&status_line, 80)))?;
    let body_start = header_end.unwrap_or(buf.len());
    let mut body = buf[body_start..].to_vec();
    if is_chunked(&buf[..body_start]) {
        body = dechunk(&body);
    }
    body.truncate(MAX_BODY);
    Ok((status, body))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn header_value<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

fn content_length(headers: &[u8]) -> Option<usize> {
    header_value(&String::from_utf8_lossy(headers), "content-length")?
        .parse()
        .ok()
}

fn is_chunked(headers: &[u8]) -> bool {
    header_value(&String::from_utf8_lossy(headers), "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// Decode a chunked body (best effort: whatever is complete).
fn dechunk(mut data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = find(data, b"\r\n") {
        let size_txt = String::from_utf8_lossy(&data[..eol]);
        let size_txt = size_txt.split(';').next().unwrap_or("").trim();
        let Ok(size) = usize::from_str_radix(size_txt, 16) else {
            break;
        };
        if size == 0 {
            break;
        }
        let start = eol + 2;
        let end = (start + size).min(data.len());
        out.extend_from_slice(&data[start..end]);
        if end + 2 > data.len() {
            break;
        }
        data = &data[end + 2..];
    }
    out
}

fn parse_status_line(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let code: u16 = parts.next()?.parse().ok()?;
    (100..1000).contains(&code).then_some(code)
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

fn check_http(
    status: u16,
    body: &[u8],
    expect_status: Option<u16>,
    expect_body: Option<&str>,
    expect_body_regex: Option<&regex::Regex>,
) -> (bool, String) {
    let status_ok = match expect_status {
        Some(s) => status == s,
        None => (200..400).contains(&status),
    };
    if !status_ok {
        let want = match expect_status {
            Some(s) => format!("expected {s}"),
            None => "expected 2xx or 3xx".to_string(),
        };
        return (false, format!("HTTP {status} ({want})"));
    }
    let text = String::from_utf8_lossy(body);
    if let Some(needle) = expect_body {
        if !text.contains(needle) {
            return (
                false,
                format!("HTTP {status}, body does not contain {needle:?}"),
            );
        }
    }
    if let Some(re) = expect_body_regex {
        if !re.is_match(&text) {
            return (
                false,
                format!("HTTP {status}, body does not match /{}/", re.as_str()),
            );
        }
    }
    (true, format!("HTTP {status}"))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::path::Path;
    use tokio::net::TcpListener;

    fn shell_spec(cmd: &str) -> ProbeSpec {
        ProbeSpec::Shell {
            command: cmd.to_string(),
            shell: "/bin/sh".to_string(),
            cwd: PathBuf::from("/"),
            env: vec![("PROBE_VAR".into(), "v42".into())],
        }
    }

    #[tokio::test]
    async fn shell_ok_and_fail() {
        let r = probe(
            &shell_spec("test \"$PROBE_VAR\" = v42"),
            Duration::from_secs(5),
        )
        .await;
        assert!(r.healthy, "{r:?}");
        assert_eq!(r.method, "shell");
        assert_eq!(r.detail, "exit 0");

        let r = probe(
            &shell_spec("echo first; echo 'not ready yet' >&2; exit 1"),
            Duration::from_secs(5),
        )
        .await;
        assert!(!r.healthy);
        assert_eq!(r.detail, "exit 1: not ready yet");

        let r = probe(&shell_spec("exit 7"), Duration::from_secs(5)).await;
        assert_eq!(r.detail, "exit 7");
    }

    /// Live processes whose environment holds `marker`.
    pub(crate) fn procs_with_env(marker: &str) -> Vec<u32> {
        std::fs::read_dir("/proc")
            .unwrap()
            .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
            .filter(|&p| {
                std::fs::read(format!("/proc/{p}/environ"))
                    .is_ok_and(|e| e.windows(marker.len()).any(|w| w == marker.as_bytes()))
            })
            .filter(|&p| process::pid_alive(p))
            .collect()
    }

    #[tokio::test]
    async fn shell_timeout_kills_the_group() {
        let marker = format!("PROBE_MARK=probe-timeout-{}", std::process::id());
        let spec = ProbeSpec::Shell {
            command: "sleep 10; sleep 10".into(),
            shell: "/bin/sh".into(),
            cwd: PathBuf::from("/"),
            env: vec![(
                "PROBE_MARK".into(),
                marker["PROBE_MARK=".len()..].to_string(),
            )],
        };
        let t = Instant::now();
        let r = probe(&spec, Duration::from_millis(200)).await;
        assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
        assert!(!r.healthy);
        assert_eq!(r.detail, "timed out after 200ms");
        let left = procs_left_with_env(&marker).await;
        assert!(left.is_empty(), "{left:?}");
    }

    /// Processes with `marker` in their environment once they had up to 3 s to end
    /// (SIGKILL was sent; under load the kernel may take a moment).
    pub(crate) async fn procs_left_with_env(marker: &str) -> Vec<u32> {
        let deadline = Instant::now() + Duration::from_secs(3);
        let mut left = procs_with_env(marker);
        while !left.is_empty() && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
            left = procs_with_env(marker);
        }
        left
    }

    #[tokio::test]
    async fn shell_probe_reports_a_missing_cwd() {
        let spec = ProbeSpec::Shell {
            command: "true".into(),
            shell: "/bin/sh".into(),
            cwd: Path::new("/nonexistent/dir").to_path_buf(),
            env: vec![],
        };
        let r = probe(&spec, Duration::from_secs(2)).await;
        assert!(!r.healthy);
        assert!(r.detail.contains("/nonexistent/dir"), "{}", r.detail);
    }

    #[tokio::test]
    async fn tcp_ok_and_refused() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        let r = probe(&ProbeSpec::Tcp { port }, Duration::from_secs(2)).await;
        assert!(r.healthy, "{r:?}");
        assert_eq!(r.method, "tcp");
        drop(l);
        let r = probe(&ProbeSpec::Tcp { port }, Duration::from_secs(2)).await;
        assert!(!r.healthy);
        assert_eq!(r.detail, "connection refused");
    }

    #[tokio::test]
    async fn alive_probe() {
        let r = probe(&ProbeSpec::Alive { alive: true }, Duration::from_secs(1)).await;
        assert!(r.healthy);
        assert_eq!(r.method, "process");
        let r = probe(&ProbeSpec::Alive { alive: false }, Duration::from_secs(1)).await;
        assert!(!r.healthy);
    }

    /// Serve canned responses: /ok → 200 "all good", /fail → 500, /slow → nothing.
    async fn serve() -> u16 {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        tokio::spawn(async move {
            loop {
                let Ok((mut s, _)) = l.accept().await else {
                    return;
                };
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 4096];
                    let mut req = Vec::new();
                    while find(&req, b"\r\n\r\n").is_none() {
                        let n = s.read(&mut buf).await.unwrap_or(0);
                        if n == 0 {
                            return;
                        }
                        req.extend_from_slice(&buf[..n]);
                    }
                    let req = String::from_utf8_lossy(&req).into_owned();
                    assert!(req.contains("\r\nHost: 127.0.0.1:"), "{req}");
                    assert!(req.contains("\r\nConnection: close\r\n"), "{req}");
                    let resp = if req.starts_with("GET /ok ") {
                        "HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\nall good".to_string()
                    } else if req.starts_with("GET /chunked ") {
                        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nall\r\n5\r\n good\r\n0\r\n\r\n".to_string()
                    } else if req.starts_with("GET /slow ") {
                        tokio::time::sleep(Duration::from_secs(10)).await;
                        return;
                    } else {
                        "HTTP/1.1 500 Internal Server Error\r\n\r\noops".to_string()
                    };
                    let _ = s.write_all(resp.as_bytes()).await;
                    let _ = s.shutdown().await;
                });
            }
        });
        port
    }

    fn http(url: String, status: Option<u16>, body: Option<&str>, re: Option<&str>) -> ProbeSpec {
        ProbeSpec::Http {
            url,
            expect_status: status,
            expect_body: body.map(str::to_string),
            expect_body_regex: re.map(|r| regex::Regex::new(r).unwrap()),
        }
    }

    #[tokio::test]
    async fn http_probes() {
        let port = serve().await;
        let base = format!("http://127.0.0.1:{port}");
        let t = Duration::from_secs(3);

        let r = probe(&http(format!("{base}/ok"), None, None, None), t).await;
        assert!(r.healthy, "{r:?}");
        assert_eq!(r.method, "http");
        assert_eq!(r.detail, "HTTP 200");

        let r = probe(
            &http(format!("{base}/ok"), Some(200), Some("good"), Some("^all")),
            t,
        )
        .await;
        assert!(r.healthy, "{r:?}");

        let r = probe(
            &http(format!("{base}/chunked"), None, Some("all good"), None),
            t,
        )
        .await;
        assert!(r.healthy, "{r:?}");

        let r = probe(&http(format!("{base}/ok"), None, Some("nope"), None), t).await;
        assert!(!r.healthy);
        assert!(r.detail.contains("does not contain"), "{}", r.detail);

        let r = probe(&http(format!("{base}/ok"), None, None, Some("^good")), t).await;
        assert!(!r.healthy);

        let r = probe(&http(format!("{base}/ok"), Some(204), None, None), t).await;
        assert!(!r.healthy);

        let r = probe(&http(format!("{base}/fail"), None, None, None), t).await;
        assert!(!r.healthy);
        assert!(r.detail.starts_with("HTTP 500"), "{}", r.detail);

        let r = probe(
            &http(format!("{base}/fail"), Some(500), Some("oops"), None),
            t,
        )
        .await;
        assert!(r.healthy, "{r:?}");

        let started = Instant::now();
        let r = probe(
            &http(format!("{base}/slow"), None, None, None),
            Duration::from_millis(200),
        )
        .await;
        assert!(!r.healthy);
        assert_eq!(r.detail, "timed out after 200ms");
        assert!(started.elapsed() < Duration::from_secs(1));

        let r = probe(&http("https://localhost/".into(), None, None, None), t).await;
        assert_eq!(r.detail, "https not supported");
    }

    #[tokio::test]
    async fn http_refused_on_localhost() {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = l.local_addr().unwrap().port();
        drop(l);
        let r = probe(
            &http(format!("http://localhost:{port}/"), None, None, None),
            Duration::from_secs(2),
        )
        .await;
        assert!(!r.healthy);
        assert_eq!(r.detail, "connection refused");
    }

    #[test]
    fn parses_urls() {
        let u = parse_url("http://localhost:8080/health?x=1").unwrap();
        assert_eq!(u.host, "localhost");
        assert_eq!(u.port, 8080);
        assert_eq!(u.path, "/health?x=1");
        assert_eq!(u.authority, "localhost:8080");
        let u = parse_url("http://example.com").unwrap();
        assert_eq!((u.port, u.path.as_str()), (80, "/"));
        let u = parse_url("http://[::1]:9000/x").unwrap();
        assert_eq!((u.host.as_str(), u.port), ("::1", 9000));
        assert!(parse_url("ftp://x").is_err());
    }

    #[test]
    fn precedence() {
        let mut t = TaskConfig::with_defaults("api", "run", Path::new("/tmp"));
        assert!(matches!(
            spec_for(&t, "/bin/sh", true),
            ProbeSpec::Alive { alive: true }
        ));
        t.port = Some(8080);
        assert!(matches!(
            spec_for(&t, "/bin/sh", true),
            ProbeSpec::Tcp { port: 8080 }
        ));
        t.health_check = Some("curl -f localhost:8080".into());
        match spec_for(&t, "/bin/bash", true) {
            ProbeSpec::Shell { shell, env, .. } => {
                assert_eq!(shell, "/bin/bash");
                assert!(env.contains(&("PORT".into(), "8080".into())));
            }
            other => panic!("{other:?}"),
        }
        t.health_url = Some(crate::config::model::HealthUrl {
            url: "http://localhost:8080/".into(),
            expect_status: None,
            expect_body: None,
            expect_body_regex: Some("ok".into()),
        });
        assert!(matches!(
            spec_for(&t, "/bin/sh", true),
            ProbeSpec::Http { .. }
        ));
    }

    #[test]
    fn durations() {
        assert_eq!(fmt_duration(Duration::from_secs(5)), "5s");
        assert_eq!(fmt_duration(Duration::from_millis(200)), "200ms");
        assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
    }
}
