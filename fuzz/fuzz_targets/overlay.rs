//! One municipality's overlay on the real fixture base: merged into a
//! variant or refused with positioned problems.
#![no_main]

use libfuzzer_sys::fuzz_target;
use provrum_fuzz::{fixture_base, municipalities::Registry, services};

fuzz_target!(|data: &[u8]| {
    let Ok(overlay) = std::str::from_utf8(data) else {
        return;
    };
    let (base, _) = fixture_base();
    let files = vec![
        ("service.yaml".to_string(), base.clone()),
        ("variants/arvika.yaml".to_string(), overlay.to_string()),
    ];
    if let Err(services::LoadError::Invalid(diags)) =
        services::from_files(std::path::Path::new("pkg"), files, Registry::builtin())
    {
        assert!(
            diags
                .iter()
                .all(|d| d.file.ends_with("variants/arvika.yaml")),
            "{diags:?}"
        );
    }
});
