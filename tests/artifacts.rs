//! Artifacts in S3-compatible object storage (issue 16), against a real
//! S3-protocol server on 127.0.0.1 (moto's `moto_server`, from PyPI;
//! `scripts/test` installs it): stored once by hash, read back, removed;
//! a scenario run by `provrum run` stores its screenshots in the bucket and
//! nothing in the data folder, and the test room serves them from there.

mod common;

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use provrum::artifacts::Artifacts;

struct S3Server(Child);

impl Drop for S3Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// moto's server on a free port, or `None` (a note) when it is not installed.
fn s3_server() -> Option<(S3Server, String)> {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn();
    let Ok(child) = child else {
        if std::env::var("PROVRUM_TEST_REQUIRE_S3").is_ok_and(|v| v == "1") {
            panic!("PROVRUM_TEST_REQUIRE_S3=1 but moto_server cannot be started");
        }
        eprintln!("note: skipping the S3 test: no moto_server (pip install 'moto[server]')");
        return None;
    };
    let server = S3Server(child);
    let t = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            t.elapsed() < Duration::from_secs(30),
            "moto_server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some((server, format!("http://127.0.0.1:{port}")))
}

const AWS: [(&str, &str); 4] = [
    ("AWS_ACCESS_KEY_ID", "provrum"),
    ("AWS_SECRET_ACCESS_KEY", "provrum-secret"),
    ("AWS_REGION", "eu-north-1"),
    ("AWS_ALLOW_HTTP", "true"),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn artifacts_live_in_an_s3_bucket_when_one_is_configured() {
    let Some((_server, endpoint)) = s3_server() else {
        return;
    };
    let http = reqwest::Client::new();
    let made = http
        .put(format!("{endpoint}/provrum"))
        .send()
        .await
        .unwrap();
    assert!(
        made.status().is_success(),
        "create bucket: {}",
        made.status()
    );
    // This test binary holds this one test: setting the environment here
    // races with nothing.
    unsafe {
        for (k, v) in AWS {
            std::env::set_var(k, v);
        }
        std::env::set_var("AWS_ENDPOINT_URL", &endpoint);
    }
    let dir = tempfile::tempdir().unwrap();
    let url = "s3://provrum/test-room";

    // Stored once under its hash, read back sync and async, removed.
    let store = Artifacts::open(Some(url), dir.path()).unwrap();
    let hash = store.put(b"hej").unwrap();
    assert_eq!(hash, Artifacts::hash(b"hej"));
    assert_eq!(
        store.put(b"hej").unwrap(),
        hash,
        "the same bytes again: the same object"
    );
    assert_eq!(store.get(&hash).unwrap(), b"hej");
    assert_eq!(store.read(&hash).await.unwrap(), b"hej");
    let listed = http
        .get(format!("{endpoint}/provrum?list-type=2&prefix=test-room/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        listed.contains(&format!("test-room/{}/{}", &hash[..2], &hash[2..])),
        "{listed}"
    );
    assert!(store.get("../../etc/passwd").is_err());
    let missing = store.get(&Artifacts::hash(b"aldrig sparad")).unwrap_err();
    assert_eq!(missing.kind(), std::io::ErrorKind::NotFound);
    store.remove(&hash).unwrap();
    assert_eq!(
        store.get(&hash).unwrap_err().kind(),
        std::io::ErrorKind::NotFound
    );
    assert!(
        !dir.path().join("artifacts").exists(),
        "nothing in the data folder"
    );
    assert!(Artifacts::open(Some("s3:///x"), dir.path()).is_err());

    // A run's screenshots go to the bucket; the test room serves them.
    let Some(chromium) = common::chromium() else {
        return;
    };
    let database = format!("sqlite://{}/provrum.db", dir.path().display());
    let cli = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_provrum"))
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .env("PROVRUM_DATABASE_URL", &database)
            .env("PROVRUM_DATA_DIR", dir.path())
            .env("PROVRUM_ARTIFACTS_URL", url)
            .env("PROVRUM_CHROMIUM", &chromium)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code(), text)
    };
    let (code, text) = cli(&["import", "fixtures/services"]);
    assert_eq!(code, Some(0), "{text}");
    let (code, text) = cli(&[
        "run",
        "--service",
        "anmalan-om-olagenhet",
        "--municipality",
        "arvika",
        "--scenario",
        "scenarios/anmalan-om-olagenhet/valideringsfel.yaml",
    ]);
    assert_eq!(code, Some(0), "{text}");
    assert!(
        !dir.path().join("artifacts").exists(),
        "no screenshot in the data folder"
    );

    let db = provrum::store::Store::open(&database).await.unwrap();
    let shots: Vec<String> =
        sqlx::query_scalar("select screenshot from step_results where screenshot is not null")
            .fetch_all(&db.pool)
            .await
            .unwrap();
    assert!(!shots.is_empty());
    let state = provrum::web::AppState::build(
        db.clone(),
        Artifacts::open(Some(url), dir.path()).unwrap(),
        provrum::web::Settings {
            workers: 0,
            ..provrum::web::Settings::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let served = tokio::spawn(provrum::startup::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    // Evidence is for staff (issue 25): log in first.
    let staff = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    provrum::accounts::store::create(
        &db,
        &provrum::accounts::store::NewUser {
            username: "jurist",
            name: "Jurist",
            role: provrum::accounts::Role::LegalAdviser,
            municipalities: &[],
            password: common::PASSWORD,
            email: None,
        },
        "test",
    )
    .await
    .unwrap();
    let login = staff
        .get(format!("http://{addr}/konto/logga-in"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let at = login.find(marker).unwrap() + marker.len();
    let token = login[at..].split('"').next().unwrap().to_string();
    staff
        .post(format!("http://{addr}/konto/logga-in"))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "jurist"),
            ("password", common::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let anonymous = http
        .get(format!("http://{addr}/artefakter/{}", shots[0]))
        .send()
        .await
        .unwrap();
    assert!(
        !anonymous.bytes().await.unwrap().starts_with(b"\x89PNG"),
        "not for anonymous visitors"
    );
    let png = staff
        .get(format!("http://{addr}/artefakter/{}", shots[0]))
        .send()
        .await
        .unwrap();
    assert_eq!(png.status(), 200);
    let bytes = png.bytes().await.unwrap();
    assert!(bytes.starts_with(b"\x89PNG"));
    assert_eq!(
        Artifacts::hash(&bytes),
        shots[0],
        "the bytes the hash names"
    );
    let _ = stop.send(());
    let _ = served.await;
}
