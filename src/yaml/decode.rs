//! Typed reading of a spanned tree that collects every problem instead of
//! stopping at the first.

use std::path::{Path, PathBuf};

use super::{Diagnostic, Node, NodeKind, Pos, did_you_mean};

pub struct Decoder {
    pub file: PathBuf,
    pub diags: Vec<Diagnostic>,
}

impl Decoder {
    pub fn new(file: &Path) -> Self {
        Decoder {
            file: file.to_path_buf(),
            diags: Vec::new(),
        }
    }

    pub fn error(&mut self, pos: Pos, path: &str, msg: impl Into<String>) {
        self.diags.push(Diagnostic::new(&self.file, pos, path, msg));
    }

    pub fn error_hint(
        &mut self,
        pos: Pos,
        path: &str,
        msg: impl Into<String>,
        hint: impl Into<String>,
    ) {
        self.diags
            .push(Diagnostic::new(&self.file, pos, path, msg).with_hint(hint));
    }

    pub fn map<'n>(&mut self, node: &'n Node, path: &str) -> Option<MapReader<'n>> {
        match &node.kind {
            NodeKind::Map(pairs) => {
                let mut seen = std::collections::HashSet::new();
                for (k, _) in pairs {
                    if let NodeKind::Scalar { value, .. } = &k.kind
                        && !seen.insert(value.as_str())
                    {
                        self.error(
                            k.pos,
                            &join(path, value),
                            format!("duplicate key `{value}`"),
                        );
                    }
                }
                Some(MapReader {
                    node,
                    pairs,
                    used: vec![false; pairs.len()],
                    asked: Vec::new(),
                    path: path.to_string(),
                })
            }
            _ if node.is_null() => Some(MapReader {
                node,
                pairs: &[],
                used: Vec::new(),
                asked: Vec::new(),
                path: path.to_string(),
            }),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!(
                        "expected a mapping (`key: value` lines), found {}",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    pub fn seq<'n>(&mut self, node: &'n Node, path: &str) -> Option<&'n [Node]> {
        match &node.kind {
            NodeKind::Seq(items) => Some(items),
            _ if node.is_null() => Some(&[]),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!(
                        "expected a list (lines starting with `- `), found {}",
                        node.describe()
                    ),
                );
                None
            }
        }
    }

    pub fn str(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.kind {
            NodeKind::Scalar { value, .. } if !node.is_null() => Some(value.clone()),
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("expected text, found {}", node.describe()),
                );
                None
            }
        }
    }

    pub fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        match &node.kind {
            NodeKind::Scalar { value, plain: true } if value == "true" => Some(true),
            NodeKind::Scalar { value, plain: true } if value == "false" => Some(false),
            _ => {
                self.error_hint(
                    node.pos,
                    path,
                    "expected `true` or `false`",
                    "write true or false without quotes",
                );
                None
            }
        }
    }

    pub fn u64(&mut self, node: &Node, path: &str) -> Option<u64> {
        match &node.kind {
            NodeKind::Scalar { value, plain: true } => {
                match value.replace('_', "").parse::<u64>() {
                    Ok(v) => Some(v),
                    Err(_) => {
                        self.error(
                            node.pos,
                            path,
                            format!("expected a whole number ≥ 0, found `{value}`"),
                        );
                        None
                    }
                }
            }
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("expected a whole number, found {}", node.describe()),
                );
                None
            }
        }
    }

    pub fn f64(&mut self, node: &Node, path: &str) -> Option<f64> {
        match &node.kind {
            NodeKind::Scalar { value, plain: true } => {
                match value.replace('_', "").parse::<f64>() {
                    Ok(v) if v.is_finite() => Some(v),
                    _ => {
                        self.error(
                            node.pos,
                            path,
                            format!("expected a number, found `{value}`"),
                        );
                        None
                    }
                }
            }
            _ => {
                self.error(
                    node.pos,
                    path,
                    format!("expected a number, found {}", node.describe()),
                );
                None
            }
        }
    }

    /// A list of strings; a single scalar is accepted as a one-element list.
    pub fn str_list(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        if let NodeKind::Scalar { .. } = node.kind
            && !node.is_null()
        {
            return self.str(node, path).map(|s| vec![s]);
        }
        let items = self.seq(node, path)?;
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            if let Some(s) = self.str(item, &format!("{path}[{i}]")) {
                out.push(s);
            }
        }
        Some(out)
    }
}

/// Reads one mapping; keys that are never asked for are reported by
/// [`MapReader::finish`] as unknown, with a suggestion.
pub struct MapReader<'n> {
    pub node: &'n Node,
    pairs: &'n [(Node, Node)],
    used: Vec<bool>,
    asked: Vec<&'static str>,
    pub path: String,
}

