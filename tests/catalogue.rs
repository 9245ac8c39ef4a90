//! The region's catalogue file and its term list: read with file:line:col
//! errors, and checked against packages by `provrum validate --catalogue`.

mod common;

use std::path::Path;

use provrum::catalogue::{self, Scope};
use provrum::municipalities::Registry;

fn fixture() -> std::path::PathBuf {
    common::fixtures().join("catalogue.yaml")
}

#[test]
fn the_demo_catalogue_names_every_demo_service_and_keeps_the_verify_marks() {
    let c = catalogue::load(&fixture()).expect("valid");
    assert_eq!(c.region, "Värmland");
    for s in [
        "anmalan-om-olagenhet",
        "anmalan-varmepump",
        "ansokan-om-forskoleplats",
    ] {
        assert!(c.entry(s).is_some(), "{s}");
    }
    let e = c.entry("anmalan-om-olagenhet").unwrap();
    assert_eq!(e.name, "Anmälan om olägenhet");
    assert!(e.avoid_names.contains(&"Anmälan om störning".to_string()));
    assert!(!e.signing.required);
    assert!(e.signing.references.iter().all(|r| !r.verified));
    let v = c.entry("anmalan-varmepump").unwrap();
    assert!(v.signing.references.iter().any(|r| r.verified));
    assert_eq!(v.handling_days.large, 42);
    let t = c.terms.iter().find(|t| t.preferred == "olägenhet").unwrap();
    assert_eq!(t.avoid, ["störning"]);
    assert_eq!(t.scope, [Scope::Service, Scope::Steps]);
}

#[test]
fn a_broken_catalogue_says_where_and_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("katalog.yaml");
    std::fs::write(
        &file,
        "region: Värmland\nterms:\n  - preferred: olägenhet\n    avoid: [störning]\n    in: [step]\nservices:\n  prov:\n    name: Prov\n    description: D\n    category: C\n    comittee: K\n    signing: { required: ja, basis: B }\n    handling_days: { liten: 1, medel: 2 }\n",
    )
    .unwrap();
    let errs = catalogue::load(&file).expect_err("broken");
    let text: Vec<String> = errs.iter().map(|d| d.to_string()).collect();
    let all = text.join("\n");
    let f = file.display().to_string();
    assert!(
        all.contains(&format!("{f}:5:9: unknown place `step`")),
        "{all}"
    );
    assert!(all.contains("did you mean `steps`?"), "{all}");
    assert!(
        all.contains(&format!("{f}:11:5: unknown key `comittee`")),
        "{all}"
    );
    assert!(all.contains("did you mean `committee`?"), "{all}");
    assert!(
        all.contains("missing the handling time for `stor`"),
        "{all}"
    );
    assert!(all.contains("required"), "{all}");
}

/// A small package whose base says nothing the region avoids.
fn package(dir: &Path, eda: &str) -> std::path::PathBuf {
    let pkg = dir.join("prov");
    std::fs::create_dir_all(pkg.join("variants")).unwrap();
    std::fs::write(
        pkg.join("service.yaml"),
        "id: prov\nversion: 1.0.0\ntitle: Anmälan om olägenhet\nreceipt: { text: Tack för din anmälan }\nsteps:\n  - id: plats\n    title: Var finns olägenheten?\n    fields:\n      - id: beskrivning\n        type: textarea\n        label: Beskriv vad som händer\n",
    )
    .unwrap();
    std::fs::write(pkg.join("variants/eda.yaml"), eda).unwrap();
    std::fs::write(pkg.join("variants/kil.yaml"), "").unwrap();
    pkg
}

