//! Test harness: a real HTTP server on 127.0.0.1 over a fresh database, on
//! SQLite (a temp file) or PostgreSQL (a fresh database per test).
//!
//! PostgreSQL tests need `PROVRUM_TEST_POSTGRES_URL` (e.g.
//! `postgres://postgres@127.0.0.1:5432/postgres`). Without it they skip with
//! a note, unless `PROVRUM_TEST_REQUIRE_POSTGRES=1` (set by `.ci/run`), in
//! which case they fail: CI must never skip them.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use provrum::artifacts::Artifacts;
use provrum::municipalities::Registry;
use provrum::store::Store;
use provrum::web::AppState;
use sqlx::Executor;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub url: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub database_url: String,
    pub data_dir: tempfile::TempDir,
    /// The server's state, for what only the process itself hands out (a run's pass).
    pub state: AppState,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// A fresh, migrated database URL for this backend, or `None` to skip.
pub async fn fresh_database(backend: Backend, dir: &Path) -> Option<String> {
    match backend {
        Backend::Sqlite => Some(format!("sqlite://{}", dir.join("test.db").display())),
        Backend::Postgres => {
            let Some(admin) = std::env::var("PROVRUM_TEST_POSTGRES_URL")
                .ok()
                .filter(|s| !s.is_empty())
            else {
                if std::env::var("PROVRUM_TEST_REQUIRE_POSTGRES").is_ok_and(|v| v == "1") {
                    panic!(
                        "PROVRUM_TEST_REQUIRE_POSTGRES=1 but PROVRUM_TEST_POSTGRES_URL is not set"
                    );
                }
                eprintln!("note: skipping a PostgreSQL test: PROVRUM_TEST_POSTGRES_URL is not set");
                return None;
            };
            sqlx::any::install_default_drivers();
            let name = format!("provrum_t_{}", hex::encode(rand::random::<[u8; 6]>()));
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin)
                .await
                .expect("connect to PROVRUM_TEST_POSTGRES_URL");
            conn.execute(format!("create database {name}").as_str())
                .await
                .expect("create test database");
            let base = admin
                .rsplit_once('/')
                .map(|(b, _)| b.to_string())
                .unwrap_or(admin.clone());
            Some(format!("{base}/{name}"))
        }
    }
}

pub async fn spawn_app(backend: Backend) -> Option<TestApp> {
    spawn_app_with(backend, provrum::web::Settings::default()).await
}

/// A server whose browser cannot start: runs and comparisons started from
/// the web end at once (for tests of who may start them).
pub async fn spawn_demo_without_browser(backend: Backend) -> Option<TestApp> {
    let settings = provrum::web::Settings {
        chromium: "/nonexistent/chromium".into(),
        ..provrum::web::Settings::default()
    };
    let app = spawn_app_with(backend, settings).await?;
    import_demo(&app).await;
    Some(app)
}

/// Serve `state` on a free port of 127.0.0.1 until the sender is used or dropped.
async fn serve(state: AppState) -> (std::net::SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = provrum::startup::serve(listener, state, async move {
            let _ = rx.await;
        })
        .await;
    });
    (addr, tx)
}

pub async fn spawn_app_with(backend: Backend, settings: provrum::web::Settings) -> Option<TestApp> {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let database_url = fresh_database(backend, data_dir.path()).await?;
    let store = Store::open(&database_url).await.expect("open store");
    let state = AppState::build(store.clone(), Artifacts::new(data_dir.path()), settings);
    let (addr, tx) = serve(state.clone()).await;
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::limited(10))
        .build()
        .expect("client");
    Some(TestApp {
        url: format!("http://{addr}"),
        client,
        store,
        database_url,
        data_dir,
        state,
        shutdown: Some(tx),
    })
}

/// A server with the demo services and these settings.
pub async fn spawn_demo_with(
    backend: Backend,
    settings: provrum::web::Settings,
) -> Option<TestApp> {
    let app = spawn_app_with(backend, settings).await?;
    import_demo(&app).await;
    Some(app)
}

/// A server with the three demo services imported.
pub async fn spawn_demo(backend: Backend) -> Option<TestApp> {
    let app = spawn_app(backend).await?;
    import_demo(&app).await;
    Some(app)
}

