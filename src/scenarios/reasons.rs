//! Why a step failed, in plain Swedish for the pages. The runner stores its
//! reasons in English, as scenario authors read them in the CLI, the JSON
//! and JUnit reports (and tests match them); the run pages and the release
//! gate show them through [`in_swedish`]. A reason no pattern knows is shown
//! as it is.

/// (English pattern, Swedish words): `{}` stands for a part carried over,
/// in order.
const PATTERNS: &[(&str, &str)] = &[
    ("step {} ({}): {}", "steg {0}: {2}"),
    (
        "signing in with {} was refused: {}",
        "inloggningen med {0} nekades: {1}",
    ),
    (
        "there is no field `{}` to fill on this page ({})",
        "det finns inget fält ”{0}” att fylla i på sidan ({1})",
    ),
    (
        "`{}` offers no option `{}` on this page",
        "”{0}” har inget alternativ ”{1}” på sidan",
    ),
    (
        "there is no field `{}` to choose in on this page ({})",
        "det finns inget fält ”{0}” att välja i på sidan ({1})",
    ),
    (
        "could not {} `{}` on this page",
        "kunde inte {0} ”{1}” på sidan",
    ),
    (
        "could not attach {} to `{}`: {}",
        "kunde inte bifoga {0} i ”{1}”: {2}",
    ),
    (
        "there is nothing matching `{}` to click",
        "det finns inget ”{0}” att klicka på",
    ),
    (
        "expected the text {} on the page, but it is not there (page: {})",
        "texten {0} skulle finnas på sidan men gör det inte (sidan: {1})",
    ),
    (
        "the text {} is on the page, but should not be (page: {})",
        "texten {0} finns på sidan men skulle inte göra det (sidan: {1})",
    ),
    (
        "the error at `{}` says {}, which does not contain {}",
        "felet vid ”{0}” säger {1}, som inte innehåller {2}",
    ),
    (
        "expected an error at `{}`, but the field shows none (page: {})",
        "ett fel skulle visas vid ”{0}” men fältet visar inget (sidan: {1})",
    ),
    (
        "expected `{}` to be visible, but it is not",
        "”{0}” skulle synas men gör det inte",
    ),
    (
        "expected `{}` to be hidden, but it is visible",
        "”{0}” skulle vara dolt men syns",
    ),
    (
        "expected `{}` to be required, but it is optional",
        "”{0}” skulle vara obligatoriskt men är frivilligt",
    ),
    (
        "there is no field `{}` on this page",
        "det finns inget fält ”{0}” på sidan",
    ),
    (
        "expected a receipt with case number and time, but this page has none (page: {})",
        "en kvittens med ärendenummer och tid skulle visas men sidan har ingen (sidan: {0})",
    ),
    (
        "case {}: `{}` is {}, expected {}",
        "ärende {0}: ”{1}” är {2}, skulle vara {3}",
    ),
    (
        "Chromium could not be started: {}",
        "webbläsaren kunde inte startas: {0}",
    ),
    (
        "Chromium died during the cell ({})",
        "provrummets webbläsare slutade fungera under körningen, inget fel i e-tjänsten ({0})",
    ),
    (
        "Chromium died during the cell",
        "provrummets webbläsare slutade fungera under körningen, inget fel i e-tjänsten",
    ),
    (
        "the screenshots could not be stored ({})",
        "provrummet kunde inte spara skärmbilderna, inget fel i e-tjänsten ({0})",
    ),
    (
        "the screenshots could not be stored",
        "provrummet kunde inte spara skärmbilderna, inget fel i e-tjänsten",
    ),
    ("could not open a page: {}", "kunde inte öppna en sida: {0}"),
    (
        "could not add axe-core to the page: {}",
        "kunde inte lägga till axe-core på sidan: {0}",
    ),
    (
        "timed out after {} waiting for {}",
        "gav upp efter {0} i väntan på {1}",
    ),
];

/// Match `text` against `pattern`; the parts standing for `{}`.
fn parts<'t>(pattern: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let pieces: Vec<&str> = pattern.split("{}").collect();
    let mut rest = text.strip_prefix(pieces[0])?;
    let mut out = Vec::new();
    for (i, lit) in pieces.iter().enumerate().skip(1) {
        let last = i == pieces.len() - 1;
        let at = if lit.is_empty() {
            if last { rest.len() } else { return None }
        } else if last {
            // The last literal ends the text.
            rest.strip_suffix(lit).map(str::len)?
        } else {
            rest.find(lit)?
        };
        out.push(&rest[..at]);
        rest = &rest[at + lit.len()..];
    }
    rest.is_empty().then_some(out)
}

/// The reason in Swedish, parts translated in turn (a cell's reason holds a
/// step's reason).
pub fn in_swedish(reason: &str) -> String {
    for (pattern, swedish) in PATTERNS {
        if let Some(ps) = parts(pattern, reason) {
            let mut said = swedish.to_string();
            for (i, p) in ps.iter().enumerate() {
                let p = if i + 1 == ps.len() {
                    in_swedish(p)
                } else {
                    p.to_string()
                };
                said = said.replace(&format!("{{{i}}}"), &p);
            }
            return said;
        }
    }
    reason.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_runners_reasons_read_in_swedish() {
        assert_eq!(
            in_swedish(
                "step 3 (expect_text Tack): expected the text \"Tack\" on the page, but it is not there (page: /kvittens)"
            ),
            "steg 3: texten \"Tack\" skulle finnas på sidan men gör det inte (sidan: /kvittens)"
        );
        assert_eq!(
            in_swedish("step 2 (fill x): there is no field `kontakt.email` on this page"),
            "steg 2: det finns inget fält ”kontakt.email” på sidan"
        );
        assert_eq!(
            in_swedish("Chromium could not be started: starting Chromium: no such file"),
            "webbläsaren kunde inte startas: starting Chromium: no such file"
        );
        assert_eq!(in_swedish("something new"), "something new");
    }
}