impl<'n> MapReader<'n> {
    pub fn pos(&self) -> Pos {
        self.node.pos
    }

    /// Path of a child key, e.g. `steps[0].title`.
    pub fn at(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The value under `key`, if present (an explicit `null` counts as absent).
    pub fn get(&mut self, key: &'static str) -> Option<&'n Node> {
        self.asked.push(key);
        let pairs = self.pairs;
        for (i, (k, v)) in pairs.iter().enumerate() {
            if matches!(&k.kind, NodeKind::Scalar { value, .. } if value == key) {
                self.used[i] = true;
                return if v.is_null() { None } else { Some(v) };
            }
        }
        None
    }

    /// Where the value under `key` starts, for errors found after decoding.
    pub fn value_pos(&self, key: &str) -> Option<Pos> {
        self.pairs
            .iter()
            .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar { value, .. } if value == key))
            .map(|(_, v)| v.pos)
    }

    /// Record where each value of this mapping starts, under `prefix.key`.
    pub fn record(&self, spans: &mut super::Spans) {
        for (k, v) in self.pairs {
            if let NodeKind::Scalar { value, .. } = &k.kind {
                spans.0.push((join(&self.path, value), v.pos));
            }
        }
    }

    pub fn require(&mut self, d: &mut Decoder, key: &'static str) -> Option<&'n Node> {
        let v = self.get(key);
        if v.is_none() {
            d.error(
                self.pos(),
                &self.path,
                format!("missing required key `{key}`"),
            );
        }
        v
    }

    pub fn req_str(&mut self, d: &mut Decoder, key: &'static str) -> Option<String> {
        let n = self.require(d, key)?;
        d.str(n, &self.at(key))
    }

    pub fn opt_str(&mut self, d: &mut Decoder, key: &'static str) -> Option<String> {
        let n = self.get(key)?;
        d.str(n, &self.at(key))
    }

    pub fn opt_bool(&mut self, d: &mut Decoder, key: &'static str) -> Option<bool> {
        let n = self.get(key)?;
        d.bool(n, &self.at(key))
    }

    pub fn opt_u64(&mut self, d: &mut Decoder, key: &'static str) -> Option<u64> {
        let n = self.get(key)?;
        d.u64(n, &self.at(key))
    }

    pub fn opt_f64(&mut self, d: &mut Decoder, key: &'static str) -> Option<f64> {
        let n = self.get(key)?;
        d.f64(n, &self.at(key))
    }

    pub fn opt_str_list(&mut self, d: &mut Decoder, key: &'static str) -> Option<Vec<String>> {
        let n = self.get(key)?;
        d.str_list(n, &self.at(key))
    }

    /// All keys with their values, in file order, marking them used.
    pub fn entries(&mut self) -> Vec<(&'n Node, &'n Node)> {
        self.used.iter_mut().for_each(|u| *u = true);
        self.pairs.iter().map(|(k, v)| (k, v)).collect()
    }

    /// Report keys that were never asked for.
    pub fn finish(self, d: &mut Decoder) {
        for (i, (k, _)) in self.pairs.iter().enumerate() {
            if self.used[i] {
                continue;
            }
            let key = match &k.kind {
                NodeKind::Scalar { value, .. } => value.clone(),
                _ => "<complex key>".into(),
            };
            let hint = match did_you_mean(&key, self.asked.iter().copied()) {
                Some(s) => format!("did you mean `{s}`?"),
                None => format!("known keys here: {}", self.asked.join(", ")),
            };
            d.error_hint(
                k.pos,
                &join(&self.path, &key),
                format!("unknown key `{key}`"),
                hint,
            );
        }
    }
}

pub fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse;
    use super::*;

    #[test]
    fn collects_every_problem_with_positions() {
        let file = Path::new("t.yaml");
        let root = parse(file, "name: x\ncount: many\nflag: yes\nextra: 1\n").unwrap();
        let mut d = Decoder::new(file);
        let mut m = d.map(&root, "").unwrap();
        let _ = m.req_str(&mut d, "name");
        let _ = m.opt_u64(&mut d, "count");
        let _ = m.opt_bool(&mut d, "flag");
        let _ = m.req_str(&mut d, "title");
        m.finish(&mut d);
        let lines: Vec<String> = d
            .diags
            .iter()
            .map(|x| format!("{}:{} {}", x.line, x.col, x.message))
            .collect();
        assert_eq!(
            lines,
            vec![
                "2:8 expected a whole number ≥ 0, found `many`",
                "3:7 expected `true` or `false`",
                "1:1 missing required key `title`",
                "4:1 unknown key `extra`",
            ]
        );
    }
}
