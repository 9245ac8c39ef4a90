//! A scenario cell is run again exactly when something it depends on
//! changed (issue 29): each test changes one thing — an overlay's text, a
//! brand colour, the base, a scenario file, an attached file, the capture
//! options, the browser's window — and asserts which cells ran and that
//! every other was reused, byte for byte.

// The serialising guard is held across awaits on purpose (see runner.rs).
#![allow(clippy::await_holding_lock)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use common::{Backend, TestApp};
use provrum::browser::BrowserOptions;
use provrum::municipalities::Registry;
use provrum::scenarios::execute;
use provrum::scenarios::runner::{Capture, RunnerConfig};

static SERIAL: Mutex<()> = Mutex::new(());

const SERVICE: &str = "anmalan-om-olagenhet";
const PLACES: [&str; 2] = ["eda", "kil"];

/// Which cells (scenario/municipality) of a run ran, and which were reused.
#[derive(Debug)]
struct Ran {
    run_id: i64,
    ran: BTreeSet<String>,
    reused: BTreeSet<String>,
}

fn cells(scenarios: &[&str]) -> BTreeSet<String> {
    scenarios
        .iter()
        .flat_map(|s| PLACES.iter().map(move |m| format!("{s}/{m}")))
        .collect()
}

/// Two scenarios: a short one, and one that attaches `bilaga.png` and
/// sends the case.
fn write_scenarios(dir: &Path) -> Vec<PathBuf> {
    let short = dir.join("kort.yaml");
    std::fs::write(
        &short,
        "scenario: kort\ntitle: Kort\nservice: anmalan-om-olagenhet\nvariants: { only: [eda, kil] }\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - expect_text: Om dig\n",
    )
    .unwrap();
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/files/bild.png"),
        dir.join("bilaga.png"),
    )
    .unwrap();
    let attach = dir.join("bifoga.yaml");
    std::fs::write(
        &attach,
        r#"scenario: bifoga
title: Bifoga
service: anmalan-om-olagenhet
variants: { only: [eda, kil] }
identity: "199011142388"
steps:
  - open
  - start
  - sign_in
  - fill: { kontakt.email: britta@exempel.se }
  - next
  - choose: { typ: buller, kontaktat-agare: nej }
  - fill: { beskrivning: "Fläkten på granngården låter hela natten, varje natt sedan i mars.", sedan: "2026-03-01" }
  - next
  - fill: { adress.street: Storgatan 12, adress.postal_code: "671 31", adress.city: Kil }
  - fill: { fastighetsbeteckning: "Gunnar 12:3", antal-hushall: "3" }
    skip_where_hidden: [antal-hushall]
  - next
  - attach: { filer: bilaga.png }
  - next
  - submit
  - expect_receipt
  - expect_submitted: { path: "attachments[0].filename", equals: bilaga.png }
"#,
    )
    .unwrap();
    vec![short, attach]
}

/// The fixture package as `version`, with `base` (from, to) replaced in
/// service.yaml and text appended to the named overlays.
fn package(
    dir: &Path,
    version: &str,
    base: Option<(&str, &str)>,
    overlays: &[(&str, &str)],
) -> PathBuf {
    let src = common::fixtures().join("services").join(SERVICE);
    let dst = dir.join(format!("{SERVICE}-{version}"));
    std::fs::create_dir_all(dst.join("variants")).unwrap();
    let mut service = std::fs::read_to_string(src.join("service.yaml"))
        .unwrap()
        .replace("version: 2.1.0-rc1", &format!("version: {version}"));
    if let Some((from, to)) = base {
        assert!(service.contains(from), "the base has {from}");
        service = service.replace(from, to);
    }
    std::fs::write(dst.join("service.yaml"), service).unwrap();
    for e in std::fs::read_dir(src.join("variants")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_stem().unwrap().to_str().unwrap().to_string();
        let mut text = std::fs::read_to_string(&p).unwrap();
        for (m, extra) in overlays {
            if *m == name {
                text.push_str(extra);
            }
        }
        std::fs::write(
            p.file_name().map(|f| dst.join("variants").join(f)).unwrap(),
            text,
        )
        .unwrap();
    }
    dst
}

async fn import(app: &TestApp, dir: &Path) -> String {
    let pkg = provrum::services::load(dir, Registry::builtin()).expect("the package is valid");
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .expect("import");
    pkg.base.version
}

