//! The house rules of `docs/architecture.md`, checked on the sources: which
//! module may import which, no import circles between files, no source file
//! over 500 lines. `PROVRUM_LAYERS_PRINT=1 cargo test --test layers` prints
//! the whole file graph.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The layers, lowest first. A module may import its own files and any module
/// on a lower layer, never one on its own or a higher layer. `X::web` is
/// module X's HTTP face (its routes and pages): it sits above every domain so
/// that pages can show what several domains know, and only `startup` (which
/// mounts the routers) and `cli` sit above it.
const LAYERS: &[&[&str]] = &[
    // Leaves: no domain knowledge.
    &[
        "yaml",
        "clock",
        "filetypes",
        "artifacts",
        "browser",
        "audit",
        "spreadsheet",
    ],
    // `config` names the browser's default Chromium.
    &["config", "contact", "identities"],
    &["municipalities"],
    &["store"],
    // Background work knowing no domain: queued work (`work`: the lease
    // rules, the worker, who is alive), then the jobs registry and its rows.
    &["work"],
    &["jobs"],
    // The package model, versions and the version cache of resolved variants.
    &["services"],
    // The region's catalogue and term list, checked against services.
    &["catalogue"],
    // Users, roles, sessions.
    &["accounts"],
    // The HTTP kit: state, user extraction, CSRF, headers, errors, static files.
    &["web"],
    &["sandbox"],
    &["scenarios"],
    &["compare", "reviews"],
    &["checklists"],
    &["release"],
    // Orchestration above several domains.
    &["intake", "desk", "mail", "meetings"],
    // A service and its catalogue entry between regions' test rooms.
    &["bundles"],
    &["faces"],
    &["startup"],
    &["cli"],
    &["main"],
];

const MAX_LINES: usize = 500;

/// Import circles the architecture document names and justifies (none).
const ALLOWED_CIRCLES: &[&[&str]] = &[];

struct Source {
    module: Vec<String>,
    text: String,
    lines: usize,
}

fn sources() -> BTreeMap<PathBuf, Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut out = BTreeMap::new();
    let mut stack = vec![root.clone()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let rel = path.strip_prefix(&root).unwrap();
            let mut module: Vec<String> = rel
                .with_extension("")
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if module.last().is_some_and(|m| m == "mod" || m == "lib") {
                module.pop();
            }
            let raw = std::fs::read_to_string(&path).unwrap();
            let lines = raw.lines().count();
            out.insert(
                rel.to_path_buf(),
                Source {
                    module,
                    text: strip_comments(&raw),
                    lines,
                },
            );
        }
    }
    out
}

/// Line comments (and so doc comments) removed: they mention paths freely.
fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            // A `//` inside a string literal ("http://…") is kept when the line
            // has an odd number of quotes before it.
            Some(i) if l[..i].matches('"').count() % 2 == 0 => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every path that starts with `crate::`, `super::` or `self::` in a file,
/// with use-trees (`crate::a::{b, c::d}`) expanded, as absolute module paths.
fn paths(src: &Source) -> Vec<Vec<String>> {
    let text = src.text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let start = if rest.starts_with(b"crate::") {
            Some((Vec::new(), "crate::".len()))
        } else if rest.starts_with(b"super::") {
            let mut base = src.module.clone();
            base.pop();
            Some((base, "super::".len()))
        } else if rest.starts_with(b"self::") {
            Some((src.module.clone(), "self::".len()))
        } else {
            None
        };
        let boundary = i == 0 || !(text[i - 1].is_ascii_alphanumeric() || text[i - 1] == b'_');
        match start {
            Some((mut base, len)) if boundary => {
                let mut j = i + len;
                // `super::super::`
                while text[j..].starts_with(b"super::") {
                    base.pop();
                    j += "super::".len();
                }
                tree(&src.text, &mut j, base, &mut out);
                i = j.max(i + 1);
            }
            _ => i += 1,
        }
    }
    out
}

