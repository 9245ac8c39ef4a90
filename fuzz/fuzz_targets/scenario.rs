//! A scenario file: parsed and checked against the fixture's variants.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::{fixture_variants, municipalities::Registry, scenarios};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = std::path::Path::new("fuzz-scenario.yaml");
    if let Ok(s) = scenarios::parse(file, text) {
        let _ = scenarios::check(&s, fixture_variants(), Registry::builtin());
    }
});
