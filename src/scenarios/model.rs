//! A scenario: a scripted citizen journey, written once and run unchanged on
//! every variant because it addresses fields by their id.

use std::path::PathBuf;

use serde::Serialize;

use crate::yaml::Pos;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scenario {
    /// Slug, from `scenario:` (defaults to the file stem).
    pub id: String,
    pub title: String,
    pub service: String,
    pub version: Option<String>,
    pub variants: VariantSelection,
    /// The test identity used by `sign_in` (12 digits).
    pub identity: Option<String>,
    /// Where `identity:` was written, for problems with it.
    #[serde(skip)]
    pub identity_pos: Option<Pos>,
    pub steps: Vec<Step>,
    #[serde(skip)]
    pub file: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum VariantSelection {
    All,
    Only(Vec<String>),
    Except(Vec<String>),
}

impl VariantSelection {
    pub fn includes(&self, municipality: &str) -> bool {
        match self {
            VariantSelection::All => true,
            VariantSelection::Only(list) => list.iter().any(|m| m == municipality),
            VariantSelection::Except(list) => !list.iter().any(|m| m == municipality),
        }
    }
}

/// A target on the page: a field of the service (by id, optionally a part of
/// a composite field such as `kontakt.email`) or a CSS selector (`css:…`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Target {
    Field { id: String, part: Option<String> },
    Css(String),
}

