//! Conditional display: a `QueryStateEvaluator` on a choice question gives
//! its target questions a state when the chosen alternatives match (ANY:
//! one of them; ALL: every one), and they return to their own default
//! otherwise. Provrum says the same with `shown_when` on each target field:
//! shown when the source's answer is (or includes) one of the values — or,
//! with `all`, every one of them — and required when the rule's state is
//! VISIBLE_REQUIRED. Several rules showing one question become alternatives
//! (`or`); a rule with the state HIDDEN becomes `hidden_when`.

use roxmltree::Node;

use super::Notes;
use super::out::Step;
use super::read::{child, flag, pos, text, values};

/// What one converted question offers a rule: its fields' place in the
/// flow, and its alternatives.
pub struct Question<'a, 'i> {
    pub node: Node<'a, 'i>,
    pub query_id: String,
    pub name: String,
    /// (step index, field index) of its fields.
    pub fields: Vec<(usize, usize)>,
    pub alternatives: Vec<(String, String)>,
    pub free_text: Option<String>,
    pub choice_field: Option<String>,
    /// Its default state was HIDDEN.
    pub hidden_by_default: bool,
}

const EVALUATOR_FIELDS: &[&str] = &[
    "evaluatorID",
    "name",
    "comment",
    "sortIndex",
    "evaluatorTypeID",
    "enabled",
    "TargetQueryIDs",
];

/// Apply every rule of every question to the steps.
pub fn apply(questions: &[Question], steps: &mut [Step], notes: &mut Notes) {
    for (si, source) in questions.iter().enumerate() {
        let Some(list) = child(source.node, "EvaluatorDescriptors") else {
            continue;
        };
        for e in list
            .children()
            .filter(|c| c.is_element() && c.tag_name().name() == "EvaluatorDescriptor")
        {
            rule(si, source, e, questions, steps, notes);
        }
    }
}

fn rule(
    si: usize,
    source: &Question,
    e: Node,
    questions: &[Question],
    steps: &mut [Step],
    notes: &mut Notes,
) {
    let name = text(e, "name").unwrap_or_else(|| "utan namn".into());
    let at = pos(e);
    if child(e, "enabled").is_some() && !flag(e, "enabled") {
        notes.warn(
            at,
            format!("regeln ”{name}” är avstängd i flödet och förs inte över"),
        );
        return;
    }
    let Some(kind) = e
        .children()
        .find(|c| c.is_element() && !EVALUATOR_FIELDS.contains(&c.tag_name().name()))
    else {
        notes.warn(
            at,
            format!("regeln ”{name}” saknar sin typ och förs inte över"),
        );
        return;
    };
    if kind.tag_name().name() != "QueryStateEvaluator" {
        notes.warn(
            at,
            format!(
                "regeln ”{name}” är av typen {}, som provrummet inte har; den förs inte över",
                kind.tag_name().name()
            ),
        );
        return;
    }
    let Some(choice) = &source.choice_field else {
        notes.warn(
            at,
            format!(
                "regeln ”{name}” hänger på ”{}”, som inte är en valfråga; den förs inte över",
                source.name
            ),
        );
        return;
    };
    let mut wanted = Vec::new();
    for id in values(kind, "RequiredAlternativeIDs", "alternativeID") {
        match source.alternatives.iter().find(|(a, _)| *a == id) {
            Some((_, v)) => wanted.push(v.clone()),
            None => notes.warn(
                at,
                format!(
                    "regeln ”{name}” nämner alternativ {id}, som ”{}” inte har",
                    source.name
                ),
            ),
        }
    }
    if flag(kind, "freeTextAlternative")
        && let Some(v) = &source.free_text
    {
        wanted.push(v.clone());
    }
    if wanted.is_empty() {
        notes.warn(
            at,
            format!("regeln ”{name}” kräver inget alternativ och förs inte över"),
        );
        return;
    }
    let state = text(kind, "queryState").unwrap_or_else(|| "VISIBLE".into());
    // ALL over one alternative is the same as ANY.
    let all = text(kind, "selectionMode").as_deref() == Some("ALL") && wanted.len() > 1;
    for target_id in values(e, "TargetQueryIDs", "queryID") {
        let Some((ti, target)) = questions
            .iter()
            .enumerate()
            .find(|(_, q)| q.query_id == target_id)
        else {
            notes.warn(
                at,
                format!("regeln ”{name}” pekar på fråga {target_id}, som inte finns i filen"),
            );
            continue;
        };
        if ti <= si {
            notes.warn(
                at,
                format!(
                    "regeln ”{name}” styr ”{}”, som kommer före ”{}” i flödet; provrummet visar frågan utan villkor",
                    target.name, source.name
                ),
            );
            for &(s, f) in &target.fields {
                steps[s].fields[f].hidden = false;
            }
            continue;
        }
        if state == "HIDDEN" {
            hide(&name, at, choice, &wanted, all, target, steps, notes);
            continue;
        }
        if !target.hidden_by_default {
            notes.warn(
                at,
                format!(
                    "regeln ”{name}” gör den redan synliga ”{}” {}; provrummet gör den villkorad",
                    target.name,
                    if state == "VISIBLE_REQUIRED" {
                        "obligatorisk"
                    } else {
                        "synlig"
                    }
                ),
            );
        }
        let required = state == "VISIBLE_REQUIRED";
        for &(s, f) in &target.fields {
            let field = &mut steps[s].fields[f];
            // A free-text follow-up keeps its own condition (on its
            // question, which this rule now governs).
            if field
                .shown_when
                .first()
                .is_some_and(|(on, _, _)| Some(on) == target.choice_field.as_ref())
            {
                continue;
            }
            let earlier_rule = !field.shown_when.is_empty();
            field.hidden = false;
            field.shown_when.push((choice.clone(), wanted.clone(), all));
            if field.kind != "info" && !field.optional_part {
                if earlier_rule && field.required != required {
                    notes.warn(
                        at,
                        format!(
                            "”{}” krävs enligt en av reglerna som visar den men inte enligt en annan; provrummet kräver den inte",
                            target.name
                        ),
                    );
                    field.required = false;
                } else if !earlier_rule {
                    field.required = required;
                }
            }
            field.comments.push(format!(
                "Open ePlatform-regeln ”{name}”: {} när svaret matchar.",
                state_words(&state)
            ));
        }
    }
}

/// A rule that hides its target while it holds: `hidden_when`, one more
/// alternative for each further hiding rule.
#[allow(clippy::too_many_arguments)]
fn hide(
    name: &str,
    at: (u32, u32),
    choice: &str,
    wanted: &[String],
    all: bool,
    target: &Question,
    steps: &mut [Step],
    notes: &mut Notes,
) {
    if target.hidden_by_default {
        notes.warn(
            at,
            format!(
                "regeln ”{name}” döljer ”{}”, som redan är dold; regeln har ingen verkan och förs inte över",
                target.name
            ),
        );
        return;
    }
    for &(s, f) in &target.fields {
        let field = &mut steps[s].fields[f];
        field
            .hidden_when
            .push((choice.to_string(), wanted.to_vec(), all));
        field.comments.push(format!(
            "Open ePlatform-regeln ”{name}”: döljs när svaret matchar."
        ));
    }
}

fn state_words(state: &str) -> &'static str {
    match state {
        "VISIBLE_REQUIRED" => "visas och krävs",
        _ => "visas",
    }
}
