//! A whole package (service.yaml and overlays, split at NUL bytes): it
//! loads or lists problems that all point into its files.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::{files_of, municipalities::Registry, services};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let dir = std::path::Path::new("pkg");
    match services::from_files(dir, files_of(text), Registry::builtin()) {
        Ok(p) => assert!(!p.content_hash.is_empty()),
        Err(services::LoadError::Invalid(diags)) => {
            assert!(!diags.is_empty());
            for d in diags {
                assert!(d.file.starts_with(dir) && d.line >= 1, "{d}");
            }
        }
        Err(e) => panic!("unexpected: {e}"),
    }
});
