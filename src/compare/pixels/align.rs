//! Pairing the rows of two screenshots, so that one inserted block is one
//! added band and everything below it is compared with where it was.
//!
//! Exact row hashes alone are not enough: text laid out a fraction of a
//! pixel lower re-rasterises, so below an insertion only blank rows still
//! hash equal — and a Myers diff then pairs blank rows one row off here and
//! there, reporting a dozen one-pixel "bands" that are not there. So only
//! runs of equal rows that hold content (not one colour across) anchor the
//! alignment; between two anchors the difference in height is one band,
//! placed where the rows on either side of it look most alike (a coarse
//! brightness signature per row, which survives re-rasterisation).

use image::RgbaImage;
use similar::{Algorithm, DiffOp, capture_diff_slices};

/// How one candidate row relates to the reference.
#[derive(Clone, Copy)]
pub(super) enum RowFate {
    /// Compared with this reference row (identical or not).
    With(u32),
    /// Only in the candidate.
    Added,
    /// Only in the candidate, but a row of plain spacing that layout
    /// rounding added next to a real band elsewhere: not reported.
    Spacing,
}

/// A band of the reference the candidate lacks: where it would be in the
/// candidate, where it is in the reference, and its height.
pub(super) struct Removed {
    pub at: u32,
    pub from: u32,
    pub h: u32,
}

/// The alignment: each candidate row's fate, the removed bands and how
/// many identical rows sit at another height.
pub(super) struct Alignment {
    pub fates: Vec<RowFate>,
    pub removed: Vec<Removed>,
    pub moved: u32,
}

/// An anchor needs this many equal rows, this many of them with content.
const ANCHOR_ROWS: usize = 3;
const ANCHOR_CONTENT_ROWS: usize = 2;
/// Columns of the coarse row signature.
const BUCKETS: usize = 32;

struct Rows {
    hashes: Vec<u64>,
    plain: Vec<bool>,
    signatures: Vec<[f32; BUCKETS]>,
}

impl Rows {
    fn of(img: &RgbaImage) -> Rows {
        use std::hash::{Hash, Hasher};
        let w = img.width() as usize;
        let stride = (w * 4).max(1);
        let mut rows = Rows {
            hashes: Vec::new(),
            plain: Vec::new(),
            signatures: Vec::new(),
        };
        for row in img.as_raw().chunks(stride) {
            let mut h = std::collections::hash_map::DefaultHasher::new();
            row.hash(&mut h);
            rows.hashes.push(h.finish());
            rows.plain.push(row.chunks(4).all(|p| p == &row[..4]));
            let mut sig = [0f32; BUCKETS];
            for (x, p) in row.chunks(4).enumerate() {
                let luma =
                    0.299 * f32::from(p[0]) + 0.587 * f32::from(p[1]) + 0.114 * f32::from(p[2]);
                sig[x * BUCKETS / w.max(1)] += luma;
            }
            rows.signatures.push(sig);
        }
        rows
    }
}

/// How unlike reference row `r` and candidate row `c` are.
fn distance(a: &Rows, r: usize, b: &Rows, c: usize) -> f64 {
    if a.hashes[r] == b.hashes[c] {
        return 0.0;
    }
    let (x, y) = (&a.signatures[r], &b.signatures[c]);
    x.iter()
        .zip(y)
        .map(|(p, q)| f64::from((p - q).abs()))
        .sum::<f64>()
        + 1.0
}

/// Align the rows of reference `a` and candidate `b`.
pub(super) fn align(a: &RgbaImage, b: &RgbaImage) -> Alignment {
    let (ra, rb) = (Rows::of(a), Rows::of(b));
    let mut out = Alignment {
        fates: vec![RowFate::Added; rb.hashes.len()],
        removed: Vec::new(),
        moved: 0,
    };
    let (mut po, mut pn) = (0usize, 0usize);
    for op in capture_diff_slices(Algorithm::Myers, &ra.hashes, &rb.hashes) {
        let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        else {
            continue;
        };
        let content = (old_index..old_index + len)
            .filter(|&r| !ra.plain[r])
            .count();
        if len < ANCHOR_ROWS || content < ANCHOR_CONTENT_ROWS {
            continue;
        }
        span(&ra, &rb, (po, old_index), (pn, new_index), &mut out);
        for k in 0..len {
            out.fates[new_index + k] = RowFate::With((old_index + k) as u32);
        }
        (po, pn) = (old_index + len, new_index + len);
    }
    span(
        &ra,
        &rb,
        (po, ra.hashes.len()),
        (pn, rb.hashes.len()),
        &mut out,
    );
    fold_rounding(&ra, &rb, &mut out);
    out.moved = out
        .fates
        .iter()
        .enumerate()
        .filter(|(c, f)| matches!(f, RowFate::With(r) if *r as usize != *c && ra.hashes[*r as usize] == rb.hashes[*c]))
        .count() as u32;
    out
}

