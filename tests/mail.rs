//! Review-round e-mail through a real SMTP server on 127.0.0.1 (Debian's
//! aiosmtpd writing a Maildir, which `scripts/test` installs): who gets the
//! round's opening, the reminder and the late-answer note, with subject,
//! body and link; each is sent once; nothing is sent without `[mail]`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use common::Backend;
use provrum::accounts::Role;
use provrum::accounts::store::{NewUser, create, for_login, set_email};

/// An SMTP server that stores what it receives in a Maildir.
struct Smtp {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Drop for Smtp {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn python() -> PathBuf {
    // Debian's interpreter has python3-aiosmtpd; a pyenv python on PATH does not.
    for p in ["/usr/bin/python3", "python3"] {
        let ok = Command::new(p)
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if ok {
            return PathBuf::from(p);
        }
    }
    panic!("no Python with aiosmtpd (apt-get install python3-aiosmtpd; scripts/test does)");
}

fn smtp() -> Smtp {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let child = Command::new(python())
        .args([
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            &format!("127.0.0.1:{port}"),
            "-c",
            "aiosmtpd.handlers.Mailbox",
        ])
        .arg(dir.path().join("Maildir"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start aiosmtpd");
    // Owned at once: dropping it (also on a panic below) stops the server.
    let server = Smtp { child, port, dir };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return server;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    panic!("aiosmtpd did not listen on {port}");
}

/// The received mails: (to, subject, body), decoded.
fn received(dir: &Path) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(entries) = std::fs::read_dir(dir.join("Maildir").join(sub)) else {
            continue;
        };
        for e in entries.flatten() {
            let raw = std::fs::read_to_string(e.path()).unwrap();
            let (head, body) = raw
                .split_once("\n\n")
                .or_else(|| raw.split_once("\r\n\r\n"))
                .unwrap_or((&raw, ""));
            // Unfold continued header lines first.
            let unfolded = head
                .replace("\r\n", "\n")
                .replace("\n ", " ")
                .replace("\n\t", " ");
            let header = |name: &str| {
                unfolded
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .unwrap_or_default()
                    .to_string()
            };
            out.push((
                header("To"),
                decode_subject(&header("Subject")),
                decode_body(head, body),
            ));
        }
    }
    out.sort();
    out
}

/// `=?utf-8?b?…?=` (what lettre writes for non-ASCII subjects).
fn decode_subject(s: &str) -> String {
    use base64::Engine;
    let mut out = String::new();
    let mut last_encoded = false;
    for w in s.split_whitespace() {
        let encoded =
            w.len() > 12 && w.to_ascii_lowercase().starts_with("=?utf-8?b?") && w.ends_with("?=");
        // Whitespace between two encoded words is not part of the text (RFC 2047).
        if !(out.is_empty() || encoded && last_encoded) {
            out.push(' ');
        }
        if encoded {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&w[10..w.len() - 2])
                .unwrap();
            out.push_str(&String::from_utf8(bytes).unwrap());
        } else {
            out.push_str(w);
        }
        last_encoded = encoded;
    }
    out
}

fn decode_body(head: &str, body: &str) -> String {
    if head.contains("Content-Transfer-Encoding: base64") {
        use base64::Engine;
        let joined: String = body.split_whitespace().collect();
        return String::from_utf8(
            base64::engine::general_purpose::STANDARD
                .decode(joined)
                .unwrap(),
        )
        .unwrap();
    }
    if head.contains("quoted-printable") {
        let mut out = Vec::new();
        let bytes = body.replace("=\r\n", "").replace("=\n", "");
        let b = bytes.as_bytes();
        let mut i = 0;
        while i < b.len() {
            if b[i] == b'=' && i + 2 < b.len() {
                out.push(
                    u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap(), 16).unwrap(),
                );
                i += 3;
            } else {
                out.push(b[i]);
                i += 1;
            }
        }
        return String::from_utf8(out).unwrap();
    }
    body.to_string()
}

