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
            // A file's unit tests (`#[cfg(test)] mod tests` at its end) are
            // one module deeper: their `super::*` is the file itself.
            let code = raw.split("#[cfg(test)]\nmod tests").next().unwrap_or(&raw);
            out.insert(
                rel.to_path_buf(),
                Source {
                    module,
                    text: strip_comments(code),
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

/// The child modules a file declares (`mod x;`, `pub(crate) mod x;`).
fn children(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        let Some(at) = line.find("mod ") else {
            continue;
        };
        let before = line[..at].trim();
        let visibility = before.is_empty() || before.starts_with("pub");
        if let Some(name) = line[at + 4..].strip_suffix(';')
            && visibility
            && name.bytes().all(|c| ident_char(Some(c)))
        {
            out.push(name.to_string());
        }
    }
    out
}

/// Every path that starts with `crate::`, `super::` or `self::` in a file,
/// or with the name of a child module the file declares (`x::…` after
/// `mod x;`), with use-trees (`crate::a::{b, c::d}`) expanded, as absolute
/// module paths.
fn paths(src: &Source) -> Vec<Vec<String>> {
    let text = src.text.as_bytes();
    let children = children(&src.text);
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let rest = &text[i..];
        let child = children
            .iter()
            .find(|c| rest.starts_with(c.as_bytes()) && rest[c.len()..].starts_with(b"::"));
        // A bare child path starts a path: not `other::x::` or `.x::`.
        let starts_path = i < 2 || &text[i - 2..i] != b"::";
        let start = if let Some(c) = child.filter(|_| starts_path) {
            let mut base = src.module.clone();
            base.push(c.clone());
            Some((base, c.len() + 2))
        } else if rest.starts_with(b"crate::") {
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

/// The names a file re-exports (`pub use model::Variant;`), with the
/// absolute path each stands for.
fn reexports(src: &Source) -> BTreeMap<String, Vec<String>> {
    let mut out = BTreeMap::new();
    for statement in src.text.split(';') {
        let statement = statement.trim();
        let Some(at) = statement.find("use ") else {
            continue;
        };
        if !statement[..at].trim().starts_with("pub") {
            continue;
        }
        let one = Source {
            module: src.module.clone(),
            text: statement[at + 4..].to_string(),
            lines: 1,
        };
        let mut within = paths(&one);
        if within.is_empty() {
            // `pub use model::X` names a child without `self::`.
            let mut j = 0;
            tree(&one.text, &mut j, src.module.clone(), &mut within);
        }
        let glob = statement.trim_end().ends_with('*');
        for path in within {
            if glob {
                // `pub use model::*`: every name `model` defines.
                out.insert(format!("*{}", path.join("::")), path);
            } else if let Some(name) = path.last() {
                out.insert(name.clone(), path);
            }
        }
    }
    out
}

/// Whether a file defines `name` (an item, not a use of it).
fn defines(src: &Source, name: &str) -> bool {
    [
        "struct", "enum", "fn", "type", "const", "static", "trait", "mod",
    ]
    .iter()
    .any(|kw| {
        src.text
            .match_indices(&format!("{kw} {name}"))
            .any(|(i, m)| {
                let after = src.text.as_bytes().get(i + m.len()).copied();
                let before = i
                    .checked_sub(1)
                    .and_then(|j| src.text.as_bytes().get(j).copied());
                !ident_char(after) && !ident_char(before)
            })
    })
}

/// The file an absolute path lands in: the longest prefix that is a module,
/// or, when that module only re-exports the name, the file that defines it.
fn resolve<'a>(
    path: &[String],
    modules: &'a BTreeMap<Vec<String>, PathBuf>,
    reexported: &BTreeMap<PathBuf, BTreeMap<String, Vec<String>>>,
    files: &BTreeMap<PathBuf, Source>,
) -> Option<&'a PathBuf> {
    let mut path = path.to_vec();
    for _ in 0..8 {
        let n = (1..=path.len())
            .rev()
            .find(|n| modules.contains_key(&path[..*n]))?;
        let file = &modules[&path[..n]];
        let Some(name) = path.get(n) else {
            return Some(file);
        };
        let named = reexported.get(file).and_then(|r| r.get(name));
        // Else a glob re-export whose module defines the name.
        let globbed = || {
            reexported.get(file)?.iter().find_map(|(key, target)| {
                let defined = modules.get(target).and_then(|f| files.get(f));
                (key.starts_with('*') && defined.is_some_and(|src| defines(src, name))).then(|| {
                    let mut t = target.clone();
                    t.push(name.clone());
                    t
                })
            })
        };
        match named.cloned().or_else(globbed) {
            Some(target) if target[..] != path[..=n] => {
                let rest = path[n + 1..].to_vec();
                path = target;
                path.extend(rest);
            }
            _ => return Some(file),
        }
    }
    None
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
    let reexported: BTreeMap<PathBuf, BTreeMap<String, Vec<String>>> = files
        .iter()
        .map(|(p, s)| (p.clone(), reexports(s)))
        .collect();
    let mut edges = BTreeMap::new();
    for (path, src) in &files {
        let mut to = BTreeSet::new();
        for p in paths(src) {
            if let Some(target) = resolve(&p, &modules, &reexported, &files)
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
    let found = circles(&g);
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

/// A bare path into a child the file declares is read (`mod c;` … `c::d`),
/// a path that merely ends in the child's name is not (`other::c::d`), and
/// a name the parent only re-exports — by name or by a glob — lands in the
/// file that defines it.
#[test]
fn child_paths_are_read_and_reexports_resolve() {
    let source = |module: &[&str], text: &str| Source {
        module: module.iter().map(|m| m.to_string()).collect(),
        text: text.into(),
        lines: 1,
    };
    let parent = source(
        &["a"],
        "mod c;\nmod d;\npub use c::Thing;\npub use d::*;\nfn f() { d::g(); other::c::h(); }",
    );
    let got: Vec<String> = paths(&parent).iter().map(|p| p.join("::")).collect();
    assert_eq!(got, ["a::c::Thing", "a::d", "a::d::g"]);

    let files: BTreeMap<PathBuf, Source> = [
        ("a/mod.rs", parent),
        ("a/c.rs", source(&["a", "c"], "pub struct Thing;")),
        ("a/d.rs", source(&["a", "d"], "pub fn g() {}")),
    ]
    .into_iter()
    .map(|(p, s)| (PathBuf::from(p), s))
    .collect();
    let modules: BTreeMap<Vec<String>, PathBuf> = files
        .iter()
        .map(|(p, s)| (s.module.clone(), p.clone()))
        .collect();
    let reexported = files
        .iter()
        .map(|(p, s)| (p.clone(), reexports(s)))
        .collect();
    let at = |path: &str| {
        let path: Vec<String> = path.split("::").map(String::from).collect();
        resolve(&path, &modules, &reexported, &files).map(|p| p.display().to_string())
    };
    assert_eq!(at("a::Thing").as_deref(), Some("a/c.rs"), "named re-export");
    assert_eq!(at("a::g").as_deref(), Some("a/d.rs"), "glob re-export");
    assert_eq!(
        at("a::f").as_deref(),
        Some("a/mod.rs"),
        "the parent's own item"
    );
}
