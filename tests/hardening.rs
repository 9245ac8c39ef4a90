//! The test room against abuse (issue 12): each test here failed on the code
//! before the hardening, and passes after. Real server, both backends.

mod common;

use provrum::accounts::Role;
use provrum::municipalities::Registry;
use provrum::services::store::ImportOutcome;

const OLAGENHET: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";
const BRITTA: &str = "199011142388";

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Start a sandbox session on Arvika's variant and log in with a test identity.
async fn started(app: &common::TestApp) -> common::Page {
    let base = format!("{OLAGENHET}/arvika");
    let login = app.post_form(&format!("{base}/starta"), &[]).await;
    app.post_form(
        &format!("{base}/logga-in"),
        &[("_csrf", &login.csrf()), ("personnummer", BRITTA)],
    )
    .await
}

/// Walk Arvika's variant to its receipt; returns the case number.
async fn send_case(app: &common::TestApp) -> String {
    let base = format!("{OLAGENHET}/arvika");
    let step1 = started(app).await;
    let csrf = step1.csrf();
    let steps: [(&str, Vec<(&str, &str)>); 3] = [
        (
            "om-dig",
            vec![
                ("personnummer", "19901114-2388"),
                ("kontakt.name", "Britta Testdotter"),
                ("kontakt.email", "britta@exempel.se"),
            ],
        ),
        (
            "storningen",
            vec![
                ("typ", "buller"),
                ("beskrivning", "Fläkten på granngården låter hela natten."),
                ("kontaktat-agare", "nej"),
                ("hembesok", "nej"),
            ],
        ),
        (
            "plats",
            vec![
                ("adress.street", "Storgatan 12"),
                ("adress.postal_code", "671 31"),
                ("adress.city", "Arvika"),
            ],
        ),
    ];
    for (step, fields) in steps {
        let mut all = fields.clone();
        all.push(("_csrf", &csrf));
        app.post_step(&format!("{base}/steg/{step}"), &all, &[])
            .await;
    }
    app.post_step(
        &format!("{base}/steg/bilagor"),
        &[("_csrf", &csrf)],
        &[("filer", "bild.png", common::png())],
    )
    .await;
    let receipt = app
        .post_form(&format!("{base}/granska"), &[("_csrf", &csrf)])
        .await;
    assert!(receipt.path().ends_with("/kvittens"), "{}", receipt.body);
    let at =
        receipt.body.find("data-case-number>").expect("case number") + "data-case-number>".len();
    receipt.body[at..]
        .split('<')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

on_both_backends! {
    /// Finding 1: only a path on this site, whatever the browser would make of it.
    async fn login_never_redirects_off_site(app) {
        app.login_as("anna", Role::EKontoret, &[]).await;
        let form = app.get("/konto/logga-in").await;
        let http = no_redirects();
        let token = form.csrf();
        for (till, expected) in [
            ("/\t/evil.example", "/"),
            ("/\n/evil.example", "/"),
            ("//evil.example", "/"),
            ("/\\evil.example", "/"),
            ("https://evil.example/", "/"),
            ("/tjanster?x=1", "/tjanster?x=1"),
        ] {
            // A fresh, cookie-bound token per client.
            let page = http.get(format!("{}/konto/logga-in", app.url)).send().await.unwrap().text().await.unwrap();
            let marker = "name=\"_csrf\" value=\"";
            let t = page.find(marker).map(|i| page[i + marker.len()..].split('"').next().unwrap_or_default().to_string()).unwrap_or(token.clone());
            let r = http.post(format!("{}/konto/logga-in", app.url))
                .form(&[("_csrf", t.as_str()), ("username", "anna"), ("password", common::PASSWORD), ("till", till)])
                .send().await.unwrap();
            assert_eq!(r.status().as_u16(), 303, "{till:?}");
            assert_eq!(r.headers()["location"].to_str().unwrap(), expected, "{till:?}");
        }
        // The login page itself never carries a bad target into its form.
        let r = http.get(format!("{}/konto/logga-in?till=/%09/evil.example", app.url)).send().await.unwrap();
        let body = r.text().await.unwrap();
        assert!(body.contains("name=\"till\" value=\"/\""), "{body}");
    }

    /// Finding 2: sessions expire and are swept, refused answers are not
    /// stored, every text has a ceiling, bodies are bounded, removed uploads
    /// leave the disk, and session starts are rate-limited.
    async fn the_open_sandbox_cannot_fill_disk_or_memory(app) {
        let base = format!("{OLAGENHET}/arvika");
        let step1 = started(&app).await;
        let csrf = step1.csrf();
        let session_answers = || async {
            let answers: String = sqlx::query_scalar("select answers from sandbox_sessions").fetch_one(&app.store.pool).await.unwrap();
            answers
        };
        // An over-long answer is refused and not stored.
        let long = "x".repeat(5_000);
        let page = app.post_step(&format!("{base}/steg/storningen"), &[("_csrf", &csrf), ("typ", "annat"), ("annat-beskrivning", &long)], &[]).await;
        assert_eq!(page.status, 422);
        assert!(page.body.contains("högst 100 tecken"), "{}", page.body);
        assert!(!session_answers().await.contains(&long), "a refused answer is not saved");
        // A field without a declared limit still has one.
        let page = app.post_step(&format!("{base}/steg/plats"), &[("_csrf", &csrf), ("adress.street", &"y".repeat(10_001))], &[]).await;
        assert_eq!(page.status, 422);
        assert!(page.body.contains("högst 10000 tecken"), "{}", page.body);
        // A body larger than the step can carry is refused before it is read.
        // The server answers 413 without reading the rest, and may close the
        // connection while the client still writes (a broken pipe here).
        let big = reqwest::multipart::Form::new().text("_csrf", csrf.clone()).text("antal-hushall", "1".repeat(4 * 1024 * 1024));
        match app.client.post(format!("{}{base}/steg/plats", app.url)).multipart(big).send().await {
            Ok(r) => assert_eq!(r.status().as_u16(), 413, "a step takes what its fields can carry"),
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
        assert!(!session_answers().await.contains("1111111111"), "an over-large body is not saved");
        // Ordinary forms take kilobytes.
        match app.client.post(format!("{}/konto/logga-in", app.url)).form(&[("username", "x".repeat(100_000))]).send().await {
            Ok(r) => assert_eq!(r.status().as_u16(), 413, "ordinary forms take kilobytes"),
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
        assert_eq!(app.get("/healthz").await.status, 200);

        // Upload, remove, and the file leaves the disk once unreferenced.
        let png = common::png();
        let sha = provrum::artifacts::Artifacts::hash(&png);
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "a.png", png.clone())]).await;
        let file = app.data_dir.path().join("artifacts").join(&sha[..2]).join(&sha[2..]);
        assert!(file.exists());
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf), ("filer.remove", &sha)], &[]).await;
        assert!(!file.exists(), "a removed upload no session refers to is removed at once (issue 25)");
        let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
        let past = "2000-01-01T00:00:00.000Z";
        let later = "2100-01-01T00:00:00.000Z";
        // One the session still holds when it expires goes with the sweep.
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "a.png", png.clone())]).await;
        assert!(file.exists());
        sqlx::query("update sandbox_uploads set uploaded_at = $1").bind(past).execute(&app.store.pool).await.unwrap();
        let swept = provrum::sandbox::cleanup::sweep(&app.store, &artifacts, past, later).await.unwrap();
        assert_eq!(swept.files, 0, "the session still holds it: {swept:?}");
        assert!(file.exists());
        sqlx::query("delete from sandbox_sessions").execute(&app.store.pool).await.unwrap();
        let swept = provrum::sandbox::cleanup::sweep(&app.store, &artifacts, past, later).await.unwrap();
        assert_eq!(swept.files, 1, "{swept:?}");
        assert!(!file.exists(), "an upload no session refers to is removed");
        started(&app).await;

        // An idle session expires: it no longer loads, and the sweep deletes it.
        sqlx::query("update sandbox_sessions set updated_at = $1").bind(past).execute(&app.store.pool).await.unwrap();
        let page = app.get(&format!("{base}/steg/om-dig")).await;
        assert!(page.path().ends_with("/arvika"), "an expired session starts over: {}", page.url);
        let swept = provrum::sandbox::cleanup::sweep(&app.store, &artifacts, &provrum::sandbox::cleanup::before_now(provrum::sandbox::cleanup::IDLE), past).await.unwrap();
        assert_eq!(swept.sessions, 1);
        let left: i64 = sqlx::query_scalar("select count(*) from sandbox_sessions").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(left, 0);

        // Starting sessions in bulk is limited per client.
        let mut refused = 0;
        for _ in 0..70 {
            let r = no_redirects().post(format!("{}{base}/starta", app.url)).send().await.unwrap();
            if r.status().as_u16() == 429 { refused += 1; }
        }
        assert!(refused >= 9, "{refused} of 70 refused");
        let rows: i64 = sqlx::query_scalar("select count(*) from sandbox_sessions").fetch_one(&app.store.pool).await.unwrap();
        assert!(rows <= 60, "{rows}");
    }

    /// Finding 3: the inbox is for staff, per municipality for reviewers;
    /// the comparison reference takes no anonymous case and no comment.
    async fn cases_are_read_only_by_those_who_may(app) {
        let case = send_case(&app).await;
        let json = format!("/inkorg/{case}/payload.json");
        let anonymous = no_redirects();
        for path in [format!("/inkorg/{case}"), json.clone(), format!("{OLAGENHET}/arvika/inkorg")] {
            let r = anonymous.get(format!("{}{path}", app.url)).send().await.unwrap();
            assert_eq!(r.status().as_u16(), 303, "{path}");
            assert!(r.headers()["location"].to_str().unwrap().starts_with("/konto/logga-in"), "{path}");
        }
        app.login_as("eda-granskare", Role::Reviewer, &["eda"]).await;
        assert_eq!(app.get(&json).await.status, 404, "another municipality's case is not there for Eda");
        assert_eq!(app.get(&format!("{OLAGENHET}/arvika/inkorg")).await.status, 403);
        app.login_as("arvika-granskare", Role::Reviewer, &["arvika"]).await;
        assert_eq!(app.get(&json).await.status, 200);
        app.login_as("jurist", Role::LegalAdviser, &[]).await;
        assert_eq!(app.get(&json).await.status, 200);
        // Attachments are downloads that a browser could not run.
        let page = app.get(&format!("/inkorg/{case}")).await;
        let at = page.body.find("/bilagor/").expect("attachment link");
        let start = page.body[..at].rfind('"').unwrap() + 1;
        let href = page.body[start..].split('"').next().unwrap().to_string();
        let r = app.client.get(format!("{}{href}", app.url)).send().await.unwrap();
        assert!(r.headers()["content-disposition"].to_str().unwrap().starts_with("attachment"));
        assert!(r.headers()["content-security-policy"].to_str().unwrap().starts_with("sandbox"));
        assert_eq!(r.headers()["x-content-type-options"], "nosniff");
        // Nor is the reference assessed as if it were a municipality.
        let item = format!("{OLAGENHET}/checklistor/grundkrav/dataminimering");
        let token = app.get(&item).await.csrf();
        let r = app.post_form(&item, &[("_csrf", &token), ("status", "uppfyllt"), ("kommun", "arvika~bas"), ("kommentar", "Basen")]).await;
        assert_eq!(r.status, 400, "{}", r.body);
        let stored: i64 = sqlx::query_scalar("select count(*) from assessments").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(stored, 0);

        // The reference: no anonymous session, and no comment as if a municipality.
        let r = anonymous.post(format!("{}{OLAGENHET}/arvika~bas/starta", app.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        app.login_as("ekontor", Role::EKontoret, &[]).await;
        let form = app.get("/konto").await;
        let page = app.post_form(&format!("{OLAGENHET}/synpunkter"), &[("_csrf", &form.csrf()), ("kommun", "arvika~bas"), ("klass", "fel"), ("text", "Fel i basen")]).await;
        assert_eq!(page.status, 403, "{}", page.body);
        let stored: i64 = sqlx::query_scalar("select count(*) from comments").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(stored, 0);
    }

    /// Findings 7 and 8: the CSRF token is the session's; cross-site posts are
    /// refused; private pages are not cached.
    async fn csrf_is_bound_to_the_session_and_pages_are_not_cached(app) {
        app.login_as("anna", Role::EKontoret, &[]).await;
        let page = app.get("/anvandare").await;
        let token = page.csrf();
        // A planted CSRF cookie with a matching token does not help: the
        // victim's browser sends its real session cookie beside it.
        let http = no_redirects();
        let login = http.get(format!("{}/konto/logga-in", app.url)).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"_csrf\" value=\"";
        let at = login.find(marker).unwrap() + marker.len();
        let login_token = login[at..].split('"').next().unwrap().to_string();
        let r = http.post(format!("{}/konto/logga-in", app.url))
            .form(&[("_csrf", login_token.as_str()), ("username", "anna"), ("password", common::PASSWORD)])
            .send().await.unwrap();
        let session = r.headers().get_all("set-cookie").iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(|v| v.strip_prefix("provrum_konto=").map(|v| v.split(';').next().unwrap_or_default().to_string()))
            .expect("session cookie");
        let planted = "0123456789abcdef0123456789abcdef";
        let r = reqwest::Client::new().post(format!("{}/anvandare", app.url))
            .header("cookie", format!("provrum_konto={session}; provrum_csrf={planted}"))
            .form(&[("_csrf", planted), ("username", "mallory"), ("name", "M"), ("role", "e_kontoret"), ("password", "ett långt lösenord")])
            .send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        // The session's own token works, but not from another site.
        let r = app.client.post(format!("{}/anvandare", app.url))
            .header("origin", "https://evil.example").header("sec-fetch-site", "cross-site")
            .form(&[("_csrf", token.as_str()), ("username", "mallory"), ("name", "M"), ("role", "e_kontoret"), ("password", "ett långt lösenord")])
            .send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let users: i64 = sqlx::query_scalar("select count(*) from users where username = 'mallory'").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(users, 0);
        for path in ["/anvandare", "/logg", "/", &format!("{OLAGENHET}/synpunkter.csv")] {
            let r = app.client.get(format!("{}{path}", app.url)).send().await.unwrap();
            assert_eq!(r.headers().get("cache-control").map(|v| v.to_str().unwrap()), Some("no-store"), "{path}");
        }
    }

    /// Finding 11: NUL bytes and absurd page numbers are a 400, not a 500.
    async fn nul_bytes_and_huge_pages_are_bad_requests(app) {
        app.login_as("anna", Role::EKontoret, &[]).await;
        for path in [
            format!("{OLAGENHET}/synpunkter?kommun=a%00b"),
            format!("{OLAGENHET}/synpunkter?sida=184467440737095516"),
            "/logg?sida=184467440737095516".to_string(),
            "/logg?aktor=%00".to_string(),
        ] {
            assert_eq!(app.get(&path).await.status, 400, "{path}");
        }
        let form = app.get(&format!("{OLAGENHET}/synpunkter/ny?kommun=arvika")).await;
        let page = app.post_form(&format!("{OLAGENHET}/synpunkter"), &[("_csrf", &form.csrf()), ("kommun", "arvika"), ("klass", "fel"), ("text", "a\u{0}b")]).await;
        assert_eq!(page.status, 400);
    }

    /// Finding 11: parallel imports of one package: one imports, the rest are no-ops.
    async fn parallel_imports_of_one_package_agree(app) {
        let dir = tempfile::tempdir().unwrap();
        let pkg_dir = dir.path().join("p");
        common::bump_fixture(&common::fixtures().join("services/anmalan-om-olagenhet"), &pkg_dir, "2.1.0-rc1", "9.0.0", &[]);
        let pkg = provrum::services::load(&pkg_dir, Registry::builtin()).unwrap();
        let mut tasks = Vec::new();
        for _ in 0..4 {
            // Separate pools, as separate processes would have.
            let store = provrum::store::Store::open(&app.database_url).await.unwrap();
            let pkg = pkg.clone();
            tasks.push(tokio::spawn(async move {
                provrum::intake::import(&store, &pkg, Registry::builtin(), "test").await
            }));
        }
        let mut imported = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(ImportOutcome::Imported { .. }) => imported += 1,
                Ok(ImportOutcome::Unchanged { .. }) => {}
                Err(e) => panic!("a parallel import failed: {e}"),
            }
        }
        assert_eq!(imported, 1);
    }

    /// Finding 11: a reply is its author's municipality's word; authors do not
    /// endorse themselves; endorsements can be withdrawn.
    async fn replies_and_endorsements_speak_for_the_right_municipality(app) {
        app.login_as("karl", Role::Reviewer, &["karlstad"]).await;
        let form = app.get(&format!("{OLAGENHET}/synpunkter/ny?kommun=karlstad")).await;
        let page = app.post_form(&format!("{OLAGENHET}/synpunkter"), &[("_csrf", &form.csrf()), ("kommun", "karlstad"), ("klass", "fel"), ("text", "Stavfel i rubriken")]).await;
        assert_eq!(page.status, 200, "{}", page.body);
        let id: i64 = sqlx::query_scalar("select id from comments").fetch_one(&app.store.pool).await.unwrap();
        let thread = app.get(&format!("/synpunkter/{id}")).await;
        assert!(!thread.body.contains("data-action=\"endorse\""), "no endorse button for the author");
        let own = app.post_form(&format!("/synpunkter/{id}/instam"), &[("_csrf", &thread.csrf()), ("kommun", "karlstad")]).await;
        assert_eq!(own.status, 400);
        app.login_as("arvid", Role::Reviewer, &["arvika"]).await;
        let thread = app.get(&format!("/synpunkter/{id}")).await;
        app.post_form(&format!("/synpunkter/{id}/svar"), &[("_csrf", &thread.csrf()), ("text", "Samma hos oss")]).await;
        let m: Option<String> = sqlx::query_scalar("select municipality from comments where parent_id = $1").bind(id).fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(m.as_deref(), Some("arvika"));
        app.post_form(&format!("/synpunkter/{id}/instam"), &[("_csrf", &thread.csrf()), ("kommun", "arvika")]).await;
        let count = || async { sqlx::query_scalar::<_, i64>("select count(*) from endorsements").fetch_one(&app.store.pool).await.unwrap() };
        assert_eq!(count().await, 1);
        let thread = app.get(&format!("/synpunkter/{id}")).await;
        thread.assert_contains("data-action=\"withdraw-endorsement\"");
        app.post_form(&format!("/synpunkter/{id}/instam/ta-tillbaka"), &[("_csrf", &thread.csrf()), ("kommun", "arvika")]).await;
        assert_eq!(count().await, 0);
    }

    /// Finding 12: a retried comment or assessment post is stored once.
    async fn a_retried_form_is_stored_once(app) {
        app.login_as("karl", Role::Reviewer, &["karlstad"]).await;
        let form = app.get(&format!("{OLAGENHET}/synpunkter/ny?kommun=karlstad")).await;
        let key = {
            let marker = "name=\"_nyckel\" value=\"";
            let at = form.body.find(marker).expect("the form has a one-time key") + marker.len();
            form.body[at..].split('"').next().unwrap_or_default().to_string()
        };
        let fields = [("_csrf", form.csrf()), ("_nyckel", key.clone()), ("kommun", "karlstad".into()), ("klass", "fel".into()), ("text", "Stavfel i rubriken".into())];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let first = app.post_form(&format!("{OLAGENHET}/synpunkter"), &fields).await;
        let again = app.post_form(&format!("{OLAGENHET}/synpunkter"), &fields).await;
        assert_eq!(again.status, 200);
        assert_eq!(first.url, again.url, "the retry leads to the comment the first post made");
        let n: i64 = sqlx::query_scalar("select count(*) from comments").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(n, 1);
        // The same key from a second form post in parallel: still one.
        let fresh = app.get(&format!("{OLAGENHET}/synpunkter/ny?kommun=karlstad")).await;
        let marker = "name=\"_nyckel\" value=\"";
        let at = fresh.body.find(marker).unwrap() + marker.len();
        let key2 = fresh.body[at..].split('"').next().unwrap().to_string();
        let url = format!("{}{OLAGENHET}/synpunkter", app.url);
        let token = fresh.csrf();
        let posts = (0..3).map(|_| {
            let (c, url, token, key2) = (app.client.clone(), url.clone(), token.clone(), key2.clone());
            tokio::spawn(async move {
                c.post(url).form(&[("_csrf", token.as_str()), ("_nyckel", key2.as_str()), ("kommun", "karlstad"), ("klass", "fel"), ("text", "Ännu ett stavfel")]).send().await.unwrap().status().as_u16()
            })
        });
        for p in posts {
            assert_eq!(p.await.unwrap(), 200);
        }
        let n: i64 = sqlx::query_scalar("select count(*) from comments").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(n, 2);
    }

    /// Finding 6: a user changes their own password under the policy.
    async fn users_change_their_own_password(app) {
        app.login_as("anna", Role::Reviewer, &["arvika"]).await;
        let page = app.get("/konto").await;
        page.assert_contains("Byt lösenord");
        let weak = app.post_form("/konto/losenord", &[("_csrf", &page.csrf()), ("current", common::PASSWORD), ("new", "password1234"), ("repeat", "password1234")]).await;
        assert_eq!(weak.status, 400);
        weak.assert_contains("för vanligt");
        let ok = app.post_form("/konto/losenord", &[("_csrf", &page.csrf()), ("current", common::PASSWORD), ("new", "tre gröna tåg i Arvika"), ("repeat", "tre gröna tåg i Arvika")]).await;
        assert_eq!(ok.status, 200, "{}", ok.body);
        ok.assert_contains("Lösenordet är bytt");
        app.log_in("anna", "tre gröna tåg i Arvika").await;
    }
}

