//! The inbox as a case officer (handläggare) reads it: the list of cases with
//! names, service, municipality and time; a case with its applicant, each
//! step's questions and answers, attachments, signature and receipt data,
//! the JSON a case system would get one link away; and the case as a PDF
//! printed by Provrum's own Chromium from that page.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use crate::clock;
use crate::services::Variant;
use crate::web::page::Layout;
use crate::web::{AppState, WebError, render};

use super::visit::ctx;
use crate::sandbox::inbox::{self, Captured};

/// A case in the inbox list.
struct Row {
    case_number: String,
    time: String,
    applicant: String,
    attachments: usize,
}

#[derive(Template)]
#[template(path = "sandbox/inbox.html")]
struct InboxPage<'a> {
    page: Layout,
    v: &'a Variant,
    version: &'a str,
    items: Vec<Row>,
}

/// The inbox is for the test room's staff, not for anyone with the link:
/// reviewers read their own municipalities' cases, legal advisers and
/// e-kontoret all; a run's browser (and the PDF printer) reads with its pass.
async fn may_read(
    state: &AppState,
    headers: &HeaderMap,
    municipality: &str,
) -> Result<(), WebError> {
    if state.passes.carried(headers).await {
        return Ok(());
    }
    crate::web::session::require_to(crate::accounts::Action::ReadCases(municipality)).map(|_| ())
}

/// "Britta Testdotter (19901114-2388)", or why there is no name.
fn applicant_line(payload: &Value) -> String {
    let a = &payload["applicant"];
    match (a["name"].as_str(), a["personnummer"].as_str()) {
        (Some(n), Some(p)) => format!("{n} ({p})"),
        (None, Some(p)) => p.to_string(),
        _ => "Inte inloggad".to_string(),
    }
}

pub async fn inbox(
    State(state): State<AppState>,
    Path((service, version, kommun)): Path<(String, String, String)>,
    headers: HeaderMap,
) -> Result<Html<String>, WebError> {
    may_read(&state, &headers, &kommun).await?;
    let c = ctx(&state, &service, &version, &kommun).await?;
    let items = inbox::list(&state.store, c.version.id, &c.variant.municipality)
        .await?
        .into_iter()
        .map(|x| Row {
            time: clock::swedish(&x.submitted_at),
            applicant: applicant_line(&x.payload),
            attachments: x.attachment_count(),
            case_number: x.case_number,
        })
        .collect();
    render(&InboxPage {
        page: Layout::for_variant("Sandlådans inkorg", &c.variant, &c.base_url),
        v: &c.variant,
        version: &c.version.version,
        items,
    })
}

struct Answer {
    label: String,
    text: String,
}

struct StepView {
    title: String,
    answers: Vec<Answer>,
}

struct AttachmentView {
    id: i64,
    filename: String,
    kind: String,
    size: String,
}

struct Applicant {
    name: String,
    personnummer: String,
    login: String,
    protected: bool,
    address: Option<String>,
}

struct Signature {
    time: String,
    signer: String,
    method: String,
}

#[derive(Template)]
#[template(path = "sandbox/case.html")]
struct CasePage<'a> {
    page: Layout,
    c: &'a Captured,
    time: String,
    service: String,
    municipality_name: String,
    organisation: String,
    applicant: Option<Applicant>,
    steps: Vec<StepView>,
    attachments: Vec<AttachmentView>,
    signature: Option<Signature>,
    pretty: String,
    inbox_url: String,
    /// Printing: no navigation, no links to elsewhere.
    print: bool,
}

/// A file type in words for a case officer.
fn kind_in_words(content_type: &str) -> String {
    match content_type {
        "application/pdf" => "PDF-dokument".into(),
        "image/jpeg" => "JPEG-bild".into(),
        "image/png" => "PNG-bild".into(),
        "image/heic" | "image/heif" => "HEIC-bild".into(),
        "text/plain" => "Textfil".into(),
        "application/msword" => "Word-dokument".into(),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document" => {
            "Word-dokument".into()
        }
        "application/vnd.ms-excel" => "Excel-dokument".into(),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" => {
            "Excel-dokument".into()
        }
        other => other.to_string(),
    }
}

fn text(v: &Value) -> String {
    v.as_str().unwrap_or_default().to_string()
}

