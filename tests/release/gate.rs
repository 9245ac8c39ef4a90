//! The gate's conditions, each alone, and a municipality that opted out,
//! on both database backends.

use super::*;

async fn each_condition_alone_blocks(backend: Backend) {
    let Some(s) = ready(backend).await else {
        return;
    };
    let g = gate(&s).await;
    assert_eq!(g.verdict, Verdict::Ready, "{:#?}", g.blockers);
    assert_eq!(g.participating, MS.to_vec());
    drop(s);

    type Mutation = fn(&Setup) -> std::pin::Pin<Box<dyn std::future::Future<Output = ()> + '_>>;
    let table: [(&str, Mutation, &str, &str); 6] = [
        (
            "scenarios",
            |s| {
                Box::pin(async move {
                    run(
                        s,
                        &[
                            cell("arvika", Status::Passed, serde_json::json!([])),
                            cell("eda", Status::Failed, serde_json::json!([])),
                            cell("kil", Status::Passed, serde_json::json!([])),
                        ],
                    )
                    .await
                })
            },
            "scenarios:eda:hela-vagen",
            "Scenariot ”Hela vägen” misslyckas i Eda i steg 3",
        ),
        (
            "deviations",
            |s| {
                Box::pin(async move {
                    let d = provrum::compare::Deviation {
                        municipality: "kil".into(),
                        step: "steg/steg".into(),
                        kind: provrum::compare::Kind::Text,
                        fingerprint: "abc".into(),
                        summary: "Texten skiljer sig (1 ändring): +”Extra”".into(),
                        detail: serde_json::json!({}),
                    };
                    provrum::compare::store::replace_deviations(
                        &s.app.store,
                        s.version.id,
                        "base",
                        &[d],
                    )
                    .await
                    .unwrap();
                })
            },
            "deviations:kil:base:steg/steg:text:abc",
            "Avvikelsen i texten mot basen på steget ”Ett steg” i Kil är inte godkänd",
        ),
        (
            "checklists",
            |s| {
                Box::pin(async move {
                    let a = provrum::checklists::store::NewAssessment {
                        version_id: s.version.id,
                        checklist: "en",
                        item: "registrering",
                        municipality: None,
                        status: provrum::checklists::store::Assessed::EjUppfyllt,
                        annotation: "Ingen koppling till diariet",
                        refs: "",
                        carried_from: None,
                        form_key: "",
                    };
                    provrum::checklists::store::assess(&s.app.store, &a, &s.jurist)
                        .await
                        .unwrap();
                })
            },
            "checklists:*:en/registrering",
            "Checklistpunkten ”Inkomna e-ärenden registreras” är bedömd som ej uppfylld regionalt",
        ),
        (
            "accessibility",
            |s| {
                Box::pin(async move {
                    let bad = serde_json::json!([{ "id": "color-contrast", "impact": "serious", "nodes": [] }]);
                    run(
                        s,
                        &[
                            cell("arvika", Status::Passed, serde_json::json!([])),
                            cell("eda", Status::Passed, serde_json::json!([])),
                            cell("kil", Status::Passed, bad),
                        ],
                    )
                    .await
                })
            },
            "accessibility:kil:color-contrast",
            "axe-core: color-contrast (serious) i Kil på steget ”Ett steg” (efter ”Öppna e-tjänstens startsida”)",
        ),
        (
            "feedback",
            |s| {
                Box::pin(async move {
                    let c = provrum::reviews::store::NewComment {
                        service_id: "prov".into(),
                        version_id: s.version.id,
                        municipality: Some("arvika".into()),
                        class: Some(provrum::reviews::Class::Krav),
                        motivation: Some("FL 9 §".into()),
                        body: "Namn måste vara frivilligt".into(),
                        ..Default::default()
                    };
                    provrum::reviews::store::create(&s.app.store, &c, &s.reviewers[0])
                        .await
                        .unwrap();
                })
            },
            "feedback:arvika:1",
            "krav #1 från Arvika, 0 kommuner instämmer, är ny.",
        ),
        (
            "round",
            |s| {
                Box::pin(async move {
                    sqlx::query("delete from round_answers where municipality = 'eda'")
                        .execute(&s.app.store.pool)
                        .await
                        .unwrap();
                })
            },
            "round:eda",
            "Eda har inte svarat i granskningsomgången",
        ),
    ];
    for (condition, mutate, key, message) in table {
        let s = ready(backend).await.unwrap();
        mutate(&s).await;
        let g = gate(&s).await;
        assert_eq!(g.verdict, Verdict::Blocked, "{condition} alone must block");
        assert_eq!(g.blockers.len(), 1, "{condition}: {:#?}", g.blockers);
        let b = &g.blockers[0];
        assert_eq!((b.condition.slug(), b.key.as_str()), (condition, key));
        assert!(b.message.contains(message), "{condition}: {}", b.message);
        assert!(
            b.evidence.is_some(),
            "{condition}: a blocker links its evidence"
        );
        // A waiver lifts it, and every report says so.
        provrum::release::waivers::grant(
            &s.app.store,
            s.version.id,
            &b.key,
            "Åtgärdas i nästa version",
            "2099-01-31",
            &s.eva,
        )
        .await
        .unwrap();
        let g = gate(&s).await;
        assert_eq!(
            g.verdict,
            Verdict::Ready,
            "{condition}: the waiver must lift it"
        );
        assert_eq!(g.waived.len(), 1);
        let json = provrum::release::report::json(&g, 0).to_string();
        assert!(
            json.contains("Åtgärdas i nästa version") && json.contains(key),
            "{condition}"
        );
        let junit = provrum::release::report::junit(&g);
        assert!(
            junit.contains("undantag:") && !junit.contains("<failure"),
            "{condition}: {junit}"
        );
        let html = provrum::release::report::html(
            &g,
            &provrum::artifacts::Artifacts::new(s.app.data_dir.path()),
            "",
        )
        .unwrap();
        assert!(
            html.contains(&format!("data-waiver=\"{key}\"")),
            "{condition}"
        );
    }
}

