//! Open ePlatform flows (issue 26): flows written here from the format note
//! (several encodings, sortIndex out of document order, rules whose target
//! comes first in the document, legacy files, unknown query types, broken
//! files) and the shared example (copied into tests/data, so the tests need
//! nothing outside the repository), read into packages that validate, import
//! and run in the sandbox.

mod common;

use provrum::municipalities::Registry;
use provrum::services::oeflow::{self, Options};
use provrum::services::{FieldKind, Variant};

fn shared_example() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/anmalan-om-olagenhet.oeflow")
}

/// A flow around `steps` (the `<Steps>` children), with UTF-8 prolog.
fn flow(steps: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="no"?>
<Flow>
  <flowID>1</flowID>
  <name>Ansökan om bygglov för altan</name>
  <version>3</version>
  <usePreview>true</usePreview>
  <requireAuthentication>true</requireAuthentication>
  <requireSigning>false</requireSigning>
  <FlowFamily><Aliases><Alias>altan</Alias></Aliases><contactName>Bygglov</contactName><contactEmail>bygg@exempel.se</contactEmail></FlowFamily>
  <Steps>{steps}</Steps>
  <shortDescription>&lt;p&gt;Sök bygglov för din &lt;strong&gt;altan&lt;/strong&gt;.&lt;/p&gt;</shortDescription>
  <submittedMessage>&lt;p&gt;Tack, vi hör av oss.&lt;/p&gt;</submittedMessage>
</Flow>
"#
    )
}

fn query(id: u32, sort: u32, state: &str, name: &str, body: &str, rules: &str) -> String {
    format!(
        "<QueryDescriptor><queryID>{id}</queryID><name>{name}</name><sortIndex>{sort}</sortIndex><defaultQueryState>{state}</defaultQueryState><queryTypeID>x</queryTypeID>{rules}<mergeWithPreviousQuery>false</mergeWithPreviousQuery>{body}</QueryDescriptor>"
    )
}

fn radio(id: u32, alternatives: &[(u32, &str, u32)]) -> String {
    let alts: String = alternatives
        .iter()
        .map(|(a, n, s)| format!("<RadioButtonAlternative><alternativeID>{a}</alternativeID><name>{n}</name><sortIndex>{s}</sortIndex></RadioButtonAlternative>"))
        .collect();
    format!(
        "<RadioButtonQuery><queryID>{id}</queryID><Alternatives>{alts}</Alternatives><QueryDescriptor><queryID>{id}</queryID><name>kopia</name></QueryDescriptor></RadioButtonQuery>"
    )
}

fn rule(targets: &[u32], alternatives: &[u32], mode: &str, state: &str) -> String {
    let t: String = targets
        .iter()
        .map(|t| format!("<queryID>{t}</queryID>"))
        .collect();
    let a: String = alternatives
        .iter()
        .map(|a| format!("<alternativeID>{a}</alternativeID>"))
        .collect();
    format!(
        "<EvaluatorDescriptors><EvaluatorDescriptor><evaluatorID>9</evaluatorID><name>Visa följdfråga</name><enabled>true</enabled><TargetQueryIDs>{t}</TargetQueryIDs><QueryStateEvaluator><selectionMode>{mode}</selectionMode><RequiredAlternativeIDs>{a}</RequiredAlternativeIDs><queryState>{state}</queryState><EvaluatorDescriptor><evaluatorID>9</evaluatorID><TargetQueryIDs><queryID>999</queryID></TargetQueryIDs></EvaluatorDescriptor></QueryStateEvaluator></EvaluatorDescriptor></EvaluatorDescriptors>"
    )
}

fn area(id: u32) -> String {
    format!(
        "<TextAreaQuery><queryID>{id}</queryID><maxLength>500</maxLength><description><![CDATA[<p>Beskriv <em>kort</em>.</p>]]></description></TextAreaQuery>"
    )
}

fn variant_of(bytes: &[u8]) -> (Variant, Vec<oeflow::Note>) {
    let opts = Options {
        municipalities: vec!["kil".into()],
        ..Options::default()
    };
    let c = oeflow::convert(bytes, Registry::builtin(), &opts).unwrap_or_else(|p| panic!("{p:?}"));
    let pkg = provrum::services::from_files(
        std::path::Path::new("test.oeflow"),
        c.files.clone(),
        Registry::builtin(),
    )
    .unwrap_or_else(|e| match e {
        provrum::services::LoadError::Invalid(d) => panic!(
            "{}\n{}",
            d.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            c.files[0].1
        ),
        e => panic!("{e}"),
    });
    (pkg.variants.into_iter().next().expect("kil"), c.notes)
}

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

