//! The trust bar's second half: changes planted in a copy are found
//! exactly where they were planted, on both database backends; the
//! decisions on them are checked in `decisions`.

use super::decisions::*;
use super::*;

async fn planted_changes_are_found_exactly_where_planted(backend: Backend) {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let rc1 = import(&app, &planted_copy(work.path(), "2.1.0-rc1", &[])).await;
    provrum::services::releases::mark_released(&app.store, SERVICE, rc1, "e-kontoret")
        .await
        .unwrap();
    let same_title = "steps:\n  storningen:\n    title: Beskriv olägenheten\n{old}";
    let rc2_dir = planted_copy(
        work.path(),
        "2.1.0-rc2",
        &[
            // One word: Arvika's "Beskriv störningen" becomes "Beskriv olägenheten".
            ("arvika", "{old}"),
            ("grums", same_title),
            ("hagfors", same_title),
            (
                "sunne",
                "fields:\n  beskrivning:\n    required: false\n{old}",
            ),
            ("kil", "branding:\n  colour: \"#1f5f3a\"\n{old}"),
        ],
    );
    let arvika = rc2_dir.join("variants/arvika.yaml");
    let text = std::fs::read_to_string(&arvika).unwrap();
    std::fs::write(
        &arvika,
        text.replace("title: Beskriv störningen", "title: Beskriv olägenheten"),
    )
    .unwrap();
    let torsby = rc2_dir.join("variants/torsby.yaml");
    let text = std::fs::read_to_string(&torsby).unwrap();
    std::fs::write(
        &torsby,
        text.replace("after: adress", "after: fastighetsbeteckning"),
    )
    .unwrap();
    import(&app, &rc2_dir).await;

    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let env = env(&app, chromium);
    let req = Request {
        service: SERVICE.into(),
        version: None,
        against: Against::Released,
        viewports: vec![Viewport::desktop()],
        fresh: false,
    };
    let report = provrum::compare::execute(&app.store, &artifacts, &env, &req, no_progress())
        .await
        .expect("compare");
    assert_eq!(report.version.version, "2.1.0-rc2");
    // The fast loop (issue 29): a variant that renders the same in both
    // versions is captured once; only the six changed ones twice.
    assert_eq!(
        (report.captured, report.reused),
        (15 + 6, 9),
        "captured and reused"
    );
    // The reused row is the made one's, byte for byte, marked with its origin.
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "select version_id, pages, reused_from from captures where target = 'eda' order by id",
    )
    .fetch_all(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "one made, one reused");
    assert_eq!(rows[0].1, rows[1].1);
    assert!(rows[0].2.is_none() && rows[1].2.is_some());
    assert_ne!(rows[0].0, rows[1].0);
    let kil: i64 = sqlx::query_scalar(
        "select count(*) from captures where target = 'kil' and reused_from is null",
    )
    .fetch_one(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(
        kil, 2,
        "Kil's brand colour changed: captured in both versions"
    );
    assert_eq!(report.references.len(), 1);
    assert_eq!(report.references[0].reference, "2.1.0-rc1");
    assert_eq!(report.references[0].compared.len(), 15);
    let changed: BTreeSet<&str> = report
        .deviations
        .iter()
        .map(|d| d.deviation.municipality.as_str())
        .collect();
    let expected: BTreeSet<&str> = ["arvika", "grums", "hagfors", "kil", "sunne", "torsby"].into();
    assert_eq!(
        changed,
        expected,
        "{:#?}",
        report
            .deviations
            .iter()
            .map(|d| (
                &d.deviation.municipality,
                &d.deviation.step,
                &d.deviation.kind,
                &d.deviation.summary
            ))
            .collect::<Vec<_>>()
    );
    let of = |m: &str, kind: &str| -> Vec<&provrum::compare::Judged> {
        report
            .deviations
            .iter()
            .filter(|d| d.deviation.municipality == m && d.deviation.kind.as_str() == kind)
            .collect()
    };
    // The one-word change: a text deviation naming exactly the two words.
    let arvika_text = of("arvika", "text");
    assert!(
        arvika_text
            .iter()
            .any(|d| d.deviation.step == "steg/storningen"
                && d.deviation.detail["changes"]
                    == serde_json::json!(["-störningen", "+olägenheten"])),
        "{arvika_text:#?}"
    );
    assert!(of("arvika", "structure").is_empty());
    // The required flag.
    let sunne = of("sunne", "structure");
    assert!(
        sunne
            .iter()
            .any(|d| d.deviation.summary.contains(
                "beskrivning: obligatoriskt ändrat från ”obligatoriskt” till ”frivilligt”"
            )),
        "{sunne:#?}"
    );
    // The moved field.
    let torsby = of("torsby", "structure");
    assert!(
        torsby
            .iter()
            .any(|d| d.deviation.summary.contains("flyttat")),
        "{torsby:#?}"
    );
    assert!(
        of("torsby", "text")
            .iter()
            .all(|d| d.deviation.step != "steg/storningen")
    );
    // The brand colour: pixels on every page, and nothing in text or structure.
    let kil = of("kil", "pixels:desktop");
    assert!(kil.len() >= 7, "{kil:#?}");
    assert!(of("kil", "text").is_empty() && of("kil", "structure").is_empty());
    // Named as the colour it is, and one change for every page (issue 28).
    for d in &kil {
        let c = &d.deviation.detail["colour"];
        assert_eq!(
            (c["from"].as_str(), c["to"].as_str()),
            (Some("#7b3f00"), Some("#1f5f3a")),
            "{} on {}",
            d.deviation.summary,
            d.deviation.step
        );
        assert!(
            d.deviation
                .summary
                .starts_with("Färgen #7b3f00 har bytts mot #1f5f3a")
        );
    }
    let kil_items: Vec<_> = provrum::compare::changes::items(&report.deviations)
        .into_iter()
        .filter(|i| i.changes.iter().any(|c| c.municipality == "kil"))
        .collect();
    assert_eq!(kil_items.len(), 1, "one change for Kil's colour");
    assert_eq!(kil_items[0].deviations().len(), kil.len());
    assert!(
        report
            .deviations
            .iter()
            .all(|d| d.status == Status::Pending)
    );
    assert_eq!(provrum::compare::exit_code(&report.deviations), 1);

    web_pages_show_and_decide(&app, &report).await;
    let queued = review_queue_decides_once_for_identical_changes(&app, &report).await;
    ignored_regions_leave_the_comparison_and_come_back(&app, &report).await;

    // Approving Grums' text deviation for every identical one settles Hagfors' too.
    let stored = store::deviations(&app.store, report.version.id)
        .await
        .unwrap();
    let grums = stored
        .iter()
        .find(|d| d.municipality == "grums" && d.kind == Kind::Text && d.step == "steg/storningen")
        .expect("grums text deviation")
        .clone();
    let identical: Vec<_> = stored
        .iter()
        .filter(|d| {
            d.kind == grums.kind && d.step == grums.step && d.fingerprint == grums.fingerprint
        })
        .cloned()
        .collect();
    assert_eq!(
        identical
            .iter()
            .map(|d| d.municipality.as_str())
            .collect::<Vec<_>>(),
        ["grums", "hagfors"]
    );
    store::decide(
        &app.store,
        SERVICE,
        "2.1.0-rc2",
        &identical,
        store::DecisionKind::Approved,
        "Avsiktlig rubrik",
        "e-kontoret",
    )
    .await
    .unwrap();
    // Approve everything else, then compare again: captures are reused and
    // every decision holds because no deviation changed.
    store::decide(
        &app.store,
        SERVICE,
        "2.1.0-rc2",
        &stored,
        store::DecisionKind::Approved,
        "Granskat",
        "e-kontoret",
    )
    .await
    .unwrap();
    let again = provrum::compare::execute(&app.store, &artifacts, &env, &req, no_progress())
        .await
        .expect("compare again");
    assert_eq!(again.captured, 0, "every capture is reused");
    assert_eq!(again.deviations.len(), report.deviations.len());
    assert!(
        again
            .deviations
            .iter()
            .all(|d| d.status == Status::Approved)
    );
    assert_eq!(provrum::compare::exit_code(&again.deviations), 0);
    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action like 'deviation.%'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    // The web decision made above, the queue's, plus the two here.
    assert_eq!(audit as usize, 1 + queued + identical.len() + stored.len());
    // Who deviates, and why: the motivation given when approving shows.
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let why = app
        .get(&format!("/tjanster/{SERVICE}/2.1.0-rc2/avvikare"))
        .await;
    // The motivation shows on the adaptation whose step it was given for.
    let renamed = &why.body[why
        .body
        .find("heter ”Beskriv olägenheten”")
        .expect("the renamed step's adaptation")..];
    let renamed = &renamed[..renamed.find("</section>").unwrap()];
    assert!(
        renamed.contains("<strong>Grums</strong>: ”"),
        "Grums' motivation on its renamed step: {renamed}"
    );
}

mod planted_changes {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        planted_changes_are_found_exactly_where_planted(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        planted_changes_are_found_exactly_where_planted(Backend::Postgres).await
    }
}
