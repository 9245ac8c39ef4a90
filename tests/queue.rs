//! Worker processes share runs through the queue in PostgreSQL (issue 16):
//! two `provrum worker` processes on one database each run some cells of a
//! run; one killed with SIGKILL in the middle of a cell loses it when its
//! lease runs out, the other runs it again, and the run completes with every
//! cell exactly once; a cancel from the web page stops the cells on both.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use provrum::accounts::Role;
use provrum::scenarios::execute;
use provrum::scenarios::runner::{Capture, Options};
use provrum::store::Store;

/// A `provrum worker` in its own process group (so that killing the group
/// takes its Chromium along, as when a machine goes away).
struct Worker {
    child: Child,
    log: std::path::PathBuf,
}

impl Worker {
    fn start(app: &common::TestApp, name: &str, chromium: &std::path::Path) -> Worker {
        Self::start_with(app, name, chromium, &[])
    }

    /// [`Worker::start`] with more environment.
    fn start_with(
        app: &common::TestApp,
        name: &str,
        chromium: &std::path::Path,
        env: &[(&str, &str)],
    ) -> Worker {
        use std::os::unix::process::CommandExt;
        let log = app.data_dir.path().join(format!("{name}.log"));
        let out = std::fs::File::create(&log).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_provrum"))
            .args(["worker", "--concurrency", "1"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PROVRUM_DATABASE_URL", &app.database_url)
            .env("PROVRUM_DATA_DIR", app.data_dir.path())
            .env("PROVRUM_BROWSER_ORIGIN", &app.url)
            .env("PROVRUM_CHROMIUM", chromium)
            .env("PROVRUM_LEASE_SECONDS", "3")
            .env("RUST_LOG", "provrum=info")
            .envs(env.iter().copied())
            .stdout(out.try_clone().unwrap())
            .stderr(out)
            .stdin(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start provrum worker");
        Worker { child, log }
    }

    /// The worker id's process part, as written on the cells it claims.
    fn tag(&self) -> String {
        format!("%:{}:%", self.child.id())
    }

    fn kill_hard(&mut self) {
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }

    /// SIGKILL to the worker process alone: its browsers are not told.
    fn kill_alone(&mut self) {
        unsafe { libc::kill(self.child.id() as i32, libc::SIGKILL) };
        let _ = self.child.wait();
    }

    /// The processes of this worker's browsers (their profile names its pid).
    fn browsers(&self) -> Vec<u32> {
        processes_with(&format!("provrum-chromium-{}-", self.child.id()))
    }

    fn output(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        unsafe { libc::kill(-(self.child.id() as i32), libc::SIGKILL) };
        let _ = self.child.wait();
    }
}

/// Live processes whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(needle))
                && provrum::browser::process_alive(*pid)
        })
        .collect()
}

/// The profile folders of `pid`'s browsers.
fn profiles_of(pid: u32) -> Vec<std::path::PathBuf> {
    std::fs::read_dir(std::env::temp_dir())
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with(&format!("provrum-chromium-{pid}-")))
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn queue_run(app: &common::TestApp, municipalities: &[&str]) -> (i64, usize) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios");
    let files = execute::scenario_files(&[], &dir);
    let only: Vec<String> = municipalities.iter().map(|m| m.to_string()).collect();
    let plan = execute::plan(&app.store, "anmalan-om-olagenhet", None, &files, &only)
        .await
        .expect("plan");
    let options = Options {
        capture: Capture::Pages,
        axe: true,
    };
    let run = execute::enqueue(&app.store, &plan, "eva", 2, options)
        .await
        .unwrap();
    (run, plan.cells.len())
}

async fn count(db: &Store, sql: &str, run: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(run)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn held_by(db: &Store, run: i64, w: &Worker, state: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*) from run_tasks where run_id = $1 and worker like $2 and state = $3",
    )
    .bind(run)
    .bind(w.tag())
    .bind(state)
    .fetch_one(&db.pool)
    .await
    .unwrap()
}

