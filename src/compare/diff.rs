//! Comparing one municipality's captures with its reference's: per page,
//! text and structure (once, from the first viewport) and pixels (per
//! viewport). Each difference becomes a deviation with a fingerprint of the
//! difference itself, so a decision holds until the difference changes.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::artifacts::Artifacts;

use super::capture::PageShot;
use super::{Kind, pixels, structure, text};

#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    pub municipality: String,
    pub step: String,
    pub kind: super::Kind,
    pub fingerprint: String,
    pub summary: String,
    pub detail: Value,
}

/// One side of a comparison: captures per viewport, in viewport order.
pub type Side = Vec<(String, Vec<PageShot>)>;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    pub pixels: pixels::Options,
    /// Fewer changed (non-anti-aliasing) pixels than this are not a deviation.
    pub min_changed_pixels: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pixels: pixels::Options::default(),
            min_changed_pixels: 16,
        }
    }
}

pub fn fingerprint(parts: &[&str]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p.as_bytes());
        h.update([0u8]);
    }
    hex::encode(&h.finalize()[..16])
}

#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    #[error("reading capture {0}: {1}")]
    Artifact(String, std::io::Error),
    #[error("decoding screenshot {0}: {1}")]
    Image(String, image::ImageError),
    #[error("encoding a diff image: {0}")]
    Encode(image::ImageError),
}

fn read_text(artifacts: &Artifacts, hash: &str) -> Result<String, DiffError> {
    artifacts
        .get(hash)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| DiffError::Artifact(hash.to_string(), e))
}

fn read_image(artifacts: &Artifacts, hash: &str) -> Result<image::RgbaImage, DiffError> {
    let bytes = artifacts
        .get(hash)
        .map_err(|e| DiffError::Artifact(hash.to_string(), e))?;
    image::load_from_memory_with_format(&bytes, image::ImageFormat::Png)
        .map(|i| i.to_rgba8())
        .map_err(|e| DiffError::Image(hash.to_string(), e))
}

/// Hash of the changed regions and both images' pixels inside them: the
/// same change in the same place is the same deviation.
fn pixel_fingerprint(d: &pixels::PixelDiff, a: &image::RgbaImage, b: &image::RgbaImage) -> String {
    let mut h = Sha256::new();
    // What was added is part of the change; where it moved the rest is not.
    for r in &d.added {
        h.update(format!("+{},{};", r.y, r.h).as_bytes());
        for y in r.y..(r.y + r.h).min(b.height()) {
            for x in 0..b.width() {
                h.update(b.get_pixel(x, y).0);
            }
        }
    }
    for r in &d.removed {
        h.update(format!("-{},{};", r.y, r.h).as_bytes());
    }
    for r in &d.regions {
        h.update(format!("{},{},{},{};", r.x, r.y, r.w, r.h).as_bytes());
        for img in [a, b] {
            for y in r.y..(r.y + r.h).min(img.height()) {
                for x in r.x..(r.x + r.w).min(img.width()) {
                    h.update(img.get_pixel(x, y).0);
                }
            }
        }
    }
    hex::encode(&h.finalize()[..16])
}

/// "Färgen #1f5f99 har bytts mot #2b7a3d (dator (1280 px), 1234 pixlar)".
fn swap_summary(viewport: &str, s: &pixels::ColourSwap, d: &pixels::PixelDiff) -> String {
    let viewport = crate::services::ignores::viewport_words(viewport);
    format!(
        "Färgen {} har bytts mot {} ({viewport}, {} pixlar)",
        s.from, s.to, d.changed
    )
}

/// The swap with the contrast of white text on each colour (the sandbox
/// puts white text on its brand colour).
fn swap_detail(s: &pixels::ColourSwap) -> Value {
    let contrast =
        |c: &str| crate::services::contrast::with_white(c).map(|r| (r * 10.0).round() / 10.0);
    json!({
        "from": s.from,
        "to": s.to,
        "share": s.share,
        "white_on_from": contrast(&s.from),
        "white_on_to": contrast(&s.to),
    })
}

/// "Bilden skiljer sig (dator (1280 px)): ett tillagt band på 64 px, 120 pixlar
/// ändrade i 1 område, 900 rader flyttade".
fn pixel_summary(viewport: &str, d: &pixels::PixelDiff) -> String {
    let mut parts = Vec::new();
    let band = |n: usize, (one, many): (&str, &str), px: u32| match n {
        1 => format!("ett {one} band på {px} px"),
        n => format!("{n} {many} band på sammanlagt {px} px"),
    };
    if !d.added.is_empty() {
        parts.push(band(d.added.len(), ("tillagt", "tillagda"), d.added_rows()));
    }
    if !d.removed.is_empty() {
        let px = d.removed.iter().map(|r| r.h).sum();
        parts.push(band(d.removed.len(), ("borttaget", "borttagna"), px));
    }
    if d.changed > 0 {
        parts.push(format!(
            "{} pixlar ({:.2} %) ändrade i {} område{}",
            d.changed,
            d.ratio * 100.0,
            d.regions.len(),
            if d.regions.len() == 1 { "" } else { "n" }
        ));
    }
    if d.moved_rows > 0 {
        parts.push(format!("{} rader flyttade", d.moved_rows));
    }
    let viewport = crate::services::ignores::viewport_words(viewport);
    format!("Bilden skiljer sig ({viewport}): {}", parts.join(", "))
}

/// A pixel deviation's evidence: the diff, its fingerprint, the diff
/// image's artifact and the colour swap it is, when it is one.
pub struct PixelEvidence {
    pub diff: pixels::PixelDiff,
    pub fingerprint: String,
    pub image: String,
    pub swap: Option<pixels::ColourSwap>,
}

