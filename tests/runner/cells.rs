//! Scenario cells in real Chromium: what passes, fails and is stored,
//! and a run started from the web with its matrix.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_happy_path_passes_on_variants_that_differ() {
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml")],
            // Eda hides a field the scenario fills: skipped there alone.
            &["arvika", "eda", "karlstad", "torsby"],
            |_| {},
        )
    });
    assert_eq!(outcomes.len(), 4);
    for o in &outcomes {
        assert_eq!(o.status, Status::Passed, "{}", describe(o));
        assert!(o.case_number.as_deref().is_some_and(|c| c.contains("-20")));
        assert!(
            o.steps
                .iter()
                .all(|s| s.screenshot.is_some() && s.text.is_some()),
            "every step has a screenshot and text"
        );
        assert!(
            o.steps
                .iter()
                .all(|s| s.log.blocked.is_empty() && s.log.page_errors.is_empty()),
            "the sandbox loads nothing from outside and throws nothing"
        );
    }
    // Arvika's own question was asked only in Arvika.
    let arvika = outcomes
        .iter()
        .find(|o| o.municipality == "arvika")
        .expect("arvika");
    assert!(arvika.steps.iter().any(|s| s.label.contains("hembesok")));
    let karlstad = outcomes
        .iter()
        .find(|o| o.municipality == "karlstad")
        .expect("karlstad");
    assert!(!karlstad.steps.iter().any(|s| s.label.contains("hembesok")));
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_error_scenario_passes_with_its_expected_errors() {
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[
                scenario("anmalan-om-olagenhet/valideringsfel.yaml"),
                scenario("anmalan-om-olagenhet/villkorade-fragor.yaml"),
            ],
            &["kristinehamn", "eda"],
            |_| {},
        )
    });
    assert_eq!(outcomes.len(), 4);
    for o in &outcomes {
        assert_eq!(o.status, Status::Passed, "{}", describe(o));
    }
    assert_no_browser_left();
}