/// Finding 8: behind TLS, HSTS and `__Host-` cookies.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secure_deployments_send_hsts_and_host_prefixed_cookies() {
    let settings = provrum::web::Settings {
        secure_cookies: true,
        ..provrum::web::Settings::default()
    };
    let app = common::spawn_app_with(common::Backend::Sqlite, settings)
        .await
        .expect("app");
    let r = no_redirects()
        .get(format!("{}/konto/logga-in", app.url))
        .send()
        .await
        .unwrap();
    assert!(
        r.headers()["strict-transport-security"]
            .to_str()
            .unwrap()
            .contains("max-age=")
    );
    let cookie = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        cookie.starts_with("__Host-provrum_csrf=")
            && cookie.contains("Secure")
            && cookie.contains("Path=/"),
        "{cookie}"
    );
}

/// Finding 2: a user cannot start scenario runs in bulk.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_starts_are_rate_limited_per_user() {
    let app = common::spawn_demo_without_browser(common::Backend::Sqlite)
        .await
        .expect("app");
    app.login_as("eva", Role::EKontoret, &[]).await;
    let path = "/tjanster/anmalan-varmepump/1.0.0/korningar";
    let mut statuses = Vec::new();
    for _ in 0..7 {
        let token = app.get("/konto").await.csrf();
        statuses.push(app.post_form(path, &[("_csrf", &token)]).await.status);
    }
    let limit = provrum::web::rates::RUN_STARTS.max;
    assert!(statuses[..limit].iter().all(|s| *s == 200), "{statuses:?}");
    assert!(statuses[limit..].iter().all(|s| *s == 429), "{statuses:?}");
    let runs: i64 = sqlx::query_scalar("select count(*) from runs")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    assert_eq!(runs as usize, limit);
}

