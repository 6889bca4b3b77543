//! Unit tests of `init`.
use super::*;

#[test]
fn names() {
    assert_eq!(sanitize_name("my project!"), "my-project");
    assert_eq!(sanitize_name("..."), "taskmux");
    assert_eq!(sanitize_name("a.b_c"), "a-b_c");
}

#[test]
fn compose() {
    let t = "version: '3'\nservices:\n  db:\n    image: postgres\n    ports:\n      - 5432\n  \"redis\":\n    image: redis\nvolumes:\n  data:\n";
    assert_eq!(compose_services(t), vec!["db", "redis"]);
}

#[test]
fn rendered_file_loads() {
    let p = vec![Proposal {
        name: "dev".into(),
        command: "npm run \"dev\"".into(),
        source: "package.json".into(),
    }];
    let text = render("x", &p);
    let cfg = config::load::parse(&text, Path::new("/tmp/taskmux.toml")).unwrap();
    assert_eq!(cfg.name, "x");
    assert!(cfg.tasks.is_empty());
    // Uncommenting a proposal gives a valid task.
    let un = text.replace("# [tasks.dev]\n# command", "[tasks.dev]\ncommand");
    let cfg = config::load::parse(&un, Path::new("/tmp/taskmux.toml")).unwrap();
    assert_eq!(cfg.tasks[0].command, "npm run \"dev\"");
}