/// Parse a use-tree at `*j` (after `prefix::`), pushing each full path.
fn tree(text: &str, j: &mut usize, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let b = text.as_bytes();
    let skip_ws = |j: &mut usize| {
        while *j < b.len() && b[*j].is_ascii_whitespace() {
            *j += 1;
        }
    };
    skip_ws(j);
    if *j < b.len() && b[*j] == b'{' {
        *j += 1;
        loop {
            skip_ws(j);
            if *j >= b.len() || b[*j] == b'}' {
                *j += 1;
                return;
            }
            if text[*j..].starts_with("self") && !ident_char(b.get(*j + 4).copied()) {
                *j += 4;
                out.push(prefix.clone());
            } else {
                tree(text, j, prefix.clone(), out);
            }
            skip_ws(j);
            if *j < b.len() && b[*j] == b',' {
                *j += 1;
            }
        }
    }
    let start = *j;
    while *j < b.len() && ident_char(Some(b[*j])) {
        *j += 1;
    }
    let mut path = prefix;
    if *j > start {
        path.push(text[start..*j].to_string());
    } else if *j < b.len() && b[*j] == b'*' {
        *j += 1;
    }
    if text[*j..].starts_with("::") {
        *j += 2;
        tree(text, j, path, out);
    } else {
        // `as name` and the like are irrelevant: the path is complete.
        out.push(path);
    }
}

fn ident_char(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
}

/// The file an absolute path lands in: the longest prefix that is a module.
fn resolve<'a>(
    path: &[String],
    modules: &'a BTreeMap<Vec<String>, PathBuf>,
) -> Option<&'a PathBuf> {
    (1..=path.len())
        .rev()
        .find_map(|n| modules.get(&path[..n].to_vec()))
}

/// The unit a file belongs to for the layer rules: its top-level module, or
/// `faces` for a domain's `web` submodule.
fn unit(module: &[String]) -> String {
    match module {
        [] => "lib".into(),
        [top] if top == "main" => "main".into(),
        [top, sub, ..] if sub == "web" && top != "web" => "faces".into(),
        [top, ..] => top.clone(),
    }
}

fn layer(unit: &str) -> Option<usize> {
    LAYERS.iter().position(|l| l.contains(&unit))
}

struct Graph {
    edges: BTreeMap<PathBuf, BTreeSet<PathBuf>>,
    files: BTreeMap<PathBuf, Source>,
}

fn graph() -> Graph {
    let files = sources();
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .filter(|(p, _)| p.as_os_str() != "main.rs")
        .map(|(p, s)| (s.module.clone(), p.clone()))
        .collect();
    let mut edges = BTreeMap::new();
    for (path, src) in &files {
        let mut to = BTreeSet::new();
        for p in paths(src) {
            if let Some(target) = resolve(&p, &modules)
                && target != path
                && target.as_os_str() != "lib.rs"
            {
                to.insert(target.clone());
            }
        }
        edges.insert(path.clone(), to);
    }
    Graph { edges, files }
}