/// The demo with no worker inside the server: the test's own worker runs
/// every cell, so its browser set-up is the one every result is keyed by.
async fn demo(backend: Backend) -> Option<TestApp> {
    let settings = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    common::spawn_demo_with(backend, settings).await
}

async fn run(
    app: &TestApp,
    version: &str,
    files: &[PathBuf],
    fresh: bool,
    configure: impl FnOnce(&mut RunnerConfig),
) -> Ran {
    let places: Vec<String> = PLACES.iter().map(|m| m.to_string()).collect();
    let mut plan = execute::plan(&app.store, SERVICE, Some(version), files, &places)
        .await
        .expect("plan");
    plan.fresh = fresh;
    let mut cfg = RunnerConfig::new(
        &app.url,
        BrowserOptions {
            chromium: common::chromium().expect("chromium"),
            pass: app.pass(),
            ..Default::default()
        },
    );
    cfg.concurrency = 2;
    configure(&mut cfg);
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let done = execute::execute(
        &app.store,
        &artifacts,
        plan,
        cfg,
        "test",
        std::sync::Arc::new(AtomicBool::new(false)),
        |_| {},
    )
    .await
    .expect("run");
    let mut out = Ran {
        run_id: done.run_id,
        ran: BTreeSet::new(),
        reused: BTreeSet::new(),
    };
    for o in &done.outcomes {
        assert_eq!(
            o.status.as_str(),
            "passed",
            "{}/{}: {:?}",
            o.scenario,
            o.municipality,
            o.reason
        );
        let key = format!("{}/{}", o.scenario, o.municipality);
        match o.reused_from_run {
            Some(_) => out.reused.insert(key),
            None => out.ran.insert(key),
        };
    }
    out
}

/// A stored step, every column but its own and its cell's id.
#[derive(Debug, PartialEq, sqlx::FromRow)]
struct StepBytes {
    position: i64,
    action: String,
    label: String,
    status: String,
    reason: Option<String>,
    duration_ms: i64,
    url: Option<String>,
    screenshot: Option<String>,
    text_hash: Option<String>,
    console_errors: String,
    page_errors: String,
    blocked_requests: String,
    accessibility: Option<String>,
    failed_requests: Option<String>,
    dom_snapshot: Option<String>,
}

/// Every reused cell of `run_id` is its origin's rows, byte for byte.
async fn assert_copies(app: &TestApp, run_id: i64) -> usize {
    let pairs: Vec<(i64, i64)> = sqlx::query_as(
        "select id, reused_from from run_cells where run_id = $1 and reused_from is not null",
    )
    .bind(run_id)
    .fetch_all(&app.store.pool)
    .await
    .unwrap();
    for (copy, origin) in &pairs {
        let cell = |id: i64| {
            sqlx::query_as::<_, (String, String, Option<String>, Option<i64>, i64, Option<String>, Option<String>)>(
                "select scenario, status, reason, failed_step, duration_ms, case_number, fingerprint from run_cells where id = $1",
            )
            .bind(id)
            .fetch_one(&app.store.pool)
        };
        assert_eq!(cell(*copy).await.unwrap(), cell(*origin).await.unwrap());
        let steps = |id: i64| {
            sqlx::query_as::<_, StepBytes>(
                "select position, action, label, status, reason, duration_ms, url, screenshot, text_hash, console_errors, page_errors, blocked_requests, accessibility, failed_requests, dom_snapshot from step_results where cell_id = $1 order by position",
            )
            .bind(id)
            .fetch_all(&app.store.pool)
        };
        let (a, b) = (steps(*copy).await.unwrap(), steps(*origin).await.unwrap());
        assert!(!a.is_empty(), "a reused cell has its steps");
        assert_eq!(a, b, "cell {copy} is cell {origin}'s steps, byte for byte");
    }
    pairs.len()
}

