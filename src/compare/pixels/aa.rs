//! Colour distance and what is not a change: pixelmatch's YIQ distance and
//! anti-aliasing test, and the sub-pixel shift test for re-rasterised glyphs.

use image::RgbaImage;

pub(super) fn blend(c: f64, a: f64) -> f64 {
    255.0 + (c - 255.0) * a
}

pub(super) fn rgb2y(r: f64, g: f64, b: f64) -> f64 {
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
pub(super) fn color_delta(a: &[u8], b: &[u8], k: usize, m: usize, y_only: bool) -> f64 {
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

/// Whether `b`'s pixel at (x, y) is `a`'s picture moved by a fraction of a
/// pixel. Glyphs laid out 0.3 px further along re-rasterise their edges, so
/// single pixels differ beyond the threshold although the picture is the
/// same. Forgiven only on an edge both images have with the same local
/// structure: the 3×3 means agree *and* the two 5×5 brightness patches
/// correlate (or one patch is a sub-pixel blend of the other
/// along x or y). A changed texture or photo has unrelated patches, so it
/// counts as pixelmatch counts it; the 3×3 means alone forgave almost
/// every changed pixel of a noisy image. The means must also balance
/// (see `balanced`) and a blend may move an edge at most half a pixel, so
/// a colour that changed or a detail moved a whole pixel still counts.
/// One whole-pixel move is forgiven: a long straight box edge that layout
/// rounding put one pixel further (`edge_snapped`).
pub(super) fn subpixel_shift(
    a: &RgbaImage,
    b: &RgbaImage,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    max_delta: f64,
) -> bool {
    if neighbourhood_delta(a, b, x, y, w, h).abs() <= max_delta
        && patch_correlation(a, b, x, y, w, h) >= 0.5
        && balanced(a, b, x, y, w, h)
    {
        return true;
    }
    blended_shift(a, b, x, y, w, h, max_delta) || edge_snapped(a, b, x, y, w, h, max_delta)
}

/// A straight edge this long (in pixels) that moved one pixel is layout
/// rounding — a button one pixel wider because the text in it moved 0.3 px
/// — not a change; an icon moved one pixel has no straight edge this long.
const EDGE_RUN: i64 = 12;

/// Whether (x, y) is on a straight edge of one colour that moved one whole
/// pixel across itself: along the edge, for at least `EDGE_RUN` pixels,
/// each pixel changed and `b` shows what `a` had one pixel over.
fn edge_snapped(
    a: &RgbaImage,
    b: &RgbaImage,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    max_delta: f64,
) -> bool {
    let at = |img: &RgbaImage, x: i64, y: i64| pixel_at(img, w, h, x, y);
    let same = |p: &[u8; 4], q: &[u8; 4]| color_delta(p, q, 0, 0, false).abs() <= max_delta;
    let (x, y) = (x as i64, y as i64);
    let (Some(first_a), Some(first_b)) = (at(a, x, y), at(b, x, y)) else {
        return false;
    };
    // Across the edge (dx, dy), along it (ex, ey).
    for (dx, dy, ex, ey) in [(1i64, 0i64, 0i64, 1i64), (0, 1, 1, 0)] {
        for sign in [-1i64, 1] {
            let moved = |k: i64| -> bool {
                let (px, py) = (x + k * ex, y + k * ey);
                let (Some(pa), Some(pb), Some(over)) = (
                    at(a, px, py),
                    at(b, px, py),
                    at(a, px + sign * dx, py + sign * dy),
                ) else {
                    return false;
                };
                !same(&pa, &pb) && same(&pb, &over) && same(&pa, &first_a) && same(&pb, &first_b)
            };
            let up = (1..EDGE_RUN).take_while(|&k| moved(-k)).count() as i64;
            let down = (1..EDGE_RUN).take_while(|&k| moved(k)).count() as i64;
            if up + down + 1 >= EDGE_RUN {
                return true;
            }
        }
    }
    false
}

/// Whether the brightness changes around (x, y) balance out: an edge that
/// moved a fraction of a pixel darkens pixels on one side of a stroke as
/// much as it lightens them on the other, while a stroke or area whose
/// colour changed moves every pixel the same way.
fn balanced(a: &RgbaImage, b: &RgbaImage, x: u32, y: u32, w: u32, h: u32) -> bool {
    let (mut signed, mut total) = (0.0f64, 0.0f64);
    for (xx, yy) in window(x, y, w, h, 2) {
        let (pa, pb) = (a.get_pixel(xx, yy).0, b.get_pixel(xx, yy).0);
        let d = rgb2y(f64::from(pa[0]), f64::from(pa[1]), f64::from(pa[2]))
            - rgb2y(f64::from(pb[0]), f64::from(pb[1]), f64::from(pb[2]));
        signed += d;
        total += d.abs();
    }
    signed.abs() <= BALANCE * total
}

/// How far the brightness changes around a moved edge may fail to cancel.
const BALANCE: f64 = 0.6;

/// Pearson correlation of the 5×5 brightness patches around (x, y); 0 when
/// either is flat (no edge to have moved).
fn patch_correlation(a: &RgbaImage, b: &RgbaImage, x: u32, y: u32, w: u32, h: u32) -> f64 {
    let patch = |img: &RgbaImage| -> Vec<f64> {
        window(x, y, w, h, 2)
            .map(|(xx, yy)| {
                let p = img.get_pixel(xx, yy).0;
                rgb2y(f64::from(p[0]), f64::from(p[1]), f64::from(p[2]))
            })
            .collect()
    };
    let (pa, pb) = (patch(a), patch(b));
    let n = pa.len() as f64;
    let (ma, mb) = (pa.iter().sum::<f64>() / n, pb.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (va, vb) in pa.iter().zip(&pb) {
        sab += (va - ma) * (vb - mb);
        saa += (va - ma) * (va - ma);
        sbb += (vb - mb) * (vb - mb);
    }
    // Flat patches (less than a few levels of spread) hold no edge.
    if saa < n * 16.0 || sbb < n * 16.0 {
        return 0.0;
    }
    sab / (saa * sbb).sqrt()
}

/// The pixel at (x, y) when it lies inside the `w`×`h` area compared.
fn pixel_at(img: &RgbaImage, w: u32, h: u32, x: i64, y: i64) -> Option<[u8; 4]> {
    (x >= 0 && y >= 0 && x < i64::from(w) && y < i64::from(h))
        .then(|| img.get_pixel(x as u32, y as u32).0)
}

/// Whether some blend of `a`'s pixel and its neighbour along x or y matches
/// `b` at the pixel and at both its neighbours on that line.
fn blended_shift(
    a: &RgbaImage,
    b: &RgbaImage,
    x: u32,
    y: u32,
    w: u32,
    h: u32,
    max_delta: f64,
) -> bool {
    let at = |img: &RgbaImage, x: i64, y: i64| pixel_at(img, w, h, x, y);
    let (x, y) = (x as i64, y as i64);
    for (dx, dy) in [(1i64, 0i64), (0, 1)] {
        for sign in [-1i64, 1] {
            for tenth in 1..=5 {
                let t = f64::from(tenth) / 10.0;
                let fits = (-1i64..=1).all(|k| {
                    let (px, py) = (x + k * dx, y + k * dy);
                    let (Some(pa), Some(pb)) = (at(a, px, py), at(b, px, py)) else {
                        return true;
                    };
                    let qa = at(a, px + sign * dx, py + sign * dy).unwrap_or(pa);
                    let mut mixed = [0u8; 4];
                    for c in 0..4 {
                        mixed[c] =
                            (f64::from(pa[c]) * (1.0 - t) + f64::from(qa[c]) * t).round() as u8;
                    }
                    color_delta(&mixed, &pb, 0, 0, false).abs() <= max_delta
                });
                if fits {
                    return true;
                }
            }
        }
    }
    false
}

/// Whether the pixel at (x1, y1) of `img` looks like anti-aliasing.
/// The pixels within `r` of (x, y) inside a `w`×`h` image, row by row.
fn window(x: u32, y: u32, w: u32, h: u32, r: u32) -> impl Iterator<Item = (u32, u32)> {
    (y.saturating_sub(r)..=(y + r).min(h - 1))
        .flat_map(move |yy| (x.saturating_sub(r)..=(x + r).min(w - 1)).map(move |xx| (xx, yy)))
}

/// Colour distance of the 3×3 means around (x, y) in both images.
fn neighbourhood_delta(a: &RgbaImage, b: &RgbaImage, x: u32, y: u32, w: u32, h: u32) -> f64 {
    let mean = |img: &RgbaImage| {
        let mut sum = [0u32; 4];
        let mut n = 0;
        for (xx, yy) in window(x, y, w, h, 1) {
            let p = img.get_pixel(xx, yy).0;
            for c in 0..4 {
                sum[c] += p[c] as u32;
            }
            n += 1;
        }
        sum.map(|s| ((s + n / 2) / n) as u8)
    };
    let (ma, mb) = (mean(a), mean(b));
    color_delta(&ma, &mb, 0, 0, false)
}

pub(super) fn antialiased_at(
    img: &RgbaImage,
    x1: u32,
    y1: u32,
    w: u32,
    h: u32,
    other: &RgbaImage,
) -> bool {
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
    use super::super::{Options, diff};
    use image::{ImageBuffer, Rgba, RgbaImage};

    /// Deterministic noise (a linear congruential generator).
    fn noise(w: u32, h: u32, seed: u64) -> RgbaImage {
        let mut s = seed;
        ImageBuffer::from_fn(w, h, |_, _| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let v = (s >> 33) as u32;
            Rgba([
                (v & 255) as u8,
                ((v >> 8) & 255) as u8,
                ((v >> 16) & 255) as u8,
                255,
            ])
        })
    }

    #[test]
    fn a_changed_texture_counts_about_as_pixelmatch_counts_it() {
        let (a, b) = (noise(200, 150, 1), noise(200, 150, 2));
        let ours = diff(&a, &b, Options::default()).changed;
        let pixelmatch = diff(
            &a,
            &b,
            Options {
                subpixel: false,
                ..Options::default()
            },
        )
        .changed;
        assert!(pixelmatch > 10_000, "{pixelmatch}");
        eprintln!("changed noise: ours {ours}, pixelmatch's algorithm {pixelmatch}");
        assert!(
            ours * 2 >= pixelmatch && ours <= pixelmatch,
            "ours {ours}, pixelmatch's algorithm {pixelmatch}"
        );
    }

    /// A bar with soft edges drawn at a fractional position, as a
    /// rasteriser covers pixels.
    fn bar(from: f64, to: f64) -> RgbaImage {
        ImageBuffer::from_fn(60, 12, |x, _| {
            let (l, r) = (f64::from(x), f64::from(x) + 1.0);
            let cover = (r.min(to) - l.max(from)).clamp(0.0, 1.0);
            let v = (255.0 * (1.0 - cover)).round() as u8;
            Rgba([v, v, v, 255])
        })
    }

    #[test]
    fn a_bar_moved_a_third_of_a_pixel_is_not_a_change() {
        for shift in [0.3, 0.5, 0.7] {
            let d = diff(
                &bar(10.0, 30.0),
                &bar(10.0 + shift, 30.0 + shift),
                Options::default(),
            );
            assert_eq!(d.changed, 0, "shift {shift}: {d:?}");
        }
        // Moved a whole pixel and widened: a change.
        let d = diff(&bar(10.0, 30.0), &bar(11.0, 34.0), Options::default());
        assert!(d.changed > 0);
    }
}
