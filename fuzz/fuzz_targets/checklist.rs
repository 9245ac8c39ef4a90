//! A legal checklist file: decoded, or refused with positioned problems.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::checklists::parse;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Err(diags) = parse::checklist(std::path::Path::new("fuzz-checklist.yaml"), text) {
        assert!(!diags.is_empty());
    }
});
