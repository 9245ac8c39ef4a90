//! Pin by click (BugHerd's pin, without its browser extension): a reviewer
//! points at something on a sandbox page; Provrum renders that very sandbox
//! session's page in its own headless Chromium (the session lives on the
//! server, so nothing is uploaded), finds what was pointed at, draws the
//! marker into the PNG and keeps it with the comment that is then saved.
//!
//! The page is rendered at the reviewer's own width with what they had typed
//! but not yet saved filled in, so the picture is what they saw. What was
//! pointed at travels as a path of element positions from `<body>` (the
//! staff's own additions skipped), because the test room's render has no
//! staff panel and coordinates would not carry over.

use serde_json::{Value, json};
use sqlx::Row;

use crate::browser::{Browser, BrowserError, BrowserOptions};
use crate::store::{Store, WriteTx};

/// The narrowest and widest page a shot is rendered at.
const WIDTHS: std::ops::RangeInclusive<u32> = 320..=1920;
/// At most this many typed values are carried over to the render.
const MAX_VALUES: usize = 400;

/// What was pointed at, validated.
#[derive(Debug, Clone, PartialEq)]
pub struct Pointed {
    /// Element positions from `<body>`, as "3.0.2" (empty: the body).
    pub path: String,
    /// Where in the element, as fractions of its width and height.
    pub at: (f64, f64),
    /// The reviewer's window width, clamped to [`WIDTHS`].
    pub width: u32,
    /// What the step's form held when they pointed: (name, value), and the
    /// names of every control, so an unticked box is unticked in the render.
    pub values: Vec<(String, String)>,
    pub names: Vec<String>,
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PointError {
    #[error("the element path must be numbers joined by dots, at most 64 deep")]
    Path,
    #[error("the typed values must be a JSON list of [name, value] pairs (at most {MAX_VALUES})")]
    Values,
}

impl Pointed {
    /// From the sandbox page's script: `path`, `fx`/`fy`, `width`, and the
    /// form's values as JSON.
    pub fn parse(
        path: &str,
        fx: &str,
        fy: &str,
        width: &str,
        values: &str,
        names: &str,
    ) -> Result<Pointed, PointError> {
        let path = path.trim();
        let parts: Vec<&str> = if path.is_empty() {
            Vec::new()
        } else {
            path.split('.').collect()
        };
        if parts.len() > 64
            || parts
                .iter()
                .any(|p| p.is_empty() || p.len() > 4 || !p.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(PointError::Path);
        }
        let fraction = |s: &str| {
            s.trim()
                .parse::<f64>()
                .ok()
                .filter(|f| f.is_finite())
                .map_or(0.5, |f| f.clamp(0.0, 1.0))
        };
        let width = width
            .trim()
            .parse::<u32>()
            .unwrap_or(1280)
            .clamp(*WIDTHS.start(), *WIDTHS.end());
        let values: Vec<(String, String)> = if values.trim().is_empty() {
            Vec::new()
        } else {
            serde_json::from_str(values).map_err(|_| PointError::Values)?
        };
        let names: Vec<String> = if names.trim().is_empty() {
            Vec::new()
        } else {
            serde_json::from_str(names).map_err(|_| PointError::Values)?
        };
        if values.len() > MAX_VALUES || names.len() > MAX_VALUES {
            return Err(PointError::Values);
        }
        Ok(Pointed {
            path: parts.join("."),
            at: (fraction(fx), fraction(fy)),
            width,
            values,
            names,
        })
    }
}

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

/// A shot as stored.
#[derive(Debug, Clone)]
pub struct Shot {
    pub token: String,
    pub state: ShotState,
    pub artifact: Option<String>,
    pub marker: Option<(i64, i64, i64, i64)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShotState {
    Pending,
    Ready,
    Failed,
}

impl ShotState {
    pub fn slug(self) -> &'static str {
        match self {
            ShotState::Pending => "pending",
            ShotState::Ready => "ok",
            ShotState::Failed => "failed",
        }
    }

