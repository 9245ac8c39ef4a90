//! An Open ePlatform flow export (any bytes, in any declared encoding): it
//! converts to a package whose files load, or is refused with a place in
//! the file; it never panics, and a conversion's notes all have a place.
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
            if let Err(services::LoadError::Invalid(diags)) =
                services::from_files(dir, c.files, Registry::builtin())
            {
                for d in diags {
                    assert!(d.file.starts_with(dir) && d.line >= 1, "{d}");
                }
            }
        }
        Err(p) => assert!(p.line >= 1 && p.col >= 1 && !p.message.is_empty()),
    }
});