/// Whether rows `y..y + h` of `img` are spacing: each of one colour, or a
/// copy of the row just above or below the band (a box stretched by one).
fn spacing(img: &Rows, y: usize, h: usize) -> bool {
    let above = y.checked_sub(1).map(|r| img.hashes[r]);
    let below = img.hashes.get(y + h).copied();
    (y..y + h).all(|r| img.plain[r] || Some(img.hashes[r]) == above || Some(img.hashes[r]) == below)
}

/// A band at most this high, of spacing rows, is layout rounding when a band
/// at least `REAL_BAND` high is also there: a block 150.4 px high moves
/// what follows by 150 px here and 151 px there.
const ROUNDING_ROWS: usize = 2;
const REAL_BAND: usize = 8;

fn fold_rounding(a: &Rows, b: &Rows, out: &mut Alignment) {
    let mut added: Vec<(usize, usize)> = Vec::new();
    for (c, fate) in out.fates.iter().enumerate() {
        if matches!(fate, RowFate::Added) {
            match added.last_mut() {
                Some((y, h)) if *y + *h == c => *h += 1,
                _ => added.push((c, 1)),
            }
        }
    }
    let tallest = added
        .iter()
        .map(|(_, h)| *h)
        .chain(out.removed.iter().map(|r| r.h as usize))
        .max()
        .unwrap_or(0);
    if tallest < REAL_BAND {
        return;
    }
    for (y, h) in added {
        if h <= ROUNDING_ROWS && spacing(b, y, h) {
            out.fates[y..y + h].fill(RowFate::Spacing);
        }
    }
    out.removed
        .retain(|r| !(r.h as usize <= ROUNDING_ROWS && spacing(a, r.from as usize, r.h as usize)));
}

/// Pair the reference rows `old` with the candidate rows `new` (half-open
/// ranges between two anchors): row by row, with the difference in height
/// as one band where the rows around it fit best.
fn span(
    a: &Rows,
    b: &Rows,
    (o, o_end): (usize, usize),
    (n, n_end): (usize, usize),
    out: &mut Alignment,
) {
    let (ol, nl) = (o_end - o, n_end - n);
    // Rows paired above the band keep their places; below it they are
    // `gap` further along the longer side.
    let gap = ol.abs_diff(nl);
    let shorter = ol.min(nl);
    let pair = |i: usize, below: bool| -> (usize, usize) {
        let g = if below { gap } else { 0 };
        if nl >= ol {
            (o + i, n + i + g)
        } else {
            (o + i + g, n + i)
        }
    };
    let mut split = 0;
    if gap > 0 && shorter > 0 {
        // cost(s) = rows above s paired in place + rows from s paired past
        // the band; both as running sums, so one pass each.
        let mut below: f64 = (0..shorter)
            .map(|i| {
                let (r, c) = pair(i, true);
                distance(a, r, b, c)
            })
            .sum();
        let (mut above, mut best) = (0.0, f64::INFINITY);
        for s in 0..=shorter {
            // Ties (a band of one colour in an area of it) go to the
            // lowest place: a page that grew, grew at its end.
            if above + below <= best {
                (best, split) = (above + below, s);
            }
            if s < shorter {
                let (r, c) = pair(s, false);
                above += distance(a, r, b, c);
                let (r, c) = pair(s, true);
                below -= distance(a, r, b, c);
            }
        }
    }
    for i in 0..shorter {
        let (r, c) = pair(i, i >= split);
        out.fates[c] = RowFate::With(r as u32);
    }
    if ol > nl {
        out.removed.push(Removed {
            at: (n + split) as u32,
            from: (o + split) as u32,
            h: gap as u32,
        });
    }
}
