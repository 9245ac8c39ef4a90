//! The pixel diff on made-up images: changes, anti-aliasing, layout shifts.
use super::*;
use image::{ImageBuffer, Rgba};

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
fn a_taller_page_has_an_added_band() {
    let d = diff(&white(20, 10), &white(20, 15), Options::default());
    assert_eq!(d.changed, 0);
    assert_eq!(
        d.added,
        vec![Rect {
            x: 0,
            y: 10,
            w: 20,
            h: 5
        }]
    );
    assert!(d.differs(16), "a page that grew is a change");
    // Of another width, compared over the common area.
    let d = diff(&white(20, 10), &white(25, 10), Options::default());
    assert_eq!(d.changed, 50);
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

/// Rows whose content depends on their height, like a page's lines.
fn page(w: u32, h: u32) -> RgbaImage {
    ImageBuffer::from_fn(w, h, |x, y| {
        if y % 9 == 0 {
            Rgba([255, 255, 255, 255])
        } else {
            Rgba([
                ((x * 7 + y * 13) % 256) as u8,
                ((y * 3) % 256) as u8,
                ((x + y) % 256) as u8,
                255,
            ])
        }
    })
}

#[test]
fn an_inserted_band_is_added_and_what_follows_moved_not_changed() {
    let a = page(120, 300);
    let band = ImageBuffer::from_fn(120, 40, |x, _| Rgba([20, 60, (x % 256) as u8, 255]));
    let mut b = RgbaImage::new(120, 340);
    for y in 0..340 {
        for x in 0..120 {
            let p = match y {
                0..100 => *a.get_pixel(x, y),
                100..140 => *band.get_pixel(x, y - 100),
                _ => *a.get_pixel(x, y - 40),
            };
            b.put_pixel(x, y, p);
        }
    }
    let d = diff(&a, &b, Options::default());
    assert_eq!(
        d.changed, 0,
        "nothing below the band counts as changed: {:?}",
        d.regions
    );
    assert_eq!(
        d.added,
        vec![Rect {
            x: 0,
            y: 100,
            w: 120,
            h: 40
        }]
    );
    assert_eq!(d.moved_rows, 200);
    assert!(d.differs(16));
    // Pixel by pixel, everything from the band down would differ.
    let naive = diff_in_place(&a, &b, Options::default());
    assert!(naive.changed > 20_000, "{}", naive.changed);
    // The picture: the band in green, the rest grey.
    let img = d.image(&a);
    assert_eq!(img.get_pixel(5, 120).0, [120, 200, 120, 255]);
    assert_ne!(img.get_pixel(5, 200).0, [255, 0, 0, 255]);
    // Removed the other way round, marked where it was.
    let back = diff(&b, &a, Options::default());
    assert_eq!(back.changed, 0);
    assert_eq!(
        back.removed,
        vec![Rect {
            x: 0,
            y: 100,
            w: 120,
            h: 40
        }]
    );
    // On the reference (`b` here) the removed band is where it was.
    assert_eq!(back.reference_height, 340);
    assert_eq!(
        back.reference_regions,
        vec![Rect {
            x: 0,
            y: 100,
            w: 120,
            h: 40
        }]
    );
}

#[test]
fn a_change_below_an_inserted_band_is_outlined_where_it_is_on_the_reference() {
    let a = page(120, 300);
    let mut b = RgbaImage::new(120, 330);
    for y in 0..330 {
        for x in 0..120 {
            let p = match y {
                0..50 => *a.get_pixel(x, y),
                50..80 => Rgba([20, 60, 200, 255]),
                _ => *a.get_pixel(x, y - 30),
            };
            b.put_pixel(x, y, p);
        }
    }
    // A changed block at candidate rows 230..240 = reference rows 200..210.
    for y in 230..240 {
        for x in 30..60 {
            b.put_pixel(x, y, Rgba([255, 0, 0, 255]));
        }
    }
    let d = diff(&a, &b, Options::default());
    assert_eq!(d.regions.len(), 1, "{:?}", d.regions);
    assert_eq!((d.regions[0].y, d.regions[0].h), (230, 10));
    assert_eq!(d.reference_regions.len(), 1, "{:?}", d.reference_regions);
    let r = d.reference_regions[0];
    assert_eq!((r.x, r.y, r.w, r.h), (30, 200, 30, 10));
    assert_eq!(d.reference_height, 300);
}

#[test]
fn a_change_beside_a_shift_is_still_changed() {
    let a = page(120, 300);
    let mut b = page(120, 300);
    for y in 200..210 {
        for x in 30..60 {
            b.put_pixel(x, y, Rgba([255, 0, 0, 255]));
        }
    }
    let d = diff(&a, &b, Options::default());
    assert_eq!(d.changed, 300);
    assert!(d.added.is_empty() && d.removed.is_empty());
}

/// pixelmatch's own test pairs (`tests/data/pixelmatch`) and the counts
/// its YIQ algorithm gives at threshold 0.1: the sub-pixel forgiveness may
/// halve a count, never more, and anti-aliasing alone counts nothing.
fn pixelmatch_pair(n: u32, pixelmatch: u64) {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/pixelmatch");
    let load = |side: &str| {
        image::open(dir.join(format!("{n}{side}.png")))
            .expect("pixelmatch test image")
            .to_rgba8()
    };
    let (a, b) = (load("a"), load("b"));
    let port = diff_in_place(
        &a,
        &b,
        Options {
            subpixel: false,
            ..Options::default()
        },
    );
    assert_eq!(port.changed, pixelmatch, "the port of pixelmatch, pair {n}");
    let ours = diff(&a, &b, Options::default());
    assert!(
        ours.changed * 2 >= pixelmatch && ours.changed <= pixelmatch,
        "pair {n}: {} changed, pixelmatch {pixelmatch}",
        ours.changed
    );
    assert!(
        ours.added.is_empty() && ours.removed.is_empty(),
        "pair {n} has the same rows: {:?} {:?}",
        ours.added,
        ours.removed
    );
    for img in [&a, &b] {
        assert_eq!(diff(img, img, Options::default()).changed, 0);
    }
}

#[test]
fn pixelmatch_1_map_labels_and_lines() {
    pixelmatch_pair(1, 106);
}

#[test]
fn pixelmatch_2_large_areas() {
    pixelmatch_pair(2, 9_730);
}

#[test]
fn pixelmatch_3_small_details() {
    pixelmatch_pair(3, 178);
}

#[test]
fn pixelmatch_4_fill_colours_of_whole_areas() {
    pixelmatch_pair(4, 6_889);
}

#[test]
fn pixelmatch_5_anti_aliasing_only() {
    pixelmatch_pair(5, 0);
}

#[test]
fn pixelmatch_6_a_few_small_marks() {
    pixelmatch_pair(6, 51);
}

#[test]
fn pixelmatch_7_text() {
    pixelmatch_pair(7, 2_448);
}
