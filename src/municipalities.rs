//! The region's municipalities (and its rescue-services federation), read
//! from `fixtures/municipalities.yaml`, which is compiled into the binary so
//! every command agrees on which municipalities exist.

use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::contact::Contact;
use crate::yaml::{self, Decoder, Diagnostic};

const BUILTIN: &str = include_str!("../fixtures/municipalities.yaml");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Municipality {
    /// Slug used in file names and URLs: `arvika`, `arjang`.
    pub id: String,
    /// Display name: "Arvika kommun".
    pub name: String,
    /// Short name: "Arvika".
    pub short_name: String,
    /// SCB kommunkod, e.g. "1784"; none for a federation.
    pub code: Option<String>,
    /// `kommun` or `kommunalförbund`.
    pub kind: String,
    pub size_class: String,
    pub population: Option<u64>,
    pub contact: Contact,
    pub brand_colour: Option<String>,
    pub privacy_policy_url: Option<String>,
    pub accessibility_statement_url: Option<String>,
    /// For a federation: its member municipalities' ids.
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Registry {
    list: Vec<Municipality>,
}

impl Registry {
    /// The registry compiled into the binary.
    pub fn builtin() -> &'static Registry {
        static R: OnceLock<Registry> = OnceLock::new();
        R.get_or_init(|| {
            // The fixture is part of the source tree and covered by a test;
            // a broken one is a build defect, not a runtime condition.
            Registry::parse(Path::new("fixtures/municipalities.yaml"), BUILTIN)
                .expect("built-in municipalities fixture is valid")
        })
    }

    pub fn parse(file: &Path, text: &str) -> Result<Registry, Vec<Diagnostic>> {
        let root = yaml::parse(file, text).map_err(|e| vec![e])?;
        let mut d = Decoder::new(file);
        let mut list = Vec::new();
        if let Some(mut top) = d.map(&root, "")
            && let Some(n) = top.require(&mut d, "municipalities")
            && let Some(items) = d.seq(n, "municipalities")
        {
            for (i, item) in items.iter().enumerate() {
                let path = format!("municipalities[{i}]");
                let Some(mut m) = d.map(item, &path) else {
                    continue;
                };
                let id = m.req_str(&mut d, "id");
                let name = m.req_str(&mut d, "name");
                let short_name = m.req_str(&mut d, "short_name");
                let code = m.opt_str(&mut d, "code");
                let kind = m.opt_str(&mut d, "kind").unwrap_or_else(|| "kommun".into());
                let size_class = m.req_str(&mut d, "size_class");
                let population = m.opt_u64(&mut d, "population");
                let contact = m
                    .get("contact")
                    .and_then(|n| crate::contact::decode(&mut d, n, &format!("{path}.contact")))
                    .unwrap_or_default();
                let brand_colour = m.opt_str(&mut d, "brand_colour");
                let privacy_policy_url = m.opt_str(&mut d, "privacy_policy_url");
                let accessibility_statement_url = m.opt_str(&mut d, "accessibility_statement_url");
                let members = m.opt_str_list(&mut d, "members").unwrap_or_default();
                m.finish(&mut d);
                if kind == "kommun"
                    && code
                        .as_deref()
                        .is_none_or(|c| c.len() != 4 || !c.chars().all(|x| x.is_ascii_digit()))
                {
                    d.error(
                        item.pos,
                        &format!("{path}.code"),
                        "a kommun needs a four-digit municipality code",
                    );
                }
                if let (Some(id), Some(name), Some(short_name), Some(size_class)) =
                    (id, name, short_name, size_class)
                {
                    list.push(Municipality {
                        id,
                        name,
                        short_name,
                        code,
                        kind,
                        size_class,
                        population,
                        contact,
                        brand_colour,
                        privacy_policy_url,
                        accessibility_statement_url,
                        members,
                    });
                }
            }
            top.finish(&mut d);
        }
        if d.diags.is_empty() {
            Ok(Registry { list })
        } else {
            Err(d.diags)
        }
    }

    /// The municipalities proper (those with a code, not federations) as
    /// (id, short name), in Swedish alphabetical order: for pickers and tables.
    pub fn municipalities_by_name(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = self
            .all()
            .iter()
            .filter(|m| m.code.is_some())
            .map(|m| (m.id.clone(), m.short_name.clone()))
            .collect();
        out.sort_by_key(|(_, n)| swedish_sort_key(n));
        out
    }

    pub fn all(&self) -> &[Municipality] {
        &self.list
    }

    pub fn get(&self, id: &str) -> Option<&Municipality> {
        self.list.iter().find(|m| m.id == id)
    }

    /// "Arvika" for `arvika`; the id itself when it is not in the register.
    pub fn short_name(&self, id: &str) -> String {
        self.get(id)
            .map(|m| m.short_name.clone())
            .unwrap_or_else(|| id.to_string())
    }

    pub fn ids(&self) -> impl Iterator<Item = &str> + Clone {
        self.list.iter().map(|m| m.id.as_str())
    }
}

/// Sorts names as a Swedish reader expects: å, ä and ö after z.
pub fn swedish_sort_key(name: &str) -> String {
    name.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' => '{',
            'ä' | 'æ' => '|',
            'ö' | 'ø' => '}',
            'é' => 'e',
            c => c,
        })
        .collect()
}

/// A name in the genitive, as Swedish writes it: "Arvikas", "Kils", but
/// "Hagfors" and "Munkfors" (a name ending in s, x or z takes nothing).
pub fn genitive(name: &str) -> String {
    if name.ends_with(['s', 'x', 'z', 'S', 'X', 'Z']) {
        name.to_string()
    } else {
        format!("{name}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_registry_has_the_sixteen_municipalities_of_varmland() {
        let r = Registry::builtin();
        let kommuner: Vec<_> = r.all().iter().filter(|m| m.kind == "kommun").collect();
        assert_eq!(kommuner.len(), 16);
        assert_eq!(
            r.get("arvika").and_then(|m| m.code.as_deref()),
            Some("1784")
        );
        assert_eq!(
            r.get("karlstad").and_then(|m| m.code.as_deref()),
            Some("1780")
        );
        assert!(r.all().iter().any(|m| m.kind == "kommunalförbund"));
    }

    #[test]
    fn swedish_names_sort_with_aao_last() {
        let mut names = vec!["Årjäng", "Säffle", "Arvika", "Storfors", "Örebro", "Sunne"];
        names.sort_by_key(|n| swedish_sort_key(n));
        assert_eq!(
            names,
            ["Arvika", "Storfors", "Sunne", "Säffle", "Årjäng", "Örebro"]
        );
    }

    #[test]
    fn genitive_adds_an_s_unless_the_name_ends_in_one() {
        assert_eq!(super::genitive("Arvika"), "Arvikas");
        assert_eq!(super::genitive("Hagfors"), "Hagfors");
        assert_eq!(super::genitive("Värmland"), "Värmlands");
    }
}
