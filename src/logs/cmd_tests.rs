//! Unit tests of the `logs` command.
use super::*;
use crate::config::model::TaskConfig;

#[test]
fn smart_case() {
    let m = |p: &str, t: &str| grep_regex(p).unwrap().is_match(t);
    assert!(m("error", "ERROR: boom"));
    assert!(!m("ERROR", "…add_error_messages… OK"));
    assert!(m("ERROR", "ERROR: boom"));
    // Escapes are not capitals of the pattern's text.
    assert!(m(r"\Sfail", "xFAIL"));
    assert!(m(r"\p{Lu}rror", "Error"));
    let i = grep_regex_with("ERROR", Case::Insensitive).unwrap();
    assert!(i.is_match("error"));
    let s = grep_regex_with("error", Case::Sensitive).unwrap();
    assert!(!s.is_match("ERROR"));
}

fn cfg(dir: &Path) -> Config {
    Config {
        name: "s".into(),
        auto_start: true,
        hooks: Default::default(),
        tasks: vec![
            TaskConfig::with_defaults("api", "x", dir),
            TaskConfig::with_defaults("web", "x", dir),
        ],
        strategy: Default::default(),
        allowed_origins: vec![],
        daemon: None,
        shell: None,
        hook_timeout: Duration::from_secs(1),
        log_max_size: 1,
        log_max_files: 1,
        path: dir.join("taskmux.toml"),
        dir: dir.to_path_buf(),
    }
}

#[test]
fn errors_and_clear() {
    let d = tempfile::tempdir().unwrap();
    let c = cfg(d.path());
    let logs = d.path().join("logs");
    let args = LogsArgs {
        task: Some("nope".into()),
        ..Default::default()
    };
    let e = run_logs_in(&c, &logs, &args, false).unwrap_err();
    assert_eq!(
        (e.code, e.exit_code),
        (crate::error::ErrorCode::UnknownTask, 2)
    );
    std::fs::create_dir_all(&logs).unwrap();
    std::fs::write(logs.join("api.log"), "2026-01-01T00:00:00.000Z a\n").unwrap();
    let args = LogsArgs {
        grep: Some("(".into()),
        ..Default::default()
    };
    let e = run_logs_in(&c, &logs, &args, false).unwrap_err();
    assert_eq!(e.exit_code, 2);
    assert!(e.message.contains("invalid regular expression"));
    let args = LogsArgs {
        since: Some("whenever".into()),
        ..Default::default()
    };
    assert_eq!(
        run_logs_in(&c, &logs, &args, false).unwrap_err().exit_code,
        2
    );
    std::fs::write(logs.join("api.log.1"), "x\n").unwrap();
    let mut buf = Vec::new();
    clear(&logs, &["api".into(), "web".into()], false, &mut buf).unwrap();
    let s = String::from_utf8(buf).unwrap();
    assert!(s.contains("api.log\n") && s.contains("api.log.1\n"), "{s}");
    assert!(!logs.join("api.log").exists() && !logs.join("api.log.1").exists());
}

#[derive(clap::Parser)]
struct T {
    #[command(flatten)]
    a: LogsArgs,
}

#[test]
fn clap_args() {
    use clap::{CommandFactory, Parser};
    T::command().debug_assert();
    let t = T::try_parse_from([
        "x", "api", "-n", "5", "-g", "err", "-C", "2", "--since", "5m",
    ])
    .unwrap();
    assert_eq!(t.a.task.as_deref(), Some("api"));
    assert_eq!((t.a.lines, t.a.context), (Some(5), 2));
    assert!(T::try_parse_from(["x", "--clear"]).unwrap().a.clear);
    assert!(T::try_parse_from(["x", "--clear", "-f"]).is_err());
}

#[test]
fn printer_formats() {
    let l = LogLine {
        task: "web".into(),
        ts: "2026-01-01T00:00:00.000Z".into(),
        text: "\x1b[31mred\x1b[0m".into(),
        marker: false,
    };
    let mut p = Printer {
        color: false,
        timestamps: false,
        prefix: true,
        json: false,
        tasks: vec!["api".into(), "web".into()],
    };
    assert_eq!(p.format(&l), "[web] red");
    p.timestamps = true;
    assert_eq!(p.format(&l), "2026-01-01T00:00:00.000Z [web] red");
    p.color = true;
    p.timestamps = false;
    assert_eq!(
        p.format(&l),
        "\x1b[32m[web]\x1b[0m \x1b[31mred\x1b[0m\x1b[0m"
    );
    p.prefix = false;
    p.color = false;
    assert_eq!(p.format(&l), "red");
    p.json = true;
    let v: serde_json::Value = serde_json::from_str(&p.format(&l)).unwrap();
    assert_eq!(v["task"], "web");
    assert_eq!(v["line"], "\x1b[31mred\x1b[0m");
    assert_eq!(v["ts"], "2026-01-01T00:00:00.000Z");
}