async fn import_demo(app: &TestApp) {
    for name in [
        "anmalan-om-olagenhet",
        "ansokan-om-forskoleplats",
        "anmalan-varmepump",
    ] {
        let pkg =
            provrum::services::load(&fixtures().join("services").join(name), Registry::builtin())
                .expect("fixture package is valid");
        provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
            .await
            .expect("import fixture");
    }
}

pub const PASSWORD: &str = "testlösenord-123";

impl TestApp {
    /// A run's pass for browsers this test drives against the server, as
    /// the test room gives its own runs (to read cases and use `~bas`).
    pub fn pass(&self) -> Option<provrum::browser::Pass> {
        Some(self.state.passes.issue(&self.url))
    }

    /// Create a user with this role (reviewers for `municipalities`) and log
    /// this app's client in as them through the login form.
    pub async fn login_as(
        &self,
        username: &str,
        role: provrum::accounts::Role,
        municipalities: &[&str],
    ) {
        let ms: Vec<String> = municipalities.iter().map(|m| m.to_string()).collect();
        let new = provrum::accounts::store::NewUser {
            username,
            name: &format!("Test {username}"),
            role,
            municipalities: &ms,
            password: PASSWORD,
            email: None,
        };
        match provrum::accounts::store::create(&self.store, &new, "test").await {
            Ok(_) | Err(provrum::accounts::store::AccountError::Taken(_)) => {}
            Err(e) => panic!("creating {username}: {e}"),
        }
        self.log_in(username, PASSWORD).await;
    }

    /// Log this app's client in through the form; panics unless it works.
    pub async fn log_in(&self, username: &str, password: &str) {
        let form = self.get("/konto/logga-in").await;
        let done = self
            .post_form(
                "/konto/logga-in",
                &[
                    ("_csrf", &form.csrf()),
                    ("username", username),
                    ("password", password),
                    ("till", "/"),
                ],
            )
            .await;
        assert_eq!(done.status, 200, "logging in as {username}: {}", done.body);
        assert!(
            done.body.contains("Logga ut"),
            "not logged in as {username}"
        );
    }
}

pub struct Page {
    pub status: u16,
    pub url: String,
    pub body: String,
}

impl Page {
    /// The hidden CSRF token of the page's form.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .map(|i| i + marker.len())
            .expect("page has a CSRF token");
        self.body[start..]
            .split('"')
            .next()
            .unwrap_or_default()
            .to_string()
    }

    pub fn path(&self) -> String {
        reqwest::Url::parse(&self.url)
            .map(|u| u.path().to_string())
            .unwrap_or_default()
    }

    #[track_caller]
    pub fn assert_contains(&self, text: &str) {
        assert!(
            self.body.contains(text),
            "expected {text:?} on {} (status {}):\n{}",
            self.url,
            self.status,
            self.body
        );
    }
}

impl TestApp {
    pub async fn get(&self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.url))
            .send()
            .await
            .expect("GET");
        page(res).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> Page {
        let res = self
            .client
            .post(format!("{}{path}", self.url))
            .form(form)
            .send()
            .await
            .expect("POST");
        page(res).await
    }

    /// Post a step form as the browser does (multipart), with optional files.
    pub async fn post_step(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        files: &[(&str, &str, Vec<u8>)],
    ) -> Page {
        let mut form = reqwest::multipart::Form::new();
        for (k, v) in fields {
            form = form.text(k.to_string(), v.to_string());
        }
        for (name, filename, bytes) in files {
            form = form.part(
                name.to_string(),
                reqwest::multipart::Part::bytes(bytes.clone()).file_name(filename.to_string()),
            );
        }
        let res = self
            .client
            .post(format!("{}{path}", self.url))
            .multipart(form)
            .send()
            .await
            .expect("POST multipart");
        page(res).await
    }
}

async fn page(res: reqwest::Response) -> Page {
    let status = res.status().as_u16();
    let url = res.url().to_string();
    let body = res.text().await.expect("body");
    Page { status, url, body }
}

/// Run a test body on both backends: `mod name { sqlite, postgres }`.
#[macro_export]
macro_rules! on_both_backends {
    ($($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block)*) => {
        $(
            $(#[$meta])*
            mod $name {
                #[allow(unused_imports)]
                use super::*;

                async fn run($app: common::TestApp) $body

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    run(common::spawn_demo(common::Backend::Sqlite).await.expect("sqlite app")).await
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some(app) = common::spawn_demo(common::Backend::Postgres).await {
                        run(app).await
                    }
                }
            }
        )*
    };
}

