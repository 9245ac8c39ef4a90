//! Package validation, import and immutability, through the real binary and
//! the real store on both backends.

mod common;

use std::path::Path;

use provrum::municipalities::Registry;
use provrum::services::{self, LoadError, store::ImportError, store::ImportOutcome};
use sqlx::Row;

use common::provrum;

fn write(dir: &Path, rel: &str, text: &str) {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A package with one planted mistake per line we expect an error for.
const BROKEN_BASE: &str = "id: trasig-tjanst
version: 1.0.0
title: Trasig tjänst
receipt: { text: Tack }
personal_data: { controller: X, purpose: Y, legal_basis: Z, retention: W }
steps:
  - id: steg-1
    title: Steg ett
    fields:
      - id: namn
        type: txt
        label: Namn
      - id: epost
        type: email
        label: E-post
        requird: true
      - id: epost
        type: text
        label: Dubblett
      - id: kod
        type: text
        label: Kod
        validation: { pattern: '[a-z', min_length: 9, max_length: 3 }
      - id: villkor
        type: text
        label: Villkor
        shown_when: { field: finns-inte, equals: ja }
      - id: val
        type: radio
        label: Val
        options:
          - { value: a, label: A }
      - id: beror
        type: text
        label: Beror
        shown_when: { field: val, equals: b }
      - id: tom
        type: text
        label: \"\"
        required: true
";

#[test]
fn a_broken_package_yields_file_line_col_errors_for_every_planted_mistake() {
    let dir = tempfile::tempdir().expect("tmp");
    let pkg = dir.path().join("trasig");
    write(&pkg, "service.yaml", BROKEN_BASE);
    write(&pkg, "variants/arvkia.yaml", "contact: { name: Arvika }\n");
    // White text on the brand colour must be readable (WCAG 2.1 AA).
    write(
        &pkg,
        "variants/sunne.yaml",
        "contact: { name: Sunne }\nbranding: { colour: \"#ffff66\" }\n",
    );
    write(
        &pkg,
        "variants/eda.yaml",
        "fields:\n  telefon:\n    required: true\nsteps:\n  steg-9:\n    title: Nio\n",
    );
    write(
        &pkg,
        "variants/kil.yaml",
        "add_fields:\n  - step: steg-1\n    after: saknas\n    field: { id: extra, type: text, label: Extra }\nbranding: { colour: blue }\n",
    );
    let (code, out, err) = provrum(&["validate", pkg.to_str().expect("utf8")]);
    assert_eq!(code, 1, "{out}\n{err}");
    let base = pkg.join("service.yaml").display().to_string();
    let v = |m: &str| {
        pkg.join("variants")
            .join(format!("{m}.yaml"))
            .display()
            .to_string()
    };
    let expected = [
        format!(
            "{base}:11:15: unknown field type `txt` (at steps[0].fields[0].type)\n    hint: did you mean `text`?"
        ),
        format!(
            "{base}:16:9: unknown key `requird` (at steps[0].fields[1].requird)\n    hint: did you mean `required`?"
        ),
        format!(
            "{base}:17:13: duplicate field id `epost` (first defined on line 13) (at steps[0].fields[2].id)"
        ),
        format!(
            "{base}:23:23: min_length 9 is greater than max_length 3 (at steps[0].fields[3].validation)"
        ),
        format!("{base}:23:23: invalid regular expression `[a-z`"),
        format!("{base}:27:23: shown_when refers to unknown field `finns-inte`"),
        format!("{base}:36:23: `b` is not an option of `val`"),
        format!("{base}:37:9: `tom` has an empty label (at steps[0].fields[7].label)"),
        format!(
            "{}:1:1: unknown municipality `arvkia`\n    hint: did you mean `arvika.yaml`?",
            v("arvkia")
        ),
        format!(
            "{}:2:3: overlay changes field `telefon` that the base lacks",
            v("eda")
        ),
        format!(
            "{}:5:3: unknown step `steg-9` (the base has no such step)",
            v("eda")
        ),
        format!(
            "{}:3:12: step `steg-1` has no field `saknas` to add after (at add_fields[0].after)",
            v("kil")
        ),
        format!(
            "{}:5:21: `blue` is not a colour (at branding.colour)",
            v("kil")
        ),
        format!(
            "{}:2:21: `#ffff66` gives the white text on it a contrast of 1.1:1; WCAG 2.1 AA needs 4.5:1 (at branding.colour)\n    hint: use a darker shade, e.g. #",
            v("sunne")
        ),
    ];
    for e in &expected {
        assert!(out.contains(e.as_str()), "missing {e:?} in:\n{out}");
    }
}

#[test]
fn validate_accepts_the_fixtures_and_reports_usage_errors_with_exit_code_2() {
    let fixtures = common::fixtures().join("services");
    let (code, out, _) = provrum(&["validate", fixtures.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        out.lines()
            .filter(|l| l.starts_with("ok: ") && l.ends_with("(16 variants)"))
            .count(),
        3,
        "{out}"
    );
    let (code, _, err) = provrum(&["validate", "/finns/inte"]);
    assert_eq!(code, 2);
    assert!(err.contains("/finns/inte: no such file or folder"), "{err}");
    let (code, _, _) = provrum(&["validate"]);
    assert_eq!(code, 2, "missing arguments are a usage error");
}

#[test]
fn a_yaml_syntax_error_points_at_its_line() {
    let dir = tempfile::tempdir().expect("tmp");
    write(
        dir.path(),
        "service.yaml",
        "id: x\nsteps:\n  - id: a\n   title: b\n",
    );
    let err = match services::load(dir.path(), Registry::builtin()) {
        Err(LoadError::Invalid(d)) => d,
        other => panic!("expected invalid, got {other:?}"),
    };
    assert_eq!(err.len(), 1);
    assert_eq!(err[0].line, 4, "{}", err[0]);
    assert!(err[0].message.starts_with("YAML syntax error"));
}

async fn counts(store: &provrum::store::Store) -> Vec<i64> {
    let mut out = Vec::new();
    for t in [
        "services",
        "service_versions",
        "variants",
        "municipalities",
        "audit_log",
    ] {
        let n: i64 = sqlx::query(&format!("select count(*) from {t}"))
            .fetch_one(&store.pool)
            .await
            .expect("count")
            .try_get(0)
            .expect("n");
        out.push(n);
    }
    out
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read dir") {
        let e = e.expect("entry");
        if e.path().is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).expect("copy");
        }
    }
}

