//! Gathering judged deviations into changes and items.

use super::*;
use crate::compare::store::StoredDeviation;

fn j(id: i64, m: &str, step: &str, kind: &str, fp: &str, status: Status) -> Judged {
    Judged {
        deviation: StoredDeviation {
            id,
            reference: "base".into(),
            municipality: m.into(),
            step: step.into(),
            kind: Kind::parse(kind).expect("a stored kind"),
            fingerprint: fp.into(),
            summary: format!("{kind} {fp}"),
            detail: serde_json::Value::Null,
        },
        status,
        decision: None,
    }
}

#[test]
fn one_change_per_page_and_one_item_per_identical_change() {
    use Status::*;
    let judged = vec![
        // The same added field in Kil and Säffle: text, structure and
        // pixels that differ with the brand colour.
        j(1, "kil", "steg/plats", "text", "T1", Pending),
        j(2, "kil", "steg/plats", "structure", "S1", Pending),
        j(3, "kil", "steg/plats", "pixels:desktop", "Pk", Pending),
        j(4, "kil", "steg/plats", "pixels:mobile", "Pk2", Pending),
        j(5, "saffle", "steg/plats", "text", "T1", Pending),
        j(6, "saffle", "steg/plats", "structure", "S1", Pending),
        j(7, "saffle", "steg/plats", "pixels:desktop", "Ps", Approved),
        // Another change on the same page elsewhere.
        j(8, "eda", "steg/plats", "text", "T2", Pending),
        // Branding only, on two pages of one variant.
        j(9, "kil", "start", "pixels:desktop", "B1", Approved),
        j(10, "kil", "steg/om-dig", "declared", "D", Declared),
    ];
    let items = items(&judged);
    assert_eq!(items.len(), 3, "{items:#?}");
    let shared = items
        .iter()
        .find(|i| i.changes.len() == 2)
        .expect("Kil and Säffle together");
    assert_eq!(shared.deviations().len(), 7, "every piece of evidence");
    assert_eq!(shared.status(), Pending);
    assert_eq!(shared.kind_words(), "Formulärets uppbyggnad");
    assert_eq!(shared.summaries()[0], "text T1", "text before pixels");
    assert!(items[..2].iter().all(Item::is_pending), "pending first");
    assert_eq!(items[2].status(), Approved);
    assert_eq!(items[2].kind_words(), "Bara utseendet");
    // The key is stable.
    assert_eq!(super::items(&judged)[0].key, items[0].key);
}

#[test]
fn one_colour_swap_on_many_pages_is_one_item() {
    use Status::*;
    let swap = |mut j: Judged, to: &str| {
        j.deviation.detail = serde_json::json!({ "colour": { "from": "#1f5f99", "to": to } });
        j
    };
    let judged = vec![
        swap(
            j(1, "kil", "start", "pixels:desktop", "C", Pending),
            "#2b7a3d",
        ),
        swap(
            j(2, "kil", "start", "pixels:mobile", "C", Pending),
            "#2b7a3d",
        ),
        swap(
            j(3, "kil", "steg/plats", "pixels:desktop", "C", Pending),
            "#2b7a3d",
        ),
        swap(
            j(4, "eda", "kvitto", "pixels:desktop", "C", Pending),
            "#2b7a3d",
        ),
        // Another colour is another change; pixels without a swap stay per page.
        swap(
            j(5, "arvika", "start", "pixels:desktop", "D", Pending),
            "#990000",
        ),
        j(6, "kil", "kvitto", "pixels:desktop", "P", Pending),
    ];
    let items = items(&judged);
    assert_eq!(items.len(), 3, "{items:#?}");
    let green = items
        .iter()
        .find(|i| i.changes.len() == 3)
        .expect("one item for #1f5f99 → #2b7a3d");
    assert_eq!(green.pages(), vec!["start", "steg/plats", "kvitto"]);
    assert_eq!(green.deviations().len(), 4);
    assert_eq!(green.kind_words(), "Färgbyten");
}

#[test]
fn the_summary_page_repeating_a_step_change_is_part_of_it() {
    use Status::*;
    let text = |mut j: Judged, changes: &[&str]| {
        j.deviation.detail = serde_json::json!({ "changes": changes });
        j
    };
    let judged = vec![
        text(
            j(1, "kil", "steg/plats", "text", "T1", Pending),
            &["-Plats", "+Om platsen"],
        ),
        j(2, "kil", "steg/plats", "pixels:desktop", "P1", Pending),
        text(
            j(3, "kil", "granska", "text", "T2", Pending),
            &["-Plats", "+Om platsen", "-Plats"],
        ),
        j(4, "kil", "granska", "pixels:desktop", "P2", Pending),
        // Eda's summary says something its steps do not: its own change.
        text(
            j(5, "eda", "steg/plats", "text", "T1", Pending),
            &["-Plats", "+Om platsen"],
        ),
        text(
            j(6, "eda", "granska", "text", "T3", Pending),
            &["+Avgift 200 kr"],
        ),
    ];
    let items = items(&judged);
    let kil: Vec<&Item> = items
        .iter()
        .filter(|i| i.changes.iter().any(|c| c.municipality == "kil"))
        .collect();
    assert_eq!(kil.len(), 1, "{items:#?}");
    assert_eq!(kil[0].step, "steg/plats");
    assert_eq!(kil[0].deviations().len(), 4, "the summary's evidence too");
    let eda_summary = items
        .iter()
        .filter(|i| {
            i.changes
                .iter()
                .any(|c| c.municipality == "eda" && c.step == "granska")
        })
        .count();
    assert_eq!(eda_summary, 1, "{items:#?}");
}

