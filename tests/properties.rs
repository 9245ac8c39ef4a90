//! The package parser never panics, whatever people (or editors) write.

use std::path::Path;

use proptest::prelude::*;
use provrum::municipalities::Registry;
use provrum::services::{LoadError, from_files};

const BASE: &str = include_str!("../fixtures/services/anmalan-om-olagenhet/service.yaml");
const ARVIKA: &str = include_str!("../fixtures/services/anmalan-om-olagenhet/variants/arvika.yaml");

fn check(base: String, overlay: String) {
    let files = vec![
        ("service.yaml".to_string(), base),
        ("variants/arvika.yaml".to_string(), overlay),
    ];
    match from_files(Path::new("p"), files, Registry::builtin()) {
        Ok(pkg) => assert_eq!(pkg.variants.len(), 1),
        Err(LoadError::Invalid(diags)) => {
            assert!(
                !diags.is_empty(),
                "an invalid package names at least one problem"
            );
            for d in diags {
                assert!(d.line >= 1 && d.col >= 1, "positions are 1-based: {d}");
            }
        }
        Err(e) => panic!("no I/O happens here: {e}"),
    }
}

/// An edit at a random place: delete a span, insert text, or duplicate a line.
fn mutate(text: &str, at: usize, len: usize, insert: &str, kind: u8) -> String {
    let chars: Vec<char> = text.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + len).min(chars.len());
    match kind % 3 {
        0 => chars[..at].iter().chain(&chars[end..]).collect(),
        1 => {
            chars[..at].iter().collect::<String>()
                + insert
                + &chars[at..].iter().collect::<String>()
        }
        _ => {
            let lines: Vec<&str> = text.lines().collect();
            let i = at % lines.len().max(1);
            let mut out: Vec<&str> = lines.clone();
            if let Some(l) = lines.get(i) {
                out.insert(i, l);
            }
            out.join("\n")
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, .. ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(base in "\\PC{0,400}", overlay in "\\PC{0,200}") {
        check(base, overlay);
    }

    #[test]
    fn yaml_shaped_text_never_panics(base in "([a-z_]{1,8}: ?(\\[|\\{|-|&a|\\*a|\"|'|[0-9a-z ]{0,6})\n {0,6}){0,30}") {
        check(base, String::new());
    }

    #[test]
    fn edited_real_packages_never_panic(at in 0usize..6000, len in 0usize..40, insert in "[-:{}\\[\\]\n #&*a-z0-9'\"]{0,12}", kind in 0u8..3, which in 0u8..2) {
        let (base, overlay) = if which == 0 { (mutate(BASE, at, len, &insert, kind), ARVIKA.to_string()) } else { (BASE.to_string(), mutate(ARVIKA, at, len, &insert, kind)) };
        check(base, overlay);
    }
}
