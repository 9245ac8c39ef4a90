//! Rendering a pointed-at page: the same sandbox session in Provrum's own
//! Chromium, the reviewer's unsaved answers filled in, the element found by
//! its position path and the marker drawn into the PNG.

use serde_json::{Value, json};

use crate::browser::{Browser, BrowserError, BrowserOptions};

use super::pointed::Pointed;

/// A box on the rendered page, in CSS pixels from its top left corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub x: i64,
    pub y: i64,
    pub w: i64,
    pub h: i64,
    /// The point itself.
    pub px: i64,
    pub py: i64,
}

/// A rendered shot: the PNG with the marker drawn in.
pub struct Rendered {
    pub png: Vec<u8>,
    pub width: u32,
    pub height: u32,
    pub marker: Option<Marker>,
}

/// The sandbox session a shot renders: its cookie, as the server reads it.
pub struct Session {
    pub cookie_name: String,
    pub id: String,
    /// The variant's path (the cookie's scope).
    pub path: String,
}

/// Same rule as the reviewer's script: the staff's panel, the comment marks
/// and the pin's own marker are not part of the page.
const SKIP: &str = "function skip(el){return el.hasAttribute('data-staff-panel')||el.hasAttribute('data-comment-mark')||el.hasAttribute('data-pin-ui');}";

fn fill_script(p: &Pointed) -> String {
    format!(
        "(function(values, names){{
  var form = document.querySelector('form[data-step]');
  if (!form) return false;
  var by = {{}};
  values.forEach(function(v){{ (by[v[0]] = by[v[0]] || []).push(v[1]); }});
  names.forEach(function(n){{
    var got = by[n] || [];
    form.querySelectorAll('[name=\"' + CSS.escape(n) + '\"]').forEach(function(el){{
      if (el.type === 'file' || el.type === 'hidden') return;
      if (el.type === 'radio' || el.type === 'checkbox') el.checked = got.indexOf(el.value) >= 0;
      else el.value = got.length ? got[0] : '';
    }});
  }});
  form.dispatchEvent(new Event('change', {{ bubbles: true }}));
  return true;
}})({}, {})",
        json!(p.values.iter().map(|(k, v)| [k, v]).collect::<Vec<_>>()),
        json!(p.names),
    )
}

fn locate_script(p: &Pointed) -> String {
    format!(
        "(function(path, fx, fy){{
  {SKIP}
  var el = document.body, parts = path ? path.split('.') : [];
  for (var i = 0; i < parts.length; i++) {{
    var want = +parts[i], n = 0, c = el.firstElementChild;
    while (c) {{ if (!skip(c)) {{ if (n === want) break; n++; }} c = c.nextElementSibling; }}
    if (!c) break;
    el = c;
  }}
  var r = el.getBoundingClientRect();
  while ((r.width === 0 || r.height === 0) && el.parentElement) {{ el = el.parentElement; r = el.getBoundingClientRect(); }}
  var x = r.left + window.scrollX, y = r.top + window.scrollY;
  return {{ x: x, y: y, w: r.width, h: r.height, px: x + fx * r.width, py: y + fy * r.height }};
}})({}, {}, {})",
        json!(p.path),
        p.at.0,
        p.at.1
    )
}

fn marker_of(v: &Value) -> Option<Marker> {
    let n = |k: &str| v.get(k).and_then(Value::as_f64).map(|f| f.round() as i64);
    Some(Marker {
        x: n("x")?,
        y: n("y")?,
        w: n("w")?,
        h: n("h")?,
        px: n("px")?,
        py: n("py")?,
    })
}

/// Render `url` (a path of the test room) as the session sees it, at the
/// reviewer's width, and draw the marker. Blocking: run it off the runtime.
pub fn render(
    options: &BrowserOptions,
    origin: &str,
    session: &Session,
    url: &str,
    p: &Pointed,
) -> Result<Rendered, BrowserError> {
    let options = BrowserOptions {
        width: p.width,
        ..options.clone()
    };
    let browser = Browser::launch(&options)?;
    let page = browser.new_page(vec![origin.to_string()]);
    let out = page.and_then(|page| {
        let shot = (|| {
            if !session.id.is_empty() {
                page.set_cookie(
                    &format!("{origin}{}", session.path),
                    &session.cookie_name,
                    &session.id,
                    &session.path,
                )?;
            }
            page.goto(&format!("{origin}{url}"))?;
            if !p.names.is_empty() {
                page.eval(&fill_script(p))?;
            }
            let marker = marker_of(&page.eval(&locate_script(p))?);
            let png = page.screenshot(true)?;
            Ok::<_, BrowserError>((png, marker))
        })();
        page.close();
        shot
    });
    browser.close();
    let (png, marker) = out?;
    draw(&png, marker).map_err(|e| BrowserError::Page(format!("drawing the marker: {e}")))
}

