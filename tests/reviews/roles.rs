//! Every role × action pair over real HTTP, on both backends.

use super::*;

async fn every_role_and_action(backend: Backend) {
    let Some(app) = common::spawn_demo_without_browser(backend).await else {
        return;
    };
    let anon = Client::new(&app);
    let arvika = Client::login(&app, "granskare-arvika", Role::Reviewer, &["arvika"]).await;
    let eda = Client::login(&app, "granskare-eda", Role::Reviewer, &["eda"]).await;
    let jurist = Client::login(&app, "jurist", Role::LegalAdviser, &[]).await;
    let ekontoret = Client::login(&app, "ekontoret", Role::EKontoret, &[]).await;
    // Written by the legal adviser: authors do not endorse their own comment.
    let comment = a_comment(&app, "jurist").await;
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    let (admin, _) = provrum::accounts::store::for_login(&app.store, "ekontoret")
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::rounds::open(&app.store, v.id, "2099-12-31", &admin)
        .await
        .unwrap();
    let deviation = provrum::compare::Deviation {
        municipality: "arvika".into(),
        step: "steg/storningen".into(),
        kind: provrum::compare::Kind::Text,
        fingerprint: "f".into(),
        summary: "Texten skiljer sig".into(),
        detail: serde_json::json!({}),
    };
    provrum::compare::store::replace_deviations(&app.store, v.id, "base", &[deviation])
        .await
        .unwrap();
    let dev_id = provrum::compare::store::deviations(&app.store, v.id)
        .await
        .unwrap()[0]
        .id;

    use Outcome::{Allowed as A, LoginAsked as L, Refused as R};
    let clients: [(&str, &Client); 5] = [
        ("anonym", &anon),
        ("granskare Arvika", &arvika),
        ("granskare Eda", &eda),
        ("jurist", &jurist),
        ("e-kontoret", &ekontoret),
    ];
    let c = comment.to_string();
    let dev = format!("{V}/jamforelse/avvikelser/{dev_id}");
    // (action, method+path+form, expected outcome per client in the order above)
    let mut n = 0;
    let table: Vec<Row> = vec![
        (
            "read the service list",
            Box::new(|_| ("GET /".into(), vec![])),
            [L, A, A, A, A],
        ),
        (
            "read Arvika's sandbox inbox",
            Box::new(|_| (format!("GET {V}/arvika/inkorg"), vec![])),
            [L, A, R, A, A],
        ),
        (
            "start a sandbox session on the comparison reference",
            Box::new(|_| (format!("POST {V}/arvika~bas/starta"), vec![])),
            [R, A, A, A, A],
        ),
        (
            "comment on the comparison reference",
            Box::new(|_| {
                (
                    format!("POST {V}/synpunkter"),
                    vec![
                        ("kommun".into(), "arvika~bas".into()),
                        ("klass".into(), "fel".into()),
                        ("text".into(), "Fel i basen".into()),
                    ],
                )
            }),
            [L, R, R, R, R],
        ),
        (
            "comment on Arvika",
            Box::new(|_| {
                (
                    format!("POST {V}/synpunkter"),
                    vec![
                        ("kommun".into(), "arvika".into()),
                        ("klass".into(), "onskemal".into()),
                        ("text".into(), "Bra!".into()),
                    ],
                )
            }),
            [L, A, R, A, A],
        ),
        (
            "comment on Eda",
            Box::new(|_| {
                (
                    format!("POST {V}/synpunkter"),
                    vec![
                        ("kommun".into(), "eda".into()),
                        ("klass".into(), "fel".into()),
                        ("text".into(), "Stavfel".into()),
                    ],
                )
            }),
            [L, R, A, A, A],
        ),
        (
            "endorse for Arvika",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{c}/instam"),
                    vec![("kommun".into(), "arvika".into())],
                )
            }),
            [L, A, R, R, R],
        ),
        // Discussion is open to every role; endorsing is what counts per municipality.
        (
            "reply",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/svar"),
                    vec![("text".into(), "Håller med".into())],
                )
            }),
            [L, A, A, A, A],
        ),
        (
            "edit the comment",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/redigera"),
                    vec![("text".into(), "Förklara hembesöken.".into())],
                )
            }),
            // Only the author (the legal adviser) edits.
            [L, R, R, A, R],
        ),
        (
            "triage",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/triage"),
                    vec![("status".into(), "accepterad".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "reclassify",
            Box::new(move |_| {
                (
                    format!("POST /synpunkter/{comment}/klass"),
                    vec![
                        ("klass".into(), "krav".into()),
                        ("anteckning".into(), "Lagkrav".into()),
                    ],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "answer the round for Arvika",
            Box::new(|_| {
                (
                    format!("POST {V}/omgang/svar"),
                    vec![
                        ("kommun".into(), "arvika".into()),
                        ("svar".into(), "antar".into()),
                    ],
                )
            }),
            [L, A, R, R, R],
        ),
        (
            "open a round",
            Box::new(|_| {
                (
                    "POST /tjanster/anmalan-varmepump/1.0.0/omgang".to_string(),
                    vec![("deadline".into(), "2099-06-30".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "approve a deviation",
            Box::new(move |_| {
                (
                    format!("POST {dev}"),
                    vec![("decision".into(), "approved".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "start a scenario run",
            Box::new(|_| (format!("POST {V}/korningar"), vec![])),
            [L, R, R, R, A],
        ),
        (
            // "Fånga om allt": a comparison that reuses no capture.
            "start a comparison",
            Box::new(|_| {
                (
                    format!("POST {V}/jamforelse"),
                    vec![("allt".into(), "1".into())],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "create a user",
            Box::new(|i| {
                (
                    "POST /anvandare".into(),
                    vec![
                        ("username".into(), format!("ny-{i}")),
                        ("name".into(), "Ny".into()),
                        ("role".into(), "legal_adviser".into()),
                        ("password".into(), "ett långt lösenord".into()),
                    ],
                )
            }),
            [L, R, R, R, A],
        ),
        (
            "assess a checklist item",
            Box::new(|_| {
                (
                    format!("POST {V}/checklistor/grundkrav/dataminimering"),
                    vec![
                        ("status".into(), "uppfyllt".into()),
                        ("kommentar".into(), "Bara det nödvändiga".into()),
                    ],
                )
            }),
            [L, R, R, A, R],
        ),
        (
            // The legal adviser's is a proposal, e-kontoret's the decision.
            "propose or record a regional position",
            Box::new(|_| {
                (
                    format!("POST {V}/checklistor/grundkrav/dataminimering/position"),
                    vec![("position".into(), "Regionalt gäller e-post".into())],
                )
            }),
            [L, R, R, A, A],
        ),
        (
            "read the audit log",
            Box::new(|_| ("GET /logg".into(), vec![])),
            [L, R, R, R, A],
        ),
        (
            "manage users",
            Box::new(|_| ("GET /anvandare".into(), vec![])),
            [L, R, R, R, A],
        ),
    ];
    let mut failures = Vec::new();
    for (action, request, expected) in &table {
        for (i, (who, client)) in clients.iter().enumerate() {
            n += 1;
            let (line, form) = request(n);
            let (method, path) = line.split_once(' ').unwrap();
            let (status, url, _) = if method == "GET" {
                client.get(path).await
            } else {
                let pairs: Vec<(&str, &str)> =
                    form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                client.post(path, &pairs).await
            };
            let got = outcome(status, &url);
            if got != expected[i] {
                failures.push(format!(
                    "{who} / {action}: expected {:?}, got {got:?} ({status} {url})",
                    expected[i]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "role × action mismatches:\n{}",
        failures.join("\n")
    );
    // What the allowed ones did is on record.
    let asked: Vec<Option<String>> =
        sqlx::query_scalar("select request from jobs where kind = 'comparison'")
            .fetch_all(&app.store.pool)
            .await
            .unwrap();
    assert!(
        asked.iter().flatten().any(|r| r.contains("\"fresh\":true")),
        "e-kontoret's comparison reuses nothing: {asked:?}"
    );
    let c = provrum::reviews::store::get(&app.store, comment)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.endorsements, vec!["arvika".to_string()]);
    assert_eq!((c.status.slug(), c.class.slug()), ("accepterad", "krav"));
    assert_eq!(c.body, "Förklara hembesöken.");
    let history = provrum::reviews::changes::revisions(&app.store, comment)
        .await
        .unwrap();
    assert_eq!(history.len(), 3, "{history:?}");
    assert_eq!(
        history[0].before.as_deref(),
        Some("Förklara varför vi frågar om hembesök.")
    );
}

mod role_action_matrix {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        every_role_and_action(Backend::Sqlite).await
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        every_role_and_action(Backend::Postgres).await
    }
}
