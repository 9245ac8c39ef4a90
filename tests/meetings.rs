//! The monthly meeting's brief, over real HTTP on both backends: for a
//! period it lists exactly the comments and decisions of that period and
//! the open review rounds, each line linked; e-kontoret records the meeting
//! so the next brief starts there; the brief prints to a PDF in Provrum's
//! own Chromium.

mod common;

use std::collections::BTreeSet;

use provrum::accounts::Role;
use provrum::accounts::store::for_login;
use provrum::reviews::Class;
use provrum::reviews::store::{NewComment, create};

const SERVICE: &str = "anmalan-om-olagenhet";

/// The keys of the brief's lines of one kind (`comment`, `triage`, …).
fn lines(body: &str, kind: &str) -> BTreeSet<String> {
    let needle = format!("data-line=\"{kind}:");
    body.match_indices(&needle)
        .map(|(i, _)| {
            let rest = &body[i + needle.len()..];
            rest[..rest.find('"').unwrap()].to_string()
        })
        .collect()
}

async fn set_time(app: &common::TestApp, sql: &str, at: &str, id: i64) {
    sqlx::query(sql)
        .bind(at)
        .bind(id)
        .execute(&app.store.pool)
        .await
        .unwrap();
}

on_both_backends! {
    async fn the_brief_lists_exactly_the_period_and_prints(app) {
        let v = provrum::services::store::find_version(&app.store, SERVICE, None).await.unwrap().unwrap();
        for (name, role, ms) in [("eva", Role::EKontoret, vec![]), ("anna", Role::Reviewer, vec!["arvika"]), ("kalle", Role::Reviewer, vec!["karlstad"])] {
            app.login_as(name, role, &ms).await;
        }
        let store = &app.store;
        let user = |n: &'static str| async move { for_login(store, n).await.unwrap().unwrap().0 };
        let (eva, anna, kalle) = (user("eva").await, user("anna").await, user("kalle").await);
        let comment = |m: &str, class, body: &str| NewComment {
            service_id: SERVICE.into(),
            version_id: v.id,
            municipality: Some(m.into()),
            step: Some("storningen".into()),
            class: Some(class),
            motivation: Some("Miljöbalken 9 kap.".into()),
            body: body.into(),
            ..Default::default()
        };
        // In the period: a krav Karlstad endorses, and a legal question.
        let krav = create(&app.store, &comment("arvika", Class::Krav, "Tiden för störningen måste gå att ange.", ), &anna).await.unwrap();
        provrum::reviews::store::endorse(&app.store, krav, "karlstad", &kalle).await.unwrap();
        let legal = create(&app.store, &comment("karlstad", Class::Juridisk, "Får vi kräva personnummer av den som anmäler?"), &kalle).await.unwrap();
        // Before and after the period.
        let before = create(&app.store, &comment("karlstad", Class::Onskemal, "Kartstöd vore bra."), &kalle).await.unwrap();
        let after = create(&app.store, &comment("arvika", Class::Fel, "Stavfel i rubriken."), &anna).await.unwrap();
        let at = |d: &str| format!("{d}T10:00:00.000Z");
        let comment_at = "update comments set created_at = $1 where id = $2";
        set_time(&app, comment_at, &at("2026-10-15"), krav).await;
        set_time(&app, comment_at, &at("2026-10-16"), legal).await;
        set_time(&app, comment_at, &at("2026-09-20"), before).await;
        let _ = after; // stays now: after the period
        // A triage in the period, and one after it.
        provrum::reviews::changes::triage(&app.store, krav, provrum::reviews::Status::Accepterad, "Tas med i nästa version.", &eva).await.unwrap();
        provrum::reviews::changes::triage(&app.store, after, provrum::reviews::Status::Accepterad, "", &eva).await.unwrap();
        let triage_in: i64 = sqlx::query_scalar("select min(id) from comment_revisions where comment_id = $1 and field = 'status'").bind(krav).fetch_one(&app.store.pool).await.unwrap();
        set_time(&app, "update comment_revisions set at = $1 where id = $2", &at("2026-10-20"), triage_in).await;
        // A waiver in the period, one after it.
        let expires = common::in_swedish_days(30);
        provrum::release::waivers::grant(&app.store, v.id, "round:eda", "Eda svarar på nästa möte.", &expires, &eva).await.unwrap();
        provrum::release::waivers::grant(&app.store, v.id, "round:kil", "Kil svarar senare.", &expires, &eva).await.unwrap();
        let waiver_in: i64 = sqlx::query_scalar("select min(id) from waivers where version_id = $1").bind(v.id).fetch_one(&app.store.pool).await.unwrap();
        set_time(&app, "update waivers set decided_at = $1 where id = $2", &at("2026-10-21"), waiver_in).await;
        // One queue decision in the period: Kil's change on two pages, three
        // pieces of evidence — counted as the queue counts, in changes.
        let dev = |step: &str, kind: &str| provrum::compare::store::StoredDeviation {
            id: 0,
            reference: "base".into(),
            municipality: "kil".into(),
            step: step.into(),
            kind: provrum::compare::Kind::parse(kind).expect("a kind"),
            fingerprint: format!("{step}-{kind}"),
            summary: String::new(),
            detail: serde_json::Value::Null,
        };
        let decided = [dev("steg/storningen", "text"), dev("steg/storningen", "pixels:desktop"), dev("sida:granska", "text")];
        provrum::compare::store::decide(&app.store, SERVICE, &v.version, &decided, provrum::compare::store::DecisionKind::Approved, "Kil skriver så sedan 2019.", "eva").await.unwrap();
        sqlx::query("update deviation_decisions set decided_at = $1").bind(at("2026-10-22")).execute(&app.store.pool).await.unwrap();
        // An open round (it matters whenever it was opened).
        let round = provrum::reviews::rounds::open(&app.store, v.id, &common::in_swedish_days(10), &eva).await.unwrap();

        app.log_in("anna", common::PASSWORD).await;
        let page = app.get("/moten?fran=2026-10-01&till=2026-10-31").await;
        assert_eq!(page.status, 200, "{}", page.body);
        let b = &page.body;
        assert!(b.contains("data-period=\"2026-10-01/2026-10-31\""), "{b}");
        assert_eq!(lines(b, "comment"), BTreeSet::from([krav.to_string(), legal.to_string()]), "exactly the period's comments: {b}");
        assert_eq!(lines(b, "triage"), BTreeSet::from([triage_in.to_string()]), "{b}");
        assert_eq!(lines(b, "waiver"), BTreeSet::from([waiver_in.to_string()]), "{b}");
        assert!(b.contains(&format!("data-line=\"round:{round}\"")), "the open round: {b}");
        // The krav with its backers, the legal question waiting, linked.
        assert!(b.contains("2 av 16 instämmer"), "{b}");
        assert!(b.contains(&format!("data-line=\"krav:{krav}\"><a href=\"/synpunkter/{krav}\"")), "{b}");
        assert!(b.contains(&format!("data-line=\"legal:{legal}\"")), "{b}");
        assert!(b.contains("Tas med i nästa version."), "the triage's reason: {b}");
        assert!(b.contains("Eda svarar på nästa möte."), "the waiver's reason: {b}");
        assert!(b.contains("ska ta ställning hemma"), "what each municipality must decide: {b}");
        assert!(b.contains("Kil – 2 ändringar (3 avvikelser) godkändes som lokal anpassning"), "decisions counted in changes: {b}");
        assert!(b.contains("undantag från ”Eda har inte svarat i granskningsomgången.”"), "the blocker in words: {b}");
        assert!(!b.contains("Registrera mötet"), "a reviewer does not record meetings");
        let token = app.get("/konto").await.csrf();
        let refused = app.post_form("/moten", &[("_csrf", &token), ("held_on", "2026-10-31"), ("name", "CESAM")]).await;
        assert_eq!(refused.status, 403);

        // E-kontoret records the meeting; the next brief starts there.
        app.log_in("eva", common::PASSWORD).await;
        let page = app.get("/moten").await;
        let future = common::in_swedish_days(2);
        let bad = app.post_form("/moten", &[("_csrf", &page.csrf()), ("held_on", &future), ("name", "IT-chefsgruppen")]).await;
        assert_eq!(bad.status, 400);
        assert!(bad.body.contains("framtiden") && bad.body.contains("value=\"IT-chefsgruppen\""), "{}", bad.body);
        let done = app.post_form("/moten", &[("_csrf", &page.csrf()), ("held_on", "2026-10-31"), ("name", "CESAM")]).await;
        assert_eq!(done.status, 200);
        assert!(done.body.contains("data-recorded"), "{}", done.body);
        assert!(done.body.contains("data-period=\"2026-10-31/"), "the brief starts at the meeting: {}", done.body);
        assert!(done.body.contains("CESAM 31 oktober 2026"), "{}", done.body);
        let since = lines(&done.body, "comment");
        assert!(since.contains(&after.to_string()) && !since.contains(&krav.to_string()), "{since:?}");

        // The PDF for the meeting's papers.
        if common::chromium().is_none() {
            return;
        }
        let res = app.client.get(format!("{}/moten/underlag.pdf?fran=2026-10-01&till=2026-10-31", app.url)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let pdf = res.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        let text = common::pdf_text(&pdf);
        for expected in ["Underlag till regionens möte", "Tiden för störningen måste gå att ange", "2 av 16 instämmer"] {
            assert!(text.contains(expected), "{expected} in the PDF: {text}");
        }
        assert!(!text.contains("Logga ut") && !text.contains("Registrera"), "printed without menu and forms: {text}");
    }
}
