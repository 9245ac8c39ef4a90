//! Validation, visibility and display of answers.

use super::*;
use crate::services::{Choice, Condition, Validation};

fn field(id: &str, kind: FieldKind) -> Field {
    Field {
        id: id.into(),
        kind,
        label: "Etikett".into(),
        help: None,
        text: None,
        required: true,
        hidden: false,
        shown_when: None,
        hidden_when: None,
        options: Vec::new(),
        validation: Validation::default(),
        file: None,
        pos: Default::default(),
        spans: Default::default(),
    }
}

fn input(pairs: &[(&str, &str)]) -> StepInput {
    let mut i = StepInput::default();
    for (k, v) in pairs {
        i.values
            .entry(k.to_string())
            .or_default()
            .push(v.to_string());
    }
    i
}

#[test]
fn conditional_field_on_the_same_step_is_validated_only_when_shown() {
    let mut typ = field("typ", FieldKind::Radio);
    typ.options = vec![
        Choice {
            value: "buller".into(),
            label: "Buller".into(),
        },
        Choice {
            value: "annat".into(),
            label: "Annat".into(),
        },
    ];
    let mut annat = field("annat", FieldKind::Text);
    annat.shown_when = Some(Condition {
        all: false,
        field: "typ".into(),
        equals: vec!["annat".into()],
        or: Vec::new(),
    });
    let step = Step {
        id: "s".into(),
        title: "S".into(),
        intro: None,
        fields: vec![typ, annat],
        pos: Default::default(),
        id_pos: None,
    };
    let (mut answers, mut files) = (Answers::new(), Vec::new());
    let out = apply_step(
        &step,
        &input(&[("typ", "buller"), ("annat", "ignored")]),
        &mut answers,
        &mut files,
    );
    assert!(out.errors.is_empty());
    assert!(
        !answers.contains_key("annat"),
        "answers of hidden fields are dropped"
    );
    let out = apply_step(&step, &input(&[("typ", "annat")]), &mut answers, &mut files);
    assert_eq!(out.errors.len(), 1);
    assert_eq!(out.errors[0].message, "Fyll i ”Etikett”.");
}

#[test]
fn personnummer_is_normalised_and_must_be_a_test_number() {
    let step = Step {
        id: "s".into(),
        title: "S".into(),
        intro: None,
        fields: vec![field("pnr", FieldKind::Personnummer)],
        pos: Default::default(),
        id_pos: None,
    };
    let (mut answers, mut files) = (Answers::new(), Vec::new());
    assert!(
        apply_step(
            &step,
            &input(&[("pnr", "9011142388")]),
            &mut answers,
            &mut files
        )
        .errors
        .is_empty()
    );
    assert_eq!(answers["pnr"], "19901114-2388");
    let out = apply_step(
        &step,
        &input(&[("pnr", "191212121212")]),
        &mut answers,
        &mut files,
    );
    assert!(out.errors[0].message.contains("testpersonnummer"));
}

#[test]
fn all_needs_every_value_and_any_one_of_them() {
    let mut f = field("f", FieldKind::Text);
    let answers = |v: serde_json::Value| {
        let mut a = crate::sandbox::answers::Answers::new();
        a.insert("rum".into(), v);
        a
    };
    f.shown_when = Some(Condition {
        field: "rum".into(),
        equals: vec!["kok".into(), "bad".into()],
        all: false,
        or: Vec::new(),
    });
    let visible = crate::sandbox::visibility::visible;
    assert!(visible(&f, &answers(serde_json::json!(["kok"]))));
    f.shown_when.as_mut().unwrap().all = true;
    assert!(!visible(&f, &answers(serde_json::json!(["kok"]))));
    assert!(visible(
        &f,
        &answers(serde_json::json!(["bad", "kok", "sovrum"]))
    ));
    assert!(!visible(&f, &answers(serde_json::json!("kok"))));
}

#[test]
fn several_rules_and_a_hiding_rule_decide_together() {
    let mut f = field("fukt", FieldKind::Text);
    let on = |field: &str, value: &str| Condition {
        field: field.into(),
        equals: vec![value.into()],
        all: false,
        or: Vec::new(),
    };
    // Shown when "typ" is fukt, or when "rum" includes bad; hidden when
    // "hyr" is nej.
    let mut shown = on("typ", "fukt");
    shown.or.push(on("rum", "bad"));
    f.shown_when = Some(shown);
    f.hidden_when = Some(on("hyr", "nej"));
    let answers = |v: serde_json::Value| v.as_object().unwrap().clone();
    let visible = crate::sandbox::visibility::visible;
    assert!(visible(&f, &answers(serde_json::json!({"typ": "fukt"}))));
    assert!(visible(
        &f,
        &answers(serde_json::json!({"typ": "buller", "rum": ["kok", "bad"]}))
    ));
    assert!(!visible(
        &f,
        &answers(serde_json::json!({"typ": "buller", "rum": ["kok"]}))
    ));
    assert!(!visible(
        &f,
        &answers(serde_json::json!({"typ": "fukt", "hyr": "nej"}))
    ));
    assert!(!visible(&f, &answers(serde_json::json!({}))));
    f.shown_when = None;
    assert!(visible(&f, &answers(serde_json::json!({}))));
    assert!(!visible(&f, &answers(serde_json::json!({"hyr": "nej"}))));
}

#[test]
fn a_checkbox_question_takes_between_its_min_and_max_boxes() {
    let mut f = field("rum", FieldKind::Checkbox);
    f.options = ["kok", "bad", "sovrum", "hall"]
        .iter()
        .map(|v| Choice {
            value: v.to_string(),
            label: v.to_string(),
        })
        .collect();
    f.validation.min = Some(2.0);
    f.validation.max = Some(3.0);
    let said = |v: serde_json::Value| check_value(&f, Some(&v));
    assert!(
        said(serde_json::json!(["kok"]))
            .unwrap()
            .contains("minst 2")
    );
    assert!(
        said(serde_json::json!(["kok", "bad", "sovrum", "hall"]))
            .unwrap()
            .contains("högst 3")
    );
    assert_eq!(said(serde_json::json!(["kok", "bad"])), None);
}
