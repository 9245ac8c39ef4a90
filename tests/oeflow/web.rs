//! A converted flow in the test room: test-driven in the sandbox, reviewed
//! by e-kontoret before import, and a variant exported back.

use super::*;

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
