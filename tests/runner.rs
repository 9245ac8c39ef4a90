//! The scenario runner in real headless Chromium against a real server.
//! Browser tests run one at a time so that "no Chromium process is left"
//! can be checked after each.

// The serialising guard is held across awaits on purpose: each test has its
// own runtime, and the guard only keeps browser tests from overlapping.
#![allow(clippy::await_holding_lock)]

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;

use provrum::browser::{Browser, BrowserOptions};
use provrum::scenarios::runner::{CellOutcome, Status};

static SERIAL: Mutex<()> = Mutex::new(());

fn scenario(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(rel)
}

/// Live (non-zombie) processes below this test process: none may remain.
/// A closed browser's helpers exit on their own a moment later (under a
/// loaded CI machine, after the assertion once): give them ten seconds.
fn assert_no_browser_left() {
    let live = || -> Vec<u32> {
        provrum::browser::process::descendants(std::process::id())
            .into_iter()
            .filter(|p| provrum::browser::process_alive(*p))
            .collect()
    };
    let t = std::time::Instant::now();
    let mut left = live();
    while !left.is_empty() && t.elapsed() < std::time::Duration::from_secs(10) {
        std::thread::sleep(std::time::Duration::from_millis(200));
        left = live();
    }
    assert!(left.is_empty(), "processes left behind: {left:?}");
}

fn describe(o: &CellOutcome) -> String {
    format!(
        "{} {}: {:?} {:?}\n{:#?}",
        o.scenario,
        o.municipality,
        o.status,
        o.reason,
        o.steps
            .iter()
            .map(|s| (&s.label, s.status, &s.reason))
            .collect::<Vec<_>>()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_happy_path_passes_on_variants_that_differ() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml")],
            // Eda hides a field the scenario fills: skipped there alone.
            &["arvika", "eda", "karlstad", "torsby"],
            |_| {},
        )
    });
    assert_eq!(outcomes.len(), 4);
    for o in &outcomes {
        assert_eq!(o.status, Status::Passed, "{}", describe(o));
        assert!(o.case_number.as_deref().is_some_and(|c| c.contains("-20")));
        assert!(
            o.steps
                .iter()
                .all(|s| s.screenshot.is_some() && s.text.is_some()),
            "every step has a screenshot and text"
        );
        assert!(
            o.steps
                .iter()
                .all(|s| s.log.blocked.is_empty() && s.log.page_errors.is_empty()),
            "the sandbox loads nothing from outside and throws nothing"
        );
    }
    // Arvika's own question was asked only in Arvika.
    let arvika = outcomes
        .iter()
        .find(|o| o.municipality == "arvika")
        .expect("arvika");
    assert!(arvika.steps.iter().any(|s| s.label.contains("hembesok")));
    let karlstad = outcomes
        .iter()
        .find(|o| o.municipality == "karlstad")
        .expect("karlstad");
    assert!(!karlstad.steps.iter().any(|s| s.label.contains("hembesok")));
    assert_no_browser_left();
}

/// Both of Debian's Chromium builds run a cell with its evidence: the
/// headless shell Provrum launches by default and the full browser it falls
/// back to where the shell is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_debian_chromiums_run_a_cell_with_its_evidence() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let required = std::env::var("PROVRUM_TEST_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1");
    for chromium in provrum::browser::DEBIAN_CHROMIUMS {
        if !Path::new(chromium).exists() {
            assert!(
                !required,
                "{chromium} is not installed (scripts/test installs it)"
            );
            eprintln!("skipping {chromium}: not installed");
            continue;
        }
        let outcomes = tokio::task::block_in_place(|| {
            common::run_scenarios(
                &app,
                &[scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml")],
                &["kil"],
                |cfg| cfg.browser.chromium = chromium.into(),
            )
        });
        assert_eq!(outcomes.len(), 1, "{chromium}");
        let o = &outcomes[0];
        assert_eq!(o.status, Status::Passed, "{chromium}: {}", describe(o));
        assert!(
            o.steps
                .iter()
                .all(|s| s.screenshot.is_some() && s.text.is_some() && s.log.blocked.is_empty()),
            "{chromium}: every step has a screenshot and text, nothing from outside"
        );
        assert!(
            o.steps.iter().any(|s| s.accessibility.is_some()),
            "{chromium}: axe-core audited the pages"
        );
    }
    // A cell's reuse key names the program, not only its version: the two
    // builds of one version are different browsers.
    let [shell, full] = provrum::browser::DEBIAN_CHROMIUMS.map(|c| {
        provrum::browser::version(&BrowserOptions {
            chromium: c.into(),
            ..Default::default()
        })
    });
    assert_ne!(shell, full);
    assert!(shell.contains("chromium-headless-shell"), "{shell}");
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_validation_error_scenario_passes_with_its_expected_errors() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[
                scenario("anmalan-om-olagenhet/valideringsfel.yaml"),
                scenario("anmalan-om-olagenhet/villkorade-fragor.yaml"),
            ],
            &["kristinehamn", "eda"],
            |_| {},
        )
    });
    assert_eq!(outcomes.len(), 4);
    for o in &outcomes {
        assert_eq!(o.status, Status::Passed, "{}", describe(o));
    }
    assert_no_browser_left();
}

