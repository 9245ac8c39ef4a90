//! Legal checklists: the format and its fixture, automatic checks on
//! definitions and on a real axe-core run, legal advisers' assessments
//! (only theirs), the conflicts view, carry-over and `provrum checklist`.

mod common;

use std::path::Path;

use common::{Backend, TestApp};
use provrum::accounts::Role;
use provrum::checklists::auto::Outcome;
use provrum::checklists::{Verdict, evaluate, load_dir};
use provrum::municipalities::Registry;

fn fixture_lists() -> Vec<provrum::checklists::Checklist> {
    load_dir(&common::fixtures().join("checklists")).expect("the checklist fixtures are valid")
}

#[test]
fn the_fixture_covers_the_legal_topics_and_keeps_the_verify_marks() {
    let lists = fixture_lists();
    let ids: Vec<&str> = lists
        .iter()
        .flat_map(|c| c.items.iter().map(|i| i.id.as_str()))
        .collect();
    for id in [
        "gdpr-information",
        "dataminimering",
        "serviceskyldighet",
        "kontakt",
        "kvittens",
        "wcag-21-aa",
        "tillganglighetsredogorelse",
        "underskrift",
        "tillitsniva",
        "testidentiteter",
        "registrering",
        "skyddad-identitet",
        "gallring-arkiv",
        "regionens-termer",
    ] {
        assert!(ids.contains(&id), "missing {id}");
    }
    let unverified = lists
        .iter()
        .flat_map(|c| &c.items)
        .flat_map(|i| &i.references)
        .filter(|r| !r.verified)
        .count();
    assert!(unverified >= 5, "the sources' [verify] marks are kept");
}

#[test]
fn a_broken_checklist_says_where_and_what_to_do() {
    let text = "checklist: x\ntitle: X\nitems:\n  - id: a\n    title: A\n    kind: automatic\n    check: privacy_notice_befor_personal_data\n  - id: a\n    title: B\n    kind: sometimes\n    severity: fatal\n";
    let diags = provrum::checklists::parse(Path::new("x.yaml"), text).unwrap_err();
    let all: Vec<String> = diags.iter().map(|d| d.to_string()).collect();
    let text = all.join("\n");
    assert!(
        text.contains("x.yaml:7:12: unknown automatic check `privacy_notice_befor_personal_data`"),
        "{text}"
    );
    assert!(
        text.contains("did you mean `privacy_notice_before_personal_data`"),
        "{text}"
    );
    assert!(text.contains("unknown kind `sometimes`"), "{text}");
    assert!(text.contains("unknown severity `fatal`"), "{text}");
    assert!(text.contains("duplicate item id `a`"), "{text}");
}

const SMALL: &str = "id: prov\nversion: 1.0.0\ntitle: Prov\nauthentication: { required: true }\nreceipt: { text: Tack }\ncontact: { name: Kontaktcenter, phone: 0570-100 00 }\npersonal_data: { controller: X, purpose: Y, legal_basis: Z, retention: W }\nsteps:\n  - id: om-dig\n    title: Om dig\n    fields:\n      - id: info\n        type: gdpr_notice\n      - id: epost\n        type: email\n        label: E-post\n        help: Vi svarar hit.\n";

async fn import_small(app: &TestApp, version: &str, eda: &str) -> i64 {
    let files = vec![
        ("service.yaml".to_string(), SMALL.replace("1.0.0", version)),
        ("variants/eda.yaml".to_string(), eda.to_string()),
        ("variants/kil.yaml".to_string(), String::new()),
        ("variants/arvika.yaml".to_string(), String::new()),
    ];
    let pkg = provrum::services::from_files(Path::new("prov"), files, Registry::builtin())
        .expect("valid");
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .expect("import");
    provrum::services::store::find_version(&app.store, "prov", Some(version))
        .await
        .unwrap()
        .unwrap()
        .id
}

