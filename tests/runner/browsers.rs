//! The browser under the cells: Debian's two Chromium builds, the seal
//! against outside resources, a reused page, a killed or remote Chromium.

use super::*;

/// Both of Debian's Chromium builds run a cell with its evidence: the
/// headless shell Provrum launches by default and the full browser it falls
/// back to where the shell is not installed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_debian_chromiums_run_a_cell_with_its_evidence() {
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
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
    let Some((_serial, app)) = browser_test().await else {
        return;
    };
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
