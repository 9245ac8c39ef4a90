//! axe-core in the runner: planted defects flagged on their step, and
//! Provrum's own pages clean.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_accessibility_defects_are_flagged_on_their_step_and_the_clean_variant_is_not() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_app(common::Backend::Sqlite)
        .await
        .expect("app");
    // A small service: Eda's variant has a label of only a space and a brand colour white text cannot be read on.
    let base = "id: tillganglighet\nversion: 1.0.0\ntitle: Tillgänglighetsprov\nauthentication: { required: true }\nreceipt: { text: Tack }\npersonal_data: { controller: X, purpose: Y, legal_basis: Z, retention: W }\nsteps:\n  - id: steg\n    title: Ett steg\n    fields:\n      - id: namn\n        type: text\n        label: Namn\n";
    let files = vec![
        ("service.yaml".to_string(), base.to_string()),
        (
            "variants/eda.yaml".to_string(),
            "branding: { colour: \"#1f4e79\" }\nfields:\n  namn:\n    required: true\n".to_string(),
        ),
        ("variants/kil.yaml".to_string(), String::new()),
    ];
    let mut pkg = provrum::services::from_files(
        std::path::Path::new("tillganglighet"),
        files,
        provrum::municipalities::Registry::builtin(),
    )
    .expect("valid package");
    // `validate` refuses an empty label, so the defect is planted past it
    // (as the brand colour below is): axe must still catch it.
    let eda = pkg
        .variants
        .iter_mut()
        .find(|v| v.municipality == "eda")
        .expect("eda");
    eda.steps[0].fields[0].label = " ".into();
    provrum::intake::import(
        &app.store,
        &pkg,
        provrum::municipalities::Registry::builtin(),
        "test",
    )
    .await
    .expect("import");
    common::plant_brand_colour(&app.store, "tillganglighet", "eda", "#ffff66").await;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("a11y.yaml");
    std::fs::write(&file, "title: Tillgänglighet\nservice: tillganglighet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - checkpoint: steget\n").expect("write");
    let outcomes =
        tokio::task::block_in_place(|| common::run_scenarios(&app, &[file], &[], |_| {}));
    assert_eq!(outcomes.len(), 2);
    let rules = |m: &str, position: usize| -> Vec<String> {
        let o = outcomes.iter().find(|o| o.municipality == m).expect("cell");
        assert_eq!(o.status, Status::Passed, "{}", describe(o));
        let step = o
            .steps
            .iter()
            .find(|s| s.position == position)
            .expect("step");
        step.accessibility.as_ref().expect("axe ran")["violations"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    };
    let eda = rules("eda", 2);
    assert!(
        eda.contains(&"color-contrast".to_string()),
        "low contrast flagged on the step: {eda:?}"
    );
    assert!(
        eda.contains(&"label".to_string()),
        "the empty label flagged on the step: {eda:?}"
    );
    assert!(
        rules("eda", 0).contains(&"color-contrast".to_string()),
        "the brand colour fails on the start page too"
    );
    assert!(
        rules("kil", 2).is_empty(),
        "the clean variant passes: {:?}",
        rules("kil", 2)
    );
    assert_no_browser_left();
}

