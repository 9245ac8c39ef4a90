//! Which questions and steps a citizen is asked, given the answers so far
//! (`shown_when` conditions and hidden fields), and where they must go back.

use serde_json::Value;

use crate::services::{Field, Step, Variant};

use super::answers::Answers;

/// Whether a field is asked for, given the answers so far.
pub fn visible(f: &Field, answers: &Answers) -> bool {
    f.asked(&|field| match answers.get(field) {
        Some(Value::String(s)) => vec![s.as_str()],
        Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    })
}

/// Whether any field of the step is asked for.
pub fn step_visible(s: &Step, answers: &Answers) -> bool {
    s.fields.iter().any(|f| visible(f, answers))
}

/// The steps the citizen walks through, in order, given the answers so far.
pub fn visible_steps<'v>(v: &'v Variant, answers: &Answers) -> Vec<&'v Step> {
    v.steps
        .iter()
        .filter(|s| step_visible(s, answers))
        .collect()
}
