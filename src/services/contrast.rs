//! Whether white text can be read on a brand colour (WCAG 2.1 1.4.3): the
//! sandbox's header and buttons put white text on it, so a package with a
//! light brand colour is refused by `validate` instead of being caught only
//! later by axe-core in a run.

/// The contrast AA asks of normal text.
pub const AA: f64 = 4.5;

fn channels(hex: &str) -> Option<[u8; 3]> {
    let h = hex.strip_prefix('#')?;
    if h.len() != 6 || !h.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let c = |i: usize| u8::from_str_radix(&h[i..i + 2], 16).ok();
    Some([c(0)?, c(2)?, c(4)?])
}

/// WCAG relative luminance.
fn luminance(rgb: [u8; 3]) -> f64 {
    let lin = |v: u8| {
        let s = f64::from(v) / 255.0;
        if s <= 0.03928 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(rgb[0]) + 0.7152 * lin(rgb[1]) + 0.0722 * lin(rgb[2])
}

/// The contrast ratio of white on `#rrggbb`, or `None` when it is not one.
pub fn with_white(hex: &str) -> Option<f64> {
    channels(hex).map(|rgb| 1.05 / (luminance(rgb) + 0.05))
}

/// The same hue darkened until white text on it reaches [`AA`].
pub fn darkened(hex: &str) -> String {
    let Some(rgb) = channels(hex) else {
        return "#1f4e79".into();
    };
    let mut f = 1.0;
    loop {
        let c = rgb.map(|v| (f64::from(v) * f).round() as u8);
        if 1.05 / (luminance(c) + 0.05) >= AA || f <= 0.0 {
            return format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2]);
        }
        f -= 0.02;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn white_on_brand_colours() {
        assert!((with_white("#000000").unwrap() - 21.0).abs() < 0.01);
        assert!((with_white("#ffffff").unwrap() - 1.0).abs() < 0.01);
        assert!(with_white("#ffff66").unwrap() < AA);
        assert!(with_white("#1f4e79").unwrap() >= AA);
        assert_eq!(with_white("ffff66"), None);
        assert_eq!(with_white("#ggg000"), None);
        let dark = darkened("#ffff66");
        assert!(with_white(&dark).unwrap() >= AA, "{dark}");
    }
}
