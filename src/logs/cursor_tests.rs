use super::*;

#[test]
fn round_trip_and_clear_errors() {
    let mut marks = BTreeMap::new();
    marks.insert(
        "web".to_string(),
        Mark {
            inode: 12,
            offset: 345,
        },
    );
    marks.insert(
        "a:b".to_string(),
        Mark {
            inode: 1,
            offset: 0,
        },
    );
    let c = Cursor {
        session: "shop".into(),
        marks,
    };
    let text = c.encode();
    assert!(
        text.starts_with("tmc1.") && text.chars().all(|c| c.is_ascii_alphanumeric() || c == '.')
    );
    assert_eq!(Cursor::decode(&text, "shop").unwrap(), c);
    let other = Cursor::decode(&text, "blog").unwrap_err();
    assert!(
        other.message.contains("session 'shop'"),
        "{}",
        other.message
    );
    for bad in [
        "",
        "tmc1.zz",
        "tmc1.abc",
        "nonsense",
        "tmc1.73686f701f776562",
    ] {
        let e = Cursor::decode(bad, "shop").unwrap_err();
        assert_eq!(e.code, crate::error::ErrorCode::BadUsage, "{bad}");
    }
}

#[test]
fn reads_exactly_what_is_new_across_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path();
    let write = |name: &str, text: &str| {
        use std::io::Write;
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(logs.join(name))
            .unwrap();
        f.write_all(text.as_bytes()).unwrap();
    };
    write(
        "t.log",
        "2026-01-01T00:00:00.000Z one\n2026-01-01T00:00:01.000Z two\n2026-01-01T00:00:02.000Z par",
    );
    let m = mark_now(logs, "t").unwrap();
    let (lines, _, gap, end) = {
        let (l, lost, end) = task_after(logs, "t", Some(m)).unwrap();
        (l, (), lost, end)
    };
    assert!(lines.is_empty() && !gap);
    assert_eq!(end, m, "a partial line is not read yet");
    write("t.log", "tial\n2026-01-01T00:00:03.000Z four\n");
    let (lines, lost, end) = task_after(logs, "t", Some(m)).unwrap();
    let texts: Vec<&str> = lines.iter().map(|(l, _)| l.text.as_str()).collect();
    assert_eq!(texts, ["partial", "four"]);
    assert!(!lost);
    // Rotation: the file moves to t.log.1, a new t.log begins.
    std::fs::rename(logs.join("t.log"), logs.join("t.log.1")).unwrap();
    write("t.log.1", "2026-01-01T00:00:04.000Z five\n");
    write("t.log", "2026-01-01T00:00:05.000Z six\n");
    let (lines, lost, _) = task_after(logs, "t", Some(end)).unwrap();
    let texts: Vec<&str> = lines.iter().map(|(l, _)| l.text.as_str()).collect();
    assert_eq!(texts, ["five", "six"]);
    assert!(!lost);
    // A mark whose file is gone: everything there is returned, the loss said.
    let (lines, lost, _) = task_after(
        logs,
        "t",
        Some(Mark {
            inode: 999_999_999,
            offset: 7,
        }),
    )
    .unwrap();
    assert!(lost && lines.len() == 6, "{}", lines.len());
}
