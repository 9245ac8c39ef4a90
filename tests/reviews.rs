//! Accounts, roles and reviewers' feedback over real HTTP on both database
//! backends: every role × action pair, CSRF, escaping in pages and exports,
//! concurrent endorsements, review rounds, carry-over with orphans, login
//! rate limiting and `provrum user add`.

mod common;

use common::{Backend, PASSWORD, TestApp};
use provrum::accounts::Role;
use provrum::accounts::store::{NewUser, create};

const V: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";

/// One browser: its own cookie jar, logged in (or not).
struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(app: &TestApp) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::limited(10))
                .build()
                .expect("client"),
            base: app.url.clone(),
        }
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let (status, url) = (r.status().as_u16(), r.url().to_string());
        (status, url, r.text().await.unwrap_or_default())
    }

    /// A CSRF token for this client (from the login page, which any client may open).
    async fn csrf(&self) -> String {
        let (_, _, body) = self.get("/konto/logga-in").await;
        let marker = "name=\"_csrf\" value=\"";
        let i = body.find(marker).expect("csrf") + marker.len();
        body[i..].split('"').next().unwrap_or_default().to_string()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = form.to_vec();
        all.push(("_csrf", &token));
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .expect("POST");
        let (status, url) = (r.status().as_u16(), r.url().to_string());
        (status, url, r.text().await.unwrap_or_default())
    }

    async fn login(app: &TestApp, username: &str, role: Role, ms: &[&str]) -> Client {
        let list: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
        let new = NewUser {
            username,
            name: &format!("Namn {username}"),
            role,
            municipalities: &list,
            password: PASSWORD,
            email: None,
        };
        create(&app.store, &new, "test").await.expect("user");
        let c = Client::new(app);
        let (status, _, body) = c
            .post(
                "/konto/logga-in",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("till", "/"),
                ],
            )
            .await;
        assert_eq!(status, 200);
        assert!(body.contains("Logga ut"), "{username} is not logged in");
        c
    }
}

/// An action in the role matrix: its name, the request it makes (given a
/// counter for unique names), and the expected outcome per client.
type Row = (
    &'static str,
    Box<dyn Fn(usize) -> (String, Vec<(String, String)>)>,
    [Outcome; 5],
);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Allowed,
    Refused,
    LoginAsked,
}

fn outcome(status: u16, url: &str) -> Outcome {
    if url.contains("/konto/logga-in") {
        Outcome::LoginAsked
    } else if status == 403 {
        Outcome::Refused
    } else {
        assert!(
            (200..400).contains(&status),
            "unexpected status {status} at {url}"
        );
        Outcome::Allowed
    }
}

/// Start a sandbox session on `base` as client `c`; returns the login page.
async fn sandbox_start(c: &Client, base: &str) -> (u16, String, String) {
    let r = c
        .http
        .post(format!("{}{base}/starta", c.base))
        .send()
        .await
        .expect("start");
    let (status, url) = (r.status().as_u16(), r.url().to_string());
    (status, url, r.text().await.unwrap_or_default())
}

/// The form token of the page's own form (inside `<main>`, after the staff
/// panel's forms, which carry the staff session's token).
fn token_in(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let main = page.find("<main").unwrap_or(0);
    let i = main + page[main..].find(marker).expect("a form token") + marker.len();
    page[i..].split('"').next().unwrap_or_default().to_string()
}

async fn a_comment(app: &TestApp, author: &str) -> i64 {
    let (u, _) = provrum::accounts::store::for_login(&app.store, author)
        .await
        .unwrap()
        .unwrap();
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::store::create(
        &app.store,
        &provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: v.id,
            municipality: Some("arvika".into()),
            step: Some("storningen".into()),
            class: Some(provrum::reviews::Class::Onskemal),
            body: "Förklara varför vi frågar om hembesök.".into(),
            ..Default::default()
        },
        &u,
    )
    .await
    .unwrap()
}

