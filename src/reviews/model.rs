//! Comments and their vocabulary: class, status, priority.

use serde::Serialize;

macro_rules! vocabulary {
    ($name:ident { $($variant:ident = $slug:literal / $sv:literal),* $(,)? }) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        pub enum $name { $($variant),* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            /// The stored and URL form.
            pub fn slug(self) -> &'static str { match self { $($name::$variant => $slug),* } }
            pub fn swedish(self) -> &'static str { match self { $($name::$variant => $sv),* } }
            pub fn parse(s: &str) -> Option<$name> {
                match s { $($slug => Some($name::$variant),)* _ => None }
            }
        }
    };
}

vocabulary!(Class {
    Krav = "krav" / "krav",
    Onskemal = "onskemal" / "önskemål",
    Juridisk = "juridisk" / "juridisk fråga",
    Fel = "fel" / "fel",
});

vocabulary!(Status {
    Ny = "ny" / "ny",
    Accepterad = "accepterad" / "accepterad",
    Uppskjuten = "uppskjuten" / "uppskjuten",
    Avvisad = "avvisad" / "avvisad",
    Atgardad = "atgardad" / "åtgärdad",
});

vocabulary!(Priority {
    Hog = "hog" / "hög",
    Normal = "normal" / "normal",
    Lag = "lag" / "låg",
});

impl Class {
    /// Krav and juridisk fråga must say why: a legal reference or a business need.
    pub fn needs_motivation(self) -> bool {
        matches!(self, Class::Krav | Class::Juridisk)
    }
}

impl Status {
    /// Still to be acted on: carried over to the next version.
    pub fn is_open(self) -> bool {
        matches!(self, Status::Ny | Status::Accepterad | Status::Uppskjuten)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: i64,
    pub service_id: String,
    pub version_id: i64,
    pub version: String,
    pub parent_id: Option<i64>,
    pub municipality: Option<String>,
    pub step: Option<String>,
    pub field: Option<String>,
    pub region: Option<(i64, i64, i64, i64)>,
    pub quote: Option<String>,
    pub quote_prefix: Option<String>,
    pub quote_suffix: Option<String>,
    pub class: Class,
    pub motivation: Option<String>,
    pub priority: Priority,
    pub body: String,
    pub status: Status,
    pub status_reason: Option<String>,
    pub author_id: i64,
    pub author_name: String,
    pub author_municipality: Option<String>,
    pub orphaned: Option<String>,
    pub carried_from: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    /// The assessment that answered this legal question, if one did.
    pub answered_by: Option<i64>,
    /// The screenshot of what the reviewer saw when they pointed at the
    /// page, with the marker drawn in (`reviews::pins`).
    pub pin_shot: Option<String>,
    /// Municipalities that endorse it ("instämmer"), each once.
    pub endorsements: Vec<String>,
}

/// A comment's text on one line, cut at `max` characters with "…": for
/// lists (the sandbox panel, the start page).
pub fn excerpt(body: &str, max: usize) -> String {
    let one_line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= max {
        return one_line;
    }
    let cut: String = one_line.chars().take(max).collect();
    format!("{}…", cut.trim_end())
}