/// Issue 25: a cell whose screenshots the artifact store did not take is
/// not stored as passed (its evidence would point at nothing), and it says
/// the test room failed, not the service.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cell_whose_evidence_cannot_be_stored_is_not_passed() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    // A store whose folder cannot be made: every write fails.
    let broken = tempfile::tempdir().expect("tmp");
    std::fs::write(broken.path().join("artifacts"), "not a folder").expect("file");
    let artifacts = provrum::artifacts::Artifacts::new(broken.path());
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios_into(
            &app,
            &[scenario("anmalan-om-olagenhet/valideringsfel.yaml")],
            &["eda"],
            |_| {},
            &artifacts,
        )
    });
    assert_eq!(outcomes.len(), 1);
    let o = &outcomes[0];
    assert_eq!(o.status, Status::Error, "{}", describe(o));
    let reason = o.reason.as_deref().unwrap_or_default();
    assert!(provrum::browser::infrastructure(reason), "{reason}");
    assert!(
        provrum::scenarios::reasons::in_swedish(reason).contains("inget fel i e-tjänsten"),
        "{reason}"
    );
    // The same cell with a working store passes.
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[scenario("anmalan-om-olagenhet/valideringsfel.yaml")],
            &["eda"],
            |_| {},
        )
    });
    assert_eq!(
        outcomes[0].status,
        Status::Passed,
        "{}",
        describe(&outcomes[0])
    );
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_expectation_fails_with_the_step_the_reason_and_a_screenshot() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("fel-text.yaml");
    std::fs::write(
        &file,
        "title: Fel förväntad text\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - expect_text: Om dig\n  - expect_text: Välkommen till Narnia\n  - next\n",
    )
    .expect("write");
    let outcomes =
        tokio::task::block_in_place(|| common::run_scenarios(&app, &[file], &["grums"], |_| {}));
    let o = &outcomes[0];
    assert_eq!(o.status, Status::Failed, "{}", describe(o));
    assert_eq!(o.failed_step, Some(4), "the fifth step failed");
    let reason = o.reason.as_deref().unwrap_or_default();
    assert!(
        reason.contains("step 5 (expect_text \"Välkommen till Narnia\")")
            && reason.contains("is not there"),
        "{reason}"
    );
    assert!(
        reason.contains("Steg 1 av 5: Om dig"),
        "the reason names the page: {reason}"
    );
    // The pages say it in Swedish.
    let said = provrum::scenarios::reasons::in_swedish(reason);
    assert!(
        said.starts_with("steg 5: texten \"Välkommen till Narnia\" skulle finnas på sidan men gör det inte (sidan: Steg 1 av 5: Om dig"),
        "{said}"
    );
    let failed = &o.steps[4];
    assert_eq!(failed.status, Status::Failed);
    let shot = failed
        .screenshot
        .as_deref()
        .expect("a screenshot at failure");
    let png = provrum::artifacts::Artifacts::new(app.data_dir.path())
        .get(shot)
        .expect("stored screenshot");
    assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
    // The page as it was when the step failed, kept to open later.
    let dom = failed.dom.as_deref().expect("a DOM snapshot at failure");
    let html = provrum::artifacts::Artifacts::new(app.data_dir.path())
        .get(dom)
        .expect("stored snapshot");
    assert!(String::from_utf8_lossy(&html).contains("Om dig"));
    assert!(
        o.steps[3].dom.is_none(),
        "only failures and checkpoints keep one"
    );
    assert_eq!(
        o.steps[5].status,
        Status::Skipped,
        "later steps are skipped"
    );
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_that_loads_outside_resources_is_sealed_and_the_attempts_recorded() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    // A page of our own that tries to reach the outside world.
    let router = axum::Router::new().route(
        "/leaky",
        axum::routing::get(|| async {
            axum::response::Html("<!doctype html><html lang=sv><title>Läcka</title><img src=\"http://tracker.invalid/pixel.gif\"><script src=\"https://cdn.invalid/lib.js\"></script><link rel=stylesheet href=\"/own.css\"><p>Hej</p><input aria-label=namn></html>")
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, router).await });
    let (blocked, text) = tokio::task::block_in_place(|| {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.new_page(vec![origin.clone()]).expect("page");
        page.goto(&format!("{origin}/leaky")).expect("load");
        let fresh = page.document_key().expect("key");
        page.eval("document.querySelector('input').value = 'ifyllt'")
            .expect("type");
        // Typing sets a value, not markup: the same document for axe-core.
        let typed = page.document_key().expect("key");
        let text = page.text().expect("text");
        let dom = page.dom_snapshot().expect("snapshot");
        page.eval("document.body.append(document.createElement('hr'))")
            .expect("change");
        let changed = page.document_key().expect("key");
        let log = page.take_log();
        page.close();
        browser.close();
        (
            log.blocked,
            (text, dom, log.failed, [fresh, typed, changed]),
        )
    });
    let (text, dom, failed, [fresh, typed, changed]) = text;
    assert!(!fresh.is_empty());
    assert_eq!(fresh, typed, "a typed value is not a new document");
    assert_ne!(typed, changed, "new markup is a new document");
    // The document as it was, with what was typed into it.
    assert!(
        dom.starts_with("<!doctype html>") && dom.contains("<p>Hej</p>"),
        "{dom}"
    );
    assert!(dom.contains("value=\"ifyllt\""), "{dom}");
    // A request inside the test room that failed is recorded; the refused
    // outside ones are not counted twice.
    assert_eq!(failed, vec![format!("404 {origin}/own.css")], "{failed:?}");
    assert!(text.contains("Hej"));
    assert!(
        blocked.contains(&"http://tracker.invalid/pixel.gif".to_string()),
        "{blocked:?}"
    );
    assert!(
        blocked.contains(&"https://cdn.invalid/lib.js".to_string()),
        "{blocked:?}"
    );
    assert!(
        !blocked.iter().any(|u| u.starts_with(&origin)),
        "the own origin is not blocked: {blocked:?}"
    );
    assert_no_browser_left();
}

