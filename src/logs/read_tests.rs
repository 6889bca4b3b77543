//! Unit tests of `read`.
use super::*;
use std::fs;
use std::io::Write;

fn ts(i: u64) -> String {
    let t = DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
        + chrono::Duration::milliseconds(i as i64);
    format_ts(t)
}

fn write(dir: &Path, name: &str, lines: &[(u64, &str)]) {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join(name))
        .unwrap();
    for (t, text) in lines {
        writeln!(f, "{} {}", ts(*t), text).unwrap();
    }
}

fn texts(lines: &[LogLine]) -> Vec<String> {
    lines
        .iter()
        .map(|l| format!("{}:{}", l.task, l.text))
        .collect()
}

#[test]
fn rev_lines_reads_backwards_across_files() {
    let d = tempfile::tempdir().unwrap();
    let big = "x".repeat(100_000); // longer than a block
    write(d.path(), "t.log.1", &[(1, "a"), (2, &big), (3, "b")]);
    fs::write(
        d.path().join("t.log"),
        format!("{} c\n\n{} d", ts(4), ts(5)),
    )
    .unwrap();
    let mut rev = RevLines::for_task(d.path(), "t", None);
    let mut got = Vec::new();
    let mut buf = Vec::new();
    while rev.next_line(&mut buf).unwrap() {
        got.push(split_line(&String::from_utf8_lossy(&buf)).1.to_string());
    }
    assert_eq!(got, vec!["d", "", "c", "b", &big, "a"]);
}

#[test]
fn tail_of_big_file_and_across_rotation() {
    let d = tempfile::tempdir().unwrap();
    let mut data = String::new();
    for i in 0..200_000u64 {
        data.push_str(&format!("{} line {i}\n", ts(i)));
    }
    fs::write(d.path().join("t.log.1"), &data).unwrap(); // ~7 MB
    write(d.path(), "t.log", &[(300_000, "new 1"), (300_001, "new 2")]);
    let q = Query::new(vec!["t".into()], 5);
    let start = std::time::Instant::now();
    let got = query_in(d.path(), &q).unwrap();
    assert!(start.elapsed() < std::time::Duration::from_millis(200));
    assert_eq!(
        texts(&got),
        vec![
            "t:line 199997",
            "t:line 199998",
            "t:line 199999",
            "t:new 1",
            "t:new 2"
        ]
    );
    assert_eq!(got[4].ts, ts(300_001));
}

#[test]
fn interleaves_by_timestamp() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "api.log", &[(1, "a1"), (4, "a4"), (5, "a5")]);
    write(
        d.path(),
        "web.log",
        &[(2, "w2"), (3, "w3"), (6, "::taskmux:: exit code=0")],
    );
    let got = query_in(
        d.path(),
        &Query::new(vec!["api".into(), "web".into(), "none".into()], 4),
    )
    .unwrap();
    assert_eq!(
        texts(&got),
        vec!["web:w3", "api:a4", "api:a5", "web:::taskmux:: exit code=0"]
    );
    assert!(got[3].marker && !got[0].marker);
}

#[test]
fn grep_case_insensitive_and_context_groups() {
    let d = tempfile::tempdir().unwrap();
    let lines: Vec<(u64, String)> = (0..20u64)
        .map(|i| {
            (
                i * 10,
                if i == 5 || i == 6 || i == 15 {
                    format!("\x1b[31mERROR\x1b[0m {i}")
                } else {
                    format!("ok {i}")
                },
            )
        })
        .collect();
    let refs: Vec<(u64, &str)> = lines.iter().map(|(t, s)| (*t, s.as_str())).collect();
    write(d.path(), "api.log", &refs);
    write(
        d.path(),
        "web.log",
        &[(101, "web error here"), (102, "web fine")],
    );
    let re = regex::RegexBuilder::new("error")
        .case_insensitive(true)
        .build()
        .unwrap();
    let mut q = Query::new(vec!["api".into(), "web".into()], 100);
    q.grep = Some(re.clone());
    let got = query_in(d.path(), &q).unwrap();
    assert_eq!(got.len(), 4);
    assert_eq!(got[2].text, "web error here");

    q.context = 1;
    let groups = query_groups_in(d.path(), &q, None).unwrap();
    let g: Vec<Vec<String>> = groups.iter().map(|g| texts(g)).collect();
    assert_eq!(
        g,
        vec![
            vec![
                "api:ok 4",
                "api:\x1b[31mERROR\x1b[0m 5",
                "api:\x1b[31mERROR\x1b[0m 6",
                "api:ok 7"
            ],
            vec!["web:web error here", "web:web fine"],
            vec!["api:ok 14", "api:\x1b[31mERROR\x1b[0m 15", "api:ok 16"],
        ]
    );
    // Last 1 match only.
    q.lines = 1;
    let groups = query_groups_in(d.path(), &q, None).unwrap();
    assert_eq!(groups.len(), 1);
    assert_eq!(groups[0][1].text, "\x1b[31mERROR\x1b[0m 15");
}

