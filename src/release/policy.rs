//! The release gate's rules, from `release-policy.yaml` (defaults when the
//! file is absent): which conditions apply and what counts as blocking.

use std::path::Path;

use crate::yaml::{Decoder, Diagnostic, parse};

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    /// scenarios, deviations, checklists, accessibility, feedback, round
    pub conditions: Vec<String>,
    /// Checklist item severities whose failure or missing assessment blocks.
    pub checklist_severities: Vec<String>,
    /// axe-core impacts that block.
    pub accessibility_impacts: Vec<String>,
    /// Block on any axe-core violation the last released version did not have.
    pub accessibility_no_new_violations: bool,
    /// Comment classes that block while open.
    pub feedback_classes: Vec<String>,
}

/// The six conditions of the release gate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    Scenarios,
    Deviations,
    Checklists,
    Accessibility,
    Feedback,
    Round,
}

impl Condition {
    pub const ALL: [Condition; 6] = [
        Condition::Scenarios,
        Condition::Deviations,
        Condition::Checklists,
        Condition::Accessibility,
        Condition::Feedback,
        Condition::Round,
    ];

    /// Its name in the policy file, blocker keys and reports.
    pub fn slug(self) -> &'static str {
        match self {
            Condition::Scenarios => "scenarios",
            Condition::Deviations => "deviations",
            Condition::Checklists => "checklists",
            Condition::Accessibility => "accessibility",
            Condition::Feedback => "feedback",
            Condition::Round => "round",
        }
    }

    pub fn swedish(self) -> &'static str {
        match self {
            Condition::Scenarios => "Scenarier",
            Condition::Deviations => "Avvikelser mellan varianter",
            Condition::Checklists => "Juridiska checklistor",
            Condition::Accessibility => "Tillgänglighet (axe-core)",
            Condition::Feedback => "Krav och juridiska frågor",
            Condition::Round => "Granskningsomgången",
        }
    }

    /// What to do about one of its blockers, as the words of the link to
    /// the place where it is done.
    pub fn what_to_do(self) -> &'static str {
        match self {
            Condition::Scenarios => "Se vad som gick fel i körningen",
            Condition::Deviations => "Godkänn eller flagga ändringen",
            Condition::Checklists => "Bedöm punkten i checklistan",
            Condition::Accessibility => "Se bristen i körningen",
            Condition::Feedback => "Behandla synpunkten",
            Condition::Round => "Gå till granskningsomgången",
        }
    }

    /// Who must act on its blockers, for the release page's summary.
    pub fn who_acts(self) -> &'static str {
        match self {
            Condition::Scenarios => "E-kontoret: rätta tjänsten eller scenariot och kör igen",
            Condition::Deviations => "E-kontoret: godkänn som lokal anpassning eller flagga",
            Condition::Checklists => "Juridisk rådgivare: bedöm punkterna",
            Condition::Accessibility => "E-kontoret: rätta bristen i tjänsten",
            Condition::Feedback => "E-kontoret: ta ställning till synpunkterna",
            Condition::Round => "Kommunernas granskare: svara på omgången",
        }
    }

    pub fn from_slug(s: &str) -> Option<Condition> {
        Condition::ALL.into_iter().find(|c| c.slug() == s)
    }
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(self.slug())
    }
}

/// The conditions' names, as the policy file spells them.
pub const CONDITIONS: [&str; 6] = [
    "scenarios",
    "deviations",
    "checklists",
    "accessibility",
    "feedback",
    "round",
];

impl Default for Policy {
    fn default() -> Self {
        Policy {
            conditions: CONDITIONS.iter().map(|s| s.to_string()).collect(),
            checklist_severities: vec!["blocking".into()],
            accessibility_impacts: vec!["serious".into(), "critical".into()],
            accessibility_no_new_violations: true,
            feedback_classes: vec!["krav".into(), "juridisk".into()],
        }
    }
}

impl Policy {
    pub fn applies(&self, condition: Condition) -> bool {
        self.conditions.iter().any(|c| c == condition.slug())
    }

    /// The policy in `path`, the defaults when there is no such file, or every problem in it.
    /// [`load`](Policy::load), read again only when the file changed.
    pub fn load_cached(path: &Path) -> Result<std::sync::Arc<Policy>, Vec<Diagnostic>> {
        use crate::yaml::cache;
        cache::cached(path, cache::stamp(&[path.to_path_buf()]), || {
            Policy::load(path)
        })
    }

    pub fn load(path: &Path) -> Result<Policy, Vec<Diagnostic>> {
        let Ok(text) = std::fs::read_to_string(path) else {
            return Ok(Policy::default());
        };
        let root = parse(path, &text).map_err(|e| vec![e])?;
        let mut d = Decoder::new(path);
        let mut p = Policy::default();
        if let Some(mut m) = d.map(&root, "") {
            let check = |d: &mut Decoder,
                         m: &crate::yaml::MapReader,
                         key: &str,
                         list: &[String],
                         allowed: &[&str]| {
                for x in list {
                    if !allowed.contains(&x.as_str()) {
                        d.error_hint(
                            m.value_pos(key).unwrap_or(m.pos()),
                            key,
                            format!("unknown value `{x}`"),
                            format!("use one of: {}", allowed.join(", ")),
                        );
                    }
                }
            };
            if let Some(v) = m.opt_str_list(&mut d, "conditions") {
                check(&mut d, &m, "conditions", &v, &CONDITIONS);
                p.conditions = v;
            }
            if let Some(v) = m.opt_str_list(&mut d, "checklist_severities") {
                check(
                    &mut d,
                    &m,
                    "checklist_severities",
                    &v,
                    &["blocking", "advisory"],
                );
                p.checklist_severities = v;
            }
            if let Some(v) = m.opt_str_list(&mut d, "accessibility_impacts") {
                check(
                    &mut d,
                    &m,
                    "accessibility_impacts",
                    &v,
                    &["minor", "moderate", "serious", "critical"],
                );
                p.accessibility_impacts = v;
            }
            if let Some(v) = m.opt_bool(&mut d, "accessibility_no_new_violations") {
                p.accessibility_no_new_violations = v;
            }
            if let Some(v) = m.opt_str_list(&mut d, "feedback_classes") {
                check(
                    &mut d,
                    &m,
                    "feedback_classes",
                    &v,
                    &["krav", "onskemal", "juridisk", "fel"],
                );
                p.feedback_classes = v;
            }
            m.finish(&mut d);
        }
        if d.diags.is_empty() {
            Ok(p)
        } else {
            Err(d.diags)
        }
    }
}