/// Cells on one browser reuse its tab (a warm renderer), so the next cell
/// must start as from a new one: no cookie, stored data, window name or
/// history of the last, the default viewport, an empty log, axe-core only
/// when asked for, and only its own origins reachable.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reused_page_keeps_nothing_of_the_last_cell() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let page_html = "<!doctype html><html lang=sv><title>Cell</title><p>Hej</p></html>";
    let router = axum::Router::new()
        .route(
            "/a",
            axum::routing::get(move || async move { axum::response::Html(page_html) }),
        )
        .route(
            "/b",
            axum::routing::get(move || async move { axum::response::Html(page_html) }),
        );
    let mut origins = Vec::new();
    for _ in 0..2 {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        origins.push(format!("http://{}", listener.local_addr().expect("addr")));
        let r = router.clone();
        tokio::spawn(async move { axum::serve(listener, r).await });
    }
    let (first, second) = (origins[0].clone(), origins[1].clone());
    let seen = tokio::task::block_in_place(|| {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.page(vec![first.clone()]).expect("page");
        page.set_axe(true).expect("axe");
        page.set_viewport(390, 844, true).expect("viewport");
        page.goto(&format!("{first}/a")).expect("load");
        page.goto(&format!("{first}/b")).expect("load");
        page.eval(
            "document.cookie = 'cell=1; path=/'; sessionStorage.setItem('k', 'v');
             localStorage.setItem('k', 'v'); window.name = 'last cell'; console.error('from the last cell');",
        )
        .expect("leave traces");
        let had_axe = page.eval("!!window.axe").expect("axe?");
        browser.give_back(page);

        let page = browser.page(vec![second.clone()]).expect("reused page");
        page.set_axe(false).expect("no axe");
        page.goto(&format!("{second}/a")).expect("load");
        let here = page
            .eval("[innerWidth, history.length, window.name, !!window.axe, document.cookie]")
            .expect("state");
        // One step back is the blank page between the cells, no further.
        let _ = page.eval("setTimeout(() => history.back(), 0)");
        std::thread::sleep(std::time::Duration::from_millis(300));
        let back = page.url();
        // The first origin is no longer reachable; its stored data is gone.
        let blocked = page.goto(&format!("{first}/a")).is_err();
        let log = page.take_log();
        browser.give_back(page);
        let page = browser.page(vec![first.clone()]).expect("page again");
        page.goto(&format!("{first}/a")).expect("load");
        let stored = page
            .eval("[document.cookie, sessionStorage.getItem('k'), localStorage.getItem('k')]")
            .expect("storage");
        page.close();
        browser.close();
        (had_axe, here, back, blocked, log, stored)
    });
    let (had_axe, here, back, blocked, log, stored) = seen;
    assert_eq!(had_axe, serde_json::json!(true));
    assert_eq!(
        here,
        serde_json::json!([1280, 2, "", false, ""]),
        "viewport, history (the blank page and this one), window name, axe-core and cookies start anew"
    );
    assert_eq!(
        back, "about:blank",
        "the last cell's pages are not in the history"
    );
    assert!(blocked, "the last cell's origin is not reachable");
    assert!(
        log.console_errors.is_empty(),
        "the log starts anew: {log:?}"
    );
    assert_eq!(
        stored,
        serde_json::json!(["", null, null]),
        "no cookie or stored data of the last cell"
    );
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_chromium_mid_run_errors_that_cell_and_the_run_completes() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let me = std::process::id();
    // Kill the first Chromium main process (a direct child of this process)
    // once the first cell is under way: after its first screenshot is
    // stored (a kill timed from the browser's start could land before the
    // cell began on a loaded machine, and the cell then rightly passed on a
    // relaunched browser).
    let evidence = app.data_dir.path().join("artifacts");
    let stored = move || -> usize {
        std::fs::read_dir(&evidence)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| std::fs::read_dir(e.path()).map(|f| f.count()).unwrap_or(0))
                    .sum()
            })
            .unwrap_or(0)
    };
    let before = stored();
    let killer = std::thread::spawn(move || {
        let started = std::time::Instant::now();
        while started.elapsed() < std::time::Duration::from_secs(20) {
            let chromes: Vec<u32> = provrum::browser::process::descendants(me)
                .into_iter()
                .filter(|p| {
                    std::fs::read_to_string(format!("/proc/{p}/stat")).is_ok_and(|s| {
                        s.contains(&format!(") S {me} ")) || s.contains(&format!(") R {me} "))
                    })
                })
                .filter(|p| {
                    std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                        .is_ok_and(|c| c.contains("remote-debugging"))
                })
                .collect();
            if let Some(pid) = chromes.first() {
                while stored() == before && started.elapsed() < std::time::Duration::from_secs(60) {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
                return true;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        false
    });
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml")],
            &["hagfors", "kil", "munkfors"],
            |c| c.concurrency = 1,
        )
    });
    assert!(
        killer.join().expect("killer"),
        "a Chromium process was found and killed"
    );
    assert_eq!(outcomes.len(), 3, "every cell has an outcome");
    let first = &outcomes[0];
    assert_eq!(
        first.status,
        Status::Error,
        "the cell whose browser died is an error, never passed: {}",
        describe(first)
    );
    assert!(
        outcomes[1..].iter().all(|o| o.status == Status::Passed),
        "the browser was relaunched: {:?}",
        outcomes.iter().map(describe).collect::<Vec<_>>()
    );
    assert_no_browser_left();
}

