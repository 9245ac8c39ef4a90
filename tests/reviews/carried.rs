//! Comments carried over to a new version keep or lose their anchor.

use super::*;

async fn carried_over_comments_keep_or_lose_their_anchor(backend: Backend) {
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let registry = provrum::municipalities::Registry::builtin();
    let src = common::fixtures().join("services/anmalan-om-olagenhet");
    let pkg = provrum::services::load(&src, registry).unwrap();
    provrum::intake::import(&app.store, &pkg, registry, "test")
        .await
        .unwrap();
    let c = Client::login(&app, "granskare-arvika", Role::Reviewer, &["arvika"]).await;
    let post = |plats: &'static str, citat: &'static str, text: &'static str| {
        let c = &c;
        async move {
            let (status, url, _) = c
                .post(
                    &format!("{V}/synpunkter"),
                    &[
                        ("kommun", "arvika"),
                        ("plats", plats),
                        ("citat", citat),
                        ("klass", "onskemal"),
                        ("text", text),
                    ],
                )
                .await;
            assert_eq!(status, 200);
            url.rsplit('/').next().unwrap().parse::<i64>().unwrap()
        }
    };
    let on_field = post("storningen|hembesok", "", "Hembesöksfrågan").await;
    let on_quote = post("storningen", "gör ett hembesök", "Frågan om inspektören").await;
    let stays = post("plats", "Var finns störningen?", "Platsen").await;
    // Triaged as rejected: closed, so not carried over.
    let closed = post("plats", "", "Avvisas").await;
    let (eva_id, _) = {
        let e = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
        e.post(
            &format!("/synpunkter/{closed}/triage"),
            &[("status", "avvisad"), ("skal", "Utanför uppdraget")],
        )
        .await;
        (0, e)
    };
    let _ = eva_id;
    // The next version: Arvika drops its home-visit question and renames the step.
    let work = tempfile::tempdir().unwrap();
    let dst = work.path().join("next");
    common::bump_fixture(
        &src,
        &dst,
        "2.1.0-rc1",
        "2.1.0-rc2",
        &[(
            "arvika.yaml",
            "steps:\n  storningen:\n    title: Berätta om olägenheten\n",
        )],
    );
    let next = provrum::services::load(&dst, registry).unwrap();
    provrum::intake::import(&app.store, &next, registry, "test")
        .await
        .unwrap();
    let v2 = provrum::services::store::find_version(
        &app.store,
        "anmalan-om-olagenhet",
        Some("2.1.0-rc2"),
    )
    .await
    .unwrap()
    .unwrap();
    let carried = provrum::reviews::store::list(&app.store, v2.id)
        .await
        .unwrap();
    assert_eq!(
        carried.len(),
        3,
        "open comments follow, the rejected one does not"
    );
    let from = |id: i64| {
        carried
            .iter()
            .find(|c| c.carried_from == Some(id))
            .expect("carried")
    };
    assert!(
        from(on_field)
            .orphaned
            .as_deref()
            .unwrap_or_default()
            .contains("Fältet ”hembesok” finns inte längre"),
        "{:?}",
        from(on_field).orphaned
    );
    assert!(
        from(on_quote)
            .orphaned
            .as_deref()
            .unwrap_or_default()
            .contains("Den citerade texten ”gör ett hembesök” finns inte längre"),
        "{:?}",
        from(on_quote).orphaned
    );
    assert_eq!(from(stays).orphaned, None);
    let (_, _, page) = c
        .get("/tjanster/anmalan-om-olagenhet/2.1.0-rc2/synpunkter")
        .await;
    assert_eq!(
        page.matches("föräldralös").count(),
        2,
        "orphans are shown, never dropped"
    );
    let (_, _, one) = c.get(&format!("/synpunkter/{}", from(on_field).id)).await;
    assert!(one.contains("data-orphaned"));
}

mod carry_over {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        carried_over_comments_keep_or_lose_their_anchor(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        carried_over_comments_keep_or_lose_their_anchor(Backend::Postgres).await
    }
}
