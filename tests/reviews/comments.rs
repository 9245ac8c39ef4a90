//! Reviewers' comments: CSRF, escaping in pages and exports, endorsements,
//! the list, review rounds, triage, legal questions, and the sandbox panel.

use super::*;

on_both_backends! {
    /// A form without its token is refused and changes nothing.
    async fn forms_without_their_csrf_token_are_refused(app) {
        let c = Client::login(&app, "granskare-arvika", Role::Reviewer, &["arvika"]).await;
        let id = a_comment(&app, "granskare-arvika").await;
        for (path, form) in [
            (format!("/synpunkter/{id}/instam"), vec![("kommun", "arvika"), ("_csrf", "förfalskad")]),
            (format!("{V}/synpunkter"), vec![("kommun", "arvika"), ("klass", "fel"), ("text", "x"), ("_csrf", "")]),
            ("/konto/logga-ut".to_string(), vec![("_csrf", "x")]),
        ] {
            let r = c.http.post(format!("{}{path}", c.base)).form(&form).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 403, "{path}");
        }
        let comment = provrum::reviews::store::get(&app.store, id).await.unwrap().unwrap();
        assert!(comment.endorsements.is_empty());
        let (_, _, home) = c.get("/").await;
        assert!(home.contains("Logga ut"), "still logged in");
    }

    /// Script in a comment is text everywhere: the pages, the CSV and the JSON.
    async fn html_in_comments_is_escaped_in_pages_csv_and_json(app) {
        let c = Client::login(&app, "granskare-arvika", Role::Reviewer, &["arvika"]).await;
        let evil = "<script>alert(\"x\")</script>;=1+2 <img src=x onerror=alert(1)>";
        let (status, url, page) = c.post(&format!("{V}/synpunkter"), &[("kommun", "arvika"), ("plats", "storningen"), ("klass", "krav"), ("motivering", "<b>lag</b>"), ("text", evil)]).await;
        assert_eq!(status, 200, "{page}");
        assert!(url.contains("/synpunkter/"), "{url}");
        for body in [page, c.get(&format!("{V}/synpunkter")).await.2] {
            assert!(!body.contains("<script>alert"), "unescaped script");
            assert!(!body.contains("<img src=x"), "unescaped img");
            assert!(body.contains("&#60;script&#62;alert(&#34;x&#34;)&#60;/script&#62;"), "escaped text shown");
        }
        let (_, _, csv) = c.get(&format!("{V}/synpunkter.csv")).await;
        assert!(csv.starts_with('\u{feff}'), "BOM for Excel");
        // A formula start after a separator is neutralised too (Excel in a comma locale).
        assert!(csv.contains("\"<script>alert(\"\"x\"\")</script>;'=1+2 <img src=x onerror=alert(1)>\""), "{csv}");
        assert!(csv.lines().next().unwrap().split(';').count() >= 19);
        // The same words as the pages: names, step titles, Swedish local time.
        let row = csv.lines().nth(1).unwrap();
        assert!(row.contains(";Arvika;") && !row.contains(";arvika;"), "{row}");
        assert!(!row.contains(";storningen;"), "the step by its title: {row}");
        let created = row.rsplit(';').next().unwrap();
        assert!(created.len() == 16 && created.as_bytes()[10] == b' ', "local time: {created}");
        let r = c.http.get(format!("{}{V}/synpunkter.json", c.base)).send().await.unwrap();
        assert_eq!(r.headers()["content-type"], "application/json");
        let raw = r.text().await.unwrap();
        assert!(!raw.contains('<'), "no raw angle brackets in the JSON");
        let json: serde_json::Value = serde_json::from_str(&raw).unwrap();
        assert_eq!(json["schema"], "provrum-comments/1");
        assert_eq!(json["comments"][0]["body"], evil);
        // A krav without a motivation is refused with a message, and nothing is stored.
        let (status, _, page) = c.post(&format!("{V}/synpunkter"), &[("kommun", "arvika"), ("klass", "krav"), ("text", "Måste ändras")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("behöver en motivering"));
        assert_eq!(provrum::reviews::store::list(&app.store, 1).await.unwrap().iter().filter(|c| c.body == "Måste ändras").count(), 0);
        // …and the form comes back with everything typed, the error linked to its field.
        assert!(page.contains(">Måste ändras</textarea>"), "the text is kept");
        assert!(page.contains("value=\"krav\" checked"), "the class is kept");
        assert!(page.contains("href=\"#c-motivering\""), "the summary links the field");
        let (status, _, page) = c.post(&format!("{V}/synpunkter"), &[("kommun", "arvika"), ("text", "Utan klass"), ("citat", "Beskriv störningen")]).await;
        assert_eq!(status, 400);
        assert!(page.contains(">Utan klass</textarea>") && page.contains("value=\"Beskriv störningen\""));
        assert!(page.contains("href=\"#c-klass-krav\""));
    }

    /// 50 endorsements at once from 16 municipalities count each municipality once.
    async fn concurrent_endorsements_count_each_municipality_once(app) {
        let ms = ["arjang", "arvika", "eda", "filipstad", "forshaga", "grums", "hagfors", "hammaro", "karlstad", "kil", "kristinehamn", "munkfors", "saffle", "storfors", "sunne", "torsby"];
        let mut clients = Vec::new();
        for m in ms {
            clients.push((m, std::sync::Arc::new(Client::login(&app, &format!("granskare-{m}"), Role::Reviewer, &[m]).await)));
        }
        // Written by someone who endorses for no municipality (authors do not
        // endorse their own comment).
        drop(Client::login(&app, "skribent", Role::LegalAdviser, &[]).await);
        let id = a_comment(&app, "skribent").await;
        let mut tokens = Vec::new();
        for (_, c) in &clients {
            tokens.push(c.csrf().await);
        }
        let mut tasks = Vec::new();
        for i in 0..50 {
            let (m, c) = clients[i % 16].clone();
            let token = tokens[i % 16].clone();
            tasks.push(tokio::spawn(async move {
                c.http
                    .post(format!("{}/synpunkter/{id}/instam", c.base))
                    .form(&[("kommun", m), ("_csrf", &token)])
                    .send()
                    .await
                    .map(|r| r.status().as_u16())
            }));
        }
        for t in tasks {
            assert_eq!(t.await.unwrap().unwrap(), 200);
        }
        let comment = provrum::reviews::store::get(&app.store, id).await.unwrap().unwrap();
        assert_eq!(comment.endorsements.len(), 16, "{:?}", comment.endorsements);
        let (_, _, page) = clients[0].1.get(&format!("/synpunkter/{id}")).await;
        assert!(page.contains("16 av 16 kommuner"));
        // The list filters by endorsements, municipality, class and status.
        for (query, shown) in [("instammer=16", true), ("instammer=17", false), ("kommun=eda", true), ("klass=krav", false), ("klass=onskemal&status=oppna", true), ("status=avvisad", false), ("steg=storningen", true), ("steg=plats", false)] {
            let (_, _, list) = clients[0].1.get(&format!("{V}/synpunkter?{query}")).await;
            assert_eq!(list.contains(&format!("data-comment=\"{id}\"")), shown, "{query}");
        }
        let n: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'comment.endorse'").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(n, 16);
    }

    /// The list reads counts from each comment's row and pages by the last
    /// comment shown: "Nästa" carries its id, and the pages neither overlap
    /// nor leave a comment out.
    async fn the_list_pages_after_the_last_comment_with_counts_in_the_rows(app) {
        drop(Client::login(&app, "skribent", Role::LegalAdviser, &[]).await);
        let mut ids = Vec::new();
        for _ in 0..130 {
            ids.push(a_comment(&app, "skribent").await);
        }
        let k = Client::login(&app, "granskare-karlstad", Role::Reviewer, &["karlstad"]).await;
        let (karlstad, _) = provrum::accounts::store::for_login(&app.store, "granskare-karlstad").await.unwrap().unwrap();
        let store = &app.store;
        let reply = |parent: i64| provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: 0,
            parent_id: Some(parent),
            body: "Håller med.".into(),
            ..Default::default()
        };
        let v = provrum::services::store::find_version(store, "anmalan-om-olagenhet", None).await.unwrap().unwrap();
        for _ in 0..2 {
            provrum::reviews::store::create(store, &provrum::reviews::store::NewComment { version_id: v.id, ..reply(ids[0]) }, &karlstad).await.unwrap();
        }
        for id in [ids[1], ids[120]] {
            assert!(provrum::reviews::store::endorse(store, id, "karlstad", &karlstad).await.unwrap());
        }
        assert!(!provrum::reviews::store::endorse(store, ids[1], "karlstad", &karlstad).await.unwrap(), "once per municipality");

        let (_, _, first) = k.get(&format!("{V}/synpunkter")).await;
        assert!(first.contains("2 svar"), "the reply count is shown");
        let next = first.split("&amp;sida=1&amp;efter=").nth(1).expect("a Nästa link with the last id").split('"').next().unwrap().to_string();
        assert_eq!(next, ids[99].to_string());
        let (_, _, second) = k.get(&format!("{V}/synpunkter?sida=1&efter={next}")).await;
        let shown = |page: &str| ids.iter().filter(|id| page.contains(&format!("data-comment=\"{id}\""))).count();
        assert_eq!(shown(&first), 100);
        assert_eq!(shown(&second), 30);
        assert!(second.contains(&format!("data-comment=\"{}\"", ids[100])) && !second.contains(&format!("data-comment=\"{}\"", ids[99])));
        // A page reached by number alone (no id) shows the same comments.
        let (_, _, by_number) = k.get(&format!("{V}/synpunkter?sida=1")).await;
        assert_eq!(shown(&by_number), 30);

        // Karlstad's list: its endorsements, by index; the filter by count.
        let (_, _, theirs) = k.get(&format!("{V}/synpunkter?kommun=karlstad")).await;
        assert_eq!(shown(&theirs), 2, "the two Karlstad endorsed");
        let (_, _, endorsed) = k.get(&format!("{V}/synpunkter?instammer=1")).await;
        assert_eq!(shown(&endorsed), 2);
        assert!(provrum::reviews::store::withdraw_endorsement(store, ids[1], "karlstad", &karlstad).await.unwrap());
        let (_, _, endorsed) = k.get(&format!("{V}/synpunkter?instammer=1")).await;
        assert_eq!(shown(&endorsed), 1, "a withdrawn endorsement no longer counts");
        let counts: Vec<(i64, i64)> = sqlx::query_as("select endorsement_count, reply_count from comments where id = $1 or id = $2 order by id")
            .bind(ids[0]).bind(ids[1]).fetch_all(&store.pool).await.unwrap();
        assert_eq!(counts, [(0, 2), (0, 0)]);
    }

    /// The round dashboard: who answered, who waits; opting out needs a reason.
    async fn a_review_round_collects_answers_and_shows_who_is_missing(app) {
        let e = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
        let (status, _, page) = e.post(&format!("{V}/omgang"), &[("deadline", "2020-01-01")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("redan passerat"));
        let (status, _, _) = e.post(&format!("{V}/omgang"), &[("deadline", "2099-12-31")]).await;
        assert_eq!(status, 200);
        let a = Client::login(&app, "granskare-arvika", Role::Reviewer, &["arvika"]).await;
        let (status, _, page) = a.post(&format!("{V}/omgang/svar"), &[("kommun", "arvika"), ("svar", "avstar")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("Ett skäl krävs"));
        let (status, _, page) = a.post(&format!("{V}/omgang/svar"), &[("kommun", "arvika"), ("svar", "avstar"), ("skal", "Vi behåller vår egen e-tjänst med kartstöd")]).await;
        assert_eq!(status, 200);
        assert!(page.contains("0 antar, 0 antar med synpunkter, 1 avstår, 15 har inte svarat ännu."), "{page}");
        assert!(page.contains("data-confirmation>Ert svar är sparat.</p>"), "a confirmation: {page}");
        assert!(page.contains("data-round-progress=\"1/16\"") && page.contains("1 av 16 kommuner har svarat."), "{page}");
        assert!(page.contains("data-municipality=\"arvika\" data-standing=\"answered\""));
        assert!(page.contains("Vi behåller vår egen e-tjänst med kartstöd"));
        // E-kontoret moves the deadline; not into the past, and a reviewer may not.
        let (status, _, page) = e.post(&format!("{V}/omgang/sista-dag"), &[("deadline", "2020-01-01")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("redan passerat"), "{page}");
        let (status, _, _) = a.post(&format!("{V}/omgang/sista-dag"), &[("deadline", "2099-06-30")]).await;
        assert_eq!(status, 403);
        let (status, _, page) = e.post(&format!("{V}/omgang/sista-dag"), &[("deadline", "2099-06-30")]).await;
        assert_eq!(status, 200);
        assert!(page.contains("Sista svarsdag: <strong>30 juni 2099</strong>"), "{page}");
        assert!(page.contains("data-municipality=\"arvika\" data-standing=\"answered\""), "the answer stands");
        let moved: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'round.deadline'").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(moved, 1);
        // "Antar med synpunkter" names the municipality's comments it refers to.
        let k = Client::login(&app, "granskare-karlstad", Role::Reviewer, &["karlstad"]).await;
        let (_, url, _) = k.post(&format!("{V}/synpunkter"), &[("kommun", "karlstad"), ("plats", "storningen"), ("klass", "onskemal"), ("text", "Förklara ordet olägenhet med ett exempel.")]).await;
        let mine: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
        let theirs = a_comment(&app, "granskare-arvika").await;
        let (_, _, page) = k.get(&format!("{V}/omgang")).await;
        assert!(page.contains("data-answer-comments=\"karlstad\"") && page.contains("Förklara ordet olägenhet"), "{page}");
        let (status, _, page) = k.post(&format!("{V}/omgang/svar"), &[("kommun", "karlstad"), ("svar", "antar_med_synpunkter")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("Välj vilka av kommunens synpunkter"), "{page}");
        // Another municipality's comment cannot be claimed; its own is linked.
        let (status, _, page) = k.post(&format!("{V}/omgang/svar"), &[("kommun", "karlstad"), ("svar", "antar_med_synpunkter"), ("synpunkt", &mine.to_string()), ("synpunkt", &theirs.to_string())]).await;
        assert_eq!(status, 200);
        let row = &page[page.find("data-linked-comments=\"karlstad\"").expect("linked comments")..];
        let row = &row[..row.find("</ul>").unwrap()];
        assert!(row.contains(&format!("href=\"/synpunkter/{mine}\"")), "{row}");
        assert!(!row.contains(&format!("href=\"/synpunkter/{theirs}\"")), "{row}");
        // E-kontoret closes the round early: no more answers, the rest unanswered.
        let (status, _, _) = a.post(&format!("{V}/omgang/stang"), &[]).await;
        assert_eq!(status, 403);
        let (status, _, page) = e.post(&format!("{V}/omgang/stang"), &[]).await;
        assert_eq!(status, 200);
        assert!(page.contains("data-round-closed") && page.contains("14 svarade inte innan omgången stängdes"), "{page}");
        assert!(page.contains("data-municipality=\"eda\" data-standing=\"unanswered\""), "{page}");
        let (status, _, page) = a.post(&format!("{V}/omgang/svar"), &[("kommun", "arvika"), ("svar", "antar")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("Granskningsomgången är stängd"), "{page}");
        let closed: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'round.close'").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(closed, 1);
        // A new round can be opened once this one is closed.
        let (status, _, _) = e.post(&format!("{V}/omgang"), &[("deadline", "2099-12-31")]).await;
        assert_eq!(status, 200);
        // A round whose deadline has passed: everyone who did not answer is late.
        let v = provrum::services::store::find_version(&app.store, "anmalan-varmepump", None).await.unwrap().unwrap();
        sqlx::query("insert into review_rounds (version_id, deadline, opened_by, opened_at) values ($1, '2020-01-01', 'test', '2019-12-01T00:00:00.000Z')").bind(v.id).execute(&app.store.pool).await.unwrap();
        let (_, _, page) = e.get("/tjanster/anmalan-varmepump/1.0.0/omgang").await;
        assert!(page.contains("16 är sena"), "{page}");
        assert!(page.contains("data-municipality=\"eda\" data-standing=\"late\""));
    }

    /// Rejecting without a reason is refused on the thread itself, with the
    /// chosen status kept and the reason field marked (no dead-end page).
    async fn a_refused_triage_keeps_the_chosen_status(app) {
        let author = Client::login(&app, "granskare-y", Role::Reviewer, &["arvika"]).await;
        let e = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
        let id = a_comment(&app, "granskare-y").await;
        let (status, url, page) = e.post(&format!("/synpunkter/{id}/triage"), &[("status", "avvisad"), ("skal", "")]).await;
        assert_eq!(status, 400);
        assert!(url.ends_with(&format!("/synpunkter/{id}/triage")), "{url}");
        assert!(page.contains("Statusen sparades inte") && page.contains("<option value=\"avvisad\" selected>"), "{page}");
        assert!(page.contains("href=\"#t-skal\""));
        // A new class without its note: the class stays chosen.
        let (status, _, page) = e.post(&format!("/synpunkter/{id}/klass"), &[("klass", "krav"), ("anteckning", "")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("Klassen ändrades inte") && page.contains("href=\"#k-note\""), "{page}");
        let form = &page[page.find("id=\"k-klass\"").expect("the class form")..];
        assert!(form.contains("<option value=\"krav\" selected>"), "{form}");
        // An emptied text is refused with the form open, not a dead end.
        let (status, _, page) = author.post(&format!("/synpunkter/{id}/redigera"), &[("text", "   ")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("Texten ändrades inte") && page.contains("<details open>"), "{page}");
        let c = provrum::reviews::store::get(&app.store, id).await.unwrap().unwrap();
        assert_eq!(c.status, provrum::reviews::Status::Ny, "nothing changed");
        assert_eq!(c.class, provrum::reviews::Class::Onskemal);
        assert_eq!(c.body, "Förklara varför vi frågar om hembesök.");
        // A triage that goes through goes on to the next comment waiting,
        // and the history says it in words.
        let second = a_comment(&app, "granskare-y").await;
        let (status, url, page) = e.post(&format!("/synpunkter/{id}/triage"), &[("status", "atgardad"), ("skal", "")]).await;
        assert_eq!(status, 200, "{page}");
        assert!(url.contains(&format!("/synpunkter/{second}?")), "{url}");
        assert!(page.contains("Här är nästa synpunkt som väntar på ställningstagande."), "{page}");
        let (_, _, page) = e.get(&format!("/synpunkter/{id}")).await;
        assert!(page.contains("ändrade status från ”ny” till ”åtgärdad”"), "{page}");
        assert!(!page.contains("”atgardad”"), "no stored slug on the page");
        // The last one waiting: back on it, told there is no more.
        let (_, _, page) = e.post(&format!("/synpunkter/{second}/triage"), &[("status", "accepterad"), ("skal", "")]).await;
        assert!(page.contains("Inga fler synpunkter väntar på ställningstagande."), "{page}");
    }

    /// E-kontoret takes positions right in the comment list: each row has its
    /// form, a save comes back to the same filtered list with the next waiting
    /// comment marked, and the list's filters are rebuilt, never echoed.
    async fn triage_in_the_list_comes_back_to_the_list(app) {
        let reviewer = Client::login(&app, "granskare-y", Role::Reviewer, &["arvika"]).await;
        let e = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
        let first = a_comment(&app, "granskare-y").await;
        let second = a_comment(&app, "granskare-y").await;
        let list = &format!("{V}/synpunkter");
        let (_, _, page) = reviewer.get(list).await;
        assert!(!page.contains("data-triage-row"), "a reviewer does not triage");
        let (_, _, page) = e.get(&format!("{list}?status=ny")).await;
        assert!(page.contains(&format!("id=\"c-{first}\"")) && page.contains("data-triage-list"), "{page}");
        assert!(page.contains("name=\"lista\" value=\"status=ny\""), "{page}");
        let (status, url, page) = e.post(&format!("/synpunkter/{first}/triage"), &[("status", "accepterad"), ("skal", ""), ("lista", "status=ny&x=%22%3E&kommun=arvika")]).await;
        assert_eq!(status, 200, "{page}");
        assert!(url.contains(&format!("{list}?kommun=arvika&status=ny&klart=triage-lista")), "{url}");
        assert!(url.contains(&format!("nasta={second}")), "{url}");
        assert!(page.contains(&format!("id=\"c-{second}\" data-comment=\"{second}\" data-status=\"ny\" data-next-waiting")), "the next waiting comment is marked: {page}");
        assert!(page.contains("Nästa synpunkt som väntar är markerad i listan."), "{page}");
        assert!(!page.contains(&format!("id=\"c-{first}\"")), "the accepted one left the filtered list");
        let c = provrum::reviews::store::get(&app.store, first).await.unwrap().unwrap();
        assert_eq!(c.status, provrum::reviews::Status::Accepterad);
        // A rejection without a reason is refused on the thread, as before.
        let (status, _, page) = e.post(&format!("/synpunkter/{second}/triage"), &[("status", "avvisad"), ("skal", ""), ("lista", "status=ny")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("Statusen sparades inte"), "{page}");
        let (status, url, page) = e.post(&format!("/synpunkter/{second}/triage"), &[("status", "avvisad"), ("skal", "Gäller inte tjänsten."), ("lista", "status=ny")]).await;
        assert_eq!(status, 200);
        assert!(url.contains("klart=triage-lista-klar") && !url.contains('#'), "{url}");
        assert!(page.contains("Inga fler synpunkter väntar på ställningstagande.") && page.contains("Inga synpunkter med de här filtren."), "{page}");
    }

    /// E-kontoret adds a person with their e-mail address; a refused form
    /// keeps everything typed except the password, the error linked to its field.
    async fn a_refused_new_user_keeps_what_was_typed(app) {
        let e = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
        let (status, _, page) = e.post("/anvandare", &[("username", "nils"), ("name", "Nils i Kil"), ("role", "reviewer"), ("municipality", "kil"), ("municipality", "eda"), ("email", "nils.kil.se"), ("password", "ett-långt-lösenord")]).await;
        assert_eq!(status, 400);
        assert!(page.contains("”nils.kil.se” är ingen e-postadress.") && page.contains("href=\"#new-email\""), "{page}");
        for kept in ["value=\"nils\"", "value=\"Nils i Kil\"", "value=\"nils.kil.se\"", "value=\"reviewer\" checked", "value=\"kil\" checked", "value=\"eda\" checked"] {
            assert!(page.contains(kept), "{kept} kept: {page}");
        }
        assert!(!page.contains("ett-långt-lösenord"), "the password is never sent back");
        let (status, _, page) = e.post("/anvandare", &[("username", "nils"), ("name", "Nils i Kil"), ("role", "reviewer"), ("municipality", "kil"), ("email", "nils@kil.example"), ("password", "ett-långt-lösenord")]).await;
        assert_eq!(status, 200);
        assert!(page.contains("<td>nils@kil.example</td>"), "{page}");
    }

    /// A legal question answered by a legal adviser's assessment: the
    /// assessment is stored on the checklist item and the question closed
    /// with a link to it; a refused answer keeps what was typed.
    async fn a_legal_question_is_answered_with_an_assessment(app) {
        let k = Client::login(&app, "granskare-karlstad", Role::Reviewer, &["karlstad"]).await;
        let (_, url, _) = k.post(&format!("{V}/synpunkter"), &[("kommun", "karlstad"), ("plats", "storningen"), ("klass", "juridisk"), ("motivering", "Förvaltningslagen 9 §"), ("text", "Får vi fråga om hembesök utan lagstöd?")]).await;
        let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
        let (_, _, as_reviewer) = k.get(&format!("/synpunkter/{id}")).await;
        assert!(!as_reviewer.contains("data-form=\"answer\""), "only legal advisers answer");
        let (status, _, _) = k.post(&format!("/synpunkter/{id}/bedomning"), &[("punkt", "x|y"), ("bedomning", "uppfyllt"), ("kommentar", "x")]).await;
        assert_eq!(status, 403);
        let j = Client::login(&app, "jurist", Role::LegalAdviser, &[]).await;
        let (_, _, page) = j.get(&format!("/synpunkter/{id}")).await;
        assert!(page.contains("data-form=\"answer\""), "{page}");
        let marker = "<option value=\"";
        let item = page.split(marker).nth(2).and_then(|x| x.split('"').next()).expect("a checklist item").to_string();
        // Without an item: refused, and what was typed is still there.
        let (status, _, refused) = j.post(&format!("/synpunkter/{id}/bedomning"), &[("bedomning", "ej_uppfyllt"), ("kommentar", "Lagstöd saknas för hembesök."), ("hanvisning", "RF 2 kap. 6 §")]).await;
        assert_eq!(status, 400);
        assert!(refused.contains("Välj vilken punkt") && refused.contains("Lagstöd saknas för hembesök.</textarea>") && refused.contains("value=\"RF 2 kap. 6 §\""), "{refused}");
        let (status, _, done) = j.post(&format!("/synpunkter/{id}/bedomning"), &[("punkt", &item), ("bedomning", "ej_uppfyllt"), ("omfattning", "karlstad"), ("kommentar", "Lagstöd saknas för hembesök."), ("hanvisning", "RF 2 kap. 6 §")]).await;
        assert_eq!(status, 200);
        assert!(done.contains("data-answered-by") && done.contains("data-status=\"atgardad\""), "{done}");
        assert!(done.contains("data-reply-assessment") && !done.contains("Inga svar ännu"), "the answer is among the replies: {done}");
        assert!(!done.contains("data-form=\"answer\""), "an answered question takes no second answer");
        let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None).await.unwrap().unwrap();
        let stored = provrum::checklists::store::all(&app.store, v.id).await.unwrap();
        let a = stored.iter().find(|a| a.annotation == "Lagstöd saknas för hembesök.").expect("the assessment");
        assert_eq!(a.municipality.as_deref(), Some("karlstad"));
        assert_eq!(format!("{}|{}", a.checklist, a.item), item);
        let c = provrum::reviews::store::get(&app.store, id).await.unwrap().unwrap();
        assert_eq!(c.answered_by, Some(a.id));
    }

    /// From inside the sandbox: every page offers "Lämna synpunkt" and lists
    /// what was said there; saving comes back to the page with a
    /// confirmation, and another reviewer can endorse it in place.
    async fn reviewers_comment_and_endorse_from_the_sandbox_page(app) {
        let a = Client::login(&app, "granskare-a", Role::Reviewer, &["arvika"]).await;
        let b = Client::login(&app, "granskare-b", Role::Reviewer, &["arvika"]).await;
        let base = format!("{V}/arvika");
        let step = format!("{base}/steg/om-dig");
        // Citizens (and runs) never see the panel.
        let (_, _, anonymous) = Client::new(&app).get(&base).await;
        assert!(!anonymous.contains("data-staff-panel"), "{anonymous}");
        let (_, _, start) = a.get(&base).await;
        assert!(start.contains("Inga synpunkter på ”Startsidan” ännu"), "{start}");
        for c in [&a, &b] {
            let (_, _, login) = sandbox_start(c, &base).await;
            let csrf = token_in(&login);
            let r = c.http.post(format!("{}{base}/logga-in", c.base)).form(&[("_csrf", csrf.as_str()), ("personnummer", "199011142388")]).send().await.unwrap();
            assert!(r.url().path().ends_with("/steg/om-dig"), "{}", r.url());
        }
        let (_, _, page) = a.get(&step).await;
        let marker = "href=\"/tjanster/anmalan-om-olagenhet/2.1.0-rc1/synpunkter/ny?";
        let at = page.find(marker).expect("Lämna synpunkt on the step") + 6;
        let href = page[at..].split('"').next().unwrap().replace("&#38;", "&");
        let (_, _, form) = a.get(&href).await;
        assert!(form.contains(&format!("name=\"tillbaka\" value=\"{step}\"")), "{form}");
        assert!(form.contains("<option value=\"om-dig\" selected>"), "the step is chosen: {form}");
        // Saving returns to the step with a confirmation and the comment listed.
        let (status, url, back) = a.post(&format!("{V}/synpunkter"), &[("kommun", "arvika"), ("plats", "om-dig|personnummer"), ("klass", "fel"), ("text", "Personnummerfältet säger inte varför det behövs."), ("tillbaka", &step)]).await;
        assert_eq!(status, 200);
        assert!(url.contains("/steg/om-dig?sparad="), "{url}");
        assert!(back.contains("Din synpunkt är sparad"), "{back}");
        assert!(back.contains("1 synpunkt på ”"), "{back}");
        assert!(back.contains("data-field=\"personnummer\""), "pinned to its field");
        assert!(!back.contains("data-action=\"endorse\""), "no endorsing one's own comment");
        let id: i64 = url.split("sparad=").nth(1).unwrap().parse().unwrap();
        // Another reviewer endorses it where they stand.
        let (_, _, seen) = b.get(&step).await;
        assert!(seen.contains("Personnummerfältet säger inte varför det behövs."), "{seen}");
        assert!(seen.contains("Instäm för Arvika"), "{seen}");
        let (status, url, after) = b.post(&format!("/synpunkter/{id}/instam"), &[("kommun", "arvika"), ("tillbaka", &step)]).await;
        assert_eq!(status, 200);
        assert!(url.ends_with("/steg/om-dig"), "{url}");
        assert!(after.contains("Instämmer: Arvika"), "{after}");
        assert!(after.contains("Ta tillbaka instämmandet för Arvika"));
        let comment = provrum::reviews::store::get(&app.store, id).await.unwrap().unwrap();
        assert_eq!(comment.endorsements, vec!["arvika".to_string()]);
        // The pages around the steps take comments too, named in words.
        let (status, url, _) = a.post(&format!("{V}/synpunkter"), &[("kommun", "arvika"), ("plats", "sida:signera"), ("klass", "krav"), ("motivering", "Det är en anmälan"), ("text", "Det står Underteckna ansökan på en anmälan."), ("tillbaka", &format!("{base}?visa=1"))]).await;
        assert_eq!(status, 200, "{url}");
        assert!(url.contains("/arvika?visa=1&sparad="), "{url}");
        let id: i64 = url.split("sparad=").nth(1).unwrap_or_else(|| panic!("back with a confirmation: {url}")).parse().unwrap();
        let (_, _, thread) = a.get(&format!("/synpunkter/{id}")).await;
        assert!(thread.contains("data-place=\"sida:signera\">Underteckna<"), "{thread}");
        // The way back is a path on this site only.
        let (status, url, _) = a.post(&format!("{V}/synpunkter"), &[("kommun", "arvika"), ("plats", "om-dig"), ("klass", "fel"), ("text", "Text"), ("tillbaka", "//evil.example")]).await;
        assert_eq!(status, 200);
        assert!(url.starts_with(&app.url) && !url.contains("evil"), "{url}");
    }
}
