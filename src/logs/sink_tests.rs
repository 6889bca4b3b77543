//! Unit tests of `sink`.
use super::super::format::split_line;
use super::*;

fn run(input: &[u8], chunk: usize) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let w = LogWriter::open(dir.path(), "t", 1 << 30, 3).unwrap();
    let mut sink = Sink::new(w);
    for c in input.chunks(chunk.max(1)) {
        sink.feed(c).unwrap();
        sink.writer.flush().unwrap();
    }
    sink.finish().unwrap();
    let data = fs::read_to_string(dir.path().join("t.log")).unwrap();
    data.lines()
        .map(|l| {
            let (ts, text) = split_line(l);
            assert_eq!(ts.len(), 24, "line {l:?}");
            text.to_string()
        })
        .collect()
}

#[test]
fn splits_crlf_cr_and_keeps_final_line() {
    let input = b"hello\r\nworld\n\x1b[31mred\x1b[0m\r\n10%\r50%\r100%\r\nplain\r\r\nlast";
    for chunk in [1, 2, 3, 7, 1000] {
        assert_eq!(
            run(input, chunk),
            vec![
                "hello",
                "world",
                "\x1b[31mred\x1b[0m",
                "100%",
                "plain",
                "last"
            ],
            "chunk {chunk}"
        );
    }
}

#[test]
fn empty_lines_and_trailing_cr() {
    assert_eq!(run(b"\r\n\r\na\r", 1), vec!["", "", "a"]);
    assert_eq!(run(b"", 10), Vec::<String>::new());
}

#[test]
fn huge_line_is_split_not_lost() {
    let mut input = vec![b'x'; MAX_LINE * 2 + 10];
    input.extend_from_slice(b"\r\nnext\r\n");
    let lines = run(&input, 64 * 1024);
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0].len(), MAX_LINE);
    assert_eq!(lines[1].len(), MAX_LINE);
    assert_eq!(lines[2].len(), 10);
    assert_eq!(lines[3], "next");
}

fn count_lines(dir: &Path, task: &str) -> (usize, Vec<u64>) {
    let mut all = Vec::new();
    let mut n = 0;
    for p in super::super::format::task_files(dir, task).iter().rev() {
        let data = fs::read(p).unwrap();
        n += data.iter().filter(|&&b| b == b'\n').count();
        all.push(data.len() as u64);
        let text = String::from_utf8(data).unwrap();
        for l in text.lines() {
            assert_eq!(split_line(l).0.len(), 24);
        }
    }
    (n, all)
}

#[test]
fn rotation_keeps_max_files_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = Vec::new();
    for i in 0..10_000 {
        input.extend_from_slice(format!("line {i}\r\n").as_bytes());
    }
    // Lots of room: every line must be somewhere, in order, exactly once.
    let w = LogWriter::open(dir.path(), "t", 20_000, 1000).unwrap();
    sink_loop(&mut &input[..], w).unwrap();
    let files = super::super::format::task_files(dir.path(), "t");
    assert!(files.len() > 10);
    let mut seen = Vec::new();
    for p in files.iter().rev() {
        let text = fs::read_to_string(p).unwrap();
        assert!(text.len() as u64 <= 20_000);
        for l in text.lines() {
            seen.push(split_line(l).1.to_string());
        }
    }
    let expect: Vec<String> = (0..10_000).map(|i| format!("line {i}")).collect();
    assert_eq!(seen, expect);

    // Small max_files: the live file plus max_files rotated ones remain,
    // the newest lines kept.
    let dir2 = tempfile::tempdir().unwrap();
    let w = LogWriter::open(dir2.path(), "t", 20_000, 3).unwrap();
    sink_loop(&mut &input[..], w).unwrap();
    let files = super::super::format::task_files(dir2.path(), "t");
    assert_eq!(files.len(), 4);
    assert!(rotated_path(dir2.path(), "t", 3).exists());
    assert!(!rotated_path(dir2.path(), "t", 4).exists());
    let last = fs::read_to_string(&files[0]).unwrap();
    assert!(last.ends_with(" line 9999\n"));
}

#[test]
fn million_lines_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = Vec::with_capacity(12_000_000);
    for i in 0..1_000_000u32 {
        input.extend_from_slice(format!("{i}\r\n").as_bytes());
    }
    let w = LogWriter::open(dir.path(), "flood", 4 * 1024 * 1024, 100).unwrap();
    sink_loop(&mut &input[..], w).unwrap();
    let (n, sizes) = count_lines(dir.path(), "flood");
    assert_eq!(n, 1_000_000);
    assert!(sizes.len() > 1, "rotation happened");
}

#[test]
fn reopens_after_clear() {
    let dir = tempfile::tempdir().unwrap();
    let w = LogWriter::open(dir.path(), "t", 1 << 20, 3).unwrap();
    let mut sink = Sink::new(w);
    sink.feed(b"one\r\n").unwrap();
    sink.writer.flush().unwrap();
    fs::remove_file(dir.path().join("t.log")).unwrap();
    sink.feed(b"two\r\n").unwrap();
    sink.finish().unwrap();
    let text = fs::read_to_string(dir.path().join("t.log")).unwrap();
    assert!(text.ends_with(" two\n") && !text.contains("one"), "{text}");
}

#[test]
fn sink_args_parse_without_clap() {
    let c = pipe_command(Path::new("/bin/taskmux"), "s", "t", 10, 3, 2);
    let words: Vec<String> = c
        .replace("##", "#")
        .split_whitespace()
        .map(|w| w.trim_matches('\'').to_string())
        .collect();
    let at = words.iter().position(|w| w == "_log-sink").unwrap();
    let mut args = words[at + 1..].to_vec();
    // tmux fills in the pane pid.
    let pid = args.iter().position(|w| w == "#{pane_pid}").unwrap();
    args[pid] = "42".into();
    let a = SinkArgs::from_argv(&args).unwrap();
    assert_eq!((a.session.as_str(), a.task.as_str()), ("s", "t"));
    assert_eq!(
        (a.max_size, a.max_files, a.run, a.pid),
        (10, 3, Some(2), Some(42))
    );
    assert!(a.dir.is_some());
    assert!(SinkArgs::from_argv(&["--bogus".into(), "x".into()]).is_none());
}

#[test]
fn pipe_command_quotes() {
    let c = pipe_command(Path::new("/opt/my dir/task#mux"), "s", "it's", 10, 3, 1);
    assert!(c.ends_with(" --run 1 --pid '#{pane_pid}'"), "{c}");
    assert!(c.starts_with("exec '/opt/my dir/task##mux' _log-sink --session 's' --task 'it'\\''s' --max-size 10 --max-files 3 --dir '"));
}

#[test]
fn a_vanished_log_directory_is_not_recreated() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir_all(&logs).unwrap();
    let mut w = LogWriter::open(&logs, "t", 1 << 20, 3).unwrap();
    std::fs::remove_dir_all(&logs).unwrap();
    w.write_line("2026-01-01T00:00:00.000Z", b"after the state was removed")
        .unwrap();
    w.flush().unwrap();
    assert!(!logs.exists(), "the sink recreated its log directory");
}
