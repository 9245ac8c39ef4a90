//! Accounts, roles and reviewers' feedback over real HTTP on both database
//! backends: every role × action pair, CSRF, escaping in pages and exports,
//! concurrent endorsements, review rounds, carry-over with orphans, login
//! rate limiting and `provrum user add`.

mod accounts;
mod carried;
mod comments;
#[path = "../common/mod.rs"]
mod common;
mod roles;

use common::{Backend, PASSWORD, TestApp};
use provrum::accounts::Role;
use provrum::accounts::store::{NewUser, create};

const V: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";

/// One browser: its own cookie jar, logged in (or not).
struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    fn new(app: &TestApp) -> Client {
        Client {
            http: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::limited(10))
                .build()
                .expect("client"),
            base: app.url.clone(),
        }
    }

    async fn get(&self, path: &str) -> (u16, String, String) {
        let r = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("GET");
        let (status, url) = (r.status().as_u16(), r.url().to_string());
        (status, url, r.text().await.unwrap_or_default())
    }

    /// A CSRF token for this client (from the login page, which any client may open).
    async fn csrf(&self) -> String {
        let (_, _, body) = self.get("/konto/logga-in").await;
        let marker = "name=\"_csrf\" value=\"";
        let i = body.find(marker).expect("csrf") + marker.len();
        body[i..].split('"').next().unwrap_or_default().to_string()
    }

    async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String, String) {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = form.to_vec();
        all.push(("_csrf", &token));
        let r = self
            .http
            .post(format!("{}{path}", self.base))
            .form(&all)
            .send()
            .await
            .expect("POST");
        let (status, url) = (r.status().as_u16(), r.url().to_string());
        (status, url, r.text().await.unwrap_or_default())
    }

    async fn login(app: &TestApp, username: &str, role: Role, ms: &[&str]) -> Client {
        let list: Vec<String> = ms.iter().map(|m| m.to_string()).collect();
        let new = NewUser {
            username,
            name: &format!("Namn {username}"),
            role,
            municipalities: &list,
            password: PASSWORD,
            email: None,
        };
        create(&app.store, &new, "test").await.expect("user");
        let c = Client::new(app);
        let (status, _, body) = c
            .post(
                "/konto/logga-in",
                &[
                    ("username", username),
                    ("password", PASSWORD),
                    ("till", "/"),
                ],
            )
            .await;
        assert_eq!(status, 200);
        assert!(body.contains("Logga ut"), "{username} is not logged in");
        c
    }
}

/// An action in the role matrix: its name, the request it makes (given a
/// counter for unique names), and the expected outcome per client.
type Row = (
    &'static str,
    Box<dyn Fn(usize) -> (String, Vec<(String, String)>)>,
    [Outcome; 5],
);

#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Allowed,
    Refused,
    LoginAsked,
}

fn outcome(status: u16, url: &str) -> Outcome {
    if url.contains("/konto/logga-in") {
        Outcome::LoginAsked
    } else if status == 403 {
        Outcome::Refused
    } else {
        assert!(
            (200..400).contains(&status),
            "unexpected status {status} at {url}"
        );
        Outcome::Allowed
    }
}

/// Start a sandbox session on `base` as client `c`; returns the login page.
async fn sandbox_start(c: &Client, base: &str) -> (u16, String, String) {
    let r = c
        .http
        .post(format!("{}{base}/starta", c.base))
        .send()
        .await
        .expect("start");
    let (status, url) = (r.status().as_u16(), r.url().to_string());
    (status, url, r.text().await.unwrap_or_default())
}

/// The form token of the page's own form (inside `<main>`, after the staff
/// panel's forms, which carry the staff session's token).
fn token_in(page: &str) -> String {
    let marker = "name=\"_csrf\" value=\"";
    let main = page.find("<main").unwrap_or(0);
    let i = main + page[main..].find(marker).expect("a form token") + marker.len();
    page[i..].split('"').next().unwrap_or_default().to_string()
}

async fn a_comment(app: &TestApp, author: &str) -> i64 {
    let (u, _) = provrum::accounts::store::for_login(&app.store, author)
        .await
        .unwrap()
        .unwrap();
    let v = provrum::services::store::find_version(&app.store, "anmalan-om-olagenhet", None)
        .await
        .unwrap()
        .unwrap();
    provrum::reviews::store::create(
        &app.store,
        &provrum::reviews::store::NewComment {
            service_id: "anmalan-om-olagenhet".into(),
            version_id: v.id,
            municipality: Some("arvika".into()),
            step: Some("storningen".into()),
            class: Some(provrum::reviews::Class::Onskemal),
            body: "Förklara varför vi frågar om hembesök.".into(),
            ..Default::default()
        },
        &u,
    )
    .await
    .unwrap()
}
