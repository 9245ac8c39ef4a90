//! Where the changed pixels are, as boxes a person can look at.

use super::found::{CHANGED, Rect};

/// Boxes around changed pixels: changed 16×16 tiles joined with their
/// neighbours (8-connected), each box shrunk to the changed pixels in it.
pub(super) fn regions(mask: &[u8], w: u32, h: u32) -> Vec<Rect> {
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
