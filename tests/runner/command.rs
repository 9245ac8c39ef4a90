//! `provrum run` as e-kontoret runs it: its reports, exit codes and Ctrl-C.

use super::*;

fn provrum(args: &[&str], data: &Path) -> (i32, String, String) {
    let mut all = args.to_vec();
    let data = data.to_str().expect("utf8 path");
    all.extend(["--data-dir", data]);
    common::provrum(&all)
}

#[test]
fn provrum_run_reports_json_and_junit_and_exits_by_outcome() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = tempfile::tempdir().expect("tmp");
    let (code, out, err) = provrum(&["import", "fixtures/services"], data.path());
    assert_eq!(code, 0, "{out}{err}");
    let json = data.path().join("run.json");
    let junit = data.path().join("run.xml");
    let args = [
        "run",
        "--service",
        "anmalan-om-olagenhet",
        "--scenario",
        "scenarios/anmalan-om-olagenhet/villkorade-fragor.yaml",
        "--municipality",
        "arvika",
        "eda",
        "--json",
        json.to_str().expect("utf8"),
        "--junit",
        junit.to_str().expect("utf8"),
    ];
    let (code, out, err) = provrum(&args, data.path());
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("2 passed, 0 failed, 0 errors, 0 skipped"),
        "{out}"
    );
    assert!(
        out.contains("axe-core (WCAG 2.1 A/AA): 0 violation(s) on "),
        "{out}"
    );
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid JSON");
    assert_eq!(doc["schema"], "provrum-run/1");
    assert_eq!(doc["status"], "passed");
    assert_eq!(doc["cells"].as_array().map(Vec::len), Some(2));
    let xml = std::fs::read_to_string(&junit).expect("junit");
    assert!(
        xml.contains(
            "<testcase classname=\"anmalan-om-olagenhet.villkorade-fragor\" name=\"arvika\""
        ),
        "{xml}"
    );
    // A scenario naming a field the variant lacks is refused before anything runs.
    let bad = data.path().join("trasig.yaml");
    std::fs::write(&bad, "title: Trasig\nservice: anmalan-om-olagenhet\nidentity: \"199011142388\"\nsteps:\n  - open\n  - fill: { hembesok-typ: x }\n  - choose:\n      typ: jordbavning\n").expect("write");
    let (code, out, _) = provrum(
        &[
            "run",
            "--service",
            "anmalan-om-olagenhet",
            "--scenario",
            bad.to_str().expect("utf8"),
        ],
        data.path(),
    );
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("trasig.yaml:6:13: field `hembesok-typ` does not exist in"),
        "{out}"
    );
    assert!(
        out.contains("trasig.yaml:8:7: `jordbavning` is not offered for `typ`"),
        "{out}"
    );
    // A failing scenario exits 1.
    let failing = data.path().join("fel.yaml");
    std::fs::write(&failing, "title: Fel\nservice: anmalan-om-olagenhet\nsteps:\n  - open\n  - expect_text: Finns inte på sidan\n").expect("write");
    let (code, out, _) = provrum(
        &[
            "run",
            "--service",
            "anmalan-om-olagenhet",
            "--scenario",
            failing.to_str().expect("utf8"),
            "--municipality",
            "kil",
        ],
        data.path(),
    );
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
    assert_no_browser_left();
}

/// Chromium processes (live) among the descendants of `pid`.
fn chromium_below(pid: u32) -> Vec<u32> {
    provrum::browser::process::descendants(pid)
        .into_iter()
        .filter(|p| {
            provrum::browser::process_alive(*p)
                && std::fs::read_to_string(format!("/proc/{p}/cmdline"))
                    .is_ok_and(|c| c.contains("chromium"))
        })
        .collect()
}

#[test]
fn ctrl_c_stops_provrum_run_marks_the_run_interrupted_and_leaves_no_browser() {
    let Some(_) = common::chromium() else { return };
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let data = tempfile::tempdir().expect("tmp");
    let (code, out, err) = provrum(&["import", "fixtures/services"], data.path());
    assert_eq!(code, 0, "{out}{err}");
    let child = Command::new(env!("CARGO_BIN_EXE_provrum"))
        .args([
            "run",
            "--service",
            "anmalan-om-olagenhet",
            "--concurrency",
            "2",
            "--data-dir",
        ])
        .arg(data.path())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PROVRUM_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start provrum run");
    // Wait until its browsers run, remembering every one we see.
    let mut seen = std::collections::HashSet::new();
    let started = std::time::Instant::now();
    while seen.len() < 2 && started.elapsed() < std::time::Duration::from_secs(30) {
        seen.extend(chromium_below(child.id()));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(!seen.is_empty(), "provrum run started Chromium");
    std::thread::sleep(std::time::Duration::from_millis(1500));
    seen.extend(chromium_below(child.id()));
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill");
    assert!(status.success());
    let output = child.wait_with_output().expect("wait");
    let out = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "an interrupted run is not a pass:\n{out}"
    );
    assert!(out.contains(": interrupted"), "{out}");
    let alive: Vec<&u32> = seen
        .iter()
        .filter(|p| provrum::browser::process_alive(**p))
        .collect();
    assert!(
        alive.is_empty(),
        "Chromium processes outlived provrum run: {alive:?}"
    );
}
