//! Rendering of the sandbox pages and the inbox.

use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

use crate::identities::{self, Personnummer, TestPerson};
use crate::services::{PersonalData, Variant};
use crate::web::Spot;
use crate::web::page::Layout;
use crate::web::{AppState, WebError, render};

use super::visit::Ctx;
use crate::clock;
use crate::sandbox::inbox::Captured;
use crate::sandbox::input::{self, FieldError};
use crate::sandbox::session::Session;
use crate::sandbox::views::{self, FieldView, SummaryStep};

/// Where a page is shown: the state (for the staff's panel) and the query the
/// page was asked with (the panel confirms a comment just saved).
pub struct Here<'a> {
    pub state: &'a AppState,
    pub query: Option<&'a str>,
}

/// The page chrome of a variant, with the staff's panel for a logged-in user:
/// the comments pinned to this place and "Lämna synpunkt". Never on the
/// comparison reference, and never for a run's browser (it has no login),
/// so captures and scenario runs see the page as a citizen does.
async fn chrome(here: &Here<'_>, c: &Ctx, title: &str, place: &str) -> Layout {
    let mut page = Layout::for_variant(title, &c.variant, &c.base_url);
    let reference = c
        .variant
        .municipality
        .ends_with(crate::services::reference::BASE_SUFFIX);
    if page.user.is_none() || reference {
        return page;
    }
    if let Some(panel) = here.state.staff_panel.get() {
        let url = crate::sandbox::places::url(&c.base_url, place);
        let spot = Spot {
            service_id: c.version.service_id.clone(),
            version: c.version.version.clone(),
            version_id: c.version.id,
            municipality: c.variant.municipality.clone(),
            place: place.to_string(),
            url: match here.query {
                Some(q) if !q.is_empty() => format!("{url}?{q}"),
                _ => url,
            },
        };
        page.staff_panel = panel.render(here.state, &spot).await;
    }
    page
}

#[derive(Template)]
#[template(path = "sandbox/start.html")]
struct StartPage<'a> {
    page: Layout,
    v: &'a Variant,
    base_url: &'a str,
    ongoing: Option<String>,
    sent: bool,
    /// "Mijö- och byggförvaltningen, Arvika kommun" (the municipality once).
    organisation: Option<String>,
    /// "E-tjänsten har 5 steg", counted as the step pages count them.
    step_count: String,
}

/// How many pages the citizen walks through, as "Steg 1 av N" counts them:
/// the steps shown from the start, up to all of them when conditional ones
/// join, plus the summary and signing pages.
fn step_count(v: &Variant) -> String {
    let extra = usize::from(v.summary) + usize::from(v.signing.required);
    let fewest = input::visible_steps(v, &serde_json::Map::new()).len() + extra;
    let most = v.steps.len() + extra;
    if fewest == most {
        format!("E-tjänsten har {most} steg.")
    } else {
        format!("E-tjänsten har {fewest}–{most} steg, beroende på dina svar.")
    }
}

pub async fn start(
    here: &Here<'_>,
    c: &Ctx,
    s: Option<&Session>,
) -> Result<Html<String>, WebError> {
    let ongoing = s
        .filter(|s| {
            s.submission_id.is_none() && (s.personnummer.is_some() || !s.answers.is_empty())
        })
        .map(|s| {
            input::first_incomplete(&c.variant, &s.answers, &s.files)
                .map(|st| format!("{}/steg/{}", c.base_url, st.id))
                .unwrap_or_else(|| format!("{}/granska", c.base_url))
        });
    render(&StartPage {
        page: chrome(here, c, "Start", crate::sandbox::places::START).await,
        v: &c.variant,
        base_url: &c.base_url,
        ongoing,
        sent: s.is_some_and(|s| s.submission_id.is_some()),
        organisation: c.variant.organisation.as_ref().map(|o| {
            if o.contains(&c.variant.municipality_name) {
                o.clone()
            } else {
                format!("{o}, {}", c.variant.municipality_name)
            }
        }),
        step_count: step_count(&c.variant),
    })
}

#[derive(Template)]
#[template(path = "sandbox/login.html")]
struct LoginPage<'a> {
    page: Layout,
    base_url: &'a str,
    csrf: &'a str,
    persons: &'a [TestPerson],
    error: Option<&'a str>,
    typed: &'a str,
    test_numbers: usize,
}

pub async fn login(
    here: &Here<'_>,
    c: &Ctx,
    s: &Session,
    error: Option<&str>,
    typed: &str,
    status: StatusCode,
) -> Result<Response, WebError> {
    let title = if error.is_some() {
        "Fel: Logga in"
    } else {
        "Logga in"
    };
    let html = render(&LoginPage {
        page: chrome(here, c, title, crate::sandbox::places::LOGIN).await,
        base_url: &c.base_url,
        csrf: &s.csrf,
        persons: identities::persons(),
        error,
        typed,
        test_numbers: identities::test_number_count(),
    })?;
    Ok((status, html).into_response())
}

#[derive(Template)]
#[template(path = "sandbox/step.html")]
struct StepPage<'a> {
    page: Layout,
    v: &'a Variant,
    base_url: &'a str,
    csrf: &'a str,
    step_id: &'a str,
    step_title: &'a str,
    intro: Option<&'a str>,
    number: usize,
    total: usize,
    fields: Vec<FieldView>,
    errors: &'a [FieldError],
    personal_data: Option<&'a PersonalData>,
    is_first: bool,
    next_label: &'static str,
    signed_in_as: Option<String>,
}