fn provrum(args: &[&str], data: &Path) -> (i32, String, String) {
    let mut all = args.to_vec();
    let data = data.to_str().expect("utf8 path");
    all.extend(["--data-dir", data]);
    common::provrum(&all)
}

#[test]
fn provrum_run_reports_json_and_junit_and_exits_by_outcome() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = tempfile::tempdir().expect("tmp");
    let (code, out, err) = provrum(&["import", "fixtures/services"], data.path());
    assert_eq!(code, 0, "{out}{err}");
    let json = data.path().join("run.json");
    let junit = data.path().join("run.xml");
    let args = [
        "run",
        "--service",
        "anmalan-om-olagenhet",
        "--scenario",
        "scenarios/anmalan-om-olagenhet/villkorade-fragor.yaml",
        "--municipality",
        "arvika",
        "eda",
        "--json",
        json.to_str().expect("utf8"),
        "--junit",
        junit.to_str().expect("utf8"),
    ];
    let (code, out, err) = provrum(&args, data.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("2 passed, 0 failed, 0 errors, 0 skipped"),
        "{out}"
    );
    assert!(
        out.contains("axe-core (WCAG 2.1 A/AA): 0 violation(s) on "),
        "{out}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid JSON");
    assert_eq!(doc["schema"], "provrum-run/1");
    assert_eq!(doc["status"], "passed");
    assert_eq!(doc["cells"].as_array().map(Vec::len), Some(2));
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains(
            "<testcase classname=\"anmalan-om-olagenhet.villkorade-fragor\" name=\"arvika\""
        ),
        "{xml}"
    );
    // A scenario naming a field the variant lacks is refused before anything runs.
    let bad = data.path().join("trasig.yaml");
    std::fs::write(&bad, "title: Trasig\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - fill: { hembesok-typ: x }\n  - choose:\n      typ: jordbavning\n").expect("write");
    let (code, out, _) = provrum(
        &[
            "run",
            "--service",
            "anmalan-om-olagenhet",
            "--scenario",
            bad.to_str().expect("utf8"),
        ],
        data.path(),
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("trasig.yaml:6:13: field `hembesok-typ` does not exist in"),
        "{out}"
    );
    assert!(
        out.contains("trasig.yaml:8:7: `jordbavning` is not offered for `typ`"),
        "{out}"
    );
    // A failing scenario exits 1.
    let failing = data.path().join("fel.yaml");
    std::fs::write(&failing, "title: Fel\nservice: anmalan-om-olagenhet\nsteps:\n  - open\n  - expect_text: Finns inte på sidan\n").expect("write");
    let (code, out, _) = provrum(
        &[
            "run",
            "--service",
            "anmalan-om-olagenhet",
            "--scenario",
            failing.to_str().expect("utf8"),
            "--municipality",
            "kil",
        ],
        data.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_run_started_from_the_web_shows_its_matrix_timeline_and_screenshots() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    app.login_as("granskare", provrum::accounts::Role::Reviewer, &["hammaro"])
        .await;
    let version = app.get("/tjanster/anmalan-varmepump/1.0.0").await;
    // Running every scenario is e-kontoret's tool: a reviewer is neither
    // offered it nor allowed it.
    assert!(!version.body.contains("data-action=\"start-run\""));
    let as_reviewer = app
        .post_form(
            "/tjanster/anmalan-varmepump/1.0.0/korningar",
            &[("_csrf", &version.csrf())],
        )
        .await;
    assert_eq!(as_reviewer.status, 403);
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let version = app.get("/tjanster/anmalan-varmepump/1.0.0").await;
    version.assert_contains("data-action=\"start-run\"");
    // Without the CSRF token the run is refused.
    let refused = app
        .post_form(
            "/tjanster/anmalan-varmepump/1.0.0/korningar",
            &[("_csrf", "fel")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let started = app
        .post_form(
            "/tjanster/anmalan-varmepump/1.0.0/korningar",
            &[("_csrf", &version.csrf())],
        )
        .await;
    assert!(started.path().starts_with("/korningar/"), "{}", started.url);
    started.assert_contains("data-run-status=\"running\"");
    let path = started.path();
    let mut page = started;
    // 19 cells take 60–80 s on two cores in a debug build: wait up to 4 minutes.
    for _ in 0..480 {
        if !page.body.contains("data-run-status=\"running\"") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        page = app.get(&path).await;
    }
    page.assert_contains("data-run-status=\"passed\"");
    page.assert_contains("19 av 19 klara");
    page.assert_contains("data-cell=\"granser/hammaro\"");
    let at = page
        .body
        .find("data-cell=\"granser/hammaro\"")
        .expect("cell link");
    let href_start = page.body[..at].rfind("href=\"").expect("href") + 6;
    let href = page.body[href_start..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let cell = app.get(&href).await;
    cell.assert_contains("Lokala gränser för borrdjup och filtyper – Hammarö kommun");
    cell.assert_contains("måste vara mellan 10 och 250");
    // Steps in words, with the variant's field labels, and seconds.
    cell.assert_contains("Fyll i ”");
    assert!(
        !cell.body.contains(">fill "),
        "no technical labels on the page"
    );
    assert!(!cell.body.contains(" ms<"), "durations in seconds");
    let img_at = cell.body.find("src=\"/artefakter/").expect("a screenshot") + 5;
    let src = cell.body[img_at..]
        .split('"')
        .next()
        .unwrap_or_default()
        .to_string();
    let res = app
        .client
        .get(format!("{}{src}", app.url))
        .send()
        .await
        .expect("artifact");
    assert_eq!(
        res.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("image/png")
    );
    assert!(res.bytes().await.expect("bytes").starts_with(b"\x89PNG"));
    // The cells can be filtered by result, the slowest first.
    page.assert_contains("data-filter=\"passed\"");
    let passed = app.get(&format!("{path}?status=passed")).await;
    assert_eq!(passed.body.matches("data-listed-cell=").count(), 19);
    passed.assert_contains("<strong aria-current=\"true\">Godkända (19)</strong>");
    let failed = app.get(&format!("{path}?status=failed")).await;
    assert_eq!(failed.body.matches("data-listed-cell=").count(), 0);
    let list = app.get("/korningar").await;
    list.assert_contains("Anmälan om installation av värmepump 1.0.0");
    list.assert_contains("ekontoret");
    assert_no_browser_left();
}

/// Guards the vendored transport patch (vendor/headless_chrome/PROVRUM-PATCH.md):
/// the released transport makes every CDP call wait out a 100 ms read timeout.
/// Not a speed target (those live in benches/), a regression tripwire with a
/// wide margin.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cdp_round_trip_does_not_wait_for_the_readers_timeout() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let median = tokio::task::block_in_place(|| {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.new_page(vec![]).expect("page");
        let mut times: Vec<u128> = (0..21)
            .map(|_| {
                let t = std::time::Instant::now();
                page.eval("1").expect("eval");
                t.elapsed().as_micros()
            })
            .collect();
        times.sort();
        page.close();
        browser.close();
        times[10]
    });
    assert!(
        median < 50_000,
        "a CDP round trip took {median} µs (median of 21): the transport patch is not in effect"
    );
    assert_no_browser_left();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_chromium_is_driven_over_devtools_and_left_running() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let url = format!("{}/tjanster/anmalan-om-olagenhet/2.1.0-rc1/kil", app.url);
    tokio::task::block_in_place(|| {
        // Stands in for docker-compose's chromium service.
        let elsewhere = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let ws = elsewhere.ws_url().expect("ws url");
        let port = ws
            .split(':')
            .nth(2)
            .and_then(|p| p.split('/').next())
            .expect("port")
            .to_string();
        let remote = Browser::launch(&BrowserOptions {
            remote: Some(format!("http://127.0.0.1:{port}")),
            chromium: "/nonexistent".into(),
            ..Default::default()
        })
        .expect("connect");
        // What a reused result is keyed by: the remote browser's version as
        // it answers now, not its address.
        let here = provrum::browser::version(&BrowserOptions {
            chromium: common::chromium().expect("chromium"),
            ..Default::default()
        });
        let number = here
            .split_whitespace()
            .find(|w| w.chars().next().is_some_and(|c| c.is_ascii_digit()))
            .expect("a version number");
        let there = provrum::browser::version(&BrowserOptions {
            remote: Some(format!("http://127.0.0.1:{port}")),
            ..Default::default()
        });
        assert!(
            there.contains(number) && !there.contains("127.0.0.1"),
            "{there} / {here}"
        );
        let gone = provrum::browser::version(&BrowserOptions {
            remote: Some("http://127.0.0.1:1".into()),
            ..Default::default()
        });
        assert!(gone.contains("did not answer"), "{gone}");
        let page = remote.new_page(vec![app.url.clone()]).expect("page");
        page.goto(&url).expect("load");
        assert!(page.text().expect("text").contains("Anmälan om olägenhet"));
        page.close();
        remote.close();
        // A pool with a dead endpoint: whichever it starts with, the live
        // one is found; with none alive, each is named in the error.
        let pool = format!("http://127.0.0.1:1, http://127.0.0.1:{port}");
        for _ in 0..2 {
            let b = Browser::launch(&BrowserOptions {
                remote: Some(pool.clone()),
                chromium: "/nonexistent".into(),
                ..Default::default()
            })
            .expect("the live endpoint of the pool");
            // A DevTools round trip on the connection proves which browser
            // it reached (pages on it are shown above).
            assert!(b.is_alive(), "connected to the live endpoint");
            b.close();
        }
        let dead = Browser::launch(&BrowserOptions {
            remote: Some("http://127.0.0.1:1,http://127.0.0.1:2".into()),
            chromium: "/nonexistent".into(),
            ..Default::default()
        });
        let err = dead.err().expect("no endpoint answers").to_string();
        assert!(
            err.contains("127.0.0.1:1") && err.contains("127.0.0.1:2"),
            "{err}"
        );
        assert!(
            elsewhere.is_alive(),
            "closing a connection leaves the remote browser running"
        );
        elsewhere.close();
    });
    assert_no_browser_left();
}

