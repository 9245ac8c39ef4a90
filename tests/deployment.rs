//! No Docker engine runs on our machines, so the deployment files are checked
//! here: the compose file parses, has its services wired as documented (the
//! web tier, workers, PostgreSQL, a Chromium pool and S3-compatible storage),
//! and the Dockerfile copies only what exists.

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
        "PROVRUM_DATABASE_URL",
        "PROVRUM_DATA_DIR",
        "PROVRUM_ADDR",
        "PROVRUM_CHROMIUM_URL",
        "PROVRUM_BROWSER_ORIGIN",
        "PROVRUM_LOG",
        "PROVRUM_WORKERS",
        "PROVRUM_ARTIFACTS_URL",
        "AWS_ENDPOINT_URL",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_REGION",
        "AWS_ALLOW_HTTP",
    ];
    for k in keys(env) {
        assert!(known.contains(&k.as_str()), "unknown setting {k}");
    }
    let url = get(env, "PROVRUM_DATABASE_URL").expect("database url");
    assert!(
        matches!(&url.kind, NodeKind::Scalar { value, .. } if value.starts_with("postgres://") && value.contains("@postgres:5432/"))
    );
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
        "--remote-debugging-port=9222",
    ] {
        assert!(dockerfile.contains(flag), "chromium runs with {flag}");
    }
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