/// Pixel diff of two screenshots; `None` when they are the same file.
pub fn pixel_deviation(
    artifacts: &Artifacts,
    reference: &str,
    candidate: &str,
    opt: &Options,
) -> Result<Option<PixelEvidence>, DiffError> {
    if reference == candidate {
        return Ok(None);
    }
    let (a, b) = (
        read_image(artifacts, reference)?,
        read_image(artifacts, candidate)?,
    );
    let d = pixels::diff(&a, &b, opt.pixels);
    if !d.differs(opt.min_changed_pixels) {
        return Ok(None);
    }
    let swap = d.colour_swap(&a, &b);
    // One colour swapped for another is the same change on every page and
    // viewport (and in every variant with the same colours): one fingerprint.
    let fp = match &swap {
        Some(s) => fingerprint(&["colour", &s.from, &s.to]),
        None => pixel_fingerprint(&d, &a, &b),
    };
    let mut png = Vec::new();
    d.image(&a)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(DiffError::Encode)?;
    let diff_hash = artifacts
        .put(&png)
        .map_err(|e| DiffError::Artifact("diff image".into(), e))?;
    Ok(Some(PixelEvidence {
        diff: d,
        fingerprint: fp,
        image: diff_hash,
        swap,
    }))
}

/// Deviations of `candidate` from `reference` for one municipality.
pub fn compare_captures(
    municipality: &str,
    reference: &Side,
    candidate: &Side,
    artifacts: &Artifacts,
    opt: &Options,
) -> Result<Vec<Deviation>, DiffError> {
    let mut out = Vec::new();
    let dev =
        |step: &str, kind: Kind, fingerprint: String, summary: String, detail: Value| Deviation {
            municipality: municipality.to_string(),
            step: step.to_string(),
            kind,
            fingerprint,
            summary,
            detail,
        };
    let (Some((_, ref_pages)), Some((_, cand_pages))) = (reference.first(), candidate.first())
    else {
        return Ok(out);
    };
    for r in ref_pages {
        if !cand_pages.iter().any(|c| c.step == r.step) {
            out.push(dev(
                &r.step,
                Kind::Page,
                fingerprint(&["page", "missing", &r.step]),
                format!("Sidan ”{}” finns inte i varianten", r.title),
                json!({ "side": "reference", "title": r.title, "evidence": [r.screenshot] }),
            ));
        }
    }
    for c in cand_pages {
        let Some(r) = ref_pages.iter().find(|r| r.step == c.step) else {
            out.push(dev(
                &c.step,
                Kind::Page,
                fingerprint(&["page", "added", &c.step]),
                format!("Sidan ”{}” finns bara i varianten", c.title),
                json!({ "side": "candidate", "title": c.title, "evidence": [c.screenshot] }),
            ));
            continue;
        };
        if r.text != c.text {
            let segments = text::diff(
                &read_text(artifacts, &r.text)?,
                &read_text(artifacts, &c.text)?,
            );
            if text::changed(&segments) {
                let changes = text::change_summary(&segments);
                let n = changes.len();
                // The first changes, quoted: "−”störningen” +”olägenheten”".
                let first = changes
                    .iter()
                    .take(2)
                    .map(|c| text::quoted(c))
                    .collect::<Vec<_>>()
                    .join(" ");
                let mut parts = vec!["text"];
                parts.extend(changes.iter().map(String::as_str));
                out.push(dev(
                    &c.step,
                    Kind::Text,
                    fingerprint(&parts),
                    format!(
                        "Texten skiljer sig ({n} ändring{}): {}",
                        if n == 1 { "" } else { "ar" },
                        first
                    ),
                    json!({ "changes": changes, "evidence": [r.text, c.text] }),
                ));
            }
        }
        let changes = structure::diff(&r.structure, &c.structure);
        if !changes.is_empty() {
            let described: Vec<String> = changes.iter().map(|x| x.describe()).collect();
            let encoded = serde_json::to_string(&changes).unwrap_or_default();
            out.push(dev(
                &c.step,
                Kind::Structure,
                fingerprint(&["structure", &encoded]),
                format!("Formuläret skiljer sig: {}", described.join("; ")),
                json!({ "changes": changes, "described": described, "evidence": [r.screenshot, c.screenshot] }),
            ));
        }
    }
    for ((viewport, ref_pages), (_, cand_pages)) in reference.iter().zip(candidate) {
        for c in cand_pages {
            let Some(r) = ref_pages.iter().find(|r| r.step == c.step) else {
                continue;
            };
            if let Some(PixelEvidence {
                diff: d,
                fingerprint: fp,
                image: diff_hash,
                swap,
            }) = pixel_deviation(artifacts, &r.screenshot, &c.screenshot, opt)?
            {
                let summary = match &swap {
                    Some(s) => swap_summary(viewport, s, &d),
                    None => pixel_summary(viewport, &d),
                };
                out.push(dev(
                    &c.step,
                    Kind::Pixels(viewport.clone()),
                    fp,
                    summary,
                    json!({
                        "colour": swap.as_ref().map(swap_detail),
                        "viewport": viewport,
                        "changed": d.changed,
                        "antialiased": d.antialiased,
                        "ratio": d.ratio,
                        "width": d.width,
                        "height": d.height,
                        "regions": d.regions,
                        "added": d.added,
                        "removed": d.removed,
                        "moved_rows": d.moved_rows,
                        "reference_height": d.reference_height,
                        "reference_regions": d.reference_regions,
                        "reference": r.screenshot,
                        "candidate": c.screenshot,
                        "diff": diff_hash,
                        "evidence": [r.screenshot, c.screenshot, diff_hash],
                    }),
                ));
            }
        }
    }
    Ok(out)
}
