//! A citizen's walk through hosted variants, against a real server.

mod common;

use serde_json::Value;

const OLAGENHET: &str = "/tjanster/anmalan-om-olagenhet/2.1.0-rc1";
const FORSKOLA: &str = "/tjanster/ansokan-om-forskoleplats/1.4.0";
const BRITTA: &str = "199011142388";

/// (step path, submitted fields, field expected to fail, message).
type RuleCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, &'a str, &'a str);
/// (files to attach, message).
type FileCase<'a> = (Vec<(&'a str, &'a str, Vec<u8>)>, &'a str);

async fn start_and_login(app: &common::TestApp, base: &str, pnr: &str) -> common::Page {
    let start = app.get(base).await;
    assert_eq!(start.status, 200, "{}", start.body);
    let login = app.post_form(&format!("{base}/starta"), &[]).await;
    assert!(
        login.path().ends_with("/logga-in"),
        "start leads to the e-legitimation: {}",
        login.url
    );
    let step1 = app
        .post_form(
            &format!("{base}/logga-in"),
            &[("_csrf", &login.csrf()), ("personnummer", pnr)],
        )
        .await;
    // The start page counts the steps as the steps themselves do.
    if let Some(at) = step1.body.find("Steg 1 av ") {
        let total: String = step1.body[at + 10..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        let said = start
            .body
            .split("data-step-count>")
            .nth(1)
            .and_then(|t| t.split('<').next())
            .unwrap_or_default();
        assert!(
            said.contains(&format!(" {total} steg")) || said.contains(&format!("–{total} steg")),
            "start page says {said:?}, the first step says {total}"
        );
    }
    step1
}

async fn case_payload(app: &common::TestApp, receipt: &common::Page) -> Value {
    let marker = "data-case-number>";
    let at = receipt
        .body
        .find(marker)
        .expect("receipt shows a case number")
        + marker.len();
    let case = receipt.body[at..]
        .split('<')
        .next()
        .unwrap_or_default()
        .trim()
        .to_string();
    // The inbox is for the test room's staff.
    app.login_as("inkorg", provrum::accounts::Role::EKontoret, &[])
        .await;
    let res = app
        .client
        .get(format!("{}/inkorg/{case}/payload.json", app.url))
        .send()
        .await
        .expect("payload");
    assert_eq!(res.status(), 200);
    res.json().await.expect("payload is JSON")
}

on_both_backends! {
    /// Arvika's variant adds a home-visit question and renames a step.
    async fn arvika_walkthrough_lands_in_the_inbox(app) {
        let base = format!("{OLAGENHET}/arvika");
        let step1 = start_and_login(&app, &base, BRITTA).await;
        assert!(step1.path().ends_with("/steg/om-dig"), "{}", step1.url);
        step1.assert_contains("Steg 1 av 5: Om dig – Anmälan om olägenhet – Arvika kommun – Provrum");
        step1.assert_contains("Miljö- och hälsoskyddsnämnden, Arvika kommun");
        // Prefilled from the e-legitimation.
        step1.assert_contains("value=\"19901114-2388\"");
        step1.assert_contains("value=\"Britta Testdotter\"");
        let csrf = step1.csrf();
        let step2 = app.post_step(&format!("{base}/steg/om-dig"), &[("_csrf", &csrf), ("personnummer", "19901114-2388"), ("kontakt.name", "Britta Testdotter"), ("kontakt.email", "britta@exempel.se"), ("kontakt.phone", "")], &[]).await;
        assert!(step2.path().ends_with("/steg/storningen"), "{}", step2.url);
        step2.assert_contains("Beskriv störningen</h1>");
        step2.assert_contains("data-field=\"hembesok\"");
        let step3 = app.post_step(&format!("{base}/steg/storningen"), &[("_csrf", &csrf), ("typ", "buller"), ("beskrivning", "Fläkten på granngården låter hela natten, varje natt."), ("kontaktat-agare", "nej"), ("hembesok", "ja"), ("sedan", "2026-01-15")], &[]).await;
        assert!(step3.path().ends_with("/steg/plats"), "{}", step3.body);
        let step4 = app.post_step(&format!("{base}/steg/plats"), &[("_csrf", &csrf), ("adress.street", "Storgatan 12"), ("adress.postal_code", "671 31"), ("adress.city", "Arvika"), ("fastighetsbeteckning", "Gunnar 12:3"), ("antal-hushall", "4")], &[]).await;
        assert!(step4.path().ends_with("/steg/bilagor"), "{}", step4.body);
        let summary = app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[("filer", "natt.png", common::png())]).await;
        assert!(summary.path().ends_with("/granska"), "{}", summary.body);
        summary.assert_contains("natt.png");
        summary.assert_contains("<dd data-answer=\"hembesok\">Ja</dd>");
        let receipt = app.post_form(&format!("{base}/granska"), &[("_csrf", &csrf)]).await;
        assert!(receipt.path().ends_with("/kvittens"), "{}", receipt.body);
        receipt.assert_contains("Ärendenummer");
        receipt.assert_contains("1784-20");
        receipt.assert_contains(" kl. ");
        let payload = case_payload(&app, &receipt).await;
        assert_eq!(payload["municipality"]["code"], "1784");
        assert_eq!(payload["values"]["typ"], "buller");
        assert_eq!(payload["values"]["hembesok"], "ja");
        assert_eq!(payload["values"]["adress"]["city"], "Arvika");
        assert_eq!(payload["applicant"]["personnummer"], "19901114-2388");
        assert_eq!(payload["attachments"][0]["filename"], "natt.png");
        assert_eq!(payload["attachments"][0]["content_type"], "image/png");
        assert!(payload["signature"].is_null(), "olägenhet needs no signature");
        // The inbox lists the case, and the attachment is the bytes sent.
        let inbox = app.get(&format!("{base}/inkorg")).await;
        inbox.assert_contains(payload["case_number"].as_str().unwrap_or("?"));
        inbox.assert_contains("Britta Testdotter (19901114-2388)");
        let case = app.get(&format!("/inkorg/{}", payload["case_number"].as_str().unwrap_or("?"))).await;
        case.assert_contains("natt.png");
        // As a case officer reads it: the applicant by name, each step's
        // questions and answers in words, attachments with type and size.
        case.assert_contains("<dt>Namn</dt><dd>Britta Testdotter</dd>");
        case.assert_contains("data-address>");
        case.assert_contains("– PNG-bild, ");
        case.assert_contains("Vad gäller anmälan?");
        case.assert_contains("<dd>Buller</dd>");
        let href_at = case.body.find("/bilagor/").expect("attachment link");
        let href_start = case.body[..href_at].rfind('"').map(|i| i + 1).unwrap_or(0);
        let href = case.body[href_start..].split('"').next().unwrap_or_default().to_string();
        let bytes = app.client.get(format!("{}{href}", app.url)).send().await.expect("download").bytes().await.expect("bytes");
        assert_eq!(bytes.to_vec(), common::png());
        // After sending, the steps lead to the receipt, not to a second case.
        let again = app.get(&format!("{base}/steg/om-dig")).await;
        assert!(again.path().ends_with("/kvittens"));
    }

    /// Karlstad's variant differs: other step title, no home-visit question, no attachment needed.
    async fn karlstad_walkthrough_differs_from_arvika(app) {
        let base = format!("{OLAGENHET}/karlstad");
        let step1 = start_and_login(&app, &base, "197001239297").await;
        let csrf = step1.csrf();
        let step2 = app.post_step(&format!("{base}/steg/om-dig"), &[("_csrf", &csrf), ("personnummer", "19700123-9297"), ("kontakt.name", "Anders Provsson"), ("kontakt.phone", "070-000 00 01")], &[]).await;
        step2.assert_contains("Vad vill du anmäla?</h1>");
        assert!(!step2.body.contains("data-field=\"hembesok\""), "Karlstad has no home-visit question");
        step2.assert_contains("Karlstads kommun");
        app.post_step(&format!("{base}/steg/storningen"), &[("_csrf", &csrf), ("typ", "annat"), ("annat-beskrivning", "Damm från bygge"), ("beskrivning", "Dammet från bygget lägger sig på allt i lägenheten."), ("kontaktat-agare", "ja"), ("svar-agare", "De lovade att vattna.")], &[]).await;
        app.post_step(&format!("{base}/steg/plats"), &[("_csrf", &csrf), ("adress.street", "Drottninggatan 1"), ("adress.postal_code", "652 24"), ("adress.city", "Karlstad")], &[]).await;
        let summary = app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &csrf)], &[]).await;
        summary.assert_contains("Ingen fil bifogad");
        let receipt = app.post_form(&format!("{base}/granska"), &[("_csrf", &csrf)]).await;
        let payload = case_payload(&app, &receipt).await;
        assert_eq!(payload["municipality"]["code"], "1780");
        assert!(payload["case_number"].as_str().is_some_and(|c| c.starts_with("1780-")));
        assert_eq!(payload["values"]["annat-beskrivning"], "Damm från bygge");
        assert_eq!(payload["values"]["svar-agare"], "De lovade att vattna.");
        assert!(payload["values"].get("hembesok").is_none());
        assert_eq!(payload["organisation"], "Miljönämnden, Karlstads kommun");
    }

    /// Förskoleplats needs signing: the case carries the signature.
    async fn signing_is_required_before_sending_when_the_service_says_so(app) {
        let base = format!("{FORSKOLA}/karlstad");
        let step1 = start_and_login(&app, &base, BRITTA).await;
        let csrf = step1.csrf();
        let step2 = app.post_step(&format!("{base}/steg/barnet"), &[("_csrf", &csrf), ("barn-personnummer", "20000101-2384"), ("barn-namn", "Elin"), ("sarskilda-behov", "nej")], &[]).await;
        assert!(step2.path().ends_with("/steg/plats"), "{}", step2.body);
        step2.assert_contains("Förskola, tredjehandsval");
        let step3 = app.post_step(&format!("{base}/steg/plats"), &[("_csrf", &csrf), ("startdatum", "2099-08-15"), ("timmar", "30"), ("skal", "arbete"), ("skal", "studier"), ("forskola-1", "herrhagens-forskola")], &[]).await;
        assert!(step3.path().ends_with("/steg/vardnadshavare"), "{}", step3.body);
        let summary = app.post_step(&format!("{base}/steg/vardnadshavare"), &[("_csrf", &csrf), ("kontakt.name", "Britta Testdotter"), ("kontakt.email", "britta@exempel.se"), ("adress.street", "Västra Torggatan 3"), ("adress.postal_code", "65224"), ("adress.city", "Karlstad")], &[]).await;
        summary.assert_contains("Gå vidare till underskrift");
        summary.assert_contains("Jag arbetar, Jag studerar");
        let sign = app.post_form(&format!("{base}/granska"), &[("_csrf", &csrf)]).await;
        assert!(sign.path().ends_with("/signera"), "{}", sign.url);
        // The checksum of what is signed is kept for the case, not shown to
        // the citizen (a hex string means nothing to them); comparisons mask it.
        sign.assert_contains("<dd data-signed-digest=\"");
        sign.assert_contains("Dina svar, så som de står på sidan där du granskade dem");
        assert!(!sign.body.contains("kontrollsumma"), "no checksum in words");
        assert!(provrum::compare::capture::VOLATILE.contains(&"[data-signed-digest]"));
        sign.assert_contains("Jag intygar att uppgifterna är riktiga och att jag är vårdnadshavare till barnet.");
        let receipt = app.post_form(&format!("{base}/signera"), &[("_csrf", &csrf)]).await;
        receipt.assert_contains("undertecknat med e-legitimation");
        let payload = case_payload(&app, &receipt).await;
        assert_eq!(payload["signature"]["signer"], "19901114-2388");
        assert_eq!(payload["values"]["skal"], serde_json::json!(["arbete", "studier"]));
    }

    async fn a_formally_valid_number_that_is_not_a_test_number_is_refused(app) {
        let base = format!("{OLAGENHET}/eda");
        let refused = start_and_login(&app, &base, "19121212-1212").await;
        assert_eq!(refused.status, 422);
        assert!(refused.path().ends_with("/logga-in"));
        refused.assert_contains("inget av Skatteverkets testpersonnummer");
        refused.assert_contains("riktiga personuppgifter hör inte hemma här");
        refused.assert_contains("<title>Fel: Logga in");
        // A wrong check digit gets its own message.
        let login = app.get(&format!("{base}/logga-in")).await;
        let bad = app.post_form(&format!("{base}/logga-in"), &[("_csrf", &login.csrf()), ("personnummer", "19901114-2389")]).await;
        bad.assert_contains("fel kontrollsiffra");
        // And the steps stay closed until a test identity signs in.
        let step = app.get(&format!("{base}/steg/om-dig")).await;
        assert!(step.path().ends_with("/logga-in"));
    }

    async fn a_protected_identity_never_reveals_an_address(app) {
        let base = format!("{FORSKOLA}/arvika");
        let step1 = start_and_login(&app, &base, "199304262380").await;
        step1.assert_contains("Dalia Skyddad");
        let csrf = step1.csrf();
        app.post_step(&format!("{base}/steg/barnet"), &[("_csrf", &csrf), ("barn-personnummer", "200001012384"), ("barn-namn", "Kim"), ("sarskilda-behov", "nej")], &[]).await;
        app.post_step(&format!("{base}/steg/plats"), &[("_csrf", &csrf), ("startdatum", "2099-01-10"), ("timmar", "20"), ("skal", "arbete"), ("forskola-1", "furubergs-forskola")], &[]).await;
        let step3 = app.get(&format!("{base}/steg/vardnadshavare")).await;
        assert!(step3.body.contains("name=\"adress.street\" value=\"\""), "the address is not prefilled for a protected identity");
        app.post_step(&format!("{base}/steg/vardnadshavare"), &[("_csrf", &csrf), ("kontakt.name", "Dalia Skyddad"), ("kontakt.phone", "070-000 00 04"), ("adress.street", "Box 123"), ("adress.postal_code", "671 00"), ("adress.city", "Arvika")], &[]).await;
        app.post_form(&format!("{base}/granska"), &[("_csrf", &csrf)]).await;
        let receipt = app.post_form(&format!("{base}/signera"), &[("_csrf", &csrf)]).await;
        let payload = case_payload(&app, &receipt).await;
        assert_eq!(payload["applicant"]["protected_identity"], true);
        assert!(payload["applicant"].get("address").is_none(), "no register address for a protected identity");
        let case = app.get(&format!("/inkorg/{}", payload["case_number"].as_str().unwrap_or("?"))).await;
        case.assert_contains("Skyddad identitet");
        assert!(!case.body.contains("data-address>"), "no register address on the case page");
        case.assert_contains("<dt>Namn</dt><dd>Dalia Skyddad</dd>");
        // The case as a PDF, printed by the test room's own Chromium.
        if common::chromium().is_none() {
            return;
        }
        let number = payload["case_number"].as_str().unwrap_or("?").to_string();
        let res = app.client.get(format!("{}/inkorg/{number}/arende.pdf", app.url)).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200);
        assert_eq!(res.headers()["content-type"], "application/pdf");
        let pdf = res.bytes().await.unwrap();
        assert!(pdf.starts_with(b"%PDF-"), "a PDF");
        assert!(pdf.windows(9).any(|w| w == b"/FontFile"), "its fonts are embedded");
        let text = common::pdf_text(&pdf);
        for expected in [number.as_str(), "Dalia Skyddad", "Skyddad identitet", "Kim"] {
            assert!(text.contains(expected), "{expected} in the PDF: {text}");
        }
        assert!(!text.contains("Logga ut"), "printed without the test room's menu");
        // Nobody else's case prints: a reviewer of another municipality gets a 404.
        app.login_as("granskare-kil", provrum::accounts::Role::Reviewer, &["kil"]).await;
        let other = app.client.get(format!("{}/inkorg/{number}/arende.pdf", app.url)).send().await.unwrap();
        assert_eq!(other.status().as_u16(), 404);
    }

    async fn a_form_without_its_csrf_token_is_refused(app) {
        let base = format!("{OLAGENHET}/kil");
        let step1 = start_and_login(&app, &base, BRITTA).await;
        assert_eq!(step1.status, 200);
        let forged = app.post_step(&format!("{base}/steg/om-dig"), &[("_csrf", "forged"), ("personnummer", "19901114-2388")], &[]).await;
        assert_eq!(forged.status, 403);
        let login_forged = app.post_form(&format!("{base}/logga-in"), &[("personnummer", BRITTA)]).await;
        assert_eq!(login_forged.status, 403);
    }

    async fn an_external_variant_points_away_and_cannot_be_started(app) {
        let base = format!("{OLAGENHET}/storfors");
        let start = app.get(&base).await;
        start.assert_contains("https://e-tjanster.storfors.example/olagenhet");
        let refused = app.post_form(&format!("{base}/starta"), &[]).await;
        assert_eq!(refused.status, 400);
    }

    async fn pages_carry_a_strict_content_security_policy_and_health_is_reported(app) {
        // The test room's own pages need a login; the sandbox does not.
        let anonymous = app.get("/").await;
        assert!(anonymous.url.contains("/konto/logga-in?till=/"), "{}", anonymous.url);
        let sandbox = app.get(&format!("{OLAGENHET}/arvika")).await;
        assert_eq!(sandbox.status, 200);
        app.login_as("granskare", provrum::accounts::Role::Reviewer, &["arvika"]).await;
        let res = app.client.get(format!("{}/", app.url)).send().await.expect("GET /");
        let csp = res.headers().get("content-security-policy").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        assert!(csp.contains("default-src 'self'") && csp.contains("form-action 'self'"), "{csp}");
        let home = res.text().await.expect("body");
        assert!(home.contains("Anmälan om olägenhet") && home.contains("Arvika kommun"));
        let health = app.get("/healthz").await;
        assert_eq!((health.status, health.body.as_str()), (200, "ok\n"));
        let missing = app.get("/tjanster/finns-inte/1.0.0/arvika").await;
        assert_eq!(missing.status, 404);
        missing.assert_contains("Det finns ingen version 1.0.0");
        let version = app.get(OLAGENHET).await;
        version.assert_contains("Extra fält: ”Vill du att en inspektör gör ett hembesök?”");
        version.assert_contains("Döljer ”Hur många hushåll berörs, ungefär?”");
    }
}