/// Each change reaches exactly the cells it can change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_the_cells_a_change_reaches_run_again() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = demo(Backend::Sqlite).await.expect("sqlite");
    let dir = tempfile::tempdir().unwrap();
    let files = write_scenarios(dir.path());
    let all = cells(&["kort", "bifoga"]);

    let first = run(&app, "2.1.0-rc1", &files, false, |_| {}).await;
    assert_eq!(
        (first.ran.clone(), first.reused.len()),
        (all.clone(), 0),
        "nothing to reuse yet"
    );
    let again = run(&app, "2.1.0-rc1", &files, false, |_| {}).await;
    assert_eq!(
        (again.ran.len(), again.reused.clone()),
        (0, all.clone()),
        "nothing changed"
    );
    assert_eq!(assert_copies(&app, again.run_id).await, 4);

    // One overlay's text, as a new version: only that municipality's cells.
    let text = "contact:\n  name: Miljöenheten, Kils kommun\n  text: Ring oss på vardagar.\n";
    let v2 = import(
        &app,
        &package(dir.path(), "2.1.0-rc2", None, &[("kil", text)]),
    )
    .await;
    let r = run(&app, &v2, &files, false, |_| {}).await;
    assert_eq!(
        r.ran,
        BTreeSet::from(["bifoga/kil".into(), "kort/kil".into()]),
        "{r:?}"
    );
    assert_eq!(assert_copies(&app, r.run_id).await, 2);

    // A brand colour in another overlay.
    let colour = "branding:\n  colour: \"#5a1f4e\"\n";
    let v3 = import(
        &app,
        &package(
            dir.path(),
            "2.1.0-rc3",
            None,
            &[("kil", text), ("eda", colour)],
        ),
    )
    .await;
    let r = run(&app, &v3, &files, false, |_| {}).await;
    assert_eq!(
        r.ran,
        BTreeSet::from(["bifoga/eda".into(), "kort/eda".into()]),
        "{r:?}"
    );

    // The base: every cell.
    let base = Some(("Anmäl buller, lukt", "Anmäl gärna buller, lukt"));
    let v4 = import(
        &app,
        &package(
            dir.path(),
            "2.1.0-rc4",
            base,
            &[("kil", text), ("eda", colour)],
        ),
    )
    .await;
    let r = run(&app, &v4, &files, false, |_| {}).await;
    assert_eq!((r.ran.clone(), r.reused.len()), (all.clone(), 0), "{r:?}");

    // A scenario file: only its cells.
    let short = std::fs::read_to_string(&files[0]).unwrap();
    std::fs::write(&files[0], format!("{short}  - expect_text: Om dig\n")).unwrap();
    let r = run(&app, &v4, &files, false, |_| {}).await;
    assert_eq!(r.ran, cells(&["kort"]), "{r:?}");
    assert_eq!(assert_copies(&app, r.run_id).await, 2);

    // The file a scenario attaches: only that scenario's cells.
    let mut png = std::fs::read(dir.path().join("bilaga.png")).unwrap();
    png.extend_from_slice(b"\0");
    std::fs::write(dir.path().join("bilaga.png"), png).unwrap();
    let r = run(&app, &v4, &files, false, |_| {}).await;
    assert_eq!(r.ran, cells(&["bifoga"]), "{r:?}");

    // How the run captures, and the browser's window: every cell.
    let r = run(&app, &v4, &files, false, |c| c.capture = Capture::Pages).await;
    assert_eq!(r.ran, all, "capture options");
    let r = run(&app, &v4, &files, false, |c| c.browser.width = 1100).await;
    assert_eq!(r.ran, all, "window size");

    // "Kör om allt": every cell, though nothing changed.
    let r = run(&app, &v4, &files, true, |_| {}).await;
    assert_eq!((r.ran.clone(), r.reused.len()), (all.clone(), 0), "fresh");
    // …and the next run reuses the fresh results.
    let r = run(&app, &v4, &files, false, |_| {}).await;
    assert_eq!(r.reused, all);

    // Shown: the run page marks the reused cells and links their run.
    app.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let page = app.get(&format!("/korningar/{}", r.run_id)).await;
    page.assert_contains("data-cells-reused=\"4\"");
    page.assert_contains("data-reused-from=");
    page.assert_contains("samma innehåll som i körning");
    let cell: i64 = sqlx::query_scalar("select id from run_cells where run_id = $1 limit 1")
        .bind(r.run_id)
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    let page = app
        .get(&format!("/korningar/{}/celler/{cell}", r.run_id))
        .await;
    page.assert_contains("– återanvänd. Varken varianten");
    // …and so do the release page and the release check's JSON.
    let page = app.get(&format!("/tjanster/{SERVICE}/{v4}/release")).await;
    page.assert_contains("data-cells-run=\"0\" data-cells-reused=\"4\"");
    let v = provrum::services::store::find_version(&app.store, SERVICE, Some(&v4))
        .await
        .unwrap()
        .unwrap();
    let lists = provrum::checklists::load_dir(&common::fixtures().join("checklists")).unwrap();
    let policy = provrum::release::Policy::default();
    let g = provrum::release::check(&app.store, &v, &lists, &policy)
        .await
        .unwrap();
    assert_eq!(
        (
            g.evidence.run,
            g.evidence.cells_run,
            g.evidence.cells_reused
        ),
        (Some(r.run_id), 0, 4)
    );
    let json = provrum::release::report::json(&g, 1);
    assert_eq!(json["result"]["evidence"]["cells_reused"], 4);
    assert!(
        provrum::release::report::junit(&g)
            .contains("<property name=\"cells_reused\" value=\"4\"/>")
    );

    // "Kör om allt" on the version page starts a run that reuses nothing.
    for (form, fresh) in [(vec![], false), (vec![("allt", "1")], true)] {
        let before: i64 = sqlx::query_scalar("select max(id) from runs")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
        let csrf = app.get(&format!("/tjanster/{SERVICE}/{v4}")).await.csrf();
        let mut fields = vec![("_csrf", csrf)];
        fields.extend(form.iter().map(|(k, v)| (*k, v.to_string())));
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        app.post_form(&format!("/tjanster/{SERVICE}/{v4}/korningar"), &fields)
            .await;
        let options: String = sqlx::query_scalar("select options from runs where id > $1")
            .bind(before)
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
        assert!(options.contains(&format!("\"fresh\":{fresh}")), "{options}");
    }
}