/// The demo's cases: a question added on a step shows on the summary
/// with its answer, a removed one without it; a heading renamed on one
/// step shows twice on the summary, beside the added question.
#[test]
fn a_summary_line_with_an_added_or_removed_question_and_its_answer_is_a_repeat() {
    use Status::*;
    let with = |mut j: Judged, detail: serde_json::Value| {
        j.deviation.detail = detail;
        j
    };
    let field = |change: &str, label: &str| serde_json::json!({ "changes": [{ "change": change, "id": "f", "label": label }] });
    let text = |lines: &[&str]| serde_json::json!({ "changes": lines });
    let q = "Bor du i en hyresrätt?";
    let judged = vec![
        with(
            j(1, "torsby", "steg/plats", "text", "T1", Pending),
            text(&["+Bor du i en hyresrätt? Ja Nej"]),
        ),
        with(
            j(2, "torsby", "steg/plats", "structure", "S1", Pending),
            field("added", q),
        ),
        with(
            j(3, "torsby", "granska", "text", "T2", Pending),
            text(&["+Bor du i en hyresrätt? Ja"]),
        ),
        with(
            j(4, "eda", "steg/plats", "structure", "S2", Pending),
            field("removed", "Hur många hushåll berörs, ungefär?"),
        ),
        with(
            j(5, "eda", "granska", "text", "T3", Pending),
            text(&["-Hur många hushåll berörs, ungefär? 12"]),
        ),
        with(
            j(6, "arvika", "steg/storningen", "text", "T4", Pending),
            text(&["-Om", "+Beskriv", "+Vill du ha hembesök? Ja Nej"]),
        ),
        with(
            j(7, "arvika", "steg/storningen", "structure", "S3", Pending),
            field("added", "Vill du ha hembesök?"),
        ),
        with(
            j(8, "arvika", "granska", "text", "T5", Pending),
            text(&[
                "-Om",
                "+Beskriv",
                "-Om",
                "+Beskriv",
                "+Vill du ha hembesök? Ja",
            ]),
        ),
        // An added question's label on a step does not cover a summary
        // line that adds it where it was removed.
        with(
            j(9, "kil", "steg/plats", "structure", "S4", Pending),
            field("added", q),
        ),
        with(
            j(10, "kil", "granska", "text", "T6", Pending),
            text(&["-Bor du i en hyresrätt? Nej"]),
        ),
    ];
    let items = items(&judged);
    for m in ["torsby", "eda", "arvika"] {
        let own: Vec<&Item> = items
            .iter()
            .filter(|i| i.changes.iter().any(|c| c.municipality == m))
            .collect();
        assert_eq!(own.len(), 1, "{m}: {items:#?}");
        assert_ne!(own[0].step, "granska", "{m}");
    }
    let kil = items
        .iter()
        .filter(|i| i.changes.iter().any(|c| c.municipality == "kil"))
        .count();
    assert_eq!(kil, 2, "{items:#?}");
}

/// Karlstad's organisation renamed: on the start page and in a step's
/// text; one decision, both pages its evidence. A page that says one
/// thing more stays its own change.
#[test]
fn the_same_words_changed_on_two_pages_are_one_change() {
    use Status::*;
    let text = |mut j: Judged, lines: &[&str]| {
        j.deviation.detail = serde_json::json!({ "changes": lines });
        j
    };
    let org = [
        "-Miljö-",
        "+Miljönämnden,",
        "-och hälsoskyddsnämnden",
        "+Karlstads kommun",
    ];
    let judged = vec![
        text(j(1, "karlstad", "start", "text", "T1", Pending), &org),
        j(2, "karlstad", "start", "pixels:desktop", "P1", Pending),
        text(
            j(3, "karlstad", "steg/om-dig", "text", "T2", Pending),
            &org[..2],
        ),
        j(
            4,
            "karlstad",
            "steg/om-dig",
            "pixels:desktop",
            "P2",
            Pending,
        ),
        text(
            j(5, "karlstad", "steg/plats", "text", "T3", Pending),
            &["-Miljö-", "+Miljönämnden,", "+Ring oss"],
        ),
    ];
    let items = items(&judged);
    assert_eq!(items.len(), 2, "{items:#?}");
    let org = items.iter().find(|i| i.step == "start").expect("start");
    assert_eq!(org.pages(), vec!["start", "steg/om-dig"]);
    assert_eq!(org.deviations().len(), 4);
    assert!(items.iter().any(|i| i.step == "steg/plats"));
}

#[test]
fn a_flag_on_any_evidence_flags_the_change() {
    use Status::*;
    let judged = vec![
        j(1, "kil", "start", "text", "T", Approved),
        j(2, "kil", "start", "pixels:desktop", "P", Flagged),
    ];
    assert_eq!(items(&judged)[0].status(), Flagged);
}