/// Issue 25: a cell whose screenshots the artifact store did not take is
/// not stored as passed (its evidence would point at nothing), and it says
/// the test room failed, not the service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_whose_evidence_cannot_be_stored_is_not_passed() {
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
    // A store whose folder cannot be made: every write fails.
    let broken = tempfile::tempdir().expect("tmp");
    std::fs::write(broken.path().join("artifacts"), "not a folder").expect("file");
    let artifacts = provrum::artifacts::Artifacts::new(broken.path());
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios_into(
            &app,
            &[scenario("anmalan-om-olagenhet/valideringsfel.yaml")],
            &["eda"],
            |_| {},
            &artifacts,
        )
    });
    assert_eq!(outcomes.len(), 1);
    let o = &outcomes[0];
    assert_eq!(o.status, Status::Error, "{}", describe(o));
    let reason = o.reason.as_deref().unwrap_or_default();
    assert!(provrum::browser::infrastructure(reason), "{reason}");
    assert!(
        provrum::scenarios::reasons::in_swedish(reason).contains("inget fel i e-tjänsten"),
        "{reason}"
    );
    // The same cell with a working store passes.
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[scenario("anmalan-om-olagenhet/valideringsfel.yaml")],
            &["eda"],
            |_| {},
        )
    });
    assert_eq!(
        outcomes[0].status,
        Status::Passed,
        "{}",
        describe(&outcomes[0])
    );
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expectation_fails_with_the_step_the_reason_and_a_screenshot() {
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("fel-text.yaml");
    std::fs::write(
        &file,
        "title: Fel förväntad text\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - expect_text: Om dig\n  - expect_text: Välkommen till Narnia\n  - next\n",
    )
    .expect("write");
    let outcomes =
        tokio::task::block_in_place(|| common::run_scenarios(&app, &[file], &["grums"], |_| {}));
    let o = &outcomes[0];
    assert_eq!(o.status, Status::Failed, "{}", describe(o));
    assert_eq!(o.failed_step, Some(4), "the fifth step failed");
    let reason = o.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("step 5 (expect_text \"Välkommen till Narnia\")")
            && reason.contains("is not there"),
        "{reason}"
    );
    assert!(
        reason.contains("Steg 1 av 5: Om dig"),
        "the reason names the page: {reason}"
    );
    // The pages say it in Swedish.
    let said = provrum::scenarios::reasons::in_swedish(reason);
    assert!(
        said.starts_with("steg 5: texten \"Välkommen till Narnia\" skulle finnas på sidan men gör det inte (sidan: Steg 1 av 5: Om dig"),
        "{said}"
    );
    let failed = &o.steps[4];
    assert_eq!(failed.status, Status::Failed);
    let shot = failed
        .screenshot
        .as_deref()
        .expect("a screenshot at failure");
    let png = provrum::artifacts::Artifacts::new(app.data_dir.path())
        .get(shot)
        .expect("stored screenshot");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
    // The page as it was when the step failed, kept to open later.
    let dom = failed.dom.as_deref().expect("a DOM snapshot at failure");
    let html = provrum::artifacts::Artifacts::new(app.data_dir.path())
        .get(dom)
        .expect("stored snapshot");
    assert!(String::from_utf8_lossy(&html).contains("Om dig"));
    assert!(
        o.steps[3].dom.is_none(),
        "only failures and checkpoints keep one"
    );
    assert_eq!(
        o.steps[5].status,
        Status::Skipped,
        "later steps are skipped"
    );
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_from_the_web_shows_its_matrix_timeline_and_screenshots() {
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
    app.login_as("granskare", provrum::accounts::Role::Reviewer, &["hammaro"])
        .await;
    let version = app.get("/tjanster/anmalan-varmepump/1.0.0").await;
    // Running every scenario is e-kontoret's tool: a reviewer is neither
    // offered it nor allowed it.
    assert!(!version.body.contains("data-action=\"start-run\""));
    let as_reviewer = app
        .post_form(
            "/tjanster/anmalan-varmepump/1.0.0/korningar",
            &[("_csrf", &version.csrf())],
        )
        .await;
    assert_eq!(as_reviewer.status, 403);
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let version = app.get("/tjanster/anmalan-varmepump/1.0.0").await;
    version.assert_contains("data-action=\"start-run\"");
    // Without the CSRF token the run is refused.
    let refused = app
        .post_form(
            "/tjanster/anmalan-varmepump/1.0.0/korningar",
            &[("_csrf", "fel")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let started = app
        .post_form(
            "/tjanster/anmalan-varmepump/1.0.0/korningar",
            &[("_csrf", &version.csrf())],
        )
        .await;
    assert!(started.path().starts_with("/korningar/"), "{}", started.url);
    started.assert_contains("data-run-status=\"running\"");
    let path = started.path();
    let mut page = started;
    // 19 cells take 60–80 s on two cores in a debug build: wait up to 4 minutes.
    for _ in 0..480 {
        if !page.body.contains("data-run-status=\"running\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        page = app.get(&path).await;
    }
    page.assert_contains("data-run-status=\"passed\"");
    page.assert_contains("19 av 19 klara");
    page.assert_contains("data-cell=\"granser/hammaro\"");
    let at = page
        .body
        .find("data-cell=\"granser/hammaro\"")
        .expect("cell link");
    let href_start = page.body[..at].rfind("href=\"").expect("href") + 6;
    let href = page.body[href_start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let cell = app.get(&href).await;
    cell.assert_contains("Lokala gränser för borrdjup och filtyper – Hammarö kommun");
    cell.assert_contains("måste vara mellan 10 och 250");
    // Steps in words, with the variant's field labels, and seconds.
    cell.assert_contains("Fyll i ”");
    assert!(
        !cell.body.contains(">fill "),
        "no technical labels on the page"
    );
    assert!(!cell.body.contains(" ms<"), "durations in seconds");
    let img_at = cell.body.find("src=\"/artefakter/").expect("a screenshot") + 5;
    let src = cell.body[img_at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let res = app
        .client
        .get(format!("{}{src}", app.url))
        .send()
        .await
        .expect("artifact");
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert!(res.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
    // The cells can be filtered by result, the slowest first.
    page.assert_contains("data-filter=\"passed\"");
    let passed = app.get(&format!("{path}?status=passed")).await;
    assert_eq!(passed.body.matches("data-listed-cell=").count(), 19);
    passed.assert_contains("<strong aria-current=\"true\">Godkända (19)</strong>");
    let failed = app.get(&format!("{path}?status=failed")).await;
    assert_eq!(failed.body.matches("data-listed-cell=").count(), 0);
    let list = app.get("/korningar").await;
    list.assert_contains("Anmälan om installation av värmepump 1.0.0");
    list.assert_contains("ekontoret");
    assert_no_browser_left();
}
