//! What every page's layout needs to know.

use crate::services::{Contact, Variant};

/// The layout's data of one page of the test room (a Chromium tab is
/// `browser::Page`).
pub struct Layout {
    /// Unique per page: "Steg 2 av 4: … – Arvika kommun – Provrum".
    pub title: String,
    pub brand_css: Option<String>,
    /// Set on pages that show a municipality's variant.
    pub variant: Option<VariantChrome>,
    /// The logged-in user, for the header.
    pub user: Option<UserChrome>,
    /// On sandbox pages, for a logged-in user: the comments pinned to this
    /// page with "Instäm" and "Lämna synpunkt" (HTML rendered and escaped by
    /// the panel's own template, see [`StaffPanel`]).
    pub staff_panel: Option<String>,
    /// "Ert svar är sparat." after a save that came back to this page.
    pub confirmation: Option<&'static str>,
}

/// What a save says when it comes back to a page with `?klart=CODE`: a
/// fixed table, so an address can only choose one of these texts.
pub const CONFIRMATIONS: &[(&str, &str)] = &[
    ("svar", "Ert svar är sparat."),
    ("bedomning", "Bedömningen är sparad."),
    ("hallning", "Den regionala hållningen är sparad."),
    (
        "forslag",
        "Ditt förslag är sparat. E-kontoret ser det här och på sin startsida.",
    ),
    (
        "fraga",
        "Frågan är skickad. Svaret visas här när det kommer.",
    ),
    ("undantag", "Undantaget är sparat."),
    ("undantag-tillbaka", "Undantaget är tillbakadraget."),
    (
        "triage",
        "Statusen är sparad. Inga fler synpunkter väntar på ställningstagande.",
    ),
    (
        "triage-lista",
        "Statusen är sparad. Nästa synpunkt som väntar är markerad i listan.",
    ),
    (
        "triage-lista-klar",
        "Statusen är sparad. Inga fler synpunkter väntar på ställningstagande.",
    ),
    (
        "triage-nasta",
        "Statusen är sparad. Här är nästa synpunkt som väntar på ställningstagande.",
    ),
];

/// The confirmation for this request's `?klart=CODE`, if it names one.
pub fn confirmation() -> Option<&'static str> {
    let code = crate::web::session::confirmation_code()?;
    CONFIRMATIONS
        .iter()
        .find(|(c, _)| *c == code)
        .map(|(_, text)| *text)
}

/// `url` with `?klart=CODE` (or `&klart=`) for the page it leads back to.
pub fn confirmed(url: &str, code: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}klart={code}")
}

/// The comment form for a place of a variant, coming back to `back` (the
/// staff panel's "Lämna synpunkt" and a step's "save, then comment").
pub fn comment_form_url(
    service: &str,
    version: &str,
    municipality: &str,
    place: &str,
    back: &str,
) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .append_pair("kommun", municipality)
        .append_pair("steg", place)
        .append_pair("tillbaka", back)
        .finish();
    format!("/tjanster/{service}/{version}/synpunkter/ny?{query}")
}

pub struct UserChrome {
    pub name: String,
    pub role: &'static str,
    pub admin: bool,
}

fn user_chrome() -> Option<UserChrome> {
    crate::web::session::user().map(|u| UserChrome {
        name: u.name.clone(),
        role: u.role.swedish(),
        admin: u.role == crate::accounts::Role::EKontoret,
    })
}

pub struct VariantChrome {
    pub municipality_name: String,
    pub service_title: String,
    pub start_url: String,
    pub inbox_url: String,
    pub contact: Contact,
    pub accessibility_statement_url: Option<String>,
    pub privacy_policy_url: Option<String>,
}

impl Layout {
    pub fn plain(title: &str) -> Layout {
        Layout {
            title: title.to_string(),
            brand_css: None,
            variant: None,
            user: user_chrome(),
            staff_panel: None,
            confirmation: confirmation(),
        }
    }

    pub fn for_variant(title: &str, v: &Variant, base_url: &str) -> Layout {
        Layout {
            title: format!("{title} – {} – {} – Provrum", v.title, v.municipality_name),
            brand_css: Some(format!("{base_url}/brand.css")),
            variant: Some(VariantChrome {
                municipality_name: v.municipality_name.clone(),
                service_title: v.title.clone(),
                start_url: base_url.to_string(),
                inbox_url: format!("{base_url}/inkorg"),
                contact: v.contact.clone(),
                accessibility_statement_url: v.accessibility_statement_url.clone(),
                privacy_policy_url: v.privacy_policy_url.clone(),
            }),
            user: user_chrome(),
            staff_panel: None,
            confirmation: confirmation(),
        }
    }
}

/// Who did something, in words: the command line and the demo's own
/// imports are not people, and their internal names are not for a page.
pub fn who(actor: &str) -> String {
    match actor {
        "cli" => "kommandoraden".into(),
        "release-check" => "släppkontrollen (kommandoraden)".into(),
        "demo" => "demodata vid start".into(),
        other => other.into(),
    }
}
