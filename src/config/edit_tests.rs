//! Unit tests of `edit`.
use super::*;
use crate::error::EXIT_USAGE;
use std::path::PathBuf;

const COMMENTED: &str = r#"# Project stack
name = "demo" # session name

# Global hooks
[hooks]
before_start = "echo up" # say hi

# The database
[tasks.db]
# run postgres
command = "postgres"
port = 5432 # default port

# The API server
[tasks.api]
command = "cargo run"
depends_on = ["db"]

[tasks.api.hooks]
# build first
before_start = "make"
"#;

fn setup(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taskmux.toml");
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn add_then_remove_keeps_comments() {
    let (_d, path) = setup(COMMENTED);
    let mut t = NewTask::new("web", "npm run dev");
    t.port = Some(3000);
    t.depends_on = vec!["api".into()];
    t.auto_start = false;
    t.cwd = Some("frontend".into());
    add_task(&path, &t, false).unwrap();
    let added = read(&path);
    assert!(added.starts_with(COMMENTED), "{added}");
    assert!(
        added.ends_with(
            "\n[tasks.web]\ncommand = \"npm run dev\"\ncwd = \"frontend\"\nport = 3000\ndepends_on = [\"api\"]\nauto_start = false\n"
        ),
        "{added}"
    );
    let cfg = load::load(&path).unwrap();
    assert_eq!(cfg.task_names(), vec!["db", "api", "web"]);
    assert!(!cfg.task("web").unwrap().auto_start);

    remove_task(&path, "web").unwrap();
    assert_eq!(read(&path), COMMENTED);
}

#[test]
fn remove_middle_task_keeps_other_comments() {
    let text = "# top\n[tasks.a]\ncommand = \"a\" # keep a\n\n# about b\n[tasks.b]\ncommand = \"b\"\n\n[tasks.b.hooks]\nbefore_start = \"x\"\n\n# about c\n[tasks.c]\n# inside c\ncommand = \"c\"\n";
    let (_d, path) = setup(text);
    remove_task(&path, "b").unwrap();
    let after = read(&path);
    assert_eq!(
        after,
        "# top\n[tasks.a]\ncommand = \"a\" # keep a\n\n# about c\n[tasks.c]\n# inside c\ncommand = \"c\"\n"
    );
    assert_eq!(load::load(&path).unwrap().task_names(), vec!["a", "c"]);
}

#[test]
fn remove_bare_string_task() {
    let text = "[tasks]\n# the web\nweb = \"npm run dev\"\n# the worker\nworker = \"celery\"\n";
    let (_d, path) = setup(text);
    remove_task(&path, "web").unwrap();
    assert_eq!(read(&path), "[tasks]\n# the worker\nworker = \"celery\"\n");
}

#[test]
fn remove_dotted_task() {
    let text = "name = \"x\"\ntasks.web.command = \"a\"\ntasks.web.port = 3000\ntasks.api.command = \"b\"\n";
    let (_d, path) = setup(text);
    remove_task(&path, "web").unwrap();
    assert_eq!(read(&path), "name = \"x\"\ntasks.api.command = \"b\"\n");
}

#[test]
fn add_to_bare_string_tasks() {
    let text = "[tasks]\nweb = \"npm run dev\" # dev server\n";
    let (_d, path) = setup(text);
    add_task(&path, &NewTask::new("worker", "celery"), false).unwrap();
    let after = read(&path);
    assert!(after.starts_with(text), "{after}");
    assert_eq!(
        load::load(&path).unwrap().task_names(),
        vec!["web", "worker"]
    );
    // force-replace the bare string: stays where it is
    let mut t = NewTask::new("web", "vite");
    t.port = Some(5173);
    add_task(&path, &t, true).unwrap();
    let cfg = load::load(&path).unwrap();
    assert_eq!(cfg.task_names(), vec!["web", "worker"]);
    assert_eq!(cfg.task("web").unwrap().command, "vite");
    assert_eq!(cfg.task("web").unwrap().port, Some(5173));
}

#[test]
fn add_to_file_without_tasks() {
    let (_d, path) = setup("name = \"demo\"\n");
    add_task(&path, &NewTask::new("web", "npm start"), false).unwrap();
    assert_eq!(
        read(&path),
        "name = \"demo\"\n\n[tasks.web]\ncommand = \"npm start\"\n"
    );
    let (_d2, path2) = setup("");
    add_task(&path2, &NewTask::new("web", "npm start"), false).unwrap();
    assert_eq!(read(&path2), "[tasks.web]\ncommand = \"npm start\"\n");
}

#[test]
fn add_before_later_tables() {
    let text = "[tasks.a]\ncommand = \"a\"\n\n[hooks]\nafter_stop = \"x\"\n";
    let (_d, path) = setup(text);
    add_task(&path, &NewTask::new("b", "b"), false).unwrap();
    let after = read(&path);
    assert!(after.contains("[hooks]\nafter_stop = \"x\"\n"), "{after}");
    assert_eq!(load::load(&path).unwrap().task_names(), vec!["a", "b"]);
}

#[test]
fn refuses_existing_unless_forced() {
    let (_d, path) = setup(COMMENTED);
    let e = add_task(&path, &NewTask::new("db", "mysqld"), false).unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::TaskExists);
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(e.message.contains("--force"), "{}", e.message);
    assert_eq!(read(&path), COMMENTED);

    add_task(&path, &NewTask::new("db", "mysqld"), true).unwrap();
    let after = read(&path);
    // replaced in place, comment above it kept, others untouched
    assert!(
        after.contains("# The database\n[tasks.db]\ncommand = \"mysqld\"\n"),
        "{after}"
    );
    assert!(after.contains("# The API server\n[tasks.api]"), "{after}");
    assert!(!after.contains("postgres"), "{after}");
    let cfg = load::load(&path).unwrap();
    assert_eq!(cfg.task_names(), vec!["db", "api"]);
    assert_eq!(cfg.task("db").unwrap().port, None);
}