#[test]
fn a_planted_word_the_region_avoids_is_a_warning_with_its_place_and_the_preferred_term() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(
        dir.path(),
        "steps:\n  plats:\n    title: Var finns Störningen?\n",
    );
    let cat = fixture();
    let (code, out, err) = common::provrum(&[
        "validate",
        "--catalogue",
        cat.to_str().unwrap(),
        pkg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "a warning is not an error: {out}{err}");
    let eda = pkg.join("variants/eda.yaml").display().to_string();
    assert!(
        out.contains(&format!(
            "{eda}:3:22: warning: ”Störningen” in ett stegs rubrik eller inledning: the region writes ”olägenhet”"
        )),
        "{out}"
    );
    assert!(
        out.contains("hint: Miljöbalken talar om olägenhet"),
        "{out}"
    );
    assert_eq!(
        out.matches("warning:").count(),
        1,
        "only Eda's title: {out}"
    );
    // --strict: the warning fails validation.
    let (code, _, _) = common::provrum(&[
        "validate",
        "--strict",
        "--catalogue",
        cat.to_str().unwrap(),
        pkg.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    // The same in the variants as served: Eda uses it, Kil does not.
    let c = catalogue::load(&cat).unwrap();
    let p = provrum::services::load(&pkg, Registry::builtin()).expect("valid");
    let uses = |m: &str| {
        let v = p.variants.iter().find(|v| v.municipality == m).unwrap();
        catalogue::terms::in_variant(&c, "prov", v)
    };
    let eda_uses = uses("eda");
    assert_eq!(eda_uses.len(), 1, "{eda_uses:?}");
    assert_eq!(eda_uses[0].word, "Störningen");
    assert_eq!(eda_uses[0].preferred, "olägenhet");
    assert!(uses("kil").is_empty());
}

#[test]
fn words_in_flow_maps_fields_and_names_are_found_too() {
    let dir = tempfile::tempdir().unwrap();
    let pkg = package(
        dir.path(),
        "title: Anmälan om störning\nreceipt: { text: Vi har tagit emot din anmälan i BankID. }\nfields:\n  beskrivning:\n    help: Logga in med BankID först.\n",
    );
    let (code, out, _) = common::provrum(&[
        "validate",
        "--catalogue",
        fixture().to_str().unwrap(),
        pkg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    let eda = pkg.join("variants/eda.yaml").display().to_string();
    assert!(
        out.contains(&format!(
            "{eda}:1:19: warning: ”störning” in tjänstens namn"
        )),
        "{out}"
    );
    assert!(
        out.contains(&format!("{eda}:5:24: warning: ”BankID” in en frågas text")),
        "{out}"
    );
    let c = catalogue::load(&fixture()).unwrap();
    let p = provrum::services::load(&pkg, Registry::builtin()).expect("valid");
    let v = p.variants.iter().find(|v| v.municipality == "eda").unwrap();
    // The catalogue's name list flags the service's name as well.
    let uses = catalogue::terms::in_variant(&c, "anmalan-om-olagenhet", v);
    assert!(
        uses.iter().any(|u| u.preferred == "Anmälan om olägenhet"),
        "{uses:?}"
    );
}

/// The catalogue's pages on the demo: the list, a service with the
/// municipalities' stated handling times by size class, and a municipality.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_catalogue_pages_show_handling_times_offers_and_gaps() {
    let Some(app) = common::spawn_demo_without_browser(common::Backend::Sqlite).await else {
        return;
    };
    app.login_as("granskare", provrum::accounts::Role::Reviewer, &["kil"])
        .await;
    let list = app.get("/katalog").await;
    assert_eq!(list.status, 200);
    for id in [
        "anmalan-om-olagenhet",
        "anmalan-varmepump",
        "ansokan-om-forskoleplats",
    ] {
        list.assert_contains(&format!("data-entry=\"{id}\""));
    }
    // The harmonisation figure per service and over the catalogue: the
    // demo's varmepump has 12 of 16 variants as the base (see /avvikare).
    list.assert_contains("data-harmony=\"12/16\"");
    list.assert_contains("data-overall=\"");
    let s = app.get("/katalog/anmalan-om-olagenhet").await;
    s.assert_contains("Underskrift krävs inte.");
    s.assert_contains("[verifiera]");
    s.assert_contains("Kalla inte tjänsten: ”Anmälan om störning”");
    // Six small municipalities state 10, 10, 14, 14, 21, 30 days; four
    // medium 14, 18, 20, 21; Karlstad alone 35.
    s.assert_contains("14 dagar (10–30, 6 kommuner)");
    s.assert_contains("19 dagar (14–21, 4 kommuner)");
    s.assert_contains("35 dagar (35–35, 1 kommun)");
    s.assert_contains("data-offer=\"storfors\"");
    s.assert_contains("egen e-tjänst");
    let kil = app.get("/katalog/kommun/kil").await;
    kil.assert_contains("Vad Kil erbjuder");
    kil.assert_contains("data-entry=\"anmalan-om-olagenhet\" data-how=\"i provrummet\"");
    assert!(!kil.body.contains("data-gaps"), "Kil offers all three");
    assert_eq!(app.get("/katalog/finns-inte").await.status, 404);
    // Who deviates from the base, and why (no decision recorded yet here).
    let h = app.get("/tjanster/anmalan-varmepump/1.0.0/avvikare").await;
    assert_eq!(h.status, 200);
    h.assert_contains("Steget och fältet ”Situationsplan” heter ”Karta över fastigheten”");
    h.assert_contains("15 av 16 använder basens lösning — Grums avviker.");
    h.assert_contains("data-no-motivation");
    assert!(h.body.contains("data-harmony=\""), "{}", h.body);
    // "Fråga varför" is e-kontoret's: a reviewer neither sees nor may use it.
    assert!(!h.body.contains("data-action=\"ask-why\""));
    let change = "Steget och fältet ”Situationsplan” heter ”Karta över fastigheten”";
    let ask = "/tjanster/anmalan-varmepump/1.0.0/avvikare/fraga";
    let token = app.get("/konto").await.csrf();
    let no = app
        .post_form(ask, &[("_csrf", &token), ("change", change)])
        .await;
    assert_eq!(no.status, 403);
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let h = app.get("/tjanster/anmalan-varmepump/1.0.0/avvikare").await;
    h.assert_contains("data-action=\"ask-why\"");
    let asked = app
        .post_form(ask, &[("_csrf", &h.csrf()), ("change", change)])
        .await;
    assert_eq!(asked.status, 200, "{}", asked.body);
    asked.assert_contains("data-asked=\"0\"");
    asked.assert_contains("inget svar ännu");
    // The question is a comment addressed to Grums; Grums' reviewer answers in its thread.
    let (id, m): (i64, String) = sqlx::query_as(
        "select c.id, c.municipality from why_questions q join comments c on c.id = q.comment_id",
    )
    .fetch_one(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(m, "grums");
    app.login_as(
        "granskare-grums",
        provrum::accounts::Role::Reviewer,
        &["grums"],
    )
    .await;
    let thread = app.get(&format!("/synpunkter/{id}")).await;
    thread.assert_contains("E-kontoret frågar varför Grums avviker från regionens bas");
    let answered = app
        .post_form(
            &format!("/synpunkter/{id}/svar"),
            &[
                ("_csrf", &thread.csrf()),
                (
                    "text",
                    "Lantmäteriet kallar den karta; våra handläggare vill ha samma ord.",
                ),
            ],
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.body);
    let h = app.get("/tjanster/anmalan-varmepump/1.0.0/avvikare").await;
    h.assert_contains("data-asked=\"1\"");
    h.assert_contains("1 svar");
    // An adaptation nobody has cannot be asked about.
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let none = app
        .post_form(
            ask,
            &[
                ("_csrf", &app.get("/konto").await.csrf()),
                ("change", "Något påhittat"),
            ],
        )
        .await;
    assert_eq!(none.status, 404);
    // Exports: Excel-friendly CSV and JSON with who offers each service.
    let csv = app.get("/katalog.csv").await;
    assert!(csv.body.starts_with('\u{feff}'), "a BOM for Excel");
    assert!(
        csv.body
            .contains("anmalan-om-olagenhet;Anmälan om olägenhet;"),
        "{}",
        csv.body
    );
    assert!(csv.body.contains("[verifiera]"));
    let json: serde_json::Value =
        serde_json::from_str(&app.get("/katalog.json").await.body).unwrap();
    assert_eq!(json["schema"], "provrum-catalogue/1");
    let first = &json["services"][0];
    assert_eq!(first["entry"]["id"], "anmalan-om-olagenhet");
    assert_eq!(first["offered_by"].as_array().unwrap().len(), 16);
    assert!(
        json["terms"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["preferred"] == "olägenhet")
    );
}

/// A municipality that does not offer what others of its size do is told so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_municipality_sees_what_others_of_its_size_offer() {
    let app = common::spawn_app(common::Backend::Sqlite)
        .await
        .expect("app");
    let dir = tempfile::tempdir().unwrap();
    let pkg = dir.path().join("ansokan-om-forskoleplats");
    std::fs::create_dir_all(pkg.join("variants")).unwrap();
    std::fs::write(
        pkg.join("service.yaml"),
        "id: ansokan-om-forskoleplats\nversion: 1.0.0\ntitle: Ansökan om förskoleplats\nreceipt: { text: Tack }\nsteps:\n  - id: barnet\n    title: Barnet\n    fields:\n      - id: namn\n        type: text\n        label: Barnets namn\n",
    )
    .unwrap();
    std::fs::write(pkg.join("variants/eda.yaml"), "").unwrap();
    std::fs::write(pkg.join("variants/kil.yaml"), "handling_days: 45\n").unwrap();
    let p = provrum::services::load(&pkg, Registry::builtin()).expect("valid");
    provrum::intake::import(&app.store, &p, Registry::builtin(), "test")
        .await
        .unwrap();
    app.login_as(
        "granskare",
        provrum::accounts::Role::Reviewer,
        &["filipstad"],
    )
    .await;
    let f = app.get("/katalog/kommun/filipstad").await;
    f.assert_contains("data-entry=\"ansokan-om-forskoleplats\" data-how=\"erbjuds inte\"");
    f.assert_contains("Andra små kommuner erbjuder men inte Filipstad: Ansökan om förskoleplats.");
    let s = app.get("/katalog/ansokan-om-forskoleplats").await;
    s.assert_contains("45 dagar (45–45, 1 kommun)");
    s.assert_contains("Erbjuds inte i:");
}

/// The part of a page between two markers, with the per-request tokens
/// (CSRF, form keys) blanked: what must read the same in two test rooms.
fn part(body: &str, from: &str, to: &str) -> String {
    let start = body
        .find(from)
        .unwrap_or_else(|| panic!("{from} in {body}"));
    let end = start
        + body[start..]
            .find(to)
            .unwrap_or_else(|| panic!("{to} after {from}"));
    let mut s = body[start..end].to_string();
    for name in ["_csrf", "_nyckel"] {
        let needle = format!("name=\"{name}\" value=\"");
        while let Some(i) = s.find(&needle) {
            let v = i + needle.len();
            let close = v + s[v..].find('"').unwrap();
            s.replace_range(i..=close, "");
        }
    }
    s
}

/// A service with its catalogue entry, exported from one test room's
/// database and imported through the page into a fresh one (another
/// region, its own catalogue without the service), renders the same.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_moves_a_service_and_its_entry_to_another_test_room() {
    let Some(from) = common::spawn_demo_without_browser(common::Backend::Sqlite).await else {
        return;
    };
    from.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let res = from
        .client
        .get(format!("{}/katalog/anmalan-varmepump/paket.json", from.url))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("provrum-anmalan-varmepump-1.0.0.json")
    );
    let bundle = res.bytes().await.unwrap().to_vec();
    let json: serde_json::Value = serde_json::from_slice(&bundle).unwrap();
    assert_eq!(json["format"], "provrum-bundle/1");
    assert_eq!(json["region"], "Värmland");
    assert_eq!(
        json["catalogue"]["name"],
        "Anmälan om installation av värmepump"
    );

    // Another region: its own catalogue names no service; PostgreSQL when
    // there is one (CI), so the bundle also crosses backends.
    let dir = tempfile::tempdir().unwrap();
    let own = dir.path().join("katalog.yaml");
    std::fs::write(&own, "region: Dalarna\nterms: []\nservices: {}\n").unwrap();
    let settings = || provrum::web::Settings {
        catalogue: own.clone(),
        ..provrum::web::Settings::default()
    };
    let to = match common::spawn_app_with(common::Backend::Postgres, settings()).await {
        Some(app) => app,
        None => common::spawn_app_with(common::Backend::Sqlite, settings())
            .await
            .unwrap(),
    };
    to.login_as("dalia", provrum::accounts::Role::Reviewer, &["kil"])
        .await;
    let list = to.get("/katalog").await;
    assert!(
        !list.body.contains("data-action=\"import-bundle\""),
        "only e-kontoret imports"
    );
    to.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let list = to.get("/katalog").await;
    assert!(!list.body.contains("data-entry=\"anmalan-varmepump\""));
    let upload = |bytes: Vec<u8>, csrf: String| {
        let form = reqwest::multipart::Form::new().text("_csrf", csrf).part(
            "paket",
            reqwest::multipart::Part::bytes(bytes)
                .file_name("provrum-anmalan-varmepump-1.0.0.json"),
        );
        to.client
            .post(format!("{}/katalog/importera", to.url))
            .multipart(form)
            .send()
    };
    // A broken file is refused with where and what to do, and stores nothing.
    let res = upload(b"{\"format\": \"provrum-bundle/1\",".to_vec(), list.csrf())
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let said = res.text().await.unwrap();
    assert!(
        said.contains("provrum-anmalan-varmepump-1.0.0.json:1:")
            && said.contains("Exportera tjänsten på nytt"),
        "{said}"
    );
    let res = upload(bundle.clone(), list.csrf()).await.unwrap();
    let said = res.text().await.unwrap();
    assert!(
        said.contains("data-imported") && said.contains("Katalogposten följde med."),
        "{said}"
    );

    // The same catalogue entry, marked as another region's.
    let a = from.get("/katalog/anmalan-varmepump").await;
    let b = to.get("/katalog/anmalan-varmepump").await;
    assert_eq!(b.status, 200, "{}", b.body);
    b.assert_contains("kommer från Värmlands provrum");
    let entry = |body: &str| {
        part(body, "<h1>", "<h2>Handläggningstid")
            .replace(
                "<p data-from-region>Tjänsten och katalogposten kommer från Värmlands provrum.</p>",
                "",
            )
            .replace('\n', "")
    };
    assert_eq!(entry(&a.body), entry(&b.body));
    assert_eq!(
        part(&a.body, "<table data-handling>", "</table>"),
        part(&b.body, "<table data-handling>", "</table>")
    );
    // The same service: each variant's start page and first step read the same.
    for kommun in ["arvika", "grums", "karlstad"] {
        let path = format!("/tjanster/anmalan-varmepump/1.0.0/{kommun}");
        let (x, y) = (from.get(&path).await, to.get(&path).await);
        assert_eq!(y.status, 200, "{path}");
        assert_eq!(
            part(&x.body, "<main", "</main>"),
            part(&y.body, "<main", "</main>"),
            "{path}"
        );
    }
    // Importing it again changes nothing.
    let res = upload(bundle, list.csrf()).await.unwrap();
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("fanns redan i provrummet med samma innehåll")
    );
}

