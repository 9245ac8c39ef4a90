//! The trust bar's first half: the same version captured twice differs
//! nowhere.

use super::*;

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
