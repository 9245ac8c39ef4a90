//! Open ePlatform flows (`.oeflow`, the platform's export of an e-service,
//! see docs/formats.md for the mapping table) as Provrum packages: the flow
//! becomes `service.yaml` (with a comment wherever something was
//! approximated) and every participating municipality an overlay, so that a
//! flow is validated, imported and compared as any package is.
//!
//! What could not be carried over is reported with the file's line and
//! column; a file that is not XML, not a flow, or has a choice question
//! without alternatives is refused where it breaks, and nothing is stored.

mod export;
mod export_parts;
mod flow;
mod html;
mod notes;
mod out;
mod parts;
mod queries;
mod read;
mod rules;
mod validators;
mod variant;
pub use notes::{Note, Notes, Options, Problem};

use std::path::Path;

use crate::municipalities::Registry;
use crate::yaml::{Diagnostic, Pos};

use super::package::{self, LoadError, Package};
pub use export::export;
pub use flow::FlowEntry;
use read::{child, pos, sorted, text};

/// The largest flow read (a flow with embedded PDF forms and icon is large,
/// but not this large).
pub const MAX_BYTES: u64 = 32 * 1024 * 1024;

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
    /// What the flow says of the service for the catalogue.
    pub entry: FlowEntry,
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
    let flow = read_flow(bytes, opts)?;
    let files = files(&flow.service, registry, opts, &[]);
    Ok(Conversion {
        files,
        notes: flow.notes,
        steps: flow.service.steps.len(),
        questions: flow.questions,
        unknown: flow.unknown,
        entry: flow.entry,
    })
}

/// A base flow and municipalities' own copies of it (municipality, bytes):
/// each copy becomes the overlay that turns the base into it. A copy that
/// cannot be read is refused with its municipality.
pub fn convert_family(
    base: &[u8],
    own: &[(String, Vec<u8>)],
    registry: &Registry,
    opts: &Options,
) -> Result<Conversion, (Option<String>, Problem)> {
    let flow = read_flow(base, opts).map_err(|p| (None, p))?;
    let mut notes = flow.notes;
    let mut overlays = Vec::new();
    for (m, bytes) in own {
        let copy = read_flow(bytes, opts).map_err(|p| (Some(m.clone()), p))?;
        for n in copy.notes {
            if !notes.iter().any(|b| b.message == n.message) {
                notes.push(Note {
                    municipality: Some(m.clone()),
                    ..n
                });
            }
        }
        let name = registry.get(m).map_or(m.as_str(), |x| x.name.as_str());
        let (yaml, said) = variant::overlay(&flow.service, &copy.service, name);
        for message in said {
            notes.push(Note {
                line: 1,
                col: 1,
                message,
                municipality: Some(m.clone()),
            });
        }
        overlays.push((m.clone(), yaml));
    }
    Ok(Conversion {
        files: files(&flow.service, registry, opts, &overlays),
        notes,
        steps: flow.service.steps.len(),
        questions: flow.questions,
        unknown: flow.unknown,
        entry: flow.entry,
    })
}

/// A flow read into the service it becomes.
pub(crate) struct Flow {
    pub service: out::Service,
    pub notes: Vec<Note>,
    pub questions: usize,
    pub unknown: usize,
    pub entry: FlowEntry,
}

/// The package's files: `service.yaml`, and an overlay for each taking-part
/// municipality (its own, when `own` has one, else empty).
fn files(
    service: &out::Service,
    registry: &Registry,
    opts: &Options,
    own: &[(String, String)],
) -> Vec<(String, String)> {
    let mut files = vec![(package::BASE_FILE.to_string(), service.yaml())];
    let mut taking_part: Vec<String> = if opts.municipalities.is_empty() {
        registry.all().iter().map(|m| m.id.clone()).collect()
    } else {
        opts.municipalities.clone()
    };
    for (m, _) in own {
        if !taking_part.contains(m) {
            taking_part.push(m.clone());
        }
    }
    for m in taking_part {
        let text = own
            .iter()
            .find(|(o, _)| *o == m)
            .map(|(_, t)| t.clone())
            .unwrap_or_else(|| {
                "# Tar grundtjänsten från Open ePlatform-flödet som den är.\n".into()
            });
        files.push((format!("{}/{m}.yaml", package::VARIANTS_DIR), text));
    }
    files
}

pub(crate) fn read_flow(bytes: &[u8], opts: &Options) -> Result<Flow, Problem> {
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
    if let Some(link) = text(flow, "externalLink") {
        let (line, col) = child(flow, "externalLink").map(pos).unwrap_or((1, 1));
        return Err(Problem::at(
            line,
            col,
            format!("flödet är bara en länk till {link} och har inga steg att testa"),
        ));
    }
    let mut notes = Notes::default();
    let mut service = flow::flow_level(flow, opts, &mut notes);
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
                        | "FileInfoQuery"
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
    flow::ignored(flow, &mut notes);
    Ok(Flow {
        entry: flow::entry(flow, &service),
        service,
        notes: notes.0,
        questions: question_count,
        unknown,
    })
}

/// Read a flow file as a package (for `validate` and `import`); problems as
/// diagnostics at the flow's line and column.
pub fn load(
    path: &Path,
    registry: &Registry,
    opts: &Options,
) -> Result<(Package, Conversion), LoadError> {
    let bytes = read_file(path).map_err(|m| refused(path, 1, 1, m))?;
    let mut own = Vec::new();
    for (m, file) in &opts.variants {
        if registry.get(m).is_none() {
            let said = format!("kommunen ”{m}” finns inte i kommunregistret");
            return Err(refused(file, 1, 1, said));
        }
        own.push((
            m.clone(),
            read_file(file).map_err(|e| refused(file, 1, 1, e))?,
        ));
    }
    let conversion = convert_family(&bytes, &own, registry, opts).map_err(|(m, p)| {
        // A copy's problem is told at the copy's own file.
        let file = m
            .and_then(|m| opts.variants.iter().find(|(v, _)| *v == m))
            .map_or(path, |(_, f)| f.as_path());
        refused(file, p.line, p.col, p.message)
    })?;
    let pkg = package::from_files(path, conversion.files.clone(), registry)?;
    Ok((pkg, conversion))
}

/// A file refused at its line and column.
fn refused(file: &Path, line: u32, col: u32, message: String) -> LoadError {
    let pos = Pos {
        line: line as usize,
        col: col as usize,
    };
    LoadError::Invalid(vec![Diagnostic::new(file, pos, "", message)])
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
