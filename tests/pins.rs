//! Pin by click, in real Chromium: a reviewer points at a field on their
//! own sandbox page; the comment keeps the field, the text under the
//! pointer and a screenshot the test room rendered of that same session's
//! page, at the reviewer's width, with the marker drawn in.

mod common;

use std::time::{Duration, Instant};

use provrum::accounts::Role;
use provrum::browser::{Browser, BrowserOptions};
use provrum::reviews::pins::{self, ShotState};
use serde_json::Value;

const V: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";

fn wait_for(page: &provrum::browser::Page, js: &str, what: &str) -> Value {
    let start = Instant::now();
    loop {
        let v = page.eval(js).expect("eval");
        if !v.is_null() && v != Value::Bool(false) {
            return v;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// No serious or critical axe-core violation on the page as it is now.
fn serious(page: &provrum::browser::Page, what: &str) {
    let result = page.axe().expect("axe run").expect("axe loaded");
    let bad: Vec<String> = result["violations"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|v| matches!(v["impact"].as_str(), Some("serious" | "critical")))
        .map(|v| format!("{} {}", v["id"], v["nodes"][0]["target"]))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: serious axe-core violations {bad:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_pins_a_comment_by_clicking_and_keeps_a_shot_of_their_own_session() {
    let Some(chromium) = common::chromium() else {
        return;
    };
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let new = provrum::accounts::store::NewUser {
        username: "granskare-arvika",
        name: "Greta i Arvika",
        role: Role::Reviewer,
        municipalities: &["arvika".to_string()],
        password: common::PASSWORD,
        email: None,
    };
    provrum::accounts::store::create(&app.store, &new, "test")
        .await
        .expect("user");
    let base = format!("{V}/arvika");
    let url = app.url.clone();
    // The reviewer's window is 1000 px wide: the shot must be too.
    let seen = tokio::task::block_in_place(|| {
        let browser = Browser::launch(&BrowserOptions {
            chromium,
            width: 1000,
            ..Default::default()
        })
        .expect("launch");
        let page = browser.new_page(vec![url.clone()]).expect("page");
        page.set_axe(true).expect("axe");
        page.goto(&format!("{url}/konto/logga-in"))
            .expect("login page");
        page.act_and_wait(
            &format!("(() => {{ document.querySelector('#username').value = 'granskare-arvika'; document.querySelector('#password').value = {:?}; document.querySelector('[data-action=login]').click(); return true; }})()", common::PASSWORD),
            "logging in",
        )
        .expect("log in");
        page.goto(&format!("{url}{base}")).expect("start page");
        page.act_and_wait(
            "(() => { document.querySelector('[data-action=start]').click(); return true; })()",
            "starting",
        )
        .expect("start");
        page.act_and_wait(
            "(() => { document.querySelector('#personnummer').value = '199011142388'; document.querySelector('[data-action=login]').click(); return true; })()",
            "signing in",
        )
        .expect("sign in");
        assert!(page.url().ends_with("/steg/om-dig"), "{}", page.url());
        // Pin mode, then a click on the personnummer field's label.
        let seen = page
            .eval(
                "(() => {
                  document.querySelector('[data-pin-start]').click();
                  if (!document.documentElement.classList.contains('pin-mode')) return 'no pin mode';
                  var label = document.querySelector('main [data-field=\"personnummer\"] label');
                  var r = label.getBoundingClientRect();
                  var x = r.left + 8, y = r.top + r.height / 2;
                  label.dispatchEvent(new MouseEvent('click', { bubbles: true, cancelable: true, view: window, clientX: x, clientY: y }));
                  var panel = document.querySelector('[data-staff-panel]');
                  return { label: label.textContent.trim(), top: r.top + window.scrollY, left: r.left + window.scrollX,
                           panel: panel.getBoundingClientRect().height,
                           height: document.documentElement.scrollHeight,
                           sheet: !document.querySelector('[data-pin-sheet]').hidden,
                           marker: !!document.querySelector('[data-pin-marker]'),
                           plats: document.querySelector('[data-pin-form] [name=plats]').value,
                           quote: document.querySelector('#pin-citat').value };
                })()",
            )
            .expect("pin");
        assert_eq!(
            seen["sheet"],
            Value::Bool(true),
            "the comment sheet opens: {seen}"
        );
        assert_eq!(
            seen["marker"],
            Value::Bool(true),
            "a marker where they clicked: {seen}"
        );
        assert_eq!(seen["plats"], "om-dig|personnummer", "{seen}");
        wait_for(
            &page,
            "document.querySelector('[data-pin-form]').getAttribute('data-shot') === 'started'",
            "the shot to be started",
        );
        serious(&page, "the step with the comment sheet open");
        // Something typed into the step and not sent: saving the comment
        // must not lose it (it is saved in place, the page stays).
        page.eval(
            "document.querySelector('main [name=\"kontakt.phone\"]').value = '070-123 45 67'",
        )
        .expect("type");
        page.eval(
            "(() => { document.querySelector('#pin-text').value = 'Varför behövs personnumret här?'; document.querySelector('#pin-klass-fel').checked = true; document.querySelector('[data-action=save-pinned-comment]').click(); return true; })()",
        )
        .expect("save");
        let saved = wait_for(
            &page,
            "(() => { var s = document.querySelector('[data-saved-comment]'); return s ? s.getAttribute('data-saved-comment') : false; })()",
            "the saved comment to be confirmed",
        );
        assert!(page.url().ends_with("/steg/om-dig"), "{}", page.url());
        assert_eq!(
            page.eval("document.querySelector('main [name=\"kontakt.phone\"]').value")
                .expect("typed"),
            Value::String("070-123 45 67".into()),
            "what was typed is still there"
        );
        assert_eq!(
            page.eval("!document.querySelector('[data-pin-sheet]').hidden")
                .expect("sheet"),
            Value::Bool(false),
            "the sheet closes"
        );
        assert!(
            page.eval("document.querySelector('#staff-panel-h').textContent")
                .expect("heading")
                .as_str()
                .is_some_and(|h| h.contains("1 synpunkt")),
            "the panel counts the new comment"
        );
        let id: i64 = saved.as_str().unwrap().parse().unwrap();
        // The comment's page, once the shot is there.
        let start = Instant::now();
        loop {
            page.goto(&format!("{url}/synpunkter/{id}"))
                .expect("thread");
            if page
                .eval("!!document.querySelector('[data-pin-shot=ok] img')")
                .expect("eval")
                == Value::Bool(true)
            {
                break;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the shot never showed"
            );
            std::thread::sleep(Duration::from_millis(300));
        }
        serious(&page, "the comment with its shot");
        page.close();
        browser.close();
        (seen, id)
    });
    let (seen, id) = seen;
    let c = provrum::reviews::store::get(&app.store, id)
        .await
        .expect("db")
        .expect("comment");
    assert_eq!(c.step.as_deref(), Some("om-dig"));
    assert_eq!(c.field.as_deref(), Some("personnummer"));
    let quote = c.quote.clone().expect("a quote");
    assert!(
        seen["label"].as_str().unwrap().starts_with(&quote) || quote.contains("ersonnummer"),
        "the text under the pointer: {quote:?} / {seen}"
    );
    let token = c.pin_shot.clone().expect("the comment keeps its shot");
    // The shot is rendered in the background; wait for it.
    let start = Instant::now();
    let shot = loop {
        let s = pins::get(&app.store, &token)
            .await
            .expect("db")
            .expect("shot");
        if s.state != ShotState::Pending {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "the shot takes too long"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    assert_eq!(shot.state, ShotState::Ready, "{shot:?}");
    let bytes = app
        .state
        .artifacts
        .read(shot.artifact.as_deref().expect("stored"))
        .await
        .expect("png");
    let img = image::load_from_memory(&bytes).expect("a PNG").to_rgba8();
    assert_eq!(img.width(), 1000, "rendered at the reviewer's width");
    // The same session's step page (the start page would be another height),
    // without the staff panel the reviewer had above it.
    let height = seen["height"].as_f64().unwrap() - seen["panel"].as_f64().unwrap();
    assert!(
        (f64::from(img.height()) - height).abs() < 40.0,
        "shot {} px high, the reviewer's page less the panel {height}",
        img.height()
    );
    let (x, y, w, h) = shot.marker.expect("a marker");
    let top = seen["top"].as_f64().unwrap() - seen["panel"].as_f64().unwrap();
    assert!(
        ((y + 4) as f64 - top).abs() < 12.0,
        "the marker is on the label: box y {y}, label at {top}"
    );
    assert!(w > 0 && h > 0 && x + w <= 1000 && y + h <= i64::from(img.height()));
    let red = img
        .enumerate_pixels()
        .filter(|(_, _, p)| p.0 == [0xd4, 0x35, 0x1c, 0xff])
        .count();
    assert!(red > 100, "the marker is drawn in: {red} marker pixels");
    // The thread shows it.
    app.login_as("granskare-arvika", Role::Reviewer, &["arvika"])
        .await;
    let thread = app.get(&format!("/synpunkter/{id}")).await;
    thread.assert_contains(&format!("src=\"/artefakter/{}\"", shot.artifact.unwrap()));
    thread.assert_contains("data-pin-shot=\"ok\"");
    // Someone else cannot attach it to their comment.
    app.login_as("granskare-b", Role::Reviewer, &["arvika"])
        .await;
    let form = app.get(&format!("{V}/synpunkter/ny?kommun=arvika")).await;
    let done = app
        .post_form(
            &format!("{V}/synpunkter"),
            &[
                ("_csrf", &form.csrf()),
                ("kommun", "arvika"),
                ("plats", "om-dig"),
                ("klass", "fel"),
                ("text", "Lånad bild"),
                ("bild", &token),
            ],
        )
        .await;
    let other: i64 = done
        .path()
        .trim_start_matches("/synpunkter/")
        .parse()
        .unwrap_or_else(|_| panic!("saved: {}", done.path()));
    let other = provrum::reviews::store::get(&app.store, other)
        .await
        .expect("db")
        .expect("comment");
    assert_eq!(other.pin_shot, None, "another person's shot is not kept");
    // Only pages of the variant are rendered.
    let step = app.get(&format!("{base}/steg/om-dig")).await;
    let refused = app
        .post_form(
            &format!("{base}/peka"),
            &[
                ("_csrf", &step.csrf()),
                ("plats", "om-dig"),
                ("sida", "/konto"),
            ],
        )
        .await;
    assert_eq!(refused.status, 400, "{}", refused.body);
}

/// Issue 25: one reviewer pointing a hundred times does not make a
/// colleague wait behind a hundred renders: each reviewer's newer pointing
/// supersedes their queued one.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reviewer_pointing_again_and_again_holds_one_place_in_line() {
    let Some(_) = common::chromium() else {
        return;
    };
    let app = common::spawn_demo(common::Backend::Sqlite)
        .await
        .expect("app");
    let base = format!("{V}/arvika");
    let point = |client: reqwest::Client, csrf: String| {
        let url = format!("{}{base}/peka", app.url);
        let base = base.clone();
        async move {
            let r = client
                .post(url)
                .form(&[
                    ("_csrf", csrf.as_str()),
                    ("plats", "sida:start"),
                    ("sida", base.as_str()),
                    ("element", "0"),
                    ("bredd", "800"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status().as_u16(), 200);
            r.text().await.unwrap()
        }
    };
    app.login_as("greta", Role::Reviewer, &["arvika"]).await;
    let greta = app.client.clone();
    let greta_csrf = app.get("/konto").await.csrf();
    let mut hers = Vec::new();
    for _ in 0..8 {
        hers.push(point(greta.clone(), greta_csrf.clone()).await);
    }
    // A colleague, in a browser of their own.
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let page = other
        .get(format!("{}/konto/logga-in", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let marker = "name=\"_csrf\" value=\"";
    let at = page.find(marker).unwrap() + marker.len();
    let token = page[at..].split('"').next().unwrap().to_string();
    provrum::accounts::store::create(
        &app.store,
        &provrum::accounts::store::NewUser {
            username: "arvid",
            name: "Arvid",
            role: Role::Reviewer,
            municipalities: &["arvika".to_string()],
            password: common::PASSWORD,
            email: None,
        },
        "test",
    )
    .await
    .unwrap();
    other
        .post(format!("{}/konto/logga-in", app.url))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "arvid"),
            ("password", common::PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let konto = other
        .get(format!("{}/konto", app.url))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = konto.find(marker).unwrap() + marker.len();
    let his_csrf = konto[at..].split('"').next().unwrap().to_string();
    let his = point(other, his_csrf).await;
    let settled = |token: String| {
        let store = app.store.clone();
        async move {
            let start = Instant::now();
            loop {
                let s = pins::get(&store, &token).await.unwrap().expect("shot");
                if s.state != ShotState::Pending {
                    return s.state;
                }
                assert!(start.elapsed() < Duration::from_secs(60), "never rendered");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(settled(his).await, ShotState::Ready, "the colleague's shot");
    let mut rendered = 0;
    for t in &hers {
        if settled(t.clone()).await == ShotState::Ready {
            rendered += 1;
        }
    }
    assert_eq!(
        settled(hers.last().unwrap().clone()).await,
        ShotState::Ready,
        "her newest pointing is rendered"
    );
    assert!(
        rendered <= 2,
        "{rendered} of her 8 pointings were rendered: the older ones should give way"
    );
}

/// Without JavaScript, "Spara svaren och lämna synpunkt" on a step saves the
/// (valid) answers typed so far and opens the comment form, which comes back to the
/// step with them in place; a citizen (no login) just stays on the step.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leaving_a_comment_from_a_step_keeps_what_was_typed() {
    let app = common::spawn_demo_without_browser(common::Backend::Sqlite)
        .await
        .expect("app");
    let base = format!("{V}/kil");
    // A citizen has no such button and stays where they are.
    let start = app.post_form(&format!("{base}/starta"), &[]).await;
    let step = app
        .post_form(
            &format!("{base}/logga-in"),
            &[("_csrf", &start.csrf()), ("personnummer", "199011142388")],
        )
        .await;
    assert!(!step.body.contains("data-action=\"comment-draft\""));
    let stay = app
        .post_step(
            &format!("{base}/steg/om-dig"),
            &[
                ("_csrf", &form_csrf(&step.body, "data-step=")),
                ("_action", "comment"),
                ("kontakt.phone", "070-111 22 33"),
            ],
            &[],
        )
        .await;
    assert_eq!(stay.status, 200, "{}", stay.body);
    assert!(stay.path().ends_with("/steg/om-dig"), "{}", stay.url);
    // A reviewer.
    app.login_as("greta", Role::Reviewer, &["kil"]).await;
    let step = app.get(&format!("{base}/steg/om-dig")).await;
    step.assert_contains("data-action=\"comment-draft\"");
    let form = app
        .post_step(
            &format!("{base}/steg/om-dig"),
            &[
                ("_csrf", &form_csrf(&step.body, "data-step=")),
                ("_action", "comment"),
                ("kontakt.name", "Britta Testdotter"),
                ("kontakt.phone", "070-123 45 67"),
            ],
            &[],
        )
        .await;
    assert_eq!(form.status, 200, "{} {}", form.url, form.body);
    assert!(form.path().ends_with("/synpunkter/ny"), "{}", form.url);
    assert!(form.url.contains("steg=om-dig"), "{}", form.url);
    let back = app.get(&format!("{base}/steg/om-dig")).await;
    back.assert_contains("070-123 45 67");
}

/// Other municipalities' open comments at the same place show in the
/// sandbox panel, with "Instäm" for the reviewer's own municipality: no
/// going looking for them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_municipalities_comments_here_can_be_endorsed_in_the_panel() {
    let app = common::spawn_demo_without_browser(common::Backend::Sqlite)
        .await
        .expect("app");
    app.login_as("kalle", Role::Reviewer, &["karlstad"]).await;
    app.login_as("greta", Role::Reviewer, &["kil"]).await;
    let kalle = provrum::accounts::store::for_login(&app.store, "kalle")
        .await
        .unwrap()
        .unwrap()
        .0;
    let v = provrum::services::store::find_version(
        &app.store,
        "anmalan-om-olagenhet",
        Some("2.1.0-rc1"),
    )
    .await
    .unwrap()
    .unwrap();
    let new = provrum::reviews::store::NewComment {
        service_id: "anmalan-om-olagenhet".into(),
        version_id: v.id,
        municipality: Some("karlstad".into()),
        step: Some("om-dig".into()),
        class: Some(provrum::reviews::Class::Onskemal),
        body: "Förklara varför personnumret behövs.".into(),
        form_key: "k1".into(),
        ..Default::default()
    };
    let id = provrum::reviews::store::create(&app.store, &new, &kalle)
        .await
        .unwrap();
    // Greta (Kil) tries Kil's variant and meets Karlstad's comment on this step.
    let base = format!("{V}/kil");
    let start = app.post_form(&format!("{base}/starta"), &[]).await;
    let step = app
        .post_form(
            &format!("{base}/logga-in"),
            &[
                ("_csrf", &form_csrf(&start.body, "/logga-in\"")),
                ("personnummer", "199011142388"),
            ],
        )
        .await;
    assert!(step.path().ends_with("/steg/om-dig"), "{}", step.url);
    step.assert_contains("Andra kommuners öppna synpunkter här (1)");
    step.assert_contains("om Karlstads variant");
    step.assert_contains("Förklara varför personnumret behövs.");
    let at = step
        .body
        .find(&format!("action=\"/synpunkter/{id}/instam\""))
        .expect("an endorse form");
    assert!(step.body[at..].contains("Instäm för Kil"));
    // Endorsed from the panel, back on the step.
    let done = app
        .post_form(
            &format!("/synpunkter/{id}/instam"),
            &[
                ("_csrf", &step.csrf()),
                ("kommun", "kil"),
                ("tillbaka", &format!("{base}/steg/om-dig")),
            ],
        )
        .await;
    assert!(done.path().ends_with("/steg/om-dig"), "{}", done.url);
    done.assert_contains("Instämmer: Kil");
}

/// The CSRF token of the first form after `mark` (its action's end, or
/// `data-step=`): the staff panel's own form comes first on sandbox pages.
fn form_csrf(body: &str, mark: &str) -> String {
    let form = &body[body.find(mark).expect("the form")..];
    let marker = "name=\"_csrf\" value=\"";
    let at = form.find(marker).expect("its token") + marker.len();
    form[at..].split('"').next().unwrap().to_string()
}
