//! Reading an Open ePlatform flow: order, rules, encodings, broken files,
//! the shared example, and the HTML a text may keep.

use super::*;

#[test]
fn steps_questions_and_options_follow_sort_index_and_rules_reach_targets_written_first() {
    // Step 2 is written first; the target (sortIndex 1) is written before its
    // source (sortIndex 0); alternatives out of order.
    let steps = format!(
        "<Step><name>Altanen</name><sortIndex>1</sortIndex><QueryDescriptors>{}{}</QueryDescriptors></Step><Step><name>Om dig</name><sortIndex>0</sortIndex><QueryDescriptors>{}</QueryDescriptors></Step>",
        query(12, 1, "HIDDEN", "Beskriv taket", &area(12), ""),
        query(
            11,
            0,
            "VISIBLE_REQUIRED",
            "Ska altanen ha tak?",
            &radio(11, &[(102, "Nej", 1), (101, "Ja", 0)]),
            &rule(&[12], &[101], "ANY", "VISIBLE_REQUIRED")
        ),
        query(
            10,
            0,
            "VISIBLE",
            "Fastighetsbeteckning",
            "<TextFieldQuery><queryID>10</queryID><Fields><TextField><textFieldID>1</textFieldID><label>Fastighet</label><required>true</required><sortIndex>0</sortIndex><maxContentLength>40</maxContentLength></TextField></Fields></TextFieldQuery>",
            ""
        ),
    );
    let (v, notes) = variant_of(flow(&steps).as_bytes());
    let titles: Vec<&str> = v.steps.iter().map(|s| s.title.as_str()).collect();
    assert_eq!(titles, ["Om dig", "Altanen"]);
    assert_eq!(v.title, "Ansökan om bygglov för altan");
    assert_eq!(v.description, "Sök bygglov för din **altan**.");
    let fields = &v.steps[1].fields;
    assert_eq!(fields[0].label, "Ska altanen ha tak?");
    assert_eq!(fields[0].kind, FieldKind::Radio);
    assert!(fields[0].required);
    let labels: Vec<&str> = fields[0].options.iter().map(|o| o.label.as_str()).collect();
    assert_eq!(labels, ["Ja", "Nej"], "alternatives by sortIndex");
    let roof = &fields[1];
    assert_eq!(roof.kind, FieldKind::Textarea);
    assert_eq!(roof.validation.max_length, Some(500));
    assert!(!roof.hidden);
    let cond = roof.shown_when.as_ref().expect("conditional");
    assert_eq!(cond.field, fields[0].id);
    assert_eq!(cond.equals, [fields[0].options[0].value.clone()]);
    assert!(roof.required, "VISIBLE_REQUIRED when shown");
    assert_eq!(roof.help.as_deref(), Some("Beskriv *kort*."));
    // A VISIBLE question's text field is optional; its length carries over.
    let place = &v.steps[0].fields[0];
    assert!(!place.required);
    assert_eq!(place.validation.max_length, Some(40));
    assert!(notes.iter().all(|n| n.line > 0 && n.col > 0), "{notes:?}");
}

#[test]
fn an_all_rule_is_carried_and_a_rule_on_a_missing_question_is_reported_with_its_place() {
    let steps = format!(
        "<Step><name>Frågor</name><sortIndex>0</sortIndex><QueryDescriptors>{}{}</QueryDescriptors></Step>",
        query(
            1,
            0,
            "VISIBLE",
            "Vad gäller det?",
            &radio(1, &[(1, "A", 0), (2, "B", 1)]),
            &(rule(&[2, 77], &[1, 2], "ALL", "VISIBLE"))
        ),
        query(2, 1, "HIDDEN", "Följdfråga", &area(2), ""),
    );
    let text = flow(&steps);
    let (v, notes) = variant_of(text.as_bytes());
    let follow = &v.steps[0].fields[1];
    let cond = follow.shown_when.as_ref().unwrap();
    assert_eq!(cond.equals.len(), 2);
    assert!(cond.all, "ALL is carried as all");
    assert!(!follow.required, "VISIBLE: shown, not required");
    let line = text.lines().position(|l| l.contains("<Steps>")).unwrap() as u32 + 1;
    assert!(
        !notes.iter().any(|n| n.message.contains("alla av")),
        "ALL is no approximation any more: {notes:?}"
    );
    let missing = notes
        .iter()
        .find(|n| n.message.contains("fråga 77"))
        .expect("missing target said");
    assert_eq!(missing.line, line);
    assert!(missing.col > 1);
}

#[test]
fn latin_1_files_legacy_files_and_unknown_query_types_read() {
    let steps = format!(
        "<Step><name>Uppgifter</name><sortIndex>0</sortIndex><QueryDescriptors>{}{}</QueryDescriptors></Step>",
        // Legacy: numeric queryTypeID, old contact flags.
        query(1, 0, "VISIBLE_REQUIRED", "Kontakt", "<ContactDetailQuery><queryID>1</queryID><requireEmail>true</requireEmail><requireAddress>true</requireAddress><showSocialSecurityNumberField>true</showSocialSecurityNumberField></ContactDetailQuery>", "").replace("<queryTypeID>x</queryTypeID>", "<queryTypeID>118</queryTypeID>"),
        query(2, 1, "VISIBLE", "Välj på kartan", "<MapQuery><queryID>2</queryID><description><![CDATA[<p>Markera platsen.</p>]]></description></MapQuery>", ""),
    );
    let utf8 = flow(&steps)
        .replace(
            "<Steps>",
            "<FlowType><flowTypeID>1</flowTypeID></FlowType><Steps>",
        )
        .replace("encoding=\"UTF-8\"", "encoding=\"ISO-8859-1\"");
    let (latin1, _, bad) = encoding_rs::WINDOWS_1252.encode(&utf8);
    assert!(!bad);
    assert!(latin1.contains(&0xe4), "really Latin-1");
    let (v, notes) = variant_of(&latin1);
    assert_eq!(v.title, "Ansökan om bygglov för altan");
    let kinds: Vec<FieldKind> = v.steps[0].fields.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FieldKind::Personnummer,
            FieldKind::Contact,
            FieldKind::Address,
            FieldKind::Info
        ]
    );
    let map = &v.steps[0].fields[3];
    assert!(map.text.as_deref().unwrap().contains("Markera platsen."));
    assert!(
        notes.iter().any(|n| n.message.contains("MapQuery")),
        "{notes:?}"
    );
    assert!(
        notes.iter().any(|n| n.message.contains("flödestyp")),
        "the old FlowType is named"
    );
}

