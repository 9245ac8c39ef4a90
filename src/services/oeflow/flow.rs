//! The flow's own fields (name, texts, login and signing, contact, the
//! personal-data placeholders) and what a test room has no use for.

use super::read::{child, flag, pos, text};
use super::{Notes, Options, html, out, read};

/// The flow's own fields: name, texts, login and signing, contact.
pub(super) fn flow_level(flow: roxmltree::Node, opts: &Options, notes: &mut Notes) -> out::Service {
    let family = child(flow, "FlowFamily");
    let management = family.and_then(|f| child(f, "ManagementInfo"));
    let title = text(flow, "name").unwrap_or_else(|| "E-tjänst".into());
    let alias = family
        .map(|f| read::values(f, "Aliases", "Alias"))
        .and_then(|a| a.into_iter().next());
    let id = out::slug(alias.as_deref().unwrap_or(&title));
    let mut html = |key: &str| {
        let raw = text(flow, key)?;
        let (plain, dropped) = html::to_rich(&raw);
        if !dropped.is_empty() {
            let at = child(flow, key).map(pos).unwrap_or((1, 1));
            notes.warn(at, format!("togs bort ur {key}: {}", dropped.join(", ")));
        }
        (!plain.is_empty()).then_some(plain)
    };
    let description = [html("shortDescription"), html("longDescription")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n\n");
    let receipt = html("submittedMessage").unwrap_or_else(|| {
        notes.warn(
            pos(flow),
            "flödet har inget meddelande efter inskickat ärende; kvittensen får ett allmänt".into(),
        );
        "Tack! Ditt ärende har kommit in.".into()
    });
    let organisation = family
        .and_then(|f| text(f, "ownerName"))
        .or_else(|| management.and_then(|m| text(m, "organization")));
    let authentication = flag(flow, "requireAuthentication");
    let signing = flag(flow, "requireSigning");
    if signing && !authentication {
        notes.warn(
            pos(flow),
            "flödet kräver underskrift men inte inloggning; i provrummet krävs inloggning för att skriva under".into(),
        );
    }
    let mut contact = Vec::new();
    if let Some(f) = family {
        for (key, from) in [
            ("name", "contactName"),
            ("email", "contactEmail"),
            ("phone", "contactPhone"),
        ] {
            if let Some(v) = text(f, from) {
                contact.push((key, v));
            }
        }
        if let Some(web) = text(f, "contactWebAddress") {
            contact.push(("text", format!("Mer information: {web}")));
        }
    }
    notes.warn(
        pos(flow),
        "Open ePlatform-flöden saknar personuppgiftsinformation (GDPR art. 13): fyll i rättslig grund och lagringstid".into(),
    );
    let missing = "Uppgiften finns inte i Open ePlatform-flödet – fyll i.";
    let version = opts
        .version
        .clone()
        .or_else(|| text(flow, "version"))
        .unwrap_or_else(|| "1".into());
    out::Service {
        origin: format!(
            "Konverterad från Open ePlatform-flödet ”{title}” (version {}).\nKommentarerna säger var något återgavs ungefärligt.",
            text(flow, "version").unwrap_or_else(|| "?".into())
        ),
        id,
        version,
        description,
        organisation: organisation.clone(),
        authentication: authentication || signing,
        foreign_eid: flag(flow, "allowForeignIDs"),
        signing,
        summary: flag(flow, "usePreview"),
        personal_data: [
            organisation.unwrap_or_else(|| missing.into()),
            format!("Att handlägga ärendet ”{title}”."),
            missing.into(),
            missing.into(),
        ],
        receipt,
        contact,
        steps: Vec::new(),
        title,
    }
}

/// What the flow says of the service for a catalogue: its category, who
/// owns it, how long handling takes, and the flow family's management
/// information ("förvaltningsinformation"). The region's catalogue takes it
/// for a service it has no entry for yet (`catalogue::from_flow`).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FlowEntry {
    pub name: String,
    /// The description's words, one line.
    pub description: String,
    pub category: Option<String>,
    /// The responsible body: the family's owner, else the process owner's
    /// organisation.
    pub owner: Option<String>,
    pub signing: bool,
    /// The longest handling time a case status states, in days.
    pub managing_days: Option<u64>,
    /// Management information as (label, value), e.g. ("Processägare", "Miljöchef").
    pub management: Vec<(String, String)>,
    pub tags: Vec<String>,
}

pub(super) fn entry(flow: roxmltree::Node, service: &out::Service) -> FlowEntry {
    let family = child(flow, "FlowFamily");
    let management = family.and_then(|f| child(f, "ManagementInfo"));
    let managing_days = child(flow, "Statuses")
        .into_iter()
        .flat_map(|s| s.children().filter(|c| c.has_tag_name("Status")))
        .filter_map(|s| text(s, "managingTime")?.trim().parse::<u64>().ok())
        .filter(|d| *d > 0)
        .max();
    let mut info = Vec::new();
    if let Some(m) = management {
        for (key, label) in [
            ("processOwner", "Processägare"),
            ("flowResponsible", "Ansvarig för e-tjänsten"),
            ("informationResponsible", "Informationsansvarig"),
            ("organization", "Förvaltning"),
            ("lastReviewed", "Senast granskad"),
            ("aboutFlow", "Om e-tjänsten"),
        ] {
            if let Some(v) = text(m, key) {
                info.push((label.to_string(), v));
            }
        }
    }
    FlowEntry {
        name: service.title.clone(),
        description: crate::services::richtext::to_plain(&service.description),
        category: child(flow, "Category").and_then(|c| text(c, "name")),
        owner: family
            .and_then(|f| text(f, "ownerName"))
            .or_else(|| management.and_then(|m| text(m, "organization"))),
        signing: service.signing,
        managing_days,
        management: info,
        tags: read::values(flow, "Tags", "tag"),
    }
}

/// What a test room has no use for, said once.
pub(super) fn ignored(flow: roxmltree::Node, notes: &mut Notes) {
    let mut said = Vec::new();
    for (key, words) in [
        ("Statuses", "ärendestatusar"),
        ("defaultFlowStateMappings", "statusmappningar"),
        ("FlowForms", "PDF-blanketter"),
        ("PDF", "PDF-blankett"),
        ("icon", "ikon"),
        ("FlowType", "flödestyp (äldre format)"),
        ("OverviewAttributes", "översiktsuppgifter"),
    ] {
        if child(flow, key).is_some() {
            said.push(words);
        }
    }
    if child(flow, "FlowFamily")
        .and_then(|f| child(f, "MessageTemplates"))
        .is_some()
    {
        said.push("meddelandemallar");
    }
    if !said.is_empty() {
        notes.warn(
            pos(flow),
            format!(
                "behövs inte i provrummet och lästes inte: {}",
                said.join(", ")
            ),
        );
    }
}
