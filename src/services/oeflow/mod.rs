//! Open ePlatform flows (`.oeflow`, the platform's export of an e-service,
//! see docs/formats.md for the mapping table) as Provrum packages: the flow
//! becomes `service.yaml` (with a comment wherever something was
//! approximated) and every participating municipality an overlay, so that a
//! flow is validated, imported and compared as any package is.
//!
//! What could not be carried over is reported with the file's line and
//! column; a file that is not XML, not a flow, or has a choice question
//! without alternatives is refused where it breaks, and nothing is stored.

mod html;
mod out;
mod parts;
mod queries;
mod read;
mod rules;
mod validators;

use std::path::Path;

use crate::municipalities::Registry;
use crate::yaml::{Diagnostic, Pos};

use super::package::{self, LoadError, Package};
use read::{child, flag, pos, sorted, text};

/// The largest flow read (a flow with embedded PDF forms and icon is large,
/// but not this large).
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

/// Why a file was refused, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

impl Problem {
    pub fn at(line: u32, col: u32, message: String) -> Problem {
        Problem { line, col, message }
    }
}

/// Something the conversion could not carry over as it was, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub line: u32,
    pub col: u32,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Notes(pub Vec<Note>);

impl Notes {
    pub fn warn(&mut self, (line, col): (u32, u32), message: String) {
        self.0.push(Note { line, col, message });
    }
}

/// How a flow becomes a package.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The version instead of the flow's own.
    pub version: Option<String>,
    /// The municipalities taking part (empty: every one in the registry).
    pub municipalities: Vec<String>,
}

/// A flow as a package's files, and what the conversion said.
#[derive(Debug)]
pub struct Conversion {
    /// `service.yaml` first, then `variants/<municipality>.yaml`.
    pub files: Vec<(String, String)>,
    pub notes: Vec<Note>,
    pub steps: usize,
    pub questions: usize,
    /// Questions of a type Provrum does not have, shown as information.
    pub unknown: usize,
}

impl Conversion {
    /// "12 frågor i 4 steg överförda; 1 fråga av okänd typ visas som information".
    pub fn summary(&self) -> String {
        let mut s = format!(
            "{} {} i {} steg överförda",
            self.questions,
            if self.questions == 1 {
                "fråga"
            } else {
                "frågor"
            },
            self.steps
        );
        if self.unknown > 0 {
            s.push_str(&format!(
                "; {} {} av okänd typ visas som information",
                self.unknown,
                if self.unknown == 1 {
                    "fråga"
                } else {
                    "frågor"
                }
            ));
        }
        if !self.notes.is_empty() {
            s.push_str(&format!("; {} anmärkningar", self.notes.len()));
        }
        s
    }
}

/// Whether `path` names a flow export.
pub fn is_flow(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("oeflow"))
}