/// The marker drawn into the PNG: the element outlined, the point a dot.
fn draw(png: &[u8], marker: Option<Marker>) -> Result<Rendered, image::ImageError> {
    let mut img = image::load_from_memory_with_format(png, image::ImageFormat::Png)?.to_rgba8();
    let (w, h) = img.dimensions();
    let marker = marker.map(|m| pad(m, 4, w, h));
    if let Some(m) = marker {
        let red = image::Rgba([0xd4, 0x35, 0x1c, 0xff]);
        let white = image::Rgba([0xff, 0xff, 0xff, 0xff]);
        let mut put = |x: i64, y: i64, c: image::Rgba<u8>| {
            if x >= 0 && y >= 0 && (x as u32) < w && (y as u32) < h {
                img.put_pixel(x as u32, y as u32, c);
            }
        };
        for t in 0..3 {
            for x in m.x..m.x + m.w {
                put(x, m.y + t, red);
                put(x, m.y + m.h - 1 - t, red);
            }
            for y in m.y..m.y + m.h {
                put(m.x + t, y, red);
                put(m.x + m.w - 1 - t, y, red);
            }
        }
        for dy in -11i64..=11 {
            for dx in -11i64..=11 {
                let d = dx * dx + dy * dy;
                if d <= 64 {
                    put(m.px + dx, m.py + dy, red);
                } else if d <= 121 {
                    put(m.px + dx, m.py + dy, white);
                }
            }
        }
    }
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)?;
    Ok(Rendered {
        png: out.into_inner(),
        width: w,
        height: h,
        marker,
    })
}

/// The box grown by `by` pixels and kept inside the image.
fn pad(m: Marker, by: i64, w: u32, h: u32) -> Marker {
    let (w, h) = (i64::from(w), i64::from(h));
    let x = (m.x - by).clamp(0, (w - 1).max(0));
    let y = (m.y - by).clamp(0, (h - 1).max(0));
    Marker {
        x,
        y,
        w: (m.w + 2 * by).min(w - x).max(1),
        h: (m.h + 2 * by).min(h - y).max(1),
        px: m.px.clamp(0, (w - 1).max(0)),
        py: m.py.clamp(0, (h - 1).max(0)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_marker_is_drawn_inside_the_image() {
        let mut img = image::RgbaImage::from_pixel(100, 60, image::Rgba([255, 255, 255, 255]));
        img.put_pixel(0, 0, image::Rgba([0, 0, 0, 255]));
        let mut png = std::io::Cursor::new(Vec::new());
        img.write_to(&mut png, image::ImageFormat::Png).unwrap();
        let m = Marker {
            x: 90,
            y: 10,
            w: 40,
            h: 20,
            px: 95,
            py: 20,
        };
        let r = draw(png.get_ref(), Some(m)).expect("drawn");
        let m = r.marker.expect("kept");
        assert!(m.x + m.w <= 100 && m.y + m.h <= 60, "{m:?}");
        let out = image::load_from_memory(&r.png).unwrap().to_rgba8();
        assert_eq!(out.get_pixel(95, 20).0, [0xd4, 0x35, 0x1c, 0xff], "the dot");
        assert_eq!(
            out.get_pixel(m.x as u32, (m.y + m.h - 1) as u32).0,
            [0xd4, 0x35, 0x1c, 0xff],
            "the outline"
        );
        assert_eq!(
            out.get_pixel(10, 50).0,
            [255, 255, 255, 255],
            "the rest untouched"
        );
    }

    #[test]
    fn scripts_carry_values_as_json_never_as_code() {
        let p = Pointed::parse(
            "1",
            "0.5",
            "0.5",
            "1280",
            r#"[["n","');alert(1)//"]]"#,
            r#"["n"]"#,
        )
        .unwrap();
        let s = fill_script(&p);
        assert!(s.contains(r#"[["n","');alert(1)//"]]"#), "{s}");
    }
}
