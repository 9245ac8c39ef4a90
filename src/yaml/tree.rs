//! Building a spanned tree from `yaml-rust2` parser events.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::diagnostic::{Diagnostic, Pos};

impl From<Marker> for Pos {
    fn from(m: Marker) -> Self {
        // yaml-rust2 lines are 1-based, columns 0-based.
        Pos {
            line: m.line(),
            col: m.col() + 1,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: NodeKind,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum NodeKind {
    /// A scalar; `plain` is false for quoted or block scalars, which are
    /// always strings (so `"yes"` stays text while `yes` is not a boolean either:
    /// we accept only `true`/`false`).
    Scalar {
        value: String,
        plain: bool,
    },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

impl Node {
    /// `~`, `null` and an empty plain scalar.
    pub fn is_null(&self) -> bool {
        matches!(&self.kind, NodeKind::Scalar { value, plain: true } if value.is_empty() || value == "~" || value == "null")
    }

    pub fn describe(&self) -> &'static str {
        match &self.kind {
            NodeKind::Scalar { .. } if self.is_null() => "nothing",
            NodeKind::Scalar { .. } => "a scalar",
            NodeKind::Seq(_) => "a list",
            NodeKind::Map(_) => "a mapping",
        }
    }
}

/// Deepest nesting a file may have. People's files nest a handful of levels;
/// the limit keeps a hostile `- - - - …` from exhausting the stack.
pub const MAX_DEPTH: usize = 64;
/// Most nodes a document may expand to, aliases counted at every use: an
/// alias "bomb" of a few hundred bytes otherwise expands to gigabytes.
pub const MAX_NODES: usize = 200_000;
/// Most scalar text a document may expand to, aliases counted at every use.
pub const MAX_TEXT_BYTES: usize = 16 * 1024 * 1024;

/// Parse one YAML document. An empty file yields an empty mapping.
///
/// Events are pulled one by one (yaml-rust2's own `load` recurses once per
/// nesting level), so depth and alias expansion are checked before anything
/// deep or large is built.
pub fn parse(file: &Path, text: &str) -> Result<Node, Diagnostic> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    loop {
        let (ev, mark) = match parser.next_token() {
            Ok(next) => next,
            Err(e) => {
                return Err(Diagnostic::new(
                    file,
                    (*e.marker()).into(),
                    "",
                    format!("YAML syntax error: {}", e.info()),
                )
                .with_hint(
                    "check indentation and that every `key: value` pair has a space after the colon",
                ));
            }
        };
        // Only the first document counts, as with yaml-rust2's `load`.
        let done = matches!(ev, Event::StreamEnd | Event::DocumentEnd);
        builder.on_event(ev, mark);
        if let Some((pos, msg, hint)) = builder.error.take() {
            let d = Diagnostic::new(file, pos, "", msg);
            return Err(match hint {
                Some(h) => d.with_hint(h),
                None => d,
            });
        }
        if done {
            break;
        }
    }
    Ok(builder.root.unwrap_or(Node {
        kind: NodeKind::Map(Vec::new()),
        pos: Pos { line: 1, col: 1 },
    }))
}

/// An open collection: where it starts, its anchor, its items so far, and
/// the expansion counters when it opened (to size it for its aliases).
struct Open {
    map: bool,
    pos: Pos,
    anchor: usize,
    items: Vec<Node>,
    start: Size,
}

/// How much a (sub)tree expands to.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    nodes: usize,
    bytes: usize,
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    anchors: HashMap<usize, (Node, Size)>,
    /// Everything pushed so far, aliases counted at every use.
    total: Size,
    error: Option<(Pos, String, Option<String>)>,
}

impl Builder {
    fn push_node(&mut self, node: Node, anchor: usize, size: Size) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), size));
        }
        match self.stack.last_mut() {
            Some(open) => open.items.push(node),
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }

    /// Count `size` more; false (with the error set) once over a limit.
    fn grow(&mut self, pos: Pos, size: Size) -> bool {
        self.total.nodes += size.nodes;
        self.total.bytes += size.bytes;
        if self.total.nodes > MAX_NODES || self.total.bytes > MAX_TEXT_BYTES {
            self.fail(
                pos,
                format!(
                    "the file expands to more than {MAX_NODES} values or {} MB of text",
                    MAX_TEXT_BYTES / (1024 * 1024)
                ),
                "anchors (`&name`) and aliases (`*name`) are copied at every use: use fewer, or write the values out",
            );
            return false;
        }
        true
    }

    fn fail(&mut self, pos: Pos, msg: String, hint: &str) {
        if self.error.is_none() {
            self.error = Some((pos, msg, Some(hint.to_string())));
        }
    }

    fn open(&mut self, map: bool, pos: Pos, anchor: usize) {
        if self.stack.len() >= MAX_DEPTH {
            self.fail(
                pos,
                format!("the file nests lists and mappings more than {MAX_DEPTH} levels deep"),
                "a package, scenario or checklist needs only a few levels: check the indentation",
            );
            return;
        }
        self.stack.push(Open {
            map,
            pos,
            anchor,
            items: Vec::new(),
            start: self.total,
        });
    }

    fn close(&mut self, map: bool) {
        let Some(open) = self.stack.pop() else { return };
        if open.map != map {
            return;
        }
        let one = Size { nodes: 1, bytes: 0 };
        if !self.grow(open.pos, one) {
            return;
        }
        let size = Size {
            nodes: self.total.nodes - open.start.nodes,
            bytes: self.total.bytes - open.start.bytes,
        };
        let node = if map {
            let mut pairs = Vec::with_capacity(open.items.len() / 2);
            let mut it = open.items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                pairs.push((k, v));
            }
            // yaml-rust2 marks a block mapping after its first key;
            // people expect the first key's own position.
            let pos = pairs.first().map(|(k, _)| k.pos).unwrap_or(open.pos);
            Node {
                kind: NodeKind::Map(pairs),
                pos,
            }
        } else {
            Node {
                kind: NodeKind::Seq(open.items),
                pos: open.pos,
            }
        };
        self.push_node(node, open.anchor, size);
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        if self.error.is_some() {
            return;
        }
        let pos = Pos::from(mark);
        match ev {
            Event::Scalar(value, style, anchor, _tag) => {
                let plain = matches!(style, TScalarStyle::Plain);
                let size = Size {
                    nodes: 1,
                    bytes: value.len(),
                };
                if self.grow(pos, size) {
                    let node = Node {
                        kind: NodeKind::Scalar { value, plain },
                        pos,
                    };
                    self.push_node(node, anchor, size);
                }
            }
            Event::SequenceStart(anchor, _) => self.open(false, pos, anchor),
            Event::MappingStart(anchor, _) => self.open(true, pos, anchor),
            Event::SequenceEnd => self.close(false),
            Event::MappingEnd => self.close(true),
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some((node, size)) => {
                    if self.grow(pos, size) {
                        self.push_node(node, 0, size);
                    }
                }
                None => self.fail(
                    pos,
                    "alias refers to an unknown anchor".into(),
                    "define the anchor (`&name`) before its alias (`*name`)",
                ),
            },
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based() {
        let n = parse(Path::new("x.yaml"), "a: 1\nb:\n  - c\n").unwrap();
        let NodeKind::Map(pairs) = &n.kind else {
            panic!("not a map")
        };
        assert_eq!(pairs[1].0.pos, Pos { line: 2, col: 1 });
        let NodeKind::Seq(items) = &pairs[1].1.kind else {
            panic!("not a seq")
        };
        assert_eq!(items[0].pos, Pos { line: 3, col: 5 });
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let e = parse(Path::new("x.yaml"), "a: [1, 2\nb: 3\n").unwrap_err();
        assert!(e.line >= 1, "{e}");
        assert!(e.message.starts_with("YAML syntax error"));
    }

    #[test]
    fn deep_nesting_is_refused_with_a_position() {
        let text = "- ".repeat(50_000);
        let e = parse(Path::new("x.yaml"), &text).unwrap_err();
        assert!(e.message.contains("levels deep"), "{e}");
        assert_eq!(e.line, 1);
        assert_eq!(e.col, 2 * MAX_DEPTH + 1, "{e}");
    }

    #[test]
    fn alias_bombs_are_refused_with_a_position() {
        let mut text = String::from(
            "a: &a [\"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\", \"lol\"]\n",
        );
        for (prev, name) in "abcdefghi".chars().zip("bcdefghij".chars()) {
            let refs = vec![format!("*{prev}"); 9].join(",");
            text.push_str(&format!("{name}: &{name} [{refs}]\n"));
        }
        assert!(text.len() < 400, "{}", text.len());
        let started = std::time::Instant::now();
        let e = parse(Path::new("x.yaml"), &text).unwrap_err();
        assert!(e.message.contains("expands to more than"), "{e}");
        assert!(e.line > 1, "{e}");
        assert!(started.elapsed().as_secs() < 5);
    }

    #[test]
    fn modest_aliases_still_work() {
        let n = parse(Path::new("x.yaml"), "a: &a {x: 1}\nb: *a\nc: *a\n").unwrap();
        let NodeKind::Map(pairs) = &n.kind else {
            panic!("not a map")
        };
        assert_eq!(pairs[2].1, pairs[0].1);
    }
}
