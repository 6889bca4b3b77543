//! Tests of finding and loading configs, and of the model defaults.

use super::*;
use crate::error::EXIT_USAGE;
use std::path::Path;

use crate::config::read_config::tests::{bad, ok, P};

#[test]
fn minimal_config_gets_model_defaults() {
    let c = ok("");
    assert_eq!(c.name, DEFAULT_SESSION);
    assert!(c.auto_start);
    assert!(c.tasks.is_empty());
    assert_eq!(c.strategy, Strategy::OneForOne);
    assert_eq!(c.hook_timeout, DEFAULT_HOOK_TIMEOUT);
    assert_eq!(c.log_max_size, DEFAULT_LOG_MAX_SIZE);
    assert_eq!(c.log_max_files, DEFAULT_LOG_MAX_FILES);
    assert_eq!(c.shell, None);
    assert_eq!(c.path, Path::new(P));
    assert_eq!(c.dir, Path::new("/proj"));
}

#[test]
fn bare_string_task_has_all_defaults() {
    let c = ok("[tasks]\nweb = \"npm run dev\"\n");
    assert_eq!(c.tasks.len(), 1);
    let expected = TaskConfig::with_defaults("web", "npm run dev", Path::new("/proj"));
    assert_eq!(c.tasks[0], expected);
    // and a table task with only a command is the same
    let c2 = ok("[tasks.web]\ncommand = \"npm run dev\"\n");
    assert_eq!(c2.tasks[0], expected);
}

#[test]
fn task_order_is_file_order() {
    let c = ok("[tasks.zeta]\ncommand = \"a\"\n[tasks.alpha]\ncommand = \"b\"\n[tasks.mid]\ncommand = \"c\"\n");
    assert_eq!(c.task_names(), vec!["zeta", "alpha", "mid"]);
}

#[test]
fn cwd_resolution() {
    let c = ok(r#"
[tasks.a]
command = "x"
cwd = "./sub/../web"
[tasks.b]
command = "x"
cwd = "/abs/path"
[tasks.c]
command = "x"
cwd = "../sibling"
[tasks.d]
command = "x"
cwd = "~/code"
"#);
    assert_eq!(c.task("a").unwrap().cwd, Path::new("/proj/web"));
    assert_eq!(c.task("b").unwrap().cwd, Path::new("/abs/path"));
    assert_eq!(c.task("c").unwrap().cwd, Path::new("/sibling"));
    assert_eq!(c.task("c").unwrap().cwd_raw.as_deref(), Some("../sibling"));
    if let Some(home) = std::env::var_os("HOME") {
        assert_eq!(c.task("d").unwrap().cwd, PathBuf::from(home).join("code"));
    }
}

#[test]
fn relative_config_path_is_made_absolute() {
    let c = parse("", Path::new("sub/taskmux.toml")).unwrap();
    assert!(c.path.is_absolute());
    assert_eq!(c.dir, std::env::current_dir().unwrap().join("sub"));
}

#[test]
fn name_validation() {
    let m = bad("name = \"my app\"\n");
    assert!(m.contains("invalid session name \"my app\""), "{m}");
    assert!(m.contains("letters, digits, '_' and '-'"), "{m}");
    let m = bad("[tasks.\"my.task\"]\ncommand = \"x\"\n");
    assert!(m.contains("invalid task name \"my.task\""), "{m}");
    assert!(m.contains("letters, digits, '_' and '-'"), "{m}");
    assert!(m.contains(":1:8:"), "{m}");
    assert!(valid_name("web-1_x"));
    assert!(!valid_name(""));
    assert!(!valid_name("a b"));
    assert!(check_task_name("ok").is_ok());
    assert_eq!(check_task_name("n/o").unwrap_err().exit_code, EXIT_USAGE);
}

#[test]
fn env_file_is_overridden_by_env() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "A=from_file\nB=file_only\n").unwrap();
    let path = dir.path().join("taskmux.toml");
    std::fs::write(
        &path,
        "[tasks.a]\ncommand = \"x\"\nenv_file = \".env\"\nenv = { A = \"from_env\" }\n",
    )
    .unwrap();
    let c = load(&path).unwrap();
    let t = &c.tasks[0];
    assert_eq!(t.env["A"], "from_env");
    assert_eq!(t.env["B"], "file_only");
    assert_eq!(
        t.env_file.as_deref(),
        Some(dir.path().join(".env").as_path())
    );

    std::fs::write(
        &path,
        "[tasks.a]\ncommand = \"x\"\nenv_file = \"missing.env\"\n",
    )
    .unwrap();
    let e = load(&path).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(
        e.message.contains(":3:12: tasks.a.env_file: cannot read"),
        "{}",
        e.message
    );
    assert!(e.message.contains("missing.env"), "{}", e.message);
}

#[test]
fn find_config_searches_parents() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().canonicalize().unwrap();
    std::fs::write(root.join(CONFIG_FILE), "").unwrap();
    let deep = root.join("a/b");
    std::fs::create_dir_all(&deep).unwrap();
    assert_eq!(find_config_from(&deep).unwrap(), root.join(CONFIG_FILE));
    assert_eq!(find_config_from(&root).unwrap(), root.join(CONFIG_FILE));

    let empty = tempfile::tempdir().unwrap();
    // Only meaningful if no ancestor of the temp dir has a taskmux.toml.
    if let Err(e) = find_config_from(empty.path()) {
        assert_eq!(e.code, crate::error::ErrorCode::NoConfig);
        assert_eq!(e.exit_code, EXIT_USAGE);
        assert!(e.message.contains("taskmux init"), "{}", e.message);
        assert!(e.message.contains("--config"), "{}", e.message);
    }

    let explicit = root.join(CONFIG_FILE);
    assert_eq!(find_config(Some(&explicit)).unwrap(), explicit);
    let e = find_config(Some(&root.join("nope.toml"))).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(e.message.contains("nope.toml not found"), "{}", e.message);
}

#[test]
fn load_missing_file_is_exit_2() {
    let e = load(Path::new("/nonexistent/dir/taskmux.toml")).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(e.message.contains("not found"));
}
