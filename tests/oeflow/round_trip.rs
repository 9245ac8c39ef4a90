//! Out to Open ePlatform's format and back: the same service, counts and
//! rules.

use super::*;

/// A variant written back as `.oeflow` reads as the same service: every
/// question, option, requirement, limit and condition.
#[test]
fn an_exported_variant_reads_back_as_the_same_service() {
    let opts = Options {
        municipalities: vec!["kil".into()],
        ..Options::default()
    };
    let (pkg, _) = oeflow::load(&shared_example(), Registry::builtin(), &opts).unwrap();
    let first = &pkg.variants[0];
    let xml = oeflow::export(first, &pkg.base.version);
    let c = oeflow::convert(xml.as_bytes(), Registry::builtin(), &opts)
        .unwrap_or_else(|p| panic!("{p:?}\n{xml}"));
    let again = provrum::services::from_files(
        std::path::Path::new("back.oeflow"),
        c.files,
        Registry::builtin(),
    )
    .unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let second = &again.variants[0];
    assert_eq!(first.title, second.title);
    assert_eq!(first.description, second.description);
    assert_eq!(first.receipt_text, second.receipt_text);
    assert_eq!(first.signing.required, second.signing.required);
    assert_eq!(
        first.authentication.required,
        second.authentication.required
    );
    assert_eq!(first.summary, second.summary);
    assert_eq!(first.steps.len(), second.steps.len());
    for (a, b) in first.steps.iter().zip(&second.steps) {
        assert_eq!(a.title, b.title);
        let shape = |f: &provrum::services::Field| {
            serde_json::json!([
                f.id,
                f.kind,
                f.label,
                f.help,
                f.text,
                f.required,
                f.hidden,
                f.shown_when,
                f.hidden_when,
                f.options,
                f.validation,
                f.file
            ])
        };
        let (x, y): (Vec<_>, Vec<_>) = (
            a.fields.iter().map(shape).collect(),
            b.fields.iter().map(shape).collect(),
        );
        assert_eq!(x, y, "step {}\n{xml}", a.title);
    }
    assert!(
        xml.contains("<QueryStateEvaluator>")
            && xml.contains("<freeTextAlternative>Annat</freeTextAlternative>")
    );
}

#[test]
fn checked_counts_carry_over_and_back() {
    let alts: String = (0..4)
        .map(|i| format!("<CheckboxAlternative><alternativeID>{i}</alternativeID><name>Rum {i}</name><sortIndex>{i}</sortIndex></CheckboxAlternative>"))
        .collect();
    let steps = format!(
        "<Step><name>Rum</name><sortIndex>0</sortIndex><QueryDescriptors>{}</QueryDescriptors></Step>",
        query(
            1,
            0,
            "VISIBLE",
            "Vilka rum?",
            &format!(
                "<CheckboxQuery><queryID>1</queryID><minChecked>2</minChecked><maxChecked>3</maxChecked><Alternatives>{alts}</Alternatives></CheckboxQuery>"
            ),
            ""
        )
    );
    let (v, notes) = variant_of(flow(&steps).as_bytes());
    let rooms = &v.steps[0].fields[0];
    assert!(rooms.required);
    assert_eq!(
        (rooms.validation.min, rooms.validation.max),
        (Some(2.0), Some(3.0))
    );
    assert!(
        !notes.iter().any(|n| n.message.contains("kryss")),
        "no approximation: {notes:?}"
    );
    let xml = oeflow::export(&v, "1");
    assert!(
        xml.contains("<minChecked>2</minChecked><maxChecked>3</maxChecked>"),
        "{xml}"
    );
}

