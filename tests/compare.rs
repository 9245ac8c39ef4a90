//! Variant comparison in real headless Chromium against a real server: the
//! trust bar of the comparison — no noise, no missed change.

// The serialising guard is held across awaits on purpose (see runner.rs).
#![allow(clippy::await_holding_lock)]

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use common::{Backend, TestApp};
use provrum::browser::{Browser, BrowserOptions};
use provrum::compare::capture::{self, CaptureConfig, Job, Viewport};
use provrum::compare::execute::{Against, Env, Request};
use provrum::compare::{Status, diff, store};
use provrum::municipalities::Registry;

static SERIAL: Mutex<()> = Mutex::new(());

const SERVICE: &str = "anmalan-om-olagenhet";

fn files_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/files")
}

fn env(app: &TestApp, chromium: PathBuf) -> Env {
    Env {
        origin: app.url.clone(),
        browser: BrowserOptions {
            chromium,
            pass: app.pass(),
            ..BrowserOptions::default()
        },
        concurrency: 2,
        files_dir: files_dir(),
        cancel: Default::default(),
    }
}

fn no_progress() -> Arc<dyn Fn(usize, usize) + Send + Sync> {
    Arc::new(|_, _| {})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capturing_the_same_version_twice_finds_no_deviation_on_any_variant() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let app = common::spawn_demo(Backend::Sqlite).await.expect("sqlite");
    let v = provrum::services::store::find_version(&app.store, SERVICE, None)
        .await
        .unwrap()
        .unwrap();
    let variants = provrum::services::store::variants(&app.store, v.id)
        .await
        .unwrap();
    assert_eq!(variants.len(), 16);
    let jobs: Vec<Job> = variants
        .iter()
        .filter(|x| x.external_url.is_none())
        .map(|x| Job {
            target: x.municipality.clone(),
            variant: Arc::new(x.clone()),
            path: format!("/tjanster/{SERVICE}/{}/{}", v.version, x.municipality),
            viewport: Viewport::desktop(),
        })
        .collect();
    assert_eq!(jobs.len(), 15, "Storfors hosts its own e-service");
    let cfg = CaptureConfig {
        origin: app.url.clone(),
        browser: BrowserOptions {
            chromium,
            pass: app.pass(),
            ..BrowserOptions::default()
        },
        concurrency: 2,
        files_dir: files_dir(),
        single_shot: true,
    };
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let (first, second) = tokio::task::spawn_blocking(move || {
        let a = capture::capture(jobs.clone(), &cfg, &artifacts, &|_| {}).expect("capture");
        let b = capture::capture(jobs, &cfg, &artifacts, &|_| {}).expect("capture");
        (a, b, artifacts)
    })
    .await
    .map(|(a, b, arts)| {
        let mut found = Vec::new();
        for c in &a {
            assert!(c.error.is_none(), "{}: {:?}", c.job.target, c.error);
            let other = b.iter().find(|x| x.job.target == c.job.target).unwrap();
            assert!(other.error.is_none(), "{}: {:?}", c.job.target, other.error);
            // Start, sign-in, four steps, summary, receipt.
            assert!(
                c.pages.len() >= 7,
                "{}: {:?}",
                c.job.target,
                c.pages.iter().map(|p| &p.step).collect::<Vec<_>>()
            );
            assert!(
                c.pages.iter().all(|p| p.stable),
                "{}: a screenshot never settled",
                c.job.target
            );
            assert_eq!(c.pages.last().map(|p| p.step.as_str()), Some("kvittens"));
            let side =
                |pages: &Vec<capture::PageShot>| vec![("desktop".to_string(), pages.clone())];
            found.extend(
                diff::compare_captures(
                    &c.job.target,
                    &side(&c.pages),
                    &side(&other.pages),
                    &arts,
                    &diff::Options::default(),
                )
                .expect("diff"),
            );
        }
        (a.len(), found)
    })
    .expect("capture thread");
    assert_eq!(first, 15);
    assert!(
        second.is_empty(),
        "deviations between two captures of the same version: {second:#?}"
    );
}