on_both_backends! {
    /// Every validation rule refuses bad input with its Swedish message, and
    /// the page says where: an error summary linking to each field.
    async fn each_validation_rule_rejects_bad_input_in_swedish(app) {
        let base = format!("{OLAGENHET}/kristinehamn");
        let step1 = start_and_login(&app, &base, BRITTA).await;
        let csrf = step1.csrf();
        let om_dig = format!("{base}/steg/om-dig");
        let storningen = format!("{base}/steg/storningen");
        let plats = format!("{base}/steg/plats");
        let bilagor = format!("{base}/steg/bilagor");
        let cases: Vec<RuleCase> = vec![
            (&om_dig, vec![("personnummer", ""), ("kontakt.name", "B")], "personnummer", "Fyll i ”Personnummer”."),
            (&om_dig, vec![("personnummer", "19121212-1212"), ("kontakt.name", "B"), ("kontakt.email", "b@exempel.se")], "personnummer", "inget av Skatteverkets testpersonnummer"),
            (&om_dig, vec![("personnummer", BRITTA), ("kontakt.name", "B"), ("kontakt.email", "inte-en-adress")], "kontakt", "Ange en giltig e-postadress, till exempel namn@exempel.se."),
            (&om_dig, vec![("personnummer", BRITTA), ("kontakt.name", "B"), ("kontakt.phone", "12ab")], "kontakt", "Ange ett giltigt telefonnummer, till exempel 070-123 45 67."),
            (&om_dig, vec![("personnummer", BRITTA), ("kontakt.name", "B")], "kontakt", "Ange e-postadress eller telefonnummer i ”Dina kontaktuppgifter”."),
            (&storningen, vec![("beskrivning", "För kort text"), ("kontaktat-agare", "nej")], "typ", "Välj ett alternativ för ”Vad gäller anmälan?”."),
            (&storningen, vec![("typ", "buller"), ("beskrivning", "För kort"), ("kontaktat-agare", "nej")], "beskrivning", "”Beskriv störningen” måste vara minst 20 tecken (nu 8)."),
            (&storningen, vec![("typ", "finns-inte"), ("beskrivning", "Tillräckligt lång beskrivning här."), ("kontaktat-agare", "nej")], "typ", "Välj ett av alternativen för ”Vad gäller anmälan?”."),
            (&storningen, vec![("typ", "annat"), ("beskrivning", "Tillräckligt lång beskrivning här."), ("kontaktat-agare", "nej")], "annat-beskrivning", "Fyll i ”Vilken sorts störning gäller det?”."),
            (&storningen, vec![("typ", "buller"), ("beskrivning", "Tillräckligt lång beskrivning här."), ("kontaktat-agare", "nej"), ("sedan", "2999-01-01")], "sedan", "”Sedan när har störningen pågått?” kan inte vara senare än"),
            (&storningen, vec![("typ", "buller"), ("beskrivning", "Tillräckligt lång beskrivning här."), ("kontaktat-agare", "nej"), ("sedan", "15/1")], "sedan", "Ange ”Sedan när har störningen pågått?” som ÅÅÅÅ-MM-DD"),
            (&plats, vec![("adress.street", "Storgatan 1"), ("adress.postal_code", "671 31"), ("adress.city", "Arvika"), ("fastighetsbeteckning", "Gunnar")], "fastighetsbeteckning", "Skriv fastighetsbeteckningen som trakt och nummer, till exempel Gunnar 12:3."),
            (&plats, vec![("adress.street", "Storgatan 1"), ("adress.postal_code", "671 31"), ("adress.city", "Arvika")], "fastighetsbeteckning", "Fyll i ”Fastighetsbeteckning”."),
            (&plats, vec![("adress.street", "Storgatan 1"), ("adress.postal_code", "67"), ("adress.city", "Arvika"), ("fastighetsbeteckning", "Gunnar 1:2")], "adress", "Ange postnumret med fem siffror"),
            (&plats, vec![("adress.postal_code", "671 31"), ("adress.city", "Arvika"), ("fastighetsbeteckning", "Gunnar 1:2")], "adress", "Fyll i gatuadress i ”Adress där störningen finns”."),
            (&plats, vec![("adress.street", "Storgatan 1"), ("adress.postal_code", "671 31"), ("adress.city", "Arvika"), ("fastighetsbeteckning", "Gunnar 1:2"), ("antal-hushall", "9000")], "antal-hushall", "”Hur många hushåll berörs, ungefär?” måste vara mellan 1 och 500."),
            (&plats, vec![("adress.street", "Storgatan 1"), ("adress.postal_code", "671 31"), ("adress.city", "Arvika"), ("fastighetsbeteckning", "Gunnar 1:2"), ("antal-hushall", "fyra")], "antal-hushall", "måste vara ett tal"),
        ];
        for (path, fields, field, message) in cases {
            let mut form = vec![("_csrf", csrf.as_str())];
            form.extend(fields.iter().copied());
            let page = app.post_step(path, &form, &[]).await;
            assert_eq!(page.status, 422, "{field}: {message}\n{}", page.body);
            assert!(page.body.contains(&format!("data-error-for=\"{field}\"")), "error summary links to {field}");
            assert!(page.body.contains(&format!("data-error=\"{field}\"")), "error shown at {field}");
            assert!(page.body.contains(message), "expected {message:?} for {field}:\n{}", page.body);
            assert!(page.body.contains("<title>Fel: Steg"), "the title says there are errors");
        }
        // Long text beyond max_length.
        let long = "x".repeat(2001);
        let page = app.post_step(&storningen, &[("_csrf", &csrf), ("typ", "buller"), ("beskrivning", &long), ("kontaktat-agare", "nej")], &[]).await;
        page.assert_contains("”Beskriv störningen” får vara högst 2000 tecken (nu 2001).");
        // Files: wrong type, disguised type, too many.
        let file_cases: Vec<FileCase> = vec![
            (vec![("filer", "virus.exe", b"MZ".to_vec())], "har en filtyp som inte tas emot. Tillåtna filtyper: pdf, jpg, jpeg, png."),
            (vec![("filer", "bild.pdf", common::png())], "är inte en riktig PDF-fil"),
            (vec![("filer", "a.png", common::png()), ("filer", "b.png", common::png()), ("filer", "c.png", common::png()), ("filer", "d.png", common::png())], "Du kan bifoga högst 3 filer i ”Bilagor”."),
        ];
        for (files, message) in file_cases {
            let page = app.post_step(&bilagor, &[("_csrf", &csrf)], &files).await;
            assert_eq!(page.status, 422, "{message}");
            page.assert_contains(message);
        }
    }

    async fn an_oversized_attachment_is_refused_with_the_limit(app) {
        let base = format!("{OLAGENHET}/hagfors");
        let step1 = start_and_login(&app, &base, BRITTA).await;
        let mut big = common::png();
        big.resize(10 * 1024 * 1024 + 1, 0);
        let page = app.post_step(&format!("{base}/steg/bilagor"), &[("_csrf", &step1.csrf())], &[("filer", "stor.png", big)]).await;
        assert_eq!(page.status, 422);
        page.assert_contains("Filen ”stor.png” är för stor. Största tillåtna storlek är 10 MB.");
    }
}
