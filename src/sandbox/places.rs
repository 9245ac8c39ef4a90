//! The places on a sandbox variant a comment can be pinned to: each step by
//! its id, and the pages around the steps by a key that cannot be a step id
//! (step ids are slugs, without `:`). Real wording problems live on those
//! pages too ("Underteckna ansökan" on an anmälan).

use crate::services::Variant;

pub const START: &str = "sida:start";
pub const LOGIN: &str = "sida:logga-in";
pub const SUMMARY: &str = "sida:granska";
pub const SIGN: &str = "sida:signera";
pub const RECEIPT: &str = "sida:kvittens";

/// The pages around the steps, in the order a citizen meets them, by title.
pub const PAGES: [(&str, &str); 5] = [
    (START, "Startsidan"),
    (LOGIN, "Inloggningen"),
    (SUMMARY, "Granska och skicka"),
    (SIGN, "Underteckna"),
    (RECEIPT, "Kvittensen"),
];

/// Whether `place` is one of the pages around the steps.
pub fn is_page(place: &str) -> bool {
    PAGES.iter().any(|(k, _)| *k == place)
}

/// Whether `place` names a page of `v`: one of its steps or a page around them.
pub fn exists(v: &Variant, place: &str) -> bool {
    is_page(place) || v.steps.iter().any(|s| s.id == place)
}

/// The place's name for people: a step's title or a page's.
pub fn title(v: &Variant, place: &str) -> Option<String> {
    PAGES
        .iter()
        .find(|(k, _)| *k == place)
        .map(|(_, t)| t.to_string())
        .or_else(|| {
            v.steps
                .iter()
                .find(|s| s.id == place)
                .map(|s| s.title.clone())
        })
}

/// The sandbox address of a place, under the variant's `base_url`.
pub fn url(base_url: &str, place: &str) -> String {
    match place {
        START => base_url.to_string(),
        LOGIN => format!("{base_url}/logga-in"),
        SUMMARY => format!("{base_url}/granska"),
        SIGN => format!("{base_url}/signera"),
        RECEIPT => format!("{base_url}/kvittens"),
        step => format!("{base_url}/steg/{step}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_keys_can_never_be_step_ids() {
        for (k, _) in PAGES {
            assert!(k.contains(':'), "{k}: step ids are slugs without ':'");
            assert!(is_page(k));
        }
        assert!(!is_page("granska"));
        assert_eq!(url("/t/a/1/arvika", SIGN), "/t/a/1/arvika/signera");
        assert_eq!(url("/t/a/1/arvika", "plats"), "/t/a/1/arvika/steg/plats");
    }
}

/// Whether `page` (a path with an optional query, as the reviewer's script
/// sends it) is a page of the variant at `base` and nothing else. Sandbox
/// paths are made of slugs, versions and the `~` of a reference, so any
/// other character — above all `%`, which a browser may decode into `..`
/// or `/` — or a `.`/`..` segment refuses the page: the browser would
/// resolve those before asking, and land outside the variant.
pub fn within(page: &str, base: &str) -> bool {
    let path = page.split(['?', '#']).next().unwrap_or_default();
    let plain = path
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'_' | b'.' | b'~'));
    let dotted = path.split('/').any(|seg| seg == "." || seg == "..");
    plain
        && !dotted
        && !path.contains("//")
        && (path == base || path.starts_with(&format!("{base}/")))
}

#[cfg(test)]
mod within_tests {
    use super::within;

    #[test]
    fn only_pages_of_the_variant_itself_are_within_it() {
        let base = "/tjanster/s/1.0.0/arvika";
        for ok in [
            base,
            "/tjanster/s/1.0.0/arvika/steg/om-dig",
            "/tjanster/s/1.0.0/arvika/steg/om-dig?fel=1",
            "/tjanster/s/1.0.0/arvika/kvittens#topp",
        ] {
            assert!(within(ok, base), "{ok}");
        }
        for bad in [
            "/tjanster/s/1.0.0/arvika/../eda/inkorg",
            "/tjanster/s/1.0.0/arvika/%2e%2e/eda/inkorg",
            "/tjanster/s/1.0.0/arvika/%2E%2E/eda",
            "/tjanster/s/1.0.0/arvika/.%2e/eda",
            "/tjanster/s/1.0.0/arvika/./../../../../inkorg/1/payload.json",
            "/tjanster/s/1.0.0/arvika/%2f..%2f..%2finkorg",
            "/tjanster/s/1.0.0/arvika\\..\\eda",
            "/tjanster/s/1.0.0/arvika//inkorg",
            "/tjanster/s/1.0.0/arvikaeda",
            "/tjanster/s/1.0.0/eda/steg/om-dig",
            "/inkorg/1/payload.json",
        ] {
            assert!(!within(bad, base), "{bad}");
        }
    }
}
