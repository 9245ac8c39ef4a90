//! Test identities: Swedish personal identity numbers (personnummer), the
//! check that a number is one of Skatteverket's published test numbers, and
//! the named test persons the simulated e-legitimation offers.
//!
//! Real personal data does not belong in a test room: a formally valid number
//! that is not a test number is refused.

use std::collections::HashSet;
use std::path::Path;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::yaml::{self, Decoder};

const TEST_NUMBERS: &str =
    include_str!("../fixtures/test-identities/skatteverket-testpersonnummer.txt");
const PERSONS: &str = include_str!("../fixtures/test-identities/persons.yaml");

/// A personnummer normalised to 12 digits (`YYYYMMDDNNNC`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Personnummer(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PnrError {
    #[error("Ange personnumret med 12 siffror: ÅÅÅÅMMDD-NNNN.")]
    Format,
    #[error("Personnumret innehåller ett datum som inte finns.")]
    Date,
    #[error("Personnumret har fel kontrollsiffra. Kontrollera att du har skrivit rätt.")]
    Checksum,
    #[error(
        "Personnumret är giltigt men är inget av Skatteverkets testpersonnummer. Provrummet tar bara emot testpersonnummer – riktiga personuppgifter hör inte hemma här."
    )]
    NotATestNumber,
}

impl Personnummer {
    /// Parse `YYYYMMDD-NNNN`, `YYYYMMDDNNNN`, `YYMMDD-NNNN` or `YYMMDDNNNN`.
    /// Ten-digit forms are read as born within the last 100 years (`+` as
    /// separator means over 100), as Skatteverket defines.
    pub fn parse(input: &str) -> Result<Personnummer, PnrError> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        let plus = s.contains('+');
        let digits: String = s.chars().filter(|c| *c != '-' && *c != '+').collect();
        if !digits.chars().all(|c| c.is_ascii_digit())
            || s.chars().filter(|c| *c == '-' || *c == '+').count() > 1
        {
            return Err(PnrError::Format);
        }
        let full = match digits.len() {
            12 => digits,
            10 => {
                let yy: i32 = digits[0..2].parse().map_err(|_| PnrError::Format)?;
                let now = chrono::Utc::now().date_naive();
                let this_year = chrono::Datelike::year(&now);
                let mut year = this_year - (this_year - yy).rem_euclid(100);
                if plus {
                    year -= 100;
                }
                format!("{year:04}{}", &digits[2..])
            }
            _ => return Err(PnrError::Format),
        };
        let year: i32 = full[0..4].parse().map_err(|_| PnrError::Format)?;
        let month: u32 = full[4..6].parse().map_err(|_| PnrError::Format)?;
        let mut day: u32 = full[6..8].parse().map_err(|_| PnrError::Format)?;
        if day > 60 {
            day -= 60; // samordningsnummer
        }
        if chrono::NaiveDate::from_ymd_opt(year, month, day).is_none() {
            return Err(PnrError::Date);
        }
        if !luhn_ok(&full[2..]) {
            return Err(PnrError::Checksum);
        }
        Ok(Personnummer(full))
    }

    /// Parse and require a published test number.
    pub fn parse_test_number(input: &str) -> Result<Personnummer, PnrError> {
        let p = Self::parse(input)?;
        if !is_test_number(&p) {
            return Err(PnrError::NotATestNumber);
        }
        Ok(p)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `YYYYMMDD-NNNN`, as printed on Swedish forms.
    pub fn display(&self) -> String {
        format!("{}-{}", &self.0[..8], &self.0[8..])
    }
}

fn luhn_ok(ten: &str) -> bool {
    let sum: u32 = ten
        .chars()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            let v = if i % 2 == 0 { d * 2 } else { d };
            if v > 9 { v - 9 } else { v }
        })
        .sum();
    ten.len() == 10 && sum.is_multiple_of(10)
}

fn test_numbers() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        TEST_NUMBERS
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

pub fn is_test_number(p: &Personnummer) -> bool {
    test_numbers().contains(p.as_str())
}

