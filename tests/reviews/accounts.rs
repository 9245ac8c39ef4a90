//! Accounts: login rate limiting, sessions, `provrum user add`, and the
//! log's words.

use super::*;

on_both_backends! {
    /// After three wrong passwords from one address, that address must wait
    /// before trying the name again, even with the right password.
    async fn login_attempts_are_rate_limited(app) {
        let ok = Client::login(&app, "anna", Role::Reviewer, &["arvika"]).await;
        drop(ok);
        let c = Client::new(&app);
        for _ in 0..provrum::accounts::limiter::FREE_FAILURES {
            let (status, _, page) = c.post("/konto/logga-in", &[("username", "anna"), ("password", "fel lösenord")]).await;
            assert_eq!(status, 401);
            assert!(page.contains("Fel användarnamn eller lösenord"));
        }
        let (status, _, page) = c.post("/konto/logga-in", &[("username", "anna"), ("password", PASSWORD)]).await;
        assert_eq!(status, 429);
        assert!(page.contains("För många misslyckade inloggningar. Vänta"), "{page}");
        // Unknown names answer like wrong passwords.
        let (status, _, _) = c.post("/konto/logga-in", &[("username", "finns-inte"), ("password", PASSWORD)]).await;
        assert_eq!(status, 401);
    }

    /// Sessions: HttpOnly, SameSite=Lax; logging out ends the session server-side.
    async fn sessions_are_http_only_and_end_at_logout(app) {
        let new = NewUser { username: "bo", name: "Bo", role: Role::LegalAdviser, municipalities: &[], password: PASSWORD, email: None };
        create(&app.store, &new, "test").await.unwrap();
        let c = Client::new(&app);
        let token = c.csrf().await;
        let r = c.http.post(format!("{}/konto/logga-in", c.base)).form(&[("username", "bo"), ("password", PASSWORD), ("_csrf", &token)]).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let stored: String = sqlx::query_scalar("select password_hash from users where username = 'bo'").fetch_one(&app.store.pool).await.unwrap();
        assert!(stored.starts_with("$argon2id$") && !stored.contains(PASSWORD));
        let no_redirect = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
        let r = no_redirect.post(format!("{}/konto/logga-in", c.base)).header("cookie", format!("provrum_csrf={token}")).form(&[("username", "bo"), ("password", PASSWORD), ("_csrf", &token)]).send().await.unwrap();
        let cookie = r.headers().get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).find(|v| v.starts_with("provrum_konto=")).expect("session cookie");
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let (_, _, page) = c.get("/konto/logga-ut").await;
        assert!(page.contains("data-action=\"logout\""));
        let (status, url, _) = c.post("/konto/logga-ut", &[]).await;
        assert_eq!(status, 200);
        assert!(url.ends_with("/konto/logga-in"));
        let (_, url, _) = c.get("/").await;
        assert!(url.contains("/konto/logga-in"), "logged out: {url}");
        // An open redirect is not possible through the login form.
        let c2 = Client::new(&app);
        let (_, url, _) = c2.post("/konto/logga-in", &[("username", "bo"), ("password", PASSWORD), ("till", "//evil.example/")]).await;
        assert!(url.starts_with(&c2.base), "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_add_reads_the_password_from_stdin() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_provrum");
    let add = |name: &str, pw: &str, extra: &[&str]| {
        let mut child = Command::new(bin)
            .args(["user", "add", "--name", name, "--data-dir"])
            .arg(dir.path())
            .args(extra)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(format!("{pw}\n").as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).to_string(),
            String::from_utf8_lossy(&out.stderr).to_string(),
        )
    };
    let (code, out, err) = add(
        "anna",
        "ett-långt-lösenord",
        &[
            "--role",
            "reviewer",
            "--municipality",
            "arvika",
            "--full-name",
            "Anna i Arvika",
            "--email",
            "anna@arvika.example",
        ],
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("created user anna (Granskare)"));
    let (code, _, err) = add("bo", "kort", &["--role", "e-kontoret"]);
    assert_eq!(code, 1);
    assert!(err.contains("at least 12 characters"), "{err}");
    let (code, _, err) = add("cia", "ett-långt-lösenord", &["--role", "reviewer"]);
    assert_eq!(code, 1);
    assert!(err.contains("needs at least one --municipality"), "{err}");
    let (code, _, err) = add(
        "anna",
        "ett-långt-lösenord",
        &["--role", "reviewer", "--municipality", "eda"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("taken"), "{err}");
    let list = Command::new(bin)
        .args(["user", "list", "--data-dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&list.stdout);
    assert!(
        text.contains("anna\treviewer\tarvika\tactive\tanna@arvika.example"),
        "{text}"
    );
    let (code, _, err) = add(
        "dan",
        "ett-långt-lösenord",
        &["--role", "e-kontoret", "--email", "inte en adress"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("not an e-mail address"), "{err}");
    assert!(!text.contains("bo\t"));
}

/// The log shows every vocabulary's stored word in words: each value of
/// comment status, class and priority, assessment and role whose stored
/// word is not already Swedish as written is in the log's table.
#[test]
fn the_log_names_every_stored_word() {
    use provrum::reviews::{Class, Status};
    let mut stored: Vec<(&str, String)> = Vec::new();
    stored.extend(
        Status::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    stored.extend(
        Class::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    stored.extend(
        provrum::reviews::model::Priority::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    stored.extend(
        provrum::checklists::store::Assessed::ALL
            .iter()
            .map(|s| (s.slug(), s.swedish().to_string())),
    );
    for (slug, words) in stored {
        let shown = provrum::audit::detail_words(&format!(r#"{{"status":"{slug}"}}"#));
        assert_eq!(shown, format!("status: {words}"), "{slug}");
    }
    for role in Role::ALL {
        let shown = provrum::audit::detail_words(&format!(r#"{{"role":"{}"}}"#, role.as_str()));
        assert_ne!(
            shown,
            format!("roll: {}", role.as_str()),
            "the role in words"
        );
    }
}