#[test]
fn add_validates_before_writing() {
    let (_d, path) = setup(COMMENTED);
    let mut t = NewTask::new("web", "npm start");
    t.depends_on = vec!["apii".into()];
    let e = add_task(&path, &t, false).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(
        e.message
            .contains("unknown task 'apii' (did you mean 'api'?)"),
        "{}",
        e.message
    );
    assert_eq!(read(&path), COMMENTED);

    let e = add_task(&path, &NewTask::new("bad name", "x"), false).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(
        e.message.contains("invalid task name \"bad name\""),
        "{}",
        e.message
    );
    assert_eq!(read(&path), COMMENTED);

    let e = add_task(&path, &NewTask::new("ok", " "), false).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
}

#[test]
fn add_to_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("taskmux.toml");
    let e = add_task(&path, &NewTask::new("web", "x"), false).unwrap_err();
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(e.message.contains("taskmux init"), "{}", e.message);
    assert!(!path.exists());
}

#[test]
fn refuses_removing_a_dependency() {
    let (_d, path) = setup(COMMENTED);
    let e = remove_task(&path, "db").unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::HasDependents);
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(e.message.contains("'api'"), "{}", e.message);
    assert_eq!(read(&path), COMMENTED);
}

#[test]
fn remove_unknown_task() {
    let (_d, path) = setup(COMMENTED);
    let e = remove_task(&path, "dbb").unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::UnknownTask);
    assert_eq!(e.exit_code, EXIT_USAGE);
    assert!(e.message.contains("did you mean 'db'"), "{}", e.message);
}

#[test]
fn keeps_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let (_d, path) = setup("[tasks]\na = \"x\"\n");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    add_task(&path, &NewTask::new("b", "y"), false).unwrap();
    let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
    // no temp files left behind
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn dotted_and_inline_styles_are_kept() {
    let (_d, path) = setup("name = \"x\"\ntasks.web.command = \"a\"\n");
    let mut t = NewTask::new("new", "n");
    t.port = Some(1);
    add_task(&path, &t, false).unwrap();
    let mut t = NewTask::new("web", "w2");
    t.depends_on = vec!["new".into()];
    add_task(&path, &t, true).unwrap();
    assert_eq!(
        read(&path),
        "name = \"x\"\ntasks.web.command = \"w2\"\ntasks.web.depends_on = [\"new\"]\ntasks.new = { command = \"n\", port = 1 }\n"
    );

    let (_d, path) = setup("tasks = { web = \"a\" }\n");
    add_task(&path, &NewTask::new("new", "n"), false).unwrap();
    let after = read(&path);
    assert!(after.starts_with("tasks = { web = \"a\""), "{after}");
    assert!(after.contains("new = { command = \"n\" }"), "{after}");
    assert_eq!(load::load(&path).unwrap().task_names(), vec!["web", "new"]);
    let e = add_task(&path, &NewTask::new("web", "n"), false).unwrap_err();
    assert_eq!(e.code, crate::error::ErrorCode::TaskExists);
}

#[test]
fn force_replace_drops_old_subtables() {
    let text = "[tasks.web]\ncommand = \"a\"\n[tasks.web.hooks]\nbefore_start = \"b\"\n# c\n[tasks.api]\ncommand = \"c\"\n";
    let (_d, path) = setup(text);
    add_task(&path, &NewTask::new("web", "w2"), true).unwrap();
    assert_eq!(
        read(&path),
        "[tasks.web]\ncommand = \"w2\"\n# c\n[tasks.api]\ncommand = \"c\"\n"
    );
}