/// Give a stored variant a brand colour `validate` would refuse (white text
/// cannot be read on it), as a package imported before that rule would
/// have it: for tests of what axe-core finds in a run. The package must
/// have been imported with the brand colour `#1f4e79`.
pub async fn plant_brand_colour(store: &Store, service: &str, municipality: &str, colour: &str) {
    let done = sqlx::query(
        "update variants set definition = replace(definition, '#1f4e79', $1)
         where municipality = $2 and version_id in (select id from service_versions where service_id = $3)",
    )
    .bind(colour)
    .bind(municipality)
    .bind(service)
    .execute(&store.pool)
    .await
    .expect("plant the brand colour");
    assert_eq!(done.rows_affected(), 1, "one variant takes the colour");
}

/// The Swedish calendar date `days` from today, as deadlines are written
/// (`reviews::rounds::days_left` counts Swedish days).
pub fn in_swedish_days(days: i64) -> String {
    let now = chrono::Utc::now();
    (now + chrono::Duration::hours(provrum::clock::offset_hours(now))
        + chrono::Duration::days(days))
    .format("%Y-%m-%d")
    .to_string()
}

/// A tiny valid PNG (1×1 pixel).
pub fn png() -> Vec<u8> {
    vec![
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F,
        0x15, 0xC4, 0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00,
        0x01, 0x00, 0x00, 0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49,
        0x45, 0x4E, 0x44, 0xAE, 0x42, 0x60, 0x82,
    ]
}

/// Chromium for browser tests, or `None` to skip (never in CI: `.ci/run`
/// sets `PROVRUM_TEST_REQUIRE_CHROMIUM=1`).
pub fn chromium() -> Option<PathBuf> {
    let path = std::env::var("PROVRUM_CHROMIUM")
        .map(PathBuf::from)
        .unwrap_or_else(|_| provrum::browser::default_chromium());
    if path.exists() {
        return Some(path);
    }
    if std::env::var("PROVRUM_TEST_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
        panic!(
            "PROVRUM_TEST_REQUIRE_CHROMIUM=1 but there is no Chromium at {}",
            path.display()
        );
    }
    eprintln!(
        "note: skipping a browser test: no Chromium at {}",
        path.display()
    );
    None
}

/// Run scenario files against the demo app's variants and collect outcomes.
pub fn run_scenarios(
    app: &TestApp,
    files: &[PathBuf],
    only: &[&str],
    configure: impl FnOnce(&mut provrum::scenarios::runner::RunnerConfig),
) -> Vec<provrum::scenarios::runner::CellOutcome> {
    let artifacts = Artifacts::new(app.data_dir.path());
    run_scenarios_into(app, files, only, configure, &artifacts)
}

/// [`run_scenarios`], storing the evidence in `artifacts`.
pub fn run_scenarios_into(
    app: &TestApp,
    files: &[PathBuf],
    only: &[&str],
    configure: impl FnOnce(&mut provrum::scenarios::runner::RunnerConfig),
    artifacts: &Artifacts,
) -> Vec<provrum::scenarios::runner::CellOutcome> {
    use provrum::scenarios::runner::{self, Cell, RunnerConfig};
    let chromium = chromium().expect("chromium");
    let rt = tokio::runtime::Handle::current();
    let mut cells = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(f).expect("scenario file");
        let s = std::sync::Arc::new(provrum::scenarios::parse(f, &text).unwrap_or_else(|d| {
            panic!(
                "{}",
                d.iter()
                    .map(|x| x.to_string())
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        }));
        let (version, variants) = rt.block_on(async {
            let v = provrum::services::store::find_version(
                &app.store,
                &s.service,
                s.version.as_deref(),
            )
            .await
            .expect("db")
            .expect("version");
            let vars = provrum::services::store::variants(&app.store, v.id)
                .await
                .expect("variants");
            (v, vars)
        });
        let problems = provrum::scenarios::check(&s, &variants, Registry::builtin());
        assert!(
            problems.is_empty(),
            "{}",
            problems
                .iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        );
        for v in variants.into_iter().filter(|v| {
            s.variants.includes(&v.municipality)
                && (only.is_empty() || only.contains(&v.municipality.as_str()))
        }) {
            let path = format!(
                "/tjanster/{}/{}/{}",
                version.service_id, version.version, v.municipality
            );
            cells.push(Cell::new(s.clone(), std::sync::Arc::new(v), path));
        }
    }
    let mut cfg = RunnerConfig::new(
        &app.url,
        provrum::browser::BrowserOptions {
            chromium,
            pass: app.pass(),
            ..Default::default()
        },
    );
    cfg.concurrency = 2;
    configure(&mut cfg);
    let out = std::sync::Mutex::new(Vec::new());
    let cancel = std::sync::atomic::AtomicBool::new(false);
    runner::run(cells, &cfg, artifacts, &cancel, &|_, o| {
        out.lock().expect("lock").push(o)
    })
    .expect("runner");
    out.into_inner().expect("outcomes")
}

