//! `release-check --run`'s preparation (`release::prepare`) in real
//! Chromium: the scenario cells and the capture walks share one browser per
//! core (`browser::Turns`), the walks taking each browser the cells let go.
//! Both stages finish with everything made, and a second preparation of the
//! same version reuses all of it.

mod common;

use std::path::Path;

use common::Backend;
use provrum::municipalities::Registry;
use provrum::release::prepare::{Bench, Stage, prepare};

const SERVICE: &str = "anmalan-om-olagenhet";
/// Far above what the preparation takes (about half a minute in a debug build).
const LONGEST: std::time::Duration = std::time::Duration::from_secs(300);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cells_and_walks_share_the_browsers_and_are_reused_the_second_time() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let app = common::spawn_app(Backend::Sqlite).await.unwrap();
    let work = tempfile::tempdir().unwrap();
    // The fixture service with two of its variants: two cells, and each
    // variant and its base rendering walked in two viewports.
    let src = common::fixtures().join("services").join(SERVICE);
    let svc = work.path().join("service");
    std::fs::create_dir_all(svc.join("variants")).unwrap();
    std::fs::copy(src.join("service.yaml"), svc.join("service.yaml")).unwrap();
    for m in ["eda", "kil"] {
        let file = format!("variants/{m}.yaml");
        std::fs::copy(src.join(&file), svc.join(&file)).unwrap();
    }
    let pkg = provrum::services::load(&svc, Registry::builtin()).unwrap();
    provrum::intake::import(&app.store, &pkg, Registry::builtin(), "test")
        .await
        .unwrap();
    let scenarios = work.path().join("scenarios");
    std::fs::create_dir_all(scenarios.join(SERVICE)).unwrap();
    std::fs::write(
        scenarios.join(SERVICE).join("kort.yaml"),
        "scenario: kort\ntitle: Kort\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - start\n  - sign_in\n  - expect_text: Om dig\n",
    )
    .unwrap();
    let v = provrum::services::store::find_version(&app.store, SERVICE, None)
        .await
        .unwrap()
        .unwrap();
    let artifacts = provrum::artifacts::Artifacts::new(app.data_dir.path());
    let browser = provrum::browser::BrowserOptions {
        chromium,
        pass: app.pass(),
        ..Default::default()
    };
    let bench = Bench {
        db: &app.store,
        artifacts: &artifacts,
        scenarios_dir: Path::new(&scenarios),
        origin: &app.url,
        browser: &browser,
        fresh: false,
    };
    let stages = std::sync::Mutex::new(Vec::new());
    // A stage waiting for a turn nobody gives back would hang: fail instead.
    let first = tokio::time::timeout(
        LONGEST,
        prepare(&bench, &v, |s| stages.lock().unwrap().push(s)),
    )
    .await
    .expect("the walks got their browsers")
    .unwrap();
    let cells = first.cells.expect("the service has a scenario");
    assert_eq!((cells.made, cells.reused), (2, 0), "{first:?}");
    // Eda and Kil each differ from the base: both and their base renderings,
    // at 1280 and 390 px.
    assert_eq!((first.walks.made, first.walks.reused), (8, 0), "{first:?}");
    let told = stages.lock().unwrap().clone();
    assert!(
        matches!(told[..], [Stage::Cells(2), Stage::Walks]),
        "told in the order they are read: {told:?}"
    );
    let runs = provrum::scenarios::store::list(&app.store, 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, provrum::scenarios::RunStatus::Passed);
    assert_eq!(runs[0].counts.passed, 2);
    // Every walk stored as made (none failed, none left for later).
    let made = provrum::compare::store::capture_provenance(&app.store, v.id)
        .await
        .unwrap();
    assert_eq!((made.total, made.made, made.reused), (8, 8, 0));

    let again = tokio::time::timeout(LONGEST, prepare(&bench, &v, |_| {}))
        .await
        .expect("done in time")
        .unwrap();
    let cells = again.cells.unwrap();
    assert_eq!((cells.made, cells.reused), (0, 2), "{again:?}");
    assert_eq!((again.walks.made, again.walks.reused), (0, 8), "{again:?}");
}
