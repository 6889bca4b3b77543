//! init, agent context blocks, check, wait, completions and the examples.

mod common;
use common::*;
use std::path::{Path, PathBuf};

/// A bin dir holding fake agent binaries, and a PATH with it first.
fn fake_agents(sb: &Sandbox, names: &[&str]) -> String {
    use std::os::unix::fs::PermissionsExt;
    let bin = sb.dir.path().join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    for n in names {
        let p = bin.join(n);
        std::fs::write(&p, "#!/bin/sh\nexit 0\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    format!("{}:/usr/bin:/bin", bin.display())
}

fn run_path(sb: &Sandbox, path: &str, args: &[&str]) -> Run {
    sb.cmd(args)
        .env("PATH", path)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
        .into()
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn init_writes_config_and_agent_blocks_idempotently() {
    let sb = Sandbox::new();
    let path = fake_agents(&sb, &["claude", "codex"]);
    std::fs::write(sb.path("package.json"), r#"{"scripts":{"dev":"vite"}}"#).unwrap();
    std::fs::write(sb.path("bun.lockb"), "").unwrap();
    std::fs::write(sb.path("Procfile"), "web: python3 -m http.server\n").unwrap();
    std::fs::write(
        sb.path("docker-compose.yml"),
        "services:\n  postgres:\n    image: postgres\n",
    )
    .unwrap();
    std::fs::write(sb.path("Makefile"), "serve:\n\techo hi\n").unwrap();
    std::fs::write(sb.path("AGENTS.md"), "# My rules\n\nKeep this.\n").unwrap();

    let r = run_path(&sb, &path, &["init", "--json"]).ok();
    let v = r.json();
    assert_eq!(v["config"]["action"], "created", "{v}");
    assert_eq!(v["session"], "work");
    let agents: Vec<&str> = v["agents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(agents, ["claude", "codex"]);

    let toml = read(sb.path("taskmux.toml"));
    assert!(toml.contains("name = \"work\""), "{toml}");
    for proposal in [
        "# command = \"bun run dev\"",
        "# command = \"python3 -m http.server\"",
        "# command = \"docker compose up postgres\"",
        "# command = \"make serve\"",
    ] {
        assert!(toml.contains(proposal), "missing {proposal}:\n{toml}");
    }
    assert!(toml.contains("Uncomment"), "{toml}");
    // Loads, and starts nothing.
    sb.run(&["check"]).ok();
    assert_eq!(sb.json(&["status"])["tasks"].as_array().unwrap().len(), 0);

    let claude = read(sb.path(".claude/rules/taskmux.md"));
    let agents_md = read(sb.path("AGENTS.md"));
    assert!(claude.contains("<!-- taskmux:start -->") && claude.contains("<!-- taskmux:end -->"));
    assert!(claude.contains("status --json") && claude.contains("nohup"));
    assert!(
        agents_md.starts_with("# My rules\n\nKeep this.\n"),
        "{agents_md}"
    );
    assert!(agents_md.contains("<!-- taskmux:start -->"));
    assert!(!sb.path("GEMINI.md").exists());

    // Re-running changes nothing (config refused, blocks byte-identical).
    let again = run_path(&sb, &path, &["init"]).code(1);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(read(sb.path("taskmux.toml")), toml);
    assert_eq!(read(sb.path(".claude/rules/taskmux.md")), claude);
    assert_eq!(read(sb.path("AGENTS.md")), agents_md);

    // Text after the block survives a refresh that changes the block.
    std::fs::write(
        sb.path("AGENTS.md"),
        format!("{agents_md}\n## After\nmine too\n"),
    )
    .unwrap();
    sb.run(&[
        "add",
        "api",
        "python3 -m http.server 18999",
        "--port",
        "18999",
    ])
    .ok();
    let refreshed = read(sb.path("AGENTS.md"));
    assert!(
        refreshed.starts_with("# My rules\n\nKeep this.\n"),
        "{refreshed}"
    );
    assert!(refreshed.ends_with("\n## After\nmine too\n"), "{refreshed}");
    assert!(
        refreshed.contains("`api`: `python3 -m http.server 18999` (port 18999)"),
        "{refreshed}"
    );
    assert_eq!(refreshed.matches("<!-- taskmux:start -->").count(), 1);
    assert!(read(sb.path(".claude/rules/taskmux.md")).contains("`api`"));
}

#[test]
fn init_takes_a_session_name_piped_in() {
    use std::io::Write;
    use std::process::Stdio;
    let sb = Sandbox::new();
    let init_with = |input: &str| {
        let mut child = sb
            .cmd(&["init"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let out = init_with("piped-name\n");
    assert!(out.status.success(), "{out:?}");
    assert!(read(sb.path("taskmux.toml")).contains("name = \"piped-name\""));
    std::fs::remove_file(sb.path("taskmux.toml")).unwrap();
    let out = init_with("not valid\n");
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid session name"));
    assert!(!sb.path("taskmux.toml").exists());
}

#[test]
fn init_force_and_agents_only() {
    let sb = Sandbox::new();
    let path = fake_agents(&sb, &["gemini"]);
    sb.config("name = \"old\"\n");
    // Refused: exit 1, file unchanged, but the agent block is written.
    let v = run_path(&sb, &path, &["init", "--json"]).code(1).json();
    assert_eq!(v["ok"], false);
    assert_eq!(v["config"]["action"], "exists");
    assert_eq!(read(sb.path("taskmux.toml")), "name = \"old\"\n");
    assert!(read(sb.path("GEMINI.md")).contains("<!-- taskmux:end -->"));

    // --agents-only: exit 0, config untouched.
    std::fs::remove_file(sb.path("GEMINI.md")).unwrap();
    let v = run_path(&sb, &path, &["init", "--agents-only", "--json"])
        .ok()
        .json();
    assert_eq!(v["config"]["action"], "untouched");
    assert_eq!(v["context_files"][0]["file"], "GEMINI.md");
    assert_eq!(v["context_files"][0]["action"], "created");
    assert_eq!(read(sb.path("taskmux.toml")), "name = \"old\"\n");

    // --force overwrites.
    let v = run_path(&sb, &path, &["init", "--force", "--defaults", "--json"])
        .ok()
        .json();
    assert_eq!(v["config"]["action"], "overwritten");
    assert!(read(sb.path("taskmux.toml")).contains("name = \"work\""));
}

#[test]
fn add_and_remove_refresh_only_marked_files() {
    let sb = Sandbox::new();
    sb.config("name = \"ed\"\n[tasks.one]\ncommand = \"sleep 100\"\n");
    std::fs::write(sb.path("AGENTS.md"), "no markers here\n").unwrap();
    std::fs::write(
        sb.path("GEMINI.md"),
        "top\n<!-- taskmux:start -->\nold\n<!-- taskmux:end -->\nbottom\n",
    )
    .unwrap();
    sb.run(&["add", "two", "sleep 200"]).ok();
    let g = read(sb.path("GEMINI.md"));
    assert!(g.starts_with("top\n<!-- taskmux:start -->\n"), "{g}");
    assert!(g.ends_with("<!-- taskmux:end -->\nbottom\n"), "{g}");
    assert!(
        g.contains("`two`: `sleep 200`") && !g.contains("\nold\n"),
        "{g}"
    );
    assert_eq!(read(sb.path("AGENTS.md")), "no markers here\n");
    assert!(!sb.path(".claude").exists());
    sb.run(&["remove", "two"]).ok();
    let g = read(sb.path("GEMINI.md"));
    assert!(!g.contains("`two`") && g.contains("`one`"), "{g}");
}

fn findings(v: &serde_json::Value, key: &str) -> Vec<(String, String)> {
    v[key]
        .as_array()
        .unwrap_or_else(|| panic!("no {key}: {v}"))
        .iter()
        .map(|f| {
            assert!(f["message"].is_string() && f["fix"].is_string(), "{f}");
            (
                f["code"].as_str().unwrap().to_string(),
                f["task"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

#[test]
fn check_lints_each_problem() {
    let sb = Sandbox::new();
    let held = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let held_port = held.local_addr().unwrap().port();
    let dup = free_port();
    sb.config(&format!(
        r#"
name = "lint"
[tasks.nocwd]
command = "sleep 1"
cwd = "does/not/exist"
[tasks.noprog]
command = "FOO=1 definitely-not-a-program-xyz --flag"
[tasks.noscript]
command = "./missing.sh"
[tasks.manual]
command = "sleep 100"
auto_start = false
[tasks.dependent]
command = "sleep 100"
depends_on = ["manual"]
[tasks.p1]
command = "sleep 100"
port = {dup}
[tasks.p2]
command = "sleep 100"
port = {dup}
[tasks.held]
command = "sleep 100"
port = {held_port}
[tasks.slow]
command = "sleep 100"
health_check = "no-such-probe-tool-xyz"
health_interval = 1
health_timeout = 2
[tasks.fine]
command = "cd / && exec sleep 100"
"#
    ));
    let r = sb.run(&["check", "--json"]).code(1);
    let v = r.json();
    assert_eq!(v["ok"], false);
    let errors = findings(&v, "errors");
    let warnings = findings(&v, "warnings");
    let has = |list: &[(String, String)], code: &str, task: &str| {
        list.iter().any(|(c, t)| c == code && t == task)
    };
    assert!(has(&errors, "TM001", "nocwd"), "{v}");
    assert!(has(&warnings, "TM002", "noprog"), "{v}");
    assert!(has(&errors, "TM003", "noscript"), "{v}");
    assert!(has(&warnings, "TM004", "dependent"), "{v}");
    assert!(has(&errors, "TM005", "p2"), "{v}");
    assert!(has(&warnings, "TM006", "held"), "{v}");
    assert!(has(&warnings, "TM007", "slow"), "{v}");
    assert!(has(&warnings, "TM008", "slow"), "{v}");
    assert!(
        !errors.iter().chain(&warnings).any(|(_, t)| t == "fine"),
        "{v}"
    );
    let msg = v["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "TM006")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    // Human output: a table with the codes and a summary.
    let human = sb.run(&["check"]).code(1);
    assert!(human.stdout.contains("TM005") && human.stdout.contains("error(s)"));
    drop(held);

    // Warnings only: exit 0.
    sb.config("[tasks.a]\ncommand = \"not-a-real-binary-xyz\"\n");
    let v = sb.run(&["check", "--json"]).ok().json();
    assert_eq!(v["ok"], true);
    assert_eq!(findings(&v, "warnings")[0].0, "TM002");

    // A config that does not load: exit 2.
    sb.config("[tasks.a]\ncommand = \"x\"\nbogus = 1\n");
    let r = sb.run(&["check"]).code(2);
    assert!(r.stderr.contains("bogus"), "{}", r.stderr);
}

#[test]
fn check_ignores_a_port_held_by_the_task_itself() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!(
        "name = \"own\"\n[tasks.srv]\ncommand = \"exec python3 -m http.server {port} --bind 127.0.0.1\"\nport = {port}\nhealth_interval = 0.5\nhealth_timeout = 0.2\n"
    ));
    sb.run(&["start"]).ok();
    sb.run(&["wait", "--timeout", "20s"]).ok();
    let v = sb.run(&["check", "--json"]).ok().json();
    assert!(findings(&v, "warnings").is_empty(), "{v}");
}

#[test]
fn wait_success_timeout_and_fast_failure() {
    let sb = Sandbox::new();
    let port = free_port();
    sb.config(&format!(
        r#"
name = "wt"
[tasks.srv]
command = "sleep 0.5; exec python3 -m http.server {port} --bind 127.0.0.1"
port = {port}
health_interval = 0.5
health_timeout = 0.3
[tasks.never]
command = "sleep 300"
health_check = "echo still-not-ready; exit 1"
auto_start = false
[tasks.dies]
command = "exit 7"
auto_start = false
"#
    ));
    // Nothing running and nobody starting it: the wait fails at once (not at its
    // timeout), naming the task and why.
    let t0 = std::time::Instant::now();
    let r = sb.run(&["wait", "srv", "--timeout", "30s"]).code(1);
    assert!(t0.elapsed() < std::time::Duration::from_secs(2));
    assert!(
        r.stderr.contains("srv") && r.stderr.contains("session is not running"),
        "{}",
        r.stderr
    );

    sb.run(&["start", "srv"]).ok();
    let v = sb.run(&["wait", "--timeout", "20s", "--json"]).ok().json();
    assert_eq!(v["ok"], true, "{v}");
    assert_eq!(v["tasks"][0]["task"], "srv");
    assert_eq!(v["tasks"][0]["healthy"], true);

    // Unhealthy until the timeout: the last probe output is in the reason.
    sb.run(&["start", "never"]).ok();
    let r = sb
        .run(&["wait", "never", "--timeout", "1s", "--json"])
        .code(1);
    let v = r.json();
    assert_eq!(v["error"]["code"], "timeout", "{v}");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("still-not-ready"),
        "{v}"
    );

    // A task that exits fails the wait at once, with its exit code.
    sb.run(&["start", "dies"]).ok();
    let t0 = std::time::Instant::now();
    let r = sb.run(&["wait", "dies", "--timeout", "30s"]).code(1);
    assert!(t0.elapsed() < std::time::Duration::from_secs(10));
    assert!(r.stderr.contains("code 7"), "{}", r.stderr);
    // status shows the reason too.
    let row = sb.task("dies");
    assert_eq!(row["reason"], "exited with code 7", "{row}");
}

#[test]
fn completions_for_each_shell() {
    let sb = Sandbox::new();
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let r = sb.run(&["completions", shell]).ok();
        assert!(r.stdout.len() > 100, "{shell}: {}", r.stdout);
        assert!(r.stdout.contains("taskmux"), "{shell}");
        assert!(r.stdout.contains("COMPLETE"), "{shell}");
    }
    sb.run(&["completions", "tcsh"]).code(2);

    // Task names complete, from the taskmux.toml of the directory: a real bash
    // sources the script and asks as it would on Tab.
    sb.config("[tasks.api]\ncommand = \"sleep 1\"\n[tasks.web]\ncommand = \"sleep 1\"\n");
    let script = sb.run(&["completions", "bash"]).ok().stdout;
    std::fs::write(sb.path("complete.bash"), script).unwrap();
    let ask = |words: &str, cword: usize| -> Vec<String> {
        let line = format!(
            "source complete.bash; COMP_WORDS=({words}); COMP_CWORD={cword}; COMP_TYPE=9; \
             _clap_complete_taskmux taskmux \"${{COMP_WORDS[{cword}]}}\" taskmux; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\""
        );
        let mut cmd = std::process::Command::new("bash");
        cmd.args(["--norc", "-c", &line]).current_dir(&sb.work);
        sb.env(&mut cmd);
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(str::to_string)
            .filter(|l| !l.is_empty())
            .collect()
    };
    assert_eq!(ask("taskmux restart w", 2), vec!["web"]);
    let all = ask("taskmux logs ''", 2);
    assert!(
        all.contains(&"api".to_string()) && all.contains(&"web".to_string()),
        "{all:?}"
    );
    assert!(ask("taskmux st", 1).contains(&"status".to_string()));
}

fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples")
}

fn example_configs(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            example_configs(&p, out);
        } else if p.file_name().is_some_and(|n| n == "taskmux.toml") {
            out.push(p);
        }
    }
}

#[test]
fn every_example_passes_check() {
    let sb = Sandbox::new();
    let mut configs = Vec::new();
    example_configs(&examples_dir(), &mut configs);
    assert!(configs.len() >= 2, "{configs:?}");
    for c in configs {
        let v = sb
            .run(&["check", "--json", "--config", c.to_str().unwrap()])
            .ok()
            .json();
        assert!(
            v["errors"].as_array().unwrap().is_empty(),
            "{}: {v}",
            c.display()
        );
    }
}

#[test]
fn fullstack_example_starts_and_becomes_healthy() {
    let sb = Sandbox::new();
    let src = examples_dir().join("fullstack");
    for e in std::fs::read_dir(&src).unwrap().flatten() {
        if e.path().is_file() {
            std::fs::copy(e.path(), sb.path(&e.file_name().to_string_lossy())).unwrap();
        }
    }
    // The example's fixed ports become free ones: port cleanup must never reach
    // a process of someone else's (a running demo) on this machine.
    let config = sb.path("taskmux.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    let mut taken = Vec::new();
    for fixed in ["18541", "18800", "18300", "18600"] {
        assert!(
            text.contains(fixed),
            "the example no longer uses port {fixed}"
        );
        let port = std::iter::repeat_with(free_port)
            .find(|p| !taken.contains(p))
            .unwrap();
        taken.push(port);
        text = text.replace(fixed, &port.to_string());
    }
    std::fs::write(&config, text).unwrap();
    sb.run(&["start"]).ok();
    let v = sb.run(&["wait", "--timeout", "30s", "--json"]).ok().json();
    let names: Vec<&str> = v["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["task"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["db", "migrate", "api", "worker", "web"]);
    assert!(sb.path(".migrate-complete").exists());
    assert_eq!(sb.task("storybook")["running"], false);
    sb.run(&["stop"]).ok();
    assert!(!sb.path(".migrate-complete").exists());
}

#[test]
fn help_config_answers_from_an_installed_binary() {
    let sb = Sandbox::new();
    // The header init writes points at it …
    sb.run(&["init", "--defaults"]).ok();
    let toml = std::fs::read_to_string(sb.path("taskmux.toml")).unwrap();
    assert!(toml.contains("`taskmux help config`"), "{toml}");
    // … and it answers without the repository: every task key is there.
    let text = sb.run(&["help", "config"]).ok().stdout;
    for key in [
        "`ready_log`",
        "`run`",
        "`depends_on`",
        "`port`",
        "${tasks.NAME.port}",
    ] {
        assert!(text.contains(key), "{key} missing from help config");
    }
    let start = sb.run(&["help", "start"]).ok().stdout;
    assert!(start.contains("Usage: taskmux start"), "{start}");
    let stop = sb.run(&["help", "daemon", "stop"]).ok().stdout;
    assert!(stop.contains("Usage: taskmux daemon stop"), "{stop}");
    let r = sb.run(&["help", "strat"]).code(2);
    assert!(r.stderr.contains("did you mean 'start'?"), "{}", r.stderr);
}
