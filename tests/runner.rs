//! The scenario runner in real headless Chromium against a real server.

mod common;

use std::path::PathBuf;

use provrum::scenarios::runner::Status;

fn scenario(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(rel)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_happy_path_passes_on_variants_that_differ() {
    let Some(_) = common::chromium() else { return };
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let outcomes = tokio::task::block_in_place(|| {
        common::run_scenarios(
            &app,
            &[scenario("anmalan-om-olagenhet/buller-hela-vagen.yaml")],
            &["arvika", "karlstad", "torsby"],
            |_| {},
        )
    });
    assert_eq!(outcomes.len(), 3);
    for o in &outcomes {
        assert_eq!(
            o.status,
            Status::Passed,
            "{}: {:?}\n{:#?}",
            o.municipality,
            o.reason,
            o.steps
                .iter()
                .map(|s| (&s.label, s.status, &s.reason))
                .collect::<Vec<_>>()
        );
        assert!(o.case_number.is_some());
        assert!(
            o.steps
                .iter()
                .all(|s| s.screenshot.is_some() && s.text.is_some()),
            "every step has a screenshot and text"
        );
    }
}