/// Chromium processes (live) among the descendants of `pid`.
fn chromium_below(pid: u32) -> Vec<u32> {
    provrum::browser::process::descendants(pid)
        .into_iter()
        .filter(|p| {
            provrum::browser::process_alive(*p)
                && std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                    .is_ok_and(|c| c.contains("chromium"))
        })
        .collect()
}

#[test]
fn ctrl_c_stops_provrum_run_marks_the_run_interrupted_and_leaves_no_browser() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = tempfile::tempdir().expect("tmp");
    let (code, out, err) = provrum(&["import", "fixtures/services"], data.path());
    assert_eq!(code, 0, "{out}{err}");
    let child = Command::new(env!("CARGO_BIN_EXE_provrum"))
        .args([
            "run",
            "--service",
            "anmalan-om-olagenhet",
            "--concurrency",
            "2",
            "--data-dir",
        ])
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PROVRUM_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start provrum run");
    // Wait until its browsers run, remembering every one we see.
    let mut seen = std::collections::HashSet::new();
    let started = std::time::Instant::now();
    while seen.len() < 2 && started.elapsed() < std::time::Duration::from_secs(30) {
        seen.extend(chromium_below(child.id()));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!seen.is_empty(), "provrum run started Chromium");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    seen.extend(chromium_below(child.id()));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("wait");
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "an interrupted run is not a pass:\n{out}"
    );
    assert!(out.contains(": interrupted"), "{out}");
    let alive: Vec<&u32> = seen
        .iter()
        .filter(|p| provrum::browser::process_alive(**p))
        .collect();
    assert!(
        alive.is_empty(),
        "Chromium processes outlived provrum run: {alive:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn planted_accessibility_defects_are_flagged_on_their_step_and_the_clean_variant_is_not() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_app(common::Backend::Sqlite)
        .await
        .expect("app");
    // A small service: Eda's variant has a label of only a space and a brand colour white text cannot be read on.
    let base = "id: tillganglighet\nversion: 1.0.0\ntitle: Tillgänglighetsprov\nauthentication: { required: true }\nreceipt: { text: Tack }\npersonal_data: { controller: X, purpose: Y, legal_basis: Z, retention: W }\nsteps:\n  - id: steg\n    title: Ett steg\n    fields:\n      - id: namn\n        type: text\n        label: Namn\n";
    let files = vec![
        ("service.yaml".to_string(), base.to_string()),
        (
            "variants/eda.yaml".to_string(),
            "branding: { colour: \"#1f4e79\" }\nfields:\n  namn:\n    required: true\n".to_string(),
        ),
        ("variants/kil.yaml".to_string(), String::new()),
    ];
    let mut pkg = provrum::services::from_files(
        std::path::Path::new("tillganglighet"),
        files,
        provrum::municipalities::Registry::builtin(),
    )
    .expect("valid package");
    // `validate` refuses an empty label, so the defect is planted past it
    // (as the brand colour below is): axe must still catch it.
    let eda = pkg
        .variants
        .iter_mut()
        .find(|v| v.municipality == "eda")
        .expect("eda");
    eda.steps[0].fields[0].label = " ".into();
    provrum::intake::import(
        &app.store,
        &pkg,
        provrum::municipalities::Registry::builtin(),
        "test",
    )
    .await
    .expect("import");
    common::plant_brand_colour(&app.store, "tillganglighet", "eda", "#ffff66").await;
    let dir = tempfile::tempdir().expect("tmp");
    let file = dir.path().join("a11y.yaml");
    std::fs::write(&file, "title: Tillgänglighet\nservice: tillganglighet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - checkpoint: steget\n").expect("write");
    let outcomes =
        tokio::task::block_in_place(|| common::run_scenarios(&app, &[file], &[], |_| {}));
    assert_eq!(outcomes.len(), 2);
    let rules = |m: &str, position: usize| -> Vec<String> {
        let o = outcomes.iter().find(|o| o.municipality == m).expect("cell");
        assert_eq!(o.status, Status::Passed, "{}", describe(o));
        let step = o
            .steps
            .iter()
            .find(|s| s.position == position)
            .expect("step");
        step.accessibility.as_ref().expect("axe ran")["violations"]
            .as_array()
            .expect("list")
            .iter()
            .filter_map(|v| v["id"].as_str().map(str::to_string))
            .collect()
    };
    let eda = rules("eda", 2);
    assert!(
        eda.contains(&"color-contrast".to_string()),
        "low contrast flagged on the step: {eda:?}"
    );
    assert!(
        eda.contains(&"label".to_string()),
        "the empty label flagged on the step: {eda:?}"
    );
    assert!(
        rules("eda", 0).contains(&"color-contrast".to_string()),
        "the brand colour fails on the start page too"
    );
    assert!(
        rules("kil", 2).is_empty(),
        "the clean variant passes: {:?}",
        rules("kil", 2)
    );
    assert_no_browser_left();
}