/// Every form a logged-in e-kontoret sees, found by walking the staff pages
/// from the start page, refuses a post with a forged token — as a plain form
/// or, where the form uploads files, as multipart — and nothing is written.
/// (The sandbox's own forms carry their session's token: `tests/sandbox.rs`.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_staff_form_refuses_a_forged_token() {
    let app = common::spawn_demo_without_browser(common::Backend::Sqlite)
        .await
        .expect("app");
    app.login_as("greta", Role::Reviewer, &["arvika"]).await;
    let token = app.get(OLAGENHET).await.csrf();
    let made = app
        .post_form(
            &format!("{OLAGENHET}/synpunkter"),
            &[
                ("_csrf", &token),
                ("kommun", "arvika"),
                ("plats", "storningen"),
                ("klass", "fel"),
                ("text", "Förklara hembesöket."),
            ],
        )
        .await;
    assert_eq!(made.status, 200, "{}", made.body);
    app.login_as("eva", Role::EKontoret, &[]).await;

    let forms = staff_forms(&app, 160).await;
    let actions: std::collections::BTreeSet<&str> = forms.iter().map(|f| f.0.as_str()).collect();
    for expected in [
        "/synpunkter/",
        "/release",
        "/anvandare",
        "/konto/logga-ut",
        "/moten",
    ] {
        assert!(
            actions.iter().any(|a| a.contains(expected)),
            "no form posting to {expected} found: {actions:?}"
        );
    }
    assert!(
        actions.len() >= 15,
        "the walk found too few forms to mean anything: {actions:?}"
    );

    let writes = |app: &common::TestApp| {
        let pool = app.store.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from audit_log")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = writes(&app).await;
    for (action, multipart) in &forms {
        let url = format!("{}{action}", app.url);
        let request = app.client.post(&url);
        let request = if *multipart {
            request.multipart(reqwest::multipart::Form::new().text("_csrf", "förfalskad"))
        } else {
            request.form(&[("_csrf", "förfalskad")])
        };
        let r = request.send().await.unwrap();
        assert_eq!(
            r.status().as_u16(),
            403,
            "{action} (multipart: {multipart})"
        );
    }
    assert_eq!(
        writes(&app).await,
        before,
        "a forged post wrote to the audit log"
    );
    let home = app.get("/").await;
    assert!(
        home.body.contains("Logga ut"),
        "still logged in after the forged logout"
    );
}

