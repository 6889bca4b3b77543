//! The dependency graph of tasks: start/stop order, dependents, cycles.
//!
//! Everything here is a pure function. The `&Config` versions are thin wrappers
//! over the `*_of` versions, which take `(task, depends_on)` pairs in file order,
//! so the validator can use them before a `Config` exists.

use crate::config::model::Config;
use std::collections::{HashMap, HashSet};

/// `(name, depends_on)` pairs of a config, in file order.
pub fn deps_of(cfg: &Config) -> Vec<(String, Vec<String>)> {
    cfg.tasks
        .iter()
        .map(|t| (t.name.clone(), t.depends_on.clone()))
        .collect()
}

/// Start levels: level 0 holds tasks without dependencies, each later level the
/// tasks whose dependencies all sit in earlier levels. File order within a level.
pub fn start_order(cfg: &Config) -> Vec<Vec<String>> {
    levels_of(&deps_of(cfg))
}

/// Stop levels: the start levels reversed (dependents stop before what they need).
pub fn stop_order(cfg: &Config) -> Vec<Vec<String>> {
    let mut levels = start_order(cfg);
    levels.reverse();
    levels
}

/// Tasks that list `name` in their `depends_on` directly, in file order.
pub fn dependents(cfg: &Config, name: &str) -> Vec<String> {
    dependents_of(&deps_of(cfg), name)
}

/// An error when other tasks depend on `name` (it cannot be removed).
pub fn check_removable(cfg: &Config, name: &str) -> crate::error::Result<()> {
    let dependents = dependents(cfg, name);
    if dependents.is_empty() {
        return Ok(());
    }
    let one = dependents.len() == 1;
    Err(crate::error::Error::new(
        crate::error::ErrorCode::HasDependents,
        format!(
            "cannot remove '{name}': {} depend{} on it (remove or edit {} first)",
            dependents.join(", "),
            if one { "s" } else { "" },
            if one { "it" } else { "them" }
        ),
    ))
}

/// Every task that depends on `name` directly or through others, in start order.
pub fn dependents_transitive(cfg: &Config, name: &str) -> Vec<String> {
    dependents_transitive_of(&deps_of(cfg), name)
}

/// Start levels over `(name, deps)` pairs. Dependencies on unknown tasks are
/// ignored; tasks caught in a cycle (which validation rejects) come last, as one
/// level, in file order, so nothing is ever dropped.
pub fn levels_of(deps: &[(String, Vec<String>)]) -> Vec<Vec<String>> {
    let known: HashSet<&str> = deps.iter().map(|(n, _)| n.as_str()).collect();
    let mut placed: HashSet<&str> = HashSet::new();
    let mut levels: Vec<Vec<String>> = Vec::new();
    while placed.len() < deps.len() {
        let level: Vec<&str> = deps
            .iter()
            .filter(|(n, _)| !placed.contains(n.as_str()))
            .filter(|(_, ds)| {
                ds.iter()
                    .all(|d| !known.contains(d.as_str()) || placed.contains(d.as_str()))
            })
            .map(|(n, _)| n.as_str())
            .collect();
        if level.is_empty() {
            // A cycle: put the rest in one final level.
            let rest: Vec<String> = deps
                .iter()
                .filter(|(n, _)| !placed.contains(n.as_str()))
                .map(|(n, _)| n.clone())
                .collect();
            levels.push(rest);
            break;
        }
        placed.extend(level.iter().copied());
        levels.push(level.into_iter().map(String::from).collect());
    }
    levels
}

/// Direct dependents of `name` over `(name, deps)` pairs, in file order.
pub fn dependents_of(deps: &[(String, Vec<String>)], name: &str) -> Vec<String> {
    deps.iter()
        .filter(|(_, ds)| ds.iter().any(|d| d == name))
        .map(|(n, _)| n.clone())
        .collect()
}

/// Transitive dependents of `name` over `(name, deps)` pairs, in start order.
pub fn dependents_transitive_of(deps: &[(String, Vec<String>)], name: &str) -> Vec<String> {
    let mut found: HashSet<String> = HashSet::new();
    let mut stack = vec![name.to_string()];
    while let Some(cur) = stack.pop() {
        for d in dependents_of(deps, &cur) {
            if d != name && found.insert(d.clone()) {
                stack.push(d);
            }
        }
    }
    in_start_order(deps, &found)
}

fn in_start_order(deps: &[(String, Vec<String>)], set: &HashSet<String>) -> Vec<String> {
    levels_of(deps)
        .into_iter()
        .flatten()
        .filter(|n| set.contains(n))
        .collect()
}