/// Copy the fixture package as `version` with each planted edit applied.
fn planted_copy(dir: &Path, version: &str, edits: &[(&str, &str)]) -> PathBuf {
    let src = common::fixtures().join("services").join(SERVICE);
    let dst = dir.join(format!("{SERVICE}-{version}"));
    std::fs::create_dir_all(dst.join("variants")).unwrap();
    let service = std::fs::read_to_string(src.join("service.yaml"))
        .unwrap()
        .replace("version: 2.1.0-rc1", &format!("version: {version}"));
    std::fs::write(dst.join("service.yaml"), service).unwrap();
    for e in std::fs::read_dir(src.join("variants")).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        let mut text = std::fs::read_to_string(&p).unwrap();
        for (file, edit) in edits {
            if name == format!("{file}.yaml") {
                text = edit.replace("{old}", &text);
            }
        }
        std::fs::write(dst.join("variants").join(name), text).unwrap();
    }
    dst
}

async fn import(app: &TestApp, dir: &Path) -> i64 {
    let pkg = provrum::services::load(dir, Registry::builtin()).expect("planted package is valid");
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .expect("import");
    provrum::services::store::find_version(&app.store, SERVICE, Some(&pkg.base.version))
        .await
        .unwrap()
        .unwrap()
        .id
}

