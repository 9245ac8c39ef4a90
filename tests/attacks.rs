//! The test room against the probe of issue 25: each test here failed on
//! the code before the fix, and passes after. Real server, both backends.

mod common;

use provrum::accounts::Role;
use provrum::accounts::limiter::{self, Attempt};

const OLAGENHET: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";
const BRITTA: &str = "199011142388";

fn anonymous() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// Start a sandbox session on Arvika's variant and log in with a test identity.
async fn started(app: &common::TestApp) -> String {
    let base = format!("{OLAGENHET}/arvika");
    let login = app.post_form(&format!("{base}/starta"), &[]).await;
    let page = app
        .post_form(
            &format!("{base}/logga-in"),
            &[("_csrf", &login.csrf()), ("personnummer", BRITTA)],
        )
        .await;
    page.csrf()
}

fn file_of(app: &common::TestApp, sha: &str) -> std::path::PathBuf {
    app.data_dir
        .path()
        .join("artifacts")
        .join(&sha[..2])
        .join(&sha[2..])
}

/// A PNG no other test uses: 3×2 pixels of `shade`.
fn png_of(shade: u8) -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(3, 2, image::Rgba([shade, 10, 20, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn count(app: &common::TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.store.pool)
        .await
        .unwrap()
}

on_both_backends! {
    /// Finding 1: a pin's page must be a page of the variant, however its
    /// path is spelled; nothing is rendered for one that is not.
    async fn a_pin_cannot_point_outside_its_variant(app) {
        app.login_as("arvika-granskare", Role::Reviewer, &["arvika"]).await;
        let csrf = app.get("/konto").await.csrf();
        let base = format!("{OLAGENHET}/arvika");
        for sida in [
            format!("{base}/../eda/inkorg"),
            format!("{base}/%2e%2e/eda/inkorg"),
            format!("{base}/%2E%2E/%2E%2E/%2E%2E/%2E%2E/inkorg/1/payload.json"),
            format!("{base}/.%2e/eda/steg/om-dig"),
            format!("{base}/%2f..%2f..%2finkorg"),
            format!("{base}/./../eda"),
            format!("{base}\\..\\eda"),
        ] {
            let r = app.post_form(&format!("{base}/peka"), &[
                ("_csrf", &csrf), ("plats", "om-dig"), ("sida", &sida), ("element", "1"),
            ]).await;
            assert_eq!(r.status, 400, "{sida}: {}", r.body);
        }
        assert_eq!(count(&app, "select count(*) from pin_shots").await, 0, "nothing rendered");
    }

    /// Findings 3 and 4: `/artefakter` serves evidence to staff only, never a
    /// citizen's attachment, never to be cached; and neither the sweep nor a
    /// removal takes a file that evidence shares with an upload.
    async fn artifacts_are_evidence_for_staff_and_the_sweep_keeps_them(app) {
        let base = format!("{OLAGENHET}/arvika");
        let csrf = started(&app).await;
        let upload = png_of(1);
        let sha = provrum::artifacts::Artifacts::hash(&upload);
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "a.png", upload.clone())]).await;
        assert!(file_of(&app, &sha).exists());
        let r = anonymous().get(format!("{}/artefakter/{sha}", app.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 303, "anonymous: to the login");
        app.login_as("jurist", Role::LegalAdviser, &[]).await;
        assert_eq!(app.get(&format!("/artefakter/{sha}")).await.status, 404, "an attachment is not evidence");

        // Evidence (a pin's shot) with bytes of its own: served, not cached.
        let shot = png_of(2);
        let shot_sha = provrum::artifacts::Artifacts::new(app.data_dir.path()).put(&shot).unwrap();
        sqlx::query("insert into pin_shots (token, user_id, version_id, municipality, place, state, artifact, created_at) values ('t', 1, 1, 'arvika', 'om-dig', 'ok', $1, '2026-01-01T00:00:00.000Z')")
            .bind(&shot_sha).execute(&app.store.pool).await.unwrap();
        let r = app.client.get(format!("{}/artefakter/{shot_sha}", app.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        assert_eq!(r.headers()["cache-control"], "no-store");
        assert_eq!(r.bytes().await.unwrap().as_ref(), shot.as_slice());

        // A citizen uploads the shot's very bytes and removes them again:
        // the shared file stays, now and after any sweep.
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "b.png", shot.clone())]).await;
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf), ("filer.remove", &shot_sha)], &[]).await;
        let files = provrum::artifacts::Artifacts::new(app.data_dir.path());
        let later = "2100-01-01T00:00:00.000Z";
        provrum::sandbox::cleanup::sweep(&app.store, &files, later, later).await.unwrap();
        assert!(file_of(&app, &shot_sha).exists(), "the pin's shot survives the upload's removal");
        assert_eq!(app.get(&format!("/artefakter/{shot_sha}")).await.status, 200);

        // The citizen's own upload, removed, leaves the disk at once.
        app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf), ("filer.remove", &sha)], &[]).await;
        assert!(!file_of(&app, &sha).exists(), "a removed upload nothing else uses is gone without waiting for the sweep");
    }

    /// Finding 2: uploads are bounded per address and for the whole sandbox;
    /// a refused upload stores nothing.
    async fn uploads_cannot_fill_the_disk(app) {
        let base = format!("{OLAGENHET}/arvika");
        let csrf = started(&app).await;
        // This address has all but a few bytes of its hour's quota behind it.
        let quota = provrum::web::rates::UPLOAD_BYTES.max as i64;
        sqlx::query("insert into rate_hits (key, at, weight) values ('upload-bytes:127.0.0.1', $1, $2)")
            .bind(provrum::clock::stored(chrono::Utc::now())).bind(quota - 10)
            .execute(&app.store.pool).await.unwrap();
        let png = png_of(3);
        let sha = provrum::artifacts::Artifacts::hash(&png);
        let r = app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "c.png", png.clone())]).await;
        assert_eq!(r.status, 429, "{}", r.body);
        r.assert_contains("den senaste timmen");
        assert!(!file_of(&app, &sha).exists(), "nothing written");
        sqlx::query("delete from rate_hits").execute(&app.store.pool).await.unwrap();
        // The sandbox as a whole holds no more than its ceiling.
        sqlx::query("insert into sandbox_uploads (sha256, uploaded_at, size) values ('00', $1, $2)")
            .bind(provrum::clock::stored(chrono::Utc::now())).bind(provrum::sandbox::uploads::CEILING as i64)
            .execute(&app.store.pool).await.unwrap();
        let r = app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "c.png", png.clone())]).await;
        assert_eq!(r.status, 429, "{}", r.body);
        r.assert_contains("fullt");
        assert!(!file_of(&app, &sha).exists());
        sqlx::query("delete from sandbox_uploads").execute(&app.store.pool).await.unwrap();
        let r = app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "c.png", png)]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert!(file_of(&app, &sha).exists(), "within the limits, uploads work");
    }

    /// Finding 5: failed guesses from many addresses lock an account for
    /// unknown devices only; e-kontoret's own browser still logs in; a
    /// password spray from one address does not block known devices behind
    /// it; wrong current passwords are throttled too; a lock is lifted only
    /// for an account that exists, also from the command line.
    async fn lockout_cannot_shut_e_kontoret_out(app) {
        app.login_as("ekontoret", Role::EKontoret, &[]).await;
        app.post_form("/konto/logga-ut", &[("_csrf", &app.get("/konto").await.csrf())]).await;
        for i in 0..(limiter::ACCOUNT_CEILING + 2) {
            let client = format!("10.0.{}.{}", i % 34, i);
            limiter::failed(&app.store, Attempt { account: "ekontoret", client: &client, device: None }).await.unwrap();
        }
        for i in 0..limiter::CLIENT_CEILING {
            let account = format!("finns-inte-{i}");
            limiter::failed(&app.store, Attempt { account: &account, client: "127.0.0.1", device: None }).await.unwrap();
        }
        // A browser that never logged in is held off…
        let stranger = anonymous();
        let page = stranger.get(format!("{}/konto/logga-in", app.url)).send().await.unwrap().text().await.unwrap();
        let marker = "name=\"_csrf\" value=\"";
        let at = page.find(marker).unwrap() + marker.len();
        let token = page[at..].split('"').next().unwrap().to_string();
        let r = stranger.post(format!("{}/konto/logga-in", app.url))
            .form(&[("_csrf", token.as_str()), ("username", "ekontoret"), ("password", common::PASSWORD)])
            .send().await.unwrap();
        assert_eq!(r.status().as_u16(), 429);
        // …but e-kontoret's own browser logs in as ever.
        app.log_in("ekontoret", common::PASSWORD).await;

        // Wrong current passwords count as failed logins of the account.
        let mut statuses = Vec::new();
        for _ in 0..(limiter::FREE_FAILURES + 2) {
            let r = app.post_form("/konto/losenord", &[("_csrf", &app.get("/konto").await.csrf()), ("current", "fel lösenord"), ("new", "tre gröna tåg i Arvika"), ("repeat", "tre gröna tåg i Arvika")]).await;
            statuses.push(r.status);
        }
        assert_eq!(statuses.last(), Some(&429), "{statuses:?}");

        // Lifting: not for a name that does not exist, on the page or the command line.
        let csrf = app.get("/anvandare").await.csrf();
        let r = app.post_form("/anvandare/hav-sparr", &[("_csrf", &csrf), ("username", "nobody")]).await;
        assert!(r.status == 400 || r.status == 404, "{}: {}", r.status, r.body);
        let (code, _, err) = common::provrum(&["user", "unlock", "nobody", "--database", &app.database_url]);
        assert_eq!(code, 1, "{err}");
        let (code, out, err) = common::provrum(&["user", "unlock", "ekontoret", "--database", &app.database_url]);
        assert_eq!(code, 0, "{out}{err}");
        assert!(limiter::locked(&app.store).await.unwrap().iter().all(|(a, _)| a != "ekontoret"));
        let r = stranger.post(format!("{}/konto/logga-in", app.url))
            .form(&[("_csrf", token.as_str()), ("username", "ekontoret"), ("password", common::PASSWORD)])
            .send().await.unwrap();
        assert_eq!(r.status().as_u16(), 429, "the address's spray still holds off a stranger");
    }

    /// Finding 7: the comparison reference answers no anonymous request.
    async fn the_reference_is_closed_to_anonymous_visitors(app) {
        let r = anonymous().get(format!("{}{OLAGENHET}/arvika~bas", app.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        let r = anonymous().get(format!("{}{OLAGENHET}/arvika%7Ebas/steg/om-dig", app.url)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403);
        app.login_as("ekontor", Role::EKontoret, &[]).await;
        assert_eq!(app.get(&format!("{OLAGENHET}/arvika~bas")).await.status, 200, "staff may");
    }
}

/// One way to spoil a bundle.
type Change = Box<dyn Fn(&mut provrum::bundles::Bundle)>;

/// A bundle of the demo's service as another region would send it.
async fn bundle(app: &common::TestApp) -> provrum::bundles::Bundle {
    provrum::bundles::export(&app.store, None, "anmalan-om-olagenhet", None)
        .await
        .expect("export")
}

on_both_backends! {
    /// Finding 6: `bundle import` reads only a bounded regular file, and a
    /// bundle's files must be a package's; the web upload takes a real
    /// bundle's size and answers in Swedish when a file is too large.
    async fn bundle_import_trusts_nothing_in_the_file(app) {
        let dir = tempfile::tempdir().unwrap();
        let import = |path: &std::path::Path| {
            common::provrum(&["bundle", "import", &path.display().to_string(), "--database", &app.database_url])
        };
        // A pipe: refused at once instead of waiting for a writer.
        let fifo = dir.path().join("pipe.json");
        let c = std::ffi::CString::new(fifo.display().to_string()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let (code, out, _) = import(&fifo);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("ingen vanlig fil"), "{out}");
        // A link to a real bundle: refused, the link is not followed.
        let b = bundle(&app).await;
        let real = dir.path().join("real.json");
        std::fs::write(&real, serde_json::to_string(&b).unwrap()).unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let (code, out, _) = import(&link);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("symbolisk länk"), "{out}");
        // Too large to be a bundle: refused before it is read whole.
        let big = dir.path().join("big.json");
        std::fs::File::create(&big).unwrap().set_len(provrum::bundles::MAX_BYTES + 1).unwrap();
        let (code, out, _) = import(&big);
        assert_eq!(code, 1, "{out}");
        assert!(out.contains("högst"), "{out}");
        // Files a package does not have, twice the same variant, a text past the cap.
        let cases: Vec<(&str, Change)> = vec![
            ("namn som ett tjänstepaket inte har", Box::new(|b| b.files[1].0 = "../../etc/passwd".into())),
            ("två filer för", Box::new(|b| { let f = b.files[1].clone(); b.files.push(f); })),
            ("högst", Box::new(|b| b.files[1].1.push_str(&"#".repeat(3 * 1024 * 1024)))),
        ];
        for (said, change) in cases {
            let mut bad = b.clone();
            change(&mut bad);
            let file = dir.path().join("bad.json");
            std::fs::write(&file, serde_json::to_string(&bad).unwrap()).unwrap();
            let (code, out, err) = import(&file);
            assert_eq!(code, 1, "{said}: {out}{err}");
            assert!(out.contains(said), "{said}: {out}");
            assert!(!out.contains("database") && !out.contains("UNIQUE"), "{out}");
        }
        let versions: i64 = count(&app, "select count(*) from service_versions where service_id = 'anmalan-om-olagenhet'").await;
        assert_eq!(versions, 1, "nothing refused was stored");

        // The web upload: a real bundle of 100 KB imports.
        app.login_as("ekontoret", Role::EKontoret, &[]).await;
        let csrf = app.get("/katalog").await.csrf();
        let mut next = b.clone();
        next.files[0].1 = next.files[0].1.replace("version: 2.1.0-rc1", "version: 9.9.9");
        next.files[0].1.push_str(&format!("\n# {}\n", "x".repeat(100 * 1024)));
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf.clone())
            .part("paket", reqwest::multipart::Part::bytes(serde_json::to_vec(&next).unwrap()).file_name("../../paket.json"));
        let r = app.client.post(format!("{}/katalog/importera", app.url)).multipart(form).send().await.unwrap();
        let (status, body) = (r.status().as_u16(), r.text().await.unwrap());
        assert_eq!(status, 200, "{body}");
        let versions: i64 = count(&app, "select count(*) from service_versions where service_id = 'anmalan-om-olagenhet'").await;
        assert_eq!(versions, 2);
        // Past the limit: a Swedish answer, not the multipart reader's English.
        let form = reqwest::multipart::Form::new()
            .text("_csrf", csrf)
            .part("paket", reqwest::multipart::Part::bytes(vec![b' '; provrum::bundles::MAX_BYTES as usize + 100 * 1024]).file_name("stor.json"));
        match app.client.post(format!("{}/katalog/importera", app.url)).multipart(form).send().await {
            Ok(r) => {
                assert_eq!(r.status().as_u16(), 413);
                let body = r.text().await.unwrap();
                assert!(body.contains("större än") && !body.contains("multipart"), "{body}");
            }
            // The server may answer before the client has written it all.
            Err(e) => assert!(e.is_request() || e.is_body(), "{e}"),
        }
    }
}
