//! What a problem in a human-written file says: where (`file:line:col` and
//! the dotted path), what, and how to fix it; where named values were
//! written (`Spans`); and the closest known word for a misspelt one.

use std::fmt;
use std::path::{Path, PathBuf};

/// 1-based line and column of a node's first character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    pub line: usize,
    pub col: usize,
}

/// Where the values of named keys were written (`version`, `signing.required`),
/// kept with a decoded document so later checks can point at them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Spans(pub Vec<(String, Pos)>);

impl Spans {
    /// The position of `path`, or of the document's start when unknown.
    pub fn at(&self, path: &str) -> Pos {
        self.0
            .iter()
            .find(|(k, _)| k == path)
            .map(|(_, p)| *p)
            .unwrap_or(Pos { line: 1, col: 1 })
    }
}

/// One problem in a human-written file, with where and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    pub file: PathBuf,
    pub line: usize,
    pub col: usize,
    /// Dotted path of the offending element, e.g. `steps[1].fields[2].type`.
    pub path: String,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(file: &Path, pos: Pos, path: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.to_path_buf(),
            line: pos.line,
            col: pos.col,
            path: path.into(),
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file.display(),
            self.line,
            self.col,
            self.message
        )?;
        if !self.path.is_empty() {
            write!(f, " (at {})", self.path)?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n    hint: {hint}")?;
        }
        Ok(())
    }
}

/// How many known words a suggestion compares with: enough for every real
/// file, and a bound on the work a crafted file with thousands of ids causes.
const SUGGESTION_CANDIDATES: usize = 500;

/// Suggest the closest known word for a misspelt one ("txt" → "text").
pub fn did_you_mean<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    if word.len() > 100 {
        return None;
    }
    known
        .into_iter()
        .take(SUGGESTION_CANDIDATES)
        .map(|k| (edit_distance(word, k), k))
        .filter(|(d, k)| *d <= 2.max(k.chars().count() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_words_only() {
        assert_eq!(
            did_you_mean("txt", ["text", "textarea", "email"]),
            Some("text")
        );
        assert_eq!(
            did_you_mean("requird", ["required", "hidden"]),
            Some("required")
        );
        assert_eq!(did_you_mean("zzzzzz", ["text", "email"]), None);
    }
}