async fn person(
    app: &common::TestApp,
    name: &str,
    role: Role,
    ms: &[&str],
    email: &str,
) -> provrum::accounts::User {
    let list: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
    let new = NewUser {
        username: name,
        name: &format!("Namn {name}"),
        role,
        municipalities: &list,
        password: common::PASSWORD,
        email: None,
    };
    create(&app.store, &new, "test").await.unwrap();
    let u = for_login(&app.store, name).await.unwrap().unwrap().0;
    set_email(&app.store, u.id, email).await.unwrap();
    u
}

async fn the_three_kinds_of_mail_are_sent_once(backend: Backend) {
    let server = smtp();
    let settings = provrum::web::Settings {
        mail: Some(provrum::config::MailConfig {
            host: "127.0.0.1".into(),
            port: server.port,
            tls: "none".into(),
            username: None,
            password: None,
            from: "Provrum <provrum@ekontoret.example>".into(),
            public_url: "https://provrum.example".into(),
            reminder_days: 3,
        }),
        ..provrum::web::Settings::default()
    };
    let Some(app) = common::spawn_demo_with(backend, settings).await else {
        return;
    };
    let eva = person(&app, "eva", Role::EKontoret, &[], "eva@ekontoret.example").await;
    person(
        &app,
        "anna",
        Role::Reviewer,
        &["arvika"],
        "anna@arvika.example",
    )
    .await;
    person(
        &app,
        "kalle",
        Role::Reviewer,
        &["karlstad", "hammaro"],
        "kalle@karlstad.example",
    )
    .await;
    person(
        &app,
        "jonas",
        Role::LegalAdviser,
        &[],
        "jonas@region.example",
    )
    .await;
    let quiet = person(&app, "utan", Role::Reviewer, &["kil"], "").await;
    assert!(quiet.active);
    // A round closing in two days: the opening and the reminder are both due.
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::rounds::open(&app.store, v.id, &common::in_swedish_days(2), &eva)
        .await
        .unwrap();
    // A round that closed long ago, answered late by Arvika.
    let old = provrum::services::store::find_version(&app.store, "anmalan-varmepump", None)
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::rounds::open(&app.store, old.id, &common::in_swedish_days(20), &eva)
        .await
        .unwrap();
    sqlx::query("update review_rounds set deadline = $1 where version_id = $2")
        .bind(common::in_swedish_days(-2))
        .bind(old.id)
        .execute(&app.store.pool)
        .await
        .unwrap();
    let anna = for_login(&app.store, "anna").await.unwrap().unwrap().0;
    let round = provrum::reviews::rounds::latest(&app.store, old.id)
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::rounds::answer(
        &app.store,
        &round,
        "arvika",
        provrum::reviews::rounds::Given {
            answer: provrum::reviews::rounds::Answer::Antar,
            reason: "",
            comments: &[],
        },
        &anna,
    )
    .await
    .unwrap();

    // E-kontoret asks Arvika why it deviates ("Fråga varför").
    let asked = provrum::reviews::why::ask(
        &app.store,
        provrum::reviews::why::Question {
            service_id: "anmalan-om-olagenhet",
            version_id: v.id,
            change: "Steget ”Störningen” har en egen rubrik",
            municipalities: &[("arvika".to_string(), "Arvika".to_string())],
        },
        &eva,
    )
    .await
    .unwrap();

    let sent =
        provrum::mail::send_due(&provrum::mail::web::mailing(&app.state).expect("mail configured"))
            .await
            .expect("send");
    let mails = received(server.dir.path());
    assert_eq!(sent, mails.len(), "sent {sent}: {mails:#?}");
    let to = |who: &str, what: &str| {
        mails
            .iter()
            .filter(|(t, s, _)| t.contains(who) && s.contains(what))
            .count()
    };
    assert_eq!(
        to(
            "anna@arvika.example",
            "Granska Anmälan om olägenhet 2.1.0-rc1 – svara senast"
        ),
        1,
        "{mails:#?}"
    );
    assert_eq!(
        to("kalle@karlstad.example", "Granska Anmälan om olägenhet"),
        1,
        "one mail for both his municipalities"
    );
    assert_eq!(
        to(
            "anna@arvika.example",
            "Påminnelse: svara på Anmälan om olägenhet"
        ),
        1
    );
    assert_eq!(
        to(
            "eva@ekontoret.example",
            "Arvika svarade sent på Anmälan om installation av värmepump"
        ),
        1,
        "{mails:#?}"
    );
    assert_eq!(
        to(
            "anna@arvika.example",
            "Varför avviker Arvika i Anmälan om olägenhet"
        ),
        1,
        "the question reaches Arvika's reviewer: {mails:#?}"
    );
    assert_eq!(to("kalle@", "Varför avviker"), 0, "Karlstad was not asked");
    let (_, _, why) = mails
        .iter()
        .find(|(_, s, _)| s.contains("Varför avviker"))
        .unwrap();
    assert!(
        why.contains(&format!("https://provrum.example/synpunkter/{}", asked[0]))
            && why.contains("egen rubrik"),
        "{why}"
    );
    assert_eq!(to("jonas@", ""), 0, "legal advisers are not in the round");
    assert_eq!(to("eva@", "Granska"), 0, "e-kontoret opened it");
    assert!(
        !mails
            .iter()
            .any(|(_, s, _)| s.contains("värmepump") && s.contains("Granska")),
        "no opening mail for a closed round"
    );
    let (_, _, body) = mails
        .iter()
        .find(|(t, s, _)| t.contains("kalle") && s.contains("Granska"))
        .unwrap();
    assert!(
        body.contains("Hammarö, Karlstad") || body.contains("Karlstad, Hammarö"),
        "{body}"
    );
    assert!(
        body.contains("https://provrum.example/tjanster/anmalan-om-olagenhet/2.1.0-rc1/omgang"),
        "{body}"
    );
    // Sent once: nothing new the second time, also from a fresh process state.
    assert_eq!(
        provrum::mail::send_due(&provrum::mail::web::mailing(&app.state).expect("mail configured"))
            .await
            .unwrap(),
        0
    );
    assert_eq!(received(server.dir.path()).len(), mails.len());
    // The round page says mail goes out.
    app.login_as("eva2", Role::EKontoret, &[]).await;
    let page = app
        .get("/tjanster/anmalan-om-olagenhet/2.1.0-rc1/omgang")
        .await;
    page.assert_contains("får e-post när omgången öppnas");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_kinds_of_mail_are_sent_once_sqlite() {
    the_three_kinds_of_mail_are_sent_once(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_three_kinds_of_mail_are_sent_once_postgres() {
    the_three_kinds_of_mail_are_sent_once(Backend::Postgres).await
}

/// Without `[mail]` nothing is sent and the round page says so.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_mail_settings_nothing_is_sent_and_the_page_says_so() {
    let app = common::spawn_demo(Backend::Sqlite).await.expect("app");
    assert!(
        provrum::mail::web::mailing(&app.state).is_none(),
        "without [mail] the server has no mailing"
    );
    app.login_as("eva", Role::EKontoret, &[]).await;
    let page = app
        .get("/tjanster/anmalan-om-olagenhet/2.1.0-rc1/omgang")
        .await;
    page.assert_contains("E-post är inte inställd i provrummet");
    // People give their own address on their account page.
    let account = app.get("/konto").await;
    let refused = app
        .post_form(
            "/konto/epost",
            &[("_csrf", &account.csrf()), ("email", "inte en adress")],
        )
        .await;
    assert_eq!(refused.status, 400);
    refused.assert_contains("är ingen e-postadress");
    let saved = app
        .post_form(
            "/konto/epost",
            &[
                ("_csrf", &account.csrf()),
                ("email", "eva@ekontoret.example"),
            ],
        )
        .await;
    assert_eq!(saved.status, 200);
    saved.assert_contains("E-postadressen är sparad.");
    saved.assert_contains("value=\"eva@ekontoret.example\"");
    let eva = for_login(&app.store, "eva").await.unwrap().unwrap().0;
    assert_eq!(
        provrum::accounts::store::email_of(&app.store, eva.id)
            .await
            .unwrap()
            .as_deref(),
        Some("eva@ekontoret.example")
    );
}
