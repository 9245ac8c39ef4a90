//! The binary as an operator runs it: `serve --demo` on a fresh data dir,
//! health, and a graceful stop on SIGTERM.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn serve_demo_answers_and_stops_gracefully_on_sigterm() {
    let data = tempfile::tempdir().expect("tmp");
    let mut child = Command::new(env!("CARGO_BIN_EXE_provrum"))
        .args(["serve", "--demo", "--addr", "127.0.0.1:0", "--data-dir"])
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PROVRUM_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start provrum serve");
    let stdout = child.stdout.take().expect("stdout");
    let mut lines = BufReader::new(stdout).lines();
    let mut imported = 0;
    let addr = loop {
        let line = lines
            .next()
            .expect("serve prints its address")
            .expect("line");
        if line.starts_with("imported: ") {
            imported += 1;
        }
        if let Some(rest) = line.strip_prefix("Provrum is serving on http://") {
            break rest.split('/').next().unwrap_or_default().to_string();
        }
    };
    assert_eq!(
        imported, 4,
        "--demo imports the three demo services and the one from Open ePlatform"
    );
    assert!(
        data.path().join("provrum.db").exists(),
        "the default database is an SQLite file in the data dir"
    );

    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("rt");
    let body = rt.block_on(async {
        reqwest::get(format!("http://{addr}/healthz"))
            .await
            .expect("GET")
            .text()
            .await
            .expect("body")
    });
    assert_eq!(body, "ok\n");

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "provrum did not stop on SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(exit.success(), "a graceful stop exits 0, got {exit:?}");
}
