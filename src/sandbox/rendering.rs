//! What the sandbox's pages are made from besides a variant: the templates,
//! the stylesheet and script, the sandbox's and the services' rendering
//! code, the capture walk and the test persons whose names the pages show —
//! digested by `build.rs` at build time. A capture of a variant's pages is
//! the same as long as these, the variant and the browser are
//! (`compare::execute`'s reuse key), so any edit to one of them makes every
//! capture be taken again.

/// The build's digest of the rendering sources.
pub fn digest() -> &'static str {
    env!("PROVRUM_RENDER_DIGEST")
}