pub fn test_number_count() -> usize {
    test_numbers().len()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestPerson {
    pub personnummer: Personnummer,
    pub given_name: String,
    pub family_name: String,
    pub street: Option<String>,
    pub postal_code: Option<String>,
    pub city: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// Skyddad folkbokföring: the address must not be revealed.
    pub protected: bool,
}

impl TestPerson {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.given_name, self.family_name)
    }

    /// A person typed in by number only: named after the number.
    pub fn anonymous(p: Personnummer) -> TestPerson {
        TestPerson {
            given_name: "Testperson".into(),
            family_name: p.display(),
            personnummer: p,
            street: None,
            postal_code: None,
            city: None,
            email: None,
            phone: None,
            protected: false,
        }
    }
}

/// The named test persons of the fixture.
pub fn persons() -> &'static [TestPerson] {
    static P: OnceLock<Vec<TestPerson>> = OnceLock::new();
    P.get_or_init(|| parse_persons(PERSONS).expect("built-in test persons fixture is valid"))
}

pub fn person(p: &Personnummer) -> TestPerson {
    persons()
        .iter()
        .find(|x| &x.personnummer == p)
        .cloned()
        .unwrap_or_else(|| TestPerson::anonymous(p.clone()))
}

fn parse_persons(text: &str) -> Result<Vec<TestPerson>, String> {
    let file = Path::new("fixtures/test-identities/persons.yaml");
    let root = yaml::parse(file, text).map_err(|e| e.to_string())?;
    let mut d = Decoder::new(file);
    let mut out = Vec::new();
    if let Some(mut top) = d.map(&root, "")
        && let Some(n) = top.require(&mut d, "persons")
        && let Some(items) = d.seq(n, "persons")
    {
        for (i, item) in items.iter().enumerate() {
            let Some(mut m) = d.map(item, &format!("persons[{i}]")) else {
                continue;
            };
            let pnr = m.req_str(&mut d, "personnummer");
            let person = (
                m.req_str(&mut d, "given_name"),
                m.req_str(&mut d, "family_name"),
                m.opt_str(&mut d, "street"),
                m.opt_str(&mut d, "postal_code"),
                m.opt_str(&mut d, "city"),
                m.opt_str(&mut d, "email"),
                m.opt_str(&mut d, "phone"),
                m.opt_bool(&mut d, "protected").unwrap_or(false),
            );
            m.finish(&mut d);
            let Some(pnr) = pnr else { continue };
            let pnr = Personnummer::parse_test_number(&pnr)
                .map_err(|e| format!("persons[{i}]: {pnr}: {e}"))?;
            if let (Some(g), Some(f)) = (person.0, person.1) {
                out.push(TestPerson {
                    personnummer: pnr,
                    given_name: g,
                    family_name: f,
                    street: person.2,
                    postal_code: person.3,
                    city: person.4,
                    email: person.5,
                    phone: person.6,
                    protected: person.7,
                });
            }
        }
        top.finish(&mut d);
    }
    if let Some(e) = d.diags.first() {
        return Err(e.to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_list_is_loaded_whole() {
        assert_eq!(test_number_count(), 21_726);
    }

    #[test]
    fn accepts_test_numbers_in_every_written_form() {
        for s in ["199011142388", "19901114-2388", "901114-2388", "9011142388"] {
            assert_eq!(
                Personnummer::parse_test_number(s).map(|p| p.display()),
                Ok("19901114-2388".into()),
                "{s}"
            );
        }
    }

    #[test]
    fn refuses_a_valid_number_that_is_not_a_test_number() {
        // The often-quoted 19121212-1212 is formally valid but not on the list.
        assert!(Personnummer::parse("19121212-1212").is_ok());
        assert_eq!(
            Personnummer::parse_test_number("19121212-1212"),
            Err(PnrError::NotATestNumber)
        );
    }

    #[test]
    fn reports_format_date_and_checksum_errors() {
        assert_eq!(Personnummer::parse("1990-11"), Err(PnrError::Format));
        assert_eq!(Personnummer::parse("19901314-2388"), Err(PnrError::Date));
        assert_eq!(
            Personnummer::parse("19901114-2389"),
            Err(PnrError::Checksum)
        );
    }

    #[test]
    fn every_named_person_is_a_test_person_and_one_is_protected() {
        assert!(persons().len() >= 5);
        assert!(persons().iter().all(|p| is_test_number(&p.personnummer)));
        assert!(persons().iter().any(|p| p.protected && p.street.is_none()));
    }
}
