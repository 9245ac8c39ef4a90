//! Naming a colour change: when what changed on a page is one colour
//! swapped for another (a brand colour), the evidence says "#1f5f99 →
//! #2b7a3d" instead of a count of pixels.
//!
//! A swap moves every changed pixel the same way: a pixel that had colour A
//! now has B, and an edge pixel that mixed A with its background now mixes
//! B with the same background in the same proportion — its difference is
//! the same fraction of B − A. So the most common (before, after) pair is
//! the candidate swap, and it stands when nearly all changed pixels move
//! along it.

use std::collections::HashMap;

use image::RgbaImage;
use serde::Serialize;

use super::found::{CHANGED, PixelDiff};

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ColourSwap {
    /// `#rrggbb` before and after.
    pub from: String,
    pub to: String,
    /// The share of changed pixels the swap explains (0..1).
    pub share: f64,
}

/// At least this share of the changed pixels must move along the swap…
const SHARE: f64 = 0.9;
/// …and at least this many be exactly the one colour turned into the other.
const SOLID: u64 = 8;
/// How far (per channel, in levels) a difference may stray from the swap.
const SLACK: f64 = 6.0;

impl PixelDiff {
    /// The colour swap that explains this diff, if one does: only changed
    /// pixels, no bands.
    pub fn colour_swap(&self, reference: &RgbaImage, candidate: &RgbaImage) -> Option<ColourSwap> {
        if !self.added.is_empty() || !self.removed.is_empty() || self.changed == 0 {
            return None;
        }
        let changed: Vec<([u8; 3], [u8; 3])> = self
            .mask
            .iter()
            .enumerate()
            .filter(|(_, m)| **m == CHANGED)
            .filter_map(|(i, _)| {
                let (x, y) = (i as u32 % self.width, i as u32 / self.width);
                let ry = self.rows.get(y as usize).copied().flatten()?;
                if x >= reference.width() || ry >= reference.height() || y >= candidate.height() {
                    return None;
                }
                let rgb = |p: [u8; 4]| [p[0], p[1], p[2]];
                Some((
                    rgb(reference.get_pixel(x, ry).0),
                    rgb(candidate.get_pixel(x, y).0),
                ))
            })
            .collect();
        let mut pairs: HashMap<([u8; 3], [u8; 3]), u64> = HashMap::new();
        for p in &changed {
            *pairs.entry(*p).or_default() += 1;
        }
        let (&(from, to), &solid) = pairs.iter().max_by_key(|(p, n)| (**n, **p))?;
        if solid < SOLID {
            return None;
        }
        if self.old_colour_around(candidate, from) {
            return None;
        }
        let along = changed
            .iter()
            .filter(|(a, b)| moves_along(*a, *b, from, to))
            .count();
        let share = along as f64 / changed.len() as f64;
        (share >= SHARE).then(|| ColourSwap {
            from: hex(from),
            to: hex(to),
            share,
        })
    }
}

impl PixelDiff {
    /// Whether the old colour still lies right around the changed regions:
    /// then what changed is a new shape on it (a block drawn on the
    /// background), not that colour swapped everywhere it was.
    fn old_colour_around(&self, candidate: &RgbaImage, from: [u8; 3]) -> bool {
        let (w, h) = (candidate.width() as i64, candidate.height() as i64);
        let (mut ring, mut old) = (0u64, 0u64);
        for r in &self.regions {
            let (x0, y0) = (i64::from(r.x) - 1, i64::from(r.y) - 1);
            let (x1, y1) = (i64::from(r.x + r.w), i64::from(r.y + r.h));
            let border = (x0..=x1)
                .flat_map(|x| [(x, y0), (x, y1)])
                .chain((y0 + 1..y1).flat_map(|y| [(x0, y), (x1, y)]));
            for (x, y) in border.filter(|(x, y)| *x >= 0 && *y >= 0 && *x < w && *y < h) {
                ring += 1;
                let p = candidate.get_pixel(x as u32, y as u32).0;
                old += u64::from([p[0], p[1], p[2]] == from);
            }
        }
        old * 10 > ring
    }
}

/// Whether `b − a` is a fraction in (0, 1] of `to − from`.
fn moves_along(a: [u8; 3], b: [u8; 3], from: [u8; 3], to: [u8; 3]) -> bool {
    let d: Vec<f64> = (0..3).map(|k| f64::from(b[k]) - f64::from(a[k])).collect();
    let s: Vec<f64> = (0..3)
        .map(|k| f64::from(to[k]) - f64::from(from[k]))
        .collect();
    let len2: f64 = s.iter().map(|v| v * v).sum();
    if len2 == 0.0 {
        return false;
    }
    let t = d.iter().zip(&s).map(|(p, q)| p * q).sum::<f64>() / len2;
    t > 0.0 && t <= 1.05 && d.iter().zip(&s).all(|(p, q)| (p - t * q).abs() <= SLACK)
}

fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

#[cfg(test)]
mod tests {
    use super::super::{Options, diff};
    use image::{ImageBuffer, Rgba, RgbaImage};

    /// A header bar and a button in `brand`, white text-like marks on both.
    fn page(brand: [u8; 3]) -> RgbaImage {
        let [r, g, b] = brand;
        ImageBuffer::from_fn(200, 120, |x, y| {
            let on_brand = y < 30 || ((60..160).contains(&x) && (70..100).contains(&y));
            let mark = on_brand && x % 7 == 3 && y % 5 != 0;
            let edge = on_brand && x % 7 == 4 && y % 5 != 0;
            if mark {
                Rgba([255, 255, 255, 255])
            } else if edge {
                // Half white, half brand: an anti-aliased glyph edge.
                Rgba([
                    ((u16::from(r) + 255) / 2) as u8,
                    ((u16::from(g) + 255) / 2) as u8,
                    ((u16::from(b) + 255) / 2) as u8,
                    255,
                ])
            } else if on_brand {
                Rgba([r, g, b, 255])
            } else {
                Rgba([250, 250, 250, 255])
            }
        })
    }

    #[test]
    fn a_brand_colour_change_is_named() {
        let (a, b) = (page([0x1f, 0x5f, 0x99]), page([0x2b, 0x7a, 0x3d]));
        let d = diff(&a, &b, Options::default());
        assert!(d.changed > 1000, "{}", d.changed);
        let swap = d.colour_swap(&a, &b).expect("a named swap");
        assert_eq!(
            (swap.from.as_str(), swap.to.as_str()),
            ("#1f5f99", "#2b7a3d")
        );
        assert!(swap.share > 0.99, "{swap:?}");
    }

    #[test]
    fn a_colour_change_with_something_else_is_not_only_a_swap() {
        let a = page([0x1f, 0x5f, 0x99]);
        let mut b = page([0x2b, 0x7a, 0x3d]);
        // A new dark block below the header: not explained by the swap.
        for y in 35..65 {
            for x in 0..200 {
                b.put_pixel(x, y, Rgba([20, 20, 20, 255]));
            }
        }
        let d = diff(&a, &b, Options::default());
        assert_eq!(d.colour_swap(&a, &b), None);
        // A moved block is not a swap either.
        let mut c = page([0x1f, 0x5f, 0x99]);
        for y in 40..60 {
            for x in 10..40 {
                c.put_pixel(x, y, Rgba([0x1f, 0x5f, 0x99, 255]));
            }
        }
        let d = diff(&a, &c, Options::default());
        assert_eq!(d.colour_swap(&a, &c), None, "a new block in an old colour");
    }
}
