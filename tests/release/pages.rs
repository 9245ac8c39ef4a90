//! Releasing through the page, the offline HTML report in Chromium, and
//! the dashboard's word on review rounds.

use super::*;

/// The release page and action: only e-kontoret releases, only when ready;
/// releasing makes the version the baseline and is audited.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn releasing_through_the_page_needs_e_kontoret_and_a_ready_gate() {
    let s = ready(Backend::Sqlite).await.unwrap();
    let c = provrum::reviews::store::NewComment {
        service_id: "prov".into(),
        version_id: s.version.id,
        municipality: Some("kil".into()),
        class: Some(provrum::reviews::Class::Krav),
        motivation: Some("Behov".into()),
        body: "Saknas".into(),
        ..Default::default()
    };
    let id = provrum::reviews::store::create(&s.app.store, &c, &s.reviewers[2])
        .await
        .unwrap();
    let page_url = "/tjanster/prov/1.0.0/release";
    // The web app reads its checklists from fixtures/checklists; the item there is unassessed, so use a permissive policy file? No: judge on the page what the gate says.
    s.app.log_in("granskare-kil", common::PASSWORD).await;
    let page = s.app.get(page_url).await;
    page.assert_contains("data-verdict=\"blocked\"");
    assert!(!page.body.contains("data-action=\"release\""));
    let token = s.app.get("/konto/logga-in").await.csrf();
    let refused = s.app.post_form(page_url, &[("_csrf", &token)]).await;
    assert_eq!(refused.status, 403);
    s.app.log_in("ekontoret", common::PASSWORD).await;
    let page = s.app.get(page_url).await;
    page.assert_contains(&format!("data-blocker=\"feedback:kil:{id}\""));
    // One table first: each condition, its count, who acts and where.
    let summary = &page.body[page
        .body
        .find("data-gate-summary")
        .expect("a summary table")..];
    let row = &summary[summary
        .find("data-summary-condition=\"feedback\"")
        .expect("the feedback row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(
        row.contains("E-kontoret: ta ställning till synpunkterna")
            && row.contains(">Behandla synpunkten</a>"),
        "{row}"
    );
    let blocked = s.app.post_form(page_url, &[("_csrf", &page.csrf())]).await;
    assert_eq!(blocked.status, 400);
    blocked.assert_contains("Versionen kan inte släppas");
    // A refused waiver keeps what was typed, its form open, the error
    // linked to the date.
    {
        let at = page
            .body
            .find("name=\"hinder\" value=\"")
            .expect("a blocker");
        let key = page.body[at + 21..].split('"').next().unwrap().to_string();
        let refused = s
            .app
            .post_form(
                &format!("{page_url}/undantag"),
                &[
                    ("_csrf", &page.csrf()),
                    ("hinder", &key),
                    ("skal", "Beslutat på CESAM-mötet i maj"),
                    ("till", "2000-01-01"),
                ],
            )
            .await;
        assert_eq!(refused.status, 400, "{}", refused.body);
        refused.assert_contains("value=\"Beslutat på CESAM-mötet i maj\"");
        refused.assert_contains("value=\"2000-01-01\" aria-invalid=\"true\"");
        refused.assert_contains("<details open>");
        refused.assert_contains("<a href=\"#till-");
    }
    // Waive every remaining blocker through the form, then release.
    let mut page = page;
    for _ in 0..40 {
        let Some(at) = page.body.find("name=\"hinder\" value=\"") else {
            break;
        };
        let key = page.body[at + 21..].split('"').next().unwrap().to_string();
        let w = s
            .app
            .post_form(
                &format!("{page_url}/undantag"),
                &[
                    ("_csrf", &page.csrf()),
                    ("hinder", &key),
                    ("skal", "Beslutat på CESAM-mötet"),
                    ("till", "2099-12-31"),
                ],
            )
            .await;
        assert_eq!(w.status, 200, "{}", w.body);
        page = w;
    }
    page.assert_contains("data-verdict=\"ready\"");
    // A waiver withdrawn: its blocker blocks again, the list says so, and
    // the release button stays in view with what it waits for.
    let at = page
        .body
        .find("/aterkalla\"")
        .expect("a waiver to withdraw");
    let start = page.body[..at].rfind("action=\"").unwrap() + 8;
    let withdraw = page.body[start..at + 10].to_string();
    let w = s.app.post_form(&withdraw, &[("_csrf", &page.csrf())]).await;
    assert_eq!(w.status, 200, "{}", w.body);
    w.assert_contains("data-verdict=\"blocked\"");
    w.assert_contains("data-waiver-state=\"withdrawn\"");
    w.assert_contains("Undantaget är tillbakadraget.");
    w.assert_contains("data-release-state=\"blocked\"");
    w.assert_contains("Kan släppas när 1 hinder är lösta");
    let n: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'release.waiver.withdraw'",
    )
    .fetch_one(&s.app.store.pool)
    .await
    .unwrap();
    assert_eq!(n, 1);
    let at = w
        .body
        .find("name=\"hinder\" value=\"")
        .expect("the blocker is back");
    let key = w.body[at + 21..].split('"').next().unwrap().to_string();
    let page = s
        .app
        .post_form(
            &format!("{page_url}/undantag"),
            &[
                ("_csrf", &w.csrf()),
                ("hinder", &key),
                ("skal", "Beslutat igen"),
                ("till", "2099-12-31"),
            ],
        )
        .await;
    page.assert_contains("data-verdict=\"ready\"");
    page.assert_contains(
        "<p class=\"confirmation\" role=\"status\" data-confirmation>Undantaget är sparat.</p>",
    );
    let done = s.app.post_form(page_url, &[("_csrf", &page.csrf())]).await;
    assert_eq!(done.status, 200);
    done.assert_contains("Versionen är släppt");
    assert_eq!(
        provrum::services::releases::last_release(&s.app.store, "prov", -1)
            .await
            .unwrap(),
        Some(s.version.id)
    );
    let n: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'release'")
        .fetch_one(&s.app.store.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let dash = s.app.get("/oversikt").await;
    dash.assert_contains("data-service=\"prov\"");
    let report = s.app.get(&format!("{page_url}/rapport.html")).await;
    report.assert_contains("Beslutat på CESAM-mötet");
}

