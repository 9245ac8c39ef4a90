//! No Docker engine runs on our machines, so the deployment files are checked
//! here: the compose file parses, has its services wired as documented (the
//! web tier, workers, PostgreSQL, a Chromium pool and S3-compatible storage),
//! and the Dockerfile copies only what exists.

mod common;

use std::path::Path;

use provrum::yaml::{self, Node, NodeKind};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn get<'a>(node: &'a Node, key: &str) -> Option<&'a Node> {
    match &node.kind {
        NodeKind::Map(pairs) => pairs
            .iter()
            .find(|(k, _)| matches!(&k.kind, NodeKind::Scalar { value, .. } if value == key))
            .map(|(_, v)| v),
        _ => None,
    }
}

fn keys(node: &Node) -> Vec<String> {
    match &node.kind {
        NodeKind::Map(pairs) => pairs
            .iter()
            .filter_map(|(k, _)| {
                if let NodeKind::Scalar { value, .. } = &k.kind {
                    Some(value.clone())
                } else {
                    None
                }
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[test]
fn compose_file_runs_web_and_workers_on_postgres_s3_and_a_sealed_chromium() {
    let path = root().join("docker-compose.yml");
    let text = std::fs::read_to_string(&path).expect("docker-compose.yml");
    let doc = yaml::parse(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    let services = get(&doc, "services").expect("services");
    assert_eq!(
        keys(services),
        [
            "provrum",
            "worker",
            "postgres",
            "chromium",
            "s3",
            "s3-bucket"
        ]
    );

    let provrum = get(services, "provrum").expect("provrum");
    assert!(
        get(provrum, "build").is_some(),
        "provrum is built from the Dockerfile"
    );
    let env = get(provrum, "environment").expect("environment");
    let known = [
        "PROVRUM_DATABASE_URL_FILE",
        "PROVRUM_DATA_DIR",
        "PROVRUM_ADDR",
        "PROVRUM_CHROMIUM_URL",
        "PROVRUM_BROWSER_ORIGIN",
        "PROVRUM_LOG",
        "PROVRUM_WORKERS",
        "PROVRUM_ARTIFACTS_URL",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID_FILE",
        "AWS_SECRET_ACCESS_KEY_FILE",
        "AWS_REGION",
        "AWS_ALLOW_HTTP",
    ];
    for k in keys(env) {
        assert!(known.contains(&k.as_str()), "unknown setting {k}");
    }
    // No password in any environment value: secrets come from files.
    for k in keys(env) {
        assert!(
            !k.contains("PASSWORD")
                && !k.ends_with("SECRET_ACCESS_KEY")
                && k != "PROVRUM_DATABASE_URL",
            "{k}: a secret as a plain environment value"
        );
    }
    assert!(text.contains("POSTGRES_PASSWORD_FILE") && !text.contains("POSTGRES_PASSWORD:"));
    assert!(
        !text.contains("provrum-secret"),
        "no password in the compose file"
    );
    let secrets = keys(get(&doc, "secrets").expect("secrets"));
    assert_eq!(
        secrets,
        [
            "database-url",
            "postgres-password",
            "s3-user",
            "s3-password"
        ]
    );
    let secrets_script =
        std::fs::read_to_string(root().join("scripts/compose-secrets")).expect("script");
    for s in &secrets {
        assert!(
            secrets_script.contains(&format!("$dir/{s}")),
            "scripts/compose-secrets writes {s}"
        );
    }
    assert_eq!(
        keys(get(provrum, "depends_on").expect("depends_on")),
        ["postgres", "s3-bucket", "chromium"]
    );
    let scalar = |n: Option<&Node>| match n.map(|n| &n.kind) {
        Some(NodeKind::Scalar { value, .. }) => value.clone(),
        _ => String::new(),
    };
    assert_eq!(
        scalar(get(env, "PROVRUM_WORKERS")),
        "0",
        "the web tier runs no cells"
    );
    assert!(scalar(get(env, "PROVRUM_ARTIFACTS_URL")).starts_with("s3://"));

    // Workers: the same image, `provrum worker`, the same database, bucket and browsers.
    let worker = get(services, "worker").expect("worker");
    assert!(get(worker, "build").is_some());
    let command = get(worker, "command").expect("command");
    assert!(
        matches!(&command.kind, NodeKind::Seq(items) if items.len() == 1 && scalar(items.first()) == "worker")
    );
    let wenv = get(worker, "environment").expect("worker environment");
    for k in [
        "PROVRUM_DATABASE_URL",
        "PROVRUM_ARTIFACTS_URL",
        "PROVRUM_CHROMIUM_URL",
        "PROVRUM_BROWSER_ORIGIN",
    ] {
        assert_eq!(
            scalar(get(wenv, k)),
            scalar(get(env, k)),
            "{k} as the web tier's"
        );
    }
    assert!(get(worker, "ports").is_none(), "workers serve nobody");
    let health = get(worker, "healthcheck").expect("the worker's own healthcheck");
    assert_eq!(
        scalar(get(health, "disable")),
        "true",
        "not the web tier's /healthz"
    );
    // Web replicas each get a port of their own when scaled.
    let ports = get(provrum, "ports").expect("ports");
    assert!(
        matches!(&ports.kind, NodeKind::Seq(items) if items.iter().all(|i| scalar(Some(i)).contains("3000-30"))),
        "a port range, so --scale provrum=N does not collide"
    );

    let s3 = get(services, "s3").expect("s3");
    assert!(get(s3, "healthcheck").is_some());

    let postgres = get(services, "postgres").expect("postgres");
    assert!(get(postgres, "healthcheck").is_some());
    let vols = get(postgres, "volumes").expect("a volume keeps the data");
    assert!(
        matches!(&vols.kind, NodeKind::Seq(items) if items.iter().any(|i| matches!(&i.kind, NodeKind::Scalar { value, .. } if value.starts_with("pgdata:"))))
    );

    let chromium = get(services, "chromium").expect("chromium");
    let inline = get(get(chromium, "build").expect("build"), "dockerfile_inline")
        .expect("inline Dockerfile");
    let NodeKind::Scalar {
        value: dockerfile, ..
    } = &inline.kind
    else {
        panic!("dockerfile_inline is text")
    };
    for flag in [
        "--headless",
        "--no-sandbox",
        "--disable-background-networking",
        "--disable-dev-shm-usage",
        "TCP-LISTEN:9222",
    ] {
        assert!(dockerfile.contains(flag), "chromium runs with {flag}");
    }
    assert!(
        !scalar(get(chromium, "shm_size")).is_empty(),
        "a /dev/shm renderers fit in"
    );
    let networks = get(doc_networks(&doc), "sandbox").expect("sandbox network");
    assert!(
        matches!(get(networks, "internal").map(|n| &n.kind), Some(NodeKind::Scalar { value, .. }) if value == "true"),
        "the browser's network has no way out"
    );
    assert_eq!(
        keys(get(&doc, "volumes").expect("volumes")),
        ["pgdata", "s3data"]
    );
}

fn doc_networks(doc: &Node) -> &Node {
    get(doc, "networks").expect("networks")
}

#[test]
fn dockerfile_copies_only_what_exists() {
    let text = std::fs::read_to_string(root().join("Dockerfile")).expect("Dockerfile");
    let mut copies = 0;
    for line in text
        .lines()
        .filter(|l| l.starts_with("COPY ") && !l.contains("--from="))
    {
        let parts: Vec<&str> = line.split_whitespace().collect();
        for src in &parts[1..parts.len() - 1] {
            assert!(root().join(src).exists(), "Dockerfile copies missing {src}");
            copies += 1;
        }
    }
    assert!(copies >= 6, "the build stage copies the sources");
    assert!(text.contains("cargo build --release --locked --bin provrum"));
    // Everything Cargo.toml and the sources pull in from the tree must be in the build stage.
    for needed in [
        "COPY vendor vendor",
        "COPY migrations migrations",
        "COPY templates templates",
        "COPY static static",
        "COPY fixtures fixtures",
    ] {
        assert!(text.contains(needed), "Dockerfile lacks `{needed}`");
    }
}

/// The chromium service's command line, as its inline Dockerfile has it.
fn compose_chromium_command() -> String {
    let path = root().join("docker-compose.yml");
    let text = std::fs::read_to_string(&path).expect("docker-compose.yml");
    let doc = yaml::parse(&path, &text).unwrap_or_else(|e| panic!("{e}"));
    let chromium = get(get(&doc, "services").unwrap(), "chromium").unwrap();
    let inline = get(get(chromium, "build").unwrap(), "dockerfile_inline").unwrap();
    let NodeKind::Scalar { value, .. } = &inline.kind else {
        panic!("dockerfile_inline is text")
    };
    let line = value
        .lines()
        .find(|l| l.starts_with("ENTRYPOINT"))
        .expect("ENTRYPOINT");
    let args: Vec<String> = serde_json::from_str(line.trim_start_matches("ENTRYPOINT").trim())
        .expect("ENTRYPOINT as a JSON list");
    assert_eq!(args[..2], ["sh", "-c"], "{args:?}");
    args[2].clone()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Listening sockets on `port` (IPv4), as "a.b.c.d" addresses.
fn listeners(port: u16) -> Vec<String> {
    let tcp = std::fs::read_to_string("/proc/net/tcp").unwrap_or_default();
    tcp.lines()
        .skip(1)
        .filter_map(|l| {
            let cols: Vec<&str> = l.split_whitespace().collect();
            let (addr, state) = (cols.get(1)?, cols.get(3)?);
            let (ip, p) = addr.split_once(':')?;
            (*state == "0A" && u16::from_str_radix(p, 16).ok()? == port).then(|| {
                let n = u32::from_str_radix(ip, 16).unwrap_or(0).to_le_bytes();
                format!("{}.{}.{}.{}", n[0], n[1], n[2], n[3])
            })
        })
        .collect()
}

/// The chromium service as compose starts it (its very command line, with
/// free ports and this machine's Chromium): headless Chromium's DevTools
/// listens on 127.0.0.1 only, so without the forwarder no other container
/// could reach it; through it, a browser at another address (127.0.0.2
/// here, the worker's container in compose) is driven as the workers do.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_compose_chromium_answers_other_containers() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    if std::process::Command::new("socat")
        .arg("-V")
        .output()
        .is_err()
    {
        assert!(
            std::env::var_os("PROVRUM_TEST_REQUIRE_CHROMIUM").is_none(),
            "socat is missing (scripts/test installs it)"
        );
        return;
    }
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let (inner, outer) = (free_port(), free_port());
    let profile = tempfile::tempdir().unwrap();
    let command = compose_chromium_command()
        .replacen(
            "chromium-headless-shell ",
            &format!("{} ", chromium.display()),
            1,
        )
        .replace("9223", &inner.to_string())
        .replace("9222", &outer.to_string())
        .replace("/tmp/profile", &profile.path().display().to_string());
    use std::os::unix::process::CommandExt;
    let mut child = std::process::Command::new("sh")
        .arg("-c")
        .arg(&command)
        .process_group(0)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start the compose command");
    let group = child.id() as i32;
    let stop = move || unsafe {
        libc::kill(-group, libc::SIGKILL);
    };
    let start = std::time::Instant::now();
    while listeners(inner).is_empty() || listeners(outer).is_empty() {
        if start.elapsed() > std::time::Duration::from_secs(20) {
            stop();
            panic!("no DevTools listener: {command}");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let (devtools, forwarder) = (listeners(inner), listeners(outer));
    let url = format!("{}/tjanster/anmalan-om-olagenhet/2.1.0-rc1/kil", app.url);
    let origin = app.url.clone();
    let seen = tokio::task::block_in_place(|| {
        let remote = provrum::browser::Browser::launch(&provrum::browser::BrowserOptions {
            remote: Some(format!("http://127.0.0.2:{outer}")),
            chromium: "/nonexistent".into(),
            ..Default::default()
        })?;
        let page = remote.new_page(vec![origin])?;
        page.goto(&url)?;
        let text = page.text();
        page.close();
        remote.close();
        text
    });
    stop();
    let _ = child.wait();
    assert_eq!(devtools, ["127.0.0.1"], "Chromium's own DevTools listener");
    assert_eq!(
        forwarder,
        ["0.0.0.0"],
        "the forwarder answers every address"
    );
    let text = seen.expect("driven through the forwarder from another address");
    assert!(text.contains("Anmälan om olägenhet"), "{text}");
}