#[test]
fn broken_files_are_refused_where_they_break() {
    let reg = Registry::builtin();
    let opts = Options::default();
    let e =
        oeflow::convert(b"<?xml version=\"1.0\"?>\n<Flow><name>x</Flow>", reg, &opts).unwrap_err();
    assert_eq!(e.line, 2, "{e:?}");
    assert!(e.message.contains("XML"), "{e:?}");
    let e = oeflow::convert(b"<QueryDescriptor/>", reg, &opts).unwrap_err();
    assert!(e.message.contains("<Flow>"), "{e:?}");
    let steps = format!(
        "<Step><name>S</name><sortIndex>0</sortIndex><QueryDescriptors>{}</QueryDescriptors></Step>",
        query(
            1,
            0,
            "VISIBLE",
            "Tom fråga",
            "<DropDownQuery><queryID>1</queryID></DropDownQuery>",
            ""
        )
    );
    let text = flow(&steps);
    let e = oeflow::convert(text.as_bytes(), reg, &opts).unwrap_err();
    assert!(e.message.contains("inga alternativ"), "{e:?}");
    assert_eq!(
        e.line as usize,
        text.lines().position(|l| l.contains("<Steps>")).unwrap() + 1
    );
}

#[test]
fn the_shared_example_becomes_a_valid_package_with_every_question() {
    let (pkg, c) = oeflow::load(&shared_example(), Registry::builtin(), &Options::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c.steps, 3);
    assert_eq!(c.questions, 8);
    assert_eq!(c.unknown, 0);
    assert_eq!(pkg.base.id, "olagenhet", "the family's alias");
    assert!(pkg.base.signing.required);
    let v = &pkg.variants[0];
    let all: Vec<&provrum::services::Field> = v.steps.iter().flat_map(|s| &s.fields).collect();
    let postal = all
        .iter()
        .find(|f| f.label == "Postnummer")
        .expect("postal code");
    assert!(postal.validation.pattern.is_some());
    assert_eq!(
        postal.validation.pattern_message.as_deref(),
        Some("Ange postnumret med fem siffror, till exempel 123 45")
    );
    let rooms = all
        .iter()
        .find(|f| f.label == "Var i bostaden finns fukten eller möglet?")
        .expect("the checkbox question");
    assert_eq!(rooms.kind, FieldKind::Checkbox);
    assert!(rooms.shown_when.is_some() && rooms.required);
    let files = all
        .iter()
        .find(|f| f.kind == FieldKind::File)
        .expect("files");
    let rules = files.file.as_ref().unwrap();
    assert_eq!((rules.max_files, rules.max_size_kb), (5, 10 * 1024));
    assert!(rules.accept.contains(&"pdf".to_string()));
    let other = all
        .iter()
        .find(|f| f.label.ends_with(", nämligen"))
        .expect("the free-text alternative's text");
    assert!(other.shown_when.is_some());
    assert!(!c.summary().is_empty());
}

/// Descriptions and help texts keep their paragraphs, lists, emphasis and
/// safe links; the sandbox renders them, and nothing else gets through.
#[test]
fn html_texts_keep_their_form_and_only_a_safe_subset() {
    let help = "<p>Beskriv <strong>när</strong> det hände:</p><ul><li>datum</li><li>tid</li></ul><p>Se <a href=\"https://exempel.se/regler\">reglerna</a>.</p><script>alert(1)</script><a href=\"javascript:alert(2)\">klick</a>";
    let body = format!(
        "<TextAreaQuery><queryID>1</queryID><description><![CDATA[{help}]]></description></TextAreaQuery>"
    );
    let steps = format!(
        "<Step><name>Frågor</name><sortIndex>0</sortIndex><QueryDescriptors>{}</QueryDescriptors></Step>",
        query(1, 0, "VISIBLE", "Vad hände?", &body, "")
    );
    let text = flow(&steps);
    let (v, notes) = variant_of(text.as_bytes());
    let f = &v.steps[0].fields[0];
    let rich = f.help.as_deref().unwrap();
    assert_eq!(
        rich,
        "Beskriv **när** det hände:\n\n- datum\n- tid\n\nSe [reglerna](https://exempel.se/regler).\n\nklick"
    );
    assert!(
        notes
            .iter()
            .any(|n| n.message.contains("<script>") && n.message.contains("javascript")),
        "{notes:?}"
    );
    let shown = provrum::services::richtext::to_html(rich);
    assert!(shown.contains("<strong>när</strong>") && shown.contains("<li>datum</li>"));
    assert!(shown.contains("<a href=\"https://exempel.se/regler\">reglerna</a>"));
    assert!(
        !shown.contains("script") && !shown.contains("javascript"),
        "{shown}"
    );
    assert_eq!(v.description, "Sök bygglov för din **altan**.");
}