/// Total number of pages the citizen walks through: steps, summary, signing.
fn total_pages(v: &Variant, visible_steps: usize) -> usize {
    visible_steps + usize::from(v.summary) + usize::from(v.signing.required)
}

fn signed_in_as(s: &Session) -> Option<String> {
    let p = Personnummer::parse(s.personnummer.as_deref()?).ok()?;
    let person = identities::person(&p);
    Some(format!("{} ({})", person.full_name(), p.display()))
}

pub async fn step(
    here: &Here<'_>,
    c: &Ctx,
    s: &Session,
    step_id: &str,
    errors: &[FieldError],
    status: StatusCode,
) -> Result<Response, WebError> {
    let steps = input::visible_steps(&c.variant, &s.answers);
    let Some(index) = steps.iter().position(|st| st.id == step_id) else {
        return Err(WebError::NotFound(format!(
            "Steget {step_id} finns inte, eller behövs inte med de svar du har gett."
        )));
    };
    let step = steps[index];
    let total = total_pages(&c.variant, steps.len());
    let is_last = index + 1 == steps.len();
    let next_label = match (is_last, c.variant.summary, c.variant.signing.required) {
        (false, _, _) => "Nästa",
        (true, true, _) => "Granska",
        (true, false, true) => "Till underskrift",
        (true, false, false) => "Skicka",
    };
    let prefix = if errors.is_empty() {
        String::new()
    } else {
        "Fel: ".into()
    };
    let title = format!("{prefix}Steg {} av {total}: {}", index + 1, step.title);
    let page = chrome(here, c, &title, &step.id).await;
    let html = render(&StepPage {
        page,
        v: &c.variant,
        base_url: &c.base_url,
        csrf: &s.csrf,
        step_id: &step.id,
        step_title: &step.title,
        intro: step.intro.as_deref(),
        number: index + 1,
        total,
        fields: views::fields(&c.variant, step, &s.answers, &s.files, errors),
        errors,
        personal_data: c.variant.personal_data.as_ref(),
        is_first: index == 0,
        next_label,
        signed_in_as: signed_in_as(s),
    })?;
    Ok((status, html).into_response())
}

#[derive(Template)]
#[template(path = "sandbox/summary.html")]
struct SummaryPage<'a> {
    page: Layout,
    base_url: &'a str,
    csrf: &'a str,
    steps: Vec<SummaryStep>,
    number: usize,
    total: usize,
    button: &'static str,
    signed_in_as: Option<String>,
}

pub async fn summary(here: &Here<'_>, c: &Ctx, s: &Session) -> Result<Response, WebError> {
    let steps = views::summary(&c.variant, &c.base_url, &s.answers, &s.files);
    let total = total_pages(&c.variant, steps.len());
    let number = steps.len() + 1;
    let title = format!("Steg {number} av {total}: Granska och skicka");
    let html = render(&SummaryPage {
        page: chrome(here, c, &title, crate::sandbox::places::SUMMARY).await,
        base_url: &c.base_url,
        csrf: &s.csrf,
        steps,
        number,
        total,
        button: if c.variant.signing.required {
            "Gå vidare till underskrift"
        } else {
            "Skicka"
        },
        signed_in_as: signed_in_as(s),
    })?;
    Ok(html.into_response())
}

#[derive(Template)]
#[template(path = "sandbox/sign.html")]
struct SignPage<'a> {
    page: Layout,
    v: &'a Variant,
    base_url: &'a str,
    csrf: &'a str,
    signer: String,
    digest: String,
    number: usize,
    total: usize,
}

pub async fn sign(here: &Here<'_>, c: &Ctx, s: &Session) -> Result<Response, WebError> {
    use sha2::{Digest, Sha256};
    let steps = input::visible_steps(&c.variant, &s.answers).len();
    let total = total_pages(&c.variant, steps);
    let digest = hex::encode(Sha256::digest(
        serde_json::Value::Object(s.answers.clone())
            .to_string()
            .as_bytes(),
    ));
    let html = render(&SignPage {
        page: chrome(
            here,
            c,
            &format!("Steg {total} av {total}: Underteckna"),
            crate::sandbox::places::SIGN,
        )
        .await,
        v: &c.variant,
        base_url: &c.base_url,
        csrf: &s.csrf,
        signer: signed_in_as(s).unwrap_or_else(|| "okänd".into()),
        digest: digest[..16].to_string(),
        number: total,
        total,
    })?;
    Ok(html.into_response())
}

#[derive(Template)]
#[template(path = "sandbox/receipt.html")]
struct ReceiptPage<'a> {
    page: Layout,
    v: &'a Variant,
    base_url: &'a str,
    case_number: &'a str,
    time: String,
    signed: bool,
}

pub async fn receipt(here: &Here<'_>, c: &Ctx, captured: &Captured) -> Result<Response, WebError> {
    let html = render(&ReceiptPage {
        page: chrome(
            here,
            c,
            &format!("Kvittens {}", captured.case_number),
            crate::sandbox::places::RECEIPT,
        )
        .await,
        v: &c.variant,
        base_url: &c.base_url,
        case_number: &captured.case_number,
        time: clock::swedish(&captured.submitted_at),
        signed: !captured.payload["signature"].is_null(),
    })?;
    Ok(html.into_response())
}