#[test]
fn validate_and_import_take_a_flow_file() {
    let (code, out, err) = common::provrum(&["validate", &shared_example().display().to_string()]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("ok: olagenhet"), "{out}");
    assert!(
        out.contains("anmalan-om-olagenhet.oeflow:"),
        "notes with their place: {out}"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("p.db").display());
    let (code, out, err) = common::provrum(&[
        "import",
        &shared_example().display().to_string(),
        "--database",
        &db,
        "--data-dir",
        &dir.path().display().to_string(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, _) = common::provrum(&["services", "--database", &db]);
    assert_eq!(code, 0);
    assert!(out.contains("olagenhet"), "{out}");
    let bad = dir.path().join("trasig.oeflow");
    std::fs::write(&bad, "<Flow><Steps>").unwrap();
    let (code, out, _) = common::provrum(&["validate", &bad.display().to_string()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("trasig.oeflow:1:"), "{out}");
}

#[test]
fn convert_writes_a_package_folder_that_validates() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("olagenhet");
    let flow = shared_example().display().to_string();
    let args = [
        "convert",
        &flow,
        "--out",
        &out.display().to_string(),
        "--version",
        "2.0.0-rc1",
        "--municipality",
        "kil",
        "arvika",
    ];
    let (code, said, err) = common::provrum(&args);
    assert_eq!(code, 0, "{said}{err}");
    let yaml = std::fs::read_to_string(out.join("service.yaml")).unwrap();
    assert!(yaml.contains("version: \"2.0.0-rc1\""), "{yaml}");
    assert!(
        yaml.contains("# Open ePlatform-regeln"),
        "a comment where a rule was carried over"
    );
    assert!(out.join("variants/kil.yaml").is_file() && out.join("variants/arvika.yaml").is_file());
    let (code, said, _) = common::provrum(&["validate", &out.display().to_string()]);
    assert_eq!(code, 0, "{said}");
    // Not over a package already there.
    let (code, _, err) = common::provrum(&args);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("--force"), "{err}");
}

/// The flow test-driven in the sandbox: its questions, validations and the
/// rule behave as on the platform.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_imported_flow_is_test_driven_in_the_sandbox() {
    let app = common::spawn_app(common::Backend::Sqlite)
        .await
        .expect("app");
    let opts = Options {
        municipalities: vec!["kil".into()],
        ..Options::default()
    };
    let (pkg, _) = oeflow::load(&shared_example(), Registry::builtin(), &opts).unwrap();
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .expect("import");
    let base = "/tjanster/olagenhet/1/kil";
    let start = app.get(base).await;
    assert_eq!(start.status, 200, "{}", start.body);
    start.assert_contains("Anmälan om olägenhet");
    let login = app.post_form(&format!("{base}/starta"), &[]).await;
    let first = app
        .post_form(
            &format!("{base}/logga-in"),
            &[("_csrf", &login.csrf()), ("personnummer", "199011142388")],
        )
        .await;
    first.assert_contains("Dina kontaktuppgifter");
    let csrf = first.csrf();
    let step1 = app
        .post_step(
            &format!("{base}/steg/dina-uppgifter"),
            &[
                ("_csrf", &csrf),
                ("personnummer", "19901114-2388"),
                ("dina-kontaktuppgifter.name", "Britta Testdotter"),
                ("dina-kontaktuppgifter.email", "britta@exempel.se"),
                ("adress.street", "Storgatan 1"),
                ("adress.postal_code", "665 30"),
                ("adress.city", "Kil"),
            ],
            &[],
        )
        .await;
    assert!(
        step1.path().ends_with("/steg/olagenheten"),
        "{}: {}",
        step1.url,
        step1.body
    );
    step1.assert_contains("Var i bostaden finns fukten eller möglet?");
    // A wrong postal code and "Fukt eller mögel" without a room: both refused.
    let wrong = app
        .post_step(
            &format!("{base}/steg/olagenheten"),
            &[
                ("_csrf", &csrf),
                ("gatuadress", "Storgatan 1"),
                ("postnummer", "12"),
                ("ort", "Kil"),
                ("vilken-typ-av-olagenhet-galler-det", "fukt"),
                ("beskriv-olagenheten", "Det luktar mögel i badrummet."),
            ],
            &[],
        )
        .await;
    assert_eq!(wrong.status, 422, "{}", wrong.body);
    wrong.assert_contains("Ange postnumret med fem siffror, till exempel 123 45");
    wrong.assert_contains("data-errors=\"2\"");
    wrong.assert_contains(
        "Välj minst ett alternativ för ”Var i bostaden finns fukten eller möglet?”",
    );
    // Right, with another kind of nuisance: the room question is not asked.
    let right = app
        .post_step(
            &format!("{base}/steg/olagenheten"),
            &[
                ("_csrf", &csrf),
                ("gatuadress", "Storgatan 1"),
                ("postnummer", "665 30"),
                ("ort", "Kil"),
                ("vilken-typ-av-olagenhet-galler-det", "buller"),
                ("beskriv-olagenheten", "Fläkten låter hela natten."),
            ],
            &[],
        )
        .await;
    assert!(
        right.path().ends_with("/steg/fastighetsagare-och-bilagor"),
        "{}: {}",
        right.url,
        right.body
    );
}