async fn every_role_and_action(backend: Backend) {
    let Some(app) = common::spawn_demo_without_browser(backend).await else {
        return;
    };
    let anon = Client::new(&app);
    let arvika = Client::login(&app, "granskare-arvika", Role::Reviewer, &["arvika"]).await;
    let eda = Client::login(&app, "granskare-eda", Role::Reviewer, &["eda"]).await;
    let jurist = Client::login(&app, "jurist", Role::LegalAdviser, &[]).await;
    let ekontoret = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
    // Written by the legal adviser: authors do not endorse their own comment.
    let comment = a_comment(&app, "jurist").await;
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    let (admin, _) = provrum::accounts::store::for_login(&app.store, "ekontoret")
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::rounds::open(&app.store, v.id, "2099-12-31", &admin)
        .await
        .unwrap();
    let deviation = provrum::compare::Deviation {
        municipality: "arvika".into(),
        step: "steg/storningen".into(),
        kind: provrum::compare::Kind::Text,
        fingerprint: "f".into(),
        summary: "Texten skiljer sig".into(),
        detail: serde_json::json!({}),
    };
    provrum::compare::store::replace_deviations(&app.store, v.id, "base", &[deviation])
        .await
        .unwrap();
    let dev_id = provrum::compare::store::deviations(&app.store, v.id)
        .await
        .unwrap()[0]
        .id;

    use Outcome::{Allowed as A, LoginAsked as L, Refused as R};
    let clients: [(&str, &Client); 5] = [
        ("anonym", &anon),
        ("granskare Arvika", &arvika),
        ("granskare Eda", &eda),
        ("jurist", &jurist),
        ("e-kontoret", &ekontoret),
    ];
    let c = comment.to_string();
    let dev = format!("{V}/jamforelse/avvikelser/{dev_id}");
    // (action, method+path+form, expected outcome per client in the order above)
    let mut n = 0;
    let table: Vec<Row> = vec![
        (
            "read the service list",
            Box::new(|_| ("GET /".into(), vec![])),
            [L, A, A, A, A],
        ),
        (
            "read Arvika's sandbox inbox",
            Box::new(|_| (format!("GET {V}/arvika/inkorg"), vec![])),
            [L, A, R, A, A],
        ),
        (
            "start a sandbox session on the comparison reference",
            Box::new(|_| (format!("POST {V}/arvika~bas/starta"), vec![])),
            [R, A, A, A, A],
        ),
        (
            "comment on the comparison reference",
            Box::new(|_| {
                (
                    format!("POST {V}/synpunkter"),
                    vec![
                        ("kommun".into(), "arvika~bas".into()),
                        ("klass".into(), "fel".into()),
                        ("text".into(), "Fel i basen".into()),
                    ],
                )
            }),
            [L, R, R, R, R],
        ),
        (
            "comment on Arvika",
            Box::new(|_| {
                (
                    format!("POST {V}/synpunkter"),
                    vec![
                        ("kommun".into(), "arvika".into()),
                        ("klass".into(), "onskemal".into()),
                        ("text".into(), "Bra!".into()),
                    ],
                )
            }),
            [L, A, R, A, A],
        ),
        (
            "comment on Eda",
            Box::new(|_| {
                (
                    format!("POST {V}/synpunkter"),
                    vec![
                        ("kommun".into(), "eda".into()),
                        ("klass".into(), "fel".into()),
                        ("text".into(), "Stavfel".into()),
                    ],
                )
            }),
            [L, R, A, A, A],
        ),
        (
            "endorse for Arvika",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{c}/instam"),
                    vec![("kommun".into(), "arvika".into())],
                )
            }),
            [L, A, R, R, R],
        ),
        // Discussion is open to every role; endorsing is what counts per municipality.
        (
            "reply",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/svar"),
                    vec![("text".into(), "Håller med".into())],
                )
            }),
            [L, A, A, A, A],
        ),
        (
            "edit the comment",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/redigera"),
                    vec![("text".into(), "Förklara hembesöken.".into())],
                )
            }),
            // Only the author (the legal adviser) edits.
            [L, R, R, A, R],
        ),
        (
            "triage",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/triage"),
                    vec![("status".into(), "accepterad".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "reclassify",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/klass"),
                    vec![
                        ("klass".into(), "krav".into()),
                        ("anteckning".into(), "Lagkrav".into()),
                    ],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "answer the round for Arvika",
            Box::new(|_| {
                (
                    format!("POST {V}/omgang/svar"),
                    vec![
                        ("kommun".into(), "arvika".into()),
                        ("svar".into(), "antar".into()),
                    ],
                )
            }),
            [L, A, R, R, R],
        ),
        (
            "open a round",
            Box::new(|_| {
                (
                    "POST /tjanster/anmalan-varmepump/1.0.0/omgang".to_string(),
                    vec![("deadline".into(), "2099-06-30".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "approve a deviation",
            Box::new(move |_| {
                (
                    format!("POST {dev}"),
                    vec![("decision".into(), "approved".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "start a scenario run",
            Box::new(|_| (format!("POST {V}/korningar"), vec![])),
            [L, R, R, R, A],
        ),
        (
            // "Fånga om allt": a comparison that reuses no capture.
            "start a comparison",
            Box::new(|_| {
                (
                    format!("POST {V}/jamforelse"),
                    vec![("allt".into(), "1".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "create a user",
            Box::new(|i| {
                (
                    "POST /anvandare".into(),
                    vec![
                        ("username".into(), format!("ny-{i}")),
                        ("name".into(), "Ny".into()),
                        ("role".into(), "legal_adviser".into()),
                        ("password".into(), "ett långt lösenord".into()),
                    ],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "assess a checklist item",
            Box::new(|_| {
                (
                    format!("POST {V}/checklistor/grundkrav/dataminimering"),
                    vec![
                        ("status".into(), "uppfyllt".into()),
                        ("kommentar".into(), "Bara det nödvändiga".into()),
                    ],
                )
            }),
            [L, R, R, A, R],
        ),
        (
            // The legal adviser's is a proposal, e-kontoret's the decision.
            "propose or record a regional position",
            Box::new(|_| {
                (
                    format!("POST {V}/checklistor/grundkrav/dataminimering/position"),
                    vec![("position".into(), "Regionalt gäller e-post".into())],
                )
            }),
            [L, R, R, A, A],
        ),
        (
            "read the audit log",
            Box::new(|_| ("GET /logg".into(), vec![])),
            [L, R, R, R, A],
        ),
        (
            "manage users",
            Box::new(|_| ("GET /anvandare".into(), vec![])),
            [L, R, R, R, A],
        ),
    ];
    let mut failures = Vec::new();
    for (action, request, expected) in &table {
        for (i, (who, client)) in clients.iter().enumerate() {
            n += 1;
            let (line, form) = request(n);
            let (method, path) = line.split_once(' ').unwrap();
            let (status, url, _) = if method == "GET" {
                client.get(path).await
            } else {
                let pairs: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                client.post(path, &pairs).await
            };
            let got = outcome(status, &url);
            if got != expected[i] {
                failures.push(format!(
                    "{who} / {action}: expected {:?}, got {got:?} ({status} {url})",
                    expected[i]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role × action mismatches:\n{}",
        failures.join("\n")
    );
    // What the allowed ones did is on record.
    let asked: Vec<Option<String>> =
        sqlx::query_scalar("select request from jobs where kind = 'comparison'")
            .fetch_all(&app.store.pool)
            .await
            .unwrap();
    assert!(
        asked.iter().flatten().any(|r| r.contains("\"fresh\":true")),
        "e-kontoret's comparison reuses nothing: {asked:?}"
    );
    let c = provrum::reviews::store::get(&app.store, comment)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.endorsements, vec!["arvika".to_string()]);
    assert_eq!((c.status.slug(), c.class.slug()), ("accepterad", "krav"));
    assert_eq!(c.body, "Förklara hembesöken.");
    let history = provrum::reviews::changes::revisions(&app.store, comment)
        .await
        .unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(
        history[0].before.as_deref(),
        Some("Förklara varför vi frågar om hembesök.")
    );
}

mod role_action_matrix {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        every_role_and_action(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        every_role_and_action(Backend::Postgres).await
    }
}

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

on_both_backends! {
    /// After three wrong passwords from one address, that address must wait
    /// before trying the name again, even with the right password.
    async fn login_attempts_are_rate_limited(app) {
        let ok = Client::login(&app, "anna", Role::Reviewer, &["arvika"]).await;
        drop(ok);
        let c = Client::new(&app);
        for _ in 0..provrum::accounts::limiter::FREE_FAILURES {
            let (status, _, page) = c.post("/konto/logga-in", &[("username", "anna"), ("password", "fel lösenord")]).await;
            assert_eq!(status, 401);
            assert!(page.contains("Fel användarnamn eller lösenord"));
        }
        let (status, _, page) = c.post("/konto/logga-in", &[("username", "anna"), ("password", PASSWORD)]).await;
        assert_eq!(status, 429);
        assert!(page.contains("För många misslyckade inloggningar. Vänta"), "{page}");
        // Unknown names answer like wrong passwords.
        let (status, _, _) = c.post("/konto/logga-in", &[("username", "finns-inte"), ("password", PASSWORD)]).await;
        assert_eq!(status, 401);
    }

    /// Sessions: HttpOnly, SameSite=Lax; logging out ends the session server-side.
    async fn sessions_are_http_only_and_end_at_logout(app) {
        let new = NewUser { username: "bo", name: "Bo", role: Role::LegalAdviser, municipalities: &[], password: PASSWORD, email: None };
        create(&app.store, &new, "test").await.unwrap();
        let c = Client::new(&app);
        let token = c.csrf().await;
        let r = c.http.post(format!("{}/konto/logga-in", c.base)).form(&[("username", "bo"), ("password", PASSWORD), ("_csrf", &token)]).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let stored: String = sqlx::query_scalar("select password_hash from users where username = 'bo'").fetch_one(&app.store.pool).await.unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD));
        let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = no_redirect.post(format!("{}/konto/logga-in", c.base)).header("cookie", format!("provrum_csrf={token}")).form(&[("username", "bo"), ("password", PASSWORD), ("_csrf", &token)]).send().await.unwrap();
        let cookie = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|v| v.starts_with("provrum_konto=")).expect("session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let (_, _, page) = c.get("/konto/logga-ut").await;
        assert!(page.contains("data-action=\"logout\""));
        let (status, url, _) = c.post("/konto/logga-ut", &[]).await;
        assert_eq!(status, 200);
        assert!(url.ends_with("/konto/logga-in"));
        let (_, url, _) = c.get("/").await;
        assert!(url.contains("/konto/logga-in"), "logged out: {url}");
        // An open redirect is not possible through the login form.
        let c2 = Client::new(&app);
        let (_, url, _) = c2.post("/konto/logga-in", &[("username", "bo"), ("password", PASSWORD), ("till", "//evil.example/")]).await;
        assert!(url.starts_with(&c2.base), "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_reads_the_password_from_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_provrum");
    let add = |name: &str, pw: &str, extra: &[&str]| {
        let mut child = Command::new(bin)
            .args(["user", "add", "--name", name, "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{pw}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = add(
        "anna",
        "ett-långt-lösenord",
        &[
            "--role",
            "reviewer",
            "--municipality",
            "arvika",
            "--full-name",
            "Anna i Arvika",
            "--email",
            "anna@arvika.example",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("created user anna (Granskare)"));
    let (code, _, err) = add("bo", "kort", &["--role", "e-kontoret"]);
    assert_eq!(code, 1);
    assert!(err.contains("at least 12 characters"), "{err}");
    let (code, _, err) = add("cia", "ett-långt-lösenord", &["--role", "reviewer"]);
    assert_eq!(code, 1);
    assert!(err.contains("needs at least one --municipality"), "{err}");
    let (code, _, err) = add(
        "anna",
        "ett-långt-lösenord",
        &["--role", "reviewer", "--municipality", "eda"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("taken"), "{err}");
    let list = Command::new(bin)
        .args(["user", "list", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("anna\treviewer\tarvika\tactive\tanna@arvika.example"),
        "{text}"
    );
    let (code, _, err) = add(
        "dan",
        "ett-långt-lösenord",
        &["--role", "e-kontoret", "--email", "inte en adress"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("not an e-mail address"), "{err}");
    assert!(!text.contains("bo\t"));
}

/// The log shows every vocabulary's stored word in words: each value of
/// comment status, class and priority, assessment and role whose stored
/// word is not already Swedish as written is in the log's table.
#[test]
fn the_log_names_every_stored_word() {
    use provrum::reviews::{Class, Status};
    let mut stored: Vec<(&str, String)> = Vec::new();
    stored.extend(
        Status::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    stored.extend(
        Class::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    stored.extend(
        provrum::reviews::model::Priority::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    stored.extend(
        provrum::checklists::store::Assessed::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    for (slug, words) in stored {
        let shown = provrum::audit::detail_words(&format!(r#"{{"status":"{slug}"}}"#));
        assert_eq!(shown, format!("status: {words}"), "{slug}");
    }
    for role in Role::ALL {
        let shown = provrum::audit::detail_words(&format!(r#"{{"role":"{}"}}"#, role.as_str()));
        assert_ne!(
            shown,
            format!("roll: {}", role.as_str()),
            "the role in words"
        );
    }
}
