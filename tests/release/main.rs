//! The release gate, table-driven: from a ready version, each of the six
//! conditions alone blocks it with the right message; a waiver lifts a
//! blocker and shows in every report; an opted-out municipality's failures
//! do not block; the HTML report opens offline in headless Chromium.

#[path = "../common/mod.rs"]
mod common;
mod end_to_end;
mod gate;
mod pages;

use std::path::Path;

use common::{Backend, TestApp};
use provrum::accounts::{Role, User};
use provrum::municipalities::Registry;
use provrum::release::{GateResult, Policy, Verdict, check};
use provrum::scenarios::runner::{CellOutcome, Status, StepOutcome};

const SERVICE: &str = "id: prov\nversion: 1.0.0\ntitle: Prov\nauthentication: { required: true }\nreceipt: { text: Tack }\ncontact: { name: Kontaktcenter, phone: 0570-100 00 }\npersonal_data: { controller: X, purpose: Y, legal_basis: Z, retention: W }\nsteps:\n  - id: steg\n    title: Ett steg\n    fields:\n      - id: namn\n        type: text\n        label: Namn\n";
const CHECKLIST: &str = "checklist: en\ntitle: En punkt\nitems:\n  - id: registrering\n    title: Inkomna e-ärenden registreras\n    kind: manual\n    severity: blocking\n";
const MS: [&str; 3] = ["arvika", "eda", "kil"];

struct Setup {
    app: TestApp,
    version: provrum::services::store::VersionSummary,
    lists: Vec<provrum::checklists::Checklist>,
    eva: User,
    jurist: User,
    reviewers: Vec<User>,
    _dir: tempfile::TempDir,
}

async fn user(app: &TestApp, username: &str, role: Role, ms: &[&str]) -> User {
    let list: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
    let new = provrum::accounts::store::NewUser {
        username,
        name: &format!("Namn {username}"),
        role,
        municipalities: &list,
        password: common::PASSWORD,
        email: None,
    };
    provrum::accounts::store::create(&app.store, &new, "test")
        .await
        .unwrap();
    provrum::accounts::store::for_login(&app.store, username)
        .await
        .unwrap()
        .unwrap()
        .0
}

fn cell(m: &str, status: Status, violations: serde_json::Value) -> CellOutcome {
    CellOutcome {
        scenario: "hela-vagen".into(),
        scenario_title: "Hela vägen".into(),
        municipality: m.into(),
        status,
        reason: (status != Status::Passed)
            .then(|| "step 3 (expect_text \"Tack\"): expected the text".into()),
        failed_step: (status != Status::Passed).then_some(2),
        duration_ms: 100,
        case_number: None,
        reused_from_run: None,
        steps: vec![StepOutcome {
            position: 0,
            action: "open".into(),
            label: "open".into(),
            status,
            reason: None,
            duration_ms: 10,
            url: Some(format!(
                "http://127.0.0.1:1/provrum/prov/1.0.0/{m}/steg/steg"
            )),
            screenshot: None,
            text: None,
            log: Default::default(),
            accessibility: Some(serde_json::json!({ "violations": violations, "incomplete": [] })),
            dom: None,
        }],
    }
}

/// Record a stored run with these cells.
async fn run(s: &Setup, cells: &[CellOutcome]) {
    let id = provrum::scenarios::store::create(&s.app.store, s.version.id, "test", 1, cells.len())
        .await
        .unwrap();
    let mut counts = provrum::scenarios::store::Counts::default();
    for c in cells {
        provrum::scenarios::store::record(&s.app.store, id, c)
            .await
            .unwrap();
        counts.add(c.status);
    }
    provrum::scenarios::store::finish(&s.app.store, id, &counts, false)
        .await
        .unwrap();
}

/// A version for which every condition holds.
async fn ready(backend: Backend) -> Option<Setup> {
    let app = common::spawn_app(backend).await?;
    let files = vec![
        ("service.yaml".to_string(), SERVICE.to_string()),
        ("variants/arvika.yaml".to_string(), String::new()),
        ("variants/eda.yaml".to_string(), String::new()),
        ("variants/kil.yaml".to_string(), String::new()),
    ];
    let pkg = provrum::services::from_files(Path::new("prov"), files, Registry::builtin()).unwrap();
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .unwrap();
    let version = provrum::services::store::find_version(&app.store, "prov", None)
        .await
        .unwrap()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("en.yaml"), CHECKLIST).unwrap();
    let lists = provrum::checklists::load_dir(dir.path()).unwrap();
    let eva = user(&app, "ekontoret", Role::EKontoret, &[]).await;
    let jurist = user(&app, "jurist", Role::LegalAdviser, &[]).await;
    let mut reviewers = Vec::new();
    for m in MS {
        reviewers.push(user(&app, &format!("granskare-{m}"), Role::Reviewer, &[m]).await);
    }
    let s = Setup {
        app,
        version,
        lists,
        eva,
        jurist,
        reviewers,
        _dir: dir,
    };
    run(
        &s,
        &MS.map(|m| cell(m, Status::Passed, serde_json::json!([]))),
    )
    .await;
    // Compared: every variant captured, no deviation.
    let mut tx = s.app.store.begin().await.unwrap();
    for m in MS {
        provrum::compare::store::save_capture(&mut tx, s.version.id, m, "desktop", "d", None, &[])
            .await
            .unwrap();
    }
    tx.commit().await.unwrap();
    let a = provrum::checklists::store::NewAssessment {
        version_id: s.version.id,
        checklist: "en",
        item: "registrering",
        municipality: None,
        status: provrum::checklists::store::Assessed::Uppfyllt,
        annotation: "Diarieförs automatiskt",
        refs: "",
        carried_from: None,
        form_key: "",
    };
    provrum::checklists::store::assess(&s.app.store, &a, &s.jurist)
        .await
        .unwrap();
    provrum::reviews::rounds::open(&s.app.store, s.version.id, "2099-12-31", &s.eva)
        .await
        .unwrap();
    let round = provrum::reviews::rounds::latest(&s.app.store, s.version.id)
        .await
        .unwrap()
        .unwrap();
    for (i, m) in MS.iter().enumerate() {
        provrum::reviews::rounds::answer(
            &s.app.store,
            &round,
            m,
            provrum::reviews::rounds::Given {
                answer: provrum::reviews::rounds::Answer::Antar,
                reason: "",
                comments: &[],
            },
            &s.reviewers[i],
        )
        .await
        .unwrap();
    }
    Some(s)
}

async fn gate(s: &Setup) -> GateResult {
    check(&s.app.store, &s.version, &s.lists, &Policy::default())
        .await
        .unwrap()
}
