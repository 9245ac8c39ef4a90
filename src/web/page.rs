//! What every page's layout needs to know.

use crate::services::{Contact, Variant};

pub struct Page {
    /// Unique per page: "Steg 2 av 4: … – Arvika kommun – Provrum".
    pub title: String,
    pub brand_css: Option<String>,
    /// Set on pages that show a municipality's variant.
    pub variant: Option<VariantChrome>,
    /// The logged-in user, for the header.
    pub user: Option<UserChrome>,
    /// "Lämna synpunkt" from inside the sandbox, for a logged-in user.
    pub feedback_url: Option<String>,
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

impl Page {
    pub fn plain(title: &str) -> Page {
        Page {
            title: title.to_string(),
            brand_css: None,
            variant: None,
            user: user_chrome(),
            feedback_url: None,
        }
    }

    pub fn for_variant(title: &str, v: &Variant, base_url: &str) -> Page {
        Page {
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
            feedback_url: None,
        }
    }
}
