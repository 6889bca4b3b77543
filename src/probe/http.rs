//! The HTTP/1.1 GET of a `health_url` probe: a small client of its own (awc, tried,
//! treats a body delimited by the server's close as empty and rewrites header
//! spelling, both of which dev servers rely on), and the check of the answer.

use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Parts of an `http://` URL.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct HttpUrl {
    pub(super) host: String,
    pub(super) port: u16,
    /// Host header value.
    pub(super) authority: String,
    pub(super) path: String,
}

pub(super) fn parse_url(url: &str) -> Result<HttpUrl, String> {
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

pub(super) async fn connect_host(host: &str, port: u16) -> Result<TcpStream, String> {
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
pub(super) async fn http_get(url: &str) -> Result<(u16, Vec<u8>), String> {
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

pub(super) fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

pub(super) fn header_value<'a>(headers: &'a str, name: &str) -> Option<&'a str> {
    headers.lines().skip(1).find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

pub(super) fn content_length(headers: &[u8]) -> Option<usize> {
    header_value(&String::from_utf8_lossy(headers), "content-length")?
        .parse()
        .ok()
}

pub(super) fn is_chunked(headers: &[u8]) -> bool {
    header_value(&String::from_utf8_lossy(headers), "transfer-encoding")
        .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"))
}

/// Decode a chunked body (best effort: whatever is complete).
pub(super) fn dechunk(mut data: &[u8]) -> Vec<u8> {
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

pub(super) fn parse_status_line(line: &str) -> Option<u16> {
    let mut parts = line.split_whitespace();
    if !parts.next()?.starts_with("HTTP/") {
        return None;
    }
    let code: u16 = parts.next()?.parse().ok()?;
    (100..1000).contains(&code).then_some(code)
}

pub(super) fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(max).collect::<String>())
    }
}

pub(super) fn check_http(
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

/// Largest body read from an HTTP probe.
pub(super) const MAX_BODY: usize = 64 * 1024;

/// An I/O error as a probe detail ("connection refused").
pub(super) fn io_detail(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::ConnectionRefused => "connection refused".to_string(),
        std::io::ErrorKind::ConnectionReset => "connection reset".to_string(),
        _ => e.to_string(),
    }
}