on_both_backends! {
    async fn reimporting_identical_content_is_a_no_op_and_changed_content_is_refused(app) {
        let before = counts(&app.store).await;
        let dir = tempfile::tempdir().expect("tmp");
        let pkg_dir = dir.path().join("olagenhet");
        copy_dir(&common::fixtures().join("services/anmalan-om-olagenhet"), &pkg_dir);
        let pkg = services::load(&pkg_dir, Registry::builtin()).expect("valid");
        let again = provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test").await.expect("import");
        assert!(matches!(again, ImportOutcome::Unchanged { .. }), "{again:?}");
        assert_eq!(counts(&app.store).await, before, "a no-op writes nothing");
        // Change one variant's text under the same version number.
        let path = pkg_dir.join("variants/eda.yaml");
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(&path, format!("{text}contact: {{ text: Ny text }}\n")).expect("write");
        let changed = services::load(&pkg_dir, Registry::builtin()).expect("still valid");
        assert_ne!(changed.content_hash, pkg.content_hash);
        let err = provrum::intake::import(&app.store, &changed, Registry::builtin(), "test").await.expect_err("refused");
        assert!(matches!(err, ImportError::Conflict { .. }));
        assert!(err.to_string().contains("Versions are immutable: give the changed package a new version number"), "{err}");
        assert_eq!(counts(&app.store).await, before, "nothing written by a refused import");
        // The CLI says the same with exit code 1, against the same database.
        let args = ["import", "--database", app.database_url.as_str(), "--data-dir", app.data_dir.path().to_str().expect("utf8"), pkg_dir.to_str().expect("utf8")];
        let (code, out, err) = provrum(&args);
        assert_eq!(code, 1, "{out}{err}");
        assert!(out.contains("refused: anmalan-om-olagenhet 2.1.0-rc1 is already imported with different content"), "{out}");
        // A new version number imports fine, and `services` lists both.
        let svc = pkg_dir.join("service.yaml");
        let text = std::fs::read_to_string(&svc).expect("read");
        std::fs::write(&svc, text.replace("version: 2.1.0-rc1", "version: 2.1.0-rc2")).expect("write");
        let (code, out, err) = provrum(&args);
        assert_eq!(code, 0, "{out}{err}");
        assert!(out.contains("imported: anmalan-om-olagenhet 2.1.0-rc2 (16 variants"), "{out}");
        let (code, out, _) = provrum(&["services", "--database", app.database_url.as_str(), "--data-dir", app.data_dir.path().to_str().expect("utf8")]);
        assert_eq!(code, 0);
        assert!(out.lines().any(|l| l == "anmalan-om-olagenhet 2.1.0-rc2 2.1.0-rc1"), "{out}");
    }

    /// A failure half-way through an import leaves nothing behind.
    async fn an_import_that_fails_half_way_writes_nothing(app) {
        let fresh = common::spawn_app(if app.database_url.starts_with("sqlite") { common::Backend::Sqlite } else { common::Backend::Postgres }).await.expect("fresh app");
        let trigger = if fresh.database_url.starts_with("sqlite") {
            vec!["create trigger fail_torsby before insert on variants when new.municipality = 'torsby' begin select raise(abort, 'planted failure'); end".to_string()]
        } else {
            vec![
                "create function fail_torsby() returns trigger language plpgsql as $$ begin if new.municipality = 'torsby' then raise exception 'planted failure'; end if; return new; end $$".to_string(),
                "create trigger fail_torsby before insert on variants for each row execute function fail_torsby()".to_string(),
            ]
        };
        for sql in trigger {
            sqlx::query(&sql).execute(&fresh.store.pool).await.expect("plant trigger");
        }
        let pkg = services::load(&common::fixtures().join("services/anmalan-om-olagenhet"), Registry::builtin()).expect("valid");
        let err = provrum::intake::import(&fresh.store, &pkg, Registry::builtin(), "test").await.expect_err("planted failure");
        assert!(err.to_string().contains("planted failure"), "{err}");
        assert_eq!(counts(&fresh.store).await, vec![0, 0, 0, 0, 0], "one transaction: nothing half-written");
    }
}

