//! What e-kontoret does with the planted changes: ignored regions, the
//! pages that show and decide them, and one decision for identical changes.

use super::*;

/// E-kontoret ignores a pixel change's regions from its cell page (a reason
/// is required, the form keeps the page); the change leaves the comparison,
/// is listed on the version page, and comes back when the region is removed.
pub(super) async fn ignored_regions_leave_the_comparison_and_come_back(
    app: &TestApp,
    report: &provrum::compare::execute::Report,
) {
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let v = format!("/tjanster/{SERVICE}/2.1.0-rc2");
    let pixel = report
        .deviations
        .iter()
        .find(|d| {
            d.deviation.municipality == "kil" && d.deviation.kind == Kind::Pixels("desktop".into())
        })
        .expect("a pixel change in Kil")
        .deviation
        .clone();
    let id = pixel.id;
    let cell_url = format!("{v}/jamforelse/kil?steg={}", pixel.step.replace('/', "%2F"));
    let cell = app.get(&cell_url).await;
    cell.assert_contains("data-action=\"ignore-regions\"");
    // The colour swap shown as swatches with white text's contrast on each.
    cell.assert_contains("data-colour-swap");
    cell.assert_contains("fill=\"#1f5f3a\"");
    cell.assert_contains("Vit text på färgen");
    let action = format!("{v}/jamforelse/avvikelser/{id}/ignorera");
    let refused = app
        .post_form(&action, &[("reason", " "), ("_csrf", &cell.csrf())])
        .await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("Skriv varför området ska ignoreras");
    refused.assert_contains(&format!("href=\"#ignore-{id}\""));
    let present = |list: &[provrum::compare::Judged]| list.iter().any(|j| j.deviation.id == id);
    let before = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    assert!(present(&before));
    let done = app
        .post_form(
            &action,
            &[
                ("reason", "Kartbilden ändras av sig själv"),
                ("_csrf", &cell.csrf()),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    let after = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    assert!(!present(&after), "the ignored change left the comparison");
    // Only that change went; nothing else was hidden with it.
    assert_eq!(after.len() + 1, before.len());
    let page = app.get(&v).await;
    page.assert_contains("data-ignored-region=");
    page.assert_contains("Kartbilden ändras av sig själv");
    let region: i64 = sqlx::query_scalar("select id from ignored_regions order by id limit 1")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    // A reviewer may not remove it.
    app.login_as("granskare-kil", provrum::accounts::Role::Reviewer, &["kil"])
        .await;
    let as_reviewer = app.get(&v).await;
    assert!(!as_reviewer.body.contains("data-action=\"unignore\""));
    let no = app
        .post_form(
            &format!("{v}/ignorerade/{region}/ta-bort"),
            &[("_csrf", &as_reviewer.csrf())],
        )
        .await;
    assert_eq!(no.status, 403);
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let page = app.get(&v).await;
    let gone = app
        .post_form(
            &format!("{v}/ignorerade/{region}/ta-bort"),
            &[("_csrf", &page.csrf())],
        )
        .await;
    assert_eq!(gone.status, 200);
    let again = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    assert!(
        present(&again),
        "the change is back once the region is removed"
    );
    for action in ["compare.ignore", "compare.unignore"] {
        let n: i64 = sqlx::query_scalar("select count(*) from audit_log where action = $1")
            .bind(action)
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
        assert!(n >= 1, "{action} audited");
    }
}

/// The matrix and a cell page in the browser's view, a decision through
/// the form (refused without its CSRF token), and axe-core over both pages.
pub(super) async fn web_pages_show_and_decide(
    app: &TestApp,
    report: &provrum::compare::execute::Report,
) {
    let base = format!("/tjanster/{SERVICE}/2.1.0-rc2/jamforelse");
    let anonymous = app.get(&base).await;
    assert!(
        anonymous.url.contains("/konto/logga-in"),
        "{}",
        anonymous.url
    );
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let matrix = app.get(&base).await;
    assert_eq!(matrix.status, 200);
    matrix.assert_contains("Ändrad för 6 av 15 varianter.");
    // The reuse is said, not hidden.
    matrix.assert_contains("data-reused>Inte fångade igen, eftersom innehållet är detsamma: 9 sidserier från version 2.1.0-rc1");
    matrix.assert_contains("data-action=\"start-compare\"");
    matrix.assert_contains(r#"data-cell="kil|steg/om-dig" data-badge="changed""#);
    // "Hela varianten" is not "lika" while a page of it waits for a decision.
    matrix.assert_contains(r#"data-cell="kil|*" data-badge="changed""#);
    matrix.assert_contains(r#"data-cell="arjang|*" data-badge="same""#);
    matrix.assert_contains(r#"data-cell="arjang|start" data-badge="same""#);
    matrix.assert_contains("Egen e-tjänst utanför provrummet");
    let cell_url = format!("{base}/arvika?steg=steg/storningen");
    let cell = app.get(&cell_url).await;
    assert_eq!(cell.status, 200);
    cell.assert_contains("<del>störningen</del>");
    cell.assert_contains("<ins>olägenheten</ins>");
    // A pixel change: the full-size view outlines the changed regions.
    let kil = app.get(&format!("{base}/kil?steg=steg/om-dig")).await;
    kil.assert_contains("data-full-size");
    kil.assert_contains("data-region-outline");
    kil.assert_contains("data-reference-outline");
    let text = report
        .deviations
        .iter()
        .find(|d| {
            d.deviation.municipality == "arvika"
                && d.deviation.kind == Kind::Text
                && d.deviation.step == "steg/storningen"
        })
        .expect("arvika text");
    let id = text.deviation.id;
    let action = format!("{base}/avvikelser/{id}");
    // Without the token: refused, nothing recorded.
    let refused = app
        .post_form(&action, &[("decision", "approved"), ("_csrf", "x")])
        .await;
    assert_eq!(refused.status, 403);
    // Flagging needs a comment.
    let no_comment = app
        .post_form(&action, &[("decision", "flagged"), ("_csrf", &cell.csrf())])
        .await;
    assert_eq!(no_comment.status, 400);
    no_comment.assert_contains("Skriv en kommentar");
    // Not a dead end: the same page, the flag still chosen, the error linked to the comment.
    no_comment.assert_contains("data-cell=\"arvika|steg/storningen\"");
    no_comment.assert_contains(&format!("href=\"#comment-{id}\""));
    no_comment.assert_contains(&format!(
        "id=\"flag-{id}\" name=\"decision\" value=\"flagged\" checked"
    ));
    let done = app
        .post_form(
            &action,
            &[
                ("decision", "flagged"),
                ("comment", "<script>alert(1)</script> Fel ord"),
                ("_csrf", &cell.csrf()),
            ],
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(done.url.ends_with(&cell_url), "{}", done.url);
    done.assert_contains("&#60;script&#62;alert(1)&#60;/script&#62; Fel ord");
    assert!(!done.body.contains("<script>alert(1)"));
    done.assert_contains("Beslut av Test ekontoret");
    // A reviewer sees no decision form and may not decide.
    app.login_as(
        "granskare-arvika",
        provrum::accounts::Role::Reviewer,
        &["arvika"],
    )
    .await;
    let as_reviewer = app.get(&cell_url).await;
    assert!(!as_reviewer.body.contains("data-action=\"decide\""));
    // Comparing again is e-kontoret's tool: not offered to a reviewer.
    let matrix_as_reviewer = app.get(&base).await;
    assert!(
        !matrix_as_reviewer
            .body
            .contains("data-action=\"start-compare\"")
    );
    let refused = app
        .post_form(
            &action,
            &[
                ("decision", "approved"),
                ("_csrf", &app.get("/konto").await.csrf()),
            ],
        )
        .await;
    assert_eq!(refused.status, 403);
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let judged = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    let now = judged.iter().find(|j| j.deviation.id == id).unwrap();
    assert_eq!(now.status, Status::Flagged);

    let Some(chromium) = common::chromium() else {
        return;
    };
    let first = provrum::compare::changes::items(&judged)
        .first()
        .map(|i| i.key.clone())
        .expect("a queue item");
    let urls = [
        base.clone(),
        cell_url,
        format!("{base}/kil?steg=steg/om-dig"),
        format!("{base}/ko"),
        format!("{base}/ko/{first}"),
    ];
    let origin = app.url.clone();
    let problems = tokio::task::spawn_blocking(move || {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.new_page(vec![origin.clone()]).expect("page");
        page.set_axe(true).expect("axe");
        let mut problems = Vec::new();
        for u in &urls {
            page.goto(&format!("{origin}{u}")).expect("load");
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
    })
    .await
    .expect("axe thread");
    assert!(
        problems.is_empty(),
        "serious or critical axe-core violations: {problems:#?}"
    );
}

/// The review queue: Grums' and Hagfors' identical new heading is one item
/// whose one decision settles the text and the pixels of both; Kil's brand
/// colour is one change for all its pages; "approve all for Kil" lists before it
/// approves. Returns how many deviations the queue decided (audited).
pub(super) async fn review_queue_decides_once_for_identical_changes(
    app: &TestApp,
    report: &provrum::compare::execute::Report,
) -> usize {
    let base = format!("/tjanster/{SERVICE}/2.1.0-rc2/jamforelse");
    let judged = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    let items = provrum::compare::changes::items(&judged);
    let decidable = judged
        .iter()
        .filter(|j| j.deviation.kind.decidable())
        .count();
    // The decisions needed, before (one per deviation) and after (one per item).
    eprintln!(
        "decisions needed for {SERVICE} 2.1.0-rc2: {decidable} deviations, {} queue items",
        items.len()
    );
    assert!(
        items.len() < decidable,
        "{} items for {decidable} deviations",
        items.len()
    );
    let heading = items
        .iter()
        .find(|i| {
            i.step == "steg/storningen" && i.changes.iter().any(|c| c.municipality == "grums")
        })
        .expect("the new heading");
    let ms: Vec<&str> = heading
        .changes
        .iter()
        .map(|c| c.municipality.as_str())
        .collect();
    assert_eq!(ms, ["grums", "hagfors"], "one item for both");
    let evidence = heading.deviations();
    assert!(
        evidence.iter().any(|d| d.kind == Kind::Text)
            && evidence.iter().any(|d| d.kind.is_pixels()),
        "text and pixels in one change: {evidence:#?}"
    );
    let queue = app.get(&format!("{base}/ko")).await;
    assert_eq!(queue.status, 200);
    queue.assert_contains(&format!("data-queue-count=\"0/{}\"", items.len()));
    queue.assert_contains("Grums, Hagfors");
    // The item pages walk the list's order: its first line is "1 av N",
    // its last line the last.
    let keys: Vec<&str> = queue
        .body
        .split("<li data-item=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap())
        .collect();
    assert_eq!(keys.len(), items.len());
    for (n, key) in [(1, keys[0]), (keys.len(), keys[keys.len() - 1])] {
        let page = app.get(&format!("{base}/ko/{key}")).await;
        page.assert_contains(&format!("<span>{n} av {}</span>", keys.len()));
    }
    let url = format!("{base}/ko/{}", heading.key);
    let page = app.get(&url).await;
    page.assert_contains("Ett beslut för alla 2 kommuner");
    page.assert_contains("<del>störningen</del>");
    // Flagging without a comment is refused on the same page.
    let refused = app
        .post_form(&url, &[("_csrf", &page.csrf()), ("decision", "flagged")])
        .await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("href=\"#q-comment\"");
    refused.assert_contains("id=\"q-flag\" name=\"decision\" value=\"flagged\" checked");
    let done = app
        .post_form(
            &url,
            &[
                ("_csrf", &page.csrf()),
                ("decision", "approved"),
                ("comment", "Avsiktlig rubrik"),
            ],
        )
        .await;
    assert_eq!(done.status, 200);
    assert!(
        done.url.contains("/jamforelse/ko/") && !done.url.ends_with(&heading.key),
        "on to the next: {}",
        done.url
    );
    let after = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    for j in after
        .iter()
        .filter(|j| evidence.iter().any(|d| d.id == j.deviation.id))
    {
        assert_eq!(j.status, Status::Approved, "{:?}", j.deviation);
    }
    // Kil: nothing is approved before the confirmation, which lists them.
    let kil_pending = |judged: &[provrum::compare::Judged]| {
        judged
            .iter()
            .filter(|j| j.deviation.municipality == "kil" && j.status == Status::Pending)
            .count()
    };
    let before = kil_pending(&after);
    assert!(before >= 7, "{before}");
    let confirm = app
        .post_form(
            &format!("{base}/ko/godkann-alla"),
            &[("_csrf", &page.csrf()), ("kommun", "kil")],
        )
        .await;
    assert_eq!(confirm.status, 200);
    confirm.assert_contains("data-confirm-list");
    let unchanged = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    assert_eq!(kil_pending(&unchanged), before, "nothing approved yet");
    let kil_changes: Vec<_> = provrum::compare::changes::items(&unchanged)
        .iter()
        .flat_map(|i| i.changes.clone())
        .filter(|c| c.municipality == "kil" && c.status() == Status::Pending)
        .collect();
    let list = &confirm.body[confirm.body.find("data-confirm-list").unwrap()..];
    let list = &list[..list.find("</ul>").unwrap()];
    assert_eq!(
        list.matches("<li>").count(),
        kil_changes.len(),
        "one line per page: {list}"
    );
    let kil_evidence: usize = kil_changes.iter().map(|c| c.evidence.len()).sum();
    app.post_form(
        &format!("{base}/ko/godkann-alla"),
        &[
            ("_csrf", &page.csrf()),
            ("kommun", "kil"),
            ("bekraftat", "ja"),
        ],
    )
    .await;
    let approved = provrum::compare::judged(&app.store, SERVICE, report.version.id)
        .await
        .unwrap();
    assert_eq!(kil_pending(&approved), 0);
    evidence.len() + kil_evidence
}
