//! A released version, then a candidate blocked on its one change.

use super::*;

/// The whole way on the fixtures, in real Chromium: import, run, compare and
/// approve, assess, answer the round, release; then a new candidate with one
/// planted change is blocked on exactly that change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn end_to_end_a_released_version_then_a_candidate_blocked_on_its_one_change() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let app = common::spawn_app(Backend::Sqlite).await.unwrap();
    let service = "anmalan-varmepump";
    let src = common::fixtures().join("services").join(service);
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("en.yaml"), "checklist: e2e\ntitle: Prov\nitems:\n  - id: registrering\n    title: Registreras\n    kind: manual\n  - id: kvittens\n    title: Kvittens\n    kind: automatic\n    check: receipt_time_and_case_number\n  - id: kontakt\n    title: Kontakt\n    kind: automatic\n    check: contact_details\n").unwrap();
    let lists = provrum::checklists::load_dir(work.path()).unwrap();
    let eva = user(&app, "ekontoret", Role::EKontoret, &[]).await;
    let jurist = user(&app, "jurist", Role::LegalAdviser, &[]).await;
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let browser = provrum::browser::BrowserOptions {
        chromium,
        pass: app.pass(),
        ..Default::default()
    };
    let files_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/files");
    let scenarios = provrum::scenarios::execute::scenario_files(
        &[],
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
    );

    // Everything a version needs, done the way the test room does it.
    let prepare = |version: &'static str| {
        let (app, artifacts, browser, files_dir, scenarios, eva) = (
            &app,
            &artifacts,
            browser.clone(),
            files_dir.clone(),
            scenarios.clone(),
            eva.clone(),
        );
        async move {
            let v = provrum::services::store::find_version(&app.store, service, Some(version))
                .await
                .unwrap()
                .unwrap();
            let plan = provrum::scenarios::execute::plan(
                &app.store,
                service,
                Some(version),
                &scenarios,
                &[],
            )
            .await
            .unwrap();
            let cfg = provrum::scenarios::runner::RunnerConfig::new(&app.url, browser.clone());
            let done = provrum::scenarios::execute::execute(
                &app.store,
                artifacts,
                plan,
                cfg,
                "test",
                std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
                |_| {},
            )
            .await
            .unwrap();
            assert_eq!(
                done.status,
                provrum::scenarios::RunStatus::Passed,
                "{version}: the fixture scenarios pass"
            );
            let env = provrum::compare::execute::Env {
                origin: app.url.clone(),
                browser,
                concurrency: 2,
                files_dir,
                cancel: Default::default(),
            };
            let req = provrum::compare::Request {
                service: service.into(),
                version: Some(version.into()),
                against: provrum::compare::Against::Default,
                viewports: vec![provrum::compare::capture::Viewport::desktop()],
                fresh: false,
            };
            let report = provrum::compare::execute(
                &app.store,
                artifacts,
                &env,
                &req,
                std::sync::Arc::new(|_, _| {}),
            )
            .await
            .unwrap();
            provrum::reviews::rounds::open(&app.store, v.id, "2099-12-31", &eva)
                .await
                .unwrap();
            let round = provrum::reviews::rounds::latest(&app.store, v.id)
                .await
                .unwrap()
                .unwrap();
            for x in provrum::services::store::variants(&app.store, v.id)
                .await
                .unwrap()
            {
                let r = match provrum::accounts::store::for_login(
                    &app.store,
                    &format!("granskare-{}", x.municipality),
                )
                .await
                .unwrap()
                {
                    Some((u, _)) => u,
                    None => {
                        user(
                            app,
                            &format!("granskare-{}", x.municipality),
                            Role::Reviewer,
                            &[&x.municipality],
                        )
                        .await
                    }
                };
                provrum::reviews::rounds::answer(
                    &app.store,
                    &round,
                    &x.municipality,
                    provrum::reviews::rounds::Given {
                        answer: provrum::reviews::rounds::Answer::Antar,
                        reason: "",
                        comments: &[],
                    },
                    &r,
                )
                .await
                .unwrap();
            }
            (v, report)
        }
    };

    let pkg = provrum::services::load(&src, Registry::builtin()).unwrap();
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .unwrap();
    let (v1, report) = prepare("1.0.0").await;
    // E-kontoret approves every deviation from the base as a local adaptation.
    let stored = provrum::compare::store::deviations(&app.store, v1.id)
        .await
        .unwrap();
    assert!(
        !stored.is_empty(),
        "the fixture variants differ from the base"
    );
    assert!(
        report
            .deviations
            .iter()
            .all(|d| d.deviation.reference == "base")
    );
    provrum::compare::store::decide(
        &app.store,
        service,
        "1.0.0",
        &stored,
        provrum::compare::store::DecisionKind::Approved,
        "Lokal anpassning",
        &eva.username,
    )
    .await
    .unwrap();
    let a = provrum::checklists::store::NewAssessment {
        version_id: v1.id,
        checklist: "e2e",
        item: "registrering",
        municipality: None,
        status: provrum::checklists::store::Assessed::Uppfyllt,
        annotation: "Diarieförs",
        refs: "",
        carried_from: None,
        form_key: "",
    };
    provrum::checklists::store::assess(&app.store, &a, &jurist)
        .await
        .unwrap();
    let g = check(&app.store, &v1, &lists, &Policy::default())
        .await
        .unwrap();
    assert_eq!(g.verdict, Verdict::Ready, "{:#?}", g.blockers);
    provrum::services::releases::mark_released(&app.store, service, v1.id, &eva.username)
        .await
        .unwrap();

    // 1.0.1: Kil renames one step. Nothing else changes.
    let dst = work.path().join("next");
    common::bump_fixture(
        &src,
        &dst,
        "1.0.0",
        "1.0.1",
        &[(
            "kil.yaml",
            "steps:\n  anlaggning:\n    title: Om anläggningen\n",
        )],
    );
    let pkg = provrum::services::load(&dst, Registry::builtin()).unwrap();
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .unwrap();
    let (v2, report) = prepare("1.0.1").await;
    assert_eq!(
        report
            .references
            .iter()
            .map(|r| r.reference.as_str())
            .collect::<Vec<_>>(),
        ["base", "1.0.0"]
    );
    // The regional assessment is offered (the base did not change) and confirmed.
    let offers = provrum::checklists::evaluate::offers(&app.store, v2.id)
        .await
        .unwrap();
    assert_eq!(offers.len(), 1);
    let o = &offers[0].assessment;
    let a = provrum::checklists::store::NewAssessment {
        version_id: v2.id,
        checklist: &o.checklist,
        item: &o.item,
        municipality: None,
        status: o.status,
        annotation: &o.annotation,
        refs: &o.refs,
        carried_from: Some("1.0.0"),
        form_key: "",
    };
    provrum::checklists::store::assess(&app.store, &a, &jurist)
        .await
        .unwrap();
    let g = check(&app.store, &v2, &lists, &Policy::default())
        .await
        .unwrap();
    assert_eq!(g.verdict, Verdict::Blocked);
    let places: std::collections::BTreeSet<(&str, Option<&str>)> = g
        .blockers
        .iter()
        .map(|b| (b.condition.slug(), b.municipality.as_deref()))
        .collect();
    assert_eq!(
        places,
        [("deviations", Some("kil"))].into_iter().collect(),
        "{:#?}",
        g.blockers
    );
    assert!(
        g.blockers
            .iter()
            .any(|b| b.message.contains("Om anläggningen") || b.message.contains("anläggningen")),
        "{:#?}",
        g.blockers
    );
    assert!(
        g.blockers
            .iter()
            .any(|b| b.message.contains("version 1.0.0")),
        "the change against the release is named: {:#?}",
        g.blockers
    );
    // The change is one blocker, whether against the base, the release or
    // both, in words and in pixels, on its step and on the summary page that
    // repeats its heading (issues 27 and 28), naming both references.
    assert_eq!(g.blockers.len(), 1, "{:#?}", g.blockers);
    assert!(
        g.blockers
            .iter()
            .all(|b| b.message.contains("mot basen och version 1.0.0")),
        "{:#?}",
        g.blockers
    );
}
