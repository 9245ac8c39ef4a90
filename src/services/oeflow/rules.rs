//! Conditional display: a `QueryStateEvaluator` on a choice question gives
//! its target questions a state when the chosen alternatives match (ANY:
//! one of them; ALL: every one), and they return to their own default
//! otherwise. Provrum says the same with `shown_when` on each target field:
//! shown when the source's answer is (or includes) one of the values — or,
//! with `all`, every one of them — and required when the rule's state is
//! VISIBLE_REQUIRED.

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
            notes.warn(
                at,
                format!(
                    "regeln ”{name}” döljer ”{}” vid vissa svar; provrummet visar den alltid",
                    target.name
                ),
            );
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
        for &(s, f) in &target.fields {
            let field = &mut steps[s].fields[f];
            if let Some((on, _, _)) = &field.shown_when {
                // A free-text follow-up keeps its own condition (on its
                // question, which this rule now governs).
                if Some(on) != target.choice_field.as_ref() {
                    notes.warn(
                        at,
                        format!(
                            "”{}” styrs redan av en annan regel; bara den första förs över",
                            target.name
                        ),
                    );
                }
                continue;
            }
            field.hidden = false;
            field.shown_when = Some((choice.clone(), wanted.clone(), all));
            if field.kind != "info" {
                field.required = state == "VISIBLE_REQUIRED" && !field.optional_part;
            }
            field.comments.push(format!(
                "Open ePlatform-regeln ”{name}”: {} när svaret matchar.",
                state_words(&state)
            ));
        }
    }
}

fn state_words(state: &str) -> &'static str {
    match state {
        "VISIBLE_REQUIRED" => "visas och krävs",
        _ => "visas",
    }
}
