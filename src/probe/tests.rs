//! Unit tests of the probes, against real processes and a local HTTP server.
use super::http::{find, parse_url};
use super::*;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
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
    let up = |uptime| ProbeSpec::Alive { uptime };
    let r = probe(&up(Some(MIN_UPTIME)), Duration::from_secs(1)).await;
    assert!(r.healthy);
    assert_eq!(r.method, "process");
    // Alive for a moment is not up yet: a crash at start-up is never "healthy".
    let r = probe(
        &up(Some(Duration::from_millis(300))),
        Duration::from_secs(1),
    )
    .await;
    assert!(!r.healthy);
    assert_eq!(r.detail, "process alive for 0.3s (up once alive for 1s)");
    let r = probe(&up(None), Duration::from_secs(1)).await;
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
        spec_for(&t, "/bin/sh", "s", Some(MIN_UPTIME)),
        ProbeSpec::Alive { uptime: Some(_) }
    ));
    t.port = Some(8080);
    assert!(matches!(
        spec_for(&t, "/bin/sh", "s", Some(MIN_UPTIME)),
        ProbeSpec::Tcp { port: 8080 }
    ));
    t.health_check = Some("curl -f localhost:8080".into());
    match spec_for(&t, "/bin/bash", "s", Some(MIN_UPTIME)) {
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
        spec_for(&t, "/bin/sh", "s", Some(MIN_UPTIME)),
        ProbeSpec::Http { .. }
    ));
}

#[test]
fn durations() {
    assert_eq!(fmt_duration(Duration::from_secs(5)), "5s");
    assert_eq!(fmt_duration(Duration::from_millis(200)), "200ms");
    assert_eq!(fmt_duration(Duration::from_millis(1500)), "1.5s");
}