/// Two municipalities' own copies of the flow: each becomes the overlay
/// that turns the base into it, matched by name and position (not by the
/// installations' own ids); a municipality without one takes the base.
#[test]
fn municipalities_own_copies_become_their_variants() {
    let base = std::fs::read_to_string(shared_example()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Kil: one more alternative, the duration required, the description
    // renamed, the files question replaced by "Övrigt", the step renamed,
    // and its own ids.
    let mut kil = base
        .replace(
            "<xmlValue>ventilation</xmlValue>\n                <sortIndex>4</sortIndex>\n              </RadioButtonAlternative>",
            "<xmlValue>ventilation</xmlValue>\n                <sortIndex>4</sortIndex>\n              </RadioButtonAlternative>\n              <RadioButtonAlternative><alternativeID>9990</alternativeID><name>Radon</name><xmlValue>radon</xmlValue><sortIndex>5</sortIndex></RadioButtonAlternative>",
        )
        .replace(
            "<name>Hur länge har olägenheten pågått?</name>\n          <sortIndex>3</sortIndex>\n          <defaultQueryState>VISIBLE</defaultQueryState>",
            "<name>Hur länge har olägenheten pågått?</name>\n          <sortIndex>3</sortIndex>\n          <defaultQueryState>VISIBLE_REQUIRED</defaultQueryState>",
        )
        .replace("<name>Beskriv olägenheten</name>", "<name>Beskriv problemet</name>")
        .replace("<name>Fastighetsägare och bilagor</name>", "<name>Fastighetsägare</name>")
        .replace("<queryID>5503</queryID>", "<queryID>8803</queryID>");
    let start = kil
        .find("        <QueryDescriptor>\n          <queryID>5508</queryID>")
        .expect("files question");
    let end_marker = "</FileUploadQuery>\n        </QueryDescriptor>\n";
    let end = start + kil[start..].find(end_marker).unwrap() + end_marker.len();
    kil.replace_range(
        start..end,
        "        <QueryDescriptor><queryID>6001</queryID><name>Övrigt</name><sortIndex>2</sortIndex><defaultQueryState>VISIBLE</defaultQueryState><TextAreaQuery><queryID>6001</queryID><maxLength>300</maxLength></TextAreaQuery></QueryDescriptor>\n",
    );
    let arvika = base
        .replace(
            "Vi återkommer inom tio arbetsdagar.",
            "Arvika svarar inom fem arbetsdagar.",
        )
        .replace("<maxLength>4000</maxLength>", "<maxLength>2000</maxLength>");
    let (kil_file, arvika_file) = (
        dir.path().join("kil.oeflow"),
        dir.path().join("arvika.oeflow"),
    );
    std::fs::write(&kil_file, kil).unwrap();
    std::fs::write(&arvika_file, arvika).unwrap();
    let opts = Options {
        municipalities: vec!["eda".into()],
        variants: vec![
            ("kil".into(), kil_file.clone()),
            ("arvika".into(), arvika_file.clone()),
        ],
        ..Options::default()
    };
    let (pkg, c) =
        oeflow::load(&shared_example(), Registry::builtin(), &opts).unwrap_or_else(|e| match e {
            provrum::services::LoadError::Invalid(d) => panic!(
                "{}",
                d.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            ),
            e => panic!("{e}"),
        });
    let variant = |m: &str| {
        pkg.variants
            .iter()
            .find(|v| v.municipality == m)
            .unwrap_or_else(|| panic!("{m}"))
    };
    let labels = |v: &Variant| -> Vec<String> {
        v.steps
            .iter()
            .flat_map(|s| {
                s.fields
                    .iter()
                    .filter(|f| !f.hidden)
                    .map(|f| f.label.clone())
            })
            .collect()
    };
    let (kil, arvika, eda) = (variant("kil"), variant("arvika"), variant("eda"));
    let find = |v: &Variant, label: &str| {
        v.steps
            .iter()
            .flat_map(|s| &s.fields)
            .find(|f| f.label == label && !f.hidden)
            .cloned()
    };
    let kind = find(kil, "Vilken typ av olägenhet gäller det?").expect("the kind question");
    assert!(
        kind.options.iter().any(|o| o.label == "Radon"),
        "{:?}",
        kind.options
    );
    assert!(
        find(kil, "Hur länge har olägenheten pågått?")
            .unwrap()
            .required
    );
    assert!(
        find(kil, "Beskriv problemet").is_some(),
        "{:?}",
        labels(kil)
    );
    assert!(
        find(kil, "Bilder och andra bilagor").is_none(),
        "removed in Kil"
    );
    assert_eq!(
        labels(kil).last().map(String::as_str),
        Some("Övrigt"),
        "added at its place"
    );
    assert_eq!(kil.steps[2].title, "Fastighetsägare");
    // The damp rule still works in Kil although its ids differ.
    let rooms = kil.steps[1]
        .fields
        .iter()
        .find(|f| f.kind == FieldKind::Checkbox)
        .unwrap();
    assert!(rooms.shown_when.is_some());
    assert!(
        arvika
            .receipt_text
            .contains("Arvika svarar inom fem arbetsdagar.")
    );
    assert_eq!(
        find(arvika, "Beskriv olägenheten")
            .unwrap()
            .validation
            .max_length,
        Some(2000)
    );
    assert_eq!(
        labels(eda),
        labels(
            &pkg.variants
                .iter()
                .find(|v| v.municipality == "eda")
                .unwrap()
                .clone()
        )
    );
    assert!(
        find(eda, "Bilder och andra bilagor").is_some(),
        "Eda takes the base"
    );
    assert_eq!(
        find(eda, "Beskriv olägenheten")
            .unwrap()
            .validation
            .max_length,
        Some(4000)
    );
    // The overlays are files of the package, for git and for the comparison.
    let kil_yaml = &c
        .files
        .iter()
        .find(|(n, _)| n == "variants/kil.yaml")
        .unwrap()
        .1;
    assert!(
        kil_yaml.contains("add_fields:") && kil_yaml.contains("hidden: true"),
        "{kil_yaml}"
    );
    // A copy that is not a flow is refused with its own file named.
    std::fs::write(&kil_file, "<Flow><name>").unwrap();
    let e = oeflow::load(&shared_example(), Registry::builtin(), &opts).unwrap_err();
    assert!(
        e.to_string().contains("kil.oeflow") || format!("{e:?}").contains("kil.oeflow"),
        "{e:?}"
    );
}

/// E-kontoret uploads a flow and Kil's own copy on the catalogue page, sees
/// what carries over before anything is stored, then imports it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn e_kontoret_reviews_an_uploaded_flow_before_importing_it() {
    let app = common::spawn_app(common::Backend::Sqlite)
        .await
        .expect("app");
    let flow = std::fs::read(shared_example()).unwrap();
    let kil = String::from_utf8(flow.clone()).unwrap().replace(
        "<name>Beskriv olägenheten</name>",
        "<name>Beskriv problemet</name>",
    );
    let versions = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from service_versions")
            .fetch_one(&app.store.pool)
            .await
            .unwrap()
    };
    let upload = |csrf: String, flow: Vec<u8>| {
        reqwest::multipart::Form::new()
            .text("_csrf", csrf)
            .part(
                "floede",
                reqwest::multipart::Part::bytes(flow).file_name("olagenhet.oeflow"),
            )
            .part(
                "kopior",
                reqwest::multipart::Part::bytes(kil.clone().into_bytes()).file_name("kil.oeflow"),
            )
            .text("version", "")
    };
    // A reviewer may not.
    app.login_as("granskare", provrum::accounts::Role::Reviewer, &["kil"])
        .await;
    let csrf = app.get("/konto").await.csrf();
    let r = app
        .client
        .post(format!("{}/katalog/oeflow", app.url))
        .multipart(upload(csrf, flow.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 403);
    app.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let page = app.get("/katalog").await;
    page.assert_contains("Importera ett flöde från Open ePlatform");
    let r = app
        .client
        .post(format!("{}/katalog/oeflow", app.url))
        .multipart(upload(page.csrf(), flow.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let body = r.text().await.unwrap();
    assert!(body.contains("8 frågor i 3 steg överförda"), "{body}");
    assert!(body.contains("Kil kommun"), "Kil's own copy named: {body}");
    assert!(
        body.contains("personuppgiftsinformation"),
        "the notes: {body}"
    );
    assert_eq!(
        versions().await,
        0,
        "nothing stored before the confirmation"
    );
    let at = body.find("/katalog/oeflow/").unwrap();
    let action = body[at..].split('"').next().unwrap().to_string();
    let marker = "name=\"_csrf\" value=\"";
    let c = body.find(marker).unwrap() + marker.len();
    let token = body[c..].split('"').next().unwrap().to_string();
    let done = app.post_form(&action, &[("_csrf", &token)]).await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert_eq!(done.path(), "/tjanster/olagenhet/1");
    assert_eq!(versions().await, 1);
    let kil_page = app.get("/tjanster/olagenhet/1/kil").await;
    assert_eq!(kil_page.status, 200);
    // The catalogue has no entry for the service: the flow's category,
    // owner, handling time and management information become one.
    let entry = app.get("/katalog/olagenhet").await;
    assert_eq!(entry.status, 200, "{}", entry.body);
    for words in [
        "Bygga, bo och miljö",
        "Miljö- och byggnämnden",
        "Processägare",
        "Miljöchef",
        "Open ePlatform",
        "olägenhet, boendemiljö",
    ] {
        entry.assert_contains(words);
    }
    entry.assert_contains("<td>30</td>");
    // A broken flow is refused with its place, nothing stored.
    let page = app.get("/katalog").await;
    let r = app
        .client
        .post(format!("{}/katalog/oeflow", app.url))
        .multipart(upload(page.csrf(), b"<Flow><name>x</Flow>".to_vec()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    let body = r.text().await.unwrap();
    assert!(body.contains("olagenhet.oeflow, rad 1"), "{body}");
    assert_eq!(versions().await, 1);
}

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

/// `provrum export --oeflow` and the variant page's download give the
/// variant as a flow the import reads back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_variant_is_downloaded_and_exported_for_open_eplatform() {
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    app.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let version = app.get("/tjanster/anmalan-om-olagenhet/2.1.0-rc1").await;
    version
        .assert_contains("/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika/open-eplatform.oeflow");
    let r = app
        .client
        .get(format!(
            "{}/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika/open-eplatform.oeflow",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let xml = r.bytes().await.unwrap();
    let opts = Options {
        municipalities: vec!["arvika".into()],
        ..Options::default()
    };
    let c = oeflow::convert(&xml, Registry::builtin(), &opts).unwrap_or_else(|p| panic!("{p:?}"));
    let back = provrum::services::from_files(
        std::path::Path::new("arvika.oeflow"),
        c.files,
        Registry::builtin(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let arvika = provrum::services::store::variants(&app.store, {
        provrum::services::store::find_version(
            &app.store,
            "anmalan-om-olagenhet",
            Some("2.1.0-rc1"),
        )
        .await
        .unwrap()
        .unwrap()
        .id
    })
    .await
    .unwrap()
    .into_iter()
    .find(|v| v.municipality == "arvika")
    .unwrap();
    let titles = |v: &Variant| v.steps.iter().map(|s| s.title.clone()).collect::<Vec<_>>();
    assert_eq!(titles(&back.variants[0]), titles(&arvika));
    let labels = |v: &Variant| {
        v.steps
            .iter()
            .flat_map(|s| {
                s.fields
                    .iter()
                    .filter(|f| !f.kind.is_block())
                    .map(|f| f.label.clone())
            })
            .collect::<Vec<_>>()
    };
    // Open ePlatform has no address question of its own (only the contact
    // question's part): a lone address goes as its three text fields.
    let expected: Vec<String> = arvika
        .steps
        .iter()
        .flat_map(|s| s.fields.iter().filter(|f| !f.kind.is_block()))
        .flat_map(|f| match f.kind {
            FieldKind::Address => vec!["Gatuadress".to_string(), "Postnummer".into(), "Ort".into()],
            _ => vec![f.label.clone()],
        })
        .collect();
    assert_eq!(
        labels(&back.variants[0]),
        expected,
        "every question of Arvika's variant"
    );
    // Anonymous visitors get nothing.
    let anon = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = anon
        .get(format!(
            "{}/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika/open-eplatform.oeflow",
            app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 303);
    // The command line writes the same.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("arvika.oeflow");
    let (code, said, err) = common::provrum(&[
        "export",
        "--oeflow",
        "--service",
        "anmalan-om-olagenhet",
        "--version",
        "2.1.0-rc1",
        "--municipality",
        "arvika",
        "--out",
        &out.display().to_string(),
        "--database",
        &app.database_url,
    ]);
    assert_eq!(code, 0, "{said}{err}");
    assert_eq!(std::fs::read(&out).unwrap(), xml.to_vec());
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
