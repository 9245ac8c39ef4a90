//! An anti-aliasing-aware pixel diff: a port of pixelmatch (mapbox, ISC)
//! — YIQ colour distance with Kotsarenko & Ramos' anti-aliasing detection —
//! plus bounding boxes of the changed regions and a diff image.
//!
//! Images of different sizes are compared over their common area; the rest
//! of the larger one counts as changed (a page that grew is a change).

use image::{ImageBuffer, Rgba, RgbaImage};
use serde::Serialize;

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
    #[serde(skip)]
    mask: Vec<u8>,
}

const SAME: u8 = 0;
const CHANGED: u8 = 1;
const AA: u8 = 2;

/// Compare two RGBA images.
pub fn diff(a: &RgbaImage, b: &RgbaImage, opt: Options) -> PixelDiff {
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
                        || (opt.subpixel
                            && neighbourhood_delta(a, b, x, y, cw, ch).abs() <= max_delta))
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
        regions,
        mask,
    }
}

impl PixelDiff {
    /// pixelmatch's picture: the reference faded to grey, changes in red,
    /// anti-aliasing in yellow.
    pub fn image(&self, reference: &RgbaImage) -> RgbaImage {
        ImageBuffer::from_fn(self.width, self.height, |x, y| {
            match self.mask[(y * self.width + x) as usize] {
                CHANGED => Rgba([255, 0, 0, 255]),
                AA => Rgba([255, 255, 0, 255]),
                _ => {
                    let g = if x < reference.width() && y < reference.height() {
                        let p = reference.get_pixel(x, y).0;
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

/// Boxes around changed pixels: changed 16×16 tiles joined with their
/// neighbours (8-connected), each box shrunk to the changed pixels in it.
fn regions(mask: &[u8], w: u32, h: u32) -> Vec<Rect> {
    const TILE: u32 = 16;
    let (tw, th) = (w.div_ceil(TILE), h.div_ceil(TILE));
    // Per tile: the bounding box of its changed pixels.
    let mut tiles: Vec<Option<(u32, u32, u32, u32)>> = vec![None; (tw * th) as usize];
    for y in 0..h {
        let row = &mask[(y * w) as usize..((y + 1) * w) as usize];
        for (x, m) in row.iter().enumerate() {
            if *m != CHANGED {
                continue;
            }
            let x = x as u32;
            let t = &mut tiles[((y / TILE) * tw + x / TILE) as usize];
            *t = Some(match *t {
                None => (x, y, x, y),
                Some((x0, y0, x1, y1)) => (x0.min(x), y0.min(y), x1.max(x), y1.max(y)),
            });
        }
    }
    let mut seen = vec![false; tiles.len()];
    let mut out = Vec::new();
    for start in 0..tiles.len() {
        if seen[start] || tiles[start].is_none() {
            continue;
        }
        seen[start] = true;
        let mut stack = vec![start];
        let mut bb: Option<(u32, u32, u32, u32)> = None;
        while let Some(i) = stack.pop() {
            if let Some((x0, y0, x1, y1)) = tiles[i] {
                bb = Some(match bb {
                    None => (x0, y0, x1, y1),
                    Some((a, b, c, d)) => (a.min(x0), b.min(y0), c.max(x1), d.max(y1)),
                });
            }
            let (tx, ty) = ((i as u32) % tw, (i as u32) / tw);
            for dy in -1i64..=1 {
                for dx in -1i64..=1 {
                    let (nx, ny) = (tx as i64 + dx, ty as i64 + dy);
                    if nx < 0 || ny < 0 || nx >= tw as i64 || ny >= th as i64 {
                        continue;
                    }
                    let n = (ny as u32 * tw + nx as u32) as usize;
                    if !seen[n] && tiles[n].is_some() {
                        seen[n] = true;
                        stack.push(n);
                    }
                }
            }
        }
        if let Some((x0, y0, x1, y1)) = bb {
            out.push(Rect {
                x: x0,
                y: y0,
                w: x1 - x0 + 1,
                h: y1 - y0 + 1,
            });
        }
    }
    out.sort_by_key(|r| (r.y, r.x));
    out
}

fn blend(c: f64, a: f64) -> f64 {
    255.0 + (c - 255.0) * a
}

fn rgb2y(r: f64, g: f64, b: f64) -> f64 {
    r * 0.29889531 + g * 0.58662247 + b * 0.11448223
}
fn rgb2i(r: f64, g: f64, b: f64) -> f64 {
    r * 0.59597799 - g * 0.27417610 - b * 0.32180189
}
fn rgb2q(r: f64, g: f64, b: f64) -> f64 {
    r * 0.21147017 - g * 0.52261711 + b * 0.31114694
}

/// pixelmatch's `colorDelta`: squared YIQ distance, negative when the
/// first pixel is lighter; `y_only` gives the brightness difference.
fn color_delta(a: &[u8], b: &[u8], k: usize, m: usize, y_only: bool) -> f64 {
    let px = |p: &[u8], i: usize| {
        let al = p[i + 3] as f64 / 255.0;
        let (r, g, b) = (p[i] as f64, p[i + 1] as f64, p[i + 2] as f64);
        if al < 1.0 {
            (blend(r, al), blend(g, al), blend(b, al))
        } else {
            (r, g, b)
        }
    };
    if a[k..k + 4] == b[m..m + 4] {
        return 0.0;
    }
    let (r1, g1, b1) = px(a, k);
    let (r2, g2, b2) = px(b, m);
    let (y1, y2) = (rgb2y(r1, g1, b1), rgb2y(r2, g2, b2));
    let y = y1 - y2;
    if y_only {
        return y;
    }
    let i = rgb2i(r1, g1, b1) - rgb2i(r2, g2, b2);
    let q = rgb2q(r1, g1, b1) - rgb2q(r2, g2, b2);
    let delta = 0.5053 * y * y + 0.299 * i * i + 0.1957 * q * q;
    if y1 > y2 { -delta } else { delta }
}

/// Colour distance of the 3×3 means around (x, y) in both images.
fn neighbourhood_delta(a: &RgbaImage, b: &RgbaImage, x: u32, y: u32, w: u32, h: u32) -> f64 {
    let mean = |img: &RgbaImage| {
        let mut sum = [0u32; 4];
        let mut n = 0;
        for yy in y.saturating_sub(1)..=(y + 1).min(h - 1) {
            for xx in x.saturating_sub(1)..=(x + 1).min(w - 1) {
                let p = img.get_pixel(xx, yy).0;
                for c in 0..4 {
                    sum[c] += p[c] as u32;
                }
                n += 1;
            }
        }
        sum.map(|s| ((s + n / 2) / n) as u8)
    };
    let (ma, mb) = (mean(a), mean(b));
    color_delta(&ma, &mb, 0, 0, false)
}

/// Whether the pixel at (x1, y1) of `img` looks like anti-aliasing.
fn antialiased_at(img: &RgbaImage, x1: u32, y1: u32, w: u32, h: u32, other: &RgbaImage) -> bool {
    let (x0, y0) = (x1.saturating_sub(1), y1.saturating_sub(1));
    let (x2, y2) = ((x1 + 1).min(w - 1), (y1 + 1).min(h - 1));
    let raw = img.as_raw();
    let iw = img.width() as usize;
    let pos = (y1 as usize * iw + x1 as usize) * 4;
    let mut zeroes = u32::from(x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2);
    let (mut min, mut max) = (0.0f64, 0.0f64);
    let (mut min_at, mut max_at) = ((0, 0), (0, 0));
    for x in x0..=x2 {
        for y in y0..=y2 {
            if x == x1 && y == y1 {
                continue;
            }
            let delta = color_delta(raw, raw, pos, (y as usize * iw + x as usize) * 4, true);
            if delta == 0.0 {
                zeroes += 1;
                if zeroes > 2 {
                    return false;
                }
            } else if delta < min {
                min = delta;
                min_at = (x, y);
            } else if delta > max {
                max = delta;
                max_at = (x, y);
            }
        }
    }
    if min == 0.0 || max == 0.0 {
        return false;
    }
    (many_siblings(img, min_at.0, min_at.1, w, h) && many_siblings(other, min_at.0, min_at.1, w, h))
        || (many_siblings(img, max_at.0, max_at.1, w, h)
            && many_siblings(other, max_at.0, max_at.1, w, h))
}

/// Whether at least three neighbours have exactly the pixel's colour.
fn many_siblings(img: &RgbaImage, x1: u32, y1: u32, w: u32, h: u32) -> bool {
    let (x0, y0) = (x1.saturating_sub(1), y1.saturating_sub(1));
    let (x2, y2) = ((x1 + 1).min(w - 1), (y1 + 1).min(h - 1));
    let raw = img.as_raw();
    let iw = img.width() as usize;
    let pos = (y1 as usize * iw + x1 as usize) * 4;
    let mut zeroes = u32::from(x1 == x0 || x1 == x2 || y1 == y0 || y1 == y2);
    for x in x0..=x2 {
        for y in y0..=y2 {
            if x == x1 && y == y1 {
                continue;
            }
            let p = (y as usize * iw + x as usize) * 4;
            if raw[pos..pos + 4] == raw[p..p + 4] {
                zeroes += 1;
            }
            if zeroes > 2 {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn white(w: u32, h: u32) -> RgbaImage {
        ImageBuffer::from_pixel(w, h, Rgba([255, 255, 255, 255]))
    }

    #[test]
    fn identical_images_have_no_changes() {
        let a = white(50, 40);
        let d = diff(&a, &a.clone(), Options::default());
        assert_eq!((d.changed, d.regions.len()), (0, 0));
    }

    #[test]
    fn a_changed_block_is_found_with_its_box() {
        let a = white(100, 100);
        let mut b = a.clone();
        for y in 60..70 {
            for x in 10..30 {
                b.put_pixel(x, y, Rgba([0, 0, 200, 255]));
            }
        }
        let d = diff(&a, &b, Options::default());
        assert_eq!(d.changed, 200);
        assert_eq!(
            d.regions,
            vec![Rect {
                x: 10,
                y: 60,
                w: 20,
                h: 10
            }]
        );
        let img = d.image(&a);
        assert_eq!(img.get_pixel(15, 65).0, [255, 0, 0, 255]);
        assert_ne!(img.get_pixel(5, 5).0, [255, 0, 0, 255]);
    }

    #[test]
    fn colours_below_the_threshold_are_the_same() {
        let a = white(10, 10);
        let b = ImageBuffer::from_pixel(10, 10, Rgba([250, 250, 250, 255]));
        assert_eq!(diff(&a, &b, Options::default()).changed, 0);
        let c = ImageBuffer::from_pixel(10, 10, Rgba([200, 200, 255, 255]));
        assert_eq!(diff(&a, &c, Options::default()).changed, 100);
    }

    #[test]
    fn a_taller_page_counts_its_extra_rows_as_changed() {
        let d = diff(&white(20, 10), &white(20, 15), Options::default());
        assert_eq!(d.changed, 100);
        assert_eq!(
            d.regions,
            vec![Rect {
                x: 0,
                y: 10,
                w: 20,
                h: 5
            }]
        );
    }

    #[test]
    fn a_soft_edge_that_shifts_is_anti_aliasing() {
        // A dark bar with a grey edge pixel column that moves: the edge is AA.
        let mut a = white(20, 20);
        let mut b = white(20, 20);
        for y in 0..20 {
            for x in 5..10 {
                a.put_pixel(x, y, Rgba([0, 0, 0, 255]));
                b.put_pixel(x, y, Rgba([0, 0, 0, 255]));
            }
            a.put_pixel(10, y, Rgba([128, 128, 128, 255]));
            b.put_pixel(10, y, Rgba([200, 200, 200, 255]));
        }
        let d = diff(&a, &b, Options::default());
        assert_eq!(d.changed, 0, "{d:?}");
        assert!(d.antialiased > 0);
    }
}
