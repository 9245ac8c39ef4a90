//! The form's structure as rendered (each field's id, label, type, required
//! flag, options, help and order) and what changed between two renderings.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldShape {
    pub id: String,
    pub label: String,
    pub kind: String,
    pub required: bool,
    #[serde(default)]
    pub options: Vec<String>,
    #[serde(default)]
    pub help: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    Added {
        id: String,
        label: String,
    },
    Removed {
        id: String,
        label: String,
    },
    Changed {
        id: String,
        property: String,
        before: String,
        after: String,
    },
    Moved {
        id: String,
        from: usize,
        to: usize,
    },
}

impl Change {
    /// One line in Swedish for pages and reports.
    pub fn describe(&self) -> String {
        match self {
            Change::Added { id, label } => format!("Fält tillagt: {id} (”{label}”)"),
            Change::Removed { id, label } => format!("Fält borttaget: {id} (”{label}”)"),
            Change::Changed {
                id,
                property,
                before,
                after,
            } => format!("{id}: {property} ändrat från ”{before}” till ”{after}”"),
            Change::Moved { id, from, to } => {
                format!(
                    "{id}: flyttat från plats {} till plats {}",
                    from + 1,
                    to + 1
                )
            }
        }
    }
}

/// Longest common subsequence of two id lists (small: fields on one step).
fn lcs(a: &[&str], b: &[&str]) -> Vec<String> {
    let (n, m) = (a.len(), b.len());
    let mut t = vec![vec![0usize; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            t[i][j] = if a[i] == b[j] {
                t[i + 1][j + 1] + 1
            } else {
                t[i + 1][j].max(t[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < n && j < m {
        if a[i] == b[j] {
            out.push(a[i].to_string());
            i += 1;
            j += 1;
        } else if t[i + 1][j] >= t[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    out
}

pub fn diff(reference: &[FieldShape], candidate: &[FieldShape]) -> Vec<Change> {
    let mut out = Vec::new();
    let find = |list: &[FieldShape], id: &str| list.iter().position(|f| f.id == id);
    for f in reference {
        if find(candidate, &f.id).is_none() {
            out.push(Change::Removed {
                id: f.id.clone(),
                label: f.label.clone(),
            });
        }
    }
    for f in candidate {
        if find(reference, &f.id).is_none() {
            out.push(Change::Added {
                id: f.id.clone(),
                label: f.label.clone(),
            });
        }
    }
    for r in reference {
        let Some(c) = find(candidate, &r.id).map(|i| &candidate[i]) else {
            continue;
        };
        let mut prop = |name: &str, before: String, after: String| {
            if before != after {
                out.push(Change::Changed {
                    id: r.id.clone(),
                    property: name.into(),
                    before,
                    after,
                });
            }
        };
        prop("etikett", r.label.clone(), c.label.clone());
        prop("typ", r.kind.clone(), c.kind.clone());
        let req = |b: bool| if b { "obligatoriskt" } else { "frivilligt" }.to_string();
        prop("obligatoriskt", req(r.required), req(c.required));
        prop("alternativ", r.options.join(" | "), c.options.join(" | "));
        prop("hjälptext", r.help.clone(), c.help.clone());
    }
    // Order: fields present in both but outside their longest common order moved.
    let common = |list: &[FieldShape], other: &[FieldShape]| -> Vec<String> {
        list.iter()
            .filter(|f| find(other, &f.id).is_some())
            .map(|f| f.id.clone())
            .collect()
    };
    let (ra, cb) = (common(reference, candidate), common(candidate, reference));
    let ra_ref: Vec<&str> = ra.iter().map(String::as_str).collect();
    let cb_ref: Vec<&str> = cb.iter().map(String::as_str).collect();
    let kept = lcs(&ra_ref, &cb_ref);
    for id in &cb {
        if !kept.contains(id) {
            out.push(Change::Moved {
                id: id.clone(),
                from: find(reference, id).unwrap_or(0),
                to: find(candidate, id).unwrap_or(0),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str, required: bool) -> FieldShape {
        FieldShape {
            id: id.into(),
            label: format!("Fråga {id}"),
            kind: "text".into(),
            required,
            options: vec![],
            help: String::new(),
        }
    }

    #[test]
    fn same_fields_have_no_changes() {
        let a = vec![f("a", true), f("b", false)];
        assert!(diff(&a, &a.clone()).is_empty());
    }

    #[test]
    fn finds_added_removed_changed_and_moved_fields() {
        let a = vec![f("a", true), f("b", false), f("c", false), f("d", false)];
        let b = vec![
            f("a", false),
            f("c", false),
            f("d", false),
            f("b", false),
            f("e", true),
        ];
        let changes = diff(&a, &b);
        assert!(changes.contains(&Change::Added {
            id: "e".into(),
            label: "Fråga e".into()
        }));
        assert!(changes.iter().any(|c| matches!(c, Change::Changed { id, property, .. } if id == "a" && property == "obligatoriskt")));
        assert_eq!(
            changes
                .iter()
                .filter(|c| matches!(c, Change::Moved { .. }))
                .count(),
            1,
            "{changes:?}"
        );
        assert!(changes.contains(&Change::Moved {
            id: "b".into(),
            from: 1,
            to: 3
        }));
        let b2 = vec![f("a", true), f("b", false)];
        assert!(
            diff(&a, &b2)
                .iter()
                .any(|c| matches!(c, Change::Removed { id, .. } if id == "c"))
        );
    }
}