/// Two rules that show one question become alternatives (`or`); a rule that
/// hides a visible question becomes `hidden_when`; both behave as on the
/// platform and are written back as rules of their own.
#[test]
fn several_rules_on_one_question_and_a_hiding_rule_carry_over_and_back() {
    let both = |a: String, b: String| {
        a.replace("</EvaluatorDescriptors>", "") + &b.replace("<EvaluatorDescriptors>", "")
    };
    let steps = format!(
        "<Step><name>Frågor</name><sortIndex>0</sortIndex><QueryDescriptors>{}{}{}{}</QueryDescriptors></Step>",
        query(
            1,
            0,
            "VISIBLE",
            "Vad gäller det?",
            &radio(1, &[(1, "Fukt", 0), (2, "Buller", 1)]),
            &rule(&[3], &[1], "ANY", "VISIBLE_REQUIRED")
        ),
        query(
            2,
            1,
            "VISIBLE",
            "Hyr du bostaden?",
            &radio(2, &[(3, "Ja", 0), (4, "Nej", 1)]),
            &both(
                rule(&[3], &[3], "ANY", "VISIBLE_REQUIRED"),
                rule(&[4], &[4], "ANY", "HIDDEN")
            )
        ),
        query(3, 2, "HIDDEN", "Beskriv skadan", &area(3), ""),
        query(4, 3, "VISIBLE", "Hyresvärdens svar", &area(4), ""),
    );
    let text = flow(&steps);
    let (v, notes) = variant_of(text.as_bytes());
    let by_label = |v: &Variant, label: &str| {
        v.steps[0]
            .fields
            .iter()
            .find(|f| f.label == label)
            .cloned()
            .unwrap_or_else(|| panic!("{label}"))
    };
    let (what, rents) = (
        by_label(&v, "Vad gäller det?"),
        by_label(&v, "Hyr du bostaden?"),
    );
    let (damage, answer) = (
        by_label(&v, "Beskriv skadan"),
        by_label(&v, "Hyresvärdens svar"),
    );
    assert!(
        damage.required && damage.shown_when.as_ref().unwrap().or.len() == 1,
        "{damage:?}"
    );
    assert!(
        answer.shown_when.is_none() && answer.hidden_when.is_some(),
        "{answer:?}"
    );
    assert!(
        !notes.iter().any(
            |n| n.message.contains("bara den första") || n.message.contains("visar den alltid")
        ),
        "no longer approximations: {notes:?}"
    );
    let value = |f: &provrum::services::Field, label: &str| {
        f.options
            .iter()
            .find(|o| o.label == label)
            .unwrap()
            .value
            .clone()
    };
    let (fukt, buller) = (value(&what, "Fukt"), value(&what, "Buller"));
    let (ja, nej) = (value(&rents, "Ja"), value(&rents, "Nej"));
    let asked = |f: &provrum::services::Field, given: &[(&str, &str)]| {
        let given: Vec<(String, String)> = given
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        f.asked(&|field| {
            given
                .iter()
                .filter(|(k, _)| k == field)
                .map(|(_, v)| v.as_str())
                .collect()
        })
    };
    let (w, r) = (what.id.as_str(), rents.id.as_str());
    assert!(asked(&damage, &[(w, &fukt)]));
    assert!(asked(&damage, &[(w, &buller), (r, &ja)]));
    assert!(!asked(&damage, &[(w, &buller), (r, &nej)]));
    assert!(asked(&answer, &[(r, &ja)]) && asked(&answer, &[]));
    assert!(!asked(&answer, &[(r, &nej)]));

    // Back to the platform and in again: the same conditions.
    let xml = oeflow::export(&v, "1");
    assert_eq!(xml.matches("<QueryStateEvaluator>").count(), 3, "{xml}");
    assert!(xml.contains("<queryState>HIDDEN</queryState>"), "{xml}");
    let (again, _) = variant_of(xml.as_bytes());
    for label in ["Beskriv skadan", "Hyresvärdens svar"] {
        let (a, b) = (by_label(&v, label), by_label(&again, label));
        assert_eq!(
            (&a.shown_when, &a.hidden_when, a.required),
            (&b.shown_when, &b.hidden_when, b.required),
            "{label}\n{xml}"
        );
    }
}