/// Dogfooding: every page type of Provrum itself passes axe-core (WCAG 2.1
/// A/AA) with no serious or critical violations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provrums_own_pages_pass_axe_core() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    // A stored run (one passing, one failing cell) and a case in the inbox, so every page has content.
    let dir = tempfile::tempdir().expect("tmp");
    let failing = dir.path().join("fel.yaml");
    std::fs::write(&failing, "title: Fel\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - next\n  - expect_text: Finns inte\n").expect("write");
    let files = vec![
        scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml"),
        failing,
    ];
    let plan = provrum::scenarios::execute::plan(
        &app.store,
        "anmalan-om-olagenhet",
        None,
        &files,
        &["arvika".to_string()],
    )
    .await
    .expect("plan");
    let mut cfg = provrum::scenarios::runner::RunnerConfig::new(
        &app.url,
        BrowserOptions {
            chromium: chromium.clone(),
            pass: app.pass(),
            ..Default::default()
        },
    );
    cfg.concurrency = 1;
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let finished = provrum::scenarios::execute::execute(
        &app.store,
        &artifacts,
        plan,
        cfg,
        "test",
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        |_| {},
    )
    .await
    .expect("run");
    let case = finished
        .outcomes
        .iter()
        .find_map(|o| o.case_number.clone())
        .expect("a case");
    let cells = provrum::scenarios::store::cells(&app.store, finished.run_id)
        .await
        .expect("cells");
    // An e-kontoret account, a comment with a reply and a review round, so those pages have content.
    let admin = provrum::accounts::store::NewUser {
        username: "ekontoret",
        name: "Eva på e-kontoret",
        role: provrum::accounts::Role::EKontoret,
        municipalities: &[],
        password: common::PASSWORD,
        email: None,
    };
    provrum::accounts::store::create(&app.store, &admin, "test")
        .await
        .expect("user");
    let (eva, _) = provrum::accounts::store::for_login(&app.store, "ekontoret")
        .await
        .expect("db")
        .expect("eva");
    let version = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .expect("db")
        .expect("version");
    let comment = provrum::reviews::store::create(
        &app.store,
        &provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: version.id,
            municipality: Some("arvika".into()),
            step: Some("storningen".into()),
            class: Some(provrum::reviews::Class::Krav),
            motivation: Some("Förvaltningslagen 9 §".into()),
            body: "Hembesöksfrågan behöver en förklaring.".into(),
            ..Default::default()
        },
        &eva,
    )
    .await
    .expect("comment");
    // One on the start page, so the sandbox's staff panel lists a comment.
    provrum::reviews::store::create(
        &app.store,
        &provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: version.id,
            municipality: Some("arvika".into()),
            step: Some(provrum::sandbox::places::START.into()),
            class: Some(provrum::reviews::Class::Fel),
            body: "Startsidan säger 3 steg men tjänsten har fem.".into(),
            ..Default::default()
        },
        &eva,
    )
    .await
    .expect("comment on the start page");
    provrum::reviews::rounds::open(&app.store, version.id, "2099-12-31", &eva)
        .await
        .expect("round");
    // An ignored region, so the version page lists one with its button.
    provrum::services::ignores::add(
        &app.store,
        provrum::services::ignores::Place {
            service: "anmalan-om-olagenhet",
            step: "start",
            viewport: "desktop",
        },
        &[(10, 20, 300, 40)],
        "Klockan i sidhuvudet",
        provrum::services::ignores::By {
            username: "ekontoret",
            name: "Eva på e-kontoret",
        },
    )
    .await
    .expect("ignore");
    let mut urls = vec![
        "/katalog".to_string(),
        "/katalog/anmalan-om-olagenhet".to_string(),
        "/katalog/kommun/kil".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/avvikare".to_string(),
        // The meeting's brief, with the comments and round planted above.
        "/moten".to_string(),
        format!("/korningar/{}?status=failed", finished.run_id),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/jamforelse/arvika?steg=*".to_string(),
        "/anvandare".to_string(),
        "/logg".to_string(),
        "/konto/logga-ut".to_string(),
        "/konto".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/synpunkter".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/synpunkter/ny?kommun=arvika&steg=storningen"
            .to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/omgang".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/jamforelse".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/checklistor".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/checklistor/grundkrav/gdpr-information"
            .to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/checklistor/konflikter".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/release".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/jamforelse/ko".to_string(),
        "/oversikt".to_string(),
        format!("/synpunkter/{comment}"),
        "/".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika/inkorg".to_string(),
        // A sandbox page as staff see it: with the panel of comments.
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika".to_string(),
        format!("/inkorg/{case}"),
        "/korningar".to_string(),
        format!("/korningar/{}", finished.run_id),
        "/finns-inte".to_string(),
    ];
    urls.extend(
        cells
            .iter()
            .map(|c| format!("/korningar/{}/celler/{}", finished.run_id, c.id)),
    );
    let problems = tokio::task::block_in_place(|| {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.new_page(vec![app.url.clone()]).expect("page");
        page.set_axe(true).expect("axe");
        let mut problems = Vec::new();
        // The login page itself, then log in so the test room's pages open.
        page.goto(&format!("{}/konto/logga-in", app.url))
            .expect("login page");
        let result = page.axe().expect("axe run").expect("axe loaded");
        for v in result["violations"].as_array().into_iter().flatten() {
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                problems.push(format!(
                    "/konto/logga-in: {} {}",
                    v["id"], v["nodes"][0]["target"]
                ));
            }
        }
        page.act_and_wait(
            &format!("(() => {{ document.querySelector('#username').value = 'ekontoret'; document.querySelector('#password').value = {:?}; document.querySelector('[data-action=login]').click(); return true; }})()", common::PASSWORD),
            "logging in",
        )
        .expect("log in");
        for u in &urls {
            page.goto(&format!("{}{u}", app.url)).expect("load");
            let result = page.axe().expect("axe run").expect("axe loaded");
            for v in result["violations"].as_array().into_iter().flatten() {
                if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                    problems.push(format!("{u}: {} {}", v["id"], v["nodes"][0]["target"]));
                }
            }
        }
        page.close();
        browser.close();
        problems
    });
    assert!(
        problems.is_empty(),
        "serious or critical axe-core violations: {problems:#?}"
    );
    assert_no_browser_left();
}