/// Dogfooding: every page type of Provrum itself passes axe-core (WCAG 2.1
/// A/AA) with no serious or critical violations.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provrums_own_pages_pass_axe_core() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    // A stored run (one passing, one failing cell) and a case in the inbox, so every page has content.
    let dir = tempfile::tempdir().expect("tmp");
    let failing = dir.path().join("fel.yaml");
    std::fs::write(&failing, "title: Fel\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - next\n  - expect_text: Finns inte\n").expect("write");
    let files = vec![
        scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml"),
        failing,
    ];
    let plan = provrum::scenarios::execute::plan(
        &app.store,
        "anmalan-om-olagenhet",
        None,
        &files,
        &["arvika".to_string()],
    )
    .await
    .expect("plan");
    let mut cfg = provrum::scenarios::runner::RunnerConfig::new(
        &app.url,
        BrowserOptions {
            chromium: chromium.clone(),
            pass: app.pass(),
            ..Default::default()
        },
    );
    cfg.concurrency = 1;
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let finished = provrum::scenarios::execute::execute(
        &app.store,
        &artifacts,
        plan,
        cfg,
        "test",
        std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false)),
        |_| {},
    )
    .await
    .expect("run");
    let case = finished
        .outcomes
        .iter()
        .find_map(|o| o.case_number.clone())
        .expect("a case");
    let cells = provrum::scenarios::store::cells(&app.store, finished.run_id)
        .await
        .expect("cells");
    // An e-kontoret account, a comment with a reply and a review round, so those pages have content.
    let admin = provrum::accounts::store::NewUser {
        username: "ekontoret",
        name: "Eva på e-kontoret",
        role: provrum::accounts::Role::EKontoret,
        municipalities: &[],
        password: common::PASSWORD,
        email: None,
    };
    provrum::accounts::store::create(&app.store, &admin, "test")
        .await
        .expect("user");
    let (eva, _) = provrum::accounts::store::for_login(&app.store, "ekontoret")
        .await
        .expect("db")
        .expect("eva");
    let version = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .expect("db")
        .expect("version");
    let comment = provrum::reviews::store::create(
        &app.store,
        &provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: version.id,
            municipality: Some("arvika".into()),
            step: Some("storningen".into()),
            class: Some(provrum::reviews::Class::Krav),
            motivation: Some("Förvaltningslagen 9 §".into()),
            body: "Hembesöksfrågan behöver en förklaring.".into(),
            ..Default::default()
        },
        &eva,
    )
    .await
    .expect("comment");
    // One on the start page, so the sandbox's staff panel lists a comment.
    provrum::reviews::store::create(
        &app.store,
        &provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: version.id,
            municipality: Some("arvika".into()),
            step: Some(provrum::sandbox::places::START.into()),
            class: Some(provrum::reviews::Class::Fel),
            body: "Startsidan säger 3 steg men tjänsten har fem.".into(),
            ..Default::default()
        },
        &eva,
    )
    .await
    .expect("comment on the start page");
    provrum::reviews::rounds::open(&app.store, version.id, "2099-12-31", &eva)
        .await
        .expect("round");
    // An ignored region, so the version page lists one with its button.
    provrum::services::ignores::add(
        &app.store,
        provrum::services::ignores::Place {
            service: "anmalan-om-olagenhet",
            step: "start",
            viewport: "desktop",
        },
        &[(10, 20, 300, 40)],
        "Klockan i sidhuvudet",
        provrum::services::ignores::By {
            username: "ekontoret",
            name: "Eva på e-kontoret",
        },
    )
    .await
    .expect("ignore");
    let mut urls = vec![
        "/katalog".to_string(),
        "/katalog/anmalan-om-olagenhet".to_string(),
        "/katalog/kommun/kil".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/avvikare".to_string(),
        // The meeting's brief, with the comments and round planted above.
        "/moten".to_string(),
        format!("/korningar/{}?status=failed", finished.run_id),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/jamforelse/arvika?steg=*".to_string(),
        "/anvandare".to_string(),
        "/logg".to_string(),
        "/konto/logga-ut".to_string(),
        "/konto".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/synpunkter".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/synpunkter/ny?kommun=arvika&steg=storningen"
            .to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/omgang".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/jamforelse".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/checklistor".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/checklistor/grundkrav/gdpr-information"
            .to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/checklistor/konflikter".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/release".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/jamforelse/ko".to_string(),
        "/oversikt".to_string(),
        format!("/synpunkter/{comment}"),
        "/".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1".to_string(),
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika/inkorg".to_string(),
        // A sandbox page as staff see it: with the panel of comments.
        "/tjanster/anmalan-om-olagenhet/2.1.0-rc1/arvika".to_string(),
        format!("/inkorg/{case}"),
        "/korningar".to_string(),
        format!("/korningar/{}", finished.run_id),
        "/finns-inte".to_string(),
    ];
    urls.extend(
        cells
            .iter()
            .map(|c| format!("/korningar/{}/celler/{}", finished.run_id, c.id)),
    );
    let problems = tokio::task::block_in_place(|| {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.new_page(vec![app.url.clone()]).expect("page");
        page.set_axe(true).expect("axe");
        let mut problems = Vec::new();
        // The login page itself, then log in so the test room's pages open.
        page.goto(&format!("{}/konto/logga-in", app.url))
            .expect("login page");
        let result = page.axe().expect("axe run").expect("axe loaded");
        for v in result["violations"].as_array().into_iter().flatten() {
            if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                problems.push(format!(
                    "/konto/logga-in: {} {}",
                    v["id"], v["nodes"][0]["target"]
                ));
            }
        }
        page.act_and_wait(
            &format!("(() => {{ document.querySelector('#username').value = 'ekontoret'; document.querySelector('#password').value = {:?}; document.querySelector('[data-action=login]').click(); return true; }})()", common::PASSWORD),
            "logging in",
        )
        .expect("log in");
        for u in &urls {
            page.goto(&format!("{}{u}", app.url)).expect("load");
            let result = page.axe().expect("axe run").expect("axe loaded");
            for v in result["violations"].as_array().into_iter().flatten() {
                if matches!(v["impact"].as_str(), Some("serious" | "critical")) {
                    problems.push(format!("{u}: {} {}", v["id"], v["nodes"][0]["target"]));
                }
            }
        }
        page.close();
        browser.close();
        problems
    });
    assert!(
        problems.is_empty(),
        "serious or critical axe-core violations: {problems:#?}"
    );
    assert_no_browser_left();
}
