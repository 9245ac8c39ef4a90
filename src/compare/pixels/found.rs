//! What comparing two images found: the changed pixels and regions, the
//! bands added and removed, and pixelmatch's picture of it.

use image::{ImageBuffer, Rgba, RgbaImage};
use serde::Serialize;

use super::aa::{blend, rgb2y};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rect {
    pub x: u32,
    pub y: u32,
    pub w: u32,
    pub h: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct PixelDiff {
    pub width: u32,
    pub height: u32,
    /// Pixels that differ beyond the threshold and are not anti-aliasing.
    pub changed: u64,
    /// Pixels that differ only by anti-aliasing (ignored).
    pub antialiased: u64,
    pub ratio: f64,
    pub regions: Vec<Rect>,
    /// Bands only the candidate has (full width, candidate coordinates).
    pub added: Vec<Rect>,
    /// Bands only the reference has: where they would be in the candidate
    /// (`y`) and how high they were (`h`).
    pub removed: Vec<Rect>,
    /// Identical rows found at another height (content that moved).
    pub moved_rows: u32,
    /// The reference's height, and where its changed regions and removed
    /// bands are in its own coordinates (to outline them on it too).
    pub reference_height: u32,
    pub reference_regions: Vec<Rect>,
    #[serde(skip)]
    pub(super) mask: Vec<u8>,
    /// For each candidate row, the reference row it is compared with.
    #[serde(skip)]
    pub(super) rows: Vec<Option<u32>>,
}

pub(super) const SAME: u8 = 0;

pub(super) const CHANGED: u8 = 1;

pub(super) const AA: u8 = 2;

pub(super) const ADDED: u8 = 3;

impl PixelDiff {
    /// Whether anything differs beyond `min_changed` pixels: changed pixels,
    /// or a band added or removed.
    pub fn differs(&self, min_changed: u64) -> bool {
        self.changed >= min_changed || !self.added.is_empty() || !self.removed.is_empty()
    }

    /// The changed regions in the reference's rows: each region's rows
    /// mapped through the alignment (rows only the candidate has drop out).
    pub(super) fn regions_in_reference(&self) -> Vec<Rect> {
        self.regions
            .iter()
            .filter_map(|r| {
                let rows =
                    (r.y..r.y + r.h).filter_map(|y| self.rows.get(y as usize).copied().flatten());
                let (lo, hi) = rows.fold((u32::MAX, 0), |(lo, hi), y| (lo.min(y), hi.max(y)));
                (lo <= hi).then_some(Rect {
                    y: lo,
                    h: hi - lo + 1,
                    ..*r
                })
            })
            .collect()
    }

    /// Rows in the added bands.
    pub fn added_rows(&self) -> u32 {
        self.added.iter().map(|r| r.h).sum()
    }

    /// pixelmatch's picture: the reference faded to grey, changes in red,
    /// anti-aliasing in yellow; added bands in green, and a blue line where
    /// a band of the reference was removed.
    pub fn image(&self, reference: &RgbaImage) -> RgbaImage {
        let removed_at: Vec<u32> = self.removed.iter().map(|r| r.y).collect();
        ImageBuffer::from_fn(self.width, self.height, |x, y| {
            if removed_at.iter().any(|r| y == *r || y + 1 == *r) {
                return Rgba([0, 90, 200, 255]);
            }
            match self.mask[(y * self.width + x) as usize] {
                CHANGED => Rgba([255, 0, 0, 255]),
                AA => Rgba([255, 255, 0, 255]),
                ADDED => Rgba([120, 200, 120, 255]),
                _ => {
                    let source = self.rows.get(y as usize).copied().flatten();
                    let g = if let Some(ry) =
                        source.filter(|ry| x < reference.width() && *ry < reference.height())
                    {
                        let p = reference.get_pixel(x, ry).0;
                        let luma = rgb2y(p[0] as f64, p[1] as f64, p[2] as f64);
                        blend(luma, 0.1 * p[3] as f64 / 255.0)
                    } else {
                        255.0
                    };
                    let g = g.clamp(0.0, 255.0) as u8;
                    Rgba([g, g, g, 255])
                }
            }
        })
    }
}