impl Target {
    pub fn parse(s: &str) -> Target {
        if let Some(css) = s.strip_prefix("css:") {
            return Target::Css(css.trim().to_string());
        }
        match s.split_once('.') {
            Some((id, part)) => Target::Field {
                id: id.to_string(),
                part: Some(part.to_string()),
            },
            None => Target::Field {
                id: s.to_string(),
                part: None,
            },
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Target::Field { id, part: Some(p) } => format!("{id}.{p}"),
            Target::Field { id, part: None } => id.clone(),
            Target::Css(css) => format!("css:{css}"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum Action {
    /// Load the variant's start page.
    Open,
    /// Press "Starta e-tjänsten".
    Start,
    /// Sign in with the scenario's test identity (or the one given).
    SignIn {
        identity: Option<String>,
    },
    Fill {
        values: Vec<(Target, String)>,
    },
    Choose {
        values: Vec<(Target, String)>,
    },
    Check {
        targets: Vec<Target>,
    },
    Uncheck {
        targets: Vec<Target>,
    },
    /// Files relative to the scenario file.
    Attach {
        files: Vec<(Target, PathBuf)>,
    },
    Next,
    Back,
    Submit,
    Sign,
    /// Click an element by CSS selector (escape hatch, also for external variants).
    Click {
        selector: String,
    },
    /// Click an element that loads a new page (a submit button elsewhere) and wait for it.
    Press {
        selector: String,
    },
    ExpectText {
        text: String,
    },
    ExpectNoText {
        text: String,
    },
    ExpectError {
        target: Target,
        contains: String,
    },
    ExpectVisible {
        target: Target,
    },
    ExpectHidden {
        target: Target,
    },
    ExpectRequired {
        target: Target,
    },
    ExpectReceipt,
    ExpectSubmitted {
        path: String,
        equals: serde_json::Value,
    },
    /// Capture the page without acting.
    Checkpoint {
        name: String,
    },
}

impl Action {
    /// The field ids this action acts on (not its CSS selectors).
    pub fn field_ids(&self) -> Vec<String> {
        let ids = |ts: &mut dyn Iterator<Item = &Target>| -> Vec<String> {
            ts.filter_map(|t| match t {
                Target::Field { id, .. } => Some(id.clone()),
                Target::Css(_) => None,
            })
            .collect()
        };
        match self {
            Action::Fill { values } | Action::Choose { values } => {
                ids(&mut values.iter().map(|(t, _)| t))
            }
            Action::Check { targets } | Action::Uncheck { targets } => ids(&mut targets.iter()),
            Action::Attach { files } => ids(&mut files.iter().map(|(t, _)| t)),
            _ => Vec::new(),
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Action::Open => "open",
            Action::Start => "start",
            Action::SignIn { .. } => "sign_in",
            Action::Fill { .. } => "fill",
            Action::Choose { .. } => "choose",
            Action::Check { .. } => "check",
            Action::Uncheck { .. } => "uncheck",
            Action::Attach { .. } => "attach",
            Action::Next => "next",
            Action::Back => "back",
            Action::Submit => "submit",
            Action::Sign => "sign",
            Action::Click { .. } => "click",
            Action::Press { .. } => "press",
            Action::ExpectText { .. } => "expect_text",
            Action::ExpectNoText { .. } => "expect_no_text",
            Action::ExpectError { .. } => "expect_error",
            Action::ExpectVisible { .. } => "expect_visible",
            Action::ExpectHidden { .. } => "expect_hidden",
            Action::ExpectRequired { .. } => "expect_required",
            Action::ExpectReceipt => "expect_receipt",
            Action::ExpectSubmitted { .. } => "expect_submitted",
            Action::Checkpoint { .. } => "checkpoint",
        }
    }

    /// Whether the action leaves the page (and so waits for the next one).
    pub fn navigates(&self) -> bool {
        matches!(
            self,
            Action::Open
                | Action::Start
                | Action::SignIn { .. }
                | Action::Next
                | Action::Back
                | Action::Submit
                | Action::Sign
                | Action::Press { .. }
        )
    }

    /// A one-line Swedish-free description for reports.
    pub fn label(&self) -> String {
        let targets = |v: &[(Target, String)]| {
            v.iter()
                .map(|(t, x)| format!("{}={x}", t.describe()))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Action::SignIn { identity: Some(i) } => format!("sign_in {i}"),
            Action::Fill { values } | Action::Choose { values } => {
                format!("{} {}", self.name(), targets(values))
            }
            Action::Check { targets } | Action::Uncheck { targets } => format!(
                "{} {}",
                self.name(),
                targets
                    .iter()
                    .map(Target::describe)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Action::Attach { files } => format!(
                "attach {}",
                files
                    .iter()
                    .map(|(t, p)| format!("{}={}", t.describe(), p.display()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Action::Click { selector } => format!("click {selector}"),
            Action::Press { selector } => format!("press {selector}"),
            Action::ExpectText { text } => format!("expect_text {text:?}"),
            Action::ExpectNoText { text } => format!("expect_no_text {text:?}"),
            Action::ExpectError { target, contains } => {
                format!("expect_error {} {contains:?}", target.describe())
            }
            Action::ExpectVisible { target }
            | Action::ExpectHidden { target }
            | Action::ExpectRequired { target } => format!("{} {}", self.name(), target.describe()),
            Action::ExpectSubmitted { path, equals } => {
                format!("expect_submitted {path} = {equals}")
            }
            Action::Checkpoint { name } => format!("checkpoint {name}"),
            _ => self.name().to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub action: Action,
    /// Per-variant steps: run only for these municipalities…
    pub only: Option<Vec<String>>,
    /// …or for all but these.
    pub except: Option<Vec<String>>,
    /// Fields of this step's action left out in a variant that hides
    /// them (or lacks them), while the rest of the step still runs there.
    pub skip_where_hidden: Vec<String>,
    #[serde(skip)]
    pub pos: Pos,
    /// Where each of the action's targets is written, in order (a mistake
    /// in one value is reported at its own line).
    #[serde(skip)]
    pub target_pos: Vec<Pos>,
}

impl Step {
    /// Whether `id` may be left out where the variant does not show it.
    pub fn skippable(&self, id: &str) -> bool {
        self.skip_where_hidden.iter().any(|s| s == id)
    }

    /// The action as it runs in `variant`: the skippable fields it hides
    /// (or lacks) left out.
    pub fn action_for(&self, variant: &crate::services::Variant) -> Action {
        let shown = |t: &Target| match t {
            Target::Field { id, .. } if self.skippable(id) => {
                variant.field(id).is_some_and(|(_, f)| !f.hidden)
            }
            _ => true,
        };
        match &self.action {
            Action::Fill { values } => Action::Fill {
                values: values.iter().filter(|(t, _)| shown(t)).cloned().collect(),
            },
            Action::Choose { values } => Action::Choose {
                values: values.iter().filter(|(t, _)| shown(t)).cloned().collect(),
            },
            Action::Check { targets } => Action::Check {
                targets: targets.iter().filter(|t| shown(t)).cloned().collect(),
            },
            Action::Uncheck { targets } => Action::Uncheck {
                targets: targets.iter().filter(|t| shown(t)).cloned().collect(),
            },
            Action::Attach { files } => Action::Attach {
                files: files.iter().filter(|(t, _)| shown(t)).cloned().collect(),
            },
            other => other.clone(),
        }
    }

    pub fn applies_to(&self, municipality: &str) -> bool {
        self.only
            .as_ref()
            .is_none_or(|l| l.iter().any(|m| m == municipality))
            && self
                .except
                .as_ref()
                .is_none_or(|l| !l.iter().any(|m| m == municipality))
    }
}

/// `choose: { forskola-1: "#1" }` picks the first option offered, whatever
/// its value: variants often list their own options (their own preschools).
pub fn nth_option(value: &str) -> Option<usize> {
    value.strip_prefix('#')?.parse().ok()
}