/// Convert a flow's bytes.
pub fn convert(bytes: &[u8], registry: &Registry, opts: &Options) -> Result<Conversion, Problem> {
    let source = read::decode(bytes)?;
    let doc = read::parse(&source)?;
    let flow = doc.root_element();
    if flow.tag_name().name() != "Flow" {
        let (line, col) = pos(flow);
        return Err(Problem::at(
            line,
            col,
            format!(
                "filen är inget Open ePlatform-flöde (dess rot är <{}>, inte <Flow>)",
                flow.tag_name().name()
            ),
        ));
    }
    if let Some(link) = text_of(flow, "externalLink") {
        let (line, col) = child(flow, "externalLink").map(pos).unwrap_or((1, 1));
        return Err(Problem::at(
            line,
            col,
            format!("flödet är bara en länk till {link} och har inga steg att testa"),
        ));
    }
    let mut notes = Notes::default();
    let mut service = flow_level(flow, opts, &mut notes);
    let mut ids = out::Ids::default();
    let mut step_ids = out::Ids::default();
    let mut questions = Vec::new();
    let (mut question_count, mut unknown) = (0, 0);
    for step in sorted(flow, "Steps", "Step") {
        let title = text(step, "name").unwrap_or_else(|| "Steg".into());
        let index = service.steps.len();
        let mut fields = Vec::new();
        for q in sorted(step, "QueryDescriptors", "QueryDescriptor") {
            question_count += 1;
            let known = queries::type_element(q).is_some_and(|(_, t)| {
                matches!(
                    t,
                    "TextFieldQuery"
                        | "TextAreaQuery"
                        | "RadioButtonQuery"
                        | "DropDownQuery"
                        | "CheckboxQuery"
                        | "FileUploadQuery"
                        | "ContactDetailQuery"
                        | "OrganizationDetailQuery"
                )
            });
            if !known {
                unknown += 1;
            }
            let c = queries::convert(q, &mut ids, &mut notes)?;
            let first = fields.len();
            fields.extend(c.fields);
            questions.push(rules::Question {
                node: q,
                query_id: text(q, "queryID").unwrap_or_default(),
                name: text(q, "name").unwrap_or_default(),
                fields: (first..fields.len()).map(|f| (index, f)).collect(),
                alternatives: c.alternatives,
                free_text: c.free_text,
                choice_field: c.choice_field,
                hidden_by_default: text(q, "defaultQueryState").as_deref() == Some("HIDDEN"),
            });
        }
        if fields.is_empty() {
            notes.warn(
                pos(step),
                format!("steget ”{title}” har inga frågor och förs inte över"),
            );
        }
        service.steps.push(out::Step {
            id: step_ids.unique(&title),
            title,
            fields,
        });
    }
    rules::apply(&questions, &mut service.steps, &mut notes);
    service.steps.retain(|s| !s.fields.is_empty());
    if service.steps.is_empty() {
        let (line, col) = pos(flow);
        return Err(Problem::at(
            line,
            col,
            "flödet har inga frågor att testa".into(),
        ));
    }
    ignored(flow, &mut notes);
    let steps = service.steps.len();
    let mut files = vec![(package::BASE_FILE.to_string(), service.yaml())];
    let taking_part: Vec<String> = if opts.municipalities.is_empty() {
        registry.all().iter().map(|m| m.id.clone()).collect()
    } else {
        opts.municipalities.clone()
    };
    for m in taking_part {
        files.push((
            format!("{}/{m}.yaml", package::VARIANTS_DIR),
            "# Tar grundtjänsten från Open ePlatform-flödet som den är.\n".into(),
        ));
    }
    Ok(Conversion {
        files,
        notes: notes.0,
        steps,
        questions: question_count,
        unknown,
    })
}

fn text_of(n: roxmltree::Node, name: &str) -> Option<String> {
    text(n, name)
}

/// The flow's own fields: name, texts, login and signing, contact.
fn flow_level(flow: roxmltree::Node, opts: &Options, notes: &mut Notes) -> out::Service {
    let family = child(flow, "FlowFamily");
    let management = family.and_then(|f| child(f, "ManagementInfo"));
    let title = text(flow, "name").unwrap_or_else(|| "E-tjänst".into());
    let alias = family
        .map(|f| read::values(f, "Aliases", "Alias"))
        .and_then(|a| a.into_iter().next());
    let id = out::slug(alias.as_deref().unwrap_or(&title));
    let mut html = |key: &str| {
        let raw = text(flow, key)?;
        let (plain, dropped) = html::to_text(&raw);
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

/// What a test room has no use for, said once.
fn ignored(flow: roxmltree::Node, notes: &mut Notes) {
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

/// Read a flow file as a package (for `validate` and `import`); problems as
/// diagnostics at the flow's line and column.
pub fn load(
    path: &Path,
    registry: &Registry,
    opts: &Options,
) -> Result<(Package, Conversion), LoadError> {
    let fail = |line: u32, col: u32, message: String| {
        LoadError::Invalid(vec![Diagnostic::new(
            path,
            Pos {
                line: line as usize,
                col: col as usize,
            },
            "",
            message,
        )])
    };
    let bytes = read_file(path).map_err(|m| fail(1, 1, m))?;
    let conversion = convert(&bytes, registry, opts).map_err(|p| fail(p.line, p.col, p.message))?;
    let pkg = package::from_files(path, conversion.files.clone(), registry)?;
    Ok((pkg, conversion))
}

/// A regular file (no link, pipe or device) of at most [`MAX_BYTES`].
pub fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let meta = std::fs::symlink_metadata(path).map_err(|e| format!("kan inte läsas: {e}"))?;
    if meta.file_type().is_symlink() || !meta.is_file() {
        return Err(
            "är ingen vanlig fil (en länk, mapp eller ett rör); ange den exporterade .oeflow-filen"
                .into(),
        );
    }
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "är {} MB; ett flöde är högst {} MB",
            meta.len() / (1024 * 1024),
            MAX_BYTES / (1024 * 1024)
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_BYTES + 1).read_to_end(&mut bytes))
        .map_err(|e| format!("kan inte läsas: {e}"))?;
    Ok(bytes)
}
