//! Building a spanned tree from `yaml-rust2` parser events.

use std::collections::HashMap;
use std::path::Path;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::Diagnostic;

/// 1-based line and column of a node's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

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

/// Parse one YAML document. An empty file yields an empty mapping.
pub fn parse(file: &Path, text: &str) -> Result<Node, Diagnostic> {
    let mut builder = Builder::default();
    let mut parser = Parser::new_from_str(text);
    if let Err(e) = parser.load(&mut builder, false) {
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
    if let Some((pos, msg)) = builder.error {
        return Err(Diagnostic::new(file, pos, "", msg));
    }
    Ok(builder.root.unwrap_or(Node {
        kind: NodeKind::Map(Vec::new()),
        pos: Pos { line: 1, col: 1 },
    }))
}

enum Open {
    Seq(Pos, usize, Vec<Node>),
    Map(Pos, usize, Vec<Node>),
}

#[derive(Default)]
struct Builder {
    stack: Vec<Open>,
    root: Option<Node>,
    anchors: HashMap<usize, Node>,
    error: Option<(Pos, String)>,
}

impl Builder {
    fn push_node(&mut self, node: Node, anchor: usize) {
        if anchor > 0 {
            self.anchors.insert(anchor, node.clone());
        }
        match self.stack.last_mut() {
            Some(Open::Seq(_, _, items)) | Some(Open::Map(_, _, items)) => items.push(node),
            None => {
                if self.root.is_none() {
                    self.root = Some(node);
                }
            }
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, ev: Event, mark: Marker) {
        let pos = Pos::from(mark);
        match ev {
            Event::Scalar(value, style, anchor, _tag) => {
                let plain = matches!(style, TScalarStyle::Plain);
                self.push_node(
                    Node {
                        kind: NodeKind::Scalar { value, plain },
                        pos,
                    },
                    anchor,
                );
            }
            Event::SequenceStart(anchor, _) => self.stack.push(Open::Seq(pos, anchor, Vec::new())),
            Event::MappingStart(anchor, _) => self.stack.push(Open::Map(pos, anchor, Vec::new())),
            Event::SequenceEnd => {
                if let Some(Open::Seq(p, anchor, items)) = self.stack.pop() {
                    self.push_node(
                        Node {
                            kind: NodeKind::Seq(items),
                            pos: p,
                        },
                        anchor,
                    );
                }
            }
            Event::MappingEnd => {
                if let Some(Open::Map(p, anchor, items)) = self.stack.pop() {
                    let mut pairs = Vec::with_capacity(items.len() / 2);
                    let mut it = items.into_iter();
                    while let (Some(k), Some(v)) = (it.next(), it.next()) {
                        pairs.push((k, v));
                    }
                    // yaml-rust2 marks a block mapping after its first key;
                    // people expect the first key's own position.
                    let pos = pairs.first().map(|(k, _)| k.pos).unwrap_or(p);
                    self.push_node(
                        Node {
                            kind: NodeKind::Map(pairs),
                            pos,
                        },
                        anchor,
                    );
                }
            }
            Event::Alias(id) => match self.anchors.get(&id).cloned() {
                Some(node) => self.push_node(node, 0),
                None => {
                    if self.error.is_none() {
                        self.error = Some((pos, "alias refers to an unknown anchor".into()));
                    }
                }
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
}