/// The first dependency cycle found (searching tasks in file order), as the path
/// that closes it: `[a, b, c, a]` means a needs b, b needs c, c needs a.
/// A self-dependency is the cycle `[a, a]`. Unknown dependencies are ignored.
pub fn find_cycle(deps: &[(String, Vec<String>)]) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Active,
        Done,
    }
    let index: HashMap<&str, usize> = deps
        .iter()
        .enumerate()
        .map(|(i, (n, _))| (n.as_str(), i))
        .collect();
    let mut mark = vec![Mark::New; deps.len()];

    fn visit(
        i: usize,
        deps: &[(String, Vec<String>)],
        index: &HashMap<&str, usize>,
        mark: &mut [Mark],
        path: &mut Vec<usize>,
    ) -> Option<Vec<String>> {
        mark[i] = Mark::Active;
        path.push(i);
        for d in &deps[i].1 {
            let Some(&j) = index.get(d.as_str()) else {
                continue;
            };
            match mark[j] {
                Mark::Active => {
                    let start = path.iter().position(|&p| p == j).unwrap_or(0);
                    let mut cycle: Vec<String> =
                        path[start..].iter().map(|&p| deps[p].0.clone()).collect();
                    cycle.push(deps[j].0.clone());
                    return Some(cycle);
                }
                Mark::New => {
                    if let Some(c) = visit(j, deps, index, mark, path) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        path.pop();
        mark[i] = Mark::Done;
        None
    }

    for i in 0..deps.len() {
        if mark[i] == Mark::New {
            let mut path = Vec::new();
            if let Some(c) = visit(i, deps, &index, &mut mark, &mut path) {
                return Some(c);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::model::{Config, TaskConfig};
    use std::path::Path;

    fn d(pairs: &[(&str, &[&str])]) -> Vec<(String, Vec<String>)> {
        pairs
            .iter()
            .map(|(n, ds)| (n.to_string(), ds.iter().map(|s| s.to_string()).collect()))
            .collect()
    }

    fn cfg(pairs: &[(&str, &[&str])]) -> Config {
        let dir = Path::new("/tmp/proj");
        let tasks = pairs
            .iter()
            .map(|(n, ds)| {
                let mut t = TaskConfig::with_defaults(n, "true", dir);
                t.depends_on = ds.iter().map(|s| s.to_string()).collect();
                t
            })
            .collect();
        Config {
            name: "t".into(),
            auto_start: true,
            hooks: Default::default(),
            tasks,
            strategy: Default::default(),
            allowed_origins: vec![],
            daemon: None,
            shell: None,
            hook_timeout: crate::config::model::DEFAULT_HOOK_TIMEOUT,
            log_max_size: crate::config::model::DEFAULT_LOG_MAX_SIZE,
            log_max_files: crate::config::model::DEFAULT_LOG_MAX_FILES,
            path: dir.join("taskmux.toml"),
            dir: dir.to_path_buf(),
        }
    }

    /// The README's full-stack example.
    fn stack() -> Config {
        cfg(&[
            ("db", &[]),
            ("migrate", &["db"]),
            ("api", &["migrate"]),
            ("worker", &["db"]),
            ("web", &["api"]),
            ("storybook", &[]),
        ])
    }

    fn v(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn start_levels_keep_file_order() {
        assert_eq!(
            start_order(&stack()),
            vec![
                v(&["db", "storybook"]),
                v(&["migrate", "worker"]),
                v(&["api"]),
                v(&["web"]),
            ]
        );
    }

    #[test]
    fn stop_levels_are_reversed() {
        assert_eq!(
            stop_order(&stack()),
            vec![
                v(&["web"]),
                v(&["api"]),
                v(&["migrate", "worker"]),
                v(&["db", "storybook"]),
            ]
        );
    }

    #[test]
    fn empty_config_has_no_levels() {
        assert!(start_order(&cfg(&[])).is_empty());
    }

    #[test]
    fn direct_dependents() {
        assert_eq!(dependents(&stack(), "db"), v(&["migrate", "worker"]));
        assert_eq!(dependents(&stack(), "web"), Vec::<String>::new());
    }

    #[test]
    fn transitive_dependents_in_start_order() {
        assert_eq!(
            dependents_transitive(&stack(), "db"),
            v(&["migrate", "worker", "api", "web"])
        );
        assert_eq!(dependents_transitive(&stack(), "api"), v(&["web"]));
        assert!(dependents_transitive(&stack(), "storybook").is_empty());
    }

    #[test]
    fn finds_cycles_in_order() {
        assert_eq!(find_cycle(&d(&[("a", &[]), ("b", &["a"])])), None);
        assert_eq!(
            find_cycle(&d(&[("a", &["b"]), ("b", &["c"]), ("c", &["a"])])),
            Some(v(&["a", "b", "c", "a"]))
        );
        // The cycle does not have to include the first task.
        assert_eq!(
            find_cycle(&d(&[("x", &["a"]), ("a", &["b"]), ("b", &["a"])])),
            Some(v(&["a", "b", "a"]))
        );
        assert_eq!(find_cycle(&d(&[("a", &["a"])])), Some(v(&["a", "a"])));
        // Unknown dependencies are not cycles.
        assert_eq!(find_cycle(&d(&[("a", &["zzz"])])), None);
    }

    #[test]
    fn cycles_do_not_lose_tasks_in_levels() {
        let levels = levels_of(&d(&[("ok", &[]), ("a", &["b"]), ("b", &["a"])]));
        assert_eq!(levels, vec![v(&["ok"]), v(&["a", "b"])]);
    }

    #[test]
    fn diamond() {
        let deps = d(&[
            ("top", &["left", "right"]),
            ("left", &["base"]),
            ("right", &["base"]),
            ("base", &[]),
        ]);
        assert_eq!(
            levels_of(&deps),
            vec![v(&["base"]), v(&["left", "right"]), v(&["top"])]
        );
        assert_eq!(
            dependents_transitive_of(&deps, "base"),
            v(&["left", "right", "top"])
        );
        assert_eq!(find_cycle(&deps), None);
    }
}
