//! Reports of a gate result: JSON (schema provrum-release/1), JUnit (one
//! testcase per condition per municipality) and one self-contained HTML file
//! with embedded thumbnails that a meeting can open offline.

use askama::Template;
use base64::Engine;
use serde_json::json;

use crate::artifacts::Artifacts;

use super::gate::{Blocker, GateResult, Verdict};
use super::policy::Condition;

pub fn json(g: &GateResult, exit: u8) -> serde_json::Value {
    json!({
        "schema": "provrum-release/1",
        "exit": exit,
        "result": g,
    })
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One testcase per condition × participating municipality (and one for
/// the region, for blockers that belong to no municipality).
pub fn junit(g: &GateResult) -> String {
    let mut places: Vec<String> = vec!["region".into()];
    places.extend(g.participating.iter().cloned());
    let mut cases = String::new();
    let (mut n, mut failures) = (0, 0);
    for c in &g.conditions {
        for p in &places {
            n += 1;
            let mine: Vec<&Blocker> = g
                .blockers
                .iter()
                .filter(|b| b.condition == *c && b.municipality.as_deref().unwrap_or("region") == p)
                .collect();
            let waived: Vec<String> = g
                .waived
                .iter()
                .filter(|(b, _)| {
                    b.condition == *c && b.municipality.as_deref().unwrap_or("region") == p
                })
                .map(|(b, w)| format!("undantag: {} ({}, till {})", b.message, w.reason, w.expires))
                .collect();
            cases.push_str(&format!(
                "    <testcase classname=\"{}.{}.{c}\" name=\"{}\">",
                xml(&g.service),
                xml(&g.version),
                xml(p)
            ));
            if !mine.is_empty() {
                failures += 1;
                let text: Vec<String> = mine.iter().map(|b| b.message.clone()).collect();
                cases.push_str(&format!(
                    "<failure message=\"{}\">{}</failure>",
                    xml(&text[0]),
                    xml(&text.join("\n"))
                ));
            }
            if !waived.is_empty() {
                cases.push_str(&format!(
                    "<system-out>{}</system-out>",
                    xml(&waived.join("\n"))
                ));
            }
            cases.push_str("</testcase>\n");
        }
    }
    // What the verdict stands on: made for this check, or reused unchanged.
    let e = &g.evidence;
    let mut props = String::from("    <properties>\n");
    if let Some(run) = e.run {
        props.push_str(&format!("      <property name=\"run\" value=\"{run}\"/>\n"));
    }
    for (name, value) in [
        ("cells_run", e.cells_run as i64),
        ("cells_reused", e.cells_reused as i64),
        ("captures_made", e.captures_made),
        ("captures_reused", e.captures_reused),
    ] {
        props.push_str(&format!(
            "      <property name=\"{name}\" value=\"{value}\"/>\n"
        ));
    }
    props.push_str("    </properties>\n");
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"provrum release-check\">\n  <testsuite name=\"{} {}\" tests=\"{n}\" failures=\"{failures}\">\n{props}{cases}  </testsuite>\n</testsuites>\n",
        xml(&g.service),
        xml(&g.version)
    )
}

/// A PNG screenshot as a small embedded `data:` URI: 240 px across, of
/// the part around `focus` (a changed region) or else the top of the page,
/// at most three quarters as tall as wide — enough to recognise what is
/// meant, small enough that the file stays light.
fn thumbnail(artifacts: &Artifacts, hash: &str, focus: Option<[u32; 4]>) -> Option<String> {
    let bytes = artifacts.get(hash).ok()?;
    let img = image::load_from_memory(&bytes).ok()?;
    let w = img.width();
    let h = (w * 3 / 4).min(img.height());
    let top = match focus {
        Some([_, y, _, rh]) => {
            // Centre the region vertically where it fits.
            let centre = y + rh / 2;
            centre.saturating_sub(h / 2).min(img.height() - h)
        }
        None => 0,
    };
    let cropped = img.crop_imm(0, top, w, h);
    let scale = 240.0 / w.max(1) as f32;
    let thumb = cropped.thumbnail(240, ((h as f32) * scale).max(1.0) as u32);
    let mut png = Vec::new();
    thumb
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .ok()?;
    Some(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}

/// Blockers of one condition by municipality ("Hela tjänsten" first, then
/// by Swedish name), and the line that sums them up: "12 hinder: Karlstad
/// (5), Kil (7)". `T` carries a blocker and what its page adds to it.
pub fn fold<T: Clone>(
    list: &[T],
    blocker: impl Fn(&T) -> &Blocker,
) -> (Vec<(String, Vec<T>)>, String) {
    let registry = crate::municipalities::Registry::builtin();
    let mut by: Vec<(Option<String>, Vec<T>)> = Vec::new();
    for x in list {
        let m = &blocker(x).municipality;
        match by.iter_mut().find(|(k, _)| k == m) {
            Some((_, l)) => l.push(x.clone()),
            None => by.push((m.clone(), vec![x.clone()])),
        }
    }
    let name = |m: &Option<String>| match m {
        Some(m) => registry.short_name(m),
        None => "Hela tjänsten".to_string(),
    };
    by.sort_by_key(|(m, _)| {
        (
            m.is_some(),
            crate::municipalities::swedish_sort_key(&name(m)),
        )
    });
    let parts: Vec<String> = by
        .iter()
        .map(|(m, l)| format!("{} ({})", name(m), l.len()))
        .collect();
    let summary = match list.len() {
        0 => String::new(),
        n => format!("{n} hinder: {}", parts.join(", ")),
    };
    (
        by.into_iter().map(|(m, l)| (name(&m), l)).collect(),
        summary,
    )
}

/// A blocker in the report, with its embedded thumbnail.
type Shown = (Blocker, Option<String>);

struct Row {
    condition: Condition,
    condition_sv: &'static str,
    count: usize,
    waived: usize,
    /// "12 hinder: Karlstad (5), Kil (7)".
    summary: String,
    by_municipality: Vec<(String, Vec<Shown>)>,
}

struct Place {
    name: String,
    opted_out: Option<String>,
    open: usize,
    waived: usize,
}

#[derive(Template)]
#[template(path = "release/report.html")]
struct Report<'a> {
    g: &'a GateResult,
    ready: bool,
    rows: Vec<Row>,
    places: Vec<Place>,
    waived: Vec<(Blocker, super::waivers::Waiver)>,
    /// The test room's public address ("" when none is configured: no links).
    origin: &'a str,
}

pub fn condition_sv(c: &Condition) -> &'static str {
    c.swedish()
}