mod table {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        each_condition_alone_blocks(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        each_condition_alone_blocks(Backend::Postgres).await
    }
}

async fn an_opted_out_municipality_does_not_block(backend: Backend) {
    let Some(s) = ready(backend).await else {
        return;
    };
    run(
        &s,
        &[
            cell("arvika", Status::Passed, serde_json::json!([])),
            cell(
                "eda",
                Status::Failed,
                serde_json::json!([{ "id": "label", "impact": "critical", "nodes": [] }]),
            ),
            cell("kil", Status::Passed, serde_json::json!([])),
        ],
    )
    .await;
    let c = provrum::reviews::store::NewComment {
        service_id: "prov".into(),
        version_id: s.version.id,
        municipality: Some("eda".into()),
        class: Some(provrum::reviews::Class::Juridisk),
        motivation: Some("OSL".into()),
        body: "Fråga".into(),
        ..Default::default()
    };
    provrum::reviews::store::create(&s.app.store, &c, &s.reviewers[1])
        .await
        .unwrap();
    let g = gate(&s).await;
    assert_eq!(g.verdict, Verdict::Blocked);
    assert_eq!(g.blockers.len(), 3, "{:#?}", g.blockers);
    let round = provrum::reviews::rounds::latest(&s.app.store, s.version.id)
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::rounds::answer(
        &s.app.store,
        &round,
        "eda",
        provrum::reviews::rounds::Given {
            answer: provrum::reviews::rounds::Answer::Avstar,
            reason: "Eda behåller sin egen tjänst",
            comments: &[],
        },
        &s.reviewers[1],
    )
    .await
    .unwrap();
    let g = gate(&s).await;
    assert_eq!(g.verdict, Verdict::Ready, "{:#?}", g.blockers);
    assert_eq!(
        g.opted_out,
        vec![(
            "eda".to_string(),
            "Eda behåller sin egen tjänst".to_string()
        )]
    );
    let junit = provrum::release::report::junit(&g);
    assert!(
        junit.contains("name=\"arvika\"") && !junit.contains("name=\"eda\""),
        "one testcase per condition per participating municipality"
    );
    assert_eq!(
        junit.matches("<testcase").count(),
        6 * 3,
        "6 conditions × (region + 2 municipalities)"
    );
}

mod opt_out {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        an_opted_out_municipality_does_not_block(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        an_opted_out_municipality_does_not_block(Backend::Postgres).await
    }
}
