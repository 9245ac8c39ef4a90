//! `provrum validate`, `import` and `convert` on flow files, and the
//! municipalities' own copies of a flow as their variants.

use super::*;

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
