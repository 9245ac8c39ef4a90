//! The spanned YAML tree: any text parses or gives a positioned problem,
//! within the depth and expansion limits, without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::yaml;

fuzz_target!(|data: &[u8]| {
    let path = std::path::Path::new("fuzz.yaml");
    let Ok(text) = yaml::decode_text(path, data.to_vec()) else {
        return;
    };
    if let Err(d) = yaml::parse(path, &text) {
        assert!(d.line >= 1 && d.col >= 1, "{d}");
    }
});