/// The staff pages reachable from `/` by links (at most `limit` of them),
/// and the posting forms on them: (action, uploads files). The sandbox's
/// own pages (a variant's steps) and downloads are not walked.
async fn staff_forms(app: &common::TestApp, limit: usize) -> Vec<(String, bool)> {
    let href = regex::Regex::new(r##"href="(/[^"#]*)"##).unwrap();
    let form = regex::Regex::new(r#"<form\b[^>]*>"#).unwrap();
    let attr = |tag: &str, name: &str| {
        let marker = format!("{name}=\"");
        tag.find(&marker).map(|i| {
            tag[i + marker.len()..]
                .split('"')
                .next()
                .unwrap_or("")
                .to_string()
        })
    };
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = std::collections::VecDeque::from(["/".to_string()]);
    let mut forms = std::collections::BTreeMap::new();
    while let Some(path) = queue.pop_front() {
        if seen.len() >= limit || !seen.insert(path.clone()) {
            continue;
        }
        let page = app.get(&path).await;
        if page.status != 200 {
            continue;
        }
        for tag in form.find_iter(&page.body).map(|m| m.as_str()) {
            if attr(tag, "method").as_deref() != Some("post") {
                continue;
            }
            let action = attr(tag, "action")
                .unwrap_or_else(|| path.clone())
                .replace("&amp;", "&");
            // Starting a sandbox visit is open to anyone (the visit has its own token).
            if action.ends_with("/starta") {
                continue;
            }
            let multipart = attr(tag, "enctype").as_deref() == Some("multipart/form-data");
            forms.insert(action, multipart);
        }
        for link in href.captures_iter(&page.body) {
            let to = link[1].replace("&amp;", "&");
            let download = [
                ".csv",
                ".json",
                ".pdf",
                ".png",
                ".zip",
                "/artefakter/",
                "/static/",
            ]
            .iter()
            .any(|d| to.contains(d));
            let sandbox = to.starts_with("/tjanster/") && in_the_sandbox(&to);
            if !download && !sandbox && !seen.contains(&to) {
                queue.push_back(to);
            }
        }
    }
    forms.into_iter().collect()
}

/// Whether a `/tjanster/{service}/{version}/{x}/…` path is a municipality's
/// variant in the sandbox (its steps, receipt, inbox).
fn in_the_sandbox(path: &str) -> bool {
    let segment = path.split('/').nth(4).unwrap_or("");
    Registry::builtin().get(segment).is_some()
}