/// Strongly connected components with more than one file (Tarjan).
fn circles(g: &Graph) -> Vec<Vec<PathBuf>> {
    struct T<'a> {
        g: &'a Graph,
        index: BTreeMap<&'a PathBuf, usize>,
        low: BTreeMap<&'a PathBuf, usize>,
        stack: Vec<&'a PathBuf>,
        on: BTreeSet<&'a PathBuf>,
        out: Vec<Vec<PathBuf>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a PathBuf) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in &t.g.edges[v] {
            if !t.index.contains_key(w) {
                visit(t, w);
                let lw = t.low[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(lw);
            } else if t.on.contains(w) {
                let iw = t.index[w];
                let lv = t.low.get_mut(v).unwrap();
                *lv = (*lv).min(iw);
            }
        }
        if t.low[v] == t.index[v] {
            let mut scc = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                scc.push(w.clone());
                if w == v {
                    break;
                }
            }
            if scc.len() > 1 {
                scc.sort();
                t.out.push(scc);
            }
        }
    }
    let mut t = T {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

#[test]
fn the_import_graph_follows_the_layers() {
    let g = graph();
    if std::env::var_os("PROVRUM_LAYERS_PRINT").is_some() {
        for (from, to) in &g.edges {
            for t in to {
                println!("{} -> {}", from.display(), t.display());
            }
        }
    }
    let mut wrong = Vec::new();
    for (from, to) in &g.edges {
        let fu = unit(&g.files[from].module);
        if fu == "lib" {
            continue;
        }
        let Some(fl) = layer(&fu) else {
            wrong.push(format!(
                "{}: module `{fu}` has no layer in tests/layers.rs (add it there and to docs/architecture.md)",
                from.display()
            ));
            continue;
        };
        for t in to {
            let tu = unit(&g.files[t].module);
            if tu == fu {
                continue;
            }
            match layer(&tu) {
                Some(tl) if tl < fl => {}
                _ => wrong.push(format!(
                    "{} imports {}: `{fu}` may not import `{tu}` (see docs/architecture.md)",
                    from.display(),
                    t.display()
                )),
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "imports against the layers:\n{}",
        wrong.join("\n")
    );
}

/// Domain logic knows nothing of HTTP: only the kit (`web`), the faces
/// (`<domain>::web`), `startup` and `cli` may name the web state or the web
/// error. A domain function takes what it needs (`&Store`, the catalog, the
/// rules) and returns its own error; its face turns that into a page.
#[test]
fn only_faces_name_the_web_state() {
    let wrong: Vec<String> = sources()
        .iter()
        .filter(|(_, s)| {
            !matches!(
                unit(&s.module).as_str(),
                "web" | "faces" | "startup" | "cli" | "main" | "lib"
            )
        })
        .filter(|(_, s)| {
            ["AppState", "WebError"].iter().any(|name| {
                s.text.match_indices(name).any(|(i, _)| {
                    let b = s.text.as_bytes();
                    !ident_char(i.checked_sub(1).map(|j| b[j]))
                        && !ident_char(b.get(i + name.len()).copied())
                })
            })
        })
        .map(|(p, _)| format!("src/{}", p.display()))
        .collect();
    assert!(
        wrong.is_empty(),
        "domain files that name AppState or WebError (move the handler into the domain's web face, or pass the domain what it needs):\n{}",
        wrong.join("\n")
    );
}

/// Rows read by position (`row.get(3)`) break silently when a `select` is
/// reordered; new code reads rows by name into a `sqlx::FromRow` struct
/// (`query_as`). This ceiling only ever goes down: lower it when you convert
/// reads, never raise it.
const MAX_POSITIONAL_READS: usize = 42;

/// `.get(N)`, `.try_get(N)` and their turbofish forms with a literal index.
fn positional_reads(text: &str) -> usize {
    let mut n = 0;
    for (i, _) in text.match_indices("get") {
        let rest = &text[i + 3..];
        let before = &text[..i];
        if !(before.ends_with('.') || before.ends_with(".try_")) {
            continue;
        }
        // Skip a turbofish `::<…>`.
        let rest = match rest.strip_prefix("::<") {
            Some(r) => match r.find('>') {
                Some(j) => &r[j + 1..],
                None => continue,
            },
            None => rest,
        };
        let Some(args) = rest.strip_prefix('(') else {
            continue;
        };
        let digits = args.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 && args[digits..].starts_with(')') {
            n += 1;
        }
    }
    n
}

#[test]
fn positional_row_reads_do_not_grow() {
    let files = sources();
    let mut counts: Vec<(usize, String)> = files
        .iter()
        .map(|(p, s)| (positional_reads(&s.text), format!("src/{}", p.display())))
        .filter(|(n, _)| *n > 0)
        .collect();
    let total: usize = counts.iter().map(|(n, _)| n).sum();
    counts.sort_by(|a, b| b.cmp(a));
    assert!(
        total <= MAX_POSITIONAL_READS,
        "{total} positional row reads (at most {MAX_POSITIONAL_READS}): read new rows by name into a sqlx::FromRow struct. Most in:\n{}",
        counts
            .iter()
            .take(8)
            .map(|(n, p)| format!("{n} {p}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        positional_reads("r.get(0) r.try_get::<i64, _>(12) x.get(i) m.get(\"a\")"),
        2
    );
}

#[test]
fn no_import_circles_between_files() {
    let g = graph();
    let found: Vec<Vec<PathBuf>> = circles(&g)
        .into_iter()
        .filter(|c| {
            !ALLOWED_CIRCLES.iter().any(|a| {
                a.len() == c.len() && c.iter().zip(a.iter()).all(|(p, q)| p == Path::new(q))
            })
        })
        .collect();
    let shown: Vec<String> = found
        .iter()
        .map(|c| {
            c.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .collect();
    assert!(found.is_empty(), "import circles:\n{}", shown.join("\n"));
}

#[test]
fn no_source_file_over_500_lines() {
    let long: Vec<String> = sources()
        .iter()
        .filter(|(_, s)| s.lines > MAX_LINES)
        .map(|(p, s)| format!("src/{}: {} lines", p.display(), s.lines))
        .collect();
    assert!(
        long.is_empty(),
        "split these files by job (at most {MAX_LINES} lines):\n{}",
        long.join("\n")
    );
}

/// The parser itself: a use-tree expands to every path it names.
#[test]
fn use_trees_expand() {
    let src = Source {
        module: vec!["a".into(), "b".into()],
        text: "use crate::x::{y, z::{w, self}};\nlet q = super::c::d(1);".into(),
        lines: 2,
    };
    let got: Vec<String> = paths(&src).iter().map(|p| p.join("::")).collect();
    assert_eq!(got, ["x::y", "x::z::w", "x::z", "a::c::d"]);
}