/// The HTML report is one file: it opens in Chromium with no request beyond itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_html_report_opens_offline_in_chromium() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let s = ready(Backend::Sqlite).await.unwrap();
    // A failing step with a screenshot, so the report embeds a thumbnail.
    let artifacts = provrum::artifacts::Artifacts::new(s.app.data_dir.path());
    let png = {
        let img = image::RgbaImage::from_pixel(640, 400, image::Rgba([200, 30, 30, 255]));
        let mut out = Vec::new();
        img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
            .unwrap();
        out
    };
    let hash = artifacts.put(&png).unwrap();
    let mut failing = cell("eda", Status::Failed, serde_json::json!([]));
    failing.steps[0].screenshot = Some(hash);
    let dom = artifacts
        .put(b"<!doctype html><html lang=sv><title>Som den var</title><p>Steget</p><script>document.title='k\xc3\xb6rt'</script></html>")
        .unwrap();
    failing.steps[0].dom = Some(dom);
    run(
        &s,
        &[
            cell("arvika", Status::Passed, serde_json::json!([])),
            failing,
            cell("kil", Status::Passed, serde_json::json!([])),
        ],
    )
    .await;
    // The failed step's page opens as it was, inert.
    let cell_id: i64 = sqlx::query_scalar(
        "select id from run_cells where municipality = 'eda' order by id desc limit 1",
    )
    .fetch_one(&s.app.store.pool)
    .await
    .unwrap();
    let run_id: i64 = sqlx::query_scalar("select run_id from run_cells where id = $1")
        .bind(cell_id)
        .fetch_one(&s.app.store.pool)
        .await
        .unwrap();
    s.app.login_as("ekontoret", Role::EKontoret, &[]).await;
    let cell_page = s
        .app
        .get(&format!("/korningar/{run_id}/celler/{cell_id}"))
        .await;
    cell_page.assert_contains("data-dom-snapshot");
    let res = s
        .app
        .client
        .get(format!(
            "{}/korningar/{run_id}/celler/{cell_id}/steg/0/sidan",
            s.app.url
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        csp.starts_with("sandbox;") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(res.text().await.unwrap().contains("<p>Steget</p>"));
    let g = gate(&s).await;
    let html =
        provrum::release::report::html(&g, &artifacts, "https://provrum.example.se/").unwrap();
    assert!(
        html.contains("data:image/png;base64,"),
        "an embedded thumbnail"
    );
    // Links go to the configured public address, never a local one, and no
    // internal key is shown as text.
    assert!(
        html.contains("href=\"https://provrum.example.se/korningar/"),
        "{html}"
    );
    assert!(
        !html.contains("127.0.0.1") && !html.contains("<code>"),
        "{html}"
    );
    // Without an address the report links nowhere rather than somewhere wrong.
    let bare = provrum::release::report::html(&g, &artifacts, "").unwrap();
    assert!(!bare.contains("href=\"/"), "{bare}");
    let file = s._dir.path().join("rapport.html");
    std::fs::write(&file, &html).unwrap();
    let url = format!("file://{}", file.display());
    let shot = s._dir.path().join("rapport.png");
    let (requests, blocked, verdict) = tokio::task::spawn_blocking(move || {
        let browser = provrum::browser::Browser::launch(&provrum::browser::BrowserOptions {
            chromium,
            ..Default::default()
        })
        .unwrap();
        let page = browser.new_page(vec!["file://".into()]).unwrap();
        page.goto(&url).unwrap();
        let requests = page
            .eval("performance.getEntriesByType('resource').map(e => e.name)")
            .unwrap();
        let verdict = page
            .eval("document.querySelector('[data-verdict]').dataset.verdict")
            .unwrap();
        // The summary fits the first screen; the details wait, folded.
        let fits = page
            .eval("document.querySelector('[data-summary]').getBoundingClientRect().bottom <= window.innerHeight && [...document.querySelectorAll('details')].every(d => !d.open)")
            .unwrap();
        assert_eq!(fits, serde_json::json!(true));
        std::fs::write(&shot, page.screenshot(true).unwrap()).unwrap();
        let blocked = page.take_log().blocked;
        page.close();
        browser.close();
        (requests, blocked, verdict)
    })
    .await
    .unwrap();
    assert_eq!(
        requests,
        serde_json::json!([]),
        "the report fetches nothing"
    );
    assert!(blocked.is_empty(), "{blocked:?}");
    assert_eq!(verdict, "blocked");
}

/// Before a review round is opened, the dashboard says so once per service
/// instead of "inget svar" in every municipality's cell.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dashboard_says_once_that_no_round_is_open() {
    let app = common::spawn_demo_without_browser(common::Backend::Sqlite)
        .await
        .expect("app");
    app.login_as("eva", provrum::accounts::Role::EKontoret, &[])
        .await;
    let dash = app.get("/oversikt").await;
    assert_eq!(dash.status, 200);
    dash.assert_contains("data-no-round=\"anmalan-om-olagenhet\"");
    assert!(!dash.body.contains("title=\"inget svar\""), "{}", dash.body);
    // The legend explains the symbols once; municipalities stand on end so
    // 16 columns fit.
    dash.assert_contains("data-legend");
    dash.assert_contains("class=\"vertical\"");
}
