//! The start page per role ("what waits for me"), over real HTTP on both
//! backends: each role sees its own waiting work and not the others'.

mod common;

use provrum::accounts::Role;
use provrum::accounts::store::for_login;
use provrum::reviews::store::{NewComment, create};

const SERVICE: &str = "anmalan-om-olagenhet";

on_both_backends! {
    async fn each_role_sees_what_waits_for_it(app) {
        let v = provrum::services::store::find_version(&app.store, SERVICE, None).await.unwrap().unwrap();
        // The accounts, created by logging each in once.
        for (name, role, ms) in [("eva", Role::EKontoret, vec![]), ("jonas", Role::LegalAdviser, vec![]), ("kalle", Role::Reviewer, vec!["karlstad"]), ("anna", Role::Reviewer, vec!["arvika"])] {
            app.login_as(name, role, &ms).await;
        }
        let store = &app.store;
        let user = |n: &'static str| async move { for_login(store, n).await.unwrap().unwrap().0 };
        let (eva, anna, kalle) = (user("eva").await, user("anna").await, user("kalle").await);
        provrum::reviews::rounds::open(&app.store, v.id, &common::in_swedish_days(3), &eva).await.unwrap();
        let comment = |m: &str, class, body: &str, parent: Option<i64>| NewComment {
            service_id: SERVICE.into(),
            version_id: v.id,
            parent_id: parent,
            municipality: Some(m.into()),
            step: Some("storningen".into()),
            class: Some(class),
            motivation: Some("Förvaltningslagen 9 §".into()),
            body: body.into(),
            ..Default::default()
        };
        use provrum::reviews::Class;
        let annas = create(&app.store, &comment("arvika", Class::Fel, "Hembesöksfrågan är otydlig.", None), &anna).await.unwrap();
        create(&app.store, &comment("arvika", Class::Fel, "Vi rättar texten i nästa version.", Some(annas)), &eva).await.unwrap();
        create(&app.store, &comment("arvika", Class::Onskemal, "Kartstöd för platsen vore bra.", None), &eva).await.unwrap();
        create(&app.store, &comment("karlstad", Class::Juridisk, "Får vi fråga om hembesök utan lagstöd?", None), &kalle).await.unwrap();
        // E-kontoret decides on Anna's comment: news for her.
        provrum::reviews::changes::triage(&app.store, annas, provrum::reviews::Status::Accepterad, "Tas med i nästa version.", &eva).await.unwrap();

        // Anna, reviewer in Arvika.
        app.log_in("anna", common::PASSWORD).await;
        let home = app.get("/").await;
        assert!(home.body.contains("data-desk=\"reviewer\""), "{}", home.body);
        assert!(!home.body.contains("data-desk=\"office\"") && !home.body.contains("data-desk=\"legal\""));
        // The round as a card with her next steps: try Arvika's variant, read
        // the comments on it, answer.
        assert!(home.body.contains("– Arvika</h3>"), "{}", home.body);
        for (task, href) in [
            ("try", format!("/tjanster/{SERVICE}/{}/arvika", v.version)),
            ("comments", format!("/tjanster/{SERVICE}/{}/synpunkter?kommun=arvika", v.version)),
            ("answer", format!("/tjanster/{SERVICE}/{}/omgang", v.version)),
        ] {
            assert!(home.body.contains(&format!("<a href=\"{href}\" data-task=\"{task}\">")), "{task}: {}", home.body);
        }
        assert!(home.body.contains("3 dagar kvar"), "{}", home.body);
        assert!(home.body.contains("Vi rättar texten i nästa version."), "the reply to her comment");
        assert!(home.body.contains("Ny status: accepterad. Tas med i nästa version."), "the decision on her comment: {}", home.body);
        assert!(home.body.contains("Kartstöd för platsen vore bra."), "a comment on her variant");
        assert!(!home.body.contains("Får vi fråga om hembesök"), "Karlstad's comment is not hers");
        assert!(!home.body.contains("Hembesöksfrågan är otydlig."), "her own comment is not news to her");
        // Answering the round takes it off her list.
        let round = app.get(&format!("/tjanster/{SERVICE}/{}/omgang", v.version)).await;
        app.post_form(&format!("/tjanster/{SERVICE}/{}/omgang/svar", v.version), &[("_csrf", &round.csrf()), ("kommun", "arvika"), ("svar", "antar")]).await;
        let home = app.get("/").await;
        assert!(home.body.contains("Ingen granskningsomgång väntar på svar från er."), "{}", home.body);
        // The news stay while she moves around; a later visit starts afresh.
        assert!(home.body.contains("Vi rättar texten i nästa version."));
        sqlx::query("update users set desk_seen_at = '2000-01-01T00:00:00.000Z' where username = 'anna'").execute(&app.store.pool).await.unwrap();
        let later = app.get("/").await;
        assert!(later.body.contains("Vi rättar texten i nästa version."), "news since 2000");
        let after = app.get("/").await;
        assert!(after.body.contains("Nytt sedan ") && !after.body.contains("första besök"), "{}", after.body);

        // Jonas, legal adviser.
        app.log_in("jonas", common::PASSWORD).await;
        let home = app.get("/").await;
        assert!(home.body.contains("data-desk=\"legal\""));
        assert!(!home.body.contains("data-desk=\"reviewer\"") && !home.body.contains("data-desk=\"office\""));
        assert!(home.body.contains("Får vi fråga om hembesök utan lagstöd?"), "the open legal question");
        assert!(home.body.contains("data-awaiting=\""), "items awaiting an assessment: {}", home.body);
        assert!(!home.body.contains("Kartstöd för platsen"), "a wish is not a legal question");

        // Eva, e-kontoret: with the conflicts column (none read differently here).
        app.log_in("eva", common::PASSWORD).await;
        let home = app.get("/").await;
        assert!(home.body.contains("<th scope=\"col\">Olika tolkningar</th>") && home.body.contains("data-conflicts=\"0\""), "{}", home.body);
        assert!(home.body.contains("data-desk=\"office\""));
        assert!(!home.body.contains("data-desk=\"reviewer\"") && !home.body.contains("data-desk=\"legal\""));
        for s in ["anmalan-om-olagenhet", "anmalan-varmepump", "ansokan-om-forskoleplats"] {
            assert!(home.body.contains(&format!("data-gate=\"{s}\"")), "{s}");
        }
        assert!(home.body.contains("2 nya</a>"), "two untriaged comments (one was decided): {}", home.body);
        assert!(home.body.contains("15 kommuner har inte svarat"), "{}", home.body);
    }
}