/// On PostgreSQL too: a second run reuses every cell, byte for byte.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unchanged_run_is_reused_on_postgres() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(app) = demo(Backend::Postgres).await else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let files = write_scenarios(dir.path());
    let files = &files[..1];
    let first = run(&app, "2.1.0-rc1", files, false, |_| {}).await;
    assert_eq!(first.ran, cells(&["kort"]));
    let again = run(&app, "2.1.0-rc1", files, false, |_| {}).await;
    assert_eq!(again.reused, cells(&["kort"]));
    assert_eq!(assert_copies(&app, again.run_id).await, 2);
}

/// One screenshot is taken only when nothing can still paint: a pending
/// timer or a running animation makes the capture wait for two that agree.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_is_settled_only_when_nothing_can_paint() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = demo(Backend::Sqlite).await.expect("sqlite");
    let url = format!("{}/tjanster/{SERVICE}/2.1.0-rc1/kil", app.url);
    let origin = app.url.clone();
    tokio::task::spawn_blocking(move || {
        let browser = provrum::browser::Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("browser");
        let page = browser.page(vec![origin]).expect("page");
        page.goto(&url).expect("start page");
        assert!(
            !page.nothing_pending().unwrap(),
            "not watched: unknown counts as pending"
        );
        page.watch_paint().unwrap();
        page.goto(&url).expect("start page");
        assert!(page.nothing_pending().unwrap(), "the start page is still");
        page.eval("window.t = setTimeout(() => {}, 60000)").unwrap();
        assert!(!page.nothing_pending().unwrap(), "a timer is pending");
        page.eval("clearTimeout(window.t)").unwrap();
        assert!(page.nothing_pending().unwrap(), "the timer was cleared");
        page.eval("setTimeout(() => {}, 1)").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert!(
            page.nothing_pending().unwrap(),
            "a timer that ran is no longer pending"
        );
        page.eval("document.body.animate([{ opacity: 0 }, { opacity: 1 }], 60000); true")
            .unwrap();
        assert!(!page.nothing_pending().unwrap(), "an animation runs");
        page.eval("document.getAnimations().forEach(a => a.cancel()); true")
            .unwrap();
        assert!(page.nothing_pending().unwrap(), "the animation ended");
        let (png, settled) = page.settled_screenshot(true, 3).unwrap();
        assert!(
            settled && png.starts_with(b"\x89PNG"),
            "one screenshot, settled"
        );
    })
    .await
    .unwrap();
}