    fn parse(s: &str) -> ShotState {
        match s {
            "ok" => ShotState::Ready,
            "failed" => ShotState::Failed,
            _ => ShotState::Pending,
        }
    }
}

/// Record a shot about to be rendered, owned by `user_id`; returns its token.
pub async fn begin(
    store: &Store,
    user_id: i64,
    version_id: i64,
    municipality: &str,
    place: &str,
) -> Result<String, sqlx::Error> {
    let token = hex::encode(rand::random::<[u8; 16]>());
    sqlx::query("insert into pin_shots (token, user_id, version_id, municipality, place, state, created_at) values ($1, $2, $3, $4, $5, 'pending', $6)")
        .bind(&token)
        .bind(user_id)
        .bind(version_id)
        .bind(municipality)
        .bind(place)
        .bind(crate::store::now())
        .execute(&store.pool)
        .await?;
    Ok(token)
}

/// Store the outcome of a render.
pub async fn finish(
    store: &Store,
    token: &str,
    done: Option<(&str, &Rendered)>,
) -> Result<(), sqlx::Error> {
    let (state, artifact, w, h, m) = match done {
        Some((sha, r)) => (
            ShotState::Ready,
            Some(sha),
            Some(i64::from(r.width)),
            Some(i64::from(r.height)),
            r.marker,
        ),
        None => (ShotState::Failed, None, None, None, None),
    };
    sqlx::query("update pin_shots set state = $1, artifact = $2, width = $3, height = $4, box_x = $5, box_y = $6, box_w = $7, box_h = $8 where token = $9")
        .bind(state.slug())
        .bind(artifact)
        .bind(w)
        .bind(h)
        .bind(m.map(|m| m.x))
        .bind(m.map(|m| m.y))
        .bind(m.map(|m| m.w))
        .bind(m.map(|m| m.h))
        .bind(token)
        .execute(&store.pool)
        .await?;
    Ok(())
}

/// The token if it names a shot of `user_id` on this variant, else `None`
/// (someone else's or a stale token is not kept with a comment).
pub async fn owned(
    tx: &mut WriteTx,
    token: &str,
    user_id: i64,
    version_id: i64,
    municipality: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("select token from pin_shots where token = $1 and user_id = $2 and version_id = $3 and municipality = $4")
        .bind(token)
        .bind(user_id)
        .bind(version_id)
        .bind(municipality)
        .fetch_optional(&mut **tx)
        .await
}

pub async fn get(store: &Store, token: &str) -> Result<Option<Shot>, sqlx::Error> {
    let row = sqlx::query(
        "select token, state, artifact, box_x, box_y, box_w, box_h from pin_shots where token = $1",
    )
    .bind(token)
    .fetch_optional(&store.pool)
    .await?;
    Ok(row.map(|r| Shot {
        token: r.get(0),
        state: ShotState::parse(&r.get::<String, _>(1)),
        artifact: r.get(2),
        marker: match (r.get(3), r.get(4), r.get(5), r.get(6)) {
            (Some(x), Some(y), Some(w), Some(h)) => Some((x, y, w, h)),
            _ => None,
        },
    }))
}

/// Forget shots older than `before` that no comment keeps (the reviewer
/// pointed and then did not save).
pub async fn sweep(store: &Store, before: &str) -> Result<u64, sqlx::Error> {
    Ok(sqlx::query("delete from pin_shots where created_at < $1 and token not in (select pin_shot from comments where pin_shot is not null)")
        .bind(before)
        .execute(&store.pool)
        .await?
        .rows_affected())
}

/// Sweep unused shots with the sandbox's own rhythm and age limit.
pub async fn sweep_forever(store: Store) {
    use crate::sandbox::cleanup::{EVERY, IDLE, before_now};
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tick.tick().await;
        match sweep(&store, &before_now(IDLE)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(shots = n, "unused pin screenshots forgotten"),
            Err(e) => tracing::warn!(error = %e, "sweeping pin screenshots failed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_was_pointed_at_is_checked() {
        let p = Pointed::parse("3.0.12", "0.25", "2", "390", r#"[["a","b"]]"#, r#"["a"]"#)
            .expect("valid");
        assert_eq!(p.path, "3.0.12");
        assert_eq!(p.at, (0.25, 1.0), "fractions are clamped");
        assert_eq!(p.width, 390);
        assert_eq!(p.values, vec![("a".to_string(), "b".to_string())]);
        assert_eq!(
            Pointed::parse("", "x", "", "99999", "", "").unwrap().width,
            1920
        );
        for bad in ["1..2", "a.b", "1.2.", "12345", "1);alert(1"] {
            assert_eq!(
                Pointed::parse(bad, "0", "0", "1280", "", ""),
                Err(PointError::Path),
                "{bad}"
            );
        }
        let deep = vec!["1"; 65].join(".");
        assert_eq!(
            Pointed::parse(&deep, "0", "0", "1280", "", ""),
            Err(PointError::Path)
        );
        assert_eq!(
            Pointed::parse("1", "0", "0", "1280", "{\"a\":1}", ""),
            Err(PointError::Values)
        );
    }

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
