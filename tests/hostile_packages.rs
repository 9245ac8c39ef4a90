//! Crafted packages (issue 12, finding 4): `validate` and `import` report
//! each with a position and exit 1 within seconds, and go on with the other
//! packages, instead of running out of memory, overflowing the stack or
//! hanging.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Run the binary, failing the test (not hanging CI) if it takes longer than `limit`.
fn provrum_within(args: &[&str], limit: Duration) -> (i32, String, String) {
    let dir = tempfile::tempdir().expect("tmp");
    let (out, err) = (dir.path().join("out"), dir.path().join("err"));
    let mut child = Command::new(env!("CARGO_BIN_EXE_provrum"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PROVRUM_DATABASE_URL")
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).expect("out"))
        .stderr(std::fs::File::create(&err).expect("err"))
        .spawn()
        .expect("run provrum");
    let started = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "provrum {args:?} still running after {limit:?}: {}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    (
        status.code().unwrap_or(-1),
        std::fs::read_to_string(out).unwrap_or_default(),
        std::fs::read_to_string(err).unwrap_or_default(),
    )
}

const LIMIT: Duration = Duration::from_secs(20);

/// A valid package folder named `name` under `root` (the fixture, copied).
fn good_package(root: &Path, name: &str) -> std::path::PathBuf {
    let dir = root.join(name);
    common::bump_fixture(
        &common::fixtures().join("services/anmalan-om-olagenhet"),
        &dir,
        "2.1.0-rc1",
        "2.1.0-rc1",
        &[],
    );
    dir
}

fn bad_base(root: &Path, name: &str, bytes: &[u8]) -> std::path::PathBuf {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("service.yaml"), bytes).expect("write");
    dir
}

fn alias_bomb() -> String {
    let mut text = String::from("a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n");
    for (prev, name) in "abcdefghi".chars().zip("bcdefghij".chars()) {
        let refs = vec![format!("*{prev}"); 9].join(",");
        text.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    text
}

#[test]
fn each_crafted_package_is_a_positioned_problem_and_the_others_are_still_checked() {
    let root = tempfile::tempdir().expect("tmp");
    let r = root.path();
    let bomb = bad_base(r, "a-bomb", alias_bomb().as_bytes());
    let deep = bad_base(r, "b-deep", "- ".repeat(50_000).as_bytes());
    let binary = bad_base(
        r,
        "c-binary",
        b"id: bild\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe",
    );
    let huge = bad_base(r, "d-huge", &{
        let mut t = b"id: stor\nsteps:\n".to_vec();
        while t.len() < 50 * 1024 * 1024 {
            t.extend_from_slice(b"  - id: s\n    title: t\n");
        }
        t
    });
    // A FIFO as a variant file: reading it would block for ever.
    let fifo_pkg = good_package(r, "e-fifo");
    let fifo = fifo_pkg.join("variants/zz-ror.yaml");
    let status = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(status.success());
    // Links back into the tree: following them would never end.
    std::os::unix::fs::symlink(".", r.join("f-loop-a")).expect("symlink");
    std::os::unix::fs::symlink(".", r.join("f-loop-b")).expect("symlink");
    let good = good_package(r, "g-good");

    let started = Instant::now();
    let (code, out, err) = provrum_within(&["validate", r.to_str().expect("utf8")], LIMIT);
    assert_eq!(code, 1, "{out}{err}");
    let at = |dir: &Path| format!("{}:", dir.join("service.yaml").display());
    let expect = [
        (at(&bomb), "expands to more than"),
        (format!("{}1:", at(&deep)), "levels deep"),
        (format!("{}1:9: ", at(&binary)), "not UTF-8 text"),
        (format!("{}1:1: ", at(&huge)), "at most"),
        (format!("{}:1:1: ", fifo.display()), "not a regular file"),
    ];
    for (prefix, message) in &expect {
        assert!(
            out.lines()
                .any(|l| l.starts_with(prefix.as_str()) && l.contains(message)),
            "no {prefix}… {message} in:\n{out}"
        );
    }
    // The good package is still checked and reported, once (the loops are not followed).
    let ok = "ok: anmalan-om-olagenhet 2.1.0-rc1 (16 variants)";
    assert_eq!(out.matches(ok).count(), 1, "{out}");
    assert!(good.exists());
    assert!(started.elapsed() < LIMIT);

    // `import` reports the same way and imports what it can.
    let data = tempfile::tempdir().expect("tmp");
    let db = format!("sqlite://{}", data.path().join("p.db").display());
    let (code, out, err) = provrum_within(
        &[
            "import",
            "--database",
            &db,
            "--data-dir",
            data.path().to_str().expect("utf8"),
            bomb.to_str().expect("utf8"),
        ],
        LIMIT,
    );
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        format!("{out}{err}").contains("expands to more than"),
        "{out}{err}"
    );
}
