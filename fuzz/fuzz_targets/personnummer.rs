//! Personal identity numbers: parsing never panics, and what parses prints
//! back to something that parses to the same number.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::identities::Personnummer;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = Personnummer::parse(text) {
        let again = Personnummer::parse(&p.display()).expect("a displayed number parses");
        assert_eq!(again.display(), p.display());
    }
    let _ = Personnummer::parse_test_number(text);
});