/// Run the `provrum` binary from the repository's top folder, without the
/// caller's database settings; (exit code, stdout, stderr).
pub fn provrum(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_provrum"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PROVRUM_DATABASE_URL")
        .output()
        .expect("run provrum");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Write the next version of the fixture package in `src` to `dst`: the
/// version number `from` becomes `to` in service.yaml, and each overlay named
/// in `replaced` (file name, new text) is replaced; the rest is copied.
pub fn bump_fixture(src: &Path, dst: &Path, from: &str, to: &str, replaced: &[(&str, &str)]) {
    std::fs::create_dir_all(dst.join("variants")).unwrap();
    std::fs::write(
        dst.join("service.yaml"),
        std::fs::read_to_string(src.join("service.yaml"))
            .unwrap()
            .replace(&format!("version: {from}"), &format!("version: {to}")),
    )
    .unwrap();
    for e in std::fs::read_dir(src.join("variants")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_owned();
        let text = match replaced.iter().find(|(n, _)| name == *n) {
            Some((_, t)) => t.to_string(),
            None => std::fs::read_to_string(&p).unwrap(),
        };
        std::fs::write(dst.join("variants").join(name), text).unwrap();
    }
}

/// The text of a PDF, by poppler's `pdftotext` (installed by scripts/test).
pub fn pdf_text(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("case.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) reads the PDF");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A second web server on the same database and artifact folder as `app`:
/// a replica behind a load balancer. Its client shares `app`'s cookies
/// (cookies are per host, not per port), as a browser would behind one name.
pub async fn spawn_replica(app: &TestApp) -> TestApp {
    let data_dir = tempfile::tempdir().expect("temp dir");
    let store = Store::open(&app.database_url).await.expect("open store");
    let state = AppState::build(
        store.clone(),
        Artifacts::new(app.data_dir.path()),
        // Web only: the original's worker runs the cells.
        provrum::web::Settings {
            workers: 0,
            ..provrum::web::Settings::default()
        },
    );
    let (addr, tx) = serve(state.clone()).await;
    TestApp {
        url: format!("http://{addr}"),
        client: app.client.clone(),
        store,
        database_url: app.database_url.clone(),
        data_dir,
        state,
        shutdown: Some(tx),
    }
}

/// One signed-in sandbox session of its own (for load benchmarks), on the
/// second step of one of four variants taken in turn: the client, and the
/// address of the step page it may load.
pub async fn sandbox_session(origin: &str, n: usize) -> (reqwest::Client, String) {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .expect("client");
    let base = format!(
        "{origin}/tjanster/anmalan-om-olagenhet/2.1.0-rc1/{}",
        ["arvika", "karlstad", "eda", "torsby"][n % 4]
    );
    let login = client
        .post(format!("{base}/starta"))
        .send()
        .await
        .expect("start")
        .text()
        .await
        .expect("body");
    let marker = "name=\"_csrf\" value=\"";
    let at = login.find(marker).expect("csrf") + marker.len();
    let csrf = login[at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let step = client
        .post(format!("{base}/logga-in"))
        .form(&[("_csrf", csrf.as_str()), ("personnummer", "199011142388")])
        .send()
        .await
        .expect("login");
    assert!(step.url().path().ends_with("/steg/om-dig"));
    (client, format!("{base}/steg/storningen"))
}

/// The `p` quantile (0–1) of sorted figures, nearest rank (for the load benchmarks).
pub fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}