#[test]
fn caps_leave_newer_bytes_to_the_follower() {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), "t.log", &[(1, "a"), (2, "b")]);
    let cap = fs::metadata(d.path().join("t.log")).unwrap().len();
    write(d.path(), "t.log", &[(3, "c")]);
    let caps = std::collections::HashMap::from([("t".to_string(), cap)]);
    let q = Query::new(vec!["t".into()], 10);
    let got: Vec<LogLine> = query_groups_in(d.path(), &q, Some(&caps)).unwrap().concat();
    assert_eq!(texts(&got), vec!["t:a", "t:b"]);
}

#[test]
fn since_until() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        "t.log",
        &[(1000, "a"), (2000, "b"), (3000, "c"), (4000, "d")],
    );
    let mut q = Query::new(vec!["t".into()], 100);
    q.since = Some(
        DateTime::parse_from_rfc3339(&ts(2000))
            .unwrap()
            .with_timezone(&Utc),
    );
    q.until = Some(
        DateTime::parse_from_rfc3339(&ts(3500))
            .unwrap()
            .with_timezone(&Utc),
    );
    assert_eq!(texts(&query_in(d.path(), &q).unwrap()), vec!["t:b", "t:c"]);
}

#[test]
fn parse_when_forms() {
    let now = DateTime::parse_from_rfc3339("2026-06-01T12:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(
        parse_when_at("5m", now).unwrap(),
        now - chrono::Duration::minutes(5)
    );
    assert_eq!(
        parse_when_at("1h30m", now).unwrap(),
        now - chrono::Duration::minutes(90)
    );
    assert_eq!(
        parse_when_at("2026-01-01T14:00:00Z", now).unwrap(),
        DateTime::parse_from_rfc3339("2026-01-01T14:00:00Z").unwrap()
    );
    assert_eq!(
        parse_when_at("2026-01-01T14:00:00+02:00", now).unwrap(),
        DateTime::parse_from_rfc3339("2026-01-01T12:00:00Z").unwrap()
    );
    let local = Local
        .with_ymd_and_hms(2026, 1, 1, 14, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    assert_eq!(parse_when_at("2026-01-01T14:00", now).unwrap(), local);
    assert_eq!(parse_when_at("2026-01-01 14:00:00", now).unwrap(), local);
    assert!(parse_when_at("yesterday-ish", now).is_err());
    assert_eq!(parse_when_at("", now).unwrap_err().exit_code, 2);
}

#[test]
fn runs_of_blank_lines_are_shown_as_one() {
    let d = tempfile::tempdir().unwrap();
    let mut lines: Vec<(u64, &str)> = vec![(1, "VITE ready"), (2, "Local: http://localhost:5173/")];
    for i in 0..49 {
        lines.push((3 + i, ""));
    }
    lines.push((60, "page reload src/App.tsx"));
    write(d.path(), "web.log", &lines);
    let got = query_in(d.path(), &Query::new(vec!["web".into()], 3)).unwrap();
    assert_eq!(
        texts(&got),
        vec![
            "web:Local: http://localhost:5173/",
            "web:",
            "web:page reload src/App.tsx"
        ]
    );
}