async fn planted_changes_are_found_exactly_where_planted(backend: Backend) {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let Some(app) = common::spawn_app(backend).await else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let rc1 = import(&app, &planted_copy(work.path(), "2.1.0-rc1", &[])).await;
    provrum::services::releases::mark_released(&app.store, SERVICE, rc1, "e-kontoret")
        .await
        .unwrap();
    let same_title = "steps:\n  storningen:\n    title: Beskriv olägenheten\n{old}";
    let rc2_dir = planted_copy(
        work.path(),
        "2.1.0-rc2",
        &[
            // One word: Arvika's "Beskriv störningen" becomes "Beskriv olägenheten".
            ("arvika", "{old}"),
            ("grums", same_title),
            ("hagfors", same_title),
            (
                "sunne",
                "fields:\n  beskrivning:\n    required: false\n{old}",
            ),
            ("kil", "branding:\n  colour: \"#1f5f3a\"\n{old}"),
        ],
    );
    let arvika = rc2_dir.join("variants/arvika.yaml");
    let text = std::fs::read_to_string(&arvika).unwrap();
    std::fs::write(
        &arvika,
        text.replace("title: Beskriv störningen", "title: Beskriv olägenheten"),
    )
    .unwrap();
    let torsby = rc2_dir.join("variants/torsby.yaml");
    let text = std::fs::read_to_string(&torsby).unwrap();
    std::fs::write(
        &torsby,
        text.replace("after: adress", "after: fastighetsbeteckning"),
    )
    .unwrap();
    import(&app, &rc2_dir).await;

    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let env = env(&app, chromium);
    let req = Request {
        service: SERVICE.into(),
        version: None,
        against: Against::Released,
        viewports: vec![Viewport::desktop()],
        fresh: false,
    };
    let report = provrum::compare::execute(&app.store, &artifacts, &env, &req, no_progress())
        .await
        .expect("compare");
    assert_eq!(report.version.version, "2.1.0-rc2");
    // The fast loop (issue 29): a variant that renders the same in both
    // versions is captured once; only the six changed ones twice.
    assert_eq!(
        (report.captured, report.reused),
        (15 + 6, 9),
        "captured and reused"
    );
    // The reused row is the made one's, byte for byte, marked with its origin.
    let rows: Vec<(i64, String, Option<i64>)> = sqlx::query_as(
        "select version_id, pages, reused_from from captures where target = 'eda' order by id",
    )
    .fetch_all(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(rows.len(), 2, "one made, one reused");
    assert_eq!(rows[0].1, rows[1].1);
    assert!(rows[0].2.is_none() && rows[1].2.is_some());
    assert_ne!(rows[0].0, rows[1].0);
    let kil: i64 = sqlx::query_scalar(
        "select count(*) from captures where target = 'kil' and reused_from is null",
    )
    .fetch_one(&app.store.pool)
    .await
    .unwrap();
    assert_eq!(
        kil, 2,
        "Kil's brand colour changed: captured in both versions"
    );
    assert_eq!(report.references.len(), 1);
    assert_eq!(report.references[0].reference, "2.1.0-rc1");
    assert_eq!(report.references[0].compared.len(), 15);
    let changed: BTreeSet<&str> = report
        .deviations
        .iter()
        .map(|d| d.deviation.municipality.as_str())
        .collect();
    let expected: BTreeSet<&str> = ["arvika", "grums", "hagfors", "kil", "sunne", "torsby"].into();
    assert_eq!(
        changed,
        expected,
        "{:#?}",
        report
            .deviations
            .iter()
            .map(|d| (
                &d.deviation.municipality,
                &d.deviation.step,
                &d.deviation.kind,
                &d.deviation.summary
            ))
            .collect::<Vec<_>>()
    );
    let of = |m: &str, kind: &str| -> Vec<&provrum::compare::Judged> {
        report
            .deviations
            .iter()
            .filter(|d| d.deviation.municipality == m && d.deviation.kind == kind)
            .collect()
    };
    // The one-word change: a text deviation naming exactly the two words.
    let arvika_text = of("arvika", "text");
    assert!(
        arvika_text
            .iter()
            .any(|d| d.deviation.step == "steg/storningen"
                && d.deviation.detail["changes"]
                    == serde_json::json!(["-störningen", "+olägenheten"])),
        "{arvika_text:#?}"
    );
    assert!(of("arvika", "structure").is_empty());
    // The required flag.
    let sunne = of("sunne", "structure");
    assert!(
        sunne
            .iter()
            .any(|d| d.deviation.summary.contains(
                "beskrivning: obligatoriskt ändrat från ”obligatoriskt” till ”frivilligt”"
            )),
        "{sunne:#?}"
    );
    // The moved field.
    let torsby = of("torsby", "structure");
    assert!(
        torsby
            .iter()
            .any(|d| d.deviation.summary.contains("flyttat")),
        "{torsby:#?}"
    );
    assert!(
        of("torsby", "text")
            .iter()
            .all(|d| d.deviation.step != "steg/storningen")
    );
    // The brand colour: pixels on every page, and nothing in text or structure.
    let kil = of("kil", "pixels:desktop");
    assert!(kil.len() >= 7, "{kil:#?}");
    assert!(of("kil", "text").is_empty() && of("kil", "structure").is_empty());
    // Named as the colour it is, and one change for every page (issue 28).
    for d in &kil {
        let c = &d.deviation.detail["colour"];
        assert_eq!(
            (c["from"].as_str(), c["to"].as_str()),
            (Some("#7b3f00"), Some("#1f5f3a")),
            "{} on {}",
            d.deviation.summary,
            d.deviation.step
        );
        assert!(
            d.deviation
                .summary
                .starts_with("Färgen #7b3f00 har bytts mot #1f5f3a")
        );
    }
    let kil_items: Vec<_> = provrum::compare::changes::items(&report.deviations)
        .into_iter()
        .filter(|i| i.changes.iter().any(|c| c.municipality == "kil"))
        .collect();
    assert_eq!(kil_items.len(), 1, "one change for Kil's colour");
    assert_eq!(kil_items[0].deviations().len(), kil.len());
    assert!(
        report
            .deviations
            .iter()
            .all(|d| d.status == Status::Pending)
    );
    assert_eq!(provrum::compare::exit_code(&report.deviations), 1);

    web_pages_show_and_decide(&app, &report).await;
    let queued = review_queue_decides_once_for_identical_changes(&app, &report).await;
    ignored_regions_leave_the_comparison_and_come_back(&app, &report).await;

    // Approving Grums' text deviation for every identical one settles Hagfors' too.
    let stored = store::deviations(&app.store, report.version.id)
        .await
        .unwrap();
    let grums = stored
        .iter()
        .find(|d| d.municipality == "grums" && d.kind == "text" && d.step == "steg/storningen")
        .expect("grums text deviation")
        .clone();
    let identical: Vec<_> = stored
        .iter()
        .filter(|d| {
            d.kind == grums.kind && d.step == grums.step && d.fingerprint == grums.fingerprint
        })
        .cloned()
        .collect();
    assert_eq!(
        identical
            .iter()
            .map(|d| d.municipality.as_str())
            .collect::<Vec<_>>(),
        ["grums", "hagfors"]
    );
    store::decide(
        &app.store,
        SERVICE,
        "2.1.0-rc2",
        &identical,
        store::DecisionKind::Approved,
        "Avsiktlig rubrik",
        "e-kontoret",
    )
    .await
    .unwrap();
    // Approve everything else, then compare again: captures are reused and
    // every decision holds because no deviation changed.
    store::decide(
        &app.store,
        SERVICE,
        "2.1.0-rc2",
        &stored,
        store::DecisionKind::Approved,
        "Granskat",
        "e-kontoret",
    )
    .await
    .unwrap();
    let again = provrum::compare::execute(&app.store, &artifacts, &env, &req, no_progress())
        .await
        .expect("compare again");
    assert_eq!(again.captured, 0, "every capture is reused");
    assert_eq!(again.deviations.len(), report.deviations.len());
    assert!(
        again
            .deviations
            .iter()
            .all(|d| d.status == Status::Approved)
    );
    assert_eq!(provrum::compare::exit_code(&again.deviations), 0);
    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action like 'deviation.%'")
            .fetch_one(&app.store.pool)
            .await
            .unwrap();
    // The web decision made above, the queue's, plus the two here.
    assert_eq!(audit as usize, 1 + queued + identical.len() + stored.len());
    // Who deviates, and why: the motivation given when approving shows.
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let why = app
        .get(&format!("/tjanster/{SERVICE}/2.1.0-rc2/avvikare"))
        .await;
    // The motivation shows on the adaptation whose step it was given for.
    let renamed = &why.body[why
        .body
        .find("heter ”Beskriv olägenheten”")
        .expect("the renamed step's adaptation")..];
    let renamed = &renamed[..renamed.find("</section>").unwrap()];
    assert!(
        renamed.contains("<strong>Grums</strong>: ”"),
        "Grums' motivation on its renamed step: {renamed}"
    );
}

/// E-kontoret ignores a pixel change's regions from its cell page (a reason
/// is required, the form keeps the page); the change leaves the comparison,
/// is listed on the version page, and comes back when the region is removed.
async fn ignored_regions_leave_the_comparison_and_come_back(
    app: &TestApp,
    report: &provrum::compare::execute::Report,
) {
    app.login_as("ekontoret", provrum::accounts::Role::EKontoret, &[])
        .await;
    let v = format!("/tjanster/{SERVICE}/2.1.0-rc2");
    let pixel = report
        .deviations
        .iter()
        .find(|d| d.deviation.municipality == "kil" && d.deviation.kind == "pixels:desktop")
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
async fn web_pages_show_and_decide(app: &TestApp, report: &provrum::compare::execute::Report) {
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
                && d.deviation.kind == "text"
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
async fn review_queue_decides_once_for_identical_changes(
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
        .filter(|j| !matches!(j.deviation.kind.as_str(), "declared" | "capture"))
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
        evidence.iter().any(|d| d.kind == "text")
            && evidence.iter().any(|d| d.kind.starts_with("pixels:")),
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

mod planted_changes {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        planted_changes_are_found_exactly_where_planted(Backend::Sqlite).await
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        planted_changes_are_found_exactly_where_planted(Backend::Postgres).await
    }
}
