//! An anti-aliasing-aware pixel diff: a port of pixelmatch (mapbox, ISC)
//! — YIQ colour distance with Kotsarenko & Ramos' anti-aliasing detection —
//! plus bounding boxes of the changed regions and a diff image.
//!
//! Layout shifts: when a field is inserted, everything below it moves, and a
//! pixel-by-pixel diff is one red block from there down. So the two
//! screenshots are first aligned by rows (`align`: equal runs of rows with
//! content anchor it, the height difference between two anchors is one
//! band where the rows fit best): rows only in the candidate are an *added*
//! band, rows only in the reference a *removed* one, identical rows that
//! sit elsewhere are *moved*, and only rows paired with a different row are
//! compared pixel by pixel. Images of different widths are compared over
//! their common area, the rest of the larger one counting as changed.

mod aa;
mod align;
mod colour;
mod found;
mod regions;
use found::{AA, ADDED, CHANGED, SAME};
pub use found::{PixelDiff, Rect};

use aa::{antialiased_at, color_delta, subpixel_shift};
use align::{Alignment, RowFate};
pub use colour::ColourSwap;
use image::RgbaImage;
use regions::regions;

#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Per-pixel colour distance threshold in 0..1 (pixelmatch's default 0.1).
    pub threshold: f64,
    /// Count anti-aliased pixels as changes (normally not).
    pub include_aa: bool,
    /// Also forgive pixels whose 3×3 neighbourhood averages agree: text
    /// laid out a fraction of a pixel further along re-rasterises its glyph
    /// edges, which pixelmatch's test alone does not recognise.
    pub subpixel: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            threshold: 0.1,
            include_aa: false,
            subpixel: true,
        }
    }
}

/// Compare two RGBA images.
pub fn diff(a: &RgbaImage, b: &RgbaImage, opt: Options) -> PixelDiff {
    if a.width() != b.width() || a.as_raw() == b.as_raw() {
        return diff_in_place(a, b, opt);
    }
    let Alignment {
        fates,
        removed,
        moved: moved_rows,
    } = align::align(a, b);
    // The reference re-laid to the candidate's rows: an added row is the
    // candidate's own (it then compares equal and is marked added below).
    let stride = a.width() as usize * 4;
    let mut laid = Vec::with_capacity(b.as_raw().len());
    for (y, fate) in fates.iter().enumerate() {
        let src = match fate {
            RowFate::With(r) => &a.as_raw()[*r as usize * stride..(*r as usize + 1) * stride],
            RowFate::Added | RowFate::Spacing => &b.as_raw()[y * stride..(y + 1) * stride],
        };
        laid.extend_from_slice(src);
    }
    let laid = RgbaImage::from_raw(b.width(), b.height(), laid).expect("same size as candidate");
    let mut d = diff_in_place(&laid, b, opt);
    let w = b.width();
    let mut added = Vec::new();
    for (y, fate) in fates.iter().enumerate() {
        if matches!(fate, RowFate::Added) {
            let y = y as u32;
            d.mask[(y * w) as usize..((y + 1) * w) as usize].fill(ADDED);
            match added.last_mut() {
                Some(Rect { y: y0, h, .. }) if *y0 + *h == y => *h += 1,
                _ => added.push(Rect { x: 0, y, w, h: 1 }),
            }
        }
    }
    d.rows = fates
        .iter()
        .map(|f| match f {
            RowFate::With(r) => Some(*r),
            RowFate::Added | RowFate::Spacing => None,
        })
        .collect();
    d.added = added;
    d.removed = removed
        .iter()
        .map(|r| Rect {
            x: 0,
            y: r.at,
            w,
            h: r.h,
        })
        .collect();
    d.moved_rows = moved_rows;
    d.reference_height = a.height();
    d.reference_regions = d.regions_in_reference();
    d.reference_regions.extend(removed.iter().map(|r| Rect {
        x: 0,
        y: r.from,
        w,
        h: r.h,
    }));
    d
}

/// pixelmatch over the same coordinates of both images.
fn diff_in_place(a: &RgbaImage, b: &RgbaImage, opt: Options) -> PixelDiff {
    let (w, h) = (a.width().max(b.width()), a.height().max(b.height()));
    let (cw, ch) = (a.width().min(b.width()), a.height().min(b.height()));
    let mut mask = vec![SAME; w as usize * h as usize];
    let max_delta = 35215.0 * opt.threshold * opt.threshold;
    let (pa, pb) = (a.as_raw(), b.as_raw());
    let (wa, wb) = (a.width() as usize, b.width() as usize);
    let (mut changed, mut antialiased) = (0u64, 0u64);
    for y in 0..h as usize {
        for x in 0..w as usize {
            let m = y * w as usize + x;
            if x >= cw as usize || y >= ch as usize {
                mask[m] = CHANGED;
                changed += 1;
                continue;
            }
            let (ia, ib) = ((y * wa + x) * 4, (y * wb + x) * 4);
            if pa[ia..ia + 4] == pb[ib..ib + 4] {
                continue;
            }
            let delta = color_delta(pa, pb, ia, ib, false);
            if delta.abs() > max_delta {
                let (x, y) = (x as u32, y as u32);
                if !opt.include_aa
                    && (antialiased_at(a, x, y, cw, ch, b)
                        || antialiased_at(b, x, y, cw, ch, a)
                        || (opt.subpixel && subpixel_shift(a, b, x, y, cw, ch, max_delta)))
                {
                    mask[m] = AA;
                    antialiased += 1;
                } else {
                    mask[m] = CHANGED;
                    changed += 1;
                }
            }
        }
    }
    let area = (w as u64 * h as u64).max(1);
    let regions = regions(&mask, w, h);
    PixelDiff {
        width: w,
        height: h,
        changed,
        antialiased,
        ratio: changed as f64 / area as f64,
        added: Vec::new(),
        removed: Vec::new(),
        moved_rows: 0,
        reference_height: a.height(),
        reference_regions: regions
            .iter()
            .filter(|r| r.y < a.height() && r.x < a.width())
            .map(|r| Rect {
                w: r.w.min(a.width() - r.x),
                h: r.h.min(a.height() - r.y),
                ..*r
            })
            .collect(),
        regions,
        mask,
        rows: (0..h).map(|y| (y < a.height()).then_some(y)).collect(),
    }
}

#[cfg(test)]
mod tests;