/// The self-contained report: a one-screen summary (verdict, one line per
/// condition), the details folded below it. `origin` is the test room's
/// public address; without one the report links nowhere (a local address
/// would mean nothing to the meeting that opens the file).
pub fn html(g: &GateResult, artifacts: &Artifacts, origin: &str) -> Result<String, askama::Error> {
    let registry = crate::municipalities::Registry::builtin();
    let name = |m: &str| {
        registry
            .get(m)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| m.to_string())
    };
    let mut thumbs: std::collections::HashMap<(String, Option<[u32; 4]>), Option<String>> =
        Default::default();
    let rows = g
        .conditions
        .iter()
        .map(|c| {
            let shown: Vec<Shown> = g
                .blockers
                .iter()
                .filter(|b| b.condition == *c)
                .map(|b| {
                    let thumb = b.screenshot.as_deref().and_then(|h| {
                        thumbs
                            .entry((h.to_string(), b.focus))
                            .or_insert_with(|| thumbnail(artifacts, h, b.focus))
                            .clone()
                    });
                    (b.clone(), thumb)
                })
                .collect();
            let (by_municipality, summary) = fold(&shown, |(b, _)| b);
            Row {
                condition: *c,
                condition_sv: c.swedish(),
                count: shown.len(),
                waived: g.waived.iter().filter(|(b, _)| b.condition == *c).count(),
                summary,
                by_municipality,
            }
        })
        .collect();
    let mut all: Vec<String> = g.participating.clone();
    all.extend(g.opted_out.iter().map(|(m, _)| m.clone()));
    all.sort_by_key(|m| crate::municipalities::swedish_sort_key(&name(m)));
    let places = all
        .iter()
        .map(|m| Place {
            name: name(m),
            opted_out: g
                .opted_out
                .iter()
                .find(|(o, _)| o == m)
                .map(|(_, r)| r.clone()),
            open: g
                .blockers
                .iter()
                .filter(|b| b.municipality.as_deref() == Some(m))
                .count(),
            waived: g
                .waived
                .iter()
                .filter(|(b, _)| b.municipality.as_deref() == Some(m))
                .count(),
        })
        .collect();
    Report {
        g,
        ready: g.verdict == Verdict::Ready,
        rows,
        places,
        waived: g.waived.clone(),
        origin: origin.trim_end_matches('/'),
    }
    .render()
}