on_both_backends! {
    /// A variant that drops the privacy notice fails that item, and only that variant.
    async fn a_variant_without_the_privacy_notice_fails_that_item(app) {
        let v = import_small(&app, "1.0.0", "fields:\n  info:\n    hidden: true\n").await;
        let eval = evaluate(&app.store, v, &fixture_lists()).await.unwrap();
        let item = eval.items.iter().find(|i| i.item.id == "gdpr-information").unwrap();
        let eda = item.results.iter().find(|r| r.municipality == "eda").unwrap();
        assert!(matches!(&eda.outcome, Outcome::Failed(why) if why.contains("”E-post” i steget ”Om dig”")), "{:?}", eda.outcome);
        for m in ["kil", "arvika"] {
            assert_eq!(item.results.iter().find(|r| r.municipality == m).unwrap().outcome, Outcome::Passed);
        }
        assert_eq!(item.summary, "underkänd i 1 av 3: Eda");
        assert!(matches!(item.verdict, Verdict::Failed(_)));
        assert!(item.blocks());
        // Contact details are there; receipts need a capture, so they are unknown, not passed.
        let contact = eval.items.iter().find(|i| i.item.id == "kontakt").unwrap();
        assert_eq!(contact.verdict, Verdict::Ok);
        let receipt = eval.items.iter().find(|i| i.item.id == "kvittens").unwrap();
        assert!(matches!(&receipt.verdict, Verdict::Unassessed(r) if r.contains("okänd i 3 av 3")), "{:?}", receipt.verdict);
    }

    /// A word the region avoids, planted in one variant's step title, fails
    /// the term item on exactly that variant, with the preferred term.
    async fn a_planted_avoided_word_fails_the_term_item_on_that_variant_only(app) {
        let v = import_small(&app, "1.0.0", "steps:\n  om-dig:\n    title: Om störningen\n").await;
        let eval = evaluate(&app.store, v, &fixture_lists()).await.unwrap();
        let item = eval.items.iter().find(|i| i.item.id == "regionens-termer").unwrap();
        let of = |m: &str| item.results.iter().find(|r| r.municipality == m).unwrap().outcome.clone();
        match of("eda") {
            Outcome::Failed(why) => assert_eq!(why, "”störningen” i steget ”Om störningen” (regionen skriver ”olägenhet”)"),
            other => panic!("Eda uses the word: {other:?}"),
        }
        assert_eq!(of("kil"), Outcome::Passed);
        assert_eq!(of("arvika"), Outcome::Passed);
        assert_eq!(item.summary, "underkänd i 1 av 3: Eda");
        assert!(!item.blocks(), "advisory: it informs, it does not block a release");
        // The version page says which variants use which word.
        app.login_as("granskare", Role::Reviewer, &["eda"]).await;
        let page = app.get("/tjanster/prov/1.0.0").await;
        page.assert_contains("data-term=\"olägenhet\"");
        page.assert_contains("”störningen”");
        page.assert_contains("1 av 3: Eda");
    }

    /// A municipality's own e-service elsewhere is named as not checked, never
    /// counted as passed; when no variant could be checked a person must judge.
    async fn variants_outside_the_test_room_are_named_not_passed(app) {
        let v = import_small(&app, "1.0.0", "external_url: https://e-tjanster.eda.example/prov\n").await;
        let eval = evaluate(&app.store, v, &fixture_lists()).await.unwrap();
        let contact = eval.items.iter().find(|i| i.item.id == "kontakt").unwrap();
        assert_eq!(contact.summary, "godkänd i alla 2; ej kontrollerad i Eda (egen e-tjänst utanför provrummet)");
        assert_eq!(contact.verdict, Verdict::Ok);
        // The WCAG item has no run at all: unknown for the hosted two, Eda named apart.
        let wcag = eval.items.iter().find(|i| i.item.id == "wcag-21-aa").unwrap();
        assert!(wcag.summary.contains("okänd i 2 av 2: Kil, Arvika") || wcag.summary.contains("okänd i 2 av 2: Arvika, Kil"), "{}", wcag.summary);
        assert!(wcag.summary.ends_with("ej kontrollerad i Eda (egen e-tjänst utanför provrummet)"), "{}", wcag.summary);

        // A service offered only by municipalities hosting their own: nothing checked.
        let files = vec![
            ("service.yaml".to_string(), SMALL.replace("id: prov", "id: egna")),
            ("variants/eda.yaml".to_string(), "external_url: https://e-tjanster.eda.example/prov\n".to_string()),
            ("variants/kil.yaml".to_string(), "external_url: https://e-tjanster.kil.example/prov\n".to_string()),
        ];
        let pkg = provrum::services::from_files(Path::new("egna"), files, Registry::builtin()).expect("valid");
        provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test").await.expect("import");
        let v2 = provrum::services::store::find_version(&app.store, "egna", None).await.unwrap().unwrap().id;
        let eval = evaluate(&app.store, v2, &fixture_lists()).await.unwrap();
        let contact = eval.items.iter().find(|i| i.item.id == "kontakt").unwrap();
        assert!(!contact.summary.contains("godkänd i alla 0"), "{}", contact.summary);
        assert_eq!(contact.summary, "ingen variant kunde kontrolleras automatiskt; ej kontrollerad i Eda, Kil (egna e-tjänster utanför provrummet)");
        assert!(matches!(&contact.verdict, Verdict::Unassessed(r) if r.contains("en jurist behöver bedöma")), "{:?}", contact.verdict);
    }

    /// Only legal advisers assess; two municipalities' opposite readings show side by side.
    async fn opposite_readings_appear_in_the_conflicts_view(app) {
        import_small(&app, "1.0.0", "").await;
        let base = "/tjanster/prov/1.0.0/checklistor";
        let item = format!("{base}/grundkrav/dataminimering");
        app.login_as("granskare", Role::Reviewer, &["eda"]).await;
        let page = app.get(&item).await;
        assert!(!page.body.contains("data-action=\"assess\""));
        let refused = app.post_form(&item, &[("_csrf", &app.get("/konto/logga-in").await.csrf()), ("status", "uppfyllt"), ("kommentar", "Ok")]).await;
        assert_eq!(refused.status, 403);
        app.login_as("jurist", Role::LegalAdviser, &[]).await;
        let page = app.get(&item).await;
        page.assert_contains("data-action=\"assess\"");
        let csrf = page.csrf();
        let ok = app.post_form(&item, &[("_csrf", &csrf), ("status", "uppfyllt"), ("kommun", "arvika"), ("kommentar", "Bara e-post efterfrågas; det behövs för svaret.")]).await;
        assert_eq!(ok.status, 200);
        let no = app.post_form(&item, &[("_csrf", &csrf), ("status", "ej_uppfyllt"), ("kommun", "eda"), ("kommentar", "<b>E-post</b> behövs inte: vi svarar med brev."), ("referenser", "GDPR art. 5.1 c")]).await;
        assert_eq!(no.status, 200);
        no.assert_contains("&#60;b&#62;E-post&#60;/b&#62; behövs inte");
        let missing = app.post_form(&item, &[("_csrf", &csrf), ("status", "uppfyllt"), ("kommentar", " ")]).await;
        missing.assert_contains("Skriv en kommentar");
        let conflicts = app.get(&format!("{base}/konflikter")).await;
        conflicts.assert_contains("data-conflict=\"dataminimering\"");
        conflicts.assert_contains("data-reading=\"arvika\"");
        conflicts.assert_contains("data-reading=\"eda\"");
        conflicts.assert_contains("E-kontoret har inte tagit ställning ännu.");
        assert!(!conflicts.body.contains("data-action=\"position\""), "a legal adviser does not take e-kontoret's position");
        // The adviser proposes the regional reading instead, from the same page.
        conflicts.assert_contains("data-action=\"propose\"");
        let proposal = "Regionalt räcker e-post; Eda får lägga till brev lokalt.";
        let sent = app.post_form(&format!("{item}/position"), &[("_csrf", &conflicts.csrf()), ("position", proposal)]).await;
        assert_eq!(sent.status, 200);
        sent.assert_contains("Ditt förslag är sparat.");
        sent.assert_contains("data-proposal");
        sent.assert_contains(proposal);
        sent.assert_contains("E-kontoret har inte tagit ställning ännu.");
        assert!(!sent.body.contains("data-position"), "a proposal is not the position");
        app.get("/").await.assert_contains("förslag skickat till e-kontoret");
        // A reviewer neither proposes nor decides.
        app.login_as("granskare2", Role::Reviewer, &["eda"]).await;
        let page = app.get(&format!("{base}/konflikter")).await;
        assert!(!page.body.contains("data-action=\"propose\"") && !page.body.contains("data-action=\"adopt\""));
        let refused = app.post_form(&format!("{item}/position"), &[("_csrf", &app.get("/konto/logga-in").await.csrf()), ("position", "Vi bestämmer")]).await;
        assert_eq!(refused.status, 403);
        app.login_as("ekontoret", Role::EKontoret, &[]).await;
        // The conflict and its proposal wait on e-kontoret's start page.
        let home = app.get("/").await;
        home.assert_contains("data-conflicts=\"1\"><a href=\"/tjanster/prov/1.0.0/checklistor/konflikter\">1 punkt utan regional hållning</a>");
        home.assert_contains("data-proposals=\"1\">1 förslag från jurist väntar");
        let page = app.get(&item).await;
        page.assert_contains(proposal);
        // E-kontoret adopts it right on the conflicts page, in one click.
        let conflicts = app.get(&format!("{base}/konflikter")).await;
        assert!(conflicts.body.contains("data-action=\"adopt\""), "{}", conflicts.body);
        assert!(conflicts.body.contains("data-action=\"position\""), "or writes its own");
        let set = app.post_form(&format!("{item}/position"), &[("_csrf", &conflicts.csrf()), ("position", proposal)]).await;
        assert_eq!(set.status, 200);
        assert!(set.path().ends_with("/konflikter"));
        set.assert_contains(proposal);
        set.assert_contains("Den regionala hållningen är sparad.");
        assert!(!set.body.contains("data-proposal"), "an adopted proposal no longer waits");
        app.get("/").await.assert_contains("data-conflicts=\"0\"");
        let kinds: Vec<String> = sqlx::query_scalar("select action from audit_log where action like 'checklist.p%' order by id").fetch_all(&app.store.pool).await.unwrap();
        assert_eq!(kinds, ["checklist.proposal", "checklist.position"]);
        // The log says it in words: the item's title and municipality, the
        // reading in Swedish, the version by name, not ids or stored words.
        let log = app.get("/logg").await;
        log.assert_contains("Föreslog en regional hållning i en checklista");
        log.assert_contains("Endast nödvändiga uppgifter efterfrågas (Eda)");
        log.assert_contains("Efter: ej uppfyllt");
        for id in ["ej_uppfyllt", "grundkrav/dataminimering", "version (nummer)", "checklist.proposal"] {
            assert!(!log.body.contains(&format!(">{id}")) && !log.body.contains(&format!(" {id}")), "{id} on the log page");
        }
        // The assessment was the adviser's; e-kontoret may not assess.
        let refused = app.post_form(&item, &[("_csrf", &page.csrf()), ("status", "uppfyllt"), ("kommentar", "Ok")]).await;
        assert_eq!(refused.status, 403);
        let n: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'checklist.assess'").fetch_one(&app.store.pool).await.unwrap();
        assert_eq!(n, 2);
    }

    /// A new version offers earlier assessments only where the judged part did not change.
    async fn carry_over_offers_only_unchanged_items(app) {
        import_small(&app, "1.0.0", "").await;
        app.login_as("jurist", Role::LegalAdviser, &[]).await;
        let item = "/tjanster/prov/1.0.0/checklistor/grundkrav/dataminimering";
        let csrf = app.get(item).await.csrf();
        for (m, s) in [("", "uppfyllt"), ("arvika", "uppfyllt"), ("eda", "ej_uppfyllt")] {
            let r = app.post_form(item, &[("_csrf", &csrf), ("status", s), ("kommun", m), ("kommentar", "Bedömt i 1.0.0")]).await;
            assert_eq!(r.status, 200);
        }
        // 1.1.0: Eda asks one more question; the base and Arvika are unchanged.
        let v2 = import_small(&app, "1.1.0", "add_fields:\n  - step: om-dig\n    field: { id: telefon, type: phone, label: Telefon }\n").await;
        let offers = provrum::checklists::evaluate::offers(&app.store, v2).await.unwrap();
        let offered: Vec<Option<&str>> = offers.iter().map(|o| o.assessment.municipality.as_deref()).collect();
        assert_eq!(offered.len(), 2, "{offered:?}");
        assert!(offered.contains(&None) && offered.contains(&Some("arvika")));
        assert!(!offered.contains(&Some("eda")), "Eda changed: its reading is not carried over");
        let item2 = "/tjanster/prov/1.1.0/checklistor/grundkrav/dataminimering";
        let page = app.get(item2).await;
        page.assert_contains("Överförd från 1.0.0 – bekräfta");
        let done = app.post_form(&format!("{item2}/overfor"), &[("_csrf", &page.csrf()), ("kommun", "arvika")]).await;
        assert_eq!(done.status, 200);
        done.assert_contains("data-offer=\"regional\"");
        assert!(!done.body.contains("data-offer=\"arvika\""), "confirmed offers are no longer offered");
        let all = provrum::checklists::store::all(&app.store, v2).await.unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!((all[0].municipality.as_deref(), all[0].carried_from.as_deref()), (Some("arvika"), Some("1.0.0")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provrum_checklist_exits_by_blocking_items() {
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("lists");
    std::fs::create_dir_all(&lists).unwrap();
    std::fs::write(lists.join("en.yaml"), "checklist: en\ntitle: En punkt\nitems:\n  - id: registrering\n    title: Registreras\n    kind: manual\n    severity: blocking\n").unwrap();
    let bin = env!("CARGO_BIN_EXE_provrum");
    let data = dir.path().join("data");
    let run = |args: &[&str]| {
        let out = std::process::Command::new(bin)
            .args(args)
            .arg("--data-dir")
            .arg(&data)
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
        )
    };
    let fixtures = common::fixtures().join("services/anmalan-varmepump");
    assert_eq!(run(&["import", fixtures.to_str().unwrap()]).0, 0);
    let json = dir.path().join("c.json");
    let (code, out) = run(&[
        "checklist",
        "--service",
        "anmalan-varmepump",
        "--checklists",
        lists.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("UNASSESSED en/registrering blocking"), "{out}");
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        (doc["schema"].as_str(), doc["blocking"].as_i64()),
        (Some("provrum-checklist/1"), Some(1))
    );
    // Assessed as met: nothing blocks.
    let store =
        provrum::store::Store::open(&format!("sqlite://{}", data.join("provrum.db").display()))
            .await
            .unwrap();
    let new = provrum::accounts::store::NewUser {
        username: "jurist",
        name: "Jurist",
        role: Role::LegalAdviser,
        municipalities: &[],
        password: common::PASSWORD,
        email: None,
    };
    provrum::accounts::store::create(&store, &new, "test")
        .await
        .unwrap();
    let (u, _) = provrum::accounts::store::for_login(&store, "jurist")
        .await
        .unwrap()
        .unwrap();
    let v = provrum::services::store::find_version(&store, "anmalan-varmepump", None)
        .await
        .unwrap()
        .unwrap();
    let a = provrum::checklists::store::NewAssessment {
        version_id: v.id,
        checklist: "en",
        item: "registrering",
        municipality: None,
        status: provrum::checklists::store::Assessed::Uppfyllt,
        annotation: "Diarieförs i Public 360",
        refs: "",
        carried_from: None,
        form_key: "",
    };
    provrum::checklists::store::assess(&store, &a, &u)
        .await
        .unwrap();
    store.close().await;
    let (code, out) = run(&[
        "checklist",
        "--service",
        "anmalan-varmepump",
        "--checklists",
        lists.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    // A broken checklist is an error with its place.
    std::fs::write(lists.join("fel.yaml"), "checklist: fel\nitems: []\n").unwrap();
    let (code, out) = run(&[
        "checklist",
        "--service",
        "anmalan-varmepump",
        "--checklists",
        lists.to_str().unwrap(),
    ]);
    assert_eq!(code, 2);
    assert!(
        out.contains("fel.yaml:1:1: missing `title`") || out.contains("fel.yaml"),
        "{out}"
    );
}

/// axe-core's findings from a stored run decide the WCAG item: the variant
/// with planted defects fails with the rules named, the clean one passes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_wcag_item_fails_on_planted_defects_and_passes_the_clean_variant() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let app = common::spawn_app(Backend::Sqlite).await.expect("app");
    let base = "id: tillganglighet\nversion: 1.0.0\ntitle: Tillgänglighetsprov\nauthentication: { required: true }\nreceipt: { text: Tack }\npersonal_data: { controller: X, purpose: Y, legal_basis: Z, retention: W }\nsteps:\n  - id: steg\n    title: Ett steg\n    fields:\n      - id: namn\n        type: text\n        label: Namn\n";
    let files = vec![
        ("service.yaml".to_string(), base.to_string()),
        (
            "variants/eda.yaml".to_string(),
            "branding: { colour: \"#1f4e79\" }\nfields:\n  namn:\n    required: true\n".to_string(),
        ),
        ("variants/kil.yaml".to_string(), String::new()),
    ];
    let mut pkg =
        provrum::services::from_files(Path::new("tillganglighet"), files, Registry::builtin())
            .expect("valid");
    // `validate` refuses an empty label: the defect is planted past it.
    let eda = pkg
        .variants
        .iter_mut()
        .find(|v| v.municipality == "eda")
        .expect("eda");
    eda.steps[0].fields[0].label = " ".into();
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .unwrap();
    common::plant_brand_colour(&app.store, "tillganglighet", "eda", "#ffff66").await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a11y.yaml");
    std::fs::write(&file, "title: Tillgänglighet\nservice: tillganglighet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - checkpoint: steget\n").unwrap();
    let plan = provrum::scenarios::execute::plan(&app.store, "tillganglighet", None, &[file], &[])
        .await
        .expect("plan");
    let mut cfg = provrum::scenarios::runner::RunnerConfig::new(
        &app.url,
        provrum::browser::BrowserOptions {
            chromium,
            pass: app.pass(),
            ..Default::default()
        },
    );
    cfg.concurrency = 1;
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    provrum::scenarios::execute::execute(
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
    let v = provrum::services::store::find_version(&app.store, "tillganglighet", None)
        .await
        .unwrap()
        .unwrap();
    let eval = evaluate(&app.store, v.id, &fixture_lists()).await.unwrap();
    let item = eval
        .items
        .iter()
        .find(|i| i.item.id == "wcag-21-aa")
        .unwrap();
    let of = |m: &str| {
        item.results
            .iter()
            .find(|r| r.municipality == m)
            .unwrap()
            .outcome
            .clone()
    };
    match of("eda") {
        Outcome::Failed(why) => {
            assert!(
                why.contains("label (sign_in)") || why.contains("label ("),
                "{why}"
            );
            assert!(why.contains("color-contrast"), "{why}");
        }
        other => panic!("Eda should fail: {other:?}"),
    }
    assert_eq!(of("kil"), Outcome::Passed);
    assert_eq!(item.summary, "underkänd i 1 av 2: Eda");
}