fn case_page(c: &Captured, print: bool) -> CasePage<'_> {
    let p = &c.payload;
    let a = &p["applicant"];
    let applicant = a.is_object().then(|| {
        let address = a["address"].is_object().then(|| {
            [
                &a["address"]["street"],
                &a["address"]["postal_code"],
                &a["address"]["city"],
            ]
            .iter()
            .filter_map(|x| x.as_str())
            .collect::<Vec<_>>()
            .join(", ")
        });
        Applicant {
            name: text(&a["name"]),
            personnummer: text(&a["personnummer"]),
            login: match a["assurance_level"].as_str() {
                Some("low") => format!("{}, tillitsnivå 2", text(&a["authenticated_with"])),
                Some("substantial") => format!("{}, tillitsnivå 3", text(&a["authenticated_with"])),
                Some("high") => format!("{}, tillitsnivå 4", text(&a["authenticated_with"])),
                _ => text(&a["authenticated_with"]),
            },
            protected: a["protected_identity"].as_bool().unwrap_or(false),
            address: address.filter(|s| !s.is_empty()),
        }
    });
    let steps = p["steps"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|s| StepView {
            title: text(&s["title"]),
            answers: s["answers"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|x| Answer {
                    label: text(&x["label"]),
                    text: match x["text"].as_str() {
                        Some(t) if !t.is_empty() => t.to_string(),
                        _ => "Inget svar".to_string(),
                    },
                })
                .collect(),
        })
        .collect();
    let attachments = c
        .attachments
        .iter()
        .map(|x| AttachmentView {
            id: x.id,
            filename: x.filename.clone(),
            kind: kind_in_words(&x.content_type),
            size: crate::filetypes::human_bytes(x.size.max(0) as u64),
        })
        .collect();
    let signature = p["signature"].is_object().then(|| Signature {
        time: clock::swedish(p["signature"]["signed_at"].as_str().unwrap_or_default()),
        signer: text(&p["signature"]["signer"]),
        method: text(&p["signature"]["method"]),
    });
    let service = format!(
        "{} {}",
        text(&p["service"]["title"]),
        text(&p["service"]["version"])
    );
    CasePage {
        page: Layout::plain(&format!(
            "Ärende {} – Sandlådans inkorg – Provrum",
            c.case_number
        )),
        time: clock::swedish(&c.submitted_at),
        municipality_name: text(&p["municipality"]["name"]),
        organisation: text(&p["organisation"]),
        inbox_url: format!(
            "/tjanster/{}/{}/{}/inkorg",
            text(&p["service"]["id"]),
            text(&p["service"]["version"]),
            c.municipality
        ),
        pretty: serde_json::to_string_pretty(p).unwrap_or_default(),
        service,
        applicant,
        steps,
        attachments,
        signature,
        print,
        c,
    }
}

/// A case the visitor may read. A missing case and one of another
/// municipality look alike to a reviewer, so case numbers reveal nothing.
async fn find(state: &AppState, headers: &HeaderMap, case: &str) -> Result<Captured, WebError> {
    if !state.passes.carried(headers).await {
        crate::web::session::require()?;
    }
    let missing = || {
        WebError::NotFound(format!(
            "Det finns inget ärende {case} i sandlådans inkorg som du kan läsa."
        ))
    };
    let c = inbox::get(&state.store, case).await?.ok_or_else(missing)?;
    may_read(state, headers, &c.municipality)
        .await
        .map_err(|_| missing())?;
    Ok(c)
}

#[derive(serde::Deserialize, Default)]
pub struct CaseQuery {
    #[serde(default)]
    utskrift: Option<String>,
}

pub async fn case(
    State(state): State<AppState>,
    Path(case): Path<String>,
    axum::extract::Query(q): axum::extract::Query<CaseQuery>,
    headers: HeaderMap,
) -> Result<Html<String>, WebError> {
    let c = find(&state, &headers, &case).await?;
    render(&case_page(&c, q.utskrift.is_some()))
}

/// The case as a PDF, for the archive discussion: the case page printed by
/// Provrum's own Chromium (its fonts embedded), reading with a pass.
pub async fn case_pdf(
    State(state): State<AppState>,
    Path(case): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let c = find(&state, &headers, &case).await?;
    let pdf = state
        .print_pdf(&format!("/inkorg/{}?utskrift=1", c.case_number))
        .await?;
    let disposition = format!("attachment; filename=\"arende-{}.pdf\"", c.case_number);
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        pdf,
    )
        .into_response())
}

pub async fn case_json(
    State(state): State<AppState>,
    Path(case): Path<String>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let c = find(&state, &headers, &case).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_string_pretty(&c.payload).unwrap_or_default(),
    )
        .into_response())
}

pub async fn attachment(
    State(state): State<AppState>,
    Path((case, id)): Path<(String, i64)>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let c = find(&state, &headers, &case).await?;
    let a = c
        .attachments
        .iter()
        .find(|a| a.id == id)
        .ok_or_else(|| WebError::NotFound("Bilagan finns inte i ärendet.".into()))?;
    let bytes = state.artifacts.read(&a.sha256).await?;
    let disposition = format!(
        "attachment; filename=\"{}\"",
        a.filename.replace(|c: char| !c.is_ascii() || c == '"', "_")
    );
    Ok((
        [
            (
                header::CONTENT_TYPE,
                crate::filetypes::safe_served_type(&a.content_type).to_string(),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            // Even if a browser rendered it, it could run nothing.
            (
                header::CONTENT_SECURITY_POLICY,
                "sandbox; default-src 'none'".to_string(),
            ),
        ],
        bytes,
    )
        .into_response())
}