/// A step that fills several fields, one of which a variant hides: the
/// error suggests leaving out only that field there, and doing so validates.
#[test]
fn a_field_some_variants_hide_can_be_skipped_there_alone() {
    let dir = tempfile::tempdir().expect("tmp");
    let fixtures = common::fixtures().join("services/anmalan-om-olagenhet");
    let head = "title: Hushåll\nservice: anmalan-om-olagenhet\nvariants: { except: [storfors] }\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n";
    let strict = dir.path().join("strikt.yaml");
    std::fs::write(
        &strict,
        format!(
            "{head}  - fill: {{ fastighetsbeteckning: \"Gunnar 12:3\", antal-hushall: \"3\" }}\n"
        ),
    )
    .expect("write");
    let (code, out, err) = provrum(&[
        "validate",
        fixtures.to_str().unwrap(),
        strict.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("field `antal-hushall` is hidden in eda's variant"),
        "{out}"
    );
    assert!(
        out.contains("add `skip_where_hidden: [antal-hushall]` to the step"),
        "{out}"
    );
    let lenient = dir.path().join("foljsam.yaml");
    std::fs::write(
        &lenient,
        format!("{head}  - fill: {{ fastighetsbeteckning: \"Gunnar 12:3\", antal-hushall: \"3\" }}\n    skip_where_hidden: [antal-hushall]\n"),
    )
    .expect("write");
    let (code, out, err) = provrum(&[
        "validate",
        fixtures.to_str().unwrap(),
        lenient.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}{err}");
    // Only the step's own fields can be skipped.
    let wrong = dir.path().join("fel.yaml");
    std::fs::write(
        &wrong,
        format!("{head}  - fill: {{ fastighetsbeteckning: \"Gunnar 12:3\" }}\n    skip_where_hidden: [antal-hushall]\n"),
    )
    .expect("write");
    let (code, out, _) = provrum(&[
        "validate",
        fixtures.to_str().unwrap(),
        wrong.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        out.contains("`antal-hushall` is not a field this step fills"),
        "{out}"
    );
    // The step as it runs: the hidden field left out in Eda only.
    let text = std::fs::read_to_string(&lenient).unwrap();
    let scenario = provrum::scenarios::parse(&lenient, &text).expect("parse");
    let step = &scenario.steps[3];
    let pkg = provrum::services::load(&fixtures, Registry::builtin()).expect("valid");
    let variant = |m: &str| {
        pkg.variants
            .iter()
            .find(|v| v.municipality == m)
            .expect(m)
            .clone()
    };
    assert_eq!(
        step.action_for(&variant("eda")).field_ids(),
        ["fastighetsbeteckning"]
    );
    assert_eq!(
        step.action_for(&variant("kil")).field_ids(),
        ["fastighetsbeteckning", "antal-hushall"]
    );
}

#[test]
fn broken_scenarios_get_file_line_col_errors_checked_against_every_variant() {
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("trasig.yaml");
    std::fs::write(
        &file,
        "title: Trasig\nservice: anmalan-om-olagenhet\nvariants: { except: [storfors] }\nidentity: \"191212121212\"\nsteps:\n  - open\n  - nxet\n  - fill: { beskrivnig: x }\n  - choose: { hembesok: ja }\n  - expect_text: Hej\n    only: [arvkia]\n  - fill: { kontakt: x }\n",
    )
    .expect("write");
    let fixtures = common::fixtures().join("services/anmalan-om-olagenhet");
    let (code, out, err) = provrum(&[
        "validate",
        fixtures.to_str().expect("utf8"),
        file.to_str().expect("utf8"),
    ]);
    assert_eq!(code, 1, "{out}{err}");
    let f = file.display().to_string();
    for expected in [
        format!(
            "{f}:4:11: `191212121212` cannot sign in: Personnumret är giltigt men är inget av Skatteverkets testpersonnummer"
        ),
        format!("{f}:7:5: unknown action `nxet` (at steps[1])\n    hint: did you mean `next`?"),
        format!("{f}:8:13: field `beskrivnig` does not exist in"),
        "hint: did you mean `beskrivning`?".to_string(),
        format!("{f}:9:15: field `hembesok` does not exist in 14 variants (arjang, eda,"),
        format!("{f}:10:5: anmalan-om-olagenhet knows no municipality `arvkia`"),
        format!("{f}:12:13: `kontakt` is a contact field: fill its parts"),
    ] {
        assert!(out.contains(&expected), "missing {expected:?} in:\n{out}");
    }
    // One message for a problem in many variants, naming them.
    assert_eq!(
        out.matches("`beskrivnig` does not exist").count(),
        1,
        "{out}"
    );
    assert!(
        out.contains("does not exist in 15 variants (arjang, arvika,"),
        "{out}"
    );
    {}
}

/// A scenario validated with a broken package still has its own mistakes
/// reported, and is told why its fields were not checked (it used to say the
/// service was not among the packages given, although it was).
#[test]
fn a_scenario_of_a_broken_package_still_gets_its_own_mistakes() {
    let dir = tempfile::tempdir().expect("tmp");
    let pkg = dir.path().join("trasig");
    write(&pkg, "service.yaml", BROKEN_BASE);
    let scenario = dir.path().join("scen.yaml");
    std::fs::write(
        &scenario,
        "title: S\nservice: trasig-tjanst\nidentity: \"191212121212\"\nsteps:\n  - open\n",
    )
    .expect("write");
    let (code, out, _) = provrum(&[
        "validate",
        pkg.to_str().unwrap(),
        scenario.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    let s = scenario.display().to_string();
    assert!(
        out.contains(&format!("{s}:3:11: `191212121212` cannot sign in")),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "{s}:2:10: the package of service `trasig-tjanst` has problems (above)"
        )),
        "{out}"
    );
    assert!(!out.contains("is not among the packages given"), "{out}");
}