/// E-kontoret imports a candidate version by uploading its package folder
/// on the catalogue page: a broken one is refused with every problem at its
/// file and line and nothing stored; a sound one is imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_folder_is_imported_from_the_web() {
    let app = common::spawn_app(common::Backend::Sqlite).await.unwrap();
    app.login_as("greta", provrum::accounts::Role::Reviewer, &["kil"])
        .await;
    assert!(
        !app.get("/katalog")
            .await
            .body
            .contains("data-action=\"import-package\""),
        "only e-kontoret imports"
    );
    app.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let list = app.get("/katalog").await;
    list.assert_contains("data-action=\"import-package\"");
    let dir = common::fixtures().join("services/anmalan-varmepump");
    let base = std::fs::read_to_string(dir.join("service.yaml")).unwrap();
    let kil = std::fs::read_to_string(dir.join("variants/kil.yaml")).unwrap();
    let upload = |files: Vec<(&'static str, String)>| {
        let mut form = reqwest::multipart::Form::new().text("_csrf", list.csrf());
        for (name, text) in files {
            form = form.part(
                "filer",
                reqwest::multipart::Part::bytes(text.into_bytes()).file_name(name),
            );
        }
        app.client
            .post(format!("{}/katalog/paket", app.url))
            .multipart(form)
            .send()
    };
    let versions = || async {
        provrum::services::store::list(&app.store)
            .await
            .unwrap()
            .len()
    };
    // A misspelt key: refused at its line, nothing stored.
    let broken = base.replacen("title:", "titel:", 1);
    let res = upload(vec![
        ("varmepump/service.yaml", broken),
        ("varmepump/variants/kil.yaml", kil.clone()),
        ("varmepump/README.md", "inte en del av paketet".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 400);
    let said = res.text().await.unwrap();
    assert!(
        said.contains("paket/service.yaml:") && said.contains("inget är sparat"),
        "{said}"
    );
    assert_eq!(versions().await, 0);
    // Sound: imported, with a link to the version.
    let res = upload(vec![
        ("varmepump/service.yaml", base),
        ("varmepump/variants/kil.yaml", kil),
    ])
    .await
    .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let said = res.text().await.unwrap();
    assert!(
        said.contains("data-imported") && said.contains("är importerad med 1 kommuns variant."),
        "{said}"
    );
    assert_eq!(versions().await, 1);
}
