//! An Open ePlatform flow export (any bytes, in any declared encoding): it
//! converts to a package whose files load, or is refused with a place in
//! the file; it never panics, and a conversion's notes all have a place.
//! Its texts, rendered as the sandbox renders them, carry only the rich-text
//! subset's tags: nothing in a flow gets a script or an event handler onto
//! the page.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::{municipalities::Registry, services};

fuzz_target!(|data: &[u8]| {
    let opts = services::oeflow::Options {
        municipalities: vec!["kil".into()],
        ..Default::default()
    };
    match services::oeflow::convert(data, Registry::builtin(), &opts) {
        Ok(c) => {
            assert!(c.notes.iter().all(|n| n.line >= 1 && n.col >= 1));
            // The package it writes is read by the package parser; its
            // problems (if any) point into those files.
            let dir = std::path::Path::new("flow.oeflow");
            match services::from_files(dir, c.files, Registry::builtin()) {
                Err(services::LoadError::Invalid(diags)) => {
                    for d in diags {
                        assert!(d.file.starts_with(dir) && d.line >= 1, "{d}");
                    }
                }
                Ok(p) => {
                    for v in &p.variants {
                        let fields = v.steps.iter().flat_map(|s| &s.fields);
                        let texts = fields
                            .flat_map(|f| [&f.help, &f.text])
                            .flatten()
                            .chain([&v.description, &v.receipt_text]);
                        for t in texts {
                            safe(&services::richtext::to_html(t));
                        }
                    }
                }
                Err(_) => {}
            }
        }
        Err(p) => assert!(p.line >= 1 && p.col >= 1 && !p.message.is_empty()),
    }
});

/// Only the allowed tags, and no attribute but an http(s) or mailto `href`.
fn safe(html: &str) {
    const ALLOWED: [&str; 9] = ["p", "br", "strong", "em", "ul", "ol", "li", "a", "br /"];
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        let tag = &rest[lt + 1..];
        let end = tag.find('>').expect("a tag is closed");
        let inner = tag[..end].trim_start_matches('/');
        let name = inner.split([' ', '/']).next().unwrap_or_default();
        assert!(ALLOWED.contains(&name), "<{inner}> in {html}");
        if let Some(attrs) = inner.strip_prefix("a ") {
            let href = attrs.strip_prefix("href=\"").expect("only href");
            assert!(
                ["http://", "https://", "mailto:"]
                    .iter()
                    .any(|s| href.to_ascii_lowercase().starts_with(s)),
                "{inner}"
            );
        } else {
            assert!(!inner.contains('='), "an attribute in <{inner}>");
        }
        rest = &tag[end + 1..];
    }
}