async fn status(db: &Store, run: i64) -> String {
    sqlx::query_scalar("select status from runs where id = $1")
        .bind(run)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

async fn wait_for(
    what: &str,
    limit: Duration,
    workers: &[&Worker],
    mut ok: impl AsyncFnMut() -> bool,
) {
    let t = Instant::now();
    while !ok().await {
        if t.elapsed() > limit {
            for w in workers {
                eprintln!("--- worker output ---\n{}", w.output());
            }
            panic!("timed out waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_share_a_run_survive_a_kill_and_stop_on_a_cancel() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    // The web tier runs no cells itself: only the two workers do.
    let settings = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    let Some(app) = common::spawn_demo_with(common::Backend::Postgres, settings).await else {
        return;
    };
    let db = &app.store;
    let (run, planned) = queue_run(&app, &["arvika", "karlstad", "sunne", "torsby"]).await;
    assert!(planned >= 8, "{planned} cells");

    let mut a = Worker::start(&app, "a", &chromium);
    let b = Worker::start(&app, "b", &chromium);

    // A stores a cell and holds the next one: kill it there, Chromium and all.
    wait_for(
        "worker A to be in the middle of its second cell",
        Duration::from_secs(120),
        &[&a, &b],
        async || {
            held_by(db, run, &a, "done").await >= 1 && held_by(db, run, &a, "claimed").await == 1
        },
    )
    .await;
    a.kill_hard();
    assert_eq!(status(db, run).await, "running");

    wait_for(
        "the run to finish without A",
        Duration::from_secs(240),
        &[&b],
        async || status(db, run).await != "running",
    )
    .await;
    let cells = count(db, "select count(*) from run_cells where run_id = $1", run).await;
    assert_eq!(cells, planned as i64, "every cell has a result");
    let repeated = count(
        db,
        "select count(*) from (select scenario, municipality from run_cells where run_id = $1 group by scenario, municipality having count(*) > 1) x",
        run,
    )
    .await;
    assert_eq!(repeated, 0, "no cell has two results");
    assert!(held_by(db, run, &a, "done").await >= 1, "A did some cells");
    assert!(held_by(db, run, &b, "done").await >= 1, "B did some cells");
    let retried = count(
        db,
        "select count(*) from run_tasks where run_id = $1 and attempts = 2 and state = 'done'",
        run,
    )
    .await;
    assert_eq!(retried, 1, "the cell A was killed in ran again, once");
    let interrupted = count(
        db,
        "select count(*) from run_cells where run_id = $1 and reason like '%interrupted%'",
        run,
    )
    .await;
    assert_eq!(interrupted, 0, "no cell is left as interrupted");
    let verdict = status(db, run).await;
    assert!(verdict == "passed" || verdict == "failed", "{verdict}");
    let page = app.get(&format!("/korningar/{run}")).await;
    assert_eq!(page.status, 200);
    // The run's report lists every cell, whichever worker ran it.
    let outcomes = provrum::scenarios::outcomes::of_run(db, run).await.unwrap();
    assert_eq!(outcomes.len(), planned);
    assert!(
        outcomes.iter().all(|o| !o.steps.is_empty()),
        "each cell with its steps"
    );
    let report = provrum::scenarios::report::json(
        run,
        "anmalan-om-olagenhet",
        "1",
        &verdict,
        &Default::default(),
        &outcomes,
    );
    assert_eq!(report["cells"].as_array().map(|c| c.len()), Some(planned));

    // A second run, both workers busy: e-kontoret cancels it on its page.
    let a2 = Worker::start(&app, "a2", &chromium);
    let (run2, _) = queue_run(
        &app,
        &[
            "arvika",
            "karlstad",
            "sunne",
            "torsby",
            "hagfors",
            "filipstad",
        ],
    )
    .await;
    wait_for(
        "both workers to hold a cell of the second run",
        Duration::from_secs(120),
        &[&a2, &b],
        async || {
            held_by(db, run2, &a2, "claimed").await == 1
                && held_by(db, run2, &b, "claimed").await == 1
        },
    )
    .await;
    app.login_as("eva", Role::EKontoret, &[]).await;
    let page = app.get(&format!("/korningar/{run2}")).await;
    let done_before = count(
        db,
        "select count(*) from run_tasks where run_id = $1 and state = 'done'",
        run2,
    )
    .await;
    assert!(page.body.contains("data-action=\"cancel-run\""));
    let stopped = app
        .post_form(
            &format!("/korningar/{run2}/avbryt"),
            &[("_csrf", &page.csrf())],
        )
        .await;
    assert_eq!(stopped.status, 200);
    wait_for(
        "the cancelled run to end",
        Duration::from_secs(30),
        &[&a2, &b],
        async || status(db, run2).await == "interrupted",
    )
    .await;
    let open = count(
        db,
        "select count(*) from run_tasks where run_id = $1 and state in ('queued', 'claimed')",
        run2,
    )
    .await;
    assert_eq!(open, 0);
    let cells = count(db, "select count(*) from run_cells where run_id = $1", run2).await;
    let tasks = count(db, "select count(*) from run_tasks where run_id = $1", run2).await;
    assert_eq!(
        cells, tasks,
        "each cell of the cancelled run is accounted for once"
    );
    let done = count(
        db,
        "select count(*) from run_tasks where run_id = $1 and state = 'done'",
        run2,
    )
    .await;
    assert!(
        done <= done_before + 2,
        "no worker took a new cell after the cancel ({done_before} → {done})"
    );
    let not_started = count(
        db,
        "select count(*) from run_cells where run_id = $1 and reason like '%before this cell started%'",
        run2,
    )
    .await;
    assert!(not_started >= 1, "the cells still waiting were not run");
    // The workers live on, ready for the next run.
    let mut a2 = a2;
    assert!(a2.child.try_wait().unwrap().is_none());
}

async fn walks_in(db: &Store, batch: &str, state: &str) -> i64 {
    sqlx::query_scalar("select count(*) from capture_tasks where batch = $1 and state = $2")
        .bind(batch)
        .bind(state)
        .fetch_one(&db.pool)
        .await
        .unwrap()
}

/// Comparisons' capture walks are queued work too: a web replica started
/// from the page waits (and says why) while no worker is there, a cancel
/// ends the walks not started, and a `provrum worker` makes queued walks
/// and stores each capture once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn capture_walks_wait_for_a_worker_and_a_worker_makes_them() {
    use provrum::compare::capture::{Job, Viewport};
    use provrum::compare::queue as walks;
    use provrum::jobs::Kind;
    let Some(chromium) = common::chromium() else {
        return;
    };
    let settings = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    let Some(app) = common::spawn_demo_with(common::Backend::Postgres, settings).await else {
        return;
    };
    let db = &app.store;
    let v = provrum::services::store::find_version(db, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();

    // Started from the page on a web-only server with no worker: it waits.
    app.login_as("eva", Role::EKontoret, &[]).await;
    let page_url = format!("/tjanster/anmalan-om-olagenhet/{}/jamforelse", v.version);
    let page = app.get(&page_url).await;
    let started = app.post_form(&page_url, &[("_csrf", &page.csrf())]).await;
    assert_eq!(started.status, 200);
    let mut shown = String::new();
    for _ in 0..50 {
        shown = app.get(&page_url).await.body;
        if shown.contains("data-compare-waiting") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        shown.contains("Ingen dator fångar sidor just nu"),
        "the page says why the comparison waits: {shown}"
    );
    assert!(
        shown.contains("Jämförelsen står i kö") && !shown.contains("Jämförelsen pågår"),
        "a waiting comparison is not said to be in progress: {shown}"
    );
    let mut queued = 0i64;
    for _ in 0..100 {
        queued = sqlx::query_scalar("select count(*) from capture_tasks where state = 'queued'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        if queued > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(queued >= 15, "{queued} walks queued");
    // Stopped: the walks not started are not made, the page says so.
    assert!(
        app.state
            .jobs
            .cancel(db, Kind::Comparison, v.id, "eva")
            .await
            .unwrap()
    );
    let mut job = None;
    for _ in 0..50 {
        job = provrum::jobs::latest(db, Kind::Comparison, v.id)
            .await
            .unwrap()
            .filter(|j| !j.running());
        if job.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(job.expect("the comparison ended").status, "failed");
    let open: i64 = sqlx::query_scalar(
        "select count(*) from capture_tasks where state in ('queued', 'claimed')",
    )
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(open, 0, "no walk is left for a worker");
    assert!(
        app.get(&page_url)
            .await
            .body
            .contains("jämförelsen stoppades innan alla sidor var fångade")
    );

    // Two walks queued as a batch: a worker process makes them.
    let variants = provrum::services::store::variants(db, v.id).await.unwrap();
    let jobs: Vec<Job> = variants
        .iter()
        .filter(|x| ["arvika", "sunne"].contains(&x.municipality.as_str()))
        .map(|x| Job {
            target: x.municipality.clone(),
            variant: std::sync::Arc::new(x.clone()),
            path: format!(
                "/tjanster/anmalan-om-olagenhet/{}/{}",
                v.version, x.municipality
            ),
            viewport: Viewport::desktop(),
        })
        .collect();
    assert_eq!(jobs.len(), 2);
    let new: Vec<walks::NewWalk> = jobs
        .iter()
        .map(|job| walks::NewWalk {
            version_id: v.id,
            job,
            definition: "test",
        })
        .collect();
    let files = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/files");
    walks::enqueue(db, "b1", &new, &files).await.unwrap();
    let w = Worker::start(&app, "walker", &chromium);
    wait_for(
        "the worker to make both walks",
        Duration::from_secs(120),
        &[&w],
        async || walks::progress(db, "b1").await.unwrap().finished(),
    )
    .await;
    let made: i64 = sqlx::query_scalar(
        "select count(*) from capture_tasks where batch = 'b1' and worker like $1 and capture_id is not null and error is null",
    )
    .bind(w.tag())
    .fetch_one(&db.pool)
    .await
    .unwrap();
    assert_eq!(made, 2, "the worker made both: {}", w.output());
    assert_eq!(walks_in(db, "b1", "done").await, 2);
    for o in walks::outcomes(db, "b1").await.unwrap() {
        let id = o.result.expect("a capture");
        let pages = provrum::compare::store::capture_pages(db, id)
            .await
            .unwrap()
            .unwrap();
        assert!(
            pages.iter().any(|p| p.step == "kvittens"),
            "{}: the walk reached the receipt",
            o.target
        );
    }
    let captures: i64 =
        sqlx::query_scalar("select count(*) from captures where definition = 'test'")
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!(captures, 2, "each walk stored once");
}

/// Issue 25: a browser that dies under a cell is the test room's trouble,
/// not a finding: the cell goes back to the queue and runs again; a worker
/// killed on its own (not its process group) takes its browsers with it,
/// and the next worker removes the profiles it left.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dying_browser_is_retried_and_a_killed_worker_leaves_no_browser() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let settings = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    let Some(app) = common::spawn_demo_with(common::Backend::Postgres, settings).await else {
        return;
    };
    let db = &app.store;
    // Enough cells that a kill landing between two of them (which only
    // makes A start a new browser) leaves cells to try again on.
    let (run, planned) = queue_run(&app, &["arvika", "karlstad", "sunne", "torsby", "kil"]).await;
    let mut a = Worker::start(&app, "a", &chromium);

    // Kill A's Chromium (the browser process itself) in the middle of a
    // cell; a kill that lands between two cells only makes A start a new
    // browser, so try again then.
    let mut hit = false;
    for _ in 0..8 {
        wait_for(
            "worker A to hold a cell in a browser",
            Duration::from_secs(120),
            &[&a],
            async || held_by(db, run, &a, "claimed").await == 1 && !a.browsers().is_empty(),
        )
        .await;
        tokio::time::sleep(Duration::from_millis(600)).await;
        for pid in a.browsers().into_iter().filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| !String::from_utf8_lossy(&c).contains("--type="))
        }) {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
        // A cell passing before the cell goes back to the queue means the
        // kill landed between cells: try again rather than wait it out.
        let passed = a.output().matches("\npassed ").count();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(70) && !hit {
            let out = a.output();
            hit = out.contains("goes back to the queue");
            if !hit && out.matches("\npassed ").count() > passed {
                break;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if hit {
            break;
        }
    }
    assert!(
        hit,
        "a cell whose browser died went back to the queue:\n{}",
        a.output()
    );

    // Now kill A alone while it holds a cell: its browsers die with it.
    wait_for(
        "worker A to hold a cell with a new browser",
        Duration::from_secs(120),
        &[&a],
        async || held_by(db, run, &a, "claimed").await == 1 && !a.browsers().is_empty(),
    )
    .await;
    let pid = a.child.id();
    let browsers = a.browsers();
    a.kill_alone();
    let t = Instant::now();
    while browsers.iter().any(|p| provrum::browser::process_alive(*p)) {
        assert!(
            t.elapsed() < Duration::from_secs(10),
            "the killed worker's browsers live on: {browsers:?}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let b = Worker::start(&app, "b", &chromium);
    wait_for(
        "the next worker to remove the dead one's profiles",
        Duration::from_secs(30),
        &[&b],
        async || profiles_of(pid).is_empty(),
    )
    .await;
    // A worker with one browser holds one claim at a time, also between
    // storing a cell and claiming the next (it once held two).
    let mut most = 0;
    wait_for(
        "the run to finish",
        Duration::from_secs(300),
        &[&b],
        async || {
            most = most.max(held_by(db, run, &b, "claimed").await);
            status(db, run).await != "running"
        },
    )
    .await;
    assert!(
        most <= 1,
        "a concurrency-1 worker held {most} claims at once"
    );
    let cells = count(db, "select count(*) from run_cells where run_id = $1", run).await;
    assert_eq!(cells, planned as i64, "every cell has a result");
    let died = count(
        db,
        "select count(*) from run_cells where run_id = $1 and (status = 'error' or reason like 'Chromium died%')",
        run,
    )
    .await;
    assert_eq!(died, 0, "no cell is stored as an error of the service");
    let retried = count(
        db,
        "select count(*) from run_tasks where run_id = $1 and attempts >= 2",
        run,
    )
    .await;
    assert!(retried >= 1, "the cells cut short ran again");
}

/// Issue 25: a worker that cannot reach its artifact store stores no cell
/// as passed — each goes back to the queue and, after three tries, stands
/// as "kunde inte köras" — and SIGTERM stops it within its grace period.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_without_its_artifact_store_passes_nothing_and_stops_on_sigterm() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let settings = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    let Some(app) = common::spawn_demo_with(common::Backend::Postgres, settings).await else {
        return;
    };
    let db = &app.store;
    let (run, _) = queue_run(&app, &["arvika"]).await;
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let endpoint = format!("http://127.0.0.1:{closed}");
    let mut w = Worker::start_with(
        &app,
        "no-s3",
        &chromium,
        &[
            ("PROVRUM_ARTIFACTS_URL", "s3://provrum/artifacts"),
            ("AWS_ENDPOINT_URL", &endpoint),
            ("AWS_ALLOW_HTTP", "true"),
            ("AWS_ACCESS_KEY_ID", "provrum"),
            ("AWS_SECRET_ACCESS_KEY", "provrum-secret"),
            ("AWS_REGION", "eu-north-1"),
        ],
    );
    wait_for(
        "a cell to be tried three times and stored",
        Duration::from_secs(240),
        &[&w],
        async || count(db, "select count(*) from run_cells where run_id = $1", run).await >= 1,
    )
    .await;
    let passed = "select count(*) from run_cells where run_id = $1 and status = 'passed'";
    assert_eq!(
        count(db, passed, run).await,
        0,
        "no cell without its evidence passes"
    );
    let not_run = count(
        db,
        "select count(*) from run_cells where run_id = $1 and reason like 'the screenshots could not be stored%'",
        run,
    )
    .await;
    let stored = count(db, "select count(*) from run_cells where run_id = $1", run).await;
    assert_eq!(
        not_run,
        stored,
        "each says the test room could not store it:\n{}",
        w.output()
    );
    let thrice = count(
        db,
        "select count(*) from run_tasks where run_id = $1 and state = 'done' and attempts = 3",
        run,
    )
    .await;
    assert_eq!(thrice, stored, "tried three times before it was stored");
    // SIGTERM in the middle of the next cell: gone well within 30 s.
    unsafe { libc::kill(w.child.id() as i32, libc::SIGTERM) };
    let t = Instant::now();
    loop {
        if w.child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "the worker still runs 30 s after SIGTERM:\n{}",
            w.output()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(count(db, passed, run).await, 0);
}

/// Issue 25: walks whose browser cannot reach the test room are tried again
/// before they stand as errors (the origin may be down for a moment).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn walks_that_cannot_reach_the_test_room_are_tried_again() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let settings = provrum::web::Settings {
        workers: 0,
        ..provrum::web::Settings::default()
    };
    let Some(app) = common::spawn_demo_with(common::Backend::Postgres, settings).await else {
        return;
    };
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_provrum"))
        .args([
            "compare",
            "--service",
            "anmalan-varmepump",
            "--viewport",
            "desktop",
            "--concurrency",
            "1",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("PROVRUM_DATABASE_URL", &app.database_url)
        .env("PROVRUM_DATA_DIR", app.data_dir.path())
        .env(
            "PROVRUM_BROWSER_ORIGIN",
            format!("http://127.0.0.1:{closed}"),
        )
        .env("PROVRUM_CHROMIUM", &chromium)
        .stdin(Stdio::null())
        .output()
        .expect("provrum compare");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_ne!(out.status.code(), Some(0), "{said}");
    let walks: i64 = sqlx::query_scalar("select count(*) from capture_tasks")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    let thrice: i64 = sqlx::query_scalar("select count(*) from capture_tasks where attempts = 3")
        .fetch_one(&app.store.pool)
        .await
        .unwrap();
    assert!(walks > 0, "{said}");
    assert_eq!(thrice, walks, "every walk was tried three times:\n{said}");
}
